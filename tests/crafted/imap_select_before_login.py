"""One violation: SELECT before authenticating (RFC 3501 3.1)."""
import _imap

RULE = "imap.state.not-authenticated"

if __name__ == "__main__":
    r = _imap.session(login=False)
    r.cmd(b"SELECT INBOX")
    _imap.logout(r)
