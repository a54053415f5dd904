"""One violation: an APOP digest in upper-case hex (RFC 1939 7)."""
import _pop3

RULE = "pop3.apop.digest-syntax"

if __name__ == "__main__":
    r = _pop3.Raw()
    r.status()
    r.capa()
    r.send(b"APOP crafted C4C9334BAC560ECC979E58001B3E22FB\r\n")
    r.quit()
