/* The session store hooks: the context's session_store table, whose
 * functions may do I/O (a Redis round trip) from inside the handshake.
 *
 * The store only ever makes resumption possible: whatever goes wrong in
 * it (an error raised, a connection refused, a wrong type returned) is a
 * Lua warning and the engine sees "not found", so a full handshake follows.
 * Every call runs under lua_pcall: nothing unwinds through the engine. */
#include <string.h>

#include "lua/lua_tls.h"

/* One call to the store: its function's name and the arguments. */
typedef struct store_call {
    const char *name;
    const uint8_t *id;
    size_t id_len;
    int nargs;           /* 1 (id), or 3 for put (id, blob, ttl) */
    const uint8_t *blob;
    size_t blob_len;
    uint32_t ttl_s;
} store_call;

/* Run under lua_pcall (1: the store_call, 2: the store table): looking the
 * function up may run an __index that raises, and making the arguments may
 * run out of memory; either is the store's failure, and nothing unwinds
 * through the engine (which would leave it inside a callback, and its
 * thread's kept HMAC contexts in a scope nobody leaves). Returns false, or
 * true and the function's result. */
static int call_protected(lua_State *L)
{
    const store_call *sc = lua_touserdata(L, 1);
    if (lua_getfield(L, 2, sc->name) != LUA_TFUNCTION) {
        lua_pushboolean(L, 0);
        return 1;
    }
    lua_pushlstring(L, (const char *)sc->id, sc->id_len);
    if (sc->nargs == 3) {
        lua_pushlstring(L, (const char *)sc->blob, sc->blob_len);
        lua_pushinteger(L, (lua_Integer)sc->ttl_s);
    }
    lua_call(L, sc->nargs, 1);
    lua_pushboolean(L, 1);
    lua_insert(L, -2);
    return 2;
}

static void warn_failure(lua_State *L, const char *what, const char *consequence);

/* Calls the store's function sc->name: 1 with its result at -1; 0 when
 * there is no store or no such function (nothing pushed); -1 after it
 * failed (warned, with the consequence). Nothing before lua_pcall can
 * raise. */
static int call_store(tls_lua_trace *t, store_call *sc, const char *consequence)
{
    lua_State *L = t->L;
    if (!L || !t->has_context || !lua_checkstack(L, 8))
        return 0;
    lua_pushcfunction(L, call_protected);
    lua_pushlightuserdata(L, sc);
    if (!tls_lua_hook_push(t, TLS_LUA_SLOT_STORE)) {
        lua_pop(L, 2);
        return 0;
    }
    if (tls_lua_pcall(L, 2, 2) != LUA_OK) {
        warn_failure(L, sc->name, consequence);
        return -1;
    }
    if (!lua_toboolean(L, -2)) {
        lua_pop(L, 2);
        return 0;
    }
    lua_remove(L, -2);
    return 1;
}

/* A stored blob is one sealed session (tls_ticket_seal of
 * tls_session_encode): a few KiB with a peer certificate. Anything much
 * larger is not ours, and must not make the handshake allocate it. */
#define STORE_MAX_BLOB (128 * 1024)

/* Warns "tls: session store <what> failed (<consequence>): <message at -1>"
 * and pops the message. */
static void warn_failure(lua_State *L, const char *what, const char *consequence)
{
    const char *msg = tls_lua_error_text(L, -1);
    lua_warning(L, "tls: session store ", 1);
    lua_warning(L, what, 1);
    lua_warning(L, " failed (", 1);
    lua_warning(L, consequence, 1);
    lua_warning(L, "): ", 1);
    lua_warning(L, msg, 0);
    lua_pop(L, 1);
}

/* Replaces the value at -1 by a message saying what the store returned. */
static void wrong_answer(lua_State *L, const char *fn, const char *expected)
{
    const char *type = luaL_typename(L, -1);
    lua_pushfstring(L, "%s returned %s %s, not %s", fn, strcmp(type, "integer") == 0 ? "an" : "a", type,
                    expected);
    lua_remove(L, -2);
}

int tls_lua_store_get_bridge(void *ud, const uint8_t *id, size_t id_len, tls_buf *out)
{
    tls_lua_trace *t = ud;
    store_call sc = { "get", id, id_len, 1, NULL, 0, 0 };
    if (call_store(t, &sc, "treated as a miss") <= 0)
        return 0;
    lua_State *L = t->L;
    int found = 0, type = lua_type(L, -1);
    if (type == LUA_TSTRING) {
        size_t len;
        const char *blob = lua_tolstring(L, -1, &len);
        if (len > STORE_MAX_BLOB) {
            lua_pushfstring(L, "get returned %d bytes, more than a sealed session can be", (int)len);
            lua_remove(L, -2);
            warn_failure(L, "get", "treated as a miss");
            return 0;
        }
        tls_buf_bytes(out, blob, len);
        found = tls_buf_ok(out);
    } else if (type != LUA_TNIL && !(type == LUA_TBOOLEAN && !lua_toboolean(L, -1))) {
        /* nil (or false) is the one way to say "not found" */
        wrong_answer(L, "get", "the stored string or nil");
        warn_failure(L, "get", "treated as a miss");
        return 0;
    }
    lua_pop(L, 1);
    return found;
}

void tls_lua_store_put_bridge(void *ud, const uint8_t *id, size_t id_len, const uint8_t *blob, size_t len,
                              uint32_t ttl_s)
{
    tls_lua_trace *t = ud;
    store_call sc = { "put", id, id_len, 3, blob, len, ttl_s };
    if (call_store(t, &sc, "treated as a miss") > 0)
        lua_pop(t->L, 1);
}

/* Anti-replay of 0-RTT rests on this answer: only true (or Redis's DEL
 * count 1) says "it was there and is gone now". Lua's truth would count 0
 * (DEL of a missing key) and "OK" as deleted, and so accept a replay. */
int tls_lua_store_delete_bridge(void *ud, const uint8_t *id, size_t id_len)
{
    tls_lua_trace *t = ud;
    store_call sc = { "delete", id, id_len, 1, NULL, 0, 0 };
    if (call_store(t, &sc, "treated as not deleted") <= 0)
        return -1;
    lua_State *L = t->L;
    int deleted;
    if (lua_isboolean(L, -1) || lua_isnil(L, -1)) {
        deleted = lua_toboolean(L, -1);
    } else if (lua_isinteger(L, -1) && (lua_tointeger(L, -1) == 0 || lua_tointeger(L, -1) == 1)) {
        deleted = lua_tointeger(L, -1) == 1;
    } else {
        wrong_answer(L, "delete", "true, false or nil");
        warn_failure(L, "delete", "treated as not deleted");
        return -1;
    }
    lua_pop(L, 1);
    return deleted ? 1 : 0;
}
