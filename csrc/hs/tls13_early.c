/* TLS 1.3 0-RTT early data (rfc8446#2.3, #4.2.10, #4.5, #8): the client
 * sends application data with its first flight, under
 * client_early_traffic_secret; a server that accepts it reads it until
 * EndOfEarlyData. Early data is replayable (rfc8446#8): a server accepts
 * it at most once per ticket, which it can only know across a fleet
 * through the session store (delete of the ticket's id must succeed), so
 * without a store it never accepts. */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "hs/tls13_early.h"
#include "hs/tls_hello.h"
#include "util/tls_names.h"

static const char EARLY_ID_PREFIX[] = "0rtt:";
#define EARLY_ID_MAX (sizeof EARLY_ID_PREFIX - 1 + TLS_EARLY_TICKET_ID_LEN)

static tls_early *early_get(tls_conn *c)
{
    if (c->early == NULL) {
        c->early = OPENSSL_zalloc(sizeof *c->early);
        if (c->early != NULL)
            tls_buf_init(&c->early->data);
    }
    return c->early;
}

void tls13_early_free(tls_conn *c)
{
    if (c->early == NULL)
        return;
    tls_buf_free(&c->early->data);
    OPENSSL_clear_free(c->early, sizeof *c->early);
    c->early = NULL;
}

/* The store key of a ticket: a prefix (the store also holds TLS 1.2
 * sessions under their ids) and SHA-256 of the ticket as the client
 * presents it. */
static int ticket_id(const uint8_t *ticket, size_t len, uint8_t *id)
{
    memcpy(id, EARLY_ID_PREFIX, sizeof EARLY_ID_PREFIX - 1);
    return tls_hash(tls_crypto_sha(256), ticket, len, id + sizeof EARLY_ID_PREFIX - 1);
}

static int trace_early(tls_conn *c, const char *direction, const char *message, const char *key,
                       const char *fmt_value, const char *meaning)
{
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, direction, message);
    tls_trace_add(&tb, key, "%s", fmt_value);
    if (meaning != NULL)
        tls_trace_add(&tb, "meaning", "%s", meaning);
    return tls_trace_emit(c, &tb);
}

/* client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic",
 * ClientHello) (rfc8446#7.1), from the session's PSK, into
 * c->keys.client_early. ch is the ClientHello as sent (with its header). */
static int derive_early_secret(tls_conn *c, const tls_suite *suite, const tls_session *s, const uint8_t *ch,
                               size_t ch_len)
{
    tls13_keys k;
    uint8_t th[TLS_MAX_HASH_LEN];
    memset(&k, 0, sizeof k);
    int rc = -1;
    if (tls_hash(suite->md, ch, ch_len, th) != 0)
        tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "key schedule: hash of the ClientHello");
    else if (tls13_keys_init_psk(&k, suite->md, s->secret, s->secret_len, &c->err) == 0 &&
             tls13_keys_early_traffic(&k, th, &c->err) == 0) {
        memcpy(c->keys.client_early, k.client_early, k.hlen);
        tls_keylog13_early(c, k.hlen);
        rc = 0;
    }
    tls13_keys_wipe(&k);
    OPENSSL_cleanse(th, sizeof th);
    return rc;
}

/* ======================================================================
 * Server
 * ====================================================================== */

/* The first identity of the ClientHello's pre_shared_key (rfc8446#4.2.11:
 * identities<7..2^16-1>, each identity<1..2^16-1> and a 4-byte age). Only
 * read here; the PSK code has checked the form already. */
static int first_identity(client_hello *ch, tls_reader *identity)
{
    tls_reader *ext = tls_hs_find_ext(&ch->exts, TLS_EXT_PRE_SHARED_KEY);
    if (ext == NULL)
        return -1;
    tls_reader r = *ext;
    tls_reader list = tls_rd_vec(&r, 2);
    *identity = tls_rd_vec(&list, 2);
    return identity->len > 0 && tls_rd_ok(&list) ? 0 : -1;
}

