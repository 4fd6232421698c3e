/* See fuzz_common.h. */

/* RAND_set_rand_method is deprecated in OpenSSL 3.0 but is still the one
 * switch that makes every draw of libcrypto (RAND_bytes, and the private
 * draws of key generation and ECDSA nonces) come from our generator. Test
 * code only: the library itself never replaces the generator. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "fuzz_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "fuzz_certs.h"
#include "fuzz_ocsp.h"
#include "pki/tls_ocsp.h"
#include "pki/tls_x509.h"

/* ---- Random numbers ------------------------------------------------------ */

/* splitmix64: not cryptographic, and it must not be. Fuzzing wants the same
 * bytes every run; secrecy is irrelevant in a test process. */
static uint64_t rng_state[2];
static int rng_role = FUZZ_CLIENT;

static void store_reset(void);
static void tracks_reset(void);
static void tracks_free(void);
static void extra_teardown(void);

void fuzz_rng_reset(void)
{
    rng_state[FUZZ_CLIENT] = 0x636c69656e74ULL; /* "client" */
    rng_state[FUZZ_SERVER] = 0x736572766572ULL; /* "server" */
    rng_role = FUZZ_CLIENT;
    store_reset();
    tracks_reset();
}

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state[rng_role] += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int rng_bytes(unsigned char *out, int num)
{
    for (int i = 0; i < num; i++)
        out[i] = (unsigned char)rng_next();
    return 1;
}

static int rng_seed(const void *buf, int num)
{
    (void)buf;
    (void)num;
    return 1;
}

static int rng_add(const void *buf, int num, double entropy)
{
    (void)buf;
    (void)num;
    (void)entropy;
    return 1;
}

static int rng_status(void) { return 1; }

static const RAND_METHOD fuzz_rand_method = {
    rng_seed, rng_bytes, NULL, rng_add, rng_bytes, rng_status,
};

/* ---- The clock --------------------------------------------------------------- */

/* Ticket issue times, ages and lifetimes come from tls_config_now_ms, the
 * engine's one CLOCK_REALTIME reading. The fuzz builds link with
 * -Wl,--wrap=clock_gettime (fuzz/fuzz.mk), so that it reads a fixed
 * instant: a session made at set-up, and a ticket's obfuscated age in a
 * recorded ClientHello, are the same in every run and on every day, and a
 * seed that resumes keeps resuming. Other clocks pass through. */
int __real_clock_gettime(clockid_t id, struct timespec *ts);
int __wrap_clock_gettime(clockid_t id, struct timespec *ts);

int __wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
    if (id != CLOCK_REALTIME)
        return __real_clock_gettime(id, ts);
    ts->tv_sec = FUZZ_CLOCK_S;
    ts->tv_nsec = 0;
    return 0;
}

/* ---- The session store stub ---------------------------------------------------- */

/* The servers' session store (TLS 1.2 session ids, 0-RTT anti-replay):
 * a few slots in memory. What set-up's handshakes put there is the
 * fixture; every input starts from it again (fuzz_rng_reset), so what one
 * input puts or deletes does not change the next one. */
#define STORE_SLOTS 16
#define STORE_MAX_ID 255
typedef struct store_slot {
    uint8_t id[STORE_MAX_ID];
    size_t id_len;
    tls_buf blob;
} store_slot;

static store_slot store[STORE_SLOTS], fixture[STORE_SLOTS];
static size_t store_n, fixture_n;

static void slot_set(store_slot *s, const uint8_t *id, size_t id_len, const uint8_t *blob, size_t len)
{
    memcpy(s->id, id, id_len);
    s->id_len = id_len;
    tls_buf_clear(&s->blob);
    tls_buf_bytes(&s->blob, blob, len);
}

static void store_clear(store_slot *slots, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        tls_buf_free(&slots[i].blob);
    *n = 0;
}

static void store_reset(void)
{
    store_clear(store, &store_n);
    for (size_t i = 0; i < fixture_n; i++) {
        tls_buf_init(&store[i].blob);
        slot_set(&store[i], fixture[i].id, fixture[i].id_len, fixture[i].blob.data, fixture[i].blob.len);
    }
    store_n = fixture_n;
}

static long store_find(const uint8_t *id, size_t id_len)
{
    for (size_t i = 0; i < store_n; i++)
        if (store[i].id_len == id_len && memcmp(store[i].id, id, id_len) == 0)
            return (long)i;
    return -1;
}

static int store_get(void *ud, const uint8_t *id, size_t id_len, tls_buf *out)
{
    (void)ud;
    long i = store_find(id, id_len);
    if (i < 0)
        return 0;
    tls_buf_bytes(out, store[i].blob.data, store[i].blob.len);
    return 1;
}

static void store_put(void *ud, const uint8_t *id, size_t id_len, const uint8_t *blob, size_t len, uint32_t ttl_s)
{
    (void)ud;
    (void)ttl_s;
    if (id_len > STORE_MAX_ID)
        return;
    long i = store_find(id, id_len);
    if (i < 0 && store_n == STORE_SLOTS)
        return; /* full: a store may drop what it is given */
    if (i < 0) {
        i = (long)store_n++;
        tls_buf_init(&store[i].blob);
    }
    slot_set(&store[i], id, id_len, blob, len);
}

static int store_delete(void *ud, const uint8_t *id, size_t id_len)
{
    (void)ud;
    long i = store_find(id, id_len);
    if (i < 0)
        return 0;
    tls_buf_free(&store[i].blob);
    store[i] = store[--store_n];
    return 1;
}

static const tls_hooks store_hooks = {
    .session_get = store_get,
    .session_put = store_put,
    .session_delete = store_delete,
};

/* What the store holds now becomes the fixture. */
static void store_fix(void)
{
    store_clear(fixture, &fixture_n);
    for (size_t i = 0; i < store_n; i++) {
        tls_buf_init(&fixture[i].blob);
        slot_set(&fixture[i], store[i].id, store[i].id_len, store[i].blob.data, store[i].blob.len);
    }
    fixture_n = store_n;
}

size_t fuzz_store_count(void) { return store_n; }

/* ---- Configurations ------------------------------------------------------ */

static tls_config *server_cfg[FUZZ_N_KEYS];
static tls_config *server_hrr_cfg;
static tls_config *client_cfg_all;
static tls_config *client_cfg_suite[FUZZ_N_SUITES];
static tls_config *client12_cfg_all;
static tls_config *client12_cfg_suite[FUZZ_N_SUITES];
static tls_config *server_full_cfg;
static tls_config *client_full_cfg[1 + FUZZ_N_SUITES];   /* [0]: all suites */
static tls_config *client12_full_cfg[1 + FUZZ_N_SUITES];
static tls_config *server_ids_cfg;
static tls_config *client_early_cfg;
static tls_buf sessions[FUZZ_N_SESSIONS];
/* rfc7301#3.1: ProtocolNameList content. */
static const uint8_t alpn_list[] = { 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
static const char *const suite_names[FUZZ_N_SUITES] = {
    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
};
static const char *const suite12_names[FUZZ_N_SUITES] = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
};

static void die(const char *what, const tls_error *err)
{
    fprintf(stderr, "fuzz setup: %s: %s\n", what, err ? err->reason : "failed");
    abort();
}

static tls_config *make_server(const char *cert, const char *key)
{
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    tls_config *cfg = tls_config_new(1);
    if (cfg == NULL)
        die("tls_config_new", NULL);
    if (tls_config_set_chain(cfg, cert, strlen(cert), 0, &err) != 0 ||
        tls_config_set_key(cfg, key, strlen(key), 0, NULL, &err) != 0)
        die("server certificate", &err);
    /* One fixed ticket key for every server: a ticket made at set-up or at
     * record time opens in the target (a random key made on first use
     * would also take bytes from whichever input came first). */
    static const uint8_t ticket_key[TLS_TICKET_KEY_LEN] = "fuzz-ticket-key!0123456789abcdef0123456789abcdef";
    const uint8_t *keys[1] = { ticket_key };
    if (tls_ticket_keys_set(&cfg->ticket_keys, keys, 1, tls_config_now_ms(cfg), &err) != 0)
        die("server ticket key", &err);
    return cfg;
}

