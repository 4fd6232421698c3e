-- Session 40 (helper 40f): refusals in the handshake that no planted bug
-- covered yet, each disabled where it is made (the checks of a helper that
-- several messages share were covered, their call for one message not).
-- Same form as mutate/mutations.lua.
local M = "spec/malformed_spec.lua"
local MS = "spec/mtls_server_spec.lua"
local A21 = "spec/alerts21_spec.lua"
local R = "spec/review40f_spec.lua"
return {
  -- Found covered by existing tests once planted.
  { name = "r40f_sh13_ext_check_skipped", file = "csrc/hs/tls13_client.c",
    from = [[if (tls_ext_check(c, &sh->exts, TLS_EXT_IN_SH) != 0)]],
    to = [[if (0 && tls_ext_check(c, &sh->exts, TLS_EXT_IN_SH) != 0)]],
    specs = { { M, "a misplaced known extension weighs more than an unknown one" } } },
  { name = "r40f_sh12_ext_check_skipped", file = "csrc/hs/tls12_client.c",
    from = [[if (tls_ext_check(c, &sh->exts, TLS_EXT_IN_SH12) != 0 ||]],
    to = [[if ((0 && tls_ext_check(c, &sh->exts, TLS_EXT_IN_SH12) != 0) ||]],
    specs = { { A21, "one we did not send (heartbeat) is unsupported_extension" } } },
  { name = "r40f_server13_skips_client_finished", file = "csrc/hs/tls13_server.c",
    from = [[if (tls_hs_check_finished(c, body, c->keys.client_hs) != 0 ||]],
    to = [[if ((tls_hs_check_finished(c, body, c->keys.client_hs), 0) ||]],
    specs = { { M, "a Finished with one wrong byte is decrypt_error" } } },
  { name = "r40f_server13_ignores_client_cv", file = "csrc/hs/tls13_server.c",
    from = [[if (rc != 0 || tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)]],
    to = [[if ((0 && rc != 0) || tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)]],
    specs = { { MS, "checks the client's CertificateVerify signature" } } },
  { name = "r40f_cr12_trailing_accepted", file = "csrc/hs/tls12_client.c",
    from = [[    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "CertificateRequest is malformed");]],
    to = [[    if (0 && !tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "CertificateRequest is malformed");]],
    specs = { { "spec/mtls_client_spec.lua", "refuses bytes after the CA names" } } },
  { name = "r40f_ch12_point_formats_malformed", file = "csrc/hs/tls12_server.c",
    from = [[if (!tls_rd_end(&r) || formats.len == 0)]],
    to = [[if (0 && (!tls_rd_end(&r) || formats.len == 0))]],
    specs = { { "spec/sigpss21_spec.lua", "refuses an empty ec_point_formats list whatever the groups" } } },

  -- Survived every existing test: spec/review40f_spec.lua notices them.
  { name = "r40f_cr13_ext_check_skipped", file = "csrc/hs/tls13_client.c",
    from = [[tls_ext_check(c, &exts, TLS_EXT_IN_CR) != 0)]],
    to = [[(0 && tls_ext_check(c, &exts, TLS_EXT_IN_CR) != 0))]],
    specs = { { R, "does not allow in CertificateRequest" } } },
  { name = "r40f_cr13_trailing_accepted", file = "csrc/hs/tls13_client.c",
    from = [[    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "CertificateRequest is malformed");]],
    to = [[    if (0 && !tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "CertificateRequest is malformed");]],
    specs = { { R, "refuses bytes after the CertificateRequest's extensions" } } },
  { name = "r40f_cr13_sigalgs_trailing_accepted", file = "csrc/hs/tls13_client.c",
    from = [[if (!tls_rd_end(sigalgs))]],
    to = [[if (0 && !tls_rd_end(sigalgs))]],
    specs = { { R, "refuses bytes after the signature_algorithms list" } } },
  { name = "r40f_cr13_cert_sigalgs_trailing_accepted", file = "csrc/hs/tls13_client.c",
    from = [[if (!tls_rd_end(cert_sigalgs))]],
    to = [[if (0 && !tls_rd_end(cert_sigalgs))]],
    specs = { { R, "refuses bytes after the signature_algorithms_cert list" } } },
  { name = "r40f_ee13_trailing_accepted", file = "csrc/hs/tls13_client.c",
    from = [[    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "EncryptedExtensions is malformed");]],
    to = [[    if (0 && !tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "EncryptedExtensions is malformed");]],
    specs = { { R, "refuses bytes after the EncryptedExtensions' extensions" } } },
  { name = "r40f_sh12_point_formats_malformed", file = "csrc/hs/tls12_client.c",
    from = [[if (!tls_rd_end(pf) || list.len == 0)]],
    to = [[if (0 && (!tls_rd_end(pf) || list.len == 0))]],
    specs = { { R, "ec_point_formats strictly refuses bytes after the list" },
              { R, "refuses an empty list as malformed" } } },
  { name = "r40f_server12_cv_malformed_accepted", file = "csrc/hs/tls12_server.c",
    from = [[if (!tls_rd_end(body) || sig.len == 0)]],
    to = [[if (0 && (!tls_rd_end(body) || sig.len == 0))]],
    specs = { { R, "refuses bytes after the signature" }, { R, "refuses an empty signature as malformed" } } },
}
