/* (EC)DHE key shares (rfc8446#4.2.8, #7.4) on EVP_PKEY: x25519, x448,
 * secp256r1, secp384r1, secp521r1 and the rfc7919 groups ffdhe2048 to
 * ffdhe8192. Everything the peer sends is checked before use. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include "crypto/tls_crypto.h"

typedef enum kex_kind {
    KEX_ECX,     /* x25519, x448 (rfc7748) */
    KEX_EC,      /* NIST curves, uncompressed points */
    KEX_FFDHE,   /* rfc7919 finite-field groups */
} kex_kind;

typedef struct group_info {
    uint16_t id;
    const char *name;       /* for messages */
    kex_kind kind;
    const char *alg;        /* libcrypto's name: key type, curve or DH group */
    size_t share_len;       /* KeyShareEntry.key_exchange length */
} group_info;

static const group_info groups[] = {
    {TLS_GROUP_X25519, "x25519", KEX_ECX, "X25519", 32},
    {TLS_GROUP_X448, "x448", KEX_ECX, "X448", 56},
    /* rfc8446#4.2.8.2: UncompressedPointRepresentation is 1 + 2 * the
     * coordinate length. */
    {TLS_GROUP_SECP256R1, "secp256r1", KEX_EC, "P-256", 1 + 2 * 32},
    {TLS_GROUP_SECP384R1, "secp384r1", KEX_EC, "P-384", 1 + 2 * 48},
    {TLS_GROUP_SECP521R1, "secp521r1", KEX_EC, "P-521", 1 + 2 * 66},
    /* rfc8446#4.2.8.1: Y "left-padded with zeros to the size of p". */
    {TLS_GROUP_FFDHE2048, "ffdhe2048", KEX_FFDHE, "ffdhe2048", 2048 / 8},
    {TLS_GROUP_FFDHE3072, "ffdhe3072", KEX_FFDHE, "ffdhe3072", 3072 / 8},
    {TLS_GROUP_FFDHE4096, "ffdhe4096", KEX_FFDHE, "ffdhe4096", 4096 / 8},
    {TLS_GROUP_FFDHE6144, "ffdhe6144", KEX_FFDHE, "ffdhe6144", 6144 / 8},
    {TLS_GROUP_FFDHE8192, "ffdhe8192", KEX_FFDHE, "ffdhe8192", 8192 / 8},
};

static const group_info *find_group(uint16_t id)
{
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        if (groups[i].id == id)
            return &groups[i];
    return NULL;
}

int tls_group_supported(uint16_t group)
{
    return find_group(group) != NULL;
}

int tls_group_is_ffdhe(uint16_t group)
{
    const group_info *g = find_group(group);
    return g != NULL && g->kind == KEX_FFDHE;
}

static EVP_PKEY *ffdhe_keygen(const group_info *g)
{
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->alg, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_CTX_set_params(ctx, params) != 1
        || EVP_PKEY_generate(ctx, &key) != 1)
        key = NULL;
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/* Prepared EVP_PKEY_CTXs per group, kept for reuse: EVP_PKEY_Q_keygen and
 * EVP_PKEY_new_raw_public_key_ex look the algorithm up by name (a walk over
 * the provider's key managers) on every call, several thousand
 * instructions each. A keygen context generates a fresh key, with fresh
 * randomness, on every EVP_PKEY_generate; a fromdata context only imports.
 * Neither holds a secret between uses. Taken and given back under a lock,
 * as the HKDF contexts of tls_keysched.c; beyond PREP_POOL_MAX users at
 * once the extra contexts are freed. They live as long as the process. */
#define PREP_POOL_MAX 8
#define N_GROUPS (sizeof groups / sizeof groups[0])
enum { PREP_KEYGEN, PREP_IMPORT, PREP_KINDS };
static EVP_PKEY_CTX *prep_pool[PREP_KINDS][N_GROUPS][PREP_POOL_MAX];
static size_t prep_pool_len[PREP_KINDS][N_GROUPS];
static CRYPTO_RWLOCK *prep_lock;
static CRYPTO_ONCE prep_once = CRYPTO_ONCE_STATIC_INIT;

