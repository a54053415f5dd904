"""fetchmail over IMAP against mailrig: implicit TLS (ssl) and STARTTLS
(sslproto TLS1.2+), the certificate checked (sslcertck, sslcertfile),
keep, delivery to an MDA that writes files.  Each message arrives with
the bytes SMTP received after fetchmail's own Received: header; a second
poll finds nothing new (fetched messages are \\Seen on the server)."""

import os
import re

import mrlib
from test_imap_util import PASSWORD, ImapCase, fetch_map, simple_message

# fetchmail prepends one Received: header (possibly folded) of its own.
RECEIVED_RE = re.compile(rb"\AReceived: [^\n]*\n(?:[ \t][^\n]*\n)*")


class ImapFetchmailTest(ImapCase):
    def fetchmail(self, user, tls, out):
        d = os.path.join(self.server.dir, "fetchmail-" + tls)
        os.makedirs(out, exist_ok=True)
        if tls == "ssl":
            port, tls_opts = self.imaps_port, "ssl"
        else:
            port, tls_opts = self.imap_port, "sslproto 'TLS1.2+'"
        rc = os.path.join(d, "fetchmailrc")
        os.makedirs(d, exist_ok=True)
        with open(rc, "w") as f:
            f.write("set no bouncemail\n"
                    "set no syslog\n"
                    "poll localhost protocol IMAP port %d timeout 30\n"
                    "  user \"%s\" there password \"%s\" is \"me\" here\n"
                    "  %s sslcertck sslcertfile \"%s\"\n"
                    "  keep\n"
                    "  mda \"cat > %s/msg-$$.eml\"\n"
                    % (port, user, PASSWORD, tls_opts, self.server.ca, out))
        os.chmod(rc, 0o600)
        env = dict(os.environ, HOME=d, FETCHMAILHOME=d)
        return mrlib.run_client(self, ["fetchmail", "-f", rc, "-N", "-v",
                                       "--nosyslog"], env=env)

    def poll(self, tls):
        user = self.user()
        sent = [simple_message("s@client.test", user, "fetchmail %d" % i,
                               "Body %d.\n.dot line\n" % i)
                for i in range(4)]
        self.deliver(user, sent)
        out = os.path.join(self.server.dir, "fetchmail-out-" + tls)
        cp = self.fetchmail(user, tls, out)
        # Exit 0: mail was retrieved.
        self.assertEqual(cp.returncode, 0, mrlib.show(cp))
        got = []
        for n in sorted(os.listdir(out)):
            with open(os.path.join(out, n), "rb") as f:
                data = f.read()
            m = RECEIVED_RE.match(data)
            self.assertTrue(m, data[:300])
            got.append(data[m.end():])
        # With an MDA fetchmail strips CR (its default "stripcr").
        self.assertEqual(sorted(got),
                         sorted(b.replace(b"\r\n", b"\n") for b in sent))
        # keep: still on the server, now \Seen.
        m = self.login(user)
        typ, data = m.select("INBOX", True)
        self.assertEqual((typ, data), ("OK", [b"4"]))
        flags = fetch_map(m.fetch("1:4", "FLAGS")[1])
        for v in flags.values():
            self.assertIn("\\seen", {str(f).lower() for f in v["FLAGS"]})
        m.logout()
        # A second poll has nothing to fetch: exit 1 ("no mail").
        cp = self.fetchmail(user, tls, out)
        self.assertEqual(cp.returncode, 1, mrlib.show(cp))
        self.assertEqual(len(os.listdir(out)), 4)

    def test_ssl(self):
        self.poll("ssl")

    def test_starttls(self):
        self.poll("starttls")
