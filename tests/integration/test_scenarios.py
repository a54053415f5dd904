"""The scenario library (scenarios/*.yaml), each run with real clients
through `mailrig run -s scenarios/X.yaml --report R.json -- CLIENT`.

Each test asserts what the scenario's header comment promises, twice: in
the client's own behaviour (its exit code and what it printed, kept in the
report's command.stdout) and in the report (the "fault" events with the
rule's file:line:col, the session outcomes, the expectations and
mailrig's exit code).  Reports are validated against
reports/report.schema.json.

The three slow scenarios (slow greeting, slow DATA, POP3 slow RETR) start
together in the background when their class is set up, so their waits
overlap; every wait is bounded.
"""

import glob
import imaplib
import json
import os
import re
import shlex
import subprocess
import tempfile
import unittest

import jsonschema

import mrlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LIB = os.path.join(ROOT, "scenarios")
FIXTURES = os.path.join(LIB, "fixtures")
SCHEMA = os.path.join(ROOT, "reports", "report.schema.json")
RUN_TIMEOUT = 60 * mrlib.SLOW

with open(SCHEMA) as _f:
    REPORT_SCHEMA = json.load(_f)

SWAKS = 'swaks --server "$MAILRIG_HOST:$MAILRIG_SMTP_PORT"'


def lib(name):
    return os.path.join(LIB, name + ".yaml")


def rule_labels(path):
    """"PATH:LINE:COL" of every rule in a scenario, read from the text:
    the mark of a rule is where its mapping starts (the "on" of "- on:").
    Independent of mailrig's loader on purpose."""
    out = []
    in_rules = False
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if re.match(r"^rules:", line):
                in_rules = True
                continue
            if in_rules and re.match(r"^\S", line) and not \
                    line.startswith("#"):
                in_rules = False
            m = re.match(r"^(\s*)- on:", line)
            if in_rules and m:
                out.append("%s:%d:%d" % (path, n, len(m.group(1)) + 3))
    return out


def faults(rep):
    """[(session id, detail)] of every injected fault, in order."""
    return [(s["id"], e["detail"]) for s in rep["sessions"]
            for e in s["transcript"] if e.get("event") == "fault"]


def events(sess, name):
    return [e for e in sess["transcript"] if e.get("event") == name]


def lines(sess, d):
    return [e["line"] for e in sess["transcript"] if e.get("dir") == d and
            "line" in e]


def after_fault(sess):
    """The transcript entries after the first fault event."""
    t = sess["transcript"]
    for i, e in enumerate(t):
        if e.get("event") == "fault":
            return t[i + 1:]
    raise AssertionError("no fault in session %d" % sess["id"])


def expectation(rep, name):
    got = [e for e in rep["expectations"] if e["name"] == name]
    if len(got) != 1:
        raise AssertionError("%s in %r" % (name, [e["name"] for e in
                                                  rep["expectations"]]))
    return got[0]


class Run:
    """One `mailrig run`, started now, finished by wait()."""

    def __init__(self, scenario, shell, extra=(), timeout=RUN_TIMEOUT,
                 env=None):
        if not mrlib.MAILRIG:
            raise AssertionError("MAILRIG is not set: run `make "
                                 "integration`")
        os.makedirs(mrlib.OUT, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix="scen-", dir=mrlib.OUT)
        self.report = os.path.join(self.dir, "report.json")
        self.junit = os.path.join(self.dir, "report.xml")
        self.scenario = scenario
        self.timeout = timeout
        argv = [mrlib.MAILRIG, "run", "--report", self.report,
                "--junit", self.junit, "--timeout", "%ds" % (timeout - 10)]
        if scenario is not None:
            argv += ["-s", scenario]
        argv += list(extra) + ["--", "sh", "-c", shell]
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=self.dir,
                                     stdin=subprocess.DEVNULL, env=env)
        self.cp = None
        self.rep = None

    def wait(self):
        if self.cp is not None:
            return self
        try:
            out, err = self.proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise AssertionError("mailrig run did not end within %ss:"
                                 " %s\n%s" % (self.timeout, self.argv,
                                              err.decode("utf-8",
                                                         "replace")))
        self.cp = subprocess.CompletedProcess(self.argv,
                                              self.proc.returncode, out, err)
        if os.path.exists(self.report):
            with open(self.report) as f:
                self.rep = json.load(f)
            jsonschema.validate(self.rep, REPORT_SCHEMA)
        return self

    @property
    def stdout(self):
        return self.rep["command"]["stdout"]

    def show(self):
        text = mrlib.show(self.cp)
        if self.rep is not None:
            text += "\nreport: %s\nexpectations: %s\nfaults: %s" % (
                self.report, json.dumps([(e["name"], e["passed"],
                                          e.get("actual"))
                                         for e in self.rep["expectations"]]),
                faults(self.rep))
        return text

    def marker(self, name):
        """The value the client script printed as "name=VALUE"."""
        m = re.findall(r"(?m)^%s=(.*)$" % re.escape(name), self.stdout)
        if len(m) != 1:
            raise AssertionError("marker %r printed %d times:\n%s" % (
                name, len(m), self.stdout[-3000:]))
        return m[0]


