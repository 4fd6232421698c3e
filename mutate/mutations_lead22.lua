-- Mutations for the lead's session 22 fixes, each killed by spec/lead22_spec.lua.
-- Same form as mutate/mutations.lua.
local S = "spec/lead22_spec.lua"

return {
  -- the deadline looked at only when recv() would block: a peer that keeps
  -- the socket readable holds a receive (and an event loop) for ever
  { name = "lead22_deadline_only_when_blocked", file = "csrc/lua/lua_conn.c",
    from = [[    if (deadline < 0 || tls_sock_now() < deadline)
        return 0;]],
    to = [[    if (deadline < 0 || tls_sock_now() < deadline || 1)
        return 0;]],
    specs = { { S, "at timeout 0 takes one read from a socket that holds many" } } },
}
