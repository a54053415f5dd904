/*
 * store.h: the mailstore shared by SMTP, POP3, IMAP and the HTTP API.
 *
 * Holds every accepted message with its envelope, in delivery order, as a
 * refcounted immutable blob: the exact bytes received after dot-unstuffing
 * (RFC 5321 4.5.2).  In memory always; with a Maildir root, each message
 * is also written once per recipient to ROOT/<recipient>/ (tmp/, fsync,
 * rename into new/) before store_deliver() returns, so a 250 is never sent
 * for a message that is not on disk.  Users, mailboxes, flags and UIDs
 * (POP3/IMAP) will live beside the blobs, not inside them.
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
 * missing.  NULL and *error_r (static text) on failure.
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
/* Forget every message (Maildir files stay); ids keep increasing. */
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

#endif
