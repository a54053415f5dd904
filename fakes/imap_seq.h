/*
 * imap_seq.h: IMAP sequence sets (RFC 3501 9 "sequence-set"): numbers,
 * "*", ranges a:b in either order (RFC 3501 9: "4:2" is "2:4") and comma
 * lists, for message sequence numbers and UIDs alike.
 *
 * A parsed set keeps "*" symbolic: it means the largest number in use
 * (the EXISTS count or the highest UID), which the caller supplies as
 * "star" at evaluation time.  imap_seq_resolve() turns a set into sorted,
 * merged, star-free ranges that iterate in ascending order.  Pure: no
 * I/O, no global state.  The SEARCHRES "$" (RFC 5182) is not supported.
 */
#ifndef MAILRIG_IMAP_SEQ_H
#define MAILRIG_IMAP_SEQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"

#define IMAP_SEQ_RANGES_MAX	4096	/* comma-separated elements per set */

/* One range; lo <= hi after resolution.  0 stands for "*" before it. */
struct imap_seq_range {
	uint32_t	lo;
	uint32_t	hi;
};

struct imap_seq {
	struct imap_seq_range	*ranges;	/* owned, nranges used */
	size_t			 nranges;
	size_t			 cap;
	bool			 has_star;	/* some bound is "*" (0) */
};

/*
 * Parse s[0..len) (no spaces, no NUL).  Numbers are nz-number, 1 to
 * 4294967295, digit by digit with an overflow check.  0 and *out_r (the
 * caller owns it: imap_seq_free) on success; -1 and *error_r (static
 * text) on "0", empty elements, a trailing ':' or ',', a number too
 * large, any other byte, or more than IMAP_SEQ_RANGES_MAX elements.
 */
int	imap_seq_parse(const char *s, size_t len, struct imap_seq **out_r,
	    const char **error_r) ATTR_WUR;
/* An empty set, for building one with imap_seq_add() (UIDPLUS). */
struct imap_seq *imap_seq_new(void);
void	imap_seq_free(struct imap_seq *);	/* NULL is a no-op */

/*
 * Add lo:hi (any order, both > 0) to the set.  Adding in ascending order
 * extends the last range when adjacent, so a COPYUID set stays short.
 */
void	imap_seq_add(struct imap_seq *, uint32_t lo, uint32_t hi);

/*
 * Whether n is in the set, with "*" meaning star.  A range "a:*" with
 * a > star still contains star (RFC 3501 6.4.8: "559:*" always includes
 * the last UID).  With star 0 (empty mailbox) "*" matches nothing.
 */
bool	imap_seq_contains(const struct imap_seq *, uint32_t n, uint32_t star);

/*
 * A new star-free set: "*" replaced by star, ranges ordered lo <= hi,
 * sorted, overlapping and adjacent ranges merged.  Ranges that only
 * cover 0 (a "*" when star is 0) are dropped.  The caller owns it.
 */
struct imap_seq *imap_seq_resolve(const struct imap_seq *, uint32_t star);

/* The largest number the set names with "*" as star (0 if empty). */
uint32_t imap_seq_max(const struct imap_seq *, uint32_t star);

/*
 * Ascending iteration over a resolved set, clipped to 1..max:
 *	imap_seq_iter_init(&it, resolved, max);
 *	while (imap_seq_iter_next(&it, &n)) ...
 * The set is borrowed and must outlive the iterator; a set that still
 * has "*" is an internal error (fatalx).
 */
struct imap_seq_iter {
	const struct imap_seq	*seq;	/* borrowed */
	size_t			 i;
	uint64_t		 next;
	uint32_t		 max;
};

void	imap_seq_iter_init(struct imap_seq_iter *, const struct imap_seq *,
	    uint32_t max);
bool	imap_seq_iter_next(struct imap_seq_iter *, uint32_t *n_r);

/*
 * Append the set as IMAP text ("1:3,7,9:*") to out, ranges in stored
 * order.  0, or -1 if out's maximum would be passed.
 */
int	imap_seq_format(const struct imap_seq *, struct buf *out) ATTR_WUR;

#endif
