/*
 * A small TLS load generator for the server benchmark (bench/server_bench.sh).
 *
 * It opens new TLS 1.3 connections to one server over loopback, keeping a
 * fixed number in flight (non-blocking sockets, epoll), and on each one: the
 * handshake (libssl client, X25519 only, AES-128-GCM only, the chain checked
 * against a CA and the name "localhost"), one request, then it reads the reply
 * until the server closes (close_notify or TCP close) and checks its size.
 * It never offers a session, so every handshake is a full one.
 *
 * What is measured is the SERVER's cost: the CPU time of the server processes
 * (/proc/<pid>/task/<tid>/schedstat, else utime+stime of /proc/<pid>/stat; every
 * --pid given) before the first and after the last
 * connection. Our own CPU is printed but not counted.
 *
 *   loadgen --port P --ca ca.pem --pid PID [--pid PID2] [--conns N | --seconds S]
 *           [--inflight 64] [--request TEXT] [--reply BYTES] [--warmup N]
 *
 * Output: one line of `key value` pairs (see print_result), exit 1 when any
 * connection failed or a reply came back short.
 *
 * Only this benchmark binary links libssl; the module never does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_PIDS 4

enum state { ST_FREE, ST_CONNECTING, ST_HANDSHAKE, ST_WRITING, ST_READING };

struct conn {
    enum state st;
    int fd;
    SSL *ssl;
    uint32_t events; /* what epoll is asked for now */
    size_t sent;
    unsigned long long got;
};

static struct {
    const char *host, *ca, *request;
    int port, inflight;
    long conns, warmup;
    double seconds;
    unsigned long long reply;
    int pids[MAX_PIDS], npids;
} opt = { "127.0.0.1", NULL, "G", 0, 64, 0, 64, 0, 1024, { 0 }, 0 };

static SSL_CTX *ctx;
static int ep;
static struct sockaddr_in addr;
static long started, done_ok, failed, short_replies, tickets;
static unsigned long long bytes_in;
static char rbuf[65536];
static char *request_buf; /* --request, unescaped */

static void die(const char *what)
{
    fprintf(stderr, "loadgen: %s: %s\n", what, errno ? strerror(errno) : "failed");
    ERR_print_errors_fp(stderr);
    exit(2);
}

static double now(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* utime + stime of one process, in seconds (fields 14 and 15 of stat). */
static double proc_cpu_ticks(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die(path);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may hold spaces and parentheses: count from the last ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        die("unreadable /proc/<pid>/stat");
    unsigned long long ut = 0, st = 0;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        die("unreadable /proc/<pid>/stat");
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/*
 * CPU time of one process in seconds, to the nanosecond where the kernel
 * keeps schedstat: stat's ticks are 10 ms, so a quick run's 0.1 s of server
 * time would move by a tenth with one tick. The servers are idle (waiting in
 * epoll) when this is read, so the runtime is settled. Summed over threads.
 */
static double proc_cpu(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return proc_cpu_ticks(pid);
    double s = 0;
    int threads = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sp[320];
        snprintf(sp, sizeof sp, "/proc/%d/task/%s/schedstat", pid, e->d_name);
        FILE *f = fopen(sp, "r");
        unsigned long long ns = 0;
        int got = f != NULL && fscanf(f, "%llu", &ns) == 1;
        if (f != NULL)
            fclose(f);
        if (!got) {
            closedir(d);
            return proc_cpu_ticks(pid);
        }
        s += (double)ns / 1e9;
        threads++;
    }
    closedir(d);
    return threads > 0 ? s : proc_cpu_ticks(pid);
}

static double servers_cpu(void)
{
    double s = 0;
    for (int i = 0; i < opt.npids; i++)
        s += proc_cpu(opt.pids[i]);
    return s;
}

static int count_ticket(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    (void)sess;
    tickets++;
    return 0; /* not kept: every connection is a full handshake */
}

static void want(struct conn *c, uint32_t ev)
{
    if (c->events == ev)
        return;
    struct epoll_event e = { .events = ev, .data.ptr = c };
    if (epoll_ctl(ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &e) != 0)
        die("epoll_ctl");
    c->events = ev;
}

static void finish(struct conn *c, int ok)
{
    if (ok)
        done_ok++;
    else
        failed++;
    if (c->ssl != NULL)
        SSL_free(c->ssl);
    close(c->fd); /* also drops it from the epoll set */
    memset(c, 0, sizeof *c);
    c->st = ST_FREE;
}

static void start(struct conn *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    memset(c, 0, sizeof *c);
    c->fd = fd;
    started++;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 && errno != EINPROGRESS) {
        fprintf(stderr, "loadgen: connect: %s\n", strerror(errno));
        finish(c, 0);
        return;
    }
    c->st = ST_CONNECTING;
    want(c, EPOLLOUT);
}

