/*
 * scenario_yaml.c: the typed accessors of the scenario loader
 * (scenario_int.h) over a libyaml document: mappings with known keys and
 * no duplicates, strings, unquoted numbers and booleans (YAML 1.2 core
 * schema, so "yes" is not true), durations, lines, and the one
 * "FILE:LINE:COL: message" (libyaml marks + 1) a failed load reports.
 * They keep no state besides the error text in the load context.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "harness/scenario.h"
#include "harness/scenario_int.h"

static int	scenario_map_keys(struct scen_ctx *, const yaml_node_t *,
		    const char *);

int
scenario_err(struct scen_ctx *ctx, const yaml_node_t *node, const char *fmt,
    ...)
{
	va_list	ap;
	int	n;

	if (ctx->errsize == 0)
		return -1;
	if (node != NULL)
		n = snprintf(ctx->err, ctx->errsize, "%s:%zu:%zu: ", ctx->name,
		    node->start_mark.line + 1, node->start_mark.column + 1);
	else
		n = snprintf(ctx->err, ctx->errsize, "%s: ", ctx->name);
	if (n < 0 || (size_t)n >= ctx->errsize)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ctx->err + n, ctx->errsize - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

struct scen_mark
scenario_mark(const yaml_node_t *node)
{
	struct scen_mark	m = { 0, 0 };

	if (node != NULL) {
		m.line = (unsigned)node->start_mark.line + 1;
		m.col = (unsigned)node->start_mark.column + 1;
	}
	return m;
}

yaml_node_t *
scenario_node(struct scen_ctx *ctx, int i)
{
	return yaml_document_get_node(&ctx->doc, i);
}

size_t
scenario_seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
}

size_t
scenario_map_len(const yaml_node_t *n)
{
	return (size_t)(n->data.mapping.pairs.top -
	    n->data.mapping.pairs.start);
}

yaml_node_t *
scenario_seq_item(struct scen_ctx *ctx, const yaml_node_t *n, size_t i)
{
	return scenario_node(ctx, n->data.sequence.items.start[i]);
}

void
scenario_map_pair(struct scen_ctx *ctx, const yaml_node_t *n, size_t i,
    yaml_node_t **key_r, yaml_node_t **value_r)
{
	yaml_node_pair_t	*p = &n->data.mapping.pairs.start[i];

	*key_r = scenario_node(ctx, p->key);
	*value_r = scenario_node(ctx, p->value);
}

yaml_node_t *
scenario_get_key(struct scen_ctx *ctx, const yaml_node_t *map,
    const char *key)
{
	yaml_node_t	*k, *v;
	size_t		 i;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (i = 0; i < scenario_map_len(map); i++) {
		scenario_map_pair(ctx, map, i, &k, &v);
		if (k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return k;
	}
	return NULL;
}

yaml_node_t *
scenario_get(struct scen_ctx *ctx, const yaml_node_t *map, const char *key)
{
	yaml_node_t	*k, *v;
	size_t		 i;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (i = 0; i < scenario_map_len(map); i++) {
		scenario_map_pair(ctx, map, i, &k, &v);
		if (k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return v;
	}
	return NULL;
}

bool
scenario_is_scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE;
}

/* YAML 1.2 core schema null: empty, ~ or null, unquoted. */
bool
scenario_is_null(const yaml_node_t *n)
{
	const char	*s;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = (const char *)n->data.scalar.value;
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

const char *
scenario_type_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return scenario_is_null(n) ? "nothing (null)" : "a scalar";
	case YAML_NO_NODE:
	default:
		return "nothing";
	}
}

const char *
scenario_join(const char *const *v, size_t n, char *buf, size_t size)
{
	size_t	i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++) {
		snprintf(buf + len, size - len, "%s%s", i == 0 ? "" : ", ",
		    v[i]);
		len = strlen(buf);
	}
	return buf;
}

static int
scenario_map_keys(struct scen_ctx *ctx, const yaml_node_t *map,
    const char *what)
{
	yaml_node_t	*k, *v, *k2, *v2;
	size_t		 i, j;

	if (map->type != YAML_MAPPING_NODE)
		return scenario_err(ctx, map, "expected %s, got %s", what,
		    scenario_type_name(map));
	for (i = 0; i < scenario_map_len(map); i++) {
		scenario_map_pair(ctx, map, i, &k, &v);
		if (k->type != YAML_SCALAR_NODE)
			return scenario_err(ctx, k, "expected a plain key, "
			    "got %s", scenario_type_name(k));
		for (j = 0; j < i; j++) {
			scenario_map_pair(ctx, map, j, &k2, &v2);
			if (strcmp((const char *)k->data.scalar.value,
			    (const char *)k2->data.scalar.value) == 0)
				return scenario_err(ctx, k, "duplicate key "
				    "'%s'; expected each key once",
				    (const char *)k->data.scalar.value);
		}
	}
	return 0;
}

int
scenario_map_any(struct scen_ctx *ctx, const yaml_node_t *map,
    const char *what)
{
	return scenario_map_keys(ctx, map, what);
}

