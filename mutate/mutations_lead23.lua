-- Mutations for the lead's session 23 fixes. Same form as mutate/mutations.lua.
local F = "spec/files22_spec.lua"
local L = "spec/lead23_spec.lua"
local R = "spec/review23_spec.lua"

return {
  -- review22b G6: a key file every user may write (another key put in its place) loaded without a word
  { name = "lead23_key_writable_not_warned", file = "csrc/lua/lua_context.c",
    from = [[    if (rc != 0 || (ctx->cfg->key_file_mode & (S_IROTH | S_IWOTH)) == 0)]],
    to = [[    if (rc != 0 || (ctx->cfg->key_file_mode & (S_IROTH)) == 0)]],
    specs = { { F, "warns about a key file every user can change" } } },
  -- review22b G6: the key file's name written to the warning as it is (terminal escapes)
  { name = "lead23_key_warning_path_raw", file = "lua/tls.lua",
    from = [[        (key:gsub("[%c\127-\255]", function(ch) return string.format("\\x%02X", ch:byte()) end)),]],
    to = [[        key,]],
    specs = { { F, "warns about a key file every user can change" } } },
  -- review22b G5: the bridges' calls without the handler that reads __tostring
  { name = "lead23_hook_error_tostring_ignored", file = "csrc/lua/lua_trace.c",
    from = [[    int status = lua_pcall(L, nargs, nresults, base);]],
    to = [[    int status = lua_pcall(L, nargs, nresults, 0);]],
    specs = { { "spec/verify_hook_spec.lua", "an error inside the function rejects with the error's text" } } },
  -- a line's max accepted and ignored: a line that never ends is held whole
  { name = "lead23_line_max_ignored", file = "csrc/lua/lua_conn.c",
    from = [[            if (keep > max - kept) {]],
    to = [[            if (0 && keep > max - kept) {]],
    specs = { { L, "a line longer than max" } } },
  -- the CRs of a "*l" line counted against its max where the line is cut
  { name = "lead23_line_max_counts_cr", file = "csrc/lua/lua_conn.c",
    from = [[        if (data[used] != '\r')]],
    to = [[        if (data[used] != '\r' || 1)]],
    specs = { { L, "a line longer than max" } } },
  -- each turn of an event loop given the whole max again (or the prefix counted)
  { name = "lead23_turns_room_wrong", file = "lua/tls/util.lua",
    from = [[      max and (first and max or max - (got - base)))]],
    to = [[      max and (first and max or max - got))]],
    specs = { { L, "gives each turn the room left of a line's max" },
              { L, "is kept across the turns of a line arriving in pieces" } } },
  -- tls.https reading a line unbounded: a line without end held until it ends
  { name = "lead23_https_line_unbounded", file = "lua/tls/https.lua",
    from = [[  local data, err, partial = conn:receive("*L", nil, math.floor(math.min(max, 2 ^ 53)))]],
    to = [[  local data, err, partial = conn:receive("*L")]],
    specs = { { L, "refuses a field line over 64 KiB as soon as 64 KiB came" } } },
  -- shutdown("send") without close_notify: the peer cannot tell an end from a cut
  { name = "lead23_shutdown_no_close_notify", file = "csrc/lua/lua_conn.c",
    from = [[        tls_conn_close(c->tls);
        st = pump(c, WANT_FLUSH, deadline);]],
    to = [[        st = pump(c, WANT_FLUSH, deadline);]],
    specs = { { L, "an upload ends with close_notify and arrives whole" } } },
  -- review23b B1: "*a" under an event loop: the close after earlier turns reported as an error
  { name = "lead23_turns_all_closed_error", file = "lua/tls/util.lua",
    from = [[    if all and err == "closed" and got > base then return table.concat(pieces) end]],
    to = [[    if false then return table.concat(pieces) end]],
    specs = { { L, "returns what came in earlier turns when the last one finds the close" } } },
  -- review23b B4: shutdown after the peer left reports errno's text
  { name = "lead23_shutdown_errno_text", file = "csrc/io/tls_socket.c",
    from = [[    if (errno == ENOTCONN || errno == EPIPE || errno == ECONNRESET)]],
    to = [[    if (0)]],
    specs = { { L, "says 'closed' once the peer has closed" } } },
  -- review23b B2: a byte past MAX_LINE that is not the line's end not refused
  { name = "lead23_https_boundary_byte_taken", file = "lua/tls/https.lua",
    from = [[    if byte == "\n" then data = partial .. byte elseif byte then err = "line too long" end]],
    to = [[    if byte == "\n" then data = partial .. byte end]],
    specs = { { L, "takes a line of exactly MAX_LINE and its CRLF" } } },
  -- review23 R2: an empty address listens on every interface
  { name = "r23_listen_empty_host", file = "lua/tls.lua",
    from = [[  if host == "" then]],
    to = [[  if false then]],
    specs = { { R, "refuses an empty one and one holding a zero byte" } } },
  -- review23 R2: a zero byte cuts the address short
  { name = "r23_listen_zero_byte", file = "lua/tls.lua",
    from = [[  if host and host:find("\0", 1, true) then]],
    to = [[  if false then]],
    specs = { { R, "refuses an empty one and one holding a zero byte" } } },
  -- review23 R3: a lifetime under a millisecond taken (no rotation at all)
  { name = "r23_key_lifetime_under_ms", file = "lua/tls.lua",
    from = [[    if type(n) ~= "number" or n < 0.001 or n ~= n or n > 1e9 then]],
    to = [[    if type(n) ~= "number" or n <= 0 or n ~= n or n > 1e9 then]],
    specs = { { R, "refuses under a millisecond" } } },
  -- review23 R4: a clock set back holds off the key file's next look
  { name = "r23_keyfile_clock_back", file = "lua/tls/ticketkeys.lua",
    from = [[  if now >= st.checked and now - st.checked < M.recheck then return end]],
    to = [[  if now - st.checked < M.recheck then return end]],
    specs = { { R, "is looked at again at once" } } },
  -- review23 R5: max_early_data taken with early_data = false
  { name = "r23_max_early_without_early", file = "lua/tls.lua",
    from = [[  if o.max_early_data ~= nil and o.early_data ~= true then]],
    to = [[  if o.max_early_data ~= nil and o.early_data == nil then]],
    specs = { { R, "are refused: max_early_data without early_data = true" } } },
  -- review23 R5: TLS 1.3-only options taken with TLS 1.2 only
  { name = "r23_tls13_options_with_tls12", file = "lua/tls.lua",
    from = [[  if o.max_version == "TLSv1.2" and only13 then]],
    to = [[  if false and only13 then]],
    specs = { { R, "are refused: max_early_data without early_data = true" } } },
  -- review23 R6: max_early_data up to 2^31-1, held in full
  { name = "r23_max_early_unbounded", file = "lua/tls.lua",
    from = [[local MAX_EARLY_DATA = 1024 * 1024]],
    to = [[local MAX_EARLY_DATA = 0x7fffffff]],
    specs = { { R, "is at most 1 MiB" } } },
}
