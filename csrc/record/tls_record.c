/* The record layer: framing, header checks, protection through the
 * per-version seal/open of tls_protect.h, alerts and change_cipher_spec on
 * the way out. It hands each opened record (type and bytes) to the engine
 * and never calls up into the handshake. */
#include <string.h>

#include "engine/tls_conn_int.h"
#include "record/tls_protect.h"
#include "util/tls_names.h"

/* rfc8446#4.2.10: a server that declined the client's 0-RTT data skips its
 * records "up to the configured max_early_data_size": our max_early_data
 * (or the one the ticket the client resumes with announced, when larger),
 * plus what full records add to it (a header and at most 256 bytes of
 * expansion each, rfc8446#5.2), and never less than 64 KiB. Headers count
 * too, so that empty records cannot be skipped for free. */
static size_t early_skip_bound(const tls_conn *c)
{
    size_t max = c->pol.max_early_data;
    if (c->session != NULL && c->session->max_early_data > max)
        max = c->session->max_early_data;
    size_t per_record = TLS_RECORD_HEADER_LEN + TLS_MAX_CIPHERTEXT - TLS_MAX_PLAINTEXT;
    size_t bound = max + (max / TLS_MAX_PLAINTEXT + 1) * per_record;
    return bound > TLS_MAX_EARLY_DATA_SKIP ? bound : TLS_MAX_EARLY_DATA_SKIP;
}

static int skip_early_record(tls_conn *c, size_t len)
{
    c->early_skipped += TLS_RECORD_HEADER_LEN + len;
    return c->early_skipped <= early_skip_bound(c);
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
                    "0-RTT records were skipped; at most %zu are)",
                    skipped, early_skip_bound(c));
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
    /* rfc5246#7.1: in TLS 1.2 the client's ChangeCipherSpec says when it
     * switched, so there is nothing to guess. */
    return c->is_server && c->rd_epoch == 1 && c->rd.seq == 0 && !tls_protect_read_tls12(c);
}

/* Opens one protected record into rec: the plaintext goes to the tail of
 * app_in (so application data needs no copy), `in` only ever holds
 * ciphertext. 1: rec is ready; 0: the record was skipped (declined 0-RTT);
 * -1: failed. */
