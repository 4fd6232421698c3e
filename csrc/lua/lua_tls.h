/* What the files of the Lua binding share: the context object, the trace
 * bridge, the info table, and each object's registration. */
#ifndef LUA_TLS_H
#define LUA_TLS_H

#include <lua.h>
#include <lauxlib.h>

#include "pki/tls_config.h"
#include "engine/tls_engine.h"

#define TLS_LUA_CONTEXT "tls.context"
#define TLS_LUA_CONN "tls.conn"
#define TLS_LUA_SERVER "tls.server"
#define TLS_LUA_ENGINE "tls.engine"

/* Sets __metatable = false on the metatable at the top of the stack, so
 * that getmetatable(obj) from Lua gives false, not the shared table whose
 * __index (the methods of every object of the kind) and __gc could then be
 * rewritten by any code in the process. The C side (luaL_checkudata,
 * luaL_getmetafield) and the debug library are not affected. */
void tls_lua_seal_metatable(lua_State *L);
/* Pushes the registry's table at `key` (a static's address), making it
 * first with weak keys or values as `mode` ("k" or "v") says. */
void tls_lua_weak_table(lua_State *L, const void *key, const char *mode);

/* ---- Context (lua_context.c) -------------------------------------------- */
/* A context's uservalues hold its Lua functions (or nil), one slot each:
 * ctx:set_trace(fn) sets TRACE, ctx:set_hook(name, fn) the others. */
enum {
    TLS_LUA_SLOT_TRACE = 1,
    TLS_LUA_SLOT_VERIFY,       /* "verify" */
    TLS_LUA_SLOT_CLIENT_CERT,  /* "client_certificate" */
    TLS_LUA_SLOT_SERVERNAME,   /* "servername" */
    TLS_LUA_SLOT_ALPN,         /* "alpn" */
    TLS_LUA_SLOT_OCSP,         /* "ocsp" */
    TLS_LUA_SLOT_KEYLOG,       /* "keylog" */
    TLS_LUA_SLOT_STORE,        /* session_store: a table {get=, put=, delete=} */
    TLS_LUA_CTX_SLOTS = TLS_LUA_SLOT_STORE
};
tls_config *tls_lua_check_context(lua_State *L, int idx);
int tls_lua_context_new(lua_State *L);
void tls_lua_context_register(lua_State *L);
void tls_lua_push_context_methods(lua_State *L);

/* ---- Callback bridge (lua_trace.c) --------------------------------------- */
/* Calls the context's Lua functions from the engine: the trace function for
 * every trace event, and the hooks (tls_hooks) the context has functions
 * for. The engine calls back only from inside tls_conn_* calls, and those
 * happen only inside a method call on the Lua object; L is that call's state
 * (possibly a coroutine), stored for the duration of the call. */
typedef struct tls_lua_trace {
    lua_State *L;
    int has_trace;   /* the anchors hold the trace function */
    int has_context; /* the anchors hold the context object (for its hook
                        functions): only when it has some */
    tls_hooks hooks; /* the bridges for the slots that hold a function */
    int of_engine;   /* an engine's: no socket, so no strict_close (see
                        lua_hook_sni.c) */
} tls_lua_trace;

/* The trace function and context a connection or engine calls back are kept
 * in a table held by the object itself (its TLS_LUA_ANCHOR_SLOT), never in
 * the registry: a callback that refers to its own connection (a verify
 * function mentioning conn) then makes a cycle the collector can free. The
 * bridges, which only have t, find that table through a weak-valued
 * registry table keyed by t. Called right after the object's
 * lua_newuserdatauv (at owner_index); it may raise (memory). */
void tls_lua_trace_new(tls_lua_trace *t, lua_State *L, int owner_index);
/* Takes the trace function and hook functions of the context at ctx_index
 * (if any) and hooks them to c. */
void tls_lua_trace_init(tls_lua_trace *t, lua_State *L, int ctx_index, tls_conn *c);
void tls_lua_trace_release(tls_lua_trace *t, lua_State *L);
/* At the start of a method that drives the object at owner_index: puts its
 * entry back in the weak table when the collector took it out. Lua clears
 * weak values reachable only from objects about to be finalized before any
 * finalizer runs, so a connection used from another object's __gc (or
 * brought back by one) would otherwise find none of its functions. May
 * raise (memory), as a method's entry may. */
