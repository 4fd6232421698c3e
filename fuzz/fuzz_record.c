/* The record layer's decryption path, with valid keys: a real pair is
 * connected, then records made from the input are fed to one side.
 *
 * Input: byte 0 picks the direction (bit 0: 0 = client to server, 1 =
 * server to client), the suite (bits 1-2: AES-128-GCM, AES-256-GCM,
 * ChaCha20-Poly1305, or all offered) and the version (bit 3 set: TLS 1.2
 * with ECDHE_ECDSA, where the last byte of a sealed chunk is the content
 * type that goes in the record header). Then chunks, each
 *   flag (1 byte) | length (2 bytes, big-endian) | bytes
 * (a short last chunk takes what is left). Flag bit 0 clear: the bytes are
 * a TLSInnerPlaintext (content, content type, zero padding) sealed with
 * the sender's real write key into one record; set: the bytes are fed raw,
 * as ciphertext records. Flag bits 1-3: the chunk is fed 1 + that many
 * times (so that an input of libFuzzer's size can pass the receiver's
 * 64 KiB high-water mark of unread application data).
 *
 * When the receiver takes a KeyUpdate, the sender moves to its next write
 * key as a real peer would, so records after it still decrypt.
 *
 * Byte 0 bit 4 set: the receiver runs with record batching, as a library
 * user's connection (fuzz_conn_new gives a record per handshake message):
 * its KeyUpdate answers are batched, then flushed before its new write
 * key. Once the input is fed, the sender reads everything the receiver
 * wrote and must make sense of it (fuzz_check_peer_read, fuzz_common.h):
 * the receiver's alert as the last word, else no failure. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

/* One record protected as the sender's record layer would, whatever the
 * inner bytes; keeps the sender's sequence number in step. */
static void feed_sealed12(tls_conn *sender, tls_conn *receiver, const uint8_t *inner, size_t len)
{
    size_t overhead = tls12_aead_overhead(sender->wr.suite);
    uint8_t type = len > 0 ? inner[len - 1] : TLS_CT_APPLICATION_DATA;
    len = len > 0 ? len - 1 : 0;
    if (len > 0xffff - overhead)
        len = 0xffff - overhead;
    uint8_t *rec = malloc(TLS_RECORD_HEADER_LEN + len + overhead);
    if (rec == NULL)
        abort();
    rec[0] = type;
    rec[1] = 0x03;
    rec[2] = 0x03;
    rec[3] = (uint8_t)((len + overhead) >> 8);
    rec[4] = (uint8_t)(len + overhead);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls12_aead_seal(&sender->wr, type, TLS_VERSION_12, inner, len, rec + TLS_RECORD_HEADER_LEN, &err) != 0)
        abort();
    fuzz_track_sealed(sender);
    fuzz_feed(receiver, rec, TLS_RECORD_HEADER_LEN + len + overhead);
    free(rec);
}

static void feed_sealed(tls_conn *sender, tls_conn *receiver, const uint8_t *inner, size_t len)
{
    if (sender->wr.suite->version == TLS_VERSION_12) {
        feed_sealed12(sender, receiver, inner, len);
        return;
    }
    size_t tag = sender->wr.suite->tag_len;
    if (len > 0xffff - tag)
        len = 0xffff - tag;
    uint8_t *rec = malloc(TLS_RECORD_HEADER_LEN + len + tag);
    if (rec == NULL)
        abort();
    rec[0] = TLS_CT_APPLICATION_DATA;
    rec[1] = 0x03;
    rec[2] = 0x03;
    rec[3] = (uint8_t)((len + tag) >> 8);
    rec[4] = (uint8_t)(len + tag);
    if (len > 0)
        memcpy(rec + TLS_RECORD_HEADER_LEN, inner, len);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls_aead_seal(&sender->wr, rec, TLS_RECORD_HEADER_LEN, rec + TLS_RECORD_HEADER_LEN, len,
                      rec + TLS_RECORD_HEADER_LEN + len, &err) != 0)
        abort();
    fuzz_feed(receiver, rec, TLS_RECORD_HEADER_LEN + len + tag);
    free(rec);
}

/* rfc8446#4.6.3: the sender of a KeyUpdate switches to its next
 * application traffic secret. */
static void follow_key_update(tls_conn *sender)
{
    uint8_t *own = sender->is_server ? sender->keys.server_ap : sender->keys.client_ap;
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls13_next_traffic_secret(sender->suite->md, own, &err) != 0 ||
        tls_record_set_write_key(sender, own, "next application traffic secret") != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_rng_reset();
    int to_client = data[0] & 1;
    int suite = ((data[0] >> 1) & 3) == 3 ? -1 : (data[0] >> 1) & 3;
    int tls12 = (data[0] >> 3) & 1;
    int batched = (data[0] >> 4) & 1;
    fuzz_pair pair;
    if (fuzz_pair_connect(&pair, tls12 ? fuzz_client_config12(suite) : fuzz_client_config(suite),
                          fuzz_server_config(FUZZ_KEY_EC)) != 0)
        abort(); /* the set-up itself is broken: that is a finding too */
    tls_conn *sender = to_client ? pair.server : pair.client;
    tls_conn *receiver = to_client ? pair.client : pair.server;
    if (batched)
        receiver->record_per_message = 0;
    size_t pos = 1;
    while (pos < size && !(tls_conn_status(receiver) & TLS_STATUS_FAILED)) {
        uint8_t flag = data[pos++];
        size_t len = 0;
        if (size - pos >= 2) {
            len = ((size_t)data[pos] << 8) | data[pos + 1];
            pos += 2;
        }
        if (len > size - pos)
            len = size - pos;
        for (int times = 1 + ((flag >> 1) & 7); times > 0; times--) {
            unsigned epoch = receiver->rd_epoch;
            if (flag & 1)
                fuzz_feed(receiver, data + pos, len);
            else
                feed_sealed(sender, receiver, data + pos, len);
            /* TLS 1.2 has no KeyUpdate: its epoch never moves after the handshake. */
            if (receiver->rd_epoch != epoch && !tls12)
                follow_key_update(sender);
        }
        pos += len;
    }
    fuzz_note("receiver", receiver);
    if (batched) {
        fuzz_pump(receiver, sender);
        fuzz_check_peer_read(receiver, sender);
        fuzz_note("sender", sender);
    }
    fuzz_after_feed(receiver);
    /* Whatever the receiver answered (a KeyUpdate, an alert) goes back. */
    fuzz_pump(receiver, sender);
    fuzz_after_feed(sender);
    fuzz_pair_free(&pair);
    return 0;
}
