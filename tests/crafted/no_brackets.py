"""One violation: MAIL FROM without angle brackets (RFC 5321 4.1.2)."""
import _raw

RULE = "smtp.mail.syntax"

if __name__ == "__main__":
    _raw.session("no-brackets", mail=b"MAIL FROM:a@example.test").close()
