-- Mutations for session 19's small gaps, each killed by spec/misc19_spec.lua.
-- Same form as mutate/mutations.lua. Most put back the context's current
-- setting (c->cfg) where a connection must use what it took when it was
-- made (c->pol, engine/tls_conn_int.h); the rest undo one check each.
local S = "spec/misc19_spec.lua"
local EARLY, SNI = "csrc/hs/tls13_early.c", "csrc/hs/tls_sni.c"
local PSK13, RESUME12 = "csrc/hs/tls13_psk_server.c", "csrc/hs/tls12_resume_server.c"
local HELLO = "csrc/hs/tls_hello_client.c"

return {
  -- rfc8446#4.2.10: a server's 0-RTT decided by the context's current early_data
  { name = "misc19_early_data_server_from_context", file = EARLY,
    from = [[    if (!c->pol.early_data)
        return "early_data is off on this server";]],
    to = [[    if (!c->cfg->early_data)
        return "early_data is off on this server";]],
    specs = { { S, "a server made with early_data on still accepts it after set_early_data" } } },
  -- ... its limit by the context's current max_early_data
  { name = "misc19_max_early_data_from_context", file = EARLY,
    from = [[    e->limit = c->session->max_early_data < c->pol.max_early_data ? c->session->max_early_data
                                                                   : c->pol.max_early_data;]],
    to = [[    e->limit = c->session->max_early_data < c->cfg->max_early_data ? c->session->max_early_data
                                                                    : c->cfg->max_early_data;]],
    specs = { { S, "a server keeps its max_early_data when the context lowers it" } } },
  -- a client's early_data offer decided by the context at ClientHello time
  { name = "misc19_early_data_client_from_context", file = EARLY,
    from = [[if (c->hello_retry || !c->pol.early_data || s == NULL || s->version != TLS_VERSION_13 ||]],
    to = [[if (c->hello_retry || !c->cfg->early_data || s == NULL || s->version != TLS_VERSION_13 ||]],
    specs = { { S, "a client made with early_data on still offers it after set_early_data" } } },
  -- rfc6066#3: unrecognized_name decided by the context's current sni_strict
  { name = "misc19_sni_strict_refusal_from_context", file = SNI,
    from = [[if (matched < 0 && c->pol.sni_strict) {]],
    to = [[if (matched < 0 && c->cfg->sni_strict) {]],
    specs = { { S, "a server made without sni_strict still serves an unknown name after set_sni_strict" } } },
  -- ... and the one-pair shortcut by it
  { name = "misc19_sni_strict_shortcut_from_context", file = SNI,
    from = [[if (n == 1 && !c->pol.sni_strict && !tls_tracing(c)) {]],
    to = [[if (n == 1 && !c->cfg->sni_strict && !tls_tracing(c)) {]],
    specs = { { S, "a server made with sni_strict still refuses an unknown name after set_sni_strict" } } },
  -- a TLS 1.3 server's NewSessionTickets decided by the context's current tickets
  { name = "misc19_tickets13_issue_from_context", file = PSK13,
    from = [[    if (c->pol.tickets == 0)
        return 0;]],
    to = [[    if (c->cfg->tickets == 0)
        return 0;]],
    specs = { { S, "TLSv1.3: a server made with tickets still issues them after set_tickets" } } },
  -- ... and whether it resumes
  { name = "misc19_tickets13_accept_from_context", file = PSK13,
    from = [[    if (c->pol.tickets == 0)
        return trace_decision(c, "full handshake",]],
    to = [[    if (c->cfg->tickets == 0)
        return trace_decision(c, "full handshake",]],
    specs = { { S, "TLSv1.3: a server made with tickets still resumes after set_tickets" } } },
  -- rfc5077#3.2: a TLS 1.2 server's ticket promise decided by the context
  { name = "misc19_tickets12_from_context", file = RESUME12,
    from = [[int tickets = c->pol.tickets > 0 && ch->session_ticket != NULL;]],
    to = [[int tickets = c->cfg->tickets > 0 && ch->session_ticket != NULL;]],
    specs = { { S, "TLSv1.2: a server made with tickets still promises and sends one after set_tickets" } } },
  -- rfc8446#4.6.1: a ticket's lifetime judged by the context's current ticket_lifetime
  { name = "misc19_ticket_lifetime13_from_context", file = PSK13,
    from = [[    if (s->lifetime_s > c->pol.ticket_lifetime)
        s->lifetime_s = c->pol.ticket_lifetime;]],
    to = [[    if (s->lifetime_s > c->cfg->ticket_lifetime)
        s->lifetime_s = c->cfg->ticket_lifetime;]],
    specs = { { S, "TLSv1.3: a server keeps its ticket_lifetime when the context shortens it" } } },
  -- ... a TLS 1.2 session's
  { name = "misc19_ticket_lifetime12_from_context", file = RESUME12,
    from = [[uint32_t lifetime = s->lifetime_s < c->pol.ticket_lifetime ? s->lifetime_s : c->pol.ticket_lifetime;]],
    to = [[uint32_t lifetime = s->lifetime_s < c->cfg->ticket_lifetime ? s->lifetime_s : c->cfg->ticket_lifetime;]],
    specs = { { S, "TLSv1.2: a server keeps its ticket_lifetime when the context shortens it" } } },
  -- the KeyUpdate threshold from the context's current key_update_after
  { name = "misc19_key_update_after_from_context", file = "csrc/record/tls_record.c",
    from = [[wanted = c->pol.key_update_after;]],
    to = [[wanted = c->cfg->key_update_after;]],
    specs = { { S, "does not update keys sooner when the context lowers key_update_after" } } },
  -- rfc8449#4: a TLS 1.3 client enforcing the context's current limit, not the one it advertised
  { name = "misc19_client_rsl_enforced_from_context13", file = "csrc/hs/tls13_client.c",
    from = [[c->recv_limit = c->pol.record_size_limit;]],
    to = [[c->recv_limit = c->cfg->record_size_limit;]],
    specs = { { S, "TLSv1.3: a client enforces the limit its ClientHello advertised" } } },
  -- ... a TLS 1.2 client
  { name = "misc19_client_rsl_enforced_from_context12", file = "csrc/hs/tls12_client.c",
    from = [[c->recv_limit = c->pol.record_size_limit;]],
    to = [[c->recv_limit = c->cfg->record_size_limit;]],
    specs = { { S, "TLSv1.2: a client enforces the limit its ClientHello advertised" } } },
  -- ... a client advertising the context's current limit
  { name = "misc19_client_rsl_advertised_from_context", file = HELLO,
    from = [[    if (c->pol.record_size_limit != 0) {
        put_extension_start(c, &msg, TLS_EXT_RECORD_SIZE_LIMIT, &e);
        tls_buf_u16(&msg, c->pol.record_size_limit);]],
    to = [[    if (c->cfg->record_size_limit != 0) {
        put_extension_start(c, &msg, TLS_EXT_RECORD_SIZE_LIMIT, &e);
        tls_buf_u16(&msg, c->cfg->record_size_limit);]],
    specs = { { S, "TLSv1.3: a client advertises the limit it was made with" },
              { S, "TLSv1.2: a client advertises the limit it was made with" } } },
  -- ... a TLS 1.3 server answering with the context's current limit
  { name = "misc19_server_rsl_from_context13", file = "csrc/hs/tls13_server.c",
    from = [[uint16_t limit = c->pol.record_size_limit ? c->pol.record_size_limit : TLS_RECORD_SIZE_LIMIT_MAX;]],
    to = [[uint16_t limit = c->cfg->record_size_limit ? c->cfg->record_size_limit : TLS_RECORD_SIZE_LIMIT_MAX;]],
    specs = { { S, "TLSv1.3: a server advertises and enforces the limit it was made with" } } },
  -- ... a TLS 1.2 server
  { name = "misc19_server_rsl_from_context12", file = "csrc/hs/tls12_server.c",
    from = [[uint16_t limit = c->pol.record_size_limit ? c->pol.record_size_limit : TLS_RECORD_SIZE_LIMIT_MAX;]],
    to = [[uint16_t limit = c->cfg->record_size_limit ? c->cfg->record_size_limit : TLS_RECORD_SIZE_LIMIT_MAX;]],
    specs = { { S, "TLSv1.2: a server advertises and enforces the limit it was made with" } } },
  -- e:start() on a server engine quietly does nothing again
  { name = "misc19_engine_start_server_quiet", file = "csrc/lua/lua_engine.c",
    from = [[    if (e->is_server)
        return luaL_error(L, "tls.engine: start()]],
    to = [[    if (0)
        return luaL_error(L, "tls.engine: start()]],
    specs = { { S, "start() on a server engine raises" } } },
  -- ... a second e:start() too
  { name = "misc19_engine_start_twice_quiet", file = "csrc/lua/lua_engine.c",
    from = [[    if (e->started)
        return luaL_error(]],
    to = [[    if (0)
        return luaL_error(]],
    specs = { { S, "start() twice raises" } } },
  -- conn:finished() gives our Finished after the connection failed
  { name = "misc19_finished_after_failure", file = "csrc/engine/tls_engine.c",
    from = [[    if (c->status & TLS_STATUS_FAILED)
        return "no Finished values: the connection failed";]],
    to = [[]],
    specs = { { S, "finished() gives nothing once the handshake failed" },
              { S, "finished() gives nothing once a connection failed after its handshake" } } },
  -- conn:setstats takes NaN again
  { name = "misc19_setstats_nan", file = "csrc/lua/lua_conn.c",
    from = [[if (!(v >= 0 && v <= 9007199254740992.0))]],
    to = [[if (v < 0 || v > 9007199254740992.0)]],
    specs = { { S, "conn:setstats refuses NaN, infinities and negative numbers" } } },
  -- ... and negative or infinite numbers
  { name = "misc19_setstats_range", file = "csrc/lua/lua_conn.c",
    from = [[if (!(v >= 0 && v <= 9007199254740992.0))]],
    to = [[if (v != v)]],
    specs = { { S, "conn:setstats refuses NaN, infinities and negative numbers" } } },
  -- ctx:set_clock_offset(NaN) converts NaN to int64_t (undefined)
  { name = "misc19_clock_offset_nan", file = "csrc/lua/lua_context.c",
    from = [[luaL_argcheck(L, s >= -1e12 && s <= 1e12, 2, "a number of seconds from -1e12 to 1e12 expected");]],
    to = [[]],
    specs = { { S, "ctx:set_clock_offset refuses NaN" } } },
  -- tls.luasec's depth = NaN passes "< 9" and limits nothing
  { name = "misc19_luasec_depth_nan", file = "lua/tls/luasec.lua",
    from = [[    if not depth then]],
    to = [[    if false then]],
    specs = { { S, "tls.luasec refuses depth = NaN" } } },
  -- tls.luasec's setstats takes NaN before the handshake
  { name = "misc19_luasec_setstats_nan", file = "lua/tls/luasec.lua",
    from = [[  if not (v >= 0 and v <= 2^53) then]],
    to = [[  if false then]],
    specs = { { S, "tls.luasec connections refuse NaN in setstats and settimeout" } } },
  -- ... and settimeout
  { name = "misc19_luasec_settimeout_nan", file = "lua/tls/luasec.lua",
    from = [[    if n == nil or n ~= n then]],
    to = [[    if n == nil then]],
    specs = { { S, "tls.luasec connections refuse NaN in setstats and settimeout" } } },
  -- a NaN timeout said to be "(got number)"
  { name = "misc19_timeout_nan_said_number", file = "lua/tls.lua",
    from = [[  if value ~= value then return "NaN" end
  return type(value)]],
    to = [[  return type(value)]],
    specs = { { S, "tls.listen says NaN" }, { S, "tls.connect and tls.wrap say NaN" } } },
  -- a backlog out of range quietly becomes 32
  { name = "misc19_backlog_range", file = "lua/tls.lua",
    from = [[(math.type(o.backlog) ~= "integer" or o.backlog < 1 or o.backlog > 65535)]],
    to = [[math.type(o.backlog) ~= "integer"]],
    specs = { { S, "tls.listen says NaN, and refuses a backlog out of range" } } },
  -- max_early_data past 2^31 - 1 raises from the core instead of nil, message
  { name = "misc19_max_early_data_bound", file = "lua/tls.lua",
    from = [[      or o.max_early_data > MAX_EARLY_DATA) then]],
    to = [[      ) then]],
    specs = { { S, "max_early_data past 2^31 - 1 is refused, not raised" } } },
}
