/* The client's hello phase, shared by both versions: the ClientHello, and
 * the ServerHello decoded and judged for its version before the version's
 * own state machine (tls13_client.c, tls12_client.c) takes over. */
#include <stdio.h>
#include <string.h>

#include "hs/tls_hello.h"
#include "hs/tls12_resume_client.h"
#include "util/tls_names.h"
#include "pki/tls_x509.h"
#include "hs/tls13_early.h"
#include "hs/tls13_psk_client.h"

static int unexpected(tls_conn *c, uint8_t type, const char *wanted)
{
    const char *name = tls_handshake_name(type);
    return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "expected %s, got %s", wanted,
                    name ? name : "an unknown handshake message");
}

static void put_list16(tls_buf *b, const uint16_t *ids, size_t n)
{
    size_t off = tls_buf_open_block(b, 2);
    for (size_t i = 0; i < n; i++)
        tls_buf_u16(b, ids[i]);
    tls_buf_close_block(b, off, 2);
}

/* Starts an extension and notes that we sent it: the server may answer
 * only those (rfc8446#4.2). */
static void put_extension_start(tls_conn *c, tls_buf *b, uint16_t type, size_t *off)
{
    c->ext_sent |= tls_ext_bit(type);
    tls_buf_u16(b, type);
    *off = tls_buf_open_block(b, 2);
}

/* A new key pair for c->group; its public value goes in every ClientHello
 * until a HelloRetryRequest asks for another group. */
static int make_key_share(tls_conn *c)
{
    tls_buf_clear(&c->client_share);
    return tls_kex_generate(&c->kex, c->group, &c->client_share, &c->err);
}

/* Our suites for the versions we offer, then (with TLS 1.2) the rfc5746
 * signalling value. */
static size_t offered_suites(const tls_conn *c, uint16_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < c->pol.n_suites; i++) {
        const tls_suite *s = tls_suite_get(c->pol.suites[i]);
        if (s != NULL && s->version >= c->offered_min && s->version <= c->offered_max)
            out[n++] = s->id;
    }
    if (c->offered_min <= TLS_VERSION_12)
        out[n++] = TLS_EMPTY_RENEGOTIATION_INFO_SCSV;
    return n;
}

