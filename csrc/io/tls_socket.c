/* Plain POSIX TCP sockets with deadlines; see tls_socket.h. */
#ifdef __linux__
#define _GNU_SOURCE /* accept4 */
#endif
#include "io/tls_socket.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* then SO_NOSIGPIPE does the job (BSD, macOS) */
#endif

double tls_sock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double tls_sock_deadline(double timeout)
{
    if (timeout < 0)
        return -1;
    return tls_sock_now() + timeout;
}

/* "Connection refused" -> "connection refused", as LuaSocket words it. */
static void describe_errno(int e, const char *where, char *msg, size_t msg_size)
{
    char text[128];
    snprintf(text, sizeof text, "%s", strerror(e));
    text[0] = (char)tolower((unsigned char)text[0]);
    if (where && *where)
        snprintf(msg, msg_size, "%s (%s)", text, where);
    else
        snprintf(msg, msg_size, "%s", text);
}

/* Waits until fd is ready for events or the deadline passes. */
static int wait_ready(int fd, short events, double deadline, char *msg, size_t msg_size)
{
    for (;;) {
        int ms = -1;
        int capped = 0;
        if (deadline >= 0) {
            double left = deadline - tls_sock_now();
            /* A double beyond INT_MAX does not convert (undefined); wait in
             * steps of INT_MAX ms (~24 days) instead. */
            capped = left * 1000.0 >= INT_MAX;
            /* The call just tried would block: past the deadline (a timeout
             * of 0, every step of an event loop) asking poll changes nothing. */
            if (left <= 0)
                return TLS_IO_TIMEOUT;
            ms = capped ? INT_MAX : (int)ceil(left * 1000.0);
        }
        struct pollfd p = {.fd = fd, .events = events, .revents = 0};
        int n = poll(&p, 1, ms);
        if (n > 0)
            return TLS_IO_DONE; /* errors and hang-ups surface in the next call */
        if (n == 0 && !capped)
            return TLS_IO_TIMEOUT;
        if (n == 0)
            continue;
        if (errno != EINTR) {
            describe_errno(errno, "poll", msg, msg_size);
            return TLS_IO_ERROR;
        }
    }
}

static void set_nosigpipe(int fd)
{
#ifdef SO_NOSIGPIPE
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#else
    (void)fd;
#endif
}

int tls_sock_prepare(int fd)
{
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -1;
    set_nosigpipe(fd);
    return 0;
}

/* "127.0.0.1:8443" or "[::1]:8443" */
static void format_sockaddr(const struct sockaddr *sa, char *out, size_t out_size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)sa;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
        port = ntohs(a->sin_port);
        snprintf(out, out_size, "%s:%d", ip, port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        port = ntohs(a->sin6_port);
        snprintf(out, out_size, "[%s]:%d", ip, port);
    } else {
        snprintf(out, out_size, "?");
    }
}

static int resolve(const char *host, const char *port, int passive, struct addrinfo **res,
                   char *msg, size_t msg_size)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    if (passive)
        hints.ai_flags |= AI_PASSIVE;
    int rc = getaddrinfo(host, port, &hints, res);
    if (rc != 0) {
        const char *why = rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc);
        char text[128];
        snprintf(text, sizeof text, "%s", why);
        text[0] = (char)tolower((unsigned char)text[0]);
        snprintf(msg, msg_size, "cannot resolve %s: %s", host ? host : "*", text);
        return TLS_IO_ERROR;
    }
    return TLS_IO_DONE;
}

