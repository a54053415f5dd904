/*
 * check_tls.c: the private CA, the generated localhost certificate and the
 * server contexts.
 *
 * Certificates are judged by OpenSSL's own verifier and name matching, and
 * contexts by real handshakes between two SSL objects joined by a BIO
 * pair, so no socket or event loop is involved.  Every test gets a fresh
 * temporary directory and a freshly generated context.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "fakes/base/defs.h"
#include "fakes/tls.h"

Suite	*tls_suite(void);

enum tls_test_trust {
	TLS_TEST_TRUST_RUN,	/* client trusts this test's CA file */
	TLS_TEST_TRUST_NONE,	/* client trusts nothing */
	TLS_TEST_TRUST_OTHER,	/* client trusts another run's CA */
};

struct tls_test_result {
	bool	 done;		/* both sides finished */
	int	 verify;	/* client's SSL_get_verify_result() */
	int	 version;	/* negotiated, 0 if none */
	int	 chain_len;	/* certificates the server sent */
	bool	 data_ok;	/* application data crossed after it */
};

/* Fixture */
static void	 tls_test_setup(void);
static void	 tls_test_teardown(void);
static void	 tls_test_path(char *, size_t, const char *);

/* Helpers */
static X509	*tls_test_read_cert(const char *);
static X509	*tls_test_chain_ca(SSL_CTX *);
static int	 tls_test_verify(X509 *, X509 *);
static void	 tls_test_write_pem(const char *, X509 *, X509 *,
		    EVP_PKEY *);
static void	 tls_test_write_files(void);
static bool	 tls_test_step(SSL *, bool *);
static struct tls_test_result tls_test_handshake(SSL_CTX *, const char *,
		    int, const char *, const char *);

static char	 tls_test_dir[64];
static char	 tls_test_ca[128];
static SSL_CTX	*tls_test_srv;		/* generated in setup */

static void
tls_test_path(char *out, size_t size, const char *name)
{
	int	 n;

	n = snprintf(out, size, "%s/%s", tls_test_dir, name);
	ck_assert_int_lt(n, (int)size);
}

static void
tls_test_setup(void)
{
	char	 err[512] = "";

	ck_assert_str_eq(tls_test_dir, "");
	snprintf(tls_test_dir, sizeof(tls_test_dir), "/tmp/check_tls.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tls_test_dir));
	tls_test_path(tls_test_ca, sizeof(tls_test_ca), "ca.pem");
	tls_test_srv = tls_ctx_generate(tls_test_ca, err, sizeof(err));
	ck_assert_msg(tls_test_srv != NULL, "tls_ctx_generate: %s", err);
}

static void
tls_test_teardown(void)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[192];

	tls_ctx_free(tls_test_srv);
	tls_test_srv = NULL;
	d = opendir(tls_test_dir);
	while (d != NULL) {
		de = readdir(d);
		if (de == NULL) {
			closedir(d);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		tls_test_path(path, sizeof(path), de->d_name);
		(void)remove(path);
	}
	(void)rmdir(tls_test_dir);
	tls_test_dir[0] = '\0';
}

static X509 *
tls_test_read_cert(const char *path)
{
	FILE	*fp;
	X509	*x;

	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "%s: cannot open", path);
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	ck_assert_msg(x != NULL, "%s: no certificate", path);
	return x;
}

/* Borrowed: the CA the server sends after its certificate. */
static X509 *
tls_test_chain_ca(SSL_CTX *ctx)
{
	STACK_OF(X509)	*chain = NULL;

	ck_assert_int_eq(SSL_CTX_get0_chain_certs(ctx, &chain), 1);
	ck_assert_ptr_nonnull(chain);
	ck_assert_int_eq(sk_X509_num(chain), 1);
	return sk_X509_value(chain, 0);
}

/* X509_V_OK or the verifier's error, checking the TLS server purpose. */
static int
tls_test_verify(X509 *leaf, X509 *ca)
{
	X509_STORE	*store;
	X509_STORE_CTX	*sctx;
	int		 rc;

	store = X509_STORE_new();
	sctx = X509_STORE_CTX_new();
	ck_assert(store != NULL && sctx != NULL);
	ck_assert_int_eq(X509_STORE_add_cert(store, ca), 1);
	ck_assert_int_eq(X509_STORE_CTX_init(sctx, store, leaf, NULL), 1);
	ck_assert_int_eq(X509_STORE_CTX_set_purpose(sctx,
	    X509_PURPOSE_SSL_SERVER), 1);
	rc = X509_verify_cert(sctx) == 1 ? X509_V_OK :
	    X509_STORE_CTX_get_error(sctx);
	X509_STORE_CTX_free(sctx);
	X509_STORE_free(store);
	return rc;
}

