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
  -- A turn ending mid-record keeps the room of a whole read (32 KiB for a peer's 3 bytes).
  { name = "review44a_idle_partial_untrimmed", file = "csrc/engine/tls_engine.c",
    from = "    if (c->in.cap <= INPUT_TRIM_ABOVE || held > c->in.cap / 4)\n        return;",
    to = "    if (1)\n        return;",
    specs = HARNESS },
  -- The trimmed buffer takes the bytes before the offset (a record already processed).
  { name = "review44a_trim_from_start", file = "csrc/engine/tls_engine.c",
    from = "tls_buf_bytes(&small, c->in.data + c->in_off, held);",
    to = "tls_buf_bytes(&small, c->in.data, held);",
    specs = HARNESS },
  -- The offset of the old buffer is kept for the new one.
  { name = "review44a_trim_offset_kept", file = "csrc/engine/tls_engine.c",
    from = "    c->in = small;\n    c->in_off = 0;",
    to = "    c->in = small;",
    specs = HARNESS },
}
