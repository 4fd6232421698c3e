-- Mutations for ed12 (Ed25519 certificates in TLS 1.2, rfc8422#5.3/#5.4),
-- each killed by spec/ed12_spec.lua. Same form as mutate/mutations.lua.
local S = "spec/ed12_spec.lua"
local SIG = "csrc/crypto/tls_sig.c"

return {
  -- a PureEdDSA signature (ed25519 ServerKeyExchange) not checked
  { name = "ed12_ed25519_signature_unchecked", file = SIG,
    from = [[    if (EVP_DigestVerify(ctx, sig, sig_len, msg, len) != 1) {]],
    to = [[    if (0 && EVP_DigestVerify(ctx, sig, sig_len, msg, len) != 1) {]],
    specs = { { S, "refuses an ed25519 ServerKeyExchange signature that does not verify" } } },
  -- a client takes an ed25519 ServerKeyExchange it did not offer ed25519 for
  { name = "ed12_ske_ed25519_not_offered", file = "csrc/hs/tls12_client.c",
    from = [[if (!tls_hello_offered(c->pol.sigalgs, c->pol.n_sigalgs, scheme))]],
    to = [[if (scheme != TLS_SIG_ED25519 && !tls_hello_offered(c->pol.sigalgs, c->pol.n_sigalgs, scheme))]],
    specs = { { S, "refuses an ed25519 ServerKeyExchange when it did not offer ed25519" } } },
  -- an Ed25519 certificate taken for an ECDHE_RSA suite
  { name = "ed12_rsa_suite_takes_ed25519", file = SIG,
    from = [[return kind == TLS_KEY_RSA || (s->kx == TLS_KX_ECDHE && kind == TLS_KEY_RSA_PSS);]],
    to = [[return kind == TLS_KEY_RSA || kind == TLS_KEY_ED25519 || (s->kx == TLS_KX_ECDHE && kind == TLS_KEY_RSA_PSS);]],
    specs = { { S, "refuses an Ed25519 certificate for an ECDHE_RSA suite" } } },
  -- the old refusal back: ECDHE_ECDSA suites for EC keys only
  { name = "ed12_ecdsa_suite_refuses_ed25519", file = SIG,
    from = [[        return kind == TLS_KEY_EC || kind == TLS_KEY_ED25519;]],
    to = [[        return kind == TLS_KEY_EC;]],
    specs = { { S, "connects to openssl s_server -tls1_2 with an ECDHE_ECDSA suite" },
              { S, "answers openssl s_client -tls1_2 with an ECDHE_ECDSA suite" },
              { S, "is a valid context with max_version TLSv1.2" } } },
}
