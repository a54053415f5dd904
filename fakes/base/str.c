/*
 * str.c: bounded string helpers.  glibc 2.36 has no strlcpy (STYLE 4).
 */
#include <string.h>
#include <strings.h>

#include "str.h"

bool
str_copyn(char *dst, const char *src, size_t len, size_t size)
{
	size_t	n;

	if (size == 0)
		return false;
	n = len < size - 1 ? len : size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n == len;
}

bool
str_copy(char *dst, const char *src, size_t size)
{
	return str_copyn(dst, src, strlen(src), size);
}

bool
str_prefix_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool
str_eq_ci(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

bool
str_to_u64(const char *p, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;
	unsigned	d;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		d = (unsigned)(p[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

void
str_lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}
