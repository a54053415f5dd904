"""One violation: DONE with no IDLE active (RFC 2177 3)."""
import _imap

RULE = "imap.idle.done-outside"

if __name__ == "__main__":
    r = _imap.session(select=True)
    r.s.sendall(b"DONE\r\n")
    r.line()
    _imap.logout(r)
