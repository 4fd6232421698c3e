-- Session 41: real peers with unusual certificates (review41d). Same form as mutate/mutations.lua.
return {
  -- F1: the nameConstraints refusal names the CA whose constraints the leaf breaks (the nearest one
  -- above it that has them); starting one certificate too high skips it.
  { name = "review41d_constraining_ca_from_leaf", file = "csrc/pki/tls_x509.c",
    from = "for (int i = depth + 1; built != NULL && i < sk_X509_num(built); i++) {",
    to = "for (int i = depth + 2; built != NULL && i < sk_X509_num(built); i++) {",
    specs = { { "spec/review41d_spec.lua", "names the constraining CA" } } },
  -- F1: only critical extensions libcrypto does not process are named.
  { name = "review41d_critical_all_named", file = "csrc/pki/tls_x509.c",
    from = "if (!X509_EXTENSION_get_critical(ext) || X509_supported_extension(ext) ||",
    to = "if (!X509_EXTENSION_get_critical(ext) ||",
    specs = { { "spec/review41d_spec.lua", "names the critical extension" } } },
  -- F1: the excluded-subtree refusal is described like the permitted one.
  { name = "review41d_excluded_not_described", file = "csrc/pki/tls_x509.c",
    from = "    case X509_V_ERR_EXCLUDED_VIOLATION: {",
    to = "    case X509_V_ERR_EXCLUDED_VIOLATION + 1000: {",
    specs = { { "spec/review41d_spec.lua", "excluded subtree" } } },
}
