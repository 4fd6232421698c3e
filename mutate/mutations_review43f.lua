-- Session 43: issue 11's handshake speed (review43f): cached ticket-key contexts and the
-- verification-settings digest memo. Same form as mutate/mutations.lua.
return {
  -- Replacing the keys keeps each slot's cipher context, keyed with the old secret: a key set
  -- under the same name opens the old tickets, and new tickets are sealed with the old secret.
  { name = "review43f_ticket_ctx_survives_set", file = "csrc/crypto/tls_ticket.c",
    from = "    for (size_t i = 0; i < TLS_MAX_TICKET_KEYS; i++)\n        drop_ctx(&ks->keys[i]);\n    OPENSSL_cleanse(ks->keys, sizeof ks->keys);",
    to = "    for (size_t i = 0; i < TLS_MAX_TICKET_KEYS; i++)\n        OPENSSL_cleanse(ks->keys[i].secret, sizeof ks->keys[i].secret);",
    specs = { { "spec/review43f_spec.lua", "opens none of the old tickets" } } },
  -- Opening takes the sealing key's context whatever key the ticket names: after a rotation the
  -- tickets of the older keys (still opening) are refused.
  { name = "review43f_ticket_open_with_front_ctx", file = "csrc/crypto/tls_ticket.c",
    from = "EVP_CIPHER_CTX *ctx = key_ctx(k, cipher, nonce, 0, &own);",
    to = "EVP_CIPHER_CTX *ctx = key_ctx(&ks->keys[0], cipher, nonce, 0, &own);",
    specs = { { "spec/review43f_spec.lua", "a ticket of the new key resumes after the first key is dropped" } } },
  -- The memo is never invalidated: a setting changed on the context keeps the old digest, and a
  -- session verified under the old settings is offered under the new ones.
  { name = "review43f_verify_memo_stale", file = "csrc/pki/tls_config.c",
    from = "if (memo != NULL && memo->len == n && memcmp(memo->in, in, n) == 0) {",
    to = "if (memo != NULL && memo->len == n) {",
    specs = { { "spec/review43f_spec.lua", "its session is not offered" } } },
}
