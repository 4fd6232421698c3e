/* tls.engine: the sans-I/O engine as a Lua object, for event loops and
 * tests. The caller moves the bytes: e:output() to the peer, the peer's
 * bytes into e:feed(). */
#include <string.h>

#include "lua/lua_tls.h"

typedef struct lua_engine {
    tls_conn *tls; /* NULL once collected */
    int busy;      /* a method is running (see tls_lua_enter) */
    int is_server; /* its context's mode */
    int started;   /* e:start() was called */
    tls_lua_trace trace;
} lua_engine;

static lua_engine *check_engine(lua_State *L)
{
    lua_engine *e = luaL_checkudata(L, 1, TLS_LUA_ENGINE);
    if (!e->tls)
        luaL_argerror(L, 1, "engine closed (its <close> or __gc ran): make a new engine");
    return e;
}

/* For the methods that drive the engine: from inside the engine's own trace
 * callback, or from a finalizer run by an allocation of a method in
 * progress, they would change buffers the running method still uses. */
static lua_engine *check_idle_engine(lua_State *L)
{
    lua_engine *e = check_engine(L);
    if (tls_conn_in_callback(e->tls))
        luaL_error(L, "tls.engine: this method cannot be called from the engine's own callbacks (trace, verify, servername, alpn, ocsp, client_certificate, keylog, session_store)");
    tls_lua_enter(L, &e->busy, "engine");
    /* Trace callbacks run on this call's state. Only engine-driving calls
     * set it: one from inside a callback (say in a coroutine that dies
     * before the engine goes on) must not replace the state the engine is
     * calling back on. */
    e->trace.L = L;
    tls_lua_trace_reanchor(&e->trace, L, 1);
    return e;
}

static int push_failure(lua_State *L, const char *msg)
{
    lua_pushnil(L);
    lua_pushstring(L, msg);
    return 2;
}

/* core.engine(ctx, servername, session, early_data) */
int tls_lua_engine_new(lua_State *L)
{
    tls_config *cfg = tls_lua_check_context(L, 1);
    const char *servername = luaL_optstring(L, 2, NULL);
    if (!lua_isnoneornil(L, 3))
        luaL_checktype(L, 3, LUA_TSTRING);
    if (!lua_isnoneornil(L, 4))
        luaL_checktype(L, 4, LUA_TSTRING);
    lua_settop(L, 4);
    if (tls_lua_check_server_name(L, 2) != 0)
        return 2;
    /* An engine never sees the TCP connection, so it cannot tell a close
     * without close_notify: accepting the option would do nothing. */
    if (cfg->strict_close)
        return push_failure(L, "tls.engine: the context's option 'strict_close' would do nothing on an "
                               "engine, which never sees the TCP close (when your peer closes, check "
                               "e:status().close_notify)");
    lua_engine *e = lua_newuserdatauv(L, sizeof *e, TLS_LUA_ANCHOR_SLOT);
    e->tls = NULL;
    e->busy = 0;
    e->is_server = cfg->is_server;
    e->started = 0;
    e->trace.L = NULL;
    e->trace.has_trace = 0;
    e->trace.has_context = 0;
    luaL_setmetatable(L, TLS_LUA_ENGINE);
    tls_lua_guard_new(L, &e->busy);
    lua_setiuservalue(L, -2, TLS_LUA_GUARD_SLOT);
    tls_lua_trace_new(&e->trace, L, -1);
    e->trace.of_engine = 1;
    e->tls = tls_conn_new(cfg);
    if (!e->tls)
        return push_failure(L, "out of memory");
    if (servername && !cfg->is_server && tls_conn_set_server_name(e->tls, servername) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, tls_lua_failure_reason(e->tls));
        return 2;
    }
    if (!cfg->is_server && tls_lua_offer_session(L, e->tls, 3) != 0)
        return 2;
    if (!cfg->is_server)
        tls_lua_offer_early(L, e->tls, 4);
    /* review32c F2: refused here, not by start() after the engine was
     * handed out (tls.connect and tls.wrap always have a name to give). */
    const char *problem = tls_conn_start_problem(e->tls);
    if (problem != NULL) {
        lua_pushnil(L);
        if (servername == NULL && cfg->verify)
            lua_pushstring(L, "tls.engine: a client whose context verifies the server's certificate needs "
                              "option 'servername', the name to check it against (or verify = false in the "
                              "context)");
        else
            lua_pushfstring(L, "tls.engine: %s", problem);
        return 2;
    }
    tls_lua_trace_init(&e->trace, L, 1, e->tls);
    lua_settop(L, 5);
    return 1;
}

