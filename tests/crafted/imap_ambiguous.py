"""One violation: FETCH by sequence number pipelined behind a NOOP,
which permits EXPUNGE responses (RFC 3501 5.5)."""
import _imap

RULE = "imap.pipeline.ambiguous"

if __name__ == "__main__":
    r = _imap.session(select=True)
    r.s.sendall(b"x1 NOOP\r\nx2 FETCH 1 FLAGS\r\n")
    r.tagged("x2")
    _imap.logout(r)
