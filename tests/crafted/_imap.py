"""Shared by the IMAP crafted clients (imap_*.py): speak raw IMAP over
one socket, waiting for each tagged response unless told not to.  Each
script makes exactly one deliberate violation and names the finding it
expects in RULE; usage: python3 <script> HOST IMAP_PORT."""

import socket
import sys


class Raw:
    def __init__(self):
        host, port = sys.argv[1], int(sys.argv[2])
        self.s = socket.create_connection((host, port), timeout=20)
        self.f = self.s.makefile("rb")
        self.n = 0
        self.line()

    def line(self):
        ln = self.f.readline()
        if not ln:
            raise SystemExit("connection closed")
        return ln

    def tagged(self, tag):
        """Read up to the tagged response of tag; returns it."""
        while True:
            ln = self.line()
            if ln.startswith(tag.encode() + b" "):
                return ln

    def cont(self):
        """Read up to a "+" continuation request."""
        while not self.line().startswith(b"+"):
            pass

    def tag(self):
        self.n += 1
        return "c%d" % self.n

    def cmd(self, text, wait=True):
        t = self.tag()
        self.s.sendall(t.encode() + b" " + text + b"\r\n")
        return self.tagged(t) if wait else t

    def close(self):
        self.f.close()
        self.s.close()


def session(login=True, select=False):
    """Connected, logged in (in the clear: mailrig accepts any password)
    and optionally with INBOX selected."""
    r = Raw()
    if login:
        r.cmd(b'LOGIN crafted@example.test "pw"')
    if select:
        r.cmd(b"SELECT INBOX")
    return r


def logout(r):
    r.cmd(b"LOGOUT")
    r.close()
