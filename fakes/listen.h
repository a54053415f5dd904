/*
 * listen.h: TCP listeners.  Binds address:port (port 0 picks a free one,
 * read back with getsockname), accepts with evconnlistener and hands each
 * socket to conn_accept() with the port's description.
 */
#ifndef MAILRIG_LISTEN_H
#define MAILRIG_LISTEN_H

#include "fakes/conn.h"

struct listener;

/*
 * Listen on addr:port for the given port description (copied; its
 * pointers are borrowed and must outlive the listener).  Returns NULL and
 * sets *error_r (static text, valid until the next call) on failure.
 */
struct listener	*listen_new(struct conn_env *, const char *addr, int port,
		    const struct conn_port *, const char **error_r);
/* Connections borrow the port description: free them first. */
void		 listen_free(struct listener *);
/* Stop accepting; live connections keep their port description. */
void		 listen_stop(struct listener *);
int		 listen_port(const struct listener *);	/* the bound port */
const struct conn_port *listen_conn_port(const struct listener *);

#endif
