"""One violation: the message ends its lines in bare LF (RFC 5321 2.3.8)."""
import _raw

RULE = "smtp.line.bare-lf"

if __name__ == "__main__":
    _raw.session("bare-lf", body=_raw.MSG.replace(b"\r\n", b"\n")).close()
