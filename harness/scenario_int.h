/*
 * scenario_int.h: what the parts of the scenario loader share.
 * scenario.c owns the load (libyaml document, the top level, servers,
 * users and fixtures); scenario_yaml.c has the typed accessors below;
 * scenario_rules.c loads rules, script and run; scenario_expect.c loads
 * expect.  Every accessor returns 0, or -1 after writing the one error
 * message of the load ("FILE:LINE:COL: ...") into the context.
 */
#ifndef MAILRIG_SCENARIO_INT_H
#define MAILRIG_SCENARIO_INT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "fakes/base/defs.h"
#include "harness/scenario.h"

struct scen_ctx {
	const char	*name;		/* file name for messages */
	yaml_document_t	 doc;
	bool		 have_doc;
	struct scenario	*sc;
	char		*err;
	size_t		 errsize;
};

/* Error at node (NULL: no position); always returns -1. */
int	 scenario_err(struct scen_ctx *, const yaml_node_t *, const char *,
	    ...) ATTR_PRINTF(3, 4);
struct scen_mark scenario_mark(const yaml_node_t *);
yaml_node_t *scenario_node(struct scen_ctx *, int);
/* A mapping's value for key, or NULL. */
yaml_node_t *scenario_get(struct scen_ctx *, const yaml_node_t *map,
	    const char *key);
/* The key node of key in map, or NULL. */
yaml_node_t *scenario_get_key(struct scen_ctx *, const yaml_node_t *map,
	    const char *key);
/* A mapping whose keys are all in keys[], none twice. */
int	 scenario_map(struct scen_ctx *, const yaml_node_t *, const char *what,
	    const char *const *keys, size_t nkeys);
/* A mapping with string keys, none twice (free-form keys). */
int	 scenario_map_any(struct scen_ctx *, const yaml_node_t *,
	    const char *what);
int	 scenario_seq(struct scen_ctx *, const yaml_node_t *, const char *what);
bool	 scenario_is_null(const yaml_node_t *);
bool	 scenario_is_scalar(const yaml_node_t *);
const char *scenario_type_name(const yaml_node_t *);
/* A non-null scalar without NUL bytes; borrowed from the document. */
int	 scenario_str(struct scen_ctx *, const yaml_node_t *, const char *what,
	    const char **s_r);
/* As scenario_str, then an owned copy; no control characters if line. */
int	 scenario_strdup(struct scen_ctx *, const yaml_node_t *,
	    const char *what, bool line, char **s_r);
/* An unquoted decimal in [min, max]. */
int	 scenario_u64(struct scen_ctx *, const yaml_node_t *, const char *what,
	    uint64_t min, uint64_t max, uint64_t *v_r);
/* An unquoted true or false. */
int	 scenario_bool(struct scen_ctx *, const yaml_node_t *, const char *what,
	    bool *v_r);
/* "250ms", "2s", "1m". */
int	 scenario_duration(struct scen_ctx *, const yaml_node_t *,
	    const char *what, uint64_t *ms_r);
/* A string or a list of strings (each one line), owned. */
int	 scenario_lines(struct scen_ctx *, const yaml_node_t *, const char *what,
	    char ***v_r, size_t *n_r);
/* Free an array of n owned strings. */
void	 scenario_strv_free(char **, size_t);
/* The number of items of a sequence / pairs of a mapping. */
size_t	 scenario_seq_len(const yaml_node_t *);
size_t	 scenario_map_len(const yaml_node_t *);
yaml_node_t *scenario_seq_item(struct scen_ctx *, const yaml_node_t *,
	    size_t);
void	 scenario_map_pair(struct scen_ctx *, const yaml_node_t *, size_t,
	    yaml_node_t **key_r, yaml_node_t **value_r);
/* "a, b, c" of a table of names, for "expected one of" messages. */
const char *scenario_join(const char *const *, size_t, char *, size_t);

/* Parts loaded by scenario_rules.c and scenario_expect.c. */
int	 scenario_load_rules(struct scen_ctx *, const yaml_node_t *);
int	 scenario_load_script(struct scen_ctx *, const yaml_node_t *);
int	 scenario_load_run(struct scen_ctx *, const yaml_node_t *);
int	 scenario_load_expect(struct scen_ctx *, const yaml_node_t *);
void	 scenario_rule_fini(struct scen_rule *);
void	 scenario_script_fini(struct scen_script *);
void	 scenario_run_fini(struct scen_run *);
void	 scenario_expect_fini(struct scen_expect *);
/* Whether the protocol has the (normalised, upper-case) verb. */
bool	 scenario_verb_known(enum scen_proto, const char *verb);
/*
 * Normalise s (upper case, single spaces) into out; the first protocol
 * that has the verb, or -1.
 */
int	 scenario_verb_any(const char *s, char *out, size_t size);
/* regcomp with the message of a failure as the load's error. */
int	 scenario_regcomp(struct scen_ctx *, const yaml_node_t *, regex_t *,
	    const char *src, int flags);

#endif
