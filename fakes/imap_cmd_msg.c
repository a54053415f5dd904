/*
 * imap_cmd_msg.c: the IMAP message commands of the selected state: EXPUNGE
 * (RFC 3501 6.4.3, UID EXPUNGE of RFC 4315 2.1), SEARCH (6.4.4), FETCH
 * (6.4.5), STORE (6.4.6), COPY (6.4.7, COPYUID of RFC 4315 3), MOVE (RFC
 * 6851) and their UID forms (6.4.8).
 *
 * FETCH is the one command that can produce more than fits in memory
 * comfortably: it renders one message at a time, sends stored bytes by
 * reference (the message blob is refcounted) and stops at a high
 * watermark of queued output, going on from the conn's drain callback
 * while the client's further input waits.  The parsing of fetch
 * attributes, search keys and MIME lives in imap_fetch, imap_search and
 * imap_mime; this file applies them to the session's view.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fakes/base/log.h"
#include "fakes/base/xalloc.h"
#include "fakes/imap_int.h"
#include "fakes/imap_search.h"

/* FETCH */
static void	imap_fetch_run(struct imap_session *);
static void	imap_fetch_drain_cb(struct conn *);
static int	imap_fetch_one(struct imap_session *, struct imap_fetch_job *,
		    size_t, const char **);
static void	imap_fetch_write(struct imap_session *,
		    const struct imap_fetch_out *, struct store_msg *);
static void	imap_msg_unref_cb(const void *, size_t, void *);

/* STORE */
static bool	imap_store_flags(struct imap_session *, struct imap_cmd *,
		    const struct imap_arg *, size_t, char, unsigned *,
		    uint64_t *);

/* COPY, MOVE */
static uint64_t	imap_copy_keywords(struct store_box *, struct store_box *,
		    uint64_t);

static unsigned
imap_shown_flags(const struct imap_session *s, size_t i,
    const struct store_entry *e)
{
	return (e->flags & ~STORE_F_RECENT) |
	    (s->msgs[i].recent ? STORE_F_RECENT : 0);
}

/* RFC 3501 6.4.3, RFC 4315 2.1: the responses go out from imap_sync. */
void
imap_cmd_expunge(struct imap_session *s, struct imap_cmd *cmd)
{
	const struct store_entry	*e;
	uint32_t			*uids;
	size_t				*idx = NULL, n, i, k = 0;

	if (s->readonly) {
		imap_no(s, cmd, "[READ-ONLY] Mailbox is read-only");
		return;
	}
	if (cmd->uid) {
		if (!imap_view_match(s, cmd, &cmd->args[0], true, &idx, &n))
			return;
	} else {
		n = s->nmsgs;
	}
	uids = xreallocarray(NULL, n + 1, sizeof(*uids));
	for (i = 0; i < n; i++) {
		e = imap_view_entry(s, idx != NULL ? idx[i] : i);
		if (e != NULL && (e->flags & STORE_F_DELETED))
			uids[k++] = e->uid;
	}
	for (i = 0; i < k; i++)
		(void)store_box_expunge(s->box, uids[i], &s->watch);
	free(uids);
	free(idx);
	s->dirty = true;
	imap_ok(s, cmd, "%s completed", cmd->name);
}

