/* Handshake pieces both versions and both sides share: message framing,
 * the dispatch of each message to its state machine, and the acceptance of
 * the peer's certificate chain. */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "engine/tls_conn_int.h"
#include "util/tls_names.h"
#include "pki/tls_pin.h"
#include "pki/tls_x509.h"

size_t tls_hs_begin_message(tls_buf *msg, uint8_t type)
{
    tls_buf_u8(msg, type);
    return tls_buf_open_block(msg, 3);
}

void tls_hs_end_message(tls_buf *msg, size_t off) { tls_buf_close_block(msg, off, 3); }

int tls_hs_build_failed(tls_conn *c, const tls_buf *msg, uint8_t type)
{
    if (msg->oom == TLS_BUF_TOO_LONG && type == TLS_HS_CLIENT_HELLO) {
        c->hello_too_long = 1;
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR,
                        "the ClientHello would be too long: its extensions exceed 65535 bytes (the alpn list "
                        "alone is %zu bytes; a kept session's ticket counts too)", c->cfg->alpn.len);
    }
    if (msg->oom == TLS_BUF_TOO_LONG)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "a handshake message would be too long for its "
                                                           "length fields");
    return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory building a handshake message");
}

int tls_hs_send(tls_conn *c, tls_buf *msg)
{
    if (!tls_buf_ok(msg))
        return tls_hs_build_failed(c, msg, msg->len > 0 ? msg->data[0] : 0);
    if (tls_transcript_add(&c->transcript, msg->data, msg->len, &c->err) != 0)
        return -1;
    return tls_record_write(c, TLS_CT_HANDSHAKE, msg->data, msg->len);
}

int tls_hs_handle(tls_conn *c, const uint8_t *msg, size_t len)
{
    uint8_t type = msg[0];
    tls_reader body = tls_rd_init(msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
    if (c->state == ST_CONNECTED)
        return c->version == TLS_VERSION_12 ? tls12_post_handshake(c, type, &body)
                                            : tls_hs_post_handshake(c, type, &body);
    if (c->is_server)
        return tls_server_handle(c, type, &body, msg, len);
    return tls_client_handle(c, type, &body, msg, len);
}

int tls_hs_change_cipher_spec(tls_conn *c)
{
    c->ccs_expected = 0;
    if (c->is_server)
        return tls12_server_change_cipher_spec(c);
    return tls12_client_change_cipher_spec(c);
}

size_t tls_hs_max_message(const tls_conn *c, uint8_t type)
{
    if (c->is_server && type == TLS_HS_CLIENT_HELLO &&
        (c->state == ST_SERVER_WAIT_CH || c->state == ST_SERVER_WAIT_CH2))
        return TLS_MAX_CLIENT_HELLO;
    if (!c->is_server && type == TLS_HS_NEW_SESSION_TICKET)
        return TLS_MAX_NEW_SESSION_TICKET;
    if (type == TLS_HS_CERTIFICATE &&
        (c->state == ST_CLIENT_WAIT_CERT_CR || c->state == ST_CLIENT_WAIT_CERT || c->state == ST_SERVER_WAIT_CERT ||
         c->state == ST_CLIENT12_WAIT_CERT || c->state == ST_SERVER12_WAIT_CERT))
        return TLS_MAX_CERTIFICATE_MESSAGE;
    /* TLS 1.3: after EncryptedExtensions; TLS 1.2: after ServerKeyExchange,
     * or with RSA key transport after the Certificate (and an omitted
     * CertificateStatus). */
    if (type == TLS_HS_CERTIFICATE_REQUEST &&
        (c->state == ST_CLIENT_WAIT_CERT_CR || c->state == ST_CLIENT12_WAIT_SHD ||
         c->state == ST_CLIENT12_WAIT_CERT_STATUS))
        return TLS_MAX_CERTIFICATE_REQUEST;
    if (type == TLS_HS_ENCRYPTED_EXTENSIONS && c->state == ST_CLIENT_WAIT_EE)
        return TLS_MAX_ENCRYPTED_EXTENSIONS;
    return TLS_MAX_HANDSHAKE_MESSAGE;
}

int tls_hs_trace_own_certificate(tls_conn *c, int empty)
{
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "send", "Certificate");
    if (empty) {
        tls_trace_add(&tb, "certificates", "none");
    } else {
        X509 *leaf = sk_X509_value(c->own->chain, 0);
        char subject[256];
        tls_x509_name_text(X509_get_subject_name(leaf), subject, sizeof subject);
        tls_trace_add(&tb, "subject", "%s", subject);
        tls_trace_add(&tb, "chain_length", "%d", sk_X509_num(c->own->chain));
        if (c->ocsp_staple.len > 0 && c->version == TLS_VERSION_13)
            tls_trace_add(&tb, "ocsp_staple", "%zu bytes, in the leaf's status_request", c->ocsp_staple.len);
    }
    return tls_trace_emit(c, &tb);
}

