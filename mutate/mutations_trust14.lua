-- Mutations for session 14's binding of sessions to the verification
-- settings that made them, each killed by the spec named. Same form as
-- mutate/mutations.lua.
local SP = "spec/trust14_session_binding_spec.lua"
local CFG, RES, SES = "csrc/pki/tls_config.c", "csrc/engine/tls_resume.c", "csrc/hs/tls_session.c"
local C13, C12 = "csrc/hs/tls13_psk_client.c", "csrc/hs/tls12_resume_client.c"
local S13, S12 = "csrc/hs/tls13_psk_server.c", "csrc/hs/tls12_resume_server.c"

local SAME = "resumes in a new context with the same options"
local OTHER_CA = "is not offered under another ca"
local S_SAME = "resumes on a server context with the same options"
local S_CA = "is not resumed after the server.s client ca changes"
local S_NOCERT = "without a client certificate resumes"

return {
  -- the client offers a session made under other settings
  { name = "trust14_tls13_client_settings_unchecked", file = C13,
    from = [[    const char *other = tls_resume_settings_misfit(c, s);
    if (other == NULL)
        other = tls_resume_auth_misfit(c, s, now_ms);]],
    to = [[    const char *other = tls_resume_auth_misfit(c, s, now_ms);]],
    specs = { { SP, OTHER_CA } } },
  { name = "trust14_tls12_client_settings_unchecked", file = C12,
    from = [[    const char *other = tls_resume_settings_misfit(c, s);
    if (other == NULL)
        other = tls_resume_auth_misfit(c, s, tls_config_now_ms(cfg));]],
    to = [[    const char *other = tls_resume_auth_misfit(c, s, tls_config_now_ms(cfg));]],
    specs = { { SP, OTHER_CA } } },
  -- the server resumes a client certificate verified under other settings
  { name = "trust14_tls13_server_settings_unchecked", file = S13,
    from = [[const char *other = s->peer_cert.len > 0 ? tls_resume_settings_misfit(c, s) : NULL;]],
    to = [[const char *other = NULL;]],
    specs = { { SP, S_CA } } },
  { name = "trust14_tls12_server_settings_unchecked", file = S12,
    from = [[const char *other = s->peer_cert.len > 0 ? tls_resume_settings_misfit(c, s) : NULL;]],
    to = [[const char *other = NULL;]],
    specs = { { SP, S_CA } } },
  -- ... or refuses sessions without one, which resume as before
  { name = "trust14_tls13_server_checks_certless_sessions", file = S13,
    from = [[const char *other = s->peer_cert.len > 0 ? tls_resume_settings_misfit(c, s) : NULL;]],
    to = [[const char *other = tls_resume_settings_misfit(c, s);]],
    specs = { { SP, S_NOCERT } } },
  { name = "trust14_tls12_server_checks_certless_sessions", file = S12,
    from = [[const char *other = s->peer_cert.len > 0 ? tls_resume_settings_misfit(c, s) : NULL;]],
    to = [[const char *other = tls_resume_settings_misfit(c, s);]],
    specs = { { SP, S_NOCERT } } },
  -- a session text from before the field counts as the same settings
  { name = "trust14_old_session_offered", file = RES,
    from = [[    if (!s->has_verify_digest)
        return]],
    to = [[    if (!s->has_verify_digest)
        return NULL;
    if (0)
        return]],
    specs = { { SP, "of the format before the field is not offered" } } },
  -- the field is not written, or not read back
  { name = "trust14_digest_not_encoded", file = SES,
    from = [[    if (s->has_verify_digest) {]],
    to = [[    if (0) {]],
    specs = { { SP, SAME } } },
  { name = "trust14_digest_not_decoded", file = SES,
    from = [[        s->has_verify_digest = !bad;]],
    to = [[        s->has_verify_digest = 0;]],
    specs = { { SP, SAME } } },
  -- a new session without the settings that made it
  { name = "trust14_tls13_client_session_unstamped", file = C13,
    from = [[    tls_resume_stamp(c, s);
]],
    to = "",
    specs = { { SP, SAME } } },
  { name = "trust14_tls12_client_session_unstamped", file = C12,
    from = [[    tls_resume_stamp(c, s);
]],
    to = "",
    specs = { { SP, SAME } } },
  { name = "trust14_tls13_server_session_unstamped", file = S13,
    from = [[    tls_resume_stamp(c, s);
]],
    to = "",
    specs = { { SP, S_SAME } } },
  { name = "trust14_tls12_server_session_unstamped", file = S12,
    from = [[    tls_resume_stamp(c, &s);
]],
    to = "",
    specs = { { SP, S_SAME } } },
  -- each setting the digest covers, left out
  { name = "trust14_digest_without_trust_anchors", file = CFG,
    from = [[    memcpy(in + n, c->trust_digest, sizeof c->trust_digest);]],
    to = [[    memset(in + n, 0, sizeof c->trust_digest);]],
    specs = { { SP, OTHER_CA } } },
  { name = "trust14_digest_without_verify", file = CFG,
    from = [[    in[n++] = (uint8_t)c->verify;]],
    to = [[    in[n++] = 0;]],
    specs = { { SP, "made with verify on is not offered once verify is off" },
              { SP, "is not resumed once the server requires client certificates" } } },
  { name = "trust14_digest_without_chain_only", file = CFG,
    from = [[    in[n++] = (uint8_t)(c->verify_chain_only != 0);]],
    to = [[    in[n++] = 0;]],
    specs = { { SP, "made checking the chain only" } } },
  { name = "trust14_digest_without_security_level", file = CFG,
    from = [[    in[n++] = (uint8_t)c->security_level;]],
    to = [[    in[n++] = 0;]],
    specs = { { SP, "is not offered under a higher security_level" } } },
  { name = "trust14_digest_without_crl_check", file = CFG,
    from = [[    in[n++] = (uint8_t)c->crl_check;]],
    to = [[    in[n++] = 0;]],
    specs = { { SP, "is not offered under other CRLs" } } },
  { name = "trust14_digest_without_ocsp_require", file = CFG,
    from = [[    in[n++] = (uint8_t)c->ocsp;]],
    to = [[    in[n++] = 0;]],
    specs = { { SP, "is not offered once OCSP is required" } } },
  { name = "trust14_digest_without_verify_function", file = CFG,
    from = [[    in[n++] = (uint8_t)(verify_fn_id != NULL);
    if (verify_fn_id != NULL) {]],
    to = [[    in[n++] = (uint8_t)(verify_fn_id != NULL) * 0;
    if (0 && verify_fn_id != NULL) {]],
    specs = { { SP, "is not offered once a verify function is added" } } },
  -- a trust load not fed into the chain
  { name = "trust14_ca_file_not_fed", file = CFG,
    from = [[    trust_feed(c, "ca file", data.data, data.len);
]],
    to = "",
    specs = { { SP, OTHER_CA } } },
  { name = "trust14_ca_file_path_not_content", file = CFG,
    from = [[    trust_feed(c, "ca file", data.data, data.len);]],
    to = [[    trust_feed(c, "ca file", path, strlen(path));]],
    specs = { { SP, "is not offered after the ca file.s content changes" } } },
  { name = "trust14_ca_pem_not_fed", file = CFG,
    from = [[    trust_feed(c, "ca pem", pem, len);
]],
    to = "",
    specs = { { SP, "binds the ca by content" } } },
  { name = "trust14_crl_not_fed", file = CFG,
    from = [[        trust_feed(c, "crl", data.data, data.len);
]],
    to = [[        (void)data;
]],
    specs = { { SP, "is not offered under other CRLs" } } },
}
