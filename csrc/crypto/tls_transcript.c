/* The running transcript hash (rfc8446#4.4.1). The ClientHello is written
 * (client) or read (server) before the cipher suite, and so the hash, is
 * known; until then messages are kept verbatim and hashed once it is. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/tls_crypto.h"

void tls_transcript_init(tls_transcript *t)
{
    t->md = NULL;
    t->ctx = NULL;
    t->snap = NULL;
    t->keep = 0;
    t->have_last = 0;
    tls_buf_init(&t->pending);
}

int tls_transcript_set_hash(tls_transcript *t, const EVP_MD *md, tls_error *err)
{
    if (t->md != NULL) {
        if (t->md == md)
            return 0;
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "transcript hash changed mid-handshake");
    }
    if (!tls_buf_ok(&t->pending))
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "out of memory buffering the transcript");
    t->ctx = EVP_MD_CTX_new();
    if (t->ctx == NULL || EVP_DigestInit_ex2(t->ctx, md, NULL) != 1
        || EVP_DigestUpdate(t->ctx, t->pending.data, t->pending.len) != 1) {
        EVP_MD_CTX_free(t->ctx);
        t->ctx = NULL;
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "starting the transcript hash");
    }
    t->md = md;
    if (!t->keep) {
        tls_buf_clear(&t->pending);
        tls_buf_release_if_empty(&t->pending);
    }
    return 0;
}

int tls_transcript_add(tls_transcript *t, const uint8_t *msg, size_t len, tls_error *err)
{
    if (t->md == NULL) {
        tls_buf_bytes(&t->pending, msg, len);
        if (!tls_buf_ok(&t->pending))
            return tls_fail(err, TLS_ALERT_INTERNAL_ERROR,
                            "out of memory buffering the transcript");
        return 0;
    }
    t->have_last = 0;
    if (EVP_DigestUpdate(t->ctx, msg, len) != 1)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "updating the transcript hash");
    if (t->keep) {
        tls_buf_bytes(&t->pending, msg, len);
        if (!tls_buf_ok(&t->pending))
            return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "out of memory keeping the transcript");
    }
    return 0;
}

void tls_transcript_keep_messages(tls_transcript *t, int keep)
{
    t->keep = keep;
    if (!keep && t->md != NULL) {
        tls_buf_clear(&t->pending);
        tls_buf_release_if_empty(&t->pending);
    }
}

const tls_buf *tls_transcript_messages(const tls_transcript *t) { return &t->pending; }

int tls_transcript_hash(tls_transcript *t, uint8_t *out, tls_error *err)
{
    if (t->md == NULL)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "transcript hash used before it is known");
    /* The same hash is asked twice in a row: after the peer's Finished for
     * the application secrets, then for our own Finished. */
    size_t hlen = (size_t)EVP_MD_get_size(t->md);
    if (t->have_last) {
        memcpy(out, t->last, hlen);
        return 0;
    }
    /* Finalise a copy so that the transcript itself keeps going; the
     * copy's context is kept for the next (EVP_MD_CTX_copy_ex resets it
     * first), a handshake asks some five times per side. */
    if (t->snap == NULL)
        t->snap = EVP_MD_CTX_new();
    int ok = t->snap != NULL && EVP_MD_CTX_copy_ex(t->snap, t->ctx) == 1
             && EVP_DigestFinal_ex(t->snap, out, NULL) == 1;
    if (!ok)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "computing the transcript hash");
    if (hlen <= sizeof t->last) {
        memcpy(t->last, out, hlen);
        t->have_last = 1;
    }
    return 0;
}

int tls_transcript_hrr_rewrite(tls_transcript *t, tls_error *err)
{
    /* rfc8446#4.4.1: "the value of ClientHello1 is replaced with a special
     * synthetic handshake message of handshake type "message_hash"
     * containing Hash(ClientHello1)":
     *   Transcript-Hash(ClientHello1, HelloRetryRequest, ... Mn) =
     *     Hash(message_hash ||        (Handshake type)
     *          00 00 Hash.length  ||  (Handshake message length (bytes))
     *          Hash(ClientHello1) ||  (Hash of ClientHello1)
     *          HelloRetryRequest  || ... || Mn) */
    uint8_t msg[TLS_HS_HEADER_LEN + TLS_MAX_HASH_LEN];
    if (tls_transcript_hash(t, msg + TLS_HS_HEADER_LEN, err) != 0)
        return -1;
    int hlen = EVP_MD_get_size(t->md);
    msg[0] = TLS_HS_MESSAGE_HASH;
    msg[1] = 0;
    msg[2] = 0;
    msg[3] = (uint8_t)hlen;
    t->have_last = 0;
    int ok = EVP_DigestInit_ex2(t->ctx, t->md, NULL) == 1
             && EVP_DigestUpdate(t->ctx, msg, TLS_HS_HEADER_LEN + (size_t)hlen) == 1;
    OPENSSL_cleanse(msg, sizeof msg);
    if (!ok)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR,
                               "restarting the transcript after HelloRetryRequest");
    return 0;
}

void tls_transcript_free(tls_transcript *t)
{
    EVP_MD_CTX_free(t->ctx);
    t->ctx = NULL;
    EVP_MD_CTX_free(t->snap);
    t->snap = NULL;
    t->md = NULL;
    t->have_last = 0;
    tls_buf_free(&t->pending);
}
