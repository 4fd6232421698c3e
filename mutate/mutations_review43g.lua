-- Session 43: review43g's leftovers. Same form as mutate/mutations.lua.
local S = "spec/review43g_spec.lua"
return {
  -- e:write_early() after start() gave nil, message where the other wrong-state engine calls raise.
  { name = "review43g_write_early_after_start", file = "csrc/lua/lua_engine.c",
    from = "    if (e->started) /* its ClientHello, with any early data, is queued */\n        return luaL_error(L, \"tls.engine: write_early() after start()",
    to = "    if (0)\n        return luaL_error(L, \"tls.engine: write_early() after start()",
    specs = { { S, "raises after start(), as start() twice" } } },
  { name = "review43g_write_early_after_close", file = "csrc/lua/lua_engine.c",
    from = "    if (tls_conn_status(e->tls) & (TLS_STATUS_CLOSED | TLS_STATUS_FAILED))\n        return luaL_error(L, \"tls.engine: write_early() after close()",
    to = "    if (0)\n        return luaL_error(L, \"tls.engine: write_early() after close()",
    specs = { { S, "raises after close() (before start())" } } },
  -- An EncryptedExtensions of 65537 bytes (a full extensions block) was over the 64 KiB limit.
  { name = "review43g_ee_limit_64k", file = "csrc/hs/tls_hs_common.c",
    from = "        return TLS_MAX_ENCRYPTED_EXTENSIONS;",
    to = "        return TLS_MAX_HANDSHAKE_MESSAGE;",
    specs = { { S, "a client takes one of 65537 bytes" } } },
  { name = "review43g_ee_limit_any_state", file = "csrc/hs/tls_hs_common.c",
    from = "    if (type == TLS_HS_ENCRYPTED_EXTENSIONS && c->state == ST_CLIENT_WAIT_EE)",
    to = "    if (type == TLS_HS_ENCRYPTED_EXTENSIONS)",
    specs = { { S, "out of place keeps the 64 KiB limit (after the handshake)" } } },
  -- The Lua connection's message buffer, now allocated at the first failure: when that fails the
  -- call says memory ran out (it said "connection failed").
  { name = "review43g_conn_msg_oom_unsaid", file = "csrc/lua/lua_conn.c",
    from = "    c->msg_oom = c->msg == NULL;",
    to = "    c->msg_oom = 0;",
    specs = { { S, "says memory ran out when its buffer cannot be allocated" } } },
  { name = "review43g_conn_msg_not_formed", file = "csrc/lua/lua_conn.c",
    from = "    vsnprintf(c->msg, CONN_MSG_MAX, fmt, ap);",
    to = "    (void)fmt;",
    specs = { { S, "is still formed when a call fails" } } },
  -- conn:setfd under cqueues: a call of another coroutine waiting on the replaced descriptor of a
  -- wrapped socket slept until its timeout.
  { name = "review43g_setfd_no_wake", file = "csrc/lua/lua_conn.c",
    from = "    if (c->fd >= 0 && c->fd != fd)\n        tls_lua_forget_in_cqueues(L, c->fd);",
    to = "    if (0)\n        tls_lua_forget_in_cqueues(L, c->fd);",
    specs = { { S, "wakes a call of another coroutine waiting on the old descriptor" } } },
}
