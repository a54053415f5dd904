"""`mailrig run`: exit codes (0 pass, 1 fail, 2 bad scenario, 3 timeout or
not startable), the MAILRIG_* variables and ${VAR} templating, the
command's own process group killed as a whole on timeout, its output in
the report, reports valid against reports/report.schema.json, JUnit XML
with one testcase per expectation and per session, and expectations met
by real clients (smtplib, swaks)."""

import json
import os
import subprocess
import tempfile
import textwrap
import unittest
import xml.etree.ElementTree as ET

import jsonschema

import mrlib

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "..", "reports", "report.schema.json")

SEND = textwrap.dedent("""\
    import os, smtplib, sys
    from email.message import EmailMessage
    m = EmailMessage()
    m["From"] = "app@example.test"
    m["To"] = "alice@example.test"
    m["Cc"] = "carol@example.test"
    m["Subject"] = sys.argv[1]
    m["Message-ID"] = "<1@example.test>"
    m["Date"] = "Mon, 01 Jan 2024 10:00:00 +0000"
    m.set_content("Hello alice")
    m.add_alternative("<h1>Hello</h1>", subtype="html")
    m.add_attachment(b"%PDF-1.4", maintype="application",
        subtype="pdf", filename="invoice.pdf")
    s = smtplib.SMTP(os.environ["MAILRIG_HOST"],
        int(os.environ["MAILRIG_SMTP_PORT"]))
    s.send_message(m, "app@example.test",
        ["alice@example.test", "carol@example.test", "dave@example.test"])
    s.quit()
    print("sent")
    """)


