-- Mutations for the lead's session 25 work (spec/lead25_spec.lua: the
-- ServerHello taken back; spec/lua_oom_spec.lua: the Lua binding under
-- allocation failure). Same form as mutate/mutations.lua.
local L = "spec/lead25_spec.lua"
local LO = "spec/lua_oom_spec.lua"

return {
  -- the ServerHello (and CCS) go out before a plaintext alert again
  { name = "lead25_server_hello_kept", file = "csrc/engine/tls_engine.c",
    from = [[    if (c->sh_out_marked && !c->wr_protected && c->sh_out_mark <= c->out.len) {]],
    to = [[    if (c->sh_out_marked && !c->wr_protected && c->sh_out_mark <= c->out.len && 0) {]],
    specs = { { L, "answers our client with a plaintext internal_error alone" } } },
  -- the mark set after the ServerHello: only the CCS is taken back
  { name = "lead25_mark_after_server_hello", file = "csrc/hs/tls13_server.c",
    from = [[            c->sh_out_mark = c->out.len;
            c->sh_out_marked = 1;
            rc = tls_hs_send(c, &msg);]],
    to = [[            rc = tls_hs_send(c, &msg);
            (void)tls_record_flush_handshake(c);
            c->sh_out_mark = c->out.len;
            c->sh_out_marked = 1;]],
    specs = { { L, "answers our client with a plaintext internal_error alone" } } },
  -- the session text pushed from a plain C buffer: leaked when Lua runs out of memory
  { name = "lead25_session_text_unboxed", file = "csrc/lua/lua_session.c",
    from = [[    tls_buf *text = tls_lua_buf_new(L);
    if (c != NULL && tls_conn_get_session(c, text) == 1 && tls_buf_ok(text)) {
        tls_lua_buf_push(L, -1, text);
    } else {]],
    to = [[    tls_buf *text = tls_lua_buf_new(L);
    tls_buf plain;
    tls_buf_init(&plain);
    if (c != NULL && tls_conn_get_session(c, &plain) == 1 && tls_buf_ok(&plain)) {
        lua_pop(L, 1);
        lua_pushlstring(L, (const char *)plain.data, plain.len);
        tls_buf_free(&plain);
    } else {]],
    specs = { { LO, "TLS 1.3" } } },
  -- no CallInfo made before the flag: a __close Lua cannot call leaves the
  -- engine "in use" for ever, and its __gc refuses to free it
  { name = "lead25_guard_close_unreserved", file = "csrc/lua/lua_tls.c",
    from = [[    if (!lua_checkstack(L, GUARD_CLOSE_ROOM))
        /* lua_checkstack cannot tell the two apart (luaL_checkstack would
         * say "stack overflow" when memory ran out). */
        luaL_error(L, "tls: no stack room for this call: not enough memory, or a stack overflow");
    lua_pushcfunction(L, reserve_call);
    lua_call(L, 0, 0);]],
    to = [[    (void)reserve_call;]],
    specs = { { LO, "TLS 1.2" } } },
  -- rfc8446#4.2.7: a hello of obsolete groups only gets handshake_failure again
  { name = "lead25_obsolete_groups_unchecked", file = "csrc/hs/tls13_server.c",
    from = [[    uint16_t obsolete = only_obsolete_groups(ch);]],
    to = [[    uint16_t obsolete = only_obsolete_groups(ch) & 0;]],
    specs = { { L, "refuses a TLS 1.3 hello offering only obsolete groups" } } },
  -- one obsolete group is enough: a list with an unknown group beside it refused too
  { name = "lead25_obsolete_groups_any", file = "csrc/hs/tls13_server.c",
    from = [[        if (!obsolete)
            return 0;]],
    to = [[        if (!obsolete)
            continue;]],
    specs = { { L, "keeps handshake_failure for unknown groups" } } },
  -- Lua's memory error taken for a sign that the object is no socket
  { name = "lead25_wrap_memory_error_as_no_socket", file = "lua/tls.lua",
    from = [[  if not ok and fd == "not enough memory" then error(fd, 0) end]],
    to = [[  if not ok and fd == "not enough memory" and false then error(fd, 0) end]],
    specs = { { "spec/lead44_spec.lua", "not a complaint about the socket" }, { LO, "sockets" } } },
}
