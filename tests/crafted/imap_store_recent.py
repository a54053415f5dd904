"""One violation: STORE tries to set \\Recent (RFC 3501 2.3.2)."""
import _imap

RULE = "imap.flags.recent"

if __name__ == "__main__":
    r = _imap.session(select=True)
    r.cmd(b"STORE 1 +FLAGS (\\Recent)")
    _imap.logout(r)
