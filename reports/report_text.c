/*
 * report_text.c: the short terminal summary `mailrig run` prints on
 * stderr: the verdict, how the command ended, counts, and one line per
 * failed expectation with where the scenario asked for it.  On a failed
 * or timed-out command the tail of its stderr is shown, since that is
 * usually why.
 */
#include <stdio.h>
#include <string.h>

#include "harness/capture.h"
#include "harness/expect.h"
#include "reports/report.h"

#define REPORT_TEXT_TAIL	600	/* bytes of stderr shown */

int
report_write_text(const struct report *r, FILE *fp)
{
	const struct report_command *c = &r->command;
	const struct expect_result *e;
	size_t		 i, nfail = report_failures(r), off, nconf;

	fprintf(fp, "mailrig: %s %s (%llu ms)\n", r->passed ? "PASS" : "FAIL",
	    r->scenario_name != NULL ? r->scenario_name : "run",
	    (unsigned long long)r->duration_ms);
	if (r->has_command) {
		fprintf(fp, "  command: %s", c->argv != NULL &&
		    c->argv[0] != NULL ? c->argv[0] : "?");
		if (c->exit_code >= 0)
			fprintf(fp, " exited %d", c->exit_code);
		else if (c->error != NULL)
			fprintf(fp, " did not start: %s", c->error);
		else
			fprintf(fp, " %s%s", c->status, c->signal > 0 ?
			    " (signal)" : "");
		fprintf(fp, " after %llu ms\n",
		    (unsigned long long)c->duration_ms);
	}
	fprintf(fp, "  sessions: %zu, messages: %zu, expectations: %zu "
	    "(%zu failed)\n", r->nsessions, r->nmessages, r->nexpectations,
	    nfail);
	nconf = report_conformance_failures(r);
	if (nconf > 0)
		fprintf(fp, "  FAIL conformance: %zu finding(s) at or above "
		    "the fail level; see the report's findings\n", nconf);
	for (i = 0; i < r->nexpectations; i++) {
		e = &r->expectations[i];
		if (e->passed)
			continue;
		fprintf(fp, "  FAIL %s", e->name);
		if (e->mark.line > 0)
			fprintf(fp, " (%s:%u:%u)", r->scenario_path != NULL ?
			    r->scenario_path : "scenario", e->mark.line,
			    e->mark.col);
		fprintf(fp, ": expected %s, got %s\n", e->expected,
		    e->actual);
	}
	if (r->has_command && !r->passed && c->err_len > 0) {
		off = c->err_len > REPORT_TEXT_TAIL ?
		    c->err_len - REPORT_TEXT_TAIL : 0;
		fprintf(fp, "  command stderr%s:\n%.*s%s", off > 0 ?
		    " (end)" : "", (int)(c->err_len - off), c->err + off,
		    c->err[c->err_len - 1] == '\n' ? "" : "\n");
	}
	return fflush(fp) != 0 || ferror(fp) ? -1 : 0;
}
