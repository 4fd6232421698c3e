-- Session 43 (lead): the suites a client offers, named in a refusal.
local H = "csrc/hs/tls_hello_server.c"
local L = "spec/lead43_spec.lua"
return {
  { name = "lead43_grease_named", file = H,
    from = [[|| is_grease(id) ||]], to = [[|| (0 && is_grease(id)) ||]],
    specs = { { L, "leaving out GREASE" } } },
  { name = "lead43_grease_unequal_bytes", file = H,
    from = [[return (id & 0x0f0f) == 0x0a0a && (id >> 8) == (id & 0xff);]],
    to = [[return (id & 0x0f0f) == 0x0a0a;]],
    specs = { { L, "unequal bytes" } } },
  { name = "lead43_other_version_named", file = H,
    from = [[if (is13 != (version == TLS_VERSION_13) ||]], to = [[if (is13 == (version == TLS_VERSION_13) ||]],
    specs = { { L, "leaving out GREASE" } } },
  { name = "lead43_list_unbounded", file = H,
    from = [[        if (listed == 3)
            continue;]], to = [[        if (listed == 30)
            continue;]],
    specs = { { L, "three at most" } } },
  { name = "lead43_signal_named", file = H,
    from = [[id == TLS_EMPTY_RENEGOTIATION_INFO_SCSV ||
            id == TLS_FALLBACK_SCSV)]], to = [[id == TLS_FALLBACK_SCSV)]],
    specs = { { L, "names the DHE suites" } } },
}
