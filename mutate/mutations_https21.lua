-- Mutations for https21's checks (tls.store.redis replies, tls.https
-- responses), each killed by the spec named with it. Same form as
-- mutate/mutations.lua.
local R = "spec/redis_resp21_spec.lua"
local STORE = "lua/tls/store.lua"
local H = "spec/https_hostile21_spec.lua"
local HTTPS = "lua/tls/https.lua"

return {
  -- an array reply read like the others (what every command refuses)
  { name = "h21_redis_array_accepted", file = STORE,
    from = [[  if not kinds:find(kind, 1, true) then]],
    to = [[  if kind ~= "*" and not kinds:find(kind, 1, true) then]],
    specs = { { R, "refuses an array to DEL and SET and nested arrays without recursing" } } },
  -- a bulk length read whatever its size
  { name = "h21_redis_bulk_unbounded", file = STORE,
    from = [[  if n > REDIS_MAX_BULK then]],
    to = [[  if n > REDIS_MAX_BULK + 1 then]],
    specs = { { R, "refuses a bulk length over 128 KiB before reading it" } } },
  -- lengths and integers parsed by tonumber (spaces, sign, hex, floats)
  { name = "h21_redis_loose_number", file = STORE,
    from = [[  if not rest:match("^%-?%d%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?$") then]],
    to = [[  if not math.tointeger(tonumber(rest)) then]],
    specs = { { R, "refuses malformed and overflowing lengths" } } },
  -- the CRLF after a bulk string not checked
  { name = "h21_redis_bulk_crlf", file = STORE,
    from = [[  if data:sub(n + 1) ~= "\r\n" then protocol_error]],
    to = [[  if false then protocol_error]],
    specs = { { R, "refuses a bulk string not ended by CRLF" } } },
  -- the connection kept after a bad reply: its leftovers answer the next command
  { name = "h21_redis_conn_kept", file = STORE,
    from = [[      if bad then sock:close(); sock = nil; raise(rerr) end]],
    to = [[      if bad then raise(rerr) end]],
    specs = { { R, "drops a connection whose reply was an array: the next DEL cannot read its leftovers" } } },
  -- a hostile response raising through tls.https.request (LuaSocket's parser errors not caught)
  { name = "h21_https_raises", file = HTTPS,
    from = [[  local ok, code, rheaders, status, follow = pcall(response, h, reqt, method, user_sink(reqt.sink), opts)]],
    to = [[  local ok, code, rheaders, status, follow = true, response(h, reqt, method, user_sink(reqt.sink), opts)]],
    specs = { { H, "still raises the user's own sink error as it is and closes the connection" } } },
  -- the connection left to the collector after a malformed response (or a sink's error)
  { name = "h21_https_not_closed", file = HTTPS,
    from = [[  h:close()
  if getmetatable(code) == USER_ERROR then]],
    to = [[  if getmetatable(code) == USER_ERROR then]],
    specs = { { H, "still raises the user's own sink error as it is and closes the connection" } } },
  -- no status code after a 100 Continue: HEAD returned success with code nil
  { name = "h21_https_100_then_nothing", file = HTTPS,
    from = [[        h.try(nil, "tls.https: the server's response is malformed: no status line after 100 Continue")]],
    to = [[        local _ = nil]],
    specs = { { H, "returns nil and a message for a 100 Continue followed by no status line (GET and HEAD)" } } },
  -- a chunk size of 16+ hex digits taken (2^64 wraps to 0: "the last chunk")
  { name = "h21_https_chunk_digits", file = HTTPS,
    from = [[      if not hex or #hex > 15 then]],
    to = [[      if not hex then]],
    specs = { { H, "refuses a chunk size with a sign or spaces or more than 15 digits" } } },
  -- a chunk read whole, as one string, whatever the sink does
  { name = "h21_https_chunk_whole", file = HTTPS,
    from = "    local data, err, partial = o:receive(math.min(left, CHUNK_PIECE))\n    if not data then return fail(",
    to = "    local data, err, partial = o:receive(left)\n    if not data then return fail(",
    specs = { { H, "hands a huge chunk to the sink in pieces: a sink that stops bounds the memory" } } },
  -- the CRLF after chunk data not checked
  { name = "h21_https_chunk_crlf", file = HTTPS,
    from = [[      if crlf ~= "" then return nil,]],
    to = [[      if false then return nil,]],
    specs = { { H, "refuses chunk data not followed by CRLF" } } },
  -- a line of any length held (since session 23 this loop reads only a
  -- proxy's reply: a server's lines are one bounded receive, whose own
  -- planted bugs are lead23_https_line_unbounded and _boundary_byte_taken)
  { name = "h21_https_line_unbounded", file = HTTPS,
    from = [[    if n > max then]],
    to = [[    if false then]],
    specs = { { "spec/https22_spec.lua", "bounds its lines and their number, and checks its fields" } } },
  -- any number of field lines (and 1xx responses, trailers)
  { name = "h21_https_lines_uncounted", file = HTTPS,
    from = [[      if lines > M.MAX_LINES then]],
    to = [[      if false then]],
    specs = { { H, "refuses more than 1000 lines of fields quickly" },
              { H, "counts 1xx responses and trailers in the limit" } } },
}
