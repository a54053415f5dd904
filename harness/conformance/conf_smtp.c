/*
 * conf_smtp.c: the SMTP rule table and the tracker it reads.  RFC 5321
 * (2.3.8, 2.4, 3.3, 4.1.1.x, 4.1.2, 4.1.4, 4.5.2, 4.5.3.1.x), its
 * extensions mailrig speaks (1870 SIZE, 2920 PIPELINING, 3207 STARTTLS,
 * 4954 AUTH, 6152 8BITMIME, 6531 SMTPUTF8, 3030 CHUNKING/BINARYMIME,
 * 3461 DSN), the SASL responses of 4616/2195, and the SECURITY rows for
 * credentials sent in the clear.
 *
 * The tracker follows what this session really advertised (the last EHLO
 * reply of the current TLS epoch) and what the server answered, so the
 * client is never blamed for the server's replies.  Pipelining is seen
 * through the capture's "pipelined" flag: the line was read while a reply
 * to an earlier command was still unsent.  Message content is judged by
 * conf_msg.c; SIZE declared smaller than the message is no rule, since
 * RFC 1870 6.3 permits it.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fakes/base/defs.h"
#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/frame.h"
#include "fakes/smtp_addr.h"
#include "harness/capture.h"
#include "harness/conformance/conf.h"
#include "harness/conformance/conf_int.h"

enum conf_smtp_verb {
	CS_V_NONE,
	CS_V_HELO, CS_V_EHLO, CS_V_MAIL, CS_V_RCPT, CS_V_DATA, CS_V_BDAT,
	CS_V_RSET, CS_V_VRFY, CS_V_EXPN, CS_V_HELP, CS_V_NOOP, CS_V_QUIT,
	CS_V_STARTTLS, CS_V_AUTH, CS_V_TURN, CS_V_OTHER,
	CS_V__COUNT
};

/* What the current event is. */
enum conf_smtp_kind {
	CS_K_REPLY, CS_K_EVENT, CS_K_CMD, CS_K_SASL, CS_K_DOT, CS_K_DATA,
	CS_K_DROPPED, CS_K__COUNT
};

/* EHLO keywords (RFC 5321 4.1.1.1) the rules depend on. */
#define CS_CAP_SIZE		0x0001
#define CS_CAP_PIPELINING	0x0002
#define CS_CAP_8BITMIME		0x0004
#define CS_CAP_SMTPUTF8		0x0008
#define CS_CAP_STARTTLS		0x0010
#define CS_CAP_AUTH		0x0020
#define CS_CAP_CHUNKING		0x0040
#define CS_CAP_BINARYMIME	0x0080
#define CS_CAP_DSN		0x0100

#define CS_BODY_7BIT		0
#define CS_BODY_8BITMIME	1
#define CS_BODY_BINARYMIME	2

/* The command line limit plus the AUTH allowance (RFC 4954 4). */
#define CS_CMD_CONTENT_MAX	(RFC5321_CMD_LINE_MAX - 2)
#define CS_TEXT_CONTENT_MAX	(RFC5321_TEXT_LINE_MAX - 2)

static const struct {
	const char	*word;
	unsigned	 bit;
} conf_smtp_caps[] = {
	{ .word = "SIZE", .bit = CS_CAP_SIZE },
	{ .word = "PIPELINING", .bit = CS_CAP_PIPELINING },
	{ .word = "8BITMIME", .bit = CS_CAP_8BITMIME },
	{ .word = "SMTPUTF8", .bit = CS_CAP_SMTPUTF8 },
	{ .word = "STARTTLS", .bit = CS_CAP_STARTTLS },
	{ .word = "AUTH", .bit = CS_CAP_AUTH },
	{ .word = "CHUNKING", .bit = CS_CAP_CHUNKING },
	{ .word = "BINARYMIME", .bit = CS_CAP_BINARYMIME },
	{ .word = "DSN", .bit = CS_CAP_DSN },
};

static const char *const conf_smtp_verbs[] = {
	[CS_V_NONE] = "", [CS_V_HELO] = "HELO", [CS_V_EHLO] = "EHLO",
	[CS_V_MAIL] = "MAIL", [CS_V_RCPT] = "RCPT", [CS_V_DATA] = "DATA",
	[CS_V_BDAT] = "BDAT", [CS_V_RSET] = "RSET", [CS_V_VRFY] = "VRFY",
	[CS_V_EXPN] = "EXPN", [CS_V_HELP] = "HELP", [CS_V_NOOP] = "NOOP",
	[CS_V_QUIT] = "QUIT", [CS_V_STARTTLS] = "STARTTLS",
	[CS_V_AUTH] = "AUTH", [CS_V_TURN] = "TURN", [CS_V_OTHER] = "",
};
_Static_assert(nitems(conf_smtp_verbs) == CS_V__COUNT,
    "conf_smtp_verbs out of sync with enum conf_smtp_verb");

struct conf_smtp {
	/* the current event, set by classify */
	enum conf_smtp_kind kind;
	enum conf_smtp_verb verb;
	const char	*line;		/* client or server line text */
	const char	*args;		/* after the verb and one space */
	int		 code;		/* server line: reply code */
	bool		 final;		/* server line: "ddd " */
	/* session */
	bool		 greeted;	/* a server line was seen */
	unsigned	 caps;		/* advertised in this TLS epoch */
	unsigned	 caps_building;
	bool		 in_ehlo_reply;
	unsigned	 ehlo_lines;	/* reply lines seen so far */
	bool		 hello_ok;	/* EHLO/HELO accepted this epoch */
	bool		 ehlo_ok;	/* EHLO (not HELO) accepted */
	bool		 tls;
	bool		 tls_fresh;	/* STARTTLS done, no command yet */
	bool		 tls_failed;
	bool		 starttls_offered;
	bool		 authed;
	bool		 sasl;		/* inside an AUTH exchange (334) */
	bool		 quit;		/* QUIT sent */
	bool		 server_closing; /* 421 or 221 seen */
	bool		 data_done;	/* a DATA transaction ended */
	enum conf_smtp_verb prev;	/* the previous command */
	enum conf_smtp_verb pending;	/* awaiting its final reply */
	/* transaction */
	bool		 mail_sent;
	bool		 rcpt_sent;
	bool		 data_cmd;	/* DATA sent, 354 not yet seen */
	bool		 in_data;	/* 354 seen, until "." */
	bool		 used_data;
	bool		 used_bdat;
	bool		 bdat_last;	/* the BDAT being sent is LAST */
	unsigned	 bdat_chunks;
	int		 body;
	bool		 smtputf8;
	size_t		 data_idx;	/* the message's data event */
	bool		 have_data;
};

