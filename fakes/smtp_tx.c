/*
 * smtp_tx.c: the SMTP mail transaction, from MAIL to delivery.  Owns
 * struct smtp_tx (envelope in a store_msg, body in a bounded buf) and the
 * commands that build it: MAIL and RCPT with their parameters (RFC 5321
 * 4.1.1.2-3; SIZE, RFC 1870; BODY, RFC 6152 and RFC 3030; SMTPUTF8, RFC
 * 6531 3.4; RET, ENVID, NOTIFY, ORCPT, RFC 3461 4; AUTH=, RFC 4954 5),
 * DATA (4.1.1.4) and BDAT (RFC 3030 2), then the hand-over to the store.
 *
 * Errors met while a body streams in are sticky and answered only after
 * the final "." or chunk (RFC 5321 4.5.3.1.9): the client is not reading
 * replies then.  Dot-unstuffing is the framer's; recipients are never
 * looked up (catch-all).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/smtp_int.h"

struct smtp_tx_param {
	const char	*name;
	unsigned	 ext;		/* extensions that must all be on */
	bool		 rcpt;		/* RCPT parameter, else MAIL */
	bool		 value;		/* "=value" required, else forbidden */
	bool		(*check)(struct smtp_session *, const char *, size_t);
};

static bool	smtp_tx_auth_needed(const struct smtp_session *);
static void	smtp_tx_reply_err(struct smtp_session *, int, const char *);
static bool	smtp_tx_params(struct smtp_session *, const char *, bool);
static bool	smtp_tx_is_xtext(const char *, size_t);
static bool	smtp_tx_word(const char *, size_t, const char *);
static void	smtp_tx_deliver(struct smtp_session *);
static void	smtp_tx_data_end(struct smtp_session *);
static void	smtp_tx_bdat_end(struct smtp_session *);
static void	smtp_tx_bdat_fatal(struct smtp_session *, int, const char *,
		    const char *);

static bool	smtp_tx_param_size(struct smtp_session *, const char *, size_t);
static bool	smtp_tx_param_body(struct smtp_session *, const char *, size_t);
static bool	smtp_tx_param_utf8(struct smtp_session *, const char *, size_t);
static bool	smtp_tx_param_ret(struct smtp_session *, const char *, size_t);
static bool	smtp_tx_param_xtext(struct smtp_session *, const char *,
		    size_t);
static bool	smtp_tx_param_notify(struct smtp_session *, const char *,
		    size_t);
static bool	smtp_tx_param_orcpt(struct smtp_session *, const char *,
		    size_t);

static const struct smtp_tx_param smtp_tx_params_tab[] = {
	{ .name = "SIZE", .ext = SMTP_EXT_SIZE, .rcpt = false,
	  .value = true, .check = smtp_tx_param_size },
	{ .name = "BODY", .ext = SMTP_EXT_8BITMIME, .rcpt = false,
	  .value = true, .check = smtp_tx_param_body },
	{ .name = "SMTPUTF8", .ext = SMTP_EXT_SMTPUTF8, .rcpt = false,
	  .value = false, .check = smtp_tx_param_utf8 },
	{ .name = "RET", .ext = SMTP_EXT_DSN, .rcpt = false,
	  .value = true, .check = smtp_tx_param_ret },
	{ .name = "ENVID", .ext = SMTP_EXT_DSN, .rcpt = false,
	  .value = true, .check = smtp_tx_param_xtext },
	{ .name = "AUTH", .ext = SMTP_EXT_AUTH, .rcpt = false,
	  .value = true, .check = smtp_tx_param_xtext },
	{ .name = "NOTIFY", .ext = SMTP_EXT_DSN, .rcpt = true,
	  .value = true, .check = smtp_tx_param_notify },
	{ .name = "ORCPT", .ext = SMTP_EXT_DSN, .rcpt = true,
	  .value = true, .check = smtp_tx_param_orcpt },
};

void
smtp_tx_free(struct smtp_session *s)
{
	struct smtp_tx	*tx = s->tx;

	if (tx == NULL)
		return;
	store_msg_unref(&tx->msg);
	buf_fini(&tx->data);
	free(tx);
	s->tx = NULL;
}

/* REQUIRED, and AFTER_TLS as RFC 6409 4.3 submission. */
static bool
smtp_tx_auth_needed(const struct smtp_session *s)
{
	return (s->conf->auth == SMTP_AUTH_REQUIRED ||
	    s->conf->auth == SMTP_AUTH_AFTER_TLS) &&
	    !(s->flags & SMTP_F_AUTHED);
}

