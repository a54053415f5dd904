/*
 * conf_pop3.c: the POP3 rule table and the tracker it reads.  RFC 1939
 * (3 syntax, 4-6 states, 7 USER/PASS/APOP, 13), RFC 2449 (4 line
 * lengths, 5 CAPA, 6.6 PIPELINING), RFC 2595 (2.3, 2.5, 4 STLS), RFC
 * 5034 (3 SASL capability, 4 AUTH) and the SECURITY rows for passwords
 * sent in the clear.  RFC 3206 puts no requirement on the client that one
 * session shows; its codes only tell the tracker why a login failed.
 *
 * The tracker follows what this session really advertised: the greeting
 * (an APOP timestamp or not) and the last CAPA reply of the current TLS
 * epoch, so the client is never blamed for what the server offered or
 * refused.  The state (AUTHORIZATION / TRANSACTION) moves only on the
 * server's +OK.  PASS lines are secret: a transcript file shows them as
 * "********", which is still known to be PASS (only PASS and SASL
 * responses are secret outside AUTH), but their bytes cannot be judged.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fakes/base/defs.h"
#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/frame.h"
#include "harness/capture.h"
#include "harness/conformance/conf.h"
#include "harness/conformance/conf_int.h"

enum conf_pop3_verb {
	CP_V_NONE,
	CP_V_USER, CP_V_PASS, CP_V_APOP, CP_V_AUTH, CP_V_STLS, CP_V_CAPA,
	CP_V_QUIT, CP_V_STAT, CP_V_LIST, CP_V_RETR, CP_V_DELE, CP_V_NOOP,
	CP_V_RSET, CP_V_TOP, CP_V_UIDL, CP_V_OTHER,
	CP_V__COUNT
};

/* What the current event is. */
enum conf_pop3_kind {
	CP_K_REPLY, CP_K_EVENT, CP_K_CMD, CP_K_SASL, CP_K_DATA, CP_K_DROPPED,
	CP_K__COUNT
};

/* CAPA tags (RFC 2449 5) the rules depend on. */
#define CP_CAP_SASL		0x01
#define CP_CAP_PIPELINING	0x02
#define CP_CAP_STLS		0x04

/* RFC 2449 4: 255 octets including CRLF; RFC 1939 3: 40-char args. */
#define CP_CMD_CONTENT_MAX	(255 - 2)
#define CP_ARG_MAX		40
/* Message numbers a DELE is remembered for; larger ones are not judged. */
#define CP_MSGNO_MAX		4096

static const char *const conf_pop3_verbs[] = {
	[CP_V_NONE] = "", [CP_V_USER] = "USER", [CP_V_PASS] = "PASS",
	[CP_V_APOP] = "APOP", [CP_V_AUTH] = "AUTH", [CP_V_STLS] = "STLS",
	[CP_V_CAPA] = "CAPA", [CP_V_QUIT] = "QUIT", [CP_V_STAT] = "STAT",
	[CP_V_LIST] = "LIST", [CP_V_RETR] = "RETR", [CP_V_DELE] = "DELE",
	[CP_V_NOOP] = "NOOP", [CP_V_RSET] = "RSET", [CP_V_TOP] = "TOP",
	[CP_V_UIDL] = "UIDL", [CP_V_OTHER] = "",
};
_Static_assert(nitems(conf_pop3_verbs) == CP_V__COUNT,
    "conf_pop3_verbs out of sync with enum conf_pop3_verb");

/*
 * The arguments each command takes (RFC 1939 5-7, 2449 5, 2595 4, 5034
 * 4): a count range, and which of them are message numbers or numbers.
 */
#define CP_A_MSG1	0x01	/* the first argument is a message number */
#define CP_A_NUM2	0x02	/* the second is a non-negative number */

static const struct {
	unsigned	 min, max;
	unsigned	 flags;
} conf_pop3_args[] = {
	[CP_V_NONE] = { .min = 0, .max = 0 },
	[CP_V_USER] = { .min = 1, .max = 1 },
	[CP_V_PASS] = { .min = 1, .max = 1 },
	[CP_V_APOP] = { .min = 2, .max = 2 },
	[CP_V_AUTH] = { .min = 1, .max = 2 },
	[CP_V_STLS] = { .min = 0, .max = 0 },
	[CP_V_CAPA] = { .min = 0, .max = 0 },
	[CP_V_QUIT] = { .min = 0, .max = 0 },
	[CP_V_STAT] = { .min = 0, .max = 0 },
	[CP_V_LIST] = { .min = 0, .max = 1, .flags = CP_A_MSG1 },
	[CP_V_RETR] = { .min = 1, .max = 1, .flags = CP_A_MSG1 },
	[CP_V_DELE] = { .min = 1, .max = 1, .flags = CP_A_MSG1 },
	[CP_V_NOOP] = { .min = 0, .max = 0 },
	[CP_V_RSET] = { .min = 0, .max = 0 },
	[CP_V_TOP] = { .min = 2, .max = 2, .flags = CP_A_MSG1 | CP_A_NUM2 },
	[CP_V_UIDL] = { .min = 0, .max = 1, .flags = CP_A_MSG1 },
	[CP_V_OTHER] = { .min = 0, .max = 0 },
};
_Static_assert(nitems(conf_pop3_args) == CP_V__COUNT,
    "conf_pop3_args out of sync with enum conf_pop3_verb");

