/*
 * store.h: the mailstore shared by SMTP, POP3, IMAP and the HTTP API.
 *
 * Holds every accepted message with its envelope, in delivery order, as a
 * refcounted immutable blob: the exact bytes received after dot-unstuffing
 * (RFC 5321 4.5.2).  In memory always; with a Maildir root, each message
 * is also written once per recipient to ROOT/<recipient>/ (tmp/, fsync,
 * rename into new/) before store_deliver() returns, so a 250 is never sent
 * for a message that is not on disk.  Users, mailboxes, flags and UIDs
 * (POP3/IMAP) live beside the blobs, not inside them (see below); with a
 * root they are kept there too, as Maildir++ with a uidlist per mailbox,
 * so UIDLs, UIDs and UIDVALIDITY survive a restart.
 */
#ifndef MAILRIG_STORE_H
#define MAILRIG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakes/base/defs.h"

struct store;

struct store_rcpt {
	char	*addr;		/* owned; forward-path without <> */
	char	*params;	/* owned; RCPT parameters as sent, "" if none
				   (DSN NOTIFY=, ORCPT=, RFC 3461) */
};

struct store_msg {
	unsigned	 refs;
	uint64_t	 id;		/* 1, 2, ... set by store_deliver */
	int64_t		 received_ms;	/* wall clock, set by store_deliver */
	uint64_t	 session_id;	/* conn_id of the delivering session */

	char		*data;		/* owned; the message bytes, NULL
					   until store_msg_take_data() */
	size_t		 len;

	char		*mail_from;	/* owned; reverse-path without <>,
					   "" for the null path */
	char		*mail_params;	/* owned; MAIL parameters as sent
					   (SIZE, BODY, SMTPUTF8, RET, ENVID,
					   AUTH), "" if none */
	struct store_rcpt *rcpts;	/* owned array, nrcpts used */
	size_t		 nrcpts;
	size_t		 rcpts_cap;	/* allocated length of rcpts */

	char		*helo;		/* owned; EHLO/HELO argument, NULL
					   if none was given */
	char		*auth_user;	/* owned; NULL if not authenticated */
	char		*tls;		/* owned; "TLSv1.3" or NULL */
	char		*via;		/* owned; "ESMTP", "ESMTPSA", ... or
					   NULL if unset */
	char		*port_name;	/* owned; "smtp", "submission", ... or
					   NULL if unset */

	char		*path;		/* owned; private to the store: a
					   Maildir file that may still hold
					   the bytes, for hard links; NULL
					   if none */
};

/* --- messages --- */

/*
 * A new empty message with refs = 1, id 0, no data and no recipients;
 * mail_from and mail_params are "", helo, auth_user, tls, via and
 * port_name are NULL.
 */
struct store_msg *store_msg_new(void);
/* Takes one more reference; the message must be live (refs > 0). */
void	store_msg_ref(struct store_msg *);
/* Drops a reference, frees at zero, sets *mp to NULL. NULL is a no-op. */
void	store_msg_unref(struct store_msg **mp);
/* Copies addr and params; params NULL is stored as "". */
void	store_msg_add_rcpt(struct store_msg *, const char *addr,
	    const char *params);
/*
 * Setters copy their argument.  set_from: addr NULL means the null path
 * (""), params NULL means none ("").  set_str frees the old value and
 * stores a copy of value, or NULL if value is NULL.
 */
void	store_msg_set_from(struct store_msg *, const char *addr,
	    const char *params);
void	store_msg_set_str(char **field, const char *value);
/* The message takes data (heap, len bytes); frees any previous data. */
void	store_msg_take_data(struct store_msg *, char *data, size_t len);

/* --- the store --- */

/*
 * maildir: NULL for memory only, else a directory that is created if
 * missing and scanned: each directory in it is a user (login = its name)
 * whose INBOX and Maildir++ folders are loaded with their UIDs, flags and
 * subscriptions; the messages of INBOXes become the store's messages, in
 * file time order, with the directory names as recipients and otherwise
 * empty envelopes.  Files over STORE_FILE_MAX are skipped.  NULL and
 * *error_r (static text) on failure.
 */
struct store *store_new(const char *maildir, const char **error_r) ATTR_WUR;
void	store_free(struct store *);

/*
 * Accept a message: write it to the Maildir of every distinct recipient
 * directory if there is a root, set id and received time, keep a reference
 * and call the observer.  Returns 0, or -1 with *error_r (static text) if
 * it could not be written; then the message is unchanged, nothing is kept
 * and no file is left in tmp/ or new/.  A message with no recipients is
 * kept in memory only.  A message is delivered at most once.
 */
int	store_deliver(struct store *, struct store_msg *, const char **error_r)
	    ATTR_WUR;

size_t	store_count(const struct store *);
/*
 * Borrowed, valid while the store holds the message (take a reference to
 * keep it longer).  index < count, in delivery order.
 */
