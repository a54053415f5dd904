/*
 * expect.c: judge a scenario's expect: block after the run.
 *
 * Messages: each match entry takes the first accepted message, not taken
 * by an earlier entry, that meets all of its conditions; when none does,
 * the closest one (most conditions met) explains the failure.  MIME is
 * parsed with GMime 3 once per message: Subject decoded (RFC 2047), To/Cc
 * (RFC 5322 3.6.3) compared with the envelope (RFC 5321 3.3), the first
 * text/plain and text/html parts decoded to UTF-8, attachments by
 * Content-Disposition or file name (RFC 2183).
 *
 * Client behaviour is read from the transcripts: SMTP replies are paired
 * with commands in order (RFC 2920 3.1 keeps pipelined replies in
 * order), each (MAIL FROM, RCPT) attempt gets an outcome, and a retry is
 * the same pair tried again later.  It never touches a socket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "fakes/base/log.h"
#include "fakes/base/xalloc.h"
#include "fakes/store.h"
#include "harness/capture.h"
#include "harness/expect.h"

#define EXPECT_TEXT_MAX		(64 * 1024)	/* expected/actual text */
#define EXPECT_SHOW_MAX		200	/* bytes of a value shown */
#define EXPECT_VERB_MAX		32
#define EXPECT_ATTEMPTS_MAX	100000

/* What a message holds, parsed once. */
struct expect_mime {
	bool		 parsed;
	GMimeMessage	*msg;		/* owned reference; NULL if unparsable */
	char		*subject;	/* owned; NULL if none */
	struct buf	 to;		/* "\n"-joined lower-case addrs */
	struct buf	 cc;
	char		*text;		/* owned (g_free); NULL if none */
	char		*html;		/* owned (g_free); NULL if none */
	struct buf	 att_names;	/* "\n"-joined */
	struct buf	 att_types;
	size_t		 natt;
};

/* One SMTP (MAIL FROM, RCPT) attempt and how it ended. */
enum expect_outcome {
	EXPECT_O_OPEN,		/* no final reply yet */
	EXPECT_O_OK,
	EXPECT_O_TEMP,		/* 4xx, RFC 5321 4.2.1 */
	EXPECT_O_PERM,		/* 5xx */
	EXPECT_O__COUNT
};

struct expect_attempt {
	char		*from;		/* owned */
	char		*rcpt;		/* owned; "" when MAIL itself failed */
	int64_t		 when_ms;	/* wall clock */
	enum expect_outcome outcome;
	unsigned	 code;
};

struct expect_attempts {
	struct expect_attempt *v;	/* owned array */
	size_t		 n;
	size_t		 cap;
};

struct expect_ctx {
	const struct store_msg *const *msgs;
	size_t		 nmsgs;
	const struct transcript *const *tr;
	size_t		 ntr;
	struct expect_mime *mime;	/* owned array, nmsgs */
	struct expect_results *out;
};

static void	expect_add(struct expect_results *, const char *, bool,
		    struct scen_mark, char *, char *);
static char	*expect_show(const char *);
static struct expect_mime *expect_mime_get(struct expect_ctx *, size_t);
static void	expect_mime_parse(struct expect_mime *,
		    const struct store_msg *);
static void	expect_mime_addrs(struct buf *, InternetAddressList *);
static void	expect_mime_part_cb(GMimeObject *, GMimeObject *, gpointer);
static void	expect_mime_free(struct expect_mime *);
static bool	expect_buf_has_line(const struct buf *, const char *);
static bool	expect_pattern(const struct scen_pattern *, const char *,
		    bool);
static char	*expect_pattern_text(const struct scen_pattern *);
static bool	expect_count_ok(const struct scen_count *, uint64_t);
static char	*expect_count_text(const struct scen_count *);
static void	expect_messages(struct expect_ctx *, const struct scen_expect *);
static int	expect_match_one(struct expect_ctx *,
		    const struct scen_msg_expect *, size_t, size_t, bool);
static char	*expect_strings_text(const struct scen_strings *);
static bool	expect_rcpt_set(struct expect_ctx *, size_t,
		    const struct scen_strings *, int, char **);
static bool	expect_lines_match(const struct buf *,
		    const struct scen_strings *, char **);
static void	expect_client(struct expect_ctx *, const struct scen_expect *);
static void	expect_smtp_attempts(const struct transcript *,
		    struct expect_attempts *);
static void	expect_attempt_add(struct expect_attempts *, const char *,
		    const char *, int64_t);
static void	expect_attempts_fini(struct expect_attempts *);
static void	expect_retries(struct expect_ctx *, const struct scen_expect *);
static void	expect_verb(const struct transcript *, const char *, char *,
		    size_t);
static void	expect_commands(struct expect_ctx *,
		    const struct scen_strings *, bool, const char *);
static void	expect_quit(struct expect_ctx *, const struct scen_flag *);
static void	expect_exit(struct expect_ctx *, const struct scen_expect *,
		    const struct expect_client *);
static void	expect_addr(const char *, size_t, char *, size_t);
static void	expect_path(const char *, char *, size_t);
static void	expect_put(struct buf *, const char *, const char *);
static bool	expect_is_command(const struct transcript *,
		    const struct tevent *, char *, size_t);

