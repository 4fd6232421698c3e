/* The server's hello phase, shared by both versions: the ClientHello
 * decoded into a plain struct, the version chosen, and the hand-off to the
 * version's own state machine (tls13_server.c, tls12_server.c). */
#include <stdio.h>
#include <string.h>

#include "hs/tls_hello.h"
#include "util/tls_names.h"
#include "pki/tls_x509.h"

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
        /* A group we do not know is named by its number. */
        char number[8];
        const char *name = tls_group_name(group);
        if (name == NULL) {
            snprintf(number, sizeof number, "0x%04x", group);
            name = number;
        }
        /* rfc8446#4.2.8: "Clients MUST NOT offer multiple KeyShareEntry
         * values for the same group." */
        if (tls_u16_set_add(&seen, group))
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "two key shares for group %s", name);
        /* rfc8446#4.2.8: "Each KeyShareEntry value MUST correspond to a
         * group offered in the "supported_groups" extension". */
        if (listed != NULL && !tls_u16_set_has(listed, group))
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                            "key share for group %s, which the client did not list in supported_groups", name);
        /* Shares for groups we do not use are skipped, not refused. */
        int i = index_of(c->pol.groups, c->pol.n_groups, group);
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
        if (type != 0)
            continue; /* other name types are skipped, as rfc6066#3 lets new ones come */
        /* rfc6066#3: "The ServerNameList MUST NOT contain more than one
         * name of the same name_type." */
        if (ch->has_server_name)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "server_name lists two host names");
        /* rfc6066#3: a HostName is ASCII (IDNs as A-labels); control and
         * non-ASCII bytes would reach the servername hook, the trace and
         * the application's logs as they are. */
        if (name.len > 255)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "server_name is not a host name");
        for (size_t i = 0; i < name.len; i++)
            if (name.p[i] <= 0x20 || name.p[i] >= 0x7f)
                return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                                "server_name is not a host name (byte 0x%02x at %zu)", name.p[i], i);
        /* rfc6066#3 says "without a trailing dot"; a client that sends one
         * anyway (openssl s_client -servername a.example.) means the same
         * name, and is matched, resumed and reported as such. */
        if (name.len > 1 && name.p[name.len - 1] == '.')
            name.len--;
        for (size_t i = 0; i < name.len; i++)
            ch->server_name_lower[i] = name.p[i] >= 'A' && name.p[i] <= 'Z' ? (uint8_t)(name.p[i] + 32) : name.p[i];
        ch->server_name = tls_rd_init(ch->server_name_lower, name.len);
        ch->has_server_name = 1;
    }
    return 0;
}

/* supported_versions, or legacy_version without it (rfc8446#4.2.1: "If
 * this extension is present, servers MUST ignore the
 * ClientHello.legacy_version value"): which of TLS 1.3 and 1.2 the client
 * offers, and the highest version it names, for messages. */
static int read_versions(tls_conn *c, tls_reader *sv, client_hello *ch)
{
    ch->best_version = ch->legacy_version;
    if (sv == NULL) {
        ch->offers_12 = ch->legacy_version >= TLS_VERSION_12;
        if (ch->legacy_version > TLS_VERSION_12)
            ch->best_version = TLS_VERSION_12;
        return 0;
    }
    ch->has_supported_versions = 1;
    tls_reader v = tls_rd_vec(sv, 1);
    if (!tls_rd_ok(&v) || v.len == 0 || v.len % 2 != 0 || !tls_rd_end(sv))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello supported_versions list is malformed");
    ch->versions_raw = v;
    ch->best_version = 0;
    while (tls_rd_left(&v) > 0) {
        uint16_t version = tls_rd_u16(&v);
        ch->offers_13 |= version == TLS_VERSION_13;
        ch->offers_12 |= version == TLS_VERSION_12;
        /* GREASE and drafts (0x7fxx) are not versions to name. */
        if ((version >> 8) == 3 && version <= TLS_VERSION_13 && version > ch->best_version)
            ch->best_version = version;
    }
    return 0;
}

/* rfc8701#2: GREASE values are 0x?a?a with both bytes equal. */
static int is_grease(uint16_t id)
{
    return (id & 0x0f0f) == 0x0a0a && (id >> 8) == (id & 0xff);
}

