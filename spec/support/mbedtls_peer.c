/* An Mbed TLS peer for spec/interop_mbedtls_spec.lua: a fifth TLS stack
 * (Debian's libmbedtls-dev, 2.28: TLS 1.2 only), as a client or a server on
 * 127.0.0.1. Built by the spec; the module never links Mbed TLS.
 *
 *   mbedtls_peer client PORT [key=value ...]
 *   mbedtls_peer server 0    [key=value ...]
 *
 * Options: ca=FILE (client: verify the server's chain and the name
 * "localhost"; server: require a client certificate issued under FILE),
 * cert=FILE key=FILE, ciphers=LIST (Mbed TLS's names, comma-separated),
 * groups=LIST (x25519, secp256r1, secp384r1, secp521r1), alpn=LIST,
 * maxfrag=512|1024|2048|4096 (client: ask for max_fragment_length, RFC 6066
 * section 4), tickets=0 (client: no session_ticket extension, so a session
 * resumes by its id), conns=N (client: N connections, each after the first
 * offering the previous one's session; server: serve N), lines=N (client:
 * lines echoed per connection, default 1), size=N (client: bytes per line
 * before its LF), renego=1 (server: a HelloRequest after the first line,
 * RFC 5246 section 7.4.1.1; the client may refuse it and the connection goes on).
 *
 * Prints "ready PORT" (server), then a line per connection:
 * "conn I version=V cipher=C alpn=A peercert=0|1 maxfrag=N echo=ok" (maxfrag: the
 * max_fragment_length code agreed, 0 for none) or
 * "conn I failed STEP: Mbed TLS's message". The server echoes every line
 * until the client closes. Exits 0 when every connection succeeded. */
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct options {
    const char *ca, *cert, *key, *ciphers, *groups, *alpn;
    int conns, lines, size, maxfrag, tickets, renego;
};

static int fail(int i, const char *step, int ret)
{
    char msg[200];
    mbedtls_strerror(ret, msg, sizeof msg);
    printf("conn %d failed %s: %s\n", i, step, msg);
    fflush(stdout);
    return 1;
}

static void die(const char *what)
{
    fprintf(stderr, "%s\n", what);
    exit(2);
}

/* Splits a comma-separated list in place into at most max - 1 entries and a NULL. */
static int split(char *list, const char **out, int max)
{
    int n = 0;
    for (char *p = strtok(list, ","); p != NULL && n < max - 1; p = strtok(NULL, ","))
        out[n++] = p;
    out[n] = NULL;
    return n;
}

static mbedtls_ecp_group_id group_id(const char *name)
{
    static const struct { const char *name; mbedtls_ecp_group_id id; } groups[] = {
        { "x25519", MBEDTLS_ECP_DP_CURVE25519 },       { "secp256r1", MBEDTLS_ECP_DP_SECP256R1 },
        { "secp384r1", MBEDTLS_ECP_DP_SECP384R1 }, { "secp521r1", MBEDTLS_ECP_DP_SECP521R1 },
    };
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        if (strcmp(groups[i].name, name) == 0)
            return groups[i].id;
    die("unknown group");
    return MBEDTLS_ECP_DP_NONE;
}

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_x509_crt ca, own;
static mbedtls_pk_context own_key;
static mbedtls_ssl_cache_context cache;
static mbedtls_ssl_ticket_context tickets;
static int suites[16];
static mbedtls_ecp_group_id curves[8];
static const char *alpn[8];

static void configure(mbedtls_ssl_config *conf, int server, struct options *o)
{
    if (mbedtls_ssl_config_defaults(conf, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT) != 0)
        die("mbedtls_ssl_config_defaults failed");
    mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, &drbg);
    if (o->cert) {
        if (mbedtls_x509_crt_parse_file(&own, o->cert) != 0 || mbedtls_pk_parse_keyfile(&own_key, o->key, NULL) != 0
            || mbedtls_ssl_conf_own_cert(conf, &own, &own_key) != 0)
            die("cannot load the certificate or key");
    }
    if (o->ca) {
        if (mbedtls_x509_crt_parse_file(&ca, o->ca) != 0)
            die("cannot load the CA file");
        mbedtls_ssl_conf_ca_chain(conf, &ca, NULL);
        mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    } else {
        mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE);
    }
    if (o->ciphers) {
        const char *names[16];
        int n = split((char *)o->ciphers, names, 16);
        for (int i = 0; i < n; i++)
            if ((suites[i] = mbedtls_ssl_get_ciphersuite_id(names[i])) == 0)
                die("unknown cipher suite");
        suites[n] = 0;
        mbedtls_ssl_conf_ciphersuites(conf, suites);
    }
    if (o->groups) {
        const char *names[8];
        int n = split((char *)o->groups, names, 8);
        for (int i = 0; i < n; i++)
            curves[i] = group_id(names[i]);
        curves[n] = MBEDTLS_ECP_DP_NONE;
        mbedtls_ssl_conf_curves(conf, curves);
    }
    if (o->alpn) {
        split((char *)o->alpn, alpn, 8);
        mbedtls_ssl_conf_alpn_protocols(conf, alpn);
    }
    if (o->maxfrag) {
        unsigned char code = o->maxfrag == 512 ? MBEDTLS_SSL_MAX_FRAG_LEN_512
                             : o->maxfrag == 1024 ? MBEDTLS_SSL_MAX_FRAG_LEN_1024
                             : o->maxfrag == 2048 ? MBEDTLS_SSL_MAX_FRAG_LEN_2048
                                                  : MBEDTLS_SSL_MAX_FRAG_LEN_4096;
        mbedtls_ssl_conf_max_frag_len(conf, code);
    }
    if (server) {
        mbedtls_ssl_conf_session_cache(conf, &cache, mbedtls_ssl_cache_get, mbedtls_ssl_cache_set);
        if (mbedtls_ssl_ticket_setup(&tickets, mbedtls_ctr_drbg_random, &drbg, MBEDTLS_CIPHER_AES_256_GCM, 86400) != 0)
            die("mbedtls_ssl_ticket_setup failed");
        mbedtls_ssl_conf_session_tickets_cb(conf, mbedtls_ssl_ticket_write, mbedtls_ssl_ticket_parse, &tickets);
        mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_ENABLED);
    } else {
        mbedtls_ssl_conf_session_tickets(conf, o->tickets ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED
                                                          : MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
    }
}

