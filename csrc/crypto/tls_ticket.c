/* Sealing session state under named ticket keys, with libcrypto's
 * AES-256-GCM (the cipher object fetched once for the TLS suites). */
#include "crypto/tls_ticket.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/tls_crypto.h"
#include "util/tls_consts.h"

#define NO_ALERT (-1)

static const EVP_CIPHER *ticket_cipher(void)
{
    const tls_suite *s = tls_suite_get(TLS_AES_256_GCM_SHA384);
    return s ? s->cipher : NULL;
}

int tls_ticket_key_generate(uint8_t out[TLS_TICKET_KEY_LEN], tls_error *err)
{
    return tls_random(out, TLS_TICKET_KEY_LEN, err);
}

/* How many different byte values a key's secret holds. 32 random bytes
 * hold fewer than 8 with a probability below 2^-100; a secret that does
 * (all zeros, a repeated pattern from a template) is a placeholder that
 * whoever guesses it can use to open tickets and to forge them, claiming
 * any client certificate as verified. */
static int secret_byte_values(const uint8_t *key)
{
    uint8_t seen[256] = {0};
    int distinct = 0;
    for (size_t i = TLS_TICKET_KEY_NAME_LEN; i < TLS_TICKET_KEY_LEN; i++)
        if (!seen[key[i]]) {
            seen[key[i]] = 1;
            distinct++;
        }
    return distinct;
}

int tls_ticket_keys_set(tls_ticket_keys *ks, const uint8_t *const *keys, size_t n, uint64_t now_ms,
                        tls_error *err)
{
    if (n == 0 || n > TLS_MAX_TICKET_KEYS)
        return tls_fail(err, NO_ALERT, "ticket keys: give 1 to %d keys (got %zu)", TLS_MAX_TICKET_KEYS, n);
    for (size_t i = 0; i < n; i++) {
        int distinct = secret_byte_values(keys[i]);
        if (distinct < TLS_TICKET_SECRET_MIN_VALUES)
            return tls_fail(err, NO_ALERT, "ticket keys: key %zu's secret holds only %d different byte "
                            "values: a placeholder, not a random key (whoever guesses it opens and forges "
                            "tickets); make keys with tls.ticketkeys.generate() or `openssl rand -hex 48`",
                            i + 1, distinct);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (memcmp(keys[i], keys[j], TLS_TICKET_KEY_NAME_LEN) == 0)
                return tls_fail(err, NO_ALERT, "ticket keys: keys %zu and %zu have the same name", j + 1,
                                i + 1);
    tls_ticket_keys_wipe(ks);
    for (size_t i = 0; i < n; i++) {
        memcpy(ks->keys[i].name, keys[i], TLS_TICKET_KEY_NAME_LEN);
        memcpy(ks->keys[i].secret, keys[i] + TLS_TICKET_KEY_NAME_LEN, TLS_TICKET_KEY_SECRET_LEN);
        ks->keys[i].created_ms = now_ms;
    }
    ks->n = n;
    return 0;
}

/* Frees k's cipher context (EVP_CIPHER_CTX_free wipes its key schedule). */
static void drop_ctx(tls_ticket_key *k)
{
    EVP_CIPHER_CTX_free(k->ctx);
    k->ctx = NULL;
}

void tls_ticket_keys_wipe(tls_ticket_keys *ks)
{
    for (size_t i = 0; i < TLS_MAX_TICKET_KEYS; i++)
        drop_ctx(&ks->keys[i]);
    OPENSSL_cleanse(ks->keys, sizeof ks->keys);
    ks->n = 0;
}

/* A new random key in front; the oldest falls off when the set is full. */
static int push_new_key(tls_ticket_keys *ks, uint64_t now_ms, tls_error *err)
{
    uint8_t raw[TLS_TICKET_KEY_LEN];
    if (tls_ticket_key_generate(raw, err) != 0)
        return -1;
    if (ks->n == TLS_MAX_TICKET_KEYS)
        drop_ctx(&ks->keys[--ks->n]);
    memmove(&ks->keys[1], &ks->keys[0], ks->n * sizeof ks->keys[0]);
    OPENSSL_cleanse(&ks->keys[0], sizeof ks->keys[0]);
    memcpy(ks->keys[0].name, raw, TLS_TICKET_KEY_NAME_LEN);
    memcpy(ks->keys[0].secret, raw + TLS_TICKET_KEY_NAME_LEN, TLS_TICKET_KEY_SECRET_LEN);
    ks->keys[0].created_ms = now_ms;
    ks->n++;
    OPENSSL_cleanse(raw, sizeof raw);
    OPENSSL_cleanse(&ks->keys[ks->n], (TLS_MAX_TICKET_KEYS - ks->n) * sizeof ks->keys[0]);
    return 0;
}

/* A key's age; a clock that went back (NTP, a test's offset) makes it
 * young again rather than ancient, so that a step back in time never
 * throws every key away at once. */
static uint64_t key_age(const tls_ticket_key *k, uint64_t now_ms)
{
    return now_ms > k->created_ms ? now_ms - k->created_ms : 0;
}

void tls_ticket_keys_expire(tls_ticket_keys *ks, uint64_t now_ms)
{
    if (ks->rotate_ms == 0)
        return;
    /* Forward secrecy of tickets: a key that sealed for rotate_ms and then
     * opened for as long again has done its work, and while it exists it
     * opens every ticket it ever sealed. keys[0] is never dropped here (it
     * is replaced first, by prepare). */
    while (ks->n > 1 && key_age(&ks->keys[ks->n - 1], now_ms) >= 2 * ks->rotate_ms) {
        ks->n--;
        drop_ctx(&ks->keys[ks->n]);
        OPENSSL_cleanse(&ks->keys[ks->n], sizeof ks->keys[0]);
    }
}

int tls_ticket_keys_prepare(tls_ticket_keys *ks, uint64_t now_ms, tls_error *err)
{
    if (ks->n == 0)
        return push_new_key(ks, now_ms, err);
    if (ks->rotate_ms != 0 && key_age(&ks->keys[0], now_ms) >= ks->rotate_ms
        && push_new_key(ks, now_ms, err) != 0)
        return -1;
    tls_ticket_keys_expire(ks, now_ms);
    return 0;
}

/* A context for k's secret, set to the nonce, encrypting or decrypting:
 * k's own (made and keyed on first use), or one made for this ticket alone
 * (*own = 1: the caller frees it) when k's cannot be made. */
static EVP_CIPHER_CTX *key_ctx(tls_ticket_key *k, const EVP_CIPHER *cipher, const uint8_t *nonce, int enc,
                               int *own)
{
    *own = 0;
    if (k->ctx == NULL) {
        k->ctx = EVP_CIPHER_CTX_new();
        if (k->ctx != NULL && EVP_CipherInit_ex2(k->ctx, cipher, k->secret, NULL, enc, NULL) != 1)
            drop_ctx(k);
    }
    if (k->ctx != NULL && EVP_CipherInit_ex2(k->ctx, NULL, NULL, nonce, enc, NULL) == 1)
        return k->ctx;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx != NULL && EVP_CipherInit_ex2(ctx, cipher, k->secret, nonce, enc, NULL) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        ctx = NULL;
    }
    *own = ctx != NULL;
    return ctx;
}

