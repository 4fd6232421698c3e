/* The bridge from the engine's ocsp_response hook to a server context's
 * `ocsp = function() return der_or_nil end`: called once per handshake in
 * which the client asked for a stapled OCSP response. */
#include <stdio.h>

#include "lua/lua_tls.h"

/* Runs under lua_pcall: (function) -> its first result. */
static int call_ocsp(lua_State *L)
{
    lua_settop(L, 1);
    lua_call(L, 0, 1);
    return 1;
}

int tls_lua_ocsp_bridge(void *ud, tls_buf *out, char *why, size_t why_size)
{
    tls_lua_trace *t = ud;
    if (!tls_lua_hook_push(t, TLS_LUA_SLOT_OCSP))
        return 0;
    lua_State *L = t->L;
    lua_pushcfunction(L, call_ocsp);
    lua_insert(L, -2);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        snprintf(why, why_size, "ocsp function: %s", msg ? msg : "failed");
        lua_pop(L, 1);
        return -2;
    }
    int rc;
    if (lua_isnil(L, -1) || (lua_isboolean(L, -1) && !lua_toboolean(L, -1))) {
        rc = 0;
    } else if (lua_type(L, -1) == LUA_TSTRING) {
        size_t len;
        const char *der = lua_tolstring(L, -1, &len);
        tls_buf_bytes(out, der, len);
        rc = 1;
    } else {
        snprintf(why, why_size, "ocsp function must return the DER OCSP response (a string) or nil, not a %s",
                 luaL_typename(L, -1));
        rc = -2;
    }
    lua_pop(L, 1);
    return rc;
}
