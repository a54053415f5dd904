/*
 * server.c: assemble and run one mailrig server.
 *
 * Owns the event base, the conn environment, the TLS context, the store,
 * the capture and the listeners, and frees them in reverse order.  The
 * capture is installed as the conn layer's hooks and hears about each
 * delivered message through the store observer, so the fakes never call
 * the harness (DESIGN "Layout").
 *
 * Ports: smtp offers STARTTLS with optional AUTH; submission needs
 * STARTTLS and then AUTH before MAIL (RFC 6409 4.3, RFC 3207); smtps,
 * pop3s and imaps are implicit TLS (RFC 8314 3.3); pop3 and imap offer
 * STLS / STARTTLS (RFC 2595).
 */
#include <sys/resource.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "fakes/base/clock.h"
#include "fakes/base/log.h"
#include "fakes/base/xalloc.h"
#include "fakes/conn.h"
#include "fakes/imap.h"
#include "fakes/listen.h"
#include "fakes/pop3.h"
#include "fakes/smtp.h"
#include "fakes/store.h"
#include "fakes/tls.h"
#include "harness/capture.h"
#include "harness/server.h"

/* How long sessions get to say goodbye after a stop signal. */
#define SERVER_STOP_MS		3000
#define SERVER_STOP_POLL_MS	10

struct server {
	const struct opts	*opts;		/* borrowed */
	struct event_base	*base;		/* owned */
	struct conn_env		*env;		/* owned */
	SSL_CTX			*tls;		/* owned */
	char			 ca_path[PATH_MAX];
	char			 ca_tmpdir[PATH_MAX - 16];	/* ours, or "" */
	struct store		*store;		/* owned */
	struct capture		*capture;	/* owned */
	struct sasl_creds	 creds;
	struct smtp_conf	 smtp[3];		/* smtp, submission, smtps */
	struct pop3_conf	 pop3;
	struct imap_conf	 imap;
	struct conn_port	 ports[OPTS_P__COUNT];
	struct listener		*listeners[OPTS_P__COUNT];	/* owned */
	struct event		*sig_int;	/* owned */
	struct event		*sig_term;	/* owned */
	struct event		*stop_timer;	/* owned */
	uint64_t		 stop_deadline;
};

static void	server_raise_nofile(void);
static int	server_tls(struct server *, char *, size_t);
static void	server_conf_smtp(struct server *);
static void	server_conf_mailbox(struct server *);
static int	server_listen(struct server *, char *, size_t);
static const char *server_lookup_user(void *, const char *);
static void	server_delivered(void *, const struct store_msg *);
static void	server_signal_cb(evutil_socket_t, short, void *);
static void	server_stop_cb(evutil_socket_t, short, void *);
static void	server_json_str(FILE *, const char *);

struct server *
server_new(const struct opts *o, char *err, size_t size)
{
	struct server	*s;
	const char	*e;

	server_raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	s = xcalloc(1, sizeof(*s));
	s->opts = o;
	if ((s->base = event_base_new()) == NULL)
		fatalx("server: event_base_new failed");
	s->env = conn_env_new(s->base, o->max_sessions);
	if (server_tls(s, err, size) == -1)
		goto fail;
	if ((s->store = store_new(o->maildir, &e)) == NULL) {
		snprintf(err, size, "--maildir %s: %s", o->maildir, e);
		goto fail;
	}
	if ((s->capture = capture_new(o->capture_dir, &e)) == NULL) {
		snprintf(err, size, "--capture-dir %s: %s", o->capture_dir, e);
		goto fail;
	}
	conn_env_set_hooks(s->env, capture_hooks(s->capture));
	store_set_observer(s->store, server_delivered, s);
	s->creds.accept_any = o->nusers == 0;
	s->creds.lookup = server_lookup_user;
	s->creds.arg = s;
	server_conf_smtp(s);
	server_conf_mailbox(s);
	if (server_listen(s, err, size) == -1)
		goto fail;
	s->sig_int = evsignal_new(s->base, SIGINT, server_signal_cb, s);
	s->sig_term = evsignal_new(s->base, SIGTERM, server_signal_cb, s);
	s->stop_timer = evtimer_new(s->base, server_stop_cb, s);
	if (s->sig_int == NULL || s->sig_term == NULL || s->stop_timer == NULL)
		fatalx("server: cannot make signal events");
	evsignal_add(s->sig_int, NULL);
	evsignal_add(s->sig_term, NULL);
	return s;
fail:
	server_free(s);
	return NULL;
}

