-- Mutations for session 20's drop-in and tls.copas fixes (dropin20), each
-- killed by spec/dropin20_spec.lua. Same form as mutate/mutations.lua.
local LUASEC = "lua/tls/luasec.lua"
local COPAS = "lua/tls/copas.lua"
local S = "spec/dropin20_spec.lua"

return {
  -- certificates with certificate/key: one of them silently did nothing
  { name = "dropin20_certificates_with_pair_accepted", file = LUASEC,
    from = [[    if cfg.certificate ~= nil or cfg.key ~= nil then]],
    to = [[    if (cfg.certificate ~= nil or cfg.key ~= nil) and false then]],
    specs = { { S, "refuses certificates together with certificate or key" } } },
}