class ScenarioCase(unittest.TestCase):
    def run_lib(self, name, shell, rc=0, **kw):
        r = Run(lib(name), shell, **kw).wait()
        self.assertEqual(r.cp.returncode, rc, r.show())
        self.assertIsNotNone(r.rep, r.show())
        self.assertEqual(r.rep["result"], "pass" if rc == 0 else "fail",
                         r.show())
        self.assertEqual(r.rep["command"]["status"], "exited", r.show())
        self.assertEqual(r.rep["command"]["exit_code"], 0, r.show())
        if rc == 0:
            self.assertTrue(all(e["passed"] for e in
                                r.rep["expectations"]), r.show())
        return r

    def assertFaults(self, r, want, name=None):
        """want: [(session id, index of the rule, "stage [VERB]")]."""
        labels = rule_labels(lib(name) if name else r.scenario)
        got = faults(r.rep)
        self.assertEqual(got, [(s, "%s %s" % (labels[i], what))
                               for s, i, what in want], r.show())

    def session(self, r, sid):
        got = [s for s in r.rep["sessions"] if s["id"] == sid]
        self.assertEqual(len(got), 1, r.show())
        return got[0]


class LibrarySmtpTest(ScenarioCase):
    def test_greylisting_swaks_retries(self):
        r = self.run_lib("greylisting", SWAKS + " --to a@example.test; "
                         "echo first=$?; " + SWAKS + " --to a@example.test;"
                         " echo second=$?")
        # swaks exits 24 when no recipient was accepted.
        self.assertEqual(r.marker("first"), "24", r.show())
        self.assertEqual(r.marker("second"), "0", r.show())
        self.assertIn("<** 451 4.7.1 Greylisted", r.stdout)
        self.assertFaults(r, [(1, 0, "command RCPT")])
        first = self.session(r, 1)
        self.assertEqual(lines(first, "s")[-2], "451 4.7.1 Greylisted, "
                         "please try again later")
        self.assertEqual(len(r.rep["messages"]), 1)
        self.assertEqual(r.rep["messages"][0]["session"], 2)
        self.assertTrue(expectation(r.rep, "client.retried_after_4xx")
                        ["passed"])

    def test_server_busy_421_swaks_curl(self):
        r = self.run_lib("server-busy-421", SWAKS + " --to a@example.test;"
                         " echo swaks=$?; curl -sS \"smtp://$MAILRIG_HOST:"
                         "$MAILRIG_SMTP_PORT\" --mail-from a@example.test "
                         "--mail-rcpt b@example.test -T /etc/hostname; "
                         "echo curl=$?")
        self.assertIn("<** 421 4.3.2 mx.test Service not available",
                      r.stdout)
        self.assertEqual(r.marker("swaks"), "21", r.show())
        # CURLE_WEIRD_SERVER_REPLY: a greeting that is not 220.
        self.assertEqual(r.marker("curl"), "8", r.show())
        self.assertIn("421", r.rep["command"]["stderr"])
        self.assertFaults(r, [(1, 0, "connect"), (2, 0, "connect")])
        for s in r.rep["sessions"]:
            self.assertEqual(lines(s, "s"), ["421 4.3.2 mx.test Service "
                             "not available, try again later"])
            self.assertEqual(lines(s, "c"), [])
            self.assertEqual(s["outcome"], "fault: 421")
        self.assertEqual(r.rep["messages"], [])

    def test_mailbox_full_smtplib_keeps_others(self):
        r = self.run_lib("mailbox-full-552", PY_SEND + " 10 "
                         "ok@example.test full@example.test")
        self.assertEqual(r.marker("refused"),
                         "{'full@example.test': (552, b'5.2.2 Mailbox "
                         "full')}", r.show())
        self.assertFaults(r, [(1, 0, "command RCPT")])
        self.assertEqual([m["to"] for m in r.rep["messages"]],
                         [["ok@example.test"]])

    def test_relay_denied_smtplib_swaks(self):
        r = self.run_lib("relay-denied-550", PY_SEND + " 10 "
                         "ok@example.test x@relay.test; " + SWAKS +
                         " --to y@relay.test; echo swaks=$?")
        self.assertEqual(r.marker("refused"), "{'x@relay.test': (550, "
                         "b'5.7.1 Relaying denied')}", r.show())
        self.assertEqual(r.marker("swaks"), "24", r.show())
        self.assertFaults(r, [(1, 0, "command RCPT"),
                              (2, 0, "command RCPT")])
        self.assertEqual([m["to"] for m in r.rep["messages"]],
                         [["ok@example.test"]])
        e = expectation(r.rep, "client.gave_up_after_5xx")
        self.assertTrue(e["passed"], r.show())

    def test_disconnect_mid_data_swaks(self):
        r = self.run_lib("disconnect-mid-data", SWAKS + " --to "
                         "a@example.test; echo first=$?; " + SWAKS +
                         " --to a@example.test; echo second=$?")
        self.assertEqual(r.marker("first"), "6", r.show())
        self.assertIn("Remote host closed connection unexpectedly",
                      r.rep["command"]["stderr"])
        self.assertEqual(r.marker("second"), "0", r.show())
        self.assertFaults(r, [(1, 0, "command DATA")])
        s1 = self.session(r, 1)
        self.assertEqual(s1["outcome"], "fault: disconnect")
        # The 354 went out, then the line dropped: no 250 for the body.
        self.assertTrue(lines(s1, "s")[-1].startswith("354 "), r.show())
        self.assertEqual([m["session"] for m in r.rep["messages"]], [2])

    def test_size_limit(self):
        big = 20000
        r = self.run_lib("size-limit", PY_SEND + " %d ok@example.test; "
                         "head -c %d /dev/zero | tr '\\0' x | fold -w 900 "
                         "> big.txt; " %
                         (big, big) + SWAKS + " --to ok@example.test "
                         "--body @big.txt; echo swaks=$?; " + PY_SEND +
                         " 100 ok@example.test")
        out = r.stdout
        # smtplib sends SIZE= on MAIL FROM: refused before the data.
        self.assertIn("exc=SMTPSenderRefused 552 5.3.4", out, r.show())
        # swaks does not: the 552 comes after the data.
        self.assertIn("<** 552 5.3.4", out, r.show())
        self.assertEqual(r.marker("swaks"), "26", r.show())
        self.assertIn("refused={}", out, r.show())
        self.assertEqual(len(r.rep["messages"]), 1, r.show())
        self.assertLess(r.rep["messages"][0]["size"], 10000)
        ehlo = lines(r.rep["sessions"][0], "s")
        self.assertIn("250-SIZE 10000", ehlo)

    def test_no_pipelining_swaks_and_raw(self):
        r = self.run_lib("no-pipelining", SWAKS + " --to a@example.test "
                         "--pipeline; echo swaks=$?")
        self.assertEqual(r.marker("swaks"), "0", r.show())
        ehlo = [ln for ln in lines(r.rep["sessions"][0], "s")
                if ln.startswith("250")]
        keywords = [ln[4:].split()[0] for ln in ehlo[1:]]
        self.assertNotIn("PIPELINING", keywords)
        self.assertNotIn("CHUNKING", keywords)
        self.assertEqual(len(r.rep["messages"]), 1)
        self.assertNotIn("smtp.pipelining.not-advertised",
                         [f["rule"] for f in r.rep["findings"]])
        # A client that pipelines regardless is flagged.
        r = Run(lib("no-pipelining"), "python3 " + shlex.quote(os.path.join(
            HERE, "test_scenarios.py")) + " pipeline").wait()
        self.assertIsNotNone(r.rep, r.show())
        self.assertIn("smtp.pipelining.not-advertised",
                      [f["rule"] for f in r.rep["findings"]], r.show())

    def test_starttls_broken_swaks_curl_smtplib(self):
        r = self.run_lib("starttls-broken", SWAKS + " --to a@example.test"
                         " -tls; echo swaks=$?; curl -sS \"smtp://"
                         "$MAILRIG_HOST:$MAILRIG_SMTP_PORT\" --ssl-reqd "
                         "--cacert \"$MAILRIG_CA_CERT\" --mail-from "
                         "a@example.test --mail-rcpt b@example.test -T "
                         "/etc/hostname; echo curl=$?; " + PY_SEND +
                         " 10 a@example.test --starttls")
        self.assertIn("<-  220 Ready to start TLS", r.stdout)
        self.assertNotEqual(r.marker("swaks"), "0", r.show())
        # CURLE_SSL_CONNECT_ERROR.
        self.assertEqual(r.marker("curl"), "35", r.show())
        self.assertRegex(r.marker("exc"), "^(SSL[A-Za-z]*Error|"
                         "ConnectionResetError|SMTPServerDisconnected)",
                         r.show())
        self.assertFaults(r, [(1, 0, "tls"), (2, 0, "tls"), (3, 0, "tls")])
        for s in r.rep["sessions"]:
            self.assertEqual(s["outcome"], "fault: tls-fail")
            self.assertEqual(events(s, "tls-start"), [])
            self.assertFalse(s["tls"])
            # Nothing in plaintext after the failed upgrade.
            self.assertEqual(lines(s, "c")[-1], "STARTTLS")
        self.assertEqual(r.rep["messages"], [])

    def test_starttls_required_swaks(self):
        r = self.run_lib("starttls-required", SWAKS + " --to "
                         "a@example.test; echo plain=$?; " + SWAKS +
                         " --to a@example.test -tls; echo tls=$?")
        self.assertIn("<** 530 5.7.0", r.stdout)
        self.assertEqual(r.marker("plain"), "23", r.show())
        self.assertEqual(r.marker("tls"), "0", r.show())
        self.assertEqual(faults(r.rep), [])
        self.assertTrue(expectation(r.rep, "messages.match[0].tls")
                        ["passed"])
        self.assertEqual([m["session"] for m in r.rep["messages"]], [2])

    def test_auth_required_swaks(self):
        sub = 'swaks --server "$MAILRIG_HOST:$MAILRIG_SUBMISSION_PORT"'
        r = self.run_lib("auth-required", sub + " --to b@example.test "
                         "--auth PLAIN --auth-user alice --auth-password "
                         "secret; echo notls=$?; " + sub + " --to "
                         "b@example.test -tls --auth PLAIN --auth-user "
                         "alice --auth-password wrong; echo wrong=$?; " +
                         sub + " --to b@example.test -tls --auth PLAIN "
                         "--auth-user alice --auth-password secret; "
                         "echo good=$?")
        # No AUTH is offered before TLS: credentials never leave in clear.
        self.assertEqual(r.marker("notls"), "28", r.show())
        self.assertEqual(r.marker("wrong"), "28", r.show())
        self.assertEqual(r.marker("good"), "0", r.show())
        s1 = self.session(r, 1)
        self.assertFalse(any(ln.startswith("AUTH") for ln in
                             lines(s1, "c")), r.show())
        self.assertTrue(expectation(r.rep, "messages.match[0].auth")
                        ["passed"])
        self.assertEqual(r.rep["messages"][0]["auth_user"], "alice")

    def test_auth_failure_swaks(self):
        sub = 'swaks --server "$MAILRIG_HOST:$MAILRIG_SUBMISSION_PORT"'
        r = self.run_lib("auth-failure", sub + " --to b@example.test -tls "
                         "--auth PLAIN --auth-user alice --auth-password "
                         "x; echo swaks=$?")
        self.assertIn("<~* 535 5.7.8 Authentication credentials invalid",
                      r.stdout)
        self.assertEqual(r.marker("swaks"), "28", r.show())
        self.assertFaults(r, [(1, 0, "command AUTH")])
        self.assertTrue(expectation(r.rep, "client.commands_not_used")
                        ["passed"])
        self.assertEqual(r.rep["messages"], [])

    def test_catch_all_every_protocol(self):
        r = self.run_lib("catch-all", SWAKS + " --to bob@example.test; "
                         "echo swaks=$?; curl -sS \"pop3://bob:any@"
                         "$MAILRIG_HOST:$MAILRIG_POP3_PORT/\"; "
                         "echo pop3=$?; curl -sS \"imap://bob:any@"
                         "$MAILRIG_HOST:$MAILRIG_IMAP_PORT/INBOX\" -X "
                         "'EXAMINE INBOX'; echo imap=$?")
        self.assertEqual(r.marker("swaks"), "0", r.show())
        self.assertEqual(r.marker("pop3"), "0", r.show())
        self.assertEqual(r.marker("imap"), "0", r.show())
        self.assertEqual(faults(r.rep), [])
        self.assertEqual([s["protocol"] for s in r.rep["sessions"]],
                         ["smtp", "pop3", "imap"])
        self.assertEqual(len(r.rep["messages"]), 1)


