/*
 * runner.c: the client command under `mailrig run`.
 *
 * Owns the child's process group, the pipes of its stdout and stderr and
 * the events that read them, the timeout and grace timers and the SIGCHLD
 * event.  The child leads its own process group (setpgid on both sides of
 * fork, so neither can lose the race), so a timeout reaches every process
 * it started: SIGTERM first, SIGKILL after the grace period.  Output is
 * read without blocking on the caller's loop and kept as a bounded head
 * and tail, so a chatty client neither stalls the fakes nor fills memory.
 * An exec failure travels back over a close-on-exec pipe, which is how
 * "could not start" is told apart from "exited 127".
 *
 * It does not judge the exit code; expect.c does.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "fakes/base/buf.h"
#include "fakes/base/clock.h"
#include "fakes/base/log.h"
#include "fakes/base/xalloc.h"
#include "harness/runner.h"

#define RUNNER_READ_CHUNK	16384
#define RUNNER_EXPAND_MAX	(128 * 1024)
#define RUNNER_NAME_MAX		128

extern char **environ;

struct runner_stream {
	int		 fd;		/* owned read end, -1 when closed */
	int		 echo_fd;	/* ours: 1 or 2, -1 for none */
	struct event	*ev;		/* owned */
	struct buf	 head;		/* owned; first keep bytes */
	char		*tail;		/* owned ring of keep bytes */
	size_t		 tail_len;	/* bytes used in the ring */
	size_t		 tail_pos;	/* next write position */
	size_t		 keep;
	uint64_t	 total;
};

struct runner {
	struct event_base *base;	/* borrowed */
	const struct runner_conf *conf;	/* borrowed */
	void		(*done)(void *);
	void		*arg;
	pid_t		 pid;		/* 0: never started */
	bool		 reaped;
	bool		 timed_out;
	bool		 finished;
	enum runner_status status;
	int		 exit_code;
	int		 sig;
	char		 error[256];
	uint64_t	 started;
	uint64_t	 ended;
	struct runner_stream out[2];	/* stdout, stderr */
	struct event	*sigchld;	/* owned */
	struct event	*timeout;	/* owned */
	struct event	*grace;		/* owned */
	struct event	*finish;	/* owned; runs done() from the loop */
};

static char	**runner_envp(char *const *);
static bool	 runner_env_overridden(const char *, char *const *);
static void	 runner_spawn(struct runner *);
static void	 runner_child(struct runner *, int, int, int,
		    char **) ATTR_NORETURN;
static void	 runner_stream_init(struct runner_stream *, int, int, size_t);
static void	 runner_stream_fini(struct runner_stream *);
static void	 runner_stream_keep(struct runner_stream *, const char *,
		    size_t);
static void	 runner_stream_drain(struct runner_stream *);
static void	 runner_read_cb(evutil_socket_t, short, void *);
static void	 runner_sigchld_cb(evutil_socket_t, short, void *);
static void	 runner_timeout_cb(evutil_socket_t, short, void *);
static void	 runner_grace_cb(evutil_socket_t, short, void *);
static void	 runner_finish_cb(evutil_socket_t, short, void *);
static void	 runner_reaped(struct runner *, int);
static const char *runner_lookup(const char *, size_t, char *const *);

static const char *const runner_status_names[] = {
	[RUNNER_RUNNING] = "running",
	[RUNNER_EXITED] = "exited",
	[RUNNER_SIGNALED] = "signaled",
	[RUNNER_TIMEOUT] = "timeout",
	[RUNNER_NOT_STARTED] = "not-started",
};
_Static_assert(nitems(runner_status_names) == RUNNER__COUNT,
    "runner_status_names out of sync with enum runner_status");

struct runner *
runner_new(struct event_base *base, const struct runner_conf *conf,
    void (*done)(void *), void *arg)
{
	struct runner	*r;
	size_t		 keep;

	r = xcalloc(1, sizeof(*r));
	r->base = base;
	r->conf = conf;
	r->done = done;
	r->arg = arg;
	r->status = RUNNER_RUNNING;
	r->exit_code = -1;
	keep = conf->keep != 0 ? conf->keep : RUNNER_KEEP_DEFAULT;
	runner_stream_init(&r->out[0], conf->echo ? STDOUT_FILENO : -1,
	    -1, keep);
	runner_stream_init(&r->out[1], conf->echo ? STDERR_FILENO : -1,
	    -1, keep);
	r->sigchld = evsignal_new(base, SIGCHLD, runner_sigchld_cb, r);
	r->timeout = evtimer_new(base, runner_timeout_cb, r);
	r->grace = evtimer_new(base, runner_grace_cb, r);
	r->finish = evtimer_new(base, runner_finish_cb, r);
	if (r->sigchld == NULL || r->timeout == NULL || r->grace == NULL ||
	    r->finish == NULL)
		fatalx("%s: cannot make events", __func__);
	r->started = clock_mono_ms();
	runner_spawn(r);
	return r;
}