struct conf_pop3 {
	/* the current event, set by classify */
	enum conf_pop3_kind kind;
	enum conf_pop3_verb verb;
	const char	*line;		/* client or server line text */
	const char	*args;		/* after the verb and one space */
	bool		 redacted;	/* a secret line shown as "****" */
	/* session */
	bool		 greeted;	/* a server line was seen */
	bool		 apop_ts;	/* the greeting held a timestamp */
	bool		 capa_known;	/* CAPA answered +OK this epoch */
	unsigned	 caps;		/* tags of that reply */
	unsigned	 caps_building;
	unsigned	 caps_pre_tls;	/* what the plaintext CAPA said */
	bool		 capa_seen;	/* CAPA answered +OK at any time */
	char		 mechs[128];	/* the SASL tag's mechanisms */
	char		 mechs_building[128];
	bool		 in_multi;	/* a multi-line response is open */
	bool		 multi_capa;	/* ... and it is CAPA's */
	bool		 trans;		/* TRANSACTION state */
	bool		 user_ok;	/* the last command was a good USER */
	bool		 tls;
	bool		 tls_fresh;	/* STLS done, no command yet */
	bool		 tls_failed;
	bool		 stls_offered;	/* listed by a plaintext CAPA */
	bool		 authed;	/* AUTH succeeded */
	bool		 sasl;		/* inside an AUTH exchange ("+ ") */
	bool		 quit;
	enum conf_pop3_verb prev;	/* the previous command */
	enum conf_pop3_verb pending;	/* awaiting its status line */
	bool		 pending_multi;	/* its +OK opens a multi-line body */
	size_t		 pending_msg;	/* DELE's message number */
	unsigned char	 deleted[CP_MSGNO_MAX / 8];
};

static unsigned	conf_pop3_classify(struct conf_ctx *);
static void	conf_pop3_advance(struct conf_ctx *);
static void	conf_pop3_parse_cmd(struct conf_pop3 *, const char *,
		    unsigned);
static void	conf_pop3_reply(struct conf_pop3 *);
static void	conf_pop3_capa_line(struct conf_pop3 *);
static void	conf_pop3_status(struct conf_pop3 *, bool);
static void	conf_pop3_epoch(struct conf_pop3 *);
static bool	conf_pop3_word_eq(const char *, size_t, const char *);
static size_t	conf_pop3_argc(const char *);
static const char *conf_pop3_arg(const char *, size_t, size_t *);
static bool	conf_pop3_digits(const char *, size_t);
static bool	conf_pop3_msgno(const char *, size_t *);
static bool	conf_pop3_b64(const char *, size_t);
static bool	conf_pop3_redacted(const char *);
static const char *conf_pop3_ir(const struct conf_pop3 *);
static bool	conf_pop3_cleartext(const struct conf_pop3 *);
static bool	conf_pop3_stale(const struct conf_pop3 *, unsigned);
static bool	conf_pop3_lenient(const struct conf_pop3 *,
		    const struct tevent *);

/* rules */
static conf_check_fn conf_pop3_r_bare_lf, conf_pop3_r_control,
    conf_pop3_r_8bit, conf_pop3_r_cmd_long, conf_pop3_r_arg_long,
    conf_pop3_r_separator, conf_pop3_r_args, conf_pop3_r_apop_digest,
    conf_pop3_r_apop_no_ts, conf_pop3_r_before_greeting,
    conf_pop3_r_trans_only, conf_pop3_r_login_in_trans,
    conf_pop3_r_pass_no_user, conf_pop3_r_msg_deleted,
    conf_pop3_r_pipe_not_offered, conf_pop3_r_stls_pipelined,
    conf_pop3_r_stls_after_auth, conf_pop3_r_stls_active,
    conf_pop3_r_stls_no_capa, conf_pop3_r_stls_stale,
    conf_pop3_r_auth_not_offered, conf_pop3_r_auth_ir_not_offered,
    conf_pop3_r_auth_mech, conf_pop3_r_auth_ir_long,
    conf_pop3_r_auth_b64, conf_pop3_r_auth_again, conf_pop3_r_no_quit,
    conf_pop3_r_after_quit, conf_pop3_r_sec_stls_offered,
    conf_pop3_r_sec_cleartext, conf_pop3_r_sec_after_tls_fail;

