-- Mutations for session 29's changes (spec/lead29_spec.lua).
-- Same form as mutate/mutations.lua.
local S = "spec/lead29_spec.lua"

return {
  -- the drop-in's @SECLEVEL=4/5 applied to the peer's chain only again
  { name = "lead29_seclevel_not_narrowed", file = "lua/tls/luasec.lua",
    from = [[  if level and level >= 4 then]],
    to = [[  if level and level >= 6 then]],
    specs = { { S, "negotiates 192-bit groups" } } },
  -- level 4's groups taken at 128 bits
  { name = "lead29_seclevel_group_bits", file = "lua/tls/luasec.lua",
    from = [[    if GROUP_BITS[g] >= bits then groups[#groups + 1] = g end]],
    to = [[    if GROUP_BITS[g] >= 128 then groups[#groups + 1] = g end]],
    specs = { { S, "negotiates 192-bit groups" } } },
  -- a client's signature schemes left wide at level 5
  { name = "lead29_seclevel_sigalgs_kept", file = "lua/tls/luasec.lua",
    from = [[  if not server then o.sigalgs = LEVEL_SIGALGS[level] end]],
    to = [[  if not server then o.sigalgs = nil end]],
    specs = { { S, "a client's signatures only at 5" } } },
  -- review29a M1: early data of a client gone before its Finished handed out
  { name = "lead29_early_after_eof", file = "csrc/lua/lua_conn.c",
    from = [[    if (st == TLS_IO_DONE && !(status & TLS_STATUS_HANDSHAKE_DONE) && (c->eof || (status & TLS_STATUS_PEER_CLOSED)))]],
    to = [[    if (st == TLS_IO_DONE && !(status & TLS_STATUS_HANDSHAKE_DONE) && 0)]],
    specs = { { S, "after handshake() saw the close" } } },
  -- review29a L2: a second ClientHello that drops the HelloRetryRequest's
  -- suite resumed with it
  { name = "lead29_hrr_suite_dropped", file = "csrc/hs/tls13_server.c",
    from = [[    if (c->suite != NULL && !hello_offers(c, ch, c->suite))]],
    to = [[    if (c->suite != NULL && !hello_offers(c, ch, c->suite) && 0)]],
    specs = { { S, "is illegal_parameter when it resumes" } } },
  -- review29c L3: TLS 1.3's options taken where the lists leave only TLS 1.2
  { name = "lead29_only13_options_taken", file = "lua/tls.lua",
    from = [[  local no13, no12 = C.versions_out(ctx)]],
    to = [[  local no13, no12 = nil, select(2, C.versions_out(ctx))]],
    specs = { { S, "refuses TLS 1.3's options when the cipher" } } },
  -- review29c L1: a session store a server never calls taken
  { name = "lead29_idle_session_store_taken", file = "lua/tls.lua",
    from = [[  if server and no12 and o.session_store ~= nil and o.early_data ~= true then]],
    to = [[  if server and no12 and o.session_store ~= nil and o.early_data ~= true and false then]],
    specs = { { S, "refuses a session_store a server can never call" } } },
  -- review29c L4: the drop-in's certificates entries not checked
  { name = "lead29_dropin_certificates_unchecked", file = "lua/tls/luasec.lua",
    from = [[      if type(pair) ~= "table" then]],
    to = [[      if type(pair) ~= "table" and false then]],
    specs = { { S, "refuses certificates entries that are not pairs" } } },
  -- review29c I1: keyupdate() with nothing written since our last one
  -- sends another (the 33rd ends the connection with a luatls peer)
  { name = "lead29_idle_keyupdates_sent", file = "csrc/engine/tls_engine.c",
    from = [[    int nothing_written = c->own_key_update && c->wr.seq == 0;]],
    to = [[    int nothing_written = 0;]],
    specs = { { S, "sends one KeyUpdate for calls with nothing written" } } },
  -- a request for the peer's update skipped though the peer wrote since
  { name = "lead29_keyupdate_request_coalesced", file = "csrc/engine/tls_engine.c",
    from = [[    int peer_key_fresh = c->key_update_asked || c->rd.seq == 0;]],
    to = [[    int peer_key_fresh = 1;]],
    specs = { { S, "still asks the peer each time it has written" } } },
  -- an unanswered request asked again
  { name = "lead29_keyupdate_request_repeated", file = "csrc/hs/tls13_common.c",
    from = [[    c->key_update_asked |= request_peer;]],
    to = [[    (void)0;]],
    specs = { { S, "still asks the peer each time it has written" } } },
  -- review29b F1: RSA key transport with a leaf whose keyUsage forbids it
  { name = "lead29_rsa_kx_ignores_key_usage", file = "csrc/hs/tls12_server.c",
    from = [[    if (s->kx == TLS_KX_RSA ? !id->can_encipher : !id->can_sign)]],
    to = [[    if (s->kx == TLS_KX_RSA ? 0 : !id->can_sign)]],
    specs = { { S, "serves gnutls-cli, which checks keyUsage" }, { S, "keeps RSA key transport away" } } },
  -- the context check counting a certificate that may not encrypt
  { name = "lead29_ctxcheck_rsa_kx_usage", file = "csrc/pki/tls_config.c",
    from = [[            if (s->kx == TLS_KX_RSA ? !c->ids[i].can_encipher : !c->ids[i].can_sign) {]],
    to = [[            if (s->kx == TLS_KX_RSA ? 0 : !c->ids[i].can_sign) {]],
    specs = { { S, "refuses RSA key transport alone with certificates" } } },
}