static unsigned	conf_smtp_classify(struct conf_ctx *);
static void	conf_smtp_advance(struct conf_ctx *);
static void	conf_smtp_parse_cmd(struct conf_smtp *, const char *);
static void	conf_smtp_reply(struct conf_smtp *);
static void	conf_smtp_epoch(struct conf_smtp *);
static void	conf_smtp_tx_reset(struct conf_smtp *);
static void	conf_smtp_note_params(struct conf_smtp *);
static void	conf_smtp_set_msg(struct conf_ctx *, struct conf_smtp *);
static bool	conf_smtp_path(const struct conf_smtp *, struct smtp_path *);
static bool	conf_smtp_word_eq(const char *, size_t, const char *);
static bool	conf_smtp_domain(const char *, size_t);
static bool	conf_smtp_addr_literal(const char *, size_t);
static bool	conf_smtp_b64(const char *);
static bool	conf_smtp_redacted(const char *);
static bool	conf_smtp_group_end(enum conf_smtp_verb);
static bool	conf_smtp_has_8bit(const char *);
static bool	conf_smtp_params_ok(const struct conf_smtp *, bool);
static bool	conf_smtp_cleartext_auth(const struct conf_smtp *);

/* rules */
static conf_check_fn conf_smtp_r_bare_lf, conf_smtp_r_bare_cr,
    conf_smtp_r_nul, conf_smtp_r_cmd_long, conf_smtp_r_text_long,
    conf_smtp_r_before_greeting, conf_smtp_r_hello_first,
    conf_smtp_r_ehlo_syntax, conf_smtp_r_mail_syntax,
    conf_smtp_r_rcpt_syntax, conf_smtp_r_mail_space,
    conf_smtp_r_rcpt_space, conf_smtp_r_mail_param,
    conf_smtp_r_rcpt_param, conf_smtp_r_8bit_undeclared,
    conf_smtp_r_cmd_8bit, conf_smtp_r_utf8_not_offered,
    conf_smtp_r_utf8_undeclared, conf_smtp_r_pipe_not_offered,
    conf_smtp_r_pipe_group, conf_smtp_r_before_354,
    conf_smtp_r_bdat_not_offered, conf_smtp_r_bdat_mixed,
    conf_smtp_r_starttls_pipelined, conf_smtp_r_starttls_ehlo,
    conf_smtp_r_starttls_active, conf_smtp_r_auth_again,
    conf_smtp_r_auth_not_offered, conf_smtp_r_auth_in_tx,
    conf_smtp_r_sasl_b64, conf_smtp_r_no_quit, conf_smtp_r_after_quit,
    conf_smtp_r_rset_args, conf_smtp_r_data_args, conf_smtp_r_quit_args,
    conf_smtp_r_local_long, conf_smtp_r_domain_long,
    conf_smtp_r_path_long, conf_smtp_r_unstuffed_dot,
    conf_smtp_r_rcpt_before_mail, conf_smtp_r_data_before_rcpt,
    conf_smtp_r_sec_starttls_offered, conf_smtp_r_sec_cleartext,
    conf_smtp_r_sec_after_tls_fail;

