-- Mutations for session 48: a close() made outside any cqueues controller
-- while two or more coroutines wait on the object keeps its descriptor
-- open until they have left (spec/cqueues_close_outside_spec.lua). Same
-- form as mutate/mutations.lua.
local S = "spec/cqueues_close_outside_spec.lua"

return {
  -- closed under the waiters again: their controller stops with EBADF
  { name = "s48_close_outside_never_holds", file = "lua/tls/loop.lua",
    from = [[  if (waiting[obj] or 0) < 2 then
    unwatch(cq, obj)]],
    to = [[  if (waiting[obj] or 0) < 99 then
    unwatch(cq, obj)]],
    specs = { { S, "wakes three waiters" } } },
  -- the last waiter out does not close the held descriptor: it leaks
  { name = "s48_held_never_released", file = "lua/tls/loop.lua",
    from = [[      cond:signal()
      release_held(obj)]],
    to = [[      cond:signal()]],
    specs = { { S, "wakes three waiters" } } },
  -- released by the first waiter out, not the last: the others' events
  -- are updated on a closed descriptor
  { name = "s48_held_released_by_first", file = "lua/tls/loop.lua",
    from = [[  n = waiting[obj] - 1
  waiting[obj] = n > 0 and n or nil
  if closing[obj] then]],
    to = [[  n = waiting[obj] - 1
  waiting[obj] = n > 0 and n or nil
  if closing[obj] then
    release_held(obj)]],
    specs = { { S, "wakes three waiters" } } },
  -- the waiters are not told: they sleep to their timeout
  { name = "s48_close_outside_not_closing", file = "lua/tls/loop.lua",
    from = [[  closing[obj] = true
  if fd then held[obj] = true end]],
    to = [[  if fd then held[obj] = true end]],
    specs = { { S, "wakes three waiters" } } },
  -- collection forgets a held descriptor
  { name = "s48_gc_keeps_held", file = "csrc/lua/lua_conn.c",
    from = [[    if (c->owns_fd) {
        release_held(L, c, 1, 0);]],
    to = [[    if (c->owns_fd) {]],
    specs = { { S, "controller was dropped" } } },
  -- a server's held descriptor never closed
  { name = "s48_server_release_noop", file = "csrc/lua/lua_server.c",
    from = [[        tls_lua_forget_in_cqueues(L, s->held_fd);
    tls_sock_close(s->held_fd);
    s->held_fd = -1;]],
    to = [[        tls_lua_forget_in_cqueues(L, s->held_fd);
    s->held_fd = -1;]],
    specs = { { S, "two accept" } } },
  -- the drop-in's negative export length answered nil, message again
  { name = "s48_dropin_negative_export_quiet", file = "lua/tls/luasec.lua",
    from = [[  if n < 0 then error("bad argument #2 to 'exportkeyingmaterial']],
    to = [[  if n < -1 then error("bad argument #2 to 'exportkeyingmaterial']],
    specs = { { "spec/review46b_spec.lua", "as LuaSec gives on TLS 1.3" } } },
  -- a cut ALPN list without its mark again
  { name = "s48_alpn_list_cut_unmarked", file = "csrc/hs/tls_alpn.c",
    from = [[                memcpy(out + used, mark, strlen(mark) + 1);]],
    to = [[                out[used] = '\0';]],
    specs = { { "spec/alpn_spec.lua", "marks a cut list" } } },
  -- a shortened list of a certificate's names without its mark again
  { name = "s48_cert_names_cut_unmarked", file = "csrc/pki/tls_x509.c",
    from = [[    if (left_out && room < size) {]],
    to = [[    if (0 && left_out && room < size) {]],
    specs = { { "spec/review45a_spec.lua", "mark a list that leaves names out" } } },
  -- the mark put where the cut left `used`, past the cut name's end
  { name = "s48_cert_names_mark_past_end", file = "csrc/pki/tls_x509.c",
    from = [[        used = strlen(out); /* a cut leaves used at the end of the room */]],
    to = [[]],
    specs = { { "spec/review44g_spec.lua", "end at the cut" } } },
  -- tls.https: servername "" with verify = false told to set verify = false again
  { name = "s48_https_empty_servername_verify_false_words", file = "lua/tls/https.lua",
    from = [[    if (reqt.context == nil and reqt.verify == false)
      or (reqt.verify == nil and ok and verifies == false and ok_mode and mode == "client") then]],
    to = [[    if (reqt.context == nil and reqt.verify == false)
      and (reqt.verify == nil and ok and verifies == false and ok_mode and mode == "client") then]],
    specs = { { "spec/h26a_spec.lua", "is refused by tls.https before it connects" } } },
  -- only the listening context's strict_close again (review45g)
  { name = "s48_strict_close_listening_only", file = "csrc/lua/lua_conn.c",
    from = [[    int strict = c->strict_close || tls_conn_config(c->tls)->strict_close;]],
    to = [[    int strict = c->strict_close;]],
    specs = { { "spec/strict_close_sni_spec.lua", "makes the server's receive" } } },
  -- an engine switched to a strict_close context that does nothing there
  { name = "s48_engine_takes_strict_per_name", file = "csrc/lua/lua_hook_sni.c",
    from = [[    if (rc == 1 && t->of_engine && ((tls_config *)lua_touserdata(L, -2))->strict_close) {]],
    to = [[    if (rc == 1 && !t->of_engine && 0) {]],
    specs = { { "spec/strict_close_sni_spec.lua", "fails an engine's handshake" } } },
  -- a held number released even when the wrapped socket's owner closed it
  -- and another socket got the number
  { name = "s48_release_held_not_ours", file = "csrc/lua/lua_conn.c",
    from = [[    c->fd_held = 0;
    if (!same_socket(c, c->held_fd))
        return;]],
    to = [[    c->fd_held = 0;]],
    specs = { { "spec/cqueues_close_outside_spec.lua", "leaves alone a number" } } },
  -- the room for the mark kept after the last name too
  { name = "s48_cert_names_last_reserved", file = "csrc/pki/tls_x509.c",
    from = [[        size_t limit = i == last && whole <= size - 1 - used ? size : room;]],
    to = [[        size_t limit = i == last && 0 ? size : room;]],
    specs = { { "spec/review45a_spec.lua", "show a last name that fits whole" } } },
  { name = "s48_alpn_last_reserved", file = "csrc/hs/tls_alpn.c",
    from = [[        size_t after = tls_rd_left(&r) == 0 ? 1 : sizeof more;]],
    to = [[        size_t after = sizeof more;]],
    specs = { { "spec/alpn_spec.lua", "fits whole, to its last byte" } } },
  -- an inside close whose waiters' controller did not run closes under them
  { name = "s48_inside_close_no_hold", file = "lua/tls/loop.lua",
    from = [[    if (waiting[self] or 0) >= 2 then
      return holding(self, nonblocking(self, self:gettimeout(), core_.close_holding_fd))]],
    to = [[    if false then
      return holding(self, nonblocking(self, self:gettimeout(), core_.close_holding_fd))]],
    specs = { { "spec/cqueues_close_outside_spec.lua", "does not run within a second" } } },
}
