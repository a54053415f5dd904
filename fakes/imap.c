/*
 * imap.c: the IMAP session (RFC 3501).  Owns the session object (state,
 * parser, the tagged command in flight, the SASL exchange, the view of
 * the selected mailbox), the one command table and the one dispatcher,
 * the reply choke point (tagged and untagged, error counting), and the
 * mailbox view: its own sequence numbers (RFC 3501 2.3.1.2), \Recent
 * claims (2.3.2) and the untagged EXPUNGE, EXISTS, RECENT and FETCH FLAGS
 * sent for other sessions' changes only where RFC 3501 5.2 and 7.4.1
 * allow.  The commands live in imap_cmd_auth.c, imap_cmd_box.c and
 * imap_cmd_msg.c.
 *
 * Commands run one at a time: pipelined input waits in the conn layer
 * while a command is in flight (a FETCH paused by backpressure, IDLE,
 * AUTHENTICATE), so responses are never interleaved.  It does not do
 * CONDSTORE, QRESYNC, LIST-EXTENDED or MULTIAPPEND.
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
#include "fakes/imap_int.h"
#include "fakes/imap_mime.h"
#include "fakes/imap_utf7.h"

/* conn_proto callbacks */
static void	imap_on_open(struct conn *);
static void	imap_on_item(struct conn *, const struct frame_item *);
static void	imap_on_tls(struct conn *);
static void	imap_on_timeout(struct conn *);
static void	imap_on_shutdown(struct conn *);
static void	imap_on_close(struct conn *, const char *);

/* input and dispatch */
static void	imap_input(struct imap_session *, const struct frame_item *);
static void	imap_parse_failed(struct imap_session *);
static void	imap_literal(struct imap_session *);
static void	imap_args_text(const struct imap_arg *, size_t,
		    struct buf *);
static void	imap_args_text_more(const struct imap_arg *, size_t,
		    struct buf *);
static void	imap_args_text(const struct imap_arg *, size_t,
		    struct buf *);
static void	imap_args_text_more(const struct imap_arg *, size_t,
		    struct buf *);
static void	imap_dispatch(struct imap_session *);
static const struct imap_cmd_def *imap_lookup(const struct imap_arg *,
		    enum imap_cmd_id *);
static void	imap_finish(struct imap_session *, struct imap_cmd *,
		    const char *, const char *, va_list) ATTR_PRINTF(4, 0);
static void	imap_cmd_free(struct imap_cmd *);

/* the view */
static void	imap_watch_cb(struct store_watch *, enum store_ev, uint32_t);
static void	imap_sync_cb(evutil_socket_t, short, void *);
static void	imap_view_add(struct imap_session *,
		    const struct store_entry *);
static void	imap_claim_recent(struct imap_session *, size_t);
static void	imap_sync_flags(struct imap_session *, size_t,
		    const struct store_entry *);

const struct conn_proto imap_proto = {
	.name = "imap",
	.line_max = IMAP_LINE_MAX,
	.idle_sec = IMAP_IDLE_SEC,
	.busy_reply = "* BYE Too many sessions, try again later",
	.on_open = imap_on_open,
	.on_item = imap_on_item,
	.on_tls = imap_on_tls,
	.on_timeout = imap_on_timeout,
	.on_shutdown = imap_on_shutdown,
	.on_close = imap_on_close,
};

static const char *const imap_state_names[] = {
	[IMAP_S_NOT_AUTH] = "NOT-AUTHENTICATED",
	[IMAP_S_AUTH] = "AUTHENTICATED",
	[IMAP_S_SELECTED] = "SELECTED",
	[IMAP_S_LOGOUT] = "LOGOUT",
};
_Static_assert(nitems(imap_state_names) == IMAP_S__COUNT,
    "imap_state_names out of sync with enum imap_state");

#define IMAP_SM_SEL	IMAP_SM(IMAP_S_SELECTED)

/*
 * One row per command.  RFC 3501 6.1 commands are valid in any state,
 * 6.2 only before authentication, 6.3 once authenticated, 6.4 only with
 * a mailbox selected.  nargs_max counts the arguments after the name.
 */
