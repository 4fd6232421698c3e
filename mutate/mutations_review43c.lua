-- Session 43: misuse of the Lua API (review43c). Same form as mutate/mutations.lua.
return {
  -- F1: require_ems taken, and doing nothing, when 'ciphers' leaves no TLS 1.2.
  { name = "review43c_require_ems_no12_taken", file = "lua/tls.lua",
    from = "if no12 and o.require_ems ~= nil then",
    to = "if false and o.require_ems ~= nil then",
    specs = { { "spec/review43c_spec.lua", "is refused on a client, true or false" } } },
}