static const struct conf_rule conf_smtp_rules[] = {
	{ .id = "smtp.line.bare-lf", .rfc = "5321", .section = "2.3.8",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_LINE, .after_fault = true,
	  .check = conf_smtp_r_bare_lf,
	  .message = "client sent a line ending in a bare LF",
	  .hint = "terminate every line, in commands and in message data, "
	  "with CRLF" },
	{ .id = "smtp.line.bare-cr", .rfc = "5321", .section = "2.3.8",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_LINE, .after_fault = true,
	  .check = conf_smtp_r_bare_cr,
	  .message = "client sent a CR that is not followed by LF",
	  .hint = "send CR only as part of the CRLF line ending" },
	{ .id = "smtp.cmd.nul", .rfc = "5321", .section = "4.1.2",
	  .level = CONF_MUST, .scope = CONF_PER_LINE, .after_fault = true,
	  .check = conf_smtp_r_nul,
	  .message = "client sent a NUL byte in a command line",
	  .hint = "send commands as printable US-ASCII text" },
	/* A limit without a key word for the client; level reviewable. */
	{ .id = "smtp.cmd.too-long", .rfc = "5321", .section = "4.5.3.1.4",
	  .level = CONF_SHOULD_NOT, .scope = CONF_PER_LINE,
	  .after_fault = true, .check = conf_smtp_r_cmd_long,
	  .message = "client sent a command line longer than 512 octets "
	  "including CRLF",
	  .hint = "keep command lines within 512 octets; send a long AUTH "
	  "response after the 334 challenge" },
	/* Likewise a limit without a key word; RFC 5322 2.1.1 is MUST. */
	{ .id = "smtp.data.line-too-long", .rfc = "5321",
	  .section = "4.5.3.1.6", .level = CONF_SHOULD_NOT,
	  .scope = CONF_PER_LINE, .after_fault = true,
	  .check = conf_smtp_r_text_long,
	  .message = "client sent a message text line longer than 1000 "
	  "octets including CRLF",
	  .hint = "fold header lines and use quoted-printable or base64 "
	  "for long body lines" },
	/* 4.3.2 begins every sequence with the greeting; no key word. */
	{ .id = "smtp.order.before-greeting", .rfc = "5321",
	  .section = "4.3.2", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_smtp_r_before_greeting,
	  .message = "client sent a command before the server's 220 "
	  "greeting",
	  .hint = "wait for the 220 greeting before sending EHLO" },
	{ .id = "smtp.order.ehlo-first", .rfc = "5321", .section = "4.1.4",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_hello_first,
	  .message = "client started a mail transaction without a "
	  "successful EHLO (or HELO)",
	  .hint = "send EHLO first and wait for its 250 reply" },
	{ .id = "smtp.ehlo.syntax", .rfc = "5321", .section = "4.1.1.1",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_smtp_r_ehlo_syntax,
	  .message = "client sent an EHLO/HELO argument that is neither a "
	  "domain nor an address literal",
	  .hint = "send the host's fully qualified name, or an address "
	  "literal such as [192.0.2.1]" },
	{ .id = "smtp.mail.syntax", .rfc = "5321", .section = "4.1.2",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_smtp_r_mail_syntax,
	  .message = "client sent a MAIL FROM whose reverse-path is not in "
	  "angle brackets or does not parse",
	  .hint = "send MAIL FROM:<sender@example.com> (or <> for the null "
	  "path)" },
	{ .id = "smtp.rcpt.syntax", .rfc = "5321", .section = "4.1.2",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_smtp_r_rcpt_syntax,
	  .message = "client sent a RCPT TO whose forward-path is not in "
	  "angle brackets or does not parse",
	  .hint = "send RCPT TO:<rcpt@example.com>" },
	{ .id = "smtp.mail.space-after-colon", .rfc = "5321",
	  .section = "3.3", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_smtp_r_mail_space,
	  .message = "client put a space after \"MAIL FROM:\"",
	  .hint = "write the path right after the colon: "
	  "MAIL FROM:<a@example.com>" },
	{ .id = "smtp.rcpt.space-after-colon", .rfc = "5321",
	  .section = "3.3", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_smtp_r_rcpt_space,
	  .message = "client put a space after \"RCPT TO:\"",
	  .hint = "write the path right after the colon: "
	  "RCPT TO:<b@example.com>" },
	{ .id = "smtp.mail.param-not-advertised", .rfc = "5321",
	  .section = "4.1.1.2", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_smtp_r_mail_param,
	  .message = "client sent a MAIL parameter for an extension the "
	  "server did not advertise",
	  .hint = "send SIZE, BODY, SMTPUTF8, RET, ENVID or AUTH only when "
	  "the EHLO reply lists their extension" },
	{ .id = "smtp.rcpt.param-not-advertised", .rfc = "5321",
	  .section = "4.1.1.3", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_smtp_r_rcpt_param,
	  .message = "client sent a RCPT parameter for an extension the "
	  "server did not advertise",
	  .hint = "send NOTIFY or ORCPT only when the EHLO reply lists DSN" },
	{ .id = "smtp.data.8bit-undeclared", .rfc = "5321", .section = "2.4",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_TX,
	  .check = conf_smtp_r_8bit_undeclared,
	  .message = "client sent message data with 8-bit octets without "
	  "BODY=8BITMIME (or SMTPUTF8) on MAIL",
	  .hint = "declare BODY=8BITMIME when the server offers 8BITMIME, "
	  "otherwise encode the content as quoted-printable or base64" },
	{ .id = "smtp.cmd.8bit", .rfc = "5321", .section = "2.4",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_cmd_8bit,
	  .message = "client sent a command with non-ASCII octets",
	  .hint = "send envelope commands in US-ASCII (A-labels for "
	  "domains)" },
	{ .id = "smtp.utf8.not-advertised", .rfc = "6531", .section = "3.2",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_utf8_not_offered,
	  .message = "client sent an internationalized address to a server "
	  "that did not offer SMTPUTF8",
	  .hint = "use an ASCII address, or a server that offers SMTPUTF8" },
	{ .id = "smtp.utf8.undeclared", .rfc = "6531", .section = "3.4",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_utf8_undeclared,
	  .message = "client sent an internationalized address without the "
	  "SMTPUTF8 parameter on MAIL",
	  .hint = "add SMTPUTF8 to MAIL FROM when any address of the "
	  "transaction is non-ASCII" },
	/* "may then elect": lowercase; MUST NOT is the reading chosen. */
	{ .id = "smtp.pipelining.not-advertised", .rfc = "2920",
	  .section = "3.1", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_smtp_r_pipe_not_offered,
	  .message = "client sent a command before the previous reply "
	  "although the server did not advertise PIPELINING",
	  .hint = "wait for each reply unless EHLO listed PIPELINING" },
	/* "can only appear as the last command": lowercase, as MUST. */
	{ .id = "smtp.pipelining.after-group-end", .rfc = "2920",
	  .section = "3.1", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_smtp_r_pipe_group,
	  .message = "client pipelined a command after EHLO, DATA, VRFY, "
	  "EXPN, TURN, QUIT, NOOP or AUTH, which must end a group",
	  .hint = "wait for the reply to a group-ending command before "
	  "sending more" },
	{ .id = "smtp.data.before-354", .rfc = "2920", .section = "3.1",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_LINE,
	  .check = conf_smtp_r_before_354,
	  .message = "client sent message data before the 354 reply to "
	  "DATA",
	  .hint = "wait for 354 before sending the message" },
	{ .id = "smtp.bdat.not-advertised", .rfc = "3030", .section = "2",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_bdat_not_offered,
	  .message = "client sent BDAT although the server did not "
	  "advertise CHUNKING",
	  .hint = "use DATA unless EHLO listed CHUNKING" },
	{ .id = "smtp.bdat.mixed-with-data", .rfc = "3030", .section = "2",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_bdat_mixed,
	  .message = "client used DATA and BDAT in the same transaction",
	  .hint = "send the whole message with either DATA or BDAT" },
	/* "must be the last command in a group": lowercase, as MUST. */
	{ .id = "smtp.starttls.pipelined", .rfc = "3207", .section = "4",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_LINE,
	  .check = conf_smtp_r_starttls_pipelined,
	  .message = "client sent plaintext after STARTTLS before the TLS "
	  "handshake",
	  .hint = "make STARTTLS the last command of a group and start TLS "
	  "right after the 220" },
	{ .id = "smtp.starttls.no-ehlo", .rfc = "3207", .section = "4.2",
	  .level = CONF_SHOULD, .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_starttls_ehlo,
	  .message = "client's first command after the TLS handshake was "
	  "not EHLO",
	  .hint = "send EHLO again after STARTTLS and use only what the new "
	  "reply advertises" },
	{ .id = "smtp.starttls.already-active", .rfc = "3207",
	  .section = "4.2", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_smtp_r_starttls_active,
	  .message = "client sent STARTTLS inside an active TLS session",
	  .hint = "send STARTTLS only on a plaintext connection" },
	/* The RFC puts it as the server's duty to refuse; level chosen. */
	{ .id = "smtp.auth.after-auth", .rfc = "4954", .section = "4",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_auth_again,
	  .message = "client sent AUTH after a successful authentication",
	  .hint = "authenticate once per session" },
	{ .id = "smtp.auth.not-advertised", .rfc = "4954", .section = "3",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_auth_not_offered,
	  .message = "client sent AUTH without an EHLO reply (of this TLS "
	  "epoch) that lists AUTH",
	  .hint = "send EHLO and use AUTH only with a mechanism it lists" },
	{ .id = "smtp.auth.in-transaction", .rfc = "4954", .section = "4",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_auth_in_tx,
	  .message = "client sent AUTH during a mail transaction",
	  .hint = "authenticate before MAIL FROM" },
	{ .id = "smtp.auth.response-syntax", .rfc = "4954", .section = "4",
	  .level = CONF_MUST, .scope = CONF_PER_LINE, .after_fault = true,
	  .check = conf_smtp_r_sasl_b64,
	  .message = "client sent a SASL response that is neither BASE64 "
	  "nor \"*\"",
	  .hint = "encode every response in BASE64 without spaces, or send "
	  "\"*\" to cancel" },
	/* "MUST NOT intentionally close": intent is not observable. */
	{ .id = "smtp.session.no-quit", .rfc = "5321", .section = "4.1.1.10",
	  .level = CONF_SHOULD, .scope = CONF_PER_SESSION,
	  .check = conf_smtp_r_no_quit,
	  .message = "client closed the connection without sending QUIT",
	  .hint = "end every session with QUIT and wait for the 221" },
	/* No key word: QUIT ends the session (and a pipelining group). */
	{ .id = "smtp.session.after-quit", .rfc = "5321",
	  .section = "4.1.1.10", .level = CONF_SHOULD_NOT,
	  .scope = CONF_PER_LINE, .check = conf_smtp_r_after_quit,
	  .message = "client sent more input after QUIT",
	  .hint = "send nothing after QUIT; wait for 221 and close" },
	{ .id = "smtp.rset.args", .rfc = "5321", .section = "4.1.1.5",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_smtp_r_rset_args,
	  .message = "client sent RSET with an argument",
	  .hint = "send RSET alone" },
	{ .id = "smtp.data.args", .rfc = "5321", .section = "4.1.1.4",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_smtp_r_data_args,
	  .message = "client sent DATA with an argument",
	  .hint = "send DATA alone" },
	{ .id = "smtp.quit.args", .rfc = "5321", .section = "4.1.1.10",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_smtp_r_quit_args,
	  .message = "client sent QUIT with an argument",
	  .hint = "send QUIT alone" },
	/* 4.5.3.1.x are size limits without a key word; level chosen. */
	{ .id = "smtp.path.local-too-long", .rfc = "5321",
	  .section = "4.5.3.1.1", .level = CONF_SHOULD_NOT,
	  .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_smtp_r_local_long,
	  .message = "client sent a local-part longer than 64 octets",
	  .hint = "keep local-parts within 64 octets" },
	{ .id = "smtp.path.domain-too-long", .rfc = "5321",
	  .section = "4.5.3.1.2", .level = CONF_SHOULD_NOT,
	  .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_smtp_r_domain_long,
	  .message = "client sent a domain longer than 255 octets",
	  .hint = "keep domains within 255 octets" },
	{ .id = "smtp.path.too-long", .rfc = "5321", .section = "4.5.3.1.3",
	  .level = CONF_SHOULD_NOT, .scope = CONF_PER_COMMAND,
	  .after_fault = true, .check = conf_smtp_r_path_long,
	  .message = "client sent a path longer than 256 octets",
	  .hint = "keep paths, with their angle brackets, within 256 "
	  "octets" },
	{ .id = "smtp.data.unstuffed-dot", .rfc = "5321", .section = "4.5.2",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_unstuffed_dot,
	  .message = "client sent a \".\" line after its message had ended, "
	  "a sign that a text line starting with \".\" was not doubled",
	  .hint = "double the leading \".\" of every message line that "
	  "starts with one" },
	{ .id = "smtp.order.rcpt-before-mail", .rfc = "5321",
	  .section = "3.3", .level = CONF_MUST, .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_rcpt_before_mail,
	  .message = "client sent RCPT without a MAIL command before it",
	  .hint = "start each transaction with MAIL FROM" },
	{ .id = "smtp.order.data-before-rcpt", .rfc = "5321",
	  .section = "3.3", .level = CONF_MUST, .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_data_before_rcpt,
	  .message = "client sent DATA or BDAT without any RCPT in the "
	  "transaction",
	  .hint = "send at least one RCPT TO before the message" },
	{ .id = "smtp.security.cleartext-auth-starttls-offered",
	  .rfc = "3207", .section = "6", .level = CONF_SECURITY,
	  .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_sec_starttls_offered,
	  .message = "client sent PLAIN or LOGIN credentials in the clear "
	  "although the server offered STARTTLS",
	  .hint = "issue STARTTLS (and verify the certificate) before AUTH" },
	{ .id = "smtp.security.cleartext-auth", .rfc = "4616",
	  .section = "5", .level = CONF_SECURITY, .scope = CONF_PER_COMMAND,
	  .check = conf_smtp_r_sec_cleartext,
	  .message = "client sent PLAIN or LOGIN credentials over a "
	  "connection without TLS",
	  .hint = "use implicit TLS (port 465) or STARTTLS for "
	  "authentication" },
	{ .id = "smtp.security.after-tls-failure", .rfc = "3207",
	  .section = "4", .level = CONF_SECURITY, .scope = CONF_PER_LINE,
	  .check = conf_smtp_r_sec_after_tls_fail,
	  .message = "client went on sending after its TLS handshake failed",
	  .hint = "abort the connection when the TLS handshake or the "
	  "certificate check fails" },
};

