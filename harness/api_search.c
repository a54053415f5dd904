/*
 * api_search.c: Mailpit's search query language for GET /api/v1/search,
 * DELETE /api/v1/search and mailrig's waiting read.
 *
 * A query is words separated by white space; all must match.  A word is
 * negated by a leading '-' or '!', may carry a "name:" prefix (from:,
 * to:, cc:, bcc:, reply-to:, addressed:, subject:, message-id:, tag:,
 * is:, has:, before:, after:, larger:, smaller:) and its value may be
 * "quoted" to hold spaces.  Text comparisons are case-insensitive
 * substring matches (ASCII folding only); message-id: is an exact match.
 * Times are UTC (the tz parameter of Mailpit is not honoured).
 *
 * Pure: no I/O, no allocation beyond the terms' values.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fakes/base/defs.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "harness/api_int.h"

struct api_search_prefix {
	const char		*name;
	enum api_search_kind	 kind;
};

/* Prefixes whose value is free text; is:, has: and the rest below. */
static const struct api_search_prefix api_search_prefixes[] = {
	{ .name = "from", .kind = API_Q_FROM },
	{ .name = "to", .kind = API_Q_TO },
	{ .name = "cc", .kind = API_Q_CC },
	{ .name = "bcc", .kind = API_Q_BCC },
	{ .name = "reply-to", .kind = API_Q_REPLY_TO },
	{ .name = "addressed", .kind = API_Q_ADDRESSED },
	{ .name = "subject", .kind = API_Q_SUBJECT },
	{ .name = "message-id", .kind = API_Q_MESSAGE_ID },
	{ .name = "tag", .kind = API_Q_TAG },
	{ .name = "before", .kind = API_Q_BEFORE },
	{ .name = "after", .kind = API_Q_AFTER },
	{ .name = "larger", .kind = API_Q_LARGER },
	{ .name = "smaller", .kind = API_Q_SMALLER },
	{ .name = "is", .kind = API_Q_READ },
	{ .name = "has", .kind = API_Q_ATTACHMENT },
};

static const char *const api_search_names[] = {
	[API_Q_TEXT] = "text",
	[API_Q_FROM] = "from",
	[API_Q_TO] = "to",
	[API_Q_CC] = "cc",
	[API_Q_BCC] = "bcc",
	[API_Q_REPLY_TO] = "reply-to",
	[API_Q_ADDRESSED] = "addressed",
	[API_Q_SUBJECT] = "subject",
	[API_Q_MESSAGE_ID] = "message-id",
	[API_Q_TAG] = "tag",
	[API_Q_READ] = "is:read",
	[API_Q_UNREAD] = "is:unread",
	[API_Q_ATTACHMENT] = "has:attachment",
	[API_Q_BEFORE] = "before",
	[API_Q_AFTER] = "after",
	[API_Q_LARGER] = "larger",
	[API_Q_SMALLER] = "smaller",
};
_Static_assert(nitems(api_search_names) == API_Q__COUNT,
    "api_search_names out of sync with enum api_search_kind");

static int	api_search_word(const char **, char **, const char **);
static int	api_search_term(struct api_search_term *, char *,
		    const char **);
static int	api_search_value(struct api_search_term *, const char **);
static bool	api_search_time(const char *, int64_t *);
static bool	api_search_size(const char *, uint64_t *);
static bool	api_search_has(const char *, const char *);
static bool	api_search_addrs(const struct api_addrs *, const char *);
static bool	api_search_addr(const struct api_addr *, const char *);
static bool	api_search_parts(const struct api_parts *, const char *);
static bool	api_search_text(const struct api_view *, const char *);
static bool	api_search_term_match(const struct api_search_term *,
		    const struct api_view *, bool);

const char *
api_search_kind_name(enum api_search_kind k)
{
	if ((size_t)k >= nitems(api_search_names))
		fatalx("%s: kind %d", __func__, (int)k);
	return api_search_names[k];
}

int
api_search_parse(const char *q, struct api_search *s, const char **error_r)
{
	const char	*p = q;
	char		*word;
	int		 r;

	memset(s, 0, sizeof(*s));
	if (strlen(q) > API_SEARCH_LEN_MAX) {
		*error_r = "query too long";
		return -1;
	}
	for (;;) {
		r = api_search_word(&p, &word, error_r);
		if (r == 0)
			return 0;
		if (r == -1)
			goto fail;
		if (s->nterms == API_SEARCH_TERMS_MAX) {
			free(word);
			*error_r = "too many words in the query";
			goto fail;
		}
		if (api_search_term(&s->terms[s->nterms], word,
		    error_r) == -1)
			goto fail;
		s->nterms++;
	}
fail:
	api_search_fini(s);
	return -1;
}

void
api_search_fini(struct api_search *s)
{
	size_t	i;

	for (i = 0; i < s->nterms; i++)
		free(s->terms[i].text);
	s->nterms = 0;
}