static void prep_init(void)
{
    prep_lock = CRYPTO_THREAD_lock_new();
}

static EVP_PKEY_CTX *prep_new(const group_info *g, int kind)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, g->kind == KEX_EC ? "EC" : g->alg, NULL);
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->alg, 0);
    params[1] = OSSL_PARAM_construct_end();
    int ok = ctx != NULL
             && (kind == PREP_KEYGEN ? EVP_PKEY_keygen_init(ctx) : EVP_PKEY_fromdata_init(ctx)) == 1
             && (kind != PREP_KEYGEN || g->kind != KEX_EC || EVP_PKEY_CTX_set_params(ctx, params) == 1);
    if (!ok) {
        EVP_PKEY_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

static EVP_PKEY_CTX *prep_take(const group_info *g, int kind)
{
    size_t gi = (size_t)(g - groups);
    EVP_PKEY_CTX *ctx = NULL;
    if (CRYPTO_THREAD_run_once(&prep_once, prep_init) && prep_lock != NULL
        && CRYPTO_THREAD_write_lock(prep_lock)) {
        if (prep_pool_len[kind][gi] > 0)
            ctx = prep_pool[kind][gi][--prep_pool_len[kind][gi]];
        CRYPTO_THREAD_unlock(prep_lock);
    }
    return ctx != NULL ? ctx : prep_new(g, kind);
}

static void prep_give_back(const group_info *g, int kind, EVP_PKEY_CTX *ctx)
{
    size_t gi = (size_t)(g - groups);
    if (ctx != NULL && prep_lock != NULL && CRYPTO_THREAD_write_lock(prep_lock)) {
        if (prep_pool_len[kind][gi] < PREP_POOL_MAX) {
            prep_pool[kind][gi][prep_pool_len[kind][gi]++] = ctx;
            ctx = NULL;
        }
        CRYPTO_THREAD_unlock(prep_lock);
    }
    EVP_PKEY_CTX_free(ctx);
}

/* Public-key objects for x25519/x448 peers, kept for reuse: each new
 * EVP_PKEY costs a walk over the key manager's names (about 11 k
 * instructions), while replacing the public value of a kept one
 * (EVP_PKEY_set1_encoded_public_key) does not. They hold only a peer's
 * public value. Same pool rules as above. */
static EVP_PKEY *peer_pool[N_GROUPS][PREP_POOL_MAX];
static size_t peer_pool_len[N_GROUPS];

static EVP_PKEY *peer_take(const group_info *g)
{
    size_t gi = (size_t)(g - groups);
    EVP_PKEY *key = NULL;
    if (CRYPTO_THREAD_run_once(&prep_once, prep_init) && prep_lock != NULL
        && CRYPTO_THREAD_write_lock(prep_lock)) {
        if (peer_pool_len[gi] > 0)
            key = peer_pool[gi][--peer_pool_len[gi]];
        CRYPTO_THREAD_unlock(prep_lock);
    }
    return key;
}

static void peer_give_back(const group_info *g, EVP_PKEY *key)
{
    size_t gi = (size_t)(g - groups);
    if (key != NULL && prep_lock != NULL && CRYPTO_THREAD_write_lock(prep_lock)) {
        if (peer_pool_len[gi] < PREP_POOL_MAX) {
            peer_pool[gi][peer_pool_len[gi]++] = key;
            key = NULL;
        }
        CRYPTO_THREAD_unlock(prep_lock);
    }
    EVP_PKEY_free(key);
}

/* A new key pair for an ECX or EC group, from a prepared context. */
static EVP_PKEY *prep_keygen(const group_info *g)
{
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = prep_take(g, PREP_KEYGEN);
    if (ctx != NULL && EVP_PKEY_generate(ctx, &key) != 1) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    prep_give_back(g, PREP_KEYGEN, ctx);
    return key;
}

int tls_kex_generate(tls_kex *k, uint16_t group, tls_buf *out, tls_error *err)
{
    const group_info *g = find_group(group);
    if (g == NULL)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "key exchange group 0x%04x not supported",
                        group);
    /* A HelloRetryRequest makes us generate again for another group. */
    EVP_PKEY_free(k->priv);
    k->group = group;
    switch (g->kind) {
    case KEX_ECX:
    case KEX_EC: k->priv = prep_keygen(g); break;
    case KEX_FFDHE: k->priv = ffdhe_keygen(g); break;
    }
    if (k->priv == NULL)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "generating a key share");
    if (g->kind == KEX_EC
        && EVP_PKEY_set_utf8_string_param(k->priv, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                          OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED)
               != 1)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "encoding a key share");

    /* libcrypto pads a DH public value to the size of p, as
     * rfc8446#4.2.8.1 wants; a shorter one is refused below. */
    unsigned char *pub = NULL;
    size_t pub_len = EVP_PKEY_get1_encoded_public_key(k->priv, &pub);
    if (pub == NULL || pub_len != g->share_len) {
        OPENSSL_free(pub);
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "encoding a key share");
    }
    tls_buf_bytes(out, pub, pub_len);
    OPENSSL_free(pub);
    if (!tls_buf_ok(out))
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "out of memory writing a key share");
    return 0;
}

