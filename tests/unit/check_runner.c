/*
 * check_runner.c: the client command runner.  Real child processes on a
 * private event loop: exit codes, signals, a timeout reaching the whole
 * process group, exec failures, environment overrides, the head/tail
 * output window, and ${NAME} templating.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "harness/runner.h"

Suite	*runner_suite(void);

struct rt {
	struct event_base	*base;
	struct runner		*r;
	int			 done;
};

static void
rt_done(void *arg)
{
	struct rt	*t = arg;

	t->done++;
	event_base_loopbreak(t->base);
}

/* Run conf to the end; the caller frees t->r and t->base. */
static void
rt_run(struct rt *t, const struct runner_conf *conf)
{
	memset(t, 0, sizeof(*t));
	t->base = event_base_new();
	ck_assert_ptr_nonnull(t->base);
	t->r = runner_new(t->base, conf, rt_done, t);
	event_base_dispatch(t->base);
	ck_assert_int_eq(t->done, 1);
}

static void
rt_free(struct rt *t)
{
	runner_free(t->r);
	event_base_free(t->base);
}

static const struct {
	const char	*name;
	const char	*script;	/* sh -c */
	enum runner_status want_status;
	int		 want_code;
	const char	*want_out;
	const char	*want_err;
} run_cases[] = {
	{ .name = "exit 0", .script = "echo hello", .want_status =
	    RUNNER_EXITED, .want_code = 0, .want_out = "hello\n",
	    .want_err = "" },
	{ .name = "exit 3 both streams", .script =
	    "printf out; printf err >&2; exit 3", .want_status =
	    RUNNER_EXITED, .want_code = 3, .want_out = "out",
	    .want_err = "err" },
	{ .name = "env override", .script =
	    "printf '%s' \"$MAILRIG_SMTP_PORT\"", .want_status =
	    RUNNER_EXITED, .want_code = 0, .want_out = "2525",
	    .want_err = "" },
	{ .name = "own process group", .script =
	    "test \"$(cut -d' ' -f5 /proc/$$/stat)\" = \"$$\" && echo leader",
	    .want_status = RUNNER_EXITED, .want_code = 0,
	    .want_out = "leader\n", .want_err = "" },
	{ .name = "stdin is empty", .script = "cat; echo done",
	    .want_status = RUNNER_EXITED, .want_code = 0,
	    .want_out = "done\n", .want_err = "" },
	{ .name = "killed by a signal", .script = "kill -9 $$",
	    .want_status = RUNNER_SIGNALED, .want_code = -1,
	    .want_out = "", .want_err = "" },
	{ .name = "SIGPIPE not ignored", .script =
	    "m=$(grep SigIgn /proc/$$/status | cut -f2); "
	    "echo $(( 0x$m & 0x1000 ))", .want_status = RUNNER_EXITED,
	    .want_code = 0, .want_out = "0\n", .want_err = "" },
};

START_TEST(test_run)
{
	char *const	 env[] = { "MAILRIG_SMTP_PORT=2525", NULL };
	char		*argv[] = { "/bin/sh", "-c",
			    (char *)run_cases[_i].script, NULL };
	struct runner_conf conf = { .argv = argv, .env = env,
			    .timeout_ms = 3000 };
	struct rt	 t;
	char		*out, *err;
	size_t		 len;

	/* As server_new() does: the child must not inherit it. */
	signal(SIGPIPE, SIG_IGN);
	rt_run(&t, &conf);
	ck_assert_msg(runner_status(t.r) == run_cases[_i].want_status,
	    "case %d (%s): got %d, want %d", _i, run_cases[_i].name,
	    (int)runner_status(t.r), (int)run_cases[_i].want_status);
	ck_assert_msg(runner_exit_code(t.r) == run_cases[_i].want_code,
	    "case %d (%s): got %d, want %d", _i, run_cases[_i].name,
	    runner_exit_code(t.r), run_cases[_i].want_code);
	out = runner_output(t.r, 1, &len);
	err = runner_output(t.r, 2, NULL);
	ck_assert_msg(strcmp(out, run_cases[_i].want_out) == 0,
	    "case %d (%s): stdout '%s', want '%s'", _i, run_cases[_i].name,
	    out, run_cases[_i].want_out);
	ck_assert_uint_eq(len, strlen(run_cases[_i].want_out));
	ck_assert_msg(strcmp(err, run_cases[_i].want_err) == 0,
	    "case %d (%s): stderr '%s', want '%s'", _i, run_cases[_i].name,
	    err, run_cases[_i].want_err);
	ck_assert_ptr_null(runner_error(t.r));
	free(out);
	free(err);
	rt_free(&t);
}
END_TEST

