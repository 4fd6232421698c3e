-- Session 44 (perf44d): the engine's input buffer is grown to a size while a record is unfinished (one
-- record of the largest size and one read), no longer doubled to 64 KiB. fuzz/input_room.c looks inside.
local HELD = { { "spec/review44d_spec.lua", "holds at most one record of the largest size and one read" } }
local BOUNDS = { { "spec/review43e_spec.lua", "keeps its bounds, releases an empty buffer" } }
return {
  -- Doubled as before: a half-received record held in 64 KiB.
  { name = "perf44d_input_doubled", file = "csrc/engine/tls_engine.c",
    from = "if (tls_buf_reserve_exact(&c->in, want - c->in.len) != 0) {",
    to = "if (tls_buf_reserve(&c->in, want - c->in.len) != 0) {",
    specs = HELD },
  -- Room for a record more than the unfinished one (two records and a read).
  { name = "perf44d_input_record_twice", file = "csrc/engine/tls_engine.c",
    from = "size_t size = held == 0 ? 0 : held < TLS_RECORD_WIRE_MAX ? TLS_RECORD_WIRE_MAX : held;",
    to = "size_t size = held == 0 ? 0 : held < TLS_RECORD_WIRE_MAX ? 2 * TLS_RECORD_WIRE_MAX : held;",
    specs = HELD },
  -- The room past the read asked for: the binding reads all the room it is given, and a larger read
  -- decrypts more than the call hands out.
  { name = "perf44d_room_past_max", file = "csrc/engine/tls_engine.c",
    from = "    if (room > max)\n        room = max;",
    to = "    if (0)\n        room = max;",
    specs = BOUNDS },
  -- min above max is a caller's mistake: refused, not a room the caller cannot use as it meant.
  { name = "perf44d_min_above_max_taken", file = "csrc/engine/tls_engine.c",
    from = "min == 0 || max < min ||",
    to = "min == 0 ||",
    specs = BOUNDS },
}