/* rfc8446#4.2.8.1: "Peers MUST validate each other's public key Y by
 * ensuring that 1 < Y < p-1." On the big-endian bytes, against p of the
 * named group, which needs no key of ours: a server checks before it pays
 * for its own key. With rfc7919's safe primes that range leaves out the
 * only small subgroup (order 2), so libcrypto's costly Y^q check is not
 * needed: for ffdhe8192 it took 176 ms, a denial of service. */
static int ffdhe_in_range(const group_info *g, const uint8_t *y, size_t len)
{
    EVP_PKEY *params = NULL;
    BIGNUM *p = NULL;
    BIGNUM *v = BN_bin2bn(y, (int)len, NULL);
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    OSSL_PARAM named[2];
    named[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->alg, 0);
    named[1] = OSSL_PARAM_construct_end();
    int ok = v != NULL && pctx != NULL && EVP_PKEY_fromdata_init(pctx) == 1
             && EVP_PKEY_fromdata(pctx, &params, EVP_PKEY_KEY_PARAMETERS, named) == 1
             && EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &p) == 1
             && BN_sub_word(p, 1) == 1 && !BN_is_zero(v) && !BN_is_one(v) && BN_cmp(v, p) < 0;
    EVP_PKEY_CTX_free(pctx);
    EVP_PKEY_free(params);
    BN_free(p);
    BN_free(v);
    return ok;
}

static EVP_PKEY *ffdhe_peer_key(const group_info *g, const uint8_t *peer, size_t peer_len)
{
    EVP_PKEY *key = NULL;
    BIGNUM *y = BN_bin2bn(peer, (int)peer_len, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    if (y != NULL && bld != NULL && pctx != NULL
        && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->alg, 0) == 1
        && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) == 1
        && (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(pctx) == 1
        && EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
        key = NULL;
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(y);
    return key;
}

static EVP_PKEY *ec_peer_key(const group_info *g, const uint8_t *peer, size_t peer_len)
{
    /* rfc8446#4.2.8.2: decoding the point checks that it is on the curve,
     * EVP_PKEY_public_check the rest of what the RFC asks. */
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->alg, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)peer, peer_len);
    params[2] = OSSL_PARAM_construct_end();
    int ok = pctx != NULL && EVP_PKEY_fromdata_init(pctx) == 1
             && EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
    EVP_PKEY_CTX_free(pctx);
    if (ok) {
        EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
        ok = check != NULL && EVP_PKEY_public_check(check) == 1;
        EVP_PKEY_CTX_free(check);
    }
    if (!ok) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    return key;
}