void
server_free(struct server *s)
{
	int	i;

	if (s == NULL)
		return;
	/* Sessions borrow their listener's port description. */
	conn_env_free(s->env);
	for (i = 0; i < OPTS_P__COUNT; i++)
		listen_free(s->listeners[i]);
	if (s->sig_int != NULL)
		event_free(s->sig_int);
	if (s->sig_term != NULL)
		event_free(s->sig_term);
	if (s->stop_timer != NULL)
		event_free(s->stop_timer);
	capture_free(s->capture);
	store_free(s->store);
	tls_ctx_free(s->tls);
	if (s->ca_tmpdir[0] != '\0') {
		unlink(s->ca_path);
		rmdir(s->ca_tmpdir);
	}
	event_base_free(s->base);
	free(s);
}

/* 1,000 sessions need 1,000 descriptors: take what the hard limit allows. */
static void
server_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("server: setrlimit NOFILE");
	}
}

static int
server_tls(struct server *s, char *err, size_t size)
{
	const struct opts	*o = s->opts;
	char			 tlserr[512];
	const char		*tmp;

	if (o->cert != NULL) {
		s->tls = tls_ctx_from_files(o->cert, o->key, tlserr,
		    sizeof(tlserr));
		if (s->tls == NULL) {
			snprintf(err, size, "TLS: %s", tlserr);
			return -1;
		}
		return 0;
	}
	if (o->ca_file != NULL)
		snprintf(s->ca_path, sizeof(s->ca_path), "%s", o->ca_file);
	else {
		if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
			tmp = "/tmp";
		snprintf(s->ca_tmpdir, sizeof(s->ca_tmpdir),
		    "%s/mailrig-XXXXXX", tmp);
		if (mkdtemp(s->ca_tmpdir) == NULL) {
			snprintf(err, size, "cannot make a directory for the "
			    "CA in %s: %s", tmp, strerror(errno));
			s->ca_tmpdir[0] = '\0';
			return -1;
		}
		snprintf(s->ca_path, sizeof(s->ca_path), "%s/ca.pem",
		    s->ca_tmpdir);
	}
	s->tls = tls_ctx_generate(s->ca_path, tlserr, sizeof(tlserr));
	if (s->tls == NULL) {
		snprintf(err, size, "TLS: %s", tlserr);
		return -1;
	}
	return 0;
}

static void
server_conf_smtp(struct server *s)
{
	const struct opts	*o = s->opts;
	struct smtp_conf	*c;
	int			 i;

	for (i = OPTS_P_SMTP; i <= OPTS_P_SMTPS; i++) {
		c = &s->smtp[i];
		smtp_conf_defaults(c);
		c->hostname = o->hostname;
		c->creds = &s->creds;
		c->store = s->store;
		if (o->size != 0)
			c->size_max = o->size;
		s->ports[i] = (struct conn_port){
			.proto = &smtp_proto,
			.conf = c,
			.tls = s->tls,
			.implicit_tls = i == OPTS_P_SMTPS,
			.name = opts_port_name((enum opts_port)i),
			.idle_sec = o->idle_timeout,
		};
	}
	s->smtp[OPTS_P_SUBMISSION].tls_required = true;
	s->smtp[OPTS_P_SUBMISSION].auth = SMTP_AUTH_AFTER_TLS;
}

