/*
 * repr.c: printable, truncated rendering of peer bytes.
 */
#include <stdio.h>

#include "repr.h"

static void
repr_byte(char out[5], unsigned char c)
{
	switch (c) {
	case '\r': snprintf(out, 5, "\\r"); break;
	case '\n': snprintf(out, 5, "\\n"); break;
	case '\t': snprintf(out, 5, "\\t"); break;
	case '\\': snprintf(out, 5, "\\\\"); break;
	default:
		if (c >= 0x20 && c < 0x7f)
			snprintf(out, 5, "%c", c);
		else
			snprintf(out, 5, "\\x%02x", c);
	}
}

void
repr_append(struct buf *b, const void *p, size_t len, size_t max)
{
	const unsigned char	*s = p;
	char			 esc[5];
	size_t			 i, n;

	n = len < max ? len : max;
	for (i = 0; i < n; i++) {
		repr_byte(esc, s[i]);
		if (buf_appendf(b, "%s", esc) == -1)
			return;
	}
	if (n < len && buf_append(b, "...", 3) == -1)
		return;
}

const char *
repr_str(char *dst, size_t size, const void *p, size_t len)
{
	const unsigned char	*s = p;
	char			 esc[5];
	size_t			 i, o = 0, e;

	if (size == 0)
		return dst;
	for (i = 0; i < len; i++) {
		repr_byte(esc, s[i]);
		for (e = 0; esc[e] != '\0'; e++) {
			if (o + 4 >= size) {
				dst[o] = '\0';
				if (size >= 4 && o >= 3)
					dst[o - 3] = dst[o - 2] =
					    dst[o - 1] = '.';
				return dst;
			}
			dst[o++] = esc[e];
		}
	}
	dst[o] = '\0';
	return dst;
}
