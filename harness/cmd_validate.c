/*
 * cmd_validate.c: `mailrig validate FILE.yaml...`.  Loads each scenario
 * with every check scenario_load() makes (issue 5) and starts nothing.
 * A bad file prints "FILE:LINE:COL: message" on stderr and the exit code
 * is 2 (DESIGN "Command line"); good files print one summary line each
 * unless -q.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fakes/base/defs.h"
#include "harness/cmd.h"
#include "harness/scenario.h"

static void	validate_usage(FILE *);
static void	validate_summary(const struct scenario *);

static void
validate_usage(FILE *fp)
{
	fprintf(fp, "usage: mailrig validate [-q] FILE.yaml...\n"
	    "  -q    print nothing for good files\n"
	    "Exit 0 if every scenario is valid, 2 otherwise.\n");
}

static void
validate_summary(const struct scenario *sc)
{
	size_t	i, nsrv = 0, nmsg = 0, j, k;

	for (i = 0; i < SCEN_SRV__COUNT; i++)
		if (sc->servers[i].enabled)
			nsrv++;
	for (i = 0; i < sc->nusers; i++)
		for (j = 0; j < sc->users[i].nmailboxes; j++)
			for (k = 0; k < sc->users[i].mailboxes[j].nmsgs; k++)
				nmsg++;
	printf("%s: ok: \"%s\", %zu server%s, %zu user%s, %zu fixture "
	    "message%s, %zu rule%s\n", sc->path, sc->name, nsrv,
	    nsrv == 1 ? "" : "s", sc->nusers, sc->nusers == 1 ? "" : "s",
	    nmsg, nmsg == 1 ? "" : "s", sc->nrules,
	    sc->nrules == 1 ? "" : "s");
}

int
cmd_validate(int argc, char **argv)
{
	struct scenario	*sc;
	char		 err[1024];
	bool		 quiet = false;
	int		 ch, rc = CMD_EXIT_OK;

	/* "mailrig COMMAND --help" works for every command. */
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		validate_usage(stdout);
		return CMD_EXIT_OK;
	}
	optind = 1;
	while ((ch = getopt(argc, argv, "qh")) != -1) {
		switch (ch) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			validate_usage(stdout);
			return CMD_EXIT_OK;
		default:
			validate_usage(stderr);
			return CMD_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		validate_usage(stderr);
		return CMD_EXIT_USAGE;
	}
	for (; optind < argc; optind++) {
		if ((sc = scenario_load(argv[optind], err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "%s\n", err);
			rc = CMD_EXIT_USAGE;
			continue;
		}
		if (!quiet)
			validate_summary(sc);
		scenario_free(sc);
	}
	return rc;
}