/* err is "X.Y.Z text" as smtp_addr_parse gives it. */
static void
smtp_tx_reply_err(struct smtp_session *s, int code, const char *err)
{
	char	esc[16];
	size_t	len = strcspn(err, " ");

	if (!str_copyn(esc, err, len, sizeof(esc)) || err[len] == '\0') {
		smtp_error(s, code, NULL, "%s", err);
		return;
	}
	smtp_error(s, code, esc, "%s", err + len + 1);
}

/* --- parameters --- */

/*
 * RFC 5321 4.1.1.11: a parameter we do not know, or whose extension is
 * off (or not in effect after HELO), is 555.  Sets s->path_tx.
 */
static bool
smtp_tx_params(struct smtp_session *s, const char *params, bool rcpt)
{
	const struct smtp_tx_param	*tp;
	const char			*pos = params, *k, *v;
	size_t				 kl, vl, i;
	unsigned			 seen = 0;
	int				 r;

	s->path_tx = 0;
	while ((r = smtp_addr_next_param(&pos, &k, &kl, &v, &vl)) == 1) {
		tp = NULL;
		for (i = 0; i < nitems(smtp_tx_params_tab); i++) {
			if (strlen(smtp_tx_params_tab[i].name) == kl &&
			    strncasecmp(smtp_tx_params_tab[i].name, k,
			    kl) == 0 && smtp_tx_params_tab[i].rcpt == rcpt) {
				tp = &smtp_tx_params_tab[i];
				break;
			}
		}
		if (tp == NULL || !smtp_ext(s, tp->ext) ||
		    !(s->flags & SMTP_F_EHLO)) {
			smtp_error(s, 555, "5.5.4",
			    "Unsupported parameter %.*s", (int)MIN(kl, 64), k);
			return false;
		}
		if ((seen & (1u << i)) || (v == NULL) == tp->value) {
			smtp_error(s, 501, "5.5.4", "Bad parameter %s",
			    tp->name);
			return false;
		}
		seen |= 1u << i;
		if (!tp->check(s, v, vl))
			return false;
	}
	if (r == -1) {
		smtp_error(s, 501, "5.5.4", "Syntax error in parameters");
		return false;
	}
	return true;
}

/* RFC 1870 3 and 6.1: over the fixed maximum is 552 at MAIL time. */
static bool
smtp_tx_param_size(struct smtp_session *s, const char *v, size_t vl)
{
	uint64_t	n;

	if (!str_to_u64(v, vl, UINT64_MAX, &n)) {
		smtp_error(s, 501, "5.5.4", "Syntax: SIZE=<number>");
		return false;
	}
	if (n > smtp_size_max(s)) {
		smtp_error(s, 552, "5.3.4",
		    "Message size exceeds fixed maximum message size");
		return false;
	}
	return true;
}

/* RFC 6152 2; BINARYMIME only with CHUNKING (RFC 3030 3). */
static bool
smtp_tx_param_body(struct smtp_session *s, const char *v, size_t vl)
{
	if (smtp_tx_word(v, vl, "7BIT") || smtp_tx_word(v, vl, "8BITMIME"))
		return true;
	if (!smtp_tx_word(v, vl, "BINARYMIME")) {
		smtp_error(s, 501, "5.5.4", "Syntax: BODY=7BIT|8BITMIME");
		return false;
	}
	if (!smtp_ext(s, SMTP_EXT_BINARYMIME | SMTP_EXT_CHUNKING)) {
		smtp_error(s, 555, "5.5.4", "BODY=BINARYMIME not supported");
		return false;
	}
	s->path_tx |= SMTP_TX_BINARYMIME;
	return true;
}

static bool
smtp_tx_param_utf8(struct smtp_session *s, const char *v, size_t vl)
{
	s->path_tx |= SMTP_TX_SMTPUTF8;
	return true;
}

/* RFC 3461 4.3 */
static bool
smtp_tx_param_ret(struct smtp_session *s, const char *v, size_t vl)
{
	if (smtp_tx_word(v, vl, "FULL") || smtp_tx_word(v, vl, "HDRS"))
		return true;
	smtp_error(s, 501, "5.5.4", "Syntax: RET=FULL|HDRS");
	return false;
}

/* ENVID (RFC 3461 4.4) and AUTH= (RFC 4954 5) are xtext. */
static bool
smtp_tx_param_xtext(struct smtp_session *s, const char *v, size_t vl)
{
	if (smtp_tx_is_xtext(v, vl))
		return true;
	smtp_error(s, 501, "5.5.4", "Parameter value is not xtext");
	return false;
}

