/*
 * store_maildir.c: the Maildir side of the mailstore.
 *
 * Owns every file system call the store makes: creating the root, one
 * Maildir per recipient directory name (tmp/, new/, cur/ made on demand)
 * and the delivery itself.  A message is written to tmp/<unique>,
 * fsynced, renamed into new/<unique> and new/ is fsynced, so a message
 * answered with 250 survives a crash (RFC 5321 6.1).  The bytes are
 * written once and hard-linked into the other recipients' tmp/.
 *
 * It adds nothing to the message (no Return-Path, no Delivered-To).
 * Mailboxes, flags and UIDs on disk are store_folder.c's, which uses the
 * helpers below that store_int.h exports.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/store.h"
#include "fakes/store_int.h"

/* Longest host part of a unique name, after escaping. */
#define STORE_MAILDIR_HOST_MAX	64

enum store_maildir_state {
	STORE_MAILDIR_S_NONE,		/* nothing written yet */
	STORE_MAILDIR_S_TMP,		/* tmp file exists */
	STORE_MAILDIR_S_NEW		/* renamed into new/ */
};

/* One distinct recipient directory for the message being delivered. */
struct store_maildir_box {
	char			 name[NAME_MAX + 1];
	char			*dir;		/* owned; root/name */
	char			*newdir;	/* owned; dir/new */
	char			*tmp;		/* owned; dir/tmp/unique */
	char			*new;		/* owned; dir/new/unique */
	enum store_maildir_state state;
};

/* names */
static char	store_maildir_namechar(unsigned char, bool);
static uint64_t	store_maildir_hash(const char *);

/* file system */
static int	store_maildir_sync_parent(const char *);
static int	store_maildir_write_all(int, const char *, size_t);

/* delivery */
static int	store_maildir_box_cmp(const void *, const void *);
static struct store_maildir_box *store_maildir_boxes(const struct store_msg *,
		    size_t *);
static void	store_maildir_boxes_free(struct store_maildir_box *, size_t);
static int	store_maildir_prepare(const char *, struct store_maildir_box *,
		    const char *, const char **);
static int	store_maildir_put_tmp(struct store_maildir_box *, const char *,
		    const struct store_msg *, const char **);
static int	store_maildir_publish(struct store_maildir_box *,
		    const char **);
static void	store_maildir_undo(struct store_maildir_box *, size_t);

/* Delivery counter, the Q part of unique names (one per process). */
static unsigned long	store_maildir_seq;

/* --- names --- */

static char
store_maildir_namechar(unsigned char c, bool first)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return (char)c;
	/* A leading '.' would make "." or ".." or a hidden directory. */
	if (c == '.' && first)
		return '_';
	if (c != '\0' && strchr("@._+=-", c) != NULL)
		return (char)c;
	return '_';
}

bool
store_maildir_name(const char *addr, char *out, size_t size)
{
	size_t	i;

	if (size == 0)
		return false;
	if (addr[0] == '\0')
		return str_copy(out, "_", size);
	for (i = 0; addr[i] != '\0'; i++) {
		if (i + 1 >= size) {
			out[i] = '\0';
			return false;
		}
		out[i] = store_maildir_namechar((unsigned char)addr[i], i == 0);
	}
	out[i] = '\0';
	return true;
}

