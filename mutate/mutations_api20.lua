-- Mutations for api20's fixes, each killed by spec/api20_spec.lua.
-- Same form as mutate/mutations.lua.
local S = "spec/api20_spec.lua"
local SNI = "csrc/lua/lua_hook_sni.c"
local HTTPS = "lua/tls/https.lua"
-- The checks on secret files are shared with the key log since harden21
-- (tls_file_open_private): its spec is a second killer.
local FILE_C = "csrc/util/tls_file.c"
local H21 = "spec/harden21_spec.lua"

return {
  -- every raw setter back on the context objects programs hold
  { name = "api20_ctx_setters_public", file = "csrc/lua/lua_context.c",
    from = [[    luaL_newlib(L, public_methods);]],
    to = [[    luaL_newlib(L, public_methods);
    luaL_setfuncs(L, context_methods, 0);]],
    specs = { { S, "a client or server context has no raw setter" },
              { S, "ctx:set_verify(false) is an error" } } },
  -- a server running as root accepts a key file another user owns (and
  -- may rewrite): the review's finding
  { name = "api20_keys_owner_unchecked", file = FILE_C,
    from = [[    else if (st->st_uid != geteuid())]],
    to = [[    else if (st->st_uid != geteuid() && geteuid() != 0)]],
    specs = { { S, "refuses a file another user owns" }, { H21, "refuses a file another user owns" } } },
  -- a symbolic link followed to wherever it points
  { name = "api20_keys_symlink_followed", file = FILE_C,
    from = [[open(name, flags | O_NOFOLLOW | O_NONBLOCK]],
    to = [[open(name, flags | O_NONBLOCK]],
    specs = { { S, "refuses a symbolic link" }, { H21, "refuses a symbolic link" } } },
  -- a FIFO (or any non-regular file) read as if it were the key file
  { name = "api20_keys_nonregular_read", file = FILE_C,
    from = [[    if (!S_ISREG(st->st_mode))
        snprintf(why, why_size, "is not a regular file");]],
    to = [[    if (0)
        snprintf(why, why_size, "is not a regular file");]],
    specs = { { S, "refuses a FIFO at once" }, { H21, "refuses a device" } } },
  -- the servername bridge failing open: "keep the context"
  { name = "api20_servername_fail_open", file = SNI,
    from = [[        snprintf(why, why_size, "the servername function is gone (removed from the context)");
        return -2;]],
    to = [[        return 0;]],
    specs = { { S, "a servername function that cannot be called is internal_error" } } },
  -- the alpn bridge failing open: "no ALPN"
  { name = "api20_alpn_fail_open", file = SNI,
    from = [[        snprintf(why, why_size, "the alpn function is gone (removed from the context)");
        return -2;]],
    to = [[        return -1;]],
    specs = { { S, "an alpn function that cannot be called is internal_error" } } },
  -- the client certificate presented to every redirect target
  { name = "api20_https_cert_to_every_host", file = HTTPS,
    from = [[  if reqt.context == nil and reqt.redirect_certificate ~= true then]],
    to = [[  if false then]],
    specs = { { S, "a host the first server redirects to does not get it" } } },
  -- redirect_certificate = true ignored
  { name = "api20_https_redirect_certificate_ignored", file = HTTPS,
    from = [[  if reqt.context == nil and reqt.redirect_certificate ~= true then]],
    to = [[  if reqt.context == nil then]],
    specs = { { S, "redirect_certificate = true presents it" } } },
}
