/* The record layer: framing, protection, content-type dispatch, alerts. */
#include <string.h>

#include "engine/tls_conn_int.h"
#include "util/tls_names.h"

static int too_many_empty(tls_conn *c)
{
    if (++c->empty_records > TLS_MAX_EMPTY_RECORDS)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "peer sent more than %d records in a row without content",
                        TLS_MAX_EMPTY_RECORDS);
    return 0;
}

static int handle_alert(tls_conn *c, const uint8_t *data, size_t len)
{
    /* rfc8446#6: an alert is two bytes; fragments are not allowed. */
    if (len != 2)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "alert record of %zu bytes (must be 2)", len);
    uint8_t level = data[0], desc = data[1];
    if (desc == TLS_ALERT_CLOSE_NOTIFY) {
        c->status |= TLS_STATUS_PEER_CLOSED;
        if (tls_tracing(c)) {
            tls_trace_builder tb;
            tls_trace_begin(&tb, "receive", "Alert");
            tls_trace_add(&tb, "alert", "close_notify");
            return tls_trace_emit(c, &tb);
        }
        return 0;
    }
    if (desc == TLS_ALERT_USER_CANCELED && level == TLS_ALERT_LEVEL_WARNING)
        return too_many_empty(c);
    /* rfc8446#6.2: all other alerts are fatal whatever their level. */
    const char *meaning = "";
    /* A server refusing our ClientHello: say what it most likely means. */
    if (!c->is_server && c->state == ST_CLIENT_WAIT_SH) {
        switch (desc) {
        case TLS_ALERT_PROTOCOL_VERSION:
            meaning = ": the server does not support TLS 1.3, the only version we offer "
                      "(it speaks TLS 1.2 or older)";
            break;
        case TLS_ALERT_HANDSHAKE_FAILURE:
            meaning = ": the server found no cipher suite, group or signature algorithm in "
                      "common with ours (or it does not support TLS 1.3)";
            break;
        case TLS_ALERT_INSUFFICIENT_SECURITY:
            meaning = ": the server wants stronger algorithms than the ones we offered";
            break;
        case TLS_ALERT_UNRECOGNIZED_NAME:
            meaning = ": the server does not serve the name we asked for (servername)";
            break;
        default:
            break;
        }
    }
    tls_fail(&c->err, desc, "peer sent alert %s (%u)%s", tls_alert_name(desc), desc, meaning);
    c->err.from_peer = 1;
    return -1;
}

static int handle_handshake(tls_conn *c, const uint8_t *data, size_t len)
{
    /* rfc8446#5.1: zero-length fragments of Handshake MUST NOT be sent. */
    if (len == 0)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "empty handshake record");
    tls_buf_bytes(&c->hs_in, data, len);
    if (!tls_buf_ok(&c->hs_in))
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    size_t pos = 0;
    while (c->hs_in.len - pos >= TLS_HS_HEADER_LEN) {
        const uint8_t *m = c->hs_in.data + pos;
        size_t body = ((size_t)m[1] << 16) | ((size_t)m[2] << 8) | m[3];
        size_t max = tls_hs_max_message(c, m[0]);
        if (body > max)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR,
                            "%s message of %zu bytes is larger than the %zu we accept",
                            tls_handshake_name(m[0]) ? tls_handshake_name(m[0]) : "handshake",
                            body, max);
        if (c->hs_in.len - pos < TLS_HS_HEADER_LEN + body)
            break;
        unsigned epoch = c->rd_epoch;
        if (tls_hs_handle(c, m, TLS_HS_HEADER_LEN + body) != 0)
            return -1;
        pos += TLS_HS_HEADER_LEN + body;
        /* rfc8446#5.1: handshake messages MUST NOT span key changes. */
        if (epoch != c->rd_epoch && pos < c->hs_in.len)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "handshake data continues in the record that ended a key epoch");
        if (c->status & TLS_STATUS_FAILED)
            return -1;
    }
    tls_buf_consume(&c->hs_in, pos);
    tls_buf_release_if_empty(&c->hs_in);
    return 0;
}

