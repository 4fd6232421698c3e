/* bench_engine: our sans-I/O engine against libssl, in one process, no
 * sockets. Both stacks run the same work in alternating rounds, so that a
 * change of CPU frequency or a noisy neighbour hits both alike.
 *
 *   bench_engine [--quick] [--rounds N]   (N rounds of handshakes, 2N of bulk)
 *   bench_engine --only KIND --count N      (for callgrind; KIND is one of
 *       {ours,libssl}-{ecdsa,rsa,ecdsa12,rsakx12,resume13,resume12,cold}: N handshakes
 *       (resume*: resumed ones, after a first full handshake for the session);
 *       bound-ecdsa: N of the TLS 1.3 ECDSA handshake's crypto bound;
 *       bulk-{ours,libssl,bound}-{aes,chacha,aes12}: N MiB)
 *
 * Output: detail lines starting with "#", then `name value` lines.
 *
 * Memory is counted, not estimated: libcrypto and libssl allocate through
 * CRYPTO_set_mem_functions (installed before any other libcrypto call), and
 * the engine's own malloc/calloc/free calls (tls_buf.c, tls_engine.c) are
 * redirected with the linker's --wrap option to the same counters. Every
 * block counts as malloc_usable_size, for both stacks alike. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "pki/tls_config.h"
#include "engine/tls_engine.h"
#include "engine/tls_conn_int.h" /* record_per_message, for count_transcript only */
#include "util/tls_consts.h"
#include "util/tls_names.h"

/* ---- Allocation counting ------------------------------------------------ */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

static long long live_bytes;
static long long live_blocks;

void *__wrap_malloc(size_t n)
{
    void *p = __real_malloc(n);
    if (p != NULL) {
        live_bytes += (long long)malloc_usable_size(p);
        live_blocks++;
    }
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    void *p = __real_calloc(n, size);
    if (p != NULL) {
        live_bytes += (long long)malloc_usable_size(p);
        live_blocks++;
    }
    return p;
}

void __wrap_free(void *p)
{
    if (p == NULL)
        return;
    live_bytes -= (long long)malloc_usable_size(p);
    live_blocks--;
    __real_free(p);
}

void *__wrap_realloc(void *p, size_t n)
{
    size_t old = p ? malloc_usable_size(p) : 0;
    void *q = __real_realloc(p, n);
    if (q != NULL || n == 0) {
        live_bytes -= (long long)old;
        if (p != NULL && q == NULL)
            live_blocks--;
        if (q != NULL) {
            live_bytes += (long long)malloc_usable_size(q);
            if (p == NULL)
                live_blocks++;
        }
    }
    return q;
}

static void *count_crypto_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return __wrap_malloc(n);
}

static void *count_crypto_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return __wrap_realloc(p, n);
}

static void count_crypto_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    __wrap_free(p);
}

/* ---- Small helpers -------------------------------------------------------- */
/* CPU time of this (single-threaded) process: on a shared machine, time
 * spent descheduled would otherwise land on whichever stack was running. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench_engine: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    ERR_print_errors_fp(stderr);
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct stats {
    double median, min, max;
} stats;

static stats summarize(const double *v, int n)
{
    double s[64];
    stats r = { 0, 0, 0 };
    if (n <= 0)
        return r;
    memcpy(s, v, sizeof *v * (size_t)n);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    r.min = s[0];
    r.max = s[n - 1];
    r.median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    return r;
}

static void print_stats(const char *what, const char *unit, const double *v, int n)
{
    stats s = summarize(v, n);
    printf("# %-40s %12.3f %-6s (range %.3f .. %.3f, %d rounds)\n", what, s.median, unit, s.min,
           s.max, n);
}

/* ---- Certificates: a CA and a leaf for "localhost", by the openssl CLI -- */
typedef struct pki {
    char dir[64];
    char ca[128], leaf[128], key[128];
} pki;

static void run(const char *cmd)
{
    if (system(cmd) != 0)
        die("command failed", cmd);
}

static void make_pki(pki *p, const char *dir, const char *kind)
{
    char cmd[2048];
    const char *newkey = strcmp(kind, "rsa") == 0 ? "-newkey rsa:2048"
                                                  : "-newkey ec -pkeyopt ec_paramgen_curve:P-256";
    snprintf(p->dir, sizeof p->dir, "%s", dir);
    snprintf(p->ca, sizeof p->ca, "%s/%s-ca.pem", dir, kind);
    snprintf(p->leaf, sizeof p->leaf, "%s/%s-leaf.pem", dir, kind);
    snprintf(p->key, sizeof p->key, "%s/%s-leaf.key", dir, kind);
    snprintf(cmd, sizeof cmd,
             "cd %s && "
             "printf 'basicConstraints=critical,CA:TRUE\\nkeyUsage=critical,keyCertSign,cRLSign\\n' > %s-ca.ext && "
             "printf 'basicConstraints=CA:FALSE\\nkeyUsage=critical,digitalSignature%s\\n"
             "extendedKeyUsage=serverAuth\\nsubjectAltName=DNS:localhost,IP:127.0.0.1\\n' > %s-leaf.ext && "
             "openssl req -new %s -nodes -keyout %s-ca.key -out %s-ca.csr -subj '/CN=bench %s CA' 2>/dev/null && "
             "openssl x509 -req -in %s-ca.csr -signkey %s-ca.key -days 30 -extfile %s-ca.ext -out %s-ca.pem 2>/dev/null && "
             "openssl req -new %s -nodes -keyout %s-leaf.key -out %s-leaf.csr -subj '/CN=localhost' 2>/dev/null && "
             "openssl x509 -req -in %s-leaf.csr -CA %s-ca.pem -CAkey %s-ca.key -CAcreateserial -days 30 "
             "-extfile %s-leaf.ext -out %s-leaf.pem 2>/dev/null",
             dir, kind, strcmp(kind, "rsa") == 0 ? ",keyEncipherment" : "", kind, newkey, kind, kind,
             kind, kind, kind, kind, kind, newkey, kind, kind, kind, kind, kind, kind, kind);
    run(cmd);
}

/* ---- What a comparison runs ------------------------------------------------ */
/* The protocol version and the suite on each side; NULL lists mean the
 * stack's defaults (TLS 1.3: all three AEAD suites on both). */
typedef struct proto {
    int tls12;               /* both stacks on both sides limited to TLS 1.2 */
    const char *ours_suites; /* tls_config_set_suites list */
    const char *libssl_list; /* TLS 1.3: SSL_CTX_set_ciphersuites; TLS 1.2: SSL_CTX_set_cipher_list */
} proto;