void tls_lua_trace_reanchor(tls_lua_trace *t, lua_State *L, int owner_index);
/* Pushes the context the hooks use and returns 1, or pushes nothing and
 * returns 0 (no L, none kept, or no stack room). Never raises. */
int tls_lua_push_context(tls_lua_trace *t);
/* Makes the context at ctx_index the one the hooks use (a servername
 * function's choice). The object already keeps a context, so this
 * replaces a table entry: no allocation, never raises. */
void tls_lua_keep_context(tls_lua_trace *t, lua_State *L, int ctx_index);
/* Sets t->hooks to the bridges of the functions the context at ctx_index
 * holds (and only those): at creation, and again when a servername
 * function switches the connection to another context, whose functions
 * then apply (all of them, not only the kinds the first context had). */
void tls_lua_hooks_fill(tls_lua_trace *t, lua_State *L, int ctx_index);
/* For a hook bridge (t is its ud): pushes the function (the table for
 * TLS_LUA_SLOT_STORE) the context had in slot when the object was made or
 * switched to it, and returns 1; or pushes nothing and returns 0 (no L, no
 * function, or no stack room). Call it, under lua_pcall, on t->L. */
int tls_lua_hook_push(tls_lua_trace *t, int slot);
/* The text of the error object at idx after a failed lua_pcall, without
 * allocating (the bridges read it outside any protection): a string as it
 * is, a number as Lua writes it, anything else (error({}), error(nil)) a
 * fixed text naming its type. lua_tostring would turn a number into a
 * string in place. */
const char *tls_lua_error_text(lua_State *L, int idx);
/* lua_pcall for the bridges: the function and its nargs arguments on top;
 * an error object with __tostring is left as its text (error objects
 * built by libraries: tls_lua_error_text cannot call Lua). */
int tls_lua_pcall(lua_State *L, int nargs, int nresults);
/* The bridges (csrc/lua/lua_hook_<part>.c), each a tls_hooks member. */
int tls_lua_ocsp_bridge(void *ud, X509 *leaf, const char *server_name, tls_buf *out, char *why, size_t why_size);

/* ---- Hook bridges (one file each: lua_hook_<part>.c), for tls_hooks ------- */
/* servername and alpn functions (lua_hook_sni.c). */
/* tls_hooks.servername: calls fn(name or nil); a server context returned
 * switches the connection to it (its functions apply from then on), nil
 * keeps the context, false refuses the name. */
int tls_lua_servername_bridge(void *ud, const char *name, tls_config **cfg, char *why, size_t why_size);
/* tls_hooks.alpn_select: calls fn(protocols) with the client's list; a
 * string chooses (one of the client's), nil answers without ALPN, false
 * refuses (no_application_protocol). */
int tls_lua_alpn_bridge(void *ud, const uint8_t *list, size_t len, const uint8_t **chosen, size_t *chosen_len,
                        char *why, size_t why_size);
/* tls_hooks.client_certificate: the context's client_certificate function. */
int tls_lua_client_cert_bridge(void *ud, const tls_cert_request *req, char *why, size_t why_size);
/* keylog: calls the context's function with the line; errors are warnings. */
void tls_lua_keylog_bridge(void *ud, const char *line);
/* The session store (lua_hook_store.c): the context's session_store table's
 * get(id), put(id, blob, ttl) and delete(id), ids and blobs as strings.
 * A store that raises or answers nonsense is a warning and counts as
 * "not found" / "not deleted". */
int tls_lua_store_get_bridge(void *ud, const uint8_t *id, size_t id_len, tls_buf *out);
void tls_lua_store_put_bridge(void *ud, const uint8_t *id, size_t id_len, const uint8_t *blob, size_t len,
                              uint32_t ttl_s);
int tls_lua_store_delete_bridge(void *ud, const uint8_t *id, size_t id_len);
/* Adds the ticketkey*_ functions of lua_ticketkeys.c to the table on top
 * (tls.core). */
