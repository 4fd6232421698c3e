-- Mutations of session 22's luasec22 (review22 F2, F4, F5), each killed by
-- spec/luasec22_spec.lua. Same form as mutate/mutations.lua.
local S = "spec/luasec22_spec.lua"
local L = "lua/tls/luasec.lua"

return {
   -- F2: an SNI map entry may not widen the connection's suites, groups, tickets.
   { name = "luasec22_sni_wider_suites_taken", file = L,
     from = [[  local wider = not_within(suite_set(chosen), suite_set(own))]],
     to = [[  local wider = nil]],
     specs = { { S, "refuses an entry that adds RSA key transport" },
               { S, "refuses an entry that adds a TLS 1.3 suite" },
               { S, "a client naming a wider entry added after sni" } } },
   { name = "luasec22_sni_suites_of_other_versions_count", file = L,
     from = [[        if o.max_version == "TLSv1.3" then set[s] = true end]],
     to = [[        set[s] = true]],
     specs = { { S, "takes an entry with the same or fewer suites" } } },
   { name = "luasec22_sni_suites_of_other_versions_count_12", file = L,
     from = [[      elseif o.min_version == "TLSv1.2" then]],
     to = [[      else]],
     specs = { { S, "takes an entry with the same or fewer suites" } } },
   { name = "luasec22_sni_wider_groups_taken", file = L,
     from = [[  wider = not_within(group_set(chosen), group_set(own))]],
     to = [[  wider = nil]],
     specs = { { S, "refuses an entry that adds a group" } } },
   { name = "luasec22_sni_tickets_back_on", file = L,
     from = [[  if own.tickets == 0 and chosen.tickets ~= 0 then]],
     to = [[  if false then]],
     specs = { { S, "refuses an entry that issues tickets" } } },
   -- F4: fail_if_no_peer_cert / client_once without peer.
   { name = "luasec22_verify_words_without_peer", file = L,
     from = [[    if needs_peer and not peer then]],
     to = [[    if false then]],
     specs = { { S, "refuses them without" } } },
   { name = "luasec22_client_once_without_peer", file = L,
     from = [[      elseif v == "client_once" then needs_peer = needs_peer or v]],
     to = [[      elseif v == "client_once" then]],
     specs = { { S, "refuses them without" } } },
}
