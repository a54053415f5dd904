/*
 * buf.c: bounded growable buffer.  Growth doubles, capped at max + 1 (the
 * NUL terminator is not part of the budget).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

void
buf_init(struct buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
buf_fini(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

int
buf_reserve(struct buf *b, size_t n)
{
	size_t	need, cap;

	if (n > b->max || b->len > b->max - n)
		return -1;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap < 64 ? 64 : b->cap;
	while (cap < need)
		cap = cap > (b->max + 1) / 2 ? b->max + 1 : cap * 2;
	b->p = xreallocarray(b->p, cap, 1);
	b->cap = cap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t len)
{
	if (buf_reserve(b, len) == -1)
		return -1;
	if (len > 0)
		memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

int
buf_appendc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int
buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;
	char	small[256];

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return buf_append(b, small, (size_t)n);
	if (buf_reserve(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *
buf_cstr(const struct buf *b)
{
	return b->p != NULL ? b->p : "";
}

char *
buf_steal(struct buf *b, size_t *len_r)
{
	char	*p = b->p;

	if (len_r != NULL)
		*len_r = b->len;
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