/* --- results --- */

static void
expect_add(struct expect_results *out, const char *name, bool passed,
    struct scen_mark mark, char *expected, char *actual)
{
	struct expect_result	*r;

	if (out->n == out->cap) {
		out->cap = out->cap == 0 ? 16 : out->cap * 2;
		out->v = xreallocarray(out->v, out->cap, sizeof(*out->v));
	}
	r = &out->v[out->n++];
	r->name = xstrdup(name);
	r->passed = passed;
	r->expected = expected;
	r->actual = actual;
	r->mark = mark;
}

void
expect_results_fini(struct expect_results *rs)
{
	size_t	i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].name);
		free(rs->v[i].expected);
		free(rs->v[i].actual);
	}
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

bool
expect_results_passed(const struct expect_results *rs)
{
	size_t	i;

	for (i = 0; i < rs->n; i++)
		if (!rs->v[i].passed)
			return false;
	return true;
}

/* A value quoted for a person, cut at EXPECT_SHOW_MAX bytes. */
static char *
expect_show(const char *s)
{
	if (s == NULL)
		return xstrdup("(none)");
	if (strlen(s) > EXPECT_SHOW_MAX)
		return xasprintf("\"%.*s...\"", EXPECT_SHOW_MAX, s);
	return xasprintf("\"%s\"", s);
}

void
expect_eval(const struct scen_expect *ex, const struct store_msg *const *msgs,
    size_t nmsgs, const struct transcript *const *tr, size_t ntr,
    const struct expect_client *client, struct expect_results *out)
{
	struct expect_ctx	 ctx = { .msgs = msgs, .nmsgs = nmsgs,
				    .tr = tr, .ntr = ntr, .out = out };
	size_t			 i;

	ctx.mime = xcalloc(nmsgs + 1, sizeof(*ctx.mime));
	expect_exit(&ctx, ex, client);
	expect_messages(&ctx, ex);
	expect_client(&ctx, ex);
	for (i = 0; i < nmsgs; i++)
		expect_mime_free(&ctx.mime[i]);
	free(ctx.mime);
}

/* --- MIME --- */

static struct expect_mime *
expect_mime_get(struct expect_ctx *ctx, size_t i)
{
	if (!ctx->mime[i].parsed)
		expect_mime_parse(&ctx->mime[i], ctx->msgs[i]);
	return &ctx->mime[i];
}

static void
expect_mime_parse(struct expect_mime *mm, const struct store_msg *m)
{
	static bool	 inited;
	GMimeStream	*st;
	GMimeParser	*p;
	const char	*subj;

	if (!inited) {
		g_mime_init();
		inited = true;
	}
	mm->parsed = true;
	buf_init(&mm->to, EXPECT_TEXT_MAX);
	buf_init(&mm->cc, EXPECT_TEXT_MAX);
	buf_init(&mm->att_names, EXPECT_TEXT_MAX);
	buf_init(&mm->att_types, EXPECT_TEXT_MAX);
	if (m->data == NULL)
		return;
	st = g_mime_stream_mem_new_with_buffer(m->data, m->len);
	p = g_mime_parser_new_with_stream(st);
	mm->msg = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	g_object_unref(st);
	if (mm->msg == NULL)
		return;
	if ((subj = g_mime_message_get_subject(mm->msg)) != NULL)
		mm->subject = xstrdup(subj);
	expect_mime_addrs(&mm->to, g_mime_message_get_addresses(mm->msg,
	    GMIME_ADDRESS_TYPE_TO));
	expect_mime_addrs(&mm->cc, g_mime_message_get_addresses(mm->msg,
	    GMIME_ADDRESS_TYPE_CC));
	g_mime_message_foreach(mm->msg, expect_mime_part_cb, mm);
}

/* Group members count as their mailboxes (RFC 5322 3.4). */
static void
expect_mime_addrs(struct buf *b, InternetAddressList *l)
{
	InternetAddress	*a;
	const char	*addr;
	char		 low[512];
	int		 i, n;

	if (l == NULL)
		return;
	n = internet_address_list_length(l);
	for (i = 0; i < n; i++) {
		a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			expect_mime_addrs(b, internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(a)));
			continue;
		}
		addr = internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(a));
		if (addr == NULL)
			continue;
		expect_addr(addr, strlen(addr), low, sizeof(low));
		expect_put(b, low, "\n");
	}
}

