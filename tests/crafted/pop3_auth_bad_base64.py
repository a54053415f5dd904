"""One violation: a SASL response that is not BASE64 (RFC 5034 4)."""
import _pop3

RULE = "pop3.auth.response-syntax"

if __name__ == "__main__":
    r = _pop3.Raw()
    r.status()
    r.capa()
    r.send(b"AUTH PLAIN\r\n")
    r.send(b"not base64!\r\n")
    r.quit()
