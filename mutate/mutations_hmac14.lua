-- Mutations for session 14's kept HMAC contexts (tls_hmac_take/give in
-- csrc/crypto/tls_keysched.c), each killed by the spec named. Same form as
-- mutate/mutations.lua.
local KS, HS = "csrc/crypto/tls_keysched.c", "spec/hmac_scope_spec.lua"

return {
  -- leaving the outermost scope must free (wipe) the kept contexts
  { name = "hmac14_scope_leave_keeps", file = KS,
    from = [[        EVP_MAC_CTX_free(hmac_scope.kept[i]);
        hmac_scope.kept[i] = NULL;]],
    to = [[        (void)hmac_scope.kept[i];]],
    specs = { { HS, "none is kept after a TLS 1.3 handshake" } } },
  -- outside a scope, a context is freed at once, never kept
  { name = "hmac14_kept_outside_scope", file = KS,
    from = [[    if (hmac_scope.depth == 0 || md == NULL)]],
    to = [[    if (md == NULL)]],
    specs = { { HS, "outside any call into the engine" } } },
}
