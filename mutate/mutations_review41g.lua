-- Session 41, review41g. Same form as mutate/mutations.lua.
return {
  -- The reason buffer back at 320 bytes: the no-pair sentence of a client
  -- offering four signature schemes ends in the middle of a group's name.
  { name = "review41g_reason_max_320", file = "csrc/util/tls_err.h",
    from = "#define TLS_REASON_MAX 512",
    to = "#define TLS_REASON_MAX 320",
    specs = { { "spec/review41g_spec.lua", "says the whole sentence when the client offers four signature schemes" } } },
}
