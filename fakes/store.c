/*
 * store.c: the mailstore's messages, in memory.
 *
 * Owns the refcounted message blobs and the one array that holds every
 * delivered message in delivery order, which is also id order, so a
 * lookup by id is a binary search.  The blob is immutable once delivered:
 * the exact bytes after dot-unstuffing (RFC 5321 4.5.2) plus the envelope.
 * Writing to disk is store_maildir.c's job; this file decides when.
 *
 * Not here: users, mailboxes, flags and UIDs for POP3/IMAP
 * (store_box.c).  Mailbox entries hold their own references into this
 * array, never fields of the blob; removing a message here expunges it
 * there.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fakes/base/clock.h"
#include "fakes/base/log.h"
#include "fakes/base/xalloc.h"
#include "fakes/store.h"
#include "fakes/store_int.h"

static void	store_msg_free(struct store_msg *);
static void	store_append(struct store *, struct store_msg *);
static long	store_index(const struct store *, uint64_t);
static void	store_forget(struct store *);

/* --- messages --- */

struct store_msg *
store_msg_new(void)
{
	struct store_msg	*m;

	m = xcalloc(1, sizeof(*m));
	m->refs = 1;
	m->mail_from = xstrdup("");
	m->mail_params = xstrdup("");
	return m;
}

static void
store_msg_free(struct store_msg *m)
{
	size_t	i;

	for (i = 0; i < m->nrcpts; i++) {
		free(m->rcpts[i].addr);
		free(m->rcpts[i].params);
	}
	free(m->rcpts);
	free(m->data);
	free(m->mail_from);
	free(m->mail_params);
	free(m->helo);
	free(m->auth_user);
	free(m->tls);
	free(m->via);
	free(m->port_name);
	free(m->path);
	free(m);
}

void
store_msg_ref(struct store_msg *m)
{
	if (m->refs == 0 || m->refs == UINT_MAX)
		fatalx("%s: bad refcount %u", __func__, m->refs);
	m->refs++;
}

void
store_msg_unref(struct store_msg **mp)
{
	struct store_msg	*m = *mp;

	if (m == NULL)
		return;
	*mp = NULL;
	if (m->refs == 0)
		fatalx("%s: message already freed", __func__);
	if (--m->refs == 0)
		store_msg_free(m);
}

void
store_msg_add_rcpt(struct store_msg *m, const char *addr, const char *params)
{
	size_t	cap;

	if (m->nrcpts == m->rcpts_cap) {
		cap = m->rcpts_cap == 0 ? 4 : m->rcpts_cap * 2;
		m->rcpts = xreallocarray(m->rcpts, cap, sizeof(*m->rcpts));
		m->rcpts_cap = cap;
	}
	m->rcpts[m->nrcpts].addr = xstrdup(addr);
	m->rcpts[m->nrcpts].params = xstrdup(params != NULL ? params : "");
	m->nrcpts++;
}

void
store_msg_set_from(struct store_msg *m, const char *addr, const char *params)
{
	store_msg_set_str(&m->mail_from, addr != NULL ? addr : "");
	store_msg_set_str(&m->mail_params, params != NULL ? params : "");
}

void
store_msg_set_str(char **field, const char *value)
{
	char	*old = *field;

	/* Copy first: value may point into the old string. */
	*field = value != NULL ? xstrdup(value) : NULL;
	free(old);
}

void
store_msg_take_data(struct store_msg *m, char *data, size_t len)
{
	if (m->data != data)
		free(m->data);
	m->data = data;
	m->len = len;
}

/* --- the store --- */

struct store *
store_new(const char *maildir, const char **error_r)
{
	struct store	*st;

	if (maildir != NULL && store_maildir_mkroot(maildir, error_r) == -1)
		return NULL;
	st = xcalloc(1, sizeof(*st));
	st->root = maildir != NULL ? xstrdup(maildir) : NULL;
	st->next_id = 1;
	if (st->root != NULL && store_folder_load(st, error_r) == -1) {
		store_free(st);
		return NULL;
	}
	return st;
}

void
store_free(struct store *st)
{
	if (st == NULL)
		return;
	store_users_free(st);
	store_forget(st);
	free(st->root);
	free(st);
}

static void
store_append(struct store *st, struct store_msg *m)
{
	size_t	cap;

	if (st->nmsgs == st->cap) {
		cap = st->cap == 0 ? 16 : st->cap * 2;
		st->msgs = xreallocarray(st->msgs, cap, sizeof(*st->msgs));
		st->cap = cap;
	}
	st->msgs[st->nmsgs++] = m;
}

int
store_deliver(struct store *st, struct store_msg *m, const char **error_r)
{
	if (m->refs == 0 || m->id != 0)
		fatalx("%s: message freed or already delivered", __func__);
	/* On disk before the caller may answer 250 (RFC 5321 6.1). */
	if (st->root != NULL &&
	    store_maildir_deliver(st->root, m, error_r) == -1)
		return -1;
	m->id = st->next_id++;
	m->received_ms = clock_wall_ms();
	store_msg_ref(m);
	store_append(st, m);
	store_users_deliver(st, m);
	if (st->observer != NULL)
		st->observer(st->observer_arg, m);
	return 0;
}

size_t
store_count(const struct store *st)
{
	return st->nmsgs;
}

const struct store_msg *
store_get(const struct store *st, size_t index)
{
	if (index >= st->nmsgs)
		fatalx("%s: index %zu >= count %zu", __func__, index,
		    st->nmsgs);
	return st->msgs[index];
}

/* The index of id in msgs, or -1; ids ascend, so a binary search. */
static long
store_index(const struct store *st, uint64_t id)
{
	size_t	lo = 0, hi = st->nmsgs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (st->msgs[mid]->id == id)
			return (long)mid;
		if (st->msgs[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const struct store_msg *
store_find(const struct store *st, uint64_t id)
{
	long	i;

	i = store_index(st, id);
	return i == -1 ? NULL : st->msgs[i];
}

int
store_remove(struct store *st, uint64_t id)
{
	struct store_msg	*m;
	long			 i;

	i = store_index(st, id);
	if (i == -1)
		return -1;
	m = st->msgs[i];
	/* A memmove keeps the array sorted, so store_find stays O(log n). */
	memmove(&st->msgs[i], &st->msgs[i + 1],
	    (st->nmsgs - (size_t)i - 1) * sizeof(*st->msgs));
	st->nmsgs--;
	store_users_remove(st, m);
	store_msg_unref(&m);
	return 0;
}

/* Drop the store's references; mailboxes are not touched. */
static void
store_forget(struct store *st)
{
	size_t	i;

	for (i = 0; i < st->nmsgs; i++)
		store_msg_unref(&st->msgs[i]);
	free(st->msgs);
	st->msgs = NULL;
	st->nmsgs = st->cap = 0;
}

void
store_clear(struct store *st)
{
	store_users_clear(st);
	store_forget(st);
}

void
store_set_observer(struct store *st,
    void (*cb)(void *, const struct store_msg *), void *arg)
{
	st->observer = cb;
	st->observer_arg = cb != NULL ? arg : NULL;
}
