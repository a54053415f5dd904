/*
 * main.c: the mailrig program.  Dispatches the subcommand and maps every
 * outcome to the exit codes of DESIGN "Command line": 0 success, 1 a
 * failed check, 2 usage or start-up error, 3 the client command failed to
 * start or timed out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakes/base/log.h"
#include "harness/opts.h"
#include "harness/server.h"

#define MAILRIG_VERSION	"0.1.0"

#define EXIT_USAGE	2

static int	main_serve(int, char **);
static void	main_usage(FILE *);

static void
main_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailrig serve [options]   fake SMTP server that keeps "
	    "every message\n"
	    "       mailrig version\n"
	    "       mailrig serve --help      the options\n");
}

static int
main_serve(int argc, char **argv)
{
	struct opts	 o;
	struct server	*s;
	char		 err[4096];

	if (opts_parse_serve(&o, argc, argv, err, sizeof(err)) == -1) {
		fprintf(stderr, "mailrig serve: %s%s", err,
		    err[strlen(err) - 1] == '\n' ? "" : "\n");
		opts_fini(&o);
		return EXIT_USAGE;
	}
	log_init(o.verbose >= 2 ? LOG_L_DEBUG : o.verbose == 1 ?
	    LOG_L_INFO : LOG_L_WARN);
	if ((s = server_new(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mailrig serve: %s\n", err);
		opts_fini(&o);
		return EXIT_USAGE;
	}
	server_print_ports(s, stdout);
	server_run(s);
	server_free(s);
	opts_fini(&o);
	return EXIT_SUCCESS;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "serve") == 0)
		return main_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		printf("mailrig %s\n", MAILRIG_VERSION);
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		main_usage(stdout);
		return EXIT_SUCCESS;
	}
	fprintf(stderr, "mailrig: unknown command '%s'\n", argv[1]);
	main_usage(stderr);
	return EXIT_USAGE;
}
