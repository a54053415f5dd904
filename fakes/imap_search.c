/*
 * imap_search.c: SEARCH programs, RFC 3501 6.4.4 and 9 "search-key".
 *
 * Owns the key tree of one program.  Parsing is recursive descent over
 * the argument tree the IMAP parser built, bounded by
 * IMAP_SEARCH_DEPTH_MAX; evaluation walks the same tree, so its depth is
 * bounded too.  The message text work (decoded headers, decoded bodies,
 * the Date: header) is imap_mime's.  Only US-ASCII and UTF-8 are known
 * charsets (RFC 3501 6.4.4: others get NO [BADCHARSET]).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/imap_search.h"
#include "fakes/imap_seq.h"

enum imap_search_op {
	IMAP_SEARCH_AND,	/* all of kids */
	IMAP_SEARCH_OR,		/* kids and kids->next */
	IMAP_SEARCH_NOT,	/* not kids */
	IMAP_SEARCH_FLAGS,	/* set and clear masks */
	IMAP_SEARCH_KEYWORD,	/* str, negate for UNKEYWORD */
	IMAP_SEARCH_HEADER,	/* hdr contains str */
	IMAP_SEARCH_BODY,
	IMAP_SEARCH_TEXT,
	IMAP_SEARCH_BEFORE,	/* internal date, by day */
	IMAP_SEARCH_ON,
	IMAP_SEARCH_SINCE,
	IMAP_SEARCH_SENTBEFORE,	/* Date: header, by day */
	IMAP_SEARCH_SENTON,
	IMAP_SEARCH_SENTSINCE,
	IMAP_SEARCH_LARGER,
	IMAP_SEARCH_SMALLER,
	IMAP_SEARCH_SEQ,
	IMAP_SEARCH_UID,
	IMAP_SEARCH__COUNT
};

struct imap_search_key {
	enum imap_search_op	 op;
	unsigned		 set;		/* FLAGS: must be set */
	unsigned		 clear;		/* FLAGS: must be clear */
	bool			 negate;	/* UNKEYWORD */
	char			*hdr;		/* owned, HEADER field name */
	char			*str;		/* owned, str_len bytes */
	size_t			 str_len;
	uint32_t		 day;		/* yyyymmdd */
	uint64_t		 n;		/* LARGER, SMALLER */
	struct imap_seq		*seq;		/* owned, SEQ, UID */
	struct imap_search_key	*kids;		/* owned list */
	struct imap_search_key	*next;		/* owned sibling */
};

struct imap_search {
	struct imap_search_key	*root;		/* owned, an AND */
	size_t			 nkeys;
	bool			 needs_mime;
};

struct imap_search_parser {
	struct imap_search	*s;
	const char		*error;
};

/* Keys without arguments. */
static const struct imap_search_flagkey {
	const char	*name;
	unsigned	 set;
	unsigned	 clear;
} imap_search_flagkeys[] = {
	{ .name = "ALL" },
	{ .name = "ANSWERED", .set = STORE_F_ANSWERED },
	{ .name = "DELETED", .set = STORE_F_DELETED },
	{ .name = "DRAFT", .set = STORE_F_DRAFT },
	{ .name = "FLAGGED", .set = STORE_F_FLAGGED },
	{ .name = "RECENT", .set = STORE_F_RECENT },
	{ .name = "SEEN", .set = STORE_F_SEEN },
	{ .name = "UNANSWERED", .clear = STORE_F_ANSWERED },
	{ .name = "UNDELETED", .clear = STORE_F_DELETED },
	{ .name = "UNDRAFT", .clear = STORE_F_DRAFT },
	{ .name = "UNFLAGGED", .clear = STORE_F_FLAGGED },
	{ .name = "UNSEEN", .clear = STORE_F_SEEN },
	/* RFC 3501 6.4.4: NEW is RECENT UNSEEN, OLD is NOT RECENT. */
	{ .name = "NEW", .set = STORE_F_RECENT, .clear = STORE_F_SEEN },
	{ .name = "OLD", .clear = STORE_F_RECENT },
};

/* Keys with one string argument; hdr NULL: not a header key. */
static const struct imap_search_strkey {
	const char		*name;
	enum imap_search_op	 op;
	const char		*hdr;
} imap_search_strkeys[] = {
	{ .name = "BCC", .op = IMAP_SEARCH_HEADER, .hdr = "Bcc" },
	{ .name = "CC", .op = IMAP_SEARCH_HEADER, .hdr = "Cc" },
	{ .name = "FROM", .op = IMAP_SEARCH_HEADER, .hdr = "From" },
	{ .name = "SUBJECT", .op = IMAP_SEARCH_HEADER, .hdr = "Subject" },
	{ .name = "TO", .op = IMAP_SEARCH_HEADER, .hdr = "To" },
	{ .name = "BODY", .op = IMAP_SEARCH_BODY },
	{ .name = "TEXT", .op = IMAP_SEARCH_TEXT },
	{ .name = "KEYWORD", .op = IMAP_SEARCH_KEYWORD },
	{ .name = "UNKEYWORD", .op = IMAP_SEARCH_KEYWORD },
};

