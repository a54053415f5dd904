/*
 * scenario.c: the scenario loader (issue 5, STYLE 3.10).  Reads one YAML
 * document with libyaml, keeps node marks for "FILE:LINE:COL" messages,
 * and builds the const struct scenario: the top level, servers (TLS and
 * auth modes, capability sets per protocol: RFC 5321 4.1.1.1 EHLO
 * keywords, RFC 2449 6 CAPA tags, RFC 3501 7.2.1 CAPABILITY atoms), users
 * and their mailboxes with fixture messages (RFC 3501 2.3.2 flags,
 * RFC 3339 5.6 dates -> INTERNALDATE).  Fixture files are read here, so
 * nothing at run time can find one missing.
 *
 * The typed accessors every part of the loader uses are in
 * scenario_yaml.c; rules, script and run are in scenario_rules.c,
 * expectations in scenario_expect.c.  It starts nothing and does no
 * network I/O.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/sasl.h"
#include "fakes/store.h"
#include "harness/scenario.h"
#include "harness/scenario_int.h"

/* loading */
static struct scenario *scenario_parse(const char *, const char *,
		    size_t, char *, size_t);
static int	scenario_load_top(struct scen_ctx *, const yaml_node_t *);
static int	scenario_read_file(const char *, size_t, char **, size_t *,
		    char *, size_t);
static char	*scenario_dirname(const char *);
static char	*scenario_path(const struct scenario *, const char *);

/* servers */
static int	scenario_load_servers(struct scen_ctx *, const yaml_node_t *);
static int	scenario_load_server(struct scen_ctx *, enum scen_server,
		    const yaml_node_t *, const yaml_node_t *);
static void	scenario_server_defaults(struct scen_server_conf *,
		    enum scen_server);
static int	scenario_load_caps(struct scen_ctx *, enum scen_server,
		    struct scen_server_conf *, const yaml_node_t *);
static int	scenario_load_cap(struct scen_ctx *, enum scen_proto,
		    struct scen_server_conf *, struct scen_cap *,
		    const yaml_node_t *);
static int	scenario_cap_mechs(struct scen_ctx *, const yaml_node_t *,
		    const char *, unsigned *);
static int	scenario_server_check(struct scen_ctx *, enum scen_server,
		    struct scen_server_conf *, const yaml_node_t *,
		    const yaml_node_t *);

/* users and fixtures */
static int	scenario_load_users(struct scen_ctx *, const yaml_node_t *);
static int	scenario_load_user(struct scen_ctx *, struct scen_user *,
		    const yaml_node_t *);
static int	scenario_load_mailbox(struct scen_ctx *, struct scen_mailbox *,
		    const yaml_node_t *, const yaml_node_t *);
static int	scenario_mailbox_name(struct scen_ctx *, const yaml_node_t *,
		    char **);
static int	scenario_load_msg(struct scen_ctx *, struct scen_msg *,
		    const yaml_node_t *);
static int	scenario_load_flags(struct scen_ctx *, struct scen_msg *,
		    const yaml_node_t *);
static char	*scenario_crlf(const char *, size_t, size_t *);
static int	scenario_date(const char *, int64_t *);
static int64_t	scenario_days(int64_t, unsigned, unsigned);

/* freeing */
static void	scenario_server_fini(struct scen_server_conf *);
static void	scenario_user_fini(struct scen_user *);

static const char *const scenario_proto_names[] = {
	[SCEN_P_SMTP] = "smtp",
	[SCEN_P_POP3] = "pop3",
	[SCEN_P_IMAP] = "imap",
};
_Static_assert(nitems(scenario_proto_names) == SCEN_P__COUNT,
    "scenario_proto_names");

static const char *const scenario_server_names[] = {
	[SCEN_SRV_SMTP] = "smtp",
	[SCEN_SRV_SUBMISSION] = "submission",
	[SCEN_SRV_SMTPS] = "smtps",
	[SCEN_SRV_POP3] = "pop3",
	[SCEN_SRV_POP3S] = "pop3s",
	[SCEN_SRV_IMAP] = "imap",
	[SCEN_SRV_IMAPS] = "imaps",
};
_Static_assert(nitems(scenario_server_names) == SCEN_SRV__COUNT,
    "scenario_server_names");

static const enum scen_proto scenario_server_protos[] = {
	[SCEN_SRV_SMTP] = SCEN_P_SMTP,
	[SCEN_SRV_SUBMISSION] = SCEN_P_SMTP,
	[SCEN_SRV_SMTPS] = SCEN_P_SMTP,
	[SCEN_SRV_POP3] = SCEN_P_POP3,
	[SCEN_SRV_POP3S] = SCEN_P_POP3,
	[SCEN_SRV_IMAP] = SCEN_P_IMAP,
	[SCEN_SRV_IMAPS] = SCEN_P_IMAP,
};
_Static_assert(nitems(scenario_server_protos) == SCEN_SRV__COUNT,
    "scenario_server_protos");

static const char *const scenario_stage_names[] = {
	[SCEN_ST_CONNECT] = "connect",
	[SCEN_ST_GREETING] = "greeting",
	[SCEN_ST_TLS] = "tls",
	[SCEN_ST_ANY] = "any",
	[SCEN_ST_DATA] = "data",
	[SCEN_ST_LITERAL] = "literal",
	[SCEN_ST_IDLE] = "idle",
	[SCEN_ST_COMMAND] = "command",
};
_Static_assert(nitems(scenario_stage_names) == SCEN_ST__COUNT,
    "scenario_stage_names");

static const char *const scenario_tls_names[] = {
	[SCEN_TLS_NONE] = "none",
	[SCEN_TLS_STARTTLS] = "starttls",
	[SCEN_TLS_REQUIRED] = "required",
	[SCEN_TLS_IMPLICIT] = "implicit",
};
_Static_assert(nitems(scenario_tls_names) == SCEN_TLS__COUNT,
    "scenario_tls_names");

static const char *const scenario_auth_names[] = {
	[SCEN_AUTH_NONE] = "none",
	[SCEN_AUTH_OPTIONAL] = "optional",
	[SCEN_AUTH_REQUIRED] = "required",
	[SCEN_AUTH_REQUIRED_AFTER_TLS] = "required-after-tls",
};
_Static_assert(nitems(scenario_auth_names) == SCEN_AUTH__COUNT,
    "scenario_auth_names");

