-- Mutations for alerts21's conformance fixes, each killed by
-- spec/alerts21_spec.lua. Same form as mutate/mutations.lua.
local S = "spec/alerts21_spec.lua"
local PSK = "csrc/hs/tls13_psk_server.c"

return {
  -- #1b: tickets to a client whose ClientHello has no psk_key_exchange_modes
  { name = "alerts21_tickets_without_modes", file = PSK,
    from = [[    if (c->no_ticket_mode) {]],
    to = [[    if (0) {]],
    specs = { { S, "sends none to a client without psk_key_exchange_modes" }, { S, "gets none; gnutls" } } },
  -- #1b: a psk_ke-only client counted as able to use tickets with psk_ke off
  { name = "alerts21_tickets_psk_ke_off", file = PSK,
    from = [[c->no_ticket_mode = !dhe && !(ke && c->pol.psk_ke);]],
    to = [[c->no_ticket_mode = !dhe && !ke;]],
    specs = { { S, "sends none to a psk_ke-only client while psk_ke = false" } } },
  -- #3: 0-RTT accepted although the ticket age is off
  { name = "alerts21_early_despite_age", file = "csrc/hs/tls13_early.c",
    from = [[    if (c->psk_age_off)
        return]],
    to = [[    if (0)
        return]],
    specs = { { S, "a client age too large" }, { S, "a client age too small" } } },
  -- #4: a fatal user_canceled in TLS 1.3 an error again
  { name = "alerts21_user_canceled_level_13", file = "csrc/engine/tls_dispatch.c",
    from = [[(level == TLS_ALERT_LEVEL_WARNING || c->version == TLS_VERSION_13)]],
    to = [[(level == TLS_ALERT_LEVEL_WARNING)]],
    specs = { { S, "is a closure alert in TLS 1.3" } } },
  -- #4: the level ignored in TLS 1.2 too
  { name = "alerts21_user_canceled_level_12", file = "csrc/engine/tls_dispatch.c",
    from = [[(level == TLS_ALERT_LEVEL_WARNING || c->version == TLS_VERSION_13)]],
    to = [[(level == TLS_ALERT_LEVEL_WARNING || 1)]],
    specs = { { S, "still ends a TLS 1.2 handshake as the peer's error" } } },
  -- #8: the session id of a client that presented a ticket looked up
  { name = "alerts21_tls12_sid_after_ticket", file = "csrc/hs/tls12_resume_server.c",
    from = [[if (tickets && tls_rd_left(ch->session_ticket) > 0 && ch->session_id.len > 0 && has_store(c)) {]],
    to = [[if (0) {]],
    specs = { { S, "does not look the session id up" } } },
  -- #10: the TLS 1.3 "misplaced" rule first for a TLS 1.2 ServerHello again
  { name = "alerts21_sh12_misplaced_first", file = "csrc/hs/tls_ext.c",
    from = [[    if (msg == TLS_EXT_IN_SH12 && check_solicited(c, list, msg, where) != 0)
        return -1;]],
    to = [[    if (0)
        return -1;]],
    specs = { { S, "one we did not send (heartbeat) is unsupported_extension" } } },
  -- #6: TLS 1.2 alerts inside a fragmented handshake message refused again (record layer)
  { name = "alerts21_tls12_interleave_record", file = "csrc/record/tls_record.c",
    from = [[        !(type == TLS_CT_ALERT && c->version == TLS_VERSION_12))]],
    to = [[        1)]],
    specs = { { S, "TLS 1.2: a warning there is taken" }, { S, "TLS 1.2: a fatal alert there is reported as the peer's" } } },
  -- #6: the same in the dispatcher
  { name = "alerts21_tls12_interleave_dispatch", file = "csrc/engine/tls_dispatch.c",
    from = [[        if (c->hs_in.len > 0 && c->version != TLS_VERSION_12)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "alert record inside a fragmented handshake message");]],
    to = [[        if (c->hs_in.len > 0)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "alert record inside a fragmented handshake message");]],
    specs = { { S, "TLS 1.2: a warning there is taken" }, { S, "TLS 1.2: a fatal alert there is reported as the peer's" } } },
}
