/*
 * check_conf.c: the conformance checker.  For every rule of every table,
 * tests/data/conf/<rule-id>.bad.json must yield that rule's finding with
 * its section, and <rule-id>.good.json must not (STYLE 3.9, 3.12).  Also
 * the engine's contracts: unique well-formed ids, level names, overrides,
 * a finding per rule with a count, a fault making the rest lenient, and
 * the findings round trip through the transcript JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fakes/base/defs.h"
#include "fakes/base/xalloc.h"
#include "harness/capture.h"
#include "harness/conformance/conf.h"

#define CONF_DATA	"../data/conf/"

static struct transcript *
conf_t_load(const char *id, const char *kind)
{
	struct transcript	*t;
	char			 path[512], err[256], *text;
	FILE			*fp;
	long			 n;

	(void)snprintf(path, sizeof(path), CONF_DATA "%s.%s.json", id, kind);
	fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "missing golden transcript %s", path);
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	ck_assert_int_ge(n, 0);
	rewind(fp);
	text = xmalloc((size_t)n + 1);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	t = capture_transcript_parse(text, (size_t)n, err, sizeof(err));
	free(text);
	ck_assert_msg(t != NULL, "%s: %s", path, err);
	return t;
}

static const struct conf_finding *
conf_t_find(const struct conf_finding *f, size_t n, const char *id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(f[i].rule->id, id) == 0)
			return &f[i];
	return NULL;
}

/* One loop case per rule, in `mailrig rules` order. */
START_TEST(test_rule_bad_good)
{
	const struct conf_rule		*r = conf_rule_get((size_t)_i);
	const struct conf_finding	*hit;
	struct transcript		*t;
	struct conf_finding		*f;
	size_t				 n;

	t = conf_t_load(r->id, "bad");
	n = conf_check(t, NULL, &f);
	hit = conf_t_find(f, n, r->id);
	ck_assert_msg(hit != NULL, "case %d (%s): bad: got no finding, want "
	    "one", _i, r->id);
	ck_assert_msg(strcmp(hit->rule->section, r->section) == 0,
	    "case %d (%s): got section %s, want %s", _i, r->id,
	    hit->rule->section, r->section);
	ck_assert_msg(hit->index < t->nev, "case %d (%s): evidence %zu past "
	    "%zu entries", _i, r->id, hit->index, t->nev);
	ck_assert_uint_eq(hit->session, t->id);
	free(f);
	capture_transcript_free(t);

	t = conf_t_load(r->id, "good");
	n = conf_check(t, NULL, &f);
	hit = conf_t_find(f, n, r->id);
	ck_assert_msg(hit == NULL, "case %d (%s): good: got a finding at "
	    "index %zu, want none", _i, r->id, hit != NULL ? hit->index : 0);
	free(f);
	capture_transcript_free(t);
}
END_TEST

