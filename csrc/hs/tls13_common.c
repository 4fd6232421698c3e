/* TLS 1.3 pieces both sides share: Certificate, CertificateVerify,
 * Finished, the key schedule steps and post-handshake messages. */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "engine/tls_conn_int.h"
#include "util/tls_names.h"
#include "pki/tls_x509.h"
#include "hs/tls13_psk_client.h"

/* ---- Certificate ----------------------------------------------------------- */

int tls_hs_send_certificate(tls_conn *c, const uint8_t *context, size_t context_len, int empty)
{
    if (!empty && c->is_server && tls_ocsp_server_prepare(c) != 0)
        return -1;
    tls_buf msg;
    tls_buf_init(&msg);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_CERTIFICATE);
    size_t ctx = tls_buf_open_block(&msg, 1);
    tls_buf_bytes(&msg, context, context_len);
    tls_buf_close_block(&msg, ctx, 1);
    size_t list = tls_buf_open_block(&msg, 3);
    if (!empty)
        tls13_ocsp_put_cert_entries(c, &msg);
    tls_buf_close_block(&msg, list, 3);
    tls_hs_end_message(&msg, off);
    int rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    return rc == 0 ? tls_hs_trace_own_certificate(c, empty) : -1;
}

static int parse_certificate_entries(tls_conn *c, tls_reader *list)
{
    while (tls_rd_left(list) > 0) {
        tls_reader der = tls_rd_vec(list, 3);
        tls_reader ext_block = tls_rd_vec(list, 2);
        if (!tls_rd_ok(list) || der.len == 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Certificate: malformed certificate entry");
        tls_ext_list exts;
        /* rfc8446#4.4.2: "Valid extensions for server certificates at
         * present include the OCSP Status extension and the
         * SignedCertificateTimestamp extension"; they answer requests in
         * our ClientHello (status_request only, when asked). */
        int leaf = c->peer_chain == NULL || sk_X509_num(c->peer_chain) == 0;
        tls_reader *status;
        if (tls_hs_parse_extensions(c, &ext_block, &exts, "Certificate entry") != 0 ||
            tls_ext_check(c, &exts, TLS_EXT_IN_CT) != 0 ||
            tls_hs_push_peer_certificate(c, der.p, der.len) != 0)
            return -1;
        /* rfc8446#4.4.2.1: the OCSP response sits in the entry of the
         * certificate it is about; only the leaf's is judged (others, for
         * intermediates, are allowed and ignored). */
        if (leaf && (status = tls_hs_find_ext(&exts, TLS_EXT_STATUS_REQUEST)) != NULL &&
            tls_ocsp_read_certificate_status(c, status, "Certificate entry status_request") != 0)
            return -1;
    }
    return 0;
}

int tls_hs_parse_certificate(tls_conn *c, tls_reader *body)
{
    tls_reader context = tls_rd_vec(body, 1);
    tls_reader list = tls_rd_vec(body, 3);
    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Certificate message is malformed");
    /* rfc8446#4.4.2: in the server's Certificate the context is empty; a
     * client's echoes its CertificateRequest's, and ours is empty. */
    if (context.len != 0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        c->is_server ? "client Certificate has a request context we did not send"
                                     : "server Certificate has a request context");
    if (parse_certificate_entries(c, &list) != 0)
        return -1;
    if (c->peer_chain == NULL || sk_X509_num(c->peer_chain) == 0) {
        /* rfc8446#4.4.2: a client without a suitable certificate "MUST
         * send a Certificate message containing no certificates"; the
         * server decides (tls13_server.c). */
        if (c->is_server)
            return 0;
        /* rfc8446#4.4.2.4: an empty server Certificate is a decode_error. */
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "server sent no certificate");
    }
    if (tls_hs_accept_peer_chain(c) != 0)
        return -1;
    return c->is_server ? 0 : tls_ocsp_client_decide(c);
}

/* ---- CertificateVerify -------------------------------------------------------- */