static void
expect_mime_part_cb(GMimeObject *parent, GMimeObject *part, gpointer arg)
{
	struct expect_mime	*mm = arg;
	GMimeContentType	*ct;
	const char		*name;
	char			*type;
	bool			 att;

	if (GMIME_IS_MULTIPART(part))
		return;
	ct = g_mime_object_get_content_type(part);
	type = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	name = GMIME_IS_PART(part) ?
	    g_mime_part_get_filename(GMIME_PART(part)) : NULL;
	att = GMIME_IS_MESSAGE_PART(part) || name != NULL ||
	    (GMIME_IS_PART(part) && g_mime_part_is_attachment(GMIME_PART(part)));
	if (att) {
		mm->natt++;
		expect_put(&mm->att_names, name != NULL ? name : "",
		    "\n");
		expect_put(&mm->att_types, type != NULL ? type : "",
		    "\n");
	} else if (GMIME_IS_TEXT_PART(part) && type != NULL) {
		if (mm->text == NULL && strcasecmp(type, "text/plain") == 0)
			mm->text = g_mime_text_part_get_text(
			    GMIME_TEXT_PART(part));
		else if (mm->html == NULL &&
		    strcasecmp(type, "text/html") == 0)
			mm->html = g_mime_text_part_get_text(
			    GMIME_TEXT_PART(part));
	}
	g_free(type);
}

static void
expect_mime_free(struct expect_mime *mm)
{
	if (!mm->parsed)
		return;
	if (mm->msg != NULL)
		g_object_unref(mm->msg);
	free(mm->subject);
	buf_fini(&mm->to);
	buf_fini(&mm->cc);
	buf_fini(&mm->att_names);
	buf_fini(&mm->att_types);
	g_free(mm->text);
	g_free(mm->html);
}

char *
expect_msg_subject(const struct store_msg *m)
{
	struct expect_mime	 mm;
	char			*s;

	memset(&mm, 0, sizeof(mm));
	expect_mime_parse(&mm, m);
	s = mm.subject;
	mm.subject = NULL;
	expect_mime_free(&mm);
	return s;
}

static bool
expect_buf_has_line(const struct buf *b, const char *line)
{
	const char	*p = buf_cstr(b), *nl;
	size_t		 n = strlen(line);

	for (; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			return false;
		if ((size_t)(nl - p) == n && strncasecmp(p, line, n) == 0)
			return true;
	}
	return false;
}

/* Display text only: what does not fit under the buffer's cap is cut. */
static void
expect_put(struct buf *b, const char *s1, const char *s2)
{
	if (buf_append(b, s1, strlen(s1)) == -1)
		return;
	if (buf_append(b, s2, strlen(s2)) == -1)
		return;
}

/* Lower-case address without <>; addresses compare case-insensitively. */
static void
expect_addr(const char *p, size_t n, char *out, size_t size)
{
	size_t	i, k = 0;

	while (n > 0 && (*p == '<' || *p == ' ')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == '>' || p[n - 1] == ' '))
		n--;
	for (i = 0; i < n && k + 1 < size; i++)
		out[k++] = (p[i] >= 'A' && p[i] <= 'Z') ? p[i] - 'A' + 'a' :
		    p[i];
	out[k] = '\0';
}

/* --- patterns and counts --- */

static bool
expect_pattern(const struct scen_pattern *pat, const char *s, bool ci)
{
	switch (pat->kind) {
	case SCEN_PAT_NONE:
		return true;
	case SCEN_PAT_EXACT:
		if (s == NULL)
			return false;
		return ci ? strcasecmp(s, pat->text) == 0 :
		    strcmp(s, pat->text) == 0;
	case SCEN_PAT_REGEX:
		return s != NULL && regexec(&pat->re, s, 0, NULL, 0) == 0;
	case SCEN_PAT_CONTAINS:
		return s != NULL && strstr(s, pat->text) != NULL;
	case SCEN_PAT_PRESENT:
		return s != NULL;
	case SCEN_PAT_ABSENT:
		return s == NULL;
	default:
		fatalx("%s: kind %d", __func__, (int)pat->kind);
	}
}

static char *
expect_pattern_text(const struct scen_pattern *pat)
{
	switch (pat->kind) {
	case SCEN_PAT_EXACT:
		return expect_show(pat->text);
	case SCEN_PAT_REGEX:
		return xasprintf("matches /%s/", pat->text);
	case SCEN_PAT_CONTAINS:
		return xasprintf("contains \"%s\"", pat->text);
	case SCEN_PAT_PRESENT:
		return xstrdup("present");
	case SCEN_PAT_ABSENT:
		return xstrdup("absent");
	case SCEN_PAT_NONE:
	default:
		fatalx("%s: kind %d", __func__, (int)pat->kind);
	}
}

static bool
expect_count_ok(const struct scen_count *c, uint64_t v)
{
	return v >= c->min && (c->max == SCEN_INF || v <= c->max);
}

static char *
expect_count_text(const struct scen_count *c)
{
	if (c->min == c->max)
		return xasprintf("%llu", (unsigned long long)c->min);
	if (c->max == SCEN_INF)
		return xasprintf("at least %llu", (unsigned long long)c->min);
	return xasprintf("%llu to %llu", (unsigned long long)c->min,
	    (unsigned long long)c->max);
}

static char *
expect_strings_text(const struct scen_strings *s)
{
	struct buf	b;
	size_t		i;
	char		*p;

	buf_init(&b, EXPECT_TEXT_MAX);
	for (i = 0; i < s->n; i++)
		expect_put(&b, i > 0 ? ", " : "", s->v[i]);
	if ((p = buf_steal(&b, NULL)) == NULL)
		p = xstrdup("(none)");
	return p;
}

