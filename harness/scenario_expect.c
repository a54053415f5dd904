/*
 * scenario_expect.c: the expect: part of a scenario (issue 5): the client
 * command's exit code, the accepted messages (envelope RFC 5321 4.1.1.2-3,
 * header fields RFC 5322 3.6, MIME parts RFC 2045/2183), the client's
 * behaviour (retries after 4xx, RFC 5321 4.5.4.1; giving up after 5xx;
 * sessions; commands; QUIT/LOGOUT) and the conformance overrides.
 *
 * Values are checked for form and regexes compiled here; judging them
 * against a run is expect.c's job.  Every item keeps its mark so reports
 * can say where an expectation came from.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "harness/conformance/conf.h"
#include "harness/scenario.h"
#include "harness/scenario_int.h"

static int	scenario_load_messages(struct scen_ctx *, struct scen_expect *,
		    const yaml_node_t *);
static int	scenario_load_match(struct scen_ctx *, struct scen_msg_expect *,
		    const yaml_node_t *);
static int	scenario_load_headers(struct scen_ctx *,
		    struct scen_msg_expect *, const yaml_node_t *);
static int	scenario_load_part(struct scen_ctx *, const yaml_node_t *,
		    struct scen_pattern *, struct scen_pattern *);
static int	scenario_load_attach(struct scen_ctx *,
		    struct scen_msg_expect *, const yaml_node_t *);
static int	scenario_load_client(struct scen_ctx *, struct scen_expect *,
		    const yaml_node_t *);
static int	scenario_load_verbs(struct scen_ctx *, const yaml_node_t *,
		    struct scen_strings *);
static int	scenario_load_conformance(struct scen_ctx *,
		    struct scen_expect *, const yaml_node_t *);
static int	scenario_pattern(struct scen_ctx *, const yaml_node_t *,
		    enum scen_pat_kind, struct scen_pattern *);
static int	scenario_count(struct scen_ctx *, const yaml_node_t *,
		    const char *, struct scen_count *);
static int	scenario_flag(struct scen_ctx *, const yaml_node_t *,
		    const char *, struct scen_flag *);
static int	scenario_strings(struct scen_ctx *, const yaml_node_t *,
		    const char *, struct scen_strings *);
static void	scenario_pattern_fini(struct scen_pattern *);
static void	scenario_strings_fini(struct scen_strings *);
static void	scenario_match_fini(struct scen_msg_expect *);

static const char *const scenario_expect_keys[] = {
	"exit_code", "messages", "client", "conformance",
};
static const char *const scenario_messages_keys[] = { "count", "match" };
static const char *const scenario_match_keys[] = {
	"from", "to", "cc", "bcc", "subject", "header", "body", "html",
	"attachments", "size", "tls", "auth",
};
static const char *const scenario_part_keys[] = { "contains", "regex" };
static const char *const scenario_attach_keys[] = {
	"count", "names", "types",
};
static const char *const scenario_count_keys[] = { "min", "max" };
static const char *const scenario_client_keys[] = {
	"retried_after_4xx", "gave_up_after_5xx", "sessions",
	"commands_used", "commands_not_used", "quit",
};
static const char *const scenario_conf_keys[] = {
	"fail_on", "disable", "levels",
};
static const char *const scenario_fail_names[] = {
	[SCEN_FAIL_MUST] = "MUST",
	[SCEN_FAIL_SHOULD] = "SHOULD",
	[SCEN_FAIL_NEVER] = "never",
};
_Static_assert(nitems(scenario_fail_names) == SCEN_FAIL__COUNT,
    "scenario_fail_names");

int
scenario_load_expect(struct scen_ctx *ctx, const yaml_node_t *map)
{
	struct scen_expect *ex = &ctx->sc->expect;
	const yaml_node_t *n;
	uint64_t	 v;

	if (scenario_map(ctx, map, "a mapping of expectations",
	    scenario_expect_keys, nitems(scenario_expect_keys)) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "exit_code")) != NULL) {
		if (scenario_u64(ctx, n, "an exit code", 0, 255, &v) == -1)
			return -1;
		ex->exit_code_set = true;
		ex->exit_code = (int)v;
		ex->exit_code_mark = scenario_mark(n);
	}
	if ((n = scenario_get(ctx, map, "messages")) != NULL &&
	    scenario_load_messages(ctx, ex, n) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "client")) != NULL &&
	    scenario_load_client(ctx, ex, n) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "conformance")) != NULL &&
	    scenario_load_conformance(ctx, ex, n) == -1)
		return -1;
	return 0;
}

static int
scenario_load_messages(struct scen_ctx *ctx, struct scen_expect *ex,
    const yaml_node_t *map)
{
	const yaml_node_t *n;
	size_t		 i, cnt;

	if (scenario_map(ctx, map, "a messages mapping",
	    scenario_messages_keys, nitems(scenario_messages_keys)) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "count")) != NULL &&
	    scenario_count(ctx, n, "a number of messages", &ex->count) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "match")) == NULL)
		return 0;
	if (scenario_seq(ctx, n, "a list of message matches") == -1)
		return -1;
	cnt = scenario_seq_len(n);
	ex->match = xcalloc(cnt == 0 ? 1 : cnt, sizeof(*ex->match));
	ex->nmatch = cnt;
	for (i = 0; i < cnt; i++)
		if (scenario_load_match(ctx, &ex->match[i],
		    scenario_seq_item(ctx, n, i)) == -1)
			return -1;
	/* Each entry needs its own message, so fewer can never pass. */
	if (ex->count.set && ex->count.max < cnt)
		return scenario_err(ctx, n, "%zu match entries need %zu "
		    "distinct messages but count allows at most %llu; the "
		    "expectation can never pass", cnt, cnt,
		    (unsigned long long)ex->count.max);
	return 0;
}

