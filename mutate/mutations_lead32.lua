-- Mutations for session 32's fixes. Same form as mutate/mutations.lua.
local K = "spec/keyusage30_spec.lua"
local L = "spec/lead32_spec.lua"

return {
  -- review30b F3: TLS 1.3 kept for a name whose pair cannot sign, though the
  -- client offers TLS 1.2 with a suite that pair serves
  { name = "lead32_name_version_not_lowered", file = "csrc/hs/tls_hello_server.c",
    from = [[        c->pol.min_version > TLS_VERSION_12 || tls12_server_key_rank(c, ch, c->own, 0) < 0)]],
    to = [[        c->pol.min_version > TLS_VERSION_12 || tls12_server_key_rank(c, ch, c->own, 0) >= -1)]],
    specs = { { K, "when the client's name chose it and the client offers both" } } },
  -- ... lowered for a client that offers only TLS 1.3
  { name = "lead32_name_version_without_12_offer", file = "csrc/hs/tls_hello_server.c",
    from = [[    if (*version != TLS_VERSION_13 || c->own->can_sign || !tls_sni_name_never_signs(c, ch) || !ch->offers_12 ||]],
    to = [[    if (*version != TLS_VERSION_13 || c->own->can_sign || !tls_sni_name_never_signs(c, ch) ||]],
    specs = { { K, "for a client that offers only TLS 1.3 for that name" } } },
  -- ... lowered with the downgrade sentinel, which a TLS 1.3 client refuses
  { name = "lead32_name_version_sentinel", file = "csrc/hs/tls12_server.c",
    from = [[    if (tls_hello_conn_speaks13(c) && !c->name_without13)]],
    to = [[    if (tls_hello_conn_speaks13(c))]],
    specs = { { K, "when the client's name chose it and the client offers both" },
              { K, "which checks the downgrade sentinel" } } },
  -- review32d F1: the version rule followed the pair the client's lists chose
  { name = "lead32_name_version_by_client_lists", file = "csrc/hs/tls_hello_server.c",
    from = [[    if (*version != TLS_VERSION_13 || c->own->can_sign || !tls_sni_name_never_signs(c, ch) || !ch->offers_12 ||]],
    to = [[    if (*version != TLS_VERSION_13 || c->own->can_sign || !ch->has_server_name || !ch->offers_12 ||]],
    specs = { { K, "whatever the client's lists" } } },
  { name = "lead32_name_never_signs_ignores_signers", file = "csrc/hs/tls_sni.c",
    from = [[        if (c->cfg->ids[i].can_sign)
            return 0;]],
    to = [[        if (c->cfg->ids[i].can_sign == 2)
            return 0;]],
    specs = { { K, "whatever the client's lists" } } },
  { name = "lead32_fallback_for_tls12_only_name", file = "csrc/hs/tls_hello_server.c",
    from = [[        uint16_t best = tls_hello_conn_speaks13(c) && !tls_sni_name_never_signs(c, &ch) ? TLS_VERSION_13 : TLS_VERSION_12;]],
    to = [[        uint16_t best = tls_hello_conn_speaks13(c) ? TLS_VERSION_13 : TLS_VERSION_12;]],
    specs = { { K, "takes a TLS 1.2 client's fallback" } } },
  { name = "lead32_feed_after_close_before_start_said_start", file = "csrc/lua/lua_engine.c",
    from = [[        if (tls_conn_status(e->tls) & TLS_STATUS_CLOSED)
            return luaL_error(L, "tls.engine: feed() after close(): this client engine was closed before "]],
    to = [[        if (tls_conn_status(e->tls) & 0)
            return luaL_error(L, "tls.engine: feed() after close(): this client engine was closed before "]],
    specs = { { L, "never started sends nothing" } } },
  -- review32d F2: a close_notify handled by the read that made room
  { name = "lead32_held_back_close_keeps_secrets", file = "csrc/engine/tls_engine.c",
    from = [[            forget_when_closed(c); /* a close_notify held back (review32d F2) */]],
    to = [[            (void)0; /* a close_notify held back (review32d F2) */]],
    specs = { { L, "held back behind unread data" } } },
  -- review32a F2: TLS 1.2 alert levels
  { name = "lead32_alert_level_unknown_taken", file = "csrc/engine/tls_dispatch.c",
    from = [[    if (c->version == TLS_VERSION_12 && level != TLS_ALERT_LEVEL_WARNING && level != TLS_ALERT_LEVEL_FATAL)]],
    to = [[    if (c->version == TLS_VERSION_12 && level != TLS_ALERT_LEVEL_WARNING && level != TLS_ALERT_LEVEL_FATAL && desc == 255)]],
    specs = { { L, "is refused with illegal_parameter" } } },
  { name = "lead32_fatal_close_notify_orderly", file = "csrc/engine/tls_dispatch.c",
    from = [[    if (desc == TLS_ALERT_CLOSE_NOTIFY && c->version == TLS_VERSION_12 && level == TLS_ALERT_LEVEL_FATAL) {]],
    to = [[    if (desc == TLS_ALERT_CLOSE_NOTIFY && c->version == TLS_VERSION_12 && level == 99) {]],
    specs = { { L, "a fatal close_notify is a failure" } } },
  -- review32a F1: a TLS 1.2 ServerHello's server_name with a body
  { name = "lead32_sh12_server_name_body", file = "csrc/hs/tls12_client.c",
    from = [[    if (sni != NULL && tls_rd_left(sni) != 0)]],
    to = [[    if (sni != NULL && tls_rd_left(sni) > 65535)]],
    specs = { { L, "is refused with a body" } } },
  -- review32a F3: a HelloRequest with a body after the handshake
  { name = "lead32_hello_request_body_after", file = "csrc/hs/tls12_common.c",
    from = [[    if (!c->is_server && type == TLS_HS_HELLO_REQUEST && tls_rd_left(body) != 0)]],
    to = [[    if (!c->is_server && type == TLS_HS_HELLO_REQUEST && tls_rd_left(body) > 65535)]],
    specs = { { L, "with a body, is refused as during the handshake" } } },
  -- review32b: one KeyUpdate answers requests received while silent
  { name = "lead32_keyupdate_answer_each", file = "csrc/hs/tls13_common.c",
    from = [[    if (request == 1 && !(c->status & TLS_STATUS_CLOSED) && !(c->key_update_answered && c->wr.seq == 0)) {]],
    to = [[    if (request == 1 && !(c->status & TLS_STATUS_CLOSED)) {]],
    specs = { { L, "get a single update in answer" } } },
  { name = "lead32_keyupdate_crossing_taken_as_answer", file = "csrc/hs/tls13_common.c",
    from = [[    c->key_update_answered = 0;]],
    to = [[    c->key_update_answered = 1;]],
    specs = { { "spec/keyupdate_spec.lua", "from both sides at once" } } },
  -- review32b: a closed engine kept its secrets (export answered)
  { name = "lead32_closed_engine_keeps_secrets", file = "csrc/engine/tls_engine.c",
    from = [[    if ((c->status & both) == both && !c->secrets_forgotten)]],
    to = [[    if ((c->status & both) == both && c->secrets_forgotten)]],
    specs = { { L, "forgets its secrets" } } },
  -- review32c F2, I4: a client engine that cannot start; close before start
  { name = "lead32_engine_made_without_servername", file = "csrc/lua/lua_engine.c",
    from = [[    const char *problem = tls_conn_start_problem(e->tls);]],
    to = [[    const char *problem = NULL; (void)tls_conn_start_problem;]],
    specs = { { L, "without servername is refused when made" } } },
  { name = "lead32_close_unstarted_sends_alerts", file = "csrc/engine/tls_engine.c",
    from = [[    if (!c->is_server && c->state == ST_CLIENT_START) {
        c->status |= TLS_STATUS_CLOSED;]],
    to = [[    if (!c->is_server && c->state == ST_CLIENT_START && c->version == 1) {
        c->status |= TLS_STATUS_CLOSED;]],
    specs = { { L, "never started sends nothing" } } },
  -- review32c F1: a server's verify function named as verify = "required"
  { name = "lead32_verify_function_message", file = "csrc/hs/tls_hs_common.c",
    from = [[                        c->hooks && c->hooks->verify ? "its verify function needs a chain to judge"]],
    to = [[                        0 ? "its verify function needs a chain to judge"]],
    specs = { { L, "says the function needs one" } } },
  -- review32c F3, F5, I7
  { name = "lead32_named_keys_called_empty", file = "lua/tls/util.lua",
    from = [[  if n == 0 and count > 0 then]],
    to = [[  if false then]],
    specs = { { L, "only named keys is called that" } } },
  { name = "lead32_https_timeout_zero", file = "lua/tls/https.lua",
    from = [[  elseif type(timeout) ~= "number" or timeout ~= timeout or timeout <= 0 then]],
    to = [[  elseif type(timeout) ~= "number" or timeout ~= timeout or timeout < 0 then]],
    specs = { { L, "refuses a timeout of 0" } } },
  { name = "lead32_crl_check_all_false_refused", file = "lua/tls.lua",
    from = [[  if o.crl_check_all and o.crl == nil then]],
    to = [[  if o.crl_check_all ~= nil and o.crl == nil then]],
    specs = { { "spec/crl_spec.lua", "refuses crl_check_all without crl" } } },
  -- review32a I5: the server's refusal of our empty Certificate explained
  { name = "lead32_empty_certificate_refusal_unexplained", file = "csrc/engine/tls_dispatch.c",
    from = [[    if (!c->is_server && c->cert_requested && c->own == NULL &&]],
    to = [[    if (!c->is_server && c->cert_requested && c->own == NULL && desc == 255 &&]],
    specs = { { L, "is explained" } } },
  { name = "lead32_empty_certificate_refusal_blamed_always", file = "csrc/engine/tls_dispatch.c",
    from = [[    if (!c->is_server && c->cert_requested && c->own == NULL &&]],
    to = [[    if (!c->is_server && c->own == NULL &&]],
    specs = { { L, "when the server asked for none" } } },
}
