"""One violation: an extra space between arguments (RFC 3501 2.2.1)."""
import _imap

RULE = "imap.syntax.spaces"

if __name__ == "__main__":
    r = _imap.session(select=True)
    r.cmd(b"FETCH 1  (FLAGS)")
    _imap.logout(r)
