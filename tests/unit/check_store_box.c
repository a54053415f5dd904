/*
 * check_store_box.c: users and mailboxes of the mailstore.
 *
 * Users made on demand and filled from what was delivered before, delivery
 * to existing users, watchers (append, flags, expunge, gone, the acting
 * session not told, unwatch inside a callback), mailbox create, delete and
 * rename rules with INBOX and inferiors, UIDs, UIDVALIDITY, MODSEQ,
 * keywords, the maildrop lock, store_remove and store_clear; then the
 * Maildir side: what one store wrote, a new store on the same root reads
 * back, and a Maildir made by hand gets UIDs.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "fakes/base/clock.h"
#include "fakes/base/defs.h"
#include "fakes/base/limits.h"
#include "fakes/base/xalloc.h"
#include "fakes/store.h"

Suite	*store_box_suite(void);

/* Fixed wall clock: received_ms and UIDVALIDITY seconds are known. */
#define CHECK_BOX_NOW_MS	1700000000123LL

struct check_box_seen {
	struct store_watch	w;
	int			n[STORE_EV__COUNT];
	uint32_t		last_uid;
	bool			unwatch_self;	/* on the next event */
};

static void	check_box_cb(struct store_watch *, enum store_ev, uint32_t);
static void	check_box_watch(struct store_box *, struct check_box_seen *);
static struct store_msg *check_box_msg(const char *, const char *,
		    const char *);
static uint64_t	check_box_deliver(struct store *, const char *,
		    const char *, const char *);
static struct store *check_box_store(void);
static int	check_box_rm_cb(const char *, const struct stat *, int,
		    struct FTW *);
static void	check_box_rmrf(const char *);
static char	*check_box_tmpdir(void);
static int	check_box_count_files(const char *);
static char	*check_box_only_file(const char *);
static void	check_box_write(const char *, const char *);
static void	check_box_mtime(const char *, time_t);

/* --- helpers --- */

static void
check_box_cb(struct store_watch *w, enum store_ev ev, uint32_t uid)
{
	struct check_box_seen	*s = w->arg;

	ck_assert_int_lt(ev, STORE_EV__COUNT);
	s->n[ev]++;
	s->last_uid = uid;
	if (s->unwatch_self)
		store_box_unwatch(w);
}

static void
check_box_watch(struct store_box *b, struct check_box_seen *s)
{
	memset(s, 0, sizeof(*s));
	s->w.cb = check_box_cb;
	s->w.arg = s;
	store_box_watch(b, &s->w);
}

/* A message for up to two recipients (rcpt2 may be NULL). */
static struct store_msg *
check_box_msg(const char *body, const char *rcpt1, const char *rcpt2)
{
	struct store_msg	*m;

	m = store_msg_new();
	store_msg_take_data(m, xstrdup(body), strlen(body));
	if (rcpt1 != NULL)
		store_msg_add_rcpt(m, rcpt1, NULL);
	if (rcpt2 != NULL)
		store_msg_add_rcpt(m, rcpt2, NULL);
	return m;
}

/* Deliver and drop the caller's reference; returns the id. */
static uint64_t
check_box_deliver(struct store *st, const char *body, const char *rcpt1,
    const char *rcpt2)
{
	struct store_msg	*m;
	const char		*err = NULL;
	uint64_t		 id;

	m = check_box_msg(body, rcpt1, rcpt2);
	ck_assert_int_eq(store_deliver(st, m, &err), 0);
	id = m->id;
	store_msg_unref(&m);
	return id;
}

static struct store *
check_box_store(void)
{
	struct store	*st;
	const char	*err = NULL;

	clock_set_fake(1000, CHECK_BOX_NOW_MS);
	st = store_new(NULL, &err);
	ck_assert_ptr_nonnull(st);
	return st;
}

static int
check_box_rm_cb(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	return remove(path);
}

static void
check_box_rmrf(const char *path)
{
	ck_assert_int_eq(nftw(path, check_box_rm_cb, 16,
	    FTW_DEPTH | FTW_PHYS), 0);
}

static char *
check_box_tmpdir(void)
{
	char	*p;

	p = xstrdup("/tmp/mailrig-box-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(p));
	return p;
}

/* Entries of a directory other than "." and ".."; -1 if unreadable. */
static int
check_box_count_files(const char *path)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	(void)closedir(d);
	return n;
}

static void
check_box_write(const char *path, const char *text)
{
	FILE	*f;

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* The name of the one entry of a directory (heap). */
static char *
check_box_only_file(const char *path)
{
	DIR		*d;
	struct dirent	*e;
	char		*name = NULL;

	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		ck_assert_msg(name == NULL, "%s: more than one file", path);
		name = xstrdup(e->d_name);
	}
	(void)closedir(d);
	ck_assert_msg(name != NULL, "%s: no file", path);
	return name;
}

