/* OCSP stapling in the handshake (rfc6066#8; rfc8446#4.4.2.1), both
 * versions and both sides:
 *
 *   client: status_request (ocsp, no responder ids or extensions) in the
 *           ClientHello; the response comes in the TLS 1.3 leaf entry's
 *           status_request extension, or in TLS 1.2 as a CertificateStatus
 *           message after Certificate (the ServerHello answering with an
 *           empty status_request); tls_ocsp_client_decide judges it.
 *   server: staples when the client asked and there is a response (the
 *           application's function, given the leaf chosen and the server
 *           name, else the context's for its first pair) about the
 *           certificate chosen (tls_ocsp_response_names).
 *
 * The response itself is read only by libcrypto (pki/tls_ocsp.c). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "engine/tls_conn_int.h"
#include "pki/tls_x509.h"
#include "util/tls_names.h"

/* rfc6066#8: CertificateStatusType ocsp(1). */
#define STATUS_TYPE_OCSP 1

/* ---- Client: asking ------------------------------------------------------ */

void tls_ocsp_put_status_request(tls_conn *c, tls_buf *msg)
{
    c->ocsp_asked = c->pol.ocsp != TLS_OCSP_OFF;
    if (!c->ocsp_asked)
        return;
    /* rfc6066#8: struct { status_type ocsp; OCSPStatusRequest {
     * responder_id_list<0..2^16-1>, request_extensions<0..2^16-1> } }:
     * both empty, "the responders are implicitly known to the server". */
    c->ext_sent |= tls_ext_bit(TLS_EXT_STATUS_REQUEST);
    tls_buf_u16(msg, TLS_EXT_STATUS_REQUEST);
    size_t e = tls_buf_open_block(msg, 2);
    tls_buf_u8(msg, STATUS_TYPE_OCSP);
    tls_buf_u16(msg, 0);
    tls_buf_u16(msg, 0);
    tls_buf_close_block(msg, e, 2);
}

/* ---- Server: answering ----------------------------------------------------- */

int tls_ocsp_read_status_request(tls_conn *c, tls_reader *body)
{
    c->ocsp_asked = 0;
    uint8_t type = tls_rd_u8(body);
    if (!tls_rd_ok(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello status_request is malformed");
    /* Other status types (none are defined by rfc6066) are not ours to
     * parse: we answer only ocsp. */
    if (type != STATUS_TYPE_OCSP)
        return 0;
    tls_rd_vec(body, 2); /* responder_id_list: the responder is ours to know */
    tls_rd_vec(body, 2); /* request_extensions: nonces cannot apply to a stapled response */
    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello status_request is malformed");
    c->ocsp_asked = 1;
    return 0;
}

static int trace_server_decision(tls_conn *c, const char *source)
{
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "decide", "ocsp");
    if (c->ocsp_staple.len > 0) {
        tls_trace_add(&tb, "staple", "%zu bytes", c->ocsp_staple.len);
        tls_trace_add(&tb, "source", "%s", source);
    } else {
        tls_trace_add(&tb, "staple", "none: %s", source);
    }
    return tls_trace_emit(c, &tb);
}

int tls_ocsp_server_prepare(tls_conn *c)
{
    if (!c->ocsp_asked || c->ocsp_done)
        return 0;
    c->ocsp_done = 1;
    tls_buf_clear(&c->ocsp_staple);
    const char *source;
    if (c->hooks && c->hooks->ocsp_response) {
        char why[TLS_REASON_MAX - 40] = "";
        c->in_callback = 1;
        X509 *leaf = c->own ? sk_X509_value(c->own->chain, 0) : NULL;
        int rc = c->hooks->ocsp_response(c->hooks_ud, leaf, c->server_name, &c->ocsp_staple, why, sizeof why);
        c->in_callback = 0;
        if (rc == -2)
            return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "%s", why[0] ? why : "ocsp function failed");
        if (!tls_buf_ok(&c->ocsp_staple))
            return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
        if (rc != 1)
            tls_buf_clear(&c->ocsp_staple);
        /* What a function returns is checked as a loaded file is: a peer
         * must never receive bytes we would not staple. */
        if (c->ocsp_staple.len > 0 &&
            tls_ocsp_response_problem(c->ocsp_staple.data, c->ocsp_staple.len, why, sizeof why) != 0)
            return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "ocsp function: %s", why);
        source = c->ocsp_staple.len > 0 ? "the ocsp function" : "the ocsp function returned none";
    } else if (c->cfg->ocsp_response.len > 0 && c->own == &c->cfg->ids[0]) {
        /* The configured response is about the first pair's certificate. */
        tls_buf_bytes(&c->ocsp_staple, c->cfg->ocsp_response.data, c->cfg->ocsp_response.len);
        if (!tls_buf_ok(&c->ocsp_staple))
            return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
        source = "the context's ocsp response";
    } else {
        source = c->cfg->ocsp_response.len > 0 ? "the ocsp response is for the first certificate only"
                                               : "no ocsp response configured";
    }
    /* rfc6066#8, rfc8446#4.4.2.1: the response is about the certificate
     * sent. One that is not (another pair's, or a stale cache's after a
     * renewal) would fail every client that asked: better none. */
    char about[TLS_REASON_MAX - 40];
    if (c->ocsp_staple.len > 0 &&
        tls_ocsp_response_names(c->cfg->store, c->own ? c->own->chain : NULL, c->ocsp_staple.data,
                                c->ocsp_staple.len, about, sizeof about) == 0) {
        tls_buf_clear(&c->ocsp_staple);
        source = about;
    }
    return trace_server_decision(c, source);
}

