/*
 * imap_seq.c: IMAP sequence sets, RFC 3501 9 "sequence-set", "seq-range"
 * and "seq-number".
 *
 * Owns nothing global.  A parsed set stores "*" as 0 (no nz-number is 0)
 * so that the same set can be evaluated against a mailbox whose size
 * changes between commands; imap_seq_resolve() makes a sorted, merged
 * copy for iteration.  Numbers are parsed digit by digit with an
 * overflow check (STYLE 3.4), never with atoi/strtoul.
 */
#include <stdlib.h>
#include <string.h>

#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/imap_seq.h"

static int	imap_seq_number(const char *, size_t, uint32_t *,
		    const char **);
static void	imap_seq_push(struct imap_seq *, uint32_t, uint32_t);
static int	imap_seq_cmp(const void *, const void *);
static int	imap_seq_format_one(struct buf *, uint32_t);

struct imap_seq *
imap_seq_new(void)
{
	return xcalloc(1, sizeof(struct imap_seq));
}

void
imap_seq_free(struct imap_seq *seq)
{
	if (seq == NULL)
		return;
	free(seq->ranges);
	free(seq);
}

static void
imap_seq_push(struct imap_seq *seq, uint32_t lo, uint32_t hi)
{
	if (seq->nranges == seq->cap) {
		seq->cap = seq->cap == 0 ? 4 : seq->cap * 2;
		seq->ranges = xreallocarray(seq->ranges, seq->cap,
		    sizeof(*seq->ranges));
	}
	if (lo == 0 || hi == 0)
		seq->has_star = true;
	seq->ranges[seq->nranges].lo = lo;
	seq->ranges[seq->nranges].hi = hi;
	seq->nranges++;
}

/* "*" -> 0; else an nz-number (RFC 3501 9: digit-nz *DIGIT, < 2^32). */
static int
imap_seq_number(const char *p, size_t len, uint32_t *n_r,
    const char **error_r)
{
	uint64_t	 v;

	if (len == 1 && p[0] == '*') {
		*n_r = 0;
		return 0;
	}
	if (len == 0) {
		*error_r = "empty sequence number";
		return -1;
	}
	if (p[0] == '0') {
		*error_r = "sequence number must not start with 0";
		return -1;
	}
	if (!str_to_u64(p, len, UINT32_MAX, &v)) {
		*error_r = "invalid sequence number";
		return -1;
	}
	*n_r = (uint32_t)v;
	return 0;
}

int
imap_seq_parse(const char *s, size_t len, struct imap_seq **out_r,
    const char **error_r)
{
	struct imap_seq	*seq;
	size_t		 i, start, colon;
	uint32_t	 lo, hi;

	*out_r = NULL;
	if (len == 0) {
		*error_r = "empty sequence set";
		return -1;
	}
	seq = imap_seq_new();
	start = 0;
	while (start <= len) {
		colon = SIZE_MAX;
		for (i = start; i < len && s[i] != ','; i++) {
			if (s[i] == ':') {
				if (colon != SIZE_MAX) {
					*error_r = "two ':' in a range";
					goto fail;
				}
				colon = i;
			}
		}
		if (seq->nranges == IMAP_SEQ_RANGES_MAX) {
			*error_r = "too many ranges in sequence set";
			goto fail;
		}
		if (colon == SIZE_MAX) {
			if (imap_seq_number(s + start, i - start, &lo,
			    error_r) == -1)
				goto fail;
			hi = lo;
		} else {
			if (imap_seq_number(s + start, colon - start, &lo,
			    error_r) == -1 || imap_seq_number(s + colon + 1,
			    i - colon - 1, &hi, error_r) == -1)
				goto fail;
		}
		/* RFC 3501 9 seq-range: "2:4" and "4:2" are the same. */
		if (lo != 0 && hi != 0 && lo > hi)
			imap_seq_push(seq, hi, lo);
		else
			imap_seq_push(seq, lo, hi);
		start = i + 1;
	}
	*out_r = seq;
	return 0;
fail:
	imap_seq_free(seq);
	return -1;
}

void
imap_seq_add(struct imap_seq *seq, uint32_t lo, uint32_t hi)
{
	struct imap_seq_range	*last;
	uint32_t		 t;

	if (lo == 0 || hi == 0)
		fatalx("%s: 0 is not a sequence number", __func__);
	if (lo > hi) {
		t = lo;
		lo = hi;
		hi = t;
	}
	if (seq->nranges > 0) {
		last = &seq->ranges[seq->nranges - 1];
		if (last->lo != 0 && last->hi != 0 && lo >= last->lo &&
		    lo <= (uint64_t)last->hi + 1) {
			if (hi > last->hi)
				last->hi = hi;
			return;
		}
	}
	imap_seq_push(seq, lo, hi);
}

