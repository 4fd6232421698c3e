/* HKDF and the TLS 1.3 key schedule (rfc8446#7.1 - #7.3), on EVP_KDF and
 * EVP_MAC objects fetched once by tls_crypto_init. Every intermediate secret
 * lives on the stack and is wiped before returning, on every path. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto/tls_crypto.h"

/* rfc8446#7.1: HkdfLabel.label is opaque label<7..255> = "tls13 " + Label */
#define LABEL_PREFIX "tls13 "
#define LABEL_PREFIX_LEN 6
#define MAX_LABEL_LEN 255
#define MAX_CONTEXT_LEN 255
#define MAX_HKDF_LABEL (2 + 1 + MAX_LABEL_LEN + 1 + MAX_CONTEXT_LEN)

/* HKDF contexts with their digest and mode already set, kept for reuse:
 * giving OSSL_KDF_PARAM_DIGEST by name costs a provider fetch on every
 * derive, and OpenSSL 3.0's HKDF cannot be duplicated (no dupctx) nor reset
 * without losing its digest. A derive on a kept context sets key and salt
 * (extract) or key and info (expand) anew (the provider replaces each one
 * given), so the result is that of a fresh context (rfc8448 known answers
 * in spec/kat_rfc8448_spec.lua). Extract and expand contexts are kept
 * apart, so each derive passes only its inputs and an expand context never
 * holds a salt. A context goes back to the pool only with its key (and an
 * extract context's salt) replaced by one zero byte (the provider
 * clear-frees the old key), so no secret waits there; an expand context's
 * info is public (label and transcript hash). Pool slots per hash and
 * mode: beyond that many threads deriving at once, the extra contexts are
 * freed. The pool lives as long as the process, like the algorithms
 * tls_crypto_init fetches. */
#define HKDF_POOL_MAX 8
enum { POOL_SHA256_EXTRACT, POOL_SHA256_EXPAND, POOL_SHA384_EXTRACT, POOL_SHA384_EXPAND, POOL_SLOTS };
static EVP_KDF_CTX *hkdf_pool[POOL_SLOTS][HKDF_POOL_MAX];
static size_t hkdf_pool_len[POOL_SLOTS];
static CRYPTO_RWLOCK *hkdf_pool_lock;
static CRYPTO_ONCE hkdf_pool_once = CRYPTO_ONCE_STATIC_INIT;

static void hkdf_pool_init(void)
{
    hkdf_pool_lock = CRYPTO_THREAD_lock_new();
}

/* The pool slot of md and mode, or -1 (another hash: a fresh context each
 * time). */
static int pool_index(const EVP_MD *md, int mode)
{
    int expand = mode == EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    if (md == tls_crypto_sha(256))
        return expand ? POOL_SHA256_EXPAND : POOL_SHA256_EXTRACT;
    if (md == tls_crypto_sha(384))
        return expand ? POOL_SHA384_EXPAND : POOL_SHA384_EXTRACT;
    return -1;
}

/* A context for md with the digest and mode set: from the pool if one
 * waits there. */
static EVP_KDF_CTX *hkdf_take(EVP_KDF *kdf, const EVP_MD *md, int mode, int slot)
{
    EVP_KDF_CTX *kctx = NULL;
    if (slot >= 0 && CRYPTO_THREAD_write_lock(hkdf_pool_lock)) {
        if (hkdf_pool_len[slot] > 0)
            kctx = hkdf_pool[slot][--hkdf_pool_len[slot]];
        CRYPTO_THREAD_unlock(hkdf_pool_lock);
        if (kctx != NULL)
            return kctx;
    }
    kctx = EVP_KDF_CTX_new(kdf);
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                 (char *)EVP_MD_get0_name(md), 0);
    params[1] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[2] = OSSL_PARAM_construct_end();
    if (kctx != NULL && EVP_KDF_CTX_set_params(kctx, params) != 1) {
        EVP_KDF_CTX_free(kctx);
        kctx = NULL;
    }
    return kctx;
}

