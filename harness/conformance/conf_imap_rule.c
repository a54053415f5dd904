/*
 * conf_imap_rule.c: the checks of the IMAP rule table (conf_imap.c): each
 * a pure function of the tracker's state at one transcript event, plus
 * the syntax helpers they share.  Syntax is judged with the server's own
 * pure parsers (imap_parser, imap_seq, imap_fetch, imap_search,
 * imap_utf7): liberal server, strict checker.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/frame.h"
#include "fakes/imap_fetch.h"
#include "fakes/imap_parser.h"
#include "fakes/imap_search.h"
#include "fakes/imap_seq.h"
#include "fakes/imap_utf7.h"
#include "harness/capture.h"
#include "harness/conformance/conf.h"
#include "harness/conformance/conf_int.h"
#include "harness/conformance/conf_imap_int.h"


static bool	conf_imap_pending(const struct conf_imap *,
		    enum conf_imap_verb, enum conf_imap_verb);
static unsigned	conf_imap_eff_caps(const struct conf_imap *);
static unsigned	conf_imap_need_cap(const struct conf_imap *);
static bool	conf_imap_is_atom(const struct imap_arg *);
static bool	conf_imap_is_astring(const struct imap_arg *);
static bool	conf_imap_args_ok(const struct conf_imap *);
static bool	conf_imap_seq_ok(const struct imap_arg *);
static bool	conf_imap_b64(const char *, size_t);
static bool	conf_imap_redacted(const char *);
static bool	conf_imap_seqnums(const struct conf_imap *);
static bool	conf_imap_has_recent(const struct imap_arg *, size_t);
static bool	conf_imap_cleartext(const struct conf_imap *);

/* --- helpers for the rules --- */

/* What the client may use: this epoch's list, else the cached one. */
static unsigned
conf_imap_eff_caps(const struct conf_imap *s)
{
	if (s->caps_seen)
		return s->caps;
	return s->after_starttls ? s->old_caps : 0;
}

/* The capability the current command depends on, 0 for none. */
static unsigned
conf_imap_need_cap(const struct conf_imap *s)
{
	if (s->kind != CI_K_CMD || s->perr != IMAP_PERR_NONE)
		return 0;
	if (s->uid && s->verb == CI_V_EXPUNGE)
		return CI_CAP_UIDPLUS;
	if (s->verb == CI_V_AUTHENTICATE && s->nargs == 2)
		return CI_CAP_SASL_IR;
	return conf_imap_verbs[s->verb].cap;
}

static bool
conf_imap_is_atom(const struct imap_arg *a)
{
	return a->type == IMAP_ARG_ATOM;
}

static bool
conf_imap_is_astring(const struct imap_arg *a)
{
	return a->type != IMAP_ARG_LIST;
}

/* Argument count and kinds (RFC 3501 6, 9; extensions as noted). */
static bool
conf_imap_args_ok(const struct conf_imap *s)
{
	const struct conf_imap_verb_def	*d = &conf_imap_verbs[s->verb];
	const struct imap_arg		*a = s->args;
	size_t				 n = s->nargs, i;
	int				 nmin = d->nmin, nmax = d->nmax;

	if (s->verb == CI_V_EXPUNGE && s->uid)
		nmin = nmax = 1;
	if ((int)n < nmin || (nmax != CI_ANY && (int)n > nmax))
		return false;
	if ((d->flags & CI_F_MAILBOX) && !conf_imap_is_astring(&a[0]))
		return false;
	if ((d->flags & CI_F_MAILBOX2) && !conf_imap_is_astring(&a[1]))
		return false;
	switch (s->verb) {
	case CI_V_LOGIN:
		return conf_imap_is_astring(&a[0]) &&
		    conf_imap_is_astring(&a[1]);
	case CI_V_AUTHENTICATE:
		/* RFC 4959 3: the response outside quotes and literals. */
		return conf_imap_is_atom(&a[0]) && (n < 2 ||
		    conf_imap_is_atom(&a[1]));
	case CI_V_STATUS:
		return a[1].type == IMAP_ARG_LIST;
	case CI_V_LSUB:
		return conf_imap_is_astring(&a[0]) &&
		    conf_imap_is_astring(&a[1]);
	case CI_V_APPEND:
		/* The message is the last argument, always a literal. */
		return a[n - 1].type == IMAP_ARG_LITERAL;
	case CI_V_STORE:
		for (i = 1; i < n && a[i].type == IMAP_ARG_LIST; i++)
			continue;	/* RFC 7162 UNCHANGEDSINCE */
		if (i >= n - 1 || !conf_imap_is_atom(&a[i]))
			return false;
		return str_prefix_ci(a[i].str, "FLAGS") ||
		    str_prefix_ci(a[i].str, "+FLAGS") ||
		    str_prefix_ci(a[i].str, "-FLAGS");
	case CI_V_ENABLE:
		for (i = 0; i < n; i++)
			if (!conf_imap_is_atom(&a[i]))
				return false;
		return true;
	default:
		return true;
	}
}

