/* OCSP responses for stapling: the server's check at load time, the
 * client's judgement of what it receives (rfc6960 on libcrypto's OCSP_*). */
#include "pki/tls_ocsp.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "util/tls_file.h"

/* rfc6960#4.2.2.1 does not fix a tolerance; OpenSSL's own tools allow the
 * same five minutes of clock skew either side. */
#define OCSP_CLOCK_SKEW (5 * 60)
/* The age a response without nextUpdate may have (its thisUpdate's). */
#define TLS_OCSP_MAX_AGE_NO_NEXT_UPDATE (7L * 86400)

const char *tls_ocsp_status_name(tls_ocsp_status s)
{
    switch (s) {
    case TLS_OCSP_STATUS_NONE: return "none";
    case TLS_OCSP_STATUS_GOOD: return "good";
    case TLS_OCSP_STATUS_REVOKED: return "revoked";
    case TLS_OCSP_STATUS_UNKNOWN: return "unknown";
    case TLS_OCSP_STATUS_BAD: return "bad";
    }
    return "bad";
}

/* Exactly one OCSPResponse, nothing after it. */
static OCSP_RESPONSE *parse_response(const uint8_t *der, size_t len)
{
    if (len == 0 || len > TLS_OCSP_MAX_RESPONSE)
        return NULL;
    const unsigned char *p = der;
    OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
    if (resp != NULL && p != der + len) {
        OCSP_RESPONSE_free(resp);
        resp = NULL;
    }
    return resp;
}

int tls_ocsp_response_problem(const uint8_t *der, size_t len, char *why, size_t why_size)
{
    if (len > TLS_OCSP_MAX_RESPONSE) {
        snprintf(why, why_size, "OCSP response of %zu bytes is larger than the %d a TLS 1.3 extension holds", len,
                 TLS_OCSP_MAX_RESPONSE);
        return -1;
    }
    OCSP_RESPONSE *resp = parse_response(der, len);
    ERR_clear_error();
    if (resp == NULL) {
        snprintf(why, why_size, "not a DER OCSP response (RFC 6960 OCSPResponse)");
        return -1;
    }
    int rc = -1;
    int status = OCSP_response_status(resp);
    OCSP_BASICRESP *bs = NULL;
    if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL)
        snprintf(why, why_size, "the OCSP response says '%s', not 'successful': nothing to staple",
                 OCSP_response_status_str(status));
    else if ((bs = OCSP_response_get1_basic(resp)) == NULL)
        snprintf(why, why_size, "the OCSP response is not a basic response (id-pkix-ocsp-basic)");
    else
        rc = 0;
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(resp);
    ERR_clear_error();
    return rc;
}

int tls_config_set_ocsp_response(tls_config *c, const char *src, size_t len, int is_path, tls_error *err)
{
    tls_buf der;
    tls_buf_init(&der);
    if (is_path) {
        /* One byte more than allowed is a file too large for the extension. */
        int rc = tls_file_read("ocsp", src, len, TLS_OCSP_MAX_RESPONSE, &der, NULL, err);
        if (rc != 0)
            tls_buf_free(&der);
        if (rc == TLS_FILE_TOO_LARGE) {
            tls_error_clear(err); /* the first failure's words would win */
            return tls_fail(err, -1, "ocsp: %s is larger than the %d bytes a TLS 1.3 certificate extension holds",
                            src, TLS_OCSP_MAX_RESPONSE);
        }
        if (rc != 0)
            return -1;
    } else {
        tls_buf_bytes(&der, src, len);
        if (!tls_buf_ok(&der))
            return tls_fail(err, -1, "ocsp: out of memory");
    }
    char why[200];
    if (tls_ocsp_response_problem(der.data, der.len, why, sizeof why) != 0) {
        tls_buf_free(&der);
        return tls_fail(err, -1, "ocsp: %s%s%s", is_path ? src : "", is_path ? ": " : "", why);
    }
    tls_buf_free(&c->ocsp_response);
    c->ocsp_response = der;
    return 0;
}

/* Seconds since 1970 of an ASN.1 time, or 0. */
static int64_t unix_time(const ASN1_GENERALIZEDTIME *t)
{
    if (t == NULL)
        return 0;
    ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
    int days = 0, secs = 0;
    int ok = epoch != NULL && ASN1_TIME_diff(&days, &secs, epoch, t);
    ASN1_TIME_free(epoch);
    return ok ? (int64_t)days * 86400 + secs : 0;
}

