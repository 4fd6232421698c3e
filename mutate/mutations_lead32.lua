-- Mutations for session 32's fixes. Same form as mutate/mutations.lua.
local K = "spec/keyusage30_spec.lua"

return {
  -- review30b F3: TLS 1.3 kept for a name whose pair cannot sign, though the
  -- client offers TLS 1.2 with a suite that pair serves
  { name = "lead32_name_version_not_lowered", file = "csrc/hs/tls_hello_server.c",
    from = [[        c->pol.min_version > TLS_VERSION_12 || tls12_server_key_rank(c, ch, c->own, 0) < 0)]],
    to = [[        c->pol.min_version > TLS_VERSION_12 || tls12_server_key_rank(c, ch, c->own, 0) >= -1)]],
    specs = { { K, "when the client's name chose it and the client offers both" } } },
  -- ... lowered for a client that offers only TLS 1.3
  { name = "lead32_name_version_without_12_offer", file = "csrc/hs/tls_hello_server.c",
    from = [[    if (*version != TLS_VERSION_13 || c->own->can_sign || !ch->has_server_name || !ch->offers_12 ||]],
    to = [[    if (*version != TLS_VERSION_13 || c->own->can_sign || !ch->has_server_name ||]],
    specs = { { K, "for a client that offers only TLS 1.3 for that name" } } },
  -- ... lowered with the downgrade sentinel, which a TLS 1.3 client refuses
  { name = "lead32_name_version_sentinel", file = "csrc/hs/tls12_server.c",
    from = [[    if (tls_hello_conn_speaks13(c) && !c->name_without13)]],
    to = [[    if (tls_hello_conn_speaks13(c))]],
    specs = { { K, "when the client's name chose it and the client offers both" },
              { K, "which checks the downgrade sentinel" } } },
}
