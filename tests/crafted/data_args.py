"""One violation: DATA with an argument (RFC 5321 4.1.1.4)."""
import _raw

RULE = "smtp.data.args"

if __name__ == "__main__":
    r = _raw.Raw()
    r.reply()
    r.send(b"EHLO crafted-data-args.test\r\n")
    r.send(b"MAIL FROM:<a@example.test>\r\n")
    r.send(b"RCPT TO:<b@example.test>\r\n")
    if r.send(b"DATA now\r\n")[0] == 354:
        r.send(_raw.MSG + b".\r\n")
    r.send(b"QUIT\r\n")
    r.close()
