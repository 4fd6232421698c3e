-- Mutations for https22's checks (tls.https's own response reader), each
-- killed by the spec named with it. Same form as mutate/mutations.lua.
local S = "spec/https22_spec.lua"
local HTTPS = "lua/tls/https.lua"

return {
  -- any HTTP version in a status line (HTTP/2, HTTP/0.9 ...)
  { name = "h22_status_any_version", file = HTTPS,
    from = [[line:match("^HTTP/1%.[01] ([1-5]%d%d) (.*)$")]],
    to = [[line:match("^HTTP/%d%.?%d? ([1-5]%d%d) (.*)$")]],
    specs = { { S, "refuses other versions, codes outside 100-599, missing spaces, control bytes" } } },
  -- any three digits as a status code (600, 099)
  { name = "h22_status_code_range", file = HTTPS,
    from = [[line:match("^HTTP/1%.[01] ([1-5]%d%d) (.*)$")]],
    to = [[line:match("^HTTP/1%.[01] (%d%d%d) (.*)$")]],
    specs = { { S, "refuses other versions, codes outside 100-599, missing spaces, control bytes" } } },
  -- control bytes taken in the reason phrase
  { name = "h22_status_reason_ctl", file = HTTPS,
    from = [[  if not code or reason:find("[%z\1-\8\10-\31\127]") then return nil end]],
    to = [[  if not code then return nil end]],
    specs = { { S, "refuses other versions, codes outside 100-599, missing spaces, control bytes" } } },
  -- whitespace before the colon dropped instead of refused (rfc9112#5.1 MUST reject)
  { name = "h22_field_space_before_colon", file = HTTPS,
    from = [[    if name:find("[ \t]$") then return bad("whitespace between a field name and its colon", line) end]],
    to = [[    name = name:gsub("[ \t]+$", "")]],
    specs = { { S, "refuses whitespace between a field name and its colon" } } },
  -- obs-fold not refused
  { name = "h22_field_obs_fold", file = HTTPS,
    from = [[    if line:find("^[ \t]") then return bad("a folded field line (obs-fold)", line) end]],
    to = [[]],
    specs = { { S, "refuses obs-fold, a line without a colon, a name that is no token" } } },
  -- any bytes as a field name
  { name = "h22_field_name_not_token", file = HTTPS,
    from = [[    if not name:match("^[%w!#$%%&'*+%-.^_`|~]+$") then return bad(]],
    to = [[    if name == "" then return bad(]],
    specs = { { S, "refuses obs-fold, a line without a colon, a name that is no token" } } },
  -- a CR or NUL kept in a field value
  { name = "h22_field_value_cr_nul", file = HTTPS,
    from = [[    if value:find("[%z\r]") then return bad(]],
    to = [[    if false then return bad(]],
    specs = { { S, "refuses a CR or NUL inside a field value" } } },
  -- 101 Switching Protocols skipped like 100
  { name = "h22_101_skipped", file = HTTPS,
    from = [[    if code == 101 then]],
    to = [[    if code == -101 then]],
    specs = { { S, "refuses 101 Switching Protocols, which no request of ours asks for" } } },
  -- any number of 1xx responses
  { name = "h22_interim_unbounded", file = HTTPS,
    from = [[    if interim > M.MAX_INTERIM then]],
    to = [[    if false then]],
    specs = { { S, "takes 10 interim responses and refuses 11" } } },
  -- a body read after HEAD
  { name = "h22_head_body_read", file = HTTPS,
    from = [[  if method == "HEAD" or code == 204 or code == 304 then]],
    to = [[  if code == 204 or code == 304 then]],
    specs = { { S, "reads no body after HEAD with a Content-Length, nor for 204 and 304" } } },
  -- any Transfer-Encoding naming chunked read as chunked (LuaSocket's rule, more or less)
  { name = "h22_te_other_codings", file = HTTPS,
    from = [[    if #list ~= 1 or list[1] ~= "chunked" then]],
    to = [[    if not te:lower():find("chunked", 1, true) then]],
    specs = { { S, "refuses a transfer coding other than chunked alone, naming it" } } },
  -- Transfer-Encoding taken in an HTTP/1.0 response
  { name = "h22_te_in_http10", file = HTTPS,
    from = [[    if status:sub(1, 8) == "HTTP/1.0" then]],
    to = [[    if false then]],
    specs = { { S, "refuses Transfer-Encoding in an HTTP/1.0 response" } } },
  -- differing Content-Length values: the last one wins
  { name = "h22_cl_differing", file = HTTPS,
    from = [[#digits > 15 or (n and digits ~= n) then]],
    to = [[#digits > 15 then]],
    specs = { { S, "refuses differing or malformed Content-Lengths" } } },
  -- any number of digits in a Content-Length
  { name = "h22_cl_digits", file = HTTPS,
    from = [[#digits > 15 or (n and digits ~= n) then]],
    to = [[#digits > 30 or (n and digits ~= n) then]],
    specs = { { S, "refuses differing or malformed Content-Lengths" } } },
  -- a short body (the server closed early) taken as the whole body
  { name = "h22_short_body_taken", file = HTTPS,
    from = [[        return nil, string.format("tls.https: the server closed the connection after %d of %d bytes]],
    to = [[        left = 0 do return partial end
        return nil, string.format("tls.https: the server closed the connection after %d of %d bytes]],
    specs = { { S, "refuses a body shorter than its Content-Length" } } },
  -- a TCP close without close_notify ends a close-delimited body
  { name = "h22_close_notify_unchecked", file = HTTPS,
    from = [[    if truncated or (strict and not o:close_notify()) then]],
    to = [[    if truncated then]],
    specs = { { S, "refuses a TCP close (FIN or reset) without close_notify unless strict_close = false" } } },
  -- strict only when asked for
  { name = "h22_strict_close_default_off", file = HTTPS,
    from = [[strict_close = reqt.strict_close ~= false }]],
    to = [[strict_close = reqt.strict_close == true }]],
    specs = { { S, "refuses a TCP close (FIN or reset) without close_notify unless strict_close = false" } } },
  -- max_body not counted while the body streams
  { name = "h22_max_body_stream", file = HTTPS,
    from = [[      if got > max then]],
    to = [[      if false then]],
    specs = { { S, "refuses a larger Content-Length before reading it, and larger chunked or close-delimited" } } },
  -- a Content-Length over max_body read until it passes (or not at all when the body is short)
  { name = "h22_max_body_cl_late", file = HTTPS,
    from = [[    if opts.max_body and n > opts.max_body then]],
    to = [[    if false then]],
    specs = { { S, "refuses a larger Content-Length before reading it, and larger chunked or close-delimited" } } },
  -- each receive waits the whole timeout whatever is left of the deadline
  { name = "h22_deadline_not_in_budget", file = HTTPS,
    from = [[    if t < 0 or left < t then t = left end]],
    to = [[    if t < 0 then t = left end]],
    specs = { { S, "ends a response that trickles within each timeout when the deadline passes" } } },
  -- a line may take the whole timeout whatever is left of the deadline
  { name = "h22_deadline_not_in_lines", file = HTTPS,
    from = [[  if clock.deadline and (not stop or clock.deadline < stop) then stop = clock.deadline end]],
    to = [[]],
    specs = { { S, "bounds a slow status line too, and still works when there is time" } } },
  -- the server's bytes in messages as they came
  { name = "h22_peer_text_raw", file = HTTPS,
    from = [[gsub("[%c\127-\255]", function(ch) return string.format("\\x%02X", ch:byte()) end)]],
    to = [[gsub("[^%s%S]", function(ch) return string.format("\\x%02X", ch:byte()) end)]],
    specs = { { S, "are escaped (control and non-ASCII bytes as \\xNN) and cut to 80 bytes" },
              { S, "refuses what is not a 2xx, or not a status line, escaped" } } },
  -- the server's bytes in messages whatever their length
  { name = "h22_peer_text_uncut", file = HTTPS,
    from = [[  s = s:sub(1, SHOWN_BYTES):gsub(]],
    to = [[  s = s:sub(1):gsub(]],
    specs = { { S, "are escaped (control and non-ASCII bytes as \\xNN) and cut to 80 bytes" } } },
  -- a proxy's 1xx taken as the tunnel opening
  { name = "h22_proxy_1xx_accepted", file = HTTPS,
    from = [[if not code or code < 200 or code > 299 then]],
    to = [[if not code or code > 299 then]],
    specs = { { S, "refuses what is not a 2xx, or not a status line, escaped" } } },
  -- a proxy's status line read loosely
  { name = "h22_proxy_status_loose", file = HTTPS,
    from = [[  local code = status_code(status)
  if not code or code < 200]],
    to = [[  local code = tonumber(status:match("^HTTP/%d%.%d (%d%d%d)") or status:match("^HTTP/%d (%d%d%d)"))
  if not code or code < 200]],
    specs = { { S, "refuses what is not a 2xx, or not a status line, escaped" } } },
  -- any number of lines from the proxy
  { name = "h22_proxy_lines_uncounted", file = HTTPS,
    from = [[    if lines > M.MAX_LINES then
      return nil, string.format("tls.https: the proxy's reply]],
    to = [[    if false then
      return nil, string.format("tls.https: the proxy's reply]],
    specs = { { S, "bounds its lines and their number, and checks its fields" } } },
  -- max_body 0 or negative taken
  { name = "h22_max_body_not_positive", file = HTTPS,
    from = [[    if not max_body or max_body < 1 then]],
    to = [[    if not max_body then]],
    specs = { { S, "refuses bad max_body, deadline and strict_close values" } } },
  -- deadline 0, negative or infinite taken
  { name = "h22_deadline_not_positive", file = HTTPS,
    from = [[(type(deadline) ~= "number" or not (deadline > 0 and deadline < math.huge))]],
    to = [[(type(deadline) ~= "number" or deadline ~= deadline)]],
    specs = { { S, "refuses bad max_body, deadline and strict_close values" } } },
  -- strict_close of any type
  { name = "h22_strict_close_any_type", file = HTTPS,
    from = [[  if reqt.strict_close ~= nil and type(reqt.strict_close) ~= "boolean" then]],
    to = [[  if false then]],
    specs = { { S, "refuses bad max_body, deadline and strict_close values" } } },
}
