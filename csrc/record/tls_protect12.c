/* TLS 1.2 AEAD record protection (rfc5246#6.2.3.3): the content type stays
 * in the header and goes into the additional data; AES-GCM records start
 * with their explicit nonce (rfc5288#3), ChaCha20-Poly1305 ones do not
 * (rfc7905#2). */
#include <string.h>

#include "record/tls_protect.h"

int tls12_protect_seal(tls_conn *c, uint8_t type, const uint8_t *data, size_t n)
{
    size_t body = tls12_aead_overhead(c->wr.suite) + n;
    uint8_t *p = tls_buf_extend(&c->out, TLS_RECORD_HEADER_LEN + body);
    if (p == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    p[0] = type;
    p[1] = 0x03;
    p[2] = 0x03;
    p[3] = (uint8_t)(body >> 8);
    p[4] = (uint8_t)body;
    return tls12_aead_seal(&c->wr, type, TLS_VERSION_12, data, n, p + TLS_RECORD_HEADER_LEN, &c->err);
}

int tls12_protect_open(tls_conn *c, const uint8_t *header, const uint8_t *frag, size_t len, uint8_t *dst,
                       uint8_t *type, size_t *pt_len, size_t *room)
{
    uint16_t version = (uint16_t)((header[1] << 8) | header[2]);
    size_t n;
    if (tls12_aead_open(&c->rd, header[0], version, frag, len, dst, &n, &c->err) != 0)
        return -1;
    /* rfc5246#6.2.1: "The length MUST NOT exceed 2^14"; rfc8449#4: nor
     * the record_size_limit we advertised and the peer answered. */
    size_t most = c->recv_limit < TLS_MAX_PLAINTEXT ? c->recv_limit : TLS_MAX_PLAINTEXT;
    if (n > most) {
        OPENSSL_cleanse(dst, n);
        return tls_fail(&c->err, TLS_ALERT_RECORD_OVERFLOW,
                        "record of %zu bytes of plaintext (at most %zu allowed)", n, most);
    }
    *type = header[0];
    *pt_len = n;
    *room = n;
    return 0;
}
