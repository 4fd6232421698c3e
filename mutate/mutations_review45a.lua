-- review45a: independent review of session 44's changes.
local R = "spec/review45a_spec.lua"
return {
  { name = "r45a_refused_close_wakes_waiters", file = "lua/tls/loop.lua",
    from = [[if not waiting[obj] or not coroutine.isyieldable() then return end]],
    to = [[if not waiting[obj] then return end]],
    specs = { { R, "leaves the waiters and later calls as they were" } } },
}
