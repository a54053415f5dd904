"""Shared by the crafted POP3 clients (tests/crafted/pop3_*.py): speak raw
POP3 over one socket, reading each status line (and the body of a
multi-line response) unless told not to.  Each script makes exactly one
deliberate violation and names the finding it expects in RULE; usage:
python3 <script> HOST POP3_PORT."""

import socket
import sys


class Raw:
    def __init__(self):
        host, port = sys.argv[1], int(sys.argv[2])
        self.s = socket.create_connection((host, port), timeout=20)
        self.f = self.s.makefile("rb")

    def line(self):
        line = self.f.readline()
        if not line:
            raise SystemExit("connection closed")
        return line.rstrip(b"\r\n")

    def status(self, multi=False):
        """The status line; with multi, the body up to "." is read too."""
        first = self.line()
        if multi and first.startswith(b"+OK"):
            while self.line() != b".":
                pass
        return first

    def send(self, data, multi=False):
        self.s.sendall(data)
        return self.status(multi)

    def capa(self):
        return self.send(b"CAPA\r\n", multi=True)

    def quit(self):
        self.send(b"QUIT\r\n")
        self.close()

    def close(self):
        self.f.close()
        self.s.close()