int tls_hs_send_certificate_request(tls_conn *c, tls_buf *msg, tls_buf *names, size_t n_names,
                                    const char *field, const char *value)
{
    int rc = tls_buf_ok(names) ? tls_hs_send(c, msg) : tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    tls_buf_free(msg);
    tls_buf_free(names);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "CertificateRequest");
        tls_trace_add(&tb, field, "%s", value);
        tls_trace_add_list(&tb, "signature_algorithms", c->pol.sigalgs, c->pol.n_sigalgs, tls_sigscheme_name);
        tls_trace_add(&tb, "certificate_authorities", "%zu", n_names);
        tls_trace_add(&tb, "client_certificate", "%s",
                      c->pol.verify == TLS_VERIFY_REQUIRED ? "required" : "optional");
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

int tls_hs_client_sent_no_certificate(tls_conn *c, uint8_t alert)
{
    int required = c->pol.verify == TLS_VERIFY_REQUIRED;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "Certificate");
        tls_trace_add(&tb, "certificates", "none");
        tls_trace_add(&tb, "meaning", "%s",
                      required ? (c->hooks && c->hooks->verify
                                      ? "the client has no certificate for us, and our verify function needs one"
                                      : "the client has no certificate for us, and verify = \"required\"")
                               : "the client has no certificate for us: it goes on unauthenticated "
                                 "(verify = \"optional\")");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    /* review32c F1: a verify function on a server asks for a certificate
     * and requires one; the message must not name an option never set. */
    if (required)
        return tls_fail(&c->err, alert, "client sent no certificate, and this server requires one (%s)",
                        c->hooks && c->hooks->verify ? "its verify function needs a chain to judge"
                                                     : "verify = \"required\"");
    return 0;
}

