/* Where each extension may appear (rfc8446#4.2), and extension blocks
 * parsed in one pass. */
#include "hs/tls_ext.h"

#include "engine/tls_conn_int.h"
#include "util/tls_names.h"

enum {
    CH = TLS_EXT_IN_CH,
    SH = TLS_EXT_IN_SH,
    HRR = TLS_EXT_IN_HRR,
    EE = TLS_EXT_IN_EE,
    CT = TLS_EXT_IN_CT,
    CR = TLS_EXT_IN_CR,
    NST = TLS_EXT_IN_NST,
    SH12 = TLS_EXT_IN_SH12,
};

/* rfc8446#4.2's table, by extension type: the TLS 1.3 messages each may
 * appear in; 0 for a type we do not know. The TLS 1.2 extensions are known
 * too: a ClientHello offering TLS 1.2 carries them, and any TLS 1.3 message
 * that does is misplaced. */
/* SH12: the TLS 1.2 ServerHello answers (rfc6066, rfc8422#5.2, rfc7627#5.1,
 * rfc5746#3.6, rfc7301#3.1, rfc8449#4, rfc5077#3.2, rfc7366#2). */
static const uint16_t allowed_in[TLS_EXT_TABLE_SIZE] = {
    [TLS_EXT_SERVER_NAME] = CH | EE | SH12,
    [TLS_EXT_MAX_FRAGMENT_LENGTH] = CH | EE | SH12,
    [TLS_EXT_STATUS_REQUEST] = CH | CR | CT | SH12,
    [TLS_EXT_SUPPORTED_GROUPS] = CH | EE,
    [TLS_EXT_EC_POINT_FORMATS] = CH | SH12,
    [TLS_EXT_SIGNATURE_ALGORITHMS] = CH | CR,
    [TLS_EXT_USE_SRTP] = CH | EE,
    [TLS_EXT_HEARTBEAT] = CH | EE,
    [TLS_EXT_ALPN] = CH | EE | SH12,
    [TLS_EXT_SCT] = CH | CR | CT | SH12,
    [TLS_EXT_CLIENT_CERTIFICATE_TYPE] = CH | EE,
    [TLS_EXT_SERVER_CERTIFICATE_TYPE] = CH | EE,
    [TLS_EXT_PADDING] = CH,
    [TLS_EXT_ENCRYPT_THEN_MAC] = CH | SH12,
    [TLS_EXT_EXTENDED_MASTER_SECRET] = CH | SH12,
    /* rfc8449#4: "In TLS 1.3, the server sends the "record_size_limit"
     * extension in the EncryptedExtensions message." */
    [TLS_EXT_RECORD_SIZE_LIMIT] = CH | EE | SH12,
    [TLS_EXT_SESSION_TICKET] = CH | SH12,
    [TLS_EXT_PRE_SHARED_KEY] = CH | SH,
    [TLS_EXT_EARLY_DATA] = CH | EE | NST,
    [TLS_EXT_SUPPORTED_VERSIONS] = CH | SH | HRR,
    [TLS_EXT_COOKIE] = CH | HRR,
    [TLS_EXT_PSK_KEY_EXCHANGE_MODES] = CH,
    [TLS_EXT_CERTIFICATE_AUTHORITIES] = CH | CR,
    [TLS_EXT_OID_FILTERS] = CR,
    [TLS_EXT_POST_HANDSHAKE_AUTH] = CH,
    [TLS_EXT_SIGNATURE_ALGORITHMS_CERT] = CH | CR,
    [TLS_EXT_KEY_SHARE] = CH | SH | HRR,
    /* rfc5746#3.6; in TLS 1.3 not used (rfc8446#4.1.2 drops renegotiation). */
    [TLS_EXT_SLOT_RENEGOTIATION_INFO] = CH | SH12,
};

/* The table slot of a type, or -1 if the table does not know it. */
static int slot_of(uint16_t type)
{
    if (type == TLS_EXT_RENEGOTIATION_INFO)
        return TLS_EXT_SLOT_RENEGOTIATION_INFO;
    if (type >= TLS_EXT_TABLE_SIZE || type == TLS_EXT_SLOT_RENEGOTIATION_INFO || allowed_in[type] == 0)
        return -1;
    return type;
}

/* The type held in a slot. */
static uint16_t type_of(int slot)
{
    return slot == TLS_EXT_SLOT_RENEGOTIATION_INFO ? TLS_EXT_RENEGOTIATION_INFO : (uint16_t)slot;
}

uint64_t tls_ext_bit(uint16_t type)
{
    int slot = slot_of(type);
    return slot < 0 ? 0 : (uint64_t)1 << slot;
}

static const char *ext_name(uint16_t type)
{
    const char *name = tls_extension_name(type);
    return name ? name : "unknown";
}

static const char *msg_name(tls_ext_msg msg)
{
    switch (msg) {
    case TLS_EXT_IN_CH: return "ClientHello";
    case TLS_EXT_IN_SH: return "ServerHello";
    case TLS_EXT_IN_HRR: return "HelloRetryRequest";
    case TLS_EXT_IN_EE: return "EncryptedExtensions";
    case TLS_EXT_IN_CT: return "Certificate entry";
    case TLS_EXT_IN_CR: return "CertificateRequest";
    case TLS_EXT_IN_NST: return "NewSessionTicket";
    case TLS_EXT_IN_SH12: return "ServerHello";
    }
    return "handshake message";
}

/* The lowest slot in a non-empty mask. */
static int first_slot(uint64_t mask)
{
    int t = 0;
    while (!(mask & 1)) {
        mask >>= 1;
        t++;
    }
    return t;
}

static uint16_t first_type(uint64_t mask) { return type_of(first_slot(mask)); }

