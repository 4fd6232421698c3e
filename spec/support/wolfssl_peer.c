/* A wolfSSL peer for spec/interop_wolfssl_spec.lua: one more TLS stack, written
 * apart from OpenSSL and GnuTLS (Debian's libwolfssl-dev), as a client or a
 * server on 127.0.0.1. Built by the spec; the module never links wolfSSL.
 *
 *   wolfssl_peer client PORT [key=value ...]
 *   wolfssl_peer server 0    [key=value ...]
 *
 * Options: version=1.2|1.3|any (any: TLS 1.2 or 1.3), ca=FILE (client:
 * verify the server's chain and the name "localhost"; server: require a
 * client certificate issued under FILE), cert=FILE key=FILE, ciphers=LIST
 * (wolfSSL's names), groups=LIST (x25519, secp256r1, secp384r1, secp521r1,
 * comma-separated), keyshare=none (client: an empty key_share, so the server
 * must ask again with a HelloRetryRequest) or keyshare=LIST (a share for each), sni=NAME (client, default
 * localhost; "-" sends none), alpn=LIST, conns=N (client: N connections, each
 * after the first offering the previous one's session; server: serve N),
 * keyupdate=1 (client: a KeyUpdate after the first echo, then another echo),
 * size=N (client: the line sent is N bytes before its LF), tickets=0 (client:
 * no session_ticket extension in TLS 1.2, so a session resumes by its id),
 * cookie=1 (server: a cookie in any HelloRetryRequest), optional=1 (server
 * with ca: ask for a client certificate but take a client without one).
 *
 * Prints "ready PORT" (server), then a line per connection:
 * "conn I version=V cipher=C resumed=0|1 alpn=A peercert=0|1 echo=ok" or
 * "conn I failed STEP: wolfSSL's message". Exits 0 when every connection
 * succeeded. */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct options {
    const char *version, *ca, *cert, *key, *ciphers, *groups, *keyshare, *sni, *alpn;
    int conns, keyupdate, size, tickets, cookie, optional;
};

static int fail(int i, const char *step, WOLFSSL *ssl, int ret)
{
    char msg[WOLFSSL_MAX_ERROR_SZ] = "";
    if (ssl != NULL)
        wolfSSL_ERR_error_string((unsigned long)wolfSSL_get_error(ssl, ret), msg);
    printf("conn %d failed %s: %s\n", i, step, msg);
    fflush(stdout);
    return 1;
}

static int group_id(const char *name, size_t len)
{
    static const struct { const char *name; int id; } groups[] = {
        { "x25519", WOLFSSL_ECC_X25519 },       { "secp256r1", WOLFSSL_ECC_SECP256R1 },
        { "secp384r1", WOLFSSL_ECC_SECP384R1 }, { "secp521r1", WOLFSSL_ECC_SECP521R1 },
    };
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        if (strlen(groups[i].name) == len && strncmp(groups[i].name, name, len) == 0)
            return groups[i].id;
    fprintf(stderr, "unknown group %.*s\n", (int)len, name);
    exit(2);
}

static int parse_groups(const char *list, int *ids, int max)
{
    int n = 0;
    while (*list != '\0' && n < max) {
        size_t len = strcspn(list, ",");
        ids[n++] = group_id(list, len);
        list += len + (list[len] == ',');
    }
    return n;
}

