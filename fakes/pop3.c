/*
 * pop3.c: the POP3 session.  Owns the session object (state, counters,
 * the SASL exchange, the maildrop snapshot and lock), the one command
 * table and the one dispatcher, and every command: the AUTHORIZATION,
 * TRANSACTION and UPDATE states of RFC 1939 3-6 with USER, PASS, APOP,
 * QUIT, STAT, LIST, RETR, DELE, NOOP, RSET, TOP and UIDL (RFC 1939 5-7),
 * CAPA and the response codes (RFC 2449 5, 6, 8; RFC 3206), STLS (RFC
 * 2595 4) and AUTH (RFC 5034 4).  The multi-line writer for RETR and TOP
 * lives in pop3_out.c.
 *
 * The maildrop is the INBOX of the store user that logs in, fixed at login
 * (RFC 1939 5: message numbers do not change during a session); DELE only
 * marks, and the marked messages leave the store in UPDATE, after QUIT.
 * An idle timeout, a shutdown or a lost connection never reaches UPDATE.
 * Replies go out only through conn_reply() and conn_write_*().
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fakes/base/clock.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/pop3_int.h"

/* Command flags. */
#define POP3_C_RAW	0x01	/* the rest of the line is one argument
				   (RFC 1939 7: spaces may be part of a
				   password) */
#define POP3_C_LONG	0x02	/* may pass POP3_CMD_LINE_MAX (AUTH with
				   an initial response) */

/* Response codes (RFC 2449 8, RFC 3206); each needs its capability. */
enum pop3_code {
	POP3_RC_NONE,
	POP3_RC_IN_USE,
	POP3_RC_LOGIN_DELAY,
	POP3_RC_AUTH,
	POP3_RC_SYS_TEMP,
	POP3_RC_SYS_PERM,
	POP3_RC__COUNT
};

#define POP3_ARGS_MAX	2

struct pop3_args {
	size_t		 argc;
	const char	*argv[POP3_ARGS_MAX];	/* point into s->line */
};

struct pop3_cmd {
	const char	*verb;
	unsigned	 states;	/* POP3_SM() mask where it is allowed */
	unsigned	 flags;		/* POP3_C_* */
	size_t		 args_min;
	size_t		 args_max;
	bool		(*check)(struct pop3_session *,
			    const struct pop3_args *);
	void		(*proceed)(struct pop3_session *,
			    const struct pop3_args *);
};

/* conn_proto callbacks */
static void	pop3_on_open(struct conn *);
static void	pop3_on_item(struct conn *, const struct frame_item *);
static void	pop3_on_tls(struct conn *);
static void	pop3_on_timeout(struct conn *);
static void	pop3_on_shutdown(struct conn *);
static void	pop3_goodbye(struct conn *, const char *, const char *);
static void	pop3_on_close(struct conn *, const char *);

/* session */
static void	pop3_enter_state(struct pop3_session *, enum pop3_state);
static bool	pop3_rules(struct pop3_session *, enum conn_stage,
		    const char *, const char *);
static void	pop3_dispatch(struct pop3_session *,
		    const struct frame_item *);
static bool	pop3_split(struct pop3_session *, const struct pop3_cmd *,
		    char *, struct pop3_args *);
static void	pop3_end(struct pop3_session *, const char *);
static void	pop3_ok(struct pop3_session *, const char *, ...)
		    ATTR_PRINTF(2, 3);
static void	pop3_verr(struct pop3_session *, enum pop3_code,
		    const char *, va_list) ATTR_PRINTF(3, 0);
static void	pop3_err(struct pop3_session *, enum pop3_code,
		    const char *, ...) ATTR_PRINTF(3, 4);
static void	pop3_error(struct pop3_session *, enum pop3_code,
		    const char *, ...) ATTR_PRINTF(3, 4);
static bool	pop3_capa(const struct pop3_session *, unsigned);
static bool	pop3_login_offered(const struct pop3_session *);
static void	pop3_timestamp(struct pop3_session *);

/* the maildrop */
static void	pop3_login(struct pop3_session *, const char *);
static void	pop3_drop_free(struct pop3_session *);
static void	pop3_totals(const struct pop3_session *, size_t *,
		    uint64_t *);
static bool	pop3_msgno(struct pop3_session *, const char *, size_t *);
static void	pop3_update(struct pop3_session *);

/* AUTHORIZATION: USER, PASS, APOP (RFC 1939 7), STLS, AUTH */
static bool	pop3_check_login(struct pop3_session *,
		    const struct pop3_args *);
static bool	pop3_check_user(struct pop3_session *,
		    const struct pop3_args *);
static void	pop3_proceed_user(struct pop3_session *,
		    const struct pop3_args *);
static bool	pop3_check_pass(struct pop3_session *,
		    const struct pop3_args *);
static void	pop3_proceed_pass(struct pop3_session *,
		    const struct pop3_args *);
static bool	pop3_check_apop(struct pop3_session *,
		    const struct pop3_args *);
static void	pop3_proceed_apop(struct pop3_session *,
		    const struct pop3_args *);
static bool	pop3_apop_digest(const char *, const char *, char[33]);
static bool	pop3_check_stls(struct pop3_session *,
		    const struct pop3_args *);
static void	pop3_proceed_stls(struct pop3_session *,
		    const struct pop3_args *);
static bool	pop3_check_auth(struct pop3_session *,
		    const struct pop3_args *);
static void	pop3_proceed_auth(struct pop3_session *,
		    const struct pop3_args *);
static void	pop3_auth_step(struct pop3_session *, const char *);
static void	pop3_auth_item(struct pop3_session *,
		    const struct frame_item *);
static void	pop3_auth_end(struct pop3_session *);

/* both states */
static void	pop3_proceed_capa(struct pop3_session *,
		    const struct pop3_args *);
