/* The TLS 1.2 key schedule: the PRF (rfc5246#5), the master secret
 * (rfc5246#8.1, rfc7627#4), the key block of the AEAD suites (rfc5246#6.3)
 * and Finished (rfc5246#7.4.9). The PRF is rfc5246's P_hash on libcrypto's
 * HMAC (EVP_MAC); every output is wiped when a step fails. */
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/tls12_crypto.h"

/* P_hash is on EVP_MAC rather than OpenSSL 3.0's TLS1-PRF KDF, which
 * fetches its digest by name, builds a keyed HMAC template and copies it
 * for each HMAC of every derive (about 49,000 instructions for a 12-byte
 * verify_data). Here one HMAC context is keyed with the secret per call and
 * restarted (EVP_MAC_init without a key) for each HMAC. The published
 * P_SHA256/P_SHA384 vectors, an independent P_hash and openssl's kdf command
 * check it (spec/kat_tls12_spec.lua). */

/* out (hlen bytes) = HMAC(secret, msg) on mac, keyed with the secret;
 * restarted (EVP_MAC_init without a key) once it has been used. */
static int prf_mac(EVP_MAC_CTX *mac, int *used, const uint8_t *msg, size_t len, uint8_t *out,
                   size_t hlen)
{
    size_t n = 0;
    if (*used && EVP_MAC_init(mac, NULL, 0, NULL) != 1)
        return -1;
    *used = 1;
    int ok = (len == 0 || EVP_MAC_update(mac, msg, len) == 1)
             && EVP_MAC_final(mac, out, &n, hlen) == 1 && n == hlen;
    return ok ? 0 : -1;
}

/* rfc5246#5: P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
 * HMAC_hash(secret, A(2) + seed) + ..., A(0) = seed,
 * A(i) = HMAC_hash(secret, A(i-1)); cut to out_len bytes. buf is hlen
 * bytes of room for A(i) followed by the seed, so that A(i) + seed goes
 * in one EVP_MAC_update rather than four (each passes the provider's
 * layers, some 150 instructions however short). */
static int p_hash(EVP_MAC_CTX *mac, size_t hlen, uint8_t *buf, size_t seed_len, uint8_t *out,
                  size_t out_len)
{
    uint8_t block[TLS_MAX_HASH_LEN];
    uint8_t *a = buf;
    int used = 0, rc = prf_mac(mac, &used, buf + hlen, seed_len, a, hlen);
    size_t done = 0;
    while (rc == 0 && done < out_len) {
        rc = prf_mac(mac, &used, a, hlen + seed_len, block, hlen);
        if (rc != 0)
            break;
        size_t take = out_len - done < hlen ? out_len - done : hlen;
        memcpy(out + done, block, take);
        done += take;
        if (done < out_len)
            rc = prf_mac(mac, &used, a, hlen, a, hlen);
    }
    OPENSSL_cleanse(block, sizeof block);
    return rc;
}

int tls12_prf(const EVP_MD *md, const uint8_t *secret, size_t secret_len, const char *label,
              const uint8_t *seed1, size_t seed1_len, const uint8_t *seed2, size_t seed2_len,
              uint8_t *out, size_t out_len, tls_error *err)
{
    if (md == NULL || label == NULL || out_len == 0)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "TLS 1.2 PRF called without hash or output");
    int hlen = EVP_MD_get_size(md);
    if (hlen <= 0 || hlen > TLS_MAX_HASH_LEN)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "TLS 1.2 PRF: unusable hash");
    /* rfc5246#5: PRF(secret, label, seed) = P_<hash>(secret, label + seed),
     * laid out after room for A(i). The handshake's seeds (at most 22 bytes
     * of label and two randoms or a SHA-384 hash) fit on the stack; an
     * exporter's context may not. */
    size_t label_len = strlen(label);
    seed1_len = seed1 ? seed1_len : 0;
    seed2_len = seed2 ? seed2_len : 0;
    if (label_len > SIZE_MAX / 4 || seed1_len > SIZE_MAX / 4 || seed2_len > SIZE_MAX / 4)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "TLS 1.2 PRF: seed too long");
    size_t seed_len = label_len + seed1_len + seed2_len, need = (size_t)hlen + seed_len;
    uint8_t local[TLS_MAX_HASH_LEN + 128];
    uint8_t *buf = need <= sizeof local ? local : OPENSSL_malloc(need);
    int ok = 0;
    if (buf != NULL) {
        uint8_t *p = buf + hlen;
        memcpy(p, label, label_len);
        if (seed1_len)
            memcpy(p + label_len, seed1, seed1_len);
        if (seed2_len)
            memcpy(p + label_len + seed1_len, seed2, seed2_len);
        /* The context holds the secret: freeing it wipes the key and the
         * padded key states. */
        EVP_MAC_CTX *mac = tls_hmac_take_keyed(md, secret, secret_len, 1);
        ok = mac != NULL && p_hash(mac, (size_t)hlen, buf, seed_len, out, out_len) == 0;
        tls_hmac_give(mac, md);
        OPENSSL_cleanse(buf, need);
        if (buf != local)
            OPENSSL_free(buf);
    }
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
