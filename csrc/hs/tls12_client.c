/* The TLS 1.2 client after the shared hello phase (rfc5246#7.3):
 *
 *   ServerHello, Certificate, [ServerKeyExchange], [CertificateRequest],
 *   ServerHelloDone  ->  [Certificate], ClientKeyExchange, ChangeCipherSpec,
 *   Finished  ->  ChangeCipherSpec, Finished
 *
 * One state, one expected message. Also the TLS 1.2 Certificate message,
 * which the server side can share. */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "hs/tls_hello.h"
#include "crypto/tls12_crypto.h"
#include "util/tls_names.h"
#include "pki/tls_x509.h"
#include "hs/tls_client_cert.h"
#include "hs/tls12_resume_client.h"

static int unexpected(tls_conn *c, uint8_t type, const char *wanted)
{
    const char *name = tls_handshake_name(type);
    return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "expected %s, got %s", wanted,
                    name ? name : "an unknown handshake message");
}

static const char *name_or(const char *name, const char *fallback) { return name ? name : fallback; }

/* ---- ServerHello (rfc5246#7.4.1.3) ----------------------------------------- */

static int check_renegotiation_info(tls_conn *c, tls_ext_list *exts)
{
    tls_reader *ri = tls_hs_find_ext(exts, TLS_EXT_RENEGOTIATION_INFO);
    if (ri == NULL)
        return 0;
    /* rfc5746#3.4: "the client MUST then verify that the length of the
     * "renegotiated_connection" field is zero, and if it is not, MUST abort
     * the handshake (by sending a fatal handshake_failure alert)". */
    tls_reader value = tls_rd_vec(ri, 1);
    if (!tls_rd_end(ri) || value.len != 0)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "server's renegotiation_info is not empty on a first handshake (RFC 5746)");
    c->t12->secure_renegotiation = 1;
    return 0;
}

static int check_point_formats(tls_conn *c, tls_ext_list *exts)
{
    tls_reader *pf = tls_hs_find_ext(exts, TLS_EXT_EC_POINT_FORMATS);
    if (pf == NULL)
        return 0;
    tls_reader list = tls_rd_vec(pf, 1);
    if (!tls_rd_end(pf) || list.len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ServerHello ec_point_formats is malformed");
    /* rfc8422#5.2: the uncompressed format must be supported. */
    int uncompressed = 0;
    while (tls_rd_left(&list) > 0)
        uncompressed |= tls_rd_u8(&list) == 0;
    if (!uncompressed)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "server's ec_point_formats lacks the uncompressed format");
    return 0;
}

