/*
 * conf.c: the conformance engine (STYLE 3.9).  Owns the list of rule
 * tables, the walk over a transcript and the findings it returns.  It
 * walks the events once: for each, the protocol's tracker names the
 * scopes to run, every rule of those scopes is called, then the tracker
 * advances; session rules run at the end.  One finding per rule and
 * session: the first evidence and a count, so a client that ends every
 * line in bare LF gets one finding, not thousands.
 *
 * Deliberately pure: no I/O, no logging, no global state; `mailrig check`
 * and the live server call the same conf_check().
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fakes/base/defs.h"
#include "fakes/base/log.h"
#include "fakes/base/repr.h"
#include "fakes/base/xalloc.h"
#include "harness/capture.h"
#include "harness/conformance/conf.h"
#include "harness/conformance/conf_int.h"

/* Rule tables of the protocols; POP3 and IMAP join here. */
static const struct conf_proto *const conf_protos[] = {
	&conf_smtp_proto,
	&conf_pop3_proto,
	&conf_imap_proto,
};

static const char *const conf_level_names[] = {
	[CONF_MUST] = "MUST",
	[CONF_MUST_NOT] = "MUST NOT",
	[CONF_SHOULD] = "SHOULD",
	[CONF_SHOULD_NOT] = "SHOULD NOT",
	[CONF_MAY] = "MAY",
	[CONF_SECURITY] = "SECURITY",
};
_Static_assert(nitems(conf_level_names) == CONF_L__COUNT,
    "conf_level_names out of sync with enum conf_level");

static const char *const conf_scope_names[] = {
	[CONF_PER_LINE] = "per-line",
	[CONF_PER_COMMAND] = "per-command",
	[CONF_PER_TX] = "per-transaction",
	[CONF_PER_MESSAGE] = "per-message",
	[CONF_PER_SESSION] = "per-session",
};
_Static_assert(nitems(conf_scope_names) == CONF_S__COUNT,
    "conf_scope_names out of sync with enum conf_scope");

/* One slot per rule while walking. */
struct conf_slot {
	size_t		 index;
	size_t		 count;
};

struct conf_run {
	struct conf_ctx		 ctx;
	const struct conf_proto	*proto;
	const struct conf_opts	*opts;
	struct conf_slot	*slots;		/* owned; proto rules, then
						   message rules */
};

static const struct conf_proto *conf_proto_find(const char *);
static void	conf_run_scope(struct conf_run *, enum conf_scope);
static void	conf_run_rules(struct conf_run *, const struct conf_rule *,
		    size_t, struct conf_slot *, enum conf_scope);
static const struct conf_override *conf_override_find(
		    const struct conf_opts *, const char *);
static size_t	conf_collect(struct conf_run *, struct conf_finding **);
static void	conf_add(struct conf_run *, struct conf_finding *,
		    const struct conf_rule *, const struct conf_slot *);
static int	conf_finding_cmp(const void *, const void *);

static const struct conf_proto *
conf_proto_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(conf_protos); i++)
		if (strcmp(conf_protos[i]->name, name) == 0)
			return conf_protos[i];
	return NULL;
}

size_t
conf_check(const struct transcript *t, const struct conf_opts *opts,
    struct conf_finding **out_r)
{
	struct conf_run		 run;
	const struct tevent	*ev;
	unsigned		 mask;
	size_t			 i, n;
	int			 s;

