"""swaks against mailrig: plain SMTP, STARTTLS and implicit TLS with the
certificate verified against mailrig's CA, AUTH PLAIN/LOGIN/CRAM-MD5 with
any and with configured credentials, PIPELINING, several recipients."""

import base64
import os
import tempfile

import mrlib


class SwaksMixin:
    def swaks(self, port, sender, rcpts, body, *extra):
        fd, path = tempfile.mkstemp(prefix="swaks-", suffix=".eml",
                                    dir=self.server.dir)
        # swaks ends DATA with CRLF "." CRLF after the text it is given,
        # so the final CRLF of the message is left to it.
        self.assertTrue(body.endswith(b"\r\n"))
        with os.fdopen(fd, "wb") as f:
            f.write(body[:-2])
        argv = ["swaks", "--server", "127.0.0.1", "--port", str(port),
                "--from", sender, "--to", ",".join(rcpts),
                "--helo", "client.test", "--timeout", "30",
                "--data", "@" + path] + list(extra)
        return mrlib.run_client(self, argv)

    def send_ok(self, port, n_rcpts, *extra, tls=False, auth=None,
                port_name="smtp"):
        sender = self.addr("from")
        rcpts = [self.addr("to") for _ in range(n_rcpts)]
        body = self.message(sender, rcpts, "swaks " + self.id())
        cp = self.swaks(port, sender, rcpts, body, *extra)
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        return self.assertDelivered(sender, rcpts, body, tls=tls,
                                    auth=auth, port_name=port_name)

    def tls_args(self):
        return ["--tls-verify", "--tls-ca-path", self.server.ca]


class SwaksTest(SwaksMixin, mrlib.Case):
    def test_plain(self):
        s, m = self.send_ok(self.server.smtp, 1, tls=False, auth="")
        self.assertEqual(s.get("outcome"), "quit")

    def test_starttls(self):
        s, m = self.send_ok(self.server.smtp, 1, "--tls",
                            *self.tls_args(), tls=True)
        self.assertTrue(any(e.get("event") == "tls-start"
                            for e in s["transcript"]), "no tls-start event")

    def test_tls_on_connect(self):
        self.send_ok(self.server.smtps, 1, "--tls-on-connect",
                     *self.tls_args(), tls=True, port_name="smtps")

    def test_starttls_verify_fails_without_ca(self):
        # Verification is real: the system store does not know mailrig's
        # private CA, so a verifying client must refuse.
        sender = self.addr("from")
        rcpt = self.addr("to")
        body = self.message(sender, [rcpt], "noverify")
        cp = self.swaks(self.server.smtp, sender, [rcpt], body, "--tls",
                        "--tls-verify")
        self.assertNotEqual(cp.returncode, 0, mrlib.show(cp))
        self.assertEqual(self.server.maildir_files(rcpt), [])

    def test_auth_plain_any(self):
        self.send_ok(self.server.smtp, 1, "--auth", "PLAIN", "--auth-user",
                     "anyone", "--auth-password", "whatever", auth="anyone")

    def test_auth_login_any(self):
        self.send_ok(self.server.smtp, 1, "--auth", "LOGIN", "--auth-user",
                     "bob", "--auth-password", "pw", auth="bob")

    def test_auth_cram_md5_any(self):
        self.send_ok(self.server.smtp, 1, "--auth", "CRAM-MD5",
                     "--auth-user", "carol", "--auth-password", "pw2",
                     auth="carol")

    def test_auth_plain_over_starttls(self):
        self.send_ok(self.server.smtp, 1, "--tls", *self.tls_args(),
                     "--auth", "PLAIN", "--auth-user", "dave",
                     "--auth-password", "pw3", tls=True, auth="dave")

    def test_pipeline(self):
        s, m = self.send_ok(self.server.smtp, 3, "--pipeline")
        # With PIPELINING swaks sends MAIL and every RCPT in one write;
        # each still got its own reply, in order (RFC 2920 3.1).
        replies = [e["line"] for e in s["transcript"]
                   if e.get("dir") == "s" and "line" in e]
        self.assertGreaterEqual(sum(r.startswith("250") for r in replies),
                                5, replies)

    def test_several_to(self):
        self.send_ok(self.server.smtp, 5)

    def test_size_param_declared(self):
        s, m = self.send_ok(self.server.smtp, 1)
        # swaks does not declare SIZE; the envelope must not invent one.
        self.assertFalse(any(p.startswith("SIZE=")
                             for p in mrlib.params_of(m.get("from_params"))))


class SwaksUserTest(SwaksMixin, mrlib.Case):
    server_args = ("--user", "alice:s3cret", "--user", "bob:hunter2")

    def auth_ok(self, mech):
        s, m = self.send_ok(self.server.smtp, 1, "--auth", mech,
                            "--auth-user", "alice", "--auth-password",
                            "s3cret", auth="alice")
        # The capture redacts credentials (AUTH lines and SASL
        # continuations alike).
        text = s["_text"]
        for secret in ("s3cret",
                       base64.b64encode(b"\0alice\0s3cret").decode(),
                       base64.b64encode(b"s3cret").decode()):
            lines = [e.get("line") for e in s["transcript"]
                     if secret in e.get("line", "")]
            self.assertFalse(secret in text, "credential %r in capture %s: "
                             "%r" % (secret, s["_path"], lines))
        return s

    def auth_bad(self, mech):
        sender = self.addr("from")
        rcpt = self.addr("to")
        body = self.message(sender, [rcpt], "badauth " + mech)
        cp = self.swaks(self.server.smtp, sender, [rcpt], body, "--auth",
                        mech, "--auth-user", "alice", "--auth-password",
                        "wrong")
        self.assertNotEqual(cp.returncode, 0, mrlib.show(cp))
        self.assertIn(b"535", cp.stdout, mrlib.show(cp))
        self.assertEqual(self.server.maildir_files(rcpt), [])

    def test_auth_plain_user(self):
        self.auth_ok("PLAIN")

    def test_auth_login_user(self):
        self.auth_ok("LOGIN")

    def test_auth_cram_md5_user(self):
        self.auth_ok("CRAM-MD5")

    def test_auth_plain_wrong(self):
        self.auth_bad("PLAIN")

    def test_auth_login_wrong(self):
        self.auth_bad("LOGIN")

    def test_auth_cram_md5_wrong(self):
        self.auth_bad("CRAM-MD5")

    def test_other_user(self):
        self.send_ok(self.server.smtp, 1, "--auth", "PLAIN", "--auth-user",
                     "bob", "--auth-password", "hunter2", auth="bob")

    def test_no_auth_still_optional(self):
        # On the smtp port AUTH stays optional even with --user.
        self.send_ok(self.server.smtp, 1, auth="")
