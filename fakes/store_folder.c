/*
 * store_folder.c: users and mailboxes on disk, as Maildir++.
 *
 * Owns the files behind store_box.c: a user's INBOX is ROOT/<name>/ (the
 * directory SMTP delivery writes that address to), every other mailbox a
 * folder ROOT/<name>/.<encoded name>; one file per entry whose info part
 * carries the flags (":2,DFRST", new/ for a message still \Recent), the
 * mailrig-uidlist of each mailbox ("V<uidvalidity> N<uidnext>", then
 * "<uid> <base>" lines) so that POP3 UIDLs and IMAP UIDs survive a
 * restart (RFC 1939 7, RFC 3501 2.3.1.1), the subscriptions file, and
 * the scan that rebuilds users, mailboxes and messages at start.
 *
 * Disk errors are logged and degrade an entry to memory only; they never
 * abort.  Not here: recipient delivery (store_maildir.c) and keywords,
 * which are kept in memory only.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/store.h"
#include "fakes/store_int.h"

#define STORE_FOLDER_UIDLIST	"mailrig-uidlist"
#define STORE_FOLDER_SUBS	"subscriptions"
/* Rewrite a uidlist once this many of its lines name expunged files. */
#define STORE_FOLDER_STALE_MIN	32

/* One "<uid> <base>" line of a uidlist. */
struct store_folder_line {
	uint32_t	 uid;
	char		*base;		/* owned */
};

struct store_folder_list {
	uint32_t			 uidvalidity;	/* 0: none */
	uint32_t			 uidnext;
	struct store_folder_line	*lines;		/* owned; by base */
	size_t				 n;
	bool				 found;		/* file was read */
	bool				 bad;		/* lines skipped */
};

/* A message file found by the scan. */
struct store_folder_file {
	char			*base;		/* owned */
	char			*rel;		/* owned; "new/..", "cur/.." */
	unsigned		 flags;
	uint32_t		 uid;		/* 0: not in the uidlist */
	int64_t			 mtime_ms;
	struct store_msg	*msg;		/* borrowed from the scan */
};

/* Hard links share one message: st_dev and st_ino name it. */
struct store_folder_ino {
	dev_t			 dev;
	ino_t			 ino;
	struct store_msg	*msg;		/* one reference, the scan's */
	bool			 delivered;	/* seen in an INBOX */
};

struct store_folder_scan {
	struct store		*st;		/* borrowed */
	struct store_folder_ino	*tab;		/* owned; open addressing */
	size_t			 cap;		/* power of two */
	size_t			 n;
	struct store_msg	**list;		/* owned; borrowed entries */
	size_t			 nlist;
	size_t			 list_cap;
};

/* names */
static char	*store_folder_encode(const char *);
static int	store_folder_hexval(char);
static char	*store_folder_decode(const char *);
static char	*store_folder_box_dir(const struct store_box *, const char *);
static void	store_folder_base(const char *, char *, size_t);
static char	*store_folder_rel(const char *, unsigned);
static unsigned	store_folder_info_flags(const char *);

/* files */
static int	store_folder_maildir(const char *);
static int	store_folder_replace(const char *, const char *, size_t);
static int	store_folder_read(const char *, size_t, char **, size_t *);
static void	store_folder_set_path(struct store_msg *, const char *,
		    const char *);
static int	store_folder_link_or_write(struct store_box *,
		    struct store_msg *, const char *, unsigned, char **,
		    const char **);
static void	store_folder_rmtree(const char *);

/* uidlist */
static void	store_folder_rewrite(struct store_box *);
static int	store_folder_line_cmp(const void *, const void *);
static void	store_folder_list_read(const char *,
		    struct store_folder_list *);
static void	store_folder_list_parse(char *, size_t,
		    struct store_folder_list *);
static uint32_t	store_folder_list_find(const struct store_folder_list *,
		    const char *);
static void	store_folder_list_free(struct store_folder_list *);

/* scan */
static struct store_folder_ino *store_folder_ino_slot(
		    struct store_folder_scan *, dev_t, ino_t);
static void	store_folder_ino_grow(struct store_folder_scan *);
static struct store_msg *store_folder_load_msg(struct store_folder_scan *,
		    const char *, const struct stat *, bool, const char *);
static void	store_folder_load_sub(struct store_folder_scan *,
		    struct store_box *, const char *, bool,
		    struct store_folder_file **, size_t *, size_t *);
static int	store_folder_file_cmp(const void *, const void *);
static void	store_folder_load_box(struct store_folder_scan *,
		    struct store_user *, const char *, char *);
static bool	store_folder_load_subs(struct store_user *);
static void	store_folder_load_user(struct store_folder_scan *,
		    const char *);
