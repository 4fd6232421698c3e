-- Session 40, review40c: what review39h left (I1 verified path, I2 no pair fits, I3 EKU wording).
-- Same form as mutate/mutations.lua.
local R = "spec/review40c_spec.lua"
return {
  -- I3: an extendedKeyUsage refusal worded as "(key usage)"
  { name = "review40c_purpose_generic_wording", file = "csrc/pki/tls_x509.c",
    from = "        if (code == X509_V_ERR_INVALID_PURPOSE)\n            fail_purpose(",
    to = "        if (0)\n            fail_purpose(",
    specs = { { R, "our client, a server leaf for clientAuth only" },
              { R, "our server, a client certificate for serverAuth only" } } },
  { name = "review40c_purpose_names_client_use", file = "csrc/pki/tls_x509.c",
    from = "    const char *eku = peer_is_client ? \"clientAuth\" : \"serverAuth\";",
    to = "    const char *eku = \"clientAuth\";",
    specs = { { R, "our client, a server leaf for clientAuth only" } } },
  { name = "review40c_purpose_ca_eku_blames_leaf", file = "csrc/pki/tls_x509.c",
    from = "        if (depth == 0)\n            return tls_fail(err, TLS_ALERT_UNSUPPORTED_CERTIFICATE,\n"
      .. "                            \"certificate's extendedKeyUsage",
    to = "        if (1)\n            return tls_fail(err, TLS_ALERT_UNSUPPORTED_CERTIFICATE,\n"
      .. "                            \"certificate's extendedKeyUsage",
    specs = { { R, "our client, an intermediate for clientAuth only" } } },
}