/* Any of the three may be NULL. */
static void
tls_test_write_pem(const char *name, X509 *a, X509 *b, EVP_PKEY *key)
{
	char	 path[192];
	FILE	*fp;

	tls_test_path(path, sizeof(path), name);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	if (a != NULL)
		ck_assert_int_eq(PEM_write_X509(fp, a), 1);
	if (b != NULL)
		ck_assert_int_eq(PEM_write_X509(fp, b), 1);
	if (key != NULL)
		ck_assert_int_eq(PEM_write_PrivateKey(fp, key, NULL, NULL, 0,
		    NULL, NULL), 1);
	ck_assert_int_eq(fclose(fp), 0);
}

/*
 * cert.pem: leaf + CA; key.pem: its key; other-key.pem: an unrelated key;
 * junk.pem: not PEM at all.
 */
static void
tls_test_write_files(void)
{
	EVP_PKEY	*other;
	char		 path[192];
	FILE		*fp;

	tls_test_write_pem("cert.pem",
	    SSL_CTX_get0_certificate(tls_test_srv),
	    tls_test_chain_ca(tls_test_srv), NULL);
	tls_test_write_pem("key.pem", NULL, NULL,
	    SSL_CTX_get0_privatekey(tls_test_srv));
	other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ck_assert_ptr_nonnull(other);
	tls_test_write_pem("other-key.pem", NULL, NULL, other);
	EVP_PKEY_free(other);
	tls_test_path(path, sizeof(path), "junk.pem");
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("-----BEGIN CERTIFICATE-----\nnot base64 !!\n"
	    "-----END CERTIFICATE-----\n", fp);
	ck_assert_int_eq(fclose(fp), 0);
}

