"""One violation: the client hangs up without QUIT (RFC 1939 6)."""
import _pop3

RULE = "pop3.session.no-quit"

if __name__ == "__main__":
    r = _pop3.Raw()
    r.status()
    r.capa()
    r.close()
