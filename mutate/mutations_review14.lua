-- Mutations for the session 14 security review's fixes, each killed by the
-- spec named. Same form as mutate/mutations.lua.
local DISPATCH = "csrc/engine/tls_dispatch.c"
local W = "spec/review14_tls12_warnings_spec.lua"
local SN, TLS = "spec/review14_server_servername_spec.lua", "lua/tls.lua"

return {
  -- TLS 1.2 warnings: fatal again, as in TLS 1.3
  { name = "review14_tls12_warning_fatal", file = DISPATCH,
    from = [[    if (level == TLS_ALERT_LEVEL_WARNING &&]],
    to = [[    if (0 && level == TLS_ALERT_LEVEL_WARNING &&]],
    specs = { { W, "server goes on after a client.s warning" } } },
  { name = "review14_tls12_warning_before_server_hello_fatal", file = DISPATCH,
    from = [[(c->version == 0 && !c->is_server && c->offered_min == TLS_VERSION_12)]],
    to = [[(0 && c->version == 0 && !c->is_server && c->offered_min == TLS_VERSION_12)]],
    specs = { { W, "warning unrecognized_name before the ServerHello" } } },
  -- ... and taken where TLS 1.3's rule holds
  { name = "review14_warning_taken_by_tls13_only_client", file = DISPATCH,
    from = [[!c->is_server && c->offered_min == TLS_VERSION_12)]],
    to = [[!c->is_server && c->offered_min != 0)]],
    specs = { { W, "offering only TLS 1.3 still fails" } } },
  { name = "review14_warning_taken_in_tls13", file = DISPATCH,
    from = [[        (c->version == TLS_VERSION_12 ||]],
    to = [[        (c->version != 0 ||]],
    specs = { { W, "TLS 1.3 server still fails on a warning" } } },
  -- tls.wrap / tls.engine: a client's 'servername' with a server context, ignored again
  { name = "review14_server_context_servername_ignored", file = TLS,
    from = [=[  if o.servername ~= nil and c:mode() == "server" then]=],
    to = [=[  if false and o.servername ~= nil then]=],
    specs = { { SN, "refused by tls.engine" }, { SN, "refused by tls.wrap" } } },
  -- tls.luasec: one "connection being driven" for the whole program again
  { name = "review14_luasec_current_shared_by_coroutines", file = "lua/tls/luasec.lua",
    from = [=[  return (coroutine.running())]=],
    to = [=[  return current_of]=],
    specs = { { "spec/review14_luasec_cqueues_spec.lua", "untrusted server after 0.2 s" } } },
  -- tls.luasec.https: each request restoring package.loaded["ssl.https"] itself again
  { name = "review14_luasec_https_restored_under_running_request", file = "lua/tls/luasec/https.lua",
    from = [=[  if running == 0 and saved ~= M and package.loaded["ssl.https"] == M then]=],
    to = [=[  if saved ~= M and package.loaded["ssl.https"] == M then]=],
    specs = { { "spec/review14_luasec_https_spec.lua", "started redirected first" } } },
  -- tls.luasec: no verdict recorded taken for "verified" again
  { name = "review14_luasec_unrecorded_verdict_verified", file = "lua/tls/luasec.lua",
    from = [=[    if self.verified == nil and not info.peer_verified then]=],
    to = [=[    if false and self.verified == nil then]=],
    specs = { { "spec/review14_luasec_cqueues_spec.lua", "verdict was never recorded" } } },
}
