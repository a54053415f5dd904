"""Each rule action seen by a real client: greylisting with swaks against
`mailrig serve -s`, curl's error codes for the three disconnects,
replaced replies in smtplib, poplib and imaplib, drip, throttle and delay
slowing the bytes down (generous lower bounds only), hang making a client
time out, a failed TLS handshake, malformed replies reaching a raw socket
broken, injected untagged EXPUNGE and EXISTS in imaplib, script mode and
its "script-deviation" event, and the same seed giving the same faults.

The scenarios are scenarios/greylisting.yaml and the files under
tests/data/scenarios/run/.  Every wait is bounded; nothing sleeps to
synchronise.
"""

import imaplib
import json
import os
import poplib
import re
import selectors
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

import mrlib
from test_scenarios import Run, faults, events, lines, rule_labels

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RUNDIR = os.path.join(ROOT, "tests", "data", "scenarios", "run")
SMTP_ACTIONS = os.path.join(RUNDIR, "smtp-actions.yaml")
POP3_ACTIONS = os.path.join(RUNDIR, "pop3-actions.yaml")
IMAP_ACTIONS = os.path.join(RUNDIR, "imap-actions.yaml")
SCRIPT = os.path.join(RUNDIR, "script.yaml")
SEEDED = os.path.join(RUNDIR, "seeded.yaml")
GREYLIST = os.path.join(ROOT, "scenarios", "greylisting.yaml")


class Serve:
    """`mailrig serve --free-ports -s FILE`: the port line names only the
    scenario's servers, so mrlib.Server's check for the default three
    does not apply."""

    def __init__(self, scenario):
        os.makedirs(mrlib.OUT, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix="serve-", dir=mrlib.OUT)
        self.capdir = os.path.join(self.dir, "capture")
        self.errpath = os.path.join(self.dir, "stderr.txt")
        argv = [mrlib.MAILRIG, "serve", "--free-ports", "-s", scenario,
                "--capture-dir", self.capdir, "--ca-file",
                os.path.join(self.dir, "ca.pem")]
        self.err = open(self.errpath, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self.err)
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        data = b""
        deadline = time.monotonic() + mrlib.START_TIMEOUT
        while b"\n" not in data and len(data) < 65536:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                break
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                break
            data += chunk
        sel.close()
        if b"\n" not in data:
            self.stop()
            raise AssertionError("no port line: %r; stderr:\n%s" % (
                data, self.stderr()))
        self.info = json.loads(data.split(b"\n")[0])
        self.host = self.info["host"]
        self.ca = self.info.get("ca_cert")

    def stderr(self):
        with open(self.errpath, "rb") as f:
            return f.read().decode("utf-8", "replace")[-4000:]

    def sessions(self):
        """The captures written so far (complete JSON files only)."""
        out = []
        if not os.path.isdir(self.capdir):
            return out
        for n in sorted(os.listdir(self.capdir)):
            try:
                with open(os.path.join(self.capdir, n)) as f:
                    out.append(json.load(f))
            except (OSError, ValueError):
                pass
        return out

    def wait_sessions(self, count):
        deadline = time.monotonic() + mrlib.FILE_TIMEOUT
        while True:
            got = self.sessions()
            if len(got) >= count or time.monotonic() > deadline:
                return sorted(got, key=lambda s: s["id"])
            time.sleep(mrlib.POLL)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=mrlib.STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.err.close()
        return self.proc.returncode


class Raw:
    """A raw client socket that records every recv()."""

    def __init__(self, host, port, timeout=None):
        self.sock = socket.create_connection((host, port),
                                             timeout=timeout or
                                             mrlib.IO_TIMEOUT)
        self.buf = b""
        self.reads = []

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def until(self, pred, limit=65536):
        """Read until pred(buffer) holds or EOF; returns the buffer."""
        for _ in range(100000):
            if pred(self.buf) or len(self.buf) > limit:
                break
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.reads.append(chunk)
            self.buf += chunk
        out, self.buf = self.buf, b""
        return out

    def smtp_reply(self):
        """One SMTP reply, however its lines end (LF or CRLF)."""
        return self.until(lambda b: re.search(rb"(^|\n)\d{3} [^\n]*\n",
                                              b) is not None)