static bool
conf_imap_seq_ok(const struct imap_arg *a)
{
	struct imap_seq	*seq;
	const char	*err;

	if (a->type != IMAP_ARG_ATOM)
		return false;
	if (imap_seq_parse(a->str, a->len, &seq, &err) == -1)
		return false;
	imap_seq_free(seq);
	return true;
}

/* RFC 4648 4; "=" is the empty initial response (RFC 4959 3). */
static bool
conf_imap_b64(const char *p, size_t n)
{
	size_t	i, pad = 0;

	if (n == 1 && p[0] == '=')
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
conf_imap_redacted(const char *p)
{
	size_t	n = strlen(p);

	return n >= 8 && strcmp(p + n - 8, "********") == 0;
}

/* Does the command name messages by sequence number (RFC 3501 5.5)? */
static bool
conf_imap_seqnums(const struct conf_imap *s)
{
	const struct imap_arg	*a = s->args;
	size_t			 i = 0;

	if (s->uid)
		return false;
	if (conf_imap_verbs[s->verb].flags & CI_F_SEQ)
		return true;
	if (s->verb != CI_V_SEARCH)
		return false;
	/* A leading sequence-set key, after an optional CHARSET x. */
	if (s->nargs >= 2 && a[0].type == IMAP_ARG_ATOM &&
	    str_eq_ci(a[0].str, "CHARSET"))
		i = 2;
	return i < s->nargs && a[i].type == IMAP_ARG_ATOM && a[i].len > 0 &&
	    ((a[i].str[0] >= '0' && a[i].str[0] <= '9') || a[i].str[0] == '*');
}

static bool
conf_imap_has_recent(const struct imap_arg *a, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (a[i].type == IMAP_ARG_LIST &&
		    conf_imap_has_recent(a[i].list, a[i].nlist))
			return true;
		if (a[i].type == IMAP_ARG_ATOM && str_eq_ci(a[i].str,
		    "\\Recent"))
			return true;
	}
	return false;
}

/* LOGIN, or AUTHENTICATE PLAIN/LOGIN, without TLS. */
static bool
conf_imap_cleartext(const struct conf_imap *s)
{
	if (s->kind != CI_K_CMD || s->tls || s->perr != IMAP_PERR_NONE)
		return false;
	if (s->verb == CI_V_LOGIN)
		return true;
	return s->verb == CI_V_AUTHENTICATE && s->nargs >= 1 &&
	    (str_eq_ci(s->args[0].str, "PLAIN") ||
	    str_eq_ci(s->args[0].str, "LOGIN"));
}

/* --- rules --- */

#define CI(ctx)		((const struct conf_imap *)(ctx)->st)
#define CI_CLIENT(s)	((s)->kind == CI_K_PART || (s)->kind == CI_K_CMD || \
	    (s)->kind == CI_K_SASL || (s)->kind == CI_K_DONE || \
	    (s)->kind == CI_K_IDLE_CMD)
#define CI_PARSED(s)	((s)->kind == CI_K_CMD && (s)->perr == IMAP_PERR_NONE)

bool
conf_imap_r_bare_lf(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	return CI_CLIENT(CI(ctx)) && (ev->flags & FRAME_BARE_LF);
}

bool
conf_imap_r_bare_cr(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	return CI_CLIENT(CI(ctx)) && (ev->flags & FRAME_BARE_CR);
}

bool
conf_imap_r_nul(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);
	size_t			 i;

	if (CI_CLIENT(s))
		return (ev->flags & FRAME_NUL) != 0;
	/* RFC 3516 literal8 may carry NUL: BINARY is a fetch extension. */
	if (s->kind != CI_K_LITERAL ||
	    (conf_imap_eff_caps(s) & CI_CAP_FETCH_EXT))
		return false;
	for (i = 0; i < ev->len; i++)
		if (ctx->t->log.p[ev->off + i] == '\0')
			return true;
	return false;
}

bool
conf_imap_r_long(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return s->kind == CI_K_CMD && (s->cmd_linemax > CI_LINE_SHOULD ||
	    s->cmd_toolong);
}