/* rfc8446#8: "the server MUST ensure that any instance of it (be it a
 * machine, a thread, or any other entity within the relevant serving
 * infrastructure) would accept 0-RTT for the same 0-RTT handshake at most
 * once". The ticket was registered when issued; taking it out of the store
 * succeeds once, across every server sharing the store. */
static const char *replay_check(tls_conn *c, client_hello *ch)
{
    if (c->hooks == NULL || c->hooks->session_delete == NULL)
        return "no session store to check replays against";
    tls_reader identity;
    if (first_identity(ch, &identity) != 0)
        return "no ticket";
    uint8_t id[EARLY_ID_MAX];
    if (ticket_id(identity.p, identity.len, id) != 0)
        return "internal error hashing the ticket";
    c->in_callback = 1;
    int deleted = c->hooks->session_delete(c->hooks_ud, id, sizeof id);
    c->in_callback = 0;
    if (deleted == 1)
        return NULL;
    return deleted == 0 ? "replay: this ticket's 0-RTT was already used (or its store entry expired)"
                        : "the session store failed";
}

static const char *decline_reason(tls_conn *c, client_hello *ch, int selected)
{
    const tls_session *s = c->session;
    if (!c->pol.early_data)
        return "early_data is off on this server";
    /* rfc8446#4.1.2: "Early data is not permitted after a HelloRetryRequest". */
    if (c->hello_retry)
        return "after HelloRetryRequest";
    /* rfc8446#4.2.10: "In order to accept early data, the server MUST have
     * accepted a PSK cipher suite and selected the first key offered in
     * the client's "pre_shared_key" extension." */
    if (selected != 0 || s == NULL || !c->resumed)
        return selected > 0 ? "the PSK accepted is not the client's first" : "no PSK accepted";
    if (s->max_early_data == 0)
        return "the ticket does not allow early data";
    /* rfc8446#8.3: a ClientHello whose ticket age is off may be a replay:
     * "only accept 0-RTT for such a ClientHello"; before the replay check,
     * which would use up the ticket's 0-RTT. */
    if (c->psk_age_off)
        return "the client's ticket age is not ours within the window (rfc8446#8.3)";
    /* rfc8446#4.2.10: "it MUST verify that the following values are the
     * same as those associated with the selected PSK: The TLS version
     * number, The selected cipher suite, The selected ALPN protocol, if
     * any." */
    if (s->version != TLS_VERSION_13 || c->suite == NULL || c->suite->id != s->suite)
        return "cipher suite differs from the session's";
    if (s->alpn_len != c->alpn_len || (s->alpn_len > 0 && memcmp(s->alpn, c->alpn, s->alpn_len) != 0))
        return "ALPN protocol differs from the session's";
    /* Last: it consumes the ticket's single use. */
    return replay_check(c, ch);
}

/* rfc8446#4.2.10: declined early data is not read; its records are
 * skipped. */
static int declined(tls_conn *c, const char *why)
{
    c->early_data = -1;
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "decide", "early_data");
    tls_trace_add(&tb, "result", "declined");
    tls_trace_add(&tb, "reason", "%s", why);
    return tls_trace_emit(c, &tb);
}

int tls13_early_server_decide(tls_conn *c, const client_hello *chc, int selected)
{
    client_hello *ch = (client_hello *)chc;
    if (!ch->early_data)
        return 0;
    const char *why = decline_reason(c, ch, selected);
    if (why != NULL)
        return declined(c, why);
    tls_early *e = early_get(c);
    if (e == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    /* Not more than we announced in the ticket, nor than we allow now. */
    e->limit = c->session->max_early_data < c->pol.max_early_data ? c->session->max_early_data
                                                                   : c->pol.max_early_data;
    /* Transcript-Hash(ClientHello): the transcript holds only it now. */
    const tls_buf *pending = &c->transcript.pending;
    uint8_t th[TLS_MAX_HASH_LEN];
    int rc;
    if (c->transcript.md == NULL) {
        rc = derive_early_secret(c, c->suite, c->session, pending->data, pending->len);
    } else {
        tls13_keys k;
        memset(&k, 0, sizeof k);
        rc = tls_transcript_hash(&c->transcript, th, &c->err) == 0 &&
                     tls13_keys_init_psk(&k, c->suite->md, c->session->secret, c->session->secret_len,
                                         &c->err) == 0 &&
                     tls13_keys_early_traffic(&k, th, &c->err) == 0
                 ? 0
                 : -1;
        if (rc == 0) {
            memcpy(c->keys.client_early, k.client_early, k.hlen);
            tls_keylog13_early(c, k.hlen);
        }
        tls13_keys_wipe(&k);
        OPENSSL_cleanse(th, sizeof th);
    }
    if (rc != 0)
        return -1;
    c->early_data = 1;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "decide", "early_data");
        tls_trace_add(&tb, "result", "accepted");
        tls_trace_add(&tb, "max_early_data", "%u", e->limit);
        tls_trace_add(&tb, "meaning", "the client's 0-RTT data is read until EndOfEarlyData (it may be a replay "
                                      "by the network in general, but this ticket's is accepted only once)");
        return tls_trace_emit(c, &tb);
    }
    return 0;
}

