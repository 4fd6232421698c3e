/* Record protection behind one interface, one file per version:
 * TLS 1.3 (tls_protect13.c: inner content type and padding, rfc8446#5.2)
 * and TLS 1.2 (tls_protect12.c: explicit GCM nonce or ChaCha20 nonce, the
 * real content type in the header, rfc5246#6.2.3.3). The version is the
 * one of the suite each direction was keyed with. */
#ifndef TLS_PROTECT_H
#define TLS_PROTECT_H

#include "engine/tls_conn_int.h"

/* Protects n bytes of content type `type` (n at most c->send_limit) as one
 * record appended to c->out. */
int tls_protect_seal(tls_conn *c, uint8_t type, const uint8_t *data, size_t n);
/* Opens the record (header, frag[0..len)) into dst (len bytes of room):
 * *type is its content type, the content is dst[0..*pt_len), and *room the
 * bytes of dst written (to be wiped). Fails with the alert the RFC names. */
int tls_protect_open(tls_conn *c, const uint8_t *header, const uint8_t *frag, size_t len, uint8_t *dst,
                     uint8_t *type, size_t *pt_len, size_t *room);
/* True when the read direction is keyed for TLS 1.2, where every content
 * type but change_cipher_spec is protected. */
int tls_protect_read_tls12(const tls_conn *c);

int tls13_protect_seal(tls_conn *c, uint8_t type, const uint8_t *data, size_t n);
int tls13_protect_open(tls_conn *c, const uint8_t *header, const uint8_t *frag, size_t len, uint8_t *dst,
                       uint8_t *type, size_t *pt_len, size_t *room);
int tls12_protect_seal(tls_conn *c, uint8_t type, const uint8_t *data, size_t n);
int tls12_protect_open(tls_conn *c, const uint8_t *header, const uint8_t *frag, size_t len, uint8_t *dst,
                       uint8_t *type, size_t *pt_len, size_t *room);

static inline int tls_protect_is_tls12(const tls_aead *a)
{
    return a->suite != NULL && a->suite->version == TLS_VERSION_12;
}

#endif
