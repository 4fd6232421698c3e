-- Session 40, review 40d (conformance: valid but unusual peers). Same form as mutate/mutations.lua.
local R = "spec/review40d_spec.lua"
return {
  { name = "review40d_empty_records_counted", file = "csrc/engine/tls_dispatch.c",
    from = "         * make no progress (nor do they reset that count). */\n        if (len == 0)\n            return 0;",
    to = "         * make no progress (nor do they reset that count). */\n        if (len == 0)\n            return too_many_empty(c);",
    specs = { { R, "our TLS 1.3 client takes 100 padded empty records, one feed each, then data" },
              { R, "our TLS 1.2 server takes 100 empty records in one feed, then data" } } },
}
