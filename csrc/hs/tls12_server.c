/* The TLS 1.2 server after the shared hello phase (rfc5246#7.3):
 *
 *   ClientHello        -------->
 *                                        ServerHello
 *                                        Certificate
 *                                  ServerKeyExchange (ECDHE only)
 *                                 CertificateRequest (verify on)
 *                      <--------     ServerHelloDone
 *   Certificate (verify on; may be empty)
 *   ClientKeyExchange
 *   CertificateVerify (after a non-empty Certificate)
 *   [ChangeCipherSpec]
 *   Finished           -------->
 *                                 [ChangeCipherSpec]
 *                      <--------            Finished
 *
 * and, resuming a session (rfc5246#7.3, rfc5077#3.1; the decision is
 * tls12_resume_server.c's):
 *
 *   ClientHello        -------->
 *                                        ServerHello
 *                                  [NewSessionTicket]
 *                                 [ChangeCipherSpec]
 *                      <--------            Finished
 *   [ChangeCipherSpec]
 *   Finished           -------->
 *
 * A full handshake that promised a ticket sends NewSessionTicket before
 * its ChangeCipherSpec too (rfc5077#3.3).
 */
#include <stdio.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "crypto/tls12_crypto.h"
#include "hs/tls12_resume_server.h"
#include "hs/tls_hello.h"
#include "pki/tls_x509.h"
#include "util/tls_names.h"

static int unexpected(tls_conn *c, uint8_t type, const char *wanted)
{
    const char *name = tls_handshake_name(type);
    return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "expected %s, got %s", wanted,
                    name ? name : "an unknown handshake message");
}

/* ---- Negotiation ----------------------------------------------------------- */

static int raw_list_has(tls_reader raw, uint16_t v)
{
    while (tls_rd_left(&raw) >= 2)
        if (tls_rd_u16(&raw) == v)
            return 1;
    return 0;
}

/* The certificate key a suite's authentication needs (rfc5246#7.4.2,
 * rfc8422#5.3: ECDHE_ECDSA needs an ECDSA-capable key, ECDHE_RSA and RSA
 * key transport an RSA one). rfc8422#5.1.1: the client's supported_groups
 * also name the curves it can verify ECDSA signatures on, so our key's
 * curve must be among them when it sent the extension. */
static int key_fits_suite(const tls_identity *id, const client_hello *ch, const tls_suite *s)
{
    EVP_PKEY *key = id->key;
    if (!tls12_key_fits_suite(key, s))
        return 0;
    /* rfc5246#7.4.2: the leaf must allow "RSA encryption" (keyEncipherment)
     * for key transport, and signing (digitalSignature) for ECDHE. */
    if (s->kx == TLS_KX_RSA ? !id->can_encipher : !id->can_sign)
        return 0;
    /* rfc8422#5.1.1 names curves for ECDSA; an Ed25519 key needs only
     * the ed25519 scheme in signature_algorithms (negotiate checks it). */
    if (s->auth == TLS_AUTH_ECDSA && tls_key_kind_of(key, NULL) == TLS_KEY_EC) {
        uint16_t curve = tls_ec_key_group(key);
        return curve != 0 && (!ch->has_groups || raw_list_has(ch->groups_raw, curve));
    }
    return 1;
}

/* rfc8422#5.1.2: whether the client takes uncompressed points: true
 * without ec_point_formats (rfc8422#5.1.2: "this is the same as the client
 * supporting only uncompressed"), or when its list has format 0. A
 * malformed list counts as none (check_client_hello12 refuses it). */
static int takes_uncompressed(const client_hello *ch)
{
    if (ch->point_formats == NULL)
        return 1;
    tls_reader r = *ch->point_formats;
    tls_reader formats = tls_rd_vec(&r, 1);
    return tls_rd_ok(&r) && memchr(formats.p, 0, formats.len) != NULL;
}

/* True if the client's supported_groups names an elliptic curve of
 * rfc8422#5.1.1 (1 to 30: the deprecated ones, brainpool (rfc7027),
 * secp256r1, secp384r1, secp521r1, x25519, x448; 0xFF01-0xFF02 explicit). */
static int names_ecc_curve(const client_hello *ch)
{
    if (!ch->has_groups)
        return 0;
    tls_reader raw = ch->groups_raw;
    while (tls_rd_left(&raw) >= 2) {
        uint16_t g = tls_rd_u16(&raw);
        if ((g >= 1 && g <= 30) || g == 0xFF01 || g == 0xFF02)
            return 1;
    }
    return 0;
}

/* The first EC group of ours the client listed; TLS 1.2 never uses
 * ffdhe here (rfc8422#5.1.1 is about elliptic curves; our ServerKeyExchange
 * is ECParameters only). rfc8422#4: a client without supported_groups
 * supports secp256r1, which every implementation has - unless its
 * ec_point_formats lacks uncompressed, the only format we send. */
static uint16_t choose_group(const tls_conn *c, const client_hello *ch)
{
    for (size_t i = 0; i < c->pol.n_groups; i++) {
        uint16_t g = c->pol.groups[i];
        int offered = ch->has_groups ? (ch->groups & ((uint32_t)1 << i)) != 0
                                     : g == TLS_GROUP_SECP256R1 && takes_uncompressed(ch);
        if (offered && !tls_group_is_ffdhe(g))
            return g;
    }
    return 0;
}