int tls_kex_check_share(uint16_t group, const uint8_t *peer, size_t peer_len, tls_error *err)
{
    const group_info *g = find_group(group);
    if (g == NULL)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "key exchange group 0x%04x not supported", group);
    if (peer_len != g->share_len)
        return tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "the peer's %s key share is %zu bytes long, expected %zu", g->name, peer_len,
                        g->share_len);
    if (g->kind == KEX_FFDHE && !ffdhe_in_range(g, peer, peer_len)) {
        ERR_clear_error();
        return tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "the peer's %s key share is not between 1 and p-1", g->name);
    }
    return 0;
}

/* The peer's public value as an EVP_PKEY, after the checks of
 * rfc8446#4.2.8.1, #4.2.8.2 and #7.4; NULL (with the error recorded) if
 * malformed. */
static EVP_PKEY *peer_key(const tls_kex *k, const group_info *g, const uint8_t *peer, size_t peer_len,
                          tls_error *err)
{
    if (peer_len != g->share_len) {
        tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,
                 "the peer's %s key share is %zu bytes long, expected %zu", g->name, peer_len,
                 g->share_len);
        return NULL;
    }
    EVP_PKEY *key = NULL;
    (void)k;
    switch (g->kind) {
    case KEX_ECX: {
        /* rfc7748#5: any 32 (56) bytes are a public value; a low-order
         * one shows up as the all-zero result tls_kex_derive refuses. */
        key = peer_take(g);
        if (key != NULL && EVP_PKEY_set1_encoded_public_key(key, peer, peer_len) != 1) {
            EVP_PKEY_free(key);
            key = NULL;
        }
        if (key == NULL) {
            OSSL_PARAM params[2];
            params[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)peer, peer_len);
            params[1] = OSSL_PARAM_construct_end();
            EVP_PKEY_CTX *ctx = prep_take(g, PREP_IMPORT);
            if (ctx != NULL && EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
                EVP_PKEY_free(key);
                key = NULL;
            }
            prep_give_back(g, PREP_IMPORT, ctx);
        }
        if (key == NULL)
            tls_fail_crypto(err, TLS_ALERT_ILLEGAL_PARAMETER, g->name);
        return key;
    }
    case KEX_EC:
        /* rfc8446#4.2.8.2: "the legacy_form MUST be 4" (uncompressed). */
        if (peer[0] != 0x04) {
            tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,
                     "the peer's %s key share is not an uncompressed point", g->name);
            return NULL;
        }
        key = ec_peer_key(g, peer, peer_len);
        if (key == NULL) {
            ERR_clear_error();
            tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,
                     "the peer's %s key share is not a valid point on the curve", g->name);
        }
        return key;
    case KEX_FFDHE:
        if (tls_kex_check_share(k->group, peer, peer_len, err) != 0)
            return NULL;
        key = ffdhe_peer_key(g, peer, peer_len);
        if (key == NULL)
            tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "reading the peer's key share");
        return key;
    }
    return NULL;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

