-- Mutations for session 36's fixes. Same form as mutate/mutations.lua.
local L = "spec/lead36_spec.lua"

return {
  -- review36a F1: a failed connection's session still handed out
  { name = "lead36_failed_session_kept", file = "csrc/engine/tls_engine.c",
    from = [[    tls_resume_forget(c);
    if (c->is_server)
        tls12_resume_server_unstore(c);]],
    to = [[    if (c->is_server)
        tls12_resume_server_unstore(c);]],
    specs = { { L, "on a client, TLSv1.3: session() is nil" }, { L, "on a client, TLSv1.2: session() is nil" },
              { L, "after the fatal alert the peer sent" } } },
  -- ... and left in a TLS 1.2 server's store
  { name = "lead36_failed_session_left_in_store", file = "csrc/engine/tls_engine.c",
    from = [[    if (c->is_server)
        tls12_resume_server_unstore(c);]],
    to = [[    if (0 && c->is_server)
        tls12_resume_server_unstore(c);]],
    specs = { { L, "deletes the session of a connection that failed" } } },
  -- ... deleted only when stored by a full handshake, not when resumed from the store
  { name = "lead36_resumed_from_store_not_marked", file = "csrc/hs/tls12_resume_server.c",
    from = [[            c->session_in_store = 1;
            return resume(c, ch, s, "session id", 0);]],
    to = [[            return resume(c, ch, s, "session id", 0);]],
    specs = { { L, "deletes the session of a connection that failed" } } },
  -- ... or deleted for every failed handshake, stored or not (a store call per failure)
  { name = "lead36_unstore_unconditional", file = "csrc/hs/tls12_resume_server.c",
    from = [[    if (!c->session_in_store || c->in_callback || c->hooks == NULL || c->hooks->session_delete == NULL)]],
    to = [[    if (c->in_callback || c->hooks == NULL || c->hooks->session_delete == NULL)]],
    specs = { { L, "fails before it stored anything asks the store nothing" } } },
  -- review36b F1: the drop-in ignoring luatls's own option names
  { name = "lead36_luasec_luatls_options_ignored", file = "lua/tls/luasec.lua",
    from = [[  if luatls_only then return nil, luatls_only end]],
    to = [[  if false then return nil, luatls_only end]],
    specs = { { L, "refuses every tls.context option LuaSec has no parameter for" },
              { L, "refuses them in wrap's parameter table" } } },
  -- review36b F2: one socket wrapped twice
  { name = "lead36_wrap_twice_allowed", file = "lua/tls.lua",
    from = [[  if conn then util.wrapped_sockets[sock] = conn end]],
    to = [[  if conn then local _ = util.wrapped_sockets end]],
    specs = { { L, "tls.wrap refuses a socket a live connection wraps" } } },
  { name = "lead36_wrap_twice_live_check", file = "lua/tls/util.lua",
    from = [[  if prior and prior:getfd() == fd then return prior end]],
    to = [[  if prior then return prior end]],
    specs = { { L, "moved to another descriptor" } } },
  -- review36b I1: any settimeout mode taken
  { name = "lead36_timeout_mode_unchecked", file = "csrc/lua/lua_conn.c",
    from = [[    if (mode[0] != 'b' && mode[0] != 't' && mode[0] != 'r')]],
    to = [[    if (0 && mode[0] != 'b' && mode[0] != 't' && mode[0] != 'r')]],
    specs = { { L, "takes 'b', 't' and 'r' and raises on another" } } },
  { name = "lead36_dropin_timeout_mode_unchecked", file = "lua/tls/luasec.lua",
    from = [[  if mode ~= nil and not (type(mode) == "string" and mode:match("^[btr]")) then]],
    to = [[  if false then]],
    specs = { { L, "takes 'b', 't' and 'r' and raises on another" } } },
  -- review36d F1: a bundle's TRUSTED CERTIFICATE settings dropped (as PEM text did)
  { name = "lead36_ca_trust_settings_dropped", file = "csrc/pki/tls_config.c",
    from = [[            failed = X509_STORE_add_cert(c->store, info->x509) != 1;]],
    to = [[            failed = (X509_trust_clear(info->x509), X509_reject_clear(info->x509),
                      X509_STORE_add_cert(c->store, info->x509) != 1);]],
    specs = { { L, "a root distrusted for serverAuth before the plain root refuses the server, text" } } },
  -- the TLS 1.2 refusal names the RSA key transport suite the client offers (tls12_server_spec) and the
  -- two rules of the wording are in mutate/mutations_tls12_server.lua
}
