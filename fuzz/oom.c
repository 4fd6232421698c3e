/* Allocation failure harness: every allocation a handshake makes is made to
 * fail in turn, and the engine must come through each one without a crash,
 * a leak, corrupted data or a connection left neither working nor failed.
 *
 *   oom [ours|all] [SCENARIO]
 *
 * "ours" fails only the engine's own allocations (malloc, calloc and
 * realloc in csrc/, through the linker's --wrap, and OPENSSL_malloc and
 * friends called from csrc/); "all" fails libcrypto's allocations too, made
 * inside our calls into it, which tests that every error libcrypto returns
 * is handled. Built with AddressSanitizer and UBSan as
 * build-fuzz/replay/oom (make fuzz-replay; spec/oom_spec.lua runs it): a
 * leak on any path shows in LeakSanitizer's report at exit.
 *
 * A run with nothing failed comes first and must complete the scenario (a
 * harness that no longer reaches the end would test nothing); then run k
 * fails the k-th allocation, until a run ends before its k-th allocation.
 * The fixed random streams of fuzz_common.c keep the sequence of
 * allocations the same from run to run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "fuzz_common.h"
#include "harness.h"

/* ---- Failing the k-th allocation ------------------------------------------ */

static int fail_libcrypto;   /* "all": libcrypto's own allocations count too */
static int armed;            /* counting (and failing) only inside a scenario */
static unsigned long seen;   /* allocations counted in this run */
static unsigned long fail_at;/* the one to fail (0: none) */
static unsigned long failed_count;

static int should_fail(void)
{
    if (!armed)
        return 0;
    seen++;
    if (seen == fail_at) {
        failed_count++;
        return 1;
    }
    return 0;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n) { return should_fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t k, size_t n) { return should_fail() ? NULL : __real_calloc(k, n); }
void *__wrap_realloc(void *p, size_t n) { return should_fail() ? NULL : __real_realloc(p, n); }

/* libcrypto's allocator: OPENSSL_malloc from csrc/ always counts, libcrypto's
 * own only in "all" mode. */
static int counts(const char *file) { return fail_libcrypto || (file != NULL && strstr(file, "csrc/") != NULL); }

static void *crypto_malloc(size_t n, const char *file, int line)
{
    (void)line;
    return counts(file) && should_fail() ? NULL : __real_malloc(n);
}

static void *crypto_realloc(void *p, size_t n, const char *file, int line)
{
    (void)line;
    return counts(file) && should_fail() ? NULL : __real_realloc(p, n);
}

static void crypto_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

/* ---- Scenarios ------------------------------------------------------------ */

typedef struct scenario {
    const char *name;
    tls_config *(*client)(void);
    tls_config *(*server)(void);
    int session; /* enum fuzz_session to offer, or -1 */
    int new_text; /* the client's configuration has not seen the session's text yet */
    int refused;  /* the client asks for a name the server's certificate lacks: the handshake fails */
    int check_hello; /* no handshake: the client config's trial ClientHello (tls_config_check_hello) */
} scenario;

static tls_config *client13_full(void) { return fuzz_client_full_config(-1); }
static tls_config *client13(void) { return fuzz_client_config(-1); }
static tls_config *client12_full(void) { return fuzz_client_full_config12(-1); }
static tls_config *client12_chacha(void) { return fuzz_client_full_config12(2); }
static tls_config *client_resume13(void) { return fuzz_session_client_config(FUZZ_SESSION_13); }
static tls_config *client_early13(void) { return fuzz_session_client_config(FUZZ_SESSION_13_EARLY); }
static tls_config *client_resume12(void) { return fuzz_session_client_config(FUZZ_SESSION_12); }
static tls_config *server_rsa(void) { return fuzz_server_config(FUZZ_KEY_RSA); }
static tls_config *server_ed25519(void) { return fuzz_server_config(FUZZ_KEY_ED25519); }
static tls_config *server_ec(void) { return fuzz_server_config(FUZZ_KEY_EC); }