static int handle_content(tls_conn *c, uint8_t type, const uint8_t *data, size_t len)
{
    switch (type) {
    case TLS_CT_HANDSHAKE:
        c->empty_records = 0;
        return handle_handshake(c, data, len);
    case TLS_CT_ALERT:
        if (c->hs_in.len > 0)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "alert record inside a fragmented handshake message");
        return handle_alert(c, data, len);
    case TLS_CT_APPLICATION_DATA:
        if (!(c->status & TLS_STATUS_HANDSHAKE_DONE))
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "application data before the handshake finished");
        /* rfc8446#5.1: handshake messages MUST NOT be interleaved with other record types. */
        if (c->hs_in.len > 0)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "application data inside a fragmented handshake message");
        if (len == 0)
            return too_many_empty(c);
        c->empty_records = 0;
        c->key_updates_in_row = 0;
        c->tickets_in_row = 0;
        tls_buf_bytes(&c->app_in, data, len);
        if (!tls_buf_ok(&c->app_in))
            return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
        return 0;
    default:
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected content type %u", type);
    }
}

static int handle_ccs(tls_conn *c, const uint8_t *data, size_t len)
{
    /* rfc8446#5: a change_cipher_spec of the single byte 0x01 received between
     * the first ClientHello and the peer's Finished is dropped; any other
     * value, or one outside that window, is unexpected_message. */
    int in_window = !(c->status & TLS_STATUS_HANDSHAKE_DONE) &&
                    !(c->is_server && c->state == ST_SERVER_WAIT_CH) &&
                    !(c->is_server == 0 && c->state == ST_CLIENT_START);
    if (len != 1 || data[0] != 0x01)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "change_cipher_spec record with wrong contents");
    if (!in_window)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "change_cipher_spec record outside the handshake");
    if (++c->ccs_records > TLS_MAX_CCS_RECORDS)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "more than one change_cipher_spec record");
    return too_many_empty(c);
}

/* rfc8446#4.2.10: a server that declined the client's 0-RTT data skips its
 * records "up to the configured max_early_data_size". Headers count too, so
 * that empty records cannot be skipped for free. */
static int skip_early_record(tls_conn *c, size_t len)
{
    c->early_skipped += TLS_RECORD_HEADER_LEN + len;
    return c->early_skipped <= TLS_MAX_EARLY_DATA_SKIP;
}

/* A protected record that did not open while we skip declined 0-RTT data
 * (rfc8446#4.2.10: "discarding records which fail deprotection (up to the
 * configured max_early_data_size)"). Past the bound, the failure stands:
 * rfc8446#5.2 makes it a bad_record_mac. */
static int skip_trial_record(tls_conn *c, size_t len)
{
    if (c->err.alert != TLS_ALERT_BAD_RECORD_MAC)
        return -1;
    tls_error_clear(&c->err);
    size_t skipped = c->early_skipped;
    if (skip_early_record(c, len))
        return 0;
    return tls_fail(&c->err, TLS_ALERT_BAD_RECORD_MAC,
                    "bad record MAC (record could not be authenticated after %zu bytes of declined "
                    "0-RTT records were skipped; at most %d are)",
                    skipped, TLS_MAX_EARLY_DATA_SKIP);
}

/* rfc8446#5: once a peer protects its records, an unprotected alert is not
 * its own, and an attacker on the path could pick the reason we report.
 * A client knows when the server's protection starts: with the ServerHello,
 * after which the only plaintext alert a server could send is one we must
 * not believe. A server cannot know when the client switched: a client that
 * could not process our ServerHello, or that rejects our certificate before
 * installing its handshake write key (OpenSSL's client does), sends its
 * alert in the clear. So a server believes a plaintext alert only until
 * the first protected record from the client has opened: from then on the
 * client provably holds its keys. */
static int plaintext_alert_allowed(const tls_conn *c)
{
    return c->is_server && c->rd_epoch == 1 && c->rd.seq == 0;
}

