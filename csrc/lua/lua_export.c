/* conn:export and e:export: the keying-material exporter (rfc8446#7.5,
 * rfc5705) for Lua, and conn:finished / e:finished (nil, nil, reason over
 * a TLS 1.2 master secret without EMS: rfc7627#5.4). Types are programming
 * mistakes and raise; a refusal
 * (no handshake yet, a reserved label, a length out of range) is
 * nil, message. */
#include <stdio.h>
#include <openssl/crypto.h>

#include "crypto/tls_exporter.h"
#include "lua/lua_tls.h"

void tls_lua_export_check_args(lua_State *L, int arg)
{
    luaL_checktype(L, arg, LUA_TSTRING);
    if (!lua_isnil(L, arg + 1))
        luaL_checktype(L, arg + 1, LUA_TSTRING);
    luaL_checkinteger(L, arg + 2);
}

int tls_lua_export(lua_State *L, const tls_conn *c, int arg)
{
    tls_lua_export_check_args(L, arg);
    size_t label_len, context_len = 0;
    const char *label = lua_tolstring(L, arg, &label_len);
    const char *context = lua_isnil(L, arg + 1) ? NULL : lua_tolstring(L, arg + 1, &context_len);
    lua_Integer n = lua_tointeger(L, arg + 2);
    if (n < 0 || n > TLS_EXPORT_MAX_LEN) {
        lua_pushnil(L);
        lua_pushfstring(L, "exporter length must be from 0 to %d bytes (got %I)", TLS_EXPORT_MAX_LEN, n);
        return 2;
    }
    uint8_t out[TLS_EXPORT_MAX_LEN];
    char why[TLS_REASON_MAX];
    if (tls_conn_export(c, label, label_len, (const uint8_t *)context, context_len, context != NULL, out,
                        (size_t)n, why, sizeof why) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, why);
        return 2;
    }
    /* Should lua_pushlstring raise (out of memory), out is left unwiped:
     * it is what the caller asked for, derived one way from the exporter
     * secret, and the caller's string copy cannot be wiped anyway. */
    lua_pushlstring(L, (const char *)out, (size_t)n);
    OPENSSL_cleanse(out, (size_t)n);
    return 1;
}

int tls_lua_finished(lua_State *L, const tls_conn *c)
{
    const char *refused = c != NULL ? tls_conn_finished_refusal(c) : NULL;
    if (refused != NULL) {
        /* Never a message where a caller reads the peer's verify_data. */
        lua_pushnil(L);
        lua_pushnil(L);
        lua_pushstring(L, refused);
        return 3;
    }
    for (int peer = 0; peer <= 1; peer++) {
        const uint8_t *data = NULL;
        size_t len = c != NULL ? tls_conn_finished(c, peer, &data) : 0;
        if (len == 0)
            lua_pushnil(L);
        else
            lua_pushlstring(L, (const char *)data, len);
    }
    return 2;
}