static void print_info(int i, mbedtls_ssl_context *ssl)
{
    const char *proto = mbedtls_ssl_get_alpn_protocol(ssl);
    /* The session's code is the negotiated one: 0 unless the server echoed
     * max_fragment_length (the accessors give the client's own setting). */
    printf("conn %d version=%s cipher=%s alpn=%s peercert=%d maxfrag=%d echo=ok\n", i, mbedtls_ssl_get_version(ssl),
           mbedtls_ssl_get_ciphersuite(ssl), proto ? proto : "", mbedtls_ssl_get_peer_cert(ssl) != NULL,
           ssl->session != NULL ? ssl->session->mfl_code : -1);
    fflush(stdout);
}

static int handshake(mbedtls_ssl_context *ssl)
{
    int ret;
    while ((ret = mbedtls_ssl_handshake(ssl)) == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
        ;
    return ret;
}

static int write_all(mbedtls_ssl_context *ssl, const unsigned char *p, size_t len)
{
    while (len > 0) {
        int n = mbedtls_ssl_write(ssl, p, len);
        if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
            continue;
        if (n <= 0)
            return n;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads up to and including the first LF into buf (cap bytes): its length,
 * 0 at the peer's close, or an Mbed TLS error. */
static int read_line(mbedtls_ssl_context *ssl, unsigned char *buf, size_t cap)
{
    size_t len = 0;
    while (len < cap) {
        int n = mbedtls_ssl_read(ssl, buf + len, 1);
        if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
            continue;
        if (n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || n == 0)
            return 0;
        if (n < 0)
            return n;
        if (buf[len++] == '\n')
            break;
    }
    return (int)len;
}

static int run_client(const char *port, struct options *o)
{
    mbedtls_ssl_config conf;
    mbedtls_ssl_config_init(&conf);
    configure(&conf, 0, o);
    mbedtls_ssl_session session;
    mbedtls_ssl_session_init(&session);
    int have_session = 0, failures = 0;
    size_t size = o->size > 0 ? (size_t)o->size : 14;
    unsigned char *line = malloc(size + 1), *buf = malloc(size + 1);
    for (size_t k = 0; k < size; k++)
        line[k] = (unsigned char)('a' + k % 26);
    line[size] = '\n';
    for (int i = 1; i <= o->conns; i++) {
        mbedtls_net_context fd;
        mbedtls_net_init(&fd);
        mbedtls_ssl_context ssl;
        mbedtls_ssl_init(&ssl);
        int ret = mbedtls_net_connect(&fd, "127.0.0.1", port, MBEDTLS_NET_PROTO_TCP);
        if (ret != 0)
            return fail(i, "connect", ret) + 1;
        if (mbedtls_ssl_setup(&ssl, &conf) != 0 || mbedtls_ssl_set_hostname(&ssl, "localhost") != 0)
            die("mbedtls_ssl_setup failed");
        mbedtls_ssl_set_bio(&ssl, &fd, mbedtls_net_send, mbedtls_net_recv, NULL);
        if (have_session && mbedtls_ssl_set_session(&ssl, &session) != 0)
            die("mbedtls_ssl_set_session failed");
        int ok = 0;
        if ((ret = handshake(&ssl)) != 0) {
            failures += fail(i, "handshake", ret);
        } else {
            ok = 1;
            for (int l = 0; l < o->lines && ok; l++) {
                if ((ret = write_all(&ssl, line, size + 1)) != 0) {
                    failures += fail(i, "write", ret);
                    ok = 0;
                } else if ((ret = read_line(&ssl, buf, size + 1)) != (int)size + 1 || memcmp(buf, line, size + 1) != 0) {
                    failures += ret < 0 ? fail(i, "read", ret) : (printf("conn %d failed echo: %d bytes\n", i, ret), 1);
                    ok = 0;
                }
            }
        }
        if (ok) {
            print_info(i, &ssl);
            mbedtls_ssl_session_free(&session);
            mbedtls_ssl_session_init(&session);
            have_session = mbedtls_ssl_get_session(&ssl, &session) == 0;
        }
        mbedtls_ssl_close_notify(&ssl);
        mbedtls_ssl_free(&ssl);
        mbedtls_net_free(&fd);
    }
    mbedtls_ssl_session_free(&session);
    mbedtls_ssl_config_free(&conf);
    free(line);
    free(buf);
    return failures ? 1 : 0;
}

static int run_server(struct options *o)
{
    mbedtls_ssl_config conf;
    mbedtls_ssl_config_init(&conf);
    configure(&conf, 1, o);
    mbedtls_net_context listen_fd;
    mbedtls_net_init(&listen_fd);
    if (mbedtls_net_bind(&listen_fd, "127.0.0.1", "0", MBEDTLS_NET_PROTO_TCP) != 0)
        die("bind failed");
    struct sockaddr_storage sa;
    socklen_t salen = sizeof sa;
    if (getsockname(listen_fd.fd, (struct sockaddr *)&sa, &salen) != 0)
        die("getsockname failed");
    printf("ready %d\n", ntohs(((struct sockaddr_in *)&sa)->sin_port));
    fflush(stdout);
    static unsigned char buf[70000];
    int failures = 0;
    for (int i = 1; i <= o->conns; i++) {
        mbedtls_net_context fd;
        mbedtls_net_init(&fd);
        mbedtls_ssl_context ssl;
        mbedtls_ssl_init(&ssl);
        if (mbedtls_net_accept(&listen_fd, &fd, NULL, 0, NULL) != 0)
            die("accept failed");
        if (mbedtls_ssl_setup(&ssl, &conf) != 0)
            die("mbedtls_ssl_setup failed");
        mbedtls_ssl_set_bio(&ssl, &fd, mbedtls_net_send, mbedtls_net_recv, NULL);
        int ret = handshake(&ssl), lines = 0;
        if (ret != 0) {
            failures += fail(i, "handshake", ret);
        } else {
            while ((ret = read_line(&ssl, buf, sizeof buf)) > 0) {
                if (write_all(&ssl, buf, (size_t)ret) != 0)
                    break;
                if (++lines == 1 && o->renego) {
                    /* A server's renegotiate writes the HelloRequest and returns. */
                    int r = mbedtls_ssl_renegotiate(&ssl);
                    if (r != 0 && r != MBEDTLS_ERR_SSL_WANT_READ) {
                        ret = r;
                        break;
                    }
                }
            }
            if (ret < 0)
                failures += fail(i, "read", ret);
            else
                print_info(i, &ssl);
        }
        mbedtls_ssl_close_notify(&ssl);
        mbedtls_ssl_free(&ssl);
        mbedtls_net_free(&fd);
    }
    mbedtls_net_free(&listen_fd);
    mbedtls_ssl_config_free(&conf);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "client") != 0 && strcmp(argv[1], "server") != 0)) {
        fprintf(stderr, "usage: %s client|server PORT [key=value ...]\n", argv[0]);
        return 2;
    }
    struct options o = { .conns = 1, .lines = 1, .tickets = 1 };
    for (int i = 3; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (eq == NULL)
            die("bad option");
        *eq = '\0';
        const char *k = argv[i];
        char *v = eq + 1;
        if (strcmp(k, "ca") == 0) o.ca = v;
        else if (strcmp(k, "cert") == 0) o.cert = v;
        else if (strcmp(k, "key") == 0) o.key = v;
        else if (strcmp(k, "ciphers") == 0) o.ciphers = v;
        else if (strcmp(k, "groups") == 0) o.groups = v;
        else if (strcmp(k, "alpn") == 0) o.alpn = v;
        else if (strcmp(k, "maxfrag") == 0) o.maxfrag = atoi(v);
        else if (strcmp(k, "tickets") == 0) o.tickets = atoi(v);
        else if (strcmp(k, "conns") == 0) o.conns = atoi(v);
        else if (strcmp(k, "lines") == 0) o.lines = atoi(v);
        else if (strcmp(k, "size") == 0) o.size = atoi(v);
        else if (strcmp(k, "renego") == 0) o.renego = atoi(v);
        else die("unknown option");
    }
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crt_init(&own);
    mbedtls_pk_init(&own_key);
    mbedtls_ssl_cache_init(&cache);
    mbedtls_ssl_ticket_init(&tickets);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)"luatls", 6) != 0)
        die("mbedtls_ctr_drbg_seed failed");
    int rc = strcmp(argv[1], "client") == 0 ? run_client(argv[2], &o) : run_server(&o);
    mbedtls_ssl_ticket_free(&tickets);
    mbedtls_ssl_cache_free(&cache);
    mbedtls_pk_free(&own_key);
    mbedtls_x509_crt_free(&own);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return rc;
}
