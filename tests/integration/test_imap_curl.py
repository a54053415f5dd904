"""curl's IMAP client against mailrig: imap:// with STARTTLS
(--ssl-reqd) and imaps://, the certificate verified with --cacert (never
-k).  List mailboxes, fetch by UID, SEARCH through the URL query and -X,
and upload with APPEND; bytes compared both ways."""

import os
import tempfile

import mrlib
from test_imap_util import PASSWORD, ImapCase, fetch_map, simple_message


class ImapCurlTest(ImapCase):
    def curl(self, url, user, *extra, ok=True):
        argv = ["curl", "--silent", "--show-error", "--max-time", "60",
                "--cacert", self.server.ca, "--user", "%s:%s" % (user,
                                                                PASSWORD),
                "--url", url] + list(extra)
        cp = mrlib.run_client(self, argv)
        if ok:
            self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        return cp

    def url(self, scheme, path=""):
        port = self.imaps_port if scheme == "imaps" else self.imap_port
        return "%s://127.0.0.1:%d/%s" % (scheme, port, path)

    def schemes(self):
        # (scheme, extra curl arguments): STARTTLS on the imap port,
        # implicit TLS on imaps.
        return (("imap", ["--ssl-reqd"]), ("imaps", []))

    def test_list(self):
        user = self.user()
        m = self.login(user)
        self.ok(m.create("curl/sub"))
        for scheme, extra in self.schemes():
            cp = self.curl(self.url(scheme), user, *extra)
            out = cp.stdout.decode("utf-8", "replace")
            names = set()
            for line in out.splitlines():
                self.assertTrue(line.startswith("* LIST ("), out)
                names.add(line.rsplit(" ", 1)[1].strip('"'))
            self.assertTrue({"INBOX", "Sent", "Trash", "curl",
                             "curl/sub"} <= names, out)

    def test_fetch_by_uid(self):
        user = self.user()
        sent = self.deliver_n(user, 3, "curl fetch")
        # Remove UID 1 so that UID and sequence number differ.
        m = self.login(user)
        m.select("INBOX")
        self.ok(m.uid("STORE", "1", "+FLAGS.SILENT", "(\\Deleted)"))
        self.ok(m.expunge())
        m.logout()
        for scheme, extra in self.schemes():
            for uid in (2, 3):
                cp = self.curl(self.url(scheme, "INBOX;UID=%d" % uid),
                               user, *extra)
                self.assertBytes(cp.stdout, sent[uid - 1],
                                 "curl %s UID=%d" % (scheme, uid))
        # A UID that is gone: curl fails, nothing is printed.
        cp = self.curl(self.url("imaps", "INBOX;UID=1"), user, ok=False)
        self.assertNotEqual(cp.returncode, 0, mrlib.show(cp))
        self.assertEqual(cp.stdout, b"")

    def test_search(self):
        user = self.user()
        bodies = [simple_message("s@client.test", user, s) for s in
                  ("apples", "pears", "apples and pears")]
        self.deliver(user, bodies)
        cp = self.curl(self.url("imaps", "INBOX?SUBJECT%20apples"), user)
        self.assertEqual(cp.stdout.strip(), b"* SEARCH 1 3")
        cp = self.curl(self.url("imap", "INBOX?SUBJECT%20pears"), user,
                       "--ssl-reqd")
        self.assertEqual(cp.stdout.strip(), b"* SEARCH 2 3")
        cp = self.curl(self.url("imaps", "INBOX?SUBJECT%20plums"), user)
        self.assertEqual(cp.stdout.strip(), b"* SEARCH")
        # A custom command on the selected mailbox.
        cp = self.curl(self.url("imaps", "INBOX"), user, "-X",
                       "UID SEARCH SUBJECT apples")
        self.assertEqual(cp.stdout.strip(), b"* SEARCH 1 3")
        cp = self.curl(self.url("imaps"), user, "-X", "EXAMINE INBOX")
        self.assertIn(b"* 3 EXISTS", cp.stdout)
        self.assertIn(b"[UIDVALIDITY ", cp.stdout)

    def test_append_upload(self):
        user = self.user()
        msgs = []
        for scheme, extra in self.schemes():
            body = simple_message("s@client.test", user, "uploaded over " +
                                  scheme, "Line one.\n.dot line\n\nend\n")
            fd, path = tempfile.mkstemp(prefix="curl-", suffix=".eml",
                                        dir=self.server.dir)
            with os.fdopen(fd, "wb") as f:
                f.write(body)
            self.curl(self.url(scheme, "Archive"), user, "--upload-file",
                      path, *extra)
            msgs.append(body)
        m = self.login(user)
        typ, data = m.select("Archive")
        self.assertEqual((typ, data), ("OK", [b"2"]))
        typ, data = m.fetch("1:2", "(BODY.PEEK[])")
        got = fetch_map(data)
        self.assertBytes(got[1]["BODY[]"], msgs[0], "APPEND over imap")
        self.assertBytes(got[2]["BODY[]"], msgs[1], "APPEND over imaps")
        # Uploading to a mailbox that does not exist fails.
        cp = self.curl(self.url("imaps", "NoSuchBox"), user,
                       "--upload-file", path, ok=False)
        self.assertNotEqual(cp.returncode, 0, mrlib.show(cp))

    def test_unverified_refused(self):
        user = self.user()
        cp = mrlib.run_client(self, [
            "curl", "--silent", "--max-time", "30", "--capath",
            "/nonexistent", "--cacert", "/dev/null", "--user",
            "%s:%s" % (user, PASSWORD), "--url", self.url("imaps")])
        self.assertNotEqual(cp.returncode, 0, mrlib.show(cp))
