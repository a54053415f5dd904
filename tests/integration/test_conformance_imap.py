"""The IMAP conformance rules on live sessions.

Real clients in normal use (python imaplib with and without TLS: LOGIN,
STARTTLS, SELECT, FETCH, STORE, SEARCH, APPEND, IDLE, LOGOUT; and the
curl, mbsync, offlineimap, imapflow, fetchmail and getmail6 tests, run
again here on servers of their own) produce no MUST-level finding in any
IMAP capture; each crafted client tests/crafted/imap_*.py (one deliberate
violation each) gets its finding, live and from `mailrig check`.

Lower-level findings real sessions show, and why they are real:
- imap.security.cleartext-login-starttls-offered: the client test
  helpers (imaplib, used to seed and verify mailboxes) and the clients
  configured without TLS send LOGIN over plain IMAP on a port that
  offers STARTTLS; RFC 2595 3.1 / RFC 3501 6.2.3 warn against it and we
  asked them to.
No other finding is allowed: a new one is either a real deviation to
document here with the RFC text it breaks, or a checker bug.
"""

import glob
import imaplib
import json
import os
import subprocess
import sys

import mrlib
import test_imap_curl
import test_imap_fetchmail
import test_imap_getmail
import test_imap_imapflow
import test_imap_mbsync
import test_imap_offlineimap
from test_imap_util import ImapCase, simple_message

CRAFTED = os.path.join(os.path.dirname(mrlib.HERE), "crafted")
MUST = ("MUST", "MUST NOT")
ALLOWED = {"imap.security.cleartext-login-starttls-offered"}


def imap_findings(server):
    """(path, finding) for every finding of every IMAP capture."""
    out = []
    for s in server.sessions():
        if s.get("protocol") != "imap":
            continue
        for f in s.get("findings", []):
            out.append((s["_path"], f))
    return out


class _Conformance:
    """Mixed into a real-client test class: after its tests (the name
    sorts last), every IMAP session its server captured is judged."""

    def test_zz_conformance(self):
        found = imap_findings(self.server)
        self.assertGreater(len(self.server.sessions()), 0)
        must = [(p, f) for p, f in found if f["level"] in MUST]
        self.assertEqual(must, [], "MUST findings")
        other = [(p, f["rule"], f.get("excerpt")) for p, f in found
                 if f["rule"] not in ALLOWED]
        self.assertEqual(other, [], "undocumented findings")


class CurlConformance(_Conformance, test_imap_curl.ImapCurlTest):
    pass


class MbsyncConformance(_Conformance, test_imap_mbsync.ImapMbsyncTest):
    pass


class OfflineimapConformance(_Conformance,
                             test_imap_offlineimap.ImapOfflineimapTest):
    pass


class ImapflowConformance(_Conformance,
                          test_imap_imapflow.ImapImapflowTest):
    pass


class FetchmailConformance(_Conformance,
                           test_imap_fetchmail.ImapFetchmailTest):
    pass


class GetmailConformance(_Conformance, test_imap_getmail.ImapGetmailTest):
    pass


class ImapConformanceTest(ImapCase):
    def session_of(self, login):
        return self.server.wait_session(
            lambda s: s.get("protocol") == "imap" and any(
                login in e.get("line", "") for e in s["transcript"]
                if e.get("dir") == "c"), "of %s" % login)

    def imaplib_session(self, tls):
        user = self.user("lib")
        self.deliver(user, [simple_message("a@example.test", user,
                                           "conformance")])
        if tls == "imaps":
            c = imaplib.IMAP4_SSL(self.server.host, self.imaps_port,
                                  ssl_context=mrlib.client_context(
                                      self.server.ca))
        else:
            c = imaplib.IMAP4(self.server.host, self.imap_port)
            if tls == "starttls":
                c.starttls(ssl_context=mrlib.client_context(
                    self.server.ca))
        c.login(user, "pw")
        c.append("INBOX", "(\\Flagged)", None,
                 simple_message("b@example.test", user, "appended"))
        c.select("INBOX")
        c.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        c.store("1", "+FLAGS", "\\Seen")
        c.search(None, "UNSEEN")
        c.uid("SEARCH", "FROM", '"b@example.test"')
        tag = c._new_tag()
        c.send(tag + b" IDLE\r\n")
        self.assertTrue(c.readline().startswith(b"+"))
        c.send(b"DONE\r\n")
        self.assertIn(b"OK", c.readline())
        c.close()
        c.logout()
        return self.session_of(user)

    def rules_of(self, s):
        bad = [f for f in s.get("findings", []) if f["level"] in MUST]
        self.assertEqual(bad, [], "MUST findings in %s" % s["_path"])
        return [f["rule"] for f in s["findings"]]

    def test_imaplib_starttls(self):
        s = self.imaplib_session("starttls")
        self.assertEqual(self.rules_of(s), [])

    def test_imaplib_imaps(self):
        s = self.imaplib_session("imaps")
        self.assertEqual(self.rules_of(s), [])

    def test_imaplib_plain(self):
        s = self.imaplib_session(None)
        self.assertEqual(self.rules_of(s),
                         ["imap.security.cleartext-login-starttls-offered"])

    def test_crafted(self):
        scripts = sorted(glob.glob(os.path.join(CRAFTED, "imap_*.py")))
        self.assertGreater(len(scripts), 10)
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
                                             self.server.host,
                                             str(self.imap_port)])
                self.assertEqual(cp.returncode, 0, mrlib.show(cp))
                s = self.server.wait_session(
                    lambda s: s["_path"] not in before and
                    s.get("protocol") == "imap", "after " + path)
                self.assertIn(rule, [f["rule"] for f in s["findings"]])
                off = subprocess.run([mrlib.MAILRIG, "check", "--json",
                                      "--fail-on", "never", s["_path"]],
                                     capture_output=True, timeout=30)
                self.assertEqual(off.returncode, 0, off.stderr)
                self.assertIn(rule, [f["rule"] for f in
                                     json.loads(off.stdout)["findings"]])

    def test_rules_listed(self):
        cp = subprocess.run([mrlib.MAILRIG, "rules", "--json"],
                            capture_output=True, timeout=30)
        self.assertEqual(cp.returncode, 0)
        ids = [r["id"] for r in json.loads(cp.stdout)]
        self.assertIn("imap.literal.before-continuation", ids)
        self.assertGreater(len([i for i in ids if i.startswith("imap.")]),
                           40)
