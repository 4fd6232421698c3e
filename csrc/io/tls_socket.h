/* Plain POSIX TCP sockets for the Lua binding: name resolution, connect,
 * listen/accept, and send/receive with timeouts.
 *
 * Every socket is non-blocking; waiting is done with poll() against a
 * deadline on CLOCK_MONOTONIC, so one deadline can cover several system
 * calls (a whole handshake, or every read a receive("*l") needs). A
 * negative deadline means "wait forever". SIGPIPE is never raised: sends use
 * MSG_NOSIGNAL (or SO_NOSIGPIPE where that is the mechanism).
 *
 * Failures come back as a status and, for TLS_IO_ERROR, a message in words
 * written to msg (LuaSocket style: "connection refused (127.0.0.1:8443)"). */
#ifndef TLS_SOCKET_H
#define TLS_SOCKET_H

#include <stddef.h>
#include <stdint.h>

#define TLS_IO_DONE 0
#define TLS_IO_TIMEOUT (-1)
#define TLS_IO_CLOSED (-2) /* orderly EOF, EPIPE or ECONNRESET */
#define TLS_IO_ERROR (-3)
/* accept only: no descriptor or memory free now (EMFILE, ENFILE,
 * ENOBUFS, ENOMEM), after pausing up to TLS_SOCK_SHORTAGE_WAIT seconds
 * (never past the deadline); msg says which. */
#define TLS_IO_SHORTAGE (-4)
#define TLS_SOCK_SHORTAGE_WAIT 1.0

#define TLS_SOCK_MSG_MAX 256
#define TLS_SOCK_ADDR_MAX 64 /* room for "[ipv6]:port" */

/* Seconds on the monotonic clock. */
double tls_sock_now(void);
/* The deadline for a timeout in seconds from now; negative timeouts (block)
 * give a negative deadline. */
double tls_sock_deadline(double timeout);

/* Resolves host (a name or an IPv4/IPv6 literal) and connects to the first
 * address that accepts, before the deadline. */
int tls_sock_connect(const char *host, const char *port, double deadline, int *fd, char *msg,
                     size_t msg_size);
/* Binds and listens; host "*" or NULL means every address. Port "0" picks a
 * free port. */
int tls_sock_listen(const char *host, const char *port, int backlog, int *fd, char *msg,
                    size_t msg_size);
/* TLS_IO_DONE, TLS_IO_TIMEOUT, TLS_IO_SHORTAGE or TLS_IO_ERROR. */
int tls_sock_accept(int listen_fd, double deadline, int *fd, char *msg, size_t msg_size);

/* Sends all len bytes unless the deadline passes or the peer is gone;
 * *sent says how many went out in any case. */
int tls_sock_send(int fd, const uint8_t *data, size_t len, double deadline, size_t *sent, char *msg,
                  size_t msg_size);
/* Receives at most cap bytes (at least one on TLS_IO_DONE). */
int tls_sock_recv(int fd, uint8_t *buf, size_t cap, double deadline, size_t *got, char *msg,
                  size_t msg_size);

/* Waits until fd can be read (want_read) or written (want_write), or the
 * deadline passes: TLS_IO_DONE, TLS_IO_TIMEOUT or TLS_IO_ERROR. */
int tls_sock_wait(int fd, int want_read, int want_write, double deadline, char *msg, size_t msg_size);

/* Socket options under LuaSocket's names ("tcp-nodelay", "keepalive",
 * "linger", "reuseaddr", ...). Booleans are 0/1; "linger" has on (0/1)
 * and seconds. Unknown names give TLS_SOCK_OPT_UNKNOWN. */
#define TLS_SOCK_OPT_UNKNOWN (-1)
#define TLS_SOCK_OPT_BOOL 0
#define TLS_SOCK_OPT_INT 1
#define TLS_SOCK_OPT_LINGER 2
int tls_sock_option_kind(const char *name);
/* Every name tls_sock_option_kind knows, comma-separated, for messages. */
const char *tls_sock_option_names(void);
int tls_sock_setoption(int fd, const char *name, int value, int seconds, char *msg, size_t msg_size);
int tls_sock_getoption(int fd, const char *name, int *value, int *seconds, char *msg, size_t msg_size);

/* Makes an existing socket (e.g. LuaSocket's) fit this layer. */
int tls_sock_prepare(int fd);
/* Numeric address of our end (local) or the peer's. Returns 0 or -1. */
int tls_sock_address(int fd, int peer, char *ip, size_t ip_size, int *port);
void tls_sock_close(int fd);
/* Ends our direction (the peer reads an end of stream once it has read
 * what we sent) and keeps the other open. Returns TLS_IO_DONE or
 * TLS_IO_ERROR with msg set. */
int tls_sock_shutdown_write(int fd, char *msg, size_t msg_size);

#endif
