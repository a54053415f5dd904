/*
 * runner.h: the client command of `mailrig run`.  Starts it in its own
 * process group with the MAILRIG_* variables in its environment, keeps
 * the head and tail of its stdout and stderr (read on the caller's
 * libevent loop, so the fakes keep serving while it runs), enforces the
 * timeout on the whole group (SIGTERM, then SIGKILL after a grace
 * period) and reports how it ended.
 */
#ifndef MAILRIG_RUNNER_H
#define MAILRIG_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"

struct event_base;
struct runner;

enum runner_status {
	RUNNER_RUNNING,		/* not finished yet */
	RUNNER_EXITED,		/* exit code in runner_exit_code() */
	RUNNER_SIGNALED,	/* killed by a signal it did not get from us */
	RUNNER_TIMEOUT,		/* we stopped it at the timeout */
	RUNNER_NOT_STARTED,	/* fork or exec failed; see runner_error() */
	RUNNER__COUNT
};

struct runner_conf {
	char *const	*argv;		/* borrowed, NULL-terminated, argv[0]
					   looked up in PATH */
	char *const	*env;		/* borrowed "NAME=value" overrides,
					   NULL-terminated, or NULL */
	const char	*cwd;		/* borrowed; NULL: ours */
	uint64_t	 timeout_ms;	/* 0: none */
	uint64_t	 grace_ms;	/* SIGTERM -> SIGKILL; 0: default */
	size_t		 keep;		/* bytes kept at each end of each
					   stream; 0: RUNNER_KEEP_DEFAULT */
	bool		 echo;		/* copy output to our stdout/stderr */
};

#define RUNNER_KEEP_DEFAULT	(64 * 1024)
#define RUNNER_GRACE_DEFAULT	2000

/*
 * Start the command.  The runner borrows base and conf (both must outlive
 * it) and calls done(arg) once from the loop when the command has ended
 * or could not start.  Never NULL: a command that cannot start still
 * yields a runner whose status is RUNNER_NOT_STARTED (done is called from
 * the loop too).
 */
struct runner	*runner_new(struct event_base *, const struct runner_conf *,
		    void (*done)(void *arg), void *arg);
/* Kills a group still running (SIGKILL) and reaps it.  NULL: no-op. */
void		 runner_free(struct runner *);

enum runner_status runner_status(const struct runner *);
/* The exit code for RUNNER_EXITED, else -1. */
int		 runner_exit_code(const struct runner *);
/* The signal for RUNNER_SIGNALED (or what ended it after a timeout). */
int		 runner_signal(const struct runner *);
/* Why it did not start ("exec: No such file or directory"), else NULL. */
const char	*runner_error(const struct runner *);
/* Wall time it ran, in ms. */
uint64_t	 runner_duration_ms(const struct runner *);
/* "exited", "signaled", "timeout", "not-started" or "running". */
const char	*runner_status_name(enum runner_status);

/*
 * What it wrote on stdout (fd 1) or stderr (fd 2): the kept head and tail
 * joined by a marker line when bytes were left out in the middle.  Heap,
 * NUL-terminated (output may hold NULs; *len_r counts every byte);
 * the caller frees.  runner_output_bytes() is the total seen.
 */
char		*runner_output(const struct runner *, int fd, size_t *len_r);
uint64_t	 runner_output_bytes(const struct runner *, int fd);

/*
 * ${NAME} templating (NAME: [A-Za-z_][A-Za-z0-9_]*): the value comes from
 * env ("NAME=value" list, may be NULL) first, then getenv().  Anything
 * else, "$NAME" included, is copied as it is.  Returns a heap string, or
 * NULL with the unknown name copied into err (size bytes).
 */
char		*runner_expand(const char *in, char *const *env, char *err,
		    size_t size) ATTR_WUR;

#endif
