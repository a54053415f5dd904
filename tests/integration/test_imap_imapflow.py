"""imapflow (npm) against mailrig, through js/imap.js: list with
special-use, fetch with source compared to what SMTP received, IDLE with
the 'exists' event raised by an SMTP delivery, and MOVE with its UID map
(RFC 6851, RFC 4315 COPYUID); over implicit TLS and STARTTLS."""

import base64
import json
import os
import subprocess

import mrlib
from test_imap_util import PASSWORD, ImapCase, simple_message

HERE = os.path.dirname(os.path.abspath(__file__))


class ImapImapflowTest(ImapCase):
    def start(self, user, secure):
        need = os.path.join(HERE, "node_modules", "imapflow")
        if not os.path.isdir(need):
            self.fail("imapflow is not installed: run `make deps-test` "
                      "(npm ci in tests/integration)")
        mrlib.need_tool(self, "node")
        job = os.path.join(self.server.dir, "imapflow-%s.json" % user)
        with open(job, "w") as f:
            json.dump({"host": "127.0.0.1",
                       "port": self.imaps_port if secure else
                       self.imap_port, "secure": secure,
                       "starttls": not secure, "ca": self.server.ca,
                       "user": user, "pass": PASSWORD}, f)
        p = subprocess.Popen(["node", os.path.join(HERE, "js", "imap.js"),
                              job], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             bufsize=0, cwd=HERE)

        def stop():
            if p.poll() is None:
                p.kill()
            p.wait(timeout=mrlib.STOP_TIMEOUT)
            p.stdout.close()
            p.stderr.close()
        self.addCleanup(stop)
        return p

    def event(self, p, name):
        def pred(line):
            ev = json.loads(line)
            if ev.get("event") == "error":
                self.fail("imap.js: %s" % ev.get("error"))
            return ev.get("event") == name
        line, _ = self.wait_lines(p.stdout, pred, "imapflow %r" % name)
        return json.loads(line)

    def flow(self, secure):
        user = self.user()
        sent = self.deliver(user, [simple_message(
            "s@client.test", user, "imapflow %d" % i) for i in range(3)])
        p = self.start(user, secure)

        ev = self.event(p, "list")
        boxes = {b["path"]: b for b in ev["boxes"]}
        self.assertEqual(boxes["Trash"]["specialUse"], "\\Trash")
        self.assertEqual(boxes["Sent"]["specialUse"], "\\Sent")
        self.assertEqual(boxes["INBOX"]["delimiter"], "/")

        ev = self.event(p, "fetch")
        self.assertEqual(ev["exists"], 3)
        got = [base64.b64decode(m["source"]) for m in ev["messages"]]
        self.assertEqual(got, sent)
        self.assertEqual([m["uid"] for m in ev["messages"]], [1, 2, 3])
        self.assertEqual(ev["messages"][0]["subject"], "imapflow 0")

        self.event(p, "idle")
        late = self.deliver(user, simple_message("s@client.test", user,
                                                 "while idling"))[0]
        ev = self.event(p, "exists")
        self.assertEqual((ev["count"], ev["prevCount"]), (4, 3))
        ev = self.event(p, "fetched")
        self.assertBytes(base64.b64decode(ev["message"]["source"]), late,
                         "message fetched after IDLE")
        self.assertEqual(ev["message"]["uid"], 4)

        ev = self.event(p, "move")
        self.assertEqual(ev["destination"], "Trash")
        self.assertEqual(len(ev["uidMap"] or []), 1, ev)
        self.assertEqual(ev["uidMap"][0][0], 1)
        ev = self.event(p, "status")
        self.assertEqual((ev["inbox"], ev["trash"]), (3, 1))
        self.event(p, "done")
        self.assertEqual(p.wait(timeout=mrlib.IO_TIMEOUT), 0)
        # The moved message is intact in Trash.
        m = self.login(user)
        self.assertEqual(m.select("Trash")[1], [b"1"])
        data = m.fetch("1", "(BODY.PEEK[])")[1]
        self.assertEqual(data[0][1], sent[0])

    def test_imaps(self):
        self.flow(True)

    def test_starttls(self):
        self.flow(False)