static int
scenario_load_match(struct scen_ctx *ctx, struct scen_msg_expect *m,
    const yaml_node_t *map)
{
	struct scenario	*sc = ctx->sc;
	const yaml_node_t *n;
	const char	*s;

	m->mark = scenario_mark(map);
	if (scenario_map(ctx, map, "a message match mapping",
	    scenario_match_keys, nitems(scenario_match_keys)) == -1)
		return -1;
	if (scenario_map_len(map) == 0)
		return scenario_err(ctx, map, "empty match entry; expected "
		    "at least one of from, to, subject, ...");
	if ((n = scenario_get(ctx, map, "from")) != NULL &&
	    scenario_pattern(ctx, n, SCEN_PAT_EXACT, &m->from) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "to")) != NULL &&
	    scenario_strings(ctx, n, "addresses", &m->to) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "cc")) != NULL &&
	    scenario_strings(ctx, n, "addresses", &m->cc) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "bcc")) != NULL &&
	    scenario_strings(ctx, n, "addresses", &m->bcc) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "subject")) != NULL &&
	    scenario_pattern(ctx, n, SCEN_PAT_EXACT, &m->subject) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "header")) != NULL &&
	    scenario_load_headers(ctx, m, n) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "body")) != NULL &&
	    scenario_load_part(ctx, n, &m->body_contains,
	    &m->body_regex) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "html")) != NULL &&
	    scenario_load_part(ctx, n, &m->html_contains,
	    &m->html_regex) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "attachments")) != NULL &&
	    scenario_load_attach(ctx, m, n) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "size")) != NULL &&
	    scenario_count(ctx, n, "a size in bytes", &m->size) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "tls")) != NULL &&
	    scenario_flag(ctx, n, "tls", &m->tls) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "auth")) != NULL) {
		if (scenario_bool(ctx, n, "auth", &m->auth.value) == 0) {
			m->auth.set = true;
			m->auth.mark = scenario_mark(n);
			return 0;
		}
		/* Not a boolean: the user who must have delivered it. */
		if (scenario_str(ctx, n, "auth: true, false or a user name",
		    &s) == -1)
			return -1;
		ctx->err[0] = '\0';
		if (sc->users_set && scenario_user_find(sc, s) == NULL)
			return scenario_err(ctx, n, "user '%s' is not among "
			    "users:, so the expectation can never pass", s);
		m->auth = (struct scen_flag){ true, true, scenario_mark(n) };
		m->auth_user = xstrdup(s);
	}
	return 0;
}

