"""Helpers shared by the IMAP integration tests (test_imap_*.py): a base
class that knows mailrig's IMAP ports, delivers mail over SMTP and checks
it reached the maildir, logs in with imaplib, parses IMAP responses
(lists, quoted strings and literals, RFC 3501 9) and speaks raw IMAP over
a socket for the hostile-client tests.

This module holds no tests; run.py imports it because of its name.
"""

import base64
import collections
import imaplib
import os
import re
import selectors
import smtplib
import socket
import ssl
import time

import mrlib

# Commands imaplib 3.11 does not know; registering them lets
# _simple_command and uid() send them (RFC 6851 MOVE, RFC 2971 ID).
imaplib.Commands.setdefault("MOVE", ("SELECTED",))
imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))

PASSWORD = "pw-imap"


def crlf(text):
    """A message with CRLF line ends from text written with LF."""
    if isinstance(text, str):
        text = text.encode("utf-8")
    return text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def simple_message(sender, rcpt, subject, body="Hello.\n", date=None,
    extra_headers=""):
    """A small CRLF text message."""
    return crlf("From: <%s>\nTo: <%s>\nSubject: %s\n"
        "Date: %s\nMessage-ID: <%s.%d@client.test>\n%s"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n"
        "\n%s" % (sender, rcpt, subject,
        date or "Mon, 01 Jan 2024 10:00:00 +0000",
        re.sub(r"[^A-Za-z0-9]", "-", subject), os.getpid(),
        extra_headers, body))


# --- IMAP response parsing (RFC 3501 9, the server side of the grammar) ---

class Atom(str):
    """An atom (or NIL-less keyword, number, flag) as text."""


def _parse(buf, i, depth=0):
    """Parse one value at buf[i:]; returns (value, next index).  Lists
    become Python lists, quoted strings and literals bytes, NIL None,
    everything else an Atom (numbers too, as text)."""
    if depth > 64:
        raise ValueError("nesting too deep")
    n = len(buf)
    while i < n and buf[i:i + 1] in (b" ", b"\r", b"\n"):
        i += 1
    if i >= n:
        raise ValueError("value expected at end")
    c = buf[i:i + 1]
    if c == b"(":
        out = []
        i += 1
        for _ in range(100000):
            while i < n and buf[i:i + 1] in (b" ", b"\r", b"\n"):
                i += 1
            if i >= n:
                raise ValueError("unterminated list")
            if buf[i:i + 1] == b")":
                return out, i + 1
            v, i = _parse(buf, i, depth + 1)
            out.append(v)
        raise ValueError("list too long")
    if c == b'"':
        out = bytearray()
        i += 1
        while i < n:
            ch = buf[i:i + 1]
            if ch == b"\\" and i + 1 < n:
                out += buf[i + 1:i + 2]
                i += 2
                continue
            if ch == b'"':
                return bytes(out), i + 1
            out += ch
            i += 1
        raise ValueError("unterminated quoted string")
    if c == b"{":
        m = re.compile(rb"\{(\d+)\+?\}\r\n").match(buf, i)
        if not m:
            raise ValueError("bad literal at %r" % buf[i:i + 20])
        size = int(m.group(1))
        start = m.end()
        if start + size > n:
            raise ValueError("literal runs past the data")
        return buf[start:start + size], start + size
    # An atom; a section spec "[...]" may hold spaces and parentheses,
    # and a partial "<n>" may follow it (BODY[HEADER.FIELDS (A B)]<0>).
    j = i
    while j < n:
        ch = buf[j:j + 1]
        if ch == b"[":
            k = buf.find(b"]", j)
            if k < 0:
                raise ValueError("unterminated section")
            j = k + 1
            continue
        if ch in (b" ", b"(", b")", b"\r", b"\n", b'"', b"{"):
            break
        j += 1
    word = buf[i:j].decode("utf-8", "replace")
    if word.upper() == "NIL":
        return None, j
    return Atom(word), j


def parse_values(buf):
    """Every top-level value in buf."""
    out = []
    i = 0
    for _ in range(1000000):
        while i < len(buf) and buf[i:i + 1] in (b" ", b"\r", b"\n"):
            i += 1
        if i >= len(buf):
            return out
        v, i = _parse(buf, i)
        out.append(v)
    raise ValueError("too many values")


def imaplib_bytes(data):
    """Rebuild the wire text of imaplib's response data (a list of bytes
    and (head, literal) tuples) so that parse_values reads it."""
    out = b""
    for d in data:
        if d is None:
            continue
        if isinstance(d, tuple):
            out += d[0] + b"\r\n" + d[1]
        else:
            out += b" " + d
    return out


def pairs(lst):
    """A FETCH attribute list (name value name value ...) as a dict with
    upper-case names."""
    if len(lst) % 2:
        raise ValueError("odd FETCH list: %r" % (lst,))
    return {str(lst[k]).upper(): lst[k + 1] for k in range(0, len(lst), 2)}