static void	pop3_proceed_quit(struct pop3_session *,
		    const struct pop3_args *);

/* TRANSACTION (RFC 1939 5, 7) */
static void	pop3_proceed_stat(struct pop3_session *,
		    const struct pop3_args *);
static void	pop3_proceed_list(struct pop3_session *,
		    const struct pop3_args *);
static void	pop3_proceed_retr(struct pop3_session *,
		    const struct pop3_args *);
static void	pop3_proceed_dele(struct pop3_session *,
		    const struct pop3_args *);
static void	pop3_proceed_noop(struct pop3_session *,
		    const struct pop3_args *);
static void	pop3_proceed_rset(struct pop3_session *,
		    const struct pop3_args *);
static void	pop3_proceed_top(struct pop3_session *,
		    const struct pop3_args *);
static void	pop3_proceed_uidl(struct pop3_session *,
		    const struct pop3_args *);

const struct conn_proto pop3_proto = {
	.name = "pop3",
	.line_max = LINE_MAX_CMD,
	.idle_sec = POP3_IDLE_SEC,
	.busy_reply = "-ERR [SYS/TEMP] too many sessions, try again later",
	.on_open = pop3_on_open,
	.on_item = pop3_on_item,
	.on_tls = pop3_on_tls,
	.on_timeout = pop3_on_timeout,
	.on_shutdown = pop3_on_shutdown,
	.on_close = pop3_on_close,
};

static const char *const pop3_state_names[] = {
	[POP3_S_AUTHORIZATION] = "AUTHORIZATION",
	[POP3_S_TRANSACTION] = "TRANSACTION",
	[POP3_S_UPDATE] = "UPDATE",
	[POP3_S_SASL] = "SASL",
	[POP3_S_TLS] = "TLS",
	[POP3_S_QUIT] = "QUIT",
};
_Static_assert(nitems(pop3_state_names) == POP3_S__COUNT,
    "pop3_state_names out of sync with enum pop3_state");

/* The capability each code needs before it may be sent. */
static const struct {
	const char	*text;
	unsigned	 capa;
} pop3_codes[] = {
	[POP3_RC_NONE] = { .text = NULL, .capa = 0 },
	[POP3_RC_IN_USE] = { .text = "IN-USE", .capa = POP3_CAPA_RESP_CODES },
	[POP3_RC_LOGIN_DELAY] = { .text = "LOGIN-DELAY",
	    .capa = POP3_CAPA_RESP_CODES },
	[POP3_RC_AUTH] = { .text = "AUTH",
	    .capa = POP3_CAPA_RESP_CODES | POP3_CAPA_AUTH_RESP },
	[POP3_RC_SYS_TEMP] = { .text = "SYS/TEMP",
	    .capa = POP3_CAPA_RESP_CODES },
	[POP3_RC_SYS_PERM] = { .text = "SYS/PERM",
	    .capa = POP3_CAPA_RESP_CODES },
};
_Static_assert(nitems(pop3_codes) == POP3_RC__COUNT,
    "pop3_codes out of sync with enum pop3_code");

#define POP3_SM_AUTH	POP3_SM(POP3_S_AUTHORIZATION)
#define POP3_SM_TRANS	POP3_SM(POP3_S_TRANSACTION)
#define POP3_SM_BOTH	(POP3_SM_AUTH | POP3_SM_TRANS)

static const struct pop3_cmd pop3_cmds[] = {
	[POP3_CMD_USER] = { .verb = "USER", .states = POP3_SM_AUTH,
	    .args_min = 1, .args_max = 1, .check = pop3_check_user,
	    .proceed = pop3_proceed_user },
	[POP3_CMD_PASS] = { .verb = "PASS", .states = POP3_SM_AUTH,
	    .flags = POP3_C_RAW, .args_min = 1, .args_max = 1,
	    .check = pop3_check_pass, .proceed = pop3_proceed_pass },
	[POP3_CMD_APOP] = { .verb = "APOP", .states = POP3_SM_AUTH,
	    .args_min = 2, .args_max = 2, .check = pop3_check_apop,
	    .proceed = pop3_proceed_apop },
	[POP3_CMD_AUTH] = { .verb = "AUTH", .states = POP3_SM_AUTH,
	    .flags = POP3_C_LONG, .args_min = 1, .args_max = 2,
	    .check = pop3_check_auth, .proceed = pop3_proceed_auth },
	[POP3_CMD_STLS] = { .verb = "STLS", .states = POP3_SM_AUTH,
	    .check = pop3_check_stls, .proceed = pop3_proceed_stls },
	[POP3_CMD_CAPA] = { .verb = "CAPA", .states = POP3_SM_BOTH,
	    .proceed = pop3_proceed_capa },
	[POP3_CMD_QUIT] = { .verb = "QUIT", .states = POP3_SM_BOTH,
	    .proceed = pop3_proceed_quit },
	[POP3_CMD_STAT] = { .verb = "STAT", .states = POP3_SM_TRANS,
	    .proceed = pop3_proceed_stat },
	[POP3_CMD_LIST] = { .verb = "LIST", .states = POP3_SM_TRANS,
	    .args_max = 1, .proceed = pop3_proceed_list },
	[POP3_CMD_RETR] = { .verb = "RETR", .states = POP3_SM_TRANS,
	    .args_min = 1, .args_max = 1, .proceed = pop3_proceed_retr },
	[POP3_CMD_DELE] = { .verb = "DELE", .states = POP3_SM_TRANS,
	    .args_min = 1, .args_max = 1, .proceed = pop3_proceed_dele },
	[POP3_CMD_NOOP] = { .verb = "NOOP", .states = POP3_SM_TRANS,
	    .proceed = pop3_proceed_noop },
	[POP3_CMD_RSET] = { .verb = "RSET", .states = POP3_SM_TRANS,
	    .proceed = pop3_proceed_rset },
	[POP3_CMD_TOP] = { .verb = "TOP", .states = POP3_SM_TRANS,
	    .args_min = 2, .args_max = 2, .proceed = pop3_proceed_top },
	[POP3_CMD_UIDL] = { .verb = "UIDL", .states = POP3_SM_TRANS,
	    .args_max = 1, .proceed = pop3_proceed_uidl },
};
_Static_assert(nitems(pop3_cmds) == POP3_CMD__COUNT,
    "pop3_cmds out of sync with enum pop3_cmd_id");

