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
}
