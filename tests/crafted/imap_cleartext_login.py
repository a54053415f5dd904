"""One violation: LOGIN in the clear although STARTTLS was offered (a
SECURITY finding)."""
import _imap

RULE = "imap.security.cleartext-login-starttls-offered"

if __name__ == "__main__":
    _imap.logout(_imap.session())
