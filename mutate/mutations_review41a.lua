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
    from = "    if (ch->early_data && c->pol.early_data)\n        for (size_t i = 0; i < c->pol.n_suites; i++)",
    to = "    if ((ch->early_data && c->pol.early_data) || 1)\n        for (size_t i = 0; i < c->pol.n_suites; i++)",
    specs = { { S, "leaves the server's order alone for a resumption without early data" } } },
  -- review41g: nor when this server takes no early data (it would be declined anyway).
  { name = "review41g_psk_session_suite_without_our_early_data", file = "csrc/hs/tls13_psk_server.c",
    from = "    if (ch->early_data && c->pol.early_data)\n",
    to = "    if (ch->early_data)\n",
    specs = { { S, "leaves the server's order alone when the server takes no early data" } } },
  -- I3: a resumed connection whose session kept no peer certificate says so.
  { name = "review41a_verifiedchain_resumed_no_cert", file = "csrc/lua/lua_info.c",
    from = "    else if ((info.peer_chain == NULL || sk_X509_num(info.peer_chain) == 0) && info.resumed)",
    to = "    else if ((info.peer_chain == NULL || sk_X509_num(info.peer_chain) == 0) && 0)",
    specs = { { S, "on a server whose client sent one too large to keep" } } },
  -- I4: the TLS 1.2 sentence names the client's groups when an ECDSA key's curve is not among them.
  { name = "review41a_no_pair_groups_not_named", file = "csrc/hs/tls_sni.c",
    from = "    if (curve_off)\n        id_list_text(ch->groups_raw, tls_group_name, 0, NULL, 0, groups, sizeof groups);",
    to = "    curve_off = 0;",
    specs = { { S, "names the groups the client offers when no key fits its suites" },
              { S, "names them too when another key fits the suites but not the signatures" } } },
  -- ... and only then
  { name = "review41a_no_pair_groups_always_named", file = "csrc/hs/tls_sni.c",
    from = "        curve_off = (sni == NULL || leaf_matches(&c->cfg->ids[i], sni)) && curve_refused12(ch, c->cfg->ids[i].key);",
    to = "        curve_off = 1;",
    specs = { { "spec/review40c_spec.lua", "TLS 1.2: names the keys the client's suites are for" },
              -- review42c: the case above offers no ECDHE_ECDSA suite, where curves no longer count at all.
              { "spec/review42c_spec.lua", "our curve is among its groups" } } },
  -- I1: TLS 1.2 renegotiation requests after the handshake are cut off at the 33rd in a row ...
  { name = "review41a_renegotiation_flood_allowed", file = "csrc/hs/tls12_common.c",
    from = "    if (++c->key_updates_in_row > TLS_MAX_KEY_UPDATES_IN_ROW)",
    to = "    if ((++c->key_updates_in_row, 0))",
    specs = { { S, "TLS 1.2 client: 32 HelloRequests in a row are answered" },
              { S, "TLS 1.2 server: 33 renegotiating ClientHellos in a row" } } },
  { name = "review41a_renegotiation_cap_one_less", file = "csrc/hs/tls12_common.c",
    from = "    if (++c->key_updates_in_row > TLS_MAX_KEY_UPDATES_IN_ROW)",
    to = "    if (++c->key_updates_in_row >= TLS_MAX_KEY_UPDATES_IN_ROW)",
    specs = { { S, "TLS 1.2 client: 32 HelloRequests in a row are answered" } } },
  -- ... and counted between data records, not over the connection's life (the review's reading).
  { name = "review41a_post_handshake_count_over_life", file = "csrc/engine/tls_dispatch.c",
    from = "        c->key_updates_in_row = 0;\n        c->tickets_in_row = 0;",
    to = "        c->tickets_in_row = 0;",
    specs = { { S, "TLS 1.3: 40 KeyUpdates, each followed by data" },
              { S, "TLS 1.2 client: 40 HelloRequests, each followed by data" },
              { S, "TLS 1.2 server: 40 renegotiating ClientHellos, each followed by data" } } },
}