/* e:session(): the latest session the server gave, as text, or nil. */
static int engine_session(lua_State *L)
{
    /* As every other method: a quiet nil after <close> would read as "no
     * session to resume". */
    lua_engine *e = check_engine(L);
    return tls_lua_push_session(L, e->tls);
}

/* e:start(): a client queues its ClientHello, once. On a server engine,
 * or a second time, it would do nothing: a caller that expects it to
 * (re)start a handshake has made a mistake, and hears so. */
static int engine_start(lua_State *L)
{
    lua_engine *e = check_idle_engine(L);
    if (e->is_server)
        return luaL_error(L, "tls.engine: start() is for a client engine; a server engine begins when "
                             "the client's hello is fed to it (e:feed)");
    if (e->started)
        return luaL_error(L, "tls.engine: start() was already called on this engine (one handshake per "
                             "engine: make a new engine for another)");
    /* A closed engine sends nothing more: a start() that queues no hello
     * would leave the caller waiting for a handshake that never comes. */
    if (tls_conn_status(e->tls) & (TLS_STATUS_CLOSED | TLS_STATUS_FAILED))
        return luaL_error(L, "tls.engine: start() after close(): this engine is closed and sends nothing "
                             "more (make a new engine for a handshake)");
    e->started = 1;
    if (tls_conn_start(e->tls) != 0)
        return push_failure(L, tls_lua_failure_reason(e->tls));
    lua_pushboolean(L, 1);
    return 1;
}

static int engine_feed(lua_State *L)
{
    lua_engine *e = check_idle_engine(L);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    /* An event loop that reads the socket before starting the client has
     * made a mistake: said here, before the engine sees anything, so the
     * engine is left as it was (no failure, no alert) and start() works. */
    if (!e->is_server && !e->started) {
        /* review32d: closed before it started, start() cannot help */
        if (tls_conn_status(e->tls) & TLS_STATUS_CLOSED)
            return luaL_error(L, "tls.engine: feed() after close(): this client engine was closed before "
                                 "it started (make a new engine)");
        return luaL_error(L, "tls.engine: feed() before start() on a client engine: call e:start() first "
                             "and send its output");
    }
    if (tls_conn_feed(e->tls, (const uint8_t *)data, len) != 0)
        return push_failure(L, tls_lua_failure_reason(e->tls));
    lua_pushboolean(L, 1);
    return 1;
}

/* e:read() and e:output() take everything waiting: a count would suggest
 * "at most n bytes" (as conn:receive(n)), and was ignored, so a caller
 * framing messages with e:read(5) got the rest of the stream too. */
static void no_count(lua_State *L, const char *method)
{
    if (!lua_isnoneornil(L, 2))
        luaL_error(L, "tls.engine: e:%s() takes no argument: it returns all the bytes waiting (got %s)", method,
                   luaL_typename(L, 2));
}

static int engine_output(lua_State *L)
{
    lua_engine *e = check_idle_engine(L);
    no_count(L, "output");
    const uint8_t *out;
    size_t n = tls_conn_output(e->tls, &out);
    lua_pushlstring(L, n ? (const char *)out : "", n);
    tls_conn_output_done(e->tls, n);
    return 1;
}

static int engine_write(lua_State *L)
{
    lua_engine *e = check_idle_engine(L);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    unsigned status = tls_conn_status(e->tls);
    if (status & TLS_STATUS_FAILED)
        return push_failure(L, tls_lua_failure_reason(e->tls));
    if (status & TLS_STATUS_CLOSED)
        return push_failure(L, "closed");
    /* A server that accepted 0-RTT may answer it before the handshake
     * completes (0.5-RTT data). */
    if (!(status & TLS_STATUS_HANDSHAKE_DONE) && !tls_conn_half_rtt_ok(e->tls))
        return push_failure(L, "handshake not complete");
    if (tls_conn_write(e->tls, (const uint8_t *)data, len) != 0)
        return push_failure(L, tls_lua_failure_reason(e->tls));
    lua_pushboolean(L, 1);
    return 1;
}

/* e:write_early(data) -> true | nil, message (client, before start): 0-RTT
 * data for the ClientHello's flight (see tls_conn_write_early); raises on a
 * server engine, after start() and after close(). */
