/* TLS 1.3 client resumption: the session offered in the ClientHello, the
 * binder that proves we hold its PSK, the server's choice, and the
 * sessions its NewSessionTickets give (rfc8446#2.2, #4.2.11, #4.6.1). */
#include "hs/tls13_psk_client.h"

#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "hs/tls_hello.h"
#include "util/tls_names.h"

/* rfc8446#4.2.9: PskKeyExchangeMode values. */
#define PSK_KE 0
#define PSK_DHE_KE 1

static int trace_decision(tls_conn *c, const char *result, const char *reason)
{
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "decide", "resumption");
    tls_trace_add(&tb, "result", "%s", result);
    if (reason != NULL)
        tls_trace_add(&tb, "reason", "%s", reason);
    return tls_trace_emit(c, &tb);
}

/* review40b I2: a TLS 1.3 PSK is tied to a hash, not to a cipher suite
 * (rfc8446#4.2.11: "Each PSK is associated with a single Hash algorithm.
 * For PSKs established via the ticket mechanism, this is the KDF Hash
 * algorithm on the connection where the ticket was established";
 * rfc8446#4.6.1: a ticket is resumed "with a cipher suite that has the
 * same KDF hash algorithm"). A session made with TLS_AES_128_GCM_SHA256
 * resumes under TLS_CHACHA20_POLY1305_SHA256 when only that one is on. */
static int hash_enabled(const tls_conn *c, const EVP_MD *md)
{
    for (size_t i = 0; i < c->pol.n_suites; i++) {
        const tls_suite *s = tls_suite_get(c->pol.suites[i]);
        if (s != NULL && s->version == TLS_VERSION_13 && s->md == md)
            return 1;
    }
    return 0;
}

/* NULL when the session may be offered, else why not (for the trace). */
static const char *unfit_reason(const tls_conn *c, const tls_session *s, uint64_t now_ms)
{
    const tls_suite *suite = tls_suite_get(s->suite);
    if (c->offered_max < TLS_VERSION_13)
        return "TLS 1.3 is not offered by this config (versions or ciphers)";
    if (suite == NULL || suite->version != TLS_VERSION_13 || !hash_enabled(c, suite->md))
        return "no cipher suite in this config's ciphers has the hash of the session's";
    if (s->secret_len != suite->hash_len || s->ticket.len == 0)
        return "the session has no usable ticket";
    /* (with it, the pre_shared_key extension would not fit the ClientHello) */
    if (s->ticket.len > TLS_MAX_OFFERED_TICKET)
        return "the session's ticket is too large for a ClientHello";
    /* A session is offered only to the name it was made for: another name
     * is another server, which must authenticate itself. */
    if (!tls_session_name_matches(s->name, c->server_name ? c->server_name : ""))
        return "the session was made for another server name";
    if (tls_session_expired(s, now_ms))
        return "the session has expired";
    /* Resuming skips the certificate: a session whose peer was never
     * verified would bypass verification. */
    if (c->pol.verify && !s->peer_verified)
        return "the server's certificate was not verified when the session was made";
    const char *other = tls_resume_settings_misfit(c, s);
    if (other == NULL)
        other = tls_resume_auth_misfit(c, s, now_ms);
    if (other != NULL)
        return other;
    return tls_resume_pin_misfit(c->cfg, s);
}

int tls13_psk_client_prepare(tls_conn *c)
{
    tls_session *s = c->session;
    if (s == NULL || s->version != TLS_VERSION_13)
        return 0;
    const char *why = unfit_reason(c, s, tls_config_now_ms(c->cfg));
    if (why == NULL)
        return 0;
    tls_resume_session_free(&c->session);
    return trace_decision(c, "full handshake: the session is not offered", why);
}

/* Transcript-Hash of what came before (after HelloRetryRequest: the
 * message_hash and the HelloRetryRequest) and then part[0..len). */
static int transcript_hash_with(tls_conn *c, const EVP_MD *md, const uint8_t *part, size_t len,
                                uint8_t *out)
{
    if (c->transcript.md == NULL)
        return tls_hash(md, part, len, out) == 0
                   ? 0
                   : tls_fail_crypto(&c->err, TLS_ALERT_INTERNAL_ERROR, "hashing the ClientHello for the binder");
    EVP_MD_CTX *copy = EVP_MD_CTX_new();
    int ok = copy != NULL && EVP_MD_CTX_copy_ex(copy, c->transcript.ctx) == 1
             && EVP_DigestUpdate(copy, part, len) == 1 && EVP_DigestFinal_ex(copy, out, NULL) == 1;
    EVP_MD_CTX_free(copy);
    return ok ? 0 : tls_fail_crypto(&c->err, TLS_ALERT_INTERNAL_ERROR, "hashing the ClientHello for the binder");
}

