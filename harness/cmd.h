/*
 * cmd.h: the subcommands of the mailrig program, one function each, in
 * their own files (cmd_serve.c, ...).  Each takes the arguments after
 * "mailrig" (argv[0] is the subcommand) and returns the process exit code
 * of DESIGN "Command line".
 */
#ifndef MAILRIG_CMD_H
#define MAILRIG_CMD_H

#define MAILRIG_VERSION	"0.1.0"

#define CMD_EXIT_OK	0	/* success, all expectations met */
#define CMD_EXIT_FAIL	1	/* expectations or conformance failed */
#define CMD_EXIT_USAGE	2	/* usage, scenario or start-up error */
#define CMD_EXIT_CLIENT	3	/* the client command timed out or could
				   not start */

int	cmd_serve(int argc, char **argv);
/* cmd_run.c: start the fakes, run a client, judge it, write reports. */
int	cmd_run(int argc, char **argv);
int	cmd_validate(int argc, char **argv);
/* cmd_conf.c: offline conformance check and the rule list. */
int	cmd_check(int argc, char **argv);
int	cmd_rules(int argc, char **argv);

#endif
