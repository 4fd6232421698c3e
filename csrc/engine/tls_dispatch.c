/* The engine's side of incoming records: the record layer hands over each
 * opened record, and this passes handshake bytes to the handshake layer,
 * alerts to the connection's status and application data to the
 * application. The record layer never calls the handshake layer. */
#include <string.h>

#include "engine/tls_conn_int.h"
#include "util/tls_names.h"
#include "hs/tls13_early.h"

static int too_many_empty(tls_conn *c)
{
    if (++c->empty_records > TLS_MAX_EMPTY_RECORDS)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "peer sent more than %d records in a row without content",
                        TLS_MAX_EMPTY_RECORDS);
    return 0;
}

/* review40b I1: a close_notify ends what its sender writes (rfc8446#6.1),
 * so a handshake it arrives in can never finish: a failure, not the
 * orderly close of a connection that never was (a client would otherwise
 * see want() "closed" with nothing failed). The answer is our own
 * close_notify and no error alert: rfc8446#6.1 "Each party MUST send a
 * "close_notify" alert before closing its write side of the connection,
 * unless it has already sent some error alert", rfc5246#7.2.1 "The other
 * party MUST respond with a close_notify alert of its own"; closing is no
 * protocol error (it is how a user_canceled ends, rfc8446#6.1). */
static int closed_before_finished(tls_conn *c)
{
    tls_fail(&c->err, TLS_ALERT_CLOSE_NOTIFY, "the %s closed the connection (close_notify) before the handshake "
                                              "finished", c->is_server ? "client" : "server");
    c->err.from_peer = 1;
    (void)tls_engine_answer_close(c); /* its failure is out of memory: ours is said */
    return -1;
}

