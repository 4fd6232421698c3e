/* Certificate path validation on X509_STORE / X509_verify_cert, with the
 * verification error turned into a TLS alert and a sentence a person can
 * act on. No certificate parsing of our own: names and times come from
 * libcrypto's accessors. */
#include "tls_x509.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "tls_consts.h"

int tls_is_ip_literal(const char *s)
{
    unsigned char addr[16];
    if (s == NULL)
        return 0;
    return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
}

/* ---- Text forms ------------------------------------------------------------ */

void tls_x509_time_text(const ASN1_TIME *t, char *out, size_t size)
{
    struct tm tm;
    if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
        ERR_clear_error();
        snprintf(out, size, "(invalid time)");
        return;
    }
    snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void tls_x509_name_text(const X509_NAME *name, char *out, size_t size)
{
    /* RFC 2253 order and escaping, but UTF-8 left readable rather than
     * escaped as \XX. */
    const unsigned long flags = (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) |
                                ASN1_STRFLGS_UTF8_CONVERT;
    if (size == 0)
        return;
    out[0] = '\0';
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || name == NULL || X509_NAME_print_ex(bio, name, 0, flags) < 0) {
        BIO_free(bio);
        ERR_clear_error();
        return;
    }
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    if (len > 0) {
        size_t n = (size_t)len < size - 1 ? (size_t)len : size - 1;
        memcpy(out, data, n);
        out[n] = '\0';
    }
    BIO_free(bio);
}

/* Copies a name from a certificate, replacing control characters so that a
 * hostile certificate cannot forge lines in a log. */
static void copy_printable(const unsigned char *p, size_t len, char *out, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < size; i++)
        out[n++] = (p[i] < 0x20 || p[i] == 0x7f) ? '?' : (char)p[i];
    out[n] = '\0';
}

int tls_x509_general_name_text(const GENERAL_NAME *gn, char *out, size_t size)
{
    if (size == 0)
        return 0;
    if (gn->type == GEN_DNS) {
        copy_printable(ASN1_STRING_get0_data(gn->d.dNSName),
                       (size_t)ASN1_STRING_length(gn->d.dNSName), out, size);
        return 1;
    }
    if (gn->type == GEN_IPADD) {
        int len = ASN1_STRING_length(gn->d.iPAddress);
        const unsigned char *p = ASN1_STRING_get0_data(gn->d.iPAddress);
        char text[INET6_ADDRSTRLEN];
        int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
        if (family == 0 || inet_ntop(family, p, text, sizeof text) == NULL)
            snprintf(text, sizeof text, "(bad IP address)");
        snprintf(out, size, "%s", text);
        return 1;
    }
    return 0;
}

static void append(char *out, size_t size, size_t *used, const char *s)
{
    int n = snprintf(out + *used, size - *used, "%s", s);
    if (n > 0)
        *used = *used + (size_t)n < size ? *used + (size_t)n : size - 1;
}

void tls_x509_names_text(X509 *cert, char *out, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return;
    out[0] = '\0';
    GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
        char one[256];
        if (!tls_x509_general_name_text(sk_GENERAL_NAME_value(sans, i), one, sizeof one))
            continue;
        if (used > 0)
            append(out, size, &used, ", ");
        append(out, size, &used, one);
    }
    GENERAL_NAMES_free(sans);
    if (used > 0)
        return;
    X509_NAME *subject = X509_get_subject_name(cert);
    int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    unsigned char *cn = NULL;
    int len = idx >= 0 ? ASN1_STRING_to_UTF8(
                             &cn, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx)))
                       : -1;
    if (len >= 0)
        copy_printable(cn, (size_t)len, out, size);
    else
        snprintf(out, size, "no names");
    OPENSSL_free(cn);
    ERR_clear_error();
}

/* ---- Verification ---------------------------------------------------------- */

/* Describes a verification failure of cert (the one libcrypto was looking
 * at) and picks the alert, following rfc8446#6.2's meanings. */
