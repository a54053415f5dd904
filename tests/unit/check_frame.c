/*
 * check_frame.c: the framer (fakes/frame.c).
 *
 * Every table case is fed whole, byte by byte and split in two at every
 * offset (tests/unit/helpers.h).  Pieces are added to the evbuffer by
 * reference, so each piece is its own chain and lines straddling chains
 * are exercised.  Each run asserts the same item sequence (content, eol,
 * flags, wire), that an item comes as soon as its bytes are there and not
 * before ("need more" until then), the bytes left buffered, the final mode
 * and the count of skipped bytes.  COUNT chunks depend on how input
 * arrived, so the table names the whole run and the chunks are checked
 * piece by piece against it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/buffer.h>

#include "fakes/base/defs.h"
#include "fakes/frame.h"
#include "tests/unit/helpers.h"

Suite	*frame_suite(void);

/* What the test does after an item, as a protocol module would. */
enum frame_test_act {
	ACT_NONE,
	ACT_LINE,
	ACT_DOT,
	ACT_COUNT
};

#define WANT_MAX	10
#define LINE_MAX_TEST	64	/* line_max when a case gives none */

struct frame_want {
	const char		*p;	/* NULL ends the list */
	size_t			 len;
	size_t			 eol;
	unsigned		 flags;
	bool			 count;	/* a COUNT run of n bytes; p/len is
					   what this case delivers of it */
	uint64_t		 n;
	enum frame_test_act	 then;
	uint64_t		 then_n;
};

struct frame_case {
	const char		*name;
	const char		*in;
	size_t			 len;
	size_t			 line_max;
	enum frame_test_act	 start;
	uint64_t		 start_n;
	struct frame_want	 w[WANT_MAX];
	size_t			 rest;	/* bytes still buffered at the end */
	enum frame_mode		 mode;	/* mode at the end */
};

/* One run of one case. */
struct frame_run {
	const struct frame_case	*c;
	int			 ci;
	const char		*way;
	bool			 whole;
	struct frame		 f;
	struct evbuffer		*in;
	size_t			 nw;
	size_t			 fed;
	size_t			 cur;	/* next wanted item */
	size_t			 pos;	/* input offset where it starts */
	size_t			 cdone;	/* COUNT bytes of it delivered */
	uint64_t		 wire;	/* sum of item wire sizes */
	uint64_t		 skipped; /* bytes the framer should skip */
};

static void	frame_test_pump(struct frame_run *);
static void	frame_test_line(struct frame_run *, const struct frame_want *,
		    const struct frame_item *);
static void	frame_test_chunk(struct frame_run *, const struct frame_want *,
		    const struct frame_item *);
static void	frame_test_need_more(struct frame_run *);
static size_t	frame_test_ready(const struct frame_run *,
		    const struct frame_want *);
static void	frame_test_act(struct frame_run *, enum frame_test_act,
		    uint64_t);
static void	frame_test_feed(void *, const char *, size_t);

#define IN(s)		.in = (s), .len = sizeof(s) - 1
#define LN(s, e, fl, ...) \
	{ .p = (s), .len = sizeof(s) - 1, .eol = (e), .flags = (fl), \
	  __VA_ARGS__ }
#define CNT(s, total, ...) \
	{ .p = (s), .len = sizeof(s) - 1, .count = true, .n = (total), \
	  __VA_ARGS__ }

#define D	FRAME_DATA
#define END	(FRAME_END | FRAME_DATA | FRAME_DOT_END)
#define LONG	FRAME_TOO_LONG

