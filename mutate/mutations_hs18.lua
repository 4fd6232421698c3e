-- Mutations for session 18's checks, each killed by spec/hs18_spec.lua.
-- Same form as mutate/mutations.lua. Each puts back the context's current
-- setting (c->cfg) where a connection must use what it took when it was
-- made (c->pol, engine/tls_conn_int.h).
local S = "spec/hs18_spec.lua"
local CLIENT13, COMMON13 = "csrc/hs/tls13_client.c", "csrc/hs/tls13_common.c"
local CLIENT12, HS_COMMON = "csrc/hs/tls12_client.c", "csrc/hs/tls_hs_common.c"

return {
  -- rfc8446#4.1.3: a ServerHello suite judged against the context, not the ClientHello
  { name = "hs18_suite_against_context", file = CLIENT13,
    from = [[if (!tls_hello_offered(c->pol.suites, c->pol.n_suites, suite) || chosen == NULL ||]],
    to = [[if (!tls_hello_offered(c->cfg->suites, c->cfg->n_suites, suite) || chosen == NULL ||]],
    specs = { { S, "refuses a suite it did not offer, though its context now lists it" } } },
  -- rfc8446#4.1.4: a HelloRetryRequest group judged against the context
  { name = "hs18_hrr_group_against_context", file = CLIENT13,
    from = [[if (!tls_hello_offered(c->pol.groups, c->pol.n_groups, group) || group == c->group)]],
    to = [[if (!tls_hello_offered(c->cfg->groups, c->cfg->n_groups, group) || group == c->group)]],
    specs = { { S, "refuses a HelloRetryRequest for a group it did not offer" } } },
  -- rfc8446#4.4.3: a CertificateVerify scheme judged against the context
  { name = "hs18_cv_scheme_against_context", file = COMMON13,
    from = [[    while (i < c->pol.n_sigalgs && c->pol.sigalgs[i] != scheme)
        i++;
    /* rfc8446#4.4.3: "RSA signatures MUST use an RSASSA-PSS algorithm,
     * regardless of whether RSASSA-PKCS1-v1_5 algorithms appear in
     * "signature_algorithms"" (we offer those for TLS 1.2). */
    if (scheme == TLS_SIG_RSA_PKCS1_SHA256 || scheme == TLS_SIG_RSA_PKCS1_SHA384 ||
        scheme == TLS_SIG_RSA_PKCS1_SHA512)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "peer signed with %s, which TLS 1.3 does not allow in CertificateVerify",
                        tls_sigscheme_name(scheme));
    if (i == c->pol.n_sigalgs)]],
    to = [[    while (i < c->cfg->n_sigalgs && c->cfg->sigalgs[i] != scheme)
        i++;
    /* rfc8446#4.4.3: "RSA signatures MUST use an RSASSA-PSS algorithm,
     * regardless of whether RSASSA-PKCS1-v1_5 algorithms appear in
     * "signature_algorithms"" (we offer those for TLS 1.2). */
    if (scheme == TLS_SIG_RSA_PKCS1_SHA256 || scheme == TLS_SIG_RSA_PKCS1_SHA384 ||
        scheme == TLS_SIG_RSA_PKCS1_SHA512)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "peer signed with %s, which TLS 1.3 does not allow in CertificateVerify",
                        tls_sigscheme_name(scheme));
    if (i == c->cfg->n_sigalgs)]],
    specs = { { S, "refuses a CertificateVerify scheme it did not offer" } } },
  -- rfc7301#3.2: the server's ALPN answer judged against the context
  { name = "hs18_alpn_against_context", file = "csrc/hs/tls_alpn.c",
    from = [[    const tls_buf *ours = &c->pol.alpn;
    tls_reader offered]],
    to = [[    const tls_buf *ours = &c->cfg->alpn;
    tls_reader offered]],
    specs = { { S, "refuses an ALPN protocol it did not offer" } } },
  -- a client's verification turned off by set_verify(false) mid-handshake
  { name = "hs18_client_verify_from_context", file = HS_COMMON,
    from = [[int ok = !c->pol.verify ||]],
    to = [[int ok = !c->cfg->verify ||]],
    specs = { { S, "keeps verifying the server after set_verify" } } },
  -- a server's required client certificate dropped by set_verify(false) mid-handshake
  { name = "hs18_server_required_from_context", file = HS_COMMON,
    from = [[int required = c->pol.verify == TLS_VERIFY_REQUIRED;]],
    to = [[int required = c->cfg->verify == TLS_VERIFY_REQUIRED;]],
    specs = { { S, "still requires a client certificate after set_verify" } } },
  -- rfc5246#7.4.1.3: a TLS 1.2 ServerHello suite judged against the context
  { name = "hs18_tls12_suite_against_context", file = CLIENT12,
    from = [[if (!tls_hello_offered(c->pol.suites, c->pol.n_suites, sh->suite) || chosen == NULL ||]],
    to = [[if (!tls_hello_offered(c->cfg->suites, c->cfg->n_suites, sh->suite) || chosen == NULL ||]],
    specs = { { S, "TLSv1.2: suites, groups, signature schemes and ALPN changed mid-handshake" } } },
  -- rfc8422#5.4: a ServerKeyExchange group judged against the context
  { name = "hs18_tls12_ske_group_against_context", file = CLIENT12,
    from = [[if (!tls_hello_offered(c->pol.groups, c->pol.n_groups, group) || tls_group_is_ffdhe(group))]],
    to = [[if (!tls_hello_offered(c->cfg->groups, c->cfg->n_groups, group) || tls_group_is_ffdhe(group))]],
    specs = { { S, "the ServerKeyExchange group and scheme are judged against the ClientHello" } } },
  -- rfc5246#7.4.1.4.1: a ServerKeyExchange scheme judged against the context
  { name = "hs18_tls12_ske_scheme_against_context", file = CLIENT12,
    from = [[if (!tls_hello_offered(c->pol.sigalgs, c->pol.n_sigalgs, scheme))]],
    to = [[if (!tls_hello_offered(c->cfg->sigalgs, c->cfg->n_sigalgs, scheme))]],
    specs = { { S, "the ServerKeyExchange group and scheme are judged against the ClientHello" } } },
  -- a servername switch that keeps the first context's settings
  { name = "hs18_servername_switch_keeps_policy", file = "csrc/hs/tls_hello_server.c",
    from = [[    c->cfg = next;
    if (tls_policy_take(c) != 0)
        return -1;]],
    to = [[    c->cfg = next;]],
    specs = { { S, "a servername switch takes the chosen context" } } },
  -- rfc5246#7.4.1.1: a HelloRequest before the ServerHello is unexpected_message again
  { name = "hs18_hello_request_before_sh_refused", file = "csrc/hs/tls_hello_client.c",
    from = [[        if (type == TLS_HS_HELLO_REQUEST && !c->hello_retry && c->offered_min <= TLS_VERSION_12)
            return tls12_client_ignore_hello_request(c, body);]],
    to = [[]],
    specs = { { S, "is ignored by a client offering TLS 1.3 and 1.2" } } },
  -- ... ignored after a HelloRetryRequest, where the server has chosen TLS 1.3
  { name = "hs18_hello_request_after_hrr_ignored", file = "csrc/hs/tls_hello_client.c",
    from = [[if (type == TLS_HS_HELLO_REQUEST && !c->hello_retry && c->offered_min <= TLS_VERSION_12)]],
    to = [[if (type == TLS_HS_HELLO_REQUEST && c->offered_min <= TLS_VERSION_12)]],
    specs = { { S, "is unexpected after a HelloRetryRequest" } } },
  -- ... ignored by a client that offers TLS 1.3 alone
  { name = "hs18_hello_request_13only_ignored", file = "csrc/hs/tls_hello_client.c",
    from = [[if (type == TLS_HS_HELLO_REQUEST && !c->hello_retry && c->offered_min <= TLS_VERSION_12)]],
    to = [[if (type == TLS_HS_HELLO_REQUEST && !c->hello_retry)]],
    specs = { { S, "is unexpected to a client offering only TLS 1.3" } } },
  -- ... without a bound
  { name = "hs18_hello_request_unbounded", file = CLIENT12,
    from = [[    if (++c->key_updates_in_row > TLS_MAX_KEY_UPDATES_IN_ROW)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "too many HelloRequest messages");]],
    to = [[]],
    specs = { { S, "is refused past a bound" } } },
  -- ... with a body
  { name = "hs18_hello_request_body_taken", file = CLIENT12,
    from = [[    if (tls_rd_left(body) != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "HelloRequest is not empty");]],
    to = [[    (void)body;]],
    specs = { { S, "is refused when it is not empty" } } },
  -- rfc4343#3: a server matching a ticket's or a session's server name
  -- case-sensitively (hs18_ticket_name_case_13, hs18_session_name_case_12)
  -- is no bug since session 38: the server lower-cases the client's name
  -- before it stores or compares one (review38d F3), so strcmp and
  -- tls_session_name_matches agree on every name it can meet; the planted
  -- bug for that is review38_sni_case_kept.
  -- a name that is a prefix of the other taken as the same
  { name = "hs18_session_name_prefix", file = "csrc/hs/tls_session.c",
    from = [[    return *a == *b;]],
    to = [[    return 1;]],
    specs = { { S, "TLSv1.3: a session made for example.com does not resume for example.co" } } },
  -- case folded too far: bytes one apart taken as the same
  { name = "hs18_session_name_fold_loose", file = "csrc/hs/tls_session.c",
    from = [[        if (ascii_lower(*a) != ascii_lower(*b))]],
    to = [[        if ((ascii_lower(*a) | 1) != (ascii_lower(*b) | 1))]],
    specs = { { S, "TLSv1.3: a session made for example.com does not resume for example.co" } } },
  -- the peer's chain checked at the context's current security level
  { name = "hs18_security_level_from_context", file = HS_COMMON,
    from = [[tls_x509_verify_chain_at(c->cfg, c->pol.security_level, c->pol.crl_check, c->peer_chain,]],
    to = [[tls_x509_verify_chain_at(c->cfg, c->cfg->security_level, c->pol.crl_check, c->peer_chain,]],
    specs = { { S, "security_level lowered mid-handshake still refuses" } } },
  -- ... with the context's current CRL check
  { name = "hs18_crl_check_from_context", file = HS_COMMON,
    from = [[tls_x509_verify_chain_at(c->cfg, c->pol.security_level, c->pol.crl_check, c->peer_chain,]],
    to = [[tls_x509_verify_chain_at(c->cfg, c->pol.security_level, c->cfg->crl_check, c->peer_chain,]],
    specs = { { S, "still refuses a chain with a revoked intermediate" } } },
  -- ocsp = "require" dropped by set_ocsp("off") mid-handshake
  { name = "hs18_ocsp_require_from_context", file = "csrc/hs/tls_ocsp_hs.c",
    from = [[int require = c->pol.ocsp == TLS_OCSP_REQUIRE || must_staple;]],
    to = [[int require = c->cfg->ocsp == TLS_OCSP_REQUIRE || must_staple;]],
    specs = { { S, "TLSv1.3: ocsp \"require\" turned off mid-handshake" },
              { S, "TLSv1.2: ocsp \"require\" turned off mid-handshake" } } },
  -- rfc8446#4.2.9: psk_ke taken when the context allows it now, though the ClientHello did not offer it
  { name = "hs18_psk_ke_from_context", file = "csrc/hs/tls13_psk_client.c",
    from = [[return c->resumed && c->pol.psk_ke;]],
    to = [[return c->resumed && c->cfg->psk_ke;]],
    specs = { { "spec/resume13_client_spec.lua", "refuses psk_ke it did not offer, though its context allows it since" } } },
}
