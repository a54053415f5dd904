"""One violation: a command line ended by a bare LF (RFC 1939 3)."""
import _pop3

RULE = "pop3.line.bare-lf"

if __name__ == "__main__":
    r = _pop3.Raw()
    r.status()
    r.send(b"CAPA\n", multi=True)
    r.quit()
