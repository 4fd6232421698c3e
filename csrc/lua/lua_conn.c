/* tls.conn: a TLS connection over a socket, with LuaSocket's methods.
 *
 * Every method drives the engine the same way (see tls_engine.h): flush the
 * engine's output, stop if what the method waits for has happened, else read
 * from the socket and feed the engine. One deadline, computed when the
 * method is called, bounds all the waiting the method does, so a timeout
 * covers a whole handshake or a whole receive("*l").
 *
 * With a timeout of 0 the deadline is "now": a method that would wait
 * returns at once with LuaSec's "wantread" or "wantwrite" (c->want says
 * which) and whatever partial result LuaSocket gives, and the engine keeps
 * its state, so the same call made again when the socket is ready goes on
 * where it stopped. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "lua/lua_tls.h"
#include "util/tls_consts.h"
#include "io/tls_socket.h"

/* Read whole records (and then some) per system call. */
#define RECV_CHUNK (TLS_MAX_CIPHERTEXT + TLS_RECORD_HEADER_LEN + 1024)
/* The least room in the engine's input buffer worth a read: less, and the
 * engine moves the unfinished record to the front first. */
#define RECV_MIN 4096
/* Plaintext handed to the engine per write: three full records, one send.
 * Their ciphertext (about 48 KiB) stays under malloc's mmap threshold, so the
 * output buffer, freed once the socket took it, is not mapped and unmapped
 * (and its pages faulted in) again for every send. */
#define SEND_CHUNK (3 * TLS_MAX_PLAINTEXT)
/* send appends its records to output still queued when there is less than
 * this (what a handshake, a receive or a KeyUpdate leaves: tickets, a
 * KeyUpdate answer), so that both leave in one write; more than this was
 * left by a send the socket did not take, and goes first, as before. */
#define SEND_COALESCE_MAX 4096
/* How long close() may wait to deliver close_notify on a blocking socket. */
#define CLOSE_NOTIFY_WAIT 1.0

/* The connection failed at the TLS level; the reason is in c->msg. */
#define CONN_FAILED (-10)
/* A line longer than the receive's max: the max bytes are the partial
 * result, the rest stays for the next call. */
#define CONN_LINE_TOO_LONG (-11)

struct lua_conn {
    tls_conn *tls;   /* NULL once collected */
    int fd;          /* -1 once closed */
    /* close() or __gc ran: fd < 0 alone cannot tell that from setfd(-1),
     * and setfd must not hand a closed connection a descriptor, which its
     * next close() or __gc would close under its real owner. */
    int closed;
    int owns_fd;     /* 0 over a wrapped LuaSocket socket, which closes it */
    /* A wrapped socket's identity, taken when it is handed to us: see
     * socket_gone. */
    dev_t sock_dev;
    ino_t sock_ino;
    int is_server;
    int started;     /* tls_conn_start called */
    int eof;         /* the peer closed TCP (or reset it) */
    int busy;        /* a method is running (see tls_lua_enter) */
    int strict_close; /* a TCP close without close_notify fails receive */
    double timeout;  /* seconds; negative blocks */
    double hs_limit; /* server: seconds a client has to finish its handshake; negative: none */
    double hs_deadline;
    int want;        /* WAIT_*: what the last call that stopped early waited for */
    int ku_pending;  /* keyupdate queued a KeyUpdate that is not all sent yet */
    int write_shut;  /* shutdown("send") done: close_notify sent, then SHUT_WR */
    int hold_output; /* receive runs: output queued by the read that brought
                        what it waits for may stay queued (see pump) */
    double received; /* bytes of application data returned by receive */
    double sent;     /* bytes of application data accepted by send */
    /* Client: bytes the 'early_data' option queued as 0-RTT data, not yet
     * in sent: they count once the server accepted them (see
     * settle_early), and never when it declined them (the application
     * sends them again, and send counts them then). */
    double early_unsettled;
    double born;     /* tls_sock_now() at creation, for getstats' age */
    tls_lua_trace trace;
    /* Why the last call failed: CONN_MSG_MAX bytes allocated at the first
     * failure (conn_fail_msg), freed by close() and __gc; NULL until then.
     * Inline, it was 768 of an idle connection's bytes (review43g). */
    char *msg;
    int msg_oom; /* the buffer could not be allocated: status_message says so */
    /* Closed by core.close_holding_fd: the descriptor (held_fd) stays open
     * until core.release_held_fd or collection (see lua/tls/loop.lua). */
    int fd_held;
    int held_fd;
};

#define CONN_MSG_MAX (TLS_REASON_MAX + TLS_SOCK_MSG_MAX)
#define CONN_MSG_NO_MEMORY "out of memory (while recording why the call failed)"

enum goal { WANT_HANDSHAKE, WANT_DATA, WANT_FLUSH, WANT_EARLY };

/* The direction a call stopped on (conn:want()). */
enum { WAIT_NOTHING, WAIT_READ, WAIT_WRITE };

/* Records why the call failed, in c->msg (allocated now if need be). When
 * it cannot be allocated, the call still fails, and says memory ran out. */
