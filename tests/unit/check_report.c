/*
 * check_report.c: the report writers on a fixed run with a frozen clock
 * (STYLE 3.11): the JSON and JUnit bytes are compared with golden files
 * in tests/data/reports/, so any change to the report's shape is a
 * reviewed change of those files.  UPDATE_GOLDEN=1 rewrites them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fakes/base/clock.h"
#include "fakes/conn.h"
#include "fakes/store.h"
#include "harness/capture.h"
#include "harness/expect.h"
#include "reports/report.h"

Suite	*report_suite(void);

#define GOLDEN_DIR	"../data/reports/"

struct fixture {
	struct transcript	*t;
	struct store_msg	*m;
	struct expect_result	 ex[2];
	struct report		 r;
	char			*argv[3];
};

static void
fixture_init(struct fixture *f)
{
	static const char body[] = "Subject: hi\r\n\r\nhello\r\n";

	memset(f, 0, sizeof(*f));
	clock_set_fake(1000, 1795309200123LL);
	f->t = capture_transcript_new(1, "smtp", "smtp", 2525,
	    "127.0.0.1:40000");
	capture_transcript_line(f->t, CONN_DIR_OUT, "220 localhost ESMTP",
	    19, 0);
	capture_transcript_line(f->t, CONN_DIR_IN, "EHLO app", 8, 0);
	capture_transcript_line(f->t, CONN_DIR_OUT, "250 localhost", 13, 0);
	capture_transcript_line(f->t, CONN_DIR_IN, "QUIT", 4, 0);
	capture_transcript_line(f->t, CONN_DIR_OUT, "221 2.0.0 Bye", 13, 0);
	capture_transcript_end(f->t, "quit");

	f->m = store_msg_new();
	store_msg_set_from(f->m, "app@example.test", "SIZE=22");
	store_msg_add_rcpt(f->m, "alice@example.test", NULL);
	store_msg_take_data(f->m, strdup(body), sizeof(body) - 1);
	f->m->id = 1;
	f->m->session_id = 1;
	f->m->received_ms = 1795309200123LL;

	f->ex[0] = (struct expect_result){ .name = "messages.count",
	    .passed = true, .expected = "1", .actual = "1",
	    .mark = { 12, 3 } };
	f->ex[1] = (struct expect_result){ .name =
	    "messages.match[0].subject", .passed = false,
	    .expected = "/^Welcome/", .actual = "hi", .mark = { 14, 9 } };

	report_init(&f->r, "0.1.0");
	f->r.scenario_name = "welcome mail";
	f->r.scenario_path = "welcome.yaml";
	f->r.started_wall = 1795309200000LL;
	f->r.duration_ms = 250;
	f->r.passed = false;
	report_add_session(&f->r, f->t);
	report_add_message(&f->r, f->m);
	f->r.expectations = f->ex;
	f->r.nexpectations = 2;
	f->argv[0] = "./send.sh";
	f->argv[1] = "welcome";
	f->r.has_command = true;
	f->r.command = (struct report_command){ .argv = f->argv,
	    .status = "exited", .exit_code = 0, .duration_ms = 200 };
}

static void
fixture_fini(struct fixture *f)
{
	report_fini(&f->r);
	store_msg_unref(&f->m);
	capture_transcript_free(f->t);
	clock_set_fake(0, 0);
}

/* The writer's bytes, NUL-terminated (heap). */
static char *
render(const struct fixture *f, int (*fn)(const struct report *, FILE *))
{
	char	*p = NULL;
	size_t	 n = 0;
	FILE	*fp;

	fp = open_memstream(&p, &n);
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fn(&f->r, fp), 0);
	fclose(fp);
	return p;
}

static void
golden(const char *name, const char *got)
{
	char	 path[256], *want;
	FILE	*fp;
	long	 n;

	snprintf(path, sizeof(path), GOLDEN_DIR "%s", name);
	if (getenv("UPDATE_GOLDEN") != NULL) {
		fp = fopen(path, "w");
		ck_assert_ptr_nonnull(fp);
		fputs(got, fp);
		fclose(fp);
	}
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "no golden file %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	want = calloc(1, (size_t)n + 1);
	ck_assert_uint_eq(fread(want, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	ck_assert_msg(strcmp(got, want) == 0, "%s differs:\n--- got\n%s\n"
	    "--- want\n%s", name, got, want);
	free(want);
}

START_TEST(test_json_golden)
{
	struct fixture	 f;
	char		*j, *again;

	fixture_init(&f);
	j = render(&f, report_write_json);
	golden("basic.json", j);
	/* Deterministic: the same report gives the same bytes. */
	again = render(&f, report_write_json);
	ck_assert_str_eq(j, again);
	ck_assert_ptr_nonnull(strstr(j, "\"result\""));
	free(j);
	free(again);
	fixture_fini(&f);
}
END_TEST

START_TEST(test_junit_golden)
{
	struct fixture	 f;
	char		*x;

	fixture_init(&f);
	x = render(&f, report_write_junit);
	golden("basic.xml", x);
	/* The failed expectation is a failure with its message. */
	ck_assert_ptr_nonnull(strstr(x, "<failure"));
	ck_assert_ptr_nonnull(strstr(x, "/^Welcome/"));
	free(x);
	fixture_fini(&f);
}
END_TEST

START_TEST(test_text_summary)
{
	struct fixture	 f;
	char		*t;

	fixture_init(&f);
	t = render(&f, report_write_text);
	ck_assert_ptr_nonnull(strstr(t, "messages.match[0].subject"));
	ck_assert_uint_eq(report_failures(&f.r), 1);
	free(t);
	fixture_fini(&f);
}
END_TEST

Suite *
report_suite(void)
{
	Suite	*s = suite_create("report");
	TCase	*tc = tcase_create("report");

	tcase_add_test(tc, test_json_golden);
	tcase_add_test(tc, test_junit_golden);
	tcase_add_test(tc, test_text_summary);
	suite_add_tcase(s, tc);
	return s;
}
