-- Session 42: misuse of the event-loop surfaces (review42e). Same form as mutate/mutations.lua.
return {
  -- F1: a call's deadline left behind by a coroutine abandoned while it waited in cqueues kept
  -- conn:timeout() at 0 for ever (an application polling the connection itself spun).
  { name = "review42e_loop_stale_call_deadline_kept", file = "lua/tls/loop.lua",
    from = "  if at and at <= loaded.cqueues.monotime() then",
    to = "  if at and at < 0 then",
    specs = { { "spec/review42e_spec.lua", "leaves no deadline behind" },
              { "spec/review42e_spec.lua", "an abandoned accept leaves" } } },
}