static const struct sasl_creds pop3_creds_any = { .accept_any = true };

/* --- configuration --- */

void
pop3_conf_defaults(struct pop3_conf *conf)
{
	*conf = (struct pop3_conf){
		.hostname = "localhost",
		.greeting = NULL,
		.capa = POP3_CAPA_ALL,
		.auth_mechs = (1u << SASL__COUNT) - 1,
		.tls_required = false,
		.creds = NULL,
		.store = NULL,
	};
}

/* --- states and replies --- */

const char *
pop3_state_name(enum pop3_state st)
{
	if ((unsigned)st >= POP3_S__COUNT)
		fatalx("%s: bad state %d", __func__, (int)st);
	return pop3_state_names[st];
}

const char *
pop3_cmd_verb(enum pop3_cmd_id id)
{
	if ((unsigned)id >= POP3_CMD__COUNT)
		fatalx("%s: bad command %d", __func__, (int)id);
	return pop3_cmds[id].verb;
}

static void
pop3_enter_state(struct pop3_session *s, enum pop3_state st)
{
	log_trace("%016" PRIx64 " pop3 state %s -> %s", conn_id(s->conn),
	    pop3_state_name(s->state), pop3_state_name(st));
	s->state = st;
}

static bool
pop3_capa(const struct pop3_session *s, unsigned capa)
{
	return (s->conf->capa & capa) == capa;
}

static void
pop3_ok(struct pop3_session *s, const char *fmt, ...)
{
	char	text[REPLY_LINE_MAX - 32];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	conn_reply(s->conn, "+OK %s", text);
}

/* A code goes out only with the capability that announces it. */
static void
pop3_verr(struct pop3_session *s, enum pop3_code code, const char *fmt,
    va_list ap)
{
	char	text[REPLY_LINE_MAX - 32];

	if ((unsigned)code >= POP3_RC__COUNT)
		fatalx("%s: bad code %d", __func__, (int)code);
	vsnprintf(text, sizeof(text), fmt, ap);
	if (code != POP3_RC_NONE && pop3_capa(s, pop3_codes[code].capa))
		conn_reply(s->conn, "-ERR [%s] %s", pop3_codes[code].text,
		    text);
	else
		conn_reply(s->conn, "-ERR %s", text);
}

static void
pop3_err(struct pop3_session *s, enum pop3_code code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	pop3_verr(s, code, fmt, ap);
	va_end(ap);
}

/* The same, counted as a protocol error; may end the session. */
static void
pop3_error(struct pop3_session *s, enum pop3_code code, const char *fmt,
    ...)
{
	va_list	ap;

	va_start(ap, fmt);
	pop3_verr(s, code, fmt, ap);
	va_end(ap);
	if (++s->errors < POP3_ERRORS_MAX || s->state == POP3_S_QUIT)
		return;
	pop3_err(s, POP3_RC_NONE, "too many errors, closing");
	pop3_end(s, "errors");
}

/* Close once the last reply is out; never reaches UPDATE. */
static void
pop3_end(struct pop3_session *s, const char *reason)
{
	if (s->sasl != NULL)
		pop3_auth_end(s);
	if (s->state != POP3_S_UPDATE)
		pop3_enter_state(s, POP3_S_QUIT);
	conn_close_after_flush(s->conn, reason);
}

/* RFC 2595 / RFC 8314 advice: no cleartext login unless TLS is up. */
static bool
pop3_login_offered(const struct pop3_session *s)
{
	return !s->conf->tls_required || conn_tls_active(s->conn);
}

/*
 * RFC 1939 7: a msg-id shaped timestamp, unique per greeting.  The clock
 * and the session id make it so within one process, the pid across runs.
 */
static void
pop3_timestamp(struct pop3_session *s)
{
	snprintf(s->timestamp, sizeof(s->timestamp),
	    "<%ld.%" PRIu64 ".%" PRIu64 "@%.200s>", (long)getpid(),
	    conn_id(s->conn), (uint64_t)clock_wall_ms(), s->conf->hostname);
}

/* --- conn_proto callbacks --- */

static void
pop3_on_open(struct conn *c)
{
	struct pop3_session	*s;
	const struct pop3_conf	*conf = conn_port(c)->conf;

	if (conf == NULL)
		fatalx("%s: port %s has no pop3_conf", __func__,
		    conn_port(c)->name);
	s = xcalloc(1, sizeof(*s));
	s->conn = c;
	s->conf = conf;
	s->state = POP3_S_AUTHORIZATION;
	buf_init(&s->line, LINE_MAX_CMD);
	conn_set_data(c, s);
	log_debug("%016" PRIx64 " pop3 open port=%s", conn_id(c),
	    conn_port(c)->name);
	if (pop3_capa(s, POP3_CAPA_APOP))
		pop3_timestamp(s);
	if (pop3_rules(s, CONN_ST_GREETING, NULL, NULL))
		return;
	pop3_ok(s, "%.200s%s%s", conf->greeting != NULL ? conf->greeting :
	    "mailrig POP3 server ready", s->timestamp[0] != '\0' ? " " : "",
	    s->timestamp);
}

