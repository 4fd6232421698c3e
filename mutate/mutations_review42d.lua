-- Session 42: review42d (the server's per-connection cost). Same form as mutate/mutations.lua.
local S = "spec/review42d_spec.lua"
local P = "csrc/hs/tls13_psk_server.c"
return {
  -- The tickets' random bytes are drawn 4 tickets at a time: a draw made only once leaves
  -- tickets 5 and 6 the age_add and sealing nonce of tickets 1 and 2.
  { name = "review42d_ticket_random_drawn_once", file = P,
    from = "if (slot == 0) {",
    to = "if (i == 0) {",
    specs = { { S, "are each ticket's own with 6 ticket(s) per handshake" } } },
  -- The sealing nonce taken from the age_add's bytes.
  { name = "review42d_ticket_nonce_over_age_add", file = P,
    from = "*seal_nonce = rnd + 4;",
    to = "*seal_nonce = rnd;",
    specs = { { S, "are each ticket's own with 1 ticket(s) per handshake" } } },
  -- Each ticket's share of a draw overlapping the next one's.
  { name = "review42d_ticket_random_slots_overlap", file = P,
    from = "rnd + (size_t)slot * TICKET_RANDOM_LEN",
    to = "rnd + (size_t)slot * 4",
    specs = { { S, "are each ticket's own with 2 ticket(s) per handshake" } } },
  -- The ticket PSK keyed (and kept for the next ticket) with a resumption secret cut short.
  { name = "review42d_ticket_psk_key_short", file = "csrc/crypto/tls_keysched.c",
    from = "prk_start_as(&p, md, resumption, (size_t)hlen, 1)",
    to = "prk_start_as(&p, md, resumption, (size_t)hlen - 1, 1)",
    specs = { { S, "still resume, each of them" } } },
}
