/* CertificateVerify signatures (rfc8446#4.2.3, #4.4.3) with
 * EVP_DigestSign / EVP_DigestVerify. msg is the whole content covered by
 * the signature (the 64 spaces, context string, 0 byte and transcript hash),
 * built by the caller. */
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "crypto/tls_crypto.h"
#include "util/tls_names.h"

typedef enum { SIG_ECDSA, SIG_RSA_PSS_RSAE, SIG_RSA_PSS_PSS, SIG_ED25519, SIG_RSA_PKCS1 } sig_kind;

typedef struct scheme_info {
    uint16_t id;
    sig_kind kind;
    int hash_bits;   /* 0 for ed25519, which hashes internally */
    int curve_nid;   /* ECDSA in TLS 1.3 binds the curve (rfc8446#4.2.3) */
} scheme_info;

static const scheme_info schemes[] = {
    {TLS_SIG_ECDSA_SECP256R1_SHA256, SIG_ECDSA, 256, NID_X9_62_prime256v1},
    {TLS_SIG_ECDSA_SECP384R1_SHA384, SIG_ECDSA, 384, NID_secp384r1},
    {TLS_SIG_ECDSA_SECP521R1_SHA512, SIG_ECDSA, 512, NID_secp521r1},
    {TLS_SIG_RSA_PSS_RSAE_SHA256, SIG_RSA_PSS_RSAE, 256, 0},
    {TLS_SIG_RSA_PSS_RSAE_SHA384, SIG_RSA_PSS_RSAE, 384, 0},
    {TLS_SIG_RSA_PSS_RSAE_SHA512, SIG_RSA_PSS_RSAE, 512, 0},
    {TLS_SIG_RSA_PSS_PSS_SHA256, SIG_RSA_PSS_PSS, 256, 0},
    {TLS_SIG_RSA_PSS_PSS_SHA384, SIG_RSA_PSS_PSS, 384, 0},
    {TLS_SIG_RSA_PSS_PSS_SHA512, SIG_RSA_PSS_PSS, 512, 0},
    {TLS_SIG_ED25519, SIG_ED25519, 0, 0},
    /* TLS 1.2 only (rfc8446#4.2.3: not for TLS 1.3 handshake signatures). */
    {TLS_SIG_RSA_PKCS1_SHA256, SIG_RSA_PKCS1, 256, 0},
    {TLS_SIG_RSA_PKCS1_SHA384, SIG_RSA_PKCS1, 384, 0},
    {TLS_SIG_RSA_PKCS1_SHA512, SIG_RSA_PKCS1, 512, 0},
};

static const scheme_info *find_scheme(uint16_t id)
{
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (schemes[i].id == id)
            return &schemes[i];
    return NULL;
}

static int key_curve_nid(EVP_PKEY *key)
{
    char name[64];
    size_t len = 0;
    if (EVP_PKEY_get_group_name(key, name, sizeof name, &len) != 1)
        return NID_undef;
    int nid = OBJ_sn2nid(name);
    if (nid == NID_undef)
        nid = EC_curve_nist2nid(name);
    return nid;
}

typedef struct key_facts {
    tls_key_kind kind;
    int curve_nid;
    int size;
    int pss_hash_bits; /* RSA-PSS key restricted to one hash (rfc4055#3.1), else 0 */
    int pss_min_salt;  /* and to salts of at least this many bytes */
} key_facts;

/* rfc4055#3.1: an RSASSA-PSS key's parameters may bind it to one hash and
 * a minimum salt length; a signature under another scheme is then one
 * libcrypto refuses to make or check, so such a scheme does not fit. */
