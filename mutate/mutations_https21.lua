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
    specs = { { R, "refuses an array to DEL and SET, and nested arrays, without recursing" } } },
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
    from = [[  local ok, code, rheaders, status, follow = pcall(response, h, reqt, method, user_sink(reqt.sink))]],
    to = [[  local ok, code, rheaders, status, follow = true, response(h, reqt, method, user_sink(reqt.sink))]],
    specs = { { H, "returns nil, message for a folded header line cut by the close" } } },
  -- the connection left to the collector after a malformed response
  { name = "h21_https_not_closed", file = HTTPS,
    from = [[  h:close()
  if getmetatable(code) == USER_ERROR then]],
    to = [[  if getmetatable(code) == USER_ERROR then]],
    specs = { { H, "returns nil, message for chunked with a Content-Length and a trailer" } } },
  -- no status code after a 100 Continue: HEAD returned success with code nil
  { name = "h21_https_100_then_nothing", file = HTTPS,
    from = [[    if not code then error("no status line after 100 Continue", 0) end]],
    to = [[]],
    specs = { { H, "returns nil, message for a 100 Continue followed by no status line, for GET and HEAD" } } },
}
