/*
 * xalloc.h: allocation that succeeds or aborts (OpenSMTPD util.c).  Call
 * sites never carry out-of-memory branches.
 */
#ifndef MAILRIG_XALLOC_H
#define MAILRIG_XALLOC_H

#include <stddef.h>

#include "defs.h"

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);	/* copies at most n, NUL-terminates */
void	*xmemdup(const void *, size_t);
/* Returns a heap string the caller frees. */
char	*xasprintf(const char *, ...) ATTR_PRINTF(1, 2);

#endif