static void bad(tls_ocsp_result *res, const char *fmt, const char *detail)
{
    res->status = TLS_OCSP_STATUS_BAD;
    snprintf(res->reason, sizeof res->reason, fmt, detail);
}

/* The certificate that issued leaf: from the rest of the peer's chain, or
 * else the trust store (a chain may leave out the root that issued it). */
static X509 *find_issuer(X509_STORE *store, STACK_OF(X509) *chain, X509 *leaf)
{
    for (int i = 1; i < sk_X509_num(chain); i++) {
        X509 *cand = sk_X509_value(chain, i);
        if (X509_check_issued(cand, leaf) == X509_V_OK)
            return X509_up_ref(cand) ? cand : NULL;
    }
    if (store == NULL)
        return NULL;
    X509 *issuer = NULL;
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (ctx != NULL && X509_STORE_CTX_init(ctx, store, leaf, NULL) &&
        X509_STORE_CTX_get1_issuer(&issuer, ctx, leaf) <= 0)
        issuer = NULL;
    X509_STORE_CTX_free(ctx);
    return issuer;
}

/* A server's own issuer of leaf: as find_issuer, but only a certificate
 * whose key verifies leaf's signature (a chain may carry a certificate with
 * the issuer's name and identifier and another key). */
static X509 *own_issuer(X509_STORE *store, STACK_OF(X509) *chain, X509 *leaf)
{
    for (int i = 1; i < sk_X509_num(chain); i++) {
        X509 *cand = sk_X509_value(chain, i);
        EVP_PKEY *key = X509_get0_pubkey(cand);
        if (X509_check_issued(cand, leaf) == X509_V_OK && key != NULL && X509_verify(leaf, key) == 1)
            return X509_up_ref(cand) ? cand : NULL;
    }
    X509 *issuer = find_issuer(store, NULL, leaf);
    EVP_PKEY *key = issuer ? X509_get0_pubkey(issuer) : NULL;
    if (issuer != NULL && (key == NULL || X509_verify(leaf, key) != 1)) {
        X509_free(issuer);
        issuer = NULL;
    }
    return issuer;
}

/* rfc6960#4.1.1: the single response whose CertID names leaf: the
 * responder chose the hash, so ours is made with the same one. */
static OCSP_SINGLERESP *find_single(OCSP_BASICRESP *bs, X509 *leaf, X509 *issuer)
{
    int n = OCSP_resp_count(bs);
    for (int i = 0; i < n; i++) {
        OCSP_SINGLERESP *single = OCSP_resp_get0(bs, i);
        const OCSP_CERTID *theirs = OCSP_SINGLERESP_get0_id(single);
        ASN1_OBJECT *md_oid = NULL;
        if (theirs == NULL || !OCSP_id_get0_info(NULL, &md_oid, NULL, NULL, (OCSP_CERTID *)theirs))
            continue;
        const EVP_MD *md = EVP_get_digestbyobj(md_oid);
        OCSP_CERTID *ours = md ? OCSP_cert_to_id(md, leaf, issuer) : NULL;
        int same = ours != NULL && OCSP_id_cmp(ours, theirs) == 0;
        OCSP_CERTID_free(ours);
        if (same)
            return single;
    }
    return NULL;
}

/* The single response whose CertID names leaf by its serial and its
 * issuer's name hash alone: for a server that does not hold the issuer's
 * key (the issuer is in neither its chain nor its store). */
static OCSP_SINGLERESP *find_single_by_name(OCSP_BASICRESP *bs, X509 *leaf)
{
    int n = OCSP_resp_count(bs);
    for (int i = 0; i < n; i++) {
        OCSP_SINGLERESP *single = OCSP_resp_get0(bs, i);
        const OCSP_CERTID *theirs = OCSP_SINGLERESP_get0_id(single);
        ASN1_OCTET_STRING *name_hash = NULL;
        ASN1_OBJECT *md_oid = NULL;
        ASN1_INTEGER *serial = NULL;
        if (theirs == NULL ||
            !OCSP_id_get0_info(&name_hash, &md_oid, NULL, &serial, (OCSP_CERTID *)theirs) ||
            name_hash == NULL || serial == NULL)
            continue;
        const EVP_MD *md = EVP_get_digestbyobj(md_oid);
        unsigned char h[EVP_MAX_MD_SIZE];
        unsigned int hlen = 0;
        if (md == NULL || !X509_NAME_digest(X509_get_issuer_name(leaf), md, h, &hlen))
            continue;
        if (ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(leaf)) == 0 &&
            ASN1_STRING_length(name_hash) == (int)hlen && memcmp(ASN1_STRING_get0_data(name_hash), h, hlen) == 0)
            return single;
    }
    return NULL;
}

