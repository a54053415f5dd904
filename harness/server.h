/*
 * server.h: one running mailrig: the event loop, the shared connection
 * environment, TLS, the store, capture and every listener, assembled from
 * the options.  `serve` runs it until a signal; `run` will run it around
 * a client command.
 */
#ifndef MAILRIG_SERVER_H
#define MAILRIG_SERVER_H

#include <stdint.h>
#include <stdio.h>

#include "harness/opts.h"

struct server;

/*
 * Build and listen.  NULL with a message in err for exit code 2.  opts is
 * borrowed and must outlive the server.
 */
struct server	*server_new(const struct opts *, char *err, size_t size);
void		 server_free(struct server *);
/* The one JSON line of chosen ports (DESIGN "Command line"). */
void		 server_print_ports(const struct server *, FILE *);
/* Run until SIGINT/SIGTERM, then let sessions end (bounded). */
void		 server_run(struct server *);

/* For `mailrig run`: borrowed, valid while the server is. */
struct event_base *server_base(struct server *);
struct store	*server_store(struct server *);
struct capture	*server_capture(struct server *);
/* The port a server listens on, or -1 if it is off. */
int		 server_port(const struct server *, enum opts_port);
/* "http://127.0.0.1:8025" for MAILRIG_API_URL; "" if HTTP is off. */
const char	*server_api_url(const struct server *);
/* The CA file clients can verify with ("" with --cert). */
const char	*server_ca_path(const struct server *);
/*
 * Run the loop until no session is open or max_ms passed; then stop
 * accepting, ask open sessions to end and run until they did (bounded).
 * Returns the sessions that were still open after max_ms.
 */
unsigned	 server_finish(struct server *, uint64_t max_ms);

#endif
