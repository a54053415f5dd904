/*
 * report_json.c: the JSON report (DESIGN "Report"), valid against
 * reports/report.schema.json.  Sessions are the capture's own transcript
 * objects (redacted, the shape `mailrig check` reads) with "ended" and
 * "findings" added; findings the conformance checker attached to a
 * transcript are also listed at the top level and counted by level.
 * Strings are UTF-8 (RFC 8259 8.1): command output that is not is shown
 * with U+FFFD in place of the bad bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fakes/base/buf.h"
#include "fakes/base/clock.h"
#include "fakes/base/defs.h"
#include "fakes/base/log.h"
#include "fakes/store.h"
#include "harness/capture.h"
#include "harness/expect.h"
#include "reports/report.h"

static const char *const report_json_levels[] = {
	"MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY", "SECURITY",
};

static cJSON	*report_json_build(const struct report *);
static cJSON	*report_json_command(const struct report_command *);
static cJSON	*report_json_session(const struct transcript *, cJSON *);
static cJSON	*report_json_message(const struct store_msg *);
static cJSON	*report_json_expectation(const struct expect_result *);
static cJSON	*report_json_summary(const struct report *, const cJSON *);
static void	 report_json_time(cJSON *, const char *, int64_t);
static void	 report_json_text(cJSON *, const char *, const char *,
		    size_t);
static void	 report_json_str_or_null(cJSON *, const char *,
		    const char *);

int
report_write_json(const struct report *r, FILE *fp)
{
	cJSON	*root;
	char	*s;
	int	 rv = 0;

	root = report_json_build(r);
	if ((s = cJSON_Print(root)) == NULL)
		fatalx("%s: out of memory", __func__);
	cJSON_Delete(root);
	if (fputs(s, fp) == EOF || fputc('\n', fp) == EOF || fflush(fp) != 0)
		rv = -1;
	cJSON_free(s);
	return rv;
}

static cJSON *
report_json_build(const struct report *r)
{
	cJSON	*root, *o, *arr, *findings;
	size_t	 i;

	if ((root = cJSON_CreateObject()) == NULL)
		fatalx("%s: out of memory", __func__);
	cJSON_AddStringToObject(root, "tool", r->tool);
	cJSON_AddStringToObject(root, "version", r->version);
	if (r->scenario_name != NULL) {
		o = cJSON_AddObjectToObject(root, "scenario");
		cJSON_AddStringToObject(o, "name", r->scenario_name);
		report_json_str_or_null(o, "path", r->scenario_path);
	} else
		cJSON_AddNullToObject(root, "scenario");
	report_json_time(root, "started", r->started_wall);
	cJSON_AddNumberToObject(root, "duration_ms", (double)r->duration_ms);
	cJSON_AddStringToObject(root, "result", r->passed ? "pass" : "fail");
	if (r->has_command)
		cJSON_AddItemToObject(root, "command",
		    report_json_command(&r->command));
	else
		cJSON_AddNullToObject(root, "command");
	findings = cJSON_CreateArray();
	arr = cJSON_AddArrayToObject(root, "sessions");
	for (i = 0; i < r->nsessions; i++)
		cJSON_AddItemToArray(arr,
		    report_json_session(r->sessions[i], findings));
	arr = cJSON_AddArrayToObject(root, "messages");
	for (i = 0; i < r->nmessages; i++)
		cJSON_AddItemToArray(arr, report_json_message(r->messages[i]));
	arr = cJSON_AddArrayToObject(root, "expectations");
	for (i = 0; i < r->nexpectations; i++)
		cJSON_AddItemToArray(arr,
		    report_json_expectation(&r->expectations[i]));
	cJSON_AddItemToObject(root, "findings", findings);
	cJSON_AddItemToObject(root, "summary",
	    report_json_summary(r, findings));
	return root;
}

static cJSON *
report_json_command(const struct report_command *c)
{
	cJSON	*o, *arr;
	size_t	 i;

	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "argv");
	for (i = 0; c->argv != NULL && c->argv[i] != NULL; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(c->argv[i]));
	cJSON_AddStringToObject(o, "status", c->status);
	if (c->exit_code >= 0)
		cJSON_AddNumberToObject(o, "exit_code", c->exit_code);
	else
		cJSON_AddNullToObject(o, "exit_code");
	if (c->signal > 0)
		cJSON_AddNumberToObject(o, "signal", c->signal);
	else
		cJSON_AddNullToObject(o, "signal");
	cJSON_AddNumberToObject(o, "duration_ms", (double)c->duration_ms);
	report_json_str_or_null(o, "error", c->error);
	report_json_text(o, "stdout", c->out != NULL ? c->out : "",
	    c->out_len);
	cJSON_AddNumberToObject(o, "stdout_bytes", (double)c->out_bytes);
	report_json_text(o, "stderr", c->err != NULL ? c->err : "",
	    c->err_len);
	cJSON_AddNumberToObject(o, "stderr_bytes", (double)c->err_bytes);
	return o;
}

/* The capture's object plus "ended"; findings copied to all. */
static cJSON *
report_json_session(const struct transcript *t, cJSON *all)
{
	cJSON		*o, *f, *it, *dup;

	o = capture_transcript_cjson(t, true);
	if (t->close_reason != NULL)
		report_json_time(o, "ended", t->started_wall +
		    (int64_t)(t->ended_mono - t->started_mono));
	else
		cJSON_AddNullToObject(o, "ended");
	f = cJSON_GetObjectItemCaseSensitive(o, "findings");
	if (!cJSON_IsArray(f)) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, "findings");
		cJSON_AddArrayToObject(o, "findings");
		return o;
	}
	cJSON_ArrayForEach(it, f) {
		if ((dup = cJSON_Duplicate(it, true)) == NULL)
			fatalx("%s: out of memory", __func__);
		if (cJSON_IsObject(dup) &&
		    !cJSON_HasObjectItem(dup, "session"))
			cJSON_AddNumberToObject(dup, "session", (double)t->id);
		cJSON_AddItemToArray(all, dup);
	}
	return o;
}

