/*
 * rules.c: first-match rule engine over a loaded scenario.
 *
 * Owns: one conn_verdict per rule (pointing into the const scenario), a
 * "file:line:col" label per rule, the per-rule match counters and random
 * state, and the session numbers it gave each connection.  Never touches
 * a socket: it only answers with data (STYLE 3.10).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fakes/base/log.h"
#include "fakes/base/xalloc.h"
#include "harness/rules.h"

struct rules_rule {
	struct conn_verdict	 v;
	char			 label[300];
	uint64_t		 matched;	/* conditions met so far */
	uint64_t		 fired;		/* verdicts given */
	uint64_t		 rng;		/* xorshift64* state */
};

/* The session number a connection got, per protocol (1, 2, ...). */
struct rules_sess {
	uint64_t	 conn_id;
	uint64_t	 n;
};

struct rules {
	const struct scenario	*scen;		/* borrowed */
	struct rules_rule	*r;		/* owned, one per rule */
	struct rules_sess	*sess;		/* owned, ascending conn_id */
	size_t			 nsess;
	size_t			 sesscap;
	uint64_t		 count[SCEN_P__COUNT];
};

static bool	rules_proto_of(const struct conn *, enum scen_proto *);
static bool	rules_server_of(const struct conn *, enum scen_server *);
static uint64_t	rules_session(struct rules *, const struct conn *,
		    enum scen_proto);
static bool	rules_stage_ok(const struct scen_rule *, enum conn_stage,
		    const char *);
static bool	rules_in(const struct scen_range *, uint64_t);
static double	rules_draw(struct rules_rule *);

static const enum conn_disconnect rules_disc[] = {
	[SCEN_DISC_NONE] = CONN_DISC_NONE,
	[SCEN_DISC_BEFORE_REPLY] = CONN_DISC_BEFORE,
	[SCEN_DISC_AFTER_REPLY] = CONN_DISC_AFTER,
	[SCEN_DISC_MID_REPLY] = CONN_DISC_MID,
};
_Static_assert(nitems(rules_disc) == SCEN_DISC__COUNT,
    "rules_disc out of sync with enum scen_disconnect");

static const enum conn_malformed rules_mal[] = {
	[SCEN_MAL_NONE] = CONN_MAL_NONE,
	[SCEN_MAL_BARE_LF] = CONN_MAL_BARE_LF,
	[SCEN_MAL_BAD_CONTINUATION] = CONN_MAL_BAD_CONT,
	[SCEN_MAL_WRONG_TAG] = CONN_MAL_WRONG_TAG,
	[SCEN_MAL_SPLIT] = CONN_MAL_SPLIT,
};
_Static_assert(nitems(rules_mal) == SCEN_MAL__COUNT,
    "rules_mal out of sync with enum scen_malformed");

