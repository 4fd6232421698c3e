-- Session 41 (review41e): checks of the Lua binding and the pure-Lua parts
-- that no earlier mutation touched: verification defaults, the verify
-- words, timeouts (defaults, kept, honoured), option refusals in the C
-- setters and in the socket layer. Same form as mutate/mutations.lua.
local A = "spec/api_spec.lua"
local R = "spec/review41e_spec.lua"
return {
  -- A client verifies unless told not to: the default made false would
  -- accept any certificate (and load no trust store).
  { name = "review41e_client_verify_default_off", file = "lua/tls.lua",
    from = "if verify == nil then verify = not server end",
    to = "if verify == nil then verify = false end",
    specs = { { A, "fails on a certificate from an unknown authority, and tells the server" } } },
  -- verify = true on a server is "required": as "optional" a client with
  -- no certificate would get in.
  { name = "review41e_server_verify_true_optional", file = "csrc/lua/lua_context.c",
    from = ": ctx->cfg->is_server ? TLS_VERIFY_REQUIRED",
    to = ": ctx->cfg->is_server ? TLS_VERIFY_PEER",
    specs = { { "spec/mtls_server_spec.lua", "takes verify = true as \"required\"" } } },
  { name = "review41e_server_required_optional", file = "csrc/lua/lua_context.c",
    from = "else if (strcmp(s, \"required\") == 0)\n            mode = TLS_VERIFY_REQUIRED;",
    to = "else if (strcmp(s, \"required\") == 0)\n            mode = TLS_VERIFY_PEER;",
    specs = { { "spec/mtls_server_spec.lua", "refuses an empty Certificate with certificate_required" } } },
  -- tls.connect's 'timeout' is also the connection's own, for later calls.
  { name = "review41e_connect_timeout_not_kept", file = "lua/tls.lua",
    from = "hs_timeout, timeout = o.timeout, o.timeout",
    to = "hs_timeout = o.timeout",
    specs = { { "spec/client_errors_spec.lua", "can be turned off with false, or set for everything" } } },
  -- Without 'timeout', a connect and its handshake still end (60 s).
  { name = "review41e_connect_default_timeout_none", file = "lua/tls.lua",
    from = "local hs_timeout, timeout = DEFAULT_CONNECT_TIMEOUT, -1",
    to = "local hs_timeout, timeout = -1, -1",
    specs = { { "spec/client_errors_spec.lua", "is 60 seconds for the connect and the handshake by default" } } },
  -- A server drops a client that stalls its handshake (30 s by default).
  { name = "review41e_listen_default_handshake_timeout_none", file = "lua/tls.lua",
    from = "local hs_timeout = DEFAULT_HANDSHAKE_TIMEOUT",
    to = "local hs_timeout = -1",
    specs = { { R, "tls.listen bounds a client's handshake by default" } } },
  { name = "review41e_server_handshake_timeout_ignored", file = "csrc/lua/lua_server.c",
    from = "if (s->handshake_timeout >= 0)",
    to = "if (s->handshake_timeout >= 0 && 0)",
    timeout = 60,
    specs = { { "spec/review13_handshake_timeout_spec.lua", "drops a client that stalls" } } },
  -- tls.listen's 'timeout' bounds accept().
  { name = "review41e_listen_timeout_dropped", file = "lua/tls.lua",
    from = "return core.listen(host or \"*\", port, c, o.backlog, timeout, hs_timeout)",
    to = "return core.listen(host or \"*\", port, c, o.backlog, -1, hs_timeout)",
    timeout = 60,
    specs = { { R, "tls.listen's timeout bounds accept" } } },
  -- tls.wrap's 'timeout' is the connection's.
  { name = "review41e_wrap_timeout_dropped", file = "lua/tls.lua",
    from = "core.wrap(fd, c, o.servername, sock, timeout, o.session, o.early_data)",
    to = "core.wrap(fd, c, o.servername, sock, -1, o.session, o.early_data)",
    timeout = 60,
    specs = { { R, "tls.wrap's timeout is the connection's" } } },
  -- A client context cannot listen (it would play the client to every peer):
  -- tls.lua passes a ready context through, so the C check is the only one.
  { name = "review41e_listen_client_context", file = "csrc/lua/lua_server.c",
    from = "    if (!cfg->is_server) {\n        lua_pushnil(L);\n        lua_pushliteral(L, \"tls.listen needs",
    to = "    if (0 && !cfg->is_server) {\n        lua_pushnil(L);\n        lua_pushliteral(L, \"tls.listen needs",
    specs = { { A, "needs a server context" } } },
  -- One DER certificate, nothing after it.
  { name = "review41e_der_trailing_bytes", file = "csrc/lua/lua_cert.c",
    from = "if ((size_t)(p - (const unsigned char *)text) != len)",
    to = "if (0 && (size_t)(p - (const unsigned char *)text) != len)",
    specs = { { "spec/certobj_spec.lua", "refuses empty input, garbage, DER with extra bytes and bad PEM" } } },
  -- A timeout of 0 never waits (non-blocking mode, event loops).
  { name = "review41e_sock_deadline_zero_blocks", file = "csrc/io/tls_socket.c",
    from = "    if (timeout < 0)\n        return -1;",
    to = "    if (timeout <= 0)\n        return -1;",
    timeout = 60,
    specs = { { R, "a timeout of 0 never waits" } } },
  -- A partial send goes on from where it stopped.
  { name = "review41e_sock_send_partial_from_start", file = "csrc/io/tls_socket.c",
    from = "send(fd, data + *sent, len - *sent, MSG_NOSIGNAL)",
    to = "send(fd, data, len - *sent, MSG_NOSIGNAL)",
    timeout = 60,
    specs = { { "spec/nonblocking_spec.lua", "a large send through a peer that reads slowly" } } },
  -- A connect that failed (SO_ERROR) is not a connection.
  { name = "review41e_connect_refused_taken", file = "csrc/io/tls_socket.c",
    from = "if (st != TLS_IO_DONE || soerr != 0) {",
    to = "if (st != TLS_IO_DONE) {",
    specs = { { A, "says when the connection is refused" } } },
  -- tls.https bounds each wait by default (M.TIMEOUT, 60 s).
  { name = "review41e_https_default_timeout_none", file = "lua/tls/https.lua",
    from = "    timeout = M.TIMEOUT\n",
    to = "    timeout = -1\n",
    timeout = 60,
    specs = { { R, "tls.https bounds each wait by default" } } },
  { name = "review41e_https_create_taken", file = "lua/tls/https.lua",
    from = "  if reqt.create ~= nil then\n",
    to = "  if false then\n",
    specs = { { "spec/https_spec.lua", "refuses create, unknown options" } } },
  -- receive(-1): a negative count is no pattern.
  { name = "review41e_receive_negative_count", file = "csrc/lua/lua_conn.c",
    from = "luaL_argcheck(L, n >= 0, 2, \"invalid receive pattern\");",
    to = "luaL_argcheck(L, n == n, 2, \"invalid receive pattern\");",
    timeout = 60,
    specs = { { R, "refuses a negative receive count" } } },
  -- A server context with no certificate: tls_config_check lets it
  -- through (every handshake would fail), so tls.lua's refusal is the one.
  { name = "review41e_server_without_certificate", file = "lua/tls.lua",
    from = "if server and o.certificate == nil and o.certificates == nil then",
    to = "if false and server and o.certificate == nil and o.certificates == nil then",
    specs = { { A, "requires a certificate and key for servers" } } },
  { name = "review41e_certificate_without_key", file = "lua/tls.lua",
    from = "if (o.certificate == nil) ~= (o.key == nil) then",
    to = "if false and (o.certificate == nil) ~= (o.key == nil) then",
    specs = { { A, "but not half a pair" } } },
  -- The default name of "fe80::1%eth0" is the address without its zone.
  { name = "review41e_default_servername_zone_kept", file = "lua/tls.lua",
    from = "if ip6 and ip6:find(\":\", 1, true) then name = ip6 end",
    to = "if false and ip6 and ip6:find(\":\", 1, true) then name = ip6 end",
    specs = { { "spec/servername_spec.lua", "defaults to the host as DNS reads it" } } },
  -- The drop-in's ssl.https takes https URLs only, as LuaSec's.
  { name = "review41e_sslhttps_http_url_taken", file = "lua/tls/luasec/https.lua",
    from = "if url.parse(req.url).scheme ~= \"https\" then",
    to = "if false and url.parse(req.url).scheme ~= \"https\" then",
    specs = { { R, "tls.luasec.https refuses a URL that is not https" } } },
  -- Its 'servername' is refused, not ignored (LuaSec's https has none).
  { name = "review41e_sslhttps_servername_taken", file = "lua/tls/luasec/https.lua",
    from = "if u.servername ~= nil then",
    to = "if false and u.servername ~= nil then",
    specs = { { "spec/review25c_spec.lua", "tls.luasec.https servername" } } },
  -- tls.connect refuses a timeout of 0, which ended every connect before
  -- its handshake ("timeout connecting to ...", the server up).
  { name = "review41e_connect_timeout_zero_taken", file = "lua/tls.lua",
    from = "    if o.timeout == 0 then\n      return fail(\"tls.connect: option 'timeout' = 0",
    to = "    if false then\n      return fail(\"tls.connect: option 'timeout' = 0",
    specs = { { R, "tls.connect refuses a timeout of 0" } } },
}
