/*
 * opts.c: command-line parsing for `mailrig serve` (getopt_long).
 *
 * Numbers are parsed with str_to_u64, never atoi: a typo is an error with
 * exit 2, not a silent 0.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakes/base/defs.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "harness/opts.h"

static const char *const opts_port_names[] = {
	[OPTS_P_SMTP] = "smtp",
	[OPTS_P_SUBMISSION] = "submission",
	[OPTS_P_SMTPS] = "smtps",
	[OPTS_P_POP3] = "pop3",
	[OPTS_P_POP3S] = "pop3s",
	[OPTS_P_IMAP] = "imap",
	[OPTS_P_IMAPS] = "imaps",
};
_Static_assert(nitems(opts_port_names) == OPTS_P__COUNT,
    "opts_port_names out of sync with enum opts_port");

#define OPTS_HTTP_PORT	8025

static const int opts_port_defaults[] = {
	[OPTS_P_SMTP] = 1025,
	[OPTS_P_SUBMISSION] = 1587,
	[OPTS_P_SMTPS] = 1465,
	[OPTS_P_POP3] = 1110,
	[OPTS_P_POP3S] = 1995,
	[OPTS_P_IMAP] = 1143,
	[OPTS_P_IMAPS] = 1993,
};
_Static_assert(nitems(opts_port_defaults) == OPTS_P__COUNT,
    "opts_port_defaults out of sync with enum opts_port");

enum {
	OPT_BIND = 256,
	/* one per enum opts_port, in its order */
	OPT_SMTP, OPT_SUBMISSION, OPT_SMTPS, OPT_POP3, OPT_POP3S, OPT_IMAP,
	OPT_IMAPS, OPT_FREE,
	OPT_CERT, OPT_KEY, OPT_CA, OPT_MAILDIR, OPT_CAPTURE, OPT_USER,
	OPT_HOST, OPT_MAXSESS, OPT_IDLE, OPT_SIZE, OPT_HTTP, OPT_TOKEN, OPT_NOCHECK
};

