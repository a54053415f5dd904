/*
 * clock.h: time for transcripts and reports, replaceable in tests so that
 * golden files are reproducible (STYLE 3.11).
 */
#ifndef MAILRIG_CLOCK_H
#define MAILRIG_CLOCK_H

#include <stdint.h>

/* Milliseconds on a monotonic clock (arbitrary origin). */
uint64_t	clock_mono_ms(void);
/* Milliseconds since the Unix epoch. */
int64_t		clock_wall_ms(void);
/* Tests: freeze both clocks at these values (0, 0 restores real time). */
void		clock_set_fake(uint64_t mono_ms, int64_t wall_ms);
/* Format wall ms as RFC 3339 UTC with milliseconds into out (>= 25 bytes). */
void		clock_rfc3339(int64_t wall_ms, char *out, unsigned size);

#endif
