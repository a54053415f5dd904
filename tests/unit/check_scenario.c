/*
 * check_scenario.c: the scenario loader (harness/scenario.c).  Every
 * error path with the line:column it must name, a full scenario loaded
 * field by field, RFC 3339 dates, fixtures as bytes, every scenario of
 * the library (each .yaml under scenarios/) and the files under
 * tests/data/scenarios/good and bad.
 */
#include <glob.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fakes/base/defs.h"
#include "fakes/sasl.h"
#include "fakes/store.h"
#include "harness/scenario.h"

Suite	*scenario_suite(void);

/* Unit tests run in tests/unit; fixtures resolve against this name. */
#define T_NAME	"../data/scenarios/t.yaml"

static const struct {
	const char	*what;
	const char	*yaml;
	const char	*pos;	/* "line:col"; NULL: no position checked */
	const char	*msg;	/* a part of the message */
} bad_cases[] = {
	/* top level */
	{ "unknown top key", "name: t\nfoo: 1\n", "2:1", "unknown key 'foo'" },
	{ "name missing", "seed: 1\n", "1:1", "name: is missing" },
	{ "name not a string", "name: [a]\n", "1:7", "one-line name" },
	{ "empty file", "", NULL, "empty file" },
	{ "syntax error", "name: t\n  bad: [\n", NULL, "YAML syntax error" },
	{ "two documents", "name: t\n---\nname: u\n", "3:1",
	  "second YAML document" },
	{ "duplicate key", "name: t\nname: u\n", "2:1", "duplicate key" },
	{ "quoted seed", "name: t\nseed: \"7\"\n", "2:7", "quoted string" },
	/* servers */
	{ "unknown server", "name: t\nservers: {smtpx: {}}\n", "2:11",
	  "unknown key 'smtpx'" },
	{ "port range", "name: t\nservers: {smtp: {port: 70000}}\n", "2:24",
	  "out of range" },
	{ "tls mode", "name: t\nservers: {smtp: {tls: maybe}}\n", "2:23",
	  "unknown TLS mode" },
	{ "implicit on smtp", "name: t\nservers: {smtp: {tls: implicit}}\n",
	  "2:23", "implicit is only for" },
	{ "smtps not implicit",
	  "name: t\nservers: {smtps: {tls: starttls}}\n", "2:24",
	  "from the first byte" },
	{ "auth policy", "name: t\nservers: {smtp: {auth: sometimes}}\n",
	  "2:24", "unknown auth policy" },
	{ "auth after tls without tls", "name: t\nservers: {smtp: "
	  "{tls: none, auth: required-after-tls}}\n", "2:35",
	  "can never be met" },
	{ "unknown capability",
	  "name: t\nservers: {smtp: {capabilities: [FOO]}}\n", "2:33",
	  "unknown smtp capability 'FOO'" },
	{ "capability of another protocol",
	  "name: t\nservers: {smtp: {capabilities: [UIDL]}}\n", "2:33",
	  "unknown smtp capability 'UIDL'" },
	{ "STARTTLS with tls none", "name: t\nservers: {smtp: {tls: none, "
	  "capabilities: [STARTTLS]}}\n", "2:43", "STARTTLS is listed" },
	{ "starttls without STARTTLS",
	  "name: t\nservers: {smtp: {capabilities: [PIPELINING]}}\n", "2:32",
	  "STARTTLS is not listed" },
	{ "STLS with tls none", "name: t\nservers: {pop3: {tls: none, "
	  "capabilities: [STLS]}}\n", "2:43", "STLS is listed" },
	{ "bad SIZE", "name: t\nservers: {smtp: {tls: none, "
	  "capabilities: [SIZE big]}}\n", "2:44", "bad SIZE" },
	{ "unknown mechanism", "name: t\nservers: {smtp: {tls: none, "
	  "capabilities: [AUTH PLAIN FOO]}}\n", "2:44",
	  "unknown SASL mechanism 'FOO'" },
	{ "capability twice", "name: t\nservers: {smtp: {tls: none, "
	  "capabilities: [PIPELINING, PIPELINING]}}\n", "2:56",
	  "listed twice" },
	{ "IMAP AUTH without =", "name: t\nservers: {imap: {tls: none, "
	  "capabilities: [AUTH PLAIN]}}\n", "2:44", "AUTH=<mech>" },
	{ "capability value", "name: t\nservers: {smtp: {tls: none, "
	  "capabilities: [PIPELINING 3]}}\n", "2:44", "takes no value" },
	{ "auth required without AUTH", "name: t\nservers: {smtp: {tls: none, "
	  "auth: required, capabilities: [SIZE]}}\n", "2:59",
	  "no AUTH capability" },
	{ "auth none with AUTH", "name: t\nservers: {smtp: {tls: none, "
	  "auth: none, capabilities: [AUTH PLAIN]}}\n", "2:55",
	  "auth: none but SASL" },
	/* users and fixtures */
	{ "user without name", "name: t\nusers: [{password: x}]\n", "2:9",
	  "name: is missing" },
	{ "user twice", "name: t\nusers: [{name: a}, {name: A}]\n", "2:20",
	  "listed twice" },
	{ "missing fixture", "name: t\nusers: [{name: a, mailboxes: "
	  "{INBOX: [{file: nope.eml}]}}]\n", "2:46", "fixture 'nope.eml'" },
	{ "fixture is a directory", "name: t\nusers: [{name: a, mailboxes: "
	  "{INBOX: [{file: fixtures}]}}]\n", "2:46", "not a regular file" },
	{ "file and text", "name: t\nusers: [{name: a, mailboxes: "
	  "{INBOX: [{file: x, text: y}]}}]\n", "2:39", "exactly one of" },
	{ "system flag", "name: t\nusers: [{name: a, mailboxes: "
	  "{INBOX: [{text: x, flags: ['\\Bogus']}]}}]\n", "2:57",
	  "unknown system flag" },
	{ "keyword", "name: t\nusers: [{name: a, mailboxes: "
	  "{INBOX: [{text: x, flags: [\"a b\"]}]}}]\n", "2:57",
	  "bad keyword" },
	{ "date 30 Feb", "name: t\nusers: [{name: a, mailboxes: "
	  "{INBOX: [{text: x, date: 2024-02-30T00:00:00Z}]}}]\n", "2:55",
	  "bad date" },
	{ "date without zone", "name: t\nusers: [{name: a, mailboxes: "
	  "{INBOX: [{text: x, date: 2024-02-03T00:00:00}]}}]\n", "2:55",
	  "bad date" },
	{ "mailbox name", "name: t\nusers: [{name: a, mailboxes: "
	  "{\"a//b\": []}}]\n", "2:31", "bad mailbox name" },
	{ "INBOX twice", "name: t\nusers: [{name: a, mailboxes: "
	  "{INBOX: [], inbox: []}}]\n", "2:42", "INBOX is listed twice" },
	/* rules: conditions */
	{ "rules not a list", "name: t\nrules: {}\n", "2:8",
	  "expected a list of rules" },
	{ "rule without on", "name: t\nrules: [{reply: '250 ok'}]\n", "2:9",
	  "on: is missing" },
	{ "rule key", "name: t\nrules: [{on: {smtp: any}, replay: x}]\n",
	  "2:27", "unknown key 'replay'" },
	{ "no protocol", "name: t\nrules: [{on: {nth: 1}, delay: 1s}]\n",
	  "2:14", "no protocol" },
	{ "two protocols",
	  "name: t\nrules: [{on: {smtp: any, pop3: any}, delay: 1s}]\n",
	  "2:26", "one protocol" },
	{ "verb of POP3 on SMTP",
	  "name: t\nrules: [{on: {smtp: RETR}, delay: 1s}]\n", "2:21",
	  "is a POP3 command" },
	{ "unknown verb", "name: t\nrules: [{on: {smtp: FOO}, delay: 1s}]\n",
	  "2:21", "unknown stage or command 'FOO'" },
	{ "data stage on POP3",
	  "name: t\nrules: [{on: {pop3: data}, delay: 1s}]\n", "2:21",
	  "SMTP only" },
	{ "literal stage on SMTP",
	  "name: t\nrules: [{on: {smtp: literal}, delay: 1s}]\n", "2:21",
	  "IMAP only" },
	{ "bad regex",
	  "name: t\nrules: [{on: {smtp: RCPT, args: '('}, delay: 1s}]\n",
	  "2:33", "bad regular expression" },
	{ "args on connect",
	  "name: t\nrules: [{on: {smtp: connect, args: x}, delay: 1s}]\n",
	  "2:36", "args: needs a command" },
	{ "nth empty range",
	  "name: t\nrules: [{on: {smtp: RCPT, nth: [3, 2]}, delay: 1s}]\n",
	  "2:32", "is empty" },
	{ "nth 0", "name: t\nrules: [{on: {smtp: RCPT, nth: 0}, delay: 1s}]\n",
	  "2:32", "counts from 1" },
	{ "nth 0+",
	  "name: t\nrules: [{on: {smtp: RCPT, nth: 0+}, delay: 1s}]\n", "2:32",
	  "bad nth '0+'" },
	{ "nth and times", "name: t\nrules: [{on: {smtp: RCPT, nth: 1, "
	  "times: 2}, delay: 1s}]\n", "2:42", "only one of nth: and times:" },
	{ "session range", "name: t\nrules: [{on: {smtp: RCPT, "
	  "session: [1, 2, 3]}, delay: 1s}]\n", "2:36", "two numbers" },
	{ "session 0+", "name: t\nrules: [{on: {smtp: RCPT, "
	  "session: 0+}, delay: 1s}]\n", "2:36", "bad session '0+'" },
	{ "session x+", "name: t\nrules: [{on: {smtp: RCPT, "
	  "session: x+}, delay: 1s}]\n", "2:36", "bad session 'x+'" },
	{ "session 0", "name: t\nrules: [{on: {smtp: RCPT, "
	  "session: 0}, delay: 1s}]\n", "2:36", "counts from 1" },
	{ "session word", "name: t\nrules: [{on: {smtp: RCPT, "
	  "session: two}, delay: 1s}]\n", "2:36", "or n+" },
	{ "probability 0", "name: t\nrules: [{on: {smtp: RCPT, "
	  "probability: 0}, delay: 1s}]\n", "2:40", "probability 0" },
	{ "probability 1.5", "name: t\nrules: [{on: {smtp: RCPT, "
	  "probability: 1.5}, delay: 1s}]\n", "2:40", "above 1" },
	{ "seed without probability",
	  "name: t\nrules: [{on: {smtp: RCPT, seed: 3}, delay: 1s}]\n",
	  "2:33", "seed: without probability" },
	{ "server not running", "name: t\nservers: {smtp: {}}\nrules: "
	  "[{on: {smtp: RCPT, server: submission}, delay: 1s}]\n", "3:35",
	  "does not run" },
	{ "server of another protocol", "name: t\nrules: "
	  "[{on: {smtp: RCPT, server: imap}, delay: 1s}]\n", "2:35",
	  "does not speak smtp" },
	{ "protocol without server", "name: t\nservers: {smtp: {}}\nrules: "
	  "[{on: {imap: FETCH}, delay: 1s}]\n", "3:15",
	  "no imap server runs" },
	{ "unknown user", "name: t\nusers: [{name: alice}]\nrules: "
	  "[{on: {smtp: RCPT, user: bob}, delay: 1s}]\n", "3:33",
	  "not among users" },
	{ "user at greeting", "name: t\nrules: "
	  "[{on: {smtp: greeting, user: a}, delay: 1s}]\n", "2:37",
	  "nobody has logged in" },
	{ "tls stage without TLS", "name: t\nservers: {smtp: {tls: none}}\n"
	  "rules: [{on: {smtp: tls}, tls: fail}]\n", "3:15",
	  "stage tls can never match" },
	/* rules: actions */
	{ "no action", "name: t\nrules: [{on: {smtp: RCPT}}]\n", "2:9",
	  "does nothing" },
	{ "hang false only",
	  "name: t\nrules: [{on: {smtp: RCPT}, hang: false}]\n", "2:9",
	  "does nothing" },
	{ "tls fail off stage",
	  "name: t\nrules: [{on: {smtp: RCPT}, tls: fail}]\n", "2:33",
	  "needs stage tls" },
	{ "tls action word",
	  "name: t\nrules: [{on: {smtp: tls}, tls: break}]\n", "2:32",
	  "unknown tls action" },
	{ "reply at tls stage",
	  "name: t\nrules: [{on: {smtp: tls}, reply: '220 x'}]\n", "2:34",
	  "no reply to change" },
	{ "untagged on SMTP", "name: t\nrules: [{on: {smtp: RCPT}, "
	  "untagged: ['* 1 EXISTS']}]\n", "2:38", "untagged: is for IMAP" },
	{ "untagged without star", "name: t\nrules: [{on: {imap: FETCH}, "
	  "untagged: ['1 EXPUNGE']}]\n", "2:40", "does not start with" },
	{ "SMTP reply shape",
	  "name: t\nrules: [{on: {smtp: RCPT}, reply: 'hello'}]\n", "2:35",
	  "bad SMTP reply" },
	{ "SMTP reply code 600",
	  "name: t\nrules: [{on: {smtp: RCPT}, reply: '600 no'}]\n", "2:35",
	  "bad SMTP reply" },
	{ "SMTP codes differ", "name: t\nrules: [{on: {smtp: RCPT}, "
	  "reply: ['450-a', '451 b']}]\n", "2:45", "differs from" },
	{ "SMTP continuation", "name: t\nrules: [{on: {smtp: RCPT}, "
	  "reply: ['450 a', '450 b']}]\n", "2:36", "is not the last line" },
	{ "SMTP last line", "name: t\nrules: [{on: {smtp: RCPT}, "
	  "reply: ['450-a', '450-b']}]\n", "2:45", "on the last line" },
	{ "enhanced code class", "name: t\nrules: [{on: {smtp: RCPT}, "
	  "reply: '450 5.1.1 x'}]\n", "2:35", "does not match" },
	{ "reply with a line break", "name: t\nrules: [{on: {smtp: RCPT}, "
	  "reply: \"450 a\\n450 b\"}]\n", "2:35", "line break" },
	{ "POP3 reply shape",
	  "name: t\nrules: [{on: {pop3: RETR}, reply: 'OK'}]\n", "2:35",
	  "bad POP3 reply" },
	{ "POP3 multi-line -ERR", "name: t\nrules: [{on: {pop3: RETR}, "
	  "reply: ['-ERR a', 'b']}]\n", "2:46", "one line" },
	{ "IMAP status", "name: t\nrules: [{on: {imap: FETCH}, "
	  "reply: 'DONE x'}]\n", "2:36", "bad IMAP status line" },
	{ "IMAP untagged after status", "name: t\nrules: [{on: {imap: FETCH}, "
	  "reply: ['OK a', '* 1 EXISTS']}]\n", "2:37", "is not the last" },
	{ "IMAP greeting NO", "name: t\nrules: [{on: {imap: greeting}, "
	  "reply: 'NO go away'}]\n", "2:39", "greeting cannot be NO" },
	{ "hang with reply", "name: t\nrules: [{on: {smtp: RCPT}, hang: true, "
	  "reply: '250 ok'}]\n", "2:34", "never answers" },
	{ "hang not a bool",
	  "name: t\nrules: [{on: {smtp: RCPT}, hang: yes}]\n", "2:34",
	  "true or false" },
	{ "duration without unit",
	  "name: t\nrules: [{on: {smtp: RCPT}, delay: 5}]\n", "2:35",
	  "has no unit" },
	{ "duration unit",
	  "name: t\nrules: [{on: {smtp: RCPT}, delay: 5h}]\n", "2:35",
	  "bad duration" },
	{ "drip 0", "name: t\nrules: [{on: {smtp: RCPT}, drip: 0}]\n", "2:34",
	  "out of range" },
	{ "disconnect word",
	  "name: t\nrules: [{on: {smtp: RCPT}, disconnect: later}]\n",
	  "2:40", "unknown disconnect" },
	{ "disconnect before reply with reply", "name: t\nrules: "
	  "[{on: {smtp: RCPT}, disconnect: before-reply, reply: '250 ok'}]\n",
	  "2:40", "sends nothing" },
	{ "wrong-tag on SMTP",
	  "name: t\nrules: [{on: {smtp: RCPT}, malformed: wrong-tag}]\n",
	  "2:39", "wrong-tag is for IMAP" },
	{ "malformed word",
	  "name: t\nrules: [{on: {smtp: RCPT}, malformed: weird}]\n", "2:39",
	  "unknown malformed" },
	{ "bad-continuation on one line", "name: t\nrules: [{on: {smtp: RCPT}, "
	  "reply: '450 x', malformed: bad-continuation}]\n", "2:55",
	  "multi-line reply" },
	/* script */
	{ "script greeting", "name: t\nscript: {smtp: [{client: EHLO}]}\n",
	  "2:17", "first step is the greeting" },
	{ "script client missing", "name: t\nscript: {smtp: "
	  "[{server: '220 x'}, {server: '250 y'}]}\n", "2:36",
	  "client: is missing" },
	{ "script key", "name: t\nscript: {smtp: [{server: x, reply: y}]}\n",
	  "2:29", "unknown key 'reply'" },
	{ "script empty", "name: t\nscript: {smtp: []}\n", "2:16",
	  "empty script" },
	{ "script without server", "name: t\nservers: {smtp: {}}\n"
	  "script: {imap: [{server: '* OK'}]}\n", "3:10",
	  "no imap server runs" },
	/* run */
	{ "run key", "name: t\nrun: {cmd: x}\n", "2:7", "unknown key 'cmd'" },
	{ "run empty command", "name: t\nrun: {command: []}\n", "2:16",
	  "empty command" },
	{ "run unclosed template", "name: t\nrun: {command: [echo, '${X']}\n",
	  "2:23", "unclosed" },
	{ "run bad template", "name: t\nrun: {command: 'echo ${1X}'}\n",
	  "2:16", "bad variable reference" },
	{ "run timeout unit", "name: t\nrun: {timeout: 30}\n", "2:16",
	  "has no unit" },
	{ "run timeout 0", "name: t\nrun: {timeout: 0s}\n", "2:16",
	  "timeout of 0" },
	{ "run cwd", "name: t\nrun: {cwd: nope-dir}\n", "2:12",
	  "is not a directory" },
	{ "run env name", "name: t\nrun: {env: {1A: x}}\n", "2:13",
	  "bad variable name" },
	/* expect */
	{ "expect key", "name: t\nexpect: {exitcode: 0}\n", "2:10",
	  "unknown key 'exitcode'" },
	{ "exit code range", "name: t\nexpect: {exit_code: 300}\n", "2:21",
	  "out of range" },
	{ "count min above max",
	  "name: t\nexpect: {messages: {count: {min: 3, max: 1}}}\n", "2:28",
	  "min 3 is above max 1" },
	{ "match regex",
	  "name: t\nexpect: {messages: {match: [{subject: '/(/'}]}}\n",
	  "2:39", "bad regular expression" },
	{ "match key", "name: t\nexpect: {messages: {match: [{subjct: x}]}}\n",
	  "2:30", "unknown key 'subjct'" },
	{ "header name", "name: t\nexpect: {messages: {match: "
	  "[{header: {'Bad Name': present}}]}}\n", "2:39",
	  "bad header field name" },
	{ "tls not a bool", "name: t\nexpect: {messages: {match: [{tls: 1}]}}\n",
	  "2:35", "true or false" },
	{ "auth user unknown", "name: t\nusers: [{name: alice}]\n"
	  "expect: {messages: {match: [{auth: bob}]}}\n", "3:36",
	  "not among users" },
	{ "more matches than count", "name: t\nexpect: {messages: {count: 0, "
	  "match: [{tls: true}]}}\n", "2:38", "can never pass" },
	{ "client command",
	  "name: t\nexpect: {client: {commands_used: [FOO]}}\n", "2:35",
	  "unknown command 'FOO'" },
	{ "client used and not used", "name: t\nexpect: {client: "
	  "{commands_used: [QUIT], commands_not_used: [quit]}}\n", "2:61",
	  "both used and not used" },
	{ "sessions protocol",
	  "name: t\nexpect: {client: {sessions: {http: 1}}}\n", "2:30",
	  "unknown key 'http'" },
	{ "fail_on", "name: t\nexpect: {conformance: {fail_on: MAYBE}}\n",
	  "2:33", "unknown fail_on" },
	{ "unknown rule id",
	  "name: t\nexpect: {conformance: {disable: [smtp.nope.nope]}}\n",
	  "2:34", "unknown conformance rule" },
	{ "unknown level", "name: t\nexpect: {conformance: "
	  "{levels: {smtp.line.bare-lf: OFTEN}}}\n", "2:52",
	  "unknown level" },
	{ "disabled and levelled", "name: t\nexpect: {conformance: "
	  "{disable: [smtp.line.bare-lf], levels: {smtp.line.bare-lf: MAY}}}\n",
	  "2:63", "disabled and given a level" },
};