START_TEST(test_signal_name)
{
	char		*argv[] = { "/bin/sh", "-c", "kill -TERM $$", NULL };
	struct runner_conf conf = { .argv = argv };
	struct rt	 t;

	rt_run(&t, &conf);
	ck_assert_int_eq(runner_status(t.r), RUNNER_SIGNALED);
	ck_assert_int_eq(runner_signal(t.r), 15);
	ck_assert_str_eq(runner_status_name(runner_status(t.r)), "signaled");
	rt_free(&t);
}
END_TEST

START_TEST(test_timeout_group)
{
	/* The shell ignores TERM; its children do not, then KILL ends it. */
	char		*argv[] = { "/bin/sh", "-c",
			    "trap '' TERM; sleep 100 & sleep 100; sleep 100",
			    NULL };
	struct runner_conf conf = { .argv = argv, .timeout_ms = 100,
			    .grace_ms = 200 };
	struct rt	 t;

	rt_run(&t, &conf);
	ck_assert_int_eq(runner_status(t.r), RUNNER_TIMEOUT);
	ck_assert_int_eq(runner_signal(t.r), 9);
	ck_assert_int_eq(runner_exit_code(t.r), -1);
	ck_assert_str_eq(runner_status_name(RUNNER_TIMEOUT), "timeout");
	rt_free(&t);
}
END_TEST

START_TEST(test_timeout_term)
{
	char		*argv[] = { "sleep", "100", NULL };
	struct runner_conf conf = { .argv = argv, .timeout_ms = 50 };
	struct rt	 t;

	rt_run(&t, &conf);
	ck_assert_int_eq(runner_status(t.r), RUNNER_TIMEOUT);
	ck_assert_int_eq(runner_signal(t.r), 15);
	rt_free(&t);
}
END_TEST

static const struct {
	const char	*name;
	const char	*cmd;
	const char	*cwd;
	const char	*want_err;	/* prefix */
} nostart_cases[] = {
	{ "missing command", "/nonexistent/mailrig-no-such-command", NULL,
	    "/nonexistent/mailrig-no-such-command: No such file" },
	{ "not in PATH", "mailrig-no-such-command-anywhere", NULL,
	    "mailrig-no-such-command-anywhere: No such file" },
	{ "not executable", "/", NULL,
	    "/: Permission denied" },
	{ "bad cwd", "/bin/true", "/nonexistent/dir", "/bin/true: No such" },
};

START_TEST(test_not_started)
{
	char		*argv[] = { (char *)nostart_cases[_i].cmd, NULL };
	struct runner_conf conf = { .argv = argv,
			    .cwd = nostart_cases[_i].cwd };
	struct rt	 t;
	const char	*e;

	rt_run(&t, &conf);
	ck_assert_msg(runner_status(t.r) == RUNNER_NOT_STARTED,
	    "case %d (%s): got %d, want %d", _i, nostart_cases[_i].name,
	    (int)runner_status(t.r), (int)RUNNER_NOT_STARTED);
	e = runner_error(t.r);
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(strncmp(e, nostart_cases[_i].want_err,
	    strlen(nostart_cases[_i].want_err)) == 0,
	    "case %d (%s): error '%s', want '%s...'", _i,
	    nostart_cases[_i].name, e, nostart_cases[_i].want_err);
	ck_assert_int_eq(runner_exit_code(t.r), -1);
	rt_free(&t);
}
END_TEST

START_TEST(test_no_command)
{
	char		*argv[] = { NULL };
	struct runner_conf conf = { .argv = argv };
	struct rt	 t;

	rt_run(&t, &conf);
	ck_assert_int_eq(runner_status(t.r), RUNNER_NOT_STARTED);
	ck_assert_str_eq(runner_error(t.r), "no command");
	rt_free(&t);
}
END_TEST