bool
conf_imap_r_8bit(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	/* RFC 6855 3: UTF8=ACCEPT allows UTF-8 in quoted strings. */
	return s->kind == CI_K_CMD && s->cmd_8bit &&
	    !(conf_imap_eff_caps(s) & CI_CAP_UTF8);
}

bool
conf_imap_r_tag(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return s->kind == CI_K_CMD && s->perr == IMAP_PERR_TAG;
}

bool
conf_imap_r_syntax(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return s->kind == CI_K_CMD && (s->perr == IMAP_PERR_SYNTAX ||
	    s->perr == IMAP_PERR_ARGS);
}

bool
conf_imap_r_spaces(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return s->kind == CI_K_CMD && s->perr != IMAP_PERR_TAG &&
	    s->cmd_spaces;
}

bool
conf_imap_r_args(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	if (!CI_PARSED(s) || s->verb == CI_V_OTHER)
		return false;
	return !conf_imap_args_ok(s);
}

bool
conf_imap_r_seq(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	if (!CI_PARSED(s) || s->nargs == 0)
		return false;
	if ((conf_imap_verbs[s->verb].flags & CI_F_SEQ) ||
	    (s->uid && s->verb == CI_V_EXPUNGE))
		return !conf_imap_seq_ok(&s->args[0]);
	return false;
}

bool
conf_imap_r_fetch(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);
	struct imap_fetch_spec	*spec;
	const char		*err;

	if (!CI_PARSED(s) || s->verb != CI_V_FETCH || s->nargs < 2)
		return false;
	if (conf_imap_eff_caps(s) & CI_CAP_FETCH_EXT)
		return false;
	if (imap_fetch_parse(&s->args[1], &spec, &err) == -1)
		return true;
	imap_fetch_spec_free(spec);
	/* RFC 7162 3.1.4's modifiers need CONDSTORE (above). */
	return s->nargs > 2;
}

bool
conf_imap_r_search(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);
	struct imap_search	*q;
	const char		*err;
	int			 r;

	if (!CI_PARSED(s) || s->verb != CI_V_SEARCH || s->nargs == 0)
		return false;
	if (conf_imap_eff_caps(s) & CI_CAP_SEARCH_EXT)
		return false;
	r = imap_search_parse(s->args, s->nargs, &q, &err);
	if (r == 0)
		imap_search_free(q);
	return r == IMAP_SEARCH_ERR_SYNTAX;
}

bool
conf_imap_r_recent(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	if (!CI_PARSED(s) || s->nargs < 2)
		return false;
	if (s->verb == CI_V_STORE)
		return conf_imap_has_recent(s->args + 2, s->nargs - 2);
	if (s->verb == CI_V_APPEND)
		return conf_imap_has_recent(s->args + 1, s->nargs - 1);
	return false;
}

bool
conf_imap_r_utf7(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);
	unsigned		 fl;
	struct buf		 b;
	size_t			 i;
	bool			 bad = false;

	if (!CI_PARSED(s) || (conf_imap_eff_caps(s) & CI_CAP_UTF8))
		return false;
	fl = conf_imap_verbs[s->verb].flags;
	buf_init(&b, 4 * IMAP_LINE_MAX);
	for (i = 0; i < 2 && i < s->nargs && !bad; i++) {
		if (!((i == 0 && (fl & CI_F_MAILBOX)) ||
		    (i == 1 && (fl & CI_F_MAILBOX2))))
			continue;
		if (s->args[i].type == IMAP_ARG_LIST)
			continue;
		buf_reset(&b);
		bad = imap_utf7_to_utf8(s->args[i].str, s->args[i].len,
		    &b) == -1;
	}
	buf_fini(&b);
	return bad;
}

bool
conf_imap_r_tag_reused(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);
	size_t			 i;

	if (!CI_PARSED(s))
		return false;
	for (i = 0; i < s->nwin; i++)
		if (strcmp(s->win[i].tag, s->tag) == 0)
			return true;
	return false;
}

bool
conf_imap_r_ambiguous(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap		*s = CI(ctx);
	const struct conf_imap_sent	*e;
	size_t				 i;

	if (!CI_PARSED(s) || !s->cmd_pipelined || !conf_imap_seqnums(s))
		return false;
	for (i = 0; i < s->nwin; i++) {
		e = &s->win[i];
		/*
		 * Only a selected mailbox has sequence numbers to lose;
		 * SELECT and EXAMINE start afresh (RFC 3501 6.3.1).
		 */
		if (!e->selected || e->verb == CI_V_SELECT ||
		    e->verb == CI_V_EXAMINE)
			continue;
		if (!e->uid && (conf_imap_verbs[e->verb].flags & CI_F_NOEXP))
			continue;
		return true;
	}
	return false;
}