/* header: {Name: present | absent | exact | /regex/} */
static int
scenario_load_headers(struct scen_ctx *ctx, struct scen_msg_expect *m,
    const yaml_node_t *map)
{
	yaml_node_t	*k, *v;
	const char	*name;
	size_t		 i, j, cnt;

	if (scenario_map_any(ctx, map, "a mapping of header fields") == -1)
		return -1;
	cnt = scenario_map_len(map);
	m->headers = xcalloc(cnt == 0 ? 1 : cnt, sizeof(*m->headers));
	for (i = 0; i < cnt; i++) {
		scenario_map_pair(ctx, map, i, &k, &v);
		name = (const char *)k->data.scalar.value;
		/* RFC 5322 3.6.8: printable US-ASCII except ":". */
		for (j = 0; name[j] != '\0'; j++)
			if (name[j] < 33 || name[j] > 126 || name[j] == ':')
				break;
		if (j == 0 || name[j] != '\0')
			return scenario_err(ctx, k, "bad header field name "
			    "'%s'; expected printable ASCII without ':' (RFC "
			    "5322 3.6.8)", name);
		for (j = 0; j < m->nheaders; j++)
			if (str_eq_ci(m->headers[j].name, name))
				return scenario_err(ctx, k, "header '%s' is "
				    "listed twice (names are case-insensitive)",
				    name);
		m->headers[m->nheaders].name = xstrdup(name);
		if (scenario_pattern(ctx, v, SCEN_PAT_PRESENT,
		    &m->headers[m->nheaders++].pat) == -1)
			return -1;
	}
	return 0;
}

/* body: / html: {contains: text, regex: re}; the regex is not slashed. */
static int
scenario_load_part(struct scen_ctx *ctx, const yaml_node_t *map,
    struct scen_pattern *contains, struct scen_pattern *re)
{
	const yaml_node_t *n;

	if (scenario_map(ctx, map, "a mapping with contains: or regex:",
	    scenario_part_keys, nitems(scenario_part_keys)) == -1)
		return -1;
	if (scenario_map_len(map) == 0)
		return scenario_err(ctx, map, "empty mapping; expected "
		    "contains: or regex:");
	if ((n = scenario_get(ctx, map, "contains")) != NULL) {
		contains->mark = scenario_mark(n);
		if (scenario_strdup(ctx, n, "a text", false,
		    &contains->text) == -1)
			return -1;
		contains->kind = SCEN_PAT_CONTAINS;
	}
	if ((n = scenario_get(ctx, map, "regex")) != NULL) {
		re->mark = scenario_mark(n);
		if (scenario_strdup(ctx, n, "a regular expression", false,
		    &re->text) == -1)
			return -1;
		if (scenario_regcomp(ctx, n, &re->re, re->text,
		    REG_EXTENDED | REG_NOSUB) == -1)
			return -1;
		re->kind = SCEN_PAT_REGEX;
	}
	return 0;
}

/* attachments: n, {min,max}, or {count, names, types}. */
static int
scenario_load_attach(struct scen_ctx *ctx, struct scen_msg_expect *m,
    const yaml_node_t *n)
{
	const yaml_node_t *c;

	if (n->type != YAML_MAPPING_NODE || scenario_get(ctx, n, "min") !=
	    NULL || scenario_get(ctx, n, "max") != NULL)
		return scenario_count(ctx, n, "a number of attachments",
		    &m->attachments);
	if (scenario_map(ctx, n, "an attachments mapping",
	    scenario_attach_keys, nitems(scenario_attach_keys)) == -1)
		return -1;
	if (scenario_map_len(n) == 0)
		return scenario_err(ctx, n, "empty mapping; expected count:, "
		    "names: or types:");
	if ((c = scenario_get(ctx, n, "count")) != NULL &&
	    scenario_count(ctx, c, "a number of attachments",
	    &m->attachments) == -1)
		return -1;
	if ((c = scenario_get(ctx, n, "names")) != NULL &&
	    scenario_strings(ctx, c, "file names",
	    &m->attachment_names) == -1)
		return -1;
	if ((c = scenario_get(ctx, n, "types")) != NULL) {
		if (scenario_strings(ctx, c, "MIME types",
		    &m->attachment_types) == -1)
			return -1;
	}
	if (m->attachments.set && m->attachments.max <
	    MAX(m->attachment_names.n, m->attachment_types.n))
		return scenario_err(ctx, n, "more names or types than the "
		    "count allows; the expectation can never pass");
	return 0;
}

