/* Low-level crypto functions for known-answer tests, exposed to Lua as
 * require("tls.core")._internal. Not part of the public API. */
#ifndef LUA_INTERNAL_H
#define LUA_INTERNAL_H

#include <lua.h>

/* Pushes a new table of the functions; returns 1. */
int tls_lua_push_internal(lua_State *L);

#endif
