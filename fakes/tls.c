/*
 * tls.c: server SSL_CTX objects and the private test CA.
 *
 * Owns every SSL_CTX it returns until tls_ctx_free().  tls_ctx_generate()
 * makes a throw-away CA and a localhost server certificate signed by it,
 * both EC P-256 so start-up costs about a millisecond, and publishes only
 * the CA certificate (never a key) as a PEM file for clients to trust.
 * tls_ctx_from_files() loads an operator's own chain and key instead.
 * Both offer TLS 1.2 and 1.3 only (RFC 8314 4: TLS 1.2 or later).  The
 * certificates follow RFC 5280 4.1 and 4.2.1 and carry the DNS-ID that
 * RFC 7817 3 makes mail clients check, plus a CN-ID (RFC 7817 5).
 *
 * Not done here: client certificates, OCSP, session resumption tuning,
 * peer information (conn.c reports version and cipher).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "fakes/base/defs.h"
#include "fakes/base/xalloc.h"
#include "fakes/tls.h"

#define TLS_CA_CN		"mailrig test CA"
#define TLS_LEAF_CN		"localhost"
#define TLS_SERIAL_BITS		128
#define TLS_BACKDATE_DAYS	1	/* for clients whose clock lags */
#define TLS_VALID_DAYS		825
#define TLS_CA_MODE		0644

struct tls_ext {
	int		 nid;
	const char	*value;		/* OpenSSL v3 config syntax */
};

/* RFC 5280 4.2.1.9, 4.2.1.3, 4.2.1.2: a CA that signs only certificates. */
static const struct tls_ext tls_ca_exts[] = {
	{ .nid = NID_basic_constraints, .value = "critical,CA:TRUE" },
	{ .nid = NID_key_usage, .value = "critical,keyCertSign,cRLSign" },
	{ .nid = NID_subject_key_identifier, .value = "hash" },
};

/*
 * RFC 5280 4.2.1.6: SAN carries the names clients match; RFC 7817 3 makes
 * the DNS-ID mandatory for mail clients.  The IP entries serve clients
 * that connect to a literal address.  ECDSA needs digitalSignature only
 * (RFC 5280 4.2.1.3).
 */
static const struct tls_ext tls_leaf_exts[] = {
	{ .nid = NID_basic_constraints, .value = "critical,CA:FALSE" },
	{ .nid = NID_key_usage, .value = "critical,digitalSignature" },
	{ .nid = NID_ext_key_usage, .value = "serverAuth" },
	{ .nid = NID_subject_alt_name,
	  .value = "DNS:localhost,IP:127.0.0.1,IP:::1" },
	{ .nid = NID_subject_key_identifier, .value = "hash" },
	{ .nid = NID_authority_key_identifier, .value = "keyid:always" },
};

/* Errors */
static void	 tls_errf(char *, size_t, const char *, ...)
		    ATTR_PRINTF(3, 4);
static void	 tls_err_ssl(char *, size_t, const char *);

/* Contexts */
static SSL_CTX	*tls_ctx_new(char *, size_t);

/* Certificates */
static EVP_PKEY	*tls_key_new(char *, size_t);
static X509	*tls_cert_new(const char *, EVP_PKEY *, X509 *, EVP_PKEY *,
		    const struct tls_ext *, size_t, time_t, char *, size_t);
static int	 tls_cert_serial(X509 *);
static int	 tls_cert_exts(X509 *, X509 *, const struct tls_ext *,
		    size_t);
static int	 tls_ca_write(const char *, X509 *, char *, size_t);

/*
 * Format a message into err.  Callers pass errors with their own context,
 * so a failure is never reported as an empty string.
 */
