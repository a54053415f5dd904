"""POP3 against mailrig with real clients.  Mail goes in over SMTP
(smtplib, swaks) and comes out over POP3 with python's poplib (USER/PASS,
APOP, STLS, AUTH PLAIN, TOP, UIDL, DELE + QUIT), curl (pop3:// with STLS
and pop3s://, verified with the generated CA; LIST, RETR, DELE),
fetchmail (STLS, keep and no-keep) and getmail6 (Maildir destination).
What the sender put on the wire is what the POP3 client receives, byte
for byte (fetchmail and getmail hand over LF lines and add one trace
header, which the comparison accounts for).  Hostile and broken clients
over raw sockets are in test_pop3_bad.py."""

import base64
import os
import poplib
import pwd
import shutil
import smtplib
import subprocess
import tempfile

import mrlib


def crlf_lines(lines):
    """The message poplib returns as lines (unstuffed, endings cut)."""
    return b"".join(l + b"\r\n" for l in lines)


def strip_trace(data, name):
    """Drop the one header (with its folded lines) a retriever adds on
    top: fetchmail's Received:, getmail's Return-Path:."""
    want = name.encode() + b":"
    if not data.startswith(want):
        raise AssertionError("delivered copy does not start with %r: %r"
                             % (name, data[:200]))
    i = data.index(b"\n") + 1
    while data[i:i + 1] in (b" ", b"\t"):
        i = data.index(b"\n", i) + 1
    return data[i:]


class Pop3Mixin:
    """Ports, unique users and the SMTP side."""

    def pop3_port(self):
        return int(self.server.info["pop3"])

    def pop3s_port(self):
        return int(self.server.info["pop3s"])

    def user(self):
        """A login unique to this test: the local part of its
        recipient addresses (RFC 1939 maildrop = the store user)."""
        return self.addr("u").split("@")[0]

    def deliver(self, user, subject, extra=b""):
        """One message to user@example.test over SMTP; its bytes."""
        sender = self.addr("from")
        rcpt = user + "@example.test"
        body = self.message(sender, [rcpt], subject, extra)
        with smtplib.SMTP(self.server.host, self.server.smtp,
                          local_hostname="client.test",
                          timeout=mrlib.IO_TIMEOUT) as s:
            self.assertEqual(s.sendmail(sender, [rcpt], body), {})
        return body

    def pop(self, tls=False):
        if tls:
            c = poplib.POP3_SSL(self.server.host, self.pop3s_port(),
                                timeout=mrlib.IO_TIMEOUT,
                                context=mrlib.client_context(self.server.ca))
        else:
            c = poplib.POP3(self.server.host, self.pop3_port(),
                            timeout=mrlib.IO_TIMEOUT)
        self.addCleanup(c.close)
        return c

    def login(self, user, password="any", tls=False):
        c = self.pop(tls)
        c.user(user)
        c.pass_(password)
        return c

    def retr(self, c, n):
        resp, lines, octets = c.retr(n)
        data = crlf_lines(lines)
        # RFC 1939 7: the octet count is the size of what follows.
        self.assertEqual(resp, b"+OK %d octets" % len(data))
        return data

    def stat(self, user, password="any"):
        c = self.login(user, password)
        n = c.stat()
        c.quit()
        return n


