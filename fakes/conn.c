/*
 * conn.c: the connection layer under SMTP, POP3 and IMAP.
 *
 * Owns per connection: the bufferevent (plain, or OpenSSL for implicit TLS
 * and after STARTTLS), the framer, one timer, and the hook and protocol
 * slots.  Every libevent callback enters through conn_enter() and leaves
 * through conn_leave(), which frees the connection once nothing on the
 * stack uses it any more; protocol code only ever asks for a close.
 *
 * STARTTLS (RFC 3207 4.2, RFC 2595 3.1): reading stops as soon as the
 * protocol asks, the go-ahead drains, plaintext that arrived after the
 * command is recorded and dropped, and the socket is handed to a new
 * OpenSSL bufferevent.  A socket bufferevent rather than a filter over the
 * old one: one buffer layer less on every later read and write.
 *
 * Does not: parse protocols, decide replies, or know about capture.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/buffer.h>
#include <openssl/err.h>

#include "fakes/base/clock.h"
#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/xalloc.h"
#include "fakes/conn.h"

/* Output beyond this stops reading until the peer catches up. */
#define CONN_OUT_HIGH	(1024UL * 1024)

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	struct conn_env		*env;		/* borrowed */
	const struct conn_port	*port;		/* borrowed */
	uint64_t		 id;
	evutil_socket_t		 fd;		/* owned unless the TLS bev
						   closes it */
	struct bufferevent	*bev;		/* owned; NULL in test mode */
	bool			 bev_owns_fd;
	struct evbuffer		*in;		/* bev's, or owned (test) */
	struct evbuffer		*out;		/* bev's, or owned (test) */
	struct frame		 frame;
	struct event		*timer;		/* owned; lazily made */
	void			(*timer_cb)(struct conn *);
	/* rules (STYLE 3.10): a verdict holds this step's output */
	const struct conn_verdict *verdict;	/* borrowed; pending */
	enum conn_stage		 vstage;	/* the stage it answered */
	const struct conn_verdict *delayed;	/* borrowed; in delay */
	struct evbuffer		*held;		/* owned; lazily made */
	struct event		*vtimer;	/* owned; lazily made */
	struct ev_token_bucket_cfg *rate;	/* owned; NULL: no limit */
	unsigned		 throttle_bps;
	char			*user;		/* owned */
	void			(*drain_cb)(struct conn *);
	void			*data;		/* protocol session */
	void			*hook_data;	/* harness */
	char			 peer[64];
	uint64_t		 started_ms;
	char			 tls_version[32];
	char			 tls_cipher[64];
	char			*reason;	/* owned; first close reason */
	int			 busy;		/* callbacks on the stack */

	bool			 test;
	bool			 test_closed;
	bool			 processing;
	bool			 paused;
	bool			 secret;
	bool			 eof;
	bool			 tls;
	bool			 tls_wait;	/* STARTTLS: wait for drain */
	bool			 out_blocked;
	bool			 flush_close;	/* close when output drains */
	bool			 closing;	/* free at conn_leave */
	bool			 closed;	/* on_close hooks have run */
	bool			 holding;	/* writes go to held */
	bool			 vpaused;	/* a verdict's delay runs */
	bool			 hanging;	/* a verdict said: never answer */
	bool			 dripping;	/* rate limited for one reply */
	bool			 tls_fail;	/* close instead of TLS */
};

struct conn_env {
	struct event_base	*base;		/* borrowed */
	const struct conn_hooks	*hooks;		/* borrowed, may be NULL */
	unsigned		 sessions;
	unsigned		 sessions_max;
	uint64_t		 next_id;
	TAILQ_HEAD(, conn)	 conns;
};

static struct conn *conn_alloc(struct conn_env *, const struct conn_port *);
static void	conn_open(struct conn *);
static void	conn_enter(struct conn *);
static void	conn_leave(struct conn *);
static void	conn_process(struct conn *);
static void	conn_finish(struct conn *);
static void	conn_destroy(struct conn *);
static void	conn_set_reason(struct conn *, const char *);
static void	conn_bev_setup(struct conn *, struct bufferevent *);
static void	conn_tls_switch(struct conn *);
static void	conn_tls_started(struct conn *);
static void	conn_tls_failed(struct conn *);
static void	conn_check_output(struct conn *);
static void	conn_peer_name(char *, size_t, const struct sockaddr *, int);
static void	conn_read_cb(struct bufferevent *, void *);
static void	conn_write_cb(struct bufferevent *, void *);
static void	conn_event_cb(struct bufferevent *, short, void *);
static void	conn_timer_cb(evutil_socket_t, short, void *);
static void	conn_update_read(struct conn *);
static struct evbuffer *conn_sink(struct conn *);
static void	conn_out_hook(struct conn *, const char *, size_t, unsigned);
static void	conn_verdict_apply(struct conn *);
static void	conn_verdict_release(struct conn *, const struct conn_verdict *);
static void	conn_verdict_mangle(struct conn *, enum conn_malformed);
static void	conn_verdict_cb(evutil_socket_t, short, void *);
static void	conn_set_rate(struct conn *, unsigned);
static void	conn_set_bucket(struct conn *, size_t, unsigned);
static void	conn_hang_cb(evutil_socket_t, short, void *);

