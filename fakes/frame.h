/*
 * frame.h: the framer.  Cuts a libevent input buffer into protocol items:
 * command lines, SMTP DATA lines (dot-unstuffed, RFC 5321 4.5.2), counted
 * byte runs (SMTP BDAT, IMAP literals), and skips the rest of an over-long
 * line (Postfix's SKIP) so the session stays in sync.
 *
 * Pure: it reads and drains the evbuffer it is given and does no I/O.  It
 * finds LF itself and looks at the byte before it, so a bare LF is seen
 * and flagged instead of hidden (STYLE 3.4, 4).  Items point into the
 * evbuffer (evbuffer_pullup of just the item, so bytes are only moved when
 * a line straddles two chunks) and stay valid until the next frame_next()
 * or frame_mode_*() call, which drains them.
 *
 * Line length: a line's content (without CRLF or LF) may hold up to
 * line_max bytes.  A longer line is known as soon as line_max + 1 bytes
 * without LF are buffered and the last of them is not CR (or line_max + 2
 * without LF otherwise); it yields one FRAME_TOO_LONG item holding the
 * first line_max bytes (wire == line_max, eol == 0), and everything up to
 * and including the next LF is then discarded without items, over as many
 * calls as it takes, counted in `skipped'.
 */
#ifndef MAILRIG_FRAME_H
#define MAILRIG_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "fakes/base/defs.h"

enum frame_mode {
	FRAME_M_LINE,		/* command lines */
	FRAME_M_DOT,		/* SMTP DATA: lines until "." */
	FRAME_M_COUNT,		/* exactly n bytes (BDAT, IMAP literal) */
	FRAME_M__COUNT
};

/*
 * Item flags.  BARE_CR, NUL and 8BIT describe the bytes p holds (for DOT
 * lines, after the removed dot); COUNT chunks carry only DATA and END.
 */
#define FRAME_BARE_LF	0x0001	/* line ended in LF without CR */
#define FRAME_BARE_CR	0x0002	/* a CR not followed by LF inside the line */
#define FRAME_NUL	0x0004	/* a NUL byte inside the line */
#define FRAME_TOO_LONG	0x0008	/* line passed line_max; p holds the first
				   line_max bytes (less a removed dot), the
				   rest up to LF is discarded afterwards */
#define FRAME_8BIT	0x0010	/* a byte >= 0x80 inside the line */
#define FRAME_STUFFED	0x0020	/* DOT: a leading "." was removed */
#define FRAME_END	0x0040	/* DOT: this is the "." line (len 0);
				   COUNT: the last chunk of the run */
#define FRAME_DATA	0x0080	/* the item is message/literal data */
#define FRAME_DOT_END	0x0100	/* DOT: the "." terminator (with FRAME_END),
				   never set for COUNT chunks */

struct frame_item {
	const char	*p;	/* borrowed, see above; not NUL-terminated;
				   never NULL */
	size_t		 len;	/* content bytes, without the line ending */
	size_t		 eol;	/* 2 for CRLF, 1 for bare LF, 0 for COUNT
				   chunks and TOO_LONG heads; p[len ..
				   len+eol) is the ending */
	size_t		 wire;	/* bytes this item took off the input,
				   including a removed dot */
	unsigned	 flags;
};

struct frame {
	/* permanent */
	size_t		 line_max;	/* longest line content accepted */
	uint64_t	 skipped;	/* total bytes discarded after
					   too-long heads (statistics) */
	/* reset by frame_mode_*() */
	enum frame_mode	 mode;
	uint64_t	 left;		/* COUNT: bytes still to deliver */
	/* kept across mode switches: the tail belongs to no mode */
	bool		 skipping;	/* discarding up to the next LF */
	/* per item */
	size_t		 drain;		/* to drain before the next item */
	size_t		 scanned;	/* leading bytes known to hold no LF */
};

/*
 * Start in LINE mode.  Calling frame_init() again resets everything; do so
 * whenever the input buffer is drained behind the framer's back (STARTTLS
 * throwing away plaintext), since `scanned' refers to its first bytes.
 */
void	frame_init(struct frame *, size_t line_max);
void	frame_fini(struct frame *);
/* Switch mode; the pending item is drained first. */
void	frame_mode_line(struct frame *, struct evbuffer *);
void	frame_mode_dot(struct frame *, struct evbuffer *);
void	frame_mode_count(struct frame *, struct evbuffer *, uint64_t n);
enum frame_mode frame_get_mode(const struct frame *);

/*
 * Take the next item from in.  Returns 1 with *out filled, 0 if more input
 * is needed (nothing consumed, except bytes skipped after a too-long line),
 * -1 never at present (reserved for fatal framing errors).
 * In COUNT mode, chunks are delivered as they arrive (FRAME_DATA, and
 * FRAME_END on the last; n == 0 gives one empty FRAME_END item at once);
 * when the count is done the framer returns to LINE mode by itself.
 * In DOT mode, every item has FRAME_DATA; the "." line is delivered with
 * FRAME_END and the framer returns to LINE mode by itself.
 */
int	frame_next(struct frame *, struct evbuffer *in, struct frame_item *out)
	    ATTR_WUR;
/* Drain what the last item took (called by frame_next itself too). */
void	frame_release(struct frame *, struct evbuffer *in);

#endif
