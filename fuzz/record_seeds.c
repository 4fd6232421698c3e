/* Records the seed corpora from real handshakes, and checks the engine
 * pairs the fuzz targets rely on.
 *
 *   record_seeds pairs DIR          flights of our own pairs (every suite,
 *                                   group, key type, HelloRetryRequest) into
 *                                   DIR/fuzz_{server,client,record,hsmsg}/,
 *                                   the extra pairs' conversations, the
 *                                   sessions' texts and OCSP responses into
 *                                   DIR/fuzz_{extra,session,ocsp}/
 *   record_seeds check              the same handshakes, nothing written;
 *                                   exit 1 if one fails (for valgrind)
 *   record_seeds certs DIR          the fixed EC and RSA certificates and
 *                                   keys as PEM files and the EC one's OCSP
 *                                   response as DER, for openssl
 *   record_seeds freeport           prints a free TCP port on 127.0.0.1
 *   record_seeds serve PORT FILE    our server on 127.0.0.1:PORT for one
 *                                   client (`openssl s_client`); FILE is
 *                                   created once it listens, and then
 *                                   holds the bytes it receives
 *   record_seeds connect PORT FILE  our client against 127.0.0.1:PORT
 *                                   (`openssl s_server`); the bytes it
 *                                   receives go to FILE
 *
 * Every recorded flight uses the random streams of fuzz_common.c, as the
 * targets do, and is replayed here into a fresh engine to check that it
 * still completes the handshake: a seed that stops at the first AEAD tag
 * would waste the fuzzer's time. fuzz/record_seeds.sh drives openssl. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>

#include "fuzz_certs.h"
#include "fuzz_common.h"
#include "fuzz_ocsp.h"
#include "hs/tls_session.h"
#include "pki/tls_ocsp.h"

static const char *out_dir; /* NULL: check only */
static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "record_seeds: FAILED: %s\n", what);
        failures++;
    }
}

static void write_seed_file(const char *target, const char *name, const uint8_t *data, size_t len)
{
    if (out_dir == NULL)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", out_dir, target);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        perror(path);
        failures++;
    }
    if (f != NULL)
        fclose(f);
}

/* fuzz_record seeds that are also written with byte 0 bit 4 set, as
 * batched_NAME: the receiver batches (its KeyUpdate answer, its alert) and
 * the sender must read what it wrote. */
static const char *const batched_record_seeds[] = {
    "to_server_aes128_data_keyupdate_close", "to_client_aes256_data_keyupdate_close",
    "to_client_tls12_chacha20_data_renegotiation_close", "to_server_aes128_forged_record",
};

static void write_seed(const char *target, const char *name, const uint8_t *data, size_t len)
{
    write_seed_file(target, name, data, len);
    for (size_t i = 0; i < sizeof batched_record_seeds / sizeof batched_record_seeds[0]; i++) {
        if (strcmp(target, "fuzz_record") != 0 || strcmp(name, batched_record_seeds[i]) != 0 || len == 0)
            continue;
        char batched[128];
        uint8_t *copy = malloc(len);
        if (copy == NULL)
            abort();
        memcpy(copy, data, len);
        copy[0] |= 0x10;
        snprintf(batched, sizeof batched, "batched_%s", name);
        write_seed_file(target, batched, copy, len);
        free(copy);
    }
}

static void take_output(tls_conn *c, tls_buf *log)
{
    const uint8_t *data;
    size_t n = tls_conn_output(c, &data);
    if (log != NULL)
        tls_buf_bytes(log, data, n);
    tls_conn_output_done(c, n);
}

/* Issue 9's features a recorder's peer may add (config's extras). */
enum {
    X_MTLS = 1,     /* server: asks for a client certificate (optional) */
    X_REQUIRE = 2,  /* server: and requires one */
    X_ALPN = 4,     /* either side: "h2", "http/1.1" (server: "http/1.1" first) */
    X_OCSP = 8,     /* client: status_request; server: staples fuzz_ocsp.h's response */
};

