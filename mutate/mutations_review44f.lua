-- Session 44, review44f: misuse of the Lua API, and leftovers.
local LOOP = "lua/tls/loop.lua"
local UTIL = "lua/tls/util.lua"
local CONN = "csrc/lua/lua_conn.c"
local S = "spec/review44f_spec.lua"
return {
  { name = "review44f_close_leaves_waiters", file = LOOP,
    from = [[    release_waiters(cq, self)
    unwatch(cq, self)
    return nonblocking]], to = [[    unwatch(cq, self)
    return nonblocking]],
    specs = { { S, "wakes both waiters" } } },
  { name = "review44f_server_close_leaves_waiters", file = LOOP,
    from = [[    release_waiters(cq, self)
    unwatch(cq, self)
    local ok, r = pcall(raw_server_close, self, ...)]], to = [[    unwatch(cq, self)
    local ok, r = pcall(raw_server_close, self, ...)]],
    specs = { { S, "two accept" } } },
  { name = "review44f_waiters_not_woken", file = LOOP,
    from = [=[  closing[obj] = true
  local cond = wakeup[obj]
  cond:signal()]=], to = [=[  local cond = wakeup[obj]]=],
    specs = { { S, "wakes both waiters" } } },
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
