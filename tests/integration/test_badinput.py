"""Hostile and broken clients over raw sockets: over-long lines, messages
over SIZE, a client vanishing mid-DATA, binary garbage, a failed TLS
handshake, 1000 simultaneous connections, --max-sessions, plaintext
pipelined behind STARTTLS, shutdown and bad options.  After each the
server must still serve a well-behaved client."""

import random
import resource
import selectors
import signal
import socket
import time

import mrlib

# Protocol errors before "421 4.7.0 Too many errors" (SMTP_ERRORS_MAX).
ERRORS_MAX = 20


class BadInputMixin:
    def greet(self, port=None, ehlo=True, name="client.test"):
        c = mrlib.Smtp("127.0.0.1", port or self.server.smtp)
        self.addCleanup(c.close)
        code, lines = c.reply()
        self.assertEqual(code, 220, lines)
        if ehlo:
            code, lines = c.cmd("EHLO " + name)
            self.assertEqual(code, 250, lines)
            c.ehlo = lines
        return c

    def still_serves(self):
        """A complete, well-behaved transaction still works."""
        c = self.greet()
        sender = self.addr("ok")
        rcpt = self.addr("okto")
        body = self.message(sender, [rcpt], "after")
        self.assertEqual(c.cmd("MAIL FROM:<%s>" % sender)[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % rcpt)[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(stuff(body) + b".\r\n")
        code, lines = c.reply()
        self.assertEqual(code, 250, lines)
        self.assertEqual(c.cmd("QUIT")[0], 221)
        self.assertEqual(self.server.wait_maildir(rcpt)[0], body)


def stuff(body):
    """Dot-stuff a CRLF message (RFC 5321 4.5.2)."""
    out = []
    for line in body.split(b"\r\n"):
        out.append(b"." + line if line.startswith(b".") else line)
    return b"\r\n".join(out)


class BadInputTest(BadInputMixin, mrlib.Case):
    def test_long_command_line(self):
        c = self.greet()
        code, lines = c.cmd("NOOP " + "x" * (70 * 1024))
        self.assertEqual(code, 500, lines)
        self.assertTrue(lines[-1].startswith("500 5.5.2"), lines)
        code, lines = c.cmd("NOOP")
        self.assertEqual(code, 250, lines)
        self.still_serves()

    def test_long_line_in_mail_from(self):
        c = self.greet()
        code, lines = c.cmd("MAIL FROM:<" + "a" * (70 * 1024) + "@x.test>")
        self.assertEqual(code, 500, lines)
        # The over-long MAIL did not open a transaction.
        code, lines = c.cmd("RCPT TO:<a@example.test>")
        self.assertEqual(code, 503, lines)

    def test_syntax_and_sequence(self):
        c = self.greet()
        code, lines = c.cmd("MAIL FROM:bad address")
        self.assertEqual(code, 501, lines)
        code, lines = c.cmd("DATA")
        self.assertEqual(code, 503, lines)
        code, lines = c.cmd("MAIL FROM:<%s>" % self.addr("f"))
        self.assertEqual(code, 250, lines)
        code, lines = c.cmd("DATA")
        self.assertIn(code, (503, 554), lines)

    def test_size_declared_too_big(self):
        c = self.greet()
        code, lines = c.cmd("MAIL FROM:<%s> SIZE=999999999" %
                            self.addr("f"))
        self.assertEqual(code, 552, lines)
        self.assertTrue(lines[-1].startswith("552 5.3.4"), lines)
        code, lines = c.cmd("NOOP")
        self.assertEqual(code, 250, lines)

    def test_too_many_recipients(self):
        # RFC 5321 4.5.3.1.10: 100 must be buffered; mailrig takes 1000
        # and answers 452 4.5.3 beyond.  Pipelined (RFC 2920) in one write.
        c = self.greet()
        sender = self.addr("from")
        self.assertEqual(c.cmd("MAIL FROM:<%s>" % sender)[0], 250)
        c.send("".join("RCPT TO:<r%d-%s>\r\n" % (i, sender)
                       for i in range(1001)))
        codes = [c.reply() for _ in range(1001)]
        self.assertEqual([x for x, _ in codes[:1000]], [250] * 1000)
        code, lines = codes[1000]
        self.assertEqual(code, 452, lines)
        self.assertTrue(lines[-1].startswith("452 4.5.3"), lines)
        self.assertEqual(c.cmd("RSET")[0], 250)
        self.assertEqual(c.cmd("QUIT")[0], 221)

    def test_vanish_mid_data(self):
        sender = self.addr("from")
        rcpt = self.addr("to")
        c = self.greet()
        self.assertEqual(c.cmd("MAIL FROM:<%s>" % sender)[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % rcpt)[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(b"Subject: half\r\n\r\n" + b"half a body\r\n" * 500)
        c.close()
        s = self.server.session_saying(rcpt)
        self.assertEqual(s.get("outcome"), "eof", s.get("outcome"))
        self.assertEqual(s.get("messages"), [])
        self.assertEqual(self.server.maildir_files(rcpt), [])
        self.still_serves()

    def test_binary_garbage(self):
        rnd = random.Random(7)
        c = self.greet(ehlo=False)
        garbage = bytes(rnd.choice([b for b in range(256)
                                    if b not in (10, 13)])
                        for _ in range(3000)) + b"\0\0"
        self.assertIn(b"\0", garbage)
        c.send(garbage)
        codes = []
        for i in range(40):
            line = bytes(rnd.randrange(256) for _ in range(rnd.randrange(
                1, 200))).replace(b"\n", b"\0").replace(b"\r", b"\0")
            try:
                c.send(line + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            code, lines = c.reply()
            if code is None:
                break
            codes.append(code)
            if code == 421:
                self.assertTrue(lines[-1].startswith("421 4.7.0"), lines)
                break
        self.assertTrue(codes and codes[-1] == 421, codes)
        self.assertTrue(all(500 <= x < 600 for x in codes[:-1]), codes)
        self.assertGreaterEqual(len(codes) - 1, 10, codes)
        self.assertLessEqual(len(codes) - 1, ERRORS_MAX, codes)
        self.assertTrue(c.at_eof(), "still open after 421")
        self.still_serves()

    def test_tls_handshake_garbage(self):
        c = self.greet(name="tls-garbage.client.test")
        code, lines = c.cmd("STARTTLS")
        self.assertEqual(code, 220, lines)
        c.send(b"this is not a TLS ClientHello\r\n" * 4)
        # The server gives up on this session (an alert or nothing, then
        # close); it must not answer in plaintext.
        c.sock.settimeout(mrlib.IO_TIMEOUT)
        seen = b""
        try:
            for _ in range(1000):
                chunk = c.sock.recv(4096)
                if not chunk:
                    break
                seen += chunk
        except ConnectionResetError:
            pass
        except socket.timeout:
            self.fail("session still open after a failed handshake")
        self.assertFalse(seen.startswith(b"250") or seen.startswith(b"500"),
                         seen)
        s = self.server.session_saying("tls-garbage.client.test")
        self.assertEqual(s.get("outcome"), "tls-failed")
        self.still_serves()

    def test_starttls_pipelined_plaintext_discarded(self):
        c = self.greet()
        c.send(b"STARTTLS\r\nNOOP\r\n")
        code, lines = c.reply()
        self.assertEqual(code, 220, lines)
        self.assertEqual(c.buf, b"", "bytes after the 220: %r" % c.buf)
        # A plaintext answer to the NOOP would break this handshake.
        ctx = mrlib.client_context(self.server.ca)
        tls = ctx.wrap_socket(c.sock, server_hostname="127.0.0.1")
        c.sock = tls
        code, lines = c.cmd("EHLO client.test")
        self.assertEqual(code, 250, "first reply under TLS: %r" % lines)
        self.assertFalse(any("STARTTLS" in ln for ln in lines), lines)
        code, lines = c.cmd("NOOP")
        self.assertEqual(code, 250, lines)
        self.assertEqual(c.cmd("QUIT")[0], 221)

    def test_unknown_after_quit_data(self):
        c = self.greet()
        c.send(b"QUIT\r\nNOOP\r\n")
        code, lines = c.reply()
        self.assertEqual(code, 221, lines)
        self.assertTrue(c.at_eof(), "session open after QUIT")


class SizeTest(BadInputMixin, mrlib.Case):
    server_args = ("--size", "100000")

    def test_ehlo_size(self):
        c = self.greet()
        self.assertIn("250-SIZE 100000", [ln.replace("250 ", "250-")
                                          for ln in c.ehlo], c.ehlo)

    def test_over_size_after_dot(self):
        sender = self.addr("from")
        rcpt = self.addr("to")
        c = self.greet()
        self.assertEqual(c.cmd("MAIL FROM:<%s>" % sender)[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % rcpt)[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(b"Subject: big\r\n\r\n" + (b"y" * 98 + b"\r\n") * 1500)
        c.send(b".\r\n")
        code, lines = c.reply()
        self.assertEqual(code, 552, lines)
        self.assertTrue(lines[-1].startswith("552 5.3.4"), lines)
        self.assertEqual(c.cmd("NOOP")[0], 250)
        self.assertEqual(c.cmd("QUIT")[0], 221)
        self.assertEqual(self.server.maildir_files(rcpt), [])
        s = self.server.session_saying(rcpt)
        self.assertEqual(s.get("messages"), [])

    def test_declared_over_size(self):
        c = self.greet()
        code, lines = c.cmd("MAIL FROM:<%s> SIZE=100001" % self.addr("f"))
        self.assertEqual(code, 552, lines)
        code, lines = c.cmd("MAIL FROM:<%s> SIZE=100000" % self.addr("f"))
        self.assertEqual(code, 250, lines)

    def test_under_size_ok(self):
        self.still_serves()


class IsolatedTest(BadInputMixin, mrlib.Case):
    """Tests that need a server of their own."""

    server_args = ("--max-sessions", "5")

    def test_max_sessions(self):
        held = [self.greet(ehlo=False) for _ in range(5)]
        sixth = mrlib.Smtp("127.0.0.1", self.server.smtp)
        self.addCleanup(sixth.close)
        code, lines = sixth.reply()
        self.assertEqual(code, 421, lines)
        self.assertTrue(lines[-1].startswith("421 4.3.2"), lines)
        self.assertTrue(sixth.at_eof(), "sixth session left open")
        # Free one slot: a new client gets in once the server has seen
        # the close (bounded retries, each waiting on a reply).
        self.assertEqual(held[0].cmd("QUIT")[0], 221)
        self.assertTrue(held[0].at_eof())
        for _ in range(200):
            c = mrlib.Smtp("127.0.0.1", self.server.smtp)
            self.addCleanup(c.close)
            code, lines = c.reply()
            if code == 220:
                break
            self.assertEqual(code, 421, lines)
            time.sleep(mrlib.POLL)
        self.assertEqual(code, 220, lines)
        for h in held[1:]:
            self.assertEqual(h.cmd("QUIT")[0], 221)


class ThousandTest(mrlib.Case):
    server_args = ("--max-sessions", "1000")
    timeout = 180 * mrlib.SLOW

    def test_1000_connections(self):
        n = 1000
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < n + 100:
            want = n + 200
            if hard != resource.RLIM_INFINITY and hard < want:
                self.fail("RLIMIT_NOFILE hard limit %d < %d: raise it "
                          "(ulimit -Hn) to run this test" % (hard, want))
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        deadline = time.monotonic() + 120 * mrlib.SLOW
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", self.server.smtp),
                                         timeout=mrlib.IO_TIMEOUT)
            s.setblocking(False)
            socks.append(s)
        got = self.read_all(socks, b"220 ", deadline)
        self.assertEqual(got, n, "%d of %d sessions got a 220" % (got, n))
        for s in socks:
            s.sendall(b"QUIT\r\n")
        got = self.read_all(socks, b"221 ", deadline)
        self.assertEqual(got, n, "%d of %d sessions got a 221" % (got, n))

    def read_all(self, socks, want, deadline):
        """Read until every socket has a full line starting with want;
        returns how many did."""
        sel = selectors.DefaultSelector()
        bufs = {}
        for s in socks:
            sel.register(s, selectors.EVENT_READ)
            bufs[s] = b""
        done = 0
        try:
            for _ in range(100 * len(socks)):
                if done == len(socks) or time.monotonic() > deadline:
                    break
                for key, _ev in sel.select(1.0):
                    s = key.fileobj
                    try:
                        chunk = s.recv(4096)
                    except (BlockingIOError, InterruptedError):
                        continue
                    bufs[s] += chunk
                    if b"\r\n" in bufs[s] or not chunk:
                        sel.unregister(s)
                        if bufs[s].startswith(want):
                            done += 1
        finally:
            sel.close()
        return done


class LifecycleTest(BadInputMixin, mrlib.Case):
    def test_sigterm_sends_421(self):
        srv = mrlib.Server(name="sigterm")
        with srv:
            c = mrlib.Smtp("127.0.0.1", srv.smtp)
            self.addCleanup(c.close)
            self.assertEqual(c.reply()[0], 220)
            self.assertEqual(c.cmd("EHLO client.test")[0], 250)
            srv.proc.send_signal(signal.SIGTERM)
            code, lines = c.reply()
            self.assertEqual(code, 421, lines)
            self.assertTrue(lines[-1].startswith("421 4.3.2"), lines)
            self.assertTrue(c.at_eof())
            rc = srv.proc.wait(timeout=mrlib.STOP_TIMEOUT)
            self.assertEqual(rc, 0, srv.stderr())
            s = srv.session_saying("EHLO client.test")
            self.assertEqual(s.get("outcome"), "shutdown")

    def test_bad_option_exit_2(self):
        cp = mrlib.run_client(self, [mrlib.MAILRIG, "serve",
                                     "--no-such-option"])
        self.assertEqual(cp.returncode, 2, mrlib.show(cp))
        self.assertTrue(cp.stderr.strip(), "no message on stderr")

    def test_bad_port_exit_2(self):
        cp = mrlib.run_client(self, [mrlib.MAILRIG, "serve", "--smtp-port",
                                     "99999"])
        self.assertEqual(cp.returncode, 2, mrlib.show(cp))
        self.assertTrue(cp.stderr.strip(), "no message on stderr")