static void add_extras(tls_config *cfg, int extras)
{
    static const uint8_t alpn_client[] = { 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
    static const uint8_t alpn_server[] = { 8, 'h', 't', 't', 'p', '/', '1', '.', '1', 2, 'h', '2' };
    static const char *const cas[] = { fuzz_ec_cert_pem, fuzz_rsa_cert_pem, fuzz_ed25519_cert_pem };
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    int rc = 0;
    if (extras & (X_MTLS | X_REQUIRE)) {
        for (size_t i = 0; rc == 0 && i < sizeof cas / sizeof cas[0]; i++)
            rc = tls_config_load_ca_pem(cfg, cas[i], strlen(cas[i]), &err);
        cfg->verify = (extras & X_REQUIRE) ? TLS_VERIFY_REQUIRED : TLS_VERIFY_PEER;
    }
    if (rc == 0 && (extras & X_ALPN))
        rc = cfg->is_server ? tls_config_set_alpn(cfg, alpn_server, sizeof alpn_server, &err)
                            : tls_config_set_alpn(cfg, alpn_client, sizeof alpn_client, &err);
    if (rc == 0 && (extras & X_OCSP)) {
        if (cfg->is_server)
            rc = tls_config_set_ocsp_response(cfg, (const char *)fuzz_ec_ocsp_der, sizeof fuzz_ec_ocsp_der, 0,
                                              &err);
        else
            cfg->ocsp = TLS_OCSP_ASK;
    }
    if (rc != 0) {
        fprintf(stderr, "record_seeds: config: %s\n", err.reason);
        exit(1);
    }
}

static tls_config *config(int is_server, const char *cert, const char *key, const char *suites,
                          const char *groups, int extras)
{
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    tls_config *cfg = tls_config_new(is_server);
    int rc = cfg == NULL;
    if (!rc && cert != NULL)
        rc = tls_config_set_chain(cfg, cert, strlen(cert), 0, &err) ||
             tls_config_set_key(cfg, key, strlen(key), 0, NULL, &err);
    if (!rc && suites != NULL)
        rc = tls_config_set_suites(cfg, suites, &err);
    if (!rc && groups != NULL)
        rc = tls_config_set_groups(cfg, groups, &err);
    /* A list of TLS 1.2 suites only means a TLS 1.2 peer. */
    if (!rc && suites != NULL && strstr(suites, "TLS_AES_") == NULL && strstr(suites, "TLS_CHACHA20") == NULL)
        rc = tls_config_set_versions(cfg, TLS_VERSION_12, TLS_VERSION_12, &err);
    if (rc) {
        fprintf(stderr, "record_seeds: config: %s\n", err.reason);
        exit(1);
    }
    /* The recorder's own peers need not verify: only the fuzz targets'
     * clients (fuzz_client_config) do, against the fixed certificates. */
    cfg->verify = 0;
    /* A client that asks for OCSP checks the stapled response against its
     * trust store (rfc6066#8: a response that does not hold fails), so it
     * needs the fixed EC certificate, the response's signer, in it. */
    if (!is_server && (extras & X_OCSP) &&
        tls_config_load_ca_pem(cfg, fuzz_ec_cert_pem, strlen(fuzz_ec_cert_pem), &err) != 0) {
        fprintf(stderr, "record_seeds: config: %s\n", err.reason);
        exit(1);
    }
    add_extras(cfg, extras);
    return cfg;
}

/* ---- Whole flights: fuzz_server and fuzz_client seeds -------------------- */

/* A full handshake, then a line of application data each way and
 * close_notify; the bytes each side sent are logged. */
static int converse(tls_conn *client, tls_conn *server, tls_buf *client_sent, tls_buf *server_sent)
{
    fuzz_start(client);
    for (int i = 0; i < 4; i++) {
        const uint8_t *d;
        size_t n = tls_conn_output(client, &d);
        tls_buf_bytes(client_sent, d, n);
        fuzz_pump(client, server);
        n = tls_conn_output(server, &d);
        tls_buf_bytes(server_sent, d, n);
        fuzz_pump(server, client);
    }
    unsigned both = tls_conn_status(client) & tls_conn_status(server);
    if (!(both & TLS_STATUS_HANDSHAKE_DONE) || (both & TLS_STATUS_FAILED))
        return -1;
    fuzz_write(client, (const uint8_t *)"GET / HTTP/1.0\r\n\r\n", 18);
    fuzz_close(client);
    fuzz_write(server, (const uint8_t *)"HTTP/1.0 200 OK\r\n\r\nhello\n", 26);
    fuzz_close(server);
    take_output(client, client_sent);
    take_output(server, server_sent);
    return 0;
}

/* Feeds a recorded flight into a fresh engine, as the target will; a
 * client offers session `which` first (-1: none), and the handshake must
 * then resume. */
static int replays_resuming(tls_config *cfg, const tls_buf *flight, int which, int want_resumed)
{
    fuzz_rng_reset();
    tls_conn *c = fuzz_conn_new(cfg);
    if (!cfg->is_server) {
        if (which >= 0)
            fuzz_offer_session(c, (enum fuzz_session)which);
        fuzz_start(c);
        take_output(c, NULL);
    }
    fuzz_feed(c, flight->data, flight->len);
    int ok = (tls_conn_status(c) & TLS_STATUS_HANDSHAKE_DONE) && !(tls_conn_status(c) & TLS_STATUS_FAILED);
    if (!ok)
        fprintf(stderr, "record_seeds: replay stopped: %s\n", tls_conn_error(c)->reason);
    else if (want_resumed && !c->resumed) {
        fprintf(stderr, "record_seeds: replay did not resume\n");
        ok = 0;
    }
    tls_conn_free(c);
    return ok;
}

static int replays_to_the_end(tls_config *cfg, const tls_buf *flight)
{
    return replays_resuming(cfg, flight, -1, 0);
}

static const char *const resume_seed_names[FUZZ_N_SESSIONS] = {
    "pair_resume13", "pair_tls12_resume_ticket", "pair_tls12_resume_id", "pair_resume13_early",
};

/* A client offering set-up's session `which` against server: the bytes
 * each side sent. 0 when both resumed (and the early data was accepted,
 * for FUZZ_SESSION_13_EARLY). */
static int converse_resuming(int which, tls_config *server_cfg, tls_buf *client_sent, tls_buf *server_sent)
{
    fuzz_rng_reset();
    tls_conn *client = fuzz_conn_new(fuzz_session_client_config((enum fuzz_session)which));
    tls_conn *server = fuzz_conn_new(server_cfg);
    int rc = fuzz_offer_session(client, (enum fuzz_session)which);
    if (rc == 0)
        rc = converse(client, server, client_sent, server_sent);
    if (rc == 0 && (!client->resumed || !server->resumed))
        rc = -1;
    if (rc == 0 && which == FUZZ_SESSION_13_EARLY && (client->early_data != 1 || server->early_data != 1))
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "record_seeds: %s: client %s; server %s\n", resume_seed_names[which],
                tls_conn_error(client)->reason, tls_conn_error(server)->reason);
    tls_conn_free(client);
    tls_conn_free(server);
    return rc;
}

/* The same flight with the first handshake record cut in two records:
 * legal (rfc8446#5.1), and the reassembly path. */
static void write_fragmented(const char *target, const char *name, const tls_buf *flight)
{
    size_t first = fuzz_record_len(flight->data, flight->len);
    if (first < 12)
        return;
    size_t body = first - TLS_RECORD_HEADER_LEN, cut = body / 2;
    tls_buf b;
    tls_buf_init(&b);
    tls_buf_bytes(&b, flight->data, 3);
    tls_buf_u16(&b, (uint16_t)cut);
    tls_buf_bytes(&b, flight->data + TLS_RECORD_HEADER_LEN, cut);
    tls_buf_bytes(&b, flight->data, 3);
    tls_buf_u16(&b, (uint16_t)(body - cut));
    tls_buf_bytes(&b, flight->data + TLS_RECORD_HEADER_LEN + cut, body - cut);
    tls_buf_bytes(&b, flight->data + first, flight->len - first);
    write_seed(target, name, b.data, b.len);
    tls_buf_free(&b);
}

static const char *const certs[][2] = {
    { fuzz_ec_cert_pem, fuzz_ec_key_pem },
    { fuzz_rsa_cert_pem, fuzz_rsa_key_pem },
    { fuzz_ed25519_cert_pem, fuzz_ed25519_key_pem },
};

/* fuzz_server seeds: what clients of many kinds send to the target's server
 * (fuzz_server_full_config: it asks for a certificate, optional, so the
 * clients without one send an empty Certificate). */
