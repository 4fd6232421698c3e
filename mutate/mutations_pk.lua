-- Planted bugs in the prepared verification contexts of
-- csrc/crypto/tls_sig.c (session 13, part pk). Same form as
-- mutate/mutations.lua.
local SIG = "csrc/crypto/tls_sig.c"
local H = "spec/hostile_server_spec.lua"
local KAT = "spec/kat_rfc8448_spec.lua"
local PK = "spec/pk_prepared_spec.lua"

return {
   { name = "pk_prepared_verify_takes_bad_signature", file = SIG,
     from = [[*bad = EVP_PKEY_verify(ctx, sig, sig_len, hash, hash_len) != 1;]],
     to = [[*bad = EVP_PKEY_verify(ctx, sig, sig_len, hash, hash_len) < 0;]],
     specs = { { H, "refuses a signature with one bit flipped" } } },
   { name = "pk_prepared_verify_hashes_half", file = SIG,
     from = [[if (md == NULL || EVP_Digest(msg, len, hash, &hash_len, md, NULL) != 1)]],
     to = [[if (md == NULL || EVP_Digest(msg, len / 2, hash, &hash_len, md, NULL) != 1)]],
     specs = { { KAT, "signs and verifies with ecdsa_secp256r1_sha256" } } },
   { name = "pk_verify_context_serves_any_scheme", file = SIG,
     from = [[if (e->key == key && e->scheme == s->id) {]],
     to = [[if (e->key == key) {]],
     specs = { { PK, "one client verifies one server key under each scheme in turn" } } },
   { name = "pk_sign_context_serves_any_scheme", file = SIG,
     from = [[size_t si = (size_t)(s - schemes);]],
     to = [[size_t si = 0;]],
     specs = { { PK, "one server key signs under each scheme in turn" } } },
}
