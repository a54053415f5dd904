/*
 * str.h: string helpers with explicit bounds.
 */
#ifndef MAILRIG_STR_H
#define MAILRIG_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "defs.h"

/* strlcpy semantics; returns true if src fitted (dst is always terminated). */
bool	str_copy(char *dst, const char *src, size_t size) ATTR_WUR;
/* Same for a counted source. */
bool	str_copyn(char *dst, const char *src, size_t len, size_t size) ATTR_WUR;
/* Case-insensitive (ASCII) prefix test and equality. */
bool	str_prefix_ci(const char *s, const char *prefix);
bool	str_eq_ci(const char *a, const char *b);
/*
 * Parse decimal digits p[0..len) into *out, digit by digit with an overflow
 * check against max.  No sign, no spaces, at least one digit.
 */
bool	str_to_u64(const char *p, size_t len, uint64_t max, uint64_t *out)
	    ATTR_WUR;
/* ASCII lower-case in place. */
void	str_lower(char *);

#endif
