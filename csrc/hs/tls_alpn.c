/* Application-Layer Protocol Negotiation (RFC 7301), both sides and both
 * versions: the client offers its list in the ClientHello; the server
 * picks one protocol (its own preference among the client's, or the
 * application's choice) and answers in EncryptedExtensions (TLS 1.3) or
 * the ServerHello (TLS 1.2); the client checks that the answer is one of
 * the protocols it offered. */
#include <string.h>

#include "hs/tls_hello.h"
#include "pki/tls_x509.h"

/* rfc7301#3.1: ProtocolNameList protocol_name_list<2..2^16-1> of
 * ProtocolName<1..2^8-1>: "Empty strings MUST NOT be included". Reads the
 * extension body into *list (the names with their length bytes) and counts
 * the names; decode_error when it is malformed. */
static int read_name_list(tls_conn *c, tls_reader *body, const char *where, tls_reader *list, size_t *n)
{
    *list = tls_rd_vec(body, 2);
    *n = 0;
    if (!tls_rd_end(body) || list->len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s ALPN protocol list is malformed or empty", where);
    tls_reader r = *list;
    while (tls_rd_left(&r) > 0) {
        tls_reader name = tls_rd_vec(&r, 1);
        if (!tls_rd_ok(&r))
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s ALPN protocol list is malformed", where);
        if (name.len == 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s ALPN protocol list has an empty name", where);
        (*n)++;
    }
    return 0;
}

/* Whether a name (without its length byte) is in a well-formed list. */
static int list_has(const uint8_t *list, size_t len, const uint8_t *name, size_t name_len)
{
    tls_reader r = tls_rd_init(list, len);
    while (tls_rd_left(&r) > 0) {
        tls_reader p = tls_rd_vec(&r, 1);
        if (!tls_rd_ok(&r))
            return 0;
        if (p.len == name_len && memcmp(p.p, name, name_len) == 0)
            return 1;
    }
    return 0;
}

/* "h2, http/1.1" from a well-formed list, for messages and traces; peer
 * text is sanitised. */
static void list_text(const uint8_t *list, size_t len, char *out, size_t size)
{
    /* What stands for the names that do not fit: a cut list read as whole. */
    static const char more[] = ", ...";
    size_t used = 0;
    out[0] = '\0';
    tls_reader r = tls_rd_init(list, len);
    while (tls_rd_left(&r) > 0) {
        tls_reader p = tls_rd_vec(&r, 1);
        if (!tls_rd_ok(&r))
            break;
        char name[256];
        size_t n = tls_sanitize(p.p, p.len, name, sizeof name);
        size_t sep = used > 0 ? 2 : 0;
        /* The last name needs no room for the mark after it. */
        size_t after = tls_rd_left(&r) == 0 ? 1 : sizeof more;
        if (used + sep + n + after > size) {
            const char *mark = used > 0 ? more : more + 2;
            if (used + strlen(mark) < size)
                memcpy(out + used, mark, strlen(mark) + 1);
            return;
        }
        memcpy(out + used, ", ", sep);
        memcpy(out + used + sep, name, n + 1);
        used += sep + n;
    }
}

/* The protocol is kept on the heap: most connections have none, and an
 * idle connection should not carry 255 bytes for it. */
static int set_chosen(tls_conn *c, const uint8_t *name, size_t len)
{
    uint8_t *copy = OPENSSL_malloc(len);
    if (copy == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    memcpy(copy, name, len);
    OPENSSL_free(c->alpn);
    c->alpn = copy;
    c->alpn_len = (uint8_t)len;
    return 0;
}

static int trace_decision(tls_conn *c, const tls_reader *offered, const char *how)
{
    if (!tls_tracing(c))
        return 0;
    char text[512];
    tls_trace_builder tb;
    tls_trace_begin(&tb, "decide", "ALPN");
    list_text(offered->p, offered->len, text, sizeof text);
    tls_trace_add(&tb, "offered", "%s", text);
    if (c->alpn_len > 0)
        tls_trace_add(&tb, "chosen", "%.*s", (int)c->alpn_len, (const char *)c->alpn);
    else
        tls_trace_add(&tb, "chosen", "none");
    tls_trace_add(&tb, "how", "%s", how);
    return tls_trace_emit(c, &tb);
}

int tls_alpn_client_answer(tls_conn *c, tls_reader *body, const char *where)
{
    const tls_buf *ours = &c->pol.alpn;
    tls_reader offered = tls_rd_init(ours->data, ours->len);
    c->alpn_len = 0;
    /* An answer we did not ask for was refused by tls_ext_check
     * (unsupported_extension, rfc8446#4.2). */
    if (body == NULL)
        return ours->len > 0 ? trace_decision(c, &offered, "the server answered without ALPN") : 0;
    tls_reader list;
    size_t n;
    if (read_name_list(c, body, where, &list, &n) != 0)
        return -1;
    /* rfc7301#3.1: the server's "ProtocolNameList MUST contain exactly one
     * "ProtocolName"". */
    if (n != 1)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "%s ALPN answer names %zu protocols; exactly one is allowed", where, n);
    tls_reader r = list;
    tls_reader name = tls_rd_vec(&r, 1);
    /* The answer is one of the protocols we offered, or the server
     * speaks a protocol we never agreed to. */
    if (!list_has(ours->data, ours->len, name.p, name.len)) {
        char text[300];
        tls_sanitize(name.p, name.len, text, sizeof text);
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "server chose ALPN protocol '%s', which we did not offer", text);
    }
    if (set_chosen(c, name.p, name.len) != 0)
        return -1;
    return trace_decision(c, &offered, "the server chose one of ours");
}

int tls_alpn_server_choose(tls_conn *c, tls_reader *body)
{
    const tls_buf *ours = &c->pol.alpn;
    c->alpn_len = 0;
    if (body == NULL)
        return 0;
    tls_reader list;
    size_t n;
    if (read_name_list(c, body, "ClientHello", &list, &n) != 0)
        return -1;
    if (c->hooks && c->hooks->alpn_select) {
        const uint8_t *chosen = NULL;
        size_t chosen_len = 0;
        char why[256] = "";
        c->in_callback = 1;
        int rc = c->hooks->alpn_select(c->hooks_ud, list.p, list.len, &chosen, &chosen_len, why, sizeof why);
        c->in_callback = 0;
        if (rc == -2)
            return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "alpn function: %s", why[0] ? why : "failed");
        if (rc == 0)
            return tls_fail(&c->err, TLS_ALERT_NO_APPLICATION_PROTOCOL,
                            "the alpn function refused every protocol the client offers");
        if (rc == 1) {
            /* The hook must point at one of the client's names. */
            if (chosen == NULL || chosen_len == 0 || chosen_len > 255 || !list_has(list.p, list.len, chosen, chosen_len))
                return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR,
                                "alpn function chose a protocol the client did not offer");
            if (set_chosen(c, chosen, chosen_len) != 0)
                return -1;
        }
        return trace_decision(c, &list,
                              c->alpn_len ? "chosen by the alpn function" : "the alpn function chose none: no ALPN");
    }
    if (ours->len == 0)
        return trace_decision(c, &list, "this server has no alpn list: ignored");
    /* Our preference order: the first of ours the client offers. */
    tls_reader r = tls_rd_init(ours->data, ours->len);
    while (tls_rd_left(&r) > 0) {
        tls_reader p = tls_rd_vec(&r, 1);
        if (list_has(list.p, list.len, p.p, p.len)) {
            if (set_chosen(c, p.p, p.len) != 0)
                return -1;
            return trace_decision(c, &list, "our first preference the client offers");
        }
    }
    /* rfc7301#3.2: "In the event that the server supports no protocols
     * that the client advertises, then the server SHALL respond with a
     * fatal "no_application_protocol" alert." */
    char theirs[300], mine[300];
    list_text(list.p, list.len, theirs, sizeof theirs);
    list_text(ours->data, ours->len, mine, sizeof mine);
    return tls_fail(&c->err, TLS_ALERT_NO_APPLICATION_PROTOCOL,
                    "no ALPN protocol in common: the client offers %s; this server speaks %s", theirs, mine);
}

void tls_alpn_put_answer(const tls_conn *c, tls_buf *msg)
{
    if (c->alpn_len == 0)
        return;
    /* rfc7301#3.1: one ProtocolName in a ProtocolNameList. */
    tls_buf_u16(msg, TLS_EXT_ALPN);
    size_t ext = tls_buf_open_block(msg, 2);
    size_t list = tls_buf_open_block(msg, 2);
    tls_buf_u8(msg, c->alpn_len);
    tls_buf_bytes(msg, c->alpn, c->alpn_len);
    tls_buf_close_block(msg, list, 2);
    tls_buf_close_block(msg, ext, 2);
}