int tls_hello_send_client_hello(tls_conn *c)
{
    const tls_buf *share = &c->client_share;
    tls_buf msg;
    size_t off, ext, e, inner;
    int v13 = c->offered_max >= TLS_VERSION_13, v12 = c->offered_min <= TLS_VERSION_12;
    uint16_t suites[TLS_CONFIG_MAX_LIST + 1];
    size_t n_suites = offered_suites(c, suites);
    /* A TLS 1.2 session to offer sets the session id, in the first hello
     * (tls12_resume_client.c). */
    if (!c->hello_retry && tls12_resume_client_offer(c) != 0)
        return -1;
    tls_buf_init(&msg);
    off = tls_hs_begin_message(&msg, TLS_HS_CLIENT_HELLO);
    tls_buf_u16(&msg, TLS_VERSION_12); /* legacy_version, rfc8446#4.1.2 */
    tls_buf_bytes(&msg, c->client_random, TLS_RANDOM_LEN);
    inner = tls_buf_open_block(&msg, 1);
    tls_buf_bytes(&msg, c->session_id, c->session_id_len);
    tls_buf_close_block(&msg, inner, 1);
    put_list16(&msg, suites, n_suites);
    tls_buf_u8(&msg, 1); /* legacy_compression_methods: null only */
    tls_buf_u8(&msg, 0);

    c->ext_sent = 0;
    ext = tls_buf_open_block(&msg, 2);
    /* rfc6066#3: literal IP addresses are not permitted in server_name. */
    if (c->server_name != NULL && !tls_is_ip_literal(c->server_name)) {
        put_extension_start(c, &msg, TLS_EXT_SERVER_NAME, &e);
        inner = tls_buf_open_block(&msg, 2);
        tls_buf_u8(&msg, 0); /* host_name */
        size_t name = tls_buf_open_block(&msg, 2);
        tls_buf_bytes(&msg, c->server_name, strlen(c->server_name));
        tls_buf_close_block(&msg, name, 2);
        tls_buf_close_block(&msg, inner, 2);
        tls_buf_close_block(&msg, e, 2);
    }
    /* rfc8446#4.2.1: offered only with TLS 1.3; a TLS 1.2-only hello is
     * the classic one, which every TLS 1.2 server understands. */
    if (v13) {
        put_extension_start(c, &msg, TLS_EXT_SUPPORTED_VERSIONS, &e);
        tls_buf_u8(&msg, v12 ? 4 : 2);
        tls_buf_u16(&msg, TLS_VERSION_13);
        if (v12)
            tls_buf_u16(&msg, TLS_VERSION_12);
        tls_buf_close_block(&msg, e, 2);
    }
    if (v12) {
        /* rfc8422#5.1.2: only the uncompressed point format. */
        put_extension_start(c, &msg, TLS_EXT_EC_POINT_FORMATS, &e);
        tls_buf_u8(&msg, 1);
        tls_buf_u8(&msg, 0);
        tls_buf_close_block(&msg, e, 2);
        /* rfc7627#5.1: always offered. */
        put_extension_start(c, &msg, TLS_EXT_EXTENDED_MASTER_SECRET, &e);
        tls_buf_close_block(&msg, e, 2);
        tls12_resume_client_put_ticket(c, &msg);
        /* rfc5746#3.4: the client signals with the SCSV in the suite list;
         * a server answers with the extension, which we must accept. */
        c->ext_sent |= tls_ext_bit(TLS_EXT_RENEGOTIATION_INFO);
    }

    put_extension_start(c, &msg, TLS_EXT_SUPPORTED_GROUPS, &e);
    put_list16(&msg, c->pol.groups, c->pol.n_groups);
    tls_buf_close_block(&msg, e, 2);

    put_extension_start(c, &msg, TLS_EXT_SIGNATURE_ALGORITHMS, &e);
    put_list16(&msg, c->pol.sigalgs, c->pol.n_sigalgs);
    tls_buf_close_block(&msg, e, 2);

    /* rfc8446#4.2.3: what we accept in certificates, which is not what we
     * accept for handshake signatures (rsa_pkcs1_* among others). */
    uint16_t cert_sigalgs[TLS_CONFIG_MAX_LIST + 4];
    size_t n_cert_sigalgs = tls_sigalgs_cert(c->pol.security_level, cert_sigalgs,
                                             sizeof cert_sigalgs / sizeof cert_sigalgs[0]);
    put_extension_start(c, &msg, TLS_EXT_SIGNATURE_ALGORITHMS_CERT, &e);
    put_list16(&msg, cert_sigalgs, n_cert_sigalgs);
    tls_buf_close_block(&msg, e, 2);

    if (v13) {
        put_extension_start(c, &msg, TLS_EXT_KEY_SHARE, &e);
        inner = tls_buf_open_block(&msg, 2);
        tls_buf_u16(&msg, c->group);
        size_t kx = tls_buf_open_block(&msg, 2);
        tls_buf_bytes(&msg, share->data, share->len);
        tls_buf_close_block(&msg, kx, 2);
        tls_buf_close_block(&msg, inner, 2);
        tls_buf_close_block(&msg, e, 2);
    }

    if (c->pol.record_size_limit != 0) {
        put_extension_start(c, &msg, TLS_EXT_RECORD_SIZE_LIMIT, &e);
        tls_buf_u16(&msg, c->pol.record_size_limit);
        tls_buf_close_block(&msg, e, 2);
    }

    /* rfc7301#3.1: our protocols, in our preference order. */
    if (c->pol.alpn.len > 0) {
        put_extension_start(c, &msg, TLS_EXT_ALPN, &e);
        inner = tls_buf_open_block(&msg, 2);
        tls_buf_bytes(&msg, c->pol.alpn.data, c->pol.alpn.len);
        tls_buf_close_block(&msg, inner, 2);
        tls_buf_close_block(&msg, e, 2);
    }
    tls_ocsp_put_status_request(c, &msg);

    if (c->cookie.len > 0) {
        put_extension_start(c, &msg, TLS_EXT_COOKIE, &e);
        inner = tls_buf_open_block(&msg, 2);
        tls_buf_bytes(&msg, c->cookie.data, c->cookie.len);
        tls_buf_close_block(&msg, inner, 2);
        tls_buf_close_block(&msg, e, 2);
    }
    if (v13)
        tls13_psk_client_put_modes(c, &msg);
    /* rfc8446#4.2.10: right before pre_shared_key, which comes last. */
    if (v13)
        tls13_early_client_put_ext(c, &msg);
    tls_buf_close_block(&msg, ext, 2);
    tls_hs_end_message(&msg, off);
    /* TLS 1.3 resumption: its extensions come last (hs/tls13_psk_client.c). */
    if (v13 && tls13_psk_client_put(c, &msg, off, ext) != 0) {
        tls_buf_free(&msg);
        return -1;
    }

    int rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "ClientHello");
        tls_trace_add(&tb, "versions", "%s", v13 && v12 ? "TLSv1.3, TLSv1.2" : v13 ? "TLSv1.3" : "TLSv1.2");
        tls_trace_add_hex(&tb, "random", c->client_random, TLS_RANDOM_LEN);
        tls_trace_add_list(&tb, "cipher_suites", suites, n_suites, tls_suite_name);
        tls_trace_add_list(&tb, "groups", c->pol.groups, c->pol.n_groups, tls_group_name);
        if (v13)
            tls_trace_add(&tb, "key_share", "%s", tls_group_name(c->group));
        tls_trace_add_list(&tb, "signature_algorithms", c->pol.sigalgs, c->pol.n_sigalgs, tls_sigscheme_name);
        tls_trace_add_list(&tb, "signature_algorithms_cert", cert_sigalgs, n_cert_sigalgs,
                           tls_sigscheme_name);
        if (c->server_name != NULL)
            tls_trace_add(&tb, "server_name", "%s%s", c->server_name,
                          tls_is_ip_literal(c->server_name) ? " (IP address: not sent as SNI)" : "");
        if (c->pol.record_size_limit != 0)
            tls_trace_add(&tb, "record_size_limit", "%u", c->pol.record_size_limit);
        if (c->pol.alpn.len > 0) {
            char alpn[512];
            size_t used = 0;
            tls_reader r = tls_rd_init(c->pol.alpn.data, c->pol.alpn.len);
            while (tls_rd_left(&r) > 0 && used + 260 < sizeof alpn) {
                tls_reader p = tls_rd_vec(&r, 1);
                used += (size_t)snprintf(alpn + used, sizeof alpn - used, "%s%.*s", used ? ", " : "",
                                         (int)p.len, (const char *)p.p);
            }
            tls_trace_add(&tb, "alpn", "%s", used ? alpn : "");
        }
        if (c->ocsp_asked)
            tls_trace_add(&tb, "status_request", "ocsp (a stapled OCSP response)");
        if (c->hello_retry)
            tls_trace_add(&tb, "retry", "second ClientHello, answering HelloRetryRequest");
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