/* RFC 3461 4.1: NEVER, or a list of SUCCESS, FAILURE, DELAY. */
static bool
smtp_tx_param_notify(struct smtp_session *s, const char *v, size_t vl)
{
	const char	*end = v + vl, *comma;
	size_t		 n;

	if (smtp_tx_word(v, vl, "NEVER"))
		return true;
	for (; v < end; v = comma + 1) {
		comma = memchr(v, ',', (size_t)(end - v));
		if (comma == NULL)
			comma = end;
		n = (size_t)(comma - v);
		if (!smtp_tx_word(v, n, "SUCCESS") &&
		    !smtp_tx_word(v, n, "FAILURE") &&
		    !smtp_tx_word(v, n, "DELAY")) {
			smtp_error(s, 501, "5.5.4", "Syntax: NOTIFY=NEVER or "
			    "SUCCESS,FAILURE,DELAY");
			return false;
		}
	}
	return true;
}

/* RFC 3461 4.2: ORCPT=addr-type;xtext */
static bool
smtp_tx_param_orcpt(struct smtp_session *s, const char *v, size_t vl)
{
	const char	*semi = memchr(v, ';', vl);

	if (semi == NULL || semi == v || semi + 1 == v + vl ||
	    !smtp_tx_is_xtext(semi + 1, (size_t)(v + vl - semi - 1))) {
		smtp_error(s, 501, "5.5.4", "Syntax: ORCPT=addr-type;xtext");
		return false;
	}
	return true;
}

/* RFC 3461 4: xchar except "+" and "=", or "+" and two upper hex. */
static bool
smtp_tx_is_xtext(const char *v, size_t vl)
{
	size_t	i;

	for (i = 0; i < vl; i++) {
		if (v[i] == '+') {
			if (i + 2 >= vl || !strchr("0123456789ABCDEF",
			    v[i + 1]) || !strchr("0123456789ABCDEF", v[i + 2]))
				return false;
			i += 2;
		} else if (v[i] < 33 || v[i] > 126 || v[i] == '=')
			return false;
	}
	return true;
}

static bool
smtp_tx_word(const char *v, size_t vl, const char *word)
{
	return strlen(word) == vl && strncasecmp(v, word, vl) == 0;
}

/* --- MAIL, RCPT --- */

bool
smtp_check_mail(struct smtp_session *s, const char *args)
{
	const char	*err;

	if (s->conf->tls_required && !conn_tls_active(s->conn)) {
		smtp_error(s, 530, "5.7.0",
		    "Must issue a STARTTLS command first");
		return false;
	}
	if (smtp_tx_auth_needed(s)) {
		smtp_error(s, 530, "5.7.0", "Authentication required");
		return false;
	}
	if (smtp_addr_parse(args, false, false, &s->path, &err) == -1) {
		smtp_tx_reply_err(s, 501, err);
		return false;
	}
	if (!smtp_tx_params(s, s->path.params, false))
		return false;
	/* RFC 6531 3.5: 550 X.6.7 for a sender that needs SMTPUTF8. */
	if ((s->path.flags & SMTP_ADDR_UTF8) &&
	    !(s->path_tx & SMTP_TX_SMTPUTF8)) {
		smtp_error(s, 550, "5.6.7",
		    "Non-ASCII addresses not permitted for that sender");
		return false;
	}
	return true;
}

void
smtp_proceed_mail(struct smtp_session *s, const char *args)
{
	struct smtp_tx	*tx;

	tx = xcalloc(1, sizeof(*tx));
	tx->msg = store_msg_new();
	tx->flags = s->path_tx;
	store_msg_set_from(tx->msg, s->path.addr, s->path.params);
	buf_init(&tx->data, (size_t)MIN(smtp_size_max(s), SIZE_MAX - 1));
	s->tx = tx;
	smtp_enter_state(s, SMTP_S_MAIL);
	smtp_reply(s, 250, "2.1.0", "Ok");
}

bool
smtp_check_rcpt(struct smtp_session *s, const char *args)
{
	const char	*err;
	size_t		 max;

	max = s->conf->rcpt_max != 0 ? s->conf->rcpt_max : SMTP_RCPT_MAX;
	/* RFC 5321 4.5.3.1.10: 452, and the client goes on with DATA. */
	if (s->tx->nrcpts >= max) {
		smtp_reply(s, 452, "4.5.3", "Too many recipients");
		return false;
	}
	if (smtp_addr_parse(args, true, false, &s->path, &err) == -1) {
		smtp_tx_reply_err(s, 501, err);
		return false;
	}
	if (!smtp_tx_params(s, s->path.params, true))
		return false;
	/* RFC 6531 3.5: 553 X.6.7 for a recipient that needs SMTPUTF8. */
	if ((s->path.flags & SMTP_ADDR_UTF8) &&
	    !(s->tx->flags & SMTP_TX_SMTPUTF8)) {
		smtp_error(s, 553, "5.6.7",
		    "Non-ASCII addresses not permitted for that recipient");
		return false;
	}
	return true;
}