EXACT_CAPS = """\
name: exactly PIPELINING
servers:
  smtp:
    tls: none
    capabilities: [PIPELINING]
"""


class ExactCapabilitiesTest(ScenarioCase):
    def test_only_listed_keywords_help_refused(self):
        """A scenario's capabilities are the whole EHLO list: HELP and
        VRFY are left out and refused with 502 (RFC 5321 4.2.4)."""
        os.makedirs(mrlib.OUT, exist_ok=True)
        fd, path = tempfile.mkstemp(prefix="caps-", suffix=".yaml",
                                    dir=mrlib.OUT)
        with os.fdopen(fd, "w") as f:
            f.write(EXACT_CAPS)
        r = Run(path, "python3 " + shlex.quote(os.path.abspath(__file__))
                + " ehlo-help").wait()
        self.assertEqual(r.cp.returncode, 0, r.show())
        ehlo = r.marker("ehlo").split("|")
        self.assertEqual(len(ehlo), 2, r.show())
        self.assertTrue(ehlo[0].startswith("250-"), r.show())
        self.assertEqual(ehlo[1], "250 PIPELINING", r.show())
        self.assertRegex(r.marker("help"), r"^502 ", r.show())
        self.assertRegex(r.marker("vrfy"), r"^502 ", r.show())
        self.assertRegex(r.marker("quit"), r"^221 ", r.show())
        self.assertEqual(faults(r.rep), [])
        s1 = self.session(r, 1)
        self.assertEqual([ln[4:] for ln in lines(s1, "s")
                          if ln.startswith("250")][1:], ["PIPELINING"])