static int open_record(tls_conn *c, const uint8_t *header, const uint8_t *frag, size_t len,
                       tls_record_in *rec)
{
    /* Bytes the application has read go now, once per record, so the
     * buffer never holds more than what is unread plus this record. */
    if (c->app_in_read > 0) {
        tls_buf_drop(&c->app_in, c->app_in_read);
        c->app_in_read = 0;
    }
    size_t start = c->app_in.len;
    uint8_t *dst = tls_buf_extend(&c->app_in, len);
    if (dst == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    size_t pt_len = 0, room = 0;
    uint8_t type = 0;
    if (tls_protect_open(c, header, frag, len, dst, &type, &pt_len, &room) != 0) {
        c->app_in.len = start;
        if (c->early_skip == TLS_EARLY_SKIP_TRIAL)
            return skip_trial_record(c, len) == 0 ? 0 : -1;
        return -1;
    }
    /* rfc8446#4.2.10: "Once a record is deprotected successfully, it is
     * treated as the start of the client's second flight". */
    c->early_skip = TLS_EARLY_NONE;
    /* Only the plaintext stays in app_in, not the room the tag (and a TLS
     * 1.2 explicit nonce) took: an empty record (rfc5246#6.2.1 allows
     * empty application data) leaves nothing, not len bytes of garbage
     * that tls_record_release, with nothing opened, would not drop. */
    c->app_in.len = start + room;
    /* Until tls_record_release decides, these bytes are no data: a
     * callback run while the record is handled reads only what was
     * kept before it. */
    c->app_in_open = room;
    rec->type = type;
    rec->data = dst;
    rec->len = pt_len;
    rec->opened = room;
    return 1;
}

static int read_one(tls_conn *c, const uint8_t *header, const uint8_t *frag, size_t len,
                    tls_record_in *rec)
{
    uint8_t type = header[0];
    rec->opened = 0;
    /* rfc8446#5.1: handshake messages MUST NOT be interleaved with other
     * record types. TLS 1.2 allows it (rfc5246#6.2.1: "Data of different
     * TLS record layer content types MAY be interleaved"): an alert there
     * is taken, the partial message kept (tls_dispatch.c). */
    if (c->hs_in.len > 0 && type != TLS_CT_HANDSHAKE && !(c->rd_protected && type == TLS_CT_APPLICATION_DATA) &&
        !(type == TLS_CT_ALERT && c->version == TLS_VERSION_12))
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "%s record inside a fragmented handshake message",
                        type == TLS_CT_ALERT                ? "alert"
                        : type == TLS_CT_CHANGE_CIPHER_SPEC ? "change_cipher_spec"
                                                            : "application_data");
    /* change_cipher_spec is never protected, in either version. */
    if (type == TLS_CT_CHANGE_CIPHER_SPEC || !c->rd_protected) {
        if (!c->rd_protected && type == TLS_CT_APPLICATION_DATA) {
            /* rfc8446#4.2.10: after a HelloRetryRequest the server "ignores
             * early data by skipping all records with an external content type
             * of "application_data" (indicating that they are encrypted), up to
             * the configured max_early_data_size". */
            if (c->early_skip == TLS_EARLY_SKIP_PLAIN) {
                if (skip_early_record(c, len))
                    return 0;
                return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                                "client sent more than %zu bytes of 0-RTT records we declined",
                                early_skip_bound(c));
            }
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "encrypted record before keys were agreed");
        }
        rec->type = type;
        rec->data = frag;
        rec->len = len;
        return 1;
    }
    if (type == TLS_CT_ALERT && plaintext_alert_allowed(c)) {
        rec->type = type;
        rec->data = frag;
        rec->len = len;
        return 1;
    }
    if (type != TLS_CT_APPLICATION_DATA && !tls_protect_read_tls12(c))
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "unprotected %s after handshake keys were in use",
                        type == TLS_CT_ALERT ? "alert" : "handshake record");
    return open_record(c, header, frag, len, rec);
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
    int first = c->records_read == 0;
    /* An SSL 2.0 hello can only be the peer's first bytes; later, a type
     * with the high bit is an unknown type like any other (rfc8446#5). */
    if (first && (type & 0x80))
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
    /* rfc5246#6.2.1: a record's version is "the version of the protocol
     * being employed": once TLS 1.2 is negotiated, 0x0303 (before it, any
     * 3.x, rfc5246#E.1). In TLS 1.3 legacy_record_version "MUST be ignored
     * for all purposes" (rfc8446#5.1). */
    if (c->version == TLS_VERSION_12 && version != TLS_VERSION_12)
        return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION,
                        "record with version 0x%04x after TLS 1.2 was negotiated (must be 0x0303)", version);
    if (len > TLS_MAX_CIPHERTEXT)
        return tls_fail(&c->err, TLS_ALERT_RECORD_OVERFLOW,
                        "record of %zu bytes (at most %d allowed)", len, TLS_MAX_CIPHERTEXT);
    /* Declined 0-RTT records skipped after a HelloRetryRequest are
     * ciphertext too (rfc8446#4.2.10), though we hold no key for them. */
    int protected_record = (type == TLS_CT_APPLICATION_DATA &&
                            (c->rd_protected || c->early_skip == TLS_EARLY_SKIP_PLAIN)) ||
                           (c->rd_protected && tls_protect_read_tls12(c) && type != TLS_CT_CHANGE_CIPHER_SPEC);
    if (!protected_record && len > TLS_MAX_PLAINTEXT)
        return tls_fail(&c->err, TLS_ALERT_RECORD_OVERFLOW,
                        "plaintext record of %zu bytes (at most %d allowed)", len, TLS_MAX_PLAINTEXT);
    if (len == 0 && type != TLS_CT_APPLICATION_DATA)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "empty %s record",
                        type == TLS_CT_ALERT ? "alert" : type == TLS_CT_HANDSHAKE ? "handshake"
                                                                                    : "change_cipher_spec");
    return 0;
}

int tls_record_next(tls_conn *c, const uint8_t *base, size_t avail, size_t *used, tls_record_in *rec)
{
    size_t pos = 0;
    int rc = 0;
    while (rc == 0) {
        /* Judge a header as soon as it is whole, before its body arrives. */
        if (avail - pos < TLS_RECORD_HEADER_LEN)
            break;
        const uint8_t *h = base + pos;
        if (check_header(c, h) != 0) {
            rc = -1;
            break;
        }
        size_t len = ((size_t)h[3] << 8) | h[4];
        if (avail - pos < TLS_RECORD_HEADER_LEN + len)
            break;
        rc = read_one(c, h, h + TLS_RECORD_HEADER_LEN, len, rec);
        pos += TLS_RECORD_HEADER_LEN + len;
    }
    if (rc == 1)
        c->records_read++;
    *used = pos;
    return rc;
}

void tls_record_release(tls_conn *c, tls_record_in *rec, int keep)
{
    if (rec->opened == 0)
        return;
    uint8_t *dst = (uint8_t *)rec->data;
    size_t start = (size_t)(dst - c->app_in.data);
    if (keep) {
        /* Padding and the inner type byte (TLS 1.3) are not data. */
        OPENSSL_cleanse(dst + rec->len, rec->opened - rec->len);
        c->app_in.len = start + rec->len;
    } else {
        OPENSSL_cleanse(dst, rec->opened);
        c->app_in.len = start;
    }
    rec->opened = 0;
    c->app_in_open = 0;
}

