/*
 * conf_int.h: what the engine (conf.c) shares with the rule tables
 * (conf_smtp.c, conf_msg.c, later conf_pop3.c and conf_imap.c).  A table
 * module supplies a struct conf_proto: its rules and a tracker that says,
 * for each transcript event, which scopes of rules to run on it (before
 * the tracker's state moves past the event), then advances its state.
 * Rules read that state through ctx->st; they never change it.
 */
#ifndef MAILRIG_CONF_INT_H
#define MAILRIG_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/conformance/conf.h"

#define CONF_SCOPE_BIT(s)	(1U << (s))

struct conf_ctx {
	const struct transcript	*t;	/* borrowed */
	size_t		 idx;		/* the event being judged */
	/*
	 * An injected fault ("fault" event) was seen: what follows is not
	 * judged except by rules marked after_fault.
	 */
	bool		 fault_seen;
	void		*st;		/* the tracker's state, engine-owned */
	/* Set by the tracker for CONF_PER_MESSAGE, borrowed from t's log. */
	const char	*msg;
	size_t		 msglen;
	size_t		 msg_idx;	/* its data event: the evidence */
	bool		 msg_partial;	/* only the first bytes were kept */
	bool		 msg_utf8;	/* SMTPUTF8 declared (RFC 6531 3.4) */
	bool		 msg_8bit;	/* BODY=8BITMIME or BINARYMIME */
	unsigned	 msg_facts;	/* conf_msg_facts() of msg */
};

struct conf_proto {
	const char		*name;		/* transcript "protocol" */
	const struct conf_rule	*rules;
	size_t			 nrules;
	size_t			 state_size;	/* zeroed by the engine */
	/* Mask of CONF_SCOPE_BIT()s to run on event ctx->idx. */
	unsigned		(*classify)(struct conf_ctx *);
	/* Move the state past event ctx->idx. */
	void			(*advance)(struct conf_ctx *);
};

extern const struct conf_proto	conf_smtp_proto;
extern const struct conf_proto	conf_pop3_proto;
extern const struct conf_proto	conf_imap_proto;
extern const struct conf_rule	conf_msg_rules[];
extern const size_t		conf_msg_nrules;

/*
 * One pass over ctx->msg: a mask of what the message rules look for, so
 * each rule only tests its bit (the checker runs on every session).
 */
unsigned	 conf_msg_facts(const struct conf_ctx *);

/* Text of a TEV_LINE or TEV_EVENT detail (NUL-terminated, borrowed). */
const char	*conf_ev_text(const struct transcript *, const struct tevent *);

#endif
