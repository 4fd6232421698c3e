/* The TLS 1.3 client after the ServerHello: one state, one expected
 * message (rfc8446#A.1). */
#include <string.h>

#include "hs/tls_hello.h"
#include "util/tls_names.h"
#include "pki/tls_x509.h"
#include "hs/tls_client_cert.h"
#include "hs/tls13_early.h"
#include "hs/tls13_psk_client.h"

static int unexpected(tls_conn *c, uint8_t type, const char *wanted)
{
    const char *name = tls_handshake_name(type);
    return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "expected %s, got %s", wanted,
                    name ? name : "an unknown handshake message");
}

/* A new key pair for c->group, for the second ClientHello. */
static int make_key_share(tls_conn *c)
{
    tls_buf_clear(&c->client_share);
    return tls_kex_generate(&c->kex, c->group, &c->client_share, &c->err);
}

static int handle_hello_retry(tls_conn *c, tls_ext_list *exts, const uint8_t *msg, size_t len)
{
    if (tls_ext_check(c, exts, TLS_EXT_IN_HRR) != 0)
        return -1;
    tls_reader *ks = tls_hs_find_ext(exts, TLS_EXT_KEY_SHARE);
    tls_reader *cookie = tls_hs_find_ext(exts, TLS_EXT_COOKIE);
    uint16_t group = c->group;
    if (ks != NULL) {
        group = tls_rd_u16(ks);
        if (!tls_rd_end(ks))
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "HelloRetryRequest key_share is malformed");
        /* rfc8446#4.2.8: the group must be offered and not already shared. */
        if (!tls_hello_offered(c->pol.groups, c->pol.n_groups, group) || group == c->group)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                            "HelloRetryRequest asks for group %s, which is not usable",
                            tls_group_name(group) ? tls_group_name(group) : "unknown");
    }
    tls_buf_clear(&c->cookie);
    if (cookie != NULL) {
        tls_reader value = tls_rd_vec(cookie, 2);
        if (!tls_rd_end(cookie) || value.len == 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "HelloRetryRequest cookie is malformed");
        tls_buf_bytes(&c->cookie, value.p, value.len);
    }
    /* rfc8446#4.1.4: a HelloRetryRequest that changes nothing is illegal_parameter. */
    if (ks == NULL && cookie == NULL)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "HelloRetryRequest asks for no change");
    c->hello_retry = 1;
    if (tls_transcript_set_hash(&c->transcript, c->suite->md, &c->err) != 0 ||
        tls_transcript_hrr_rewrite(&c->transcript, &c->err) != 0 ||
        tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)
        return -1;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "HelloRetryRequest");
        tls_trace_add(&tb, "cipher", "%s", c->suite->name);
        tls_trace_add(&tb, "group", "%s", tls_group_name(group));
        tls_trace_add(&tb, "meaning", "the server wants a key share for another group: try again");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    /* rfc8446#4.1.2: the key share is replaced only if the HelloRetryRequest
     * names a group; after a cookie-only one the same share goes again. */
    if (ks != NULL) {
        c->group = group;
        if (make_key_share(c) != 0)
            return -1;
    }
    /* rfc8446#D.4: the dummy change_cipher_spec goes before the second
     * flight (with early data offered, it went after the first ClientHello). */
    if (tls13_early_client_retry(c) != 0 || (!c->ccs_sent && tls_record_send_ccs(c) != 0))
        return -1;
    c->ccs_sent = 1;
    return tls_hello_send_client_hello(c);
}

