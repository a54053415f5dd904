/*
 * imap_cmd_box.c: the IMAP mailbox commands of the authenticated state
 * (RFC 3501 6.3): SELECT, EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE,
 * UNSUBSCRIBE, LIST and LSUB with "*" and "%" (6.3.8), STATUS, APPEND
 * (with APPENDUID, RFC 4315 3), IDLE (RFC 2177), and CHECK, CLOSE and
 * UNSELECT (6.4.1, 6.4.2, RFC 3691).
 *
 * Names travel in modified UTF-7 (RFC 3501 5.1.3) and live as UTF-8 in
 * the store, whose name rules keep every name inside the user's tree.
 * LIST shows CHILDREN (RFC 3348) and SPECIAL-USE (RFC 6154) attributes
 * and \Noselect for superiors that exist only by implication.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fakes/base/clock.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/imap_int.h"

static void	imap_box_error(struct imap_session *, struct imap_cmd *,
		    const char *);
static bool	imap_list_match(const char *, const char *);
static bool	imap_box_has_children(struct store_user *, const char *);
static void	imap_list_one(struct imap_session *, struct imap_cmd *,
		    const char *, bool, const char *);
static bool	imap_list_real(struct imap_session *, const char *, bool);
static void	imap_list_implied(struct imap_session *, struct imap_cmd *,
		    const char *, const char *, char ***, size_t *);
static void	imap_list_name(struct imap_session *, struct imap_cmd *,
		    const char *, const char *, char ***, size_t *);
static bool	imap_append_flags(struct imap_session *, struct imap_cmd *,
		    struct store_box *, const struct imap_arg *, unsigned *,
		    uint64_t *);

/* RFC 5530 codes for the store's static errors. */
static void
imap_box_error(struct imap_session *s, struct imap_cmd *cmd,
    const char *err)
{
	if (strcmp(err, "mailbox exists") == 0)
		imap_no(s, cmd, "[ALREADYEXISTS] Mailbox exists");
	else if (strcmp(err, "no such mailbox") == 0)
		imap_no(s, cmd, "[NONEXISTENT] No such mailbox");
	else
		imap_no(s, cmd, "[CANNOT] %s", err);
}

/* RFC 3501 6.3.1, 6.3.2 */
void
imap_cmd_select(struct imap_session *s, struct imap_cmd *cmd)
{
	struct store_box	*box;
	const char		*name;
	bool			 ro = cmd->id == IMAP_CMD_EXAMINE;
	size_t			 i, recent = 0, unseen = 0;

	if (!imap_arg_mailbox(s, &cmd->args[0], &name)) {
		imap_bad(s, cmd, "Invalid mailbox name");
		return;
	}
	/* RFC 3501 6.3.1: a failed SELECT leaves no mailbox selected. */
	if (s->state == IMAP_S_SELECTED)
		imap_unselect(s);
	box = store_box_get(s->user, name);
	if (box == NULL) {
		imap_no(s, cmd, "[NONEXISTENT] No such mailbox");
		return;
	}
	imap_select(s, box, ro);
	imap_send_flags(s);
	for (i = 0; i < s->nmsgs; i++) {
		recent += s->msgs[i].recent;
		if (unseen == 0 && !(s->msgs[i].flags & STORE_F_SEEN))
			unseen = i + 1;
	}
	imap_untagged(s, "%zu EXISTS", s->nmsgs);
	imap_untagged(s, "%zu RECENT", recent);
	if (unseen > 0)
		imap_untagged(s, "OK [UNSEEN %zu] First unseen", unseen);
	imap_untagged(s, "OK [UIDVALIDITY %" PRIu32 "] UIDs valid",
	    store_box_uidvalidity(box));
	imap_untagged(s, "OK [UIDNEXT %" PRIu32 "] Predicted next UID",
	    store_box_uidnext(box));
	imap_ok(s, cmd, "[%s] %s completed", ro ? "READ-ONLY" : "READ-WRITE",
	    cmd->def->verb);
}

