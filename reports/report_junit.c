/*
 * report_junit.c: JUnit XML for CI systems: one testsuite per run, one
 * testcase per expectation (failing with expected and actual, and where
 * the scenario asked for it) and one per session (failing when the
 * conformance checker attached findings at or above the run's fail
 * level, expect.conformance.fail_on).  Text is escaped for XML 1.0
 * (2.4, 2.2): control characters other than tab, CR and LF are dropped.
 */
#include <stdio.h>
#include <string.h>

#include "fakes/base/clock.h"
#include "harness/capture.h"
#include "harness/conformance/conf.h"
#include "harness/expect.h"
#include "reports/report.h"

static void	report_junit_esc(FILE *, const char *);
static size_t	report_junit_findings(const struct report *,
		    const struct transcript *, FILE *);

int
report_write_junit(const struct report *r, FILE *fp)
{
	const struct expect_result *e;
	const struct transcript *t;
	char		 when[40];
	size_t		 i, failures, nf;

	failures = report_failures(r);
	for (i = 0; i < r->nsessions; i++)
		if (report_junit_findings(r, r->sessions[i], NULL) > 0)
			failures++;
	clock_rfc3339(r->started_wall, when, sizeof(when));
	fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(fp, "<testsuites name=\"mailrig\" tests=\"%zu\" "
	    "failures=\"%zu\" time=\"%.3f\">\n", r->nexpectations +
	    r->nsessions, failures, (double)r->duration_ms / 1000);
	fprintf(fp, "  <testsuite name=\"");
	report_junit_esc(fp, r->scenario_name != NULL ? r->scenario_name :
	    "mailrig run");
	fprintf(fp, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
	    "skipped=\"0\" time=\"%.3f\" timestamp=\"%s\">\n",
	    r->nexpectations + r->nsessions, failures,
	    (double)r->duration_ms / 1000, when);
	for (i = 0; i < r->nexpectations; i++) {
		e = &r->expectations[i];
		fprintf(fp, "    <testcase classname=\"expectations\" "
		    "name=\"");
		report_junit_esc(fp, e->name);
		fprintf(fp, "\"");
		if (r->scenario_path != NULL && e->mark.line > 0) {
			fprintf(fp, " file=\"");
			report_junit_esc(fp, r->scenario_path);
			fprintf(fp, "\" line=\"%u\"", e->mark.line);
		}
		if (e->passed) {
			fprintf(fp, "/>\n");
			continue;
		}
		fprintf(fp, ">\n      <failure type=\"expectation\" "
		    "message=\"expected ");
		report_junit_esc(fp, e->expected);
		fprintf(fp, ", got ");
		report_junit_esc(fp, e->actual);
		fprintf(fp, "\">");
		if (r->scenario_path != NULL)
			report_junit_esc(fp, r->scenario_path);
		fprintf(fp, ":%u:%u: %s: expected ", e->mark.line,
		    e->mark.col, "expectation not met");
		report_junit_esc(fp, e->expected);
		fprintf(fp, ", got ");
		report_junit_esc(fp, e->actual);
		fprintf(fp, "</failure>\n    </testcase>\n");
	}
	for (i = 0; i < r->nsessions; i++) {
		t = r->sessions[i];
		fprintf(fp, "    <testcase classname=\"sessions.%s\" "
		    "name=\"session %llu (", t->protocol,
		    (unsigned long long)t->id);
		report_junit_esc(fp, t->port_name);
		fprintf(fp, " port %d)\" time=\"%.3f\">\n", t->port,
		    (double)(t->ended_mono - t->started_mono) / 1000);
		nf = report_junit_findings(r, t, NULL);
		if (nf > 0) {
			fprintf(fp, "      <failure type=\"conformance\" "
			    "message=\"%zu finding(s)\">", nf);
			(void)report_junit_findings(r, t, fp);
			fprintf(fp, "</failure>\n");
		}
		fprintf(fp, "      <system-out>peer ");
		report_junit_esc(fp, t->peer);
		fprintf(fp, ", %zu transcript entries, tls %s, outcome ",
		    t->nev, t->tls ? t->tls_version : "no");
		report_junit_esc(fp, t->close_reason != NULL ?
		    t->close_reason : "open");
		fprintf(fp, "</system-out>\n    </testcase>\n");
	}
	fprintf(fp, "  </testsuite>\n</testsuites>\n");
	return fflush(fp) != 0 || ferror(fp) ? -1 : 0;
}

/*
 * Findings of the session at or above the run's fail level; with fp, one
 * line each ("rule: message").
 */
static size_t
report_junit_findings(const struct report *r, const struct transcript *t,
    FILE *fp)
{
	const struct conf_finding	*f;
	size_t				 i, n = 0;

	for (i = 0; i < t->nfindings; i++) {
		f = &t->findings[i];
		if (!report_finding_fails(r, f))
			continue;
		n++;
		if (fp == NULL)
			continue;
		report_junit_esc(fp, f->rule->id);
		fprintf(fp, ": ");
		report_junit_esc(fp, f->rule->message);
		fprintf(fp, "\n");
	}
	return n;
}

static void
report_junit_esc(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '&': fputs("&amp;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&apos;", fp); break;
		case '\n': fputs("&#10;", fp); break;
		case '\r': fputs("&#13;", fp); break;
		case '\t': fputs("&#9;", fp); break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, fp);
			break;
		}
	}
}
