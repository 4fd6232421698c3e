/* The one seal/open interface, dispatching on the version of the suite
 * each direction was keyed with. */
#include <openssl/crypto.h>

#include "record/tls_protect.h"

int tls_protect_read_tls12(const tls_conn *c) { return tls_protect_is_tls12(&c->rd); }

int tls_protect_seal(tls_conn *c, uint8_t type, const uint8_t *data, size_t n)
{
    /* A new write key that libcrypto could not set up (out of memory)
     * leaves no cipher at all, the old one being gone: nothing can be
     * protected any more, not even the alert that reports it, and nothing
     * may go in the clear instead. */
    if (c->wr.suite == NULL || c->wr.ctx == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "no write key: setting it up failed");
    size_t mark = c->out.len;
    int rc = tls_protect_is_tls12(&c->wr) ? tls12_protect_seal(c, type, data, n)
                                          : tls13_protect_seal(c, type, data, n);
    /* The header and body are placed in out before the cipher runs: a seal
     * that fails (sequence number exhausted, a libcrypto error) must not
     * leave them there, or the peer would get a record of heap bytes ahead
     * of our alert (whose own seal then fails the same way). */
    if (rc != 0 && c->out.len > mark) {
        OPENSSL_cleanse(c->out.data + mark, c->out.len - mark);
        c->out.len = mark;
    }
    return rc;
}

int tls_protect_open(tls_conn *c, const uint8_t *header, const uint8_t *frag, size_t len, uint8_t *dst,
                     uint8_t *type, size_t *pt_len, size_t *room)
{
    if (c->rd.suite == NULL || c->rd.ctx == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "no read key: setting it up failed");
    if (tls_protect_is_tls12(&c->rd))
        return tls12_protect_open(c, header, frag, len, dst, type, pt_len, room);
    return tls13_protect_open(c, header, frag, len, dst, type, pt_len, room);
}
