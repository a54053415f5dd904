/*
 * server.c: assemble and run one mailrig server.
 *
 * Owns the event base, the conn environment, the TLS context, the store,
 * the capture and the listeners, and frees them in reverse order.  The
 * capture is installed as the conn layer's hooks and hears about each
 * delivered message through the store observer, so the fakes never call
 * the harness (DESIGN "Layout").
 *
 * The HTTP API (harness/api.c) hears about the same deliveries and about
 * each session's end, by wrapping the capture's close hook.
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
#include "harness/api.h"
#include "harness/capture.h"
#include "harness/rules.h"
#include "harness/scenario.h"
#include "harness/script.h"
#include "harness/server.h"
#include "harness/web_assets.h"

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
	struct api		*api;		/* owned; NULL: HTTP off */
	char			 api_url[128];	/* "" when HTTP is off */
	struct rules		*rules;		/* owned; NULL: no scenario */
	struct conn_hooks	 hooks;		/* capture's, plus the rules */
	struct sasl_creds	 creds;
	struct smtp_conf	 smtp[3];		/* smtp, submission, smtps */
	struct pop3_conf	 pop3[2];	/* pop3, pop3s */
	struct imap_conf	 imap[2];	/* imap, imaps */
	int			 listen_ports[OPTS_P__COUNT];	/* -1 off */
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
static void	server_scen_servers(struct server *);
static void	server_scen_script(struct server *, int);
static void	server_scen_smtp(struct smtp_conf *,
		    const struct scen_server_conf *);
static unsigned	server_scen_bits(const struct scen_server_conf *,
		    enum scen_proto);
static int	server_scen_fixtures(struct server *, char *, size_t);
static int	server_scen_msg(struct store_box *, const struct scen_msg *,
		    char *, size_t);
static void	server_finish_cb(evutil_socket_t, short, void *);
static const char *server_lookup_user(void *, const char *);
static void	server_delivered(void *, const struct store_msg *);
static int	server_api(struct server *, char *, size_t);
static void	server_open_cb(void *, struct conn *);
static void	server_io_cb(void *, struct conn *, enum conn_dir,
		    const char *, size_t, unsigned);
static void	server_event_cb(void *, struct conn *, const char *,
		    const char *);
