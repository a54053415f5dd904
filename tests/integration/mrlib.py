"""Shared helpers for the integration tests: start and stop `mailrig serve`,
find what it stored (maildir) and what it recorded (session captures), run
real clients with hard timeouts, and speak raw SMTP over a socket.

Every wait here is bounded in time and in count; nothing sleeps to
synchronise: we wait for the JSON port line, for a file to appear, or for a
reply.
"""

import json
import os
import re
import selectors
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
# One work directory per run, so parallel runs never share files.
OUT = os.path.join(HERE, "out", "run-%d" % os.getpid())
MAILRIG = os.environ.get("MAILRIG", "")
SANITIZED = os.environ.get("MAILRIG_SANITIZED", "") not in ("", "0")

# Sanitizer builds are several times slower; scale every bound with them.
SLOW = 4 if SANITIZED else 1
START_TIMEOUT = 15 * SLOW
STOP_TIMEOUT = 20 * SLOW
FILE_TIMEOUT = 15 * SLOW
IO_TIMEOUT = 20 * SLOW
TEST_TIMEOUT = 90 * SLOW
POLL = 0.02


class TestTimeout(Exception):
    """Raised by SIGALRM when a test overruns its hard timeout."""


def maildir_name(addr):
    """The folder mailrig files a recipient's copies under: lower-case,
    bytes outside [a-z0-9@._+=-] become '_', a leading '.' too."""
    out = []
    for b in addr.lower().encode("utf-8"):
        c = chr(b)
        if b < 0x80 and (c.isalnum() or c in "@._+=-"):
            out.append(c)
        else:
            out.append("_")
    name = "".join(out)
    if name.startswith("."):
        name = "_" + name[1:]
    return name


def unstuff(wire):
    """Message bytes from a DATA payload as sent on the wire: drop the
    final ".CRLF" and undo dot-stuffing (RFC 5321 4.5.2)."""
    if not wire.endswith(b"\r\n.\r\n"):
        raise ValueError("payload does not end in CRLF.CRLF")
    body = wire[:-3]
    return re.sub(rb"(?m)^\.", b"", body)


def params_of(p):
    """Normalise a capture "params" value (string, list or object) to a
    list of upper-cased "KEY" or "KEY=VALUE" words."""
    if p is None:
        return []
    if isinstance(p, str):
        words = p.split()
    elif isinstance(p, dict):
        words = [k if v in (None, True, "") else "%s=%s" % (k, v)
            for k, v in p.items()]
    else:
        words = [str(w) for w in p]
    out = []
    for w in words:
        k, eq, v = w.partition("=")
        out.append(k.upper() + eq + v)
    return out


def need_tool(tc, name):
    """A missing client is a failure that says what to install."""
    path = shutil.which(name)
    if path is None:
        tc.fail("%s not found in PATH: run `make deps-test` "
            "(tests/deps.sh test) to install it" % name)
    return path