def smtp_conn(port, timeout=None):
    s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test",
                     timeout=timeout or mrlib.IO_TIMEOUT)
    return s


class ServeGreylistTest(unittest.TestCase):
    """`mailrig serve -s` runs the same scenario as `mailrig run`."""

    def test_swaks_451_then_success(self):
        swaks = mrlib.need_tool(self, "swaks")
        srv = Serve(GREYLIST)
        try:
            self.assertEqual(list(k for k in srv.info if k.endswith(
                "smtp") or k in ("pop3", "imap")), ["smtp"],
                "only the scenario's servers run: %r" % srv.info)
            argv = [swaks, "--server", "127.0.0.1:%d" % srv.info["smtp"],
                    "--from", "app@example.test", "--to",
                    "grey@example.test"]
            first = mrlib.run_client(self, argv)
            self.assertEqual(first.returncode, 24, mrlib.show(first))
            self.assertIn(b"<** 451 4.7.1 Greylisted", first.stdout)
            second = mrlib.run_client(self, argv)
            self.assertEqual(second.returncode, 0, mrlib.show(second))
            self.assertIn(b"<-  250 2.1.5", second.stdout)
            got = srv.wait_sessions(2)
            self.assertEqual(len(got), 2, srv.stderr())
            label = rule_labels(GREYLIST)[0]
            self.assertEqual([e["detail"] for e in events(got[0], "fault")],
                             [label + " command RCPT"])
            self.assertEqual(events(got[1], "fault"), [])
            self.assertEqual(len(got[1]["messages"]), 1)
        finally:
            self.assertEqual(srv.stop(), 0, srv.stderr())