static void conn_fail_msg(lua_conn *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void conn_fail_msg(lua_conn *c, const char *fmt, ...)
{
    if (c->msg == NULL)
        c->msg = malloc(CONN_MSG_MAX);
    c->msg_oom = c->msg == NULL;
    if (c->msg == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, CONN_MSG_MAX, fmt, ap);
    va_end(ap);
}

static void conn_free_msg(lua_conn *c)
{
    free(c->msg);
    c->msg = NULL;
    c->msg_oom = 0;
}

/* A socket call's result: its message (in io_msg, on the caller's stack)
 * is kept only when it failed, so that the calls that succeed or wait, the
 * common case, allocate nothing. */
static int conn_io_result(lua_conn *c, int st, const char *io_msg)
{
    if (st == TLS_IO_ERROR)
        conn_fail_msg(c, "%s", io_msg);
    return st;
}

/* A wrapped LuaSocket socket may have been closed through its own object;
 * its descriptor number may then belong to the next socket opened, which
 * the connection must never touch. */
static void forget_fd_if_socket_closed(lua_State *L, lua_conn *c)
{
    if (c->owns_fd || c->fd < 0)
        return;
    int top = lua_gettop(L);
    int moved = 0;
    if (lua_getiuservalue(L, 1, 1) == LUA_TUSERDATA &&
        lua_getfield(L, -1, "getfd") == LUA_TFUNCTION) {
        lua_pushvalue(L, -2);
        if (lua_pcall(L, 1, 1, 0) == LUA_OK) {
            int isnum;
            lua_Number fd = lua_tonumberx(L, -1, &isnum);
            moved = isnum && fd != (lua_Number)c->fd;
        }
    }
    lua_settop(L, top);
    if (moved)
        c->fd = -1;
}

/* Remembers which socket a wrapped descriptor is (a socket's inode is its
 * own until it is closed). */
static void note_socket(lua_conn *c)
{
    struct stat st;
    c->sock_dev = 0;
    c->sock_ino = 0;
    if (!c->owns_fd && c->fd >= 0 && fstat(c->fd, &st) == 0) {
        c->sock_dev = st.st_dev;
        c->sock_ino = st.st_ino;
    }
}

/* forget_fd_if_socket_closed runs as a method starts; a callback of that
 * method (verify, servername, trace...) may close the wrapped socket
 * through its LuaSocket object while the method goes on, and the number be
 * reused by the next socket opened (a third party's). Checked before each
 * read and write on a wrapped socket: the same number must still be the
 * same socket. If not, the connection lets go of the number and the call
 * fails (c->msg). */
static int same_socket(const lua_conn *c, int fd)
{
    struct stat st;
    return c->owns_fd || (fstat(fd, &st) == 0 && st.st_dev == c->sock_dev && st.st_ino == c->sock_ino);
}

static int socket_gone(lua_conn *c)
{
    if (c->fd < 0 || same_socket(c, c->fd))
        return 0;
    c->fd = -1;
    conn_fail_msg(c, "the wrapped socket was closed during this call (by a callback?): "
                     "nothing more is sent or read on its descriptor, which may now belong "
                     "to another socket");
    return 1;
}

static lua_conn *to_conn(lua_State *L)
{
    lua_conn *c = luaL_checkudata(L, 1, TLS_LUA_CONN);
    forget_fd_if_socket_closed(L, c);
    return c;
}

/* For the methods that drive the engine: from inside the connection's own
 * trace callback, or from a finalizer run by an allocation of a method in
 * progress, they would change buffers the running method still uses. */
static lua_conn *to_idle_conn(lua_State *L)
{
    lua_conn *c = luaL_checkudata(L, 1, TLS_LUA_CONN);
    if (c->tls && tls_conn_in_callback(c->tls))
        luaL_error(L, "tls: this method cannot be called from the connection's own callbacks (trace, verify, servername, alpn, ocsp, client_certificate, keylog, session_store)");
    tls_lua_enter(L, &c->busy, "connection");
    c->want = WAIT_NOTHING;
    c->hold_output = 0;
    /* Only now: it calls into LuaSocket, and a nested call must not touch
     * the descriptor of the method it interrupted. */
    forget_fd_if_socket_closed(L, c);
    /* Trace callbacks run on this call's state. Only engine-driving calls
     * set it: one from inside a callback (say in a coroutine that dies
     * before the handshake goes on) must not replace the state the engine
     * is calling back on. */
    c->trace.L = L;
    tls_lua_trace_reanchor(&c->trace, L, 1);
    return c;
}

static int failed(lua_conn *c)
{
    conn_fail_msg(c, "%s", tls_lua_failure_reason(c->tls));
    return CONN_FAILED;
}

/* A peer that refuses us (say, our client certificate, after our Finished)
 * sends its alert and resets the connection, and our next send fails on the
 * reset. The alert is usually still in the socket's receive queue: read
 * what is there, without waiting, so the caller reports the peer's reason
 * rather than a bare "closed". */
static void read_parting_alert(lua_conn *c)
{
    uint8_t buf[4096];
    char ignored[TLS_SOCK_MSG_MAX];
    if (socket_gone(c))
        return;
    for (int i = 0; i < 16 && !(tls_conn_status(c->tls) & TLS_STATUS_FAILED); i++) {
        size_t got = 0;
        if (tls_sock_recv(c->fd, buf, sizeof buf, tls_sock_deadline(0), &got, ignored, sizeof ignored)
            != TLS_IO_DONE)
            break;
        tls_conn_feed(c->tls, buf, got);
    }
}

static int flush_output(lua_conn *c, double deadline)
{
    const uint8_t *out;
    size_t n = tls_conn_output(c->tls, &out);
    if (n == 0)
        return TLS_IO_DONE;
    if (socket_gone(c))
        return CONN_FAILED;
    size_t sent = 0;
    char io_msg[TLS_SOCK_MSG_MAX];
    int st = conn_io_result(c, tls_sock_send(c->fd, out, n, deadline, &sent, io_msg, sizeof io_msg), io_msg);
    tls_conn_output_done(c->tls, sent);
    if (st == TLS_IO_CLOSED || st == TLS_IO_ERROR)
        read_parting_alert(c);
    return st;
}

static int goal_reached(lua_conn *c, enum goal goal, unsigned status)
{
    const uint8_t *data;
    switch (goal) {
    case WANT_HANDSHAKE:
        return (status & TLS_STATUS_HANDSHAKE_DONE) != 0;
    case WANT_DATA:
        return tls_conn_app_data(c->tls, &data) > 0;
    case WANT_FLUSH:
        return 1; /* flush_output succeeded */
    case WANT_EARLY:
        return tls_conn_early_data_complete(c->tls);
    }
    return 0;
}

/* Reads a call may still make once its deadline has passed: a little
 * more than 256 KiB, so that a call at timeout 0 (every step of an event
 * loop) takes a useful amount of what is waiting (one read per call cost a
 * bulk receive under cqueues half again as much CPU), and still returns
 * within a fraction of a millisecond. */
#define READS_PAST_DEADLINE 16

/* A method's deadline is checked before its reads, not only when the
 * socket would block: a peer that writes faster than we decrypt keeps the
 * socket readable, and would otherwise hold one call (and, at timeout 0
 * under an event loop, every other connection of the loop) for as long as
 * it keeps sending. `reads`: how many the call (or this pump) has made. */
static int out_of_time(lua_conn *c, double deadline, int reads)
{
    if (reads < READS_PAST_DEADLINE || deadline < 0 || tls_sock_now() < deadline)
        return 0;
    c->want = WAIT_READ;
    return 1;
}

/* The driver loop. Returns TLS_IO_DONE, TLS_IO_TIMEOUT, TLS_IO_CLOSED, or
 * TLS_IO_ERROR / CONN_FAILED with c->msg set. */
static int pump(lua_conn *c, enum goal goal, double deadline)
{
    uint8_t buf[RECV_CHUNK];
    int fed = 0;
    if (c->fd < 0)
        return TLS_IO_CLOSED;
    if (!c->started) {
        c->started = 1;
        if (tls_conn_start(c->tls) != 0)
            return failed(c);
    }
    for (;;) {
        /* Inside receive, once what it waits for is there, output the last
         * read queued (a server's tickets after the client's Finished, a
         * KeyUpdate answer) stays queued: it leaves with the next call that
         * writes (the reply, close) or must wait, in one write with it. The
         * peer never waits on it. A failure is flushed and reported below. */
        if (c->hold_output && !(tls_conn_status(c->tls) & TLS_STATUS_FAILED) &&
            goal_reached(c, goal, tls_conn_status(c->tls)))
            return TLS_IO_DONE;
        /* Data to read never waits on our own output (queued by a send that
         * stopped early, or a KeyUpdate answer): a peer that writes before
         * it reads, say the other end of an echo in the same event loop,
         * would otherwise wait on us as we wait on it. The output goes as
         * the socket takes it. */
        int read_first = goal == WANT_DATA;
        int st = flush_output(c, read_first ? tls_sock_deadline(0) : deadline);
        unsigned status = tls_conn_status(c->tls);
        if (status & TLS_STATUS_FAILED)
            return failed(c);
        int out_blocked = st == TLS_IO_TIMEOUT && read_first;
        if (st == TLS_IO_TIMEOUT && !out_blocked)
            c->want = WAIT_WRITE;
        if (st != TLS_IO_DONE && !out_blocked)
            return st;
        if (goal_reached(c, goal, status))
            return TLS_IO_DONE;
        if ((status & TLS_STATUS_PEER_CLOSED) || c->eof)
            return TLS_IO_CLOSED;
        if (out_of_time(c, deadline, fed))
            return TLS_IO_TIMEOUT;
        size_t got = 0;
        if (socket_gone(c))
            return CONN_FAILED;
        /* Straight into the engine's input buffer: through buf, every byte
         * was copied once more, and the part of a record not yet whole
         * moved at each read. Where the engine gives no room, buf and
         * tls_conn_feed, which says why it takes nothing. A read stays at
         * RECV_CHUNK even where more would fit: a larger one decrypts more
         * than the call hands out, and growing the plaintext buffer cost
         * more (callgrind) than the reads saved. */
        size_t room = 0;
        uint8_t *into = tls_conn_input_room(c->tls, RECV_MIN, RECV_CHUNK, &room);
        if (into == NULL) {
            into = buf;
            room = sizeof buf;
        }
        char io_msg[TLS_SOCK_MSG_MAX];
        st = tls_sock_recv(c->fd, into, room, out_blocked ? tls_sock_deadline(0) : deadline, &got, io_msg,
                           sizeof io_msg);
        if (into != buf) {
            /* Committed before anything else runs; 0 gives back an empty buffer. */
            tls_conn_input_commit(c->tls, st == TLS_IO_DONE ? got : 0);
        }
        st = conn_io_result(c, st, io_msg);
        if (st == TLS_IO_TIMEOUT && out_blocked) {
            /* Nothing to read yet: wait for either, and flush or read. */
            st = conn_io_result(c, tls_sock_wait(c->fd, 1, 1, deadline, io_msg, sizeof io_msg), io_msg);
            if (st == TLS_IO_DONE)
                continue;
        }
        if (st == TLS_IO_CLOSED) {
            c->eof = 1;
            continue;
        }
        if (st == TLS_IO_TIMEOUT)
            c->want = WAIT_READ;
        if (st != TLS_IO_DONE)
            return st;
        /* A failure queues an alert; the next turn flushes it and reports. */
        if (into == buf)
            tls_conn_feed(c->tls, buf, got);
        fed++;
    }
}

/* pump() for a goal reached during the handshake (its end, or the end of
 * the client's 0-RTT data), under the server's handshake_timeout. */
static int pump_handshake(lua_conn *c, enum goal goal, double deadline)
{
    /* A client that stalls its handshake must not hold a server's socket and
     * memory for ever, whatever timeout the application chose for I/O. */
    int limited = c->hs_limit >= 0 && (deadline < 0 || c->hs_deadline < deadline);
    int st = pump(c, goal, limited ? c->hs_deadline : deadline);
    if (st == TLS_IO_TIMEOUT && limited) {
        conn_fail_msg(c, "handshake not completed within %g second%s: connection dropped", c->hs_limit,
                      c->hs_limit == 1 ? "" : "s");
        tls_sock_close(c->fd);
        c->fd = -1;
        return CONN_FAILED;
    }
    return st;
}

static int ensure_handshake(lua_conn *c, double deadline)
{
    if (tls_conn_status(c->tls) & TLS_STATUS_HANDSHAKE_DONE)
        return TLS_IO_DONE;
    return pump_handshake(c, WANT_HANDSHAKE, deadline);
}

void tls_lua_conn_limit_handshake(lua_conn *c, double seconds)
{
    c->hs_limit = seconds;
    c->hs_deadline = tls_sock_deadline(seconds);
}

/* The error word LuaSocket users test for, or the reason in words. */
static const char *status_message(lua_conn *c, int st)
{
    switch (st) {
    case TLS_IO_TIMEOUT:
        /* LuaSec's words for a socket in non-blocking mode; a real timeout
         * that expired keeps LuaSocket's. */
        if (c->timeout == 0 && c->want != WAIT_NOTHING)
            return c->want == WAIT_READ ? "wantread" : "wantwrite";
        return "timeout";
    case TLS_IO_CLOSED:
        return "closed";
    case CONN_LINE_TOO_LONG:
        return "line too long";
    default:
        if (c->msg_oom)
            return CONN_MSG_NO_MEMORY;
        return c->msg != NULL && c->msg[0] ? c->msg : "connection failed";
    }
}

/* ---- Creation -------------------------------------------------------------- */

/* Creating a connection comes in two steps so that a socket is never held
 * while Lua may raise: the object is allocated first (which may raise an
 * out-of-memory error, with nothing to leak), and only then is a socket
 * opened and handed to it, after which the object's finalizer closes it. */
lua_conn *tls_lua_conn_new(lua_State *L)
{
    lua_conn *c = lua_newuserdatauv(L, sizeof *c, TLS_LUA_ANCHOR_SLOT);
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->timeout = -1;
    c->hs_limit = -1;
    c->born = tls_sock_now();
    luaL_setmetatable(L, TLS_LUA_CONN);
    tls_lua_guard_new(L, &c->busy);
    lua_setiuservalue(L, -2, TLS_LUA_GUARD_SLOT);
    tls_lua_trace_new(&c->trace, L, -1);
    return c;
}

int tls_lua_conn_setup(lua_State *L, lua_conn *c, int ctx_index, int fd, int owns_fd, double timeout)
{
    ctx_index = lua_absindex(L, ctx_index);
    tls_config *cfg = tls_lua_check_context(L, ctx_index);
    c->fd = fd;
    c->owns_fd = owns_fd;
    note_socket(c);
    c->is_server = cfg->is_server;
    c->strict_close = cfg->strict_close;
    c->timeout = timeout;
    c->tls = tls_conn_new(cfg);
    if (!c->tls) {
        lua_pushnil(L);
        lua_pushliteral(L, "out of memory");
        return -1;
    }
    tls_lua_trace_init(&c->trace, L, ctx_index, c->tls);
    c->trace.L = L;
    return 0;
}

/* A tcp6 socket connected to an IPv4 peer names it ::ffff:a.b.c.d
 * (rfc4291#2.5.5.2), while the peer's certificate carries the 4-byte
 * address: the name checked is the IPv4 one. */
static const char *unmapped_v4(const char *ip)
{
    static const char prefix[] = "::ffff:";
    struct in_addr v4;
    const char *rest = ip + sizeof prefix - 1;
    if (strncmp(ip, prefix, sizeof prefix - 1) == 0 && inet_pton(AF_INET, rest, &v4) == 1)
        return rest;
    return ip;
}

/* Client side: the name sent as SNI and checked in the certificate. */
static int set_server_name(lua_State *L, lua_conn *c, const char *servername)
{
    if (!servername || c->is_server || tls_conn_set_server_name(c->tls, servername) == 0)
        return 0;
    lua_pushnil(L);
    lua_pushstring(L, tls_lua_failure_reason(c->tls));
    return -1;
}

static void close_socket(lua_State *L, lua_conn *c, int conn_index)
{
    if (c->fd < 0)
        return;
    if (c->owns_fd) {
        tls_sock_close(c->fd);
    } else {
        /* The LuaSocket object owns the descriptor: let it close it, or it
         * would later close a number the system may have reused. */
        int top = lua_gettop(L);
        conn_index = lua_absindex(L, conn_index);
        if (lua_getiuservalue(L, conn_index, 1) != LUA_TNIL &&
            lua_getfield(L, -1, "close") != LUA_TNIL) {
            lua_pushvalue(L, -2);
            lua_pcall(L, 1, 0, 0);
        }
        lua_settop(L, top);
    }
    c->fd = -1;
}

/* Client: the 'early_data' option (the string at idx, or nil): sent as
 * 0-RTT data when the session allows it. When it cannot go early (no
 * session that allows it, early_data off, too large) nothing fails: the
 * application sees it in info().early_data (absent or "rejected") and
 * sends the data again, as it must after any rejection. */
size_t tls_lua_offer_early(lua_State *L, tls_conn *c, int idx)
{
    if (lua_isnoneornil(L, idx))
        return 0;
    size_t len;
    const char *data = luaL_checklstring(L, idx, &len);
    char why[256];
    return tls_conn_write_early(c, (const uint8_t *)data, len, why, sizeof why) == 0 ? len : 0;
}

/* The client's 0-RTT bytes join sent once info says the server accepted
 * them (before session 45 they never did: a client's sent count missed
 * what the server's receive_early counted as received). Done when the
 * counts are read or set, so that setstats before the answer still gets
 * them added once, and setstats after it is not undone. */
static void settle_early(lua_conn *c)
{
    if (c->early_unsettled == 0 || !c->tls)
        return;
    tls_conn_info info;
    tls_conn_get_info(c->tls, &info);
    if (info.early_data == 0)
        return;
    if (info.early_data == 1)
        c->sent += c->early_unsettled;
    c->early_unsettled = 0;
}

/* core.connect(host, port, ctx, servername, handshake_timeout, timeout, session, early_data):
 * handshake_timeout covers the TCP connect and the handshake, timeout is the
 * connection's own for later calls. */
int tls_lua_connect(lua_State *L)
{
    const char *host = luaL_checkstring(L, 1);
    const char *port = luaL_checkstring(L, 2);
    tls_config *cfg = tls_lua_check_context(L, 3);
    const char *servername = luaL_optstring(L, 4, host);
    double hs_timeout = luaL_optnumber(L, 5, -1);
    double timeout = luaL_optnumber(L, 6, -1);
    if (!lua_isnoneornil(L, 7))
        luaL_checktype(L, 7, LUA_TSTRING);
    if (!lua_isnoneornil(L, 8))
        luaL_checktype(L, 8, LUA_TSTRING);
    if (cfg->is_server) {
        lua_pushnil(L);
        lua_pushliteral(L, "tls.connect needs a client context (this one has mode=\"server\")");
        return 2;
    }
    if (tls_lua_check_server_name(L, lua_isnoneornil(L, 4) ? 1 : 4) != 0)
        return 2;
    lua_settop(L, 8);
    lua_conn *c = tls_lua_conn_new(L); /* index 9 */
    double deadline = tls_sock_deadline(hs_timeout);
    char msg[TLS_SOCK_MSG_MAX];
    int fd = -1;
    if (tls_sock_connect(host, port, deadline, &fd, msg, sizeof msg) != TLS_IO_DONE) {
        lua_pushnil(L);
        lua_pushstring(L, msg);
        return 2;
    }
    if (tls_lua_conn_setup(L, c, 3, fd, 1, timeout) != 0 || set_server_name(L, c, servername) != 0
        || tls_lua_offer_session(L, c->tls, 7) != 0) {
        close_socket(L, c, 9);
        return 2;
    }
    c->early_unsettled = (double)tls_lua_offer_early(L, c->tls, 8);
    int st = ensure_handshake(c, deadline);
    if (st != TLS_IO_DONE) {
        lua_pushnil(L);
        lua_pushstring(L, status_message(c, st));
        close_socket(L, c, 9);
        return 2;
    }
    lua_settop(L, 9);
    return 1;
}

/* TLS runs over a byte stream to one peer: a datagram socket would cut
 * records, and a listening one has no peer (its descriptor would carry no
 * handshake, and closing the connection would close the listener). A
 * socket whose connect is still in progress (non-blocking) is a stream to
 * one peer already, so "connected" is not asked. Returns what keeps fd
 * from carrying a connection, or NULL; asked before anything changes the
 * descriptor (tls.wrap, conn:setfd). */
static const char *stream_problem(int fd)
{
    int type = 0, listening = 0;
    socklen_t tlen = sizeof type, llen = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_STREAM)
        return "the descriptor is not a TCP (stream) socket";
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) == 0 && listening)
        return "the socket is a listening one: wrap the sockets its accept() returns";
    /* socket.tcp4() and tcp6() make the descriptor before connect (review40e
     * I2). A connect in progress has no peer name yet either, but its state
     * is SYN_SENT: only a CLOSE socket has no peer coming (never connected,
     * or its connect failed). */
    /* TCP_INFO's tcpi_state and TCP_CLOSE are Linux's (TCP_CLOSE is an enum
     * constant there, so #ifdef cannot test for it; the BSDs name the state
     * TCPS_CLOSED): elsewhere such a socket is taken, and its handshake
     * fails with "closed" as before review40e. */
