"""mbsync (isync) against mailrig: a generated mbsyncrc syncs a local
Maildir with the user's mailboxes both ways (200 messages delivered by
SMTP come down, messages written locally go up, a local folder is created
on the server), then flags change on both sides and a second sync carries
only the flags, and a third sync with nothing changed transfers nothing.
Checked by the message bytes on both sides, the flags on both sides and
the commands mbsync sent (from mailrig's session captures)."""

import datetime
import os
import re
import time

import mrlib
from test_imap_util import (PASSWORD, ImapCase, fetch_map, simple_message)

N_SMTP = 200
N_LOCAL = 5
N_NOTES = 3

# isync marks messages it uploads with an X-TUID header when it cannot
# learn their UID otherwise; it is not part of what the user wrote.
TUID_RE = re.compile(rb"(?im)^X-TUID: [^\r\n]*\r?\n")


def norm(b):
    """Message bytes for comparison: CRLF (isync stores LF locally) and
    without X-TUID."""
    b = TUID_RE.sub(b"", b)
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def maildir_files(path):
    """{file name: (sub-directory, flags)} of a Maildir folder."""
    out = {}
    for sub in ("new", "cur"):
        try:
            names = os.listdir(os.path.join(path, sub))
        except FileNotFoundError:
            continue
        for n in names:
            flags = n.rsplit(":2,", 1)[1] if ":2," in n else ""
            out[n] = (sub, flags)
    return out


def read_maildir(path):
    out = []
    for n, (sub, _) in sorted(maildir_files(path).items()):
        with open(os.path.join(path, sub, n), "rb") as f:
            out.append(f.read())
    return out