static const struct imap_cmd_def imap_cmds[] = {
	[IMAP_CMD_CAPABILITY] = { .verb = "CAPABILITY", .states = IMAP_SM_ANY,
	    .nargs_max = 0, .proceed = imap_cmd_capability },
	[IMAP_CMD_NOOP] = { .verb = "NOOP", .states = IMAP_SM_ANY,
	    .nargs_max = 0, .proceed = imap_cmd_noop },
	[IMAP_CMD_LOGOUT] = { .verb = "LOGOUT", .states = IMAP_SM_ANY,
	    .nargs_max = 0, .proceed = imap_cmd_logout },
	[IMAP_CMD_STARTTLS] = { .verb = "STARTTLS",
	    .states = IMAP_SM(IMAP_S_NOT_AUTH), .cap = IMAP_CAP_STARTTLS,
	    .nargs_max = 0, .proceed = imap_cmd_starttls },
	[IMAP_CMD_AUTHENTICATE] = { .verb = "AUTHENTICATE",
	    .states = IMAP_SM(IMAP_S_NOT_AUTH), .cap = IMAP_CAP_AUTH,
	    .nargs_min = 1, .nargs_max = 2, .proceed = imap_cmd_authenticate },
	[IMAP_CMD_LOGIN] = { .verb = "LOGIN",
	    .states = IMAP_SM(IMAP_S_NOT_AUTH), .nargs_min = 2,
	    .nargs_max = 2, .proceed = imap_cmd_login },
	[IMAP_CMD_ID] = { .verb = "ID", .states = IMAP_SM_ANY,
	    .cap = IMAP_CAP_ID, .nargs_min = 1, .nargs_max = 1,
	    .proceed = imap_cmd_id },
	/* RFC 5161 3.1: authenticated state; selected is tolerated. */
	[IMAP_CMD_ENABLE] = { .verb = "ENABLE", .states = IMAP_SM_AUTHED,
	    .cap = IMAP_CAP_ENABLE, .nargs_min = 1, .nargs_max = 64,
	    .proceed = imap_cmd_enable },
	[IMAP_CMD_NAMESPACE] = { .verb = "NAMESPACE", .states = IMAP_SM_AUTHED,
	    .cap = IMAP_CAP_NAMESPACE, .nargs_max = 0,
	    .proceed = imap_cmd_namespace },
	[IMAP_CMD_SELECT] = { .verb = "SELECT", .states = IMAP_SM_AUTHED,
	    .nargs_min = 1, .nargs_max = 2, .proceed = imap_cmd_select },
	[IMAP_CMD_EXAMINE] = { .verb = "EXAMINE", .states = IMAP_SM_AUTHED,
	    .nargs_min = 1, .nargs_max = 2, .proceed = imap_cmd_select },
	[IMAP_CMD_CREATE] = { .verb = "CREATE", .states = IMAP_SM_AUTHED,
	    .nargs_min = 1, .nargs_max = 2, .proceed = imap_cmd_create },
	[IMAP_CMD_DELETE] = { .verb = "DELETE", .states = IMAP_SM_AUTHED,
	    .nargs_min = 1, .nargs_max = 1, .proceed = imap_cmd_delete },
	[IMAP_CMD_RENAME] = { .verb = "RENAME", .states = IMAP_SM_AUTHED,
	    .nargs_min = 2, .nargs_max = 2, .proceed = imap_cmd_rename },
	[IMAP_CMD_SUBSCRIBE] = { .verb = "SUBSCRIBE", .states = IMAP_SM_AUTHED,
	    .nargs_min = 1, .nargs_max = 1, .proceed = imap_cmd_subscribe },
	[IMAP_CMD_UNSUBSCRIBE] = { .verb = "UNSUBSCRIBE",
	    .states = IMAP_SM_AUTHED, .nargs_min = 1, .nargs_max = 1,
	    .proceed = imap_cmd_subscribe },
	[IMAP_CMD_LIST] = { .verb = "LIST", .states = IMAP_SM_AUTHED,
	    .nargs_min = 2, .nargs_max = 2, .proceed = imap_cmd_list },
	[IMAP_CMD_LSUB] = { .verb = "LSUB", .states = IMAP_SM_AUTHED,
	    .nargs_min = 2, .nargs_max = 2, .proceed = imap_cmd_list },
	[IMAP_CMD_STATUS] = { .verb = "STATUS", .states = IMAP_SM_AUTHED,
	    .nargs_min = 2, .nargs_max = 2, .proceed = imap_cmd_status },
	[IMAP_CMD_APPEND] = { .verb = "APPEND", .states = IMAP_SM_AUTHED,
	    .nargs_min = 2, .nargs_max = 4, .proceed = imap_cmd_append },
	[IMAP_CMD_IDLE] = { .verb = "IDLE", .states = IMAP_SM_AUTHED,
	    .cap = IMAP_CAP_IDLE, .nargs_max = 0, .proceed = imap_cmd_idle },
	[IMAP_CMD_CHECK] = { .verb = "CHECK", .states = IMAP_SM_SEL,
	    .nargs_max = 0, .proceed = imap_cmd_check },
	[IMAP_CMD_CLOSE] = { .verb = "CLOSE", .states = IMAP_SM_SEL,
	    .nargs_max = 0, .proceed = imap_cmd_close },
	[IMAP_CMD_UNSELECT] = { .verb = "UNSELECT", .states = IMAP_SM_SEL,
	    .cap = IMAP_CAP_UNSELECT, .nargs_max = 0,
	    .proceed = imap_cmd_close },
	/* UID EXPUNGE is RFC 4315 2.1: one argument, needs UIDPLUS. */
	[IMAP_CMD_EXPUNGE] = { .verb = "EXPUNGE", .states = IMAP_SM_SEL,
	    .flags = IMAP_C_UID, .nargs_max = 0,
	    .proceed = imap_cmd_expunge },
	[IMAP_CMD_SEARCH] = { .verb = "SEARCH", .states = IMAP_SM_SEL,
	    .flags = IMAP_C_UID | IMAP_C_NOEXPUNGE, .nargs_min = 1,
	    .nargs_max = IMAP_ARGS_MAX, .proceed = imap_cmd_search },
	[IMAP_CMD_FETCH] = { .verb = "FETCH", .states = IMAP_SM_SEL,
	    .flags = IMAP_C_UID | IMAP_C_NOEXPUNGE, .nargs_min = 2,
	    .nargs_max = 3, .proceed = imap_cmd_fetch },
	[IMAP_CMD_STORE] = { .verb = "STORE", .states = IMAP_SM_SEL,
	    .flags = IMAP_C_UID | IMAP_C_NOEXPUNGE, .nargs_min = 3,
	    .nargs_max = IMAP_ARGS_MAX, .proceed = imap_cmd_store },
	[IMAP_CMD_COPY] = { .verb = "COPY", .states = IMAP_SM_SEL,
	    .flags = IMAP_C_UID, .nargs_min = 2, .nargs_max = 2,
	    .proceed = imap_cmd_copy },
	[IMAP_CMD_MOVE] = { .verb = "MOVE", .states = IMAP_SM_SEL,
	    .cap = IMAP_CAP_MOVE, .flags = IMAP_C_UID, .nargs_min = 2,
	    .nargs_max = 2, .proceed = imap_cmd_copy },
	[IMAP_CMD_UID] = { .verb = "UID", .states = IMAP_SM_SEL,
	    .nargs_min = 1, .nargs_max = IMAP_ARGS_MAX, .proceed = NULL },
};
_Static_assert(nitems(imap_cmds) == IMAP_CMD__COUNT,
    "imap_cmds out of sync with enum imap_cmd_id");