static int	store_folder_msg_cmp(const void *, const void *);

/* --- names --- */

/*
 * The Maildir++ folder name: '/' becomes '.', and '.', '%' and every
 * byte outside [A-Za-z0-9 _+,&=-] become %XX, so the mapping reverses
 * and modified UTF-7 names (RFC 3501 5.1.3) stay readable.
 */
static char *
store_folder_encode(const char *name)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;
	char			*out, *p;

	out = xmalloc(strlen(name) * 3 + 2);
	p = out;
	*p++ = '.';
	for (; *name != '\0'; name++) {
		c = (unsigned char)*name;
		if (c == '/') {
			*p++ = '.';
		} else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr(" _+,&=-", c) != NULL) {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 0xf];
		}
	}
	*p = '\0';
	return out;
}

static int
store_folder_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The mailbox name of a folder (without its leading '.'); NULL if bad. */
static char *
store_folder_decode(const char *enc)
{
	char	*out, *p;
	int	 hi, lo;

	out = xmalloc(strlen(enc) + 1);
	p = out;
	for (; *enc != '\0'; enc++) {
		if (*enc == '.') {
			*p++ = '/';
			continue;
		}
		if (*enc != '%') {
			*p++ = *enc;
			continue;
		}
		hi = store_folder_hexval(enc[1]);
		lo = hi == -1 ? -1 : store_folder_hexval(enc[2]);
		if (lo == -1 || (hi == 0 && lo == 0)) {
			free(out);
			return NULL;
		}
		*p++ = (char)(hi << 4 | lo);
		enc += 2;
	}
	*p = '\0';
	return out;
}

/* The Maildir of a mailbox called name in b's user. */
static char *
store_folder_box_dir(const struct store_box *b, const char *name)
{
	char	*enc, *dir;

	if (strcmp(name, "INBOX") == 0)
		return xstrdup(b->user->dir);
	enc = store_folder_encode(name);
	dir = xasprintf("%s/%s", b->user->dir, enc);
	free(enc);
	return dir;
}

/* The base of a file name: no directory, no ":2,..." info. */
static void
store_folder_base(const char *file, char *out, size_t size)
{
	const char	*p, *colon;
	size_t		 n;

	p = strrchr(file, '/');
	p = p != NULL ? p + 1 : file;
	colon = strchr(p, ':');
	n = colon != NULL ? (size_t)(colon - p) : strlen(p);
	if (!str_copyn(out, p, n, size))
		log_warnx("store: file name cut short");
}

/*
 * Where a file with these flags lives: new/ while it is only \Recent,
 * else cur/ with the flag letters in ASCII order.  \Recent itself is not
 * stored: it belongs to the sessions of this process.
 * XXX keywords (RFC 3501 2.3.2) are kept in memory only: Maildir has no
 * standard place for them, and a restart forgets them.
 */
static char *
store_folder_rel(const char *base, unsigned flags)
{
	char	info[8];
	size_t	n = 0;

	if (flags == STORE_F_RECENT)
		return xasprintf("new/%s", base);
	if (flags & STORE_F_DRAFT)
		info[n++] = 'D';
	if (flags & STORE_F_FLAGGED)
		info[n++] = 'F';
	if (flags & STORE_F_ANSWERED)
		info[n++] = 'R';
	if (flags & STORE_F_SEEN)
		info[n++] = 'S';
	if (flags & STORE_F_DELETED)
		info[n++] = 'T';
	info[n] = '\0';
	return xasprintf("cur/%s:2,%s", base, info);
}

/* Flags of a name in cur/; unknown letters are ignored. */
static unsigned
store_folder_info_flags(const char *name)
{
	const char	*p;
	unsigned	 flags = 0;

	p = strstr(name, ":2,");
	if (p == NULL)
		return 0;
	for (p += 3; *p != '\0'; p++) {
		switch (*p) {
		case 'D':
			flags |= STORE_F_DRAFT;
			break;
		case 'F':
			flags |= STORE_F_FLAGGED;
			break;
		case 'R':
			flags |= STORE_F_ANSWERED;
			break;
		case 'S':
			flags |= STORE_F_SEEN;
			break;
		case 'T':
			flags |= STORE_F_DELETED;
			break;
		default:
			break;
		}
	}
	return flags;
}

/* --- files --- */

/* dir and its tmp/, new/, cur/. */
static int
store_folder_maildir(const char *dir)
{
	static const char	*subdirs[] = { "tmp", "new", "cur" };
	char			*path;
	size_t			 i;
	int			 r;

	if (store_maildir_mkdir(dir) == -1) {
		log_warn("store: cannot create maildir path=%s", dir);
		return -1;
	}
	for (i = 0; i < nitems(subdirs); i++) {
		path = xasprintf("%s/%s", dir, subdirs[i]);
		r = store_maildir_mkdir(path);
		if (r == -1)
			log_warn("store: cannot create maildir path=%s", path);
		free(path);
		if (r == -1)
			return -1;
	}
	return 0;
}