int tls13_early_server_retry(tls_conn *c, const client_hello *ch)
{
    if (!ch->early_data)
        return 0;
    /* rfc8446#4.1.2: "Early data is not permitted after a
     * HelloRetryRequest": the second ClientHello carries no early_data, so
     * the decision is made (and said) now. */
    return declined(c, "after HelloRetryRequest");
}

void tls13_early_server_put_ee(const tls_conn *c, tls_buf *msg)
{
    /* rfc8446#4.2.10: in EncryptedExtensions the extension_data is empty. */
    if (c->early_data != 1)
        return;
    tls_buf_u16(msg, TLS_EXT_EARLY_DATA);
    tls_buf_u16(msg, 0);
}

int tls13_early_server_after_flight(tls_conn *c)
{
    if (c->early_data != 1)
        return 0;
    tls_early *e = c->early;
    if (tls_record_set_read_key(c, c->keys.client_early, "client_early_traffic_secret") != 0)
        return -1;
    /* rfc8449#4: the client protected its 0-RTT records before it saw our
     * record_size_limit: that applies from EndOfEarlyData on. */
    e->recv_limit = c->recv_limit;
    c->recv_limit = TLS_MAX_PLAINTEXT + 1;
    e->next_state = c->state;
    c->state = ST_SERVER_WAIT_EOED;
    return 0;
}

int tls13_early_server_data(tls_conn *c, const uint8_t *data, size_t len)
{
    tls_early *e = c->early;
    /* rfc8446#4.6.1: "A server receiving more than max_early_data_size bytes
     * of 0-RTT data SHOULD terminate the connection with an
     * "unexpected_message" alert." Only application data counts
     * (rfc8446#4.2.10), which is what reaches here. */
    if (len > e->limit - e->count)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "client sent more than %u bytes of 0-RTT data (max_early_data)", e->limit);
    e->count += len;
    tls_buf_bytes(&e->data, data, len);
    if (!tls_buf_ok(&e->data))
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "early data");
        tls_trace_add(&tb, "bytes", "%zu", len);
        tls_trace_add(&tb, "total", "%zu", e->count);
        return tls_trace_emit(c, &tb);
    }
    return 0;
}

int tls13_early_server_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len)
{
    tls_early *e = c->early;
    if (type != TLS_HS_END_OF_EARLY_DATA) {
        const char *name = tls_handshake_name(type);
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "expected EndOfEarlyData, got %s",
                        name ? name : "an unknown handshake message");
    }
    /* rfc8446#4.5: struct {} EndOfEarlyData. */
    if (tls_rd_left(body) != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "EndOfEarlyData is not empty");
    if (tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)
        return -1;
    e->complete = 1;
    c->recv_limit = e->recv_limit;
    c->state = e->next_state;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "EndOfEarlyData");
        tls_trace_add(&tb, "early_data_bytes", "%zu", e->count);
        tls_trace_add(&tb, "meaning", "the client's 0-RTT data is complete; handshake keys from now on");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    /* rfc8446#4.5: "the following records are protected under handshake
     * traffic keys". */
    return tls_record_set_read_key(c, c->keys.client_hs, "client_handshake_traffic_secret");
}

