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
  -- a session stamped with the trust settings of when its ticket came, not
  -- those its peer's chain was verified under
  { name = "review20_stamp_not_noted_at_verification", file = "csrc/hs/tls_hs_common.c",
    from = [[    tls_resume_note_verified(c);
]],
    to = "",
    specs = { { S, "TLSv1.3: a CRL loaded between the handshake and the ticket does not count as checked" } } },
  -- a resumed connection's tickets stamped with the settings of when they come
  { name = "review20_stamp_not_noted_at_resumption", file = "csrc/hs/tls13_psk_client.c",
    from = [[    tls_resume_note_resumed(c, s);
]],
    to = "",
    specs = { { S, "TLSv1.3: a resumed connection's tickets keep its session's settings" } } },
  -- the stamp ignores what was noted
  { name = "review20_stamp_ignores_note", file = "csrc/engine/tls_resume.c",
    from = [[    if (c->has_peer_settings)
        memcpy(s->verify_digest, c->peer_settings, sizeof s->verify_digest);]],
    to = [[    if (0 && c->has_peer_settings)
        memcpy(s->verify_digest, c->peer_settings, sizeof s->verify_digest);]],
    specs = { { S, "TLSv1.3: a CRL loaded between the handshake and the ticket does not count as checked" },
              { S, "TLSv1.3: a resumed connection's tickets keep its session's settings" } } },
}