void tls_lua_ticketkeys_add(lua_State *L);
/* Brings every context's ticket keys up to date (a replaced key file,
 * automatic rotation) by calling the function core.ticketkeys_on_accept
 * was given (tls.ticketkeys.refresh); errors are warnings. server:accept()
 * calls it for each connection, inside its re-entry guard. */
void tls_lua_ticketkeys_refresh(lua_State *L);

/* ---- Exporter (lua_export.c) ----------------------------------------------- */
/* Raises unless the arguments at arg.. are (label string, context string or
 * nil, length integer). */
void tls_lua_export_check_args(lua_State *L, int arg);
/* Pushes the exported bytes, or nil and a message; returns the count. */
int tls_lua_export(lua_State *L, const tls_conn *c, int arg);
/* conn:finished() and e:finished(): the verify_data of the last Finished
 * sent and of the peer's last verified one, each nil until there is one
 * (and both nil for c NULL; conn:finished() raises before that once the
 * connection was collected). */
int tls_lua_finished(lua_State *L, const tls_conn *c);
/* tls_hooks.verify for the context's `verify` function (lua_hook_verify.c). */
int tls_lua_verify_bridge(void *ud, STACK_OF(X509) *chain, STACK_OF(X509) *path, int ok, const char *reason,
                          char *why, size_t why_size);

/* ---- Re-entry guard (lua_tls.c) ------------------------------------------ */
/* A finalizer can run inside any allocation a method makes (a luaL_Buffer
 * growing, a string pushed), and a trace function runs inside the engine;
 * either may call a method of the object already in use, whose buffers the
 * running method still points into. Every method that drives an object
 * therefore marks it busy, and a nested call raises instead of running.
 *
 * The flag is cleared by a to-be-closed guard, so that it is also cleared
 * when the method raises. Each object keeps its guard in uservalue slot
 * TLS_LUA_GUARD_SLOT; the guard points at the object's flag. */
#define TLS_LUA_GUARD_SLOT 2
/* A connection's or engine's table of what its hooks call (tls_lua_trace_new);
 * also the number of user values these objects have. */
#define TLS_LUA_ANCHOR_SLOT 3
/* Methods take at most this many arguments; the guard sits above them. */
#define TLS_LUA_METHOD_ARGS 4

/* A tls_buf in a userdata on the stack, wiped and freed by the collector if
 * a Lua allocation raises before the owner frees it: the C code filling it
 * may call Lua (push results, raise) without leaking it. */
tls_buf *tls_lua_buf_new(lua_State *L);
/* Pushes b's bytes as a string, frees (wipes) b and removes its box at idx. */
void tls_lua_buf_push(lua_State *L, int idx, tls_buf *b);

/* Pushes a guard for *flag (to be stored in the object's uservalue). */
void tls_lua_guard_new(lua_State *L, int *flag);
/* For a method on the object at index 1: raises "tls: <what> is in use
 * (re-entered from a finalizer or callback)" if *flag is set; else sets it,
 * sets the stack to TLS_LUA_METHOD_ARGS arguments and pushes the guard as a
 * to-be-closed value, which clears *flag when the method returns or raises. */
void tls_lua_enter(lua_State *L, int *flag, const char *what);

/* ---- Server names (lua_tls.c) --------------------------------------------- */
/* If the value at idx is a string that cannot be a server name (empty, a
 * NUL or control character, ...: tls_server_name_problem), pushes nil and
 * "server name <what is wrong>" and returns -1; else returns 0. */
int tls_lua_check_server_name(lua_State *L, int idx);
/* A word compared with strcmp, or one of luaL_checkoption's words: a string
 * holding a zero byte raises (its C string would end there). */
const char *tls_lua_check_word(lua_State *L, int arg);
int tls_lua_check_option(lua_State *L, int arg, const char *def, const char *const list[]);
/* An optional flag: nil (or none) is false, a boolean is itself, anything
 * else raises. lua_toboolean took "false", 0 or "no" as true. */
int tls_lua_opt_flag(lua_State *L, int arg);