static int handle_alert(tls_conn *c, const uint8_t *data, size_t len)
{
    /* rfc8446#6: an alert is two bytes; fragments are not allowed. */
    if (len != 2)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "alert record of %zu bytes (must be 2)", len);
    uint8_t level = data[0], desc = data[1];
    /* review32a F2: TLS 1.2 keeps the level (rfc5246#7.2: warning(1) or
     * fatal(2)). Another level is no alert we can read; a fatal
     * close_notify ends the connection as a failure, not an orderly close
     * that would make a cut-off stream look complete. */
    if (c->version == TLS_VERSION_12 && level != TLS_ALERT_LEVEL_WARNING && level != TLS_ALERT_LEVEL_FATAL)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "peer sent alert %s (%u) with level %u (TLS 1.2 alerts are warning (1) or fatal (2))",
                        tls_alert_name(desc), desc, level);
    if (desc == TLS_ALERT_CLOSE_NOTIFY && c->version == TLS_VERSION_12 && level == TLS_ALERT_LEVEL_FATAL) {
        tls_fail(&c->err, desc, "peer sent close_notify as a fatal alert: the connection failed (this is not "
                                "an orderly close)");
        c->err.from_peer = 1;
        return -1;
    }
    if (desc == TLS_ALERT_CLOSE_NOTIFY) {
        c->status |= TLS_STATUS_PEER_CLOSED;
        /* rfc5246#7.2.1: "The other party MUST respond with a close_notify
         * alert of its own and close down the connection immediately,
         * discarding any pending writes." TLS 1.3 closes only the
         * sender's direction (rfc8446#6.1): we may go on writing. */
        int both_ways = c->version == TLS_VERSION_12;
        int unfinished = !(c->status & TLS_STATUS_HANDSHAKE_DONE);
        if (tls_tracing(c)) {
            tls_trace_builder tb;
            tls_trace_begin(&tb, "receive", "Alert");
            tls_trace_add(&tb, "alert", "close_notify");
            if (unfinished)
                tls_trace_add(&tb, "meaning", "%s", "the handshake cannot finish: it failed");
            else if (both_ways)
                tls_trace_add(&tb, "meaning", "%s", "TLS 1.2: the connection is closed both ways");
            if (tls_trace_emit(c, &tb) != 0)
                return -1;
        }
        if (unfinished)
            return closed_before_finished(c);
        return both_ways ? tls_engine_answer_close(c) : 0;
    }
    /* rfc8446#6: in TLS 1.3 "the "level" field can safely be ignored";
     * user_canceled is a closure alert (rfc8446#6.1), at either level. TLS
     * 1.2 keeps the level (rfc5246#7.2: a fatal alert ends the connection). */
    if (desc == TLS_ALERT_USER_CANCELED && (level == TLS_ALERT_LEVEL_WARNING || c->version == TLS_VERSION_13))
        return too_many_empty(c);
    /* rfc5246#7.2: in TLS 1.2, after a warning "generally the connection can
     * continue normally". OpenSSL's and Apache's TLS 1.2 servers send a
     * warning unrecognized_name (rfc6066#3) before their ServerHello when
     * they do not serve the name asked for, so a client offering TLS 1.2
     * takes one before the version is known too. TLS 1.3 has no warnings
     * (rfc8446#6.2: all alerts but close_notify and user_canceled are
     * errors, whatever their level). */
    if (level == TLS_ALERT_LEVEL_WARNING &&
        (c->version == TLS_VERSION_12 ||
         (c->version == 0 && !c->is_server && c->offered_min == TLS_VERSION_12))) {
        if (tls_tracing(c)) {
            tls_trace_builder tb;
            tls_trace_begin(&tb, "receive", "Alert");
            tls_trace_add(&tb, "alert", "warning %s (%u)", tls_alert_name(desc), desc);
            tls_trace_add(&tb, "meaning", "%s", "a TLS 1.2 warning: the connection goes on");
            if (tls_trace_emit(c, &tb) != 0)
                return -1;
        }
        return too_many_empty(c);
    }
    /* rfc8446#6.2: all other alerts are fatal whatever their level. */
    const char *meaning = "";
    /* A server refusing our ClientHello: say what it most likely means. */
    if (!c->is_server && c->state == ST_CLIENT_WAIT_SH) {
        int only13 = c->offered_min == TLS_VERSION_13;
        switch (desc) {
        case TLS_ALERT_PROTOCOL_VERSION:
            meaning = only13 ? ": the server does not support TLS 1.3, the only version we offer "
                               "(min_version or the ciphers leave out TLS 1.2; it may speak TLS 1.2)"
                             : ": the server supports neither TLS 1.3 nor TLS 1.2 (it speaks an older, "
                               "insecure version)";
            break;
        case TLS_ALERT_HANDSHAKE_FAILURE:
            meaning = ": the server found no cipher suite, group or signature algorithm in "
                      "common with ours";
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
    /* review32a I5: a server refusing the empty Certificate we answered
     * its CertificateRequest with. */
    if (!c->is_server && c->cert_requested && c->own == NULL &&
        (desc == TLS_ALERT_CERTIFICATE_REQUIRED || desc == TLS_ALERT_HANDSHAKE_FAILURE ||
         desc == TLS_ALERT_BAD_CERTIFICATE))
        meaning = c->cfg->n_ids == 0
                      ? ": most likely because the server asked for a client certificate, and this context "
                        "has none (give it certificate and key)"
                      : ": most likely because the server asked for a client certificate, and we sent none "
                        "(none of ours fits the signature algorithms and CA names it accepts, or "
                        "client_certificate chose none)";
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
        int retried = c->hello_retry;
        if (tls_hs_handle(c, m, TLS_HS_HEADER_LEN + body) != 0)
            return -1;
        pos += TLS_HS_HEADER_LEN + body;
        /* rfc8446#5.1: handshake messages MUST NOT span key changes. */
        if (epoch != c->rd_epoch && pos < c->hs_in.len)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "handshake data continues in the record that ended a key epoch");
        /* rfc8446#5.1: a ServerHello, which a HelloRetryRequest is, ends its
         * record; what follows was written before the server could see
         * the second ClientHello. No key changes, so the check above
         * does not see it. */
        if (!c->is_server && !retried && c->hello_retry && pos < c->hs_in.len)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "handshake data continues in the record of the HelloRetryRequest "
                            "(RFC 8446 5.1: it must end its record)");
        if (c->status & TLS_STATUS_FAILED)
            return -1;
    }
    tls_buf_consume(&c->hs_in, pos);
    tls_buf_release_if_empty(&c->hs_in);
    return 0;
}

static int handle_ccs(tls_conn *c, const uint8_t *data, size_t len)
{
    if (len != 1 || data[0] != 0x01)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "change_cipher_spec record with wrong contents");
    /* rfc5246#7.1: in TLS 1.2 it is a message of the handshake, which
     * switches the peer's direction to the new keys. */
    if (c->ccs_expected)
        return tls_hs_change_cipher_spec(c);
    /* rfc8446#5: a change_cipher_spec of the single byte 0x01 received between
     * the first ClientHello and the peer's Finished is dropped; any other
     * value, or one outside that window, is unexpected_message. The
     * handshake layer opens the window. */
    if (!c->ccs_ignorable || (c->status & TLS_STATUS_HANDSHAKE_DONE))
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "change_cipher_spec record outside the handshake");
    /* Each one dropped, as many as the peer sends ("MUST simply drop it",
     * as OpenSSL does); in a row they count as records without content. */
    c->ccs_records++;
    return too_many_empty(c);
}

