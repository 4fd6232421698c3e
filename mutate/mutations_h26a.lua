-- Mutations for session 26's h26a work (spec/h26a_spec.lua: review25c's
-- #8 hook error texts, #11 argument errors with cqueues loaded, #12 an
-- empty servername in the drop-in and tls.https). Same form as
-- mutate/mutations.lua.
local H = "spec/h26a_spec.lua"

return {
  -- client_certificate's own lua_pcall and luaL_tolstring again: a table shown by address
  { name = "h26a_client_cert_own_pcall", file = "csrc/lua/lua_hook_client_cert.c",
    from = [[names the function, as for every hook. */
    lua_call(L, 1, 1);]],
    to = [[names the function, as for every hook. */
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        const char *msg = luaL_tolstring(L, -1, NULL);
        lua_pushfstring(L, "%s", msg);
        return lua_error(L);
    }]],
    specs = { { H, "client_certificate raising a table" } } },
  -- the bridge no longer names the function
  { name = "h26a_client_cert_unnamed", file = "csrc/lua/lua_hook_client_cert.c",
    from = [[tls_text_cut(why, why_size, "client_certificate: %s", tls_lua_error_text(L, -1));]],
    to = [[tls_text_cut(why, why_size, "%s", tls_lua_error_text(L, -1));]],
    specs = { { H, "client_certificate raising a string" } } },
  -- the trace bridge's plain lua_pcall again: no __tostring applied
  { name = "h26a_trace_plain_pcall", file = "csrc/lua/lua_trace.c",
    from = [[    if (tls_lua_pcall(L, 2, 0) == LUA_OK)]],
    to = [[    if (lua_pcall(L, 2, 0, 0) == LUA_OK)]],
    specs = { { H, "trace raising an object with a __tostring reads" } } },
  -- the trace function's error without its name
  { name = "h26a_trace_unnamed", file = "csrc/lua/lua_trace.c",
    from = [[tls_text_cut(reason, reason_size, "trace function: %s", tls_lua_error_text(L, -1));]],
    to = [[tls_text_cut(reason, reason_size, "%s", tls_lua_error_text(L, -1));]],
    specs = { { H, "trace raising a string" } } },
  -- outside a controller the C method called by lua_call, not in the caller's frame
  { name = "h26a_loop_method_not_in_frame", file = "csrc/lua/lua_tls.c",
    from = [[    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return method(L);
    }]],
    to = [[    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_insert(L, 1);
        lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
        return lua_gettop(L);
    }]],
    specs = { { H, "read the same with cqueues loaded, outside a controller" } } },
  -- inside a controller the C method's error passed up as pcall gave it ('?', self counted)
  { name = "h26a_loop_nonblocking_unraised", file = "lua/tls/loop.lua",
    from = [[  if not ok then error(raised((...)), 0) end]],
    to = [[  if not ok then error((...), 0) end]],
    specs = { { H, "read the same inside a cqueues controller" } } },
  -- the same in a call at timeout 0 under a handshake deadline
  { name = "h26a_loop_direct_unraised", file = "lua/tls/loop.lua",
    from = [[  if not r[1] then error(raised(r[2]), 0) end]],
    to = [[  if not r[1] then error(r[2], 0) end]],
    specs = { { H, "read the same inside a cqueues controller" } } },
  -- the argument's number taken without self: one too low once luaL_argerror discounts it
  { name = "h26a_loop_argerror_number", file = "lua/tls/loop.lua",
    from = [[    if n then return setmetatable({ tonumber(n), why }, ARGERR) end]],
    to = [[    if n then return setmetatable({ tonumber(n) - 1, why }, ARGERR) end]],
    specs = { { H, "read the same inside a cqueues controller" } } },
  -- a method's own luaL_error inside a controller without the caller's position again
  { name = "h26a_loop_error_unplaced", file = "lua/tls/loop.lua",
    from = [[    if e:find("^tls: ") then return setmetatable({ 0, e }, ARGERR) end]],
    to = [[]],
    specs = { { H, "read the same inside a cqueues controller" } } },
  -- a server's settimeout wrapper passing the C error up as pcall gave it
  { name = "h26a_loop_server_settimeout_unraised", file = "lua/tls/loop.lua",
    from = [[    if not ok then error(raised(r), 0) end
    -- accept compares it]],
    to = [[    if not ok then error(r, 0) end
    -- accept compares it]],
    specs = { { H, "read the same with cqueues loaded, outside a controller" } } },
  -- the drop-in's newcontext takes an empty servername again
  { name = "h26a_luasec_newcontext_name_unchecked", file = "lua/tls/luasec.lua",
    from = [[    if refusal then return fail("servername: %s", refusal) end]],
    to = [[    if refusal and false then return fail("servername: %s", refusal) end]],
    specs = { { H, "is refused by the drop.in.s newcontext" } } },
  -- the drop-in's sni() takes an empty name again
  { name = "h26a_luasec_sni_name_unchecked", file = "lua/tls/luasec.lua",
    from = [[  if refusal then error("bad argument #2 to 'sni' (" .. refusal .. ")", 2) end
  self.name = arg]],
    to = [[  self.name = arg]],
    specs = { { H, "is refused by the drop.in.s sni" } } },
  -- tls.https takes an empty servername again (tls.wrap refuses it after the connect)
  { name = "h26a_https_name_unchecked", file = "lua/tls/https.lua",
    from = [[  if name_problem then return fail("option 'servername' %s", name_problem) end]],
    to = [[  if name_problem and false then return fail("option 'servername' %s", name_problem) end]],
    specs = { { H, "is refused by tls.https before it connects" } } },
}