int tls_ocsp_response_names(X509_STORE *store, STACK_OF(X509) *chain, const uint8_t *der, size_t len, char *why,
                            size_t why_size)
{
    X509 *leaf = chain ? sk_X509_value(chain, 0) : NULL;
    OCSP_RESPONSE *resp = parse_response(der, len);
    OCSP_BASICRESP *bs = resp ? OCSP_response_get1_basic(resp) : NULL;
    X509 *issuer = NULL;
    int rc = 0;
    if (leaf == NULL || bs == NULL) {
        snprintf(why, why_size, "%s", leaf ? "not a basic OCSP response" : "no certificate");
        goto done;
    }
    issuer = own_issuer(store, chain, leaf);
    OCSP_SINGLERESP *single = issuer != NULL ? find_single(bs, leaf, issuer) : find_single_by_name(bs, leaf);
    rc = single == NULL ? 0 : issuer != NULL ? 1 : 2;
    if (single != NULL) {
        /* A client that asked must refuse a response past its nextUpdate
         * (rfc6066#8 via rfc6960#4.2.2.1), as tls_ocsp_check does, with
         * the same clock skew and the same bound without nextUpdate. */
        ASN1_GENERALIZEDTIME *this_upd = NULL, *next_upd = NULL;
        OCSP_single_get0_status(single, NULL, NULL, &this_upd, &next_upd);
        long max_age = next_upd == NULL ? TLS_OCSP_MAX_AGE_NO_NEXT_UPDATE : -1;
        if (!OCSP_check_validity(this_upd, next_upd, OCSP_CLOCK_SKEW, max_age)) {
            rc = 0;
            snprintf(why, why_size, "the OCSP response is %s",
                     next_upd != NULL && X509_cmp_time(next_upd, NULL) < 0
                         ? "expired: its nextUpdate has passed"
                     : next_upd == NULL && this_upd != NULL && X509_cmp_time(this_upd, NULL) < 0
                         ? "too old: it has no nextUpdate and its thisUpdate is more than 7 days ago"
                         : "outside its validity window (thisUpdate in the future)");
            goto done;
        }
    }
    if (rc == 0) {
        char *serial = NULL;
        BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), NULL);
        if (bn != NULL)
            serial = BN_bn2hex(bn);
        BN_free(bn);
        snprintf(why, why_size, "the OCSP response is not about the certificate sent (serial %s%s)",
                 serial ? serial : "?", issuer ? "" : "; without its issuer, by serial and issuer name");
        OPENSSL_free(serial);
    }
done:
    X509_free(issuer);
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(resp);
    ERR_clear_error();
    return rc;
}

/* Why OCSP_basic_verify refused, in words. */
static void verify_failure(tls_ocsp_result *res)
{
    const char *data = NULL;
    int flags = 0;
    unsigned long e = ERR_peek_last_error_data(&data, &flags);
    if (!(flags & ERR_TXT_STRING) || data == NULL)
        data = "";
    switch (ERR_GET_LIB(e) == ERR_LIB_OCSP ? ERR_GET_REASON(e) : 0) {
    case OCSP_R_SIGNATURE_FAILURE:
        bad(res, "%s", "the OCSP response's signature is wrong");
        break;
    case OCSP_R_SIGNER_CERTIFICATE_NOT_FOUND:
        bad(res, "%s", "the OCSP response's signer certificate is not in the response or the chain");
        break;
    case OCSP_R_CERTIFICATE_VERIFY_ERROR:
        bad(res, "the OCSP responder's certificate does not verify (%s)", data[0] ? data : "no detail");
        break;
    case OCSP_R_ROOT_CA_NOT_TRUSTED:
        bad(res, "%s", "the OCSP response is signed by neither the certificate's issuer nor a responder "
                       "it authorised (id-kp-OCSPSigning)");
        break;
    default: {
        const char *r = e ? ERR_reason_error_string(e) : NULL;
        bad(res, "the OCSP response does not verify (%s)", r ? r : "no detail");
    }
    }
}

