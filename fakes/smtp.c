/*
 * smtp.c: the SMTP session.  Owns the session object (state, flags,
 * counters, the SASL exchange), the one command table and the one
 * dispatcher, the reply choke point that adds RFC 3463 enhanced codes
 * (RFC 2034), and the session-level commands: HELO/EHLO (RFC 5321
 * 4.1.1.1), RSET, NOOP, QUIT, VRFY, EXPN, HELP (4.1.1.5-4.1.1.10),
 * STARTTLS (RFC 3207 4) and AUTH (RFC 4954 4).  The transaction commands
 * live in smtp_tx.c.
 *
 * Replies go out only through conn_reply(), and nothing here waits or
 * flushes per command, so pipelined groups (RFC 2920) are answered in
 * order as the conn layer hands the lines over.  It does not relay, look
 * up recipients or apply scenario rules: every domain is accepted.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/smtp_int.h"

/* Command flags. */
#define SMTP_C_NOARGS	0x01	/* parameters are a 501 */
#define SMTP_C_ARGS	0x02	/* a missing argument is a 501 */
#define SMTP_C_NOESC	0x04	/* replies carry no enhanced code (RFC
				   2034 4: responses to HELO and EHLO) */

struct smtp_cmd {
	const char	*verb;
	unsigned	 states;	/* SMTP_SM() mask where it is allowed */
	unsigned	 flags;		/* SMTP_C_* */
	bool		(*check)(struct smtp_session *, const char *);
	void		(*proceed)(struct smtp_session *, const char *);
};

/* conn_proto callbacks */
static void	smtp_on_open(struct conn *);
static void	smtp_on_item(struct conn *, const struct frame_item *);
static void	smtp_on_tls(struct conn *);
static void	smtp_on_timeout(struct conn *);
static void	smtp_on_shutdown(struct conn *);
static void	smtp_goodbye(struct conn *, const char *, const char *,
		    const char *);
static void	smtp_on_close(struct conn *, const char *);

/* session */
static void	smtp_dispatch(struct smtp_session *,
		    const struct frame_item *);
static void	smtp_end(struct smtp_session *, const char *);
static void	smtp_vreply(struct smtp_session *, int, char, const char *,
		    const char *, va_list) ATTR_PRINTF(5, 0);
static void	smtp_reply_more(struct smtp_session *, int, const char *,
		    const char *, ...) ATTR_PRINTF(4, 5);

/* session commands */
static bool	smtp_check_helo(struct smtp_session *, const char *);
static void	smtp_proceed_helo(struct smtp_session *, const char *);
static void	smtp_proceed_ehlo(struct smtp_session *, const char *);
static void	smtp_proceed_rset(struct smtp_session *, const char *);
static void	smtp_proceed_noop(struct smtp_session *, const char *);
static void	smtp_proceed_quit(struct smtp_session *, const char *);
static bool	smtp_check_vrfy(struct smtp_session *, const char *);
static void	smtp_proceed_vrfy(struct smtp_session *, const char *);
static void	smtp_proceed_expn(struct smtp_session *, const char *);
static bool	smtp_check_help(struct smtp_session *, const char *);
static void	smtp_proceed_help(struct smtp_session *, const char *);
static bool	smtp_check_starttls(struct smtp_session *, const char *);
static void	smtp_proceed_starttls(struct smtp_session *, const char *);

/* AUTH, RFC 4954 */
static bool	smtp_auth_offered(const struct smtp_session *);
static bool	smtp_auth_parse(const char *, enum sasl_mech *,
		    const char **);
static bool	smtp_check_auth(struct smtp_session *, const char *);
static void	smtp_proceed_auth(struct smtp_session *, const char *);
static void	smtp_auth_step(struct smtp_session *, const char *);
static void	smtp_auth_item(struct smtp_session *,
		    const struct frame_item *);
static void	smtp_auth_end(struct smtp_session *);