START_TEST(test_rule_ids)
{
	const struct conf_rule	*r, *q;
	size_t			 i, j, dots;
	const char		*p;

	ck_assert_uint_gt(conf_rule_count(), 50);
	for (i = 0; i < conf_rule_count(); i++) {
		r = conf_rule_get(i);
		for (p = r->id, dots = 0; *p != '\0'; p++) {
			if (*p == '.')
				dots++;
			ck_assert_msg((*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || *p == '.' ||
			    *p == '-', "rule %s: bad id character", r->id);
		}
		ck_assert_msg(dots == 2, "rule %s: want <proto>.<area>.<what>",
		    r->id);
		ck_assert_msg(r->message[0] != '\0' && r->hint[0] != '\0' &&
		    r->rfc[0] != '\0' && r->section[0] != '\0',
		    "rule %s: empty field", r->id);
		ck_assert_ptr_eq(conf_rule_find(r->id), r);
		for (j = i + 1; j < conf_rule_count(); j++) {
			q = conf_rule_get(j);
			ck_assert_msg(strcmp(r->id, q->id) != 0,
			    "rule id %s twice", r->id);
		}
	}
	ck_assert_ptr_null(conf_rule_find("smtp.no.such-rule"));
}
END_TEST

static const struct {
	const char	*in;
	int		 want;
} conf_level_cases[] = {
	{ .in = "MUST", .want = CONF_MUST },
	{ .in = "must-not", .want = CONF_MUST_NOT },
	{ .in = "SHOULD_NOT", .want = CONF_SHOULD_NOT },
	{ .in = "should", .want = CONF_SHOULD },
	{ .in = "MAY", .want = CONF_MAY },
	{ .in = "security", .want = CONF_SECURITY },
	{ .in = "MUSTNOT", .want = -1 },
	{ .in = "", .want = -1 },
	{ .in = "SHOULD NOT AT ALL EVER", .want = -1 },
};

START_TEST(test_level_parse)
{
	int	got = conf_level_parse(conf_level_cases[_i].in);

	ck_assert_msg(got == conf_level_cases[_i].want,
	    "case %d (%s): got %d, want %d", _i, conf_level_cases[_i].in, got,
	    conf_level_cases[_i].want);
	if (got >= 0)
		ck_assert_int_eq(conf_level_parse(
		    conf_level_name((enum conf_level)got)), got);
}
END_TEST

/* Overrides from a scenario: switch a rule off, or change its level. */
START_TEST(test_overrides)
{
	struct conf_override	 ov[] = {
		{ .id = "msg.header.date-missing", .disable = true },
		{ .id = "smtp.line.bare-lf", .level = CONF_MAY },
	};
	struct conf_opts	 o = { .ov = ov, .nov = nitems(ov) };
	struct transcript	*t;
	struct conf_finding	*f;
	size_t			 n;

	t = conf_t_load("msg.header.date-missing", "bad");
	n = conf_check(t, &o, &f);
	ck_assert_ptr_null(conf_t_find(f, n, "msg.header.date-missing"));
	free(f);
	capture_transcript_free(t);
	t = conf_t_load("smtp.line.bare-lf", "bad");
	n = conf_check(t, &o, &f);
	ck_assert_ptr_nonnull(conf_t_find(f, n, "smtp.line.bare-lf"));
	ck_assert_int_eq(conf_t_find(f, n, "smtp.line.bare-lf")->level,
	    CONF_MAY);
	free(f);
	capture_transcript_free(t);
}
END_TEST

/* One finding per rule with a count; a fault makes the rest lenient. */
START_TEST(test_count_and_fault)
{
	struct transcript	*t;
	struct conf_finding	*f;
	const struct conf_finding *hit;
	size_t			 n;

	t = capture_transcript_new(9, "smtp", "smtp", 25, "x");
	capture_transcript_line(t, CONN_DIR_OUT, "220 hi", 6, 0);
	capture_transcript_line(t, CONN_DIR_IN, "EHLO a.test", 11,
	    FRAME_BARE_LF);
	capture_transcript_line(t, CONN_DIR_OUT, "250 hi", 6, 0);
	capture_transcript_line(t, CONN_DIR_IN, "NOOP", 4, FRAME_BARE_LF);
	capture_transcript_line(t, CONN_DIR_OUT, "250 ok", 6, 0);
	capture_transcript_event(t, "fault", "reply 421");
	/* After the fault: syntax rules still apply, order rules do not. */
	capture_transcript_line(t, CONN_DIR_IN, "RCPT TO:<b@c.test>", 18,
	    FRAME_BARE_LF);
	capture_transcript_line(t, CONN_DIR_OUT, "503 no", 6, 0);
	capture_transcript_end(t, "eof");
	n = conf_check(t, NULL, &f);
	hit = conf_t_find(f, n, "smtp.line.bare-lf");
	ck_assert_ptr_nonnull(hit);
	ck_assert_uint_eq(hit->count, 3);
	ck_assert_uint_eq(hit->index, 1);
	ck_assert_str_eq(hit->excerpt, "EHLO a.test");
	ck_assert_ptr_null(conf_t_find(f, n, "smtp.order.rcpt-before-mail"));
	ck_assert_ptr_null(conf_t_find(f, n, "smtp.session.no-quit"));
	free(f);
	capture_transcript_free(t);
}
END_TEST

/*
 * Header comments and odd bytes around them: the message walk always
 * ends.  "(UTC)" once made the encoded-word scan stop moving.
 */
static const char *const walk_cases[] = {
	"Date: Sun, 22 Nov 2026 03:05:20 +0000 (UTC)\r\n\r\nx\r\n",
	"Subject: ((()))\"\")(\r\n\r\nx\r\n",
	"Subject: =?utf-8?q?a?= (=?x?q?b?=)\r\n\r\nx\r\n",
	"From: a@b (x)\r\nTo: (\r\n\r\n",
	")\r\n\r\n",
};

START_TEST(test_message_walk_ends)
{
	struct transcript	*t;
	struct conf_finding	*f = NULL;
	const char		*m = walk_cases[_i];

	t = capture_transcript_new(1, "smtp", "smtp", 25, "x");
	capture_transcript_line(t, CONN_DIR_OUT, "220 hi", 6, 0);
	capture_transcript_line(t, CONN_DIR_IN, "EHLO a.test", 11, 0);
	capture_transcript_line(t, CONN_DIR_OUT, "250 hi", 6, 0);
	capture_transcript_line(t, CONN_DIR_IN, "MAIL FROM:<a@b.test>", 20, 0);
	capture_transcript_line(t, CONN_DIR_OUT, "250 ok", 6, 0);
	capture_transcript_line(t, CONN_DIR_IN, "RCPT TO:<c@d.test>", 18, 0);
	capture_transcript_line(t, CONN_DIR_OUT, "250 ok", 6, 0);
	capture_transcript_line(t, CONN_DIR_IN, "DATA", 4, 0);
	capture_transcript_line(t, CONN_DIR_OUT, "354 go", 6, 0);
	capture_transcript_data(t, CONN_DIR_IN, m, strlen(m), FRAME_DATA);
	capture_transcript_data(t, CONN_DIR_IN, "", 0,
	    FRAME_DATA | FRAME_END | FRAME_DOT_END);
	capture_transcript_line(t, CONN_DIR_OUT, "250 ok", 6, 0);
	capture_transcript_end(t, "eof");
	/* The test's timeout is the assertion: conf_check must return. */
	(void)conf_check(t, NULL, &f);
	free(f);
	capture_transcript_free(t);
}
END_TEST

/* Findings are written with the transcript and read back. */
START_TEST(test_json_round_trip)
{
	struct transcript	*t, *u;
	char			*json, err[256];

	t = conf_t_load("smtp.mail.syntax", "bad");
	t->nfindings = conf_check(t, NULL, &t->findings);
	ck_assert_uint_gt(t->nfindings, 0);
	json = capture_transcript_json(t, true);
	ck_assert_ptr_nonnull(strstr(json, "\"findings\":[{\"rule\":"
	    "\"smtp.mail.syntax\""));
	u = capture_transcript_parse(json, strlen(json), err, sizeof(err));
	ck_assert_msg(u != NULL, "%s", err);
	ck_assert_uint_eq(u->nfindings, t->nfindings);
	ck_assert_ptr_eq(u->findings[0].rule, t->findings[0].rule);
	ck_assert_uint_eq(u->findings[0].index, t->findings[0].index);
	free(json);
	capture_transcript_free(u);
	capture_transcript_free(t);
}
END_TEST

/* A protocol without a table yields nothing; no events, nothing. */
START_TEST(test_no_table)
{
	struct transcript	*t;
	struct conf_finding	*f;

	t = capture_transcript_new(1, "gopher", "x", 70, "x");
	ck_assert_uint_eq(conf_check(t, NULL, &f), 0);
	ck_assert_ptr_null(f);
	capture_transcript_free(t);
	t = capture_transcript_new(1, "smtp", "x", 25, "x");
	ck_assert_uint_eq(conf_check(t, NULL, &f), 0);
	capture_transcript_free(t);
}
END_TEST

Suite *conf_suite(void);

Suite *
conf_suite(void)
{
	Suite	*s = suite_create("conf");
	TCase	*tc;

	tc = tcase_create("rules");
	tcase_add_loop_test(tc, test_rule_bad_good, 0, (int)conf_rule_count());
	tcase_add_test(tc, test_rule_ids);
	suite_add_tcase(s, tc);
	tc = tcase_create("engine");
	tcase_add_loop_test(tc, test_level_parse, 0,
	    nitems(conf_level_cases));
	tcase_add_test(tc, test_overrides);
	tcase_add_test(tc, test_count_and_fault);
	tcase_add_loop_test(tc, test_message_walk_ends, 0,
	    (int)nitems(walk_cases));
	tcase_add_test(tc, test_json_round_trip);
	tcase_add_test(tc, test_no_table);
	suite_add_tcase(s, tc);
	return s;
}