/* RFC 3501 6.3.3: superiors are made too; a trailing "/" is dropped. */
void
imap_cmd_create(struct imap_session *s, struct imap_cmd *cmd)
{
	const char	*name, *err = NULL;
	char		*copy, *p;
	size_t		 i;

	if (!imap_arg_mailbox(s, &cmd->args[0], &name)) {
		imap_bad(s, cmd, "Invalid mailbox name");
		return;
	}
	copy = xstrdup(name);
	if (copy[0] != '\0' && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	if (strcmp(copy, "INBOX") == 0) {
		free(copy);
		imap_no(s, cmd, "[ALREADYEXISTS] INBOX always exists");
		return;
	}
	for (p = strchr(copy + 1, '/'); p != NULL && p[1] != '\0';
	    p = strchr(p + 1, '/')) {
		*p = '\0';
		/* A superior that cannot be made fails the real one. */
		if (store_box_get(s->user, copy) == NULL &&
		    store_box_create(s->user, copy, &err) == -1)
			log_debug("imap create superior: %s", err);
		*p = '/';
	}
	if (store_box_create(s->user, copy, &err) == -1) {
		free(copy);
		imap_box_error(s, cmd, err);
		return;
	}
	if (imap_ghost_find(s, copy, &i)) {
		imap_ghost_del(s, i);
		store_box_set_subscribed(store_box_get(s->user, copy), true);
	}
	free(copy);
	imap_ok(s, cmd, "CREATE completed");
}

/* RFC 3501 6.3.4 */
void
imap_cmd_delete(struct imap_session *s, struct imap_cmd *cmd)
{
	struct store_box	*box;
	const char		*name, *err = NULL;
	bool			 sub;

	if (!imap_arg_mailbox(s, &cmd->args[0], &name)) {
		imap_bad(s, cmd, "Invalid mailbox name");
		return;
	}
	box = store_box_get(s->user, name);
	sub = box != NULL && store_box_subscribed(box);
	if (store_box_delete(s->user, name, &err) == -1) {
		imap_box_error(s, cmd, err);
		return;
	}
	/* RFC 3501 6.3.6: the server never drops a subscription itself. */
	if (sub)
		imap_ghost_add(s, name);
	imap_ok(s, cmd, "DELETE completed");
}

/*
 * RFC 3501 6.3.5.  Renaming the selected mailbox (or a superior of it)
 * keeps it selected under its new name: the store detached the watch,
 * the UIDs are the same.
 */
void
imap_cmd_rename(struct imap_session *s, struct imap_cmd *cmd)
{
	const char		*name, *err = NULL;
	char			*from, *newname;
	size_t			 flen;
	bool			 sel;
	struct store_box	*box;

	if (!imap_arg_mailbox(s, &cmd->args[0], &name)) {
		imap_bad(s, cmd, "Invalid mailbox name");
		return;
	}
	from = xstrdup(name);
	if (!imap_arg_mailbox(s, &cmd->args[1], &name)) {
		free(from);
		imap_bad(s, cmd, "Invalid mailbox name");
		return;
	}
	flen = strlen(from);
	sel = s->state == IMAP_S_SELECTED && s->box_name != NULL &&
	    strcmp(from, "INBOX") != 0 && strncmp(s->box_name, from,
	    flen) == 0 && (s->box_name[flen] == '\0' ||
	    s->box_name[flen] == '/');
	if (store_box_rename(s->user, from, name, &err) == -1) {
		free(from);
		imap_box_error(s, cmd, err);
		return;
	}
	if (sel && s->gone) {
		newname = xasprintf("%s%s", name, s->box_name + flen);
		box = store_box_get(s->user, newname);
		if (box != NULL) {
			free(s->box_name);
			s->box_name = newname;
			s->box = box;
			s->gone = false;
			store_box_watch(box, &s->watch);
		} else
			free(newname);
	}
	free(from);
	imap_ok(s, cmd, "RENAME completed");
}

/*
 * XXX The store keeps the subscribed bit on the mailbox, so a name with
 * no mailbox (RFC 3501 6.3.6 allows subscribing one, and DELETE must not
 * drop a subscription) is remembered by this session only.
 */
bool
imap_ghost_find(struct imap_session *s, const char *name, size_t *i_r)
{
	size_t	i;

	for (i = 0; i < s->nghosts; i++) {
		if (strcmp(s->ghosts[i], name) == 0) {
			*i_r = i;
			return true;
		}
	}
	return false;
}

void
imap_ghost_add(struct imap_session *s, const char *name)
{
	size_t	i;

	if (imap_ghost_find(s, name, &i) || s->nghosts >= IMAP_GHOSTS_MAX)
		return;
	s->ghosts = xreallocarray(s->ghosts, s->nghosts + 1,
	    sizeof(*s->ghosts));
	s->ghosts[s->nghosts++] = xstrdup(name);
}

void
imap_ghost_del(struct imap_session *s, size_t i)
{
	free(s->ghosts[i]);
	s->ghosts[i] = s->ghosts[--s->nghosts];
}

/* RFC 3501 6.3.6, 6.3.7 */
void
imap_cmd_subscribe(struct imap_session *s, struct imap_cmd *cmd)
{
	struct store_box	*box;
	const char		*name;
	bool			 on = cmd->id == IMAP_CMD_SUBSCRIBE;
	size_t			 i;

	if (!imap_arg_mailbox(s, &cmd->args[0], &name)) {
		imap_bad(s, cmd, "Invalid mailbox name");
		return;
	}
	box = store_box_get(s->user, name);
	if (box != NULL && (on || store_box_subscribed(box)))
		store_box_set_subscribed(box, on);
	else if (on)
		imap_ghost_add(s, name);
	else if (imap_ghost_find(s, name, &i))
		imap_ghost_del(s, i);
	else {
		imap_no(s, cmd, "[NONEXISTENT] Not subscribed");
		return;
	}
	imap_ok(s, cmd, "%s completed", cmd->def->verb);
}

/*
 * RFC 3501 6.3.8: "*" matches anything, "%" anything but the hierarchy
 * delimiter.  Dynamic programming over (pattern, name) prefixes, so no
 * pattern can make it backtrack exponentially.
 */
static bool
imap_list_match(const char *pat, const char *name)
{
	size_t	 n = strlen(name), j;
	bool	*cur, *next, *tmp, acc, ok;

	cur = xcalloc(n + 1, sizeof(*cur));
	next = xcalloc(n + 1, sizeof(*next));
	cur[0] = true;
	for (; *pat != '\0'; pat++) {
		acc = false;
		for (j = 0; j <= n; j++) {
			if (*pat == '*') {
				acc = acc || cur[j];
				next[j] = acc;
			} else if (*pat == '%') {
				if (j > 0 && name[j - 1] == '/')
					acc = false;
				acc = acc || cur[j];
				next[j] = acc;
			} else {
				next[j] = j > 0 && cur[j - 1] &&
				    name[j - 1] == *pat;
			}
		}
		tmp = cur;
		cur = next;
		next = tmp;
	}
	ok = cur[n];
	free(cur);
	free(next);
	return ok;
}

static bool
imap_box_has_children(struct store_user *u, const char *name)
{
	size_t	i, len = strlen(name);
	const char *other;

	for (i = 0; i < store_box_count(u); i++) {
		other = store_box_name(store_box_at(u, i));
		if (strncmp(other, name, len) == 0 && other[len] == '/')
			return true;
	}
	return false;
}

static void
imap_list_one(struct imap_session *s, struct imap_cmd *cmd,
    const char *name, bool noselect, const char *verb)
{
	static const struct {
		unsigned	 su;
		const char	*attr;
	} su[] = {
		{ .su = STORE_SU_SENT, .attr = "\\Sent" },
		{ .su = STORE_SU_DRAFTS, .attr = "\\Drafts" },
		{ .su = STORE_SU_TRASH, .attr = "\\Trash" },
		{ .su = STORE_SU_JUNK, .attr = "\\Junk" },
		{ .su = STORE_SU_ARCHIVE, .attr = "\\Archive" },
	};
	struct store_box	*box = noselect ? NULL :
	    store_box_get(s->user, name);
	struct buf		 b;
	const char		*sep = "";
	unsigned		 special;
	size_t			 i;
	int			 r = 0;

	buf_init(&b, REPLY_LINE_MAX * 4);
	r |= buf_appendf(&b, "* %s (", verb);
	if (noselect) {
		r |= buf_appendf(&b, "\\Noselect");
		sep = " ";
	}
	if (imap_cap(s, IMAP_CAP_CHILDREN)) {
		r |= buf_appendf(&b, "%s%s", sep, noselect ||
		    imap_box_has_children(s->user, name) ? "\\HasChildren" :
		    "\\HasNoChildren");
		sep = " ";
	}
	special = box != NULL ? store_box_special(box) : 0;
	for (i = 0; i < nitems(su) && imap_cap(s, IMAP_CAP_SPECIAL_USE); i++) {
		if (special & su[i].su) {
			r |= buf_appendf(&b, "%s%s", sep, su[i].attr);
			sep = " ";
		}
	}
	r |= buf_appendf(&b, ") \"/\" ");
	if (imap_append_mailbox(&b, name) == -1)
		r = -1;
	if (r == 0)
		imap_write_line(s, &b);
	else
		log_warnx("%016" PRIx64 " imap list: name not shown",
		    conn_id(s->conn));
	buf_fini(&b);
}

/* Whether name is listed in its own right (LIST: exists; LSUB: is
   subscribed). */
static bool
imap_list_real(struct imap_session *s, const char *name, bool lsub)
{
	struct store_box	*box = store_box_get(s->user, name);
	size_t			 i;

	if (!lsub)
		return box != NULL;
	return (box != NULL && store_box_subscribed(box)) ||
	    imap_ghost_find(s, name, &i);
}

/*
 * Superiors that are listed only by implication ("a" of "a/b"), once
 * each, as \Noselect (RFC 3501 6.3.8; 6.3.9 for LSUB and "%").
 */
static void
imap_list_implied(struct imap_session *s, struct imap_cmd *cmd,
    const char *pat, const char *name, char ***seen, size_t *nseen)
{
	bool		 lsub = cmd->id == IMAP_CMD_LSUB;
	const char	*p;
	char		*sup;
	size_t		 k;

	for (p = strchr(name, '/'); p != NULL; p = strchr(p + 1, '/')) {
		sup = xstrndup(name, (size_t)(p - name));
		for (k = 0; k < *nseen; k++)
			if (strcmp((*seen)[k], sup) == 0)
				break;
		if (k < *nseen || imap_list_real(s, sup, lsub) ||
		    !imap_list_match(pat, sup)) {
			free(sup);
			continue;
		}
		imap_list_one(s, cmd, sup, true, cmd->def->verb);
		*seen = xreallocarray(*seen, *nseen + 1, sizeof(**seen));
		(*seen)[(*nseen)++] = sup;
	}
}

static void
imap_list_name(struct imap_session *s, struct imap_cmd *cmd,
    const char *pat, const char *name, char ***seen, size_t *nseen)
{
	bool	match = imap_list_match(pat, name);

	/* LSUB names a superior only where "%" stopped short of it. */
	if (cmd->id == IMAP_CMD_LIST || !match)
		imap_list_implied(s, cmd, pat, name, seen, nseen);
	if (match)
		imap_list_one(s, cmd, name, false, cmd->def->verb);
}

/* RFC 3501 6.3.8, 6.3.9 */
void
imap_cmd_list(struct imap_session *s, struct imap_cmd *cmd)
{
	const char		*name;
	bool			 lsub = cmd->id == IMAP_CMD_LSUB;
	char			*ref, *full, **seen = NULL;
	size_t			 i, nseen = 0;
	struct store_box	*box;

	if (!imap_arg_mailbox(s, &cmd->args[0], &name)) {
		imap_bad(s, cmd, "Invalid reference name");
		return;
	}
	ref = xstrdup(name);
	if (!imap_arg_mailbox(s, &cmd->args[1], &name)) {
		free(ref);
		imap_bad(s, cmd, "Invalid mailbox pattern");
		return;
	}
	/* RFC 3501 6.3.8: an empty pattern asks for the delimiter. */
	if (name[0] == '\0' && !lsub) {
		free(ref);
		imap_untagged(s, "LIST (\\Noselect) \"/\" \"\"");
		imap_ok(s, cmd, "LIST completed");
		return;
	}
	full = xasprintf("%s%s", ref, name);
	free(ref);
	if (strncasecmp(full, "INBOX", 5) == 0)
		memcpy(full, "INBOX", 5);
	for (i = 0; i < store_box_count(s->user); i++) {
		box = store_box_at(s->user, i);
		if (!lsub || store_box_subscribed(box))
			imap_list_name(s, cmd, full, store_box_name(box),
			    &seen, &nseen);
	}
	for (i = 0; lsub && i < s->nghosts; i++)
		imap_list_name(s, cmd, full, s->ghosts[i], &seen, &nseen);
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	free(full);
	imap_ok(s, cmd, "%s completed", cmd->def->verb);
}

/* RFC 3501 6.3.10 */
void
imap_cmd_status(struct imap_session *s, struct imap_cmd *cmd)
{
	const struct imap_arg	*items = &cmd->args[1];
	const struct store_entry *e;
	struct store_box	*box;
	const char		*name;
	struct buf		 b;
	size_t			 i, n, recent = 0, unseen = 0;
	int			 r = 0;

	if (!imap_arg_mailbox(s, &cmd->args[0], &name)) {
		imap_bad(s, cmd, "Invalid mailbox name");
		return;
	}
	if (items->type != IMAP_ARG_LIST || items->nlist == 0) {
		imap_bad(s, cmd, "STATUS needs a list of items");
		return;
	}
	box = store_box_get(s->user, name);
	if (box == NULL) {
		imap_no(s, cmd, "[NONEXISTENT] No such mailbox");
		return;
	}
	n = store_box_size(box);
	for (i = 0; i < n; i++) {
		e = store_box_entry(box, i);
		recent += (e->flags & STORE_F_RECENT) != 0;
		unseen += (e->flags & STORE_F_SEEN) == 0;
	}
	buf_init(&b, REPLY_LINE_MAX * 4);
	r |= buf_appendf(&b, "* STATUS ");
	if (imap_append_mailbox(&b, store_box_name(box)) == -1)
		r = -1;
	r |= buf_appendc(&b, ' ');
	for (i = 0; i < items->nlist; i++) {
		const struct imap_arg *it = &items->list[i];

		r |= buf_appendc(&b, i == 0 ? '(' : ' ');
		if (imap_arg_atom(it, "MESSAGES"))
			r |= buf_appendf(&b, "MESSAGES %zu", n);
		else if (imap_arg_atom(it, "RECENT"))
			r |= buf_appendf(&b, "RECENT %zu", recent);
		else if (imap_arg_atom(it, "UIDNEXT"))
			r |= buf_appendf(&b, "UIDNEXT %" PRIu32,
			    store_box_uidnext(box));
		else if (imap_arg_atom(it, "UIDVALIDITY"))
			r |= buf_appendf(&b, "UIDVALIDITY %" PRIu32,
			    store_box_uidvalidity(box));
		else if (imap_arg_atom(it, "UNSEEN"))
			r |= buf_appendf(&b, "UNSEEN %zu", unseen);
		else {
			buf_fini(&b);
			imap_bad(s, cmd, "Unknown STATUS item");
			return;
		}
	}
	r |= buf_appendc(&b, ')');
	if (r != 0)
		fatalx("%s: status line too long", __func__);
	imap_write_line(s, &b);
	buf_fini(&b);
	imap_ok(s, cmd, "STATUS completed");
}

/* RFC 3501 2.3.2: system flags by name, keywords made on demand. */
static bool
imap_append_flags(struct imap_session *s, struct imap_cmd *cmd,
    struct store_box *box, const struct imap_arg *list, unsigned *flags_r,
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
	const struct imap_arg	*a;
	size_t			 i, k;
	int			 id;

	*flags_r = 0;
	*kw_r = 0;
	for (i = 0; i < list->nlist; i++) {
		a = &list->list[i];
		if (a->type != IMAP_ARG_ATOM || a->len == 0) {
			imap_bad(s, cmd, "Invalid flag");
			return false;
		}
		for (k = 0; k < nitems(sys); k++)
			if (strcasecmp(a->str, sys[k].name) == 0)
				break;
		if (k < nitems(sys)) {
			*flags_r |= sys[k].flag;
			continue;
		}
		if (a->str[0] == '\\' || strpbrk(a->str, "[]%*") != NULL) {
			imap_bad(s, cmd, "Invalid flag");
			return false;
		}
		id = store_box_keyword_id(box, a->str, true);
		if (id < 0) {
			imap_no(s, cmd, "[LIMIT] Too many keywords");
			return false;
		}
		*kw_r |= (uint64_t)1 << id;
	}
	return true;
}

/*
 * RFC 3501 6.3.11.  The literal was read by the parser into one buffer
 * of its announced size; the message takes that buffer, so the bytes are
 * held once.
 */
void
imap_cmd_append(struct imap_session *s, struct imap_cmd *cmd)
{
	const struct imap_arg	*msgarg = &cmd->args[cmd->nargs - 1];
	struct store_box	*box;
	struct store_msg	*m;
	const char		*name, *err = NULL;
	unsigned		 flags = 0;
	uint64_t		 kw = 0;
	int64_t			 date;
	uint32_t		 uid;
	size_t			 i;
	char			*data;

	if (!imap_arg_mailbox(s, &cmd->args[0], &name)) {
		imap_bad(s, cmd, "Invalid mailbox name");
		return;
	}
	if (msgarg->type != IMAP_ARG_LITERAL &&
	    msgarg->type != IMAP_ARG_STRING) {
		imap_bad(s, cmd, "APPEND needs the message as a literal");
		return;
	}
	box = store_box_get(s->user, name);
	if (box == NULL) {
		/* RFC 3501 6.3.11: TRYCREATE says CREATE would help. */
		imap_no(s, cmd, "[TRYCREATE] No such mailbox");
		return;
	}
	date = clock_wall_ms();
	for (i = 1; i + 1 < cmd->nargs; i++) {
		if (cmd->args[i].type == IMAP_ARG_LIST) {
			if (!imap_append_flags(s, cmd, box, &cmd->args[i],
			    &flags, &kw))
				return;
		} else if (cmd->args[i].type != IMAP_ARG_STRING ||
		    !imap_parse_date_time(cmd->args[i].str, &date)) {
			imap_bad(s, cmd, "Invalid APPEND date-time");
			return;
		}
	}
	data = imap_parser_literal_steal(s->parser, msgarg);
	if (data == NULL)
		data = xmemdup(msgarg->str, msgarg->len + 1);
	m = store_msg_new();
	store_msg_take_data(m, data, msgarg->len);
	m->received_ms = clock_wall_ms();
	m->session_id = conn_id(s->conn);
	store_msg_set_str(&m->auth_user, s->login);
	store_msg_set_str(&m->port_name, conn_port(s->conn)->name);
	uid = store_box_append(box, m, flags | STORE_F_RECENT, kw, date,
	    box == s->box ? &s->watch : NULL, &err);
	store_msg_unref(&m);
	if (uid == 0) {
		imap_no(s, cmd, "[SERVERBUG] %s", err != NULL ? err :
		    "not stored");
		return;
	}
	/* Our own change is not reported by the watch: look again. */
	if (box == s->box)
		s->dirty = true;
	if (imap_cap(s, IMAP_CAP_UIDPLUS))
		imap_ok(s, cmd, "[APPENDUID %" PRIu32 " %" PRIu32 "] APPEND "
		    "completed", store_box_uidvalidity(box), uid);
	else
		imap_ok(s, cmd, "APPEND completed");
}

/*
 * RFC 3501 9 date-time: "dd-Mon-yyyy hh:mm:ss +zzzz", the day possibly
 * with a leading space or one digit.
 */
bool
imap_parse_date_time(const char *p, int64_t *ms_r)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	struct tm	 tm = { 0 };
	uint64_t	 v[6];
	size_t		 dlen, i;
	const char	*m;
	time_t		 t;
	int		 sign, zone;

	if (*p == ' ')
		p++;
	dlen = p[1] == '-' ? 1 : 2;
	if (!str_to_u64(p, dlen, 31, &v[0]) || p[dlen] != '-')
		return false;
	p += dlen + 1;
	for (m = NULL, i = 0; i < 12; i++)
		if (strncasecmp(p, months + 3 * i, 3) == 0)
			m = months + 3 * i;
	if (m == NULL || p[3] != '-')
		return false;
	tm.tm_mon = (int)((m - months) / 3);
	p += 4;
	if (!str_to_u64(p, 4, 9999, &v[1]) || p[4] != ' ' ||
	    !str_to_u64(p + 5, 2, 23, &v[2]) || p[7] != ':' ||
	    !str_to_u64(p + 8, 2, 59, &v[3]) || p[10] != ':' ||
	    !str_to_u64(p + 11, 2, 60, &v[4]) || p[13] != ' ' ||
	    (p[14] != '+' && p[14] != '-') ||
	    !str_to_u64(p + 15, 4, 9999, &v[5]) || p[19] != '\0')
		return false;
	if (v[0] == 0 || v[1] < 1900 || v[5] % 100 >= 60)
		return false;
	tm.tm_mday = (int)v[0];
	tm.tm_year = (int)v[1] - 1900;
	tm.tm_hour = (int)v[2];
	tm.tm_min = (int)v[3];
	tm.tm_sec = (int)v[4];
	t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	sign = p[14] == '-' ? -1 : 1;
	zone = (int)(v[5] / 100) * 3600 + (int)(v[5] % 100) * 60;
	*ms_r = ((int64_t)t - sign * zone) * 1000;
	return true;
}

