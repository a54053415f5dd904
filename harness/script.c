/*
 * script.c: the replay protocol behind scenario scripts.
 *
 * Owns a tiny session per connection: the index of the next step.  The
 * protocol names stay "smtp", "pop3" and "imap" so capture and the
 * checker treat a scripted session like any other.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/repr.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "harness/script.h"

struct script_session {
	const struct scen_script *script;	/* borrowed from the scenario */
	size_t			 next;		/* the step to wait for */
};

static void	script_open(struct conn *);
static void	script_item(struct conn *, const struct frame_item *);
static void	script_send(struct conn *, const struct scen_step *);
static void	script_timeout(struct conn *);
static void	script_close(struct conn *, const char *);
static void	script_deviate(struct conn *, size_t, const char *);

/* The error each protocol answers a deviation with. */
static const char *const script_errors[] = {
	[SCEN_P_SMTP] = "500 5.5.1 client deviated from the script",
	[SCEN_P_POP3] = "-ERR client deviated from the script",
	[SCEN_P_IMAP] = "* BAD client deviated from the script",
};
_Static_assert(nitems(script_errors) == SCEN_P__COUNT,
    "script_errors out of sync with enum scen_proto");

static const struct conn_proto script_protos[] = {
	[SCEN_P_SMTP] = { .name = "smtp", .line_max = LINE_MAX_CMD,
	    .idle_sec = SMTP_IDLE_SEC,
	    .busy_reply = "421 4.3.2 Too many sessions, try again later",
	    .on_open = script_open, .on_item = script_item,
	    .on_timeout = script_timeout, .on_shutdown = script_timeout,
	    .on_close = script_close },
	[SCEN_P_POP3] = { .name = "pop3", .line_max = LINE_MAX_CMD,
	    .idle_sec = 600, .busy_reply = "-ERR [SYS/TEMP] too many sessions",
	    .on_open = script_open, .on_item = script_item,
	    .on_timeout = script_timeout, .on_shutdown = script_timeout,
	    .on_close = script_close },
	[SCEN_P_IMAP] = { .name = "imap", .line_max = LINE_MAX_CMD,
	    .idle_sec = 1800, .busy_reply = "* BYE too many sessions",
	    .on_open = script_open, .on_item = script_item,
	    .on_timeout = script_timeout, .on_shutdown = script_timeout,
	    .on_close = script_close },
};
_Static_assert(nitems(script_protos) == SCEN_P__COUNT,
    "script_protos out of sync with enum scen_proto");

const struct conn_proto *
script_proto(enum scen_proto p)
{
	if ((unsigned)p >= SCEN_P__COUNT)
		fatalx("%s: bad protocol %d", __func__, (int)p);
	return &script_protos[p];
}

static enum scen_proto
script_proto_of(const struct conn *c)
{
	const struct conn_proto	*p = conn_port(c)->proto;

	if (p < &script_protos[0] || p >= &script_protos[SCEN_P__COUNT])
		fatalx("script: not a script port");
	return (enum scen_proto)(p - script_protos);
}

static void
script_open(struct conn *c)
{
	struct script_session	*s;

	s = xcalloc(1, sizeof(*s));
	s->script = conn_port(c)->conf;
	conn_set_data(c, s);
	if (s->script->nsteps > 0 && s->script->steps[0].client == NULL) {
		script_send(c, &s->script->steps[0]);
		s->next = 1;
	}
	if (s->next >= s->script->nsteps)
		conn_close_after_flush(c, "script-end");
}

static void
script_send(struct conn *c, const struct scen_step *st)
{
	size_t	i;

	for (i = 0; i < st->nserver; i++)
		conn_reply(c, "%s", st->server[i]);
}

static void
script_item(struct conn *c, const struct frame_item *it)
{
	struct script_session	*s = conn_data(c);
	const struct scen_step	*st;
	char			 line[REPLY_LINE_MAX];

	/* Lines only: literal and message bytes belong to the dialogue
	   only through the lines the script names. */
	if (it->flags & FRAME_DATA)
		return;
	if (!str_copyn(line, it->p, it->len, sizeof(line)) ||
	    memchr(it->p, '\0', it->len) != NULL) {
		script_deviate(c, s->next, "line too long or with NUL");
		return;
	}
	st = &s->script->steps[s->next];
	if (fnmatch(st->client, line, 0) != 0) {
		script_deviate(c, s->next, line);
		return;
	}
	script_send(c, st);
	if (++s->next >= s->script->nsteps)
		conn_close_after_flush(c, "script-end");
}

/* Steps are reported 1-based, as a person counts them in the file. */
static void
script_deviate(struct conn *c, size_t step, const char *got)
{
	struct script_session	*s = conn_data(c);
	char			 detail[512], shown[128];

	repr_str(shown, sizeof(shown), got, strlen(got));
	snprintf(detail, sizeof(detail), "step %zu (line %u): expected "
	    "'%.150s', got '%s'", step + 1, s->script->steps[step].mark.line,
	    s->script->steps[step].client, shown);
	conn_event(c, "script-deviation", detail);
	log_info("script: id=%llu deviated at %s", (unsigned long long)
	    conn_id(c), detail);
	conn_reply(c, "%s", script_errors[script_proto_of(c)]);
	conn_close_after_flush(c, "script-deviation");
}

static void
script_timeout(struct conn *c)
{
	conn_close(c, "timeout");
}

static void
script_close(struct conn *c, const char *reason)
{
	free(conn_data(c));
	conn_set_data(c, NULL);
}
