-- Session 42: misuse of the event-loop surfaces (review42e). Same form as mutate/mutations.lua.
return {
  -- F1: a call's deadline left behind by a coroutine abandoned while it waited in cqueues kept
  -- conn:timeout() at 0 for ever (an application polling the connection itself spun).
  { name = "review42e_loop_stale_call_deadline_kept", file = "lua/tls/loop.lua",
    from = "  if at and at <= loaded.cqueues.monotime() then",
    to = "  if at and at < 0 then",
    specs = { { "spec/review42e_spec.lua", "leaves no deadline behind" },
              { "spec/review42e_spec.lua", "an abandoned accept leaves" } } },
  -- F2: the drop-in's third result when no luatls connection was made (closed before its first use, or
  -- refused by tls.wrap): nil instead of the prefix or the index before `i`.
  { name = "review42e_luasec_send_partial_nil", file = "lua/tls/luasec.lua",
    from = "  if partial == nil and not self.conn then partial = nothing_sent(data, i, j) end",
    to = "",
    specs = { { "spec/review42e_spec.lua", "closed before its first use gives the prefix back" },
              { "spec/review42e_spec.lua", "a socket tls.wrap refuses" } } },
  { name = "review42e_luasec_receive_partial_nil", file = "lua/tls/luasec.lua",
    from = "  if partial == nil and not self.conn then partial = given_back(prefix) end",
    to = "",
    specs = { { "spec/review42e_spec.lua", "closed before its first use gives the prefix back" },
              { "spec/review42e_spec.lua", "a socket tls.wrap refuses" } } },
  { name = "review42e_luasec_send_partial_index", file = "lua/tls/luasec.lua",
    from = "  return math.max(start, 1) - 1",
    to = "  return math.max(start, 1)",
    specs = { { "spec/review42e_spec.lua", "closed before its first use gives the prefix back" } } },
  -- F3: the drop-in's info() without a completed handshake: a bare nil instead of LuaSec's nil, "closed".
  { name = "review42e_luasec_info_no_words", file = "lua/tls/luasec.lua",
    from = '  if not info then return nil, "closed" end\n  local cipher = OPENSSL_NAME[info.cipher] or info.cipher',
    to = '  if not info then return nil end\n  local cipher = OPENSSL_NAME[info.cipher] or info.cipher',
    specs = { { "spec/review42e_spec.lua", "says nil, 'closed' before the handshake" } } },
}
