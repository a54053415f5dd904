/*
 * main.c: the mailrig program.  Looks the subcommand up in one table and
 * runs it; each returns an exit code of DESIGN "Command line" (cmd.h).
 * Adding a subcommand is one row here and one cmd_<name>.c file.
 */
#include <stdio.h>
#include <string.h>

#include "fakes/base/defs.h"
#include "harness/cmd.h"


static int	main_version(int, char **);
static int	main_help(int, char **);

static const struct main_cmd {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*usage;
} main_cmds[] = {
	{ "serve", cmd_serve,
	    "serve [options]          fake mail servers that keep every "
	    "message" },
	{ "check", cmd_check,
	    "check [--json] [--fail-on LEVEL] TRANSCRIPT.json...\n"
	    "                               judge captured sessions against "
	    "the RFCs" },
	{ "rules", cmd_rules,
	    "rules [--json]           the conformance rules" },
	{ "validate", cmd_validate,
	    "validate FILE.yaml...    check scenarios; nothing is started" },
	{ "run", cmd_run,
	    "run [-s FILE] [--report F] [--junit F] [--timeout D] -- CMD...\n"
	    "                               run a client against a "
	    "scenario and judge it" },
	{ "version", main_version,
	    "version                  print the version" },
	{ "help", main_help,
	    "help                     this text" },
};

static void
main_usage(FILE *fp)
{
	size_t	i;

	for (i = 0; i < nitems(main_cmds); i++)
		fprintf(fp, "%s mailrig %s\n", i == 0 ? "usage:" : "      ",
		    main_cmds[i].usage);
	fprintf(fp, "'mailrig COMMAND --help' shows a command's options.\n");
}

static int
main_version(int argc, char **argv)
{
	printf("mailrig %s\n", MAILRIG_VERSION);
	return CMD_EXIT_OK;
}

static int
main_help(int argc, char **argv)
{
	main_usage(stdout);
	return CMD_EXIT_OK;
}

int
main(int argc, char **argv)
{
	size_t	i;
	int	rc;

	if (argc < 2) {
		main_usage(stderr);
		return CMD_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0)
		return main_version(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return main_help(argc - 1, argv + 1);
	for (i = 0; i < nitems(main_cmds); i++) {
		if (strcmp(argv[1], main_cmds[i].name) != 0)
			continue;
		rc = main_cmds[i].fn(argc - 1, argv + 1);
		/* Asked for: the usage a command prints is not an error. */
		if (argc == 3 && (strcmp(argv[2], "--help") == 0 ||
		    strcmp(argv[2], "-h") == 0) && rc == CMD_EXIT_USAGE)
			return CMD_EXIT_OK;
		return rc;
	}
	fprintf(stderr, "mailrig: unknown command '%s'\n", argv[1]);
	main_usage(stderr);
	return CMD_EXIT_USAGE;
}
