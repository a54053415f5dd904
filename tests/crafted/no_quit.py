"""One violation: the client hangs up without QUIT (RFC 5321 4.1.1.10)."""
import _raw

RULE = "smtp.session.no-quit"

if __name__ == "__main__":
    _raw.session("no-quit", quit=False).close()
