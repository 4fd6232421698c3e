-- Mutations for the session 13 security review's fixes, each killed by the
-- spec named. Same form as mutate/mutations.lua.
local HT, CONN = "spec/review13_handshake_timeout_spec.lua", "csrc/lua/lua_conn.c"

return {
  -- receive_early drives the handshake: under the server's handshake_timeout
  { name = "review13_receive_early_no_handshake_deadline", file = CONN,
    from = [[st = pump_handshake(c, WANT_EARLY, tls_sock_deadline(c->timeout));]],
    to = [[st = pump(c, WANT_EARLY, tls_sock_deadline(c->timeout));]],
    specs = { { HT, "drops a client that stalls" } } },
}
