/*
 * frame.c: the framer.  Owns nothing but its small state; the bytes stay in
 * the caller's evbuffer and items borrow them until the next call.
 *
 * Lines follow RFC 5321 2.3.8 (CRLF), but a bare LF also ends a line and
 * is flagged, so the live server stays liberal and the checker can judge.
 * DOT mode is SMTP DATA: dot-unstuffing and the end of mail data
 * indication of RFC 5321 4.1.1.4 and 4.5.2.  COUNT mode delivers exactly n
 * bytes for BDAT (RFC 3030 2) and IMAP literals (RFC 3501 4.3) without
 * looking at them.  It does not enforce message or literal sizes: the
 * protocol modules do that with the counts they see.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "fakes/base/defs.h"
#include "fakes/base/log.h"
#include "fakes/frame.h"

/* cutting lines */
static int	frame_cut(struct frame *, struct evbuffer *,
		    struct frame_item *);
static bool	frame_find_lf(struct frame *, struct evbuffer *, size_t,
		    size_t *);
static void	frame_too_long(struct frame *, struct evbuffer *,
		    struct frame_item *);
static unsigned	frame_scan(const char *, size_t);
static bool	frame_skip(struct frame *, struct evbuffer *);

/* modes */
static int	frame_dot(struct frame *, struct evbuffer *,
		    struct frame_item *);
static int	frame_count(struct frame *, struct evbuffer *,
		    struct frame_item *);
static void	frame_set_mode(struct frame *, struct evbuffer *,
		    enum frame_mode, uint64_t);

void
frame_init(struct frame *f, size_t line_max)
{
	/* line_max + 2 bytes (content and CRLF) must be countable. */
	if (line_max > SIZE_MAX - 2)
		fatalx("%s: line_max %zu", __func__, line_max);
	f->line_max = line_max;
	f->skipped = 0;
	f->mode = FRAME_M_LINE;
	f->left = 0;
	f->skipping = false;
	f->drain = 0;
	f->scanned = 0;
}

void
frame_fini(struct frame *f)
{
	f->drain = 0;
	f->scanned = 0;
	f->skipping = false;
}

void
frame_mode_line(struct frame *f, struct evbuffer *in)
{
	frame_set_mode(f, in, FRAME_M_LINE, 0);
}

void
frame_mode_dot(struct frame *f, struct evbuffer *in)
{
	frame_set_mode(f, in, FRAME_M_DOT, 0);
}

void
frame_mode_count(struct frame *f, struct evbuffer *in, uint64_t n)
{
	frame_set_mode(f, in, FRAME_M_COUNT, n);
}

enum frame_mode
frame_get_mode(const struct frame *f)
{
	return f->mode;
}

static void
frame_set_mode(struct frame *f, struct evbuffer *in, enum frame_mode m,
    uint64_t n)
{
	frame_release(f, in);
	f->mode = m;
	f->left = n;
	f->scanned = 0;
}

void
frame_release(struct frame *f, struct evbuffer *in)
{
	if (f->drain == 0)
		return;
	if (evbuffer_drain(in, f->drain) == -1)
		fatalx("%s: cannot drain %zu bytes", __func__, f->drain);
	f->drain = 0;
	f->scanned = 0;
}

int
frame_next(struct frame *f, struct evbuffer *in, struct frame_item *out)
{
	frame_release(f, in);
	/*
	 * The tail of a too-long line is never a command, data or literal,
	 * whatever mode the session switched to meanwhile.
	 */
	if (f->skipping && !frame_skip(f, in))
		return 0;
	switch (f->mode) {
	case FRAME_M_LINE:
		return frame_cut(f, in, out);
	case FRAME_M_DOT:
		return frame_dot(f, in, out);
	case FRAME_M_COUNT:
		return frame_count(f, in, out);
	default:
		fatalx("%s: mode %d", __func__, (int)f->mode);
	}
}

/*
 * Look for LF in the first `window' bytes, starting after the bytes an
 * earlier call already searched, so a line dripping in byte by byte costs
 * O(n) and not O(n^2) up to line_max.
 */
static bool
frame_find_lf(struct frame *f, struct evbuffer *in, size_t window,
    size_t *at_r)
{
	struct evbuffer_ptr	start, end, hit;

	if (f->scanned > window)
		f->scanned = 0;
	if (f->scanned == window)
		return false;
	if (evbuffer_ptr_set(in, &start, f->scanned, EVBUFFER_PTR_SET) == -1 ||
	    evbuffer_ptr_set(in, &end, window, EVBUFFER_PTR_SET) == -1)
		fatalx("%s: window %zu past the buffer", __func__, window);
	hit = evbuffer_search_range(in, "\n", 1, &start, &end);
	if (hit.pos == -1) {
		f->scanned = window;
		return false;
	}
	*at_r = (size_t)hit.pos;
	return true;
}

