/*
 * cmd_run.c: `mailrig run [-s scenario.yaml] [--report out.json]
 * [--junit out.xml] [--timeout 30s] [-v] -- command args...` (issue 5).
 *
 * Starts the scenario's fakes on free ports, runs the client command with
 * the MAILRIG_* variables (DESIGN "Command line") on the same loop, waits
 * (bounded) for sessions still open, judges the expectations and writes
 * the reports.  Conformance findings at or above the scenario's
 * expect.conformance.fail_on (default MUST) fail the run like an unmet
 * expectation; its overrides apply to the live checker.  Exit codes:
 * 0 pass, 1 fail, 2 usage/scenario/start-up error, 3 the command timed
 * out or could not start.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "fakes/base/clock.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/store.h"
#include "harness/capture.h"
#include "harness/cmd.h"
#include "harness/conformance/conf.h"
#include "harness/expect.h"
#include "harness/opts.h"
#include "harness/runner.h"
#include "harness/scenario.h"
#include "harness/server.h"
#include "reports/report.h"

#define CMD_RUN_TIMEOUT_MS	30000	/* without --timeout or run.timeout */
#define CMD_RUN_SETTLE_MS	2000	/* sessions open after the command */
#define CMD_RUN_ENV_MAX		16

struct cmd_run {
	const char	*scenario_path;
	const char	*report_path;
	const char	*junit_path;
	uint64_t	 timeout_ms;	/* 0: not given */
	int		 verbose;
	char		**cmd;		/* borrowed argv tail, or NULL */
	struct scenario	*scen;		/* owned */
	char		*env[CMD_RUN_ENV_MAX + 1];	/* owned strings */
	char		**envp;		/* owned array: scenario env + env */
	char		**argv;		/* owned expanded argv */
	struct event_base *base;	/* borrowed from the server */
};

static int	cmd_run_args(struct cmd_run *, int, char **);
static bool	cmd_run_duration(const char *, uint64_t *);
static int	cmd_run_env(struct cmd_run *, struct server *, const char *);
static int	cmd_run_argv(struct cmd_run *);
static void	cmd_run_done(void *);
static int	cmd_run_write(const char *, const struct report *,
		    int (*)(const struct report *, FILE *));
static void	cmd_run_free(struct cmd_run *);
static int	cmd_run_fail_rank(const struct scenario *);
static void	cmd_run_usage(FILE *);