/* --- environment --- */

struct conn_env *
conn_env_new(struct event_base *base, unsigned sessions_max)
{
	struct conn_env	*env;

	env = xcalloc(1, sizeof(*env));
	env->base = base;
	env->sessions_max = sessions_max != 0 ? sessions_max : SESSIONS_MAX;
	env->next_id = 1;
	TAILQ_INIT(&env->conns);
	return env;
}

void
conn_env_free(struct conn_env *env)
{
	struct conn	*c;

	if (env == NULL)
		return;
	while ((c = TAILQ_FIRST(&env->conns)) != NULL) {
		conn_set_reason(c, "shutdown");
		c->busy = 0;
		conn_destroy(c);
	}
	free(env);
}

void
conn_env_set_hooks(struct conn_env *env, const struct conn_hooks *hooks)
{
	env->hooks = hooks;
}

struct event_base *
conn_env_base(const struct conn_env *env)
{
	return env->base;
}

unsigned
conn_env_sessions(const struct conn_env *env)
{
	return env->sessions;
}

void
conn_env_shutdown(struct conn_env *env)
{
	struct conn	*c, *next;

	for (c = TAILQ_FIRST(&env->conns); c != NULL; c = next) {
		conn_enter(c);
		if (!c->closing && !c->flush_close)
			c->port->proto->on_shutdown(c);
		next = TAILQ_NEXT(c, entry);
		conn_leave(c);
	}
}

/* --- creation --- */

static struct conn *
conn_alloc(struct conn_env *env, const struct conn_port *port)
{
	struct conn	*c;

	c = xcalloc(1, sizeof(*c));
	c->env = env;
	c->port = port;
	c->id = env->next_id++;
	c->fd = -1;
	c->started_ms = clock_mono_ms();
	frame_init(&c->frame, port->proto->line_max);
	TAILQ_INSERT_TAIL(&env->conns, c, entry);
	env->sessions++;
	return c;
}

/* Hooks first so the capture sees the greeting, then the protocol. */
static void
conn_open(struct conn *c)
{
	const struct conn_hooks	*h = c->env->hooks;

	const struct conn_verdict *v;

	conn_enter(c);
	if (h != NULL && h->on_open != NULL)
		h->on_open(h->arg, c);
	if (c->port->implicit_tls &&
	    (v = conn_ask(c, CONN_ST_TLS, NULL, NULL)) != NULL &&
	    v->tls_fail) {
		conn_close(c, "fault: tls-fail");
		conn_leave(c);
		return;
	}
	/* A connect-stage verdict holds the greeting like any reply. */
	(void)conn_ask(c, CONN_ST_CONNECT, NULL, NULL);
	c->port->proto->on_open(c);
	if (c->verdict != NULL)
		conn_verdict_apply(c);
	conn_leave(c);
}

