/* RSA key transport of the TLS 1.2 premaster secret (rfc5246#7.4.7.1), both
 * sides, through EVP_PKEY_encrypt/EVP_PKEY_decrypt.
 *
 * The server side must not be a padding oracle (Bleichenbacher 1998;
 * Klima-Pokorny-Rosa 2003 for the version bytes; ROBOT 2017): whatever the
 * ciphertext, it yields 48 bytes and succeeds, and a bad padding, length or
 * version gives a random premaster that is only noticed at Finished.
 *
 * What libcrypto does for us. We decrypt in OpenSSL's TLS padding mode
 * (RSA_PKCS1_WITH_TLS_PADDING, OpenSSL 3.0 and later). Read in OpenSSL's
 * sources (providers/implementations/asymciphers/rsa_enc.c, rsa_decrypt;
 * crypto/rsa/rsa_pk1.c, ossl_rsa_padding_check_PKCS1_type_2_TLS; the same
 * code in the 3.0 branch that this machine's 3.0.19 comes from):
 *   - rsa_decrypt refuses the mode without a TLS client version
 *     (PROV_R_BAD_TLS_CLIENT_VERSION), needs an output of at least 48 bytes,
 *     then does a raw RSA_private_decrypt (RSA_NO_PADDING) of the whole
 *     modulus. That fails, in variable time, only for public reasons: a
 *     ciphertext longer than the modulus or not below it. Its result is
 *     turned into the return value with constant_time_select, not a branch.
 *   - ossl_rsa_padding_check_PKCS1_type_2_TLS returns -1 (again in variable
 *     time) only for public reasons (a modulus too short for 11 + 48 bytes,
 *     an output under 48 bytes) or an RNG failure. Otherwise it first draws
 *     48 random bytes (RAND_priv_bytes_ex), then checks 00 02, that every
 *     padding byte is non-zero, the 00 just before the last 48 bytes, and the
 *     two version bytes against the client version, all with constant_time_*
 *     masks and no branch; it copies the 48 bytes or the random ones with
 *     constant_time_select_8 and always returns 48. No error is queued for a
 *     bad padding.
 *   - OSSL_ASYM_CIPHER_PARAM_TLS_NEGOTIATED_VERSION is OpenSSL's
 *     SSL_OP_TLS_ROLLBACK_BUG workaround: when set (non-zero), a premaster
 *     carrying that version is accepted too. We set it to the client version
 *     itself, which accepts nothing more: rfc5246#7.4.7.1 wants
 *     ClientHello.client_version, and the rollback check stays whole.
 *   - One thing we cannot help: rsa_decrypt frees its raw decrypted block
 *     (tbuf, the whole PKCS#1 block with the premaster) with OPENSSL_free,
 *     not OPENSSL_clear_free, in the sources read.
 * So our code never sees whether the padding was good. What it may branch
 * on are public facts: the ciphertext's length against the modulus (the
 * RFC's "incorrectly formatted" case that needs no secret to see), and
 * whether EVP_PKEY_decrypt failed, which in this mode happens only for
 * public reasons or local failures. Even then it does the same work and
 * continues with a random premaster: no early return, no different error. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "crypto/tls12_crypto.h"

/* rfc8017#7.2.1: PKCS#1 v1.5 encryption puts at least 11 bytes of padding
 * around the message (00 02, eight or more non-zero bytes, 00). */
#define PKCS1_PADDING_SIZE 11

int tls12_rsa_premaster_encrypt(EVP_PKEY *server_key, uint16_t client_version,
                                uint8_t pms[TLS12_PREMASTER_RSA_LEN], tls_buf *out,
                                tls_error *err)
{
    size_t start = out->len;
    EVP_PKEY_CTX *ctx = NULL;
    size_t len = 0;
    uint8_t *p;

    if (server_key == NULL || !EVP_PKEY_is_a(server_key, "RSA")) {
        OPENSSL_cleanse(pms, TLS12_PREMASTER_RSA_LEN);
        return tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "RSA key exchange needs an RSA key in the server's certificate");
    }
    /* rfc5246#7.4.7.1: struct { ProtocolVersion client_version;
     * opaque random[46]; } PreMasterSecret; client_version: the latest
     * (newest) version supported by the client. */
    pms[0] = (uint8_t)(client_version >> 8);
    pms[1] = (uint8_t)client_version;
    if (tls_random(pms + 2, TLS12_PREMASTER_RSA_LEN - 2, err) != 0)
        goto fail;

    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, server_key, NULL);
    if (ctx == NULL || EVP_PKEY_encrypt_init(ctx) != 1
        || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1
        || EVP_PKEY_encrypt(ctx, NULL, &len, pms, TLS12_PREMASTER_RSA_LEN) != 1) {
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "RSA encryption of the premaster secret");
        goto fail;
    }
    if ((p = tls_buf_extend(out, len)) == NULL) {
        tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
        goto fail;
    }
    if (EVP_PKEY_encrypt(ctx, p, &len, pms, TLS12_PREMASTER_RSA_LEN) != 1) {
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "RSA encryption of the premaster secret");
        goto fail;
    }
    out->len = start + len;
    EVP_PKEY_CTX_free(ctx);
    return 0;