static const struct frame_case cases[] = {
	/* LINE: endings and flags (RFC 5321 2.3.8) */
	{ .name = "crlf", IN("HELO a\r\n"),
	  .w = { LN("HELO a", 2, 0) } },
	{ .name = "bare lf", IN("NOOP\n"),
	  .w = { LN("NOOP", 1, FRAME_BARE_LF) } },
	{ .name = "bare cr inside", IN("A\rB\r\n"),
	  .w = { LN("A\rB", 2, FRAME_BARE_CR) } },
	{ .name = "cr before crlf", IN("AB\r\r\n"),
	  .w = { LN("AB\r", 2, FRAME_BARE_CR) } },
	{ .name = "cr before bare lf", IN("AB\r\n\n"),
	  .w = { LN("AB", 2, 0), LN("", 1, FRAME_BARE_LF) } },
	{ .name = "nul", IN("A\0B\r\n"),
	  .w = { LN("A\0B", 2, FRAME_NUL) } },
	{ .name = "8bit", IN("caf\xc3\xa9\r\n"),
	  .w = { LN("caf\xc3\xa9", 2, FRAME_8BIT) } },
	{ .name = "all flags", IN("\xff\0\rX\n"),
	  .w = { LN("\xff\0\rX", 1, FRAME_8BIT | FRAME_NUL | FRAME_BARE_CR |
	      FRAME_BARE_LF) } },
	{ .name = "empty crlf", IN("\r\n"),
	  .w = { LN("", 2, 0) } },
	{ .name = "empty bare lf", IN("\n"),
	  .w = { LN("", 1, FRAME_BARE_LF) } },
	{ .name = "no lf yet", IN("QUIT\r"), .rest = 5 },
	{ .name = "empty input", IN("") },
	{ .name = "pipelined",
	  IN("MAIL FROM:<a>\r\nRCPT TO:<b>\n\r\nDATA\r\nX"),
	  .w = { LN("MAIL FROM:<a>", 2, 0), LN("RCPT TO:<b>", 1, FRAME_BARE_LF),
	      LN("", 2, 0), LN("DATA", 2, 0) },
	  .rest = 1 },

	/* LINE: the line_max cap (content without the ending) */
	{ .name = "at limit crlf", IN("12345678\r\nA\r\n"), .line_max = 8,
	  .w = { LN("12345678", 2, 0), LN("A", 2, 0) } },
	{ .name = "at limit bare lf", IN("12345678\nA\n"), .line_max = 8,
	  .w = { LN("12345678", 1, FRAME_BARE_LF),
	      LN("A", 1, FRAME_BARE_LF) } },
	{ .name = "at limit no lf yet", IN("12345678\r"), .line_max = 8,
	  .rest = 9 },
	{ .name = "one over crlf", IN("123456789\r\nNEXT\r\n"), .line_max = 8,
	  .w = { LN("12345678", 0, LONG), LN("NEXT", 2, 0) } },
	{ .name = "one over bare lf", IN("123456789\nNEXT\n"), .line_max = 8,
	  .w = { LN("12345678", 0, LONG), LN("NEXT", 1, FRAME_BARE_LF) } },
	{ .name = "cr at limit not crlf", IN("12345678\rX\r\nOK\r\n"),
	  .line_max = 8,
	  .w = { LN("12345678", 0, LONG), LN("OK", 2, 0) } },
	{ .name = "cr cr at limit", IN("12345678\r\r\nOK\r\n"), .line_max = 8,
	  .w = { LN("12345678", 0, LONG), LN("OK", 2, 0) } },
	{ .name = "far over",
	  IN("0123456789abcdefghijklmnopqrstuvwxyz0123\r\nQUIT\r\n"),
	  .line_max = 8,
	  .w = { LN("01234567", 0, LONG), LN("QUIT", 2, 0) } },
	{ .name = "lf much later",
	  IN("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	      "\r\nNOOP\r\n"), .line_max = 8,
	  .w = { LN("AAAAAAAA", 0, LONG), LN("NOOP", 2, 0) } },
	{ .name = "lf never comes", IN("abcdefghijklmnopqrstuvwxyz"),
	  .line_max = 8,
	  .w = { LN("abcdefgh", 0, LONG) } },
	{ .name = "too long keeps head flags", IN("\x80\0\rdefghXYZ\r\nok\n"),
	  .line_max = 8,
	  .w = { LN("\x80\0\rdefgh", 0, LONG | FRAME_8BIT | FRAME_NUL |
	      FRAME_BARE_CR), LN("ok", 1, FRAME_BARE_LF) } },
	{ .name = "flags past head not seen", IN("abcdefgh\0\x80\r\nok\r\n"),
	  .line_max = 8,
	  .w = { LN("abcdefgh", 0, LONG), LN("ok", 2, 0) } },
	{ .name = "too long then partial", IN("123456789\r\nNE"), .line_max = 8,
	  .w = { LN("12345678", 0, LONG) }, .rest = 2 },
	{ .name = "two too long in a row",
	  IN("aaaaaaaaaaaa\r\nbbbbbbbbbbbbbbbbbbbb\nok\r\n"), .line_max = 8,
	  .w = { LN("aaaaaaaa", 0, LONG), LN("bbbbbbbb", 0, LONG),
	      LN("ok", 2, 0) } },
	{ .name = "line max 1", IN("a\r\nab\r\n\r\n"), .line_max = 1,
	  .w = { LN("a", 2, 0), LN("a", 0, LONG), LN("", 2, 0) } },

	/* DOT: RFC 5321 4.1.1.4 and 4.5.2 */
	{ .name = "dot plain", IN("Subject: x\r\n\r\nbody\r\n.\r\n"),
	  .start = ACT_DOT,
	  .w = { LN("Subject: x", 2, D), LN("", 2, D), LN("body", 2, D),
	      LN("", 2, END) } },
	{ .name = "dot stuffed", IN("..hidden\r\n.x\r\n. \r\n.\r\n"),
	  .start = ACT_DOT,
	  .w = { LN(".hidden", 2, D | FRAME_STUFFED),
	      LN("x", 2, D | FRAME_STUFFED), LN(" ", 2, D | FRAME_STUFFED),
	      LN("", 2, END) } },
	{ .name = "double dot", IN("..\r\n.\r\n"), .start = ACT_DOT,
	  .w = { LN(".", 2, D | FRAME_STUFFED), LN("", 2, END) } },
	{ .name = "dot end bare lf", IN("body\n.\nQUIT\r\n"), .start = ACT_DOT,
	  .w = { LN("body", 1, D | FRAME_BARE_LF),
	      LN("", 1, END | FRAME_BARE_LF), LN("QUIT", 2, 0) } },
	{ .name = "dot cr is not end", IN(".\r\r\n.\r\n"), .start = ACT_DOT,
	  .w = { LN("\r", 2, D | FRAME_STUFFED | FRAME_BARE_CR),
	      LN("", 2, END) } },
	{ .name = "dot after end is line", IN("a\r\n.\r\n.\r\nQUIT\r\n"),
	  .start = ACT_DOT,
	  .w = { LN("a", 2, D), LN("", 2, END), LN(".", 2, 0),
	      LN("QUIT", 2, 0) } },
	{ .name = "dot flags", IN("\x80\0x\r\n.\r\n"), .start = ACT_DOT,
	  .w = { LN("\x80\0x", 2, D | FRAME_8BIT | FRAME_NUL),
	      LN("", 2, END) } },
	{ .name = "dot incomplete end", IN("abc\r\n.\r"), .start = ACT_DOT,
	  .w = { LN("abc", 2, D) }, .rest = 2, .mode = FRAME_M_DOT },
	{ .name = "dot too long", IN("0123456789ab\r\n.\r\n"), .line_max = 8,
	  .start = ACT_DOT,
	  .w = { LN("01234567", 0, D | LONG), LN("", 2, END) } },
	{ .name = "dot too long stuffed", IN("..23456789\r\n.\r\n"),
	  .line_max = 8, .start = ACT_DOT,
	  .w = { LN(".234567", 0, D | LONG | FRAME_STUFFED),
	      LN("", 2, END) } },
	{ .name = "dot at limit stuffed", IN("..234567\r\n.\r\n"),
	  .line_max = 8, .start = ACT_DOT,
	  .w = { LN(".234567", 2, D | FRAME_STUFFED), LN("", 2, END) } },
	{ .name = "dot too long head is dot", IN(".bc\r\n.\r\n"),
	  .line_max = 1, .start = ACT_DOT,
	  .w = { LN("", 0, D | LONG | FRAME_STUFFED), LN("", 2, END) } },

	/* mode switches mid-buffer */
	{ .name = "data then dot",
	  IN("DATA\r\nline\r\n..\r\n.\r\nQUIT\r\n"),
	  .w = { LN("DATA", 2, 0, .then = ACT_DOT), LN("line", 2, D),
	      LN(".", 2, D | FRAME_STUFFED), LN("", 2, END),
	      LN("QUIT", 2, 0) } },
	{ .name = "dot back to line early", IN("a\r\nRSET\r\n"),
	  .start = ACT_DOT,
	  .w = { LN("a", 2, D, .then = ACT_LINE), LN("RSET", 2, 0) } },
	{ .name = "skip survives switch", IN("DATA0123456789\r\nx\r\n.\r\n"),
	  .line_max = 8,
	  .w = { LN("DATA0123", 0, LONG, .then = ACT_DOT), LN("x", 2, D),
	      LN("", 2, END) } },

	/* COUNT: BDAT (RFC 3030 2) and IMAP literals (RFC 3501 4.3) */
	{ .name = "count zero", IN("NOOP\r\n"), .start = ACT_COUNT,
	  .start_n = 0,
	  .w = { CNT("", 0), LN("NOOP", 2, 0) } },
	{ .name = "count zero mid-buffer", IN("BDAT 0 LAST\r\nQUIT\r\n"),
	  .w = { LN("BDAT 0 LAST", 2, 0, .then = ACT_COUNT, .then_n = 0),
	      CNT("", 0), LN("QUIT", 2, 0) } },
	{ .name = "count less than buffered", IN("BDAT 5\r\nhelloQUIT\r\n"),
	  .w = { LN("BDAT 5", 2, 0, .then = ACT_COUNT, .then_n = 5),
	      CNT("hello", 5), LN("QUIT", 2, 0) } },
	{ .name = "count more than buffered", IN("BDAT 10\r\nhello"),
	  .w = { LN("BDAT 10", 2, 0, .then = ACT_COUNT, .then_n = 10),
	      CNT("hello", 10) }, .mode = FRAME_M_COUNT },
	{ .name = "count holds lines", IN("BDAT 7\r\na\r\n.\r\nbNOOP\n"),
	  .w = { LN("BDAT 7", 2, 0, .then = ACT_COUNT, .then_n = 7),
	      CNT("a\r\n.\r\nb", 7), LN("NOOP", 1, FRAME_BARE_LF) } },
	{ .name = "count binary", IN("\0\x80\r\xff\nX\r\n"),
	  .start = ACT_COUNT, .start_n = 5,
	  .w = { CNT("\0\x80\r\xff\n", 5), LN("X", 2, 0) } },
	{ .name = "count exact then partial", IN("abc\r\nQU"),
	  .start = ACT_COUNT, .start_n = 3,
	  .w = { CNT("abc", 3), LN("", 2, 0) }, .rest = 2 },
	{ .name = "count ignores line_max", IN("0123456789abcdef\r\n"),
	  .line_max = 4, .start = ACT_COUNT, .start_n = 16,
	  .w = { CNT("0123456789abcdef", 16), LN("", 2, 0) } },
	{ .name = "imap literals",
	  IN("A1 LOGIN {3}\r\nbob {6}\r\nsecret\r\nA2 NOOP\r\n"),
	  .w = { LN("A1 LOGIN {3}", 2, 0, .then = ACT_COUNT, .then_n = 3),
	      CNT("bob", 3), LN(" {6}", 2, 0, .then = ACT_COUNT, .then_n = 6),
	      CNT("secret", 6), LN("", 2, 0), LN("A2 NOOP", 2, 0) } },
	{ .name = "count then dot", IN("BDAT 2\r\nxyDATA\r\n.\r\n"),
	  .w = { LN("BDAT 2", 2, 0, .then = ACT_COUNT, .then_n = 2),
	      CNT("xy", 2), LN("DATA", 2, 0, .then = ACT_DOT),
	      LN("", 2, END) } },
};

static size_t
frame_test_line_max(const struct frame_case *c)
{
	return c->line_max != 0 ? c->line_max : LINE_MAX_TEST;
}

/* Expected wire size of a line item; COUNT chunks are checked apart. */
static size_t
frame_test_wire(const struct frame_case *c, const struct frame_want *w)
{
	if (w->flags & FRAME_TOO_LONG)
		return frame_test_line_max(c);
	if (w->flags & (FRAME_STUFFED | FRAME_END))
		return 1 + w->len + w->eol;
	return w->len + w->eol;
}

/*
 * Input bytes needed before item w may come: its whole line, or for a
 * too-long head, line_max + 1 bytes (+ 1 more if byte line_max is a CR,
 * which may still start the CRLF).
 */
static size_t
frame_test_ready(const struct frame_run *r, const struct frame_want *w)
{
	const struct frame_case	*c = r->c;
	size_t			 max = frame_test_line_max(c);

	if (w->count)
		return r->pos + r->cdone + (w->n > 0 ? 1 : 0);
	if (!(w->flags & FRAME_TOO_LONG))
		return r->pos + frame_test_wire(c, w);
	ck_assert_msg(r->pos + max < c->len,
	    "case %d (%s): table wants a too-long line past the input",
	    r->ci, c->name);
	return r->pos + max + 1 + (c->in[r->pos + max] == '\r' ? 1 : 0);
}

static void
frame_test_act(struct frame_run *r, enum frame_test_act act, uint64_t n)
{
	switch (act) {
	case ACT_NONE:
		break;
	case ACT_LINE:
		frame_mode_line(&r->f, r->in);
		break;
	case ACT_DOT:
		frame_mode_dot(&r->f, r->in);
		break;
	case ACT_COUNT:
		frame_mode_count(&r->f, r->in, n);
		break;
	default:
		ck_abort_msg("case %d: bad act %d", r->ci, (int)act);
	}
}

static void
frame_test_line(struct frame_run *r, const struct frame_want *w,
    const struct frame_item *it)
{
	const struct frame_case	*c = r->c;
	const char		*nl;
	size_t			 ready, end, max = frame_test_line_max(c);
	enum frame_mode		 want_mode;
	bool			 dot;

	ready = frame_test_ready(r, w);
	ck_assert_msg(r->fed >= ready,
	    "case %d (%s, %s): item %zu after %zu bytes, want %zu",
	    r->ci, c->name, r->way, r->cur, r->fed, ready);
	ck_assert_msg(it->len == w->len,
	    "case %d (%s, %s): item %zu: got len %zu, want %zu",
	    r->ci, c->name, r->way, r->cur, it->len, w->len);
	ck_assert_mem_eq(it->p, w->p, w->len);
	ck_assert_msg(it->eol == w->eol,
	    "case %d (%s, %s): item %zu: got eol %zu, want %zu",
	    r->ci, c->name, r->way, r->cur, it->eol, w->eol);
	ck_assert_msg(it->flags == w->flags,
	    "case %d (%s, %s): item %zu: got flags %#x, want %#x",
	    r->ci, c->name, r->way, r->cur, it->flags, w->flags);
	ck_assert_msg(it->wire == frame_test_wire(c, w),
	    "case %d (%s, %s): item %zu: got wire %zu, want %zu",
	    r->ci, c->name, r->way, r->cur, it->wire, frame_test_wire(c, w));
	dot = (w->flags & (FRAME_STUFFED | FRAME_END)) != 0;
	ck_assert_mem_eq(it->p + it->len, c->in + r->pos + dot + w->len,
	    w->eol);
	if (r->whole)
		/* One chain: the item must point into it, not at a copy. */
		ck_assert_ptr_eq(it->p, c->in + r->pos + dot);
	/* DOT data keeps the mode; its "." line and plain lines are LINE. */
	want_mode = (w->flags & (FRAME_DATA | FRAME_END)) == FRAME_DATA ?
	    FRAME_M_DOT : FRAME_M_LINE;
	ck_assert_msg(frame_get_mode(&r->f) == want_mode,
	    "case %d (%s, %s): item %zu: got mode %d, want %d",
	    r->ci, c->name, r->way, r->cur, (int)frame_get_mode(&r->f),
	    (int)want_mode);

	r->wire += it->wire;
	if (w->flags & FRAME_TOO_LONG) {
		nl = memchr(c->in + r->pos + max, '\n', c->len - r->pos - max);
		end = nl != NULL ? (size_t)(nl - c->in) + 1 : c->len;
		r->skipped += end - r->pos - max;
		r->pos = end;
	} else
		r->pos += it->wire;
	r->cur++;
	frame_test_act(r, w->then, w->then_n);
}

static void
frame_test_chunk(struct frame_run *r, const struct frame_want *w,
    const struct frame_item *it)
{
	const struct frame_case	*c = r->c;
	unsigned		 want_flags;

	ck_assert_msg(it->eol == 0 && it->wire == it->len,
	    "case %d (%s, %s): chunk of item %zu: eol %zu wire %zu len %zu",
	    r->ci, c->name, r->way, r->cur, it->eol, it->wire, it->len);
	ck_assert_msg(w->n == 0 ? it->len == 0 : it->len > 0,
	    "case %d (%s, %s): chunk of item %zu: got len %zu for n %ju",
	    r->ci, c->name, r->way, r->cur, it->len, (uintmax_t)w->n);
	ck_assert_msg(r->cdone + it->len <= w->len,
	    "case %d (%s, %s): chunk of item %zu: got %zu more, want %zu",
	    r->ci, c->name, r->way, r->cur, it->len, w->len - r->cdone);
	ck_assert_mem_eq(it->p, w->p + r->cdone, it->len);
	if (it->len > 0)
		/* Chunks are never copied: they point at the fed bytes. */
		ck_assert_ptr_eq(it->p, c->in + r->pos + r->cdone);
	r->cdone += it->len;
	r->wire += it->wire;
	want_flags = FRAME_DATA | (r->cdone == w->n ? FRAME_END : 0);
	ck_assert_msg(it->flags == want_flags,
	    "case %d (%s, %s): chunk of item %zu: got flags %#x, want %#x",
	    r->ci, c->name, r->way, r->cur, it->flags, want_flags);
	ck_assert_int_eq(frame_get_mode(&r->f),
	    r->cdone == w->n ? FRAME_M_LINE : FRAME_M_COUNT);
	if (r->cdone < w->len)
		return;
	r->pos += r->cdone;
	r->cdone = 0;
	r->cur++;
	frame_test_act(r, w->then, w->then_n);
}

/* The framer said "need more": the next item must really lack bytes. */
static void
frame_test_need_more(struct frame_run *r)
{
	const struct frame_want	*w;
	size_t			 ready;

	if (r->cur == r->nw)
		return;
	w = &r->c->w[r->cur];
	ready = frame_test_ready(r, w);
	ck_assert_msg(r->fed < ready,
	    "case %d (%s, %s): need more after %zu bytes, item %zu wants %zu",
	    r->ci, r->c->name, r->way, r->fed, r->cur, ready);
}

static void
frame_test_pump(struct frame_run *r)
{
	struct frame_item	it;
	int			ret;

	for (;;) {
		memset(&it, 0, sizeof(it));
		ret = frame_next(&r->f, r->in, &it);
		if (ret == 0) {
			frame_test_need_more(r);
			return;
		}
		ck_assert_msg(ret == 1, "case %d (%s, %s): got %d, want 1",
		    r->ci, r->c->name, r->way, ret);
		ck_assert_msg(r->cur < r->nw,
		    "case %d (%s, %s): got item %zu, want %zu items",
		    r->ci, r->c->name, r->way, r->cur + 1, r->nw);
		ck_assert_ptr_nonnull(it.p);
		if (r->c->w[r->cur].count)
			frame_test_chunk(r, &r->c->w[r->cur], &it);
		else
			frame_test_line(r, &r->c->w[r->cur], &it);
	}
}

static void
frame_test_feed(void *arg, const char *p, size_t n)
{
	struct frame_run	*r = arg;

	/* By reference: each piece stays its own chain. */
	ck_assert_int_eq(evbuffer_add_reference(r->in, p, n, NULL, NULL), 0);
	r->fed += n;
	frame_test_pump(r);
}

START_TEST(test_frame_cases)
{
	const struct frame_case	*c = &cases[_i];
	struct frame_run	 r;
	char			 way[32];
	size_t			 k, left;

	for (k = 0; k < feed_ways(c->len); k++) {
		memset(&r, 0, sizeof(r));
		r.c = c;
		r.ci = _i;
		r.way = way;
		r.whole = k == 0;
		while (r.nw < WANT_MAX && c->w[r.nw].p != NULL)
			r.nw++;
		r.in = evbuffer_new();
		ck_assert_ptr_nonnull(r.in);
		frame_init(&r.f, frame_test_line_max(c));
		frame_test_act(&r, c->start, c->start_n);
		snprintf(way, sizeof(way), "before input");
		frame_test_pump(&r);

		feed_way(k, c->in, c->len, frame_test_feed, &r, way,
		    sizeof(way));

		ck_assert_msg(r.cur == r.nw,
		    "case %d (%s, %s): got %zu items, want %zu",
		    _i, c->name, way, r.cur, r.nw);
		left = evbuffer_get_length(r.in);
		ck_assert_msg(left == c->rest,
		    "case %d (%s, %s): got %zu bytes left, want %zu",
		    _i, c->name, way, left, c->rest);
		ck_assert_msg(frame_get_mode(&r.f) == c->mode,
		    "case %d (%s, %s): got mode %d, want %d",
		    _i, c->name, way, (int)frame_get_mode(&r.f), (int)c->mode);
		ck_assert_msg(r.f.skipped == r.skipped,
		    "case %d (%s, %s): got %ju skipped, want %ju",
		    _i, c->name, way, (uintmax_t)r.f.skipped,
		    (uintmax_t)r.skipped);
		/* Every input byte is in an item, skipped or still buffered. */
		ck_assert_uint_eq(r.wire + r.f.skipped + left, c->len);
		frame_fini(&r.f);
		evbuffer_free(r.in);
	}
}
END_TEST

/* A real-size cap: LINE_MAX_CMD-like lines arriving in read-sized pieces. */
START_TEST(test_frame_big)
{
	struct frame		 f;
	struct frame_item	 it;
	struct evbuffer		*in;
	char			*buf;
	size_t			 max = 65536, len, off, n;
	int			 items = 0;

	/* max + CRLF, then max + 5000 + CRLF, then "OK" LF */
	len = max + 2 + max + 5000 + 5;
	buf = malloc(len);
	ck_assert_ptr_nonnull(buf);
	memset(buf, 'x', len);
	memcpy(buf + max, "\r\n", 2);
	memcpy(buf + len - 5, "\r\nOK\n", 5);
	in = evbuffer_new();
	frame_init(&f, max);
	for (off = 0; off < len; off += n) {
		n = MIN(len - off, 4096);
		evbuffer_add(in, buf + off, n);
		while (frame_next(&f, in, &it) == 1) {
			switch (items++) {
			case 0:
				ck_assert_uint_eq(it.len, max);
				ck_assert_uint_eq(it.eol, 2);
				ck_assert_uint_eq(it.flags, 0);
				break;
			case 1:
				ck_assert_uint_eq(it.len, max);
				ck_assert_uint_eq(it.flags, FRAME_TOO_LONG);
				ck_assert_mem_eq(it.p, buf + max + 2, max);
				break;
			case 2:
				ck_assert_uint_eq(it.len, 2);
				ck_assert_mem_eq(it.p, "OK", 2);
				ck_assert_uint_eq(it.flags, FRAME_BARE_LF);
				break;
			default:
				ck_abort_msg("got item %d, want 3 items",
				    items);
			}
		}
	}
	ck_assert_int_eq(items, 3);
	ck_assert_uint_eq(f.skipped, 5000 + 2);
	ck_assert_uint_eq(evbuffer_get_length(in), 0);
	frame_fini(&f);
	evbuffer_free(in);
	free(buf);
}
END_TEST

/* frame_init() again forgets a skip in progress (STARTTLS reset). */
START_TEST(test_frame_reinit)
{
	struct frame		 f;
	struct frame_item	 it;
	struct evbuffer		*in;

	in = evbuffer_new();
	frame_init(&f, 4);
	evbuffer_add(in, "abcdefgh", 8);
	ck_assert_int_eq(frame_next(&f, in, &it), 1);
	ck_assert_uint_eq(it.flags, FRAME_TOO_LONG);
	ck_assert_int_eq(frame_next(&f, in, &it), 0);
	ck_assert(f.skipping);
	frame_fini(&f);
	frame_init(&f, 4);
	evbuffer_add(in, "EHLO\r\n", 6);
	ck_assert_int_eq(frame_next(&f, in, &it), 1);
	ck_assert_uint_eq(it.len, 4);
	ck_assert_mem_eq(it.p, "EHLO", 4);
	ck_assert_uint_eq(it.flags, 0);
	ck_assert_int_eq(frame_next(&f, in, &it), 0);
	frame_fini(&f);
	evbuffer_free(in);
}
END_TEST

/* The helpers feed every byte once, in order, in the pieces they claim. */
struct frame_test_collect {
	char	out[16];
	size_t	len;
	size_t	pieces;
};

static void
frame_test_collect(void *arg, const char *p, size_t n)
{
	struct frame_test_collect	*col = arg;

	ck_assert_uint_gt(n, 0);
	ck_assert_uint_le(col->len + n, sizeof(col->out));
	memcpy(col->out + col->len, p, n);
	col->len += n;
	col->pieces++;
}

START_TEST(test_frame_helpers)
{
	static const char		 in[] = "abcde";
	struct frame_test_collect	 col;
	char				 name[16];
	size_t				 k, want;

	ck_assert_uint_eq(feed_ways(0), 2);
	ck_assert_uint_eq(feed_ways(5), 6);
	for (k = 0; k < feed_ways(5); k++) {
		memset(&col, 0, sizeof(col));
		feed_way(k, in, 5, frame_test_collect, &col, name,
		    sizeof(name));
		want = k == 0 ? 1 : k == 1 ? 5 : 2;
		ck_assert_msg(col.pieces == want,
		    "case %zu (%s): got %zu pieces, want %zu",
		    k, name, col.pieces, want);
		ck_assert_uint_eq(col.len, 5);
		ck_assert_mem_eq(col.out, in, 5);
	}
	memset(&col, 0, sizeof(col));
	feed_way(1, in, 0, frame_test_collect, &col, NULL, 0);
	ck_assert_uint_eq(col.pieces, 0);
	feed_split(in, 5, 5, frame_test_collect, &col);
	ck_assert_uint_eq(col.pieces, 1);
}
END_TEST

Suite *
frame_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("frame");
	tc = tcase_create("cases");
	tcase_add_loop_test(tc, test_frame_cases, 0, nitems(cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_frame_big);
	tcase_add_test(tc, test_frame_reinit);
	suite_add_tcase(s, tc);
	tc = tcase_create("helpers");
	tcase_add_test(tc, test_frame_helpers);
	suite_add_tcase(s, tc);
	return s;
}
