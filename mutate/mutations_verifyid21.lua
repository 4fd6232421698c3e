-- Mutations for verifyid21 (a session records which verify function judged
-- its peer, not only whether one did), each killed by spec/verifyid21_spec.lua.
-- Same form as mutate/mutations.lua.
local S = "spec/verifyid21_spec.lua"
local C13 = "verifyid21: a client session .TLSv1.3."
local C12 = "verifyid21: a client session .TLSv1.2."
local S13 = "verifyid21: a server session .TLSv1.3. holding a client certificate"
local S12 = "verifyid21: a server session .TLSv1.2. holding a client certificate"

return {
  -- the function's identity left out of the digest (only whether there is
  -- one, as before): a lax function's session resumes under a strict one
  { name = "verifyid21_identity_not_in_digest", file = "csrc/pki/tls_config.c",
    from = [[    if (verify_fn_id != NULL) {
        memcpy(in + n, verify_fn_id, TLS_VERIFY_DIGEST_LEN);]],
    to = [[    if (0 && verify_fn_id != NULL) {
        memcpy(in + n, verify_fn_id, TLS_VERIFY_DIGEST_LEN);]],
    specs = { { S, C13 .. " made under a lax verify function is not resumed under a strict one" },
              { S, S13 .. " .tickets. issued under an old verify function is checked again" },
              { S, S12 .. " .session ids. issued under an old verify function is checked again" },
              { S, S13 .. " .tickets. chosen by a servername function is checked again" } } },
  -- the connection's digest takes no identity even with a verify function
  { name = "verifyid21_digest_without_identity", file = "csrc/engine/tls_resume.c",
    from = [[    tls_config_verify_digest(&v, hook ? c->pol.verify_fn_id : NULL, out, &c->cfg->verify_memo);]],
    to = [[    static const uint8_t same[TLS_VERIFY_DIGEST_LEN];
    tls_config_verify_digest(&v, hook ? same : NULL, out, &c->cfg->verify_memo);]],
    specs = { { S, C12 .. " made under a lax verify function is not resumed under a strict one" },
              { S, S12 .. " .tickets. issued under an old verify function is checked again" } } },
  -- every function gets the same identity (the random bytes not drawn per function)
  { name = "verifyid21_random_identity_not_per_function", file = "csrc/lua/lua_context.c",
    from = [[    tls_config_set_verify_fn_id(cfg, "random", bytes, len);]],
    to = [[    tls_config_set_verify_fn_id(cfg, "random", "same", 4 + 0 * len + 0 * (bytes != NULL));]],
    specs = { { S, C13 .. " made under a lax verify function is not resumed under a strict one" },
              { S, S13 .. " .tickets. issued under an old verify function is checked again" } } },
  -- a new random identity at every context: one function in two contexts
  -- (tls.https's contexts per request) no longer shares sessions
  { name = "verifyid21_identity_not_kept_per_function", file = "csrc/lua/lua_context.c",
    from = [[    if (lua_rawget(L, -2) != LUA_TSTRING) {]],
    to = [[    if (lua_rawget(L, -2) != LUA_TSTRING || 1) {]],
    specs = { { S, C13 .. " made under one verify function resumes in another context holding the same" },
              { S, S12 .. " .session ids. resumes on another context holding the same verify function" } } },
  -- verify_id ignored: every context gets its function's random identity
  { name = "verifyid21_verify_id_ignored", file = "csrc/lua/lua_context.c",
    from = [[    if (!lua_isnoneornil(L, id_index)) {
        size_t len = 0;]],
    to = [[    if (0 && !lua_isnoneornil(L, id_index)) {
        size_t len = 0;]],
    specs = { { S, C13 .. " resumes across different function values with the same verify_id" },
              { S, S13 .. " .tickets. resumes after a restart with the same verify_id" },
              { S, C12 .. " resumes in another process under the same verify_id" } } },
  -- a named identity in the same domain as the random ones' (the label's
  -- kind not digested): a verify_id equal to the random bytes would match;
  -- seen as the name not being digested at all
  { name = "verifyid21_verify_id_not_digested", file = "csrc/pki/tls_config.c",
    from = [[             && EVP_DigestUpdate(md, id, len) == 1
             && EVP_DigestFinal_ex(md, c->verify_fn_id, &out_len) == 1;]],
    to = [[             && EVP_DigestUpdate(md, id, len * (strcmp(kind, "named") != 0)) == 1
             && EVP_DigestFinal_ex(md, c->verify_fn_id, &out_len) == 1;]],
    specs = { { S, C12 .. " resumes across different function values with the same verify_id, not with another" },
              { S, S12 .. " .tickets. resumes after a restart with the same verify_id, not with another" } } },
  -- the identity set before the function is known to be one (verify_id on
  -- another hook accepted by the setter)
  { name = "verifyid21_verify_id_on_other_hook", file = "csrc/lua/lua_context.c",
    from = [[    luaL_argcheck(L, lua_isnoneornil(L, 4) || (slot == TLS_LUA_SLOT_VERIFY && !lua_isnoneornil(L, 3)), 4,]],
    to = [[    luaL_argcheck(L, 1 || lua_isnoneornil(L, 4) || (slot == TLS_LUA_SLOT_VERIFY && !lua_isnoneornil(L, 3)), 4,]],
    specs = { { S, "verifyid21: option verify_id is refused by the internal setter" } } },
  -- verify_id accepted on a context without a verify function (Lua check)
  { name = "verifyid21_verify_id_without_function", file = "lua/tls.lua",
    from = [[    if type(o.verify) ~= "function" then
      return fail("option 'verify_id' names]],
    to = [[    if false then
      return fail("option 'verify_id' names]],
    specs = { { S, "verifyid21: option verify_id is refused without a verify function" } } },
}
