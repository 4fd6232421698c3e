/* luaopen_tls_core: the C half of the `tls` module. lua/tls.lua checks the
 * user's options and calls these functions with plain arguments. */
#include <string.h>

#include <openssl/crypto.h>

#include "lua_internal.h"
#include "lua_tls.h"
#include "tls_crypto.h"
#include "tls_x509.h"

#define SELFSIGNED_MAX_NAMES 64

/* core.selfsigned(names, key_type, days) -> cert_pem, key_pem | nil, msg */
static int core_selfsigned(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    const char *key_type = luaL_optstring(L, 2, "ec");
    lua_Integer days = luaL_optinteger(L, 3, 30);
    const char *names[SELFSIGNED_MAX_NAMES];
    lua_Integer n = luaL_len(L, 1);
    luaL_argcheck(L, n > 0 && n <= SELFSIGNED_MAX_NAMES, 1, "between 1 and 64 names expected");
    luaL_argcheck(L, days > 0 && days <= 36500, 3, "days out of range");
    /* The strings stay alive in the table, which stays on the stack. */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 1, i);
        names[i - 1] = lua_tostring(L, -1);
        luaL_argcheck(L, names[i - 1] != NULL, 1, "names must be strings");
        lua_pop(L, 1);
    }
    char *cert = NULL, *key = NULL;
    tls_error err;
    tls_error_clear(&err);
    if (tls_selfsigned(names, (size_t)n, key_type, (int)days, &cert, &key, &err) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err.set ? err.reason : "cannot make a certificate");
        return 2;
    }
    size_t key_len = strlen(key);
    lua_pushstring(L, cert);
    OPENSSL_free(cert);
    lua_pushlstring(L, key, key_len);
    OPENSSL_clear_free(key, key_len);
    return 2;
}

int luaopen_tls_core(lua_State *L);

int luaopen_tls_core(lua_State *L)
{
    if (tls_crypto_init() != 0)
        return luaL_error(L, "tls.core: libcrypto lacks an algorithm TLS 1.3 needs");
    tls_lua_context_register(L);
    tls_lua_conn_register(L);
    tls_lua_server_register(L);
    tls_lua_engine_register(L);
    static const luaL_Reg functions[] = {
        {"context", tls_lua_context_new},
        {"connect", tls_lua_connect},
        {"listen", tls_lua_listen},
        {"wrap", tls_lua_wrap},
        {"engine", tls_lua_engine_new},
        {"selfsigned", core_selfsigned},
        {NULL, NULL},
    };
    luaL_newlib(L, functions);
    tls_lua_push_internal(L);
    lua_setfield(L, -2, "_internal");
    return 1;
}