def fetch_map(data):
    """imaplib FETCH data -> {seq: {ITEM: value}}; repeated responses for
    one message are merged."""
    vals = parse_values(imaplib_bytes(data))
    if len(vals) % 2:
        raise ValueError("FETCH data is not seq (list) pairs: %r" % vals)
    out = {}
    for k in range(0, len(vals), 2):
        seq = int(vals[k])
        out.setdefault(seq, {}).update(pairs(vals[k + 1]))
    return out


def numbers(data):
    """SEARCH data (a list of one bytes of space-separated numbers)."""
    out = []
    for d in data:
        if d:
            out += [int(x) for x in d.split()]
    return out


def code_of(text):
    """The response code of a status text: b"[APPENDUID 3 7] done" ->
    ["APPENDUID", "3", "7"]."""
    if isinstance(text, list):
        text = text[-1] if text else b""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    m = re.match(r"\s*\[([^\]]*)\]", text or "")
    return m.group(1).split() if m else []


def mutf7(name):
    """Encode a mailbox name in modified UTF-7 (RFC 3501 5.1.3)."""
    out = []
    run = []

    def flush():
        if run:
            raw = "".join(run).encode("utf-16-be")
            b = base64.b64encode(raw).decode().rstrip("=")
            out.append("&" + b.replace("/", ",") + "-")
            run.clear()
    for ch in name:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


# --- raw IMAP over a socket ---

class RawImap:
    """IMAP over a plain or TLS socket, reading responses with their
    literals; every read is bounded by the socket timeout."""

    def __init__(self, host, port, ctx=None, timeout=None):
        s = socket.create_connection((host, port),
            timeout=timeout or mrlib.IO_TIMEOUT)
        if ctx is not None:
            s = ctx.wrap_socket(s, server_hostname="localhost")
        self.sock = s
        self.buf = b""
        self.tagn = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def readline(self, limit=1 << 20):
        """One line with CRLF; b"" at EOF."""
        for _ in range(1000000):
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i + 2], self.buf[i + 2:]
                return line
            if len(self.buf) > limit:
                raise AssertionError("line over %d bytes" % limit)
            if not self._fill():
                line, self.buf = self.buf, b""
                return line
        raise AssertionError("readline: too many reads")

    def response(self):
        """One whole response: a line and the literals it announces,
        joined as on the wire; b"" at EOF."""
        out = b""
        for _ in range(10000):
            line = self.readline()
            if not line:
                if out:
                    raise AssertionError("EOF inside %r" % out[:200])
                return b""
            out += line
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if not m:
                return out
            size = int(m.group(1))
            for _ in range(1000000):
                if len(self.buf) >= size or not self._fill():
                    break
            if len(self.buf) < size:
                raise AssertionError("EOF inside a literal")
            out += self.buf[:size]
            self.buf = self.buf[size:]
        raise AssertionError("response with too many literals")

    def greeting(self):
        return self.response()

    def tag(self):
        self.tagn += 1
        return "t%d" % self.tagn

    def cmd(self, line, tag=None):
        """Send "TAG line", read to the tagged response.  Returns
        (status, tagged line, [untagged responses]) with status "OK",
        "NO", "BAD", or None at EOF (untagged then holds what came,
        a BYE included)."""
        tag = tag or self.tag()
        self.send("%s %s\r\n" % (tag, line) if isinstance(line, str)
            else tag.encode() + b" " + line + b"\r\n")
        return self.until_tagged(tag)

    def until_tagged(self, tag):
        untagged = []
        for _ in range(100000):
            r = self.response()
            if not r:
                return None, b"", untagged
            if r.startswith(tag.encode() + b" "):
                word = r[len(tag) + 1:].split(b" ", 1)[0].rstrip(b"\r\n")
                return word.decode("ascii", "replace").upper(), r, \
                    untagged
            untagged.append(r)
        raise AssertionError("too many untagged responses")

    def at_eof(self, timeout=None):
        """True when the peer closes within timeout; anything still
        unread is returned to the caller through self.buf."""
        self.sock.settimeout(timeout or mrlib.IO_TIMEOUT)
        try:
            for _ in range(100000):
                if not self._fill():
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except (socket.timeout, ssl.SSLError):
            return False
        return False


# --- the base class ---