void
runner_free(struct runner *r)
{
	int	st;

	if (r == NULL)
		return;
	if (r->pid > 0 && !r->reaped) {
		(void)kill(-r->pid, SIGKILL);
		while (waitpid(r->pid, &st, 0) == -1 && errno == EINTR)
			;
	}
	runner_stream_fini(&r->out[0]);
	runner_stream_fini(&r->out[1]);
	event_free(r->sigchld);
	event_free(r->timeout);
	event_free(r->grace);
	event_free(r->finish);
	free(r);
}

enum runner_status
runner_status(const struct runner *r)
{
	return r->status;
}

int
runner_exit_code(const struct runner *r)
{
	return r->status == RUNNER_EXITED ? r->exit_code : -1;
}

int
runner_signal(const struct runner *r)
{
	return r->sig;
}

const char *
runner_error(const struct runner *r)
{
	return r->status == RUNNER_NOT_STARTED ? r->error : NULL;
}

uint64_t
runner_duration_ms(const struct runner *r)
{
	return (r->finished ? r->ended : clock_mono_ms()) - r->started;
}

const char *
runner_status_name(enum runner_status st)
{
	if ((size_t)st >= nitems(runner_status_names))
		fatalx("%s: status %d", __func__, (int)st);
	return runner_status_names[st];
}

uint64_t
runner_output_bytes(const struct runner *r, int fd)
{
	if (fd != 1 && fd != 2)
		fatalx("%s: fd %d", __func__, fd);
	return r->out[fd - 1].total;
}

char *
runner_output(const struct runner *r, int fd, size_t *len_r)
{
	const struct runner_stream *s;
	struct buf	 b;
	uint64_t	 skipped;
	size_t		 first;
	char		*p;

	if (fd != 1 && fd != 2)
		fatalx("%s: fd %d", __func__, fd);
	s = &r->out[fd - 1];
	buf_init(&b, 2 * s->keep + 128);
	if (buf_append(&b, s->head.p, s->head.len) == -1)
		fatalx("%s: append", __func__);
	skipped = s->total - s->head.len - s->tail_len;
	if (skipped > 0 && buf_appendf(&b, "\n[mailrig: %llu bytes left "
	    "out]\n", (unsigned long long)skipped) == -1)
		fatalx("%s: append", __func__);
	/* The ring is full whenever it wrapped, so the oldest byte is at pos. */
	first = s->tail_len == s->keep ? s->tail_pos : 0;
	if (buf_append(&b, s->tail + first, s->tail_len - first) == -1 ||
	    buf_append(&b, s->tail, first) == -1)
		fatalx("%s: append", __func__);
	p = buf_steal(&b, len_r);
	if (p == NULL)
		p = xstrdup("");
	return p;
}

/* --- start --- */

static bool
runner_env_overridden(const char *entry, char *const *env)
{
	const char	*eq;
	size_t		 n, i;

	if (env == NULL || (eq = strchr(entry, '=')) == NULL)
		return false;
	n = (size_t)(eq - entry) + 1;
	for (i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], entry, n) == 0)
			return true;
	return false;
}

/* Our environment with the overrides replacing same-named entries. */
static char **
runner_envp(char *const *env)
{
	char	**envp;
	size_t	  n = 0, k = 0, i;

	for (i = 0; environ[i] != NULL; i++)
		n++;
	for (i = 0; env != NULL && env[i] != NULL; i++)
		n++;
	envp = xcalloc(n + 1, sizeof(*envp));
	for (i = 0; environ[i] != NULL; i++)
		if (!runner_env_overridden(environ[i], env))
			envp[k++] = environ[i];
	for (i = 0; env != NULL && env[i] != NULL; i++)
		envp[k++] = env[i];
	envp[k] = NULL;
	return envp;
}

