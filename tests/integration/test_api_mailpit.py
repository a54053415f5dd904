"""The real npm client mailpit-api (pinned in package.json), unchanged,
against mailrig: js/mailpit_api.mjs calls getInfo, getConfiguration,
listMessages, searchMessages, getMessageSummary (by id and latest),
getMessageHeaders, getMessageSource, getMessageAttachment,
setReadStatus, waitForMessage, waitForMessages, renderMessageText,
getTags and deleteMessages (some, then all), and a missing id that must
fail; this test checks what each call returned, with and without a
bearer token."""

import base64
import json
import os
import subprocess

import mrlib
from test_api import ApiMixin

HERE = os.path.dirname(os.path.abspath(__file__))


class MailpitMixin(ApiMixin):

    def run_client(self, subject):
        if not os.path.isdir(os.path.join(HERE, "node_modules",
                "mailpit-api")):
            self.fail("node_modules/mailpit-api is missing; run "
                "`make deps-test`")
        mrlib.need_tool(self, "node")
        env = dict(os.environ)
        env["MAILRIG_API_URL"] = "http://%s:%d" % (self.server.host,
            self.http_port())
        if self.token is not None:
            env["MAILRIG_API_TOKEN"] = self.token
        cp = subprocess.run(["node", os.path.join(HERE, "js",
            "mailpit_api.mjs"), subject], cwd=HERE, env=env,
            capture_output=True, timeout=mrlib.IO_TIMEOUT * 3)
        self.assertEqual(cp.returncode, 0, "node: %r %r" % (
            cp.stdout[-2000:], cp.stderr[-2000:]))
        return json.loads(cp.stdout)

    def check_client(self):
        subj = self.addr("npm").split("@")[0]
        self.send(subj, attach=b"\x01\x02attached")
        r = self.run_client(subj)
        self.assertEqual(r["info"]["Messages"], 1)
        self.assertEqual(r["configuration"]["Label"], "mailrig")
        self.assertEqual(r["list"]["total"], 1)
        self.assertEqual(r["list"]["messages"][0]["Subject"], subj)
        item = r["search"]["messages"][0]
        self.assertEqual(r["search"]["messages_count"], 1)
        self.assertEqual(r["summary"]["ID"], item["ID"])
        self.assertEqual(r["summary"]["Subject"], subj)
        self.assertEqual(r["latest"]["ID"], item["ID"])
        self.assertEqual(r["headers"]["Subject"], [subj])
        self.assertIn("Subject: %s\r\n" % subj, r["source"])
        self.assertEqual(base64.b64decode(r["attachment"]),
            b"\x01\x02attached")
        self.assertEqual(r["setUnread"], "ok")
        self.assertEqual(r["unread"]["messages_count"], 1)
        self.assertEqual(r["waited"]["Subject"], subj)
        self.assertEqual(r["waitedMany"]["messages_count"], 1)
        self.assertEqual(r["text"], "plain text of %s\r\n" % subj)
        self.assertEqual(r["tags"], [])
        self.assertEqual(r["deleteOne"], "ok")
        self.assertEqual(r["afterDelete"]["messages_count"], 0)
        self.assertEqual(r["deleteAll"], "ok")
        self.assertEqual(r["afterAll"]["total"], 0)
        self.assertIn("404", r["missing"])


class TestMailpitClient(MailpitMixin, mrlib.Case):

    def test_client(self):
        self.check_client()


class TestMailpitClientToken(MailpitMixin, mrlib.Case):

    token = "npm-token"
    server_args = ("--api-token", "npm-token")

    def test_client_with_token(self):
        self.check_client()