/* rfc8446#4.4.3: 64 spaces, the context string, a zero byte, the transcript hash. */
static size_t certificate_verify_content(tls_conn *c, int by_server, uint8_t *out, tls_error *err)
{
    static const char server_ctx[] = "TLS 1.3, server CertificateVerify";
    static const char client_ctx[] = "TLS 1.3, client CertificateVerify";
    const char *label = by_server ? server_ctx : client_ctx;
    size_t label_len = sizeof server_ctx - 1;
    memset(out, 0x20, 64);
    memcpy(out + 64, label, label_len);
    out[64 + label_len] = 0;
    if (tls_transcript_hash(&c->transcript, out + 64 + label_len + 1, err) != 0)
        return 0;
    return 64 + label_len + 1 + c->suite->hash_len;
}

int tls_hs_send_certificate_verify(tls_conn *c)
{
    uint8_t content[64 + 34 + TLS_MAX_HASH_LEN];
    size_t n = certificate_verify_content(c, c->is_server, content, &c->err);
    if (n == 0)
        return -1;
    /* A client keeps c->sigscheme for the server's scheme (info()). */
    uint16_t scheme = c->is_server ? c->sigscheme : c->client_sigscheme;
    tls_buf msg;
    tls_buf_init(&msg);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_CERTIFICATE_VERIFY);
    tls_buf_u16(&msg, scheme);
    size_t sig = tls_buf_open_block(&msg, 2);
    int rc = tls_sig_sign(c->own->key, scheme, content, n, &msg, &c->err);
    tls_buf_close_block(&msg, sig, 2);
    tls_hs_end_message(&msg, off);
    if (rc == 0)
        rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "CertificateVerify");
        tls_trace_add(&tb, "signature", "%s", tls_sigscheme_name(scheme));
        tls_trace_add(&tb, "proves", "we hold the private key of our certificate");
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

int tls_hs_check_certificate_verify(tls_conn *c, tls_reader *body)
{
    uint16_t scheme = tls_rd_u16(body);
    tls_reader sig = tls_rd_vec(body, 2);
    if (!tls_rd_end(body) || sig.len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "CertificateVerify message is malformed");
    /* rfc8446#4.4.3: the scheme MUST be one offered in signature_algorithms. */
    size_t i = 0;
    while (i < c->pol.n_sigalgs && c->pol.sigalgs[i] != scheme)
        i++;
    /* rfc8446#4.4.3: "RSA signatures MUST use an RSASSA-PSS algorithm,
     * regardless of whether RSASSA-PKCS1-v1_5 algorithms appear in
     * "signature_algorithms"" (we offer those for TLS 1.2). */
    if (scheme == TLS_SIG_RSA_PKCS1_SHA256 || scheme == TLS_SIG_RSA_PKCS1_SHA384 ||
        scheme == TLS_SIG_RSA_PKCS1_SHA512)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "peer signed with %s, which TLS 1.3 does not allow in CertificateVerify",
                        tls_sigscheme_name(scheme));
    if (i == c->pol.n_sigalgs)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "peer signed with %s, which we did not offer",
                        tls_sigscheme_name(scheme) ? tls_sigscheme_name(scheme) : "an unknown scheme");
    uint8_t content[64 + 34 + TLS_MAX_HASH_LEN];
    size_t n = certificate_verify_content(c, !c->is_server, content, &c->err);
    if (n == 0)
        return -1;
    if (tls_sig_verify(c->peer_key, scheme, content, n, sig.p, sig.len, &c->err) != 0)
        return -1;
    c->sigscheme = scheme;
    c->peer_sigscheme = scheme;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "CertificateVerify");
        tls_trace_add(&tb, "signature", "%s", tls_sigscheme_name(scheme));
        tls_trace_add(&tb, "result", "signature over the transcript verified with the certificate's key");
        return tls_trace_emit(c, &tb);
    }
    return 0;
}

/* ---- Finished -------------------------------------------------------------------- */

/* verify_data under base_secret; the finished_key of a handshake traffic
 * secret is the one the record layer derived with its traffic keys. */
