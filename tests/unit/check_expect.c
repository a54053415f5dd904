/*
 * check_expect.c: expectations against hand-made messages and
 * transcripts: envelope and MIME conditions, the closest-message report,
 * retries after 4xx read from an SMTP transcript, the implied exit code.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fakes/base/defs.h"
#include "fakes/base/xalloc.h"
#include "fakes/conn.h"
#include "fakes/store.h"
#include "harness/capture.h"
#include "harness/expect.h"

Suite	*expect_suite(void);

static const char	msg_text[] =
    "From: app@example.test\r\nTo: alice@example.test\r\n"
    "Subject: =?UTF-8?Q?Welcome_=C3=A9?=\r\nMessage-ID: <1@x>\r\n\r\n"
    "Hello alice\r\n";

static struct store_msg *
mk_msg(void)
{
	struct store_msg	*m = store_msg_new();

	store_msg_set_from(m, "app@example.test", NULL);
	store_msg_add_rcpt(m, "alice@example.test", NULL);
	store_msg_add_rcpt(m, "dave@example.test", NULL);
	store_msg_take_data(m, xstrdup(msg_text), strlen(msg_text));
	return m;
}

static const struct {
	const char	*name;
	const char	*subject;	/* exact */
	const char	*to;
	const char	*bcc;
	bool		 want;
} msg_cases[] = {
	{ "all match", "Welcome \xc3\xa9", "alice@example.test",
	    "dave@example.test", true },
	{ "subject differs", "Welcome", "alice@example.test",
	    "dave@example.test", false },
	{ "to differs", "Welcome \xc3\xa9", "dave@example.test",
	    "dave@example.test", false },
	{ "bcc differs", "Welcome \xc3\xa9", "alice@example.test",
	    "alice@example.test", false },
	{ "case-insensitive address", "Welcome \xc3\xa9",
	    "Alice@Example.TEST", "dave@example.test", true },
};

START_TEST(test_msg)
{
	struct store_msg	*m = mk_msg();
	const struct store_msg	*msgs[1] = { m };
	struct scen_expect	 ex;
	struct scen_msg_expect	 me;
	char			*to[1] = { (char *)msg_cases[_i].to };
	char			*bcc[1] = { (char *)msg_cases[_i].bcc };
	struct expect_results	 res = { 0 };

	memset(&ex, 0, sizeof(ex));
	memset(&me, 0, sizeof(me));
	me.subject.kind = SCEN_PAT_EXACT;
	me.subject.text = (char *)msg_cases[_i].subject;
	me.to = (struct scen_strings){ .set = true, .v = to, .n = 1 };
	me.bcc = (struct scen_strings){ .set = true, .v = bcc, .n = 1 };
	ex.match = &me;
	ex.nmatch = 1;
	ex.count = (struct scen_count){ .set = true, .min = 1, .max = 1 };
	expect_eval(&ex, msgs, 1, NULL, 0, NULL, &res);
	ck_assert_uint_eq(res.n, 4);
	ck_assert_msg(expect_results_passed(&res) == msg_cases[_i].want,
	    "case %d (%s): got %d, want %d", _i, msg_cases[_i].name,
	    expect_results_passed(&res), msg_cases[_i].want);
	ck_assert_str_eq(res.v[0].name, "messages.count");
	expect_results_fini(&res);
	store_msg_unref(&m);
}
END_TEST

static void
line(struct transcript *t, enum conn_dir d, const char *s)
{
	capture_transcript_line(t, d, s, strlen(s), 0);
}

/* 451 to RCPT in session 1, the same pair accepted in session 2. */
START_TEST(test_retry)
{
	struct transcript	*t[2];
	struct scen_expect	 ex;
	struct expect_results	 res = { 0 };
	struct expect_client	 c = { .ran = true, .exited = true,
				    .exit_code = 1 };
	int			 i;

	for (i = 0; i < 2; i++) {
		t[i] = capture_transcript_new((uint64_t)i + 1, "smtp", "smtp",
		    25, "127.0.0.1:1");
		line(t[i], CONN_DIR_OUT, "220 hi");
		line(t[i], CONN_DIR_IN, "EHLO x");
		line(t[i], CONN_DIR_OUT, "250-hi");
		line(t[i], CONN_DIR_OUT, "250 PIPELINING");
		line(t[i], CONN_DIR_IN, "MAIL FROM:<a@x>");
		line(t[i], CONN_DIR_IN, "RCPT TO:<B@y>");
		line(t[i], CONN_DIR_OUT, "250 ok");
		line(t[i], CONN_DIR_OUT, i == 0 ? "451 later" : "250 ok");
		line(t[i], CONN_DIR_IN, i == 0 ? "QUIT" : "DATA");
		line(t[i], CONN_DIR_OUT, i == 0 ? "221 bye" : "354 go");
	}
	line(t[1], CONN_DIR_IN, ".");
	line(t[1], CONN_DIR_OUT, "250 queued");
	memset(&ex, 0, sizeof(ex));
	ex.retried_after_4xx = (struct scen_flag){ .set = true,
	    .value = true };
	ex.gave_up_after_5xx = (struct scen_flag){ .set = true,
	    .value = true };
	ex.quit = (struct scen_flag){ .set = true, .value = true };
	expect_eval(&ex, NULL, 0, (const struct transcript *const *)t, 2, &c,
	    &res);
	ck_assert_uint_eq(res.n, 4);
	ck_assert_str_eq(res.v[0].name, "exit_code");
	ck_assert(!res.v[0].passed);	/* implied 0, got 1 */
	ck_assert_str_eq(res.v[1].name, "client.retried_after_4xx");
	ck_assert_msg(res.v[1].passed, "%s", res.v[1].actual);
	ck_assert_str_eq(res.v[2].name, "client.gave_up_after_5xx");
	ck_assert(!res.v[2].passed);	/* no 5xx at all */
	ck_assert_str_eq(res.v[3].name, "client.quit");
	ck_assert(!res.v[3].passed);	/* session 2 has no QUIT */
	ck_assert_str_eq(res.v[3].actual,
	    "1 of 2 sessions ended with QUIT/LOGOUT");
	expect_results_fini(&res);
	capture_transcript_free(t[0]);
	capture_transcript_free(t[1]);
}
END_TEST

Suite *
expect_suite(void)
{
	Suite	*s = suite_create("expect");
	TCase	*tc = tcase_create("expect");

	tcase_add_loop_test(tc, test_msg, 0, nitems(msg_cases));
	tcase_add_test(tc, test_retry);
	suite_add_tcase(s, tc);
	return s;
}
