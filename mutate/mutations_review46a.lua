-- Session 46, review46a: cqueues, a connection closed outside any
-- controller while a coroutine of one waits on it; every waiter polls the
-- descriptor.
local LOOP = "lua/tls/loop.lua"
local S = "spec/review46a_spec.lua"
return {
  { name = "review46a_close_outside_no_cancel", file = LOOP,
    from = [[  if (waiting[obj] or 0) < 2 then
    unwatch(cq, obj)]], to = [[  if (waiting[obj] or 0) < 2 then]],
    specs = { { S, "wakes a receive" }, { S, "a socket given the same number" } } },
  { name = "review46a_close_outside_raw", file = LOOP,
    from = [[cm.close = core.loop_method(cm.close, close(cm.close), pick_always,]],
    to = [[cm.close = core.loop_method(cm.close, close(cm.close), controller,]],
    specs = { { S, "wakes a handshake" } } },
  { name = "review46a_first_waiter_polls_only", file = LOOP,
    from = [[pcall(cq.poll, obj, cond,]], to = [[pcall(cq.poll, n == 1 and obj or nil, cond,]],
    specs = { { S, "does not hold up a later one" }, { S, "both end as soon as they can" } } },
}