/* The first RSA key transport suite in the client's raw list that we
 * implement but were not told to use (NULL if none); *others set if the
 * list also has another TLS 1.2 suite we implement, which the caller
 * knows our 'ciphers' leave out. */
static const tls_suite *offered_disabled_rsa_kx(const tls_conn *c, tls_reader raw, int *others)
{
    const tls_suite *first = NULL;
    *others = 0;
    while (tls_rd_left(&raw) >= 2) {
        uint16_t id = tls_rd_u16(&raw);
        const tls_suite *s = tls_suite_get(id);
        if (s == NULL || s->version != TLS_VERSION_12)
            continue;
        if (s->kx != TLS_KX_RSA)
            *others = 1;
        else if (first == NULL && !tls_hello_offered(c->pol.suites, c->pol.n_suites, id))
            first = s;
    }
    return first;
}

/* Suite (our preference order), group and signature scheme. */
static int negotiate(tls_conn *c, const client_hello *ch)
{
    uint16_t group = choose_group(c, ch);
    uint16_t scheme = tls12_sig_choose(c->own->key, c->pol.sigalgs, c->pol.n_sigalgs, c->peer_sigalgs, c->n_peer_sigalgs);
    int any12 = 0, key_fits = 0, kx_usage_only = 0, sign_usage_only = 0;
    for (size_t i = 0; i < c->pol.n_suites; i++) {
        if (!(ch->suites & ((uint32_t)1 << i)))
            continue;
        const tls_suite *s = tls_suite_get(c->pol.suites[i]);
        if (s == NULL || s->version != TLS_VERSION_12)
            continue;
        any12 = 1;
        if (!key_fits_suite(c->own, ch, s)) {
            kx_usage_only |= s->kx == TLS_KX_RSA && tls12_key_fits_suite(c->own->key, s);
            sign_usage_only |= s->kx != TLS_KX_RSA && !c->own->can_sign && tls12_key_fits_suite(c->own->key, s);
            continue;
        }
        key_fits = 1;
        if (s->kx == TLS_KX_ECDHE && (group == 0 || scheme == 0))
            continue;
        c->suite = s;
        if (s->kx == TLS_KX_ECDHE) {
            c->group = group;
            c->sigscheme = scheme;
        }
        return 0;
    }
    int others = 0;
    const tls_suite *rsa_kx = any12 ? NULL : offered_disabled_rsa_kx(c, ch->suites_raw, &others);
    if (rsa_kx != NULL && !others)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "of the TLS 1.2 cipher suites luatls implements, the client offers only RSA key "
                        "exchange (TLS_RSA_WITH_*), which has no forward secrecy and is off by default: name "
                        "%s in 'ciphers' to allow it", rsa_kx->name);
    if (rsa_kx != NULL)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "the client offers none of the TLS 1.2 cipher suites this server's 'ciphers' allow: "
                        "only RSA key exchange (TLS_RSA_WITH_*, off by default: no forward secrecy; name %s "
                        "in 'ciphers' to allow it) and suites 'ciphers' leaves out", rsa_kx->name);
    if (!any12) {
        /* What the client offers sends the operator to the right list (a
         * client offering only DHE suites, which luatls lacks, looks like a
         * misconfiguration of ours otherwise). */
        char names[160];
        size_t offered = 0;
        size_t listed = tls_hello_offered_suite_names(ch, TLS_VERSION_12, names, sizeof names, &offered);
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "no TLS 1.2 cipher suite in common with the client (it offers %s%s)",
                        offered ? names : "none", offered > listed ? ", ..." : "");
    }
    /* Several pairs, none the client can verify: what it accepts and what
     * we have, rather than what the closest one lacks (review39h I2). */
    if (!key_fits && tls_sni_fail_no_pair(c, ch, TLS_VERSION_12) != 0)
        return -1;
    if (!key_fits && sign_usage_only && !kx_usage_only)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "the client offers only ECDHE suites for our certificate, whose keyUsage lacks "
                        "digitalSignature (RFC 5246 7.4.2): it serves RSA key transport only");
    if (!key_fits && tls_ec_key_group(c->own->key) != 0)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "the client offers no TLS 1.2 cipher suite for our ECDSA certificate on %s "
                        "(ECDHE_ECDSA suites, and %s in supported_groups)",
                        tls_group_name(tls_ec_key_group(c->own->key)), tls_group_name(tls_ec_key_group(c->own->key)));
    if (!key_fits && kx_usage_only)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "the client offers only RSA key transport for our RSA certificate, whose keyUsage "
                        "lacks keyEncipherment (RFC 5246 7.4.2): it serves ECDHE_RSA suites only");
    if (!key_fits)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "the client offers no TLS 1.2 cipher suite for our %s certificate key",
                        EVP_PKEY_is_a(c->own->key, "RSA")       ? "RSA"
                        : EVP_PKEY_is_a(c->own->key, "ED25519") ? "Ed25519 (ECDHE_ECDSA suites)"
                                                                : "kind of");
    if (group == 0 && !ch->has_groups && !takes_uncompressed(ch))
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "the client names no group and its ec_point_formats lacks the uncompressed format, "
                        "the only one we send: no ECDHE with it (RFC 8422 5.1.2)");
    if (group == 0)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "no elliptic-curve group in common with the client (TLS 1.2 uses x25519, x448, "
                        "secp256r1, secp384r1, secp521r1)");
    /* rfc5246#7.4.1.4.1: without the extension the client accepts only
     * SHA-1 signatures, which we do not make. */
    if (!ch->has_sigalgs)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "the client sent no signature_algorithms, which in TLS 1.2 means SHA-1 "
                        "signatures only; we sign with SHA-256 or better");
    if (tls_sni_fail_no_pair(c, ch, TLS_VERSION_12) != 0)
        return -1;
    return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                    "no signature algorithm in common with the client for our certificate");
}

