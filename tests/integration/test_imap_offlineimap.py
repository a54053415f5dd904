"""offlineimap (offlineimap3) against mailrig: a generated configuration
with implicit TLS (sslcacertfile, hostname checked) and with STARTTLS,
one run with -o -u quiet.  Messages delivered by SMTP arrive in the local
Maildir byte for byte (line ends aside), a message written locally goes
up, and since mailrig offers UIDPLUS no X-OfflineIMAP marker is added."""

import os
import re

import mrlib
from test_imap_util import PASSWORD, ImapCase, fetch_map, simple_message

MARKER_RE = re.compile(rb"(?im)^X-OfflineIMAP: ")


def lf(b):
    return b.replace(b"\r\n", b"\n")


def read_tree(path):
    """{folder (relative): [message bytes]} of the Maildirs under
    path."""
    out = {}
    for root, dirs, files in os.walk(path):
        dirs.sort()
        sub = os.path.basename(root)
        if sub not in ("cur", "new"):
            continue
        folder = os.path.relpath(os.path.dirname(root), path)
        for n in sorted(files):
            with open(os.path.join(root, n), "rb") as f:
                out.setdefault(folder, []).append(f.read())
    return out


class ImapOfflineimapTest(ImapCase):
    timeout = 120 * mrlib.SLOW

    def config(self, user, tls):
        d = os.path.join(self.server.dir, "offlineimap-" + tls)
        os.makedirs(os.path.join(d, "mail"), exist_ok=True)
        if tls == "ssl":
            port, ssl_line = self.imaps_port, "ssl = yes\n"
        else:
            port, ssl_line = self.imap_port, "ssl = no\nstarttls = yes\n"
        rc = os.path.join(d, "offlineimaprc")
        with open(rc, "w") as f:
            f.write("[general]\n"
                    "accounts = test\n"
                    "metadata = %s/meta\n"
                    "\n"
                    "[Account test]\n"
                    "localrepository = local\n"
                    "remoterepository = remote\n"
                    "\n"
                    "[Repository local]\n"
                    "type = Maildir\n"
                    "localfolders = %s/mail\n"
                    "\n"
                    "[Repository remote]\n"
                    "type = IMAP\n"
                    "remotehost = localhost\n"
                    "remoteport = %d\n"
                    "remoteuser = %s\n"
                    "remotepass = %s\n"
                    "%s"
                    "sslcacertfile = %s\n"
                    "folderfilter = lambda f: f in ['INBOX', 'Archive']\n"
                    % (d, d, port, user, PASSWORD, ssl_line,
                       self.server.ca))
        return rc, os.path.join(d, "mail")

    def run_once(self, rc):
        env = dict(os.environ, HOME=os.path.dirname(rc))
        cp = mrlib.run_client(self, ["offlineimap", "-c", rc, "-o", "-u",
                                     "quiet"], env=env,
                              timeout=60 * mrlib.SLOW)
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        self.assertNotIn(b"ERROR", cp.stdout + cp.stderr, mrlib.show(cp))
        return cp

    def sync(self, tls):
        user = self.user()
        sent = [simple_message("s@client.test", user, "offlineimap %d" % i,
                               "Line %d.\n\n.dot\nend\n" % i)
                for i in range(20)]
        self.deliver(user, sent)
        m = self.login(user)
        archived = simple_message("s@client.test", user, "archived")
        typ, data = m.append("Archive", "(\\Flagged)", None, archived)
        self.assertEqual(typ, "OK", data)
        m.logout()
        rc, mail = self.config(user, tls)
        self.run_once(rc)
        tree = read_tree(mail)
        self.assertEqual(sorted(tree), ["Archive", "INBOX"], tree.keys())
        # offlineimap keeps the server's bytes; it may store LF line
        # ends, so compare with those normalised, and exactly otherwise.
        self.assertEqual(sorted(lf(b) for b in tree["INBOX"]),
                         sorted(lf(b) for b in sent))
        self.assertEqual([lf(b) for b in tree["Archive"]], [lf(archived)])
        for b in tree["INBOX"]:
            self.assertFalse(MARKER_RE.search(b), b[:300])

        # Upload: a message written into the local INBOX.
        up = simple_message("me@client.test", user, "written locally",
                            "From the laptop.\n")
        name = "1700000000_0.1.client:2,S"
        with open(os.path.join(mail, "INBOX", "cur", name), "wb") as f:
            f.write(lf(up))
        self.run_once(rc)
        m = self.login(user)
        typ, data = m.select("INBOX")
        self.assertEqual((typ, data), ("OK", [b"21"]))
        got = fetch_map(m.fetch("21", "(FLAGS BODY.PEEK[])")[1])[21]
        # UIDPLUS lets offlineimap learn the UID from APPENDUID, so it
        # adds no marker header (RFC 4315 3).
        self.assertFalse(MARKER_RE.search(got["BODY[]"]), got["BODY[]"])
        self.assertEqual(lf(got["BODY[]"]), lf(up))
        self.assertIn("\\seen", {str(f).lower() for f in got["FLAGS"]})
        m.logout()
        # Nothing new: a third run changes neither side.
        before = read_tree(mail)
        self.run_once(rc)
        self.assertEqual(read_tree(mail), before)

    def test_ssl(self):
        self.sync("ssl")

    def test_starttls(self):
        self.sync("starttls")