const struct conn_proto smtp_proto = {
	.name = "smtp",
	.line_max = LINE_MAX_CMD,
	.idle_sec = SMTP_IDLE_SEC,
	.busy_reply = "421 4.3.2 Too many sessions, try again later",
	.on_open = smtp_on_open,
	.on_item = smtp_on_item,
	.on_tls = smtp_on_tls,
	.on_timeout = smtp_on_timeout,
	.on_shutdown = smtp_on_shutdown,
	.on_close = smtp_on_close,
};

static const char *const smtp_state_names[] = {
	[SMTP_S_GREETING] = "GREETING",
	[SMTP_S_READY] = "READY",
	[SMTP_S_MAIL] = "MAIL",
	[SMTP_S_RCPT] = "RCPT",
	[SMTP_S_DATA] = "DATA",
	[SMTP_S_BDAT] = "BDAT",
	[SMTP_S_AUTH] = "AUTH",
	[SMTP_S_TLS] = "TLS",
	[SMTP_S_QUIT] = "QUIT",
};
_Static_assert(nitems(smtp_state_names) == SMTP_S__COUNT,
    "smtp_state_names out of sync with enum smtp_state");

#define SMTP_SM_ANY	SMTP_SM_CMD

/*
 * One row per verb.  BDAT is allowed everywhere because its chunk must be
 * read before any refusal (RFC 3030 2); smtp_proceed_bdat decides.
 */
static const struct smtp_cmd smtp_cmds[] = {
	[SMTP_CMD_HELO] = { .verb = "HELO", .states = SMTP_SM_ANY,
	    .flags = SMTP_C_ARGS | SMTP_C_NOESC, .check = smtp_check_helo,
	    .proceed = smtp_proceed_helo },
	[SMTP_CMD_EHLO] = { .verb = "EHLO", .states = SMTP_SM_ANY,
	    .flags = SMTP_C_ARGS | SMTP_C_NOESC, .check = smtp_check_helo,
	    .proceed = smtp_proceed_ehlo },
	[SMTP_CMD_MAIL] = { .verb = "MAIL", .states = SMTP_SM(SMTP_S_READY),
	    .flags = SMTP_C_ARGS, .check = smtp_check_mail,
	    .proceed = smtp_proceed_mail },
	[SMTP_CMD_RCPT] = { .verb = "RCPT", .states = SMTP_SM_TX,
	    .flags = SMTP_C_ARGS, .check = smtp_check_rcpt,
	    .proceed = smtp_proceed_rcpt },
	[SMTP_CMD_DATA] = { .verb = "DATA", .states = SMTP_SM_TX,
	    .flags = SMTP_C_NOARGS, .check = smtp_check_data,
	    .proceed = smtp_proceed_data },
	[SMTP_CMD_BDAT] = { .verb = "BDAT", .states = SMTP_SM_ANY,
	    .flags = 0, .check = smtp_check_bdat,
	    .proceed = smtp_proceed_bdat },
	[SMTP_CMD_RSET] = { .verb = "RSET", .states = SMTP_SM_ANY,
	    .flags = SMTP_C_NOARGS, .check = NULL,
	    .proceed = smtp_proceed_rset },
	[SMTP_CMD_NOOP] = { .verb = "NOOP", .states = SMTP_SM_ANY,
	    .flags = 0, .check = NULL, .proceed = smtp_proceed_noop },
	[SMTP_CMD_QUIT] = { .verb = "QUIT", .states = SMTP_SM_ANY,
	    .flags = SMTP_C_NOARGS, .check = NULL,
	    .proceed = smtp_proceed_quit },
	[SMTP_CMD_VRFY] = { .verb = "VRFY", .states = SMTP_SM_ANY,
	    .flags = SMTP_C_ARGS, .check = smtp_check_vrfy,
	    .proceed = smtp_proceed_vrfy },
	[SMTP_CMD_EXPN] = { .verb = "EXPN", .states = SMTP_SM_ANY,
	    .flags = 0, .check = NULL, .proceed = smtp_proceed_expn },
	[SMTP_CMD_HELP] = { .verb = "HELP", .states = SMTP_SM_ANY,
	    .flags = 0, .check = smtp_check_help,
	    .proceed = smtp_proceed_help },
	/* Not inside a transaction: the reset of RFC 3207 4.2 would
	   silently drop it, so say so now. */
	[SMTP_CMD_STARTTLS] = { .verb = "STARTTLS",
	    .states = SMTP_SM(SMTP_S_GREETING) | SMTP_SM(SMTP_S_READY),
	    .flags = SMTP_C_NOARGS, .check = smtp_check_starttls,
	    .proceed = smtp_proceed_starttls },
	/* RFC 4954 4: not before EHLO, not during a transaction (503). */
	[SMTP_CMD_AUTH] = { .verb = "AUTH", .states = SMTP_SM(SMTP_S_READY),
	    .flags = SMTP_C_ARGS, .check = smtp_check_auth,
	    .proceed = smtp_proceed_auth },
};
_Static_assert(nitems(smtp_cmds) == SMTP_CMD__COUNT,
    "smtp_cmds out of sync with enum smtp_cmd_id");

