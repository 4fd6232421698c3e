-- Session 41, review 41b (API misuse left over from review 40). Same form as mutate/mutations.lua.
return {
  -- Item 3: option words compared with strcmp read only up to a zero byte.
  { name = "review41b_word_zero_byte_taken", file = "csrc/lua/lua_tls.c",
    from = "luaL_argerror(L, arg, \"the word holds a zero byte\");",
    to = "(void)0;",
    specs = { { "spec/review41b_spec.lua", "set_verify refuses" } } },
  { name = "review41b_option_zero_byte_taken", file = "csrc/lua/lua_tls.c",
    from = "if (def == NULL || !lua_isnoneornil(L, arg))\n        tls_lua_check_word(L, arg);",
    to = "(void)def;",
    specs = { { "spec/review41b_spec.lua", "luaL_checkoption words" } } },
}
