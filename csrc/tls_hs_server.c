/* The TLS 1.3 server: one state, one expected message (rfc8446#A.2). */
#include <string.h>

#include "tls_conn_int.h"
#include "tls_names.h"

typedef struct client_hello {
    uint16_t legacy_version;
    tls_reader session_id;
    uint16_t suites[TLS_MAX_PEER_LIST];
    size_t n_suites;
    uint16_t versions[TLS_MAX_PEER_LIST];
    size_t n_versions;
    int has_versions;
    uint16_t groups[TLS_MAX_PEER_LIST];
    size_t n_groups;
    int has_groups;
    uint16_t share_groups[TLS_MAX_PEER_LIST];
    tls_reader shares[TLS_MAX_PEER_LIST];
    size_t n_shares;
    int has_key_share;
    int has_sigalgs;
    tls_reader server_name;   /* host_name bytes, if sent */
    int has_server_name;
} client_hello;

static int unexpected(tls_conn *c, uint8_t type, const char *wanted)
{
    const char *name = tls_handshake_name(type);
    return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "expected %s, got %s", wanted,
                    name ? name : "an unknown handshake message");
}

/* Reads a vector of u16 values; lists longer than we keep are cut, which
 * only costs us the peer's least preferred choices. */
static int read_u16_list(tls_conn *c, tls_reader *r, int prefix, uint16_t *out, size_t *n,
                         const char *what)
{
    tls_reader v = tls_rd_vec(r, prefix);
    *n = 0;
    if (!tls_rd_ok(&v) || v.len == 0 || v.len % 2 != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello %s list is malformed", what);
    while (tls_rd_left(&v) > 0) {
        uint16_t id = tls_rd_u16(&v);
        if (*n < TLS_MAX_PEER_LIST)
            out[(*n)++] = id;
    }
    return 0;
}

static int parse_key_shares(tls_conn *c, tls_reader *ext, client_hello *ch)
{
    tls_reader list = tls_rd_vec(ext, 2);
    if (!tls_rd_end(ext))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello key_share is malformed");
    while (tls_rd_left(&list) > 0) {
        uint16_t group = tls_rd_u16(&list);
        tls_reader kx = tls_rd_vec(&list, 2);
        if (!tls_rd_ok(&list) || kx.len == 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello key_share entry is malformed");
        for (size_t i = 0; i < ch->n_shares; i++)
            /* rfc8446#4.2.8: no more than one share per group. */
            if (ch->share_groups[i] == group)
                return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "two key shares for group %s",
                                tls_group_name(group) ? tls_group_name(group) : "unknown");
        if (ch->n_shares == TLS_MAX_PEER_LIST)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "too many key shares");
        ch->share_groups[ch->n_shares] = group;
        ch->shares[ch->n_shares] = kx;
        ch->n_shares++;
    }
    return tls_rd_end(&list) ? 0 : tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "key_share is malformed");
}