/*
 * The next word with its quotes resolved: 1 and *word_r (heap), 0 at the
 * end, -1 on an unterminated quote.  A quote may open anywhere in a word
 * (subject:"a b"), so the prefix stays attached to its value.
 */
static int
api_search_word(const char **pp, char **word_r, const char **error_r)
{
	const char	*p = *pp;
	char		*out;
	size_t		 n = 0;
	bool		 quoted = false;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p == '\0')
		return 0;
	out = xmalloc(strlen(p) + 1);
	for (; *p != '\0'; p++) {
		if (!quoted && (*p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n'))
			break;
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		out[n++] = *p;
	}
	if (quoted) {
		free(out);
		*error_r = "unterminated quote";
		return -1;
	}
	out[n] = '\0';
	*pp = p;
	*word_r = out;
	return 1;
}

/* Fill t from word (taken). */
static int
api_search_term(struct api_search_term *t, char *word, const char **error_r)
{
	const char	*colon;
	char		*w = word;
	size_t		 i, plen;

	memset(t, 0, sizeof(*t));
	if ((*w == '-' || *w == '!') && w[1] != '\0') {
		t->neg = true;
		w++;
	}
	t->kind = API_Q_TEXT;
	if ((colon = strchr(w, ':')) != NULL) {
		plen = (size_t)(colon - w);
		for (i = 0; i < nitems(api_search_prefixes); i++) {
			if (strlen(api_search_prefixes[i].name) == plen &&
			    strncasecmp(w, api_search_prefixes[i].name,
			    plen) == 0) {
				t->kind = api_search_prefixes[i].kind;
				w += plen + 1;
				break;
			}
		}
	}
	t->text = xstrdup(w);
	free(word);
	if (t->kind == API_Q_TEXT) {
		if (t->text[0] == '\0') {
			*error_r = "empty word";
			goto fail;
		}
		return 0;
	}
	if (api_search_value(t, error_r) == -1)
		goto fail;
	return 0;
fail:
	free(t->text);
	t->text = NULL;
	return -1;
}

/* Check and convert the value of a prefixed word. */
static int
api_search_value(struct api_search_term *t, const char **error_r)
{
	if (t->text[0] == '\0') {
		*error_r = "a search prefix needs a value";
		return -1;
	}
	switch (t->kind) {
	case API_Q_READ:
		if (strcasecmp(t->text, "read") == 0)
			t->kind = API_Q_READ;
		else if (strcasecmp(t->text, "unread") == 0)
			t->kind = API_Q_UNREAD;
		else {
			*error_r = "is: takes read or unread";
			return -1;
		}
		return 0;
	case API_Q_ATTACHMENT:
		if (strcasecmp(t->text, "attachment") != 0 &&
		    strcasecmp(t->text, "attachments") != 0) {
			*error_r = "has: takes attachment";
			return -1;
		}
		return 0;
	case API_Q_BEFORE:
	case API_Q_AFTER:
		if (!api_search_time(t->text, &t->ms)) {
			*error_r = "before: and after: take YYYY-MM-DD or "
			    "YYYY-MM-DDTHH:MM[:SS][Z]";
			return -1;
		}
		return 0;
	case API_Q_LARGER:
	case API_Q_SMALLER:
		if (!api_search_size(t->text, &t->n)) {
			*error_r = "larger: and smaller: take a size such as "
			    "2048, 10kb or 2mb";
			return -1;
		}
		return 0;
	case API_Q_TEXT:
	case API_Q_FROM:
	case API_Q_TO:
	case API_Q_CC:
	case API_Q_BCC:
	case API_Q_REPLY_TO:
	case API_Q_ADDRESSED:
	case API_Q_SUBJECT:
	case API_Q_MESSAGE_ID:
	case API_Q_TAG:
		return 0;
	case API_Q_UNREAD:
	case API_Q__COUNT:
	default:
		fatalx("%s: kind %d", __func__, (int)t->kind);
	}
}

/* YYYY-MM-DD[THH:MM[:SS]][Z], UTC, digit by digit. */
static bool
api_search_time(const char *s, int64_t *ms_r)
{
	static const unsigned	 at[] = { 0, 5, 8, 11, 14, 17 };
	static const unsigned	 len[] = { 4, 2, 2, 2, 2, 2 };
	static const uint64_t	 max[] = { 9999, 12, 31, 23, 59, 60 };
	uint64_t		 v[6] = { 0, 0, 0, 0, 0, 0 };
	struct tm		 tm;
	size_t			 n = strlen(s), fields, i;
	time_t			 t;

	if (n > 0 && (s[n - 1] == 'Z' || s[n - 1] == 'z'))
		n--;
	if (n == 10)
		fields = 3;
	else if (n == 16 || n == 19)
		fields = n == 16 ? 5 : 6;
	else
		return false;
	if (s[4] != '-' || s[7] != '-' ||
	    (fields > 3 && s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    (fields > 3 && s[13] != ':') || (fields > 5 && s[16] != ':'))
		return false;
	for (i = 0; i < fields; i++)
		if (!str_to_u64(s + at[i], len[i], max[i], &v[i]))
			return false;
	if (v[1] == 0 || v[2] == 0)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)v[0] - 1900;
	tm.tm_mon = (int)v[1] - 1;
	tm.tm_mday = (int)v[2];
	tm.tm_hour = (int)v[3];
	tm.tm_min = (int)v[4];
	tm.tm_sec = (int)v[5];
	t = timegm(&tm);
	*ms_r = (int64_t)t * 1000;
	return true;
}

/* Digits with an optional b, k/kb, m/mb suffix (1024 based). */
static bool
api_search_size(const char *s, uint64_t *n_r)
{
	size_t		 n = strspn(s, "0123456789");
	uint64_t	 mul, v;

	if (s[n] == '\0' || strcasecmp(s + n, "b") == 0)
		mul = 1;
	else if (strcasecmp(s + n, "k") == 0 || strcasecmp(s + n, "kb") == 0)
		mul = 1024;
	else if (strcasecmp(s + n, "m") == 0 || strcasecmp(s + n, "mb") == 0)
		mul = 1024 * 1024;
	else
		return false;
	if (!str_to_u64(s, n, UINT64_MAX / mul, &v))
		return false;
	*n_r = v * mul;
	return true;
}

/* --- matching --- */

bool
api_search_match(const struct api_search *s, const struct api_view *v,
    bool read)
{
	size_t	i;

	for (i = 0; i < s->nterms; i++)
		if (api_search_term_match(&s->terms[i], v, read) ==
		    s->terms[i].neg)
			return false;
	return true;
}

static bool
api_search_has(const char *hay, const char *needle)
{
	return hay != NULL && strcasestr(hay, needle) != NULL;
}

static bool
api_search_addr(const struct api_addr *a, const char *needle)
{
	return api_search_has(a->name, needle) ||
	    api_search_has(a->addr, needle);
}

static bool
api_search_addrs(const struct api_addrs *as, const char *needle)
{
	size_t	i;

	for (i = 0; i < as->n; i++)
		if (api_search_addr(&as->v[i], needle))
			return true;
	return false;
}

static bool
api_search_parts(const struct api_parts *ps, const char *needle)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		if (api_search_has(ps->v[i].filename, needle))
			return true;
	return false;
}

