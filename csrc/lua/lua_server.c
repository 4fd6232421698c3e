/* tls.server: a listening socket whose accept() returns TLS connections.
 * The handshake of an accepted connection waits for conn:handshake() or
 * its first send/receive, so a slow client cannot hold up accept(). */
#include <string.h>

#include "lua/lua_tls.h"
#include "io/tls_socket.h"

typedef struct lua_server {
    int fd;         /* -1 once closed */
    int held_fd;    /* closed by core.close_holding_fd, still open; -1: none */
    int busy;       /* a method is running (see tls_lua_enter) */
    double timeout; /* for accept(), and inherited by accepted connections */
    double handshake_timeout; /* each accepted client's handshake; negative: none */
} lua_server;

/* The first uservalue holds the context, which accepted connections share. */
static lua_server *check_server(lua_State *L)
{
    return luaL_checkudata(L, 1, TLS_LUA_SERVER);
}

/* For the methods that change the server: not from a finalizer run by one
 * in progress. */
static lua_server *check_idle_server(lua_State *L)
{
    lua_server *s = check_server(L);
    tls_lua_enter(L, &s->busy, "server");
    return s;
}

/* core.listen(host, port, ctx, backlog, timeout, handshake_timeout) */
int tls_lua_listen(lua_State *L)
{
    const char *host = luaL_optstring(L, 1, "*");
    const char *port = luaL_checkstring(L, 2);
    tls_config *cfg = tls_lua_check_context(L, 3);
    lua_Integer backlog = luaL_optinteger(L, 4, 32);
    double timeout = luaL_optnumber(L, 5, -1);
    double handshake_timeout = luaL_optnumber(L, 6, -1);
    if (!cfg->is_server) {
        lua_pushnil(L);
        lua_pushliteral(L, "tls.listen needs a server context (mode=\"server\")");
        return 2;
    }
    /* The object first: it may raise (out of memory), and must not hold a
     * listening socket then. Its finalizer closes the socket from then on. */
    lua_settop(L, 6);
    lua_server *s = lua_newuserdatauv(L, sizeof *s, TLS_LUA_GUARD_SLOT);
    s->fd = -1;
    s->held_fd = -1;
    s->busy = 0;
    s->timeout = timeout;
    s->handshake_timeout = handshake_timeout;
    luaL_setmetatable(L, TLS_LUA_SERVER);
    lua_pushvalue(L, 3);
    lua_setiuservalue(L, -2, 1);
    tls_lua_guard_new(L, &s->busy);
    lua_setiuservalue(L, -2, TLS_LUA_GUARD_SLOT);
    char msg[TLS_SOCK_MSG_MAX];
    if (tls_sock_listen(host, port, backlog > 0 && backlog < 65536 ? (int)backlog : 32, &s->fd, msg,
                        sizeof msg) != TLS_IO_DONE) {
        s->fd = -1;
        lua_pushnil(L);
        lua_pushstring(L, msg);
        return 2;
    }
    return 1;
}

static int server_accept(lua_State *L)
{
    lua_server *s = check_idle_server(L);
    if (s->fd < 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        return 2;
    }
    /* The connection object before the socket: see tls_lua_conn_new. */
    int ctx = lua_gettop(L) + 1;
    lua_getiuservalue(L, 1, 1);
    lua_conn *c = tls_lua_conn_new(L);
    char msg[TLS_SOCK_MSG_MAX];
    int fd = -1;
    int st = tls_sock_accept(s->fd, tls_sock_deadline(s->timeout), &fd, msg, sizeof msg);
    if (st != TLS_IO_DONE) {
        lua_pushnil(L);
        lua_pushstring(L, st == TLS_IO_TIMEOUT ? "timeout" : msg);
        /* A third value for a loop that must wait before it accepts
         * again (the socket stays readable meanwhile): lua/tls/loop.lua. */
        if (st != TLS_IO_SHORTAGE)
            return 2;
        lua_pushliteral(L, "shortage");
        return 3;
    }
    if (tls_lua_conn_setup(L, c, ctx, fd, 1, s->timeout) != 0)
        return 2; /* the object's finalizer closes fd */
    if (s->handshake_timeout >= 0)
        tls_lua_conn_limit_handshake(c, s->handshake_timeout);
    /* After the wait for a client, before its handshake: ticket keys from
     * a key file replaced meanwhile, rotation due (lua_ticketkeys.c). */
    tls_lua_ticketkeys_refresh(L);
    lua_settop(L, ctx + 1);
    return 1;
}

