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
#define RFC1939_ARG_MAX		40	/* one argument, RFC 1939 3 */

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

#define IMAP_LINE_MAX		65536	/* command bytes besides literals */
#define IMAP_LITERAL_MAX	(32UL * 1024 * 1024) /* literal / APPEND cap */
#define IMAP_NONSYNC_MAX	4096	/* {n+} under LITERAL-, RFC 7888 5 */
#define IMAP_DEPTH_MAX		32	/* list nesting (Dovecot) */
#define IMAP_ARGS_MAX		4096	/* arguments per command */
#define IMAP_PRE_LINE_MAX	8192	/* command line before authentication */
#define IMAP_PRE_LITERAL_MAX	8192	/* literal before authentication */
#define IMAP_PRE_ARGS_MAX	64	/* arguments before authentication */
#define IMAP_TAG_MAX		256	/* bytes of a tag */
#define IMAP_ERRORS_MAX		20	/* protocol errors before BYE and close */
#define IMAP_IDLE_SEC		1800	/* RFC 3501 5.4: at least 30 minutes */
#define IMAP_AUTH_LINE_MAX	12288	/* SASL response line */
#define IMAP_GHOSTS_MAX		1024	/* subscribed names with no mailbox */
#define IMAP_OUT_HIWAT		(512UL * 1024) /* queued output before a FETCH
						  waits for the drain */

#define POP3_CMD_LINE_MAX	255	/* incl. CRLF, RFC 2449 4: with CAPA
					   the server MUST take this much */
#define POP3_AUTH_LINE_MAX	12288	/* AUTH line / SASL response (RFC
					   5034 4: arbitrary length) */
#define POP3_ERRORS_MAX		20	/* protocol errors before -ERR, close */
#define POP3_IDLE_SEC		600	/* RFC 1939 3: at least 10 minutes */
#define POP3_OUT_CHUNK		(256UL * 1024) /* RETR bytes queued before
					   waiting for the peer to read */

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
#define STORE_FILE_MAX		(2 * SMTP_SIZE_DEFAULT) /* Maildir file read */
#define STORE_UIDLIST_MAX	(64UL * 1024 * 1024) /* one mailrig-uidlist */
#define STORE_SUBS_MAX		(1024UL * 1024) /* one subscriptions file */

#define API_HEADERS_MAX		(16UL * 1024) /* HTTP request header bytes */
#define API_BODY_MAX		(1024UL * 1024) /* HTTP request body bytes */
#define API_IDLE_SEC		120	/* idle HTTP connection */
#define API_PAGE_DEFAULT	50	/* messages per page (Mailpit) */
#define API_PAGE_MAX		1000	/* limit= cap */
#define API_WAIT_SEC_MAX	120	/* /api/v1/wait timeout= cap */
#define API_WAITS_MAX		256	/* parked waiting reads */
#define API_EVENTS_SUBS_MAX	64	/* event stream subscribers */
#define API_EVENTS_BUF_MAX	(1024UL * 1024) /* unsent event bytes per
					   subscriber before it is dropped */
#define API_EVENTS_KEEPALIVE_SEC 15	/* comment line on a quiet stream */

#endif