const struct store_msg *store_get(const struct store *, size_t index);
/* NULL if no message has that id; O(log n). */
const struct store_msg *store_find(const struct store *, uint64_t id);
/*
 * Forget every message and empty every mailbox, notifying watchers with
 * STORE_EV_EXPUNGE (the HTTP API's "delete all"); ids keep increasing.
 * With a Maildir root the files of mailbox entries are removed as an
 * expunge removes them; delivery files of recipients that are not (yet)
 * users stay.
 */
void	store_clear(struct store *);

/*
 * Called after each successful delivery; one observer (the HTTP API,
 * later).  cb NULL removes it.
 */
void	store_set_observer(struct store *,
	    void (*cb)(void *arg, const struct store_msg *), void *arg);

/*
 * The directory name used for a recipient under the Maildir root: the
 * address in lower case with every byte outside [a-z0-9@._+=-] replaced
 * by '_', a leading '.' replaced by '_' and an empty address mapped to
 * "_", so a name is never "", "." or ".." and never contains '/'.
 * Writes at most size bytes, always NUL-terminated when size > 0 (cut
 * short if needed); returns false if the whole name did not fit.
 * store_deliver() ends a name cut to one path component with '=' and a
 * hash of the whole address, so long addresses keep separate Maildirs.
 */
bool	store_maildir_name(const char *addr, char *out, size_t size);

/* --- users and mailboxes (POP3, IMAP, the HTTP API) --- */

/*
 * A user is a login name (compared case-insensitively).  Its INBOX holds
 * every delivered message with a recipient that names the user: the
 * recipient address equals the login, or, for a login without '@', the
 * recipient's local part equals it ("alice" gets alice@a.test and
 * alice@b.test).  Users are made on demand (any login works unless the
 * protocol's credentials say otherwise); a new user's INBOX is filled with
 * the matching messages already stored, in delivery order, and the user
 * gets the special-use mailboxes of RFC 6154 (Sent, Drafts, Trash, Junk,
 * Archive).  One store serves every protocol, so a message expunged over
 * POP3 is gone for IMAP too.
 *
 * A mailbox is an array of entries with strictly ascending UIDs (RFC 3501
 * 2.3.1.1).  The message blob is shared and immutable; flags, keywords,
 * UIDs and dates live in the entry.  Sessions that have a mailbox open
 * register a struct store_watch and hear about every change made by
 * anybody else, so IMAP can send EXISTS, EXPUNGE and FETCH FLAGS at the
 * points the RFC allows (RFC 3501 5.2, 7.4.1).
 */

/* System flags, RFC 3501 2.3.2. */
#define STORE_F_SEEN		0x01
#define STORE_F_ANSWERED	0x02
#define STORE_F_FLAGGED		0x04
#define STORE_F_DELETED		0x08
#define STORE_F_DRAFT		0x10
#define STORE_F_RECENT		0x20	/* no IMAP session has claimed it */
#define STORE_F_ALL		0x3f

/* Special-use attributes, RFC 6154 2. */
#define STORE_SU_SENT		0x01
#define STORE_SU_DRAFTS		0x02
#define STORE_SU_TRASH		0x04
#define STORE_SU_JUNK		0x08
#define STORE_SU_ARCHIVE	0x10

#define STORE_KEYWORDS_MAX	64	/* keywords per mailbox (bit mask) */
#define STORE_BOX_NAME_MAX	1024	/* bytes of a mailbox name */

struct store_user;
struct store_box;

struct store_entry {
	struct store_msg *msg;		/* reference held by the mailbox */
	uint32_t	 uid;
	unsigned	 flags;		/* STORE_F_* */
	uint64_t	 keywords;	/* bit i: store_box_keyword(box, i) */
	int64_t		 internal_ms;	/* INTERNALDATE, RFC 3501 2.3.3 */
	uint64_t	 modseq;	/* last change, RFC 7162 3.1.1 */
};

enum store_ev {
	STORE_EV_APPEND,	/* uid was appended */
	STORE_EV_EXPUNGE,	/* uid was removed */
	STORE_EV_FLAGS,		/* uid's flags or keywords changed */
	STORE_EV_GONE,		/* the mailbox was deleted or renamed; the
				   watch has been detached already */
	STORE_EV__COUNT
};

/*
 * Embedded in the session that watches; the mailbox links it.  cb runs
 * synchronously inside the change; it must not change the mailbox or
 * touch another watch, but it may unwatch its own watch.  A watch is on
 * at most one mailbox at a time; zero it before the first watch.
 */
struct store_watch {
	void	(*cb)(struct store_watch *, enum store_ev, uint32_t uid);
	void	*arg;
	/* private to the store */
	struct store_box	*box;
	struct store_watch	*next;
	struct store_watch	*prev;
};

