/* TLS 1.2 server resumption (rfc5246#7.3, rfc5077, rfc7627#5.3).
 *
 * A session is what a full handshake leaves (master secret, suite, EMS,
 * server name, ALPN, client certificate), sealed under the ticket keys.
 * The same sealed bytes are the rfc5077 ticket the client keeps and the
 * blob the session store keeps under a session id, so neither ever holds a
 * secret in the clear. A session we cannot or may not use means a full
 * handshake, never an error; the one exception is rfc7627#5.3's. */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "hs/tls12_resume_server.h"
#include "util/tls_names.h"

static int has_store(const tls_conn *c)
{
    return c->hooks != NULL && c->hooks->session_get != NULL && c->hooks->session_put != NULL;
}

static int trace_decision(tls_conn *c, const char *result, const char *via, const char *reason)
{
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "decide", "resumption");
    tls_trace_add(&tb, "version", "TLSv1.2");
    tls_trace_add(&tb, "result", "%s", result);
    if (via != NULL)
        tls_trace_add(&tb, "via", "%s", via);
    if (reason != NULL)
        tls_trace_add(&tb, "reason", "%s", reason);
    return tls_trace_emit(c, &tb);
}

/* The session sealed in `sealed`, checked for this ClientHello: 1 usable
 * (*out, on the heap), 0 not usable (why says why), -1 the handshake
 * fails (c->err). */
static int open_session(tls_conn *c, const client_hello *ch, const uint8_t *sealed, size_t len,
                        tls_session **out, char *why, size_t why_size)
{
    tls_config *cfg = c->cfg;
    uint64_t now = tls_config_now_ms(cfg);
    TLS_ERROR_LOCAL(e);
    tls_error_clear(&e);
    tls_buf plain;
    tls_buf_init(&plain);
    tls_session *s = NULL;
    int rc = 0;
    /* Rotation first, so that a key past its time no longer opens. */
    int opened = tls_ticket_keys_prepare(&cfg->ticket_keys, now, &e) == 0
                     ? tls_ticket_open(&cfg->ticket_keys, sealed, len, &plain, &e)
                     : -1;
    if (opened != 1) {
        if (opened == 0)
            snprintf(why, why_size, "not sealed by any of our ticket keys (an unknown or dropped key, or "
                                    "altered bytes)");
        else
            snprintf(why, why_size, "cannot be opened: %.200s", e.reason);
        goto done;
    }
    if (tls_resume_session_new(&s) != 0) {
        snprintf(why, why_size, "out of memory");
        goto done;
    }
    if (tls_session_decode(s, plain.data, plain.len, &e) != 0) {
        snprintf(why, why_size, "%s", e.reason);
        goto done;
    }
    if (s->kind != TLS_SESSION_SERVER || s->version != TLS_VERSION_12 || s->secret_len != 48) {
        snprintf(why, why_size, "not a TLS 1.2 session of a server");
        goto done;
    }
    /* A lifetime shortened since the session was made applies to it too. */
    uint32_t lifetime = s->lifetime_s < c->pol.ticket_lifetime ? s->lifetime_s : c->pol.ticket_lifetime;
    uint64_t age_s = now > s->created_ms ? (now - s->created_ms) / 1000 : 0;
    s->lifetime_s = lifetime;
    if (tls_session_expired(s, now)) {
        snprintf(why, why_size, "expired: made %llu s ago, usable for %lu s",
                 (unsigned long long)age_s, (unsigned long)lifetime);
        goto done;
    }
    /* rfc6066#3: the server "MUST NOT accept the request to resume the
     * session if the server_name extension contains a different name". */
    const char *name = c->server_name != NULL ? c->server_name : "";
    if (!tls_session_name_matches(s->name, name)) {
        snprintf(why, why_size, "made for server name \"%.100s\", this ClientHello names \"%.100s\"", s->name,
                 name);
        goto done;
    }
    /* rfc5246#7.4.1.2: a resumed session keeps its cipher suite, which
     * "MUST" be among those the client offers (and ours to use). */
    const tls_suite *suite = tls_suite_get(s->suite);
    int ours = -1;
    for (size_t i = 0; i < c->pol.n_suites; i++)
        if (c->pol.suites[i] == s->suite)
            ours = (int)i;
    if (suite == NULL || suite->version != TLS_VERSION_12 || ours < 0) {
        snprintf(why, why_size, "its cipher suite %s is not enabled here", suite ? suite->name : "(unknown)");
        goto done;
    }
    if (ours < 0 || !(ch->suites & ((uint32_t)1 << ours))) {
        snprintf(why, why_size, "the client does not offer its cipher suite %s", suite->name);
        goto done;
    }
    /* No CertificateRequest in an abbreviated handshake: the session must
     * already carry what this server insists on. */
    if (c->pol.verify == TLS_VERIFY_REQUIRED && (s->peer_cert.len == 0 || !s->peer_verified)) {
        snprintf(why, why_size, "this server requires a verified client certificate, and the session "
                                "has none");
        goto done;
    }
    /* Pins hold for resumed connections too: a session made by a context
     * that shares our ticket keys but not our pins would skip them. */
    if (s->peer_cert.len > 0 && tls_resume_pin_misfit(cfg, s) != NULL) {
        snprintf(why, why_size, "the session's client certificate does not hold a pinned key");
        goto done;
    }
    /* Its client certificate was verified (or not) under the settings that
     * made the session; under others it is verified afresh. */
    const char *other = s->peer_cert.len > 0 ? tls_resume_settings_misfit(c, s) : NULL;
    if (other != NULL) {
        snprintf(why, why_size, "the session holds a client certificate, and %s", other);
        goto done;
    }
    if (s->peer_cert.len > 0 && tls_resume_sigscheme_misfit(c, s)) {
        snprintf(why, why_size, "the session's client signed with a scheme not in this config's sigalgs");
        goto done;
    }
    if (tls_resume_peer_expired(c, s, now)) {
        snprintf(why, why_size, "the client certificate kept in the session, or a certificate of its verified "
                                "chain, has expired (notAfter passed)");
        goto done;
    }
    /* rfc7627#5.3: "If the original session used the
     * "extended_master_secret" extension but the new ClientHello does not
     * contain it, the server MUST abort the abbreviated handshake." */
    if (s->ems && !ch->ems) {
        rc = tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                      "the client resumes a session made with the extended master secret (RFC 7627) "
                      "without offering it: someone may be replaying or splicing that session");
        goto done;
    }
    /* rfc7627#5.3: "If the original session did not use the
     * "extended_master_secret" extension but the new ClientHello contains
     * the extension, then the server MUST NOT perform the abbreviated
     * handshake." (Neither: the legacy resumption require_ems = false allows.) */
    if (!s->ems && ch->ems) {
        snprintf(why, why_size, "made without the extended master secret, which the client now offers "
                                "(RFC 7627 5.3)");
        goto done;
    }
    *out = s;
    s = NULL;
    rc = 1;
