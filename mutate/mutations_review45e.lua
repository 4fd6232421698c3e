-- review45e: the connection's HMAC keep (csrc/crypto/tls_keysched.c,
-- tls_hmac_keep) is allocated when a call has a context to keep and freed
-- with the handshake (csrc/engine/tls_engine.c, wipe_handshake). Same form
-- as mutate/mutations_lead44.lua.
local KS, ENG = "csrc/crypto/tls_keysched.c", "csrc/engine/tls_engine.c"
local S = "spec/review45e_spec.lua"

return {
  -- the handshake's end frees the keep (its notes hold the master secret)
  { name = "review45e_keep_kept_after_handshake", file = ENG,
    from = [[    tls_hmac_keep_free(&c->hmac_keep);
    tls_kex_free(&c->kex);]],
    to = [[    tls_kex_free(&c->kex);]],
    specs = { { S, "is gone once the handshake is over" } } },
  -- freeing the keep clears the connection's pointer to it
  { name = "review45e_keep_pointer_left", file = KS,
    from = [[    free(*keep);
    *keep = NULL;]],
    to = [[    free(*keep);]],
    specs = { { S, "is gone once the handshake is over" } } },
  -- a leave with a context to keep makes the keep
  { name = "review45e_keep_never_made", file = KS,
    from = [[        keep = *keep_at = calloc(1, sizeof *keep);]],
    to = [[        keep = NULL;]],
    specs = { { S, "is made when a call leaves a context to keep" } } },
}