static const struct sasl_creds smtp_creds_any = { .accept_any = true };

/* --- configuration --- */

void
smtp_conf_defaults(struct smtp_conf *conf)
{
	*conf = (struct smtp_conf){
		.hostname = "localhost",
		.greeting = NULL,
		.ext = SMTP_EXT_ALL,
		.auth_mechs = (1u << SASL__COUNT) - 1,
		.auth = SMTP_AUTH_OPTIONAL,
		.tls_required = false,
		.size_max = SMTP_SIZE_DEFAULT,
		.rcpt_max = 0,
		.creds = NULL,
		.store = NULL,
	};
}

uint64_t
smtp_size_max(const struct smtp_session *s)
{
	return s->conf->size_max != 0 ? s->conf->size_max : SMTP_SIZE_DEFAULT;
}

bool
smtp_ext(const struct smtp_session *s, unsigned ext)
{
	return (s->conf->ext & ext) == ext;
}

/* --- states and replies --- */

const char *
smtp_state_name(enum smtp_state st)
{
	if ((unsigned)st >= SMTP_S__COUNT)
		fatalx("%s: bad state %d", __func__, (int)st);
	return smtp_state_names[st];
}

void
smtp_enter_state(struct smtp_session *s, enum smtp_state st)
{
	log_trace("%016" PRIx64 " smtp state %s -> %s", conn_id(s->conn),
	    smtp_state_name(s->state), smtp_state_name(st));
	s->state = st;
}

static void
smtp_vreply(struct smtp_session *s, int code, char sep, const char *esc,
    const char *fmt, va_list ap)
{
	char	text[REPLY_LINE_MAX - 32];

	vsnprintf(text, sizeof(text), fmt, ap);
	/* RFC 2034 4: codes on 2xx, 4xx and 5xx lines only, never 3xx. */
	if (esc != NULL && code / 100 != 3 && smtp_ext(s, SMTP_EXT_ENHANCED))
		conn_reply(s->conn, "%d%c%s %s", code, sep, esc, text);
	else
		conn_reply(s->conn, "%d%c%s", code, sep, text);
}

void
smtp_reply(struct smtp_session *s, int code, const char *esc,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	smtp_vreply(s, code, ' ', esc, fmt, ap);
	va_end(ap);
}

static void
smtp_reply_more(struct smtp_session *s, int code, const char *esc,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	smtp_vreply(s, code, '-', esc, fmt, ap);
	va_end(ap);
}

void
smtp_error(struct smtp_session *s, int code, const char *esc,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	smtp_vreply(s, code, ' ', esc, fmt, ap);
	va_end(ap);
	if (++s->errors < SMTP_ERRORS_MAX || s->state == SMTP_S_QUIT)
		return;
	smtp_reply(s, 421, "4.7.0", "%s Too many errors", s->conf->hostname);
	smtp_end(s, "errors");
}

/* Drop the transaction and close once the last reply is out. */
static void
smtp_end(struct smtp_session *s, const char *reason)
{
	if (s->sasl != NULL)
		smtp_auth_end(s);
	smtp_tx_free(s);
	smtp_enter_state(s, SMTP_S_QUIT);
	conn_close_after_flush(s->conn, reason);
}

/* --- conn_proto callbacks --- */