int tls_hs_push_peer_certificate(tls_conn *c, const uint8_t *der, size_t len)
{
    if (c->peer_chain == NULL && (c->peer_chain = sk_X509_new_null()) == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    if (sk_X509_num(c->peer_chain) >= TLS_MAX_CHAIN_LENGTH)
        return tls_fail(&c->err, TLS_ALERT_BAD_CERTIFICATE,
                        "certificate chain longer than %d certificates", TLS_MAX_CHAIN_LENGTH);
    X509 *cert = tls_cert_cache_get(c->cfg, der, len);
    if (cert == NULL)
        return tls_fail_crypto(&c->err, TLS_ALERT_BAD_CERTIFICATE, "peer certificate cannot be parsed");
    if (!sk_X509_push(c->peer_chain, cert)) {
        X509_free(cert);
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    }
    return 0;
}

int tls_hs_accept_peer_chain(tls_conn *c)
{
    X509 *leaf = sk_X509_value(c->peer_chain, 0);
    /* CRLs loaded into the context apply to connections already made, and
     * loading the first turns the check on (tls_config_load_crl): a
     * connection made before it takes that check, never a weaker one. */
    if (c->pol.crl_check == TLS_CRL_CHECK_NONE)
        c->pol.crl_check = c->cfg->crl_check;
    /* What this chain is verified under, before the verify function (which
     * could load a CRL) runs: a session made later records these. */
    tls_resume_note_verified(c);
    c->peer_key = X509_get_pubkey(leaf);
    if (c->peer_key == NULL)
        return tls_fail_crypto(&c->err, TLS_ALERT_BAD_CERTIFICATE, "peer certificate has an unusable key");
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        char subject[256], issuer[256];
        tls_x509_name_text(X509_get_subject_name(leaf), subject, sizeof subject);
        tls_x509_name_text(X509_get_issuer_name(leaf), issuer, sizeof issuer);
        tls_trace_begin(&tb, "receive", "Certificate");
        tls_trace_add(&tb, "subject", "%s", subject);
        tls_trace_add(&tb, "issuer", "%s", issuer);
        tls_trace_add(&tb, "chain_length", "%d", sk_X509_num(c->peer_chain));
        tls_trace_add(&tb, "verification", "%s",
                      !c->pol.verify ? "off"
                      : c->is_server  ? "checking the client's chain (clientAuth, no name)"
                      : c->pol.verify_chain_only ? "checking the chain only (no name was given)"
                                      : "checking chain and name");
        if (!c->is_server && c->ocsp_asked && c->version == TLS_VERSION_13)
            tls_trace_add(&tb, "ocsp_staple", "%zu bytes%s", c->ocsp_staple.len,
                          c->ocsp_staple.len > 0 ? ", in the leaf's status_request" : ": none stapled");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    /* libcrypto's verdict goes to the verify hook when there is one, which
     * has the last word; without one a failure stands. A client's
     * certificate signs its CertificateVerify, whatever the key exchange:
     * only a server's may need keyEncipherment (TLS 1.2 RSA). */
    TLS_ERROR_LOCAL(verdict);
    tls_error_clear(&verdict);
    STACK_OF(X509) *verified = NULL;
    int ok = !c->pol.verify ||
             tls_x509_verify_chain_at(c->cfg, c->pol.security_level, c->pol.crl_check, c->peer_chain,
                                      c->is_server || c->pol.verify_chain_only ? NULL : c->server_name,
                                      c->is_server,
                                      !c->is_server && c->version == TLS_VERSION_12 && c->suite != NULL &&
                                          c->suite->kx == TLS_KX_RSA,
                                      &verified, &verdict) == 0;
    if (c->hooks && c->hooks->verify) {
        char why[TLS_REASON_MAX] = "";
        c->in_callback = 1;
        int accept = c->hooks->verify(c->hooks_ud, c->peer_chain, ok && c->pol.verify ? verified : NULL,
                                      ok && c->pol.verify,
                                      ok ? (c->pol.verify ? NULL : "verification is off")
                                         : verdict.reason,
                                      why, sizeof why);
        c->in_callback = 0;
        if (accept != 1) {
            sk_X509_pop_free(verified, X509_free);
            /* rfc8446#6.2: bad_certificate, as for a chain libcrypto refuses. */
            return tls_fail(&c->err, TLS_ALERT_BAD_CERTIFICATE,
                            "certificate rejected by the verify function: %s",
                            why[0] ? why : "it returned false");
        }
    } else if (!ok) {
        return tls_fail(&c->err, verdict.alert, "%s%s", c->is_server ? "client certificate rejected: " : "",
                        verdict.reason);
    }
    /* The OCSP CertID names the issuer by its key: the issuer must be the
     * one the path was verified through, not any certificate of the peer's
     * that merely bears the issuer's name (a second CA of that name would
     * otherwise vouch for a certificate it never issued). A leaf that is
     * itself the trust anchor is its own issuer. */
    int n_verified = sk_X509_num(verified);
    if (n_verified > 0 && c->peer_issuer == NULL) {
        X509 *issuer = sk_X509_value(verified, n_verified > 1 ? 1 : 0);
        if (X509_up_ref(issuer))
            c->peer_issuer = issuer;
    }
    /* Pins count only keys of a verified path (or the leaf alone). */
    int rc = tls_pin_check(c->cfg, verified, leaf, &c->err);
    if (rc == 0 && ok && c->pol.verify) {
        c->peer_verified = 1;
        c->chain_not_after = tls_resume_chain_not_after(verified);
        /* Kept for conn:verifiedchain(): the chain as sent may hold
         * certificates off this path, or hold them out of order. */
        sk_X509_pop_free(c->peer_path, X509_free);
        c->peer_path = verified;
        verified = NULL;
    }
    sk_X509_pop_free(verified, X509_free);
    return rc;
}

