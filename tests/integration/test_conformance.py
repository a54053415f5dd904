"""The conformance checker on live sessions: real clients (swaks, curl,
python smtplib, msmtp, nodemailer), with and without TLS, produce no
MUST-level finding in their capture files; each crafted client under
tests/crafted/ (one deliberate violation each) gets its finding; and
`mailrig check` / `mailrig rules` agree with the live checker.

Lower-level findings real clients show, and why they are real:
- swaks/smtplib sending AUTH PLAIN over plain SMTP on a port that offers
  STARTTLS: smtp.security.cleartext-auth-starttls-offered (we asked them
  to; RFC 3207 6 and RFC 4954 14 warn against it).
- nodemailer (9.x, one message per connection, no pool) closes the
  connection right after the 250 for the data without QUIT:
  smtp.session.no-quit (SHOULD; RFC 5321 4.1.1.10: "The sender MUST NOT
  intentionally close the transmission channel until it sends a QUIT
  command", read as SHOULD since intent is not observable).
msmtp (STARTTLS + AUTH, implicit TLS) shows no finding at all.  POP3 clients and the POP3 crafted
clients (tests/crafted/pop3_*.py) are in test_conformance_pop3.py."""

import glob
import json
import os
import smtplib
import subprocess
import sys

import mrlib
import test_msmtp
import test_nodemailer

CRAFTED = os.path.join(os.path.dirname(mrlib.HERE), "crafted")
MUST = ("MUST", "MUST NOT")


def findings(s):
    return s.get("findings", [])