/* rfc6066#8: struct { status_type; opaque OCSPResponse<1..2^24-1> }. */
static void put_certificate_status(tls_conn *c, tls_buf *msg)
{
    tls_buf_u8(msg, STATUS_TYPE_OCSP);
    size_t r = tls_buf_open_block(msg, 3);
    tls_buf_bytes(msg, c->ocsp_staple.data, c->ocsp_staple.len);
    tls_buf_close_block(msg, r, 3);
}

void tls13_ocsp_put_cert_entries(tls_conn *c, tls_buf *msg)
{
    const tls_buf *e = &c->own->cert_entries;
    if (!c->is_server || c->ocsp_staple.len == 0 || e->len < 5) {
        tls_buf_bytes(msg, e->data, e->len);
        return;
    }
    /* rfc8446#4.4.2.1: "the server's OCSP information is carried in an
     * extension in the CertificateEntry containing the associated
     * certificate": the leaf's, the first entry, whose pre-encoded
     * extensions are empty. */
    size_t leaf = 3 + ((size_t)e->data[0] << 16 | (size_t)e->data[1] << 8 | e->data[2]);
    tls_buf_bytes(msg, e->data, leaf);
    size_t exts = tls_buf_open_block(msg, 2);
    tls_buf_u16(msg, TLS_EXT_STATUS_REQUEST);
    size_t body = tls_buf_open_block(msg, 2);
    put_certificate_status(c, msg);
    tls_buf_close_block(msg, body, 2);
    tls_buf_close_block(msg, exts, 2);
    tls_buf_bytes(msg, e->data + leaf + 2, e->len - leaf - 2);
}

int tls12_ocsp_send_certificate_status(tls_conn *c)
{
    if (c->ocsp_staple.len == 0)
        return 0;
    tls_buf msg;
    tls_buf_init(&msg);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_CERTIFICATE_STATUS);
    put_certificate_status(c, &msg);
    tls_hs_end_message(&msg, off);
    int rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "CertificateStatus");
        tls_trace_add(&tb, "ocsp_response", "%zu bytes", c->ocsp_staple.len);
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

/* ---- Client: receiving --------------------------------------------------------- */