static void
tls_errf(char *err, size_t size, const char *fmt, ...)
{
	va_list	 ap;

	if (size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

/* "what: <OpenSSL error text>", draining the error queue. */
static void
tls_err_ssl(char *err, size_t size, const char *what)
{
	char	 text[512];

	tls_error_text(text, sizeof(text));
	tls_errf(err, size, "%s: %s", what, text);
}

void
tls_error_text(char *err, size_t size)
{
	unsigned long	 e;
	const char	*data, *lib, *reason;
	char		 one[256];
	size_t		 off = 0, n;
	int		 flags;

	if (size == 0) {
		ERR_clear_error();
		return;
	}
	err[0] = '\0';
	/* Keep draining after err is full: stale errors would otherwise be
	   blamed on the next failure. */
	for (;;) {
		e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags);
		if (e == 0)
			break;
		if (off + 1 >= size)
			continue;
		lib = ERR_lib_error_string(e);
		reason = ERR_reason_error_string(e);
		/* System errors carry errno as the reason code. */
		if (ERR_SYSTEM_ERROR(e))
			reason = strerror(ERR_GET_REASON(e));
		if (lib != NULL && reason != NULL)
			snprintf(one, sizeof(one), "%s: %s", lib, reason);
		else
			ERR_error_string_n(e, one, sizeof(one));
		n = (size_t)snprintf(err + off, size - off, "%s%s%s%s",
		    off > 0 ? "; " : "", one,
		    (flags & ERR_TXT_STRING) && *data != '\0' ? ": " : "",
		    (flags & ERR_TXT_STRING) ? data : "");
		off = MIN(off + n, size - 1);
	}
	if (off == 0)
		snprintf(err, size, "unknown error");
}

void
tls_ctx_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}

/*
 * The settings every server context shares.  Compression is off against
 * CRIME; renegotiation is off because nothing here needs it and it is a
 * denial-of-service lever (TLS 1.2 only; 1.3 has none).
 */
static SSL_CTX *
tls_ctx_new(char *err, size_t size)
{
	SSL_CTX	*ctx;

	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		tls_err_ssl(err, size, "SSL_CTX_new");
		return NULL;
	}
	/* RFC 8314 4: TLS 1.2 or later. */
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
		tls_err_ssl(err, size, "setting protocol versions");
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* Many idle test sessions: give buffers back between records. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/*
	 * No TLS 1.3 session tickets (RFC 8446 4.6.1): a fake server has no
	 * use for resumption, and tickets arriving just after the handshake
	 * race with clients that re-arrange their reader threads after
	 * STARTTLS (offlineimap hung that way now and then).  Without them
	 * the first bytes after the handshake are the server's replies.
	 */
	SSL_CTX_set_num_tickets(ctx, 0);
	return ctx;
}

SSL_CTX *
tls_ctx_from_files(const char *cert, const char *key, char *err, size_t size)
{
	SSL_CTX	*ctx;
	char	 what[512];

	ERR_clear_error();
	ctx = tls_ctx_new(err, size);
	if (ctx == NULL)
		return NULL;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(what, sizeof(what), "certificate %s", cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		snprintf(what, sizeof(what), "key %s", key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(what, sizeof(what), "key %s does not match %s", key,
		    cert);
		goto fail;
	}
	return ctx;

fail:
	tls_err_ssl(err, size, what);
	SSL_CTX_free(ctx);
	return NULL;
}

/* EC P-256: generated in well under a millisecond, unlike RSA. */
static EVP_PKEY *
tls_key_new(char *err, size_t size)
{
	EVP_PKEY	*key;

	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (key == NULL)
		tls_err_ssl(err, size, "generating P-256 key");
	return key;
}

/*
 * RFC 5280 4.1.2.2: positive, unique per issuer, at most 20 octets.
 * Random serials keep certificates from different runs distinct, so a
 * client that cached one run's certificate cannot confuse it with the next.
 */
static int
tls_cert_serial(X509 *x)
{
	BIGNUM		*bn;
	ASN1_INTEGER	*ai = NULL;
	int		 rc = -1;

	bn = BN_new();
	if (bn == NULL)
		return -1;
	if (BN_rand(bn, TLS_SERIAL_BITS, BN_RAND_TOP_ONE,
	    BN_RAND_BOTTOM_ANY) != 1)
		goto done;
	ai = BN_to_ASN1_INTEGER(bn, NULL);
	if (ai == NULL)
		goto done;
	if (X509_set_serialNumber(x, ai) == 1)
		rc = 0;
done:
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return rc;
}

/* issuer == NULL means x is self-signed. */
static int
tls_cert_exts(X509 *x, X509 *issuer, const struct tls_ext *exts, size_t n)
{
	X509V3_CTX	 v3;
	X509_EXTENSION	*ext;
	size_t		 i;
	int		 ok;

	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	for (i = 0; i < n; i++) {
		ext = X509V3_EXT_nconf_nid(NULL, &v3, exts[i].nid,
		    exts[i].value);
		if (ext == NULL)
			return -1;
		ok = X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
		if (ok != 1)
			return -1;
	}
	return 0;
}

/*
 * A version 3 certificate for key, named CN=cn, signed by issuer_key
 * (issuer NULL: self-signed with key).  now anchors the validity period so
 * both certificates of one run share it.
 */
static X509 *
tls_cert_new(const char *cn, EVP_PKEY *key, X509 *issuer,
    EVP_PKEY *issuer_key, const struct tls_ext *exts, size_t nexts,
    time_t now, char *err, size_t size)
{
	X509		*x;
	X509_NAME	*name;
	char		 what[128];

	x = X509_new();
	if (x == NULL)
		goto fail;
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    tls_cert_serial(x) == -1)
		goto fail;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) != 1)
		goto fail;
	if (X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name) != 1)
		goto fail;
	if (X509_time_adj_ex(X509_getm_notBefore(x), -TLS_BACKDATE_DAYS, 0,
	    &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), TLS_VALID_DAYS, 0,
	    &now) == NULL)
		goto fail;
	if (X509_set_pubkey(x, key) != 1)
		goto fail;
	/* After the public key: subjectKeyIdentifier "hash" reads it. */
	if (tls_cert_exts(x, issuer, exts, nexts) == -1)
		goto fail;
	if (X509_sign(x, issuer_key != NULL ? issuer_key : key,
	    EVP_sha256()) == 0)
		goto fail;
	return x;