static const struct sasl_creds imap_creds_any = { .accept_any = true };

/* --- configuration --- */

void
imap_conf_defaults(struct imap_conf *conf)
{
	*conf = (struct imap_conf){
		.hostname = "localhost",
		.greeting = NULL,
		.caps = IMAP_CAP_ALL,
		.auth_mechs = (1u << SASL__COUNT) - 1,
		.login_disabled = false,
		.tls_required = false,
		.append_max = 0,
		.creds = NULL,
		.store = NULL,
	};
}

bool
imap_cap(const struct imap_session *s, unsigned cap)
{
	return (s->conf->caps & cap) == cap;
}

const struct sasl_creds *
imap_creds(const struct imap_session *s)
{
	return s->conf->creds != NULL ? s->conf->creds : &imap_creds_any;
}

/* Tighter before authentication (STYLE 3.8, Dovecot imap-login). */
void
imap_set_limits(struct imap_session *s)
{
	struct imap_parser_limits	lim;
	uint64_t			lmax;

	lmax = s->conf->append_max != 0 ? s->conf->append_max :
	    IMAP_LITERAL_MAX;
	if (s->state == IMAP_S_NOT_AUTH) {
		lim = (struct imap_parser_limits){
		    .line_max = IMAP_PRE_LINE_MAX,
		    .literal_max = MIN(lmax, IMAP_PRE_LITERAL_MAX),
		    .depth_max = IMAP_DEPTH_MAX,
		    .args_max = IMAP_PRE_ARGS_MAX };
	} else {
		lim = (struct imap_parser_limits){
		    .line_max = IMAP_LINE_MAX, .literal_max = lmax,
		    .depth_max = IMAP_DEPTH_MAX, .args_max = IMAP_ARGS_MAX };
	}
	/* RFC 7888 5: without LITERAL+ only LITERAL-'s 4096 bytes. */
	lim.nonsync_max = imap_cap(s, IMAP_CAP_LITERAL_PLUS) ?
	    lim.literal_max : MIN(lim.literal_max, IMAP_NONSYNC_MAX);
	imap_parser_set_limits(s->parser, &lim);
}

/* --- states and replies --- */

const char *
imap_state_name(enum imap_state st)
{
	if ((unsigned)st >= IMAP_S__COUNT)
		fatalx("%s: bad state %d", __func__, (int)st);
	return imap_state_names[st];
}

void
imap_enter_state(struct imap_session *s, enum imap_state st)
{
	log_trace("%016" PRIx64 " imap state %s -> %s", conn_id(s->conn),
	    imap_state_name(s->state), imap_state_name(st));
	s->state = st;
	imap_set_limits(s);
}

void
imap_untagged(struct imap_session *s, const char *fmt, ...)
{
	char	text[REPLY_LINE_MAX - 8];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	conn_reply(s->conn, "* %s", text);
}

void
imap_write_line(struct imap_session *s, const struct buf *b)
{
	if (b->len + 16 < REPLY_LINE_MAX && memchr(b->p, '\0', b->len) ==
	    NULL) {
		conn_reply(s->conn, "%s", buf_cstr(b));
		return;
	}
	conn_write_data(s->conn, b->p, b->len);
	conn_write_data(s->conn, "\r\n", 2);
}

static void
imap_finish(struct imap_session *s, struct imap_cmd *cmd,
    const char *status, const char *fmt, va_list ap)
{
	char	text[REPLY_LINE_MAX - IMAP_TAG_MAX - 16];
	bool	expunge;
	size_t	i;

	vsnprintf(text, sizeof(text), fmt, ap);
	/* RFC 3501 7.4.1: no EXPUNGE after FETCH, STORE, SEARCH. */
	expunge = cmd->def == NULL || cmd->uid ||
	    !(cmd->def->flags & IMAP_C_NOEXPUNGE);
	if (strcmp(status, "BAD") != 0)
		imap_sync(s, expunge);
	for (i = 0; cmd->inject != NULL && i < cmd->inject->nuntagged; i++)
		conn_reply(s->conn, "%s", cmd->inject->untagged[i]);
	conn_reply(s->conn, "%s %s %s", cmd->tag, status, text);
	if (s->cmd == cmd)
		s->cmd = NULL;
	imap_cmd_free(cmd);
	imap_parser_reset(s->parser);
}

void
imap_ok(struct imap_session *s, struct imap_cmd *cmd, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	imap_finish(s, cmd, "OK", fmt, ap);
	va_end(ap);
}

void
imap_no(struct imap_session *s, struct imap_cmd *cmd, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	imap_finish(s, cmd, "NO", fmt, ap);
	va_end(ap);
}

void
imap_bad(struct imap_session *s, struct imap_cmd *cmd, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	imap_finish(s, cmd, "BAD", fmt, ap);
	va_end(ap);
	if (++s->errors >= IMAP_ERRORS_MAX && s->state != IMAP_S_LOGOUT)
		imap_bye(s, "errors", "Too many invalid commands");
}

void
imap_bye(struct imap_session *s, const char *reason, const char *text)
{
	if (s->state == IMAP_S_LOGOUT)
		return;
	if (text != NULL)
		conn_reply(s->conn, "* BYE %s", text);
	if (s->sasl != NULL)
		imap_auth_end(s);
	s->idling = false;
	if (s->cmd != NULL) {
		imap_cmd_free(s->cmd);
		s->cmd = NULL;
	}
	conn_set_drain_cb(s->conn, NULL);
	s->state = IMAP_S_LOGOUT;
	conn_close_after_flush(s->conn, reason);
}