const struct conf_proto conf_smtp_proto = {
	.name = "smtp",
	.rules = conf_smtp_rules,
	.nrules = nitems(conf_smtp_rules),
	.state_size = sizeof(struct conf_smtp),
	.classify = conf_smtp_classify,
	.advance = conf_smtp_advance,
};

/* --- the tracker --- */

static unsigned
conf_smtp_classify(struct conf_ctx *ctx)
{
	struct conf_smtp	*s = ctx->st;
	const struct transcript	*t = ctx->t;
	const struct tevent	*ev = &t->ev[ctx->idx];
	unsigned		 mask = 0;

	s->line = NULL;
	s->args = NULL;
	s->verb = CS_V_NONE;
	switch (ev->kind) {
	case TEV_EVENT:
		s->kind = CS_K_EVENT;
		return 0;
	case TEV_DATA:
		if (ev->dir != 'c')
			return 0;
		if (ev->flags & CONN_IO_DROPPED) {
			s->kind = CS_K_DROPPED;
			return CONF_SCOPE_BIT(CONF_PER_LINE);
		}
		s->kind = CS_K_DATA;
		mask = CONF_SCOPE_BIT(CONF_PER_LINE);
		/* RFC 3030 2: the chunk of "BDAT n LAST" ends the message. */
		if (s->pending == CS_V_BDAT && s->bdat_last) {
			s->data_idx = ctx->idx;
			s->have_data = true;
			conf_smtp_set_msg(ctx, s);
			mask |= CONF_SCOPE_BIT(CONF_PER_TX) |
			    CONF_SCOPE_BIT(CONF_PER_MESSAGE);
		}
		return mask;
	case TEV_LINE:
		break;
	default:
		fatalx("%s: kind %d", __func__, ev->kind);
	}
	s->line = conf_ev_text(t, ev);
	if (ev->dir == 's') {
		s->kind = CS_K_REPLY;
		s->code = 0;
		if (ev->len >= 3 && str_to_u64(s->line, 3, 999,
		    &(uint64_t){ 0 })) {
			s->code = (s->line[0] - '0') * 100 +
			    (s->line[1] - '0') * 10 + (s->line[2] - '0');
		}
		s->final = ev->len == 3 || (ev->len > 3 && s->line[3] != '-');
		return 0;
	}
	mask = CONF_SCOPE_BIT(CONF_PER_LINE);
	if (s->sasl) {
		s->kind = CS_K_SASL;
		return mask;
	}
	if (s->in_data && strcmp(s->line, ".") == 0) {
		s->kind = CS_K_DOT;
		conf_smtp_set_msg(ctx, s);
		return mask | CONF_SCOPE_BIT(CONF_PER_TX) |
		    CONF_SCOPE_BIT(CONF_PER_MESSAGE);
	}
	s->kind = CS_K_CMD;
	conf_smtp_parse_cmd(s, s->line);
	return mask | CONF_SCOPE_BIT(CONF_PER_COMMAND);
}

