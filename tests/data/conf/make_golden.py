#!/usr/bin/env python3
"""Writes tests/data/conf/<rule-id>.{bad,good}.json: for every conformance
rule, a transcript that breaks it and its compliant twin.  Each case is a
small edit of one clean session; check_conf.c asserts the finding (with its
section) for .bad and its absence for .good.  Run from anywhere:
    python3 tests/data/conf/make_golden.py
"""
import base64
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CAPS = ["SIZE 33554432", "PIPELINING", "8BITMIME", "SMTPUTF8",
        "ENHANCEDSTATUSCODES", "STARTTLS", "AUTH PLAIN LOGIN", "CHUNKING",
        "BINARYMIME", "DSN"]
MSG = (b"Date: Sun, 22 Nov 2026 01:02:03 +0000\r\nFrom: a@example.test\r\n"
       b"To: b@example.test\r\nSubject: hello\r\n"
       b"Message-ID: <1@example.test>\r\n\r\nHello.\r\n")


def s(line, **kw):
    return dict(dir="s", line=line, **kw)


def c(line, **kw):
    return dict(dir="c", line=line, **kw)


def ev(name, detail=None):
    e = dict(event=name)
    if detail is not None:
        e["detail"] = detail
    return e


def data(b, **kw):
    e = dict(dir="c", data=len(b), lines=b.count(b"\n"),
             data_b64=base64.b64encode(b).decode())
    e.update(kw)
    return e


def ehlo(arg="client.example.test", caps=CAPS):
    out = [c("EHLO " + arg), s("250-mx.test greets " + arg)]
    for i, k in enumerate(caps):
        out.append(s(("250 " if i == len(caps) - 1 else "250-") + k))
    if not caps:
        out[-1] = s("250 mx.test")
    return out


def tx(mail="MAIL FROM:<a@example.test>", rcpt="RCPT TO:<b@example.test>",
       msg=MSG, data_kw=None, dot_kw=None):
    return [c(mail), s("250 2.1.0 Ok"), c(rcpt), s("250 2.1.5 Ok"),
            c("DATA"), s("354 go ahead"), data(msg, **(data_kw or {})),
            c(".", **(dot_kw or {})), s("250 2.0.0 queued")]


def quit_():
    return [c("QUIT"), s("221 2.0.0 Bye"), ev("close", "quit")]


def session(body, tls=False):
    entries = [s("220 mx.test ESMTP mailrig")] + body
    for i, e in enumerate(entries):
        e["t_ms"] = i
    d = {"id": 7, "protocol": "smtp", "port_name": "smtp", "port": 25,
         "peer": "127.0.0.1:5555", "started": "2026-11-22T01:02:03.456Z",
         "duration_ms": len(entries), "tls": tls, "outcome": "quit",
         "messages": [], "transcript": entries}
    if tls:
        d["tls_version"] = "TLSv1.3"
        d["tls_cipher"] = "TLS_AES_256_GCM_SHA384"
    return d


def base(msg=MSG, **kw):
    return session(ehlo() + tx(msg=msg, **kw) + quit_())


def starttls(after):
    return session(ehlo() + [c("STARTTLS"), s("220 2.0.0 Ready"),
                             ev("tls-start", "TLSv1.3 X")] + after, tls=True)


def msg_with(headers, body=b"Hello.\r\n"):
    return headers + b"\r\n" + body


H = (b"Date: Sun, 22 Nov 2026 01:02:03 +0000\r\nFrom: a@example.test\r\n"
     b"To: b@example.test\r\nSubject: x\r\n")
MIME = H + b"MIME-Version: 1.0\r\n"
LONG = b"x" * 1200