/*
 * Ask the scenario's rules (conn_ask).  A replaced reply is sent as
 * written: the status line, then any further lines as a multi-line body,
 * dot-stuffed and ended with "." (RFC 1939 3).  true if it was replaced:
 * the command is not carried out.
 */
static bool
pop3_rules(struct pop3_session *s, enum conn_stage st, const char *verb,
    const char *args)
{
	const struct conn_verdict	*v;
	size_t				 i;

	if ((v = conn_ask(s->conn, st, verb, args)) == NULL || v->nlines == 0)
		return false;
	conn_reply(s->conn, "%s", v->lines[0]);
	for (i = 1; i < v->nlines; i++)
		conn_reply(s->conn, "%s%s", v->lines[i][0] == '.' ? "." : "",
		    v->lines[i]);
	if (v->nlines > 1)
		conn_reply(s->conn, ".");
	return true;
}

static void
pop3_on_item(struct conn *c, const struct frame_item *it)
{
	struct pop3_session	*s = conn_data(c);

	switch (s->state) {
	case POP3_S_AUTHORIZATION:
	case POP3_S_TRANSACTION:
		pop3_dispatch(s, it);
		break;
	case POP3_S_SASL:
		pop3_auth_item(s, it);
		break;
	case POP3_S_UPDATE:
	case POP3_S_TLS:
	case POP3_S_QUIT:
		/* The conn layer drops input here; nothing to answer. */
		break;
	default:
		fatalx("%s: bad state %d", __func__, (int)s->state);
	}
}

/*
 * RFC 2595 4: the session stays in AUTHORIZATION and forgets what the
 * client said before (a USER given in the clear).  The APOP timestamp of
 * the greeting stays valid: there is no second greeting.
 */
static void
pop3_on_tls(struct conn *c)
{
	struct pop3_session	*s = conn_data(c);

	if (s == NULL || s->state != POP3_S_TLS)
		return;
	s->have_user = false;
	s->user[0] = '\0';
	if (s->secret) {
		s->secret = false;
		conn_set_secret(c, false);
	}
	pop3_enter_state(s, POP3_S_AUTHORIZATION);
}

/*
 * The server ends the session without UPDATE (RFC 1939 3: the autologout
 * timer "MUST NOT" enter it).  In the middle of a handshake or a
 * multi-line response a status line would corrupt the stream, so the
 * session just ends there.
 */
static void
pop3_goodbye(struct conn *c, const char *text, const char *reason)
{
	struct pop3_session	*s = conn_data(c);

	if (s == NULL || s->state == POP3_S_QUIT ||
	    s->state == POP3_S_UPDATE)
		return;
	if (s->out.active) {
		pop3_out_stop(s);
		pop3_enter_state(s, POP3_S_QUIT);
		conn_close(c, reason);
		return;
	}
	if (s->state != POP3_S_TLS)
		pop3_err(s, POP3_RC_SYS_TEMP, "%s", text);
	pop3_end(s, reason);
}

static void
pop3_on_timeout(struct conn *c)
{
	pop3_goodbye(c, "autologout timer expired, closing", "timeout");
}

static void
pop3_on_shutdown(struct conn *c)
{
	pop3_goodbye(c, "server shutting down", "shutdown");
}

static void
pop3_on_close(struct conn *c, const char *reason)
{
	struct pop3_session	*s = conn_data(c);

	if (s == NULL)
		return;
	log_debug("%016" PRIx64 " pop3 close reason=%s state=%s", conn_id(c),
	    reason != NULL ? reason : "-", pop3_state_name(s->state));
	pop3_out_stop(s);
	sasl_free(s->sasl);
	pop3_drop_free(s);
	buf_fini(&s->line);
	free(s);
	conn_set_data(c, NULL);
}

/* --- the dispatcher --- */

static void
pop3_dispatch(struct pop3_session *s, const struct frame_item *it)
{
	const struct pop3_cmd	*cmd = NULL;
	struct pop3_args	 args;
	char			*line, rtext[512];
	const char		*rargs;
	size_t			 len, vlen, i;

	/* The line after a successful USER was flagged; only that one. */
	if (s->secret) {
		s->secret = false;
		conn_set_secret(s->conn, false);
	}
	if (it->flags & FRAME_TOO_LONG) {
		pop3_error(s, POP3_RC_NONE, "command line too long");
		return;
	}
	if (it->flags & FRAME_NUL) {
		pop3_error(s, POP3_RC_NONE, "NUL byte in command");
		return;
	}
	for (vlen = 0; vlen < it->len && it->p[vlen] != ' '; vlen++)
		;
	for (i = 0; i < nitems(pop3_cmds); i++) {
		/* RFC 1939 3: keywords are case-insensitive. */
		if (strlen(pop3_cmds[i].verb) == vlen &&
		    strncasecmp(pop3_cmds[i].verb, it->p, vlen) == 0) {
			cmd = &pop3_cmds[i];
			break;
		}
	}
	if (cmd == NULL) {
		pop3_error(s, POP3_RC_NONE, "unknown command");
		return;
	}
	s->counts[i]++;
	/* RFC 2449 4: 255 octets with CRLF; AUTH may carry more. */
	len = it->len;
	if (len + 2 > ((cmd->flags & POP3_C_LONG) ? POP3_AUTH_LINE_MAX :
	    POP3_CMD_LINE_MAX)) {
		pop3_error(s, POP3_RC_NONE, "command line too long");
		return;
	}
	if (!(cmd->states & POP3_SM(s->state))) {
		pop3_error(s, POP3_RC_NONE, "%s not valid in the %s state",
		    cmd->verb, pop3_state_name(s->state));
		return;
	}
	/* Liberal: trailing blanks are common and harmless, except in a
	   password, where they may belong to it. */
	if (!(cmd->flags & POP3_C_RAW))
		while (len > vlen && (it->p[len - 1] == ' ' ||
		    it->p[len - 1] == '\t'))
			len--;
	buf_reset(&s->line);
	if (buf_append(&s->line, it->p, len) == -1)
		fatalx("%s: line over its cap", __func__);
	/* Not empty: it holds at least the verb. */
	line = s->line.p;
	/* The rules see the arguments as sent; the split cuts them up. */
	for (rargs = line + vlen; *rargs == ' '; rargs++)
		;
	if (!str_copy(rtext, rargs, sizeof(rtext)))
		rtext[sizeof(rtext) - 1] = '\0';
	if (!pop3_split(s, cmd, line + vlen, &args))
		return;
	if (cmd->check != NULL && !cmd->check(s, &args))
		return;
	if (pop3_rules(s, CONN_ST_COMMAND, cmd->verb, rtext))
		return;
	cmd->proceed(s, &args);
}

