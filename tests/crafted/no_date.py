"""One violation: the message has no Date field (RFC 5322 3.6)."""
import _raw

RULE = "msg.header.date-missing"

if __name__ == "__main__":
    body = b"\r\n".join(l for l in _raw.MSG.split(b"\r\n")
                        if not l.startswith(b"Date:"))
    _raw.session("no-date", body=body).close()