static const char *const scenario_disconnect_names[] = {
	[SCEN_DISC_NONE] = "none",
	[SCEN_DISC_BEFORE_REPLY] = "before-reply",
	[SCEN_DISC_AFTER_REPLY] = "after-reply",
	[SCEN_DISC_MID_REPLY] = "mid-reply",
};
_Static_assert(nitems(scenario_disconnect_names) == SCEN_DISC__COUNT,
    "scenario_disconnect_names");

static const char *const scenario_malformed_names[] = {
	[SCEN_MAL_NONE] = "none",
	[SCEN_MAL_BARE_LF] = "bare-lf",
	[SCEN_MAL_BAD_CONTINUATION] = "bad-continuation",
	[SCEN_MAL_WRONG_TAG] = "wrong-tag",
	[SCEN_MAL_SPLIT] = "split",
};
_Static_assert(nitems(scenario_malformed_names) == SCEN_MAL__COUNT,
    "scenario_malformed_names");

/*
 * Capability keywords and the protocols that have them: SMTP RFC 5321
 * 4.1.1.1 and the extension RFCs, POP3 RFC 2449 6 (APOP is mailrig's
 * name for the RFC 1939 7 greeting timestamp), IMAP RFC 3501 7.2.1 and
 * the extension RFCs.
 */
#define SCEN_PB(p)	(1u << (p))
static const struct scenario_cap_def {
	const char	*name;
	unsigned	 protos;	/* SCEN_PB() */
} scenario_caps[] = {
	[SCEN_CAP_SIZE] = { "SIZE", SCEN_PB(SCEN_P_SMTP) },
	[SCEN_CAP_PIPELINING] = { "PIPELINING",
	    SCEN_PB(SCEN_P_SMTP) | SCEN_PB(SCEN_P_POP3) },
	[SCEN_CAP_8BITMIME] = { "8BITMIME", SCEN_PB(SCEN_P_SMTP) },
	[SCEN_CAP_SMTPUTF8] = { "SMTPUTF8", SCEN_PB(SCEN_P_SMTP) },
	[SCEN_CAP_ENHANCEDSTATUSCODES] = { "ENHANCEDSTATUSCODES",
	    SCEN_PB(SCEN_P_SMTP) },
	[SCEN_CAP_STARTTLS] = { "STARTTLS",
	    SCEN_PB(SCEN_P_SMTP) | SCEN_PB(SCEN_P_IMAP) },
	[SCEN_CAP_AUTH] = { "AUTH",
	    SCEN_PB(SCEN_P_SMTP) | SCEN_PB(SCEN_P_IMAP) },
	[SCEN_CAP_CHUNKING] = { "CHUNKING", SCEN_PB(SCEN_P_SMTP) },
	[SCEN_CAP_BINARYMIME] = { "BINARYMIME", SCEN_PB(SCEN_P_SMTP) },
	[SCEN_CAP_DSN] = { "DSN", SCEN_PB(SCEN_P_SMTP) },
	[SCEN_CAP_HELP] = { "HELP", SCEN_PB(SCEN_P_SMTP) },
	[SCEN_CAP_VRFY] = { "VRFY", SCEN_PB(SCEN_P_SMTP) },
	[SCEN_CAP_TOP] = { "TOP", SCEN_PB(SCEN_P_POP3) },
	[SCEN_CAP_UIDL] = { "UIDL", SCEN_PB(SCEN_P_POP3) },
	[SCEN_CAP_USER] = { "USER", SCEN_PB(SCEN_P_POP3) },
	[SCEN_CAP_SASL] = { "SASL", SCEN_PB(SCEN_P_POP3) },
	[SCEN_CAP_RESP_CODES] = { "RESP-CODES", SCEN_PB(SCEN_P_POP3) },
	[SCEN_CAP_AUTH_RESP_CODE] = { "AUTH-RESP-CODE",
	    SCEN_PB(SCEN_P_POP3) },
	[SCEN_CAP_EXPIRE] = { "EXPIRE", SCEN_PB(SCEN_P_POP3) },
	[SCEN_CAP_LOGIN_DELAY] = { "LOGIN-DELAY", SCEN_PB(SCEN_P_POP3) },
	[SCEN_CAP_IMPLEMENTATION] = { "IMPLEMENTATION",
	    SCEN_PB(SCEN_P_POP3) },
	[SCEN_CAP_STLS] = { "STLS", SCEN_PB(SCEN_P_POP3) },
	[SCEN_CAP_APOP] = { "APOP", SCEN_PB(SCEN_P_POP3) },
	[SCEN_CAP_IDLE] = { "IDLE", SCEN_PB(SCEN_P_IMAP) },
	[SCEN_CAP_LITERAL_PLUS] = { "LITERAL+", SCEN_PB(SCEN_P_IMAP) },
	[SCEN_CAP_UIDPLUS] = { "UIDPLUS", SCEN_PB(SCEN_P_IMAP) },
	[SCEN_CAP_MOVE] = { "MOVE", SCEN_PB(SCEN_P_IMAP) },
	[SCEN_CAP_NAMESPACE] = { "NAMESPACE", SCEN_PB(SCEN_P_IMAP) },
	[SCEN_CAP_ID] = { "ID", SCEN_PB(SCEN_P_IMAP) },
	[SCEN_CAP_ENABLE] = { "ENABLE", SCEN_PB(SCEN_P_IMAP) },
	[SCEN_CAP_UNSELECT] = { "UNSELECT", SCEN_PB(SCEN_P_IMAP) },
	[SCEN_CAP_SPECIAL_USE] = { "SPECIAL-USE", SCEN_PB(SCEN_P_IMAP) },
	[SCEN_CAP_CHILDREN] = { "CHILDREN", SCEN_PB(SCEN_P_IMAP) },
	[SCEN_CAP_SASL_IR] = { "SASL-IR", SCEN_PB(SCEN_P_IMAP) },
	[SCEN_CAP_LOGINDISABLED] = { "LOGINDISABLED", SCEN_PB(SCEN_P_IMAP) },
};
_Static_assert(nitems(scenario_caps) == SCEN_CAP__COUNT, "scenario_caps");

static const char *const scenario_top_keys[] = {
	"name", "description", "seed", "servers", "users", "rules", "script",
	"run", "expect",
};
static const char *const scenario_server_keys[] = {
	"port", "hostname", "greeting", "tls", "auth", "capabilities",
};
static const char *const scenario_user_keys[] = {
	"name", "password", "mailboxes",
};
static const char *const scenario_msg_keys[] = {
	"file", "text", "flags", "date",
};