static WOLFSSL_CTX *make_ctx(int server, const struct options *o)
{
    WOLFSSL_METHOD *m;
    if (strcmp(o->version, "1.3") == 0)
        m = server ? wolfTLSv1_3_server_method() : wolfTLSv1_3_client_method();
    else if (strcmp(o->version, "1.2") == 0)
        m = server ? wolfTLSv1_2_server_method() : wolfTLSv1_2_client_method();
    else
        m = server ? wolfSSLv23_server_method() : wolfSSLv23_client_method();
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(m);
    if (ctx == NULL || wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS) {
        fprintf(stderr, "wolfSSL_CTX_new failed\n");
        exit(2);
    }
    if (o->cert && (wolfSSL_CTX_use_certificate_chain_file(ctx, o->cert) != WOLFSSL_SUCCESS
                    || wolfSSL_CTX_use_PrivateKey_file(ctx, o->key, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)) {
        fprintf(stderr, "cannot load %s / %s\n", o->cert, o->key);
        exit(2);
    }
    if (o->ca) {
        if (wolfSSL_CTX_load_verify_locations(ctx, o->ca, NULL) != WOLFSSL_SUCCESS) {
            fprintf(stderr, "cannot load %s\n", o->ca);
            exit(2);
        }
        int require = server && !o->optional;
        wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER | (require ? WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                               NULL);
    } else {
        wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
    }
    if (o->ciphers && wolfSSL_CTX_set_cipher_list(ctx, o->ciphers) != WOLFSSL_SUCCESS) {
        fprintf(stderr, "bad cipher list %s\n", o->ciphers);
        exit(2);
    }
    return ctx;
}

static void set_groups(WOLFSSL *ssl, const struct options *o)
{
    if (o->groups == NULL)
        return;
    int ids[8], n = parse_groups(o->groups, ids, 8);
    /* TLS 1.2 reads supported_groups as set here; TLS 1.3 also its list. */
    for (int i = 0; i < n; i++)
        wolfSSL_UseSupportedCurve(ssl, (word16)ids[i]);
    if (wolfSSL_set_groups(ssl, ids, n) != WOLFSSL_SUCCESS && strcmp(o->version, "1.2") != 0) {
        fprintf(stderr, "wolfSSL_set_groups failed\n");
        exit(2);
    }
}

static void print_info(int i, WOLFSSL *ssl, const char *extra)
{
    char *alpn = NULL;
    word16 alpn_len = 0;
    if (wolfSSL_ALPN_GetProtocol(ssl, &alpn, &alpn_len) != WOLFSSL_SUCCESS)
        alpn_len = 0;
    WOLFSSL_X509 *peer = wolfSSL_get_peer_certificate(ssl);
    printf("conn %d version=%s cipher=%s resumed=%d alpn=%.*s peercert=%d%s\n", i, wolfSSL_get_version(ssl),
           wolfSSL_get_cipher_name(ssl), wolfSSL_session_reused(ssl), (int)alpn_len, alpn_len ? alpn : "",
           peer != NULL, extra);
    wolfSSL_X509_free(peer);
    fflush(stdout);
}

/* Reads up to and including the first LF, at most cap - 1 bytes. */
static int read_line(WOLFSSL *ssl, char *buf, int cap)
{
    int len = 0;
    while (len < cap - 1) {
        int n = wolfSSL_read(ssl, buf + len, cap - 1 - len);
        if (n <= 0)
            return n;
        len += n;
        if (memchr(buf, '\n', (size_t)len) != NULL)
            break;
    }
    buf[len] = '\0';
    return len;
}

static int echo_once(int i, WOLFSSL *ssl, const char *line, int len, char *buf, int cap)
{
    int ret = wolfSSL_write(ssl, line, len);
    if (ret != len)
        return fail(i, "write", ssl, ret);
    ret = read_line(ssl, buf, cap);
    if (ret != len || memcmp(buf, line, (size_t)len) != 0) {
        if (ret <= 0)
            return fail(i, "read", ssl, ret);
        printf("conn %d failed echo: got %d bytes, sent %d\n", i, ret, len);
        return 1;
    }
    return 0;
}

static int run_client(int port, const struct options *o)
{
    WOLFSSL_CTX *ctx = make_ctx(0, o);
    WOLFSSL_SESSION *session = NULL;
    int size = o->size > 0 ? o->size : 14;
    char *line = malloc((size_t)size + 1), *buf = malloc((size_t)size + 2);
    for (int k = 0; k < size; k++)
        line[k] = (char)('a' + k % 26);
    line[size] = '\n';
    int failures = 0;
    for (int i = 1; i <= o->conns; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            perror("connect");
            return 2;
        }
        WOLFSSL *ssl = wolfSSL_new(ctx);
        wolfSSL_set_fd(ssl, fd);
        set_groups(ssl, o);
        if (o->keyshare && strcmp(o->keyshare, "none") == 0) {
            wolfSSL_NoKeyShares(ssl);
        } else if (o->keyshare) {
            int ids[8], n = parse_groups(o->keyshare, ids, 8);
            for (int k = 0; k < n; k++)
                if (wolfSSL_UseKeyShare(ssl, (word16)ids[k]) != WOLFSSL_SUCCESS) {
                    fprintf(stderr, "wolfSSL_UseKeyShare failed\n");
                    return 2;
                }
        }
        if (strcmp(o->sni, "-") != 0)
            wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, o->sni, (word16)strlen(o->sni));
        if (o->ca)
            wolfSSL_check_domain_name(ssl, "localhost");
        if (o->alpn)
            wolfSSL_UseALPN(ssl, (char *)o->alpn, (unsigned)strlen(o->alpn), WOLFSSL_ALPN_FAILED_ON_MISMATCH);
        if (o->tickets)
            wolfSSL_UseSessionTicket(ssl);
        if (session)
            wolfSSL_set_session(ssl, session);
        int ret = wolfSSL_connect(ssl);
        if (ret != WOLFSSL_SUCCESS) {
            failures += fail(i, "handshake", ssl, ret);
        } else if (echo_once(i, ssl, line, size + 1, buf, size + 2) != 0) {
            failures++;
        } else if (o->keyupdate && ((ret = wolfSSL_update_keys(ssl)) != WOLFSSL_SUCCESS)) {
            failures += fail(i, "keyupdate", ssl, ret);
        } else if (o->keyupdate && echo_once(i, ssl, line, size + 1, buf, size + 2) != 0) {
            failures++;
        } else {
            print_info(i, ssl, o->keyupdate ? " keyupdate=ok echo=ok" : " echo=ok");
            if (session)
                wolfSSL_SESSION_free(session);
            session = wolfSSL_get1_session(ssl);
        }
        wolfSSL_shutdown(ssl);
        wolfSSL_free(ssl);
        close(fd);
    }
    if (session)
        wolfSSL_SESSION_free(session);
    free(line);
    free(buf);
    wolfSSL_CTX_free(ctx);
    return failures ? 1 : 0;
}