/* --- messages --- */

static void
expect_messages(struct expect_ctx *ctx, const struct scen_expect *ex)
{
	bool	*used;
	size_t	 i, k;
	int	 best, got, score, s;

	if (ex->count.set)
		expect_add(ctx->out, "messages.count",
		    expect_count_ok(&ex->count, ctx->nmsgs), ex->count.mark,
		    expect_count_text(&ex->count),
		    xasprintf("%zu", ctx->nmsgs));
	used = xcalloc(ctx->nmsgs + 1, sizeof(*used));
	for (i = 0; i < ex->nmatch; i++) {
		got = -1;
		best = -1;
		score = -1;
		for (k = 0; k < ctx->nmsgs && got == -1; k++) {
			if (used[k])
				continue;
			s = expect_match_one(ctx, &ex->match[i], i, k, false);
			if (s == INT32_MAX)
				got = (int)k;
			else if (s > score) {
				score = s;
				best = (int)k;
			}
		}
		if (got != -1) {
			used[got] = true;
			(void)expect_match_one(ctx, &ex->match[i], i,
			    (size_t)got, true);
		} else if (best != -1)
			(void)expect_match_one(ctx, &ex->match[i], i,
			    (size_t)best, true);
		else
			expect_add(ctx->out, "messages.match", false,
			    ex->match[i].mark, xasprintf("message %zu of "
			    "the match list", i + 1), xasprintf("%zu "
			    "message(s), none left to match", ctx->nmsgs));
	}
	free(used);
}

#define EXPECT_CHECK(cond, nm, mk, exp, act) do {			\
	bool	 ok_ = (cond);						\
	char	 n_[128];						\
	if (ok_)							\
		score++;						\
	else								\
		all = false;						\
	if (report) {							\
		snprintf(n_, sizeof(n_), "messages.match[%zu].%s",	\
		    idx, (nm));						\
		expect_add(ctx->out, n_, ok_, (mk), (exp), (act));	\
	}								\
} while (0)

/*
 * Score message k against one match entry: INT32_MAX if all conditions
 * hold, else how many held.  With report, one result per condition.
 */
