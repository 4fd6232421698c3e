-- Session 41, review41a. Same form as mutate/mutations.lua.
local S = "spec/review41a_spec.lua"
return {
  -- I2: a client sending early data gets the session's own suite when both have it on.
  { name = "review41a_psk_early_suite_not_preferred", file = "csrc/hs/tls13_psk_server.c",
    from = "            if ((ch->suites & ((uint32_t)1 << i)) && c->pol.suites[i] == made->id)",
    to = "            if (0 && (ch->suites & ((uint32_t)1 << i)) && c->pol.suites[i] == made->id)",
    specs = { { S, "is accepted: the server resumes under the session's suite" } } },
  -- ... and only then: without early data the server's order stands.
  { name = "review41a_psk_session_suite_always", file = "csrc/hs/tls13_psk_server.c",
    from = "    if (ch->early_data)\n        for (size_t i = 0; i < c->pol.n_suites; i++)",
    to = "    if (ch->early_data || 1)\n        for (size_t i = 0; i < c->pol.n_suites; i++)",
    specs = { { S, "leaves the server's order alone for a resumption without early data" } } },
  -- I3: a resumed connection whose session kept no peer certificate says so.
  { name = "review41a_verifiedchain_resumed_no_cert", file = "csrc/lua/lua_info.c",
    from = "    else if ((info.peer_chain == NULL || sk_X509_num(info.peer_chain) == 0) && info.resumed)",
    to = "    else if ((info.peer_chain == NULL || sk_X509_num(info.peer_chain) == 0) && 0)",
    specs = { { S, "on a server whose client sent one too large to keep" } } },
}
