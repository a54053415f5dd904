/*
 * imap.h: the IMAP fake (RFC 3501 IMAP4rev1) with IDLE (2177), LITERAL+
 * (7888), UIDPLUS (4315), MOVE (6851), NAMESPACE (2342), ID (2971),
 * ENABLE (5161), UNSELECT (3691), SPECIAL-USE (6154), CHILDREN (3348),
 * SASL-IR (4959) and STARTTLS, over the mailstore's users and mailboxes.
 */
#ifndef MAILRIG_IMAP_H
#define MAILRIG_IMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "fakes/conn.h"
#include "fakes/sasl.h"
#include "fakes/store.h"

/* Capabilities advertised in CAPABILITY and honoured. */
#define IMAP_CAP_IDLE		0x0001
#define IMAP_CAP_LITERAL_PLUS	0x0002
#define IMAP_CAP_UIDPLUS	0x0004
#define IMAP_CAP_MOVE		0x0008
#define IMAP_CAP_NAMESPACE	0x0010
#define IMAP_CAP_ID		0x0020
#define IMAP_CAP_ENABLE		0x0040
#define IMAP_CAP_UNSELECT	0x0080
#define IMAP_CAP_SPECIAL_USE	0x0100
#define IMAP_CAP_CHILDREN	0x0200
#define IMAP_CAP_SASL_IR	0x0400
#define IMAP_CAP_STARTTLS	0x0800	/* offered if the port has TLS */
#define IMAP_CAP_AUTH		0x1000	/* AUTHENTICATE */
#define IMAP_CAP_ALL		0x1fff

struct imap_conf {
	const char	*hostname;
	const char	*greeting;	/* text after "* OK ", NULL: default */
	unsigned	 caps;		/* IMAP_CAP_* */
	unsigned	 auth_mechs;	/* 1u << SASL_PLAIN | ... */
	bool		 login_disabled; /* LOGINDISABLED, RFC 3501 6.2.3 */
	bool		 tls_required;	/* LOGIN/AUTHENTICATE need STARTTLS */
	uint64_t	 append_max;	/* literal / APPEND cap; 0: default */
	const struct sasl_creds *creds;	/* borrowed */
	struct store	*store;		/* borrowed */
};

/* Defaults of the plain IMAP port: every capability, every mechanism. */
void	imap_conf_defaults(struct imap_conf *);

extern const struct conn_proto imap_proto;

#endif
