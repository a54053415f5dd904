"""One violation: AUTH with an initial response without having seen the
SASL capability (RFC 5034 3)."""
import base64

import _pop3

RULE = "pop3.auth.initial-response-not-advertised"

if __name__ == "__main__":
    r = _pop3.Raw()
    r.status()
    r.send(b"AUTH PLAIN " + base64.b64encode(b"\0crafted\0pw") + b"\r\n")
    r.quit()
