-- Mutations for session 25c (review25c, Lua API misuse; spec/review25c_spec.lua).
-- Same form as mutate/mutations.lua.
local S = "spec/review25c_spec.lua"

return {
  -- #3: one key taken as a file name again (and so shown in the message)
  { name = "r25c_one_key_as_file", file = "lua/tls/ticketkeys.lua",
    from = [[    if (#keys == KEY_LEN and keys:find("[^\32-\126]")) or (#keys == 2 * KEY_LEN and keys:match("^%x+$")) then]],
    to = [[    if false then]],
    specs = { { S, "review25c #3" } } },
  -- #3: the C reader's messages show the name raw
  { name = "r25c_ticketkeys_path_raw", file = "csrc/lua/lua_ticketkeys.c",
    from = [[        if (*p < 0x20 || *p >= 0x7f) {]],
    to = [[        if (0) {]],
    specs = { { S, "review25c #3" } } },
  -- #1: a client fed before start() reaches the engine again
  { name = "r25c_feed_before_start", file = "csrc/lua/lua_engine.c",
    from = [[    if (!e->is_server && !e->started) {
        /* review32d: closed before it started, start() cannot help */]],
    to = [[    if (!e->is_server && !e->started && len > 1000000) {
        /* review32d: closed before it started, start() cannot help */]],
    specs = { { S, "review25c #1" } } },
  -- #6: read_early on a client answers "", true again
  { name = "r25c_read_early_client", file = "csrc/lua/lua_engine.c",
    from = [[    if (!e->is_server)
        return luaL_error(L, "tls.engine: read_early() is for a server engine]],
    to = [[    if (0)
        return luaL_error(L, "tls.engine: read_early() is for a server engine]],
    specs = { { S, "review25c #6" } } },
  -- #6: start after close quietly does nothing again
  { name = "r25c_start_after_close", file = "csrc/lua/lua_engine.c",
    from = [[    if (tls_conn_status(e->tls) & (TLS_STATUS_CLOSED | TLS_STATUS_FAILED))
        return luaL_error(L, "tls.engine: start() after close()]],
    to = [[    if (tls_conn_status(e->tls) & TLS_STATUS_FAILED)
        return luaL_error(L, "tls.engine: start() after close()]],
    specs = { { S, "review25c #6" } } },
  -- #2: no check after callbacks: I/O goes on over the reused number
  { name = "r25c_socket_gone_never", file = "csrc/lua/lua_conn.c",
    from = [[    return c->owns_fd || (fstat(fd, &st) == 0 && st.st_dev == c->sock_dev && st.st_ino == c->sock_ino);]],
    to = [[    return c->owns_fd || fstat(fd, &st) == 0 || 1;]],
    specs = { { S, "review25c #2" } } },
  -- #2: only "is the number open" checked, not "is it still our socket"
  { name = "r25c_socket_gone_number_only", file = "csrc/lua/lua_conn.c",
    from = [[    return c->owns_fd || (fstat(fd, &st) == 0 && st.st_dev == c->sock_dev && st.st_ino == c->sock_ino);]],
    to = [[    return c->owns_fd || fstat(fd, &st) == 0;]],
    specs = { { S, "review25c #2" } } },
  -- #4: tls.wrap takes luatls's own objects again
  { name = "r25c_wrap_own_object", file = "lua/tls.lua",
    from = [[  if kind then
    error("bad argument #1 to 'wrap' (connected LuaSocket TCP socket expected, got " .. kind]],
    to = [[  if kind and kind ~= "tls.conn" then
    error("bad argument #1 to 'wrap' (connected LuaSocket TCP socket expected, got " .. kind]],
    specs = { { S, "review25c #4" } } },
  -- #4: a listening socket wrapped as if it were a peer
  { name = "r25c_wrap_listening", file = "csrc/lua/lua_conn.c",
    from = [[    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) == 0 && listening)]],
    to = [[    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) == 0 && !listening && 0)]],
    specs = { { S, "review25c #4" } } },
  -- #4: a datagram socket taken
  { name = "r25c_wrap_not_stream", file = "csrc/lua/lua_conn.c",
    from = [[    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_STREAM)]],
    to = [[    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0)]],
    specs = { { S, "review25c #4" } } },
  -- #4: the drop-in's wrap takes a connection again
  { name = "r25c_dropin_wrap_conn", file = "lua/tls/luasec.lua",
    from = [[  local kind = core_kind(sock) or getmetatable(sock) == Conn and "SSL connection"]],
    to = [[  local kind = nil]],
    specs = { { S, "review25c #4" } } },
  -- #13: handshake_timeout = 0 taken again
  { name = "r25c_hs_timeout_zero", file = "lua/tls.lua",
    from = [[    if type(t) ~= "number" or t ~= t or t <= 0 then]],
    to = [[    if type(t) ~= "number" or t ~= t or t < 0 then]],
    specs = { { S, "review25c #13" } } },
  -- #15: an infinite ttl kept for ever again
  { name = "r25c_store_ttl_inf", file = "lua/tls/store.lua",
    from = [[    if type(ttl) ~= "number" or ttl ~= ttl or ttl == math.huge then]],
    to = [[    if type(ttl) ~= "number" or ttl ~= ttl then]],
    specs = { { S, "review25c #15" } } },
}