int tls12_client_server_hello(tls_conn *c, server_hello *sh, const uint8_t *msg, size_t len)
{
    const tls_config *cfg = c->cfg;
    int resuming = tls12_resume_client_answer(c, sh);
    if (resuming < 0)
        return -1;
    /* rfc5246#7.4.1.3: a session id equal to ours means the server resumes
     * that session; without a session offered we sent ours only for TLS 1.3
     * middlebox compatibility, never to resume. */
    if (sh->session_id.len != 0 && sh->session_id.len == c->session_id_len &&
        memcmp(sh->session_id.p, c->session_id, c->session_id_len) == 0 && !resuming)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "TLS 1.2 ServerHello echoes our session id: a resumption we never asked for");
    const tls_suite *chosen = tls_suite_get(sh->suite);
    if (!tls_hello_offered(c->pol.suites, c->pol.n_suites, sh->suite) || chosen == NULL ||
        chosen->version != TLS_VERSION_12)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "server chose cipher suite %s (0x%04x), not offered",
                        name_or(tls_suite_name(sh->suite), "unknown"), sh->suite);
    if (sh->compression != 0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "server chose compression method %u",
                        sh->compression);
    if (tls_ext_check(c, &sh->exts, TLS_EXT_IN_SH12) != 0 || check_renegotiation_info(c, &sh->exts) != 0 ||
        check_point_formats(c, &sh->exts) != 0 ||
        tls_alpn_client_answer(c, tls_hs_find_ext(&sh->exts, TLS_EXT_ALPN), "ServerHello") != 0 ||
        tls12_ocsp_server_hello(c, &sh->exts) != 0 || tls12_resume_client_server_hello(c, sh) != 0)
        return -1;
    /* review32a F1: rfc6066#3 "the "extension_data" field of this
     * extension SHALL be empty", as in TLS 1.3's EncryptedExtensions. */
    tls_reader *sni = tls_hs_find_ext(&sh->exts, TLS_EXT_SERVER_NAME);
    if (sni != NULL && tls_rd_left(sni) != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ServerHello server_name is not empty");
    /* rfc8449#4: a TLS 1.2 server answers our record_size_limit here; its
     * limit (of the plaintext alone in TLS 1.2) bounds our protected
     * records, ours its records. */
    tls_reader *rsl = tls_hs_find_ext(&sh->exts, TLS_EXT_RECORD_SIZE_LIMIT);
    if (rsl != NULL) {
        uint16_t limit;
        if (tls_ext_read_record_size_limit(c, rsl, "ServerHello", &limit) != 0)
            return -1;
        c->send_limit = limit < TLS_MAX_PLAINTEXT ? limit : TLS_MAX_PLAINTEXT;
        c->recv_limit = c->pol.record_size_limit;
    }
    tls_reader *ems = tls_hs_find_ext(&sh->exts, TLS_EXT_EXTENDED_MASTER_SECRET);
    if (ems != NULL && tls_rd_left(ems) != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ServerHello extended_master_secret is not empty");
    c->t12->ems = ems != NULL;
    if (resuming && tls12_resume_client_check(c, sh->suite) != 0)
        return -1;
    /* rfc7627#5.2: a client that requires the extension aborts with
     * handshake_failure when the server does not answer it. */
    if (!c->t12->ems && c->pol.require_ems)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "server does not support the extended master secret (RFC 7627); "
                        "set require_ems = false to talk to it");
    c->suite = chosen;
    c->version = TLS_VERSION_12;
    /* The TLS 1.3 key share of our hello is of no use now; an ECDHE group
     * comes with the ServerKeyExchange, RSA key transport has none. */
    tls_kex_free(&c->kex);
    c->group = 0;
    memcpy(c->t12->server_random, sh->random, TLS_RANDOM_LEN);
    /* A CertificateVerify of ours would sign the messages themselves
     * (rfc5246#7.4.8), from this ClientHello on: kept while we might send
     * one, that is while we hold a certificate. */
    if (cfg->n_ids > 0)
        tls_transcript_keep_messages(&c->transcript, 1);
    if (tls_transcript_set_hash(&c->transcript, chosen->md, &c->err) != 0 ||
        tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)
        return -1;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "ServerHello");
        tls_trace_add(&tb, "version", "TLSv1.2");
        tls_trace_add_hex(&tb, "random", sh->random, TLS_RANDOM_LEN);
        tls_trace_add(&tb, "cipher", "%s", chosen->name);
        tls_trace_add(&tb, "key_exchange", "%s", chosen->kx == TLS_KX_RSA
                                                     ? "RSA: we encrypt a premaster secret to the server's key"
                                                     : "ECDHE: the server sends its share in ServerKeyExchange");
        tls_trace_add(&tb, "extended_master_secret", "%s", c->t12->ems ? "yes" : "no");
        tls_trace_add(&tb, "secure_renegotiation", "%s", c->t12->secure_renegotiation ? "yes" : "no");
        if (rsl != NULL)
            tls_trace_add(&tb, "record_size_limit", "%zu", c->send_limit);
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    if (resuming)
        return tls12_resume_client_begin(c);
    c->state = ST_CLIENT12_WAIT_CERT;
    return 0;
}

/* ---- Certificate ------------------------------------------------------------- */

