-- Session 44 (perf44d): the engine's input buffer is grown to a size while a record is unfinished (one
-- record of the largest size and one read), no longer doubled to 64 KiB. fuzz/input_room.c looks inside.
local HELD = { { "spec/review44d_spec.lua", "holds at most one record of the largest size and one read" } }
local BOUNDS = { { "spec/review43e_spec.lua", "keeps its bounds, releases an empty buffer" } }
local ALL = { { "spec/review44d_spec.lua", "receive('*a') with the data and the close in one read" } }
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
  -- conn:receive("*a") straight from the engine's plaintext (review44d): only once the peer's close_notify
  -- is in, ...
  { name = "perf44d_all_direct_before_close", file = "csrc/lua/lua_conn.c",
    from = "if (st == TLS_IO_DONE && avail > 0 && (tls_conn_status(c->tls) & TLS_STATUS_PEER_CLOSED)) {",
    to = "if (st == TLS_IO_DONE && avail > 0) {",
    specs = ALL },
  -- ... without a prefix (it is part of the result) ...
  { name = "perf44d_all_direct_drops_prefix", file = "csrc/lua/lua_conn.c",
    from = "if (st == TLS_IO_DONE && mode == ALL && prefix_len == 0) {",
    to = "if (st == TLS_IO_DONE && mode == ALL) {",
    specs = ALL },
  -- ... and what the close left queued still goes out with the receive (TLS 1.2's close_notify answer).
  { name = "perf44d_all_direct_not_flushed", file = "csrc/lua/lua_conn.c",
    from = "            st = pump(c, WANT_DATA, deadline);\n            c->hold_output = 0;\n            if (st == TLS_IO_CLOSED)",
    to = "            st = TLS_IO_CLOSED;\n            c->hold_output = 0;\n            if (st == TLS_IO_CLOSED)",
    specs = ALL },
  -- The one step that takes bytes: marked read and counted, whichever way they went.
  { name = "perf44d_consume_not_marked_read", file = "csrc/lua/lua_conn.c",
    from = "    tls_conn_app_data_done(c->tls, n);\n    c->received += (double)n;",
    to = "    (void)0;\n    c->received += (double)n;",
    specs = ALL },
}
