/* A server engine fed arbitrary bytes as a client's flight (ClientHello,
 * change_cipher_spec, the client's Certificate and CertificateVerify,
 * Finished, application data, alerts, ...). The server is
 * fuzz_server_full_config: two certificate pairs, a CertificateRequest
 * (optional), ALPN and a stapled OCSP response. The seeds are real client
 * flights recorded with the same random streams, so the unmutated ones
 * complete the handshake.
 *
 * Record batching: a first byte FUZZ_BATCH_BYTE + k (no record starts so)
 * runs the server with a flight's messages in shared records, as a
 * library user's, against a real client of ours (pair k, fuzz_common.h:
 * which server configuration, which client, which session it offers; k =
 * 6 sends a HelloRetryRequest); the rest is the client's flight. When it begins with that client's real
 * ClientHello, the client must read what the server wrote. The seeds
 * batched_* are these pairs' own conversations. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_rng_reset();
    if (size > 0 && data[0] >= FUZZ_BATCH_BYTE && data[0] < FUZZ_BATCH_BYTE + FUZZ_N_BATCH_PAIRS) {
        fuzz_batch_run(1, data[0] - FUZZ_BATCH_BYTE, data + 1, size - 1);
        return 0;
    }
    tls_conn *server = fuzz_conn_new(fuzz_server_full_config());
    /* Two feeds: records split across reads must give the same result. */
    size_t half = size / 2;
    if (fuzz_feed(server, data, half) == 0)
        fuzz_feed(server, data + half, size - half);
    fuzz_note("server", server);
    fuzz_after_feed(server);
    tls_conn_free(server);
    return 0;
}