int tls12_ocsp_server_hello(tls_conn *c, tls_ext_list *exts)
{
    tls_reader *r = tls_hs_find_ext(exts, TLS_EXT_STATUS_REQUEST);
    if (r == NULL)
        return 0;
    /* rfc6066#8: the server's "extension_data" field of the extension
     * SHALL be empty. (tls_ext_check refused it if we did not ask.) */
    if (tls_rd_left(r) != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ServerHello status_request is not empty");
    c->ocsp_acked = 1;
    return 0;
}

int tls_ocsp_read_certificate_status(tls_conn *c, tls_reader *body, const char *where)
{
    uint8_t type = tls_rd_u8(body);
    tls_reader resp = tls_rd_vec(body, 3);
    if (!tls_rd_end(body) || resp.len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s is malformed", where);
    /* We asked for ocsp only (rfc6066#8: the response's type is the one
     * requested). */
    if (type != STATUS_TYPE_OCSP)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "%s has status_type %u; we asked for ocsp (1)", where, type);
    if (resp.len > TLS_OCSP_MAX_RESPONSE)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s: OCSP response of %zu bytes is too large", where,
                        resp.len);
    tls_buf_clear(&c->ocsp_staple);
    tls_buf_bytes(&c->ocsp_staple, resp.p, resp.len);
    if (!tls_buf_ok(&c->ocsp_staple))
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    return 0;
}

int tls12_ocsp_after_certificate(tls_conn *c)
{
    if (c->ocsp_acked) {
        c->state = ST_CLIENT12_WAIT_CERT_STATUS;
        return 0;
    }
    return tls_ocsp_client_decide(c);
}

int tls12_ocsp_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len)
{
    c->state = c->suite->kx == TLS_KX_ECDHE ? ST_CLIENT12_WAIT_SKE : ST_CLIENT12_WAIT_SHD;
    /* rfc6066#8: "a server MAY also choose not to send a
     * "CertificateStatus" message, even if has received a
     * "status_request" extension in the client hello message and has sent
     * a "status_request" extension in the server hello message". */
    if (type != TLS_HS_CERTIFICATE_STATUS)
        return tls_ocsp_client_decide(c) == 0 ? tls12_client_handle(c, type, body, msg, len) : -1;
    if (tls_ocsp_read_certificate_status(c, body, "CertificateStatus") != 0)
        return -1;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "CertificateStatus");
        tls_trace_add(&tb, "ocsp_response", "%zu bytes", c->ocsp_staple.len);
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    if (tls_ocsp_client_decide(c) != 0)
        return -1;
    return tls_transcript_add(&c->transcript, msg, len, &c->err);
}

static void time_text(int64_t t, char *out, size_t size)
{
    ASN1_TIME *a = t ? ASN1_TIME_set(NULL, (time_t)t) : NULL;
    if (a == NULL)
        snprintf(out, size, "-");
    else
        tls_x509_time_text(a, out, size);
    ASN1_TIME_free(a);
}

static int trace_client_decision(tls_conn *c, const char *action)
{
    if (!tls_tracing(c))
        return 0;
    const tls_ocsp_result *r = c->ocsp;
    char when[64];
    tls_trace_builder tb;
    tls_trace_begin(&tb, "decide", "ocsp");
    tls_trace_add(&tb, "status", "%s", tls_ocsp_status_name(r->status));
    if (r->this_update) {
        time_text(r->this_update, when, sizeof when);
        tls_trace_add(&tb, "this_update", "%s", when);
    }
    if (r->next_update) {
        time_text(r->next_update, when, sizeof when);
        tls_trace_add(&tb, "next_update", "%s", when);
    }
    if (r->status == TLS_OCSP_STATUS_REVOKED) {
        time_text(r->revocation_time, when, sizeof when);
        tls_trace_add(&tb, "revoked_at", "%s", when);
    }
    if (r->reason[0])
        tls_trace_add(&tb, "reason", "%s", r->reason);
    tls_trace_add(&tb, "action", "%s", action);
    return tls_trace_emit(c, &tb);
}

/* rfc7633#4.2.3.1: a certificate with the TLS feature status_request
 * ("must-staple") is presented with a stapled OCSP response, or not at
 * all. libcrypto decodes the extension; an extension it cannot decode is
 * taken as the feature, the safe side. */