/* Keys with one date argument. */
static const struct imap_search_datekey {
	const char		*name;
	enum imap_search_op	 op;
} imap_search_datekeys[] = {
	{ .name = "BEFORE", .op = IMAP_SEARCH_BEFORE },
	{ .name = "ON", .op = IMAP_SEARCH_ON },
	{ .name = "SINCE", .op = IMAP_SEARCH_SINCE },
	{ .name = "SENTBEFORE", .op = IMAP_SEARCH_SENTBEFORE },
	{ .name = "SENTON", .op = IMAP_SEARCH_SENTON },
	{ .name = "SENTSINCE", .op = IMAP_SEARCH_SENTSINCE },
};

static void	imap_search_key_free(struct imap_search_key *);
static struct imap_search_key *imap_search_key_new(struct imap_search_parser *,
		    enum imap_search_op);
static int	imap_search_parse_list(struct imap_search_parser *,
		    const struct imap_arg *, size_t, size_t *, size_t,
		    struct imap_search_key **, bool);
static struct imap_search_key *imap_search_parse_key(
		    struct imap_search_parser *, const struct imap_arg *,
		    size_t, size_t *, size_t);
static bool	imap_search_is_string(const struct imap_arg *);
static bool	imap_search_is_atom(const struct imap_arg *, const char *);
static bool	imap_search_date(const struct imap_arg *, uint32_t *);
static bool	imap_search_eval_key(const struct imap_search_key *,
		    const struct imap_search_msg *, struct imap_mime *, size_t);
static uint32_t	imap_search_internal_day(int64_t);
static bool	imap_search_keyword(const struct imap_search_key *,
		    const struct imap_search_msg *);
static bool	imap_search_text(const struct imap_search_key *,
		    struct imap_mime *);

/* --- parsing --- */

static bool
imap_search_is_atom(const struct imap_arg *a, const char *name)
{
	return a->type == IMAP_ARG_ATOM && strlen(name) == a->len &&
	    strncasecmp(a->str, name, a->len) == 0;
}

/* RFC 3501 9 astring: atom, quoted string or literal. */
static bool
imap_search_is_string(const struct imap_arg *a)
{
	return a->type == IMAP_ARG_ATOM || a->type == IMAP_ARG_STRING ||
	    a->type == IMAP_ARG_LITERAL;
}

/* RFC 3501 9 date: d-Mon-yyyy or dd-Mon-yyyy, atom or quoted. */
static bool
imap_search_date(const struct imap_arg *a, uint32_t *day_r)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const char	*s, *d1, *d2;
	uint64_t	 day, year;
	size_t		 mon;

	if (a->type != IMAP_ARG_ATOM && a->type != IMAP_ARG_STRING)
		return false;
	s = a->str;
	d1 = memchr(s, '-', a->len);
	if (d1 == NULL || (size_t)(s + a->len - d1) != 9 || d1[4] != '-')
		return false;
	d2 = d1 + 4;
	if (d1 - s < 1 || d1 - s > 2 ||
	    !str_to_u64(s, (size_t)(d1 - s), 31, &day) || day == 0 ||
	    !str_to_u64(d2 + 1, 4, 9999, &year))
		return false;
	for (mon = 0; mon < nitems(months); mon++)
		if (strncasecmp(d1 + 1, months[mon], 3) == 0)
			break;
	if (mon == nitems(months))
		return false;
	*day_r = (uint32_t)(year * 10000 + (mon + 1) * 100 + day);
	return true;
}

static struct imap_search_key *
imap_search_key_new(struct imap_search_parser *ps, enum imap_search_op op)
{
	struct imap_search_key	*k;

	if (ps->s->nkeys == IMAP_SEARCH_KEYS_MAX) {
		ps->error = "too many search keys";
		return NULL;
	}
	ps->s->nkeys++;
	k = xcalloc(1, sizeof(*k));
	k->op = op;
	return k;
}

