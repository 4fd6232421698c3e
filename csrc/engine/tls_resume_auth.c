/* What a session carries of the authentication that made it, and when
 * that authentication is too old or does not fit a context: the time of
 * the certificate check (inherited by every session resumed from it), the
 * peer's signature scheme, and the client certificate we sent. A resumed
 * handshake has no Certificate: without these a session would carry one
 * check for ever (rfc8446#4.6.1), under `sigalgs` that refuse it, or into
 * a context that does not hold the identity it authenticated us with. */
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/tls_crypto.h"
#include "engine/tls_conn_int.h"

/* SHA-256 of a leaf's DER; -1 when it cannot be computed. */
static int leaf_hash(X509 *leaf, uint8_t out[32])
{
    unsigned len = 0;
    const EVP_MD *sha = tls_crypto_sha(256);
    return sha != NULL && X509_digest(leaf, sha, out, &len) == 1 && len == 32 ? 0 : -1;
}

/* The pair of c's config whose leaf has this hash, or NULL. */
static const tls_identity *own_pair(const tls_conn *c, const uint8_t hash[32])
{
    for (size_t i = 0; i < c->cfg->n_ids; i++) {
        uint8_t h[32];
        X509 *leaf = sk_X509_value(c->cfg->ids[i].chain, 0);
        if (leaf != NULL && leaf_hash(leaf, h) == 0 && CRYPTO_memcmp(h, hash, sizeof h) == 0)
            return &c->cfg->ids[i];
    }
    return NULL;
}

void tls_resume_stamp_auth(const tls_conn *c, tls_session *s)
{
    /* A full handshake authenticated now (or when the chain was checked);
     * a resumed one only carries the check of the session it resumed. */
    s->auth_ms = c->auth_ms != 0 ? c->auth_ms : s->created_ms;
    s->peer_sigscheme = c->resumed ? c->session_sigscheme : c->peer_sigscheme;
    s->chain_not_after = c->chain_not_after;
    if (c->is_server)
        return;
    s->has_own_cert = c->own != NULL;
    X509 *leaf = c->own != NULL ? sk_X509_value(c->own->chain, 0) : NULL;
    /* A hash that could not be computed matches no pair: never offered. */
    if (leaf == NULL || leaf_hash(leaf, s->own_cert) != 0)
        memset(s->own_cert, 0, sizeof s->own_cert);
}

void tls_resume_note_auth(tls_conn *c, const tls_session *s)
{
    c->auth_ms = s->auth_ms;
    c->session_sigscheme = s->peer_sigscheme;
    c->chain_not_after = s->chain_not_after;
    if (c->is_server)
        return;
    /* info().client_certificate: the identity the session authenticated
     * us with (tls_resume_auth_misfit made sure we hold it). */
    c->own = s->has_own_cert ? own_pair(c, s->own_cert) : NULL;
}

int tls_resume_sigscheme_misfit(const tls_conn *c, const tls_session *s)
{
    if (s->peer_sigscheme == 0)
        return 0;
    for (size_t i = 0; i < c->pol.n_sigalgs; i++)
        if (c->pol.sigalgs[i] == s->peer_sigscheme)
            return 0;
    return 1;
}

int tls_resume_peer_expired(const tls_conn *c, const tls_session *s, uint64_t now_ms)
{
    if (!c->pol.verify || s->peer_cert.len == 0)
        return 0;
    /* As Go does: a certificate past its notAfter is not vouched for by a
     * session, however recent; a full handshake would refuse it. One that
     * cannot be decoded is not vouched for either. */
    X509 *leaf = tls_cert_cache_get(c->cfg, s->peer_cert.data, s->peer_cert.len);
    time_t t = (time_t)(now_ms / 1000);
    int cmp = leaf != NULL ? X509_cmp_time(X509_get0_notAfter(leaf), &t) : 0;
    X509_free(leaf);
    /* The session keeps the leaf alone: an intermediate or trust anchor
     * that expired since is known by the date kept of the path. */
    return cmp <= 0 || (s->chain_not_after != 0 && s->chain_not_after <= now_ms / 1000);
}

uint64_t tls_resume_chain_not_after(STACK_OF(X509) *verified)
{
    uint64_t earliest = 0;
    for (int i = 0; i < sk_X509_num(verified); i++) {
        struct tm tm;
        if (ASN1_TIME_to_tm(X509_get0_notAfter(sk_X509_value(verified, i)), &tm) != 1)
            return 0;
        time_t t = timegm(&tm);
        if (t <= 0)
            return 0;
        if (earliest == 0 || (uint64_t)t < earliest)
            earliest = (uint64_t)t;
    }
    return earliest;
}

uint64_t tls_resume_auth_age_ms(const tls_session *s, uint64_t now_ms)
{
    return now_ms > s->auth_ms ? now_ms - s->auth_ms : 0;
}

const char *tls_resume_auth_misfit(const tls_conn *c, const tls_session *s, uint64_t now_ms)
{
    /* rfc8446#4.6.1 caps a ticket at 7 days; chained tickets are held to
     * the same from the certificate check they all rest on. */
    if (tls_resume_auth_age_ms(s, now_ms) >= (uint64_t)TLS_MAX_TICKET_LIFETIME * 1000)
        return "the session's certificate check is older than 7 days (604800 s, RFC 8446 4.6.1): a full "
               "handshake checks the certificate again";
    if (tls_resume_peer_expired(c, s, now_ms))
        return "the server's certificate kept in the session, or a certificate of its verified chain, has "
               "expired (notAfter passed)";
    if (tls_resume_sigscheme_misfit(c, s))
        return "the server authenticated the session with a signature scheme not in this config's sigalgs";
    if (s->has_own_cert && own_pair(c, s->own_cert) == NULL)
        return "the session authenticated us with a client certificate this config does not hold";
    return NULL;
}