/* The seed decides; 0 would stick xorshift at 0, so it is mixed first. */
static uint64_t
rules_seed(uint64_t seed, size_t index)
{
	uint64_t	z = seed + 0x9e3779b97f4a7c15ULL * (index + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z != 0 ? z : 1;
}

struct rules *
rules_new(const struct scenario *scen)
{
	struct rules		*rs;
	const struct scen_rule	*sr;
	struct rules_rule	*r;
	size_t			 i;

	rs = xcalloc(1, sizeof(*rs));
	rs->scen = scen;
	rs->r = xcalloc(scen->nrules + 1, sizeof(*rs->r));
	for (i = 0; i < scen->nrules; i++) {
		sr = &scen->rules[i];
		r = &rs->r[i];
		snprintf(r->label, sizeof(r->label), "%s:%u:%u", scen->path,
		    sr->mark.line, sr->mark.col);
		r->v = (struct conn_verdict){
			.lines = (const char *const *)sr->reply,
			.nlines = sr->nreply,
			.untagged = (const char *const *)sr->untagged,
			.nuntagged = sr->nuntagged,
			.delay_ms = (unsigned)MIN(sr->delay_ms, 86400000),
			.drip_bps = (unsigned)MIN(sr->drip_bps, UINT32_MAX),
			.throttle_bps = (unsigned)MIN(sr->throttle_bps,
			    UINT32_MAX),
			.disconnect = rules_disc[sr->disconnect],
			.malformed = rules_mal[sr->malformed],
			.hang = sr->hang,
			.tls_fail = sr->tls_fail,
			.label = r->label,
		};
		r->rng = rules_seed(sr->seed, i);
	}
	return rs;
}

void
rules_free(struct rules *rs)
{
	if (rs == NULL)
		return;
	free(rs->r);
	free(rs->sess);
	free(rs);
}

uint64_t
rules_fired(const struct rules *rs, size_t i)
{
	return i < rs->scen->nrules ? rs->r[i].fired : 0;
}

const struct conn_verdict *
rules_ask(void *arg, struct conn *c, enum conn_stage st, const char *verb,
    const char *args)
{
	struct rules		*rs = arg;
	const struct scen_rule	*sr;
	struct rules_rule	*r;
	enum scen_proto		 proto;
	enum scen_server	 server;
	uint64_t		 sess;
	const char		*user;
	size_t			 i;

	if (!rules_proto_of(c, &proto))
		return NULL;
	sess = rules_session(rs, c, proto);
	if (!rules_server_of(c, &server))
		return NULL;
	user = conn_user(c);
	for (i = 0; i < rs->scen->nrules; i++) {
		sr = &rs->scen->rules[i];
		r = &rs->r[i];
		if (sr->proto != proto || !rules_stage_ok(sr, st, verb))
			continue;
		if (sr->server_set && sr->server != server)
			continue;
		if (sr->has_args && regexec(&sr->args, args != NULL ? args :
		    "", 0, NULL, 0) != 0)
			continue;
		if (!rules_in(&sr->session, sess))
			continue;
		if (sr->user != NULL && (user == NULL ||
		    strcasecmp(sr->user, user) != 0))
			continue;
		r->matched++;
		if (!rules_in(&sr->nth, r->matched))
			continue;
		if (sr->probability < 1.0 && rules_draw(r) >= sr->probability)
			continue;
		r->fired++;
		return &r->v;
	}
	return NULL;
}

static bool
rules_proto_of(const struct conn *c, enum scen_proto *out)
{
	const char	*name = conn_port(c)->proto->name;
	int		 p;

	for (p = 0; p < SCEN_P__COUNT; p++)
		if (strcmp(name, scenario_proto_name((enum scen_proto)p)) == 0) {
			*out = (enum scen_proto)p;
			return true;
		}
	return false;
}

static bool
rules_server_of(const struct conn *c, enum scen_server *out)
{
	const char	*name = conn_port(c)->name;
	int		 s;

	for (s = 0; s < SCEN_SRV__COUNT; s++)
		if (strcmp(name, scenario_server_name((enum scen_server)s))
		    == 0) {
			*out = (enum scen_server)s;
			return true;
		}
	return false;
}

/*
 * Sessions are numbered per protocol in the order they first ask (the
 * connect stage, before anything else).  Connection ids only grow, so
 * the table stays sorted and is searched by halves.
 */
static uint64_t
rules_session(struct rules *rs, const struct conn *c, enum scen_proto p)
{
	uint64_t	id = conn_id(c);
	size_t		lo = 0, hi = rs->nsess, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (rs->sess[mid].conn_id == id)
			return rs->sess[mid].n;
		if (rs->sess[mid].conn_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (rs->nsess == rs->sesscap) {
		rs->sesscap = rs->sesscap == 0 ? 64 : rs->sesscap * 2;
		rs->sess = xreallocarray(rs->sess, rs->sesscap,
		    sizeof(*rs->sess));
	}
	memmove(&rs->sess[lo + 1], &rs->sess[lo],
	    (rs->nsess - lo) * sizeof(*rs->sess));
	rs->sess[lo].conn_id = id;
	rs->sess[lo].n = ++rs->count[p];
	rs->nsess++;
	return rs->sess[lo].n;
}

static bool
rules_stage_ok(const struct scen_rule *sr, enum conn_stage st,
    const char *verb)
{
	switch (st) {
	case CONN_ST_CONNECT:
		return sr->stage == SCEN_ST_CONNECT;
	case CONN_ST_GREETING:
		return sr->stage == SCEN_ST_GREETING;
	case CONN_ST_TLS:
		return sr->stage == SCEN_ST_TLS;
	case CONN_ST_DATA:
		return sr->stage == SCEN_ST_DATA;
	case CONN_ST_LITERAL:
		return sr->stage == SCEN_ST_LITERAL;
	case CONN_ST_IDLE:
		return sr->stage == SCEN_ST_IDLE;
	case CONN_ST_COMMAND:
		if (sr->stage == SCEN_ST_ANY)
			return true;
		return sr->stage == SCEN_ST_COMMAND && verb != NULL &&
		    strcasecmp(sr->verb, verb) == 0;
	case CONN_ST__COUNT:
	default:
		fatalx("%s: bad stage %d", __func__, (int)st);
	}
}

static bool
rules_in(const struct scen_range *r, uint64_t n)
{
	return n >= r->from && n <= r->to;
}

/* xorshift64*: a uniform draw in [0, 1) from the rule's own stream. */
static double
rules_draw(struct rules_rule *r)
{
	uint64_t	x = r->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->rng = x;
	return (double)((x * 0x2545f4914f6cdd1dULL) >> 11) /
	    (double)(1ULL << 53);
}