static void
imap_search_key_free(struct imap_search_key *k)
{
	struct imap_search_key	*next;

	/* Siblings iteratively; children recurse at most DEPTH_MAX deep. */
	while (k != NULL) {
		next = k->next;
		imap_search_key_free(k->kids);
		free(k->hdr);
		free(k->str);
		imap_seq_free(k->seq);
		free(k);
		k = next;
	}
}

/*
 * Keys from args[*i] on, into a list at *head.  all: until the end, else
 * exactly one key.
 */
static int
imap_search_parse_list(struct imap_search_parser *ps,
    const struct imap_arg *args, size_t nargs, size_t *i, size_t depth,
    struct imap_search_key **head, bool all)
{
	struct imap_search_key	*k, **tail;

	tail = head;
	do {
		if (*i >= nargs) {
			ps->error = "missing search key";
			return -1;
		}
		k = imap_search_parse_key(ps, args, nargs, i, depth);
		if (k == NULL)
			return -1;
		*tail = k;
		tail = &k->next;
	} while (all && *i < nargs);
	return 0;
}

static struct imap_search_key *
imap_search_parse_key(struct imap_search_parser *ps,
    const struct imap_arg *args, size_t nargs, size_t *i, size_t depth)
{
	const struct imap_arg	*a = &args[*i];
	struct imap_search_key	*k;
	size_t			 j, sub;
	uint64_t		 n;
	enum imap_search_op	 op;

	if (depth >= IMAP_SEARCH_DEPTH_MAX) {
		ps->error = "search program nested too deep";
		return NULL;
	}
	(*i)++;
	if (a->type == IMAP_ARG_LIST) {
		if (a->nlist == 0) {
			ps->error = "empty search key list";
			return NULL;
		}
		k = imap_search_key_new(ps, IMAP_SEARCH_AND);
		sub = 0;
		if (k == NULL || imap_search_parse_list(ps, a->list, a->nlist,
		    &sub, depth + 1, &k->kids, true) == -1) {
			imap_search_key_free(k);
			return NULL;
		}
		return k;
	}
	if (a->type != IMAP_ARG_ATOM) {
		ps->error = "search key expected";
		return NULL;
	}
	for (j = 0; j < nitems(imap_search_flagkeys); j++) {
		if (!imap_search_is_atom(a, imap_search_flagkeys[j].name))
			continue;
		k = imap_search_key_new(ps, IMAP_SEARCH_FLAGS);
		if (k != NULL) {
			k->set = imap_search_flagkeys[j].set;
			k->clear = imap_search_flagkeys[j].clear;
		}
		return k;
	}
	for (j = 0; j < nitems(imap_search_strkeys); j++) {
		if (!imap_search_is_atom(a, imap_search_strkeys[j].name))
			continue;
		if (*i >= nargs || !imap_search_is_string(&args[*i])) {
			ps->error = "search key needs a string";
			return NULL;
		}
		k = imap_search_key_new(ps, imap_search_strkeys[j].op);
		if (k == NULL)
			return NULL;
		if (imap_search_strkeys[j].hdr != NULL)
			k->hdr = xstrdup(imap_search_strkeys[j].hdr);
		k->negate = imap_search_is_atom(a, "UNKEYWORD");
		k->str = xmemdup(args[*i].str, args[*i].len + 1);
		k->str[args[*i].len] = '\0';
		k->str_len = args[*i].len;
		(*i)++;
		if (k->op != IMAP_SEARCH_KEYWORD)
			ps->s->needs_mime = true;
		return k;
	}
	for (j = 0; j < nitems(imap_search_datekeys); j++) {
		if (!imap_search_is_atom(a, imap_search_datekeys[j].name))
			continue;
		op = imap_search_datekeys[j].op;
		k = imap_search_key_new(ps, op);
		if (k == NULL)
			return NULL;
		if (*i >= nargs || !imap_search_date(&args[*i], &k->day)) {
			imap_search_key_free(k);
			ps->error = "search key needs a date";
			return NULL;
		}
		(*i)++;
		if (op == IMAP_SEARCH_SENTBEFORE || op == IMAP_SEARCH_SENTON ||
		    op == IMAP_SEARCH_SENTSINCE)
			ps->s->needs_mime = true;
		return k;
	}
	if (imap_search_is_atom(a, "HEADER")) {
		if (*i + 1 >= nargs || !imap_search_is_string(&args[*i]) ||
		    !imap_search_is_string(&args[*i + 1]) ||
		    args[*i].len == 0) {
			ps->error = "HEADER needs a field name and a string";
			return NULL;
		}
		k = imap_search_key_new(ps, IMAP_SEARCH_HEADER);
		if (k == NULL)
			return NULL;
		k->hdr = xstrndup(args[*i].str, args[*i].len);
		k->str = xmemdup(args[*i + 1].str, args[*i + 1].len + 1);
		k->str[args[*i + 1].len] = '\0';
		k->str_len = args[*i + 1].len;
		*i += 2;
		ps->s->needs_mime = true;
		return k;
	}
	if (imap_search_is_atom(a, "LARGER") ||
	    imap_search_is_atom(a, "SMALLER")) {
		op = imap_search_is_atom(a, "LARGER") ? IMAP_SEARCH_LARGER :
		    IMAP_SEARCH_SMALLER;
		if (*i >= nargs || args[*i].type != IMAP_ARG_ATOM ||
		    !str_to_u64(args[*i].str, args[*i].len, UINT32_MAX, &n)) {
			ps->error = "search key needs a number";
			return NULL;
		}
		(*i)++;
		k = imap_search_key_new(ps, op);
		if (k != NULL)
			k->n = n;
		return k;
	}
	if (imap_search_is_atom(a, "NOT") || imap_search_is_atom(a, "OR")) {
		op = imap_search_is_atom(a, "NOT") ? IMAP_SEARCH_NOT :
		    IMAP_SEARCH_OR;
		k = imap_search_key_new(ps, op);
		if (k == NULL)
			return NULL;
		if (imap_search_parse_list(ps, args, nargs, i, depth + 1,
		    &k->kids, false) == -1 || (op == IMAP_SEARCH_OR &&
		    imap_search_parse_list(ps, args, nargs, i, depth + 1,
		    &k->kids->next, false) == -1)) {
			imap_search_key_free(k);
			return NULL;
		}
		return k;
	}
	op = IMAP_SEARCH_SEQ;
	if (imap_search_is_atom(a, "UID")) {
		op = IMAP_SEARCH_UID;
		if (*i >= nargs || args[*i].type != IMAP_ARG_ATOM) {
			ps->error = "UID needs a sequence set";
			return NULL;
		}
		a = &args[(*i)++];
	}
	k = imap_search_key_new(ps, op);
	if (k == NULL)
		return NULL;
	if (imap_seq_parse(a->str, a->len, &k->seq, &ps->error) == -1) {
		imap_search_key_free(k);
		if (op == IMAP_SEARCH_SEQ)
			ps->error = "unknown search key";
		return NULL;
	}
	return k;
}

