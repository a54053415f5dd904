/*
 * scenario_rules.c: the rules:, script: and run: parts of a scenario
 * (issue 5).  A rule is checked until it can match at run time: a verb
 * the protocol has (RFC 5321 4.1, RFC 1939 5-7, RFC 3501 6 and the
 * extensions mailrig speaks), a stage the protocol has, a running server,
 * a user that exists, counters that are not empty, a probability above 0,
 * and actions that fit together; replies have the shape of their protocol
 * (RFC 5321 4.2 and RFC 3463 3 for SMTP, RFC 1939 3 for POP3, RFC 3501
 * 7.1 for IMAP).  Script steps and the run command are checked for form.
 *
 * It does not evaluate anything: counters, randomness and the actions
 * themselves belong to the rule engine.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "harness/scenario.h"
#include "harness/scenario_int.h"

/* rules */
static int	scenario_load_rule(struct scen_ctx *, struct scen_rule *,
		    const yaml_node_t *);
static int	scenario_load_on(struct scen_ctx *, struct scen_rule *,
		    const yaml_node_t *);
static int	scenario_load_stage(struct scen_ctx *, struct scen_rule *,
		    const yaml_node_t *);
static int	scenario_on_server(struct scen_ctx *, struct scen_rule *,
		    const yaml_node_t *, const yaml_node_t *);
static int	scenario_load_range(struct scen_ctx *, const yaml_node_t *,
		    const char *, struct scen_range *);
static int	scenario_load_prob(struct scen_ctx *, const yaml_node_t *,
		    double *);
static int	scenario_load_actions(struct scen_ctx *, struct scen_rule *,
		    const yaml_node_t *);
static int	scenario_rule_check(struct scen_ctx *, struct scen_rule *,
		    const yaml_node_t *);
static int	scenario_reply_check(struct scen_ctx *, struct scen_rule *,
		    const yaml_node_t *);
static int	scenario_reply_smtp(struct scen_ctx *, struct scen_rule *,
		    const yaml_node_t *);
static int	scenario_reply_imap(struct scen_ctx *, struct scen_rule *,
		    const yaml_node_t *);
static const yaml_node_t *scenario_line_node(struct scen_ctx *,
		    const yaml_node_t *, size_t);
static void	scenario_verb_norm(const char *, char *, size_t);
static int	scenario_pick(const char *, const char *const *, size_t);

/* script and run */
static int	scenario_load_steps(struct scen_ctx *, struct scen_script *,
		    enum scen_proto, const yaml_node_t *);
static int	scenario_template_check(struct scen_ctx *, const yaml_node_t *,
		    const char *);
static int	scenario_load_env(struct scen_ctx *, struct scen_run *,
		    const yaml_node_t *);

/* RFC 5321 4.1 and the extensions' verbs (RFC 3030 BDAT, 3207, 4954). */
static const char *const scenario_smtp_verbs[] = {
	"HELO", "EHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP",
	"QUIT", "VRFY", "EXPN", "HELP", "STARTTLS", "AUTH",
};
/* RFC 1939 5-7, RFC 2449 5 CAPA, RFC 2595 4 STLS, RFC 5034 4 AUTH. */
static const char *const scenario_pop3_verbs[] = {
	"USER", "PASS", "APOP", "QUIT", "STAT", "LIST", "RETR", "DELE",
	"NOOP", "RSET", "TOP", "UIDL", "CAPA", "STLS", "AUTH",
};
/* RFC 3501 6, RFC 2177 IDLE, 6851 MOVE, 4315 UID EXPUNGE, 2342, 2971,
   5161, 3691. */
static const char *const scenario_imap_verbs[] = {
	"CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "AUTHENTICATE", "LOGIN",
	"SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE",
	"UNSUBSCRIBE", "LIST", "LSUB", "STATUS", "APPEND", "CHECK", "CLOSE",
	"EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE", "UID FETCH",
	"UID STORE", "UID COPY", "UID MOVE", "UID SEARCH", "UID EXPUNGE",
	"IDLE", "NAMESPACE", "ID", "ENABLE", "UNSELECT",
};

static const struct {
	const char *const *v;
	size_t		 n;
	const char	*name;		/* for messages */
} scenario_verbs[] = {
	[SCEN_P_SMTP] = { scenario_smtp_verbs, nitems(scenario_smtp_verbs),
	    "an SMTP" },
	[SCEN_P_POP3] = { scenario_pop3_verbs, nitems(scenario_pop3_verbs),
	    "a POP3" },
	[SCEN_P_IMAP] = { scenario_imap_verbs, nitems(scenario_imap_verbs),
	    "an IMAP" },
};
_Static_assert(nitems(scenario_verbs) == SCEN_P__COUNT, "scenario_verbs");

