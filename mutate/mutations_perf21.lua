-- Mutations for session 21's noted HMAC keys (tls_hmac_take_keyed in
-- csrc/crypto/tls_keysched.c): a kept context is only restarted when it
-- holds exactly the key asked for. Same form as mutate/mutations.lua.
local KS, N = "csrc/crypto/tls_keysched.c", "spec/hmac_note_spec.lua"

return {
  -- another key of the same length must not match
  { name = "perf21_note_key_not_compared", file = KS,
    from = [[    return n->ctx == ctx && key_len > 0 && n->key_len == key_len
           && CRYPTO_memcmp(n->key, key, key_len) == 0;]],
    to = [[    return n->ctx == ctx && key_len > 0 && n->key_len == key_len && key != NULL;]],
    specs = { { N, "restart a kept context only for the same key" } } },
  -- nor a shorter key the noted one starts with
  { name = "perf21_note_length_not_compared", file = KS,
    from = [[    return n->ctx == ctx && key_len > 0 && n->key_len == key_len
           && CRYPTO_memcmp]],
    to = [[    return n->ctx == ctx && key_len > 0 && n->key_len >= key_len
           && CRYPTO_memcmp]],
    specs = { { N, "restart a kept context only for the same key" } } },
  -- a take that keys the context otherwise forgets the note
  { name = "perf21_note_kept_after_rekey", file = KS,
    from = [[    if (n != NULL)
        note_wipe(n);
    if (ctx == NULL)]],
    to = [[    if (ctx == NULL)]],
    specs = { { N, "are forgotten when HKDF keys the context with another key" } } },
  -- leaving the outermost scope wipes the noted keys
  { name = "perf21_note_not_wiped_at_leave", file = KS,
    from = [[        note_wipe(&hmac_scope.note[i]);]],
    to = [[        (void)hmac_scope.note[i];]],
    specs = { { N, "are wiped when the call ends" } } },
}