fail:
	snprintf(what, sizeof(what), "making certificate %s", cn);
	tls_err_ssl(err, size, what);
	X509_free(x);
	return NULL;
}

/*
 * Write to path.tmp, fsync and rename, so a client reading the file
 * (MAILRIG_CA_CERT) never sees half a PEM block or an older run's CA
 * mixed with ours.
 */
static int
tls_ca_write(const char *path, X509 *ca, char *err, size_t size)
{
	FILE	*fp = NULL;
	char	*tmp;
	int	 fd, rc;

	tmp = xasprintf("%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, TLS_CA_MODE);
	if (fd == -1) {
		tls_errf(err, size, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	/* The umask must not hide the CA from clients run as other users. */
	if (fchmod(fd, TLS_CA_MODE) == -1) {
		tls_errf(err, size, "%s: chmod: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	fp = fdopen(fd, "w");
	if (fp == NULL) {
		tls_errf(err, size, "%s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	if (PEM_write_X509(fp, ca) != 1) {
		tls_err_ssl(err, size, "writing CA certificate");
		goto fail;
	}
	if (fflush(fp) == EOF || fsync(fileno(fp)) == -1) {
		tls_errf(err, size, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	rc = fclose(fp);
	fp = NULL;
	if (rc == EOF) {
		tls_errf(err, size, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		tls_errf(err, size, "rename %s to %s: %s", tmp, path,
		    strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;

fail:
	if (fp != NULL)
		fclose(fp);
	unlink(tmp);
	free(tmp);
	return -1;
}

SSL_CTX *
tls_ctx_generate(const char *ca_path, char *err, size_t size)
{
	SSL_CTX		*ctx = NULL;
	EVP_PKEY	*ca_key = NULL, *leaf_key = NULL;
	X509		*ca = NULL, *leaf = NULL;
	time_t		 now;

	ERR_clear_error();
	now = time(NULL);
	ca_key = tls_key_new(err, size);
	if (ca_key == NULL)
		goto fail;
	leaf_key = tls_key_new(err, size);
	if (leaf_key == NULL)
		goto fail;
	ca = tls_cert_new(TLS_CA_CN, ca_key, NULL, NULL, tls_ca_exts,
	    nitems(tls_ca_exts), now, err, size);
	if (ca == NULL)
		goto fail;
	leaf = tls_cert_new(TLS_LEAF_CN, leaf_key, ca, ca_key, tls_leaf_exts,
	    nitems(tls_leaf_exts), now, err, size);
	if (leaf == NULL)
		goto fail;
	ctx = tls_ctx_new(err, size);
	if (ctx == NULL)
		goto fail;
	if (SSL_CTX_use_certificate(ctx, leaf) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, leaf_key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		tls_err_ssl(err, size, "installing server certificate");
		goto fail;
	}
	/* RFC 8446 4.4.2 lets the root be left out; sending it lets tools
	   that dump the peer chain show which run's CA signed the leaf. */
	if (SSL_CTX_add1_chain_cert(ctx, ca) != 1) {
		tls_err_ssl(err, size, "adding CA to chain");
		goto fail;
	}
	if (tls_ca_write(ca_path, ca, err, size) == -1)
		goto fail;
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(ca_key);
	return ctx;

fail:
	SSL_CTX_free(ctx);
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(ca_key);
	return NULL;
}