size_t tls_hello_offered_suite_names(const client_hello *ch, uint16_t version, char *names, size_t size,
                                     size_t *offered)
{
    size_t used = 0, listed = 0;
    *offered = 0;
    names[0] = '\0';
    tls_reader raw = ch->suites_raw;
    while (tls_rd_left(&raw) >= 2) {
        uint16_t id = tls_rd_u16(&raw);
        int is13 = (id >> 8) == 0x13;
        if (is13 != (version == TLS_VERSION_13) || is_grease(id) || id == TLS_EMPTY_RENEGOTIATION_INFO_SCSV ||
            id == TLS_FALLBACK_SCSV)
            continue;
        ++*offered;
        if (listed == 3)
            continue;
        const char *name = tls_suite_name(id);
        char unnamed[8];
        if (name == NULL) {
            snprintf(unnamed, sizeof unnamed, "0x%04x", id);
            name = unnamed;
        }
        int n = snprintf(names + used, size - used, "%s%s", listed ? ", " : "", name);
        if (n < 0 || (size_t)n >= size - used) {
            names[used] = '\0';
            break;
        }
        used += (size_t)n;
        listed++;
    }
    return listed;
}

/* The signalling values in the suite list (rfc5746#3.3, rfc7507#2). */
static void read_signalling_suites(tls_reader raw, client_hello *ch)
{
    while (tls_rd_left(&raw) >= 2) {
        uint16_t id = tls_rd_u16(&raw);
        ch->renegotiation_scsv |= id == TLS_EMPTY_RENEGOTIATION_INFO_SCSV;
        ch->fallback_scsv |= id == TLS_FALLBACK_SCSV;
    }
}

