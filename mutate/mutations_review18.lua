-- Mutations for the checks added by review 18, each killed by
-- spec/review18_spec.lua. Same form as mutate/mutations.lua.
local EXPORT = "csrc/engine/tls_export.c"
local S = "spec/review18_spec.lua"

return {
  -- rfc7627#5.4: a TLS 1.2 exporter over a master secret without EMS
  { name = "review18_export_without_ems", file = EXPORT,
    from = [[    if (!c->t12->ems)
        return;]],
    to = [[]],
    specs = { { S, "is refused by a client with require_ems = false talking to a server without it" } } },
}
