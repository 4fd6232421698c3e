-- Session 43: the engine's input room (review43e; tls_conn_input_room / tls_conn_input_commit, which
-- the Lua binding reads its socket into). fuzz/input_room.c checks each bound inside the connection.
local HARNESS = { { "spec/review43e_spec.lua", "keeps its bounds, releases an empty buffer" } }
return {
  -- A buffer grown past TLS_INPUT_MAX by an earlier feed would give room past the limit.
  { name = "review43e_room_not_clamped", file = "csrc/engine/tls_engine.c",
    from = "if (room > TLS_INPUT_MAX - held)",
    to = "if (0)",
    specs = HARNESS },
  -- A caller writing past the room it was given would go unnoticed.
  { name = "review43e_commit_past_room", file = "csrc/engine/tls_engine.c",
    from = "if (n > c->in_room) {",
    to = "if (n > c->in_room + 1) {",
    specs = HARNESS },
  -- Without moving the unprocessed bytes to the front, the buffer grows at each read.
  { name = "review43e_room_grows_instead_of_moving", file = "csrc/engine/tls_engine.c",
    from = "if (c->in.cap - c->in.len < min)\n        compact_input(c);",
    to = "if (0)\n        compact_input(c);",
    specs = HARNESS },
  -- A read that got nothing would leave an idle connection holding an empty buffer.
  { name = "review43e_empty_buffer_kept", file = "csrc/engine/tls_engine.c",
    from = "tls_buf_release_if_empty(&c->in);",
    to = "(void)0;",
    specs = HARNESS },
  -- A cancelled handshake takes no more input: feed ignores it, so the room must not be given.
  { name = "review43e_room_in_cancelled_handshake", file = "csrc/engine/tls_engine.c",
    from = "((c->status & TLS_STATUS_CLOSED) && !(c->status & TLS_STATUS_HANDSHAKE_DONE)) ||",
    to = "0 ||",
    specs = HARNESS },
  -- The offset is 32 bits in the struct's padding: input fed past the limit must be moved, not skipped.
  { name = "review43e_offset_past_limit", file = "csrc/engine/tls_dispatch.c",
    from = "} else if (off > TLS_INPUT_MAX) {",
    to = "} else if (0) {",
    specs = HARNESS },
  -- All input processed: the buffer must be emptied and released, not kept with the offset at its end.
  { name = "review43e_processed_buffer_kept", file = "csrc/engine/tls_dispatch.c",
    from = "if (off == c->in.len) {",
    to = "if (off == c->in.len + 1) {",
    specs = HARNESS },
  -- conn:receive("*l") straight from the engine's plaintext (review43e): the bounds of that way.
  { name = "review43e_line_past_max", file = "csrc/lua/lua_conn.c",
    from = "if (keep <= max && (mode == RAW_LINE || memchr(data, '\\r', line) == NULL)) {",
    to = "if (keep <= max + 1 && (mode == RAW_LINE || memchr(data, '\\r', line) == NULL)) {",
    specs = { { "spec/review43e_spec.lua", "gives the same lines" } } },
  { name = "review43e_line_cr_kept", file = "csrc/lua/lua_conn.c",
    from = "if (keep <= max && (mode == RAW_LINE || memchr(data, '\\r', line) == NULL)) {",
    to = "if (keep <= max) {",
    specs = { { "spec/review43e_spec.lua", "gives the same lines" } } },
  { name = "review43e_line_newline_left", file = "csrc/lua/lua_conn.c",
    from = "push_direct(L, c, data, keep, line + 1);",
    to = "push_direct(L, c, data, keep, line);",
    specs = { { "spec/review43e_spec.lua", "gives the same lines" } } },
}