/* Cut one line (LINE and DOT modes); flags as in frame.h, no DATA yet. */
static int
frame_cut(struct frame *f, struct evbuffer *in, struct frame_item *out)
{
	const char	*p;
	size_t		 have, window, lf, eol, len;

	have = evbuffer_get_length(in);
	window = MIN(have, f->line_max + 2);
	if (!frame_find_lf(f, in, window, &lf)) {
		if (window < f->line_max + 1)
			return 0;
		if (window == f->line_max + 1) {
			/* A CR here may still be the line's CRLF. */
			p = (const char *)evbuffer_pullup(in, window);
			if (p[f->line_max] == '\r')
				return 0;
		}
		frame_too_long(f, in, out);
		return 1;
	}
	p = (const char *)evbuffer_pullup(in, lf + 1);
	eol = (lf > 0 && p[lf - 1] == '\r') ? 2 : 1;
	len = lf + 1 - eol;
	if (len > f->line_max) {
		frame_too_long(f, in, out);
		return 1;
	}
	out->p = p;
	out->len = len;
	out->eol = eol;
	out->wire = lf + 1;
	out->flags = frame_scan(p, len);
	if (eol == 1)
		out->flags |= FRAME_BARE_LF;
	f->drain = lf + 1;
	return 1;
}

/*
 * Hand out the head and skip the rest, like Postfix's smtp_get() and
 * OpenSMTPD: the session answers the truncated line and stays in sync.
 * The head is always exactly line_max bytes, however the input arrived.
 */
static void
frame_too_long(struct frame *f, struct evbuffer *in, struct frame_item *out)
{
	const char	*p;

	p = (const char *)evbuffer_pullup(in, f->line_max);
	if (p == NULL)
		p = "";
	out->p = p;
	out->len = f->line_max;
	out->eol = 0;
	out->wire = f->line_max;
	out->flags = frame_scan(p, f->line_max) | FRAME_TOO_LONG;
	f->drain = f->line_max;
	f->skipping = true;
}

static unsigned
frame_scan(const char *p, size_t len)
{
	unsigned	flags = 0;
	size_t		i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\r')
			flags |= FRAME_BARE_CR;
		else if (p[i] == '\0')
			flags |= FRAME_NUL;
		else if ((unsigned char)p[i] >= 0x80)
			flags |= FRAME_8BIT;
	}
	return flags;
}

/* Returns true once the LF ending the too-long line has been drained. */
static bool
frame_skip(struct frame *f, struct evbuffer *in)
{
	struct evbuffer_ptr	hit;
	size_t			n;

	hit = evbuffer_search(in, "\n", 1, NULL);
	if (hit.pos == -1) {
		n = evbuffer_get_length(in);
		f->skipping = true;
	} else {
		n = (size_t)hit.pos + 1;
		f->skipping = false;
	}
	if (n > 0 && evbuffer_drain(in, n) == -1)
		fatalx("%s: cannot drain %zu bytes", __func__, n);
	f->skipped += n;
	f->scanned = 0;
	return !f->skipping;
}

/*
 * RFC 5321 4.5.2: a line of only "." ends the data, a leading "." on any
 * other line is removed.  RFC 5321 4.5.3.1.6 counts a text line without
 * the stuffed dot; line_max is a hard cap on the wire and includes it.
 */
static int
frame_dot(struct frame *f, struct evbuffer *in, struct frame_item *out)
{
	if (frame_cut(f, in, out) == 0)
		return 0;
	out->flags |= FRAME_DATA;
	if (out->len == 0 || out->p[0] != '.')
		return 1;
	out->p++;
	out->len--;
	if (out->len == 0 && !(out->flags & FRAME_TOO_LONG)) {
		/*
		 * XXX RFC 5321 4.1.1.4 says a server MUST NOT take "<LF>.<LF>"
		 * as the end of data.  A fake server accepts it so that broken
		 * clients still finish; FRAME_BARE_LF lets the checker report
		 * it.
		 */
		out->flags |= FRAME_END | FRAME_DOT_END;
		f->mode = FRAME_M_LINE;
		return 1;
	}
	out->flags |= FRAME_STUFFED;
	return 1;
}

/*
 * Chunks are handed out as they sit in the evbuffer, so a large BDAT or
 * literal is never copied or held whole here.
 */
static int
frame_count(struct frame *f, struct evbuffer *in, struct frame_item *out)
{
	struct evbuffer_iovec	 v;
	const char		*p;
	size_t			 n;

	if (f->left == 0) {
		/* RFC 3030 2 allows "BDAT 0 LAST"; RFC 3501 4.3 has {0}. */
		out->p = "";
		n = 0;
	} else {
		if (evbuffer_get_length(in) == 0)
			return 0;
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0) {
			/* An empty leading chain: take a byte the slow way. */
			v.iov_base = evbuffer_pullup(in, 1);
			v.iov_len = 1;
		}
		p = v.iov_base;
		n = v.iov_len;
		if (n > f->left)
			n = (size_t)f->left;
		out->p = p;
		f->left -= n;
	}
	out->len = n;
	out->eol = 0;
	out->wire = n;
	out->flags = FRAME_DATA;
	f->drain = n;
	if (f->left == 0) {
		out->flags |= FRAME_END;
		f->mode = FRAME_M_LINE;
	}
	return 1;
}