bool
imap_seq_contains(const struct imap_seq *seq, uint32_t n, uint32_t star)
{
	const struct imap_seq_range	*r;
	uint32_t			 lo, hi, t;
	size_t				 i;

	if (n == 0)
		return false;
	for (i = 0; i < seq->nranges; i++) {
		r = &seq->ranges[i];
		lo = r->lo == 0 ? star : r->lo;
		hi = r->hi == 0 ? star : r->hi;
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		if (n >= lo && n <= hi)
			return true;
	}
	return false;
}

static int
imap_seq_cmp(const void *a, const void *b)
{
	const struct imap_seq_range	*ra = a, *rb = b;

	if (ra->lo != rb->lo)
		return ra->lo < rb->lo ? -1 : 1;
	if (ra->hi != rb->hi)
		return ra->hi < rb->hi ? -1 : 1;
	return 0;
}

struct imap_seq *
imap_seq_resolve(const struct imap_seq *seq, uint32_t star)
{
	struct imap_seq		*res;
	struct imap_seq_range	*r, *w;
	uint32_t		 lo, hi, t;
	size_t			 i;

	res = imap_seq_new();
	for (i = 0; i < seq->nranges; i++) {
		lo = seq->ranges[i].lo == 0 ? star : seq->ranges[i].lo;
		hi = seq->ranges[i].hi == 0 ? star : seq->ranges[i].hi;
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		if (hi == 0)
			continue;
		if (lo == 0)
			lo = 1;
		imap_seq_push(res, lo, hi);
	}
	if (res->nranges == 0)
		return res;
	qsort(res->ranges, res->nranges, sizeof(*res->ranges), imap_seq_cmp);
	w = res->ranges;
	for (i = 1; i < res->nranges; i++) {
		r = &res->ranges[i];
		if (r->lo <= (uint64_t)w->hi + 1) {
			if (r->hi > w->hi)
				w->hi = r->hi;
		} else
			*++w = *r;
	}
	res->nranges = (size_t)(w - res->ranges) + 1;
	return res;
}

uint32_t
imap_seq_max(const struct imap_seq *seq, uint32_t star)
{
	uint32_t	 m, lo, hi;
	size_t		 i;

	m = 0;
	for (i = 0; i < seq->nranges; i++) {
		lo = seq->ranges[i].lo == 0 ? star : seq->ranges[i].lo;
		hi = seq->ranges[i].hi == 0 ? star : seq->ranges[i].hi;
		m = MAX(m, MAX(lo, hi));
	}
	return m;
}

void
imap_seq_iter_init(struct imap_seq_iter *it, const struct imap_seq *seq,
    uint32_t max)
{
	if (seq->has_star)
		fatalx("%s: set is not resolved", __func__);
	it->seq = seq;
	it->i = 0;
	it->next = seq->nranges > 0 ? seq->ranges[0].lo : 0;
	it->max = max;
}

bool
imap_seq_iter_next(struct imap_seq_iter *it, uint32_t *n_r)
{
	const struct imap_seq_range	*r;

	while (it->i < it->seq->nranges) {
		r = &it->seq->ranges[it->i];
		if (it->next > r->hi || it->next > it->max) {
			it->i++;
			if (it->i < it->seq->nranges)
				it->next = it->seq->ranges[it->i].lo;
			continue;
		}
		*n_r = (uint32_t)it->next++;
		return true;
	}
	return false;
}

int
imap_seq_format(const struct imap_seq *seq, struct buf *out)
{
	const struct imap_seq_range	*r;
	size_t				 i;

	for (i = 0; i < seq->nranges; i++) {
		r = &seq->ranges[i];
		if (i > 0 && buf_appendc(out, ',') == -1)
			return -1;
		if (imap_seq_format_one(out, r->lo) == -1)
			return -1;
		if (r->lo == r->hi)
			continue;
		if (buf_appendc(out, ':') == -1 ||
		    imap_seq_format_one(out, r->hi) == -1)
			return -1;
	}
	return 0;
}

static int
imap_seq_format_one(struct buf *out, uint32_t n)
{
	if (n == 0)
		return buf_appendc(out, '*');
	return buf_appendf(out, "%u", n);
}