static const struct conf_rule conf_pop3_rules[] = {
	/* "terminated by a CRLF pair": grammar without a key word. */
	{ .id = "pop3.line.bare-lf", .rfc = "1939", .section = "3",
	  .level = CONF_MUST, .scope = CONF_PER_LINE, .after_fault = true,
	  .check = conf_pop3_r_bare_lf,
	  .message = "client ended a command line with a bare LF",
	  .hint = "terminate every command and SASL response with CRLF" },
	/* "consist of printable ASCII characters": grammar, as MUST. */
	{ .id = "pop3.cmd.control", .rfc = "1939", .section = "3",
	  .level = CONF_MUST, .scope = CONF_PER_LINE, .after_fault = true,
	  .check = conf_pop3_r_control,
	  .message = "client sent a NUL, CR or other control character "
	  "inside a command line",
	  .hint = "send keywords and arguments as printable ASCII" },
	/*
	 * The same sentence, but UTF-8 user names and passwords are common
	 * and RFC 5034 (SASLprep) is the way to carry them; SHOULD NOT.
	 */
	{ .id = "pop3.cmd.8bit", .rfc = "1939", .section = "3",
	  .level = CONF_SHOULD_NOT, .scope = CONF_PER_LINE,
	  .after_fault = true, .check = conf_pop3_r_8bit,
	  .message = "client sent a command with non-ASCII octets",
	  .hint = "send non-ASCII credentials with AUTH (RFC 5034), never "
	  "raw in USER, PASS or APOP" },
	/*
	 * RFC 2449 4 raises the 47-character limit of RFC 1939 to 255
	 * octets but states it as the server's duty; SHOULD NOT for the
	 * client.  AUTH is judged by pop3.auth.initial-response-too-long.
	 */
	{ .id = "pop3.cmd.too-long", .rfc = "2449", .section = "4",
	  .level = CONF_SHOULD_NOT, .scope = CONF_PER_LINE,
	  .after_fault = true, .check = conf_pop3_r_cmd_long,
	  .message = "client sent a command line longer than 255 octets "
	  "including CRLF",
	  .hint = "keep each command within 255 octets" },
	/*
	 * "Each argument may be up to 40 characters long"; RFC 2449 4
	 * lifts it for servers that answer CAPA, so only a client that
	 * never learned that is judged, and only as SHOULD NOT.
	 */
	{ .id = "pop3.cmd.arg-too-long", .rfc = "1939", .section = "3",
	  .level = CONF_SHOULD_NOT, .scope = CONF_PER_COMMAND,
	  .after_fault = true, .check = conf_pop3_r_arg_long,
	  .message = "client sent an argument longer than 40 characters to "
	  "a server it had not seen answer CAPA",
	  .hint = "send CAPA first; a server that answers it takes "
	  "commands up to 255 octets (RFC 2449 4)" },
	{ .id = "pop3.cmd.separator", .rfc = "1939", .section = "3",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_pop3_r_separator,
	  .message = "client separated the keyword and arguments with "
	  "something other than a single SPACE",
	  .hint = "write \"RETR 1\": one space between words, none at the "
	  "end" },
	{ .id = "pop3.cmd.args", .rfc = "1939", .section = "5",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_pop3_r_args,
	  .message = "client sent a command with the wrong number of "
	  "arguments or a message number that is not a number",
	  .hint = "follow each command's syntax: RETR msg, TOP msg n, "
	  "LIST [msg], STAT, ..." },
	{ .id = "pop3.apop.digest-syntax", .rfc = "1939", .section = "7",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_pop3_r_apop_digest,
	  .message = "client sent an APOP digest that is not 32 lower-case "
	  "hexadecimal digits",
	  .hint = "send the MD5 of timestamp and secret as 32 lower-case hex "
	  "digits" },
	/* The timestamp is the server's offer of APOP; no key word. */
	{ .id = "pop3.apop.no-timestamp", .rfc = "1939", .section = "7",
	  .level = CONF_SHOULD_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_pop3_r_apop_no_ts,
	  .message = "client sent APOP although the greeting held no "
	  "timestamp",
	  .hint = "use APOP only when the greeting carries a <...@...> "
	  "timestamp" },
	/* RFC 1939 4 starts every session with the greeting. */
	{ .id = "pop3.order.before-greeting", .rfc = "1939", .section = "4",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_pop3_r_before_greeting,
	  .message = "client sent a command before the server's greeting",
	  .hint = "wait for the +OK greeting before the first command" },
	/* "may only be given in the TRANSACTION state": a restriction. */
	{ .id = "pop3.state.transaction-only", .rfc = "1939",
	  .section = "5", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_pop3_r_trans_only,
	  .message = "client sent a TRANSACTION command (STAT, LIST, RETR, "
	  "DELE, NOOP, RSET, TOP, UIDL) before logging in",
	  .hint = "log in with USER/PASS, APOP or AUTH and wait for +OK "
	  "first" },
	{ .id = "pop3.state.login-in-transaction", .rfc = "1939",
	  .section = "7", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_pop3_r_login_in_trans,
	  .message = "client sent USER, PASS or APOP after it had logged "
	  "in",
	  .hint = "log in once per session" },
	{ .id = "pop3.pass.without-user", .rfc = "1939", .section = "7",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_pop3_r_pass_no_user,
	  .message = "client sent PASS that did not immediately follow a "
	  "successful USER",
	  .hint = "send PASS right after USER got +OK" },
	/* "may NOT refer to a message marked as deleted". */
	{ .id = "pop3.msg.deleted", .rfc = "1939", .section = "5",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_pop3_r_msg_deleted,
	  .message = "client referred to a message it had marked as "
	  "deleted",
	  .hint = "skip messages after DELE, or send RSET to unmark them" },
	/* PIPELINING lets the client stop waiting; no key word without. */
	{ .id = "pop3.pipelining.not-advertised", .rfc = "2449",
	  .section = "6.6", .level = CONF_SHOULD_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_pop3_r_pipe_not_offered,
	  .message = "client sent a command before the previous response "
	  "although CAPA did not list PIPELINING",
	  .hint = "wait for each response unless CAPA listed PIPELINING" },
	{ .id = "pop3.stls.pipelined", .rfc = "2595", .section = "4",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_LINE,
	  .check = conf_pop3_r_stls_pipelined,
	  .message = "client sent more commands after STLS before the TLS "
	  "negotiation completed",
	  .hint = "after STLS, wait for +OK and finish the TLS handshake "
	  "before the next command" },
	{ .id = "pop3.stls.after-auth", .rfc = "2595", .section = "4",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_pop3_r_stls_after_auth,
	  .message = "client sent STLS in the TRANSACTION state",
	  .hint = "start TLS before logging in" },
	/* "-ERR MAY result": the server's side; no key word for clients. */
	{ .id = "pop3.stls.already-active", .rfc = "2595", .section = "4",
	  .level = CONF_SHOULD_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_pop3_r_stls_active,
	  .message = "client sent STLS inside an active TLS session",
	  .hint = "send STLS only on a plaintext connection" },
	{ .id = "pop3.stls.capa-not-reissued", .rfc = "2595",
	  .section = "4", .level = CONF_SHOULD, .scope = CONF_PER_COMMAND,
	  .check = conf_pop3_r_stls_no_capa,
	  .message = "client did not re-issue CAPA as its first command "
	  "after STLS",
	  .hint = "send CAPA after the TLS handshake and use only what the "
	  "new reply lists" },
	{ .id = "pop3.stls.stale-capability", .rfc = "2595",
	  .section = "4", .level = CONF_MUST, .scope = CONF_PER_COMMAND,
	  .check = conf_pop3_r_stls_stale,
	  .message = "client relied on a capability (SASL initial response "
	  "or PIPELINING) it had learned only before STLS",
	  .hint = "discard the plaintext CAPA reply after STLS and send "
	  "CAPA again" },
	{ .id = "pop3.auth.not-advertised", .rfc = "5034", .section = "3",
	  .level = CONF_SHOULD_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_pop3_r_auth_not_offered,
	  .message = "client sent AUTH without a CAPA reply (of this TLS "
	  "epoch) that lists SASL",
	  .hint = "send CAPA and use AUTH only when it lists SASL" },
	{ .id = "pop3.auth.initial-response-not-advertised", .rfc = "5034",
	  .section = "3", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND,
	  .check = conf_pop3_r_auth_ir_not_offered,
	  .message = "client sent AUTH with an initial response to a server "
	  "whose CAPA (of this TLS epoch) did not list SASL",
	  .hint = "without the SASL capability, send AUTH without an "
	  "initial response (RFC 1734 style)" },
	/* The SASL tag lists what is supported; using others: no key word. */
	{ .id = "pop3.auth.mech-not-advertised", .rfc = "5034",
	  .section = "3", .level = CONF_SHOULD_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_pop3_r_auth_mech,
	  .message = "client asked for a SASL mechanism the SASL capability "
	  "did not list",
	  .hint = "choose a mechanism from the CAPA SASL line" },
	{ .id = "pop3.auth.initial-response-too-long", .rfc = "5034",
	  .section = "4", .level = CONF_MUST_NOT, .scope = CONF_PER_LINE,
	  .after_fault = true, .check = conf_pop3_r_auth_ir_long,
	  .message = "client sent an initial response that made the AUTH "
	  "command longer than 255 octets",
	  .hint = "send AUTH with the mechanism only and give the response "
	  "after the empty \"+ \" challenge" },
	{ .id = "pop3.auth.response-syntax", .rfc = "5034", .section = "4",
	  .level = CONF_MUST, .scope = CONF_PER_LINE, .after_fault = true,
	  .check = conf_pop3_r_auth_b64,
	  .message = "client sent a SASL response that is not BASE64 (or "
	  "\"=\" as initial response, \"*\" to cancel)",
	  .hint = "encode every response in BASE64 without spaces; \"=\" "
	  "for an empty initial response; \"*\" cancels" },
	/* "no more AUTH commands may be issued": lowercase, as MUST NOT. */
	{ .id = "pop3.auth.after-auth", .rfc = "5034", .section = "4",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_pop3_r_auth_again,
	  .message = "client sent AUTH after it had logged in",
	  .hint = "authenticate once per session" },
	/* Without QUIT, UPDATE never runs: deletions are lost. */
	{ .id = "pop3.session.no-quit", .rfc = "1939", .section = "6",
	  .level = CONF_SHOULD, .scope = CONF_PER_SESSION,
	  .check = conf_pop3_r_no_quit,
	  .message = "client closed the connection without sending QUIT",
	  .hint = "end every session with QUIT, or DELE marks are never "
	  "applied" },
	{ .id = "pop3.session.after-quit", .rfc = "1939", .section = "6",
	  .level = CONF_SHOULD_NOT, .scope = CONF_PER_LINE,
	  .check = conf_pop3_r_after_quit,
	  .message = "client sent more input after QUIT",
	  .hint = "send nothing after QUIT; wait for +OK and close" },
	{ .id = "pop3.security.cleartext-login-stls-offered",
	  .rfc = "2595", .section = "2.3", .level = CONF_SECURITY,
	  .scope = CONF_PER_COMMAND,
	  .check = conf_pop3_r_sec_stls_offered,
	  .message = "client sent a password in the clear (PASS, AUTH PLAIN "
	  "or LOGIN) although CAPA offered STLS",
	  .hint = "issue STLS (and verify the certificate) before logging "
	  "in" },
	{ .id = "pop3.security.cleartext-login", .rfc = "1939",
	  .section = "13", .level = CONF_SECURITY, .scope = CONF_PER_COMMAND,
	  .check = conf_pop3_r_sec_cleartext,
	  .message = "client sent a password (PASS, AUTH PLAIN or LOGIN) "
	  "over a connection without TLS",
	  .hint = "use POP3S (port 995) or STLS before logging in" },
	{ .id = "pop3.security.after-tls-failure", .rfc = "2595",
	  .section = "2.5", .level = CONF_SECURITY, .scope = CONF_PER_LINE,
	  .check = conf_pop3_r_sec_after_tls_fail,
	  .message = "client went on sending after its TLS handshake failed",
	  .hint = "abort the connection when the TLS handshake or the "
	  "certificate check fails" },
};

