-- Review 45b: the server's refusals of a hostile client that had a spec but
-- no planted bug (or neither: review45b_spec.lua).
local S = "spec/review45b_spec.lua"
return {
  { name = "review45b_ch_ems_body_taken", file = "csrc/hs/tls_hello_server.c",
    from = [[if (tls_rd_left(tls_hs_find_ext(exts, TLS_EXT_EXTENDED_MASTER_SECRET)) != 0)]],
    to = [[if (0 && tls_rd_left(tls_hs_find_ext(exts, TLS_EXT_EXTENDED_MASTER_SECRET)) != 0)]],
    specs = { { S, "extended_master_secret must be empty" } } },
  { name = "review45b_ch_early_data_body_taken", file = "csrc/hs/tls_hello_server.c",
    from = [[        if (tls_rd_left(r) != 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello early_data is not empty");]],
    to = [[        if (0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello early_data is not empty");]],
    specs = { { "spec/malformed_spec.lua", "early_data with content is decode_error" } } },
  { name = "review45b_ch_pha_body_taken", file = "csrc/hs/tls_hello_server.c",
    from = [[if ((r = tls_hs_find_ext(exts, TLS_EXT_POST_HANDSHAKE_AUTH)) != NULL && tls_rd_left(r) != 0)]],
    to = [[if ((r = tls_hs_find_ext(exts, TLS_EXT_POST_HANDSHAKE_AUTH)) != NULL && 0)]],
    specs = { { "spec/conform24_spec.lua", "refuses post_handshake_auth with a body" } } },
  { name = "review45b_ch_sigalgs_cert_odd_taken", file = "csrc/hs/tls_hello_server.c",
    from = [[if (!tls_rd_ok(&copy) || list.len == 0 || list.len % 2 != 0 || !tls_rd_end(&copy))]],
    to = [[if (!tls_rd_ok(&copy) || (list.len == 0 && 0) || !tls_rd_end(&copy))]],
    specs = { { "spec/conform24_spec.lua", "refuses an empty or odd signature_algorithms_cert" } } },
  { name = "review45b_ch_no_compression_taken", file = "csrc/hs/tls_hello_server.c",
    from = [[if (!tls_rd_end(body) || compression.len == 0)]],
    to = [[if (!tls_rd_end(body))]],
    specs = { { "spec/malformed_spec.lua", "an empty compression_methods is decode_error" } } },
  { name = "review45b_empty_protected_record_taken", file = "csrc/record/tls_protect13.c",
    from = [[} else if (n == 0 && (inner == TLS_CT_ALERT || inner == TLS_CT_HANDSHAKE)) {]],
    to = [[} else if (0) {]],
    specs = { { "spec/record_rules_spec.lua", "empty content in a protected record" } } },
  { name = "review45b_no_renegotiation_unsaid", file = "csrc/hs/tls12_common.c",
    from = [[    return tls_record_send_alert(c, TLS_ALERT_LEVEL_WARNING, TLS_ALERT_NO_RENEGOTIATION);]],
    to = [[    return 0;]],
    specs = { { "spec/review41a_spec.lua", "TLS 1.2 server: 40 renegotiating ClientHellos" } } },
  { name = "review45b_psk_suite_of_other_hash_taken", file = "csrc/hs/tls13_psk_server.c",
    from = [[    if (choice->suite == NULL) {
        snprintf(why, why_size, "no cipher suite in common with the client has the session's hash (%s)",]],
    to = [[    if (choice->suite == NULL && 0) {
        snprintf(why, why_size, "no cipher suite in common with the client has the session's hash (%s)",]],
    specs = { { "spec/resume13_server_spec.lua", "a ticket whose hash no offered suite has" } } },
  { name = "review45b_psk_hash_after_hrr_ignored", file = "csrc/hs/tls13_psk_server.c",
    from = [[return c->suite->md == md ? c->suite : NULL;]],
    to = [[return c->suite->md == md || 1 ? c->suite : NULL;]],
    specs = { { S, "PSK of another hash than the HelloRetryRequest's suite" } } },
}