static int parse_client_hello(tls_conn *c, tls_reader *body, client_hello *ch)
{
    memset(ch, 0, sizeof *ch);
    ch->legacy_version = tls_rd_u16(body);
    ch->random = tls_rd_bytes(body, TLS_RANDOM_LEN);
    ch->session_id = tls_rd_vec(body, 1);
    if (!tls_rd_ok(body) || ch->session_id.len > 32)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello is malformed");

    if (read_u16_list(c, body, 2, c->pol.suites, c->pol.n_suites, &ch->suites, NULL, &ch->suites_raw,
                      "cipher suite") != 0)
        return -1;
    read_signalling_suites(ch->suites_raw, ch);
    tls_reader compression = tls_rd_vec(body, 1);
    ch->compression = compression;
    /* Extensions may be absent in hellos of old clients. */
    tls_reader block = tls_rd_left(body) > 0 ? tls_rd_vec(body, 2) : tls_rd_init(NULL, 0);
    if (!tls_rd_end(body) || compression.len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello is malformed");
    tls_ext_list *exts = &ch->exts;
    if (tls_hs_parse_extensions(c, &block, exts, "ClientHello") != 0 ||
        read_versions(c, tls_hs_find_ext(exts, TLS_EXT_SUPPORTED_VERSIONS), ch) != 0 ||
        tls_ext_check(c, exts, TLS_EXT_IN_CH) != 0)
        return -1;
    /* rfc8446#D.5: "Any endpoint receiving a Hello message with
     * ClientHello.legacy_version ... set to 0x0300 MUST abort the handshake
     * with a "protocol_version" alert", even when supported_versions names
     * a version we speak. (Without supported_versions such a hello offers
     * nothing we speak, and is refused for that.) */
    if (ch->has_supported_versions && ch->legacy_version <= 0x0300)
        return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION,
                        "ClientHello legacy_version is 0x%04x (SSL 3.0 or older)", ch->legacy_version);

    tls_reader *r;
    tls_u16_set listed;
    if ((r = tls_hs_find_ext(exts, TLS_EXT_SUPPORTED_GROUPS)) != NULL) {
        tls_u16_set_clear(&listed);
        if (read_u16_ext(c, r, c->pol.groups, c->pol.n_groups, &ch->groups, &listed, &ch->groups_raw,
                         "supported_groups") != 0)
            return -1;
        ch->has_groups = 1;
    }
    if ((r = tls_hs_find_ext(exts, TLS_EXT_SIGNATURE_ALGORITHMS)) != NULL) {
        ch->has_sigalgs = 1;
        uint32_t sigalgs;
        if (read_u16_ext(c, r, c->pol.sigalgs, c->pol.n_sigalgs, &sigalgs, NULL, &ch->sigalgs_raw,
                         "signature_algorithms") != 0)
            return -1;
        c->n_peer_sigalgs = 0;
        for (size_t i = 0; i < c->pol.n_sigalgs; i++)
            if (sigalgs & ((uint32_t)1 << i))
                c->peer_sigalgs[c->n_peer_sigalgs++] = c->pol.sigalgs[i];
    }
    if ((r = tls_hs_find_ext(exts, TLS_EXT_KEY_SHARE)) != NULL) {
        if (parse_key_shares(c, r, ch->has_groups ? &listed : NULL, ch) != 0)
            return -1;
        ch->has_key_share = 1;
    }
    if ((r = tls_hs_find_ext(exts, TLS_EXT_SERVER_NAME)) != NULL && parse_server_name(c, r, ch) != 0)
        return -1;
    if ((r = tls_hs_find_ext(exts, TLS_EXT_RECORD_SIZE_LIMIT)) != NULL &&
        tls_ext_read_record_size_limit(c, r, "ClientHello", &ch->record_size_limit) != 0)
        return -1;
    if ((r = tls_hs_find_ext(exts, TLS_EXT_EARLY_DATA)) != NULL) {
        /* rfc8446#4.2.10: in a ClientHello the extension_data is empty. */
        if (tls_rd_left(r) != 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello early_data is not empty");
        ch->early_data = 1;
    }
    if (tls_hs_find_ext(exts, TLS_EXT_EXTENDED_MASTER_SECRET) != NULL) {
        /* rfc7627#5.1: "The "extension_data" field of this extension SHALL be empty". */
        if (tls_rd_left(tls_hs_find_ext(exts, TLS_EXT_EXTENDED_MASTER_SECRET)) != 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello extended_master_secret is not empty");
        ch->ems = 1;
    }
    if ((r = tls_hs_find_ext(exts, TLS_EXT_STATUS_REQUEST)) != NULL && tls_ocsp_read_status_request(c, r) != 0)
        return -1;
    /* Extensions we do not act on, checked for form all the same. */
    if ((r = tls_hs_find_ext(exts, TLS_EXT_POST_HANDSHAKE_AUTH)) != NULL && tls_rd_left(r) != 0)
        /* rfc8446#4.2.6: "The "extension_data" field ... is zero length." */
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello post_handshake_auth is not empty");
    if ((r = tls_hs_find_ext(exts, TLS_EXT_SIGNATURE_ALGORITHMS_CERT)) != NULL) {
        /* rfc8446#4.2.3: SignatureScheme supported_signature_algorithms<2..2^16-2>. */
        tls_reader copy = *r;
        tls_reader list = tls_rd_vec(&copy, 2);
        if (!tls_rd_ok(&copy) || list.len == 0 || list.len % 2 != 0 || !tls_rd_end(&copy))
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello signature_algorithms_cert is malformed");
    }
    if ((r = tls_hs_find_ext(exts, TLS_EXT_MAX_FRAGMENT_LENGTH)) != NULL) {
        /* rfc6066#4: a value other than 1..4 "MUST abort the handshake with
         * an "illegal_parameter" alert"; a valid one is ignored (we keep to
         * record_size_limit, rfc8449#5). */
        tls_reader copy = *r;
        uint8_t v = tls_rd_u8(&copy);
        if (!tls_rd_end(&copy))
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello max_fragment_length is malformed");
        if (v < 1 || v > 4)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                            "ClientHello max_fragment_length has the undefined value %u", v);
    }
    ch->renegotiation_info = tls_hs_find_ext(exts, TLS_EXT_RENEGOTIATION_INFO);
    ch->point_formats = tls_hs_find_ext(exts, TLS_EXT_EC_POINT_FORMATS);
    ch->session_ticket = tls_hs_find_ext(exts, TLS_EXT_SESSION_TICKET);
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
    if (ch->has_supported_versions) {
        tls_trace_add_list(&tb, "versions", ids, trace_ids(ch->versions_raw, 0, ids), tls_version_name);
    } else {
        const char *v = tls_version_name(ch->legacy_version);
        tls_trace_add(&tb, "versions", "%s (legacy_version: no supported_versions extension)",
                      v ? v : "unknown");
    }
    tls_trace_add_hex(&tb, "random", ch->random, TLS_RANDOM_LEN);
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

/* The servername hook (first ClientHello only): the application may keep
 * the config, switch the connection to another server config, refuse the
 * name, or fail. After a switch the ClientHello is read again against the
 * new config, since what we kept of it (our suites, groups and signature
 * schemes the client offers) is relative to a config's lists. */
static int run_servername_hook(tls_conn *c, const tls_reader *saved_body, client_hello *ch)
{
    char name[256];
    const char *sni = NULL;
    if (ch->has_server_name) {
        memcpy(name, ch->server_name.p, ch->server_name.len);
        name[ch->server_name.len] = '\0';
        sni = name;
    }
    tls_config *next = NULL;
    char why[256] = "";
    c->in_callback = 1;
    int rc = c->hooks->servername(c->hooks_ud, sni, &next, why, sizeof why);
    c->in_callback = 0;
    if (rc == -1) {
        char text[256];
        tls_sanitize(name, sni ? strlen(name) : 0, text, sizeof text);
        return tls_fail(&c->err, TLS_ALERT_UNRECOGNIZED_NAME, "the servername function refused the name %s",
                        sni ? text : "(none sent)");
    }
    if (rc == -2 || (rc == 1 && next == NULL))
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "servername function: %s", why[0] ? why : "failed");
    if (rc != 1)
        return 0;
    if (!next->is_server) {
        tls_config_unref(next);
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR,
                        "servername function returned a client context; it must return a server context");
    }
    tls_config_unref(c->cfg);
    c->cfg = next;
    if (tls_policy_take(c) != 0)
        return -1;
    tls_reader body = *saved_body;
    if (parse_client_hello(c, &body, ch) != 0)
        return -1;
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "decide", "servername");
        tls_trace_add(&tb, "name", "%s", sni ? sni : "none");
        tls_trace_add(&tb, "context", "switched by the servername function: its certificates, versions, "
                                      "suites, groups, signature algorithms and ALPN apply");
        return tls_trace_emit(c, &tb);
    }
    return 0;
}

