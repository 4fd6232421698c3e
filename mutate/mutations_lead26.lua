-- Mutations for the lead's session 26 work (spec/lead26_spec.lua: the
-- server checks the notAfter of a session's client certificate). Same form
-- as mutate/mutations.lua.
local L = "spec/lead26_spec.lua"
local R = "spec/review25b_spec.lua"
local LO = "spec/lua_oom_spec.lua"

return {
  -- the TLS 1.3 server resumes a ticket whose client certificate expired
  { name = "lead26_tls13_server_expired_client_cert", file = "csrc/hs/tls13_psk_server.c",
    from = [[    if (tls_resume_peer_expired(c, s, now)) {]],
    to = [[    if (tls_resume_peer_expired(c, s, now) && 0) {]],
    specs = { { L, "TLS 1.3 tickets" } } },
  -- the TLS 1.2 server resumes such a ticket or session id
  { name = "lead26_tls12_server_expired_client_cert", file = "csrc/hs/tls12_resume_server.c",
    from = [[    if (tls_resume_peer_expired(c, s, now)) {]],
    to = [[    if (tls_resume_peer_expired(c, s, now) && 0) {]],
    specs = { { L, "TLS 1.2 session ids" } } },
  -- the dates are looked at without verification (a non-verifying server
  -- would refuse sessions it has no reason to)
  { name = "lead26_expiry_without_verify", file = "csrc/engine/tls_resume_auth.c",
    from = [[    if (!c->pol.verify || s->peer_cert.len == 0)
        return 0;]],
    to = [[    if (s->peer_cert.len == 0)
        return 0;]],
    specs = { { L, "does not look at the dates" }, { R, "before notAfter it is" } } },
  -- notAfter compared the wrong way: every kept certificate is "expired"
  { name = "lead26_expiry_inverted", file = "csrc/engine/tls_resume_auth.c",
    from = [[    return cmp <= 0;]],
    to = [[    return cmp >= 0;]],
    specs = { { L, "TLS 1.3 tickets" }, { R, "before notAfter it is" } } },
  -- tls.https words Lua's memory error as a malformed response again
  { name = "lead26_https_memory_error_blamed_on_server", file = "lua/tls/https.lua",
    from = [[  if code == "not enough memory" then error(code, 0) end]],
    to = [[]],
    specs = { { LO, "tls.https" } } },
}
