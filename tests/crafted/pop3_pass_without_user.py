"""One violation: PASS without a successful USER before it (RFC 1939 7)."""
import _pop3

RULE = "pop3.pass.without-user"

if __name__ == "__main__":
    r = _pop3.Raw()
    r.status()
    r.capa()
    r.send(b"PASS secret\r\n")
    r.quit()