static const char *const scenario_rule_keys[] = {
	"on", "reply", "delay", "drip", "throttle", "disconnect", "hang",
	"tls", "malformed", "untagged",
};
static const char *const scenario_on_keys[] = {
	"smtp", "pop3", "imap", "args", "nth", "times", "session", "server",
	"user", "probability", "seed",
};
static const char *const scenario_step_keys[] = { "client", "server" };
static const char *const scenario_script_keys[] = { "smtp", "pop3", "imap" };
static const char *const scenario_run_keys[] = {
	"command", "timeout", "cwd", "env",
};
/* Stages by name; "command" is not written, a verb is. */
static const char *const scenario_stage_words[] = {
	[SCEN_ST_CONNECT] = "connect",
	[SCEN_ST_GREETING] = "greeting",
	[SCEN_ST_TLS] = "tls",
	[SCEN_ST_ANY] = "any",
	[SCEN_ST_DATA] = "data",
	[SCEN_ST_LITERAL] = "literal",
	[SCEN_ST_IDLE] = "idle",
};
static const char *const scenario_disc_words[] = {
	[SCEN_DISC_NONE] = "",
	[SCEN_DISC_BEFORE_REPLY] = "before-reply",
	[SCEN_DISC_AFTER_REPLY] = "after-reply",
	[SCEN_DISC_MID_REPLY] = "mid-reply",
};
_Static_assert(nitems(scenario_disc_words) == SCEN_DISC__COUNT,
    "scenario_disc_words");
static const char *const scenario_mal_words[] = {
	[SCEN_MAL_NONE] = "",
	[SCEN_MAL_BARE_LF] = "bare-lf",
	[SCEN_MAL_BAD_CONTINUATION] = "bad-continuation",
	[SCEN_MAL_WRONG_TAG] = "wrong-tag",
	[SCEN_MAL_SPLIT] = "split",
};
_Static_assert(nitems(scenario_mal_words) == SCEN_MAL__COUNT,
    "scenario_mal_words");

/*
 * ---------------------------------------------------------------------
 * Rules
 * ---------------------------------------------------------------------
 */

int
scenario_load_rules(struct scen_ctx *ctx, const yaml_node_t *seq)
{
	struct scenario	*sc = ctx->sc;
	size_t		 i, n;

	if (scenario_seq(ctx, seq, "a list of rules") == -1)
		return -1;
	n = scenario_seq_len(seq);
	sc->rules = xcalloc(n == 0 ? 1 : n, sizeof(*sc->rules));
	sc->nrules = n;
	for (i = 0; i < n; i++) {
		sc->rules[i].index = i;
		if (scenario_load_rule(ctx, &sc->rules[i],
		    scenario_seq_item(ctx, seq, i)) == -1)
			return -1;
	}
	return 0;
}

static int
scenario_load_rule(struct scen_ctx *ctx, struct scen_rule *r,
    const yaml_node_t *map)
{
	const yaml_node_t *on;

	r->mark = scenario_mark(map);
	r->nth = (struct scen_range){ 1, SCEN_INF };
	r->session = (struct scen_range){ 1, SCEN_INF };
	r->probability = 1.0;
	r->seed = ctx->sc->seed;
	if (scenario_map(ctx, map, "a rule mapping", scenario_rule_keys,
	    nitems(scenario_rule_keys)) == -1)
		return -1;
	if ((on = scenario_get(ctx, map, "on")) == NULL)
		return scenario_err(ctx, map, "on: is missing; expected e.g. "
		    "on: {smtp: RCPT}");
	if (scenario_load_on(ctx, r, on) == -1)
		return -1;
	if (scenario_load_actions(ctx, r, map) == -1)
		return -1;
	return scenario_rule_check(ctx, r, map);
}

static int
scenario_load_on(struct scen_ctx *ctx, struct scen_rule *r,
    const yaml_node_t *on)
{
	const yaml_node_t *n, *pn = NULL, *nth, *times;
	struct scenario	*sc = ctx->sc;
	uint64_t	 v;
	size_t		 i;

	if (scenario_map(ctx, on, "a mapping of conditions",
	    scenario_on_keys, nitems(scenario_on_keys)) == -1)
		return -1;
	for (i = 0; i < SCEN_P__COUNT; i++) {
		if ((n = scenario_get_key(ctx, on,
		    scenario_proto_name(i))) == NULL)
			continue;
		if (pn != NULL)
			return scenario_err(ctx, n, "a rule is for one "
			    "protocol; expected exactly one of smtp:, pop3:, "
			    "imap:");
		pn = n;
		r->proto = i;
	}
	if (pn == NULL)
		return scenario_err(ctx, on, "no protocol; expected exactly "
		    "one of smtp:, pop3:, imap: with a stage or command");
	if (scenario_load_stage(ctx, r, scenario_get(ctx, on,
	    scenario_proto_name(r->proto))) == -1)
		return -1;
	if (scenario_on_server(ctx, r, on, pn) == -1)
		return -1;

	if ((n = scenario_get(ctx, on, "args")) != NULL) {
		if (r->stage != SCEN_ST_COMMAND && r->stage != SCEN_ST_ANY)
			return scenario_err(ctx, n, "args: needs a command; "
			    "stage '%s' has no arguments",
			    scenario_stage_name(r->stage));
		if (scenario_strdup(ctx, n, "a regular expression", true,
		    &r->args_src) == -1)
			return -1;
		if (scenario_regcomp(ctx, n, &r->args, r->args_src,
		    REG_EXTENDED | REG_ICASE | REG_NOSUB) == -1)
			return -1;
		r->has_args = true;
	}
	nth = scenario_get(ctx, on, "nth");
	times = scenario_get(ctx, on, "times");
	if (nth != NULL && times != NULL)
		return scenario_err(ctx, times, "times: is short for nth: "
		    "[1, n]; expected only one of nth: and times:");
	if (nth != NULL &&
	    scenario_load_range(ctx, nth, "nth", &r->nth) == -1)
		return -1;
	if (times != NULL) {
		if (scenario_u64(ctx, times, "a count", 1, UINT32_MAX,
		    &v) == -1)
			return -1;
		r->nth = (struct scen_range){ 1, v };
	}
	if ((n = scenario_get(ctx, on, "session")) != NULL &&
	    scenario_load_range(ctx, n, "session", &r->session) == -1)
		return -1;
	if ((n = scenario_get(ctx, on, "user")) != NULL) {
		if (scenario_strdup(ctx, n, "a user name", true,
		    &r->user) == -1)
			return -1;
		if (sc->users_set && scenario_user_find(sc, r->user) == NULL)
			return scenario_err(ctx, n, "user '%s' is not among "
			    "users:, so the rule can never match; expected "
			    "one of the users", r->user);
		if (r->stage == SCEN_ST_CONNECT ||
		    r->stage == SCEN_ST_GREETING)
			return scenario_err(ctx, n, "nobody has logged in at "
			    "stage %s, so the rule can never match; expected "
			    "a command or stage after login",
			    scenario_stage_name(r->stage));
	}
	if ((n = scenario_get(ctx, on, "probability")) != NULL &&
	    scenario_load_prob(ctx, n, &r->probability) == -1)
		return -1;
	if ((n = scenario_get(ctx, on, "seed")) != NULL) {
		if (scenario_get(ctx, on, "probability") == NULL)
			return scenario_err(ctx, n, "seed: without "
			    "probability: has no effect; expected both");
		if (scenario_u64(ctx, n, "a seed", 0, UINT64_MAX,
		    &r->seed) == -1)
			return -1;
	}
	return 0;
}

