-- Mutations for the TLS 1.2 closure rule (rfc5246#7.2.1), each killed by
-- spec/close12_spec.lua. Same form as mutate/mutations.lua.
local ENGINE, DISPATCH = "csrc/engine/tls_engine.c", "csrc/engine/tls_dispatch.c"
local S = "spec/close12_spec.lua"

return {
  -- the peer's close_notify is not answered with ours
  { name = "close12_no_answer", file = ENGINE,
    from = [[    c->status |= TLS_STATUS_CLOSED;
    return tls_record_send_alert(c, TLS_ALERT_LEVEL_WARNING, TLS_ALERT_CLOSE_NOTIFY);]],
    to = [[    c->status |= TLS_STATUS_CLOSED;
    return 0;]],
    specs = { { S, "the server answers the peer's close_notify" },
              { S, "Python client that closed first" } } },
  -- writes still taken after the peer's close_notify in TLS 1.2
  { name = "close12_writes_after_peer_close", file = ENGINE,
    from = [[        c->state = ST_CLOSED;
    c->status |= TLS_STATUS_CLOSED;
    return tls_record_send_alert(]],
    to = [[        c->state = ST_CLOSED;
    return tls_record_send_alert(]],
    specs = { { S, "the client answers the peer's close_notify" },
              { S, "non-blocking mode, send after the peer's close_notify" } } },
  -- the TLS 1.2 rule applied to TLS 1.3 too: its half-close broken
  { name = "close12_rule_in_tls13", file = DISPATCH,
    from = [[int both_ways = c->version == TLS_VERSION_12;]],
    to = [[int both_ways = c->version != 0;]],
    specs = { { S, "the server goes on writing after the client's close_notify" } } },
  -- a second close_notify after our own (both sides closed at once)
  { name = "close12_answer_after_own_close", file = ENGINE,
    from = [[    /* Our close_notify went already: nothing may follow it. */
    if (c->status & TLS_STATUS_CLOSED)
        return 0;]],
    to = [[    /* Our close_notify went already: nothing may follow it. */]],
    specs = { { S, "no answer when our own close_notify went first" } } },
  -- the answer drops handshake messages still batched (a TLS 1.2 server's
  -- Finished answering a client that closed right after its own)
  { name = "close12_answer_drops_batched_flight", file = ENGINE,
    from = [[     * Finished). */
    if (!(c->status & TLS_STATUS_HANDSHAKE_DONE))]],
    to = [[     * Finished). */
    tls_buf_clear(&c->hs_out);
    if (!(c->status & TLS_STATUS_HANDSHAKE_DONE))]],
    specs = { { S, "sends its own Finished first" },
              { "spec/fuzz_regress_spec.lua", "takes every seed of fuzz_server to the state" } } },
  -- conn:send refuses after the peer's close_notify but leaves our answer queued
  { name = "close12_send_keeps_answer_queued", file = "csrc/lua/lua_conn.c",
    from = [[        if (peers)
            flush_output(c, tls_sock_deadline(0));]],
    to = [[]],
    specs = { { S, "leaves with send" } } },
}