int tls_client_start(tls_conn *c)
{
    if (c->state != ST_CLIENT_START)
        return 0;
    /* Only versions we can do are offered: a TLS 1.2-only `ciphers` list,
     * or `sigalgs` of rsa_pkcs1_* only (no TLS 1.3 server signature we
     * would accept), must not invite a TLS 1.3 answer we cannot take. */
    int have12 = 0;
    for (size_t i = 0; i < c->pol.n_suites; i++) {
        const tls_suite *s = tls_suite_get(c->pol.suites[i]);
        have12 |= s != NULL && s->version == TLS_VERSION_12;
    }
    c->offered_max = tls_hello_conn_speaks13(c) ? TLS_VERSION_13 : TLS_VERSION_12;
    c->offered_min = c->pol.min_version <= TLS_VERSION_12 && have12 ? TLS_VERSION_12 : TLS_VERSION_13;
    if (c->offered_min > c->offered_max) {
        /* the context's own words for why, when it still has these settings */
        if (tls_config_check(c->cfg, &c->err) != 0)
            return -1;
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "no version left to offer");
    }
    int v13 = c->offered_max >= TLS_VERSION_13;
    c->group = c->pol.groups[0];
    /* Middlebox compatibility (rfc8446#D.4) with TLS 1.3; in a TLS 1.2-only
     * hello a session id would ask to resume a session. */
    c->session_id_len = v13 ? sizeof c->session_id : 0;
    /* One call to the generator for both: each call costs its fixed
     * overhead (some 5 k instructions), the bytes hardly anything. */
    uint8_t fresh[TLS_RANDOM_LEN + sizeof c->session_id];
    if (tls_random(fresh, TLS_RANDOM_LEN + c->session_id_len, &c->err) != 0)
        return -1;
    memcpy(c->client_random, fresh, TLS_RANDOM_LEN);
    memcpy(c->session_id, fresh + TLS_RANDOM_LEN, c->session_id_len);
    if ((v13 && make_key_share(c) != 0) || tls13_psk_client_prepare(c) != 0 ||
        tls_hello_send_client_hello(c) != 0 || tls13_early_client_send(c) != 0)
        return -1;
    /* rfc8446#5: a TLS 1.3 server's compatibility change_cipher_spec may come now. */
    c->ccs_ignorable = v13;
    c->state = ST_CLIENT_WAIT_SH;
    return 0;
}

