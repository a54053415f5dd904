"""Python's imaplib against mailrig's IMAP fake: every RFC 3501 command in
the states it is allowed in, the extensions mailrig advertises (IDLE,
LITERAL+, UIDPLUS, MOVE, NAMESPACE, ID, ENABLE, UNSELECT, SPECIAL-USE,
CHILDREN, SASL-IR), mailbox names in modified UTF-7, and several sessions
on one mailbox.  Mail arrives by SMTP; what IMAP hands out is compared
byte for byte with what SMTP received."""

import base64
import hashlib
import hmac
import imaplib
import re
import time

import mrlib
from test_imap_util import (PASSWORD, ImapCase, code_of, crlf, fetch_map,
                            imaplib_bytes, mutf7, numbers, parse_values,
                            simple_message)

CAPS = ("IMAP4REV1", "STARTTLS", "LITERAL+", "IDLE", "UIDPLUS", "MOVE",
        "NAMESPACE", "ID", "ENABLE", "UNSELECT", "SPECIAL-USE", "CHILDREN",
        "SASL-IR", "AUTH=PLAIN", "AUTH=LOGIN", "AUTH=CRAM-MD5")

INTERNALDATE_RE = re.compile(r"^[ 0-3]\d-[A-Z][a-z]{2}-\d{4} "
                             r"\d\d:\d\d:\d\d [+-]\d{4}$")


def flagset(v):
    return {str(f).lower() for f in v}


def uidset(s):
    """A uid-set such as "1:3,7" (RFC 4315) as a list of numbers."""
    out = []
    for part in s.split(","):
        lo, _, hi = part.partition(":")
        lo, hi = int(lo), int(hi or lo)
        out += range(min(lo, hi), max(lo, hi) + 1)
    return out


def text(v):
    """A parsed string or atom as str."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v


MULTIPART = crlf("""From: "Doe, John" <john@a.test>
To: Alice Example <alice@b.test>, bob@c.test
Cc: carol@c.test
Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= and parts
Date: Tue, 02 Jan 2024 03:04:05 +0100
Message-ID: <multi.1@a.test>
In-Reply-To: <earlier@a.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer-b"

This is a preamble.
--outer-b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

First part, plain text.
Second line.
--outer-b
Content-Type: application/octet-stream; name="data.bin"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="data.bin"

AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
--outer-b
Content-Type: message/rfc822

From: inner@d.test
To: alice@b.test
Subject: inner message
Date: Mon, 01 Jan 2024 00:00:00 +0000
Message-ID: <inner.1@d.test>

