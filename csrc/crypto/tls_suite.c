/* The algorithms this library uses, fetched from libcrypto once per
 * process, and the TLS 1.3 cipher suites built on them. */
#include <limits.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "crypto/tls_crypto.h"

static EVP_MD *sha256, *sha384, *sha512;
static EVP_CIPHER *aes128gcm, *aes256gcm, *chacha20poly1305;
static EVP_KDF *hkdf;
static EVP_MAC *hmac;
static int init_ok;
static CRYPTO_ONCE init_once = CRYPTO_ONCE_STATIC_INIT;

/* rfc8446#B.4: the AEAD suites and the hash each one uses for HKDF and the
 * transcript. The EVP pointers are filled in by fetch_all. */
static tls_suite suites[] = {
    {TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256", NULL, 32, NULL, 16,
     TLS_AEAD_IV_LEN, TLS_AEAD_TAG_LEN},
    {TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384", NULL, 48, NULL, 32,
     TLS_AEAD_IV_LEN, TLS_AEAD_TAG_LEN},
    {TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256", NULL, 32, NULL, 32,
     TLS_AEAD_IV_LEN, TLS_AEAD_TAG_LEN},
};

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

    suites[0].md = sha256;
    suites[0].cipher = aes128gcm;
    suites[1].md = sha384;
    suites[1].cipher = aes256gcm;
    suites[2].md = sha256;
    suites[2].cipher = chacha20poly1305;
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

int tls_random(uint8_t *out, size_t len, tls_error *err)
{
    if (len > INT_MAX)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "too many random bytes requested");
    if (RAND_bytes(out, (int)len) != 1)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "random number generator failed");
    return 0;
}