static void	server_close_cb(void *, struct conn *, const char *);
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
	capture_set_checking(s->capture, !o->no_check);
	/* The capture sees every byte; the rules answer conn_ask(). */
	s->hooks = (struct conn_hooks){
		.on_open = server_open_cb,
		.on_io = server_io_cb,
		.on_event = server_event_cb,
		.on_close = server_close_cb,
		.arg = s,
	};
	if (o->scenario != NULL && o->scenario->nrules > 0) {
		s->rules = rules_new(o->scenario);
		s->hooks.on_ask = rules_ask;
		s->hooks.ask_arg = s->rules;
	}
	conn_env_set_hooks(s->env, &s->hooks);
	store_set_observer(s->store, server_delivered, s);
	s->creds.accept_any = o->nusers == 0 && (o->scenario == NULL ||
	    !o->scenario->users_set);
	s->creds.lookup = server_lookup_user;
	s->creds.arg = s;
	memcpy(s->listen_ports, o->ports, sizeof(s->listen_ports));
	server_conf_smtp(s);
	server_conf_mailbox(s);
	if (o->scenario != NULL) {
		server_scen_servers(s);
		if (server_scen_fixtures(s, err, size) == -1)
			goto fail;
	}
	if (server_listen(s, err, size) == -1 || server_api(s, err, size) == -1)
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
	/*
	 * Sessions first: their close hook tells the capture and the API
	 * (which must still be there), and they borrow their listener's
	 * port description.  The API's parked requests hold views of the
	 * store, which outlives both.
	 */
	conn_env_free(s->env);
	s->env = NULL;
	api_free(s->api);
	s->api = NULL;
	for (i = 0; i < OPTS_P__COUNT; i++)
		listen_free(s->listeners[i]);
	if (s->sig_int != NULL)
		event_free(s->sig_int);
	if (s->sig_term != NULL)
		event_free(s->sig_term);
	if (s->stop_timer != NULL)
		event_free(s->stop_timer);
	capture_free(s->capture);
	rules_free(s->rules);
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

	for (i = 0; i < 2; i++) {
		pop3_conf_defaults(&s->pop3[i]);
		s->pop3[i].hostname = o->hostname;
		s->pop3[i].creds = &s->creds;
		s->pop3[i].store = s->store;
		imap_conf_defaults(&s->imap[i]);
		s->imap[i].hostname = o->hostname;
		s->imap[i].creds = &s->creds;
		s->imap[i].store = s->store;
	}
	for (i = OPTS_P_POP3; i <= OPTS_P_IMAPS; i++) {
		s->ports[i] = (struct conn_port){
			.proto = i <= OPTS_P_POP3S ? &pop3_proto : &imap_proto,
			.conf = i <= OPTS_P_POP3S ?
			    (const void *)&s->pop3[i - OPTS_P_POP3] :
			    (const void *)&s->imap[i - OPTS_P_IMAP],
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
		if (s->listen_ports[i] < 0)
			continue;
		s->listeners[i] = listen_new(s->env, s->opts->bind,
		    s->listen_ports[i], &s->ports[i], &e);
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
	const struct scen_user	*u;
	size_t			 i;

	if (s->opts->scenario != NULL && s->opts->scenario->users_set) {
		u = scenario_user_find(s->opts->scenario, user);
		if (u == NULL)
			return NULL;
		return u->password != NULL ? u->password : sasl_any_password;
	}
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
	if (s->api != NULL)
		api_note_message(s->api, m);
}

static int
server_api(struct server *s, char *err, size_t size)
{
	struct api_conf	 c = {
		.base = s->base,
		.bind = s->opts->bind,
		.port = s->opts->http_port,
		.token = s->opts->api_token,
		.store = s->store,
		.capture = s->capture,
		.scenario = s->opts->scenario,
	};
	const char	*fmt;

	if (s->opts->http_port < 0)
		return 0;
	if ((s->api = api_new(&c, err, size)) == NULL)
		return -1;
	api_set_fallback(s->api, web_assets_serve, NULL);
	/* RFC 3986 3.2.2: an IPv6 literal goes in brackets. */
	fmt = strchr(s->opts->bind, ':') != NULL ? "http://[%s]:%d" :
	    "http://%s:%d";
	snprintf(s->api_url, sizeof(s->api_url), fmt, s->opts->bind,
	    api_port(s->api));
	return 0;
}

/* The capture's hooks, and the API told when a session ended. */
static void
server_open_cb(void *arg, struct conn *c)
{
	struct server		*s = arg;
	const struct conn_hooks	*h = capture_hooks(s->capture);

	h->on_open(h->arg, c);
}

static void
server_io_cb(void *arg, struct conn *c, enum conn_dir dir, const char *p,
    size_t len, unsigned flags)
{
	struct server		*s = arg;
	const struct conn_hooks	*h = capture_hooks(s->capture);

	h->on_io(h->arg, c, dir, p, len, flags);
}

static void
server_event_cb(void *arg, struct conn *c, const char *name,
    const char *detail)
{
	struct server		*s = arg;
	const struct conn_hooks	*h = capture_hooks(s->capture);

	h->on_event(h->arg, c, name, detail);
}

static void
server_close_cb(void *arg, struct conn *c, const char *reason)
{
	struct server		*s = arg;
	const struct conn_hooks	*h = capture_hooks(s->capture);

	h->on_close(h->arg, c, reason);
	if (s->api != NULL)
		api_note_session(s->api, conn_id(c));
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
	if (s->api != NULL)
		fprintf(fp, ",\"http\":%d", api_port(s->api));
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

/* --- a scenario's servers, users and fixtures (issue 5 "servers:") --- */

/* What each capability keyword turns on, per protocol; 0: nothing. */
static const struct {
	unsigned	 bit[SCEN_P__COUNT];
} server_scen_caps[SCEN_CAP__COUNT] = {
	[SCEN_CAP_SIZE] = { .bit = { [SCEN_P_SMTP] = SMTP_EXT_SIZE } },
	[SCEN_CAP_PIPELINING] = { .bit = { [SCEN_P_SMTP] =
	    SMTP_EXT_PIPELINING, [SCEN_P_POP3] = POP3_CAPA_PIPELINING } },
	[SCEN_CAP_8BITMIME] = { .bit = { [SCEN_P_SMTP] = SMTP_EXT_8BITMIME } },
	[SCEN_CAP_SMTPUTF8] = { .bit = { [SCEN_P_SMTP] = SMTP_EXT_SMTPUTF8 } },
	[SCEN_CAP_ENHANCEDSTATUSCODES] = { .bit = { [SCEN_P_SMTP] =
	    SMTP_EXT_ENHANCED } },
	[SCEN_CAP_STARTTLS] = { .bit = { [SCEN_P_SMTP] = SMTP_EXT_STARTTLS,
	    [SCEN_P_IMAP] = IMAP_CAP_STARTTLS } },
	[SCEN_CAP_AUTH] = { .bit = { [SCEN_P_SMTP] = SMTP_EXT_AUTH,
	    [SCEN_P_IMAP] = IMAP_CAP_AUTH } },
	[SCEN_CAP_CHUNKING] = { .bit = { [SCEN_P_SMTP] = SMTP_EXT_CHUNKING } },
	[SCEN_CAP_BINARYMIME] = { .bit = { [SCEN_P_SMTP] =
	    SMTP_EXT_BINARYMIME } },
	[SCEN_CAP_DSN] = { .bit = { [SCEN_P_SMTP] = SMTP_EXT_DSN } },
	[SCEN_CAP_HELP] = { .bit = { [SCEN_P_SMTP] = SMTP_EXT_HELP } },
	[SCEN_CAP_VRFY] = { .bit = { [SCEN_P_SMTP] = SMTP_EXT_VRFY } },
	[SCEN_CAP_TOP] = { .bit = { [SCEN_P_POP3] = POP3_CAPA_TOP } },
	[SCEN_CAP_UIDL] = { .bit = { [SCEN_P_POP3] = POP3_CAPA_UIDL } },
	[SCEN_CAP_USER] = { .bit = { [SCEN_P_POP3] = POP3_CAPA_USER } },
	[SCEN_CAP_SASL] = { .bit = { [SCEN_P_POP3] = POP3_CAPA_SASL } },
	[SCEN_CAP_RESP_CODES] = { .bit = { [SCEN_P_POP3] =
	    POP3_CAPA_RESP_CODES } },
	[SCEN_CAP_AUTH_RESP_CODE] = { .bit = { [SCEN_P_POP3] =
	    POP3_CAPA_AUTH_RESP } },
	[SCEN_CAP_EXPIRE] = { .bit = { [SCEN_P_POP3] = POP3_CAPA_EXPIRE } },
	[SCEN_CAP_LOGIN_DELAY] = { .bit = { [SCEN_P_POP3] =
	    POP3_CAPA_LOGIN_DELAY } },
	[SCEN_CAP_IMPLEMENTATION] = { .bit = { [SCEN_P_POP3] =
	    POP3_CAPA_IMPL } },
	[SCEN_CAP_STLS] = { .bit = { [SCEN_P_POP3] = POP3_CAPA_STLS } },
	[SCEN_CAP_APOP] = { .bit = { [SCEN_P_POP3] = POP3_CAPA_APOP } },
	[SCEN_CAP_IDLE] = { .bit = { [SCEN_P_IMAP] = IMAP_CAP_IDLE } },
	[SCEN_CAP_LITERAL_PLUS] = { .bit = { [SCEN_P_IMAP] =
	    IMAP_CAP_LITERAL_PLUS } },
	[SCEN_CAP_UIDPLUS] = { .bit = { [SCEN_P_IMAP] = IMAP_CAP_UIDPLUS } },
	[SCEN_CAP_MOVE] = { .bit = { [SCEN_P_IMAP] = IMAP_CAP_MOVE } },
	[SCEN_CAP_NAMESPACE] = { .bit = { [SCEN_P_IMAP] =
	    IMAP_CAP_NAMESPACE } },
	[SCEN_CAP_ID] = { .bit = { [SCEN_P_IMAP] = IMAP_CAP_ID } },
	[SCEN_CAP_ENABLE] = { .bit = { [SCEN_P_IMAP] = IMAP_CAP_ENABLE } },
	[SCEN_CAP_UNSELECT] = { .bit = { [SCEN_P_IMAP] =
	    IMAP_CAP_UNSELECT } },
	[SCEN_CAP_SPECIAL_USE] = { .bit = { [SCEN_P_IMAP] =
	    IMAP_CAP_SPECIAL_USE } },
	[SCEN_CAP_CHILDREN] = { .bit = { [SCEN_P_IMAP] =
	    IMAP_CAP_CHILDREN } },
	[SCEN_CAP_SASL_IR] = { .bit = { [SCEN_P_IMAP] = IMAP_CAP_SASL_IR } },
	[SCEN_CAP_LOGINDISABLED] = { .bit = { 0 } },
};

static unsigned
server_scen_bits(const struct scen_server_conf *sc, enum scen_proto p)
{
	unsigned	bits = 0;
	size_t		i;

	for (i = 0; i < sc->ncaps; i++)
		bits |= server_scen_caps[sc->caps[i].id].bit[p];
	return bits;
}

static void
server_scen_smtp(struct smtp_conf *c, const struct scen_server_conf *sc)
{
	static const enum smtp_auth_policy auth[] = {
		[SCEN_AUTH_NONE] = SMTP_AUTH_NONE,
		[SCEN_AUTH_OPTIONAL] = SMTP_AUTH_OPTIONAL,
		[SCEN_AUTH_REQUIRED] = SMTP_AUTH_REQUIRED,
		[SCEN_AUTH_REQUIRED_AFTER_TLS] = SMTP_AUTH_AFTER_TLS,
	};

	if ((size_t)sc->auth >= nitems(auth))
		fatalx("%s: auth %d", __func__, (int)sc->auth);
	c->auth = auth[sc->auth];
	c->tls_required = sc->tls == SCEN_TLS_REQUIRED;
	if (sc->caps_set) {
		c->ext = server_scen_bits(sc, SCEN_P_SMTP);
		if (sc->size != 0)
			c->size_max = sc->size;
		if (sc->mechs != 0)
			c->auth_mechs = sc->mechs;
	}
	if (sc->tls == SCEN_TLS_NONE)
		c->ext &= ~SMTP_EXT_STARTTLS;
	if (sc->auth == SCEN_AUTH_NONE)
		c->ext &= ~SMTP_EXT_AUTH;
}

/* A protocol with a script replays it on all its ports (exact replay). */
static void
server_scen_script(struct server *s, int i)
{
	const struct scenario	*scen = s->opts->scenario;
	enum scen_proto		 p = scenario_server_proto((enum scen_server)i);

	if (!scen->scripts[p].set)
		return;
	s->ports[i].proto = script_proto(p);
	s->ports[i].conf = &scen->scripts[p];
}

/* Which servers run, on which ports, and how they present themselves. */
static void
server_scen_servers(struct server *s)
{
	const struct scenario		*scen = s->opts->scenario;
	const struct scen_server_conf	*sc;
	struct pop3_conf		*pc;
	struct imap_conf		*ic;
	int				 i;

	for (i = 0; i < OPTS_P__COUNT; i++) {
		sc = &scen->servers[i];
		if (!sc->enabled) {
			s->listen_ports[i] = -1;
			continue;
		}
		if (sc->port_set)
			s->listen_ports[i] = sc->port;
		else if (s->listen_ports[i] < 0)
			s->listen_ports[i] = 0;
		switch (scenario_server_proto((enum scen_server)i)) {
		case SCEN_P_SMTP:
			if (sc->hostname != NULL)
				s->smtp[i].hostname = sc->hostname;
			s->smtp[i].greeting = sc->greeting;
			server_scen_smtp(&s->smtp[i], sc);
			break;
		case SCEN_P_POP3:
			pc = &s->pop3[i - OPTS_P_POP3];
			if (sc->hostname != NULL)
				pc->hostname = sc->hostname;
			pc->greeting = sc->greeting;
			pc->tls_required = sc->tls == SCEN_TLS_REQUIRED ||
			    sc->auth == SCEN_AUTH_REQUIRED_AFTER_TLS;
			if (sc->caps_set) {
				pc->capa = server_scen_bits(sc, SCEN_P_POP3);
				if (sc->mechs != 0)
					pc->auth_mechs = sc->mechs;
			}
			if (sc->tls == SCEN_TLS_NONE)
				pc->capa &= ~POP3_CAPA_STLS;
			break;
		case SCEN_P_IMAP:
			ic = &s->imap[i - OPTS_P_IMAP];
			if (sc->hostname != NULL)
				ic->hostname = sc->hostname;
			ic->greeting = sc->greeting;
			ic->tls_required = sc->tls == SCEN_TLS_REQUIRED ||
			    sc->auth == SCEN_AUTH_REQUIRED_AFTER_TLS;
			if (sc->caps_set) {
				ic->caps = server_scen_bits(sc, SCEN_P_IMAP);
				ic->login_disabled = (sc->capmask &
				    SCEN_CAPBIT(SCEN_CAP_LOGINDISABLED)) != 0;
				if (sc->mechs != 0)
					ic->auth_mechs = sc->mechs;
			}
			if (sc->tls == SCEN_TLS_NONE)
				ic->caps &= ~IMAP_CAP_STARTTLS;
			break;
		default:
			fatalx("%s: server %d", __func__, i);
		}
		server_scen_script(s, i);
	}
}

/* users: and their mailboxes, filled before the first session. */
static int
server_scen_fixtures(struct server *s, char *err, size_t size)
{
	const struct scenario	*scen = s->opts->scenario;
	const struct scen_user	*u;
	const struct scen_mailbox *mb;
	struct store_user	*su;
	struct store_box	*box;
	const char		*e;
	size_t			 i, j, k;

	for (i = 0; i < scen->nusers; i++) {
		u = &scen->users[i];
		if ((su = store_user_get(s->store, u->name, true)) == NULL) {
			snprintf(err, size, "%s:%u:%u: cannot make user %s",
			    scen->path, u->mark.line, u->mark.col, u->name);
			return -1;
		}
		for (j = 0; j < u->nmailboxes; j++) {
			mb = &u->mailboxes[j];
			if ((box = store_box_get(su, mb->name)) == NULL) {
				if (store_box_create(su, mb->name, &e) == -1 ||
				    (box = store_box_get(su, mb->name)) ==
				    NULL) {
					snprintf(err, size, "%s:%u:%u: mailbox "
					    "%s: %s", scen->path,
					    mb->mark.line, mb->mark.col,
					    mb->name, e);
					return -1;
				}
			}
			for (k = 0; k < mb->nmsgs; k++)
				if (server_scen_msg(box, &mb->msgs[k], err,
				    size) == -1)
					return -1;
		}
	}
	return 0;
}

static int
server_scen_msg(struct store_box *box, const struct scen_msg *sm, char *err,
    size_t size)
{
	struct store_msg	*m;
	uint64_t		 kw = 0;
	const char		*e;
	size_t			 i;
	int			 id;
	uint32_t		 uid;

	for (i = 0; i < sm->nkeywords; i++)
		if ((id = store_box_keyword_id(box, sm->keywords[i],
		    true)) >= 0)
			kw |= (uint64_t)1 << id;
	m = store_msg_new();
	store_msg_take_data(m, xmemdup(sm->data, sm->len), sm->len);
	uid = store_box_append(box, m, sm->flags, kw, sm->date_set ?
	    sm->date_ms : clock_wall_ms(), NULL, &e);
	store_msg_unref(&m);
	if (uid == 0) {
		snprintf(err, size, "fixture at line %u: %s", sm->mark.line,
		    e);
		return -1;
	}
	return 0;
}

/* --- for `mailrig run` --- */

struct event_base *
server_base(struct server *s)
{
	return s->base;
}

struct store *
server_store(struct server *s)
{
	return s->store;
}

struct capture *
server_capture(struct server *s)
{
	return s->capture;
}

int
server_port(const struct server *s, enum opts_port p)
{
	if ((size_t)p >= OPTS_P__COUNT || s->listeners[p] == NULL)
		return -1;
	return listen_port(s->listeners[p]);
}

const char *
server_api_url(const struct server *s)
{
	return s->api_url;
}

const char *
server_ca_path(const struct server *s)
{
	return s->ca_path;
}

unsigned
server_finish(struct server *s, uint64_t max_ms)
{
	struct timeval	 tv = { .tv_usec = SERVER_STOP_POLL_MS * 1000 };
	unsigned	 left;

	s->stop_deadline = clock_mono_ms() + max_ms;
	evtimer_assign(s->stop_timer, s->base, server_finish_cb, s);
	if (conn_env_sessions(s->env) > 0) {
		evtimer_add(s->stop_timer, &tv);
		event_base_dispatch(s->base);
	}
	left = conn_env_sessions(s->env);
	evtimer_assign(s->stop_timer, s->base, server_stop_cb, s);
	s->stop_deadline = 0;
	if (left > 0) {
		server_signal_cb(SIGTERM, 0, s);
		event_base_dispatch(s->base);
	} else
		for (int i = 0; i < OPTS_P__COUNT; i++)
			listen_stop(s->listeners[i]);
	return left;
}

/* Sessions still open after the client finished: let them end. */
static void
server_finish_cb(evutil_socket_t fd, short what, void *arg)
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
