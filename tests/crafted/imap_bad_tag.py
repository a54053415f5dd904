"""One violation: a tag containing "+" (RFC 3501 9)."""
import _imap

RULE = "imap.syntax.tag"

if __name__ == "__main__":
    r = _imap.session()
    r.s.sendall(b"x+1 NOOP\r\n")
    r.line()
    _imap.logout(r)