static void ask_pss_restriction(EVP_PKEY *key, key_facts *f)
{
    char md_name[64];
    int salt = 0;
    f->pss_hash_bits = 0;
    f->pss_min_salt = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_RSA_DIGEST, md_name, sizeof md_name, NULL) != 1)
        return;
    EVP_MD *md = EVP_MD_fetch(NULL, md_name, NULL);
    /* A hash we cannot name fits no scheme: -1 matches none. */
    f->pss_hash_bits = md != NULL ? EVP_MD_get_size(md) * 8 : -1;
    EVP_MD_free(md);
    if (EVP_PKEY_get_int_param(key, OSSL_PKEY_PARAM_RSA_PSS_SALTLEN, &salt) == 1 && salt > 0)
        f->pss_min_salt = salt;
}

static void ask_facts(EVP_PKEY *key, key_facts *f)
{
    f->curve_nid = NID_undef;
    f->kind = EVP_PKEY_is_a(key, "EC")        ? TLS_KEY_EC
              : EVP_PKEY_is_a(key, "RSA")     ? TLS_KEY_RSA
              : EVP_PKEY_is_a(key, "RSA-PSS") ? TLS_KEY_RSA_PSS
              : EVP_PKEY_is_a(key, "ED25519") ? TLS_KEY_ED25519
                                              : TLS_KEY_OTHER;
    if (f->kind == TLS_KEY_EC)
        f->curve_nid = key_curve_nid(key);
    f->size = EVP_PKEY_get_size(key);
    f->pss_hash_bits = 0;
    f->pss_min_salt = 0;
    if (f->kind == TLS_KEY_RSA_PSS)
        ask_pss_restriction(key, f);
}

static int noted_facts(EVP_PKEY *key, key_facts *f);

static void facts_of(EVP_PKEY *key, key_facts *f)
{
    if (!noted_facts(key, f))
        ask_facts(key, f);
}

tls_key_kind tls_key_kind_of(EVP_PKEY *key, int *curve_nid)
{
    key_facts f;
    facts_of(key, &f);
    if (curve_nid != NULL)
        *curve_nid = f.curve_nid;
    return f.kind;
}

/* The TLS group of an EC key's curve, or 0 for other keys and curves. */
uint16_t tls_ec_key_group(EVP_PKEY *key)
{
    int nid = NID_undef;
    if (tls_key_kind_of(key, &nid) != TLS_KEY_EC)
        return 0;
    switch (nid) {
    case NID_X9_62_prime256v1:
        return TLS_GROUP_SECP256R1;
    case NID_secp384r1:
        return TLS_GROUP_SECP384R1;
    case NID_secp521r1:
        return TLS_GROUP_SECP521R1;
    }
    return 0;
}

/* rfc5246#7.4.2: "The end entity certificate's public key ... MUST be
 * compatible with the selected key exchange algorithm": RSA for
 * ECDHE_RSA and RSA key transport, EC or Ed25519 for ECDHE_ECDSA
 * (rfc8422#5.3: "ECDSA- or EdDSA-capable public key"; the signature is
 * then scheme ed25519 over the params, no pre-hash, rfc8422#5.4). */
int tls12_key_fits_suite(EVP_PKEY *key, const tls_suite *s)
{
    tls_key_kind kind = tls_key_kind_of(key, NULL);
    if (s->auth == TLS_AUTH_ECDSA)
        return kind == TLS_KEY_EC || kind == TLS_KEY_ED25519;
    if (s->auth == TLS_AUTH_RSA)
        return kind == TLS_KEY_RSA || (s->kx == TLS_KX_ECDHE && kind == TLS_KEY_RSA_PSS);
    return 0;
}

/* tls12: rfc5246#7.4.1.4.1 names a hash and a signature algorithm, so an
 * ECDSA scheme fits any curve and rsa_pkcs1 is allowed. */
