/* (EC)DHE key shares (rfc8446#4.2.8, #7.4) on EVP_PKEY: x25519, secp256r1
 * and secp384r1. Everything the peer sends is checked before use. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "tls_crypto.h"

#define MAX_SHARED_LEN 66

typedef struct group_info {
    uint16_t id;
    const char *name;       /* for messages */
    const char *curve;      /* NULL for x25519 */
    size_t share_len;       /* KeyShareEntry.key_exchange length */
} group_info;

static const group_info groups[] = {
    {TLS_GROUP_X25519, "x25519", NULL, 32},
    /* rfc8446#4.2.8.2: UncompressedPointRepresentation is 1 + 2 * the
     * coordinate length. */
    {TLS_GROUP_SECP256R1, "secp256r1", "P-256", 1 + 2 * 32},
    {TLS_GROUP_SECP384R1, "secp384r1", "P-384", 1 + 2 * 48},
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

int tls_kex_generate(tls_kex *k, uint16_t group, tls_buf *out, tls_error *err)
{
    const group_info *g = find_group(group);
    if (g == NULL)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "key exchange group 0x%04x not supported",
                        group);
    /* A HelloRetryRequest makes us generate again for another group. */
    EVP_PKEY_free(k->priv);
    k->group = group;
    k->priv = g->curve ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", g->curve)
                       : EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    if (k->priv == NULL)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "generating a key share");
    if (g->curve != NULL
        && EVP_PKEY_set_utf8_string_param(k->priv, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                          OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED)
               != 1)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "encoding a key share");

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

/* The peer's public value as an EVP_PKEY, after the checks of
 * rfc8446#4.2.8.2 and #7.4; NULL (with the error recorded) if malformed. */
static EVP_PKEY *peer_key(const group_info *g, const uint8_t *peer, size_t peer_len,
                          tls_error *err)
{
    if (peer_len != g->share_len) {
        tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,
                 "the peer's %s key share is %zu bytes long, expected %zu", g->name, peer_len,
                 g->share_len);
        return NULL;
    }
    if (g->curve == NULL) {
        EVP_PKEY *key = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer, peer_len);
        if (key == NULL)
            tls_fail_crypto(err, TLS_ALERT_ILLEGAL_PARAMETER, "the peer's x25519 key share");
        return key;
    }

    /* rfc8446#4.2.8.2: "the legacy_form MUST be 4" (uncompressed). */
    if (peer[0] != 0x04) {
        tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,
                 "the peer's %s key share is not an uncompressed point", g->name);
        return NULL;
    }
    /* rfc8446#4.2.8.2: "Peers MUST validate each other's public key Y by
     * ensuring that 1 < Y < p-1" - decoding the point checks that it is on
     * the curve, EVP_PKEY_public_check the rest. */
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->curve, 0);
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
        ERR_clear_error();
        tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,
                 "the peer's %s key share is not a valid point on the curve", g->name);
        return NULL;
    }
    return key;
}

int tls_kex_derive(tls_kex *k, const uint8_t *peer, size_t peer_len, uint8_t *out,
                   size_t *out_len, tls_error *err)
{
    const group_info *g = find_group(k->group);
    if (g == NULL || k->priv == NULL)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "key exchange without a key share");
    EVP_PKEY *pkey = peer_key(g, peer, peer_len, err);
    if (pkey == NULL)
        return -1;

    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->priv, NULL);
    size_t len = 0;
    int rc = -1;
    if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, pkey) != 1
        || EVP_PKEY_derive(ctx, NULL, &len) != 1 || len > MAX_SHARED_LEN) {
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key exchange");
        goto done;
    }
    if (EVP_PKEY_derive(ctx, out, &len) != 1) {
        if (g->curve == NULL) {
            /* libcrypto itself refuses an all-zero X25519 result. */
            ERR_clear_error();
            tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,
                     "the peer's x25519 key share gives an all-zero shared secret");
        } else {
            tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "key exchange");
        }
        goto done;
    }
    if (g->curve == NULL) {
        /* rfc8446#7.4.2: "For X25519 and X448, implementations MUST check
         * whether the computed Diffie-Hellman shared secret is the all-zero
         * value and abort if so" */
        static const uint8_t zeros[32];
        if (len != sizeof zeros || CRYPTO_memcmp(out, zeros, sizeof zeros) == 0) {
            OPENSSL_cleanse(out, len);
            tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,
                     "the peer's x25519 key share gives an all-zero shared secret");
            goto done;
        }
    }
    *out_len = len;
    rc = 0;
done:
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return rc;
}

void tls_kex_free(tls_kex *k)
{
    /* EVP_PKEY_free wipes the private key material. */
    EVP_PKEY_free(k->priv);
    k->priv = NULL;
    k->group = 0;
}
