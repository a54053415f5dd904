"""The HTTP API over real HTTP (python's http.client and curl): Mailpit's
message endpoints with paging, search, read state, headers, raw source,
parts and deletes (seen by POP3 and IMAP), mailrig's sessions, findings,
report, scenario and waiting read, the server-sent event stream, the
bearer token, and bad input (unknown ids, bad queries, malformed HTTP).
Mail goes in with smtplib; every wait is bounded and nothing sleeps."""

import http.client
import imaplib
import json
import os
import poplib
import smtplib
import socket
import subprocess
import threading
import time
import urllib.parse
from email.message import EmailMessage

import mrlib


class ApiMixin:
    """HTTP helpers against the class's server."""

    token = None

    def http_port(self):
        return int(self.server.info["http"])

    def request(self, method, path, body=None, headers=None, timeout=None):
        """(status, headers dict, body bytes)."""
        conn = http.client.HTTPConnection(self.server.host,
            self.http_port(), timeout=timeout or mrlib.IO_TIMEOUT)
        h = dict(headers or {})
        if self.token is not None and "Authorization" not in h:
            h["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, \
                r.read()
        finally:
            conn.close()

    def get_json(self, path, want=200):
        st, h, body = self.request("GET", path)
        self.assertEqual(st, want, "%s: %r" % (path, body[:300]))
        self.assertTrue(h.get("content-type", "").startswith(
            "application/json"), h)
        return json.loads(body)

    def send(self, subject, to=None, attach=None, html=None, sender=None):
        """One message over SMTP; returns its unique subject."""
        m = EmailMessage()
        m["From"] = "Sender <%s>" % (sender or self.addr("from"))
        m["To"] = to or self.addr("to")
        m["Subject"] = subject
        m["Date"] = "Mon, 01 Jan 2024 10:00:00 +0000"
        m["Message-ID"] = "<%s@client.test>" % subject.replace(" ", ".")
        m.set_content("plain text of %s\n" % subject)
        if html is not None:
            m.add_alternative(html, subtype="html")
        if attach is not None:
            m.add_attachment(attach, maintype="application",
                subtype="octet-stream", filename="data.bin")
        with smtplib.SMTP(self.server.host, self.server.smtp,
                timeout=mrlib.IO_TIMEOUT) as s:
            s.send_message(m)
        return subject

    def search(self, query, **params):
        params["query"] = query
        return self.get_json("/api/v1/search?" +
            urllib.parse.urlencode(params))

    def find(self, subject):
        """The list item with this subject (exactly one)."""
        r = self.search('subject:"%s"' % subject)
        self.assertEqual(r["messages_count"], 1, r)
        return r["messages"][0]


class TestMessages(ApiMixin, mrlib.Case):
    """Mailpit's message endpoints on one shared server."""

    def test_health(self):
        for path in ("/livez", "/readyz"):
            st, h, body = self.request("GET", path)
            self.assertEqual((st, body), (200, b"ok"))

    def test_list_and_paging(self):
        tag = self.addr("page").split("@")[0]
        subjects = [self.send("%s n%d" % (tag, i)) for i in range(5)]
        r = self.get_json("/api/v1/messages?limit=1000")
        self.assertGreaterEqual(r["total"], 5)
        for k in ("total", "unread", "count", "messages_count",
                "messages_unread", "start", "tags", "messages"):
            self.assertIn(k, r)
        # Newest first; a page of 2 starting at 1 of the tag's search.
        page = self.search(tag, start=1, limit=2)
        self.assertEqual(page["messages_count"], 5)
        self.assertEqual(page["count"], 2)
        self.assertEqual(page["start"], 1)
        self.assertEqual([m["Subject"] for m in page["messages"]],
            [subjects[3], subjects[2]])
        last = self.search(tag, start=4, limit=2)
        self.assertEqual([m["Subject"] for m in last["messages"]],
            [subjects[0]])
        item = page["messages"][0]
        for k in ("ID", "MessageID", "Read", "From", "To", "Cc", "Bcc",
                "ReplyTo", "Subject", "Created", "Tags", "Size",
                "Attachments", "Snippet"):
            self.assertIn(k, item)
        self.assertIsInstance(item["ID"], str)
        self.assertFalse(item["Read"])
        self.assertEqual(item["Snippet"], "plain text of %s" % subjects[3])
        st, _, body = self.request("GET", "/api/v1/messages?limit=x")
        self.assertEqual(st, 400)
        self.assertIn("Error", json.loads(body))
        st, _, _ = self.request("GET", "/api/v1/messages?limit=100000")
        self.assertEqual(st, 400)

    def test_message_parts_headers_raw(self):
        subj = self.send(self.addr("msg").split("@")[0],
            attach=b"\x00\x01binary\xff", html="<p>Hi <b>there</b></p>")
        item = self.find(subj)
        mid = item["ID"]
        self.assertEqual(item["Attachments"], 1)
        m = self.get_json("/api/v1/message/" + mid)
        self.assertEqual(m["Subject"], subj)
        self.assertEqual(m["From"]["Name"], "Sender")
        self.assertTrue(m["Text"].startswith("plain text of"))
        self.assertIn("<b>there</b>", m["HTML"])
        self.assertEqual(m["Date"], "2024-01-01T10:00:00+00:00")
        self.assertEqual(len(m["Attachments"]), 1)
        att = m["Attachments"][0]
        self.assertEqual(att["FileName"], "data.bin")
        self.assertEqual(att["Size"], 9)
        # Fetching a message marks it read, as Mailpit does.
        self.assertTrue(self.find(subj)["Read"])
        st, h, body = self.request("GET", "/api/v1/message/%s/part/%s" %
            (mid, att["PartID"]))
        self.assertEqual((st, body), (200, b"\x00\x01binary\xff"))
        self.assertEqual(h["content-type"], "application/octet-stream")
        hdrs = self.get_json("/api/v1/message/%s/headers" % mid)
        self.assertEqual(hdrs["Subject"], [subj])
        self.assertIn("Content-Type", hdrs)
        st, h, raw = self.request("GET", "/api/v1/message/%s/raw" % mid)
        self.assertEqual(st, 200)
        self.assertTrue(h["content-type"].startswith("text/plain"))
        self.assertIn(b"Subject: " + subj.encode() + b"\r\n", raw)
        self.assertEqual(len(raw), m["Size"])
        # curl sees the same bytes.
        cp = mrlib.run_client(self, ["curl", "-sS", "--fail",
            "http://%s:%d/api/v1/message/%s/raw" % (self.server.host,
            self.http_port(), mid)])
        self.assertEqual(cp.stdout, raw)
        st, _, body = self.request("GET", "/view/%s.txt" % mid)
        self.assertEqual(body.decode(), m["Text"])

    def test_latest(self):
        subj = self.send(self.addr("latest").split("@")[0])
        m = self.get_json("/api/v1/message/latest")
        self.assertEqual(m["Subject"], subj)

    def test_not_found(self):
        for path in ("/api/v1/message/999999", "/api/v1/message/abc",
                "/api/v1/message/999999/raw", "/api/v1/sessions/999999",
                "/api/v1/nothing"):
            st, h, body = self.request("GET", path)
            self.assertEqual(st, 404, path)
            self.assertIn("Error", json.loads(body), path)
        subj = self.send(self.addr("nf").split("@")[0])
        mid = self.find(subj)["ID"]
        st, _, _ = self.request("GET", "/api/v1/message/%s/part/9" % mid)
        self.assertEqual(st, 404)
        st, _, _ = self.request("POST", "/api/v1/messages")
        self.assertEqual(st, 405)

    def test_search_words(self):
        tag = self.addr("srch").split("@")[0]
        a = self.send(tag + " alpha", to="x-%s@one.test" % tag)
        b = self.send(tag + " beta", to="y-%s@two.test" % tag,
            attach=b"zz")
        self.assertEqual([m["Subject"] for m in
            self.search(tag + " -beta")["messages"]], [a])
        self.assertEqual([m["Subject"] for m in
            self.search("to:two.test " + tag)["messages"]], [b])
        self.assertEqual([m["Subject"] for m in
            self.search(tag + " has:attachment")["messages"]], [b])
        self.assertEqual(self.search('subject:"%s alpha"' % tag)
            ["messages_count"], 1)
        self.assertEqual(self.search('subject:"alpha %s"' % tag)
            ["messages_count"], 0)
        self.assertEqual(self.search("message-id:<%s.beta@client.test>" %
            tag)["messages_count"], 1)
        self.assertEqual(self.search(tag + " after:2000-01-01 "
            "before:2999-01-01")["messages_count"], 2)
        for bad in ('"open', "is:sideways", "before:soon", "from:", ""):
            st, _, body = self.request("GET", "/api/v1/search?" +
                urllib.parse.urlencode({"query": bad}))
            self.assertEqual(st, 400, bad)
            self.assertTrue(json.loads(body)["Error"], bad)

    def test_read_unread(self):
        tag = self.addr("rd").split("@")[0]
        a = self.send(tag + " one")
        self.send(tag + " two")
        ida = self.find(a)["ID"]
        st, _, body = self.request("PUT", "/api/v1/messages",
            {"IDs": [ida], "Read": True})
        self.assertEqual((st, body), (200, b"ok"))
        self.assertEqual([m["Subject"] for m in
            self.search(tag + " is:read")["messages"]], [a])
        st, _, _ = self.request("PUT", "/api/v1/messages",
            {"Search": tag, "Read": True})
        self.assertEqual(self.search(tag + " is:unread")
            ["messages_count"], 0)
        st, _, _ = self.request("PUT", "/api/v1/messages",
            {"IDs": [ida], "Read": False})
        self.assertEqual(self.search(tag + " is:unread")
            ["messages_count"], 1)
        st, _, _ = self.request("PUT", "/api/v1/messages",
            {"IDs": "nope"})
        self.assertEqual(st, 400)
        st, _, _ = self.request("PUT", "/api/v1/messages", None,
            {"Content-Type": "application/json"})
        self.assertEqual(st, 200)

    def test_sessions_findings_report(self):
        subj = self.send(self.addr("ses").split("@")[0])
        item = self.find(subj)
        sid = item["SessionID"]
        self.assertGreater(sid, 0)
        ss = self.get_json("/api/v1/sessions?protocol=smtp&limit=1000")
        mine = [s for s in ss["sessions"] if s["id"] == sid]
        self.assertEqual(len(mine), 1, ss)
        self.assertEqual(mine[0]["messages"], [item["ID"]])
        self.assertEqual(self.get_json("/api/v1/sessions?protocol=imap")
            ["sessions"], [])
        st, _, _ = self.request("GET", "/api/v1/sessions?protocol=x")
        self.assertEqual(st, 400)
        t = self.get_json("/api/v1/sessions/%d" % sid)
        self.assertEqual(t["protocol"], "smtp")
        self.assertTrue(any(e.get("line", "").upper().startswith("MAIL FROM")
            for e in t["transcript"]))
        f = self.get_json("/api/v1/findings?message=" + item["ID"])
        self.assertEqual(f["total"], len(f["findings"]))
        self.assertEqual(f["findings"],
            self.get_json("/api/v1/findings?session=%d" % sid)["findings"])
        self.assertEqual(f["findings"], t.get("findings", []))
        st, _, _ = self.request("GET", "/api/v1/findings?message=999999")
        self.assertEqual(st, 404)
        rep = self.get_json("/api/v1/report")
        self.assertEqual(rep["tool"], "mailrig")
        self.assertIn(sid, [s["id"] for s in rep["sessions"]])
        st, _, body = self.request("GET", "/api/v1/scenario")
        self.assertEqual(st, 404)
        info = self.get_json("/api/v1/info")
        self.assertGreaterEqual(info["Messages"], 1)

    def test_wait(self):
        subj = self.addr("wait").split("@")[0]
        out = {}

        def waiter():
            out["r"] = self.request("GET", "/api/v1/wait?" +
                urllib.parse.urlencode({"query": 'subject:"%s"' % subj,
                "timeout": "60"}), timeout=90)

        th = threading.Thread(target=waiter)
        th.start()
        # Whether the request is parked yet or not, the answer is the
        # message: stored first, it is answered at once.
        self.send(subj)
        th.join(mrlib.IO_TIMEOUT * 3)
        self.assertFalse(th.is_alive(), "wait did not answer")
        st, h, body = out["r"]
        self.assertEqual(st, 200, body)
        self.assertEqual(json.loads(body)["Subject"], subj)
        st, _, body = self.request("GET", "/api/v1/wait?" +
            urllib.parse.urlencode({"query": "subject:never-sent-%s" %
            subj, "timeout": "1"}))
        self.assertEqual(st, 408)
        self.assertIn("Error", json.loads(body))
        st, _, _ = self.request("GET", "/api/v1/wait?timeout=121")
        self.assertEqual(st, 400)
        st, _, _ = self.request("GET", "/api/v1/wait?query=%22x")
        self.assertEqual(st, 400)

    def test_wait_parked(self):
        """The request is surely parked before the mail goes in: a
        session listing shows no message yet, and the server answers
        other requests while it waits (the loop is not blocked)."""
        subj = self.addr("park").split("@")[0]
        out = {}

        def waiter():
            out["r"] = self.request("GET", "/api/v1/wait?" +
                urllib.parse.urlencode({"query": subj, "timeout": "60"}),
                timeout=90)

        th = threading.Thread(target=waiter)
        th.start()
        deadline = time.monotonic() + mrlib.IO_TIMEOUT
        while time.monotonic() < deadline and "r" not in out:
            st, _, _ = self.request("GET", "/livez")
            self.assertEqual(st, 200)
            if self.get_json("/api/v1/info").get("Waiting", 0) > 0:
                break
        self.assertNotIn("r", out)
        self.send(subj)
        th.join(mrlib.IO_TIMEOUT * 3)
        self.assertEqual(out["r"][0], 200)

    def test_events(self):
        s = socket.create_connection((self.server.host, self.http_port()),
            timeout=mrlib.IO_TIMEOUT)
        try:
            s.sendall(b"GET /api/v1/events HTTP/1.0\r\nHost: x\r\n\r\n")
            buf = self.read_until(s, b"\n\n", b"")
            self.assertTrue(buf.startswith(b"HTTP/1.0 200") or
                buf.startswith(b"HTTP/1.1 200"), buf[:200])
            self.assertIn(b"text/event-stream", buf)
            subj = self.send(self.addr("ev").split("@")[0])
            buf = self.read_until(s, subj.encode(), buf)
            ev = self.event_data(buf, b"message", subj)
            self.assertEqual(ev["Subject"], subj)
            # The session's end follows its message.
            buf = self.read_until(s, b"event: session", buf)
        finally:
            s.close()

    def read_until(self, s, needle, buf, limit=1 << 20):
        """Bounded reads (size and time) until needle is in buf."""
        deadline = time.monotonic() + mrlib.IO_TIMEOUT
        while needle not in buf:
            self.assertLess(time.monotonic(), deadline, buf[-500:])
            self.assertLess(len(buf), limit)
            chunk = s.recv(65536)
            self.assertTrue(chunk, "stream closed: %r" % buf[-500:])
            buf += chunk
        return buf

    def event_data(self, buf, name, subj):
        for block in buf.split(b"\n\n"):
            lines = block.split(b"\n")
            if b"event: " + name in lines:
                data = [l[6:] for l in lines if l.startswith(b"data: ")]
                d = json.loads(data[0])
                if d.get("Subject") == subj:
                    return d
        self.fail("no %r event for %s in %r" % (name, subj, buf[-500:]))

    def test_malformed_http(self):
        for junk in (b"\x00\x01\x02 garbage\r\n\r\n",
                b"GET /livez HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 70000 +
                b"\r\n\r\n",
                b"PUT /api/v1/messages HTTP/1.1\r\nHost: x\r\n"
                b"Content-Length: 99999999\r\n\r\n",
                b"GET /api/v1/message/%ff%00/raw HTTP/1.1\r\nHost: x\r\n\r\n"):
            s = socket.create_connection((self.server.host,
                self.http_port()), timeout=mrlib.IO_TIMEOUT)
            got = b""
            try:
                # The server may answer and close before all is sent.
                try:
                    s.sendall(junk)
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                while len(got) < 1 << 20:
                    try:
                        c = s.recv(65536)
                    except ConnectionResetError:
                        c = b""
                    if not c:
                        break
                    got += c
                if got:
                    self.assertRegex(got[:12], rb"^HTTP/1\.[01] [45]\d\d",
                        junk[:40])
            finally:
                s.close()
        st, _, _ = self.request("GET", "/livez")
        self.assertEqual(st, 200)


class TestDelete(ApiMixin, mrlib.Case):
    """Deletes over HTTP are seen by POP3 and IMAP."""

    def pop3_count(self, user):
        p = poplib.POP3(self.server.host, int(self.server.info["pop3"]),
            timeout=mrlib.IO_TIMEOUT)
        try:
            p.user(user)
            p.pass_("x")
            return p.stat()[0]
        finally:
            p.quit()

    def imap_exists(self, user):
        m = imaplib.IMAP4(self.server.host, int(self.server.info["imap"]),
            timeout=mrlib.IO_TIMEOUT)
        try:
            m.login(user, "x")
            typ, data = m.select("INBOX")
            self.assertEqual(typ, "OK")
            return int(data[0])
        finally:
            m.logout()

    def test_delete_some_then_all(self):
        user = self.addr("u").split("@")[0]
        rcpt = user + "@example.test"
        subs = [self.send("%s m%d" % (user, i), to=rcpt) for i in range(3)]
        self.assertEqual(self.pop3_count(user), 3)
        self.assertEqual(self.imap_exists(user), 3)
        ids = [self.find(s)["ID"] for s in subs]
        st, _, body = self.request("DELETE", "/api/v1/messages",
            {"IDs": [ids[0]]})
        self.assertEqual((st, body), (200, b"ok"))
        self.assertEqual(self.pop3_count(user), 2)
        self.assertEqual(self.imap_exists(user), 2)
        st, _, _ = self.request("GET", "/api/v1/message/" + ids[0])
        self.assertEqual(st, 404)
        st, _, _ = self.request("DELETE", "/api/v1/search?" +
            urllib.parse.urlencode({"query": 'subject:"%s m1"' % user}))
        self.assertEqual(st, 200)
        self.assertEqual(self.pop3_count(user), 1)
        st, _, _ = self.request("DELETE", "/api/v1/messages")
        self.assertEqual(st, 200)
        self.assertEqual(self.get_json("/api/v1/messages")["total"], 0)
        self.assertEqual(self.pop3_count(user), 0)
        self.assertEqual(self.imap_exists(user), 0)
        info = self.get_json("/api/v1/info")
        self.assertEqual(info["Messages"], 0)
        self.assertEqual(info["RuntimeStats"]["MessagesDeleted"], 3)


class TestToken(ApiMixin, mrlib.Case):
    """--api-token: every request needs the bearer token."""

    token = "s3cret-token"
    server_args = ("--api-token", "s3cret-token")

    def test_token(self):
        for hdr in ({}, {"Authorization": "Bearer wrong"},
                {"Authorization": "Basic czNjcmV0LXRva2Vu"},
                {"Authorization": "Bearer s3cret-token-longer"}):
            st, h, body = self.request("GET", "/api/v1/messages",
                headers=hdr or {"Authorization": ""})
            self.assertEqual(st, 401, hdr)
            self.assertIn("Bearer", h.get("www-authenticate", ""))
            self.assertIn("Error", json.loads(body))
        st, _, _ = self.request("GET", "/livez",
            headers={"Authorization": ""})
        self.assertEqual(st, 401)
        self.assertEqual(self.get_json("/api/v1/messages")["total"], 0)
        st, _, _ = self.request("GET", "/api/v1/info?access_token=" +
            self.token, headers={"Authorization": ""})
        self.assertEqual(st, 200)

    def test_bind_needs_token(self):
        cp = subprocess.run([mrlib.MAILRIG, "serve", "--free-ports",
            "--bind", "0.0.0.0"], capture_output=True,
            timeout=mrlib.IO_TIMEOUT)
        self.assertEqual(cp.returncode, 2)
        self.assertIn(b"--api-token", cp.stderr)


class TestScenario(ApiMixin, mrlib.Case):
    """GET /api/v1/scenario with a scenario in force."""

    path = os.path.join(mrlib.OUT, "api-scenario.yaml")
    server_args = ("-s", path)

    @classmethod
    def setUpClass(cls):
        os.makedirs(mrlib.OUT, exist_ok=True)
        with open(cls.path, "w") as f:
            f.write("name: api scenario\n"
                "description: shown over HTTP\n"
                "rules:\n"
                "  - on: {smtp: RCPT, nth: 99}\n"
                "    reply: \"450 4.2.0 later\"\n")
        super().setUpClass()

    def test_scenario(self):
        sc = self.get_json("/api/v1/scenario")
        self.assertEqual(sc["name"], "api scenario")
        self.assertEqual(sc["path"], self.path)
        self.assertEqual(sc["content"]["rules"][0]["on"],
            {"smtp": "RCPT", "nth": 99})
        self.assertEqual(sc["content"]["description"], "shown over HTTP")
        rep = self.get_json("/api/v1/report")
        self.assertEqual(rep["scenario"]["name"], "api scenario")
