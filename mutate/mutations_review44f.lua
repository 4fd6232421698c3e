-- Session 44, review44f: misuse of the Lua API, and leftovers.
local LOOP = "lua/tls/loop.lua"
local UTIL = "lua/tls/util.lua"
local CONN = "csrc/lua/lua_conn.c"
local S = "spec/review44f_spec.lua"
return {
  { name = "review44f_close_leaves_waiters", file = LOOP,
    from = [[    release_waiters(cq, self)
    -- Waiters of a controller]], to = [[    -- Waiters of a controller]],
    specs = { { S, "wakes both waiters" }, { "spec/cqueues_close_outside_spec.lua", "returns once they have left" } } },
  { name = "review44f_server_close_leaves_waiters", file = LOOP,
    from = [[    release_waiters(cq, self)
    if (waiting[self] or 0) >= 2 then
      local ok, r, fd = pcall(core_.close_holding_fd, self)]], to = [[    if (waiting[self] or 0) >= 2 then
      local ok, r, fd = pcall(core_.close_holding_fd, self)]],
    specs = { { S, "two accept" }, { "spec/cqueues_close_outside_spec.lua", "returns once they have left" } } },
  { name = "review44f_waiters_not_woken", file = LOOP,
    from = [=[  closing[obj] = true
  local cond = wakeup[obj]
  cond:signal()]=], to = [=[  local cond = wakeup[obj]]=],
    specs = { { S, "wakes both waiters" }, { "spec/cqueues_close_outside_spec.lua", "returns once they have left" } } },
  { name = "review44f_closed_said_timeout", file = UTIL,
    from = [[return nil, why or "timeout", table.concat(pieces)]], to = [[return nil, "timeout", table.concat(pieces)]],
    specs = { { S, "wakes both waiters" } } },
  { name = "review44f_all_exact_only", file = UTIL,
    from = [[pattern:sub(1, 2) == "*a"]], to = [[pattern == "*a"]],
    specs = { { S, "ends at the close with what came" } } },
  { name = "review44f_star_optional", file = CONN,
    from = [[if (p[0] != '*')]], to = [[if (0 && p[0] != '*')]],
    specs = { { S, "without the '*'" } } },
}
