/* HKDF and the TLS 1.3 key schedule (rfc8446#7.1 - #7.3), on libcrypto's
 * HMAC (EVP_MAC, fetched once by tls_crypto_init). Every intermediate secret
 * lives on the stack and is wiped before returning, on every path. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/tls_crypto.h"

/* rfc8446#7.1: HkdfLabel.label is opaque label<7..255> = "tls13 " + Label */
#define LABEL_PREFIX "tls13 "
#define LABEL_PREFIX_LEN 6
#define MAX_LABEL_LEN 255
#define MAX_CONTEXT_LEN 255
#define MAX_HKDF_LABEL (2 + 1 + MAX_LABEL_LEN + 1 + MAX_CONTEXT_LEN)

/* HKDF is rfc5869's construction on EVP_MAC HMAC rather than EVP_KDF: in
 * OpenSSL 3.0 every HKDF derive builds and frees its own HMAC context and
 * keys it (about 13,000 instructions for one short expand, against some
 * 2,000 for the four SHA-256 compressions it needs), and its extract
 * fetches HMAC by name each time. Here an HMAC context is keyed once per
 * pseudorandom key and restarted (EVP_MAC_init without a key: the padded
 * key states are kept) for each label taken from that key: the key
 * schedule draws two or three labels from most of its secrets. The
 * construction is checked against rfc5869's test vectors A.1-A.3 and
 * rfc8448's traces (spec/kat_rfc8448_spec.lua). */

