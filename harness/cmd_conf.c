/*
 * cmd_conf.c: `mailrig check FILE.json...` and `mailrig rules [--json]`.
 * Owns only the command lines and the output formats; judging is
 * conf_check(), reading is capture_transcript_parse(), so offline and
 * live checks agree.  Exit codes: 0 no finding at or above --fail-on
 * (default MUST), 1 some, 2 usage or an unreadable or invalid file.  Text output is one line per finding: session,
 * index, level, rule, RFC section, message, hint.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "fakes/base/defs.h"
#include "fakes/base/log.h"
#include "fakes/base/xalloc.h"
#include "harness/capture.h"
#include "harness/cmd.h"
#include "harness/conformance/conf.h"

#define CMD_CONF_FILE_MAX	(64UL * 1024 * 1024)

static char	*cmd_conf_slurp(const char *, size_t *, const char **);
static int	 cmd_conf_one(const char *, bool, int, cJSON *, size_t *);
static void	 cmd_conf_print(const struct conf_finding *);
static cJSON	*cmd_conf_finding_json(const struct conf_finding *);
static int	 cmd_conf_fail_rank(const char *);

/* NULL with *error_r on failure; the file is read whole, bounded. */
static char *
cmd_conf_slurp(const char *path, size_t *len_r, const char **error_r)
{
	FILE	*fp;
	char	*p;
	size_t	 len = 0, cap = 65536, n;

	if ((fp = fopen(path, "rb")) == NULL) {
		*error_r = strerror(errno);
		return NULL;
	}
	p = xmalloc(cap);
	while ((n = fread(p + len, 1, cap - len, fp)) > 0) {
		len += n;
		if (len == cap) {
			if (cap >= CMD_CONF_FILE_MAX) {
				*error_r = "file too large";
				free(p);
				fclose(fp);
				return NULL;
			}
			cap *= 2;
			p = xreallocarray(p, cap, 1);
		}
	}
	if (ferror(fp)) {
		*error_r = "read error";
		free(p);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	*len_r = len;
	return p;
}

/* "never" never fails: rank above every level. */
static int
cmd_conf_fail_rank(const char *s)
{
	int	l;

	if (strcasecmp(s, "never") == 0)
		return 100;
	if ((l = conf_level_parse(s)) < 0)
		return -1;
	return conf_level_rank((enum conf_level)l);
}

static void
cmd_conf_print(const struct conf_finding *f)
{
	printf("session=%llu index=%zu %s %s RFC %s %s: %s; hint: %s\n",
	    (unsigned long long)f->session, f->index,
	    conf_level_name(f->level), f->rule->id, f->rule->rfc,
	    f->rule->section, f->rule->message, f->rule->hint);
}

static cJSON *
cmd_conf_finding_json(const struct conf_finding *f)
{
	cJSON	*o;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "rule", f->rule->id);
	cJSON_AddStringToObject(o, "rfc", f->rule->rfc);
	cJSON_AddStringToObject(o, "section", f->rule->section);
	cJSON_AddStringToObject(o, "level", conf_level_name(f->level));
	cJSON_AddStringToObject(o, "protocol", f->protocol);
	cJSON_AddNumberToObject(o, "session", (double)f->session);
	cJSON_AddNumberToObject(o, "index", (double)f->index);
	cJSON_AddNumberToObject(o, "count", (double)f->count);
	cJSON_AddStringToObject(o, "excerpt", f->excerpt);
	cJSON_AddStringToObject(o, "message", f->rule->message);
	cJSON_AddStringToObject(o, "hint", f->rule->hint);
	return o;
}