/* ---- What was negotiated (lua_info.c) ------------------------------------ */
/* Pushes the table of conn:info() / e:info(). */
void tls_lua_push_info(lua_State *L, const tls_conn *c);
/* conn:peercertificate() (whole_chain 0) and conn:peerchain() (1): the
 * peer's leaf or chain as certificate objects once the handshake is done,
 * else nil. Returns 1 (values pushed). */
int tls_lua_push_peer(lua_State *L, const tls_conn *c, int whole_chain);
/* conn:verifiedchain(): the path libcrypto verified, leaf to trust anchor,
 * as certificate objects; else nil and why. Returns the count pushed. */
int tls_lua_push_verified(lua_State *L, const tls_conn *c);
/* Pushes the message for an engine failure ("" if none recorded). */
const char *tls_lua_failure_reason(const tls_conn *c);
/* A server closing with accepted 0-RTT data it never read: traced by the
 * engine, and a Lua warning naming `how` (the method that reads it). */
void tls_lua_warn_unread_early(lua_State *L, tls_conn *c, const char *how);

/* ---- Sessions (lua_session.c) -------------------------------------------- */
/* Pushes the connection's latest session (text) or nil; returns 1. */
int tls_lua_push_session(lua_State *L, const tls_conn *c);
/* Offers the session text at idx (nil: none) to client c: 0, or -1 with
 * nil, message pushed. */
int tls_lua_offer_session(lua_State *L, tls_conn *c, int idx);
/* Client: the 'early_data' option at idx (nil: none): 0-RTT data when possible
 * (lua_conn.c). Returns the bytes queued as early data (0: none). */
size_t tls_lua_offer_early(lua_State *L, tls_conn *c, int idx);

/* ---- Objects --------------------------------------------------------------- */
void tls_lua_conn_register(lua_State *L);
/* core.connect(host, port, ctx, servername, handshake_timeout, timeout, session) -> conn | nil, msg */
int tls_lua_connect(lua_State *L);
/* settimeout's argument at arg: seconds, or -1 (nil, negative: block);
 * NaN raises. */
double tls_lua_opt_timeout(lua_State *L, int arg);
/* settimeout's optional LuaSocket mode at arg: raises unless "b", "t" or "r". */
void tls_lua_check_timeout_mode(lua_State *L, int arg);
/* core.wrap(fd, ctx, servername, socket, timeout, session) -> conn | nil, msg */
int tls_lua_wrap(lua_State *L);
typedef struct lua_conn lua_conn;
/* Pushes a connection object without a socket or engine yet. It may raise
 * (out of memory) and holds nothing that could leak. */
lua_conn *tls_lua_conn_new(lua_State *L);
/* Gives c its socket (closed with the object from now on when owns_fd is
 * set, whatever happens next), and an engine built from the context at
 * ctx_index, handshake not started. Returns 0, or -1 with nil, message
 * pushed. */
int tls_lua_conn_setup(lua_State *L, lua_conn *c, int ctx_index, int fd, int owns_fd, double timeout);
/* Server side: the client has this many seconds from now to finish its
 * handshake; after that the connection fails and its socket is closed. */
void tls_lua_conn_limit_handshake(lua_conn *c, double seconds);

/* cqueues.cancel(fd) when cqueues is loaded: a descriptor about to be
 * closed or replaced must not stay in a controller's poll set. */
void tls_lua_forget_in_cqueues(lua_State *L, int fd);
/* core.close_holding_fd(conn) and core.release_held_fd(conn): see lua_conn.c. */
int tls_lua_conn_close_holding(lua_State *L);
int tls_lua_conn_release_held(lua_State *L);

void tls_lua_server_register(lua_State *L);
/* The same for a server. */
int tls_lua_server_close_holding(lua_State *L);
int tls_lua_server_release_held(lua_State *L);
/* core.listen(host, port, ctx, backlog, timeout, handshake_timeout) -> server | nil, msg */
int tls_lua_listen(lua_State *L);

void tls_lua_engine_register(lua_State *L);
/* core.engine(ctx, servername, session) -> engine | nil, msg */
int tls_lua_engine_new(lua_State *L);

#endif