done:
    tls_resume_session_free(&s);
    tls_buf_free(&plain);
    return rc;
}

/* Takes session s for this handshake (rfc5246#7.3's abbreviated one). */
static int resume(tls_conn *c, const client_hello *ch, tls_session *s, const char *via, int renew)
{
    c->session = s;
    c->resumed = 1;
    c->suite = tls_suite_get(s->suite);
    memcpy(c->t12->master, s->secret, sizeof c->t12->master);
    c->t12->ems = s->ems;
    c->t12->ticket_promised = renew;
    /* rfc5246#7.4.1.3 and rfc5077#3.4: the client's session id echoed says
     * "resumed". */
    c->session_id_len = ch->session_id.len;
    if (ch->session_id.len > 0)
        memcpy(c->session_id, ch->session_id.p, ch->session_id.len);
    /* The secret now lives in t12 (wiped with it); a ticket renewal seals
     * the session again first. */
    if (!renew) {
        OPENSSL_cleanse(s->secret, sizeof s->secret);
        s->secret_len = 0;
    }
    if (s->peer_cert.len > 0 && tls_hs_push_peer_certificate(c, s->peer_cert.data, s->peer_cert.len) != 0)
        return -1;
    c->peer_verified = s->peer_verified;
    tls_resume_note_resumed(c, s);
    if (tls_tracing(c)) {
        uint64_t now = tls_config_now_ms(c->cfg);
        tls_trace_builder tb;
        tls_trace_begin(&tb, "decide", "resumption");
        tls_trace_add(&tb, "version", "TLSv1.2");
        tls_trace_add(&tb, "result", "resumed");
        tls_trace_add(&tb, "via", "%s", via);
        tls_trace_add(&tb, "cipher", "%s", c->suite->name);
        tls_trace_add(&tb, "session_age", "%llu s", (unsigned long long)(now > s->created_ms
                                                                             ? (now - s->created_ms) / 1000
                                                                             : 0));
        tls_trace_add(&tb, "extended_master_secret", "%s", s->ems ? "yes" : "no");
        if (renew)
            tls_trace_add(&tb, "ticket", "renewed: it was sealed under a key that is no longer the current one");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    return 1;
}

/* rfc5077#3.4: the ticket in the ClientHello's SessionTicket extension. */
static int try_ticket(tls_conn *c, const client_hello *ch, tls_session **s, int *renew)
{
    char why[TLS_REASON_MAX];
    const uint8_t *p = ch->session_ticket->p;
    size_t len = tls_rd_left(ch->session_ticket);
    int rc = open_session(c, ch, p, len, s, why, sizeof why);
    if (rc == 0)
        return trace_decision(c, "ticket not used", "ticket", why);
    /* Renewing a ticket sealed under an older key moves the client to the
     * current one before its key is dropped. */
    const tls_ticket_keys *ks = &c->cfg->ticket_keys;
    if (rc == 1)
        *renew = ks->n > 0 && CRYPTO_memcmp(ks->keys[0].name, p, TLS_TICKET_KEY_NAME_LEN) != 0;
    return rc < 0 ? -1 : 0;
}

/* rfc5246#7.4.1.2: a session id the session store knows. Whatever goes
 * wrong in the store is a miss. */
static int try_session_id(tls_conn *c, const client_hello *ch, tls_session **s)
{
    tls_buf blob;
    tls_buf_init(&blob);
    c->in_callback = 1;
    int found = c->hooks->session_get(c->hooks_ud, ch->session_id.p, ch->session_id.len, &blob);
    c->in_callback = 0;
    int rc = 0;
    char why[TLS_REASON_MAX];
    if (found != 1 || !tls_buf_ok(&blob))
        rc = trace_decision(c, "session id not used", "session id", "the session store does not have it");
    else if ((rc = open_session(c, ch, blob.data, blob.len, s, why, sizeof why)) == 0)
        rc = trace_decision(c, "session id not used", "session id", why);
    tls_buf_free(&blob);
    return rc < 0 ? -1 : 0;
}

int tls12_resume_server_decide(tls_conn *c, const client_hello *ch)
{
    /* rfc5077#3.2: a SessionTicket extension, empty or not, asks for a
     * ticket; tickets = 0 turns TLS 1.2 tickets off too. */
    int tickets = c->pol.tickets > 0 && ch->session_ticket != NULL;
    tls_session *s = NULL;
    int renew = 0;
    c->session_id_len = 0;
    c->t12->ticket_promised = 0;
    if (ch->session_ticket != NULL && tls_rd_left(ch->session_ticket) > 0) {
        if (!tickets) {
            if (trace_decision(c, "ticket not used", "ticket", "tickets are off (tickets = 0)") != 0)
                return -1;
        } else if (try_ticket(c, ch, &s, &renew) != 0) {
            return -1;
        }
        if (s != NULL)
            return resume(c, ch, s, "ticket", renew);
    }
    /* rfc5077#3.4: "If a ticket is presented by the client, the server
     * MUST NOT attempt to use the Session ID in the ClientHello for
     * stateful session resumption" (with tickets off we ignore the
     * extension, as a server without RFC 5077 would). */
    if (tickets && tls_rd_left(ch->session_ticket) > 0 && ch->session_id.len > 0 && has_store(c)) {
        if (trace_decision(c, "session id not used", "session id",
                           "the client presented a ticket, so its session id is not looked up (RFC 5077 3.4)") != 0)
            return -1;
    } else if (ch->session_id.len > 0 && has_store(c)) {
        if (try_session_id(c, ch, &s) != 0)
            return -1;
        if (s != NULL) {
            c->session_in_store = 1;
            return resume(c, ch, s, "session id", 0);
        }
    }
    /* A full handshake: a new session, as a ticket when the client takes
     * tickets, else under a new session id when there is a store to keep
     * it. Without either the session id stays empty: rfc5246#7.4.1.3, "the
     * session will not be cached and therefore cannot be resumed". */
    const char *issue = "nothing: the client takes no tickets and there is no session store";
    if (tickets) {
        c->t12->ticket_promised = 1;
        issue = "a ticket (RFC 5077)";
    } else if (has_store(c)) {
        if (tls_random(c->session_id, sizeof c->session_id, &c->err) != 0)
            return -1;
        c->session_id_len = sizeof c->session_id;
        issue = "a session id, its session in the session store";
    } else if (c->pol.tickets == 0 && ch->session_ticket != NULL) {
        issue = "nothing: tickets are off (tickets = 0) and there is no session store";
    }
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "decide", "resumption");
        tls_trace_add(&tb, "version", "TLSv1.2");
        tls_trace_add(&tb, "result", "full handshake");
        tls_trace_add(&tb, "issues", "%s", issue);
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    return 0;
}