START_TEST(test_bad)
{
	struct scenario	*sc;
	const char	*y = bad_cases[_i].yaml;
	char		 err[1024], want[64];

	sc = scenario_load_mem(T_NAME, y, strlen(y), err, sizeof(err));
	ck_assert_msg(sc == NULL, "case %d (%s): loaded, want an error",
	    _i, bad_cases[_i].what);
	ck_assert_msg(strncmp(err, T_NAME ":", strlen(T_NAME) + 1) == 0,
	    "case %d (%s): got '%s', want the file name first", _i,
	    bad_cases[_i].what, err);
	if (bad_cases[_i].pos != NULL) {
		snprintf(want, sizeof(want), "%s:%s: ", T_NAME,
		    bad_cases[_i].pos);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
		    "case %d (%s): got '%s', want position %s", _i,
		    bad_cases[_i].what, err, bad_cases[_i].pos);
	}
	ck_assert_msg(strstr(err, bad_cases[_i].msg) != NULL,
	    "case %d (%s): got '%s', want '%s' in it", _i,
	    bad_cases[_i].what, err, bad_cases[_i].msg);
}
END_TEST

static const char full_yaml[] =
    "name: full\n"
    "description: all of it\n"
    "seed: 7\n"
    "servers:\n"
    "  smtp:\n"
    "    port: 2525\n"
    "    hostname: mx.test\n"
    "    greeting: ESMTP ready\n"
    "    capabilities: [SIZE 1000, pipelining, STARTTLS, AUTH PLAIN LOGIN]\n"
    "  submission: {}\n"
    "  imap: {tls: none, auth: required,\n"
    "         capabilities: [IDLE, AUTH=PLAIN, AUTH=CRAM-MD5]}\n"
    "  pop3:\n"
    "users:\n"
    "  - name: alice\n"
    "    password: secret\n"
    "    mailboxes:\n"
    "      Archive/2024: []\n"
    "      inbox:\n"
    "        - file: fixtures/hello.eml\n"
    "          flags: ['\\Seen', '\\flagged', $Label1, $label1]\n"
    "          date: 2024-01-02T10:00:00Z\n"
    "        - text: \"A: b\\n\\nc\\r\\nd\\n\"\n"
    "          date: 2024-01-02T10:00:00.5+01:00\n"
    "  - name: bob\n"
    "rules:\n"
    "  - on: {smtp: rcpt, args: \"^TO:<.*@blocked\\\\.test>\", times: 2}\n"
    "    reply: \"450 4.2.0 greylisted\"\n"
    "  - on: {imap: uid  fetch, nth: \"2+\", user: ALICE, server: imap}\n"
    "    disconnect: mid-reply\n"
    "    untagged: [\"* 3 EXPUNGE\"]\n"
    "  - on: {pop3: any, probability: 0.25, session: [2, 3]}\n"
    "    throttle: 2048\n"
    "  - on: {smtp: data, nth: [1, 3], seed: 9, probability: 1}\n"
    "    reply: [\"421-4.3.2 a\", \"421 4.3.2 b\"]\n"
    "    delay: 250ms\n"
    "    drip: 100\n"
    "    malformed: bad-continuation\n"
    "  - on: {smtp: tls}\n"
    "    tls: fail\n"
    "  - on: {imap: SELECT}\n"
    "    reply: [\"* OK [UIDVALIDITY 99] x\", \"bye now\"]\n"
    "  - on: {imap: greeting}\n"
    "    hang: true\n"
    "script:\n"
    "  pop3:\n"
    "    - server: \"+OK hi\"\n"
    "    - client: \"USER *\"\n"
    "      server: [\"+OK\", \"x\"]\n"
    "    - client: QUIT\n"
    "run:\n"
    "  command: [\"./send.sh\", \"--port\", \"${MAILRIG_SMTP_PORT}\"]\n"
    "  timeout: 2m\n"
    "  cwd: fixtures\n"
    "  env: {APP_ENV: test}\n"
    "expect:\n"
    "  exit_code: 3\n"
    "  messages:\n"
    "    count: {min: 1}\n"
    "    match:\n"
    "      - from: /^app@/i\n"
    "        to: alice@example.test\n"
    "        subject: Welcome\n"
    "        header: {Message-ID: present, X-Debug: absent,\n"
    "                 Reply-To: \"/@example\\\\.test>?$/\"}\n"
    "        body: {contains: Hello, regex: \"H.llo\"}\n"
    "        attachments: {count: 1, names: [a.pdf],\n"
    "                      types: [application/pdf]}\n"
    "        size: {max: 100000}\n"
    "        tls: true\n"
    "        auth: bob\n"
    "  client:\n"
    "    retried_after_4xx: true\n"
    "    sessions: {smtp: 2, imap: {max: 1}}\n"
    "    commands_used: [starttls, uid fetch]\n"
    "    quit: false\n"
    "  conformance:\n"
    "    fail_on: never\n"
    "    disable: [smtp.line.bare-lf]\n"
    "    levels: {smtp.line.bare-cr: MAY}\n";