static int parse_server_name(tls_conn *c, tls_reader *ext, client_hello *ch)
{
    tls_reader list = tls_rd_vec(ext, 2);
    if (!tls_rd_end(ext) || list.len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello server_name is malformed");
    while (tls_rd_left(&list) > 0) {
        uint8_t type = tls_rd_u8(&list);
        tls_reader name = tls_rd_vec(&list, 2);
        if (!tls_rd_ok(&list) || name.len == 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello server_name is malformed");
        if (type == 0 && !ch->has_server_name) {
            if (memchr(name.p, 0, name.len) != NULL || name.len > 255)
                return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "server_name is not a host name");
            ch->server_name = name;
            ch->has_server_name = 1;
        }
    }
    return 0;
}

static int parse_client_hello(tls_conn *c, tls_reader *body, client_hello *ch)
{
    memset(ch, 0, sizeof *ch);
    ch->legacy_version = tls_rd_u16(body);
    tls_rd_bytes(body, TLS_RANDOM_LEN);
    ch->session_id = tls_rd_vec(body, 1);
    if (!tls_rd_ok(body) || ch->session_id.len > 32)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello is malformed");
    if (read_u16_list(c, body, 2, ch->suites, &ch->n_suites, "cipher suite") != 0)
        return -1;
    tls_reader compression = tls_rd_vec(body, 1);
    /* Extensions may be absent in hellos of old clients. */
    tls_reader block = tls_rd_left(body) > 0 ? tls_rd_vec(body, 2) : tls_rd_init(NULL, 0);
    if (!tls_rd_end(body) || compression.len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello is malformed");
    tls_ext_list exts;
    if (tls_hs_parse_extensions(c, &block, &exts, "ClientHello") != 0)
        return -1;
    tls_reader *sv = tls_hs_find_ext(&exts, TLS_EXT_SUPPORTED_VERSIONS);
    if (sv != NULL) {
        if (read_u16_list(c, sv, 1, ch->versions, &ch->n_versions, "supported_versions") != 0)
            return -1;
        ch->has_versions = 1;
    }
    int offers_13 = 0;
    for (size_t i = 0; i < ch->n_versions; i++)
        offers_13 |= ch->versions[i] == TLS_VERSION_13;
    if (!offers_13) {
        uint16_t best = ch->legacy_version;
        for (size_t i = 0; i < ch->n_versions; i++)
            if ((ch->versions[i] >> 8) == 3 && ch->versions[i] > best && ch->versions[i] < TLS_VERSION_13)
                best = ch->versions[i];
        const char *name = tls_version_name(best);
        return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION,
                        "client offers at most %s; this server requires TLS 1.3",
                        name ? name : "an unknown protocol version");
    }
    /* rfc8446#4.1.2: legacy_compression_methods is exactly one zero byte in TLS 1.3. */
    if (compression.len != 1 || compression.p[0] != 0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "ClientHello offers compression");
    for (size_t i = 0; i < exts.n; i++) {
        tls_reader *r = &exts.ext[i].body;
        switch (exts.ext[i].type) {
        case TLS_EXT_SUPPORTED_GROUPS:
            if (read_u16_list(c, r, 2, ch->groups, &ch->n_groups, "supported_groups") != 0 || !tls_rd_end(r))
                return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello supported_groups is malformed");
            ch->has_groups = 1;
            break;
        case TLS_EXT_SIGNATURE_ALGORITHMS:
            if (read_u16_list(c, r, 2, c->peer_sigalgs, &c->n_peer_sigalgs, "signature_algorithms") != 0 ||
                !tls_rd_end(r))
                return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR,
                                "ClientHello signature_algorithms is malformed");
            ch->has_sigalgs = 1;
            break;
        case TLS_EXT_KEY_SHARE:
            if (parse_key_shares(c, r, ch) != 0)
                return -1;
            ch->has_key_share = 1;
            break;
        case TLS_EXT_SERVER_NAME:
            if (parse_server_name(c, r, ch) != 0)
                return -1;
            break;
        case TLS_EXT_SUPPORTED_VERSIONS:
            if (!tls_rd_end(r))
                return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello supported_versions is malformed");
            break;
        case TLS_EXT_PRE_SHARED_KEY:
            /* rfc8446#4.2.11: pre_shared_key MUST be the last extension. */
            if (i != exts.n - 1)
                return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "pre_shared_key is not the last extension");
            break;
        default:
            break; /* unknown extensions are ignored (rfc8446#4.2) */
        }
    }
    /* rfc8446#9.2: without a PSK, these are mandatory. */
    if (!ch->has_sigalgs)
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION, "ClientHello has no signature_algorithms");
    if (!ch->has_groups || !ch->has_key_share)
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION,
                        "ClientHello lacks supported_groups or key_share");
    /* rfc8446#4.2.8: each share's group MUST be in supported_groups. */
    for (size_t i = 0; i < ch->n_shares; i++) {
        size_t j = 0;
        while (j < ch->n_groups && ch->groups[j] != ch->share_groups[i])
            j++;
        if (j == ch->n_groups)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                            "key share for group %s, which the client did not list in supported_groups",
                            tls_group_name(ch->share_groups[i]) ? tls_group_name(ch->share_groups[i]) : "unknown");
    }
    return 0;
}

static int contains(const uint16_t *list, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return 1;
    return 0;
}

static int trace_client_hello(tls_conn *c, const client_hello *ch)
{
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "receive", "ClientHello");
    tls_trace_add_list(&tb, "versions", ch->versions, ch->n_versions, tls_version_name);
    tls_trace_add_list(&tb, "cipher_suites", ch->suites, ch->n_suites, tls_suite_name);
    tls_trace_add_list(&tb, "groups", ch->groups, ch->n_groups, tls_group_name);
    tls_trace_add_list(&tb, "key_shares", ch->share_groups, ch->n_shares, tls_group_name);
    tls_trace_add_list(&tb, "signature_algorithms", c->peer_sigalgs, c->n_peer_sigalgs, tls_sigscheme_name);
    if (ch->has_server_name)
        tls_trace_add(&tb, "server_name", "%.*s", (int)ch->server_name.len, (const char *)ch->server_name.p);
    return tls_trace_emit(c, &tb);
}

static void put_server_hello_start(tls_conn *c, tls_buf *msg, const client_hello *ch,
                                   const uint8_t *random, size_t *off, size_t *ext)
{
    *off = tls_hs_begin_message(msg, TLS_HS_SERVER_HELLO);
    tls_buf_u16(msg, TLS_VERSION_12);
    tls_buf_bytes(msg, random, TLS_RANDOM_LEN);
    size_t sid = tls_buf_open_block(msg, 1);
    tls_buf_bytes(msg, ch->session_id.p, ch->session_id.len);
    tls_buf_close_block(msg, sid, 1);
    tls_buf_u16(msg, c->suite->id);
    tls_buf_u8(msg, 0);
    *ext = tls_buf_open_block(msg, 2);
    tls_buf_u16(msg, TLS_EXT_SUPPORTED_VERSIONS);
    tls_buf_u16(msg, 2);
    tls_buf_u16(msg, TLS_VERSION_13);
}

