"""nodemailer (pinned in package.json) against mailrig: STARTTLS with the
CA (tls.ca) and AUTH on the submission port, and implicit TLS (secure:
true) on the smtps port, each with an attachment.  The stored bytes must
equal the bytes nodemailer built and sent."""

import json
import os
import random
import re

import mrlib

JS = os.path.join(mrlib.HERE, "js", "send.js")
MODULES = os.path.join(mrlib.HERE, "node_modules", "nodemailer")


class NodemailerTest(mrlib.Case):
    def send(self, port, secure, user=None, password=None):
        mrlib.need_tool(self, "node")
        if not os.path.isdir(MODULES):
            self.fail("nodemailer is not installed: run `npm ci` in "
                      "tests/integration (make deps-test does)")
        d = self.server.dir
        tag = self._testMethodName
        att = os.path.join(d, tag + ".bin")
        with open(att, "wb") as f:
            f.write(random.Random(tag).randbytes(300 * 1024))
        sender = self.addr("from")
        rcpts = [self.addr("to"), self.addr("to")]
        job = {"host": "127.0.0.1", "port": port, "secure": secure,
               "ca": self.server.ca, "from": sender, "to": rcpts,
               "subject": "nodemailer " + tag,
               "text": "Hello.\n.\n..dots\nend\n", "attachment": att,
               "raw_out": os.path.join(d, tag + ".eml")}
        if user:
            job["user"] = user
            job["pass"] = password
        jobpath = os.path.join(d, tag + ".json")
        with open(jobpath, "w") as f:
            json.dump(job, f)
        cp = mrlib.run_client(self, ["node", JS, jobpath])
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        res = json.loads(cp.stdout.decode().strip().splitlines()[-1])
        self.assertEqual(sorted(res["accepted"]), sorted(rcpts), res)
        with open(job["raw_out"], "rb") as f:
            raw = f.read()
        # On the wire nodemailer turns bare LF into CRLF (the text part
        # holds "\n" line ends) and ends the data with CRLF before the dot.
        self.assertIn(b".\n..dots\n", raw)
        wire = re.sub(rb"(?<!\r)\n", b"\r\n", raw)
        if not wire.endswith(b"\r\n"):
            wire += b"\r\n"
        return sender, rcpts, wire

    def test_starttls_auth(self):
        sender, rcpts, body = self.send(self.server.submission, False,
                                        "nina", "pw")
        self.assertDelivered(sender, rcpts, body, tls=True, auth="nina",
                             port_name="submission")

    def test_smtps(self):
        sender, rcpts, body = self.send(self.server.smtps, True)
        self.assertDelivered(sender, rcpts, body, tls=True, auth="",
                             port_name="smtps")
