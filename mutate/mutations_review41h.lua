-- Session 41: the connection's error reason allocated at its first failure (review41h). Same form as
-- mutate/mutations.lua.
return {
  -- The reason's block never freed: every failed connection leaks TLS_REASON_MAX bytes. The OOM
  -- harness (AddressSanitizer, LeakSanitizer at exit) fails connections in every scenario.
  { name = "review41h_reason_not_freed", file = "csrc/engine/tls_engine.c",
    from = "    tls_error_release(&c->err);\n",
    to = "",
    specs = { { "spec/oom_spec.lua", "fail each of our own allocations in turn, in every scenario, cleanly" } } },
  -- No text when the reason's block cannot be allocated: a failure without words. The OOM harness's
  -- tls13_refused scenario fails that allocation in turn.
  { name = "review41h_no_memory_no_text", file = "csrc/util/tls_err.c",
    from = "e->reason = TLS_REASON_NO_MEMORY;",
    to = "e->reason = \"\";",
    specs = { { "spec/oom_spec.lua", "fail each of our own allocations in turn, in every scenario, cleanly" } } },
  -- The heap block written as if smaller than TLS_REASON_MAX: long reasons cut short.
  { name = "review41h_reason_cut", file = "csrc/util/tls_err.c",
    from = "vsnprintf(e->buf, TLS_REASON_MAX, fmt, ap) >= TLS_REASON_MAX",
    to = "vsnprintf(e->buf, 320, fmt, ap) >= 320",
    specs = { { "spec/review41h_spec.lua", "still carries a reason of 511 bytes" } } },
  -- A trace function's failure at close (accepted 0-RTT never read) kept instead of forgotten.
  { name = "review41h_trace_close_error_kept", file = "csrc/hs/tls13_early.c",
    from = "if (tls_trace_emit(c, &tb) != 0 && !had_error)",
    to = "if (tls_trace_emit(c, &tb) != 0 && !had_error && 0)",
    specs = { { "spec/review41h_spec.lua", "is left clear when a trace function fails at close" } } },
}
