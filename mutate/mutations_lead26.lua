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
    from = [[    return cmp <= 0 || (s->chain_not_after]],
    to = [[    return cmp >= 0 || (s->chain_not_after]],
    specs = { { L, "TLS 1.3 tickets" }, { R, "before notAfter it is" } } },
  -- tls.https words Lua's memory error as a malformed response again
  { name = "lead26_https_memory_error_blamed_on_server", file = "lua/tls/https.lua",
    from = [[  if code == "not enough memory" then error(code, 0) end]],
    to = [[]],
    specs = { { LO, "tls.https" } } },
  -- review26c #6: the connection's close inside a controller lets loop.lua's
  -- internal error table out (a trace function calling close saw a table)
  { name = "lead26_cq_close_raises_table", file = "lua/tls/loop.lua",
    from = [[  cm.close = core.loop_method(cm.close, close(cm.close), pick_always, ARGERR, "tls.conn")]],
    to = [[  cm.close = core.loop_method(cm.close, close(cm.close), pick_always, {}, "tls.conn")]],
    specs = { { L, "close from a trace function" } } },
  -- review26c #2: a numeric-string server timeout kept as a string
  { name = "lead26_cq_string_timeout_kept", file = "lua/tls/loop.lua",
    from = [[    server_timeout[self] = type(t) == "string" and tonumber(t) or t]],
    to = [[    server_timeout[self] = t]],
    specs = { { L, "numeric-string timeout" } } },
  -- review26c #7: real LuaSec's connection (a userdata) wrapped again
  { name = "lead26_wrap_luasec_userdata", file = "lua/tls.lua",
    from = [[    or (type(sock) == "table" or type(sock) == "userdata") and type(mt) == "table"]],
    to = [[    or type(sock) == "table" and type(mt) == "table"]],
    specs = { { L, "real LuaSec's connection" } } },
  -- review26c #1: the server's accept not wrapped: argument errors read as loop.lua's
  { name = "lead26_cq_accept_unwrapped", file = "lua/tls/loop.lua",
    from = [[  sm.accept = core.loop_method(sm.accept, accept(sm.accept, raw_settimeout), pick_always, ARGERR, "tls.server")]],
    to = [[  sm.accept = (function(run) return function(self) return run(pick_always(), self) end end)(accept(sm.accept, raw_settimeout))]],
    specs = { { "spec/h26a_spec.lua", "inside a cqueues controller" } } },
}