# A small smtplib client used by several tests: SIZE BODYLEN RCPT...
# [--starttls]; prints "refused=..." or "exc=NAME CODE TEXT".
PY_SEND = "python3 " + shlex.quote(os.path.abspath(__file__)) + " send"


def client_send(args):
    import smtplib
    import ssl
    starttls = "--starttls" in args
    args = [a for a in args if a != "--starttls"]
    size, rcpts = int(args[0]), args[1:]
    body = ("From: <a@example.test>\r\nTo: <%s>\r\nSubject: size %d\r\n"
            "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n\r\n%s\r\n" % (
                rcpts[0], size, "x" * size)).encode()
    try:
        s = smtplib.SMTP(os.environ["MAILRIG_HOST"],
                         int(os.environ["MAILRIG_SMTP_PORT"]),
                         local_hostname="client.test", timeout=30)
        if starttls:
            s.starttls(context=ssl.create_default_context(
                cafile=os.environ["MAILRIG_CA_CERT"]))
        print("refused=%r" % (s.sendmail("a@example.test", rcpts, body),))
        s.quit()
    except (smtplib.SMTPException, OSError) as e:
        code = getattr(e, "smtp_code", "")
        text = getattr(e, "smtp_error", b"")
        print("exc=%s %s %s" % (type(e).__name__, code,
                                text.decode() if text else e))