static int server_settimeout(lua_State *L)
{
    lua_server *s = check_idle_server(L);
    tls_lua_check_timeout_mode(L, 3);
    s->timeout = tls_lua_opt_timeout(L, 2);
    lua_pushinteger(L, 1);
    return 1;
}

static int server_getsockname(lua_State *L)
{
    lua_server *s = check_server(L);
    char ip[TLS_SOCK_ADDR_MAX];
    int port;
    if (s->fd < 0 || tls_sock_address(s->fd, 0, ip, sizeof ip, &port) != 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        return 2;
    }
    lua_pushstring(L, ip);
    lua_pushinteger(L, port);
    lua_pushstring(L, strchr(ip, ':') ? "inet6" : "inet"); /* LuaSocket 3's family */
    return 3;
}

static int server_getfd(lua_State *L)
{
    lua_pushinteger(L, check_server(L)->fd);
    return 1;
}

/* server:dirty() -> false: nothing is ever buffered in a listening socket
 * (LuaSocket's select asks every object it is given). */
static int server_dirty(lua_State *L)
{
    check_server(L);
    lua_pushboolean(L, 0);
    return 1;
}

static int server_close(lua_State *L)
{
    lua_server *s = check_idle_server(L);
    tls_sock_close(s->fd);
    s->fd = -1;
    lua_pushinteger(L, 1);
    return 1;
}

/* core.close_holding_fd(server) -> 1, fd | 1: as the connection's (see
 * tls_lua_conn_close_holding). */
int tls_lua_server_close_holding(lua_State *L)
{
    lua_server *s = check_idle_server(L);
    lua_pushinteger(L, 1);
    if (s->fd >= 0) {
        s->held_fd = s->fd;
        s->fd = -1;
    }
    if (s->held_fd < 0)
        return 1;
    lua_pushinteger(L, s->held_fd);
    return 2;
}

/* core.release_held_fd(server) */
int tls_lua_server_release_held(lua_State *L)
{
    lua_server *s = check_server(L);
    if (s->held_fd >= 0)
        tls_lua_forget_in_cqueues(L, s->held_fd);
    tls_sock_close(s->held_fd);
    s->held_fd = -1;
    return 0;
}

/* No guard in a finalizer: nothing can be using the server any more. */
static int server_gc(lua_State *L)
{
    lua_server *s = check_server(L);
    /* As conn_gc: only a direct call can find a method running. */
    if (s->busy)
        return luaL_error(L, "tls: server is in use (its __gc was called while a method runs)");
    tls_sock_close(s->fd);
    s->fd = -1;
    tls_sock_close(s->held_fd);
    s->held_fd = -1;
    return 0;
}

static int server_tostring(lua_State *L)
{
    lua_server *s = check_server(L);
    if (s->fd < 0)
        lua_pushfstring(L, "tls.server{closed}: %p", (void *)s);
    else
        lua_pushfstring(L, "tls.server{fd %d}: %p", s->fd, (void *)s);
    return 1;
}

void tls_lua_server_register(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"accept", server_accept},
        {"settimeout", server_settimeout},
        {"getsockname", server_getsockname},
        {"getfd", server_getfd},
        {"dirty", server_dirty},
        {"close", server_close},
        {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__gc", server_gc},
        {"__close", server_close},
        {"__tostring", server_tostring},
        {NULL, NULL},
    };
    luaL_newmetatable(L, TLS_LUA_SERVER);
    luaL_setfuncs(L, meta, 0);
    tls_lua_seal_metatable(L);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}