/* rfc8446#4.1.3 and on: the ServerHello chose TLS 1.3. */
int tls13_client_server_hello(tls_conn *c, server_hello *sh, const uint8_t *msg, size_t len)
{
    uint16_t suite = sh->suite;
    /* rfc8446#4.1.3: sh->legacy_version MUST be 0x0303 in a TLS 1.3 ServerHello. */
    if (sh->legacy_version != TLS_VERSION_12)
        /* rfc8446#D.5: 0x0300 or less is "protocol_version". */
        return tls_fail(&c->err, sh->legacy_version <= 0x0300 ? TLS_ALERT_PROTOCOL_VERSION : TLS_ALERT_ILLEGAL_PARAMETER,
                        "ServerHello legacy_version is 0x%04x (must be 0x0303 in TLS 1.3)", sh->legacy_version);
    /* rfc8446#4.1.3: legacy_session_id_echo must match what we sent. */
    if (sh->session_id.len != c->session_id_len || memcmp(sh->session_id.p, c->session_id, sh->session_id.len) != 0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "ServerHello does not echo our session id");
    const tls_suite *chosen = tls_suite_get(suite);
    if (!tls_hello_offered(c->pol.suites, c->pol.n_suites, suite) || chosen == NULL ||
        chosen->version != TLS_VERSION_13)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "server chose cipher suite 0x%04x, not offered",
                        suite);
    if (sh->compression != 0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "server chose compression method %u",
                        sh->compression);
    /* rfc8446#4.1.4: the suite after HelloRetryRequest must not change. */
    if (c->suite != NULL && c->suite->id != suite)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "ServerHello changes the cipher suite chosen in HelloRetryRequest");
    c->suite = tls_suite_get(suite);
    c->version = TLS_VERSION_13;
    if (sh->is_retry)
        return handle_hello_retry(c, &sh->exts, msg, len);

    if (tls_ext_check(c, &sh->exts, TLS_EXT_IN_SH) != 0)
        return -1;
    if (tls13_psk_client_server_hello(c, tls_hs_find_ext(&sh->exts, TLS_EXT_PRE_SHARED_KEY)) != 0)
        return -1;
    tls_reader *ks = tls_hs_find_ext(&sh->exts, TLS_EXT_KEY_SHARE);
    /* rfc8446#4.2.9: without a key_share the server chose psk_ke, which
     * only a resumption where we offered it allows. */
    if (ks == NULL && !tls13_psk_client_psk_ke_ok(c))
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION, "ServerHello has no key_share");
    uint16_t group = 0;
    tls_reader kx = tls_rd_init(NULL, 0);
    /* psk_ke: no group was used (info() says key_exchange "PSK"). */
    if (ks == NULL)
        c->group = 0;
    if (ks != NULL) {
        group = tls_rd_u16(ks);
        kx = tls_rd_vec(ks, 2);
        if (!tls_rd_end(ks))
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ServerHello key_share is malformed");
        if (group != c->group)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                            "server's key share is for %s, we sent %s",
                            tls_group_name(group) ? tls_group_name(group) : "an unknown group",
                            tls_group_name(c->group));
    }
    uint8_t shared[TLS_MAX_SHARED_SECRET];
    size_t shared_len = 0;
    int rc = -1;
    if ((ks == NULL || tls_kex_derive(&c->kex, kx.p, kx.len, shared, sizeof shared, &shared_len, &c->err) == 0) &&
        tls_transcript_set_hash(&c->transcript, c->suite->md, &c->err) == 0 &&
        tls_transcript_add(&c->transcript, msg, len, &c->err) == 0)
        rc = 0;
    tls_kex_free(&c->kex);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "ServerHello");
        tls_trace_add(&tb, "version", "TLSv1.3");
        tls_trace_add(&tb, "cipher", "%s", c->suite->name);
        if (ks != NULL) {
            tls_trace_add(&tb, "group", "%s", tls_group_name(group));
            tls_trace_add(&tb, "key_exchange", "%s%s: both sides now share a secret",
                          tls_group_is_ffdhe(group) ? "DHE" : "ECDHE", c->resumed ? " with the session's PSK" : "");
        } else {
            tls_trace_add(&tb, "key_exchange", "%s", "PSK only (psk_ke): no (EC)DHE, no forward secrecy");
        }
        if (c->resumed)
            tls_trace_add(&tb, "pre_shared_key", "%s", "our session, accepted: no certificate follows");
        rc = tls_trace_emit(c, &tb);
    }
    if (rc == 0)
        rc = tls_hs_derive_handshake_secrets(c, shared, shared_len);
    OPENSSL_cleanse(shared, sizeof shared);
    if (rc != 0)
        return -1;
    /* Both directions move to handshake keys now, so that an alert we send
     * before our Finished is protected as the server expects (rfc8446#6). */
    if (tls_record_set_read_key(c, c->keys.server_hs, "server_handshake_traffic_secret") != 0 ||
        (!tls13_early_client_keeps_write_key(c) &&
         tls_record_set_write_key(c, c->keys.client_hs, "client_handshake_traffic_secret") != 0))
        return -1;
    c->state = ST_CLIENT_WAIT_EE;
    return 0;
}


/* rfc8449#4: the server's limit bounds our protected records; ours, which
 * it answered, bounds its records from now on. */