const struct conf_proto conf_pop3_proto = {
	.name = "pop3",
	.rules = conf_pop3_rules,
	.nrules = nitems(conf_pop3_rules),
	.state_size = sizeof(struct conf_pop3),
	.classify = conf_pop3_classify,
	.advance = conf_pop3_advance,
};

/* --- the tracker --- */

static unsigned
conf_pop3_classify(struct conf_ctx *ctx)
{
	struct conf_pop3	*s = ctx->st;
	const struct tevent	*ev = &ctx->t->ev[ctx->idx];

	s->line = NULL;
	s->args = NULL;
	s->redacted = false;
	s->verb = CP_V_NONE;
	switch (ev->kind) {
	case TEV_EVENT:
		s->kind = CP_K_EVENT;
		return 0;
	case TEV_DATA:
		if (ev->dir != 'c') {
			s->kind = CP_K_DATA;
			return 0;
		}
		/* Client data only exists as input the server threw away. */
		s->kind = CP_K_DROPPED;
		return CONF_SCOPE_BIT(CONF_PER_LINE);
	case TEV_LINE:
		break;
	default:
		fatalx("%s: kind %d", __func__, ev->kind);
	}
	s->line = conf_ev_text(ctx->t, ev);
	if (ev->dir == 's') {
		s->kind = CP_K_REPLY;
		return 0;
	}
	if (s->sasl) {
		s->kind = CP_K_SASL;
		s->redacted = conf_pop3_redacted(s->line);
		return CONF_SCOPE_BIT(CONF_PER_LINE);
	}
	s->kind = CP_K_CMD;
	conf_pop3_parse_cmd(s, s->line, ev->flags);
	return CONF_SCOPE_BIT(CONF_PER_LINE) |
	    CONF_SCOPE_BIT(CONF_PER_COMMAND);
}

