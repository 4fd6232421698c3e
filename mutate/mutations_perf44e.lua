-- Mutations for review44e's noted HMAC keys kept by a connection between
-- its calls into the engine (tls_hmac_keep in csrc/crypto/tls_keysched.c):
-- a note goes into the keep only with its context, leaves it when a call
-- takes the context back, and is wiped with the keep. Same form as
-- mutate/mutations_lead43.lua.
local KS, N = "csrc/crypto/tls_keysched.c", "spec/hmac_note_spec.lua"

return {
  -- freeing the keep wipes the note it holds
  { name = "perf44e_keep_free_keeps_note", file = KS,
    from = [[        note_wipe(&keep->note[i]);
        EVP_MAC_CTX_free(keep->kept[i]);]],
    to = [[        EVP_MAC_CTX_free(keep->kept[i]);]],
    specs = { { N, "go into the keep with their context and are wiped when it is freed" } } },
  -- entering a scope from the keep takes the note out of it
  { name = "perf44e_enter_leaves_note_in_keep", file = KS,
    from = [[        hmac_scope.note[i] = keep->note[i];
        note_wipe(&keep->note[i]);]],
    to = [[        hmac_scope.note[i] = keep->note[i];]],
    specs = { { N, "leave the keep when a call takes its context back" } } },
  -- leaving the scope to a keep moves the note of the context kept
  { name = "perf44e_note_not_moved_to_keep", file = KS,
    from = [[            keep->note[i] = *n;]],
    to = [[            (void)n;]],
    specs = { { N, "go into the keep with their context and are wiped when it is freed" } } },
}
