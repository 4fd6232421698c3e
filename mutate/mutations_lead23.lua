-- Mutations for the lead's session 23 fixes. Same form as mutate/mutations.lua.
local F = "spec/files22_spec.lua"

return {
  -- review22b G6: a key file every user may write (another key put in its place) loaded without a word
  { name = "lead23_key_writable_not_warned", file = "csrc/lua/lua_context.c",
    from = [[    if (rc != 0 || (ctx->cfg->key_file_mode & (S_IROTH | S_IWOTH)) == 0)]],
    to = [[    if (rc != 0 || (ctx->cfg->key_file_mode & (S_IROTH)) == 0)]],
    specs = { { F, "warns about a key file every user can change" } } },
  -- review22b G6: the key file's name written to the warning as it is (terminal escapes)
  { name = "lead23_key_warning_path_raw", file = "lua/tls.lua",
    from = [[        (key:gsub("[%c\127]", function(ch) return string.format("\\x%02X", ch:byte()) end)),]],
    to = [[        key,]],
    specs = { { F, "warns about a key file every user can change" } } },
  -- review22b G5: the bridges' calls without the handler that reads __tostring
  { name = "lead23_hook_error_tostring_ignored", file = "csrc/lua/lua_trace.c",
    from = [[    int status = lua_pcall(L, nargs, nresults, base);]],
    to = [[    int status = lua_pcall(L, nargs, nresults, 0);]],
    specs = { { "spec/verify_hook_spec.lua", "an error inside the function rejects with the error's text" } } },
}
