/* A client engine, after its ClientHello, fed arbitrary bytes as the
 * server's flight. The client is fuzz_client_full_config: it answers a
 * CertificateRequest with a certificate, offers ALPN and asks for OCSP
 * (TLS 1.3 leaf entry or TLS 1.2 CertificateStatus). The seeds are real server flights (our server and
 * `openssl s_server`) answering this very ClientHello: the client's random
 * stream is the same at record time and here, so they replay through
 * Finished and the NewSessionTickets after it.
 *
 * Resumption: an input whose first byte is 1 to FUZZ_N_SESSIONS (no record
 * starts so) is a flight answering a client that offers set-up's session
 * of that number less one (enum fuzz_session: a TLS 1.3 ticket, a TLS 1.2
 * ticket or session id, the TLS 1.3 ticket with early data); the rest is
 * the flight. The seeds of these are our server resuming.
 *
 * Record batching: a first byte FUZZ_BATCH_BYTE + k runs the client with
 * a flight's messages in shared records, as a library user's, against a
 * real server of ours (pair k, fuzz_common.h: k = 1..4 offer the same
 * sessions as the first bytes 1..4, k = 6 meets a HelloRetryRequest), from
 * its first flight (the ClientHello) on; the rest is the flight. When it
 * begins with that server's real answer, the server must read what the
 * client wrote. The seeds batched_* are these pairs' own conversations. */
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
        fuzz_batch_run(0, data[0] - FUZZ_BATCH_BYTE, data + 1, size - 1);
        return 0;
    }
    int which = -1;
    if (size > 0 && data[0] >= 1 && data[0] <= FUZZ_N_SESSIONS) {
        which = data[0] - 1;
        data++;
        size--;
    }
    tls_conn *client = fuzz_conn_new(which < 0 ? fuzz_client_full_config(-1)
                                               : fuzz_session_client_config((enum fuzz_session)which));
    if (which >= 0)
        fuzz_offer_session(client, (enum fuzz_session)which);
    if (fuzz_start(client) == 0) {
        const uint8_t *hello;
        tls_conn_output_done(client, tls_conn_output(client, &hello));
        size_t half = size / 2;
        if (fuzz_feed(client, data, half) == 0)
            fuzz_feed(client, data + half, size - half);
    }
    fuzz_note("client", client);
    fuzz_after_feed(client);
    tls_conn_free(client);
    return 0;
}
