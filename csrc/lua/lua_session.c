/* Sessions between Lua and the engine: conn:session() / e:session() give
 * the latest as text, the `session` option of connect, wrap and engine
 * offers one. */
#include <string.h>

#include "lua/lua_tls.h"

int tls_lua_push_session(lua_State *L, const tls_conn *c)
{
    tls_buf *text = tls_lua_buf_new(L);
    if (c != NULL && tls_conn_get_session(c, text) == 1 && tls_buf_ok(text)) {
        tls_lua_buf_push(L, -1, text);
    } else {
        tls_buf_free(text);
        lua_pop(L, 1);
        lua_pushnil(L);
    }
    return 1;
}

int tls_lua_offer_session(lua_State *L, tls_conn *c, int idx)
{
    if (lua_isnoneornil(L, idx))
        return 0;
    size_t len;
    const char *text = luaL_checklstring(L, idx, &len);
    char why[256];
    if (tls_conn_set_session(c, text, len, why, sizeof why) == 0)
        return 0;
    lua_pushnil(L);
    lua_pushfstring(L, "option 'session': %s", why);
    return -1;
}
