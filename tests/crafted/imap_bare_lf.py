"""One violation: a command line ended with a bare LF (RFC 3501 2.2)."""
import _imap

RULE = "imap.line.bare-lf"

if __name__ == "__main__":
    r = _imap.session()
    r.s.sendall(b"x1 NOOP\n")
    r.tagged("x1")
    _imap.logout(r)
