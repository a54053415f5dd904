"""One violation: the client hangs up without LOGOUT (RFC 3501 6.1.3)."""
import _imap

RULE = "imap.session.no-logout"

if __name__ == "__main__":
    r = _imap.session()
    r.cmd(b"NOOP")
    r.close()