int
imap_search_parse(const struct imap_arg *args, size_t nargs,
    struct imap_search **out_r, const char **error_r)
{
	struct imap_search_parser	 ps;
	size_t				 i;

	*out_r = NULL;
	i = 0;
	if (nargs > 0 && imap_search_is_atom(&args[0], "CHARSET")) {
		if (nargs < 2 || !imap_search_is_string(&args[1])) {
			*error_r = "CHARSET needs a name";
			return IMAP_SEARCH_ERR_SYNTAX;
		}
		if (strcasecmp(args[1].str, "UTF-8") != 0 &&
		    strcasecmp(args[1].str, "US-ASCII") != 0) {
			*error_r = "unsupported charset";
			return IMAP_SEARCH_ERR_CHARSET;
		}
		i = 2;
	}
	ps.s = xcalloc(1, sizeof(*ps.s));
	ps.error = NULL;
	ps.s->root = imap_search_key_new(&ps, IMAP_SEARCH_AND);
	if (imap_search_parse_list(&ps, args, nargs, &i, 0, &ps.s->root->kids,
	    true) == -1) {
		*error_r = ps.error;
		imap_search_free(ps.s);
		return IMAP_SEARCH_ERR_SYNTAX;
	}
	*out_r = ps.s;
	return 0;
}

void
imap_search_free(struct imap_search *s)
{
	if (s == NULL)
		return;
	imap_search_key_free(s->root);
	free(s);
}

bool
imap_search_needs_mime(const struct imap_search *s)
{
	return s->needs_mime;
}

/* --- evaluation --- */

