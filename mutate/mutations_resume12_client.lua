-- Mutations of TLS 1.2 resumption on the client
-- (csrc/hs/tls12_resume_client.c), each killed by
-- spec/resume12_client_spec.lua. Same form as mutate/mutations.lua.
local S = "spec/resume12_client_spec.lua"
local R = "csrc/hs/tls12_resume_client.c"

return {
   { name = "r12c_suite_not_matched", file = R,
     from = [[if (suite != s->suite)]],
     to = [[if (0 && suite != s->suite)]],
     specs = { { S, "resuming with another cipher suite" } } },
   { name = "r12c_ems_dropped_accepted", file = R,
     from = [[if (s->ems && !c->t12->ems)]],
     to = [[if (0 && s->ems && !c->t12->ems)]],
     specs = { { S, "without it, even with require_ems = false" } } },
   { name = "r12c_ems_added_accepted", file = R,
     from = [[if (!s->ems && c->t12->ems)]],
     to = [[if (0 && !s->ems && c->t12->ems)]],
     specs = { { S, "resuming a session made without the extended master secret with it" } } },
   { name = "r12c_ticket_without_extension", file = R,
     from = [[if (!t->ticket_expected)]],
     to = [[if (0 && !t->ticket_expected)]],
     specs = { { S, "a NewSessionTicket without the SessionTicket extension" } } },
   { name = "r12c_ticket_promised_not_sent", file = R,
     from = [[if (c->t12->ticket_expected && !c->t12->ticket_received)]],
     to = [[if (0 && c->t12->ticket_expected && !c->t12->ticket_received)]],
     specs = { { S, "no NewSessionTicket after announcing one" } } },
   { name = "r12c_name_not_matched", file = R,
     from = [[if (!tls_session_name_matches(s->name, c->server_name ? c->server_name : ""))]],
     to = [[if (0 && !tls_session_name_matches(s->name, c->server_name ? c->server_name : ""))]],
     specs = { { S, "offers a session only when it fits not to another name" } } },
   { name = "r12c_expiry_ignored", file = R,
     from = [[if (tls_session_expired(s, tls_config_now_ms(cfg)))]],
     to = [[if (0 && tls_session_expired(s, tls_config_now_ms(cfg)))]],
     specs = { { S, "offers a session only when it fits not once expired" } } },
   { name = "r12c_unverified_offered", file = R,
     from = [[if (c->pol.verify && !s->peer_verified)]],
     to = [[if (0 && c->pol.verify && !s->peer_verified)]],
     specs = { { S, "not to a verifying client when the session's server was not verified" } } },
   { name = "r12c_pin_ignored", file = R,
     from = [[return tls_resume_pin_misfit(cfg, s);]],
     to = [[return NULL;]],
     specs = { { S, "not when a pin does not match its certificate" } } },
   { name = "r12c_nst_trailing_bytes", file = R,
     from = [[    tls_reader ticket = tls_rd_vec(body, 2);
    if (!tls_rd_end(body))]],
     to = [[    tls_reader ticket = tls_rd_vec(body, 2);
    if (!tls_rd_ok(body))]],
     specs = { { S, "a malformed NewSessionTicket, with trailing bytes" } } },
}
