-- Mutations for session 14's lead work, each killed by the spec named
-- (same form as mutate/mutations.lua): conn:finished() (the Finished
-- verify_data kept for getfinished/getpeerfinished), receive_early's message
-- after a failed handshake, ca:issued(cert, ...) and ecdsa_secp521r1_sha512.
local F, I = "spec/finished_spec.lua", "spec/interop_luasec_spec.lua"

return {
  -- (finished14_peer_recorded_unverified, a peer Finished recorded before it
  -- verified, is gone: since session 19 a failed connection gives no
  -- Finished values at all, so the record can no longer be seen; that
  -- refusal has its own planted bug, misc19's in mutations_misc19.lua.)
  -- TLS 1.2: the server's record of the client's Finished
  { name = "finished14_tls12_server_peer_unrecorded", file = "csrc/hs/tls12_server.c",
    from = [[    tls_hs_note_finished(c, 1, got, TLS12_VERIFY_DATA_LEN);]],
    to = [[    (void)got;]],
    specs = { { F, "TLS 1.2" } } },
  -- TLS 1.2: the client's own Finished, as libssl saw it
  { name = "finished14_tls12_client_sent_wrong", file = "csrc/hs/tls12_client.c",
    from = [[    tls_hs_note_finished(c, 0, vd, sizeof vd);]],
    to = [[    tls_hs_note_finished(c, 0, vd, sizeof vd - 1);]],
    specs = { { F, "TLS 1.2" }, { I, "Finished values" } } },
  -- receive_early after a failed handshake says why (spec/receive_early_failed_spec.lua)
  { name = "session14_receive_early_failed_unreported", file = "csrc/lua/lua_conn.c",
    from = [[    if (st == TLS_IO_DONE && (tls_conn_status(c->tls) & TLS_STATUS_FAILED))]],
    to = [[    if (0 && (tls_conn_status(c->tls) & TLS_STATUS_FAILED))]],
    specs = { { "spec/receive_early_failed_spec.lua", "reports the failure" } } },
  -- ca:issued verifies the chain: only X509_verify_cert's yes is a yes
  { name = "session14_issued_any_result", file = "csrc/lua/lua_cert_issued.c",
    from = [[    if (verified == 1) {]],
    to = [[    if (verified >= 0) {]],
    specs = { { "spec/luasec_cert14_spec.lua", "issued agrees with LuaSec" } } },
  -- ca:issued trusts only ca: intermediates stay untrusted
  { name = "session14_issued_intermediates_trusted", file = "csrc/lua/lua_cert_issued.c",
    from = [[        ok = sk_X509_push(untrusted, tls_lua_check_certobj(L, i)) > 0;]],
    to = [[        ok = X509_STORE_add_cert(store, tls_lua_check_certobj(L, i)) == 1;]],
    specs = { { "spec/luasec_cert14_spec.lua", "issued agrees with LuaSec" } } },
  -- TLS 1.3 binds ecdsa_secp521r1_sha512 to P-521 keys (spec/p521_spec.lua)
  { name = "session14_p521_scheme_any_curve", file = "csrc/crypto/tls_sig.c",
    from = [[    {TLS_SIG_ECDSA_SECP521R1_SHA512, SIG_ECDSA, 512, NID_secp521r1},]],
    to = [[    {TLS_SIG_ECDSA_SECP521R1_SHA512, SIG_ECDSA, 512, NID_X9_62_prime256v1},]],
    specs = { { "spec/p521_spec.lua", "binds the curve" } } },
}