static int finished_mac(tls_conn *c, const uint8_t *base_secret, const uint8_t *th, uint8_t *out)
{
    const tls13_keys *k = &c->keys;
    if (base_secret == k->client_hs && k->have_client_finished_key)
        return tls13_finished_mac(c->suite->md, k->client_finished_key, th, out, &c->err);
    if (base_secret == k->server_hs && k->have_server_finished_key)
        return tls13_finished_mac(c->suite->md, k->server_finished_key, th, out, &c->err);
    return tls13_finished(c->suite->md, base_secret, th, out, &c->err);
}

int tls_hs_send_finished(tls_conn *c, const uint8_t *base_secret)
{
    uint8_t th[TLS_MAX_HASH_LEN], verify[TLS_MAX_HASH_LEN];
    int rc = -1;
    if (tls_transcript_hash(&c->transcript, th, &c->err) == 0 &&
        finished_mac(c, base_secret, th, verify) == 0) {
        tls_buf msg;
        tls_buf_init(&msg);
        size_t off = tls_hs_begin_message(&msg, TLS_HS_FINISHED);
        tls_buf_bytes(&msg, verify, c->suite->hash_len);
        tls_hs_end_message(&msg, off);
        rc = tls_hs_send(c, &msg);
        tls_buf_free(&msg);
        if (rc == 0)
            tls_hs_note_finished(c, 0, verify, c->suite->hash_len);
    }
    OPENSSL_cleanse(verify, sizeof verify);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "Finished");
        tls_trace_add(&tb, "proves", "we saw the same handshake (HMAC over the transcript)");
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

int tls_hs_check_finished(tls_conn *c, tls_reader *body, const uint8_t *base_secret)
{
    uint8_t th[TLS_MAX_HASH_LEN], expected[TLS_MAX_HASH_LEN];
    const uint8_t *got = tls_rd_bytes(body, c->suite->hash_len);
    if (got == NULL || !tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Finished message has the wrong length");
    int rc = -1;
    if (tls_transcript_hash(&c->transcript, th, &c->err) == 0 &&
        finished_mac(c, base_secret, th, expected) == 0) {
        /* rfc8446#4.4.4: a wrong verify_data is a decrypt_error. */
        if (CRYPTO_memcmp(expected, got, c->suite->hash_len) != 0)
            tls_fail(&c->err, TLS_ALERT_DECRYPT_ERROR,
                     "peer's Finished does not match the handshake we saw");
        else {
            tls_hs_note_finished(c, 1, got, c->suite->hash_len);
            rc = 0;
        }
    }
    OPENSSL_cleanse(expected, sizeof expected);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "Finished");
        tls_trace_add(&tb, "result", "verified: the peer saw the same handshake");
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

/* ---- Key schedule steps ------------------------------------------------------------ */

static int trace_secret(tls_conn *c, const char *step, const char *derived)
{
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "key", step);
    tls_trace_add(&tb, "derived", "%s", derived);
    tls_trace_add(&tb, "hash", "%s", EVP_MD_get0_name(c->suite->md));
    return tls_trace_emit(c, &tb);
}

int tls_hs_derive_handshake_secrets(tls_conn *c, const uint8_t *shared, size_t shared_len)
{
    uint8_t th[TLS_MAX_HASH_LEN];
    /* rfc8446#7.1: a resumed handshake's Early Secret is extracted from
     * the PSK (c->session: the one offered, or being resumed), and the
     * Handshake Secret from it. */
    int init = !c->resumed || c->session == NULL ? tls13_keys_init(&c->keys, c->suite->md, &c->err)
               /* A client extracted it for the binder of this session,
                * the one it offered (tls13_psk_client.c). */
               : c->keys.early_psk && c->keys.md == c->suite->md
                   ? 0
                   : tls13_keys_init_psk(&c->keys, c->suite->md, c->session->secret, c->session->secret_len,
                                         &c->err);
    if (tls_transcript_hash(&c->transcript, th, &c->err) != 0 || init != 0 ||
        tls13_keys_handshake(&c->keys, shared, shared_len, th, &c->err) != 0)
        return -1;
    tls_keylog13_handshake(c);
    return trace_secret(c, "handshake secret",
                        !c->resumed ? "handshake secret from the shared ECDHE secret; client and server handshake "
                                      "traffic secrets from it and the transcript through ServerHello"
                        : shared_len > 0 ? "early secret from the session's PSK, handshake secret from it and "
                                           "the shared ECDHE secret; client and server handshake traffic "
                                           "secrets from it and the transcript through ServerHello"
                                         : "early secret from the session's PSK, handshake secret from it alone "
                                           "(psk_ke: no ECDHE); client and server handshake traffic secrets "
                                           "from it and the transcript through ServerHello");
}

