-- Session 38: what reviews 38a to 38f found. Same form as mutate/mutations.lua.
local CRL = "spec/crl_spec.lua"
local R38 = "spec/review38_spec.lua"
return {
  { name = "review38_delta_crl_taken_as_complete", file = "csrc/pki/tls_x509.c",
    from = "X509_V_FLAG_CRL_CHECK | X509_V_FLAG_EXTENDED_CRL_SUPPORT |",
    to = "X509_V_FLAG_CRL_CHECK | 0 |",
    specs = { { CRL, "applies a delta CRL to its complete CRL and never takes it for a complete one" } } },
  { name = "review38_ca_of_crls_only_taken", file = "csrc/pki/tls_config.c",
    from = "        added += info->x509 != NULL;", to = "        added += info->x509 != NULL || info->crl != NULL;",
    specs = { { CRL, "refuses a ca that holds only CRLs" } } },
  { name = "review38_sni_case_kept", file = "csrc/hs/tls_hello_server.c",
    from = "ch->server_name_lower[i] = name.p[i] >= 'A' && name.p[i] <= 'Z' ? (uint8_t)(name.p[i] + 32) : name.p[i];",
    to = "ch->server_name_lower[i] = name.p[i];",
    specs = { { "spec/sni_spec.lua", "the servername function gets the name in lower case" } } },
  { name = "review38_dropin_sni_map_case", file = "lua/tls/luasec.lua",
    from = "      if type(key) == \"string\" and key:lower() == name then ctx = value break end",
    to = "      if type(key) == \"string\" and key == name then ctx = value break end",
    specs = { { "spec/dropin20_spec.lua", "a client writing B.EXAMPLE gets the map" } } },
  { name = "review38_dropin_closed_before_close", file = "lua/tls/luasec.lua",
    from = "  if self.closed then return end\n  -- Closed only once", to = "  if self.closed then return end\n  self.closed = true\n  -- Closed only once",
    specs = { { R38, "leaves the connection open and usable, and a later close() closes it" } } },
  { name = "review38_hrr_without_versions_as_tls12", file = "csrc/hs/tls_hello_client.c",
    from = "    if (sh.is_retry)\n        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION,",
    to = "    if (0 && sh.is_retry)\n        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION,",
    specs = { { R38, "a HelloRetryRequest without it is missing_extension" } } },
}