/* One handshake step; false on a hard failure. */
static bool
tls_test_step(SSL *ssl, bool *done)
{
	int	 rc, e;

	if (*done)
		return true;
	rc = SSL_do_handshake(ssl);
	if (rc == 1) {
		*done = true;
		return true;
	}
	e = SSL_get_error(ssl, rc);
	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/*
 * A client pinned to one protocol version, trusting ca_file (NULL: no
 * trust anchors at all), checking host or ip, against server context srv.
 */
static struct tls_test_result
tls_test_handshake(SSL_CTX *srv, const char *ca_file, int version,
    const char *host, const char *ip)
{
	struct tls_test_result	 res = { .done = false };
	SSL_CTX			*cctx;
	SSL			*c, *s;
	BIO			*cb, *sb;
	bool			 cdone = false, sdone = false;
	char			 buf[16];
	int			 i;

	cctx = SSL_CTX_new(TLS_client_method());
	ck_assert_ptr_nonnull(cctx);
	ck_assert_int_eq(SSL_CTX_set_min_proto_version(cctx, version), 1);
	ck_assert_int_eq(SSL_CTX_set_max_proto_version(cctx, version), 1);
	if (ca_file != NULL)
		ck_assert_int_eq(SSL_CTX_load_verify_locations(cctx, ca_file,
		    NULL), 1);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	c = SSL_new(cctx);
	s = SSL_new(srv);
	ck_assert(c != NULL && s != NULL);
	if (host != NULL) {
		ck_assert_int_eq(SSL_set1_host(c, host), 1);
		ck_assert_int_eq(SSL_set_tlsext_host_name(c, host), 1);
	}
	if (ip != NULL)
		ck_assert_int_eq(X509_VERIFY_PARAM_set1_ip_asc(
		    SSL_get0_param(c), ip), 1);
	ck_assert_int_eq(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
	SSL_set_bio(c, cb, cb);
	SSL_set_bio(s, sb, sb);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);

	/* A handshake takes a handful of flights; 50 rounds is ample. */
	for (i = 0; i < 50 && !(cdone && sdone); i++) {
		if (!tls_test_step(c, &cdone) || !tls_test_step(s, &sdone))
			break;
	}
	res.done = cdone && sdone;
	res.verify = (int)SSL_get_verify_result(c);
	if (res.done) {
		res.version = SSL_version(c);
		ck_assert_int_eq(SSL_version(s), res.version);
		res.chain_len = sk_X509_num(SSL_get_peer_cert_chain(c));
		res.data_ok = SSL_write(c, "ping", 4) == 4 &&
		    SSL_read(s, buf, sizeof(buf)) == 4 &&
		    memcmp(buf, "ping", 4) == 0;
	}
	ERR_clear_error();
	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(cctx);
	return res;
}

START_TEST(test_generate_certs)
{
	X509		*ca, *leaf;
	EVP_PKEY	*key;
	BIGNUM		*sn_ca, *sn_leaf;
	char		 cn[64], group[32];
	int		 days, secs;
	size_t		 glen;

	ca = tls_test_read_cert(tls_test_ca);
	leaf = SSL_CTX_get0_certificate(tls_test_srv);
	ck_assert_ptr_nonnull(leaf);

	/* The file holds the same CA the server sends. */
	ck_assert_int_eq(X509_cmp(ca, tls_test_chain_ca(tls_test_srv)), 0);

	ck_assert_int_gt(X509_NAME_get_text_by_NID(X509_get_subject_name(ca),
	    NID_commonName, cn, sizeof(cn)), 0);
	ck_assert_str_eq(cn, "mailrig test CA");
	ck_assert_int_gt(X509_NAME_get_text_by_NID(
	    X509_get_subject_name(leaf), NID_commonName, cn, sizeof(cn)), 0);
	ck_assert_str_eq(cn, "localhost");
	ck_assert_int_eq(X509_get_version(ca), X509_VERSION_3);
	ck_assert_int_eq(X509_get_version(leaf), X509_VERSION_3);

	/* Self-signed CA, leaf issued by it, basic constraints. */
	ck_assert_int_eq(X509_check_issued(ca, ca), X509_V_OK);
	ck_assert_int_eq(X509_check_issued(ca, leaf), X509_V_OK);
	ck_assert_int_eq(X509_check_ca(ca), 1);
	ck_assert_int_eq(X509_check_ca(leaf), 0);

	/* Key usage, extended key usage, key identifiers. */
	ck_assert_uint_eq(X509_get_key_usage(ca), KU_KEY_CERT_SIGN |
	    KU_CRL_SIGN);
	ck_assert_uint_eq(X509_get_key_usage(leaf), KU_DIGITAL_SIGNATURE);
	ck_assert_uint_eq(X509_get_extended_key_usage(leaf), XKU_SSL_SERVER);
	ck_assert_ptr_nonnull(X509_get0_subject_key_id(ca));
	ck_assert_ptr_nonnull(X509_get0_authority_key_id(leaf));
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(ca),
	    X509_get0_authority_key_id(leaf)), 0);

	/* 128-bit random serials, different for the two certificates. */
	sn_ca = ASN1_INTEGER_to_BN(X509_get0_serialNumber(ca), NULL);
	sn_leaf = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), NULL);
	ck_assert(sn_ca != NULL && sn_leaf != NULL);
	ck_assert_int_eq(BN_num_bits(sn_ca), 128);
	ck_assert_int_eq(BN_num_bits(sn_leaf), 128);
	ck_assert_int_eq(BN_is_negative(sn_leaf), 0);
	ck_assert_int_ne(BN_cmp(sn_ca, sn_leaf), 0);
	BN_free(sn_ca);
	BN_free(sn_leaf);

	/* Valid now, from a day ago for 825 days from now. */
	ck_assert_int_lt(X509_cmp_current_time(X509_get0_notBefore(leaf)), 0);
	ck_assert_int_gt(X509_cmp_current_time(X509_get0_notAfter(leaf)), 0);
	ck_assert_int_eq(ASN1_TIME_diff(&days, &secs,
	    X509_get0_notBefore(leaf), X509_get0_notAfter(leaf)), 1);
	ck_assert_int_eq(days, 826);
	ck_assert_int_eq(secs, 0);
	ck_assert_int_eq(ASN1_TIME_compare(X509_get0_notAfter(ca),
	    X509_get0_notAfter(leaf)), 0);

	/* EC P-256 and ECDSA with SHA-256, no RSA anywhere. */
	ck_assert_int_eq(X509_get_signature_nid(ca), NID_ecdsa_with_SHA256);
	ck_assert_int_eq(X509_get_signature_nid(leaf),
	    NID_ecdsa_with_SHA256);
	key = SSL_CTX_get0_privatekey(tls_test_srv);
	ck_assert_int_eq(EVP_PKEY_is_a(key, "EC"), 1);
	ck_assert_int_eq(EVP_PKEY_get_group_name(key, group, sizeof(group),
	    &glen), 1);
	ck_assert_str_eq(group, "prime256v1");
	ck_assert_int_eq(EVP_PKEY_get_group_name(X509_get0_pubkey(ca), group,
	    sizeof(group), &glen), 1);
	ck_assert_str_eq(group, "prime256v1");

	ck_assert_int_eq(tls_test_verify(leaf, ca), X509_V_OK);
	X509_free(ca);
}
END_TEST