/* One attempt at one address; the socket is closed on failure. */
static int connect_one(const struct addrinfo *ai, double deadline, int *fd, char *msg,
                       size_t msg_size)
{
    char where[TLS_SOCK_ADDR_MAX];
    format_sockaddr(ai->ai_addr, where, sizeof where);
    int s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (s < 0) {
        describe_errno(errno, where, msg, msg_size);
        return TLS_IO_ERROR;
    }
    if (tls_sock_prepare(s) < 0) {
        describe_errno(errno, where, msg, msg_size);
        close(s);
        return TLS_IO_ERROR;
    }
    int rc = connect(s, ai->ai_addr, ai->ai_addrlen);
    if (rc < 0 && errno != EINPROGRESS && errno != EINTR) {
        describe_errno(errno, where, msg, msg_size);
        close(s);
        return TLS_IO_ERROR;
    }
    if (rc < 0) {
        int st = wait_ready(s, POLLOUT, deadline, msg, msg_size);
        if (st == TLS_IO_TIMEOUT) {
            snprintf(msg, msg_size, "timeout connecting to %s", where);
            close(s);
            return TLS_IO_TIMEOUT;
        }
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (st == TLS_IO_DONE && getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
            soerr = errno;
        if (st != TLS_IO_DONE || soerr != 0) {
            if (soerr != 0)
                describe_errno(soerr, where, msg, msg_size);
            close(s);
            return TLS_IO_ERROR;
        }
    }
    int one = 1;
    /* TLS writes whole flights at once; Nagle would only delay them. */
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *fd = s;
    return TLS_IO_DONE;
}

int tls_sock_connect(const char *host, const char *port, double deadline, int *fd, char *msg,
                     size_t msg_size)
{
    struct addrinfo *res = NULL;
    int st = resolve(host, port, 0, &res, msg, msg_size);
    if (st != TLS_IO_DONE)
        return st;
    st = TLS_IO_ERROR;
    snprintf(msg, msg_size, "no address for %s", host);
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        st = connect_one(ai, deadline, fd, msg, msg_size);
        if (st != TLS_IO_ERROR)
            break; /* connected, or the deadline is gone for every address */
    }
    freeaddrinfo(res);
    return st;
}

int tls_sock_listen(const char *host, const char *port, int backlog, int *fd, char *msg,
                    size_t msg_size)
{
    if (host && (strcmp(host, "*") == 0 || *host == '\0'))
        host = NULL;
    struct addrinfo *res = NULL;
    int st = resolve(host, port, 1, &res, msg, msg_size);
    if (st != TLS_IO_DONE)
        return st;
    st = TLS_IO_ERROR;
    snprintf(msg, msg_size, "no address for %s", host ? host : "*");
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        char where[TLS_SOCK_ADDR_MAX];
        format_sockaddr(ai->ai_addr, where, sizeof where);
        int s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (s < 0) {
            describe_errno(errno, where, msg, msg_size);
            continue;
        }
        int one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        /* TLS writes whole flights at once; Nagle would only delay them.
         * Set here, every accepted socket inherits it (see accept). */
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (tls_sock_prepare(s) < 0 || bind(s, ai->ai_addr, ai->ai_addrlen) < 0 ||
            listen(s, backlog) < 0) {
            describe_errno(errno, where, msg, msg_size);
            close(s);
            continue;
        }
        *fd = s;
        st = TLS_IO_DONE;
        break;
    }
    freeaddrinfo(res);
    return st;
}

/* accept_prepared's answer when the socket came but could not be made
 * non-blocking (it is closed then; errno says why). */
#define ACCEPTED_UNPREPARED INT_MAX

static int accept_prepared(int listen_fd)
{
#if defined(__linux__) && defined(SOCK_NONBLOCK)
    /* Non-blocking from the start: two fcntl calls fewer per client. */
    return accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK);
#else
    int s = accept(listen_fd, NULL, NULL);
    if (s >= 0 && tls_sock_prepare(s) < 0) {
        int e = errno;
        close(s);
        errno = e;
        return ACCEPTED_UNPREPARED;
    }
    return s;
#endif
}

/* accept's errors that say the process or the system is short of
 * descriptors or memory right now: the client stays queued, and what
 * frees a descriptor (another connection closing) can only happen if
 * the caller gets its hand back or time passes. */