static void
conf_pop3_parse_cmd(struct conf_pop3 *s, const char *line, unsigned flags)
{
	size_t	n, i;

	/* A file shows the PASS line as "********" (capture_redact). */
	if ((flags & CONN_IO_SECRET) && strcmp(line, "********") == 0) {
		s->verb = CP_V_PASS;
		s->redacted = true;
		s->args = "";
		return;
	}
	n = strcspn(line, " ");
	s->verb = CP_V_OTHER;
	for (i = 1; i < CP_V_OTHER; i++)
		if (conf_pop3_word_eq(line, n, conf_pop3_verbs[i])) {
			s->verb = (enum conf_pop3_verb)i;
			break;
		}
	s->args = line[n] == ' ' ? line + n + 1 : line + n;
	s->redacted = conf_pop3_redacted(s->args);
}

static bool
conf_pop3_word_eq(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

static void
conf_pop3_advance(struct conf_ctx *ctx)
{
	struct conf_pop3	*s = ctx->st;
	const struct tevent	*ev = &ctx->t->ev[ctx->idx];
	const char		*name;
	size_t			 n;

	switch (s->kind) {
	case CP_K_EVENT:
		name = capture_tevent_name(ctx->t, ev);
		if (strcmp(name, "tls-start") == 0) {
			/*
			 * STLS, or implicit TLS, whose handshake may be
			 * recorded after the greeting was queued.
			 */
			s->tls_fresh = s->prev == CP_V_STLS;
			s->tls = true;
			conf_pop3_epoch(s);
		} else if (strcmp(name, "tls-failed") == 0)
			s->tls_failed = true;
		break;
	case CP_K_REPLY:
		conf_pop3_reply(s);
		break;
	case CP_K_DATA:
	case CP_K_SASL:
	case CP_K_DROPPED:
		break;
	case CP_K_CMD:
		s->tls_fresh = false;
		s->user_ok = false;
		s->prev = s->verb;
		s->pending = s->verb;
		s->in_multi = false;
		if (s->verb == CP_V_QUIT)
			s->quit = true;
		/* RFC 1939 5, 7, RFC 2449 5: which +OK has a body. */
		s->pending_multi = s->verb == CP_V_CAPA ||
		    s->verb == CP_V_RETR || s->verb == CP_V_TOP ||
		    ((s->verb == CP_V_LIST || s->verb == CP_V_UIDL) &&
		    s->args[0] == '\0');
		if (s->verb == CP_V_DELE && conf_pop3_msgno(s->args, &n))
			s->pending_msg = n;
		else
			s->pending_msg = 0;
		break;
	default:
		fatalx("%s: kind %d", __func__, s->kind);
	}
}

/* A server line: the greeting, a status line or a multi-line body. */
static void
conf_pop3_reply(struct conf_pop3 *s)
{
	const char	*lt, *at;

	if (!s->greeted) {
		s->greeted = true;
		/* RFC 1939 7: a msg-id shaped timestamp offers APOP. */
		lt = strchr(s->line, '<');
		at = lt != NULL ? strchr(lt, '@') : NULL;
		s->apop_ts = strncmp(s->line, "+OK", 3) == 0 && at != NULL &&
		    strchr(at, '>') != NULL;
		return;
	}
	if (s->in_multi) {
		if (strcmp(s->line, ".") == 0) {
			s->in_multi = false;
			if (s->multi_capa) {
				s->caps = s->caps_building;
				memcpy(s->mechs, s->mechs_building,
				    sizeof(s->mechs));
				s->capa_known = true;
				s->capa_seen = true;
				if (!s->tls)
					s->caps_pre_tls = s->caps;
				if (!s->tls && (s->caps & CP_CAP_STLS))
					s->stls_offered = true;
			}
		} else if (s->multi_capa)
			conf_pop3_capa_line(s);
		return;
	}
	if (s->pending == CP_V_NONE)
		return;
	conf_pop3_status(s, strncmp(s->line, "+OK", 3) == 0);
}

static void
conf_pop3_capa_line(struct conf_pop3 *s)
{
	size_t	n = strcspn(s->line, " ");

	if (conf_pop3_word_eq(s->line, n, "SASL")) {
		s->caps_building |= CP_CAP_SASL;
		if (!str_copy(s->mechs_building, s->line + n,
		    sizeof(s->mechs_building)))
			s->mechs_building[0] = '\0';
	} else if (conf_pop3_word_eq(s->line, n, "PIPELINING"))
		s->caps_building |= CP_CAP_PIPELINING;
	else if (conf_pop3_word_eq(s->line, n, "STLS"))
		s->caps_building |= CP_CAP_STLS;
}

/* The status line of the pending command decides what changes. */
static void
conf_pop3_status(struct conf_pop3 *s, bool ok)
{
	enum conf_pop3_verb	v = s->pending;

	/* RFC 5034 4: "+ " and a challenge continue the exchange. */
	if (v == CP_V_AUTH && s->line[0] == '+' && (s->line[1] == ' ' ||
	    s->line[1] == '\0')) {
		s->sasl = true;
		return;
	}
	s->pending = CP_V_NONE;
	s->sasl = false;
	if (ok && s->pending_multi) {
		s->in_multi = true;
		s->multi_capa = v == CP_V_CAPA;
		s->caps_building = 0;
		s->mechs_building[0] = '\0';
	}
	if (!ok)
		return;
	switch (v) {
	case CP_V_USER:
		s->user_ok = true;
		break;
	case CP_V_PASS:
	case CP_V_APOP:
		s->trans = true;
		break;
	case CP_V_AUTH:
		s->trans = true;
		s->authed = true;
		break;
	case CP_V_DELE:
		if (s->pending_msg > 0 && s->pending_msg < CP_MSGNO_MAX)
			s->deleted[s->pending_msg / 8] |=
			    (unsigned char)(1U << (s->pending_msg % 8));
		break;
	case CP_V_RSET:
		/* RFC 1939 5: RSET unmarks every message. */
		memset(s->deleted, 0, sizeof(s->deleted));
		break;
	default:
		break;
	}
}

/* RFC 2595 4: knowledge of capabilities from before TLS is void. */
static void
conf_pop3_epoch(struct conf_pop3 *s)
{
	s->caps = 0;
	s->capa_known = false;
	s->mechs[0] = '\0';
	s->user_ok = false;
	s->sasl = false;
	s->in_multi = false;
	s->pending = CP_V_NONE;
	s->prev = CP_V_NONE;
}

/* --- syntax helpers --- */

/* Words separated by runs of spaces. */
static size_t
conf_pop3_argc(const char *p)
{
	size_t	n = 0;

	for (;;) {
		p += strspn(p, " ");
		if (*p == '\0')
			return n;
		n++;
		p += strcspn(p, " ");
	}
}

/* The i-th word (0-based) and its length; NULL if there is none. */
static const char *
conf_pop3_arg(const char *p, size_t i, size_t *len_r)
{
	for (;;) {
		p += strspn(p, " ");
		if (*p == '\0')
			return NULL;
		*len_r = strcspn(p, " ");
		if (i-- == 0)
			return p;
		p += *len_r;
	}
}

static bool
conf_pop3_digits(const char *p, size_t n)
{
	size_t	i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* The first argument as a message number (small enough to remember). */
static bool
conf_pop3_msgno(const char *args, size_t *n_r)
{
	const char	*a;
	size_t		 len, i, n = 0;

	if ((a = conf_pop3_arg(args, 0, &len)) == NULL ||
	    !conf_pop3_digits(a, len) || len > 9)
		return false;
	for (i = 0; i < len; i++)
		n = n * 10 + (size_t)(a[i] - '0');
	*n_r = n;
	return true;
}

/* RFC 5034 4: BASE64 (RFC 4648 4) with padding, no spaces. */
static bool
conf_pop3_b64(const char *p, size_t n)
{
	size_t	i, pad = 0;

	if (n == 0 || n % 4 != 0)
		return false;
	while (pad < 2 && n - pad > 0 && p[n - pad - 1] == '=')
		pad++;
	for (i = 0; i < n - pad; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '+' ||
		    p[i] == '/'))
			return false;
	return true;
}

/* A transcript file hides credentials; they cannot be judged there. */
static bool
conf_pop3_redacted(const char *p)
{
	size_t	n = strlen(p);

	return n >= 8 && strcmp(p + n - 8, "********") == 0;
}

/* "AUTH mech initial-response": the response, or NULL. */
static const char *
conf_pop3_ir(const struct conf_pop3 *s)
{
	size_t	len;

	if (s->kind != CP_K_CMD || s->verb != CP_V_AUTH)
		return NULL;
	return conf_pop3_arg(s->args, 1, &len);
}

/* A password on the wire without TLS: PASS, AUTH PLAIN or LOGIN. */
static bool
conf_pop3_cleartext(const struct conf_pop3 *s)
{
	size_t	n;

	if (s->tls || s->kind != CP_K_CMD)
		return false;
	if (s->verb == CP_V_PASS)
		return true;
	if (s->verb != CP_V_AUTH)
		return false;
	n = strcspn(s->args, " ");
	return conf_pop3_word_eq(s->args, n, "PLAIN") ||
	    conf_pop3_word_eq(s->args, n, "LOGIN");
}

/* Known only from the plaintext CAPA: no CAPA since STLS. */
static bool
conf_pop3_stale(const struct conf_pop3 *s, unsigned cap)
{
	return s->tls && !s->capa_known && (s->caps_pre_tls & cap) != 0;
}

/*
 * A command pipelined under PIPELINING was sent before the client could
 * see how the previous one ended (RFC 2449 6.6): state rules forgive it.
 */
static bool
conf_pop3_lenient(const struct conf_pop3 *s, const struct tevent *ev)
{
	return (ev->flags & CAPTURE_F_PIPELINED) &&
	    (s->caps & CP_CAP_PIPELINING);
}

/* --- rules --- */

#define CP(ctx)		((const struct conf_pop3 *)(ctx)->st)
#define CP_CLIENT_LINE(s) ((s)->kind == CP_K_CMD || (s)->kind == CP_K_SASL)

static bool
conf_pop3_r_bare_lf(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	return CP_CLIENT_LINE(CP(ctx)) && (ev->flags & FRAME_BARE_LF);
}

static bool
conf_pop3_r_control(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);
	const unsigned char	*p;
	size_t			 i;

	if (!CP_CLIENT_LINE(s) || s->redacted)
		return false;
	if (ev->flags & (FRAME_NUL | FRAME_BARE_CR))
		return true;
	p = (const unsigned char *)ctx->t->log.p + ev->off;
	for (i = 0; i < ev->len; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return true;
	return false;
}

static bool
conf_pop3_r_8bit(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);
	const unsigned char	*p;
	size_t			 i;

	if (s->kind != CP_K_CMD || s->redacted)
		return false;
	p = (const unsigned char *)ctx->t->log.p + ev->off;
	for (i = 0; i < ev->len; i++)
		if (p[i] >= 0x80)
			return true;
	return false;
}