/* RFC 3501 2.3.2 system flags a fixture may set (\Recent is not). */
static const struct {
	const char	*name;
	unsigned	 flag;
} scenario_flags[] = {
	{ "\\Seen", STORE_F_SEEN },
	{ "\\Answered", STORE_F_ANSWERED },
	{ "\\Flagged", STORE_F_FLAGGED },
	{ "\\Deleted", STORE_F_DELETED },
	{ "\\Draft", STORE_F_DRAFT },
};

/*
 * ---------------------------------------------------------------------
 * Public entry points
 * ---------------------------------------------------------------------
 */

struct scenario *
scenario_load(const char *path, char *err, size_t errsize)
{
	struct scenario	*sc;
	char		*yaml, ebuf[256];
	size_t		 len;

	if (scenario_read_file(path, SCEN_FILE_MAX, &yaml, &len, ebuf,
	    sizeof(ebuf)) == -1) {
		snprintf(err, errsize, "%s: %s", path, ebuf);
		return NULL;
	}
	sc = scenario_parse(path, yaml, len, err, errsize);
	free(yaml);
	return sc;
}

struct scenario *
scenario_load_mem(const char *name, const char *yaml, size_t len, char *err,
    size_t errsize)
{
	return scenario_parse(name, yaml, len, err, errsize);
}

void
scenario_free(struct scenario *sc)
{
	size_t	i;

	if (sc == NULL)
		return;
	free(sc->path);
	free(sc->dir);
	free(sc->name);
	free(sc->description);
	for (i = 0; i < SCEN_SRV__COUNT; i++)
		scenario_server_fini(&sc->servers[i]);
	for (i = 0; i < sc->nusers; i++)
		scenario_user_fini(&sc->users[i]);
	free(sc->users);
	for (i = 0; i < sc->nrules; i++)
		scenario_rule_fini(&sc->rules[i]);
	free(sc->rules);
	for (i = 0; i < SCEN_P__COUNT; i++)
		scenario_script_fini(&sc->scripts[i]);
	scenario_run_fini(&sc->run);
	scenario_expect_fini(&sc->expect);
	free(sc);
}

const char *
scenario_proto_name(enum scen_proto p)
{
	if ((unsigned)p >= SCEN_P__COUNT)
		return "?";
	return scenario_proto_names[p];
}

const char *
scenario_server_name(enum scen_server s)
{
	if ((unsigned)s >= SCEN_SRV__COUNT)
		return "?";
	return scenario_server_names[s];
}

const char *
scenario_stage_name(enum scen_stage s)
{
	if ((unsigned)s >= SCEN_ST__COUNT)
		return "?";
	return scenario_stage_names[s];
}

const char *
scenario_tls_name(enum scen_tls t)
{
	if ((unsigned)t >= SCEN_TLS__COUNT)
		return "?";
	return scenario_tls_names[t];
}

const char *
scenario_auth_name(enum scen_auth a)
{
	if ((unsigned)a >= SCEN_AUTH__COUNT)
		return "?";
	return scenario_auth_names[a];
}

const char *
scenario_disconnect_name(enum scen_disconnect d)
{
	if ((unsigned)d >= SCEN_DISC__COUNT)
		return "?";
	return scenario_disconnect_names[d];
}

const char *
scenario_malformed_name(enum scen_malformed m)
{
	if ((unsigned)m >= SCEN_MAL__COUNT)
		return "?";
	return scenario_malformed_names[m];
}

const char *
scenario_cap_name(enum scen_cap_id c)
{
	if ((unsigned)c >= SCEN_CAP__COUNT)
		return "?";
	return scenario_caps[c].name;
}

enum scen_proto
scenario_server_proto(enum scen_server s)
{
	if ((unsigned)s >= SCEN_SRV__COUNT)
		return SCEN_P_SMTP;
	return scenario_server_protos[s];
}

const struct scen_user *
scenario_user_find(const struct scenario *sc, const char *name)
{
	size_t	i;

	for (i = 0; i < sc->nusers; i++)
		if (str_eq_ci(sc->users[i].name, name))
			return &sc->users[i];
	return NULL;
}

/*
 * ---------------------------------------------------------------------
 * Loading
 * ---------------------------------------------------------------------
 */

