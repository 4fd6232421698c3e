/* TLS 1.2 resumption on the client.
 *
 *   ClientHello (session id, SessionTicket)  ->
 *   <- ServerHello (our session id echoed), [NewSessionTicket],
 *      ChangeCipherSpec, Finished
 *   ChangeCipherSpec, Finished  ->
 *
 * rfc5246#7.3: a server that resumes answers with the session id the
 * client sent. rfc5077#3.4: with a ticket the client sends a session id
 * of its own making, so that the echo tells it the ticket was taken.
 * Every full or abbreviated TLS 1.2 handshake leaves a session behind
 * (c->new_session): the ticket of its NewSessionTicket and/or the
 * server's session id, with the master secret. */
#include "hs/tls12_resume_client.h"

#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "crypto/tls12_crypto.h"
#include "pki/tls_pin.h"

static int trace_decision(tls_conn *c, const char *result, const char *reason)
{
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "decide", "resumption");
    tls_trace_add(&tb, "version", "TLSv1.2");
    tls_trace_add(&tb, "result", "%s", result);
    if (reason != NULL)
        tls_trace_add(&tb, "reason", "%s", reason);
    return tls_trace_emit(c, &tb);
}

/* Why the session cannot be offered on this connection, or NULL when it
 * can (issue 10's rule: not expired, the same name, a version and suite
 * we offer, verified when we verify). */
static const char *misfit(tls_conn *c, const tls_session *s)
{
    tls_config *cfg = c->cfg;
    const tls_suite *suite = tls_suite_get(s->suite);
    if (c->offered_min > TLS_VERSION_12)
        return "TLS 1.2 is not offered (min_version, or only TLS 1.3 ciphers)";
    if (s->secret_len != TLS12_MASTER_LEN)
        return "the session's master secret is not 48 bytes";
    if (tls_session_expired(s, tls_config_now_ms(cfg)))
        return "the session has expired";
    /* A session carries what was verified for one name: never another's. */
    if (!tls_session_name_matches(s->name, c->server_name ? c->server_name : ""))
        return "the session was made for another server name";
    if (suite == NULL || suite->version != TLS_VERSION_12 ||
        !tls_hello_offered(c->pol.suites, c->pol.n_suites, s->suite))
        return "the session's cipher suite is not in our list";
    /* A resumed handshake carries no certificate: what was verified then
     * stands for now, so an unverified session is no good to a client
     * that verifies. */
    if (c->pol.verify && !s->peer_verified)
        return "the server's certificate was not verified in the session, and we verify";
    /* rfc7627#5.3: a session without the extended master secret is open
     * to the triple handshake attack; a client that requires it does not
     * resume one. */
    if (c->pol.require_ems && !s->ems)
        return "the session was made without the extended master secret (RFC 7627), which we require";
    if (s->ticket.len == 0 && s->session_id_len == 0)
        return "the session has neither a ticket nor a session id";
    if (s->ticket.len > TLS_MAX_OFFERED_TICKET)
        return "the session's ticket is too large for a ClientHello";
    const char *other = tls_resume_settings_misfit(c, s);
    if (other == NULL)
        other = tls_resume_auth_misfit(c, s, tls_config_now_ms(cfg));
    if (other != NULL)
        return other;
    return tls_resume_pin_misfit(cfg, s);
}