static const proto TLS13_DEFAULT = { 0, NULL, NULL };
static const proto TLS13_AES128GCM = { 0, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256" };
static const proto TLS13_CHACHA20 = { 0, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256" };
static const proto TLS12_ECDHE_ECDSA = { 1, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                                         "ECDHE-ECDSA-AES128-GCM-SHA256" };
static const proto TLS12_RSA_KX = { 1, "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256" };

/* ---- Our engine ------------------------------------------------------------ */
typedef struct ours_side {
    tls_config *client, *server;
} ours_side;

static void ours_configs(ours_side *o, const pki *p, const proto *v)
{
    TLS_ERROR_LOCAL(e);
    const char *suites = v->ours_suites;
    /* X25519 for the key exchange. TLS 1.2 also needs the leaf's curve in
     * the client's groups (rfc8422#5.1: the certificate's key must be on a
     * curve the client offered; libssl enforces it), so P-256 is listed
     * second there. */
    const char *groups = v->tls12 ? "x25519:secp256r1" : "x25519";
    tls_error_clear(&e);
    o->client = tls_config_new(0);
    o->server = tls_config_new(1);
    if (o->client == NULL || o->server == NULL)
        die("tls_config_new", NULL);
    if (tls_config_load_ca_file(o->client, p->ca, strlen(p->ca), &e) != 0
        || (v->tls12 && tls_config_set_versions(o->client, TLS_VERSION_12, TLS_VERSION_12, &e) != 0)
        || (v->tls12 && tls_config_set_versions(o->server, TLS_VERSION_12, TLS_VERSION_12, &e) != 0)
        || tls_config_set_chain(o->server, p->leaf, strlen(p->leaf), 1, &e) != 0
        || tls_config_set_key(o->server, p->key, strlen(p->key), 1, NULL, &e) != 0
        || tls_config_set_groups(o->client, groups, &e) != 0
        || tls_config_set_groups(o->server, groups, &e) != 0
        || (suites && tls_config_set_suites(o->client, suites, &e) != 0)
        || (suites && tls_config_set_suites(o->server, suites, &e) != 0))
        die("configuring our engine", e.reason);
    /* No tickets, as libssl gets SSL_OP_NO_TICKET: a full handshake here
     * is only a full handshake. The resumption comparison turns them on. */
    o->server->tickets = 0;
}

static void ours_free_configs(ours_side *o)
{
    tls_config_unref(o->client);
    tls_config_unref(o->server);
}

/* Moves everything a has to send into b. */
static void pump(tls_conn *a, tls_conn *b)
{
    const uint8_t *d;
    size_t n = tls_conn_output(a, &d);
    if (n > 0) {
        if (tls_conn_feed(b, d, n) != 0)
            die("our engine failed", tls_conn_error(b)->reason);
        tls_conn_output_done(a, n);
    }
}

static void ours_handshake(tls_conn *c, tls_conn *s)
{
    if (tls_conn_set_server_name(c, "localhost") != 0 || tls_conn_start(c) != 0)
        die("our client did not start", tls_conn_error(c)->reason);
    for (int i = 0; i < 16; i++) {
        unsigned cs = tls_conn_status(c), ss = tls_conn_status(s);
        if ((cs & ss & TLS_STATUS_HANDSHAKE_DONE) && tls_conn_output(c, &(const uint8_t *){ 0 }) == 0)
            return;
        pump(c, s);
        pump(s, c);
    }
    die("our handshake did not finish", tls_conn_error(c)->reason);
}

/* Per handshake, ours: two tls_conn_new, the handshake, two tls_conn_free.
 * Each connection's receive and output buffers are its own, allocated by
 * the engine as it needs them and freed with the connection (they are part
 * of the engine, as libssl's SSL buffers are of libssl). There is no
 * network buffer: pump() hands one side's output straight to the other's
 * tls_conn_feed. The libssl side is made symmetric: its network (the BIO
 * pair) is made once per loop, before the timing, and only the two SSL
 * objects are made and freed per handshake (libssl_one_handshake). */
static void ours_one_handshake(const ours_side *o)
{
    tls_conn *c = tls_conn_new(o->client), *s = tls_conn_new(o->server);
    if (c == NULL || s == NULL)
        die("tls_conn_new", NULL);
    ours_handshake(c, s);
    tls_conn_free(c);
    tls_conn_free(s);
}

/* Kept out of line so that callgrind can collect exactly this
 * (--toggle-collect=hs_loop_*). */
__attribute__((noinline)) void hs_loop_ours(const ours_side *o, int n)
{
    for (int i = 0; i < n; i++)
        ours_one_handshake(o);
}

/* ---- libssl ------------------------------------------------------------------ */
typedef struct libssl_side {
    SSL_CTX *client, *server;
} libssl_side;

static void libssl_configs(libssl_side *l, const pki *p, const proto *v)
{
    const char *list = v->libssl_list ? v->libssl_list
                                      : "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
    int version = v->tls12 ? TLS1_2_VERSION : TLS1_3_VERSION;
    l->client = SSL_CTX_new(TLS_client_method());
    l->server = SSL_CTX_new(TLS_server_method());
    if (l->client == NULL || l->server == NULL)
        die("SSL_CTX_new", NULL);
    SSL_CTX *both[2] = { l->client, l->server };
    for (int i = 0; i < 2; i++) {
        SSL_CTX *x = both[i];
        /* The same work as ours: one version, X25519, no tickets, no
         * session cache, no resumption. Extended master secret (rfc7627)
         * is on by default in libssl, as in ours. */
        if (SSL_CTX_set_min_proto_version(x, version) != 1
            || SSL_CTX_set_max_proto_version(x, version) != 1
            || SSL_CTX_set1_groups_list(x, v->tls12 ? "X25519:P-256" : "X25519") != 1
            || (v->tls12 ? SSL_CTX_set_cipher_list(x, list) : SSL_CTX_set_ciphersuites(x, list)) != 1)
            die("configuring libssl", NULL);
        SSL_CTX_set_options(x, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(x, 0);
        SSL_CTX_set_session_cache_mode(x, SSL_SESS_CACHE_OFF);
    }
    if (SSL_CTX_load_verify_locations(l->client, p->ca, NULL) != 1
        || SSL_CTX_use_certificate_chain_file(l->server, p->leaf) != 1
        || SSL_CTX_use_PrivateKey_file(l->server, p->key, SSL_FILETYPE_PEM) != 1)
        die("loading certificates into libssl", NULL);
    SSL_CTX_set_verify(l->client, SSL_VERIFY_PEER, NULL);
}

static void libssl_free_configs(libssl_side *l)
{
    SSL_CTX_free(l->client);
    SSL_CTX_free(l->server);
}

typedef struct libssl_pair {
    SSL *c, *s;
    BIO *bc, *bs;
} libssl_pair;

/* The BIO pair stands in for the network. It is made (and counted) apart
 * from the connections: each BIO gets an extra reference so that SSL_free
 * does not take the network down with it. The handshake loops make one
 * pair before their timing and reuse it for every handshake, as ours has
 * no network buffer to make per handshake (see ours_one_handshake). */
static void libssl_net(libssl_pair *p, size_t buf)
{
    p->c = p->s = NULL;
    if (BIO_new_bio_pair(&p->bc, buf, &p->bs, buf) != 1)
        die("BIO_new_bio_pair", NULL);
}

/* A reused pair must carry nothing from one handshake into the next: both
 * directions empty, or the next handshake would read stale records. */
static void libssl_net_check_empty(const libssl_pair *net)
{
    if (BIO_ctrl_pending(net->bc) != 0 || BIO_ctrl_pending(net->bs) != 0)
        die("the reused BIO pair still holds bytes after a handshake", NULL);
}

static void libssl_net_free(libssl_pair *p)
{
    BIO_free(p->bc);
    BIO_free(p->bs);
}

static void libssl_new(const libssl_side *l, libssl_pair *p)
{
    p->c = SSL_new(l->client);
    p->s = SSL_new(l->server);
    if (p->c == NULL || p->s == NULL)
        die("SSL_new", NULL);
    BIO_up_ref(p->bc);
    BIO_up_ref(p->bs);
    SSL_set_bio(p->c, p->bc, p->bc);
    SSL_set_bio(p->s, p->bs, p->bs);
    if (SSL_set_tlsext_host_name(p->c, "localhost") != 1 || SSL_set1_host(p->c, "localhost") != 1)
        die("SSL_set1_host", NULL);
    SSL_set_connect_state(p->c);
    SSL_set_accept_state(p->s);
}

static void libssl_handshake(libssl_pair *p)
{
    int cdone = 0, sdone = 0;
    for (int i = 0; i < 16 && !(cdone && sdone); i++) {
        if (!cdone) {
            int r = SSL_do_handshake(p->c);
            if (r == 1)
                cdone = 1;
            else if (SSL_get_error(p->c, r) != SSL_ERROR_WANT_READ)
                die("libssl client handshake failed", NULL);
        }
        if (!sdone) {
            int r = SSL_do_handshake(p->s);
            if (r == 1)
                sdone = 1;
            else if (SSL_get_error(p->s, r) != SSL_ERROR_WANT_READ)
                die("libssl server handshake failed", NULL);
        }
    }
    if (!(cdone && sdone))
        die("libssl handshake did not finish", NULL);
    if (SSL_get_verify_result(p->c) != X509_V_OK)
        die("libssl client did not verify", NULL);
}

/* Per handshake, libssl: two SSL_new (each with its own read and write
 * buffers, as our connections have theirs), SSL_set_bio on the loop's BIO
 * pair, the handshake, two SSL_free. The pair (net) is made once per loop,
 * outside the timing; its buffers are checked empty after each handshake. */
static void libssl_one_handshake(const libssl_side *l, const libssl_pair *net)
{
    libssl_pair p = { NULL, NULL, net->bc, net->bs };
    libssl_new(l, &p);
    libssl_handshake(&p);
    SSL_free(p.c);
    SSL_free(p.s);
    libssl_net_check_empty(net);
}

__attribute__((noinline)) void hs_loop_libssl(const libssl_side *l, const libssl_pair *net, int n)
{
    for (int i = 0; i < n; i++)
        libssl_one_handshake(l, net);
}

/* ---- What was negotiated ------------------------------------------------------------ */
/* One detail line per stack, so that a log shows both did the same work. */
static void print_negotiated(const char *label, tls_conn *c, SSL *s)
{
    tls_conn_info i;
    tls_conn_get_info(c, &i);
    printf("# %s ours:   %s %s, group %s%s\n", label, tls_version_name(i.version),
           tls_suite_name(i.suite), i.group ? tls_group_name(i.group) : "none (RSA key transport)",
           i.version == TLS_VERSION_12 ? (i.extended_master_secret ? ", extended master secret"
                                                                   : ", NO extended master secret")
                                       : "");
    int nid = SSL_get_negotiated_group(s);
    const char *g = nid > 0 ? SSL_group_to_name(s, nid) : NULL;
    printf("# %s libssl: %s %s, group %s%s\n", label, SSL_get_version(s), SSL_get_cipher_name(s),
           g ? g : "none (RSA key transport)",
           SSL_version(s) == TLS1_2_VERSION ? (SSL_get_extms_support(s) == 1 ? ", extended master secret"
                                                                              : ", NO extended master secret")
                                            : "");
}

static void print_negotiated_fresh(const char *label, const ours_side *o, const libssl_side *l)
{
    tls_conn *c = tls_conn_new(o->client), *s = tls_conn_new(o->server);
    libssl_pair p;
    if (c == NULL || s == NULL)
        die("tls_conn_new", NULL);
    ours_handshake(c, s);
    libssl_net(&p, 0);
    libssl_new(l, &p);
    libssl_handshake(&p);
    print_negotiated(label, c, p.c);
    tls_conn_free(c);
    tls_conn_free(s);
    SSL_free(p.c);
    SSL_free(p.s);
    libssl_net_free(&p);
}

/* ---- Handshakes per second ------------------------------------------------------ */
/* tls13_ecdsa's medians, for the warm / cold table of cold_ratio. */
static struct {
    double ours, libssl, ratio;
} warm_ecdsa;

/* label is the summary names' prefix: "tls13_ecdsa" gives
 * tls13_ecdsa_handshake_ratio and its companions. */
static double handshake_ratio(const pki *p, const proto *v, const char *label, int rounds,
                              int per_round)
{
    ours_side o;
    libssl_side l;
    libssl_pair net;
    ours_configs(&o, p, v);
    libssl_configs(&l, p, v);
    libssl_net(&net, 0);
    /* Warm-up: first-use costs (provider fetches, tables) out of the timing. */
    hs_loop_ours(&o, 5);
    hs_loop_libssl(&l, &net, 5);
    print_negotiated_fresh(label, &o, &l);
    double ours[64], theirs[64], ratio[64];
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        hs_loop_ours(&o, per_round);
        double t1 = now();
        hs_loop_libssl(&l, &net, per_round);
        double t2 = now();
        ours[r] = per_round / (t1 - t0);
        theirs[r] = per_round / (t2 - t1);
        ratio[r] = ours[r] / theirs[r];
    }
    char what[128];
    snprintf(what, sizeof what, "%s handshakes/s ours", label);
    print_stats(what, "hs/s", ours, rounds);
    snprintf(what, sizeof what, "%s handshakes/s libssl", label);
    print_stats(what, "hs/s", theirs, rounds);
    snprintf(what, sizeof what, "%s handshake ratio ours/libssl", label);
    print_stats(what, "x", ratio, rounds);
    ours_free_configs(&o);
    libssl_free_configs(&l);
    libssl_net_free(&net);
    stats s = summarize(ratio, rounds);
    if (strcmp(label, "tls13_ecdsa") == 0) {
        warm_ecdsa.ours = summarize(ours, rounds).median;
        warm_ecdsa.libssl = summarize(theirs, rounds).median;
        warm_ecdsa.ratio = s.median;
    }
    printf("%s_handshake_ratio %.3f\n", label, s.median);
    printf("%s_handshakes_per_s_ours %.0f\n", label, summarize(ours, rounds).median);
    printf("%s_handshakes_per_s_libssl %.0f\n", label, summarize(theirs, rounds).median);
    fflush(stdout);
    return s.median;
}

/* ---- Cold handshakes: the client has never seen the server's certificate ------------- */
/* issue 11's tls13_cold_handshake_ratio. COLD_CERTS servers, each with its
 * own P-256 leaf (own key, issued by the same CA), take turns answering one
 * client config: more distinct certificates than our client's
 * parsed-certificate cache holds (TLS_CERT_CACHE_SLOTS, replaced in turn),
 * so every handshake decodes the server's certificate afresh (d2i_X509,
 * public-key decoder set-up) as a first contact does. libssl keeps no such
 * cache and does the same work as in tls13_ecdsa. TLS 1.3 defaults, X25519,
 * no tickets, as in tls13_ecdsa. */
#define COLD_CERTS (TLS_CERT_CACHE_SLOTS + 2)

static void make_cold_leaf(pki *leaf, const pki *p, int i)
{
    char cmd[1024];
    *leaf = *p;
    snprintf(leaf->leaf, sizeof leaf->leaf, "%s/ec-cold%d.pem", p->dir, i);
    snprintf(leaf->key, sizeof leaf->key, "%s/ec-cold%d.key", p->dir, i);
    snprintf(cmd, sizeof cmd,
             "cd %s && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-keyout ec-cold%d.key -out ec-cold%d.csr -subj '/CN=localhost' 2>/dev/null && "
             "openssl x509 -req -in ec-cold%d.csr -CA ec-ca.pem -CAkey ec-ca.key -CAcreateserial -days 30 "
             "-extfile ec-leaf.ext -out ec-cold%d.pem 2>/dev/null",
             p->dir, i, i, i, i);
    run(cmd);
}

/* o[0].client (l[0].client) against the servers in turn. The warm-ups
 * call these directly, the measured loops through hs_loop_cold_* (what
 * callgrind collects). */
static unsigned cold_next_ours, cold_next_libssl;

static void cold_ours(const ours_side *o, int n)
{
    for (int i = 0; i < n; i++) {
        ours_side pair = { o[0].client, o[cold_next_ours++ % COLD_CERTS].server };
        ours_one_handshake(&pair);
    }
}

static void cold_libssl(const libssl_side *l, const libssl_pair *net, int n)
{
    for (int i = 0; i < n; i++) {
        libssl_side pair = { l[0].client, l[cold_next_libssl++ % COLD_CERTS].server };
        libssl_one_handshake(&pair, net);
    }
}

__attribute__((noinline)) void hs_loop_cold_ours(const ours_side *o, int n)
{
    cold_ours(o, n);
}

__attribute__((noinline)) void hs_loop_cold_libssl(const libssl_side *l, const libssl_pair *net, int n)
{
    cold_libssl(l, net, n);
}

static void cold_configs(const pki *p, ours_side *o, libssl_side *l)
{
    for (int i = 0; i < COLD_CERTS; i++) {
        pki leaf;
        make_cold_leaf(&leaf, p, i);
        ours_configs(&o[i], &leaf, &TLS13_DEFAULT);
        libssl_configs(&l[i], &leaf, &TLS13_DEFAULT);
    }
}

static void cold_free_configs(ours_side *o, libssl_side *l)
{
    for (int i = 0; i < COLD_CERTS; i++) {
        ours_free_configs(&o[i]);
        libssl_free_configs(&l[i]);
    }
}

/* What the client config's parsed-certificate cache holds, counted with
 * the benchmark's allocation counters: the config grows by one entry (a
 * copy of the DER and the parsed X509 with its decoded public key) per new
 * server certificate, until its TLS_CERT_CACHE_SLOTS are full. The
 * connections only take references (X509_up_ref) to a cached X509, so
 * client_idle_bytes_ours and idle_connection_bytes do not count it: the
 * entries live in the config, as the SSL_CTX's store and certificates do,
 * and the memory figures count neither (they count what the connections
 * add, configs made and warm before). A connection whose certificate
 * has been replaced in the cache keeps the parsed X509 alive alone (the
 * parsed size printed here), as a connection without the cache would. */
static void cache_memory(const pki *p, ours_side *o)
{
    long long delta[COLD_CERTS];
    /* Every server config and our libcrypto state warm first, through a
     * client config that is not measured; then o[0].client (still empty)
     * meets the servers one by one. */
    for (int i = 0; i < COLD_CERTS; i++) {
        ours_side warm = { o[1].client, o[i].server };
        ours_one_handshake(&warm);
        ours_one_handshake(&warm);
    }
    ours_side first = { o[0].client, o[COLD_CERTS - 1].server };
    ours_one_handshake(&first); /* the client config's own first use, and one entry */
    for (int i = 0; i < TLS_CERT_CACHE_SLOTS - 1; i++) {
        ours_side pair = { o[0].client, o[i].server };
        long long base = live_bytes;
        ours_one_handshake(&pair);
        delta[i] = live_bytes - base;
    }
    long long base = live_bytes;
    ours_side again = { o[0].client, o[0].server };
    ours_one_handshake(&again); /* a hit: nothing new */
    long long hit = live_bytes - base;
    /* The parsed certificate alone, as d2i_X509 makes it. */
    FILE *f = fopen(p->leaf, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    unsigned char *der = NULL;
    int der_len = x ? i2d_X509(x, &der) : -1;
    if (der_len <= 0)
        die("cache_memory: the leaf's DER", NULL);
    const unsigned char *q = der;
    base = live_bytes;
    X509 *parsed = d2i_X509(NULL, &q, der_len);
    long long parsed_bytes = live_bytes - base;
    if (parsed == NULL)
        die("cache_memory: d2i_X509", NULL);
    X509_free(parsed);
    X509_free(x);
    OPENSSL_free(der);
    double per = 0;
    for (int i = 0; i < TLS_CERT_CACHE_SLOTS - 1; i++)
        per += (double)delta[i] / (TLS_CERT_CACHE_SLOTS - 1);
    printf("# parsed-certificate cache (client config): %.0f bytes per entry (%d-byte leaf: its DER "
           "copy, the parsed X509, %lld bytes as d2i_X509 makes it, and what verification caches in "
           "it), at most %d entries = %.0f bytes per client config; "
           "a cache hit adds %lld bytes. Held by the config, not by a connection: not in "
           "idle_connection_bytes.\n",
           per, der_len, parsed_bytes, TLS_CERT_CACHE_SLOTS, per * TLS_CERT_CACHE_SLOTS, hit);
    printf("cert_cache_bytes_per_entry %.0f\n", per);
    printf("cert_cache_bytes_per_config %.0f\n", per * TLS_CERT_CACHE_SLOTS);
    printf("parsed_leaf_certificate_bytes %lld\n", parsed_bytes);
}

static void cold_ratio(const pki *p, int rounds, int per_round)
{
    ours_side o[COLD_CERTS];
    libssl_side l[COLD_CERTS];
    libssl_pair net;
    cold_configs(p, o, l);
    libssl_net(&net, 0);
    cache_memory(p, o);
    cold_ours(o, 2 * COLD_CERTS);
    cold_libssl(l, &net, 2 * COLD_CERTS);
    double ours[64], theirs[64], ratio[64];
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        hs_loop_cold_ours(o, per_round);
        double t1 = now();
        hs_loop_cold_libssl(l, &net, per_round);
        double t2 = now();
        ours[r] = per_round / (t1 - t0);
        theirs[r] = per_round / (t2 - t1);
        ratio[r] = ours[r] / theirs[r];
    }
    printf("# tls13_cold: %d server certificates in turn, our client's cache holds %d\n", COLD_CERTS,
           TLS_CERT_CACHE_SLOTS);
    print_stats("tls13_cold handshakes/s ours", "hs/s", ours, rounds);
    print_stats("tls13_cold handshakes/s libssl", "hs/s", theirs, rounds);
    print_stats("tls13_cold handshake ratio ours/libssl", "x", ratio, rounds);
    printf("tls13_cold_handshake_ratio %.3f\n", summarize(ratio, rounds).median);
    printf("tls13_cold_handshakes_per_s_ours %.0f\n", summarize(ours, rounds).median);
    printf("tls13_cold_handshakes_per_s_libssl %.0f\n", summarize(theirs, rounds).median);
    if (warm_ecdsa.ours > 0) {
        /* issue 11: the headline with and without the cache, side by side. */
        stats c = summarize(ours, rounds), cl = summarize(theirs, rounds), cr = summarize(ratio, rounds);
        printf("# TLS 1.3 ECDSA P-256, X25519, full handshakes (medians):\n");
        printf("#   %-44s %10s %10s %12s\n", "", "ours hs/s", "libssl", "ours/libssl");
        printf("#   %-44s %10.0f %10.0f %12.3f\n", "warm: client has parsed the cert (cache hit)",
               warm_ecdsa.ours, warm_ecdsa.libssl, warm_ecdsa.ratio);
        printf("#   %-44s %10.0f %10.0f %12.3f\n", "cold: first contact (cache miss)", c.median,
               cl.median, cr.median);
        printf("#   (libssl keeps no parsed-certificate cache: it decodes the certificate in both)\n");
    }
    fflush(stdout);
    cold_free_configs(o, l);
    libssl_net_free(&net);
}

/* ---- The crypto bound of a full TLS 1.3 ECDSA handshake ---------------------------- */
/* issue 11's tls13_ecdsa_share_of_bound: what libcrypto alone needs for one
 * full TLS 1.3 handshake as tls13_ecdsa runs it (ECDSA P-256 leaf issued by
 * the bench's CA, X25519, SHA-256 suites, no PSK, no client certificate),
 * client and server together, each operation done the fastest way libcrypto
 * allows: contexts fetched, created and initialised once, keys loaded and
 * certificates parsed once. Per bound handshake, counted in bench/README.md:
 *   - 2 X25519 key generations (EVP_PKEY_keygen on a context initialised
 *     once), each public key taken out raw and put into a kept peer
 *     EVP_PKEY (EVP_PKEY_set1_encoded_public_key), 2 X25519 derivations
 *     (a derive context per own key: libcrypto has no way to re-key one);
 *   - 1 ECDSA P-256 signature: SHA-256 over the 130-byte CertificateVerify
 *     content (rfc8446#4.4.3), EVP_PKEY_sign on a context initialised once;
 *   - 1 ECDSA verification of it, the same way with the leaf's key;
 *   - the chain: X509_verify_cert on the parsed leaf against a store with
 *     the CA (one X509_STORE_CTX, re-initialised), purpose sslserver, host
 *     name "localhost", auth level 2, as our client (and any client) must:
 *     path validation, not only the CA's signature on the leaf;
 *   - the transcript: SHA-256 over as many bytes as our real handshake's
 *     messages (counted once at the start, printed), on each side, with the
 *     5 intermediate hashes rfc8446 needs per side (after ServerHello,
 *     Certificate, CertificateVerify, server Finished, client Finished);
 *   - the key schedule of rfc8446#7.1-7.3 on each side: 2 HKDF-Extract
 *     (handshake, master secret) and 17 HKDF-Expand-Label (1 "derived", 2
 *     handshake and 2 application traffic secrets, exporter and resumption
 *     master secrets, 8 traffic keys and IVs, 2 finished keys). Without a
 *     PSK the Early Secret and its "derived" salt are constants, made once
 *     per process, as our engine does. Each step is rfc5869's HMAC
 *     construction on one kept EVP_MAC HMAC-SHA256 context, keyed once
 *     per secret and restarted (EVP_MAC_init without a key) for each of
 *     its labels: the fastest HKDF libcrypto allows (EVP_KDF "HKDF", with
 *     prepared contexts, costs about twice as much per step), and the way
 *     our engine has done it since session 13.
 * Not counted (so the bound is, if anything, too fast): the Finished HMACs,
 * record protection (AEAD keying, sealing and opening the handshake
 * records), client and server randoms, decoding the certificate (the bound
 * is a warm client, as tls13_ecdsa's is) and all parsing and encoding. */
typedef struct bound_hs {
    EVP_MD *sha256;
    EVP_MAC *hmac;
    EVP_MAC_CTX *mac;           /* HMAC-SHA256, digest set once */
    uint8_t keyed[32];          /* the secret mac is keyed with */
    int have_key;
    uint8_t derived_from_early[32]; /* Derive-Secret(Early Secret without PSK, "derived", "") */
    EVP_PKEY_CTX *keygen;       /* X25519, keygen_init done */
    EVP_PKEY *peer[2];          /* kept X25519 objects taking the peer's value */
    EVP_PKEY *server_key;       /* the leaf's private key */
    EVP_PKEY_CTX *sign, *verify; /* sign_init / verify_init done, SHA-256 set */
    EVP_MD_CTX *th, *snap, *cv; /* transcript, its snapshots, CertificateVerify content */
    X509_STORE *store;
    X509_STORE_CTX *vctx;
    X509 *leaf;
    uint8_t empty_hash[32];     /* Transcript-Hash(""), once per process */
    size_t seg[5];              /* transcript bytes up to each intermediate hash */
    uint8_t *msgs;              /* seg[4] bytes standing in for the messages */
    uint8_t sig[80];
    size_t sig_len;
} bound_hs;

/* Our real transcript, measured on one handshake of the tls13_ecdsa config:
 * every handshake record's content, in the order sent. Plaintext records
 * (ClientHello, ServerHello) count their length; protected ones their
 * length less the 16-byte tag and the content-type byte (ours adds no
 * padding); change_cipher_spec records are not handshake messages. The
 * split points are at message ends as each record ends one: the counting
 * pair writes a record per message (the engine otherwise coalesces a
 * flight into one record; record_per_message is the fuzz harness's knob). */
typedef struct transcript_count {
    size_t bytes;
    size_t rec[16];
    int n;
} transcript_count;

static void count_records(transcript_count *t, const uint8_t *d, size_t n)
{
    while (n >= 5) {
        size_t len = (size_t)d[3] << 8 | d[4];
        if (d[0] == 22 || (d[0] == 23 && len > 17)) {
            size_t m = d[0] == 22 ? len : len - 17;
            t->bytes += m;
            if (t->n < 16)
                t->rec[t->n++] = m;
        }
        if (len + 5 > n)
            die("counting the transcript: a record cut short", NULL);
        d += 5 + len;
        n -= 5 + len;
    }
}

static void count_transcript(const ours_side *o, transcript_count *t)
{
    tls_conn *c = tls_conn_new(o->client), *s = tls_conn_new(o->server);
    memset(t, 0, sizeof *t);
    if (c == NULL || s == NULL)
        die("counting the transcript", NULL);
    c->record_per_message = s->record_per_message = 1;
    if (tls_conn_set_server_name(c, "localhost") != 0 || tls_conn_start(c) != 0)
        die("counting the transcript", NULL);
    for (int i = 0; i < 16 && !(tls_conn_status(c) & tls_conn_status(s) & TLS_STATUS_HANDSHAKE_DONE
                                && tls_conn_output(c, &(const uint8_t *){ 0 }) == 0); i++) {
        tls_conn *from[2] = { c, s }, *to[2] = { s, c };
        for (int k = 0; k < 2; k++) {
            const uint8_t *d;
            size_t n = tls_conn_output(from[k], &d);
            count_records(t, d, n);
            pump(from[k], to[k]);
        }
    }
    if (!(tls_conn_status(c) & tls_conn_status(s) & TLS_STATUS_HANDSHAKE_DONE))
        die("counting the transcript: the handshake did not finish", NULL);
    tls_conn_free(c);
    tls_conn_free(s);
}

static void bound_key(bound_hs *b, const uint8_t *key)
{
    if (b->have_key && memcmp(b->keyed, key, 32) == 0) {
        if (EVP_MAC_init(b->mac, NULL, 0, NULL) != 1)
            die("bound: HMAC restart", NULL);
        return;
    }
    if (EVP_MAC_init(b->mac, key, 32, NULL) != 1)
        die("bound: HMAC key", NULL);
    memcpy(b->keyed, key, 32);
    b->have_key = 1;
}

/* rfc5869#2.2: PRK = HMAC-Hash(salt, IKM). */
static void bound_extract(bound_hs *b, const uint8_t *salt, const uint8_t *ikm, uint8_t *out)
{
    size_t n = 0;
    bound_key(b, salt);
    if (EVP_MAC_update(b->mac, ikm, 32) != 1 || EVP_MAC_final(b->mac, out, &n, 32) != 1 || n != 32)
        die("bound: HKDF-Extract", NULL);
}

/* rfc8446#7.1 HKDF-Expand-Label: HkdfLabel is length, "tls13 " + label,
 * context. */
static void bound_expand_label(bound_hs *b, const uint8_t *secret, const char *label,
                               const uint8_t *ctx, size_t ctx_len, uint8_t *out, size_t out_len)
{
    uint8_t info[2 + 1 + 255 + 1 + 64];
    size_t ll = 6 + strlen(label), n = 0;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)ll;
    memcpy(info + n, "tls13 ", 6);
    memcpy(info + n + 6, label, ll - 6);
    n += ll;
    info[n++] = (uint8_t)ctx_len;
    memcpy(info + n, ctx, ctx_len);
    n += ctx_len;
    /* rfc5869#2.3: one block is enough (out_len <= 32): T(1) = HMAC(PRK, info | 0x01). */
    uint8_t one = 1, t[32];
    size_t got = 0;
    bound_key(b, secret);
    if (EVP_MAC_update(b->mac, info, n) != 1 || EVP_MAC_update(b->mac, &one, 1) != 1
        || EVP_MAC_final(b->mac, t, &got, sizeof t) != 1 || got != 32 || out_len > 32)
        die("bound: HKDF-Expand", NULL);
    memcpy(out, t, out_len);
    OPENSSL_cleanse(t, sizeof t);
}

static void bound_traffic_keys(bound_hs *b, const uint8_t *secret)
{
    uint8_t key[16], iv[12];
    bound_expand_label(b, secret, "key", NULL, 0, key, sizeof key);
    bound_expand_label(b, secret, "iv", NULL, 0, iv, sizeof iv);
    OPENSSL_cleanse(key, sizeof key);
}

/* The transcript up to the end of segment i, then its hash (a copy is
 * finalised; the running hash goes on). */
static void bound_transcript_to(bound_hs *b, int i, uint8_t *h)
{
    size_t from = i == 0 ? 0 : b->seg[i - 1];
    if (EVP_DigestUpdate(b->th, b->msgs + from, b->seg[i] - from) != 1
        || EVP_MD_CTX_copy_ex(b->snap, b->th) != 1 || EVP_DigestFinal_ex(b->snap, h, NULL) != 1)
        die("bound: transcript hash", NULL);
}

/* rfc8446#4.4.3: 64 spaces, the context string, a zero byte, the hash:
 * 130 bytes with SHA-256. Hashed, then signed or verified. */
static void bound_cv_digest(bound_hs *b, const uint8_t *h, uint8_t *dgst)
{
    static const char context[] = "TLS 1.3, server CertificateVerify";
    uint8_t content[64 + sizeof context + 32];
    memset(content, 0x20, 64);
    memcpy(content + 64, context, sizeof context); /* with its terminating zero byte */
    memcpy(content + 64 + sizeof context, h, 32);
    if (EVP_DigestInit_ex2(b->cv, b->sha256, NULL) != 1
        || EVP_DigestUpdate(b->cv, content, sizeof content) != 1
        || EVP_DigestFinal_ex(b->cv, dgst, NULL) != 1)
        die("bound: CertificateVerify hash", NULL);
}

static void bound_chain(bound_hs *b)
{
    if (X509_STORE_CTX_init(b->vctx, b->store, b->leaf, NULL) != 1)
        die("bound: X509_STORE_CTX_init", NULL);
    X509_STORE_CTX_set_purpose(b->vctx, X509_PURPOSE_SSL_SERVER);
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(b->vctx);
    X509_VERIFY_PARAM_set_auth_level(param, 2);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (X509_VERIFY_PARAM_set1_host(param, "localhost", 9) != 1 || X509_verify_cert(b->vctx) != 1)
        die("bound: the chain did not verify", NULL);
    X509_STORE_CTX_cleanup(b->vctx);
}

/* One side's transcript and key schedule, with the server's signature or
 * the client's verifications where they fall. */
static void bound_side(bound_hs *b, const uint8_t *shared, int server)
{
    static const uint8_t zero[32];
    uint8_t h[5][32], derived[32], hs[32], ms[32], c_hs[32], s_hs[32], t[32], dgst[32];
    if (EVP_DigestInit_ex2(b->th, b->sha256, NULL) != 1)
        die("bound: transcript", NULL);
    bound_transcript_to(b, 0, h[0]); /* ClientHello, ServerHello */
    bound_extract(b, b->derived_from_early, shared, hs);
    bound_expand_label(b, hs, "c hs traffic", h[0], 32, c_hs, 32);
    bound_expand_label(b, hs, "s hs traffic", h[0], 32, s_hs, 32);
    bound_traffic_keys(b, c_hs);
    bound_traffic_keys(b, s_hs);
    bound_transcript_to(b, 1, h[1]); /* EncryptedExtensions, Certificate */
    bound_cv_digest(b, h[1], dgst);
    if (server) {
        b->sig_len = sizeof b->sig;
        if (EVP_PKEY_sign(b->sign, b->sig, &b->sig_len, dgst, 32) != 1)
            die("bound: ECDSA sign", NULL);
    } else {
        bound_chain(b);
        if (EVP_PKEY_verify(b->verify, b->sig, b->sig_len, dgst, 32) != 1)
            die("bound: ECDSA verify", NULL);
    }
    bound_transcript_to(b, 2, h[2]); /* CertificateVerify */
    bound_expand_label(b, s_hs, "finished", NULL, 0, t, 32);
    bound_transcript_to(b, 3, h[3]); /* server Finished */
    bound_expand_label(b, hs, "derived", b->empty_hash, 32, derived, 32);
    bound_extract(b, derived, zero, ms);
    bound_expand_label(b, ms, "c ap traffic", h[3], 32, t, 32);
    bound_traffic_keys(b, t);
    bound_expand_label(b, ms, "s ap traffic", h[3], 32, t, 32);
    bound_traffic_keys(b, t);
    bound_expand_label(b, ms, "exp master", h[3], 32, t, 32);
    bound_expand_label(b, c_hs, "finished", NULL, 0, t, 32);
    bound_transcript_to(b, 4, h[4]); /* client Finished */
    bound_expand_label(b, ms, "res master", h[4], 32, t, 32);
    OPENSSL_cleanse(hs, sizeof hs);
    OPENSSL_cleanse(ms, sizeof ms);
    OPENSSL_cleanse(c_hs, sizeof c_hs);
    OPENSSL_cleanse(s_hs, sizeof s_hs);
    OPENSSL_cleanse(t, sizeof t);
}

static void bound_pub(EVP_PKEY *own, EVP_PKEY *peer)
{
    uint8_t pub[32];
    size_t n = sizeof pub;
    if (EVP_PKEY_get_raw_public_key(own, pub, &n) != 1 || n != 32
        || EVP_PKEY_set1_encoded_public_key(peer, pub, n) != 1)
        die("bound: X25519 public key", NULL);
}

static void bound_derive(EVP_PKEY *own, EVP_PKEY *peer, uint8_t *shared)
{
    size_t n = 32;
    EVP_PKEY_CTX *d = EVP_PKEY_CTX_new_from_pkey(NULL, own, NULL);
    if (d == NULL || EVP_PKEY_derive_init(d) != 1 || EVP_PKEY_derive_set_peer_ex(d, peer, 0) != 1
        || EVP_PKEY_derive(d, shared, &n) != 1 || n != 32)
        die("bound: X25519 derive", NULL);
    EVP_PKEY_CTX_free(d);
}

static void bound_one(bound_hs *b)
{
    EVP_PKEY *kc = NULL, *ks = NULL;
    uint8_t zc[32], zs[32];
    if (EVP_PKEY_keygen(b->keygen, &kc) != 1) /* client: its key share */
        die("bound: X25519 keygen", NULL);
    bound_pub(kc, b->peer[1]);               /* server: takes it in */
    if (EVP_PKEY_keygen(b->keygen, &ks) != 1) /* server: its key share */
        die("bound: X25519 keygen", NULL);
    bound_derive(ks, b->peer[1], zs);
    bound_pub(ks, b->peer[0]); /* client: takes the server's in */
    bound_derive(kc, b->peer[0], zc);
    if (memcmp(zc, zs, 32) != 0)
        die("bound: the two sides' X25519 secrets differ", NULL);
    bound_side(b, zs, 1);
    bound_side(b, zc, 0);
    OPENSSL_cleanse(zc, sizeof zc);
    OPENSSL_cleanse(zs, sizeof zs);
    EVP_PKEY_free(kc);
    EVP_PKEY_free(ks);
}

__attribute__((noinline)) void hs_loop_bound_ecdsa(bound_hs *b, int n)
{
    for (int i = 0; i < n; i++)
        bound_one(b);
}

static EVP_PKEY_CTX *bound_sig_ctx(bound_hs *b, EVP_PKEY *key, int sign)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (ctx == NULL || (sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) != 1
        || EVP_PKEY_CTX_set_signature_md(ctx, b->sha256) != 1)
        die("bound: signature context", NULL);
    return ctx;
}

