/* OCSP responses (pki/tls_ocsp.c): the input is DER given as a stapled
 * response, for fuzz_ec_cert_pem (self-signed, so its own issuer and the
 * trust store's one anchor):
 * - tls_ocsp_response_problem and tls_ocsp_response_names, what a server
 *   asks of the response it is told to staple;
 * - tls_ocsp_check, a client's verdict, with the issuer looked for (the
 *   chain was not verified) and given (it was);
 * - when the input reads as a basic response, the same check on it signed
 *   again with the certificate's key: a mutated response fails its
 *   signature otherwise, and what lies behind the signature (CertID
 *   matching, validity window, status, revocation reason) would stay out
 *   of reach.
 * The seeds are responses made with libcrypto (fuzz/record_seeds.c): good,
 * revoked, unknown, without nextUpdate, expired, for another certificate,
 * and one that is not successful. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>

#include "fuzz_certs.h"
#include "fuzz_common.h"
#include "pki/tls_ocsp.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static X509 *leaf;
static EVP_PKEY *leaf_key;
static STACK_OF(X509) *chain;
static X509_STORE *store;

static void cleanup(void)
{
    sk_X509_pop_free(chain, X509_free);
    X509_STORE_free(store);
    EVP_PKEY_free(leaf_key);
    chain = NULL;
    store = NULL;
    leaf_key = NULL;
    leaf = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    BIO *cb = BIO_new_mem_buf(fuzz_ec_cert_pem, -1), *kb = BIO_new_mem_buf(fuzz_ec_key_pem, -1);
    leaf = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    leaf_key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    BIO_free(cb);
    BIO_free(kb);
    chain = sk_X509_new_null();
    store = X509_STORE_new();
    if (leaf == NULL || leaf_key == NULL || chain == NULL || store == NULL || !sk_X509_push(chain, leaf) ||
        X509_STORE_add_cert(store, leaf) != 1) {
        fprintf(stderr, "fuzz_ocsp: set-up failed\n");
        abort();
    }
    /* After libcrypto's own exit handlers are in place: ours run first. */
    atexit(cleanup);
    return 0;
}

static void check_result(const tls_ocsp_result *res)
{
    if (res->status < TLS_OCSP_STATUS_GOOD || res->status > TLS_OCSP_STATUS_BAD ||
        memchr(res->reason, 0, sizeof res->reason) == NULL ||
        (res->status == TLS_OCSP_STATUS_BAD && res->reason[0] == 0)) {
        fprintf(stderr, "fuzz_ocsp: verdict %d without a proper reason\n", (int)res->status);
        abort();
    }
}

static void check_both(const uint8_t *der, size_t len, const char *what)
{
    tls_ocsp_result res;
    tls_ocsp_check(store, chain, NULL, der, len, &res);
    check_result(&res);
    fuzz_note_text("%s%s: %s%s%s", fuzz_status()[0] ? "; " : "", what, tls_ocsp_status_name(res.status),
                   res.reason[0] ? ": " : "", res.reason);
    tls_ocsp_check(store, chain, leaf, der, len, &res);
    check_result(&res);
}

/* The input's basic response signed again by the leaf's key (no
 * certificates added: the signer is the chain's leaf), as DER; 0 when the
 * input is not one. */
static int resigned(const uint8_t *data, size_t size, unsigned char **der)
{
    const unsigned char *p = data;
    OCSP_RESPONSE *in = d2i_OCSP_RESPONSE(NULL, &p, (long)size);
    OCSP_BASICRESP *bs = in ? OCSP_response_get1_basic(in) : NULL;
    OCSP_RESPONSE *out = NULL;
    int len = 0;
    if (bs != NULL && OCSP_basic_sign(bs, leaf, leaf_key, EVP_sha256(), NULL, OCSP_NOCERTS) == 1 &&
        (out = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs)) != NULL)
        len = i2d_OCSP_RESPONSE(out, der);
    OCSP_RESPONSE_free(out);
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(in);
    ERR_clear_error();
    return len > 0 ? len : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_rng_reset();
    char why[256];
    why[0] = 0;
    int problem = tls_ocsp_response_problem(data, size, why, sizeof why);
    if (problem != 0 && why[0] == 0)
        abort();
    why[0] = 0;
    int names = tls_ocsp_response_names(store, chain, data, size, why, sizeof why);
    if (names < 0 || names > 2 || (names == 0 && why[0] == 0))
        abort();
    check_both(data, size, "as sent");
    unsigned char *der = NULL;
    int len = size <= TLS_OCSP_MAX_RESPONSE ? resigned(data, size, &der) : 0;
    if (len > 0)
        check_both(der, (size_t)len, "signed again");
    OPENSSL_free(der);
    return 0;
}