/* The session of the full handshake that ends, sealed (appended to out). */
static int seal_new_session(tls_conn *c, tls_buf *out, char *why, size_t why_size)
{
    tls_session s;
    tls_session_init(&s);
    tls_buf plain;
    tls_buf_init(&plain);
    TLS_ERROR_LOCAL(e);
    tls_error_clear(&e);
    int rc = -1;
    s.kind = TLS_SESSION_SERVER;
    s.version = TLS_VERSION_12;
    s.suite = c->suite->id;
    memcpy(s.secret, c->t12->master, sizeof c->t12->master);
    s.secret_len = sizeof c->t12->master;
    s.ems = c->t12->ems;
    s.created_ms = tls_config_now_ms(c->cfg);
    s.lifetime_s = c->pol.ticket_lifetime;
    if (c->server_name != NULL)
        snprintf(s.name, sizeof s.name, "%s", c->server_name);
    if (c->alpn_len > 0)
        memcpy(s.alpn, c->alpn, c->alpn_len);
    s.alpn_len = c->alpn_len;
    s.peer_verified = c->peer_verified;
    tls_resume_stamp(c, &s);
    X509 *leaf = c->peer_chain != NULL && sk_X509_num(c->peer_chain) > 0 ? sk_X509_value(c->peer_chain, 0) : NULL;
    if (leaf != NULL) {
        int n = i2d_X509(leaf, NULL);
        uint8_t *der = n > 0 && n <= TLS_SESSION_MAX_PEER_CERT ? tls_buf_extend(&s.peer_cert, (size_t)n) : NULL;
        if (der == NULL || i2d_X509(leaf, &der) != n) {
            snprintf(why, why_size, "the client certificate cannot be kept in a session (over %d bytes)",
                     TLS_SESSION_MAX_PEER_CERT);
            goto done;
        }
    }
    if (tls_session_encode(&s, &plain, &e) != 0 ||
        tls_ticket_keys_prepare(&c->cfg->ticket_keys, s.created_ms, &e) != 0 ||
        tls_ticket_seal(&c->cfg->ticket_keys, plain.data, plain.len, out, &e) != 0) {
        snprintf(why, why_size, "%s", e.reason);
        goto done;
    }
    rc = 0;
done:
    tls_session_wipe(&s);
    tls_buf_free(&plain);
    return rc;
}

