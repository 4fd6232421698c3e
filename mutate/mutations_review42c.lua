-- Session 42: review42c (leftovers of session 41). Same form as mutate/mutations.lua.
return {
  -- The per-spec-file sweep of os.tmpname() names forgets NAME.* files (keylog_spec's NAME..".keep").
  { name = "review42c_tmpfiles_no_dot_suffix", file = "spec/support/tmpfiles.lua",
    from = [[words[#words + 1] = n .. " " .. n .. "_* " .. n .. ".*"]],
    to = [[words[#words + 1] = n .. " " .. n .. "_* "]],
    specs = { { "spec/review42c_spec.lua", "removes NAME, NAME_* and NAME.* files" } } },
  -- A table entry of ciphers/groups/sigalgs holding a separator is joined and split again by the C parser,
  -- which then numbers the entries after it wrongly.
  { name = "review42c_list_entry_separator_taken", file = "lua/tls.lua",
    from = [[local sep = name:match("[:,]")]],
    to = [[local sep = name:match("[\0]")]],
    specs = { { "spec/review42c_spec.lua", "refuses an entry holding ':' or ','" } } },
}