static void
conf_smtp_set_msg(struct conf_ctx *ctx, struct conf_smtp *s)
{
	const struct tevent	*d;

	ctx->msg = NULL;
	/* Several BDAT chunks are not contiguous in the log: not judged. */
	if (!s->have_data || s->bdat_chunks > 1)
		return;
	d = &ctx->t->ev[s->data_idx];
	ctx->msg = d->len > 0 ? ctx->t->log.p + d->off : "";
	ctx->msg_idx = s->data_idx;
	ctx->msglen = d->len;
	ctx->msg_partial = d->len < d->bytes;
	ctx->msg_utf8 = s->smtputf8;
	ctx->msg_8bit = s->body != CS_BODY_7BIT;
}

static void
conf_smtp_parse_cmd(struct conf_smtp *s, const char *line)
{
	size_t	n, i;

	n = strcspn(line, " ");
	s->verb = CS_V_OTHER;
	for (i = 1; i < CS_V_OTHER; i++)
		if (conf_smtp_word_eq(line, n, conf_smtp_verbs[i])) {
			s->verb = (enum conf_smtp_verb)i;
			break;
		}
	s->args = line[n] == ' ' ? line + n + 1 : line + n;
}

static bool
conf_smtp_word_eq(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

static void
conf_smtp_advance(struct conf_ctx *ctx)
{
	struct conf_smtp	*s = ctx->st;
	const struct tevent	*ev = &ctx->t->ev[ctx->idx];
	const char		*name;

	switch (s->kind) {
	case CS_K_EVENT:
		name = capture_tevent_name(ctx->t, ev);
		if (strcmp(name, "tls-start") == 0) {
			/* STARTTLS, or implicit TLS before the greeting. */
			s->tls_fresh = s->greeted;
			s->tls = true;
			conf_smtp_epoch(s);
		} else if (strcmp(name, "tls-failed") == 0)
			s->tls_failed = true;
		break;
	case CS_K_REPLY:
		s->greeted = true;
		conf_smtp_reply(s);
		break;
	case CS_K_DATA:
		if (s->pending == CS_V_BDAT)
			s->bdat_chunks++;
		if (!s->have_data || s->pending != CS_V_BDAT) {
			s->data_idx = ctx->idx;
			s->have_data = true;
		}
		break;
	case CS_K_DOT:
		s->in_data = false;
		s->pending = CS_V_DATA;
		/* Content may start a group, so the "." ends none (3.1). */
		s->prev = CS_V_OTHER;
		break;
	case CS_K_SASL:
	case CS_K_DROPPED:
		break;
	case CS_K_CMD:
		s->tls_fresh = false;
		s->prev = s->verb;
		s->pending = s->verb;
		switch (s->verb) {
		case CS_V_MAIL:
			conf_smtp_tx_reset(s);
			s->mail_sent = true;
			conf_smtp_note_params(s);
			break;
		case CS_V_RCPT:
			s->rcpt_sent = true;
			break;
		case CS_V_DATA:
			s->data_cmd = true;
			s->used_data = true;
			break;
		case CS_V_BDAT:
			s->used_bdat = true;
			s->bdat_last = strcasestr(s->args, "LAST") != NULL;
			break;
		case CS_V_RSET:
		case CS_V_HELO:
		case CS_V_EHLO:
			conf_smtp_tx_reset(s);
			s->mail_sent = false;
			break;
		case CS_V_QUIT:
			s->quit = true;
			break;
		default:
			break;
		}
		if (s->verb == CS_V_EHLO) {
			s->in_ehlo_reply = true;
			s->ehlo_lines = 0;
			s->caps_building = 0;
		}
		break;
	default:
		fatalx("%s: kind %d", __func__, s->kind);
	}
}

/* A reply line: EHLO keywords, then what the final line decides. */
static void
conf_smtp_reply(struct conf_smtp *s)
{
	const char	*kw;
	size_t		 n, i;

	/* The first line names the server, the others are keywords. */
	if (s->pending == CS_V_EHLO && s->in_ehlo_reply && s->code == 250 &&
	    strlen(s->line) > 4 && s->ehlo_lines++ > 0) {
		kw = s->line + 4;
		n = strcspn(kw, " =");
		for (i = 0; i < nitems(conf_smtp_caps); i++)
			if (conf_smtp_word_eq(kw, n, conf_smtp_caps[i].word))
				s->caps_building |= conf_smtp_caps[i].bit;
	}
	if (!s->final)
		return;
	if (s->code == 421 || s->code == 221)
		s->server_closing = true;
	switch (s->pending) {
	case CS_V_EHLO:
	case CS_V_HELO:
		s->in_ehlo_reply = false;
		if (s->code == 250) {
			s->hello_ok = true;
			s->ehlo_ok = s->pending == CS_V_EHLO;
			s->caps = s->pending == CS_V_EHLO ?
			    s->caps_building : 0;
			if (!s->tls && (s->caps & CS_CAP_STARTTLS))
				s->starttls_offered = true;
		}
		break;
	case CS_V_AUTH:
		s->sasl = s->code == 334;
		if (s->code == 235) {
			s->authed = true;
			s->sasl = false;
		}
		break;
	case CS_V_DATA:
		if (s->data_cmd) {
			s->data_cmd = false;
			s->in_data = s->code == 354;
		} else {
			/* The reply to ".": the transaction is over. */
			s->data_done = true;
			conf_smtp_tx_reset(s);
			s->mail_sent = false;
		}
		break;
	case CS_V_BDAT:
		if (s->bdat_last || s->code >= 400) {
			conf_smtp_tx_reset(s);
			s->mail_sent = false;
		}
		break;
	default:
		break;
	}
	if (s->pending != CS_V_AUTH || !s->sasl)
		s->pending = CS_V_NONE;
}

/* Knowledge from before TLS is void (RFC 3207 4.2). */
static void
conf_smtp_epoch(struct conf_smtp *s)
{
	s->caps = 0;
	s->hello_ok = false;
	s->ehlo_ok = false;
	s->authed = false;
	s->sasl = false;
	s->pending = CS_V_NONE;
	s->prev = CS_V_NONE;
	conf_smtp_tx_reset(s);
	s->mail_sent = false;
}

static void
conf_smtp_tx_reset(struct conf_smtp *s)
{
	s->rcpt_sent = false;
	s->data_cmd = false;
	s->in_data = false;
	s->used_data = false;
	s->used_bdat = false;
	s->bdat_last = false;
	s->bdat_chunks = 0;
	s->body = CS_BODY_7BIT;
	s->smtputf8 = false;
	s->have_data = false;
}

static void
conf_smtp_note_params(struct conf_smtp *s)
{
	struct smtp_path	 p;
	const char		*pos, *k, *v;
	size_t			 kl, vl;

	if (!conf_smtp_path(s, &p))
		return;
	pos = p.params;
	while (smtp_addr_next_param(&pos, &k, &kl, &v, &vl) == 1) {
		if (conf_smtp_word_eq(k, kl, "SMTPUTF8"))
			s->smtputf8 = true;
		else if (conf_smtp_word_eq(k, kl, "BODY") && v != NULL) {
			if (conf_smtp_word_eq(v, vl, "8BITMIME"))
				s->body = CS_BODY_8BITMIME;
			else if (conf_smtp_word_eq(v, vl, "BINARYMIME"))
				s->body = CS_BODY_BINARYMIME;
		}
	}
}

/* Parse the current MAIL/RCPT leniently; false if it does not parse. */
static bool
conf_smtp_path(const struct conf_smtp *s, struct smtp_path *p)
{
	const char	*err;

	if (s->verb != CS_V_MAIL && s->verb != CS_V_RCPT)
		return false;
	return smtp_addr_parse(s->args, s->verb == CS_V_RCPT, false, p,
	    &err) == 0;
}

/* --- syntax helpers --- */

/* RFC 5321 4.1.2 Domain: sub-domain *("." sub-domain), Let-dig ends. */
static bool
conf_smtp_domain(const char *p, size_t n)
{
	size_t	i, lab = 0;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		if (p[i] == '.') {
			if (lab == 0 || p[i - 1] == '-')
				return false;
			lab = 0;
			continue;
		}
		if (p[i] == '-') {
			if (lab == 0)
				return false;
		} else if (!(p[i] >= 'a' && p[i] <= 'z') &&
		    !(p[i] >= 'A' && p[i] <= 'Z') &&
		    !(p[i] >= '0' && p[i] <= '9') &&
		    (unsigned char)p[i] < 0x80)
			return false;
		lab++;
	}
	return lab > 0 && p[n - 1] != '-';
}

