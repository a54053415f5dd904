"""The web inbox in a real browser: Debian's headless Chromium driven by
playwright-core (pinned in package.json; it never downloads a browser)
through js/web_inbox.js.  swaks sends mail while the page is open; the
page must show it without a reload, keep the mail's script from running
and every request on mailrig's own origin, render the transcript with the
finding at its evidence line and the findings overview, and answer the
keyboard.

Screenshots go to tests/integration/out/run-PID/screenshots/, which the
runner keeps only when something failed; set MAILRIG_SCREENSHOTS=DIR to
keep them in DIR after a passing run too (the test prints the path)."""

import json
import os
import shutil
from http.client import HTTPConnection

import mrlib

JS = os.path.join(mrlib.HERE, "js", "web_inbox.js")
MODULE = os.path.join(mrlib.HERE, "node_modules", "playwright-core")
CHROMIUM = "/usr/bin/chromium"
ATTACHMENT = "first line of the notes\nsecond line\n"


def html_mail(sender, rcpt, subject):
    """multipart/alternative + an attachment, with no Date header (RFC
    5322 3.6 wants one: the finding the session view must show) and an
    HTML part that tries to run a script and load remote images."""
    b = "=-=mailrig-web-=-="
    a = "=-=mailrig-alt-=-="
    lines = [
        "From: Web Test <%s>" % sender,
        "To: <%s>" % rcpt,
        "Subject: %s" % subject,
        "Message-ID: <%s@client.example.test>" % subject.replace(" ", "."),
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"%s\"" % b,
        "",
        "--" + b,
        "Content-Type: multipart/alternative; boundary=\"%s\"" % a,
        "",
        "--" + a,
        "Content-Type: text/plain; charset=utf-8",
        "",
        "This is the plain text part.",
        "--" + a,
        "Content-Type: text/html; charset=utf-8",
        "",
        "<html><head><title>x</title>",
        "<link rel=\"stylesheet\" href=\"http://198.51.100.7/x.css\">",
        "</head><body>",
        "<h1>Hello in HTML</h1>",
        "<p id=\"marker\">untouched</p>",
        "<img src=\"http://198.51.100.7/pixel.gif\" alt=\"\">",
        "<img src=\"https://198.51.100.7/logo.png\" alt=\"\">",
        "<div style=\"background:url(http://198.51.100.7/bg.png)\">"
        "bg</div>",
        "<script>",
        "document.getElementById('marker').textContent = 'SCRIPT RAN';",
        "try { window.top.document.title = 'PWNED'; } catch (e) {}",
        "window.parent.postMessage('pwned', '*');",
        "fetch('http://198.51.100.7/beacon');",
        "</script>",
        "<img src=\"x\" onerror=\"parent.postMessage('onerror', '*')\">",
        "</body></html>",
        "--" + a + "--",
        "",
        "--" + b,
        "Content-Type: text/plain; charset=utf-8",
        "Content-Disposition: attachment; filename=\"notes.txt\"",
        "",
    ] + ATTACHMENT.rstrip("\n").split("\n") + [
        "--" + b + "--",
        "",
    ]
    return "\r\n".join(lines)


def plain_mail(sender, rcpt, subject):
    return ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n"
            "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
            "Message-ID: <%s@client.example.test>\r\n\r\n"
            "second mail\r\n" % (sender, rcpt, subject,
                                 subject.replace(" ", ".")))