/*
 * Arguments are separated by single spaces (RFC 1939 3); runs of spaces
 * are tolerated.  The split writes NULs into the line copy.
 */
static bool
pop3_split(struct pop3_session *s, const struct pop3_cmd *cmd, char *p,
    struct pop3_args *args)
{
	*args = (struct pop3_args){ .argc = 0 };
	if ((cmd->flags & POP3_C_RAW) && *p == ' ') {
		/* Exactly one separator: the rest is the argument. */
		p++;
		if (*p != '\0')
			args->argv[args->argc++] = p;
	} else {
		for (;;) {
			while (*p == ' ')
				*p++ = '\0';
			if (*p == '\0')
				break;
			if (args->argc == POP3_ARGS_MAX) {
				args->argc++;
				break;
			}
			args->argv[args->argc++] = p;
			p += strcspn(p, " ");
		}
	}
	if (args->argc < cmd->args_min || args->argc > cmd->args_max) {
		pop3_error(s, POP3_RC_NONE, "wrong number of arguments for %s",
		    cmd->verb);
		return false;
	}
	return true;
}

/* --- the maildrop --- */

/*
 * RFC 1939 4, 8: lock the maildrop, then fix its contents for the
 * session.  A lock held elsewhere leaves the session in AUTHORIZATION.
 */
static void
pop3_login(struct pop3_session *s, const char *login)
{
	struct store_user	*u;
	struct store_box	*box;
	const struct store_entry *e;
	size_t			 i, n;
	uint64_t		 octets;

	if (s->conf->store == NULL) {
		pop3_err(s, POP3_RC_SYS_PERM, "no mailstore");
		return;
	}
	u = store_user_get(s->conf->store, login, true);
	if (u == NULL) {
		pop3_error(s, POP3_RC_AUTH, "invalid user name");
		return;
	}
	if (!store_user_lock(u)) {
		pop3_err(s, POP3_RC_IN_USE, "maildrop already locked");
		return;
	}
	box = store_box_get(u, "INBOX");
	if (box == NULL) {
		store_user_unlock(u);
		pop3_err(s, POP3_RC_SYS_PERM, "maildrop has no INBOX");
		return;
	}
	s->suser = u;
	s->uidvalidity = store_box_uidvalidity(box);
	s->nmsgs = store_box_size(box);
	s->msgs = s->nmsgs > 0 ? xcalloc(s->nmsgs, sizeof(*s->msgs)) : NULL;
	for (i = 0; i < s->nmsgs; i++) {
		e = store_box_entry(box, i);
		store_msg_ref(e->msg);
		s->msgs[i] = (struct pop3_msg){ .msg = e->msg, .uid = e->uid,
		    .size = pop3_out_size(e->msg->data, e->msg->len) };
	}
	s->have_user = false;
	conn_set_user(s->conn, login);
	pop3_enter_state(s, POP3_S_TRANSACTION);
	log_debug("%016" PRIx64 " pop3 login messages=%zu", conn_id(s->conn),
	    s->nmsgs);
	pop3_totals(s, &n, &octets);
	pop3_ok(s, "maildrop locked and ready, %zu messages (%" PRIu64
	    " octets)", n, octets);
}

static void
pop3_drop_free(struct pop3_session *s)
{
	size_t	i;

	for (i = 0; i < s->nmsgs; i++)
		store_msg_unref(&s->msgs[i].msg);
	free(s->msgs);
	s->msgs = NULL;
	s->nmsgs = 0;
	if (s->suser != NULL) {
		store_user_unlock(s->suser);
		s->suser = NULL;
	}
}

/* RFC 1939 5: counts leave out the messages marked as deleted. */
static void
pop3_totals(const struct pop3_session *s, size_t *n, uint64_t *octets)
{
	size_t	i;

	*n = 0;
	*octets = 0;
	for (i = 0; i < s->nmsgs; i++) {
		if (s->msgs[i].deleted)
			continue;
		(*n)++;
		*octets += s->msgs[i].size;
	}
}

/* A message number that names a live message (RFC 1939 5); 0-based. */
static bool
pop3_msgno(struct pop3_session *s, const char *arg, size_t *idx)
{
	uint64_t	n;

	if (!str_to_u64(arg, strlen(arg), UINT32_MAX, &n)) {
		pop3_error(s, POP3_RC_NONE, "invalid message number");
		return false;
	}
	if (n == 0 || n > s->nmsgs) {
		pop3_error(s, POP3_RC_NONE, "no such message, only %zu "
		    "messages in maildrop", s->nmsgs);
		return false;
	}
	if (s->msgs[n - 1].deleted) {
		pop3_error(s, POP3_RC_NONE, "message %" PRIu64 " already "
		    "deleted", n);
		return false;
	}
	*idx = (size_t)(n - 1);
	return true;
}

/*
 * RFC 1939 6: remove the marked messages from the one store, so IMAP
 * sees them gone too.  One already expunged by another session is gone
 * as asked.
 */