static int
expect_match_one(struct expect_ctx *ctx, const struct scen_msg_expect *me,
    size_t idx, size_t k, bool report)
{
	const struct store_msg	*m = ctx->msgs[k];
	struct expect_mime	*mm = expect_mime_get(ctx, k);
	const char		*hv;
	char			*act;
	size_t			 i;
	int			 score = 0;
	bool			 all = true, ok;

	if (me->from.kind != SCEN_PAT_NONE)
		EXPECT_CHECK(expect_pattern(&me->from, m->mail_from, true),
		    "from", me->from.mark, report ?
		    expect_pattern_text(&me->from) : NULL, report ?
		    expect_show(m->mail_from) : NULL);
	if (me->to.set) {
		ok = expect_rcpt_set(ctx, k, &me->to, 0, report ? &act : NULL);
		EXPECT_CHECK(ok, "to", me->to.mark, report ?
		    expect_strings_text(&me->to) : NULL, report ? act : NULL);
	}
	if (me->cc.set) {
		ok = expect_rcpt_set(ctx, k, &me->cc, 1, report ? &act : NULL);
		EXPECT_CHECK(ok, "cc", me->cc.mark, report ?
		    expect_strings_text(&me->cc) : NULL, report ? act : NULL);
	}
	if (me->bcc.set) {
		ok = expect_rcpt_set(ctx, k, &me->bcc, 2, report ? &act : NULL);
		EXPECT_CHECK(ok, "bcc", me->bcc.mark, report ?
		    expect_strings_text(&me->bcc) : NULL, report ? act : NULL);
	}
	if (me->subject.kind != SCEN_PAT_NONE)
		EXPECT_CHECK(expect_pattern(&me->subject, mm->subject, false),
		    "subject", me->subject.mark, report ?
		    expect_pattern_text(&me->subject) : NULL, report ?
		    expect_show(mm->subject) : NULL);
	for (i = 0; i < me->nheaders; i++) {
		char	hn[96];

		hv = mm->msg == NULL ? NULL : g_mime_object_get_header(
		    GMIME_OBJECT(mm->msg), me->headers[i].name);
		snprintf(hn, sizeof(hn), "header.%s", me->headers[i].name);
		EXPECT_CHECK(expect_pattern(&me->headers[i].pat, hv, false),
		    hn, me->headers[i].pat.mark, report ?
		    expect_pattern_text(&me->headers[i].pat) : NULL, report ?
		    (hv != NULL ? expect_show(hv) : xstrdup("absent")) : NULL);
	}
	if (me->body_contains.kind != SCEN_PAT_NONE)
		EXPECT_CHECK(expect_pattern(&me->body_contains, mm->text,
		    false), "body.contains", me->body_contains.mark, report ?
		    expect_pattern_text(&me->body_contains) : NULL, report ?
		    expect_show(mm->text) : NULL);
	if (me->body_regex.kind != SCEN_PAT_NONE)
		EXPECT_CHECK(expect_pattern(&me->body_regex, mm->text,
		    false), "body.regex", me->body_regex.mark, report ?
		    expect_pattern_text(&me->body_regex) : NULL, report ?
		    expect_show(mm->text) : NULL);
	if (me->html_contains.kind != SCEN_PAT_NONE)
		EXPECT_CHECK(expect_pattern(&me->html_contains, mm->html,
		    false), "html.contains", me->html_contains.mark, report ?
		    expect_pattern_text(&me->html_contains) : NULL, report ?
		    expect_show(mm->html) : NULL);
	if (me->html_regex.kind != SCEN_PAT_NONE)
		EXPECT_CHECK(expect_pattern(&me->html_regex, mm->html,
		    false), "html.regex", me->html_regex.mark, report ?
		    expect_pattern_text(&me->html_regex) : NULL, report ?
		    expect_show(mm->html) : NULL);
	if (me->attachments.set)
		EXPECT_CHECK(expect_count_ok(&me->attachments, mm->natt),
		    "attachments.count", me->attachments.mark, report ?
		    expect_count_text(&me->attachments) : NULL, report ?
		    xasprintf("%zu", mm->natt) : NULL);
	if (me->attachment_names.set) {
		ok = expect_lines_match(&mm->att_names, &me->attachment_names,
		    report ? &act : NULL);
		EXPECT_CHECK(ok, "attachments.names",
		    me->attachment_names.mark, report ?
		    expect_strings_text(&me->attachment_names) : NULL,
		    report ? act : NULL);
	}
	if (me->attachment_types.set) {
		ok = expect_lines_match(&mm->att_types, &me->attachment_types,
		    report ? &act : NULL);
		EXPECT_CHECK(ok, "attachments.types",
		    me->attachment_types.mark, report ?
		    expect_strings_text(&me->attachment_types) : NULL,
		    report ? act : NULL);
	}
	if (me->size.set)
		EXPECT_CHECK(expect_count_ok(&me->size, m->len), "size",
		    me->size.mark, report ? expect_count_text(&me->size) :
		    NULL, report ? xasprintf("%zu", m->len) : NULL);
	if (me->tls.set)
		EXPECT_CHECK((m->tls != NULL) == me->tls.value, "tls",
		    me->tls.mark, report ? xstrdup(me->tls.value ? "true" :
		    "false") : NULL, report ? (m->tls != NULL ?
		    xasprintf("true (%s)", m->tls) : xstrdup("false")) :
		    NULL);
	if (me->auth.set) {
		ok = (m->auth_user != NULL) == me->auth.value;
		if (ok && me->auth_user != NULL)
			ok = strcasecmp(m->auth_user, me->auth_user) == 0;
		EXPECT_CHECK(ok, "auth", me->auth.mark, report ?
		    (me->auth_user != NULL ? xasprintf("user %s",
		    me->auth_user) : xstrdup(me->auth.value ? "true" :
		    "false")) : NULL, report ? (m->auth_user != NULL ?
		    xasprintf("user %s", m->auth_user) : xstrdup("false")) :
		    NULL);
	}
	return all ? INT32_MAX : score;
}

/*
 * which 0: envelope recipients named in To:, 1: in Cc:, 2: in neither.
 * True if that set equals want (case-insensitive); *actual_r gets it.
 */
static bool
expect_rcpt_set(struct expect_ctx *ctx, size_t k,
    const struct scen_strings *want, int which, char **actual_r)
{
	const struct store_msg	*m = ctx->msgs[k];
	struct expect_mime	*mm = expect_mime_get(ctx, k);
	struct buf		 got;
	char			 a[512];
	size_t			 i, n = 0;
	bool			 in_to, in_cc, sel, ok = true;

	buf_init(&got, EXPECT_TEXT_MAX);
	for (i = 0; i < m->nrcpts; i++) {
		expect_addr(m->rcpts[i].addr, strlen(m->rcpts[i].addr), a,
		    sizeof(a));
		in_to = expect_buf_has_line(&mm->to, a);
		in_cc = expect_buf_has_line(&mm->cc, a);
		sel = which == 0 ? in_to : which == 1 ? in_cc :
		    (!in_to && !in_cc);
		if (!sel || expect_buf_has_line(&got, a))
			continue;
		expect_put(&got, a, "\n");
		n++;
	}
	for (i = 0; i < want->n; i++) {
		expect_addr(want->v[i], strlen(want->v[i]), a, sizeof(a));
		if (!expect_buf_has_line(&got, a))
			ok = false;
	}
	/* Duplicates in want count once, as in the set above. */
	if (ok) {
		size_t	distinct = 0, j;
		char	b[512];

		for (i = 0; i < want->n; i++) {
			expect_addr(want->v[i], strlen(want->v[i]), a,
			    sizeof(a));
			for (j = 0; j < i; j++) {
				expect_addr(want->v[j], strlen(want->v[j]),
				    b, sizeof(b));
				if (strcmp(a, b) == 0)
					break;
			}
			if (j == i)
				distinct++;
		}
		ok = distinct == n;
	}
	if (actual_r != NULL) {
		for (i = 0; i < got.len; i++)
			if (got.p[i] == '\n')
				got.p[i] = i + 1 == got.len ? '\0' : ',';
		*actual_r = n == 0 ? xstrdup("(none)") : xstrdup(got.p);
	}
	buf_fini(&got);
	return ok;
}