static void
runner_spawn(struct runner *r)
{
	int		 po[2], pe[2], px[2], err = 0;
	char		**envp;
	ssize_t		 n;
	struct timeval	 tv;

	if (r->conf->argv == NULL || r->conf->argv[0] == NULL) {
		snprintf(r->error, sizeof(r->error), "no command");
		goto fail;
	}
	if (pipe2(po, O_CLOEXEC) == -1)
		goto fail_errno;
	if (pipe2(pe, O_CLOEXEC) == -1) {
		close(po[0]);
		close(po[1]);
		goto fail_errno;
	}
	if (pipe2(px, O_CLOEXEC) == -1) {
		close(po[0]);
		close(po[1]);
		close(pe[0]);
		close(pe[1]);
		goto fail_errno;
	}
	envp = runner_envp(r->conf->env);
	/* Before fork: a child that exits at once must not be missed. */
	evsignal_add(r->sigchld, NULL);
	r->pid = fork();
	if (r->pid == 0)
		runner_child(r, po[1], pe[1], px[1], envp);
	free(envp);
	close(po[1]);
	close(pe[1]);
	close(px[1]);
	if (r->pid == -1) {
		err = errno;
		r->pid = 0;
		close(po[0]);
		close(pe[0]);
		close(px[0]);
		snprintf(r->error, sizeof(r->error), "fork: %s",
		    strerror(err));
		goto fail;
	}
	(void)setpgid(r->pid, r->pid);
	while ((n = read(px[0], &err, sizeof(err))) == -1 && errno == EINTR)
		;
	close(px[0]);
	r->out[0].fd = po[0];
	r->out[1].fd = pe[0];
	r->out[0].ev = event_new(r->base, po[0], EV_READ | EV_PERSIST,
	    runner_read_cb, &r->out[0]);
	r->out[1].ev = event_new(r->base, pe[0], EV_READ | EV_PERSIST,
	    runner_read_cb, &r->out[1]);
	if (r->out[0].ev == NULL || r->out[1].ev == NULL)
		fatalx("%s: cannot make events", __func__);
	(void)fcntl(po[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(pe[0], F_SETFL, O_NONBLOCK);
	if (n == (ssize_t)sizeof(err)) {
		/* exec failed; the child is gone or about to be. */
		snprintf(r->error, sizeof(r->error), "%s: %s",
		    r->conf->argv[0], strerror(err));
		r->status = RUNNER_NOT_STARTED;
		return;
	}
	event_add(r->out[0].ev, NULL);
	event_add(r->out[1].ev, NULL);
	if (r->conf->timeout_ms != 0) {
		tv.tv_sec = (time_t)(r->conf->timeout_ms / 1000);
		tv.tv_usec = (suseconds_t)(r->conf->timeout_ms % 1000) * 1000;
		evtimer_add(r->timeout, &tv);
	}
	return;
fail_errno:
	snprintf(r->error, sizeof(r->error), "pipe: %s", strerror(errno));
fail:
	r->status = RUNNER_NOT_STARTED;
	r->finished = true;
	r->ended = clock_mono_ms();
	event_active(r->finish, EV_TIMEOUT, 0);
}

static void
runner_child(struct runner *r, int out, int errfd, int report, char **envp)
{
	const struct runner_conf *c = r->conf;
	int	 e, devnull;

	(void)setpgid(0, 0);
	/* The fakes ignore SIGPIPE; exec would pass that on to the client. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	if ((devnull = open("/dev/null", O_RDONLY)) != -1) {
		(void)dup2(devnull, STDIN_FILENO);
		if (devnull != STDIN_FILENO)
			close(devnull);
	}
	if (dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(errfd, STDERR_FILENO) == -1)
		goto fail;
	if (c->cwd != NULL && chdir(c->cwd) == -1)
		goto fail;
	execvpe(c->argv[0], c->argv, envp);
fail:
	e = errno;
	(void)write(report, &e, sizeof(e));
	_exit(127);
}

/* --- output --- */

static void
runner_stream_init(struct runner_stream *s, int echo_fd, int fd, size_t keep)
{
	s->fd = fd;
	s->echo_fd = echo_fd;
	s->keep = keep;
	buf_init(&s->head, keep);
	s->tail = xmalloc(keep);
}

static void
runner_stream_fini(struct runner_stream *s)
{
	if (s->ev != NULL)
		event_free(s->ev);
	s->ev = NULL;
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	buf_fini(&s->head);
	free(s->tail);
	s->tail = NULL;
}

static void
runner_stream_keep(struct runner_stream *s, const char *p, size_t n)
{
	size_t	room, k;

	s->total += n;
	room = s->keep - s->head.len;
	if (room > 0) {
		k = MIN(room, n);
		if (buf_append(&s->head, p, k) == -1)
			fatalx("%s: head", __func__);
		p += k;
		n -= k;
	}
	if (n > s->keep) {
		p += n - s->keep;
		n = s->keep;
	}
	while (n > 0) {
		k = MIN(n, s->keep - s->tail_pos);
		memcpy(s->tail + s->tail_pos, p, k);
		s->tail_pos = (s->tail_pos + k) % s->keep;
		s->tail_len = MIN(s->keep, s->tail_len + k);
		p += k;
		n -= k;
	}
}

/* Read what is there now; close at end of file. */
static void
runner_stream_drain(struct runner_stream *s)
{
	char	 chunk[RUNNER_READ_CHUNK];
	ssize_t	 n;

	while (s->fd != -1) {
		n = read(s->fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			event_del(s->ev);
			close(s->fd);
			s->fd = -1;
			return;
		}
		if (s->echo_fd != -1)
			(void)write(s->echo_fd, chunk, (size_t)n);
		runner_stream_keep(s, chunk, (size_t)n);
	}
}

static void
runner_read_cb(evutil_socket_t fd, short what, void *arg)
{
	runner_stream_drain(arg);
}

/* --- end --- */

static void
runner_sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct runner	*r = arg;
	pid_t		 p;
	int		 st;

	if (r->pid <= 0 || r->reaped)
		return;
	while ((p = waitpid(r->pid, &st, WNOHANG)) == -1 && errno == EINTR)
		;
	if (p == r->pid)
		runner_reaped(r, st);
}

static void
runner_reaped(struct runner *r, int st)
{
	r->reaped = true;
	r->ended = clock_mono_ms();
	/*
	 * What the leader left behind still holds our pipes and may hold the
	 * fakes' ports: a CI run must not leak processes into the next job.
	 */
	(void)kill(-r->pid, r->timed_out ? SIGKILL : SIGTERM);
	if (r->status == RUNNER_NOT_STARTED) {
		/* The exec error was read already. */
	} else if (r->timed_out) {
		r->status = RUNNER_TIMEOUT;
		r->sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	} else if (WIFEXITED(st)) {
		r->status = RUNNER_EXITED;
		r->exit_code = WEXITSTATUS(st);
	} else {
		r->status = RUNNER_SIGNALED;
		r->sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	}
	runner_stream_drain(&r->out[0]);
	runner_stream_drain(&r->out[1]);
	evtimer_del(r->timeout);
	evtimer_del(r->grace);
	evsignal_del(r->sigchld);
	r->finished = true;
	event_active(r->finish, EV_TIMEOUT, 0);
}

static void
runner_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct runner	*r = arg;
	uint64_t	 g;
	struct timeval	 tv;

	if (r->reaped)
		return;
	log_info("runner: timeout after %llu ms, stopping pgid=%d",
	    (unsigned long long)r->conf->timeout_ms, (int)r->pid);
	r->timed_out = true;
	(void)kill(-r->pid, SIGTERM);
	g = r->conf->grace_ms != 0 ? r->conf->grace_ms : RUNNER_GRACE_DEFAULT;
	tv.tv_sec = (time_t)(g / 1000);
	tv.tv_usec = (suseconds_t)(g % 1000) * 1000;
	evtimer_add(r->grace, &tv);
}

static void
runner_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct runner	*r = arg;

	if (!r->reaped)
		(void)kill(-r->pid, SIGKILL);
}