void
imap_capabilities(struct imap_session *s, struct buf *b)
{
	static const struct {
		unsigned	 cap;
		const char	*name;
	} caps[] = {
		{ .cap = IMAP_CAP_SASL_IR, .name = "SASL-IR" },
		{ .cap = IMAP_CAP_LITERAL_PLUS, .name = "LITERAL+" },
		{ .cap = IMAP_CAP_IDLE, .name = "IDLE" },
		{ .cap = IMAP_CAP_UIDPLUS, .name = "UIDPLUS" },
		{ .cap = IMAP_CAP_MOVE, .name = "MOVE" },
		{ .cap = IMAP_CAP_NAMESPACE, .name = "NAMESPACE" },
		{ .cap = IMAP_CAP_ID, .name = "ID" },
		{ .cap = IMAP_CAP_ENABLE, .name = "ENABLE" },
		{ .cap = IMAP_CAP_UNSELECT, .name = "UNSELECT" },
		{ .cap = IMAP_CAP_SPECIAL_USE, .name = "SPECIAL-USE" },
		{ .cap = IMAP_CAP_CHILDREN, .name = "CHILDREN" },
	};
	bool		tls = conn_tls_active(s->conn);
	unsigned	m;
	size_t		i;
	int		r = 0;

	r |= buf_append(b, "IMAP4rev1", 9);
	if (s->state == IMAP_S_NOT_AUTH) {
		/* RFC 2595 3.1: not offered again once TLS is up. */
		if (imap_cap(s, IMAP_CAP_STARTTLS) &&
		    conn_port(s->conn)->tls != NULL && !tls)
			r |= buf_appendf(b, " STARTTLS");
		/* RFC 3501 6.2.3, RFC 2595 3.2 */
		if (s->conf->login_disabled || (s->conf->tls_required && !tls))
			r |= buf_appendf(b, " LOGINDISABLED");
		if (imap_cap(s, IMAP_CAP_AUTH) && (!s->conf->tls_required ||
		    tls)) {
			for (m = 0; m < SASL__COUNT; m++)
				if (s->conf->auth_mechs & (1u << m))
					r |= buf_appendf(b, " AUTH=%s",
					    sasl_mech_name(m));
		}
	}
	for (i = 0; i < nitems(caps); i++)
		if (imap_cap(s, caps[i].cap))
			r |= buf_appendf(b, " %s", caps[i].name);
	if (r != 0)
		fatalx("%s: capability list too long", __func__);
}

/* --- arguments --- */

bool
imap_arg_astring(const struct imap_arg *a, const char **s_r)
{
	if (a->type != IMAP_ARG_ATOM && a->type != IMAP_ARG_STRING &&
	    a->type != IMAP_ARG_LITERAL)
		return false;
	/* Names and passwords are C strings: no NUL inside. */
	if (strlen(a->str) != a->len)
		return false;
	*s_r = a->str;
	return true;
}

bool
imap_arg_atom(const struct imap_arg *a, const char *word)
{
	return a->type == IMAP_ARG_ATOM && strcasecmp(a->str, word) == 0;
}

/*
 * RFC 3501 5.1: INBOX is case-insensitive; its inferiors are named the
 * same way here so "inbox/x" and "INBOX/x" are one mailbox.
 */
bool
imap_arg_mailbox(struct imap_session *s, const struct imap_arg *a,
    const char **name_r)
{
	const char	*raw;

	buf_reset(&s->line);
	if (!imap_arg_astring(a, &raw) ||
	    imap_utf7_to_utf8(raw, strlen(raw), &s->line) == -1)
		return false;
	if (s->line.len >= 5 && strncasecmp(s->line.p, "INBOX", 5) == 0 &&
	    (s->line.len == 5 || s->line.p[5] == '/'))
		memcpy(s->line.p, "INBOX", 5);
	*name_r = buf_cstr(&s->line);
	return true;
}

int
imap_append_mailbox(struct buf *b, const char *name)
{
	struct buf	enc;
	size_t		i;
	int		r = 0;

	buf_init(&enc, STORE_BOX_NAME_MAX * 4);
	if (imap_utf8_to_utf7(name, strlen(name), &enc) == -1) {
		buf_fini(&enc);
		return -1;
	}
	r |= buf_appendc(b, '"');
	for (i = 0; i < enc.len; i++) {
		if (enc.p[i] == '"' || enc.p[i] == '\\')
			r |= buf_appendc(b, '\\');
		r |= buf_appendc(b, enc.p[i]);
	}
	r |= buf_appendc(b, '"');
	buf_fini(&enc);
	return r != 0 ? -1 : 0;
}

/* --- conn_proto callbacks --- */

static void
imap_on_open(struct conn *c)
{
	struct imap_session		*s;
	const struct imap_conf		*conf = conn_port(c)->conf;
	struct imap_parser_limits	 lim = { 0 };
	struct buf			 caps;

	if (conf == NULL)
		fatalx("%s: port %s has no imap_conf", __func__,
		    conn_port(c)->name);
	imap_mime_init();
	s = xcalloc(1, sizeof(*s));
	s->conn = c;
	s->conf = conf;
	s->state = IMAP_S_NOT_AUTH;
	s->parser = imap_parser_new(&lim);
	imap_set_limits(s);
	imap_parser_reset(s->parser);
	s->ev_sync = event_new(conn_env_base(conn_env(c)), -1, 0,
	    imap_sync_cb, s);
	if (s->ev_sync == NULL)
		fatalx("%s: event_new failed", __func__);
	buf_init(&s->line, IMAP_LINE_MAX);
	buf_init(&s->rargs, 4096);
	s->watch = (struct store_watch){ .cb = imap_watch_cb, .arg = s };
	conn_set_data(c, s);
	log_debug("%016" PRIx64 " imap open port=%s", conn_id(c),
	    conn_port(c)->name);
	if (imap_rules(s, NULL, CONN_ST_GREETING, NULL, NULL))
		return;
	/* RFC 3501 7.1: the greeting may carry CAPABILITY. */
	buf_init(&caps, REPLY_LINE_MAX / 2);
	imap_capabilities(s, &caps);
	conn_reply(c, "* OK [CAPABILITY %s] %s", buf_cstr(&caps),
	    conf->greeting != NULL ? conf->greeting :
	    "mailrig IMAP4rev1 ready");
	buf_fini(&caps);
}