int
scenario_regcomp(struct scen_ctx *ctx, const yaml_node_t *n, regex_t *re,
    const char *src, int flags)
{
	char	msg[128];
	int	rc;

	if ((rc = regcomp(re, src, flags)) != 0) {
		regerror(rc, re, msg, sizeof(msg));
		regfree(re);
		return scenario_err(ctx, n, "bad regular expression '%s': %s; "
		    "expected a POSIX extended regex", src, msg);
	}
	return 0;
}

/*
 * Stage names are lower-case words; anything else is a verb, in any case.
 * So "data" is the end of the message and "DATA" the command, "idle" the
 * IMAP idle stage and "IDLE" the command.
 */
static int
scenario_load_stage(struct scen_ctx *ctx, struct scen_rule *r,
    const yaml_node_t *n)
{
	const char	*s;
	char		 verb[64];
	int		 st, p;

	if (scenario_str(ctx, n, "a stage or command", &s) == -1)
		return -1;
	st = scenario_pick(s, scenario_stage_words,
	    nitems(scenario_stage_words));
	if (st >= 0) {
		r->stage = st;
		if (st == SCEN_ST_DATA && r->proto != SCEN_P_SMTP)
			return scenario_err(ctx, n, "stage 'data' is SMTP "
			    "only; expected a %s stage or command",
			    scenario_proto_name(r->proto));
		if ((st == SCEN_ST_LITERAL || st == SCEN_ST_IDLE) &&
		    r->proto != SCEN_P_IMAP)
			return scenario_err(ctx, n, "stage '%s' is IMAP only; "
			    "expected a %s stage or command", s,
			    scenario_proto_name(r->proto));
		return 0;
	}
	scenario_verb_norm(s, verb, sizeof(verb));
	if (scenario_verb_known(r->proto, verb)) {
		r->stage = SCEN_ST_COMMAND;
		if (!str_copy(r->verb, verb, sizeof(r->verb)))
			fatalx("%s: verb %s", __func__, verb);
		return 0;
	}
	for (p = 0; p < SCEN_P__COUNT; p++)
		if (scenario_verb_known(p, verb))
			return scenario_err(ctx, n, "'%s' is %s command, not "
			    "%s one; the rule can never match", s,
			    scenario_verbs[p].name,
			    scenario_verbs[r->proto].name);
	return scenario_err(ctx, n, "unknown stage or command '%s'; expected "
	    "connect, greeting, tls, any%s or %s command", s,
	    r->proto == SCEN_P_SMTP ? ", data" : r->proto == SCEN_P_IMAP ?
	    ", literal, idle" : "", scenario_verbs[r->proto].name);
}

/* The rule's protocol (and server:) must have a server that runs. */
static int
scenario_on_server(struct scen_ctx *ctx, struct scen_rule *r,
    const yaml_node_t *on, const yaml_node_t *pn)
{
	struct scenario	*sc = ctx->sc;
	const yaml_node_t *n;
	const char	*s;
	bool		 running = false, tls = false;
	size_t		 i;

	if ((n = scenario_get(ctx, on, "server")) != NULL) {
		if (scenario_str(ctx, n, "a server name", &s) == -1)
			return -1;
		for (i = 0; i < SCEN_SRV__COUNT; i++)
			if (strcmp(s, scenario_server_name(i)) == 0)
				break;
		if (i == SCEN_SRV__COUNT)
			return scenario_err(ctx, n, "unknown server '%s'; "
			    "expected one of: smtp, submission, smtps, pop3, "
			    "pop3s, imap, imaps", s);
		if (scenario_server_proto(i) != r->proto)
			return scenario_err(ctx, n, "server %s does not speak "
			    "%s, so the rule can never match", s,
			    scenario_proto_name(r->proto));
		if (!sc->servers[i].enabled)
			return scenario_err(ctx, n, "server %s does not run "
			    "(it is not under servers:), so the rule can "
			    "never match", s);
		r->server_set = true;
		r->server = i;
	}
	for (i = 0; i < SCEN_SRV__COUNT; i++) {
		if (scenario_server_proto(i) != r->proto ||
		    !sc->servers[i].enabled ||
		    (r->server_set && r->server != i))
			continue;
		running = true;
		if (sc->servers[i].tls != SCEN_TLS_NONE)
			tls = true;
	}
	if (!running)
		return scenario_err(ctx, pn, "no %s server runs (none is "
		    "under servers:), so the rule can never match",
		    scenario_proto_name(r->proto));
	if (r->stage == SCEN_ST_TLS && !tls)
		return scenario_err(ctx, pn, "every matching server has tls: "
		    "none, so stage tls can never match");
	return 0;
}