/* rfc8446#4.1.2: the second ClientHello repeats the first but for the
 * key share, cookie, early data and padding; the name we chose a
 * certificate for must stay. */
static int same_server_name(const tls_conn *c, const client_hello *ch)
{
    if (!ch->has_server_name)
        return c->server_name == NULL;
    return c->server_name != NULL && strlen(c->server_name) == ch->server_name.len &&
           memcmp(c->server_name, ch->server_name.p, ch->server_name.len) == 0;
}

int tls_hello_server_speaks13(const tls_config *cfg)
{
    return tls_config_can13(cfg);
}

int tls_hello_conn_speaks13(const tls_conn *c)
{
    return tls_config_can13_with(c->cfg, c->pol.max_version, c->pol.suites, c->pol.n_suites, c->pol.sigalgs,
                                 c->pol.n_sigalgs);
}

/* review30b F3: no pair for the name the client asked for can sign (a
 * keyUsage for RSA key transport only), so TLS 1.3 would fail; a client
 * that also offers TLS 1.2 with a suite that pair serves gets TLS 1.2, as
 * from a servername function switching to a context holding only those
 * pairs. Without such a suite the TLS 1.3 choice stands and says why. The
 * rule looks at the name alone, never at the client's lists (review32d
 * F1): with a pair for the name that signs, a hello stripped of the
 * signature algorithms that pair needs must not reach TLS 1.2 without the
 * downgrade sentinel. */
static int choose_version_for_name(tls_conn *c, const client_hello *ch, uint16_t *version)
{
    if (*version != TLS_VERSION_13 || c->own->can_sign || !tls_sni_name_never_signs(c, ch) || !ch->offers_12 ||
        c->pol.min_version > TLS_VERSION_12 || tls12_server_key_rank(c, ch, c->own, 0) < 0)
        return 0;
    *version = TLS_VERSION_12;
    c->name_without13 = 1;
    /* Chosen again by TLS 1.2's rules (a pair for the name giving the key
     * exchange we prefer): one exists, the pair above fits. */
    if (tls_sni_choose_identity(c, ch, TLS_VERSION_12) != 0)
        return -1;
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "decide", "version");
    tls_trace_add(&tb, "version", "TLS 1.2");
    tls_trace_add(&tb, "why", "the certificate for this name may not sign (keyUsage), which TLS 1.3 needs; the "
                              "client's TLS 1.2 suites include one it serves");
    return tls_trace_emit(c, &tb);
}

/* rfc8446#4.2.1 and rfc5246#E.1: the highest version both speak; TLS 1.3
 * first. The version's own state machine takes the hello from there. */