static tls_config *make_client(const char *suite)
{
    static const char *const cas[] = { fuzz_ec_cert_pem, fuzz_rsa_cert_pem, fuzz_ed25519_cert_pem };
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    tls_config *cfg = tls_config_new(0);
    if (cfg == NULL)
        die("tls_config_new", NULL);
    for (size_t i = 0; i < sizeof cas / sizeof cas[0]; i++)
        if (tls_config_load_ca_pem(cfg, cas[i], strlen(cas[i]), &err) != 0)
            die("client trust store", &err);
    if (suite != NULL && tls_config_set_suites(cfg, suite, &err) != 0)
        die("client suites", &err);
    return cfg;
}

static void add_pair(tls_config *cfg, const char *cert, const char *key)
{
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls_config_set_chain(cfg, cert, strlen(cert), 0, &err) != 0 ||
        tls_config_set_key(cfg, key, strlen(key), 0, NULL, &err) != 0)
        die("certificate pair", &err);
}

static tls_config *make_server_full(void)
{
    static const char *const cas[] = { fuzz_ec_cert_pem, fuzz_rsa_cert_pem, fuzz_ed25519_cert_pem };
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    tls_config *cfg = make_server(fuzz_ec_cert_pem, fuzz_ec_key_pem);
    add_pair(cfg, fuzz_rsa_cert_pem, fuzz_rsa_key_pem);
    for (size_t i = 0; i < sizeof cas / sizeof cas[0]; i++)
        if (tls_config_load_ca_pem(cfg, cas[i], strlen(cas[i]), &err) != 0)
            die("server client-CA store", &err);
    cfg->verify = TLS_VERIFY_PEER;
    if (tls_config_set_alpn(cfg, alpn_list, sizeof alpn_list, &err) != 0 ||
        tls_config_set_ocsp_response(cfg, (const char *)fuzz_ec_ocsp_der, sizeof fuzz_ec_ocsp_der, 0, &err) != 0)
        die("server ALPN and OCSP", &err);
    return cfg;
}

static tls_config *make_client_full(const char *suite, int tls12)
{
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    tls_config *cfg = make_client(suite);
    add_pair(cfg, fuzz_ec_cert_pem, fuzz_ec_key_pem);
    add_pair(cfg, fuzz_rsa_cert_pem, fuzz_rsa_key_pem);
    if (tls_config_set_alpn(cfg, alpn_list, sizeof alpn_list, &err) != 0)
        die("client ALPN", &err);
    if (tls12 && tls_config_set_versions(cfg, TLS_VERSION_12, TLS_VERSION_12, &err) != 0)
        die("client versions", &err);
    cfg->ocsp = TLS_OCSP_ASK;
    return cfg;
}

static void make_session(enum fuzz_session which, tls_config *client, tls_config *server);

void fuzz_setup(void)
{
    if (client_cfg_all != NULL)
        return;
    if (RAND_set_rand_method(&fuzz_rand_method) != 1)
        die("RAND_set_rand_method", NULL);
    fuzz_rng_reset();
    if (tls_crypto_init() != 0)
        die("tls_crypto_init", NULL);
    server_cfg[FUZZ_KEY_EC] = make_server(fuzz_ec_cert_pem, fuzz_ec_key_pem);
    server_cfg[FUZZ_KEY_RSA] = make_server(fuzz_rsa_cert_pem, fuzz_rsa_key_pem);
    server_cfg[FUZZ_KEY_ED25519] = make_server(fuzz_ed25519_cert_pem, fuzz_ed25519_key_pem);
    server_hrr_cfg = make_server(fuzz_ec_cert_pem, fuzz_ec_key_pem);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls_config_set_groups(server_hrr_cfg, "secp256r1", &err) != 0)
        die("server groups", &err);
    /* The plain servers send no tickets: a pair driven to a state after
     * the handshake stays as it was before resumption existed (tickets in
     * flight would cross a KeyUpdate handed to the client). The full
     * server sends them (fuzz_hsmsg's *_WAIT_TICKET states). */
    for (int i = 0; i < FUZZ_N_KEYS; i++)
        server_cfg[i]->tickets = 0;
    server_hrr_cfg->tickets = 0;
    client_cfg_all = make_client(NULL);
    for (int i = 0; i < FUZZ_N_SUITES; i++)
        client_cfg_suite[i] = make_client(suite_names[i]);
    client12_cfg_all = make_client(NULL);
    if (tls_config_set_versions(client12_cfg_all, TLS_VERSION_12, TLS_VERSION_12, &err) != 0)
        die("client versions", &err);
    for (int i = 0; i < FUZZ_N_SUITES; i++) {
        client12_cfg_suite[i] = make_client(suite12_names[i]);
        if (tls_config_set_versions(client12_cfg_suite[i], TLS_VERSION_12, TLS_VERSION_12, &err) != 0)
            die("client versions", &err);
    }
    server_full_cfg = make_server_full();
    client_full_cfg[0] = make_client_full(NULL, 0);
    client12_full_cfg[0] = make_client_full(NULL, 1);
    for (int i = 0; i < FUZZ_N_SUITES; i++) {
        client_full_cfg[1 + i] = make_client_full(suite_names[i], 0);
        client12_full_cfg[1 + i] = make_client_full(suite12_names[i], 1);
    }
    server_ids_cfg = make_server_full();
    server_ids_cfg->tickets = 0;
    client_early_cfg = make_client_full(NULL, 0);
    client_early_cfg->early_data = 1;
    /* 0-RTT on the server: its tickets allow early data, and it accepts
     * some once per ticket (the store's delete says so). */
    server_full_cfg->early_data = 1;
    for (int i = 0; i < FUZZ_N_SESSIONS; i++)
        tls_buf_init(&sessions[i]);
    make_session(FUZZ_SESSION_13, client_full_cfg[0], server_full_cfg);
    make_session(FUZZ_SESSION_12, client12_full_cfg[0], server_full_cfg);
    make_session(FUZZ_SESSION_12_ID, client12_full_cfg[0], server_ids_cfg);
    tls_buf_bytes(&sessions[FUZZ_SESSION_13_EARLY], sessions[FUZZ_SESSION_13].data,
                  sessions[FUZZ_SESSION_13].len);
    fuzz_rng_reset();
}

void fuzz_teardown(void)
{
    for (int i = 0; i < FUZZ_N_KEYS; i++) {
        tls_config_unref(server_cfg[i]);
        server_cfg[i] = NULL;
    }
    tls_config_unref(server_hrr_cfg);
    server_hrr_cfg = NULL;
    tls_config_unref(client_cfg_all);
    client_cfg_all = NULL;
    tls_config_unref(client12_cfg_all);
    client12_cfg_all = NULL;
    for (int i = 0; i < FUZZ_N_SUITES; i++) {
        tls_config_unref(client_cfg_suite[i]);
        client_cfg_suite[i] = NULL;
        tls_config_unref(client12_cfg_suite[i]);
        client12_cfg_suite[i] = NULL;
    }
    tls_config_unref(server_full_cfg);
    server_full_cfg = NULL;
    for (int i = 0; i < 1 + FUZZ_N_SUITES; i++) {
        tls_config_unref(client_full_cfg[i]);
        client_full_cfg[i] = NULL;
        tls_config_unref(client12_full_cfg[i]);
        client12_full_cfg[i] = NULL;
    }
    tls_config_unref(server_ids_cfg);
    server_ids_cfg = NULL;
    tls_config_unref(client_early_cfg);
    client_early_cfg = NULL;
    for (int i = 0; i < FUZZ_N_SESSIONS; i++)
        tls_buf_free(&sessions[i]);
    extra_teardown();
    store_clear(fixture, &fixture_n);
    store_clear(store, &store_n);
    tracks_free();
}