/*
 * n, [from, to], or "n+" (open-ended, e.g. session: "2+" for every session
 * after the first); the same grammar for nth: and session:.
 */
static int
scenario_load_range(struct scen_ctx *ctx, const yaml_node_t *n,
    const char *what, struct scen_range *rg)
{
	const yaml_node_t *a, *b;
	const char	*s;
	size_t		 len;
	uint64_t	 v;

	if (n->type == YAML_SEQUENCE_NODE) {
		if (scenario_seq_len(n) != 2)
			return scenario_err(ctx, n, "%s: range needs two "
			    "numbers; expected [from, to]", what);
		a = scenario_seq_item(ctx, n, 0);
		b = scenario_seq_item(ctx, n, 1);
		if (scenario_u64(ctx, a, "a count from 1", 1, UINT32_MAX,
		    &rg->from) == -1 ||
		    scenario_u64(ctx, b, "a count from 1", 1, UINT32_MAX,
		    &rg->to) == -1)
			return -1;
		if (rg->from > rg->to)
			return scenario_err(ctx, n, "%s: [%llu, %llu] is "
			    "empty, so the rule can never match; expected "
			    "from <= to", what, (unsigned long long)rg->from,
			    (unsigned long long)rg->to);
		return 0;
	}
	if (n->type == YAML_SCALAR_NODE && !scenario_is_null(n)) {
		s = (const char *)n->data.scalar.value;
		len = strlen(s);
		if (len > 1 && s[len - 1] == '+') {
			if (!str_to_u64(s, len - 1, UINT32_MAX, &v) || v == 0)
				return scenario_err(ctx, n, "bad %s '%s'; "
				    "expected n+ with n from 1, e.g. 2+",
				    what, s);
			*rg = (struct scen_range){ v, SCEN_INF };
			return 0;
		}
	}
	if (n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    strcmp((const char *)n->data.scalar.value, "0") == 0)
		return scenario_err(ctx, n, "%s counts from 1, so 0 can never "
		    "match; expected 1 or more", what);
	if (scenario_u64(ctx, n, "a count from 1, [from, to] or n+", 1,
	    UINT32_MAX, &v) == -1)
		return -1;
	*rg = (struct scen_range){ v, v };
	return 0;
}

static int
scenario_load_prob(struct scen_ctx *ctx, const yaml_node_t *n, double *p_r)
{
	const char	*s;
	char		*end;
	double		 p;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    scenario_is_null(n))
		return scenario_err(ctx, n, "expected a probability (an "
		    "unquoted number, 0 < p <= 1)");
	s = (const char *)n->data.scalar.value;
	if (s[0] == '\0' || strspn(s, "0123456789.") != strlen(s))
		return scenario_err(ctx, n, "bad probability '%s'; expected "
		    "a number, 0 < p <= 1", s);
	p = strtod(s, &end);
	if (*end != '\0')
		return scenario_err(ctx, n, "bad probability '%s'; expected "
		    "a number, 0 < p <= 1", s);
	if (p == 0)
		return scenario_err(ctx, n, "probability 0 can never match; "
		    "expected 0 < p <= 1");
	if (p > 1)
		return scenario_err(ctx, n, "probability %s is above 1; "
		    "expected 0 < p <= 1", s);
	*p_r = p;
	return 0;
}

