/* What the files of the Lua binding share: the context object, the trace
 * bridge, the info table, and each object's registration. */
#ifndef LUA_TLS_H
#define LUA_TLS_H

#include <lua.h>
#include <lauxlib.h>

#include "tls_config.h"
#include "tls_engine.h"

#define TLS_LUA_CONTEXT "tls.context"
#define TLS_LUA_CONN "tls.conn"
#define TLS_LUA_SERVER "tls.server"
#define TLS_LUA_ENGINE "tls.engine"

/* ---- Context (lua_context.c) -------------------------------------------- */
/* The uservalue of a context holds its trace function (or nil). */
tls_config *tls_lua_check_context(lua_State *L, int idx);
int tls_lua_context_new(lua_State *L);
void tls_lua_context_register(lua_State *L);

/* ---- Trace bridge (lua_trace.c) ------------------------------------------ */
/* Calls the Lua trace function for every engine trace event. The engine
 * calls back only from inside tls_conn_* calls, and those happen only inside
 * a method call on the Lua object; L is that call's state (possibly a
 * coroutine), stored for the duration of the call. */
typedef struct tls_lua_trace {
    lua_State *L;
    int ref; /* registry reference to the function, or LUA_NOREF */
} tls_lua_trace;

/* Takes the trace function of the context at ctx_index (if any) and hooks
 * it to c. */
void tls_lua_trace_init(tls_lua_trace *t, lua_State *L, int ctx_index, tls_conn *c);
void tls_lua_trace_release(tls_lua_trace *t, lua_State *L);

/* ---- What was negotiated (lua_info.c) ------------------------------------ */
/* Pushes the table of conn:info() / e:info(). */
void tls_lua_push_info(lua_State *L, const tls_conn *c);
/* Pushes the message for an engine failure ("" if none recorded). */
const char *tls_lua_failure_reason(const tls_conn *c);

/* ---- Objects --------------------------------------------------------------- */
void tls_lua_conn_register(lua_State *L);
/* core.connect(host, port, ctx, servername, timeout) -> conn | nil, msg */
int tls_lua_connect(lua_State *L);
/* core.wrap(fd, ctx, servername, socket, timeout) -> conn | nil, msg */
int tls_lua_wrap(lua_State *L);
/* Pushes a connection over fd (handshake not started) built from the
 * context at ctx_index; the connection owns fd when owns_fd is set (it is
 * closed with the connection, also on failure). On failure returns NULL
 * with nil, message pushed. */
typedef struct lua_conn lua_conn;
lua_conn *tls_lua_conn_push(lua_State *L, int ctx_index, int fd, int owns_fd, double timeout,
                            const char *servername);
/* Server side: the client has this many seconds from now to finish its
 * handshake; after that the connection fails and its socket is closed. */
void tls_lua_conn_limit_handshake(lua_conn *c, double seconds);

void tls_lua_server_register(lua_State *L);
/* core.listen(host, port, ctx, backlog, timeout, handshake_timeout) -> server | nil, msg */
int tls_lua_listen(lua_State *L);

void tls_lua_engine_register(lua_State *L);
/* core.engine(ctx, servername) -> engine | nil, msg */
int tls_lua_engine_new(lua_State *L);

#endif