static const struct option opts_long[] = {
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "smtp-port", required_argument, NULL, OPT_SMTP },
	{ "submission-port", required_argument, NULL, OPT_SUBMISSION },
	{ "smtps-port", required_argument, NULL, OPT_SMTPS },
	{ "pop3-port", required_argument, NULL, OPT_POP3 },
	{ "pop3s-port", required_argument, NULL, OPT_POP3S },
	{ "imap-port", required_argument, NULL, OPT_IMAP },
	{ "imaps-port", required_argument, NULL, OPT_IMAPS },
	{ "free-ports", no_argument, NULL, OPT_FREE },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "ca-file", required_argument, NULL, OPT_CA },
	{ "maildir", required_argument, NULL, OPT_MAILDIR },
	{ "capture-dir", required_argument, NULL, OPT_CAPTURE },
	{ "user", required_argument, NULL, OPT_USER },
	{ "hostname", required_argument, NULL, OPT_HOST },
	{ "max-sessions", required_argument, NULL, OPT_MAXSESS },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "http-port", required_argument, NULL, OPT_HTTP },
	{ "api-token", required_argument, NULL, OPT_TOKEN },
	{ "no-check", no_argument, NULL, OPT_NOCHECK },
	{ "scenario", required_argument, NULL, 's' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int	opts_number(const char *, const char *, uint64_t, uint64_t *,
		    char *, size_t);
static int	opts_port_arg(struct opts *, enum opts_port, const char *,
		    char *, size_t);
static int	opts_user_arg(struct opts *, const char *, char *, size_t);
static int	opts_http_arg(struct opts *, const char *, char *, size_t);

const char *
opts_port_name(enum opts_port p)
{
	if ((size_t)p >= nitems(opts_port_names))
		return "?";
	return opts_port_names[p];
}

const char *
opts_serve_usage(void)
{
	return
	    "usage: mailrig serve [-s scenario.yaml] [options]\n"
	    "  -s, --scenario FILE     run the scenario's servers, users "
	    "and rules\n"
	    "  --bind ADDR             listen address (127.0.0.1)\n"
	    "  --smtp-port N           SMTP with STARTTLS (1025)\n"
	    "  --submission-port N     submission, STARTTLS+AUTH required "
	    "(1587)\n"
	    "  --smtps-port N          SMTP over implicit TLS (1465)\n"
	    "  --pop3-port N           POP3 with STLS (1110)\n"
	    "  --pop3s-port N          POP3 over implicit TLS (1995)\n"
	    "  --imap-port N           IMAP with STARTTLS (1143)\n"
	    "  --imaps-port N          IMAP over implicit TLS (1993)\n"
	    "  --http-port N           HTTP API and web inbox (8025)\n"
	    "  --api-token TOKEN       require \"Authorization: Bearer "
	    "TOKEN\" on HTTP\n"
	    "                          (needed when --bind is not "
	    "loopback)\n"
	    "  --free-ports            every port 0: pick free ones\n"
	    "                          (a port of 0 picks a free one, "
	    "'off' disables it)\n"
	    "  --cert FILE --key FILE  TLS certificate chain and key "
	    "(PEM)\n"
	    "  --ca-file FILE          where to write the generated CA "
	    "(PEM)\n"
	    "  --maildir DIR           also write each message to "
	    "DIR/<rcpt>/new/\n"
	    "  --capture-dir DIR       write session-<id>.json per "
	    "session\n"
	    "  --user NAME:PASSWORD    require these credentials "
	    "(repeatable)\n"
	    "  --hostname NAME         name in greetings (localhost)\n"
	    "  --max-sessions N        concurrent sessions (1024)\n"
	    "  --idle-timeout SECONDS  idle timeout (SMTP: 300)\n"
	    "  --size BYTES            SIZE limit (33554432)\n"
	    "  --no-check              do not judge sessions against the RFCs\n"
	    "  -v, --verbose           more logging (repeat for more)\n";
}

static int
opts_number(const char *name, const char *arg, uint64_t max, uint64_t *out,
    char *err, size_t size)
{
	if (!str_to_u64(arg, strlen(arg), max, out)) {
		snprintf(err, size, "--%s: '%s' is not a number from 0 to "
		    "%llu", name, arg, (unsigned long long)max);
		return -1;
	}
	return 0;
}

static int
opts_port_arg(struct opts *o, enum opts_port p, const char *arg, char *err,
    size_t size)
{
	uint64_t	v;
	char		name[32];

	if (strcmp(arg, "off") == 0) {
		o->ports[p] = -1;
		return 0;
	}
	snprintf(name, sizeof(name), "%s-port", opts_port_name(p));
	if (opts_number(name, arg, 65535, &v, err, size) == -1)
		return -1;
	o->ports[p] = (int)v;
	return 0;
}

static int
opts_http_arg(struct opts *o, const char *arg, char *err, size_t size)
{
	uint64_t	v;

	if (strcmp(arg, "off") == 0) {
		o->http_port = -1;
		return 0;
	}
	if (opts_number("http-port", arg, 65535, &v, err, size) == -1)
		return -1;
	o->http_port = (int)v;
	return 0;
}

bool
opts_is_loopback(const char *a)
{
	return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0 ||
	    strcmp(a, "localhost") == 0;
}

static int
opts_user_arg(struct opts *o, const char *arg, char *err, size_t size)
{
	char	*copy, *colon;

	if (o->nusers == OPTS_USERS_MAX) {
		snprintf(err, size, "--user: at most %d users",
		    OPTS_USERS_MAX);
		return -1;
	}
	copy = xstrdup(arg);
	if ((colon = strchr(copy, ':')) == NULL || colon == copy) {
		snprintf(err, size, "--user: expected NAME:PASSWORD, got "
		    "'%s'", arg);
		free(copy);
		return -1;
	}
	*colon = '\0';
	o->user_args[o->nusers] = copy;
	o->users[o->nusers].name = copy;
	o->users[o->nusers].password = colon + 1;
	o->nusers++;
	return 0;
}

int
opts_parse_serve(struct opts *o, int argc, char **argv, char *err,
    size_t size)
{
	uint64_t	v;
	int		ch, i;

	memset(o, 0, sizeof(*o));
	o->bind = "127.0.0.1";
	o->hostname = "localhost";
	for (i = 0; i < OPTS_P__COUNT; i++)
		o->ports[i] = opts_port_defaults[i];
	o->http_port = OPTS_HTTP_PORT;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":vhs:", opts_long, NULL)) != -1) {
		switch (ch) {
		case OPT_BIND: o->bind = optarg; break;
		case OPT_SMTP:
		case OPT_SUBMISSION:
		case OPT_SMTPS:
		case OPT_POP3:
		case OPT_POP3S:
		case OPT_IMAP:
		case OPT_IMAPS:
			if (opts_port_arg(o, (enum opts_port)(ch - OPT_SMTP),
			    optarg, err, size) == -1)
				return -1;
			break;
		case OPT_FREE:
			for (i = 0; i < OPTS_P__COUNT; i++)
				o->ports[i] = 0;
			o->http_port = 0;
			break;
		case OPT_HTTP:
			if (opts_http_arg(o, optarg, err, size) == -1)
				return -1;
			break;
		case OPT_TOKEN:
			if (*optarg == '\0') {
				snprintf(err, size, "--api-token: empty");
				return -1;
			}
			o->api_token = optarg;
			break;
		case OPT_NOCHECK:
			o->no_check = true;
			break;
		case OPT_CERT: o->cert = optarg; break;
		case OPT_KEY: o->key = optarg; break;
		case OPT_CA: o->ca_file = optarg; break;
		case OPT_MAILDIR: o->maildir = optarg; break;
		case OPT_CAPTURE: o->capture_dir = optarg; break;
		case OPT_HOST: o->hostname = optarg; break;
		case OPT_USER:
			if (opts_user_arg(o, optarg, err, size) == -1)
				return -1;
			break;
		case OPT_MAXSESS:
			if (opts_number("max-sessions", optarg, 1000000, &v,
			    err, size) == -1)
				return -1;
			o->max_sessions = (unsigned)v;
			break;
		case OPT_IDLE:
			if (opts_number("idle-timeout", optarg, 86400, &v,
			    err, size) == -1)
				return -1;
			o->idle_timeout = (unsigned)v;
			break;
		case OPT_SIZE:
			if (opts_number("size", optarg, UINT64_C(1) << 40, &v,
			    err, size) == -1)
				return -1;
			o->size = v;
			break;
		case 's': o->scenario_path = optarg; break;
		case 'v': o->verbose++; break;
		case 'h':
			snprintf(err, size, "%s", opts_serve_usage());
			return -1;
		case ':':
			snprintf(err, size, "%s needs an argument",
			    argv[optind - 1]);
			return -1;
		default:
			snprintf(err, size, "unknown option %s",
			    argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		snprintf(err, size, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if ((o->cert == NULL) != (o->key == NULL)) {
		snprintf(err, size, "--cert and --key go together");
		return -1;
	}
	/* Captured mail is private: off loopback, the API needs a token. */
	if (o->http_port >= 0 && o->api_token == NULL &&
	    !opts_is_loopback(o->bind)) {
		snprintf(err, size, "--api-token is required when --bind %s "
		    "is not a loopback address (or --http-port off)",
		    o->bind);
		return -1;
	}
	return 0;
}

void
opts_fini(struct opts *o)
{
	size_t	i;

	for (i = 0; i < o->nusers; i++)
		free(o->user_args[i]);
	o->nusers = 0;
}