static int is_shortage(int e)
{
    return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

/* accept(2) on Linux: errors of the connection being accepted, not of
 * the listening socket; the next client in the queue may do better. */
static int is_client_failure(int e)
{
    return e == EINTR || e == ECONNABORTED || e == EPROTO || e == ENETDOWN || e == ENETUNREACH
           || e == EHOSTUNREACH || e == EHOSTDOWN || e == ENOPROTOOPT;
}

/* During a shortage the listening socket stays readable, so waiting on
 * it would return at once: pause instead, 5 ms doubling to 320 ms, for
 * at most TLS_SOCK_SHORTAGE_WAIT seconds and never past the deadline,
 * then report the error. A loop that calls accept again at once then
 * spins at a few calls a second, not at full speed, and a program that
 * waits forever still hears of the shortage and can close idle clients. */
static int pause_for_shortage(double since, double deadline, int *step_ms)
{
    double now = tls_sock_now();
    double until = since + TLS_SOCK_SHORTAGE_WAIT;
    if (deadline >= 0 && deadline < until)
        until = deadline;
    if (now >= until)
        return 0;
    double ms = (until - now) * 1000.0;
    if (ms > *step_ms)
        ms = *step_ms;
    poll(NULL, 0, (int)ceil(ms));
    if (*step_ms < 320)
        *step_ms *= 2;
    return 1;
}

int tls_sock_accept(int listen_fd, double deadline, int *fd, char *msg, size_t msg_size)
{
    double shortage_since = -1;
    int step_ms = 5;
    for (;;) {
        int s = accept_prepared(listen_fd);
        if (s >= 0) {
            if (s == ACCEPTED_UNPREPARED) {
                describe_errno(errno, NULL, msg, msg_size);
                return TLS_IO_ERROR;
            }
#ifndef __linux__
            int one = 1;
            setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#endif
            /* Linux: an accepted socket is a copy of the listening one, which
             * has TCP_NODELAY already (tls_sock_listen): one system call
             * fewer per client. */
            *fd = s;
            return TLS_IO_DONE;
        }
        /* A client that gave up before we accepted is not our failure. */
        if (is_client_failure(errno))
            continue;
        if (is_shortage(errno)) {
            int e = errno;
            if (shortage_since < 0)
                shortage_since = tls_sock_now();
            if (pause_for_shortage(shortage_since, deadline, &step_ms))
                continue;
            describe_errno(e, NULL, msg, msg_size);
            return TLS_IO_SHORTAGE;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            describe_errno(errno, NULL, msg, msg_size);
            return TLS_IO_ERROR;
        }
        int st = wait_ready(listen_fd, POLLIN, deadline, msg, msg_size);
        if (st != TLS_IO_DONE)
            return st;
    }
}

static int is_peer_gone(int e)
{
    return e == EPIPE || e == ECONNRESET || e == ENOTCONN;
}

int tls_sock_send(int fd, const uint8_t *data, size_t len, double deadline, size_t *sent, char *msg,
                  size_t msg_size)
{
    *sent = 0;
    while (*sent < len) {
        ssize_t n = send(fd, data + *sent, len - *sent, MSG_NOSIGNAL);
        if (n > 0) {
            *sent += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && is_peer_gone(errno))
            return TLS_IO_CLOSED;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            describe_errno(errno, NULL, msg, msg_size);
            return TLS_IO_ERROR;
        }
        int st = wait_ready(fd, POLLOUT, deadline, msg, msg_size);
        if (st != TLS_IO_DONE)
            return st;
    }
    return TLS_IO_DONE;
}

int tls_sock_recv(int fd, uint8_t *buf, size_t cap, double deadline, size_t *got, char *msg,
                  size_t msg_size)
{
    *got = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, cap, 0);
        if (n > 0) {
            *got = (size_t)n;
            return TLS_IO_DONE;
        }
        if (n == 0)
            return TLS_IO_CLOSED;
        if (errno == EINTR)
            continue;
        if (is_peer_gone(errno))
            return TLS_IO_CLOSED;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            describe_errno(errno, NULL, msg, msg_size);
            return TLS_IO_ERROR;
        }
        int st = wait_ready(fd, POLLIN, deadline, msg, msg_size);
        if (st != TLS_IO_DONE)
            return st;
    }
}

int tls_sock_address(int fd, int peer, char *ip, size_t ip_size, int *port)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                  : getsockname(fd, (struct sockaddr *)&ss, &len);
    if (rc < 0)
        return -1;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)ip_size);
        *port = ntohs(a->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, (socklen_t)ip_size);
        *port = ntohs(a->sin6_port);
    } else {
        return -1;
    }
    return 0;
}

int tls_sock_wait(int fd, int want_read, int want_write, double deadline, char *msg, size_t msg_size)
{
    short events = (short)((want_read ? POLLIN : 0) | (want_write ? POLLOUT : 0));
    return wait_ready(fd, events, deadline, msg, msg_size);
}

struct sock_option {
    const char *name; /* LuaSocket's */
    int level;
    int optname;
    int kind;
};

