/* The TLS 1.3 server: one state, one expected message (rfc8446#A.2). */
#include <string.h>

#include "engine/tls_conn_int.h"
#include "util/tls_names.h"

/* What we keep of a ClientHello. The client's lists may be as long as the
 * protocol allows: each is read once, values we do not implement are
 * skipped, and what is left is a bit per entry of our configured lists
 * (bit i: cfg->suites[i], cfg->groups[i]), so our choices are never lost
 * behind unknown entries and nothing is quadratic. */
typedef struct client_hello {
    uint16_t legacy_version;
    tls_reader session_id;
    tls_reader suites_raw, versions_raw, groups_raw, sigalgs_raw, shares_raw; /* for the trace */
    uint32_t suites;          /* ours the client offers */
    uint32_t groups;          /* ours in supported_groups */
    uint32_t shares;          /* ours with a key share */
    tls_reader share[TLS_CONFIG_MAX_LIST];
    size_t n_shares;          /* every share, usable or not */
    int has_groups;
    int has_key_share;
    int early_data;
    uint16_t record_size_limit; /* 0: not sent */
    tls_reader server_name;   /* host_name bytes, if sent */
    int has_server_name;
} client_hello;

_Static_assert(TLS_CONFIG_MAX_LIST <= 32, "configured lists are kept as 32-bit masks");

static int unexpected(tls_conn *c, uint8_t type, const char *wanted)
{
    const char *name = tls_handshake_name(type);
    return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "expected %s, got %s", wanted,
                    name ? name : "an unknown handshake message");
}

/* Position of v in one of our configured lists (at most
 * TLS_CONFIG_MAX_LIST entries), or -1. */
static int index_of(const uint16_t *list, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return (int)i;
    return -1;
}

/* A vector of u16 with at least one entry: sets bit i of *mask for each
 * entry equal to ours[i], and adds every entry to `all` if given. */
