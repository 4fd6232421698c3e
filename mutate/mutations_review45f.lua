-- Review 45f: tls_utf8_cut, the one cut of UTF-8 text that reasons and
-- certificate name lists share (its callers' planted bugs are
-- r44b_names_cut_inside_character and r44b_reason_cut_inside_character).
local R = "spec/review45f_spec.lua"
local F = "csrc/util/tls_err.c"
return {
  { name = "r45f_utf8_cut_never", file = F,
    from = [[return len - (start - 1) < need ? start - 1 : len;]], to = [[return (void)need, len;]],
    specs = { { R, "drops the bytes of a character the cut would split" } } },
  -- Looking back 1 byte instead of 3 is r45a_reason_cut_looks_back_one
  -- (review45a planted it in the same text); 2 instead of 3 is the same for
  -- UTF-8 (a partial character has 2 continuation bytes at most).
  { name = "r45f_utf8_cut_whole_kept", file = F,
    from = [[lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3]], to = [[lead >= 0xf0 ? 5 : lead >= 0xe0 ? 3]],
    specs = { { R, "keeps every byte when the cut falls between characters" } } },
}
