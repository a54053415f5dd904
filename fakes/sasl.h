/*
 * sasl.h: SASL server mechanisms, written once for SMTP (RFC 4954), POP3
 * (RFC 5034) and IMAP (RFC 3501 6.2.2): PLAIN (RFC 4616), LOGIN, CRAM-MD5
 * (RFC 2195) and XOAUTH2.
 *
 * Pure: no I/O.  The protocol sends the challenge sasl_step() returns in
 * its own shape ("334 " / "+ "), feeds back the client's line, and maps
 * the result to its own replies.  Inputs and challenges are base64 text
 * (RFC 4648), as on the wire.  "*" cancels (RFC 4422 3.5).
 */
#ifndef MAILRIG_SASL_H
#define MAILRIG_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "fakes/base/defs.h"

enum sasl_mech {
	SASL_PLAIN,
	SASL_LOGIN,
	SASL_CRAM_MD5,
	SASL_XOAUTH2,
	SASL__COUNT
};

/*
 * Credentials: with accept_any, any user and password log in (the default,
 * as Mailpit and GreenMail do); else lookup() returns the password of a
 * user or NULL if there is no such user.
 */
struct sasl_creds {
	bool	  accept_any;
	const char *(*lookup)(void *arg, const char *user);
	void	 *arg;
};

/*
 * What lookup() returns for a user that exists but takes any password
 * (a scenario user without one).  Compared by address.
 */
extern const char sasl_any_password[];

/*
 * The one password check for every protocol (SASL here, POP3 PASS, IMAP
 * LOGIN): true if creds let user in with pass.
 */
bool	sasl_creds_verify(const struct sasl_creds *, const char *user,
	    const char *pass);

enum sasl_status {
	SASL_CONTINUE,	/* send *challenge_r, then call sasl_step again */
	SASL_OK,	/* authenticated as sasl_user() */
	SASL_FAIL,	/* wrong credentials (535 / -ERR / NO) */
	SASL_BAD,	/* malformed response: not base64, wrong shape (501) */
	SASL_CANCEL,	/* client sent "*" (501 / -ERR / BAD) */
	SASL__STATUS_COUNT
};

struct sasl;

/* "PLAIN" -> SASL_PLAIN, case-insensitive; false if unknown. */
bool	sasl_mech_from_name(const char *, enum sasl_mech *);
const char *sasl_mech_name(enum sasl_mech);

/*
 * Start an exchange.  creds is borrowed and must outlive the exchange.
 * hostname goes into the CRAM-MD5 challenge.
 */
struct sasl *sasl_new(enum sasl_mech, const struct sasl_creds *,
	    const char *hostname);
void	sasl_free(struct sasl *);

/*
 * Feed the initial response (in = NULL if the client sent none; "=" means
 * an empty one, RFC 4954 4) on the first call, then each client line.
 * On SASL_CONTINUE, *challenge_r is base64 text borrowed until the next
 * call or sasl_free ("" for an empty challenge); on any other status it
 * is NULL and the exchange is over: calling again is a bug (fatalx).
 */
enum sasl_status sasl_step(struct sasl *, const char *in,
	    const char **challenge_r) ATTR_WUR;

/* After SASL_OK or SASL_FAIL: the authentication identity, else NULL. */
const char *sasl_user(const struct sasl *);
/*
 * A short static reason for SASL_FAIL / SASL_BAD / SASL_CANCEL, for logs;
 * NULL while nothing went wrong.
 */
const char *sasl_error(const struct sasl *);

/*
 * RFC 2195 2: lowercase hex HMAC-MD5 of challenge keyed with password,
 * written to out with its NUL.  false only if OpenSSL refuses (no MD5).
 */
bool	sasl_cram_md5_digest(const char *password, const char *challenge,
	    char out[33]) ATTR_WUR;

/* Base64 (RFC 4648 4), shared with the protocols. */
/*
 * Strict decode of in[0..len): base64 alphabet only, length a multiple of
 * 4, "=" only as final padding, zero pad bits; "" decodes to empty.
 * Returns a heap buffer the caller frees (NUL-terminated, length in
 * *len_r if len_r is not NULL) or NULL if in is not canonical base64.
 */
char	*sasl_b64_decode(const char *in, size_t len, size_t *len_r);
/* Encode; returns a heap NUL-terminated string the caller frees. */
char	*sasl_b64_encode(const void *, size_t);

#endif