/* RFC 3501 6.4.4, 7.2.5 */
void
imap_cmd_search(struct imap_session *s, struct imap_cmd *cmd)
{
	struct imap_search		*prog = NULL;
	struct imap_search_msg		 m;
	const struct store_entry	*e;
	const char			*err = NULL;
	struct buf			 b;
	size_t				 i;
	int				 r;

	r = imap_search_parse(cmd->args, cmd->nargs, &prog, &err);
	if (r == IMAP_SEARCH_ERR_CHARSET) {
		imap_no(s, cmd, "[BADCHARSET (US-ASCII UTF-8)] %s",
		    err != NULL ? err : "Unknown charset");
		return;
	}
	if (r != 0) {
		imap_bad(s, cmd, "Invalid search: %s",
		    err != NULL ? err : "syntax error");
		return;
	}
	buf_init(&b, (s->nmsgs + 1) * 12 + 16);
	r = buf_appendf(&b, "* SEARCH");
	for (i = 0; i < s->nmsgs && r == 0; i++) {
		e = imap_view_entry(s, i);
		if (e == NULL)
			continue;
		m = (struct imap_search_msg){ .seq = (uint32_t)(i + 1),
		    .max_seq = (uint32_t)s->nmsgs,
		    .max_uid = s->msgs[s->nmsgs - 1].uid, .entry = e,
		    .box = s->box, .flags = imap_shown_flags(s, i, e) };
		if (imap_search_match(prog, &m))
			r = buf_appendf(&b, " %" PRIu32,
			    cmd->uid ? e->uid : (uint32_t)(i + 1));
	}
	if (r != 0)
		fatalx("%s: result over its cap", __func__);
	imap_search_free(prog);
	imap_write_line(s, &b);
	buf_fini(&b);
	imap_ok(s, cmd, "%s completed", cmd->name);
}

/* --- FETCH --- */

void
imap_fetch_job_free(struct imap_fetch_job *job)
{
	if (job == NULL)
		return;
	imap_fetch_spec_free(job->spec);
	imap_fetch_out_fini(&job->out);
	free(job->idx);
	free(job);
}

void
imap_cmd_fetch(struct imap_session *s, struct imap_cmd *cmd)
{
	struct imap_fetch_spec	*spec = NULL;
	struct imap_fetch_job	*job;
	const char		*err = NULL;
	size_t			*idx, n;

	/* RFC 7162 fetch modifiers need CONDSTORE, not offered. */
	if (cmd->nargs == 3) {
		imap_bad(s, cmd, "FETCH modifiers are not supported");
		return;
	}
	if (imap_fetch_parse(&cmd->args[1], &spec, &err) == -1) {
		imap_bad(s, cmd, "Invalid fetch items: %s",
		    err != NULL ? err : "syntax error");
		return;
	}
	if (!imap_view_match(s, cmd, &cmd->args[0], cmd->uid, &idx, &n)) {
		imap_fetch_spec_free(spec);
		return;
	}
	job = xcalloc(1, sizeof(*job));
	job->spec = spec;
	job->idx = idx;
	job->n = n;
	/* RFC 3501 6.3.2: EXAMINE never changes flags. */
	job->seen = imap_fetch_sets_seen(spec) && !s->readonly;
	imap_fetch_out_init(&job->out);
	cmd->fetch = job;
	imap_fetch_run(s);
}

static void
imap_fetch_run(struct imap_session *s)
{
	struct imap_cmd		*cmd = s->cmd;
	struct imap_fetch_job	*job = cmd->fetch;
	const char		*err = NULL;
	bool			 paused;
	int			 r = 0;

	while (job->next < job->n && s->box != NULL) {
		if (conn_output_pending(s->conn) > IMAP_OUT_HIWAT) {
			if (!job->paused) {
				conn_pause(s->conn);
				job->paused = true;
			}
			conn_set_drain_cb(s->conn, imap_fetch_drain_cb);
			return;
		}
		r = imap_fetch_one(s, job, job->idx[job->next++], &err);
		if (r != 0)
			break;
	}
	conn_set_drain_cb(s->conn, NULL);
	paused = job->paused;
	if (r == -2)
		imap_no(s, cmd, "[UNKNOWN-CTE] %s", err);
	else if (r != 0)
		imap_no(s, cmd, "[LIMIT] %s", err != NULL ? err : "too big");
	else if (s->box == NULL)
		imap_no(s, cmd, "Mailbox was deleted");
	else
		imap_ok(s, cmd, "%s completed", cmd->name);
	if (paused)
		conn_resume(s->conn);
}

static void
imap_fetch_drain_cb(struct conn *c)
{
	struct imap_session	*s = conn_data(c);

	if (s == NULL || s->cmd == NULL || s->cmd->fetch == NULL) {
		conn_set_drain_cb(c, NULL);
		return;
	}
	imap_fetch_run(s);
}

/*
 * One message.  RFC 3501 6.4.5: a non-PEEK body fetch sets \Seen, and
 * the response then carries FLAGS even if they were not asked for.
 */