int tls_hs_parse_extensions(tls_conn *c, tls_reader *block, tls_ext_list *list, const char *where)
{
    /* Duplicates among unknown types are found with a set of all 2^16
     * types, cleared only once a block has an unknown extension. */
    tls_u16_set unknown;
    int unknown_clear = 0;
    list->present = 0;
    list->n = 0;
    list->n_unknown = 0;
    list->first_unknown = 0;
    list->last_type = 0;
    while (tls_rd_left(block) > 0) {
        uint16_t type = tls_rd_u16(block);
        tls_reader body = tls_rd_vec(block, 2);
        if (!tls_rd_ok(block))
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s: malformed extension block", where);
        uint64_t bit = tls_ext_bit(type);
        int duplicate;
        if (bit != 0) {
            duplicate = (list->present & bit) != 0;
            list->present |= bit;
            list->body[slot_of(type)] = body;
        } else {
            if (!unknown_clear) {
                tls_u16_set_clear(&unknown);
                unknown_clear = 1;
            }
            duplicate = tls_u16_set_add(&unknown, type);
            if (list->n_unknown++ == 0)
                list->first_unknown = type;
        }
        /* rfc8446#4.2: "There MUST NOT be more than one extension of the
         * same type in a given extension block." */
        if (duplicate)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "%s: duplicate %s extension (%u)", where,
                            ext_name(type), type);
        list->last_type = type;
        list->n++;
    }
    if (!tls_rd_end(block))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s: malformed extension block", where);
    return 0;
}

tls_reader *tls_hs_find_ext(tls_ext_list *list, uint16_t type)
{
    uint64_t bit = tls_ext_bit(type);
    return bit != 0 && (list->present & bit) ? &list->body[slot_of(type)] : NULL;
}

/* rfc8446#4.2: "Implementations MUST NOT send extension responses if the
 * remote endpoint did not send the corresponding extension requests, with
 * the exception of the "cookie" extension in the HelloRetryRequest. Upon
 * receiving such an extension, an endpoint MUST abort the handshake with
 * an "unsupported_extension" alert." */
static int check_solicited(tls_conn *c, const tls_ext_list *list, tls_ext_msg msg, const char *where)
{
    if (list->n_unknown > 0)
        return tls_fail(&c->err, TLS_ALERT_UNSUPPORTED_EXTENSION, "%s: unknown extension %u", where,
                        list->first_unknown);
    uint64_t solicited = c->ext_sent;
    if (msg == TLS_EXT_IN_HRR)
        solicited |= tls_ext_bit(TLS_EXT_COOKIE);
    uint64_t unsolicited = list->present & ~solicited;
    if (unsolicited != 0) {
        uint16_t type = first_type(unsolicited);
        return tls_fail(&c->err, TLS_ALERT_UNSUPPORTED_EXTENSION, "%s: %s extension (%u), which we did not ask for",
                        where, ext_name(type), type);
    }
    return 0;
}

int tls_ext_check(tls_conn *c, const tls_ext_list *list, tls_ext_msg msg)
{
    const char *where = msg_name(msg);
    /* rfc5246#7.4.1.4: "If a client receives an extension type in
     * ServerHello that it did not request in the associated ClientHello,
     * it MUST abort the handshake with an unsupported_extension fatal
     * alert": in a TLS 1.2 ServerHello that comes before the TLS 1.3 rule
     * for known extensions in the wrong message, below. */
    if (msg == TLS_EXT_IN_SH12 && check_solicited(c, list, msg, where) != 0)
        return -1;
    /* rfc8446#4.2: "If an implementation receives an extension which it
     * recognizes and which is not specified for the message in which it
     * appears, it MUST abort the handshake with an "illegal_parameter"
     * alert." */
    uint64_t misplaced = 0;
    for (uint64_t m = list->present; m != 0; m &= m - 1) {
        int slot = first_slot(m);
        if (!(allowed_in[slot] & msg))
            misplaced |= (uint64_t)1 << slot;
    }
    if (misplaced != 0) {
        uint16_t type = first_type(misplaced);
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "%s: %s extension (%u) is not allowed there",
                        where, ext_name(type), type);
    }
    int response = msg == TLS_EXT_IN_SH || msg == TLS_EXT_IN_HRR || msg == TLS_EXT_IN_EE || msg == TLS_EXT_IN_CT;
    if (response && check_solicited(c, list, msg, where) != 0)
        return -1;
    /* rfc8446#4.2.11: "The "pre_shared_key" extension MUST be the last
     * extension in the ClientHello ... Servers MUST check that it is the
     * last extension and otherwise fail the handshake with an
     * "illegal_parameter" alert." */
    if (msg == TLS_EXT_IN_CH && (list->present & tls_ext_bit(TLS_EXT_PRE_SHARED_KEY)) &&
        list->last_type != TLS_EXT_PRE_SHARED_KEY)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "pre_shared_key is not the last extension");
    return 0;
}

int tls_ext_read_record_size_limit(tls_conn *c, tls_reader *body, const char *where, uint16_t *limit)
{
    *limit = tls_rd_u16(body);
    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s record_size_limit is malformed", where);
    /* rfc8449#4: "An endpoint MUST treat receipt of a smaller value as a
     * fatal error and generate an "illegal_parameter" alert." */
    if (*limit < TLS_RECORD_SIZE_LIMIT_MIN)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "%s record_size_limit of %u (at least %d is required)",
                        where, *limit, TLS_RECORD_SIZE_LIMIT_MIN);
    return 0;
}

size_t tls_ext_send_limit(uint16_t limit)
{
    size_t content = (size_t)limit - 1;
    return content < TLS_MAX_PLAINTEXT ? content : TLS_MAX_PLAINTEXT;
}