/* rfc8446#4.2.11.2: binder = HMAC over Transcript-Hash(Truncate(ClientHello)),
 * keyed from the binder key of the PSK's early secret. The early secret
 * stays in c->keys (0-RTT derives from it); the ServerHello decides again. */
static int compute_binder(tls_conn *c, const tls_session *s, const EVP_MD *md, const uint8_t *hello,
                          size_t truncated_len, uint8_t *binder)
{
    uint8_t th[TLS_MAX_HASH_LEN], key[TLS_MAX_HASH_LEN];
    int rc = -1;
    if (s->psk_md == md) {
        /* Derived from this PSK when its text was decoded. */
        if (tls13_keys_init_early(&c->keys, md, s->psk_early, &c->err) == 0
            && transcript_hash_with(c, md, hello, truncated_len, th) == 0
            && tls13_finished_mac(md, s->psk_binder_fk, th, binder, &c->err) == 0)
            rc = 0;
        return rc;
    }
    if (tls13_keys_init_psk(&c->keys, md, s->secret, s->secret_len, &c->err) == 0
        && tls13_binder_key(&c->keys, 0, key, &c->err) == 0
        && transcript_hash_with(c, md, hello, truncated_len, th) == 0
        && tls13_finished(md, key, th, binder, &c->err) == 0)
        rc = 0;
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

int tls13_psk_client_keep_psk_keys(tls_session *s, tls_error *err)
{
    const tls_suite *suite = s->version == TLS_VERSION_13 ? tls_suite_get(s->suite) : NULL;
    if (suite == NULL)
        return 0;
    tls13_keys k;
    uint8_t key[TLS_MAX_HASH_LEN];
    int rc = -1;
    /* rfc8446#7.1: Early Secret = HKDF-Extract(0, PSK); binder_key =
     * Derive-Secret(., "res binder", ""); rfc8446#4.2.11.2: the binder is
     * the Finished computation keyed from it. */
    if (tls13_keys_init_psk(&k, suite->md, s->secret, s->secret_len, err) == 0
        && tls13_binder_key(&k, 0, key, err) == 0
        && tls13_finished_key(suite->md, key, s->psk_binder_fk, err) == 0) {
        memcpy(s->psk_early, k.early, k.hlen);
        s->psk_md = suite->md;
        rc = 0;
    }
    tls13_keys_wipe(&k);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

void tls13_psk_client_put_modes(tls_conn *c, tls_buf *msg)
{
    /* rfc8446#4.2.9: psk_dhe_ke always (forward secrecy); psk_ke too when
     * configured, after it: the server picks. In every ClientHello that
     * offers TLS 1.3, with a session or not: the modes also "restrict ...
     * those PSKs which the server might supply via NewSessionTicket", and
     * Go's, BoringSSL's and rustls's servers send no ticket to a client
     * that lists none (spec/interop_go_spec.lua). */
    c->ext_sent |= tls_ext_bit(TLS_EXT_PSK_KEY_EXCHANGE_MODES);
    tls_buf_u16(msg, TLS_EXT_PSK_KEY_EXCHANGE_MODES);
    size_t e = tls_buf_open_block(msg, 2);
    size_t modes = tls_buf_open_block(msg, 1);
    tls_buf_u8(msg, PSK_DHE_KE);
    if (c->pol.psk_ke)
        tls_buf_u8(msg, PSK_KE);
    tls_buf_close_block(msg, modes, 1);
    tls_buf_close_block(msg, e, 2);
}

int tls13_psk_client_put(tls_conn *c, tls_buf *msg, size_t msg_off, size_t ext_off)
{
    tls_session *s = c->session;
    if (s == NULL || s->version != TLS_VERSION_13)
        return 0;
    const tls_suite *suite = tls_suite_get(s->suite);
    /* rfc8446#4.1.4: after a HelloRetryRequest the client "MUST remove" a
     * PSK whose hash is not that of the suite the server chose. */
    if (c->hello_retry && c->suite != NULL && c->suite->md != suite->md) {
        tls_resume_session_free(&c->session);
        return trace_decision(c, "full handshake: the session is not offered again",
                              "the HelloRetryRequest chose a cipher suite with another hash");
    }
    size_t hlen = suite->hash_len;

    /* rfc8446#4.2.11: pre_shared_key "MUST be the last extension". */
    /* Both times are whole milliseconds rounded down, so their difference
     * can exceed the true age by almost 1 ms; the server's own age of the
     * ticket (counted from before we received it) is rounded down too, and
     * GnuTLS declines early data whose client age is above its own (one
     * 0-RTT offer in ten on loopback). One millisecond less never claims
     * more than the true age. */
    uint64_t now = tls_config_now_ms(c->cfg);
    uint64_t age_ms = now > s->created_ms + 1 ? now - s->created_ms - 1 : 0;
    c->ext_sent |= tls_ext_bit(TLS_EXT_PRE_SHARED_KEY);
    tls_buf_u16(msg, TLS_EXT_PRE_SHARED_KEY);
    size_t e = tls_buf_open_block(msg, 2);
    size_t ids = tls_buf_open_block(msg, 2);
    size_t id = tls_buf_open_block(msg, 2);
    tls_buf_bytes(msg, s->ticket.data, s->ticket.len);
    tls_buf_close_block(msg, id, 2);
    /* rfc8446#4.2.11.1: obfuscated_ticket_age = age in ms + ticket_age_add, mod 2^32. */
    tls_buf_u32(msg, (uint32_t)(age_ms + s->age_add));
    tls_buf_close_block(msg, ids, 2);
    size_t truncated = msg->len; /* rfc8446#4.2.11.2: up to the binders list */
    size_t binders = tls_buf_open_block(msg, 2);
    tls_buf_u8(msg, (uint8_t)hlen);
    size_t binder_at = msg->len;
    uint8_t *room = tls_buf_extend(msg, hlen);
    if (room != NULL)
        memset(room, 0, hlen);
    tls_buf_close_block(msg, binders, 2);
    tls_buf_close_block(msg, e, 2);
    tls_buf_close_block(msg, ext_off, 2);
    tls_hs_end_message(msg, msg_off);
    if (!tls_buf_ok(msg))
        return tls_hs_build_failed(c, msg, TLS_HS_CLIENT_HELLO);

    uint8_t binder[TLS_MAX_HASH_LEN];
    if (compute_binder(c, s, suite->md, msg->data + msg_off - 1, truncated - (msg_off - 1), binder) != 0)
        return -1;
    memcpy(msg->data + binder_at, binder, hlen);
    OPENSSL_cleanse(binder, sizeof binder);
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "decide", "resumption");
    tls_trace_add(&tb, "result", "offered: pre_shared_key with the session's ticket");
    tls_trace_add(&tb, "ticket_bytes", "%zu", s->ticket.len);
    tls_trace_add(&tb, "ticket_age_ms", "%llu", (unsigned long long)age_ms);
    tls_trace_add(&tb, "cipher", "%s", suite->name);
    tls_trace_add(&tb, "psk_key_exchange_modes", "%s", c->pol.psk_ke ? "psk_dhe_ke, psk_ke" : "psk_dhe_ke");
    if (c->hello_retry)
        tls_trace_add(&tb, "binder", "over the new transcript (message_hash, HelloRetryRequest, ClientHello)");
    return tls_trace_emit(c, &tb);
}

int tls13_psk_client_server_hello(tls_conn *c, tls_reader *psk)
{
    tls_session *s = c->session;
    int offered = s != NULL && s->version == TLS_VERSION_13
                  && (c->ext_sent & tls_ext_bit(TLS_EXT_PRE_SHARED_KEY)) != 0;
    if (psk == NULL)
        return offered ? trace_decision(c, "full handshake", "the server declined the session") : 0;
    /* tls_ext_check refused a pre_shared_key we did not offer. */
    if (!offered)
        return tls_fail(&c->err, TLS_ALERT_UNSUPPORTED_EXTENSION, "ServerHello pre_shared_key, none offered");
    uint16_t selected = tls_rd_u16(psk);
    if (!tls_rd_end(psk))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ServerHello pre_shared_key is malformed");
    /* rfc8446#4.2.11: "Clients MUST verify that the server's
     * selected_identity is within the range supplied by the client" (we
     * offer one identity) "and that the server selected a cipher suite
     * indicating a Hash associated with the PSK"; else illegal_parameter. */
    if (selected >= 1)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "ServerHello selects PSK identity %u, we offered only one", selected);
    const tls_suite *suite = tls_suite_get(s->suite);
    if (suite == NULL || suite->md != c->suite->md)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "ServerHello accepts our session with %s, whose hash is not the session's", c->suite->name);
    c->resumed = 1;
    /* No Certificate in a resumed handshake: the peer is the one the
     * session was made with, as it was judged then. */
    if (s->peer_cert.len > 0 && tls_hs_push_peer_certificate(c, s->peer_cert.data, s->peer_cert.len) != 0)
        return -1;
    c->peer_verified = s->peer_verified;
    tls_resume_note_resumed(c, s);
    return trace_decision(c, "resumed: the server accepted our session",
                          s->peer_verified ? "the server's certificate was verified when the session was made"
                                           : "the server's certificate was not verified (verification off)");
}