class SmtpActionsTest(unittest.TestCase):
    srv = None

    @classmethod
    def setUpClass(cls):
        cls.srv = Serve(SMTP_ACTIONS) if mrlib.MAILRIG else None
        if cls.srv is not None:
            cls.port = cls.srv.info["smtp"]

    @classmethod
    def tearDownClass(cls):
        if cls.srv is not None:
            rc = cls.srv.stop()
            if rc != 0:
                raise AssertionError("mailrig serve exit %s:\n%s" %
                                     (rc, cls.srv.stderr()))

    def setUp(self):
        self.assertIsNotNone(self.srv, "MAILRIG is not set")
        self.labels = rule_labels(SMTP_ACTIONS)

    def session_with(self, text, count=1):
        """The capture of the session whose client said text."""
        deadline = time.monotonic() + mrlib.FILE_TIMEOUT
        while True:
            got = [s for s in self.srv.sessions()
                   if any(ln.upper().startswith(text.upper())
                          for ln in lines(s, "c"))]
            if len(got) >= count or time.monotonic() > deadline:
                self.assertEqual(len(got), count, text)
                return got[0]
            time.sleep(mrlib.POLL)

    def curl(self, sender):
        return mrlib.run_client(self, [
            "curl", "-sS", "--max-time", "20",
            "smtp://127.0.0.1:%d" % self.port, "--mail-from", sender,
            "--mail-rcpt", "rcpt@example.test", "-T", "/etc/hostname"])

    def test_curl_disconnect_before_reply(self):
        cp = self.curl("before@example.test")
        # No reply to MAIL at all: CURLE_RECV_ERROR.
        self.assertEqual(cp.returncode, 56, mrlib.show(cp))
        s = self.session_with("MAIL FROM:<before@example.test>")
        self.assertEqual(lines(s, "s")[-1].split()[0], "250")  # EHLO's
        self.assertEqual(s["outcome"], "fault: disconnect")
        self.assertEqual([e["detail"] for e in events(s, "fault")],
                         [self.labels[1] + " command MAIL"])

    def test_curl_disconnect_after_reply(self):
        cp = self.curl("after@example.test")
        # The 250 to MAIL came, then EOF before the RCPT reply.
        self.assertEqual(cp.returncode, 56, mrlib.show(cp))
        s = self.session_with("MAIL FROM:<after@example.test>")
        self.assertEqual(lines(s, "s")[-1], "250 2.1.0 Ok")
        self.assertEqual(s["outcome"], "fault: disconnect")

    def test_curl_disconnect_mid_reply(self):
        cp = self.curl("mid@example.test")
        self.assertEqual(cp.returncode, 56, mrlib.show(cp))
        s = self.session_with("MAIL FROM:<mid@example.test>")
        last = lines(s, "s")[-1]
        full = "250 2.1.0 this reply is long enough to be cut in its middle"
        self.assertTrue(full.startswith(last) and len(last) < len(full),
                        last)
        # The raw socket sees the half line and then EOF.
        r = Raw("127.0.0.1", self.port)
        r.smtp_reply()
        r.send(b"EHLO raw.test\r\n")
        r.smtp_reply()
        r.send(b"MAIL FROM:<mid@example.test>\r\n")
        rest = r.until(lambda b: False)
        r.close()
        self.assertTrue(full.encode().startswith(rest) and 0 < len(rest) <
                        len(full), rest)

    def test_smtplib_replaced_multiline_reply(self):
        s = smtp_conn(self.port)
        s.ehlo()
        code, text = s.docmd("NOOP", "replace")
        s.quit()
        self.assertEqual(code, 250)
        self.assertEqual(text, b"first line of a replaced reply\n"
                         b"2.0.0 replaced")

    def test_smtplib_hang_times_out(self):
        s = smtp_conn(self.port, timeout=2)
        s.ehlo()
        t0 = time.monotonic()
        # smtplib wraps the read timeout in SMTPServerDisconnected.
        with self.assertRaisesRegex(smtplib.SMTPServerDisconnected,
                                    "timed out"):
            s.docmd("NOOP", "hang")
        self.assertGreaterEqual(time.monotonic() - t0, 1.5)
        s.close()
        sess = self.session_with("NOOP hang")
        self.assertEqual(lines(sess, "c")[-1], "NOOP hang")
        self.assertEqual(lines(sess, "s")[-1].split("-")[0][:3], "250")

    def test_delay_drip_throttle_slow_down(self):
        s = smtp_conn(self.port)
        s.ehlo()
        t0 = time.monotonic()
        code, _ = s.docmd("NOOP", "delay")
        delay = time.monotonic() - t0
        self.assertEqual(code, 250)
        self.assertGreaterEqual(delay, 1.0, "a 1.5 s delay")
        t0 = time.monotonic()
        code, text = s.docmd("NOOP", "drip")
        drip = time.monotonic() - t0
        self.assertEqual(code, 250)
        # ~210 bytes at 100 B/s is ~2 s; half of it as the bound.
        self.assertGreaterEqual(drip, 1.0, "210 bytes at 100 B/s")
        code, _ = s.docmd("NOOP", "throttle")
        self.assertEqual(code, 250)
        t0 = time.monotonic()
        for _ in range(5):
            s.ehlo()  # ~300 bytes each: 1500 bytes at 1000 B/s
        throttled = time.monotonic() - t0
        self.assertGreaterEqual(throttled, 0.7, "1500 bytes at 1000 B/s")
        s.quit()
        sess = self.session_with("NOOP drip")
        self.assertEqual([e["detail"] for e in events(sess, "fault")],
                         [self.labels[7] + " command NOOP",
                          self.labels[5] + " command NOOP",
                          self.labels[6] + " command NOOP"])

    def test_malformed_bare_lf(self):
        r = Raw("127.0.0.1", self.port)
        r.smtp_reply()
        r.send(b"EHLO bare-lf.test\r\n")
        got = r.smtp_reply()
        r.send(b"QUIT\r\n")
        r.close()
        self.assertTrue(got.startswith(b"250-"), got)
        self.assertGreater(got.count(b"\n"), 3, got)
        self.assertNotIn(b"\r", got)

    def test_malformed_bad_continuation(self):
        r = Raw("127.0.0.1", self.port)
        r.smtp_reply()
        r.send(b"EHLO bad-cont.test\r\n")
        got = r.until(lambda b: b.count(b"\n") >= 3 and b.endswith(b"\n")
                      and re.search(rb"\n250-[^\n]*\r\n$", b) is not None)
        r.send(b"QUIT\r\n")
        r.close()
        ls = got.split(b"\r\n")[:-1]
        # "250-" and "250 " swapped: the first line claims to be the last.
        self.assertTrue(ls[0].startswith(b"250 "), ls)
        self.assertTrue(ls[-1].startswith(b"250-"), ls)
        self.assertTrue(all(x.startswith(b"250 ") for x in ls[1:-1]), ls)

    def test_malformed_split(self):
        r = Raw("127.0.0.1", self.port)
        r.smtp_reply()
        r.reads = []
        r.send(b"EHLO split.test\r\n")
        got = r.smtp_reply()
        r.send(b"QUIT\r\n")
        r.close()
        self.assertTrue(got.startswith(b"250-") and got.endswith(b"\r\n"),
                        got)
        # ~300 bytes leave in one-byte writes over ~0.3 s; a client sees
        # many reads where one would do.
        self.assertGreater(len(r.reads), 2, r.reads)

    def test_tls_fail_implicit(self):
        ctx = ssl.create_default_context(cafile=self.srv.ca)
        sock = socket.create_connection(("127.0.0.1",
                                         self.srv.info["smtps"]),
                                        timeout=mrlib.IO_TIMEOUT)
        with self.assertRaises((ssl.SSLError, ConnectionResetError)):
            tls = ctx.wrap_socket(sock, server_hostname="localhost")
            tls.recv(100)
        sock.close()
        cp = mrlib.run_client(self, [
            "curl", "-sS", "--max-time", "20", "--cacert", self.srv.ca,
            "smtps://localhost:%d" % self.srv.info["smtps"],
            "--mail-from", "a@example.test", "--mail-rcpt",
            "b@example.test", "-T", "/etc/hostname"])
        # CURLE_SSL_CONNECT_ERROR.
        self.assertEqual(cp.returncode, 35, mrlib.show(cp))