static void
check_box_mtime(const char *path, time_t sec)
{
	struct timespec	ts[2];

	ts[0].tv_sec = ts[1].tv_sec = sec;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* --- users --- */

static const struct {
	const char	*login;
	const char	*addr;
	bool		 want;
} match_cases[] = {
	{ "alice", "alice@a.test", true },
	{ "alice", "ALICE@B.test", true },
	{ "Alice", "alice", true },
	{ "alice", "alicex@a.test", false },
	{ "alice", "xalice@a.test", false },
	{ "alice", "bob@alice", false },
	{ "alice@a.test", "alice@a.test", true },
	{ "alice@a.test", "Alice@A.TEST", true },
	{ "alice@a.test", "alice@b.test", false },
	{ "alice@a.test", "alice", false },
	{ "a@b", "\"a@b\"@c.test", false },
	{ "\"a@b\"", "\"a@b\"@c.test", false },
	{ "", "@a.test", false },
	{ "", "", false },
};

START_TEST(test_user_matches)
{
	bool	got;

	got = store_user_matches(match_cases[_i].login, match_cases[_i].addr);
	ck_assert_msg(got == match_cases[_i].want,
	    "case %d (%s, %s): got %d, want %d", _i, match_cases[_i].login,
	    match_cases[_i].addr, got, match_cases[_i].want);
}
END_TEST

START_TEST(test_user_backfill)
{
	static const char	*names[] = { "Archive", "Drafts", "INBOX",
				    "Junk", "Sent", "Trash" };
	static const unsigned	 su[] = { STORE_SU_ARCHIVE, STORE_SU_DRAFTS,
				    0, STORE_SU_JUNK, STORE_SU_SENT,
				    STORE_SU_TRASH };
	struct store		*st;
	struct store_user	*u, *full;
	struct store_box	*in;
	const struct store_entry *e;
	char			 longname[SASL_USER_MAX + 2];
	size_t			 i;

	st = check_box_store();
	check_box_deliver(st, "1", "alice@a.test", NULL);
	check_box_deliver(st, "2", "bob@b.test", NULL);
	clock_set_fake(2000, CHECK_BOX_NOW_MS + 5000);
	check_box_deliver(st, "3", "ALICE@b.test", "alice@a.test");
	check_box_deliver(st, "4", "bob@b.test", "Alice@A.test");

	ck_assert_ptr_null(store_user_get(st, "alice", false));
	u = store_user_get(st, "Alice", true);
	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(store_user_name(u), "Alice");
	ck_assert_ptr_eq(store_user_get(st, "ALICE", false), u);
	ck_assert_ptr_eq(store_user_get(st, "alice", true), u);

	ck_assert_uint_eq(store_box_count(u), nitems(names));
	for (i = 0; i < nitems(names); i++) {
		ck_assert_str_eq(store_box_name(store_box_at(u, i)), names[i]);
		ck_assert_uint_eq(store_box_special(store_box_at(u, i)),
		    su[i]);
		ck_assert(store_box_subscribed(store_box_at(u, i)));
		ck_assert_ptr_eq(store_box_user(store_box_at(u, i)), u);
	}

	/* 1, 3 and 4 name alice; 3 names her twice but is there once. */
	in = store_box_get(u, "inbox");
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_eq(store_box_get(u, "INBOX"), in);
	ck_assert_uint_eq(store_box_size(in), 3);
	for (i = 0; i < 3; i++) {
		e = store_box_entry(in, i);
		ck_assert_uint_eq(e->uid, i + 1);
		ck_assert_uint_eq(e->flags, STORE_F_RECENT);
		ck_assert_int_eq(e->internal_ms, e->msg->received_ms);
	}
	ck_assert_mem_eq(store_box_entry(in, 0)->msg->data, "1", 1);
	ck_assert_mem_eq(store_box_entry(in, 1)->msg->data, "3", 1);
	ck_assert_mem_eq(store_box_entry(in, 2)->msg->data, "4", 1);
	ck_assert_int_eq(store_box_entry(in, 0)->internal_ms,
	    CHECK_BOX_NOW_MS);
	ck_assert_int_eq(store_box_entry(in, 1)->internal_ms,
	    CHECK_BOX_NOW_MS + 5000);
	ck_assert_uint_eq(store_box_uidnext(in), 4);

	/* A full address gets only what was sent to that address. */
	full = store_user_get(st, "alice@A.test", true);
	ck_assert_ptr_nonnull(full);
	ck_assert_ptr_ne(full, u);
	in = store_box_get(full, "INBOX");
	ck_assert_uint_eq(store_box_size(in), 3);
	full = store_user_get(st, "alice@b.test", true);
	in = store_box_get(full, "INBOX");
	ck_assert_uint_eq(store_box_size(in), 1);
	ck_assert_mem_eq(store_box_entry(in, 0)->msg->data, "3", 1);
	/* A user nobody wrote to starts empty. */
	in = store_box_get(store_user_get(st, "carol", true), "INBOX");
	ck_assert_uint_eq(store_box_size(in), 0);

	ck_assert_ptr_null(store_user_get(st, "", true));
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_ptr_null(store_user_get(st, longname, true));
	longname[sizeof(longname) - 2] = '\0';
	ck_assert_ptr_nonnull(store_user_get(st, longname, true));

	store_free(st);
	clock_set_fake(0, 0);
}
END_TEST

START_TEST(test_user_deliver)
{
	struct store		*st;
	struct store_user	*alice, *bob;
	struct store_box	*in;
	struct check_box_seen	 seen;
	const struct store_entry *e;
	struct store_msg	*m;
	const char		*err = NULL;

	st = check_box_store();
	alice = store_user_get(st, "alice", true);
	bob = store_user_get(st, "bob@b.test", true);
	in = store_box_get(alice, "INBOX");
	check_box_watch(in, &seen);

	clock_set_fake(3000, CHECK_BOX_NOW_MS + 7000);
	m = check_box_msg("hello", "alice@a.test", "Alice@b.test");
	ck_assert_int_eq(store_deliver(st, m, &err), 0);
	ck_assert_uint_eq(store_box_size(in), 1);
	e = store_box_entry(in, 0);
	ck_assert_ptr_eq(e->msg, m);
	ck_assert_uint_eq(e->uid, 1);
	ck_assert_uint_eq(e->flags, STORE_F_RECENT);
	ck_assert_int_eq(e->internal_ms, CHECK_BOX_NOW_MS + 7000);
	/* The store and alice's INBOX hold a reference each. */
	ck_assert_uint_eq(m->refs, 3);
	ck_assert_int_eq(seen.n[STORE_EV_APPEND], 1);
	ck_assert_uint_eq(seen.last_uid, 1);
	ck_assert_uint_eq(store_box_size(store_box_get(bob, "INBOX")), 0);
	store_msg_unref(&m);

	check_box_deliver(st, "x", "BOB@b.test", NULL);
	ck_assert_uint_eq(store_box_size(store_box_get(bob, "INBOX")), 1);
	ck_assert_uint_eq(store_box_size(in), 1);
	ck_assert_int_eq(seen.n[STORE_EV_APPEND], 1);

	store_box_unwatch(&seen.w);
	store_free(st);
	clock_set_fake(0, 0);
}
END_TEST

START_TEST(test_user_lock)
{
	struct store		*st;
	struct store_user	*u, *v;

	st = check_box_store();
	u = store_user_get(st, "alice", true);
	v = store_user_get(st, "bob", true);
	ck_assert(store_user_lock(u));
	ck_assert(!store_user_lock(u));
	ck_assert(store_user_lock(v));
	store_user_unlock(u);
	ck_assert(store_user_lock(u));
	store_free(st);
}
END_TEST

/* --- mailboxes --- */

static const struct {
	const char	*name;
	int		 want;
	const char	*want_err;
} create_cases[] = {
	{ "a", 0, NULL },
	{ "a/b/c", 0, NULL },
	{ "&ZeVnLIqe-", 0, NULL },
	{ "dots.and spaces", 0, NULL },
	{ "INBOX", -1, "mailbox exists" },
	{ "inbox", -1, "mailbox exists" },
	{ "Sent", -1, "mailbox exists" },
	{ "", -1, "bad mailbox name" },
	{ "/a", -1, "bad mailbox name" },
	{ "a/", -1, "bad mailbox name" },
	{ "/", -1, "bad mailbox name" },
	{ "a//b", -1, "bad mailbox name" },
	{ "a\001b", -1, "bad mailbox name" },
	{ "a\tb", -1, "bad mailbox name" },
	{ "a\177", -1, "bad mailbox name" },
	{ "a\r\nb", -1, "bad mailbox name" },
};

START_TEST(test_box_create)
{
	struct store		*st;
	struct store_user	*u;
	const char		*err = NULL;
	size_t			 n;
	int			 r;

	st = check_box_store();
	u = store_user_get(st, "alice", true);
	n = store_box_count(u);
	r = store_box_create(u, create_cases[_i].name, &err);
	ck_assert_msg(r == create_cases[_i].want,
	    "case %d (%s): got %d, want %d", _i, create_cases[_i].name, r,
	    create_cases[_i].want);
	if (r == 0) {
		ck_assert_uint_eq(store_box_count(u), n + 1);
		ck_assert_ptr_nonnull(store_box_get(u, create_cases[_i].name));
		ck_assert(!store_box_subscribed(store_box_get(u,
		    create_cases[_i].name)));
		/* No implicit parents. */
		if (strcmp(create_cases[_i].name, "a/b/c") == 0)
			ck_assert_ptr_null(store_box_get(u, "a"));
		ck_assert_int_eq(store_box_create(u, create_cases[_i].name,
		    &err), -1);
		ck_assert_str_eq(err, "mailbox exists");
	} else {
		ck_assert_uint_eq(store_box_count(u), n);
		ck_assert_str_eq(err, create_cases[_i].want_err);
	}
	store_free(st);
}
END_TEST

START_TEST(test_box_name_limit)
{
	struct store		*st;
	struct store_user	*u;
	const char		*err = NULL;
	char			 name[STORE_BOX_NAME_MAX + 2];

	st = check_box_store();
	u = store_user_get(st, "alice", true);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(store_box_create(u, name, &err), -1);
	ck_assert_str_eq(err, "bad mailbox name");
	name[sizeof(name) - 2] = '\0';
	ck_assert_int_eq(store_box_create(u, name, &err), 0);
	ck_assert_ptr_nonnull(store_box_get(u, name));
	store_free(st);
}
END_TEST

START_TEST(test_box_sorted)
{
	struct store		*st;
	struct store_user	*u;
	const char		*err = NULL;
	size_t			 i;

	st = check_box_store();
	u = store_user_get(st, "alice", true);
	ck_assert_int_eq(store_box_create(u, "zz", &err), 0);
	ck_assert_int_eq(store_box_create(u, "Aa", &err), 0);
	ck_assert_int_eq(store_box_create(u, "m/n", &err), 0);
	ck_assert_int_eq(store_box_create(u, "m", &err), 0);
	for (i = 1; i < store_box_count(u); i++)
		ck_assert_msg(strcmp(store_box_name(store_box_at(u, i - 1)),
		    store_box_name(store_box_at(u, i))) < 0,
		    "case %zu: %s before %s", i,
		    store_box_name(store_box_at(u, i - 1)),
		    store_box_name(store_box_at(u, i)));
	ck_assert_ptr_null(store_box_get(u, "ZZ"));
	ck_assert_ptr_null(store_box_get(u, "nope"));
	store_free(st);
}
END_TEST

START_TEST(test_box_delete)
{
	struct store		*st;
	struct store_user	*u;
	struct store_box	*b;
	struct store_msg	*m;
	struct check_box_seen	 s1, s2;
	const char		*err = NULL;
	uint32_t		 v1;

	st = check_box_store();
	u = store_user_get(st, "alice", true);
	ck_assert_int_eq(store_box_delete(u, "INBOX", &err), -1);
	ck_assert_str_eq(err, "cannot delete INBOX");
	ck_assert_int_eq(store_box_delete(u, "iNbOx", &err), -1);
	ck_assert_str_eq(err, "cannot delete INBOX");
	ck_assert_int_eq(store_box_delete(u, "nope", &err), -1);
	ck_assert_str_eq(err, "no such mailbox");
	ck_assert_int_eq(store_box_delete(u, "a//b", &err), -1);
	ck_assert_str_eq(err, "bad mailbox name");

	ck_assert_int_eq(store_box_create(u, "a", &err), 0);
	ck_assert_int_eq(store_box_create(u, "a/b", &err), 0);
	b = store_box_get(u, "a");
	v1 = store_box_uidvalidity(b);
	m = check_box_msg("x", NULL, NULL);
	ck_assert_uint_ne(store_box_append(b, m, 0, 0, 1, NULL, &err), 0);
	ck_assert_uint_eq(m->refs, 2);
	check_box_watch(b, &s1);
	check_box_watch(b, &s2);
	ck_assert_int_eq(store_box_delete(u, "a", &err), 0);
	ck_assert_int_eq(s1.n[STORE_EV_GONE], 1);
	ck_assert_int_eq(s2.n[STORE_EV_GONE], 1);
	ck_assert_ptr_null(s1.w.box);
	ck_assert_ptr_null(s2.w.box);
	store_box_unwatch(&s1.w);	/* detached: a no-op */
	ck_assert_uint_eq(m->refs, 1);
	ck_assert_ptr_null(store_box_get(u, "a"));
	/* Inferiors stay. */
	ck_assert_ptr_nonnull(store_box_get(u, "a/b"));

	/* Same second, same name: a new UIDVALIDITY all the same. */
	ck_assert_int_eq(store_box_create(u, "a", &err), 0);
	b = store_box_get(u, "a");
	ck_assert_uint_gt(store_box_uidvalidity(b), v1);
	ck_assert_uint_eq(store_box_uidnext(b), 1);
	ck_assert_uint_eq(store_box_size(b), 0);
	store_msg_unref(&m);
	store_free(st);
}
END_TEST

START_TEST(test_box_rename)
{
	struct store		*st;
	struct store_user	*u;
	struct store_box	*a, *ab;
	struct store_msg	*m;
	struct check_box_seen	 sa, sab, sother;
	const char		*err = NULL;
	uint32_t		 va, vab;

	st = check_box_store();
	u = store_user_get(st, "alice", true);
	ck_assert_int_eq(store_box_create(u, "a", &err), 0);
	ck_assert_int_eq(store_box_create(u, "a/b", &err), 0);
	ck_assert_int_eq(store_box_create(u, "a/b/c", &err), 0);
	ck_assert_int_eq(store_box_create(u, "ab", &err), 0);
	a = store_box_get(u, "a");
	ab = store_box_get(u, "a/b");
	va = store_box_uidvalidity(a);
	vab = store_box_uidvalidity(ab);
	m = check_box_msg("x", NULL, NULL);
	ck_assert_uint_eq(store_box_append(ab, m, STORE_F_SEEN, 0, 1, NULL,
	    &err), 1);
	store_msg_unref(&m);
	check_box_watch(a, &sa);
	check_box_watch(ab, &sab);
	check_box_watch(store_box_get(u, "ab"), &sother);

	ck_assert_int_eq(store_box_rename(u, "nope", "x", &err), -1);
	ck_assert_str_eq(err, "no such mailbox");
	ck_assert_int_eq(store_box_rename(u, "a", "ab", &err), -1);
	ck_assert_str_eq(err, "mailbox exists");
	ck_assert_int_eq(store_box_rename(u, "a", "inbox", &err), -1);
	ck_assert_str_eq(err, "mailbox exists");
	ck_assert_int_eq(store_box_rename(u, "a", "x/", &err), -1);
	ck_assert_str_eq(err, "bad mailbox name");
	ck_assert_int_eq(sa.n[STORE_EV_GONE], 0);

	ck_assert_int_eq(store_box_rename(u, "a", "x", &err), 0);
	ck_assert_ptr_null(store_box_get(u, "a"));
	ck_assert_ptr_null(store_box_get(u, "a/b"));
	ck_assert_ptr_null(store_box_get(u, "a/b/c"));
	ck_assert_ptr_eq(store_box_get(u, "x"), a);
	ck_assert_ptr_eq(store_box_get(u, "x/b"), ab);
	ck_assert_ptr_nonnull(store_box_get(u, "x/b/c"));
	ck_assert_ptr_nonnull(store_box_get(u, "ab"));
	ck_assert_uint_eq(store_box_uidvalidity(a), va);
	ck_assert_uint_eq(store_box_uidvalidity(ab), vab);
	ck_assert_uint_eq(store_box_size(ab), 1);
	ck_assert_uint_eq(store_box_entry(ab, 0)->uid, 1);
	ck_assert_int_eq(sa.n[STORE_EV_GONE], 1);
	ck_assert_int_eq(sab.n[STORE_EV_GONE], 1);
	ck_assert_int_eq(sother.n[STORE_EV_GONE], 0);
	ck_assert_ptr_null(sa.w.box);
	ck_assert_ptr_eq(sother.w.box, store_box_get(u, "ab"));

	/* Into its own inferior: "x/b" becomes "x/y/b". */
	ck_assert_int_eq(store_box_rename(u, "x", "x/y", &err), 0);
	ck_assert_ptr_eq(store_box_get(u, "x/y"), a);
	ck_assert_ptr_eq(store_box_get(u, "x/y/b"), ab);
	ck_assert_ptr_nonnull(store_box_get(u, "x/y/b/c"));

	/* An inferior's new name is taken: nothing is renamed. */
	ck_assert_int_eq(store_box_create(u, "p", &err), 0);
	ck_assert_int_eq(store_box_create(u, "p/q", &err), 0);
	ck_assert_int_eq(store_box_create(u, "z/q", &err), 0);
	ck_assert_int_eq(store_box_rename(u, "p", "z", &err), -1);
	ck_assert_str_eq(err, "mailbox exists");
	ck_assert_ptr_nonnull(store_box_get(u, "p"));
	ck_assert_ptr_nonnull(store_box_get(u, "p/q"));
	ck_assert_ptr_null(store_box_get(u, "z"));

	store_box_unwatch(&sother.w);
	store_free(st);
}
END_TEST

START_TEST(test_box_rename_inbox)
{
	struct store		*st;
	struct store_user	*u;
	struct store_box	*in, *old;
	struct check_box_seen	 s;
	const char		*err = NULL;
	uint32_t		 vin;
	int			 kw;

	st = check_box_store();
	check_box_deliver(st, "1", "alice@a.test", NULL);
	check_box_deliver(st, "2", "alice@a.test", NULL);
	u = store_user_get(st, "alice", true);
	in = store_box_get(u, "INBOX");
	vin = store_box_uidvalidity(in);
	ck_assert_int_eq(store_box_create(u, "INBOX/kid", &err), 0);
	ck_assert_int_eq(store_box_keyword_id(in, "$junk", true), 0);
	kw = store_box_keyword_id(in, "$label1", true);
	ck_assert_int_eq(kw, 1);
	ck_assert_int_eq(store_box_set_flags(in, 2, STORE_F_SEEN,
	    1ULL << kw, NULL), 0);
	check_box_watch(in, &s);

	ck_assert_int_eq(store_box_rename(u, "inbox", "Old", &err), 0);
	ck_assert_ptr_eq(store_box_get(u, "INBOX"), in);
	ck_assert_uint_eq(store_box_size(in), 0);
	ck_assert_uint_eq(store_box_uidvalidity(in), vin);
	ck_assert_uint_eq(store_box_uidnext(in), 3);
	ck_assert_int_eq(s.n[STORE_EV_EXPUNGE], 2);
	ck_assert_int_eq(s.n[STORE_EV_GONE], 0);
	ck_assert_ptr_eq(s.w.box, in);
	/* INBOX's inferiors are not renamed (RFC 3501 6.3.5). */
	ck_assert_ptr_nonnull(store_box_get(u, "INBOX/kid"));
	ck_assert_ptr_null(store_box_get(u, "Old/kid"));

	old = store_box_get(u, "Old");
	ck_assert_ptr_nonnull(old);
	ck_assert_uint_ne(store_box_uidvalidity(old), vin);
	ck_assert_uint_eq(store_box_size(old), 2);
	ck_assert_uint_eq(store_box_entry(old, 0)->uid, 1);
	ck_assert_uint_eq(store_box_entry(old, 1)->uid, 2);
	ck_assert_mem_eq(store_box_entry(old, 1)->msg->data, "2", 1);
	ck_assert_uint_eq(store_box_entry(old, 1)->flags,
	    STORE_F_SEEN);
	/* Keywords follow by name, not by index. */
	ck_assert_uint_eq(store_box_nkeywords(old), 1);
	ck_assert_str_eq(store_box_keyword(old, 0), "$label1");
	ck_assert_uint_eq(store_box_entry(old, 1)->keywords, 1);

	/* New mail still lands in INBOX, after the old UIDs. */
	check_box_deliver(st, "3", "alice@a.test", NULL);
	ck_assert_uint_eq(store_box_size(in), 1);
	ck_assert_uint_eq(store_box_entry(in, 0)->uid, 3);
	ck_assert_uint_eq(store_box_size(old), 2);

	ck_assert_int_eq(store_box_rename(u, "INBOX", "Old", &err), -1);
	ck_assert_str_eq(err, "mailbox exists");
	store_box_unwatch(&s.w);
	store_free(st);
}
END_TEST

/* --- entries, UIDs, keywords --- */

START_TEST(test_box_uids)
{
	struct store		*st;
	struct store_user	*u;
	struct store_box	*b;
	struct store_msg	*m;
	const char		*err = NULL;
	uint32_t		 uid, v[8];
	uint64_t		 ms;
	size_t			 i, j;

	st = check_box_store();
	u = store_user_get(st, "alice", true);
	b = store_box_get(u, "Drafts");
	ck_assert_uint_eq(store_box_uidnext(b), 1);
	ck_assert_uint_eq(store_box_highestmodseq(b), 1);
	m = check_box_msg("x", NULL, NULL);
	for (i = 0; i < 5; i++) {
		uid = store_box_append(b, m, STORE_F_DRAFT | 0x100, 0,
		    (int64_t)i, NULL, &err);
		ck_assert_uint_eq(uid, i + 1);
		ck_assert_uint_eq(store_box_entry(b, i)->modseq, i + 2);
		/* Bits outside STORE_F_ALL are dropped. */
		ck_assert_uint_eq(store_box_entry(b, i)->flags,
		    STORE_F_DRAFT);
	}
	ck_assert_uint_eq(m->refs, 6);
	ck_assert_uint_eq(store_box_highestmodseq(b), 6);
	ck_assert_int_eq(store_box_expunge(b, 2, NULL), 0);
	ck_assert_int_eq(store_box_expunge(b, 2, NULL), -1);
	ck_assert_int_eq(store_box_expunge(b, 99, NULL), -1);
	ck_assert_uint_eq(store_box_highestmodseq(b), 7);
	ck_assert_uint_eq(store_box_append(b, m, 0, 0, 9, NULL, &err), 6);
	ck_assert_uint_eq(store_box_size(b), 5);
	for (i = 1; i < store_box_size(b); i++)
		ck_assert_uint_lt(store_box_entry(b, i - 1)->uid,
		    store_box_entry(b, i)->uid);
	ck_assert_int_eq(store_box_find_uid(b, 1), 0);
	ck_assert_int_eq(store_box_find_uid(b, 2), -1);
	ck_assert_int_eq(store_box_find_uid(b, 3), 1);
	ck_assert_int_eq(store_box_find_uid(b, 6), 4);
	ck_assert_int_eq(store_box_find_uid(b, 7), -1);
	ck_assert_int_eq(store_box_find_uid(b, 0), -1);

	/* set_flags: a real change bumps MODSEQ, the same flags do not. */
	ms = store_box_highestmodseq(b);
	ck_assert_int_eq(store_box_set_flags(b, 3, STORE_F_DRAFT, 0, NULL),
	    0);
	ck_assert_uint_eq(store_box_highestmodseq(b), ms);
	ck_assert_int_eq(store_box_set_flags(b, 3, STORE_F_SEEN, 0, NULL), 0);
	ck_assert_uint_eq(store_box_highestmodseq(b), ms + 1);
	ck_assert_uint_eq(store_box_entry(b, 1)->modseq, ms + 1);
	ck_assert_uint_eq(store_box_entry(b, 1)->flags, STORE_F_SEEN);
	ck_assert_int_eq(store_box_set_flags(b, 2, STORE_F_SEEN, 0, NULL),
	    -1);
	store_msg_unref(&m);

	/* Every mailbox has its own UIDVALIDITY, even in one second. */
	for (i = 0; i < store_box_count(u); i++)
		v[i] = store_box_uidvalidity(store_box_at(u, i));
	for (i = 0; i < store_box_count(u); i++) {
		ck_assert_uint_ge(v[i], CHECK_BOX_NOW_MS / 1000);
		for (j = 0; j < i; j++)
			ck_assert_uint_ne(v[i], v[j]);
	}
	store_free(st);
}
END_TEST

START_TEST(test_box_keywords)
{
	struct store		*st;
	struct store_box	*b;
	struct store_msg	*m;
	const char		*err = NULL;
	char			 kw[32];
	size_t			 i;

	st = check_box_store();
	b = store_box_get(store_user_get(st, "alice", true), "INBOX");
	ck_assert_int_eq(store_box_keyword_id(b, "$Forwarded", false), -1);
	ck_assert_int_eq(store_box_keyword_id(b, "", true), -1);
	ck_assert_uint_eq(store_box_nkeywords(b), 0);
	m = check_box_msg("x", NULL, NULL);
	/* Keyword bits the mailbox has not defined are dropped. */
	ck_assert_uint_eq(store_box_append(b, m, 0, 0x3, 0, NULL, &err), 1);
	ck_assert_uint_eq(store_box_entry(b, 0)->keywords, 0);
	for (i = 0; i < STORE_KEYWORDS_MAX; i++) {
		(void)snprintf(kw, sizeof(kw), "kw%zu", i);
		ck_assert_int_eq(store_box_keyword_id(b, kw, true), (int)i);
	}
	ck_assert_int_eq(store_box_keyword_id(b, "one-more", true), -1);
	ck_assert_uint_eq(store_box_nkeywords(b), STORE_KEYWORDS_MAX);
	ck_assert_int_eq(store_box_keyword_id(b, "KW7", false), 7);
	ck_assert_int_eq(store_box_keyword_id(b, "kw63", true), 63);
	ck_assert_str_eq(store_box_keyword(b, 5), "kw5");
	ck_assert_int_eq(store_box_set_flags(b, 1, 0, UINT64_MAX, NULL), 0);
	ck_assert_uint_eq(store_box_entry(b, 0)->keywords, UINT64_MAX);
	store_msg_unref(&m);
	store_free(st);
}
END_TEST

/* --- watchers --- */

START_TEST(test_watch)
{
	struct store		*st;
	struct store_box	*b;
	struct store_msg	*m;
	struct check_box_seen	 me, other, quitter;
	const char		*err = NULL;
	uint32_t		 uid;

	st = check_box_store();
	b = store_box_get(store_user_get(st, "alice", true), "Trash");
	check_box_watch(b, &me);
	check_box_watch(b, &quitter);
	check_box_watch(b, &other);
	quitter.unwatch_self = true;

	m = check_box_msg("x", NULL, NULL);
	uid = store_box_append(b, m, 0, 0, 0, &me.w, &err);
	ck_assert_uint_eq(uid, 1);
	ck_assert_int_eq(me.n[STORE_EV_APPEND], 0);
	ck_assert_int_eq(other.n[STORE_EV_APPEND], 1);
	ck_assert_uint_eq(other.last_uid, 1);
	/* The quitter heard this one, then left inside its callback. */
	ck_assert_int_eq(quitter.n[STORE_EV_APPEND], 1);
	ck_assert_ptr_null(quitter.w.box);

	uid = store_box_append(b, m, 0, 0, 0, NULL, &err);
	ck_assert_int_eq(me.n[STORE_EV_APPEND], 1);
	ck_assert_int_eq(other.n[STORE_EV_APPEND], 2);
	ck_assert_int_eq(quitter.n[STORE_EV_APPEND], 1);

	ck_assert_int_eq(store_box_set_flags(b, uid, STORE_F_FLAGGED, 0,
	    &other.w), 0);
	ck_assert_int_eq(me.n[STORE_EV_FLAGS], 1);
	ck_assert_uint_eq(me.last_uid, uid);
	ck_assert_int_eq(other.n[STORE_EV_FLAGS], 0);
	ck_assert_int_eq(store_box_set_flags(b, uid, STORE_F_FLAGGED, 0,
	    NULL), 0);
	ck_assert_int_eq(me.n[STORE_EV_FLAGS], 1);

	ck_assert_int_eq(store_box_expunge(b, 1, &me.w), 0);
	ck_assert_int_eq(me.n[STORE_EV_EXPUNGE], 0);
	ck_assert_int_eq(other.n[STORE_EV_EXPUNGE], 1);
	ck_assert_uint_eq(other.last_uid, 1);

	/* A watch that unwatches itself while others follow it. */
	other.unwatch_self = true;
	ck_assert_int_eq(store_box_expunge(b, uid, NULL), 0);
	ck_assert_int_eq(other.n[STORE_EV_EXPUNGE], 2);
	ck_assert_int_eq(me.n[STORE_EV_EXPUNGE], 1);
	ck_assert_ptr_null(other.w.box);
	ck_assert_ptr_eq(me.w.box, b);
	store_box_unwatch(&me.w);
	store_box_unwatch(&me.w);
	ck_assert_ptr_null(me.w.box);
	ck_assert_uint_eq(store_box_append(b, m, 0, 0, 0, NULL, &err), 3);
	ck_assert_int_eq(me.n[STORE_EV_APPEND], 1);

	/* Watching again after unwatching works. */
	store_box_watch(b, &me.w);
	ck_assert_int_eq(store_box_expunge(b, 3, NULL), 0);
	ck_assert_int_eq(me.n[STORE_EV_EXPUNGE], 2);
	store_msg_unref(&m);
	/* store_free detaches what is left. */
	store_free(st);
	ck_assert_ptr_null(me.w.box);
}
END_TEST

/* --- store_remove, store_clear --- */

START_TEST(test_remove)
{
	struct store		*st;
	struct store_user	*alice, *bob;
	struct store_box	*ain, *bin, *arch;
	struct check_box_seen	 sa, sb, sarch;
	const char		*err = NULL;
	uint64_t		 id1, id2, id3;

	st = check_box_store();
	alice = store_user_get(st, "alice", true);
	bob = store_user_get(st, "bob", true);
	ain = store_box_get(alice, "INBOX");
	bin = store_box_get(bob, "INBOX");
	arch = store_box_get(alice, "Archive");
	id1 = check_box_deliver(st, "1", "alice@a.test", "bob@a.test");
	id2 = check_box_deliver(st, "2", "alice@a.test", "bob@a.test");
	id3 = check_box_deliver(st, "3", "alice@a.test", NULL);
	ck_assert_uint_eq(store_box_append(arch,
	    (struct store_msg *)store_find(st, id2), 0, 0, 0, NULL, &err), 1);
	check_box_watch(ain, &sa);
	check_box_watch(bin, &sb);
	check_box_watch(arch, &sarch);

	ck_assert_int_eq(store_remove(st, id2), 0);
	ck_assert_int_eq(store_remove(st, id2), -1);
	ck_assert_int_eq(store_remove(st, 999), -1);
	ck_assert_ptr_null(store_find(st, id2));
	ck_assert_ptr_nonnull(store_find(st, id1));
	ck_assert_ptr_nonnull(store_find(st, id3));
	ck_assert_uint_eq(store_count(st), 2);
	ck_assert_uint_eq(store_get(st, 1)->id, id3);
	ck_assert_int_eq(sa.n[STORE_EV_EXPUNGE], 1);
	ck_assert_uint_eq(sa.last_uid, 2);
	ck_assert_int_eq(sb.n[STORE_EV_EXPUNGE], 1);
	ck_assert_uint_eq(sb.last_uid, 2);
	ck_assert_int_eq(sarch.n[STORE_EV_EXPUNGE], 1);
	ck_assert_uint_eq(store_box_size(ain), 2);
	ck_assert_uint_eq(store_box_size(bin), 1);
	ck_assert_uint_eq(store_box_size(arch), 0);
	ck_assert_int_eq(store_box_find_uid(ain, 2), -1);
	ck_assert_int_eq(store_box_find_uid(ain, 3), 1);

	store_clear(st);
	ck_assert_uint_eq(store_count(st), 0);
	ck_assert_uint_eq(store_box_size(ain), 0);
	ck_assert_uint_eq(store_box_size(bin), 0);
	ck_assert_int_eq(sa.n[STORE_EV_EXPUNGE], 3);
	ck_assert_int_eq(sb.n[STORE_EV_EXPUNGE], 2);
	/* Mailboxes and users stay; UIDs go on. */
	ck_assert_ptr_eq(store_box_get(alice, "Archive"), arch);
	check_box_deliver(st, "4", "alice@a.test", NULL);
	ck_assert_uint_eq(store_box_entry(ain, 0)->uid, 4);
	ck_assert_int_eq(sa.n[STORE_EV_APPEND], 1);

	store_box_unwatch(&sa.w);
	store_box_unwatch(&sb.w);
	store_box_unwatch(&sarch.w);
	store_free(st);
}
END_TEST

/* --- Maildir --- */

/*
 * What one store did on disk, a second store on the same root reads
 * back: users, mailboxes, subscriptions, UIDs, UIDVALIDITY, UIDNEXT,
 * flags and bytes.
 */
START_TEST(test_maildir_roundtrip)
{
	struct store		*st;
	struct store_user	*u, *full;
	struct store_box	*in, *work, *dots;
	struct store_msg	*m;
	struct stat		 sa;
	const struct store_entry *e;
	const char		*err = NULL;
	char			*tmp, *path, *name;
	uint32_t		 v_in, v_work, v_dots, v_full;
	size_t			 nboxes;

	tmp = check_box_tmpdir();
	clock_set_fake(1000, CHECK_BOX_NOW_MS);
	st = store_new(tmp, &err);
	ck_assert_ptr_nonnull(st);
	u = store_user_get(st, "alice", true);
	ck_assert_ptr_nonnull(u);
	path = xasprintf("%s/alice/mailrig-uidlist", tmp);
	ck_assert_int_eq(access(path, R_OK), 0);
	free(path);
	path = xasprintf("%s/alice/.Sent/cur", tmp);
	ck_assert_int_eq(check_box_count_files(path), 0);
	free(path);

	check_box_deliver(st, "Subject: 1\r\n\r\none\r\n", "alice@a.test",
	    NULL);
	check_box_deliver(st, "Subject: 2\r\n\r\ntwo\r\n", "alice@a.test",
	    NULL);
	check_box_deliver(st, "Subject: 3\r\n\r\nthree\r\n", "Alice@b.test",
	    NULL);
	in = store_box_get(u, "INBOX");
	ck_assert_uint_eq(store_box_size(in), 3);

	/* alice's copy is a hard link to the recipient's file. */
	path = xasprintf("%s/alice/new", tmp);
	ck_assert_int_eq(check_box_count_files(path), 3);
	free(path);
	path = xasprintf("%s/alice@b.test/new", tmp);
	name = check_box_only_file(path);
	free(path);
	path = xasprintf("%s/alice@b.test/new/%s", tmp, name);
	ck_assert_int_eq(stat(path, &sa), 0);
	ck_assert_uint_eq(sa.st_nlink, 2);
	free(path);
	free(name);

	/* A user named by the full address takes the delivered files. */
	full = store_user_get(st, "alice@a.test", true);
	ck_assert_ptr_nonnull(full);
	ck_assert_uint_eq(store_box_size(store_box_get(full, "INBOX")), 2);
	path = xasprintf("%s/alice@a.test/new", tmp);
	ck_assert_int_eq(check_box_count_files(path), 2);
	free(path);

	/* Flags go into the file name; \Recent is not stored. */
	ck_assert_int_eq(store_box_set_flags(in, 1,
	    STORE_F_SEEN | STORE_F_FLAGGED | STORE_F_RECENT, 0, NULL), 0);
	path = xasprintf("%s/alice/cur", tmp);
	name = check_box_only_file(path);
	free(path);
	ck_assert_ptr_nonnull(strstr(name, ":2,FS"));
	ck_assert_str_eq(strstr(name, ":2,"), ":2,FS");
	free(name);
	ck_assert_int_eq(store_box_set_flags(in, 1,
	    STORE_F_SEEN | STORE_F_FLAGGED | STORE_F_ANSWERED | STORE_F_DRAFT |
	    STORE_F_DELETED, 0, NULL), 0);
	path = xasprintf("%s/alice/cur", tmp);
	name = check_box_only_file(path);
	free(path);
	ck_assert_str_eq(strstr(name, ":2,"), ":2,DFRST");
	free(name);
	ck_assert_int_eq(store_box_set_flags(in, 1, STORE_F_ANSWERED, 0,
	    NULL), 0);
	ck_assert_int_eq(store_box_expunge(in, 2, NULL), 0);
	path = xasprintf("%s/alice/new", tmp);
	ck_assert_int_eq(check_box_count_files(path), 1);
	free(path);

	/* Folders, with '/' and '.' in names. */
	ck_assert_int_eq(store_box_create(u, "Work/2024", &err), 0);
	ck_assert_int_eq(store_box_create(u, "a.b", &err), 0);
	path = xasprintf("%s/alice/.Work.2024/new", tmp);
	ck_assert_int_eq(check_box_count_files(path), 0);
	free(path);
	path = xasprintf("%s/alice/.a%%2Eb/cur", tmp);
	ck_assert_int_eq(check_box_count_files(path), 0);
	free(path);
	work = store_box_get(u, "Work/2024");
	dots = store_box_get(u, "a.b");
	m = check_box_msg("appended\r\n", NULL, NULL);
	ck_assert_uint_eq(store_box_append(work, m, STORE_F_DRAFT |
	    STORE_F_SEEN, 0, 1234567, NULL, &err), 1);
	ck_assert_uint_eq(store_box_append(work, m, 0, 0, 1, NULL, &err), 2);
	ck_assert_uint_eq(store_box_append(dots, m, STORE_F_RECENT, 0, 1,
	    NULL, &err), 1);
	store_msg_unref(&m);
	path = xasprintf("%s/alice/.Work.2024/cur", tmp);
	ck_assert_int_eq(check_box_count_files(path), 2);
	free(path);
	ck_assert_int_eq(store_box_expunge(work, 2, NULL), 0);
	store_box_set_subscribed(work, true);
	store_box_set_subscribed(store_box_get(u, "Junk"), false);

	v_in = store_box_uidvalidity(in);
	v_work = store_box_uidvalidity(work);
	v_dots = store_box_uidvalidity(dots);
	v_full = store_box_uidvalidity(store_box_get(full, "INBOX"));
	nboxes = store_box_count(u);
	ck_assert_uint_eq(nboxes, 8);
	store_free(st);

	/* Another process, later. */
	clock_set_fake(2000, CHECK_BOX_NOW_MS + 60000);
	st = store_new(tmp, &err);
	ck_assert_ptr_nonnull(st);
	/* 3 deliveries; the appended message lives in folders only. */
	ck_assert_uint_eq(store_count(st), 3);
	u = store_user_get(st, "ALICE", false);
	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(store_box_count(u), nboxes);
	in = store_box_get(u, "INBOX");
	ck_assert_uint_eq(store_box_uidvalidity(in), v_in);
	ck_assert_uint_eq(store_box_uidnext(in), 4);
	ck_assert_uint_eq(store_box_size(in), 2);
	e = store_box_entry(in, 0);
	ck_assert_uint_eq(e->uid, 1);
	ck_assert_uint_eq(e->flags, STORE_F_ANSWERED);
	ck_assert_uint_eq(e->msg->len, 19);
	ck_assert_mem_eq(e->msg->data, "Subject: 1\r\n\r\none\r\n", 19);
	e = store_box_entry(in, 1);
	ck_assert_uint_eq(e->uid, 3);
	ck_assert_uint_eq(e->flags, STORE_F_RECENT);
	ck_assert_uint_eq(e->msg->len, 21);
	ck_assert_mem_eq(e->msg->data, "Subject: 3\r\n\r\nthree\r\n", 21);

	work = store_box_get(u, "Work/2024");
	ck_assert_ptr_nonnull(work);
	ck_assert_uint_eq(store_box_uidvalidity(work), v_work);
	ck_assert_uint_eq(store_box_uidnext(work), 3);
	ck_assert_uint_eq(store_box_size(work), 1);
	ck_assert_uint_eq(store_box_entry(work, 0)->uid, 1);
	ck_assert_uint_eq(store_box_entry(work, 0)->flags,
	    STORE_F_DRAFT | STORE_F_SEEN);
	ck_assert_mem_eq(store_box_entry(work, 0)->msg->data, "appended\r\n",
	    10);
	ck_assert(store_box_subscribed(work));
	ck_assert(!store_box_subscribed(store_box_get(u, "Junk")));
	ck_assert(store_box_subscribed(store_box_get(u, "Sent")));
	ck_assert_uint_eq(store_box_special(store_box_get(u, "Sent")),
	    STORE_SU_SENT);
	dots = store_box_get(u, "a.b");
	ck_assert_ptr_nonnull(dots);
	ck_assert_uint_eq(store_box_uidvalidity(dots), v_dots);
	ck_assert(!store_box_subscribed(dots));
	ck_assert_uint_eq(store_box_size(dots), 1);
	ck_assert_uint_eq(store_box_entry(dots, 0)->flags, STORE_F_RECENT);

	full = store_user_get(st, "alice@a.test", false);
	ck_assert_ptr_nonnull(full);
	ck_assert_uint_eq(store_box_uidvalidity(store_box_get(full, "INBOX")),
	    v_full);
	ck_assert_uint_eq(store_box_size(store_box_get(full, "INBOX")), 2);
	/* The INBOXes of both users share one message blob. */
	ck_assert_ptr_eq(store_box_entry(store_box_get(full, "INBOX"),
	    0)->msg, store_box_entry(in, 0)->msg);

	/* New mail goes on after the UIDs that were used. */
	check_box_deliver(st, "4", "alice@a.test", NULL);
	ck_assert_uint_eq(store_box_entry(in, 2)->uid, 4);
	ck_assert_uint_eq(store_box_entry(store_box_get(full, "INBOX"),
	    2)->uid, 3);
	/* A new mailbox gets a UIDVALIDITY no old one had. */
	ck_assert_int_eq(store_box_create(u, "fresh", &err), 0);
	ck_assert_uint_gt(store_box_uidvalidity(store_box_get(u, "fresh")),
	    v_work);
	store_free(st);

	check_box_rmrf(tmp);
	free(tmp);
	clock_set_fake(0, 0);
}
END_TEST

/* A Maildir written by hand, without uidlists: UIDs are assigned. */
START_TEST(test_maildir_handmade)
{
	struct store		*st;
	struct store_user	*u;
	struct store_box	*in, *old;
	const char		*err = NULL;
	char			*tmp, *path;
	uint32_t		 v;
	int			 fd;

	tmp = check_box_tmpdir();
	path = xasprintf("%s/carol", tmp);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	free(path);
	path = xasprintf("%s/carol/new", tmp);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	free(path);
	path = xasprintf("%s/carol/cur", tmp);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	free(path);
	path = xasprintf("%s/carol/.Old", tmp);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	free(path);
	path = xasprintf("%s/carol/.Old/cur", tmp);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	free(path);
	path = xasprintf("%s/carol/new/1000.a", tmp);
	check_box_write(path, "one");
	check_box_mtime(path, 1000);
	free(path);
	path = xasprintf("%s/carol/cur/1001.b:2,S", tmp);
	check_box_write(path, "two");
	check_box_mtime(path, 1001);
	free(path);
	path = xasprintf("%s/carol/cur/1002.c:2,RT", tmp);
	check_box_write(path, "three");
	check_box_mtime(path, 1002);
	free(path);
	path = xasprintf("%s/carol/.Old/cur/5.x:2,F", tmp);
	check_box_write(path, "old");
	free(path);
	/* Too large to load: skipped, not read (a sparse file). */
	path = xasprintf("%s/carol/cur/999.big", tmp);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(ftruncate(fd, (off_t)STORE_FILE_MAX + 1), 0);
	ck_assert_int_eq(close(fd), 0);
	free(path);

	st = store_new(tmp, &err);
	ck_assert_ptr_nonnull(st);
	ck_assert_uint_eq(store_count(st), 3);
	ck_assert_mem_eq(store_get(st, 0)->data, "one", 3);
	ck_assert_mem_eq(store_get(st, 2)->data, "three", 5);
	ck_assert_uint_eq(store_get(st, 0)->id, 1);
	ck_assert_int_eq(store_get(st, 0)->received_ms, 1000000);
	ck_assert_uint_eq(store_get(st, 0)->nrcpts, 1);
	ck_assert_str_eq(store_get(st, 0)->rcpts[0].addr, "carol");
	u = store_user_get(st, "carol", false);
	ck_assert_ptr_nonnull(u);
	in = store_box_get(u, "INBOX");
	ck_assert_uint_eq(store_box_size(in), 3);
	ck_assert_uint_eq(store_box_entry(in, 0)->uid, 1);
	ck_assert_uint_eq(store_box_entry(in, 0)->flags, STORE_F_RECENT);
	ck_assert_int_eq(store_box_entry(in, 0)->internal_ms, 1000000);
	ck_assert_uint_eq(store_box_entry(in, 1)->uid, 2);
	ck_assert_uint_eq(store_box_entry(in, 1)->flags, STORE_F_SEEN);
	ck_assert_uint_eq(store_box_entry(in, 2)->uid, 3);
	ck_assert_uint_eq(store_box_entry(in, 2)->flags,
	    STORE_F_ANSWERED | STORE_F_DELETED);
	ck_assert_uint_eq(store_box_uidnext(in), 4);
	v = store_box_uidvalidity(in);
	old = store_box_get(u, "Old");
	ck_assert_ptr_nonnull(old);
	ck_assert_uint_eq(store_box_size(old), 1);
	ck_assert_uint_eq(store_box_entry(old, 0)->flags, STORE_F_FLAGGED);
	/* A directory delivery made is completed as a new user would be. */
	ck_assert_ptr_nonnull(store_box_get(u, "Trash"));
	ck_assert(store_box_subscribed(store_box_get(u, "Trash")));
	ck_assert(store_box_subscribed(in));
	ck_assert(!store_box_subscribed(old));
	path = xasprintf("%s/carol/mailrig-uidlist", tmp);
	ck_assert_int_eq(access(path, R_OK), 0);
	free(path);
	store_free(st);

	/* Now listed: the same UIDs again. */
	st = store_new(tmp, &err);
	ck_assert_ptr_nonnull(st);
	u = store_user_get(st, "carol", false);
	in = store_box_get(u, "INBOX");
	ck_assert_uint_eq(store_box_uidvalidity(in), v);
	ck_assert_uint_eq(store_box_size(in), 3);
	ck_assert_mem_eq(store_box_entry(in, 2)->msg->data, "three", 5);
	ck_assert_uint_eq(store_box_entry(in, 2)->uid, 3);
	store_free(st);

	check_box_rmrf(tmp);
	free(tmp);
}
END_TEST

/* Folder create, rename (inferiors, INBOX), delete, on disk. */
START_TEST(test_maildir_folders)
{
	struct store		*st;
	struct store_user	*u;
	struct store_box	*b;
	struct store_msg	*m;
	const char		*err = NULL;
	char			*tmp, *path;

	tmp = check_box_tmpdir();
	st = store_new(tmp, &err);
	ck_assert_ptr_nonnull(st);
	u = store_user_get(st, "bob", true);
	ck_assert_int_eq(store_box_create(u, "a", &err), 0);
	ck_assert_int_eq(store_box_create(u, "a/b", &err), 0);
	m = check_box_msg("kept\r\n", NULL, NULL);
	ck_assert_uint_eq(store_box_append(store_box_get(u, "a/b"), m,
	    STORE_F_SEEN, 0, 1, NULL, &err), 1);
	store_msg_unref(&m);
	ck_assert_int_eq(store_box_rename(u, "a", "x", &err), 0);
	path = xasprintf("%s/bob/.a", tmp);
	ck_assert_int_eq(access(path, F_OK), -1);
	free(path);
	path = xasprintf("%s/bob/.x.b/cur", tmp);
	ck_assert_int_eq(check_box_count_files(path), 1);
	free(path);

	check_box_deliver(st, "hi", "bob@b.test", NULL);
	ck_assert_int_eq(store_box_rename(u, "INBOX", "Old", &err), 0);
	path = xasprintf("%s/bob/new", tmp);
	ck_assert_int_eq(check_box_count_files(path), 0);
	free(path);
	path = xasprintf("%s/bob/.Old/new", tmp);
	ck_assert_int_eq(check_box_count_files(path), 1);
	free(path);

	ck_assert_int_eq(store_box_delete(u, "x", &err), 0);
	path = xasprintf("%s/bob/.x", tmp);
	ck_assert_int_eq(access(path, F_OK), -1);
	free(path);
	path = xasprintf("%s/bob/.x.b/cur", tmp);
	ck_assert_int_eq(check_box_count_files(path), 1);
	free(path);
	store_free(st);

	st = store_new(tmp, &err);
	ck_assert_ptr_nonnull(st);
	u = store_user_get(st, "bob", false);
	ck_assert_ptr_null(store_box_get(u, "x"));
	ck_assert_ptr_null(store_box_get(u, "a/b"));
	b = store_box_get(u, "x/b");
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(store_box_size(b), 1);
	ck_assert_mem_eq(store_box_entry(b, 0)->msg->data, "kept\r\n", 6);
	b = store_box_get(u, "Old");
	ck_assert_uint_eq(store_box_size(b), 1);
	ck_assert_mem_eq(store_box_entry(b, 0)->msg->data, "hi", 2);
	b = store_box_get(u, "INBOX");
	ck_assert_uint_eq(store_box_size(b), 0);
	ck_assert_uint_eq(store_box_uidnext(b), 2);

	/* store_clear removes the files of mailbox entries. */
	store_clear(st);
	path = xasprintf("%s/bob/.Old/new", tmp);
	ck_assert_int_eq(check_box_count_files(path), 0);
	free(path);
	store_free(st);

	check_box_rmrf(tmp);
	free(tmp);
}
END_TEST

Suite *
store_box_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("store_box");

	tc = tcase_create("user");
	tcase_add_loop_test(tc, test_user_matches, 0, nitems(match_cases));
	tcase_add_test(tc, test_user_backfill);
	tcase_add_test(tc, test_user_deliver);
	tcase_add_test(tc, test_user_lock);
	suite_add_tcase(s, tc);

	tc = tcase_create("box");
	tcase_add_loop_test(tc, test_box_create, 0, nitems(create_cases));
	tcase_add_test(tc, test_box_name_limit);
	tcase_add_test(tc, test_box_sorted);
	tcase_add_test(tc, test_box_delete);
	tcase_add_test(tc, test_box_rename);
	tcase_add_test(tc, test_box_rename_inbox);
	suite_add_tcase(s, tc);

	tc = tcase_create("entry");
	tcase_add_test(tc, test_box_uids);
	tcase_add_test(tc, test_box_keywords);
	tcase_add_test(tc, test_watch);
	tcase_add_test(tc, test_remove);
	suite_add_tcase(s, tc);

	tc = tcase_create("maildir");
	tcase_add_test(tc, test_maildir_roundtrip);
	tcase_add_test(tc, test_maildir_handmade);
	tcase_add_test(tc, test_maildir_folders);
	suite_add_tcase(s, tc);

	return s;
}
