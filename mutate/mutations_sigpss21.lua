-- Mutations for session 21's sigpss21 work (RSA-PSS certificate keys by
-- default, both sides; ec_point_formats judged by rfc8422#5.1.2), each
-- killed by spec/sigpss21_spec.lua. Same form as mutate/mutations.lua.
local S = "spec/sigpss21_spec.lua"
local SIG, S12 = "csrc/crypto/tls_sig.c", "csrc/hs/tls12_server.c"

return {
  -- rsa_pss_pss_* back out of the default signature_algorithms: a server
  -- with an RSA-PSS certificate finds nothing in common with our client
  { name = "sigpss21_default_without_pss_pss", file = "csrc/pki/tls_config.c",
    from = [[static const uint16_t default_sigalgs[] = {
    TLS_SIG_ECDSA_SECP256R1_SHA256,
    TLS_SIG_ECDSA_SECP384R1_SHA384,
    TLS_SIG_ECDSA_SECP521R1_SHA512,
    TLS_SIG_RSA_PSS_RSAE_SHA256,
    TLS_SIG_RSA_PSS_RSAE_SHA384,
    TLS_SIG_RSA_PSS_RSAE_SHA512,
    TLS_SIG_RSA_PSS_PSS_SHA256,
    TLS_SIG_RSA_PSS_PSS_SHA384,
    TLS_SIG_RSA_PSS_PSS_SHA512,
]],
    to = [[static const uint16_t default_sigalgs[] = {
    TLS_SIG_ECDSA_SECP256R1_SHA256,
    TLS_SIG_ECDSA_SECP384R1_SHA384,
    TLS_SIG_ECDSA_SECP521R1_SHA512,
    TLS_SIG_RSA_PSS_RSAE_SHA256,
    TLS_SIG_RSA_PSS_RSAE_SHA384,
    TLS_SIG_RSA_PSS_RSAE_SHA512,
]],
    specs = { { S, "verifies openssl s_server's RSA-PSS key with the default context in TLSv1.2" },
              { S, "offers rsa_pss_pss_* by default" } } },
  -- the TLS 1.2 server refuses RSA-PSS client certificates again
  -- (unsupported_certificate), though its CertificateRequest offers rsa_pss_pss_*
  { name = "sigpss21_tls12_client_cert_pss_refused", file = S12,
    from = [[if (!EVP_PKEY_is_a(c->peer_key, "RSA") && !EVP_PKEY_is_a(c->peer_key, "RSA-PSS") &&]],
    to = [[if (!EVP_PKEY_is_a(c->peer_key, "RSA") &&]],
    specs = { { S, "verifies a CertificateVerify signed rsa_pss_pss_sha256 with the client's RSA-PSS key" } } },
  -- rfc8446#4.2.3: rsa_pss_rsae_* for rsaEncryption keys, rsa_pss_pss_*
  -- for RSASSA-PSS keys; a PSS signature verifies under either label
  { name = "sigpss21_pss_schemes_any_rsa_key", file = SIG,
    from = [[return f->kind == (s->kind == SIG_RSA_PSS_RSAE ? TLS_KEY_RSA : TLS_KEY_RSA_PSS)]],
    to = [[return (f->kind == TLS_KEY_RSA || f->kind == TLS_KEY_RSA_PSS)]],
    specs = { { S, "refuses a CertificateVerify labelled rsa_pss_rsae_sha256 with an RSA-PSS key" } } },
  -- rfc8422#5.1.2: illegal_parameter whatever the groups (before session 21)
  { name = "sigpss21_point_formats_refused_without_curves", file = S12,
    from = [[if (memchr(formats.p, 0, formats.len) == NULL && names_ecc_curve(ch))]],
    to = [[if (memchr(formats.p, 0, formats.len) == NULL && (names_ecc_curve(ch) || 1))]],
    specs = { { S, "goes on with RSA key transport when supported_groups names only finite-field groups" } } },
  -- the curves of rfc8422#5.1.1 narrowed to the NIST ones: x25519 and x448
  -- no longer count
  { name = "sigpss21_ecc_curves_nist_only", file = S12,
    from = [[if ((g >= 1 && g <= 30) || g == 0xFF01 || g == 0xFF02)]],
    to = [[if (g >= 23 && g <= 25)]],
    specs = { { S, "still refuses it when supported_groups names an elliptic curve (x25519)" } } },
  -- rfc8422#4 assumes secp256r1 without supported_groups; not for a client
  -- that takes no uncompressed point, the only kind we send
  { name = "sigpss21_no_groups_p256_despite_formats", file = S12,
    from = [[: g == TLS_GROUP_SECP256R1 && takes_uncompressed(ch);]],
    to = [[: g == TLS_GROUP_SECP256R1;]],
    specs = { { S, "does not assume secp256r1 for ECDHE when the client names no group and lacks uncompressed" } } },
}
