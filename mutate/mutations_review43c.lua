-- Session 43: misuse of the Lua API (review43c). Same form as mutate/mutations.lua.
return {
  -- F1: require_ems taken, and doing nothing, when 'ciphers' leaves no TLS 1.2.
  { name = "review43c_require_ems_no12_taken", file = "lua/tls.lua",
    from = "if no12 and o.require_ems ~= nil then",
    to = "if false and o.require_ems ~= nil then",
    specs = { { "spec/review43c_spec.lua", "is refused on a client, true or false" } } },
  -- F2: keyupdate's request_peer read as any truthy value again (the helper).
  { name = "review43c_keyupdate_flag_any_value", file = "csrc/lua/lua_tls.c",
    from = "    luaL_checktype(L, arg, LUA_TBOOLEAN);\n    return lua_toboolean(L, arg);",
    to = "    return lua_toboolean(L, arg);",
    specs = { { "spec/review43c_spec.lua", "on an engine, refuses what is not a boolean" } } },
  -- F2: the connection's keyupdate alone back on lua_toboolean.
  { name = "review43c_conn_keyupdate_toboolean", file = "csrc/lua/lua_conn.c",
    from = "int request_peer = tls_lua_opt_flag(L, 2);",
    to = "int request_peer = lua_toboolean(L, 2);",
    specs = { { "spec/review43c_spec.lua", "on a connection, refuses what is not a boolean" } } },
  -- F3: two header names differing in case, one dropped in silence again.
  { name = "review43c_https_header_case_twice", file = "lua/tls/https.lua",
    from = "    if other then\n      local a, b",
    to = "    if false then\n      local a, b",
    specs = { { "spec/review43c_spec.lua", "are refused before anything is sent" } } },
  -- F4: a count given to e:read ignored again.
  { name = "review43c_engine_read_count_ignored", file = "csrc/lua/lua_engine.c",
    from = "    if (!lua_isnoneornil(L, 2))\n        luaL_error(L, \"tls.engine: e:%s() takes no argument",
    to = "    if (0)\n        luaL_error(L, \"tls.engine: e:%s() takes no argument",
    specs = { { "spec/review43c_spec.lua", "is refused, and the bytes stay for the next call" } } },
}
