/*
 * check_store.c: the mailstore: message refcounts and setters, in-memory
 * delivery (ids, lookup, clear, observer), recipient directory names and
 * Maildir delivery into a temporary root, including a failed delivery
 * that must leave no file behind.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "fakes/base/clock.h"
#include "fakes/base/defs.h"
#include "fakes/base/xalloc.h"
#include "fakes/store.h"

Suite	*store_suite(void);

struct check_store_seen {
	int		calls;
	uint64_t	last_id;
};

static int	check_store_rm_cb(const char *, const struct stat *, int,
		    struct FTW *);
static void	check_store_rmrf(const char *);
static char	*check_store_tmpdir(void);
static int	check_store_entries(const char *);
static char	*check_store_only_entry(const char *);
static char	*check_store_slurp(const char *, size_t *);
static struct store_msg *check_store_msg(const char *, size_t,
		    const char *const *, size_t);
static void	check_store_observe(void *, const struct store_msg *);

/* A message body with CRLF, a NUL byte and a leading dot, kept exactly. */
static const char	check_store_body[] =
    "Subject: hi\r\n\r\nline\0one\r\n.dot\r\n";
#define CHECK_STORE_BODY_LEN	(sizeof(check_store_body) - 1)

/* --- helpers --- */

static int
check_store_rm_cb(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	return remove(path);
}

static void
check_store_rmrf(const char *path)
{
	ck_assert_int_eq(nftw(path, check_store_rm_cb, 16,
	    FTW_DEPTH | FTW_PHYS), 0);
}