static int handle_record_size_limit(tls_conn *c, tls_reader *r)
{
    uint16_t limit;
    if (tls_ext_read_record_size_limit(c, r, "EncryptedExtensions", &limit) != 0)
        return -1;
    c->send_limit = tls_ext_send_limit(limit);
    c->recv_limit = c->pol.record_size_limit;
    return 0;
}

static int handle_encrypted_extensions(tls_conn *c, tls_reader *body)
{
    tls_reader block = tls_rd_vec(body, 2);
    tls_ext_list exts;
    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "EncryptedExtensions is malformed");
    if (tls_hs_parse_extensions(c, &block, &exts, "EncryptedExtensions") != 0 ||
        tls_ext_check(c, &exts, TLS_EXT_IN_EE) != 0)
        return -1;
    tls_reader *sni = tls_hs_find_ext(&exts, TLS_EXT_SERVER_NAME);
    if (sni != NULL && tls_rd_left(sni) != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "EncryptedExtensions server_name is not empty");
    /* rfc8446#4.2.7: the server's groups are informational; only their
     * form is checked. */
    tls_reader *groups = tls_hs_find_ext(&exts, TLS_EXT_SUPPORTED_GROUPS);
    if (groups != NULL) {
        tls_reader list = tls_rd_vec(groups, 2);
        if (!tls_rd_end(groups) || list.len == 0 || list.len % 2 != 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "EncryptedExtensions supported_groups is malformed");
    }
    tls_reader *rsl = tls_hs_find_ext(&exts, TLS_EXT_RECORD_SIZE_LIMIT);
    if (rsl != NULL && handle_record_size_limit(c, rsl) != 0)
        return -1;
    if (tls_alpn_client_answer(c, tls_hs_find_ext(&exts, TLS_EXT_ALPN), "EncryptedExtensions") != 0 ||
        tls13_early_client_answer(c, tls_hs_find_ext(&exts, TLS_EXT_EARLY_DATA), c->resumed ? 0 : -1) != 0)
        return -1;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "EncryptedExtensions");
        tls_trace_add(&tb, "extensions", "%zu", exts.n);
        if (rsl != NULL)
            tls_trace_add(&tb, "record_size_limit", "%zu", c->send_limit + 1);
        tls_trace_add(&tb, "note", "first message under the handshake key: everything from here is encrypted");
        return tls_trace_emit(c, &tb);
    }
    return 0;
}

static int handle_certificate_request(tls_conn *c, tls_reader *body)
{
    tls_reader context = tls_rd_vec(body, 1);
    tls_reader block = tls_rd_vec(body, 2);
    tls_ext_list exts;
    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "CertificateRequest is malformed");
    /* rfc8446#4.3.2: the context "SHALL be zero length unless used for the
     * post-handshake authentication exchanges". */
    if (context.len != 0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "CertificateRequest during the handshake has a request context");
    /* rfc8446#4.3.2: "Clients MUST ignore unrecognized extensions." */
    if (tls_hs_parse_extensions(c, &block, &exts, "CertificateRequest") != 0 ||
        tls_ext_check(c, &exts, TLS_EXT_IN_CR) != 0)
        return -1;
    /* rfc8446#4.3.2: "The "signature_algorithms" extension MUST be
     * specified". */
    tls_reader *sigalgs = tls_hs_find_ext(&exts, TLS_EXT_SIGNATURE_ALGORITHMS);
    if (sigalgs == NULL)
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION,
                        "CertificateRequest without signature_algorithms");
    if (tls_cert_req_new(c) != 0)
        return -1;
    tls_reader list = tls_rd_vec(sigalgs, 2);
    if (!tls_rd_end(sigalgs))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "CertificateRequest signature_algorithms is malformed");
    if (tls_cert_req_sigalgs(c, &list, "CertificateRequest") != 0)
        return -1;
    /* rfc8446#4.2.4: DistinguishedName authorities<3..2^16-1>. */
    tls_reader *cas = tls_hs_find_ext(&exts, TLS_EXT_CERTIFICATE_AUTHORITIES);
    if (cas != NULL) {
        tls_reader names = tls_rd_vec(cas, 2);
        if (!tls_rd_end(cas) || names.len < 3)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR,
                            "CertificateRequest certificate_authorities is malformed");
        if (tls_cert_req_ca_names(c, &names, "CertificateRequest certificate_authorities") != 0)
            return -1;
    }
    /* rfc8446#4.2.3: which signatures the server accepts in our chain. */
    tls_reader *cert_sigalgs = tls_hs_find_ext(&exts, TLS_EXT_SIGNATURE_ALGORITHMS_CERT);
    if (cert_sigalgs != NULL) {
        tls_reader cl = tls_rd_vec(cert_sigalgs, 2);
        if (!tls_rd_end(cert_sigalgs))
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR,
                            "CertificateRequest signature_algorithms_cert is malformed");
        if (tls_cert_req_cert_sigalgs(c, &cl, "CertificateRequest") != 0)
            return -1;
    }
    c->cert_requested = 1;
    return tls_cert_req_trace(c);
}