static int
imap_fetch_one(struct imap_session *s, struct imap_fetch_job *job,
    size_t i, const char **error_r)
{
	const struct store_entry	*e = imap_view_entry(s, i);
	struct imap_fetch_msg		 m;
	unsigned			 rflags = 0;
	int				 r;

	if (e == NULL)
		return 0;
	if (s->cmd->uid)
		rflags |= IMAP_FETCH_R_UID;
	if (job->seen && !(e->flags & STORE_F_SEEN)) {
		(void)store_box_set_flags(s->box, e->uid,
		    e->flags | STORE_F_SEEN, e->keywords, &s->watch);
		e = imap_view_entry(s, i);
		rflags |= IMAP_FETCH_R_FLAGS;
	}
	if ((job->spec->items & IMAP_FETCH_FLAGS) ||
	    (rflags & IMAP_FETCH_R_FLAGS)) {
		s->msgs[i].flags = e->flags & ~STORE_F_RECENT;
		s->msgs[i].keywords = e->keywords;
	}
	m = (struct imap_fetch_msg){ .seq = (uint32_t)(i + 1), .entry = e,
	    .box = s->box, .flags = imap_shown_flags(s, i, e), .mime = NULL };
	imap_fetch_out_reset(&job->out);
	r = imap_fetch_render(job->spec, &m, rflags, &job->out, error_r);
	if (r != 0)
		return r;
	imap_fetch_write(s, &job->out, e->msg);
	return 0;
}

static void
imap_fetch_write(struct imap_session *s, const struct imap_fetch_out *out,
    struct store_msg *msg)
{
	const struct imap_fetch_piece	*pc;
	size_t				 i;

	/* A plain one-line response is a reply line for the transcript. */
	if (out->npieces == 1 && out->pieces[0].src == IMAP_FETCH_SRC_TEXT &&
	    out->pieces[0].len >= 2 && out->pieces[0].len < REPLY_LINE_MAX &&
	    memchr(out->text.p + out->pieces[0].off, '\0',
	    out->pieces[0].len) == NULL) {
		conn_reply(s->conn, "%.*s", (int)(out->pieces[0].len - 2),
		    out->text.p + out->pieces[0].off);
		return;
	}
	for (i = 0; i < out->npieces; i++) {
		pc = &out->pieces[i];
		if (pc->len == 0)
			continue;
		switch (pc->src) {
		case IMAP_FETCH_SRC_TEXT:
			conn_write_data(s->conn, out->text.p + pc->off,
			    pc->len);
			break;
		case IMAP_FETCH_SRC_MESSAGE:
			store_msg_ref(msg);
			conn_write_ref(s->conn, msg->data + pc->off, pc->len,
			    imap_msg_unref_cb, msg);
			break;
		case IMAP_FETCH_SRC__COUNT:
		default:
			fatalx("%s: bad piece source %d", __func__,
			    (int)pc->src);
		}
	}
}

static void
imap_msg_unref_cb(const void *p, size_t len, void *arg)
{
	struct store_msg	*m = arg;

	store_msg_unref(&m);
}

/* --- STORE --- */

