"""Shared by the crafted clients: speak raw SMTP over one socket, waiting
for each reply unless told not to.  Every script under tests/crafted/
makes exactly one deliberate protocol violation and names the finding it
expects in RULE; usage: python3 <script> HOST PORT."""

import socket
import sys

MSG = (b"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\nFrom: a@example.test\r\n"
       b"To: b@example.test\r\nSubject: crafted\r\n"
       b"Message-ID: <crafted@example.test>\r\n\r\nHello.\r\n")


class Raw:
    def __init__(self):
        host, port = sys.argv[1], int(sys.argv[2])
        self.s = socket.create_connection((host, port), timeout=20)
        self.f = self.s.makefile("rb")

    def reply(self):
        """One whole (possibly multiline) reply; returns its code."""
        while True:
            line = self.f.readline()
            if not line:
                raise SystemExit("connection closed")
            if line[3:4] != b"-":
                return int(line[:3])

    def send(self, data, replies=1):
        self.s.sendall(data)
        return [self.reply() for _ in range(replies)]

    def close(self):
        self.f.close()
        self.s.close()


def session(name, body=MSG, mail=b"MAIL FROM:<a@example.test>",
            rcpt=b"RCPT TO:<b@example.test>", quit=True):
    """A clean session with EHLO crafted-<name>.test; returns Raw."""
    r = Raw()
    r.reply()
    r.send(b"EHLO crafted-" + name.encode() + b".test\r\n")
    r.send(mail + b"\r\n")
    r.send(rcpt + b"\r\n")
    if r.send(b"DATA\r\n")[0] == 354:
        r.send(body + b".\r\n")
    if quit:
        r.send(b"QUIT\r\n")
    return r