def run_client(tc, argv, input=None, timeout=None, env=None):
    """Run a client; returns CompletedProcess with bytes output."""
    need_tool(tc, argv[0])
    try:
        return subprocess.run(argv, input=input, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, timeout=timeout or IO_TIMEOUT * 3,
            env=env, stdin=None if input is not None else
            subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        tc.fail("%s timed out after %ss; stdout:\n%s\nstderr:\n%s" % (
            argv[0], e.timeout, (e.stdout or b"").decode("utf-8",
            "replace")[-3000:], (e.stderr or b"").decode("utf-8",
            "replace")[-3000:]))


def show(cp):
    """Tail of a client's output for an assertion message."""
    return "exit %d\nstdout:\n%s\nstderr:\n%s" % (cp.returncode,
        cp.stdout.decode("utf-8", "replace")[-4000:],
        cp.stderr.decode("utf-8", "replace")[-4000:])


class Server:
    """One `mailrig serve --free-ports` with its own maildir, capture
    directory and CA file."""

    def __init__(self, *args, name="mailrig"):
        self.args = list(args)
        self.name = name
        self.proc = None
        self.info = None
        os.makedirs(OUT, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix=name + "-", dir=OUT)
        self.maildir = os.path.join(self.dir, "maildir")
        self.capdir = os.path.join(self.dir, "capture")
        self.ca = os.path.join(self.dir, "ca.pem")
        self.errpath = os.path.join(self.dir, "stderr.txt")

    def start(self):
        if not MAILRIG or not os.access(MAILRIG, os.X_OK):
            raise AssertionError("MAILRIG=%r is not an executable; "
                "run `make integration`" % MAILRIG)
        argv = [MAILRIG, "serve", "--free-ports", "--maildir",
            self.maildir, "--capture-dir", self.capdir, "--ca-file",
            self.ca] + self.args
        # MAILRIG_SERVE_ARGS="-vv" logs every session into stderr.txt.
        argv += os.environ.get("MAILRIG_SERVE_ARGS", "").split()
        self.err = open(self.errpath, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=self.err)
        line = self._read_line(START_TIMEOUT)
        try:
            self.info = json.loads(line)
        except ValueError:
            self.kill()
            raise AssertionError("mailrig printed %r, not a JSON "
                "port line; stderr:\n%s" % (line, self.stderr()))
        for k in ("host", "smtp", "submission", "smtps"):
            if k not in self.info:
                self.kill()
                raise AssertionError("port line %r has no %r" %
                    (line, k))
        if self.info["host"] != "127.0.0.1":
            self.kill()
            raise AssertionError("mailrig bound %r, not 127.0.0.1" %
                self.info["host"])
        self.host = self.info["host"]
        self.smtp = int(self.info["smtp"])
        self.submission = int(self.info["submission"])
        self.smtps = int(self.info["smtps"])
        if self.info.get("ca_cert"):
            self.ca = self.info["ca_cert"]
        return self

    def _read_line(self, timeout):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        fd = self.proc.stdout.fileno()
        data = b""
        deadline = time.monotonic() + timeout
        try:
            while b"\n" not in data:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    raise AssertionError("no port line from "
                        "mailrig within %ss; stderr:\n%s" %
                        (timeout, self.stderr()))
                if not sel.select(left):
                    continue
                chunk = os.read(fd, 4096)
                if not chunk:
                    self.proc.wait(timeout=STOP_TIMEOUT)
                    raise AssertionError("mailrig exited %s "
                        "before its port line; stderr:\n%s" %
                        (self.proc.returncode, self.stderr()))
                data += chunk
                if len(data) > 65536:
                    self.kill()
                    raise AssertionError("port line too long")
        finally:
            sel.close()
        return data.split(b"\n", 1)[0].decode("utf-8", "replace")

    def stderr(self):
        try:
            with open(self.errpath, "rb") as f:
                return f.read().decode("utf-8", "replace")[-8000:]
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)

    def stop(self):
        """SIGTERM and wait; returns the exit status (None if it had to
        be killed)."""
        if self.proc is None:
            return None
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        self.proc.stdout.close()
        self.err.close()
        return self.proc.returncode

    def stop_checked(self):
        """Stop and raise unless the exit was 0: under ASan a non-zero
        exit is a sanitizer report."""
        was_alive = self.alive()
        rc = self.stop()
        if rc != 0:
            raise AssertionError("mailrig %s: exit %s (%s) after "
                "SIGTERM; stderr:\n%s" % (self.name, rc, "was running"
                if was_alive else "had already exited",
                self.stderr()))

    def __enter__(self):
        return self.start()

    def __exit__(self, et, ev, tb):
        if et is None:
            self.stop_checked()
        else:
            self.stop()
        return False

    # what mailrig stored and recorded

    def maildir_files(self, addr):
        d = os.path.join(self.maildir, maildir_name(addr), "new")
        try:
            names = sorted(os.listdir(d))
        except FileNotFoundError:
            return []
        return [os.path.join(d, n) for n in names]

    def wait_maildir(self, addr, count=1):
        """Wait until addr has count files; returns their contents."""
        deadline = time.monotonic() + FILE_TIMEOUT
        files = []
        for _ in range(int(FILE_TIMEOUT / POLL) + 1):
            files = self.maildir_files(addr)
            if len(files) >= count or time.monotonic() > deadline:
                break
            time.sleep(POLL)
        if len(files) != count:
            raise AssertionError("maildir for %r holds %d files, want "
                "%d (%s)" % (addr, len(files), count,
                os.path.join(self.maildir, maildir_name(addr))))
        out = []
        for p in files:
            with open(p, "rb") as f:
                out.append(f.read())
        return out

    def sessions(self):
        out = []
        try:
            names = sorted(os.listdir(self.capdir))
        except FileNotFoundError:
            return out
        for n in names:
            if not (n.startswith("session-") and n.endswith(".json")):
                continue
            p = os.path.join(self.capdir, n)
            try:
                with open(p, "rb") as f:
                    text = f.read()
                s = json.loads(text)
            except (OSError, ValueError):
                continue  # still being written
            s["_path"] = p
            s["_text"] = text.decode("utf-8", "replace")
            out.append(s)
        return out

    def wait_session(self, pred, what):
        """Wait for the capture of a session that satisfies pred."""
        deadline = time.monotonic() + FILE_TIMEOUT
        for _ in range(int(FILE_TIMEOUT / POLL) + 1):
            found = [s for s in self.sessions() if pred(s)]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                break
            time.sleep(POLL)
        raise AssertionError("no capture of a session %s in %s" %
            (what, self.capdir))

    def session_of(self, sender):
        """The capture of the session whose message came from sender."""
        return self.wait_session(lambda s: any(m.get("from") == sender
            for m in s.get("messages", [])), "with a message from %r" %
            sender)

    def session_saying(self, text):
        """The capture of a session whose client sent a line holding
        text (for sessions that stored no message)."""
        def pred(s):
            return any(e.get("dir") == "c" and text in
                e.get("line", "") for e in s.get("transcript", []))
        return self.wait_session(pred, "whose client said %r" % text)


