-- Mutations for session 31's fixes (spec/lead31_spec.lua).
-- Same form as mutate/mutations.lua.
local S = "spec/lead31_spec.lua"

return {
  -- review29d I2: the suite re-chosen by preference after a HelloRetryRequest
  { name = "lead31_hrr_suite_rechosen", file = "csrc/hs/tls13_server.c",
    from = [[    const tls_suite *suite = c->suite != NULL ? c->suite : psk ? psk->suite : NULL;]],
    to = [[    const tls_suite *suite = psk ? psk->suite : NULL;]],
    specs = { { S, "no longer carries the PSK" } } },
  -- review29b I1: a change_cipher_spec before a TLS 1.2 ServerHello dropped
  { name = "lead31_ccs_before_tls12_hello", file = "csrc/hs/tls_hello_client.c",
    from = [[    if (c->ccs_records > 0)]],
    to = [[    if (0)]],
    specs = { { S, "before a TLS 1.2 ServerHello" } } },
  -- review31b F1: tls.https took redirect_certificate = false with a ready context, and did nothing
  { name = "lead31_https_redirect_certificate_with_context", file = "lua/tls/https.lua",
    from = [[  if reqt.redirect_certificate == false and reqt.context ~= nil then]],
    to = [[  if false then]],
    specs = { { "spec/api20_spec.lua", "where it could do nothing" } } },
  -- review31a F1: the default pair's reason for a client whose suites are for another pair
  { name = "lead31_closest_pair_not_sought", file = "csrc/hs/tls_sni.c",
    from = [[            return i;]],
    to = [[            return fallback;]],
    specs = { { S, "is told what its suites' pair lacks" } } },
  { name = "lead31_key_rank_kind_only_ignored", file = "csrc/hs/tls12_server.c",
    from = [[    int ecdhe = kind_only || (choose_group(c, ch) != 0 &&]],
    to = [[    int ecdhe = (kind_only & 0) || (choose_group(c, ch) != 0 &&]],
    specs = { { S, "is told what its suites' pair lacks" } } },
  -- review31d F1, F2: the drop-in's argument errors, send's fractional index
  { name = "lead31_dropin_argerror_raw", file = "lua/tls/luasec.lua",
    from = [[    if n and tonumber(n) > 1 then]],
    to = [[    if false then]],
    specs = { { S, "name the method and the argument as LuaSec does" } } },
  { name = "lead31_send_index_integer_only", file = "csrc/lua/lua_conn.c",
    from = [[    lua_Number x = luaL_checknumber(L, arg);]],
    to = [[    lua_Number x = (lua_Number)luaL_checkinteger(L, arg);]],
    specs = { { "spec/binding_spec.lua", "cuts a fractional index toward zero" } } },
  { name = "lead31_send_index_nan", file = "csrc/lua/lua_conn.c",
    from = [[    luaL_argcheck(L, x == x, arg, "index is NaN");]],
    to = [[    (void)0;]],
    specs = { { "spec/binding_spec.lua", "cuts a fractional index toward zero" } } },
}
