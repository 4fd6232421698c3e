-- Mutations for api20's fixes, each killed by spec/api20_spec.lua.
-- Same form as mutate/mutations.lua.
local S = "spec/api20_spec.lua"
local KEYS_C = "csrc/lua/lua_ticketkeys.c"
local SNI = "csrc/lua/lua_hook_sni.c"
local HTTPS = "lua/tls/https.lua"

return {
  -- every raw setter back on the context objects programs hold
  { name = "api20_ctx_setters_public", file = "csrc/lua/lua_context.c",
    from = [[    luaL_newlib(L, public_methods);]],
    to = [[    luaL_newlib(L, public_methods);
    luaL_setfuncs(L, context_methods, 0);]],
    specs = { { S, "a client or server context has no raw setter" },
              { S, "ctx:set_verify(false) is an error" } } },
}