static void
runner_finish_cb(evutil_socket_t fd, short what, void *arg)
{
	struct runner	*r = arg;

	if (r->done != NULL)
		r->done(r->arg);
}

/* --- templating --- */

static const char *
runner_lookup(const char *name, size_t n, char *const *env)
{
	char	key[RUNNER_NAME_MAX + 1];
	size_t	i;

	for (i = 0; env != NULL && env[i] != NULL; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	if (n > RUNNER_NAME_MAX)
		return NULL;
	memcpy(key, name, n);
	key[n] = '\0';
	return getenv(key);
}

char *
runner_expand(const char *in, char *const *env, char *err, size_t size)
{
	struct buf	 b;
	const char	*p = in, *name, *val;
	size_t		 n;
	char		*out;

	buf_init(&b, RUNNER_EXPAND_MAX);
	while (*p != '\0') {
		name = p + 2;
		n = 0;
		if (p[0] == '$' && p[1] == '{' && (*name == '_' ||
		    (*name >= 'A' && *name <= 'Z') ||
		    (*name >= 'a' && *name <= 'z'))) {
			while (name[n] == '_' || (name[n] >= 'A' &&
			    name[n] <= 'Z') || (name[n] >= 'a' &&
			    name[n] <= 'z') || (name[n] >= '0' &&
			    name[n] <= '9'))
				n++;
		}
		if (n == 0 || name[n] != '}') {
			if (buf_appendc(&b, *p) == -1)
				goto toolong;
			p++;
			continue;
		}
		if ((val = runner_lookup(name, n, env)) == NULL) {
			snprintf(err, size, "${%.*s} is not set",
			    (int)MIN(n, RUNNER_NAME_MAX), name);
			buf_fini(&b);
			return NULL;
		}
		if (buf_append(&b, val, strlen(val)) == -1)
			goto toolong;
		p = name + n + 1;
	}
	if ((out = buf_steal(&b, NULL)) == NULL)
		out = xstrdup("");
	return out;
toolong:
	snprintf(err, size, "argument longer than %d bytes after templating",
	    RUNNER_EXPAND_MAX);
	buf_fini(&b);
	return NULL;
}