int tls12_server_key_rank(const tls_conn *c, const client_hello *ch, const tls_identity *id, int kind_only)
{
    int ecdhe = kind_only || (choose_group(c, ch) != 0 &&
                              tls12_sig_choose(id->key, c->pol.sigalgs, c->pol.n_sigalgs, c->peer_sigalgs,
                                               c->n_peer_sigalgs) != 0);
    for (size_t i = 0; i < c->pol.n_suites; i++) {
        const tls_suite *s = tls_suite_get(c->pol.suites[i]);
        if ((ch->suites & ((uint32_t)1 << i)) && s != NULL && s->version == TLS_VERSION_12 &&
            key_fits_suite(id, ch, s) && (s->kx != TLS_KX_ECDHE || ecdhe))
            return (int)i;
    }
    return -1;
}

/* The rules of the extensions and fields a TLS 1.2 server judges. */
static int check_client_hello12(tls_conn *c, const client_hello *ch)
{
    /* rfc5246#7.4.1.2: "this vector MUST contain, and all implementations
     * MUST support, CompressionMethod.null". */
    if (memchr(ch->compression.p, 0, ch->compression.len) == NULL)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "ClientHello does not offer the null compression method");
    /* rfc5746#3.6: the server "MUST then verify that the length of the
     * "renegotiated_connection" field is zero, and if it is not, MUST abort
     * the handshake" (with handshake_failure). */
    if (ch->renegotiation_info != NULL) {
        tls_reader r = *ch->renegotiation_info;
        tls_reader reneg = tls_rd_vec(&r, 1);
        if (!tls_rd_end(&r))
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello renegotiation_info is malformed");
        if (reneg.len != 0)
            return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                            "ClientHello renegotiation_info is not empty: an initial handshake cannot "
                            "renegotiate");
    }
    /* rfc8422#5.1.2: "If the client sends the extension and the extension
     * does not contain the uncompressed point format, and the client has
     * used the Supported Groups extension to indicate support for any of
     * the curves defined in this specification, then the server MUST abort
     * the handshake and return an illegal_parameter alert." Without such a
     * curve the handshake goes on without ECDHE (choose_group). */
    if (ch->point_formats != NULL) {
        tls_reader r = *ch->point_formats;
        tls_reader formats = tls_rd_vec(&r, 1);
        if (!tls_rd_end(&r) || formats.len == 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello ec_point_formats is malformed");
        if (memchr(formats.p, 0, formats.len) == NULL && names_ecc_curve(ch))
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                            "ClientHello ec_point_formats lacks the uncompressed format");
    }
    /* rfc7627#5.3: a server that requires the extended master secret
     * aborts a full handshake with a client that does not offer it. */
    if (!ch->ems && c->pol.require_ems)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "the client does not support the extended master secret (RFC 7627); set "
                        "require_ems = false to talk to it");
    return 0;
}

/* ---- Our flight --------------------------------------------------------------- */