class Pop3ImapActionsTest(unittest.TestCase):
    def serve(self, path):
        srv = Serve(path)
        self.addCleanup(lambda: self.assertEqual(srv.stop(), 0,
                                                 srv.stderr()))
        return srv

    def test_poplib_replaced_and_throttled(self):
        srv = self.serve(POP3_ACTIONS)
        p = poplib.POP3("127.0.0.1", srv.info["pop3"],
                        timeout=mrlib.IO_TIMEOUT)
        p.user("alice")
        p.pass_("secret")
        self.assertEqual(p.stat(), (7, 700))
        p.quit()
        # Throttled at 200 B/s from USER on: time what comes after it.
        p = poplib.POP3("127.0.0.1", srv.info["pop3"],
                        timeout=mrlib.IO_TIMEOUT)
        t0 = time.monotonic()
        got = len(p.user("throttle")) + len(p.pass_("secret"))
        for cmd in (p.capa, p.list, p.uidl, lambda: p.retr(1)):
            resp = cmd()
            got += len(repr(resp))
        elapsed = time.monotonic() - t0
        p.quit()
        self.assertGreater(got, 300)
        self.assertGreaterEqual(elapsed, got / 200.0 * 0.5,
                                "%d bytes at 200 B/s" % got)

    def test_imaplib_replaced_untagged_wrong_tag(self):
        srv = self.serve(IMAP_ACTIONS)
        m = imaplib.IMAP4("127.0.0.1", srv.info["imap"],
                          timeout=mrlib.IO_TIMEOUT)
        m.login("alice", "secret")
        m.select("INBOX")
        typ, data = m.noop()
        self.assertEqual((typ, data), ("OK", [b"replaced NOOP"]))
        self.assertEqual(m.untagged_responses.pop("EXISTS")[-1], b"9")
        typ, data = m.check()
        self.assertEqual(typ, "OK")
        self.assertEqual(m.untagged_responses.get("EXPUNGE"), [b"2"])
        self.assertEqual(m.untagged_responses.get("EXISTS")[-1], b"5")
        m.logout()
        # A raw socket sees the STATUS reply under another tag.
        r = Raw("127.0.0.1", srv.info["imap"])
        r.until(lambda b: b.endswith(b"\r\n"))
        r.send(b"a1 LOGIN alice secret\r\na2 STATUS INBOX (MESSAGES)\r\n")
        got = r.until(lambda b: re.search(rb"(^|\n)Xa2 ", b) is not None
                      and b.endswith(b"\r\n"))
        r.send(b"a3 LOGOUT\r\n")
        r.close()
        self.assertIn(b"* STATUS \"INBOX\" (MESSAGES 2)\r\nXa2 OK", got)
        self.assertNotIn(b"\na2 ", got)