/* rfc8446#4.4.2, #4.4.3: Certificate (empty if we have none that fits),
 * CertificateVerify with it, both before our Finished. */
static int send_client_certificate(tls_conn *c)
{
    if (tls_client_cert_choose(c) != 0)
        return -1;
    /* rfc8446#4.4.2: certificate_request_context echoes the request's,
     * which during the handshake is empty (checked on receipt). */
    if (tls_hs_send_certificate(c, NULL, 0, c->own == NULL) != 0)
        return -1;
    return c->own != NULL ? tls_hs_send_certificate_verify(c) : 0;
}

static int finish_handshake(tls_conn *c)
{
    if (tls_hs_derive_application_secrets(c) != 0)
        return -1;
    if (!c->ccs_sent) {
        if (tls_record_send_ccs(c) != 0)
            return -1;
        c->ccs_sent = 1;
    }
    if (tls13_early_client_finish(c) != 0 || (c->cert_requested && send_client_certificate(c) != 0))
        return -1;
    if (tls_hs_send_finished(c, c->keys.client_hs) != 0)
        return -1;
    /* rfc8446#7.1: the resumption master secret, through our Finished:
     * the PSK of every NewSessionTicket that follows derives from it. */
    uint8_t th[TLS_MAX_HASH_LEN];
    if (tls_transcript_hash(&c->transcript, th, &c->err) != 0 || tls13_keys_resumption(&c->keys, th, &c->err) != 0)
        return -1;
    if (tls_record_set_write_key(c, c->keys.client_ap, "client_application_traffic_secret_0") != 0 ||
        tls_record_set_read_key(c, c->keys.server_ap, "server_application_traffic_secret_0") != 0)
        return -1;
    c->state = ST_CONNECTED;
    c->status |= TLS_STATUS_HANDSHAKE_DONE;
    return 0;
}

int tls13_client_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len)
{
    switch (c->state) {
    case ST_CLIENT_WAIT_EE:
        if (type != TLS_HS_ENCRYPTED_EXTENSIONS)
            return unexpected(c, type, "EncryptedExtensions");
        if (handle_encrypted_extensions(c, body) != 0)
            return -1;
        /* rfc8446#2.2: a resumed handshake authenticates with the PSK:
         * Finished follows (a CertificateRequest too is unexpected,
         * rfc8446#4.3.2: not with PSK authentication). */
        c->state = c->resumed ? ST_CLIENT_WAIT_FINISHED : ST_CLIENT_WAIT_CERT_CR;
        break;
    case ST_CLIENT_WAIT_CERT_CR:
        if (type == TLS_HS_CERTIFICATE_REQUEST) {
            if (handle_certificate_request(c, body) != 0)
                return -1;
            c->state = ST_CLIENT_WAIT_CERT;
            break;
        }
        /* fall through */
    case ST_CLIENT_WAIT_CERT:
        if (type != TLS_HS_CERTIFICATE)
            return unexpected(c, type, "Certificate");
        if (tls_hs_parse_certificate(c, body) != 0)
            return -1;
        c->state = ST_CLIENT_WAIT_CV;
        break;
    case ST_CLIENT_WAIT_CV:
        if (type != TLS_HS_CERTIFICATE_VERIFY)
            return unexpected(c, type, "CertificateVerify");
        /* The signature covers the transcript up to the Certificate. */
        if (tls_hs_check_certificate_verify(c, body) != 0)
            return -1;
        c->state = ST_CLIENT_WAIT_FINISHED;
        break;
    case ST_CLIENT_WAIT_FINISHED:
        if (type != TLS_HS_FINISHED)
            return unexpected(c, type, "Finished");
        if (tls_hs_check_finished(c, body, c->keys.server_hs) != 0 ||
            tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)
            return -1;
        return finish_handshake(c);
    default:
        return unexpected(c, type, "no handshake message");
    }
    return tls_transcript_add(&c->transcript, msg, len, &c->err);
}
