/*
 * helpers.c: helpers shared by the unit suites; see helpers.h.  Feeding a
 * parser its input in every possible cut is how resumable code is tested
 * here (STYLE 3.13, Dovecot's test_istream_set_size loop).
 */
#include <stdio.h>

#include "fakes/base/log.h"
#include "tests/unit/helpers.h"

void
feed_whole(const char *in, size_t len, feed_fn *feed, void *arg)
{
	if (len > 0)
		feed(arg, in, len);
}

void
feed_bytes(const char *in, size_t len, feed_fn *feed, void *arg)
{
	size_t	i;

	for (i = 0; i < len; i++)
		feed(arg, in + i, 1);
}

void
feed_split(const char *in, size_t len, size_t split, feed_fn *feed,
    void *arg)
{
	if (split > len)
		fatalx("%s: split %zu past length %zu", __func__, split, len);
	if (split > 0)
		feed(arg, in, split);
	if (len - split > 0)
		feed(arg, in + split, len - split);
}

size_t
feed_ways(size_t len)
{
	/* Splits at 0 and len would repeat the whole-input run. */
	return len < 2 ? 2 : len + 1;
}

void
feed_way(size_t k, const char *in, size_t len, feed_fn *feed, void *arg,
    char *name, size_t size)
{
	if (k >= feed_ways(len))
		fatalx("%s: run %zu of %zu", __func__, k, feed_ways(len));
	if (k == 0) {
		if (name != NULL)
			snprintf(name, size, "whole");
		feed_whole(in, len, feed, arg);
	} else if (k == 1) {
		if (name != NULL)
			snprintf(name, size, "bytes");
		feed_bytes(in, len, feed, arg);
	} else {
		if (name != NULL)
			snprintf(name, size, "split %zu", k - 1);
		feed_split(in, len, k - 1, feed, arg);
	}
}