static char *
check_store_tmpdir(void)
{
	char	*p;

	p = xstrdup("/tmp/mailrig-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(p));
	return p;
}

/* Number of entries other than "." and ".."; -1 if dir cannot be read. */
static int
check_store_entries(const char *path)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	d = opendir(path);
	if (d == NULL)
		return -1;
	for (e = readdir(d); e != NULL; e = readdir(d))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* The path of the one entry in dir (asserted to be alone). */
static char *
check_store_only_entry(const char *path)
{
	DIR		*d;
	struct dirent	*e;
	char		*found = NULL;

	ck_assert_int_eq(check_store_entries(path), 1);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	for (e = readdir(d); e != NULL; e = readdir(d))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			found = xasprintf("%s/%s", path, e->d_name);
	closedir(d);
	ck_assert_ptr_nonnull(found);
	return found;
}

static char *
check_store_slurp(const char *path, size_t *len_r)
{
	struct stat	 st;
	char		*p;
	int		 fd;

	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	p = xmalloc((size_t)st.st_size + 1);
	ck_assert_int_eq(read(fd, p, (size_t)st.st_size + 1), st.st_size);
	close(fd);
	*len_r = (size_t)st.st_size;
	return p;
}

static struct store_msg *
check_store_msg(const char *data, size_t len, const char *const *rcpts,
    size_t n)
{
	struct store_msg	*m;
	size_t			 i;

	m = store_msg_new();
	store_msg_set_from(m, "sender@example.test", "SIZE=100");
	for (i = 0; i < n; i++)
		store_msg_add_rcpt(m, rcpts[i], NULL);
	store_msg_take_data(m, xmemdup(data, len), len);
	return m;
}

static void
check_store_observe(void *arg, const struct store_msg *m)
{
	struct check_store_seen	*seen = arg;

	seen->calls++;
	seen->last_id = m->id;
}

/* --- recipient directory names --- */

static const struct {
	const char	*in;
	size_t		 size;
	bool		 want_ok;
	const char	*want;
} name_cases[] = {
	{ "Alice@Example.COM", 256, true, "alice@example.com" },
	{ "../../etc", 256, true, "_._.._etc" },
	{ "/", 256, true, "_" },
	{ ".", 256, true, "_" },
	{ "..", 256, true, "_." },
	{ ".hidden", 256, true, "_hidden" },
	{ "a/b@c", 256, true, "a_b@c" },
	{ "", 256, true, "_" },
	{ "j\xc3\xb6rg@b\xc3\xbc" "cher.example", 256, true,
	  "j__rg@b__cher.example" },
	{ "a+tag=x-y_z.w@h", 256, true, "a+tag=x-y_z.w@h" },
	{ "a b\t\"c\"", 256, true, "a_b__c_" },
	{ "a:b\\c~d", 256, true, "a_b_c_d" },
	{ "abc", 4, true, "abc" },
	{ "abcdef", 4, false, "abc" },
	{ "", 2, true, "_" },
	{ "", 1, false, "" },
	{ "..", 2, false, "_" },
};

START_TEST(test_maildir_name)
{
	char	out[256];
	bool	ok;

	memset(out, 'X', sizeof(out));
	ok = store_maildir_name(name_cases[_i].in, out, name_cases[_i].size);
	ck_assert_msg(ok == name_cases[_i].want_ok,
	    "case %d (%s): got %d, want %d", _i, name_cases[_i].in, ok,
	    name_cases[_i].want_ok);
	ck_assert_msg(strcmp(out, name_cases[_i].want) == 0,
	    "case %d (%s): got \"%s\", want \"%s\"", _i, name_cases[_i].in,
	    out, name_cases[_i].want);
	ck_assert_ptr_null(strchr(out, '/'));
	ck_assert_uint_lt(strlen(out), name_cases[_i].size);
}
END_TEST

START_TEST(test_maildir_name_long)
{
	char	in[301], out[256], zero[1] = { 'Z' };
	size_t	i;

	memset(in, 'Q', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	ck_assert(!store_maildir_name(in, out, sizeof(out)));
	ck_assert_uint_eq(strlen(out), sizeof(out) - 1);
	for (i = 0; i < sizeof(out) - 1; i++)
		ck_assert_int_eq(out[i], 'q');
	/* size 0: nothing may be written at all. */
	ck_assert(!store_maildir_name("a", zero, 0));
	ck_assert_int_eq(zero[0], 'Z');
}
END_TEST

/* --- messages --- */

START_TEST(test_msg_new_and_setters)
{
	struct store_msg	*m;

	m = store_msg_new();
	ck_assert_uint_eq(m->refs, 1);
	ck_assert_uint_eq(m->id, 0);
	ck_assert_str_eq(m->mail_from, "");
	ck_assert_str_eq(m->mail_params, "");
	ck_assert_ptr_null(m->helo);
	ck_assert_ptr_null(m->auth_user);
	ck_assert_ptr_null(m->tls);
	ck_assert_ptr_null(m->via);
	ck_assert_ptr_null(m->port_name);
	ck_assert_ptr_null(m->data);
	ck_assert_uint_eq(m->len, 0);
	ck_assert_uint_eq(m->nrcpts, 0);

	store_msg_set_from(m, "a@example.test", "BODY=8BITMIME");
	ck_assert_str_eq(m->mail_from, "a@example.test");
	ck_assert_str_eq(m->mail_params, "BODY=8BITMIME");
	store_msg_set_from(m, NULL, NULL);
	ck_assert_str_eq(m->mail_from, "");
	ck_assert_str_eq(m->mail_params, "");

	store_msg_set_str(&m->helo, "client.example.test");
	ck_assert_str_eq(m->helo, "client.example.test");
	/* Setting a field from itself must not read freed memory. */
	store_msg_set_str(&m->helo, m->helo);
	ck_assert_str_eq(m->helo, "client.example.test");
	store_msg_set_str(&m->tls, "TLSv1.3");
	store_msg_set_str(&m->tls, NULL);
	ck_assert_ptr_null(m->tls);
	store_msg_set_str(&m->via, "ESMTPS");
	store_msg_set_str(&m->port_name, "submission");
	store_msg_set_str(&m->auth_user, "alice");

	store_msg_add_rcpt(m, "r1@example.test", NULL);
	store_msg_add_rcpt(m, "r2@example.test", "NOTIFY=NEVER");
	ck_assert_uint_eq(m->nrcpts, 2);
	ck_assert_str_eq(m->rcpts[0].addr, "r1@example.test");
	ck_assert_str_eq(m->rcpts[0].params, "");
	ck_assert_str_eq(m->rcpts[1].params, "NOTIFY=NEVER");

	store_msg_take_data(m, xstrdup("first"), 5);
	store_msg_take_data(m, xstrdup("second!"), 7);
	ck_assert_uint_eq(m->len, 7);
	ck_assert_mem_eq(m->data, "second!", 7);

	store_msg_unref(&m);
	ck_assert_ptr_null(m);
}
END_TEST

START_TEST(test_msg_many_rcpts)
{
	struct store_msg	*m;
	char			 addr[32];
	size_t			 i;

	m = store_msg_new();
	for (i = 0; i < 1000; i++) {
		(void)snprintf(addr, sizeof(addr), "u%zu@example.test", i);
		store_msg_add_rcpt(m, addr, NULL);
	}
	ck_assert_uint_eq(m->nrcpts, 1000);
	ck_assert_str_eq(m->rcpts[0].addr, "u0@example.test");
	ck_assert_str_eq(m->rcpts[999].addr, "u999@example.test");
	store_msg_unref(&m);
}
END_TEST

START_TEST(test_msg_refs)
{
	struct store_msg	*m, *other, *none = NULL;

	m = store_msg_new();
	other = m;
	store_msg_ref(m);
	ck_assert_uint_eq(m->refs, 2);
	store_msg_unref(&other);
	ck_assert_ptr_null(other);
	ck_assert_uint_eq(m->refs, 1);
	store_msg_unref(&none);
	ck_assert_ptr_null(none);
	store_msg_unref(&m);
	ck_assert_ptr_null(m);
}
END_TEST

/* --- in-memory store --- */

START_TEST(test_mem_deliver)
{
	struct store		*st;
	struct store_msg	*m;
	const struct store_msg	*got;
	const char		*err = NULL;
	const char		*rcpt[] = { "r@example.test" };
	char			 body[32];
	size_t			 i, n = 100;
	int			 len;

	st = store_new(NULL, &err);
	ck_assert_ptr_nonnull(st);
	ck_assert_uint_eq(store_count(st), 0);
	clock_set_fake(1, 1700000000123);
	for (i = 0; i < n; i++) {
		len = snprintf(body, sizeof(body), "message %zu\r\n", i);
		m = check_store_msg(body, (size_t)len, rcpt, nitems(rcpt));
		ck_assert_int_eq(store_deliver(st, m, &err), 0);
		ck_assert_uint_eq(m->id, i + 1);
		ck_assert_uint_eq(m->refs, 2);
		ck_assert_int_eq(m->received_ms, 1700000000123);
		/* The caller lets go; the store keeps its own reference. */
		store_msg_unref(&m);
	}
	clock_set_fake(0, 0);
	ck_assert_uint_eq(store_count(st), n);
	for (i = 0; i < n; i++) {
		got = store_get(st, i);
		ck_assert_uint_eq(got->id, i + 1);
		ck_assert_uint_eq(got->refs, 1);
		len = snprintf(body, sizeof(body), "message %zu\r\n", i);
		ck_assert_uint_eq(got->len, (size_t)len);
		ck_assert_mem_eq(got->data, body, (size_t)len);
		ck_assert_ptr_eq(store_find(st, i + 1), got);
	}
	ck_assert_ptr_null(store_find(st, 0));
	ck_assert_ptr_null(store_find(st, n + 1));
	ck_assert_ptr_null(store_find(st, UINT64_MAX));
	store_free(st);
	store_free(NULL);
}
END_TEST

START_TEST(test_mem_clear)
{
	struct store		*st;
	struct store_msg	*m, *kept;
	const char		*err = NULL;
	int			 i;

	st = store_new(NULL, &err);
	ck_assert_ptr_nonnull(st);
	kept = NULL;
	for (i = 0; i < 3; i++) {
		m = check_store_msg("x", 1, NULL, 0);
		ck_assert_int_eq(store_deliver(st, m, &err), 0);
		if (i == 1) {
			kept = m;
			continue;
		}
		store_msg_unref(&m);
	}
	store_clear(st);
	ck_assert_uint_eq(store_count(st), 0);
	ck_assert_ptr_null(store_find(st, 1));
	ck_assert_ptr_null(store_find(st, 2));
	/* A reference held outside the store outlives store_clear(). */
	ck_assert_uint_eq(kept->refs, 1);
	ck_assert_mem_eq(kept->data, "x", 1);
	store_msg_unref(&kept);

	m = check_store_msg("y", 1, NULL, 0);
	ck_assert_int_eq(store_deliver(st, m, &err), 0);
	ck_assert_uint_eq(m->id, 4);
	store_msg_unref(&m);
	ck_assert_uint_eq(store_count(st), 1);
	ck_assert_uint_eq(store_get(st, 0)->id, 4);
	ck_assert_ptr_eq(store_find(st, 4), store_get(st, 0));
	ck_assert_ptr_null(store_find(st, 3));
	store_free(st);
}
END_TEST

START_TEST(test_mem_observer)
{
	struct store		*st;
	struct store_msg	*m;
	struct check_store_seen	 seen = { 0, 0 };
	const char		*err = NULL;
	int			 i;

	st = store_new(NULL, &err);
	ck_assert_ptr_nonnull(st);
	store_set_observer(st, check_store_observe, &seen);
	for (i = 0; i < 3; i++) {
		m = check_store_msg("x", 1, NULL, 0);
		ck_assert_int_eq(store_deliver(st, m, &err), 0);
		store_msg_unref(&m);
		ck_assert_int_eq(seen.calls, i + 1);
		ck_assert_uint_eq(seen.last_id, (uint64_t)i + 1);
	}
	store_set_observer(st, NULL, NULL);
	m = check_store_msg("x", 1, NULL, 0);
	ck_assert_int_eq(store_deliver(st, m, &err), 0);
	store_msg_unref(&m);
	ck_assert_int_eq(seen.calls, 3);
	store_free(st);
}
END_TEST

/* --- Maildir --- */

START_TEST(test_maildir_new_root)
{
	struct store	*st;
	const char	*err = NULL;
	char		*tmp, *root, *file, *below;
	int		 fd;

	tmp = check_store_tmpdir();
	root = xasprintf("%s/a/b//c/", tmp);
	st = store_new(root, &err);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(check_store_entries(root), 0);
	store_free(st);
	/* An existing root is fine. */
	st = store_new(root, &err);
	ck_assert_ptr_nonnull(st);
	store_free(st);

	file = xasprintf("%s/file", tmp);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	err = NULL;
	ck_assert_ptr_null(store_new(file, &err));
	ck_assert_ptr_nonnull(err);
	below = xasprintf("%s/sub", file);
	err = NULL;
	ck_assert_ptr_null(store_new(below, &err));
	ck_assert_ptr_nonnull(err);
	err = NULL;
	ck_assert_ptr_null(store_new("", &err));
	ck_assert_ptr_nonnull(err);

	check_store_rmrf(tmp);
	free(below);
	free(file);
	free(root);
	free(tmp);
}
END_TEST

START_TEST(test_maildir_deliver)
{
	struct store		*st;
	struct store_msg	*m;
	struct stat		 sa, sb;
	const char		*err = NULL;
	const char		*rcpts[] = { "Alice@Example.test",
				    "bob@example.test", "alice@example.test",
				    "bob@example.test" };
	const char		*boxes[] = { "alice@example.test",
				    "bob@example.test" };
	char			*tmp, *path, *file[2], *data, *base;
	size_t			 i, len;

	tmp = check_store_tmpdir();
	st = store_new(tmp, &err);
	ck_assert_ptr_nonnull(st);
	m = check_store_msg(check_store_body, CHECK_STORE_BODY_LEN, rcpts,
	    nitems(rcpts));
	ck_assert_int_eq(store_deliver(st, m, &err), 0);
	store_msg_unref(&m);
	ck_assert_uint_eq(store_count(st), 1);
	/* Four recipients, two distinct directories, one copy each. */
	ck_assert_int_eq(check_store_entries(tmp), 2);
	for (i = 0; i < nitems(boxes); i++) {
		path = xasprintf("%s/%s/tmp", tmp, boxes[i]);
		ck_assert_int_eq(check_store_entries(path), 0);
		free(path);
		path = xasprintf("%s/%s/cur", tmp, boxes[i]);
		ck_assert_int_eq(check_store_entries(path), 0);
		free(path);
		path = xasprintf("%s/%s/new", tmp, boxes[i]);
		file[i] = check_store_only_entry(path);
		free(path);
		data = check_store_slurp(file[i], &len);
		ck_assert_uint_eq(len, CHECK_STORE_BODY_LEN);
		ck_assert_mem_eq(data, check_store_body, len);
		free(data);
		base = strrchr(file[i], '/') + 1;
		ck_assert_ptr_null(strchr(base, ':'));
		ck_assert_ptr_nonnull(strstr(base, ".M"));
		ck_assert_ptr_nonnull(strchr(base, 'P'));
		ck_assert_ptr_nonnull(strchr(base, 'Q'));
	}
	/* Written once: the second copy is a hard link to the first. */
	ck_assert_int_eq(stat(file[0], &sa), 0);
	ck_assert_int_eq(stat(file[1], &sb), 0);
	ck_assert_uint_eq(sa.st_ino, sb.st_ino);
	ck_assert_uint_eq(sa.st_nlink, 2);
	ck_assert_int_eq(sa.st_mode & 0777, 0600);
	ck_assert_str_eq(strrchr(file[0], '/'), strrchr(file[1], '/'));

	/* A second message gets its own file name. */
	m = check_store_msg("second\r\n", 8, rcpts + 1, 1);
	ck_assert_int_eq(store_deliver(st, m, &err), 0);
	store_msg_unref(&m);
	path = xasprintf("%s/bob@example.test/new", tmp);
	ck_assert_int_eq(check_store_entries(path), 2);
	free(path);

	store_free(st);
	check_store_rmrf(tmp);
	free(file[0]);
	free(file[1]);
	free(tmp);
}
END_TEST

START_TEST(test_maildir_no_rcpts)
{
	struct store		*st;
	struct store_msg	*m;
	const char		*err = NULL;
	char			*tmp;

	tmp = check_store_tmpdir();
	st = store_new(tmp, &err);
	ck_assert_ptr_nonnull(st);
	m = check_store_msg("x", 1, NULL, 0);
	ck_assert_int_eq(store_deliver(st, m, &err), 0);
	store_msg_unref(&m);
	ck_assert_uint_eq(store_count(st), 1);
	ck_assert_int_eq(check_store_entries(tmp), 0);
	store_free(st);
	check_store_rmrf(tmp);
	free(tmp);
}
END_TEST

START_TEST(test_maildir_long_rcpts)
{
	struct store		*st;
	struct store_msg	*m;
	const char		*err = NULL;
	const char		*rcpts[2];
	char			 a[401], b[401];
	char			*tmp;

	memset(a, 'x', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	a[sizeof(a) - 2] = '1';
	b[sizeof(b) - 2] = '2';
	rcpts[0] = a;
	rcpts[1] = b;
	tmp = check_store_tmpdir();
	st = store_new(tmp, &err);
	ck_assert_ptr_nonnull(st);
	m = check_store_msg("x", 1, rcpts, nitems(rcpts));
	ck_assert_msg(store_deliver(st, m, &err) == 0, "deliver: %s", err);
	store_msg_unref(&m);
	/* Cut to one path component, but still one Maildir each. */
	ck_assert_int_eq(check_store_entries(tmp), 2);
	store_free(st);
	check_store_rmrf(tmp);
	free(tmp);
}
END_TEST

START_TEST(test_maildir_fail)
{
	struct store		*st;
	struct store_msg	*m;
	struct check_store_seen	 seen = { 0, 0 };
	const char		*err = NULL;
	const char		*rcpts[] = { "carol@example.test",
				    "alice@example.test", "bob@example.test" };
	char			*tmp, *path;
	int			 fd;

	tmp = check_store_tmpdir();
	st = store_new(tmp, &err);
	ck_assert_ptr_nonnull(st);
	store_set_observer(st, check_store_observe, &seen);
	m = check_store_msg("first\r\n", 7, rcpts + 1, 1);
	ck_assert_int_eq(store_deliver(st, m, &err), 0);
	store_msg_unref(&m);
	ck_assert_int_eq(seen.calls, 1);

	/* bob's Maildir cannot be made: a regular file has its name. */
	path = xasprintf("%s/bob@example.test", tmp);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);

	m = check_store_msg(check_store_body, CHECK_STORE_BODY_LEN, rcpts,
	    nitems(rcpts));
	err = NULL;
	ck_assert_int_eq(store_deliver(st, m, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_uint_eq(store_count(st), 1);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_uint_eq(m->id, 0);
	ck_assert_uint_eq(m->refs, 1);
	/* alice was written before bob failed: her copy is gone again. */
	free(path);
	path = xasprintf("%s/alice@example.test/new", tmp);
	ck_assert_int_eq(check_store_entries(path), 1);
	free(path);
	path = xasprintf("%s/alice@example.test/tmp", tmp);
	ck_assert_int_eq(check_store_entries(path), 0);
	free(path);
	path = xasprintf("%s/carol@example.test/new", tmp);
	ck_assert_int_le(check_store_entries(path), 0);
	free(path);
	path = xasprintf("%s/carol@example.test/tmp", tmp);
	ck_assert_int_le(check_store_entries(path), 0);

	/* Once the obstacle is gone the same message goes through. */
	free(path);
	path = xasprintf("%s/bob@example.test", tmp);
	ck_assert_int_eq(unlink(path), 0);
	free(path);
	ck_assert_int_eq(store_deliver(st, m, &err), 0);
	ck_assert_uint_eq(m->id, 2);
	store_msg_unref(&m);
	ck_assert_uint_eq(store_count(st), 2);
	ck_assert_int_eq(seen.calls, 2);
	path = xasprintf("%s/carol@example.test/new", tmp);
	ck_assert_int_eq(check_store_entries(path), 1);
	free(path);

	store_free(st);
	check_store_rmrf(tmp);
	free(tmp);
}
END_TEST

Suite *
store_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("store");

	tc = tcase_create("name");
	tcase_add_loop_test(tc, test_maildir_name, 0, nitems(name_cases));
	tcase_add_test(tc, test_maildir_name_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("msg");
	tcase_add_test(tc, test_msg_new_and_setters);
	tcase_add_test(tc, test_msg_many_rcpts);
	tcase_add_test(tc, test_msg_refs);
	suite_add_tcase(s, tc);

	tc = tcase_create("memory");
	tcase_add_test(tc, test_mem_deliver);
	tcase_add_test(tc, test_mem_clear);
	tcase_add_test(tc, test_mem_observer);
	suite_add_tcase(s, tc);

	tc = tcase_create("maildir");
	tcase_add_test(tc, test_maildir_new_root);
	tcase_add_test(tc, test_maildir_deliver);
	tcase_add_test(tc, test_maildir_no_rcpts);
	tcase_add_test(tc, test_maildir_long_rcpts);
	tcase_add_test(tc, test_maildir_fail);
	suite_add_tcase(s, tc);

	return s;
}