static void
pop3_update(struct pop3_session *s)
{
	struct store_box	*box;
	size_t			 i, left = 0;

	pop3_enter_state(s, POP3_S_UPDATE);
	box = store_box_get(s->suser, "INBOX");
	if (box == NULL) {
		pop3_err(s, POP3_RC_SYS_TEMP, "some deleted messages not "
		    "removed");
		return;
	}
	for (i = 0; i < s->nmsgs; i++) {
		if (!s->msgs[i].deleted) {
			left++;
			continue;
		}
		if (store_box_expunge(box, s->msgs[i].uid, NULL) == -1)
			log_debug("%016" PRIx64 " pop3 uid=%" PRIu32
			    " gone already", conn_id(s->conn),
			    s->msgs[i].uid);
	}
	pop3_ok(s, "%s POP3 server signing off (%zu messages left)",
	    s->conf->hostname, left);
}

/* --- USER, PASS, APOP: RFC 1939 7 --- */

/* Shared gate of every login command. */
static bool
pop3_check_login(struct pop3_session *s, const struct pop3_args *args)
{
	if (!pop3_login_offered(s)) {
		pop3_error(s, POP3_RC_AUTH, "plaintext authentication "
		    "disallowed without TLS, use STLS");
		return false;
	}
	return true;
}

static bool
pop3_check_user(struct pop3_session *s, const struct pop3_args *args)
{
	if (!pop3_capa(s, POP3_CAPA_USER)) {
		pop3_error(s, POP3_RC_NONE, "USER not supported");
		return false;
	}
	if (!pop3_check_login(s, args))
		return false;
	/* RFC 3206 5: no AUTH code on USER, it would reveal users. */
	if (strlen(args->argv[0]) > SASL_USER_MAX) {
		pop3_error(s, POP3_RC_NONE, "user name too long");
		return false;
	}
	return true;
}

static void
pop3_proceed_user(struct pop3_session *s, const struct pop3_args *args)
{
	if (!str_copy(s->user, args->argv[0], sizeof(s->user)))
		fatalx("%s: checked length", __func__);
	s->have_user = true;
	s->secret = true;
	conn_set_secret(s->conn, true);
	pop3_ok(s, "send PASS");
}

static bool
pop3_check_pass(struct pop3_session *s, const struct pop3_args *args)
{
	if (!s->have_user) {
		pop3_error(s, POP3_RC_NONE, "send USER first");
		return false;
	}
	return pop3_check_login(s, args);
}

static void
pop3_proceed_pass(struct pop3_session *s, const struct pop3_args *args)
{
	const struct sasl_creds	*cr = s->conf->creds != NULL ?
	    s->conf->creds : &pop3_creds_any;
	const char		*want = NULL;

	/* RFC 1939 7: after a failed PASS the client starts over. */
	s->have_user = false;
	if (!cr->accept_any) {
		if (cr->lookup != NULL)
			want = cr->lookup(cr->arg, s->user);
		if (want == NULL || strcmp(want, args->argv[0]) != 0) {
			pop3_error(s, POP3_RC_AUTH, "invalid user name or "
			    "password");
			return;
		}
	}
	pop3_login(s, s->user);
}

static bool
pop3_check_apop(struct pop3_session *s, const struct pop3_args *args)
{
	const char	*d = args->argv[1];
	size_t		 i;

	if (s->timestamp[0] == '\0') {
		pop3_error(s, POP3_RC_NONE, "APOP not supported");
		return false;
	}
	if (!pop3_check_login(s, args))
		return false;
	if (strlen(args->argv[0]) > SASL_USER_MAX) {
		pop3_error(s, POP3_RC_AUTH, "user name too long");
		return false;
	}
	/* RFC 1939 7: 16 octets in hexadecimal. */
	for (i = 0; d[i] != '\0'; i++)
		if (strchr("0123456789abcdefABCDEF", d[i]) == NULL)
			break;
	if (i != 32 || d[i] != '\0') {
		pop3_error(s, POP3_RC_NONE, "digest is not 32 hex digits");
		return false;
	}
	return true;
}

static void
pop3_proceed_apop(struct pop3_session *s, const struct pop3_args *args)
{
	const struct sasl_creds	*cr = s->conf->creds != NULL ?
	    s->conf->creds : &pop3_creds_any;
	const char		*pw = NULL;
	char			 want[33];

	s->have_user = false;
	if (!cr->accept_any) {
		if (cr->lookup != NULL)
			pw = cr->lookup(cr->arg, args->argv[0]);
		if (pw == NULL || !pop3_apop_digest(s->timestamp, pw, want) ||
		    strcasecmp(want, args->argv[1]) != 0) {
			pop3_error(s, POP3_RC_AUTH, "authentication failed");
			return;
		}
	}
	pop3_login(s, args->argv[0]);
}

/* RFC 1939 7: MD5 of the timestamp followed by the shared secret. */
static bool
pop3_apop_digest(const char *timestamp, const char *password, char out[33])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	EVP_MD_CTX		*ctx;
	bool			 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return false;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, timestamp, strlen(timestamp)) == 1 &&
	    EVP_DigestUpdate(ctx, password, strlen(password)) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return false;
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0x0f];
	}
	out[32] = '\0';
	return true;
}

/* --- STLS, RFC 2595 4 --- */

static bool
pop3_check_stls(struct pop3_session *s, const struct pop3_args *args)
{
	if (!pop3_capa(s, POP3_CAPA_STLS)) {
		pop3_error(s, POP3_RC_NONE, "STLS not supported");
		return false;
	}
	if (conn_tls_active(s->conn)) {
		pop3_error(s, POP3_RC_NONE, "command not permitted when TLS "
		    "active");
		return false;
	}
	if (conn_port(s->conn)->tls == NULL) {
		pop3_error(s, POP3_RC_SYS_PERM, "TLS not available");
		return false;
	}
	return true;
}

