#!/usr/bin/env python3
"""Writes tests/data/conf/imap.*.{bad,good}.json: for every IMAP
conformance rule, a transcript that breaks it and its compliant twin.
Each case is a small edit of one clean session (greeting with
CAPABILITY, LOGIN, SELECT, a command or two, LOGOUT); check_conf.c
asserts the finding (with its section) for .bad and its absence for
.good.  Run from anywhere:
    python3 tests/data/conf/make_golden_imap.py
"""
import base64
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CAPS = ("IMAP4rev1 STARTTLS AUTH=PLAIN AUTH=LOGIN SASL-IR LITERAL+ IDLE "
        "UIDPLUS MOVE NAMESPACE ID ENABLE UNSELECT")
AFTER = "IMAP4rev1 LITERAL+ IDLE UIDPLUS MOVE NAMESPACE ID ENABLE UNSELECT"
MSG = (b"Date: Sun, 22 Nov 2026 01:02:03 +0000\r\nFrom: a@example.test\r\n"
       b"Subject: hello\r\n\r\nHello.\r\n")


def s(line, **kw):
    return dict(dir="s", line=line, **kw)


def c(line, **kw):
    flags = kw.pop("flags", [])
    if kw.pop("pipe", False):
        flags = flags + ["pipelined"]
    d = dict(dir="c", line=line, **kw)
    if flags:
        d["flags"] = flags
    return d


def ev(name, detail=None):
    e = dict(event=name)
    if detail is not None:
        e["detail"] = detail
    return e


def data(b, **kw):
    flags = kw.pop("flags", [])
    if kw.pop("pipe", False):
        flags = flags + ["pipelined"]
    e = dict(dir="c", data=len(b), lines=b.count(b"\n"),
             data_b64=base64.b64encode(b).decode())
    if flags:
        e["flags"] = flags
    e.update(kw)
    return e


def ok(tag, verb, code=""):
    return s("%s OK %s%s completed" % (tag, code, verb))


def cmd(tag, text, reply=None, **kw):
    """A command and its tagged OK."""
    out = [c("%s %s" % (tag, text), **kw)]
    out.append(s(reply) if reply else ok(tag, text.split()[0]))
    return out


def login(tag="a1", caps=AFTER):
    """LOGIN; the OK carries a CAPABILITY code unless caps is None."""
    code = "[CAPABILITY %s] " % caps if caps else ""
    return [c(tag + ' LOGIN user@example.test "pw"'),
            s("%s OK %sLogged in" % (tag, code))]


def select(tag="a2", box="INBOX"):
    return [c("%s SELECT %s" % (tag, box)), s("* 2 EXISTS"),
            s("* OK [UIDVALIDITY 7] UIDs valid"),
            s("%s OK [READ-WRITE] SELECT completed" % tag)]


def logout(tag="z9"):
    return [c(tag + " LOGOUT"), s("* BYE logging out"),
            ok(tag, "LOGOUT"), ev("close", "logout")]


def session(body, caps=CAPS, tls=True, greet=True):
    entries = []
    if tls:
        entries.append(ev("tls-start", "TLSv1.3 X"))
    if greet:
        entries.append(s("* OK [CAPABILITY %s] ready" % caps))
    entries += body
    for i, e in enumerate(entries):
        e["t_ms"] = i
    d = {"id": 11, "protocol": "imap", "port_name": "imaps", "port": 993,
         "peer": "127.0.0.1:5555", "started": "2026-11-22T01:02:03.456Z",
         "duration_ms": len(entries), "tls": tls, "outcome": "logout",
         "messages": [], "transcript": entries}
    if tls:
        d["tls_version"] = "TLSv1.3"
        d["tls_cipher"] = "TLS_AES_256_GCM_SHA384"
    return d


def sel(body, caps=CAPS):
    """Logged in with INBOX selected, then body, then LOGOUT."""
    return session(login() + select() + body + logout(), caps=caps)


def authed(body, caps=CAPS, after=AFTER):
    return session(login(caps=after) + body + logout(), caps=caps)


def starttls(after, caps=CAPS):
    """A plaintext session: CAPABILITY, STARTTLS, then after."""
    return session([c("t1 STARTTLS"), ok("t1", "STARTTLS"),
                    ev("tls-start", "TLSv1.3 X")] + after, caps=caps,
                   tls=False)


