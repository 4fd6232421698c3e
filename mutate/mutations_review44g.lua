-- Review 44g: adversarial review of round 44's changes.
local R = "spec/review44g_spec.lua"
return {
  -- F1: a cut name ends the list (the next name's first letter must not fill the bytes left free)
  -- r44g_names_cut_ends_list (append leaving `used` at the end after a cut)
  -- was dropped in session 48: tls_x509_names_text now ends the list after
  -- a cut name itself (left_out), so the mutation changed nothing.
}
