/* Self-signed certificates for quick servers and tests, built with
 * libcrypto's X509 and X509V3 API.
 *
 * The certificate is an end-entity certificate (basicConstraints CA:FALSE,
 * extendedKeyUsage serverAuth and clientAuth) with no keyUsage extension:
 * libcrypto decides that a certificate is self-issued only if its key may
 * sign certificates, and keyCertSign would need CA:TRUE (rfc5280#4.2.1.3).
 * Without keyUsage the certificate verifies as its own trust anchor when a
 * peer loads it as its CA. */
#include "pki/tls_x509.h"

#include <string.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "util/tls_consts.h"

#define NO_ALERT (-1)
/* ub-common-name (rfc5280 appendix A.1) */
#define MAX_CN_LEN 64

static EVP_PKEY *generate_key(const char *key_type, tls_error *err)
{
    EVP_PKEY *key = NULL;
    if (key_type == NULL || strcmp(key_type, "ec") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (strcmp(key_type, "rsa") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    else if (strcmp(key_type, "ed25519") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    else {
        tls_fail(err, NO_ALERT, "key: unknown key type '%s' (use \"ec\", \"rsa\" or \"ed25519\")",
                 key_type);
        return NULL;
    }
    if (key == NULL)
        tls_fail_crypto(err, NO_ALERT, "cannot generate the key");
    return key;
}

/* A random positive 127-bit serial number (rfc5280#4.1.2.2: at most 20
 * octets, positive). */
static int set_random_serial(X509 *x, tls_error *err)
{
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        return tls_fail_crypto(err, NO_ALERT, "cannot make a serial number");
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01; /* never zero */
    BIGNUM *bn = BN_bin2bn(bytes, sizeof bytes, NULL);
    ASN1_INTEGER *serial = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    int ok = serial != NULL && X509_set_serialNumber(x, serial) == 1;
    ASN1_INTEGER_free(serial);
    BN_free(bn);
    return ok ? 0 : tls_fail_crypto(err, NO_ALERT, "cannot set the serial number");
}

static int set_names(X509 *x, const char *const *names, size_t n_names, tls_error *err)
{
    const char *cn = n_names > 0 ? names[0] : "localhost";
    if (strlen(cn) > MAX_CN_LEN)
        cn = "luatls self-signed";
    X509_NAME *subject = X509_get_subject_name(x);
    if (!X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
                                    -1, 0) ||
        !X509_set_issuer_name(x, subject))
        return tls_fail_crypto(err, NO_ALERT, "cannot set the subject name");

    GENERAL_NAMES *sans = sk_GENERAL_NAME_new_null();
    if (sans == NULL)
        return tls_fail_crypto(err, NO_ALERT, "cannot build subjectAltName");
    for (size_t i = 0; i < n_names; i++) {
        const char *name = names[i];
        GENERAL_NAME *gn = NULL;
        if (name[0] == '\0' || strpbrk(name, " \t\r\n,") != NULL) {
            GENERAL_NAMES_free(sans);
            return tls_fail(err, NO_ALERT, "names: '%s' is not a host name or IP address", name);
        }
        if (tls_is_ip_literal(name)) {
            gn = a2i_GENERAL_NAME(NULL, NULL, NULL, GEN_IPADD, name, 0);
        } else {
            ASN1_IA5STRING *dns = ASN1_IA5STRING_new();
            if (dns != NULL && ASN1_STRING_set(dns, name, -1) == 1) {
                gn = GENERAL_NAME_new();
                if (gn != NULL)
                    GENERAL_NAME_set0_value(gn, GEN_DNS, dns);
                else
                    ASN1_IA5STRING_free(dns);
            } else {
                ASN1_IA5STRING_free(dns);
            }
        }
        if (gn == NULL || !sk_GENERAL_NAME_push(sans, gn)) {
            GENERAL_NAME_free(gn);
            GENERAL_NAMES_free(sans);
            return tls_fail_crypto(err, NO_ALERT, "cannot build subjectAltName");
        }
    }
    int ok = n_names == 0 || X509_add1_ext_i2d(x, NID_subject_alt_name, sans, 0, X509V3_ADD_DEFAULT);
    GENERAL_NAMES_free(sans);
    return ok ? 0 : tls_fail_crypto(err, NO_ALERT, "cannot add subjectAltName");
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value, tls_error *err)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    int ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok ? 0 : tls_fail_crypto(err, NO_ALERT, "cannot add a certificate extension");
}

static char *pem_of(int (*write)(BIO *, void *), void *obj, tls_error *err)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL, *out = NULL;
    if (bio == NULL) {
        tls_fail_crypto(err, NO_ALERT, "cannot write PEM");
        return NULL;
    }
    int written = write(bio, obj);
    long len = BIO_get_mem_data(bio, &data);
    if (written && len > 0) {
        out = OPENSSL_malloc((size_t)len + 1);
        if (out != NULL) {
            memcpy(out, data, (size_t)len);
            out[len] = '\0';
        }
    }
    /* The key's PEM passed through this buffer, whole or in part (a write
     * that failed half-way): wiped on every path. */
    if (len > 0)
        OPENSSL_cleanse(data, (size_t)len);
    BIO_free(bio);
    if (out == NULL)
        tls_fail_crypto(err, NO_ALERT, "cannot write PEM");
    return out;
}

static int write_cert(BIO *bio, void *x) { return PEM_write_bio_X509(bio, x); }

static int write_key(BIO *bio, void *key)
{
    return PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
}

int tls_selfsigned(const char *const *names, size_t n_names, const char *key_type, int days,
                   char **cert_pem, char **key_pem, tls_error *err)
{
    *cert_pem = NULL;
    *key_pem = NULL;
    if (days <= 0 || days > 36500)
        return tls_fail(err, NO_ALERT, "days: must be between 1 and 36500");
    EVP_PKEY *key = generate_key(key_type, err);
    if (key == NULL)
        return -1;
    int rc = -1;
    X509 *x = X509_new();
    if (x == NULL) {
        tls_fail_crypto(err, NO_ALERT, "cannot create the certificate");
        goto done;
    }
    if (!X509_set_version(x, X509_VERSION_3) || set_random_serial(x, err) != 0)
        goto crypto_fail;
    /* An hour of slack for peers whose clocks are behind. */
    if (!X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
        !X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) || !X509_set_pubkey(x, key))
        goto crypto_fail;
    if (set_names(x, names, n_names, err) != 0)
        goto done;

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE", err) != 0 ||
        add_ext(x, &ctx, NID_ext_key_usage, "serverAuth,clientAuth", err) != 0 ||
        add_ext(x, &ctx, NID_subject_key_identifier, "hash", err) != 0)
        goto done;

    /* Ed25519 signs the message itself: no separate digest (rfc8410#6). */
    const EVP_MD *md = EVP_PKEY_is_a(key, "ED25519") ? NULL : EVP_sha256();
    if (X509_sign(x, key, md) <= 0)
        goto crypto_fail;

    *cert_pem = pem_of(write_cert, x, err);
    *key_pem = *cert_pem != NULL ? pem_of(write_key, key, err) : NULL;
    if (*key_pem == NULL) {
        OPENSSL_free(*cert_pem);
        *cert_pem = NULL;
        goto done;
    }
    rc = 0;
    goto done;

crypto_fail:
    tls_fail_crypto(err, NO_ALERT, "cannot build the certificate");
done:
    X509_free(x);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return rc;
}