void tls13_early_ticket_issued(tls_conn *c, const uint8_t *ticket, size_t len, uint32_t lifetime_s)
{
    /* Without a store nothing is registered, and replay_check refuses
     * every 0-RTT offer: one process cannot know what the others of a
     * fleet accepted, and a process-local set would not survive a
     * restart either. */
    if (c->hooks == NULL || c->hooks->session_put == NULL)
        return;
    uint8_t id[EARLY_ID_MAX];
    if (ticket_id(ticket, len, id) != 0)
        return;
    static const uint8_t one[1] = { '1' };
    c->in_callback = 1;
    c->hooks->session_put(c->hooks_ud, id, sizeof id, one, sizeof one, lifetime_s);
    c->in_callback = 0;
}

/* ======================================================================
 * Client
 * ====================================================================== */

/* Our ClientHello offers the session as a PSK: tls13_psk_client_prepare
 * keeps c->session only when it fits (hs/tls13_psk_client.h). */
static int psk_offered(const tls_conn *c)
{
    return c->session != NULL && c->session->version == TLS_VERSION_13;
}

void tls13_early_client_put_ext(tls_conn *c, tls_buf *msg)
{
    tls_early *e = c->early;
    if (e == NULL)
        return;
    /* rfc8446#4.1.2: the second ClientHello removes early_data. */
    e->offered = 0;
    const tls_session *s = c->session;
    if (c->hello_retry || !c->pol.early_data || s == NULL || s->version != TLS_VERSION_13 ||
        s->max_early_data == 0 || e->data.len > s->max_early_data || !psk_offered(c) ||
        tls_suite_get(s->suite) == NULL)
        return;
    e->offered = 1;
    e->limit = s->max_early_data;
    c->ext_sent |= tls_ext_bit(TLS_EXT_EARLY_DATA);
    tls_buf_u16(msg, TLS_EXT_EARLY_DATA);
    tls_buf_u16(msg, 0);
}

int tls13_early_client_send(tls_conn *c)
{
    tls_early *e = c->early;
    if (e == NULL || !e->offered)
        return 0;
    const tls_suite *suite = tls_suite_get(c->session->suite);
    const tls_buf *ch = &c->transcript.pending;
    if (derive_early_secret(c, suite, c->session, ch->data, ch->len) != 0)
        return -1;
    /* rfc8446#D.4: "If offering early data, the record is placed
     * immediately after the first ClientHello." */
    if (tls_record_send_ccs(c) != 0)
        return -1;
    c->ccs_sent = 1;
    /* The early key has the session's suite; c->suite waits for the ServerHello. */
    if (tls_aead_init(&c->wr, suite, c->keys.client_early, 1, &c->err) != 0)
        return -1;
    c->wr_protected = 1;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "key", "write key changed");
        tls_trace_add(&tb, "secret", "client_early_traffic_secret");
        tls_trace_add(&tb, "cipher", "%s", suite->name);
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    if (e->data.len > 0 && tls_record_write(c, TLS_CT_APPLICATION_DATA, e->data.data, e->data.len) != 0)
        return -1;
    e->sent = 1;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "early data");
        tls_trace_add(&tb, "bytes", "%zu", e->data.len);
        tls_trace_add(&tb, "max_early_data", "%u", e->limit);
        tls_trace_add(&tb, "meaning", "0-RTT: sent before the server answered; replayable, so only for "
                                      "idempotent requests");
        return tls_trace_emit(c, &tb);
    }
    return 0;
}

static void forget_early_data(tls_conn *c)
{
    if (c->early != NULL)
        tls_buf_free(&c->early->data);
}

int tls13_early_client_retry(tls_conn *c)
{
    if (c->early == NULL || !c->early->offered)
        return 0;
    /* rfc8446#4.2.10: a HelloRetryRequest rejects the early data; the second
     * ClientHello is not protected. */
    c->early->offered = 0;
    c->early_data = -1;
    forget_early_data(c);
    /* Nothing batched may go out under a key that is gone (nothing is
     * batched here today: the retry comes before our next message). */
    if (tls_record_flush_handshake(c) != 0)
        return -1;
    tls_aead_free(&c->wr);
    c->wr_protected = 0;
    return trace_early(c, "receive", "early_data", "result", "rejected (HelloRetryRequest)",
                       "the server did not take our 0-RTT data: send it again after the handshake");
}

