/*
 * repr.h: escape untrusted bytes before they reach a log line or a message
 * (STYLE 3.7).  Printable ASCII passes, everything else becomes \r, \n,
 * \t, \\ or \xHH; output stops after max input bytes with "...".
 */
#ifndef MAILRIG_REPR_H
#define MAILRIG_REPR_H

#include <stddef.h>

#include "buf.h"

#define REPR_DEFAULT_MAX	100

/* Appends to b; silently stops if b is full (a log line is best-effort). */
void	repr_append(struct buf *b, const void *p, size_t len, size_t max);
/* Same into a fixed array; always NUL-terminated.  Returns dst. */
const char *repr_str(char *dst, size_t size, const void *p, size_t len);

#endif