int tls12_resume_client_offer(tls_conn *c)
{
    tls_session *s = c->session;
    if (s == NULL || s->version != TLS_VERSION_12)
        return 0;
    const char *why = misfit(c, s);
    if (why != NULL) {
        tls_resume_session_free(&c->session);
        return trace_decision(c, "not offered: full handshake", why);
    }
    if (s->ticket.len > 0) {
        /* rfc5077#3.4: "If the server accepts the ticket and the Session ID
         * is not empty, then it MUST respond with the same Session ID
         * present in the ClientHello." A fresh one (TLS 1.3's compatibility
         * id when TLS 1.3 is offered too) makes the echo mean acceptance. */
        if (c->session_id_len == 0) {
            c->session_id_len = sizeof c->session_id;
            if (tls_random(c->session_id, c->session_id_len, &c->err) != 0)
                return -1;
        }
    } else {
        /* rfc5246#7.4.1.2; with TLS 1.3 offered too, rfc8446#4.1.2: "A
         * client which has a cached session ID set by a pre-TLS 1.3 server
         * SHOULD set this field to that value." */
        memcpy(c->session_id, s->session_id, s->session_id_len);
        c->session_id_len = s->session_id_len;
    }
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "decide", "resumption");
    tls_trace_add(&tb, "version", "TLSv1.2");
    tls_trace_add(&tb, "result", "offered");
    tls_trace_add(&tb, "cipher", "%s", tls_suite_get(s->suite)->name);
    if (s->ticket.len > 0)
        tls_trace_add(&tb, "present", "a ticket of %zu bytes (RFC 5077), with a new random session id", s->ticket.len);
    else
        tls_trace_add(&tb, "present", "the server's session id (%zu bytes)", s->session_id_len);
    return tls_trace_emit(c, &tb);
}

void tls12_resume_client_put_ticket(tls_conn *c, tls_buf *msg)
{
    const tls_session *s = c->session;
    /* rfc5077#3.2: an empty extension asks for a ticket, a full one
     * presents it. Sent whenever TLS 1.2 is offered, as OpenSSL, GnuTLS
     * and browsers do: a server that keeps no session cache can still let
     * us resume. */
    c->ext_sent |= tls_ext_bit(TLS_EXT_SESSION_TICKET);
    tls_buf_u16(msg, TLS_EXT_SESSION_TICKET);
    size_t e = tls_buf_open_block(msg, 2);
    if (s != NULL && s->version == TLS_VERSION_12)
        tls_buf_bytes(msg, s->ticket.data, s->ticket.len);
    tls_buf_close_block(msg, e, 2);
}

int tls12_resume_client_answer(tls_conn *c, const server_hello *sh)
{
    if (c->session == NULL || c->session->version != TLS_VERSION_12)
        return 0;
    /* rfc5246#7.4.1.3: the same session id means the session is resumed;
     * another one (or none) a full handshake. */
    if (sh->session_id.len != 0 && sh->session_id.len == c->session_id_len &&
        memcmp(sh->session_id.p, c->session_id, c->session_id_len) == 0)
        return 1;
    tls_resume_session_free(&c->session);
    return trace_decision(c, "full handshake", "the server did not resume the session we offered (no echo "
                                               "of our session id)") == 0 ? 0 : -1;
}

int tls12_resume_client_server_hello(tls_conn *c, server_hello *sh)
{
    tls12_state *t = c->t12;
    tls_reader *st = tls_hs_find_ext(&sh->exts, TLS_EXT_SESSION_TICKET);
    /* rfc5077#3.2: the server's SessionTicket extension is empty. */
    if (st != NULL && tls_rd_left(st) != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ServerHello SessionTicket extension is not empty");
    t->ticket_expected = st != NULL;
    /* (parse_server_hello refused a longer one; the copy stays in bounds
     * on its own: review33b U1) */
    if (sh->session_id.len > sizeof t->session_id)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ServerHello session id of %zu bytes (at most 32)",
                        sh->session_id.len);
    memcpy(t->session_id, sh->session_id.p, sh->session_id.len);
    t->session_id_len = sh->session_id.len;
    return 0;
}

int tls12_resume_client_check(tls_conn *c, uint16_t suite)
{
    const tls_session *s = c->session;
    /* rfc5246#7.4.1.3: "For resumed sessions, this field is the value from
     * the state of the session being resumed." */
    if (suite != s->suite)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "server resumes our session with cipher suite %s, but the session's is %s",
                        tls_suite_get(suite) ? tls_suite_get(suite)->name : "unknown",
                        tls_suite_get(s->suite)->name);
    /* rfc7627#5.3: "If the original session used the
     * "extended_master_secret" extension but the new ServerHello does not
     * contain the extension, the client MUST abort the handshake"; and so
     * for the reverse. */
    if (s->ems && !c->t12->ems)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "server resumes a session made with the extended master secret without it (RFC 7627)");
    if (!s->ems && c->t12->ems)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "server resumes a session made without the extended master secret with it (RFC 7627)");
    return 0;
}

