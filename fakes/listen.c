/*
 * listen.c: TCP listeners on the shared event loop.
 *
 * Port 0 picks a free port (read back with getsockname) so parallel test
 * runs never collide.  Each accepted socket goes to conn_accept(), which
 * enforces the session cap.
 */
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/listener.h>

#include "fakes/base/log.h"
#include "fakes/base/xalloc.h"
#include "fakes/listen.h"

struct listener {
	struct conn_env		*env;		/* borrowed */
	struct evconnlistener	*lev;		/* owned */
	struct conn_port	 port;		/* copy; pointers borrowed */
};

static void	listen_accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	listen_error_cb(struct evconnlistener *, void *);

struct listener *
listen_new(struct conn_env *env, const char *addr, int port,
    const struct conn_port *cp, const char **error_r)
{
	static char		 err[640];
	struct listener		*l;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	struct addrinfo		 hints, *ai = NULL;
	char			 service[16];
	int			 rc;

	/* Numeric only: binding never waits for a resolver. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%d", port);
	if ((rc = getaddrinfo(addr, service, &hints, &ai)) != 0) {
		snprintf(err, sizeof(err), "%s: bad listen address '%s': %s",
		    cp->name, addr, gai_strerror(rc));
		*error_r = err;
		return NULL;
	}
	l = xcalloc(1, sizeof(*l));
	l->env = env;
	l->port = *cp;
	l->lev = evconnlistener_new_bind(conn_env_base(env), listen_accept_cb,
	    l, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	    LEV_OPT_CLOSE_ON_EXEC, 1024, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (l->lev == NULL) {
		snprintf(err, sizeof(err), "%s: cannot listen on %s port %d: "
		    "%s", cp->name, addr, port, strerror(errno));
		*error_r = err;
		free(l);
		return NULL;
	}
	if (getsockname(evconnlistener_get_fd(l->lev),
	    (struct sockaddr *)&ss, &sslen) == -1)
		fatal("listen: getsockname");
	if (ss.ss_family == AF_INET6)
		l->port.port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		l->port.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	evconnlistener_set_error_cb(l->lev, listen_error_cb);
	log_info("listen: %s on %s:%d", cp->name, addr, l->port.port);
	return l;
}

void
listen_free(struct listener *l)
{
	if (l == NULL)
		return;
	evconnlistener_free(l->lev);
	free(l);
}

void
listen_stop(struct listener *l)
{
	if (l != NULL)
		evconnlistener_disable(l->lev);
}

int
listen_port(const struct listener *l)
{
	return l->port.port;
}

const struct conn_port *
listen_conn_port(const struct listener *l)
{
	return &l->port;
}

static void
listen_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct listener	*l = arg;

	(void)conn_accept(l->env, &l->port, fd, sa, socklen);
}

/* Out of descriptors and the like: log and keep listening. */
static void
listen_error_cb(struct evconnlistener *lev, void *arg)
{
	struct listener	*l = arg;

	log_warnx("listen: %s: accept: %s", l->port.name,
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}
