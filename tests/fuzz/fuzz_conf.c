/*
 * fuzz_conf.c: the conformance checker on arbitrary sessions.  Byte 0
 * picks the protocol; the rest is split at LF into events: a line
 * starting with 'S' is a server line, 'D' message data (SMTP DATA, then
 * its "."), 'E' an event name, anything else a client line.  The checker
 * must return for any transcript (a walk that stops moving is a hang),
 * and every finding must point inside the transcript.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fakes/conn.h"
#include "harness/capture.h"
#include "harness/conformance/conf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const protos[] = { "smtp", "pop3", "imap" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct transcript	*t;
	struct conf_finding	*f = NULL;
	const char		*p, *end, *nl;
	size_t			 n, i, len;

	if (size < 1)
		return 0;
	t = capture_transcript_new(1, protos[data[0] % 3], "x", 1, "fuzz");
	p = (const char *)data + 1;
	end = (const char *)data + size;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (len > 0 && p[0] == 'S')
			capture_transcript_line(t, CONN_DIR_OUT, p + 1, len - 1,
			    0);
		else if (len > 0 && p[0] == 'D') {
			capture_transcript_data(t, CONN_DIR_IN, p + 1, len - 1,
			    FRAME_DATA);
			capture_transcript_data(t, CONN_DIR_IN, "", 0,
			    FRAME_DATA | FRAME_END | FRAME_DOT_END);
		} else if (len > 0 && p[0] == 'E')
			capture_transcript_event(t, len > 4 ? "fault" :
			    "tls-start", "x");
		else
			capture_transcript_line(t, CONN_DIR_IN, p, len,
			    (len & 1) ? FRAME_BARE_LF : 0);
		p += len + 1;
	}
	capture_transcript_end(t, "eof");
	n = conf_check(t, NULL, &f);
	for (i = 0; i < n; i++)
		if (f[i].index > t->nev)
			abort();
	free(f);
	capture_transcript_free(t);
	return 0;
}