START_TEST(test_full)
{
	const struct scen_server_conf *srv;
	const struct scen_mailbox *in;
	const struct scen_rule *r;
	const struct scen_msg_expect *m;
	struct scenario	*sc;
	char		 err[1024];

	sc = scenario_load_mem(T_NAME, full_yaml, strlen(full_yaml), err,
	    sizeof(err));
	ck_assert_msg(sc != NULL, "load: %s", err);
	ck_assert_str_eq(sc->name, "full");
	ck_assert_str_eq(sc->description, "all of it");
	ck_assert_str_eq(sc->dir, "../data/scenarios");
	ck_assert_uint_eq(sc->seed, 7);

	/* servers */
	ck_assert(sc->servers_listed);
	ck_assert(sc->servers[SCEN_SRV_SMTP].enabled);
	ck_assert(sc->servers[SCEN_SRV_SUBMISSION].enabled);
	ck_assert(!sc->servers[SCEN_SRV_SMTPS].enabled);
	ck_assert(sc->servers[SCEN_SRV_POP3].enabled);
	ck_assert(!sc->servers[SCEN_SRV_POP3S].enabled);
	srv = &sc->servers[SCEN_SRV_SMTP];
	ck_assert(srv->port_set);
	ck_assert_int_eq(srv->port, 2525);
	ck_assert_str_eq(srv->hostname, "mx.test");
	ck_assert_str_eq(srv->greeting, "ESMTP ready");
	ck_assert_int_eq(srv->tls, SCEN_TLS_STARTTLS);
	ck_assert_int_eq(srv->auth, SCEN_AUTH_OPTIONAL);
	ck_assert(srv->caps_set);
	ck_assert_uint_eq(srv->ncaps, 4);
	ck_assert_str_eq(srv->caps[1].text, "PIPELINING");
	ck_assert_str_eq(srv->caps[3].text, "AUTH PLAIN LOGIN");
	ck_assert_str_eq(srv->caps[3].value, "PLAIN LOGIN");
	ck_assert_uint_eq(srv->caps[0].mark.line, 9);
	ck_assert_uint_eq(srv->caps[0].mark.col, 20);
	ck_assert_uint_eq(srv->size, 1000);
	ck_assert_uint_eq(srv->mechs, (1u << SASL_PLAIN) | (1u << SASL_LOGIN));
	ck_assert(srv->capmask & SCEN_CAPBIT(SCEN_CAP_PIPELINING));
	ck_assert(!(srv->capmask & SCEN_CAPBIT(SCEN_CAP_CHUNKING)));
	srv = &sc->servers[SCEN_SRV_SUBMISSION];
	ck_assert_int_eq(srv->tls, SCEN_TLS_REQUIRED);
	ck_assert_int_eq(srv->auth, SCEN_AUTH_REQUIRED_AFTER_TLS);
	ck_assert(!srv->caps_set);
	srv = &sc->servers[SCEN_SRV_IMAP];
	ck_assert_int_eq(srv->tls, SCEN_TLS_NONE);
	ck_assert_int_eq(srv->auth, SCEN_AUTH_REQUIRED);
	ck_assert_str_eq(srv->caps[1].text, "AUTH=PLAIN");
	ck_assert_uint_eq(srv->mechs,
	    (1u << SASL_PLAIN) | (1u << SASL_CRAM_MD5));
	ck_assert_int_eq(sc->servers[SCEN_SRV_POP3].tls, SCEN_TLS_STARTTLS);

	/* users and fixtures */
	ck_assert(sc->users_set);
	ck_assert_uint_eq(sc->nusers, 2);
	ck_assert_str_eq(sc->users[0].password, "secret");
	ck_assert_ptr_null(sc->users[1].password);
	ck_assert_ptr_eq(scenario_user_find(sc, "BOB"), &sc->users[1]);
	ck_assert_ptr_null(scenario_user_find(sc, "carol"));
	ck_assert_uint_eq(sc->users[1].nmailboxes, 1);
	ck_assert_str_eq(sc->users[1].mailboxes[0].name, "INBOX");
	ck_assert_uint_eq(sc->users[0].nmailboxes, 2);
	in = &sc->users[0].mailboxes[0];
	ck_assert_str_eq(in->name, "INBOX");
	ck_assert_str_eq(sc->users[0].mailboxes[1].name, "Archive/2024");
	ck_assert_uint_eq(in->nmsgs, 2);
	/* A file's bytes are kept as they are, LF and all. */
	ck_assert_uint_eq(in->msgs[0].len, 47);
	ck_assert_mem_eq(in->msgs[0].data, "From: a@example.test\nSubject", 28);
	ck_assert_str_eq(in->msgs[0].file, "fixtures/hello.eml");
	ck_assert_uint_eq(in->msgs[0].flags, STORE_F_SEEN | STORE_F_FLAGGED);
	ck_assert_uint_eq(in->msgs[0].nkeywords, 1);
	ck_assert_str_eq(in->msgs[0].keywords[0], "$Label1");
	ck_assert(in->msgs[0].date_set);
	ck_assert_int_eq(in->msgs[0].date_ms, 1704189600000LL);
	/* Inline text: bare LF becomes CRLF, CRLF stays. */
	ck_assert_uint_eq(in->msgs[1].len, 14);
	ck_assert_mem_eq(in->msgs[1].data, "A: b\r\n\r\nc\r\nd\r\n", 14);
	ck_assert_ptr_null(in->msgs[1].file);
	ck_assert_int_eq(in->msgs[1].date_ms, 1704186000500LL);

	/* rules */
	ck_assert_uint_eq(sc->nrules, 7);
	r = &sc->rules[0];
	ck_assert_uint_eq(r->mark.line, 27);
	ck_assert_uint_eq(r->mark.col, 5);
	ck_assert_int_eq(r->proto, SCEN_P_SMTP);
	ck_assert_int_eq(r->stage, SCEN_ST_COMMAND);
	ck_assert_str_eq(r->verb, "RCPT");
	ck_assert(r->has_args);
	ck_assert_int_eq(regexec(&r->args, "to:<x@Blocked.test>", 0, NULL, 0),
	    0);
	ck_assert_int_ne(regexec(&r->args, "TO:<x@ok.test>", 0, NULL, 0), 0);
	ck_assert_uint_eq(r->nth.from, 1);
	ck_assert_uint_eq(r->nth.to, 2);
	ck_assert_uint_eq(r->session.from, 1);
	ck_assert_uint_eq(r->session.to, SCEN_INF);
	ck_assert(r->probability == 1.0);
	ck_assert_uint_eq(r->seed, 7);
	ck_assert_uint_eq(r->nreply, 1);
	ck_assert_uint_eq(r->code, 450);
	ck_assert_int_eq(r->status, SCEN_RS_TEMP);
	ck_assert(!r->closes);
	r = &sc->rules[1];
	ck_assert_str_eq(r->verb, "UID FETCH");
	ck_assert_uint_eq(r->nth.from, 2);
	ck_assert_uint_eq(r->nth.to, SCEN_INF);
	ck_assert_str_eq(r->user, "ALICE");
	ck_assert(r->server_set);
	ck_assert_int_eq(r->server, SCEN_SRV_IMAP);
	ck_assert_int_eq(r->disconnect, SCEN_DISC_MID_REPLY);
	ck_assert_uint_eq(r->nuntagged, 1);
	ck_assert_str_eq(r->untagged[0], "* 3 EXPUNGE");
	ck_assert_int_eq(r->status, SCEN_RS_NONE);
	r = &sc->rules[2];
	ck_assert_int_eq(r->stage, SCEN_ST_ANY);
	ck_assert(r->probability == 0.25);
	ck_assert_uint_eq(r->session.from, 2);
	ck_assert_uint_eq(r->session.to, 3);
	ck_assert_uint_eq(r->throttle_bps, 2048);
	r = &sc->rules[3];
	ck_assert_int_eq(r->stage, SCEN_ST_DATA);
	ck_assert_str_eq(r->verb, "");
	ck_assert_uint_eq(r->seed, 9);
	ck_assert_uint_eq(r->nreply, 2);
	ck_assert_uint_eq(r->code, 421);
	ck_assert(r->closes);
	ck_assert_uint_eq(r->delay_ms, 250);
	ck_assert_uint_eq(r->drip_bps, 100);
	ck_assert_int_eq(r->malformed, SCEN_MAL_BAD_CONTINUATION);
	ck_assert_int_eq(sc->rules[4].stage, SCEN_ST_TLS);
	ck_assert(sc->rules[4].tls_fail);
	r = &sc->rules[5];
	ck_assert_int_eq(r->status, SCEN_RS_BYE);
	ck_assert(r->closes);
	ck_assert(sc->rules[6].hang);
	ck_assert_int_eq(sc->rules[6].stage, SCEN_ST_GREETING);

	/* script */
	ck_assert(!sc->scripts[SCEN_P_SMTP].set);
	ck_assert(sc->scripts[SCEN_P_POP3].set);
	ck_assert_uint_eq(sc->scripts[SCEN_P_POP3].nsteps, 3);
	ck_assert_ptr_null(sc->scripts[SCEN_P_POP3].steps[0].client);
	ck_assert_str_eq(sc->scripts[SCEN_P_POP3].steps[1].client, "USER *");
	ck_assert_uint_eq(sc->scripts[SCEN_P_POP3].steps[1].nserver, 2);
	ck_assert_uint_eq(sc->scripts[SCEN_P_POP3].steps[2].nserver, 0);

	/* run */
	ck_assert(sc->run.set);
	ck_assert_uint_eq(sc->run.argc, 3);
	ck_assert_str_eq(sc->run.argv[2], "${MAILRIG_SMTP_PORT}");
	ck_assert_ptr_null(sc->run.argv[3]);
	ck_assert_ptr_null(sc->run.shell);
	ck_assert_uint_eq(sc->run.timeout_ms, 120000);
	ck_assert_str_eq(sc->run.cwd, "../data/scenarios/fixtures");
	ck_assert_uint_eq(sc->run.nenv, 1);
	ck_assert_str_eq(sc->run.env[0], "APP_ENV=test");
	ck_assert_ptr_null(sc->run.env[1]);

	/* expect */
	ck_assert(sc->expect.exit_code_set);
	ck_assert_int_eq(sc->expect.exit_code, 3);
	ck_assert(sc->expect.count.set);
	ck_assert_uint_eq(sc->expect.count.min, 1);
	ck_assert_uint_eq(sc->expect.count.max, SCEN_INF);
	ck_assert_uint_eq(sc->expect.nmatch, 1);
	m = &sc->expect.match[0];
	ck_assert_int_eq(m->from.kind, SCEN_PAT_REGEX);
	ck_assert_str_eq(m->from.text, "^app@");
	ck_assert_int_eq(regexec(&m->from.re, "APP@x", 0, NULL, 0), 0);
	ck_assert(m->to.set);
	ck_assert_str_eq(m->to.v[0], "alice@example.test");
	ck_assert(!m->cc.set);
	ck_assert_int_eq(m->subject.kind, SCEN_PAT_EXACT);
	ck_assert_uint_eq(m->nheaders, 3);
	ck_assert_int_eq(m->headers[0].pat.kind, SCEN_PAT_PRESENT);
	ck_assert_int_eq(m->headers[1].pat.kind, SCEN_PAT_ABSENT);
	ck_assert_int_eq(m->headers[2].pat.kind, SCEN_PAT_REGEX);
	/* Expectation regexes are case-sensitive without /i. */
	ck_assert_int_ne(regexec(&m->headers[2].pat.re, "<a@EXAMPLE.TEST>",
	    0, NULL, 0), 0);
	ck_assert_int_eq(m->body_contains.kind, SCEN_PAT_CONTAINS);
	ck_assert_int_eq(m->body_regex.kind, SCEN_PAT_REGEX);
	ck_assert_int_eq(m->html_contains.kind, SCEN_PAT_NONE);
	ck_assert_uint_eq(m->attachments.min, 1);
	ck_assert_str_eq(m->attachment_types.v[0], "application/pdf");
	ck_assert_uint_eq(m->size.min, 0);
	ck_assert_uint_eq(m->size.max, 100000);
	ck_assert(m->tls.set && m->tls.value);
	ck_assert(m->auth.set && m->auth.value);
	ck_assert_str_eq(m->auth_user, "bob");
	ck_assert(sc->expect.retried_after_4xx.set);
	ck_assert(!sc->expect.gave_up_after_5xx.set);
	ck_assert(sc->expect.quit.set && !sc->expect.quit.value);
	ck_assert_uint_eq(sc->expect.sessions[SCEN_P_SMTP].min, 2);
	ck_assert_uint_eq(sc->expect.sessions[SCEN_P_IMAP].max, 1);
	ck_assert(!sc->expect.sessions[SCEN_P_POP3].set);
	ck_assert_str_eq(sc->expect.commands_used.v[0], "STARTTLS");
	ck_assert_str_eq(sc->expect.commands_used.v[1], "UID FETCH");
	ck_assert_int_eq(sc->expect.fail_on, SCEN_FAIL_NEVER);
	ck_assert_uint_eq(sc->expect.noverrides, 2);
	ck_assert(sc->expect.overrides[0].disable);
	ck_assert_str_eq(sc->expect.overrides[1].id, "smtp.line.bare-cr");
	ck_assert_int_eq(sc->expect.overrides[1].level, CONF_MAY);
	scenario_free(sc);
}
END_TEST

