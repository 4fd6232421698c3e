-- Mutations for the session 13 security review's fixes, each killed by the
-- spec named. Same form as mutate/mutations.lua.
local HT, CONN = "spec/review13_handshake_timeout_spec.lua", "csrc/lua/lua_conn.c"
local HS, HF = "spec/review13_https_spec.lua", "lua/tls/https.lua"

return {
  -- receive_early drives the handshake: under the server's handshake_timeout
  { name = "review13_receive_early_no_handshake_deadline", file = CONN,
    from = [[st = pump_handshake(c, WANT_EARLY, tls_sock_deadline(c->timeout));]],
    to = [[st = pump(c, WANT_EARLY, tls_sock_deadline(c->timeout));]],
    specs = { { HT, "drops a client that stalls" } } },
  -- tls.https: a server context would not verify the server
  { name = "review13_https_server_context_taken", file = HF,
    from = [[    if mode ~= "client" then]],
    to = [[    if false then]],
    specs = { { HS, "refuses a server context" } } },
}
