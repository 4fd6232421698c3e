-- Mutations of session 24b (review24b R1 and R2), each killed by
-- spec/review24b_spec.lua. Same form as mutate/mutations.lua.
local S = "spec/review24b_spec.lua"
local L = "lua/tls/luasec.lua"

return {
   -- R1: the drop-in's @SECLEVEL=n becomes security_level = n.
   { name = "review24b_seclevel_dropped", file = L,
     from = [[      o.security_level = level]],
     to = [[      o.security_level = nil]],
     specs = { { S, "a client at @SECLEVEL=3 refuses an RSA-2048 server" } } },
   { name = "review24b_seclevel_glued_not_split", file = L,
     from = [[    local head = token:match("^[^@]*")]],
     to = [[    local head = token]],
     specs = { { S, "a level below the default lowers it" } } },
   { name = "review24b_seclevel_malformed_taken", file = L,
     from = [[  local n = digits:match("^[0-5]$") and tonumber(digits)]],
     to = [[  local n = tonumber(digits) or 2]],
     specs = { { S, "refuses a malformed level" } } },
   { name = "review24b_seclevel_server_without_peer_ignored", file = L,
     from = [[    elseif level > DEFAULT_SECURITY_LEVEL then]],
     to = [[    elseif false then]],
     specs = { { S, "on a server that verifies nobody" } } },
   { name = "review24b_sni_entry_lower_level_taken", file = L,
     from = [[  if own.verify and chosen_level < own_level then]],
     to = [[  if false and chosen_level < own_level then]],
     specs = { { S, "refuses an SNI map entry that checks client chains at a lower level" } } },
   -- R2: setfd on a closed connection.
   { name = "review24b_setfd_on_closed_taken", file = "csrc/lua/lua_conn.c",
     from = [[    if (c->closed) {
        /* Neither luaL_argerror]],
     to = [[    if (0 && c->closed) {
        /* Neither luaL_argerror]],
     specs = { { S, "leaves the other descriptor alone" } } },
  -- review24d F4: RSA key transport kept at @SECLEVEL=3 (OpenSSL's levels 3 to 5 drop it)
  { name = "review24b_seclevel3_keeps_rsa_kx", file = "lua/tls/luasec.lua",
    from = [[    if level and level >= 3 then]],
    to = [[    if level and level >= 6 then]],
    specs = { { "spec/review24b_spec.lua", "at @SECLEVEL=3 offers no RSA key transport" } } },
}
