-- Mutations for session 29's changes (spec/lead29_spec.lua).
-- Same form as mutate/mutations.lua.
local S = "spec/lead29_spec.lua"

return {
  -- the drop-in's @SECLEVEL=4/5 applied to the peer's chain only again
  { name = "lead29_seclevel_not_narrowed", file = "lua/tls/luasec.lua",
    from = [[  if level and level >= 4 then]],
    to = [[  if level and level >= 6 then]],
    specs = { { S, "negotiates 192-bit groups" } } },
  -- level 4's groups taken at 128 bits
  { name = "lead29_seclevel_group_bits", file = "lua/tls/luasec.lua",
    from = [[    if GROUP_BITS[g] >= bits then groups[#groups + 1] = g end]],
    to = [[    if GROUP_BITS[g] >= 128 then groups[#groups + 1] = g end]],
    specs = { { S, "negotiates 192-bit groups" } } },
  -- a client's signature schemes left wide at level 5
  { name = "lead29_seclevel_sigalgs_kept", file = "lua/tls/luasec.lua",
    from = [[  if not server then o.sigalgs = LEVEL_SIGALGS[level] end]],
    to = [[  if not server then o.sigalgs = nil end]],
    specs = { { S, "a client's signatures only at 5" } } },
}