/* Returns kctx to the pool with its key (and salt, for extract) overwritten,
 * or frees it (which wipes the key) when that fails or the pool is full. */
static void hkdf_give_back(EVP_KDF_CTX *kctx, int mode, int slot, int ok)
{
    static const uint8_t zero[1];
    OSSL_PARAM scrub[3];
    scrub[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)zero, 1);
    scrub[1] = mode == EVP_KDF_HKDF_MODE_EXPAND_ONLY
                   ? OSSL_PARAM_construct_end()
                   : OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)zero, 1);
    scrub[2] = OSSL_PARAM_construct_end();
    if (slot >= 0 && ok && EVP_KDF_CTX_set_params(kctx, scrub) == 1
        && CRYPTO_THREAD_write_lock(hkdf_pool_lock)) {
        int kept = 0;
        if (hkdf_pool_len[slot] < HKDF_POOL_MAX) {
            hkdf_pool[slot][hkdf_pool_len[slot]++] = kctx;
            kept = 1;
        }
        CRYPTO_THREAD_unlock(hkdf_pool_lock);
        if (kept)
            return;
    }
    EVP_KDF_CTX_free(kctx);
}

/* One HKDF step (extract-only or expand-only) through EVP_KDF. */
static int hkdf_run(const EVP_MD *md, int mode, const uint8_t *key, size_t key_len,
                    const uint8_t *salt, size_t salt_len, const uint8_t *info, size_t info_len,
                    uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = tls_crypto_hkdf();
    if (kdf == NULL || md == NULL)
        return -1;
    int slot = -1;
    if (CRYPTO_THREAD_run_once(&hkdf_pool_once, hkdf_pool_init) && hkdf_pool_lock != NULL)
        slot = pool_index(md, mode);
    EVP_KDF_CTX *kctx = hkdf_take(kdf, md, mode, slot);
    if (kctx == NULL)
        return -1;

    /* The const casts are for OSSL_PARAM's void *data; libcrypto copies and
     * never writes to these inputs. */
    OSSL_PARAM params[4];
    size_t n = 0;
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
    if (salt != NULL)
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
                                                        salt_len);
    if (info != NULL)
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
                                                        info_len);
    params[n] = OSSL_PARAM_construct_end();

    int ok = EVP_KDF_derive(kctx, out, out_len, params) == 1;
    hkdf_give_back(kctx, mode, slot, ok);
    return ok ? 0 : -1;
}

int tls_hkdf_extract(const EVP_MD *md, const uint8_t *salt, size_t salt_len,
                     const uint8_t *ikm, size_t ikm_len, uint8_t *out)
{
    /* rfc5869#2.2: a missing salt is HashLen zero bytes; HMAC pads any key
     * to the block size with zeros, so an empty salt is the same thing. */
    static const uint8_t zeros[TLS_MAX_HASH_LEN];
    int hlen = EVP_MD_get_size(md);
    if (hlen <= 0 || hlen > TLS_MAX_HASH_LEN)
        return -1;
    if (salt == NULL || salt_len == 0) {
        salt = zeros;
        salt_len = (size_t)hlen;
    }
    /* An empty IKM stands for the key schedule's "0" (rfc8446#7.1: "a
     * string of Hash.length bytes set to zeros"); TLS never extracts from a
     * truly empty input. */
    if (ikm == NULL || ikm_len == 0) {
        ikm = zeros;
        ikm_len = (size_t)hlen;
    }
    return hkdf_run(md, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, ikm_len, salt, salt_len, NULL, 0,
                    out, (size_t)hlen);
}