fail:
    EVP_PKEY_CTX_free(ctx);
    if (out->len > start)
        out->len = start;
    OPENSSL_cleanse(pms, TLS12_PREMASTER_RSA_LEN);
    return -1;
}

/* 0xff if a == b, else 0, without a branch. Used on public values only (so
 * a branch would do), but it keeps the selection below one straight line. */
static uint8_t mask_eq(size_t a, size_t b)
{
    size_t d = a ^ b;
    /* The top bit of d | -d is set exactly when d != 0. */
    size_t nonzero = (d | (0 - d)) >> (sizeof(size_t) * 8 - 1);
    return (uint8_t)(nonzero - 1);
}

int tls12_rsa_premaster_decrypt(EVP_PKEY *key, const uint8_t *enc, size_t enc_len,
                                uint16_t client_version, uint8_t pms[TLS12_PREMASTER_RSA_LEN],
                                tls_error *err)
{
    uint8_t fallback[TLS12_PREMASTER_RSA_LEN], got[TLS12_PREMASTER_RSA_LEN];
    EVP_PKEY_CTX *ctx = NULL;
    uint8_t *ct = NULL;
    size_t mod_len = 0, got_len = sizeof got;
    unsigned int version = client_version;
    int size, decrypted, rc = -1;

    memset(got, 0, sizeof got);
    memset(fallback, 0, sizeof fallback);
    if (key == NULL || !EVP_PKEY_is_a(key, "RSA")) {
        tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "RSA key exchange needs an RSA private key");
        goto done;
    }
    size = EVP_PKEY_get_size(key);
    if (size < PKCS1_PADDING_SIZE + TLS12_PREMASTER_RSA_LEN) {
        tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "the RSA key is too small for a premaster secret");
        goto done;
    }
    mod_len = (size_t)size;

    /* rfc5246#7.4.7.1, in the form of its errata that OpenSSL follows:
     * "1. Generate a string R of 48 random bytes ... If the PKCS#1 padding
     * is not correct, or the length of message M is not exactly 48 bytes:
     * pre_master_secret = R ... If M[0..1] != ClientHello.client_version:
     * premaster secret = R". (The RFC's first text put client_version before
     * 46 random bytes; either way the handshake fails at Finished.) */
    if (tls_random(fallback, sizeof fallback, err) != 0)
        goto done;
    ct = OPENSSL_zalloc(mod_len);
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (ct == NULL || ctx == NULL) {
        tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
        goto done;
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_uint(OSSL_ASYM_CIPHER_PARAM_TLS_CLIENT_VERSION, &version),
        OSSL_PARAM_construct_uint(OSSL_ASYM_CIPHER_PARAM_TLS_NEGOTIATED_VERSION, &version),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_PKEY_decrypt_init(ctx) != 1
        || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_WITH_TLS_PADDING) != 1
        || EVP_PKEY_CTX_set_params(ctx, params) != 1) {
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR,
                        "libcrypto cannot decrypt in RSA's TLS padding mode");
        goto done;
    }

    /* A ciphertext that is not exactly the modulus long is malformed for all
     * to see (rfc8017#7.2.2 step 1); rfc5246#7.4.7.1 still wants no
     * different outcome, so an all-zero block (which never decrypts to a
     * valid padding) is decrypted instead and the result discarded below. */
    if (enc_len == mod_len)
        memcpy(ct, enc, mod_len);
    decrypted = EVP_PKEY_decrypt(ctx, got, &got_len, ct, mod_len);
    /* From here on, got depends on the padding check: ctgrind watches it
     * (and the random premaster, a secret as well). */
    TLS_CT_SECRET(got, sizeof got);
    TLS_CT_SECRET(fallback, sizeof fallback);
    /* A decryption that failed for a public reason may have queued errors;
     * a bad padding queues none (see above), and clearing always hides which. */
    ERR_clear_error();

    uint8_t use = mask_eq((size_t)(unsigned)decrypted, 1) & mask_eq(got_len, TLS12_PREMASTER_RSA_LEN)
                  & mask_eq(enc_len, mod_len);
    for (size_t i = 0; i < TLS12_PREMASTER_RSA_LEN; i++)
        pms[i] = (uint8_t)((got[i] & use) | (fallback[i] & (uint8_t)~use));
    rc = 0;

done:
    EVP_PKEY_CTX_free(ctx);
    OPENSSL_clear_free(ct, mod_len);
    OPENSSL_cleanse(got, sizeof got);
    OPENSSL_cleanse(fallback, sizeof fallback);
    if (rc != 0)
        OPENSSL_cleanse(pms, TLS12_PREMASTER_RSA_LEN);
    return rc;
}
