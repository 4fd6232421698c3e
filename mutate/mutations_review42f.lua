-- Session 42: the range checks of the C setters that repeat lua/tls.lua's
-- (review42f; review41e left these second copies without planted bugs).
-- Each is reached directly through require("tls.core"), where tls.lua's
-- copy does not run. Same form as mutate/mutations.lua.
local S = "spec/review42f_spec.lua"
return {
  { name = "review42f_key_update_after_zero", file = "csrc/lua/lua_context.c",
    from = 'luaL_argcheck(L, n >= 1, 2, "must be at least 1");',
    to = 'luaL_argcheck(L, n >= 0, 2, "must be at least 1");',
    specs = { { S, "set_key_update_after takes 1" } } },
  { name = "review42f_security_level_six", file = "csrc/lua/lua_context.c",
    from = "level >= 0 && level <= 5",
    to = "level >= 0 && level <= 6",
    specs = { { S, "set_security_level takes 0 and 5" } } },
  { name = "review42f_record_size_limit_below_min", file = "csrc/lua/lua_context.c",
    from = "n >= TLS_RECORD_SIZE_LIMIT_MIN && n <= TLS_RECORD_SIZE_LIMIT_MAX",
    to = "n >= TLS_RECORD_SIZE_LIMIT_MIN - 1 && n <= TLS_RECORD_SIZE_LIMIT_MAX",
    specs = { { S, "set_record_size_limit takes 64" } } },
  { name = "review42f_tickets_seventeen", file = "csrc/lua/lua_context.c",
    from = "n >= 0 && n <= 16, 2",
    to = "n >= 0 && n <= 17, 2",
    specs = { { S, "set_tickets takes 0 and 16" } } },
  { name = "review42f_ticket_lifetime_unbounded", file = "csrc/lua/lua_context.c",
    from = "n >= 1 && n <= TLS_MAX_TICKET_LIFETIME",
    to = "n >= 1",
    specs = { { S, "set_ticket_lifetime takes 1" } } },
  { name = "review42f_ticket_key_rotation_negative", file = "csrc/lua/lua_context.c",
    from = "s >= 0 && s <= 1e9",
    to = "s <= 1e9",
    specs = { { S, "set_ticket_key_rotation takes 0" } } },
  { name = "review42f_max_early_data_zero", file = "csrc/lua/lua_context.c",
    from = "n >= 1 && n <= 0x7fffffff, 3",
    to = "n >= 0 && n <= 0x7fffffff, 3",
    specs = { { S, "set_early_data takes 1" } } },
  { name = "review42f_verify_id_empty", file = "csrc/lua/lua_context.c",
    from = "len >= 1 && len <= 255, id_index",
    to = "len <= 255, id_index",
    specs = { { S, "verify_id is 1 to 255 bytes" } } },
  { name = "review42f_verify_chain_only_server", file = "csrc/lua/lua_context.c",
    from = 'luaL_argcheck(L, !ctx->cfg->is_server, 1, "a server checks no name anyway");',
    to = 'luaL_argcheck(L, 1, 1, "a server checks no name anyway");',
    specs = { { S, "set_verify_chain_only is a client's setting" } } },
  { name = "review42f_selfsigned_days_unbounded", file = "csrc/lua/lua_tls.c",
    from = "days > 0 && days <= 36500",
    to = "days > 0",
    specs = { { S, "selfsigned takes 1 to 64 names" } } },
  { name = "review42f_selfsigned_no_names", file = "csrc/lua/lua_tls.c",
    from = "n > 0 && n <= SELFSIGNED_MAX_NAMES",
    to = "n >= 0 && n <= SELFSIGNED_MAX_NAMES",
    specs = { { S, "selfsigned takes 1 to 64 names" } } },
  { name = "review42f_wrap_fd_wraps", file = "csrc/lua/lua_conn.c",
    from = 'luaL_argcheck(L, fd >= 0 && fd <= 0x7fffffff, 1, "not an open socket");',
    to = 'luaL_argcheck(L, fd >= 0 && fd <= 0xffffffff, 1, "not an open socket");',
    specs = { { S, "wrap refuses a descriptor number" } } },
  -- tls_config_check_hello (review41b's trial ClientHello): the trial connection freed before its
  -- reason is copied out (a use after free on every failed trial), or never freed (a leak per client
  -- context with alpn). Failures come from the OOM harness's check_hello scenario (AddressSanitizer).
  { name = "review42f_check_hello_reason_after_free", file = "csrc/engine/tls_engine.c",
    from = [[
    if (rc != 0) {
        tls_fail(err, -1, "%s", c->err.set ? c->err.reason : "the ClientHello cannot be built");
        /* Only its length condemns the settings: a hello not built for
         * want of memory (or a key) says nothing about the list (review42f). */
        if (!c->hello_too_long)
            rc = -2;
    }
    tls_conn_free(c);
]],
    to = [[
    int too_long = c->hello_too_long;
    tls_conn_free(c);
    if (rc != 0) {
        tls_fail(err, -1, "%s", c->err.set ? c->err.reason : "the ClientHello cannot be built");
        if (!too_long)
            rc = -2;
    }
]],
    specs = { { "spec/oom_spec.lua", "fail each allocation of the trial ClientHello in turn" } } },
  { name = "review42f_check_hello_trial_leaks", file = "csrc/engine/tls_engine.c",
    from = "            rc = -2;\n    }\n    tls_conn_free(c);\n",
    to = "            rc = -2;\n    }\n",
    specs = { { "spec/oom_spec.lua", "fail each allocation of the trial ClientHello in turn" } } },
  -- core.selfsigned cutting a name at a zero byte again (tls.selfsigned's own check does not run there).
  { name = "review42f_selfsigned_name_zero_byte", file = "csrc/lua/lua_tls.c",
    from = [[luaL_argcheck(L, memchr(names[i - 1], '\0', len) == NULL, 1, "a name holds a zero byte");]],
    to = [[(void)len;]],
    specs = { { S, "selfsigned refuses a name holding a zero byte" } } },
  -- A client's first ClientHello that could not be written answered with an alert again: the first
  -- bytes the server sees would be a fatal internal_error for a connection it knows nothing of.
  { name = "review42f_unwritten_hello_alert", file = "csrc/engine/tls_engine.c",
    from = "    if (!c->is_server && c->state == ST_CLIENT_START && c->out.len == 0)\n        c->err.alert = -1;",
    to = "    if (!c->is_server && c->state == ST_CLIENT_START && c->out.len == 0 && 0)\n        c->err.alert = -1;",
    specs = { { S, "puts no alert on the wire" } } },
  -- tls_config_check_hello: a trial that failed for memory blamed the alpn list ("no ClientHello can
  -- carry this list: out of memory ..."), or a list too long no longer told apart from it.
  { name = "review42f_check_hello_oom_blames_list", file = "csrc/engine/tls_engine.c",
    from = "        if (!c->hello_too_long)\n            rc = -2;",
    to = "        if (!c->hello_too_long && 0)\n            rc = -2;",
    specs = { { "spec/oom_spec.lua", "fail each allocation of the trial ClientHello in turn" } } },
  { name = "review42f_hello_too_long_not_marked", file = "csrc/hs/tls_hs_common.c",
    from = "        c->hello_too_long = 1;\n",
    to = "",
    specs = { { "spec/review41b_spec.lua", "is refused by tls.context, saying why" } } },
}