static cJSON *
report_json_message(const struct store_msg *m)
{
	cJSON	*o, *arr;
	char	*subj;
	size_t	 i;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)m->id);
	cJSON_AddNumberToObject(o, "session", (double)m->session_id);
	report_json_time(o, "received", m->received_ms);
	cJSON_AddStringToObject(o, "from", m->mail_from);
	arr = cJSON_AddArrayToObject(o, "to");
	for (i = 0; i < m->nrcpts; i++)
		cJSON_AddItemToArray(arr,
		    cJSON_CreateString(m->rcpts[i].addr));
	subj = expect_msg_subject(m);
	report_json_str_or_null(o, "subject", subj);
	free(subj);
	cJSON_AddNumberToObject(o, "size", (double)m->len);
	report_json_str_or_null(o, "helo", m->helo);
	report_json_str_or_null(o, "tls", m->tls);
	report_json_str_or_null(o, "auth_user", m->auth_user);
	report_json_str_or_null(o, "port", m->port_name);
	return o;
}

static cJSON *
report_json_expectation(const struct expect_result *e)
{
	cJSON	*o;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", e->name);
	cJSON_AddBoolToObject(o, "passed", e->passed);
	report_json_text(o, "expected", e->expected, strlen(e->expected));
	report_json_text(o, "actual", e->actual, strlen(e->actual));
	cJSON_AddNumberToObject(o, "line", e->mark.line);
	cJSON_AddNumberToObject(o, "column", e->mark.col);
	return o;
}

static cJSON *
report_json_summary(const struct report *r, const cJSON *findings)
{
	cJSON		*o, *lv, *it, *n;
	const cJSON	*level;
	size_t		 i;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "sessions", (double)r->nsessions);
	cJSON_AddNumberToObject(o, "messages", (double)r->nmessages);
	cJSON_AddNumberToObject(o, "expectations",
	    (double)r->nexpectations);
	cJSON_AddNumberToObject(o, "failed",
	    (double)report_failures(r));
	lv = cJSON_AddObjectToObject(o, "findings");
	for (i = 0; i < nitems(report_json_levels); i++)
		cJSON_AddNumberToObject(lv, report_json_levels[i], 0);
	cJSON_ArrayForEach(it, findings) {
		level = cJSON_GetObjectItemCaseSensitive(it, "level");
		if (!cJSON_IsString(level))
			continue;
		if ((n = cJSON_GetObjectItemCaseSensitive(lv,
		    level->valuestring)) == NULL)
			cJSON_AddNumberToObject(lv, level->valuestring, 1);
		else
			cJSON_SetNumberValue(n, n->valuedouble + 1);
	}
	return o;
}

static void
report_json_time(cJSON *o, const char *key, int64_t wall_ms)
{
	char	when[40];

	clock_rfc3339(wall_ms, when, sizeof(when));
	cJSON_AddStringToObject(o, key, when);
}

static void
report_json_str_or_null(cJSON *o, const char *key, const char *v)
{
	if (v != NULL)
		report_json_text(o, key, v, strlen(v));
	else
		cJSON_AddNullToObject(o, key);
}

/*
 * p[0..len) as a JSON string: NUL and bytes that are not UTF-8 (RFC 3629
 * 4, overlongs and surrogates included) become U+FFFD.
 */
static void
report_json_text(cJSON *o, const char *key, const char *p, size_t len)
{
	const unsigned char	*s = (const unsigned char *)p;
	struct buf		 b;
	size_t			 i = 0, n, k;
	unsigned		 cp, min;
	char			*out;

	buf_init(&b, 3 * len + 1);
	while (i < len) {
		n = s[i] < 0x80 ? 1 : (s[i] & 0xe0) == 0xc0 ? 2 :
		    (s[i] & 0xf0) == 0xe0 ? 3 : (s[i] & 0xf8) == 0xf0 ? 4 : 0;
		cp = n == 1 ? s[i] : n == 2 ? s[i] & 0x1f : n == 3 ?
		    s[i] & 0x0f : s[i] & 0x07;
		min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
		for (k = 1; n > 1 && k < n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				break;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (n == 0 || (n == 1 && cp == 0) || (n > 1 && (k < n ||
		    cp < min || cp > 0x10ffff || (cp >= 0xd800 &&
		    cp <= 0xdfff)))) {
			if (buf_append(&b, "\xef\xbf\xbd", 3) == -1)
				fatalx("%s: append", __func__);
			i++;
			continue;
		}
		if (buf_append(&b, p + i, n) == -1)
			fatalx("%s: append", __func__);
		i += n;
	}
	cJSON_AddStringToObject(o, key, buf_cstr(&b));
	out = buf_steal(&b, NULL);
	free(out);
}