int tls_ticket_seal(tls_ticket_keys *ks, const uint8_t *plain, size_t len, tls_buf *out,
                    tls_error *err)
{
    uint8_t nonce[TLS_TICKET_NONCE_LEN];
    if (tls_random(nonce, sizeof nonce, err) != 0)
        return -1;
    return tls_ticket_seal_nonce(ks, nonce, plain, len, out, err);
}

int tls_ticket_seal_nonce(tls_ticket_keys *ks, const uint8_t *nonce, const uint8_t *plain,
                          size_t len, tls_buf *out, tls_error *err)
{
    const EVP_CIPHER *cipher = ticket_cipher();
    if (ks->n == 0 || cipher == NULL || len > INT32_MAX)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "ticket: no key to seal with");
    tls_ticket_key *k = &ks->keys[0];
    size_t start = out->len;
    tls_buf_bytes(out, k->name, sizeof k->name);
    tls_buf_bytes(out, nonce, TLS_TICKET_NONCE_LEN);
    uint8_t *ct = tls_buf_extend(out, len + TLS_TICKET_TAG_LEN);
    if (ct == NULL || !tls_buf_ok(out))
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    int own;
    EVP_CIPHER_CTX *ctx = key_ctx(k, cipher, nonce, 1, &own);
    int outl = 0, ok = ctx != NULL
                       && EVP_EncryptUpdate(ctx, NULL, &outl, k->name, (int)sizeof k->name) == 1
                       && EVP_EncryptUpdate(ctx, ct, &outl, plain, (int)len) == 1
                       && EVP_EncryptFinal_ex(ctx, ct + outl, &outl) == 1
                       && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TLS_TICKET_TAG_LEN, ct + len) == 1;
    if (own)
        EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        OPENSSL_cleanse(out->data + start, out->len - start);
        out->len = start;
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "ticket: sealing");
    }
    return 0;
}

int tls_ticket_open(tls_ticket_keys *ks, const uint8_t *sealed, size_t len, tls_buf *plain,
                    tls_error *err)
{
    const EVP_CIPHER *cipher = ticket_cipher();
    if (cipher == NULL)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "ticket: no cipher");
    if (len < TLS_TICKET_OVERHEAD || len - TLS_TICKET_OVERHEAD > INT32_MAX)
        return 0;
    tls_ticket_key *k = NULL;
    for (size_t i = 0; i < ks->n && k == NULL; i++)
        if (CRYPTO_memcmp(ks->keys[i].name, sealed, TLS_TICKET_KEY_NAME_LEN) == 0)
            k = &ks->keys[i];
    if (k == NULL)
        return 0;
    const uint8_t *nonce = sealed + TLS_TICKET_KEY_NAME_LEN;
    const uint8_t *ct = nonce + TLS_TICKET_NONCE_LEN;
    size_t ct_len = len - TLS_TICKET_OVERHEAD;
    size_t start = plain->len;
    uint8_t *pt = tls_buf_extend(plain, ct_len);
    if (pt == NULL || !tls_buf_ok(plain))
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    int own, outl = 0, fin = 0;
    EVP_CIPHER_CTX *ctx = key_ctx(k, cipher, nonce, 0, &own);
    int ok = ctx != NULL
             && EVP_DecryptUpdate(ctx, NULL, &outl, k->name, (int)sizeof k->name) == 1
             && EVP_DecryptUpdate(ctx, pt, &outl, ct, (int)ct_len) == 1
             && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TLS_TICKET_TAG_LEN,
                                    (void *)(ct + ct_len)) == 1;
    if (ok)
        fin = EVP_DecryptFinal_ex(ctx, pt + outl, &outl) == 1;
    if (own)
        EVP_CIPHER_CTX_free(ctx);
    if (!ok || !fin) {
        OPENSSL_cleanse(pt, ct_len);
        plain->len = start;
        if (!ok)
            return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "ticket: opening");
        return 0;
    }
    return 1;
}