static int send_server_hello(tls_conn *c, const client_hello *ch)
{
    tls_buf msg;
    tls_buf_init(&msg);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_SERVER_HELLO);
    tls_buf_u16(&msg, TLS_VERSION_12);
    tls_buf_bytes(&msg, c->t12->server_random, TLS_RANDOM_LEN);
    /* rfc5246#7.4.1.3: the id of the session we resume, or of the new one
     * the store keeps, or empty: this session cannot be resumed by id. */
    tls_buf_u8(&msg, (uint8_t)c->session_id_len);
    tls_buf_bytes(&msg, c->session_id, c->session_id_len);
    tls_buf_u16(&msg, c->suite->id);
    tls_buf_u8(&msg, 0);
    size_t ext = tls_buf_open_block(&msg, 2);
    /* rfc6066#3: "When resuming a session, the server MUST NOT include a
     * server_name extension in the server hello." */
    if (c->server_name != NULL && !c->resumed) {
        tls_buf_u16(&msg, TLS_EXT_SERVER_NAME);
        tls_buf_u16(&msg, 0);
    }
    /* rfc5077#3.2: an empty SessionTicket extension promises a
     * NewSessionTicket. */
    if (c->t12->ticket_promised) {
        tls_buf_u16(&msg, TLS_EXT_SESSION_TICKET);
        tls_buf_u16(&msg, 0);
    }
    if (c->t12->secure_renegotiation) {
        /* rfc5746#3.6: an empty renegotiated_connection. */
        tls_buf_u16(&msg, TLS_EXT_RENEGOTIATION_INFO);
        tls_buf_u16(&msg, 1);
        tls_buf_u8(&msg, 0);
    }
    if (c->t12->ems) {
        tls_buf_u16(&msg, TLS_EXT_EXTENDED_MASTER_SECRET);
        tls_buf_u16(&msg, 0);
    }
    /* rfc6066#8: an empty status_request announces our CertificateStatus. */
    if (c->ocsp_staple.len > 0) {
        tls_buf_u16(&msg, TLS_EXT_STATUS_REQUEST);
        tls_buf_u16(&msg, 0);
    }
    /* rfc8422#5.2: answered when the client sent it and we chose ECC. */
    if (ch->point_formats != NULL && c->suite->kx == TLS_KX_ECDHE) {
        tls_buf_u16(&msg, TLS_EXT_EC_POINT_FORMATS);
        tls_buf_u16(&msg, 2);
        tls_buf_u8(&msg, 1);
        tls_buf_u8(&msg, 0);
    }
    /* rfc8449#4: answered in the ServerHello in TLS 1.2, where the limit
     * is of the plaintext alone and "2^14 octets" at most. */
    uint16_t limit = c->pol.record_size_limit ? c->pol.record_size_limit : TLS_RECORD_SIZE_LIMIT_MAX;
    if (limit > TLS_MAX_PLAINTEXT)
        limit = TLS_MAX_PLAINTEXT;
    if (ch->record_size_limit != 0) {
        tls_buf_u16(&msg, TLS_EXT_RECORD_SIZE_LIMIT);
        tls_buf_u16(&msg, 2);
        tls_buf_u16(&msg, limit);
    }
    tls_alpn_put_answer(c, &msg);
    tls_buf_close_block(&msg, ext, 2);
    tls_hs_end_message(&msg, off);
    int rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    /* rfc8449#4: "An endpoint MUST NOT generate a protected record with
     * plaintext that is larger than the RecordSizeLimit value it receives
     * from its peer"; the client keeps to ours. */
    if (ch->record_size_limit != 0) {
        c->send_limit = ch->record_size_limit < TLS_MAX_PLAINTEXT ? ch->record_size_limit : TLS_MAX_PLAINTEXT;
        c->recv_limit = limit;
    }
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "ServerHello");
        tls_trace_add(&tb, "version", "TLSv1.2");
        if (ch->record_size_limit != 0)
            tls_trace_add(&tb, "record_size_limit", "%u", limit);
        tls_trace_add_hex(&tb, "random", c->t12->server_random, TLS_RANDOM_LEN);
        /* Said from the bytes sent: a server that speaks TLS 1.3 but not
         * on this connection (no 1.3 suite, no certificate for the name)
         * leaves the sentinel out. */
        if (memcmp(c->t12->server_random + TLS_RANDOM_LEN - 8, tls_downgrade_tls12, 8) == 0)
            tls_trace_add(&tb, "downgrade", "random ends with DOWNGRD 01: a TLS 1.3 client refuses this "
                                            "hello unless it chose TLS 1.2 itself (RFC 8446 4.1.3)");
        tls_trace_add(&tb, "cipher", "%s", c->suite->name);
        if (c->resumed)
            tls_trace_add(&tb, "key_exchange", "none: the resumed session's master secret");
        else
            tls_trace_add(&tb, "key_exchange", "%s", c->suite->kx == TLS_KX_ECDHE ? "ECDHE" : "RSA");
        if (c->suite->kx == TLS_KX_ECDHE && !c->resumed)
            tls_trace_add(&tb, "group", "%s", tls_group_name(c->group));
        if (c->session_id_len > 0)
            tls_trace_add_hex(&tb, "session_id", c->session_id, c->session_id_len);
        if (c->t12->ticket_promised)
            tls_trace_add(&tb, "session_ticket", "a NewSessionTicket follows");
        tls_trace_add(&tb, "extended_master_secret", "%s", c->t12->ems ? "yes" : "no");
        tls_trace_add(&tb, "secure_renegotiation", "%s", c->t12->secure_renegotiation ? "yes" : "no");
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

/* rfc8422#5.4: ServerECDHParams (curve_type named_curve, the group, our
 * point) signed with client_random + server_random + params. */
static int send_server_key_exchange(tls_conn *c)
{
    tls_buf msg, point, signed_data;
    tls_buf_init(&msg);
    tls_buf_init(&point);
    tls_buf_init(&signed_data);
    int rc = -1;
    if (tls_kex_generate(&c->kex, c->group, &point, &c->err) != 0)
        goto done;
    if (point.len == 0 || point.len > 255) {
        tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "key share of group %s does not fit ECPoint",
                 tls_group_name(c->group));
        goto done;
    }
    size_t off = tls_hs_begin_message(&msg, TLS_HS_SERVER_KEY_EXCHANGE);
    size_t params = msg.len;
    tls_buf_u8(&msg, 3); /* ECCurveType named_curve */
    tls_buf_u16(&msg, c->group);
    tls_buf_u8(&msg, (uint8_t)point.len);
    tls_buf_bytes(&msg, point.data, point.len);
    tls_buf_bytes(&signed_data, c->client_random, TLS_RANDOM_LEN);
    tls_buf_bytes(&signed_data, c->t12->server_random, TLS_RANDOM_LEN);
    tls_buf_bytes(&signed_data, msg.data + params, msg.len - params);
    if (!tls_buf_ok(&signed_data) || !tls_buf_ok(&msg)) {
        tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
        goto done;
    }
    tls_buf_u16(&msg, c->sigscheme);
    size_t sig = tls_buf_open_block(&msg, 2);
    if (tls12_sig_sign(c->own->key, c->sigscheme, signed_data.data, signed_data.len, &msg,
                       "ServerKeyExchange", &c->err) != 0)
        goto done;
    tls_buf_close_block(&msg, sig, 2);
    tls_hs_end_message(&msg, off);
    rc = tls_hs_send(c, &msg);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "ServerKeyExchange");
        tls_trace_add(&tb, "group", "%s", tls_group_name(c->group));
        tls_trace_add(&tb, "public_key_bytes", "%zu", point.len);
        tls_trace_add(&tb, "signature", "%s", tls_sigscheme_name(c->sigscheme));
        tls_trace_add(&tb, "proves", "we hold the private key of our certificate, and bind our ECDHE key to "
                                     "both randoms");
        rc = tls_trace_emit(c, &tb);
    }