class WebInboxTest(mrlib.Case):
    timeout = 60 * mrlib.SLOW

    def test_browser(self):
        mrlib.need_tool(self, "node")
        mrlib.need_tool(self, "swaks")
        if not os.access(CHROMIUM, os.X_OK):
            self.fail("%s not found: run `make deps-test` (Debian "
                      "package chromium)" % CHROMIUM)
        if not os.path.isdir(MODULE):
            self.fail("playwright-core is not installed: run `npm ci` "
                      "in tests/integration (make deps-test does)")
        http = self.server.info.get("http")
        self.assertIsNotNone(http, "no http port in the port line %r" %
                             self.server.info)
        d = self.server.dir
        sender, rcpt = self.addr("from"), self.addr("to")
        subject, subject2 = "web inbox check", "web inbox second"
        mail_html = os.path.join(d, "html.eml")
        mail_plain = os.path.join(d, "plain.eml")
        with open(mail_html, "w", newline="") as f:
            f.write(html_mail(sender, rcpt, subject))
        with open(mail_plain, "w", newline="") as f:
            f.write(plain_mail(sender, rcpt, subject2))
        keep = os.environ.get("MAILRIG_SCREENSHOTS", "")
        shots = os.path.join(mrlib.OUT, "screenshots")
        job = {"url": "http://127.0.0.1:%d" % int(http),
               "smtp": self.server.smtp, "from": sender, "to": rcpt,
               "subject": subject, "subject2": subject2,
               "mail_html": mail_html, "mail_plain": mail_plain,
               "attachment_text": ATTACHMENT.rstrip("\n"),
               "rule": "msg.header.date-missing",
               "chromium": CHROMIUM, "shots": shots,
               "wait_ms": 10000 * mrlib.SLOW}
        jobpath = os.path.join(d, "web.json")
        with open(jobpath, "w") as f:
            json.dump(job, f)
        cp = mrlib.run_client(self, ["node", JS, jobpath],
                              timeout=50 * mrlib.SLOW)
        out = cp.stdout.decode("utf-8", "replace").strip().splitlines()
        try:
            res = json.loads(out[-1])
        except (IndexError, ValueError):
            self.fail("web_inbox.js gave no summary:\n" + mrlib.show(cp))
        self.assertTrue(res.get("ok"), "browser check failed: %s\n"
                        "passed steps: %s\n%s" % (res.get("error"),
                        res.get("steps"), mrlib.show(cp)))
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        for name in ("1-list", "2-html", "4-session", "5-findings",
                     "6-list-dark", "7-session-dark"):
            p = os.path.join(shots, name + ".png")
            self.assertTrue(os.path.getsize(p) > 1000, p)
        if keep:
            os.makedirs(keep, exist_ok=True)
            for n in sorted(os.listdir(shots)):
                shutil.copy(os.path.join(shots, n), keep)
            print("     screenshots kept in %s" % os.path.abspath(keep))


TOKEN = "web-t0ken"
JS_TOKEN = os.path.join(mrlib.HERE, "js", "web_token.js")


class WebTokenTest(mrlib.Case):
    """The web inbox with --api-token: opened as /?token=T it sends the
    token on every API request and shows mail; without the token, or with
    a wrong one, it says "Unauthorized" instead of waiting forever."""

    timeout = 60 * mrlib.SLOW
    server_args = ("--api-token", TOKEN)

    def test_browser_token(self):
        mrlib.need_tool(self, "node")
        mrlib.need_tool(self, "swaks")
        if not os.access(CHROMIUM, os.X_OK):
            self.fail("%s not found: run `make deps-test` (Debian "
                      "package chromium)" % CHROMIUM)
        if not os.path.isdir(MODULE):
            self.fail("playwright-core is not installed: run `npm ci` "
                      "in tests/integration (make deps-test does)")
        http = self.server.info.get("http")
        self.assertIsNotNone(http, "no http port in the port line %r" %
                             self.server.info)
        d = self.server.dir
        sender, rcpt = self.addr("from"), self.addr("to")
        subject = "web token check"
        mail = os.path.join(d, "token.eml")
        with open(mail, "w", newline="") as f:
            f.write(plain_mail(sender, rcpt, subject))
        job = {"url": "http://127.0.0.1:%d" % int(http),
               "smtp": self.server.smtp, "from": sender, "to": rcpt,
               "subject": subject, "mail_plain": mail, "token": TOKEN,
               "chromium": CHROMIUM, "wait_ms": 10000 * mrlib.SLOW}
        jobpath = os.path.join(d, "web-token.json")
        with open(jobpath, "w") as f:
            json.dump(job, f)
        cp = mrlib.run_client(self, ["node", JS_TOKEN, jobpath],
                              timeout=50 * mrlib.SLOW)
        out = cp.stdout.decode("utf-8", "replace").strip().splitlines()
        try:
            res = json.loads(out[-1])
        except (IndexError, ValueError):
            self.fail("web_token.js gave no summary:\n" + mrlib.show(cp))
        self.assertTrue(res.get("ok"), "browser check failed: %s\n"
                        "passed steps: %s\n%s" % (res.get("error"),
                        res.get("steps"), mrlib.show(cp)))
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        # Only the page's own files are public; the API and the
        # message views still refuse a request without the token.
        for path, want in (("/", 200), ("/web/app.js", 200),
                           ("/api/v1/messages", 401), ("/livez", 401),
                           ("/view/latest.html", 401),
                           ("/api/v1/nothing", 401)):
            conn = HTTPConnection("127.0.0.1", int(http),
                                  timeout=mrlib.IO_TIMEOUT)
            try:
                conn.request("GET", path)
                st = conn.getresponse().status
            finally:
                conn.close()
            self.assertEqual(st, want, path)