static int read_u16_list(tls_conn *c, tls_reader *r, int prefix, const uint16_t *ours, size_t n_ours,
                         uint32_t *mask, tls_u16_set *all, tls_reader *raw, const char *what)
{
    tls_reader v = tls_rd_vec(r, prefix);
    *mask = 0;
    if (!tls_rd_ok(&v) || v.len == 0 || v.len % 2 != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello %s list is malformed", what);
    *raw = v;
    while (tls_rd_left(&v) > 0) {
        uint16_t id = tls_rd_u16(&v);
        int i = index_of(ours, n_ours, id);
        if (i >= 0)
            *mask |= (uint32_t)1 << i;
        if (all != NULL)
            tls_u16_set_add(all, id);
    }
    return 0;
}

/* One extension body that is a u16 list and nothing else. */
static int read_u16_ext(tls_conn *c, tls_reader *r, const uint16_t *ours, size_t n_ours, uint32_t *mask,
                        tls_u16_set *all, tls_reader *raw, const char *what)
{
    if (read_u16_list(c, r, 2, ours, n_ours, mask, all, raw, what) != 0)
        return -1;
    if (!tls_rd_end(r))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello %s is malformed", what);
    return 0;
}

/* listed: every group in supported_groups, or NULL when the client sent
 * none (then missing_extension follows). */
static int parse_key_shares(tls_conn *c, tls_reader *ext, const tls_u16_set *listed, client_hello *ch)
{
    tls_u16_set seen;
    tls_u16_set_clear(&seen);
    tls_reader list = tls_rd_vec(ext, 2);
    if (!tls_rd_end(ext))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello key_share is malformed");
    ch->shares_raw = list;
    while (tls_rd_left(&list) > 0) {
        uint16_t group = tls_rd_u16(&list);
        tls_reader kx = tls_rd_vec(&list, 2);
        if (!tls_rd_ok(&list) || kx.len == 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello key_share entry is malformed");
        const char *name = tls_group_name(group);
        /* rfc8446#4.2.8: "Clients MUST NOT offer multiple KeyShareEntry
         * values for the same group." */
        if (tls_u16_set_add(&seen, group))
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "two key shares for group %s",
                            name ? name : "unknown");
        /* rfc8446#4.2.8: "Each KeyShareEntry value MUST correspond to a
         * group offered in the "supported_groups" extension". */
        if (listed != NULL && !tls_u16_set_has(listed, group))
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                            "key share for group %s, which the client did not list in supported_groups",
                            name ? name : "unknown");
        /* Shares for groups we do not use are skipped, not refused. */
        int i = index_of(c->cfg->groups, c->cfg->n_groups, group);
        if (i >= 0) {
            ch->shares |= (uint32_t)1 << i;
            ch->share[i] = kx;
        }
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

/* supported_versions: TLS 1.3 must be among them, else protocol_version
 * naming the best the client offers. */
static int check_versions(tls_conn *c, tls_reader *sv, client_hello *ch)
{
    int offers_13 = 0;
    uint16_t best = ch->legacy_version;
    if (sv != NULL) {
        tls_reader v = tls_rd_vec(sv, 1);
        if (!tls_rd_ok(&v) || v.len == 0 || v.len % 2 != 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello supported_versions list is malformed");
        ch->versions_raw = v;
        while (tls_rd_left(&v) > 0) {
            uint16_t version = tls_rd_u16(&v);
            offers_13 |= version == TLS_VERSION_13;
            if ((version >> 8) == 3 && version > best && version < TLS_VERSION_13)
                best = version;
        }
    }
    if (!offers_13) {
        const char *name = tls_version_name(best);
        return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION,
                        "client offers at most %s; this server requires TLS 1.3",
                        name ? name : "an unknown protocol version");
    }
    if (sv != NULL && !tls_rd_end(sv))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello supported_versions is malformed");
    return 0;
}

static int parse_client_hello(tls_conn *c, tls_reader *body, client_hello *ch)
{
    const tls_config *cfg = c->cfg;
    memset(ch, 0, sizeof *ch);
    ch->legacy_version = tls_rd_u16(body);
    tls_rd_bytes(body, TLS_RANDOM_LEN);
    ch->session_id = tls_rd_vec(body, 1);
    if (!tls_rd_ok(body) || ch->session_id.len > 32)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello is malformed");
    if (read_u16_list(c, body, 2, cfg->suites, cfg->n_suites, &ch->suites, NULL, &ch->suites_raw,
                      "cipher suite") != 0)
        return -1;
    tls_reader compression = tls_rd_vec(body, 1);
    /* Extensions may be absent in hellos of old clients. */
    tls_reader block = tls_rd_left(body) > 0 ? tls_rd_vec(body, 2) : tls_rd_init(NULL, 0);
    if (!tls_rd_end(body) || compression.len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello is malformed");
    tls_ext_list exts;
    if (tls_hs_parse_extensions(c, &block, &exts, "ClientHello") != 0 ||
        check_versions(c, tls_hs_find_ext(&exts, TLS_EXT_SUPPORTED_VERSIONS), ch) != 0)
        return -1;
    /* rfc8446#4.1.2: legacy_compression_methods is exactly one zero byte in TLS 1.3. */
    if (compression.len != 1 || compression.p[0] != 0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "ClientHello offers compression");
    if (tls_ext_check(c, &exts, TLS_EXT_IN_CH) != 0)
        return -1;

    tls_reader *r;
    tls_u16_set listed;
    if ((r = tls_hs_find_ext(&exts, TLS_EXT_SUPPORTED_GROUPS)) != NULL) {
        tls_u16_set_clear(&listed);
        if (read_u16_ext(c, r, cfg->groups, cfg->n_groups, &ch->groups, &listed, &ch->groups_raw,
                         "supported_groups") != 0)
            return -1;
        ch->has_groups = 1;
    }
    if ((r = tls_hs_find_ext(&exts, TLS_EXT_SIGNATURE_ALGORITHMS)) != NULL) {
        uint32_t sigalgs;
        if (read_u16_ext(c, r, cfg->sigalgs, cfg->n_sigalgs, &sigalgs, NULL, &ch->sigalgs_raw,
                         "signature_algorithms") != 0)
            return -1;
        c->n_peer_sigalgs = 0;
        for (size_t i = 0; i < cfg->n_sigalgs; i++)
            if (sigalgs & ((uint32_t)1 << i))
                c->peer_sigalgs[c->n_peer_sigalgs++] = cfg->sigalgs[i];
    }
    if ((r = tls_hs_find_ext(&exts, TLS_EXT_KEY_SHARE)) != NULL) {
        if (parse_key_shares(c, r, ch->has_groups ? &listed : NULL, ch) != 0)
            return -1;
        ch->has_key_share = 1;
    }
    if ((r = tls_hs_find_ext(&exts, TLS_EXT_SERVER_NAME)) != NULL && parse_server_name(c, r, ch) != 0)
        return -1;
    if ((r = tls_hs_find_ext(&exts, TLS_EXT_RECORD_SIZE_LIMIT)) != NULL &&
        tls_ext_read_record_size_limit(c, r, "ClientHello", &ch->record_size_limit) != 0)
        return -1;
    if ((r = tls_hs_find_ext(&exts, TLS_EXT_EARLY_DATA)) != NULL) {
        /* rfc8446#4.2.10: in a ClientHello the extension_data is empty. */
        if (tls_rd_left(r) != 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello early_data is not empty");
        ch->early_data = 1;
    }
    /* rfc8446#9.2: without a PSK, these are mandatory. */
    if (tls_hs_find_ext(&exts, TLS_EXT_SIGNATURE_ALGORITHMS) == NULL)
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION, "ClientHello has no signature_algorithms");
    if (!ch->has_groups || !ch->has_key_share)
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION,
                        "ClientHello lacks supported_groups or key_share");
    return 0;
}

/* The first entries of a raw u16 list (or the groups of a key share
 * list), for the trace. */
static size_t trace_ids(tls_reader raw, int shares, uint16_t *ids)
{
    size_t n = 0;
    while (n < TLS_MAX_PEER_LIST && tls_rd_left(&raw) >= 2) {
        ids[n++] = tls_rd_u16(&raw);
        if (shares)
            tls_rd_vec(&raw, 2);
    }
    return n;
}

static int trace_client_hello(tls_conn *c, const client_hello *ch)
{
    if (!tls_tracing(c))
        return 0;
    uint16_t ids[TLS_MAX_PEER_LIST];
    tls_trace_builder tb;
    tls_trace_begin(&tb, "receive", "ClientHello");
    tls_trace_add_list(&tb, "versions", ids, trace_ids(ch->versions_raw, 0, ids), tls_version_name);
    tls_trace_add_list(&tb, "cipher_suites", ids, trace_ids(ch->suites_raw, 0, ids), tls_suite_name);
    tls_trace_add_list(&tb, "groups", ids, trace_ids(ch->groups_raw, 0, ids), tls_group_name);
    tls_trace_add_list(&tb, "key_shares", ids, trace_ids(ch->shares_raw, 1, ids), tls_group_name);
    tls_trace_add_list(&tb, "signature_algorithms", ids, trace_ids(ch->sigalgs_raw, 0, ids),
                       tls_sigscheme_name);
    if (ch->has_server_name)
        tls_trace_add(&tb, "server_name", "%.*s", (int)ch->server_name.len, (const char *)ch->server_name.p);
    if (ch->record_size_limit != 0)
        tls_trace_add(&tb, "record_size_limit", "%u", ch->record_size_limit);
    if (ch->early_data)
        tls_trace_add(&tb, "early_data", "offered; not accepted: its records will be skipped");
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
        tls_kex_check_share(c->group, peer_share->p, peer_share->len, &c->err) == 0 &&
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

static int send_encrypted_extensions(tls_conn *c, const client_hello *ch)
{
    /* rfc8449#4: the limit we advertise, sent only in answer to the client's. */
    uint16_t limit = c->cfg->record_size_limit ? c->cfg->record_size_limit : TLS_RECORD_SIZE_LIMIT_MAX;
    tls_buf msg;
    tls_buf_init(&msg);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_ENCRYPTED_EXTENSIONS);
    size_t ext = tls_buf_open_block(&msg, 2);
    /* rfc6066#3: an empty server_name tells the client we used its SNI. */
    if (c->server_name != NULL) {
        tls_buf_u16(&msg, TLS_EXT_SERVER_NAME);
        tls_buf_u16(&msg, 0);
    }
    if (ch->record_size_limit != 0) {
        tls_buf_u16(&msg, TLS_EXT_RECORD_SIZE_LIMIT);
        tls_buf_u16(&msg, 2);
        tls_buf_u16(&msg, limit);
    }
    tls_buf_close_block(&msg, ext, 2);
    tls_hs_end_message(&msg, off);
    int rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    /* The client keeps to it in what it protects after reading this. */
    if (ch->record_size_limit != 0)
        c->recv_limit = limit;
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "EncryptedExtensions");
        if (ch->record_size_limit != 0)
            tls_trace_add(&tb, "record_size_limit", "%u", limit);
        tls_trace_add(&tb, "note", "first message under the handshake key: everything from here is encrypted");
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

/* Picks suite, signature scheme and group; *share is the client's share
 * for the group, or NULL when a HelloRetryRequest is needed. Our
 * preference order decides among what both sides support. */
static int negotiate(tls_conn *c, const client_hello *ch, const tls_reader **share)
{
    const tls_config *cfg = c->cfg;
    *share = NULL;
    const tls_suite *suite = NULL;
    for (size_t i = 0; i < cfg->n_suites && suite == NULL; i++)
        if (ch->suites & ((uint32_t)1 << i))
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
        if (ch->shares & ((uint32_t)1 << i)) {
            c->group = cfg->groups[i];
            *share = &ch->share[i];
            return 0;
        }
    /* rfc8446#4.1.1: no usable share, but a group both support: ask for it. */
    for (size_t i = 0; i < cfg->n_groups; i++)
        if (ch->groups & ((uint32_t)1 << i)) {
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
    /* The second ClientHello ends the records sent as early data. */
    if (second)
        c->early_skip = TLS_EARLY_NONE;
    if (parse_client_hello(c, body, &ch) != 0 || trace_client_hello(c, &ch) != 0)
        return -1;
    if (c->cfg->key == NULL || c->cfg->chain == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "server has no certificate and key configured");
    /* rfc8446#4.1.2: the second ClientHello removes early_data, "Early data
     * is not permitted after a HelloRetryRequest". */
    if (second && ch.early_data)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "second ClientHello offers early data again");
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
        /* rfc8446#4.2.10: after a HelloRetryRequest "the server then
         * ignores early data by skipping all records with an external
         * content type of "application_data"" until the second ClientHello. */
        if (ch.early_data)
            c->early_skip = TLS_EARLY_SKIP_PLAIN;
        return send_hello_retry(c, &ch);
    }
    c->version = TLS_VERSION_13;
    if (ch.record_size_limit != 0)
        c->send_limit = tls_ext_send_limit(ch.record_size_limit);
    if (send_server_hello(c, &ch, share) != 0 ||
        tls_record_set_write_key(c, c->keys.server_hs, "server_handshake_traffic_secret") != 0 ||
        tls_record_set_read_key(c, c->keys.client_hs, "client_handshake_traffic_secret") != 0 ||
        send_encrypted_extensions(c, &ch) != 0 || tls_hs_send_certificate(c, NULL, 0, 0) != 0 ||
        tls_hs_send_certificate_verify(c) != 0 || tls_hs_send_finished(c, c->keys.server_hs) != 0 ||
        tls_hs_derive_application_secrets(c) != 0 ||
        tls_record_set_write_key(c, c->keys.server_ap, "server_application_traffic_secret_0") != 0)
        return -1;
    /* rfc8446#4.2.10: we accept no early data (our EncryptedExtensions has
     * no early_data), so we skip "past early data by attempting to
     * deprotect received records using the handshake traffic key,
     * discarding records which fail deprotection". */
    if (ch.early_data)
        c->early_skip = TLS_EARLY_SKIP_TRIAL;
    c->state = ST_SERVER_WAIT_FINISHED;
    return 0;
}

size_t tls_hs_max_message(const tls_conn *c, uint8_t type)
{
    if (c->is_server && type == TLS_HS_CLIENT_HELLO &&
        (c->state == ST_SERVER_WAIT_CH || c->state == ST_SERVER_WAIT_CH2))
        return TLS_MAX_CLIENT_HELLO;
    return TLS_MAX_HANDSHAKE_MESSAGE;
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
