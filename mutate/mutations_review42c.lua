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
  -- The TLS 1.2 no-pair sentence names an ECDSA key's curve and the client's groups only when the client
  -- offers ECDHE_ECDSA suites.
  { name = "review42c_no_pair_curves_always_matter", file = "csrc/hs/tls_sni.c",
    from = "    int curves_matter = (suite_kinds & KIND_ECDSA) != 0;",
    to = "    int curves_matter = version == TLS_VERSION_12;",
    specs = { { "spec/review42c_spec.lua", "says nothing of curves when" } } },
  { name = "review42c_no_pair_curves_never_matter", file = "csrc/hs/tls_sni.c",
    from = "    int curves_matter = (suite_kinds & KIND_ECDSA) != 0;",
    to = "    int curves_matter = 0;",
    specs = { { "spec/review41a_spec.lua", "names the groups the client offers when no key fits its suites" },
              { "spec/review42c_spec.lua", "says nothing of curves when another key fits" } } },
  -- The kinds of suite named in the sentence, after their move into suite_kinds12.
  { name = "review42c_suite_kinds_rsa_kx_lost", file = "csrc/hs/tls_sni.c",
    from = "        if (s->kx == TLS_KX_RSA)\n            kinds |= KIND_RSA_KX;",
    to = "        if (0)\n            kinds |= KIND_RSA_KX;",
    specs = { { "spec/review42c_spec.lua", "says nothing of curves when no key fits its suites" } } },
  -- verifiedchain() on a TLS 1.2 resumption without the peer's certificate: none was sent (no "too large" half).
  { name = "review42c_verifiedchain_tls12_resumed_hedged", file = "csrc/lua/lua_info.c",
    from = "sk_X509_num(info.peer_chain) == 0) && info.resumed && info.version == 0x0303)",
    to = "sk_X509_num(info.peer_chain) == 0) && info.resumed && info.version == 0)",
    specs = { { "spec/review42c_spec.lua", "TLS 1.2: says the peer sent none when the session was made" } } },
  { name = "review42c_verifiedchain_tls13_resumed_certain", file = "csrc/lua/lua_info.c",
    from = "sk_X509_num(info.peer_chain) == 0) && info.resumed && info.version == 0x0303)",
    to = "sk_X509_num(info.peer_chain) == 0) && info.resumed)",
    specs = { { "spec/review42c_spec.lua", "TLS 1.3: keeps both possibilities" } } },
}