static void
smtp_on_open(struct conn *c)
{
	struct smtp_session	*s;
	const struct smtp_conf	*conf = conn_port(c)->conf;

	if (conf == NULL)
		fatalx("%s: port %s has no smtp_conf", __func__,
		    conn_port(c)->name);
	s = xcalloc(1, sizeof(*s));
	s->conn = c;
	s->conf = conf;
	s->state = SMTP_S_GREETING;
	buf_init(&s->line, LINE_MAX_CMD);
	conn_set_data(c, s);
	log_debug("%016" PRIx64 " smtp open port=%s", conn_id(c),
	    conn_port(c)->name);
	/* RFC 2034 4: the greeting carries no enhanced code. */
	if (!smtp_rules(s, CONN_ST_GREETING, NULL, NULL))
		smtp_reply(s, 220, NULL, "%s %s", conf->hostname,
		    conf->greeting != NULL ? conf->greeting : "ESMTP mailrig");
}

static void
smtp_on_item(struct conn *c, const struct frame_item *it)
{
	struct smtp_session	*s = conn_data(c);

	switch (s->state) {
	case SMTP_S_GREETING:
	case SMTP_S_READY:
	case SMTP_S_MAIL:
	case SMTP_S_RCPT:
		smtp_dispatch(s, it);
		break;
	case SMTP_S_DATA:
		smtp_tx_data_item(s, it);
		break;
	case SMTP_S_BDAT:
		smtp_tx_bdat_item(s, it);
		break;
	case SMTP_S_AUTH:
		smtp_auth_item(s, it);
		break;
	case SMTP_S_TLS:
	case SMTP_S_QUIT:
		/* The conn layer drops input here; nothing to answer. */
		break;
	default:
		fatalx("%s: bad state %d", __func__, (int)s->state);
	}
}

/* RFC 3207 4.2: discard all knowledge obtained before the handshake. */
static void
smtp_on_tls(struct conn *c)
{
	struct smtp_session	*s = conn_data(c);

	if (s == NULL || s->state == SMTP_S_QUIT)
		return;
	if (s->sasl != NULL)
		smtp_auth_end(s);
	smtp_tx_free(s);
	s->flags = 0;
	s->helo[0] = '\0';
	free(s->auth_user);
	s->auth_user = NULL;
	conn_set_user(s->conn, NULL);
	smtp_enter_state(s, SMTP_S_GREETING);
}

/*
 * The server ends the session (RFC 5321 3.8: 421 then close); an open
 * DATA transfer is not stored.  Mid-handshake a plaintext reply would only
 * corrupt it, so the session just ends.
 */
static void
smtp_goodbye(struct conn *c, const char *esc, const char *text,
    const char *reason)
{
	struct smtp_session	*s = conn_data(c);

	if (s->state == SMTP_S_QUIT)
		return;
	if (s->state != SMTP_S_TLS)
		smtp_reply(s, 421, esc, "%s %s", s->conf->hostname, text);
	smtp_end(s, reason);
}

/* RFC 5321 4.5.3.2.7 */
static void
smtp_on_timeout(struct conn *c)
{
	smtp_goodbye(c, "4.4.2", "Error: timeout exceeded", "timeout");
}

static void
smtp_on_shutdown(struct conn *c)
{
	smtp_goodbye(c, "4.3.2", "Service shutting down", "shutdown");
}

static void
smtp_on_close(struct conn *c, const char *reason)
{
	struct smtp_session	*s = conn_data(c);

	if (s == NULL)
		return;
	log_debug("%016" PRIx64 " smtp close reason=%s", conn_id(c),
	    reason != NULL ? reason : "-");
	sasl_free(s->sasl);
	smtp_tx_free(s);
	free(s->auth_user);
	buf_fini(&s->line);
	free(s);
	conn_set_data(c, NULL);
}

/* --- the dispatcher --- */