static void
server_conf_mailbox(struct server *s)
{
	const struct opts	*o = s->opts;
	int			 i;

	pop3_conf_defaults(&s->pop3);
	s->pop3.hostname = o->hostname;
	s->pop3.creds = &s->creds;
	s->pop3.store = s->store;
	imap_conf_defaults(&s->imap);
	s->imap.hostname = o->hostname;
	s->imap.creds = &s->creds;
	s->imap.store = s->store;
	for (i = OPTS_P_POP3; i <= OPTS_P_IMAPS; i++) {
		s->ports[i] = (struct conn_port){
			.proto = i <= OPTS_P_POP3S ? &pop3_proto : &imap_proto,
			.conf = i <= OPTS_P_POP3S ? (const void *)&s->pop3 :
			    (const void *)&s->imap,
			.tls = s->tls,
			.implicit_tls = i == OPTS_P_POP3S || i == OPTS_P_IMAPS,
			.name = opts_port_name((enum opts_port)i),
			.idle_sec = o->idle_timeout,
		};
	}
}

static int
server_listen(struct server *s, char *err, size_t size)
{
	const char	*e;
	int		 i;

	for (i = 0; i < OPTS_P__COUNT; i++) {
		if (s->opts->ports[i] < 0)
			continue;
		s->listeners[i] = listen_new(s->env, s->opts->bind,
		    s->opts->ports[i], &s->ports[i], &e);
		if (s->listeners[i] == NULL) {
			snprintf(err, size, "%s", e);
			return -1;
		}
	}
	return 0;
}

static const char *
server_lookup_user(void *arg, const char *user)
{
	const struct server	*s = arg;
	size_t			 i;

	for (i = 0; i < s->opts->nusers; i++)
		if (strcmp(s->opts->users[i].name, user) == 0)
			return s->opts->users[i].password;
	return NULL;
}

static void
server_delivered(void *arg, const struct store_msg *m)
{
	struct server	*s = arg;

	capture_note_message(s->capture, m);
}

static void
server_json_str(FILE *fp, const char *p)
{
	fputc('"', fp);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			fprintf(fp, "\\u%04x", (unsigned char)*p);
		else
			fputc(*p, fp);
	}
	fputc('"', fp);
}

void
server_print_ports(const struct server *s, FILE *fp)
{
	int	i;

	fputs("{\"host\":", fp);
	server_json_str(fp, s->opts->bind);
	for (i = 0; i < OPTS_P__COUNT; i++)
		if (s->listeners[i] != NULL)
			fprintf(fp, ",\"%s\":%d",
			    opts_port_name((enum opts_port)i),
			    listen_port(s->listeners[i]));
	if (s->ca_path[0] != '\0') {
		fputs(",\"ca_cert\":", fp);
		server_json_str(fp, s->ca_path);
	}
	fputs("}\n", fp);
	fflush(fp);
}

void
server_run(struct server *s)
{
	event_base_dispatch(s->base);
}

/* Stop accepting, ask every session to say goodbye, wait (bounded). */
static void
server_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server	*s = arg;
	struct timeval	 tv = { .tv_usec = SERVER_STOP_POLL_MS * 1000 };
	int		 i;

	if (s->stop_deadline != 0) {
		event_base_loopbreak(s->base);	/* second signal: now */
		return;
	}
	log_info("server: signal %d, stopping", (int)sig);
	for (i = 0; i < OPTS_P__COUNT; i++)
		listen_stop(s->listeners[i]);
	s->stop_deadline = clock_mono_ms() + SERVER_STOP_MS;
	conn_env_shutdown(s->env);
	evtimer_add(s->stop_timer, &tv);
}

static void
server_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	struct timeval	 tv = { .tv_usec = SERVER_STOP_POLL_MS * 1000 };

	if (conn_env_sessions(s->env) == 0 ||
	    clock_mono_ms() >= s->stop_deadline) {
		event_base_loopbreak(s->base);
		return;
	}
	evtimer_add(s->stop_timer, &tv);
}
