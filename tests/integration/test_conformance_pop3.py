"""The POP3 conformance rules on live sessions.  Real clients in their
normal use (python poplib with USER/PASS, APOP, STLS and AUTH PLAIN; curl
pop3:// with STLS and pop3s://; fetchmail with STLS; getmail6 over POP3S
and plain POP3) produce no MUST-level finding, and every lower-level
finding they do produce is listed below with the RFC text it breaks; any
other finding fails the test.  Each crafted client tests/crafted/pop3_*.py
(one deliberate violation) gets its finding, live and from `mailrig
check` on the capture file.

Lower-level findings of real clients, and why they are real:
- pop3.security.cleartext-login (SECURITY): poplib/getmail USER/PASS on
  plain POP3 without asking for CAPA; RFC 1939 13: "the password is
  sent in the clear" and RFC 8314 advises TLS for it.
- pop3.security.cleartext-login-stls-offered (SECURITY): a password in
  the clear after CAPA listed STLS (RFC 2595 2.3).
- pop3.stls.capa-not-reissued (SHOULD): poplib's stls() asks CAPA before
  STLS but not after it; RFC 2595 4: "Once TLS has been started, the
  client MUST discard cached information about server capabilities and
  SHOULD re-issue the CAPA command."
"""

import base64
import glob
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

import mrlib
import test_pop3

CRAFTED = os.path.join(os.path.dirname(mrlib.HERE), "crafted")
MUST = ("MUST", "MUST NOT")


def rules(s):
    return [f["rule"] for f in s.get("findings", [])]


class Pop3ConformanceTest(test_pop3.Pop3Mixin, mrlib.Case):
    def before(self):
        return {s["_path"] for s in self.server.sessions()}

    def judged(self, before, want):
        """The captures of the POP3 sessions since before: no MUST
        finding, and exactly the documented lower-level ones."""
        def new(s):
            return s["_path"] not in before and s.get("protocol") == "pop3"
        self.server.wait_session(new, "of POP3 after the client")
        got = [s for s in self.server.sessions() if new(s)]
        for s in got:
            self.assertIn("findings", s, "capture without findings")
            bad = [f for f in s["findings"] if f["level"] in MUST]
            self.assertEqual(bad, [], "MUST findings in %s" % s["_path"])
            self.assertEqual(sorted(rules(s)), sorted(want), s["_path"])
        return got

    def test_poplib_user_pass(self):
        u = self.user()
        body = self.deliver(u, "poplib plain")
        b = self.before()
        c = self.login(u)
        c.stat()
        c.list()
        self.assertBytes(self.retr(c, 1), body)
        c.uidl()
        c.top(1, 0)
        c.dele(1)
        c.rset()
        c.noop()
        c.quit()
        self.judged(b, ["pop3.security.cleartext-login"])

    def test_poplib_apop(self):
        u = self.user()
        self.deliver(u, "poplib apop")
        b = self.before()
        c = self.pop()
        c.apop(u, "secret")
        c.stat()
        c.quit()
        self.judged(b, [])

    def test_poplib_stls(self):
        u = self.user()
        self.deliver(u, "poplib stls")
        b = self.before()
        c = self.pop()
        c.stls(context=mrlib.client_context(self.server.ca))
        c.user(u)
        c.pass_("pw")
        c.retr(1)
        c.quit()
        self.judged(b, ["pop3.stls.capa-not-reissued"])

    def test_poplib_stls_capa_again(self):
        u = self.user()
        self.deliver(u, "poplib stls capa")
        b = self.before()
        c = self.pop()
        c.stls(context=mrlib.client_context(self.server.ca))
        c.capa()
        c.user(u)
        c.pass_("pw")
        c.retr(1)
        c.quit()
        self.judged(b, [])

    def test_poplib_auth_plain(self):
        for tls in (True, False):
            u = self.user()
            self.deliver(u, "poplib auth")
            b = self.before()
            c = self.pop(tls)
            self.assertIn("PLAIN", c.capa()["SASL"])
            ir = base64.b64encode(b"\0" + u.encode() + b"\0pw").decode()
            c._shortcmd("AUTH PLAIN " + ir)
            c.stat()
            c.quit()
            self.judged(b, [] if tls else
                        ["pop3.security.cleartext-login-stls-offered"])

    def curl(self, url, user, *extra):
        cp = mrlib.run_client(self, ["curl", "--silent", "--show-error",
            "--max-time", "60", "--url", url, "--user", user + ":pw"] +
            list(extra))
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))

    def test_curl_stls(self):
        u = self.user()
        self.deliver(u, "curl stls")
        b = self.before()
        self.curl("pop3://127.0.0.1:%d/1" % self.pop3_port(), u,
                  "--ssl-reqd", "--cacert", self.server.ca)
        self.judged(b, [])

    def test_curl_pop3s(self):
        u = self.user()
        self.deliver(u, "curl pop3s")
        b = self.before()
        self.curl("pop3s://localhost:%d/" % self.pop3s_port(), u,
                  "--cacert", self.server.ca)
        self.judged(b, [])

    def test_fetchmail_stls(self):
        u = self.user()
        self.deliver(u, "fetchmail")
        b = self.before()
        test_pop3.FetchmailTest.fetchmail(self, u, False)
        self.judged(b, [])

    def test_getmail_pop3s_and_plain(self):
        u = self.user()
        self.deliver(u, "getmail ssl")
        b = self.before()
        test_pop3.GetmailTest.getmail(self, u, "SimplePOP3SSLRetriever",
                                      self.pop3s_port(), False)
        self.judged(b, [])
        v = self.user()
        self.deliver(v, "getmail plain")
        b = self.before()
        test_pop3.GetmailTest.getmail(self, v, "SimplePOP3Retriever",
                                      self.pop3_port(), True)
        self.judged(b, ["pop3.security.cleartext-login"])

    def test_crafted(self):
        scripts = sorted(glob.glob(os.path.join(CRAFTED, "pop3_*.py")))
        self.assertGreaterEqual(len(scripts), 6)
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
                                             str(self.pop3_port())])
                self.assertEqual(cp.returncode, 0, mrlib.show(cp))
                s = self.server.wait_session(
                    lambda s: s["_path"] not in before and
                    s.get("protocol") == "pop3", "after " + path)
                self.assertIn(rule, rules(s))
                off = subprocess.run([mrlib.MAILRIG, "check", "--json",
                                      "--fail-on", "never", s["_path"]],
                                     capture_output=True, timeout=30)
                self.assertEqual(off.returncode, 0, off.stderr)
                self.assertIn(rule, [f["rule"] for f in
                                     json.loads(off.stdout)["findings"]])
