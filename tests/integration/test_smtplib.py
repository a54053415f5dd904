"""Python's smtplib against mailrig: STARTTLS with hostname checking, AUTH,
a 10 MB attachment, 100 recipients, an SMTPUTF8 address, the submission
port's TLS and AUTH requirements (RFC 6409, RFC 3207), SMTP_SSL."""

import email
import email.message
import email.policy
import os
import random
import smtplib

import mrlib


class WireSMTP(smtplib.SMTP):
    """smtplib.SMTP that keeps every DATA payload it puts on the wire
    (commands go through send() as str, the DATA payload as bytes)."""

    def send(self, s):
        if isinstance(s, bytes):
            self.payloads = getattr(self, "payloads", []) + [s]
        return super().send(s)


class WireSMTP_SSL(smtplib.SMTP_SSL, WireSMTP):
    pass


class SmtplibTest(mrlib.Case):
    def connect(self, port=None, cls=WireSMTP, **kw):
        c = cls("127.0.0.1", port or self.server.smtp,
                local_hostname="client.test", timeout=mrlib.IO_TIMEOUT, **kw)
        self.addCleanup(c.close)
        return c

    def wire(self, c):
        self.assertEqual(len(c.payloads), 1, "DATA payloads sent")
        return mrlib.unstuff(c.payloads[0])

    def test_starttls_login_10mb(self):
        sender = self.addr("from")
        rcpt = self.addr("to")
        blob = random.Random(10).randbytes(10 * 1024 * 1024)
        msg = email.message.EmailMessage()
        msg["From"] = sender
        msg["To"] = rcpt
        msg["Subject"] = "ten megabytes"
        msg.set_content("See the attachment.\n.\n..a dot line\n")
        msg.add_attachment(blob, maintype="application",
                           subtype="octet-stream", filename="blob.bin")
        c = self.connect()
        c.starttls(context=mrlib.client_context(self.server.ca))
        c.ehlo("client.test")
        c.login("frank", "pw")
        refused = c.send_message(msg)
        self.assertEqual(refused, {})
        c.quit()
        body = self.wire(c)
        s, m = self.assertDelivered(sender, [rcpt], body, tls=True,
                                    auth="frank")
        self.assertIn("SIZE=%d" % len(body),
                      mrlib.params_of(m.get("from_params")))
        # And the attachment survives a round trip through the store.
        stored = self.server.wait_maildir(rcpt)[0]
        parsed = email.message_from_bytes(stored, policy=email.policy.default)
        atts = list(parsed.iter_attachments())
        self.assertEqual(len(atts), 1)
        self.assertTrue(atts[0].get_content() == blob, "attachment bytes")

    def test_100_recipients(self):
        sender = self.addr("from")
        rcpts = [self.addr("r") for _ in range(100)]
        body = self.message(sender, rcpts[:3], "hundred")
        c = self.connect()
        refused = c.sendmail(sender, rcpts, body)
        self.assertEqual(refused, {})
        c.quit()
        self.assertBytes(self.wire(c), body, "wire vs. message")
        s, m = self.assertDelivered(sender, rcpts, body, tls=False)
        self.assertEqual(len(m["rcpts"]), 100)
        copies = sum(len(self.server.maildir_files(r)) for r in rcpts)
        self.assertEqual(copies, 100)

    def test_smtputf8(self):
        sender = self.addr("from")
        rcpt = "j\u00fcrgen-%d.\u00e9l\u00e8ve@example.test" % os.getpid()
        body = ("From: <%s>\r\nTo: <%s>\r\n"
                "Subject: =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\n"
                "MIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n"
                "Gr\u00fc\u00dfe, \u65e5\u672c\r\n" % (sender, rcpt)
                ).encode("utf-8")
        c = self.connect()
        c.ehlo("client.test")
        self.assertTrue(c.has_extn("smtputf8"), c.esmtp_features)
        self.assertTrue(c.has_extn("8bitmime"), c.esmtp_features)
        refused = c.sendmail(sender, [rcpt], body,
                             mail_options=["SMTPUTF8", "BODY=8BITMIME"])
        self.assertEqual(refused, {})
        c.quit()
        self.assertEqual(mrlib.maildir_name(rcpt),
                         "j__rgen-%d.__l__ve@example.test" % os.getpid())
        s, m = self.assertDelivered(sender, [rcpt], body, tls=False)
        params = mrlib.params_of(m.get("from_params"))
        self.assertIn("SMTPUTF8", params)
        self.assertIn("BODY=8BITMIME", params)

    def test_submission_requires_tls_and_auth(self):
        sender = self.addr("from")
        rcpt = self.addr("to")
        c = self.connect(self.server.submission)
        c.ehlo("client.test")
        self.assertTrue(c.has_extn("starttls"), c.esmtp_features)
        # RFC 4954 4: no AUTH offered over an unprotected channel here.
        self.assertFalse(c.has_extn("auth"), c.esmtp_features)
        code, text = c.mail(sender)
        self.assertEqual(code, 530, text)
        c.starttls(context=mrlib.client_context(self.server.ca))
        c.ehlo("client.test")
        self.assertTrue(c.has_extn("auth"), c.esmtp_features)
        self.assertFalse(c.has_extn("starttls"), c.esmtp_features)
        code, text = c.mail(sender)
        self.assertEqual(code, 530, "MAIL before AUTH: %r" % text)
        c.rset()
        c.login("gina", "pw")
        body = self.message(sender, [rcpt], "submission")
        self.assertEqual(c.sendmail(sender, [rcpt], body), {})
        c.quit()
        self.assertDelivered(sender, [rcpt], body, tls=True, auth="gina",
                             port_name="submission")

    def test_smtp_ssl(self):
        sender = self.addr("from")
        rcpts = [self.addr("to"), self.addr("to")]
        body = self.message(sender, rcpts, "smtps")
        c = self.connect(self.server.smtps, cls=WireSMTP_SSL,
                         context=mrlib.client_context(self.server.ca))
        self.assertEqual(c.sendmail(sender, rcpts, body), {})
        c.quit()
        self.assertBytes(self.wire(c), body, "wire vs. message")
        self.assertDelivered(sender, rcpts, body, tls=True,
                             port_name="smtps")

    def test_duplicate_rcpt_one_copy(self):
        # "once per distinct recipient"
        sender = self.addr("from")
        rcpt = self.addr("to")
        body = self.message(sender, [rcpt], "dup")
        c = self.connect()
        self.assertEqual(c.sendmail(sender, [rcpt, rcpt], body), {})
        c.quit()
        self.assertDelivered(sender, [rcpt, rcpt], body)