static int handle_certificate(tls_conn *c, tls_reader *body)
{
    int empty = 0;
    if (tls12_parse_certificate(c, body, &empty) != 0)
        return -1;
    /* Every suite we speak is authenticated by the server's certificate. */
    if (empty)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "server sent no certificate");
    if (!tls12_key_fits_suite(c->peer_key, c->suite))
        return tls_fail(&c->err, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                        "server's certificate has a %s key, which %s cannot use", EVP_PKEY_get0_type_name(c->peer_key),
                        c->suite->name);
    /* rfc8422#5.3: an ECDSA certificate's key "MUST use a curve and point
     * format supported by the client" (our supported_groups): the
     * signature would verify on any curve, so only this check keeps a
     * 'groups' option from being a preference a server can ignore. */
    if (c->suite->auth == TLS_AUTH_ECDSA && tls_key_kind_of(c->peer_key, NULL) == TLS_KEY_EC) {
        uint16_t curve = tls_ec_key_group(c->peer_key);
        if (curve == 0 || !tls_hello_offered(c->pol.groups, c->pol.n_groups, curve))
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                            "server's certificate key is on curve %s, which this client does not offer in its groups",
                            name_or(tls_group_name(curve), "(a curve TLS does not name)"));
    }
    c->state = c->suite->kx == TLS_KX_ECDHE ? ST_CLIENT12_WAIT_SKE : ST_CLIENT12_WAIT_SHD;
    return tls12_ocsp_after_certificate(c);
}

/* ---- ServerKeyExchange (rfc8422#5.4) ----------------------------------------- */

static int handle_server_key_exchange(tls_conn *c, tls_reader *body)
{
    size_t params_start = body->pos;
    uint8_t curve_type = tls_rd_u8(body);
    uint16_t group = tls_rd_u16(body);
    tls_reader point = tls_rd_vec(body, 1);
    size_t params_end = body->pos;
    uint16_t scheme = tls_rd_u16(body);
    tls_reader sig = tls_rd_vec(body, 2);
    if (!tls_rd_end(body) || point.len == 0 || sig.len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ServerKeyExchange is malformed");
    /* rfc8422#5.4: named_curve (3) is the only curve type left. */
    if (curve_type != 3)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "ServerKeyExchange uses curve type %u (only named curves are allowed)", curve_type);
    /* rfc8422#5.4: the curve must be one the client offered; ffdhe groups
     * belong to DHE suites, which we do not speak. */
    if (!tls_hello_offered(c->pol.groups, c->pol.n_groups, group) || tls_group_is_ffdhe(group))
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "ServerKeyExchange uses group %s, not offered",
                        name_or(tls_group_name(group), "unknown"));
    /* rfc5246#7.4.1.4.1: the signature must use a pair we offered. */
    if (!tls_hello_offered(c->pol.sigalgs, c->pol.n_sigalgs, scheme))
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "ServerKeyExchange signed with %s, not offered in signature_algorithms",
                        name_or(tls_sigscheme_name(scheme), "an unknown scheme"));
    /* rfc8422#5.4: signed_params = client_random + server_random + params. */
    size_t params_len = params_end - params_start;
    uint8_t signed_params[2 * TLS_RANDOM_LEN + 4 + 255];
    memcpy(signed_params, c->client_random, TLS_RANDOM_LEN);
    memcpy(signed_params + TLS_RANDOM_LEN, c->t12->server_random, TLS_RANDOM_LEN);
    memcpy(signed_params + 2 * TLS_RANDOM_LEN, body->p + params_start, params_len);
    if (tls12_sig_verify(c->peer_key, scheme, signed_params, 2 * TLS_RANDOM_LEN + params_len, sig.p, sig.len,
                         "ServerKeyExchange", &c->err) != 0)
        return -1;
    c->group = group;
    c->sigscheme = scheme;
    c->peer_sigscheme = scheme;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "ServerKeyExchange");
        tls_trace_add(&tb, "group", "%s", tls_group_name(group));
        tls_trace_add(&tb, "public_key", "%zu bytes (the server's ECDHE share)", point.len);
        tls_trace_add(&tb, "signature", "%s, verified with the certificate's key", tls_sigscheme_name(scheme));
        tls_trace_add(&tb, "signed", "client_random + server_random + the ECDHE parameters");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    /* Our share answers the server's now; the shared secret waits for the
     * ClientKeyExchange (the extended master secret hashes it in). */
    tls_buf_clear(&c->client_share);
    int rc = -1;
    if (tls_kex_generate(&c->kex, group, &c->client_share, &c->err) == 0 &&
        tls_kex_derive(&c->kex, point.p, point.len, c->t12->premaster, sizeof c->t12->premaster,
                       &c->t12->premaster_len, &c->err) == 0)
        rc = 0;
    tls_kex_free(&c->kex);
    if (rc != 0)
        return -1;
    c->state = ST_CLIENT12_WAIT_SHD;
    return 0;
}

