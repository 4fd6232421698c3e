/* TLS 1.3 record protection (rfc8446#5.2): the real content type and
 * zero padding inside the encryption, application_data outside. */
#include <string.h>

#include "record/tls_protect.h"

int tls13_protect_seal(tls_conn *c, uint8_t type, const uint8_t *data, size_t n)
{
    size_t tag = c->wr.suite->tag_len;
    size_t inner = n + 1;
    uint8_t *p = tls_buf_extend(&c->out, TLS_RECORD_HEADER_LEN + inner + tag);
    if (p == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    p[0] = TLS_CT_APPLICATION_DATA;
    p[1] = 0x03;
    p[2] = 0x03;
    p[3] = (uint8_t)((inner + tag) >> 8);
    p[4] = (uint8_t)(inner + tag);
    return tls_aead_seal_to(&c->wr, p, TLS_RECORD_HEADER_LEN, data, n, type, p + TLS_RECORD_HEADER_LEN,
                            p + TLS_RECORD_HEADER_LEN + inner, &c->err);
}

int tls13_protect_open(tls_conn *c, const uint8_t *header, const uint8_t *frag, size_t len, uint8_t *dst,
                       uint8_t *type, size_t *pt_len, size_t *room)
{
    size_t full;
    if (tls_aead_open_to(&c->rd, header, TLS_RECORD_HEADER_LEN, frag, len, dst, &full, &c->err) != 0)
        return -1;
    /* rfc8446#5.4: "The length MUST NOT exceed 2^14 + 1 octets" for the
     * whole TLSInnerPlaintext, padding included; rfc8449#4: with a
     * record_size_limit we advertised, "the complete length of
     * TLSInnerPlaintext" is bounded by that limit instead. */
    if (full > c->recv_limit) {
        OPENSSL_cleanse(dst, full);
        return tls_fail(&c->err, TLS_ALERT_RECORD_OVERFLOW,
                        "record of %zu bytes of padded plaintext (at most %zu allowed)", full, c->recv_limit);
    }
    /* rfc8446#5.4: the content type is the last non-zero byte; padding is zeros. */
    size_t n = full;
    while (n > 0 && dst[n - 1] == 0)
        n--;
    int rc = 0;
    uint8_t inner = 0;
    if (n == 0) {
        rc = tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "protected record without a content type");
    } else if ((inner = dst[--n]) == TLS_CT_CHANGE_CIPHER_SPEC) {
        rc = tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "protected change_cipher_spec record");
    } else if (n == 0 && (inner == TLS_CT_ALERT || inner == TLS_CT_HANDSHAKE)) {
        /* rfc8446#5.4: "Implementations MUST NOT send Handshake and Alert
         * records that have a zero-length TLSInnerPlaintext.content; if such
         * a message is received, the receiving implementation MUST terminate
         * the connection with an "unexpected_message" alert." */
        rc = tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "protected %s record with no content",
                      inner == TLS_CT_ALERT ? "alert" : "handshake");
    }
    if (rc != 0) {
        OPENSSL_cleanse(dst, full);
        return -1;
    }
    *type = inner;
    *pt_len = n;
    *room = full;
    return 0;
}