static int fits_facts(const key_facts *f, const scheme_info *s, int tls12)
{
    if (s == NULL)
        return 0;
    switch (s->kind) {
    case SIG_ECDSA:
        return f->kind == TLS_KEY_EC && (tls12 || f->curve_nid == s->curve_nid);
    case SIG_RSA_PKCS1:
        return tls12 && f->kind == TLS_KEY_RSA;
    case SIG_RSA_PSS_RSAE:
    case SIG_RSA_PSS_PSS:
        /* rfc8446#4.2.3: rsae for rsaEncryption keys, pss for RSASSA-PSS
         * keys. PSS needs emLen >= hLen + sLen + 2 with sLen = hLen. */
        return f->kind == (s->kind == SIG_RSA_PSS_RSAE ? TLS_KEY_RSA : TLS_KEY_RSA_PSS)
               && f->size >= 2 * (s->hash_bits / 8) + 2
               && (f->pss_hash_bits == 0 || f->pss_hash_bits == s->hash_bits)
               && f->pss_min_salt <= s->hash_bits / 8;
    case SIG_ED25519:
        return f->kind == TLS_KEY_ED25519;
    }
    return 0;
}

static int fits_version(EVP_PKEY *key, const scheme_info *s, int tls12)
{
    key_facts f;
    if (key == NULL || s == NULL)
        return 0;
    facts_of(key, &f);
    return fits_facts(&f, s, tls12);
}

static int fits(EVP_PKEY *key, const scheme_info *s) { return fits_version(key, s, 0); }

int tls_sig_scheme_fits_key(EVP_PKEY *key, uint16_t scheme)
{
    return fits(key, find_scheme(scheme));
}

int tls_sig_scheme_in13(uint16_t scheme)
{
    const scheme_info *s = find_scheme(scheme);
    return s != NULL && s->kind != SIG_RSA_PKCS1;
}

int tls12_sig_scheme_fits_key(EVP_PKEY *key, uint16_t scheme)
{
    return fits_version(key, find_scheme(scheme), 1);
}

static uint16_t choose(EVP_PKEY *key, const uint16_t *ours, size_t n_ours, const uint16_t *peer,
                       size_t n_peer, int tls12)
{
    key_facts f;
    if (key == NULL)
        return 0;
    facts_of(key, &f);
    for (size_t i = 0; i < n_ours; i++)
        for (size_t j = 0; j < n_peer; j++)
            if (ours[i] == peer[j] && fits_facts(&f, find_scheme(ours[i]), tls12))
                return ours[i];
    return 0;
}

uint16_t tls_sig_choose(EVP_PKEY *key, const uint16_t *ours, size_t n_ours,
                        const uint16_t *peer, size_t n_peer)
{
    return choose(key, ours, n_ours, peer, n_peer, 0);
}

uint16_t tls12_sig_choose(EVP_PKEY *key, const uint16_t *ours, size_t n_ours,
                          const uint16_t *peer, size_t n_peer)
{
    return choose(key, ours, n_ours, peer, n_peer, 1);
}

static const char *scheme_name(uint16_t id, char *buf, size_t size)
{
    const char *name = tls_sigscheme_name(id);
    if (name != NULL)
        return name;
    snprintf(buf, size, "0x%04x", id);
    return buf;
}

/* Sets up ctx for signing or verifying with scheme s. */
static int digest_init(EVP_MD_CTX *ctx, EVP_PKEY *key, const scheme_info *s, int sign)
{
    const EVP_MD *md = s->hash_bits ? tls_crypto_sha(s->hash_bits) : NULL;
    EVP_PKEY_CTX *pctx = NULL;
    if (s->hash_bits && md == NULL)
        return -1;
    int ok = sign ? EVP_DigestSignInit(ctx, &pctx, md, NULL, key)
                  : EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key);
    if (ok != 1)
        return -1;
    if (s->kind == SIG_RSA_PSS_RSAE || s->kind == SIG_RSA_PSS_PSS) {
        /* rfc8446#4.2.3: "The length of the Salt MUST be equal to the length
         * of the output of the digest algorithm", MGF1 with the same hash. */
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1
            || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1
            || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1)
            return -1;
    }
    return 0;
}