static int handle_record(tls_conn *c, uint8_t type, const uint8_t *header, const uint8_t *frag,
                         size_t len)
{
    /* rfc8446#5.1: handshake messages MUST NOT be interleaved with other record types. */
    if (c->hs_in.len > 0 && type != TLS_CT_HANDSHAKE && !(c->rd_protected && type == TLS_CT_APPLICATION_DATA))
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "%s record inside a fragmented handshake message",
                        type == TLS_CT_ALERT                ? "alert"
                        : type == TLS_CT_CHANGE_CIPHER_SPEC ? "change_cipher_spec"
                                                            : "application_data");
    if (type == TLS_CT_CHANGE_CIPHER_SPEC)
        return handle_ccs(c, frag, len);
    if (!c->rd_protected) {
        if (type != TLS_CT_APPLICATION_DATA)
            return handle_content(c, type, frag, len);
        /* rfc8446#4.2.10: after a HelloRetryRequest the server "ignores
         * early data by skipping all records with an external content type
         * of "application_data" (indicating that they are encrypted), up to
         * the configured max_early_data_size". */
        if (c->early_skip == TLS_EARLY_SKIP_PLAIN) {
            if (skip_early_record(c, len))
                return 0;
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "client sent more than %d bytes of 0-RTT records we declined",
                            TLS_MAX_EARLY_DATA_SKIP);
        }
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "encrypted record before keys were agreed");
    }
    if (type == TLS_CT_ALERT && plaintext_alert_allowed(c))
        return handle_content(c, type, frag, len);
    if (type != TLS_CT_APPLICATION_DATA)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "unprotected %s after handshake keys were in use",
                        type == TLS_CT_ALERT ? "alert" : "handshake record");
    /* Opened straight into app_in: `in` only ever holds ciphertext. */
    size_t start = c->app_in.len, pt_len;
    uint8_t *dst = tls_buf_extend(&c->app_in, len);
    if (dst == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    if (tls_aead_open_to(&c->rd, header, TLS_RECORD_HEADER_LEN, frag, len, dst, &pt_len, &c->err) != 0) {
        c->app_in.len = start;
        if (c->early_skip == TLS_EARLY_SKIP_TRIAL)
            return skip_trial_record(c, len);
        return -1;
    }
    /* rfc8446#4.2.10: "Once a record is deprotected successfully, it is
     * treated as the start of the client's second flight". */
    c->early_skip = TLS_EARLY_NONE;
    size_t full = pt_len;
    /* rfc8446#5.4: "The length MUST NOT exceed 2^14 + 1 octets" for the
     * whole TLSInnerPlaintext, padding included; rfc8449#4: with a
     * record_size_limit we advertised, "the complete length of
     * TLSInnerPlaintext" is bounded by that limit instead. */
    if (full > c->recv_limit) {
        OPENSSL_cleanse(dst, full);
        c->app_in.len = start;
        return tls_fail(&c->err, TLS_ALERT_RECORD_OVERFLOW,
                        "record of %zu bytes of padded plaintext (at most %zu allowed)", full,
                        c->recv_limit);
    }
    /* rfc8446#5.4: the content type is the last non-zero byte; padding is zeros. */
    while (pt_len > 0 && dst[pt_len - 1] == 0)
        pt_len--;
    int rc;
    uint8_t inner = 0;
    if (pt_len == 0) {
        rc = tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "protected record without a content type");
    } else if ((inner = dst[--pt_len]) == TLS_CT_CHANGE_CIPHER_SPEC) {
        rc = tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "protected change_cipher_spec record");
    } else if (inner == TLS_CT_APPLICATION_DATA) {
        if (!(c->status & TLS_STATUS_HANDSHAKE_DONE))
            rc = tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                          "application data before the handshake finished");
        else if (c->hs_in.len > 0)
            rc = tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                          "application data inside a fragmented handshake message");
        else if (pt_len == 0)
            rc = too_many_empty(c);
        else {
            /* Post-handshake messages are counted between data records
             * (empty ones do not count: a peer could alternate them). */
            c->empty_records = 0;
            c->key_updates_in_row = 0;
            c->tickets_in_row = 0;
            OPENSSL_cleanse(dst + pt_len, full - pt_len);
            c->app_in.len = start + pt_len;
            return 0;
        }
    } else if (pt_len == 0 && (inner == TLS_CT_ALERT || inner == TLS_CT_HANDSHAKE)) {
        /* rfc8446#5.4: "Implementations MUST NOT send Handshake and Alert
         * records that have a zero-length TLSInnerPlaintext.content; if such
         * a message is received, the receiving implementation MUST terminate
         * the connection with an "unexpected_message" alert." */
        rc = tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "protected %s record with no content",
                      inner == TLS_CT_ALERT ? "alert" : "handshake");
    } else {
        rc = handle_content(c, inner, dst, pt_len);
    }
    OPENSSL_cleanse(dst, full);
    c->app_in.len = start;
    return rc;
}