static int engine_write_early(lua_State *L)
{
    lua_engine *e = check_idle_engine(L);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    /* A wrong-mode call is the caller's mistake, not a refusal of this
     * data: it raises, as read_early() on a client and start() on a server do. */
    if (e->is_server)
        return luaL_error(L, "tls.engine: write_early() is for a client engine (a server's early data is what "
                             "it reads with e:read_early)");
    /* Wrong-state calls raise too, as start() twice and feed() before
     * start() do: nil, message is kept for data this engine could send
     * early but the context or session does not allow. */
    if (e->started) /* its ClientHello, with any early data, is queued */
        return luaL_error(L, "tls.engine: write_early() after start(): early data goes with the ClientHello, "
                             "which start() has queued (call e:write_early before e:start())");
    if (tls_conn_status(e->tls) & (TLS_STATUS_CLOSED | TLS_STATUS_FAILED))
        return luaL_error(L, "tls.engine: write_early() after close(): this engine is closed and sends nothing "
                             "more (make a new engine for a handshake)");
    char why[256];
    if (tls_conn_write_early(e->tls, (const uint8_t *)data, len, why, sizeof why) != 0)
        return push_failure(L, why);
    lua_pushboolean(L, 1);
    return 1;
}

/* e:read_early() -> bytes, complete (server): the 0-RTT data received and
 * not yet read, and whether it is all there (true: EndOfEarlyData came, or
 * there is no early data, none offered or declined; false: accepted data
 * still arriving); nil and the failure once the handshake failed (the
 * engine hands out none then). */
static int engine_read_early(lua_State *L)
{
    lua_engine *e = check_idle_engine(L);
    /* A client receives no early data: "" and complete would read as
     * "the server's 0-RTT arrived empty" (conn:receive_early raises too). */
    if (!e->is_server)
        return luaL_error(L, "tls.engine: read_early() is for a server engine (a client's early data is what "
                             "it writes with e:write_early)");
    const uint8_t *data;
    size_t n = tls_conn_early_data(e->tls, &data);
    if (n == 0 && (tls_conn_status(e->tls) & TLS_STATUS_FAILED))
        return push_failure(L, tls_lua_failure_reason(e->tls));
    lua_pushlstring(L, n ? (const char *)data : "", n);
    tls_conn_early_data_done(e->tls, n);
    lua_pushboolean(L, tls_conn_early_data_complete(e->tls));
    return 2;
}

static int engine_read(lua_State *L)
{
    lua_engine *e = check_idle_engine(L);
    no_count(L, "read");
    const uint8_t *data;
    size_t n = tls_conn_app_data(e->tls, &data);
    lua_pushlstring(L, n ? (const char *)data : "", n);
    tls_conn_app_data_done(e->tls, n);
    return 1;
}