done:
    tls_buf_free(&msg);
    tls_buf_free(&point);
    tls_buf_free(&signed_data);
    return rc;
}

/* rfc5246#7.4.4: asks for the client's certificate: of the kinds we
 * verify (rsa_sign, ecdsa_sign, which rfc8422#5.5 extends to EdDSA), signed
 * with a scheme we offer, under one of the CAs we trust for clients. */
static int send_certificate_request(tls_conn *c)
{
    const tls_config *cfg = c->cfg;
    tls_buf msg, names;
    tls_buf_init(&msg);
    tls_buf_init(&names);
    size_t n_names = tls_x509_ca_names(cfg, &names, TLS_MAX_CA_NAMES_BYTES);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_CERTIFICATE_REQUEST);
    tls_buf_u8(&msg, 2);
    tls_buf_u8(&msg, 1);  /* rsa_sign */
    tls_buf_u8(&msg, 64); /* ecdsa_sign */
    size_t sa = tls_buf_open_block(&msg, 2);
    for (size_t i = 0; i < c->pol.n_sigalgs; i++)
        tls_buf_u16(&msg, c->pol.sigalgs[i]);
    tls_buf_close_block(&msg, sa, 2);
    size_t ca = tls_buf_open_block(&msg, 2);
    tls_buf_bytes(&msg, names.data, names.len);
    tls_buf_close_block(&msg, ca, 2);
    tls_hs_end_message(&msg, off);
    return tls_hs_send_certificate_request(c, &msg, &names, n_names, "certificate_types", "rsa_sign, ecdsa_sign");
}

static int send_server_hello_done(tls_conn *c)
{
    tls_buf msg;
    tls_buf_init(&msg);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_SERVER_HELLO_DONE);
    tls_hs_end_message(&msg, off);
    int rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "ServerHelloDone");
        tls_trace_add(&tb, "meaning", "our hello flight is complete: the client's key exchange is next");
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

static int send_abbreviated_flight(tls_conn *c, const client_hello *ch);

int tls12_server_client_hello(tls_conn *c, client_hello *ch, const uint8_t *msg, size_t len)
{
    c->version = TLS_VERSION_12;
    if (check_client_hello12(c, ch) != 0)
        return -1;
    if (ch->has_server_name && c->server_name == NULL) {
        c->server_name = OPENSSL_strndup((const char *)ch->server_name.p, ch->server_name.len);
        if (c->server_name == NULL)
            return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    }
    /* A resumed session brings its suite and master secret. */
    int resumed = tls12_resume_server_decide(c, ch);
    if (resumed < 0 || (!resumed && negotiate(c, ch) != 0))
        return -1;
    memcpy(c->client_random, ch->random, TLS_RANDOM_LEN);
    c->t12->client_version = ch->legacy_version;
    if (!resumed)
        c->t12->ems = ch->ems;
    /* rfc5746#3.6: the SCSV or an empty renegotiation_info. */
    c->t12->secure_renegotiation = ch->renegotiation_scsv || ch->renegotiation_info != NULL;
    if (tls_random(c->t12->server_random, TLS_RANDOM_LEN, &c->err) != 0)
        return -1;
    /* rfc5246#7.4.8: a client's CertificateVerify signs the handshake
     * messages themselves, with a hash of its choice. */
    if (c->pol.verify && !resumed)
        tls_transcript_keep_messages(&c->transcript, 1);
    /* rfc8446#4.1.3: "TLS 1.3 servers which negotiate TLS 1.2 or below in
     * response to a ClientHello MUST set the last 8 bytes of their Random
     * value specially": DOWNGRD 01 for TLS 1.2. */
    if (tls_hello_conn_speaks13(c) && !c->name_without13)
        memcpy(c->t12->server_random + TLS_RANDOM_LEN - 8, tls_downgrade_tls12, 8);
    if (tls_transcript_set_hash(&c->transcript, c->suite->md, &c->err) != 0 ||
        tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)
        return -1;
    if (resumed)
        return send_abbreviated_flight(c, ch);
    if (tls_ocsp_server_prepare(c) != 0 ||
        send_server_hello(c, ch) != 0 || tls12_send_certificate(c, 0) != 0 ||
        tls12_ocsp_send_certificate_status(c) != 0)
        return -1;
    if (c->suite->kx == TLS_KX_ECDHE && send_server_key_exchange(c) != 0)
        return -1;
    if ((c->pol.verify && send_certificate_request(c) != 0) || send_server_hello_done(c) != 0)
        return -1;
    c->state = c->pol.verify ? ST_SERVER12_WAIT_CERT : ST_SERVER12_WAIT_CKE;
    return 0;
}

