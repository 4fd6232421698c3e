-- Session 38: what reviews 38a to 38f found. Same form as mutate/mutations.lua.
local CRL = "spec/crl_spec.lua"
return {
  { name = "review38_delta_crl_taken_as_complete", file = "csrc/pki/tls_x509.c",
    from = "X509_V_FLAG_CRL_CHECK | X509_V_FLAG_EXTENDED_CRL_SUPPORT |",
    to = "X509_V_FLAG_CRL_CHECK | 0 |",
    specs = { { CRL, "applies a delta CRL to its complete CRL and never takes it for a complete one" } } },
  { name = "review38_ca_of_crls_only_taken", file = "csrc/pki/tls_config.c",
    from = "        added += info->x509 != NULL;", to = "        added += info->x509 != NULL || info->crl != NULL;",
    specs = { { CRL, "refuses a ca that holds only CRLs" } } },
}