static bool
conf_pop3_r_cmd_long(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	if (s->kind != CP_K_CMD || s->redacted || conf_pop3_ir(s) != NULL)
		return false;
	return ev->len > CP_CMD_CONTENT_MAX || (ev->flags & FRAME_TOO_LONG);
}

static bool
conf_pop3_r_arg_long(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);
	const char		*a;
	size_t			 i, len;

	if (s->capa_seen || s->redacted || s->verb == CP_V_AUTH ||
	    s->verb == CP_V_OTHER)
		return false;
	/* RFC 1939 7: PASS takes the rest of the line as one argument. */
	if (s->verb == CP_V_PASS)
		return strlen(s->args) > CP_ARG_MAX;
	for (i = 0; (a = conf_pop3_arg(s->args, i, &len)) != NULL; i++)
		if (len > CP_ARG_MAX)
			return true;
	return false;
}

static bool
conf_pop3_r_separator(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);
	size_t			 n = strlen(s->line);

	/* A password may hold any spaces (RFC 1939 7). */
	if (s->verb == CP_V_PASS || s->verb == CP_V_OTHER || n == 0)
		return false;
	return strstr(s->line, "  ") != NULL || s->line[0] == ' ' ||
	    s->line[n - 1] == ' ';
}

static bool
conf_pop3_r_args(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);
	const char		*a;
	size_t			 argc, len;
	unsigned		 fl;

	if (s->verb == CP_V_NONE || s->verb == CP_V_OTHER)
		return false;
	if (s->verb == CP_V_PASS)
		return !s->redacted && s->args[0] == '\0';
	argc = conf_pop3_argc(s->args);
	if (argc < conf_pop3_args[s->verb].min ||
	    argc > conf_pop3_args[s->verb].max)
		return true;
	fl = conf_pop3_args[s->verb].flags;
	if ((fl & CP_A_MSG1) && (a = conf_pop3_arg(s->args, 0, &len)) !=
	    NULL && !conf_pop3_digits(a, len))
		return true;
	return (fl & CP_A_NUM2) && (a = conf_pop3_arg(s->args, 1, &len)) !=
	    NULL && !conf_pop3_digits(a, len);
}

