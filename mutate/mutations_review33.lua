-- Mutations for session 33's fixes. Same form as mutate/mutations.lua.
local R = "spec/review33_spec.lua"

return {
  -- review33a F1: a high-bit record type after the first record taken for SSL 2.0
  { name = "review33_ssl2_any_record", file = "csrc/record/tls_record.c",
    from = [[    if (first && (type & 0x80))]], to = [[    if (type & 0x80)]],
    specs = { { R, "is an unknown record type once the peer has sent a record" } } },
  -- review33a F3: a second ClientHello with two shares accepted
  { name = "review33_ch2_two_shares_accepted", file = "csrc/hs/tls13_server.c",
    from = [[        if (chp->n_shares != 1) {]], to = [[        if (chp->n_shares > 2) {]],
    specs = { { R, "with two key shares is refused" } } },
}
