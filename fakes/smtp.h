/*
 * smtp.h: the SMTP fake (RFC 5321) with its extensions: SIZE (1870),
 * PIPELINING (2920), 8BITMIME (6152), SMTPUTF8 (6531), ENHANCEDSTATUSCODES
 * (2034, 3463), STARTTLS (3207), AUTH (4954), CHUNKING and BINARYMIME
 * (3030), DSN (3461).
 *
 * A session is a state enum, flags and a transaction object, driven by one
 * command table (STYLE 3.3).  Everything it knows about its configuration
 * comes from a const struct smtp_conf handed over by the listener's
 * conn_port; accepted messages go to the conf's store.
 */
#ifndef MAILRIG_SMTP_H
#define MAILRIG_SMTP_H

#include <stdbool.h>
#include <stdint.h>

#include "fakes/conn.h"
#include "fakes/sasl.h"
#include "fakes/store.h"

/* Extensions, advertised in EHLO and honoured; what is off is refused. */
#define SMTP_EXT_SIZE		0x0001
#define SMTP_EXT_PIPELINING	0x0002
#define SMTP_EXT_8BITMIME	0x0004
#define SMTP_EXT_SMTPUTF8	0x0008
#define SMTP_EXT_ENHANCED	0x0010	/* ENHANCEDSTATUSCODES */
#define SMTP_EXT_STARTTLS	0x0020	/* offered if the port has TLS */
#define SMTP_EXT_AUTH		0x0040
#define SMTP_EXT_CHUNKING	0x0080
#define SMTP_EXT_BINARYMIME	0x0100
#define SMTP_EXT_DSN		0x0200
#define SMTP_EXT_VRFY		0x0400	/* VRFY answers 252, else 502 */
#define SMTP_EXT_HELP		0x0800	/* HELP answers 214, else 502 */
#define SMTP_EXT_ALL		0x0fff

enum smtp_auth_policy {
	SMTP_AUTH_NONE,		/* AUTH not offered */
	SMTP_AUTH_OPTIONAL,	/* offered, MAIL works without it */
	SMTP_AUTH_REQUIRED,	/* MAIL needs AUTH first (530 5.7.0) */
	SMTP_AUTH_AFTER_TLS,	/* offered only under TLS, and required
				   (submission, RFC 6409 4.3 + RFC 3207) */
	SMTP_AUTH__COUNT
};

struct smtp_conf {
	const char	*hostname;	/* greeting and EHLO reply */
	const char	*greeting;	/* text after "220 host ", NULL: default */
	unsigned	 ext;		/* SMTP_EXT_* */
	unsigned	 auth_mechs;	/* 1u << SASL_PLAIN | ... */
	enum smtp_auth_policy auth;
	bool		 tls_required;	/* MAIL/AUTH need STARTTLS first (530) */
	uint64_t	 size_max;	/* SIZE value and hard cap; 0: default */
	unsigned	 rcpt_max;	/* 0: SMTP_RCPT_MAX */
	const struct sasl_creds *creds;	/* borrowed */
	struct store	*store;		/* borrowed */
};

/* Fill conf with the defaults of the plain SMTP port (all extensions,
   AUTH optional with every mechanism, STARTTLS offered). */
void	smtp_conf_defaults(struct smtp_conf *);

/* The protocol descriptor for conn_port.proto. */
extern const struct conn_proto smtp_proto;

#endif
