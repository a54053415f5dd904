/*
 * rules.h: the scenario's rules at run time.  Installed as the conn
 * layer's on_ask hook: for every step a session asks about (connect,
 * greeting, tls, a command, end of data, an IMAP literal or IDLE), the
 * first rule whose conditions match answers with a verdict (struct
 * conn_verdict) that the conn layer and the protocol carry out.
 *
 * Matching, in this order: protocol, server, stage and verb, the argument
 * regex, the session number of that protocol, the authenticated user;
 * then the rule's own counter of such matches is advanced and checked
 * against nth; last the seeded draw against probability (RFC-free; same
 * seed, same decisions, every run).  The scenario is const; counters and
 * random state live here (STYLE 3.6 point 6).
 */
#ifndef MAILRIG_RULES_H
#define MAILRIG_RULES_H

#include <stdint.h>

#include "fakes/conn.h"
#include "harness/scenario.h"

struct rules;

/* scen is borrowed and must outlive the rules. */
struct rules	*rules_new(const struct scenario *scen);
void		 rules_free(struct rules *);
/* The on_ask hook: pass the rules as ask_arg. */
const struct conn_verdict *rules_ask(void *rules, struct conn *,
		    enum conn_stage, const char *verb, const char *args);
/* How often rule i fired so far (for reports). */
uint64_t	 rules_fired(const struct rules *, size_t i);

#endif