/* The resumed session sealed again under the current key (its age and
 * lifetime unchanged: renewal moves keys, it does not extend sessions). */
static int reseal_session(tls_conn *c, tls_buf *out, char *why, size_t why_size)
{
    tls_session *s = c->session;
    tls_buf plain;
    tls_buf_init(&plain);
    TLS_ERROR_LOCAL(e);
    tls_error_clear(&e);
    int rc = 0;
    if (tls_session_encode(s, &plain, &e) != 0 ||
        tls_ticket_keys_prepare(&c->cfg->ticket_keys, tls_config_now_ms(c->cfg), &e) != 0 ||
        tls_ticket_seal(&c->cfg->ticket_keys, plain.data, plain.len, out, &e) != 0) {
        snprintf(why, why_size, "%s", e.reason);
        rc = -1;
    }
    OPENSSL_cleanse(s->secret, sizeof s->secret);
    s->secret_len = 0;
    tls_buf_free(&plain);
    return rc;
}

int tls12_resume_server_send_ticket(tls_conn *c)
{
    tls_buf ticket, msg;
    tls_buf_init(&ticket);
    tls_buf_init(&msg);
    char why[TLS_REASON_MAX] = "";
    uint32_t hint = c->pol.ticket_lifetime;
    int sealed;
    if (c->resumed) {
        /* What is left of the session's lifetime. */
        uint64_t now = tls_config_now_ms(c->cfg);
        uint64_t end = c->session->created_ms + (uint64_t)c->session->lifetime_s * 1000;
        hint = end > now ? (uint32_t)((end - now) / 1000) : 0;
        sealed = reseal_session(c, &ticket, why, sizeof why) == 0;
    } else {
        sealed = seal_new_session(c, &ticket, why, sizeof why) == 0;
    }
    /* rfc5077#3.3: a server that no longer wants to give the ticket it
     * promised "sends a zero-length ticket". */
    if (!sealed || ticket.len > 0xffff) {
        tls_buf_free(&ticket);
        hint = 0;
    }
    size_t off = tls_hs_begin_message(&msg, TLS_HS_NEW_SESSION_TICKET);
    tls_buf_u32(&msg, hint);
    size_t vec = tls_buf_open_block(&msg, 2);
    tls_buf_bytes(&msg, ticket.data, ticket.len);
    tls_buf_close_block(&msg, vec, 2);
    tls_hs_end_message(&msg, off);
    int rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    if (rc == 0)
        c->tickets_sent++;
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "NewSessionTicket");
        tls_trace_add(&tb, "version", "TLSv1.2");
        if (ticket.len > 0) {
            tls_trace_add(&tb, "lifetime_hint", "%lu s", (unsigned long)hint);
            tls_trace_add(&tb, "ticket_bytes", "%zu", ticket.len);
            tls_trace_add(&tb, "ticket", "%s", c->resumed ? "the resumed session, sealed under the current key"
                                                          : "the new session, sealed under the current key");
        } else {
            tls_trace_add(&tb, "ticket", "empty: no ticket after all (%s)", why[0] ? why : "too large");
        }
        rc = tls_trace_emit(c, &tb);
    }
    tls_buf_free(&ticket);
    return rc;
}