static struct scenario *
scenario_parse(const char *name, const char *yaml, size_t len, char *err,
    size_t errsize)
{
	struct scen_ctx	 ctx = { .name = name, .err = err,
			    .errsize = errsize };
	yaml_parser_t	 parser;
	yaml_document_t	 extra;
	yaml_node_t	*root;
	int		 rc = -1;

	if (errsize > 0)
		err[0] = '\0';
	ctx.sc = xcalloc(1, sizeof(*ctx.sc));
	ctx.sc->path = xstrdup(name);
	ctx.sc->dir = scenario_dirname(name);
	ctx.sc->seed = 1;

	if (!yaml_parser_initialize(&parser)) {
		scenario_err(&ctx, NULL, "cannot initialise the YAML parser");
		goto done;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml,
	    len);
	if (!yaml_parser_load(&parser, &ctx.doc)) {
		snprintf(err, errsize, "%s:%zu:%zu: YAML syntax error: %s%s%s",
		    name, parser.problem_mark.line + 1,
		    parser.problem_mark.column + 1,
		    parser.problem ? parser.problem : "unknown",
		    parser.context ? " " : "",
		    parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		goto done;
	}
	ctx.have_doc = true;
	root = yaml_document_get_root_node(&ctx.doc);
	if (root == NULL) {
		scenario_err(&ctx, NULL, "empty file; expected a mapping "
		    "with at least name:");
		yaml_parser_delete(&parser);
		goto done;
	}
	/* A second document would be silently ignored otherwise. */
	if (!yaml_parser_load(&parser, &extra)) {
		snprintf(err, errsize, "%s:%zu:%zu: YAML syntax error: %s",
		    name, parser.problem_mark.line + 1,
		    parser.problem_mark.column + 1,
		    parser.problem ? parser.problem : "unknown");
		yaml_parser_delete(&parser);
		goto done;
	}
	if (yaml_document_get_root_node(&extra) != NULL) {
		scenario_err(&ctx, yaml_document_get_root_node(&extra),
		    "a second YAML document; expected exactly one");
		yaml_document_delete(&extra);
		yaml_parser_delete(&parser);
		goto done;
	}
	yaml_document_delete(&extra);
	yaml_parser_delete(&parser);
	rc = scenario_load_top(&ctx, root);
done:
	if (ctx.have_doc)
		yaml_document_delete(&ctx.doc);
	if (rc == -1) {
		scenario_free(ctx.sc);
		return NULL;
	}
	return ctx.sc;
}

static int
scenario_load_top(struct scen_ctx *ctx, const yaml_node_t *root)
{
	struct scenario	*sc = ctx->sc;
	yaml_node_t	*n;
	size_t		 i;

	if (scenario_map(ctx, root, "the scenario", scenario_top_keys,
	    nitems(scenario_top_keys)) == -1)
		return -1;
	if ((n = scenario_get(ctx, root, "name")) == NULL)
		return scenario_err(ctx, root, "name: is missing; expected "
		    "a one-line name of the scenario");
	if (scenario_strdup(ctx, n, "a one-line name", true, &sc->name) == -1)
		return -1;
	if (sc->name[0] == '\0')
		return scenario_err(ctx, n, "name is empty; expected a "
		    "one-line name of the scenario");
	if ((n = scenario_get(ctx, root, "description")) != NULL &&
	    scenario_strdup(ctx, n, "a text", false, &sc->description) == -1)
		return -1;
	if ((n = scenario_get(ctx, root, "seed")) != NULL &&
	    scenario_u64(ctx, n, "a seed", 0, UINT64_MAX, &sc->seed) == -1)
		return -1;

	for (i = 0; i < SCEN_SRV__COUNT; i++)
		scenario_server_defaults(&sc->servers[i], i);
	if ((n = scenario_get(ctx, root, "servers")) != NULL &&
	    scenario_load_servers(ctx, n) == -1)
		return -1;
	if ((n = scenario_get(ctx, root, "users")) != NULL &&
	    scenario_load_users(ctx, n) == -1)
		return -1;
	if ((n = scenario_get(ctx, root, "rules")) != NULL &&
	    scenario_load_rules(ctx, n) == -1)
		return -1;
	if ((n = scenario_get(ctx, root, "script")) != NULL &&
	    scenario_load_script(ctx, n) == -1)
		return -1;
	if ((n = scenario_get(ctx, root, "run")) != NULL &&
	    scenario_load_run(ctx, n) == -1)
		return -1;
	sc->expect.fail_on = SCEN_FAIL_MUST;
	if ((n = scenario_get(ctx, root, "expect")) != NULL &&
	    scenario_load_expect(ctx, n) == -1)
		return -1;
	return 0;
}

/* Read a whole regular file of at most max bytes; NUL-terminated. */
static int
scenario_read_file(const char *path, size_t max, char **data_r,
    size_t *len_r, char *err, size_t errsize)
{
	struct stat	 st;
	char		*data;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errsize, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsize, "not a regular file");
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errsize, "%lld bytes, more than the %zu allowed",
		    (long long)st.st_size, max);
		close(fd);
		return -1;
	}
	data = xmalloc((size_t)st.st_size + 1);
	while (off < (size_t)st.st_size) {
		n = read(fd, data + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errsize, "cannot read: %s",
			    n == 0 ? "file shrank" : strerror(errno));
			free(data);
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	close(fd);
	data[off] = '\0';
	*data_r = data;
	*len_r = off;
	return 0;
}

static char *
scenario_dirname(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* A path from the scenario, relative to the scenario's directory. */
static char *
scenario_path(const struct scenario *sc, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	return xasprintf("%s/%s", sc->dir, p);
}

/*
 * ---------------------------------------------------------------------
 * Servers
 * ---------------------------------------------------------------------
 */

static void
scenario_server_defaults(struct scen_server_conf *srv, enum scen_server s)
{
	srv->enabled = true;
	switch (s) {
	case SCEN_SRV_SMTPS:
	case SCEN_SRV_POP3S:
	case SCEN_SRV_IMAPS:
		srv->tls = SCEN_TLS_IMPLICIT;
		srv->auth = SCEN_AUTH_OPTIONAL;
		break;
	case SCEN_SRV_SUBMISSION:
		/* RFC 6409 4.3, RFC 8314 3.3: submission wants TLS and AUTH. */
		srv->tls = SCEN_TLS_REQUIRED;
		srv->auth = SCEN_AUTH_REQUIRED_AFTER_TLS;
		break;
	case SCEN_SRV_SMTP:
	case SCEN_SRV_POP3:
	case SCEN_SRV_IMAP:
		srv->tls = SCEN_TLS_STARTTLS;
		srv->auth = SCEN_AUTH_OPTIONAL;
		break;
	default:
		fatalx("%s: server %d", __func__, (int)s);
	}
}

static int
scenario_load_servers(struct scen_ctx *ctx, const yaml_node_t *map)
{
	struct scenario	*sc = ctx->sc;
	yaml_node_t	*k, *v;
	size_t		 i, j;

	if (scenario_map(ctx, map, "a mapping of servers",
	    scenario_server_names, nitems(scenario_server_names)) == -1)
		return -1;
	sc->servers_listed = true;
	for (i = 0; i < SCEN_SRV__COUNT; i++)
		sc->servers[i].enabled = false;
	for (i = 0; i < scenario_map_len(map); i++) {
		scenario_map_pair(ctx, map, i, &k, &v);
		for (j = 0; j < SCEN_SRV__COUNT; j++)
			if (strcmp((const char *)k->data.scalar.value,
			    scenario_server_names[j]) == 0)
				break;
		if (j == SCEN_SRV__COUNT)
			fatalx("%s: key checked", __func__);
		if (scenario_load_server(ctx, j, k, v) == -1)
			return -1;
	}
	return 0;
}

static int
scenario_load_server(struct scen_ctx *ctx, enum scen_server s,
    const yaml_node_t *key, const yaml_node_t *map)
{
	struct scen_server_conf	*srv = &ctx->sc->servers[s];
	const char		*str;
	yaml_node_t		*n;
	uint64_t		 v;
	size_t			 i;

	srv->enabled = true;
	srv->listed = true;
	srv->mark = scenario_mark(key);
	if (scenario_is_null(map))
		return 0;
	if (scenario_map(ctx, map, "a mapping of server settings",
	    scenario_server_keys, nitems(scenario_server_keys)) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "port")) != NULL) {
		if (scenario_u64(ctx, n, "a port number", 0, 65535, &v) == -1)
			return -1;
		srv->port_set = true;
		srv->port = (int)v;
	}
	if ((n = scenario_get(ctx, map, "hostname")) != NULL) {
		if (scenario_strdup(ctx, n, "a host name", true,
		    &srv->hostname) == -1)
			return -1;
		if (srv->hostname[0] == '\0' ||
		    strpbrk(srv->hostname, " \t") != NULL)
			return scenario_err(ctx, n, "bad host name; expected "
			    "a domain without spaces");
	}
	if ((n = scenario_get(ctx, map, "greeting")) != NULL &&
	    scenario_strdup(ctx, n, "one line of text", true,
	    &srv->greeting) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "tls")) != NULL) {
		if (scenario_str(ctx, n, "a TLS mode", &str) == -1)
			return -1;
		for (i = 0; i < SCEN_TLS__COUNT; i++)
			if (strcmp(str, scenario_tls_names[i]) == 0)
				break;
		if (i == SCEN_TLS__COUNT)
			return scenario_err(ctx, n, "unknown TLS mode '%s'; "
			    "expected one of: none, starttls, required, "
			    "implicit", str);
		srv->tls = i;
	}
	if ((n = scenario_get(ctx, map, "auth")) != NULL) {
		if (scenario_str(ctx, n, "an auth policy", &str) == -1)
			return -1;
		for (i = 0; i < SCEN_AUTH__COUNT; i++)
			if (strcmp(str, scenario_auth_names[i]) == 0)
				break;
		if (i == SCEN_AUTH__COUNT)
			return scenario_err(ctx, n, "unknown auth policy "
			    "'%s'; expected one of: none, optional, required, "
			    "required-after-tls", str);
		srv->auth = i;
	}
	if ((n = scenario_get(ctx, map, "capabilities")) != NULL &&
	    scenario_load_caps(ctx, s, srv, n) == -1)
		return -1;
	return scenario_server_check(ctx, s, srv, map,
	    scenario_get(ctx, map, "capabilities"));
}