/* Maps a libssl result to the direction to wait in; 0 when the call failed. */
static uint32_t ssl_wait(struct conn *c, int r)
{
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
        return EPOLLIN;
    case SSL_ERROR_WANT_WRITE:
        return EPOLLOUT;
    default:
        return 0;
    }
}

static void fail(struct conn *c, const char *where)
{
    unsigned long e = ERR_peek_error();
    char msg[256];
    ERR_error_string_n(e, msg, sizeof msg);
    if (failed < 5)
        fprintf(stderr, "loadgen: %s: %s (errno %s)\n", where, e ? msg : "no libssl error",
                strerror(errno));
    ERR_clear_error();
    finish(c, 0);
}

static void drive(struct conn *c)
{
    int r;
    uint32_t w;
    switch (c->st) {
    case ST_CONNECTING: {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            errno = err;
            fail(c, "connect");
            return;
        }
        c->ssl = SSL_new(ctx);
        if (c->ssl == NULL || !SSL_set_fd(c->ssl, c->fd) ||
            !SSL_set_tlsext_host_name(c->ssl, "localhost") || !SSL_set1_host(c->ssl, "localhost"))
            die("SSL_new");
        c->st = ST_HANDSHAKE;
    }
        /* fall through */
    case ST_HANDSHAKE:
        r = SSL_connect(c->ssl);
        if (r != 1) {
            if ((w = ssl_wait(c, r)) == 0) {
                fail(c, "handshake");
                return;
            }
            want(c, w);
            return;
        }
        c->st = ST_WRITING;
        /* fall through */
    case ST_WRITING:
        while (c->sent < strlen(opt.request)) {
            r = SSL_write(c->ssl, opt.request + c->sent, (int)(strlen(opt.request) - c->sent));
            if (r <= 0) {
                if ((w = ssl_wait(c, r)) == 0) {
                    fail(c, "write");
                    return;
                }
                want(c, w);
                return;
            }
            c->sent += (size_t)r;
        }
        c->st = ST_READING;
        /* fall through */
    case ST_READING:
        for (;;) {
            r = SSL_read(c->ssl, rbuf, sizeof rbuf);
            if (r > 0) {
                c->got += (unsigned long long)r;
                continue;
            }
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ) {
                want(c, EPOLLIN);
                return;
            }
            if (e == SSL_ERROR_WANT_WRITE) {
                want(c, EPOLLOUT);
                return;
            }
            /* close_notify, or a TCP close without it (libssl 3: SSL_R_UNEXPECTED_EOF_WHILE_READING):
             * either ends the reply; its size says whether it was whole. */
            int eof = e == SSL_ERROR_ZERO_RETURN ||
                      (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) ||
                      (e == SSL_ERROR_SSL &&
                       ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING);
            if (!eof) {
                fail(c, "read");
                return;
            }
            ERR_clear_error();
            bytes_in += c->got;
            if (c->got < opt.reply) {
                if (short_replies++ < 5)
                    fprintf(stderr, "loadgen: short reply: %llu of %llu bytes\n", c->got, opt.reply);
                finish(c, 0);
                return;
            }
            finish(c, 1);
            return;
        }
    case ST_FREE:
        return;
    }
}

static void run(struct conn *pool, long limit, double seconds)
{
    struct epoll_event evs[128];
    double t_end = seconds > 0 ? now(CLOCK_MONOTONIC) + seconds : 0;
    long goal = started + limit;
    int active = 0;
    for (int i = 0; i < opt.inflight && (seconds > 0 || started < goal); i++) {
        start(&pool[i]);
        if (pool[i].st != ST_FREE)
            active++;
    }
    while (active > 0) {
        int n = epoll_wait(ep, evs, 128, 5000);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die(n == 0 ? "no progress for 5 s (server stuck?)" : "epoll_wait");
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (c->st == ST_FREE)
                continue;
            drive(c);
            while (c->st == ST_FREE) {
                int more = seconds > 0 ? now(CLOCK_MONOTONIC) < t_end : started < goal;
                if (!more) {
                    active--;
                    break;
                }
                start(c);
                if (c->st == ST_FREE)
                    continue; /* connect failed at once: try again (counted) */
            }
        }
    }
}

