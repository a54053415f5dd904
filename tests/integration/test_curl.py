"""curl's SMTP client against mailrig: plain, STARTTLS (--ssl-reqd) and
smtps:// with the certificate verified by --cacert (never -k), several
--mail-rcpt, and AUTH with --user on the submission port."""

import os
import tempfile

import mrlib


class CurlMixin:
    def curl(self, url, sender, rcpts, body, *extra):
        fd, path = tempfile.mkstemp(prefix="curl-", suffix=".eml",
                                    dir=self.server.dir)
        with os.fdopen(fd, "wb") as f:
            f.write(body)
        argv = ["curl", "--silent", "--show-error", "--max-time", "60",
                "--url", url, "--mail-from", sender]
        for r in rcpts:
            argv += ["--mail-rcpt", r]
        argv += ["--upload-file", path] + list(extra)
        return mrlib.run_client(self, argv)

    def url(self, scheme, port):
        # The path is the name curl gives in EHLO.
        return "%s://127.0.0.1:%d/client.test" % (scheme, port)

    def send_ok(self, scheme, port, n_rcpts, *extra, tls, auth=None,
                port_name):
        sender = self.addr("from")
        rcpts = [self.addr("to") for _ in range(n_rcpts)]
        body = self.message(sender, rcpts, "curl " + self.id())
        cp = self.curl(self.url(scheme, port), sender, rcpts, body, *extra)
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        return self.assertDelivered(sender, rcpts, body, tls=tls,
                                    auth=auth, port_name=port_name)


class CurlTest(CurlMixin, mrlib.Case):
    def test_plain_several_rcpt(self):
        s, m = self.send_ok("smtp", self.server.smtp, 3, tls=False,
                            auth="", port_name="smtp")
        # curl declares the upload size (RFC 1870 SIZE=).
        self.assertIn("SIZE=%d" % m["size"],
                      mrlib.params_of(m.get("from_params")))

    def test_starttls_ssl_reqd(self):
        self.send_ok("smtp", self.server.smtp, 2, "--ssl-reqd", "--cacert",
                     self.server.ca, tls=True, port_name="smtp")

    def test_smtps(self):
        self.send_ok("smtps", self.server.smtps, 2, "--cacert",
                     self.server.ca, tls=True, port_name="smtps")

    def test_tls12_and_tls13(self):
        # Both protocol versions the issue names, as the client sees them.
        for args, want in ((["--tls-max", "1.2"], "TLSv1.2"),
                           (["--tlsv1.3"], "TLSv1.3")):
            s, m = self.send_ok("smtps", self.server.smtps, 1, "--cacert",
                                self.server.ca, *args, tls=True,
                                port_name="smtps")
            self.assertEqual(s.get("tls_version"), want, s)

    def test_smtps_unverified_refused(self):
        # Without the CA curl must refuse mailrig's certificate.
        sender = self.addr("from")
        rcpt = self.addr("to")
        cp = self.curl(self.url("smtps", self.server.smtps), sender, [rcpt],
                       self.message(sender, [rcpt], "x"), "--capath",
                       "/nonexistent", "--cacert", "/dev/null")
        self.assertNotEqual(cp.returncode, 0, mrlib.show(cp))
        self.assertEqual(self.server.maildir_files(rcpt), [])


class CurlUserTest(CurlMixin, mrlib.Case):
    server_args = ("--user", "alice:s3cret")

    def test_submission_user(self):
        self.send_ok("smtp", self.server.submission, 2, "--ssl-reqd",
                     "--cacert", self.server.ca, "--user", "alice:s3cret",
                     tls=True, auth="alice", port_name="submission")

    def test_smtp_user(self):
        self.send_ok("smtp", self.server.smtp, 1, "--user", "alice:s3cret",
                     tls=False, auth="alice", port_name="smtp")

    def test_submission_wrong_password(self):
        sender = self.addr("from")
        rcpt = self.addr("to")
        cp = self.curl(self.url("smtp", self.server.submission), sender,
                       [rcpt], self.message(sender, [rcpt], "x"),
                       "--ssl-reqd", "--cacert", self.server.ca, "--user",
                       "alice:nope")
        # 67: "the user name, password, or similar was not accepted".
        self.assertEqual(cp.returncode, 67, mrlib.show(cp))
        self.assertEqual(self.server.maildir_files(rcpt), [])