/* RFC 2177 3: updates go out while idling, until "DONE". */
void
imap_cmd_idle(struct imap_session *s, struct imap_cmd *cmd)
{
	imap_parser_reset(s->parser);
	conn_reply(s->conn, "+ idling");
	s->idling = true;
	/* A rule may inject untagged events (EXISTS, EXPUNGE) or end it. */
	if (imap_rules(s, cmd, CONN_ST_IDLE, NULL, NULL)) {
		s->idling = false;
		return;
	}
	imap_sync(s, true);
}

void
imap_idle_line(struct imap_session *s, const struct frame_item *it)
{
	s->idling = false;
	if (!(it->flags & (FRAME_DATA | FRAME_TOO_LONG)) && it->len == 4 &&
	    strncasecmp(it->p, "DONE", 4) == 0) {
		imap_ok(s, s->cmd, "IDLE terminated");
		return;
	}
	imap_bad(s, s->cmd, "Expected DONE to end IDLE");
}

/* RFC 3501 6.4.1: nothing to write back; the updates still go out. */
void
imap_cmd_check(struct imap_session *s, struct imap_cmd *cmd)
{
	imap_ok(s, cmd, "CHECK completed");
}

/*
 * RFC 3501 6.4.2 CLOSE: \Deleted messages go without EXPUNGE responses
 * (and never in a read-only mailbox); RFC 3691 UNSELECT: nothing goes.
 */
void
imap_cmd_close(struct imap_session *s, struct imap_cmd *cmd)
{
	const struct store_entry	*e;
	uint32_t			*uids;
	size_t				 i, n = 0, size;

	if (cmd->id == IMAP_CMD_CLOSE && !s->readonly && s->box != NULL) {
		size = store_box_size(s->box);
		uids = xreallocarray(NULL, size + 1, sizeof(*uids));
		for (i = 0; i < size; i++) {
			e = store_box_entry(s->box, i);
			if (e->flags & STORE_F_DELETED)
				uids[n++] = e->uid;
		}
		for (i = 0; i < n; i++)
			(void)store_box_expunge(s->box, uids[i], &s->watch);
		free(uids);
	}
	imap_unselect(s);
	imap_ok(s, cmd, "%s completed", cmd->def->verb);
}