/* The flag list of STORE: one parenthesized list or bare flags. */
static bool
imap_store_flags(struct imap_session *s, struct imap_cmd *cmd,
    const struct imap_arg *a, size_t n, char op, unsigned *flags_r,
    uint64_t *kw_r)
{
	static const struct {
		const char	*name;
		unsigned	 flag;
	} sys[] = {
		{ .name = "\\Seen", .flag = STORE_F_SEEN },
		{ .name = "\\Answered", .flag = STORE_F_ANSWERED },
		{ .name = "\\Flagged", .flag = STORE_F_FLAGGED },
		{ .name = "\\Deleted", .flag = STORE_F_DELETED },
		{ .name = "\\Draft", .flag = STORE_F_DRAFT },
		{ .name = "\\Recent", .flag = 0 },
	};
	size_t	i, k;
	int	id;

	if (n == 1 && a[0].type == IMAP_ARG_LIST) {
		n = a[0].nlist;
		a = a[0].list;
	}
	*flags_r = 0;
	*kw_r = 0;
	for (i = 0; i < n; i++) {
		if (a[i].type != IMAP_ARG_ATOM || a[i].len == 0) {
			imap_bad(s, cmd, "Invalid flag");
			return false;
		}
		for (k = 0; k < nitems(sys); k++)
			if (strcasecmp(a[i].str, sys[k].name) == 0)
				break;
		if (k < nitems(sys)) {
			/* RFC 3501 2.3.2: \Recent cannot be stored. */
			*flags_r |= sys[k].flag;
			continue;
		}
		if (a[i].str[0] == '\\' || strpbrk(a[i].str, "[]%*") != NULL) {
			imap_bad(s, cmd, "Invalid flag");
			return false;
		}
		id = store_box_keyword_id(s->box, a[i].str, op != '-');
		if (id < 0 && op != '-') {
			imap_no(s, cmd, "[LIMIT] Too many keywords");
			return false;
		}
		if (id >= 0)
			*kw_r |= (uint64_t)1 << id;
	}
	return true;
}

/* RFC 3501 6.4.6 */
void
imap_cmd_store(struct imap_session *s, struct imap_cmd *cmd)
{
	const struct store_entry	*e;
	const char			*item = cmd->args[1].str;
	char				 op = '\0';
	unsigned			 flags, nf;
	uint64_t			 kw, nk;
	size_t				*idx, n, i;
	bool				 silent;
	struct buf			 b;
	int				 r;

	if (cmd->args[1].type != IMAP_ARG_ATOM) {
		imap_bad(s, cmd, "Invalid STORE item");
		return;
	}
	if (item[0] == '+' || item[0] == '-')
		op = *item++;
	if (strcasecmp(item, "FLAGS") != 0 &&
	    strcasecmp(item, "FLAGS.SILENT") != 0) {
		imap_bad(s, cmd, "Invalid STORE item");
		return;
	}
	silent = strcasecmp(item, "FLAGS.SILENT") == 0;
	if (s->readonly) {
		imap_no(s, cmd, "[READ-ONLY] Mailbox is read-only");
		return;
	}
	if (!imap_view_match(s, cmd, &cmd->args[0], cmd->uid, &idx, &n))
		return;
	if (!imap_store_flags(s, cmd, &cmd->args[2], cmd->nargs - 2, op,
	    &flags, &kw)) {
		free(idx);
		return;
	}
	if (store_box_nkeywords(s->box) != s->nkeywords)
		imap_send_flags(s);
	buf_init(&b, REPLY_LINE_MAX * 4);
	for (i = 0; i < n; i++) {
		e = imap_view_entry(s, idx[i]);
		if (e == NULL)
			continue;
		nf = e->flags & ~STORE_F_RECENT;
		nk = e->keywords;
		nf = op == '+' ? nf | flags : op == '-' ? nf & ~flags : flags;
		nk = op == '+' ? nk | kw : op == '-' ? nk & ~kw : kw;
		(void)store_box_set_flags(s->box, e->uid,
		    nf | (e->flags & STORE_F_RECENT), nk, &s->watch);
		s->msgs[idx[i]].flags = nf;
		s->msgs[idx[i]].keywords = nk;
		if (silent)
			continue;
		buf_reset(&b);
		r = buf_appendf(&b, "* %zu FETCH (FLAGS ", idx[i] + 1);
		r |= imap_fetch_append_flags(&b, nf | (s->msgs[idx[i]].recent ?
		    STORE_F_RECENT : 0), nk, s->box);
		/* RFC 3501 6.4.8: UID forms always report the UID. */
		if (cmd->uid)
			r |= buf_appendf(&b, " UID %" PRIu32,
			    s->msgs[idx[i]].uid);
		r |= buf_appendc(&b, ')');
		if (r != 0)
			fatalx("%s: flags too long", __func__);
		imap_write_line(s, &b);
	}
	buf_fini(&b);
	free(idx);
	imap_ok(s, cmd, "%s completed", cmd->name);
}

/* --- COPY, MOVE --- */

