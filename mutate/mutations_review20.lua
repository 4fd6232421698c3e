-- Mutations for review20's fixes, each killed by spec/review20_spec.lua.
-- Same form as mutate/mutations.lua.
local S = "spec/review20_spec.lua"

return {
  -- a TLS 1.3 ticket opened with the keys of when the connection was made:
  -- a key automatic rotation should have dropped still opens it
  { name = "review20_tls13_ticket_keys_not_refreshed", file = "csrc/hs/tls13_psk_server.c",
    from = [[    if (tls_ticket_keys_prepare(&c->cfg->ticket_keys, tls_config_now_ms(c->cfg), &keys_err) != 0)]],
    to = [[    if (0 && tls_ticket_keys_prepare(&c->cfg->ticket_keys, tls_config_now_ms(c->cfg), &keys_err) != 0)]],
    specs = { { S, "TLSv1.3: a connection made before its ticket's key was dropped does not resume with it" } } },
}