	*out_r = NULL;
	memset(&run, 0, sizeof(run));
	run.proto = conf_proto_find(t->protocol);
	if (run.proto == NULL)
		return 0;
	run.opts = opts;
	run.ctx.t = t;
	run.ctx.st = xcalloc(1, run.proto->state_size);
	run.slots = xcalloc(run.proto->nrules + conf_msg_nrules,
	    sizeof(*run.slots));
	for (i = 0; i < t->nev; i++) {
		ev = &t->ev[i];
		run.ctx.idx = i;
		run.ctx.msg = NULL;
		if (ev->kind == TEV_EVENT &&
		    strcmp(capture_tevent_name(t, ev), "fault") == 0)
			run.ctx.fault_seen = true;
		mask = run.proto->classify(&run.ctx);
		for (s = 0; s < CONF_S__COUNT; s++)
			if (mask & CONF_SCOPE_BIT(s))
				conf_run_scope(&run, (enum conf_scope)s);
		run.proto->advance(&run.ctx);
	}
	run.ctx.idx = t->nev > 0 ? t->nev - 1 : 0;
	run.ctx.msg = NULL;
	conf_run_scope(&run, CONF_PER_SESSION);
	n = conf_collect(&run, out_r);
	free(run.slots);
	free(run.ctx.st);
	return n;
}

static void
conf_run_scope(struct conf_run *run, enum conf_scope scope)
{
	conf_run_rules(run, run->proto->rules, run->proto->nrules, run->slots,
	    scope);
	if (scope == CONF_PER_MESSAGE && run->ctx.msg != NULL) {
		run->ctx.msg_facts = conf_msg_facts(&run->ctx);
		conf_run_rules(run, conf_msg_rules, conf_msg_nrules,
		    run->slots + run->proto->nrules, scope);
	}
}

static void
conf_run_rules(struct conf_run *run, const struct conf_rule *rules,
    size_t nrules, struct conf_slot *slots, enum conf_scope scope)
{
	const struct conf_override	*ov;
	const struct tevent		*ev = NULL;
	size_t				 i, evidence;

	if (run->ctx.t->nev > 0)
		ev = &run->ctx.t->ev[run->ctx.idx];
	for (i = 0; i < nrules; i++) {
		if (rules[i].scope != scope)
			continue;
		if (run->ctx.fault_seen && !rules[i].after_fault)
			continue;
		ov = conf_override_find(run->opts, rules[i].id);
		if (ov != NULL && ov->disable)
			continue;
		evidence = scope == CONF_PER_MESSAGE ? run->ctx.msg_idx :
		    run->ctx.idx;
		if (!rules[i].check(&run->ctx, ev, &evidence))
			continue;
		if (slots[i].count++ == 0)
			slots[i].index = evidence;
	}
}

static const struct conf_override *
conf_override_find(const struct conf_opts *opts, const char *id)
{
	size_t	i;

	if (opts == NULL)
		return NULL;
	for (i = 0; i < opts->nov; i++)
		if (strcmp(opts->ov[i].id, id) == 0)
			return &opts->ov[i];
	return NULL;
}

static size_t
conf_collect(struct conf_run *run, struct conf_finding **out_r)
{
	const struct conf_proto	*p = run->proto;
	struct conf_finding	*out;
	size_t			 i, n = 0;

	for (i = 0; i < p->nrules + conf_msg_nrules; i++)
		if (run->slots[i].count > 0)
			n++;
	if (n == 0)
		return 0;
	out = xcalloc(n, sizeof(*out));
	n = 0;
	for (i = 0; i < p->nrules; i++)
		if (run->slots[i].count > 0)
			conf_add(run, &out[n++], &p->rules[i], &run->slots[i]);
	for (i = 0; i < conf_msg_nrules; i++)
		if (run->slots[p->nrules + i].count > 0)
			conf_add(run, &out[n++], &conf_msg_rules[i],
			    &run->slots[p->nrules + i]);
	/* Report order: by evidence (STYLE 3.11), ties by table order. */
	qsort(out, n, sizeof(*out), conf_finding_cmp);
	*out_r = out;
	return n;
}