/* RFC 3501 6.4.4: by day, the internal date as INTERNALDATE shows it. */
static uint32_t
imap_search_internal_day(int64_t ms)
{
	struct tm	 tm;
	time_t		 t;

	t = (time_t)(ms / 1000);
	if (ms < 0 && ms % 1000 != 0)
		t--;
	if (gmtime_r(&t, &tm) == NULL)
		return 0;
	return (uint32_t)((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	    tm.tm_mday);
}

static bool
imap_search_keyword(const struct imap_search_key *k,
    const struct imap_search_msg *m)
{
	const char	*name;
	size_t		 i, n;
	bool		 has;

	has = false;
	n = m->box == NULL ? 0 : store_box_nkeywords(m->box);
	for (i = 0; i < n && i < 64 && !has; i++) {
		if ((m->entry->keywords & (UINT64_C(1) << i)) == 0)
			continue;
		name = store_box_keyword(m->box, i);
		has = strlen(name) == k->str_len &&
		    strncasecmp(name, k->str, k->str_len) == 0;
	}
	return has != k->negate;
}

/* TEXT: the header (raw, and decoded where it matters) or the body. */
static bool
imap_search_text(const struct imap_search_key *k, struct imap_mime *mime)
{
	static const char *const decoded[] = { "Subject", "From", "To", "Cc",
	    "Bcc", "Reply-To", "Sender" };
	const struct imap_mime_section	 hdr = {
		.kind = IMAP_MIME_SECT_HEADER };
	const char			*p;
	size_t				 len, i;
	char				*lower_p;
	bool				 hit;

	if (imap_mime_section(mime, &hdr, &p, &len, NULL) == 1) {
		lower_p = xmemdup(p, len + 1);
		lower_p[len] = '\0';
		for (i = 0; i < len; i++)
			if (lower_p[i] == '\0')
				lower_p[i] = ' ';
		hit = strcasestr(lower_p, k->str) != NULL;
		free(lower_p);
		if (hit)
			return true;
	}
	for (i = 0; i < nitems(decoded); i++)
		if (imap_mime_header_contains(mime, decoded[i], k->str,
		    k->str_len) && k->str_len > 0)
			return true;
	return imap_mime_body_contains(mime, k->str, k->str_len);
}

static bool
imap_search_eval_key(const struct imap_search_key *k,
    const struct imap_search_msg *m, struct imap_mime *mime, size_t depth)
{
	const struct imap_search_key	*c;
	uint64_t			 size;
	uint32_t			 day;

	size = m->entry->msg->len;
	switch (k->op) {
	case IMAP_SEARCH_AND:
		for (c = k->kids; c != NULL; c = c->next)
			if (!imap_search_eval_key(c, m, mime, depth + 1))
				return false;
		return true;
	case IMAP_SEARCH_OR:
		return imap_search_eval_key(k->kids, m, mime, depth + 1) ||
		    imap_search_eval_key(k->kids->next, m, mime, depth + 1);
	case IMAP_SEARCH_NOT:
		return !imap_search_eval_key(k->kids, m, mime, depth + 1);
	case IMAP_SEARCH_FLAGS:
		return (m->flags & k->set) == k->set &&
		    (m->flags & k->clear) == 0;
	case IMAP_SEARCH_KEYWORD:
		return imap_search_keyword(k, m);
	case IMAP_SEARCH_HEADER:
		return imap_mime_header_contains(mime, k->hdr, k->str,
		    k->str_len);
	case IMAP_SEARCH_BODY:
		return imap_mime_body_contains(mime, k->str, k->str_len);
	case IMAP_SEARCH_TEXT:
		return imap_search_text(k, mime);
	case IMAP_SEARCH_BEFORE:
		return imap_search_internal_day(m->entry->internal_ms) <
		    k->day;
	case IMAP_SEARCH_ON:
		return imap_search_internal_day(m->entry->internal_ms) ==
		    k->day;
	case IMAP_SEARCH_SINCE:
		return imap_search_internal_day(m->entry->internal_ms) >=
		    k->day;
	case IMAP_SEARCH_SENTBEFORE:
		return imap_mime_sent_day(mime, &day) && day < k->day;
	case IMAP_SEARCH_SENTON:
		return imap_mime_sent_day(mime, &day) && day == k->day;
	case IMAP_SEARCH_SENTSINCE:
		return imap_mime_sent_day(mime, &day) && day >= k->day;
	case IMAP_SEARCH_LARGER:
		return size > k->n;
	case IMAP_SEARCH_SMALLER:
		return size < k->n;
	case IMAP_SEARCH_SEQ:
		return imap_seq_contains(k->seq, m->seq, m->max_seq);
	case IMAP_SEARCH_UID:
		return imap_seq_contains(k->seq, m->entry->uid, m->max_uid);
	default:
		fatalx("%s: search op %d", __func__, k->op);
	}
}

bool
imap_search_match(const struct imap_search *s,
    const struct imap_search_msg *m)
{
	struct imap_mime	*mime, *own;
	bool			 hit;

	own = NULL;
	mime = m->mime;
	if (mime == NULL && s->needs_mime) {
		own = imap_mime_new(m->entry->msg->data, m->entry->msg->len);
		mime = own;
	}
	hit = imap_search_eval_key(s->root, m, mime, 0);
	imap_mime_free(own);
	return hit;
}