static void record_server_seeds(void)
{
    static const struct { const char *name; int key; const char *suites, *groups; int extras; } clients[] = {
        { "pair_default", -1, NULL, NULL, 0 },
        { "pair_aes256", -1, "TLS_AES_256_GCM_SHA384", NULL, 0 },
        { "pair_chacha20", -1, "TLS_CHACHA20_POLY1305_SHA256", NULL, 0 },
        { "pair_secp256r1", -1, NULL, "secp256r1", 0 },
        { "pair_secp384r1", -1, NULL, "secp384r1:x25519", 0 },
        { "pair_tls12", -1, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", NULL, 0 },
        { "pair_tls12_aes256_p256", -1, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "secp256r1", 0 },
        { "pair_tls12_chacha20", -1, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", NULL, 0 },
        /* Mutual TLS: the client's Certificate and CertificateVerify. */
        { "pair_mtls_ec", FUZZ_KEY_EC, NULL, NULL, 0 },
        { "pair_mtls_rsa", FUZZ_KEY_RSA, NULL, NULL, 0 },
        { "pair_mtls_ed25519_alpn_ocsp", FUZZ_KEY_ED25519, NULL, NULL, X_ALPN | X_OCSP },
        { "pair_alpn", -1, NULL, NULL, X_ALPN },
        { "pair_ocsp", -1, "TLS_AES_256_GCM_SHA384", NULL, X_OCSP },
        { "pair_tls12_mtls_ec", FUZZ_KEY_EC, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", NULL, 0 },
        { "pair_tls12_mtls_rsa_alpn_ocsp", FUZZ_KEY_RSA, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", NULL,
          X_ALPN | X_OCSP },
        { "pair_tls12_alpn_ocsp", -1, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", NULL, X_ALPN | X_OCSP },
    };
    tls_config *target = fuzz_server_full_config();
    /* Resumption: clients offering set-up's sessions. The target's server
     * opens their tickets with the fixed key, finds the session id in its
     * store's fixture, and accepts the early data once per input. */
    for (int w = 0; w < FUZZ_N_SESSIONS; w++) {
        tls_buf sent, ignored;
        tls_buf_init(&sent);
        tls_buf_init(&ignored);
        check(fuzz_session((enum fuzz_session)w) != NULL, "a session from set-up");
        check(converse_resuming(w, target, &sent, &ignored) == 0, resume_seed_names[w]);
        check(replays_resuming(target, &sent, -1, 1), resume_seed_names[w]);
        write_seed("fuzz_server", resume_seed_names[w], sent.data, sent.len);
        tls_buf_free(&sent);
        tls_buf_free(&ignored);
    }
    for (size_t i = 0; i < sizeof clients / sizeof clients[0]; i++) {
        int k = clients[i].key;
        tls_config *cc = config(0, k >= 0 ? certs[k][0] : NULL, k >= 0 ? certs[k][1] : NULL, clients[i].suites,
                                clients[i].groups, clients[i].extras);
        tls_buf sent, ignored;
        tls_buf_init(&sent);
        tls_buf_init(&ignored);
        fuzz_rng_reset();
        tls_conn *client = fuzz_conn_new(cc);
        tls_conn *server = fuzz_conn_new(target);
        check(converse(client, server, &sent, &ignored) == 0, clients[i].name);
        check(k < 0 || server->peer_chain != NULL, clients[i].name);
        check(replays_to_the_end(target, &sent), clients[i].name);
        write_seed("fuzz_server", clients[i].name, sent.data, sent.len);
        if (i == 0)
            write_fragmented("fuzz_server", "pair_default_fragmented", &sent);
        tls_conn_free(client);
        tls_conn_free(server);
        tls_config_unref(cc);
        tls_buf_free(&sent);
        tls_buf_free(&ignored);
    }
}

/* fuzz_client seeds: what servers of many kinds answer the target's client
 * (fuzz_client_full_config: it holds a certificate, offers ALPN and asks
 * for OCSP; the servers that do none of it ignore that). */
static void record_client_seeds(void)
{
    static const struct { const char *name; int key; const char *suites, *groups; int extras; } servers[] = {
        { "pair_default", FUZZ_KEY_EC, NULL, NULL, 0 },
        { "pair_rsa", FUZZ_KEY_RSA, NULL, NULL, 0 },
        { "pair_ed25519", FUZZ_KEY_ED25519, NULL, NULL, 0 },
        { "pair_aes256", FUZZ_KEY_EC, "TLS_AES_256_GCM_SHA384", NULL, 0 },
        { "pair_chacha20", FUZZ_KEY_EC, "TLS_CHACHA20_POLY1305_SHA256", NULL, 0 },
        { "pair_hrr_secp256r1", FUZZ_KEY_EC, NULL, "secp256r1", 0 },
        { "pair_hrr_secp384r1_aes256", FUZZ_KEY_EC, "TLS_AES_256_GCM_SHA384", "secp384r1", 0 },
        { "pair_tls12", FUZZ_KEY_EC, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", NULL, 0 },
        { "pair_tls12_rsa", FUZZ_KEY_RSA, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", NULL, 0 },
        { "pair_tls12_rsa_chacha20", FUZZ_KEY_RSA, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", NULL, 0 },
        { "pair_tls12_chacha20", FUZZ_KEY_EC, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", NULL, 0 },
        /* CertificateRequest (the client answers with its EC pair), ALPN
         * agreed, OCSP stapled (TLS 1.3: in the leaf's entry; TLS 1.2:
         * CertificateStatus). */
        { "pair_mtls", FUZZ_KEY_EC, NULL, NULL, X_MTLS },
        { "pair_mtls_required_rsa", FUZZ_KEY_RSA, "TLS_AES_256_GCM_SHA384", NULL, X_REQUIRE },
        { "pair_alpn", FUZZ_KEY_EC, "TLS_CHACHA20_POLY1305_SHA256", NULL, X_ALPN },
        { "pair_ocsp", FUZZ_KEY_EC, NULL, NULL, X_OCSP },
        { "pair_mtls_alpn_ocsp", FUZZ_KEY_EC, NULL, NULL, X_MTLS | X_ALPN | X_OCSP },
        { "pair_hrr_mtls_alpn_ocsp", FUZZ_KEY_EC, NULL, "secp384r1", X_MTLS | X_ALPN | X_OCSP },
        { "pair_tls12_mtls", FUZZ_KEY_EC, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", NULL, X_MTLS },
        { "pair_tls12_mtls_rsa", FUZZ_KEY_RSA, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", NULL, X_REQUIRE },
        { "pair_tls12_ocsp", FUZZ_KEY_EC, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", NULL, X_OCSP },
        { "pair_tls12_mtls_alpn_ocsp", FUZZ_KEY_EC, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", NULL,
          X_MTLS | X_ALPN | X_OCSP },
    };
    tls_config *target = fuzz_client_full_config(-1);
    /* Our server resuming: the input's first byte tells fuzz_client which
     * session its client offers (fuzz/fuzz_client.c). */
    for (int w = 0; w < FUZZ_N_SESSIONS; w++) {
        tls_buf sent, ignored, seed;
        tls_buf_init(&sent);
        tls_buf_init(&ignored);
        tls_buf_init(&seed);
        tls_config *server = w == FUZZ_SESSION_12_ID ? fuzz_server_ids_config() : fuzz_server_full_config();
        check(converse_resuming(w, server, &ignored, &sent) == 0, resume_seed_names[w]);
        check(replays_resuming(fuzz_session_client_config((enum fuzz_session)w), &sent, w, 1), resume_seed_names[w]);
        tls_buf_u8(&seed, (uint8_t)(w + 1));
        tls_buf_bytes(&seed, sent.data, sent.len);
        write_seed("fuzz_client", resume_seed_names[w], seed.data, seed.len);
        tls_buf_free(&sent);
        tls_buf_free(&ignored);
        tls_buf_free(&seed);
    }
    for (size_t i = 0; i < sizeof servers / sizeof servers[0]; i++) {
        tls_config *sc = config(1, certs[servers[i].key][0], certs[servers[i].key][1], servers[i].suites,
                                servers[i].groups, servers[i].extras);
        tls_buf sent, ignored;
        tls_buf_init(&sent);
        tls_buf_init(&ignored);
        fuzz_rng_reset();
        tls_conn *client = fuzz_conn_new(target);
        tls_conn *server = fuzz_conn_new(sc);
        check(converse(client, server, &ignored, &sent) == 0, servers[i].name);
        check(!(servers[i].extras & (X_MTLS | X_REQUIRE)) || server->peer_chain != NULL, servers[i].name);
        check(!(servers[i].extras & X_ALPN) || client->alpn_len == 8, servers[i].name);
        check(!(servers[i].extras & X_OCSP) || (client->ocsp != NULL && client->ocsp->status == TLS_OCSP_STATUS_GOOD), servers[i].name);
        check(replays_to_the_end(target, &sent), servers[i].name);
        write_seed("fuzz_client", servers[i].name, sent.data, sent.len);
        if (i == 0)
            write_fragmented("fuzz_client", "pair_default_fragmented", &sent);
        tls_conn_free(client);
        tls_conn_free(server);
        tls_config_unref(sc);
        tls_buf_free(&sent);
        tls_buf_free(&ignored);
    }
}

/* ---- fuzz_extra, fuzz_session and fuzz_ocsp seeds ------------------------------ */

/* Each extra pair's conversation (fuzz_common.h, fuzz_extra_setup): what
 * the client sent, for the server under test (byte 0: 2k + 1), and what
 * the server sent, for the client under test (byte 0: 2k). */
static void record_extra_seeds(void)
{
    fuzz_extra_setup();
    for (int k = 0; k < FUZZ_N_EXTRA; k++) {
        tls_buf client_sent, server_sent, seed;
        tls_buf_init(&client_sent);
        tls_buf_init(&server_sent);
        tls_buf_init(&seed);
        fuzz_rng_reset();
        tls_conn *client = fuzz_extra_client(k);
        tls_conn *server = fuzz_conn_new(fuzz_extra_server_config());
        int resumes = k == FUZZ_EXTRA_RESUME_HRR || k == FUZZ_EXTRA_RSA_KX12_RESUME;
        int ok = client != NULL && converse(client, server, &client_sent, &server_sent) == 0 &&
                 server->peer_chain != NULL && client->resumed == resumes && server->resumed == resumes &&
                 (k != FUZZ_EXTRA_RESUME_HRR || client->hello_retry) &&
                 (k == FUZZ_EXTRA_RSL13 || k == FUZZ_EXTRA_RESUME_HRR ? client->version == TLS_VERSION_13
                                                                      : client->version == TLS_VERSION_12);
        if (!ok && client != NULL)
            fprintf(stderr, "record_seeds: extra %s: client %s; server %s\n", fuzz_extra_names[k],
                    tls_conn_error(client)->reason, tls_conn_error(server)->reason);
        check(ok, fuzz_extra_names[k]);
        char name[64];
        tls_buf_u8(&seed, (uint8_t)(2 * k + 1));
        tls_buf_bytes(&seed, client_sent.data, client_sent.len);
        snprintf(name, sizeof name, "to_server_%s", fuzz_extra_names[k]);
        write_seed("fuzz_extra", name, seed.data, seed.len);
        tls_buf_clear(&seed);
        tls_buf_u8(&seed, (uint8_t)(2 * k));
        tls_buf_bytes(&seed, server_sent.data, server_sent.len);
        snprintf(name, sizeof name, "to_client_%s", fuzz_extra_names[k]);
        write_seed("fuzz_extra", name, seed.data, seed.len);
        if (client != NULL)
            tls_conn_free(client);
        tls_conn_free(server);
        tls_buf_free(&client_sent);
        tls_buf_free(&server_sent);
        tls_buf_free(&seed);
    }
}

/* Set-up's sessions as their texts, one with CRLF line ends. */
static void record_session_seeds(void)
{
    for (int w = 0; w < FUZZ_N_SESSIONS; w++) {
        const tls_buf *t = fuzz_session((enum fuzz_session)w);
        check(t != NULL, fuzz_session_names[w]);
        if (t == NULL)
            continue;
        char name[64];
        snprintf(name, sizeof name, "session_%s", fuzz_session_names[w]);
        write_seed("fuzz_session", name, t->data, t->len);
        /* The binary encoding under the text, for tls_session_decode. */
        tls_session s;
        TLS_ERROR_LOCAL(err);
        tls_error_clear(&err);
        tls_buf bin;
        tls_buf_init(&bin);
        int ok = tls_session_from_text(&s, (const char *)t->data, t->len, &err) == 0;
        if (ok) {
            ok = tls_session_encode(&s, &bin, &err) == 0;
            tls_session_wipe(&s);
        }
        check(ok, fuzz_session_names[w]);
        snprintf(name, sizeof name, "binary_%s", fuzz_session_names[w]);
        if (ok)
            write_seed("fuzz_session", name, bin.data, bin.len);
        tls_buf_free(&bin);
        if (w == FUZZ_SESSION_13) {
            tls_buf crlf;
            tls_buf_init(&crlf);
            for (size_t i = 0; i < t->len; i++) {
                if (t->data[i] == '\n')
                    tls_buf_u8(&crlf, '\r');
                tls_buf_u8(&crlf, t->data[i]);
            }
            write_seed("fuzz_session", "session_tls13_crlf", crlf.data, crlf.len);
            tls_buf_free(&crlf);
        }
    }
    fuzz_extra_setup();
    for (int k = 0; k < FUZZ_N_EXTRA; k++) {
        const tls_buf *t = fuzz_extra_session(k);
        if (t == NULL)
            continue;
        char name[64];
        snprintf(name, sizeof name, "session_extra_%s", fuzz_extra_names[k]);
        write_seed("fuzz_session", name, t->data, t->len);
    }
}

/* An OCSP response about `about` (NULL: the fixed EC certificate) signed
 * by the EC certificate's key: status, reason (revoked), thisUpdate and
 * nextUpdate in days from now (next_days 0: none), response_status. */
static void write_ocsp(const char *name, int status, int reason, long this_days, long next_days, int response_status,
                       const char *about)
{
    BIO *cb = BIO_new_mem_buf(fuzz_ec_cert_pem, -1), *kb = BIO_new_mem_buf(fuzz_ec_key_pem, -1);
    BIO *ab = BIO_new_mem_buf(about ? about : fuzz_ec_cert_pem, -1);
    X509 *cert = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    X509 *subject = ab ? PEM_read_bio_X509(ab, NULL, NULL, NULL) : NULL;
    EVP_PKEY *key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    OCSP_CERTID *id = cert && subject ? OCSP_cert_to_id(EVP_sha1(), subject, cert) : NULL;
    OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
    ASN1_TIME *this_update = X509_time_adj_ex(NULL, (int)this_days, 0, NULL);
    ASN1_TIME *next_update = next_days ? X509_time_adj_ex(NULL, (int)next_days, 0, NULL) : NULL;
    ASN1_TIME *revoked = X509_time_adj_ex(NULL, -30, 0, NULL);
    OCSP_RESPONSE *resp = NULL;
    unsigned char *der = NULL;
    int len = -1;
    if (response_status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        resp = OCSP_response_create(response_status, NULL);
    } else if (key != NULL && id != NULL && bs != NULL && this_update != NULL && revoked != NULL &&
               OCSP_basic_add1_status(bs, id, status, reason, status == V_OCSP_CERTSTATUS_REVOKED ? revoked : NULL,
                                      this_update, next_update) != NULL &&
               OCSP_basic_sign(bs, cert, key, EVP_sha256(), NULL, 0) == 1) {
        resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
    }
    if (resp != NULL)
        len = i2d_OCSP_RESPONSE(resp, &der);
    check(len > 0, name);
    if (len > 0)
        write_seed("fuzz_ocsp", name, der, (size_t)len);
    OPENSSL_free(der);
    OCSP_RESPONSE_free(resp);
    ASN1_TIME_free(this_update);
    ASN1_TIME_free(next_update);
    ASN1_TIME_free(revoked);
    OCSP_BASICRESP_free(bs);
    OCSP_CERTID_free(id);
    EVP_PKEY_free(key);
    X509_free(cert);
    X509_free(subject);
    BIO_free(cb);
    BIO_free(kb);
    BIO_free(ab);
}

/* The times are relative to now (libcrypto's clock, which the fuzz
 * builds leave alone): far from the bounds, so that a seed keeps its
 * verdict for decades. */
static void record_ocsp_seeds(void)
{
    write_seed("fuzz_ocsp", "good_stapled", fuzz_ec_ocsp_der, sizeof fuzz_ec_ocsp_der);
    write_ocsp("good", V_OCSP_CERTSTATUS_GOOD, 0, -1, 36500, OCSP_RESPONSE_STATUS_SUCCESSFUL, NULL);
    write_ocsp("revoked_key_compromise", V_OCSP_CERTSTATUS_REVOKED, OCSP_REVOKED_STATUS_KEYCOMPROMISE, -1, 36500,
               OCSP_RESPONSE_STATUS_SUCCESSFUL, NULL);
    write_ocsp("unknown", V_OCSP_CERTSTATUS_UNKNOWN, 0, -1, 36500, OCSP_RESPONSE_STATUS_SUCCESSFUL, NULL);
    write_ocsp("no_next_update_old", V_OCSP_CERTSTATUS_GOOD, 0, -30, 0, OCSP_RESPONSE_STATUS_SUCCESSFUL, NULL);
    write_ocsp("expired", V_OCSP_CERTSTATUS_GOOD, 0, -60, -30, OCSP_RESPONSE_STATUS_SUCCESSFUL, NULL);
    write_ocsp("future", V_OCSP_CERTSTATUS_GOOD, 0, 36500, 36600, OCSP_RESPONSE_STATUS_SUCCESSFUL, NULL);
    write_ocsp("other_certificate", V_OCSP_CERTSTATUS_GOOD, 0, -1, 36500, OCSP_RESPONSE_STATUS_SUCCESSFUL,
               fuzz_rsa_cert_pem);
    write_ocsp("try_later", 0, 0, 0, 0, OCSP_RESPONSE_STATUS_TRYLATER, NULL);
}

/* ---- fuzz_record seeds ---------------------------------------------------------- */

static void chunk(tls_buf *b, int raw, const void *data, size_t len)
{
    tls_buf_u8(b, (uint8_t)raw);
    tls_buf_u16(b, (uint16_t)len);
    tls_buf_bytes(b, data, len);
}

static void record_record_seeds(void)
{
    static const uint8_t http[] = "GET / HTTP/1.0\r\n\r\n\x17";
    static const uint8_t padded[] = { 'h', 'e', 'l', 'l', 'o', 0x17, 0, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t close_notify[] = { 1, 0, TLS_CT_ALERT };
    static const uint8_t fatal_alert[] = { 2, TLS_ALERT_HANDSHAKE_FAILURE, TLS_CT_ALERT };
    static const uint8_t key_update[] = { TLS_HS_KEY_UPDATE, 0, 0, 1, 1, TLS_CT_HANDSHAKE };
    static const uint8_t key_update_part1[] = { TLS_HS_KEY_UPDATE, 0, TLS_CT_HANDSHAKE };
    static const uint8_t key_update_part2[] = { 0, 1, 0, TLS_CT_HANDSHAKE };
    static const uint8_t ccs_inside[] = { 1, TLS_CT_CHANGE_CIPHER_SPEC };
    static const uint8_t empty_data[] = { TLS_CT_APPLICATION_DATA };
    static const uint8_t only_padding[] = { 0, 0, 0, 0 };
    static const uint8_t ticket[] = {
        TLS_HS_NEW_SESSION_TICKET, 0, 0, 33, 0, 0, 0x1c, 0x20, 1, 2, 3, 4, 2, 0, 1,
        0, 16, 't', 'i', 'c', 'k', 'e', 't', '-', 'o', 'f', '-', '1', '6', 'b', 'y', 't', 'e',
        0, 0, TLS_CT_HANDSHAKE,
    };
    static const uint8_t forged[] = {
        TLS_CT_APPLICATION_DATA, 3, 3, 0, 20, 'n', 'o', 't', ' ', 'a', ' ', 'r', 'e', 'a', 'l',
        ' ', 'r', 'e', 'c', 'o', 'r', 'd', '!', '!', '!',
    };
    struct { const char *name; uint8_t first; } variants[] = {
        { "to_server_aes128", 0 }, { "to_client_aes256", 3 }, { "to_server_chacha20", 4 },
    };
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        tls_buf b;
        char name[128];
        tls_buf_init(&b);
        tls_buf_u8(&b, variants[v].first);
        chunk(&b, 0, http, sizeof http - 1);
        chunk(&b, 0, padded, sizeof padded);
        chunk(&b, 0, key_update, sizeof key_update);
        chunk(&b, 0, http, sizeof http - 1);
        chunk(&b, 0, close_notify, sizeof close_notify);
        snprintf(name, sizeof name, "%s_data_keyupdate_close", variants[v].name);
        write_seed("fuzz_record", name, b.data, b.len);
        tls_buf_clear(&b);

        tls_buf_u8(&b, variants[v].first);
        chunk(&b, 0, key_update_part1, sizeof key_update_part1);
        chunk(&b, 0, key_update_part2, sizeof key_update_part2);
        chunk(&b, 0, empty_data, sizeof empty_data);
        chunk(&b, 0, fatal_alert, sizeof fatal_alert);
        snprintf(name, sizeof name, "%s_fragmented_keyupdate_alert", variants[v].name);
        write_seed("fuzz_record", name, b.data, b.len);
        tls_buf_clear(&b);

        tls_buf_u8(&b, variants[v].first);
        chunk(&b, 0, only_padding, sizeof only_padding);
        snprintf(name, sizeof name, "%s_no_content_type", variants[v].name);
        write_seed("fuzz_record", name, b.data, b.len);
        tls_buf_clear(&b);

        tls_buf_u8(&b, variants[v].first);
        chunk(&b, 0, http, sizeof http - 1);
        chunk(&b, 1, forged, sizeof forged);
        snprintf(name, sizeof name, "%s_forged_record", variants[v].name);
        write_seed("fuzz_record", name, b.data, b.len);
        tls_buf_free(&b);
    }
    tls_buf b;
    tls_buf_init(&b);
    tls_buf_u8(&b, 1);
    chunk(&b, 0, ticket, sizeof ticket);
    chunk(&b, 0, ccs_inside, sizeof ccs_inside);
    write_seed("fuzz_record", "to_client_ticket_then_ccs", b.data, b.len);
    tls_buf_clear(&b);
    /* rfc8446#5.4: 2^14 bytes of content plus the type is the largest;
     * one more byte is record_overflow. */
    uint8_t *big = calloc(1, TLS_MAX_PLAINTEXT + 2);
    big[TLS_MAX_PLAINTEXT] = TLS_CT_APPLICATION_DATA;
    tls_buf_u8(&b, 0);
    chunk(&b, 0, big, TLS_MAX_PLAINTEXT + 1);
    big[TLS_MAX_PLAINTEXT] = 'x';
    big[TLS_MAX_PLAINTEXT + 1] = TLS_CT_APPLICATION_DATA;
    chunk(&b, 0, big, TLS_MAX_PLAINTEXT + 2);
    write_seed("fuzz_record", "to_server_largest_then_overflow", b.data, b.len);
    tls_buf_clear(&b);
    /* Five full records of application data: past the 64 KiB the receiver
     * holds unread, so it stops decrypting until the data is read. */
    big[TLS_MAX_PLAINTEXT] = TLS_CT_APPLICATION_DATA;
    tls_buf_u8(&b, 1);
    chunk(&b, 4 << 1, big, TLS_MAX_PLAINTEXT + 1);
    chunk(&b, 0, http, sizeof http - 1);
    write_seed("fuzz_record", "to_client_past_high_water", b.data, b.len);
    tls_buf_clear(&b);
    /* Empty records in numbers: cover traffic (rfc8446#5.4), read without
     * limit since review40d (until then cut off after 32). */
    tls_buf_u8(&b, 0);
    for (int i = 0; i < 5; i++)
        chunk(&b, 7 << 1, empty_data, sizeof empty_data);
    write_seed("fuzz_record", "to_server_empty_record_flood", b.data, b.len);
    tls_buf_clear(&b);

    /* TLS 1.2 (byte 0 bit 3): the last byte of a sealed chunk is the record's
     * content type. Data, a renegotiation request (refused with a warning,
     * the connection goes on), data, close_notify; then the largest record
     * and one byte more. */
    static const uint8_t client_hello12[] = { TLS_HS_CLIENT_HELLO, 0, 0, 41, 3, 3,
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
        27, 28, 29, 30, 31, 32, 0, 0, 2, 0xc0, 0x2b, 1, 0, TLS_CT_HANDSHAKE };
    static const uint8_t hello_request[] = { TLS_HS_HELLO_REQUEST, 0, 0, 0, TLS_CT_HANDSHAKE };
    struct { const char *name; uint8_t first; const uint8_t *reneg; size_t reneg_len; } v12[] = {
        { "to_server_tls12_aes128", 0x08, client_hello12, sizeof client_hello12 },
        { "to_client_tls12_chacha20", 0x08 | 1 | (2 << 1), hello_request, sizeof hello_request },
    };
    for (size_t v = 0; v < sizeof v12 / sizeof v12[0]; v++) {
        char name[128];
        tls_buf_u8(&b, v12[v].first);
        chunk(&b, 0, http, sizeof http - 1);
        chunk(&b, 0, v12[v].reneg, v12[v].reneg_len);
        chunk(&b, 0, http, sizeof http - 1);
        chunk(&b, 0, close_notify, sizeof close_notify);
        snprintf(name, sizeof name, "%s_data_renegotiation_close", v12[v].name);
        write_seed("fuzz_record", name, b.data, b.len);
        tls_buf_clear(&b);

        tls_buf_u8(&b, v12[v].first);
        chunk(&b, 0, http, sizeof http - 1);
        chunk(&b, 1, forged, sizeof forged);
        snprintf(name, sizeof name, "%s_forged_record", v12[v].name);
        write_seed("fuzz_record", name, b.data, b.len);
        tls_buf_clear(&b);
    }
    /* rfc5246#6.2.1: 2^14 bytes of plaintext is the largest record. */
    big[TLS_MAX_PLAINTEXT] = TLS_CT_APPLICATION_DATA;
    tls_buf_u8(&b, 0x08);
    chunk(&b, 0, big, TLS_MAX_PLAINTEXT + 1);
    big[TLS_MAX_PLAINTEXT] = 'x';
    big[TLS_MAX_PLAINTEXT + 1] = TLS_CT_APPLICATION_DATA;
    chunk(&b, 0, big, TLS_MAX_PLAINTEXT + 2);
    write_seed("fuzz_record", "to_server_tls12_largest_then_overflow", b.data, b.len);
    free(big);
    tls_buf_free(&b);
}

/* ---- fuzz_hsmsg seeds: the message each state really gets next ------------- */

/* The next handshake message target would read from peer's output,
 * decrypted with a copy of target's read state. */
static int peek_message(tls_conn *target, tls_conn *peer, tls_buf *msg)
{
    const uint8_t *d;
    size_t left = tls_conn_output(peer, &d), n;
    while ((n = fuzz_record_len(d, left)) > 0 && d[0] == TLS_CT_CHANGE_CIPHER_SPEC) {
        d += n;
        left -= n;
    }
    if (n == 0)
        return -1;
    tls_buf rec;
    tls_buf_init(&rec);
    tls_buf_bytes(&rec, d, n);
    uint8_t *payload = rec.data + TLS_RECORD_HEADER_LEN;
    size_t len = n - TLS_RECORD_HEADER_LEN;
    int rc = 0;
    if (target->rd_protected) {
        TLS_ERROR_LOCAL(err);
        tls_error_clear(&err);
        uint64_t seq = target->rd.seq;
        rc = tls_aead_open(&target->rd, rec.data, TLS_RECORD_HEADER_LEN, payload, len, &len, &err);
        target->rd.seq = seq;
        while (rc == 0 && len > 0 && payload[len - 1] == 0)
            len--;
        if (rc == 0 && (len == 0 || payload[--len] != TLS_CT_HANDSHAKE))
            rc = -1;
    }
    if (rc == 0 && len >= TLS_HS_HEADER_LEN) {
        size_t body = ((size_t)payload[1] << 16) | ((size_t)payload[2] << 8) | payload[3];
        if (TLS_HS_HEADER_LEN + body <= len)
            tls_buf_bytes(msg, payload, TLS_HS_HEADER_LEN + body);
        else
            rc = -1;
    }
    tls_buf_free(&rec);
    return rc == 0 && msg->len > 0 ? 0 : -1;
}

static void write_hsmsg(int state, int suite_bits, const char *what, const uint8_t *msg, size_t len)
{
    tls_buf b;
    char name[128];
    tls_buf_init(&b);
    tls_buf_u8(&b, FUZZ_HS_STATE_BYTE(state, suite_bits));
    tls_buf_u8(&b, msg[0]);
    tls_buf_bytes(&b, msg + TLS_HS_HEADER_LEN, len - TLS_HS_HEADER_LEN);
    snprintf(name, sizeof name, "%s_%s_suite%d", fuzz_hs_state_names[state], what, suite_bits);
    write_seed("fuzz_hsmsg", name, b.data, b.len);
    tls_buf_free(&b);
}

static void record_hsmsg_seeds(void)
{
    static const uint8_t key_update_request[] = { TLS_HS_KEY_UPDATE, 0, 0, 1, 1 };
    static const uint8_t key_update[] = { TLS_HS_KEY_UPDATE, 0, 0, 1, 0 };
    static const uint8_t ticket[] = {
        TLS_HS_NEW_SESSION_TICKET, 0, 0, 25, 0, 0, 0x1c, 0x20, 1, 2, 3, 4, 2, 0, 1,
        0, 8, 't', 'i', 'c', 'k', 'e', 't', '!', '!', 0, 0,
    };
    static const int suites[] = { 3, 2, 1 }; /* all offered, ChaCha20, AES-256 */
    for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
        int suite = suites[s] == 3 ? -1 : suites[s];
        for (int state = 0; state < FUZZ_HS_N_STATES; state++) {
            /* A session fixes the suite: one seed for such a state. */
            if (suites[s] != 3 && state >= FUZZ_HS_CLIENT_RESUME_WAIT_SH && state != FUZZ_HS_CLIENT_WAIT_TICKET &&
                state != FUZZ_HS_CLIENT12_WAIT_TICKET)
                continue;
            fuzz_rng_reset();
            fuzz_pair p;
            if (fuzz_hs_drive(&p, (enum fuzz_hs_state)state, suite) != 0) {
                check(0, fuzz_hs_state_names[state]);
                continue;
            }
            tls_buf msg;
            tls_buf_init(&msg);
            if (state == FUZZ_HS_CLIENT_CONNECTED) {
                write_hsmsg(state, suites[s], "key_update_request", key_update_request,
                            sizeof key_update_request);
                write_hsmsg(state, suites[s], "new_session_ticket", ticket, sizeof ticket);
            } else if (state == FUZZ_HS_SERVER_CONNECTED) {
                write_hsmsg(state, suites[s], "key_update_request", key_update_request,
                            sizeof key_update_request);
                write_hsmsg(state, suites[s], "key_update", key_update, sizeof key_update);
            } else if (peek_message(p.target, p.peer, &msg) == 0) {
                write_hsmsg(state, suites[s], "real", msg.data, msg.len);
                /* The real message must be accepted where the target hands it over. */
                check(fuzz_hs_handle(p.target, msg.data, msg.len) == 0, fuzz_hs_state_names[state]);
            } else {
                check(0, fuzz_hs_state_names[state]);
            }
            tls_buf_free(&msg);
            fuzz_pair_free(&p);
        }
    }
    /* A HelloRetryRequest where a ServerHello is awaited. */
    fuzz_rng_reset();
    tls_conn *client = fuzz_conn_new(fuzz_client_config(-1));
    tls_conn *server = fuzz_conn_new(fuzz_server_hrr_config());
    fuzz_start(client);
    fuzz_pump(client, server);
    tls_buf msg;
    tls_buf_init(&msg);
    check(peek_message(client, server, &msg) == 0, "HelloRetryRequest");
    if (msg.len > 0)
        write_hsmsg(FUZZ_HS_CLIENT_WAIT_SH, 3, "hello_retry_request", msg.data, msg.len);
    /* The same with a cookie (rfc8446#4.2.2), which the second ClientHello
     * must echo: the extension block is the message's last field. */
    if (msg.len > TLS_HS_HEADER_LEN + 2) {
        static const uint8_t cookie[] = { 0, TLS_EXT_COOKIE, 0, 10, 0, 8, 'c', 'o', 'o', 'k', 'i', 'e', '!', '!' };
        size_t sid_len = msg.data[TLS_HS_HEADER_LEN + 2 + TLS_RANDOM_LEN];
        size_t ext_at = TLS_HS_HEADER_LEN + 2 + TLS_RANDOM_LEN + 1 + sid_len + 3;
        size_t ext_len = ((size_t)msg.data[ext_at] << 8 | msg.data[ext_at + 1]) + sizeof cookie;
        msg.data[ext_at] = (uint8_t)(ext_len >> 8);
        msg.data[ext_at + 1] = (uint8_t)ext_len;
        tls_buf_bytes(&msg, cookie, sizeof cookie);
        write_hsmsg(FUZZ_HS_CLIENT_WAIT_SH, 3, "hello_retry_request_cookie", msg.data, msg.len);
    }
    tls_buf_free(&msg);
    tls_conn_free(client);
    tls_conn_free(server);
}

/* ---- Over TCP, against openssl ----------------------------------------------- */

static int tcp_socket(int port, int listening)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (listening) {
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 1) == 0)
            return fd;
    } else {
        for (int tries = 0; tries < 50; tries++) {
            if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
                return fd;
            struct timespec ts = { 0, 100 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    close(fd);
    return -1;
}

static int send_all(int fd, tls_conn *c)
{
    const uint8_t *d;
    size_t n = tls_conn_output(c, &d);
    while (n > 0) {
        ssize_t w = send(fd, d, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        tls_conn_output_done(c, (size_t)w);
        n = tls_conn_output(c, &d);
    }
    return 0;
}

/* Runs c over fd until the peer closes or is quiet for quiet_ms after the
 * handshake (openssl's NewSessionTickets come then); logs what it reads. */
static int run_over_socket(int fd, tls_conn *c, const char *path)
{
    tls_buf log;
    tls_buf_init(&log);
    int said_hello = 0;
    for (;;) {
        if (send_all(fd, c) != 0)
            break;
        unsigned st = tls_conn_status(c);
        if (st & (TLS_STATUS_FAILED | TLS_STATUS_PEER_CLOSED))
            break;
        if ((st & TLS_STATUS_HANDSHAKE_DONE) && !said_hello) {
            fuzz_write(c, (const uint8_t *)"hello from luatls\n", 18);
            said_hello = 1;
            continue;
        }
        struct pollfd pfd = { fd, POLLIN, 0 };
        int ready = poll(&pfd, 1, (st & TLS_STATUS_HANDSHAKE_DONE) ? 1000 : 5000);
        if (ready <= 0)
            break;
        uint8_t buf[16384];
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r <= 0)
            break;
        tls_buf_bytes(&log, buf, (size_t)r);
        fuzz_feed(c, buf, (size_t)r);
    }
    int done = (tls_conn_status(c) & TLS_STATUS_HANDSHAKE_DONE) != 0;
    if (!done) {
        fprintf(stderr, "record_seeds: handshake with openssl failed: %s\n", tls_conn_error(c)->reason);
    } else {
        /* What the flight holds, for the log of `make fuzz-seeds`. */
        tls_conn_info info;
        tls_conn_get_info(c, &info);
        int mtls = c->is_server ? info.peer_chain != NULL : info.client_certificate != NULL;
        printf("record_seeds: %s: TLS 1.%d, %s certificate, ALPN %.*s, OCSP %s\n", path,
               info.version == TLS_VERSION_13 ? 3 : 2, mtls ? "client" : "no client",
               info.alpn_len ? (int)info.alpn_len : 4, info.alpn_len ? (const char *)info.alpn : "none",
               c->is_server ? (c->ocsp_asked ? "stapled" : "not asked")
                            : tls_ocsp_status_name(info.ocsp ? info.ocsp->status : TLS_OCSP_STATUS_NONE));
    }
    fuzz_close(c);
    send_all(fd, c);
    FILE *f = fopen(path, "wb");
    if (f == NULL || (log.len > 0 && fwrite(log.data, 1, log.len, f) != log.len))
        done = 0;
    if (f != NULL)
        fclose(f);
    tls_buf_free(&log);
    return done ? 0 : 1;
}

static int serve(int port, const char *path)
{
    int lfd = tcp_socket(port, 1);
    if (lfd < 0) {
        perror("record_seeds: listen");
        return 1;
    }
    /* FILE, empty, tells fuzz/record_seeds.sh that the client may come. */
    FILE *ready = fopen(path, "wb");
    if (ready == NULL || fclose(ready) != 0) {
        perror(path);
        close(lfd);
        return 1;
    }
    struct pollfd pfd = { lfd, POLLIN, 0 };
    if (poll(&pfd, 1, 10000) <= 0) {
        fprintf(stderr, "record_seeds: no client came\n");
        close(lfd);
        return 1;
    }
    int fd = accept(lfd, NULL, NULL);
    close(lfd);
    if (fd < 0)
        return 1;
    fuzz_rng_reset();
    tls_conn *c = fuzz_conn_new(fuzz_server_full_config());
    int rc = run_over_socket(fd, c, path);
    tls_conn_free(c);
    close(fd);
    return rc;
}

/* fuzz_client and fuzz_server with record batching: the first byte picks
 * the pair (fuzz_common.h, fuzz_batch_run), the rest is what the peer of
 * the connection under test sent in the pair's own conversation. */
static void record_batch_seeds(void)
{
    static const char *const names[FUZZ_N_BATCH_PAIRS] = {
        "batched_full13", "batched_resume13", "batched_tls12_resume_ticket", "batched_tls12_resume_id",
        "batched_resume13_early", "batched_full12", "batched_hrr",
    };
    for (int k = 0; k < FUZZ_N_BATCH_PAIRS; k++) {
        fuzz_pair p;
        tls_buf client_sent, server_sent, seed;
        tls_buf_init(&client_sent);
        tls_buf_init(&server_sent);
        fuzz_rng_reset();
        int rc = fuzz_batch_pair_new(&p, k, 0);
        check(rc == 0, names[k]);
        if (rc == 0) {
            check(converse(p.client, p.server, &client_sent, &server_sent) == 0, names[k]);
            check(k == 0 || k == FUZZ_BATCH_FULL12 || (k == FUZZ_BATCH_HRR && p.client->hello_retry) ||
                      (p.client->resumed && p.server->resumed),
                  names[k]);
            fuzz_pair_free(&p);
        }
        for (int to_server = 0; to_server < 2; to_server++) {
            const tls_buf *sent = to_server ? &client_sent : &server_sent;
            tls_buf_init(&seed);
            tls_buf_u8(&seed, (uint8_t)(FUZZ_BATCH_BYTE + k));
            tls_buf_bytes(&seed, sent->data, sent->len);
            write_seed(to_server ? "fuzz_server" : "fuzz_client", names[k], seed.data, seed.len);
            tls_buf_free(&seed);
        }
        tls_buf_free(&client_sent);
        tls_buf_free(&server_sent);
    }
}

static int connect_to(int port, const char *path)
{
    int fd = tcp_socket(port, 0);
    if (fd < 0) {
        perror("record_seeds: connect");
        return 1;
    }
    fuzz_rng_reset();
    tls_conn *c = fuzz_conn_new(fuzz_client_full_config(-1));
    fuzz_start(c);
    int rc = run_over_socket(fd, c, path);
    tls_conn_free(c);
    close(fd);
    if (rc == 0) {
        /* As the target will read it. */
        FILE *f = fopen(path, "rb");
        tls_buf flight;
        tls_buf_init(&flight);
        uint8_t buf[4096];
        size_t n;
        while (f != NULL && (n = fread(buf, 1, sizeof buf, f)) > 0)
            tls_buf_bytes(&flight, buf, n);
        if (f != NULL)
            fclose(f);
        rc = replays_to_the_end(fuzz_client_full_config(-1), &flight) ? 0 : 1;
        tls_buf_free(&flight);
    }
    return rc;
}

static int free_port(void)
{
    int fd = tcp_socket(0, 1);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    if (fd < 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return 1;
    printf("%d\n", ntohs(a.sin_port));
    close(fd);
    return 0;
}

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int ok = f != NULL && fwrite(data, 1, len, f) == len;
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    return ok ? 0 : 1;
}

static int write_certs(const char *dir)
{
    return write_file(dir, "cert.pem", fuzz_ec_cert_pem, strlen(fuzz_ec_cert_pem)) ||
           write_file(dir, "key.pem", fuzz_ec_key_pem, strlen(fuzz_ec_key_pem)) ||
           write_file(dir, "rsa_cert.pem", fuzz_rsa_cert_pem, strlen(fuzz_rsa_cert_pem)) ||
           write_file(dir, "rsa_key.pem", fuzz_rsa_key_pem, strlen(fuzz_rsa_key_pem)) ||
           write_file(dir, "ocsp.der", fuzz_ec_ocsp_der, sizeof fuzz_ec_ocsp_der);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    int rc = 2;
    fuzz_setup();
    if (strcmp(mode, "pairs") == 0 && argc == 3) {
        out_dir = argv[2];
        mkdir(out_dir, 0755);
    }
    if ((strcmp(mode, "pairs") == 0 && argc == 3) || (strcmp(mode, "check") == 0 && argc == 2)) {
        record_server_seeds();
        record_client_seeds();
        record_batch_seeds();
        record_record_seeds();
        record_hsmsg_seeds();
        record_extra_seeds();
        record_session_seeds();
        record_ocsp_seeds();
        printf("record_seeds: %s, %d failure(s)\n", out_dir ? "seeds written" : "pairs checked", failures);
        rc = failures ? 1 : 0;
    } else if (strcmp(mode, "certs") == 0 && argc == 3) {
        rc = write_certs(argv[2]);
    } else if (strcmp(mode, "freeport") == 0 && argc == 2) {
        rc = free_port();
    } else if (strcmp(mode, "serve") == 0 && argc == 4) {
        rc = serve(atoi(argv[2]), argv[3]);
    } else if (strcmp(mode, "connect") == 0 && argc == 4) {
        rc = connect_to(atoi(argv[2]), argv[3]);
    } else {
        fprintf(stderr, "usage: %s pairs DIR | check | certs DIR | freeport | serve PORT FILE | "
                        "connect PORT FILE\n", argv[0]);
    }
    fuzz_teardown();
    return rc;
}