class PoplibTest(Pop3Mixin, mrlib.Case):
    def test_user_pass_retr_bytes(self):
        u = self.user()
        bodies = [self.deliver(u, "poplib %d" % i) for i in range(3)]
        # A big one with long lines and many dot lines.
        bodies.append(self.deliver(u, "big", b"".join(
            b".%05d %s\r\n" % (i, b"x" * (i % 900)) for i in range(3000))))
        c = self.login(u)
        self.assertEqual(c.stat(), (4, sum(len(b) for b in bodies)))
        resp, listing, _ = c.list()
        self.assertEqual(listing, [b"%d %d" % (i + 1, len(b))
                                   for i, b in enumerate(bodies)])
        self.assertEqual(c.list(2), b"+OK 2 %d" % len(bodies[1]))
        for i, b in enumerate(bodies):
            self.assertBytes(self.retr(c, i + 1), b, "RETR %d" % (i + 1))
        c.quit()
        # Nothing was deleted.
        self.assertEqual(self.stat(u)[0], 4)

    def test_top_uidl(self):
        u = self.user()
        body = self.deliver(u, "top")
        self.deliver(u, "second")
        head, _, rest = body.partition(b"\r\n\r\n")
        c = self.login(u)
        resp, lines, _ = c.top(1, 0)
        self.assertEqual(crlf_lines(lines), head + b"\r\n\r\n")
        resp, lines, _ = c.top(1, 2)
        want = head + b"\r\n\r\n" + b"\r\n".join(
            rest.split(b"\r\n")[:2]) + b"\r\n"
        self.assertBytes(crlf_lines(lines), want, "TOP 1 2")
        resp, uids, _ = c.uidl()
        self.assertEqual(len(uids), 2)
        ids = [l.split(b" ", 1)[1] for l in uids]
        self.assertNotEqual(ids[0], ids[1])
        for uid in ids:
            # RFC 1939 7: 1 to 70 characters in 0x21-0x7E.
            self.assertTrue(1 <= len(uid) <= 70, uid)
            self.assertTrue(all(0x21 <= b <= 0x7e for b in uid), uid)
        self.assertEqual(c.uidl(2), b"+OK 2 " + ids[1])
        c.quit()
        # Stable across sessions.
        c = self.login(u)
        self.assertEqual(c.uidl()[1], uids)
        c.quit()

    def test_dele_quit(self):
        u = self.user()
        bodies = [self.deliver(u, "dele %d" % i) for i in range(3)]
        c = self.login(u)
        c.dele(2)
        with self.assertRaises(poplib.error_proto) as e:
            c.retr(2)
        self.assertIn(b"already deleted", e.exception.args[0])
        self.assertEqual(c.stat(), (2, len(bodies[0]) + len(bodies[2])))
        c.rset()
        self.assertEqual(c.stat()[0], 3)
        c.dele(1)
        c.dele(3)
        self.assertIn(b"1 messages left", c.quit())
        c = self.login(u)
        self.assertEqual(c.stat(), (1, len(bodies[1])))
        self.assertBytes(self.retr(c, 1), bodies[1])
        c.quit()

    def test_apop_any(self):
        u = self.user()
        body = self.deliver(u, "apop")
        c = self.pop()
        self.assertRegex(c.getwelcome(), rb"^\+OK .* <[^<>@]+@[^<>]+>$")
        c.apop(u, "whatever")
        self.assertBytes(self.retr(c, 1), body)
        c.quit()

    def test_stls(self):
        u = self.user()
        body = self.deliver(u, "stls")
        c = self.pop()
        self.assertIn("STLS", c.capa())
        c.stls(context=mrlib.client_context(self.server.ca))
        # RFC 2595 4: not offered again once TLS is up.
        self.assertNotIn("STLS", c.capa())
        c.user(u)
        c.pass_("pw")
        self.assertBytes(self.retr(c, 1), body)
        c.quit()
        s = self.server.session_saying("USER " + u)
        self.assertEqual(s.get("protocol"), "pop3")
        self.assertIs(s.get("tls"), True)

    def test_pop3s(self):
        u = self.user()
        body = self.deliver(u, "pop3s")
        c = self.login(u, tls=True)
        self.assertNotIn("STLS", c.capa())
        self.assertBytes(self.retr(c, 1), body)
        c.quit()

    def test_auth_plain(self):
        u = self.user()
        body = self.deliver(u, "auth plain")
        c = self.pop()
        self.assertIn("PLAIN", c.capa()["SASL"])
        ir = base64.b64encode(b"\0" + u.encode() + b"\0pw").decode()
        self.assertTrue(c._shortcmd("AUTH PLAIN " + ir).startswith(b"+OK"))
        self.assertBytes(self.retr(c, 1), body)
        c.quit()
        # RFC 5034 4: an empty challenge, then the response.
        c = self.pop()
        c._putcmd("AUTH PLAIN")
        self.assertEqual(c._getline()[0], b"+ ")
        c._putcmd(ir)
        self.assertTrue(c._getresp().startswith(b"+OK"))
        c.quit()

    def test_lock_in_use(self):
        u = self.user()
        self.deliver(u, "lock")
        c = self.login(u)
        c2 = self.pop()
        c2.user(u)
        with self.assertRaises(poplib.error_proto) as e:
            c2.pass_("x")
        self.assertTrue(e.exception.args[0].startswith(b"-ERR [IN-USE]"),
                        e.exception.args)
        c.quit()
        # Free again after the first session's QUIT.
        c2.user(u)
        c2.pass_("x")
        self.assertEqual(c2.stat()[0], 1)
        c2.quit()

    def test_swaks_in_poplib_out(self):
        u = self.user()
        sender = self.addr("from")
        body = self.message(sender, [u + "@example.test"], "swaks")
        fd, path = tempfile.mkstemp(dir=self.server.dir, suffix=".eml")
        # swaks adds the final CRLF before "." itself.
        with os.fdopen(fd, "wb") as f:
            f.write(body[:-2])
        cp = mrlib.run_client(self, ["swaks", "--server",
            "%s:%d" % (self.server.host, self.server.smtp), "--from",
            sender, "--to", u + "@example.test", "--helo", "client.test",
            "--data", "@" + path, "--silent", "2"])
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        c = self.login(u)
        self.assertBytes(self.retr(c, 1), body)
        c.quit()