def client_context(ca):
    """A TLS client context that verifies mailrig's certificate."""
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


class Smtp:
    """Raw SMTP over a socket, for the bad-input tests."""

    def __init__(self, host, port, timeout=None):
        self.sock = socket.create_connection((host, port),
            timeout=timeout or IO_TIMEOUT)
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def readline(self, limit=70000):
        """One line with its CRLF; b"" at EOF."""
        for _ in range(100000):
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = self.buf[:i + 1], self.buf[i + 1:]
                return line
            if len(self.buf) > limit:
                raise AssertionError("reply line over %d bytes" %
                    limit)
            chunk = self.sock.recv(65536)
            if not chunk:
                line, self.buf = self.buf, b""
                return line
            self.buf += chunk
        raise AssertionError("readline: too many reads")

    def reply(self):
        """(code, [lines]) of one possibly multi-line reply; (None, [])
        at EOF."""
        lines = []
        for _ in range(1000):
            raw = self.readline()
            if not raw:
                if lines:
                    raise AssertionError("EOF inside reply %r"
                        % lines)
                return None, []
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if len(line) < 3 or not line[:3].isdigit():
                raise AssertionError("not a reply line: %r" %
                    line)
            lines.append(line)
            if len(line) == 3 or line[3] == " ":
                return int(line[:3]), lines
        raise AssertionError("reply of over 1000 lines")

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def at_eof(self, timeout=None):
        """True when the peer closes within timeout, with nothing more
        (or only reset) to read."""
        self.sock.settimeout(timeout or IO_TIMEOUT)
        try:
            for _ in range(10000):
                if self.buf:
                    return False
                chunk = self.sock.recv(4096)
                if not chunk:
                    return True
                self.buf += chunk
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
        return False