static void
imap_on_item(struct conn *c, const struct frame_item *it)
{
	struct imap_session	*s = conn_data(c);

	switch (s->state) {
	case IMAP_S_LOGOUT:
		/* Closing: the conn layer drops what is left. */
		return;
	case IMAP_S_NOT_AUTH:
	case IMAP_S_AUTH:
	case IMAP_S_SELECTED:
		break;
	default:
		fatalx("%s: bad state %d", __func__, (int)s->state);
	}
	if (s->sasl != NULL)
		imap_auth_line(s, it);
	else if (s->idling)
		imap_idle_line(s, it);
	else if (s->cmd != NULL)
		fatalx("%s: input while %s runs", __func__, s->cmd->name);
	else
		imap_input(s, it);
}

/*
 * RFC 3501 6.2.1 and RFC 2595 3.1: after the handshake the client asks
 * for capabilities again; plaintext that was pipelined behind STARTTLS
 * was thrown away by the conn layer, so the parser starts afresh.
 */
static void
imap_on_tls(struct conn *c)
{
	struct imap_session	*s = conn_data(c);

	if (s == NULL || s->state == IMAP_S_LOGOUT)
		return;
	imap_parser_reset(s->parser);
}

/* RFC 3501 5.4: the autologout timer is at least 30 minutes. */
static void
imap_on_timeout(struct conn *c)
{
	struct imap_session	*s = conn_data(c);

	imap_bye(s, "timeout", "Autologout; idle for too long");
}

static void
imap_on_shutdown(struct conn *c)
{
	struct imap_session	*s = conn_data(c);

	imap_bye(s, "shutdown", "Server shutting down");
}

static void
imap_on_close(struct conn *c, const char *reason)
{
	struct imap_session	*s = conn_data(c);

	if (s == NULL)
		return;
	log_debug("%016" PRIx64 " imap close reason=%s", conn_id(c),
	    reason != NULL ? reason : "-");
	conn_set_drain_cb(c, NULL);
	if (s->state == IMAP_S_SELECTED)
		imap_unselect(s);
	store_box_unwatch(&s->watch);
	sasl_free(s->sasl);
	imap_cmd_free(s->cmd);
	imap_parser_free(s->parser);
	event_free(s->ev_sync);
	free(s->msgs);
	free(s->box_name);
	free(s->login);
	buf_fini(&s->line);
	buf_fini(&s->rargs);
	while (s->nghosts > 0)
		imap_ghost_del(s, s->nghosts - 1);
	free(s->ghosts);
	free(s);
	conn_set_data(c, NULL);
}

/* --- input and the dispatcher --- */

static void
imap_input(struct imap_session *s, const struct frame_item *it)
{
	const char	*tag;
	size_t		 used, tlen;
	int		 r;

	if (it->flags & FRAME_DATA) {
		r = imap_parser_feed(s->parser, it->p, it->len, &used);
		if (r != IMAP_PARSE_MORE || used != it->len)
			fatalx("%s: literal bytes gave %d", __func__, r);
		return;
	}
	if (it->flags & FRAME_TOO_LONG) {
		/* The framer skips to the LF: the session stays in sync. */
		tag = imap_parser_tag(s->parser);
		tlen = strlen(tag);
		if (tlen == 0) {
			tag = it->p;
			tlen = strcspn(tag, " ");
			if (tlen >= it->len || tlen > IMAP_TAG_MAX ||
			    !imap_parser_tag_valid(tag, tlen))
				tlen = 0;
		}
		if (tlen > 0)
			conn_reply(s->conn, "%.*s BAD Command line too long",
			    (int)tlen, tag);
		else
			conn_reply(s->conn, "* BAD Command line too long");
		imap_parser_reset(s->parser);
		if (++s->errors >= IMAP_ERRORS_MAX)
			imap_bye(s, "errors", "Too many invalid commands");
		return;
	}
	r = imap_parser_feed(s->parser, it->p, it->len, &used);
	if (r == IMAP_PARSE_MORE)
		r = imap_parser_feed(s->parser, "\r\n", 2, &used);
	switch (r) {
	case IMAP_PARSE_ERROR:
		imap_parse_failed(s);
		break;
	case IMAP_PARSE_LITERAL:
		imap_literal(s);
		break;
	case IMAP_PARSE_DONE:
		imap_dispatch(s);
		break;
	case IMAP_PARSE_MORE:
		/* The line ended without its CRLF being taken. */
	default:
		fatalx("%s: parser returned %d", __func__, r);
	}
}

static void
imap_parse_failed(struct imap_session *s)
{
	const char		*msg, *tag = imap_parser_tag(s->parser);
	enum imap_parse_err	 err;
	bool			 counted = true;

	err = imap_parser_error(s->parser, &msg);
	switch (err) {
	case IMAP_PERR_TAG:
		conn_reply(s->conn, "* BAD %s", msg);
		break;
	case IMAP_PERR_SYNTAX:
	case IMAP_PERR_LINE:
	case IMAP_PERR_ARGS:
		conn_reply(s->conn, "%s BAD %s", tag, msg);
		break;
	case IMAP_PERR_TOOBIG:
		/* RFC 7888 4 / RFC 4469 / RFC 5530 3 */
		conn_reply(s->conn, "%s NO [TOOBIG] %s (%" PRIu64 " bytes)",
		    tag, msg, imap_parser_literal_size(s->parser));
		counted = false;
		break;
	case IMAP_PERR_FATAL:
		imap_bye(s, "literal", msg);
		return;
	case IMAP_PERR_NONE:
	case IMAP_PERR__COUNT:
	default:
		fatalx("%s: bad parser error %d", __func__, (int)err);
	}
	imap_parser_reset(s->parser);
	if (counted && ++s->errors >= IMAP_ERRORS_MAX)
		imap_bye(s, "errors", "Too many invalid commands");
}