static void
pop3_proceed_stls(struct pop3_session *s, const struct pop3_args *args)
{
	pop3_ok(s, "begin TLS negotiation");
	pop3_enter_state(s, POP3_S_TLS);
	if (conn_starttls(s->conn) == -1) {
		log_warnx("%016" PRIx64 " pop3 stls failed", conn_id(s->conn));
		pop3_end(s, "stls");
	}
}

/* --- AUTH, RFC 5034 4 --- */

static bool
pop3_check_auth(struct pop3_session *s, const struct pop3_args *args)
{
	enum sasl_mech	mech;

	if (!pop3_capa(s, POP3_CAPA_SASL)) {
		pop3_error(s, POP3_RC_NONE, "AUTH not supported");
		return false;
	}
	if (!pop3_check_login(s, args))
		return false;
	if (!sasl_mech_from_name(args->argv[0], &mech) ||
	    !(s->conf->auth_mechs & (1u << mech))) {
		pop3_error(s, POP3_RC_NONE, "unrecognized authentication "
		    "type");
		return false;
	}
	return true;
}

static void
pop3_proceed_auth(struct pop3_session *s, const struct pop3_args *args)
{
	enum sasl_mech	mech;

	if (!sasl_mech_from_name(args->argv[0], &mech))
		fatalx("%s: checked mechanism", __func__);
	s->have_user = false;
	s->sasl = sasl_new(mech, s->conf->creds != NULL ? s->conf->creds :
	    &pop3_creds_any, s->conf->hostname);
	pop3_auth_step(s, args->argc > 1 ? args->argv[1] : NULL);
}

static void
pop3_auth_step(struct pop3_session *s, const char *in)
{
	const char		*chal = NULL;
	enum sasl_status	 st;

	st = sasl_step(s->sasl, in, &chal);
	switch (st) {
	case SASL_CONTINUE:
		/* RFC 5034 4: an empty challenge is "+ " exactly. */
		conn_reply(s->conn, "+ %s", chal != NULL ? chal : "");
		if (s->state != POP3_S_SASL) {
			pop3_enter_state(s, POP3_S_SASL);
			conn_set_secret(s->conn, true);
		}
		break;
	case SASL_OK:
		/* The name outlives the exchange, which ends first so that
		   a refused login is back in AUTHORIZATION. */
		if (!str_copy(s->user, sasl_user(s->sasl) != NULL ?
		    sasl_user(s->sasl) : "", sizeof(s->user)))
			fatalx("%s: SASL user over SASL_USER_MAX", __func__);
		pop3_auth_end(s);
		pop3_login(s, s->user);
		break;
	case SASL_FAIL:
		pop3_auth_end(s);
		pop3_error(s, POP3_RC_AUTH, "authentication failed");
		break;
	case SASL_BAD:
		pop3_auth_end(s);
		pop3_error(s, POP3_RC_NONE, "cannot decode response");
		break;
	case SASL_CANCEL:
		pop3_auth_end(s);
		pop3_error(s, POP3_RC_NONE, "authentication cancelled");
		break;
	default:
		fatalx("%s: bad sasl status %d", __func__, (int)st);
	}
}

static void
pop3_auth_item(struct pop3_session *s, const struct frame_item *it)
{
	if ((it->flags & FRAME_TOO_LONG) || it->len + 2 > POP3_AUTH_LINE_MAX) {
		pop3_auth_end(s);
		pop3_error(s, POP3_RC_NONE, "authentication line too long");
		return;
	}
	buf_reset(&s->line);
	if (buf_append(&s->line, it->p, it->len) == -1)
		fatalx("%s: line over its cap", __func__);
	pop3_auth_step(s, buf_cstr(&s->line));
}

/* Leaves POP3_S_SASL for AUTHORIZATION unless a login moved on. */
static void
pop3_auth_end(struct pop3_session *s)
{
	sasl_free(s->sasl);
	s->sasl = NULL;
	if (s->state == POP3_S_SASL) {
		conn_set_secret(s->conn, false);
		pop3_enter_state(s, POP3_S_AUTHORIZATION);
	}
}

/* --- CAPA (RFC 2449 5, 6) and QUIT --- */

static void
pop3_proceed_capa(struct pop3_session *s, const struct pop3_args *args)
{
	char		 sasl[80];
	size_t		 alen;
	unsigned	 m;

	pop3_ok(s, "Capability list follows");
	if (pop3_capa(s, POP3_CAPA_TOP))
		conn_reply(s->conn, "TOP");
	if (pop3_capa(s, POP3_CAPA_UIDL))
		conn_reply(s->conn, "UIDL");
	if (pop3_capa(s, POP3_CAPA_USER) && pop3_login_offered(s))
		conn_reply(s->conn, "USER");
	/* RFC 5034 6: still listed after a successful login. */
	if (pop3_capa(s, POP3_CAPA_SASL) && pop3_login_offered(s) &&
	    (s->conf->auth_mechs & ((1u << SASL__COUNT) - 1)) != 0) {
		alen = (size_t)snprintf(sasl, sizeof(sasl), "SASL");
		for (m = 0; m < SASL__COUNT && alen < sizeof(sasl); m++)
			if (s->conf->auth_mechs & (1u << m))
				alen += (size_t)snprintf(sasl + alen,
				    sizeof(sasl) - alen, " %s",
				    sasl_mech_name(m));
		conn_reply(s->conn, "%s", sasl);
	}
	if (pop3_capa(s, POP3_CAPA_RESP_CODES))
		conn_reply(s->conn, "RESP-CODES");
	if (pop3_capa(s, POP3_CAPA_PIPELINING))
		conn_reply(s->conn, "PIPELINING");
	if (pop3_capa(s, POP3_CAPA_AUTH_RESP))
		conn_reply(s->conn, "AUTH-RESP-CODE");
	/* RFC 2449 6.7: messages are kept until the client deletes them. */
	if (pop3_capa(s, POP3_CAPA_EXPIRE))
		conn_reply(s->conn, "EXPIRE NEVER");
	/* RFC 2449 6.8: no wait between logins. */
	if (pop3_capa(s, POP3_CAPA_LOGIN_DELAY))
		conn_reply(s->conn, "LOGIN-DELAY 0");
	if (pop3_capa(s, POP3_CAPA_IMPL))
		conn_reply(s->conn, "IMPLEMENTATION mailrig");
	/* RFC 2595 4: only where it is permitted now. */
	if (pop3_capa(s, POP3_CAPA_STLS) && s->state == POP3_S_AUTHORIZATION &&
	    conn_port(s->conn)->tls != NULL && !conn_tls_active(s->conn))
		conn_reply(s->conn, "STLS");
	conn_reply(s->conn, ".");
}

