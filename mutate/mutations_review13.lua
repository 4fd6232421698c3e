-- Mutations for the session 13 security review's fixes, each killed by the
-- spec named. Same form as mutate/mutations.lua.
local HT, CONN = "spec/review13_handshake_timeout_spec.lua", "csrc/lua/lua_conn.c"
local HS, HF = "spec/review13_https_spec.lua", "lua/tls/https.lua"
local CQ, LOOP = "spec/review13_cqueues_spec.lua", "lua/tls/loop.lua"
local EX = "spec/review13_export_spec.lua"

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
  -- cqueues: a connection the application polls itself, dropped at its handshake deadline
  { name = "review13_loop_direct_call_no_cancel", file = LOOP,
    from = [=[  if not hs_cancel[obj] then return raw(obj, ...) end]=],
    to = [=[  if true then return raw(obj, ...) end]=],
    specs = { { CQ, "the application polls with a timeout" } } },
  { name = "review13_loop_cancel_dropped", file = LOOP,
    from = [=[  unwatch(cq, obj)
  return now >= hs_deadline[obj]]=],
    to = [=[  return now >= hs_deadline[obj]]=],
    specs = { { CQ, "the application polls with a timeout" } } },
  { name = "review13_loop_poll_timeout_ignores_handshake", file = LOOP,
    from = [=[  local hs = not at and not hs_woken[self] and hs_deadline[self]]=],
    to = [=[  local hs = false]=],
    specs = { { CQ, "wakes a poll without a timeout of its own" } } },
  { name = "review13_loop_accept_at_0_unmarked", file = LOOP,
    from = [=[    if t == 0 then return marked(cq, self) end]=],
    to = [=[    if t == 0 then return accept(self) end]=],
    specs = { { CQ, "server at timeout 0" } } },
  { name = "review13_loop_conn_close_variable_raw", file = LOOP,
    from = [=[  reg["tls.conn"].__close = cm.close]=],
    to = [=[  local _ = cm.close]=],
    specs = { { CQ, "a connection in a .close. variable" } } },
  { name = "review13_loop_server_close_variable_raw", file = LOOP,
    from = [=[  reg["tls.server"].__close = sm.close]=],
    to = [=[  local _ = sm.close]=],
    specs = { { CQ, "a server in a .close. variable" } } },
  { name = "review13_loop_poll_timeout_busy_loop", file = LOOP,
    from = [=[  if hs then hs_woken[self] = true end]=],
    to = [=[  if false then hs_woken[self] = true end]=],
    specs = { { CQ, "not in a busy loop" } } },
  -- cqueues: receive_early and a 0.5-RTT send succeed before the client's Finished
  { name = "review13_loop_receive_early_ends_deadline", file = LOOP,
    from = [=[plain(cm[name], name ~= "receive_early")]=],
    to = [=[plain(cm[name], true)]=],
    specs = { { HT, "withholds its Finished" } } },
  { name = "review13_loop_half_rtt_send_ends_deadline", file = LOOP,
    from = [=[      if last ~= nil then return last end]=],
    to = [=[      if last ~= nil then hs_deadline[self], hs_cancel[self] = nil, nil; return last end]=],
    specs = { { HT, "withholds its Finished" } } },
  -- cqueues: export completes a pending handshake, yielding
  { name = "review13_loop_export_blocks_controller", file = LOOP,
    from = [=["receive_early", "keyupdate", "export", "shutdown" } do]=],
    to = [=["receive_early", "keyupdate", "shutdown" } do]=],
    specs = { { EX, "yields while it completes a pending handshake" } } },
}