static int
scenario_load_actions(struct scen_ctx *ctx, struct scen_rule *r,
    const yaml_node_t *map)
{
	const yaml_node_t *n;
	const char	*s;
	size_t		 i;
	int		 k;

	if ((n = scenario_get(ctx, map, "reply")) != NULL) {
		if (scenario_lines(ctx, n, "reply lines", &r->reply,
		    &r->nreply) == -1)
			return -1;
		if (scenario_reply_check(ctx, r, n) == -1)
			return -1;
	}
	if ((n = scenario_get(ctx, map, "untagged")) != NULL) {
		if (r->proto != SCEN_P_IMAP)
			return scenario_err(ctx, n, "untagged: is for IMAP "
			    "rules; expected reply: for %s",
			    scenario_proto_name(r->proto));
		if (scenario_lines(ctx, n, "untagged lines", &r->untagged,
		    &r->nuntagged) == -1)
			return -1;
		for (i = 0; i < r->nuntagged; i++)
			if (strncmp(r->untagged[i], "* ", 2) != 0 ||
			    r->untagged[i][2] == '\0')
				return scenario_err(ctx,
				    scenario_line_node(ctx, n, i), "untagged "
				    "line '%s' does not start with \"* \"; "
				    "expected e.g. \"* 3 EXPUNGE\"",
				    r->untagged[i]);
	}
	if ((n = scenario_get(ctx, map, "delay")) != NULL &&
	    scenario_duration(ctx, n, "a delay", &r->delay_ms) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "drip")) != NULL &&
	    scenario_u64(ctx, n, "bytes per second", 1, UINT32_MAX,
	    &r->drip_bps) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "throttle")) != NULL &&
	    scenario_u64(ctx, n, "bytes per second", 1, UINT32_MAX,
	    &r->throttle_bps) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "disconnect")) != NULL) {
		if (scenario_str(ctx, n, "when to disconnect", &s) == -1)
			return -1;
		if ((k = scenario_pick(s, scenario_disc_words,
		    nitems(scenario_disc_words))) <= 0)
			return scenario_err(ctx, n, "unknown disconnect '%s'; "
			    "expected before-reply, after-reply or "
			    "mid-reply", s);
		r->disconnect = k;
	}
	if ((n = scenario_get(ctx, map, "hang")) != NULL &&
	    scenario_bool(ctx, n, "hang", &r->hang) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "tls")) != NULL) {
		if (scenario_str(ctx, n, "fail", &s) == -1)
			return -1;
		if (strcmp(s, "fail") != 0)
			return scenario_err(ctx, n, "unknown tls action '%s'; "
			    "expected fail", s);
		r->tls_fail = true;
	}
	if ((n = scenario_get(ctx, map, "malformed")) != NULL) {
		if (scenario_str(ctx, n, "a kind of breakage", &s) == -1)
			return -1;
		if ((k = scenario_pick(s, scenario_mal_words,
		    nitems(scenario_mal_words))) <= 0)
			return scenario_err(ctx, n, "unknown malformed '%s'; "
			    "expected bare-lf, bad-continuation, wrong-tag or "
			    "split", s);
		r->malformed = k;
	}
	return 0;
}

/* Actions must fit together and fit the stage. */
static int
scenario_rule_check(struct scen_ctx *ctx, struct scen_rule *r,
    const yaml_node_t *map)
{
	const yaml_node_t *n;
	bool		 sends;

	sends = r->reply != NULL || r->drip_bps != 0 ||
	    r->malformed != SCEN_MAL_NONE || r->untagged != NULL;
	if (!sends && !r->hang && !r->tls_fail && r->delay_ms == 0 &&
	    r->throttle_bps == 0 && r->disconnect == SCEN_DISC_NONE)
		return scenario_err(ctx, map, "the rule does nothing; expected "
		    "at least one of reply, delay, drip, throttle, "
		    "disconnect, hang: true, tls: fail, malformed, untagged");
	if (r->hang && (sends || r->tls_fail || r->delay_ms != 0 ||
	    r->throttle_bps != 0 || r->disconnect != SCEN_DISC_NONE))
		return scenario_err(ctx, scenario_get(ctx, map, "hang"),
		    "hang: true never answers, so the other actions of the "
		    "rule cannot happen; expected hang alone");
	if (r->tls_fail && r->stage != SCEN_ST_TLS)
		return scenario_err(ctx, scenario_get(ctx, map, "tls"),
		    "tls: fail needs stage tls; expected on: {%s: tls}",
		    scenario_proto_name(r->proto));
	if (r->stage == SCEN_ST_TLS && sends) {
		n = scenario_get(ctx, map, r->reply != NULL ? "reply" :
		    r->drip_bps != 0 ? "drip" : r->untagged != NULL ?
		    "untagged" : "malformed");
		return scenario_err(ctx, n, "a TLS handshake has no reply to "
		    "change; expected delay, disconnect, hang or tls: fail");
	}
	if (r->disconnect == SCEN_DISC_BEFORE_REPLY && sends)
		return scenario_err(ctx, scenario_get(ctx, map, "disconnect"),
		    "disconnect: before-reply sends nothing, so reply, drip, "
		    "malformed and untagged cannot happen; expected "
		    "after-reply or mid-reply");
	if (r->malformed == SCEN_MAL_WRONG_TAG && r->proto != SCEN_P_IMAP)
		return scenario_err(ctx, scenario_get(ctx, map, "malformed"),
		    "wrong-tag is for IMAP; %s has no tags",
		    scenario_proto_name(r->proto));
	if (r->malformed == SCEN_MAL_BAD_CONTINUATION) {
		if (r->proto == SCEN_P_IMAP)
			return scenario_err(ctx, scenario_get(ctx, map,
			    "malformed"), "bad-continuation is for SMTP and "
			    "POP3 multi-line replies; expected wrong-tag, "
			    "bare-lf or split for IMAP");
		if (r->reply != NULL && r->nreply < 2)
			return scenario_err(ctx, scenario_get(ctx, map,
			    "malformed"), "bad-continuation needs a "
			    "multi-line reply; expected a reply of two or "
			    "more lines");
	}
	return 0;
}

/* The node of line i of a string-or-list value. */
static const yaml_node_t *
scenario_line_node(struct scen_ctx *ctx, const yaml_node_t *n, size_t i)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return scenario_seq_item(ctx, n, i);
	return n;
}