def client_pipeline():
    """Pipelines MAIL, RCPT and DATA although PIPELINING is not
    advertised; reads each reply so that the session ends cleanly."""
    import socket
    s = socket.create_connection((os.environ["MAILRIG_HOST"],
                                  int(os.environ["MAILRIG_SMTP_PORT"])),
                                 timeout=30)
    f = s.makefile("rb")

    def reply():
        for _ in range(100):
            ln = f.readline()
            if ln[3:4] != b"-":
                return ln
        raise SystemExit("reply too long")
    reply()
    s.sendall(b"EHLO pipe.test\r\n")
    reply()
    s.sendall(b"MAIL FROM:<p@example.test>\r\nRCPT TO:<q@example.test>\r\n"
              b"DATA\r\n")
    print([reply() for _ in range(3)])
    s.sendall(b"From: <p@example.test>\r\nDate: Mon, 01 Jan 2024 10:00:00 "
              b"+0000\r\nSubject: p\r\n\r\nhi\r\n.\r\n")
    print(reply())
    s.sendall(b"QUIT\r\n")
    print(reply())


def client_ehlo_help():
    """EHLO, HELP and VRFY on a raw socket; prints each reply, lines
    joined by "|"."""
    import socket
    s = socket.create_connection((os.environ["MAILRIG_HOST"],
                                  int(os.environ["MAILRIG_SMTP_PORT"])),
                                 timeout=30)
    f = s.makefile("rb")

    def reply():
        got = []
        for _ in range(100):
            ln = f.readline().decode().rstrip("\r\n")
            got.append(ln)
            if ln[3:4] != "-":
                return "|".join(got)
        raise SystemExit("reply too long")
    reply()
    for name, cmd in (("ehlo", b"EHLO help.test"), ("help", b"HELP"),
                      ("vrfy", b"VRFY a"), ("quit", b"QUIT")):
        s.sendall(cmd + b"\r\n")
        print("%s=%s" % (name, reply()))