static int fail_verification(tls_error *err, int code, int depth, X509 *cert, const char *name)
{
    char subject[200] = "", issuer[200] = "", when[40] = "", where[240] = "";
    if (cert != NULL) {
        tls_x509_name_text(X509_get_subject_name(cert), subject, sizeof subject);
        tls_x509_name_text(X509_get_issuer_name(cert), issuer, sizeof issuer);
    }
    /* Problems with an intermediate say which one. */
    if (depth > 0)
        snprintf(where, sizeof where, " (in chain: %s)", subject);

    switch (code) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        tls_x509_time_text(cert ? X509_get0_notAfter(cert) : NULL, when, sizeof when);
        return tls_fail(err, TLS_ALERT_CERTIFICATE_EXPIRED,
                        "certificate has expired (notAfter %s)%s", when, where);
    case X509_V_ERR_CERT_NOT_YET_VALID:
        tls_x509_time_text(cert ? X509_get0_notBefore(cert) : NULL, when, sizeof when);
        return tls_fail(err, TLS_ALERT_CERTIFICATE_EXPIRED,
                        "certificate is not yet valid (notBefore %s)%s", when, where);
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
        return tls_fail(err, TLS_ALERT_UNKNOWN_CA,
                        "unknown certificate authority (issuer: %s)", issuer);
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        return tls_fail(err, TLS_ALERT_UNKNOWN_CA,
                        "self-signed certificate is not trusted (subject: %s)", subject);
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        return tls_fail(err, TLS_ALERT_UNKNOWN_CA,
                        "self-signed certificate in chain is not trusted (%s)", subject);
    case X509_V_ERR_CERT_REVOKED:
        return tls_fail(err, TLS_ALERT_CERTIFICATE_REVOKED, "certificate is revoked%s", where);
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: {
        char names[200];
        tls_x509_names_text(cert, names, sizeof names);
        return tls_fail(err, TLS_ALERT_BAD_CERTIFICATE,
                        "%s mismatch: expected %s, certificate is for %s",
                        code == X509_V_ERR_HOSTNAME_MISMATCH ? "host name" : "IP address",
                        name ? name : "?", names);
    }
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        return tls_fail(err, TLS_ALERT_BAD_CERTIFICATE, "certificate signature is invalid%s",
                        where);
    case X509_V_ERR_INVALID_PURPOSE:
        return tls_fail(err, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                        "certificate is not allowed for this use (key usage)%s", where);
    default:
        return tls_fail(err, TLS_ALERT_BAD_CERTIFICATE, "certificate verification failed: %s%s",
                        X509_verify_cert_error_string(code), where);
    }
}

/* Sets the name the leaf must carry: an IP literal is matched against
 * iPAddress subjectAltNames, anything else as a DNS name, where a wildcard
 * must be the whole left-most label (rfc6125#6.4.3). */
static int set_expected_name(X509_VERIFY_PARAM *param, const char *name, tls_error *err)
{
    if (tls_is_ip_literal(name)) {
        if (X509_VERIFY_PARAM_set1_ip_asc(param, name) != 1)
            return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "cannot set the IP address");
        return 0;
    }
    /* rfc6125#6.4.4: with a subjectAltName present the CN is never a name;
     * we go further, as browsers do: a CN is never checked at all. */
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
                                               X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
    if (X509_VERIFY_PARAM_set1_host(param, name, 0) != 1)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "cannot set the host name");
    return 0;
}

/* rfc8446#4.4.2.2: "the digitalSignature bit MUST be set if the Key Usage
 * extension is present": the leaf signs CertificateVerify. X509_verify_cert
 * checks extendedKeyUsage for the purpose, not this bit. */
static int check_signing_usage(X509 *leaf, tls_error *err)
{
    if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) &&
        !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
        return tls_fail(err, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                        "certificate is not allowed for this use (its keyUsage lacks "
                        "digitalSignature, which TLS 1.3 needs)");
    return 0;
}

int tls_x509_verify(const tls_config *c, STACK_OF(X509) *chain, const char *name,
                    int peer_is_client, tls_error *err)
{
    if (chain == NULL || sk_X509_num(chain) == 0)
        return tls_fail(err,
                        peer_is_client ? TLS_ALERT_CERTIFICATE_REQUIRED
                                       : TLS_ALERT_BAD_CERTIFICATE,
                        "the peer sent no certificate");
    if (c->store == NULL)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR,
                        "cannot verify the peer's certificate: no trusted CAs are configured "
                        "(set ca= or verify=false)");

    int rc = -1;
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    /* The untrusted intermediates: everything after the leaf. The stack
     * only borrows the certificates. */
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    if (ctx == NULL || untrusted == NULL) {
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "cannot verify the certificate");
        goto done;
    }
    for (int i = 1; i < sk_X509_num(chain); i++) {
        if (!sk_X509_push(untrusted, sk_X509_value(chain, i))) {
            tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "cannot verify the certificate");
            goto done;
        }
    }
    if (X509_STORE_CTX_init(ctx, c->store, sk_X509_value(chain, 0), untrusted) != 1) {
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "cannot verify the certificate");
        goto done;
    }
    /* The peer's leaf must be fit for its side of TLS (extendedKeyUsage
     * serverAuth or clientAuth when present). */
    X509_STORE_CTX_set_purpose(ctx, peer_is_client ? X509_PURPOSE_SSL_CLIENT
                                                   : X509_PURPOSE_SSL_SERVER);
    if (name != NULL && set_expected_name(X509_STORE_CTX_get0_param(ctx), name, err) != 0)
        goto done;

    ERR_clear_error();
    if (X509_verify_cert(ctx) == 1) {
        rc = check_signing_usage(sk_X509_value(chain, 0), err);
    } else {
        int code = X509_STORE_CTX_get_error(ctx);
        X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
        if (bad == NULL)
            bad = sk_X509_value(chain, 0);
        fail_verification(err, code, X509_STORE_CTX_get_error_depth(ctx), bad, name);
    }
    ERR_clear_error();

done:
    sk_X509_free(untrusted);
    X509_STORE_CTX_free(ctx);
    return rc;
}