int tls_hkdf_expand_label(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
                          const char *label, const uint8_t *context, size_t context_len,
                          uint8_t *out, size_t out_len)
{
    size_t label_len = strlen(label);
    if (label_len > MAX_LABEL_LEN - LABEL_PREFIX_LEN || context_len > MAX_CONTEXT_LEN
        || out_len > 0xffff)
        return -1;

    /* rfc8446#7.1: struct { uint16 length; opaque label<7..255>;
     * opaque context<0..255>; } HkdfLabel; */
    uint8_t info[MAX_HKDF_LABEL];
    size_t n = 0;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)(LABEL_PREFIX_LEN + label_len);
    memcpy(info + n, LABEL_PREFIX, LABEL_PREFIX_LEN);
    n += LABEL_PREFIX_LEN;
    memcpy(info + n, label, label_len);
    n += label_len;
    info[n++] = (uint8_t)context_len;
    if (context_len > 0) {
        memcpy(info + n, context, context_len);
        n += context_len;
    }

    int rc = hkdf_run(md, EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, secret_len, NULL, 0, info, n,
                      out, out_len);
    OPENSSL_cleanse(info, n);
    return rc;
}

int tls_hash(const EVP_MD *md, const uint8_t *data, size_t len, uint8_t *out)
{
    static const uint8_t nothing[1];
    return EVP_Digest(len ? data : nothing, len, out, NULL, md, NULL) == 1 ? 0 : -1;
}

/* rfc8446#7.1: Derive-Secret(Secret, Label, Messages) =
 *   HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length)
 * with the transcript hash th already computed by the caller. */
static int derive_secret(const tls13_keys *k, const uint8_t *secret, const char *label,
                         const uint8_t *th, uint8_t *out)
{
    return tls_hkdf_expand_label(k->md, secret, k->hlen, label, th, k->hlen, out, k->hlen);
}

/* Transcript-Hash("") of SHA-256 and SHA-384, hashed once per process:
 * every handshake needs it two or three times. */
static uint8_t empty_sha256[32], empty_sha384[48];
static int empty_ok;
static CRYPTO_ONCE empty_once = CRYPTO_ONCE_STATIC_INIT;

static void hash_empty(void)
{
    empty_ok = tls_hash(tls_crypto_sha(256), NULL, 0, empty_sha256) == 0
               && tls_hash(tls_crypto_sha(384), NULL, 0, empty_sha384) == 0;
}

static int empty_hash(const tls13_keys *k, uint8_t *out)
{
    if (CRYPTO_THREAD_run_once(&empty_once, hash_empty) && empty_ok) {
        if (k->md == tls_crypto_sha(256)) {
            memcpy(out, empty_sha256, sizeof empty_sha256);
            return 0;
        }
        if (k->md == tls_crypto_sha(384)) {
            memcpy(out, empty_sha384, sizeof empty_sha384);
            return 0;
        }
    }
    return tls_hash(k->md, NULL, 0, out);
}

/* Derive-Secret(secret, "derived", ""), the salt of the next extract. */
static int derive_salt(const tls13_keys *k, const uint8_t *secret, uint8_t *out)
{
    uint8_t eh[TLS_MAX_HASH_LEN];
    if (empty_hash(k, eh) != 0)
        return -1;
    return derive_secret(k, secret, "derived", eh, out);
}

/* The hash of the schedule, no secret yet. */
static int keys_start(tls13_keys *k, const EVP_MD *md, tls_error *err)
{
    memset(k, 0, sizeof *k);
    int hlen = md ? EVP_MD_get_size(md) : -1;
    if (hlen <= 0 || hlen > TLS_MAX_HASH_LEN)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "key schedule: unusable hash");
    k->md = md;
    k->hlen = (size_t)hlen;
    return 0;
}

int tls13_keys_init(tls13_keys *k, const EVP_MD *md, tls_error *err)
{
    if (keys_start(k, md, err) != 0)
        return -1;
    /* rfc8446#7.1: without a PSK, "0" is a string of Hash.length zero bytes
     * for both the salt and the IKM of the Early Secret. */
    if (tls_hkdf_extract(md, NULL, 0, NULL, 0, k->early) != 0)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key schedule: early secret");
    return 0;
}