static int
scenario_load_client(struct scen_ctx *ctx, struct scen_expect *ex,
    const yaml_node_t *map)
{
	const yaml_node_t *n, *s;
	yaml_node_t	*k, *v;
	size_t		 i, p;

	if (scenario_map(ctx, map, "a mapping of client expectations",
	    scenario_client_keys, nitems(scenario_client_keys)) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "retried_after_4xx")) != NULL &&
	    scenario_flag(ctx, n, "retried_after_4xx",
	    &ex->retried_after_4xx) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "gave_up_after_5xx")) != NULL &&
	    scenario_flag(ctx, n, "gave_up_after_5xx",
	    &ex->gave_up_after_5xx) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "quit")) != NULL &&
	    scenario_flag(ctx, n, "quit", &ex->quit) == -1)
		return -1;
	if ((s = scenario_get(ctx, map, "sessions")) != NULL) {
		if (scenario_map(ctx, s, "a mapping of protocols to counts",
		    (const char *const[]){ "smtp", "pop3", "imap" },
		    SCEN_P__COUNT) == -1)
			return -1;
		for (i = 0; i < scenario_map_len(s); i++) {
			scenario_map_pair(ctx, s, i, &k, &v);
			for (p = 0; p < SCEN_P__COUNT; p++)
				if (strcmp((const char *)k->data.scalar.value,
				    scenario_proto_name(p)) == 0)
					break;
			if (p == SCEN_P__COUNT)
				fatalx("%s: key checked", __func__);
			if (scenario_count(ctx, v, "a number of sessions",
			    &ex->sessions[p]) == -1)
				return -1;
		}
	}
	if ((n = scenario_get(ctx, map, "commands_used")) != NULL &&
	    scenario_load_verbs(ctx, n, &ex->commands_used) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "commands_not_used")) != NULL &&
	    scenario_load_verbs(ctx, n, &ex->commands_not_used) == -1)
		return -1;
	for (i = 0; i < ex->commands_used.n; i++)
		for (p = 0; p < ex->commands_not_used.n; p++)
			if (strcmp(ex->commands_used.v[i],
			    ex->commands_not_used.v[p]) == 0)
				return scenario_err(ctx, n, "%s is both used "
				    "and not used; the expectation can never "
				    "pass", ex->commands_used.v[i]);
	return 0;
}

static int
scenario_load_verbs(struct scen_ctx *ctx, const yaml_node_t *n,
    struct scen_strings *sv)
{
	char	verb[64];
	size_t	i;

	if (scenario_strings(ctx, n, "command names", sv) == -1)
		return -1;
	for (i = 0; i < sv->n; i++) {
		if (scenario_verb_any(sv->v[i], verb, sizeof(verb)) < 0)
			return scenario_err(ctx, n->type == YAML_SEQUENCE_NODE ?
			    scenario_seq_item(ctx, n, i) : n, "unknown command "
			    "'%s'; expected an SMTP, POP3 or IMAP command such "
			    "as STARTTLS", sv->v[i]);
		free(sv->v[i]);
		sv->v[i] = xstrdup(verb);
	}
	return 0;
}

