-- Session 45, review45d: the LuaSec drop-in's numeric parameters, getstats
-- and receive_early, and the API misuse round.
local R = "spec/review45d_spec.lua"
return {
  { name = "review45d_early_not_counted", file = "csrc/lua/lua_conn.c",
    from = [[    c->received += (double)n;
    return 1;]], to = [[    return 1;]],
    specs = { { R, "receive_early is in the server's received count" } } },
  { name = "review45d_luasec_integer_string_refused", file = "lua/tls/luasec.lua",
    from = [[  local n = (type(v) == "number" or type(v) == "string") and tonumber(v) or nil
  if n == nil then return nil, "number expected, got " .. type(v) end]],
    to = [[  local n = type(v) == "number" and v or nil
  if n == nil then return nil, "number expected, got " .. type(v) end]],
    specs = { { R, "depth: a numeric string" } } },
  { name = "review45d_luasec_integer_fraction_taken", file = "lua/tls/luasec.lua",
    from = [[  local i = math.tointeger(n)
  if i == nil then return nil, "number has no integer representation" end]],
    to = [[  local i = n == n and math.floor(n)
  if not i then return nil, "number has no integer representation" end]],
    specs = { { R, "depth: a numeric string" } } },
  { name = "review45d_luasec_settimeout_string_refused", file = "lua/tls/luasec.lua",
    from = [[local n = (type(t) == "number" or type(t) == "string") and tonumber(t) or nil]],
    to = [[local n = type(t) == "number" and t or nil]],
    specs = { { R, "settimeout and setstats take numeric strings" } } },
  { name = "review45d_luasec_setstats_garbage_kept", file = "lua/tls/luasec.lua",
    from = [[    error(string.format("bad argument #%d to 'setstats' (number expected, got %s)", arg, type(v)), 3)]],
    to = [[    return nil]],
    specs = { { R, "settimeout and setstats take numeric strings" } } },
  { name = "review45d_luasec_peercert_integer_only", file = "lua/tls/luasec.lua",
    from = [[  local i, why = lua_integer(n)
  if not i then error("bad argument #1 to 'getpeercertificate' (" .. why .. ")", 2) end]],
    to = [[  local i, why = math.type(n) == "integer" and n, "number has no integer representation"
  if not i then error("bad argument #1 to 'getpeercertificate' (" .. why .. ")", 2) end]],
    specs = { { R, "getpeercertificate(n) and exportkeyingmaterial" } } },
  { name = "review45d_luasec_ekm_len_unchecked", file = "lua/tls/luasec.lua",
    from = [[  if not n then error("bad argument #2 to 'exportkeyingmaterial' (" .. why .. ")", 2) end]],
    to = [[  if not n then n = len end]],
    specs = { { R, "getpeercertificate(n) and exportkeyingmaterial" } } },
}