/* Every wanted string is one of the lines (a name or a type) of have. */
static bool
expect_lines_match(const struct buf *have, const struct scen_strings *want,
    char **actual_r)
{
	size_t	i;
	bool	ok = true;
	char	*p;

	for (i = 0; i < want->n; i++)
		if (!expect_buf_has_line(have, want->v[i]))
			ok = false;
	if (actual_r != NULL) {
		p = xstrdup(have->len > 0 ? buf_cstr(have) : "(none)");
		for (i = 0; p[i] != '\0'; i++)
			if (p[i] == '\n')
				p[i] = p[i + 1] == '\0' ? '\0' : ',';
		*actual_r = p;
	}
	return ok;
}

/* --- client behaviour --- */

static const char *const expect_proto_names[] = {
	[SCEN_P_SMTP] = "smtp",
	[SCEN_P_POP3] = "pop3",
	[SCEN_P_IMAP] = "imap",
};
_Static_assert(nitems(expect_proto_names) == SCEN_P__COUNT,
    "expect_proto_names out of sync with enum scen_proto");

static void
expect_client(struct expect_ctx *ctx, const struct scen_expect *ex)
{
	char	 name[64];
	size_t	 p, i, n;

	for (p = 0; p < SCEN_P__COUNT; p++) {
		if (!ex->sessions[p].set)
			continue;
		for (i = 0, n = 0; i < ctx->ntr; i++)
			if (strcmp(ctx->tr[i]->protocol,
			    expect_proto_names[p]) == 0)
				n++;
		snprintf(name, sizeof(name), "client.sessions.%s",
		    expect_proto_names[p]);
		expect_add(ctx->out, name, expect_count_ok(&ex->sessions[p],
		    n), ex->sessions[p].mark,
		    expect_count_text(&ex->sessions[p]), xasprintf("%zu", n));
	}
	expect_retries(ctx, ex);
	if (ex->commands_used.set)
		expect_commands(ctx, &ex->commands_used, true,
		    "client.commands_used");
	if (ex->commands_not_used.set)
		expect_commands(ctx, &ex->commands_not_used, false,
		    "client.commands_not_used");
	if (ex->quit.set)
		expect_quit(ctx, &ex->quit);
}

static void
expect_attempt_add(struct expect_attempts *as, const char *from,
    const char *rcpt, int64_t when)
{
	struct expect_attempt	*a;

	if (as->n == EXPECT_ATTEMPTS_MAX)
		return;
	if (as->n == as->cap) {
		as->cap = as->cap == 0 ? 16 : as->cap * 2;
		as->v = xreallocarray(as->v, as->cap, sizeof(*as->v));
	}
	a = &as->v[as->n++];
	a->from = xstrdup(from);
	a->rcpt = xstrdup(rcpt);
	a->when_ms = when;
	a->outcome = EXPECT_O_OPEN;
	a->code = 0;
}

static void
expect_attempts_fini(struct expect_attempts *as)
{
	size_t	i;

	for (i = 0; i < as->n; i++) {
		free(as->v[i].from);
		free(as->v[i].rcpt);
	}
	free(as->v);
	memset(as, 0, sizeof(*as));
}

/* The path of "FROM:<a@b> SIZE=1" / "TO:<c@d>", lower-cased. */
static void
expect_path(const char *args, char *out, size_t size)
{
	const char	*p, *e;

	if ((p = strchr(args, ':')) == NULL) {
		out[0] = '\0';
		return;
	}
	p++;
	while (*p == ' ')
		p++;
	if (*p == '<')
		e = strchr(p, '>');
	else
		e = strchr(p, ' ');
	if (e == NULL)
		e = p + strlen(p);
	expect_addr(p, (size_t)(e - p), out, size);
}

/*
 * Pair each final SMTP reply with the oldest unanswered client line
 * (RFC 2920 3.1) and give every (MAIL FROM, RCPT) attempt its outcome.
 */