class LibraryPopImapTest(ScenarioCase):
    def test_pop3_in_use_poplib_curl(self):
        r = self.run_lib("pop3-in-use", "python3 " + shlex.quote(
            os.path.abspath(__file__)) + " pop3-login; curl -sS \"pop3://"
            "alice:secret@$MAILRIG_HOST:$MAILRIG_POP3_PORT/1\"; "
            "echo curl=$?")
        self.assertEqual(r.marker("pass"), "error_proto b'-ERR [IN-USE] "
                         "Mailbox is locked by another session'", r.show())
        # CURLE_LOGIN_DENIED.
        self.assertEqual(r.marker("curl"), "67", r.show())
        self.assertFaults(r, [(1, 0, "command PASS"),
                              (2, 0, "command PASS")])

    def test_imap_flaky_fetch_imaplib(self):
        r = self.run_lib("imap-flaky-fetch", "python3 " + shlex.quote(
            os.path.abspath(__file__)) + " imap-flaky")
        self.assertRegex(r.marker("first"), r"^abort ", r.show())
        self.assertEqual(r.marker("flags"), "()", r.show())
        self.assertEqual(r.marker("second"), "complete", r.show())
        self.assertFaults(r, [(1, 0, "command FETCH")])
        s1 = self.session(r, 1)
        self.assertEqual(s1["outcome"], "fault: disconnect")
        # Less than the whole message left: the literal was cut.
        sent = sum(e.get("data", 0) for e in after_fault(s1)
                   if e.get("dir") == "s")
        sent += sum(len(e.get("line", "")) + 2 for e in after_fault(s1)
                    if e.get("dir") == "s")
        self.assertLess(sent, os.path.getsize(os.path.join(
            FIXTURES, "welcome.eml")), r.show())

    def test_imap_uidvalidity_change_imaplib(self):
        r = self.run_lib("imap-uidvalidity-change", "python3 " +
                         shlex.quote(os.path.abspath(__file__)) +
                         " imap-uidvalidity")
        first, second = r.marker("s1"), r.marker("s2")
        self.assertNotEqual(first, "99", r.show())
        self.assertEqual(second, "99", r.show())
        # The mailbox was really selected: UID FETCH works after it.
        self.assertEqual(r.marker("uids"), "[1, 2]", r.show())
        self.assertFaults(r, [(2, 0, "command SELECT")])

    def test_imap_expunge_while_selected_imaplib(self):
        r = self.run_lib("imap-expunge-while-selected", "python3 " +
                         shlex.quote(os.path.abspath(__file__)) +
                         " imap-expunge")
        self.assertEqual(r.marker("noop"), "[b'1']", r.show())
        self.assertEqual(r.marker("idle"), "* 1 EXPUNGE", r.show())
        # The rule holds the event back 1 s; generous lower bound.
        self.assertGreaterEqual(float(r.marker("idle_wait")), 0.5)
        self.assertEqual(r.marker("done"), "OK", r.show())
        self.assertFaults(r, [(1, 0, "command NOOP"), (1, 1, "idle")])


