-- Session 43: issue 11's handshake speed (review43f): cached ticket-key contexts and the
-- verification-settings digest memo. Same form as mutate/mutations.lua.
return {
  -- Replacing the keys keeps each slot's cipher context, keyed with the old secret: a key set
  -- under the same name opens the old tickets, and new tickets are sealed with the old secret.
  { name = "review43f_ticket_ctx_survives_set", file = "csrc/crypto/tls_ticket.c",
    from = "    for (size_t i = 0; i < TLS_MAX_TICKET_KEYS; i++)\n        drop_ctx(&ks->keys[i]);\n    OPENSSL_cleanse(ks->keys, sizeof ks->keys);",
    to = "    for (size_t i = 0; i < TLS_MAX_TICKET_KEYS; i++)\n        OPENSSL_cleanse(ks->keys[i].secret, sizeof ks->keys[i].secret);",
    specs = { { "spec/review43f_spec.lua", "opens none of the old tickets" } } },
  -- Rotation leaves the old key's context in the new front slot: the new key seals with the
  -- old secret, and the context is freed under it when the old key is dropped.
  { name = "review43f_ticket_ctx_kept_on_rotation", file = "csrc/crypto/tls_ticket.c",
    from = "    OPENSSL_cleanse(&ks->keys[0], sizeof ks->keys[0]);\n    memcpy(ks->keys[0].name, raw,",
    to = "    OPENSSL_cleanse(ks->keys[0].secret, sizeof ks->keys[0].secret);\n    memcpy(ks->keys[0].name, raw,",
    specs = { { "spec/review43f_spec.lua", "a ticket of the new key resumes after the first key is dropped" } } },
  -- The memo is never invalidated: a setting changed on the context keeps the old digest, and a
  -- session verified under the old settings is offered under the new ones.
  { name = "review43f_verify_memo_stale", file = "csrc/pki/tls_config.c",
    from = "if (memo != NULL && memo->len == n && memcmp(memo->in, in, n) == 0) {",
    to = "if (memo != NULL && memo->len == n) {",
    specs = { { "spec/review43f_spec.lua", "its session is not offered" } } },
}