/* RFC 5321 4.1.3: "[" IPv4 / "IPv6:" IPv6 / tag ":" content "]". */
static bool
conf_smtp_addr_literal(const char *p, size_t n)
{
	size_t	i;

	if (n < 3 || p[0] != '[' || p[n - 1] != ']')
		return false;
	for (i = 1; i < n - 1; i++)
		if ((unsigned char)p[i] <= 32 || p[i] == '[' ||
		    p[i] == ']' || p[i] == '\\' || (unsigned char)p[i] > 126)
			return false;
	return true;
}

/* RFC 4954 4: BASE64 (RFC 4648 4), "=" for an empty initial response. */
static bool
conf_smtp_b64(const char *p)
{
	size_t	n = strlen(p), i, pad = 0;

	if (strcmp(p, "=") == 0)
		return true;
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
conf_smtp_redacted(const char *p)
{
	size_t	n = strlen(p);

	return n >= 8 && strcmp(p + n - 8, "********") == 0;
}

/* RFC 2920 3.1, RFC 4954 4 (AUTH), RFC 3207 4 (STARTTLS). */
static bool
conf_smtp_group_end(enum conf_smtp_verb v)
{
	switch (v) {
	case CS_V_EHLO:
	case CS_V_HELO:
	case CS_V_DATA:
	case CS_V_VRFY:
	case CS_V_EXPN:
	case CS_V_TURN:
	case CS_V_QUIT:
	case CS_V_NOOP:
	case CS_V_AUTH:
	case CS_V_STARTTLS:
		return true;
	default:
		return false;
	}
}

static bool
conf_smtp_has_8bit(const char *p)
{
	for (; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			return true;
	return false;
}

/* --- rules --- */

#define CS(ctx)		((const struct conf_smtp *)(ctx)->st)
#define CS_CLIENT_BYTES(s) ((s)->kind == CS_K_CMD || \
	    (s)->kind == CS_K_SASL || (s)->kind == CS_K_DOT || \
	    (s)->kind == CS_K_DATA)

static bool
conf_smtp_r_bare_lf(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	return CS_CLIENT_BYTES(CS(ctx)) && (ev->flags & FRAME_BARE_LF);
}

static bool
conf_smtp_r_bare_cr(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	return CS_CLIENT_BYTES(CS(ctx)) && (ev->flags & FRAME_BARE_CR);
}

static bool
conf_smtp_r_nul(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return (s->kind == CS_K_CMD || s->kind == CS_K_SASL) &&
	    (ev->flags & FRAME_NUL);
}

static bool
conf_smtp_r_cmd_long(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	/* RFC 4954 4: AUTH lines and responses may reach 12288 octets. */
	if (s->kind == CS_K_SASL || (s->kind == CS_K_CMD &&
	    s->verb == CS_V_AUTH))
		return ev->len > SMTP_AUTH_LINE_MAX - 2;
	return s->kind == CS_K_CMD &&
	    (ev->len > CS_CMD_CONTENT_MAX || (ev->flags & FRAME_TOO_LONG));
}

static bool
conf_smtp_r_text_long(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);
	const char		*p, *end, *nl;

	if (s->kind != CS_K_DATA || s->body == CS_BODY_BINARYMIME)
		return false;
	if (ev->flags & FRAME_TOO_LONG)
		return true;
	p = ctx->t->log.p + ev->off;
	end = p + ev->len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			/* The kept bytes may stop mid-line. */
			return (size_t)(end - p) > CS_TEXT_CONTENT_MAX + 1 &&
			    ev->len == ev->bytes;
		if ((size_t)(nl - p) > CS_TEXT_CONTENT_MAX + 1 ||
		    ((size_t)(nl - p) == CS_TEXT_CONTENT_MAX + 1 &&
		    nl[-1] != '\r'))
			return true;
		p = nl + 1;
	}
	return false;
}