void
smtp_proceed_rcpt(struct smtp_session *s, const char *args)
{
	store_msg_add_rcpt(s->tx->msg, s->path.addr, s->path.params);
	s->tx->nrcpts++;
	smtp_enter_state(s, SMTP_S_RCPT);
	smtp_reply(s, 250, "2.1.5", "Ok");
}

/* --- DATA --- */

bool
smtp_check_data(struct smtp_session *s, const char *args)
{
	/* RFC 3030 2 and 3: no DATA after BDAT, none with BINARYMIME. */
	if (s->tx->flags & SMTP_TX_BDAT) {
		smtp_error(s, 503, "5.5.1", "DATA not allowed after BDAT");
		return false;
	}
	if (s->tx->flags & SMTP_TX_BINARYMIME) {
		smtp_error(s, 503, "5.5.1", "BODY=BINARYMIME needs BDAT");
		return false;
	}
	/* RFC 5321 3.3: DATA with no accepted recipient is 554 (or 503). */
	if (s->tx->nrcpts == 0) {
		smtp_error(s, 554, "5.5.1", "No valid recipients");
		return false;
	}
	return true;
}

void
smtp_proceed_data(struct smtp_session *s, const char *args)
{
	smtp_reply(s, 354, NULL, "End data with <CR><LF>.<CR><LF>");
	smtp_enter_state(s, SMTP_S_DATA);
	conn_expect_dot(s->conn);
}

void
smtp_tx_data_item(struct smtp_session *s, const struct frame_item *it)
{
	struct smtp_tx	*tx = s->tx;

	if (tx == NULL)
		fatalx("%s: DATA without a transaction", __func__);
	if (it->flags & FRAME_END) {
		smtp_tx_data_end(s);
		return;
	}
	if (tx->flags & (SMTP_TX_E_SIZE | SMTP_TX_E_LINE))
		return;
	if (it->flags & FRAME_TOO_LONG) {
		tx->flags |= SMTP_TX_E_LINE;
		buf_fini(&tx->data);
		return;
	}
	if (buf_append(&tx->data, it->p, it->len + it->eol) == -1) {
		tx->flags |= SMTP_TX_E_SIZE;
		buf_fini(&tx->data);
	}
}

static void
smtp_tx_data_end(struct smtp_session *s)
{
	unsigned	flags = s->tx->flags;

	smtp_enter_state(s, SMTP_S_READY);
	if (flags & SMTP_TX_E_LINE) {
		smtp_tx_free(s);
		smtp_error(s, 500, "5.5.2", "Line too long");
	} else if (flags & SMTP_TX_E_SIZE) {
		smtp_tx_free(s);
		smtp_error(s, 552, "5.3.4",
		    "Message size exceeds fixed maximum message size");
	} else
		smtp_tx_deliver(s);
}

/* --- BDAT, RFC 3030 --- */

/* Out of sync with the client's byte count: reply once and close. */
static void
smtp_tx_bdat_fatal(struct smtp_session *s, int code, const char *esc,
    const char *text)
{
	smtp_reply(s, code, esc, "%s", text);
	smtp_tx_free(s);
	smtp_enter_state(s, SMTP_S_QUIT);
	conn_close_after_flush(s->conn, "bdat-syntax");
}

bool
smtp_check_bdat(struct smtp_session *s, const char *args)
{
	size_t		 len = strcspn(args, " ");
	const char	*rest = args + len;
	uint64_t	 n;

	while (*rest == ' ')
		rest++;
	if (len > 0 && strspn(args, "0123456789") == len &&
	    !str_to_u64(args, len, SMTP_BDAT_CHUNK_MAX, &n)) {
		smtp_tx_bdat_fatal(s, 552, "5.3.4", "Chunk too big");
		return false;
	}
	if (!str_to_u64(args, len, SMTP_BDAT_CHUNK_MAX, &n) ||
	    (*rest != '\0' && strcasecmp(rest, "LAST") != 0)) {
		smtp_tx_bdat_fatal(s, 501, "5.5.4",
		    "Syntax: BDAT <size> [LAST]");
		return false;
	}
	s->bdat = (struct smtp_bdat){
		.size = n,
		.last = *rest != '\0',
		.prev = s->state,
	};
	return true;
}