class Pop3UserTest(Pop3Mixin, mrlib.Case):
    """--user makes credentials real."""

    server_args = ("--user", "alice:s3cret")

    def test_user_pass(self):
        before = self.stat("alice", "s3cret")[0]
        body = self.deliver("alice", "for alice")
        c = self.pop()
        c.user("alice")
        with self.assertRaises(poplib.error_proto) as e:
            c.pass_("wrong")
        self.assertTrue(e.exception.args[0].startswith(b"-ERR [AUTH]"))
        c.user("nobody")
        with self.assertRaises(poplib.error_proto):
            c.pass_("s3cret")
        c.user("alice")
        c.pass_("s3cret")
        self.assertEqual(c.stat()[0], before + 1)
        self.assertBytes(self.retr(c, before + 1), body)
        c.quit()

    def test_apop(self):
        c = self.pop()
        with self.assertRaises(poplib.error_proto) as e:
            c.apop("alice", "wrong")
        self.assertTrue(e.exception.args[0].startswith(b"-ERR [AUTH]"))
        c.apop("alice", "s3cret")
        c.stat()
        c.quit()

    def test_auth_plain_wrong(self):
        c = self.pop()
        ir = base64.b64encode(b"\0alice\0nope").decode()
        with self.assertRaises(poplib.error_proto) as e:
            c._shortcmd("AUTH PLAIN " + ir)
        self.assertTrue(e.exception.args[0].startswith(b"-ERR [AUTH]"))
        ir = base64.b64encode(b"\0alice\0s3cret").decode()
        self.assertTrue(c._shortcmd("AUTH PLAIN " + ir).startswith(b"+OK"))
        c.quit()


class CurlPop3Test(Pop3Mixin, mrlib.Case):
    def curl(self, url, user, *extra):
        argv = ["curl", "--silent", "--show-error", "--max-time", "60",
                "--url", url, "--user", user + ":pw"] + list(extra)
        cp = mrlib.run_client(self, argv)
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        return cp.stdout

    def test_list_retr_dele_stls(self):
        u = self.user()
        bodies = [self.deliver(u, "curl %d" % i) for i in range(2)]
        base = "pop3://127.0.0.1:%d/" % self.pop3_port()
        tls = ("--ssl-reqd", "--cacert", self.server.ca)
        self.assertEqual(self.curl(base, u, *tls),
                         b"".join(b"%d %d\r\n" % (i + 1, len(b))
                                  for i, b in enumerate(bodies)))
        for i, b in enumerate(bodies):
            self.assertBytes(self.curl(base + str(i + 1), u, *tls), b,
                             "curl RETR %d" % (i + 1))
        self.curl(base + "1", u, "--request", "DELE", "--head", *tls)
        self.assertEqual(self.curl(base, u, *tls),
                         b"1 %d\r\n" % len(bodies[1]))
        self.assertBytes(self.curl(base + "1", u), bodies[1])
        s = self.server.session_saying("DELE 1")
        self.assertIs(s.get("tls"), True)

    def test_pop3s(self):
        u = self.user()
        body = self.deliver(u, "curl pop3s")
        url = "pop3s://localhost:%d/1" % self.pop3s_port()
        self.assertBytes(self.curl(url, u, "--cacert", self.server.ca), body)

    def test_pop3s_unverified_refused(self):
        url = "pop3s://localhost:%d/" % self.pop3s_port()
        cp = mrlib.run_client(self, ["curl", "--silent", "--max-time",
            "60", "--url", url, "--user", "x:y", "--capath", "/nonexistent",
            "--cacert", "/dev/null"])
        self.assertNotEqual(cp.returncode, 0, mrlib.show(cp))


