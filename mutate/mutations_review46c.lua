-- Review 46c: planted bugs for session 45's changes that nothing planted
-- yet, and for review46c's own fix. Same form as mutate/mutations_lead45.lua.
local R = "spec/review46c_spec.lua"
local O = "spec/oom_spec.lua"
return {
  -- the drop-in reads exportkeyingmaterial's arguments before its "closed" (LuaSec reads them after)
  { name = "review46c_luasec_ekm_args_before_closed", file = "lua/tls/luasec.lua",
    from = [[  if not handshake_done(self) then return nil, "closed" end
  label = string_arg(label, 1, "exportkeyingmaterial")]],
    to = [[  label = string_arg(label, 1, "exportkeyingmaterial")]],
    specs = { { R, "exportkeyingmaterial before the handshake" } } },
  -- the same for getpeercertificate's index
  { name = "review46c_luasec_peercert_index_before_closed", file = "lua/tls/luasec.lua",
    from = [[  if not handshake_done(self) then return nil, "closed" end
  -- luaL_optinteger, as LuaSec: "2" and 2.0 are 2 (refused before session
  -- 45, with the argument counted as #2 where LuaSec says #1).
  if n == nil then n = 1 end
  local i, why = lua_integer(n)
  if not i then error("bad argument #1 to 'getpeercertificate' (" .. why .. ")", 2) end
  n = i
]],
    to = [[  if n == nil then n = 1 end
  local i, why = lua_integer(n)
  if not i then error("bad argument #1 to 'getpeercertificate' (" .. why .. ")", 2) end
  n = i
  if not handshake_done(self) then return nil, "closed" end
]],
    specs = { { R, "getpeercertificate before the handshake" } } },
  -- the HMAC keep's allocation failing: the contexts dropped unfreed (the
  -- allocation harness must reach this calloc in its TLS 1.2 scenarios)
  { name = "review46c_keep_oom_leaks", file = "csrc/crypto/tls_keysched.c",
    from = [[        keep = *keep_at = calloc(1, sizeof *keep);]],
    to = [[        keep = *keep_at = calloc(1, sizeof *keep);
    if (keep == NULL && !hmac_scope.nested && keep_at != NULL) {
        memset(&hmac_scope, 0, sizeof hmac_scope);
        return;
    }]],
    specs = { { O, "fail each of our own allocations in turn" } } },
  -- info() after __gc without its check: the freed engine read
  { name = "review46c_info_after_gc_unchecked", file = "csrc/lua/lua_conn.c",
    from = [[    lua_conn *c = to_conn(L);
    check_not_collected(L, c);
    tls_lua_push_info(L, c->tls);]],
    to = [[    lua_conn *c = to_conn(L);
    tls_lua_push_info(L, c->tls);]],
    specs = { { R, "info() raises the collected connection's message" } } },
  -- peercertificate() after __gc answered with the engine layer's message
  { name = "review46c_peercert_after_gc_unchecked", file = "csrc/lua/lua_conn.c",
    from = [[    check_not_collected(L, c);
    return tls_lua_push_peer(L, c->tls, 0);]],
    to = [[    return tls_lua_push_peer(L, c->tls, 0);]],
    specs = { { R, "peercertificate() raises the collected connection's message" } } },
  -- verifiedchain() likewise
  { name = "review46c_verified_after_gc_unchecked", file = "csrc/lua/lua_conn.c",
    from = [[    check_not_collected(L, c);
    return tls_lua_push_verified(L, c->tls);]],
    to = [[    return tls_lua_push_verified(L, c->tls);]],
    specs = { { R, "verifiedchain() raises the collected connection's message" } } },
}