/* Prepared verification contexts, kept for reuse: EVP_DigestVerifyInit
 * fetches the digest and signature algorithms and builds a key context on
 * every call (about 25 k instructions). A context made once per (public
 * key, scheme) with EVP_PKEY_verify_init and the scheme's parameters is
 * duplicated per use instead, and verifies the digest of msg: the same
 * check (rfc8446#4.4.3: the signature over the hash of the content), only
 * the hashing moves out of libcrypto's signature code. A client meets the
 * same public key again through the certificate cache
 * (pki/tls_cert_cache.c), which hands out the same EVP_PKEY. The cache
 * holds a reference to each key, so its address cannot name another key
 * while the entry lives; it holds only public keys and never a result.
 * Taken under a lock like the contexts of tls_kex.c; round-robin
 * replacement; they live as long as the process. Ed25519 hashes inside the
 * signature and keeps EVP_DigestVerify. */
#define VERIFY_SLOTS 8
typedef struct verify_slot {
    EVP_PKEY *key;
    uint16_t scheme;
    EVP_PKEY_CTX *ctx;
    key_facts facts; /* what the key is, for the scheme checks */
} verify_slot;
static verify_slot verify_cache[VERIFY_SLOTS];
static size_t verify_next;
static CRYPTO_RWLOCK *verify_lock;
static CRYPTO_ONCE verify_once = CRYPTO_ONCE_STATIC_INIT;

static void verify_init_lock(void)
{
    verify_lock = CRYPTO_THREAD_lock_new();
}

/* A signing or verification context for key and s, its parameters set. */
static EVP_PKEY_CTX *prepared_new(EVP_PKEY *key, const scheme_info *s, int sign)
{
    const EVP_MD *md = tls_crypto_sha(s->hash_bits);
    EVP_PKEY_CTX *ctx = md != NULL ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL) : NULL;
    int ok = ctx != NULL && (sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) == 1;
    if (ok && (s->kind == SIG_RSA_PSS_RSAE || s->kind == SIG_RSA_PSS_PSS))
        /* rfc8446#4.2.3: "The length of the Salt MUST be equal to the
         * length of the output of the digest algorithm", MGF1 with the
         * same hash. */
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1
             && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1
             && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1;
    else if (ok && s->kind == SIG_RSA_PKCS1)
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
    ok = ok && EVP_PKEY_CTX_set_signature_md(ctx, md) == 1;
    if (!ok) {
        EVP_PKEY_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

static int has_private(EVP_PKEY *key)
{
    BIGNUM *d = NULL;
    int has = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1
              || EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_D, &d) == 1;
    BN_clear_free(d);
    ERR_clear_error();
    return has;
}

/* A context of the caller's own, duplicated from the kept one. */
static EVP_PKEY_CTX *prepared_take(EVP_PKEY *key, const scheme_info *s)
{
    EVP_PKEY_CTX *ctx = NULL;
    if (!CRYPTO_THREAD_run_once(&verify_once, verify_init_lock) || verify_lock == NULL
        || !CRYPTO_THREAD_write_lock(verify_lock))
        return prepared_new(key, s, 0);
    for (size_t i = 0; i < VERIFY_SLOTS; i++) {
        verify_slot *e = &verify_cache[i];
        if (e->key == key && e->scheme == s->id) {
            ctx = EVP_PKEY_CTX_dup(e->ctx);
            CRYPTO_THREAD_unlock(verify_lock);
            return ctx;
        }
    }
    CRYPTO_THREAD_unlock(verify_lock);
    EVP_PKEY_CTX *kept = prepared_new(key, s, 0);
    /* A key with its private half (tls.internal's verify reads one) is
     * not kept: a secret must not outlive its owner's free. */
    if (kept != NULL && has_private(key)) {
        ctx = kept;
        kept = NULL;
    }
    if (kept == NULL || (ctx = EVP_PKEY_CTX_dup(kept)) == NULL || EVP_PKEY_up_ref(key) != 1) {
        EVP_PKEY_CTX_free(kept);
        return ctx;
    }
    EVP_PKEY *old_key = NULL;
    EVP_PKEY_CTX *old_ctx = kept;
    key_facts facts;
    ask_facts(key, &facts);
    if (CRYPTO_THREAD_write_lock(verify_lock)) {
        verify_slot *e = &verify_cache[verify_next];
        verify_next = (verify_next + 1) % VERIFY_SLOTS;
        old_key = e->key;
        old_ctx = e->ctx;
        e->key = key;
        e->scheme = s->id;
        e->ctx = kept;
        e->facts = facts;
        CRYPTO_THREAD_unlock(verify_lock);
    } else {
        old_key = key;
    }
    EVP_PKEY_CTX_free(old_ctx);
    EVP_PKEY_free(old_key);
    return ctx;
}