/*
 * RFC 3501 7.5: "+" asks for a synchronizing literal; a non-synchronizing
 * one (RFC 7888) follows without it.  Either way the framer counts it.
 */
static void
imap_literal(struct imap_session *s)
{
	uint64_t	n = imap_parser_literal_size(s->parser);
	struct imap_cmd	*cmd;

	if (imap_parser_literal_sync(s->parser)) {
		/* A refusal instead of "+" means the client must not send
		   the literal (RFC 3501 7.5): the command is over. */
		cmd = xcalloc(1, sizeof(*cmd));
		if (!str_copy(cmd->tag, imap_parser_tag(s->parser),
		    sizeof(cmd->tag)))
			fatalx("%s: tag over its cap", __func__);
		if (imap_rules(s, cmd, CONN_ST_LITERAL, NULL, NULL)) {
			imap_cmd_free(cmd);
			imap_parser_reset(s->parser);
			return;
		}
		imap_cmd_free(cmd);
		conn_reply(s->conn, "+ Ready for literal data");
	}
	conn_expect_bytes(s->conn, n);
}

static const struct imap_cmd_def *
imap_lookup(const struct imap_arg *a, enum imap_cmd_id *id_r)
{
	size_t	i;

	if (a->type != IMAP_ARG_ATOM)
		return NULL;
	for (i = 0; i < nitems(imap_cmds); i++) {
		if (strcasecmp(imap_cmds[i].verb, a->str) == 0) {
			*id_r = (enum imap_cmd_id)i;
			return &imap_cmds[i];
		}
	}
	return NULL;
}

static void
imap_dispatch(struct imap_session *s)
{
	const struct imap_cmd_def	*def;
	const struct imap_arg		*args;
	struct imap_cmd			*cmd;
	enum imap_cmd_id		 id = IMAP_CMD__COUNT;
	size_t				 n;

	args = imap_parser_args(s->parser, &n);
	cmd = xcalloc(1, sizeof(*cmd));
	if (!str_copy(cmd->tag, imap_parser_tag(s->parser), sizeof(cmd->tag)))
		fatalx("%s: tag over its cap", __func__);
	s->cmd = cmd;
	if (n == 0) {
		imap_bad(s, cmd, "Missing command");
		return;
	}
	def = imap_lookup(&args[0], &id);
	if (def == NULL || (def->cap != 0 && !imap_cap(s, def->cap))) {
		imap_bad(s, cmd, "Unknown command");
		return;
	}
	s->counts[id]++;
	args++;
	n--;
	if (id == IMAP_CMD_UID) {
		/* RFC 3501 6.4.8: UID COPY, FETCH, STORE, SEARCH; 4315 2.1
		   adds EXPUNGE, 6851 3.2 MOVE. */
		if (!(def->states & IMAP_SM(s->state))) {
			imap_bad(s, cmd, "UID not allowed now");
			return;
		}
		def = n > 0 ? imap_lookup(&args[0], &id) : NULL;
		if (def == NULL || !(def->flags & IMAP_C_UID) ||
		    (def->cap != 0 && !imap_cap(s, def->cap)) ||
		    (id == IMAP_CMD_EXPUNGE &&
		    !imap_cap(s, IMAP_CAP_UIDPLUS))) {
			imap_bad(s, cmd, "Unknown UID command");
			return;
		}
		cmd->uid = true;
		args++;
		n--;
	}
	cmd->id = id;
	cmd->def = def;
	cmd->args = args;
	cmd->nargs = n;
	snprintf(cmd->name, sizeof(cmd->name), "%s%s", cmd->uid ? "UID " : "",
	    def->verb);
	if (!(def->states & IMAP_SM(s->state))) {
		imap_bad(s, cmd, "%s not allowed now", cmd->name);
		return;
	}
	if (n < def->nargs_min + (cmd->uid && id == IMAP_CMD_EXPUNGE) ||
	    n > def->nargs_max + (cmd->uid && id == IMAP_CMD_EXPUNGE)) {
		imap_bad(s, cmd, "Wrong number of arguments for %s",
		    cmd->name);
		return;
	}
	imap_args_text(args, n, &s->rargs);
	if (imap_rules(s, cmd, CONN_ST_COMMAND, cmd->name,
	    buf_cstr(&s->rargs)))
		return;
	def->proceed(s, cmd);
}

/*
 * The arguments as text for a rule's regex: atoms and strings as they
 * read, lists in parentheses, literals as {n}; cut at the buffer's cap.
 */
static void
imap_args_text(const struct imap_arg *a, size_t n, struct buf *b)
{
	buf_reset(b);
	imap_args_text_more(a, n, b);
}

/* Nested lists append to what is there. */
static void
imap_args_text_more(const struct imap_arg *a, size_t n, struct buf *b)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (i > 0 && buf_appendc(b, ' ') == -1)
			return;
		if (a[i].type == IMAP_ARG_LIST) {
			if (buf_appendc(b, '(') == -1)
				return;
			imap_args_text_more(a[i].list, a[i].nlist, b);
			if (buf_appendc(b, ')') == -1)
				return;
		} else if (a[i].type == IMAP_ARG_LITERAL) {
			if (buf_appendf(b, "{%zu}", a[i].len) == -1)
				return;
		} else if (buf_append(b, a[i].str, a[i].len) == -1)
			return;
	}
}

/*
 * Ask the scenario's rules (conn_ask).  Untagged lines go out first.  A
 * replaced reply: "* ..." lines as they are, then the status line, tagged
 * with cmd's tag (untagged for the greeting); a BYE closes the session.
 * true if replaced: the command is over and not carried out.
 */