/* session: takes the same forms as nth: n, [from, to] and "n+". */
static const struct {
	const char	*value;
	uint64_t	 from, to;
} session_cases[] = {
	{ "3", 3, 3 },
	{ "[2, 5]", 2, 5 },
	{ "\"2+\"", 2, SCEN_INF },
	{ "2+", 2, SCEN_INF },
	{ "1+", 1, SCEN_INF },
	{ "'4294967295+'", 4294967295ULL, SCEN_INF },
};

START_TEST(test_session_range)
{
	struct scenario	*sc;
	char		 y[256], err[256];
	int		 n;

	n = snprintf(y, sizeof(y), "name: t\nrules: [{on: {smtp: RCPT, "
	    "session: %s}, delay: 1s}]\n", session_cases[_i].value);
	ck_assert_int_lt(n, (int)sizeof(y));
	sc = scenario_load_mem(T_NAME, y, strlen(y), err, sizeof(err));
	ck_assert_msg(sc != NULL, "case %d (%s): %s", _i,
	    session_cases[_i].value, err);
	ck_assert_uint_eq(sc->nrules, 1);
	ck_assert_msg(sc->rules[0].session.from == session_cases[_i].from,
	    "case %d (%s): got %llu, want %llu", _i, session_cases[_i].value,
	    (unsigned long long)sc->rules[0].session.from,
	    (unsigned long long)session_cases[_i].from);
	ck_assert_msg(sc->rules[0].session.to == session_cases[_i].to,
	    "case %d (%s): got %llu, want %llu", _i, session_cases[_i].value,
	    (unsigned long long)sc->rules[0].session.to,
	    (unsigned long long)session_cases[_i].to);
	/* nth: is untouched by session:. */
	ck_assert_uint_eq(sc->rules[0].nth.from, 1);
	ck_assert_uint_eq(sc->rules[0].nth.to, SCEN_INF);
	scenario_free(sc);
}
END_TEST