tls_config *fuzz_server_config(enum fuzz_key key) { return server_cfg[key]; }
tls_config *fuzz_server_hrr_config(void) { return server_hrr_cfg; }

tls_config *fuzz_client_config(int suite)
{
    return suite >= 0 && suite < FUZZ_N_SUITES ? client_cfg_suite[suite] : client_cfg_all;
}

tls_config *fuzz_client_config12(int suite)
{
    return suite >= 0 && suite < FUZZ_N_SUITES ? client12_cfg_suite[suite] : client12_cfg_all;
}

tls_config *fuzz_server_full_config(void) { return server_full_cfg; }

tls_config *fuzz_client_full_config(int suite)
{
    return client_full_cfg[suite >= 0 && suite < FUZZ_N_SUITES ? 1 + suite : 0];
}

tls_config *fuzz_client_full_config12(int suite)
{
    return client12_full_cfg[suite >= 0 && suite < FUZZ_N_SUITES ? 1 + suite : 0];
}

tls_config *fuzz_server_ids_config(void) { return server_ids_cfg; }

/* ---- Sessions to resume ------------------------------------------------------ */

const char *const fuzz_session_names[FUZZ_N_SESSIONS] = { "tls13", "tls12_ticket", "tls12_id", "tls13_early" };

/* A whole handshake from a fresh start; the client's session is kept, and
 * what the server put in the store joins the fixture. */
static void make_session(enum fuzz_session which, tls_config *client, tls_config *server)
{
    fuzz_pair p;
    fuzz_rng_reset();
    if (fuzz_pair_connect(&p, client, server) == 0)
        tls_conn_get_session(p.client, &sessions[which]);
    fuzz_pair_free(&p);
    store_fix();
}

const tls_buf *fuzz_session(enum fuzz_session which)
{
    return sessions[which].len > 0 ? &sessions[which] : NULL;
}

tls_config *fuzz_session_client_config(enum fuzz_session which)
{
    switch (which) {
    case FUZZ_SESSION_12:
    case FUZZ_SESSION_12_ID: return client12_full_cfg[0];
    case FUZZ_SESSION_13_EARLY: return client_early_cfg;
    default: return client_full_cfg[0];
    }
}

int fuzz_offer_session(tls_conn *c, enum fuzz_session which)
{
    static const char early[] = "GET /early HTTP/1.0\r\n\r\n";
    char why[256];
    const tls_buf *s = fuzz_session(which);
    if (s == NULL || tls_conn_set_session(c, (const char *)s->data, s->len, why, sizeof why) != 0)
        return -1;
    if (which == FUZZ_SESSION_13_EARLY &&
        tls_conn_write_early(c, (const uint8_t *)early, sizeof early - 1, why, sizeof why) != 0)
        return -1;
    return 0;
}

/* ---- Configurations no other target enables (fuzz_extra) ------------------ */

const char *const fuzz_extra_names[FUZZ_N_EXTRA] = { "rsa_kx12", "rsl13", "resume_hrr", "rsa_kx12_resume" };
static tls_config *extra_server_cfg;
static tls_config *extra_client_cfg[FUZZ_N_EXTRA];
static tls_buf extra_sessions[FUZZ_N_EXTRA];

void fuzz_extra_setup(void)
{
    static const char *const cas[] = { fuzz_ec_cert_pem, fuzz_rsa_cert_pem, fuzz_ed25519_cert_pem };
    if (extra_server_cfg != NULL)
        return;
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    tls_config *s = make_server(fuzz_ec_cert_pem, fuzz_ec_key_pem);
    add_pair(s, fuzz_rsa_cert_pem, fuzz_rsa_key_pem);
    for (size_t i = 0; i < sizeof cas / sizeof cas[0]; i++)
        if (tls_config_load_ca_pem(s, cas[i], strlen(cas[i]), &err) != 0)
            die("extra server client-CA store", &err);
    if (tls_config_set_suites(s, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
                                 "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:"
                                 "TLS_RSA_WITH_AES_128_GCM_SHA256:TLS_RSA_WITH_AES_256_GCM_SHA384", &err) != 0 ||
        tls_config_set_groups(s, "secp256r1", &err) != 0 ||
        tls_config_set_alpn(s, alpn_list, sizeof alpn_list, &err) != 0)
        die("extra server", &err);
    s->verify = TLS_VERIFY_REQUIRED;
    s->record_size_limit = 64;
    extra_server_cfg = s;
    for (int k = 0; k < FUZZ_N_EXTRA; k++) {
        if (k == FUZZ_EXTRA_RSA_KX12_RESUME) {
            /* The same client as RSA_KX12: a session is offered only by
             * the configuration that made it. */
            extra_client_cfg[k] = extra_client_cfg[FUZZ_EXTRA_RSA_KX12];
            tls_config_ref(extra_client_cfg[k]);
            continue;
        }
        tls_config *c = make_client_full(k == FUZZ_EXTRA_RSA_KX12 ? "TLS_RSA_WITH_AES_128_GCM_SHA256" : NULL,
                                         k == FUZZ_EXTRA_RSA_KX12);
        c->ocsp = TLS_OCSP_OFF;
        if (k == FUZZ_EXTRA_RSL13 && tls_config_set_groups(c, "secp256r1", &err) != 0)
            die("extra client groups", &err);
        c->record_size_limit = k == FUZZ_EXTRA_RSA_KX12 ? 512 : 64;
        extra_client_cfg[k] = c;
    }
    /* The sessions: full handshakes of the same pairs (the one resumed
     * through a HelloRetryRequest came through one too). */
    for (int k = 0; k < FUZZ_N_EXTRA; k++) {
        tls_buf_init(&extra_sessions[k]);
        if (k != FUZZ_EXTRA_RESUME_HRR && k != FUZZ_EXTRA_RSA_KX12_RESUME)
            continue;
        fuzz_pair p;
        fuzz_rng_reset();
        if (fuzz_pair_connect(&p, extra_client_cfg[k], extra_server_cfg) == 0)
            tls_conn_get_session(p.client, &extra_sessions[k]);
        else
            die("extra session", tls_conn_error(p.client));
        fuzz_pair_free(&p);
    }
    fuzz_rng_reset();
}

static void extra_teardown(void)
{
    tls_config_unref(extra_server_cfg);
    extra_server_cfg = NULL;
    for (int k = 0; k < FUZZ_N_EXTRA; k++) {
        tls_config_unref(extra_client_cfg[k]);
        extra_client_cfg[k] = NULL;
        tls_buf_free(&extra_sessions[k]);
    }
}

tls_config *fuzz_extra_server_config(void) { return extra_server_cfg; }
tls_config *fuzz_extra_client_config(int k) { return extra_client_cfg[k]; }

const tls_buf *fuzz_extra_session(int k)
{
    return extra_sessions[k].len > 0 ? &extra_sessions[k] : NULL;
}

tls_conn *fuzz_extra_client(int k)
{
    char why[256];
    tls_conn *c = fuzz_conn_new(extra_client_cfg[k]);
    int resumes = k == FUZZ_EXTRA_RESUME_HRR || k == FUZZ_EXTRA_RSA_KX12_RESUME;
    const tls_buf *s = extra_sessions[k].len > 0 ? &extra_sessions[k] : NULL;
    if (resumes && (s == NULL || tls_conn_set_session(c, (const char *)s->data, s->len, why, sizeof why) != 0)) {
        tls_conn_free(c);
        return NULL;
    }
    return c;
}