/* *keep: the record is application data to hand to the application. */
static int handle_content(tls_conn *c, uint8_t type, const uint8_t *data, size_t len, int *keep)
{
    *keep = 0;
    switch (type) {
    case TLS_CT_HANDSHAKE:
        c->empty_records = 0;
        return handle_handshake(c, data, len);
    case TLS_CT_ALERT:
        /* rfc8446#5.1 forbids it; rfc5246#6.2.1 lets TLS 1.2 interleave:
         * a warning leaves the partial message to be completed, a fatal
         * alert is the peer's error. */
        if (c->hs_in.len > 0 && c->version != TLS_VERSION_12)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "alert record inside a fragmented handshake message");
        return handle_alert(c, data, len);
    case TLS_CT_APPLICATION_DATA:
        /* rfc8446#4.2.10: 0-RTT data we accepted, kept apart from 1-RTT data. */
        if (c->state == ST_SERVER_WAIT_EOED) {
            if (len == 0)
                return too_many_empty(c);
            c->empty_records = 0;
            return tls13_early_server_data(c, data, len);
        }
        if (!(c->status & TLS_STATUS_HANDSHAKE_DONE))
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "application data before the handshake finished");
        /* rfc8446#5.1: handshake messages MUST NOT be interleaved with
         * other record types; rfc5246#6.2.1 lets TLS 1.2 interleave them
         * (a renegotiating ClientHello in pieces between data records: the
         * data is delivered, the message refused once whole). */
        if (c->hs_in.len > 0 && c->version != TLS_VERSION_12)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "application data inside a fragmented handshake message");
        /* review40d F1: rfc8446#5.4 allows empty records for "plausibly
         * sized cover traffic" (rfc5246#6.2.1: "a traffic analysis
         * countermeasure"), which an idle connection may carry for
         * hours. Each one is read at the cost of its bytes, as a 1-byte
         * data record is, so they are not counted with the records that
         * make no progress (nor do they reset that count). */
        if (len == 0)
            return 0;
        /* Post-handshake messages are counted between data records
         * (empty ones do not count: a peer could alternate them). */
        c->empty_records = 0;
        c->key_updates_in_row = 0;
        c->tickets_in_row = 0;
        *keep = 1;
        return 0;
    case TLS_CT_CHANGE_CIPHER_SPEC:
        return handle_ccs(c, data, len);
    default:
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected content type %u", type);
    }
}

static int process_from(tls_conn *c, const uint8_t *base, size_t avail, size_t *used)
{
    size_t pos = 0;
    int rc = 0;
    while (!(c->status & (TLS_STATUS_FAILED | TLS_STATUS_PEER_CLOSED))) {
        /* Back-pressure: a peer cannot make us decrypt without bound while
         * the application is not reading. */
        if (tls_conn_unread(c) >= TLS_APP_IN_HIGH_WATER)
            break;
        /* Nothing left (base may then be NULL: an empty buffer). */
        if (pos == avail)
            break;
        tls_record_in rec;
        size_t n = 0;
        int got = tls_record_next(c, base + pos, avail - pos, &n, &rec);
        pos += n;
        if (got <= 0) {
            rc = got;
            break;
        }
        int keep = 0;
        rc = handle_content(c, rec.type, rec.data, rec.len, &keep);
        tls_record_release(c, &rec, rc == 0 && keep);
        if (rc != 0)
            break;
    }
    /* rfc8446#6.1: data received after a closure alert is ignored. */
    if (c->status & TLS_STATUS_PEER_CLOSED)
        pos = avail;
    *used = pos;
    return rc;
}

int tls_engine_process(tls_conn *c)
{
    size_t used;
    size_t off = c->in_off;
    /* Whatever runs this (a read freeing held-back records, a feed) may
     * move or free the buffer: a room given before no longer exists, and
     * a commit into it fails rather than counting bytes never stored. */
    c->in_room = 0;
    /* An empty buffer has no storage: NULL plus 0 is undefined in C. */
    int rc = process_from(c, c->in.data != NULL ? c->in.data + off : NULL, c->in.len - off, &used);
    off += used;
    if (off == c->in.len) {
        c->in.len = 0;
        off = 0;
        tls_buf_release_if_empty(&c->in);
    } else if (off > TLS_INPUT_MAX) {
        /* Bytes fed in one go past what the offset is for. */
        tls_buf_drop(&c->in, off);
        off = 0;
    }
    c->in_off = (uint32_t)off;
    return rc;
}

int tls_engine_process_direct(tls_conn *c, const uint8_t *data, size_t len, size_t *used)
{
    return process_from(c, data, len, used);
}
