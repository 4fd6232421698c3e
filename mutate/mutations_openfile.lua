-- Mutations for the one check of a named file's name (util/tls_file.c, its
-- Lua twin lua/tls/file.lua, and the binding passing the length along),
-- each killed by spec/openfile_spec.lua or spec/lead16_spec.lua. Same form
-- as mutate/mutations.lua.
local FILE_C, FILE_LUA = "csrc/util/tls_file.c", "lua/tls/file.lua"
local S, L16 = "spec/openfile_spec.lua", "spec/lead16_spec.lua"

return {
  -- a zero byte inside a name no longer seen by the C readers: the OS opens
  -- the part before it
  { name = "openfile_c_zero_byte", file = FILE_C,
    from = [[if (memchr(name, '\0', len) != NULL)]], to = [[if (0 && memchr(name, '\0', len) != NULL)]],
    specs = { { S, "is refused by name in each option of tls.context read in C" },
              { S, "is refused by the context's loading methods" } } },
  -- an empty name opened as such ("cannot read : No such file or directory")
  { name = "openfile_c_empty", file = FILE_C,
    from = [[if (len == 0)]], to = [[if (0)]],
    specs = { { L16, "is refused by name in each option that names a file" } } },
  -- the binding drops the length: the C check sees a name cut at the zero byte
  { name = "openfile_binding_drops_length", file = "csrc/lua/lua_context.c",
    from = [[tls_config_load_ca_path(ctx->cfg, path, len, &err)]],
    to = [[tls_config_load_ca_path(ctx->cfg, path, strlen(path), &err)]],
    specs = { { S, "is refused by name in each option of tls.context read in C" } } },
  -- a file larger than the caller's limit read anyway (OCSP: 65531 bytes)
  { name = "openfile_read_no_limit", file = FILE_C,
    from = [[if (out->len - start > max)]], to = [[if (0)]],
    specs = { { S, "refuses an ocsp file larger than a TLS 1.3 extension holds" } } },
  -- the Lua readers (tls.ticketkeys, the LuaSec drop-in) miss the zero byte
  { name = "openfile_lua_zero_byte", file = FILE_LUA,
    from = [[if name:find("\0", 1, true) then]], to = [[if false then]],
    specs = { { S, "is refused by tls.ticketkeys' file functions" },
              { S, "is refused by the LuaSec drop-in's cafile and capath" } } },
  -- ... and the empty name
  { name = "openfile_lua_empty", file = FILE_LUA,
    from = [[if name == "" then]], to = [[if false then]],
    specs = { { L16, "is refused by tls.ticketkeys' file functions" },
              { L16, "is refused by the LuaSec drop-in's cafile and capath" } } },
  -- tls.ticketkeys' C half trusts its Lua caller: a name cut at a zero byte
  { name = "openfile_ticketkeys_c_unchecked", file = "csrc/lua/lua_ticketkeys.c",
    from = [[return tls_file_check_name("ticket keys file", path, len, err) == 0 ? path : NULL;]],
    to = [[return (void)len, path;]],
    specs = { { S, "is refused by tls.ticketkeys' C half too" } } },
}