static void
smtp_dispatch(struct smtp_session *s, const struct frame_item *it)
{
	const struct smtp_cmd	*cmd = NULL;
	const char		*line, *args;
	size_t			 len, vlen, i;

	/* RFC 5321 4.5.3.1.4; the framer skipped to the LF (STYLE 3.8). */
	if (it->flags & FRAME_TOO_LONG) {
		smtp_error(s, 500, "5.5.2", "Line too long");
		return;
	}
	if (it->flags & FRAME_NUL) {
		smtp_error(s, 500, "5.5.2", "NUL byte in command");
		return;
	}
	/* Liberal: trailing blanks ("DATA ") are common and harmless. */
	for (len = it->len; len > 0 && (it->p[len - 1] == ' ' ||
	    it->p[len - 1] == '\t'); len--)
		;
	buf_reset(&s->line);
	if (buf_append(&s->line, it->p, len) == -1) {
		smtp_error(s, 500, "5.5.2", "Line too long");
		return;
	}
	line = buf_cstr(&s->line);
	vlen = strcspn(line, " ");
	for (i = 0; i < nitems(smtp_cmds); i++) {
		if (strlen(smtp_cmds[i].verb) == vlen &&
		    strncasecmp(smtp_cmds[i].verb, line, vlen) == 0) {
			cmd = &smtp_cmds[i];
			break;
		}
	}
	if (cmd == NULL) {
		smtp_error(s, 500, "5.5.2", "Error: command not recognized");
		return;
	}
	s->counts[i]++;
	for (args = line + vlen; *args == ' '; args++)
		;
	if (!(cmd->states & SMTP_SM(s->state))) {
		smtp_error(s, 503, "5.5.1", "Bad sequence of commands");
		return;
	}
	if ((cmd->flags & SMTP_C_NOARGS) && *args != '\0') {
		smtp_error(s, 501, "5.5.4",
		    "Syntax error (no parameters allowed)");
		return;
	}
	if ((cmd->flags & SMTP_C_ARGS) && *args == '\0') {
		smtp_error(s, 501, cmd->flags & SMTP_C_NOESC ? NULL : "5.5.4",
		    "Syntax error: %s needs an argument", cmd->verb);
		return;
	}
	if (cmd->check != NULL && !cmd->check(s, args))
		return;
	if (smtp_rules(s, CONN_ST_COMMAND, cmd->verb, args))
		return;
	cmd->proceed(s, args);
}

/*
 * A replaced reply is sent as the scenario wrote it (validated at load).
 * 421 always closes (RFC 5321 3.8), as it would coming from the server.
 */
bool
smtp_rules(struct smtp_session *s, enum conn_stage st, const char *verb,
    const char *args)
{
	const struct conn_verdict	*v;
	size_t				 i;

	if ((v = conn_ask(s->conn, st, verb, args)) == NULL || v->nlines == 0)
		return false;
	for (i = 0; i < v->nlines; i++)
		conn_reply(s->conn, "%s", v->lines[i]);
	if (strncmp(v->lines[0], "421", 3) == 0)
		smtp_end(s, "fault: 421");
	return true;
}

/* --- HELO, EHLO, RSET, NOOP, QUIT, VRFY, EXPN, HELP --- */

static bool
smtp_check_helo(struct smtp_session *s, const char *args)
{
	const unsigned char	*p;

	if (strlen(args) > SMTP_HELO_MAX) {
		smtp_error(s, 501, NULL, "Domain name too long");
		return false;
	}
	/* The argument is echoed in the reply: no control characters. */
	for (p = (const unsigned char *)args; *p != '\0'; p++) {
		if (*p < 32 || *p == 127) {
			smtp_error(s, 501, NULL, "Invalid domain name");
			return false;
		}
	}
	return true;
}

/* RFC 5321 4.1.4: HELO/EHLO also reset any transaction, like RSET. */
static void
smtp_proceed_helo(struct smtp_session *s, const char *args)
{
	smtp_tx_free(s);
	if (!str_copy(s->helo, args, sizeof(s->helo)))
		fatalx("%s: checked length", __func__);
	s->flags = (s->flags & ~SMTP_F_EHLO) | SMTP_F_HELO;
	smtp_enter_state(s, SMTP_S_READY);
	smtp_reply(s, 250, NULL, "%s", s->conf->hostname);
}

