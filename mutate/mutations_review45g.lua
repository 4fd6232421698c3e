-- Review 45g: misuse of our own Lua API.
local S = "spec/review45g_spec.lua"
return {
  { name = "review45g_session_after_gc_quiet", file = "csrc/lua/lua_conn.c",
    from = [[    check_not_collected(L, c);
    return tls_lua_push_session(L, c->tls);]], to = [[    return tls_lua_push_session(L, c->tls);]],
    specs = { { S, "session() raises" } } },
  { name = "review45g_finished_after_gc_quiet", file = "csrc/lua/lua_conn.c",
    from = [[    check_not_collected(L, c);
    return tls_lua_finished(L, c->tls);]], to = [[    return tls_lua_finished(L, c->tls);]],
    specs = { { S, "finished() raises" } } },
}