Inner body line one.
Inner body line two.
--outer-b--
Epilogue.
""")


class ImaplibMixin:
    def mailbox(self, m, name, create=True):
        if create:
            self.ok(m.create(name), "CREATE %s" % name)
        return name

    def listing(self, m, ref='""', pat='"*"', cmd="list"):
        """{name: (attributes lower-cased, delimiter)} of LIST/LSUB."""
        typ, data = getattr(m, cmd)(ref, pat)
        self.assertEqual(typ, "OK", data)
        out = {}
        for d in data:
            if d is None:
                continue
            v = parse_values(imaplib_bytes([d]))
            self.assertEqual(len(v), 3, "LIST response %r" % (d,))
            attrs, delim, name = v
            out[text(name)] = (flagset(attrs), text(delim))
        return out

    def select(self, m, box="INBOX", readonly=False):
        typ, data = m.select(box, readonly)
        self.assertEqual(typ, "OK", data)
        return int(data[0])

    def fetch(self, m, seqs, items, uid=False):
        if uid:
            typ, data = m.uid("FETCH", seqs, items)
        else:
            typ, data = m.fetch(seqs, items)
        self.assertEqual(typ, "OK", data)
        return fetch_map(data)

    def bodies(self, m, n):
        got = self.fetch(m, "1:%d" % n, "(BODY.PEEK[])")
        self.assertEqual(sorted(got), list(range(1, n + 1)))
        return [got[i]["BODY[]"] for i in range(1, n + 1)]

    def status(self, m, box, items="(MESSAGES RECENT UIDNEXT UIDVALIDITY "
               "UNSEEN)"):
        typ, data = m.status(box, items)
        self.assertEqual(typ, "OK", data)
        v = parse_values(imaplib_bytes(data))
        self.assertEqual(len(v), 2, data)
        lst = v[1]
        return {str(lst[k]).upper(): int(lst[k + 1])
                for k in range(0, len(lst), 2)}


class ImaplibTest(ImaplibMixin, ImapCase):
    def test_capability_noop_logout(self):
        m = self.connect()
        data = self.ok(m.capability(), "CAPABILITY")
        caps = set(data[0].decode().upper().split())
        for c in CAPS:
            self.assertIn(c, caps, "CAPABILITY before login")
        self.assertNotIn("LOGINDISABLED", caps)
        self.ok(m.noop(), "NOOP before login")
        self.ok(m.login(self.user(), PASSWORD), "LOGIN")
        caps = set(self.ok(m.capability())[0].decode().upper().split())
        self.assertIn("IMAP4REV1", caps)
        self.ok(m.noop(), "NOOP authenticated")
        typ, data = m.logout()
        # RFC 3501 6.1.3: an untagged BYE before the tagged OK.
        self.assertEqual(typ, "BYE", data)

    def test_starttls(self):
        user = self.user()
        body = self.deliver(user, simple_message("s@client.test", user,
                                                 "over starttls"))[0]
        m = self.connect("starttls")
        self.ok(m.login(user, PASSWORD), "LOGIN after STARTTLS")
        self.assertEqual(self.select(m), 1)
        self.assertEqual(self.bodies(m, 1), [body])
        m.logout()
        s = self.server.wait_session(
            lambda s: s.get("protocol") == "imap" and any(
                user in e.get("line", "") for e in s.get("transcript", [])
                if e.get("dir") == "c"), "IMAP session of %s" % user)
        self.assertIs(s.get("tls"), True, "session tls")

    def test_imaps(self):
        user = self.user()
        body = self.deliver(user, simple_message("s@client.test", user,
                                                 "over imaps"))[0]
        m = self.login(user, tls="imaps")
        self.assertEqual(self.select(m), 1)
        self.assertEqual(self.bodies(m, 1), [body])

    def test_authenticate_plain(self):
        user = self.user()
        body = self.deliver(user, simple_message("s@client.test", user,
                                                 "plain"))[0]
        m = self.connect()
        cred = b"\0" + user.encode() + b"\0" + PASSWORD.encode()
        self.ok(m.authenticate("PLAIN", lambda ch: cred), "AUTH PLAIN")
        self.assertEqual(m.state, "AUTH")
        self.assertEqual(self.select(m), 1)
        self.assertEqual(self.bodies(m, 1), [body])

    def test_login_local_part(self):
        # A login without '@' owns the mail of every address with that
        # local part.
        login = "localpart"
        a = "%s@example.test" % login
        b = "%s@other.test" % login
        ba = self.deliver(a, simple_message("s@client.test", a, "to a"))
        bb = self.deliver(b, simple_message("s@client.test", b, "to b"))
        m = self.login(login)
        self.assertEqual(self.select(m), 2)
        self.assertEqual(sorted(self.bodies(m, 2)), sorted(ba + bb))

    def test_select_examine_raw(self):
        user = self.user()
        self.deliver_n(user, 3)
        a = self.raw_login(user)
        st, line, un = a.cmd("SELECT INBOX")
        self.assertEqual(st, "OK", line)
        # RFC 3501 6.3.1: the tagged OK of SELECT carries READ-WRITE.
        self.assertIn(b"[READ-WRITE]", line)
        joined = b"".join(un)
        self.assertIn(b"* 3 EXISTS\r\n", joined)
        self.assertIn(b"* 3 RECENT\r\n", joined)
        self.assertRegex(joined, rb"\* FLAGS \([^)]*\\Seen")
        self.assertRegex(joined, rb"\* OK \[PERMANENTFLAGS \([^)]*\\\*")
        self.assertIn(b"* OK [UIDNEXT 4]", joined)
        self.assertIn(b"* OK [UNSEEN 1]", joined)
        m = re.search(rb"\* OK \[UIDVALIDITY (\d+)\]", joined)
        self.assertTrue(m, un)
        validity = int(m.group(1))
        self.assertGreater(validity, 0)

        b = self.raw_login(user)
        st, line, un = b.cmd("EXAMINE INBOX")
        self.assertEqual(st, "OK", line)
        self.assertIn(b"[READ-ONLY]", line)
        joined = b"".join(un)
        self.assertIn(b"* 3 EXISTS\r\n", joined)
        # RFC 3501 2.3.2: the first (read-write) session claimed \Recent.
        self.assertIn(b"* 0 RECENT\r\n", joined)
        self.assertIn(b"* OK [UIDVALIDITY %d]" % validity, joined)
        st, line, un = b.cmd("STORE 1 +FLAGS (\\Flagged)")
        self.assertEqual(st, "NO", line)
        # A non-PEEK fetch in a read-only mailbox sets no \Seen.
        st, line, un = b.cmd("FETCH 2 BODY[]")
        self.assertEqual(st, "OK", line)
        st, line, un = a.cmd("FETCH 2 FLAGS")
        self.assertEqual(st, "OK", line)
        self.assertNotIn(b"\\Seen", b"".join(un))
        # A failed SELECT leaves no mailbox selected (RFC 3501 6.3.1).
        st, line, un = b.cmd("SELECT NoSuchBox")
        self.assertEqual(st, "NO", line)
        st, line, un = b.cmd("FETCH 1 FLAGS")
        self.assertEqual(st, "BAD", line)

    def test_create_delete_rename(self):
        m = self.login(self.user())
        self.mailbox(m, "Projects/2024")
        names = self.listing(m)
        # RFC 3501 6.3.3: superiors are created as needed.
        self.assertIn("Projects", names)
        self.assertIn("Projects/2024", names)
        self.assertEqual(names["Projects/2024"][1], "/")
        self.assertEqual(m.create("Projects/2024")[0], "NO")
        self.assertEqual(m.create("INBOX")[0], "NO")
        self.assertEqual(m.create("inbox")[0], "NO")
        # A trailing delimiter declares a future superior.
        self.ok(m.create("Trailing/"))
        self.assertIn("Trailing", self.listing(m))

        self.ok(m.rename("Projects", "Work"), "RENAME with inferiors")
        names = self.listing(m)
        self.assertIn("Work", names)
        self.assertIn("Work/2024", names)
        self.assertNotIn("Projects", names)
        self.assertNotIn("Projects/2024", names)
        self.assertEqual(m.rename("Work", "Trailing")[0], "NO")
        self.assertEqual(m.rename("Nothing", "Else")[0], "NO")

        # RFC 3501 6.3.4: DELETE never removes inferiors.
        self.ok(m.delete("Work"))
        names = self.listing(m)
        self.assertIn("Work/2024", names)
        if "Work" in names:
            self.assertIn("\\noselect", names["Work"][0])
        self.ok(m.delete("Work/2024"))
        self.assertNotIn("Work/2024", self.listing(m))
        self.assertEqual(m.delete("Work/2024")[0], "NO")
        self.assertEqual(m.delete("INBOX")[0], "NO")
        self.assertEqual(m.select("Work/2024")[0], "NO")

    def test_rename_inbox(self):
        user = self.user()
        sent = self.deliver_n(user, 2, "inbox rename")
        m = self.login(user)
        st = self.status(m, "INBOX")
        self.ok(m.rename("INBOX", '"Old Inbox"'), "RENAME INBOX")
        # RFC 3501 6.3.5: the messages move, INBOX stays and is empty.
        names = self.listing(m)
        self.assertIn("INBOX", names)
        self.assertIn("Old Inbox", names)
        self.assertEqual(self.status(m, "INBOX")["MESSAGES"], 0)
        self.assertEqual(self.status(m, '"Old Inbox"')["MESSAGES"], 2)
        self.assertEqual(self.select(m, '"Old Inbox"'), 2)
        self.assertEqual(self.bodies(m, 2), sent)
        # New mail still lands in INBOX.
        more = self.deliver(user, simple_message("s@client.test", user,
                                                 "after rename"))
        self.assertEqual(self.select(m, "INBOX"), 1)
        self.assertEqual(self.bodies(m, 1), more)
        self.assertGreater(st["UIDVALIDITY"], 0)

    def test_subscribe_lsub(self):
        m = self.login(self.user())
        self.mailbox(m, "a/b")
        self.mailbox(m, "gone")
        self.ok(m.subscribe("a/b"))
        self.ok(m.subscribe("INBOX"))
        self.ok(m.subscribe("gone"))
        subs = self.listing(m, cmd="lsub")
        # The special-use mailboxes may come subscribed.
        self.assertTrue({"a/b", "INBOX", "gone"} <= set(subs), subs)
        self.assertNotIn("a", subs)
        # RFC 3501 6.3.9: LSUB "%" gives "a" for a subscribed "a/b",
        # flagged \Noselect.
        top = self.listing(m, pat='"%"', cmd="lsub")
        self.assertIn("a", top)
        self.assertNotIn("a/b", top)
        self.assertIn("\\noselect", top["a"][0])
        # The subscription list keeps names of deleted mailboxes.
        self.ok(m.delete("gone"))
        self.assertIn("gone", self.listing(m, cmd="lsub"))
        self.ok(m.unsubscribe("a/b"))
        self.ok(m.unsubscribe("gone"))
        subs = self.listing(m, cmd="lsub")
        self.assertIn("INBOX", subs)
        self.assertFalse({"a/b", "gone", "a"} & set(subs), subs)

    def test_list_wildcards_children(self):
        m = self.login(self.user())
        for n in ("a", "a/b", "a/b/c", "ab"):
            self.mailbox(m, n)
        every = self.listing(m)
        for n in ("INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive",
                  "a", "a/b", "a/b/c", "ab"):
            self.assertIn(n, every, "LIST * %r" % sorted(every))
        self.assertTrue(all(d == "/" for _, d in every.values()), every)
        top = set(self.listing(m, pat='"%"'))
        self.assertTrue({"INBOX", "a", "ab", "Sent"} <= top, top)
        self.assertFalse({"a/b", "a/b/c"} & top, top)
        self.assertEqual(set(self.listing(m, pat='"a/%"')), {"a/b"})
        self.assertEqual(set(self.listing(m, ref='"a/"', pat='"%"')),
                         {"a/b"})
        self.assertEqual(set(self.listing(m, pat='"a*"')),
                         {"a", "a/b", "a/b/c", "ab"})
        self.assertEqual(set(self.listing(m, pat='"a/*"')),
                         {"a/b", "a/b/c"})
        # RFC 3501 6.3.8: an empty pattern asks for the delimiter.
        typ, data = m.list('""', '""')
        self.assertEqual(typ, "OK", data)
        v = parse_values(imaplib_bytes(data))
        self.assertEqual(len(v), 3, data)
        self.assertIn("\\noselect", flagset(v[0]))
        self.assertEqual(text(v[1]), "/")
        self.assertEqual(text(v[2]), "")
        # RFC 3348: children attributes.
        self.assertIn("\\haschildren", every["a"][0])
        self.assertIn("\\haschildren", every["a/b"][0])
        self.assertIn("\\hasnochildren", every["a/b/c"][0])
        self.assertIn("\\hasnochildren", every["ab"][0])

    def test_special_use(self):
        m = self.login(self.user())
        every = self.listing(m)
        for name, attr in (("Sent", "\\sent"), ("Drafts", "\\drafts"),
                           ("Trash", "\\trash"), ("Junk", "\\junk"),
                           ("Archive", "\\archive")):
            self.assertIn(name, every)
            self.assertIn(attr, every[name][0], "RFC 6154 on %s" % name)
        self.assertFalse(every["INBOX"][0] & {"\\sent", "\\trash"})

    def test_mutf7_names(self):
        user = self.user()
        m = self.login(user)
        names = ["Entwürfe", "台北", "A&B", "Ümlaut/Kind ß"]
        enc = [mutf7(n) for n in names]
        # RFC 3501 5.1.3's own examples.
        self.assertEqual(enc[1], "&U,BTFw-")
        self.assertEqual(enc[2], "A&-B")
        for e in enc:
            self.ok(m.create('"%s"' % e), "CREATE %s" % e)
        listed = self.listing(m)
        for e in enc:
            self.assertIn(e, listed, "LIST gives %r" % sorted(listed))
        msg = simple_message("s@client.test", user, "in a utf-7 box")
        typ, data = m.append('"%s"' % enc[0], None, None, msg)
        self.assertEqual(typ, "OK", data)
        self.assertEqual(self.select(m, '"%s"' % enc[0]), 1)
        self.assertEqual(self.bodies(m, 1), [msg])
        self.ok(m.rename('"%s"' % enc[3], '"%s"' % mutf7("Neu/Kind")))
        self.assertIn(mutf7("Neu/Kind"), self.listing(m))

    def test_status(self):
        user = self.user()
        self.deliver_n(user, 3)
        m = self.login(user)
        st = self.status(m, "INBOX")
        self.assertEqual((st["MESSAGES"], st["RECENT"], st["UIDNEXT"],
                          st["UNSEEN"]), (3, 3, 4, 3), st)
        self.select(m)
        self.fetch(m, "1", "(BODY[])")
        m2 = self.login(user)
        st2 = self.status(m2, "INBOX")
        self.assertEqual(st2["UNSEEN"], 2)
        self.assertEqual(st2["UIDVALIDITY"], st["UIDVALIDITY"])
        self.assertEqual(m2.status("NoSuchBox", "(MESSAGES)")[0], "NO")
        self.assertEqual(self.status(m2, "Sent", "(MESSAGES)"),
                         {"MESSAGES": 0})

    def test_append_flags_date(self):
        user = self.user()
        m = self.login(user)
        msg = simple_message("s@client.test", user, "appended")
        typ, data = m.append("INBOX", "(\\Seen \\Flagged $Label1)",
                             '"01-Feb-2023 12:34:56 +0100"', msg)
        self.assertEqual(typ, "OK", data)
        code = code_of(data)
        # RFC 4315 3: APPENDUID validity uid.
        self.assertEqual(code[:1], ["APPENDUID"], data)
        validity, uid = int(code[1]), int(code[2])
        self.assertEqual(self.select(m), 1)
        got = self.fetch(m, str(uid), "(FLAGS INTERNALDATE RFC822.SIZE "
                         "BODY.PEEK[] UID)", uid=True)
        (seq, items), = got.items()
        self.assertEqual(seq, 1)
        self.assertEqual(int(items["UID"]), uid)
        self.assertTrue({"\\seen", "\\flagged", "$label1"} <=
                        flagset(items["FLAGS"]), items["FLAGS"])
        # The same instant; the zone it is shown in may differ.
        self.assertRegex(text(items["INTERNALDATE"]), INTERNALDATE_RE)
        self.assertEqual(time.mktime(imaplib.Internaldate2tuple(
            b'INTERNALDATE "%s"' % text(items["INTERNALDATE"]).encode())),
            time.mktime(imaplib.Internaldate2tuple(
                b'INTERNALDATE "01-Feb-2023 12:34:56 +0100"')))
        self.assertEqual(int(items["RFC822.SIZE"]), len(msg))
        self.assertEqual(items["BODY[]"], msg)
        self.assertEqual(self.status(m, "INBOX")["UIDVALIDITY"], validity)
        # A mailbox that does not exist: NO [TRYCREATE] (RFC 3501 6.3.11).
        typ, data = m.append("NoSuchBox", None, None, msg)
        self.assertEqual(typ, "NO", data)
        self.assertEqual(code_of(data)[:1], ["TRYCREATE"], data)
        # One megabyte streams through as a literal and back.
        big = crlf("Subject: big\n\n" + ("%077d\n" % 7) * 13400)
        self.assertGreater(len(big), 1000000)
        typ, data = m.append("INBOX", None, None, big)
        self.assertEqual(typ, "OK", data)
        self.assertEqual(self.status(m, "INBOX")["MESSAGES"], 2)
        got = self.fetch(m, "2", "(RFC822.SIZE BODY.PEEK[])")
        self.assertEqual(int(got[2]["RFC822.SIZE"]), len(big))
        self.assertEqual(got[2]["BODY[]"], big)

    def test_check_expunge_close_unselect(self):
        user = self.user()
        sent = self.deliver_n(user, 5)
        m = self.login(user)
        self.assertEqual(self.select(m), 5)
        typ, data = m.store("2,4", "+FLAGS.SILENT", "(\\Deleted)")
        self.assertEqual(typ, "OK", data)
        self.ok(m.check(), "CHECK")
        typ, data = m.expunge()
        self.assertEqual(typ, "OK", data)
        # RFC 3501 7.4.1: each EXPUNGE renumbers the ones after it.
        self.assertEqual(data, [b"2", b"3"])
        self.assertEqual(self.bodies(m, 3), [sent[0], sent[2], sent[4]])

        # UNSELECT (RFC 3691) leaves \Deleted messages alone...
        self.ok(m.store("1", "+FLAGS.SILENT", "(\\Deleted)"))
        self.ok(m.unselect(), "UNSELECT")
        self.assertEqual(m.state, "AUTH")
        self.assertEqual(self.select(m), 3)
        # ... CLOSE removes them, silently (RFC 3501 6.4.2).
        m.untagged_responses.pop("EXPUNGE", None)
        self.ok(m.close(), "CLOSE")
        self.assertNotIn("EXPUNGE", m.untagged_responses)
        self.assertEqual(self.select(m), 2)
        self.assertEqual(self.bodies(m, 2), [sent[2], sent[4]])
        # CLOSE of a read-only mailbox expunges nothing.
        self.ok(m.store("1", "+FLAGS.SILENT", "(\\Deleted)"))
        self.ok(m.unselect())
        self.select(m, readonly=True)
        self.ok(m.close())
        self.assertEqual(self.select(m), 2)

    def test_search(self):
        user = self.user()
        m = self.login(user)
        corpus = [
            ("From: Alice <alice@a.test>\nTo: bob@b.test\nCc: carol@c.test"
             "\nSubject: Quarterly report\n"
             "Date: Mon, 02 Jan 2023 09:00:00 +0000\n\nnumbers inside\n",
             "(\\Seen \\Answered)", "02-Jan-2023 12:00:00 +0000"),
            ("From: bob@b.test\nTo: Alice <alice@a.test>\nBcc: dave@d.test"
             "\nSubject: Lunch?\nDate: Wed, 15 Mar 2023 11:00:00 +0000\n"
             "\npizza or sushi\n", "(\\Flagged)",
             "15-Mar-2023 12:00:00 +0000"),
            ("From: carol@c.test\nTo: alice@a.test\n"
             "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\n"
             "X-Custom: yes\nDate: Thu, 01 Jun 2023 08:00:00 +0000\n"
             "MIME-Version: 1.0\n"
             "Content-Type: text/plain; charset=utf-8\n"
             "Content-Transfer-Encoding: 8bit\n\nSchöne Grüße\n",
             "(\\Draft)", "01-Jun-2023 12:00:00 +0000"),
            ("From: dave@d.test\nTo: alice@a.test\nSubject: big one\n"
             "Date: Mon, 10 Jul 2023 10:00:00 +0000\n\n" +
             "x" * 70 + "\n" * 1 + ("y" * 99 + "\n") * 50,
             "(\\Deleted $Important)", "10-Jul-2023 12:00:00 +0000"),
            ("From: alice@a.test\nTo: bob@b.test\n"
             "Subject: Re: Quarterly report\n"
             "Date: Mon, 01 Jan 2024 10:00:00 +0000\n\nsee attachment\n",
             None, "01-Jan-2024 12:00:00 +0000"),
        ]
        for body, flags, date in corpus:
            typ, data = m.append("INBOX", flags, '"%s"' % date, crlf(body))
            self.assertEqual(typ, "OK", data)
        self.assertEqual(self.select(m), 5)
        cases = [
            ("ALL", [1, 2, 3, 4, 5]),
            ("SEEN", [1]), ("UNSEEN", [2, 3, 4, 5]),
            ("ANSWERED", [1]), ("UNANSWERED", [2, 3, 4, 5]),
            ("FLAGGED", [2]), ("UNFLAGGED", [1, 3, 4, 5]),
            ("DELETED", [4]), ("UNDELETED", [1, 2, 3, 5]),
            ("DRAFT", [3]), ("UNDRAFT", [1, 2, 4, 5]),
            ("KEYWORD $Important", [4]),
            ("UNKEYWORD $Important", [1, 2, 3, 5]),
            ("RECENT", [1, 2, 3, 4, 5]), ("NEW", [2, 3, 4, 5]),
            ("OLD", []),
            ("FROM alice", [1, 5]), ("FROM ALICE@A.TEST", [1, 5]),
            ("TO alice", [2, 3, 4]), ("CC carol", [1]), ("BCC dave", [2]),
            ('SUBJECT "quarterly report"', [1, 5]),
            ('SUBJECT "Lunch?"', [2]),
            ("BODY pizza", [2]), ("BODY alice", []),
            ("TEXT pizza", [2]), ("TEXT bob@b.test", [1, 2, 5]),
            ("HEADER X-Custom yes", [3]), ('HEADER X-Custom ""', [3]),
            ("LARGER 4000", [4]), ("SMALLER 4000", [1, 2, 3, 5]),
            ("BEFORE 15-Mar-2023", [1]), ("ON 15-Mar-2023", [2]),
            ("SINCE 1-Jun-2023", [3, 4, 5]),
            ("SENTBEFORE 2-Jan-2023", []), ("SENTON 15-Mar-2023", [2]),
            ("SENTSINCE 10-Jul-2023", [4, 5]),
            ("NOT SEEN", [2, 3, 4, 5]),
            ("OR FLAGGED DRAFT", [2, 3]),
            ("OR OR SEEN FLAGGED DRAFT", [1, 2, 3]),
            ('(FROM alice SUBJECT "Re:")', [5]),
            ("2:4", [2, 3, 4]), ("2:4 NOT 3", [2, 4]), ("*", [5]),
            ("1,5", [1, 5]), ("4:*", [4, 5]),
            ("UID 1:*", [1, 2, 3, 4, 5]),
            ("NOT (OR FROM alice FROM bob)", [3, 4]),
        ]
        for i, (crit, want) in enumerate(cases):
            typ, data = m.search(None, crit)
            self.assertEqual(typ, "OK", "case %d (%s): %r" % (i, crit,
                                                              data))
            self.assertEqual(numbers(data), want, "case %d (%s)" % (i,
                                                                   crit))
        # CHARSET UTF-8 with the key in a literal (RFC 3501 6.4.4).
        m.literal = "Grüße".encode("utf-8")
        typ, data = m.search("UTF-8", "BODY")
        self.assertEqual((typ, numbers(data)), ("OK", [3]), data)
        m.literal = "Köln".encode("utf-8")
        typ, data = m.search("UTF-8", "SUBJECT")
        self.assertEqual((typ, numbers(data)), ("OK", [3]),
                         "SUBJECT decodes RFC 2047 words: %r" % data)
        typ, data = m.search("UTF-8", "TO", "alice")
        self.assertEqual((typ, numbers(data)), ("OK", [2, 3, 4]), data)
        # An unknown charset is NO [BADCHARSET], never BAD.
        typ, data = m._simple_command("SEARCH", "CHARSET", "X-NOPE",
                                      "ALL")
        self.assertEqual(typ, "NO", data)
        self.assertIn("BADCHARSET", data[-1].decode().upper())
        # UID SEARCH answers UIDs.
        uids = numbers(m.uid("SEARCH", None, "ALL")[1])
        self.assertEqual(len(uids), 5)
        self.assertEqual(uids, sorted(uids))
        self.assertEqual(numbers(m.uid("SEARCH", None, "FLAGGED")[1]),
                         [uids[1]])
        with self.assertRaises(imaplib.IMAP4.error):
            m.search(None, "NOSUCHKEY 1")

    def test_fetch_items(self):
        user = self.user()
        msg = self.deliver(user, MULTIPART)[0]
        m = self.login(user)
        self.assertEqual(self.select(m), 1)
        head, _, text_ = msg.partition(b"\r\n\r\n")
        head += b"\r\n\r\n"
        got = self.fetch(m, "1", "(UID FLAGS INTERNALDATE RFC822.SIZE "
                         "ENVELOPE BODY BODYSTRUCTURE)")[1]
        self.assertEqual(int(got["UID"]), 1)
        self.assertNotIn("\\seen", flagset(got["FLAGS"]))
        self.assertRegex(text(got["INTERNALDATE"]), INTERNALDATE_RE)
        self.assertEqual(int(got["RFC822.SIZE"]), len(msg))

        env = got["ENVELOPE"]
        self.assertEqual(len(env), 10, env)
        self.assertEqual(env[0], b"Tue, 02 Jan 2024 03:04:05 +0100")
        # The subject is the raw header value (RFC 3501 7.4.2).
        self.assertEqual(env[1], b"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= and parts")
        self.assertEqual(env[2], [[b"Doe, John", None, b"john", b"a.test"]])
        # Sender and Reply-To default to From.
        self.assertEqual(env[3], env[2])
        self.assertEqual(env[4], env[2])
        self.assertEqual(env[5], [[b"Alice Example", None, b"alice",
                                   b"b.test"], [None, None, b"bob",
                                                b"c.test"]])
        self.assertEqual(env[6], [[None, None, b"carol", b"c.test"]])
        self.assertIsNone(env[7])
        self.assertEqual(env[8], b"<earlier@a.test>")
        self.assertEqual(env[9], b"<multi.1@a.test>")

        part1 = crlf("First part, plain text.\nSecond line.")
        part2 = b"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
        inner_head = crlf("From: inner@d.test\nTo: alice@b.test\n"
                          "Subject: inner message\n"
                          "Date: Mon, 01 Jan 2024 00:00:00 +0000\n"
                          "Message-ID: <inner.1@d.test>\n\n")
        inner_text = crlf("Inner body line one.\nInner body line two.")
        self.assertIn(inner_head + inner_text, msg)

        bs = got["BODYSTRUCTURE"]
        self.assertEqual(len(bs) >= 5, True, bs)
        p1, p2, p3, sub = bs[0], bs[1], bs[2], bs[3]
        self.assertEqual(text(sub).upper(), "MIXED")
        self.assertEqual([text(x).upper() for x in bs[4]],
                         ["BOUNDARY", "OUTER-B"])
        self.assertEqual((text(p1[0]).upper(), text(p1[1]).upper()),
                         ("TEXT", "PLAIN"))
        self.assertEqual([text(x).lower() for x in p1[2]],
                         ["charset", "utf-8"])
        self.assertEqual(text(p1[5]).upper(), "7BIT")
        self.assertEqual(int(p1[6]), len(part1))
        # Line counts: the CRLF before a boundary belongs to the boundary
        # (RFC 2046 5.1.1), so servers may count the last line or not.
        self.assertIn(int(p1[7]), (1, 2))
        self.assertEqual((text(p2[0]).upper(), text(p2[1]).upper()),
                         ("APPLICATION", "OCTET-STREAM"))
        self.assertEqual(text(p2[5]).upper(), "BASE64")
        self.assertEqual(int(p2[6]), len(part2))
        # Extension data of a basic part: md5, disposition, ...
        self.assertEqual(text(p2[8][0]).upper(), "ATTACHMENT", p2)
        self.assertEqual([text(x).lower() for x in p2[8][1]],
                         ["filename", "data.bin"])
        self.assertEqual((text(p3[0]).upper(), text(p3[1]).upper()),
                         ("MESSAGE", "RFC822"))
        self.assertEqual(int(p3[6]), len(inner_head + inner_text))
        self.assertEqual(p3[7][1], b"inner message")
        self.assertEqual(p3[7][9], b"<inner.1@d.test>")
        self.assertEqual((text(p3[8][0]).upper(), text(p3[8][1]).upper()),
                         ("TEXT", "PLAIN"))
        self.assertIn(int(p3[9]), (7, 8))
        # BODY is BODYSTRUCTURE without extension data.
        body = got["BODY"]
        self.assertEqual(len(body), 4, body)
        self.assertEqual(text(body[3]).upper(), "MIXED")
        self.assertEqual(len(body[0]), 8, body[0])

        got = self.fetch(m, "1", "(BODY.PEEK[HEADER] BODY.PEEK[TEXT] "
                         "BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[2] "
                         "BODY.PEEK[3.HEADER] BODY.PEEK[3.TEXT] "
                         "BODY.PEEK[3.1] BODY.PEEK[]<0.10> "
                         "BODY.PEEK[]<10.100000> "
                         "BODY.PEEK[HEADER.FIELDS (Subject Cc)] "
                         "BODY.PEEK[HEADER.FIELDS.NOT (Subject Cc "
                         "Content-Type)])")[1]
        self.assertEqual(got["BODY[HEADER]"], head)
        self.assertEqual(got["BODY[TEXT]"], text_)
        self.assertEqual(got["BODY[1]"], part1)
        self.assertEqual(got["BODY[1.MIME]"], crlf(
            "Content-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 7bit\n\n"))
        self.assertEqual(got["BODY[2]"], part2)
        self.assertEqual(got["BODY[3.HEADER]"], inner_head)
        self.assertEqual(got["BODY[3.TEXT]"], inner_text)
        self.assertEqual(got["BODY[3.1]"], inner_text)
        self.assertEqual(got["BODY[]<0>"], msg[:10])
        self.assertEqual(got["BODY[]<10>"], msg[10:])
        lines = head.split(b"\r\n")
        want = [ln for ln in lines if ln.lower().startswith((b"subject:",
                                                            b"cc:"))]
        self.assertEqual(got["BODY[HEADER.FIELDS (SUBJECT CC)]"],
                         b"\r\n".join(want) + b"\r\n\r\n")
        want = [ln for ln in lines[:-2] if not ln.lower().startswith(
            (b"subject:", b"cc:", b"content-type:"))]
        self.assertEqual(
            got["BODY[HEADER.FIELDS.NOT (SUBJECT CC CONTENT-TYPE)]"],
            b"\r\n".join(want) + b"\r\n\r\n")
        # Nothing so far set \Seen ...
        self.assertNotIn("\\seen", flagset(self.fetch(m, "1",
                                                      "FLAGS")[1]["FLAGS"]))
        got = self.fetch(m, "1", "RFC822.HEADER")[1]
        self.assertEqual(got["RFC822.HEADER"], head)
        self.assertNotIn("\\seen", flagset(self.fetch(m, "1",
                                                      "FLAGS")[1]["FLAGS"]))
        # ... RFC822.TEXT, RFC822 and BODY[] do (RFC 3501 6.4.5).
        got = self.fetch(m, "1", "RFC822.TEXT")[1]
        self.assertEqual(got["RFC822.TEXT"], text_)
        self.assertIn("\\seen", flagset(self.fetch(m, "1",
                                                   "FLAGS")[1]["FLAGS"]))
        self.ok(m.store("1", "-FLAGS.SILENT", "(\\Seen)"))
        got = self.fetch(m, "1", "RFC822")[1]
        self.assertEqual(got["RFC822"], msg)
        self.assertIn("\\seen", flagset(self.fetch(m, "1",
                                                   "FLAGS")[1]["FLAGS"]))
        self.ok(m.store("1", "-FLAGS.SILENT", "(\\Seen)"))
        got = self.fetch(m, "1", "BODY[1]")[1]
        self.assertEqual(got["BODY[1]"], part1)
        self.assertIn("\\seen", flagset(self.fetch(m, "1",
                                                   "FLAGS")[1]["FLAGS"]))
        # Macros (RFC 3501 6.4.5).
        got = self.fetch(m, "1", "FAST")[1]
        self.assertEqual(set(got), {"FLAGS", "INTERNALDATE",
                                    "RFC822.SIZE"})
        got = self.fetch(m, "1", "FULL")[1]
        self.assertEqual(set(got), {"FLAGS", "INTERNALDATE",
                                    "RFC822.SIZE", "ENVELOPE", "BODY"})
        got = self.fetch(m, "1", "ALL")[1]
        self.assertEqual(set(got), {"FLAGS", "INTERNALDATE",
                                    "RFC822.SIZE", "ENVELOPE"})

    def test_store_flags(self):
        user = self.user()
        self.deliver_n(user, 3)
        m = self.login(user)
        self.select(m)
        typ, data = m.store("1", "+FLAGS", "(\\Flagged)")
        self.assertEqual(typ, "OK", data)
        got = fetch_map(data)
        self.assertIn("\\flagged", flagset(got[1]["FLAGS"]))
        typ, data = m.store("1:2", "+FLAGS", "(\\Answered kw1)")
        got = fetch_map(data)
        self.assertEqual(sorted(got), [1, 2])
        self.assertTrue({"\\answered", "kw1", "\\flagged"} <=
                        flagset(got[1]["FLAGS"]))
        typ, data = m.store("1", "-FLAGS", "(\\Flagged)")
        got = fetch_map(data)
        self.assertNotIn("\\flagged", flagset(got[1]["FLAGS"]))
        typ, data = m.store("2", "FLAGS", "(\\Draft kw2)")
        got = fetch_map(data)
        self.assertEqual(flagset(got[2]["FLAGS"]) - {"\\recent"},
                         {"\\draft", "kw2"})
        # .SILENT: no FETCH back (RFC 3501 6.4.6).
        typ, data = m.store("3", "+FLAGS.SILENT", "(\\Seen)")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(data, [None])
        got = self.fetch(m, "1:3", "FLAGS")
        self.assertIn("\\seen", flagset(got[3]["FLAGS"]))
        self.assertEqual(flagset(got[1]["FLAGS"]) - {"\\recent"},
                         {"\\answered", "kw1"})
        # Flags persist for the next session.
        m2 = self.login(user)
        self.select(m2, readonly=True)
        got = self.fetch(m2, "1:3", "FLAGS")
        self.assertEqual(flagset(got[2]["FLAGS"]) - {"\\recent"},
                         {"\\draft", "kw2"})
        with self.assertRaises(imaplib.IMAP4.error):
            m.store("1", "+FLAGZ", "(\\Seen)")

    def test_copy(self):
        user = self.user()
        sent = self.deliver_n(user, 3)
        m = self.login(user)
        self.select(m)
        self.ok(m.store("1", "+FLAGS.SILENT", "(\\Flagged)"))
        typ, data = m.copy("1:2", "Archive")
        self.assertEqual(typ, "OK", data)
        code = code_of(data)
        # RFC 4315 3: COPYUID validity source-uids dest-uids.
        self.assertEqual(code[:1], ["COPYUID"], data)
        self.assertEqual(uidset(code[2]), [1, 2])
        self.assertEqual(self.status(m, "Archive")["MESSAGES"], 2)
        typ, data = m.copy("3", "NoSuchBox")
        self.assertEqual(typ, "NO", data)
        self.assertEqual(code_of(data)[:1], ["TRYCREATE"], data)
        self.assertEqual(self.select(m, "Archive"), 2)
        self.assertEqual(self.bodies(m, 2), sent[:2])
        got = self.fetch(m, "1:2", "(FLAGS UID)")
        self.assertIn("\\flagged", flagset(got[1]["FLAGS"]))
        self.assertNotIn("\\flagged", flagset(got[2]["FLAGS"]))
        self.assertIn("\\recent", flagset(got[1]["FLAGS"]))
        self.assertEqual(uidset(code[3]), [int(got[1]["UID"]),
                                           int(got[2]["UID"])])
        # The source is untouched.
        self.assertEqual(self.select(m), 3)
        self.assertEqual(self.bodies(m, 3), sent)

    def test_uid_commands(self):
        user = self.user()
        sent = self.deliver_n(user, 4)
        m = self.login(user)
        self.select(m)
        uids = numbers(self.ok(m.uid("SEARCH", None, "ALL")))
        self.assertEqual(uids, [1, 2, 3, 4])
        got = self.fetch(m, "2:3", "FLAGS", uid=True)
        # RFC 3501 6.4.8: UID FETCH always includes UID.
        self.assertEqual({s: int(v["UID"]) for s, v in got.items()},
                         {2: 2, 3: 3})
        # "n:*" with n above every UID still names the last message.
        got = self.fetch(m, "999:*", "FLAGS", uid=True)
        self.assertEqual(list(got), [4])
        # Unknown UIDs are ignored, not an error.
        self.assertEqual(self.fetch(m, "500:600", "FLAGS", uid=True), {})
        typ, data = m.uid("STORE", "1,3", "+FLAGS", "(\\Deleted)")
        self.assertEqual(typ, "OK", data)
        got = fetch_map(data)
        self.assertEqual(sorted(int(v["UID"]) for v in got.values()),
                         [1, 3])
        # _simple_command keeps the tagged text, uid() does not.
        typ, data = m._simple_command("UID", "COPY", "2", "Archive")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(code_of(data)[:1], ["COPYUID"], data)
        # UID EXPUNGE (RFC 4315 2.1) removes only the named \Deleted UIDs.
        typ, data = m.uid("EXPUNGE", "3")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(numbers(m.uid("SEARCH", None, "ALL")[1]),
                         [1, 2, 4])
        typ, data = m.uid("MOVE", "4", "Trash")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(numbers(m.uid("SEARCH", None, "ALL")[1]), [1, 2])
        self.assertEqual(self.status(m, "Trash")["MESSAGES"], 1)
        self.assertEqual(self.status(m, "Archive")["MESSAGES"], 1)
        self.assertEqual(self.select(m, "Trash"), 1)
        self.assertEqual(self.bodies(m, 1), [sent[3]])
        self.assertEqual(self.select(m, "Archive"), 1)
        self.assertEqual(self.bodies(m, 1), [sent[1]])

    def test_move(self):
        user = self.user()
        sent = self.deliver_n(user, 3)
        c = self.raw_login(user)
        st, line, un = c.cmd("SELECT INBOX")
        self.assertEqual(st, "OK", line)
        st, line, un = c.cmd("MOVE 1:2 Trash")
        self.assertEqual(st, "OK", line)
        # RFC 6851 4.3: COPYUID in an untagged OK before the EXPUNGEs.
        oks = [i for i, u in enumerate(un) if u.startswith(b"* OK [COPYUID ")]
        exp = [i for i, u in enumerate(un) if u.endswith(b" EXPUNGE\r\n")]
        self.assertEqual(len(oks), 1, un)
        self.assertEqual(len(exp), 2, un)
        self.assertLess(oks[0], exp[0], un)
        st, line, un = c.cmd("MOVE 1 NoSuchBox")
        self.assertEqual(st, "NO", line)
        m = self.login(user)
        self.assertEqual(self.select(m, "Trash"), 2)
        self.assertEqual(self.bodies(m, 2), sent[:2])
        self.assertEqual(self.select(m), 1)
        self.assertEqual(self.bodies(m, 1), sent[2:])
        # MOVE through imaplib as well.
        typ, data = m._simple_command("MOVE", "1", "Junk")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(self.status(m, "Junk")["MESSAGES"], 1)

    def test_idle(self):
        user = self.user()
        self.deliver_n(user, 1)
        m = self.login(user)
        self.assertEqual(self.select(m), 1)
        other = self.login(user)
        self.select(other)
        tag = m._new_tag()
        m.send(tag + b" IDLE\r\n")
        line = m.readline()
        # RFC 2177 3: a continuation request, then updates as they come.
        self.assertTrue(line.startswith(b"+"), line)
        more = simple_message("s@client.test", user, "while idle")
        self.deliver(user, more)
        self.read_until(m, b"* 2 EXISTS\r\n")
        self.ok(other.store("1", "+FLAGS.SILENT", "(\\Flagged)"))
        line = self.read_until(m, b"* 1 FETCH ")
        self.assertIn(b"\\Flagged", line)
        self.ok(other.store("1", "+FLAGS.SILENT", "(\\Deleted)"))
        self.ok(other.expunge())
        self.read_until(m, b"* 1 EXPUNGE\r\n")
        m.send(b"DONE\r\n")
        line = self.read_until(m, tag + b" ")
        self.assertTrue(line.startswith(tag + b" OK"), line)
        self.assertEqual(self.bodies(m, 1), [more])

    def read_until(self, m, prefix):
        for _ in range(100):
            line = m.readline()
            if not line:
                self.fail("EOF waiting for %r" % prefix)
            if line.startswith(prefix):
                return line
        self.fail("no %r in 100 lines" % prefix)

    def test_two_sessions(self):
        user = self.user()
        self.deliver_n(user, 3)
        a = self.raw_login(user)
        b = self.raw_login(user)
        for c in (a, b):
            st, line, un = c.cmd("SELECT INBOX")
            self.assertEqual(st, "OK", line)
        st, line, un = b.cmd("STORE 1 +FLAGS.SILENT (\\Flagged)")
        self.assertEqual(st, "OK", line)
        st, line, un = b.cmd("STORE 3 +FLAGS.SILENT (\\Deleted)")
        self.assertEqual(st, "OK", line)
        st, line, un = b.cmd("EXPUNGE")
        self.assertEqual(st, "OK", line)
        self.assertIn(b"* 3 EXPUNGE\r\n", un)
        # RFC 3501 7.4.1: no EXPUNGE while answering FETCH, STORE or
        # SEARCH; the flag change may show.
        st, line, un = a.cmd("FETCH 1:2 (FLAGS)")
        self.assertEqual(st, "OK", line)
        self.assertFalse([u for u in un if u.endswith(b"EXPUNGE\r\n")],
                         un)
        st, line, un = a.cmd("NOOP")
        self.assertEqual(st, "OK", line)
        joined = b"".join(un)
        self.assertIn(b"* 3 EXPUNGE\r\n", joined)
        st, line, un = a.cmd("FETCH 1 (FLAGS)")
        self.assertIn(b"\\Flagged", b"".join(un))
        # New mail shows up at the next command.
        self.deliver(user, simple_message("s@client.test", user, "late"))
        st, line, un = a.cmd("NOOP")
        self.assertEqual(st, "OK", line)
        self.assertIn(b"* 3 EXISTS\r\n", b"".join(un))
        st, line, un = b.cmd("CHECK")
        self.assertIn(b"* 3 EXISTS\r\n", b"".join(un))

    def test_literals(self):
        user = self.user()
        c = self.raw()
        # Synchronizing literals wait for "+" (RFC 3501 7.5) ...
        u = user.encode()
        c.send(b"s1 LOGIN {%d}\r\n" % len(u))
        self.assertTrue(c.readline().startswith(b"+"))
        c.send(u + b" {%d}\r\n" % len(PASSWORD))
        self.assertTrue(c.readline().startswith(b"+"))
        c.send(PASSWORD.encode() + b"\r\n")
        st, line, _ = c.until_tagged("s1")
        self.assertEqual(st, "OK", line)
        # ... non-synchronizing ones (RFC 7888 LITERAL+) do not: the
        # whole command goes in one write.
        msg = simple_message("s@client.test", user, "literal plus",
                             "{5}\nnot a literal\n")
        c.send(b"p1 APPEND {5+}\r\nINBOX (\\Flagged) {%d+}\r\n%s\r\n"
               b"p2 NOOP\r\n" % (len(msg), msg))
        st, line, un = c.until_tagged("p1")
        self.assertEqual(st, "OK", line)
        self.assertFalse([u for u in un if u.startswith(b"+")], un)
        self.assertEqual(c.until_tagged("p2")[0], "OK")
        # A literal and a quoted string in one SEARCH, and a literal
        # mailbox name in SELECT.
        c.send(b"p3 SELECT {5+}\r\nINBOX\r\n")
        st, line, un = c.until_tagged("p3")
        self.assertEqual(st, "OK", line)
        self.assertIn(b"* 1 EXISTS\r\n", un)
        st, line, un = c.cmd('SEARCH SUBJECT {7+}\r\nliteral BODY "not a"')
        self.assertEqual(st, "OK", line)
        self.assertIn(b"* SEARCH 1\r\n", un)
        st, line, un = c.cmd("FETCH 1 (FLAGS BODY.PEEK[])")
        got = fetch_map_raw(un)
        self.assertEqual(got[1]["BODY[]"], msg)
        self.assertIn("\\flagged", flagset(got[1]["FLAGS"]))

    def test_namespace_id_enable(self):
        m = self.login(self.user())
        typ, data = m.namespace()
        self.assertEqual(typ, "OK", data)
        v = parse_values(imaplib_bytes(data))
        # RFC 2342 5: personal namespace "" with delimiter "/".
        self.assertEqual(len(v), 3, data)
        self.assertEqual(v[0][0][:2], [b"", b"/"])
        typ, data = m._simple_command("ID", '("name" "imaplib" '
                                      '"version" "3")')
        self.assertEqual(typ, "OK", data)
        # RFC 2971 3.1: the server MUST answer with an ID response.
        typ, data = m._untagged_response(typ, data, "ID")
        self.assertTrue(data and data[0] is not None, data)
        v = parse_values(imaplib_bytes(data))
        self.assertEqual(len(v), 1, data)
        self.assertTrue(v[0] is None or (isinstance(v[0], list) and
                        len(v[0]) % 2 == 0), v)
        # RFC 5161 3.1: unknown extensions are not enabled, but OK.
        typ, data = m._simple_command("ENABLE", "X-NOTHING")
        self.assertEqual(typ, "OK", data)
        typ, data = m._untagged_response(typ, data, "ENABLED")
        self.assertNotIn(b"X-NOTHING", b" ".join(d for d in data if d))


def fetch_map_raw(untagged):
    """RawImap untagged FETCH responses -> {seq: {ITEM: value}}."""
    out = {}
    for u in untagged:
        v = parse_values(u)
        if len(v) == 4 and v[0] == "*" and str(v[2]).upper() == "FETCH":
            out.setdefault(int(v[1]), {}).update(
                {str(v[3][k]).upper(): v[3][k + 1]
                 for k in range(0, len(v[3]), 2)})
    return out


def cram(user, password, challenge):
    digest = hmac.new(password.encode(), challenge, hashlib.md5).hexdigest()
    return ("%s %s" % (user, digest)).encode()


class ImaplibAuthTest(ImaplibMixin, ImapCase):
    """With --user, only the listed credentials log in."""

    server_args = ("--user", "alice:s3cret")

    def test_login(self):
        c = self.raw()
        st, line, _ = c.cmd('LOGIN alice "wrong"')
        self.assertEqual(st, "NO", line)
        st, line, _ = c.cmd('LOGIN mallory "s3cret"')
        self.assertEqual(st, "NO", line)
        st, line, _ = c.cmd("SELECT INBOX")
        self.assertIn(st, ("BAD", "NO"), line)
        st, line, _ = c.cmd('LOGIN alice "s3cret"')
        self.assertEqual(st, "OK", line)
        st, line, _ = c.cmd('LOGIN alice "s3cret"')
        self.assertIn(st, ("BAD", "NO"), line)

    def test_cram_md5(self):
        m = self.connect()
        self.ok(m.login_cram_md5("alice", "s3cret"), "CRAM-MD5")
        self.assertEqual(m.state, "AUTH")
        m = self.connect()
        with self.assertRaises(imaplib.IMAP4.error):
            m.login_cram_md5("alice", "wrong")
        c = self.raw()
        c.send("c1 AUTHENTICATE CRAM-MD5\r\n")
        line = c.readline()
        self.assertTrue(line.startswith(b"+ "), line)
        ch = base64.b64decode(line[2:].strip())
        # RFC 2195 2: the challenge is a msg-id.
        self.assertRegex(ch, rb"^<[^>]+@[^>]+>$")
        c.send(base64.b64encode(cram("alice", "s3cret", ch)) + b"\r\n")
        st, line, _ = c.until_tagged("c1")
        self.assertEqual(st, "OK", line)

    def test_authenticate_plain_login(self):
        m = self.connect()
        with self.assertRaises(imaplib.IMAP4.error):
            m.authenticate("PLAIN", lambda ch: b"\0alice\0nope")
        self.ok(m.authenticate("PLAIN", lambda ch: b"\0alice\0s3cret"))
        # SASL-IR (RFC 4959): the response on the command line.
        c = self.raw()
        ir = base64.b64encode(b"\0alice\0s3cret").decode()
        st, line, _ = c.cmd("AUTHENTICATE PLAIN " + ir)
        self.assertEqual(st, "OK", line)
        # LOGIN with its two prompts.
        c = self.raw()
        c.send("l1 AUTHENTICATE LOGIN\r\n")
        for answer in (b"alice", b"s3cret"):
            line = c.readline()
            self.assertTrue(line.startswith(b"+"), line)
            c.send(base64.b64encode(answer) + b"\r\n")
        st, line, _ = c.until_tagged("l1")
        self.assertEqual(st, "OK", line)
        # RFC 3501 6.2.2: "*" cancels with a tagged BAD.
        c = self.raw()
        c.send("x1 AUTHENTICATE PLAIN\r\n")
        line = c.readline()
        self.assertTrue(line.startswith(b"+"), line)
        c.send(b"*\r\n")
        st, line, _ = c.until_tagged("x1")
        self.assertEqual(st, "BAD", line)
        st, line, _ = c.cmd("AUTHENTICATE NOSUCHMECH")
        self.assertIn(st, ("NO", "BAD"), line)
        st, line, _ = c.cmd("NOOP")
        self.assertEqual(st, "OK", line)

    def test_xoauth2(self):
        def ir(token):
            return base64.b64encode(b"user=alice\x01auth=Bearer " +
                                    token + b"\x01\x01").decode()
        c = self.raw()
        st, line, _ = c.cmd("AUTHENTICATE XOAUTH2 " + ir(b"s3cret"))
        self.assertEqual(st, "OK", line)
        c = self.raw()
        c.send("x1 AUTHENTICATE XOAUTH2 %s\r\n" % ir(b"wrong"))
        r = c.response()
        if r.startswith(b"+"):
            # The error challenge, answered with an empty line.
            c.send(b"\r\n")
            r = c.response()
        self.assertTrue(r.startswith(b"x1 NO"), r)
        st, line, _ = c.cmd("NOOP")
        self.assertEqual(st, "OK", line)

    def test_inbox_of_alice(self):
        a = "alice@example.test"
        b = "Alice@other.test"
        sa = self.deliver(a, simple_message("s@client.test", a, "one"))
        sb = self.deliver(b, simple_message("s@client.test", b, "two"))
        # Mail for somebody else stays out of alice's INBOX.
        self.deliver("bob@example.test", simple_message(
            "s@client.test", "bob@example.test", "not alice's"))
        m = self.login("alice", "s3cret")
        self.assertEqual(self.select(m), 2)
        self.assertEqual(sorted(self.bodies(m, 2)), sorted(sa + sb))


class ImaplibRestartTest(ImaplibMixin, ImapCase):
    """With --maildir, mailboxes, UIDs, UIDVALIDITY, system flags and
    subscriptions survive a restart (RFC 3501 2.3.1.1: UIDs are not
    reused while UIDVALIDITY stays)."""

    def test_restart_keeps_uids(self):
        first = self.server
        user = self.user()
        sent = self.deliver_n(user, 3, "before restart")
        m = self.login(user)
        self.mailbox(m, "Kept/Sub")
        self.ok(m.subscribe("Kept/Sub"))
        kept = simple_message("s@client.test", user, "kept")
        self.ok(m.append("Kept/Sub", "(\\Flagged)", None, kept))
        self.select(m)
        self.ok(m.store("2", "+FLAGS.SILENT", "(\\Seen \\Answered)"))
        self.ok(m.store("3", "+FLAGS.SILENT", "(\\Deleted)"))
        self.ok(m.expunge())
        st = self.status(m, "INBOX")
        self.assertEqual(st["UIDNEXT"], 4)
        m.logout()
        first.stop_checked()

        again = mrlib.Server(name="ImaplibRestartTest-again")
        again.maildir = first.maildir
        again.start()
        self.addCleanup(again.stop_checked)
        self.server = again
        m = self.login(user)
        st2 = self.status(m, "INBOX")
        self.assertEqual((st2["UIDVALIDITY"], st2["UIDNEXT"],
                          st2["MESSAGES"]), (st["UIDVALIDITY"], 4, 2))
        self.assertEqual(self.select(m), 2)
        self.assertEqual(numbers(m.uid("SEARCH", None, "ALL")[1]), [1, 2])
        self.assertEqual(self.bodies(m, 2), sent[:2])
        got = self.fetch(m, "2", "FLAGS")
        self.assertTrue({"\\seen", "\\answered"} <=
                        flagset(got[2]["FLAGS"]), got)
        self.assertIn("Kept/Sub", self.listing(m))
        self.assertIn("Kept/Sub", self.listing(m, cmd="lsub"))
        self.assertEqual(self.select(m, "Kept/Sub"), 1)
        got = self.fetch(m, "1", "(FLAGS BODY.PEEK[])")
        self.assertEqual(got[1]["BODY[]"], kept)
        self.assertIn("\\flagged", flagset(got[1]["FLAGS"]))
        # The next delivery continues the UIDs.
        self.deliver(user, simple_message("s@client.test", user, "after"))
        self.select(m)
        self.assertEqual(numbers(m.uid("SEARCH", None, "ALL")[1]),
                         [1, 2, 4])
