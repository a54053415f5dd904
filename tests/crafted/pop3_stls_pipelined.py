"""One violation: a command sent right behind STLS, before the TLS
negotiation (RFC 2595 4)."""
import _pop3

RULE = "pop3.stls.pipelined"

if __name__ == "__main__":
    r = _pop3.Raw()
    r.status()
    r.capa()
    r.send(b"STLS\r\nCAPA\r\n")
    r.close()