static int handle_client_hello(tls_conn *c, tls_reader *body, const uint8_t *msg, size_t len)
{
    client_hello ch;
    tls_reader saved_body = *body;
    if (parse_client_hello(c, body, &ch) != 0 || trace_client_hello(c, &ch) != 0)
        return -1;
    if (c->state == ST_SERVER_WAIT_CH && c->hooks && c->hooks->servername &&
        run_servername_hook(c, &saved_body, &ch) != 0)
        return -1;
    const tls_config *cfg = c->cfg;
    if (cfg->n_ids == 0)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "server has no certificate and key configured");
    /* The second ClientHello after a HelloRetryRequest stays TLS 1.3, with
     * the certificate and protocol chosen for the first. */
    if (c->state == ST_SERVER_WAIT_CH2) {
        if (!ch.offers_13)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                            "second ClientHello no longer offers TLS 1.3");
        if (!same_server_name(c, &ch))
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "second ClientHello changes the server_name");
        if (ch.session_id.len != c->session_id_len ||
            memcmp(ch.session_id.p, c->session_id, c->session_id_len) != 0)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                            "second ClientHello changes the legacy_session_id");
        return tls13_server_client_hello(c, &ch, msg, len);
    }
    uint16_t version = 0;
    /* A `ciphers` list of TLS 1.2 suites only makes a TLS 1.2 server (as a
     * client offers only the versions it has suites for). */
    if (ch.offers_13 && tls_hello_conn_speaks13(c))
        version = TLS_VERSION_13;
    else if (ch.offers_12 && c->pol.min_version <= TLS_VERSION_12)
        version = TLS_VERSION_12;
    if (version == 0) {
        /* review30a F4: a TLS 1.3-only client told why this server, which
         * lists TLS 1.3, cannot do it (a keyUsage, sigalgs, ciphers). */
        char why[256];
        const char *no13 = ch.offers_13 && !ch.offers_12 && c->pol.max_version >= TLS_VERSION_13
                               ? tls_config_version_out(c->cfg, TLS_VERSION_13, why, sizeof why)
                               : NULL;
        if (no13 != NULL)
            return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION,
                            "client offers only TLS 1.3, which this server cannot do: %s", no13);
        /* review38b: "offers at most TLSv1.3; requires TLS 1.2" read as if
         * the client were below us. */
        if (ch.offers_13 && !ch.offers_12 && c->pol.max_version == TLS_VERSION_12)
            return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION,
                            "client offers only TLS 1.3; this server speaks at most TLS 1.2 (max_version)");
        const char *name = tls_version_name(ch.best_version);
        return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION, "client offers at most %s; this server requires %s",
                        name ? name : "an unknown protocol version",
                        c->pol.min_version == TLS_VERSION_13 ? "TLS 1.3 (min_version)"
                        : c->pol.max_version == TLS_VERSION_12 ? "TLS 1.2 (max_version)"
                                                             : "TLS 1.2 or 1.3");
    }
    /* rfc7507#3: a client retrying with a lower version than it can do
     * says so; if we can do better, someone made its first try fail. */
    /* (for a name no pair of which may sign we speak TLS 1.2 at most:
     * choose_version_for_name; review32d) */
    /* (only a fallback pays for the name's pairs: X509_check_host each) */
    if (ch.fallback_scsv) {
        uint16_t best = tls_hello_conn_speaks13(c) && !tls_sni_name_never_signs(c, &ch) ? TLS_VERSION_13 : TLS_VERSION_12;
        if (version < best)
            return tls_fail(&c->err, TLS_ALERT_INAPPROPRIATE_FALLBACK,
                            "client fell back to %s although we both speak %s (TLS_FALLBACK_SCSV): "
                            "an attacker may have made its first attempt fail",
                            tls_version_name(version), tls_version_name(best));
    }
    if (tls_sni_choose_identity(c, &ch, version) != 0 || choose_version_for_name(c, &ch, &version) != 0 ||
        tls_alpn_server_choose(c, tls_hs_find_ext(&ch.exts, TLS_EXT_ALPN)) != 0)
        return -1;
    if (version == TLS_VERSION_12)
        return tls12_state_new(c) == 0 ? tls12_server_client_hello(c, &ch, msg, len) : -1;
    return tls13_server_client_hello(c, &ch, msg, len);
}

int tls_server_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len)
{
    if (c->state == ST_SERVER_WAIT_CH || c->state == ST_SERVER_WAIT_CH2) {
        if (type != TLS_HS_CLIENT_HELLO)
            return unexpected(c, type, "ClientHello");
        return handle_client_hello(c, body, msg, len);
    }
    if (c->version == TLS_VERSION_12)
        return tls12_server_handle(c, type, body, msg, len);
    return tls13_server_handle(c, type, body, msg, len);
}