static int
scenario_reply_check(struct scen_ctx *ctx, struct scen_rule *r,
    const yaml_node_t *n)
{
	const char	*l = r->reply[0];
	size_t		 i;

	switch (r->proto) {
	case SCEN_P_SMTP:
		return scenario_reply_smtp(ctx, r, n);
	case SCEN_P_POP3:
		/* RFC 1939 3: status indicators are upper case. */
		if (strncmp(l, "+OK", 3) == 0 && (l[3] == '\0' || l[3] == ' '))
			r->status = SCEN_RS_OK;
		else if (strncmp(l, "-ERR", 4) == 0 &&
		    (l[4] == '\0' || l[4] == ' '))
			r->status = SCEN_RS_ERR;
		else
			return scenario_err(ctx, scenario_line_node(ctx, n, 0),
			    "bad POP3 reply '%s'; expected \"+OK ...\" or "
			    "\"-ERR ...\" (RFC 1939 3)", l);
		for (i = 1; i < r->nreply; i++)
			if (r->status == SCEN_RS_ERR)
				return scenario_err(ctx,
				    scenario_line_node(ctx, n, i), "a -ERR "
				    "reply is one line (RFC 1939 3); expected "
				    "no more lines");
		return 0;
	case SCEN_P_IMAP:
		return scenario_reply_imap(ctx, r, n);
	default:
		fatalx("%s: proto %d", __func__, (int)r->proto);
	}
}

/*
 * RFC 5321 4.2: Reply-line = *( Reply-code "-" [ textstring ] CRLF )
 * Reply-code [ SP textstring ] CRLF, one code for all lines, first digit
 * 2-5, second 0-5.  RFC 3463 3.1: an enhanced code's class matches.
 */
static int
scenario_reply_smtp(struct scen_ctx *ctx, struct scen_rule *r,
    const yaml_node_t *n)
{
	const char	*l, *t;
	uint64_t	 code;
	size_t		 i, d;
	bool		 last;

	for (i = 0; i < r->nreply; i++) {
		l = r->reply[i];
		last = i + 1 == r->nreply;
		if (strspn(l, "0123456789") < 3 ||
		    !str_to_u64(l, 3, 999, &code) || code < 200 ||
		    code > 599 || l[1] > '5')
			return scenario_err(ctx, scenario_line_node(ctx, n, i),
			    "bad SMTP reply '%s'; expected a code from 200 to "
			    "559 and a text, e.g. \"451 4.7.1 try later\" "
			    "(RFC 5321 4.2)", l);
		if (i > 0 && code != r->code)
			return scenario_err(ctx, scenario_line_node(ctx, n, i),
			    "reply code %llu differs from %u on the first "
			    "line; expected one code on every line (RFC 5321 "
			    "4.2.1)", (unsigned long long)code, r->code);
		if (!last && l[3] != '-')
			return scenario_err(ctx, scenario_line_node(ctx, n, i),
			    "'%s' is not the last line; expected \"%03llu-\" "
			    "(RFC 5321 4.2.1)", l, (unsigned long long)code);
		if (last && l[3] != '\0' && l[3] != ' ')
			return scenario_err(ctx, scenario_line_node(ctx, n, i),
			    "bad SMTP reply '%s'; expected \"%03llu \" on the "
			    "last line (RFC 5321 4.2.1)", l,
			    (unsigned long long)code);
		r->code = (unsigned)code;
		if (l[3] == '\0')
			continue;
		t = l + 4;
		d = strspn(t, "0123456789");
		if (d == 1 && t[1] == '.' && t[0] != l[0] &&
		    strspn(t + 2, "0123456789") > 0)
			return scenario_err(ctx, scenario_line_node(ctx, n, i),
			    "enhanced status code class %c does not match "
			    "reply code %03llu; expected %c.x.y (RFC 3463 3.1)",
			    t[0], (unsigned long long)code, l[0]);
	}
	r->status = r->code >= 500 ? SCEN_RS_PERM : r->code >= 400 ?
	    SCEN_RS_TEMP : SCEN_RS_OK;
	/* RFC 5321 3.8: 421 closes the transmission channel. */
	r->closes = r->code == 421;
	return 0;
}

/*
 * RFC 3501 7.1: untagged "* " lines, then the status line the engine
 * tags.  A greeting is OK, PREAUTH or BYE (RFC 3501 9 greeting); at the
 * literal and idle stages a "+" continuation may be replaced by another.
 */
static int
scenario_reply_imap(struct scen_ctx *ctx, struct scen_rule *r,
    const yaml_node_t *n)
{
	static const struct {
		const char	*word;
		enum scen_status st;
	} words[] = {
		{ "OK", SCEN_RS_OK }, { "NO", SCEN_RS_NO },
		{ "BAD", SCEN_RS_BAD }, { "BYE", SCEN_RS_BYE },
		{ "PREAUTH", SCEN_RS_OK },
	};
	const char	*l;
	size_t		 i, len;
	bool		 greeting, cont;

	greeting = r->stage == SCEN_ST_CONNECT || r->stage == SCEN_ST_GREETING;
	cont = r->stage == SCEN_ST_LITERAL || r->stage == SCEN_ST_IDLE;
	for (i = 0; i + 1 < r->nreply; i++)
		if (strncmp(r->reply[i], "* ", 2) != 0)
			return scenario_err(ctx, scenario_line_node(ctx, n, i),
			    "'%s' is not the last line; expected an untagged "
			    "\"* ...\" line before the status line (RFC 3501 "
			    "7.1)", r->reply[i]);
	l = r->reply[r->nreply - 1];
	if (cont && l[0] == '+' && (l[1] == '\0' || l[1] == ' ')) {
		r->status = SCEN_RS_OK;
		return 0;
	}
	for (i = 0; i < nitems(words); i++) {
		len = strlen(words[i].word);
		if (strncasecmp(l, words[i].word, len) == 0 &&
		    (l[len] == '\0' || l[len] == ' '))
			break;
	}
	if (i == nitems(words) || (i == 4 && !greeting))
		return scenario_err(ctx, scenario_line_node(ctx, n,
		    r->nreply - 1), "bad IMAP status line '%s'; expected "
		    "OK, NO, BAD or BYE and a text (the tag is added)%s", l,
		    cont ? ", or a \"+ \" continuation" : "");
	if (greeting && (words[i].st == SCEN_RS_NO ||
	    words[i].st == SCEN_RS_BAD))
		return scenario_err(ctx, scenario_line_node(ctx, n,
		    r->nreply - 1), "an IMAP greeting cannot be %s; expected "
		    "OK, PREAUTH or BYE (RFC 3501 9 greeting)", words[i].word);
	r->status = words[i].st;
	r->closes = r->status == SCEN_RS_BYE;
	return 0;
}

