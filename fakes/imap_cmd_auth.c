/*
 * imap_cmd_auth.c: the IMAP commands of any state and of the
 * not-authenticated state: CAPABILITY, NOOP, LOGOUT (RFC 3501 6.1),
 * STARTTLS (6.2.1, RFC 2595 3.1), AUTHENTICATE (6.2.2 with SASL-IR, RFC
 * 4959), LOGIN (6.2.3, LOGINDISABLED), and the small extensions ID (RFC
 * 2971), ENABLE (RFC 5161) and NAMESPACE (RFC 2342).
 *
 * Credentials are checked through struct sasl_creds (any login works by
 * default); the login name becomes the store user.  Response codes follow
 * RFC 5530 (AUTHENTICATIONFAILED, PRIVACYREQUIRED, CANNOT).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fakes/base/log.h"
#include "fakes/base/xalloc.h"
#include "fakes/imap_int.h"

static bool	imap_auth_allowed(struct imap_session *, struct imap_cmd *);
static void	imap_auth_step(struct imap_session *, const char *);
static void	imap_logged_in(struct imap_session *, struct imap_cmd *,
		    const char *);
static void	imap_auth_failed(struct imap_session *, struct imap_cmd *);

/* RFC 3501 6.1.1 */
void
imap_cmd_capability(struct imap_session *s, struct imap_cmd *cmd)
{
	buf_reset(&s->line);
	if (buf_appendf(&s->line, "* CAPABILITY ") == -1)
		fatalx("%s: line", __func__);
	imap_capabilities(s, &s->line);
	imap_write_line(s, &s->line);
	imap_ok(s, cmd, "CAPABILITY completed");
}

/* RFC 3501 6.1.2: the updates go out in imap_ok. */
void
imap_cmd_noop(struct imap_session *s, struct imap_cmd *cmd)
{
	imap_ok(s, cmd, "NOOP completed");
}

/* RFC 3501 6.1.3: BYE first, then the tagged OK, then close. */
void
imap_cmd_logout(struct imap_session *s, struct imap_cmd *cmd)
{
	conn_reply(s->conn, "* BYE mailrig logging out");
	conn_reply(s->conn, "%s OK LOGOUT completed", cmd->tag);
	s->cmd = NULL;
	free(cmd);
	imap_bye(s, "logout", NULL);
}

/* RFC 3501 6.2.1, RFC 2595 3.1 */
void
imap_cmd_starttls(struct imap_session *s, struct imap_cmd *cmd)
{
	if (conn_port(s->conn)->tls == NULL) {
		imap_no(s, cmd, "[CANNOT] TLS not available");
		return;
	}
	if (conn_tls_active(s->conn)) {
		imap_bad(s, cmd, "TLS already active");
		return;
	}
	imap_ok(s, cmd, "Begin TLS negotiation now");
	if (conn_starttls(s->conn) == -1) {
		log_warnx("%016" PRIx64 " imap starttls failed",
		    conn_id(s->conn));
		imap_bye(s, "starttls", "TLS failed");
	}
}

/* RFC 3501 6.2.3 and RFC 2595 3.2: LOGINDISABLED means a tagged NO. */
static bool
imap_auth_allowed(struct imap_session *s, struct imap_cmd *cmd)
{
	if (s->conf->tls_required && !conn_tls_active(s->conn)) {
		imap_no(s, cmd, "[PRIVACYREQUIRED] Run STARTTLS first");
		return false;
	}
	return true;
}

void
imap_cmd_login(struct imap_session *s, struct imap_cmd *cmd)
{
	const struct sasl_creds	*creds = imap_creds(s);
	const char		*user, *pass, *want;

	if (!imap_arg_astring(&cmd->args[0], &user) ||
	    !imap_arg_astring(&cmd->args[1], &pass)) {
		imap_bad(s, cmd, "LOGIN needs a user name and a password");
		return;
	}
	if (!imap_auth_allowed(s, cmd))
		return;
	if (s->conf->login_disabled) {
		imap_no(s, cmd, "[CANNOT] LOGIN is disabled, use AUTHENTICATE");
		return;
	}
	if (!creds->accept_any) {
		want = creds->lookup != NULL ? creds->lookup(creds->arg, user) :
		    NULL;
		if (want == NULL || strcmp(want, pass) != 0) {
			imap_auth_failed(s, cmd);
			return;
		}
	}
	imap_logged_in(s, cmd, user);
}

static void
imap_auth_failed(struct imap_session *s, struct imap_cmd *cmd)
{
	imap_no(s, cmd, "[AUTHENTICATIONFAILED] Authentication failed");
	/* A failed login is the client's error too (Postfix counts it). */
	if (++s->errors >= IMAP_ERRORS_MAX)
		imap_bye(s, "errors", "Too many invalid commands");
}