/* e:keyupdate([request_peer]) -> true | nil, message */
static int engine_keyupdate(lua_State *L)
{
    lua_engine *e = check_idle_engine(L);
    int request_peer = tls_lua_opt_flag(L, 2);
    if (tls_conn_key_update(e->tls, request_peer) != 0) {
        const char *why = tls_conn_key_update_refusal(e->tls);
        return push_failure(L, why ? why : tls_lua_failure_reason(e->tls));
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* e:export(label, context, length) -> bytes | nil, message */
static int engine_export(lua_State *L)
{
    return tls_lua_export(L, check_engine(L)->tls, 2);
}

static int engine_finished(lua_State *L)
{
    return tls_lua_finished(L, check_engine(L)->tls);
}

static int engine_close(lua_State *L)
{
    lua_engine *e = check_idle_engine(L);
    tls_lua_warn_unread_early(L, e->tls, "e:read_early()");
    tls_conn_close(e->tls);
    lua_pushboolean(L, 1);
    return 1;
}

static int engine_status(lua_State *L)
{
    lua_engine *e = check_engine(L);
    unsigned status = tls_conn_status(e->tls);
    lua_createtable(L, 0, 8);
    lua_pushboolean(L, (status & TLS_STATUS_HANDSHAKE_DONE) != 0);
    lua_setfield(L, -2, "handshake_done");
    lua_pushboolean(L, (status & TLS_STATUS_PEER_CLOSED) != 0);
    lua_setfield(L, -2, "peer_closed");
    /* The same, under the name conn:info() uses: the peer ended the data
     * with close_notify (a TCP close alone may be a truncation). */
    lua_pushboolean(L, (status & TLS_STATUS_PEER_CLOSED) != 0);
    lua_setfield(L, -2, "close_notify");
    lua_pushboolean(L, (status & TLS_STATUS_CLOSED) != 0);
    lua_setfield(L, -2, "closed");
    lua_pushboolean(L, (status & TLS_STATUS_FAILED) != 0);
    lua_setfield(L, -2, "failed");
    lua_pushboolean(L, tls_conn_wants_read(e->tls) != 0);
    lua_setfield(L, -2, "wants_read");
    lua_pushstring(L, tls_want_name(tls_conn_want(e->tls)));
    lua_setfield(L, -2, "want");
    return 1;
}

/* e:want() -> "output" | "data" | "failed" | "closed" | "input": what to do
 * next (see tls_conn_want). */
static int engine_want(lua_State *L)
{
    lua_engine *e = check_engine(L);
    lua_pushstring(L, tls_want_name(tls_conn_want(e->tls)));
    return 1;
}

/* e:error() -> message, alert_name, from_peer | nil */
static int engine_error(lua_State *L)
{
    lua_engine *e = check_engine(L);
    const tls_error *err = tls_conn_error(e->tls);
    if (!err || !err->set) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushstring(L, err->reason);
    if (err->alert >= 0)
        lua_pushstring(L, tls_alert_name(err->alert));
    else
        lua_pushnil(L);
    lua_pushboolean(L, err->from_peer);
    return 3;
}

static int engine_info(lua_State *L)
{
    lua_engine *e = check_engine(L);
    tls_lua_push_info(L, e->tls);
    return 1;
}

/* e:peercertificate() / e:peerchain(), as on connections. */
static int engine_peercertificate(lua_State *L)
{
    return tls_lua_push_peer(L, check_engine(L)->tls, 0);
}

static int engine_peerchain(lua_State *L)
{
    return tls_lua_push_peer(L, check_engine(L)->tls, 1);
}

static int engine_verifiedchain(lua_State *L)
{
    return tls_lua_push_verified(L, check_engine(L)->tls);
}

static int engine_gc(lua_State *L)
{
    lua_engine *e = luaL_checkudata(L, 1, TLS_LUA_ENGINE);
    /* As conn_gc: only a direct call can find a method running. */
    if (e->busy)
        return luaL_error(L, "tls: engine is in use (its __gc was called while a method runs)");
    /* No trace calls from a finalizer. */
    tls_lua_trace_release(&e->trace, L);
    if (e->tls) {
        /* With the trace released, the engine calls no Lua: the warning is
         * lua_warning alone, which a finalizer may call (it never raises). */
        tls_lua_warn_unread_early(L, e->tls, "e:read_early(); the engine was dropped without e:close()");
        tls_conn_free(e->tls);
        e->tls = NULL;
    }
    return 0;
}

static int engine_close_variable(lua_State *L)
{
    lua_engine *e = luaL_checkudata(L, 1, TLS_LUA_ENGINE);
    if (e->tls && tls_conn_in_callback(e->tls))
        return luaL_error(L, "tls.engine: cannot be closed from its own callbacks (trace, verify, servername, alpn, ocsp, client_certificate, keylog, session_store)");
    /* Say, a finalizer closing a coroutine that holds the engine in a
     * to-be-closed variable while a method of it runs. */
    if (e->busy)
        return luaL_error(L, "tls: engine is in use (re-entered from a finalizer or callback)");
    return engine_gc(L);
}

static int engine_tostring(lua_State *L)
{
    lua_engine *e = luaL_checkudata(L, 1, TLS_LUA_ENGINE);
    lua_pushfstring(L, "tls.engine: %p", (void *)e);
    return 1;
}

void tls_lua_engine_register(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"start", engine_start},   {"feed", engine_feed},     {"output", engine_output},
        {"write", engine_write},   {"read", engine_read},     {"close", engine_close},
        {"status", engine_status}, {"error", engine_error},   {"info", engine_info},
        {"keyupdate", engine_keyupdate}, {"export", engine_export},
        {"finished", engine_finished},
        {"peercertificate", engine_peercertificate}, {"peerchain", engine_peerchain},
        {"verifiedchain", engine_verifiedchain},
        {"session", engine_session}, {"want", engine_want},
        {"write_early", engine_write_early}, {"read_early", engine_read_early},
        {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__gc", engine_gc},
        {"__close", engine_close_variable},
        {"__tostring", engine_tostring},
        {NULL, NULL},
    };
    luaL_newmetatable(L, TLS_LUA_ENGINE);
    luaL_setfuncs(L, meta, 0);
    tls_lua_seal_metatable(L);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}