static int verify_prehashed(EVP_PKEY *key, const scheme_info *s, const uint8_t *msg, size_t len,
                            const uint8_t *sig, size_t sig_len, int *bad)
{
    uint8_t hash[EVP_MAX_MD_SIZE];
    unsigned int hash_len = 0;
    const EVP_MD *md = tls_crypto_sha(s->hash_bits);
    *bad = 0;
    if (md == NULL || EVP_Digest(msg, len, hash, &hash_len, md, NULL) != 1)
        return -1;
    EVP_PKEY_CTX *ctx = prepared_take(key, s);
    if (ctx == NULL)
        return -1;
    /* 0 is a bad signature, a negative value a malformed one: both fail. */
    *bad = EVP_PKEY_verify(ctx, sig, sig_len, hash, hash_len) != 1;
    EVP_PKEY_CTX_free(ctx);
    return 0;
}

/* Prepared signing contexts for the private keys a configuration holds
 * (pki/tls_config.c keeps them with tls_sig_keep and drops them with
 * tls_sig_forget before it frees the key, so no secret outlives its
 * owner): EVP_DigestSignInit per CertificateVerify costs as much as its
 * verifying twin. Per kept key, one context per scheme, made on first use
 * and duplicated per signature; the signature is over the content's digest
 * as EVP_DigestSign's. Keys nobody kept (tls.internal's, a hook's) take
 * EVP_DigestSign. Same lock and lifetime as the verification contexts. */
#define SIGN_KEYS 16
#define N_SCHEMES (sizeof schemes / sizeof schemes[0])
typedef struct sign_slot {
    EVP_PKEY *key;
    key_facts facts;
    EVP_PKEY_CTX *ctx[N_SCHEMES];
} sign_slot;
static sign_slot sign_keys[SIGN_KEYS];

static int lock_ready(void)
{
    return CRYPTO_THREAD_run_once(&verify_once, verify_init_lock) && verify_lock != NULL;
}

void tls_sig_keep(EVP_PKEY *key)
{
    key_facts facts;
    if (key == NULL || !lock_ready())
        return;
    ask_facts(key, &facts);
    if (!CRYPTO_THREAD_write_lock(verify_lock))
        return;
    for (size_t i = 0; i < SIGN_KEYS; i++) {
        if (sign_keys[i].key == key)
            break;
        if (sign_keys[i].key == NULL) {
            if (EVP_PKEY_up_ref(key) == 1) {
                sign_keys[i].key = key;
                sign_keys[i].facts = facts;
            }
            break;
        }
    }
    CRYPTO_THREAD_unlock(verify_lock);
}

/* A kept key's facts, noted when it was kept (a configuration's private
 * key) or when a verification context was prepared for it (a peer's key,
 * met again through the certificate cache): the slot's reference keeps
 * its address from naming another key meanwhile. */
static int noted_facts(EVP_PKEY *key, key_facts *f)
{
    int found = 0;
    if (!lock_ready() || !CRYPTO_THREAD_read_lock(verify_lock))
        return 0;
    for (size_t i = 0; i < SIGN_KEYS && !found; i++)
        if (sign_keys[i].key == key) {
            *f = sign_keys[i].facts;
            found = 1;
        }
    for (size_t i = 0; i < VERIFY_SLOTS && !found; i++)
        if (verify_cache[i].key == key) {
            *f = verify_cache[i].facts;
            found = 1;
        }
    CRYPTO_THREAD_unlock(verify_lock);
    return found;
}

