"""One violation: FETCH with no mailbox selected (RFC 3501 6.4)."""
import _imap

RULE = "imap.state.no-mailbox"

if __name__ == "__main__":
    r = _imap.session()
    r.cmd(b"FETCH 1 FLAGS")
    _imap.logout(r)