class RunTest(unittest.TestCase):
    def setUp(self):
        if not mrlib.MAILRIG:
            self.fail("MAILRIG is not set: run `make integration`")
        self.tmp = tempfile.TemporaryDirectory(prefix="mailrig-run-")
        self.dir = self.tmp.name
        with open(os.path.join(self.dir, "send.py"), "w") as f:
            f.write(SEND)
        with open(SCHEMA) as f:
            self.schema = json.load(f)

    def tearDown(self):
        self.tmp.cleanup()

    def scenario(self, text):
        path = os.path.join(self.dir, "s.yaml")
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        return path

    def run_mailrig(self, args, timeout=30):
        self.report = os.path.join(self.dir, "out.json")
        self.junit = os.path.join(self.dir, "out.xml")
        cp = subprocess.run([mrlib.MAILRIG, "run", "--report",
            self.report, "--junit", self.junit] + args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            timeout=timeout, cwd=self.dir)
        return cp

    def load_reports(self, cp):
        self.assertTrue(os.path.exists(self.report), mrlib.show(cp))
        with open(self.report) as f:
            rep = json.load(f)
        jsonschema.validate(rep, self.schema)
        tree = ET.parse(self.junit)
        cases = tree.getroot().findall(".//testcase")
        self.assertEqual(len(cases), len(rep["expectations"]) +
            len(rep["sessions"]))
        failed = [c for c in cases if c.find("failure") is not None and
            c.get("classname") == "expectations"]
        self.assertEqual(len(failed), rep["summary"]["failed"])
        return rep

    def expected(self, rep, name):
        got = [e for e in rep["expectations"] if e["name"] == name]
        self.assertEqual(len(got), 1, "%s in %r" % (name,
            [e["name"] for e in rep["expectations"]]))
        return got[0]

    PASSING = """\
        name: welcome mail
        servers:
          smtp: {}
        run:
          command: [python3, send.py, "Welcome alice"]
        expect:
          exit_code: 0
          messages:
            count: 1
            match:
              - from: app@example.test
                to: [alice@example.test]
                cc: [carol@example.test]
                bcc: [dave@example.test]
                subject: "/^Welcome/"
                header: {Message-ID: present, X-Debug: absent}
                body: {contains: "Hello alice"}
                html: {contains: "<h1>"}
                attachments: {count: 1, names: [invoice.pdf], types: [application/pdf]}
                size: {max: 100000}
                tls: false
                auth: false
          client:
            sessions: {smtp: 1}
            commands_used: [EHLO, MAIL]
            commands_not_used: [VRFY]
            quit: true
        """

    def test_pass_exit_0(self):
        cp = self.run_mailrig(["-s", self.scenario(self.PASSING)])
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        rep = self.load_reports(cp)
        self.assertEqual(rep["result"], "pass")
        self.assertEqual(rep["command"]["stdout"], "sent\n")
        self.assertEqual(len(rep["messages"]), 1)
        self.assertEqual(rep["messages"][0]["subject"], "Welcome alice")
        self.assertEqual(rep["summary"]["failed"], 0)
        self.assertGreaterEqual(len(rep["expectations"]), 17)
        self.assertTrue(all(e["passed"] for e in rep["expectations"]))
        self.assertIn(b"PASS welcome mail", cp.stderr)

    CRAFTED = os.path.join(HERE, "..", "crafted", "pop3_pass_without_user.py")
    CONF = """\
        name: crafted pop3 client
        servers:
          pop3: {}
        run:
          command: [python3, %s, "${MAILRIG_HOST}", "${MAILRIG_POP3_PORT}"]
        expect:
          exit_code: 0
        %s
        """

    def run_conf(self, conformance):
        text = self.CONF % (os.path.abspath(self.CRAFTED), conformance)
        cp = self.run_mailrig(["-s", self.scenario(text)])
        return cp, self.load_reports(cp)

    def session_case(self):
        tree = ET.parse(self.junit)
        return [c for c in tree.getroot().findall(".//testcase")
                if c.get("classname") == "sessions.pop3"]

    def test_conformance_must_fails_run(self):
        # PASS without USER is a MUST NOT (RFC 1939 7): exit 1.
        cp, rep = self.run_conf("")
        self.assertEqual(cp.returncode, 1, mrlib.show(cp))
        self.assertEqual(rep["result"], "fail")
        got = [f for f in rep["findings"]
               if f["rule"] == "pop3.pass.without-user"]
        self.assertEqual(len(got), 1, rep["findings"])
        self.assertEqual(got[0]["level"], "MUST NOT")
        self.assertGreaterEqual(rep["summary"]["findings"]["MUST NOT"], 1)
        self.assertTrue(all(e["passed"] for e in rep["expectations"]))
        cases = self.session_case()
        self.assertEqual(len(cases), 1)
        self.assertIsNotNone(cases[0].find("failure"))
        self.assertIn(b"FAIL conformance", cp.stderr)

    def test_conformance_fail_on_never(self):
        cp, rep = self.run_conf("  conformance: {fail_on: never}")
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        self.assertEqual(rep["result"], "pass")
        # Still reported, just not failing.
        self.assertIn("pop3.pass.without-user",
                      [f["rule"] for f in rep["findings"]])
        self.assertIsNone(self.session_case()[0].find("failure"))

    def test_conformance_disable(self):
        cp, rep = self.run_conf(
            "  conformance: {disable: [pop3.pass.without-user]}")
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        self.assertEqual(rep["result"], "pass")
        self.assertNotIn("pop3.pass.without-user",
                         [f["rule"] for f in rep["findings"]])

    def test_conformance_levels_and_fail_on_should(self):
        # Lowered to SHOULD it passes under the default MUST ...
        cp, rep = self.run_conf(
            "  conformance: {levels: {pop3.pass.without-user: SHOULD}}")
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        got = [f for f in rep["findings"]
               if f["rule"] == "pop3.pass.without-user"]
        self.assertEqual(got[0]["level"], "SHOULD")
        # ... and fails under fail_on: SHOULD, as does the SECURITY
        # finding of the password sent in the clear.
        cp, rep = self.run_conf("  conformance: {fail_on: SHOULD, "
                                "disable: [pop3.pass.without-user]}")
        self.assertEqual(cp.returncode, 1, mrlib.show(cp))
        self.assertIn("SECURITY", [f["level"] for f in rep["findings"]])

    def test_fail_exit_1(self):
        text = self.PASSING.replace('"Welcome alice"]', '"Goodbye"]')
        cp = self.run_mailrig(["-s", self.scenario(text)])
        self.assertEqual(cp.returncode, 1, mrlib.show(cp))
        rep = self.load_reports(cp)
        self.assertEqual(rep["result"], "fail")
        e = self.expected(rep, "messages.match[0].subject")
        self.assertFalse(e["passed"])
        self.assertEqual(e["actual"], '"Goodbye"')
        self.assertEqual((e["line"], e["column"]), (15, 18))
        self.assertEqual(rep["summary"]["failed"], 1)
        self.assertIn(b"FAIL messages.match[0].subject", cp.stderr)

    def test_bad_scenario_exit_2(self):
        path = self.scenario("""\
            name: broken
            servers:
              smtp: {colour: blue}
            """)
        cp = self.run_mailrig(["-s", path, "--", "true"])
        self.assertEqual(cp.returncode, 2, mrlib.show(cp))
        self.assertIn(b"s.yaml:3:", cp.stderr)
        self.assertFalse(os.path.exists(self.report))

    def test_usage_exit_2(self):
        cp = self.run_mailrig(["--timeout", "30"])
        self.assertEqual(cp.returncode, 2, mrlib.show(cp))
        cp = self.run_mailrig([])
        self.assertEqual(cp.returncode, 2, mrlib.show(cp))

    def test_timeout_exit_3_kills_group(self):
        marker = "100.%d" % os.getpid()
        cp = self.run_mailrig(["--timeout", "300ms", "--", "sh", "-c",
            "echo started; sleep %s & sleep %s" % (marker, marker)])
        self.assertEqual(cp.returncode, 3, mrlib.show(cp))
        rep = self.load_reports(cp)
        self.assertEqual(rep["command"]["status"], "timeout")
        self.assertEqual(rep["command"]["stdout"], "started\n")
        self.assertEqual(rep["result"], "fail")
        left = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    cmd = f.read().split(b"\0")
            except OSError:
                continue
            if marker.encode() in cmd:
                with open("/proc/%s/stat" % pid) as f:
                    if f.read().split(")")[-1].split()[0] != "Z":
                        left.append(pid)
        self.assertEqual(left, [], "processes left behind")

    def test_not_startable_exit_3(self):
        cp = self.run_mailrig(["--", "/nonexistent/mailrig-client"])
        self.assertEqual(cp.returncode, 3, mrlib.show(cp))
        rep = self.load_reports(cp)
        self.assertEqual(rep["command"]["status"], "not-started")
        self.assertIn("No such file", rep["command"]["error"])

    def test_variables_and_group(self):
        path = self.scenario("""\
            name: variables
            servers:
              smtp: {}
              imaps: {}
            run:
              command: [sh, -c, 'env | grep ^MAILRIG_ | sort; echo "arg=$0"; cut -d" " -f5 /proc/$$/stat; echo "pid=$$"', "${MAILRIG_SMTP_PORT}"]
              env: {APP_ENV: test}
            """)
        cp = self.run_mailrig(["-s", path])
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        rep = self.load_reports(cp)
        out = rep["command"]["stdout"].splitlines()
        env = dict(l.split("=", 1) for l in out if l.startswith("MAILRIG_"))
        ports = {s: env["MAILRIG_%s_PORT" % s.upper()] for s in ("smtp",
            "submission", "smtps", "pop3", "pop3s", "imap", "imaps")}
        self.assertTrue(ports["smtp"].isdigit() and ports["imaps"].isdigit(),
            ports)
        self.assertEqual(ports["pop3"], "")
        self.assertEqual(env["MAILRIG_HOST"], "127.0.0.1")
        self.assertIn("MAILRIG_API_URL", env)
        self.assertTrue(os.path.isabs(env["MAILRIG_CA_CERT"]))
        self.assertIn("arg=%s" % ports["smtp"], out)
        pgid, pid = out[-2], out[-1]
        self.assertEqual("pid=" + pgid, pid)

    def test_swaks_attachment(self):
        swaks = mrlib.need_tool(self, "swaks")
        with open(os.path.join(self.dir, "invoice.pdf"), "wb") as f:
            f.write(b"%PDF-1.4 test")
        path = self.scenario("""\
            name: swaks
            servers:
              smtp: {}
            run:
              command: [%s, --server, "${MAILRIG_HOST}:${MAILRIG_SMTP_PORT}",
                        --from, app@example.test, --to, bob@example.test,
                        --header, "Subject: Invoice 7",
                        --attach-type, application/pdf,
                        --attach, invoice.pdf]
            expect:
              messages:
                match:
                  - from: app@example.test
                    to: [bob@example.test]
                    subject: Invoice 7
                    attachments: {count: 1, names: [invoice.pdf], types: [application/pdf]}
                  - from: app@example.test
              client: {sessions: {smtp: 1}}
            """ % swaks)
        cp = self.run_mailrig(["-s", path])
        self.assertEqual(cp.returncode, 1, mrlib.show(cp))
        rep = self.load_reports(cp)
        failed = [e["name"] for e in rep["expectations"] if not e["passed"]]
        # The second entry must match a distinct message: there is none.
        self.assertEqual(failed, ["messages.match"], rep["expectations"])
        self.assertTrue(self.expected(rep,
            "messages.match[0].attachments.names")["passed"])


class GoldenReportTest(unittest.TestCase):
    """The golden reports of the unit tests (tests/data/reports) are
    valid against the schema too, so the schema and the writer never
    drift apart unnoticed (STYLE 3.11)."""

    def test_golden_reports_valid(self):
        with open(SCHEMA) as f:
            schema = json.load(f)
        d = os.path.join(HERE, "..", "data", "reports")
        names = [n for n in sorted(os.listdir(d)) if n.endswith(".json")]
        self.assertTrue(names, "no golden reports in %s" % d)
        for n in names:
            with open(os.path.join(d, n)) as f:
                jsonschema.validate(json.load(f), schema)
