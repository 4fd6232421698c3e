/* The session store hooks: the context's session_store table, whose
 * functions may do I/O (a Redis round trip) from inside the handshake.
 *
 * The store only ever makes resumption possible: whatever goes wrong in
 * it (an error raised, a connection refused, a wrong type returned) is a
 * Lua warning and the engine sees "not found", so a full handshake follows.
 * Every call runs under lua_pcall: nothing unwinds through the engine. */
#include <string.h>

#include "lua/lua_tls.h"

/* Pushes the store table's function `name` and returns 1; else 0. */
static int push_store_fn(tls_lua_trace *t, const char *name)
{
    lua_State *L = t->L;
    if (!L || t->ctx_ref == LUA_NOREF || !lua_checkstack(L, 8))
        return 0;
    lua_rawgeti(L, LUA_REGISTRYINDEX, t->ctx_ref);
    if (lua_getiuservalue(L, -1, TLS_LUA_SLOT_STORE) != LUA_TTABLE) {
        lua_pop(L, 2);
        return 0;
    }
    lua_remove(L, -2);
    if (lua_getfield(L, -1, name) != LUA_TFUNCTION) {
        lua_pop(L, 2);
        return 0;
    }
    lua_remove(L, -2);
    return 1;
}

static void warn_failure(lua_State *L, const char *what)
{
    const char *msg = lua_tostring(L, -1);
    lua_warning(L, "tls: session store ", 1);
    lua_warning(L, what, 1);
    lua_warning(L, " failed (treated as a miss): ", 1);
    lua_warning(L, msg ? msg : "(error object is not a string)", 0);
    lua_pop(L, 1);
}

int tls_lua_store_get_bridge(void *ud, const uint8_t *id, size_t id_len, tls_buf *out)
{
    tls_lua_trace *t = ud;
    if (!push_store_fn(t, "get"))
        return 0;
    lua_State *L = t->L;
    lua_pushlstring(L, (const char *)id, id_len);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        warn_failure(L, "get");
        return 0;
    }
    int found = 0;
    if (lua_type(L, -1) == LUA_TSTRING) {
        size_t len;
        const char *blob = lua_tolstring(L, -1, &len);
        tls_buf_bytes(out, blob, len);
        found = tls_buf_ok(out);
    }
    lua_pop(L, 1);
    return found;
}

void tls_lua_store_put_bridge(void *ud, const uint8_t *id, size_t id_len, const uint8_t *blob, size_t len,
                              uint32_t ttl_s)
{
    tls_lua_trace *t = ud;
    if (!push_store_fn(t, "put"))
        return;
    lua_State *L = t->L;
    lua_pushlstring(L, (const char *)id, id_len);
    lua_pushlstring(L, (const char *)blob, len);
    lua_pushinteger(L, (lua_Integer)ttl_s);
    if (lua_pcall(L, 3, 0, 0) != LUA_OK)
        warn_failure(L, "put");
}

int tls_lua_store_delete_bridge(void *ud, const uint8_t *id, size_t id_len)
{
    tls_lua_trace *t = ud;
    if (!push_store_fn(t, "delete"))
        return -1;
    lua_State *L = t->L;
    lua_pushlstring(L, (const char *)id, id_len);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        warn_failure(L, "delete");
        return -1;
    }
    int deleted = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return deleted ? 1 : 0;
}