static bool
conf_pop3_r_apop_digest(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);
	const char		*d;
	size_t			 len = 0, i;

	if (s->verb != CP_V_APOP || conf_pop3_argc(s->args) != 2)
		return false;
	d = conf_pop3_arg(s->args, 1, &len);
	if (len != 32)
		return true;
	for (i = 0; i < len; i++)
		if (!((d[i] >= '0' && d[i] <= '9') ||
		    (d[i] >= 'a' && d[i] <= 'f')))
			return true;
	return false;
}

static bool
conf_pop3_r_apop_no_ts(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	return s->verb == CP_V_APOP && s->greeted && !s->apop_ts;
}

static bool
conf_pop3_r_before_greeting(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	/* The greeting unsent when the command was read, or never sent. */
	return s->prev == CP_V_NONE && !s->tls_fresh &&
	    (!s->greeted || (ev->flags & CAPTURE_F_PIPELINED));
}

static bool
conf_pop3_r_trans_only(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	return s->verb >= CP_V_STAT && s->verb <= CP_V_UIDL && !s->trans &&
	    s->greeted && !conf_pop3_lenient(s, ev);
}

static bool
conf_pop3_r_login_in_trans(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	return (s->verb == CP_V_USER || s->verb == CP_V_PASS ||
	    s->verb == CP_V_APOP) && s->trans && !conf_pop3_lenient(s, ev);
}

