/*
 * report.h: the finished run as the report writers see it (STYLE 3.11):
 * scenario, sessions (transcripts), accepted messages, expectation
 * results and the client command, with the verdict computed before any
 * writer runs.  Writers are read-only and deterministic: the same report
 * gives the same bytes, and times come from fakes/base/clock.
 */
#ifndef MAILRIG_REPORT_H
#define MAILRIG_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct transcript;
struct store_msg;
struct expect_result;
struct conf_finding;

/* The client command; strings borrowed unless marked owned. */
struct report_command {
	char *const	*argv;		/* borrowed, NULL-terminated */
	const char	*status;	/* runner_status_name() */
	int		 exit_code;	/* -1 if it did not exit */
	int		 signal;	/* 0 if none */
	uint64_t	 duration_ms;
	const char	*error;		/* why it did not start, or NULL */
	char		*out;		/* owned stdout head/tail */
	size_t		 out_len;
	uint64_t	 out_bytes;	/* all it wrote */
	char		*err;		/* owned stderr head/tail */
	size_t		 err_len;
	uint64_t	 err_bytes;
};

struct report {
	const char	*tool;		/* "mailrig" */
	const char	*version;
	const char	*scenario_name;	/* borrowed; NULL without one */
	const char	*scenario_path;	/* borrowed; NULL without one */
	int64_t		 started_wall;	/* ms since the epoch */
	uint64_t	 duration_ms;
	bool		 passed;
	const struct transcript **sessions;	/* owned array of borrowed,
					   in start order */
	size_t		 nsessions;
	const struct store_msg **messages;	/* owned array of borrowed,
					   in delivery order */
	size_t		 nmessages;
	const struct expect_result *expectations;	/* borrowed */
	size_t		 nexpectations;
	bool		 has_command;
	struct report_command command;
	/*
	 * conf_level_rank() at or above which a finding fails the run
	 * (expect.conformance.fail_on); 0 for "never".  report_init sets
	 * MUST's rank.
	 */
	int		 fail_rank;
};

/* Zero r and set tool and version. */
void	report_init(struct report *, const char *version);
/* Free what r owns (not what it borrows). */
void	report_fini(struct report *);
/* Borrow one more session / message (pointer valid while r is used). */
void	report_add_session(struct report *, const struct transcript *);
void	report_add_message(struct report *, const struct store_msg *);
/* Failed expectations. */
size_t	report_failures(const struct report *);
/* Does this finding fail the run (at or above fail_rank)? */
bool	report_finding_fails(const struct report *,
	    const struct conf_finding *);
/* Findings of all sessions that fail the run. */
size_t	report_conformance_failures(const struct report *);

/* The writers: 0, or -1 if fp reported a write error. */
int	report_write_json(const struct report *, FILE *);
int	report_write_junit(const struct report *, FILE *);
int	report_write_text(const struct report *, FILE *);

#endif
