"""Hostile and broken POP3 clients over raw sockets: commands in the
wrong state, unknown commands, lines past RFC 2449's 255 octets and past
the framer's cap, message numbers out of range, NUL and binary garbage,
the error limit, a client that vanishes without QUIT (no deletion) or in
the middle of a big RETR, and a failed STLS handshake.  Each gets -ERR or
a clean close, and other sessions carry on."""

import random
import smtplib

import mrlib


class Pop3Raw(mrlib.Smtp):
    """Raw POP3 lines over a socket."""

    def status(self):
        """One status line without CRLF; b"" at EOF."""
        return self.readline().rstrip(b"\r\n")

    def cmd(self, line):
        self.send(line + ("\r\n" if isinstance(line, str) else b"\r\n"))
        return self.status()

    def multi(self):
        """The lines of a multi-line body up to ".", unstuffed."""
        out = []
        for _ in range(1000000):
            line = self.readline()
            if not line:
                raise AssertionError("EOF inside a multi-line response")
            if line == b".\r\n":
                return out
            out.append(line[1:] if line.startswith(b".") else line)
        raise AssertionError("multi-line response too long")


class Pop3BadTest(mrlib.Case):
    def user(self):
        return self.addr("u").split("@")[0]

    def deliver(self, user, extra=b""):
        sender = self.addr("from")
        rcpt = user + "@example.test"
        body = self.message(sender, [rcpt], "bad input", extra)
        with smtplib.SMTP(self.server.host, self.server.smtp,
                          timeout=mrlib.IO_TIMEOUT) as s:
            s.sendmail(sender, [rcpt], body)
        return body

    def connect(self):
        c = Pop3Raw(self.server.host, int(self.server.info["pop3"]))
        self.addCleanup(c.close)
        self.assertTrue(c.status().startswith(b"+OK "))
        return c

    def login(self, user):
        c = self.connect()
        self.assertEqual(c.cmd("USER " + user), b"+OK send PASS")
        self.assertTrue(c.cmd("PASS x").startswith(b"+OK maildrop"))
        return c

    def assertErr(self, got, want=b"-ERR"):
        self.assertTrue(got.startswith(want), "got %r, want %r" %
                        (got, want))

    def still_serves(self):
        """A new session logs in and answers."""
        c = self.login(self.user())
        self.assertEqual(c.cmd("STAT"), b"+OK 0 0")
        self.assertTrue(c.cmd("QUIT").startswith(b"+OK"))
        self.assertTrue(c.at_eof())

    def test_wrong_state_and_unknown(self):
        c = self.connect()
        for line in ("STAT", "LIST", "RETR 1", "DELE 1", "NOOP", "RSET",
                     "TOP 1 0", "UIDL", "PASS x"):
            self.assertErr(c.cmd(line))
        self.assertErr(c.cmd("XYZZY"), b"-ERR unknown command")
        self.assertErr(c.cmd("STLS now"))
        self.assertEqual(c.cmd("USER " + self.user()), b"+OK send PASS")
        self.assertTrue(c.cmd("PASS x").startswith(b"+OK"))
        for line in ("USER a", "PASS b", "APOP a " + "0" * 32,
                     "AUTH PLAIN", "STLS"):
            self.assertErr(c.cmd(line))
        self.assertEqual(c.cmd("NOOP"), b"+OK")
        self.assertTrue(c.cmd("QUIT").startswith(b"+OK"))
        self.assertTrue(c.at_eof())

    def test_too_long(self):
        c = self.connect()
        # RFC 2449 4: 255 octets with CRLF are fine, 256 are not.
        self.assertEqual(c.cmd("USER " + "a" * 248), b"+OK send PASS")
        self.assertErr(c.cmd("USER " + "a" * 249),
                       b"-ERR command line too long")
        # Past the framer's cap: one -ERR, the rest skipped, in sync.
        c.send(b"USER " + b"b" * 100000 + b"\r\n")
        self.assertErr(c.status(), b"-ERR command line too long")
        self.assertEqual(c.cmd("CAPA"), b"+OK Capability list follows")
        self.assertIn(b"UIDL\r\n", c.multi())
        self.assertEqual(c.cmd("USER " + self.user()), b"+OK send PASS")
        self.assertTrue(c.cmd("PASS x").startswith(b"+OK"))

    def test_out_of_range(self):
        u = self.user()
        body = self.deliver(u)
        c = self.login(u)
        for line in ("RETR 0", "RETR 2", "RETR 99999999999999999999",
                     "RETR abc", "RETR -1", "LIST 9", "DELE 5",
                     "UIDL 0", "TOP 1 x", "TOP 2 0", "RETR", "TOP 1"):
            self.assertErr(c.cmd(line))
        self.assertEqual(c.cmd("RETR 1"), b"+OK %d octets" % len(body))
        self.assertEqual(b"".join(c.multi()), body)

    def test_nul_bare_lf_pipelined(self):
        u = self.user()
        body = self.deliver(u)
        c = self.connect()
        c.send(b"NO\0OP\r\nUSER %s\nPASS x\r\nSTAT\r\nRETR 1\r\nQUIT\r\n"
               % u.encode())
        self.assertErr(c.status(), b"-ERR NUL byte")
        self.assertEqual(c.status(), b"+OK send PASS")
        self.assertTrue(c.status().startswith(b"+OK maildrop"))
        self.assertEqual(c.status(), b"+OK 1 %d" % len(body))
        self.assertEqual(c.status(), b"+OK %d octets" % len(body))
        self.assertEqual(b"".join(c.multi()), body)
        self.assertTrue(c.status().startswith(b"+OK"))
        self.assertTrue(c.at_eof())

    def test_garbage_and_error_limit(self):
        c = self.connect()
        rnd = random.Random(1939)
        # More garbage lines than the error limit (20) allows.
        junk = b"".join(bytes(rnd.choice(range(1, 256)) for _ in
                              range(60)).replace(b"\n", b"") + b"\r\n"
                        for _ in range(40))
        c.send(junk)
        lines = []
        while True:
            line = c.status()
            if not line:
                break
            lines.append(line)
        self.assertTrue(lines)
        for line in lines:
            self.assertErr(line)
        # RFC-less but bounded: too many errors end the session.
        self.assertEqual(lines[-1], b"-ERR too many errors, closing")
        self.still_serves()

    def test_vanish_without_quit(self):
        u = self.user()
        self.deliver(u)
        c = self.login(u)
        self.assertEqual(c.cmd("DELE 1"), b"+OK message 1 deleted")
        c.close()
        # RFC 1939 6: no UPDATE without QUIT.  The capture file appears
        # once the server has closed the session (and freed the lock).
        self.server.wait_session(lambda s: any(
            e.get("dir") == "c" and e.get("line") == "USER " + u
            for e in s.get("transcript", [])), "of %s" % u)
        c = self.login(u)
        self.assertTrue(c.cmd("STAT").startswith(b"+OK 1 "))

    def test_vanish_mid_retr(self):
        u = self.user()
        big = b"".join(b"..%06d %s\r\n" % (i, b"y" * 200)
                       for i in range(20000))
        self.deliver(u, big)
        c = self.login(u)
        c.send(b"RETR 1\r\n")
        self.assertTrue(c.status().startswith(b"+OK"))
        c.close()
        self.server.wait_session(lambda s: any(
            e.get("dir") == "c" and e.get("line") == "USER " + u
            for e in s.get("transcript", [])), "of %s" % u)
        c = self.login(u)
        self.assertTrue(c.cmd("STAT").startswith(b"+OK 1 "))
        self.still_serves()

    def test_failed_stls_handshake(self):
        other = self.login(self.user())
        c = self.connect()
        self.assertEqual(c.cmd("STLS"), b"+OK begin TLS negotiation")
        c.send(b"this is not a TLS ClientHello\r\n" * 10)
        self.assertTrue(c.at_eof())
        # The other session and new ones are unaffected.
        self.assertEqual(other.cmd("STAT"), b"+OK 0 0")
        self.still_serves()
