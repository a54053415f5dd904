"""One violation: MAIL sent in the same write as EHLO, which must end a
pipelining group (RFC 2920 3.1)."""
import _raw

RULE = "smtp.pipelining.after-group-end"

if __name__ == "__main__":
    r = _raw.Raw()
    r.reply()
    r.send(b"EHLO crafted-pipeline.test\r\nMAIL FROM:<a@example.test>\r\n",
           replies=2)
    r.send(b"QUIT\r\n")
    r.close()
