-- Session 40: fuzz_session's regression inputs (review40a). Same form as mutate/mutations.lua.
return {
  -- The bug review39i found with its harness: the BEGIN line searched with strstr in a text with no NUL
  -- after it. The seeds alone do not reach it; fuzz/regress/fuzz_session/truncated_begin_line does
  -- (the replay build has AddressSanitizer).
  { name = "review40a_session_text_unbounded_search", file = "csrc/hs/tls_session.c",
    from = "find_in(text, len, TEXT_BEGIN, strlen(TEXT_BEGIN));",
    to = "strstr(text, TEXT_BEGIN);",
    specs = { { "spec/fuzz_regress_spec.lua", "replays every regression input and seed through fuzz_session" } } },
}