/* Replace path with data atomically: a temporary file, then rename. */
static int
store_folder_replace(const char *path, const char *data, size_t len)
{
	char	*tmp;
	int	 r;

	tmp = xasprintf("%s.tmp", path);
	(void)unlink(tmp);
	r = store_maildir_write_file(tmp, data, len);
	if (r == 0 && rename(tmp, path) == -1) {
		r = -1;
		(void)unlink(tmp);
	}
	if (r == -1)
		log_warn("store: cannot write path=%s", path);
	free(tmp);
	return r;
}

/*
 * Read a whole file of at most max bytes into *data_r (heap, NUL added
 * after the *len_r bytes).  -1 with errno (EFBIG when it is larger).
 */
static int
store_folder_read(const char *path, size_t max, char **data_r, size_t *len_r)
{
	struct stat	 sb;
	char		*data;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return -1;
	if (fstat(fd, &sb) == -1) {
		saved = errno;
		(void)close(fd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > max) {
		(void)close(fd);
		errno = S_ISREG(sb.st_mode) ? EFBIG : EINVAL;
		return -1;
	}
	data = xmalloc((size_t)sb.st_size + 1);
	/* Bounded by the size seen: a file growing meanwhile is cut. */
	while (len < (size_t)sb.st_size) {
		n = read(fd, data + len, (size_t)sb.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	(void)close(fd);
	data[len] = '\0';
	*data_r = data;
	*len_r = len;
	return 0;
}

/* m->path follows its file when the file moves; NULL when it goes. */
static void
store_folder_set_path(struct store_msg *m, const char *old, const char *now)
{
	if (m->path != NULL && strcmp(m->path, old) == 0)
		store_msg_set_str(&m->path, now);
}

/*
 * A hard link to m->path when it still exists, else the bytes written
 * to tmp/, fsynced and renamed (the Maildir way).  Either way the
 * directory is synced, so the file survives a crash.
 */
static int
store_folder_link_or_write(struct store_box *b, struct store_msg *m,
    const char *base, unsigned flags, char **file_r, const char **error_r)
{
	struct stat	 sb;
	char		 unique[NAME_MAX + 1];
	char		*rel, *path, *tmp, *sub;
	int		 r = -1;

	rel = store_folder_rel(base, flags);
	path = xasprintf("%s/%s", b->dir, rel);
	if (lstat(path, &sb) == 0) {
		/* Taken (a second copy of m here): a name of its own. */
		free(rel);
		free(path);
		store_maildir_unique(unique, sizeof(unique));
		rel = store_folder_rel(unique, flags);
		path = xasprintf("%s/%s", b->dir, rel);
		base = unique;
	}
	if (m->path != NULL && link(m->path, path) == 0) {
		r = 0;
	} else {
		tmp = xasprintf("%s/tmp/%s", b->dir, base);
		if (store_maildir_write_file(tmp, m->data, m->len) == 0) {
			r = rename(tmp, path);
			if (r == -1)
				(void)unlink(tmp);
		}
		free(tmp);
		if (r == 0)
			store_msg_set_str(&m->path, path);
	}
	if (r == 0) {
		sub = xstrndup(path, (size_t)(strrchr(path, '/') - path));
		if (store_maildir_fsync_dir(sub) == -1)
			log_warn("store: cannot sync path=%s", sub);
		free(sub);
		*file_r = rel;
	} else {
		log_warn("store: cannot write message path=%s", path);
		*error_r = "cannot write message to Maildir";
		free(rel);
	}
	free(path);
	return r;
}

/* rm -r of one Maildir++ folder, which holds no folders itself. */
static void
store_folder_rmtree(const char *dir)
{
	static const char	*subdirs[] = { "tmp", "new", "cur" };
	DIR			*d;
	struct dirent		*de;
	char			*sub, *path;
	size_t			 i;

	for (i = 0; i <= nitems(subdirs); i++) {
		sub = i < nitems(subdirs) ?
		    xasprintf("%s/%s", dir, subdirs[i]) : xstrdup(dir);
		d = opendir(sub);
		while (d != NULL && (de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0 ||
			    (i == nitems(subdirs) &&
			    (strcmp(de->d_name, "tmp") == 0 ||
			    strcmp(de->d_name, "new") == 0 ||
			    strcmp(de->d_name, "cur") == 0)))
				continue;
			path = xasprintf("%s/%s", sub, de->d_name);
			if (unlink(path) == -1)
				log_warn("store: cannot remove path=%s", path);
			free(path);
		}
		if (d != NULL)
			(void)closedir(d);
		if (i < nitems(subdirs) && rmdir(sub) == -1 && errno != ENOENT)
			log_warn("store: cannot remove path=%s", sub);
		free(sub);
	}
	if (rmdir(dir) == -1)
		log_warn("store: cannot remove path=%s", dir);
}

/* --- what store_box.c asks for --- */

int
store_folder_user(struct store_user *u, const char **error_r)
{
	char	name[NAME_MAX + 1];

	store_maildir_dirname(u->login, name, sizeof(name));
	u->dir = xasprintf("%s/%s", u->store->root, name);
	if (store_folder_maildir(u->dir) == -1) {
		free(u->dir);
		u->dir = NULL;
		*error_r = "cannot create user Maildir";
		return -1;
	}
	return 0;
}

int
store_folder_box_make(struct store_box *b, const char **error_r)
{
	char	*path;
	int	 fd;

	if (b->user->dir == NULL) {
		*error_r = "user has no Maildir";
		return -1;
	}
	b->dir = store_folder_box_dir(b, b->name);
	if (strcmp(b->name, "INBOX") != 0) {
		if (store_folder_maildir(b->dir) == -1) {
			free(b->dir);
			b->dir = NULL;
			*error_r = "cannot create mailbox folder";
			return -1;
		}
		/* Marks a Maildir++ folder for other readers. */
		path = xasprintf("%s/maildirfolder", b->dir);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd != -1)
			(void)close(fd);
		free(path);
	}
	store_folder_rewrite(b);
	return 0;
}

void
store_folder_box_remove(struct store_box *b)
{
	if (strcmp(b->name, "INBOX") == 0)
		fatalx("%s: INBOX", __func__);
	store_folder_rmtree(b->dir);
	(void)store_maildir_fsync_dir(b->user->dir);
}

int
store_folder_box_rename(struct store_box *b, const char *name,
    const char **error_r)
{
	struct stat	 sb;
	char		*dir;

	dir = store_folder_box_dir(b, name);
	if (strcmp(dir, b->dir) == 0) {
		free(dir);
		return 0;
	}
	/* rename(2) would replace an empty directory silently. */
	if (lstat(dir, &sb) == 0 || rename(b->dir, dir) == -1) {
		log_warn("store: cannot rename folder path=%s", dir);
		free(dir);
		*error_r = "cannot rename mailbox folder";
		return -1;
	}
	free(b->dir);
	b->dir = dir;
	(void)store_maildir_fsync_dir(b->user->dir);
	return 0;
}

int
store_folder_put(struct store_box *b, struct store_msg *m, unsigned flags,
    bool adopt, char **file_r, const char **error_r)
{
	struct stat	 a, c;
	char		 base[NAME_MAX + 1];
	char		*path;

	if (adopt && flags == STORE_F_RECENT && m->path != NULL) {
		/* The file a recipient delivery wrote here already. */
		store_folder_base(m->path, base, sizeof(base));
		path = xasprintf("%s/new/%s", b->dir, base);
		if (stat(path, &a) == 0 && stat(m->path, &c) == 0 &&
		    a.st_dev == c.st_dev && a.st_ino == c.st_ino) {
			free(path);
			*file_r = xasprintf("new/%s", base);
			return 0;
		}
		free(path);
	}
	/*
	 * A base name of its own: the same message may be in this mailbox
	 * already, under another info part, and a uidlist names bases.
	 */
	store_maildir_unique(base, sizeof(base));
	return store_folder_link_or_write(b, m, base, flags, file_r, error_r);
}

void
store_folder_listed(struct store_box *b, const struct store_box_ent *ent)
{
	char	 base[NAME_MAX + 1];
	char	*path;
	int	 fd, r;

	store_folder_base(ent->file, base, sizeof(base));
	path = xasprintf("%s/%s", b->dir, STORE_FOLDER_UIDLIST);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	r = fd == -1 ? -1 : dprintf(fd, "%" PRIu32 " %s\n", ent->e.uid,
	    base);
	if (r < 0)
		log_warn("store: cannot append to path=%s", path);
	if (fd != -1)
		(void)close(fd);
	free(path);
}

void
store_folder_flags(struct store_box *b, struct store_box_ent *ent)
{
	char	 base[NAME_MAX + 1];
	char	*rel, *from, *to;

	store_folder_base(ent->file, base, sizeof(base));
	rel = store_folder_rel(base, ent->e.flags);
	if (strcmp(rel, ent->file) == 0) {
		free(rel);
		return;
	}
	from = xasprintf("%s/%s", b->dir, ent->file);
	to = xasprintf("%s/%s", b->dir, rel);
	if (rename(from, to) == -1) {
		log_warn("store: cannot rename path=%s", from);
		free(rel);
	} else {
		store_folder_set_path(ent->e.msg, from, to);
		free(ent->file);
		ent->file = rel;
	}
	free(from);
	free(to);
}

void
store_folder_unlink(struct store_box *b, struct store_box_ent *ent)
{
	char	*path;

	path = xasprintf("%s/%s", b->dir, ent->file);
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("store: cannot remove path=%s", path);
	store_folder_set_path(ent->e.msg, path, NULL);
	free(path);
	b->stale++;
}

/*
 * Stale lines are harmless (a listed file that is gone is dropped at
 * load and the header keeps UIDNEXT), so the uidlist is only rewritten
 * once they outnumber the live ones.
 */
void
store_folder_compact(struct store_box *b, bool force)
{
	if (force || (b->stale >= STORE_FOLDER_STALE_MIN &&
	    b->stale > b->nents))
		store_folder_rewrite(b);
}

int
store_folder_move(struct store_box *from, struct store_box *to,
    const struct store_box_ent *ent, char **file_r)
{
	struct stat	 sb;
	char		*src, *dst;
	int		 r;

	src = xasprintf("%s/%s", from->dir, ent->file);
	dst = xasprintf("%s/%s", to->dir, ent->file);
	/* rename(2) would replace a file of the same name. */
	r = lstat(dst, &sb) == 0 ? -1 : rename(src, dst);
	if (r == 0) {
		store_folder_set_path(ent->e.msg, src, dst);
		*file_r = xstrdup(ent->file);
		(void)store_maildir_fsync_dir(to->dir);
	}
	free(src);
	free(dst);
	return r;
}

void
store_folder_subs(struct store_user *u)
{
	char	*data, *path, *p;
	size_t	 i, len = 0;

	if (u->dir == NULL)
		return;
	for (i = 0; i < u->nboxes; i++)
		if (u->boxes[i]->subscribed)
			len += strlen(u->boxes[i]->name) + 1;
	data = xmalloc(len + 1);
	p = data;
	for (i = 0; i < u->nboxes; i++) {
		if (!u->boxes[i]->subscribed)
			continue;
		len = strlen(u->boxes[i]->name);
		memcpy(p, u->boxes[i]->name, len);
		p += len;
		*p++ = '\n';
	}
	path = xasprintf("%s/%s", u->dir, STORE_FOLDER_SUBS);
	(void)store_folder_replace(path, data, (size_t)(p - data));
	free(path);
	free(data);
}

/* --- uidlist --- */

static void
store_folder_rewrite(struct store_box *b)
{
	char	 base[NAME_MAX + 1];
	char	*data, *path;
	size_t	 cap, len, i;
	int	 n;

	/* 10 digits, a space, a base name and LF per line. */
	cap = 32 + b->nents * (12 + NAME_MAX + 1);
	data = xmalloc(cap);
	n = snprintf(data, cap, "V%" PRIu32 " N%" PRIu32 "\n",
	    b->uidvalidity, b->uidnext);
	len = (size_t)n;
	for (i = 0; i < b->nents; i++) {
		if (b->ents[i].file == NULL)
			continue;
		store_folder_base(b->ents[i].file, base, sizeof(base));
		n = snprintf(data + len, cap - len, "%" PRIu32 " %s\n",
		    b->ents[i].e.uid, base);
		if (n < 0 || (size_t)n >= cap - len)
			fatalx("%s: uidlist line does not fit", __func__);
		len += (size_t)n;
	}
	path = xasprintf("%s/%s", b->dir, STORE_FOLDER_UIDLIST);
	if (store_folder_replace(path, data, len) == 0)
		b->stale = 0;
	free(path);
	free(data);
}

static int
store_folder_line_cmp(const void *a, const void *b)
{
	const struct store_folder_line	*x = a, *y = b;

	return strcmp(x->base, y->base);
}

/* Read dir's uidlist; a missing or unreadable one leaves l empty. */
static void
store_folder_list_read(const char *dir, struct store_folder_list *l)
{
	char	*path, *data;
	size_t	 len;

	memset(l, 0, sizeof(*l));
	path = xasprintf("%s/%s", dir, STORE_FOLDER_UIDLIST);
	if (store_folder_read(path, STORE_UIDLIST_MAX, &data, &len) == -1) {
		if (errno != ENOENT)
			log_warn("store: uidlist ignored, UIDs reassigned "
			    "path=%s", path);
		free(path);
		return;
	}
	free(path);
	l->found = true;
	store_folder_list_parse(data, len, l);
	free(data);
	if (l->n > 1)
		qsort(l->lines, l->n, sizeof(*l->lines), store_folder_line_cmp);
}

/*
 * "V<uidvalidity> N<uidnext>" then "<uid> <base>" lines; lines of files
 * since expunged still count for UIDNEXT.
 */
static void
store_folder_list_parse(char *data, size_t len, struct store_folder_list *l)
{
	char		*line, *end, *sp, *nsp;
	uint64_t	 v, nx, uid;
	size_t		 cap = 0;
	bool		 first = true;

	for (line = data; line < data + len; line = end + 1) {
		end = memchr(line, '\n', (size_t)(data + len - line));
		if (end == NULL)
			end = data + len;
		*end = '\0';
		sp = strchr(line, ' ');
		if (first) {
			first = false;
			nsp = sp != NULL ? sp + 1 : NULL;
			if (line[0] == 'V' && nsp != NULL && nsp[0] == 'N' &&
			    str_to_u64(line + 1, (size_t)(sp - line - 1),
			    UINT32_MAX, &v) &&
			    str_to_u64(nsp + 1, strlen(nsp + 1), UINT32_MAX,
			    &nx)) {
				l->uidvalidity = (uint32_t)v;
				l->uidnext = (uint32_t)nx;
				continue;
			}
			l->bad = true;
			continue;
		}
		if (sp == NULL || sp[1] == '\0' || strchr(sp + 1, '/') ||
		    !str_to_u64(line, (size_t)(sp - line), UINT32_MAX - 1,
		    &uid) || uid == 0) {
			if (line[0] != '\0')
				l->bad = true;
			continue;
		}
		if (l->n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			l->lines = xreallocarray(l->lines, cap,
			    sizeof(*l->lines));
		}
		l->lines[l->n].uid = (uint32_t)uid;
		l->lines[l->n].base = xstrdup(sp + 1);
		l->n++;
		/* An expunged UID is never given again (RFC 3501 2.3.1.1). */
		if (uid + 1 > l->uidnext)
			l->uidnext = (uint32_t)uid + 1;
	}
}

static uint32_t
store_folder_list_find(const struct store_folder_list *l, const char *base)
{
	struct store_folder_line	 key, *hit;

	if (l->n == 0)
		return 0;
	key.base = (char *)(uintptr_t)base;
	hit = bsearch(&key, l->lines, l->n, sizeof(*l->lines),
	    store_folder_line_cmp);
	return hit != NULL ? hit->uid : 0;
}

static void
store_folder_list_free(struct store_folder_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->lines[i].base);
	free(l->lines);
}

/* --- scan --- */

static struct store_folder_ino *
store_folder_ino_slot(struct store_folder_scan *sc, dev_t dev, ino_t ino)
{
	uint64_t	h;
	size_t		i;

	h = ((uint64_t)dev * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)ino;
	h *= 0xff51afd7ed558ccdULL;
	for (i = (size_t)(h >> 32) & (sc->cap - 1);; i = (i + 1) &
	    (sc->cap - 1))
		if (sc->tab[i].msg == NULL ||
		    (sc->tab[i].dev == dev && sc->tab[i].ino == ino))
			return &sc->tab[i];
}

static void
store_folder_ino_grow(struct store_folder_scan *sc)
{
	struct store_folder_ino	*old = sc->tab, *slot;
	size_t			 i, oldcap = sc->cap;

	sc->cap = oldcap == 0 ? 256 : oldcap * 2;
	sc->tab = xcalloc(sc->cap, sizeof(*sc->tab));
	for (i = 0; i < oldcap; i++) {
		if (old[i].msg == NULL)
			continue;
		slot = store_folder_ino_slot(sc, old[i].dev, old[i].ino);
		*slot = old[i];
	}
	free(old);
}

/*
 * The message of a file: the one already loaded for another link to the
 * same inode, else read (bounded).  A file in an INBOX makes the message
 * a delivered one with the user's directory name as a recipient.  NULL
 * if the file is skipped.
 */
static struct store_msg *
store_folder_load_msg(struct store_folder_scan *sc, const char *path,
    const struct stat *sb, bool inbox, const char *rcpt)
{
	struct store_folder_ino	*slot;
	struct store_msg	*m;
	char			*data;
	size_t			 len, i, cap;

	if ((sc->n + 1) * 2 > sc->cap)
		store_folder_ino_grow(sc);
	slot = store_folder_ino_slot(sc, sb->st_dev, sb->st_ino);
	if (slot->msg == NULL) {
		if (store_folder_read(path, STORE_FILE_MAX, &data,
		    &len) == -1) {
			log_warn("store: message file skipped path=%s", path);
			return NULL;
		}
		m = store_msg_new();
		store_msg_take_data(m, data, len);
		m->received_ms = (int64_t)sb->st_mtim.tv_sec * 1000 +
		    sb->st_mtim.tv_nsec / 1000000;
		store_msg_set_str(&m->path, path);
		slot->dev = sb->st_dev;
		slot->ino = sb->st_ino;
		slot->msg = m;
		sc->n++;
	}
	m = slot->msg;
	if (!inbox)
		return m;
	for (i = 0; i < m->nrcpts; i++)
		if (strcmp(m->rcpts[i].addr, rcpt) == 0)
			break;
	if (i == m->nrcpts)
		store_msg_add_rcpt(m, rcpt, NULL);
	if (!slot->delivered) {
		slot->delivered = true;
		if (sc->nlist == sc->list_cap) {
			cap = sc->list_cap == 0 ? 64 : sc->list_cap * 2;
			sc->list = xreallocarray(sc->list, cap,
			    sizeof(*sc->list));
			sc->list_cap = cap;
		}
		sc->list[sc->nlist++] = m;
	}
	return m;
}

/* The message files of b->dir/sub (new or cur) into *files_r. */
static void
store_folder_load_sub(struct store_folder_scan *sc, struct store_box *b,
    const char *sub, bool inbox, struct store_folder_file **files_r,
    size_t *n_r, size_t *cap_r)
{
	struct store_folder_file	*f;
	struct stat			 sb;
	DIR				*d;
	struct dirent			*de;
	struct store_msg		*m;
	const char			*rcpt;
	char				*dir, *path, base[NAME_MAX + 1];

	rcpt = strrchr(b->user->dir, '/');
	rcpt = rcpt != NULL ? rcpt + 1 : b->user->dir;
	dir = xasprintf("%s/%s", b->dir, sub);
	d = opendir(dir);
	if (d == NULL) {
		if (errno != ENOENT)
			log_warn("store: cannot read path=%s", dir);
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		m = NULL;
		if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			m = store_folder_load_msg(sc, path, &sb, inbox, rcpt);
		free(path);
		if (m == NULL)
			continue;
		if (*n_r == *cap_r) {
			*cap_r = *cap_r == 0 ? 64 : *cap_r * 2;
			*files_r = xreallocarray(*files_r, *cap_r,
			    sizeof(**files_r));
		}
		f = &(*files_r)[(*n_r)++];
		store_folder_base(de->d_name, base, sizeof(base));
		f->base = xstrdup(base);
		f->rel = xasprintf("%s/%s", sub, de->d_name);
		f->flags = strcmp(sub, "new") == 0 ? STORE_F_RECENT :
		    store_folder_info_flags(de->d_name);
		f->uid = 0;
		f->mtime_ms = (int64_t)sb.st_mtim.tv_sec * 1000 +
		    sb.st_mtim.tv_nsec / 1000000;
		f->msg = m;
	}
	(void)closedir(d);
	free(dir);
}

/* Listed files by UID first, then the others by base name. */
static int
store_folder_file_cmp(const void *a, const void *b)
{
	const struct store_folder_file	*x = a, *y = b;
	int				 c;

	if ((x->uid == 0) != (y->uid == 0))
		return x->uid == 0 ? 1 : -1;
	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	c = strcmp(x->base, y->base);
	return c != 0 ? c : strcmp(x->rel, y->rel);
}

/* One mailbox of u in dir (taken): uidlist, files, entries. */
static void
store_folder_load_box(struct store_folder_scan *sc, struct store_user *u,
    const char *name, char *dir)
{
	struct store_folder_list	 l;
	struct store_folder_file	*files = NULL;
	struct store_box		*b;
	size_t				 i, n = 0, cap = 0, listed = 0;
	bool				 dirty;

	store_folder_list_read(dir, &l);
	b = store_box_attach(u, name, dir, l.uidvalidity);
	if (b == NULL) {
		log_warnx("store: folder skipped, bad or duplicate name "
		    "user=%s", u->login);
		store_folder_list_free(&l);
		return;
	}
	store_folder_load_sub(sc, b, "new", b == u->inbox, &files, &n, &cap);
	store_folder_load_sub(sc, b, "cur", b == u->inbox, &files, &n, &cap);
	for (i = 0; i < n; i++)
		files[i].uid = store_folder_list_find(&l, files[i].base);
	if (n > 1)
		qsort(files, n, sizeof(*files), store_folder_file_cmp);
	for (i = 0; i < n; i++) {
		/* A UID listed twice (a damaged list) goes to the first. */
		if (files[i].uid != 0 && files[i].uid < b->uidnext)
			files[i].uid = 0;
		if (files[i].uid != 0)
			listed++;
		else if (b->uidnext < l.uidnext)
			b->uidnext = l.uidnext;
		/* store_box_add takes rel, also when it fails. */
		if (store_box_add(b, files[i].msg, files[i].uid,
		    files[i].flags, 0, files[i].mtime_ms,
		    files[i].rel) == NULL)
			log_warnx("store: UIDs used up, file skipped "
			    "user=%s", u->login);
		files[i].rel = NULL;
		free(files[i].base);
	}
	if (b->uidnext < l.uidnext)
		b->uidnext = l.uidnext;
	/* Rewrite when the list lacked or named files it should not. */
	dirty = !l.found || l.bad || listed != n || listed != l.n;
	if (dirty)
		store_folder_rewrite(b);
	free(files);
	store_folder_list_free(&l);
}

/* Subscribe the names in the subscriptions file; false if there is none. */
static bool
store_folder_load_subs(struct store_user *u)
{
	struct store_box	*b;
	char			*path, *data, *line, *end;
	size_t			 len;

	path = xasprintf("%s/%s", u->dir, STORE_FOLDER_SUBS);
	if (store_folder_read(path, STORE_SUBS_MAX, &data, &len) == -1) {
		if (errno != ENOENT)
			log_warn("store: cannot read path=%s", path);
		free(path);
		return false;
	}
	free(path);
	for (line = data; line < data + len; line = end + 1) {
		end = memchr(line, '\n', (size_t)(data + len - line));
		if (end == NULL)
			end = data + len;
		*end = '\0';
		b = line[0] != '\0' ? store_box_get(u, line) : NULL;
		if (b != NULL)
			b->subscribed = true;
	}
	free(data);
	return true;
}

/* ROOT/<name>: a user, its INBOX and its folders. */
static void
store_folder_load_user(struct store_folder_scan *sc, const char *name)
{
	struct store_user	*u;
	DIR			*d;
	struct dirent		*de;
	struct stat		 sb;
	char			*path, *boxname;

	u = store_user_attach(sc->st, name, xasprintf("%s/%s", sc->st->root,
	    name));
	if (u == NULL) {
		log_warnx("store: directory skipped, not a usable login "
		    "name=%s", name);
		return;
	}
	if (store_folder_maildir(u->dir) == -1)
		log_warnx("store: user Maildir incomplete user=%s", name);
	store_folder_load_box(sc, u, "INBOX", xstrdup(u->dir));
	d = opendir(u->dir);
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		path = xasprintf("%s/%s", u->dir, de->d_name);
		boxname = store_folder_decode(de->d_name + 1);
		if (boxname != NULL && lstat(path, &sb) == 0 &&
		    S_ISDIR(sb.st_mode) && strcmp(boxname, "INBOX") != 0)
			store_folder_load_box(sc, u, boxname, path);
		else
			free(path);
		free(boxname);
	}
	if (d != NULL)
		(void)closedir(d);
	store_user_complete(u, store_folder_load_subs(u));
}