/* Upper-case, one space between words, no leading or trailing space. */
static void
scenario_verb_norm(const char *s, char *out, size_t size)
{
	size_t	o = 0;
	bool	sp = false;

	for (; *s != '\0' && o + 2 < size; s++) {
		if (*s == ' ' || *s == '\t') {
			sp = o > 0;
			continue;
		}
		if (sp)
			out[o++] = ' ';
		sp = false;
		out[o++] = (char)toupper((unsigned char)*s);
	}
	out[o] = '\0';
}

bool
scenario_verb_known(enum scen_proto p, const char *verb)
{
	size_t	i;

	for (i = 0; i < scenario_verbs[p].n; i++)
		if (strcmp(verb, scenario_verbs[p].v[i]) == 0)
			return true;
	return false;
}

int
scenario_verb_any(const char *s, char *out, size_t size)
{
	int	p;

	scenario_verb_norm(s, out, size);
	for (p = 0; p < SCEN_P__COUNT; p++)
		if (scenario_verb_known(p, out))
			return p;
	return -1;
}

/* Index of s in words (exact), or -1. */
static int
scenario_pick(const char *s, const char *const *words, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (words[i] != NULL && strcmp(s, words[i]) == 0)
			return (int)i;
	return -1;
}

void
scenario_rule_fini(struct scen_rule *r)
{
	if (r->has_args)
		regfree(&r->args);
	free(r->args_src);
	free(r->user);
	scenario_strv_free(r->reply, r->nreply);
	scenario_strv_free(r->untagged, r->nuntagged);
}

/*
 * ---------------------------------------------------------------------
 * Script
 * ---------------------------------------------------------------------
 */

int
scenario_load_script(struct scen_ctx *ctx, const yaml_node_t *map)
{
	struct scenario	*sc = ctx->sc;
	const yaml_node_t *k, *v;
	size_t		 p, i;
	bool		 running;

	if (scenario_map(ctx, map, "a mapping of protocols to steps",
	    scenario_script_keys, nitems(scenario_script_keys)) == -1)
		return -1;
	for (p = 0; p < SCEN_P__COUNT; p++) {
		if ((k = scenario_get_key(ctx, map,
		    scenario_proto_name(p))) == NULL)
			continue;
		v = scenario_get(ctx, map, scenario_proto_name(p));
		running = false;
		for (i = 0; i < SCEN_SRV__COUNT; i++)
			if (scenario_server_proto(i) == p &&
			    sc->servers[i].enabled)
				running = true;
		if (!running)
			return scenario_err(ctx, k, "no %s server runs (none "
			    "is under servers:), so the script can never "
			    "play", scenario_proto_name(p));
		sc->scripts[p].mark = scenario_mark(k);
		if (scenario_load_steps(ctx, &sc->scripts[p], p, v) == -1)
			return -1;
	}
	return 0;
}

static int
scenario_load_steps(struct scen_ctx *ctx, struct scen_script *scr,
    enum scen_proto p, const yaml_node_t *seq)
{
	const yaml_node_t *item, *c, *s;
	struct scen_step *st;
	size_t		 i, n;

	if (scenario_seq(ctx, seq, "a list of steps") == -1)
		return -1;
	if ((n = scenario_seq_len(seq)) == 0)
		return scenario_err(ctx, seq, "empty script; expected a "
		    "greeting step and the dialogue");
	scr->set = true;
	scr->steps = xcalloc(n, sizeof(*scr->steps));
	scr->nsteps = n;
	for (i = 0; i < n; i++) {
		item = scenario_seq_item(ctx, seq, i);
		st = &scr->steps[i];
		st->mark = scenario_mark(item);
		if (scenario_map(ctx, item, "a step mapping",
		    scenario_step_keys, nitems(scenario_step_keys)) == -1)
			return -1;
		c = scenario_get(ctx, item, "client");
		s = scenario_get(ctx, item, "server");
		if (i == 0 && (c != NULL || s == NULL))
			return scenario_err(ctx, item, "the first step is the "
			    "greeting; expected server: alone, e.g. "
			    "- server: \"%s\"", p == SCEN_P_SMTP ?
			    "220 mx.test ESMTP" : p == SCEN_P_POP3 ?
			    "+OK ready" : "* OK ready");
		if (i > 0 && c == NULL)
			return scenario_err(ctx, item, "client: is missing; "
			    "expected the client line this step waits for "
			    "(* and ? match any text)");
		if (c != NULL) {
			if (scenario_strdup(ctx, c, "a client line pattern",
			    true, &st->client) == -1)
				return -1;
			if (st->client[0] == '\0')
				return scenario_err(ctx, c, "empty client "
				    "pattern; expected e.g. \"EHLO *\"");
		}
		if (s != NULL && scenario_lines(ctx, s, "server lines",
		    &st->server, &st->nserver) == -1)
			return -1;
	}
	return 0;
}

