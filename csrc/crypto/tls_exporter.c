/* Keying-material exporters (rfc8446#7.5, rfc5705). The intermediate
 * secret of TLS 1.3 lives on the stack and is wiped on every path; on
 * failure the output is wiped too. */
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/tls12_crypto.h"
#include "crypto/tls_crypto.h"
#include "crypto/tls_exporter.h"

/* rfc5705#4: "Labels here have the same definition as in TLS, i.e., an
 * ASCII string with no terminating NULL. ... the following labels are
 * reserved and MUST NOT be used": those of rfc5246 and, since rfc7627,
 * "extended master secret". An exporter under one of them would hand the
 * application the Finished values or key-block bytes of the connection. */
static const char *const reserved_labels[] = {
    "client finished", "server finished", "master secret", "key expansion",
    "extended master secret",
};

int tls_export_check(const char *label, size_t label_len, size_t context_len, size_t out_len,
                     tls_error *err)
{
    if (label_len == 0)
        return tls_fail(err, -1, "exporter label is empty");
    if (label_len > TLS_EXPORT_MAX_LABEL)
        return tls_fail(err, -1, "exporter label is %zu bytes (at most %d)", label_len,
                        TLS_EXPORT_MAX_LABEL);
    if (memchr(label, 0, label_len) != NULL)
        return tls_fail(err, -1, "exporter label contains a NUL byte");
    for (size_t i = 0; i < sizeof reserved_labels / sizeof reserved_labels[0]; i++) {
        if (label_len == strlen(reserved_labels[i]) && memcmp(label, reserved_labels[i], label_len) == 0)
            return tls_fail(err, -1,
                            "exporter label '%s' is reserved by the TLS key schedule (RFC 5705)",
                            reserved_labels[i]);
    }
    if (context_len > TLS_EXPORT_MAX_CONTEXT)
        return tls_fail(err, -1, "exporter context is %zu bytes (at most %d)", context_len,
                        TLS_EXPORT_MAX_CONTEXT);
    if (out_len > TLS_EXPORT_MAX_LEN)
        return tls_fail(err, -1, "exporter length must be from 0 to %d bytes (got %zu)",
                        TLS_EXPORT_MAX_LEN, out_len);
    return 0;
}

int tls13_export(const EVP_MD *md, const uint8_t *exporter_secret, const char *label,
                 const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len,
                 tls_error *err)
{
    uint8_t empty_hash[TLS_MAX_HASH_LEN], context_hash[TLS_MAX_HASH_LEN];
    uint8_t secret[TLS_MAX_HASH_LEN];
    int hlen = md ? EVP_MD_get_size(md) : -1;
    if (hlen <= 0 || hlen > TLS_MAX_HASH_LEN)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "exporter: unusable hash");
    if (tls_export_check(label, strlen(label), context_len, out_len, err) != 0)
        return -1;
    /* Zero bytes of HKDF-Expand output are the empty string; libcrypto's
     * KDFs refuse a zero-length key, so nothing is derived (review46b). */
    if (out_len == 0)
        return 0;
    int rc = -1;
    /* rfc8446#7.5: Derive-Secret(Secret, label, "") then
     * HKDF-Expand-Label(., "exporter", Hash(context_value), key_length). */
    if (tls_hash(md, NULL, 0, empty_hash) == 0 &&
        tls_hkdf_expand_label(md, exporter_secret, (size_t)hlen, label, empty_hash, (size_t)hlen,
                              secret, (size_t)hlen) == 0 &&
        tls_hash(md, context, context_len, context_hash) == 0 &&
        tls_hkdf_expand_label(md, secret, (size_t)hlen, "exporter", context_hash, (size_t)hlen, out,
                              out_len) == 0)
        rc = 0;
    OPENSSL_cleanse(secret, sizeof secret);
    if (rc != 0) {
        OPENSSL_cleanse(out, out_len);
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "exporter");
    }
    return 0;
}

int tls12_export(const EVP_MD *md, const uint8_t master[48], const uint8_t client_random[32],
                 const uint8_t server_random[32], const char *label, const uint8_t *context,
                 size_t context_len, int use_context, uint8_t *out, size_t out_len,
                 tls_error *err)
{
    size_t label_len = strlen(label);
    if (tls_export_check(label, label_len, context_len, out_len, err) != 0)
        return -1;
    if (label_len + 2 * 32 + 2 + context_len > TLS12_EXPORT_MAX_SEED)
        return tls_fail(err, -1,
                        "exporter context of %zu bytes is too long for TLS 1.2 with this label "
                        "(label, randoms and context: at most %d bytes)",
                        context_len, TLS12_EXPORT_MAX_SEED);
    /* As in tls13_export: zero bytes of the PRF are the empty string. */
    if (out_len == 0)
        return 0;
    /* rfc5705#4: seed = client_random + server_random, then, with a
     * context, context_value_length (uint16) + context_value. */
    uint8_t seed[2 * 32 + 2];
    size_t seed_len = 2 * 32;
    memcpy(seed, client_random, 32);
    memcpy(seed + 32, server_random, 32);
    if (use_context) {
        seed[seed_len++] = (uint8_t)(context_len >> 8);
        seed[seed_len++] = (uint8_t)context_len;
    }
    return tls12_prf(md, master, TLS12_MASTER_LEN, label, seed, seed_len,
                     use_context ? context : NULL, use_context ? context_len : 0, out, out_len, err);
}
