/*
 * report.c: struct report, the finished run handed to the writers.  Owns
 * the arrays of borrowed sessions and messages and the command's kept
 * output; everything else is borrowed from the scenario, the capture, the
 * store and the expectation results, which outlive the report.
 */
#include <stdlib.h>
#include <string.h>

#include "fakes/base/xalloc.h"
#include "harness/capture.h"
#include "harness/conformance/conf.h"
#include "harness/expect.h"
#include "reports/report.h"

void
report_init(struct report *r, const char *version)
{
	memset(r, 0, sizeof(*r));
	r->tool = "mailrig";
	r->version = version;
	r->command.exit_code = -1;
	/* DESIGN "Exit codes": MUST-level findings fail by default. */
	r->fail_rank = conf_level_rank(CONF_MUST);
}

void
report_fini(struct report *r)
{
	free(r->sessions);
	free(r->messages);
	free(r->command.out);
	free(r->command.err);
	memset(r, 0, sizeof(*r));
}

void
report_add_session(struct report *r, const struct transcript *t)
{
	r->sessions = xreallocarray(r->sessions, r->nsessions + 1,
	    sizeof(*r->sessions));
	r->sessions[r->nsessions++] = t;
}

void
report_add_message(struct report *r, const struct store_msg *m)
{
	r->messages = xreallocarray(r->messages, r->nmessages + 1,
	    sizeof(*r->messages));
	r->messages[r->nmessages++] = m;
}

size_t
report_failures(const struct report *r)
{
	size_t	i, n = 0;

	for (i = 0; i < r->nexpectations; i++)
		if (!r->expectations[i].passed)
			n++;
	return n;
}

bool
report_finding_fails(const struct report *r, const struct conf_finding *f)
{
	return r->fail_rank > 0 && conf_level_rank(f->level) >= r->fail_rank;
}

size_t
report_conformance_failures(const struct report *r)
{
	const struct transcript	*t;
	size_t			 i, j, n = 0;

	for (i = 0; i < r->nsessions; i++) {
		t = r->sessions[i];
		for (j = 0; j < t->nfindings; j++)
			if (report_finding_fails(r, &t->findings[j]))
				n++;
	}
	return n;
}
