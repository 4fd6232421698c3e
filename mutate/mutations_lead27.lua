-- Mutations for session 27's lead changes (spec/lead27_spec.lua).
-- Same form as mutate/mutations.lua.
local S = "spec/lead27_spec.lua"

return {
  -- "*.com" and "*.localhost" made into certificates again
  { name = "lead27_selfsigned_single_label_wildcard", file = "lua/tls.lua",
    from = [[    if not problem and rest and not rest:find(".", 1, true) then]],
    to = [[    if not problem and rest and not rest:find(".", 1, true) and false then]],
    specs = { { S, "wildcard over one label refuses" } } },
}