#if defined(TCP_INFO) && defined(__linux__)
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    if (getpeername(fd, (struct sockaddr *)&peer, &plen) != 0 && errno == ENOTCONN) {
        struct tcp_info info;
        socklen_t ilen = sizeof info;
        if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &ilen) == 0 && info.tcpi_state == TCP_CLOSE)
            return "the socket is not connected (call sock:connect first, and check that it succeeded)";
    }
#endif
    return NULL;
}

/* core.wrap(fd, ctx, servername, socket, timeout, session, early_data): the handshake waits for
 * conn:handshake() or the first send/receive, as after accept. */
int tls_lua_wrap(lua_State *L)
{
    lua_Integer fd = luaL_checkinteger(L, 1);
    tls_config *cfg = tls_lua_check_context(L, 2);
    const char *servername = luaL_optstring(L, 3, NULL);
    double timeout = luaL_optnumber(L, 5, -1);
    luaL_argcheck(L, fd >= 0 && fd <= 0x7fffffff, 1, "not an open socket");
    if (!lua_isnoneornil(L, 6))
        luaL_checktype(L, 6, LUA_TSTRING);
    if (!lua_isnoneornil(L, 7))
        luaL_checktype(L, 7, LUA_TSTRING);
    if (tls_lua_check_server_name(L, 3) != 0)
        return 2;
    const char *problem = stream_problem((int)fd);
    if (problem != NULL) {
        lua_pushnil(L);
        lua_pushfstring(L, "tls.wrap: %s", problem);
        return 2;
    }
    if (tls_sock_prepare((int)fd) != 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "not an open socket");
        return 2;
    }
    char ip[TLS_SOCK_ADDR_MAX];
    int port;
    /* Without a name we still check the certificate against the address we
     * are connected to: never silently skip the name check. */
    if (!servername && !cfg->is_server && tls_sock_address((int)fd, 1, ip, sizeof ip, &port) == 0)
        servername = unmapped_v4(ip);
    lua_settop(L, 7);
    lua_conn *c = tls_lua_conn_new(L); /* index 8 */
    /* The connection keeps the LuaSocket object, which owns the descriptor. */
    lua_pushvalue(L, 4);
    lua_setiuservalue(L, 8, 1);
    if (tls_lua_conn_setup(L, c, 2, (int)fd, 0, timeout) != 0 || set_server_name(L, c, servername) != 0
        || tls_lua_offer_session(L, c->tls, 6) != 0)
        return 2;
    if (!cfg->is_server)
        c->early_unsettled = (double)tls_lua_offer_early(L, c->tls, 7);
    lua_settop(L, 8);
    return 1;
}

