-- Mutations for session 15's handshake work (the lead's): flights in one
-- record (csrc/record/tls_record.c), key facts noted once
-- (csrc/crypto/tls_sig.c), the one-certificate SNI shortcut
-- (csrc/hs/tls_sni.c), the transcript hash memo
-- (csrc/crypto/tls_transcript.c). Same form as mutate/mutations.lua.
local REC, CO, L15 = "csrc/record/tls_record.c", "spec/coalesce15_spec.lua", "spec/lead15_spec.lua"

return {
  -- rfc8446#5.1: no handshake message spans a key change
  { name = "lead15_flight_spans_key_change", file = REC,
    from = [[    if (tls_record_flush_handshake(c) != 0 || install_key(c, &c->wr, secret, 1) != 0)]],
    to = [[    if (install_key(c, &c->wr, secret, 1) != 0)]],
    specs = { { CO, "a KeyUpdate answer goes under the old key" } } },
  -- TLS 1.2's key change: the Finished must follow the change_cipher_spec
  { name = "lead15_ccs_before_batched", file = REC,
    from = [[    uint8_t h[TLS_RECORD_HEADER_LEN] = { TLS_CT_CHANGE_CIPHER_SPEC, 0x03, 0x03, 0x00, 0x01 };
    if (tls_record_flush_handshake(c) != 0)
        return -1;]],
    to = [[    uint8_t h[TLS_RECORD_HEADER_LEN] = { TLS_CT_CHANGE_CIPHER_SPEC, 0x03, 0x03, 0x00, 0x01 };]],
    specs = { { CO, "no message spans the change_cipher_spec" } } },
  -- a flight is one record
  { name = "lead15_no_batching", file = REC,
    from = [[    if (type == TLS_CT_HANDSHAKE && c->hs_batching > 0 && !c->record_per_message) {]],
    to = [[    if (0 && type == TLS_CT_HANDSHAKE && c->hs_batching > 0 && !c->record_per_message) {]],
    specs = { { CO, "EncryptedExtensions to Finished are one protected record" } } },
  -- a kept key's facts are its own
  { name = "lead15_facts_of_any_kept_key", file = "csrc/crypto/tls_sig.c",
    from = [[        if (sign_keys[i].key == key) {
            *f = sign_keys[i].facts;]],
    to = [[        if (sign_keys[i].key != NULL && key != NULL) {
            *f = sign_keys[i].facts;]],
    specs = { { L15, "is never taken for another kept key" } } },
  -- a peer key's facts, noted with its verification context, are its own
  { name = "lead15_verify_facts_of_any_key", file = "csrc/crypto/tls_sig.c",
    from = [[        if (verify_cache[i].key == key) {
            *f = verify_cache[i].facts;]],
    to = [[        if (verify_cache[i].key != NULL && key != NULL) {
            *f = verify_cache[i].facts;]],
    specs = { { L15, "is never taken for another kept key" } } },
  -- TLS 1.3 ECDSA schemes are bound to the key's curve (rfc8446#4.2.3)
  { name = "lead15_ecdsa_curve_unbound", file = "csrc/crypto/tls_sig.c",
    from = [[        return f->kind == TLS_KEY_EC && (tls12 || f->curve_nid == s->curve_nid);]],
    to = [[        return f->kind == TLS_KEY_EC;]],
    specs = { { L15, "signs only with ecdsa_secp384r1_sha384" } } },
  -- one certificate: sni_strict still matches the name
  { name = "lead15_single_pair_ignores_sni_strict", file = "csrc/hs/tls_sni.c",
    from = [[    if (n == 1 && !c->pol.sni_strict && !tls_tracing(c)) {]],
    to = [[    if (n == 1 && !tls_tracing(c)) {]],
    specs = { { L15, "with sni_strict refuses a name it is not for" } } },
  -- the memo is forgotten when a message is added
  { name = "lead15_transcript_memo_stale", file = "csrc/crypto/tls_transcript.c",
    from = [[    t->have_last = 0;
    if (EVP_DigestUpdate(t->ctx, msg, len) != 1)]],
    to = [[    if (EVP_DigestUpdate(t->ctx, msg, len) != 1)]],
    -- our two sides would agree on the stale hash: a real peer does not
    specs = { { "spec/interop_openssl_spec.lua", "negotiates TLS_AES_128_GCM_SHA256" } } },
  -- the store's lookup and arguments run under lua_pcall
  { name = "lead15_store_call_unprotected", file = "csrc/lua/lua_hook_store.c",
    from = [[    if (tls_lua_pcall(L, 2, 2) != LUA_OK) {]],
    to = [[    lua_call(L, 2, 2);
    if (0) {]],
    specs = { { "spec/store_unwind15_spec.lua", "is a miss, the handshake completes" } } },
}