/* The first bytes of a peer that does not speak TLS at all, in words:
 * another protocol on the port, or plain HTTP on an HTTPS one. */
static int fail_not_tls(tls_conn *c, const uint8_t *h)
{
    char text[TLS_RECORD_HEADER_LEN + 1];
    int printable = 1;
    for (size_t i = 0; i < TLS_RECORD_HEADER_LEN; i++) {
        printable &= h[i] >= 0x20 && h[i] < 0x7f;
        text[i] = h[i] >= 0x20 && h[i] < 0x7f ? (char)h[i] : '?';
    }
    text[TLS_RECORD_HEADER_LEN] = '\0';
    const char *what = "";
    if (memcmp(h, "HTTP/", 5) == 0)
        what = ": it looks like an HTTP server (plain HTTP on this port, not HTTPS)";
    else if (memcmp(h, "GET /", 5) == 0 || memcmp(h, "POST ", 5) == 0 ||
             memcmp(h, "HEAD ", 5) == 0 || memcmp(h, "PUT /", 5) == 0 ||
             memcmp(h, "OPTIO", 5) == 0 || memcmp(h, "DELET", 5) == 0 ||
             memcmp(h, "CONNE", 5) == 0 || memcmp(h, "PATCH", 5) == 0)
        what = ": it looks like an HTTP request (plain HTTP sent to a TLS port)";
    const char *did = c->is_server ? "did not speak" : "did not answer with";
    if (printable)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "the peer %s TLS (it sent \"%s...\")%s", did, text, what);
    return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                    "the peer %s TLS (unknown record type %u)", did, h[0]);
}

static int check_header(tls_conn *c, const uint8_t *h)
{
    uint8_t type = h[0];
    uint16_t version = (uint16_t)((h[1] << 8) | h[2]);
    size_t len = ((size_t)h[3] << 8) | h[4];
    /* Nothing from the peer has been accepted yet. */
    int first = c->hs_in.len == 0 && !c->hello_retry &&
                (c->is_server ? c->state == ST_SERVER_WAIT_CH : c->state == ST_CLIENT_WAIT_SH);
    if (type & 0x80)
        return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION,
                        "peer sent an SSL 2.0 record (SSL 2.0 is not supported)");
    if (type < TLS_CT_CHANGE_CIPHER_SPEC || type > TLS_CT_APPLICATION_DATA) {
        if (first)
            return fail_not_tls(c, h);
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "unknown record type %u", type);
    }
    if ((version >> 8) != 3)
        return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION,
                        "record with version 0x%04x (not TLS)", version);
    if (len > TLS_MAX_CIPHERTEXT)
        return tls_fail(&c->err, TLS_ALERT_RECORD_OVERFLOW,
                        "record of %zu bytes (at most %d allowed)", len, TLS_MAX_CIPHERTEXT);
    /* Declined 0-RTT records skipped after a HelloRetryRequest are
     * ciphertext too (rfc8446#4.2.10), though we hold no key for them. */
    int protected_record = type == TLS_CT_APPLICATION_DATA &&
                           (c->rd_protected || c->early_skip == TLS_EARLY_SKIP_PLAIN);
    if (!protected_record && len > TLS_MAX_PLAINTEXT)
        return tls_fail(&c->err, TLS_ALERT_RECORD_OVERFLOW,
                        "plaintext record of %zu bytes (at most %d allowed)", len, TLS_MAX_PLAINTEXT);
    if (len == 0 && type != TLS_CT_APPLICATION_DATA)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "empty %s record",
                        type == TLS_CT_ALERT ? "alert" : type == TLS_CT_HANDSHAKE ? "handshake"
                                                                                    : "change_cipher_spec");
    return 0;
}