/* Delivery order of loaded messages: by time, then by file. */
static int
store_folder_msg_cmp(const void *a, const void *b)
{
	const struct store_msg	*const *x = a, *const *y = b;

	if ((*x)->received_ms != (*y)->received_ms)
		return (*x)->received_ms < (*y)->received_ms ? -1 : 1;
	return strcmp((*x)->path != NULL ? (*x)->path : "",
	    (*y)->path != NULL ? (*y)->path : "");
}

int
store_folder_load(struct store *st, const char **error_r)
{
	struct store_folder_scan	 sc;
	DIR				*d;
	struct dirent			*de;
	struct stat			 sb;
	char				*path;
	size_t				 i;

	memset(&sc, 0, sizeof(sc));
	sc.st = st;
	d = opendir(st->root);
	if (d == NULL) {
		log_warn("store: cannot read path=%s", st->root);
		*error_r = "cannot read Maildir root";
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", st->root, de->d_name);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			store_folder_load_user(&sc, de->d_name);
		free(path);
	}
	(void)closedir(d);

	/* The scan's reference becomes the list's, or is dropped. */
	if (sc.nlist > 1)
		qsort(sc.list, sc.nlist, sizeof(*sc.list),
		    store_folder_msg_cmp);
	for (i = 0; i < sc.nlist; i++)
		sc.list[i]->id = st->next_id++;
	st->msgs = sc.list;
	st->nmsgs = sc.nlist;
	st->cap = sc.list_cap;
	for (i = 0; i < sc.cap; i++)
		if (sc.tab[i].msg != NULL && !sc.tab[i].delivered)
			store_msg_unref(&sc.tab[i].msg);
	free(sc.tab);
	return 0;
}
