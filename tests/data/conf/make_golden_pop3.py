#!/usr/bin/env python3
"""Writes tests/data/conf/pop3.*.{bad,good}.json: for every POP3
conformance rule, a transcript that breaks it and its compliant twin, each
a small edit of one clean session (CAPA, USER/PASS, STAT, RETR, QUIT).
check_conf.c asserts the finding (with its section) for .bad and its
absence for .good.  Run from anywhere:
    python3 tests/data/conf/make_golden_pop3.py
"""
import base64
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TS = "<1896.697170952@dbc.mtview.ca.us>"
CAPS = ["TOP", "UIDL", "USER", "SASL PLAIN LOGIN CRAM-MD5", "RESP-CODES",
        "PIPELINING", "AUTH-RESP-CODE", "STLS"]
MSG = b"From: a@example.test\r\nSubject: hi\r\n\r\nHello.\r\n"
IR = base64.b64encode(b"\0alice\0secret").decode()


def s(line, **kw):
    return dict(dir="s", line=line, **kw)


def c(line, **kw):
    return dict(dir="c", line=line, **kw)


def ev(name, detail=None):
    e = dict(event=name)
    if detail is not None:
        e["detail"] = detail
    return e


def sdata(b):
    return dict(dir="s", data=len(b), lines=b.count(b"\n"),
                data_b64=base64.b64encode(b).decode())


def cdata(b, **kw):
    e = dict(dir="c", data=len(b), lines=b.count(b"\n"),
             data_b64=base64.b64encode(b).decode())
    e.update(kw)
    return e


def capa(caps=CAPS):
    return [c("CAPA"), s("+OK Capability list follows")] + \
        [s(k) for k in caps] + [s(".")]


def login(user="USER alice", pw="PASS secret"):
    return [c(user), s("+OK send PASS"), c(pw, secret=True),
            s("+OK maildrop locked and ready, 1 messages (44 octets)")]


def work():
    return [c("STAT"), s("+OK 1 44"), c("RETR 1"), s("+OK 44 octets"),
            sdata(MSG), s(".")]


def quit_():
    return [c("QUIT"), s("+OK bye"), ev("close", "quit")]


def session(body, greeting="+OK POP3 server ready " + TS, tls=False,
            pre=None):
    entries = (pre or []) + [s(greeting)] + body
    for i, e in enumerate(entries):
        e["t_ms"] = i
    d = {"id": 11, "protocol": "pop3", "port_name": "pop3", "port": 110,
         "peer": "127.0.0.1:5555", "started": "2026-11-22T01:02:03.456Z",
         "duration_ms": len(entries), "tls": tls, "outcome": "quit",
         "messages": [], "transcript": entries}
    if tls:
        d["tls_version"] = "TLSv1.3"
        d["tls_cipher"] = "TLS_AES_256_GCM_SHA384"
    return d


def tls_session(body):
    """POP3S: TLS before the greeting, so no password is in the clear."""
    return session(body, tls=True, pre=[ev("tls-start", "TLSv1.3 X")])


def stls(after, caps=CAPS):
    return session(capa(caps) + [c("STLS"), s("+OK begin TLS"),
                                 ev("tls-start", "TLSv1.3 X")] + after,
                   tls=True)


def base():
    return tls_session(capa() + login() + work() + quit_())


def with_cmd(cmds, pre_login=False):
    """The clean POP3S session with extra (client, server) pairs."""
    extra = []
    for cl, sv in cmds:
        extra += [c(cl), s(sv)]
    if pre_login:
        return tls_session(capa() + extra + login() + work() + quit_())
    return tls_session(capa() + login() + extra + work() + quit_())


AUTH_CAPS = [k for k in CAPS if k != "STLS"]
NOSASL = [k for k in CAPS if not k.startswith("SASL")]