int tls13_keys_init_psk(tls13_keys *k, const EVP_MD *md, const uint8_t *psk, size_t psk_len,
                        tls_error *err)
{
    /* Not tls13_keys_init: its Early Secret (from no PSK) would be
     * overwritten here, an HKDF-Extract for nothing. */
    if (keys_start(k, md, err) != 0)
        return -1;
    if (psk_len == 0 || psk_len > TLS_MAX_HASH_LEN)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "key schedule: PSK of %zu bytes", psk_len);
    if (tls_hkdf_extract(md, NULL, 0, psk, psk_len, k->early) != 0)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key schedule: early secret from the PSK");
    k->early_psk = 1;
    return 0;
}

int tls13_keys_init_early(tls13_keys *k, const EVP_MD *md, const uint8_t *early, tls_error *err)
{
    if (keys_start(k, md, err) != 0)
        return -1;
    memcpy(k->early, early, k->hlen);
    k->early_psk = 1;
    return 0;
}

int tls13_binder_key(const tls13_keys *k, int external, uint8_t *out, tls_error *err)
{
    uint8_t eh[TLS_MAX_HASH_LEN];
    if (empty_hash(k, eh) != 0
        || derive_secret(k, k->early, external ? "ext binder" : "res binder", eh, out) != 0)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key schedule: binder key");
    return 0;
}

int tls13_keys_early_traffic(tls13_keys *k, const uint8_t *th, tls_error *err)
{
    if (derive_secret(k, k->early, "c e traffic", th, k->client_early) != 0)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key schedule: early traffic secret");
    return 0;
}

int tls13_ticket_psk(const EVP_MD *md, const uint8_t *resumption, const uint8_t *nonce,
                     size_t nonce_len, uint8_t *out, tls_error *err)
{
    int hlen = md ? EVP_MD_get_size(md) : -1;
    if (hlen <= 0 || hlen > TLS_MAX_HASH_LEN
        || tls_hkdf_expand_label(md, resumption, (size_t)hlen, "resumption", nonce, nonce_len, out,
                                 (size_t)hlen) != 0)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key schedule: ticket PSK");
    return 0;
}

int tls13_keys_handshake(tls13_keys *k, const uint8_t *shared, size_t shared_len,
                         const uint8_t *th, tls_error *err)
{
    uint8_t salt[TLS_MAX_HASH_LEN];
    int rc = -1;
    if (derive_salt(k, k->early, salt) != 0
        || tls_hkdf_extract(k->md, salt, k->hlen, shared, shared_len, k->handshake) != 0
        || derive_secret(k, k->handshake, "c hs traffic", th, k->client_hs) != 0
        || derive_secret(k, k->handshake, "s hs traffic", th, k->server_hs) != 0)
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key schedule: handshake secrets");
    else
        rc = 0;
    OPENSSL_cleanse(salt, sizeof salt);
    return rc;
}

int tls13_keys_master(tls13_keys *k, const uint8_t *th, tls_error *err)
{
    uint8_t salt[TLS_MAX_HASH_LEN];
    int rc = -1;
    /* rfc8446#7.1: Master Secret = HKDF-Extract(Derive-Secret(Handshake
     * Secret, "derived", ""), 0) */
    if (derive_salt(k, k->handshake, salt) != 0
        || tls_hkdf_extract(k->md, salt, k->hlen, NULL, 0, k->master) != 0
        || derive_secret(k, k->master, "c ap traffic", th, k->client_ap) != 0
        || derive_secret(k, k->master, "s ap traffic", th, k->server_ap) != 0
        || derive_secret(k, k->master, "exp master", th, k->exporter) != 0)
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key schedule: application secrets");
    else
        rc = 0;
    OPENSSL_cleanse(salt, sizeof salt);
    return rc;
}

int tls13_keys_resumption(tls13_keys *k, const uint8_t *th, tls_error *err)
{
    if (derive_secret(k, k->master, "res master", th, k->resumption) != 0)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key schedule: resumption secret");
    return 0;
}