static void
smtp_proceed_ehlo(struct smtp_session *s, const char *args)
{
	const char	*kw[16];
	char		 size[40], auth[80];
	size_t		 n = 0, i, alen;
	unsigned	 m;

	smtp_tx_free(s);
	if (!str_copy(s->helo, args, sizeof(s->helo)))
		fatalx("%s: checked length", __func__);
	s->flags = (s->flags & ~SMTP_F_HELO) | SMTP_F_EHLO;
	smtp_enter_state(s, SMTP_S_READY);
	if (smtp_ext(s, SMTP_EXT_SIZE)) {
		snprintf(size, sizeof(size), "SIZE %" PRIu64, smtp_size_max(s));
		kw[n++] = size;
	}
	if (smtp_ext(s, SMTP_EXT_PIPELINING))
		kw[n++] = "PIPELINING";
	if (smtp_ext(s, SMTP_EXT_8BITMIME))
		kw[n++] = "8BITMIME";
	if (smtp_ext(s, SMTP_EXT_SMTPUTF8))
		kw[n++] = "SMTPUTF8";
	if (smtp_ext(s, SMTP_EXT_ENHANCED))
		kw[n++] = "ENHANCEDSTATUSCODES";
	/* RFC 3207 4.2: never offered again once TLS is up. */
	if (smtp_ext(s, SMTP_EXT_STARTTLS) && conn_port(s->conn)->tls != NULL &&
	    !conn_tls_active(s->conn))
		kw[n++] = "STARTTLS";
	if (smtp_auth_offered(s)) {
		alen = (size_t)snprintf(auth, sizeof(auth), "AUTH");
		for (m = 0; m < SASL__COUNT && alen < sizeof(auth); m++)
			if (s->conf->auth_mechs & (1u << m))
				alen += (size_t)snprintf(auth + alen,
				    sizeof(auth) - alen, " %s",
				    sasl_mech_name(m));
		kw[n++] = auth;
	}
	if (smtp_ext(s, SMTP_EXT_CHUNKING))
		kw[n++] = "CHUNKING";
	if (smtp_ext(s, SMTP_EXT_BINARYMIME | SMTP_EXT_CHUNKING))
		kw[n++] = "BINARYMIME";
	if (smtp_ext(s, SMTP_EXT_DSN))
		kw[n++] = "DSN";
	if (smtp_ext(s, SMTP_EXT_VRFY))
		kw[n++] = "VRFY";
	if (smtp_ext(s, SMTP_EXT_HELP))
		kw[n++] = "HELP";
	/* RFC 5321 4.1.1.1 / 4.2.1: the last line alone has "250 ". */
	conn_reply(s->conn, "250%c%s greets %s", n > 0 ? '-' : ' ',
	    s->conf->hostname, s->helo);
	for (i = 0; i < n; i++)
		conn_reply(s->conn, "250%c%s", i + 1 < n ? '-' : ' ', kw[i]);
}

/* RFC 5321 4.1.1.5 */
static void
smtp_proceed_rset(struct smtp_session *s, const char *args)
{
	smtp_tx_free(s);
	if (s->state != SMTP_S_GREETING)
		smtp_enter_state(s, SMTP_S_READY);
	smtp_reply(s, 250, "2.0.0", "Ok");
}

static void
smtp_proceed_noop(struct smtp_session *s, const char *args)
{
	smtp_reply(s, 250, "2.0.0", "Ok");
}

/* RFC 5321 4.1.1.10: an open transaction is dropped, not delivered. */
static void
smtp_proceed_quit(struct smtp_session *s, const char *args)
{
	smtp_reply(s, 221, "2.0.0", "Bye");
	smtp_end(s, "quit");
}

static bool
smtp_check_vrfy(struct smtp_session *s, const char *args)
{
	if (!smtp_ext(s, SMTP_EXT_VRFY)) {
		smtp_error(s, 502, "5.5.1", "VRFY command is disabled");
		return false;
	}
	return true;
}

/* RFC 5321 3.5.3 and 7.3: 252, which claims neither yes nor no. */
static void
smtp_proceed_vrfy(struct smtp_session *s, const char *args)
{
	smtp_reply(s, 252, "2.5.0", "Cannot VRFY user, but will accept "
	    "message and attempt delivery");
}