static void
expect_smtp_attempts(const struct transcript *t, struct expect_attempts *as)
{
	const char	*queue[256], *line;
	size_t		 qh = 0, qn = 0, i, j, tx_first = 0;
	const struct tevent *ev;
	char		 verb[EXPECT_VERB_MAX], from[512], rcpt[512];
	unsigned	 code;
	bool		 in_tx = false;
	enum expect_outcome o;
	int64_t		 when;

	from[0] = '\0';
	for (i = 0; i < t->nev; i++) {
		ev = &t->ev[i];
		if (ev->kind != TEV_LINE)
			continue;
		line = t->log.p + ev->off;
		if (ev->dir == 'c') {
			if (qn == nitems(queue)) {
				qh = (qh + 1) % nitems(queue);
				qn--;
			}
			queue[(qh + qn++) % nitems(queue)] = line;
			continue;
		}
		if (ev->len < 3 || (ev->len > 3 && line[3] == '-'))
			continue;
		if (qn == 0)
			continue;	/* the greeting */
		line = queue[qh];
		qh = (qh + 1) % nitems(queue);
		qn--;
		code = (unsigned)(t->log.p[ev->off] - '0');
		o = code == 2 || code == 3 ? EXPECT_O_OK : code == 4 ?
		    EXPECT_O_TEMP : EXPECT_O_PERM;
		when = t->started_wall + (int64_t)ev->t_ms;
		expect_verb(t, line, verb, sizeof(verb));
		if (strcmp(verb, "MAIL") == 0) {
			expect_path(line + 4, from, sizeof(from));
			in_tx = o == EXPECT_O_OK;
			tx_first = as->n;
			if (!in_tx) {
				expect_attempt_add(as, from, "", when);
				if (as->n > 0) {
					as->v[as->n - 1].outcome = o;
					as->v[as->n - 1].code = code;
				}
			}
		} else if (strcmp(verb, "RCPT") == 0 && in_tx) {
			expect_path(line + 4, rcpt, sizeof(rcpt));
			expect_attempt_add(as, from, rcpt, when);
			if (o != EXPECT_O_OK && as->n > 0) {
				as->v[as->n - 1].outcome = o;
				as->v[as->n - 1].code = code;
			}
		} else if (in_tx && ((strcmp(verb, "DATA") == 0 &&
		    o != EXPECT_O_OK) || strcmp(line, ".") == 0 ||
		    (strcmp(verb, "BDAT") == 0 && (o != EXPECT_O_OK ||
		    strcasestr(line, " LAST") != NULL)))) {
			for (j = tx_first; j < as->n; j++)
				if (as->v[j].outcome == EXPECT_O_OPEN) {
					as->v[j].outcome = o;
					as->v[j].code = code;
					as->v[j].when_ms = when;
				}
			in_tx = false;
		} else if (strcmp(verb, "RSET") == 0 ||
		    strcmp(verb, "EHLO") == 0 || strcmp(verb, "HELO") == 0)
			in_tx = false;
	}
}

static void
expect_retries(struct expect_ctx *ctx, const struct scen_expect *ex)
{
	struct expect_attempts	 as = { 0 };
	const struct expect_attempt *a, *b;
	size_t			 i, j, ntemp = 0, nperm = 0, rtemp = 0;
	size_t			 rperm = 0;
	int64_t			 first_delay = -1;
	bool			 again;

	if (!ex->retried_after_4xx.set && !ex->gave_up_after_5xx.set)
		return;
	for (i = 0; i < ctx->ntr; i++)
		if (strcmp(ctx->tr[i]->protocol, "smtp") == 0)
			expect_smtp_attempts(ctx->tr[i], &as);
	for (i = 0; i < as.n; i++) {
		a = &as.v[i];
		if (a->outcome != EXPECT_O_TEMP && a->outcome != EXPECT_O_PERM)
			continue;
		again = false;
		for (j = i + 1; j < as.n && !again; j++) {
			b = &as.v[j];
			if (strcmp(a->from, b->from) == 0 &&
			    (a->rcpt[0] == '\0' || b->rcpt[0] == '\0' ||
			    strcmp(a->rcpt, b->rcpt) == 0)) {
				again = true;
				if (a->outcome == EXPECT_O_TEMP &&
				    first_delay == -1)
					first_delay = b->when_ms - a->when_ms;
			}
		}
		if (a->outcome == EXPECT_O_TEMP) {
			ntemp++;
			rtemp += again;
		} else {
			nperm++;
			rperm += again;
		}
	}
	if (ex->retried_after_4xx.set)
		expect_add(ctx->out, "client.retried_after_4xx",
		    ex->retried_after_4xx.value ? ntemp > 0 && rtemp == ntemp :
		    rtemp == 0, ex->retried_after_4xx.mark,
		    xstrdup(ex->retried_after_4xx.value ? "every 4xx retried" :
		    "no 4xx retried"), ntemp == 0 ? xstrdup("no 4xx reply "
		    "to MAIL, RCPT or DATA") : first_delay >= 0 ?
		    xasprintf("%zu of %zu retried, first after %lld ms",
		    rtemp, ntemp, (long long)first_delay) :
		    xasprintf("%zu of %zu retried", rtemp, ntemp));
	if (ex->gave_up_after_5xx.set)
		expect_add(ctx->out, "client.gave_up_after_5xx",
		    ex->gave_up_after_5xx.value ? nperm > 0 && rperm == 0 :
		    rperm > 0, ex->gave_up_after_5xx.mark,
		    xstrdup(ex->gave_up_after_5xx.value ? "no 5xx retried" :
		    "a 5xx retried"), nperm == 0 ? xstrdup("no 5xx reply "
		    "to MAIL, RCPT or DATA") : xasprintf("%zu of %zu retried",
		    rperm, nperm));
	expect_attempts_fini(&as);
}

