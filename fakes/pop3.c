/*
 * pop3.c: placeholder until the POP3 state machine lands: greets and
 * refuses every command.
 */
#include "fakes/base/limits.h"
#include "fakes/pop3.h"

static void
pop3_open(struct conn *c)
{
	conn_reply(c, "+OK mailrig POP3 (not available yet)");
}

static void
pop3_item(struct conn *c, const struct frame_item *it)
{
	conn_reply(c, "-ERR not available yet");
	conn_close_after_flush(c, "quit");
}

static void
pop3_end(struct conn *c)
{
	conn_close_after_flush(c, "shutdown");
}

static void
pop3_close(struct conn *c, const char *reason)
{
}

void
pop3_conf_defaults(struct pop3_conf *conf)
{
	*conf = (struct pop3_conf){ .hostname = "localhost",
	    .capa = POP3_CAPA_ALL, .auth_mechs = (1u << SASL__COUNT) - 1 };
}

const struct conn_proto pop3_proto = {
	.name = "pop3", .line_max = LINE_MAX_CMD, .idle_sec = 600,
	.busy_reply = "-ERR [SYS/TEMP] too many sessions",
	.on_open = pop3_open, .on_item = pop3_item, .on_timeout = pop3_end,
	.on_shutdown = pop3_end, .on_close = pop3_close,
};