/* FNV-1a, 64 bits: stable across runs, which a Maildir path must be. */
static uint64_t
store_maildir_hash(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * The name as store_maildir_name() gives it; an address too long for one
 * path component is cut and ends in "=<hash of the whole address>", so
 * two long addresses with a common prefix still get separate Maildirs.
 */
void
store_maildir_dirname(const char *addr, char *out, size_t size)
{
	char	suffix[18];

	if (size < sizeof(suffix) + 1)
		fatalx("%s: size %zu too small", __func__, size);
	if (store_maildir_name(addr, out, size))
		return;
	(void)snprintf(suffix, sizeof(suffix), "=%016" PRIx64,
	    store_maildir_hash(addr));
	memcpy(out + size - sizeof(suffix), suffix, sizeof(suffix));
}

/*
 * "<sec>.M<usec>P<pid>Q<seq>.<host>" as the Maildir convention asks, with
 * '/' and ':' in the host name escaped as \057 and \072 because '/'
 * separates paths and ':' starts the info part of names in cur/.
 */
void
store_maildir_unique(char *out, size_t size)
{
	struct timespec	 ts;
	char		 host[256], safe[STORE_MAILDIR_HOST_MAX + 1];
	const char	*hn, *esc;
	size_t		 i, n, elen;
	int		 r;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	hn = "localhost";
	if (gethostname(host, sizeof(host)) == 0 && host[0] != '\0') {
		host[sizeof(host) - 1] = '\0';
		hn = host;
	}
	n = 0;
	for (i = 0; hn[i] != '\0'; i++) {
		esc = hn[i] == '/' ? "\\057" : hn[i] == ':' ? "\\072" : NULL;
		elen = esc != NULL ? 4 : 1;
		if (n + elen >= sizeof(safe))
			break;
		if (esc != NULL)
			memcpy(safe + n, esc, elen);
		else
			safe[n] = hn[i];
		n += elen;
	}
	safe[n] = '\0';
	r = snprintf(out, size, "%lld.M%06ldP%ldQ%lu.%s", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000, (long)getpid(), ++store_maildir_seq, safe);
	if (r < 0 || (size_t)r >= size)
		fatalx("%s: unique name does not fit", __func__);
}

/* --- file system --- */

int
store_maildir_fsync_fd(int fd)
{
	int	r;

	do {
		r = fsync(fd);
	} while (r == -1 && errno == EINTR);
	return r;
}

int
store_maildir_fsync_dir(const char *path)
{
	int	fd, r, saved;

	do {
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} while (fd == -1 && errno == EINTR);
	if (fd == -1)
		return -1;
	r = store_maildir_fsync_fd(fd);
	saved = errno;
	(void)close(fd);
	errno = saved;
	return r;
}

/* A new directory entry is only durable once its parent is synced. */
static int
store_maildir_sync_parent(const char *path)
{
	const char	*slash;
	char		*parent;
	int		 r;

	slash = strrchr(path, '/');
	if (slash == NULL)
		return store_maildir_fsync_dir(".");
	if (slash == path)
		return store_maildir_fsync_dir("/");
	parent = xstrndup(path, (size_t)(slash - path));
	r = store_maildir_fsync_dir(parent);
	free(parent);
	return r;
}

/*
 * 0 if path is there (or something else by that name is: the next step
 * below it then fails with ENOTDIR), -1 with errno otherwise.
 */
int
store_maildir_mkdir(const char *path)
{
	if (mkdir(path, 0700) == 0)
		return store_maildir_sync_parent(path);
	return errno == EEXIST ? 0 : -1;
}

static int
store_maildir_write_all(int fd, const char *data, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Create path (it must not exist), write, fsync; on failure no file. */
int
store_maildir_write_file(const char *path, const char *data, size_t len)
{
	int	fd, saved;

	do {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	} while (fd == -1 && errno == EINTR);
	if (fd == -1)
		return -1;
	if (store_maildir_write_all(fd, data, len) == -1 ||
	    store_maildir_fsync_fd(fd) == -1) {
		saved = errno;
		(void)close(fd);
		(void)unlink(path);
		errno = saved;
		return -1;
	}
	if (close(fd) == -1) {
		saved = errno;
		(void)unlink(path);
		errno = saved;
		return -1;
	}
	return 0;
}

int
store_maildir_mkroot(const char *root, const char **error_r)
{
	struct stat	 st;
	char		*p, *s;
	size_t		 len;
	int		 r = 0;

	if (root[0] == '\0') {
		*error_r = "empty Maildir root";
		return -1;
	}
	p = xstrdup(root);
	len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	/* mkdir -p: each missing parent first. */
	for (s = p + 1; *s != '\0' && r == 0; s++) {
		if (*s != '/' || s[-1] == '/')
			continue;
		*s = '\0';
		r = store_maildir_mkdir(p);
		if (r == -1)
			log_warn("store: cannot create maildir path=%s", p);
		*s = '/';
	}
	if (r == 0) {
		r = store_maildir_mkdir(p);
		if (r == -1)
			log_warn("store: cannot create maildir path=%s", p);
	}
	if (r == -1) {
		*error_r = "cannot create Maildir root";
	} else if (stat(p, &st) == -1 || !S_ISDIR(st.st_mode)) {
		log_warnx("store: maildir root is not a directory path=%s", p);
		*error_r = "Maildir root is not a directory";
		r = -1;
	}
	free(p);
	return r;
}

/* --- delivery --- */

static int
store_maildir_box_cmp(const void *a, const void *b)
{
	const struct store_maildir_box	*x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* The distinct directory names of m's recipients, sorted; *n_r of them. */
static struct store_maildir_box *
store_maildir_boxes(const struct store_msg *m, size_t *n_r)
{
	struct store_maildir_box	*boxes;
	size_t				 i, n;

	boxes = xcalloc(m->nrcpts, sizeof(*boxes));
	for (i = 0; i < m->nrcpts; i++)
		store_maildir_dirname(m->rcpts[i].addr, boxes[i].name,
		    sizeof(boxes[i].name));
	if (m->nrcpts > 1)
		qsort(boxes, m->nrcpts, sizeof(*boxes), store_maildir_box_cmp);
	n = 0;
	for (i = 0; i < m->nrcpts; i++) {
		if (n > 0 && strcmp(boxes[n - 1].name, boxes[i].name) == 0)
			continue;
		if (n != i)
			boxes[n] = boxes[i];
		n++;
	}
	*n_r = n;
	return boxes;
}

static void
store_maildir_boxes_free(struct store_maildir_box *boxes, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(boxes[i].dir);
		free(boxes[i].newdir);
		free(boxes[i].tmp);
		free(boxes[i].new);
	}
	free(boxes);
}

/* Make root/name/{tmp,new,cur} as needed and fill in the box's paths. */
static int
store_maildir_prepare(const char *root, struct store_maildir_box *b,
    const char *unique, const char **error_r)
{
	static const char	*subdirs[] = { "tmp", "new", "cur" };
	char			*path;
	size_t			 i;
	int			 r;

	b->dir = xasprintf("%s/%s", root, b->name);
	b->newdir = xasprintf("%s/new", b->dir);
	b->tmp = xasprintf("%s/tmp/%s", b->dir, unique);
	b->new = xasprintf("%s/new/%s", b->dir, unique);
	if (store_maildir_mkdir(b->dir) == -1) {
		log_warn("store: cannot create maildir path=%s", b->dir);
		*error_r = "cannot create Maildir directory";
		return -1;
	}
	for (i = 0; i < nitems(subdirs); i++) {
		path = xasprintf("%s/%s", b->dir, subdirs[i]);
		r = store_maildir_mkdir(path);
		if (r == -1)
			log_warn("store: cannot create maildir path=%s", path);
		free(path);
		if (r == -1) {
			*error_r = "cannot create Maildir directory";
			return -1;
		}
	}
	return 0;
}

/*
 * Put the bytes in b's tmp/: a hard link to first (the copy already
 * written and synced) when there is one, else a fresh write.  Linking
 * can fail across file systems or where links are not supported; then
 * the bytes are written again.
 */
static int
store_maildir_put_tmp(struct store_maildir_box *b, const char *first,
    const struct store_msg *m, const char **error_r)
{
	if (first != NULL && link(first, b->tmp) == 0) {
		b->state = STORE_MAILDIR_S_TMP;
		return 0;
	}
	if (store_maildir_write_file(b->tmp, m->data, m->len) == -1) {
		log_warn("store: cannot write message path=%s", b->tmp);
		*error_r = "cannot write message to Maildir tmp/";
		return -1;
	}
	b->state = STORE_MAILDIR_S_TMP;
	return 0;
}

static int
store_maildir_publish(struct store_maildir_box *b, const char **error_r)
{
	if (rename(b->tmp, b->new) == -1) {
		log_warn("store: cannot rename into new/ path=%s", b->tmp);
		*error_r = "cannot move message into Maildir new/";
		return -1;
	}
	b->state = STORE_MAILDIR_S_NEW;
	if (store_maildir_fsync_dir(b->newdir) == -1) {
		log_warn("store: cannot sync path=%s", b->newdir);
		*error_r = "cannot sync Maildir new/";
		return -1;
	}
	return 0;
}

/* Remove whatever this delivery created; best effort, errors are moot. */
static void
store_maildir_undo(struct store_maildir_box *boxes, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		switch (boxes[i].state) {
		case STORE_MAILDIR_S_NONE:
			break;
		case STORE_MAILDIR_S_TMP:
			if (unlink(boxes[i].tmp) == -1)
				log_warn("store: cannot remove path=%s",
				    boxes[i].tmp);
			break;
		case STORE_MAILDIR_S_NEW:
			if (unlink(boxes[i].new) == -1)
				log_warn("store: cannot remove path=%s",
				    boxes[i].new);
			(void)store_maildir_fsync_dir(boxes[i].newdir);
			break;
		default:
			fatalx("%s: bad state %d", __func__, boxes[i].state);
		}
		boxes[i].state = STORE_MAILDIR_S_NONE;
	}
}

int
store_maildir_deliver(const char *root, struct store_msg *m,
    const char **error_r)
{
	struct store_maildir_box	*boxes;
	const char			*first = NULL;
	char				 unique[NAME_MAX + 1];
	size_t				 i, n;
	int				 rc = -1;

	if (m->nrcpts == 0)
		return 0;
	boxes = store_maildir_boxes(m, &n);
	store_maildir_unique(unique, sizeof(unique));
	for (i = 0; i < n; i++) {
		if (store_maildir_prepare(root, &boxes[i], unique,
		    error_r) == -1)
			goto fail;
		if (store_maildir_put_tmp(&boxes[i], first, m, error_r) == -1)
			goto fail;
		if (first == NULL)
			first = boxes[i].tmp;
	}
	/* Only once every copy is in tmp/ does any become visible. */
	for (i = 0; i < n; i++)
		if (store_maildir_publish(&boxes[i], error_r) == -1)
			goto fail;
	/* Where mailboxes link the bytes from (store_folder.c). */
	store_msg_set_str(&m->path, boxes[0].new);
	rc = 0;
 fail:
	if (rc == -1)
		store_maildir_undo(boxes, n);
	store_maildir_boxes_free(boxes, n);
	return rc;
}
