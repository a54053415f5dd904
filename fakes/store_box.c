/*
 * store_box.c: users and mailboxes of the mailstore.
 *
 * Owns every user (found by login, case-insensitively), their mailboxes
 * sorted by name, each mailbox's entries in strictly ascending UID order
 * with UIDVALIDITY and UIDNEXT (RFC 3501 2.3.1.1), flags and per-mailbox
 * keywords (RFC 3501 2.3.2), MODSEQ (RFC 7162 3.1.1), the maildrop lock
 * (RFC 1939 8) and the watchers that open sessions register so that IMAP
 * can report EXISTS, EXPUNGE and FETCH (RFC 3501 5.2, 7.4.1).
 *
 * Entries hold references to the shared blobs of store.c and never change
 * them.  With a Maildir root, store_folder.c carries each change to disk;
 * this file decides what changes.  Not here: credentials (the protocols
 * decide who may log in) and any message parsing.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fakes/base/clock.h"
#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/store.h"
#include "fakes/store_int.h"

/* users */
static struct store_user *store_user_find(const struct store *,
		    const char *, size_t *);
static struct store_user *store_user_new(struct store *, const char *,
		    size_t);
static void	store_user_insert(struct store *, struct store_user *, size_t);
static void	store_user_free(struct store_user *);
static bool	store_user_wants(const struct store_user *,
		    const struct store_msg *);
static void	store_user_backfill(struct store_user *);
static void	store_user_specials(struct store_user *);
static struct store_box_ent *store_user_take(struct store_user *,
		    struct store_msg *);

/* mailboxes */
static bool	store_box_name_ok(const char *);
static const char *store_box_canon(const char *);
static bool	store_box_is_inbox(const char *);
static struct store_box *store_box_find(const struct store_user *,
		    const char *, size_t *);
static uint32_t	store_box_next_uidvalidity(struct store *);
static struct store_box *store_box_alloc(struct store_user *,
		    const char *, unsigned);
static void	store_box_insert(struct store_user *, struct store_box *);
static struct store_box *store_box_new(struct store_user *, const char *,
		    unsigned);
static unsigned	store_box_special_of(const char *);
static void	store_box_free(struct store_box *);
static void	store_box_unlink(struct store_user *, struct store_box *);
static int	store_box_cmp(const void *, const void *);
static bool	store_box_is_below(const char *, const char *);
static int	store_box_rename_inbox(struct store_user *, const char *,
		    const char **);
static int	store_box_move_all(struct store_box *, struct store_box *);
static int	store_box_rename_dirs(struct store_box **, size_t,
		    const char *, size_t, const char **);

/* entries and watchers */
static uint64_t	store_box_kwmask(const struct store_box *);
static void	store_box_remove_at(struct store_box *, size_t);
static void	store_box_notify(struct store_box *, enum store_ev, uint32_t,
		    const struct store_watch *);
static void	store_box_gone(struct store_box *);

/* Every new user has these special-use mailboxes (RFC 6154 2). */
static const struct {
	const char	*name;
	unsigned	 special;
} store_box_specials[] = {
	{ .name = "Sent",	.special = STORE_SU_SENT },
	{ .name = "Drafts",	.special = STORE_SU_DRAFTS },
	{ .name = "Trash",	.special = STORE_SU_TRASH },
	{ .name = "Junk",	.special = STORE_SU_JUNK },
	{ .name = "Archive",	.special = STORE_SU_ARCHIVE },
};

/* --- users --- */

bool
store_user_matches(const char *login, const char *addr)
{
	const char	*at;
	size_t		 n;

	if (login[0] == '\0')
		return false;
	if (strcasecmp(login, addr) == 0)
		return true;
	if (strchr(login, '@') != NULL)
		return false;
	/* The last '@': a quoted local part may hold one (RFC 5321 4.1.2). */
	at = strrchr(addr, '@');
	if (at == NULL)
		return false;
	n = (size_t)(at - addr);
	return strlen(login) == n && strncasecmp(login, addr, n) == 0;
}