/* The smallest scenario: everything defaults. */
START_TEST(test_defaults)
{
	struct scenario	*sc;
	char		 err[256];
	size_t		 i;

	sc = scenario_load_mem("t.yaml", "name: x\n", 8, err, sizeof(err));
	ck_assert_msg(sc != NULL, "load: %s", err);
	ck_assert_str_eq(sc->dir, ".");
	ck_assert_uint_eq(sc->seed, 1);
	ck_assert(!sc->servers_listed);
	for (i = 0; i < SCEN_SRV__COUNT; i++) {
		ck_assert(sc->servers[i].enabled);
		ck_assert(!sc->servers[i].caps_set);
	}
	ck_assert_int_eq(sc->servers[SCEN_SRV_IMAPS].tls, SCEN_TLS_IMPLICIT);
	ck_assert_int_eq(sc->servers[SCEN_SRV_SMTP].tls, SCEN_TLS_STARTTLS);
	ck_assert(!sc->users_set);
	ck_assert_uint_eq(sc->nrules, 0);
	ck_assert(!sc->run.set);
	ck_assert_int_eq(sc->expect.fail_on, SCEN_FAIL_MUST);
	scenario_free(sc);
	scenario_free(NULL);
}
END_TEST

/* Scenario files on disk: "# error: L:C: text" on line 1 of bad ones. */
static void
check_files(const char *pattern, bool good, size_t min)
{
	struct scenario	*sc;
	glob_t		 g;
	FILE		*fp;
	char		 err[1024], line[256], want[512], *nl, *msg;
	size_t		 i;

	ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0);
	ck_assert_msg(g.gl_pathc >= min, "%s: %zu files, want %zu or more",
	    pattern, g.gl_pathc, min);
	for (i = 0; i < g.gl_pathc; i++) {
		sc = scenario_load(g.gl_pathv[i], err, sizeof(err));
		if (good) {
			ck_assert_msg(sc != NULL, "%s: %s", g.gl_pathv[i], err);
			ck_assert_ptr_nonnull(sc->name);
			scenario_free(sc);
			continue;
		}
		ck_assert_msg(sc == NULL, "%s loaded", g.gl_pathv[i]);
		fp = fopen(g.gl_pathv[i], "r");
		ck_assert_ptr_nonnull(fp);
		ck_assert_ptr_nonnull(fgets(line, sizeof(line), fp));
		fclose(fp);
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		ck_assert_msg(strncmp(line, "# error: ", 9) == 0,
		    "%s: no '# error:' line", g.gl_pathv[i]);
		/* "L:C: text": the position exactly, the text anywhere. */
		ck_assert_ptr_nonnull(msg = strstr(line + 9, ": "));
		snprintf(want, sizeof(want), "%s:%.*s: ", g.gl_pathv[i],
		    (int)(msg - (line + 9)), line + 9);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0 &&
		    strstr(err, msg + 2) != NULL, "%s: got '%s', want '%s'",
		    g.gl_pathv[i], err, line + 9);
	}
	globfree(&g);
}

