"""msmtp against mailrig, configured by a generated file: STARTTLS on the
submission port with AUTH and the CA as trust file, and implicit TLS on
the smtps port; the message comes from standard input."""

import os

import mrlib


class MsmtpTest(mrlib.Case):
    server_args = ("--user", "alice:s3cret")

    def config(self, port, starttls, password="s3cret"):
        path = os.path.join(self.server.dir, "msmtprc-%s-%d" % (
            self._testMethodName, port))
        lines = [
            "defaults",
            "tls on",
            "tls_starttls %s" % ("on" if starttls else "off"),
            "tls_trust_file %s" % self.server.ca,
            "timeout 30",
            "syslog off",
            "account test",
            "host 127.0.0.1",
            "port %d" % port,
            "domain client.test",
            "auth on",
            "user alice",
            "password %s" % password,
        ]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        # msmtp refuses a config holding a password that others can read.
        os.chmod(path, 0o600)
        return path

    def msmtp(self, conf, sender, rcpts, body):
        argv = ["msmtp", "--file=" + conf, "--account=test",
                "--from=" + sender, "--"] + rcpts
        return mrlib.run_client(self, argv, input=body)

    def send_ok(self, port, starttls, port_name):
        sender = self.addr("from")
        rcpts = [self.addr("to"), self.addr("to")]
        # From, Date and Message-ID are present so msmtp adds no header
        # and the stored bytes are exactly these.
        body = self.message(sender, rcpts, "msmtp " + self._testMethodName)
        cp = self.msmtp(self.config(port, starttls), sender, rcpts, body)
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        return self.assertDelivered(sender, rcpts, body, tls=True,
                                    auth="alice", port_name=port_name)

    def test_submission_starttls_auth(self):
        self.send_ok(self.server.submission, True, "submission")

    def test_smtps_auth(self):
        self.send_ok(self.server.smtps, False, "smtps")

    def test_wrong_password(self):
        sender = self.addr("from")
        rcpt = self.addr("to")
        cp = self.msmtp(self.config(self.server.submission, True, "bad"),
                        sender, [rcpt], self.message(sender, [rcpt], "x"))
        self.assertNotEqual(cp.returncode, 0, mrlib.show(cp))
        self.assertIn(b"535", cp.stderr + cp.stdout, mrlib.show(cp))
        self.assertEqual(self.server.maildir_files(rcpt), [])