static int
scenario_load_conformance(struct scen_ctx *ctx, struct scen_expect *ex,
    const yaml_node_t *map)
{
	const yaml_node_t *n, *item;
	yaml_node_t	*k, *v;
	struct conf_override *ov;
	const char	*s;
	size_t		 i, j, cnt = 0;
	int		 lv;

	if (scenario_map(ctx, map, "a conformance mapping",
	    scenario_conf_keys, nitems(scenario_conf_keys)) == -1)
		return -1;
	if ((n = scenario_get(ctx, map, "fail_on")) != NULL) {
		if (scenario_str(ctx, n, "a level", &s) == -1)
			return -1;
		for (i = 0; i < SCEN_FAIL__COUNT; i++)
			if (str_eq_ci(s, scenario_fail_names[i]))
				break;
		if (i == SCEN_FAIL__COUNT)
			return scenario_err(ctx, n, "unknown fail_on '%s'; "
			    "expected MUST, SHOULD or never", s);
		ex->fail_on = i;
		ex->fail_on_mark = scenario_mark(n);
	}
	if ((n = scenario_get(ctx, map, "disable")) != NULL) {
		if (scenario_seq(ctx, n, "a list of rule ids") == -1)
			return -1;
		cnt += scenario_seq_len(n);
	}
	if ((v = scenario_get(ctx, map, "levels")) != NULL) {
		if (scenario_map_any(ctx, v, "a mapping of rule ids to "
		    "levels") == -1)
			return -1;
		cnt += scenario_map_len(v);
	}
	ex->overrides = xcalloc(cnt == 0 ? 1 : cnt, sizeof(*ex->overrides));
	for (i = 0; n != NULL && i < scenario_seq_len(n); i++) {
		item = scenario_seq_item(ctx, n, i);
		if (scenario_str(ctx, item, "a rule id", &s) == -1)
			return -1;
		if (conf_rule_find(s) == NULL)
			return scenario_err(ctx, item, "unknown conformance "
			    "rule '%s'; expected an id that `mailrig rules` "
			    "lists", s);
		ov = &ex->overrides[ex->noverrides++];
		ov->id = xstrdup(s);
		ov->disable = true;
	}
	map = scenario_get(ctx, map, "levels");
	for (i = 0; map != NULL && i < scenario_map_len(map); i++) {
		scenario_map_pair(ctx, map, i, &k, &v);
		s = (const char *)k->data.scalar.value;
		if (conf_rule_find(s) == NULL)
			return scenario_err(ctx, k, "unknown conformance rule "
			    "'%s'; expected an id that `mailrig rules` lists",
			    s);
		for (j = 0; j < ex->noverrides; j++)
			if (strcmp(ex->overrides[j].id, s) == 0)
				return scenario_err(ctx, k, "rule '%s' is "
				    "disabled and given a level; expected one "
				    "of the two", s);
		if (scenario_str(ctx, v, "a level", &s) == -1)
			return -1;
		if ((lv = conf_level_parse(s)) < 0)
			return scenario_err(ctx, v, "unknown level '%s'; "
			    "expected MUST, MUST NOT, SHOULD, SHOULD NOT, MAY "
			    "or SECURITY", s);
		ov = &ex->overrides[ex->noverrides++];
		ov->id = xstrdup((const char *)k->data.scalar.value);
		ov->level = lv;
	}
	return 0;
}

/*
 * A string: "/re/" or "/re/i" is a regex, else exact text; with
 * SCEN_PAT_PRESENT, "present" and "absent" are the header tests.
 */
static int
scenario_pattern(struct scen_ctx *ctx, const yaml_node_t *n,
    enum scen_pat_kind mode, struct scen_pattern *pat)
{
	const char	*s;
	size_t		 len;
	int		 flags = REG_EXTENDED | REG_NOSUB;

	pat->mark = scenario_mark(n);
	if (scenario_str(ctx, n, "a text or /regex/", &s) == -1)
		return -1;
	len = strlen(s);
	if (mode == SCEN_PAT_PRESENT && strcmp(s, "present") == 0) {
		pat->kind = SCEN_PAT_PRESENT;
		return 0;
	}
	if (mode == SCEN_PAT_PRESENT && strcmp(s, "absent") == 0) {
		pat->kind = SCEN_PAT_ABSENT;
		return 0;
	}
	if (len >= 3 && s[0] == '/' && s[len - 2] == '/' && s[len - 1] == 'i')
		flags |= REG_ICASE;
	else if (len < 2 || s[0] != '/' || s[len - 1] != '/') {
		pat->text = xstrdup(s);
		pat->kind = SCEN_PAT_EXACT;
		return 0;
	}
	pat->text = xstrndup(s + 1, len - ((flags & REG_ICASE) ? 3 : 2));
	if (scenario_regcomp(ctx, n, &pat->re, pat->text, flags) == -1)
		return -1;
	pat->kind = SCEN_PAT_REGEX;
	return 0;
}