static int write_records(tls_conn *c, uint8_t type, const uint8_t *data, size_t len)
{
    do {
        size_t n;
        if (!c->wr_protected) {
            /* rfc8449#4 exempts unprotected records from the peer's limit,
             * but GnuTLS holds TLS 1.2 ones to it (a ticket carrying a client
             * certificate, a ServerHello to ServerHelloDone): the limit,
             * once known, bounds them too. Until then send_limit is 2^14.
             * A TLS 1.3 ServerHello stays whole, as simple peers expect. */
            size_t cap = c->version == TLS_VERSION_12 ? c->send_limit : TLS_MAX_PLAINTEXT;
            n = len < cap ? len : cap;
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
            /* rfc8449#4: the peer's record_size_limit bounds protected records. */
            n = len < c->send_limit ? len : c->send_limit;
            if (tls_protect_seal(c, type, data, n) != 0)
                return -1;
        }
        data += n;
        len -= n;
    } while (len > 0);
    if (!tls_buf_ok(&c->out))
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    return 0;
}

int tls_record_flush_handshake(tls_conn *c)
{
    if (c->hs_out.len == 0)
        return 0;
    int rc = write_records(c, TLS_CT_HANDSHAKE, c->hs_out.data, c->hs_out.len);
    tls_buf_clear(&c->hs_out);
    return rc;
}

void tls_record_batch_begin(tls_conn *c) { c->hs_batching++; }

int tls_record_batch_end(tls_conn *c)
{
    if (c->hs_batching == 0 || --c->hs_batching > 0)
        return 0;
    int rc = tls_record_flush_handshake(c);
    tls_buf_free(&c->hs_out);
    return rc;
}

int tls_record_write(tls_conn *c, uint8_t type, const uint8_t *data, size_t len)
{
    if (type == TLS_CT_HANDSHAKE && c->hs_batching > 0 && !c->record_per_message) {
        tls_buf_bytes(&c->hs_out, data, len);
        return tls_buf_ok(&c->hs_out) ? 0 : tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    }
    if (tls_record_flush_handshake(c) != 0)
        return -1;
    return write_records(c, type, data, len);
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
    if (tls_record_flush_handshake(c) != 0)
        return -1;
    /* Always in the clear, even when the write direction has keys. */
    tls_buf_bytes(&c->out, h, sizeof h);
    tls_buf_bytes(&c->out, ccs, sizeof ccs);
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "ChangeCipherSpec");
        tls_trace_add(&tb, "note", "%s", c->version == TLS_VERSION_12
                                             ? "our records are protected with the new keys from now on"
                                             : "compatibility record for middleboxes (RFC 8446 D.4), ignored by the peer");
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

/* Installs secret's key and iv in a; for a handshake traffic secret of
 * c->keys, also its finished_key, from the same keyed HMAC (the Finished
 * of tls13_common.c takes it from there). */
static int install_key(tls_conn *c, tls_aead *a, const uint8_t *secret, int encrypt)
{
    tls13_keys *k = &c->keys;
    uint8_t *fk = NULL;
    int *have = NULL;
    if (secret == k->client_hs) {
        fk = k->client_finished_key;
        have = &k->have_client_finished_key;
    } else if (secret == k->server_hs) {
        fk = k->server_finished_key;
        have = &k->have_server_finished_key;
    }
    if (tls_aead_init_finished(a, c->suite, secret, encrypt, fk, &c->err) != 0)
        return -1;
    if (have != NULL)
        *have = 1;
    return 0;
}

int tls_record_set_read_key(tls_conn *c, const uint8_t *secret, const char *name)
{
    if (install_key(c, &c->rd, secret, 0) != 0)
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

static void set_key_update_threshold(tls_conn *c)
{
    /* The context's key_update_after may lower the limit (tests do), never raise it. */
    uint64_t limit = write_key_limit(c->suite), wanted = c->pol.key_update_after;
    c->key_update_after = wanted != 0 && wanted < limit ? wanted : limit;
}

int tls_record_install_write_key(tls_conn *c, const uint8_t *secret)
{
    if (tls_record_flush_handshake(c) != 0 || install_key(c, &c->wr, secret, 1) != 0)
        return -1;
    c->wr_protected = 1;
    set_key_update_threshold(c);
    return 0;
}

int tls_record_set_write_key(tls_conn *c, const uint8_t *secret, const char *name)
{
    if (tls_record_install_write_key(c, secret) != 0)
        return -1;
    return trace_key(c, "write key changed", name);
}

int tls12_record_set_keys(tls_conn *c, int write, const uint8_t *key, const uint8_t *fixed_iv,
                          const char *name)
{
    tls_aead *a = write ? &c->wr : &c->rd;
    if (write && tls_record_flush_handshake(c) != 0)
        return -1;
    if (tls_aead_init_raw(a, c->suite, key, fixed_iv, write, &c->err) != 0)
        return -1;
    if (write) {
        c->wr_protected = 1;
    } else {
        c->rd_protected = 1;
        c->rd_epoch++;
    }
    return trace_key(c, write ? "write key changed" : "read key changed", name);
}

