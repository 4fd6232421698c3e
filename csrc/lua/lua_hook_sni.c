/* The Lua side of a server's servername and alpn functions (tls_hooks
 * servername and alpn_select). Each function runs inside one lua_pcall,
 * together with the conversion of its arguments and results, so that no
 * Lua error or memory error unwinds through the engine. */
#include <stdio.h>
#include <string.h>

#include "lua/lua_tls.h"

/* Under lua_pcall: (function, name or NULL as light userdata). Returns the
 * hook's code (0 keep, 1 switch, -1 refuse) and, for 1, the new context's
 * config (light userdata) and the context object. */
static int call_servername(lua_State *L)
{
    const char *name = lua_touserdata(L, 2);
    lua_settop(L, 1);
    if (name)
        lua_pushstring(L, name);
    else
        lua_pushnil(L);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pushinteger(L, 0);
        return 1;
    }
    if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
        lua_pushinteger(L, -1);
        return 1;
    }
    if (!luaL_testudata(L, -1, TLS_LUA_CONTEXT))
        return luaL_error(L, "it must return a server context (tls.context), nil or false (got %s)",
                          luaL_typename(L, -1));
    tls_config *cfg = tls_lua_check_context(L, -1);
    if (!cfg->is_server)
        return luaL_error(L, "it returned a client context; it must return a server context (mode = \"server\")");
    lua_pushinteger(L, 1);
    lua_pushlightuserdata(L, cfg);
    lua_pushvalue(L, -3);
    return 3;
}

/* The functions of a context the connection switched to apply from now
 * on, every kind of them: a verify function or pins of a per-name context
 * must not be dropped because the listening context had none. The hooks
 * look in the context the object keeps. */
static void switch_context(tls_lua_trace *t, lua_State *L, int ctx_index)
{
    tls_lua_keep_context(t, L, ctx_index);
    tls_lua_hooks_fill(t, L, ctx_index);
}

int tls_lua_servername_bridge(void *ud, const char *name, tls_config **cfg, char *why, size_t why_size)
{
    tls_lua_trace *t = ud;
    lua_State *L = t->L;
    *cfg = NULL;
    /* Fail closed, as the verify bridge does: a function that may refuse
     * names must not be skipped because it cannot be called. */
    if (!L || !lua_checkstack(L, 6)) {
        snprintf(why, why_size, "the servername function cannot be called (no Lua stack)");
        return -2;
    }
    int top = lua_gettop(L);
    lua_pushcfunction(L, call_servername);
    if (!tls_lua_hook_push(t, TLS_LUA_SLOT_SERVERNAME)) {
        lua_settop(L, top);
        snprintf(why, why_size, "the servername function is gone (removed from the context)");
        return -2;
    }
    lua_pushlightuserdata(L, (void *)name);
    if (tls_lua_pcall(L, 2, 3) != LUA_OK) {
        tls_text_cut(why, why_size, "%s", tls_lua_error_text(L, -1));
        lua_settop(L, top);
        return -2;
    }
    int rc = (int)lua_tointeger(L, -3);
    /* As tls.engine refuses such a context: accepted, it would do nothing. */
    if (rc == 1 && t->of_engine && ((tls_config *)lua_touserdata(L, -2))->strict_close) {
        lua_settop(L, top);
        snprintf(why, why_size, "the servername function returned a context with 'strict_close', which would do "
                                "nothing on an engine: it never sees the TCP close");
        return -2;
    }
    if (rc == 1) {
        *cfg = lua_touserdata(L, -2);
        tls_config_ref(*cfg);
        switch_context(t, L, -1);
    }
    lua_settop(L, top);
    return rc;
}

/* Under lua_pcall: (function, list as light userdata, its length). Calls
 * the function with the client's protocols as a list of strings; returns
 * the offset of the chosen name's length byte in the list, -1 for none
 * (nil) or -2 for no_application_protocol (false). */
static int call_alpn(lua_State *L)
{
    const uint8_t *list = lua_touserdata(L, 2);
    size_t len = (size_t)lua_tointeger(L, 3);
    lua_settop(L, 1);
    lua_newtable(L);
    lua_Integer n = 0;
    for (size_t off = 0; off < len; off += 1 + (size_t)list[off]) {
        lua_pushlstring(L, (const char *)list + off + 1, list[off]);
        lua_rawseti(L, -2, ++n);
    }
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pushinteger(L, -1);
        return 1;
    }
    if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
        lua_pushinteger(L, -2);
        return 1;
    }
    if (lua_type(L, -1) != LUA_TSTRING)
        return luaL_error(L, "it must return one of the client's protocols (a string), nil or false (got %s)",
                          luaL_typename(L, -1));
    size_t chosen_len;
    const char *chosen = lua_tolstring(L, -1, &chosen_len);
    for (size_t off = 0; off < len; off += 1 + (size_t)list[off])
        if (list[off] == chosen_len && memcmp(list + off + 1, chosen, chosen_len) == 0) {
            lua_pushinteger(L, (lua_Integer)off);
            return 1;
        }
    return luaL_error(L, "it returned '%s', which the client did not offer", chosen);
}

int tls_lua_alpn_bridge(void *ud, const uint8_t *list, size_t len, const uint8_t **chosen, size_t *chosen_len,
                        char *why, size_t why_size)
{
    tls_lua_trace *t = ud;
    lua_State *L = t->L;
    /* Fail closed (see the servername bridge): an alpn function that
     * refuses must not become "no ALPN" because it cannot be called. */
    if (!L || !lua_checkstack(L, 6)) {
        snprintf(why, why_size, "the alpn function cannot be called (no Lua stack)");
        return -2;
    }
    int top = lua_gettop(L);
    lua_pushcfunction(L, call_alpn);
    if (!tls_lua_hook_push(t, TLS_LUA_SLOT_ALPN)) {
        lua_settop(L, top);
        snprintf(why, why_size, "the alpn function is gone (removed from the context)");
        return -2;
    }
    lua_pushlightuserdata(L, (void *)list);
    lua_pushinteger(L, (lua_Integer)len);
    if (tls_lua_pcall(L, 3, 1) != LUA_OK) {
        tls_text_cut(why, why_size, "%s", tls_lua_error_text(L, -1));
        lua_settop(L, top);
        return -2;
    }
    lua_Integer off = lua_tointeger(L, -1);
    lua_settop(L, top);
    if (off == -1)
        return -1;
    if (off == -2)
        return 0;
    *chosen = list + off + 1;
    *chosen_len = list[off];
    return 1;
}
