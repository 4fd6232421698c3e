/* The engine's session API: a client hands back a session to offer and
 * takes the latest one the server gave. What a session holds and how it
 * is encoded is hs/tls_session.c; when it is offered and accepted is the
 * handshake's business (hs/tls13_psk_*.c, hs/tls12_resume_*.c). */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "engine/tls_conn_int.h"
#include "hs/tls13_psk_client.h"
#include "pki/tls_pin.h"

static void session_free(tls_session *s)
{
    if (s == NULL)
        return;
    tls_session_wipe(s);
    OPENSSL_free(s);
}

void tls_resume_forget(tls_conn *c)
{
    session_free(c->session);
    session_free(c->new_session);
    c->session = NULL;
    c->new_session = NULL;
}

/* The last session text a client config decoded, with the decoded session
 * (and the key schedule's values of its PSK): a client that offers the
 * same stored session again and again (each connection to one server)
 * decodes it and derives from its PSK once. Holds the session's secret
 * like the text does; wiped when replaced and with the config. */
struct tls_session_memo {
    char *text;
    size_t len;
    tls_session session;
};

void tls_session_memo_clear(tls_config *cfg)
{
    struct tls_session_memo *m = cfg->session_memo;
    if (m == NULL)
        return;
    tls_session_wipe(&m->session);
    OPENSSL_clear_free(m->text, m->len);
    OPENSSL_free(m);
    cfg->session_memo = NULL;
}

/* Keeps a copy of text and s as the config's memo (out of memory: none). */
static void memo_keep(tls_config *cfg, const char *text, size_t len, const tls_session *s)
{
    tls_session_memo_clear(cfg);
    struct tls_session_memo *m = OPENSSL_malloc(sizeof *m);
    char *copy = OPENSSL_memdup(text, len);
    if (m == NULL || copy == NULL || tls_session_copy(&m->session, s) != 0) {
        OPENSSL_free(m);
        OPENSSL_clear_free(copy, len);
        return;
    }
    m->text = copy;
    m->len = len;
    cfg->session_memo = m;
}

int tls_conn_set_session(tls_conn *c, const char *text, size_t len, char *why, size_t why_size)
{
    if (c->is_server || c->state != ST_CLIENT_START) {
        snprintf(why, why_size, "a session is offered by a client, before its handshake starts");
        return -1;
    }
    tls_session *s = OPENSSL_malloc(sizeof *s);
    if (s == NULL) {
        snprintf(why, why_size, "out of memory");
        return -1;
    }
    struct tls_session_memo *m = c->cfg->session_memo;
    /* The text holds the secret: compared in constant time. */
    if (m != NULL && m->len == len && CRYPTO_memcmp(m->text, text, len) == 0) {
        if (tls_session_copy(s, &m->session) != 0) {
            OPENSSL_free(s);
            snprintf(why, why_size, "out of memory");
            return -1;
        }
    } else {
        TLS_ERROR_LOCAL(err);
        tls_error_clear(&err);
        int rc = tls_session_from_text(s, text, len, &err);
        /* A session kept across an upgrade of luatls: a full handshake,
         * as for any session that does not fit, not an error. */
        if (rc == TLS_SESSION_OLD_FORMAT) {
            session_free(s);
            return 0;
        }
        if (rc != 0 || s->kind != TLS_SESSION_CLIENT) {
            snprintf(why, why_size, "%s", err.set ? err.reason : "session: made by a server, not a client");
            session_free(s);
            return -1;
        }
        /* Failing here only means the offer derives them itself. */
        if (tls13_psk_client_keep_psk_keys(s, &err) != 0)
            tls_error_clear(&err);
        memo_keep(c->cfg, text, len, s);
    }
    session_free(c->session);
    c->session = s;
    return 0;
}

int tls_conn_get_session(const tls_conn *c, tls_buf *out)
{
    if (c->new_session == NULL)
        return 0;
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    return tls_session_to_text(c->new_session, out, &err) == 0 ? 1 : 0;
}

int tls_resume_session_new(tls_session **s)
{
    *s = OPENSSL_malloc(sizeof **s);
    if (*s == NULL)
        return -1;
    tls_session_init(*s);
    return 0;
}

void tls_resume_session_free(tls_session **s)
{
    session_free(*s);
    *s = NULL;
}

const char *tls_resume_pin_misfit(tls_config *cfg, const tls_session *s)
{
    if (cfg->n_pins == 0)
        return NULL;
    X509 *leaf = s->peer_cert.len > 0 ? tls_cert_cache_get(cfg, s->peer_cert.data, s->peer_cert.len) : NULL;
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    int pinned = leaf != NULL && tls_pin_check(cfg, NULL, leaf, &err) == 0;
    X509_free(leaf);
    return pinned ? NULL : "the session's certificate does not hold a pinned key";
}

/* ---- The settings a session's peer was verified under ---------------------- */

/* The settings c verifies under: the anchors and CRLs are the context's
 * (shared, like its store), the rest c's own copy (c->pol). A session is
 * stamped with what verified its peer and offered or accepted only by a
 * connection that verifies the same way, whatever the context says now. */
static void settings_digest(const tls_conn *c, uint8_t out[TLS_VERIFY_DIGEST_LEN])
{
    tls_verify_settings v;
    memcpy(v.trust_digest, c->cfg->trust_digest, sizeof v.trust_digest);
    v.verify = c->pol.verify;
    v.verify_chain_only = c->pol.verify_chain_only;
    v.security_level = c->pol.security_level;
    v.crl_check = c->pol.crl_check;
    v.ocsp = c->pol.ocsp;
    /* Which function judges, not only whether one does: a session checked
     * by one verify function is not resumed under another. The identity
     * taken with the function (c->pol), as the hooks were: a verify
     * function the context was given after this connection was made
     * never judged its peer (review41c). */
    int hook = c->hooks != NULL && c->hooks->verify != NULL;
    tls_config_verify_digest(&v, hook ? c->pol.verify_fn_id : NULL, out, &c->cfg->verify_memo);
}

void tls_resume_stamp(const tls_conn *c, tls_session *s)
{
    if (c->has_peer_settings)
        memcpy(s->verify_digest, c->peer_settings, sizeof s->verify_digest);
    else
        settings_digest(c, s->verify_digest);
    s->has_verify_digest = 1;
    tls_resume_stamp_auth(c, s);
}

void tls_resume_note_verified(tls_conn *c)
{
    settings_digest(c, c->peer_settings);
    c->has_peer_settings = 1;
    c->auth_ms = tls_config_now_ms(c->cfg);
}

void tls_resume_note_resumed(tls_conn *c, const tls_session *s)
{
    /* A session that records none is never resumed where the settings
     * count (tls_resume_settings_misfit); it gets the ones of now. */
    c->has_peer_settings = s->has_verify_digest;
    if (s->has_verify_digest)
        memcpy(c->peer_settings, s->verify_digest, sizeof c->peer_settings);
    tls_resume_note_auth(c, s);
}

const char *tls_resume_settings_misfit(const tls_conn *c, const tls_session *s)
{
    if (!s->has_verify_digest)
        return "the session was made under other verification settings (it records none: made before "
               "sessions did)";
    uint8_t now[TLS_VERIFY_DIGEST_LEN];
    settings_digest(c, now);
    if (memcmp(now, s->verify_digest, sizeof now) != 0)
        return "the session was made under other verification settings (ca, crl, ocsp, security_level, "
               "verify, or the verify function or its verify_id differ)";
    return NULL;
}
