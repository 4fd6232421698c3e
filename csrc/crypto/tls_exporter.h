/* Keying-material exporters: TLS 1.3 (rfc8446#7.5) from the
 * exporter_master_secret, TLS 1.2 (rfc5705) from the master secret and the
 * hello randoms. Both check their arguments with the same rules, so that a
 * label or length accepted on one version is accepted on the other. */
#ifndef TLS_EXPORTER_H
#define TLS_EXPORTER_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "util/tls_err.h"

/* The most keying material one call exports: HKDF-Expand gives at most
 * 255 * HashLen bytes (rfc5869#2.3), 8160 with SHA-256. */
#define TLS_EXPORT_MAX_LEN (255 * 32)
/* rfc8446#7.1: HkdfLabel.label is "tls13 " + Label, at most 255 bytes. */
#define TLS_EXPORT_MAX_LABEL (255 - 6)
/* rfc5705#4: the context is prefixed with a uint16 length. */
#define TLS_EXPORT_MAX_CONTEXT 0xffff
/* libcrypto's TLS1-PRF takes at most 1024 bytes of label and seed, which
 * bounds a TLS 1.2 context to 1024 - 66 - the label's length. */
#define TLS12_EXPORT_MAX_SEED 1024

/* 0, or -1 with a reason (alert -1: a caller's mistake, nothing is sent)
 * when the label is empty, too long, holds a NUL byte or is one rfc5705
 * reserves, the context is too long, or out_len is above TLS_EXPORT_MAX_LEN.
 * A length of 0 is allowed (neither rfc5705 nor rfc8446#7.5 forbids it): the
 * exporters then write nothing and succeed, after the same checks. */
int tls_export_check(const char *label, size_t label_len, size_t context_len, size_t out_len,
                     tls_error *err);

/* rfc8446#7.5: TLS-Exporter(label, context_value, key_length) =
 *   HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter",
 *                     Hash(context_value), key_length)
 * A missing context is the empty one. label is NUL-terminated (checked). */
int tls13_export(const EVP_MD *md, const uint8_t *exporter_secret, const char *label,
                 const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len,
                 tls_error *err);

/* rfc5705#4: PRF(master, label, client_random + server_random
 * [+ context_value_length + context_value]); use_context tells whether a
 * context was given, since an empty context differs from none here. */
int tls12_export(const EVP_MD *md, const uint8_t master[48], const uint8_t client_random[32],
                 const uint8_t server_random[32], const char *label, const uint8_t *context,
                 size_t context_len, int use_context, uint8_t *out, size_t out_len,
                 tls_error *err);

#endif