/* ---- CertificateRequest (rfc5246#7.4.4) --------------------------------------- */

static int handle_certificate_request(tls_conn *c, tls_reader *body)
{
    tls_reader types = tls_rd_vec(body, 1);
    tls_reader sigalgs = tls_rd_vec(body, 2);
    tls_reader cas = tls_rd_vec(body, 2);
    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "CertificateRequest is malformed");
    /* rfc5246#7.4.4: ClientCertificateType certificate_types<1..2^8-1>. */
    if (types.len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "CertificateRequest has no certificate_types");
    if (tls_cert_req_new(c) != 0)
        return -1;
    struct tls_cert_req *req = c->cert_req;
    req->rsa_sign = req->ecdsa_sign = 0;
    /* rsa_sign(1), ecdsa_sign(64); the fixed_* types (rfc5246, rfc8422)
     * would need a key exchange with the certificate's own key. */
    while (tls_rd_left(&types) > 0) {
        uint8_t type = tls_rd_u8(&types);
        req->rsa_sign |= type == 1;
        req->ecdsa_sign |= type == 64;
    }
    if (tls_cert_req_sigalgs(c, &sigalgs, "CertificateRequest") != 0 ||
        tls_cert_req_ca_names(c, &cas, "CertificateRequest certificate_authorities") != 0)
        return -1;
    c->cert_requested = 1;
    return tls_cert_req_trace(c);
}

/* rfc5246#7.4.8: digitally-signed struct { opaque handshake_messages[...] }:
 * every message from the ClientHello through the ClientKeyExchange, signed
 * with a scheme the server listed (chosen with the certificate). */
static int send_certificate_verify(tls_conn *c)
{
    const tls_buf *messages = tls_transcript_messages(&c->transcript);
    size_t signed_len = messages->len;
    uint16_t scheme = c->client_sigscheme;
    tls_buf msg;
    tls_buf_init(&msg);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_CERTIFICATE_VERIFY);
    tls_buf_u16(&msg, scheme);
    size_t sig = tls_buf_open_block(&msg, 2);
    int rc = tls12_sig_sign(c->own->key, scheme, messages->data, messages->len, &msg, "CertificateVerify",
                            &c->err);
    tls_buf_close_block(&msg, sig, 2);
    tls_hs_end_message(&msg, off);
    if (rc == 0)
        rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "CertificateVerify");
        tls_trace_add(&tb, "signature", "%s", tls_sigscheme_name(scheme));
        tls_trace_add(&tb, "signed", "every handshake message so far (%zu bytes)", signed_len);
        tls_trace_add(&tb, "proves", "we hold the private key of our certificate");
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

/* ---- ServerHelloDone, then our flight (rfc5246#7.4.5 to #7.4.9) -------------- */

/* The key block, one direction installed (client write or server write). */
static int install_keys(tls_conn *c, int write)
{
    /* Derived once for both directions; tls12_state_wipe wipes it. */
    tls12_key_block *kb = &c->t12->key_block;
    const tls_suite *s = c->suite;
    if (!c->t12->key_block_ready) {
        if (tls12_key_block_derive(s->md, s->key_len, s->fixed_iv_len, c->t12->master, c->client_random,
                                   c->t12->server_random, kb, &c->err) != 0)
            return -1;
        c->t12->key_block_ready = 1;
    }
    return write ? tls12_record_set_keys(c, 1, kb->client_key, kb->client_iv, "client_write_key")
                 : tls12_record_set_keys(c, 0, kb->server_key, kb->server_iv, "server_write_key");
}

