/*
 * limits.h: every limit mailrig enforces, one line each.
 *
 * Two kinds of number live here and are never confused (STYLE 3.8): the
 * RFC limit, which only the conformance checker turns into a finding, and
 * the hard cap, which protects memory and triggers the protocol's own
 * error reply.
 */
#ifndef MAILRIG_LIMITS_H
#define MAILRIG_LIMITS_H

/* --- RFC limits (findings only) --- */
#define RFC5321_CMD_LINE_MAX	512	/* incl. CRLF, RFC 5321 4.5.3.1.4 */
#define RFC5321_TEXT_LINE_MAX	1000	/* incl. CRLF, RFC 5321 4.5.3.1.6 */
#define RFC5321_LOCAL_MAX	64	/* RFC 5321 4.5.3.1.1 */
#define RFC5321_DOMAIN_MAX	255	/* RFC 5321 4.5.3.1.2 */
#define RFC5321_PATH_MAX	256	/* RFC 5321 4.5.3.1.3 */
#define RFC5321_RCPT_MIN	100	/* must be buffered, RFC 5321 4.5.3.1.8 */
#define RFC5321_MSG_MIN		65536	/* must be accepted, RFC 5321 4.5.3.1.7 */

/* --- hard caps --- */
#define LINE_MAX_CMD		65536	/* any command line (OpenSMTPD, curl) */
#define LINE_MAX_DATA		65536	/* one text line inside DATA */
#define SMTP_SIZE_DEFAULT	(32UL * 1024 * 1024) /* no SIZE configured */
#define SMTP_RCPT_MAX		1000	/* 452 4.5.3 beyond, RFC 5321 4.5.3.1.10 */
#define SMTP_HELO_MAX		255	/* stored HELO/EHLO argument */
#define SMTP_ERRORS_MAX		20	/* protocol errors before 421 and close */
#define SMTP_IDLE_SEC		300	/* RFC 5321 4.5.3.2.7: 5 minutes */
#define SMTP_AUTH_LINE_MAX	12288	/* SASL response line (RFC 4954 4) */
#define SMTP_BDAT_CHUNK_MAX	(32UL * 1024 * 1024) /* one BDAT chunk */

#define SESSIONS_MAX		1024	/* concurrent sessions, all listeners */
#define REPLY_LINE_MAX		4096	/* one formatted reply line */

#define CAPTURE_DATA_MAX	(256UL * 1024) /* message bytes kept per session */
#define CAPTURE_SESSIONS_MAX	100000	/* transcripts kept in memory */
#define CAPTURE_LOG_MAX		(16UL * 1024 * 1024) /* line bytes per transcript */
#define CAPTURE_EVENTS_MAX	262144	/* entries per transcript */
#define CAPTURE_MSGS_MAX	1000	/* message summaries per transcript */
#define CAPTURE_DETAIL_MAX	512	/* event detail (error text) bytes */

#define SASL_USER_MAX		256	/* authcid / authzid */
#define SASL_PASS_MAX		1024	/* password / token */

#endif