def client_pop3_login():
    import poplib
    p = poplib.POP3(os.environ["MAILRIG_HOST"],
                    int(os.environ["MAILRIG_POP3_PORT"]), timeout=30)
    p.user("alice")
    try:
        p.pass_("secret")
        print("pass=accepted")
    except poplib.error_proto as e:
        print("pass=error_proto %s" % e)
    p.quit()


def imap_login():
    m = imaplib.IMAP4(os.environ["MAILRIG_HOST"],
                      int(os.environ["MAILRIG_IMAP_PORT"]), timeout=30)
    m.login("alice", "secret")
    return m


def client_imap_flaky():
    with open(os.path.join(FIXTURES, "welcome.eml"), "rb") as f:
        want = f.read()
    m = imap_login()
    m.select("INBOX")
    try:
        m.fetch("1", "(BODY.PEEK[])")
        print("first=complete")
    except imaplib.IMAP4.abort as e:
        print("first=abort %s" % e)
    m = imap_login()
    m.select("INBOX")
    typ, d = m.fetch("1", "(FLAGS)")
    print("flags=%s" % re.search(rb"FLAGS \(([^)]*)\)", d[0]).group(0)[6:]
          .decode())
    typ, d = m.fetch("1", "(BODY.PEEK[])")
    print("second=%s" % ("complete" if typ == "OK" and d[0][1] == want
                         else "wrong: %r" % (d,)))
    m.logout()


def client_imap_uidvalidity():
    for n in (1, 2):
        m = imap_login()
        m.select("INBOX")
        print("s%d=%s" % (n, m.untagged_responses["UIDVALIDITY"][-1]
                          .decode()))
        if n == 2:
            typ, d = m.uid("SEARCH", "ALL")
            print("uids=%s" % [int(x) for x in d[0].split()])
        m.logout()


def client_imap_expunge():
    import time
    m = imap_login()
    m.select("INBOX")
    m.noop()
    print("noop=%s" % m.untagged_responses.get("EXPUNGE"))
    # IDLE by hand (imaplib of Python 3.11 has no idle()).
    tag = m._new_tag().decode()
    m.send(("%s IDLE\r\n" % tag).encode())
    cont = m.readline()
    if not cont.startswith(b"+"):
        raise SystemExit("no continuation: %r" % cont)
    t0 = time.monotonic()
    line = m.readline()
    print("idle_wait=%.3f" % (time.monotonic() - t0))
    print("idle=%s" % line.decode().rstrip("\r\n"))
    m.send(b"DONE\r\n")
    line = m.readline().decode().split()
    print("done=%s" % (line[1] if line[0] == tag else line))
    m.logout()


