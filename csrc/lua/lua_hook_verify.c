/* The verify hook's bridge: the context's `verify` function is called once
 * per handshake as fn(chain, ok, reason, path), with the peer's chain as
 * certificate objects, libcrypto's verdict and, when it verified, the path
 * it verified (leaf to trust anchor; nil otherwise). Only `true` accepts;
 * false/nil (optionally with a reason), any other value, or an error
 * rejects. */
#include <stdio.h>
#include <string.h>

#include "lua/lua_cert.h"
#include "lua/lua_tls.h"

/* Runs under lua_pcall: (fn, chain as light userdata, ok, reason as light
 * userdata or NULL, path as light userdata or NULL). The chain, the reason
 * and the path become Lua values here, under the protection: an allocation
 * failure is then an error of the pcall, not a longjmp out of the engine. */
static int call_verify(lua_State *L)
{
    STACK_OF(X509) *chain = lua_touserdata(L, 2);
    const char *reason = lua_touserdata(L, 4);
    STACK_OF(X509) *path = lua_touserdata(L, 5);
    tls_lua_push_chain(L, chain);
    lua_replace(L, 2);
    if (reason != NULL)
        lua_pushstring(L, reason);
    else
        lua_pushnil(L);
    lua_replace(L, 4);
    if (path != NULL)
        tls_lua_push_chain(L, path);
    else
        lua_pushnil(L);
    lua_replace(L, 5);
    lua_call(L, 4, 2);
    return 2;
}

/* The reason a value other than true gives, for the message. */
static void rejection(lua_State *L, char *why, size_t why_size)
{
    int result = lua_type(L, -2);
    if (lua_type(L, -1) == LUA_TSTRING) {
        tls_text_cut(why, why_size, "%s", lua_tostring(L, -1));
    } else if (result == LUA_TNIL || (result == LUA_TBOOLEAN && !lua_toboolean(L, -2))) {
        snprintf(why, why_size, "it returned %s", result == LUA_TNIL ? "nil" : "false");
    } else {
        snprintf(why, why_size, "it returned a %s, not true", luaL_typename(L, -2));
    }
}

int tls_lua_verify_bridge(void *ud, STACK_OF(X509) *chain, STACK_OF(X509) *path, int ok, const char *reason,
                          char *why, size_t why_size)
{
    tls_lua_trace *t = ud;
    lua_State *L = t->L;
    if (L == NULL || !lua_checkstack(L, 8)) {
        snprintf(why, why_size, "the verify function cannot be called (no Lua stack)");
        return 0;
    }
    lua_pushcfunction(L, call_verify);
    if (!tls_lua_hook_push(t, TLS_LUA_SLOT_VERIFY)) {
        lua_pop(L, 1);
        snprintf(why, why_size, "the verify function is gone");
        return 0;
    }
    lua_pushlightuserdata(L, chain);
    lua_pushboolean(L, ok);
    lua_pushlightuserdata(L, (void *)reason);
    lua_pushlightuserdata(L, path);
    if (tls_lua_pcall(L, 5, 2) != LUA_OK) {
        tls_text_cut(why, why_size, "%s", tls_lua_error_text(L, -1));
        lua_pop(L, 1);
        return 0;
    }
    int accept = lua_type(L, -2) == LUA_TBOOLEAN && lua_toboolean(L, -2);
    if (!accept)
        rejection(L, why, why_size);
    lua_pop(L, 2);
    return accept;
}