void tls_sig_forget(EVP_PKEY *key)
{
    sign_slot gone = {0};
    if (key == NULL || !lock_ready() || !CRYPTO_THREAD_write_lock(verify_lock))
        return;
    for (size_t i = 0; i < SIGN_KEYS; i++) {
        if (sign_keys[i].key == key) {
            gone = sign_keys[i];
            memset(&sign_keys[i], 0, sizeof sign_keys[i]);
            break;
        }
    }
    CRYPTO_THREAD_unlock(verify_lock);
    for (size_t j = 0; j < N_SCHEMES; j++)
        EVP_PKEY_CTX_free(gone.ctx[j]);
    EVP_PKEY_free(gone.key);
}

/* A signing context for key and s of the caller's own; NULL if the key
 * is not kept (or on failure: the caller then signs the slow way). */
static EVP_PKEY_CTX *sign_take(EVP_PKEY *key, const scheme_info *s)
{
    size_t si = (size_t)(s - schemes);
    EVP_PKEY_CTX *ctx = NULL;
    if (!lock_ready() || !CRYPTO_THREAD_write_lock(verify_lock))
        return NULL;
    for (size_t i = 0; i < SIGN_KEYS; i++) {
        sign_slot *e = &sign_keys[i];
        if (e->key != key)
            continue;
        if (e->ctx[si] == NULL)
            e->ctx[si] = prepared_new(key, s, 1);
        if (e->ctx[si] != NULL)
            ctx = EVP_PKEY_CTX_dup(e->ctx[si]);
        break;
    }
    CRYPTO_THREAD_unlock(verify_lock);
    return ctx;
}

/* Signs the digest of msg with a prepared context; 1 if it did, 0 if the
 * key is not kept, -1 on failure. */
static int sign_prehashed(EVP_PKEY *key, const scheme_info *s, const uint8_t *msg, size_t len,
                          tls_buf *out)
{
    if (s->hash_bits == 0)
        return 0;
    EVP_PKEY_CTX *ctx = sign_take(key, s);
    if (ctx == NULL)
        return 0;
    uint8_t hash[EVP_MAX_MD_SIZE];
    unsigned int hash_len = 0;
    size_t max = 0, sig_len = 0, start = out->len;
    int rc = -1;
    /* The key's cached maximum: asking EVP_PKEY_sign for it makes ECDSA
     * encode a dummy signature (eight allocations). */
    int size = EVP_PKEY_get_size(key);
    max = size > 0 ? (size_t)size : 0;
    if (EVP_Digest(msg, len, hash, &hash_len, tls_crypto_sha(s->hash_bits), NULL) != 1
        || (max == 0 && EVP_PKEY_sign(ctx, NULL, &max, hash, hash_len) != 1))
        goto done;
    uint8_t *dst = tls_buf_extend(out, max);
    if (dst == NULL)
        goto done;
    sig_len = max;
    if (EVP_PKEY_sign(ctx, dst, &sig_len, hash, hash_len) != 1 || sig_len > max) {
        out->len = start;
        goto done;
    }
    /* ECDSA signatures are shorter than the maximum as often as not. */
    out->len = start + sig_len;
    rc = 1;
done:
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

/* what names the signed message ("ServerKeyExchange", "CertificateVerify")
 * for the failure messages. */
static int sign_as(EVP_PKEY *key, uint16_t scheme, const uint8_t *msg, size_t len, tls_buf *out,
                   int tls12, const char *what, tls_error *err)
{
    const scheme_info *s = find_scheme(scheme);
    char buf[16];
    char doing[48];
    snprintf(doing, sizeof doing, "signing %s", what);
    if (!fits_version(key, s, tls12))
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR,
                        "signature scheme %s cannot be used with our %s key",
                        scheme_name(scheme, buf, sizeof buf), EVP_PKEY_get0_type_name(key));

    int prepared = sign_prehashed(key, s, msg, len, out);
    if (prepared < 0)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR,
                               doing);
    if (prepared > 0)
        return 0;

    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t max = 0, sig_len = 0;
    size_t start = out->len;
    int rc = -1;
    if (ctx == NULL || digest_init(ctx, key, s, 1) != 0
        || EVP_DigestSign(ctx, NULL, &max, msg, len) != 1) {
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, doing);
        goto done;
    }
    uint8_t *dst = tls_buf_extend(out, max);
    if (dst == NULL) {
        tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "out of memory signing %s", what);
        goto done;
    }
    sig_len = max;
    if (EVP_DigestSign(ctx, dst, &sig_len, msg, len) != 1 || sig_len > max) {
        out->len = start;
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, doing);
        goto done;
    }
    /* ECDSA signatures are shorter than the maximum as often as not. */
    out->len = start + sig_len;
    rc = 0;
