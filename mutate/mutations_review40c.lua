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
  -- I1: the verified path
  { name = "review40c_verified_path_not_kept", file = "csrc/hs/tls_hs_common.c",
    from = "        c->peer_path = verified;\n        verified = NULL;\n",
    to = "        c->peer_path = NULL;\n",
    specs = { { R, "is leaf to trust anchor, without the certificate off the path" },
              { R, "is there on a connection too" } } },
  { name = "review40c_verified_path_is_chain_as_sent", file = "csrc/lua/lua_info.c",
    from = "    tls_lua_push_chain(L, info.peer_path);",
    to = "    tls_lua_push_chain(L, info.peer_chain);",
    specs = { { R, "is leaf to trust anchor, without the certificate off the path" } } },
  { name = "review40c_verify_function_without_path", file = "csrc/hs/tls_hs_common.c",
    from = "c->peer_chain, ok && c->pol.verify ? verified : NULL,",
    to = "c->peer_chain, NULL,",
    specs = { { R, "is leaf to trust anchor, without the certificate off the path" } } },
  { name = "review40c_verified_path_when_verify_off", file = "csrc/lua/lua_info.c",
    from = "    else if (!info.verifying)",
    to = "    else if (0)",
    specs = { { R, "is nil and why with verify = false" } } },
}
