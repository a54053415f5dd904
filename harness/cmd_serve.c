/*
 * cmd_serve.c: `mailrig serve`, the long-running catch-all server.
 */
#include <stdio.h>
#include <string.h>

#include "fakes/base/log.h"
#include "harness/capture.h"
#include "harness/cmd.h"
#include "harness/conformance/conf.h"
#include "harness/opts.h"
#include "harness/scenario.h"
#include "harness/server.h"

int
cmd_serve(int argc, char **argv)
{
	struct opts	 o;
	struct server	*s;
	struct scenario	*scen = NULL;
	struct conf_opts copts = { 0 };
	char		 err[4096];

	if (opts_parse_serve(&o, argc, argv, err, sizeof(err)) == -1) {
		fprintf(stderr, "mailrig serve: %s%s", err,
		    err[0] != '\0' && err[strlen(err) - 1] == '\n' ? "" : "\n");
		opts_fini(&o);
		return CMD_EXIT_USAGE;
	}
	log_init(o.verbose >= 2 ? LOG_L_DEBUG : o.verbose == 1 ?
	    LOG_L_INFO : LOG_L_WARN);
	/* The same scenario as `run`, long-lived (issue 5). */
	if (o.scenario_path != NULL) {
		if ((scen = scenario_load(o.scenario_path, err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "mailrig serve: %s\n", err);
			opts_fini(&o);
			return CMD_EXIT_USAGE;
		}
		o.scenario = scen;
	}
	if ((s = server_new(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mailrig serve: %s\n", err);
		scenario_free(scen);
		opts_fini(&o);
		return CMD_EXIT_USAGE;
	}
	/* The scenario's conformance overrides judge live sessions too. */
	if (scen != NULL) {
		copts.ov = scen->expect.overrides;
		copts.nov = scen->expect.noverrides;
		capture_set_conf_opts(server_capture(s), &copts);
	}
	server_print_ports(s, stdout);
	server_run(s);
	server_free(s);
	scenario_free(scen);
	opts_fini(&o);
	return CMD_EXIT_OK;
}