int
scenario_map(struct scen_ctx *ctx, const yaml_node_t *map, const char *what,
    const char *const *keys, size_t nkeys)
{
	yaml_node_t	*k, *v;
	char		 names[512];
	size_t		 i, j;

	if (scenario_map_keys(ctx, map, what) == -1)
		return -1;
	for (i = 0; i < scenario_map_len(map); i++) {
		scenario_map_pair(ctx, map, i, &k, &v);
		for (j = 0; j < nkeys; j++)
			if (strcmp((const char *)k->data.scalar.value,
			    keys[j]) == 0)
				break;
		if (j == nkeys)
			return scenario_err(ctx, k, "unknown key '%s'; "
			    "expected one of: %s",
			    (const char *)k->data.scalar.value,
			    scenario_join(keys, nkeys, names, sizeof(names)));
	}
	return 0;
}

int
scenario_seq(struct scen_ctx *ctx, const yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return scenario_err(ctx, n, "expected %s, got %s", what,
		    scenario_type_name(n));
	return 0;
}

int
scenario_str(struct scen_ctx *ctx, const yaml_node_t *n, const char *what,
    const char **s_r)
{
	const char	*s;

	if (n->type != YAML_SCALAR_NODE || scenario_is_null(n))
		return scenario_err(ctx, n, "expected %s, got %s", what,
		    scenario_type_name(n));
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length)
		return scenario_err(ctx, n, "NUL byte in a string; expected "
		    "%s", what);
	*s_r = s;
	return 0;
}

int
scenario_strdup(struct scen_ctx *ctx, const yaml_node_t *n, const char *what,
    bool line, char **s_r)
{
	const char	*s;
	size_t		 i;

	if (scenario_str(ctx, n, what, &s) == -1)
		return -1;
	if (line)
		for (i = 0; s[i] != '\0'; i++)
			if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
				return scenario_err(ctx, n, "control character "
				    "or line break in %s; expected one line",
				    what);
	*s_r = xstrdup(s);
	return 0;
}

int
scenario_u64(struct scen_ctx *ctx, const yaml_node_t *n, const char *what,
    uint64_t min, uint64_t max, uint64_t *v_r)
{
	const char	*s;
	uint64_t	 v;

	if (n->type != YAML_SCALAR_NODE || scenario_is_null(n) ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return scenario_err(ctx, n, "expected %s (an unquoted "
		    "number), got %s", what, n->type == YAML_SCALAR_NODE &&
		    !scenario_is_null(n) ? "a quoted string" :
		    scenario_type_name(n));
	s = (const char *)n->data.scalar.value;
	if (!str_to_u64(s, strlen(s), UINT64_MAX, &v))
		return scenario_err(ctx, n, "'%s' is not a whole number; "
		    "expected %s", s, what);
	if (v < min || v > max)
		return scenario_err(ctx, n, "%s is out of range; expected %s "
		    "from %llu to %llu", s, what, (unsigned long long)min,
		    (unsigned long long)max);
	*v_r = v;
	return 0;
}

int
scenario_bool(struct scen_ctx *ctx, const yaml_node_t *n, const char *what,
    bool *v_r)
{
	const char	*s;

	if (n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		s = (const char *)n->data.scalar.value;
		if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
		    strcmp(s, "TRUE") == 0) {
			*v_r = true;
			return 0;
		}
		if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
		    strcmp(s, "FALSE") == 0) {
			*v_r = false;
			return 0;
		}
	}
	return scenario_err(ctx, n, "expected %s: true or false", what);
}

int
scenario_duration(struct scen_ctx *ctx, const yaml_node_t *n,
    const char *what, uint64_t *ms_r)
{
	const char	*s;
	size_t		 len, digits;
	uint64_t	 v, mult;

	if (scenario_str(ctx, n, what, &s) == -1)
		return -1;
	len = strlen(s);
	digits = strspn(s, "0123456789");
	if (digits == len)
		return scenario_err(ctx, n, "duration '%s' has no unit; "
		    "expected a number with ms, s or m, e.g. 500ms, 2s, 1m",
		    s);
	if (strcmp(s + digits, "ms") == 0)
		mult = 1;
	else if (strcmp(s + digits, "s") == 0)
		mult = 1000;
	else if (strcmp(s + digits, "m") == 0)
		mult = 60000;
	else
		mult = 0;
	/* A day is far beyond any useful delay or timeout. */
	if (mult == 0 || digits == 0 ||
	    !str_to_u64(s, digits, 86400000 / mult, &v))
		return scenario_err(ctx, n, "bad duration '%s'; expected a "
		    "number with ms, s or m, e.g. 500ms, 2s, 1m, at most a "
		    "day", s);
	*ms_r = v * mult;
	return 0;
}

int
scenario_lines(struct scen_ctx *ctx, const yaml_node_t *n, const char *what,
    char ***v_r, size_t *n_r)
{
	const yaml_node_t *item;
	char		**v;
	size_t		 i, cnt;

	if (n->type == YAML_SCALAR_NODE) {
		v = xcalloc(1, sizeof(*v));
		*v_r = v;
		*n_r = 1;
		return scenario_strdup(ctx, n, what, true, &v[0]);
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return scenario_err(ctx, n, "expected %s (a string or a list "
		    "of strings), got %s", what, scenario_type_name(n));
	cnt = scenario_seq_len(n);
	if (cnt == 0)
		return scenario_err(ctx, n, "empty list; expected %s", what);
	v = xcalloc(cnt, sizeof(*v));
	*v_r = v;
	*n_r = cnt;
	for (i = 0; i < cnt; i++) {
		item = scenario_seq_item(ctx, n, i);
		if (scenario_strdup(ctx, item, what, true, &v[i]) == -1)
			return -1;
	}
	return 0;
}

void
scenario_strv_free(char **v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
