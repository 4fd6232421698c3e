/* The keylog hook: hands each NSS key log line to the context's Lua
 * function (keylog = function(line) end).
 *
 * A key log only watches: an error in the function must not change the
 * handshake, so it is reported through Lua's warning system (shown with
 * `lua -W` or after warn("@on")) and otherwise ignored. The function runs
 * under lua_pcall, so neither a Lua error nor a memory error unwinds
 * through the engine. */
#include "lua/lua_tls.h"

/* Runs under lua_pcall: arguments (function, line as a light userdata). */
static int call_keylog(lua_State *L)
{
    const char *line = lua_touserdata(L, 2);
    lua_settop(L, 1);
    lua_pushstring(L, line);
    lua_call(L, 1, 0);
    return 0;
}

void tls_lua_keylog_bridge(void *ud, const char *line)
{
    tls_lua_trace *t = ud;
    if (!tls_lua_hook_push(t, TLS_LUA_SLOT_KEYLOG))
        return;
    lua_State *L = t->L;
    lua_pushcfunction(L, call_keylog);
    lua_insert(L, -2);
    lua_pushlightuserdata(L, (void *)line);
    if (tls_lua_pcall(L, 2, 0) != LUA_OK) {
        lua_warning(L, "tls: keylog function failed (the line is lost): ", 1);
        lua_warning(L, tls_lua_error_text(L, -1), 0);
        lua_pop(L, 1);
    }
}