int tls_kex_derive(tls_kex *k, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t out_size,
                   size_t *out_len, tls_error *err)
{
    const group_info *g = find_group(k->group);
    if (g == NULL || k->priv == NULL)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "key exchange without a key share");
    EVP_PKEY *pkey = peer_key(k, g, peer, peer_len, err);
    if (pkey == NULL)
        return -1;

    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->priv, NULL);
    size_t len = 0;
    int rc = -1;
    if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1) {
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key exchange");
        goto done;
    }
    /* The check libcrypto adds here (validate_peer) is one more
     * EVP_PKEY_public_check on a context made by name. For x25519/x448 it
     * tests only that a public key is present (their low-order points are
     * the all-zero result refused below), so it is skipped; ffdhe's range
     * was checked (ffdhe_in_range). EC points keep it, although peer_key
     * ran the same check: it draws randomness (blinding), and the fuzz
     * seeds replay recorded flights under a fixed random stream. */
    if (EVP_PKEY_derive_set_peer_ex(ctx, pkey, g->kind == KEX_EC) != 1) {
        ERR_clear_error();
        tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER, "the peer's %s key share is not a valid public value",
                 g->name);
        goto done;
    }
    /* rfc8446#7.4.1: the DH secret "is ... left-padded with zeros up to
     * the size of the prime"; libcrypto strips them unless asked. */
    if ((g->kind == KEX_FFDHE && EVP_PKEY_CTX_set_dh_pad(ctx, 1) != 1)
        || EVP_PKEY_derive(ctx, NULL, &len) != 1 || len > out_size) {
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key exchange");
        goto done;
    }
    if (EVP_PKEY_derive(ctx, out, &len) != 1) {
        if (g->kind == KEX_ECX) {
            /* libcrypto itself refuses an all-zero X25519/X448 result. */
            ERR_clear_error();
            tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,
                     "the peer's %s key share gives an all-zero shared secret", g->name);
        } else {
            tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key exchange");
        }
        goto done;
    }
    /* rfc8446#7.4.2: "For X25519 and X448, implementations MUST check
     * whether the computed Diffie-Hellman shared secret is the all-zero
     * value and abort if so" */
    if (g->kind == KEX_ECX && all_zero(out, len)) {
        OPENSSL_cleanse(out, len);
        tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,
                 "the peer's %s key share gives an all-zero shared secret", g->name);
        goto done;
    }
    if (g->kind == KEX_FFDHE && len != g->share_len) {
        OPENSSL_cleanse(out, len);
        tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "%s shared secret of %zu bytes, expected %zu", g->name,
                 len, g->share_len);
        goto done;
    }
    *out_len = len;
    rc = 0;
done:
    EVP_PKEY_CTX_free(ctx);
    if (g->kind == KEX_ECX)
        peer_give_back(g, pkey);
    else
        EVP_PKEY_free(pkey);
    return rc;
}

int tls_kex_set_private(tls_kex *k, uint16_t group, const uint8_t *priv, size_t len, tls_error *err)
{
    const group_info *g = find_group(group);
    if (g == NULL)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "key exchange group 0x%04x not supported", group);
    EVP_PKEY *key = NULL;
    if (g->kind == KEX_ECX) {
        key = EVP_PKEY_new_raw_private_key_ex(NULL, g->alg, NULL, priv, len);
    } else {
        BIGNUM *x = BN_bin2bn(priv, (int)len, NULL);
        OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
        OSSL_PARAM *params = NULL;
        EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, g->kind == KEX_EC ? "EC" : "DH", NULL);
        if (x != NULL && bld != NULL && pctx != NULL
            && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->alg, 0) == 1
            && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) == 1
            && (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(pctx) == 1
            && EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_KEYPAIR, params) != 1)
            key = NULL;
        EVP_PKEY_CTX_free(pctx);
        /* OSSL_PARAM_free frees the builder's copy of the scalar without
         * clearing it (BN_clear_free below wipes only the BIGNUM). */
        OSSL_PARAM *secret = params != NULL ? OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PRIV_KEY) : NULL;
        if (secret != NULL && secret->data != NULL)
            OPENSSL_cleanse(secret->data, secret->data_size);
        OSSL_PARAM_free(params);
        OSSL_PARAM_BLD_free(bld);
        BN_clear_free(x);
    }
    if (key == NULL)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "not a private key for the group");
    EVP_PKEY_free(k->priv);
    k->priv = key;
    k->group = group;
    return 0;
}

void tls_kex_free(tls_kex *k)
{
    /* EVP_PKEY_free wipes the private key material. */
    EVP_PKEY_free(k->priv);
    k->priv = NULL;
    k->group = 0;
}
