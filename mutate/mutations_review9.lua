-- Mutations for the issue 9 review's fixes, each killed by
-- spec/review9_spec.lua. Same form as mutate/mutations.lua.
local R9 = "spec/review9_spec.lua"
local SNI = "csrc/lua/lua_hook_sni.c"

return {
   -- A context chosen by the servername function keeps the first context's
   -- set of functions: the new context's verify function never runs when
   -- the first had none (its policy silently dropped), nor its ocsp one.
   { name = "r9_switched_hooks_not_refilled", file = SNI,
     from = [[    tls_lua_hooks_fill(t, L, ctx_index);]],
     to = [[    (void)0;]],
     specs = { { R9, "runs its own verify function, which may reject the client" },
               { R9, "staples with its own ocsp function" } } },
   -- A client that does not verify accepts 'ca' and 'security_level',
   -- which then do nothing.
   { name = "r9_client_ca_without_verify_accepted", file = "lua/tls.lua",
     from = [[    if not server and o.verify == false and o[option] ~= nil then]],
     to = [[    if false then]],
     specs = { { "spec/api_spec.lua", "refuses 'ca' with verify = false" } } },
}