/* rfc5246#7.2: after a fatal alert "the session identifier MUST be
 * invalidated, preventing the failed session from being used to establish
 * new connections". A hook already running is not re-entered: the
 * failure may be its own. */
void tls12_resume_server_unstore(tls_conn *c)
{
    if (!c->session_in_store || c->in_callback || c->hooks == NULL || c->hooks->session_delete == NULL)
        return;
    c->session_in_store = 0;
    c->in_callback = 1;
    (void)c->hooks->session_delete(c->hooks_ud, c->session_id, c->session_id_len);
    c->in_callback = 0;
}

int tls12_resume_server_store(tls_conn *c)
{
    if (c->resumed || c->session_id_len == 0 || !has_store(c))
        return 0;
    tls_buf blob;
    tls_buf_init(&blob);
    char why[TLS_REASON_MAX] = "";
    if (seal_new_session(c, &blob, why, sizeof why) == 0) {
        c->in_callback = 1;
        c->hooks->session_put(c->hooks_ud, c->session_id, c->session_id_len, blob.data, blob.len,
                              c->pol.ticket_lifetime);
        c->in_callback = 0;
        c->session_in_store = 1;
    }
    int rc = 0;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "session store");
        tls_trace_add(&tb, "version", "TLSv1.2");
        tls_trace_add_hex(&tb, "session_id", c->session_id, c->session_id_len);
        if (why[0] == 0) {
            tls_trace_add(&tb, "stored", "the sealed session (%zu bytes, for %lu s), handed to the store", blob.len,
                          (unsigned long)c->pol.ticket_lifetime);
        } else {
            tls_trace_add(&tb, "stored", "nothing (%s)", why);
        }
        rc = tls_trace_emit(c, &tb);
    }
    tls_buf_free(&blob);
    return rc;
}