/* -1 on a bad file (reported), else 0; *failing_r counts at/above rank. */
static int
cmd_conf_one(const char *path, bool json, int rank, cJSON *arr,
    size_t *failing_r)
{
	struct transcript	*t;
	struct conf_finding	*f;
	const char		*error = "unreadable";
	char			*text, err[256];
	size_t			 len, n, i;

	if ((text = cmd_conf_slurp(path, &len, &error)) == NULL) {
		fprintf(stderr, "mailrig check: %s: %s\n", path, error);
		return -1;
	}
	t = capture_transcript_parse(text, len, err, sizeof(err));
	free(text);
	if (t == NULL) {
		fprintf(stderr, "mailrig check: %s: %s\n", path, err);
		return -1;
	}
	n = conf_check(t, NULL, &f);
	for (i = 0; i < n; i++) {
		if (conf_level_rank(f[i].level) >= rank)
			(*failing_r)++;
		if (json)
			cJSON_AddItemToArray(arr,
			    cmd_conf_finding_json(&f[i]));
		else
			cmd_conf_print(&f[i]);
	}
	free(f);
	capture_transcript_free(t);
	return 0;
}

int
cmd_check(int argc, char **argv)
{
	cJSON	*root = NULL, *arr = NULL;
	char	*s;
	size_t	 failing = 0;
	bool	 json = false, bad = false;
	int	 i, rank = conf_level_rank(CONF_MUST), nfiles = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--fail-on") == 0 && i + 1 < argc) {
			if ((rank = cmd_conf_fail_rank(argv[++i])) < 0) {
				fprintf(stderr, "mailrig check: --fail-on "
				    "takes MUST, SHOULD, MAY, SECURITY or "
				    "never\n");
				return CMD_EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			fprintf(stderr, "usage: mailrig check [--json] "
			    "[--fail-on LEVEL] TRANSCRIPT.json...\n");
			return CMD_EXIT_USAGE;
		}
	}
	if (i == argc) {
		fprintf(stderr, "usage: mailrig check [--json] "
		    "[--fail-on LEVEL] TRANSCRIPT.json...\n");
		return CMD_EXIT_USAGE;
	}
	if (json) {
		root = cJSON_CreateObject();
		arr = cJSON_AddArrayToObject(root, "findings");
	}
	for (; i < argc; i++, nfiles++)
		if (cmd_conf_one(argv[i], json, rank, arr, &failing) == -1)
			bad = true;
	if (json) {
		cJSON_AddNumberToObject(root, "files", nfiles);
		cJSON_AddNumberToObject(root, "failing", (double)failing);
		s = cJSON_Print(root);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(root);
	}
	if (bad)
		return CMD_EXIT_USAGE;
	return failing > 0 ? CMD_EXIT_FAIL : 0;
}

int
cmd_rules(int argc, char **argv)
{
	const struct conf_rule	*r;
	cJSON			*arr, *o;
	char			*s;
	size_t			 i;
	bool			 json = false;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = true;
	else if (argc != 1) {
		fprintf(stderr, "usage: mailrig rules [--json]\n");
		return CMD_EXIT_USAGE;
	}
	arr = json ? cJSON_CreateArray() : NULL;
	for (i = 0; i < conf_rule_count(); i++) {
		r = conf_rule_get(i);
		if (!json) {
			printf("%-44s RFC %-4s %-10s %-10s %-15s %s\n", r->id,
			    r->rfc, r->section, conf_level_name(r->level),
			    conf_scope_name(r->scope), r->message);
			continue;
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", r->id);
		cJSON_AddStringToObject(o, "protocol", conf_rule_protocol(r));
		cJSON_AddStringToObject(o, "rfc", r->rfc);
		cJSON_AddStringToObject(o, "section", r->section);
		cJSON_AddStringToObject(o, "level", conf_level_name(r->level));
		cJSON_AddStringToObject(o, "scope", conf_scope_name(r->scope));
		cJSON_AddStringToObject(o, "message", r->message);
		cJSON_AddStringToObject(o, "hint", r->hint);
		cJSON_AddItemToArray(arr, o);
	}
	if (json) {
		s = cJSON_Print(arr);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(arr);
	}
	return 0;
}