int tls13_psk_client_psk_ke_ok(const tls_conn *c)
{
    return c->resumed && c->pol.psk_ke;
}

/* The leaf of the peer's chain, as DER, into the session (nothing if it
 * is larger than a session keeps). */
static int keep_peer_leaf(tls_conn *c, tls_session *s)
{
    X509 *leaf = c->peer_chain ? sk_X509_value(c->peer_chain, 0) : NULL;
    int n = leaf ? i2d_X509(leaf, NULL) : 0;
    if (n <= 0 || n > TLS_SESSION_MAX_PEER_CERT)
        return 0;
    uint8_t *p = tls_buf_extend(&s->peer_cert, (size_t)n);
    if (p == NULL || i2d_X509(leaf, &p) != n)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "keeping the server's certificate in the session");
    return 0;
}

int tls13_psk_client_new_ticket(tls_conn *c, uint32_t lifetime, uint32_t age_add, const tls_reader *nonce,
                                const tls_reader *ticket, uint32_t max_early_data)
{
    /* rfc8446#4.6.1: "A value of zero indicates that the ticket should be
     * discarded immediately." */
    if (lifetime == 0) {
        if (!tls_tracing(c))
            return 0;
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "NewSessionTicket");
        tls_trace_add(&tb, "lifetime", "0");
        tls_trace_add(&tb, "note", "a lifetime of 0: discarded");
        return tls_trace_emit(c, &tb);
    }
    tls_session *s;
    if (tls_resume_session_new(&s) != 0)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    s->kind = TLS_SESSION_CLIENT;
    s->version = TLS_VERSION_13;
    s->suite = c->suite->id;
    s->secret_len = c->suite->hash_len;
    /* rfc8446#4.6.1: the PSK of this ticket, from the resumption master
     * secret and the ticket's nonce. */
    if (tls13_ticket_psk(c->suite->md, c->keys.resumption, nonce->p, nonce->len, s->secret, &c->err) != 0) {
        tls_resume_session_free(&s);
        return -1;
    }
    s->created_ms = tls_config_now_ms(c->cfg);
    s->lifetime_s = lifetime;
    s->age_add = age_add;
    s->max_early_data = max_early_data;
    snprintf(s->name, sizeof s->name, "%s", c->server_name ? c->server_name : "");
    if (c->alpn_len > 0) {
        memcpy(s->alpn, c->alpn, c->alpn_len);
        s->alpn_len = c->alpn_len;
    }
    s->peer_verified = c->peer_verified;
    tls_resume_stamp(c, s);
    tls_buf_bytes(&s->ticket, ticket->p, ticket->len);
    if (keep_peer_leaf(c, s) != 0 || !tls_buf_ok(&s->ticket) || !tls_buf_ok(&s->peer_cert)) {
        tls_resume_session_free(&s);
        return c->err.set ? -1 : tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    }
    /* Without its certificate a resumed connection could not show the
     * server (nor check its pins or expiry): as in TLS 1.2, no session. */
    if (s->peer_cert.len == 0 && c->peer_chain != NULL && sk_X509_num(c->peer_chain) > 0) {
        tls_resume_session_free(&s);
        return trace_decision(c, "no session kept", "the server's certificate could not be kept in it");
    }
    /* The latest ticket replaces the one before: a client keeps one session. */
    tls_resume_session_free(&c->new_session);
    c->new_session = s;
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "receive", "NewSessionTicket");
    tls_trace_add(&tb, "lifetime", "%u", (unsigned)lifetime);
    tls_trace_add(&tb, "ticket_bytes", "%zu", ticket->len);
    tls_trace_add(&tb, "early_data", "%s", max_early_data ? "allowed" : "not allowed");
    if (max_early_data)
        tls_trace_add(&tb, "max_early_data", "%u", (unsigned)max_early_data);
    tls_trace_add(&tb, "note", "kept as the latest session (conn:session())");
    return tls_trace_emit(c, &tb);
}
