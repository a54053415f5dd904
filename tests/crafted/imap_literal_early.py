"""One violation: a synchronizing literal sent before the "+"
continuation request (RFC 3501 4.3)."""
import _imap

RULE = "imap.literal.before-continuation"
MSG = b"From: a@example.test\r\nSubject: early\r\n\r\nhi\r\n"

if __name__ == "__main__":
    r = _imap.session()
    r.s.sendall(b"x1 APPEND INBOX {%d}\r\n" % len(MSG) + MSG + b"\r\n")
    r.tagged("x1")
    _imap.logout(r)