/* RFC 1939 4 and 6: UPDATE only from TRANSACTION. */
static void
pop3_proceed_quit(struct pop3_session *s, const struct pop3_args *args)
{
	if (s->state == POP3_S_TRANSACTION)
		pop3_update(s);
	else
		pop3_ok(s, "%s POP3 server signing off", s->conf->hostname);
	pop3_end(s, "quit");
}

/* --- TRANSACTION: RFC 1939 5, 7 --- */

static void
pop3_proceed_stat(struct pop3_session *s, const struct pop3_args *args)
{
	size_t		n;
	uint64_t	octets;

	pop3_totals(s, &n, &octets);
	pop3_ok(s, "%zu %" PRIu64, n, octets);
}

static void
pop3_proceed_list(struct pop3_session *s, const struct pop3_args *args)
{
	size_t		i, n;
	uint64_t	octets;

	if (args->argc == 1) {
		if (!pop3_msgno(s, args->argv[0], &i))
			return;
		pop3_ok(s, "%zu %zu", i + 1, s->msgs[i].size);
		return;
	}
	pop3_totals(s, &n, &octets);
	pop3_ok(s, "%zu messages (%" PRIu64 " octets)", n, octets);
	for (i = 0; i < s->nmsgs; i++)
		if (!s->msgs[i].deleted)
			conn_reply(s->conn, "%zu %zu", i + 1, s->msgs[i].size);
	conn_reply(s->conn, ".");
}

static void
pop3_proceed_retr(struct pop3_session *s, const struct pop3_args *args)
{
	struct store_msg	*m;
	size_t			 i;

	if (!pop3_msgno(s, args->argv[0], &i))
		return;
	m = s->msgs[i].msg;
	pop3_ok(s, "%zu octets", s->msgs[i].size);
	pop3_out_start(s, m, m->len);
}

static void
pop3_proceed_dele(struct pop3_session *s, const struct pop3_args *args)
{
	size_t	i;

	if (!pop3_msgno(s, args->argv[0], &i))
		return;
	s->msgs[i].deleted = true;
	pop3_ok(s, "message %zu deleted", i + 1);
}

static void
pop3_proceed_noop(struct pop3_session *s, const struct pop3_args *args)
{
	conn_reply(s->conn, "+OK");
}

static void
pop3_proceed_rset(struct pop3_session *s, const struct pop3_args *args)
{
	size_t		i, n;
	uint64_t	octets;

	for (i = 0; i < s->nmsgs; i++)
		s->msgs[i].deleted = false;
	pop3_totals(s, &n, &octets);
	pop3_ok(s, "maildrop has %zu messages (%" PRIu64 " octets)", n,
	    octets);
}

static void
pop3_proceed_top(struct pop3_session *s, const struct pop3_args *args)
{
	struct store_msg	*m;
	uint64_t		 lines;
	size_t			 i;

	if (!pop3_capa(s, POP3_CAPA_TOP)) {
		pop3_error(s, POP3_RC_NONE, "TOP not supported");
		return;
	}
	if (!pop3_msgno(s, args->argv[0], &i))
		return;
	/* RFC 1939 7: a non-negative number of lines. */
	if (!str_to_u64(args->argv[1], strlen(args->argv[1]), UINT64_MAX,
	    &lines)) {
		pop3_error(s, POP3_RC_NONE, "invalid number of lines");
		return;
	}
	m = s->msgs[i].msg;
	pop3_ok(s, "top of message follows");
	pop3_out_start(s, m, pop3_out_top_end(m->data, m->len, lines));
}

/*
 * RFC 1939 7: the unique-id is 1-70 characters in 0x21-0x7E and stays
 * with the message across sessions; UIDVALIDITY.UID of the INBOX entry
 * is stable as long as the store keeps both.
 */
static void
pop3_proceed_uidl(struct pop3_session *s, const struct pop3_args *args)
{
	size_t	i;

	if (!pop3_capa(s, POP3_CAPA_UIDL)) {
		pop3_error(s, POP3_RC_NONE, "UIDL not supported");
		return;
	}
	if (args->argc == 1) {
		if (!pop3_msgno(s, args->argv[0], &i))
			return;
		pop3_ok(s, "%zu %" PRIu32 ".%" PRIu32, i + 1, s->uidvalidity,
		    s->msgs[i].uid);
		return;
	}
	pop3_ok(s, "unique-id listing follows");
	for (i = 0; i < s->nmsgs; i++)
		if (!s->msgs[i].deleted)
			conn_reply(s->conn, "%zu %" PRIu32 ".%" PRIu32, i + 1,
			    s->uidvalidity, s->msgs[i].uid);
	conn_reply(s->conn, ".");
}