static int process_from(tls_conn *c, const uint8_t *base, size_t avail, size_t *used)
{
    size_t pos = 0;
    int rc = 0;
    while (!(c->status & (TLS_STATUS_FAILED | TLS_STATUS_PEER_CLOSED))) {
        /* Back-pressure: a peer cannot make us decrypt without bound while
         * the application is not reading. */
        if (c->app_in.len >= TLS_APP_IN_HIGH_WATER)
            break;
        if (avail - pos < TLS_RECORD_HEADER_LEN) {
            /* Judge a header as soon as it is whole, before its body arrives. */
            break;
        }
        const uint8_t *h = base + pos;
        if ((rc = check_header(c, h)) != 0)
            break;
        size_t len = ((size_t)h[3] << 8) | h[4];
        if (avail - pos < TLS_RECORD_HEADER_LEN + len)
            break;
        rc = handle_record(c, h[0], h, h + TLS_RECORD_HEADER_LEN, len);
        pos += TLS_RECORD_HEADER_LEN + len;
        if (rc != 0)
            break;
    }
    /* rfc8446#6.1: data received after a closure alert is ignored. */
    if (c->status & TLS_STATUS_PEER_CLOSED)
        pos = avail;
    *used = pos;
    return rc;
}

int tls_record_process(tls_conn *c)
{
    size_t used;
    int rc = process_from(c, c->in.data, c->in.len, &used);
    tls_buf_drop(&c->in, used);
    tls_buf_release_if_empty(&c->in);
    return rc;
}

int tls_record_feed_direct(tls_conn *c, const uint8_t *data, size_t len, size_t *used)
{
    return process_from(c, data, len, used);
}

int tls_record_write(tls_conn *c, uint8_t type, const uint8_t *data, size_t len)
{
    do {
        size_t n;
        if (!c->wr_protected) {
            n = len < TLS_MAX_PLAINTEXT ? len : TLS_MAX_PLAINTEXT;
            /* rfc8446#5.1: legacy_record_version is 0x0303, except that an
             * initial ClientHello MAY use 0x0301 for old middleboxes: so a
             * server's first record (ServerHello or alert) uses 0x0303 too. */
            uint16_t version = (c->first_record_sent || c->is_server) ? TLS_VERSION_12 : TLS_VERSION_10;
            c->first_record_sent = 1;
            tls_buf_u8(&c->out, type);
            tls_buf_u16(&c->out, version);
            tls_buf_u16(&c->out, (uint16_t)n);
            tls_buf_bytes(&c->out, data, n);
        } else {
            /* rfc8446#5.5: "Implementations SHOULD do a key update as
             * described in Section 4.6.3 prior to reaching these limits."
             * Only before data: a handshake message or an alert never
             * waits for a key update. */
            if (type == TLS_CT_APPLICATION_DATA && c->wr.seq >= c->key_update_after &&
                tls_record_key_update(c, 0) != 0)
                return -1;
            /* rfc8449#4: the peer's record_size_limit bounds protected records. */
            n = len < c->send_limit ? len : c->send_limit;
            size_t tag = c->wr.suite->tag_len;
            size_t inner = n + 1;
            uint8_t *p = tls_buf_extend(&c->out, TLS_RECORD_HEADER_LEN + inner + tag);
            if (p == NULL)
                break;
            p[0] = TLS_CT_APPLICATION_DATA;
            p[1] = 0x03;
            p[2] = 0x03;
            p[3] = (uint8_t)((inner + tag) >> 8);
            p[4] = (uint8_t)(inner + tag);
            if (tls_aead_seal_to(&c->wr, p, TLS_RECORD_HEADER_LEN, data, n, type,
                                 p + TLS_RECORD_HEADER_LEN, p + TLS_RECORD_HEADER_LEN + inner,
                                 &c->err) != 0)
                return -1;
        }
        data += n;
        len -= n;
    } while (len > 0);
    if (!tls_buf_ok(&c->out))
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    return 0;
}

int tls_record_send_alert(tls_conn *c, uint8_t level, uint8_t desc)
{
    uint8_t alert[2] = { level, desc };
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "Alert");
        tls_trace_add(&tb, "alert", "%s", tls_alert_name(desc));
        tls_trace_add(&tb, "level", "%s", level == TLS_ALERT_LEVEL_FATAL ? "fatal" : "warning");
        /* An alert is the last word: the callback cannot stop it. */
        char ignored[TLS_REASON_MAX];
        c->in_callback++;
        c->trace(c->trace_ud, &tb.ev, ignored, sizeof ignored);
        c->in_callback--;
    }
    return tls_record_write(c, TLS_CT_ALERT, alert, sizeof alert);
}

