/*
 * clock.c: monotonic and wall clocks with a test override.
 */
#include <stdio.h>
#include <time.h>

#include "clock.h"

static int		clock_fake;
static uint64_t		clock_fake_mono;
static int64_t		clock_fake_wall;

uint64_t
clock_mono_ms(void)
{
	struct timespec	ts;

	if (clock_fake)
		return clock_fake_mono;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int64_t
clock_wall_ms(void)
{
	struct timespec	ts;

	if (clock_fake)
		return clock_fake_wall;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
clock_set_fake(uint64_t mono_ms, int64_t wall_ms)
{
	clock_fake = mono_ms != 0 || wall_ms != 0;
	clock_fake_mono = mono_ms;
	clock_fake_wall = wall_ms;
}

void
clock_rfc3339(int64_t wall_ms, char *out, unsigned size)
{
	struct tm	tm;
	time_t		t = (time_t)(wall_ms / 1000);

	gmtime_r(&t, &tm);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(wall_ms % 1000));
}
