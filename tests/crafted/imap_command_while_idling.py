"""One violation: a command sent while IDLE waits for DONE (RFC 2177
3)."""
import _imap

RULE = "imap.idle.command-while-idling"

if __name__ == "__main__":
    r = _imap.session(select=True)
    t = r.cmd(b"IDLE", wait=False)
    r.cont()
    r.s.sendall(b"x1 NOOP\r\n")
    r.s.sendall(b"DONE\r\n")
    r.tagged(t)
    _imap.logout(r)