static int send_client_key_exchange(tls_conn *c, uint8_t *pms, size_t *pms_len)
{
    tls_buf msg;
    tls_buf_init(&msg);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_CLIENT_KEY_EXCHANGE);
    int rc = 0;
    size_t enc_start = msg.len;
    if (c->suite->kx == TLS_KX_ECDHE) {
        /* rfc8422#5.7: ECPoint ecdh_Yc<1..2^8-1>. */
        size_t point = tls_buf_open_block(&msg, 1);
        tls_buf_bytes(&msg, c->client_share.data, c->client_share.len);
        tls_buf_close_block(&msg, point, 1);
        memcpy(pms, c->t12->premaster, c->t12->premaster_len);
        *pms_len = c->t12->premaster_len;
    } else {
        /* rfc5246#7.4.7.1: EncryptedPreMasterSecret, with its length. */
        size_t enc = tls_buf_open_block(&msg, 2);
        rc = tls12_rsa_premaster_encrypt(c->peer_key, c->t12->client_version, pms, &msg, &c->err);
        tls_buf_close_block(&msg, enc, 2);
        *pms_len = TLS12_PREMASTER_RSA_LEN;
    }
    OPENSSL_cleanse(c->t12->premaster, sizeof c->t12->premaster);
    tls_hs_end_message(&msg, off);
    size_t enc_len = msg.len - enc_start;
    if (rc == 0)
        rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "ClientKeyExchange");
        if (c->suite->kx == TLS_KX_ECDHE) {
            tls_trace_add(&tb, "public_key", "%zu bytes (our ECDHE share for %s)", c->client_share.len,
                          tls_group_name(c->group));
        } else {
            tls_trace_add(&tb, "encrypted_premaster", "%zu bytes (RSAES-PKCS1-v1_5 to the server's key)",
                          enc_len - 2);
        }
        rc = tls_trace_emit(c, &tb);
    }
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "key", "premaster secret");
        if (c->suite->kx == TLS_KX_ECDHE)
            tls_trace_add(&tb, "from", "ECDHE over %s: our private key and the server's share (%zu bytes)",
                          tls_group_name(c->group), *pms_len);
        else
            tls_trace_add(&tb, "from", "48 bytes: version 0x%04x and 46 random bytes, encrypted with RSA to "
                                       "the server's public key, which only the server can decrypt",
                          c->t12->client_version);
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

static int derive_master(tls_conn *c, const uint8_t *pms, size_t pms_len)
{
    uint8_t session_hash[TLS_MAX_HASH_LEN];
    const tls_suite *s = c->suite;
    /* rfc7627#3: session_hash = Hash(handshake_messages) through the
     * ClientKeyExchange. */
    if (c->t12->ems && tls_transcript_hash(&c->transcript, session_hash, &c->err) != 0)
        return -1;
    if (tls12_master_secret(s->md, pms, pms_len, c->t12->ems, c->client_random, c->t12->server_random,
                            session_hash, s->hash_len, c->t12->master, &c->err) != 0)
        return -1;
    tls_keylog12_master(c);
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "key", "master secret");
        if (c->t12->ems)
            tls_trace_add(&tb, "from", "extended (RFC 7627): PRF(premaster, \"extended master secret\", "
                                       "session hash of every message so far)");
        else
            tls_trace_add(&tb, "from", "PRF(premaster, \"master secret\", client_random + server_random)");
        tls_trace_add(&tb, "length", "48 bytes");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
        tls_trace_begin(&tb, "key", "key block");
        tls_trace_add(&tb, "from", "PRF(master, \"key expansion\", server_random + client_random)");
        tls_trace_add(&tb, "keys", "client and server write keys (%zu bytes each) and IVs (%zu bytes each) for %s",
                      s->key_len, s->fixed_iv_len, s->name);
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    return 0;
}

