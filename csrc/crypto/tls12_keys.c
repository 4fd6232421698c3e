/* The TLS 1.2 key schedule: the PRF (rfc5246#5), the master secret
 * (rfc5246#8.1, rfc7627#4), the key block of the AEAD suites (rfc5246#6.3)
 * and Finished (rfc5246#7.4.9). The PRF is libcrypto's TLS1-PRF KDF,
 * fetched once per process; every output is wiped when a step fails. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto/tls12_crypto.h"

static EVP_KDF *tls1_prf;
static CRYPTO_ONCE prf_once = CRYPTO_ONCE_STATIC_INIT;

static void fetch_prf(void)
{
    tls1_prf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_TLS1_PRF, NULL);
}

static EVP_KDF *prf_kdf(void)
{
    if (!CRYPTO_THREAD_run_once(&prf_once, fetch_prf))
        return NULL;
    return tls1_prf;
}

int tls12_prf(const EVP_MD *md, const uint8_t *secret, size_t secret_len, const char *label,
              const uint8_t *seed1, size_t seed1_len, const uint8_t *seed2, size_t seed2_len,
              uint8_t *out, size_t out_len, tls_error *err)
{
    /* OSSL_PARAM wants a pointer even for an empty string. */
    static const uint8_t empty[1];
    EVP_KDF *kdf = prf_kdf();
    if (kdf == NULL)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "libcrypto lacks the TLS1-PRF KDF");
    if (md == NULL || label == NULL || out_len == 0)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "TLS 1.2 PRF called without hash or output");
    EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
    if (kctx == NULL)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "TLS 1.2 PRF");

    /* rfc5246#5: PRF(secret, label, seed) = P_<hash>(secret, label + seed).
     * TLS1-PRF concatenates its "seed" parameters in order. The const casts
     * are for OSSL_PARAM's void *data: libcrypto copies, never writes. */
    OSSL_PARAM params[6];
    size_t n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                   (char *)EVP_MD_get0_name(md), 0);
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SECRET, (void *)(secret_len ? secret : empty), secret_len);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label,
                                                    strlen(label));
    if (seed1_len > 0)
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed1,
                                                        seed1_len);
    if (seed2_len > 0)
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed2,
                                                        seed2_len);
    params[n] = OSSL_PARAM_construct_end();

    int ok = EVP_KDF_derive(kctx, out, out_len, params) == 1;
    /* Freeing the context wipes its copies of the secret and the seed. */
    EVP_KDF_CTX_free(kctx);
    if (!ok) {
        OPENSSL_cleanse(out, out_len);
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "TLS 1.2 PRF");
    }
    return 0;
}

/* The handshake hash a caller passes must be one made with md
 * (rfc7627#3, rfc5246#7.4.9: the PRF's hash); any other length means the
 * caller hashed with something else, and the peer would derive another
 * secret. */
static int check_hash(const EVP_MD *md, const uint8_t *hash, size_t hash_len, tls_error *err)
{
    int size = md ? EVP_MD_get_size(md) : 0;
    if (hash == NULL || size <= 0 || (size_t)size != hash_len)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR,
                        "TLS 1.2 handshake hash missing or of %zu bytes (the suite's hash has %d)",
                        hash_len, size);
    return 0;
}

int tls12_master_secret(const EVP_MD *md, const uint8_t *pms, size_t pms_len, int ems,
                        const uint8_t client_random[32], const uint8_t server_random[32],
                        const uint8_t *session_hash, size_t hash_len,
                        uint8_t master[TLS12_MASTER_LEN], tls_error *err)
{
    if (ems) {
        if (check_hash(md, session_hash, hash_len, err) != 0) {
            OPENSSL_cleanse(master, TLS12_MASTER_LEN);
            return -1;
        }
        /* rfc7627#4: master_secret = PRF(pre_master_secret,
         * "extended master secret", session_hash)[0..47] */
        return tls12_prf(md, pms, pms_len, "extended master secret", session_hash, hash_len,
                         NULL, 0, master, TLS12_MASTER_LEN, err);
    }
    /* rfc5246#8.1: master_secret = PRF(pre_master_secret, "master secret",
     * ClientHello.random + ServerHello.random)[0..47]; */
    return tls12_prf(md, pms, pms_len, "master secret", client_random, 32, server_random, 32,
                     master, TLS12_MASTER_LEN, err);
}

int tls12_key_block_derive(const EVP_MD *md, size_t key_len, size_t fixed_iv_len,
                           const uint8_t master[TLS12_MASTER_LEN],
                           const uint8_t client_random[32], const uint8_t server_random[32],
                           tls12_key_block *kb, tls_error *err)
{
    memset(kb, 0, sizeof *kb);
    if ((key_len != 16 && key_len != 32) || (fixed_iv_len != 4 && fixed_iv_len != 12))
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR,
                        "TLS 1.2 key block for a %zu-byte key and %zu-byte IV", key_len,
                        fixed_iv_len);

    /* rfc5246#6.3: key_block = PRF(SecurityParameters.master_secret,
     * "key expansion", SecurityParameters.server_random +
     * SecurityParameters.client_random); the AEAD suites have no MAC keys,
     * so it is client_write_key, server_write_key, client_write_IV,
     * server_write_IV. */
    uint8_t block[2 * 32 + 2 * 12];
    size_t len = 2 * key_len + 2 * fixed_iv_len;
    if (tls12_prf(md, master, TLS12_MASTER_LEN, "key expansion", server_random, 32, client_random,
                  32, block, len, err)
        != 0)
        return -1;
    const uint8_t *p = block;
    memcpy(kb->client_key, p, key_len);
    p += key_len;
    memcpy(kb->server_key, p, key_len);
    p += key_len;
    memcpy(kb->client_iv, p, fixed_iv_len);
    p += fixed_iv_len;
    memcpy(kb->server_iv, p, fixed_iv_len);
    kb->key_len = key_len;
    kb->iv_len = fixed_iv_len;
    OPENSSL_cleanse(block, sizeof block);
    return 0;
}

void tls12_key_block_wipe(tls12_key_block *kb)
{
    OPENSSL_cleanse(kb, sizeof *kb);
}

int tls12_finished(const EVP_MD *md, const uint8_t master[TLS12_MASTER_LEN], int by_server,
                   const uint8_t *transcript_hash, size_t hash_len,
                   uint8_t out[TLS12_VERIFY_DATA_LEN], tls_error *err)
{
    if (check_hash(md, transcript_hash, hash_len, err) != 0) {
        OPENSSL_cleanse(out, TLS12_VERIFY_DATA_LEN);
        return -1;
    }
    /* rfc5246#7.4.9: verify_data = PRF(master_secret, finished_label,
     * Hash(handshake_messages))[0..verify_data_length-1]; finished_label is
     * "client finished" for the client's Finished, "server finished" for the
     * server's. */
    return tls12_prf(md, master, TLS12_MASTER_LEN, by_server ? "server finished" : "client finished",
                     transcript_hash, hash_len, NULL, 0, out, TLS12_VERIFY_DATA_LEN, err);
}
