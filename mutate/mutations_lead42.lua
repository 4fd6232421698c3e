-- Session 42, the lead: conn:receive(n) straight from the engine's plaintext. Same form as mutate/mutations.lua.
local S = "spec/lead42_spec.lua"
return {
  -- Only a count the engine holds whole goes straight: a shorter one would
  -- end the receive early with fewer bytes than asked.
  { name = "lead42_direct_short_count", file = "csrc/lua/lua_conn.c",
    from = "        if (st == TLS_IO_DONE && avail >= count) {",
    to = "        if (st == TLS_IO_DONE && avail > 0) {\n            if (avail < count) count = avail;",
    specs = { { S, "a count across records" } } },
  -- The bytes handed to Lua are marked read, or they come back again (push_direct, since
  -- review44d the straight way's one step: counted but not marked read).
  { name = "lead42_direct_not_marked_read", file = "csrc/lua/lua_conn.c",
    from = "    lua_pushlstring(L, (const char *)data, keep);\n    consume(c, used);",
    to = "    lua_pushlstring(L, (const char *)data, keep);\n    c->received += (double)used;",
    specs = { { S, "takes whole records" } } },
  -- ... and counted for getstats (the step done by hand, the count forgotten).
  { name = "lead42_direct_not_counted", file = "csrc/lua/lua_conn.c",
    from = "    lua_pushlstring(L, (const char *)data, keep);\n    consume(c, used);",
    to = "    lua_pushlstring(L, (const char *)data, keep);\n    tls_conn_app_data_done(c->tls, used);",
    specs = { { S, "takes whole records" } } },
  -- A prefix goes the buffered way (it is part of the result).
  { name = "lead42_direct_drops_prefix", file = "csrc/lua/lua_conn.c",
    from = "mode == COUNT && prefix_len == 0 && count > 0) {",
    to = "mode == COUNT && count > 0) {",
    specs = { { S, "a count across records" }, { S, "at timeout 0" } } },
}