static bool
conf_smtp_r_before_greeting(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	/* The greeting unsent when the command was read, or never sent. */
	return s->prev == CS_V_NONE && !s->tls_fresh && !s->tls &&
	    (!s->greeted || (ev->flags & CAPTURE_F_PIPELINED));
}

static bool
conf_smtp_r_hello_first(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return (s->verb == CS_V_MAIL || s->verb == CS_V_RCPT ||
	    s->verb == CS_V_DATA || s->verb == CS_V_BDAT) && !s->hello_ok &&
	    !s->tls_fresh;
}


static bool
conf_smtp_r_ehlo_syntax(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);
	size_t			 n;

	if (s->verb != CS_V_EHLO && s->verb != CS_V_HELO)
		return false;
	n = strcspn(s->args, " ");
	/* RFC 5321 4.1.1.1: helo = "HELO" SP Domain; EHLO also literal. */
	if (conf_smtp_domain(s->args, n))
		return false;
	return s->verb == CS_V_HELO || !conf_smtp_addr_literal(s->args, n);
}

static bool
conf_smtp_r_mail_syntax(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);
	struct smtp_path	 p;

	if (s->verb != CS_V_MAIL)
		return false;
	return !conf_smtp_path(s, &p) || (p.flags & SMTP_ADDR_NO_BRACKETS);
}

static bool
conf_smtp_r_rcpt_syntax(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);
	struct smtp_path	 p;

	if (s->verb != CS_V_RCPT)
		return false;
	return !conf_smtp_path(s, &p) || (p.flags & SMTP_ADDR_NO_BRACKETS);
}

static bool
conf_smtp_r_mail_space(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);
	struct smtp_path	 p;

	return s->verb == CS_V_MAIL && conf_smtp_path(s, &p) &&
	    (p.flags & SMTP_ADDR_SPACE);
}

static bool
conf_smtp_r_rcpt_space(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);
	struct smtp_path	 p;

	return s->verb == CS_V_RCPT && conf_smtp_path(s, &p) &&
	    (p.flags & SMTP_ADDR_SPACE);
}

/* Is every parameter backed by an advertised extension? */
static bool
conf_smtp_params_ok(const struct conf_smtp *s, bool rcpt)
{
	static const struct {
		const char	*key;
		unsigned	 cap;
		bool		 rcpt;
	} known[] = {
		{ .key = "SIZE", .cap = CS_CAP_SIZE },
		{ .key = "BODY", .cap = CS_CAP_8BITMIME },
		{ .key = "SMTPUTF8", .cap = CS_CAP_SMTPUTF8 },
		{ .key = "RET", .cap = CS_CAP_DSN },
		{ .key = "ENVID", .cap = CS_CAP_DSN },
		{ .key = "AUTH", .cap = CS_CAP_AUTH },
		{ .key = "NOTIFY", .cap = CS_CAP_DSN, .rcpt = true },
		{ .key = "ORCPT", .cap = CS_CAP_DSN, .rcpt = true },
	};
	struct smtp_path	 p;
	const char		*pos, *k, *v;
	size_t			 kl, vl, i;
	unsigned		 need;

	if (!conf_smtp_path(s, &p))
		return true;
	pos = p.params;
	while (smtp_addr_next_param(&pos, &k, &kl, &v, &vl) == 1) {
		for (i = 0; i < nitems(known); i++)
			if (known[i].rcpt == rcpt &&
			    conf_smtp_word_eq(k, kl, known[i].key))
				break;
		if (i == nitems(known))
			return false;
		need = known[i].cap;
		/* RFC 3030 3: BODY=BINARYMIME needs BINARYMIME. */
		if (need == CS_CAP_8BITMIME && v != NULL &&
		    conf_smtp_word_eq(v, vl, "BINARYMIME"))
			need = CS_CAP_BINARYMIME;
		else if (need == CS_CAP_8BITMIME && v != NULL &&
		    conf_smtp_word_eq(v, vl, "7BIT"))
			continue;
		if ((s->caps & need) == 0)
			return false;
	}
	return true;
}

static bool
conf_smtp_r_mail_param(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return s->verb == CS_V_MAIL && !conf_smtp_params_ok(s, false);
}

static bool
conf_smtp_r_rcpt_param(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return s->verb == CS_V_RCPT && !conf_smtp_params_ok(s, true);
}

static bool
conf_smtp_r_8bit_undeclared(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);
	const struct tevent	*d;
	size_t			 i;

	if (!s->have_data || s->body != CS_BODY_7BIT || s->smtputf8)
		return false;
	d = &ctx->t->ev[s->data_idx];
	*evidence_r = s->data_idx;
	if (d->flags & FRAME_8BIT)
		return true;
	for (i = 0; i < d->len; i++)
		if ((unsigned char)ctx->t->log.p[d->off + i] >= 0x80)
			return true;
	return false;
}

static bool
conf_smtp_r_cmd_8bit(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);
	struct smtp_path	 p;

	if (!conf_smtp_has_8bit(s->line))
		return false;
	/* An address is judged by the SMTPUTF8 rules instead. */
	if (conf_smtp_path(s, &p))
		return (p.flags & SMTP_ADDR_UTF8) == 0;
	return !(s->caps & CS_CAP_SMTPUTF8) || !s->smtputf8;
}

static bool
conf_smtp_r_utf8_not_offered(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);
	struct smtp_path	 p;

	return conf_smtp_path(s, &p) && (p.flags & SMTP_ADDR_UTF8) &&
	    !(s->caps & CS_CAP_SMTPUTF8);
}

