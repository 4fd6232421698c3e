-- Mutations of the issue 10 review's fixes, each killed by
-- spec/review10_spec.lua. Same form as mutate/mutations.lua.
local S = "spec/review10_spec.lua"

return {
   { name = "r10_t13c_pin_unchecked", file = "csrc/hs/tls13_psk_client.c",
     from = [[return tls_resume_pin_misfit(c->cfg, s);]],
     to = [[return NULL;]],
     specs = { { S, "does not offer a session whose certificate holds no pinned key" } } },
   { name = "r10_t13s_lifetime_not_shortened", file = "csrc/hs/tls13_psk_server.c",
     from = [[if (s->lifetime_s > c->pol.ticket_lifetime)]],
     to = [[if (0 && s->lifetime_s > c->pol.ticket_lifetime)]],
     specs = { { S, "no longer resumes a ticket older than the lifetime now set" } } },
   { name = "r10_t13s_pin_unchecked", file = "csrc/hs/tls13_psk_server.c",
     from = [[if (s->peer_cert.len > 0 && tls_resume_pin_misfit(cfg, s) != NULL) {]],
     to = [[if (0 && s->peer_cert.len > 0 && tls_resume_pin_misfit(cfg, s) != NULL) {]],
     specs = { { S, "TLS 1.3: not resumed when the session's client certificate holds no pinned key" } } },
   { name = "r10_t12s_pin_unchecked", file = "csrc/hs/tls12_resume_server.c",
     from = [[if (s->peer_cert.len > 0 && tls_resume_pin_misfit(cfg, s) != NULL) {]],
     to = [[if (0 && s->peer_cert.len > 0 && tls_resume_pin_misfit(cfg, s) != NULL) {]],
     specs = { { S, "TLS 1.2: not resumed when the session's client certificate holds no pinned key" } } },
}