/* The TLS, auth and capability settings must fit together. */
static int
scenario_server_check(struct scen_ctx *ctx, enum scen_server s,
    struct scen_server_conf *srv, const yaml_node_t *map,
    const yaml_node_t *caps)
{
	enum scen_proto	 p = scenario_server_protos[s];
	const yaml_node_t *tn = scenario_get(ctx, map, "tls");
	const yaml_node_t *an = scenario_get(ctx, map, "auth");
	bool		 implicit_port, offered;
	uint64_t	 tlsbit;

	implicit_port = s == SCEN_SRV_SMTPS || s == SCEN_SRV_POP3S ||
	    s == SCEN_SRV_IMAPS;
	if (implicit_port && srv->tls != SCEN_TLS_IMPLICIT)
		return scenario_err(ctx, tn, "%s speaks TLS from the first "
		    "byte; expected tls: implicit", scenario_server_names[s]);
	if (!implicit_port && srv->tls == SCEN_TLS_IMPLICIT)
		return scenario_err(ctx, tn, "tls: implicit is only for "
		    "smtps, pop3s and imaps; expected none, starttls or "
		    "required");
	if (srv->auth == SCEN_AUTH_REQUIRED_AFTER_TLS &&
	    srv->tls == SCEN_TLS_NONE)
		return scenario_err(ctx, an, "auth: required-after-tls can "
		    "never be met with tls: none; expected tls: starttls or "
		    "required, or another auth policy");
	if (!srv->caps_set)
		return 0;

	tlsbit = SCEN_CAPBIT(p == SCEN_P_POP3 ? SCEN_CAP_STLS :
	    SCEN_CAP_STARTTLS);
	offered = (srv->capmask & tlsbit) != 0;
	if (offered && (srv->tls == SCEN_TLS_NONE ||
	    srv->tls == SCEN_TLS_IMPLICIT))
		return scenario_err(ctx, caps, "%s is listed but tls is %s; "
		    "expected tls: starttls or required, or drop %s",
		    p == SCEN_P_POP3 ? "STLS" : "STARTTLS",
		    scenario_tls_names[srv->tls],
		    p == SCEN_P_POP3 ? "STLS" : "STARTTLS");
	if (!offered && (srv->tls == SCEN_TLS_STARTTLS ||
	    srv->tls == SCEN_TLS_REQUIRED))
		return scenario_err(ctx, caps, "tls is %s but %s is not "
		    "listed; expected %s among the capabilities or tls: none",
		    scenario_tls_names[srv->tls],
		    p == SCEN_P_POP3 ? "STLS" : "STARTTLS",
		    p == SCEN_P_POP3 ? "STLS" : "STARTTLS");
	if (srv->auth == SCEN_AUTH_NONE && srv->mechs != 0)
		return scenario_err(ctx, caps, "auth: none but SASL "
		    "mechanisms are listed; expected no AUTH/SASL "
		    "capability or another auth policy");
	/* RFC 4954 3: SMTP has no other way to authenticate than AUTH. */
	if (p == SCEN_P_SMTP && srv->mechs == 0 &&
	    (srv->auth == SCEN_AUTH_REQUIRED ||
	    srv->auth == SCEN_AUTH_REQUIRED_AFTER_TLS))
		return scenario_err(ctx, caps, "auth is %s but no AUTH "
		    "capability is listed, so no client can log in; expected "
		    "e.g. \"AUTH PLAIN LOGIN\"", scenario_auth_names[srv->auth]);
	return 0;
}

static int
scenario_load_caps(struct scen_ctx *ctx, enum scen_server s,
    struct scen_server_conf *srv, const yaml_node_t *seq)
{
	enum scen_proto	 p = scenario_server_protos[s];
	size_t		 i, j, n;

	if (scenario_seq(ctx, seq, "a list of capabilities") == -1)
		return -1;
	n = scenario_seq_len(seq);
	srv->caps_set = true;
	srv->caps = xcalloc(n == 0 ? 1 : n, sizeof(*srv->caps));
	srv->ncaps = n;
	for (i = 0; i < n; i++) {
		if (scenario_load_cap(ctx, p, srv, &srv->caps[i],
		    scenario_seq_item(ctx, seq, i)) == -1)
			return -1;
		for (j = 0; j < i; j++) {
			if (srv->caps[j].id != srv->caps[i].id)
				continue;
			/* IMAP lists one AUTH=mech atom per mechanism. */
			if (srv->caps[i].id == SCEN_CAP_AUTH &&
			    p == SCEN_P_IMAP && strcmp(srv->caps[i].value,
			    srv->caps[j].value) != 0)
				continue;
			return scenario_err(ctx,
			    scenario_seq_item(ctx, seq, i), "capability "
			    "'%s' is listed twice; expected each once",
			    srv->caps[i].text);
		}
		srv->capmask |= SCEN_CAPBIT(srv->caps[i].id);
	}
	return 0;
}