bool
imap_rules(struct imap_session *s, struct imap_cmd *cmd, enum conn_stage st,
    const char *verb, const char *args)
{
	const struct conn_verdict	*v;
	const char			*last;
	size_t				 i;

	if ((v = conn_ask(s->conn, st, verb, args)) == NULL)
		return false;
	/*
	 * A command that goes on keeps the lines for its tagged status
	 * (imap_finish): after its own untagged data, so an injected
	 * "* OK [UIDVALIDITY 99]" overrides the one SELECT sends (RFC 3501
	 * 7.1) instead of being overridden by it.
	 */
	if (st == CONN_ST_COMMAND && cmd != NULL && v->nlines == 0) {
		cmd->inject = v;
		return false;
	}
	for (i = 0; i < v->nuntagged; i++)
		conn_reply(s->conn, "%s", v->untagged[i]);
	if (v->nlines == 0)
		return false;
	for (i = 0; i + 1 < v->nlines; i++)
		conn_reply(s->conn, "%s", v->lines[i]);
	last = v->lines[v->nlines - 1];
	if (strncmp(last, "* ", 2) == 0)
		last += 2;
	if (strncasecmp(last, "BYE", 3) == 0) {
		imap_bye(s, "fault: bye", last + (last[3] == ' ' ? 4 : 3));
		return true;
	}
	if (cmd == NULL)
		conn_reply(s->conn, "* %s", last);
	else {
		conn_reply(s->conn, "%s %s", cmd->tag, last);
		/* The session's command is over; a literal's stand-in
		   belongs to the caller. */
		if (s->cmd == cmd) {
			s->cmd = NULL;
			imap_cmd_free(cmd);
			imap_parser_reset(s->parser);
		}
	}
	return true;
}

static void
imap_cmd_free(struct imap_cmd *cmd)
{
	if (cmd == NULL)
		return;
	imap_fetch_job_free(cmd->fetch);
	free(cmd);
}

/* --- the selected mailbox --- */

/*
 * Runs inside another session's change (store.h): only note it.  While
 * idling the updates go out at once (RFC 2177 3), from the event loop so
 * that claiming \Recent does not change the mailbox inside the change.
 */
static void
imap_watch_cb(struct store_watch *w, enum store_ev ev, uint32_t uid)
{
	struct imap_session	*s = w->arg;

	s->dirty = true;
	if (ev == STORE_EV_GONE) {
		s->box = NULL;
		s->gone = true;
	}
	if (s->idling)
		event_active(s->ev_sync, EV_TIMEOUT, 1);
}

static void
imap_sync_cb(evutil_socket_t fd, short what, void *arg)
{
	struct imap_session	*s = arg;

	if (s->idling && s->state == IMAP_S_SELECTED)
		imap_sync(s, true);
}

static void
imap_view_add(struct imap_session *s, const struct store_entry *e)
{
	if (s->nmsgs == s->msgs_cap) {
		s->msgs_cap = s->msgs_cap == 0 ? 64 : s->msgs_cap * 2;
		s->msgs = xreallocarray(s->msgs, s->msgs_cap,
		    sizeof(*s->msgs));
	}
	/* RFC 3501 6.3.2: EXAMINE shows \Recent but never claims it. */
	s->msgs[s->nmsgs++] = (struct imap_vmsg){ .uid = e->uid,
	    .flags = e->flags & ~STORE_F_RECENT, .keywords = e->keywords,
	    .recent = (e->flags & STORE_F_RECENT) != 0 };
	s->uid_last = e->uid;
}

/* RFC 3501 2.3.2: the first session to see a message holds \Recent. */
static void
imap_claim_recent(struct imap_session *s, size_t from)
{
	const struct store_entry	*e;
	size_t				 i;
	long				 k;

	if (s->readonly)
		return;
	for (i = from; i < s->nmsgs; i++) {
		if (!s->msgs[i].recent)
			continue;
		k = store_box_find_uid(s->box, s->msgs[i].uid);
		if (k < 0)
			continue;
		e = store_box_entry(s->box, (size_t)k);
		(void)store_box_set_flags(s->box, e->uid,
		    e->flags & ~STORE_F_RECENT, e->keywords, &s->watch);
	}
}

void
imap_select(struct imap_session *s, struct store_box *box, bool readonly)
{
	size_t	i, n;

	if (s->state == IMAP_S_SELECTED)
		imap_unselect(s);
	s->box = box;
	s->box_name = xstrdup(store_box_name(box));
	s->readonly = readonly;
	s->dirty = false;
	s->gone = false;
	s->nmsgs = 0;
	s->uid_last = 0;
	n = store_box_size(box);
	for (i = 0; i < n; i++)
		imap_view_add(s, store_box_entry(box, i));
	s->nkeywords = store_box_nkeywords(box);
	store_box_watch(box, &s->watch);
	imap_claim_recent(s, 0);
	imap_enter_state(s, IMAP_S_SELECTED);
}

void
imap_unselect(struct imap_session *s)
{
	store_box_unwatch(&s->watch);
	s->box = NULL;
	free(s->box_name);
	s->box_name = NULL;
	s->nmsgs = 0;
	s->uid_last = 0;
	s->dirty = false;
	s->gone = false;
	imap_enter_state(s, IMAP_S_AUTH);
}

const struct store_entry *
imap_view_entry(struct imap_session *s, size_t i)
{
	long	k;

	if (s->box == NULL || i >= s->nmsgs || s->msgs[i].expunged)
		return NULL;
	k = store_box_find_uid(s->box, s->msgs[i].uid);
	return k < 0 ? NULL : store_box_entry(s->box, (size_t)k);
}

