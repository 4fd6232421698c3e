-- Mutations of HKDF and the TLS 1.2 PRF on libcrypto's HMAC
-- (csrc/crypto/tls_keysched.c, tls12_keys.c), each killed by the RFC 5869
-- known answers (spec/kat_rfc5869_spec.lua), RFC 8448's trace
-- (spec/kat_rfc8448_spec.lua) or the P_hash vectors (spec/kat_tls12_spec.lua). Same form as
-- mutate/mutations.lua.
local H = "spec/kat_rfc5869_spec.lua"
local T = "spec/kat_rfc8448_spec.lua"
local P = "spec/kat_tls12_spec.lua"

return {
   -- rfc5869#2.3: T(i) = HMAC(PRK, T(i-1) | info | i); without T(i-1) only
   -- the first block is right.
   { name = "kdf_expand_without_previous_block", file = "csrc/crypto/tls_keysched.c",
     from = [[if (prk_mac(p, t, t_len, info, info_len, (uint8_t)i, t) != 0) {]],
     to = [[if (prk_mac(p, t, 0, info, info_len, (uint8_t)i, t) != 0) {]],
     specs = { { H, "A.1 basic test case: Expand gives the OKM" } } },
   { name = "kdf_expand_counter_fixed", file = "csrc/crypto/tls_keysched.c",
     from = [[if (prk_mac(p, t, t_len, info, info_len, (uint8_t)i, t) != 0) {]],
     to = [[if (prk_mac(p, t, t_len, info, info_len, (uint8_t)1, t) != 0) {]],
     specs = { { H, "A.2 longer inputs and outputs: Expand gives the OKM" } } },
   -- A second label from one keyed HMAC must start a fresh HMAC (the
   -- traffic key and iv come from one traffic secret).
   { name = "kdf_second_label_not_restarted", file = "csrc/crypto/tls_keysched.c",
     from = [[if (p->used && EVP_MAC_init(p->mac, NULL, 0, NULL) != 1)]],
     to = [[if (0 && EVP_MAC_init(p->mac, NULL, 0, NULL) != 1)]],
     specs = { { T, "derives the client handshake write key and iv" } } },
   -- rfc5246#5: A(i) = HMAC(secret, A(i-1)), without the seed.
   { name = "kdf_prf_a_with_seed", file = "csrc/crypto/tls12_keys.c",
     from = [[rc = prf_mac(mac, &used, a, hlen, a, hlen);]],
     to = [[rc = prf_mac(mac, &used, a, hlen + seed_len, a, hlen);]],
     specs = { { P, "gives the published P_SHA256 test vector" } } },
   -- The client's Finished is under the client's finished_key; our own
   -- client and server would agree on a swapped one, openssl does not.
   { name = "kdf_finished_key_of_other_side", file = "csrc/hs/tls13_common.c",
     from = [[return tls13_finished_mac(c->suite->md, k->client_finished_key, th, out, &c->err);]],
     to = [[return tls13_finished_mac(c->suite->md, k->server_finished_key, th, out, &c->err);]],
     specs = { { "spec/interop_openssl_spec.lua", "negotiates TLS_AES_128_GCM_SHA256" } } },
}