/* Parse one capability: the keyword, then its value checked per keyword. */
static int
scenario_load_cap(struct scen_ctx *ctx, enum scen_proto p,
    struct scen_server_conf *srv, struct scen_cap *cap,
    const yaml_node_t *node)
{
	const char	*str, *val;
	char		 kw[32];
	size_t		 kwlen, i;
	uint64_t	 v;

	cap->mark = scenario_mark(node);
	if (scenario_str(ctx, node, "a capability", &str) == -1)
		return -1;
	kwlen = strcspn(str, p == SCEN_P_IMAP ? " =" : " ");
	if (kwlen == 0 || kwlen >= sizeof(kw))
		return scenario_err(ctx, node, "bad capability '%s'; expected "
		    "a keyword such as PIPELINING", str);
	memcpy(kw, str, kwlen);
	kw[kwlen] = '\0';
	for (i = 0; i < SCEN_CAP__COUNT; i++)
		if ((scenario_caps[i].protos & SCEN_PB(p)) != 0 &&
		    str_eq_ci(kw, scenario_caps[i].name))
			break;
	if (i == SCEN_CAP__COUNT)
		return scenario_err(ctx, node, "unknown %s capability '%s'%s",
		    scenario_proto_names[p], kw, p == SCEN_P_SMTP ?
		    "; expected SIZE, PIPELINING, 8BITMIME, SMTPUTF8, "
		    "ENHANCEDSTATUSCODES, STARTTLS, AUTH, CHUNKING, BINARYMIME, "
		    "DSN, HELP or VRFY" : p == SCEN_P_POP3 ?
		    "; expected TOP, UIDL, USER, SASL, RESP-CODES, PIPELINING, "
		    "AUTH-RESP-CODE, EXPIRE, LOGIN-DELAY, IMPLEMENTATION, STLS "
		    "or APOP" : "; expected IDLE, LITERAL+, UIDPLUS, MOVE, "
		    "NAMESPACE, ID, ENABLE, UNSELECT, SPECIAL-USE, CHILDREN, "
		    "SASL-IR, STARTTLS, AUTH=<mech> or LOGINDISABLED");
	cap->id = i;
	val = str + kwlen;
	/* IMAP "AUTH=PLAIN" versus SMTP "AUTH PLAIN": the separator decides. */
	if (p == SCEN_P_IMAP && i == SCEN_CAP_AUTH && *val != '=')
		return scenario_err(ctx, node, "IMAP announces mechanisms as "
		    "AUTH=<mech>; expected e.g. AUTH=PLAIN");
	if (p == SCEN_P_IMAP && i != SCEN_CAP_AUTH && *val == '=')
		return scenario_err(ctx, node, "unexpected '=' in '%s'; "
		    "expected a plain atom", str);
	while (*val == ' ' || *val == '=')
		val++;
	cap->value = xstrdup(val);
	cap->text = *val == '\0' ? xstrdup(scenario_caps[i].name) :
	    xasprintf("%s%s%s", scenario_caps[i].name,
	    p == SCEN_P_IMAP ? "=" : " ", val);
	switch (i) {
	case SCEN_CAP_SIZE:
		/* RFC 1870 4: SIZE alone, or SIZE with the limit. */
		if (*val == '\0')
			return 0;
		if (!str_to_u64(val, strlen(val), UINT64_MAX, &v))
			return scenario_err(ctx, node, "bad SIZE '%s'; expected "
			    "a number of bytes, e.g. SIZE 10485760", val);
		srv->size = v;
		return 0;
	case SCEN_CAP_AUTH:
	case SCEN_CAP_SASL:
		return scenario_cap_mechs(ctx, node, val, &srv->mechs);
	case SCEN_CAP_EXPIRE:
		/* RFC 2449 6.7: a number of days or NEVER. */
		if (strcmp(val, "NEVER") == 0 ||
		    str_to_u64(val, strlen(val), 65535, &v))
			return 0;
		return scenario_err(ctx, node, "bad EXPIRE '%s'; expected a "
		    "number of days or NEVER", val);
	case SCEN_CAP_LOGIN_DELAY:
		/* RFC 2449 6.8: seconds. */
		if (str_to_u64(val, strlen(val), 86400, &v))
			return 0;
		return scenario_err(ctx, node, "bad LOGIN-DELAY '%s'; "
		    "expected a number of seconds", val);
	case SCEN_CAP_IMPLEMENTATION:
		if (*val != '\0')
			return 0;
		return scenario_err(ctx, node, "IMPLEMENTATION needs a text; "
		    "expected e.g. IMPLEMENTATION mailrig");
	default:
		if (*val == '\0')
			return 0;
		return scenario_err(ctx, node, "%s takes no value; expected "
		    "just %s", scenario_caps[i].name, scenario_caps[i].name);
	}
}

static int
scenario_cap_mechs(struct scen_ctx *ctx, const yaml_node_t *node,
    const char *val, unsigned *mechs)
{
	enum sasl_mech	 m;
	char		 mech[32];
	size_t		 len;

	if (*val == '\0')
		return scenario_err(ctx, node, "no mechanism given; expected "
		    "one or more of PLAIN LOGIN CRAM-MD5 XOAUTH2");
	while (*val != '\0') {
		len = strcspn(val, " ");
		if (len >= sizeof(mech))
			len = sizeof(mech) - 1;
		memcpy(mech, val, len);
		mech[len] = '\0';
		if (!sasl_mech_from_name(mech, &m))
			return scenario_err(ctx, node, "unknown SASL mechanism "
			    "'%s'; expected PLAIN, LOGIN, CRAM-MD5 or XOAUTH2",
			    mech);
		*mechs |= 1u << m;
		val += strcspn(val, " ");
		while (*val == ' ')
			val++;
	}
	return 0;
}