/* The command verb of a client line, upper-case; IMAP after the tag. */
static void
expect_verb(const struct transcript *t, const char *line, char *out,
    size_t size)
{
	const char	*p = line;
	size_t		 k = 0;
	bool		 uid;

	if (strcmp(t->protocol, "imap") == 0) {
		while (*p != '\0' && *p != ' ')
			p++;
		while (*p == ' ')
			p++;
	}
	for (;;) {
		while (*p != '\0' && *p != ' ' && k + 1 < size) {
			out[k++] = (*p >= 'a' && *p <= 'z') ? *p - 'a' + 'A' :
			    *p;
			p++;
		}
		out[k] = '\0';
		uid = strcmp(t->protocol, "imap") == 0 &&
		    strcmp(out, "UID") == 0;
		if (!uid || *p != ' ' || k + 2 >= size)
			return;
		out[k++] = ' ';
		p++;
	}
}

/* A SASL response line is not a command: only the AUTH line itself. */
static bool
expect_is_command(const struct transcript *t, const struct tevent *ev,
    char *verb, size_t size)
{
	const char	*line = t->log.p + ev->off;

	if (ev->kind != TEV_LINE || ev->dir != 'c')
		return false;
	expect_verb(t, line, verb, size);
	if (verb[0] == '\0' || strcmp(verb, ".") == 0)
		return false;
	if (ev->flags & CONN_IO_SECRET)
		return strcmp(verb, "AUTH") == 0 ||
		    strcmp(verb, "AUTHENTICATE") == 0 ||
		    strcmp(verb, "LOGIN") == 0 || strcmp(verb, "PASS") == 0 ||
		    strcmp(verb, "APOP") == 0;
	return true;
}

static void
expect_commands(struct expect_ctx *ctx, const struct scen_strings *list,
    bool used, const char *name)
{
	struct buf	 seen, bad;
	char		 verb[EXPECT_VERB_MAX], *act;
	size_t		 i, j;
	bool		 found;

	buf_init(&seen, EXPECT_TEXT_MAX);
	buf_init(&bad, EXPECT_TEXT_MAX);
	for (i = 0; i < ctx->ntr; i++)
		for (j = 0; j < ctx->tr[i]->nev; j++)
			if (expect_is_command(ctx->tr[i], &ctx->tr[i]->ev[j],
			    verb, sizeof(verb)) &&
			    !expect_buf_has_line(&seen, verb))
				expect_put(&seen, verb, "\n");
	for (i = 0; i < list->n; i++) {
		found = expect_buf_has_line(&seen, list->v[i]);
		if (found != used)
			expect_put(&bad, bad.len > 0 ? ", " : "",
			    list->v[i]);
	}
	for (i = 0; i < seen.len; i++)
		if (seen.p[i] == '\n')
			seen.p[i] = i + 1 == seen.len ? '\0' : ' ';
	if (bad.len == 0)
		act = xasprintf("sent: %s", seen.len > 0 ? seen.p : "nothing");
	else
		act = xasprintf("%s %s; sent: %s", used ? "missing" : "used",
		    buf_cstr(&bad), seen.len > 0 ? seen.p : "nothing");
	expect_add(ctx->out, name, bad.len == 0, list->mark,
	    expect_strings_text(list), act);
	buf_fini(&seen);
	buf_fini(&bad);
}

static void
expect_quit(struct expect_ctx *ctx, const struct scen_flag *f)
{
	char	 verb[EXPECT_VERB_MAX], last[EXPECT_VERB_MAX];
	size_t	 i, j, nquit = 0;
	const struct transcript *t;

	for (i = 0; i < ctx->ntr; i++) {
		t = ctx->tr[i];
		last[0] = '\0';
		for (j = 0; j < t->nev; j++)
			if (expect_is_command(t, &t->ev[j], verb, sizeof(verb)))
				memcpy(last, verb, sizeof(last));
		if (strcmp(last, strcmp(t->protocol, "imap") == 0 ? "LOGOUT" :
		    "QUIT") == 0)
			nquit++;
	}
	expect_add(ctx->out, "client.quit", ctx->ntr > 0 &&
	    (nquit == ctx->ntr) == f->value, f->mark,
	    xstrdup(f->value ? "every session ended with QUIT/LOGOUT" :
	    "a session ended without QUIT/LOGOUT"),
	    ctx->ntr == 0 ? xstrdup("no sessions") :
	    xasprintf("%zu of %zu sessions ended with QUIT/LOGOUT", nquit,
	    ctx->ntr));
}

static void
expect_exit(struct expect_ctx *ctx, const struct scen_expect *ex,
    const struct expect_client *c)
{
	int			 want = ex->exit_code_set ? ex->exit_code : 0;
	struct scen_mark	 none = { 0, 0 };

	if (c == NULL || !c->ran) {
		if (ex->exit_code_set)
			expect_add(ctx->out, "exit_code", false,
			    ex->exit_code_mark, xasprintf("%d", want),
			    xstrdup("no command was run"));
		return;
	}
	expect_add(ctx->out, "exit_code", c->exited && c->exit_code == want,
	    ex->exit_code_set ? ex->exit_code_mark : none,
	    xasprintf("%d", want), c->exited ? xasprintf("%d", c->exit_code) :
	    xstrdup(c->how != NULL ? c->how : "did not exit"));
}