int tls_hs_derive_application_secrets(tls_conn *c)
{
    uint8_t th[TLS_MAX_HASH_LEN];
    if (tls_transcript_hash(&c->transcript, th, &c->err) != 0 ||
        tls13_keys_master(&c->keys, th, &c->err) != 0)
        return -1;
    tls_keylog13_application(c);
    return trace_secret(c, "master secret",
                        "master secret; client and server application traffic secrets from it and "
                        "the transcript through the server's Finished");
}

/* ---- After the handshake ----------------------------------------------------------------- */

static int handle_key_update(tls_conn *c, tls_reader *body)
{
    /* Each request costs derivations and a reply: a peer sending them
     * without end would make our output grow without bound. */
    if (++c->key_updates_in_row > TLS_MAX_KEY_UPDATES_IN_ROW)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "peer sent more than %d KeyUpdate messages without application data in between",
                        TLS_MAX_KEY_UPDATES_IN_ROW);
    uint8_t request = tls_rd_u8(body);
    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "KeyUpdate message is malformed");
    c->key_update_asked = 0;
    /* rfc8446#4.6.3: any other value is an illegal_parameter. */
    if (request > 1)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "KeyUpdate with request_update %u", request);
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "KeyUpdate");
        tls_trace_add(&tb, "request_update", "%s", request ? "update_requested" : "update_not_requested");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    uint8_t *peer_secret = c->is_server ? c->keys.client_ap : c->keys.server_ap;
    if (tls13_next_traffic_secret(c->suite->md, peer_secret, &c->err) != 0 ||
        tls_record_set_read_key(c, peer_secret, "peer's next application traffic secret") != 0)
        return -1;
    /* rfc8446#4.6.3: "If the request_update field is set to
     * "update_requested", then the receiver MUST send a KeyUpdate of its own
     * with request_update set to "update_not_requested" prior to sending its
     * next Application Data record." Never a request of our own: a peer
     * answering our request with one would otherwise start a ping-pong.
     * "an implementation which receives multiple KeyUpdates while it is
     * silent [responds] with a single update" (review32b): none if our
     * write key comes from an answer to an earlier request and has sealed
     * nothing yet. A KeyUpdate of ours that crossed the request is no
     * answer to it. */
    if (request == 1 && !(c->status & TLS_STATUS_CLOSED) && !(c->key_update_answered && c->wr.seq == 0)) {
        if (tls13_key_update(c, 0) != 0)
            return -1;
        c->key_update_answered = 1;
    }
    return 0;
}

