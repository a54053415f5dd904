"""One violation: AUTH PLAIN in the clear although STARTTLS was offered
(a SECURITY finding)."""
import _raw

RULE = "smtp.security.cleartext-auth-starttls-offered"

if __name__ == "__main__":
    r = _raw.Raw()
    r.reply()
    r.send(b"EHLO crafted-auth.test\r\n")
    r.send(b"AUTH PLAIN AHVzZXIAcGFzcw==\r\n")
    r.send(b"QUIT\r\n")
    r.close()