static const struct sock_option sock_options[] = {
    {"keepalive", SOL_SOCKET, SO_KEEPALIVE, TLS_SOCK_OPT_BOOL},
    {"reuseaddr", SOL_SOCKET, SO_REUSEADDR, TLS_SOCK_OPT_BOOL},
#ifdef SO_REUSEPORT
    {"reuseport", SOL_SOCKET, SO_REUSEPORT, TLS_SOCK_OPT_BOOL},
#endif
    {"linger", SOL_SOCKET, SO_LINGER, TLS_SOCK_OPT_LINGER},
    {"send-buffer-size", SOL_SOCKET, SO_SNDBUF, TLS_SOCK_OPT_INT},
    {"recv-buffer-size", SOL_SOCKET, SO_RCVBUF, TLS_SOCK_OPT_INT},
    {"tcp-nodelay", IPPROTO_TCP, TCP_NODELAY, TLS_SOCK_OPT_BOOL},
#ifdef TCP_KEEPIDLE
    {"tcp-keepidle", IPPROTO_TCP, TCP_KEEPIDLE, TLS_SOCK_OPT_INT},
#endif
#ifdef TCP_KEEPCNT
    {"tcp-keepcnt", IPPROTO_TCP, TCP_KEEPCNT, TLS_SOCK_OPT_INT},
#endif
#ifdef TCP_KEEPINTVL
    {"tcp-keepintvl", IPPROTO_TCP, TCP_KEEPINTVL, TLS_SOCK_OPT_INT},
#endif
    {"ipv6-v6only", IPPROTO_IPV6, IPV6_V6ONLY, TLS_SOCK_OPT_BOOL},
};
#define N_SOCK_OPTIONS (sizeof sock_options / sizeof sock_options[0])

static const struct sock_option *find_option(const char *name)
{
    for (size_t i = 0; i < N_SOCK_OPTIONS; i++)
        if (strcmp(sock_options[i].name, name) == 0)
            return &sock_options[i];
    return NULL;
}

int tls_sock_option_kind(const char *name)
{
    const struct sock_option *o = find_option(name);
    return o ? o->kind : TLS_SOCK_OPT_UNKNOWN;
}

const char *tls_sock_option_names(void)
{
    static char names[256];
    if (names[0] == '\0') {
        size_t used = 0;
        for (size_t i = 0; i < N_SOCK_OPTIONS; i++)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                     sock_options[i].name);
    }
    return names;
}

int tls_sock_setoption(int fd, const char *name, int value, int seconds, char *msg, size_t msg_size)
{
    const struct sock_option *o = find_option(name);
    if (o == NULL) {
        snprintf(msg, msg_size, "unsupported option '%s'", name);
        return TLS_IO_ERROR;
    }
    int rc;
    if (o->kind == TLS_SOCK_OPT_LINGER) {
        struct linger li = {.l_onoff = value != 0, .l_linger = seconds};
        rc = setsockopt(fd, o->level, o->optname, &li, sizeof li);
    } else {
        rc = setsockopt(fd, o->level, o->optname, &value, sizeof value);
    }
    if (rc < 0) {
        describe_errno(errno, name, msg, msg_size);
        return TLS_IO_ERROR;
    }
    return TLS_IO_DONE;
}

int tls_sock_getoption(int fd, const char *name, int *value, int *seconds, char *msg, size_t msg_size)
{
    const struct sock_option *o = find_option(name);
    if (o == NULL) {
        snprintf(msg, msg_size, "unsupported option '%s'", name);
        return TLS_IO_ERROR;
    }
    int rc;
    *seconds = 0;
    if (o->kind == TLS_SOCK_OPT_LINGER) {
        struct linger li;
        socklen_t len = sizeof li;
        memset(&li, 0, sizeof li);
        rc = getsockopt(fd, o->level, o->optname, &li, &len);
        *value = li.l_onoff != 0;
        *seconds = li.l_linger;
    } else {
        int v = 0;
        socklen_t len = sizeof v;
        rc = getsockopt(fd, o->level, o->optname, &v, &len);
        *value = o->kind == TLS_SOCK_OPT_BOOL ? v != 0 : v;
    }
    if (rc < 0) {
        describe_errno(errno, name, msg, msg_size);
        return TLS_IO_ERROR;
    }
    return TLS_IO_DONE;
}

void tls_sock_close(int fd)
{
    if (fd >= 0)
        close(fd);
}

int tls_sock_shutdown_write(int fd, char *msg, size_t msg_size)
{
    if (shutdown(fd, SHUT_WR) == 0)
        return TLS_IO_DONE;
    if (errno == ENOTCONN || errno == EPIPE || errno == ECONNRESET)
        return TLS_IO_CLOSED; /* the peer is gone: what send and receive say then */
    snprintf(msg, msg_size, "shutdown failed: %s", strerror(errno));
    return TLS_IO_ERROR;
}