struct conn *
conn_accept(struct conn_env *env, const struct conn_port *port,
    evutil_socket_t fd, const struct sockaddr *sa, int socklen)
{
	struct conn		*c;
	struct bufferevent	*bev;
	const char		*busy = port->proto->busy_reply;
	char			 line[256];
	int			 n;
	SSL			*ssl;

	if (env->sessions >= env->sessions_max) {
		/* Best effort, the socket is new and its buffer empty. A
		   TLS port cannot say anything before a handshake. */
		if (!port->implicit_tls && busy != NULL) {
			n = snprintf(line, sizeof(line), "%s\r\n", busy);
			if (send(fd, line, (size_t)n, MSG_NOSIGNAL) < 0)
				log_debug("conn: busy reply: %s",
				    strerror(errno));
		}
		log_info("conn: port=%s refused: %u sessions", port->name,
		    env->sessions);
		evutil_closesocket(fd);
		return NULL;
	}
	evutil_make_socket_nonblocking(fd);
	c = conn_alloc(env, port);
	c->fd = fd;
	conn_peer_name(c->peer, sizeof(c->peer), sa, socklen);
	if (port->implicit_tls) {
		if ((ssl = SSL_new(port->tls)) == NULL)
			fatalx("conn: SSL_new failed");
		bev = bufferevent_openssl_socket_new(env->base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
		c->bev_owns_fd = true;
	} else
		bev = bufferevent_socket_new(env->base, fd, 0);
	if (bev == NULL)
		fatalx("conn: bufferevent_socket_new failed");
	conn_bev_setup(c, bev);
	log_debug("conn: id=%llu port=%s peer=%s open",
	    (unsigned long long)c->id, port->name, c->peer);
	conn_open(c);
	return c;
}

static void
conn_bev_setup(struct conn *c, struct bufferevent *bev)
{
	struct timeval	tv = { .tv_sec = c->port->idle_sec != 0 ?
			    c->port->idle_sec : c->port->proto->idle_sec };

	c->bev = bev;
	c->in = bufferevent_get_input(bev);
	c->out = bufferevent_get_output(bev);
	if (bufferevent_openssl_get_ssl(bev) != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	bufferevent_setcb(bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	/* One idle timeout for both directions: a peer that stops
	   reading our replies is as stuck as one that stops writing. */
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void
conn_peer_name(char *out, size_t size, const struct sockaddr *sa, int len)
{
	char	host[INET6_ADDRSTRLEN];
	const struct sockaddr_in	*s4;
	const struct sockaddr_in6	*s6;

	snprintf(out, size, "unknown");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET &&
	    (size_t)len >= sizeof(struct sockaddr_in)) {
		s4 = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(out, size, "%s:%u", host, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6 &&
	    (size_t)len >= sizeof(struct sockaddr_in6)) {
		s6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(out, size, "[%s]:%u", host, ntohs(s6->sin6_port));
	}
}

/* --- test mode --- */

struct conn *
conn_new_test(struct conn_env *env, const struct conn_port *port)
{
	struct conn	*c;

	c = conn_alloc(env, port);
	c->test = true;
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	if (c->in == NULL || c->out == NULL)
		fatalx("conn: evbuffer_new failed");
	snprintf(c->peer, sizeof(c->peer), "test");
	conn_open(c);
	return c;
}

void
conn_test_feed(struct conn *c, const void *p, size_t len)
{
	if (c->closed)
		return;
	if (evbuffer_add(c->in, p, len) == -1)
		fatalx("conn: evbuffer_add failed");
	conn_process(c);
}

struct evbuffer *
conn_test_output(struct conn *c)
{
	return c->out;
}

bool
conn_test_closed(const struct conn *c)
{
	return c->closed;
}

const char *
conn_test_close_reason(const struct conn *c)
{
	return c->reason;
}

void
conn_test_free(struct conn *c)
{
	if (c == NULL)
		return;
	conn_set_reason(c, "test-end");
	c->busy = 0;
	conn_destroy(c);
}

/* --- lifetime --- */

static void
conn_enter(struct conn *c)
{
	c->busy++;
}

/* The only place a conn is freed outside conn_env_free/conn_test_free. */
static void
conn_leave(struct conn *c)
{
	if (--c->busy > 0)
		return;
	if (c->closing)
		conn_finish(c);
}

static void
conn_set_reason(struct conn *c, const char *reason)
{
	if (c->reason == NULL)
		c->reason = xstrdup(reason != NULL ? reason : "closed");
}

/* Run the close hooks once, then free unless a test still looks at it. */
static void
conn_finish(struct conn *c)
{
	if (c->test) {
		if (!c->closed) {
			c->closed = true;
			c->port->proto->on_close(c, c->reason);
			if (c->env->hooks != NULL &&
			    c->env->hooks->on_close != NULL)
				c->env->hooks->on_close(c->env->hooks->arg, c,
				    c->reason);
		}
		return;
	}
	conn_destroy(c);
}

static void
conn_destroy(struct conn *c)
{
	const struct conn_hooks	*h = c->env->hooks;

	c->closing = true;
	if (!c->closed) {
		c->closed = true;
		c->busy++;	/* hooks may call back into conn_* */
		c->port->proto->on_close(c, c->reason);
		if (c->tls && h != NULL && h->on_event != NULL)
			h->on_event(h->arg, c, "tls-end", NULL);
		if (h != NULL && h->on_close != NULL)
			h->on_close(h->arg, c, c->reason);
		c->busy--;
	}
	log_debug("conn: id=%llu closed reason=%s",
	    (unsigned long long)c->id, c->reason);
	TAILQ_REMOVE(&c->env->conns, c, entry);
	c->env->sessions--;
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->vtimer != NULL)
		event_free(c->vtimer);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	if (c->rate != NULL)
		ev_token_bucket_cfg_free(c->rate);
	if (c->held != NULL)
		evbuffer_free(c->held);
	free(c->user);
	if (c->fd != -1 && !c->bev_owns_fd)
		evutil_closesocket(c->fd);
	if (c->test) {
		evbuffer_free(c->in);
		evbuffer_free(c->out);
	}
	frame_fini(&c->frame);
	free(c->reason);
	free(c);
}

void
conn_close(struct conn *c, const char *reason)
{
	conn_set_reason(c, reason);
	c->closing = true;
	if (c->bev != NULL)
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	if (c->busy == 0)
		conn_finish(c);
}

void
conn_close_after_flush(struct conn *c, const char *reason)
{
	conn_set_reason(c, reason);
	/*
	 * Output a verdict still holds (a replaced "421" or a delayed
	 * "221") is queued too: it leaves first, conn_verdict_release
	 * closes once it is out.
	 */
	if (c->test || (evbuffer_get_length(c->out) == 0 &&
	    c->verdict == NULL && c->delayed == NULL)) {
		conn_close(c, reason);
		return;
	}
	c->flush_close = true;
	bufferevent_disable(c->bev, EV_READ);
}

/* --- accessors --- */

uint64_t
conn_id(const struct conn *c)
{
	return c->id;
}

const struct conn_port *
conn_port(const struct conn *c)
{
	return c->port;
}

struct conn_env *
conn_env(const struct conn *c)
{
	return c->env;
}

const char *
conn_peer(const struct conn *c)
{
	return c->peer;
}

void *
conn_data(const struct conn *c)
{
	return c->data;
}

void
conn_set_data(struct conn *c, void *data)
{
	c->data = data;
}

void *
conn_hook_data(const struct conn *c)
{
	return c->hook_data;
}

void
conn_set_hook_data(struct conn *c, void *data)
{
	c->hook_data = data;
}

bool
conn_tls_active(const struct conn *c)
{
	return c->tls;
}

const char *
conn_tls_version(const struct conn *c)
{
	return c->tls ? c->tls_version : NULL;
}

const char *
conn_tls_cipher(const struct conn *c)
{
	return c->tls ? c->tls_cipher : NULL;
}

uint64_t
conn_started_ms(const struct conn *c)
{
	return c->started_ms;
}

bool
conn_closing(const struct conn *c)
{
	return c->closing || c->flush_close;
}

/* --- the write choke point --- */

void
conn_reply(struct conn *c, const char *fmt, ...)
{
	char			 line[REPLY_LINE_MAX + 2];
	va_list			 ap;
	int			 n;

	if (c->closing)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		fatalx("%s: reply too long (%d bytes)", __func__, n);
	conn_out_hook(c, line, (size_t)n, 0);
	line[n] = '\r';
	line[n + 1] = '\n';
	if (evbuffer_add(conn_sink(c), line, (size_t)n + 2) == -1)
		fatalx("%s: evbuffer_add failed", __func__);
	conn_check_output(c);
}

/* Where writes go: held while a verdict shapes this step's output. */
static struct evbuffer *
conn_sink(struct conn *c)
{
	if (!c->holding)
		return c->out;
	if (c->held == NULL && (c->held = evbuffer_new()) == NULL)
		fatalx("conn: evbuffer_new failed");
	return c->held;
}

/* Held output is captured when it is really sent (conn_verdict_release). */
static void
conn_out_hook(struct conn *c, const char *p, size_t len, unsigned flags)
{
	const struct conn_hooks	*h = c->env->hooks;

	if (!c->holding && h != NULL && h->on_io != NULL)
		h->on_io(h->arg, c, CONN_DIR_OUT, p, len, flags);
}

void
conn_write_data(struct conn *c, const void *p, size_t len)
{
	if (c->closing)
		return;
	conn_out_hook(c, p, len, CONN_IO_DATA);
	if (evbuffer_add(conn_sink(c), p, len) == -1)
		fatalx("%s: evbuffer_add failed", __func__);
	conn_check_output(c);
}

void
conn_write_ref(struct conn *c, const void *p, size_t len,
    void (*cleanup)(const void *, size_t, void *), void *arg)
{
	if (c->closing) {
		cleanup(p, len, arg);
		return;
	}
	conn_out_hook(c, p, len, CONN_IO_DATA);
	if (evbuffer_add_reference(conn_sink(c), p, len, cleanup, arg) == -1)
		fatalx("%s: evbuffer_add_reference failed", __func__);
	conn_check_output(c);
}

/* Backpressure: a peer that writes without reading stops being read. */
static void
conn_check_output(struct conn *c)
{
	if (c->bev == NULL || c->out_blocked || c->holding)
		return;
	if (evbuffer_get_length(c->out) > CONN_OUT_HIGH) {
		c->out_blocked = true;
		bufferevent_disable(c->bev, EV_READ);
	}
}

size_t
conn_output_pending(const struct conn *c)
{
	return evbuffer_get_length(c->out);
}

void
conn_set_drain_cb(struct conn *c, void (*cb)(struct conn *))
{
	c->drain_cb = cb;
}

/* --- input --- */

void
conn_set_secret(struct conn *c, bool on)
{
	c->secret = on;
}

void
conn_pause(struct conn *c)
{
	c->paused = true;
	conn_update_read(c);
}

/* Read while something can consume input (and, hanging, to see EOF). */
static void
conn_update_read(struct conn *c)
{
	bool	want;

	if (c->bev == NULL || c->closing || c->flush_close)
		return;
	want = c->hanging || !(c->paused || c->vpaused || c->out_blocked ||
	    c->tls_wait);
	if (want)
		bufferevent_enable(c->bev, EV_READ);
	else
		bufferevent_disable(c->bev, EV_READ);
}

/*
 * libevent does not call the read callback again for bytes already
 * buffered (STYLE 4), so resuming must run the frame loop itself.
 */
void
conn_resume(struct conn *c)
{
	if (!c->paused)
		return;
	c->paused = false;
	conn_update_read(c);
	conn_enter(c);
	conn_process(c);
	conn_leave(c);
}

void
conn_expect_dot(struct conn *c)
{
	frame_mode_dot(&c->frame, c->in);
}

void
conn_expect_bytes(struct conn *c, uint64_t n)
{
	frame_mode_count(&c->frame, c->in, n);
}

/*
 * The frame loop: dispatch every complete item, in order, so pipelined
 * commands (RFC 2920) are answered in order and their replies leave in
 * one write when control returns to libevent.
 */
static void
conn_process(struct conn *c)
{
	const struct conn_hooks	*h = c->env->hooks;
	struct frame_item	 it;
	unsigned		 flags;
	size_t			 len;

	if (c->processing)
		return;
	c->processing = true;
	conn_enter(c);
	while (!c->paused && !c->vpaused && !c->hanging && !c->closing &&
	    !c->flush_close && !c->tls_wait && !c->out_blocked) {
		if (frame_next(&c->frame, c->in, &it) != 1)
			break;
		flags = it.flags | (c->secret ? CONN_IO_SECRET : 0);
		len = (it.flags & FRAME_DATA) ? it.len + it.eol : it.len;
		if (h != NULL && h->on_io != NULL)
			h->on_io(h->arg, c, CONN_DIR_IN, it.p, len, flags);
		c->port->proto->on_item(c, &it);
		if (c->verdict != NULL)
			conn_verdict_apply(c);
	}
	frame_release(&c->frame, c->in);
	c->processing = false;
	/* The peer has finished sending: answer what it sent, then go. */
	if (c->eof && c->hanging)
		conn_close(c, "eof");
	else if (c->eof && !c->paused && !c->vpaused && !c->tls_wait)
		conn_close_after_flush(c, "eof");
	conn_leave(c);
}

/* --- STARTTLS --- */

int
conn_starttls(struct conn *c)
{
	const struct conn_verdict	*v;

	if (c->port->tls == NULL || c->tls || c->test)
		return -1;
	if ((v = conn_ask(c, CONN_ST_TLS, NULL, NULL)) != NULL && v->tls_fail)
		c->tls_fail = true;
	c->tls_wait = true;
	bufferevent_disable(c->bev, EV_READ);
	return 0;
}

/* The go-ahead has left: drop pending plaintext, start the handshake. */
static void
conn_tls_switch(struct conn *c)
{
	const struct conn_hooks	*h = c->env->hooks;
	struct bufferevent	*bev;
	size_t			 n;
	SSL			*ssl;

	/* A fresh framer: nothing of the plaintext state survives. */
	frame_release(&c->frame, c->in);
	frame_fini(&c->frame);
	frame_init(&c->frame, c->port->proto->line_max);
	if ((n = evbuffer_get_length(c->in)) > 0) {
		if (h != NULL && h->on_io != NULL)
			h->on_io(h->arg, c, CONN_DIR_IN,
			    (const char *)evbuffer_pullup(c->in, (ssize_t)n),
			    n, CONN_IO_DROPPED);
		evbuffer_drain(c->in, n);
		log_info("conn: id=%llu dropped %zu plaintext bytes sent "
		    "after STARTTLS", (unsigned long long)c->id, n);
	}
	c->tls_wait = false;
	bufferevent_free(c->bev);
	if ((ssl = SSL_new(c->port->tls)) == NULL)
		fatalx("conn: SSL_new failed");
	bev = bufferevent_openssl_socket_new(c->env->base, c->fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		fatalx("conn: bufferevent_openssl_socket_new failed");
	c->bev_owns_fd = true;
	conn_bev_setup(c, bev);
}

static void
conn_tls_started(struct conn *c)
{
	const struct conn_hooks	*h = c->env->hooks;
	SSL			*ssl = bufferevent_openssl_get_ssl(c->bev);
	char			 detail[128];

	if (c->tls)
		return;
	c->tls = true;
	snprintf(c->tls_version, sizeof(c->tls_version), "%s",
	    SSL_get_version(ssl));
	snprintf(c->tls_cipher, sizeof(c->tls_cipher), "%s",
	    SSL_get_cipher_name(ssl));
	snprintf(detail, sizeof(detail), "%s %s", c->tls_version,
	    c->tls_cipher);
	if (h != NULL && h->on_event != NULL)
		h->on_event(h->arg, c, "tls-start", detail);
	if (c->port->proto->on_tls != NULL)
		c->port->proto->on_tls(c);
	conn_process(c);
}

static void
conn_tls_failed(struct conn *c)
{
	const struct conn_hooks	*h = c->env->hooks;
	unsigned long		 e;
	char			 detail[512], one[256];
	size_t			 off = 0;

	detail[0] = '\0';
	while ((e = bufferevent_get_openssl_error(c->bev)) != 0) {
		ERR_error_string_n(e, one, sizeof(one));
		off += (size_t)snprintf(detail + off, sizeof(detail) - off,
		    "%s%s", off > 0 ? "; " : "", one);
		if (off >= sizeof(detail))
			break;
	}
	if (detail[0] == '\0')
		snprintf(detail, sizeof(detail), "%s",
		    errno != 0 ? strerror(errno) : "handshake failed");
	if (h != NULL && h->on_event != NULL)
		h->on_event(h->arg, c, "tls-failed", detail);
	log_info("conn: id=%llu tls-failed %s", (unsigned long long)c->id,
	    detail);
	conn_close(c, "tls-failed");
}

/* --- timers --- */

void
conn_after(struct conn *c, unsigned ms, void (*cb)(struct conn *))
{
	struct timeval	tv = { .tv_sec = ms / 1000,
			       .tv_usec = (ms % 1000) * 1000 };

	if (c->timer == NULL &&
	    (c->timer = evtimer_new(c->env->base, conn_timer_cb, c)) == NULL)
		fatalx("conn: evtimer_new failed");
	c->timer_cb = cb;
	evtimer_add(c->timer, &tv);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	conn_enter(c);
	if (!c->closing && c->timer_cb != NULL)
		c->timer_cb(c);
	conn_leave(c);
}

/* --- libevent callbacks --- */

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	SSL		*ssl;

	/* Hanging: nothing is answered, and nothing is kept either. */
	if (c->hanging)
		evbuffer_drain(c->in, evbuffer_get_length(c->in));
	conn_enter(c);
	/*
	 * A TLS 1.3 client's first command can ride in the same flight as
	 * its Finished message, and libevent may hand it to us before the
	 * CONNECTED event: start TLS first, or the protocol would still be
	 * waiting for the handshake and drop the command.
	 */
	if (!c->tls && c->bev_owns_fd && (ssl =
	    bufferevent_openssl_get_ssl(bev)) != NULL &&
	    SSL_is_init_finished(ssl))
		conn_tls_started(c);
	conn_process(c);
	conn_leave(c);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;

	if (evbuffer_get_length(c->out) != 0)
		return;
	conn_enter(c);
	if (c->dripping) {
		c->dripping = false;
		conn_set_rate(c, c->throttle_bps);
	}
	if (c->flush_close)
		conn_close(c, NULL);
	else if (c->tls_wait && c->tls_fail)
		conn_close(c, "fault: tls-fail");
	else if (c->tls_wait)
		conn_tls_switch(c);
	else if (c->out_blocked) {
		c->out_blocked = false;
		conn_update_read(c);
		conn_process(c);
	}
	if (!c->closing && c->drain_cb != NULL)
		c->drain_cb(c);
	conn_leave(c);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;
	char		 reason[128];

	conn_enter(c);
	if (what & BEV_EVENT_CONNECTED)
		conn_tls_started(c);
	else if (what & BEV_EVENT_EOF) {
		c->eof = true;
		conn_process(c);
	} else if (what & BEV_EVENT_ERROR) {
		if (bufferevent_openssl_get_ssl(bev) != NULL && !c->tls)
			conn_tls_failed(c);
		else {
			snprintf(reason, sizeof(reason), "error: %s",
			    evutil_socket_error_to_string(
			    EVUTIL_SOCKET_ERROR()));
			conn_close(c, reason);
		}
	} else if (what & BEV_EVENT_TIMEOUT) {
		if ((what & BEV_EVENT_READING) && !c->flush_close)
			c->port->proto->on_timeout(c);
		else
			conn_close(c, "timeout");
	}
	conn_leave(c);
}

/* --- rules: verdicts (STYLE 3.10: rules never touch sockets, conn does) --- */

static const char *const conn_stage_names[] = {
	[CONN_ST_CONNECT] = "connect",
	[CONN_ST_GREETING] = "greeting",
	[CONN_ST_COMMAND] = "command",
	[CONN_ST_DATA] = "data",
	[CONN_ST_LITERAL] = "literal",
	[CONN_ST_IDLE] = "idle",
	[CONN_ST_TLS] = "tls",
};
_Static_assert(nitems(conn_stage_names) == CONN_ST__COUNT,
    "conn_stage_names out of sync with enum conn_stage");

const struct conn_verdict *
conn_ask(struct conn *c, enum conn_stage stage, const char *verb,
    const char *args)
{
	const struct conn_hooks		*h = c->env->hooks;
	const struct conn_verdict	*v;
	char				 detail[256];

	if ((unsigned)stage >= CONN_ST__COUNT)
		fatalx("%s: bad stage %d", __func__, (int)stage);
	/*
	 * The greeting is the reply of the connect step: the protocol's
	 * greeting question gets the connect verdict, so that its reply
	 * replaces the greeting ("421 busy" instead of "220").
	 */
	if (c->verdict != NULL && c->vstage == CONN_ST_CONNECT &&
	    stage == CONN_ST_GREETING && !c->closing)
		return c->verdict;
	/* One verdict per step: the first question of a step wins. */
	if (h == NULL || h->on_ask == NULL || c->verdict != NULL ||
	    c->closing)
		return NULL;
	if ((v = h->on_ask(h->ask_arg, c, stage, verb, args)) == NULL)
		return NULL;
	snprintf(detail, sizeof(detail), "%s %s%s%s",
	    v->label != NULL ? v->label : "rule", conn_stage_names[stage],
	    verb != NULL ? " " : "", verb != NULL ? verb : "");
	if (h->on_event != NULL)
		h->on_event(h->arg, c, "fault", detail);
	log_info("conn: id=%llu fault %s", (unsigned long long)c->id, detail);
	if (v->throttle_bps != 0)
		c->throttle_bps = v->throttle_bps;
	if (stage == CONN_ST_TLS) {
		conn_set_rate(c, c->throttle_bps);
		return v;
	}
	c->verdict = v;
	c->vstage = stage;
	c->holding = true;
	return v;
}

void
conn_event(struct conn *c, const char *name, const char *detail)
{
	const struct conn_hooks	*h = c->env->hooks;

	if (h != NULL && h->on_event != NULL)
		h->on_event(h->arg, c, name, detail);
}

void
conn_set_user(struct conn *c, const char *user)
{
	free(c->user);
	c->user = user != NULL ? xstrdup(user) : NULL;
}

const char *
conn_user(const struct conn *c)
{
	return c->user;
}

/* The step is over: shape and schedule what it wrote. */
static void
conn_verdict_apply(struct conn *c)
{
	const struct conn_verdict	*v = c->verdict;
	struct timeval			 tv;
	unsigned			 ms;

	c->verdict = NULL;
	c->holding = false;
	if (v->hang) {
		/* Never answer; the idle timeout still ends it. */
		if (c->held != NULL)
			evbuffer_drain(c->held, evbuffer_get_length(c->held));
		c->hanging = true;
		/* Hanging wins over a close the step asked for: the
		   client must see silence, not an EOF. */
		c->flush_close = false;
		conn_update_read(c);
		ms = (c->port->idle_sec != 0 ? c->port->idle_sec :
		    c->port->proto->idle_sec) * 1000;
		tv.tv_sec = ms / 1000;
		tv.tv_usec = 0;
		if (c->bev == NULL)
			return;
		if (c->vtimer == NULL && (c->vtimer = evtimer_new(c->env->base,
		    conn_hang_cb, c)) == NULL)
			fatalx("conn: evtimer_new failed");
		evtimer_add(c->vtimer, &tv);
		return;
	}
	if (v->disconnect == CONN_DISC_BEFORE) {
		if (c->held != NULL)
			evbuffer_drain(c->held, evbuffer_get_length(c->held));
		conn_close(c, "fault: disconnect");
		return;
	}
	conn_verdict_mangle(c, v->malformed);
	if (v->delay_ms == 0 || c->bev == NULL) {
		conn_verdict_release(c, v);
		return;
	}
	c->vpaused = true;
	c->delayed = v;
	conn_update_read(c);
	tv.tv_sec = v->delay_ms / 1000;
	tv.tv_usec = (v->delay_ms % 1000) * 1000;
	if (c->vtimer == NULL && (c->vtimer = evtimer_new(c->env->base,
	    conn_verdict_cb, c)) == NULL)
		fatalx("conn: evtimer_new failed");
	evtimer_add(c->vtimer, &tv);
}

static void
conn_verdict_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	conn_enter(c);
	c->vpaused = false;
	if (!c->closing)
		conn_verdict_release(c, c->delayed);
	c->delayed = NULL;
	conn_update_read(c);
	conn_process(c);
	conn_leave(c);
}

static void
conn_hang_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	conn_enter(c);
	conn_close(c, "timeout");
	conn_leave(c);
}

/*
 * Send what the step wrote.  The capture hears each line now, as it
 * really leaves (bare LF and all), not when the protocol wrote it.
 */
static void
conn_verdict_release(struct conn *c, const struct conn_verdict *v)
{
	const struct conn_hooks	*h = c->env->hooks;
	size_t			 n, len, off = 0;
	const char		*p;
	unsigned		 flags;

	if (c->held == NULL || (n = evbuffer_get_length(c->held)) == 0) {
		if (v->disconnect != CONN_DISC_NONE)
			conn_close_after_flush(c, "fault: disconnect");
		else if (c->flush_close && evbuffer_get_length(c->out) == 0)
			conn_close(c, NULL);
		return;
	}
	if (v->disconnect == CONN_DISC_MID)
		n = n / 2 > 0 ? n / 2 : 1;
	p = (const char *)evbuffer_pullup(c->held, (ssize_t)n);
	while (off < n && h != NULL && h->on_io != NULL) {
		len = 0;
		while (off + len < n && p[off + len] != '\n')
			len++;
		flags = (off + len < n && (len == 0 ||
		    p[off + len - 1] != '\r')) ? FRAME_BARE_LF : 0;
		h->on_io(h->arg, c, CONN_DIR_OUT, p + off,
		    len > 0 && p[off + len - 1] == '\r' ? len - 1 : len, flags);
		off += len + 1;
	}
	if (v->drip_bps != 0 || v->malformed == CONN_MAL_SPLIT) {
		c->dripping = true;
		/* split: one byte per millisecond, one write each. */
		if (v->malformed == CONN_MAL_SPLIT)
			conn_set_bucket(c, 1, 1000);
		else
			conn_set_rate(c, v->drip_bps);
	} else
		conn_set_rate(c, c->throttle_bps);
	if (evbuffer_remove_buffer(c->held, c->out, n) != (int)n)
		fatalx("%s: evbuffer_remove_buffer failed", __func__);
	evbuffer_drain(c->held, evbuffer_get_length(c->held));
	if (v->disconnect != CONN_DISC_NONE)
		conn_close_after_flush(c, "fault: disconnect");
	else
		conn_check_output(c);
}

/* Break the held reply on purpose (scenario "malformed:"). */
static void
conn_verdict_mangle(struct conn *c, enum conn_malformed how)
{
	struct evbuffer	*out;
	const char	*p;
	size_t		 n, i, start;

	if (how == CONN_MAL_NONE || how == CONN_MAL_SPLIT || c->held == NULL ||
	    (n = evbuffer_get_length(c->held)) == 0)
		return;
	if ((out = evbuffer_new()) == NULL)
		fatalx("conn: evbuffer_new failed");
	p = (const char *)evbuffer_pullup(c->held, (ssize_t)n);
	start = 0;
	for (i = 0; i <= n; i++) {
		if (i < n && p[i] != '\n')
			continue;
		switch (how) {
		case CONN_MAL_BARE_LF:
			/* "250 ok\r\n" leaves as "250 ok\n" (RFC 5321 2.3.8). */
			evbuffer_add(out, p + start, i > start &&
			    p[i - 1] == '\r' ? i - 1 - start : i - start);
			if (i < n)
				evbuffer_add(out, "\n", 1);
			break;
		case CONN_MAL_BAD_CONT:
			/* Swap "ddd-" and "ddd " (RFC 5321 4.2.1). */
			evbuffer_add(out, p + start, MIN(3, i - start));
			if (i - start > 3) {
				evbuffer_add(out, p[start + 3] == '-' ? " " :
				    p[start + 3] == ' ' ? "-" : p + start + 3,
				    1);
				evbuffer_add(out, p + start + 4,
				    i - start - 4);
			}
			if (i < n)
				evbuffer_add(out, "\n", 1);
			break;
		case CONN_MAL_WRONG_TAG:
			/* A tagged line ("a1 OK ...") gets another tag. */
			if (i - start > 0 && p[start] != '*' &&
			    p[start] != '+')
				evbuffer_add(out, "X", 1);
			evbuffer_add(out, p + start, i - start);
			if (i < n)
				evbuffer_add(out, "\n", 1);
			break;
		case CONN_MAL_NONE:
		case CONN_MAL_SPLIT:
		case CONN_MAL__COUNT:
		default:
			fatalx("%s: bad malformed %d", __func__, (int)how);
		}
		start = i + 1;
	}
	evbuffer_drain(c->held, n);
	evbuffer_add_buffer(c->held, out);
	evbuffer_free(out);
}

/*
 * Write-rate limit in bytes per second; 0 lifts it.  The bucket refills
 * every ~50 ms: the event loop's timers fire a millisecond or two late,
 * and with one byte per 2 ms tick that lateness halved a 500 B/s drip.
 */
static void
conn_set_rate(struct conn *c, unsigned bps)
{
	size_t	per;

	if (bps == 0) {
		conn_set_bucket(c, 0, 0);
		return;
	}
	per = bps / 20 + (bps % 20 != 0);
	conn_set_bucket(c, per, (unsigned)MIN(1000000ULL * per / bps,
	    999999));
}

/* per bytes every tick_us; per 0 lifts the limit. */
static void
conn_set_bucket(struct conn *c, size_t per, unsigned tick_us)
{
	struct timeval	tick;

	if (c->bev == NULL)
		return;
	if (c->rate != NULL) {
		bufferevent_set_rate_limit(c->bev, NULL);
		ev_token_bucket_cfg_free(c->rate);
		c->rate = NULL;
	}
	if (per == 0)
		return;
	tick.tv_sec = 0;
	tick.tv_usec = tick_us;
	c->rate = ev_token_bucket_cfg_new(EV_RATE_LIMIT_MAX, EV_RATE_LIMIT_MAX,
	    per, per, &tick);
	if (c->rate == NULL || bufferevent_set_rate_limit(c->bev, c->rate) != 0)
		fatalx("conn: cannot set a rate limit");
}