/* ---- What check_call remembers of each connection ----------------------- */
/* The output checks (check_call) span calls: what a connection wrote in an
 * earlier call decides what it may write now. Every connection of
 * fuzz_conn_new gets a slot, all of them emptied by fuzz_rng_reset (each
 * input starts with it). The slots grow with the connections of an input
 * (a handful: a pair, and fuzz_batch_run's throw-away pair), so that none
 * falls back to weaker checks; a freed connection's address taken by a new
 * one gets its slot back, emptied. Every engine call of the harness that
 * can write goes through check_call (fuzz_start, fuzz_feed, fuzz_hs_handle,
 * fuzz_write, fuzz_close, fuzz_app_data_done), and where the harness seals
 * a record with a connection's own write key it says so
 * (fuzz_track_sealed): no record is written unseen. */
typedef struct conn_track {
    const tls_conn *c;
    unsigned long calls;   /* checked calls before this one */
    unsigned long records; /* records seen in them */
    int protected13;       /* a TLS 1.3 protected record seen (not the client's early data) */
    int ccs12;             /* its TLS 1.2 change_cipher_spec seen */
    int finished12;        /* the one handshake record after it (Finished) seen */
    uint64_t next_seq;     /* TLS 1.2: the write sequence number of the next record after it */
} conn_track;

static conn_track *tracks;
static size_t tracks_n, tracks_cap;

static void tracks_reset(void) { tracks_n = 0; }

static void tracks_free(void)
{
    free(tracks);
    tracks = NULL;
    tracks_n = tracks_cap = 0;
}

static conn_track *track_of(const tls_conn *c)
{
    for (size_t i = 0; i < tracks_n; i++)
        if (tracks[i].c == c)
            return &tracks[i];
    return NULL;
}

static void track_new(const tls_conn *c)
{
    conn_track *t = track_of(c);
    if (t == NULL) {
        if (tracks_n == tracks_cap) {
            size_t cap = tracks_cap ? 2 * tracks_cap : 16;
            conn_track *grown = realloc(tracks, cap * sizeof *grown);
            if (grown == NULL)
                die("track_new: out of memory", NULL);
            tracks = grown;
            tracks_cap = cap;
        }
        t = &tracks[tracks_n++];
    }
    memset(t, 0, sizeof *t);
    t->c = c;
}

void fuzz_track_sealed(const tls_conn *c)
{
    conn_track *t = track_of(c);
    if (t != NULL && t->ccs12)
        t->next_seq++;
}

/* ---- Connections ----------------------------------------------------------- */

/* Touches every byte of every field: a dangling or unterminated string from
 * hostile input shows up here under ASan. */
static int read_every_field(void *ud, const tls_trace_event *ev, char *reason, size_t size)
{
    size_t total = strlen(ev->direction) + strlen(ev->message);
    (void)reason;
    (void)size;
    for (int i = 0; i < ev->n_fields; i++)
        total += strlen(ev->fields[i].key) + strlen(ev->fields[i].value);
    *(size_t *)ud += total;
    return 0;
}

static size_t trace_sink;

tls_conn *fuzz_conn_new(tls_config *cfg)
{
    tls_conn *c = tls_conn_new(cfg);
    if (c == NULL)
        die("tls_conn_new", NULL);
    tls_conn_set_trace(c, read_every_field, &trace_sink);
    /* The states of fuzz_hs_drive lie between the messages of a flight. */
    c->record_per_message = 1;
    if (!cfg->is_server && tls_conn_set_server_name(c, "localhost") != 0)
        die("tls_conn_set_server_name", NULL);
    if (cfg->is_server)
        tls_conn_set_hooks(c, &store_hooks, NULL);
    track_new(c);
    return c;
}

void fuzz_use_store(tls_conn *c) { tls_conn_set_hooks(c, &store_hooks, NULL); }

static void use_stream(const tls_conn *c) { rng_role = c->is_server ? FUZZ_SERVER : FUZZ_CLIENT; }

/* A broken promise of the engine: the fuzzer reports the abort as a crash
 * and keeps the input. */
static void harness_check(int ok, const tls_conn *c, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz harness: %s %s\n", c->is_server ? "server" : "client", what);
    abort();
}

/* rfc8446#5.2: TLSCiphertext.length at most 2^14 + 256 (TLS 1.2's
 * rfc5246#6.2.3 allows 2^14 + 2048; ours never add more than 256). */
#define MAX_RECORD (TLS_MAX_PLAINTEXT + 256)

/* The TLS 1.2 checks of one record written after our change_cipher_spec
 * (rfc5246#6.2.3.3, rfc5288#3, rfc7905#2): it is protected, so its length
 * is the suite's overhead plus its plaintext: for AES-GCM an 8-byte
 * explicit nonce and the 16-byte tag, for ChaCha20-Poly1305 only the tag
 * (no explicit nonce: rfc7905#2 makes the nonce from the sequence number).
 * The plaintext is known without the key: an alert's two bytes, the one
 * Finished (rfc5246#7.4.9: 4-byte header and 12 bytes of verify_data; no
 * other handshake message follows our change_cipher_spec, as there is no
 * renegotiation), and the application data of tls_conn_write (counted by
 * the caller: app_plain). With AES-GCM the explicit nonce is the write
 * sequence number, 0 for the first record after the change_cipher_spec,
 * one more per record (every record is seen: fuzz_track_sealed counts the
 * harness's own). A record in the clear fails one of these for either
 * suite: its length lacks the overhead. */
static void check_after_ccs12(const tls_conn *c, conn_track *t, uint8_t type, const uint8_t *body, size_t len,
                              size_t *app_plain)
{
    harness_check(c->suite != NULL && c->suite->version == TLS_VERSION_12, c,
                  "wrote a record after its TLS 1.2 change_cipher_spec without a TLS 1.2 suite");
    /* Worked out here from the suite's number, not asked of the engine
     * (tls12_aead_overhead): rfc7905's ChaCha20-Poly1305 suites 0xCCA8-0xCCAE
     * send no explicit nonce, the AES-GCM ones (rfc5288, rfc5289) 8 bytes. */
    size_t explicit_len = (c->suite->id & 0xfff8) == 0xcca8 ? 0 : 8;
    size_t overhead = explicit_len + 16;
    if (type == TLS_CT_ALERT) {
        harness_check(len == overhead + 2, c, "wrote an unprotected alert after its change_cipher_spec");
    } else if (type == TLS_CT_HANDSHAKE) {
        harness_check(len == overhead + TLS_HS_HEADER_LEN + 12, c,
                      "wrote a handshake record after its change_cipher_spec that is not one protected Finished");
        harness_check(!t->finished12, c, "wrote a second handshake record after its change_cipher_spec");
        t->finished12 = 1;
    } else {
        harness_check(type == TLS_CT_APPLICATION_DATA && len > overhead, c,
                      "wrote an unprotected record after its change_cipher_spec");
        *app_plain += len - overhead;
    }
    if (explicit_len == 8) {
        uint64_t nonce = 0;
        for (int i = 0; i < 8; i++)
            nonce = nonce << 8 | body[i];
        harness_check(nonce == t->next_seq, c, "wrote a TLS 1.2 record whose explicit nonce is not its sequence number");
    }
    t->next_seq++;
}

/* What a call into the engine leaves (fuzz_common.h); from is where its
 * output began, app_len how many bytes of application data it was given
 * to write (0 but for fuzz_write), all written when it returned 0 (ok).
 * Across calls (conn_track): rfc8446#5.1, legacy_record_version 0x0303 on
 * every record but an initial ClientHello, which MAY say 0x0301 (so: a
 * client's first record only), and rfc5246#6.2.1 (TLS 1.2 after the
 * hellos: the negotiated 0x0303); TLS 1.3, no unprotected record but
 * change_cipher_spec once one was protected; TLS 1.2, every record after
 * our change_cipher_spec protected (check_after_ccs12), and no more
 * application data than the caller wrote; TLS 1.3, every application_data
 * record long enough to be protected, and room in them for what the
 * caller wrote. */
