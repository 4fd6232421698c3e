-- Session 40, review40b: a close_notify before the handshake finished (I1);
-- TLS 1.3 sessions offered for any enabled suite of their hash (I2).
-- Same form as mutate/mutations.lua.
local S = "spec/review40b_spec.lua"
return {
  -- I1: the peer's close_notify before the handshake finished left an
  -- engine neither failed nor done (want() "closed")
  { name = "review40b_close_before_finished_orderly", file = "csrc/engine/tls_dispatch.c",
    from = "        if (unfinished)\n            return closed_before_finished(c);",
    to = "        if (0)\n            return closed_before_finished(c);",
    specs = { { S, "the server's close_notify under handshake keys, after its ServerHello" },
              { S, "the client's close_notify before its Finished" } } },
  -- I1: the failure must still answer with our close_notify (rfc8446#6.1, rfc5246#7.2.1)
  { name = "review40b_close_before_finished_unanswered", file = "csrc/engine/tls_dispatch.c",
    from = "    (void)tls_engine_answer_close(c); /* its failure is out of memory: ours is said */",
    to = "",
    specs = { { S, "the server's close_notify in the clear, before its ServerHello" } } },
  -- I2: the session offered only when its own suite is enabled (the old rule)
  { name = "review40b_psk_exact_suite_only", file = "csrc/hs/tls13_psk_client.c",
    from = "    if (suite == NULL || suite->version != TLS_VERSION_13 || !hash_enabled(c, suite->md))",
    to = "    if (suite == NULL || suite->version != TLS_VERSION_13 || !hash_enabled(c, suite->md)\n"
      .. "        || !tls_hello_offered(c->pol.suites, c->pol.n_suites, s->suite))",
    specs = { { S, "is offered and resumed by a client that has only TLS_CHACHA20_POLY1305_SHA256" } } },
  -- I2: offered whatever the hash of the suites enabled
  { name = "review40b_psk_any_hash", file = "csrc/hs/tls13_psk_client.c",
    from = "        if (s != NULL && s->version == TLS_VERSION_13 && s->md == md)\n            return 1;",
    to = "        if (s != NULL && s->version == TLS_VERSION_13 && md != NULL)\n            return 1;",
    specs = { { S, "is not offered by a client whose suites all have another hash" } } },
  -- I2: early data given for (and sent under) a session suite that is turned off
  { name = "review40b_write_early_suite_unchecked", file = "csrc/hs/tls13_early.c",
    from = "    else if (!tls_hello_offered(c->pol.suites, c->pol.n_suites, s->suite))\n        refusal =",
    to = "    else if (0)\n        refusal =",
    specs = { { S, "e:write_early refuses early data the session's own suite, turned off, would carry" },
              { S, "sends no early data when the session's own suite is off" } } },
  -- review40g N1: the drop-in passed the engine's sentence on where LuaSec says "closed"
  { name = "review40g_dropin_close_notify_not_closed", file = "lua/tls/luasec.lua",
    from = "if info.close_notify and not info.handshake_done then err = \"closed\" end",
    to = "if info.close_notify and not info.handshake_done then end",
    specs = { { S, "says \"closed\", as LuaSec" } } },
}