static void
scenario_server_fini(struct scen_server_conf *srv)
{
	size_t	i;

	for (i = 0; i < srv->ncaps; i++) {
		free(srv->caps[i].text);
		free(srv->caps[i].value);
	}
	free(srv->caps);
	free(srv->hostname);
	free(srv->greeting);
}

/*
 * ---------------------------------------------------------------------
 * Users, mailboxes, fixtures
 * ---------------------------------------------------------------------
 */

static int
scenario_load_users(struct scen_ctx *ctx, const yaml_node_t *seq)
{
	struct scenario	*sc = ctx->sc;
	size_t		 i, j, n;

	if (scenario_seq(ctx, seq, "a list of users") == -1)
		return -1;
	n = scenario_seq_len(seq);
	sc->users_set = true;
	sc->users = xcalloc(n == 0 ? 1 : n, sizeof(*sc->users));
	sc->nusers = n;
	for (i = 0; i < n; i++) {
		if (scenario_load_user(ctx, &sc->users[i],
		    scenario_seq_item(ctx, seq, i)) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (str_eq_ci(sc->users[j].name, sc->users[i].name))
				return scenario_err(ctx,
				    scenario_seq_item(ctx, seq, i),
				    "user '%s' is listed twice (names are "
				    "case-insensitive); expected unique names",
				    sc->users[i].name);
	}
	return 0;
}

static int
scenario_load_user(struct scen_ctx *ctx, struct scen_user *u,
    const yaml_node_t *map)
{
	yaml_node_t	*n, *k, *v;
	size_t		 i, j, nb, inbox = SIZE_MAX;

	u->mark = scenario_mark(map);
	if (scenario_map(ctx, map, "a user mapping", scenario_user_keys,
	    nitems(scenario_user_keys)) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "name")) == NULL)
		return scenario_err(ctx, map, "name: is missing; expected "
		    "the user's login name");
	if (scenario_strdup(ctx, n, "a login name", true, &u->name) == -1)
		return -1;
	if (u->name[0] == '\0' || strpbrk(u->name, " \t") != NULL ||
	    strlen(u->name) >= SASL_USER_MAX)
		return scenario_err(ctx, n, "bad user name '%s'; expected a "
		    "login name without spaces", u->name);
	if ((n = scenario_get(ctx, map, "password")) != NULL &&
	    scenario_strdup(ctx, n, "a password", true, &u->password) == -1)
		return -1;

	/* INBOX always exists (RFC 3501 5.1) and comes first. */
	n = scenario_get(ctx, map, "mailboxes");
	nb = 0;
	if (n != NULL && !scenario_is_null(n)) {
		if (scenario_map_any(ctx, n, "a mapping of mailboxes") == -1)
			return -1;
		nb = scenario_map_len(n);
	}
	u->mailboxes = xcalloc(nb + 1, sizeof(*u->mailboxes));
	u->nmailboxes = 1;
	u->mailboxes[0].name = xstrdup("INBOX");
	u->mailboxes[0].mark = u->mark;
	for (i = 0; i < nb; i++) {
		scenario_map_pair(ctx, n, i, &k, &v);
		if (str_eq_ci((const char *)k->data.scalar.value, "INBOX")) {
			if (inbox != SIZE_MAX)
				return scenario_err(ctx, k, "INBOX is listed "
				    "twice (the name is case-insensitive); "
				    "expected it once");
			inbox = i;
			if (scenario_load_mailbox(ctx, &u->mailboxes[0], k,
			    v) == -1)
				return -1;
			continue;
		}
		if (scenario_load_mailbox(ctx, &u->mailboxes[u->nmailboxes++],
		    k, v) == -1)
			return -1;
		for (j = 1; j + 1 < u->nmailboxes; j++)
			if (strcmp(u->mailboxes[j].name,
			    u->mailboxes[u->nmailboxes - 1].name) == 0)
				return scenario_err(ctx, k, "mailbox '%s' is "
				    "listed twice; expected unique names",
				    u->mailboxes[j].name);
	}
	return 0;
}

static int
scenario_load_mailbox(struct scen_ctx *ctx, struct scen_mailbox *mb,
    const yaml_node_t *key, const yaml_node_t *seq)
{
	size_t	i, n;

	mb->mark = scenario_mark(key);
	if (mb->name == NULL &&
	    scenario_mailbox_name(ctx, key, &mb->name) == -1)
		return -1;
	if (scenario_is_null(seq))
		return 0;
	if (scenario_seq(ctx, seq, "a list of messages") == -1)
		return -1;
	n = scenario_seq_len(seq);
	mb->msgs = xcalloc(n == 0 ? 1 : n, sizeof(*mb->msgs));
	mb->nmsgs = n;
	for (i = 0; i < n; i++)
		if (scenario_load_msg(ctx, &mb->msgs[i],
		    scenario_seq_item(ctx, seq, i)) == -1)
			return -1;
	return 0;
}

/* RFC 3501 5.1: '/' is our hierarchy delimiter; no empty levels. */
static int
scenario_mailbox_name(struct scen_ctx *ctx, const yaml_node_t *key,
    char **name_r)
{
	const char	*s = (const char *)key->data.scalar.value;
	size_t		 i, len = strlen(s);

	if (len == 0 || s[0] == '/' || s[len - 1] == '/' ||
	    strstr(s, "//") != NULL)
		return scenario_err(ctx, key, "bad mailbox name '%s'; expected "
		    "names separated by single '/'", s);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    s[i] == '*' || s[i] == '%')
			return scenario_err(ctx, key, "bad mailbox name '%s'; "
			    "control characters, '*' and '%%' are not allowed "
			    "(RFC 3501 5.1)", s);
	*name_r = xstrdup(s);
	return 0;
}