/* The user, or NULL and in *pos_r where it would go. */
static struct store_user *
store_user_find(const struct store *st, const char *login, size_t *pos_r)
{
	size_t	lo = 0, hi = st->nusers, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcasecmp(login, st->users[mid]->login);
		if (c == 0) {
			*pos_r = mid;
			return st->users[mid];
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*pos_r = lo;
	return NULL;
}

static void
store_user_insert(struct store *st, struct store_user *u, size_t pos)
{
	size_t	cap;

	if (st->nusers == st->users_cap) {
		cap = st->users_cap == 0 ? 8 : st->users_cap * 2;
		st->users = xreallocarray(st->users, cap, sizeof(*st->users));
		st->users_cap = cap;
	}
	memmove(&st->users[pos + 1], &st->users[pos],
	    (st->nusers - pos) * sizeof(*st->users));
	st->users[pos] = u;
	st->nusers++;
}

/* NULL if the user's Maildir cannot be made. */
static struct store_user *
store_user_new(struct store *st, const char *login, size_t pos)
{
	struct store_user	*u;
	const char		*err;

	u = xcalloc(1, sizeof(*u));
	u->store = st;
	u->login = xstrdup(login);
	if (st->root != NULL && store_folder_user(u, &err) == -1) {
		log_warnx("store: cannot make user directory error=%s", err);
		free(u->login);
		free(u);
		return NULL;
	}
	store_user_insert(st, u, pos);
	u->inbox = store_box_new(u, "INBOX", 0);
	u->inbox->subscribed = true;
	store_user_specials(u);
	return u;
}

/* The special-use mailboxes of RFC 6154 that u lacks, subscribed. */
static void
store_user_specials(struct store_user *u)
{
	struct store_box	*b;
	size_t			 i;

	for (i = 0; i < nitems(store_box_specials); i++) {
		if (store_box_get(u, store_box_specials[i].name) != NULL)
			continue;
		b = store_box_new(u, store_box_specials[i].name,
		    store_box_specials[i].special);
		b->subscribed = true;
	}
	if (u->store->root != NULL)
		store_folder_subs(u);
}

struct store_user *
store_user_attach(struct store *st, const char *login, char *dir)
{
	struct store_user	*u;
	size_t			 pos;

	if (login[0] == '\0' || strlen(login) > SASL_USER_MAX ||
	    store_user_find(st, login, &pos) != NULL) {
		free(dir);
		return NULL;
	}
	u = xcalloc(1, sizeof(*u));
	u->store = st;
	u->login = xstrdup(login);
	u->dir = dir;
	store_user_insert(st, u, pos);
	return u;
}

void
store_user_complete(struct store_user *u, bool had_subs)
{
	if (u->inbox == NULL)
		fatalx("%s: user without INBOX", __func__);
	if (had_subs)
		return;
	u->inbox->subscribed = true;
	store_user_specials(u);
}

static void
store_user_free(struct store_user *u)
{
	size_t	i;

	for (i = 0; i < u->nboxes; i++)
		store_box_free(u->boxes[i]);
	free(u->boxes);
	free(u->login);
	free(u->dir);
	free(u);
}

static bool
store_user_wants(const struct store_user *u, const struct store_msg *m)
{
	size_t	i;

	for (i = 0; i < m->nrcpts; i++)
		if (store_user_matches(u->login, m->rcpts[i].addr))
			return true;
	return false;
}

/*
 * Put m in u's INBOX as a delivery does: \Recent, INTERNALDATE the time
 * it was received.  With a Maildir root the file a recipient delivery
 * wrote into the user's own directory is taken as is, else linked in; if
 * neither works the entry lives in memory only.
 */
static struct store_box_ent *
store_user_take(struct store_user *u, struct store_msg *m)
{
	struct store_box	*b = u->inbox;
	struct store_box_ent	*ent;
	const char		*err;
	char			*file = NULL;

	if (b->uidnext == UINT32_MAX)
		return NULL;
	if (b->dir != NULL && store_folder_put(b, m, STORE_F_RECENT, true,
	    &file, &err) == -1)
		log_warnx("store: message kept in memory only user=%s "
		    "id=%llu error=%s", u->login, (unsigned long long)m->id,
		    err);
	ent = store_box_add(b, m, 0, STORE_F_RECENT, 0, m->received_ms, file);
	if (ent != NULL && ent->file != NULL)
		store_folder_listed(b, ent);
	return ent;
}

/* A new user sees what was delivered before it existed, in that order. */
static void
store_user_backfill(struct store_user *u)
{
	struct store	*st = u->store;
	size_t		 i;

	for (i = 0; i < st->nmsgs; i++)
		if (store_user_wants(u, st->msgs[i]))
			(void)store_user_take(u, st->msgs[i]);
}

struct store_user *
store_user_get(struct store *st, const char *login, bool create)
{
	struct store_user	*u;
	size_t			 pos;

	if (login[0] == '\0' || strlen(login) > SASL_USER_MAX)
		return NULL;
	u = store_user_find(st, login, &pos);
	if (u != NULL || !create)
		return u;
	u = store_user_new(st, login, pos);
	if (u != NULL)
		store_user_backfill(u);
	return u;
}

const char *
store_user_name(const struct store_user *u)
{
	return u->login;
}

bool
store_user_lock(struct store_user *u)
{
	if (u->locked)
		return false;
	u->locked = true;
	return true;
}

void
store_user_unlock(struct store_user *u)
{
	u->locked = false;
}

void
store_users_deliver(struct store *st, struct store_msg *m)
{
	struct store_box	*inbox;
	struct store_box_ent	*ent;
	size_t			 i;

	for (i = 0; i < st->nusers; i++) {
		if (!store_user_wants(st->users[i], m))
			continue;
		inbox = st->users[i]->inbox;
		ent = store_user_take(st->users[i], m);
		if (ent != NULL)
			store_box_notify(inbox, STORE_EV_APPEND, ent->e.uid,
			    NULL);
	}
}

void
store_users_remove(struct store *st, const struct store_msg *m)
{
	struct store_user	*u;
	struct store_box	*b;
	size_t			 i, j, k;

	for (i = 0; i < st->nusers; i++) {
		u = st->users[i];
		for (j = 0; j < u->nboxes; j++) {
			b = u->boxes[j];
			/* Backwards: an expunge shifts the later entries. */
			for (k = b->nents; k > 0; k--)
				if (b->ents[k - 1].e.msg == m)
					(void)store_box_expunge(b,
					    b->ents[k - 1].e.uid, NULL);
		}
	}
}

void
store_users_clear(struct store *st)
{
	struct store_user	*u;
	struct store_box	*b;
	size_t			 i, j;

	for (i = 0; i < st->nusers; i++) {
		u = st->users[i];
		for (j = 0; j < u->nboxes; j++) {
			b = u->boxes[j];
			while (b->nents > 0)
				(void)store_box_expunge(b,
				    b->ents[b->nents - 1].e.uid, NULL);
		}
	}
}

void
store_users_free(struct store *st)
{
	size_t	i;

	for (i = 0; i < st->nusers; i++)
		store_user_free(st->users[i]);
	free(st->users);
	st->users = NULL;
	st->nusers = st->users_cap = 0;
}

/* --- mailboxes --- */

static bool
store_box_name_ok(const char *name)
{
	size_t	i, len;

	len = strlen(name);
	if (len == 0 || len > STORE_BOX_NAME_MAX)
		return false;
	if (name[0] == '/' || name[len - 1] == '/' ||
	    strstr(name, "//") != NULL)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

static bool
store_box_is_inbox(const char *name)
{
	return strcasecmp(name, "INBOX") == 0;
}

/* INBOX is case-insensitive (RFC 3501 5.1); every other name is not. */
static const char *
store_box_canon(const char *name)
{
	return store_box_is_inbox(name) ? "INBOX" : name;
}

static int
store_box_cmp(const void *a, const void *b)
{
	const struct store_box	*const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* Whether name is an inferior of parent ("a/b" of "a"). */
static bool
store_box_is_below(const char *name, const char *parent)
{
	size_t	n = strlen(parent);

	return strncmp(name, parent, n) == 0 && name[n] == '/';
}

static struct store_box *
store_box_find(const struct store_user *u, const char *name, size_t *pos_r)
{
	size_t	lo = 0, hi = u->nboxes, mid;
	int	c;

	name = store_box_canon(name);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(name, u->boxes[mid]->name);
		if (c == 0) {
			*pos_r = mid;
			return u->boxes[mid];
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*pos_r = lo;
	return NULL;
}

/*
 * Wall clock seconds, but never a value given before: two mailboxes made
 * in the same second, or a mailbox deleted and made again, must not share
 * a UIDVALIDITY (RFC 3501 2.3.1.1).
 */
static uint32_t
store_box_next_uidvalidity(struct store *st)
{
	int64_t		now;
	uint32_t	v;

	now = clock_wall_ms() / 1000;
	if (now < 1)
		now = 1;
	if (now > UINT32_MAX)
		now = UINT32_MAX;
	v = (uint32_t)now;
	if (v <= st->last_uidvalidity) {
		if (st->last_uidvalidity == UINT32_MAX)
			fatalx("%s: UIDVALIDITY exhausted", __func__);
		v = st->last_uidvalidity + 1;
	}
	st->last_uidvalidity = v;
	return v;
}

/* Special-use attributes go with the names a new user gets. */
static unsigned
store_box_special_of(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(store_box_specials); i++)
		if (strcmp(name, store_box_specials[i].name) == 0)
			return store_box_specials[i].special;
	return 0;
}

/* Put b in its sorted place in u; the name must be free. */
static void
store_box_insert(struct store_user *u, struct store_box *b)
{
	size_t	pos, cap;

	if (store_box_find(u, b->name, &pos) != NULL)
		fatalx("%s: mailbox exists", __func__);
	if (u->nboxes == u->boxes_cap) {
		cap = u->boxes_cap == 0 ? 8 : u->boxes_cap * 2;
		u->boxes = xreallocarray(u->boxes, cap, sizeof(*u->boxes));
		u->boxes_cap = cap;
	}
	memmove(&u->boxes[pos + 1], &u->boxes[pos],
	    (u->nboxes - pos) * sizeof(*u->boxes));
	u->boxes[pos] = b;
	u->nboxes++;
	if (strcmp(b->name, "INBOX") == 0)
		u->inbox = b;
}

static struct store_box *
store_box_alloc(struct store_user *u, const char *name, unsigned special)
{
	struct store_box	*b;

	b = xcalloc(1, sizeof(*b));
	b->user = u;
	b->name = xstrdup(store_box_canon(name));
	b->special = special;
	b->uidnext = 1;
	b->modseq = 1;
	return b;
}

/*
 * A new empty mailbox in its sorted place; the name must be free.  A
 * Maildir that cannot be made leaves the mailbox in memory only (the
 * caller that can refuse checks b->dir).
 */
static struct store_box *
store_box_new(struct store_user *u, const char *name, unsigned special)
{
	struct store_box	*b;
	const char		*err;

	b = store_box_alloc(u, name, special);
	b->uidvalidity = store_box_next_uidvalidity(u->store);
	store_box_insert(u, b);
	if (u->store->root != NULL && u->dir != NULL &&
	    store_folder_box_make(b, &err) == -1)
		log_warnx("store: mailbox kept in memory only user=%s "
		    "error=%s", u->login, err);
	return b;
}

struct store_box *
store_box_attach(struct store_user *u, const char *name, char *dir,
    uint32_t uidvalidity)
{
	struct store		*st = u->store;
	struct store_box	*b;
	size_t			 pos;

	if (!store_box_name_ok(name) || store_box_find(u, name, &pos) != NULL) {
		free(dir);
		return NULL;
	}
	b = store_box_alloc(u, name, store_box_special_of(name));
	b->dir = dir;
	if (uidvalidity == 0)
		uidvalidity = store_box_next_uidvalidity(st);
	else if (uidvalidity > st->last_uidvalidity)
		st->last_uidvalidity = uidvalidity;
	b->uidvalidity = uidvalidity;
	store_box_insert(u, b);
	return b;
}

/* Frees without notifying; watchers left are detached silently. */
static void
store_box_free(struct store_box *b)
{
	struct store_watch	*w, *next;
	size_t			 i;

	for (w = b->watch_head; w != NULL; w = next) {
		next = w->next;
		w->box = NULL;
		w->next = w->prev = NULL;
	}
	for (i = 0; i < b->nents; i++) {
		store_msg_unref(&b->ents[i].e.msg);
		free(b->ents[i].file);
	}
	free(b->ents);
	for (i = 0; i < b->nkeywords; i++)
		free(b->keywords[i]);
	free(b->name);
	free(b->dir);
	free(b);
}

/* Take b out of u's list; the caller frees it. */
static void
store_box_unlink(struct store_user *u, struct store_box *b)
{
	size_t	i;

	for (i = 0; i < u->nboxes; i++)
		if (u->boxes[i] == b)
			break;
	if (i == u->nboxes)
		fatalx("%s: mailbox not in its user", __func__);
	memmove(&u->boxes[i], &u->boxes[i + 1],
	    (u->nboxes - i - 1) * sizeof(*u->boxes));
	u->nboxes--;
}

size_t
store_box_count(const struct store_user *u)
{
	return u->nboxes;
}

struct store_box *
store_box_at(const struct store_user *u, size_t i)
{
	if (i >= u->nboxes)
		fatalx("%s: index %zu >= count %zu", __func__, i, u->nboxes);
	return u->boxes[i];
}

struct store_box *
store_box_get(struct store_user *u, const char *name)
{
	size_t	pos;

	return store_box_find(u, name, &pos);
}

int
store_box_create(struct store_user *u, const char *name,
    const char **error_r)
{
	struct store_box	*b;
	size_t			 pos;

	if (!store_box_name_ok(name)) {
		*error_r = "bad mailbox name";
		return -1;
	}
	if (store_box_find(u, name, &pos) != NULL) {
		*error_r = "mailbox exists";
		return -1;
	}
	b = store_box_alloc(u, name, 0);
	b->uidvalidity = store_box_next_uidvalidity(u->store);
	if (u->store->root != NULL && store_folder_box_make(b, error_r) == -1) {
		store_box_free(b);
		return -1;
	}
	store_box_insert(u, b);
	return 0;
}

int
store_box_delete(struct store_user *u, const char *name,
    const char **error_r)
{
	struct store_box	*b;
	size_t			 pos;

	if (!store_box_name_ok(name)) {
		*error_r = "bad mailbox name";
		return -1;
	}
	if (store_box_is_inbox(name)) {
		*error_r = "cannot delete INBOX";
		return -1;
	}
	b = store_box_find(u, name, &pos);
	if (b == NULL) {
		*error_r = "no such mailbox";
		return -1;
	}
	/*
	 * XXX inferiors stay (RFC 3501 6.3.4 allows that); a client that
	 * wants them gone deletes them first.
	 */
	if (b->dir != NULL)
		store_folder_box_remove(b);
	store_box_unlink(u, b);
	if (u->store->root != NULL)
		store_folder_subs(u);
	store_box_gone(b);
	store_box_free(b);
	return 0;
}

/*
 * Move every entry of from to the end of to, with new UIDs there; with a
 * Maildir the files are renamed across, not copied.
 */
static int
store_box_move_all(struct store_box *from, struct store_box *to)
{
	struct store_box_ent	*src, *ent;
	const char		*err;
	uint64_t		 kw;
	uint32_t		 uid;
	size_t			 i;
	char			*file;
	int			 id;

	while (from->nents > 0) {
		src = &from->ents[0];
		if (to->uidnext == UINT32_MAX)
			return -1;
		/* Keywords are per mailbox: map them by name. */
		kw = 0;
		for (i = 0; i < from->nkeywords; i++) {
			if ((src->e.keywords & (1ULL << i)) == 0)
				continue;
			id = store_box_keyword_id(to, from->keywords[i], true);
			if (id >= 0)
				kw |= 1ULL << id;
		}
		file = NULL;
		if (src->file != NULL && to->dir != NULL &&
		    store_folder_move(from, to, src, &file) == -1) {
			file = NULL;
			if (store_folder_put(to, src->e.msg, src->e.flags,
			    false, &file, &err) == -1)
				log_warnx("store: message kept in memory only "
				    "mailbox=%s error=%s", to->name, err);
			store_folder_unlink(from, src);
		}
		ent = store_box_add(to, src->e.msg, 0, src->e.flags, kw,
		    src->e.internal_ms, file);
		if (ent->file != NULL)
			store_folder_listed(to, ent);
		uid = src->e.uid;
		store_box_remove_at(from, 0);
		from->modseq++;
		store_box_notify(to, STORE_EV_APPEND, ent->e.uid, NULL);
		store_box_notify(from, STORE_EV_EXPUNGE, uid, NULL);
	}
	if (from->dir != NULL)
		store_folder_compact(from, true);
	return 0;
}

/*
 * RFC 3501 6.3.5: renaming INBOX moves its messages to a new mailbox and
 * leaves INBOX empty; INBOX's inferiors are not renamed.  INBOX watchers
 * stay and see expunges, because INBOX still exists.
 */
static int
store_box_rename_inbox(struct store_user *u, const char *to,
    const char **error_r)
{
	struct store_box	*dst;

	if (store_box_create(u, to, error_r) == -1)
		return -1;
	dst = store_box_get(u, to);
	if (store_box_move_all(u->inbox, dst) == -1) {
		*error_r = "mailbox full";
		return -1;
	}
	return 0;
}

/*
 * Rename the Maildir++ folders of set (flat on disk, so inferiors move
 * one by one); on failure the ones already moved go back.
 */
static int
store_box_rename_dirs(struct store_box **set, size_t n, const char *to,
    size_t suffix, const char **error_r)
{
	const char	*err;
	char		*name;
	size_t		 i;
	int		 r = 0;

	for (i = 0; i < n && r == 0; i++) {
		if (set[i]->dir == NULL)
			continue;
		name = xasprintf("%s%s", to, set[i]->name + suffix);
		r = store_folder_box_rename(set[i], name, error_r);
		free(name);
	}
	if (r == 0)
		return 0;
	/* set[i - 1] failed and did not move. */
	for (i = i - 1; i > 0; i--)
		if (set[i - 1]->dir != NULL &&
		    store_folder_box_rename(set[i - 1], set[i - 1]->name,
		    &err) == -1)
			log_warnx("store: cannot move folder back error=%s",
			    err);
	return -1;
}

int
store_box_rename(struct store_user *u, const char *from, const char *to,
    const char **error_r)
{
	struct store_box	**set, *b, *other;
	char			*name;
	size_t			 i, n, pos, suffix;

	if (!store_box_name_ok(from) || !store_box_name_ok(to)) {
		*error_r = "bad mailbox name";
		return -1;
	}
	b = store_box_find(u, from, &pos);
	if (b == NULL) {
		*error_r = "no such mailbox";
		return -1;
	}
	if (store_box_find(u, to, &pos) != NULL) {
		*error_r = "mailbox exists";
		return -1;
	}
	if (b == u->inbox)
		return store_box_rename_inbox(u, to, error_r);

	/* b and its inferiors; their new names must all be free. */
	set = xcalloc(u->nboxes, sizeof(*set));
	n = 0;
	for (i = 0; i < u->nboxes; i++)
		if (u->boxes[i] == b ||
		    store_box_is_below(u->boxes[i]->name, b->name))
			set[n++] = u->boxes[i];
	suffix = strlen(b->name);
	for (i = 0; i < n; i++) {
		name = xasprintf("%s%s", to, set[i]->name + suffix);
		other = store_box_find(u, name, &pos);
		if (strlen(name) > STORE_BOX_NAME_MAX ||
		    store_box_is_inbox(name)) {
			*error_r = "bad mailbox name";
			free(name);
			free(set);
			return -1;
		}
		free(name);
		if (other != NULL && !store_box_is_below(other->name,
		    b->name) && other != b) {
			*error_r = "mailbox exists";
			free(set);
			return -1;
		}
	}
	if (store_box_rename_dirs(set, n, to, suffix, error_r) == -1) {
		free(set);
		return -1;
	}
	for (i = 0; i < n; i++) {
		name = xasprintf("%s%s", to, set[i]->name + suffix);
		free(set[i]->name);
		set[i]->name = name;
	}
	if (u->nboxes > 1)
		qsort(u->boxes, u->nboxes, sizeof(*u->boxes), store_box_cmp);
	if (u->store->root != NULL)
		store_folder_subs(u);
	for (i = 0; i < n; i++)
		store_box_gone(set[i]);
	free(set);
	return 0;
}

const char *
store_box_name(const struct store_box *b)
{
	return b->name;
}

struct store_user *
store_box_user(const struct store_box *b)
{
	return b->user;
}

unsigned
store_box_special(const struct store_box *b)
{
	return b->special;
}

bool
store_box_subscribed(const struct store_box *b)
{
	return b->subscribed;
}

void
store_box_set_subscribed(struct store_box *b, bool on)
{
	if (b->subscribed == on)
		return;
	b->subscribed = on;
	if (b->user->store->root != NULL)
		store_folder_subs(b->user);
}

uint32_t
store_box_uidvalidity(const struct store_box *b)
{
	return b->uidvalidity;
}

uint32_t
store_box_uidnext(const struct store_box *b)
{
	return b->uidnext;
}

uint64_t
store_box_highestmodseq(const struct store_box *b)
{
	return b->modseq;
}

/* --- entries --- */

size_t
store_box_size(const struct store_box *b)
{
	return b->nents;
}

const struct store_entry *
store_box_entry(const struct store_box *b, size_t i)
{
	if (i >= b->nents)
		fatalx("%s: index %zu >= size %zu", __func__, i, b->nents);
	return &b->ents[i].e;
}

long
store_box_find_uid(const struct store_box *b, uint32_t uid)
{
	size_t	lo = 0, hi = b->nents, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (b->ents[mid].e.uid == uid)
			return (long)mid;
		if (b->ents[mid].e.uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int
store_box_keyword_id(struct store_box *b, const char *kw, bool create)
{
	size_t	i;

	/* Flag names compare case-insensitively, as IMAP servers do. */
	for (i = 0; i < b->nkeywords; i++)
		if (strcasecmp(b->keywords[i], kw) == 0)
			return (int)i;
	if (!create || kw[0] == '\0' || b->nkeywords == STORE_KEYWORDS_MAX)
		return -1;
	b->keywords[b->nkeywords] = xstrdup(kw);
	return (int)b->nkeywords++;
}

size_t
store_box_nkeywords(const struct store_box *b)
{
	return b->nkeywords;
}

const char *
store_box_keyword(const struct store_box *b, size_t i)
{
	if (i >= b->nkeywords)
		fatalx("%s: index %zu >= count %zu", __func__, i,
		    b->nkeywords);
	return b->keywords[i];
}

/* The bits of keywords this mailbox has defined. */
static uint64_t
store_box_kwmask(const struct store_box *b)
{
	if (b->nkeywords >= 64)
		return UINT64_MAX;
	return (1ULL << b->nkeywords) - 1;
}

/*
 * NULL when the UIDs are used up: a mailbox would need a new UIDVALIDITY
 * to go on (RFC 3501 2.3.1.1).
 */
struct store_box_ent *
store_box_add(struct store_box *b, struct store_msg *m, uint32_t uid,
    unsigned flags, uint64_t keywords, int64_t internal_ms, char *file)
{
	struct store_box_ent	*ent;
	size_t			 cap;

	if (uid == 0)
		uid = b->uidnext;
	if (uid < b->uidnext)
		fatalx("%s: uid %u below uidnext %u", __func__, uid,
		    b->uidnext);
	if (uid == UINT32_MAX) {
		free(file);
		return NULL;
	}
	if (b->nents == b->ents_cap) {
		cap = b->ents_cap == 0 ? 16 : b->ents_cap * 2;
		b->ents = xreallocarray(b->ents, cap, sizeof(*b->ents));
		b->ents_cap = cap;
	}
	ent = &b->ents[b->nents++];
	memset(ent, 0, sizeof(*ent));
	store_msg_ref(m);
	ent->e.msg = m;
	ent->e.uid = uid;
	ent->e.flags = flags & STORE_F_ALL;
	ent->e.keywords = keywords & store_box_kwmask(b);
	ent->e.internal_ms = internal_ms;
	ent->e.modseq = ++b->modseq;
	ent->file = file;
	b->uidnext = uid + 1;
	return ent;
}

static void
store_box_remove_at(struct store_box *b, size_t i)
{
	store_msg_unref(&b->ents[i].e.msg);
	free(b->ents[i].file);
	memmove(&b->ents[i], &b->ents[i + 1],
	    (b->nents - i - 1) * sizeof(*b->ents));
	b->nents--;
}

uint32_t
store_box_append(struct store_box *b, struct store_msg *m, unsigned flags,
    uint64_t keywords, int64_t internal_ms, const struct store_watch *from,
    const char **error_r)
{
	struct store_box_ent	*ent;
	char			*file = NULL;

	if (b->uidnext == UINT32_MAX) {
		*error_r = "mailbox full";
		return 0;
	}
	if (b->dir != NULL && store_folder_put(b, m, flags, false, &file,
	    error_r) == -1)
		return 0;
	ent = store_box_add(b, m, 0, flags, keywords, internal_ms, file);
	if (ent->file != NULL)
		store_folder_listed(b, ent);
	store_box_notify(b, STORE_EV_APPEND, ent->e.uid, from);
	return ent->e.uid;
}

int
store_box_set_flags(struct store_box *b, uint32_t uid, unsigned flags,
    uint64_t keywords, const struct store_watch *from)
{
	struct store_box_ent	*ent;
	long			 i;

	i = store_box_find_uid(b, uid);
	if (i == -1)
		return -1;
	ent = &b->ents[i];
	flags &= STORE_F_ALL;
	keywords &= store_box_kwmask(b);
	if (ent->e.flags == flags && ent->e.keywords == keywords)
		return 0;
	ent->e.flags = flags;
	ent->e.keywords = keywords;
	ent->e.modseq = ++b->modseq;
	if (ent->file != NULL)
		store_folder_flags(b, ent);
	store_box_notify(b, STORE_EV_FLAGS, uid, from);
	return 0;
}

int
store_box_expunge(struct store_box *b, uint32_t uid,
    const struct store_watch *from)
{
	long	i;

	i = store_box_find_uid(b, uid);
	if (i == -1)
		return -1;
	if (b->ents[i].file != NULL)
		store_folder_unlink(b, &b->ents[i]);
	store_box_remove_at(b, (size_t)i);
	if (b->dir != NULL)
		store_folder_compact(b, false);
	/* An expunge is a change too (RFC 7162 3.1.1). */
	b->modseq++;
	store_box_notify(b, STORE_EV_EXPUNGE, uid, from);
	return 0;
}

/* --- watchers --- */

void
store_box_watch(struct store_box *b, struct store_watch *w)
{
	if (w->box != NULL)
		fatalx("%s: watch already attached", __func__);
	w->box = b;
	w->prev = NULL;
	w->next = b->watch_head;
	if (b->watch_head != NULL)
		b->watch_head->prev = w;
	b->watch_head = w;
}

void
store_box_unwatch(struct store_watch *w)
{
	if (w->box == NULL)
		return;
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		w->box->watch_head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->box = NULL;
	w->next = w->prev = NULL;
}

/*
 * next is taken before each callback, so a callback may unwatch its own
 * watch; it must not touch any other watch or change the mailbox.
 */
static void
store_box_notify(struct store_box *b, enum store_ev ev, uint32_t uid,
    const struct store_watch *from)
{
	struct store_watch	*w, *next;

	for (w = b->watch_head; w != NULL; w = next) {
		next = w->next;
		if (w != from)
			w->cb(w, ev, uid);
	}
}

/* Detach every watch, then tell it; the mailbox is going away. */
static void
store_box_gone(struct store_box *b)
{
	struct store_watch	*w;

	while (b->watch_head != NULL) {
		w = b->watch_head;
		store_box_unwatch(w);
		w->cb(w, STORE_EV_GONE, 0);
	}
}