static int handle_new_session_ticket(tls_conn *c, tls_reader *body)
{
    /* Reading one is cheap, but an endless stream would keep us busy
     * without progress. */
    if (++c->tickets_in_row > TLS_MAX_TICKETS_IN_ROW_CUTOFF)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "peer sent more than %d NewSessionTicket messages without application data in between",
                        TLS_MAX_TICKETS_IN_ROW_CUTOFF);
    uint32_t lifetime = tls_rd_u32(body);
    uint32_t age_add = tls_rd_u32(body);
    tls_reader nonce = tls_rd_vec(body, 1);
    tls_reader ticket = tls_rd_vec(body, 2);
    tls_reader ext_block = tls_rd_vec(body, 2);
    /* rfc8446#4.6.1: opaque ticket<1..2^16-1>. */
    if (!tls_rd_end(body) || ticket.len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "NewSessionTicket message is malformed");
    tls_ext_list exts;
    if (tls_hs_parse_extensions(c, &ext_block, &exts, "NewSessionTicket") != 0 ||
        tls_ext_check(c, &exts, TLS_EXT_IN_NST) != 0)
        return -1;
    /* rfc8446#4.6.1: "Servers MUST NOT use any value greater than 604800
     * seconds (7 days)", and "Clients MUST NOT cache tickets for longer
     * than 7 days, regardless of the ticket_lifetime": a longer one is
     * kept for 7 days (as a TLS 1.2 lifetime hint is), not a reason to end
     * a connection that works; the ticket is optional to us anyway. */
    if (lifetime > TLS_MAX_TICKET_LIFETIME)
        lifetime = TLS_MAX_TICKET_LIFETIME;
    /* rfc8446#4.2.10: in a NewSessionTicket, early_data carries uint32
     * max_early_data_size. */
    uint32_t max_early_data = 0;
    tls_reader *early = tls_hs_find_ext(&exts, TLS_EXT_EARLY_DATA);
    if (early != NULL) {
        max_early_data = tls_rd_u32(early);
        if (!tls_rd_end(early))
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "NewSessionTicket early_data is malformed");
    }
    /* Checked like any other (a malformed one is still the peer's error),
     * but not kept: a client keeps one session, and deriving and copying
     * for each of a long run would cost more than the tickets are worth. */
    if (c->tickets_in_row > TLS_MAX_TICKETS_IN_ROW) {
        if (!tls_tracing(c))
            return 0;
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "NewSessionTicket");
        tls_trace_add(&tb, "ticket_bytes", "%zu", ticket.len);
        tls_trace_add(&tb, "note", "ignored: more than %d tickets without application data in between",
                      TLS_MAX_TICKETS_IN_ROW);
        return tls_trace_emit(c, &tb);
    }
    return tls13_psk_client_new_ticket(c, lifetime, age_add, &nonce, &ticket, max_early_data);
}

int tls_hs_post_handshake(tls_conn *c, uint8_t type, tls_reader *body)
{
    if (type == TLS_HS_KEY_UPDATE)
        return handle_key_update(c, body);
    /* rfc8446#4.6.1: only servers send NewSessionTicket. */
    if (type == TLS_HS_NEW_SESSION_TICKET && !c->is_server)
        return handle_new_session_ticket(c, body);
    const char *name = tls_handshake_name(type);
    return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected %s message after the handshake",
                    name ? name : "handshake");
}

/* rfc8446#4.1.3: a ServerHello with this random is a HelloRetryRequest
 * (SHA-256 of "HelloRetryRequest"). */
const uint8_t tls_hrr_random[TLS_RANDOM_LEN] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

int tls13_key_update(tls_conn *c, int request_peer)
{
    /* rfc8446#4.6.3: "After sending a KeyUpdate message, the sender SHALL
     * send all its traffic using the next generation of keys". The message
     * goes under the current key, and the key changes before anything else
     * is written, a trace callback's failure alert included. */
    const uint8_t msg[TLS_HS_HEADER_LEN + 1] = { TLS_HS_KEY_UPDATE, 0, 0, 1, request_peer ? 1 : 0 };
    uint8_t *own = c->is_server ? c->keys.server_ap : c->keys.client_ap;
    if (tls_record_write(c, TLS_CT_HANDSHAKE, msg, sizeof msg) != 0 ||
        tls13_next_traffic_secret(c->suite->md, own, &c->err) != 0 || tls_record_install_write_key(c, own) != 0)
        return -1;
    c->own_key_update = 1;
    c->key_update_answered = 0;
    c->key_update_asked |= request_peer;
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "send", "KeyUpdate");
    tls_trace_add(&tb, "request_update", "%s", request_peer ? "update_requested" : "update_not_requested");
    if (tls_trace_emit(c, &tb) != 0)
        return -1;
    tls_trace_begin(&tb, "key", "write key changed");
    tls_trace_add(&tb, "secret", "%s", "our next application traffic secret");
    tls_trace_add(&tb, "cipher", "%s", c->suite->name);
    return tls_trace_emit(c, &tb);
}