int tls13_finished_key(const EVP_MD *md, const uint8_t *base_secret, uint8_t *out, tls_error *err)
{
    int hlen = md ? EVP_MD_get_size(md) : -1;
    /* rfc8446#4.4.4: finished_key = HKDF-Expand-Label(BaseKey, "finished",
     * "", Hash.length) */
    if (hlen <= 0 || hlen > TLS_MAX_HASH_LEN
        || tls_hkdf_expand_label(md, base_secret, (size_t)hlen, "finished", NULL, 0, out, (size_t)hlen)
               != 0)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "Finished: deriving finished_key");
    return 0;
}

int tls13_finished_mac(const EVP_MD *md, const uint8_t *finished_key, const uint8_t *th, uint8_t *out,
                       tls_error *err)
{
    int hlen = md ? EVP_MD_get_size(md) : -1;
    const EVP_MAC_CTX *tmpl = tls_crypto_hmac_template(md);
    if (hlen <= 0 || hlen > TLS_MAX_HASH_LEN || tmpl == NULL)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "Finished: unusable hash");
    /* rfc8446#4.4.4: verify_data = HMAC(finished_key, Transcript-Hash).
     * The copy carries the template's digest; the template never sees a key. */
    size_t out_len = 0;
    EVP_MAC_CTX *mctx = EVP_MAC_CTX_dup(tmpl);
    int ok = mctx != NULL && EVP_MAC_init(mctx, finished_key, (size_t)hlen, NULL) == 1
             && EVP_MAC_update(mctx, th, (size_t)hlen) == 1
             && EVP_MAC_final(mctx, out, &out_len, (size_t)hlen) == 1 && out_len == (size_t)hlen;
    EVP_MAC_CTX_free(mctx);
    return ok ? 0 : tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "Finished: computing verify_data");
}

int tls13_finished(const EVP_MD *md, const uint8_t *base_secret, const uint8_t *th,
                   uint8_t *out, tls_error *err)
{
    uint8_t finished_key[TLS_MAX_HASH_LEN];
    int rc = tls13_finished_key(md, base_secret, finished_key, err) == 0
                     && tls13_finished_mac(md, finished_key, th, out, err) == 0
                 ? 0
                 : -1;
    OPENSSL_cleanse(finished_key, sizeof finished_key);
    return rc;
}

int tls13_traffic_keys(const tls_suite *s, const uint8_t *secret, uint8_t *key, uint8_t *iv,
                       tls_error *err)
{
    /* rfc8446#7.3: [sender]_write_key = HKDF-Expand-Label(Secret, "key", "",
     * key_length); [sender]_write_iv = HKDF-Expand-Label(Secret, "iv", "",
     * iv_length) */
    if (tls_hkdf_expand_label(s->md, secret, s->hash_len, "key", NULL, 0, key, s->key_len) != 0
        || tls_hkdf_expand_label(s->md, secret, s->hash_len, "iv", NULL, 0, iv, s->iv_len) != 0) {
        OPENSSL_cleanse(key, s->key_len);
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "deriving traffic keys");
    }
    return 0;
}

int tls13_next_traffic_secret(const EVP_MD *md, uint8_t *secret, tls_error *err)
{
    /* rfc8446#7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(
     * application_traffic_secret_N, "traffic upd", "", Hash.length) */
    int hlen = md ? EVP_MD_get_size(md) : -1;
    uint8_t next[TLS_MAX_HASH_LEN];
    if (hlen <= 0 || hlen > TLS_MAX_HASH_LEN
        || tls_hkdf_expand_label(md, secret, (size_t)hlen, "traffic upd", NULL, 0, next,
                                 (size_t)hlen)
               != 0) {
        OPENSSL_cleanse(next, sizeof next);
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "KeyUpdate: next traffic secret");
    }
    memcpy(secret, next, (size_t)hlen);
    OPENSSL_cleanse(next, sizeof next);
    return 0;
}

void tls13_keys_wipe(tls13_keys *k)
{
    OPENSSL_cleanse(k, sizeof *k);
}
