/* The handshake-message decoder: a real pair is driven until one side
 * waits for a given message, then the input is handed to tls_hs_handle as
 * one whole handshake message.
 *
 * Input: byte 0 picks the state (bits 7 and 6, then the low nibble, a
 * number taken modulo the number of states, see enum fuzz_hs_state and
 * FUZZ_HS_STATE_OF) and the suite
 * (bits 4-5: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, or all offered;
 * the ECDHE_ECDSA suites of these in the TLS 1.2 states); byte 1 is the message
 * type; the rest is the body (the 3-byte length is filled in, as the
 * record layer guarantees it). The input takes the place of the real
 * message the peer has ready: that record is dropped (and the target's read
 * sequence number moved past it), so that when the input is accepted, the
 * handshake goes on with the real peer's following records.
 *
 * Once driven, the target batches as a library user's connection does
 * (record_per_message clear; fuzz_hs_handle hands the message over in one
 * batch, as tls_conn_feed would): what it answers shares records, which
 * its real peer reads in the pumps after. */
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

/* Removes the first record other than change_cipher_spec from the peer's
 * output, with the change_cipher_spec records before it (they belong to
 * the flight being replaced: left alone, one arriving after the target's
 * Finished would be out of place); returns the removed record's content
 * type, or 0 if there was none. */
static uint8_t drop_next_record(tls_conn *peer)
{
    tls_buf *out = &peer->out;
    size_t off = 0, n;
    if (out->len == 0)
        return 0;
    while ((n = fuzz_record_len(out->data + off, out->len - off)) > 0 &&
           out->data[off] == TLS_CT_CHANGE_CIPHER_SPEC)
        off += n;
    if (n == 0)
        return 0;
    uint8_t type = out->data[off];
    memmove(out->data, out->data + off + n, out->len - off - n);
    out->len -= off + n;
    return type;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size - 2 > TLS_MAX_HANDSHAKE_MESSAGE)
        return 0;
    fuzz_rng_reset();
    enum fuzz_hs_state state = (enum fuzz_hs_state)FUZZ_HS_STATE_OF(data[0]);
    int suite = ((data[0] >> 4) & 3) == 3 ? -1 : (data[0] >> 4) & 3;
    fuzz_pair pair;
    if (fuzz_hs_drive(&pair, state, suite) != 0)
        abort(); /* the set-up itself is broken: that is a finding too */
    /* From here on the target batches as a library user's connection
     * does (fuzz_hs_drive needs a record per message only to stop between
     * the messages of a flight): what it writes for the input, and its
     * flights after it, share records, which its real peer must read. */
    pair.target->record_per_message = 0;
    size_t body = size - 2;
    uint8_t *msg = malloc(TLS_HS_HEADER_LEN + body);
    if (msg == NULL)
        abort();
    msg[0] = data[1];
    msg[1] = (uint8_t)(body >> 16);
    msg[2] = (uint8_t)(body >> 8);
    msg[3] = (uint8_t)body;
    memcpy(msg + TLS_HS_HEADER_LEN, data + 2, body);
    if (drop_next_record(pair.peer) == TLS_CT_APPLICATION_DATA && pair.target->rd_protected)
        pair.target->rd.seq++;
    int rc = fuzz_hs_handle(pair.target, msg, TLS_HS_HEADER_LEN + body);
    free(msg);
    if (rc != 0)
        fuzz_note_rejected("target", pair.target);
    if (rc == 0) {
        for (int i = 0; i < 3; i++) {
            fuzz_pump(pair.target, pair.peer);
            fuzz_pump(pair.peer, pair.target);
        }
        fuzz_note("target", pair.target);
        fuzz_note("peer", pair.peer);
        fuzz_after_feed(pair.target);
        fuzz_pump(pair.target, pair.peer);
        fuzz_after_feed(pair.peer);
    }
    fuzz_pair_free(&pair);
    return 0;
}
