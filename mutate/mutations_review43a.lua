-- Session 43 (review43a): our server's checks of the message type each
-- state waits for.
-- A message of the wrong type with the awaited message's body must not be
-- read as that message. Same form as mutate/mutations.lua.
local S = "spec/review43a_spec.lua"
return {
  { name = "review43a_server_hello_type_unchecked", file = "csrc/hs/tls_hello_server.c",
    from = "if (type != TLS_HS_CLIENT_HELLO)", to = "if (0)",
    specs = { { S, "a ServerHello carrying a ClientHello body is unexpected_message" } } },
  { name = "review43a_server13_certificate_type_unchecked", file = "csrc/hs/tls13_server.c",
    from = "if (type != TLS_HS_CERTIFICATE)", to = "if (0)",
    specs = { { S, "a CertificateVerify carrying an empty Certificate body is unexpected_message" } } },
  { name = "review43a_server13_finished_type_unchecked", file = "csrc/hs/tls13_server.c",
    from = "if (type != TLS_HS_FINISHED)", to = "if (0)",
    specs = { { S, "a KeyUpdate carrying the right verify_data is no Finished" } } },
  { name = "review43a_server12_certificate_type_unchecked", file = "csrc/hs/tls12_server.c",
    from = "if (type != TLS_HS_CERTIFICATE)", to = "if (0)",
    specs = { { S, "a ClientKeyExchange carrying an empty Certificate body is unexpected_message" } } },
  { name = "review43a_server12_cke_type_unchecked", file = "csrc/hs/tls12_server.c",
    from = "if (type != TLS_HS_CLIENT_KEY_EXCHANGE)", to = "if (0)",
    specs = { { "spec/tls12_server_spec.lua", "takes a client Certificate as unexpected_message" } } },
  { name = "review43a_server12_finished_type_unchecked", file = "csrc/hs/tls12_server.c",
    from = "if (type != TLS_HS_FINISHED)", to = "if (0)",
    specs = { { S, "a CertificateVerify carrying the right verify_data is no Finished" } } },
  -- Without HANDSHAKE_DONE in the test, a server (whose window never
  -- closes) would drop a change_cipher_spec after the handshake.
  { name = "review43a_server13_ccs_after_handshake", file = "csrc/engine/tls_dispatch.c",
    from = "if (!c->ccs_ignorable || (c->status & TLS_STATUS_HANDSHAKE_DONE))", to = "if (!c->ccs_ignorable)",
    specs = { { S, "refuses a plaintext change_cipher_spec after the handshake" } } },
  -- 0-RTT gating on the server: early_data in EncryptedExtensions and the
  -- early read key only when accepted; declined records skipped.
  { name = "review43a_early_ee_always", file = "csrc/hs/tls13_early.c",
    from = "    if (c->early_data != 1)\n        return;\n    tls_buf_u16(msg, TLS_EXT_EARLY_DATA);",
    to = "    if (c->early_data == 2)\n        return;\n    tls_buf_u16(msg, TLS_EXT_EARLY_DATA);",
    specs = { { "spec/early_data_resume_spec.lua", "accepts early data only when the PSK it accepted is the client's first" } } },
  { name = "review43a_early_read_key_always", file = "csrc/hs/tls13_early.c",
    from = "    if (c->early_data != 1)\n        return 0;\n    tls_early *e = c->early;",
    to = "    if (0)\n        return 0;\n    tls_early *e = c->early;",
    specs = { { "spec/early_data_spec.lua", "skips the records that follow a ClientHello with early_data" } } },
  { name = "review43a_early_declined_not_skipped", file = "csrc/hs/tls13_server.c",
    from = "if (chp->early_data && c->early_data != 1)", to = "if (0)",
    specs = { { "spec/early_data_spec.lua", "skips the records that follow a ClientHello with early_data" } } },
  { name = "review43a_early_after_hrr_not_skipped", file = "csrc/hs/tls13_server.c",
    from = "        if (chp->early_data)\n            c->early_skip = TLS_EARLY_SKIP_PLAIN;",
    to = "        if (0)\n            c->early_skip = TLS_EARLY_SKIP_PLAIN;",
    specs = { { "spec/early_data_spec.lua", "after a HelloRetryRequest, skips application_data records until the second ClientHello" } } },
  -- rfc8446#4.2.10: once early data is accepted, a 0-RTT record that does
  -- not open is a bad_record_mac, not a declined record to skip.
  { name = "review43a_early_accepted_skips_bad_records", file = "csrc/hs/tls13_server.c",
    from = "if (chp->early_data && c->early_data != 1)", to = "if (chp->early_data)",
    specs = { { S, "does not skip a 0-RTT record that fails to open once early data is accepted" } } },
}
