/*
 * fuzz_capture.c: the transcript JSON reader (`mailrig check` input) on
 * arbitrary bytes.  Whatever it accepts must write back to JSON that it
 * reads again to the same JSON (a fixed point after one round).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/capture.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct transcript	*t, *u;
	char			 err[256];
	char			*j1, *j2;

	t = capture_transcript_parse((const char *)data, size, err,
	    sizeof(err));
	if (t == NULL)
		return 0;
	j1 = capture_transcript_json(t, false);
	u = capture_transcript_parse(j1, strlen(j1), err, sizeof(err));
	if (u == NULL)
		abort();
	j2 = capture_transcript_json(u, false);
	if (strcmp(j1, j2) != 0)
		abort();
	free(j1);
	free(j2);
	capture_transcript_free(t);
	capture_transcript_free(u);
	return 0;
}
