/*
 * tls.h: server TLS contexts and the private test CA.
 *
 * Without --cert/--key mailrig makes, at start, a private CA and a server
 * certificate for localhost, 127.0.0.1 and ::1 signed by it (EC P-256, so
 * start-up stays in milliseconds), and writes the CA to a PEM file that
 * clients can verify against (MAILRIG_CA_CERT).  TLS 1.2 and 1.3.
 */
#ifndef MAILRIG_TLS_H
#define MAILRIG_TLS_H

#include <openssl/ssl.h>

#include "fakes/base/defs.h"

/*
 * Server context from PEM files.  Returns NULL and a message in err (size
 * bytes) on failure.
 */
SSL_CTX	*tls_ctx_from_files(const char *cert, const char *key,
	    char *err, size_t size) ATTR_WUR;

/*
 * Make a private CA and a localhost certificate, write the CA certificate
 * as PEM to ca_path, and return a server context using the certificate.
 * NULL and a message in err on failure.
 */
SSL_CTX	*tls_ctx_generate(const char *ca_path, char *err, size_t size)
	    ATTR_WUR;

/* Free a context from either constructor (NULL is a no-op). */
void	 tls_ctx_free(SSL_CTX *);

/* Text of the queued OpenSSL errors, drained, into err (never empty). */
void	 tls_error_text(char *err, size_t size);

#endif
