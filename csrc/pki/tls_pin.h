/* Public key pinning: the peer's chain must hold a key whose
 * SubjectPublicKeyInfo hashes (SHA-256) to one of the context's pins, the
 * pin-sha256 of rfc7469#2.4 and curl's --pinnedpubkey "sha256//...". */
#ifndef TLS_PIN_H
#define TLS_PIN_H

#include <stddef.h>
#include <openssl/x509.h>

#include "pki/tls_config.h"
#include "util/tls_err.h"

/* Adds a pin "sha256/<base64 of 32 bytes>" (curl's "sha256//" also
 * accepted). A malformed pin fails with a message starting "pin: ". */
int tls_config_add_pin(tls_config *c, const char *pin, size_t len, tls_error *err);

/* With pins configured: succeeds when a certificate of candidates has a
 * pinned key, else fails with bad_certificate and the leaf's own pin in
 * the message. candidates is the verified path when libcrypto verified the
 * chain; NULL otherwise, and then only the leaf counts (anyone can send a
 * copy of a CA's certificate, but only the leaf's key signs the
 * handshake). Without pins: 0. */
int tls_pin_check(const tls_config *c, STACK_OF(X509) *candidates, X509 *leaf, tls_error *err);

/* SHA-256 of cert's DER SubjectPublicKeyInfo; 0 or -1. */
int tls_spki_sha256(X509 *cert, unsigned char out[TLS_PIN_LEN]);

/* The pin of cert's key, "sha256/<base64>", into out (at least 52 bytes);
 * returns 0, or -1 when the key cannot be encoded. */
int tls_pin_of(X509 *cert, char *out, size_t size);

#endif