/* A plain word: anywhere a person would look for it. */
static bool
api_search_text(const struct api_view *v, const char *needle)
{
	return api_search_has(v->subject, needle) ||
	    (v->has_from && api_search_addr(&v->from, needle)) ||
	    api_search_addrs(&v->to, needle) ||
	    api_search_addrs(&v->cc, needle) ||
	    api_search_addrs(&v->bcc, needle) ||
	    api_search_addrs(&v->reply_to, needle) ||
	    api_search_has(v->message_id, needle) ||
	    api_search_has(v->text, needle) ||
	    api_search_has(v->html, needle) ||
	    api_search_parts(&v->attachments, needle);
}

static bool
api_search_term_match(const struct api_search_term *t,
    const struct api_view *v, bool read)
{
	const char	*id = t->text;
	size_t		 n;

	switch (t->kind) {
	case API_Q_TEXT:
		return api_search_text(v, t->text);
	case API_Q_FROM:
		return v->has_from && api_search_addr(&v->from, t->text);
	case API_Q_TO:
		return api_search_addrs(&v->to, t->text);
	case API_Q_CC:
		return api_search_addrs(&v->cc, t->text);
	case API_Q_BCC:
		return api_search_addrs(&v->bcc, t->text);
	case API_Q_REPLY_TO:
		return api_search_addrs(&v->reply_to, t->text);
	case API_Q_ADDRESSED:
		return api_search_addrs(&v->to, t->text) ||
		    api_search_addrs(&v->cc, t->text) ||
		    api_search_addrs(&v->bcc, t->text);
	case API_Q_SUBJECT:
		return api_search_has(v->subject, t->text);
	case API_Q_MESSAGE_ID:
		/* Written with or without the <> of RFC 5322 3.6.4. */
		n = strlen(id);
		if (n >= 2 && id[0] == '<' && id[n - 1] == '>')
			return strlen(v->message_id) == n - 2 &&
			    strncasecmp(v->message_id, id + 1, n - 2) == 0;
		return strcasecmp(v->message_id, id) == 0;
	case API_Q_TAG:
		return false;
	case API_Q_READ:
		return read;
	case API_Q_UNREAD:
		return !read;
	case API_Q_ATTACHMENT:
		return v->attachments.n > 0;
	case API_Q_BEFORE:
		return v->created_ms < t->ms;
	case API_Q_AFTER:
		return v->created_ms > t->ms;
	case API_Q_LARGER:
		return (uint64_t)v->size > t->n;
	case API_Q_SMALLER:
		return (uint64_t)v->size < t->n;
	case API_Q__COUNT:
	default:
		fatalx("%s: kind %d", __func__, (int)t->kind);
	}
}
