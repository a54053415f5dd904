/*
 * opts.h: the command line of `mailrig serve`, with its defaults (DESIGN
 * "Command line"): loopback, SMTP 1025, submission 1587, SMTPS 1465,
 * POP3 1110, POP3S 1995, IMAP 1143, IMAPS 1993, HTTP 8025, store in
 * memory.  A port of 0 picks a free one; -1 turns a port off.
 */
#ifndef MAILRIG_OPTS_H
#define MAILRIG_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPTS_USERS_MAX	256

enum opts_port {
	OPTS_P_SMTP,
	OPTS_P_SUBMISSION,
	OPTS_P_SMTPS,
	OPTS_P_POP3,
	OPTS_P_POP3S,
	OPTS_P_IMAP,
	OPTS_P_IMAPS,
	OPTS_P__COUNT
};

struct opts_user {
	const char	*name;		/* borrowed from argv */
	const char	*password;	/* borrowed from argv */
};

struct scenario;

struct opts {
	const char	*bind;		/* "127.0.0.1" */
	const char	*scenario_path;	/* -s FILE; NULL: none */
	const struct scenario *scenario;	/* owned by the command that
					   loaded it; NULL: none */
	int		 ports[OPTS_P__COUNT];	/* -1 off, 0 free */
	int		 http_port;	/* the HTTP API: -1 off, 0 free */
	const char	*api_token;	/* NULL: the API is open */
	bool		 no_check;	/* --no-check: no conformance */
	const char	*cert;		/* NULL: generate */
	const char	*key;
	const char	*ca_file;	/* where the generated CA goes */
	const char	*maildir;	/* NULL: memory only */
	const char	*capture_dir;	/* NULL: memory only */
	const char	*hostname;	/* "localhost" */
	unsigned	 max_sessions;
	unsigned	 idle_timeout;	/* seconds; 0: protocol default */
	uint64_t	 size;		/* SIZE; 0: default */
	int		 verbose;	/* -v count */
	struct opts_user users[OPTS_USERS_MAX];
	size_t		 nusers;
	char		*user_args[OPTS_USERS_MAX];	/* owned copies */
};

/* The name of a port as printed and as a conn_port name ("smtps"). */
const char *opts_port_name(enum opts_port);

/*
 * Parse the options after "serve" (argv[0] is "serve").  Returns 0, or -1
 * with a message in err (size bytes) for exit code 2.
 */
int	opts_parse_serve(struct opts *, int argc, char **argv, char *err,
	    size_t size);
void	opts_fini(struct opts *);
/* Whether an address is loopback ("127.0.0.0/8", "::1", "localhost"). */
bool	opts_is_loopback(const char *addr);
/* The usage text for `mailrig serve`. */
const char *opts_serve_usage(void);

#endif
