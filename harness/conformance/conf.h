/*
 * conf.h: the conformance checker (DESIGN "session end -> conformance
 * checker", STYLE 3.9).  A pure function of a transcript: it walks the
 * events once, lets the protocol's tracker (conf_smtp.c, later conf_pop3.c
 * and conf_imap.c) say what each event is, and calls every rule of the
 * matching scope; message rules (conf_msg.c) run on each message carried.
 * The rule tables are the single source for `mailrig rules`.
 *
 * It judges only the client, from what it sent, when, and what the server
 * had said before; it never does I/O and never keeps a transcript.
 */
#ifndef MAILRIG_CONF_H
#define MAILRIG_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakes/base/defs.h"

struct transcript;
struct tevent;
struct conf_ctx;

enum conf_level {
	CONF_MUST,
	CONF_MUST_NOT,
	CONF_SHOULD,
	CONF_SHOULD_NOT,
	CONF_MAY,
	CONF_SECURITY,		/* kept apart from the RFC key words */
	CONF_L__COUNT
};

enum conf_scope {
	CONF_PER_LINE,		/* every client line and data run */
	CONF_PER_COMMAND,	/* every client command */
	CONF_PER_TX,		/* the end of each mail transaction */
	CONF_PER_MESSAGE,	/* each message's bytes (message rules) */
	CONF_PER_SESSION,	/* once, at the end */
	CONF_S__COUNT
};

/*
 * A rule's check: true if the event (at ctx's index) breaks the rule.
 * *evidence_r starts as the current index; a rule may point it at an
 * earlier event that shows the violation better.
 */
typedef bool conf_check_fn(const struct conf_ctx *, const struct tevent *,
    size_t *evidence_r);

struct conf_rule {
	const char	*id;		/* stable: <proto>.<area>.<what> */
	const char	*rfc;		/* "5321" */
	const char	*section;	/* "2.3.8", the RFC's own numbering */
	enum conf_level	 level;
	enum conf_scope	 scope;
	bool		 after_fault;	/* still judged after an injected
					   fault (pure syntax rules) */
	conf_check_fn	*check;
	const char	*message;	/* one sentence: what the client did */
	const char	*hint;		/* what to do instead */
};

#define CONF_EXCERPT_MAX	128

/* One finding: the first violation of a rule in a session, and a count. */
struct conf_finding {
	const struct conf_rule *rule;	/* borrowed from a static table */
	enum conf_level	 level;		/* after overrides */
	const char	*protocol;	/* static: "smtp" */
	uint64_t	 session;
	size_t		 index;		/* transcript entry of the evidence */
	size_t		 count;		/* how many times in the session */
	char		 excerpt[CONF_EXCERPT_MAX]; /* escaped (repr) */
};

/* Scenario settings: `conformance: {disable: [...], levels: {...}}`. */
struct conf_override {
	const char	*id;		/* borrowed */
	bool		 disable;
	enum conf_level	 level;		/* used when !disable */
};

struct conf_opts {
	const struct conf_override *ov;	/* borrowed array */
	size_t		 nov;
};

/*
 * Check one transcript.  Findings (heap array, caller frees with free();
 * NULL if none) are in evidence order, one per rule.  opts may be NULL.
 * A protocol without a rule table yields no findings.  Returns the count.
 */
size_t		 conf_check(const struct transcript *,
		    const struct conf_opts *, struct conf_finding **out_r);

/* Every rule of every table, in `mailrig rules` order. */
size_t		 conf_rule_count(void);
const struct conf_rule *conf_rule_get(size_t i);
/* The protocol a rule belongs to ("smtp", "msg"); static. */
const char	*conf_rule_protocol(const struct conf_rule *);
/* NULL if no rule has that id. */
const struct conf_rule *conf_rule_find(const char *id);

/* "MUST NOT", "per-command"; static strings. */
const char	*conf_level_name(enum conf_level);
const char	*conf_scope_name(enum conf_scope);
/* Case-insensitive; "MUST_NOT" and "must-not" also match.  -1 if none. */
int		 conf_level_parse(const char *);
/*
 * The weight --fail-on compares: MUST and MUST NOT 3, SHOULD and SHOULD
 * NOT 2, SECURITY 2 (the client often did what its user configured), MAY
 * 1.
 */
int		 conf_level_rank(enum conf_level);

#endif
