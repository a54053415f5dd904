/*
 * cmd.h: the subcommands of the mailrig program, one function each, in
 * their own files (cmd_serve.c, ...).  Each takes the arguments after
 * "mailrig" (argv[0] is the subcommand) and returns the process exit code
 * of DESIGN "Command line".
 */
#ifndef MAILRIG_CMD_H
#define MAILRIG_CMD_H

#define CMD_EXIT_OK	0	/* success, all expectations met */
#define CMD_EXIT_FAIL	1	/* expectations or conformance failed */
#define CMD_EXIT_USAGE	2	/* usage, scenario or start-up error */
#define CMD_EXIT_CLIENT	3	/* the client command timed out or could
				   not start */

int	cmd_serve(int argc, char **argv);

#endif