/*
 * The user with that login; with create, a missing one is made (see
 * above).  NULL if missing and !create, if the login is empty or longer
 * than SASL_USER_MAX, or if a Maildir root is set and the user's
 * directories cannot be made.  Borrowed, valid until store_free().
 */
struct store_user *store_user_get(struct store *, const char *login,
	    bool create);
const char *store_user_name(const struct store_user *);
/* Whether a recipient address names a login (the rule above). */
bool	store_user_matches(const char *login, const char *addr);
/*
 * The maildrop lock of RFC 1939 8: true if it was free and is now held,
 * false if another session holds it ([IN-USE]).
 */
bool	store_user_lock(struct store_user *) ATTR_WUR;
void	store_user_unlock(struct store_user *);

/* Mailboxes of a user, sorted by name; i < store_box_count(). */
size_t	store_box_count(const struct store_user *);
struct store_box *store_box_at(const struct store_user *, size_t i);
/* "INBOX" in any case is the INBOX (RFC 3501 5.1); NULL if none. */
struct store_box *store_box_get(struct store_user *, const char *name);
/*
 * Create, delete, rename by name (UTF-8, hierarchy separator '/').
 * Names that are empty, start or end with '/', contain "//", a NUL or a
 * CTL, or pass STORE_BOX_NAME_MAX are refused.  Delete refuses INBOX;
 * deleting or renaming detaches its watchers (STORE_EV_GONE).  Renaming
 * INBOX moves its messages to a new mailbox (new UIDs there) and leaves
 * INBOX empty, its watchers attached and told STORE_EV_EXPUNGE (RFC 3501
 * 6.3.5); renaming any other mailbox renames its inferiors too and keeps
 * UIDs and UIDVALIDITY.  Deleting leaves inferiors alone.  Parents are
 * never made implicitly.  A new mailbox is not subscribed.
 * 0, or -1 with *error_r (static text: "mailbox exists", "no such
 * mailbox", "bad mailbox name", "cannot delete INBOX", or a Maildir
 * error).
 */
int	store_box_create(struct store_user *, const char *name,
	    const char **error_r) ATTR_WUR;
int	store_box_delete(struct store_user *, const char *name,
	    const char **error_r) ATTR_WUR;
int	store_box_rename(struct store_user *, const char *from,
	    const char *to, const char **error_r) ATTR_WUR;

const char *store_box_name(const struct store_box *);
struct store_user *store_box_user(const struct store_box *);
unsigned store_box_special(const struct store_box *);	/* STORE_SU_* */
bool	store_box_subscribed(const struct store_box *);
void	store_box_set_subscribed(struct store_box *, bool);
uint32_t store_box_uidvalidity(const struct store_box *);
uint32_t store_box_uidnext(const struct store_box *);
uint64_t store_box_highestmodseq(const struct store_box *);

/* Entries in ascending UID order; borrowed until the next change. */
size_t	store_box_size(const struct store_box *);
const struct store_entry *store_box_entry(const struct store_box *, size_t i);
/* The index of uid, or -1 (binary search). */
long	store_box_find_uid(const struct store_box *, uint32_t uid);

/* Keywords (RFC 3501 2.3.2): index of kw, made if create and room. -1 if
   missing or the mailbox has STORE_KEYWORDS_MAX already. */
int	store_box_keyword_id(struct store_box *, const char *kw, bool create);
size_t	store_box_nkeywords(const struct store_box *);
const char *store_box_keyword(const struct store_box *, size_t i);

/*
 * Append a message (delivery, APPEND, COPY, MOVE, fixtures): takes a
 * reference, gives it the next UID, notifies watchers other than from
 * (may be NULL).  Returns the UID, or 0 with *error_r if it could not be
 * written to the Maildir.
 */
uint32_t store_box_append(struct store_box *, struct store_msg *,
	    unsigned flags, uint64_t keywords, int64_t internal_ms,
	    const struct store_watch *from, const char **error_r) ATTR_WUR;
/* Replace flags and keywords of uid; notifies others.  -1 if no uid. */
int	store_box_set_flags(struct store_box *, uint32_t uid, unsigned flags,
	    uint64_t keywords, const struct store_watch *from);
/*
 * Remove uid; notifies others.  -1 if no uid.  Each append, flag change
 * and expunge raises HIGHESTMODSEQ by one (RFC 7162 3.1.1); set_flags
 * with the flags and keywords uid already has changes nothing.
 */
int	store_box_expunge(struct store_box *, uint32_t uid,
	    const struct store_watch *from);

void	store_box_watch(struct store_box *, struct store_watch *);
void	store_box_unwatch(struct store_watch *);	/* no-op if detached */

/*
 * Remove a message everywhere (the HTTP API's delete): from the message
 * list and from every mailbox that holds it, notifying watchers.  -1 if
 * no message has that id.
 */
int	store_remove(struct store *, uint64_t id);

#endif