/* The chunk is read in every case; refusals are sent after it. */
void
smtp_proceed_bdat(struct smtp_session *s, const char *args)
{
	struct smtp_bdat	*b = &s->bdat;

	if (!smtp_ext(s, SMTP_EXT_CHUNKING)) {
		b->deny_code = 502;
		b->deny_esc = "5.5.1";
		b->deny_text = "Command not implemented";
	} else if (s->tx == NULL) {
		b->deny_code = 503;
		b->deny_esc = "5.5.1";
		b->deny_text = "Bad sequence of commands";
	} else if (s->tx->nrcpts == 0) {
		b->deny_code = 554;
		b->deny_esc = "5.5.1";
		b->deny_text = "No valid recipients";
	} else
		s->tx->flags |= SMTP_TX_BDAT;
	if (b->size == 0) {
		smtp_tx_bdat_end(s);
		return;
	}
	smtp_enter_state(s, SMTP_S_BDAT);
	conn_expect_bytes(s->conn, b->size);
}

void
smtp_tx_bdat_item(struct smtp_session *s, const struct frame_item *it)
{
	struct smtp_tx	*tx = s->tx;

	if (s->bdat.deny_code == 0 &&
	    !(tx->flags & (SMTP_TX_E_SIZE | SMTP_TX_E_LINE)) &&
	    buf_append(&tx->data, it->p, it->len) == -1) {
		tx->flags |= SMTP_TX_E_SIZE;
		buf_fini(&tx->data);
	}
	if (it->flags & FRAME_END)
		smtp_tx_bdat_end(s);
}

/*
 * RFC 3030 2: after a failed chunk the state is indeterminate until RSET;
 * we keep the transaction with its sticky error, so later chunks get the
 * same 552, and LAST ends it.
 */
static void
smtp_tx_bdat_end(struct smtp_session *s)
{
	const struct smtp_bdat	*b = &s->bdat;

	smtp_enter_state(s, b->prev);
	if (b->deny_code != 0) {
		smtp_error(s, b->deny_code, b->deny_esc, "%s", b->deny_text);
		return;
	}
	if (s->tx->flags & SMTP_TX_E_SIZE) {
		if (b->last) {
			smtp_tx_free(s);
			smtp_enter_state(s, SMTP_S_READY);
		}
		smtp_error(s, 552, "5.3.4",
		    "Message size exceeds fixed maximum message size");
		return;
	}
	if (b->last) {
		smtp_tx_deliver(s);
		return;
	}
	smtp_reply(s, 250, "2.0.0", "%" PRIu64 " octets received", b->size);
}

/* --- delivery --- */

/* RFC 5321 4.1.1.4: 250 only once the store holds the message. */
static void
smtp_tx_deliver(struct smtp_session *s)
{
	struct store_msg	*msg = s->tx->msg;
	const char		*err = "no store";
	char			*data, via[8];
	size_t			 len;
	bool			 tls = conn_tls_active(s->conn);

	/* A rule may refuse the message after the data (e.g. 552, 451). */
	if (smtp_rules(s, CONN_ST_DATA, NULL, NULL)) {
		smtp_tx_free(s);
		if (s->state != SMTP_S_QUIT)
			smtp_enter_state(s, SMTP_S_READY);
		return;
	}
	s->tx->msg = NULL;
	data = buf_steal(&s->tx->data, &len);
	if (data == NULL)
		data = xstrdup("");
	store_msg_take_data(msg, data, len);
	smtp_tx_free(s);
	smtp_enter_state(s, SMTP_S_READY);

	/* RFC 3848 "with" values. */
	if (s->flags & SMTP_F_EHLO)
		snprintf(via, sizeof(via), "ESMTP%s%s", tls ? "S" : "",
		    (s->flags & SMTP_F_AUTHED) ? "A" : "");
	else
		snprintf(via, sizeof(via), "SMTP");
	store_msg_set_str(&msg->helo, s->helo);
	store_msg_set_str(&msg->auth_user, s->auth_user);
	store_msg_set_str(&msg->tls, conn_tls_version(s->conn));
	store_msg_set_str(&msg->via, via);
	store_msg_set_str(&msg->port_name, conn_port(s->conn)->name);
	msg->session_id = conn_id(s->conn);
	if (s->conf->store == NULL ||
	    store_deliver(s->conf->store, msg, &err) == -1) {
		log_warnx("%016" PRIx64 " smtp store-failed error=%s",
		    conn_id(s->conn), err);
		smtp_reply(s, 451, "4.3.0", "Error: could not store message");
	} else
		smtp_reply(s, 250, "2.0.0", "Ok: queued as %" PRIu64, msg->id);
	store_msg_unref(&msg);
}
