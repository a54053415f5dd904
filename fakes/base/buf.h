/*
 * buf.h: a growable byte buffer with a maximum fixed at init (STYLE 3.8).
 *
 * The data pointer lives inside the struct, so no call returns a moved
 * pointer for the caller to reassign.  The contents are always followed by
 * a NUL byte that is not counted in len, so text can be read as a string.
 */
#ifndef MAILRIG_BUF_H
#define MAILRIG_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "defs.h"

struct buf {
	char	*p;		/* owned; NULL until the first append */
	size_t	 len;
	size_t	 cap;
	size_t	 max;		/* appends beyond this fail */
};

void	buf_init(struct buf *, size_t max);
void	buf_fini(struct buf *);	/* frees the data; the struct can be reused */
void	buf_reset(struct buf *);	/* len = 0, keeps the memory */
/* 0 on success, -1 if the result would pass max (nothing appended). */
int	buf_append(struct buf *, const void *, size_t) ATTR_WUR;
int	buf_appendc(struct buf *, char) ATTR_WUR;
int	buf_appendf(struct buf *, const char *, ...) ATTR_PRINTF(2, 3) ATTR_WUR;
/* Make room for n more bytes; -1 if that would pass max. */
int	buf_reserve(struct buf *, size_t n) ATTR_WUR;
/* Borrowed NUL-terminated view ("" when empty), valid until the next change. */
const char *buf_cstr(const struct buf *);
/* The caller receives the data (NUL-terminated, may be NULL if empty). */
char	*buf_steal(struct buf *, size_t *len_r);

#endif
