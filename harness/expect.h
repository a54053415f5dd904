/*
 * expect.h: a scenario's expectations (expect: of issue 5) judged against
 * what happened: the accepted messages (envelope and MIME content, parsed
 * with GMime), the session transcripts (client behaviour) and how the
 * client command ended.  Each expectation yields one result with what was
 * expected, what was seen and where the scenario asked for it.
 */
#ifndef MAILRIG_EXPECT_H
#define MAILRIG_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/scenario.h"

struct store_msg;
struct transcript;

struct expect_result {
	char		*name;		/* owned: "messages.match[0].subject" */
	bool		 passed;
	char		*expected;	/* owned, for people */
	char		*actual;	/* owned, for people */
	struct scen_mark mark;		/* in the scenario; 0:0 if implied */
};

struct expect_results {
	struct expect_result *v;	/* owned array */
	size_t		 n;
	size_t		 cap;
};

/* How the client command ended, as far as expectations care. */
struct expect_client {
	bool		 ran;		/* a command was run at all */
	bool		 exited;	/* it exited (exit_code is valid) */
	int		 exit_code;
	const char	*how;		/* borrowed: "timed out after 30000 ms" */
};

/*
 * Judge ex against msgs (accepted messages, delivery order) and tr
 * (transcripts, start order); both arrays are borrowed for the call.
 * client may be NULL when no command ran.  Appends to out (zeroed or
 * reused); without an exit_code expectation, a command that ran must
 * exit 0 (an implied result named "exit_code").
 */
void	expect_eval(const struct scen_expect *ex,
	    const struct store_msg *const *msgs, size_t nmsgs,
	    const struct transcript *const *tr, size_t ntr,
	    const struct expect_client *client, struct expect_results *out);
void	expect_results_fini(struct expect_results *);
/* True if every result passed (and for none). */
bool	expect_results_passed(const struct expect_results *);

/*
 * The decoded Subject of a message (RFC 2047), heap, or NULL if it has
 * none or does not parse.  The caller frees.
 */
char	*expect_msg_subject(const struct store_msg *);

#endif
