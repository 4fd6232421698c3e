-- Mutations for the checks added by review 17, each killed by
-- spec/review17_spec.lua. Same form as mutate/mutations.lua.
local HELLO_CLIENT = "csrc/hs/tls_hello_client.c"
local EARLY = "csrc/hs/tls13_early.c"
local HELLO_SERVER, SERVER12 = "csrc/hs/tls_hello_server.c", "csrc/hs/tls12_server.c"
local S = "spec/review17_spec.lua"

return {
  -- a TLS 1.2 ServerHello taken after a TLS 1.3 HelloRetryRequest
  { name = "review17_tls12_after_hrr", file = HELLO_CLIENT,
    from = [[    if (c->hello_retry)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "ServerHello after a TLS 1.3 HelloRetryRequest chose another version");]],
    to = [[]],
    specs = { { S, "a crafted ServerHello" },
              { S, "a TLS 1.2-only server's answer" } } },
  -- rfc8446#D.3 ignored: TLS 1.2 taken after our 0-RTT data
  { name = "review17_tls12_after_early_data", file = HELLO_CLIENT,
    from = [[    if (tls13_early_client_keeps_write_key(c))
        return tls13_early_client_refuse_tls12(c);]],
    to = [[    if (0 && tls13_early_client_keeps_write_key(c))
        return tls13_early_client_refuse_tls12(c);]],
    specs = { { S, "fails the handshake with protocol_version, sent in the clear" } } },
  -- that refusal's alert sealed under the 0-RTT key a TLS 1.2 server cannot read
  { name = "review17_early_refusal_alert_sealed", file = EARLY,
    from = [[    tls_aead_free(&c->wr);
    c->wr_protected = 0;
    return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION,]],
    to = [[    return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION,]],
    specs = { { S, "fails the handshake with protocol_version, sent in the clear" } } },
  -- a server without TLS 1.3 suites picks TLS 1.3 anyway (and fails)
  { name = "review17_tls13_without_suites", file = HELLO_SERVER,
    from = [[    if (ch.offers_13 && tls_hello_conn_speaks13(c))]],
    to = [[    if (ch.offers_13 && c->pol.max_version >= TLS_VERSION_13)]],
    specs = { { S, "speaks TLS 1.2 to a client offering TLS 1.2 and 1.3" } } },
  -- the downgrade sentinel from a server that cannot speak TLS 1.3
  { name = "review17_sentinel_without_tls13", file = SERVER12,
    from = [[    if (tls_hello_conn_speaks13(c) && !c->name_without13)
        memcpy(c->t12->server_random]],
    to = [[    if (c->pol.max_version >= TLS_VERSION_13 && !c->name_without13)
        memcpy(c->t12->server_random]],
    specs = { { S, "speaks TLS 1.2 to a client offering TLS 1.2 and 1.3" } } },
  -- TLS_FALLBACK_SCSV judged against max_version, not what the server can speak
  { name = "review17_fallback_against_max_version", file = HELLO_SERVER,
    from = [[        if (version < best)]],
    to = [[        if (version < c->pol.max_version)]],
    specs = { { S, "takes a TLS_FALLBACK_SCSV client at TLS 1.2" } } },
}
