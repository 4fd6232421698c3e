-- Review 44g: adversarial review of round 44's changes.
local R = "spec/review44g_spec.lua"
return {
  -- F1: a cut name ends the list (the next name's first letter must not fill the bytes left free)
  { name = "r44g_names_cut_ends_list", file = "csrc/pki/tls_x509.c",
    from = [[*used = cut ? size - 1 : *used + n;]], to = [[*used = *used + n;]],
    specs = { { R, "the bytes a partial character leaves take nothing" },
              { "spec/review45a_spec.lua", "end at a cut of the first name" } } },
}