int tls_hello_offered(const uint16_t *list, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return 1;
    return 0;
}

const uint8_t tls_downgrade_tls12[8] = { 'D', 'O', 'W', 'N', 'G', 'R', 'D', 0x01 };
const uint8_t tls_downgrade_tls11[8] = { 'D', 'O', 'W', 'N', 'G', 'R', 'D', 0x00 };

/* Decodes the ServerHello, decides the version, and hands over. */
static int handle_server_hello(tls_conn *c, tls_reader *body, const uint8_t *msg, size_t len)
{
    server_hello sh;
    sh.legacy_version = tls_rd_u16(body);
    sh.random = tls_rd_bytes(body, TLS_RANDOM_LEN);
    sh.session_id = tls_rd_vec(body, 1);
    sh.suite = tls_rd_u16(body);
    sh.compression = tls_rd_u8(body);
    /* rfc5246#7.4.1.4: a TLS 1.2 ServerHello may end without extensions. */
    tls_reader ext_block = tls_rd_left(body) > 0 ? tls_rd_vec(body, 2) : tls_rd_init(NULL, 0);
    if (!tls_rd_end(body) || sh.session_id.len > 32)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ServerHello is malformed");
    sh.is_retry = memcmp(sh.random, tls_hrr_random, TLS_RANDOM_LEN) == 0;
    /* rfc8446#4.1.4: a second HelloRetryRequest is unexpected_message,
     * whatever else is wrong with it. */
    if (sh.is_retry && c->hello_retry)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "second HelloRetryRequest");
    if (tls_hs_parse_extensions(c, &ext_block, &sh.exts, "ServerHello") != 0)
        return -1;
    tls_reader *sv = tls_hs_find_ext(&sh.exts, TLS_EXT_SUPPORTED_VERSIONS);
    if (sv != NULL) {
        uint16_t version = tls_rd_u16(sv);
        if (!tls_rd_end(sv))
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ServerHello supported_versions is malformed");
        /* rfc8446#4.2.1: a version not offered, or one before TLS 1.3, is
         * illegal_parameter. */
        if (version != TLS_VERSION_13 || c->offered_max < TLS_VERSION_13)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                            "server selected version 0x%04x, not offered", version);
        return tls13_client_server_hello(c, &sh, msg, len);
    }
    /* rfc8446#4.1.4: "The value of selected_version in the
     * HelloRetryRequest "supported_versions" extension MUST be retained in
     * the ServerHello" (else illegal_parameter). */
    if (c->hello_retry)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "ServerHello after a TLS 1.3 HelloRetryRequest chose another version");
    /* rfc8446#4.1.4: a HelloRetryRequest "MUST contain the
     * supported_versions extension"; without it nothing was chosen, and
     * the reason below (a version we lack) would mislead (review38a F1). */
    if (sh.is_retry)
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION,
                        "HelloRetryRequest without supported_versions (RFC 8446 4.1.4)");
    if (sh.legacy_version > TLS_VERSION_12 && sh.legacy_version <= TLS_VERSION_13)
        return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION,
                        "ServerHello legacy_version 0x%04x without supported_versions (TLS 1.3 is chosen "
                        "only through that extension, RFC 8446 4.1.3)", sh.legacy_version);
    const char *v = tls_version_name(sh.legacy_version);
    if (sh.legacy_version != TLS_VERSION_12 || c->offered_min > TLS_VERSION_12)
        return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION, "server chose %s, but this client speaks only %s",
                        v ? v : "an unknown protocol version",
                        c->offered_min == TLS_VERSION_13 && c->offered_max == TLS_VERSION_13
                            ? (c->pol.min_version > TLS_VERSION_12 ? "TLS 1.3 (min_version)"
                                                                 : "TLS 1.3 (its ciphers are all TLS 1.3 suites)")
                        : c->offered_max == TLS_VERSION_12 ? "TLS 1.2" : "TLS 1.2 and 1.3");
    /* rfc8446#4.1.3: "TLS 1.3 clients receiving a ServerHello indicating
     * TLS 1.2 or below MUST check that the last 8 bytes are not equal to
     * either of these values" and abort with illegal_parameter: an
     * attacker removed TLS 1.3 from our hello. */
    if (c->offered_max >= TLS_VERSION_13 &&
        (memcmp(sh.random + 24, tls_downgrade_tls12, 8) == 0 ||
         memcmp(sh.random + 24, tls_downgrade_tls11, 8) == 0))
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "downgrade detected: the server can do TLS 1.3 but answered with TLS 1.2 "
                        "(its random carries the RFC 8446 downgrade sentinel; someone on the path "
                        "removed TLS 1.3 from our hello)");
    /* rfc8446#D.3: "A client that attempts to send 0-RTT data MUST fail a
     * connection if it receives a ServerHello with TLS 1.2 or older." Our
     * write key is still the 0-RTT one. */
    if (tls13_early_client_keeps_write_key(c))
        return tls13_early_client_refuse_tls12(c);
    /* No compatibility change_cipher_spec in TLS 1.2: it is a real message
     * there, and one before the ServerHello is out of order (rfc5246#7.1),
     * even if the TLS 1.3 window we had opened let it by unread. */
    if (c->ccs_records > 0)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "change_cipher_spec record before the server's TLS 1.2 ServerHello");
    c->ccs_ignorable = 0;
    if (tls12_state_new(c) != 0)
        return -1;
    /* rfc5246#7.4.7.1: the premaster starts with the latest version the
     * client offered: our legacy_version. */
    c->t12->client_version = TLS_VERSION_12;
    return tls12_client_server_hello(c, &sh, msg, len);
}

int tls_client_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len)
{
    if (c->state == ST_CLIENT_WAIT_SH) {
        /* rfc5246#7.4.1.1: a client negotiating ignores HelloRequest, also
         * before the ServerHello says which version it is; not once the
         * server can only speak TLS 1.3 (a HelloRetryRequest came, or we
         * offer nothing else), where it is no message at all. */
        if (type == TLS_HS_HELLO_REQUEST && !c->hello_retry && c->offered_min <= TLS_VERSION_12)
            return tls12_client_ignore_hello_request(c, body);
        if (type != TLS_HS_SERVER_HELLO)
            return unexpected(c, type, "ServerHello");
        return handle_server_hello(c, body, msg, len);
    }
    if (c->version == TLS_VERSION_12)
        return tls12_client_handle(c, type, body, msg, len);
    return tls13_client_handle(c, type, body, msg, len);
}