int tls13_early_client_refuse_tls12(tls_conn *c)
{
    c->early->offered = 0;
    c->early_data = -1;
    forget_early_data(c);
    /* The alert goes in the clear, as a TLS 1.2 peer can read it. */
    tls_aead_free(&c->wr);
    c->wr_protected = 0;
    return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION,
                    "server answered our 0-RTT data with TLS 1.2, which has no early data (RFC 8446 D.3): "
                    "the data was not delivered; connect again without early data");
}

int tls13_early_client_keeps_write_key(const tls_conn *c)
{
    return c->early != NULL && c->early->offered;
}

int tls13_early_client_answer(tls_conn *c, tls_reader *ext, int selected_identity)
{
    tls_early *e = c->early;
    if (e == NULL || !e->offered)
        return 0; /* an early_data we did not offer is refused by tls_ext_check */
    if (ext == NULL) {
        e->offered = 0;
        c->early_data = -1;
        forget_early_data(c);
        if (trace_early(c, "receive", "early_data", "result", "rejected",
                        "the server did not take our 0-RTT data: send it again after the handshake") != 0)
            return -1;
        return tls_record_set_write_key(c, c->keys.client_hs, "client_handshake_traffic_secret");
    }
    if (tls_rd_left(ext) != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "EncryptedExtensions early_data is not empty");
    /* rfc8446#4.2.10: "If the server supplies an "early_data" extension, the
     * client MUST verify that the server's selected_identity is 0. If any
     * other value is returned, the client MUST abort the handshake with an
     * "illegal_parameter" alert." */
    if (selected_identity != 0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "server accepted our early data without resuming with our first PSK");
    /* The early data went out under the session's suite and for its ALPN
     * protocol: a server that accepts it must have kept both (rfc8446#4.2.10). */
    const tls_session *s = c->session;
    if (c->suite->id != s->suite)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "server accepted our early data with another cipher suite than the session's");
    if (s->alpn_len != c->alpn_len || (s->alpn_len > 0 && memcmp(s->alpn, c->alpn, s->alpn_len) != 0))
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "server accepted our early data with another ALPN protocol than the session's");
    c->early_data = 1;
    forget_early_data(c);
    return trace_early(c, "receive", "early_data", "result", "accepted",
                       "the server takes our 0-RTT data");
}

int tls13_early_client_finish(tls_conn *c)
{
    if (c->early_data != 1 || c->early == NULL || !c->early->offered)
        return 0;
    c->early->offered = 0;
    /* rfc8446#4.5: "If the server sent an "early_data" extension in
     * EncryptedExtensions, the client MUST send an EndOfEarlyData message
     * after receiving the server Finished." It goes under the early key. */
    tls_buf msg;
    tls_buf_init(&msg);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_END_OF_EARLY_DATA);
    tls_hs_end_message(&msg, off);
    int rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    if (rc != 0 || trace_early(c, "send", "EndOfEarlyData", "note",
                               "our 0-RTT data ends here; handshake keys from now on", NULL) != 0)
        return -1;
    return tls_record_set_write_key(c, c->keys.client_hs, "client_handshake_traffic_secret");
}

/* ======================================================================
 * Engine API (engine/tls_engine.h)
 * ====================================================================== */