int tls12_resume_client_begin(tls_conn *c)
{
    const tls_session *s = c->session;
    memcpy(c->t12->master, s->secret, TLS12_MASTER_LEN);
    tls_keylog12_master(c);
    /* No Certificate comes: the peer is who the session says it was. */
    if (s->peer_cert.len > 0 && tls_hs_push_peer_certificate(c, s->peer_cert.data, s->peer_cert.len) != 0)
        return -1;
    c->peer_verified = s->peer_verified;
    tls_resume_note_resumed(c, s);
    c->resumed = 1;
    tls_transcript_keep_messages(&c->transcript, 0);
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "decide", "resumption");
        tls_trace_add(&tb, "version", "TLSv1.2");
        tls_trace_add(&tb, "result", "resumed");
        tls_trace_add(&tb, "reason", "the server echoed our session id: an abbreviated handshake");
        tls_trace_add(&tb, "peer", "the certificate kept in the session (%s)",
                      s->peer_verified ? "verified when the session was made" : "not verified");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
        tls_trace_begin(&tb, "key", "master secret");
        tls_trace_add(&tb, "from", "the session being resumed%s",
                      s->ems ? " (made with the extended master secret)" : "");
        tls_trace_add(&tb, "length", "48 bytes");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
        tls_trace_begin(&tb, "key", "key block");
        tls_trace_add(&tb, "from", "PRF(master, \"key expansion\", server_random + client_random): the new "
                                   "randoms make new keys");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    /* rfc5246#7.3: the server's [NewSessionTicket], ChangeCipherSpec and
     * Finished come first, then ours. */
    c->ccs_expected = 1;
    c->state = ST_CLIENT12_WAIT_CCS;
    return 0;
}

int tls12_resume_client_ticket(tls_conn *c, tls_reader *body)
{
    tls12_state *t = c->t12;
    /* rfc5077#3.3: "The server MUST NOT send this message if it does not
     * include a SessionTicket extension in the ServerHello." */
    if (!t->ticket_expected)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "NewSessionTicket from a server whose ServerHello did not announce one (RFC 5077)");
    if (t->ticket_received)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "expected ChangeCipherSpec, got a second "
                                                               "NewSessionTicket");
    /* rfc5077#3.3: uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>. */
    uint32_t hint = tls_rd_u32(body);
    tls_reader ticket = tls_rd_vec(body, 2);
    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "NewSessionTicket is malformed");
    t->ticket_received = 1;
    t->ticket_lifetime_hint = hint;
    tls_buf_clear(&t->ticket);
    tls_buf_bytes(&t->ticket, ticket.p, ticket.len);
    if (!tls_buf_ok(&t->ticket))
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "receive", "NewSessionTicket");
    tls_trace_add(&tb, "version", "TLSv1.2");
    /* rfc5077#3.3: an empty ticket: the server changed its mind. */
    if (ticket.len == 0)
        tls_trace_add(&tb, "ticket", "none (empty: the server issues no ticket after all)");
    else
        tls_trace_add(&tb, "ticket", "%zu bytes, opaque to us", ticket.len);
    tls_trace_add(&tb, "lifetime_hint", hint ? "%u seconds" : "%u (unspecified)", hint);
    tls_trace_add(&tb, "early_data", "no (TLS 1.2)");
    return tls_trace_emit(c, &tb);
}

int tls12_resume_client_before_ccs(tls_conn *c)
{
    /* rfc5077#3.3: "This message MUST be sent if the server included a
     * SessionTicket extension in the ServerHello." */
    if (c->t12->ticket_expected && !c->t12->ticket_received)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "expected NewSessionTicket, got ChangeCipherSpec");
    return 0;
}

static uint32_t lifetime_of(uint32_t hint)
{
    if (hint == 0)
        return TLS12_SESSION_DEFAULT_LIFETIME;
    return hint > TLS_MAX_TICKET_LIFETIME ? TLS_MAX_TICKET_LIFETIME : hint;
}