static int send_hello_retry(tls_conn *c, const client_hello *ch)
{
    tls_buf msg;
    size_t off, ext;
    tls_buf_init(&msg);
    put_server_hello_start(c, &msg, ch, tls_hrr_random, &off, &ext);
    tls_buf_u16(&msg, TLS_EXT_KEY_SHARE);
    tls_buf_u16(&msg, 2);
    tls_buf_u16(&msg, c->group);
    tls_buf_close_block(&msg, ext, 2);
    tls_hs_end_message(&msg, off);
    int rc = -1;
    if (tls_transcript_set_hash(&c->transcript, c->suite->md, &c->err) == 0 &&
        tls_transcript_hrr_rewrite(&c->transcript, &c->err) == 0)
        rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "HelloRetryRequest");
        tls_trace_add(&tb, "cipher", "%s", c->suite->name);
        tls_trace_add(&tb, "group", "%s", tls_group_name(c->group));
        tls_trace_add(&tb, "meaning", "no key share for a group we accept: please send one for this group");
        rc = tls_trace_emit(c, &tb);
    }
    /* rfc8446#D.4: in compatibility mode the server's dummy
     * change_cipher_spec follows its first handshake message. */
    if (rc == 0 && ch->session_id.len > 0) {
        rc = tls_record_send_ccs(c);
        c->ccs_sent = 1;
    }
    return rc;
}

static int send_server_hello(tls_conn *c, const client_hello *ch, const tls_reader *peer_share)
{
    uint8_t random[TLS_RANDOM_LEN], shared[TLS_MAX_SHARED_SECRET];
    size_t shared_len = 0, off, ext;
    tls_buf msg, share;
    tls_buf_init(&msg);
    tls_buf_init(&share);
    int rc = -1;
    if (tls_random(random, sizeof random, &c->err) == 0 &&
        tls_kex_generate(&c->kex, c->group, &share, &c->err) == 0 &&
        tls_kex_derive(&c->kex, peer_share->p, peer_share->len, shared, sizeof shared, &shared_len,
                       &c->err) == 0) {
        put_server_hello_start(c, &msg, ch, random, &off, &ext);
        tls_buf_u16(&msg, TLS_EXT_KEY_SHARE);
        size_t ks = tls_buf_open_block(&msg, 2);
        tls_buf_u16(&msg, c->group);
        size_t kx = tls_buf_open_block(&msg, 2);
        tls_buf_bytes(&msg, share.data, share.len);
        tls_buf_close_block(&msg, kx, 2);
        tls_buf_close_block(&msg, ks, 2);
        tls_buf_close_block(&msg, ext, 2);
        tls_hs_end_message(&msg, off);
        if (tls_transcript_set_hash(&c->transcript, c->suite->md, &c->err) == 0)
            rc = tls_hs_send(c, &msg);
    }
    tls_kex_free(&c->kex);
    tls_buf_free(&msg);
    tls_buf_free(&share);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "ServerHello");
        tls_trace_add(&tb, "version", "TLSv1.3");
        tls_trace_add(&tb, "cipher", "%s", c->suite->name);
        tls_trace_add(&tb, "group", "%s", tls_group_name(c->group));
        tls_trace_add(&tb, "key_exchange", "%s: both sides now share a secret",
                      tls_group_is_ffdhe(c->group) ? "DHE" : "ECDHE");
        rc = tls_trace_emit(c, &tb);
    }
    if (rc == 0 && ch->session_id.len > 0 && !c->ccs_sent) {
        rc = tls_record_send_ccs(c);
        c->ccs_sent = 1;
    }
    if (rc == 0)
        rc = tls_hs_derive_handshake_secrets(c, shared, shared_len);
    OPENSSL_cleanse(shared, sizeof shared);
    return rc;
}

static int send_encrypted_extensions(tls_conn *c)
{
    tls_buf msg;
    tls_buf_init(&msg);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_ENCRYPTED_EXTENSIONS);
    size_t ext = tls_buf_open_block(&msg, 2);
    /* rfc6066#3: an empty server_name tells the client we used its SNI. */
    if (c->server_name != NULL) {
        tls_buf_u16(&msg, TLS_EXT_SERVER_NAME);
        tls_buf_u16(&msg, 0);
    }
    tls_buf_close_block(&msg, ext, 2);
    tls_hs_end_message(&msg, off);
    int rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "EncryptedExtensions");
        tls_trace_add(&tb, "note", "first message under the handshake key: everything from here is encrypted");
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

