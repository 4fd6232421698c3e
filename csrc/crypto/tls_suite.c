/* The algorithms this library uses, fetched from libcrypto once per
 * process, and the TLS 1.3 cipher suites built on them. */
#include <limits.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "crypto/tls_crypto.h"

static EVP_MD *sha256, *sha384, *sha512;
static EVP_CIPHER *aes128gcm, *aes256gcm, *chacha20poly1305;
static EVP_KDF *hkdf;
static EVP_MAC *hmac;
static EVP_MAC_CTX *hmac_sha256, *hmac_sha384;
static int init_ok;
static CRYPTO_ONCE init_once = CRYPTO_ONCE_STATIC_INIT;

/* rfc8446#B.4: the AEAD suites and the hash each one uses for HKDF and the
 * transcript. The EVP pointers are filled in by fetch_all. */
#define SUITE13(id, hash, key) \
    {id, #id, NULL, hash, NULL, key, TLS_AEAD_IV_LEN, TLS_AEAD_TAG_LEN, TLS_VERSION_13, \
     TLS_KX_ANY, TLS_AUTH_ANY, 0}
/* rfc5289#3.2 (AES-GCM with SHA-256/384 PRF), rfc7905#2 (ChaCha20-Poly1305,
 * SHA-256 PRF), rfc5288#3 (RSA key transport with AES-GCM). */
#define SUITE12(id, hash, key, kx, auth, fixed) \
    {id, #id, NULL, hash, NULL, key, TLS_AEAD_IV_LEN, TLS_AEAD_TAG_LEN, TLS_VERSION_12, kx, \
     auth, fixed}

static tls_suite suites[] = {
    SUITE13(TLS_AES_128_GCM_SHA256, 32, 16),
    SUITE13(TLS_AES_256_GCM_SHA384, 48, 32),
    SUITE13(TLS_CHACHA20_POLY1305_SHA256, 32, 32),
    SUITE12(TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 32, 16, TLS_KX_ECDHE, TLS_AUTH_ECDSA, 4),
    SUITE12(TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 48, 32, TLS_KX_ECDHE, TLS_AUTH_ECDSA, 4),
    SUITE12(TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 32, 32, TLS_KX_ECDHE, TLS_AUTH_ECDSA, 12),
    SUITE12(TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 32, 16, TLS_KX_ECDHE, TLS_AUTH_RSA, 4),
    SUITE12(TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 48, 32, TLS_KX_ECDHE, TLS_AUTH_RSA, 4),
    SUITE12(TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 32, 32, TLS_KX_ECDHE, TLS_AUTH_RSA, 12),
    SUITE12(TLS_RSA_WITH_AES_128_GCM_SHA256, 32, 16, TLS_KX_RSA, TLS_AUTH_RSA, 4),
    SUITE12(TLS_RSA_WITH_AES_256_GCM_SHA384, 48, 32, TLS_KX_RSA, TLS_AUTH_RSA, 4),
};

/* An HMAC context with the digest set, for tls_crypto_hmac_template. */
static EVP_MAC_CTX *hmac_with(const EVP_MD *md)
{
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac);
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)EVP_MD_get0_name(md), 0);
    params[1] = OSSL_PARAM_construct_end();
    if (ctx != NULL && EVP_MAC_CTX_set_params(ctx, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

static void fetch_all(void)
{
    sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    sha384 = EVP_MD_fetch(NULL, "SHA2-384", NULL);
    sha512 = EVP_MD_fetch(NULL, "SHA2-512", NULL);
    aes128gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    aes256gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    chacha20poly1305 = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
    hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!sha256 || !sha384 || !sha512 || !aes128gcm || !aes256gcm || !chacha20poly1305 || !hkdf
        || !hmac)
        return;
    hmac_sha256 = hmac_with(sha256);
    hmac_sha384 = hmac_with(sha384);
    if (!hmac_sha256 || !hmac_sha384)
        return;

    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        tls_suite *s = &suites[i];
        s->md = s->hash_len == 48 ? sha384 : sha256;
        s->cipher = s->fixed_iv_len == 12 || s->id == TLS_CHACHA20_POLY1305_SHA256
                        ? chacha20poly1305
                        : s->key_len == 32 ? aes256gcm : aes128gcm;
    }
    init_ok = 1;
}

int tls_crypto_init(void)
{
    if (!CRYPTO_THREAD_run_once(&init_once, fetch_all) || !init_ok)
        return -1;
    return 0;
}

const tls_suite *tls_suite_get(uint16_t id)
{
    if (tls_crypto_init() != 0)
        return NULL;
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (suites[i].id == id)
            return &suites[i];
    return NULL;
}

const EVP_MD *tls_crypto_sha(int bits)
{
    if (tls_crypto_init() != 0)
        return NULL;
    switch (bits) {
    case 256: return sha256;
    case 384: return sha384;
    case 512: return sha512;
    default: return NULL;
    }
}

EVP_KDF *tls_crypto_hkdf(void)
{
    return tls_crypto_init() == 0 ? hkdf : NULL;
}

EVP_MAC *tls_crypto_hmac(void)
{
    return tls_crypto_init() == 0 ? hmac : NULL;
}

const EVP_MAC_CTX *tls_crypto_hmac_template(const EVP_MD *md)
{
    if (tls_crypto_init() != 0 || md == NULL)
        return NULL;
    return md == sha256 ? hmac_sha256 : md == sha384 ? hmac_sha384 : NULL;
}

int tls_random(uint8_t *out, size_t len, tls_error *err)
{
    if (len > INT_MAX)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "too many random bytes requested");
    if (RAND_bytes(out, (int)len) != 1)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "random number generator failed");
    return 0;
}