/* Keyword ids are per mailbox: map by name. */
static uint64_t
imap_copy_keywords(struct store_box *from, struct store_box *to,
    uint64_t kw)
{
	uint64_t	out = 0;
	size_t		i;
	int		id;

	for (i = 0; i < 64 && i < store_box_nkeywords(from); i++) {
		if (!(kw & ((uint64_t)1 << i)))
			continue;
		id = store_box_keyword_id(to, store_box_keyword(from, i), true);
		if (id >= 0)
			out |= (uint64_t)1 << id;
	}
	return out;
}

/*
 * RFC 3501 6.4.7, RFC 6851 3.3 MOVE: copy, then COPYUID in an untagged OK
 * before the EXPUNGE responses (RFC 6851 4.3), which imap_sync sends.
 */
void
imap_cmd_copy(struct imap_session *s, struct imap_cmd *cmd)
{
	const struct store_entry	*e;
	struct store_box		*dst, *src = s->box;
	struct store_msg		*msg;
	struct imap_seq			*sset, *dset;
	const char			*name, *err = NULL;
	bool				 move = cmd->id == IMAP_CMD_MOVE;
	size_t				*idx, n, i, done = 0;
	uint32_t			 nuid;
	uint64_t			 kw;
	unsigned			 flags;
	int64_t				 date;
	struct buf			 code;
	int				 r;

	if (!imap_view_match(s, cmd, &cmd->args[0], cmd->uid, &idx, &n))
		return;
	if (!imap_arg_mailbox(s, &cmd->args[1], &name)) {
		free(idx);
		imap_bad(s, cmd, "Invalid mailbox name");
		return;
	}
	if (move && s->readonly) {
		free(idx);
		imap_no(s, cmd, "[READ-ONLY] Mailbox is read-only");
		return;
	}
	dst = store_box_get(s->user, name);
	if (dst == NULL) {
		free(idx);
		imap_no(s, cmd, "[TRYCREATE] No such mailbox");
		return;
	}
	sset = imap_seq_new();
	dset = imap_seq_new();
	for (i = 0; i < n; i++) {
		e = imap_view_entry(s, idx[i]);
		if (e == NULL)
			continue;
		/* dst may be src: take what is needed before appending. */
		msg = e->msg;
		store_msg_ref(msg);
		flags = (e->flags & ~STORE_F_RECENT) | STORE_F_RECENT;
		kw = imap_copy_keywords(src, dst, e->keywords);
		date = e->internal_ms;
		imap_seq_add(sset, e->uid, e->uid);
		nuid = store_box_append(dst, msg, flags, kw, date,
		    dst == src ? &s->watch : NULL, &err);
		store_msg_unref(&msg);
		if (nuid == 0)
			break;
		imap_seq_add(dset, nuid, nuid);
		done++;
	}
	free(idx);
	if (dst == src)
		s->dirty = true;
	buf_init(&code, REPLY_LINE_MAX / 2);
	r = 0;
	if (done > 0 && imap_cap(s, IMAP_CAP_UIDPLUS)) {
		r |= buf_appendf(&code, "[COPYUID %" PRIu32 " ",
		    store_box_uidvalidity(dst));
		r |= imap_seq_format(sset, &code);
		r |= buf_appendc(&code, ' ');
		r |= imap_seq_format(dset, &code);
		r |= buf_appendf(&code, "] ");
	}
	/* A set too long for one line is left out (UIDPLUS is a help). */
	if (r != 0)
		buf_reset(&code);
	if (move && done > 0) {
		imap_untagged(s, "OK %sMoved", buf_cstr(&code));
		for (i = 0; i < sset->nranges; i++) {
			for (nuid = sset->ranges[i].lo;
			    nuid <= sset->ranges[i].hi && nuid != 0; nuid++)
				(void)store_box_expunge(src, nuid, &s->watch);
		}
		s->dirty = true;
		buf_reset(&code);
	}
	imap_seq_free(sset);
	imap_seq_free(dset);
	if (err != NULL)
		imap_no(s, cmd, "[SERVERBUG] %s", err);
	else
		imap_ok(s, cmd, "%s%s completed", buf_cstr(&code), cmd->name);
	buf_fini(&code);
}
