/* A record whose sealing fails midway must not go out: the header and room
 * for the body are placed in the output buffer before the cipher runs
 * (tls_protect_seal takes them back). The only failure a test can bring
 * about at will is the one rfc8446#5.3 and rfc5246#6.1 require, the write
 * sequence number running out, reached here by setting it near 2^64 - 1
 * in the connection itself: the engine has no such setting, and this
 * program (built beside the fuzz replay programs, spec/review41f_spec.lua)
 * is the only one that reaches inside.
 *
 *   seal_fail
 *
 * For each TLS 1.3 suite and the TLS 1.2 AES-GCM (explicit nonce) and
 * ChaCha20 ones, on a connected pair:
 * - write: three records' worth of data with two sequence numbers left:
 *   the write fails with the reason, and the output holds exactly the two
 *   records sealed before, whole, which the peer opens (no bad_record_mac)
 *   to the first two records' worth of the data; the data's marker never
 *   appears in the clear. In TLS 1.3 the engine updates its key first,
 *   and it is the KeyUpdate whose seal fails.
 * - close: the close_notify with no sequence number left: nothing goes out.
 * Prints one line per case and "seal_fail: N problem(s)"; exits 1 if any. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "harness.h"

static void problem(const char *name, const char *what) { harness_problem("seal_fail: %s: %s", name, what); }

static void drain(tls_conn *c)
{
    const uint8_t *data;
    size_t n;
    while ((n = tls_conn_app_data(c, &data)) > 0)
        tls_conn_app_data_done(c, n);
}

/* A connected pair: 0, or -1 (with a problem noted) if the handshake failed. */
static int connect_pair(const char *name, tls_config *ccfg, tls_conn **client, tls_conn **server)
{
    fuzz_rng_reset();
    *client = tls_conn_new(ccfg);
    *server = tls_conn_new(fuzz_server_config(FUZZ_KEY_EC));
    if (*client == NULL || *server == NULL || tls_conn_set_server_name(*client, "localhost") != 0
        || tls_conn_start(*client) != 0) {
        problem(name, "could not start a connection");
        return -1;
    }
    for (int round = 0; round < 12 && (harness_move(*client, *server) | harness_move(*server, *client)); round++) {
        drain(*client);
        drain(*server);
    }
    if (!harness_is(*client, TLS_STATUS_HANDSHAKE_DONE) || !harness_is(*server, TLS_STATUS_HANDSHAKE_DONE)
        || harness_is(*client, TLS_STATUS_FAILED) || harness_is(*server, TLS_STATUS_FAILED)) {
        problem(name, "the handshake did not complete");
        return -1;
    }
    return 0;
}

static const char MARKER[] = "PLAINTEXT-MARKER-";

static int contains(const uint8_t *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, s, k) == 0)
            return 1;
    return 0;
}

/* Counts the whole records in p[0..n); -1 if anything is left over. */
static int whole_records(const uint8_t *p, size_t n)
{
    int count = 0;
    size_t len;
    while (n > 0) {
        if ((len = fuzz_record_len(p, n)) == 0)
            return -1;
        p += len;
        n -= len;
        count++;
    }
    return count;
}

static void write_case(const char *name, tls_config *ccfg)
{
    tls_conn *client = NULL, *server = NULL;
    uint8_t *data = NULL;
    if (connect_pair(name, ccfg, &client, &server) != 0)
        goto out;
    size_t limit = client->send_limit, len = 3 * limit;
    data = malloc(len);
    if (data == NULL) {
        problem(name, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)MARKER[i % (sizeof MARKER - 1)];
    /* Two sequence numbers left in each direction of client to server, and
     * no key update before them (TLS 1.3 would otherwise rekey at once). */
    client->wr.seq = UINT64_MAX - 2;
    server->rd.seq = UINT64_MAX - 2;
    client->key_update_after = UINT64_MAX;

    if (tls_conn_write(client, data, len) == 0)
        problem(name, "a write past the last sequence number succeeded");
    const tls_error *e = tls_conn_error(client);
    if (!harness_is(client, TLS_STATUS_FAILED) || e == NULL || !e->set
        || strstr(e->reason, "sequence number exhausted") == NULL)
        problem(name, "the connection did not fail with the reason");

    const uint8_t *out;
    size_t n = tls_conn_output(client, &out);
    int records = whole_records(out, n);
    if (records != 2) {
        char what[160];
        snprintf(what, sizeof what, "%zu bytes out: %d whole records (-1: a partial one), not the 2 sealed", n,
                 records);
        problem(name, what);
    }
    if (contains(out, n, MARKER))
        problem(name, "the data went out in the clear");
    (void)tls_conn_feed(server, out, n);
    tls_conn_output_done(client, n);
    if (harness_is(server, TLS_STATUS_FAILED)) {
        e = tls_conn_error(server);
        char what[TLS_REASON_MAX + 64];
        snprintf(what, sizeof what, "the peer failed on what went out: %s", e && e->set ? e->reason : "?");
        problem(name, what);
    }
    const uint8_t *got;
    size_t got_n = tls_conn_app_data(server, &got);
    if (got_n != 2 * limit || memcmp(got, data, got_n) != 0)
        problem(name, "the peer did not get exactly the data of the two records sealed");
    printf("seal_fail: %-28s write: %zu bytes out, %d records\n", name, n, records);
out:
    free(data);
    tls_conn_free(client);
    tls_conn_free(server);
}

static void close_case(const char *name, tls_config *ccfg)
{
    tls_conn *client = NULL, *server = NULL;
    if (connect_pair(name, ccfg, &client, &server) != 0)
        goto out;
    client->wr.seq = UINT64_MAX;
    tls_conn_close(client);
    const uint8_t *out;
    size_t n = tls_conn_output(client, &out);
    if (n != 0) {
        char what[96];
        snprintf(what, sizeof what, "%zu bytes went out after a close_notify that could not be sealed", n);
        problem(name, what);
    }
    if (!harness_is(client, TLS_STATUS_FAILED))
        problem(name, "a close whose close_notify could not be sealed did not fail the connection");
    printf("seal_fail: %-28s close: %zu bytes out\n", name, n);
out:
    tls_conn_free(client);
    tls_conn_free(server);
}

int main(void)
{
    fuzz_setup();
    static const struct {
        const char *name;
        int tls12;
        int suite;
    } cases[] = {
        { "tls13_aes128gcm", 0, 0 }, { "tls13_aes256gcm", 0, 1 }, { "tls13_chacha20", 0, 2 },
        { "tls12_aes128gcm", 1, 0 }, { "tls12_chacha20", 1, 2 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tls_config *ccfg = cases[i].tls12 ? fuzz_client_config12(cases[i].suite) : fuzz_client_config(cases[i].suite);
        write_case(cases[i].name, ccfg);
        close_case(cases[i].name, ccfg);
    }
    fuzz_teardown();
    printf("seal_fail: %d problem(s)\n", harness_problems);
    return harness_problems ? 1 : 0;
}