class SlowLibraryTest(ScenarioCase):
    """Slow greeting, slow DATA and POP3 slow RETR, run in parallel."""

    runs = {}

    @classmethod
    def setUpClass(cls):
        cls.runs = {}
        try:
            cls.runs["greeting"] = Run(lib("slow-greeting"), SWAKS +
                                       " --to a@example.test")
            cls.runs["data"] = Run(lib("slow-data"), SWAKS + " --to "
                                   "a@example.test --timeout 60")
            cls.runs["retr"] = Run(lib("pop3-slow-retr"), "curl -sS "
                                   "--max-time 60 \"pop3://alice:secret@"
                                   "$MAILRIG_HOST:$MAILRIG_POP3_PORT/1\"")
        except AssertionError:
            pass

    @classmethod
    def tearDownClass(cls):
        for r in cls.runs.values():
            if r.proc.poll() is None:
                r.proc.kill()
                r.proc.communicate()

    def get(self, what, name):
        r = self.runs.get(what)
        self.assertIsNotNone(r, "MAILRIG is not set")
        r.wait()
        self.assertEqual(r.cp.returncode, 0, r.show())
        self.assertEqual(r.rep["result"], "pass", r.show())
        return r

    def test_slow_greeting_swaks(self):
        r = self.get("greeting", "slow-greeting")
        self.assertFaults(r, [(1, 0, "greeting")], "slow-greeting")
        s = r.rep["sessions"][0]
        greet = [e for e in s["transcript"] if e.get("dir") == "s"][0]
        self.assertTrue(greet["line"].startswith("220 "))
        # Asked for 10 s; a generous lower bound only.
        self.assertGreaterEqual(greet["t_ms"], 9000, r.show())
        self.assertEqual(len(r.rep["messages"]), 1)

    def test_slow_data_swaks(self):
        r = self.get("data", "slow-data")
        self.assertFaults(r, [(1, 0, "data")], "slow-data")
        s = r.rep["sessions"][0]
        t = s["transcript"]
        dot = [e for e in t if e.get("dir") == "c" and
               e.get("line") == "."][0]
        ok = [e for e in t if e.get("dir") == "s" and
              e.get("line", "").startswith("250 2.0.0")][0]
        self.assertGreaterEqual(ok["t_ms"] - dot["t_ms"], 18000, r.show())
        self.assertEqual(len(r.rep["messages"]), 1)
        self.assertEqual(r.stdout.count(" -> DATA"), 1, "sent twice")

    def test_pop3_slow_retr_curl(self):
        r = self.get("retr", "pop3-slow-retr")
        self.assertFaults(r, [(1, 0, "command RETR")], "pop3-slow-retr")
        with open(os.path.join(FIXTURES, "welcome.eml"), "rb") as f:
            want = f.read().replace(b"\r\n", b"\n")
        self.assertEqual(r.stdout.encode().replace(b"\r\n", b"\n"), want)
        s = r.rep["sessions"][0]
        t = s["transcript"]
        i = [k for k, e in enumerate(t) if e.get("line", "")
             .startswith("RETR")][0]
        last = [e for e in t[i:] if e.get("dir") == "s"][-1]
        # 2 s delay plus ~300 bytes at 200 B/s: at least 2 s.
        self.assertGreaterEqual(last["t_ms"] - t[i]["t_ms"], 2000,
                                r.show())


class LibraryCoverageTest(unittest.TestCase):
    def test_every_library_scenario_has_a_test(self):
        names = sorted(os.path.basename(p)[:-5] for p in
                       glob.glob(os.path.join(LIB, "*.yaml")))
        with open(os.path.abspath(__file__)) as f:
            text = f.read()
        missing = [n for n in names if '"%s"' % n not in text]
        self.assertEqual(missing, [])


CLIENTS = {
    "send": client_send,
    "pipeline": client_pipeline,
    "pop3-login": client_pop3_login,
    "imap-flaky": client_imap_flaky,
    "imap-uidvalidity": client_imap_uidvalidity,
    "imap-expunge": client_imap_expunge,
    "ehlo-help": client_ehlo_help,
}

if __name__ == "__main__":
    import sys
    fn = CLIENTS[sys.argv[1]]
    if sys.argv[1] == "send":
        fn(sys.argv[2:])
    else:
        fn()