void tls_ocsp_check(X509_STORE *store, STACK_OF(X509) *chain, X509 *verified_issuer, const uint8_t *der,
                    size_t len, tls_ocsp_result *res)
{
    memset(res, 0, sizeof *res);
    res->status = TLS_OCSP_STATUS_BAD;
    OCSP_BASICRESP *bs = NULL;
    X509 *issuer = NULL;
    X509 *leaf = chain ? sk_X509_value(chain, 0) : NULL;
    ERR_clear_error();
    OCSP_RESPONSE *resp = parse_response(der, len);
    if (resp == NULL) {
        bad(res, "%s", "the stapled OCSP response cannot be parsed");
        goto done;
    }
    int rs = OCSP_response_status(resp);
    if (rs != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        bad(res, "the OCSP responder answered '%s'", OCSP_response_status_str(rs));
        goto done;
    }
    if ((bs = OCSP_response_get1_basic(resp)) == NULL) {
        bad(res, "%s", "the OCSP response is not a basic response");
        goto done;
    }
    if (leaf == NULL || store == NULL) {
        bad(res, "%s", "no certificate or trust store to check the OCSP response against");
        goto done;
    }
    if (verified_issuer != NULL)
        issuer = X509_up_ref(verified_issuer) ? verified_issuer : NULL;
    else
        issuer = find_issuer(store, chain, leaf);
    if (issuer == NULL) {
        bad(res, "%s", "the issuer of the server's certificate is not known: cannot check the OCSP response");
        goto done;
    }
    /* rfc6960#4.2.2.2: the response is signed by the CA that issued the
     * certificate or by a responder it issued a certificate with
     * id-kp-OCSPSigning to; the signer's chain is verified against our
     * trust store, with the peer's chain as untrusted helpers. */
    if (OCSP_basic_verify(bs, chain, store, 0) <= 0) {
        verify_failure(res);
        goto done;
    }
    OCSP_SINGLERESP *single = find_single(bs, leaf, issuer);
    if (single == NULL) {
        bad(res, "%s", "the OCSP response is not about the server's certificate");
        goto done;
    }
    int reason = -1;
    ASN1_GENERALIZEDTIME *revoked_at = NULL, *this_upd = NULL, *next_upd = NULL;
    int status = OCSP_single_get0_status(single, &reason, &revoked_at, &this_upd, &next_upd);
    res->this_update = unix_time(this_upd);
    res->next_update = unix_time(next_upd);
    /* rfc6960#4.2.2.1: a response past its nextUpdate (or not yet valid)
     * says nothing about now. Without nextUpdate "newer revocation
     * information is available all the time": such a response speaks for
     * its thisUpdate only, and stapling has no nonce, so its age is bounded
     * here (as OpenSSL's -status_age, mozilla::pkix's one day). */
    long maxsec = next_upd == NULL ? TLS_OCSP_MAX_AGE_NO_NEXT_UPDATE : -1;
    if (!OCSP_check_validity(this_upd, next_upd, OCSP_CLOCK_SKEW, maxsec)) {
        int expired = next_upd != NULL && X509_cmp_time(next_upd, NULL) < 0;
        int too_old = next_upd == NULL && this_upd != NULL && X509_cmp_time(this_upd, NULL) < 0;
        bad(res, "the OCSP response is %s",
            expired   ? "expired: its nextUpdate has passed"
            : too_old ? "too old: it has no nextUpdate and its thisUpdate is more than 7 days ago"
                      : "outside its validity window (thisUpdate in the future)");
        goto done;
    }
    switch (status) {
    case V_OCSP_CERTSTATUS_GOOD:
        res->status = TLS_OCSP_STATUS_GOOD;
        break;
    case V_OCSP_CERTSTATUS_REVOKED:
        res->status = TLS_OCSP_STATUS_REVOKED;
        res->revocation_time = unix_time(revoked_at);
        snprintf(res->reason, sizeof res->reason, "%s",
                 reason >= 0 ? OCSP_crl_reason_str(reason) : "no reason given");
        break;
    default:
        res->status = TLS_OCSP_STATUS_UNKNOWN;
        break;
    }
done:
    X509_free(issuer);
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(resp);
    ERR_clear_error();
}