EVP_MAC_CTX *tls_hmac_new(const EVP_MD *md)
{
    const EVP_MAC_CTX *tmpl = tls_crypto_hmac_template(md);
    if (tmpl != NULL)
        return EVP_MAC_CTX_dup(tmpl);
    EVP_MAC *mac = tls_crypto_hmac();
    EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
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

/* Kept contexts hold the key of their last use: only within a scope, that
 * is within one call into the engine, which holds those secrets anyway.
 * With each slot may go a note of the key its last context was keyed with
 * by a take that expects the same key again, and of that context, kept
 * or still in use: the next such take for the same key restarts the
 * context (EVP_MAC_init without a key: the padded key states stay)
 * instead of keying it again, which costs about 6,000 instructions (two
 * hash compressions and three digest set-ups). A TLS 1.2 handshake keys
 * its master secret three times (key block, the two Finished), mostly
 * within one call into the engine.
 * Every take that does not restart the noted context wipes the note
 * before it keys or makes a context, and leaving the outermost scope wipes
 * it: so a note naming a context given back and freed meanwhile (the slot
 * was full) is gone before a new one could be made at its address. A note
 * naming the context a connection keeps between its calls goes into the
 * keep with it (a TLS 1.2 client keys its master secret for the server's
 * Finished in a later call than for its own) and is wiped with the keep. */
typedef tls_hmac_note hmac_note;

static _Thread_local struct {
    unsigned depth;
    int nested; /* a scope was entered inside the outermost one */
    EVP_MAC_CTX *kept[2]; /* SHA-256, SHA-384 */
    hmac_note note[2];
} hmac_scope;

static void note_wipe(hmac_note *n)
{
    if (n->key_len > 0)
        OPENSSL_cleanse(n->key, n->key_len);
    n->key_len = 0;
    n->ctx = NULL;
}

/* The slot for md inside a scope (its index in *i), else NULL. */
static EVP_MAC_CTX **kept_slot(const EVP_MD *md, size_t *i)
{
    if (hmac_scope.depth == 0 || md == NULL)
        return NULL;
    *i = md == tls_crypto_sha(256) ? 0 : md == tls_crypto_sha(384) ? 1 : 2;
    return *i < 2 ? &hmac_scope.kept[*i] : NULL;
}

/* n notes that ctx holds key. */
static int note_holds(const hmac_note *n, const EVP_MAC_CTX *ctx, const uint8_t *key,
                      size_t key_len)
{
    return n->ctx == ctx && key_len > 0 && n->key_len == key_len
           && CRYPTO_memcmp(n->key, key, key_len) == 0;
}

EVP_MAC_CTX *tls_hmac_take_keyed(const EVP_MD *md, const uint8_t *key, size_t key_len, int again)
{
    static const uint8_t nothing[1];
    size_t i = 0;
    EVP_MAC_CTX **slot = kept_slot(md, &i);
    hmac_note *n = slot != NULL ? &hmac_scope.note[i] : NULL;
    EVP_MAC_CTX *ctx = NULL;
    if (slot != NULL) {
        ctx = *slot;
        *slot = NULL;
    }
    if (ctx != NULL && again && note_holds(n, ctx, key, key_len)) {
        if (EVP_MAC_init(ctx, NULL, 0, NULL) == 1)
            return ctx;
        note_wipe(n);
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    /* Whatever the note said is about to be untrue, or names a context
     * given back and freed since: wiped before any context is keyed or
     * made, so that none can match it. */
    if (n != NULL)
        note_wipe(n);
    if (ctx == NULL)
        ctx = tls_hmac_new(md);
    if (ctx == NULL || EVP_MAC_init(ctx, key_len ? key : nothing, key_len, NULL) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    if (again && n != NULL && key_len > 0 && key_len <= sizeof n->key) {
        memcpy(n->key, key, key_len);
        n->key_len = key_len;
        n->ctx = ctx;
    }
    return ctx;
}

void tls_hmac_give(EVP_MAC_CTX *ctx, const EVP_MD *md)
{
    size_t i = 0;
    EVP_MAC_CTX **slot = ctx != NULL ? kept_slot(md, &i) : NULL;
    if (slot != NULL && *slot == NULL)
        *slot = ctx;
    else
        EVP_MAC_CTX_free(ctx);
}

void tls_hmac_keep_empty(tls_hmac_keep *keep)
{
    for (size_t i = 0; keep != NULL && i < 2; i++) {
        note_wipe(&keep->note[i]);
        EVP_MAC_CTX_free(keep->kept[i]);
        keep->kept[i] = NULL;
    }
}

void tls_hmac_keep_free(tls_hmac_keep **keep)
{
    if (keep == NULL || *keep == NULL)
        return;
    tls_hmac_keep_empty(*keep);
    OPENSSL_cleanse(*keep, sizeof **keep);
    free(*keep);
    *keep = NULL;
}

size_t tls_hmac_keep_held(const tls_hmac_keep *keep)
{
    size_t n = 0;
    for (size_t i = 0; keep != NULL && i < 2; i++)
        n += (size_t)(keep->kept[i] != NULL) + (size_t)(keep->note[i].key_len > 0);
    return n;
}

void tls_hmac_scope_enter_from(tls_hmac_keep *keep)
{
    if (hmac_scope.depth++ > 0) {
        hmac_scope.nested = 1;
        return;
    }
    hmac_scope.nested = 0;
    for (size_t i = 0; keep != NULL && i < 2; i++) {
        hmac_scope.kept[i] = keep->kept[i];
        keep->kept[i] = NULL;
        /* The thread's notes are empty here (wiped when the last
         * outermost scope was left); the keep's copy goes. */
        hmac_scope.note[i] = keep->note[i];
        note_wipe(&keep->note[i]);
    }
}

void tls_hmac_scope_leave_to(tls_hmac_keep **keep_at)
{
    if (hmac_scope.depth == 0 || --hmac_scope.depth > 0)
        return;
    tls_hmac_keep *keep = keep_at != NULL ? *keep_at : NULL;
    if (hmac_scope.nested)
        keep = NULL;
    /* Made when there is something to keep: a connection whose handshake
     * ended (or that never kept a context) holds no keep. Out of memory,
     * the contexts are freed below, as with no keep. */
    else if (keep == NULL && keep_at != NULL && (hmac_scope.kept[0] != NULL || hmac_scope.kept[1] != NULL))
        keep = *keep_at = calloc(1, sizeof *keep);
    for (size_t i = 0; i < 2; i++) {
        const hmac_note *n = &hmac_scope.note[i];
        /* A note goes with the context it names only: one naming a
         * context freed meanwhile is dropped. */
        if (keep != NULL && keep->kept[i] == NULL && n->ctx != NULL && n->ctx == hmac_scope.kept[i])
            keep->note[i] = *n;
        note_wipe(&hmac_scope.note[i]);
        if (keep != NULL && keep->kept[i] == NULL)
            keep->kept[i] = hmac_scope.kept[i];
        else
            EVP_MAC_CTX_free(hmac_scope.kept[i]);
        hmac_scope.kept[i] = NULL;
    }
}

void tls_hmac_scope_enter(void) { tls_hmac_scope_enter_from(NULL); }

void tls_hmac_scope_leave(void) { tls_hmac_scope_leave_to(NULL); }

size_t tls_hmac_kept(void)
{
    size_t n = 0;
    for (size_t i = 0; i < 2; i++)
        n += (size_t)(hmac_scope.kept[i] != NULL) + (size_t)(hmac_scope.note[i].key_len > 0);
    return n;
}

/* A pseudorandom key ready for HKDF-Expand: an HMAC context keyed with it.
 * The context holds the key: prk_end frees it (EVP_MAC_CTX_free wipes the
 * key and the padded key states) on every path. */
typedef struct hkdf_prk {
    EVP_MAC_CTX *mac;
    const EVP_MD *md;
    size_t hlen;
    int used; /* an HMAC was finished: restart before the next one */
} hkdf_prk;

static void prk_end(hkdf_prk *p)
{
    tls_hmac_give(p->mac, p->md);
    p->mac = NULL;
}

/* again: the same key is expected again within this call into the engine
 * (see tls_hmac_take_keyed). */
static int prk_start_as(hkdf_prk *p, const EVP_MD *md, const uint8_t *key, size_t key_len, int again)
{
    int hlen = md != NULL ? EVP_MD_get_size(md) : -1;
    p->mac = NULL;
    p->used = 0;
    if (hlen <= 0 || hlen > TLS_MAX_HASH_LEN)
        return -1;
    p->hlen = (size_t)hlen;
    p->md = md;
    p->mac = tls_hmac_take_keyed(md, key, key_len, again);
    return p->mac != NULL ? 0 : -1;
}

static int prk_start(hkdf_prk *p, const EVP_MD *md, const uint8_t *key, size_t key_len)
{
    return prk_start_as(p, md, key, key_len, 0);
}

/* out = HMAC(PRK, a || b || c), out of p->hlen bytes (which may be a:
 * it is read before out is written). */
static int prk_mac(hkdf_prk *p, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                   uint8_t c, uint8_t *out)
{
    size_t n = 0;
    if (p->used && EVP_MAC_init(p->mac, NULL, 0, NULL) != 1)
        return -1;
    p->used = 1;
    int ok = (a_len == 0 || EVP_MAC_update(p->mac, a, a_len) == 1)
             && (b_len == 0 || EVP_MAC_update(p->mac, b, b_len) == 1)
             && EVP_MAC_update(p->mac, &c, 1) == 1
             && EVP_MAC_final(p->mac, out, &n, p->hlen) == 1 && n == p->hlen;
    return ok ? 0 : -1;
}

/* rfc5869#2.3: N = ceil(L/HashLen); T(0) = empty string;
 * T(i) = HMAC-Hash(PRK, T(i-1) | info | i), i = 1..N;
 * OKM = first L octets of T(1) | T(2) | ... | T(N); L <= 255*HashLen. */
static int prk_expand(hkdf_prk *p, const uint8_t *info, size_t info_len, uint8_t *out,
                      size_t out_len)
{
    if (out_len == 0 || out_len > 255 * p->hlen)
        return -1;
    uint8_t t[TLS_MAX_HASH_LEN];
    size_t t_len = 0, done = 0;
    int rc = 0;
    for (unsigned i = 1; done < out_len; i++) {
        if (prk_mac(p, t, t_len, info, info_len, (uint8_t)i, t) != 0) {
            rc = -1;
            break;
        }
        t_len = p->hlen;
        size_t take = out_len - done < t_len ? out_len - done : t_len;
        memcpy(out + done, t, take);
        done += take;
    }
    OPENSSL_cleanse(t, sizeof t);
    if (rc != 0)
        OPENSSL_cleanse(out, out_len);
    return rc;
}

/* rfc8446#7.1: struct { uint16 length; opaque label<7..255>;
 * opaque context<0..255>; } HkdfLabel; written to info (MAX_HKDF_LABEL
 * bytes); returns its length, 0 if an argument is out of range. */
static size_t hkdf_label(uint8_t *info, const char *label, const uint8_t *context,
                         size_t context_len, size_t out_len)
{
    size_t label_len = strlen(label);
    if (label_len > MAX_LABEL_LEN - LABEL_PREFIX_LEN || context_len > MAX_CONTEXT_LEN
        || out_len > 0xffff)
        return 0;
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
    return n;
}

/* HKDF-Expand-Label with the key of p. */
static int prk_expand_label(hkdf_prk *p, const char *label, const uint8_t *context,
                            size_t context_len, uint8_t *out, size_t out_len)
{
    uint8_t info[MAX_HKDF_LABEL];
    size_t n = hkdf_label(info, label, context, context_len, out_len);
    if (n == 0)
        return -1;
    int rc = prk_expand(p, info, n, out, out_len);
    OPENSSL_cleanse(info, n);
    return rc;
}

int tls_hkdf_extract(const EVP_MD *md, const uint8_t *salt, size_t salt_len,
                     const uint8_t *ikm, size_t ikm_len, uint8_t *out)
{
    /* rfc5869#2.2: a missing salt is HashLen zero bytes; HMAC pads any key
     * to the block size with zeros, so an empty salt is the same thing. */
    static const uint8_t zeros[TLS_MAX_HASH_LEN];
    int hlen = md != NULL ? EVP_MD_get_size(md) : -1;
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
    /* rfc5869#2.2: PRK = HMAC-Hash(salt, IKM) */
    size_t n = 0;
    EVP_MAC_CTX *mac = tls_hmac_take_keyed(md, salt, salt_len, 0);
    int ok = mac != NULL && EVP_MAC_update(mac, ikm, ikm_len) == 1
             && EVP_MAC_final(mac, out, &n, (size_t)hlen) == 1 && n == (size_t)hlen;
    tls_hmac_give(mac, md);
    if (!ok)
        OPENSSL_cleanse(out, (size_t)hlen);
    return ok ? 0 : -1;
}

int tls_hkdf_expand(const EVP_MD *md, const uint8_t *prk, size_t prk_len, const uint8_t *info,
                    size_t info_len, uint8_t *out, size_t out_len)
{
    hkdf_prk p;
    if (prk_start(&p, md, prk, prk_len) != 0)
        return -1;
    int rc = prk_expand(&p, info, info_len, out, out_len);
    prk_end(&p);
    return rc;
}

int tls_hkdf_expand_label(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
                          const char *label, const uint8_t *context, size_t context_len,
                          uint8_t *out, size_t out_len)
{
    hkdf_prk p;
    if (prk_start(&p, md, secret, secret_len) != 0)
        return -1;
    int rc = prk_expand_label(&p, label, context, context_len, out, out_len);
    prk_end(&p);
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

/* Per hash, values every handshake needs that depend on no secret,
 * computed once per process: Transcript-Hash(""), the Early Secret without
 * a PSK (rfc8446#7.1: HKDF-Extract(0, 0), "0" being Hash.length zero
 * bytes) and its Derive-Secret(., "derived", ""), the salt of the
 * Handshake Secret. They are public: anyone can compute them. */
typedef struct hash_consts {
    uint8_t empty[TLS_MAX_HASH_LEN];
    uint8_t early[TLS_MAX_HASH_LEN];
    uint8_t early_derived[TLS_MAX_HASH_LEN];
} hash_consts;
static hash_consts consts_sha256, consts_sha384;
static int consts_ok;
static CRYPTO_ONCE consts_once = CRYPTO_ONCE_STATIC_INIT;

static int derive_salt_with(const EVP_MD *md, size_t hlen, const uint8_t *secret,
                            const uint8_t *empty, uint8_t *out);

static int consts_for(const EVP_MD *md, hash_consts *hc)
{
    int hlen = md != NULL ? EVP_MD_get_size(md) : -1;
    return hlen > 0 && tls_hash(md, NULL, 0, hc->empty) == 0
           && tls_hkdf_extract(md, NULL, 0, NULL, 0, hc->early) == 0
           && derive_salt_with(md, (size_t)hlen, hc->early, hc->empty, hc->early_derived) == 0;
}

static void consts_init(void)
{
    consts_ok = consts_for(tls_crypto_sha(256), &consts_sha256)
                && consts_for(tls_crypto_sha(384), &consts_sha384);
}

/* The constants of md, or NULL (another hash: compute them). */
static const hash_consts *consts(const EVP_MD *md)
{
    if (!CRYPTO_THREAD_run_once(&consts_once, consts_init) || !consts_ok)
        return NULL;
    return md == tls_crypto_sha(256) ? &consts_sha256
           : md == tls_crypto_sha(384) ? &consts_sha384
                                       : NULL;
}

static int empty_hash(const tls13_keys *k, uint8_t *out)
{
    const hash_consts *hc = consts(k->md);
    if (hc != NULL) {
        memcpy(out, hc->empty, k->hlen);
        return 0;
    }
    return tls_hash(k->md, NULL, 0, out);
}

/* Derive-Secret(secret, "derived", "") with Transcript-Hash("") given. */
static int derive_salt_with(const EVP_MD *md, size_t hlen, const uint8_t *secret,
                            const uint8_t *empty, uint8_t *out)
{
    return tls_hkdf_expand_label(md, secret, hlen, "derived", empty, hlen, out, hlen);
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
    const hash_consts *hc = consts(md);
    if (hc != NULL)
        memcpy(k->early, hc->early, k->hlen);
    else if (tls_hkdf_extract(md, NULL, 0, NULL, 0, k->early) != 0)
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
    /* A server issues its tickets, and a client takes them, several in a
     * row from one resumption secret: keyed once, restarted for the next. */
    hkdf_prk p;
    int rc = hlen > 0 && hlen <= TLS_MAX_HASH_LEN ? prk_start_as(&p, md, resumption, (size_t)hlen, 1) : -1;
    if (rc == 0) {
        rc = prk_expand_label(&p, "resumption", nonce, nonce_len, out, (size_t)hlen);
        prk_end(&p);
    }
    if (rc != 0)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key schedule: ticket PSK");
    return 0;
}

int tls13_keys_handshake(tls13_keys *k, const uint8_t *shared, size_t shared_len,
                         const uint8_t *th, tls_error *err)
{
    uint8_t eh[TLS_MAX_HASH_LEN], salt[TLS_MAX_HASH_LEN];
    const hash_consts *hc = k->early_psk ? NULL : consts(k->md);
    hkdf_prk p = {0};
    int rc = -1;
    /* rfc8446#7.1: Handshake Secret = HKDF-Extract(Derive-Secret(Early
     * Secret, "derived", ""), (EC)DHE); without a PSK that salt is a
     * constant. The Master Secret, HKDF-Extract(Derive-Secret(Handshake
     * Secret, "derived", ""), 0), needs no transcript: it is made here, so
     * that one keyed HMAC gives the Handshake Secret's three labels. */
    if (empty_hash(k, eh) != 0)
        goto out;
    if (hc != NULL)
        memcpy(salt, hc->early_derived, k->hlen);
    else if (derive_salt_with(k->md, k->hlen, k->early, eh, salt) != 0)
        goto out;
    k->have_client_finished_key = k->have_server_finished_key = 0;
    if (tls_hkdf_extract(k->md, salt, k->hlen, shared, shared_len, k->handshake) != 0
        || prk_start(&p, k->md, k->handshake, k->hlen) != 0
        || prk_expand_label(&p, "c hs traffic", th, k->hlen, k->client_hs, k->hlen) != 0
        || prk_expand_label(&p, "s hs traffic", th, k->hlen, k->server_hs, k->hlen) != 0
        || prk_expand_label(&p, "derived", eh, k->hlen, salt, k->hlen) != 0)
        goto out;
    /* Given back first, the context keys the extract too, not a second one. */
    prk_end(&p);
    if (tls_hkdf_extract(k->md, salt, k->hlen, NULL, 0, k->master) != 0)
        goto out;
    rc = 0;
out:
    prk_end(&p);
    OPENSSL_cleanse(salt, sizeof salt);
    if (rc != 0)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key schedule: handshake secrets");
    return 0;
}

int tls13_keys_master(tls13_keys *k, const uint8_t *th, tls_error *err)
{
    /* The Master Secret is tls13_keys_handshake's. */
    hkdf_prk p;
    int ok = prk_start(&p, k->md, k->master, k->hlen) == 0;
    ok = ok && prk_expand_label(&p, "c ap traffic", th, k->hlen, k->client_ap, k->hlen) == 0
         && prk_expand_label(&p, "s ap traffic", th, k->hlen, k->server_ap, k->hlen) == 0
         && prk_expand_label(&p, "exp master", th, k->hlen, k->exporter, k->hlen) == 0;
    prk_end(&p);
    if (!ok)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key schedule: application secrets");
    return 0;
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
    if (hlen <= 0 || hlen > TLS_MAX_HASH_LEN || tls_crypto_hmac_template(md) == NULL)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "Finished: unusable hash");
    /* rfc8446#4.4.4: verify_data = HMAC(finished_key, Transcript-Hash) */
    size_t out_len = 0;
    EVP_MAC_CTX *mctx = tls_hmac_take_keyed(md, finished_key, (size_t)hlen, 0);
    int ok = mctx != NULL && EVP_MAC_update(mctx, th, (size_t)hlen) == 1
             && EVP_MAC_final(mctx, out, &out_len, (size_t)hlen) == 1 && out_len == (size_t)hlen;
    tls_hmac_give(mctx, md);
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
    return tls13_traffic_keys_finished(s, secret, key, iv, NULL, err);
}

int tls13_traffic_keys_finished(const tls_suite *s, const uint8_t *secret, uint8_t *key,
                                uint8_t *iv, uint8_t *finished_key, tls_error *err)
{
    /* rfc8446#7.3: [sender]_write_key = HKDF-Expand-Label(Secret, "key", "",
     * key_length); [sender]_write_iv = HKDF-Expand-Label(Secret, "iv", "",
     * iv_length) */
    hkdf_prk p;
    int ok = prk_start(&p, s->md, secret, s->hash_len) == 0;
    ok = ok && prk_expand_label(&p, "key", NULL, 0, key, s->key_len) == 0
         && prk_expand_label(&p, "iv", NULL, 0, iv, s->iv_len) == 0;
    /* rfc8446#4.4.4: finished_key = HKDF-Expand-Label(BaseKey, "finished",
     * "", Hash.length) */
    if (ok && finished_key != NULL)
        ok = prk_expand_label(&p, "finished", NULL, 0, finished_key, s->hash_len) == 0;
    prk_end(&p);
    if (!ok) {
        OPENSSL_cleanse(key, s->key_len);
        if (finished_key != NULL)
            OPENSSL_cleanse(finished_key, s->hash_len);
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