static int run_server(const struct options *o)
{
    WOLFSSL_CTX *ctx = make_ctx(1, o);
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = { .sin_family = AF_INET };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t salen = sizeof sa;
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 16) != 0
        || getsockname(lfd, (struct sockaddr *)&sa, &salen) != 0) {
        perror("listen");
        return 2;
    }
    printf("ready %d\n", ntohs(sa.sin_port));
    fflush(stdout);
    int failures = 0;
    char buf[70000];
    for (int i = 1; i <= o->conns; i++) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            perror("accept");
            return 2;
        }
        WOLFSSL *ssl = wolfSSL_new(ctx);
        wolfSSL_set_fd(ssl, fd);
        set_groups(ssl, o);
        if (o->alpn)
            wolfSSL_UseALPN(ssl, (char *)o->alpn, (unsigned)strlen(o->alpn), WOLFSSL_ALPN_FAILED_ON_MISMATCH);
        if (o->cookie && wolfSSL_send_hrr_cookie(ssl, NULL, 0) != WOLFSSL_SUCCESS) {
            fprintf(stderr, "wolfSSL_send_hrr_cookie failed\n");
            return 2;
        }
        int ret = wolfSSL_accept(ssl);
        if (ret != WOLFSSL_SUCCESS) {
            failures += fail(i, "handshake", ssl, ret);
        } else if ((ret = read_line(ssl, buf, (int)sizeof buf)) <= 0) {
            failures += fail(i, "read", ssl, ret);
        } else if (wolfSSL_write(ssl, buf, ret) != ret) {
            failures += fail(i, "write", ssl, ret);
        } else {
            print_info(i, ssl, " echo=ok");
        }
        wolfSSL_shutdown(ssl);
        wolfSSL_free(ssl);
        close(fd);
    }
    close(lfd);
    wolfSSL_CTX_free(ctx);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "client") != 0 && strcmp(argv[1], "server") != 0)) {
        fprintf(stderr, "usage: %s client|server PORT [key=value ...]\n", argv[0]);
        return 2;
    }
    struct options o = { .version = "any", .sni = "localhost", .conns = 1, .tickets = 1 };
    for (int i = 3; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (eq == NULL) {
            fprintf(stderr, "bad option %s\n", argv[i]);
            return 2;
        }
        *eq = '\0';
        const char *k = argv[i], *v = eq + 1;
        if (strcmp(k, "version") == 0) o.version = v;
        else if (strcmp(k, "ca") == 0) o.ca = v;
        else if (strcmp(k, "cert") == 0) o.cert = v;
        else if (strcmp(k, "key") == 0) o.key = v;
        else if (strcmp(k, "ciphers") == 0) o.ciphers = v;
        else if (strcmp(k, "groups") == 0) o.groups = v;
        else if (strcmp(k, "keyshare") == 0) o.keyshare = v;
        else if (strcmp(k, "sni") == 0) o.sni = v;
        else if (strcmp(k, "alpn") == 0) o.alpn = v;
        else if (strcmp(k, "conns") == 0) o.conns = atoi(v);
        else if (strcmp(k, "keyupdate") == 0) o.keyupdate = atoi(v);
        else if (strcmp(k, "size") == 0) o.size = atoi(v);
        else if (strcmp(k, "tickets") == 0) o.tickets = atoi(v);
        else if (strcmp(k, "cookie") == 0) o.cookie = atoi(v);
        else if (strcmp(k, "optional") == 0) o.optional = atoi(v);
        else {
            fprintf(stderr, "unknown option %s\n", k);
            return 2;
        }
    }
    wolfSSL_Init();
    int rc = strcmp(argv[1], "client") == 0 ? run_client(atoi(argv[2]), &o) : run_server(&o);
    wolfSSL_Cleanup();
    return rc;
}