static const struct option cmd_run_long[] = {
	{ "scenario", required_argument, NULL, 's' },
	{ "report", required_argument, NULL, 'r' },
	{ "junit", required_argument, NULL, 'j' },
	{ "timeout", required_argument, NULL, 't' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void
cmd_run_usage(FILE *fp)
{
	fprintf(fp, "usage: mailrig run [-s scenario.yaml] [--report "
	    "out.json] [--junit out.xml]\n"
	    "                   [--timeout 30s] [-v] [-- command args...]\n"
	    "  the command comes after -- or from the scenario's run:\n");
}

int
cmd_run(int argc, char **argv)
{
	struct cmd_run		 cr;
	struct opts		 o;
	struct server		*s = NULL;
	struct runner		*r = NULL;
	struct runner_conf	 rc;
	struct expect_results	 res = { 0 };
	struct expect_client	 ec = { 0 };
	struct scen_expect	 none;
	struct conf_opts	 copts;
	struct report		 rep;
	char			 err[4096], how[128];
	int64_t			 started = clock_wall_ms();
	uint64_t		 t0 = clock_mono_ms();
	size_t			 i;
	int			 rv = CMD_EXIT_USAGE;
	enum runner_status	 st;

	memset(&cr, 0, sizeof(cr));
	memset(&o, 0, sizeof(o));
	if (cmd_run_args(&cr, argc, argv) == -1)
		goto out;
	log_init(cr.verbose >= 2 ? LOG_L_DEBUG : cr.verbose == 1 ?
	    LOG_L_INFO : LOG_L_WARN);
	if (cr.scenario_path != NULL && (cr.scen = scenario_load(
	    cr.scenario_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mailrig run: %s\n", err);
		goto out;
	}
	if (cr.cmd == NULL && (cr.scen == NULL || !cr.scen->run.set)) {
		fprintf(stderr, "mailrig run: no command: give one after -- "
		    "or in the scenario's run:\n");
		cmd_run_usage(stderr);
		goto out;
	}
	/* Free ports by default so that parallel CI jobs never collide. */
	o.bind = "127.0.0.1";
	o.hostname = "localhost";
	o.scenario = cr.scen;
	o.scenario_path = cr.scenario_path;
	if ((s = server_new(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mailrig run: %s\n", err);
		goto out;
	}
	if (cmd_run_env(&cr, s, o.bind) == -1 || cmd_run_argv(&cr) == -1)
		goto out;
	/* The scenario's readings of the RFCs apply to the live checker. */
	if (cr.scen != NULL) {
		copts.ov = cr.scen->expect.overrides;
		copts.nov = cr.scen->expect.noverrides;
		capture_set_conf_opts(server_capture(s), &copts);
	}
	cr.base = server_base(s);
	memset(&rc, 0, sizeof(rc));
	rc.argv = cr.argv;
	rc.env = cr.envp;
	rc.cwd = cr.scen != NULL ? cr.scen->run.cwd : NULL;
	rc.timeout_ms = cr.timeout_ms != 0 ? cr.timeout_ms :
	    cr.scen != NULL && cr.scen->run.timeout_ms != 0 ?
	    cr.scen->run.timeout_ms : CMD_RUN_TIMEOUT_MS;
	rc.echo = cr.verbose > 0;
	r = runner_new(cr.base, &rc, cmd_run_done, &cr);
	/* Also when it did not start: done() comes from the loop. */
	event_base_dispatch(cr.base);
	(void)server_finish(s, CMD_RUN_SETTLE_MS);

	st = runner_status(r);
	ec.ran = true;
	ec.exited = st == RUNNER_EXITED;
	ec.exit_code = runner_exit_code(r);
	if (st == RUNNER_TIMEOUT)
		snprintf(how, sizeof(how), "timed out after %llu ms",
		    (unsigned long long)rc.timeout_ms);
	else if (st == RUNNER_SIGNALED)
		snprintf(how, sizeof(how), "killed by signal %d",
		    runner_signal(r));
	else if (st == RUNNER_NOT_STARTED)
		snprintf(how, sizeof(how), "could not start: %s",
		    runner_error(r));
	else
		snprintf(how, sizeof(how), "exited %d", ec.exit_code);
	ec.how = how;

	report_init(&rep, MAILRIG_VERSION);
	for (i = 0; i < capture_count(server_capture(s)); i++)
		report_add_session(&rep, capture_get(server_capture(s), i));
	for (i = 0; i < store_count(server_store(s)); i++)
		report_add_message(&rep, store_get(server_store(s), i));
	memset(&none, 0, sizeof(none));
	expect_eval(cr.scen != NULL ? &cr.scen->expect : &none,
	    rep.messages, rep.nmessages, rep.sessions, rep.nsessions, &ec,
	    &res);
	rep.scenario_name = cr.scen != NULL ? cr.scen->name : NULL;
	rep.scenario_path = cr.scenario_path;
	rep.started_wall = started;
	rep.expectations = res.v;
	rep.nexpectations = res.n;
	rep.has_command = true;
	rep.command.argv = cr.argv;
	rep.command.status = runner_status_name(st);
	rep.command.exit_code = runner_exit_code(r);
	rep.command.signal = runner_signal(r);
	rep.command.duration_ms = runner_duration_ms(r);
	rep.command.error = runner_error(r);
	rep.command.out = runner_output(r, 1, &rep.command.out_len);
	rep.command.out_bytes = runner_output_bytes(r, 1);
	rep.command.err = runner_output(r, 2, &rep.command.err_len);
	rep.command.err_bytes = runner_output_bytes(r, 2);
	rep.fail_rank = cmd_run_fail_rank(cr.scen);
	rep.passed = expect_results_passed(&res) && st != RUNNER_TIMEOUT &&
	    st != RUNNER_NOT_STARTED && report_conformance_failures(&rep) == 0;
	rep.duration_ms = clock_mono_ms() - t0;

	rv = st == RUNNER_TIMEOUT || st == RUNNER_NOT_STARTED ?
	    CMD_EXIT_CLIENT : rep.passed ? CMD_EXIT_OK : CMD_EXIT_FAIL;
	if (cmd_run_write(cr.report_path, &rep, report_write_json) == -1 ||
	    cmd_run_write(cr.junit_path, &rep, report_write_junit) == -1)
		rv = CMD_EXIT_USAGE;
	(void)report_write_text(&rep, stderr);
	report_fini(&rep);
	expect_results_fini(&res);
out:
	runner_free(r);
	server_free(s);
	cmd_run_free(&cr);
	return rv;
}

static int
cmd_run_args(struct cmd_run *cr, int argc, char **argv)
{
	int	ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:s:vh", cmd_run_long,
	    NULL)) != -1) {
		switch (ch) {
		case 's': cr->scenario_path = optarg; break;
		case 'r': cr->report_path = optarg; break;
		case 'j': cr->junit_path = optarg; break;
		case 't':
			if (!cmd_run_duration(optarg, &cr->timeout_ms) ||
			    cr->timeout_ms == 0) {
				fprintf(stderr, "mailrig run: --timeout: "
				    "'%s' is not a duration such as 500ms, "
				    "30s or 2m\n", optarg);
				return -1;
			}
			break;
		case 'v': cr->verbose++; break;
		case 'h':
			cmd_run_usage(stdout);
			return -1;
		case ':':
			fprintf(stderr, "mailrig run: %s needs an argument\n",
			    argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "mailrig run: unknown option %s\n",
			    argv[optind - 1]);
			cmd_run_usage(stderr);
			return -1;
		}
	}
	if (optind < argc)
		cr->cmd = argv + optind;
	return 0;
}

/* "500ms", "30s", "2m", as in scenarios. */
static bool
cmd_run_duration(const char *s, uint64_t *ms_r)
{
	size_t		 n = strspn(s, "0123456789");
	uint64_t	 v, mul;

	if (strcmp(s + n, "ms") == 0)
		mul = 1;
	else if (strcmp(s + n, "s") == 0)
		mul = 1000;
	else if (strcmp(s + n, "m") == 0)
		mul = 60000;
	else
		return false;
	if (!str_to_u64(s, n, UINT64_C(86400000) / mul, &v))
		return false;
	*ms_r = v * mul;
	return true;
}

/* DESIGN "Command line": the MAILRIG_* variables, after run.env. */
static int
cmd_run_env(struct cmd_run *cr, struct server *s, const char *host)
{
	static const char *const names[OPTS_P__COUNT] = {
		[OPTS_P_SMTP] = "MAILRIG_SMTP_PORT",
		[OPTS_P_SUBMISSION] = "MAILRIG_SUBMISSION_PORT",
		[OPTS_P_SMTPS] = "MAILRIG_SMTPS_PORT",
		[OPTS_P_POP3] = "MAILRIG_POP3_PORT",
		[OPTS_P_POP3S] = "MAILRIG_POP3S_PORT",
		[OPTS_P_IMAP] = "MAILRIG_IMAP_PORT",
		[OPTS_P_IMAPS] = "MAILRIG_IMAPS_PORT",
	};
	size_t	n = 0, k = 0, i;
	int	port;

	cr->env[n++] = xasprintf("MAILRIG_HOST=%s", host);
	for (i = 0; i < OPTS_P__COUNT; i++) {
		port = server_port(s, (enum opts_port)i);
		cr->env[n++] = port < 0 ? xasprintf("%s=", names[i]) :
		    xasprintf("%s=%d", names[i], port);
	}
	cr->env[n++] = xasprintf("MAILRIG_API_URL=%s", server_api_url(s));
	cr->env[n++] = xasprintf("MAILRIG_CA_CERT=%s", server_ca_path(s));
	cr->env[n] = NULL;
	cr->envp = xcalloc(n + (cr->scen != NULL ? cr->scen->run.nenv : 0) +
	    1, sizeof(*cr->envp));
	/* run.env first: runner_envp() lets a later entry win. */
	for (i = 0; cr->scen != NULL && i < cr->scen->run.nenv; i++)
		cr->envp[k++] = cr->scen->run.env[i];
	for (i = 0; i < n; i++)
		cr->envp[k++] = cr->env[i];
	cr->envp[k] = NULL;
	return 0;
}

/* The command line wins over run:; a list is templated, a string goes
   to /bin/sh -c, which expands the same variables itself. */
static int
cmd_run_argv(struct cmd_run *cr)
{
	char	*const *src;
	char	 err[256];
	size_t	 n, i;

	if (cr->cmd == NULL && cr->scen->run.shell != NULL) {
		cr->argv = xcalloc(4, sizeof(*cr->argv));
		cr->argv[0] = xstrdup("/bin/sh");
		cr->argv[1] = xstrdup("-c");
		cr->argv[2] = xstrdup(cr->scen->run.shell);
		return 0;
	}
	src = cr->cmd != NULL ? cr->cmd : cr->scen->run.argv;
	for (n = 0; src[n] != NULL; n++)
		;
	cr->argv = xcalloc(n + 1, sizeof(*cr->argv));
	for (i = 0; i < n; i++) {
		if (cr->cmd != NULL) {
			cr->argv[i] = xstrdup(src[i]);
			continue;
		}
		cr->argv[i] = runner_expand(src[i], cr->envp, err, sizeof(err));
		if (cr->argv[i] == NULL) {
			fprintf(stderr, "mailrig run: %s:%u:%u: %s\n",
			    cr->scenario_path, cr->scen->run.mark.line,
			    cr->scen->run.mark.col, err);
			return -1;
		}
	}
	return 0;
}

/* expect.conformance.fail_on; SECURITY ranks with SHOULD (conf.h). */
static int
cmd_run_fail_rank(const struct scenario *scen)
{
	if (scen == NULL)
		return conf_level_rank(CONF_MUST);
	switch (scen->expect.fail_on) {
	case SCEN_FAIL_MUST:
		return conf_level_rank(CONF_MUST);
	case SCEN_FAIL_SHOULD:
		return conf_level_rank(CONF_SHOULD);
	case SCEN_FAIL_NEVER:
		return 0;
	default:
		fatalx("%s: fail_on %d", __func__, scen->expect.fail_on);
	}
}

static void
cmd_run_done(void *arg)
{
	struct cmd_run	*cr = arg;

	event_base_loopbreak(cr->base);
}

static int
cmd_run_write(const char *path, const struct report *rep,
    int (*fn)(const struct report *, FILE *))
{
	FILE	*fp;
	int	 rv;

	if (path == NULL)
		return 0;
	if ((fp = fopen(path, "w")) == NULL) {
		log_warn("mailrig run: %s", path);
		return -1;
	}
	rv = fn(rep, fp);
	if (fclose(fp) != 0 || rv == -1) {
		log_warn("mailrig run: writing %s", path);
		return -1;
	}
	return 0;
}

static void
cmd_run_free(struct cmd_run *cr)
{
	size_t	i;

	for (i = 0; cr->env[i] != NULL; i++)
		free(cr->env[i]);
	free(cr->envp);
	for (i = 0; cr->argv != NULL && cr->argv[i] != NULL; i++)
		free(cr->argv[i]);
	free(cr->argv);
	scenario_free(cr->scen);
}