/* rfc5246#7.4.9: verify_data over every handshake message before this Finished. */
static int finished_data(tls_conn *c, int by_server, uint8_t out[TLS12_VERIFY_DATA_LEN])
{
    uint8_t th[TLS_MAX_HASH_LEN];
    if (tls_transcript_hash(&c->transcript, th, &c->err) != 0)
        return -1;
    return tls12_finished(c->suite->md, c->t12->master, by_server, th, c->suite->hash_len, out, &c->err);
}

static int send_finished(tls_conn *c)
{
    uint8_t vd[TLS12_VERIFY_DATA_LEN];
    if (finished_data(c, 0, vd) != 0)
        return -1;
    tls_buf msg;
    tls_buf_init(&msg);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_FINISHED);
    tls_buf_bytes(&msg, vd, sizeof vd);
    tls_hs_end_message(&msg, off);
    tls_hs_note_finished(c, 0, vd, sizeof vd);
    OPENSSL_cleanse(vd, sizeof vd);
    int rc = tls_hs_send(c, &msg);
    OPENSSL_cleanse(msg.data, msg.len);
    tls_buf_free(&msg);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "Finished");
        tls_trace_add(&tb, "verify_data", "12 bytes: PRF(master, \"client finished\", hash of the handshake)");
        tls_trace_add(&tb, "note", "the first message under the new keys");
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

static int handle_server_hello_done(tls_conn *c, tls_reader *body)
{
    /* rfc5246#7.4.5: struct { } ServerHelloDone. */
    if (tls_rd_left(body) != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ServerHelloDone is not empty");
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "ServerHelloDone");
        tls_trace_add(&tb, "meaning", "the server's hello flight is complete: our turn");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    /* rfc5246#7.4.6: our certificate, or an empty list when none fits. */
    if (c->cert_requested &&
        (tls_client_cert_choose(c) != 0 || tls12_send_certificate(c, c->own == NULL) != 0))
        return -1;
    uint8_t pms[sizeof c->t12->premaster];
    size_t pms_len = 0;
    int rc = send_client_key_exchange(c, pms, &pms_len);
    if (rc == 0)
        rc = derive_master(c, pms, pms_len);
    OPENSSL_cleanse(pms, sizeof pms);
    if (rc != 0)
        return -1;
    /* rfc5246#7.4.8: CertificateVerify follows the ClientKeyExchange,
     * after the extended master secret's session hash (rfc7627#3). */
    if (c->own != NULL && send_certificate_verify(c) != 0)
        return -1;
    tls_transcript_keep_messages(&c->transcript, 0);
    /* rfc5246#7.1: ChangeCipherSpec in the clear, then our write keys. */
    if (tls_record_send_ccs(c) != 0 || install_keys(c, 1) != 0 || send_finished(c) != 0)
        return -1;
    c->ccs_expected = 1;
    c->state = ST_CLIENT12_WAIT_CCS;
    return 0;
}

int tls12_client_change_cipher_spec(tls_conn *c)
{
    if (c->state != ST_CLIENT12_WAIT_CCS)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected ChangeCipherSpec");
    if (tls12_resume_client_before_ccs(c) != 0)
        return -1;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "ChangeCipherSpec");
        tls_trace_add(&tb, "meaning", "the server's records are protected from now on");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    if (install_keys(c, 0) != 0)
        return -1;
    c->state = ST_CLIENT12_WAIT_FINISHED;
    return 0;
}

/* The server's Finished; in an abbreviated handshake ours follow it
 * (rfc5246#7.3), over a transcript that includes it. */
