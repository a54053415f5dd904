/*
 * store_int.h: what store.c and store_maildir.c share and nobody else
 * sees.  store.c owns the message array and the in-memory contract;
 * store_maildir.c owns every file system call (creating the root, the
 * per-recipient Maildirs and the delivery files).
 */
#ifndef MAILRIG_STORE_INT_H
#define MAILRIG_STORE_INT_H

#include "fakes/base/defs.h"

struct store_msg;

/*
 * Create root and its missing parents (mode 0700).  0, or -1 with
 * *error_r (static text) if it cannot be created or is not a directory.
 */
int	store_maildir_mkroot(const char *root, const char **error_r) ATTR_WUR;

/*
 * Write m once into root/<name>/new/ for every distinct recipient
 * directory name, durably (tmp/, fsync, rename, fsync new/).  0, or -1
 * with *error_r (static text); then every file this call made in tmp/
 * and new/ has been removed again.
 */
int	store_maildir_deliver(const char *root, const struct store_msg *m,
	    const char **error_r) ATTR_WUR;

#endif