static void
imap_logged_in(struct imap_session *s, struct imap_cmd *cmd,
    const char *user)
{
	struct store_user	*u;

	u = store_user_get(s->conf->store, user, true);
	if (u == NULL) {
		imap_auth_failed(s, cmd);
		return;
	}
	s->user = u;
	free(s->login);
	s->login = xstrdup(user);
	conn_set_user(s->conn, user);
	imap_enter_state(s, IMAP_S_AUTH);
	log_debug("%016" PRIx64 " imap login user=%s", conn_id(s->conn),
	    store_user_name(u));
	/* RFC 3501 6.2.2: capabilities may change; say them now. */
	buf_reset(&s->line);
	imap_capabilities(s, &s->line);
	imap_ok(s, cmd, "[CAPABILITY %s] Logged in", buf_cstr(&s->line));
}

/* RFC 3501 6.2.2 with the initial response of RFC 4959 3. */
void
imap_cmd_authenticate(struct imap_session *s, struct imap_cmd *cmd)
{
	enum sasl_mech	 mech;
	const char	*name, *ir = NULL;

	if (cmd->args[0].type != IMAP_ARG_ATOM ||
	    !imap_arg_astring(&cmd->args[0], &name)) {
		imap_bad(s, cmd, "AUTHENTICATE needs a mechanism");
		return;
	}
	if (cmd->nargs == 2 && (!imap_cap(s, IMAP_CAP_SASL_IR) ||
	    cmd->args[1].type != IMAP_ARG_ATOM)) {
		imap_bad(s, cmd, "Invalid initial response");
		return;
	}
	if (!imap_auth_allowed(s, cmd))
		return;
	if (!sasl_mech_from_name(name, &mech) ||
	    !(s->conf->auth_mechs & (1u << mech))) {
		imap_no(s, cmd, "[CANNOT] Unsupported authentication "
		    "mechanism");
		return;
	}
	if (cmd->nargs == 2)
		ir = cmd->args[1].str;
	s->sasl = sasl_new(mech, imap_creds(s), s->conf->hostname);
	conn_set_secret(s->conn, true);
	imap_auth_step(s, ir);
}

static void
imap_auth_step(struct imap_session *s, const char *in)
{
	struct imap_cmd		*cmd = s->cmd;
	const char		*chal = NULL;
	char			*user;
	enum sasl_status	 st;

	st = sasl_step(s->sasl, in, &chal);
	switch (st) {
	case SASL_CONTINUE:
		/* RFC 3501 7.5: "+" and the base64 challenge. */
		conn_reply(s->conn, "+ %s", chal != NULL ? chal : "");
		return;
	case SASL_OK:
		user = xstrdup(sasl_user(s->sasl) != NULL ?
		    sasl_user(s->sasl) : "");
		imap_auth_end(s);
		imap_logged_in(s, cmd, user);
		free(user);
		return;
	case SASL_FAIL:
		imap_auth_end(s);
		imap_auth_failed(s, cmd);
		return;
	case SASL_BAD:
		imap_auth_end(s);
		imap_bad(s, cmd, "Invalid response: %s",
		    "not base64 or wrong shape");
		return;
	case SASL_CANCEL:
		/* RFC 3501 6.2.2: "*" cancels with BAD. */
		imap_auth_end(s);
		imap_bad(s, cmd, "Authentication cancelled");
		return;
	default:
		fatalx("%s: bad sasl status %d", __func__, (int)st);
	}
}

void
imap_auth_line(struct imap_session *s, const struct frame_item *it)
{
	char	*line;

	if ((it->flags & (FRAME_TOO_LONG | FRAME_NUL | FRAME_DATA)) ||
	    it->len > IMAP_AUTH_LINE_MAX) {
		imap_auth_end(s);
		imap_bad(s, s->cmd, "Authentication response too long");
		return;
	}
	line = xstrndup(it->p, it->len);
	imap_auth_step(s, line);
	free(line);
}

void
imap_auth_end(struct imap_session *s)
{
	sasl_free(s->sasl);
	s->sasl = NULL;
	conn_set_secret(s->conn, false);
}

/* RFC 2971 3.1: the client's list is only read, never judged. */
void
imap_cmd_id(struct imap_session *s, struct imap_cmd *cmd)
{
	if (cmd->args[0].type != IMAP_ARG_LIST &&
	    !imap_arg_atom(&cmd->args[0], "NIL")) {
		imap_bad(s, cmd, "ID needs a list or NIL");
		return;
	}
	imap_untagged(s, "ID (\"name\" \"mailrig\" \"vendor\" \"mailrig\")");
	imap_ok(s, cmd, "ID completed");
}

/* RFC 5161 3.1: nothing here changes behaviour, so nothing is enabled. */
void
imap_cmd_enable(struct imap_session *s, struct imap_cmd *cmd)
{
	size_t	i;

	for (i = 0; i < cmd->nargs; i++) {
		if (cmd->args[i].type != IMAP_ARG_ATOM) {
			imap_bad(s, cmd, "ENABLE takes capability names");
			return;
		}
	}
	imap_untagged(s, "ENABLED");
	imap_ok(s, cmd, "ENABLE completed");
}

/* RFC 2342 5: one personal namespace, no others. */
void
imap_cmd_namespace(struct imap_session *s, struct imap_cmd *cmd)
{
	imap_untagged(s, "NAMESPACE ((\"\" \"/\")) NIL NIL");
	imap_ok(s, cmd, "NAMESPACE completed");
}