/* ---- The client's flight ------------------------------------------------------- */

static int trace_key_step(tls_conn *c, const char *step, const char *how)
{
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "key", step);
    tls_trace_add(&tb, "how", "%s", how);
    tls_trace_add(&tb, "cipher", "%s", c->suite->name);
    return tls_trace_emit(c, &tb);
}

/* rfc5246#7.4.6: the client's answer to our CertificateRequest. */
static int handle_client_certificate(tls_conn *c, tls_reader *body, const uint8_t *msg, size_t len)
{
    int empty = 0;
    if (tls12_parse_certificate(c, body, &empty) != 0 || tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)
        return -1;
    c->state = ST_SERVER12_WAIT_CKE;
    if (!empty) {
        /* Our certificate_types: rsa_sign and ecdsa_sign (EdDSA too,
         * rfc8422#5.5). rsa_sign takes RSASSA-PSS keys as well: rfc8446#4.2.3
         * (updating TLS 1.2) names them for rsa_pss_pss_*, which our
         * CertificateRequest offers; handle_certificate_verify then holds
         * the client to a scheme that fits the key. */
        if (!EVP_PKEY_is_a(c->peer_key, "RSA") && !EVP_PKEY_is_a(c->peer_key, "RSA-PSS") &&
            !EVP_PKEY_is_a(c->peer_key, "EC") && !EVP_PKEY_is_a(c->peer_key, "ED25519"))
            return tls_fail(&c->err, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                            "client certificate has a %s key, which is none of the kinds we asked for "
                            "(RSA, RSA-PSS, ECDSA, Ed25519)", EVP_PKEY_get0_type_name(c->peer_key));
        c->t12->peer_sent_certificate = 1;
        return 0;
    }
    /* rfc5246#7.4.6: "If the client does not send any certificates, the
     * server MAY at its discretion either continue the handshake without
     * client authentication, or respond with a fatal handshake_failure
     * alert" (TLS 1.2 has no certificate_required). */
    if (tls_hs_client_sent_no_certificate(c, TLS_ALERT_HANDSHAKE_FAILURE) != 0)
        return -1;
    tls_transcript_keep_messages(&c->transcript, 0);
    return 0;
}

/* rfc5246#7.4.8: the client proves it holds its certificate's key by
 * signing every handshake message before this one. */
static int handle_certificate_verify(tls_conn *c, tls_reader *body, const uint8_t *msg, size_t len)
{
    uint16_t scheme = tls_rd_u16(body);
    tls_reader sig = tls_rd_vec(body, 2);
    if (!tls_rd_end(body) || sig.len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "CertificateVerify is malformed");
    const char *name = tls_sigscheme_name(scheme);
    /* rfc5246#7.4.8: "The hash and signature algorithms used in the
     * signature MUST be one of those present in the
     * supported_signature_algorithms field of the CertificateRequest". */
    if (!tls_hello_offered(c->pol.sigalgs, c->pol.n_sigalgs, scheme))
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "client signed its CertificateVerify with %s, which our CertificateRequest did not offer",
                        name ? name : "an unknown scheme");
    if (!tls12_sig_scheme_fits_key(c->peer_key, scheme))
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "client signed its CertificateVerify with %s, which does not fit its %s certificate key",
                        name, EVP_PKEY_get0_type_name(c->peer_key));
    const tls_buf *messages = tls_transcript_messages(&c->transcript);
    TLS_ERROR_LOCAL(why);
    tls_error_clear(&why);
    if (tls12_sig_verify(c->peer_key, scheme, messages->data, messages->len, sig.p, sig.len,
                         "the client's CertificateVerify", &why) != 0)
        return tls_fail(&c->err, why.alert, "%s",
                        why.alert == TLS_ALERT_DECRYPT_ERROR
                            ? "signature in the client's CertificateVerify does not verify with its certificate's key"
                            : why.reason);
    c->peer_sigscheme = scheme;
    tls_transcript_keep_messages(&c->transcript, 0);
    if (tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)
        return -1;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "CertificateVerify");
        tls_trace_add(&tb, "signature", "%s", name);
        tls_trace_add(&tb, "result", "signature over the handshake messages verified with the client "
                                     "certificate's key");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    c->state = ST_SERVER12_WAIT_CCS;
    return 0;
}

