/*
 * check_conf_pop3.c: the POP3 tracker of the conformance checker beyond
 * the golden bad/good pairs of check_conf.c: a live transcript (real
 * PASS bytes) and its redacted file judge alike, implicit TLS is not
 * taken for STLS whatever order the greeting and the handshake were
 * recorded in, and an injected fault leaves only syntax rules.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fakes/base/defs.h"
#include "fakes/frame.h"
#include "harness/capture.h"
#include "harness/conformance/conf.h"

static void
conf_pop3_t_line(struct transcript *t, enum conn_dir d, const char *s,
    unsigned flags)
{
	capture_transcript_line(t, d, s, strlen(s), flags);
}

static bool
conf_pop3_t_has(const struct conf_finding *f, size_t n, const char *id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(f[i].rule->id, id) == 0)
			return true;
	return false;
}

/* The ids of t's findings, space-separated, for comparisons. */
static void
conf_pop3_t_ids(const struct transcript *t, char *out, size_t size)
{
	struct conf_finding	*f;
	size_t			 n, i;

	out[0] = '\0';
	n = conf_check(t, NULL, &f);
	for (i = 0; i < n; i++) {
		strncat(out, f[i].rule->id, size - strlen(out) - 1);
		strncat(out, " ", size - strlen(out) - 1);
	}
	free(f);
}

static struct transcript *
conf_pop3_t_login(void)
{
	struct transcript	*t;

	t = capture_transcript_new(3, "pop3", "pop3", 110, "x");
	conf_pop3_t_line(t, CONN_DIR_OUT, "+OK ready <1.2@x.test>", 0);
	conf_pop3_t_line(t, CONN_DIR_IN, "USER alice", 0);
	conf_pop3_t_line(t, CONN_DIR_OUT, "+OK send PASS", 0);
	conf_pop3_t_line(t, CONN_DIR_IN, "PASS s e c r e t", CONN_IO_SECRET);
	conf_pop3_t_line(t, CONN_DIR_OUT, "+OK locked", 0);
	conf_pop3_t_line(t, CONN_DIR_IN, "STAT", 0);
	conf_pop3_t_line(t, CONN_DIR_OUT, "+OK 0 0", 0);
	conf_pop3_t_line(t, CONN_DIR_IN, "QUIT", 0);
	conf_pop3_t_line(t, CONN_DIR_OUT, "+OK bye", 0);
	capture_transcript_end(t, "quit");
	return t;
}

START_TEST(test_live_and_file_agree)
{
	struct transcript	*t, *u;
	char			*json, err[256], live[512], file[512];

	t = conf_pop3_t_login();
	conf_pop3_t_ids(t, live, sizeof(live));
	ck_assert_str_eq(live, "pop3.security.cleartext-login ");
	json = capture_transcript_json(t, true);
	/* The file hides the password, verb and all. */
	ck_assert_ptr_null(strstr(json, "s e c r e t"));
	u = capture_transcript_parse(json, strlen(json), err, sizeof(err));
	ck_assert_msg(u != NULL, "%s", err);
	conf_pop3_t_ids(u, file, sizeof(file));
	ck_assert_str_eq(file, live);
	free(json);
	capture_transcript_free(u);
	capture_transcript_free(t);
}
END_TEST

/* POP3S: the greeting may be recorded before or after the handshake. */
START_TEST(test_implicit_tls_not_stls)
{
	struct transcript	*t;
	struct conf_finding	*f;
	size_t			 n;

	t = capture_transcript_new(4, "pop3", "pop3s", 995, "x");
	if (_i == 0)
		capture_transcript_event(t, "tls-start", "TLSv1.3 X");
	conf_pop3_t_line(t, CONN_DIR_OUT, "+OK ready", 0);
	if (_i == 1)
		capture_transcript_event(t, "tls-start", "TLSv1.3 X");
	conf_pop3_t_line(t, CONN_DIR_IN, "USER alice", 0);
	conf_pop3_t_line(t, CONN_DIR_OUT, "+OK send PASS", 0);
	conf_pop3_t_line(t, CONN_DIR_IN, "PASS pw", CONN_IO_SECRET);
	conf_pop3_t_line(t, CONN_DIR_OUT, "+OK locked", 0);
	conf_pop3_t_line(t, CONN_DIR_IN, "QUIT", 0);
	conf_pop3_t_line(t, CONN_DIR_OUT, "+OK bye", 0);
	capture_transcript_end(t, "quit");
	n = conf_check(t, NULL, &f);
	ck_assert_msg(n == 0, "case %d (%s): got %zu findings, want 0", _i,
	    _i == 0 ? "handshake first" : "greeting first", n);
	free(f);
	capture_transcript_free(t);
}
END_TEST

/* After an injected fault only the syntax rules still judge. */
START_TEST(test_fault_lenient)
{
	struct transcript	*t;
	struct conf_finding	*f;
	size_t			 n;

	t = capture_transcript_new(5, "pop3", "pop3", 110, "x");
	conf_pop3_t_line(t, CONN_DIR_OUT, "+OK ready", 0);
	conf_pop3_t_line(t, CONN_DIR_IN, "APOP alice "
	    "c4c9334bac560ecc979e58001b3e22fb", 0);
	capture_transcript_event(t, "fault", "reply -ERR");
	conf_pop3_t_line(t, CONN_DIR_OUT, "-ERR injected", 0);
	conf_pop3_t_line(t, CONN_DIR_IN, "STAT", FRAME_BARE_LF);
	conf_pop3_t_line(t, CONN_DIR_OUT, "-ERR not now", 0);
	capture_transcript_end(t, "eof");
	n = conf_check(t, NULL, &f);
	ck_assert(conf_pop3_t_has(f, n, "pop3.apop.no-timestamp"));
	ck_assert(conf_pop3_t_has(f, n, "pop3.line.bare-lf"));
	ck_assert(!conf_pop3_t_has(f, n, "pop3.state.transaction-only"));
	ck_assert(!conf_pop3_t_has(f, n, "pop3.session.no-quit"));
	free(f);
	capture_transcript_free(t);
}
END_TEST

/* Every POP3 rule says which protocol it belongs to. */
START_TEST(test_rules_listed)
{
	const struct conf_rule	*r;
	size_t			 i, n = 0;

	for (i = 0; i < conf_rule_count(); i++) {
		r = conf_rule_get(i);
		if (strncmp(r->id, "pop3.", 5) != 0)
			continue;
		n++;
		ck_assert_str_eq(conf_rule_protocol(r), "pop3");
	}
	ck_assert_uint_ge(n, 30);
}
END_TEST

Suite *conf_pop3_suite(void);

Suite *
conf_pop3_suite(void)
{
	Suite	*s = suite_create("conf_pop3");
	TCase	*tc;

	tc = tcase_create("tracker");
	tcase_add_test(tc, test_live_and_file_agree);
	tcase_add_loop_test(tc, test_implicit_tls_not_stls, 0, 2);
	tcase_add_test(tc, test_fault_lenient);
	tcase_add_test(tc, test_rules_listed);
	suite_add_tcase(s, tc);
	return s;
}