def started_at(session):
    """A capture's "started" (RFC 3339 UTC, ms) as a Unix time."""
    return datetime.datetime.strptime(
        session["started"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()

class ImapMbsyncTest(ImapCase):
    timeout = 120 * mrlib.SLOW

    def config(self, user, tls):
        d = os.path.join(self.server.dir, "mbsync-" + tls.lower())
        os.makedirs(os.path.join(d, "mail"), exist_ok=True)
        port = self.imaps_port if tls == "IMAPS" else self.imap_port
        rc = os.path.join(d, "mbsyncrc")
        with open(rc, "w") as f:
            f.write("IMAPAccount far\n"
                    "Host localhost\n"
                    "Port %d\n"
                    "User %s\n"
                    "Pass %s\n"
                    "SSLType %s\n"
                    "CertificateFile %s\n"
                    "Timeout 30\n"
                    "\n"
                    "IMAPStore far\n"
                    "Account far\n"
                    "\n"
                    "MaildirStore near\n"
                    "Path %s/mail/\n"
                    "Inbox %s/mail/INBOX\n"
                    "SubFolders Verbatim\n"
                    "\n"
                    "Channel both\n"
                    "Far :far:\n"
                    "Near :near:\n"
                    "Patterns *\n"
                    "Create Both\n"
                    "Expunge Both\n"
                    "SyncState *\n"
                    "Sync All\n" % (port, user, PASSWORD, tls,
                                    self.server.ca, d, d))
        return rc, os.path.join(d, "mail")

    def mbsync(self, rc):
        """One run of mbsync; returns the captures of the IMAP sessions
        it opened."""
        before = {s["_path"] for s in self.server.sessions()}
        # Sessions of our own that end late (their capture file appears
        # after `before`) must not count as mbsync's: they started
        # before mbsync did.
        t0 = time.time()
        cp = mrlib.run_client(self, ["mbsync", "-c", rc, "-V", "both"],
                              timeout=60 * mrlib.SLOW)
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        # Its sessions are recorded when they end; wait for them.
        deadline = time.monotonic() + mrlib.FILE_TIMEOUT
        new = []
        for _ in range(int(mrlib.FILE_TIMEOUT / mrlib.POLL) + 1):
            new = [s for s in self.server.sessions()
                   if s["_path"] not in before and
                   s.get("protocol") == "imap" and s.get("outcome") and
                   started_at(s) >= t0 - 0.002]
            if new or time.monotonic() > deadline:
                break
            time.sleep(mrlib.POLL)
        self.assertTrue(new, "no capture of mbsync's IMAP session")
        return new, cp

    @staticmethod
    def client_lines(sessions):
        return [e.get("line", "") for s in sessions
                for e in s.get("transcript", []) if e.get("dir") == "c"]

    def server_state(self, user, box):
        """{message bytes (normalised): flag set} and UIDNEXT of box."""
        m = self.login(user)
        typ, data = m.select('"%s"' % box, True)
        self.assertEqual(typ, "OK", data)
        n = int(data[0])
        out = {}
        if n:
            got = fetch_map(m.fetch("1:*", "(FLAGS BODY.PEEK[])")[1])
            self.assertEqual(len(got), n)
            for v in got.values():
                out.setdefault(norm(v["BODY[]"]), set()).update(
                    str(f).lower() for f in v["FLAGS"])
        st = m.status('"%s"' % box, "(UIDNEXT MESSAGES)")
        m.logout()
        return out, st

    def sync_both_ways(self, tls):
        user = self.user()
        sent = [simple_message("s@client.test", user, "mbsync %d" % i,
                               "Message %d of %d.\n.leading dot\n" %
                               (i, N_SMTP)) for i in range(N_SMTP)]
        self.deliver(user, sent)
        rc, mail = self.config(user, tls)
        inbox = os.path.join(mail, "INBOX")
        notes = os.path.join(mail, "Local", "Notes")
        local = []
        for folder, count, tag in ((inbox, N_LOCAL, "local"),
                                   (notes, N_NOTES, "note")):
            for sub in ("new", "cur", "tmp"):
                os.makedirs(os.path.join(folder, sub), exist_ok=True)
            for i in range(count):
                body = simple_message("me@client.test", user, "%s %d" %
                                      (tag, i), "Written locally.\n")
                # Local files use LF, as a Maildir MUA writes them.
                lf = body.replace(b"\r\n", b"\n")
                name = "%d.%s%d.client:2,S" % (1700000000 + i, tag, i)
                with open(os.path.join(folder, "cur", name), "wb") as f:
                    f.write(lf)
                local.append((folder, body))

        # First sync: 200 down, 5 + 3 up, Local/Notes created remotely.
        sessions, cp = self.mbsync(rc)
        near = [norm(b) for b in read_maildir(inbox)]
        want = sorted([norm(b) for b in sent] +
                      [b for f, b in local if f == inbox])
        self.assertEqual(len(near), N_SMTP + N_LOCAL)
        self.assertEqual(sorted(near), want, "local INBOX after sync")
        far, st = self.server_state(user, "INBOX")
        self.assertEqual(sorted(far), want, "server INBOX after sync")
        far_notes, _ = self.server_state(user, "Local/Notes")
        self.assertEqual(sorted(far_notes), sorted(
            b for f, b in local if f == notes))
        for b in (b for f, b in local):
            self.assertIn("\\seen", far.get(b, far_notes.get(b, set())))
        lines = self.client_lines(sessions)
        self.assertEqual(sum("APPEND" in ln.upper() for ln in lines),
                         N_LOCAL + N_NOTES, "APPENDs of the first sync")
        # Special-use folders came down as well.
        for name in ("Sent", "Trash", "Drafts", "Junk", "Archive"):
            self.assertTrue(os.path.isdir(os.path.join(mail, name, "cur")),
                            name)

        # Flag changes on both sides.
        files = maildir_files(inbox)
        names = sorted(n for n in files if ".local" not in n)
        local_flag = names[:10]
        for n in local_flag:
            sub, flags = files[n]
            new = n.rsplit(":2,", 1)[0] + ":2," + "".join(
                sorted(set(flags) | {"F"}))
            os.rename(os.path.join(inbox, sub, n),
                      os.path.join(inbox, "cur", new))
        local_flag_bodies = set()
        for n in local_flag:
            with open(os.path.join(inbox, "cur", n.rsplit(":2,", 1)[0] +
                                   ":2," + "".join(sorted(set(files[n][1]) |
                                                          {"F"}))),
                      "rb") as f:
                local_flag_bodies.add(norm(f.read()))
        m = self.login(user)
        m.select("INBOX")
        self.ok(m.store("190:200", "+FLAGS.SILENT", "(\\Flagged \\Answered)"))
        typ, data = m.fetch("190:200", "(BODY.PEEK[])")
        remote_flag_bodies = {norm(v["BODY[]"])
                              for v in fetch_map(data).values()}
        m.logout()
        self.assertEqual(len(remote_flag_bodies), 11)

        # Second sync: flags only, no message travels.
        sessions, cp = self.mbsync(rc)
        lines = self.client_lines(sessions)
        self.assertFalse([ln for ln in lines if "APPEND" in ln.upper()],
                         "the flag sync uploaded messages")
        self.assertFalse([ln for ln in lines if
                          re.search(r"(?i)BODY(\.PEEK)?\[\]", ln)],
                         "the flag sync downloaded messages")
        self.assertTrue([ln for ln in lines if "STORE" in ln.upper()],
                        "the flag sync stored no flags")
        far, st2 = self.server_state(user, "INBOX")
        self.assertEqual(len(far), N_SMTP + N_LOCAL)
        for b in local_flag_bodies:
            self.assertIn("\\flagged", far[b], "local F reached the server")
        files = maildir_files(inbox)
        by_body = {}
        for n, (sub, flags) in files.items():
            with open(os.path.join(inbox, sub, n), "rb") as f:
                by_body[norm(f.read())] = flags
        for b in remote_flag_bodies:
            self.assertIn("F", by_body[b], "server \\Flagged came down")
            self.assertIn("R", by_body[b], "server \\Answered came down")
        self.assertEqual(st2, st, "UIDNEXT/MESSAGES changed")

        # Third sync: nothing changed, nothing moves.
        snap = maildir_files(inbox)
        sessions, cp = self.mbsync(rc)
        lines = self.client_lines(sessions)
        self.assertTrue([ln for ln in lines if "SELECT" in ln.upper()],
                        "the capture holds no SELECT: %r" % lines[:20])
        for word in ("APPEND", "STORE", "EXPUNGE"):
            self.assertFalse([ln for ln in lines if word in ln.upper()],
                             "idle sync sent %s" % word)
        self.assertFalse([ln for ln in lines if
                          re.search(r"(?i)BODY(\.PEEK)?\[\]", ln)])
        self.assertEqual(maildir_files(inbox), snap)
        self.assertEqual(self.server_state(user, "INBOX")[1], st)

    def test_imaps_200_both_ways(self):
        self.sync_both_ways("IMAPS")

    def test_starttls_small(self):
        user = self.user()
        sent = self.deliver_n(user, 5, "mbsync starttls")
        rc, mail = self.config(user, "STARTTLS")
        sessions, cp = self.mbsync(rc)
        self.assertTrue(all(s.get("tls") for s in sessions), sessions)
        got = read_maildir(os.path.join(mail, "INBOX"))
        self.assertEqual(sorted(norm(b) for b in got), sorted(sent))