static const scenario scenarios[] = {
    /* mutual TLS, ALPN, a stapled OCSP response, tickets */
    { "tls13_full", client13_full, fuzz_server_full_config, -1, 0, 0, 0 },
    { "tls13_hrr", client13, fuzz_server_hrr_config, -1, 0, 0, 0 },
    { "tls13_rsa", client13, server_rsa, -1, 0, 0, 0 },
    { "tls13_ed25519", client13, server_ed25519, -1, 0, 0, 0 },
    { "tls13_resume", client_resume13, fuzz_server_full_config, FUZZ_SESSION_13, 0, 0, 0 },
    /* the session's text parsed, not taken from the configuration's memo */
    { "tls13_resume_new_text", client_resume13, fuzz_server_full_config, FUZZ_SESSION_13, 1, 0, 0 },
    { "tls13_early_data", client_early13, fuzz_server_full_config, FUZZ_SESSION_13_EARLY, 0, 0, 0 },
    { "tls12_full", client12_full, fuzz_server_full_config, -1, 0, 0, 0 },
    { "tls12_chacha20", client12_chacha, fuzz_server_full_config, -1, 0, 0, 0 },
    { "tls12_resume_ticket", client_resume12, fuzz_server_full_config, FUZZ_SESSION_12, 0, 0, 0 },
    { "tls12_resume_new_text", client_resume12, fuzz_server_full_config, FUZZ_SESSION_12, 1, 0, 0 },
    /* A failure with no allocation failed before it: a connection's reason
     * is allocated at its first failure, so here that allocation is among
     * those failed in turn, and the reason must still be there (review41h). */
    { "tls13_refused", client13, server_ec, -1, 0, 1, 0 },
    /* The trial ClientHello tls.context builds for a client with alpn
     * (review41b): a connection made and freed inside one call, whose
     * reason block (review41h) must go with it on every path. */
    { "check_hello", client13_full, server_ec, -1, 0, 0, 1 },
};
#define N_SCENARIOS (sizeof scenarios / sizeof scenarios[0])

static void problem(const scenario *s, unsigned long k, const char *what)
{
    harness_problem("oom: %s, allocation %lu failed: %s", s->name, k, what);
}

/* Appends data to got (at most size - 1 bytes in all). */
static void append(char *got, size_t size, const uint8_t *data, size_t n)
{
    size_t used = strlen(got);
    size_t room = size - 1 - used;
    size_t take = n < room ? n : room;
    memcpy(got + used, data, take);
    got[used + take] = '\0';
}

/* Appends what c has decrypted, 0-RTT data first, to got. */
static void take(tls_conn *c, char *got, size_t size)
{
    const uint8_t *data;
    size_t n;
    while ((n = tls_conn_early_data(c, &data)) > 0) {
        append(got, size, data, n);
        tls_conn_early_data_done(c, n);
    }
    while ((n = tls_conn_app_data(c, &data)) > 0) {
        append(got, size, data, n);
        tls_conn_app_data_done(c, n);
    }
}

static void exchange(tls_conn *a, tls_conn *b, char *got_a, char *got_b, size_t size)
{
    for (int round = 0; round < 12; round++) {
        int moved = harness_move(a, b) | harness_move(b, a);
        take(a, got_a, size);
        take(b, got_b, size);
        if (!moved)
            break;
    }
}

/* A connection that failed must say why. */
static void check_failure(const scenario *s, unsigned long k, const tls_conn *c, const char *role)
{
    if (!harness_is(c, TLS_STATUS_FAILED))
        return;
    const tls_error *e = tls_conn_error(c);
    if (e == NULL || !e->set || e->reason[0] == '\0') {
        char what[128];
        snprintf(what, sizeof what, "the %s failed without a reason", role);
        problem(s, k, what);
    }
}