/* The transcript's split points from the counted records: ClientHello and
 * ServerHello; EncryptedExtensions and Certificate; CertificateVerify;
 * server Finished; client Finished (the last four records are those). */
static void bound_new(bound_hs *b, const pki *p, const transcript_count *t)
{
    memset(b, 0, sizeof *b);
    if (t->n < 6)
        die("bound: fewer handshake records than a TLS 1.3 handshake has", NULL);
    size_t cf = t->rec[t->n - 1], sf = t->rec[t->n - 2], cv = t->rec[t->n - 3];
    b->seg[0] = t->rec[0] + t->rec[1];
    b->seg[4] = t->bytes;
    b->seg[3] = t->bytes - cf;
    b->seg[2] = b->seg[3] - sf;
    b->seg[1] = b->seg[2] - cv;
    if ((b->msgs = malloc(t->bytes)) == NULL || RAND_bytes(b->msgs, (int)t->bytes) != 1)
        die("bound: transcript bytes", NULL);
    b->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    b->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    b->mac = b->hmac ? EVP_MAC_CTX_new(b->hmac) : NULL;
    b->th = EVP_MD_CTX_new();
    b->snap = EVP_MD_CTX_new();
    b->cv = EVP_MD_CTX_new();
    if (b->sha256 == NULL || b->mac == NULL || b->th == NULL || b->snap == NULL || b->cv == NULL
        || EVP_Digest("", 0, b->empty_hash, NULL, b->sha256, NULL) != 1)
        die("bound: digests", NULL);
    OSSL_PARAM dp[2] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                         OSSL_PARAM_construct_end() };
    if (EVP_MAC_CTX_set_params(b->mac, dp) != 1)
        die("bound: HMAC-SHA256 context", NULL);
    /* The Early Secret without a PSK and its "derived" salt: constants. */
    static const uint8_t zero[32];
    uint8_t early[32];
    bound_extract(b, zero, zero, early);
    bound_expand_label(b, early, "derived", b->empty_hash, 32, b->derived_from_early, 32);
    OPENSSL_cleanse(early, sizeof early);
    /* rfc8448#3: the same value in the RFC's trace, so the HMAC steps are HKDF's. */
    static const uint8_t rfc8448_derived[32] = {
        0x6f, 0x26, 0x15, 0xa1, 0x08, 0xc7, 0x02, 0xc5, 0x67, 0x8f, 0x54, 0xfc, 0x9d, 0xba, 0xb6, 0x97,
        0x16, 0xc0, 0x76, 0x18, 0x9c, 0x48, 0x25, 0x0c, 0xeb, 0xea, 0xc3, 0x57, 0x6c, 0x36, 0x11, 0xba,
    };
    if (memcmp(b->derived_from_early, rfc8448_derived, 32) != 0)
        die("bound: the HKDF steps do not give rfc8448's derived secret", NULL);
    static const uint8_t some[32] = { 9 };
    b->keygen = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
    if (b->keygen == NULL || EVP_PKEY_keygen_init(b->keygen) != 1)
        die("bound: X25519 keygen context", NULL);
    for (int i = 0; i < 2; i++)
        if ((b->peer[i] = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, some, 32)) == NULL)
            die("bound: X25519 peer key", NULL);
    /* The server's key and the client's store and parsed leaf, loaded once. */
    FILE *f = fopen(p->key, "r");
    if (f == NULL || (b->server_key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL)
        die("bound: reading the leaf's key", p->key);
    fclose(f);
    f = fopen(p->leaf, "r");
    if (f == NULL || (b->leaf = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
        die("bound: reading the leaf", p->leaf);
    fclose(f);
    b->store = X509_STORE_new();
    b->vctx = X509_STORE_CTX_new();
    if (b->store == NULL || b->vctx == NULL || X509_STORE_load_file(b->store, p->ca) != 1)
        die("bound: the CA store", p->ca);
    b->sign = bound_sig_ctx(b, b->server_key, 1);
    b->verify = bound_sig_ctx(b, X509_get0_pubkey(b->leaf), 0);
}

static void bound_free(bound_hs *b)
{
    EVP_PKEY_CTX_free(b->sign);
    EVP_PKEY_CTX_free(b->verify);
    EVP_PKEY_CTX_free(b->keygen);
    EVP_PKEY_free(b->peer[0]);
    EVP_PKEY_free(b->peer[1]);
    EVP_PKEY_free(b->server_key);
    X509_free(b->leaf);
    X509_STORE_CTX_free(b->vctx);
    X509_STORE_free(b->store);
    EVP_MAC_CTX_free(b->mac);
    EVP_MAC_free(b->hmac);
    EVP_MD_CTX_free(b->th);
    EVP_MD_CTX_free(b->snap);
    EVP_MD_CTX_free(b->cv);
    EVP_MD_free(b->sha256);
    free(b->msgs);
}

static void print_transcript(const transcript_count *t)
{
    printf("# tls13_ecdsa transcript: %zu bytes of handshake messages in %d records (", t->bytes, t->n);
    for (int i = 0; i < t->n; i++)
        printf("%s%zu", i ? " " : "", t->rec[i]);
    printf("), hashed on each side\n");
}

/* Our tls13_ecdsa handshakes and the bound in alternating rounds, as
 * handshake_ratio alternates ours and libssl. */
static void bound_ratio(const pki *p, int rounds, int per_round)
{
    ours_side o;
    bound_hs b;
    transcript_count t;
    ours_configs(&o, p, &TLS13_DEFAULT);
    hs_loop_ours(&o, 5);
    count_transcript(&o, &t);
    bound_new(&b, p, &t);
    hs_loop_bound_ecdsa(&b, 5);
    print_transcript(&t);
    double ours[64], bound[64], share[64];
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        hs_loop_ours(&o, per_round);
        double t1 = now();
        hs_loop_bound_ecdsa(&b, per_round);
        double t2 = now();
        ours[r] = per_round / (t1 - t0);
        bound[r] = per_round / (t2 - t1);
        share[r] = ours[r] / bound[r];
    }
    print_stats("tls13_ecdsa handshakes/s ours (bound run)", "hs/s", ours, rounds);
    print_stats("tls13_ecdsa crypto bound handshakes/s", "hs/s", bound, rounds);
    print_stats("tls13_ecdsa ours / crypto bound", "x", share, rounds);
    printf("tls13_ecdsa_share_of_bound %.3f\n", summarize(share, rounds).median);
    printf("tls13_ecdsa_bound_handshakes_per_s %.0f\n", summarize(bound, rounds).median);
    printf("tls13_ecdsa_bound_ours_handshakes_per_s %.0f\n", summarize(ours, rounds).median);
    printf("tls13_ecdsa_transcript_bytes %zu\n", t.bytes);
    fflush(stdout);
    bound_free(&b);
    ours_free_configs(&o);
}

/* ---- Resumed handshakes --------------------------------------------------------------- */
/* Both stacks with tickets on, at their default ticket settings: our
 * server's `tickets` (2 after a full handshake), libssl's num_tickets (2
 * after a full TLS 1.3 handshake, at most 1 after a resumed one; TLS 1.2:
 * one rfc5077 ticket, not renewed on resumption). libssl's session cache
 * stays off on both sides (SSL_SESS_CACHE_OFF): tickets carry the state,
 * and ours has no in-process cache either. A first full handshake gives
 * each client a session; every resumed handshake then offers that same
 * session on a fresh pair of connections (libssl: SSL_set_session; ours:
 * tls_conn_set_session with the text tls_conn_get_session gave, decoded
 * anew each time, as a client that stores its session does). TLS 1.3
 * resumes with psk_dhe_ke (a new X25519 exchange) on both. The full
 * handshakes of the speed-up run on the same configs: tickets issued and
 * taken in, no session offered. */
static int bench_failures;

static void ours_resume_configs(ours_side *o, const pki *p, const proto *v)
{
    ours_configs(o, p, v);
    o->server->tickets = 2; /* tls_config_new's default, which ours_configs turned off */
}

/* One handshake on fresh connections, offering session (NULL: a full
 * handshake); take, if given, gets the session the client ended with.
 * Returns 1 when the client says it resumed. */
static int ours_resume_one(const ours_side *o, const tls_buf *session, tls_buf *take)
{
    tls_conn *c = tls_conn_new(o->client), *s = tls_conn_new(o->server);
    char why[256];
    if (c == NULL || s == NULL)
        die("tls_conn_new", NULL);
    if (session != NULL
        && tls_conn_set_session(c, (const char *)session->data, session->len, why, sizeof why) != 0)
        die("tls_conn_set_session", why);
    ours_handshake(c, s);
    tls_conn_info i;
    tls_conn_get_info(c, &i);
    int resumed = i.resumed;
    if (take != NULL)
        tls_conn_get_session(c, take);
    tls_conn_free(c);
    tls_conn_free(s);
    return resumed;
}

__attribute__((noinline)) void hs_loop_ours_resumed(const ours_side *o, const tls_buf *session, int n)
{
    for (int i = 0; i < n; i++)
        if (!ours_resume_one(o, session, NULL))
            die("our client did not resume", NULL);
}

__attribute__((noinline)) void hs_loop_ours_full_tickets(const ours_side *o, int n)
{
    for (int i = 0; i < n; i++)
        ours_resume_one(o, NULL, NULL);
}

static void libssl_resume_configs(libssl_side *l, const pki *p, const proto *v)
{
    libssl_configs(l, p, v);
    SSL_CTX *both[2] = { l->client, l->server };
    for (int i = 0; i < 2; i++) {
        SSL_CTX_clear_options(both[i], SSL_OP_NO_TICKET);
        if (SSL_CTX_set_num_tickets(both[i], 2) != 1) /* libssl's default */
            die("SSL_CTX_set_num_tickets", NULL);
    }
}

/* As ours_resume_one. The client reads once after the handshake: libssl
 * takes in TLS 1.3 NewSessionTickets only when it reads, and ours takes
 * them in as they arrive. */
static int libssl_resume_one(const libssl_side *l, const libssl_pair *net, SSL_SESSION *session,
                             SSL_SESSION **take)
{
    libssl_pair p = { NULL, NULL, net->bc, net->bs };
    char b[1];
    libssl_new(l, &p);
    if (session != NULL && SSL_set_session(p.c, session) != 1)
        die("SSL_set_session", NULL);
    libssl_handshake(&p);
    int r = SSL_read(p.c, b, sizeof b);
    if (r > 0 || SSL_get_error(p.c, r) != SSL_ERROR_WANT_READ)
        die("libssl client: reading after the handshake", NULL);
    int resumed = SSL_session_reused(p.c) == 1;
    if (take != NULL)
        *take = SSL_get1_session(p.c);
    /* Freed without a shutdown, libssl would mark the session not
     * resumable (ssl_clear_bad_session); the flags alone say the
     * connection ended well, without sending close_notify. */
    SSL_set_shutdown(p.c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_set_shutdown(p.s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(p.c);
    SSL_free(p.s);
    libssl_net_check_empty(net);
    return resumed;
}

__attribute__((noinline)) void hs_loop_libssl_resumed(const libssl_side *l, const libssl_pair *net,
                                                      SSL_SESSION *session, int n)
{
    for (int i = 0; i < n; i++)
        if (!libssl_resume_one(l, net, session, NULL))
            die("the libssl client did not resume", NULL);
}

__attribute__((noinline)) void hs_loop_libssl_full_tickets(const libssl_side *l, const libssl_pair *net, int n)
{
    for (int i = 0; i < n; i++)
        libssl_resume_one(l, net, NULL, NULL);
}

/* A first full handshake for each client's session. Ours may not resume
 * (the code is missing or broken): then *why says so and 0 is returned,
 * and the comparison reports libssl's side alone. */
static int resume_sessions(const ours_side *o, const libssl_side *l, const libssl_pair *net,
                           tls_buf *ours, SSL_SESSION **theirs, const char **why)
{
    *theirs = NULL;
    libssl_resume_one(l, net, NULL, theirs);
    if (*theirs == NULL || !SSL_SESSION_is_resumable(*theirs))
        die("libssl gave no resumable session", NULL);
    *why = NULL;
    ours_resume_one(o, NULL, ours);
    if (ours->len == 0)
        *why = "our client got no session from the full handshake";
    else if (!ours_resume_one(o, ours, NULL))
        *why = "our client did not resume the session it got";
    return *why == NULL;
}

static void print_resumed(const char *label, const ours_side *o, const tls_buf *ours,
                          const libssl_side *l, SSL_SESSION *theirs, int ours_ok)
{
    if (ours_ok) {
        tls_conn *c = tls_conn_new(o->client), *s = tls_conn_new(o->server);
        char why[256];
        if (c == NULL || s == NULL
            || tls_conn_set_session(c, (const char *)ours->data, ours->len, why, sizeof why) != 0)
            die("our resumed connection", NULL);
        ours_handshake(c, s);
        tls_conn_info i;
        tls_conn_get_info(c, &i);
        printf("# %s_resumed ours:   %s %s, group %s, %s, session text %zu bytes\n", label,
               tls_version_name(i.version), tls_suite_name(i.suite),
               i.group ? tls_group_name(i.group) : "none", i.resumed ? "resumed" : "NOT resumed",
               ours->len);
        tls_conn_free(c);
        tls_conn_free(s);
    }
    libssl_pair p;
    libssl_net(&p, 0);
    libssl_new(l, &p);
    SSL_set_session(p.c, theirs);
    libssl_handshake(&p);
    /* A resumed TLS 1.2 handshake exchanges no key; libssl still names
     * the session's group. */
    int nid = SSL_version(p.c) == TLS1_3_VERSION ? SSL_get_negotiated_group(p.c) : 0;
    const char *g = nid > 0 ? SSL_group_to_name(p.c, nid) : NULL;
    printf("# %s_resumed libssl: %s %s, group %s, %s\n", label, SSL_get_version(p.c),
           SSL_get_cipher_name(p.c), g ? g : "none", SSL_session_reused(p.c) ? "resumed" : "NOT resumed");
    SSL_set_shutdown(p.c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_set_shutdown(p.s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(p.c);
    SSL_free(p.s);
    libssl_net_free(&p);
}

/* label: "tls13" gives tls13_resumed_handshake_ratio, tls13_resume_speedup
 * and their companions. Each round times, in turn, our full handshakes,
 * our resumed ones, libssl's full ones and libssl's resumed ones. */
static void resumed_ratio(const pki *p, const proto *v, const char *label, int rounds, int full_n,
                          int resumed_n)
{
    ours_side o;
    libssl_side l;
    tls_buf session;
    SSL_SESSION *theirs;
    const char *why;
    libssl_pair net;
    ours_resume_configs(&o, p, v);
    libssl_resume_configs(&l, p, v);
    libssl_net(&net, 0);
    tls_buf_init(&session);
    int ours_ok = resume_sessions(&o, &l, &net, &session, &theirs, &why);
    if (!ours_ok) {
        printf("# %s_resumed: FAILED: %s; libssl's side alone\n", label, why);
        bench_failures++;
    }
    /* Warm-up, as for full handshakes. */
    if (ours_ok) {
        hs_loop_ours_full_tickets(&o, 5);
        hs_loop_ours_resumed(&o, &session, 5);
    }
    hs_loop_libssl_full_tickets(&l, &net, 5);
    hs_loop_libssl_resumed(&l, &net, theirs, 5);
    print_resumed(label, &o, &session, &l, theirs, ours_ok);
    double ours_full[64], ours_res[64], lib_full[64], lib_res[64];
    double ratio[64], ours_speedup[64], lib_speedup[64];
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        if (ours_ok)
            hs_loop_ours_full_tickets(&o, full_n);
        double t1 = now();
        if (ours_ok)
            hs_loop_ours_resumed(&o, &session, resumed_n);
        double t2 = now();
        hs_loop_libssl_full_tickets(&l, &net, full_n);
        double t3 = now();
        hs_loop_libssl_resumed(&l, &net, theirs, resumed_n);
        double t4 = now();
        ours_full[r] = ours_ok ? full_n / (t1 - t0) : 0;
        ours_res[r] = ours_ok ? resumed_n / (t2 - t1) : 0;
        lib_full[r] = full_n / (t3 - t2);
        lib_res[r] = resumed_n / (t4 - t3);
        ratio[r] = ours_res[r] / lib_res[r];
        ours_speedup[r] = ours_ok ? ours_res[r] / ours_full[r] : 0;
        lib_speedup[r] = lib_res[r] / lib_full[r];
    }
    char what[128];
    if (ours_ok) {
        snprintf(what, sizeof what, "%s full (tickets) hs/s ours", label);
        print_stats(what, "hs/s", ours_full, rounds);
        snprintf(what, sizeof what, "%s resumed hs/s ours", label);
        print_stats(what, "hs/s", ours_res, rounds);
    }
    snprintf(what, sizeof what, "%s full (tickets) hs/s libssl", label);
    print_stats(what, "hs/s", lib_full, rounds);
    snprintf(what, sizeof what, "%s resumed hs/s libssl", label);
    print_stats(what, "hs/s", lib_res, rounds);
    if (ours_ok) {
        snprintf(what, sizeof what, "%s resumed ratio ours/libssl", label);
        print_stats(what, "x", ratio, rounds);
        snprintf(what, sizeof what, "%s resumed/full ours", label);
        print_stats(what, "x", ours_speedup, rounds);
    }
    snprintf(what, sizeof what, "%s resumed/full libssl", label);
    print_stats(what, "x", lib_speedup, rounds);
    if (ours_ok) {
        printf("%s_resumed_handshake_ratio %.3f\n", label, summarize(ratio, rounds).median);
        printf("%s_resume_speedup %.3f\n", label, summarize(ours_speedup, rounds).median);
        printf("%s_resumed_handshakes_per_s_ours %.0f\n", label, summarize(ours_res, rounds).median);
        printf("%s_full_ticket_handshakes_per_s_ours %.0f\n", label, summarize(ours_full, rounds).median);
    }
    printf("%s_resume_speedup_libssl %.3f\n", label, summarize(lib_speedup, rounds).median);
    printf("%s_resumed_handshakes_per_s_libssl %.0f\n", label, summarize(lib_res, rounds).median);
    printf("%s_full_ticket_handshakes_per_s_libssl %.0f\n", label, summarize(lib_full, rounds).median);
    fflush(stdout);
    SSL_SESSION_free(theirs);
    tls_buf_free(&session);
    ours_free_configs(&o);
    libssl_free_configs(&l);
    libssl_net_free(&net);
}

/* ---- Bulk ---------------------------------------------------------------------------- */
#define CHUNK 16384

static uint8_t chunk_in[CHUNK];
static uint8_t chunk_out[CHUNK + 1024];

/* Sends bytes client -> server in 16 KiB writes; returns seconds. The bulk
 * loops are out of line for callgrind (--toggle-collect=bulk_*). */
__attribute__((noinline)) double bulk_ours(tls_conn *c, tls_conn *s, size_t bytes)
{
    double t0 = now();
    for (size_t sent = 0; sent < bytes; sent += CHUNK) {
        if (tls_conn_write(c, chunk_in, CHUNK) != 0)
            die("tls_conn_write", tls_conn_error(c)->reason);
        pump(c, s);
        const uint8_t *d;
        size_t n = tls_conn_app_data(s, &d);
        if (n != CHUNK)
            die("our server did not get a whole chunk", NULL);
        tls_conn_app_data_done(s, n);
    }
    return now() - t0;
}

__attribute__((noinline)) double bulk_libssl(libssl_pair *p, size_t bytes)
{
    double t0 = now();
    for (size_t sent = 0; sent < bytes; sent += CHUNK) {
        if (SSL_write(p->c, chunk_in, CHUNK) != CHUNK)
            die("SSL_write", NULL);
        size_t got = 0;
        while (got < CHUNK) {
            int r = SSL_read(p->s, chunk_out, sizeof chunk_out);
            if (r <= 0)
                die("SSL_read", NULL);
            got += (size_t)r;
        }
    }
    return now() - t0;
}

/* The bound: libcrypto alone sealing and opening 16 KiB buffers with
 * contexts keyed once, a fresh nonce and the AAD the protocol needs per
 * buffer: TLS 1.3 authenticates the 5-byte record header
 * (rfc8446#5.2); TLS 1.2 authenticates seq_num(8) + type + version +
 * length, 13 bytes (rfc5246#6.2.3.3), and its 8-byte explicit nonce is
 * part of the 12-byte GCM nonce (rfc5288#3), so the cipher work per record
 * is the same. */
__attribute__((noinline)) double bulk_evp_bound(const EVP_CIPHER *cipher, size_t aad_len, size_t bytes)
{
    static uint8_t buf[CHUNK];
    uint8_t key[32], iv[12], tag[16];
    uint8_t aad[13] = { 0, 0, 0, 0, 0, 0, 0, 1, 23, 3, 3, 0x40, 0x00 };
    if (aad_len == 5)
        memcpy(aad, (const uint8_t[5]){ 23, 3, 3, 0x40, 0x11 }, 5);
    RAND_bytes(key, sizeof key);
    RAND_bytes(iv, sizeof iv);
    EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new(), *d = EVP_CIPHER_CTX_new();
    if (EVP_CipherInit_ex2(e, cipher, key, NULL, 1, NULL) != 1
        || EVP_CipherInit_ex2(d, cipher, key, NULL, 0, NULL) != 1)
        die("keying the bound's contexts", NULL);
    double t0 = now();
    for (size_t done = 0; done < bytes; done += CHUNK) {
        int outl, finl;
        iv[11]++;
        if (EVP_CipherInit_ex2(e, NULL, NULL, iv, 1, NULL) != 1
            || EVP_CipherUpdate(e, NULL, &outl, aad, (int)aad_len) != 1
            || EVP_CipherUpdate(e, buf, &outl, buf, CHUNK) != 1
            || EVP_CipherFinal_ex(e, buf + outl, &finl) != 1
            || EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1)
            die("bound: encrypt", NULL);
        if (EVP_CipherInit_ex2(d, NULL, NULL, iv, 0, NULL) != 1
            || EVP_CipherUpdate(d, NULL, &outl, aad, (int)aad_len) != 1
            || EVP_CipherUpdate(d, buf, &outl, buf, CHUNK) != 1
            || EVP_CIPHER_CTX_ctrl(d, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1
            || EVP_CipherFinal_ex(d, buf + outl, &finl) != 1)
            die("bound: decrypt", NULL);
    }
    double t = now() - t0;
    EVP_CIPHER_CTX_free(e);
    EVP_CIPHER_CTX_free(d);
    return t;
}

/* which: NULL for the whole comparison, else "ours", "libssl" or "bound"
 * alone (for callgrind). */
static void bulk(const pki *p, const proto *v, const char *evp_name, const char *label,
                 size_t total, int rounds, const char *which)
{
    ours_side o;
    libssl_side l;
    size_t aad_len = v->tls12 ? 13 : 5;
    ours_configs(&o, p, v);
    libssl_configs(&l, p, v);
    tls_conn *c = tls_conn_new(o.client), *s = tls_conn_new(o.server);
    ours_handshake(c, s);
    libssl_pair lp;
    libssl_net(&lp, 64 * 1024);
    libssl_new(&l, &lp);
    libssl_handshake(&lp);
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, evp_name, NULL);
    if (cipher == NULL)
        die("EVP_CIPHER_fetch", evp_name);

    if (which != NULL) {
        if (strcmp(which, "ours") == 0)
            bulk_ours(c, s, total);
        else if (strcmp(which, "libssl") == 0)
            bulk_libssl(&lp, total);
        else
            bulk_evp_bound(cipher, aad_len, total);
        rounds = 0;
    } else {
        /* Warm-ups only for the timed comparison: under callgrind (which
         * set) they would be counted with the measured records. */
        bulk_ours(c, s, 64 * CHUNK);
        bulk_libssl(&lp, 64 * CHUNK);
        bulk_evp_bound(cipher, aad_len, 64 * CHUNK);
    }
    size_t per_round = rounds ? total / (size_t)rounds / CHUNK * CHUNK : 0;
    double mb = (double)per_round / 1e6;
    double ours[64], theirs[64], bound[64], ratio[64], share[64];
    for (int r = 0; r < rounds; r++) {
        ours[r] = mb / bulk_ours(c, s, per_round);
        theirs[r] = mb / bulk_libssl(&lp, per_round);
        bound[r] = mb / bulk_evp_bound(cipher, aad_len, per_round);
        ratio[r] = ours[r] / theirs[r];
        share[r] = ours[r] / bound[r];
    }
    char what[128];
    if (which != NULL)
        goto done;
    print_negotiated(label, c, lp.c);
    snprintf(what, sizeof what, "%s bulk ours", label);
    print_stats(what, "MB/s", ours, rounds);
    snprintf(what, sizeof what, "%s bulk libssl", label);
    print_stats(what, "MB/s", theirs, rounds);
    snprintf(what, sizeof what, "%s EVP bound (seal+open)", label);
    print_stats(what, "MB/s", bound, rounds);
    snprintf(what, sizeof what, "%s bulk ratio ours/libssl", label);
    print_stats(what, "x", ratio, rounds);
    snprintf(what, sizeof what, "%s ours / EVP bound", label);
    print_stats(what, "x", share, rounds);
    printf("%s_bulk_ratio %.3f\n", label, summarize(ratio, rounds).median);
    printf("%s_share_of_bound %.3f\n", label, summarize(share, rounds).median);
    printf("%s_bulk_MBps_ours %.0f\n", label, summarize(ours, rounds).median);
    printf("%s_bulk_MBps_libssl %.0f\n", label, summarize(theirs, rounds).median);
    printf("%s_bound_MBps %.0f\n", label, summarize(bound, rounds).median);
    fflush(stdout);
done:
    EVP_CIPHER_free(cipher);
    tls_conn_free(c);
    tls_conn_free(s);
    SSL_free(lp.c);
    SSL_free(lp.s);
    libssl_net_free(&lp);
    ours_free_configs(&o);
    libssl_free_configs(&l);
}

/* ---- Memory per connection -------------------------------------------------------- */
#define MEM_CONNS 32

typedef struct mem_result {
    double client, server;
} mem_result;

/* One byte each way, read by the other side: every buffer drained. */
static void ours_idle(tls_conn *c, tls_conn *s)
{
    const uint8_t *d;
    size_t n;
    if (tls_conn_write(c, (const uint8_t *)"x", 1) != 0)
        die("tls_conn_write", NULL);
    pump(c, s);
    n = tls_conn_app_data(s, &d);
    tls_conn_app_data_done(s, n);
    if (tls_conn_write(s, (const uint8_t *)"y", 1) != 0)
        die("tls_conn_write", NULL);
    pump(s, c);
    n = tls_conn_app_data(c, &d);
    tls_conn_app_data_done(c, n);
}

static mem_result ours_memory(const ours_side *o, int idle)
{
    static tls_conn *c[MEM_CONNS], *s[MEM_CONNS];
    long long base = live_bytes;
    for (int i = 0; i < MEM_CONNS; i++) {
        c[i] = tls_conn_new(o->client);
        s[i] = tls_conn_new(o->server);
        ours_handshake(c[i], s[i]);
        if (idle)
            ours_idle(c[i], s[i]);
    }
    long long both = live_bytes;
    for (int i = 0; i < MEM_CONNS; i++)
        tls_conn_free(s[i]);
    long long clients = live_bytes;
    for (int i = 0; i < MEM_CONNS; i++)
        tls_conn_free(c[i]);
    mem_result m = { (double)(clients - base) / MEM_CONNS, (double)(both - clients) / MEM_CONNS };
    return m;
}

static void libssl_idle(libssl_pair *p)
{
    char b[8];
    if (SSL_write(p->c, "x", 1) != 1 || SSL_read(p->s, b, sizeof b) != 1
        || SSL_write(p->s, "y", 1) != 1 || SSL_read(p->c, b, sizeof b) != 1)
        die("libssl idle exchange", NULL);
    /* What an idle libssl connection can give back (SSL_MODE_RELEASE_BUFFERS
     * does the same automatically). */
    SSL_free_buffers(p->c);
    SSL_free_buffers(p->s);
}

static mem_result libssl_memory(const libssl_side *l, int idle)
{
    static libssl_pair p[MEM_CONNS];
    for (int i = 0; i < MEM_CONNS; i++)
        libssl_net(&p[i], 0);
    long long base = live_bytes;
    for (int i = 0; i < MEM_CONNS; i++) {
        libssl_new(l, &p[i]);
        libssl_handshake(&p[i]);
        if (idle)
            libssl_idle(&p[i]);
    }
    long long both = live_bytes;
    for (int i = 0; i < MEM_CONNS; i++)
        SSL_free(p[i].s);
    long long clients = live_bytes;
    for (int i = 0; i < MEM_CONNS; i++)
        SSL_free(p[i].c);
    for (int i = 0; i < MEM_CONNS; i++)
        libssl_net_free(&p[i]);
    mem_result m = { (double)(clients - base) / MEM_CONNS, (double)(both - clients) / MEM_CONNS };
    return m;
}

static void memory(const pki *p)
{
    ours_side o;
    libssl_side l;
    ours_configs(&o, p, &TLS13_DEFAULT);
    libssl_configs(&l, p, &TLS13_DEFAULT);
    libssl_pair net;
    libssl_net(&net, 0);
    hs_loop_ours(&o, 3);
    hs_loop_libssl(&l, &net, 3);
    libssl_net_free(&net);
    /* Once before counting, so that lazily built tables are not charged
     * to the connections. */
    ours_memory(&o, 1);
    libssl_memory(&l, 1);
    mem_result oe = ours_memory(&o, 0), le = libssl_memory(&l, 0);
    mem_result oi = ours_memory(&o, 1), li = libssl_memory(&l, 1);
    printf("# memory per connection (live heap bytes, malloc_usable_size; %d connections)\n",
           MEM_CONNS);
    printf("#   %-28s %10s %10s %10s %10s\n", "", "ours", "libssl", "ratio", "");
    printf("#   %-28s %10.0f %10.0f %10.3f\n", "client, after handshake", oe.client, le.client,
           oe.client / le.client);
    printf("#   %-28s %10.0f %10.0f %10.3f\n", "server, after handshake", oe.server, le.server,
           oe.server / le.server);
    printf("#   %-28s %10.0f %10.0f %10.3f\n", "client, idle", oi.client, li.client,
           oi.client / li.client);
    printf("#   %-28s %10.0f %10.0f %10.3f\n", "server, idle", oi.server, li.server,
           oi.server / li.server);
    printf("client_memory_ratio %.3f\n", oe.client / le.client);
    printf("server_memory_ratio %.3f\n", oe.server / le.server);
    printf("idle_connection_bytes %.0f\n", oi.client > oi.server ? oi.client : oi.server);
    printf("client_bytes_ours %.0f\nclient_bytes_libssl %.0f\n", oe.client, le.client);
    printf("server_bytes_ours %.0f\nserver_bytes_libssl %.0f\n", oe.server, le.server);
    printf("client_idle_bytes_ours %.0f\nclient_idle_bytes_libssl %.0f\n", oi.client, li.client);
    printf("server_idle_bytes_ours %.0f\nserver_idle_bytes_libssl %.0f\n", oi.server, li.server);
    printf("client_idle_memory_ratio %.3f\n", oi.client / li.client);
    printf("server_idle_memory_ratio %.3f\n", oi.server / li.server);
    fflush(stdout);
    ours_free_configs(&o);
    libssl_free_configs(&l);
}

/* ---- Main ------------------------------------------------------------------------------ */
/* The handshake kinds of --only, as KIND's suffix after "ours-"/"libssl-". */
static const proto *only_proto(const char *kind, int *is_rsa)
{
    static const struct {
        const char *suffix;
        const proto *v;
        int rsa;
    } kinds[] = {
        { "ecdsa", &TLS13_DEFAULT, 0 },
        { "rsa", &TLS13_DEFAULT, 1 },
        { "ecdsa12", &TLS12_ECDHE_ECDSA, 0 },
        { "rsakx12", &TLS12_RSA_KX, 1 },
    };
    const char *dash = strchr(kind, '-');
    for (size_t i = 0; dash && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(dash + 1, kinds[i].suffix) == 0) {
            *is_rsa = kinds[i].rsa;
            return kinds[i].v;
        }
    die("unknown --only kind", kind);
    return NULL;
}

static void only(const pki *ec, const pki *rsa, const char *kind, int count)
{
    if (strncmp(kind, "bulk-", 5) == 0) {
        /* bulk-{ours,libssl,bound}-{aes,chacha,aes12}: count MiB through one connection */
        const char *which = strncmp(kind + 5, "ours", 4) == 0     ? "ours"
                            : strncmp(kind + 5, "libssl", 6) == 0 ? "libssl"
                                                                  : "bound";
        const char *cipher = strrchr(kind, '-') + 1;
        size_t total = (size_t)count << 20;
        if (strcmp(cipher, "chacha") == 0)
            bulk(ec, &TLS13_CHACHA20, "ChaCha20-Poly1305", "chacha20", total, 1, which);
        else if (strcmp(cipher, "aes12") == 0)
            bulk(ec, &TLS12_ECDHE_ECDSA, "AES-128-GCM", "tls12_aes128gcm", total, 1, which);
        else if (strcmp(cipher, "aes") == 0)
            bulk(ec, &TLS13_AES128GCM, "AES-128-GCM", "aes128gcm", total, 1, which);
        else
            die("unknown --only kind", kind);
        printf("# %s %d done\n", kind, count);
        return;
    }
    if (strcmp(kind, "ours-resume13") == 0 || strcmp(kind, "ours-resume12") == 0
        || strcmp(kind, "libssl-resume13") == 0 || strcmp(kind, "libssl-resume12") == 0) {
        /* Resumed handshakes offering a session from a first full one. */
        const proto *v = kind[strlen(kind) - 1] == '3' ? &TLS13_DEFAULT : &TLS12_ECDHE_ECDSA;
        ours_side o;
        libssl_side l;
        tls_buf session;
        SSL_SESSION *theirs;
        const char *why;
        libssl_pair net;
        ours_resume_configs(&o, ec, v);
        libssl_resume_configs(&l, ec, v);
        libssl_net(&net, 0);
        tls_buf_init(&session);
        if (!resume_sessions(&o, &l, &net, &session, &theirs, &why) && kind[0] == 'o')
            die(kind, why);
        /* Warm-ups outside the hs_loop_* functions callgrind collects.
         * BENCH_FULL_TICKETS set: full handshakes on the same configs
         * (tickets issued and taken in) instead, the speed-up's base. */
        if (getenv("BENCH_FULL_TICKETS") != NULL) {
            if (kind[0] == 'o')
                hs_loop_ours_full_tickets(&o, count);
            else
                hs_loop_libssl_full_tickets(&l, &net, count);
        } else if (kind[0] == 'o') {
            ours_resume_one(&o, &session, NULL);
            ours_resume_one(&o, &session, NULL);
            hs_loop_ours_resumed(&o, &session, count);
        } else {
            libssl_resume_one(&l, &net, theirs, NULL);
            libssl_resume_one(&l, &net, theirs, NULL);
            hs_loop_libssl_resumed(&l, &net, theirs, count);
        }
        SSL_SESSION_free(theirs);
        tls_buf_free(&session);
        ours_free_configs(&o);
        libssl_free_configs(&l);
        libssl_net_free(&net);
        printf("# %s %d done\n", kind, count);
        return;
    }
    if (strcmp(kind, "bound-ecdsa") == 0) {
        /* The crypto bound alone, after two warm-up bound handshakes. */
        ours_side o;
        bound_hs b;
        transcript_count t;
        ours_configs(&o, ec, &TLS13_DEFAULT);
        ours_one_handshake(&o);
        count_transcript(&o, &t);
        bound_new(&b, ec, &t);
        print_transcript(&t);
        bound_one(&b);
        bound_one(&b);
        hs_loop_bound_ecdsa(&b, count);
        bound_free(&b);
        ours_free_configs(&o);
        printf("# %s %d done\n", kind, count);
        return;
    }
    if (strcmp(kind, "ours-cold") == 0 || strcmp(kind, "libssl-cold") == 0) {
        ours_side o[COLD_CERTS];
        libssl_side l[COLD_CERTS];
        libssl_pair net;
        cold_configs(ec, o, l);
        libssl_net(&net, 0);
        if (kind[0] == 'o') {
            cold_ours(o, 2 * COLD_CERTS);
            hs_loop_cold_ours(o, count);
        } else {
            cold_libssl(l, &net, 2 * COLD_CERTS);
            hs_loop_cold_libssl(l, &net, count);
        }
        cold_free_configs(o, l);
        libssl_net_free(&net);
        printf("# %s %d done\n", kind, count);
        return;
    }
    int is_rsa = 0;
    const proto *v = only_proto(kind, &is_rsa);
    const pki *p = is_rsa ? rsa : ec;
    if (strncmp(kind, "ours-", 5) == 0) {
        ours_side o;
        ours_configs(&o, p, v);
        hs_loop_ours(&o, 0); /* keeps the symbol whatever the count */
        ours_one_handshake(&o);
        ours_one_handshake(&o);
        hs_loop_ours(&o, count);
        ours_free_configs(&o);
    } else if (strncmp(kind, "libssl-", 7) == 0) {
        libssl_side l;
        libssl_pair net;
        libssl_configs(&l, p, v);
        libssl_net(&net, 0);
        libssl_one_handshake(&l, &net);
        libssl_one_handshake(&l, &net);
        hs_loop_libssl(&l, &net, count);
        libssl_free_configs(&l);
        libssl_net_free(&net);
    } else {
        die("unknown --only kind", kind);
    }
    printf("# %s %d done\n", kind, count);
}

int main(int argc, char **argv)
{
    /* Before anything else touches libcrypto. */
    if (!CRYPTO_set_mem_functions(count_crypto_malloc, count_crypto_realloc, count_crypto_free)) {
        fprintf(stderr, "bench_engine: CRYPTO_set_mem_functions failed\n");
        return 1;
    }
    int quick = 0, rounds = 0, count = 20;
    const char *only_kind = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only_kind = argv[++i];
        else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--quick] [--rounds N] | --only KIND [--count N] | --only memory\n", argv[0]);
            return 2;
        }
    }
    if (rounds <= 0 || rounds > 64)
        rounds = quick ? 7 : 15;

    char dir[] = "/tmp/luatls-bench-XXXXXX";
    if (mkdtemp(dir) == NULL)
        die("mkdtemp", NULL);
    pki ec, rsa;
    make_pki(&ec, dir, "ec");
    make_pki(&rsa, dir, "rsa");

    if (only_kind != NULL && strcmp(only_kind, "memory") == 0) {
        /* The memory figures alone (a few seconds): comparing a change to the
         * connection's size needs no handshake or bulk timing. */
        memory(&ec);
    } else if (only_kind != NULL) {
        only(&ec, &rsa, only_kind, count);
    } else {
        printf("# OpenSSL %s; %s mode, %d rounds, ours and libssl alternated; CPU time\n",
               OpenSSL_version(OPENSSL_VERSION), quick ? "quick" : "full", rounds);
        handshake_ratio(&ec, &TLS13_DEFAULT, "tls13_ecdsa", rounds, quick ? 40 : 300);
        bound_ratio(&ec, rounds, quick ? 40 : 300);
        handshake_ratio(&rsa, &TLS13_DEFAULT, "tls13_rsa", rounds, quick ? 15 : 100);
        cold_ratio(&ec, rounds, quick ? 30 : 240);
        handshake_ratio(&ec, &TLS12_ECDHE_ECDSA, "tls12_ecdsa", rounds, quick ? 40 : 300);
        handshake_ratio(&rsa, &TLS12_RSA_KX, "tls12_rsa_kx", rounds, quick ? 15 : 100);
        resumed_ratio(&ec, &TLS13_DEFAULT, "tls13", rounds, quick ? 40 : 300, quick ? 80 : 600);
        resumed_ratio(&ec, &TLS12_ECDHE_ECDSA, "tls12", rounds, quick ? 40 : 300, quick ? 400 : 3000);
        size_t total = quick ? (size_t)64 << 20 : (size_t)1 << 30;
        int bulk_rounds = 2 * rounds > 64 ? 64 : 2 * rounds;
        bulk(&ec, &TLS13_AES128GCM, "AES-128-GCM", "aes128gcm", total, bulk_rounds, NULL);
        bulk(&ec, &TLS13_CHACHA20, "ChaCha20-Poly1305", "chacha20", total, bulk_rounds, NULL);
        bulk(&ec, &TLS12_ECDHE_ECDSA, "AES-128-GCM", "tls12_aes128gcm", total, bulk_rounds, NULL);
        memory(&ec);
    }

    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    run(cmd);
    if (bench_failures > 0) {
        fprintf(stderr, "bench_engine: %d comparison(s) could not measure our engine (see FAILED above)\n",
                bench_failures);
        return 1;
    }
    return 0;
}