/* The CA file: one certificate, no key, 0644 whatever the umask. */
START_TEST(test_generate_ca_file)
{
	struct stat	 st;
	char		 tmp[192], err[512] = "", text[4096];
	SSL_CTX		*ctx;
	FILE		*fp;
	size_t		 n;
	mode_t		 old;

	old = umask(077);
	ctx = tls_ctx_generate(tls_test_ca, err, sizeof(err));
	umask(old);
	ck_assert_msg(ctx != NULL, "tls_ctx_generate: %s", err);
	tls_ctx_free(ctx);

	ck_assert_int_eq(stat(tls_test_ca, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	ck_assert(S_ISREG(st.st_mode));
	snprintf(tmp, sizeof(tmp), "%s.tmp", tls_test_ca);
	ck_assert_int_eq(access(tmp, F_OK), -1);

	fp = fopen(tls_test_ca, "r");
	ck_assert_ptr_nonnull(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	ck_assert_ptr_eq(strstr(text, "PRIVATE KEY"), NULL);
	ck_assert_ptr_nonnull(strstr(text, "-----BEGIN CERTIFICATE-----"));
	ck_assert_ptr_eq(strstr(strstr(text, "-----BEGIN CERTIFICATE-----") +
	    1, "-----BEGIN"), NULL);
}
END_TEST

/* Each run makes its own CA: one run's leaf fails against another's CA. */
START_TEST(test_generate_distinct_runs)
{
	char	 other[192], err[512] = "";
	SSL_CTX	*ctx;
	X509	*ca_other;

	tls_test_path(other, sizeof(other), "other.pem");
	ctx = tls_ctx_generate(other, err, sizeof(err));
	ck_assert_msg(ctx != NULL, "tls_ctx_generate: %s", err);
	ca_other = tls_test_read_cert(other);
	ck_assert_int_ne(X509_cmp(ca_other,
	    tls_test_chain_ca(tls_test_srv)), 0);
	ck_assert_int_ne(tls_test_verify(
	    SSL_CTX_get0_certificate(tls_test_srv), ca_other), X509_V_OK);
	ck_assert_int_eq(tls_test_verify(SSL_CTX_get0_certificate(ctx),
	    ca_other), X509_V_OK);
	X509_free(ca_other);
	tls_ctx_free(ctx);
}
END_TEST

enum tls_test_name { TLS_TEST_HOST, TLS_TEST_IP };

static const struct {
	const char		*name;
	enum tls_test_name	 kind;
	int			 want;
} name_cases[] = {
	{ "localhost", TLS_TEST_HOST, 1 },
	{ "LocalHost", TLS_TEST_HOST, 1 },
	{ "example.com", TLS_TEST_HOST, 0 },
	{ "www.localhost", TLS_TEST_HOST, 0 },
	{ "localhost.localdomain", TLS_TEST_HOST, 0 },
	{ "127.0.0.1", TLS_TEST_IP, 1 },
	{ "::1", TLS_TEST_IP, 1 },
	{ "0:0:0:0:0:0:0:1", TLS_TEST_IP, 1 },
	{ "127.0.0.2", TLS_TEST_IP, 0 },
	{ "10.0.0.1", TLS_TEST_IP, 0 },
	{ "::2", TLS_TEST_IP, 0 },
};

START_TEST(test_names)
{
	X509	*leaf;
	int	 got;

	leaf = SSL_CTX_get0_certificate(tls_test_srv);
	switch (name_cases[_i].kind) {
	case TLS_TEST_HOST:
		got = X509_check_host(leaf, name_cases[_i].name, 0, 0, NULL);
		break;
	case TLS_TEST_IP:
		got = X509_check_ip_asc(leaf, name_cases[_i].name, 0);
		break;
	default:
		ck_abort_msg("case %d: bad kind", _i);
	}
	ck_assert_msg(got == name_cases[_i].want,
	    "case %d (%s): got %d, want %d", _i, name_cases[_i].name, got,
	    name_cases[_i].want);
}
END_TEST

START_TEST(test_ctx_settings)
{
	uint64_t	 want;

	want = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE;
	ck_assert_int_eq(SSL_CTX_get_min_proto_version(tls_test_srv),
	    TLS1_2_VERSION);
	ck_assert_int_eq(SSL_CTX_get_max_proto_version(tls_test_srv),
	    TLS1_3_VERSION);
	ck_assert_uint_eq(SSL_CTX_get_options(tls_test_srv) & want, want);
	ck_assert_int_eq(SSL_CTX_check_private_key(tls_test_srv), 1);
	tls_ctx_free(NULL);
}
END_TEST

/* Any verify result other than X509_V_OK. */
#define TLS_TEST_ANY	(-1)

static const struct {
	const char		*name;
	int			 version;
	enum tls_test_trust	 trust;
	const char		*host;
	const char		*ip;
	bool			 want_done;
	int			 want_verify;
} hs_cases[] = {
	{ "tls1.2 trusted", TLS1_2_VERSION, TLS_TEST_TRUST_RUN, "localhost",
	  NULL, true, X509_V_OK },
	{ "tls1.3 trusted", TLS1_3_VERSION, TLS_TEST_TRUST_RUN, "localhost",
	  NULL, true, X509_V_OK },
	{ "tls1.3 ip 127.0.0.1", TLS1_3_VERSION, TLS_TEST_TRUST_RUN, NULL,
	  "127.0.0.1", true, X509_V_OK },
	{ "tls1.2 ip ::1", TLS1_2_VERSION, TLS_TEST_TRUST_RUN, NULL,
	  "::1", true, X509_V_OK },
	/* The root comes with the chain, so the verifier names it. */
	{ "tls1.2 untrusted", TLS1_2_VERSION, TLS_TEST_TRUST_NONE,
	  "localhost", NULL, false, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN },
	{ "tls1.3 untrusted", TLS1_3_VERSION, TLS_TEST_TRUST_NONE,
	  "localhost", NULL, false, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN },
	{ "tls1.3 other run's CA", TLS1_3_VERSION, TLS_TEST_TRUST_OTHER,
	  "localhost", NULL, false, TLS_TEST_ANY },
	{ "tls1.3 wrong host", TLS1_3_VERSION, TLS_TEST_TRUST_RUN,
	  "example.com", NULL, false, X509_V_ERR_HOSTNAME_MISMATCH },
	{ "tls1.2 wrong ip", TLS1_2_VERSION, TLS_TEST_TRUST_RUN, NULL,
	  "127.0.0.2", false, X509_V_ERR_IP_ADDRESS_MISMATCH },
};

START_TEST(test_handshake)
{
	struct tls_test_result	 r;
	const char		*ca = NULL;
	char			 other[192], err[512] = "";
	SSL_CTX			*ctx;

	switch (hs_cases[_i].trust) {
	case TLS_TEST_TRUST_RUN:
		ca = tls_test_ca;
		break;
	case TLS_TEST_TRUST_NONE:
		break;
	case TLS_TEST_TRUST_OTHER:
		tls_test_path(other, sizeof(other), "other.pem");
		ctx = tls_ctx_generate(other, err, sizeof(err));
		ck_assert_msg(ctx != NULL, "tls_ctx_generate: %s", err);
		tls_ctx_free(ctx);
		ca = other;
		break;
	default:
		ck_abort_msg("case %d: bad trust", _i);
	}
	r = tls_test_handshake(tls_test_srv, ca, hs_cases[_i].version,
	    hs_cases[_i].host, hs_cases[_i].ip);
	ck_assert_msg(r.done == hs_cases[_i].want_done,
	    "case %d (%s): got done %d, want %d", _i, hs_cases[_i].name,
	    r.done, hs_cases[_i].want_done);
	if (hs_cases[_i].want_verify == TLS_TEST_ANY)
		ck_assert_msg(r.verify != X509_V_OK,
		    "case %d (%s): got verify %d, want an error", _i,
		    hs_cases[_i].name, r.verify);
	else
		ck_assert_msg(r.verify == hs_cases[_i].want_verify,
		    "case %d (%s): got verify %d, want %d", _i,
		    hs_cases[_i].name, r.verify, hs_cases[_i].want_verify);
	if (!hs_cases[_i].want_done)
		return;
	ck_assert_msg(r.version == hs_cases[_i].version,
	    "case %d (%s): got version %#x, want %#x", _i, hs_cases[_i].name,
	    r.version, hs_cases[_i].version);
	ck_assert_msg(r.chain_len == 2, "case %d (%s): got chain %d, want 2",
	    _i, hs_cases[_i].name, r.chain_len);
	ck_assert_msg(r.data_ok, "case %d (%s): data did not cross", _i,
	    hs_cases[_i].name);
}
END_TEST

START_TEST(test_from_files)
{
	struct tls_test_result	 r;
	char			 cert[192], key[192], err[512] = "";
	SSL_CTX			*ctx;
	int			 v;

	tls_test_write_files();
	tls_test_path(cert, sizeof(cert), "cert.pem");
	tls_test_path(key, sizeof(key), "key.pem");
	ctx = tls_ctx_from_files(cert, key, err, sizeof(err));
	ck_assert_msg(ctx != NULL, "tls_ctx_from_files: %s", err);
	ck_assert_int_eq(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
	ck_assert_int_eq(SSL_CTX_get_max_proto_version(ctx), TLS1_3_VERSION);
	ck_assert_uint_ne(SSL_CTX_get_options(ctx) & SSL_OP_NO_COMPRESSION,
	    0);
	for (v = TLS1_2_VERSION; v <= TLS1_3_VERSION; v++) {
		r = tls_test_handshake(ctx, tls_test_ca, v, "localhost", NULL);
		ck_assert_msg(r.done, "version %#x: handshake failed", v);
		ck_assert_int_eq(r.verify, X509_V_OK);
		ck_assert_int_eq(r.version, v);
		ck_assert_int_eq(r.chain_len, 2);
		ck_assert(r.data_ok);
	}
	tls_ctx_free(ctx);
}
END_TEST

static const struct {
	const char	*name;
	const char	*cert;
	const char	*key;
	const char	*want;		/* in the error text */
} files_bad_cases[] = {
	{ "missing cert", "nope.pem", "key.pem", "nope.pem" },
	{ "missing key", "cert.pem", "nokey.pem", "nokey.pem" },
	{ "mismatched key", "cert.pem", "other-key.pem", "mismatch" },
	{ "junk cert", "junk.pem", "key.pem", "junk.pem" },
	{ "key as cert", "key.pem", "key.pem", "certificate" },
	{ "cert as key", "cert.pem", "cert.pem", "key" },
};

START_TEST(test_from_files_bad)
{
	char	 cert[192], key[192], err[512] = "";
	SSL_CTX	*ctx;

	tls_test_write_files();
	tls_test_path(cert, sizeof(cert), files_bad_cases[_i].cert);
	tls_test_path(key, sizeof(key), files_bad_cases[_i].key);
	ctx = tls_ctx_from_files(cert, key, err, sizeof(err));
	ck_assert_msg(ctx == NULL, "case %d (%s): got a context", _i,
	    files_bad_cases[_i].name);
	ck_assert_msg(err[0] != '\0', "case %d (%s): empty error", _i,
	    files_bad_cases[_i].name);
	ck_assert_msg(strstr(err, files_bad_cases[_i].want) != NULL,
	    "case %d (%s): got \"%s\", want \"%s\" in it", _i,
	    files_bad_cases[_i].name, err, files_bad_cases[_i].want);
	ck_assert_msg(ERR_peek_error() == 0, "case %d (%s): errors left",
	    _i, files_bad_cases[_i].name);
}
END_TEST

static const struct {
	const char	*name;
	const char	*ca;		/* under the test directory */
	bool		 make_dir;	/* make ca a directory first */
	const char	*want;		/* in the error text */
} gen_bad_cases[] = {
	{ "no such directory", "nodir/ca.pem", false, "nodir/ca.pem.tmp" },
	{ "target is a directory", "isdir", true, "rename" },
	{ "tmp name is a directory", "x", false, "x.tmp" },
};

START_TEST(test_generate_bad_path)
{
	char	 ca[192], tmp[256], err[512] = "";
	SSL_CTX	*ctx;

	tls_test_path(ca, sizeof(ca), gen_bad_cases[_i].ca);
	snprintf(tmp, sizeof(tmp), "%s.tmp", ca);
	if (gen_bad_cases[_i].make_dir)
		ck_assert_int_eq(mkdir(ca, 0755), 0);
	if (strcmp(gen_bad_cases[_i].ca, "x") == 0)
		ck_assert_int_eq(mkdir(tmp, 0755), 0);
	ctx = tls_ctx_generate(ca, err, sizeof(err));
	ck_assert_msg(ctx == NULL, "case %d (%s): got a context", _i,
	    gen_bad_cases[_i].name);
	ck_assert_msg(strstr(err, gen_bad_cases[_i].want) != NULL,
	    "case %d (%s): got \"%s\", want \"%s\" in it", _i,
	    gen_bad_cases[_i].name, err, gen_bad_cases[_i].want);
	/* A failed rename must not leave the temporary file behind. */
	if (gen_bad_cases[_i].make_dir)
		ck_assert_int_eq(access(tmp, F_OK), -1);
}
END_TEST

START_TEST(test_error_text)
{
	char	 err[256], small[8];

	ERR_clear_error();
	memset(err, 'x', sizeof(err));
	tls_error_text(err, sizeof(err));
	ck_assert_str_eq(err, "unknown error");

	ERR_raise_data(ERR_LIB_SSL, SSL_R_NO_CERTIFICATE_ASSIGNED,
	    "detail %d", 7);
	ERR_raise(ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE);
	tls_error_text(err, sizeof(err));
	ck_assert_msg(strstr(err, "no certificate assigned: detail 7") !=
	    NULL, "got \"%s\"", err);
	ck_assert_msg(strstr(err, "; ") != NULL, "got \"%s\"", err);
	ck_assert_msg(strstr(err, "cert already in hash table") != NULL,
	    "got \"%s\"", err);
	ck_assert_uint_eq(ERR_peek_error(), 0);

	/* Truncated but terminated, and the queue still drained. */
	ERR_raise(ERR_LIB_SSL, SSL_R_NO_CERTIFICATE_ASSIGNED);
	ERR_raise(ERR_LIB_SSL, SSL_R_NO_CERTIFICATE_ASSIGNED);
	tls_error_text(small, sizeof(small));
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert_uint_eq(ERR_peek_error(), 0);

	ERR_raise(ERR_LIB_SSL, SSL_R_NO_CERTIFICATE_ASSIGNED);
	tls_error_text(small, 0);
	ck_assert_uint_eq(ERR_peek_error(), 0);
}
END_TEST

Suite *
tls_suite(void)
{
	Suite	*s = suite_create("tls");
	TCase	*tc = tcase_create("tls");

	tcase_add_checked_fixture(tc, tls_test_setup, tls_test_teardown);
	tcase_add_test(tc, test_generate_certs);
	tcase_add_test(tc, test_generate_ca_file);
	tcase_add_test(tc, test_generate_distinct_runs);
	tcase_add_loop_test(tc, test_names, 0, nitems(name_cases));
	tcase_add_test(tc, test_ctx_settings);
	tcase_add_loop_test(tc, test_handshake, 0, nitems(hs_cases));
	tcase_add_test(tc, test_from_files);
	tcase_add_loop_test(tc, test_from_files_bad, 0,
	    nitems(files_bad_cases));
	tcase_add_loop_test(tc, test_generate_bad_path, 0,
	    nitems(gen_bad_cases));
	tcase_add_test(tc, test_error_text);
	suite_add_tcase(s, tc);
	return s;
}