/*
 * RFC 5321 3.5.2 makes EXPN a SHOULD; a catch-all has no lists to expand,
 * so the command is simply not implemented (4.2.4, 502).
 */
static void
smtp_proceed_expn(struct smtp_session *s, const char *args)
{
	smtp_error(s, 502, "5.5.1", "EXPN not supported");
}

/*
 * RFC 5321 4.1.1.8 lets a server answer HELP; a scenario that lists its
 * capabilities without HELP gets the 502 of 4.2.4, as VRFY does.
 */
static bool
smtp_check_help(struct smtp_session *s, const char *args)
{
	if (!smtp_ext(s, SMTP_EXT_HELP)) {
		smtp_error(s, 502, "5.5.1", "HELP command is disabled");
		return false;
	}
	return true;
}

/* RFC 5321 4.1.1.8 */
static void
smtp_proceed_help(struct smtp_session *s, const char *args)
{
	char	list[128];
	size_t	i;

	list[0] = '\0';
	for (i = 0; i < nitems(smtp_cmds); i++) {
		if (i > 0)
			strncat(list, " ", sizeof(list) - strlen(list) - 1);
		strncat(list, smtp_cmds[i].verb,
		    sizeof(list) - strlen(list) - 1);
	}
	smtp_reply_more(s, 214, "2.0.0", "mailrig, a test mail server");
	smtp_reply_more(s, 214, "2.0.0", "Commands: %s", list);
	smtp_reply(s, 214, "2.0.0", "End of HELP info");
}

/* --- STARTTLS, RFC 3207 --- */

static bool
smtp_check_starttls(struct smtp_session *s, const char *args)
{
	if (!smtp_ext(s, SMTP_EXT_STARTTLS)) {
		smtp_error(s, 502, "5.5.1", "Command not implemented");
		return false;
	}
	if (conn_port(s->conn)->tls == NULL) {
		smtp_error(s, 454, "4.7.0", "TLS not available");
		return false;
	}
	/* RFC 3207 4.2 forbids a second STARTTLS but names no code. */
	if (conn_tls_active(s->conn)) {
		smtp_error(s, 503, "5.5.1", "TLS already active");
		return false;
	}
	return true;
}

static void
smtp_proceed_starttls(struct smtp_session *s, const char *args)
{
	smtp_reply(s, 220, "2.0.0", "Ready to start TLS");
	smtp_enter_state(s, SMTP_S_TLS);
	if (conn_starttls(s->conn) == -1) {
		log_warnx("%016" PRIx64 " smtp starttls failed",
		    conn_id(s->conn));
		smtp_end(s, "starttls");
	}
}

/* --- AUTH, RFC 4954 --- */

/* Offered only where it would be accepted (RFC 4954 6, on 538). */
static bool
smtp_auth_offered(const struct smtp_session *s)
{
	bool	tls = conn_tls_active(s->conn);

	if (!smtp_ext(s, SMTP_EXT_AUTH) || s->conf->auth == SMTP_AUTH_NONE ||
	    (s->conf->auth_mechs & ((1u << SASL__COUNT) - 1)) == 0)
		return false;
	if (s->conf->auth == SMTP_AUTH_AFTER_TLS && !tls)
		return false;
	return !s->conf->tls_required || tls;
}

/* "mech [initial-response]"; false if it is not that shape. */
static bool
smtp_auth_parse(const char *args, enum sasl_mech *mech, const char **ir)
{
	char		 name[32];
	size_t		 len;

	len = strcspn(args, " ");
	if (!str_copyn(name, args, len, sizeof(name)) ||
	    !sasl_mech_from_name(name, mech))
		return false;
	for (args += len; *args == ' '; args++)
		;
	*ir = *args != '\0' ? args : NULL;
	return true;
}