/* One run; returns the allocations it counted. */
static unsigned long run(const scenario *s, unsigned long k)
{
    static const char early[] = "GET /early HTTP/1.0\r\n\r\n";
    char got_client[256] = "", got_server[256] = "", why[256];
    tls_config *ccfg = s->client(), *scfg = s->server();
    if (s->new_text)
        tls_session_memo_clear(ccfg);
    fuzz_rng_reset();
    seen = 0;
    fail_at = k;
    armed = 1;

    tls_conn *client = NULL, *server = NULL;
    if (s->check_hello) {
        TLS_ERROR_LOCAL(err);
        tls_error_clear(&err);
        int rc = tls_config_check_hello(ccfg, &err);
        if (k == 0 && rc != 0)
            problem(s, k, "with no allocation failed, the trial ClientHello was not built");
        if (rc != 0 && (!err.set || err.reason[0] == '\0'))
            problem(s, k, "the trial ClientHello failed without a reason");
        if (rc == 0 && err.set)
            problem(s, k, "the trial ClientHello was built and an error recorded");
        /* The list fits: a failure here is for memory, never the list's. */
        if (rc != 0 && rc != -2)
            problem(s, k, "a trial ClientHello that failed for memory blamed its settings");
        goto out;
    }
    client = tls_conn_new(ccfg);
    server = tls_conn_new(scfg);
    int offered = 0;
    if (client == NULL || server == NULL ||
        tls_conn_set_server_name(client, s->refused ? "wrong.example" : "localhost") != 0)
        goto out;
    fuzz_use_store(server);
    if (s->session >= 0) {
        const tls_buf *text = fuzz_session((enum fuzz_session)s->session);
        if (text == NULL) {
            problem(s, k, "set-up made no session to offer");
            goto out;
        }
        if (tls_conn_set_session(client, (const char *)text->data, text->len, why, sizeof why) != 0)
            goto out;
        if (s->session == FUZZ_SESSION_13_EARLY &&
            tls_conn_write_early(client, (const uint8_t *)early, sizeof early - 1, why, sizeof why) != 0)
            goto out;
        offered = 1;
    }
    if (tls_conn_start(client) != 0)
        goto out;
    exchange(client, server, got_client, got_server, sizeof got_client);

    int connected = harness_is(client, TLS_STATUS_HANDSHAKE_DONE) && harness_is(server, TLS_STATUS_HANDSHAKE_DONE) &&
                    !harness_is(client, TLS_STATUS_FAILED) && !harness_is(server, TLS_STATUS_FAILED);
    if (connected) {
        if (tls_conn_write(client, (const uint8_t *)"ping", 4) == 0 &&
            tls_conn_write(server, (const uint8_t *)"pong", 4) == 0)
            exchange(client, server, got_client, got_server, sizeof got_client);
        if (tls_conn_key_update(client, 1) == 0)
            exchange(client, server, got_client, got_server, sizeof got_client);
        tls_buf session;
        tls_buf_init(&session);
        (void)tls_conn_get_session(client, &session);
        tls_buf_free(&session);
        tls_conn_info info;
        tls_conn_get_info(client, &info);
        tls_conn_get_info(server, &info);
    }
    tls_conn_close(client);
    exchange(client, server, got_client, got_server, sizeof got_client);
    tls_conn_close(server);
    exchange(client, server, got_client, got_server, sizeof got_client);

    /* Whatever failed, what arrived is what was sent, in order. */
    const char *want_server = s->session == FUZZ_SESSION_13_EARLY ? "GET /early HTTP/1.0\r\n\r\nping" : "ping";
    if (strncmp(got_server, want_server, strlen(got_server)) != 0 &&
        strncmp(got_server, "ping", strlen(got_server)) != 0)
        problem(s, k, "the server received data that was not sent");
    if (strncmp(got_client, "pong", strlen(got_client)) != 0)
        problem(s, k, "the client received data that was not sent");
    if (k == 0 && s->refused) {
        if (!harness_is(client, TLS_STATUS_FAILED) || !harness_is(server, TLS_STATUS_FAILED))
            problem(s, k, "with no allocation failed, the refused handshake did not fail on both sides");
    } else if (k == 0) {
        if (strcmp(got_client, "pong") != 0 || strcmp(got_server, want_server) != 0)
            problem(s, k, "with no allocation failed, the data did not go through");
        if (offered && !client->resumed)
            problem(s, k, "with no allocation failed, the session was not resumed");
        if (s->session == FUZZ_SESSION_13_EARLY && server->early_data != 1)
            problem(s, k, "with no allocation failed, the early data was not accepted");
    }
    check_failure(s, k, client, "client");
    check_failure(s, k, server, "server");
    /* Each side ends closed by the peer, or failed, or waiting for a peer
     * that failed (whose alert could not be written without memory). */
    int client_ok = harness_is(client, TLS_STATUS_FAILED) || harness_is(client, TLS_STATUS_PEER_CLOSED) ||
                    harness_is(server, TLS_STATUS_FAILED);
    int server_ok = harness_is(server, TLS_STATUS_FAILED) || harness_is(server, TLS_STATUS_PEER_CLOSED) ||
                    harness_is(client, TLS_STATUS_FAILED);
    if (!client_ok || !server_ok)
        problem(s, k, "a side ended neither closed by its peer nor failed, with a peer that did not fail");
out:
    armed = 0;
    tls_conn_free(client);
    tls_conn_free(server);
    return seen;
}

static void run_scenario(const scenario *s)
{
    unsigned long total = run(s, 0);
    run(s, 0); /* caches that fill on first use are full from here on */
    total = run(s, 0);
    unsigned long k;
    for (k = 1;; k++) {
        unsigned long before = failed_count;
        run(s, k);
        if (failed_count == before)
            break;
    }
    printf("oom: %-22s %5lu allocations, each failed in turn (%lu runs)\n", s->name, total, k - 1);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "ours";
    const char *only = argc > 2 ? argv[2] : NULL;
    if (strcmp(mode, "ours") != 0 && strcmp(mode, "all") != 0) {
        fprintf(stderr, "usage: oom [ours|all] [SCENARIO]\n");
        return 2;
    }
    if (!CRYPTO_set_mem_functions(crypto_malloc, crypto_realloc, crypto_free)) {
        fprintf(stderr, "oom: CRYPTO_set_mem_functions failed\n");
        return 1;
    }
    fuzz_setup();
    fail_libcrypto = strcmp(mode, "all") == 0;
    int ran = 0;
    for (size_t i = 0; i < N_SCENARIOS; i++) {
        if (only != NULL && strcmp(only, scenarios[i].name) != 0)
            continue;
        run_scenario(&scenarios[i]);
        ran++;
    }
    fuzz_teardown();
    if (ran == 0) {
        fprintf(stderr, "oom: no scenario named %s\n", only);
        return 2;
    }
    printf("oom: %s: %d problem(s)\n", mode, harness_problems);
    return harness_problems ? 1 : 0;
}