static int leaf_must_staple(const tls_conn *c)
{
    X509 *leaf = c->peer_chain != NULL && sk_X509_num(c->peer_chain) > 0 ? sk_X509_value(c->peer_chain, 0) : NULL;
    if (leaf == NULL || X509_get_ext_by_NID(leaf, NID_tlsfeature, -1) < 0)
        return 0;
    STACK_OF(ASN1_INTEGER) *features = X509_get_ext_d2i(leaf, NID_tlsfeature, NULL, NULL);
    if (features == NULL)
        return 1;
    int found = 0;
    for (int i = 0; i < sk_ASN1_INTEGER_num(features) && !found; i++)
        found = ASN1_INTEGER_get(sk_ASN1_INTEGER_value(features, i)) == TLS_EXT_STATUS_REQUEST;
    sk_ASN1_INTEGER_pop_free(features, ASN1_INTEGER_free);
    return found;
}

int tls_ocsp_client_decide(tls_conn *c)
{
    if (!c->ocsp_asked)
        return 0;
    if (c->ocsp == NULL && (c->ocsp = OPENSSL_zalloc(sizeof *c->ocsp)) == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    tls_ocsp_result *r = c->ocsp;
    if (c->ocsp_staple.len == 0) {
        memset(r, 0, sizeof *r);
        r->status = TLS_OCSP_STATUS_NONE;
    } else {
        tls_ocsp_check(c->cfg->store, c->peer_chain, c->peer_issuer, c->ocsp_staple.data, c->ocsp_staple.len,
                       r);
    }
    tls_buf_free(&c->ocsp_staple);
    c->ocsp_done = 1;
    int must_staple = leaf_must_staple(c);
    int require = c->pol.ocsp == TLS_OCSP_REQUIRE || must_staple;
    const char *why = c->pol.ocsp == TLS_OCSP_REQUIRE ? "ocsp = \"require\""
                                                       : "the server's certificate is must-staple (RFC 7633)";
    /* A revoked status signed by the issuer is a definite answer whatever
     * the client asked for: the certificate must not be used. */
    if (r->status == TLS_OCSP_STATUS_REVOKED) {
        if (trace_client_decision(c, "fail: the certificate is revoked") != 0)
            return -1;
        char when[64];
        time_text(r->revocation_time, when, sizeof when);
        return tls_fail(&c->err, TLS_ALERT_CERTIFICATE_REVOKED,
                        "server certificate is revoked (stapled OCSP response: %s, since %s)", r->reason, when);
    }
    /* rfc6066#8: a client "MUST check the OCSP response and abort the
     * handshake if the response is not satisfactory with
     * bad_certificate_status_response(113) alert": a response that was sent
     * and does not hold (signature, signer, validity window, another
     * certificate) fails whatever the client asked for. With ocsp = true
     * a missing response or status unknown is only reported (no statement
     * either way); with "require" they fail too. */
    if (!require && r->status == TLS_OCSP_STATUS_BAD) {
        if (trace_client_decision(c, "fail: the stapled response is not satisfactory") != 0)
            return -1;
        return tls_fail(&c->err, TLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE, "bad OCSP response: %s", r->reason);
    }
    if (require && r->status != TLS_OCSP_STATUS_GOOD) {
        char decision[96];
        snprintf(decision, sizeof decision, "fail: %s", why);
        if (trace_client_decision(c, decision) != 0)
            return -1;
        if (r->status == TLS_OCSP_STATUS_NONE)
            return tls_fail(&c->err, TLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE,
                            "%s: the server stapled no OCSP response", why);
        if (r->status == TLS_OCSP_STATUS_UNKNOWN)
            return tls_fail(&c->err, TLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE,
                            "%s: the OCSP responder does not know the server's certificate (status unknown)", why);
        return tls_fail(&c->err, TLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE, "%s: bad OCSP response: %s", why,
                        r->reason);
    }
    return trace_client_decision(c, r->status == TLS_OCSP_STATUS_GOOD ? "continue" : "continue (reported in info)");
}
