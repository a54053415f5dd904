"""Hostile and broken IMAP clients over raw sockets: commands in the wrong
state, unknown commands and malformed syntax, bad sequence sets, huge and
lying literals, clients that vanish mid-literal or mid-IDLE, a stalled
literal beside a working session, mailbox names that try to leave the
store, over-long lines and binary garbage.  Each gets BAD, NO, BYE or a
clean close, and afterwards a well-behaved client still works."""

import os
import random
import socket

import mrlib
from test_imap_util import ImapCase, simple_message

REFUSED = ("BAD", "NO")
# mailrig says BYE after IMAP_ERRORS_MAX (20) errors in one session; the
# tests below stay under it per connection.
PER_SESSION = 10


class ImapBadInputTest(ImapCase):
    def still_serves(self):
        """A well-behaved session: log in, APPEND, SELECT, FETCH the
        bytes back, LOGOUT."""
        user = self.user("ok")
        c = self.raw_login(user)
        msg = simple_message("s@client.test", user, "still serving")
        c.send(b"a1 APPEND INBOX {%d}\r\n" % len(msg))
        line = c.readline()
        self.assertTrue(line.startswith(b"+"), line)
        c.send(msg + b"\r\n")
        st, line, _ = c.until_tagged("a1")
        self.assertEqual(st, "OK", line)
        st, line, un = c.cmd("SELECT INBOX")
        self.assertEqual(st, "OK", line)
        self.assertIn(b"* 1 EXISTS\r\n", un)
        st, line, un = c.cmd("FETCH 1 BODY.PEEK[]")
        self.assertEqual(st, "OK", line)
        self.assertEqual(len(un), 1, un)
        self.assertTrue(un[0].endswith(msg + b")\r\n"), un[0][-200:])
        st, line, un = c.cmd("LOGOUT")
        self.assertEqual(st, "OK", line)
        self.assertTrue(un and un[0].startswith(b"* BYE"), un)
        self.assertTrue(c.at_eof())

    def refused(self, c, line, allow_bye=False):
        st, tagged, un = c.cmd(line)
        if st is None and allow_bye:
            return None
        self.assertIn(st, REFUSED, "%r -> %r %r" % (line, tagged, un))
        return st

    def refuse_all(self, connect, lines):
        """Each line refused with BAD or NO, on fresh sessions made by
        connect() every PER_SESSION lines; each session still answers
        NOOP afterwards."""
        for k in range(0, len(lines), PER_SESSION):
            c = connect()
            for line in lines[k:k + PER_SESSION]:
                self.refused(c, line)
            st, line, _ = c.cmd("NOOP")
            self.assertEqual(st, "OK", line)

    def test_wrong_state(self):
        # Not authenticated.
        self.refuse_all(self.raw, [
            "SELECT INBOX", "EXAMINE INBOX", "LIST \"\" *",
            "FETCH 1 FLAGS", "STORE 1 +FLAGS (\\Seen)", "EXPUNGE",
            "CLOSE", "UID FETCH 1 FLAGS", "CREATE x",
            "APPEND INBOX {1+}\r\nx"])
        # Authenticated, nothing selected.
        user = self.user()
        self.refuse_all(lambda: self.raw_login(user), [
            "FETCH 1 FLAGS", "STORE 1 +FLAGS (\\Seen)", "EXPUNGE",
            "CLOSE", "UID FETCH 1 FLAGS", "CHECK", "SEARCH ALL",
            "COPY 1 Trash", "MOVE 1 Trash", "UNSELECT", "LOGIN again pw",
            "STARTTLS", "AUTHENTICATE PLAIN"])
        self.still_serves()

    def test_unknown_and_malformed(self):
        user = self.user()
        self.deliver_n(user, 1)

        def selected():
            c = self.raw_login(user)
            self.assertEqual(c.cmd("SELECT INBOX")[0], "OK")
            return c
        self.refuse_all(selected, [
            "FOOBAR", "XYZZY 1 2 3", "SELECT", "FETCH", "FETCH 1",
            "FETCH 1 (FLAGS", "FETCH 1 FLAGS)", "FETCH 1 NOSUCHITEM",
            "FETCH 1 BODY[1.2.X]", "FETCH 1 BODY[]<5.x>",
            'LOGIN "unterminated', "SEARCH CHARSET", "SEARCH NOSUCHKEY",
            "SEARCH BEFORE 32-Foo-2020", "STORE 1 FLAGS", "CREATE",
            "RENAME a", "STATUS INBOX (NOSUCH)", "LIST \"\"", "APPEND",
            "UID", "UID NOSUCH 1"])
        c = selected()
        # A line without a tag, an empty line, a tag with "+" (RFC 3501
        # 9: tag excludes "+"), a NUL: BAD, tagged or untagged.
        for raw in (b"\r\n", b"NOOP\r\n", b"t+1 NOOP\r\n",
                    b"t1 NOOP\0\r\n"):
            c.send(raw)
            r = c.response()
            self.assertRegex(r, rb"^(\*|t\+?1|NOOP) BAD", raw)
        # Commands are case-insensitive (RFC 3501 9).
        st, line, _ = c.cmd("noop")
        self.assertEqual(st, "OK", line)
        st, line, un = c.cmd("select inbox")
        self.assertEqual(st, "OK", line)
        self.still_serves()

    def test_bad_sequence_sets(self):
        user = self.user()
        self.deliver_n(user, 3)

        def selected():
            c = self.raw_login(user)
            self.assertEqual(c.cmd("SELECT INBOX")[0], "OK")
            return c
        self.refuse_all(selected, [
            "FETCH 0 FLAGS", "FETCH 1:x FLAGS", "FETCH , FLAGS",
            "FETCH 1,,2 FLAGS", "FETCH 1:2:3 FLAGS", "FETCH -1 FLAGS",
            "FETCH 99999999999999999999 FLAGS", "FETCH 4 FLAGS",
            "STORE 0:2 +FLAGS (\\Seen)", "COPY 1:0 Trash",
            "UID FETCH x FLAGS", "UID STORE 1:: +FLAGS (\\Seen)",
            # 60 KB of set, under the line limit.
            "FETCH " + ",".join(["1"] * 30000) + " FLAGS"])
        c = self.raw_login(user)
        self.assertEqual(c.cmd("SELECT INBOX")[0], "OK")
        # Valid ones: "*", reversed ranges (RFC 3501 9 seq-range).
        st, line, un = c.cmd("FETCH 3:1 (UID)")
        self.assertEqual(st, "OK", line)
        self.assertEqual(len(un), 3, un)
        st, line, un = c.cmd("FETCH *:2 (UID)")
        self.assertEqual(st, "OK", line)
        self.assertEqual(len(un), 2, un)
        st, line, un = c.cmd("UID FETCH 1:4294967295 (UID)")
        self.assertEqual(st, "OK", line)
        self.assertEqual(len(un), 3, un)
        self.still_serves()

    def test_huge_literal(self):
        c = self.raw_login(self.user())
        c.send(b"h1 APPEND INBOX {4294967296}\r\n")
        st, line, un = c.until_tagged("h1")
        # Refused before any byte is sent: NO or BAD, or BYE and close.
        if st is None:
            self.assertTrue(any(u.startswith(b"* BYE") for u in un), un)
        else:
            self.assertIn(st, REFUSED, line)
            self.assertFalse([u for u in un if u.startswith(b"+")], un)
            self.assertEqual(c.cmd("NOOP")[0], "OK")
        # The same in a LOGIN argument, and a non-synchronizing one.
        c = self.raw()
        c.send(b"h2 LOGIN {99999999999}\r\n")
        st, line, un = c.until_tagged("h2")
        self.assertTrue(st in REFUSED or any(u.startswith(b"* BYE")
                                             for u in un), (st, line, un))
        c = self.raw_login(self.user())
        c.send(b"h3 APPEND INBOX {4294967296+}\r\n" + b"x" * 1000)
        st, line, un = c.until_tagged("h3")
        self.assertTrue(st in REFUSED or st is None, (st, line, un))
        self.still_serves()

    def test_lying_literal(self):
        user = self.user()
        c = self.raw_login(user)
        c.send(b"l1 APPEND INBOX {100}\r\n")
        line = c.readline()
        self.assertTrue(line.startswith(b"+"), line)
        c.send(b"0123456789")
        c.close()
        # Nothing half-stored.
        d = self.raw_login(user)
        st, line, un = d.cmd("STATUS INBOX (MESSAGES)")
        self.assertEqual(st, "OK", line)
        self.assertIn(b"(MESSAGES 0)", b"".join(un))
        self.still_serves()

    def test_vanish_mid_literal_other_session_unaffected(self):
        user = self.user()
        a = self.raw_login(user)
        msg = simple_message("s@client.test", user, "slow literal")
        a.send(b"s1 APPEND INBOX {%d}\r\n" % len(msg))
        self.assertTrue(a.readline().startswith(b"+"))
        a.send(msg[:50])
        # While a's literal is half sent, b does a whole session.
        self.still_serves()
        a.send(msg[50:] + b"\r\n")
        st, line, _ = a.until_tagged("s1")
        self.assertEqual(st, "OK", line)
        # And one that goes away for good in the middle.
        v = self.raw_login(user)
        v.send(b"v1 APPEND INBOX {50000}\r\n")
        self.assertTrue(v.readline().startswith(b"+"))
        v.send(b"y" * 20000)
        v.close()
        b = self.raw_login(user)
        st, line, un = b.cmd("SELECT INBOX")
        self.assertEqual(st, "OK", line)
        self.assertIn(b"* 1 EXISTS\r\n", un)
        st, line, un = b.cmd("FETCH 1 BODY.PEEK[]")
        self.assertTrue(un and un[0].endswith(msg + b")\r\n"), un)
        self.still_serves()

    def test_vanish_mid_idle(self):
        user = self.user()
        self.deliver_n(user, 1)
        a = self.raw_login(user)
        self.assertEqual(a.cmd("SELECT INBOX")[0], "OK")
        a.send(b"i1 IDLE\r\n")
        self.assertTrue(a.readline().startswith(b"+"))
        a.close()
        # News for the vanished session must not hurt anybody.
        self.deliver_n(user, 1, "after vanish")
        b = self.raw_login(user)
        st, line, un = b.cmd("SELECT INBOX")
        self.assertIn(b"* 2 EXISTS\r\n", un)
        b.send(b"i2 IDLE\r\n")
        self.assertTrue(b.readline().startswith(b"+"))
        self.deliver_n(user, 1, "while b idles")
        line = b.readline()
        self.assertIn(line, (b"* 3 EXISTS\r\n", b"* 3 RECENT\r\n"), line)
        b.send(b"DONE\r\n")
        st, line, _ = b.until_tagged("i2")
        self.assertEqual(st, "OK", line)
        # Garbage instead of DONE ends IDLE with BAD (RFC 2177 3).
        b.send(b"i3 IDLE\r\n")
        self.assertTrue(b.readline().startswith(b"+"))
        b.send(b"NOT DONE\r\n")
        st, line, _ = b.until_tagged("i3")
        self.assertIn(st, ("BAD", None), line)
        self.still_serves()

    def test_mailbox_names_stay_inside(self):
        c = self.raw_login(self.user())
        before = set(os.listdir(self.server.dir))
        parent = set(os.listdir(os.path.dirname(self.server.dir)))
        for name in ("../escape", "../../escape2", "a/../../escape3",
                     "/abs-escape", "..", ".", "./x", "a//b",
                     "&Jjo-/../escape4", "x\\..\\escape5"):
            st, line, un = c.cmd('CREATE "%s"' % name.replace(
                "\\", "\\\\"))
            self.assertIn(st, ("OK", "NO", "BAD"), line)
            st, line, un = c.cmd('RENAME INBOX "%s"' % name.replace(
                "\\", "\\\\"))
            self.assertIn(st, ("OK", "NO", "BAD"), line)
        self.assertEqual(set(os.listdir(self.server.dir)), before)
        self.assertEqual(set(os.listdir(os.path.dirname(self.server.dir))),
                         parent)
        # Nor beside the users' own Maildirs.
        for n in os.listdir(self.server.maildir):
            self.assertNotIn("escape", n)
        self.assertFalse(os.path.exists("/abs-escape"))
        self.still_serves()

    def test_long_line(self):
        c = self.raw_login(self.user())
        c.send(b"L1 NOOP " + b"x" * (200 * 1024) + b"\r\n")
        # Tagged or untagged BAD (the tag may be past the limit), or
        # BYE and close; never silence.
        r = c.response()
        self.assertRegex(r, rb"^(\*|L1) (BAD|BYE) ", r[:200])
        if r.startswith(b"* BYE"):
            self.assertTrue(c.at_eof())
        else:
            st, line, _ = c.cmd("NOOP")
            self.assertEqual(st, "OK", line)
        # A line of 70 KB without CRLF, then the rest, then CRLF.
        c = self.raw_login(self.user())
        c.send(b"L2 NOOP " + b"y" * (70 * 1024))
        c.send(b"z" * 1024 + b"\r\n")
        r = c.response()
        self.assertRegex(r, rb"^(\*|L2) (BAD|BYE) ", r[:200])
        self.still_serves()

    def test_binary_garbage(self):
        rnd = random.Random(3501)
        c = self.raw()
        answers = 0
        for i in range(60):
            junk = bytes(rnd.randrange(256) for _ in range(rnd.randrange(
                1, 300))).replace(b"\r", b"").replace(b"\n", b"")
            # No "{n}" at the end, or the server rightly waits for it.
            junk = junk.replace(b"}", b")")
            try:
                c.send(junk + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            r = c.response()
            if not r:
                break
            answers += 1
            self.assertRegex(r, rb"^\S* (BAD|NO|BYE)", r[:200])
            if r.startswith(b"* BYE"):
                self.assertTrue(c.at_eof())
                break
        self.assertGreaterEqual(answers, 5)
        self.still_serves()

    def test_tls_garbage_on_imaps(self):
        # A client that speaks plaintext to the implicit-TLS port.
        s = socket.create_connection((self.server.host, self.imaps_port),
                                     timeout=mrlib.IO_TIMEOUT)
        self.addCleanup(s.close)
        closed = False
        try:
            s.sendall(b"a1 LOGIN x y\r\n" * 10)
            # A TLS alert may come first; then the close.
            for _ in range(1000):
                if not s.recv(4096):
                    closed = True
                    break
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        except socket.timeout:
            pass
        self.assertTrue(closed, "plaintext on imaps was not closed")
        self.still_serves()
