-- Session 44 (review44a): a room tls_conn_input_room gave is taken back by whatever may move or free
-- the input buffer before its commit. fuzz/input_room.c's stale-room cases kill these.
local HARNESS = { { "spec/review43e_spec.lua", "keeps its bounds, releases an empty buffer" } }
return {
  -- A read that processes held-back records frees the buffer: a commit afterwards counted bytes
  -- into a buffer with no storage (and a caller had written into freed memory).
  { name = "review44a_room_kept_by_processing", file = "csrc/engine/tls_dispatch.c",
    from = "     * a commit into it fails rather than counting bytes never stored. */\n    c->in_room = 0;",
    to = "     * a commit into it fails rather than counting bytes never stored. */\n    (void)0;",
    specs = HARNESS },
  -- A failure outside reading (a refused KeyUpdate) frees the buffer too.
  { name = "review44a_room_kept_by_failure", file = "csrc/engine/tls_engine.c",
    from = "    c->in_room = 0; /* a room given before points into the freed buffer */",
    to = "    (void)0;",
    specs = HARNESS },
}