static int handle_finished(tls_conn *c, tls_reader *body, const uint8_t *msg, size_t len)
{
    const uint8_t *got = tls_rd_bytes(body, TLS12_VERIFY_DATA_LEN);
    /* got is NULL for a short Finished; tested on its own so that it never
     * reaches CRYPTO_memcmp, whatever becomes of the length check. */
    if (got == NULL || !tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Finished is malformed");
    uint8_t want[TLS12_VERIFY_DATA_LEN];
    if (finished_data(c, 1, want) != 0)
        return -1;
    /* rfc5246#7.4.9: "Recipients of Finished messages MUST verify that the
     * contents are correct." */
    int ok = CRYPTO_memcmp(want, got, sizeof want) == 0;
    OPENSSL_cleanse(want, sizeof want);
    if (!ok)
        return tls_fail(&c->err, TLS_ALERT_DECRYPT_ERROR,
                        "server's Finished does not match the handshake (wrong keys, or the messages "
                        "were changed on the way)");
    tls_hs_note_finished(c, 1, got, TLS12_VERIFY_DATA_LEN);
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "Finished");
        tls_trace_add(&tb, "verify_data", "matches: the server has the same master secret and saw the same "
                                          "handshake");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    if (tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)
        return -1;
    if (c->resumed && (tls_record_send_ccs(c) != 0 || install_keys(c, 1) != 0 || send_finished(c) != 0))
        return -1;
    if (tls12_resume_client_keep(c) != 0)
        return -1;
    c->state = ST_CONNECTED;
    c->status |= TLS_STATUS_HANDSHAKE_DONE;
    return 0;
}

int tls12_client_ignore_hello_request(tls_conn *c, tls_reader *body)
{
    /* rfc5246#7.4.1.1: "This message will be ignored by the client if the
     * client is currently negotiating a session"; it is not part of the
     * transcript. Each costs a round, so a flood is cut off. */
    if (tls_rd_left(body) != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "HelloRequest is not empty");
    if (++c->key_updates_in_row > TLS_MAX_KEY_UPDATES_IN_ROW)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "too many HelloRequest messages");
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "HelloRequest");
        tls_trace_add(&tb, "meaning", "ignored: we are negotiating already (rfc5246#7.4.1.1)");
        return tls_trace_emit(c, &tb);
    }
    return 0;
}

int tls12_client_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len)
{
    int rc;
    if (type == TLS_HS_HELLO_REQUEST)
        return tls12_client_ignore_hello_request(c, body);
    switch (c->state) {
    case ST_CLIENT12_WAIT_CERT:
        if (type != TLS_HS_CERTIFICATE)
            return unexpected(c, type, "Certificate");
        rc = handle_certificate(c, body);
        break;
    case ST_CLIENT12_WAIT_CERT_STATUS:
        return tls12_ocsp_handle(c, type, body, msg, len);
    case ST_CLIENT12_WAIT_SKE:
        if (type != TLS_HS_SERVER_KEY_EXCHANGE)
            return unexpected(c, type, "ServerKeyExchange");
        rc = handle_server_key_exchange(c, body);
        break;
    case ST_CLIENT12_WAIT_SHD:
        if (type == TLS_HS_CERTIFICATE_REQUEST && !c->cert_requested) {
            rc = handle_certificate_request(c, body);
            break;
        }
        if (type != TLS_HS_SERVER_HELLO_DONE)
            return unexpected(c, type, "ServerHelloDone");
        /* The ServerHelloDone is part of the transcript our flight hashes. */
        if (tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)
            return -1;
        return handle_server_hello_done(c, body);
    case ST_CLIENT12_WAIT_CCS:
        /* rfc5077#3.3: the NewSessionTicket comes before ChangeCipherSpec. */
        if (type != TLS_HS_NEW_SESSION_TICKET)
            return unexpected(c, type, "ChangeCipherSpec");
        rc = tls12_resume_client_ticket(c, body);
        break;
    case ST_CLIENT12_WAIT_FINISHED:
        if (type != TLS_HS_FINISHED)
            return unexpected(c, type, "Finished");
        return handle_finished(c, body, msg, len);
    default:
        return unexpected(c, type, "no handshake message");
    }
    if (rc != 0)
        return -1;
    return tls_transcript_add(&c->transcript, msg, len, &c->err);
}
