-- Mutations for review25b (the authentication a session carries:
-- spec/review25b_spec.lua). Same form as mutate/mutations.lua.
local R = "spec/review25b_spec.lua"
local A = "csrc/engine/tls_resume_auth.c"
local S13 = "csrc/hs/tls13_psk_server.c"

return {
  -- F4, server: a ticket whose certificate check is past ticket_lifetime accepted
  { name = "review25b_server_auth_age_unchecked", file = S13,
    from = [[    if (auth_age >= (uint64_t)c->pol.ticket_lifetime * 1000) {]],
    to = [[    if (0 && auth_age >= (uint64_t)c->pol.ticket_lifetime * 1000) {]],
    specs = { { R, "refused past the bound even when its own lifetime is not" } } },
  -- F4, server: tickets of a resumed connection get the full lifetime again
  { name = "review25b_server_lifetime_not_cut", file = S13,
    from = [[    if (c->resumed && left_s < s->lifetime_s)
        s->lifetime_s = (uint32_t)left_s;]],
    to = [[    if (0 && c->resumed && left_s < s->lifetime_s)
        s->lifetime_s = (uint32_t)left_s;]],
    specs = { { R, "tickets of resumed connections live what is left of ticket_lifetime" } } },
  -- F4, server: a ticket of lifetime 0 sent instead of none
  { name = "review25b_server_ticket_when_nothing_left", file = S13,
    from = [[    if (rc == 0 && s.lifetime_s == 0) {]],
    to = [[    if (0) {]],
    specs = { { R, "no ticket on a resumed connection when nothing is left" } } },
  -- F4: every new session authenticated now (the chain restarts the clock)
  { name = "review25b_stamp_auth_now", file = A,
    from = [[    s->auth_ms = c->auth_ms != 0 ? c->auth_ms : s->created_ms;]],
    to = [[    s->auth_ms = s->created_ms;]],
    specs = { { R, "tickets of resumed connections live what is left of ticket_lifetime" },
              { R, "older than 7 days is not offered" } } },
  -- F4: a resumed connection does not take over the session's check time
  { name = "review25b_resumed_auth_not_inherited", file = A,
    from = [[    c->auth_ms = s->auth_ms;]],
    to = [[    c->auth_ms = 0;]],
    specs = { { R, "tickets of resumed connections live what is left of ticket_lifetime" },
              { R, "older than 7 days is not offered" } } },
  -- F4, client: the 7-day bound not applied
  { name = "review25b_client_auth_age_unchecked", file = A,
    from = [[    if (tls_resume_auth_age_ms(s, now_ms) >= (uint64_t)TLS_MAX_TICKET_LIFETIME * 1000)]],
    to = [[    if (0 && tls_resume_auth_age_ms(s, now_ms) >= (uint64_t)TLS_MAX_TICKET_LIFETIME * 1000)]],
    specs = { { R, "older than 7 days is not offered" } } },
  -- F4, client: an expired server leaf in the session not noticed
  { name = "review25b_client_leaf_expiry_unchecked", file = A,
    from = [[    if (tls_resume_peer_expired(c, s, now_ms))
        return "the server's certificate kept in the session, or]],
    to = [[    if (tls_resume_peer_expired(c, s, now_ms) && 0)
        return "the server's certificate kept in the session, or]],
    specs = { { R, "whose server certificate has expired is not offered" } } },
  -- F4: a session of the older format refused instead of not resumed
  { name = "review25b_old_format_refused", file = "csrc/engine/tls_resume.c",
    from = [[        if (rc == TLS_SESSION_OLD_FORMAT) {]],
    to = [[        if (0) {]],
    specs = { { R, "a session text of the older format" } } },
  -- F1: the digest tells ocsp = false and ocsp = true apart no more
  { name = "review25b_digest_ocsp_only_require", file = "csrc/pki/tls_config.c",
    from = [[    in[n++] = (uint8_t)c->ocsp;]],
    to = [[    in[n++] = (uint8_t)(c->ocsp == TLS_OCSP_REQUIRE);]],
    specs = { { R, "no staple: a full handshake fails" } } },
  -- F3: a TLS 1.3 session kept without the server's leaf
  { name = "review25b_tls13_session_without_leaf", file = "csrc/hs/tls13_psk_client.c",
    from = [[    if (s->peer_cert.len == 0 && c->peer_chain != NULL && sk_X509_num(c->peer_chain) > 0) {]],
    to = [[    if (0 && s->peer_cert.len == 0 && c->peer_chain != NULL && sk_X509_num(c->peer_chain) > 0) {]],
    specs = { { R, "a leaf over 16 KiB" } } },
  -- F2: a session offered from a context without its client certificate
  { name = "review25b_client_own_cert_unchecked", file = A,
    from = [[    if (s->has_own_cert && own_pair(c, s->own_cert) == NULL)]],
    to = [[    if (0 && s->has_own_cert && own_pair(c, s->own_cert) == NULL)]],
    specs = { { R, "offered only from a context holding the certificate" } } },
  -- F2: info().client_certificate not reported on resumption
  { name = "review25b_resumed_own_cert_not_reported", file = A,
    from = [[    c->own = s->has_own_cert ? own_pair(c, s->own_cert) : NULL;]],
    to = [[    c->own = NULL;]],
    specs = { { R, "offered only from a context holding the certificate" } } },
  -- F2, F5: TLS 1.2 offers without the authentication checks
  { name = "review25b_tls12_auth_unchecked", file = "csrc/hs/tls12_resume_client.c",
    from = [[        other = tls_resume_auth_misfit(c, s, tls_config_now_ms(cfg));]],
    to = [[        other = NULL;]],
    specs = { { R, "TLSv1.2: offered only from a context holding the certificate" } } },
  -- F5: the session's signature scheme not judged against sigalgs
  { name = "review25b_client_sigscheme_unchecked", file = A,
    from = [[    if (tls_resume_sigscheme_misfit(c, s))
        return "the server authenticated]],
    to = [[    if (0 && tls_resume_sigscheme_misfit(c, s))
        return "the server authenticated]],
    specs = { { R, "sigalgs = ed25519 does not resume" } } },
  -- F5: the scheme list searched with an off-by-one (the first scheme missed)
  { name = "review25b_sigscheme_first_missed", file = A,
    from = [[    for (size_t i = 0; i < c->pol.n_sigalgs; i++)
        if (c->pol.sigalgs[i] == s->peer_sigscheme)]],
    to = [[    for (size_t i = 1; i < c->pol.n_sigalgs; i++)
        if (c->pol.sigalgs[i] == s->peer_sigscheme)]],
    specs = { { R, "a server whose sigalgs refuse the client's scheme" } } },
  -- F5, server: a client certificate session resumed under sigalgs refusing its scheme
  { name = "review25b_tls13_server_sigscheme_unchecked", file = S13,
    from = [[    if (s->peer_cert.len > 0 && tls_resume_sigscheme_misfit(c, s)) {]],
    to = [[    if (0 && s->peer_cert.len > 0 && tls_resume_sigscheme_misfit(c, s)) {]],
    specs = { { R, "TLSv1.3: a server whose sigalgs refuse" } } },
  { name = "review25b_tls12_server_sigscheme_unchecked", file = "csrc/hs/tls12_resume_server.c",
    from = [[    if (s->peer_cert.len > 0 && tls_resume_sigscheme_misfit(c, s)) {]],
    to = [[    if (0 && s->peer_cert.len > 0 && tls_resume_sigscheme_misfit(c, s)) {]],
    specs = { { R, "TLSv1.2: a server whose sigalgs refuse" } } },
  -- F5, server: the client's scheme not recorded (TLS 1.2 CertificateVerify)
  { name = "review25b_tls12_server_client_scheme_unrecorded", file = "csrc/hs/tls12_server.c",
    from = [[    c->peer_sigscheme = scheme;]],
    to = [[    c->peer_sigscheme = 0;]],
    specs = { { R, "TLSv1.2: a server whose sigalgs refuse" } } },
}
