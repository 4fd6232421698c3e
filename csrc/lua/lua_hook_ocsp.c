/* The bridge from the engine's ocsp_response hook to a server context's
 * `ocsp = function(cert, server_name) return der_or_nil end`: called once
 * per handshake in which the client asked for a stapled OCSP response, with
 * the certificate chosen (a certificate object) and the client's SNI (nil
 * without one). */
#include <stdio.h>

#include "lua/lua_cert.h"
#include "lua/lua_tls.h"

/* Runs under lua_pcall: (function, leaf and server name as light
 * userdata) -> fn(certificate object, server name)'s first result. Both
 * become Lua values here, inside the pcall: an allocation failure is then
 * an error of the call, never a longjmp out of the engine. */
static int call_ocsp(lua_State *L)
{
    lua_settop(L, 3);
    X509 *leaf = lua_touserdata(L, 2);
    const char *server_name = lua_touserdata(L, 3);
    if (leaf != NULL)
        tls_lua_push_certobj(L, leaf);
    else
        lua_pushnil(L);
    lua_replace(L, 2);
    if (server_name != NULL)
        lua_pushstring(L, server_name);
    else
        lua_pushnil(L);
    lua_replace(L, 3);
    lua_call(L, 2, 1);
    return 1;
}

int tls_lua_ocsp_bridge(void *ud, X509 *leaf, const char *server_name, tls_buf *out, char *why, size_t why_size)
{
    tls_lua_trace *t = ud;
    if (!tls_lua_hook_push(t, TLS_LUA_SLOT_OCSP))
        return 0;
    lua_State *L = t->L;
    if (!lua_checkstack(L, 8)) {
        lua_pop(L, 1);
        snprintf(why, why_size, "ocsp function: no Lua stack");
        return -2;
    }
    lua_pushcfunction(L, call_ocsp);
    lua_insert(L, -2);
    lua_pushlightuserdata(L, leaf);
    lua_pushlightuserdata(L, (void *)server_name);
    if (tls_lua_pcall(L, 3, 1) != LUA_OK) {
        tls_text_cut(why, why_size, "ocsp function: %s", tls_lua_error_text(L, -1));
        lua_pop(L, 1);
        return -2;
    }
    int rc;
    if (lua_isnil(L, -1) || (lua_isboolean(L, -1) && !lua_toboolean(L, -1))) {
        rc = 0;
    } else if (lua_type(L, -1) == LUA_TSTRING && lua_rawlen(L, -1) == 0) {
        /* No OCSPResponse is empty: "" is a mistake of the function (a
         * cache miss written as ""?), said as its other wrong answers are,
         * not quietly taken for nil (review46b). */
        snprintf(why, why_size, "ocsp function returned an empty string, which is no OCSP response "
                                "(return nil to staple nothing)");
        rc = -2;
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
