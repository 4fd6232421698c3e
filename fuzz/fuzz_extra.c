/* Configurations the other targets never enable (fuzz_common.h,
 * fuzz_extra_setup): TLS 1.2 RSA key transport, record_size_limit on
 * both sides, PSK resumption through a HelloRetryRequest, a client
 * certificate required. Byte 0 picks the connection under test: bit 0
 * the role (1: the server, fuzz_extra_server_config; 0: pair k's
 * client, its ClientHello sent and dropped), bits 1 and up the pair k
 * (modulo FUZZ_N_EXTRA). The rest is the peer's flights. The seeds are
 * each pair's own conversation (fuzz/record_seeds.c), so the unmutated
 * ones complete the handshake, resumed where the pair resumes. */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    fuzz_extra_setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_rng_reset();
    if (size == 0)
        return 0;
    int is_server = data[0] & 1, k = (data[0] >> 1) % FUZZ_N_EXTRA;
    const char *role = is_server ? "server" : "client";
    data++;
    size--;
    tls_conn *c = is_server ? fuzz_conn_new(fuzz_extra_server_config()) : fuzz_extra_client(k);
    if (c == NULL) {
        fuzz_note_text("%s: no session to offer", role);
        return 0;
    }
    int started = 1;
    if (!is_server) {
        started = fuzz_start(c) == 0;
        const uint8_t *hello;
        tls_conn_output_done(c, tls_conn_output(c, &hello));
    }
    /* Two feeds: records split across reads must give the same result. */
    size_t half = size / 2;
    if (started && fuzz_feed(c, data, half) == 0)
        fuzz_feed(c, data + half, size - half);
    fuzz_note(role, c);
    fuzz_after_feed(c);
    tls_conn_free(c);
    return 0;
}
