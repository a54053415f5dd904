"""getmail6 against mailrig: SimpleIMAPSSLRetriever (implicit TLS,
ca_certs and the hostname checked) and SimpleIMAPRetriever (plain port,
CRAM-MD5) into a Maildir destination, with getmail's own headers turned
off, so each stored file is what SMTP received (line ends aside) after the
Return-Path: <unknown> getmail always writes.  A
second run with read_all off retrieves nothing again."""

import os
import pwd
import shutil
import tempfile

import mrlib
from test_imap_util import PASSWORD, ImapCase, simple_message


RETURN_PATH = b"Return-Path: <unknown>\n"


def lf(b):
    return b.replace(b"\r\n", b"\n")


class ImapGetmailTest(ImapCase):
    def getmail(self, user, kind, dest, read_all):
        d = os.path.join(self.server.dir, "getmail-" + kind)
        os.makedirs(d, exist_ok=True)
        if kind == "ssl":
            retr = ("type = SimpleIMAPSSLRetriever\n"
                    "port = %d\n"
                    "ca_certs = %s\n" % (self.imaps_port, self.server.ca))
        else:
            retr = ("type = SimpleIMAPRetriever\n"
                    "port = %d\n"
                    "use_cram_md5 = true\n" % self.imap_port)
        rc = os.path.join(d, "getmailrc")
        with open(rc, "w") as f:
            f.write("[retriever]\n"
                    "%s"
                    "server = localhost\n"
                    "username = %s\n"
                    "password = %s\n"
                    "mailboxes = (\"INBOX\", \"Archive\")\n"
                    "record_mailbox = false\n"
                    "timeout = 30\n"
                    "\n"
                    "[destination]\n"
                    "type = Maildir\n"
                    "path = %s/\n"
                    "%s"
                    "\n"
                    "[options]\n"
                    "read_all = %s\n"
                    "delete = false\n"
                    "received = false\n"
                    "delivered_to = false\n"
                    "verbose = 1\n"
                    % (retr, user, PASSWORD, dest, self.deliver_as,
                       "true" if read_all else "false"))
        return mrlib.run_client(self, ["getmail", "--getmaildir", d,
                                       "--rcfile", rc])

    def retrieve(self, kind):
        user = self.user()
        sent = [simple_message("s@client.test", user, "getmail %d" % i,
                               "Body %d.\n\n.dot\n" % i) for i in range(5)]
        self.deliver(user, sent)
        m = self.login(user)
        archived = simple_message("s@client.test", user, "in Archive")
        self.assertEqual(m.append("Archive", None, None, archived)[0], "OK")
        m.logout()
        # getmail refuses to deliver as root: then it delivers as
        # nobody, into a Maildir nobody owns, outside the 0700 work tree.
        top = tempfile.mkdtemp(prefix="mailrig-getmail-")
        self.addCleanup(shutil.rmtree, top, True)
        os.chmod(top, 0o755)
        dest = os.path.join(top, "Maildir")
        self.deliver_as = ""
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(dest, sub), exist_ok=True)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("nobody")
            for d in (dest, os.path.join(dest, "cur"),
                      os.path.join(dest, "new"), os.path.join(dest, "tmp")):
                os.chown(d, pw.pw_uid, pw.pw_gid)
            self.deliver_as = "user = nobody\n"
        cp = self.getmail(user, kind, dest, True)
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        got = []
        for n in sorted(os.listdir(os.path.join(dest, "new"))):
            with open(os.path.join(dest, "new", n), "rb") as f:
                data = f.read()
            # IMAP carries no envelope sender, so getmail writes an
            # unknown one first; the rest is the message.
            self.assertTrue(data.startswith(RETURN_PATH), data[:200])
            got.append(data[len(RETURN_PATH):])
        self.assertEqual(sorted(lf(b) for b in got),
                         sorted(lf(b) for b in sent + [archived]))
        # Already retrieved: nothing new with read_all off.
        cp = self.getmail(user, kind, dest, False)
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        self.assertEqual(len(os.listdir(os.path.join(dest, "new"))), 6)

    def test_imaps(self):
        self.retrieve("ssl")

    def test_plain_cram_md5(self):
        self.retrieve("plain")
