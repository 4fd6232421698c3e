-- Session 46, review46b: a zero-length export, an ocsp function's "",
-- servername = "" with verify = false, a Lua function's message cut whole.
local R = "spec/review46b_spec.lua"
return {
  { name = "review46b_export_zero_refused", file = "csrc/crypto/tls_exporter.c",
    from = [[    if (out_len > TLS_EXPORT_MAX_LEN)]],
    to = [[    if (out_len == 0 || out_len > TLS_EXPORT_MAX_LEN)]],
    specs = { { R, "is the empty string on both sides" } } },
  { name = "review46b_lua_export_zero_refused", file = "csrc/lua/lua_export.c",
    from = [[    if (n < 0 || n > TLS_EXPORT_MAX_LEN) {]],
    to = [[    if (n < 1 || n > TLS_EXPORT_MAX_LEN) {]],
    specs = { { R, "zero-length export" } } },
  { name = "review46b_tls13_export_zero_derived", file = "csrc/crypto/tls_exporter.c",
    from = [[so nothing is derived (review46b). */
    if (out_len == 0)]],
    to = [[so nothing is derived (review46b). */
    if (out_len == 0 && context_len == 12345)]],
    specs = { { R, "is the empty string on both sides, with or without context, TLSv1.3" } } },
  { name = "review46b_tls12_export_zero_derived", file = "csrc/crypto/tls_exporter.c",
    from = [[the PRF are the empty string. */
    if (out_len == 0)]],
    to = [[the PRF are the empty string. */
    if (out_len == 0 && context_len == 12345)]],
    specs = { { R, "is the empty string on both sides, with or without context, TLSv1.2" } } },
  { name = "review46b_ocsp_empty_staples_none", file = "csrc/lua/lua_hook_ocsp.c",
    from = [[LUA_TSTRING && lua_rawlen(L, -1) == 0) {]],
    to = [[LUA_TSTRING && lua_rawlen(L, -1) == 12345) {]],
    specs = { { R, "an ocsp function that returns" } } },
  { name = "review46b_servername_empty_old_words", file = "lua/tls.lua",
    from = [[  if c:mode() == "client" and not C.verifies(c) then]],
    to = [[  if false then]],
    specs = { { R, "with verify = false says the name is wrong" } } },
  { name = "review46b_verifies_inverted", file = "csrc/lua/lua_context.c",
    from = [[check_ctx(L, 1)->cfg->verify != TLS_VERIFY_NONE);]],
    to = [[check_ctx(L, 1)->cfg->verify == TLS_VERIFY_NONE);]],
    specs = { { R, "servername = " } } },
  { name = "review46b_text_cut_splits", file = "csrc/util/tls_err.c",
    from = [[        out[tls_utf8_cut(out, size - 1)] = '\0';]],
    to = [[        out[size - 1] = '\0';]],
    specs = { { R, "message cut to fit a reason" } } },
}