/* --request takes \r and \n escapes (an HTTP request for nginx). */
static char *unescape(const char *v)
{
    char *out = malloc(strlen(v) + 1), *o = out;
    if (out == NULL)
        die("malloc");
    for (; *v; v++) {
        if (v[0] == '\\' && (v[1] == 'r' || v[1] == 'n')) {
            *o++ = v[1] == 'r' ? '\r' : '\n';
            v++;
        } else {
            *o++ = *v;
        }
    }
    *o = '\0';
    return out;
}

static void usage(void)
{
    fprintf(stderr, "usage: loadgen --port P --ca CA.pem --pid PID [--pid PID] [--conns N | --seconds S]\n"
                    "               [--inflight N] [--request TEXT] [--reply BYTES] [--warmup N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            usage();
        if (!strcmp(a, "--port")) opt.port = atoi(v);
        else if (!strcmp(a, "--host")) opt.host = v;
        else if (!strcmp(a, "--ca")) opt.ca = v;
        else if (!strcmp(a, "--conns")) opt.conns = atol(v);
        else if (!strcmp(a, "--seconds")) opt.seconds = atof(v);
        else if (!strcmp(a, "--inflight")) opt.inflight = atoi(v);
        else if (!strcmp(a, "--request") && request_buf == NULL) opt.request = request_buf = unescape(v);
        else if (!strcmp(a, "--reply")) opt.reply = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--warmup")) opt.warmup = atol(v);
        else if (!strcmp(a, "--pid") && opt.npids < MAX_PIDS) opt.pids[opt.npids++] = atoi(v);
        else usage();
    }
    if (opt.port <= 0 || opt.ca == NULL || opt.npids == 0 || opt.inflight <= 0 ||
        (opt.conns <= 0 && opt.seconds <= 0) || opt.request[0] == '\0')
        usage();

    signal(SIGPIPE, SIG_IGN); /* a server that closes first: EPIPE, not death */
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)opt.port);
    if (inet_pton(AF_INET, opt.host, &addr.sin_addr) != 1)
        usage();

    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
        !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) || !SSL_CTX_set1_groups_list(ctx, "X25519") ||
        !SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") ||
        !SSL_CTX_load_verify_locations(ctx, opt.ca, NULL))
        die("SSL_CTX setup");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    /* Tickets are counted (what each server sends), never kept or offered. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, count_ticket);

    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1");
    struct conn *pool = calloc((size_t)opt.inflight, sizeof *pool);
    if (pool == NULL)
        die("calloc");

    if (opt.warmup > 0)
        run(pool, opt.warmup, 0);
    long ok0 = done_ok, fail0 = failed, tick0 = tickets;
    unsigned long long bytes0 = bytes_in;
    double cpu0 = servers_cpu(), wall0 = now(CLOCK_MONOTONIC), self0 = now(CLOCK_PROCESS_CPUTIME_ID);
    run(pool, opt.conns, opt.seconds);
    double cpu = servers_cpu() - cpu0, wall = now(CLOCK_MONOTONIC) - wall0,
           self = now(CLOCK_PROCESS_CPUTIME_ID) - self0;
    long ok = done_ok - ok0, bad = failed - fail0;
    double mb = (double)(bytes_in - bytes0) / 1e6;

    printf("conns %ld failed %ld server_cpu_s %.3f wall_s %.3f loadgen_cpu_s %.3f "
           "conns_per_server_cpu_s %.1f conns_per_s %.1f MB %.1f MB_per_server_cpu_s %.1f "
           "tickets_per_conn %.2f\n",
           ok, bad, cpu, wall, self, cpu > 0 ? (double)ok / cpu : 0.0, (double)ok / wall, mb,
           cpu > 0 ? mb / cpu : 0.0, ok ? (double)(tickets - tick0) / (double)ok : 0.0);
    fflush(stdout);
    free(pool);
    SSL_CTX_free(ctx);
    close(ep);
    free(request_buf);
    return failed > 0 ? 1 : 0;
}
