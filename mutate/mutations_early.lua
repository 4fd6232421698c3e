-- Mutations of 0-RTT early data (csrc/hs/tls13_early.c), each killed by
-- spec/early_data_resume_spec.lua. Same form as mutate/mutations.lua.
local S = "spec/early_data_resume_spec.lua"
local F = "csrc/hs/tls13_early.c"

return {
   -- rfc8446#8: a ticket's 0-RTT accepted once: the store's delete must
   -- say the ticket was there.
   { name = "early_replay_not_checked", file = F,
     from = [[    if (deleted == 1)
        return NULL;]],
     to = [[    if (deleted >= 0)
        return NULL;]],
     specs = { { S, "refuses the replay of a ticket's 0-RTT" } } },
   -- Without a store there is no anti-replay: since session 47 tls.context
   -- refuses such a server (its C check, replay_check's first lines, stays
   -- as a second line of defence that no Lua program can reach, so no
   -- planted bug can be seen to fail there).
   { name = "early_accepted_without_store", file = "lua/tls.lua",
     from = [[  if server and o.early_data == true and o.session_store == nil then]],
     to = [[  if false and server and o.early_data == true and o.session_store == nil then]],
     specs = { { S, "needs a session store on a server" } } },
   { name = "early_store_required_of_clients", file = "lua/tls.lua",
     from = [[  if server and o.early_data == true and o.session_store == nil then]],
     to = [[  if o.early_data == true and o.session_store == nil then]],
     specs = { { S, "needs a session store on a server" } } },
   -- rfc8446#4.6.1: more than max_early_data_size is unexpected_message.
   { name = "early_max_not_enforced", file = F,
     from = [[    if (len > e->limit - e->count)]],
     to = [[    if (0 && len > e->limit - e->count)]],
     specs = { { S, "ends the connection with unexpected_message when the client sends more than max_early_data" } } },
   { name = "early_max_off_by_one", file = F,
     from = [[    if (len > e->limit - e->count)]],
     to = [[    if (len >= e->limit - e->count)]],
     specs = { { S, "takes exactly max_early_data bytes" } } },
   -- rfc8446#4.2.10: only with the client's first PSK.
   { name = "early_first_identity_not_required", file = F,
     from = [[    if (selected != 0 || s == NULL || !c->resumed)]],
     to = [[    if (selected < 0 || s == NULL || !c->resumed)]],
     specs = { { S, "accepts early data only when the PSK it accepted is the client's first" } } },
   -- Off by default: a server without early_data never accepts.
   { name = "early_accepted_without_option", file = F,
     from = [[    if (!c->pol.early_data)
        return "early_data is off on this server";]],
     to = [[    if (0)
        return "early_data is off on this server";]],
     specs = { { S, "is refused by a server with early_data off" } } },
   -- rfc8446#4.2.10: the same ALPN protocol as the session's.
   { name = "early_alpn_not_compared", file = F,
     from = [[    if (s->alpn_len != c->alpn_len || (s->alpn_len > 0 && memcmp(s->alpn, c->alpn, s->alpn_len) != 0))
        return "ALPN protocol differs from the session's";]],
     to = [[    if (0)
        return "ALPN protocol differs from the session's";]],
     specs = { { S, "is declined when the server would choose another ALPN protocol" } } },
   -- The client keeps to the ticket's max_early_data.
   { name = "early_client_max_not_enforced", file = F,
     from = [[    else if (len > s->max_early_data || (c->early != NULL && c->early->data.len + len > s->max_early_data))]],
     to = [[    else if (0)]],
     specs = { { S, "refuses e:write_early beyond the ticket's max_early_data" } } },
   -- Client: a server that accepts our early data must keep the session's suite.
   { name = "early_client_suite_not_checked", file = F,
     from = [[    if (c->suite->id != s->suite)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,]],
     to = [[    if (0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,]],
     specs = { { S, "refuses early_data accepted with another cipher suite" } } },
   { name = "early_client_ee_body_not_checked", file = F,
     from = [[    if (tls_rd_left(ext) != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "EncryptedExtensions early_data is not empty");]],
     to = [[    if (0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "EncryptedExtensions early_data is not empty");]],
     specs = { { S, "refuses an early_data answer that is not empty" } } },
   { name = "early_client_alpn_not_checked", file = F,
     from = [[        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "server accepted our early data with another ALPN protocol than the session's");]],
     to = [[        (void)0;]],
     specs = { { S, "refuses early_data accepted with another ALPN protocol" } } },
}