static bool
smtp_check_auth(struct smtp_session *s, const char *args)
{
	enum sasl_mech	 mech;
	const char	*ir;

	if (!smtp_ext(s, SMTP_EXT_AUTH) || s->conf->auth == SMTP_AUTH_NONE) {
		smtp_error(s, 502, "5.5.1", "Command not implemented");
		return false;
	}
	if (!(s->flags & SMTP_F_EHLO)) {
		smtp_error(s, 503, "5.5.1", "Send EHLO first");
		return false;
	}
	if (s->flags & SMTP_F_AUTHED) {
		smtp_error(s, 503, "5.5.1", "Already authenticated");
		return false;
	}
	if (s->conf->auth == SMTP_AUTH_AFTER_TLS &&
	    !conn_tls_active(s->conn)) {
		smtp_error(s, 538, "5.7.11", "Encryption required for "
		    "requested authentication mechanism");
		return false;
	}
	if (s->conf->tls_required && !conn_tls_active(s->conn)) {
		smtp_error(s, 530, "5.7.0",
		    "Must issue a STARTTLS command first");
		return false;
	}
	if (!smtp_auth_parse(args, &mech, &ir) ||
	    !(s->conf->auth_mechs & (1u << mech))) {
		smtp_error(s, 504, "5.5.4", "Unrecognized authentication type");
		return false;
	}
	if (ir != NULL && strchr(ir, ' ') != NULL) {
		smtp_error(s, 501, "5.5.4", "Syntax: AUTH mechanism "
		    "[initial-response]");
		return false;
	}
	return true;
}

static void
smtp_proceed_auth(struct smtp_session *s, const char *args)
{
	enum sasl_mech	 mech;
	const char	*ir;

	if (!smtp_auth_parse(args, &mech, &ir))
		fatalx("%s: checked arguments", __func__);
	s->sasl = sasl_new(mech, s->conf->creds != NULL ? s->conf->creds :
	    &smtp_creds_any, s->conf->hostname);
	smtp_auth_step(s, ir);
}

static void
smtp_auth_step(struct smtp_session *s, const char *in)
{
	const char		*chal = NULL;
	enum sasl_status	 st;

	st = sasl_step(s->sasl, in, &chal);
	switch (st) {
	case SASL_CONTINUE:
		/* RFC 4954 4: an empty challenge is "334 " exactly. */
		smtp_reply(s, 334, NULL, "%s", chal != NULL ? chal : "");
		if (s->state != SMTP_S_AUTH) {
			smtp_enter_state(s, SMTP_S_AUTH);
			conn_set_secret(s->conn, true);
		}
		break;
	case SASL_OK:
		free(s->auth_user);
		s->auth_user = xstrdup(sasl_user(s->sasl) != NULL ?
		    sasl_user(s->sasl) : "");
		s->flags |= SMTP_F_AUTHED;
		conn_set_user(s->conn, s->auth_user);
		smtp_auth_end(s);
		smtp_reply(s, 235, "2.7.0", "Authentication successful");
		break;
	case SASL_FAIL:
		smtp_auth_end(s);
		smtp_error(s, 535, "5.7.8",
		    "Authentication credentials invalid");
		break;
	case SASL_BAD:
		smtp_auth_end(s);
		smtp_error(s, 501, "5.5.2", "Cannot decode response");
		break;
	case SASL_CANCEL:
		smtp_auth_end(s);
		smtp_error(s, 501, "5.0.0", "Authentication cancelled");
		break;
	default:
		fatalx("%s: bad sasl status %d", __func__, (int)st);
	}
}

static void
smtp_auth_item(struct smtp_session *s, const struct frame_item *it)
{
	/* RFC 4954 4: a response longer than our buffer fails with 500. */
	if ((it->flags & FRAME_TOO_LONG) || it->len > SMTP_AUTH_LINE_MAX) {
		smtp_auth_end(s);
		smtp_error(s, 500, "5.5.6",
		    "Authentication Exchange line is too long");
		return;
	}
	buf_reset(&s->line);
	if (buf_append(&s->line, it->p, it->len) == -1)
		fatalx("%s: line over its cap", __func__);
	smtp_auth_step(s, buf_cstr(&s->line));
}

static void
smtp_auth_end(struct smtp_session *s)
{
	sasl_free(s->sasl);
	s->sasl = NULL;
	if (s->state == SMTP_S_AUTH) {
		conn_set_secret(s->conn, false);
		smtp_enter_state(s, SMTP_S_READY);
	}
}
