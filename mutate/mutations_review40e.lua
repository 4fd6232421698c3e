-- Session 40, review 40e (the Lua API against misuse). Same form as mutate/mutations.lua.
local R = "spec/review40e_spec.lua"
return {
  { name = "review40e_lua_list_zero_byte_kept", file = "lua/tls.lua",
    from = "  if at then return fail(\"%s holds a zero byte", to = "  if false then return fail(\"%s holds a zero byte",
    specs = { { R, "is refused by tls.context, naming the option and where the byte is" },
              { R, "is refused in a list entry too" } } },
  { name = "review40e_c_list_zero_byte_kept", file = "csrc/lua/lua_context.c",
    from = "    if (memchr(list, '\\0', len) != NULL) {", to = "    if (0) {",
    specs = { { R, "is refused by the C layer too" } } },
  { name = "review40e_digest_name_cut_short", file = "csrc/lua/lua_cert.c",
    from = "    if (memchr(alg, '\\0', alg_len) != NULL) {", to = "    if (0) {",
    specs = { { R, "is nil and a message, not the digest of the name cut short" } } },
  { name = "review40e_wrap_unconnected_taken", file = "csrc/lua/lua_conn.c",
    from = "info.tcpi_state == TCP_CLOSE)", to = "info.tcpi_state == 0xff)",
    specs = { { R, "refuses socket.tcp4() and tcp6(), whose descriptor exists before connect" } } },
}