/* Would a command still in progress make the state right? */
static bool
conf_imap_pending(const struct conf_imap *s, enum conf_imap_verb a,
    enum conf_imap_verb b)
{
	size_t	i;

	for (i = 0; i < s->nwin; i++)
		if (s->win[i].verb == a || s->win[i].verb == b)
			return true;
	return false;
}

bool
conf_imap_r_not_auth(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	if (!CI_PARSED(s) || s->state != CI_S_NOT_AUTH)
		return false;
	if (conf_imap_verbs[s->verb].states & CI_SM(CI_S_NOT_AUTH))
		return false;
	/* ENABLE has a rule of its own. */
	return s->verb != CI_V_ENABLE &&
	    !conf_imap_pending(s, CI_V_LOGIN, CI_V_AUTHENTICATE);
}

bool
conf_imap_r_not_selected(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	if (!CI_PARSED(s) || s->state != CI_S_AUTH)
		return false;
	if ((conf_imap_verbs[s->verb].states & CI_SM(CI_S_AUTH)) ||
	    !(conf_imap_verbs[s->verb].states & CI_SM(CI_S_SELECTED)))
		return false;
	return !conf_imap_pending(s, CI_V_SELECT, CI_V_EXAMINE);
}

bool
conf_imap_r_authed(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return CI_PARSED(s) && s->state != CI_S_NOT_AUTH &&
	    (s->verb == CI_V_LOGIN || s->verb == CI_V_AUTHENTICATE ||
	    s->verb == CI_V_STARTTLS);
}

bool
conf_imap_r_lit_early(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return s->kind == CI_K_LITERAL && s->lit_early;
}

bool
conf_imap_r_lit_plus(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	/* Not after STARTTLS with a cached list: that rule says why. */
	return s->kind == CI_K_CMD && s->cmd_nonsync &&
	    !(conf_imap_eff_caps(s) & (CI_CAP_LITERAL_PLUS |
	    CI_CAP_LITERAL_MINUS));
}

bool
conf_imap_r_lit_minus(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);
	unsigned		 c = conf_imap_eff_caps(s);

	return s->kind == CI_K_CMD && s->cmd_nonsync &&
	    s->cmd_nonsync_max > IMAP_NONSYNC_MAX &&
	    (c & CI_CAP_LITERAL_MINUS) && !(c & CI_CAP_LITERAL_PLUS);
}

bool
conf_imap_r_idle_offer(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return CI_PARSED(s) && s->verb == CI_V_IDLE &&
	    !(conf_imap_eff_caps(s) & CI_CAP_IDLE);
}

bool
conf_imap_r_idle_cmd(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	return CI(ctx)->kind == CI_K_IDLE_CMD;
}

bool
conf_imap_r_idle_done(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return s->kind == CI_K_DONE && (!s->idling ||
	    (ev->flags & CAPTURE_F_PIPELINED));
}

bool
conf_imap_r_idle_long(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	if (!s->idling || (s->kind != CI_K_DONE && s->kind != CI_K_EVENT))
		return false;
	return s->now_ms > s->idle_ms && s->now_ms - s->idle_ms > CI_IDLE_MS;
}

bool
conf_imap_r_uidplus(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return conf_imap_need_cap(s) == CI_CAP_UIDPLUS &&
	    !(conf_imap_eff_caps(s) & CI_CAP_UIDPLUS);
}

bool
conf_imap_r_move(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return conf_imap_need_cap(s) == CI_CAP_MOVE &&
	    !(conf_imap_eff_caps(s) & CI_CAP_MOVE);
}

bool
conf_imap_r_sasl_ir(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return conf_imap_need_cap(s) == CI_CAP_SASL_IR &&
	    !(conf_imap_eff_caps(s) & CI_CAP_SASL_IR);
}

bool
conf_imap_r_enable_offer(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return CI_PARSED(s) && s->verb == CI_V_ENABLE &&
	    !(conf_imap_eff_caps(s) & CI_CAP_ENABLE);
}

bool
conf_imap_r_enable_state(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	if (!CI_PARSED(s) || s->verb != CI_V_ENABLE)
		return false;
	if (s->state == CI_S_NOT_AUTH)
		return !conf_imap_pending(s, CI_V_LOGIN, CI_V_AUTHENTICATE);
	return s->ever_selected;
}