CASES = {
    "pop3.line.bare-lf": (
        tls_session(capa() + [c("USER alice", flags=["bare-lf"]),
                              s("+OK")] + quit_()), base()),
    "pop3.cmd.control": (
        with_cmd([("NOOP\tx", "-ERR no")]),
        with_cmd([("NOOP", "+OK")])),
    "pop3.cmd.8bit": (
        tls_session(capa() + login(user="USER j\u00f6rg") + quit_()),
        base()),
    "pop3.cmd.too-long": (
        with_cmd([("LIST " + "1" * 260, "-ERR no")]),
        with_cmd([("LIST " + "1" * 200, "-ERR no")])),
    "pop3.cmd.arg-too-long": (
        tls_session(login(user="USER " + "u" * 41) + quit_()),
        tls_session(capa() + login(user="USER " + "u" * 41) + quit_())),
    "pop3.cmd.separator": (
        with_cmd([("RETR  1", "+OK")]), with_cmd([("LIST 1", "+OK 1 44")])),
    "pop3.cmd.args": (
        with_cmd([("RETR one", "-ERR no")]),
        with_cmd([("TOP 1 0", "+OK")])),
    "pop3.apop.digest-syntax": (
        tls_session(capa() + [c("APOP alice C4C9334BAC560ECC979E58001B3E22FB"),
                              s("-ERR no")] + quit_()),
        tls_session(capa() + [c("APOP alice c4c9334bac560ecc979e58001b3e22fb"),
                              s("+OK ready")] + work() + quit_())),
    "pop3.apop.no-timestamp": (
        session([c("APOP alice c4c9334bac560ecc979e58001b3e22fb"),
                 s("-ERR no")] + quit_(), greeting="+OK POP3 ready"),
        session([c("APOP alice c4c9334bac560ecc979e58001b3e22fb"),
                 s("+OK ready")] + quit_())),
    "pop3.order.before-greeting": (
        {**base(), "transcript": [dict(t_ms=0, **c("CAPA")),
                                  dict(t_ms=0, **s("+OK ready"))]},
        base()),
    "pop3.state.transaction-only": (
        tls_session(capa() + [c("STAT"), s("-ERR not now")] + login() +
                    quit_()), base()),
    "pop3.state.login-in-transaction": (
        with_cmd([("USER bob", "-ERR not now")]), base()),
    "pop3.pass.without-user": (
        tls_session(capa() + [c("PASS secret", secret=True),
                              s("-ERR send USER first")] + quit_()),
        base()),
    "pop3.msg.deleted": (
        with_cmd([("DELE 1", "+OK deleted"), ("RETR 1", "-ERR deleted")]),
        with_cmd([("DELE 1", "+OK deleted"), ("RSET", "+OK"),
                  ("LIST 1", "+OK 1 44")])),
    "pop3.pipelining.not-advertised": (
        tls_session(capa(["TOP", "USER"]) + login() + [
            c("STAT"), s("+OK 1 44"),
            c("LIST 1", flags=["pipelined"]), s("+OK 1 44")] + quit_()),
        tls_session(capa() + login() + [
            c("STAT"), s("+OK 1 44"),
            c("LIST 1", flags=["pipelined"]), s("+OK 1 44")] + quit_())),
    "pop3.stls.pipelined": (
        session(capa() + [c("STLS"), s("+OK begin TLS"),
                          cdata(b"CAPA\r\n", flags=["dropped"]),
                          ev("tls-start", "TLSv1.3 X")] + capa(AUTH_CAPS) +
                login() + quit_(), tls=True),
        stls(capa(AUTH_CAPS) + login() + quit_())),
    "pop3.stls.after-auth": (
        session(capa() + login() + [c("STLS"), s("-ERR not now")] +
                quit_()),
        stls(capa(AUTH_CAPS) + login() + quit_())),
    "pop3.stls.already-active": (
        stls(capa(AUTH_CAPS) + [c("STLS"), s("-ERR already")] + login() +
             quit_()),
        stls(capa(AUTH_CAPS) + login() + quit_())),
    "pop3.stls.capa-not-reissued": (
        stls(login() + quit_()), stls(capa(AUTH_CAPS) + login() + quit_())),
    "pop3.stls.stale-capability": (
        stls([c("AUTH PLAIN " + IR, secret=True), s("+OK ready")] +
             quit_()),
        stls(capa(AUTH_CAPS) + [c("AUTH PLAIN " + IR, secret=True),
                                s("+OK ready")] + quit_())),
    "pop3.auth.not-advertised": (
        tls_session(capa(NOSASL) + [c("AUTH PLAIN"), s("+ "),
                                    c(IR, secret=True), s("+OK ready")] +
                    quit_()),
        tls_session(capa() + [c("AUTH PLAIN"), s("+ "),
                              c(IR, secret=True), s("+OK ready")] +
                    quit_())),
    "pop3.auth.initial-response-not-advertised": (
        tls_session([c("AUTH PLAIN " + IR, secret=True), s("+OK ready")] +
                    quit_()),
        tls_session(capa() + [c("AUTH PLAIN " + IR, secret=True),
                              s("+OK ready")] + quit_())),
    "pop3.auth.mech-not-advertised": (
        tls_session(capa() + [c("AUTH GSSAPI"), s("-ERR unsupported")] +
                    quit_()),
        tls_session(capa() + [c("AUTH CRAM-MD5"), s("+ PDE+"),
                              c("YWxpY2UgMDEyMzQ1Njc4OWFiY2RlZg==",
                                secret=True), s("+OK ready")] + quit_())),
    "pop3.auth.initial-response-too-long": (
        tls_session(capa() + [c("AUTH PLAIN " + "QUFB" * 64, secret=True),
                              s("-ERR too long")] + quit_()),
        tls_session(capa() + [c("AUTH PLAIN"), s("+ "),
                              c("QUFB" * 64, secret=True),
                              s("-ERR [AUTH] no")] + quit_())),
    "pop3.auth.response-syntax": (
        tls_session(capa() + [c("AUTH LOGIN"), s("+ VXNlcm5hbWU6"),
                              c("not base64!", secret=True),
                              s("-ERR cannot decode")] + quit_()),
        tls_session(capa() + [c("AUTH LOGIN ="), s("+ VXNlcm5hbWU6"),
                              c("YWxpY2U=", secret=True), s("+ UGFzc3dvcmQ6"),
                              c("*", secret=True), s("-ERR cancelled")] +
                    quit_())),
    "pop3.auth.after-auth": (
        with_cmd([("AUTH PLAIN " + IR, "-ERR not now")]), base()),
    "pop3.session.no-quit": (
        tls_session(capa() + login() + work() + [ev("close", "eof")]),
        base()),
    "pop3.session.after-quit": (
        tls_session(capa() + login() + [c("QUIT"), s("+OK bye"),
                                        cdata(b"NOOP\r\n", flags=["dropped"]),
                                        ev("close", "quit")]), base()),
    "pop3.security.cleartext-login-stls-offered": (
        session(capa() + login() + quit_()),
        stls(capa(AUTH_CAPS) + login() + quit_())),
    "pop3.security.cleartext-login": (
        session(capa(AUTH_CAPS) + [c("AUTH LOGIN"), s("+ VXNlcm5hbWU6"),
                                   c("YWxpY2U=", secret=True),
                                   s("+ UGFzc3dvcmQ6"),
                                   c("c2VjcmV0", secret=True),
                                   s("+OK ready")] + quit_()),
        session(capa(AUTH_CAPS) + [c("APOP alice "
                                     "c4c9334bac560ecc979e58001b3e22fb"),
                                   s("+OK ready")] + quit_())),
    "pop3.security.after-tls-failure": (
        session(capa() + [c("STLS"), s("+OK begin TLS"),
                          ev("tls-failed", "wrong version number"),
                          c("USER alice"), s("-ERR no")] + quit_()),
        session(capa() + [c("STLS"), s("+OK begin TLS"),
                          ev("tls-failed", "wrong version number"),
                          ev("close", "tls-failed")])),
}


def main():
    for rid, (bad, good) in sorted(CASES.items()):
        for kind, doc in (("bad", bad), ("good", good)):
            with open(os.path.join(HERE, "%s.%s.json" % (rid, kind)),
                      "w") as f:
                json.dump(doc, f, indent=1, ensure_ascii=False)
                f.write("\n")


if __name__ == "__main__":
    main()