void
imap_send_flags(struct imap_session *s)
{
	uint64_t	all;
	size_t		nkw = store_box_nkeywords(s->box);
	int		r = 0;

	all = nkw >= 64 ? UINT64_MAX : ((uint64_t)1 << nkw) - 1;
	buf_reset(&s->line);
	r |= buf_appendf(&s->line, "* FLAGS ");
	r |= imap_fetch_append_flags(&s->line, STORE_F_ALL & ~STORE_F_RECENT,
	    all, s->box);
	if (r != 0)
		fatalx("%s: flags too long", __func__);
	imap_write_line(s, &s->line);
	buf_reset(&s->line);
	/* RFC 3501 7.1: "\*" says new keywords may be created. */
	if (s->readonly) {
		r |= buf_appendf(&s->line, "* OK [PERMANENTFLAGS ()] "
		    "Read-only mailbox");
	} else {
		r |= buf_appendf(&s->line, "* OK [PERMANENTFLAGS ");
		r |= imap_fetch_append_flags(&s->line,
		    STORE_F_ALL & ~STORE_F_RECENT, all, s->box);
		/* The system flags are always there: the list is never
		   "()", so "\\*" goes before its last byte. */
		if (r == 0)
			s->line.len--;
		r |= buf_appendf(&s->line, " \\*)] Flags permitted");
	}
	if (r != 0)
		fatalx("%s: flags too long", __func__);
	imap_write_line(s, &s->line);
	s->nkeywords = nkw;
}

static void
imap_sync_flags(struct imap_session *s, size_t i,
    const struct store_entry *e)
{
	struct imap_vmsg	*vm = &s->msgs[i];
	struct buf		 b;
	int			 r = 0;

	if ((e->flags & ~STORE_F_RECENT) == vm->flags &&
	    e->keywords == vm->keywords)
		return;
	vm->flags = e->flags & ~STORE_F_RECENT;
	vm->keywords = e->keywords;
	buf_init(&b, REPLY_LINE_MAX * 4);
	r |= buf_appendf(&b, "* %zu FETCH (UID %" PRIu32 " FLAGS ", i + 1,
	    vm->uid);
	r |= imap_fetch_append_flags(&b, vm->flags |
	    (vm->recent ? STORE_F_RECENT : 0), vm->keywords, s->box);
	r |= buf_appendc(&b, ')');
	if (r != 0)
		fatalx("%s: flags too long", __func__);
	imap_write_line(s, &b);
	buf_fini(&b);
}

/*
 * One merge walk of the view against the mailbox (both in UID order):
 * UIDs missing from the mailbox were expunged, changed flags are
 * reported, UIDs past uid_last are new.  EXPUNGE numbers are sent in
 * ascending order, each valid at the time it is sent (RFC 3501 7.4.1).
 */
void
imap_sync(struct imap_session *s, bool expunge)
{
	const struct store_entry	*e;
	struct imap_vmsg		 vm;
	size_t				 r, w, j = 0, n, old, recent = 0;

	if (s->state != IMAP_S_SELECTED)
		return;
	if (s->gone) {
		imap_bye(s, "mailbox-gone",
		    "Selected mailbox was deleted, have to disconnect");
		return;
	}
	if (!s->dirty)
		return;
	s->dirty = false;
	if (store_box_nkeywords(s->box) != s->nkeywords)
		imap_send_flags(s);
	n = store_box_size(s->box);
	for (r = w = 0; r < s->nmsgs; r++) {
		vm = s->msgs[r];
		while (j < n && store_box_entry(s->box, j)->uid < vm.uid)
			j++;
		e = j < n && store_box_entry(s->box, j)->uid == vm.uid ?
		    store_box_entry(s->box, j) : NULL;
		if (e == NULL && expunge) {
			imap_untagged(s, "%zu EXPUNGE", w + 1);
			continue;
		}
		if (e == NULL) {
			vm.expunged = true;
			s->dirty = true;
		}
		s->msgs[w++] = vm;
		if (e != NULL)
			imap_sync_flags(s, w - 1, e);
	}
	s->nmsgs = w;
	old = s->nmsgs;
	for (; j < n; j++) {
		e = store_box_entry(s->box, j);
		if (e->uid > s->uid_last)
			imap_view_add(s, e);
	}
	if (s->nmsgs != old) {
		for (r = 0; r < s->nmsgs; r++)
			recent += s->msgs[r].recent;
		imap_untagged(s, "%zu EXISTS", s->nmsgs);
		imap_untagged(s, "%zu RECENT", recent);
		imap_claim_recent(s, old);
	}
}

bool
imap_view_match(struct imap_session *s, struct imap_cmd *cmd,
    const struct imap_arg *a, bool uid, size_t **idx_r, size_t *n_r)
{
	struct imap_seq	*set = NULL;
	const char	*err = NULL;
	uint32_t	 star, key;
	size_t		*idx, n = 0, i;

	if (a->type != IMAP_ARG_ATOM ||
	    imap_seq_parse(a->str, a->len, &set, &err) == -1) {
		imap_bad(s, cmd, "Invalid sequence set: %s",
		    err != NULL ? err : "not an atom");
		return false;
	}
	if (uid)
		star = s->nmsgs > 0 ? s->msgs[s->nmsgs - 1].uid : 0;
	else
		star = (uint32_t)s->nmsgs;
	/* RFC 3501 9: a sequence number past EXISTS is invalid. */
	if (!uid && s->nmsgs > 0 && imap_seq_max(set, star) > s->nmsgs) {
		imap_seq_free(set);
		imap_bad(s, cmd, "Invalid message sequence number");
		return false;
	}
	idx = xreallocarray(NULL, s->nmsgs + 1, sizeof(*idx));
	for (i = 0; i < s->nmsgs; i++) {
		key = uid ? s->msgs[i].uid : (uint32_t)(i + 1);
		if (imap_seq_contains(set, key, star))
			idx[n++] = i;
	}
	imap_seq_free(set);
	*idx_r = idx;
	*n_r = n;
	return true;
}