/* The premaster secret from the ClientKeyExchange body into pms. */
static int read_premaster(tls_conn *c, tls_reader *body, uint8_t *pms, size_t pms_size, size_t *pms_len)
{
    if (c->suite->kx == TLS_KX_ECDHE) {
        /* rfc8422#5.7: ClientECDiffieHellmanPublic, ECPoint point<1..2^8-1>. */
        tls_reader point = tls_rd_vec(body, 1);
        if (!tls_rd_end(body) || point.len == 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientKeyExchange is malformed");
        int rc = tls_kex_derive(&c->kex, point.p, point.len, pms, pms_size, pms_len, &c->err);
        tls_kex_free(&c->kex);
        if (rc != 0)
            return -1;
        if (tls_tracing(c)) {
            tls_trace_builder tb;
            tls_trace_begin(&tb, "receive", "ClientKeyExchange");
            tls_trace_add(&tb, "key_exchange", "ECDHE");
            tls_trace_add(&tb, "group", "%s", tls_group_name(c->group));
            tls_trace_add(&tb, "public_key_bytes", "%zu", point.len);
            if (tls_trace_emit(c, &tb) != 0)
                return -1;
        }
        return trace_key_step(c, "premaster secret",
                              "ECDHE: our private key with the client's public key, both ephemeral");
    }
    /* rfc5246#7.4.7.1: EncryptedPreMasterSecret with its 2-byte length. */
    tls_reader enc = tls_rd_vec(body, 2);
    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientKeyExchange is malformed");
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "ClientKeyExchange");
        tls_trace_add(&tb, "key_exchange", "RSA");
        tls_trace_add(&tb, "encrypted_premaster_bytes", "%zu", enc.len);
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    /* Never fails on the ciphertext: a bad padding, length or version gives
     * a random premaster, and the handshake fails at Finished exactly as
     * with a wrong key. Its result says only whether we failed locally
     * (memory, RNG, an unusable key), which does not depend on the peer's
     * bytes; nothing here looks at the premaster. */
    if (tls12_rsa_premaster_decrypt(c->own->key, enc.p, enc.len, c->t12->client_version, pms, &c->err) != 0)
        return -1;
    *pms_len = TLS12_PREMASTER_RSA_LEN;
    return trace_key_step(c, "premaster secret",
                          "RSA: 48 bytes the client chose, decrypted with our private key");
}

static int handle_client_key_exchange(tls_conn *c, tls_reader *body, const uint8_t *msg, size_t len)
{
    uint8_t pms[TLS_MAX_SHARED_SECRET > TLS12_PREMASTER_RSA_LEN ? TLS_MAX_SHARED_SECRET : TLS12_PREMASTER_RSA_LEN];
    uint8_t session_hash[TLS_MAX_HASH_LEN];
    size_t pms_len = 0;
    int rc = -1;
    if (read_premaster(c, body, pms, sizeof pms, &pms_len) != 0 ||
        tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)
        goto done;
    /* rfc7627#3: session_hash = Hash(handshake_messages) through ClientKeyExchange. */
    if (c->t12->ems && tls_transcript_hash(&c->transcript, session_hash, &c->err) != 0)
        goto done;
    if (tls12_master_secret(c->suite->md, pms, pms_len, c->t12->ems, c->client_random, c->t12->server_random,
                            session_hash, c->suite->hash_len, c->t12->master, &c->err) != 0 ||
        trace_key_step(c, "master secret",
                       c->t12->ems ? "extended (RFC 7627): PRF of the premaster and the hash of the "
                                    "handshake so far"
                                  : "PRF of the premaster and the client and server randoms") != 0)
        goto done;
    /* The ChangeCipherSpec comes after the CertificateVerify, if any; one
     * arriving before it is refused by tls12_server_change_cipher_spec. */
    tls_keylog12_master(c);
    c->ccs_expected = 1;
    c->state = c->t12->peer_sent_certificate ? ST_SERVER12_WAIT_CV : ST_SERVER12_WAIT_CCS;
    rc = 0;
done:
    OPENSSL_cleanse(pms, sizeof pms);
    OPENSSL_cleanse(session_hash, sizeof session_hash);
    return rc;
}

/* Keys one direction from the key block (rfc5246#6.3), derived once for
 * both directions and kept in c->t12 (wiped with it when the handshake
 * ends). */
static int install_keys(tls_conn *c, int write)
{
    tls12_key_block *kb = &c->t12->key_block;
    if (!c->t12->key_block_ready) {
        if (tls12_key_block_derive(c->suite->md, c->suite->key_len, c->suite->fixed_iv_len,
                                   c->t12->master, c->client_random, c->t12->server_random, kb,
                                   &c->err) != 0)
            return -1;
        c->t12->key_block_ready = 1;
    }
    if (!write && trace_key_step(c, "key block",
                                 "client and server write keys and IVs: PRF of the master secret and "
                                 "the randoms") != 0)
        return -1;
    if (write)
        return tls12_record_set_keys(c, 1, kb->server_key, kb->server_iv, "server write key");
    return tls12_record_set_keys(c, 0, kb->client_key, kb->client_iv, "client write key");
}

int tls12_server_change_cipher_spec(tls_conn *c)
{
    /* rfc5246#7.4.8: a client that sent a certificate must prove it holds
     * its key before anything else. */
    if (c->state == ST_SERVER12_WAIT_CV)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "expected CertificateVerify, got ChangeCipherSpec: the client sent a certificate "
                        "without proving it holds its key");
    if (c->state != ST_SERVER12_WAIT_CCS)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected change_cipher_spec");
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "ChangeCipherSpec");
        tls_trace_add(&tb, "meaning", "the client's next records are protected with the new keys");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    if (install_keys(c, 0) != 0)
        return -1;
    c->state = ST_SERVER12_WAIT_FINISHED;
    return 0;
}

