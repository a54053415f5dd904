"""One violation: STAT in the AUTHORIZATION state (RFC 1939 5)."""
import _pop3

RULE = "pop3.state.transaction-only"

if __name__ == "__main__":
    r = _pop3.Raw()
    r.status()
    r.capa()
    r.send(b"STAT\r\n")
    r.quit()