/* Head and tail of "seq 1 N" with a small window; the middle is left out. */
START_TEST(test_window)
{
	static const unsigned	 ns[] = { 3, 5, 6, 2000 };
	char		 script[64], *out;
	char		*argv[] = { "/bin/sh", "-c", script, NULL };
	struct runner_conf conf = { .argv = argv, .keep = 10 };
	struct buf	 full, want;
	struct rt	 t;
	size_t		 len;
	unsigned	 i;

	snprintf(script, sizeof(script), "seq 1 %u", ns[_i]);
	buf_init(&full, 1 << 20);
	buf_init(&want, 1 << 20);
	for (i = 1; i <= ns[_i]; i++)
		ck_assert_int_eq(buf_appendf(&full, "%u\n", i), 0);
	if (full.len <= 20)
		ck_assert_int_eq(buf_append(&want, full.p, full.len), 0);
	else {
		ck_assert_int_eq(buf_append(&want, full.p, 10), 0);
		ck_assert_int_eq(buf_appendf(&want, "\n[mailrig: %zu bytes "
		    "left out]\n", full.len - 20), 0);
		ck_assert_int_eq(buf_append(&want, full.p + full.len - 10,
		    10), 0);
	}
	rt_run(&t, &conf);
	out = runner_output(t.r, 1, &len);
	ck_assert_msg(len == want.len && memcmp(out, want.p, len) == 0,
	    "case %d (seq %u): got '%s', want '%s'", _i, ns[_i], out,
	    buf_cstr(&want));
	ck_assert_uint_eq(runner_output_bytes(t.r, 1), full.len);
	free(out);
	buf_fini(&full);
	buf_fini(&want);
	rt_free(&t);
}
END_TEST

static const struct {
	const char	*in;
	const char	*want;		/* NULL: error */
	const char	*want_err;
} expand_cases[] = {
	{ "plain", "plain", NULL },
	{ "", "", NULL },
	{ "${MAILRIG_SMTP_PORT}", "2525", NULL },
	{ "--port=${MAILRIG_SMTP_PORT}!", "--port=2525!", NULL },
	{ "${A}${A}", "xx", NULL },
	{ "${EMPTY}|", "|", NULL },
	{ "$MAILRIG_SMTP_PORT", "$MAILRIG_SMTP_PORT", NULL },
	{ "${", "${", NULL },
	{ "${}", "${}", NULL },
	{ "${1X}", "${1X}", NULL },
	{ "${A", "${A", NULL },
	{ "${A:-x}", "${A:-x}", NULL },
	{ "$${A}", "$x", NULL },
	{ "${MAILRIG_TEST_FROM_ENV}", "from-env", NULL },
	{ "${MAILRIG_NOPE}", NULL, "${MAILRIG_NOPE} is not set" },
};

START_TEST(test_expand)
{
	char *const	 env[] = { "MAILRIG_SMTP_PORT=2525", "A=x", "EMPTY=",
			    NULL };
	char		 err[128] = "";
	char		*got;

	setenv("MAILRIG_TEST_FROM_ENV", "from-env", 1);
	got = runner_expand(expand_cases[_i].in, env, err, sizeof(err));
	if (expand_cases[_i].want == NULL) {
		ck_assert_msg(got == NULL, "case %d (%s): got '%s', want "
		    "an error", _i, expand_cases[_i].in, got);
		ck_assert_str_eq(err, expand_cases[_i].want_err);
		return;
	}
	ck_assert_msg(got != NULL && strcmp(got, expand_cases[_i].want) == 0,
	    "case %d (%s): got '%s', want '%s' (%s)", _i,
	    expand_cases[_i].in, got ? got : "NULL", expand_cases[_i].want,
	    err);
	free(got);
}
END_TEST

START_TEST(test_expand_too_long)
{
	char	*in, err[128];

	in = malloc(200 * 1024);
	ck_assert_ptr_nonnull(in);
	memset(in, 'a', 200 * 1024 - 1);
	in[200 * 1024 - 1] = '\0';
	ck_assert_ptr_null(runner_expand(in, NULL, err, sizeof(err)));
	ck_assert_msg(strstr(err, "longer") != NULL, "err '%s'", err);
	free(in);
}
END_TEST

Suite *
runner_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("runner");
	tc = tcase_create("run");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_run, 0, nitems(run_cases));
	tcase_add_test(tc, test_signal_name);
	tcase_add_test(tc, test_timeout_group);
	tcase_add_test(tc, test_timeout_term);
	tcase_add_loop_test(tc, test_not_started, 0, nitems(nostart_cases));
	tcase_add_test(tc, test_no_command);
	tcase_add_loop_test(tc, test_window, 0, 4);
	suite_add_tcase(s, tc);
	tc = tcase_create("expand");
	tcase_add_loop_test(tc, test_expand, 0, nitems(expand_cases));
	tcase_add_test(tc, test_expand_too_long);
	suite_add_tcase(s, tc);
	return s;
}