START_TEST(test_library)
{
	check_files("../../scenarios/*.yaml", true, 15);
}
END_TEST

START_TEST(test_data_good)
{
	check_files("../data/scenarios/good/*.yaml", true, 1);
}
END_TEST

START_TEST(test_data_bad)
{
	check_files("../data/scenarios/bad/*.yaml", false, 5);
}
END_TEST

START_TEST(test_missing_file)
{
	char	err[256];

	ck_assert_ptr_null(scenario_load("../data/scenarios/none.yaml", err,
	    sizeof(err)));
	ck_assert_msg(strncmp(err, "../data/scenarios/none.yaml: cannot open",
	    40) == 0, "got '%s'", err);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(scenario_proto_name(SCEN_P_POP3), "pop3");
	ck_assert_str_eq(scenario_server_name(SCEN_SRV_SUBMISSION),
	    "submission");
	ck_assert_str_eq(scenario_stage_name(SCEN_ST_LITERAL), "literal");
	ck_assert_str_eq(scenario_tls_name(SCEN_TLS_IMPLICIT), "implicit");
	ck_assert_str_eq(scenario_auth_name(SCEN_AUTH_REQUIRED_AFTER_TLS),
	    "required-after-tls");
	ck_assert_str_eq(scenario_disconnect_name(SCEN_DISC_MID_REPLY),
	    "mid-reply");
	ck_assert_str_eq(scenario_malformed_name(SCEN_MAL_WRONG_TAG),
	    "wrong-tag");
	ck_assert_str_eq(scenario_cap_name(SCEN_CAP_LITERAL_PLUS), "LITERAL+");
	ck_assert_int_eq(scenario_server_proto(SCEN_SRV_IMAPS), SCEN_P_IMAP);
	ck_assert_str_eq(scenario_proto_name(SCEN_P__COUNT), "?");
}
END_TEST

Suite *
scenario_suite(void)
{
	Suite	*s = suite_create("scenario");
	TCase	*tc;

	tc = tcase_create("bad");
	tcase_add_loop_test(tc, test_bad, 0, nitems(bad_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("good");
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_defaults);
	tcase_add_loop_test(tc, test_session_range, 0,
	    nitems(session_cases));
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_test(tc, test_library);
	tcase_add_test(tc, test_data_good);
	tcase_add_test(tc, test_data_bad);
	suite_add_tcase(s, tc);
	return s;
}
