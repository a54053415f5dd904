/*
 * imap.c: placeholder until the IMAP state machine lands: greets and
 * refuses every command.
 */
#include "fakes/base/limits.h"
#include "fakes/imap.h"

static void
imap_open(struct conn *c)
{
	conn_reply(c, "* OK mailrig IMAP (not available yet)");
}

static void
imap_item(struct conn *c, const struct frame_item *it)
{
	conn_reply(c, "* BAD not available yet");
	conn_close_after_flush(c, "quit");
}

static void
imap_end(struct conn *c)
{
	conn_close_after_flush(c, "shutdown");
}

static void
imap_close(struct conn *c, const char *reason)
{
}

void
imap_conf_defaults(struct imap_conf *conf)
{
	*conf = (struct imap_conf){ .hostname = "localhost",
	    .caps = IMAP_CAP_ALL, .auth_mechs = (1u << SASL__COUNT) - 1 };
}

const struct conn_proto imap_proto = {
	.name = "imap", .line_max = LINE_MAX_CMD, .idle_sec = 1800,
	.busy_reply = "* BYE too many sessions",
	.on_open = imap_open, .on_item = imap_item, .on_timeout = imap_end,
	.on_shutdown = imap_end, .on_close = imap_close,
};
