/*
 * pop3_out.c: the multi-line writer behind RETR and TOP (RFC 1939 7, 3).
 *
 * Streams a stored message by reference (conn_write_ref, one message
 * reference per piece, dropped once the piece is sent) and adds the
 * stuffing "." before every line that starts with "." (RFC 1939 3), so
 * no copy of the message is ever made.  A line starts at the first byte
 * and after every LF, bare or not, since that is where a client looks for
 * the terminator.  After POP3_OUT_CHUNK queued bytes it pauses input and
 * resumes from the conn's drain callback: a client that does not read
 * holds a bounded amount of memory and pipelined commands wait their
 * turn.  Also the sizes LIST, STAT and RETR report, and where TOP stops.
 *
 * Does not convert bare LF to CRLF: the bytes are those the sender sent.
 */
#include <string.h>

#include "fakes/base/log.h"
#include "fakes/pop3_int.h"

static size_t	pop3_out_piece(const char *, size_t, size_t, size_t);
static bool	pop3_out_run(struct pop3_session *);
static void	pop3_out_unref_cb(const void *, size_t, void *);

size_t
pop3_out_size(const char *p, size_t len)
{
	if (len > 0 && p[len - 1] != '\n')
		return len + 2;
	return len;
}

size_t
pop3_out_top_end(const char *p, size_t len, uint64_t n)
{
	const char	*lf;
	size_t		 off = 0, llen;

	/* The header ends at the first empty line (RFC 5322 2.1). */
	for (;;) {
		if (off >= len)
			return len;
		lf = memchr(p + off, '\n', len - off);
		if (lf == NULL)
			return len;
		llen = (size_t)(lf - (p + off));
		off = (size_t)(lf - p) + 1;
		if (llen == 0 || (llen == 1 && lf[-1] == '\r'))
			break;
	}
	for (; n > 0 && off < len; n--) {
		lf = memchr(p + off, '\n', len - off);
		if (lf == NULL)
			return len;
		off = (size_t)(lf - p) + 1;
	}
	return off;
}

/*
 * The end of the piece that starts at off: just after the next LF that
 * is followed by a ".", or limit.
 */
static size_t
pop3_out_piece(const char *p, size_t off, size_t limit, size_t end)
{
	const char	*lf;
	size_t		 i = off;

	while (i < limit) {
		lf = memchr(p + i, '\n', limit - i);
		if (lf == NULL)
			return limit;
		i = (size_t)(lf - p) + 1;
		if (i < end && p[i] == '.')
			return i;
	}
	return limit;
}

static void
pop3_out_unref_cb(const void *p, size_t len, void *arg)
{
	struct store_msg	*m = arg;

	store_msg_unref(&m);
}

/* Queue pieces until the end or the chunk; true when all is queued. */
static bool
pop3_out_run(struct pop3_session *s)
{
	struct pop3_out	*o = &s->out;
	const char	*p = o->msg->data;
	size_t		 limit, next;

	while (o->off < o->end) {
		if (conn_closing(s->conn))
			return true;
		if (conn_output_pending(s->conn) >= POP3_OUT_CHUNK)
			return false;
		if (o->bol && p[o->off] == '.')
			conn_write_data(s->conn, ".", 1);
		limit = o->end - o->off > POP3_OUT_CHUNK ?
		    o->off + POP3_OUT_CHUNK : o->end;
		next = pop3_out_piece(p, o->off, limit, o->end);
		store_msg_ref(o->msg);
		conn_write_ref(s->conn, p + o->off, next - o->off,
		    pop3_out_unref_cb, o->msg);
		o->bol = p[next - 1] == '\n';
		o->off = next;
	}
	if (o->crlf)
		conn_write_data(s->conn, "\r\n", 2);
	conn_reply(s->conn, ".");
	return true;
}

void
pop3_out_start(struct pop3_session *s, struct store_msg *m, size_t end)
{
	if (s->out.active)
		fatalx("%s: a transfer is in flight", __func__);
	if (end > m->len)
		fatalx("%s: end %zu past length %zu", __func__, end, m->len);
	store_msg_ref(m);
	s->out = (struct pop3_out){ .msg = m, .off = 0, .end = end,
	    .bol = true, .crlf = end > 0 && m->data[end - 1] != '\n',
	    .active = true, .paused = false };
	if (pop3_out_run(s)) {
		pop3_out_stop(s);
		return;
	}
	s->out.paused = true;
	conn_pause(s->conn);
	conn_set_drain_cb(s->conn, pop3_out_drain);
}

/*
 * The resume comes last: it may dispatch pipelined commands, and one of
 * them may end the session.
 */
void
pop3_out_drain(struct conn *c)
{
	struct pop3_session	*s = conn_data(c);
	bool			 resume;

	if (s == NULL || !s->out.active)
		return;
	if (!pop3_out_run(s))
		return;
	resume = s->out.paused;
	pop3_out_stop(s);
	if (resume)
		conn_resume(c);
}

void
pop3_out_stop(struct pop3_session *s)
{
	if (!s->out.active)
		return;
	store_msg_unref(&s->out.msg);
	if (s->out.paused)
		conn_set_drain_cb(s->conn, NULL);
	s->out = (struct pop3_out){ .active = false };
}