static bool
conf_pop3_r_pass_no_user(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	return s->verb == CP_V_PASS && !s->trans && !s->user_ok &&
	    !conf_pop3_lenient(s, ev);
}

static bool
conf_pop3_r_msg_deleted(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);
	size_t			 n;

	if (!s->trans || (s->verb != CP_V_LIST && s->verb != CP_V_RETR &&
	    s->verb != CP_V_DELE && s->verb != CP_V_TOP &&
	    s->verb != CP_V_UIDL) || !conf_pop3_msgno(s->args, &n) ||
	    n == 0 || n >= CP_MSGNO_MAX)
		return false;
	return (s->deleted[n / 8] & (1U << (n % 8))) != 0;
}

static bool
conf_pop3_r_pipe_not_offered(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	/* The first command is judged by before-greeting. */
	return (ev->flags & CAPTURE_F_PIPELINED) && s->prev != CP_V_NONE &&
	    !(s->caps & CP_CAP_PIPELINING) &&
	    !conf_pop3_stale(s, CP_CAP_PIPELINING);
}

static bool
conf_pop3_r_stls_pipelined(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	/* The conn layer drops input read after STLS (RFC 2595 4). */
	return s->kind == CP_K_DROPPED && s->prev == CP_V_STLS && !s->quit;
}

static bool
conf_pop3_r_stls_after_auth(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	return s->verb == CP_V_STLS && s->trans;
}

static bool
conf_pop3_r_stls_active(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	return s->verb == CP_V_STLS && s->tls && !s->trans;
}

static bool
conf_pop3_r_stls_no_capa(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	return s->tls_fresh && s->verb != CP_V_CAPA && s->verb != CP_V_QUIT;
}

static bool
conf_pop3_r_stls_stale(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	if (conf_pop3_ir(s) != NULL && !s->trans &&
	    conf_pop3_stale(s, CP_CAP_SASL))
		return true;
	return (ev->flags & CAPTURE_F_PIPELINED) && s->prev != CP_V_NONE &&
	    conf_pop3_stale(s, CP_CAP_PIPELINING);
}

static bool
conf_pop3_r_auth_not_offered(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	/* With an initial response the MUST NOT row judges it. */
	return s->verb == CP_V_AUTH && !s->trans && conf_pop3_ir(s) == NULL &&
	    !(s->caps & CP_CAP_SASL);
}

static bool
conf_pop3_r_auth_ir_not_offered(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	return conf_pop3_ir(s) != NULL && !s->trans &&
	    !(s->caps & CP_CAP_SASL) && !conf_pop3_stale(s, CP_CAP_SASL);
}

static bool
conf_pop3_r_auth_mech(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);
	const char		*m, *p;
	size_t			 len, n;

	if (s->verb != CP_V_AUTH || s->trans || !(s->caps & CP_CAP_SASL) ||
	    (m = conf_pop3_arg(s->args, 0, &len)) == NULL)
		return false;
	for (p = s->mechs; (p = conf_pop3_arg(p, 0, &n)) != NULL; p += n)
		if (n == len && strncasecmp(p, m, n) == 0)
			return false;
	return true;
}

static bool
conf_pop3_r_auth_ir_long(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	return conf_pop3_ir(s) != NULL && !s->redacted &&
	    (ev->len > CP_CMD_CONTENT_MAX || (ev->flags & FRAME_TOO_LONG));
}

static bool
conf_pop3_r_auth_b64(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);
	const char		*ir;
	size_t			 len;

	if (s->kind == CP_K_SASL) {
		/* An empty line is the empty response (RFC 4422 3). */
		if (s->redacted || s->line[0] == '\0' ||
		    strcmp(s->line, "*") == 0)
			return false;
		return !conf_pop3_b64(s->line, strlen(s->line));
	}
	if ((ir = conf_pop3_ir(s)) == NULL || s->redacted)
		return false;
	len = strcspn(ir, " ");
	/* More words than "AUTH mech response" is no BASE64 either. */
	if (ir[len] != '\0')
		return true;
	return strcmp(ir, "=") != 0 && !conf_pop3_b64(ir, len);
}

static bool
conf_pop3_r_auth_again(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	return s->verb == CP_V_AUTH && s->trans && !conf_pop3_lenient(s, ev);
}

static bool
conf_pop3_r_no_quit(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	/* Only a close the client made ("eof"), never the server's. */
	if (s->quit || ev == NULL || ev->kind != TEV_EVENT ||
	    strcmp(capture_tevent_name(ctx->t, ev), "close") != 0)
		return false;
	return strcmp(conf_ev_text(ctx->t, ev), "eof") == 0;
}

static bool
conf_pop3_r_after_quit(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	return s->quit && (CP_CLIENT_LINE(s) || s->kind == CP_K_DROPPED);
}

static bool
conf_pop3_r_sec_stls_offered(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	return conf_pop3_cleartext(s) && s->stls_offered;
}

static bool
conf_pop3_r_sec_cleartext(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	return conf_pop3_cleartext(s) && !s->stls_offered;
}

static bool
conf_pop3_r_sec_after_tls_fail(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_pop3	*s = CP(ctx);

	return s->tls_failed && (CP_CLIENT_LINE(s) ||
	    s->kind == CP_K_DROPPED);
}