static void
conf_add(struct conf_run *run, struct conf_finding *f,
    const struct conf_rule *r, const struct conf_slot *slot)
{
	const struct transcript		*t = run->ctx.t;
	const struct conf_override	*ov;
	const struct tevent		*ev;
	char				*red;
	size_t				 rlen;

	f->rule = r;
	ov = conf_override_find(run->opts, r->id);
	f->level = ov != NULL ? ov->level : r->level;
	f->protocol = run->proto->name;
	f->session = t->id;
	f->index = slot->index;
	f->count = slot->count;
	if (slot->index >= t->nev)
		return;
	ev = &t->ev[slot->index];
	/* Evidence never shows credentials (RFC 4954 4, RFC 1939 7). */
	if (ev->flags & CONN_IO_SECRET) {
		red = capture_redact(t->log.p + ev->off, ev->len, &rlen);
		repr_str(f->excerpt, sizeof(f->excerpt), red, MIN(rlen,
		    (size_t)60));
		free(red);
	} else if (ev->kind == TEV_DATA)
		repr_str(f->excerpt, sizeof(f->excerpt), t->log.p + ev->off,
		    MIN(ev->len, (size_t)60));
	else
		repr_str(f->excerpt, sizeof(f->excerpt), conf_ev_text(t, ev),
		    MIN(ev->len, (size_t)60));
}

static int
conf_finding_cmp(const void *a, const void *b)
{
	const struct conf_finding	*fa = a, *fb = b;

	if (fa->index != fb->index)
		return fa->index < fb->index ? -1 : 1;
	/* Pointers into one static table keep table order. */
	return fa->rule < fb->rule ? -1 : fa->rule > fb->rule;
}

const char *
conf_ev_text(const struct transcript *t, const struct tevent *ev)
{
	if (ev->kind == TEV_DATA)
		fatalx("%s: a data event has no text", __func__);
	return t->log.p + ev->off;
}

/* --- the rule list --- */

size_t
conf_rule_count(void)
{
	size_t	i, n = conf_msg_nrules;

	for (i = 0; i < nitems(conf_protos); i++)
		n += conf_protos[i]->nrules;
	return n;
}

const struct conf_rule *
conf_rule_get(size_t i)
{
	size_t	p;

	for (p = 0; p < nitems(conf_protos); p++) {
		if (i < conf_protos[p]->nrules)
			return &conf_protos[p]->rules[i];
		i -= conf_protos[p]->nrules;
	}
	if (i < conf_msg_nrules)
		return &conf_msg_rules[i];
	fatalx("%s: rule %zu out of range", __func__, i);
}

const char *
conf_rule_protocol(const struct conf_rule *r)
{
	size_t	p;

	for (p = 0; p < nitems(conf_protos); p++)
		if (r >= conf_protos[p]->rules &&
		    r < conf_protos[p]->rules + conf_protos[p]->nrules)
			return conf_protos[p]->name;
	return "msg";
}

const struct conf_rule *
conf_rule_find(const char *id)
{
	size_t	i, n = conf_rule_count();

	for (i = 0; i < n; i++)
		if (strcmp(conf_rule_get(i)->id, id) == 0)
			return conf_rule_get(i);
	return NULL;
}

const char *
conf_level_name(enum conf_level l)
{
	if ((unsigned)l >= CONF_L__COUNT)
		fatalx("%s: level %d", __func__, l);
	return conf_level_names[l];
}

const char *
conf_scope_name(enum conf_scope s)
{
	if ((unsigned)s >= CONF_S__COUNT)
		fatalx("%s: scope %d", __func__, s);
	return conf_scope_names[s];
}

int
conf_level_parse(const char *s)
{
	char	norm[16];
	size_t	i;

	for (i = 0; s[i] != '\0' && i < sizeof(norm) - 1; i++)
		norm[i] = s[i] == '_' || s[i] == '-' ? ' ' : s[i];
	if (s[i] != '\0')
		return -1;
	norm[i] = '\0';
	for (i = 0; i < nitems(conf_level_names); i++)
		if (strcasecmp(norm, conf_level_names[i]) == 0)
			return (int)i;
	return -1;
}

int
conf_level_rank(enum conf_level l)
{
	switch (l) {
	case CONF_MUST:
	case CONF_MUST_NOT:
		return 3;
	case CONF_SHOULD:
	case CONF_SHOULD_NOT:
	case CONF_SECURITY:
		return 2;
	case CONF_MAY:
		return 1;
	default:
		fatalx("%s: level %d", __func__, l);
	}
}
