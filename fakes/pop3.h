/*
 * pop3.h: the POP3 fake (RFC 1939) with CAPA and response codes (RFC
 * 2449), STLS (RFC 2595), AUTH (RFC 5034) and the SYS/AUTH codes (RFC
 * 3206), serving the INBOX of the mailstore user that logs in.
 */
#ifndef MAILRIG_POP3_H
#define MAILRIG_POP3_H

#include <stdbool.h>

#include "fakes/conn.h"
#include "fakes/sasl.h"
#include "fakes/store.h"

/* Capabilities (RFC 2449 6), advertised in CAPA and honoured. */
#define POP3_CAPA_TOP		0x0001
#define POP3_CAPA_UIDL		0x0002
#define POP3_CAPA_USER		0x0004	/* USER/PASS */
#define POP3_CAPA_SASL		0x0008	/* AUTH, RFC 5034 */
#define POP3_CAPA_RESP_CODES	0x0010
#define POP3_CAPA_PIPELINING	0x0020
#define POP3_CAPA_AUTH_RESP	0x0040	/* AUTH-RESP-CODE, RFC 3206 */
#define POP3_CAPA_EXPIRE	0x0080
#define POP3_CAPA_LOGIN_DELAY	0x0100
#define POP3_CAPA_IMPL		0x0200	/* IMPLEMENTATION */
#define POP3_CAPA_STLS		0x0400	/* offered if the port has TLS */
#define POP3_CAPA_APOP		0x0800	/* timestamp in the greeting */
#define POP3_CAPA_ALL		0x0fff

struct pop3_conf {
	const char	*hostname;	/* greeting */
	const char	*greeting;	/* text after "+OK ", NULL: default */
	unsigned	 capa;		/* POP3_CAPA_* */
	unsigned	 auth_mechs;	/* 1u << SASL_PLAIN | ... */
	bool		 tls_required;	/* USER/PASS/APOP/AUTH need STLS first */
	const struct sasl_creds *creds;	/* borrowed */
	struct store	*store;		/* borrowed */
};

/* Defaults of the plain POP3 port: every capability, every mechanism. */
void	pop3_conf_defaults(struct pop3_conf *);

extern const struct conn_proto pop3_proto;

#endif
