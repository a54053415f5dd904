/*
 * api.h: the HTTP API (DESIGN "HTTP API and web inbox"): Mailpit's API v1
 * message endpoints, mailrig's sessions, findings, report, scenario and
 * waiting read, a server-sent event stream and /livez, /readyz, served
 * by libevent's evhttp on the server's own loop.  It never blocks the
 * loop: answers are built in memory and queued with evbuffer.
 */
#ifndef MAILRIG_API_H
#define MAILRIG_API_H

#include <stdint.h>

#include "fakes/base/defs.h"

struct api;
struct capture;
struct event_base;
struct evhttp_request;
struct scenario;
struct store;
struct store_msg;

struct api_conf {
	struct event_base	*base;		/* borrowed */
	const char		*bind;		/* "127.0.0.1" */
	int			 port;		/* 0: a free one */
	const char		*token;		/* NULL: no Authorization */
	struct store		*store;		/* borrowed */
	struct capture		*capture;	/* borrowed */
	const struct scenario	*scenario;	/* borrowed; NULL: none */
};

/*
 * Listen and serve.  NULL with a message in err (size bytes) if the
 * address cannot be bound.  Everything in conf is borrowed and must
 * outlive the api; free the api before the store and the capture.
 */
struct api	*api_new(const struct api_conf *, char *err, size_t size)
		    ATTR_WUR;
/* Closes every HTTP connection, parked requests included. */
void		 api_free(struct api *);
/* The port bound (useful with port 0). */
int		 api_port(const struct api *);

/* The store accepted m: event stream and waiting reads. */
void		 api_note_message(struct api *, const struct store_msg *m);
/* Session id ended (its transcript is final): event stream. */
void		 api_note_session(struct api *, uint64_t id);

/*
 * Requests for paths outside /api/, /view/, /livez and /readyz go to cb
 * (the web inbox), after the token check; without one they get 404.
 */
void		 api_set_fallback(struct api *,
		    void (*cb)(struct evhttp_request *, void *), void *arg);

#endif