static int
scenario_load_msg(struct scen_ctx *ctx, struct scen_msg *m,
    const yaml_node_t *map)
{
	const yaml_node_t *fn, *tn, *n;
	const char	*str;
	char		*path, ebuf[256];

	m->mark = scenario_mark(map);
	if (scenario_map(ctx, map, "a message mapping", scenario_msg_keys,
	    nitems(scenario_msg_keys)) == -1)
		return -1;
	fn = scenario_get(ctx, map, "file");
	tn = scenario_get(ctx, map, "text");
	if ((fn == NULL) == (tn == NULL))
		return scenario_err(ctx, map, "a message needs exactly one of "
		    "file: and text:");
	if (fn != NULL) {
		if (scenario_strdup(ctx, fn, "a file path", true,
		    &m->file) == -1)
			return -1;
		if (m->file[0] == '\0')
			return scenario_err(ctx, fn, "empty file path; "
			    "expected a path relative to the scenario");
		path = scenario_path(ctx->sc, m->file);
		if (scenario_read_file(path, SCEN_FIXTURE_MAX, &m->data,
		    &m->len, ebuf, sizeof(ebuf)) == -1) {
			free(path);
			return scenario_err(ctx, fn, "fixture '%s': %s; "
			    "expected a readable file of at most 32 MiB",
			    m->file, ebuf);
		}
		free(path);
	} else {
		if (scenario_str(ctx, tn, "the message text", &str) == -1)
			return -1;
		if (str[0] == '\0')
			return scenario_err(ctx, tn, "empty message text; "
			    "expected header fields, a blank line and a body");
		/* RFC 5322 2.1: lines end in CRLF. */
		m->data = scenario_crlf(str, strlen(str), &m->len);
	}
	if ((n = scenario_get(ctx, map, "flags")) != NULL &&
	    scenario_load_flags(ctx, m, n) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "date")) != NULL) {
		if (scenario_str(ctx, n, "an RFC 3339 date", &str) == -1)
			return -1;
		if (scenario_date(str, &m->date_ms) == -1)
			return scenario_err(ctx, n, "bad date '%s'; expected "
			    "RFC 3339, e.g. 2024-01-02T10:00:00Z", str);
		m->date_set = true;
	}
	return 0;
}

static int
scenario_load_flags(struct scen_ctx *ctx, struct scen_msg *m,
    const yaml_node_t *seq)
{
	const yaml_node_t *item;
	const char	*s;
	size_t		 i, j, n;

	if (scenario_seq(ctx, seq, "a list of flags") == -1)
		return -1;
	n = scenario_seq_len(seq);
	m->keywords = xcalloc(n == 0 ? 1 : n, sizeof(*m->keywords));
	for (i = 0; i < n; i++) {
		item = scenario_seq_item(ctx, seq, i);
		if (scenario_str(ctx, item, "a flag", &s) == -1)
			return -1;
		if (s[0] == '\\') {
			for (j = 0; j < nitems(scenario_flags); j++)
				if (str_eq_ci(s, scenario_flags[j].name))
					break;
			if (j == nitems(scenario_flags))
				return scenario_err(ctx, item, "unknown system "
				    "flag '%s'; expected \\Seen, \\Answered, "
				    "\\Flagged, \\Deleted, \\Draft or a "
				    "keyword", s);
			m->flags |= scenario_flags[j].flag;
			continue;
		}
		/* RFC 3501 9: flag-keyword = atom; no atom-specials. */
		if (s[0] == '\0' || strpbrk(s, "(){ %*\"\\]") != NULL)
			return scenario_err(ctx, item, "bad keyword '%s'; "
			    "expected an IMAP atom such as $Label1", s);
		for (j = 0; s[j] != '\0'; j++)
			if ((unsigned char)s[j] <= 0x20 ||
			    (unsigned char)s[j] >= 0x7f)
				return scenario_err(ctx, item, "bad keyword "
				    "'%s'; expected an IMAP atom such as "
				    "$Label1", s);
		for (j = 0; j < m->nkeywords; j++)
			if (str_eq_ci(m->keywords[j], s))
				break;
		if (j == m->nkeywords)
			m->keywords[m->nkeywords++] = xstrdup(s);
	}
	return 0;
}

/* Bare LF becomes CRLF; CRLF stays. */
static char *
scenario_crlf(const char *s, size_t len, size_t *len_r)
{
	char	*out = xmalloc(len * 2 + 1);
	size_t	 i, o = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = s[i];
	}
	out[o] = '\0';
	*len_r = o;
	return out;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
scenario_days(int64_t y, unsigned m, unsigned d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * RFC 3339 5.6 date-time: full-date "T" full-time, with "t" or a space
 * for "T" (5.6 NOTE), optional fraction, "Z" or a numeric offset.
 */
static int
scenario_date(const char *s, int64_t *ms_r)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	uint64_t	 y, mo, d, h, mi, sec, oh, om, frac = 0;
	size_t		 len = strlen(s), i, nd;
	int64_t		 off = 0, t;
	bool		 leap;

	if (len < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
	    s[16] != ':')
		return -1;
	if (!str_to_u64(s, 4, 9999, &y) || !str_to_u64(s + 5, 2, 12, &mo) ||
	    !str_to_u64(s + 8, 2, 31, &d) || !str_to_u64(s + 11, 2, 23, &h) ||
	    !str_to_u64(s + 14, 2, 59, &mi) ||
	    !str_to_u64(s + 17, 2, 60, &sec) || mo == 0 || d == 0)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
		return -1;
	i = 19;
	if (s[i] == '.') {
		/* Milliseconds are kept; finer digits are dropped. */
		for (nd = 0, i++; s[i] >= '0' && s[i] <= '9'; i++, nd++)
			if (nd < 3)
				frac = frac * 10 + (uint64_t)(s[i] - '0');
		if (nd == 0)
			return -1;
		for (; nd < 3; nd++)
			frac *= 10;
	}
	if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0')
		off = 0;
	else if ((s[i] == '+' || s[i] == '-') && strlen(s + i) == 6 &&
	    s[i + 3] == ':' && str_to_u64(s + i + 1, 2, 23, &oh) &&
	    str_to_u64(s + i + 4, 2, 59, &om))
		off = (s[i] == '-' ? -1 : 1) * (int64_t)(oh * 60 + om);
	else
		return -1;
	t = scenario_days((int64_t)y, (unsigned)mo, (unsigned)d) * 86400 +
	    (int64_t)(h * 3600 + mi * 60 + (sec == 60 ? 59 : sec)) - off * 60;
	*ms_r = t * 1000 + (int64_t)frac;
	return 0;
}

static void
scenario_user_fini(struct scen_user *u)
{
	struct scen_msg	*m;
	size_t		 i, j;

	for (i = 0; i < u->nmailboxes; i++) {
		for (j = 0; j < u->mailboxes[i].nmsgs; j++) {
			m = &u->mailboxes[i].msgs[j];
			free(m->data);
			free(m->file);
			scenario_strv_free(m->keywords, m->nkeywords);
		}
		free(u->mailboxes[i].msgs);
		free(u->mailboxes[i].name);
	}
	free(u->mailboxes);
	free(u->name);
	free(u->password);
}
