/*
 * server.h: one running mailrig: the event loop, the shared connection
 * environment, TLS, the store, capture and every listener, assembled from
 * the options.  `serve` runs it until a signal; `run` will run it around
 * a client command.
 */
#ifndef MAILRIG_SERVER_H
#define MAILRIG_SERVER_H

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

#endif