CASES = {
    "smtp.line.bare-lf": (base(dot_kw={"flags": ["bare-lf"]}), base()),
    "smtp.line.bare-cr": (session(ehlo() + [c("NOOP x", flags=["bare-cr"]),
                                            s("250 ok")] + quit_()),
                          session(ehlo() + [c("NOOP x"), s("250 ok")] +
                                  quit_())),
    "smtp.cmd.nul": (session(ehlo() + [c("NOOP a", flags=["nul"]),
                                       s("250 ok")] + quit_()), base()),
    "smtp.cmd.too-long": (session(ehlo() + [c("NOOP " + "a" * 600),
                                            s("250 ok")] + quit_()),
                          session(ehlo() + [c("NOOP " + "a" * 400),
                                            s("250 ok")] + quit_())),
    "smtp.data.line-too-long": (base(msg=H + b"\r\n" + LONG + b"\r\n"),
                                base()),
    "smtp.order.before-greeting": (
        {**session(ehlo() + tx() + quit_()),
         "transcript": [dict(t_ms=0, **c("EHLO a.test")),
                        dict(t_ms=0, **s("220 mx.test"))]}, base()),
    "smtp.order.ehlo-first": (session(tx() + quit_()), base()),
    "smtp.ehlo.syntax": (session(ehlo("bad_host!") + quit_()),
                         session(ehlo("[192.0.2.1]") + quit_())),
    "smtp.mail.syntax": (base(mail="MAIL FROM:a@example.test"), base()),
    "smtp.rcpt.syntax": (base(rcpt="RCPT TO:b@example.test"), base()),
    "smtp.mail.space-after-colon": (base(mail="MAIL FROM: <a@example.test>"),
                                    base()),
    "smtp.rcpt.space-after-colon": (base(rcpt="RCPT TO: <b@example.test>"),
                                    base()),
    "smtp.mail.param-not-advertised": (
        session(ehlo(caps=["PIPELINING"]) +
                tx(mail="MAIL FROM:<a@example.test> SIZE=100") + quit_()),
        base(mail="MAIL FROM:<a@example.test> SIZE=100")),
    "smtp.rcpt.param-not-advertised": (
        session(ehlo(caps=["PIPELINING"]) +
                tx(rcpt="RCPT TO:<b@example.test> NOTIFY=NEVER") + quit_()),
        base(rcpt="RCPT TO:<b@example.test> NOTIFY=NEVER")),
    "smtp.data.8bit-undeclared": (
        base(msg=MIME + b"Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xc3\xa9\r\n"),
        base(mail="MAIL FROM:<a@example.test> BODY=8BITMIME",
             msg=MIME + b"Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xc3\xa9\r\n")),
    "smtp.cmd.8bit": (session(ehlo() + [c("NOOP caf\u00e9"), s("250 ok")] +
                              quit_()), base()),
    "smtp.utf8.not-advertised": (
        session(ehlo(caps=["PIPELINING"]) +
                tx(rcpt="RCPT TO:<j\u00f6rg@example.test>") + quit_()),
        base(mail="MAIL FROM:<a@example.test> SMTPUTF8",
             rcpt="RCPT TO:<j\u00f6rg@example.test>")),
    "smtp.utf8.undeclared": (base(rcpt="RCPT TO:<j\u00f6rg@example.test>"),
                             base(mail="MAIL FROM:<a@example.test> SMTPUTF8",
                                  rcpt="RCPT TO:<j\u00f6rg@example.test>")),
    "smtp.pipelining.not-advertised": (
        session(ehlo(caps=["8BITMIME"]) + [
            c("MAIL FROM:<a@example.test>"), s("250 ok"),
            c("RCPT TO:<b@example.test>", flags=["pipelined"]),
            s("250 ok")] + quit_()),
        session(ehlo() + [
            c("MAIL FROM:<a@example.test>"), s("250 ok"),
            c("RCPT TO:<b@example.test>", flags=["pipelined"]),
            s("250 ok")] + quit_())),
    "smtp.pipelining.after-group-end": (
        session(ehlo() + [c("NOOP"), s("250 ok"),
                          c("MAIL FROM:<a@example.test>", flags=["pipelined"]),
                          s("250 ok")] + quit_()),
        session(ehlo() + [c("RSET"), s("250 ok"),
                          c("MAIL FROM:<a@example.test>", flags=["pipelined"]),
                          s("250 ok")] + quit_())),
    "smtp.data.before-354": (base(data_kw={"flags": ["pipelined"]}), base()),
    "smtp.bdat.not-advertised": (
        session(ehlo(caps=["PIPELINING"]) + [
            c("MAIL FROM:<a@example.test>"), s("250 ok"),
            c("RCPT TO:<b@example.test>"), s("250 ok"),
            c("BDAT %d LAST" % len(MSG)), data(MSG), s("250 ok")] + quit_()),
        session(ehlo() + [
            c("MAIL FROM:<a@example.test>"), s("250 ok"),
            c("RCPT TO:<b@example.test>"), s("250 ok"),
            c("BDAT %d LAST" % len(MSG)), data(MSG), s("250 ok")] + quit_())),
    "smtp.bdat.mixed-with-data": (
        session(ehlo() + [
            c("MAIL FROM:<a@example.test>"), s("250 ok"),
            c("RCPT TO:<b@example.test>"), s("250 ok"),
            c("BDAT 5"), data(b"Date:"), s("250 ok"),
            c("DATA"), s("503 no")] + quit_()), base()),
    "smtp.starttls.pipelined": (
        session(ehlo() + [c("STARTTLS"), s("220 2.0.0 Ready"),
                          data(b"EHLO x\r\n", flags=["dropped"]),
                          ev("tls-start", "TLSv1.3 X")] + ehlo() + quit_(),
                tls=True),
        starttls(ehlo() + quit_())),
    "smtp.starttls.no-ehlo": (starttls(tx() + quit_()),
                              starttls(ehlo() + tx() + quit_())),
    "smtp.starttls.already-active": (
        starttls(ehlo() + [c("STARTTLS"), s("554 already")] + quit_()),
        starttls(ehlo() + quit_())),
    "smtp.auth.after-auth": (
        starttls(ehlo() + [c("AUTH PLAIN AGEAYg=="), s("235 ok"),
                           c("AUTH PLAIN AGEAYg=="), s("503 no")] + quit_()),
        starttls(ehlo() + [c("AUTH PLAIN AGEAYg=="), s("235 ok")] + quit_())),
    "smtp.auth.not-advertised": (
        starttls([c("EHLO a.test"), s("250 mx.test")] +
                 [c("AUTH PLAIN AGEAYg=="), s("503 no")] + quit_()),
        starttls(ehlo() + [c("AUTH PLAIN AGEAYg=="), s("235 ok")] + quit_())),
    "smtp.auth.in-transaction": (
        starttls(ehlo() + [c("MAIL FROM:<a@example.test>"), s("250 ok"),
                           c("AUTH PLAIN AGEAYg=="), s("503 no")] + quit_()),
        starttls(ehlo() + [c("AUTH PLAIN AGEAYg=="), s("235 ok"),
                           c("MAIL FROM:<a@example.test>"), s("250 ok")] +
                 quit_())),
    "smtp.auth.response-syntax": (
        starttls(ehlo() + [c("AUTH LOGIN"), s("334 VXNlcm5hbWU6"),
                           c("not base64!"), s("501 no")] + quit_()),
        starttls(ehlo() + [c("AUTH LOGIN"), s("334 VXNlcm5hbWU6"),
                           c("dXNlcg=="), s("334 UGFzc3dvcmQ6"), c("*"),
                           s("501 cancelled")] + quit_())),
    "smtp.session.no-quit": (session(ehlo() + tx() + [ev("close", "eof")]),
                             base()),
    "smtp.session.after-quit": (
        session(ehlo() + [c("QUIT"), s("221 Bye"),
                          data(b"NOOP\r\n", flags=["dropped"]),
                          ev("close", "quit")]), base()),
    "smtp.rset.args": (session(ehlo() + [c("RSET now"), s("250 ok")] +
                               quit_()),
                       session(ehlo() + [c("RSET"), s("250 ok")] + quit_())),
    "smtp.data.args": (base(), base()),  # replaced below
    "smtp.quit.args": (session(ehlo() + [c("QUIT now"), s("221 Bye"),
                                         ev("close", "quit")]), base()),
    "smtp.path.local-too-long": (
        base(rcpt="RCPT TO:<%s@example.test>" % ("l" * 70)), base()),
    "smtp.path.domain-too-long": (
        base(rcpt="RCPT TO:<b@%s.test>" % ".".join(["d" * 60] * 5)), base()),
    "smtp.path.too-long": (
        base(rcpt="RCPT TO:<%s@%s.test>" % ("l" * 60, ".".join(["d" * 60] * 4))),
        base()),
    "smtp.data.unstuffed-dot": (
        session(ehlo() + tx() + [c("more text"), s("500 unknown"), c("."),
                                 s("500 unknown")] + quit_()), base()),
    "smtp.order.rcpt-before-mail": (
        session(ehlo() + [c("RCPT TO:<b@example.test>"), s("503 no")] +
                quit_()), base()),
    "smtp.order.data-before-rcpt": (
        session(ehlo() + [c("MAIL FROM:<a@example.test>"), s("250 ok"),
                          c("DATA"), s("554 no valid recipients")] + quit_()),
        base()),
    "smtp.security.cleartext-auth-starttls-offered": (
        session(ehlo() + [c("AUTH PLAIN AGEAYg==", secret=True),
                          s("235 ok")] + quit_()),
        starttls(ehlo() + [c("AUTH PLAIN AGEAYg==", secret=True),
                           s("235 ok")] + quit_())),
    "smtp.security.cleartext-auth": (
        session(ehlo(caps=["AUTH PLAIN LOGIN"]) +
                [c("AUTH LOGIN"), s("334 VXNlcm5hbWU6")] +
                [c("dXNlcg==", secret=True), s("334 UGFzc3dvcmQ6"),
                 c("cGFzcw==", secret=True), s("235 ok")] + quit_()),
        session(ehlo(caps=["AUTH CRAM-MD5"]) +
                [c("AUTH CRAM-MD5"), s("334 PDE+"),
                 c("dSBhYmNk", secret=True), s("235 ok")] + quit_())),
    "smtp.security.after-tls-failure": (
        session(ehlo() + [c("STARTTLS"), s("220 2.0.0 Ready"),
                          ev("tls-failed", "wrong version number"),
                          c("MAIL FROM:<a@example.test>"), s("500 no")] +
                quit_()),
        session(ehlo() + [c("STARTTLS"), s("220 2.0.0 Ready"),
                          ev("tls-failed", "wrong version number"),
                          ev("close", "tls-failed")])),
    "msg.header.date-missing": (
        base(msg=b"From: a@example.test\r\n\r\nhi\r\n"), base()),
    "msg.header.from-missing": (
        base(msg=b"Date: Sun, 22 Nov 2026 01:02:03 +0000\r\n\r\nhi\r\n"),
        base()),
    "msg.header.duplicate": (base(msg=H + b"Subject: again\r\n\r\nhi\r\n"),
                             base(msg=H + b"Received: a\r\nReceived: b\r\n"
                                  b"\r\nhi\r\n")),
    "msg.header.syntax": (base(msg=H + b"Not a header line\r\n\r\nhi\r\n"),
                          base(msg=H + b"X-Folded: a\r\n\tb\r\n\r\nhi\r\n")),
    "msg.line.too-long": (base(msg=H + b"\r\n" + LONG + b"\r\n"), base()),
    "msg.line.over-78": (base(msg=H + b"\r\n" + b"y" * 100 + b"\r\n"),
                         base(msg=H + b"\r\n" + b"y" * 78 + b"\r\n")),
    "msg.header.8bit": (
        base(mail="MAIL FROM:<a@example.test> BODY=8BITMIME",
             msg=H.replace(b"Subject: x", b"Subject: caf\xc3\xa9") +
             b"\r\nhi\r\n"),
        base(mail="MAIL FROM:<a@example.test> SMTPUTF8",
             msg=H.replace(b"Subject: x", b"Subject: caf\xc3\xa9") +
             b"\r\nhi\r\n")),
    "msg.mime.version-missing": (
        base(msg=H + b"Content-Type: text/plain\r\n\r\nhi\r\n"),
        base(msg=MIME + b"Content-Type: text/plain\r\n\r\nhi\r\n")),
    "msg.mime.boundary-missing": (
        base(msg=MIME + b"Content-Type: multipart/mixed\r\n\r\nhi\r\n"),
        base(msg=MIME + b"Content-Type: multipart/mixed; boundary=\"b1\""
             b"\r\n\r\n--b1\r\n\r\nhi\r\n--b1--\r\n")),
    "msg.mime.boundary-unclosed": (
        base(msg=MIME + b"Content-Type: multipart/mixed; boundary=b1"
             b"\r\n\r\n--b1\r\n\r\nhi\r\n"),
        base(msg=MIME + b"Content-Type: multipart/mixed; boundary=b1"
             b"\r\n\r\n--b1\r\n\r\nhi\r\n--b1--\r\n")),
    "msg.mime.8bit-in-7bit": (
        base(mail="MAIL FROM:<a@example.test> BODY=8BITMIME",
             msg=MIME + b"Content-Type: text/plain\r\n\r\ncaf\xc3\xa9\r\n"),
        base(mail="MAIL FROM:<a@example.test> BODY=8BITMIME",
             msg=MIME + b"Content-Type: text/plain\r\n"
             b"Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xc3\xa9\r\n")),
    "msg.mime.base64-line-length": (
        base(msg=MIME + b"Content-Transfer-Encoding: base64\r\n\r\n" +
             b"QUFB" * 20 + b"\r\n"),
        base(msg=MIME + b"Content-Transfer-Encoding: base64\r\n\r\n" +
             b"QUFB" * 19 + b"\r\n")),
    "msg.mime.qp-line-length": (
        base(msg=MIME + b"Content-Transfer-Encoding: quoted-printable\r\n"
             b"\r\n" + b"q" * 77 + b"\r\n"),
        base(msg=MIME + b"Content-Transfer-Encoding: quoted-printable\r\n"
             b"\r\n" + b"q" * 75 + b"=\r\nq\r\n")),
    "msg.mime.encoded-word-syntax": (
        base(msg=H.replace(b"Subject: x", b"Subject: =?utf-8?X?abc?=") +
             b"\r\nhi\r\n"),
        base(msg=H.replace(b"Subject: x", b"Subject: =?utf-8?Q?caf=C3=A9?=")
             + b"\r\nhi\r\n")),
    "msg.mime.param-continuation": (
        base(msg=MIME + b"Content-Type: text/plain; name*1=\"a\"; "
             b"name*2=\"b\"\r\n\r\nhi\r\n"),
        base(msg=MIME + b"Content-Type: text/plain; name*0=\"a\"; "
             b"name*1=\"b\"\r\n\r\nhi\r\n")),
}

bad_data = base()
for e in bad_data["transcript"]:
    if e.get("line") == "DATA":
        e["line"] = "DATA now"
CASES["smtp.data.args"] = (bad_data, base())


def main():
    for rid, (bad, good) in sorted(CASES.items()):
        for kind, doc in (("bad", bad), ("good", good)):
            with open(os.path.join(HERE, "%s.%s.json" % (rid, kind)),
                      "w") as f:
                json.dump(doc, f, indent=1, ensure_ascii=False)
                f.write("\n")


if __name__ == "__main__":
    main()
