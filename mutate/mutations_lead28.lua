-- Mutations for session 28's lead changes (spec/lead28_spec.lua).
-- Same form as mutate/mutations.lua.
local S = "spec/lead28_spec.lua"

return {
  -- "127.1", "010.0.0.1" and the like taken as DNS names again
  { name = "lead28_short_ipv4_as_name", file = "csrc/pki/tls_x509.c",
    from = [[    if (is_other_ipv4_form(name, len, addr, sizeof addr)) {]],
    to = [[    if (is_other_ipv4_form(name, len, addr, sizeof addr) && 0) {]],
    specs = { { S, "as a servername" } } },
  -- tls.https: the URL's host left to tls.wrap, after connecting
  { name = "lead28_https_host_checked_late", file = "lua/tls/https.lua",
    from = [[    if host_problem then return fail("the host of '%s' %s", url_shown(t.url), host_problem) end]],
    to = [[    if host_problem and false then return fail("the host of '%s' %s", url_shown(t.url), host_problem) end]],
    specs = { { S, "in tls.https" } } },
  -- review28b F1: the anchors held strongly from the registry again (a
  -- callback mentioning its connection keeps it alive for ever)
  { name = "lead28_anchors_strong", file = "csrc/lua/lua_trace.c",
    from = [[    tls_lua_weak_table(L, &anchors_key, "v");]],
    to = [[    tls_lua_weak_table(L, &anchors_key, "");]],
    specs = { { S, "does not keep engines alive" } } },
  -- (lead28_switched_context_not_kept, the context a servername function
  -- chose not kept by the object, is gone: since session 39 the object
  -- copies that context's functions when it switches (review38c I1), and
  -- the engine holds a reference on its tls_config, so nothing reads the
  -- context object after the switch and the planted bug changed nothing
  -- a test could see (final CI: it survived). review9's
  -- r9_switched_hooks_not_refilled guards the copy.)
  -- review28a: a resumed TLS 1.2 connection said "ECDHE"
  { name = "lead28_tls12_resumed_said_ecdhe", file = "csrc/engine/tls_engine.c",
    from = [[        info->key_exchange = c->resumed && c->group == 0 ? "PSK"]],
    to = [[        info->key_exchange = c->resumed && c->group == 0 && c->version == TLS_VERSION_13 ? "PSK"]],
    specs = { { S, "on an abbreviated (resumed) handshake" } } },
  -- review28a: key_update_after accepted where it does nothing
  { name = "lead28_key_update_after_tls12", file = "lua/tls.lua",
    from = [[  if o.max_version == "TLSv1.2" and o.key_update_after ~= nil then]],
    to = [[  if o.max_version == "TLSv1.2" and o.key_update_after ~= nil and false then]],
    specs = { { S, "refuses key_update_after with max_version" } } },
  -- review28b F2: a password a plain key never asked for, taken in silence
  { name = "lead28_unused_password_taken", file = "csrc/pki/tls_config.c",
    from = [[    if (password != NULL && !use.asked) {]],
    to = [[    if (password != NULL && !use.asked && 0) {]],
    specs = { { S, "is refused with a plain key" } } },
  -- a password cut at its zero byte
  { name = "lead28_password_nul_cut", file = "csrc/lua/lua_context.c",
    from = [[    if (password != NULL && memchr(password, '\0', password_len) != NULL) {]],
    to = [[    if (password != NULL && memchr(password, '\0', password_len) != NULL && 0) {]],
    specs = { { S, "one with a zero byte is refused" } } },
  -- the drop-in passes a plain key's password on (LuaSec programs refused)
  { name = "lead28_dropin_password_kept", file = "lua/tls/luasec.lua",
    from = [[    if type(key) == "string" and not key_is_encrypted(key, not util.is_pem(key)) then return nil end]],
    to = [[    if type(key) == "string" and not key_is_encrypted(key, not util.is_pem(key)) then return type(p) == "function" and p() or p end]],
    specs = { { S, "a password with a plain key is not used" } } },
  -- review28c #1: a server_name's trailing dot kept (matched to nothing)
  { name = "lead28_sni_trailing_dot_kept", file = "csrc/hs/tls_hello_server.c",
    from = [[        if (name.len > 1 && name.p[name.len - 1] == '.')]],
    to = [[        if (name.len > 1 && name.p[name.len - 1] == '.' && 0)]],
    specs = { { S, "is the same name without it" } } },
  -- review28c #2: a ClientHello too long reported as out of memory
  { name = "lead28_too_long_hello_said_oom", file = "csrc/hs/tls_hs_common.c",
    from = [[    if (msg->oom == TLS_BUF_TOO_LONG && type == TLS_HS_CLIENT_HELLO)]],
    to = [[    if (msg->oom == TLS_BUF_TOO_LONG && type == TLS_HS_CLIENT_HELLO && 0)]],
    specs = { { S, "fails with a message that says so" } } },
  -- review28d F1: a connection used from another finalizer without its anchors
  { name = "lead28_no_reanchor", file = "csrc/lua/lua_engine.c",
    from = [[    tls_lua_trace_reanchor(&e->trace, L, 1);]],
    to = [[    (void)tls_lua_trace_reanchor;]],
    specs = { { S, "used from another object's __gc" } } },
  -- review28d F2: long zero-padded forms let through
  { name = "lead28_short_ipv4_64_bytes", file = "csrc/pki/tls_x509.c",
    from = [[    if (len > 253 || name[0] < '0' ]],
    to = [[    if (len > 64 || name[0] < '0' ]],
    specs = { { S, "zero-padded IPv4 form" } } },
  -- review28d F3: a named pipe read twice by the drop-in (hangs: the spec's
  -- writer gives up after 5 s and the load fails)
  { name = "lead28_fifo_read_twice", file = "csrc/pki/tls_config.c",
    from = [[    if (is_path && (stat(src, &st) != 0 || !S_ISREG(st.st_mode)))]],
    to = [[    if (is_path && (stat(src, &st) != 0 || 0))]],
    specs = { { S, "from a named pipe once" } } },
  -- review28d F4: the PSK path's own message
  { name = "lead28_psk_hello_said_oom", file = "csrc/hs/tls13_psk_client.c",
    from = [[        return tls_hs_build_failed(c, msg, TLS_HS_CLIENT_HELLO);]],
    to = [[        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory building the ClientHello");]],
    specs = { { S, "made too long by a TLS 1.3 session" } } },
}
