/*
 * helpers.h: helpers shared by the unit suites.  helpers.c is linked into
 * the unit binary but has no suite of its own.
 *
 * Feeding input in pieces (STYLE 3.13): every parser and framer case runs
 * three ways, the whole input at once, one byte at a time, and split in
 * two at every offset.  A suite writes one feed function that appends a
 * piece to its parser's input and drains what became ready, then loops:
 *
 *	for (k = 0; k < feed_ways(len); k++) {
 *		reset the parser;
 *		feed_way(k, in, len, my_feed, &state, way, sizeof(way));
 *		assert the final state, naming `way' in messages;
 *	}
 */
#ifndef MAILRIG_TEST_HELPERS_H
#define MAILRIG_TEST_HELPERS_H

#include <stddef.h>

/* Called once per piece, in input order; p[0..n) with n > 0. */
typedef void feed_fn(void *arg, const char *p, size_t n);

/* The whole input as one piece (nothing is fed when len == 0). */
void	feed_whole(const char *in, size_t len, feed_fn *, void *arg);
/* One byte per piece. */
void	feed_bytes(const char *in, size_t len, feed_fn *, void *arg);
/*
 * Two pieces, in[0 .. split) and in[split .. len); an empty piece is not
 * fed, so split 0 or len is the same as feed_whole().  split > len aborts.
 */
void	feed_split(const char *in, size_t len, size_t split, feed_fn *,
	    void *arg);

/* Runs feed_way() knows for len bytes: 2 + (len - 1), at least 2. */
size_t	feed_ways(size_t len);
/*
 * Run number k: 0 whole, 1 byte by byte, k >= 2 split at k - 1.  The run's
 * name ("whole", "bytes", "split 3") is written NUL-terminated to
 * name[0 .. size) for failure messages; name may be NULL.
 */
void	feed_way(size_t k, const char *in, size_t len, feed_fn *, void *arg,
	    char *name, size_t size);

#endif