static void check_call(const tls_conn *c, size_t from, size_t app_len, int ok)
{
    harness_check(c->hs_batching == 0, c, "is still batching after the call returned");
    harness_check(c->hs_out.len == 0, c, "kept batched handshake messages after the call returned");
    harness_check(from <= c->out.len, c, "lost output it had not been told was sent");
    conn_track *t = track_of(c);
    harness_check(t != NULL, c, "was not made by fuzz_conn_new (its history is unknown)");
    /* A client's first call may write early data (protected) before a
     * HelloRetryRequest makes it send its second ClientHello in the clear
     * (rfc8446#4.1.2): that call does not count as protection begun. */
    int counts13 = c->version == TLS_VERSION_13 && (c->is_server || t->calls > 0);
    size_t app_plain = 0; /* TLS 1.2: application data after our change_cipher_spec;
                             TLS 1.3: room in protected records, at least the data they hold */
    int app12 = 0;        /* TLS 1.2 application_data records seen */
    const uint8_t *p = c->out.data;
    for (size_t off = from, n; off < c->out.len; off += n) {
        n = fuzz_record_len(p + off, c->out.len - off);
        harness_check(n > 0, c, "left a partial record in its output");
        uint8_t type = p[off];
        uint16_t version = (uint16_t)(p[off + 1] << 8 | p[off + 2]);
        size_t len = n - TLS_RECORD_HEADER_LEN;
        const uint8_t *body = p + off + TLS_RECORD_HEADER_LEN;
        harness_check(type >= TLS_CT_CHANGE_CIPHER_SPEC && type <= TLS_CT_APPLICATION_DATA, c,
                      "wrote a record of an unknown content type");
        int first_of_client = !c->is_server && t->records == 0;
        harness_check(version == TLS_VERSION_12 || (first_of_client && version == TLS_VERSION_10), c,
                      "wrote a record with a wrong legacy_record_version");
        harness_check(len > 0 && len <= MAX_RECORD, c, "wrote a record of an impossible length");
        /* rfc5246#7.1, rfc8446#5: the change_cipher_spec record is the one byte 1, in the clear. */
        harness_check(type != TLS_CT_CHANGE_CIPHER_SPEC || (len == 1 && body[0] == 1), c,
                      "wrote a change_cipher_spec record that is not the one byte 1");
        t->records++;
        if (c->version == TLS_VERSION_13) {
            /* rfc8446#5: once a write key is in use, every record but
             * change_cipher_spec is protected (outer type application_data). */
            harness_check(!t->protected13 || type == TLS_CT_APPLICATION_DATA || type == TLS_CT_CHANGE_CIPHER_SPEC,
                          c, "wrote an unprotected record after a protected one");
            t->protected13 |= counts13 && type == TLS_CT_APPLICATION_DATA;
            /* rfc8446#5: of the handshake messages only the hellos (and a
             * HelloRetryRequest, a ServerHello too) go in the clear; every
             * other one is protected, even the first protected record. The
             * messages that begin in the record (a hello of more than one
             * record is not ours to write). */
            for (size_t m = 0; type == TLS_CT_HANDSHAKE && m + TLS_HS_HEADER_LEN <= len;
                 m += TLS_HS_HEADER_LEN + ((size_t)body[m + 1] << 16 | (size_t)body[m + 2] << 8 | body[m + 3]))
                harness_check(body[m] == TLS_HS_CLIENT_HELLO || body[m] == TLS_HS_SERVER_HELLO, c,
                              "wrote a TLS 1.3 handshake message other than a hello in the clear");
            /* rfc8446#5.2: a protected record holds at least the inner
             * content type and the 16-byte tag of every TLS 1.3 suite. */
            if (type == TLS_CT_APPLICATION_DATA) {
                harness_check(len >= 17, c, "wrote a TLS 1.3 application_data record too short to be protected");
                app_plain += len - 17;
            }
        } else if (c->version == TLS_VERSION_12) {
            if (type == TLS_CT_CHANGE_CIPHER_SPEC) {
                /* rfc5246#7.1: one per handshake (no renegotiation here). */
                harness_check(!t->ccs12, c, "wrote a second change_cipher_spec");
                t->ccs12 = 1;
                t->next_seq = 0;
            } else if (t->ccs12) {
                check_after_ccs12(c, t, type, body, len, &app_plain);
            }
            app12 += type == TLS_CT_APPLICATION_DATA;
        }
    }
    if (c->version == TLS_VERSION_12) {
        /* TLS 1.2 application data is only what the caller wrote, after
         * our change_cipher_spec (no early data, no KeyUpdate): all of it
         * when the write succeeded, else no more. */
        harness_check(app12 == 0 || t->ccs12, c, "wrote TLS 1.2 application data before its change_cipher_spec");
        harness_check(ok ? app_plain == app_len : app_plain <= app_len, c,
                      "wrote TLS 1.2 application data of another length than it was given (plaintext?)");
    } else if (c->version == TLS_VERSION_13) {
        /* What the caller wrote went out protected: the protected records
         * have room for it (padding and a KeyUpdate before it take more). */
        harness_check(!ok || app_plain >= app_len, c, "wrote less TLS 1.3 protected data than it was given");
    }
    t->calls++;
}

int fuzz_start(tls_conn *c)
{
    use_stream(c);
    size_t from = c->out.len;
    int rc = tls_conn_start(c);
    check_call(c, from, 0, rc == 0);
    return rc;
}

int fuzz_feed(tls_conn *c, const uint8_t *data, size_t len)
{
    use_stream(c);
    size_t from = c->out.len;
    int rc = tls_conn_feed(c, data, len);
    check_call(c, from, 0, rc == 0);
    return rc;
}

/* In one batch, as tls_conn_feed handles the messages of a record: with
 * record_per_message clear, what the message makes the connection write
 * shares records (flushed before a key change, an alert, a
 * change_cipher_spec, and at the end). A flush that fails (out of memory
 * only) is the call's -1, though the connection is not marked failed as
 * tls_conn_feed would mark it. */
int fuzz_hs_handle(tls_conn *c, const uint8_t *msg, size_t len)
{
    use_stream(c);
    size_t from = c->out.len;
    tls_record_batch_begin(c);
    int rc = tls_hs_handle(c, msg, len);
    if (tls_record_batch_end(c) != 0)
        rc = -1;
    check_call(c, from, 0, rc == 0);
    return rc;
}

int fuzz_write(tls_conn *c, const uint8_t *data, size_t len)
{
    use_stream(c);
    size_t from = c->out.len;
    int rc = tls_conn_write(c, data, len);
    check_call(c, from, len, rc == 0);
    return rc;
}

void fuzz_close(tls_conn *c)
{
    use_stream(c);
    size_t from = c->out.len;
    tls_conn_close(c);
    check_call(c, from, 0, 1);
}

void fuzz_app_data_done(tls_conn *c, size_t n)
{
    use_stream(c);
    size_t from = c->out.len;
    tls_conn_app_data_done(c, n);
    check_call(c, from, 0, 1);
}

void fuzz_pump(tls_conn *from, tls_conn *to)
{
    const uint8_t *data;
    size_t n = tls_conn_output(from, &data);
    if (n > 0) {
        fuzz_feed(to, data, n);
        tls_conn_output_done(from, n);
    }
}

size_t fuzz_record_len(const uint8_t *p, size_t n)
{
    if (n < TLS_RECORD_HEADER_LEN)
        return 0;
    size_t len = TLS_RECORD_HEADER_LEN + (((size_t)p[3] << 8) | p[4]);
    return len <= n ? len : 0;
}

int fuzz_feed_until(tls_conn *from, tls_conn *to, tls_state want)
{
    while (to->state != want) {
        if (tls_conn_status(to) & TLS_STATUS_FAILED)
            return -1;
        const uint8_t *data;
        size_t avail = tls_conn_output(from, &data);
        size_t n = fuzz_record_len(data, avail);
        if (n == 0)
            return -1;
        fuzz_feed(to, data, n);
        tls_conn_output_done(from, n);
    }
    return 0;
}

