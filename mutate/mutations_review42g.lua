-- Session 42: review42g's leftovers. Same form as mutate/mutations.lua.
return {
  -- A chunked body cut short by the server's close gave a bare "closed".
  { name = "review42g_https_chunked_close_bare", file = "lua/tls/https.lua",
    from = "    if not cut_short(err) then return nil, err end",
    to = "    if true then return nil, err end",
    specs = { { "spec/review42g_spec.lua", "says so in a chunk's data" } } },
  -- So did a head cut short after its status line.
  { name = "review42g_https_head_close_bare", file = "lua/tls/https.lua",
    from = "    if not line and cut_short(err) then",
    to = "    if false then",
    specs = { { "spec/review42g_spec.lua", "says so in the head, after the status line" } } },
  -- e:write_early() on a server gave nil, message while read_early() on a client raises.
  { name = "review42g_engine_write_early_server", file = "csrc/lua/lua_engine.c",
    from = "    if (e->is_server)\n        return luaL_error(L, \"tls.engine: write_early() is for a client engine",
    to = "    if (0)\n        return luaL_error(L, \"tls.engine: write_early() is for a client engine",
    specs = { { "spec/review42g_spec.lua", "e:write_early() on a server raises" } } },
  -- A count not counting the prefix: a non-blocking loop passing the same n back would read too much.
  { name = "review42g_receive_count_besides_prefix", file = "csrc/lua/lua_conn.c",
    from = "        count = wanted > prefix_len ? wanted - prefix_len : 0;",
    to = "        count = wanted;",
    specs = { { "spec/review42g_spec.lua", "takes the same n each turn" } } },
}