def recap(tag="t2", caps=CAPS.replace("STARTTLS ", "")):
    return [c(tag + " CAPABILITY"), s("* CAPABILITY " + caps),
            ok(tag, "CAPABILITY")]


def append(tag, lit, msg=MSG, cont=True, pipe=False, head="APPEND INBOX"):
    out = [c("%s %s %s" % (tag, head, lit))]
    if cont:
        out.append(s("+ Ready for literal data"))
    out += [data(msg, pipe=pipe), c(""), ok(tag, "APPEND")]
    return out


def idle(tag="i1", done_pipe=False, t_done=None, between=()):
    out = [c(tag + " IDLE"), s("+ idling")] + list(between)
    d = c("DONE", pipe=done_pipe)
    out += [d, ok(tag, "IDLE")]
    return out


CAPS_NO = lambda word: " ".join(w for w in CAPS.split() if w != word)

CASES = {
    "imap.line.bare-lf": (
        sel(cmd("b1", "NOOP", flags=["bare-lf"])), sel(cmd("b1", "NOOP"))),
    "imap.line.bare-cr": (
        sel(cmd("b1", "NOOP", flags=["bare-cr"])), sel(cmd("b1", "NOOP"))),
    "imap.cmd.nul": (
        sel(cmd("b1", "NOOP", flags=["nul"])), sel(cmd("b1", "NOOP"))),
    "imap.cmd.too-long": (
        sel(cmd("b1", "FETCH " + ",".join(["1000000"] * 1200) + " FLAGS")),
        sel(cmd("b1", "FETCH " + ",".join(["1000000"] * 1000) + " FLAGS"))),
    "imap.syntax.8bit": (
        authed(cmd("b1", 'CREATE "caf\u00e9"', flags=["8bit"])),
        authed(cmd("b1", 'CREATE "caf&AOk-"'))),
    "imap.syntax.tag": (
        sel([c("b+1 NOOP"), s("* BAD Invalid tag")]),
        sel(cmd("b.1", "NOOP"))),
    "imap.syntax.command": (
        sel([c('b1 SEARCH SUBJECT "a\\b"'), s("b1 BAD syntax")]),
        sel([c('b1 SEARCH SUBJECT "a\\\\b"'), s("* SEARCH"),
             ok("b1", "SEARCH")])),
    "imap.syntax.spaces": (
        sel(cmd("b1", "FETCH 1  (FLAGS)")),
        sel(cmd("b1", "FETCH 1 (FLAGS UID)"))),
    "imap.syntax.args": (
        authed([c("b1 SELECT"), s("b1 BAD missing mailbox")]),
        authed(cmd("b1", "STATUS INBOX (MESSAGES)"))),
    "imap.syntax.sequence-set": (
        sel([c("b1 FETCH 0:2 FLAGS"), s("b1 BAD bad set")]),
        sel(cmd("b1", "FETCH 1:*,3 FLAGS"))),
    "imap.syntax.fetch-att": (
        sel([c("b1 FETCH 1 (FLAGS BODY[HEADERS])"), s("b1 BAD bad att")]),
        sel(cmd("b1", "FETCH 1 (FLAGS BODY.PEEK[HEADER.FIELDS (From)]<0.10>)"))),
    "imap.syntax.search-key": (
        sel([c("b1 SEARCH SINCE 2024-01-01"), s("b1 BAD bad date")]),
        sel([c("b1 SEARCH SINCE 1-Jan-2024"), s("* SEARCH 1"),
             ok("b1", "SEARCH")])),
    "imap.flags.recent": (
        sel(cmd("b1", "STORE 1 +FLAGS (\\Recent)")),
        sel(cmd("b1", "STORE 1 +FLAGS.SILENT (\\Seen)"))),
    "imap.mailbox.utf7": (
        authed(cmd("b1", "CREATE Tom&Jerry")),
        authed(cmd("b1", "CREATE Tom&-Jerry"))),
    "imap.tag.reused": (
        sel(cmd("b1", "NOOP") + cmd("b1", "NOOP", pipe=True)),
        sel(cmd("b1", "NOOP") + cmd("b1", "NOOP"))),
    "imap.pipeline.ambiguous": (
        sel(cmd("b1", "NOOP") + cmd("b2", "FETCH 1 FLAGS", pipe=True)),
        sel(cmd("b1", "FETCH 1 FLAGS") +
            cmd("b2", "STORE 1 +FLAGS (\\Seen)", pipe=True) +
            cmd("b3", "UID FETCH 1 FLAGS", pipe=True))),
    "imap.state.not-authenticated": (
        session([c("a1 SELECT INBOX"), s("a1 BAD not authenticated")] +
                logout()),
        session([c('a1 LOGIN user@example.test "pw"'),
                 c("a2 SELECT INBOX", pipe=True), s("a1 NO bad password"),
                 s("a2 BAD not authenticated")] + logout())),
    "imap.state.no-mailbox": (
        authed([c("b1 FETCH 1 FLAGS"), s("b1 BAD no mailbox")]),
        authed(select("b1") + cmd("b2", "CLOSE") +
               select("b3") + cmd("b4", "FETCH 1 FLAGS"))),
    "imap.state.already-authenticated": (
        authed([c('b1 LOGIN user@example.test "pw"'), s("b1 BAD no")]),
        authed(cmd("b1", "NOOP"))),
    "imap.literal.before-continuation": (
        authed(append("b1", "{%d}" % len(MSG), pipe=True)),
        authed(append("b1", "{%d}" % len(MSG)))),
    "imap.literal.plus-not-advertised": (
        authed(append("b1", "{%d+}" % len(MSG), cont=False),
               caps=CAPS_NO("LITERAL+"), after=None),
        authed(append("b1", "{%d+}" % len(MSG), cont=False))),
    "imap.literal.minus-too-big": (
        authed(append("b1", "{5000+}", msg=b"x" * 5000, cont=False),
               caps=CAPS.replace("LITERAL+", "LITERAL-"), after=None),
        authed(append("b1", "{4000+}", msg=b"x" * 4000, cont=False),
               caps=CAPS.replace("LITERAL+", "LITERAL-"), after=None)),
    "imap.idle.not-advertised": (
        session(login(caps=None) + select() + idle() +
                logout(), caps=CAPS_NO("IDLE")),
        sel(idle())),
    "imap.idle.command-while-idling": (
        sel([c("i1 IDLE"), s("+ idling"), c("b1 NOOP"), c("DONE"),
             ok("i1", "IDLE")]),
        sel(idle(between=[s("* 3 EXISTS")]))),
    "imap.idle.done-outside": (
        sel([c("i1 IDLE"), s("+ idling"), c("DONE", pipe=True),
             ok("i1", "IDLE")]),
        sel(idle())),
    "imap.idle.too-long": (None, None),  # timed, built below
    "imap.uidplus.not-advertised": (
        session(login(caps=None) + select() +
                cmd("b1", "UID EXPUNGE 3:5") + logout(),
                caps=CAPS_NO("UIDPLUS")),
        sel(cmd("b1", "UID EXPUNGE 3:5"))),
    "imap.move.not-advertised": (
        session(login(caps=None) + select() +
                cmd("b1", "MOVE 1 Trash") + logout(), caps=CAPS_NO("MOVE")),
        sel(cmd("b1", "UID MOVE 1 Trash"))),
    "imap.sasl-ir.not-advertised": (
        session([c("a1 AUTHENTICATE PLAIN AHVzZXIAcHc=", secret=True),
                 s("a1 OK Logged in")] + logout(), caps=CAPS_NO("SASL-IR")),
        session([c("a1 AUTHENTICATE PLAIN AHVzZXIAcHc=", secret=True),
                 s("a1 OK Logged in")] + logout())),
    "imap.enable.not-advertised": (
        session(login(caps=None) +
                cmd("b1", "ENABLE CONDSTORE") + logout(),
                caps=CAPS_NO("ENABLE")),
        authed(cmd("b1", "ENABLE CONDSTORE"))),
    "imap.enable.state": (
        sel(cmd("b1", "ENABLE CONDSTORE")),
        authed(cmd("b1", "ENABLE CONDSTORE") + select("b2"))),
    "imap.ext.not-advertised": (
        session(login(caps=None) +
                cmd("b1", "NAMESPACE") + logout(),
                caps=CAPS_NO("NAMESPACE")),
        authed(cmd("b1", "NAMESPACE"))),
    "imap.auth.mech-not-advertised": (
        session([c("a1 AUTHENTICATE CRAM-MD5"), s("+ PDE+"),
                 c("dXNlciBhYmNk", secret=True), s("a1 OK Logged in")] +
                logout()),
        session([c("a1 AUTHENTICATE LOGIN"), s("+ VXNlcm5hbWU6"),
                 c("dXNlcg==", secret=True), s("+ UGFzc3dvcmQ6"),
                 c("cHc=", secret=True), s("a1 OK Logged in")] + logout())),
    "imap.auth.response-syntax": (
        session([c("a1 AUTHENTICATE PLAIN"), s("+ "),
                 c("not base64!", secret=True), s("a1 BAD bad")] +
                logout()),
        session([c("a1 AUTHENTICATE PLAIN"), s("+ "), c("*"),
                 s("a1 BAD cancelled"),
                 c("a2 AUTHENTICATE PLAIN ="), s("+ "),
                 c("AHVzZXIAcHc=", secret=True), s("a2 OK Logged in")] +
                logout())),
    "imap.starttls.not-advertised": (
        session([c("t1 STARTTLS"), s("t1 BAD no")] + logout(),
                caps=CAPS_NO("STARTTLS"), tls=False),
        starttls(recap() + login() + logout())),
    "imap.starttls.already-active": (
        session([c("t1 STARTTLS"), s("t1 BAD already")] + logout()),
        starttls(recap() + logout())),
    "imap.starttls.pipelined": (
        session([c("t1 STARTTLS"), ok("t1", "STARTTLS"),
                 data(b"t2 CAPABILITY\r\n", flags=["dropped"]),
                 ev("tls-start", "TLSv1.3 X")] + recap() + logout(),
                tls=False),
        starttls(recap() + logout())),
    "imap.starttls.cached-capability": (
        starttls(login(caps=None) + idle() + logout()),
        starttls(recap() + login() + idle() + logout())),
    "imap.starttls.no-capability": (
        starttls([c('a1 LOGIN user@example.test "pw"'),
                  s("a1 OK Logged in")] + logout()),
        starttls(recap() + login() + logout())),
    "imap.login.disabled": (
        session([c('a1 LOGIN user@example.test "pw"'), s("a1 NO disabled")]
                + logout(), caps=CAPS + " LOGINDISABLED", tls=False),
        starttls(recap() + login() + logout(),
                 caps=CAPS + " LOGINDISABLED")),
    "imap.session.no-logout": (
        session(login() + select() + [ev("close", "eof")]),
        sel([])),
    "imap.session.after-logout": (
        session(login() + [c("z9 LOGOUT"), s("* BYE logging out"),
                           ok("z9", "LOGOUT"), c("z10 NOOP"),
                           ev("close", "logout")]),
        sel([])),
    "imap.security.cleartext-login-starttls-offered": (
        session(login() + logout(), tls=False),
        starttls(recap() + login() + logout())),
    "imap.security.cleartext-login": (
        session(login() + logout(), caps=CAPS_NO("STARTTLS"), tls=False),
        session([c("a1 AUTHENTICATE CRAM-MD5"), s("+ PDE+"),
                 c("dXNlciBhYmNk", secret=True), s("a1 OK Logged in")] +
                logout(), caps=CAPS + " AUTH=CRAM-MD5",
                tls=False)),
    "imap.security.after-tls-failure": (
        session([c("t1 STARTTLS"), ok("t1", "STARTTLS"),
                 ev("tls-failed", "wrong version number"),
                 c('a1 LOGIN user@example.test "pw"'), s("a1 BAD no")] +
                logout(), tls=False),
        session([c("t1 STARTTLS"), ok("t1", "STARTTLS"),
                 ev("tls-failed", "wrong version number"),
                 ev("close", "tls-failed")], tls=False)),
}


def timed_idle(minutes):
    d = sel(idle())
    t = 0
    for e in d["transcript"]:
        if e.get("line") == "DONE":
            t += minutes * 60 * 1000
        e["t_ms"] = t
        t += 1
    d["duration_ms"] = t
    return d


CASES["imap.idle.too-long"] = (timed_idle(31), timed_idle(28))


def main():
    for rid, (bad, good) in sorted(CASES.items()):
        for kind, doc in (("bad", bad), ("good", good)):
            with open(os.path.join(HERE, "%s.%s.json" % (rid, kind)),
                      "w") as f:
                json.dump(doc, f, indent=1, ensure_ascii=False)
                f.write("\n")


if __name__ == "__main__":
    main()
