-- Mutations for the lead's session 22 fixes, each killed by spec/lead22_spec.lua.
-- Same form as mutate/mutations.lua.
local S = "spec/lead22_spec.lua"

return {
  -- the deadline looked at only when recv() would block: a peer that keeps
  -- the socket readable holds a receive (and an event loop) for ever
  { name = "lead22_deadline_only_when_blocked", file = "csrc/lua/lua_conn.c",
    from = [[    if (reads < READS_PAST_DEADLINE || deadline < 0 || tls_sock_now() < deadline)
        return 0;]],
    to = [[    if (reads < READS_PAST_DEADLINE || deadline < 0 || tls_sock_now() < deadline || 1)
        return 0;]],
    specs = { { S, "at timeout 0 takes a few reads from a socket that holds many" } } },
  -- close() without reading what waits: the kernel resets the connection
  -- and the peer loses the end of what we sent
  { name = "lead22_close_without_drain", file = "csrc/lua/lua_conn.c",
    from = [[        drain_input(c);
    }
    close_socket(L, c, 1);]],
    to = [[        (void)drain_input;
    }
    close_socket(L, c, 1);]],
    specs = { { S, "sent and closed without reading, arrives whole" } } },
  -- the application's timeout read once at the start of a waiting call and
  -- restored after every turn: another coroutine's settimeout undone
  { name = "lead22_loop_timeout_restored_stale", file = "lua/tls/loop.lua",
    from = [[      local data, err, partial = nonblocking(self, self:gettimeout(), receive,]],
    to = [[      local data, err, partial = nonblocking(self, t, receive,]],
    specs = { { S, "a timeout set by another coroutine while a call waits is kept" } } },
  -- each turn copying the line so far again (as handing the partial result
  -- back as the prefix did): quadratic in a long line arriving in pieces
  { name = "lead22_loop_partial_copied_per_turn", file = "lua/tls/loop.lua",
    from = [[        count and count - got or pattern, pieces[1] == nil and prefix or nil)]],
    to = [[        count and count - got or pattern, pieces[1] == nil and prefix or nil, string.rep("x", got))]],
    specs = { { S, "a long line arriving in pieces costs linear CPU" } } },
}