/* The session of a full handshake; NULL with *why when there is none
 * (out of memory too: then no session, the handshake goes on). */
static tls_session *session_of_full(tls_conn *c, const char **why)
{
    tls12_state *t = c->t12;
    tls_session *s = NULL;
    *why = "the server gave neither a ticket nor a session id";
    if (t->ticket.len == 0 && t->session_id_len == 0)
        return NULL;
    *why = "out of memory";
    if (tls_resume_session_new(&s) != 0)
        return NULL;
    s->kind = TLS_SESSION_CLIENT;
    s->version = TLS_VERSION_12;
    s->suite = c->suite->id;
    memcpy(s->secret, t->master, TLS12_MASTER_LEN);
    s->secret_len = TLS12_MASTER_LEN;
    s->ems = t->ems;
    s->created_ms = tls_config_now_ms(c->cfg);
    s->lifetime_s = lifetime_of(t->ticket.len > 0 ? t->ticket_lifetime_hint : 0);
    if (c->server_name != NULL)
        snprintf(s->name, sizeof s->name, "%s", c->server_name);
    if (c->alpn_len > 0)
        memcpy(s->alpn, c->alpn, c->alpn_len);
    s->alpn_len = c->alpn_len;
    s->peer_verified = c->peer_verified;
    tls_resume_stamp(c, s);
    tls_buf_bytes(&s->ticket, t->ticket.data, t->ticket.len);
    memcpy(s->session_id, t->session_id, t->session_id_len);
    s->session_id_len = t->session_id_len;
    /* Without its certificate a resumed connection could not show the
     * peer: the leaf goes in, or no session. */
    X509 *leaf = c->peer_chain ? sk_X509_value(c->peer_chain, 0) : NULL;
    int n = leaf ? i2d_X509(leaf, NULL) : 0;
    uint8_t *der = n > 0 && n <= TLS_SESSION_MAX_PEER_CERT ? tls_buf_extend(&s->peer_cert, (size_t)n) : NULL;
    if (der == NULL || i2d_X509(leaf, &der) != n || !tls_buf_ok(&s->ticket)) {
        *why = "the server's certificate could not be kept in it";
        tls_resume_session_free(&s);
    }
    return s;
}

/* The session of an abbreviated handshake: the one resumed, with the new
 * ticket if the server sent one (rfc5077#3.4: else the old ticket may be
 * used again). */
static tls_session *session_of_resumed(tls_conn *c, const char **why)
{
    tls12_state *t = c->t12;
    tls_session *s = c->session;
    c->session = NULL;
    if (c->alpn_len > 0)
        memcpy(s->alpn, c->alpn, c->alpn_len);
    s->alpn_len = c->alpn_len;
    if (t->ticket.len > 0) {
        tls_buf_clear(&s->ticket);
        tls_buf_bytes(&s->ticket, t->ticket.data, t->ticket.len);
        s->created_ms = tls_config_now_ms(c->cfg);
        s->lifetime_s = lifetime_of(t->ticket_lifetime_hint);
        *why = "out of memory";
        if (!tls_buf_ok(&s->ticket))
            tls_resume_session_free(&s);
    }
    return s;
}

int tls12_resume_client_keep(tls_conn *c)
{
    const char *why = NULL;
    tls_session *s = c->resumed ? session_of_resumed(c, &why) : session_of_full(c, &why);
    if (s == NULL)
        return trace_decision(c, "no session kept", why);
    tls_resume_session_free(&c->new_session);
    c->new_session = s;
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "decide", "resumption");
    tls_trace_add(&tb, "version", "TLSv1.2");
    tls_trace_add(&tb, "result", "session kept (conn:session())");
    if (s->ticket.len > 0)
        tls_trace_add(&tb, "present", "a ticket of %zu bytes next time", s->ticket.len);
    else
        tls_trace_add(&tb, "present", "the server's session id (%zu bytes) next time", s->session_id_len);
    tls_trace_add(&tb, "lifetime", "%u seconds", s->lifetime_s);
    return tls_trace_emit(c, &tb);
}