/* ---- Methods ----------------------------------------------------------------- */

static int conn_handshake(lua_State *L)
{
    lua_conn *c = to_idle_conn(L);
    if (!c->tls || c->fd < 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        return 2;
    }
    int st = ensure_handshake(c, tls_sock_deadline(c->timeout));
    if (st != TLS_IO_DONE) {
        lua_pushnil(L);
        lua_pushstring(L, status_message(c, st));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* conn:receive_early() -> bytes | nil, message (server): drives the
 * handshake until the client's 0-RTT data is complete (EndOfEarlyData),
 * without waiting for its Finished, and returns the early data not yet
 * taken; nil and why when none was accepted (info().early_data tells
 * "rejected" from not offered) or the handshake failed. */
static int conn_receive_early(lua_State *L)
{
    lua_conn *c = to_idle_conn(L);
    if (!c->tls || c->fd < 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        return 2;
    }
    if (!c->is_server)
        return luaL_error(L, "tls: receive_early is for servers (a client sends early data with the "
                             "'early_data' option)");
    int st = TLS_IO_DONE;
    /* It drives the handshake: a client that stalls it is dropped on time. */
    if (!tls_conn_early_data_complete(c->tls))
        st = pump_handshake(c, WANT_EARLY, tls_sock_deadline(c->timeout));
    /* A handshake that failed before (in handshake(), say) is that
     * failure, not "no early data offered". */
    if (st == TLS_IO_DONE && (tls_conn_status(c->tls) & TLS_STATUS_FAILED))
        st = failed(c);
    /* A client gone before its Finished leaves a handshake that can never
     * complete: a failed one, whose early data is not handed out (a copy
     * of a client's first flight, replayed, gets this far and no further). */
    unsigned status = tls_conn_status(c->tls);
    if (st == TLS_IO_DONE && !(status & TLS_STATUS_HANDSHAKE_DONE) && (c->eof || (status & TLS_STATUS_PEER_CLOSED)))
        st = TLS_IO_CLOSED;
    if (st != TLS_IO_DONE) {
        lua_pushnil(L);
        lua_pushstring(L, status_message(c, st));
        return 2;
    }
    tls_conn_info info;
    tls_conn_get_info(c->tls, &info);
    if (info.early_data != 1) {
        lua_pushnil(L);
        lua_pushstring(L, info.early_data < 0 ? "early data rejected" : "no early data offered");
        return 2;
    }
    const uint8_t *data;
    size_t n = tls_conn_early_data(c->tls, &data);
    lua_pushlstring(L, n ? (const char *)data : "", n);
    tls_conn_early_data_done(c->tls, n);
    /* Early data is application data the peer sent: getstats counts it as
     * receive's bytes (it did not before session 45: a server that served a
     * 0-RTT request read fewer bytes than the client sent). */
    c->received += (double)n;
    return 1;
}

/* An index of send, as LuaSocket reads it: a number cut toward zero
 * (2.5 is 2), bounded so that the cut is defined; NaN is refused. */
static lua_Integer opt_index(lua_State *L, int arg, lua_Integer def)
{
    if (lua_isnoneornil(L, arg))
        return def;
    if (lua_isinteger(L, arg))
        return lua_tointeger(L, arg);
    lua_Number x = luaL_checknumber(L, arg);
    luaL_argcheck(L, x == x, arg, "index is NaN");
    const lua_Number bound = 9007199254740992.0; /* 2^53: beyond any string */
    return (lua_Integer)(x < -bound ? -bound : x > bound ? bound : x);
}

/* conn:send(data, i, j) -> index of the last byte sent | nil, err, lastsent.
 * Bytes handed to the engine count as sent: they are encrypted and queued,
 * and go out with the next flush. */
static int conn_send(lua_State *L)
{
    lua_conn *c = to_idle_conn(L);
    size_t size;
    const char *data = luaL_checklstring(L, 2, &size);
    lua_Integer start = opt_index(L, 3, 1);
    lua_Integer end = opt_index(L, 4, -1);
    /* LuaSocket's index rules (string.sub's). */
    if (start < 0)
        start = (lua_Integer)size + start + 1;
    if (end < 0)
        end = (lua_Integer)size + end + 1;
    if (start < 1)
        start = 1;
    if (end > (lua_Integer)size)
        end = (lua_Integer)size;
    size_t total = start <= end ? (size_t)(end - start + 1) : 0;
    /* Only within the string: start may be far past its end when total is 0. */
    const uint8_t *p = (const uint8_t *)data + (total ? start - 1 : 0);
    /* "closed": we closed (no engine or socket left), or, in TLS 1.2, the
     * peer did (rfc5246#7.2.1): the engine answered with its close_notify,
     * which leaves now if it has not, and takes no more data. */
    int ours = !c->tls || c->fd < 0;
    unsigned status0 = ours ? 0 : tls_conn_status(c->tls);
    int peers = (status0 & TLS_STATUS_CLOSED) && !(status0 & TLS_STATUS_FAILED);
    if (ours || peers) {
        if (peers)
            flush_output(c, tls_sock_deadline(0));
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        lua_pushinteger(L, start - 1);
        return 3;
    }
    double deadline = tls_sock_deadline(c->timeout);
    /* A server that accepted 0-RTT answers it at once (0.5-RTT data): the
     * client's Finished is read with the next receive. */
    int st = tls_conn_half_rtt_ok(c->tls) ? TLS_IO_DONE : ensure_handshake(c, deadline);
    size_t committed = 0;
    while (st == TLS_IO_DONE) {
        const uint8_t *queued;
        size_t nqueued = tls_conn_output(c->tls, &queued);
        int append = committed < total && nqueued > 0 && nqueued < SEND_COALESCE_MAX && !c->ku_pending;
        if (!append) {
            st = pump(c, WANT_FLUSH, deadline);
            if (st != TLS_IO_DONE || committed == total)
                break;
        }
        size_t n = total - committed < SEND_CHUNK ? total - committed : SEND_CHUNK;
        unsigned status = tls_conn_status(c->tls);
        if (status & TLS_STATUS_CLOSED) {
            st = TLS_IO_CLOSED;
            break;
        }
        if (tls_conn_write(c->tls, p + committed, n) != 0) {
            st = failed(c);
            break;
        }
        committed += n;
        c->sent += (double)n;
        /* All that was queued went out first: a KeyUpdate too. */
        c->ku_pending = 0;
    }
    if (st == TLS_IO_DONE) {
        lua_pushinteger(L, start - 1 + (lua_Integer)committed);
        return 1;
    }
    lua_pushnil(L);
    lua_pushstring(L, status_message(c, st));
    lua_pushinteger(L, start - 1 + (lua_Integer)committed);
    return 3;
}

/* The one way bytes leave the engine's plaintext for the application:
 * marked read and counted for getstats together, so that no receive path
 * can do one without the other. */
static void consume(lua_conn *c, size_t n)
{
    tls_conn_app_data_done(c->tls, n);
    c->received += (double)n;
}

/* A result straight from the engine's plaintext, in one copy where a
 * luaL_Buffer made two: its first keep bytes become the string, and used
 * of them (a line's '\n' is used, not kept) are consumed. The string is
 * made before any GC step can run a finalizer (lua_pushlstring copies,
 * then checks the GC; an emergency collection runs none), and the bytes
 * are marked read only after. */
static void push_direct(lua_State *L, lua_conn *c, const uint8_t *data, size_t keep, size_t used)
{
    lua_pushlstring(L, (const char *)data, keep);
    consume(c, used);
}

/* Moves up to n bytes of decrypted data into b, dropping every '\r' when
 * drop_cr is set; returns how many bytes of the engine's data it used.
 * Growing the buffer allocates, which may run a GC step and finalizers:
 * the pointer into the engine's buffer is taken only afterwards. */
static size_t take_data(lua_conn *c, luaL_Buffer *b, size_t n, int drop_cr)
{
    char *dst = luaL_prepbuffsize(b, n);
    const uint8_t *data;
    size_t avail = tls_conn_app_data(c->tls, &data);
    if (n > avail) /* cannot happen while the connection is busy; never read past the data */
        n = avail;
    size_t out = n;
    if (drop_cr) {
        out = 0;
        for (size_t i = 0; i < n; i++)
            if (data[i] != '\r')
                dst[out++] = (char)data[i];
    } else {
        memcpy(dst, data, n);
    }
    luaL_addsize(b, out);
    consume(c, n);
    return n;
}

/* How many of the first n bytes of data make at most room bytes of a
 * "*l" line, whose CRs are dropped. */
static size_t bytes_for_room(const uint8_t *data, size_t n, size_t room)
{
    size_t used = 0;
    for (size_t kept = 0; used < n && kept < room; used++)
        if (data[used] != '\r')
            kept++;
    return used;
}

/* LuaSocket's "*l" (raw = 0: up to '\n', which is dropped, and every '\r'
 * dropped) or "*L" (raw = 1: the line as sent, its '\n' included). max
 * (SIZE_MAX: none) bounds the bytes the line may hold, so that a peer that
 * never ends its line cannot make us hold all it sends. */
static int receive_line(lua_conn *c, luaL_Buffer *b, double deadline, int raw, size_t max)
{
    size_t kept = 0;
    for (int turn = 0;; turn++) {
        const uint8_t *data;
        size_t n = tls_conn_app_data(c->tls, &data);
        if (n > 0) {
            const uint8_t *nl = memchr(data, '\n', n);
            size_t line = nl ? (size_t)(nl - data) + (size_t)raw : n;
            size_t keep = line;
            if (!raw && max != SIZE_MAX) /* without a bound only the data is copied */
                for (size_t i = 0; i < line; i++)
                    keep -= data[i] == '\r';
            if (keep > max - kept) {
                size_t room = max - kept;
                take_data(c, b, raw ? room : bytes_for_room(data, line, room), !raw);
                return CONN_LINE_TOO_LONG;
            }
            take_data(c, b, line, !raw);
            kept += keep;
            if (nl) {
                if (!raw)
                    consume(c, 1);
                return TLS_IO_DONE;
            }
        }
        if (out_of_time(c, deadline, turn))
            return TLS_IO_TIMEOUT;
        int st = pump(c, WANT_DATA, deadline);
        if (st != TLS_IO_DONE)
            return st;
    }
}

/* LuaSocket 3's "*a": everything until the peer closes; closing before any
 * byte arrived is reported as "closed". */
static int receive_all(lua_conn *c, luaL_Buffer *b, double deadline)
{
    size_t total = 0;
    for (int turn = 0;; turn++) {
        const uint8_t *data;
        size_t n = tls_conn_app_data(c->tls, &data);
        if (n > 0)
            total += take_data(c, b, n, 0);
        if (out_of_time(c, deadline, turn))
            return TLS_IO_TIMEOUT;
        int st = pump(c, WANT_DATA, deadline);
        if (st == TLS_IO_CLOSED)
            return total > 0 ? TLS_IO_DONE : TLS_IO_CLOSED;
        if (st != TLS_IO_DONE)
            return st;
    }
}

static int receive_count(lua_conn *c, luaL_Buffer *b, size_t wanted, double deadline)
{
    for (int turn = 0; wanted > 0; turn++) {
        const uint8_t *data;
        size_t n = tls_conn_app_data(c->tls, &data);
        if (n > wanted)
            n = wanted;
        if (n > 0)
            wanted -= take_data(c, b, n, 0);
        if (wanted == 0)
            break;
        if (out_of_time(c, deadline, turn))
            return TLS_IO_TIMEOUT;
        int st = pump(c, WANT_DATA, deadline);
        if (st != TLS_IO_DONE)
            return st;
    }
    return TLS_IO_DONE;
}

/* The peer closed TCP without close_notify: an attacker may have cut the
 * data short (rfc8446#6.1). */
static int truncated(const lua_conn *c)
{
    return c->eof && !(tls_conn_status(c->tls) & (TLS_STATUS_PEER_CLOSED | TLS_STATUS_FAILED));
}

/* conn:receive(pattern, prefix, max) -> data | nil, err, partial */
static int conn_receive(lua_State *L)
{
    lua_conn *c = to_idle_conn(L);
    size_t prefix_len;
    const char *prefix = luaL_optlstring(L, 3, "", &prefix_len);
    enum { LINE, RAW_LINE, ALL, COUNT } mode = LINE;
    size_t count = 0;
    if (lua_isnumber(L, 2)) { /* as LuaSocket: "10" is a count too */
        lua_Number n = lua_tonumber(L, 2);
        luaL_argcheck(L, n >= 0, 2, "invalid receive pattern");
        mode = COUNT;
        /* Converting a double beyond size_t is undefined; no receive can
         * get that many bytes anyway. */
        size_t wanted = n < (lua_Number)(SIZE_MAX / 2) ? (size_t)n : SIZE_MAX / 2;
        /* LuaSocket counts the prefix as part of the bytes wanted. */
        count = wanted > prefix_len ? wanted - prefix_len : 0;
    } else {
        /* LuaSocket's rule exactly (and LuaSec's): a '*', then the letter;
         * what follows is not looked at ("*line" is "*l"). "l" or "a"
         * without it is refused there, so a program that works here works
         * on LuaSocket too. */
        const char *p = luaL_optstring(L, 2, "*l");
        if (p[0] != '*')
            return luaL_argerror(L, 2, "invalid receive pattern");
        if (p[1] == 'l')
            mode = LINE;
        else if (p[1] == 'L')
            mode = RAW_LINE;
        else if (p[1] == 'a')
            mode = ALL;
        else
            return luaL_argerror(L, 2, "invalid receive pattern");
    }
    size_t max = SIZE_MAX;
    if (!lua_isnoneornil(L, 4)) {
        lua_Integer m = luaL_checkinteger(L, 4);
        luaL_argcheck(L, mode == LINE || mode == RAW_LINE, 4, "a line's max goes with \"*l\" or \"*L\" only");
        luaL_argcheck(L, m >= 0, 4, "a line's max must not be negative");
        max = (uint64_t)m < SIZE_MAX / 2 ? (size_t)m : SIZE_MAX / 2;
    }
    if (!c->tls || c->fd < 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        lua_pushlstring(L, prefix, prefix_len);
        return 3;
    }
    double deadline = tls_sock_deadline(c->timeout);
    c->hold_output = 1;
    int st = ensure_handshake(c, deadline);
    /* The handshake is done and reading began: from here a close may be a
     * truncation, whichever way (below) met it. */
    int reading = st == TLS_IO_DONE;
    if (reading && mode == COUNT && prefix_len == 0 && count > 0) {
        /* A count the engine holds at once (a 16 KiB read of 16 KiB records)
         * becomes the string straight from the engine's plaintext: through
         * a luaL_Buffer it was copied twice, which cost as much as the
         * decryption. Anything short of the count takes the buffered way. */
        const uint8_t *data;
        size_t avail = tls_conn_app_data(c->tls, &data);
        if (avail == 0) {
            st = pump(c, WANT_DATA, deadline);
            avail = tls_conn_app_data(c->tls, &data);
        }
        if (st == TLS_IO_DONE && avail >= count) {
            push_direct(L, c, data, count, count);
            c->hold_output = 0;
            return 1;
        }
    }
    if (st == TLS_IO_DONE && (mode == LINE || mode == RAW_LINE) && prefix_len == 0) {
        /* Likewise a whole line the engine holds, within max, with no '\r'
         * to drop ("*l"): straight from the plaintext, one copy. */
        const uint8_t *data;
        size_t avail = tls_conn_app_data(c->tls, &data);
        if (avail == 0) {
            st = pump(c, WANT_DATA, deadline);
            avail = tls_conn_app_data(c->tls, &data);
        }
        const uint8_t *nl = st == TLS_IO_DONE && avail > 0 ? memchr(data, '\n', avail) : NULL;
        if (nl != NULL) {
            size_t line = (size_t)(nl - data);
            size_t keep = mode == RAW_LINE ? line + 1 : line;
            if (keep <= max && (mode == RAW_LINE || memchr(data, '\r', line) == NULL)) {
                push_direct(L, c, data, keep, line + 1);
                c->hold_output = 0;
                return 1;
            }
        }
    }
    if (st == TLS_IO_DONE && mode == ALL && prefix_len == 0) {
        /* "*a" whose data the engine holds whole, the peer's close_notify
         * read with it (a short reply and its close, say): one copy too. */
        const uint8_t *data;
        size_t avail = tls_conn_app_data(c->tls, &data);
        if (avail == 0) {
            st = pump(c, WANT_DATA, deadline);
            avail = tls_conn_app_data(c->tls, &data);
        }
        if (st == TLS_IO_DONE && avail > 0 && (tls_conn_status(c->tls) & TLS_STATUS_PEER_CLOSED)) {
            push_direct(L, c, data, avail, avail);
            /* The buffered way's last turn: what the close left queued (a
             * TLS 1.2 close_notify in answer) goes out, and a failure to
             * send it makes the data the partial result. */
            st = pump(c, WANT_DATA, deadline);
            c->hold_output = 0;
            if (st == TLS_IO_CLOSED)
                return 1;
            lua_pushnil(L);
            lua_pushstring(L, status_message(c, st));
            lua_rotate(L, -3, -1); /* nil, err, partial */
            return 3;
        }
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addlstring(&b, prefix, prefix_len);
    if (st == TLS_IO_DONE) {
        if (mode == LINE || mode == RAW_LINE)
            st = receive_line(c, &b, deadline, mode == RAW_LINE, max);
        else if (mode == ALL)
            st = receive_all(c, &b, deadline);
        else
            st = receive_count(c, &b, count, deadline);
    }
    /* "*a" ends at the close; other patterns see it as "closed". */
    /* A per-name context a servername function chose may ask it too. */
    int strict = c->strict_close || tls_conn_config(c->tls)->strict_close;
    if (strict && (st == TLS_IO_CLOSED || (mode == ALL && st == TLS_IO_DONE)) && reading && truncated(c)) {
        conn_fail_msg(c, "connection truncated: the peer closed TCP without close_notify");
        st = CONN_FAILED;
    }
    c->hold_output = 0;
    luaL_pushresult(&b);
    if (st == TLS_IO_DONE)
        return 1;
    lua_pushnil(L);
    lua_pushstring(L, status_message(c, st));
    lua_rotate(L, -3, -1); /* nil, err, partial */
    return 3;
}

/* conn:keyupdate([request_peer]) -> true | nil, message. Like send, it
 * completes a pending handshake first, then sends the KeyUpdate. */
static int conn_keyupdate(lua_State *L)
{
    lua_conn *c = to_idle_conn(L);
    int request_peer = tls_lua_opt_flag(L, 2);
    if (!c->tls || c->fd < 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        return 2;
    }
    double deadline = tls_sock_deadline(c->timeout);
    int st = ensure_handshake(c, deadline);
    const uint8_t *queued;
    if (st == TLS_IO_DONE && c->ku_pending && tls_conn_output(c->tls, &queued) > 0) {
        /* Called again after "wantwrite": the KeyUpdate is queued, it only
         * has to go out (a second one would move our keys once more). Once
         * the output has gone, by this call or another, a new call is a
         * new KeyUpdate: never swallow one the application asked for. */
        st = pump(c, WANT_FLUSH, deadline);
    } else if (st == TLS_IO_DONE) {
        if (tls_conn_key_update(c->tls, request_peer) != 0) {
            const char *why = tls_conn_key_update_refusal(c->tls);
            if (why == NULL)
                st = failed(c);
            else {
                lua_pushnil(L);
                lua_pushstring(L, why);
                return 2;
            }
        } else {
            c->ku_pending = 1;
            st = pump(c, WANT_FLUSH, deadline);
        }
    }
    if (st != TLS_IO_TIMEOUT)
        c->ku_pending = 0;
    if (st != TLS_IO_DONE) {
        lua_pushnil(L);
        lua_pushstring(L, status_message(c, st));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* conn:export(label, context, length) -> bytes | nil, message. Like send,
 * it completes a pending handshake first. */
static int conn_export(lua_State *L)
{
    lua_conn *c = to_idle_conn(L);
    tls_lua_export_check_args(L, 2);
    if (!c->tls) {
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        return 2;
    }
    if (!(tls_conn_status(c->tls) & TLS_STATUS_HANDSHAKE_DONE) && c->fd >= 0) {
        int st = ensure_handshake(c, tls_sock_deadline(c->timeout));
        if (st != TLS_IO_DONE) {
            lua_pushnil(L);
            lua_pushstring(L, status_message(c, st));
            return 2;
        }
    }
    return tls_lua_export(L, c->tls, 2);
}

double tls_lua_opt_timeout(lua_State *L, int arg)
{
    double t = luaL_optnumber(L, arg, -1);
    /* NaN gives no deadline and no "block": it blocked for ever. */
    if (t != t)
        luaL_argerror(L, arg, "timeout is NaN: give seconds, or nil or a negative number to block");
    return t;
}

void tls_lua_check_timeout_mode(lua_State *L, int arg)
{
    /* LuaSocket's modes: "b" (each blocking step) and "t" (the whole call),
     * told by their first letter, with "r" an old name of "t". One deadline
     * per call serves both here; anything else is a mistake it raises on. */
    const char *mode = luaL_optstring(L, arg, "b");
    if (mode[0] != 'b' && mode[0] != 't' && mode[0] != 'r')
        luaL_argerror(L, arg, lua_pushfstring(L, "invalid timeout mode '%s' (LuaSocket's are 'b' and 't')", mode));
}

static int conn_settimeout(lua_State *L)
{
    lua_conn *c = to_conn(L);
    tls_lua_check_timeout_mode(L, 3);
    c->timeout = tls_lua_opt_timeout(L, 2);
    lua_pushinteger(L, 1);
    return 1;
}

static int conn_gettimeout(lua_State *L)
{
    lua_conn *c = to_conn(L);
    if (c->timeout < 0)
        lua_pushnil(L);
    else
        lua_pushnumber(L, c->timeout);
    return 1;
}

/* conn:shutdown("send") -> 1 | nil, err. Our close_notify, then the end of
 * our direction at the TCP level, while the peer's keeps flowing: the way
 * to know an upload arrived whole is to read until the peer closes. The
 * socket stays open so that nothing the peer sends meanwhile (a TLS 1.3
 * server's tickets, sent after we were done writing) meets a closed
 * socket, whose reset would make the peer's kernel drop what it has not
 * yet handed over. Repeatable: a call that timed out (or said "wantwrite")
 * goes on where it stopped. */
static int conn_shutdown(lua_State *L)
{
    lua_conn *c = to_idle_conn(L);
    const char *how = tls_lua_check_word(L, 2);
    if (strcmp(how, "send") != 0)
        return luaL_argerror(L, 2, "only \"send\" is supported (close() ends both directions)");
    if (!c->tls || c->fd < 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        return 2;
    }
    double deadline = tls_sock_deadline(c->timeout);
    int st = c->write_shut ? TLS_IO_DONE : ensure_handshake(c, deadline);
    if (st == TLS_IO_DONE && !c->write_shut) {
        tls_conn_close(c->tls);
        st = pump(c, WANT_FLUSH, deadline); /* (a failure is reported by pump) */
        if (st == TLS_IO_DONE) {
            char io_msg[TLS_SOCK_MSG_MAX];
            st = conn_io_result(c, tls_sock_shutdown_write(c->fd, io_msg, sizeof io_msg), io_msg);
            c->write_shut = st == TLS_IO_DONE;
        }
    }
    if (st != TLS_IO_DONE) {
        lua_pushnil(L);
        lua_pushstring(L, status_message(c, st));
        return 2;
    }
    lua_pushinteger(L, 1);
    return 1;
}

/* Sends close_notify (if the handshake finished) and closes the socket. */
/* Closing a socket whose receive queue holds unread bytes makes the kernel
 * reset the connection instead of ending it, and on a reset the peer's
 * kernel drops what it has received and not yet handed over: the end of
 * what we sent. A TLS 1.3 server's tickets, which a client that only sends
 * never reads, are such bytes (a client sending 640 KiB and closing lost
 * three quarters of it). Read, and drop, what is already here, up to 1 MiB,
 * without waiting. */
static void drain_input(lua_conn *c)
{
    uint8_t buf[4096];
    char ignored[TLS_SOCK_MSG_MAX];
    if (socket_gone(c))
        return;
    for (int i = 0; i < 256; i++) {
        size_t got = 0;
        if (tls_sock_recv(c->fd, buf, sizeof buf, tls_sock_deadline(0), &got, ignored, sizeof ignored)
            != TLS_IO_DONE)
            break;
    }
}

/* hold: the descriptor stays open (core.close_holding_fd). */
static int close_conn(lua_State *L, int hold)
{
    lua_conn *c = to_idle_conn(L);
    if (c->closed) {
        lua_pushinteger(L, 1);
        return 1;
    }
    if (c->fd >= 0 && c->tls) {
        tls_lua_warn_unread_early(L, c->tls, "conn:receive_early()");
        unsigned status = tls_conn_status(c->tls);
        if ((status & TLS_STATUS_HANDSHAKE_DONE) && !(status & TLS_STATUS_FAILED)) {
            tls_conn_close(c->tls);
            double wait = c->timeout >= 0 && c->timeout < CLOSE_NOTIFY_WAIT ? c->timeout
                                                                            : CLOSE_NOTIFY_WAIT;
            flush_output(c, tls_sock_deadline(wait));
        }
        drain_input(c);
    }
    /* review29c: conn:export answered after close, from a secret kept
     * until collection; info(), the peer's certificates and the session
     * stay readable. */
    if (c->tls)
        tls_conn_forget_secrets(c->tls);
    if (hold && c->fd >= 0) {
        c->fd_held = 1;
        c->held_fd = c->fd;
        c->fd = -1;
    }
    close_socket(L, c, 1);
    c->closed = 1;
    conn_free_msg(c);
    lua_pushinteger(L, 1);
    return 1;
}

static int conn_close(lua_State *L)
{
    return close_conn(L, 0);
}

/* A descriptor about to be closed under a cqueues program: cqueues forgets
 * it first (as tls.loop's close does), so that a later socket given the
 * same number is not mistaken for it. Also one setfd replaces: the
 * cancellation wakes a call of another coroutine waiting on it, which then
 * polls the new one (it slept until its timeout; review43g). */
void tls_lua_forget_in_cqueues(lua_State *L, int fd)
{
    int top = lua_gettop(L);
    if (lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE) == LUA_TTABLE &&
        lua_getfield(L, -1, "cqueues") == LUA_TTABLE && lua_getfield(L, -1, "cancel") == LUA_TFUNCTION) {
        lua_pushinteger(L, fd);
        lua_pcall(L, 1, 0, 0);
    }
    lua_settop(L, top);
}

/* The descriptor a holding close kept open, closed now (by its LuaSocket
 * or cqueues socket when the connection does not own it), after cqueues
 * forgets it (cancel: not from a finalizer, which may run inside a
 * cqueues step). A wrapped socket its owner closed meanwhile is not ours
 * any more: its number may be another socket's, left alone. */
static void release_held(lua_State *L, lua_conn *c, int conn_index, int cancel)
{
    if (!c->fd_held)
        return;
    c->fd_held = 0;
    if (!same_socket(c, c->held_fd))
        return;
    c->fd = c->held_fd;
    if (cancel)
        tls_lua_forget_in_cqueues(L, c->fd);
    close_socket(L, c, conn_index);
}

/* core.close_holding_fd(conn) -> 1, fd | 1: close(), its close_notify
 * included, but the descriptor (returned) stays open until
 * core.release_held_fd(conn) or collection. cqueues stops a whole
 * controller when a descriptor two coroutines poll is closed before both
 * have left (lua/tls/loop.lua). */
int tls_lua_conn_close_holding(lua_State *L)
{
    lua_conn *c = luaL_checkudata(L, 1, TLS_LUA_CONN);
    close_conn(L, 1);
    if (!c->fd_held)
        return 1;
    lua_pushinteger(L, c->held_fd);
    return 2;
}

/* core.release_held_fd(conn): closes what close_holding_fd kept open. */
int tls_lua_conn_release_held(lua_State *L)
{
    lua_conn *c = luaL_checkudata(L, 1, TLS_LUA_CONN);
    release_held(L, c, 1, 1);
    return 0;
}

/* For the methods that read what the engine recorded: once __gc freed it
 * (a finalizer of another object using the connection after its own ran),
 * they raise, as every engine method does then. A quiet nil from
 * session() read as "no session to resume", from finished() as "no
 * Finished yet" (review45g). */
static void check_not_collected(lua_State *L, const lua_conn *c)
{
    if (c->tls == NULL)
        luaL_error(L, "tls: connection already collected (its __gc ran; a finalizer that still uses it must "
                      "run first or keep what it needs)");
}

static int conn_info(lua_State *L)
{
    lua_conn *c = to_conn(L);
    check_not_collected(L, c);
    tls_lua_push_info(L, c->tls);
    lua_pushboolean(L, truncated(c));
    lua_setfield(L, -2, "truncated");
    return 1;
}

/* conn:peercertificate() / conn:peerchain(): certificate objects once the
 * handshake is done; nil before, or when the peer sent none. */
/* conn:session(): the latest session the server gave, as text, or nil. */
static int conn_session(lua_State *L)
{
    lua_conn *c = luaL_checkudata(L, 1, TLS_LUA_CONN);
    check_not_collected(L, c);
    return tls_lua_push_session(L, c->tls);
}

static int conn_peercertificate(lua_State *L)
{
    lua_conn *c = to_conn(L);
    check_not_collected(L, c);
    return tls_lua_push_peer(L, c->tls, 0);
}

static int conn_peerchain(lua_State *L)
{
    lua_conn *c = to_conn(L);
    check_not_collected(L, c);
    return tls_lua_push_peer(L, c->tls, 1);
}

/* conn:verifiedchain(): the path the chain was verified on, leaf to trust
 * anchor; nil and why when there is none. */
static int conn_verifiedchain(lua_State *L)
{
    lua_conn *c = to_conn(L);
    check_not_collected(L, c);
    return tls_lua_push_verified(L, c->tls);
}

static int conn_getfd(lua_State *L)
{
    lua_conn *c = to_conn(L);
    lua_pushinteger(L, c->fd);
    return 1;
}

/* conn:dirty(): decrypted data waits in the engine, so a socket.select
 * loop must not sleep on the descriptor (LuaSocket's select asks). Called
 * for every connection on every select: no call into LuaSocket here. */
static int conn_finished(lua_State *L)
{
    lua_conn *c = luaL_checkudata(L, 1, TLS_LUA_CONN);
    check_not_collected(L, c);
    return tls_lua_finished(L, c->tls);
}

static int conn_dirty(lua_State *L)
{
    lua_conn *c = luaL_checkudata(L, 1, TLS_LUA_CONN);
    const uint8_t *data;
    lua_pushboolean(L, c->tls && c->fd >= 0 && tls_conn_app_data(c->tls, &data) > 0);
    return 1;
}

/* conn:want() -> "nothing" | "read" | "write" (LuaSec's): what the last
 * call that stopped early waited for. */
static int conn_want(lua_State *L)
{
    lua_conn *c = luaL_checkudata(L, 1, TLS_LUA_CONN);
    lua_pushstring(L, c->want == WAIT_READ ? "read" : c->want == WAIT_WRITE ? "write" : "nothing");
    return 1;
}


/* conn:setfd(fd): the descriptor to use from now on (LuaSec's); -1
 * detaches it, so that close() leaves it open. Over a wrapped LuaSocket
 * object the object gets it too: it owns the descriptor. A connection that
 * owns its descriptor (tls.connect, accept) owns the one it is given, and
 * closes the one it replaces, as close() would have: nobody else holds it
 * (LuaSec leaks it; setfd(-1) first keeps it open). */
static int conn_setfd(lua_State *L)
{
    lua_conn *c = to_idle_conn(L);
    /* Before anything: tls_sock_prepare would already change the flags of
     * a descriptor that is someone else's. */
    if (c->closed) {
        /* Neither luaL_argerror (through conn:setfd it says "bad self")
         * nor luaL_error (its prefix is the caller's line, or nothing
         * under pcall): one text however it is called. */
        lua_pushliteral(L, "bad argument #1 to 'setfd' (the connection is closed)");
        return lua_error(L);
    }
    lua_Integer fd = luaL_checkinteger(L, 2);
    luaL_argcheck(L, fd >= -1 && fd <= 0x7fffffff, 2, "not a descriptor");
    if (fd >= 0) {
        /* A closed number keeps its old message; then tls.wrap's checks,
         * before tls_sock_prepare changes the descriptor's flags. */
        if (fcntl((int)fd, F_GETFD) == -1)
            return luaL_argerror(L, 2, "not an open descriptor");
        const char *problem = stream_problem((int)fd);
        if (problem != NULL)
            return luaL_argerror(L, 2, problem);
        if (tls_sock_prepare((int)fd) != 0)
            return luaL_argerror(L, 2, "not an open descriptor");
    }
    if (c->fd >= 0 && c->fd != fd)
        tls_lua_forget_in_cqueues(L, c->fd);
    if (!c->owns_fd) {
        int top = lua_gettop(L);
        if (lua_getiuservalue(L, 1, 1) == LUA_TUSERDATA &&
            lua_getfield(L, -1, "setfd") == LUA_TFUNCTION) {
            lua_pushvalue(L, -2);
            lua_pushinteger(L, fd);
            lua_call(L, 2, 0);
        }
        lua_settop(L, top);
    } else if (fd >= 0 && c->fd >= 0 && c->fd != fd) {
        tls_sock_close(c->fd);
    }
    c->fd = (int)fd;
    note_socket(c);
    return 0;
}

/* conn:getstats() -> received, sent, age: bytes of application data
 * through receive and send, and seconds since the connection was made
 * (LuaSocket's and LuaSec's). */
static int conn_getstats(lua_State *L)
{
    lua_conn *c = luaL_checkudata(L, 1, TLS_LUA_CONN);
    settle_early(c);
    lua_pushnumber(L, c->received);
    lua_pushnumber(L, c->sent);
    lua_pushnumber(L, tls_sock_now() - c->born);
    return 3;
}

/* A byte count or an age for setstats: nil keeps the old value; NaN, an
 * infinity or a negative number would be read back by getstats (and
 * LuaSec's callers do arithmetic on it), so they raise. */
static double opt_stat(lua_State *L, int arg, double keep)
{
    if (lua_isnoneornil(L, arg))
        return keep;
    double v = luaL_checknumber(L, arg);
    if (!(v >= 0 && v <= 9007199254740992.0)) /* also NaN; 2^53: integers exactly */
        luaL_argerror(L, arg, v != v ? "is NaN: a number >= 0 expected"
                                     : "out of range: a finite number >= 0 expected");
    return v;
}

/* conn:setstats([received [, sent [, age]]]) -> 1; nil keeps a value. */
static int conn_setstats(lua_State *L)
{
    lua_conn *c = luaL_checkudata(L, 1, TLS_LUA_CONN);
    settle_early(c);
    double now = tls_sock_now();
    double received = opt_stat(L, 2, c->received);
    double sent = opt_stat(L, 3, c->sent);
    double age = opt_stat(L, 4, now - c->born);
    c->received = received;
    c->sent = sent;
    c->born = now - age;
    lua_pushinteger(L, 1);
    return 1;
}

/* Over a wrapped LuaSocket object: its own setoption/getoption, with the
 * arguments this call got. Returns the number of results, or -1 when
 * there is no such object. */
static int delegate_option(lua_State *L, lua_conn *c, const char *method)
{
    if (c->owns_fd)
        return -1;
    int nargs = lua_gettop(L) - 1;
    if (lua_getiuservalue(L, 1, 1) != LUA_TUSERDATA || lua_getfield(L, -1, method) != LUA_TFUNCTION) {
        lua_pop(L, 2);
        return -1;
    }
    int base = lua_gettop(L) - 2; /* below the object and its method */
    lua_insert(L, -2);           /* method, object */
    for (int i = 2; i <= nargs + 1; i++)
        lua_pushvalue(L, i);
    lua_call(L, nargs + 1, LUA_MULTRET);
    return lua_gettop(L) - base;
}

static const char *check_option_name(lua_State *L, int *kind)
{
    const char *name = tls_lua_check_word(L, 2);
    *kind = tls_sock_option_kind(name);
    if (*kind == TLS_SOCK_OPT_UNKNOWN)
        luaL_argerror(L, 2, lua_pushfstring(L, "unsupported option '%s' (known: %s)", name,
                                            tls_sock_option_names()));
    return name;
}

/* conn:setoption(name, value) -> 1 | nil, message: a socket option under
 * LuaSocket's name; "linger" takes { on = bool, timeout = seconds }. */
static int conn_setoption(lua_State *L)
{
    lua_conn *c = to_conn(L);
    int kind;
    const char *name = check_option_name(L, &kind);
    if (c->fd < 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        return 2;
    }
    int n = delegate_option(L, c, "setoption");
    if (n >= 0)
        return n;
    int value = 0, seconds = 0;
    if (kind == TLS_SOCK_OPT_BOOL) {
        luaL_checktype(L, 3, LUA_TBOOLEAN);
        value = lua_toboolean(L, 3);
    } else if (kind == TLS_SOCK_OPT_INT) {
        lua_Integer v = luaL_checkinteger(L, 3);
        luaL_argcheck(L, v >= 0 && v <= 0x7fffffff, 3, "out of range");
        value = (int)v;
    } else {
        luaL_checktype(L, 3, LUA_TTABLE);
        lua_getfield(L, 3, "on");
        luaL_argcheck(L, lua_isboolean(L, -1), 3, "boolean 'on' field expected");
        value = lua_toboolean(L, -1);
        lua_getfield(L, 3, "timeout");
        lua_Integer t = lua_isnil(L, -1) ? 0 : luaL_checkinteger(L, -1);
        luaL_argcheck(L, t >= 0 && t <= 0x7fffffff, 3, "'timeout' field out of range");
        seconds = (int)t;
        lua_pop(L, 2);
    }
    char msg[TLS_SOCK_MSG_MAX];
    if (tls_sock_setoption(c->fd, name, value, seconds, msg, sizeof msg) != TLS_IO_DONE) {
        lua_pushnil(L);
        lua_pushstring(L, msg);
        return 2;
    }
    lua_pushinteger(L, 1);
    return 1;
}

/* conn:getoption(name) -> value | nil, message */
static int conn_getoption(lua_State *L)
{
    lua_conn *c = to_conn(L);
    int kind;
    const char *name = check_option_name(L, &kind);
    if (c->fd < 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        return 2;
    }
    lua_settop(L, 2);
    int n = delegate_option(L, c, "getoption");
    if (n >= 0)
        return n;
    int value = 0, seconds = 0;
    char msg[TLS_SOCK_MSG_MAX];
    if (tls_sock_getoption(c->fd, name, &value, &seconds, msg, sizeof msg) != TLS_IO_DONE) {
        lua_pushnil(L);
        lua_pushstring(L, msg);
        return 2;
    }
    if (kind == TLS_SOCK_OPT_BOOL) {
        lua_pushboolean(L, value);
    } else if (kind == TLS_SOCK_OPT_INT) {
        lua_pushinteger(L, value);
    } else {
        lua_createtable(L, 0, 2);
        lua_pushboolean(L, value);
        lua_setfield(L, -2, "on");
        lua_pushinteger(L, seconds);
        lua_setfield(L, -2, "timeout");
    }
    return 1;
}

static int push_address(lua_State *L, lua_conn *c, int peer)
{
    char ip[TLS_SOCK_ADDR_MAX];
    int port;
    if (c->fd < 0 || tls_sock_address(c->fd, peer, ip, sizeof ip, &port) != 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        return 2;
    }
    lua_pushstring(L, ip);
    lua_pushinteger(L, port);
    lua_pushstring(L, strchr(ip, ':') ? "inet6" : "inet"); /* LuaSocket 3's family */
    return 3;
}

static int conn_getpeername(lua_State *L)
{
    return push_address(L, to_conn(L), 1);
}

static int conn_getsockname(lua_State *L)
{
    return push_address(L, to_conn(L), 0);
}

/* Collection closes without close_notify: a finalizer must not block. */
static int conn_gc(lua_State *L)
{
    lua_conn *c = luaL_checkudata(L, 1, TLS_LUA_CONN);
    /* The collector never finalizes an object a running method holds; only
     * a direct call of the metamethod (from a trace function) can get here
     * then, and freeing the engine under that method would be a
     * use-after-free. */
    if (c->busy)
        return luaL_error(L, "tls: connection is in use (its __gc was called while a method runs)");
    /* (A wrapped socket outlives its connection: util.wrapped_sockets
     * keeps the connection while the socket object lives, and the
     * object's own __gc closes it.) */
    if (c->owns_fd) {
        release_held(L, c, 1, 0);
        close_socket(L, c, 1);
    }
    c->fd = -1;
    c->closed = 1;
    /* No trace calls from a finalizer. */
    tls_lua_trace_release(&c->trace, L);
    if (c->tls) {
        /* With the trace released, the engine calls no Lua: the warning is
         * lua_warning alone, which a finalizer may call (it never raises). */
        tls_lua_warn_unread_early(L, c->tls, "conn:receive_early(); the connection was collected without close()");
        tls_conn_free(c->tls);
        c->tls = NULL;
    }
    conn_free_msg(c);
    return 0;
}

static int conn_tostring(lua_State *L)
{
    lua_conn *c = luaL_checkudata(L, 1, TLS_LUA_CONN);
    const char *side = c->is_server ? "server" : "client";
    if (c->fd < 0)
        lua_pushfstring(L, "tls.conn{%s, closed}: %p", side, (void *)c);
    else
        lua_pushfstring(L, "tls.conn{%s, fd %d}: %p", side, c->fd, (void *)c);
    return 1;
}

void tls_lua_conn_register(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"handshake", conn_handshake},
        {"dohandshake", conn_handshake},
        {"send", conn_send},
        {"receive", conn_receive},
        {"receive_early", conn_receive_early},
        {"settimeout", conn_settimeout},
        {"gettimeout", conn_gettimeout},
        {"close", conn_close},
        {"shutdown", conn_shutdown},
        {"info", conn_info},
        {"peercertificate", conn_peercertificate},
        {"peerchain", conn_peerchain},
        {"verifiedchain", conn_verifiedchain},
        {"session", conn_session},
        {"keyupdate", conn_keyupdate},
        {"export", conn_export},
        {"finished", conn_finished},
        {"getfd", conn_getfd},
        {"setfd", conn_setfd},
        {"dirty", conn_dirty},
        {"want", conn_want},
        {"getstats", conn_getstats},
        {"setstats", conn_setstats},
        {"setoption", conn_setoption},
        {"getoption", conn_getoption},
        {"getpeername", conn_getpeername},
        {"getsockname", conn_getsockname},
        {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__gc", conn_gc},
        {"__close", conn_close},
        {"__tostring", conn_tostring},
        {NULL, NULL},
    };
    luaL_newmetatable(L, TLS_LUA_CONN);
    luaL_setfuncs(L, meta, 0);
    tls_lua_seal_metatable(L);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}