class ScriptTest(unittest.TestCase):
    SMTPLIB = ("import os, smtplib\n"
               "s = smtplib.SMTP(os.environ['MAILRIG_HOST'], "
               "int(os.environ['MAILRIG_SMTP_PORT']), timeout=20)\n"
               "print('ehlo=%r' % (s.ehlo(),))\n"
               "MIDDLE\n"
               "print('quit=%r' % (s.quit(),))\n")

    def run_script(self, middle):
        body = self.SMTPLIB.replace("MIDDLE", middle)
        return Run(SCRIPT, "python3 -c %s" % shell_quote(body)).wait()

    def test_exact_dialogue_accepted(self):
        r = self.run_script("print('noop=%r' % (s.noop(),))")
        self.assertEqual(r.cp.returncode, 0, r.show())
        self.assertIn("ehlo=(250, b'mx.test\\n8BITMIME')", r.stdout)
        self.assertIn("noop=(250, b'2.0.0 scripted noop')", r.stdout)
        self.assertIn("quit=(221, b'2.0.0 scripted bye')", r.stdout)
        s = r.rep["sessions"][0]
        self.assertEqual(lines(s, "s")[0], "220 mx.test ESMTP scripted")
        self.assertEqual(events(s, "script-deviation"), [])

    def test_deviation_reported_with_step(self):
        r = self.run_script("print('vrfy=%r' % (s.verify('x'),))")
        self.assertIn("vrfy=(500, b'5.5.1 client deviated from the "
                      "script')", r.rep["command"]["stdout"], r.show())
        s = r.rep["sessions"][0]
        dev = events(s, "script-deviation")
        self.assertEqual(len(dev), 1, r.show())
        # Step 3 of the script (the "noop" at line 11) got "vrfy x".
        self.assertEqual(dev[0]["detail"], "step 3 (line 11): expected "
                         "'noop', got 'vrfy x'")
        self.assertEqual(s["outcome"], "script-deviation")


class SeedTest(unittest.TestCase):
    CLIENT = ("import os, smtplib\n"
              "s = smtplib.SMTP(os.environ['MAILRIG_HOST'], "
              "int(os.environ['MAILRIG_SMTP_PORT']), timeout=20)\n"
              "print('codes=' + ''.join('x' if s.noop()[0] == 451 else '.'"
              " for _ in range(40)))\n"
              "s.quit()\n")

    def test_same_seed_same_faults(self):
        runs = [Run(SEEDED, "python3 -c %s" % shell_quote(self.CLIENT))
                for _ in range(2)]
        got = []
        for r in runs:
            r.wait()
            self.assertEqual(r.cp.returncode, 0, r.show())
            codes = r.marker("codes")
            # Where each fault fell: the index of the NOOP it answered.
            t = r.rep["sessions"][0]["transcript"]
            noops = [i for i, e in enumerate(t) if e.get("dir") == "c" and
                     e.get("line", "").upper() == "NOOP"]
            hit = [k for k, i in enumerate(noops)
                   if t[i + 1].get("event") == "fault"]
            self.assertEqual([k for k, c in enumerate(codes) if c == "x"],
                             hit)
            self.assertEqual(len(faults(r.rep)), len(hit))
            got.append(codes)
        self.assertEqual(got[0], got[1])
        self.assertIn("x", got[0])
        self.assertIn(".", got[0])


def shell_quote(s):
    return "'" + s.replace("'", "'\"'\"'") + "'"
