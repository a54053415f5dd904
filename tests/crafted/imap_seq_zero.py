"""One violation: a sequence set containing 0 (RFC 3501 9)."""
import _imap

RULE = "imap.syntax.sequence-set"

if __name__ == "__main__":
    r = _imap.session(select=True)
    r.cmd(b"FETCH 0:1 FLAGS")
    _imap.logout(r)