void
scenario_script_fini(struct scen_script *scr)
{
	size_t	i;

	for (i = 0; i < scr->nsteps; i++) {
		free(scr->steps[i].client);
		scenario_strv_free(scr->steps[i].server,
		    scr->steps[i].nserver);
	}
	free(scr->steps);
}

/*
 * ---------------------------------------------------------------------
 * Run
 * ---------------------------------------------------------------------
 */

int
scenario_load_run(struct scen_ctx *ctx, const yaml_node_t *map)
{
	struct scen_run	*run = &ctx->sc->run;
	const yaml_node_t *n, *item;
	struct stat	 st;
	const char	*s;
	size_t		 i, cnt;

	run->mark = scenario_mark(map);
	if (scenario_map(ctx, map, "a run mapping", scenario_run_keys,
	    nitems(scenario_run_keys)) == -1)
		return -1;
	run->set = true;
	if ((n = scenario_get(ctx, map, "command")) != NULL) {
		if (n->type == YAML_SEQUENCE_NODE) {
			if ((cnt = scenario_seq_len(n)) == 0)
				return scenario_err(ctx, n, "empty command; "
				    "expected the program and its arguments");
			run->argv = xcalloc(cnt + 1, sizeof(*run->argv));
			run->argc = cnt;
			for (i = 0; i < cnt; i++) {
				item = scenario_seq_item(ctx, n, i);
				if (scenario_strdup(ctx, item, "an argument",
				    false, &run->argv[i]) == -1 ||
				    scenario_template_check(ctx, item,
				    run->argv[i]) == -1)
					return -1;
			}
			if (run->argv[0][0] == '\0')
				return scenario_err(ctx, n, "empty program "
				    "name; expected the program to run");
		} else {
			if (scenario_strdup(ctx, n, "a command (a list, or a "
			    "string for /bin/sh -c)", false,
			    &run->shell) == -1 ||
			    scenario_template_check(ctx, n, run->shell) == -1)
				return -1;
			if (run->shell[strspn(run->shell, " \t\n")] == '\0')
				return scenario_err(ctx, n, "empty command; "
				    "expected a shell command");
		}
	}
	if ((n = scenario_get(ctx, map, "timeout")) != NULL) {
		if (scenario_duration(ctx, n, "a timeout",
		    &run->timeout_ms) == -1)
			return -1;
		if (run->timeout_ms == 0)
			return scenario_err(ctx, n, "a timeout of 0 stops the "
			    "command at once; expected e.g. 30s");
	}
	if ((n = scenario_get(ctx, map, "cwd")) != NULL) {
		if (scenario_str(ctx, n, "a directory", &s) == -1)
			return -1;
		run->cwd = s[0] == '/' ? xstrdup(s) :
		    xasprintf("%s/%s", ctx->sc->dir, s);
		if (stat(run->cwd, &st) == -1 || !S_ISDIR(st.st_mode))
			return scenario_err(ctx, n, "cwd '%s' is not a "
			    "directory; expected a directory relative to the "
			    "scenario file", s);
	}
	if ((n = scenario_get(ctx, map, "env")) != NULL &&
	    scenario_load_env(ctx, run, n) == -1)
		return -1;
	return 0;
}

static int
scenario_load_env(struct scen_ctx *ctx, struct scen_run *run,
    const yaml_node_t *map)
{
	yaml_node_t	*k, *v;
	const char	*name, *val;
	size_t		 i, cnt;

	if (scenario_map_any(ctx, map, "a mapping of variables") == -1)
		return -1;
	cnt = scenario_map_len(map);
	run->env = xcalloc(cnt + 1, sizeof(*run->env));
	for (i = 0; i < cnt; i++) {
		scenario_map_pair(ctx, map, i, &k, &v);
		name = (const char *)k->data.scalar.value;
		if (name[0] == '\0' || isdigit((unsigned char)name[0]) ||
		    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz0123456789_") != strlen(name))
			return scenario_err(ctx, k, "bad variable name '%s'; "
			    "expected letters, digits and _", name);
		if (scenario_str(ctx, v, "a value", &val) == -1 ||
		    scenario_template_check(ctx, v, val) == -1)
			return -1;
		run->env[run->nenv++] = xasprintf("%s=%s", name, val);
	}
	return 0;
}

/* ${NAME} references must be closed and name a variable. */
static int
scenario_template_check(struct scen_ctx *ctx, const yaml_node_t *n,
    const char *s)
{
	const char	*p, *end;
	size_t		 len;

	for (p = strstr(s, "${"); p != NULL; p = strstr(end, "${")) {
		if ((end = strchr(p + 2, '}')) == NULL)
			return scenario_err(ctx, n, "unclosed '${' in '%s'; "
			    "expected ${NAME}", s);
		len = (size_t)(end - p - 2);
		if (len == 0 || isdigit((unsigned char)p[2]) ||
		    strspn(p + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz0123456789_") != len)
			return scenario_err(ctx, n, "bad variable reference "
			    "'%.*s' in '%s'; expected ${NAME}", (int)len + 3,
			    p, s);
	}
	return 0;
}

void
scenario_run_fini(struct scen_run *run)
{
	scenario_strv_free(run->argv, run->argc);
	free(run->shell);
	free(run->cwd);
	scenario_strv_free(run->env, run->nenv);
}
