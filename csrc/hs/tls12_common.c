/* TLS 1.2 pieces both sides share: the Certificate message, which key
 * fits which suite, what follows the handshake (renegotiation refused,
 * rfc5746) and the wiping of the TLS 1.2 state. */
#include <string.h>
#include <openssl/crypto.h>

#include "engine/tls_conn_int.h"
#include "util/tls_names.h"

/* ---- Certificate (rfc5246#7.4.2) ------------------------------------------- */

/* certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>, leaf first: the
 * TLS 1.3 entries of c->own->cert_entries (encoded once per configuration)
 * without their extension blocks. Empty sends none (a client answering
 * CertificateRequest without a certificate). */
int tls12_send_certificate(tls_conn *c, int empty)
{
    tls_buf msg;
    tls_buf_init(&msg);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_CERTIFICATE);
    size_t list = tls_buf_open_block(&msg, 3);
    tls_reader entries = tls_rd_init(empty ? NULL : c->own->cert_entries.data,
                                     empty ? 0 : c->own->cert_entries.len);
    while (tls_rd_left(&entries) > 0) {
        tls_reader der = tls_rd_vec(&entries, 3);
        tls_rd_vec(&entries, 2);
        size_t cert = tls_buf_open_block(&msg, 3);
        tls_buf_bytes(&msg, der.p, der.len);
        tls_buf_close_block(&msg, cert, 3);
    }
    tls_buf_close_block(&msg, list, 3);
    tls_hs_end_message(&msg, off);
    int rc = tls_rd_ok(&entries) ? tls_hs_send(c, &msg)
                                 : tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "our certificate list is malformed");
    tls_buf_free(&msg);
    return rc == 0 ? tls_hs_trace_own_certificate(c, empty) : -1;
}

/* Parses a peer's Certificate into c->peer_chain; *empty tells whether the
 * list was empty (then no chain is accepted). Otherwise the chain is
 * accepted (key, trace, verification). */
int tls12_parse_certificate(tls_conn *c, tls_reader *body, int *empty)
{
    tls_reader list = tls_rd_vec(body, 3);
    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Certificate message is malformed");
    while (tls_rd_left(&list) > 0) {
        tls_reader der = tls_rd_vec(&list, 3);
        if (!tls_rd_ok(&list) || der.len == 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Certificate: malformed certificate entry");
        if (tls_hs_push_peer_certificate(c, der.p, der.len) != 0)
            return -1;
    }
    *empty = c->peer_chain == NULL || sk_X509_num(c->peer_chain) == 0;
    return *empty ? 0 : tls_hs_accept_peer_chain(c);
}

int tls12_state_new(tls_conn *c)
{
    if (c->t12 == NULL && (c->t12 = OPENSSL_zalloc(sizeof *c->t12)) == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    return 0;
}

void tls12_state_wipe(tls_conn *c)
{
    if (c->t12 == NULL)
        return;
    c->extended_master_secret |= c->t12->ems;
    tls_buf_free(&c->t12->ticket);
    OPENSSL_clear_free(c->t12, sizeof *c->t12);
    c->t12 = NULL;
}

int tls12_post_handshake(tls_conn *c, uint8_t type, tls_reader *body)
{
    /* review32a F3: rfc5246#7.4.1.1 "struct { } HelloRequest", refused
     * with a body after the handshake as during it. */
    if (!c->is_server && type == TLS_HS_HELLO_REQUEST && tls_rd_left(body) != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "HelloRequest is not empty");
    /* rfc5246#7.4.1.1 and rfc5746#4.2/#4.4: a HelloRequest to a client, or a
     * new ClientHello to a server, asks to renegotiate. We never do: the
     * answer is a warning no_renegotiation, and the connection goes on
     * (rfc5246#7.2.2: "the recipient ... may continue"). */
    int asks_renegotiation = (!c->is_server && type == TLS_HS_HELLO_REQUEST) ||
                             (c->is_server && type == TLS_HS_CLIENT_HELLO);
    if (!asks_renegotiation) {
        const char *name = tls_handshake_name(type);
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected %s message after the handshake",
                        name ? name : "handshake");
    }
    /* Each refusal costs an alert: a peer asking without end is cut off
     * like a KeyUpdate flood. */
    if (++c->key_updates_in_row > TLS_MAX_KEY_UPDATES_IN_ROW)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "peer asked to renegotiate more than %d times without application data in between",
                        TLS_MAX_KEY_UPDATES_IN_ROW);
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", tls_handshake_name(type));
        tls_trace_add(&tb, "meaning", "the peer asks to renegotiate; refused (no_renegotiation), the "
                                      "connection goes on");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    if (c->status & TLS_STATUS_CLOSED)
        return 0;
    return tls_record_send_alert(c, TLS_ALERT_LEVEL_WARNING, TLS_ALERT_NO_RENEGOTIATION);
}
