-- Mutations for the issue 9 review's fixes, each killed by
-- spec/review9_spec.lua. Same form as mutate/mutations.lua.
local R9 = "spec/review9_spec.lua"
local SNI = "csrc/lua/lua_hook_sni.c"

return {
   -- The switched context's verify function never runs when the first
   -- context had none: its policy is silently dropped.
   { name = "r9_switched_verify_kept", file = SNI,
     from = [[    t->hooks.verify = switched_has(t, L, TLS_LUA_SLOT_VERIFY) ? tls_lua_verify_bridge : NULL;]],
     to = [[    (void)tls_lua_verify_bridge;]],
     specs = { { R9, "runs its own verify function, which may reject the client" } } },
   { name = "r9_switched_ocsp_kept", file = SNI,
     from = [[    t->hooks.ocsp_response = switched_has(t, L, TLS_LUA_SLOT_OCSP) ? tls_lua_ocsp_bridge : NULL;]],
     to = [[    (void)tls_lua_ocsp_bridge;]],
     specs = { { R9, "staples with its own ocsp function" } } },
}