class ImapCase(mrlib.Case):
    """mrlib.Case with the IMAP ports, SMTP delivery and imaplib
    log-ins."""

    @property
    def imap_port(self):
        return int(self.server.info["imap"])

    @property
    def imaps_port(self):
        return int(self.server.info["imaps"])

    def user(self, tag="u"):
        """A login of its own for this test: a full address, so its
        INBOX gets exactly the mail sent to that address."""
        return self.addr(tag)

    def stored(self, addr):
        """Contents of the files --maildir holds for addr (new/ and
        cur/: a flag change may move a file)."""
        base = os.path.join(self.server.maildir, mrlib.maildir_name(addr))
        out = []
        for sub in ("new", "cur"):
            try:
                names = sorted(os.listdir(os.path.join(base, sub)))
            except FileNotFoundError:
                continue
            for nm in names:
                try:
                    with open(os.path.join(base, sub, nm), "rb") as f:
                        out.append(f.read())
                except FileNotFoundError:
                    pass  # renamed between listdir and open
        return out

    def deliver(self, rcpt, bodies, sender=None):
        """Send each body to rcpt over SMTP (one session), then wait
        until --maildir holds every one byte for byte.  Returns the
        bodies."""
        if isinstance(bodies, bytes):
            bodies = [bodies]
        sender = sender or "sender@client.test"
        c = smtplib.SMTP(self.server.host, self.server.smtp,
            local_hostname="client.test", timeout=mrlib.IO_TIMEOUT)
        try:
            for b in bodies:
                refused = c.sendmail(sender, [rcpt], b)
                self.assertEqual(refused, {})
            c.quit()
        finally:
            c.close()
        # The recipient's Maildir is also the INBOX of a user of that
        # name, so IMAP may have added, moved or removed other files:
        # look for these bodies only.
        want = collections.Counter(bodies)
        deadline = time.monotonic() + mrlib.FILE_TIMEOUT
        missing = want
        for _ in range(int(mrlib.FILE_TIMEOUT / mrlib.POLL) + 1):
            got = collections.Counter(self.stored(rcpt))
            missing = {b: n for b, n in want.items() if got[b] < n}
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(mrlib.POLL)
        self.assertFalse(missing, "maildir of %s lacks %d of the %d "
            "messages SMTP accepted, byte for byte" % (rcpt,
            sum(missing.values()), len(bodies)))
        return bodies

    def deliver_n(self, rcpt, n, subject="msg"):
        bodies = [simple_message("sender@client.test", rcpt,
            "%s %d" % (subject, i), "Body of message %d.\n" % i)
            for i in range(1, n + 1)]
        return self.deliver(rcpt, bodies)

    def connect(self, tls=None, port=None):
        """imaplib on the STARTTLS port (tls=None: plain, "starttls")
        or the implicit-TLS port (tls="imaps")."""
        if tls == "imaps":
            m = imaplib.IMAP4_SSL(self.server.host, port or
                self.imaps_port, ssl_context=mrlib.client_context(
                self.server.ca), timeout=mrlib.IO_TIMEOUT)
        else:
            m = imaplib.IMAP4(self.server.host, port or self.imap_port,
                timeout=mrlib.IO_TIMEOUT)
            if tls == "starttls":
                m.starttls(ssl_context=mrlib.client_context(
                    self.server.ca))
        self.addCleanup(self._shut, m)
        return m

    def login(self, user, password=PASSWORD, tls=None):
        m = self.connect(tls)
        typ, data = m.login(user, password)
        self.assertEqual(typ, "OK", data)
        return m

    @staticmethod
    def _shut(m):
        try:
            if m.state != "LOGOUT":
                m.logout()
        except (imaplib.IMAP4.error, OSError, EOFError):
            pass
        try:
            m.shutdown()
        except (OSError, AttributeError):
            pass

    def ok(self, res, what=""):
        """Assert an imaplib (typ, data) is OK; returns data."""
        typ, data = res
        self.assertEqual(typ, "OK", "%s: %r" % (what, data))
        return data

    def raw(self, tls=None):
        """A RawImap past the greeting."""
        ctx = mrlib.client_context(self.server.ca) if tls else None
        port = self.imaps_port if tls else self.imap_port
        c = RawImap(self.server.host, port, ctx)
        self.addCleanup(c.close)
        g = c.greeting()
        self.assertTrue(g.startswith(b"* OK"), g)
        return c

    def raw_login(self, user, tls=None):
        c = self.raw(tls)
        st, line, _ = c.cmd('LOGIN "%s" "%s"' % (user, PASSWORD))
        self.assertEqual(st, "OK", line)
        return c

    def wait_lines(self, proc_out, pred, what, timeout=None):
        """Read lines from a child's stdout until pred(line) holds;
        bounded in time and count."""
        sel = selectors.DefaultSelector()
        sel.register(proc_out, selectors.EVENT_READ)
        deadline = time.monotonic() + (timeout or mrlib.IO_TIMEOUT)
        seen = []
        try:
            for _ in range(10000):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if not sel.select(left):
                    continue
                line = proc_out.readline()
                if not line:
                    break
                seen.append(line)
                if pred(line):
                    return line, seen
        finally:
            sel.close()
        self.fail("%s not seen; got %r" % (what, seen[-20:]))
