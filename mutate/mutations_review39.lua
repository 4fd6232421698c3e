-- Session 39: what reviews 39a to 39f and session 38's leftovers found. Same form as mutate/mutations.lua.
local R39 = "spec/review39_spec.lua"
return {
  { name = "review39_hooks_read_from_context", file = "csrc/lua/lua_trace.c",
    from = "    return push_anchored(L, t, ANCHOR_HOOKS + slot,",
    to = "    if (tls_lua_push_context(t)) { int ty = lua_getiuservalue(L, -1, slot); lua_remove(L, -2);"
      .. " if (ty == LUA_TFUNCTION || ty == LUA_TTABLE) return 1; lua_pop(L, 1); return 0; }\n"
      .. "    return push_anchored(L, t, ANCHOR_HOOKS + slot,",
    specs = { { R39, "never replaces the verify function of an engine made before it" },
              { R39, "never lets a verify function dropped later skip the check of an engine made before" } } },
  { name = "review39_trace_downgrade_from_policy", file = "csrc/hs/tls12_server.c",
    from = "        if (memcmp(c->t12->server_random + TLS_RANDOM_LEN - 8, tls_downgrade_tls12, 8) == 0)",
    to = "        if (c->pol.max_version >= TLS_VERSION_13)",
    specs = { { R39, "says the random ends with DOWNGRD 01 only when it does" } } },
  { name = "review39_dropin_empty_verify_taken", file = "lua/tls/luasec.lua",
    from = "    if #verify == 0 then", to = "    if false then",
    specs = { { R39, "refuses verify = {}, which LuaSec takes as no verification" } } },
  { name = "review39_dropin_https_sni_raises", file = "lua/tls/luasec/https.lua",
    from = "      local ok, nerr = pcall(s.sni, s, (tostring(host):gsub(\"%.$\", \"\")))",
    to = "      local ok, nerr = true, s:sni(host)",
    specs = { { R39, "answers nil and a message, never raises, for a Location host sni() refuses" } } },
  { name = "review39_https_location_hint_keeps_password", file = "lua/tls/https.lua",
    from = "headers.location = headers.location or (t.url:gsub(\"^(%a[%w+.-]*://)[^/]*@\", \"%1\"))",
    to = "headers.location = headers.location or t.url",
    specs = { { "spec/https_spec.lua", "says where it was sent without the URL's user and password" } } },
  { name = "review39_dropin_password_function_always_called", file = "lua/tls/luasec.lua",
    from = "    if key == nil then return nil end\n",
    to = "    if type(p) == \"function\" then p = p() end\n    if key == nil then return nil end\n",
    specs = { { R39, "as OpenSSL does for LuaSec: never for a plain key or no key, once for an encrypted one" } } },
  { name = "review39_hrr_record_continues", file = "csrc/engine/tls_dispatch.c",
    from = "        if (!c->is_server && !retried && c->hello_retry && pos < c->hs_in.len)",
    to = "        if (0 && !c->is_server && !retried && c->hello_retry && pos < c->hs_in.len)",
    specs = { { "spec/hostile_server_spec.lua", "refuses a ServerHello in the record of the HelloRetryRequest" } } },
}
