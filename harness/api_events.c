/*
 * api_events.c: GET /api/v1/events, the live event stream as server-sent
 * events (WHATWG HTML "Server-sent events"): "message" with the list
 * summary of each new message, "session" when a session ends, "finding"
 * for each conformance finding of it.  A comment line every
 * API_EVENTS_KEEPALIVE_SEC keeps proxies from closing a quiet stream and
 * shows a dead peer at the next write.
 *
 * Owns the subscribers: at most API_EVENTS_SUBS_MAX (503 beyond), each
 * dropped when API_EVENTS_BUF_MAX bytes wait unsent, so a reader that
 * stops reading cannot hold memory.  Nothing is replayed to a new
 * subscriber: it lists first, then follows the stream.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/xalloc.h"
#include "harness/api_int.h"

struct api_events_sub {
	struct api_events		*ev;		/* borrowed owner */
	struct evhttp_request		*req;		/* owned by evhttp */
	struct evhttp_connection	*conn;		/* owned by evhttp */
	TAILQ_ENTRY(api_events_sub)	 entry;
};

struct api_events {
	struct event			*keepalive;	/* owned */
	TAILQ_HEAD(, api_events_sub)	 subs;
	size_t				 n;
};

static void	api_events_close_cb(struct evhttp_connection *, void *);
static void	api_events_keepalive_cb(evutil_socket_t, short, void *);
static void	api_events_write(struct api_events_sub *, const char *,
		    size_t);
static void	api_events_drop(struct api_events_sub *, bool);

struct api_events *
api_events_new(struct event_base *base)
{
	struct api_events	*ev;
	struct timeval		 tv = { .tv_sec = API_EVENTS_KEEPALIVE_SEC };

	ev = xcalloc(1, sizeof(*ev));
	TAILQ_INIT(&ev->subs);
	ev->keepalive = event_new(base, -1, EV_PERSIST,
	    api_events_keepalive_cb, ev);
	if (ev->keepalive == NULL)
		fatalx("%s: event_new failed", __func__);
	evtimer_add(ev->keepalive, &tv);
	return ev;
}

/* The connections themselves die with the evhttp. */
void
api_events_free(struct api_events *ev)
{
	struct api_events_sub	*s;

	if (ev == NULL)
		return;
	while ((s = TAILQ_FIRST(&ev->subs)) != NULL)
		api_events_drop(s, false);
	event_free(ev->keepalive);
	free(ev);
}

size_t
api_events_count(const struct api_events *ev)
{
	return ev->n;
}

void
api_events_subscribe(struct api_events *ev, struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct api_events_sub	*s;
	static const char	 hello[] = ": mailrig events\nretry: 2000\n\n";

	if (ev->n >= API_EVENTS_SUBS_MAX) {
		api_reply_error(req, 503, "too many event subscribers");
		return;
	}
	s = xcalloc(1, sizeof(*s));
	s->ev = ev;
	s->req = req;
	s->conn = evhttp_request_get_connection(req);
	TAILQ_INSERT_TAIL(&ev->subs, s, entry);
	ev->n++;
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	evhttp_send_reply_start(req, 200, "OK");
	evhttp_connection_set_closecb(s->conn, api_events_close_cb, s);
	api_events_write(s, hello, sizeof(hello) - 1);
}

void
api_events_send(struct api_events *ev, const char *name, cJSON *data)
{
	struct api_events_sub	*s, *next;
	char			*json, *msg;

	json = api_json_print_free(data);
	/* cJSON escapes newlines, so the data is one "data:" line. */
	msg = xasprintf("event: %s\ndata: %s\n\n", name, json);
	free(json);
	for (s = TAILQ_FIRST(&ev->subs); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		api_events_write(s, msg, strlen(msg));
	}
	free(msg);
}

static void
api_events_write(struct api_events_sub *s, const char *p, size_t len)
{
	struct bufferevent	*bev;
	struct evbuffer		*b;

	bev = evhttp_connection_get_bufferevent(s->conn);
	if (bev != NULL && evbuffer_get_length(bufferevent_get_output(bev)) >
	    API_EVENTS_BUF_MAX) {
		log_info("api: events subscriber too slow, dropped");
		api_events_drop(s, true);
		return;
	}
	if ((b = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	evbuffer_add(b, p, len);
	evhttp_send_reply_chunk(s->req, b);
	evbuffer_free(b);
}

static void
api_events_keepalive_cb(evutil_socket_t fd, short what, void *arg)
{
	struct api_events	*ev = arg;
	struct api_events_sub	*s, *next;
	static const char	 ka[] = ": keep-alive\n\n";

	for (s = TAILQ_FIRST(&ev->subs); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		api_events_write(s, ka, sizeof(ka) - 1);
	}
}

/* The peer went away: evhttp frees the request and the connection. */
static void
api_events_close_cb(struct evhttp_connection *conn, void *arg)
{
	struct api_events_sub	*s = arg;

	s->conn = NULL;
	api_events_drop(s, false);
}

static void
api_events_drop(struct api_events_sub *s, bool close)
{
	struct evhttp_connection	*conn = s->conn;

	TAILQ_REMOVE(&s->ev->subs, s, entry);
	s->ev->n--;
	if (conn != NULL)
		evhttp_connection_set_closecb(conn, NULL, NULL);
	free(s);
	if (close && conn != NULL)
		evhttp_connection_free(conn);
}