class FetchmailTest(Pop3Mixin, mrlib.Case):
    def fetchmail(self, user, keep):
        d = tempfile.mkdtemp(prefix="fetchmail-", dir=self.server.dir)
        out = os.path.join(d, "out")
        os.mkdir(out)
        rc = os.path.join(d, "fetchmailrc")
        me = pwd.getpwuid(os.getuid()).pw_name
        with open(rc, "w") as f:
            f.write("set no bouncemail\n"
                    "poll localhost via 127.0.0.1 with proto POP3 port %d "
                    "timeout 30\n"
                    "  user \"%s\" there with password \"pw\" is \"%s\" here\n"
                    "  sslproto tls1.2+ sslcertck sslcertfile \"%s\" "
                    "sslcommonname localhost\n"
                    "  %s fetchall\n"
                    "  mda \"/bin/sh -c 'cat > %s/msg.$$'\"\n" % (
                        self.pop3_port(), user, me, self.server.ca,
                        "keep" if keep else "nokeep", out))
        os.chmod(rc, 0o600)
        env = dict(os.environ, HOME=d)
        cp = mrlib.run_client(self, ["fetchmail", "-f", rc, "--idfile",
            os.path.join(d, "ids"), "--nodetach", "--nosyslog", "-v"],
            env=env)
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        log = cp.stdout + cp.stderr
        # STLS, not a plaintext session (RFC 2595 4).
        self.assertIn(b"POP3> STLS", log, mrlib.show(cp))
        got = []
        for n in os.listdir(out):
            with open(os.path.join(out, n), "rb") as f:
                got.append(strip_trace(f.read(), "Received"))
        return sorted(got)

    def test_keep_then_nokeep(self):
        u = self.user()
        bodies = [self.deliver(u, "fetchmail %d" % i) for i in range(2)]
        # fetchmail hands the MDA LF lines.
        want = sorted(b.replace(b"\r\n", b"\n") for b in bodies)
        self.assertEqual(self.fetchmail(u, True), want)
        self.assertEqual(self.stat(u)[0], 2)
        self.assertEqual(self.fetchmail(u, False), want)
        self.assertEqual(self.stat(u)[0], 0)


class GetmailTest(Pop3Mixin, mrlib.Case):
    def getmail(self, user, retriever, port, delete):
        # getmail will not deliver as root: it switches to "nobody",
        # which needs a world-writable Maildir outside our 0700 tree.
        root = os.geteuid() == 0
        d = tempfile.mkdtemp(prefix="getmail-")
        self.addCleanup(shutil.rmtree, d, True)
        md = os.path.join(d, "Maildir")
        for sub in ("", "new", "cur", "tmp"):
            os.mkdir(os.path.join(md, sub))
            if root:
                os.chmod(os.path.join(md, sub), 0o777)
        if root:
            os.chmod(d, 0o755)
        rc = os.path.join(d, "getmailrc")
        with open(rc, "w") as f:
            f.write("[retriever]\ntype = %s\nserver = 127.0.0.1\n"
                    "port = %d\nusername = %s\npassword = pw\n%s\n"
                    "[destination]\ntype = Maildir\npath = %s/\n%s\n"
                    "[options]\ndelete = %s\nread_all = true\n"
                    "delivered_to = false\nreceived = false\n"
                    "message_log_syslog = false\n" % (
                        retriever, port, user, "ca_certs = %s\n" %
                        self.server.ca if "SSL" in retriever else "", md,
                        "user = nobody" if root else "",
                        "true" if delete else "false"))
        state = os.path.join(d, "state")
        os.mkdir(state)
        cp = mrlib.run_client(self, ["getmail", "--getmaildir", state,
                                     "--rcfile", rc])
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        self.assertNotIn(b"error", cp.stdout + cp.stderr, mrlib.show(cp))
        got = []
        for n in os.listdir(os.path.join(md, "new")):
            with open(os.path.join(md, "new", n), "rb") as f:
                got.append(strip_trace(f.read(), "Return-Path"))
        return sorted(got)

    def test_ssl_keep_then_plain_delete(self):
        u = self.user()
        bodies = [self.deliver(u, "getmail %d" % i) for i in range(2)]
        want = sorted(b.replace(b"\r\n", b"\n") for b in bodies)
        self.assertEqual(self.getmail(u, "SimplePOP3SSLRetriever",
                                      self.pop3s_port(), False), want)
        self.assertEqual(self.stat(u)[0], 2)
        self.assertEqual(self.getmail(u, "SimplePOP3Retriever",
                                      self.pop3_port(), True), want)
        self.assertEqual(self.stat(u)[0], 0)


class RestartTest(Pop3Mixin, mrlib.Case):
    """UIDL is stable across a restart on the same --maildir, and a
    message deleted over POP3 stays deleted."""

    def test_uidl_after_restart(self):
        u = self.user()
        for i in range(3):
            self.deliver(u, "restart %d" % i)
        c = self.login(u)
        c.dele(2)
        c.quit()
        c = self.login(u)
        uids = c.uidl()[1]
        bodies = [self.retr(c, i + 1) for i in range(2)]
        c.quit()
        self.assertEqual(len(uids), 2)
        second = mrlib.Server(name="restart")
        second.maildir = self.server.maildir
        self.server.stop_checked()
        type(self).server = None
        with second:
            c = poplib.POP3(second.host, int(second.info["pop3"]),
                            timeout=mrlib.IO_TIMEOUT)
            c.user(u)
            c.pass_("pw")
            self.assertEqual(c.uidl()[1], uids)
            for i, b in enumerate(bodies):
                self.assertBytes(self.retr(c, i + 1), b)
            c.quit()