bool
conf_imap_r_ext_offer(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);
	unsigned		 need;

	if (!CI_PARSED(s))
		return false;
	switch (s->verb) {
	case CI_V_NAMESPACE:
	case CI_V_ID:
	case CI_V_UNSELECT:
	case CI_V_GETQUOTA:
	case CI_V_GETQUOTAROOT:
	case CI_V_COMPRESS:
	case CI_V_XLIST:
		need = conf_imap_verbs[s->verb].cap;
		return !(conf_imap_eff_caps(s) & need);
	default:
		return false;
	}
}

bool
conf_imap_r_mech(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);
	size_t			 i;

	if (!CI_PARSED(s) || s->verb != CI_V_AUTHENTICATE || s->nargs == 0 ||
	    !s->caps_seen || (s->mechs & CI_MECH_OTHER))
		return false;
	for (i = 0; i < conf_imap_nmechs; i++)
		if (str_eq_ci(s->args[0].str, conf_imap_mechs[i].name))
			return !(s->mechs & conf_imap_mechs[i].bit);
	return s->mechs != 0;
}

bool
conf_imap_r_sasl_b64(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);
	const struct imap_arg	*ir;

	if (s->kind == CI_K_SASL) {
		if (conf_imap_redacted(s->line) || strcmp(s->line, "*") == 0)
			return false;
		/* RFC 3501 6.2.2: an empty response is an empty line. */
		return s->len > 0 && !conf_imap_b64(s->line, s->len);
	}
	if (!CI_PARSED(s) || s->verb != CI_V_AUTHENTICATE || s->nargs < 2)
		return false;
	ir = &s->args[1];
	if (conf_imap_redacted(ir->str))
		return false;
	return ir->type != IMAP_ARG_ATOM || !conf_imap_b64(ir->str, ir->len);
}

bool
conf_imap_r_starttls_offer(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return CI_PARSED(s) && s->verb == CI_V_STARTTLS && !s->tls &&
	    !(conf_imap_eff_caps(s) & CI_CAP_STARTTLS);
}

bool
conf_imap_r_starttls_active(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return CI_PARSED(s) && s->verb == CI_V_STARTTLS && s->tls;
}

bool
conf_imap_r_starttls_pipe(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	/* The conn layer drops input read after STARTTLS's OK. */
	return s->kind == CI_K_DROPPED && !s->logout && !s->server_closing;
}

bool
conf_imap_r_starttls_cached(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);
	unsigned		 need = conf_imap_need_cap(s);

	if (s->kind != CI_K_CMD || !s->after_starttls || s->caps_seen)
		return false;
	if (s->cmd_nonsync && (s->old_caps & (CI_CAP_LITERAL_PLUS |
	    CI_CAP_LITERAL_MINUS)))
		return true;
	return need != 0 && (s->old_caps & need);
}

bool
conf_imap_r_starttls_capa(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return CI_PARSED(s) && s->after_starttls && !s->caps_seen &&
	    s->state == CI_S_NOT_AUTH && (s->verb == CI_V_LOGIN ||
	    s->verb == CI_V_AUTHENTICATE);
}

bool
conf_imap_r_login_disabled(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	/* Only this epoch's list: TLS may lift LOGINDISABLED. */
	return CI_PARSED(s) && s->verb == CI_V_LOGIN && s->caps_seen &&
	    (s->caps & CI_CAP_LOGINDISABLED);
}

bool
conf_imap_r_no_logout(const struct conf_ctx *ctx, const struct tevent *ev,
    size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	/* Only a close the client made ("eof"), never the server's. */
	if (s->logout || s->server_closing || ev == NULL ||
	    ev->kind != TEV_EVENT)
		return false;
	return strcmp(capture_tevent_name(ctx->t, ev), "close") == 0 &&
	    strcmp(conf_ev_text(ctx->t, ev), "eof") == 0;
}

bool
conf_imap_r_after_logout(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return s->logout && (CI_CLIENT(s) || s->kind == CI_K_LITERAL ||
	    s->kind == CI_K_DROPPED);
}

bool
conf_imap_r_sec_starttls_offered(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return conf_imap_cleartext(s) && s->starttls_offered;
}

bool
conf_imap_r_sec_cleartext(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return conf_imap_cleartext(s) && !s->starttls_offered;
}

bool
conf_imap_r_sec_after_tls_fail(const struct conf_ctx *ctx,
    const struct tevent *ev, size_t *evidence_r)
{
	const struct conf_imap	*s = CI(ctx);

	return s->tls_failed && (CI_CLIENT(s) || s->kind == CI_K_LITERAL ||
	    s->kind == CI_K_DROPPED);
}