done:
    EVP_MD_CTX_free(ctx);
    return rc;
}

static int verify_as(EVP_PKEY *key, uint16_t scheme, const uint8_t *msg, size_t len,
                     const uint8_t *sig, size_t sig_len, int tls12, const char *what, tls_error *err)
{
    const scheme_info *s = find_scheme(scheme);
    char buf[16];
    char doing[48];
    snprintf(doing, sizeof doing, "verifying %s", what);
    /* rfc8446#4.4.3: "If the CertificateVerify message is sent by a server,
     * the signature algorithm MUST be one offered in the client's
     * "signature_algorithms" extension" - and it must fit the key. */
    if (!fits_version(key, s, tls12))
        return tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "signature scheme %s in %s does not fit the %s key of the certificate",
                        scheme_name(scheme, buf, sizeof buf), what,
                        key ? EVP_PKEY_get0_type_name(key) : "missing");

    if (s->hash_bits != 0) {
        int bad = 0;
        if (verify_prehashed(key, s, msg, len, sig, sig_len, &bad) != 0)
            return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR,
                                   doing);
        if (bad) {
            ERR_clear_error();
            return tls_fail(err, TLS_ALERT_DECRYPT_ERROR, "signature in %s does not verify", what);
        }
        return 0;
    }

    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = -1;
    if (ctx == NULL || digest_init(ctx, key, s, 0) != 0) {
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, doing);
        goto done;
    }
    /* 0 is a bad signature, a negative value a malformed one: both fail. */
    if (EVP_DigestVerify(ctx, sig, sig_len, msg, len) != 1) {
        ERR_clear_error();
        tls_fail(err, TLS_ALERT_DECRYPT_ERROR, "signature in %s does not verify", what);
        goto done;
    }
    rc = 0;
done:
    EVP_MD_CTX_free(ctx);
    return rc;
}

int tls_sig_sign(EVP_PKEY *key, uint16_t scheme, const uint8_t *msg, size_t len, tls_buf *out,
                 tls_error *err)
{
    return sign_as(key, scheme, msg, len, out, 0, "CertificateVerify", err);
}

int tls12_sig_sign(EVP_PKEY *key, uint16_t scheme, const uint8_t *msg, size_t len, tls_buf *out,
                   const char *what, tls_error *err)
{
    return sign_as(key, scheme, msg, len, out, 1, what, err);
}

int tls_sig_verify(EVP_PKEY *key, uint16_t scheme, const uint8_t *msg, size_t len,
                   const uint8_t *sig, size_t sig_len, tls_error *err)
{
    return verify_as(key, scheme, msg, len, sig, sig_len, 0, "CertificateVerify", err);
}

int tls12_sig_verify(EVP_PKEY *key, uint16_t scheme, const uint8_t *msg, size_t len,
                     const uint8_t *sig, size_t sig_len, const char *what, tls_error *err)
{
    return verify_as(key, scheme, msg, len, sig, sig_len, 1, what, err);
}