static int send_finished(tls_conn *c)
{
    uint8_t th[TLS_MAX_HASH_LEN], verify[TLS12_VERIFY_DATA_LEN];
    tls_buf msg;
    tls_buf_init(&msg);
    int rc = -1;
    if (tls_transcript_hash(&c->transcript, th, &c->err) == 0 &&
        tls12_finished(c->suite->md, c->t12->master, 1, th, c->suite->hash_len, verify, &c->err) == 0) {
        size_t off = tls_hs_begin_message(&msg, TLS_HS_FINISHED);
        tls_buf_bytes(&msg, verify, sizeof verify);
        tls_hs_end_message(&msg, off);
        rc = tls_hs_send(c, &msg);
        if (rc == 0)
            tls_hs_note_finished(c, 0, verify, sizeof verify);
    }
    OPENSSL_cleanse(verify, sizeof verify);
    tls_buf_free(&msg);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "Finished");
        tls_trace_add(&tb, "proves", "we saw the same handshake and hold the same master secret");
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

static int handle_finished(tls_conn *c, tls_reader *body, const uint8_t *msg, size_t len)
{
    uint8_t th[TLS_MAX_HASH_LEN], expected[TLS12_VERIFY_DATA_LEN];
    const uint8_t *got = tls_rd_bytes(body, TLS12_VERIFY_DATA_LEN);
    /* got is NULL for a short Finished; tested on its own so that it never
     * reaches CRYPTO_memcmp, whatever becomes of the length check. */
    if (got == NULL || !tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Finished has the wrong length");
    if (tls_transcript_hash(&c->transcript, th, &c->err) != 0 ||
        tls12_finished(c->suite->md, c->t12->master, 0, th, c->suite->hash_len, expected, &c->err) != 0)
        return -1;
    /* rfc5246#7.4.9: "Recipients of Finished messages MUST verify that the
     * contents are correct." */
    int ok = CRYPTO_memcmp(expected, got, sizeof expected) == 0;
    OPENSSL_cleanse(expected, sizeof expected);
    if (!ok)
        return tls_fail(&c->err, TLS_ALERT_DECRYPT_ERROR,
                        "client Finished does not match: the client saw a different handshake or holds "
                        "a different master secret");
    tls_hs_note_finished(c, 1, got, TLS12_VERIFY_DATA_LEN);
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", "Finished");
        tls_trace_add(&tb, "verified", "the client saw the same handshake and holds the same master secret");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    if (tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)
        return -1;
    /* Resumed: our Finished went first; the client's completes it. */
    if (!c->resumed) {
        /* rfc5077#3.3: NewSessionTicket "MUST be sent if the server
         * included a SessionTicket extension in the ServerHello", before
         * its ChangeCipherSpec. */
        if ((c->t12->ticket_promised && tls12_resume_server_send_ticket(c) != 0) ||
            tls_record_send_ccs(c) != 0 || install_keys(c, 1) != 0 || send_finished(c) != 0 ||
            tls12_resume_server_store(c) != 0)
            return -1;
    }
    c->state = ST_CONNECTED;
    c->status |= TLS_STATUS_HANDSHAKE_DONE;
    return 0;
}

/* rfc5246#7.3: resuming, the server's ChangeCipherSpec and Finished follow
 * its ServerHello (and a renewed ticket, rfc5077#3.4), under keys from
 * the session's master secret and the new randoms. */
static int send_abbreviated_flight(tls_conn *c, const client_hello *ch)
{
    tls_keylog12_master(c);
    if (send_server_hello(c, ch) != 0 ||
        (c->t12->ticket_promised && tls12_resume_server_send_ticket(c) != 0) ||
        tls_record_send_ccs(c) != 0 || install_keys(c, 1) != 0 || send_finished(c) != 0)
        return -1;
    c->ccs_expected = 1;
    c->state = ST_SERVER12_WAIT_CCS;
    return 0;
}

int tls12_server_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len)
{
    switch (c->state) {
    case ST_SERVER12_WAIT_CERT:
        /* rfc5246#7.4.6: "This is the first message the client can send
         * after receiving a ServerHelloDone message", even when empty. */
        if (type != TLS_HS_CERTIFICATE)
            return unexpected(c, type, "Certificate");
        return handle_client_certificate(c, body, msg, len);
    case ST_SERVER12_WAIT_CKE:
        /* Without our CertificateRequest a Certificate here is out of
         * place (rfc5246#7.4.6: "only sent if the server requests a
         * certificate"). */
        if (type != TLS_HS_CLIENT_KEY_EXCHANGE)
            return unexpected(c, type, "ClientKeyExchange");
        return handle_client_key_exchange(c, body, msg, len);
    case ST_SERVER12_WAIT_CV:
        if (type != TLS_HS_CERTIFICATE_VERIFY)
            return unexpected(c, type, "CertificateVerify");
        return handle_certificate_verify(c, body, msg, len);
    case ST_SERVER12_WAIT_CCS: {
        /* Before the ChangeCipherSpec a record is read as plaintext: a
         * Finished sent without one is ciphertext, whose first byte would
         * name some message it is not. */
        const char *name = tls_handshake_name(type);
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "expected ChangeCipherSpec, got a handshake record (read as plaintext, %s; a Finished "
                        "sent without ChangeCipherSpec is encrypted)", name ? name : "no known message");
    }
    case ST_SERVER12_WAIT_FINISHED:
        if (type != TLS_HS_FINISHED)
            return unexpected(c, type, "Finished");
        return handle_finished(c, body, msg, len);
    default:
        return unexpected(c, type, "no handshake message");
    }
}