static bool
conf_smtp_r_utf8_undeclared(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);
	struct smtp_path	 p;
	const char		*pos, *k, *v;
	size_t			 kl, vl;
	bool			 decl;

	if (!conf_smtp_path(s, &p) || !(p.flags & SMTP_ADDR_UTF8) ||
	    !(s->caps & CS_CAP_SMTPUTF8))
		return false;
	if (s->verb == CS_V_RCPT)
		return !s->smtputf8;
	decl = false;
	pos = p.params;
	while (smtp_addr_next_param(&pos, &k, &kl, &v, &vl) == 1)
		if (conf_smtp_word_eq(k, kl, "SMTPUTF8"))
			decl = true;
	return !decl;
}

static bool
conf_smtp_r_pipe_not_offered(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	/* The first command is judged by before-greeting. */
	return (ev->flags & CAPTURE_F_PIPELINED) && s->prev != CS_V_NONE &&
	    !(s->caps & CS_CAP_PIPELINING);
}

static bool
conf_smtp_r_pipe_group(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return (ev->flags & CAPTURE_F_PIPELINED) &&
	    (s->caps & CS_CAP_PIPELINING) && conf_smtp_group_end(s->prev);
}

static bool
conf_smtp_r_before_354(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	/* DATA must end its group (RFC 2920 3.1): no data before 354. */
	return s->kind == CS_K_DATA && s->pending != CS_V_BDAT &&
	    (s->data_cmd || (s->in_data &&
	    (ev->flags & CAPTURE_F_PIPELINED)));
}

static bool
conf_smtp_r_bdat_not_offered(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return s->verb == CS_V_BDAT && !(s->caps & CS_CAP_CHUNKING);
}

static bool
conf_smtp_r_bdat_mixed(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return (s->verb == CS_V_BDAT && s->used_data) ||
	    (s->verb == CS_V_DATA && s->used_bdat);
}

static bool
conf_smtp_r_starttls_pipelined(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	/* The conn layer drops input read after STARTTLS (RFC 3207 4.2). */
	return s->kind == CS_K_DROPPED && !s->quit && !s->server_closing;
}

static bool
conf_smtp_r_starttls_ehlo(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return s->tls_fresh && s->verb != CS_V_EHLO && s->verb != CS_V_QUIT;
}

static bool
conf_smtp_r_starttls_active(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return s->verb == CS_V_STARTTLS && s->tls;
}

static bool
conf_smtp_r_auth_again(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return s->verb == CS_V_AUTH && s->authed;
}

static bool
conf_smtp_r_auth_not_offered(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return s->verb == CS_V_AUTH && !s->authed &&
	    !(s->caps & CS_CAP_AUTH);
}

static bool
conf_smtp_r_auth_in_tx(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return s->verb == CS_V_AUTH && s->mail_sent;
}

static bool
conf_smtp_r_sasl_b64(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);
	const char		*ir;

	if (s->kind == CS_K_SASL) {
		if (conf_smtp_redacted(s->line) || strcmp(s->line, "*") == 0)
			return false;
		return !conf_smtp_b64(s->line);
	}
	if (s->kind != CS_K_CMD || s->verb != CS_V_AUTH)
		return false;
	/* "AUTH mech [initial-response]" (RFC 4954 4). */
	ir = strchr(s->args, ' ');
	if (ir == NULL || conf_smtp_redacted(ir + 1))
		return false;
	return !conf_smtp_b64(ir + 1);
}

static bool
conf_smtp_r_no_quit(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);
	const char		*name;

	/* Only a close the client made ("eof"), never the server's. */
	if (s->quit || s->server_closing || ev == NULL ||
	    ev->kind != TEV_EVENT)
		return false;
	name = capture_tevent_name(ctx->t, ev);
	return strcmp(name, "close") == 0 &&
	    strcmp(conf_ev_text(ctx->t, ev), "eof") == 0;
}

static bool
conf_smtp_r_after_quit(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return s->quit && (s->kind == CS_K_CMD || s->kind == CS_K_DROPPED ||
	    s->kind == CS_K_DATA);
}

static bool
conf_smtp_r_rset_args(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return s->verb == CS_V_RSET && s->args[0] != '\0';
}

static bool
conf_smtp_r_data_args(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return s->verb == CS_V_DATA && s->args[0] != '\0';
}

static bool
conf_smtp_r_quit_args(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return s->verb == CS_V_QUIT && s->args[0] != '\0';
}

static bool
conf_smtp_r_local_long(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	struct smtp_path	p;

	return conf_smtp_path(CS(ctx), &p) && (p.flags & SMTP_ADDR_LOCAL_LONG);
}

static bool
conf_smtp_r_domain_long(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	struct smtp_path	p;

	return conf_smtp_path(CS(ctx), &p) &&
	    (p.flags & SMTP_ADDR_DOMAIN_LONG);
}

static bool
conf_smtp_r_path_long(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	struct smtp_path	p;

	return conf_smtp_path(CS(ctx), &p) && (p.flags & SMTP_ADDR_PATH_LONG);
}

static bool
conf_smtp_r_unstuffed_dot(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return s->data_done && strcmp(s->line, ".") == 0;
}

static bool
conf_smtp_r_rcpt_before_mail(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	/* A MAIL the server refused still counts as sent (RFC 2920 3.1). */
	return s->verb == CS_V_RCPT && !s->mail_sent && s->hello_ok;
}

static bool
conf_smtp_r_data_before_rcpt(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return (s->verb == CS_V_DATA || s->verb == CS_V_BDAT) &&
	    s->mail_sent && !s->rcpt_sent;
}

/* "AUTH PLAIN ..." or "AUTH LOGIN ..." without TLS. */
static bool
conf_smtp_cleartext_auth(const struct conf_smtp *s)
{
	size_t	n;

	if (s->verb != CS_V_AUTH || s->tls)
		return false;
	n = strcspn(s->args, " ");
	return conf_smtp_word_eq(s->args, n, "PLAIN") ||
	    conf_smtp_word_eq(s->args, n, "LOGIN");
}

static bool
conf_smtp_r_sec_starttls_offered(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return conf_smtp_cleartext_auth(s) && s->starttls_offered;
}

static bool
conf_smtp_r_sec_cleartext(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return conf_smtp_cleartext_auth(s) && !s->starttls_offered;
}

static bool
conf_smtp_r_sec_after_tls_fail(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_smtp	*s = CS(ctx);

	return s->tls_failed && (s->kind == CS_K_CMD ||
	    s->kind == CS_K_DROPPED || s->kind == CS_K_DATA);
}