void fuzz_after_feed(tls_conn *c)
{
    const uint8_t *data;
    size_t n;
    use_stream(c);
    /* Acknowledging application data makes the engine process records it
     * held back at the high-water mark. */
    for (int rounds = 0; rounds < 8 && (n = tls_conn_app_data(c, &data)) > 0; rounds++)
        fuzz_app_data_done(c, n);
    unsigned st = tls_conn_status(c);
    if ((st & TLS_STATUS_HANDSHAKE_DONE) && !(st & (TLS_STATUS_CLOSED | TLS_STATUS_FAILED)))
        fuzz_write(c, (const uint8_t *)"pong", 4);
    fuzz_close(c);
    (void)tls_conn_wants_read(c);
    tls_conn_info info;
    tls_conn_get_info(c, &info);
    n = tls_conn_output(c, &data);
    tls_conn_output_done(c, n);
}

/* ---- What an input did ------------------------------------------------------ */

static char status_text[2048];
static size_t status_used;

void fuzz_status_reset(void)
{
    status_text[0] = '\0';
    status_used = 0;
}

const char *fuzz_status(void) { return status_text; }

static void status_vadd(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void status_vadd(const char *fmt, va_list ap)
{
    if (status_used >= sizeof status_text - 1)
        return;
    int n = vsnprintf(status_text + status_used, sizeof status_text - status_used, fmt, ap);
    if (n > 0)
        status_used += (size_t)n < sizeof status_text - status_used ? (size_t)n
                                                                     : sizeof status_text - status_used - 1;
}

static void status_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void status_add(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    status_vadd(fmt, ap);
    va_end(ap);
}

static void note_error(const tls_conn *c)
{
    const tls_error *e = tls_conn_error(c);
    status_add("%s%s: %s", e->alert >= 0 ? tls_alert_name(e->alert) : "no alert",
               e->from_peer ? " from peer" : "", e->reason);
}

static void note_counts(const tls_conn *c)
{
    const uint8_t *early;
    /* A server's accepted 0-RTT data is kept apart from app_in. */
    size_t n = c->is_server ? tls_conn_early_data((tls_conn *)c, &early) : 0;
    status_add(" [read keys %u, data %zu", c->rd_epoch, c->app_in.len);
    if (n > 0)
        status_add(", early data %zu", n);
    status_add("]");
}

void fuzz_note(const char *role, const tls_conn *c)
{
    unsigned st = tls_conn_status(c);
    status_add("%s%s: ", status_used ? "; " : "", role);
    if (st & TLS_STATUS_FAILED) {
        status_add("failed ");
        note_error(c);
    } else if (st & TLS_STATUS_HANDSHAKE_DONE) {
        status_add("connected%s%s%s", c->resumed ? ", resumed" : "", c->hello_retry ? ", hello retry" : "",
                   (st & TLS_STATUS_PEER_CLOSED) ? ", peer closed" : "");
    } else {
        status_add("handshaking in state %d", (int)c->state);
    }
    note_counts(c);
}

void fuzz_note_text(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    status_vadd(fmt, ap);
    va_end(ap);
}

void fuzz_note_rejected(const char *role, const tls_conn *c)
{
    status_add("%s%s: rejected ", status_used ? "; " : "", role);
    note_error(c);
}

/* ---- Driving a pair to a handshake state --------------------------------- */

const char *const fuzz_hs_state_names[FUZZ_HS_N_STATES] = {
    "client_wait_sh",  "client_wait_sh_after_hrr", "client_wait_ee",     "client_wait_cert_cr",
    "client_wait_cert", "client_wait_cv",          "client_wait_finished", "client_connected",
    "server_wait_ch",  "server_wait_ch2",          "server_wait_finished", "server_connected",
    "client_mtls_wait_cert_cr", "client_mtls_wait_cert", "client12_wait_cert_status", "client12_wait_shd",
    "server_wait_cert", "server_wait_cv", "server12_wait_cert", "server12_wait_cv",
    "client_resume_wait_sh", "client_resume_wait_ee", "client_early_wait_ee", "client_resume_wait_finished",
    "client_wait_ticket", "server_resume_wait_ch", "server_early_wait_ch", "server_wait_eoed",
    "server_resume_wait_finished", "client12_wait_ticket", "client12_resume_wait_sh", "server12_resume_wait_ch",
    "server12_id_wait_ch",
};

void fuzz_pair_free(fuzz_pair *p)
{
    tls_conn_free(p->client);
    tls_conn_free(p->server);
    memset(p, 0, sizeof *p);
}

static int failed(const tls_conn *c) { return (tls_conn_status(c) & TLS_STATUS_FAILED) != 0; }

int fuzz_pair_connect(fuzz_pair *p, tls_config *client_cfg, tls_config *server_cfg)
{
    memset(p, 0, sizeof *p);
    p->client = fuzz_conn_new(client_cfg);
    p->server = fuzz_conn_new(server_cfg);
    p->target = p->client;
    p->peer = p->server;
    if (fuzz_start(p->client) != 0)
        return -1;
    for (int i = 0; i < 4; i++) {
        fuzz_pump(p->client, p->server);
        fuzz_pump(p->server, p->client);
    }
    unsigned both = tls_conn_status(p->client) & tls_conn_status(p->server);
    return (both & TLS_STATUS_HANDSHAKE_DONE) && !failed(p->client) && !failed(p->server) ? 0 : -1;
}

/* rfc8446#4.3.2: a CertificateRequest with an empty context and the one
 * mandatory extension, signature_algorithms (ecdsa_secp256r1_sha256). */
static const uint8_t certificate_request[] = {
    TLS_HS_CERTIFICATE_REQUEST, 0, 0, 11, 0, 0, 8, 0, 13, 0, 4, 0, 2, 4, 3,
};

static tls_state client_state_for(enum fuzz_hs_state s)
{
    switch (s) {
    case FUZZ_HS_CLIENT_WAIT_EE: return ST_CLIENT_WAIT_EE;
    case FUZZ_HS_CLIENT_WAIT_CERT_CR:
    case FUZZ_HS_CLIENT_MTLS_WAIT_CERT_CR:
    case FUZZ_HS_CLIENT_WAIT_CERT: return ST_CLIENT_WAIT_CERT_CR;
    case FUZZ_HS_CLIENT_MTLS_WAIT_CERT: return ST_CLIENT_WAIT_CERT;
    case FUZZ_HS_CLIENT_WAIT_CV: return ST_CLIENT_WAIT_CV;
    case FUZZ_HS_CLIENT_WAIT_FINISHED: return ST_CLIENT_WAIT_FINISHED;
    case FUZZ_HS_CLIENT12_WAIT_CERT_STATUS: return ST_CLIENT12_WAIT_CERT_STATUS;
    case FUZZ_HS_CLIENT12_WAIT_SHD: return ST_CLIENT12_WAIT_SHD;
    default: return ST_CONNECTED;
    }
}

static int is_server_state(enum fuzz_hs_state s)
{
    return (s >= FUZZ_HS_SERVER_WAIT_CH && s <= FUZZ_HS_SERVER_CONNECTED) ||
           (s >= FUZZ_HS_SERVER_WAIT_CERT && s <= FUZZ_HS_SERVER12_WAIT_CV);
}

/* The session a resumption state's client offers; -1: none. */
static int state_session(enum fuzz_hs_state s)
{
    switch (s) {
    case FUZZ_HS_CLIENT_RESUME_WAIT_SH:
    case FUZZ_HS_CLIENT_RESUME_WAIT_EE:
    case FUZZ_HS_CLIENT_RESUME_WAIT_FINISHED:
    case FUZZ_HS_SERVER_RESUME_WAIT_CH:
    case FUZZ_HS_SERVER_RESUME_WAIT_FINISHED: return FUZZ_SESSION_13;
    case FUZZ_HS_CLIENT_EARLY_WAIT_EE:
    case FUZZ_HS_SERVER_EARLY_WAIT_CH:
    case FUZZ_HS_SERVER_WAIT_EOED: return FUZZ_SESSION_13_EARLY;
    case FUZZ_HS_CLIENT12_RESUME_WAIT_SH:
    case FUZZ_HS_SERVER12_RESUME_WAIT_CH: return FUZZ_SESSION_12;
    case FUZZ_HS_SERVER12_ID_WAIT_CH: return FUZZ_SESSION_12_ID;
    default: return -1;
    }
}

/* The resumption states (and the two NewSessionTicket ones): the pair is
 * driven here; 0 when target is where it should be. */
static int drive_resumption(fuzz_pair *p, enum fuzz_hs_state state)
{
    int rc = 0;
    switch (state) {
    case FUZZ_HS_CLIENT_RESUME_WAIT_SH:
    case FUZZ_HS_CLIENT12_RESUME_WAIT_SH:
        fuzz_pump(p->client, p->server);
        rc |= !p->server->resumed;
        break;
    case FUZZ_HS_CLIENT_RESUME_WAIT_EE:
    case FUZZ_HS_CLIENT_EARLY_WAIT_EE:
        fuzz_pump(p->client, p->server);
        rc |= fuzz_feed_until(p->server, p->client, ST_CLIENT_WAIT_EE);
        rc |= state == FUZZ_HS_CLIENT_EARLY_WAIT_EE && p->server->early_data != 1;
        break;
    case FUZZ_HS_CLIENT_RESUME_WAIT_FINISHED:
        fuzz_pump(p->client, p->server);
        rc |= fuzz_feed_until(p->server, p->client, ST_CLIENT_WAIT_FINISHED);
        rc |= !p->client->resumed;
        break;
    case FUZZ_HS_CLIENT_WAIT_TICKET:
    case FUZZ_HS_CLIENT12_WAIT_TICKET:
        /* The server's tickets (TLS 1.2: with its change_cipher_spec and
         * Finished) wait in its output. */
        fuzz_pump(p->client, p->server);
        fuzz_pump(p->server, p->client);
        fuzz_pump(p->client, p->server);
        rc |= p->client->state != (state == FUZZ_HS_CLIENT_WAIT_TICKET ? ST_CONNECTED : ST_CLIENT12_WAIT_CCS);
        rc |= p->server->tickets_sent == 0;
        break;
    case FUZZ_HS_SERVER_RESUME_WAIT_CH:
    case FUZZ_HS_SERVER_EARLY_WAIT_CH:
    case FUZZ_HS_SERVER12_RESUME_WAIT_CH:
    case FUZZ_HS_SERVER12_ID_WAIT_CH:
        break;
    case FUZZ_HS_SERVER_WAIT_EOED:
        /* The early data is in; the client's EndOfEarlyData and Finished
         * wait in its output. */
        fuzz_pump(p->client, p->server);
        rc |= p->server->state != ST_SERVER_WAIT_EOED;
        fuzz_pump(p->server, p->client);
        break;
    case FUZZ_HS_SERVER_RESUME_WAIT_FINISHED:
        fuzz_pump(p->client, p->server);
        fuzz_pump(p->server, p->client);
        rc |= p->server->state != ST_SERVER_WAIT_FINISHED || !p->server->resumed;
        break;
    default:
        rc = -1;
        break;
    }
    return rc;
}

int fuzz_hs_drive(fuzz_pair *p, enum fuzz_hs_state state, int suite)
{
    if (state >= FUZZ_HS_CLIENT_RESUME_WAIT_SH) {
        int session = state_session(state);
        int is_server = state == FUZZ_HS_SERVER_RESUME_WAIT_CH || state == FUZZ_HS_SERVER_EARLY_WAIT_CH ||
                        state == FUZZ_HS_SERVER_WAIT_EOED || state == FUZZ_HS_SERVER_RESUME_WAIT_FINISHED ||
                        state == FUZZ_HS_SERVER12_RESUME_WAIT_CH || state == FUZZ_HS_SERVER12_ID_WAIT_CH;
        tls_config *client_cfg = session >= 0 ? fuzz_session_client_config((enum fuzz_session)session)
                                 : state == FUZZ_HS_CLIENT12_WAIT_TICKET ? fuzz_client_full_config12(suite)
                                                                        : fuzz_client_full_config(suite);
        memset(p, 0, sizeof *p);
        p->client = fuzz_conn_new(client_cfg);
        p->server = fuzz_conn_new(fuzz_server_full_config());
        p->target = is_server ? p->server : p->client;
        p->peer = is_server ? p->client : p->server;
        int rc = session >= 0 ? fuzz_offer_session(p->client, (enum fuzz_session)session) : 0;
        rc |= fuzz_start(p->client);
        if (rc == 0)
            rc = drive_resumption(p, state);
        if (rc != 0 || failed(p->client) || failed(p->server)) {
            fprintf(stderr, "fuzz_hs_drive(%s): client state %d: %s; server state %d: %s\n",
                    fuzz_hs_state_names[state], p->client->state, tls_conn_error(p->client)->reason,
                    p->server->state, tls_conn_error(p->server)->reason);
            fuzz_pair_free(p);
            return -1;
        }
        use_stream(p->target);
        return 0;
    }

    int hrr = state == FUZZ_HS_CLIENT_WAIT_SH_AFTER_HRR || state == FUZZ_HS_SERVER_WAIT_CH2;
    int full = state >= FUZZ_HS_CLIENT_MTLS_WAIT_CERT_CR;
    int tls12 = state == FUZZ_HS_CLIENT12_WAIT_CERT_STATUS || state == FUZZ_HS_CLIENT12_WAIT_SHD ||
                state == FUZZ_HS_SERVER12_WAIT_CERT || state == FUZZ_HS_SERVER12_WAIT_CV;
    tls_config *client_cfg = !full ? fuzz_client_config(suite)
                             : tls12 ? fuzz_client_full_config12(suite) : fuzz_client_full_config(suite);
    tls_config *server_cfg = full ? fuzz_server_full_config()
                             : hrr ? fuzz_server_hrr_config() : fuzz_server_config(FUZZ_KEY_EC);
    memset(p, 0, sizeof *p);
    p->client = fuzz_conn_new(client_cfg);
    p->server = fuzz_conn_new(server_cfg);
    int is_server = is_server_state(state);
    p->target = is_server ? p->server : p->client;
    p->peer = is_server ? p->client : p->server;
    int rc = fuzz_start(p->client);
    switch (state) {
    case FUZZ_HS_CLIENT_WAIT_SH:
        /* The server answers now, so that its real ServerHello waits in its
         * output like the real message of every other state. */
        fuzz_pump(p->client, p->server);
        break;
    case FUZZ_HS_SERVER_WAIT_CH:
        break;
    case FUZZ_HS_CLIENT_WAIT_SH_AFTER_HRR:
        /* The server's answer to the second ClientHello waits in its output. */
        fuzz_pump(p->client, p->server);
        fuzz_pump(p->server, p->client);
        fuzz_pump(p->client, p->server);
        rc |= !p->client->hello_retry || p->client->state != ST_CLIENT_WAIT_SH;
        break;
    case FUZZ_HS_SERVER_WAIT_CH2:
        fuzz_pump(p->client, p->server);
        fuzz_pump(p->server, p->client);
        rc |= p->server->state != ST_SERVER_WAIT_CH2;
        break;
    case FUZZ_HS_SERVER_WAIT_FINISHED:
        fuzz_pump(p->client, p->server);
        fuzz_pump(p->server, p->client);
        rc |= p->server->state != ST_SERVER_WAIT_FINISHED;
        break;
    case FUZZ_HS_SERVER_CONNECTED:
        fuzz_pump(p->client, p->server);
        fuzz_pump(p->server, p->client);
        fuzz_pump(p->client, p->server);
        rc |= p->server->state != ST_CONNECTED;
        break;
    case FUZZ_HS_SERVER_WAIT_CERT:
    case FUZZ_HS_SERVER12_WAIT_CERT:
        /* The client's whole second flight waits in its output. */
        fuzz_pump(p->client, p->server);
        fuzz_pump(p->server, p->client);
        rc |= p->server->state != (state == FUZZ_HS_SERVER_WAIT_CERT ? ST_SERVER_WAIT_CERT : ST_SERVER12_WAIT_CERT);
        break;
    case FUZZ_HS_SERVER_WAIT_CV:
    case FUZZ_HS_SERVER12_WAIT_CV:
        fuzz_pump(p->client, p->server);
        fuzz_pump(p->server, p->client);
        rc |= fuzz_feed_until(p->client, p->server,
                              state == FUZZ_HS_SERVER_WAIT_CV ? ST_SERVER_WAIT_CV : ST_SERVER12_WAIT_CV);
        break;
    default:
        fuzz_pump(p->client, p->server);
        rc |= fuzz_feed_until(p->server, p->client, client_state_for(state));
        if (rc == 0 && state == FUZZ_HS_CLIENT_WAIT_CERT) {
            rc = fuzz_hs_handle(p->client, certificate_request, sizeof certificate_request);
            rc |= p->client->state != ST_CLIENT_WAIT_CERT;
        }
        break;
    }
    if (rc != 0 || failed(p->client) || failed(p->server)) {
        fprintf(stderr, "fuzz_hs_drive(%s): client state %d: %s; server state %d: %s\n",
                fuzz_hs_state_names[state], p->client->state, tls_conn_error(p->client)->reason,
                p->server->state, tls_conn_error(p->server)->reason);
        fuzz_pair_free(p);
        return -1;
    }
    use_stream(p->target);
    return 0;
}

/* ---- Record batching -------------------------------------------------------- */

int fuzz_batch_pair_new(fuzz_pair *p, int k, int target_is_server)
{
    int session = k >= 1 && k <= FUZZ_N_SESSIONS ? k - 1 : -1;
    tls_config *client_cfg = session >= 0 ? fuzz_session_client_config((enum fuzz_session)session)
                             : k == FUZZ_BATCH_FULL12 ? fuzz_client_full_config12(-1)
                                                      : fuzz_client_full_config(-1);
    tls_config *server_cfg = session == FUZZ_SESSION_12_ID ? fuzz_server_ids_config()
                             : k == FUZZ_BATCH_HRR           ? fuzz_server_hrr_config()
                                                             : fuzz_server_full_config();
    memset(p, 0, sizeof *p);
    p->client = fuzz_conn_new(client_cfg);
    p->server = fuzz_conn_new(server_cfg);
    p->target = target_is_server ? p->server : p->client;
    p->peer = target_is_server ? p->client : p->server;
    if (session >= 0 && fuzz_offer_session(p->client, (enum fuzz_session)session) != 0) {
        fuzz_pair_free(p);
        return -1;
    }
    return 0;
}

void fuzz_check_peer_read(const tls_conn *t, const tls_conn *peer)
{
    const tls_error *te = tls_conn_error(t), *pe = tls_conn_error(peer);
    unsigned ts = tls_conn_status(t), ps = tls_conn_status(peer);
    if ((ts & TLS_STATUS_FAILED) && !te->from_peer && te->alert >= 0) {
        /* The alert is the last record, after every message written before
         * the failure: the peer reads them all and then the alert (unless
         * a close_notify of ours came first and the alert was not sent). */
        int read = ((ps & TLS_STATUS_FAILED) && pe->from_peer && pe->alert == te->alert) ||
                   (!(ps & TLS_STATUS_FAILED) && (ps & TLS_STATUS_PEER_CLOSED));
        if (!read)
            fprintf(stderr, "fuzz harness: it failed: %s; the peer: %s\n", te->reason,
                    (ps & TLS_STATUS_FAILED) ? pe->reason : "did not fail");
        harness_check(read, t, "failed with an alert its peer did not read as the last word");
        return;
    }
    /* The peer's own limit (tls13_common.c): answers to as many KeyUpdate
     * requests as fuzz_record's input sends, with no data in between. */
    if ((ps & TLS_STATUS_FAILED) && !pe->from_peer && strstr(pe->reason, "KeyUpdate messages without") != NULL)
        return;
    /* TLS 1.2: its no_renegotiation warnings, one per HelloRequest or
     * ClientHello fuzz_record forges, with data between them that the
     * peer never sees: the peer's empty-record limit (tls_dispatch.c). */
    if ((ps & TLS_STATUS_FAILED) && !pe->from_peer && t->version == TLS_VERSION_12 &&
        strstr(pe->reason, "records in a row without content") != NULL)
        return;
    if (ps & TLS_STATUS_FAILED)
        fprintf(stderr, "fuzz harness: the peer failed: %s\n", pe->reason);
    harness_check(!(ps & TLS_STATUS_FAILED), t, "wrote records its peer could not read");
    harness_check(!(ts & TLS_STATUS_HANDSHAKE_DONE) || (ts & TLS_STATUS_FAILED) || (ps & TLS_STATUS_HANDSHAKE_DONE),
                  t, "finished its handshake, but its peer did not finish from what it wrote");
}

/* The peer's first `flights` flights in pair k's own conversation, in a
 * pair thrown away at once; the random streams then start again, so the
 * caller's pair talks the same. */
static void peer_flights(int k, int target_is_server, int flights, tls_buf *out)
{
    fuzz_pair s;
    if (fuzz_batch_pair_new(&s, k, target_is_server) == 0 && fuzz_start(s.client) == 0) {
        tls_conn *from = s.client;
        for (int i = 0; i < 8 && flights > 0; i++) {
            tls_conn *to = from == s.client ? s.server : s.client;
            const uint8_t *d;
            size_t n = tls_conn_output(from, &d);
            if (n == 0)
                break;
            if (from == s.peer) {
                tls_buf_bytes(out, d, n);
                flights--;
            }
            fuzz_feed(to, d, n);
            tls_conn_output_done(from, n);
            from = to;
        }
    }
    if (s.client != NULL)
        fuzz_pair_free(&s);
    fuzz_rng_reset();
}

void fuzz_batch_run(int target_is_server, int k, const uint8_t *data, size_t size)
{
    const char *role = target_is_server ? "server" : "client";
    fuzz_pair p;
    /* After a HelloRetryRequest the keys depend on the peer's second
     * flight too (the second ClientHello, or the answer to it). */
    tls_buf first;
    tls_buf_init(&first);
    if (k == FUZZ_BATCH_HRR)
        peer_flights(k, target_is_server, 2, &first);
    if (fuzz_batch_pair_new(&p, k, target_is_server) != 0) {
        status_add("%s%s: no session to offer", status_used ? "; " : "", role);
        tls_buf_free(&first);
        return;
    }
    /* A client under test batches its first flight too (its ClientHello,
     * and with early data the change_cipher_spec and data after it). */
    if (!target_is_server)
        p.target->record_per_message = 0;
    int started = fuzz_start(p.client) == 0;
    if (started) {
        /* The server answers the real ClientHello: its first flight is in
         * its output, as the client's ClientHello is in the client's. */
        if (!target_is_server)
            fuzz_pump(p.client, p.server);
        const uint8_t *out;
        size_t n = tls_conn_output(p.peer, &out);
        if (k != FUZZ_BATCH_HRR)
            tls_buf_bytes(&first, out, n);
        tls_conn_output_done(p.peer, n);
        p.target->record_per_message = 0;
        size_t half = size / 2;
        if (fuzz_feed(p.target, data, half) == 0)
            fuzz_feed(p.target, data + half, size - half);
    }
    fuzz_note(role, p.target);
    if (started) {
        int matched = first.len > 0 && size >= first.len && memcmp(data, first.data, first.len) == 0;
        fuzz_pump(p.target, p.peer);
        if (matched)
            fuzz_check_peer_read(p.target, p.peer);
        fuzz_note(matched ? "peer" : "unmatched peer", p.peer);
    }
    fuzz_after_feed(p.target);
    tls_buf_free(&first);
    fuzz_pair_free(&p);
}
