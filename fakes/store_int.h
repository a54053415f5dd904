/*
 * store_int.h: what the store's files share and nobody else sees.
 *
 * store.c owns the message array and the in-memory contract; store_box.c
 * owns users, mailboxes, entries and watchers and decides every change;
 * store_maildir.c owns the root, the per-recipient Maildirs and delivery
 * files; store_folder.c owns the rest of the disk: Maildir++ folders,
 * message files of entries, uidlists, subscriptions and the scan at
 * start.  The structs live here so that each file reaches the fields it
 * needs without accessors.
 */
#ifndef MAILRIG_STORE_INT_H
#define MAILRIG_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakes/base/defs.h"
#include "fakes/store.h"

struct store {
	char			*root;		/* owned; NULL: memory only */
	struct store_msg	**msgs;		/* owned array; one reference
						   held on each, ascending id */
	size_t			 nmsgs;
	size_t			 cap;
	uint64_t		 next_id;	/* survives store_clear() */

	void			(*observer)(void *, const struct store_msg *);
	void			*observer_arg;	/* borrowed */

	struct store_user	**users;	/* owned; sorted by login,
						   case-insensitively */
	size_t			 nusers;
	size_t			 users_cap;
	uint32_t		 last_uidvalidity; /* highest ever given */
};

struct store_user {
	struct store		*store;		/* borrowed: the owner */
	char			*login;		/* owned; as first given */
	char			*dir;		/* owned; ROOT/<name>, NULL in
						   memory */
	bool			 locked;	/* RFC 1939 8 maildrop lock */
	struct store_box	*inbox;		/* borrowed from boxes */
	struct store_box	**boxes;	/* owned; sorted by strcmp */
	size_t			 nboxes;
	size_t			 boxes_cap;
};

/* An entry plus what only the store sees. */
struct store_box_ent {
	struct store_entry	 e;
	char			*file;		/* owned; relative to the box
						   directory: "new/<base>" or
						   "cur/<base>:2,<info>";
						   NULL in memory */
};

struct store_box {
	struct store_user	*user;		/* borrowed: the owner */
	char			*name;		/* owned */
	char			*dir;		/* owned; Maildir of the box,
						   NULL in memory */
	unsigned		 special;	/* STORE_SU_* */
	bool			 subscribed;
	uint32_t		 uidvalidity;
	uint32_t		 uidnext;
	uint64_t		 modseq;	/* HIGHESTMODSEQ */
	struct store_box_ent	*ents;		/* owned; ascending uid */
	size_t			 nents;
	size_t			 ents_cap;
	char			*keywords[STORE_KEYWORDS_MAX]; /* owned */
	size_t			 nkeywords;
	struct store_watch	*watch_head;	/* borrowed from sessions */
	size_t			 stale;		/* uidlist lines of expunged
						   entries */
};

/* --- store_box.c, called by store.c and store_folder.c --- */

/* Append a just-delivered message to the INBOX of every matching user. */
void	store_users_deliver(struct store *, struct store_msg *);
/* Expunge m from every mailbox that holds it, notifying watchers. */
void	store_users_remove(struct store *, const struct store_msg *);
/* Expunge every entry of every mailbox, notifying watchers. */
void	store_users_clear(struct store *);
/* Free users and mailboxes; no notification, no file system change. */
void	store_users_free(struct store *);
/*
 * Loading: a user with no mailbox yet, taking dir (heap); NULL (and dir
 * freed) if the login is bad or taken.
 */
struct store_user *store_user_attach(struct store *, const char *login,
	    char *dir);
/*
 * Loading: give a loaded user what a new one has.  Without a
 * subscriptions file (a directory only delivery made), the special-use
 * mailboxes are made and subscribed with INBOX.
 */
void	store_user_complete(struct store_user *, bool had_subs);
/*
 * Loading: a mailbox taking dir (heap) with that UIDVALIDITY (0: a new
 * one); NULL (and dir freed) if the name is bad or taken.
 */