/* n, or {min: a, max: b} with at least one of them. */
static int
scenario_count(struct scen_ctx *ctx, const yaml_node_t *n, const char *what,
    struct scen_count *c)
{
	const yaml_node_t *a, *b;

	c->mark = scenario_mark(n);
	c->min = 0;
	c->max = SCEN_INF;
	if (n->type != YAML_MAPPING_NODE) {
		if (scenario_u64(ctx, n, what, 0, UINT32_MAX, &c->min) == -1)
			return -1;
		c->max = c->min;
		c->set = true;
		return 0;
	}
	if (scenario_map(ctx, n, "{min, max}", scenario_count_keys,
	    nitems(scenario_count_keys)) == -1)
		return -1;
	a = scenario_get(ctx, n, "min");
	b = scenario_get(ctx, n, "max");
	if (a == NULL && b == NULL)
		return scenario_err(ctx, n, "empty range; expected min:, "
		    "max: or both");
	if (a != NULL && scenario_u64(ctx, a, what, 0, UINT32_MAX,
	    &c->min) == -1)
		return -1;
	if (b != NULL && scenario_u64(ctx, b, what, 0, UINT32_MAX,
	    &c->max) == -1)
		return -1;
	if (c->min > c->max)
		return scenario_err(ctx, n, "min %llu is above max %llu; the "
		    "expectation can never pass", (unsigned long long)c->min,
		    (unsigned long long)c->max);
	c->set = true;
	return 0;
}

static int
scenario_flag(struct scen_ctx *ctx, const yaml_node_t *n, const char *what,
    struct scen_flag *f)
{
	if (scenario_bool(ctx, n, what, &f->value) == -1)
		return -1;
	f->set = true;
	f->mark = scenario_mark(n);
	return 0;
}

/* A string or a list of non-empty strings. */
static int
scenario_strings(struct scen_ctx *ctx, const yaml_node_t *n,
    const char *what, struct scen_strings *sv)
{
	size_t	i;

	sv->mark = scenario_mark(n);
	if (scenario_lines(ctx, n, what, &sv->v, &sv->n) == -1)
		return -1;
	for (i = 0; i < sv->n; i++)
		if (sv->v[i][0] == '\0')
			return scenario_err(ctx, n, "empty string; expected "
			    "%s", what);
	sv->set = true;
	return 0;
}

static void
scenario_pattern_fini(struct scen_pattern *p)
{
	if (p->kind == SCEN_PAT_REGEX)
		regfree(&p->re);
	free(p->text);
}

static void
scenario_strings_fini(struct scen_strings *sv)
{
	scenario_strv_free(sv->v, sv->n);
}

static void
scenario_match_fini(struct scen_msg_expect *m)
{
	size_t	i;

	scenario_pattern_fini(&m->from);
	scenario_strings_fini(&m->to);
	scenario_strings_fini(&m->cc);
	scenario_strings_fini(&m->bcc);
	scenario_pattern_fini(&m->subject);
	for (i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		scenario_pattern_fini(&m->headers[i].pat);
	}
	free(m->headers);
	scenario_pattern_fini(&m->body_contains);
	scenario_pattern_fini(&m->body_regex);
	scenario_pattern_fini(&m->html_contains);
	scenario_pattern_fini(&m->html_regex);
	scenario_strings_fini(&m->attachment_names);
	scenario_strings_fini(&m->attachment_types);
	free(m->auth_user);
}

void
scenario_expect_fini(struct scen_expect *ex)
{
	size_t	i;

	for (i = 0; i < ex->nmatch; i++)
		scenario_match_fini(&ex->match[i]);
	free(ex->match);
	scenario_strings_fini(&ex->commands_used);
	scenario_strings_fini(&ex->commands_not_used);
	/* The ids are our copies; conf_override keeps them const. */
	for (i = 0; i < ex->noverrides; i++)
		free((char *)(uintptr_t)ex->overrides[i].id);
	free(ex->overrides);
}