/* Picks suite, signature scheme and group; returns the client's share for
 * the group, or NULL when a HelloRetryRequest is needed. */
static int negotiate(tls_conn *c, const client_hello *ch, const tls_reader **share)
{
    const tls_config *cfg = c->cfg;
    *share = NULL;
    /* Our preference order decides among what both sides support. */
    const tls_suite *suite = NULL;
    for (size_t i = 0; i < cfg->n_suites && suite == NULL; i++)
        if (contains(ch->suites, ch->n_suites, cfg->suites[i]))
            suite = tls_suite_get(cfg->suites[i]);
    if (suite == NULL)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE, "no cipher suite in common with the client");
    if (c->suite != NULL && c->suite != suite)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "second ClientHello changes the cipher suites");
    c->suite = suite;
    c->sigscheme = tls_sig_choose(cfg->key, cfg->sigalgs, cfg->n_sigalgs, c->peer_sigalgs, c->n_peer_sigalgs);
    if (c->sigscheme == 0)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "no signature algorithm in common with the client for our certificate");
    for (size_t i = 0; i < cfg->n_groups; i++)
        for (size_t j = 0; j < ch->n_shares; j++)
            if (ch->share_groups[j] == cfg->groups[i]) {
                c->group = cfg->groups[i];
                *share = &ch->shares[j];
                return 0;
            }
    for (size_t i = 0; i < cfg->n_groups; i++)
        if (contains(ch->groups, ch->n_groups, cfg->groups[i])) {
            c->group = cfg->groups[i];
            return 0;
        }
    return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE, "no key exchange group in common with the client");
}

static int handle_client_hello(tls_conn *c, tls_reader *body, const uint8_t *msg, size_t len)
{
    client_hello ch;
    const tls_reader *share;
    int second = c->state == ST_SERVER_WAIT_CH2;
    uint16_t retry_group = c->group;
    if (parse_client_hello(c, body, &ch) != 0 || trace_client_hello(c, &ch) != 0)
        return -1;
    if (c->cfg->key == NULL || c->cfg->chain == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "server has no certificate and key configured");
    if (ch.has_server_name && c->server_name == NULL) {
        c->server_name = OPENSSL_strndup((const char *)ch.server_name.p, ch.server_name.len);
        if (c->server_name == NULL)
            return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    }
    if (tls_transcript_add(&c->transcript, msg, len, &c->err) != 0 || negotiate(c, &ch, &share) != 0)
        return -1;
    if (second) {
        /* rfc8446#4.1.2: the second ClientHello carries one share, for the group we asked for. */
        if (share == NULL || c->group != retry_group || ch.n_shares != 1)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                            "second ClientHello does not carry a key share for %s", tls_group_name(retry_group));
    } else if (share == NULL) {
        c->hello_retry = 1;
        c->state = ST_SERVER_WAIT_CH2;
        return send_hello_retry(c, &ch);
    }
    c->version = TLS_VERSION_13;
    if (send_server_hello(c, &ch, share) != 0 ||
        tls_record_set_write_key(c, c->keys.server_hs, "server_handshake_traffic_secret") != 0 ||
        tls_record_set_read_key(c, c->keys.client_hs, "client_handshake_traffic_secret") != 0 ||
        send_encrypted_extensions(c) != 0 || tls_hs_send_certificate(c, NULL, 0, 0) != 0 ||
        tls_hs_send_certificate_verify(c) != 0 || tls_hs_send_finished(c, c->keys.server_hs) != 0 ||
        tls_hs_derive_application_secrets(c) != 0 ||
        tls_record_set_write_key(c, c->keys.server_ap, "server_application_traffic_secret_0") != 0)
        return -1;
    c->state = ST_SERVER_WAIT_FINISHED;
    return 0;
}

int tls_server_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len)
{
    switch (c->state) {
    case ST_SERVER_WAIT_CH:
    case ST_SERVER_WAIT_CH2:
        if (type != TLS_HS_CLIENT_HELLO)
            return unexpected(c, type, "ClientHello");
        return handle_client_hello(c, body, msg, len);
    case ST_SERVER_WAIT_FINISHED:
        if (type != TLS_HS_FINISHED)
            return unexpected(c, type, "Finished");
        if (tls_hs_check_finished(c, body, c->keys.client_hs) != 0 ||
            tls_transcript_add(&c->transcript, msg, len, &c->err) != 0 ||
            tls_record_set_read_key(c, c->keys.client_ap, "client_application_traffic_secret_0") != 0)
            return -1;
        c->state = ST_CONNECTED;
        c->status |= TLS_STATUS_HANDSHAKE_DONE;
        return 0;
    default:
        return unexpected(c, type, "no handshake message");
    }
}