class ConformanceTest(mrlib.Case):
    def no_must(self, s):
        bad = [f for f in findings(s) if f["level"] in MUST]
        self.assertEqual(bad, [], "MUST findings in %s" % s["_path"])
        self.assertIn("findings", s, "capture without findings")

    def sent_by(self, tag):
        return self.server.session_saying(tag)

    def test_swaks_plain_pipelined(self):
        mrlib.need_tool(self, "swaks")
        cp = mrlib.run_client(self, [
            "swaks", "--server", "127.0.0.1", "--port",
            str(self.server.smtp), "--from", "a@example.test", "--to",
            "b@example.test", "--helo", "swaks-pipe.test", "--pipeline"])
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        self.no_must(self.sent_by("swaks-pipe.test"))

    def test_swaks_starttls_auth(self):
        mrlib.need_tool(self, "swaks")
        cp = mrlib.run_client(self, [
            "swaks", "--server", "127.0.0.1", "--port",
            str(self.server.smtp), "--from", "a@example.test", "--to",
            "b@example.test", "--helo", "swaks-tls.test", "--tls",
            "--tls-verify", "--tls-ca-path", self.server.ca,
            "--auth", "PLAIN", "--auth-user", "u", "--auth-password", "p"])
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        s = self.sent_by("swaks-tls.test")
        self.no_must(s)
        self.assertEqual([f["rule"] for f in findings(s)], [])

    def test_swaks_cleartext_auth_is_security(self):
        mrlib.need_tool(self, "swaks")
        cp = mrlib.run_client(self, [
            "swaks", "--server", "127.0.0.1", "--port",
            str(self.server.smtp), "--from", "a@example.test", "--to",
            "b@example.test", "--helo", "swaks-clear.test",
            "--auth", "LOGIN", "--auth-user", "u", "--auth-password", "p"])
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        s = self.sent_by("swaks-clear.test")
        self.no_must(s)
        self.assertEqual([f["rule"] for f in findings(s)],
                         ["smtp.security.cleartext-auth-starttls-offered"])

    def test_curl(self):
        mrlib.need_tool(self, "curl")
        path = os.path.join(self.server.dir, "curl.eml")
        with open(path, "wb") as f:
            f.write(self.message("curl@example.test", ["b@example.test"],
                                 "curl conformance"))
        cp = mrlib.run_client(self, [
            "curl", "-sS", "--url", "smtp://127.0.0.1:%d/curl.test" %
            self.server.smtp, "--mail-from", "curl@example.test",
            "--mail-rcpt", "b@example.test", "--upload-file", path])
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        s = self.server.session_of("curl@example.test")
        self.no_must(s)
        self.assertEqual([f["rule"] for f in findings(s)], [])

    def test_smtplib_starttls(self):
        sender = "smtplib@example.test"
        with smtplib.SMTP("127.0.0.1", self.server.smtp, timeout=20) as c:
            c.ehlo("smtplib.test")
            c.starttls(context=mrlib.client_context(self.server.ca))
            c.ehlo("smtplib.test")
            c.sendmail(sender, ["b@example.test"], self.message(
                sender, ["b@example.test"], "smtplib conformance"))
        s = self.server.session_of(sender)
        self.no_must(s)
        self.assertEqual([f["rule"] for f in findings(s)], [])

    def test_msmtp_starttls_auth(self):
        self.msmtp_send(self.server.submission, True)

    def test_msmtp_smtps(self):
        self.msmtp_send(self.server.smtps, False)

    def msmtp_send(self, port, starttls):
        sender = self.addr("from")
        rcpts = [self.addr("to")]
        body = self.message(sender, rcpts, "msmtp conformance")
        conf = test_msmtp.MsmtpTest.config(self, port, starttls)
        cp = test_msmtp.MsmtpTest.msmtp(self, conf, sender, rcpts, body)
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        s = self.server.session_of(sender)
        self.no_must(s)
        self.assertEqual([f["rule"] for f in findings(s)], [])

    def test_nodemailer_starttls_auth(self):
        self.nodemailer_send(self.server.submission, False, "nina", "pw")

    def test_nodemailer_smtps(self):
        self.nodemailer_send(self.server.smtps, True)

    def nodemailer_send(self, port, secure, user=None, password=None):
        sender, rcpts, _ = test_nodemailer.NodemailerTest.send(
            self, port, secure, user, password)
        s = self.server.session_of(sender)
        self.no_must(s)
        self.assertEqual([f["rule"] for f in findings(s)],
                         ["smtp.session.no-quit"])

    def test_crafted(self):
        # Scripts named <proto>_*.py speak another protocol and are run
        # by that protocol's conformance test.
        scripts = sorted(p for p in glob.glob(os.path.join(CRAFTED, "*.py"))
                         if not os.path.basename(p).startswith(
                             ("_", "pop3_", "imap_")))
        self.assertGreater(len(scripts), 5)
        for path in scripts:
            with self.subTest(script=os.path.basename(path)):
                rule = None
                with open(path) as f:
                    for line in f:
                        if line.startswith("RULE = "):
                            rule = line.split('"')[1]
                self.assertIsNotNone(rule, "no RULE in %s" % path)
                before = {s["_path"] for s in self.server.sessions()}
                cp = mrlib.run_client(self, [sys.executable, path,
                                             "127.0.0.1",
                                             str(self.server.smtp)])
                self.assertEqual(cp.returncode, 0, mrlib.show(cp))
                s = self.server.wait_session(
                    lambda s: s["_path"] not in before, "after " + path)
                got = [f["rule"] for f in findings(s)]
                self.assertIn(rule, got)
                # Offline check of the same file finds it too.
                off = subprocess.run([mrlib.MAILRIG, "check", "--json",
                                      "--fail-on", "never", s["_path"]],
                                     capture_output=True, timeout=30)
                self.assertEqual(off.returncode, 0, off.stderr)
                self.assertIn(rule, [f["rule"] for f in
                                     json.loads(off.stdout)["findings"]])

    def test_rules_and_check_cli(self):
        cp = subprocess.run([mrlib.MAILRIG, "rules", "--json"],
                            capture_output=True, timeout=30)
        self.assertEqual(cp.returncode, 0)
        rules = json.loads(cp.stdout)
        self.assertIn("smtp.line.bare-lf", [r["id"] for r in rules])
        bad = os.path.join(self.server.dir, "bad.json")
        with open(bad, "w") as f:
            f.write("{not json")
        cp = subprocess.run([mrlib.MAILRIG, "check", bad],
                            capture_output=True, timeout=30)
        self.assertEqual(cp.returncode, 2)
        self.assertIn(b"bad.json", cp.stderr)


class NoCheckTest(mrlib.Case):
    """--no-check (used by the benchmark to measure the checker's cost)
    leaves sessions unjudged; the same crafted client is judged by a
    default server in ConformanceTest.test_crafted."""

    server_args = ("--no-check",)

    def test_no_findings_when_off(self):
        path = os.path.join(CRAFTED, "bare_lf.py")
        before = {s["_path"] for s in self.server.sessions()}
        cp = mrlib.run_client(self, [sys.executable, path, "127.0.0.1",
                                     str(self.server.smtp)])
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        s = self.server.wait_session(lambda s: s["_path"] not in before,
                                     "after bare_lf.py")
        self.assertEqual(findings(s), [])
        # The bytes are still captured, flags and all.
        self.assertTrue(any("bare-lf" in e.get("flags", [])
                            for e in s["transcript"]), s["transcript"])