struct store_box *store_box_attach(struct store_user *, const char *name,
	    char *dir, uint32_t uidvalidity);
/*
 * The in-memory half of an append: uid 0 takes UIDNEXT, else uid must be
 * at least UIDNEXT.  NULL if the UIDs are used up.  Takes file (heap, may
 * be NULL); no notification.
 */
struct store_box_ent *store_box_add(struct store_box *, struct store_msg *,
	    uint32_t uid, unsigned flags, uint64_t keywords,
	    int64_t internal_ms, char *file);

/* --- store_maildir.c --- */

/*
 * Create root and its missing parents (mode 0700).  0, or -1 with
 * *error_r (static text) if it cannot be created or is not a directory.
 */
int	store_maildir_mkroot(const char *root, const char **error_r) ATTR_WUR;

/*
 * Write m once into root/<name>/new/ for every distinct recipient
 * directory name, durably (tmp/, fsync, rename, fsync new/), and set
 * m->path to the first.  0, or -1 with *error_r (static text); then
 * every file this call made in tmp/ and new/ has been removed again.
 */
int	store_maildir_deliver(const char *root, struct store_msg *m,
	    const char **error_r) ATTR_WUR;

/* store_maildir_name(), cut names ending in '=' and a hash. */
void	store_maildir_dirname(const char *addr, char *out, size_t size);
/* A new Maildir unique name, "<sec>.M<usec>P<pid>Q<n>.<host>". */
void	store_maildir_unique(char *out, size_t size);
/* fsync retried on EINTR; -1 with errno. */
int	store_maildir_fsync_fd(int fd);
int	store_maildir_fsync_dir(const char *path);
/* mkdir 0700 and sync the parent; 0 if it exists, -1 with errno. */
int	store_maildir_mkdir(const char *path);
/* Create path (must not exist), write, fsync; -1 with errno, no file. */
int	store_maildir_write_file(const char *path, const char *data,
	    size_t len);

/* --- store_folder.c --- */

/* Make ROOT/<name of login>/{tmp,new,cur} and set u->dir. */
int	store_folder_user(struct store_user *, const char **error_r)
	    ATTR_WUR;
/* Set b->dir; make the folder (not INBOX's) and write its uidlist. */
int	store_folder_box_make(struct store_box *, const char **error_r)
	    ATTR_WUR;
/* Remove a folder's files and directories; best effort, logged. */
void	store_folder_box_remove(struct store_box *);
/* Move b's folder to the one for name and update b->dir. */
int	store_folder_box_rename(struct store_box *, const char *name,
	    const char **error_r) ATTR_WUR;
/*
 * Put m's bytes in b's Maildir as a file for flags: with adopt, a file
 * new/<base> already there that is m->path's inode is taken as is; else
 * a hard link to m->path, else a fresh durable write.  *file_r (heap) is
 * the name relative to b->dir.
 */
int	store_folder_put(struct store_box *, struct store_msg *,
	    unsigned flags, bool adopt, char **file_r, const char **error_r)
	    ATTR_WUR;
/* Record ent's uid in b's uidlist. */
void	store_folder_listed(struct store_box *, const struct store_box_ent *);
/* Rename ent's file to carry its flags (RFC 3501 2.3.2 in the info). */
void	store_folder_flags(struct store_box *, struct store_box_ent *);
/* Unlink ent's file, before the entry is removed. */
void	store_folder_unlink(struct store_box *, struct store_box_ent *);
/* After entries were removed: rewrite the uidlist when it is stale. */
void	store_folder_compact(struct store_box *, bool force);
/* Move ent's file from one box's Maildir to another's; *file_r heap. */
int	store_folder_move(struct store_box *from, struct store_box *to,
	    const struct store_box_ent *, char **file_r) ATTR_WUR;
/* Write the user's subscriptions file. */
void	store_folder_subs(struct store_user *);
/* Scan the root into users, mailboxes and messages (store_new). */
int	store_folder_load(struct store *, const char **error_r) ATTR_WUR;

#endif
