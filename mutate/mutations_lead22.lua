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
    /* review29c:]],
    to = [[        (void)drain_input;
    }
    /* review29c:]],
    specs = { { S, "sent and closed without reading, arrives whole" } } },
  -- the application's timeout read once at the start of a waiting call and
  -- restored after every turn: another coroutine's settimeout undone
  { name = "lead22_loop_timeout_restored_stale", file = "lua/tls/loop.lua",
    from = [[      function(p, pre, m) return nonblocking(self, self:gettimeout(), receive, p, pre, m) end,]],
    to = [[      function(p, pre, m) return nonblocking(self, t, receive, p, pre, m) end,]],
    specs = { { S, "a timeout set by another coroutine while a call waits is kept" } } },
  -- each turn copying the line so far again (as handing the partial result
  -- back as the prefix did): quadratic in a long line arriving in pieces
  { name = "lead22_loop_partial_copied_per_turn", file = "lua/tls/util.lua",
    from = [[    local data, err, partial = turn(count and count - got or pattern, first and prefix or nil,]],
    to = [[    local data, err, partial = turn(count and count - got or pattern, first and prefix or nil,
      #string.rep("x", got) >= 0 and]],
    specs = { { S, "a long line arriving in pieces costs linear CPU" } } },
  -- review22b G1: chunk framing not counted against the body: 1-byte
  -- chunks padded with extensions make a small max_body cost gigabytes
  { name = "lead22_https_chunk_framing_unbounded", file = "lua/tls/https.lua",
    from = [[    return framing <= FRAMING_SLACK + FRAMING_PER_BYTE * body]],
    to = [[    return framing >= 0]],
    specs = { { "spec/https22_spec.lua", "bounds a chunk-size line at 4 KiB and the framing of a chunked body" } } },
  -- chunk-size lines bounded only by the 64 KiB of other lines
  { name = "lead22_https_chunk_line_64k", file = "lua/tls/https.lua",
    from = [[    function o:line() return read_line(self.conn, clock, nil, M.MAX_CHUNK_LINE) end]],
    to = [[    function o:line() return read_line(self.conn, clock, nil, nil) end]],
    specs = { { "spec/https22_spec.lua", "bounds a chunk-size line at 4 KiB and the framing of a chunked body" } } },
  -- review22b G2: no bound on the whole head (1000 lines of 64 KiB, read a
  -- byte at a time: half a minute of CPU)
  { name = "lead22_https_head_unbounded", file = "lua/tls/https.lua",
    from = [[      bytes = bytes + (line and #line + 2 or 0)
      if bytes > M.MAX_HEAD then]],
    to = [[      bytes = bytes + (line and #line + 2 or 0)
      if bytes < 0 then]],
    specs = { { "spec/https22_spec.lua", "bounds the whole head at 512 KiB" } } },
}