int tls_conn_write_early(tls_conn *c, const uint8_t *data, size_t len, char *why, size_t why_size)
{
    const char *refusal = NULL;
    const tls_session *s = c->session;
    if (c->in_callback)
        refusal = "cannot be called from the connection's callbacks";
    else if (c->is_server)
        refusal = "early data is sent by a client";
    else if (c->state != ST_CLIENT_START)
        refusal = "early data is given before the handshake starts";
    else if (!c->pol.early_data)
        refusal = "the context does not allow early data (early_data = true)";
    else if (s == NULL)
        refusal = "early data needs a session to resume (option 'session')";
    else if (s->version != TLS_VERSION_13 || s->max_early_data == 0)
        refusal = "the session's server does not accept early data (its ticket allows none)";
    else if (len > s->max_early_data || (c->early != NULL && c->early->data.len + len > s->max_early_data))
        refusal = "more early data than the session's ticket allows";
    /* review40b I2: the session may resume under another suite of its
     * hash, but its early data goes under its own, and a server accepts it
     * only if it chooses that suite (rfc8446#4.2.10), which it cannot if we
     * do not offer it. (Every early byte comes through here: the
     * ClientHello needs no check of its own.) */
    else if (!tls_hello_offered(c->pol.suites, c->pol.n_suites, s->suite))
        refusal = "the session's cipher suite, which its early data would use, is not in this context's ciphers";
    if (refusal != NULL) {
        if (why != NULL && why_size > 0) {
            if (refusal[0] == 'm')
                snprintf(why, why_size, "%s (%u bytes)", refusal, s->max_early_data);
            else
                snprintf(why, why_size, "%s", refusal);
        }
        return -1;
    }
    tls_early *e = early_get(c);
    if (e != NULL && len > 0)
        tls_buf_bytes(&e->data, data, len);
    if (e == NULL || !tls_buf_ok(&e->data)) {
        if (why != NULL && why_size > 0)
            snprintf(why, why_size, "out of memory");
        return -1;
    }
    return 0;
}

size_t tls_conn_early_data(tls_conn *c, const uint8_t **data)
{
    /* A failed handshake's early data never reaches the application: it
     * may be a replay raced ahead of the client (rfc8446#8, rfc8470#3)
     * by someone who could not finish the handshake. */
    if (!c->is_server || c->early == NULL || (c->status & TLS_STATUS_FAILED)) {
        *data = NULL;
        return 0;
    }
    *data = c->early->data.data;
    return c->early->data.len;
}

void tls_conn_early_data_done(tls_conn *c, size_t n)
{
    if (c->in_callback || !c->is_server || c->early == NULL)
        return;
    tls_buf_drop(&c->early->data, n);
    tls_buf_release_if_empty(&c->early->data);
}

size_t tls_conn_early_unread_at_close(tls_conn *c)
{
    if (!c->is_server || c->early_data != 1 || c->early == NULL || c->early->data.len == 0 ||
        c->early->unread_told || c->in_callback || (c->status & TLS_STATUS_FAILED))
        return 0;
    c->early->unread_told = 1;
    size_t n = c->early->data.len;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "decide", "early data unread");
        tls_trace_add(&tb, "bytes", "%zu", n);
        tls_trace_add(&tb, "meaning", "closed with accepted 0-RTT data never read (receive_early / read_early): "
                                      "the client was told it was delivered, and will not send it again");
        /* Closing goes on whatever the trace function says. An error
         * recorded before stays (tls_fail keeps the first); one the trace
         * function made is forgotten, its buffer kept for tls_conn_free
         * (restoring a copy of c->err would leak it). */
        int had_error = c->err.set;
        if (tls_trace_emit(c, &tb) != 0 && !had_error)
            tls_error_clear(&c->err);
    }
    return n;
}

int tls_conn_half_rtt_ok(const tls_conn *c)
{
    return c->is_server && c->early_data == 1 && !(c->status & (TLS_STATUS_FAILED | TLS_STATUS_CLOSED)) &&
           (c->state == ST_SERVER_WAIT_EOED || c->state == ST_SERVER_WAIT_FINISHED ||
            (c->status & TLS_STATUS_HANDSHAKE_DONE));
}

int tls_conn_early_data_complete(const tls_conn *c)
{
    if (c->status & (TLS_STATUS_HANDSHAKE_DONE | TLS_STATUS_FAILED))
        return 1;
    if (c->early_data != 1)
        return c->state != ST_SERVER_WAIT_CH && c->state != ST_SERVER_WAIT_CH2;
    return c->early != NULL && c->early->complete;
}