int tls_record_send_ccs(tls_conn *c)
{
    static const uint8_t ccs[1] = { 0x01 };
    uint8_t h[TLS_RECORD_HEADER_LEN] = { TLS_CT_CHANGE_CIPHER_SPEC, 0x03, 0x03, 0x00, 0x01 };
    /* Always in the clear, even when the write direction has keys. */
    tls_buf_bytes(&c->out, h, sizeof h);
    tls_buf_bytes(&c->out, ccs, sizeof ccs);
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "ChangeCipherSpec");
        tls_trace_add(&tb, "note", "compatibility record for middleboxes (RFC 8446 D.4), ignored by the peer");
        return tls_trace_emit(c, &tb);
    }
    return 0;
}

static int trace_key(tls_conn *c, const char *message, const char *name)
{
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "key", message);
    tls_trace_add(&tb, "secret", "%s", name);
    tls_trace_add(&tb, "cipher", "%s", c->suite->name);
    return tls_trace_emit(c, &tb);
}

int tls_record_set_read_key(tls_conn *c, const uint8_t *secret, const char *name)
{
    if (tls_aead_init(&c->rd, c->suite, secret, 0, &c->err) != 0)
        return -1;
    c->rd_protected = 1;
    c->rd_epoch++;
    return trace_key(c, "read key changed", name);
}

/* Records we protect under one write key before we update it.
 * AES-GCM: rfc8446#5.5: "up to 2^24.5 full-size records (about 24 million)
 * may be encrypted on a given connection while keeping a safety margin of
 * approximately 2^-57 for Authenticated Encryption (AE) security". That
 * margin grows with the square of the record count, so 2^23 records (128
 * GiB of full records) leave about 2^-60.
 * ChaCha20-Poly1305: "the record sequence number would wrap before the
 * safety limit is reached", so no cryptographic limit applies; updating
 * after 2^48 records keeps far away from the sequence number exhaustion
 * of rfc8446#5.3 (which ends the connection) at no cost: 2^48 full records
 * are 4 EiB. */
static uint64_t write_key_limit(const tls_suite *s)
{
    return s->id == TLS_CHACHA20_POLY1305_SHA256 ? (uint64_t)1 << 48 : (uint64_t)1 << 23;
}

static int install_write_key(tls_conn *c, const uint8_t *secret)
{
    if (tls_aead_init(&c->wr, c->suite, secret, 1, &c->err) != 0)
        return -1;
    c->wr_protected = 1;
    /* The context's key_update_after may lower the limit (tests do), never raise it. */
    uint64_t limit = write_key_limit(c->suite), wanted = c->cfg->key_update_after;
    c->key_update_after = wanted != 0 && wanted < limit ? wanted : limit;
    return 0;
}

int tls_record_set_write_key(tls_conn *c, const uint8_t *secret, const char *name)
{
    if (install_write_key(c, secret) != 0)
        return -1;
    return trace_key(c, "write key changed", name);
}

int tls_record_key_update(tls_conn *c, int request_peer)
{
    /* rfc8446#4.6.3: "After sending a KeyUpdate message, the sender SHALL
     * send all its traffic using the next generation of keys". The message
     * goes under the current key, and the key changes before anything else
     * is written, a trace callback's failure alert included. */
    const uint8_t msg[TLS_HS_HEADER_LEN + 1] = { TLS_HS_KEY_UPDATE, 0, 0, 1, request_peer ? 1 : 0 };
    uint8_t *own = c->is_server ? c->keys.server_ap : c->keys.client_ap;
    if (tls_record_write(c, TLS_CT_HANDSHAKE, msg, sizeof msg) != 0 ||
        tls13_next_traffic_secret(c->suite->md, own, &c->err) != 0 || install_write_key(c, own) != 0)
        return -1;
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "send", "KeyUpdate");
    tls_trace_add(&tb, "request_update", "%s", request_peer ? "update_requested" : "update_not_requested");
    if (tls_trace_emit(c, &tb) != 0)
        return -1;
    return trace_key(c, "write key changed", "our next application traffic secret");
}