class Case(unittest.TestCase):
    """Base class: one mailrig per class (server_args), a hard timeout per
    test, and a check after each test that the server is still up."""

    server_args = ()
    server = None
    timeout = TEST_TIMEOUT

    start_error = None

    @classmethod
    def setUpClass(cls):
        # A server that does not start fails each test of the class (in
        # setUp) rather than hiding them behind one class error.
        cls.start_error = None
        cls.server = Server(*cls.server_args, name=cls.__name__)
        try:
            cls.server.start()
        except AssertionError as e:
            cls.start_error = str(e)
            cls.server = None

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            server, cls.server = cls.server, None
            server.stop_checked()

    def setUp(self):
        if self.start_error is not None:
            self.fail("mailrig did not start: %s" % self.start_error)
        def expire(signum, frame):
            raise TestTimeout("hard timeout of %ss" % self.timeout)
        self._old = signal.signal(signal.SIGALRM, expire)
        signal.alarm(int(self.timeout))
        self._seq = 0

    def tearDown(self):
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self._old)
        if self.server is not None and not self.server.alive():
            self.fail("mailrig died during the test: exit %s; "
                "stderr:\n%s" % (self.server.proc.returncode,
                self.server.stderr()))

    def addr(self, tag, domain="example.test"):
        """An address unique to this test, so captures and maildir
        folders of different tests never mix."""
        self._seq += 1
        base = self._testMethodName.replace("test_", "").replace("_",
            "-")
        return "%s-%s%d@%s" % (base, tag, self._seq, domain)

    def assertBytes(self, got, want, what="stored message"):
        """Byte equality that reports the first difference instead of
        dumping megabytes."""
        if got == want:
            return
        n = min(len(got), len(want))
        i = next((k for k in range(n) if got[k] != want[k]), n)
        self.fail("%s differs: %d bytes, want %d; first difference at "
            "%d: got %r, want %r" % (what, len(got), len(want), i,
            got[max(0, i - 40):i + 40], want[max(0, i - 40):i + 40]))

    def assertDelivered(self, sender, rcpts, body, tls=None, auth=None,
        port_name=None):
        """Each distinct recipient has exactly body in its maildir, and
        the capture's envelope is sender -> rcpts.  Returns the
        session and the message entry."""
        for r in dict.fromkeys(r.lower() for r in rcpts):
            got = self.server.wait_maildir(r, 1)[0]
            self.assertBytes(got, body, "maildir copy for %s" % r)
        s = self.server.session_of(sender)
        msgs = [m for m in s["messages"] if m.get("from") == sender]
        self.assertEqual(len(msgs), 1, "messages from %s: %r" %
            (sender, msgs))
        m = msgs[0]
        self.assertEqual([r.get("addr") for r in m.get("rcpts", [])],
            list(rcpts), "envelope recipients")
        self.assertEqual(m.get("size"), len(body), "capture size")
        self.assertEqual(s.get("protocol"), "smtp")
        if tls is not None:
            self.assertIs(s.get("tls"), tls, "session tls")
            # A message's "tls" may name the version instead of true;
            # without TLS it is false or absent.
            if tls:
                self.assertTrue(m.get("tls"), "message tls")
            else:
                self.assertFalse(m.get("tls"), "message tls")
            if tls:
                self.assertTrue(s.get("tls_version", "")
                    .startswith("TLS"), s.get("tls_version"))
                self.assertTrue(s.get("tls_cipher"), "no cipher")
        if auth is not None:
            if auth:
                self.assertEqual(m.get("auth_user"), auth, "auth_user")
            else:
                self.assertIn(m.get("auth_user"), (None, ""), "auth_user")
        if port_name is not None:
            self.assertEqual(s.get("port_name"), port_name)
        return s, m

    def message(self, sender, rcpts, subject, extra=b""):
        """A small CRLF message with a line that needs dot-stuffing, a
        leading-dot line and 8-bit-free text."""
        hdr = ("From: <%s>\r\nTo: %s\r\nSubject: %s\r\n"
            "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
            "Message-ID: <%s.%d@client.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n" % (
            sender, ", ".join("<%s>" % r for r in rcpts), subject,
            subject.replace(" ", "-"), os.getpid()))
        body = ("Hello from %s.\r\n..two dots at the start\r\n"
            ".one dot\r\n \r\nlast line\r\n" % subject)
        return hdr.encode() + body.encode() + extra
