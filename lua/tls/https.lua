-- tls.https: HTTPS requests with LuaSocket's socket.http interface, over
-- luatls connections.
--
--   local https = require "tls.https"        -- or tls.https
--   local body, code, headers, status = https.request("https://example.org/")
--   local ok, code = https.request { url = ..., sink = ..., ca = ..., timeout = 10 }
--
-- LuaSocket's socket.http.open and its methods send the request (sources
-- included); the answer is read here, strictly (rfc9112: status line,
-- field lines, 1xx responses, the body's length, no HTTP/0.9), every line
-- and their number bounded, the body handed to the sink in pieces, within
-- `timeout` per wait and `deadline` for the whole request. The request is
-- built and redirects are followed here, not by socket.http.request,
-- because LuaSocket's own redirect drops the method and the options,
-- reuses one connection factory for every host, and silently answers
-- with the 3xx when it will not follow. Here every hop
-- verifies the host of its own URL, redirects stop after `maxredirects`
-- (5) with an error, and a redirect from https to anything else is an error.
-- A proxy is reached with CONNECT, TLS running end to end through it.
local socket = require "socket"
local http = require "socket.http"
local url = require "socket.url"
local ltn12 = require "ltn12"
local mime = require "mime"
local tls = require "tls"
local server_name_problem = require("tls.core").server_name_problem
local context_verifies = require("tls.core").context_methods.verifies
local util = require "tls.util"

local M = {
  PORT = 443,
  -- Seconds each connect, handshake, send and receive may take (LuaSocket's
  -- http.TIMEOUT is the same default).
  TIMEOUT = 60,
  MAXREDIRECTS = 5,
  USERAGENT = "luatls (" .. socket._VERSION .. ")",
}

local function fail(fmt, ...)
  return nil, "tls.https: " .. string.format(fmt, ...)
end

-- Options of tls.context a client can use here; mode is always "client".
local CONTEXT_OPTIONS = {
  ca = true, verify = true, certificate = true, key = true, password = true, certificates = true,
  client_certificate = true, alpn = true, min_version = true, max_version = true, ciphers = true,
  groups = true, sigalgs = true, security_level = true, pin = true, crl = true, crl_check_all = true,
  ocsp = true, keylog = true, trace = true, record_size_limit = true, require_ems = true,
  strict_close = true, key_update_after = true,
}

-- LuaSocket's request fields, plus ours (context, servername, timeout, max_body, deadline, strict_close).
local REQUEST_FIELDS = {
  url = true, sink = true, source = true, method = true, headers = true, step = true,
  redirect = true, maxredirects = true, proxy = true, create = true, user = true,
  scheme = true, host = true, port = true, path = true, params = true, query = true, fragment = true,
  context = true, servername = true, timeout = true, redirect_certificate = true,
  max_body = true, deadline = true, strict_close = true,
}

-- Context options that present a client certificate: after a redirect to
-- another host or port they are left out (unless redirect_certificate =
-- true), so a host the first server chose does not learn who we are.
local CLIENT_CERTIFICATE = { certificate = true, key = true, certificates = true, client_certificate = true }

-- The context for a request: a ready one (every hop of its redirects), or
-- one made from the request's context options (made again without the
-- client certificate after a change of host or port, see trequest).
-- Verification is tls.context's default (on); ALPN offers http/1.1 unless
-- told otherwise.
local function make_context(reqt)
  local o = { mode = "client" }
  for k, v in pairs(reqt) do
    if CONTEXT_OPTIONS[k] then o[k] = v end
  end
  -- 'password' with 'user' is HTTP Basic authentication (LuaSocket's);
  -- it is the key's password only when a key is given without 'user'
  -- (a pair in 'certificates' carries its own).
  if reqt.user ~= nil or reqt.key == nil then o.password = nil end
  if reqt.context ~= nil then
    -- strict_close is also the request's own option (see response).
    for k in pairs(o) do
      if k ~= "mode" and k ~= "strict_close" then
        return fail("give either option 'context' or context options such as '%s', not both", k)
      end
    end
    local ok, mode = pcall(function() return reqt.context:mode() end)
    if type(reqt.context) ~= "userdata" or not ok then
      return fail("option 'context' must be a context from tls.context (got %s)", type(reqt.context))
    end
    -- A server context would play the server's part over the connection:
    -- no certificate asked of the peer, the request sent to whoever answers.
    if mode ~= "client" then
      return fail("option 'context' must be a client context (this one has mode=\"%s\", which would not "
        .. "verify the server)", tostring(mode))
    end
    return reqt.context
  end
  if o.alpn == nil then o.alpn = "http/1.1" end
  local ctx, err = tls.context(o)
  if not ctx then return nil, "tls.https: " .. err end
  return ctx
end

-- Limits on what a server's response may make us hold (review next21b F1,
-- F2; rfc9110#5.4: "A client MAY discard or truncate received field lines
-- that are larger than the client wishes to process"): the length of one
-- line (status, field, chunk size) and the number of lines of status and
-- fields per response, 1xx responses and trailers included; and the number
-- of interim (1xx) responses before the final one.
M.MAX_LINE = 64 * 1024
M.MAX_LINES = 1000
-- All the lines of one response head (status, fields, interim responses,
-- trailers) or proxy reply together: each line is read a byte at a time,
-- so 1000 lines of 64 KiB would cost half a minute of CPU. curl takes 300
-- KiB; a genuine head is a few KiB.
M.MAX_HEAD = 512 * 1024
-- A chunk-size line (size and extensions, which we ignore): Go's client
-- takes 4 KiB too. The bytes of chunk framing (size lines, the CRLF after
-- each chunk) may exceed those of the body by at most 64 KiB plus 16 per
-- body byte (a 1-byte chunk costs 5), so padding cannot make a small
-- max_body cost gigabytes.
M.MAX_CHUNK_LINE = 4096
local FRAMING_SLACK, FRAMING_PER_BYTE = 64 * 1024, 16
M.MAX_INTERIM = 10
-- The largest piece of a body read at once: a body is handed to the sink
-- in pieces, so a sink that stops at a size bounds the memory.
local CHUNK_PIECE = 16 * 1024
-- How much of the server's text an error message shows.
local SHOWN_BYTES = 80

-- The server's bytes for a message: at most SHOWN_BYTES of them, control
-- and non-ASCII bytes as \xNN (a message ends up in logs and terminals).
local function peer_text(s)
  local cut = #s > SHOWN_BYTES
  s = s:sub(1, SHOWN_BYTES):gsub("[%c\127-\255]", function(ch) return string.format("\\x%02X", ch:byte()) end)
  return cut and s .. "..." or s
end

-- The clock of one request: { timeout = seconds per wait (< 0: none),
-- deadline = the time the whole request must end by (or nil), seconds =
-- the request's `deadline` option }. budget() is how long the next wait
-- may take: the timeout, cut to what is left before the deadline.
local function budget(clock)
  local t = clock.timeout
  if clock.deadline then
    local left = math.max(clock.deadline - socket.gettime(), 0)
    if t < 0 or left < t then t = left end
  end
  return t
end

-- A "timeout" once the deadline has passed says so (and so does LuaSec's
-- "wantread"/"wantwrite", which a connection answers when budget() gave
-- it no time left at all).
local function late(clock, err)
  if (err == "timeout" or err == "wantread" or err == "wantwrite") and clock.deadline
      and socket.gettime() >= clock.deadline then
    return string.format("tls.https: timeout: the request's deadline of %g seconds passed", clock.seconds)
  end
  return err
end

-- When the whole line must have come: within one timeout, and before the
-- request's deadline (nil: no limit).
local function line_stop(clock)
  local stop = clock.timeout >= 0 and socket.gettime() + clock.timeout
  if clock.deadline and (not stop or clock.deadline < stop) then stop = clock.deadline end
  return stop
end

local function too_long(who, max)
  return string.format("tls.https: a line of %s is longer than %d bytes", who or "the server's response", max)
end

-- Reads one line from a luatls connection (up to LF, which is dropped with
-- the CR just before it; a CR elsewhere stays, for the caller to refuse) of
-- at most `max` bytes (M.MAX_LINE by default) besides its CRLF: one call
-- of receive("*L") bounded by max, so a longer line is never held (a byte
-- at a time, before session 23, cost a microsecond or more per byte of
-- every head); the whole line within one timeout, and before the request's
-- deadline. `who` names the sender in a message. Returns the line or nil,
-- message.
local function read_line(conn, clock, who, max)
  max = max or M.MAX_LINE
  local stop = line_stop(clock)
  local function wait_left() conn:settimeout(stop and math.max(stop - socket.gettime(), 0) or -1) end
  -- At most max bytes; once they came, only the line's end may follow (LF
  -- or CRLF), read a byte at a time, so a line one byte too long is
  -- refused as soon as that byte comes. (math.huge or a fraction as the
  -- bound: the whole number below, at most 2^53.)
  wait_left()
  local data, err, partial = conn:receive("*L", nil, math.floor(math.min(max, 2 ^ 53)))
  if not data and err == "line too long" then
    local byte
    wait_left()
    byte, err = conn:receive(1)
    if byte == "\r" then
      partial = partial .. byte
      wait_left()
      byte, err = conn:receive(1)
    end
    if byte == "\n" then data = partial .. byte elseif byte then err = "line too long" end
  end
  if not data then
    if err == "line too long" then return nil, too_long(who, max) end
    return nil, late(clock, err)
  end
  local line = data:sub(-2) == "\r\n" and data:sub(1, -3) or data:sub(1, -2)
  if #line > max then return nil, too_long(who, max) end
  return line
end

-- read_line for a plain socket (a proxy's reply, through LuaSocket, which
-- has no bounded line): a byte at a time, a few hundred bytes in all.
local function read_plain_line(conn, clock, who, max)
  max = max or M.MAX_LINE
  local parts, n = {}, 0
  local stop = line_stop(clock)
  local cr, err = false, nil
  while true do
    if stop and not conn:dirty() then conn:settimeout(math.max(stop - socket.gettime(), 0)) end
    local ch
    ch, err = conn:receive(1)
    if not ch then break end
    if ch == "\n" then return table.concat(parts) end
    if cr then n = n + 1; parts[n] = "\r" end
    cr = ch == "\r"
    if not cr then n = n + 1; parts[n] = ch end
    if n > max then return nil, too_long(who, max) end
  end
  return nil, late(clock, err)
end

-- s without the OWS (spaces and tabs) around it (a pattern would take
-- quadratic time over a long run of spaces inside).
local function trim_ows(s)
  local i = s:find("[^ \t]")
  if not i then return "" end
  local j = #s
  while s:byte(j) == 32 or s:byte(j) == 9 do j = j - 1 end
  return s:sub(i, j)
end

-- rfc9112#4: status-line = HTTP-version SP status-code SP [ reason-phrase ],
-- reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ). Only HTTP/1.0 and
-- HTTP/1.1, codes 100 to 599. The second SP missing when nothing follows
-- the code ("HTTP/1.1 200", sent by some small servers) is taken, as
-- curl and Python take it: the reason is ignored anyway (rfc9112#4: "A
-- client SHOULD ignore the reason-phrase content"), and the line can be
-- read only one way. Returns the code or nil.
local function status_code(line)
  local code, reason = line:match("^HTTP/1%.[01] ([1-5]%d%d) (.*)$")
  if not code then
    code = line:match("^HTTP/1%.[01] ([1-5]%d%d)$")
    reason = ""
  end
  if not code or reason:find("[%z\1-\8\10-\31\127]") then return nil end
  return tonumber(code)
end

-- Reads a field section (rfc9112#5) with next_line (a counted line reader)
-- up to its empty line: { lower-case name = value }, the values of a
-- repeated name joined with ", " (as LuaSocket's). `who` names the sender
-- in messages. Returns the table or nil, message.
local function read_fields(next_line, who)
  local lists = {}
  local function bad(what, line)
    return nil, string.format("tls.https: %s is malformed: %s: '%s'", who, what, peer_text(line))
  end
  while true do
    local line, err = next_line()
    if not line then return nil, err end
    if line == "" then break end
    -- rfc9112#5.2: obs-fold is not accepted here (a line starting with SP or HTAB).
    if line:find("^[ \t]") then return bad("a folded field line (obs-fold)", line) end
    local name, value = line:match("^([^:]*):(.*)$")
    if not name then return bad("a field line without a colon", line) end
    -- rfc9112#5.1: "No whitespace is allowed between the field name and
    -- colon ... a server MUST reject ... and a proxy MUST remove any such
    -- whitespace from a response message before forwarding".
    if name:find("[ \t]$") then return bad("whitespace between a field name and its colon", line) end
    if not name:match("^[%w!#$%%&'*+%-.^_`|~]+$") then return bad("a field name that is not a token", line) end
    -- rfc9110#5.5: "a recipient of CR, LF, or NUL within a field value
    -- MUST either reject the message or replace each of those characters
    -- with SP" (an LF ended the line; a CR or NUL may be left).
    if value:find("[%z\r]") then return bad("a CR or NUL in a field value", line) end
    value = trim_ows(value)
    name = name:lower()
    local list = lists[name]
    if not list then list = {}; lists[name] = list end
    list[#list + 1] = value
  end
  local fields = {}
  for name, list in pairs(lists) do fields[name] = table.concat(list, ", ") end
  return fields
end

-- Opens a tunnel to host:port through an HTTP proxy with CONNECT
-- (rfc9110#9.3.6). The proxy sees only the target's name and port; TLS
-- runs end to end inside and verifies the target, as without a proxy.
-- Its credentials go on the CONNECT only, never to the target.
local function tunnel(sock, proxy, host, port, clock)
  local target = (host:find(":", 1, true) and "[" .. host .. "]" or host) .. ":" .. port
  local head = "CONNECT " .. target .. " HTTP/1.1\r\nHost: " .. target .. "\r\n"
  if proxy.user and proxy.password then
    head = head .. "Proxy-Authorization: Basic " .. mime.b64(proxy.user .. ":" .. url.unescape(proxy.password))
      .. "\r\n"
  end
  sock:settimeout(budget(clock))
  local ok, err = sock:send(head .. "\r\n")
  if not ok then return nil, late(clock, err) end
  -- The reply is read line by line through LuaSocket's buffer, each line
  -- and their number bounded as for a server's response: nothing follows
  -- it before our ClientHello, so nothing is left there for TLS.
  local lines, bytes = 0, 0
  local function next_line()
    lines = lines + 1
    if lines > M.MAX_LINES then
      return nil, string.format("tls.https: the proxy's reply has more than %d lines of status and fields", M.MAX_LINES)
    end
    local line, why = read_plain_line(sock, clock, "the proxy's reply")
    bytes = bytes + (line and #line + 2 or 0)
    if bytes > M.MAX_HEAD then
      return nil, string.format("tls.https: the proxy's reply is longer than %d bytes", M.MAX_HEAD)
    end
    return line, why
  end
  local status
  status, err = next_line()
  if not status then return nil, err end
  ok, err = read_fields(next_line, "the proxy's reply")
  if not ok then return nil, err end
  -- Only a 2xx opens the tunnel (rfc9110#9.3.6); anything else, a 1xx
  -- included, is a refusal.
  local code = status_code(status)
  if not code or code < 200 or code > 299 then
    return nil, string.format("the proxy %s refused to connect to %s: %s", proxy.where, target, peer_text(status))
  end
  return true
end

-- Whether a read failed because the server closed the connection: "closed",
-- or with strict_close = true "connection truncated ..." (no close_notify).
local function cut_short(err)
  return err == "closed" or tostring(err):find("^connection truncated") ~= nil
end

-- Our source for a chunked body (rfc9112#7.1), in place of LuaSocket's
-- (which takes a sign, spaces and 17+ hex digits that wrap to 0 or -1,
-- reads a whole chunk as one string whatever the sink does, and does not
-- check the CRLF after it): chunk-size is 1*HEXDIG ("Recipients MUST
-- anticipate potentially large hexadecimal numerals and prevent parsing
-- errors due to integer conversion overflows"), at most 15 digits; an
-- extension after ';' is ignored; trailers are read (counted in the
-- line limit, checked as fields) and dropped.
local function chunked_source(o)
  local left, done = 0, false
  local framing, body = 0, 0
  local function framed(line)
    framing = framing + #line + 2
    return framing <= FRAMING_SLACK + FRAMING_PER_BYTE * body
  end
  local TOO_MUCH = "tls.https: the server's chunked body has far more framing (chunk sizes, extensions) than data"
  -- A close before the last chunk's trailers end cuts the body short: a
  -- bare "closed" would not tell the user which part of the reply it hit.
  local function fail(err, partial)
    if not cut_short(err) then return nil, err end
    return nil, string.format("tls.https: the server closed the connection in the middle of the chunked body "
      .. "(after %d bytes of data)", body + #(partial or ""))
  end
  return function()
    if done then return nil end
    if left == 0 then
      local line, err = o:line()
      if not line then return fail(err) end
      if not framed(line) then return nil, TOO_MUCH end
      local hex = line:match("^(%x+)[ \t]*;") or line:match("^(%x+)$")
      -- (leading zeros are no harm: at most 15 significant digits)
      hex = hex and (hex:match("^0*(%x+)$"))
      if not hex or #hex > 15 then
        return nil, "tls.https: the server's response is malformed: bad chunk size '" .. peer_text(line) .. "'"
      end
      left = tonumber(hex, 16)
      if left == 0 then
        done = true
        local ok
        ok, err = read_fields(function() return o:counted_line() end, "the server's response")
        if not ok then return fail(err) end
        return nil
      end
    end
    local data, err, partial = o:receive(math.min(left, CHUNK_PIECE))
    if not data then return fail(err, partial) end
    left = left - #data
    body = body + #data
    if left == 0 then
      local crlf
      crlf, err = o:line()
      if not crlf then return fail(err) end
      if not framed(crlf) then return nil, TOO_MUCH end
      if crlf ~= "" then return nil, "tls.https: the server's response is malformed: no CRLF after a chunk" end
    end
    return data
  end
end

-- A body of `total` bytes (Content-Length), read in pieces.
local function length_source(o, total)
  local left = total
  return function()
    if left == 0 then return nil end
    local data, err, partial = o:receive(math.min(left, CHUNK_PIECE))
    if not data then
      if cut_short(err) then
        return nil, string.format("tls.https: the server closed the connection after %d of %d bytes of the body",
          total - left + #(partial or ""), total)
      end
      return nil, err
    end
    left = left - #data
    return data
  end
end

-- A body that ends when the server closes (rfc9112#6.3 point 8). A TCP
-- close without close_notify may be an attacker's on the path cutting it
-- short (rfc8446#6.1): an error unless strict_close = false.
local function close_source(o, strict)
  local done = false
  return function()
    if done then return nil end
    local data, err, partial = o:receive(CHUNK_PIECE)
    if data then return data end
    local truncated = tostring(err):find("^connection truncated") -- a context with strict_close = true
    if err ~= "closed" and not truncated then return nil, err end
    done = true
    if truncated or (strict and not o:close_notify()) then
      return nil, "tls.https: the server closed the connection without close_notify before the end of a body "
        .. "delimited by the close: it may have been cut short (strict_close = false accepts it)"
    end
    if partial and partial ~= "" then return partial end
    return nil
  end
end

-- Stops a body source once more than max bytes came (max may be nil: no limit).
local function bounded(source, max)
  if not max then return source end
  local got = 0
  return function()
    local data, err = source()
    if data then
      got = got + #data
      if got > max then
        return nil, string.format("tls.https: the response body is larger than max_body (%d bytes)", max)
      end
    end
    return data, err
  end
end

-- A connection object for socket.http.open: connect(host, port) opens TCP
-- (through the proxy's tunnel when there is one), runs the TLS handshake
-- with `servername` (the URL's host, never the Host header) and then
-- forwards send/close to the TLS connection; the response is read with
-- its line, counted_line and receive. Every wait is bounded by budget(clock).
local function creator(ctx, servername, clock, proxy)
  return function()
    local o = {}
    -- socket.http.open sets its own TIMEOUT first; ours wins, as LuaSec's does.
    function o.settimeout() return 1 end
    function o:connect(host, port)
      local sock, err = socket.tcp()
      if not sock then return nil, err end
      sock:settimeout(budget(clock))
      local ok
      if proxy then
        ok, err = sock:connect(proxy.host, proxy.port)
        if ok then ok, err = tunnel(sock, proxy, host, port, clock) end
      else
        ok, err = sock:connect(host, port)
      end
      if not ok then sock:close(); return nil, late(clock, err) end
      local conn
      conn, err = tls.wrap(sock, ctx, { servername = servername, timeout = budget(clock) })
      if not conn then sock:close(); return nil, err end
      ok, err = conn:handshake()
      if not ok then conn:close(); return nil, late(clock, err) end
      local alpn = conn:info().alpn
      if alpn ~= nil and alpn ~= "http/1.1" then
        conn:close()
        return nil, string.format("the server chose ALPN protocol '%s'; this client speaks only http/1.1", alpn)
      end
      self.conn = conn
      return 1
    end
    function o:send(...)
      self.conn:settimeout(budget(clock))
      local i, err, last = self.conn:send(...)
      return i, late(clock, err), last
    end
    -- The status line and every field line: each is bounded, and so is their number.
    local lines, bytes = 0, 0
    function o:counted_line()
      lines = lines + 1
      if lines > M.MAX_LINES then
        return nil, string.format("tls.https: the server's response has more than %d lines of status and fields",
          M.MAX_LINES)
      end
      local line, err = read_line(self.conn, clock)
      bytes = bytes + (line and #line + 2 or 0)
      if bytes > M.MAX_HEAD then
        return nil, string.format("tls.https: the head of the server's response (status, fields, interim "
          .. "responses, trailers) is longer than %d bytes", M.MAX_HEAD)
      end
      return line, err
    end
    -- A chunk-size line or the CRLF after a chunk: bounded (chunked_source
    -- counts their bytes), not counted as lines.
    function o:line() return read_line(self.conn, clock, nil, M.MAX_CHUNK_LINE) end
    -- n bytes (or fewer and nil, "closed", partial).
    function o:receive(n)
      self.conn:settimeout(budget(clock))
      local data, err, partial = self.conn:receive(n)
      return data, late(clock, err), partial
    end
    function o:close_notify() return self.conn:info().close_notify end
    function o:getfd() return self.conn and self.conn:getfd() or -1 end
    -- Decrypted bytes buffered in the engine, for socket.select loops (contract 1's dirty, when present).
    function o:dirty() return self.conn ~= nil and self.conn.dirty ~= nil and self.conn:dirty() or false end
    function o:close()
      if self.conn then self.conn:close(); self.conn = nil end
      return 1
    end
    return o
  end
end

-- The host as a URL and a Host header write it (IPv6 in brackets).
local function authority(host, port)
  if host:find(":", 1, true) then host = "[" .. host .. "]" end
  if tonumber(port) ~= M.PORT then host = host .. ":" .. port end
  return host
end

-- Text for an error message, its control characters as \13 and so on.
local function shown(s)
  return (s:gsub("%c", function(ch) return "\\" .. ch:byte() end))
end

-- A URL for a message, its password hidden (messages end up in logs):
-- https://user:secret@host/ -> https://user:***@host/.
local function url_shown(u)
  u = tostring(u)
  -- Up to the first "/" (url.parse's authority, wider than RFC 3986's):
  -- "https://user:pa?ss@host/" is refused (tls.util.parse_url), and its
  -- message must not show what a person meant as a password.
  local head, auth, tail = u:match("^(%a[%w+.-]*://)([^/]*)(.*)$")
  if auth then
    local at = auth:match("^.*()@")
    local user = at and auth:sub(1, at - 1):match("^([^:]*):")
    if user then u = head .. user .. ":***" .. auth:sub(at) .. tail end
  end
  return shown(u)
end

-- One URL (string) -> { host=, port=, uri=, url=, user=, password= } or nil, message.
local function target(u)
  -- A CR or LF in the URL would end the request line (or, through a proxy,
  -- the CONNECT line) early and let the rest be read as headers of the
  -- URL's author's choosing (rfc9112#3: the request-target has no control
  -- characters); a URL built from untrusted input must not get that far.
  if u:find("%c") then
    return fail("refusing a URL with a control character (CR, LF, NUL, ...): '%s'", url_shown(u))
  end
  -- A space would split the request line ("GET /a b HTTP/1.1"): the
  -- server reads another target or version than the one meant.
  if u:find(" ", 1, true) then
    return fail("refusing a URL with a space: '%s' (write it as %%20)", url_shown(u))
  end
  local p, parsed = util.parse_url(u, url)
  if not p then return fail("%s: '%s'", parsed, url_shown(u)) end
  if p.scheme == nil then return fail("'%s' is not an absolute https:// URL", url_shown(u)) end
  if p.scheme:lower() ~= "https" then
    if p.scheme:lower() == "http" then
      return fail("refusing the plain http URL '%s': tls.https speaks only https (use socket.http for http)",
        url_shown(u))
    end
    return fail("unsupported scheme '%s' in '%s' (only https)", p.scheme, url_shown(u))
  end
  if not p.host or p.host == "" then return fail("no host in URL '%s'", url_shown(u)) end
  local port = M.PORT
  if p.port and p.port ~= "" then
    port = util.url_port(p.port)
    if not port then return fail("bad port '%s' in URL '%s'", p.port, url_shown(u)) end
  end
  -- The request target never carries the fragment (RFC 9110 section 4.2.4).
  local uri = url.build { path = (p.path and p.path ~= "") and p.path or "/", params = p.params, query = p.query }
  return { host = p.host, port = port, uri = uri, url = parsed, user = p.user, password = p.password }
end

-- The first URL: reqt.url, with explicit fields overriding its parts (LuaSocket's rule).
local function first_url(reqt)
  if reqt.url ~= nil and type(reqt.url) ~= "string" then
    error("bad field 'url' to 'tls.https.request' (string expected, got " .. type(reqt.url) .. ")", 4)
  end
  -- The body pump runs under the pcall that reports a broken response:
  -- a step that cannot be called would be blamed on the server.
  local step = reqt.step
  if step ~= nil and type(step) ~= "function"
    and not (type(getmetatable(step)) == "table" and getmetatable(step).__call) then
    error("bad field 'step' to 'tls.https.request' (function expected, got " .. type(step) .. ")", 4)
  end
  local p, perr = {}, nil
  if reqt.url then
    p, perr = util.parse_url(reqt.url, url)
    if not p then return fail("%s: '%s'", perr, url_shown(reqt.url)) end
  end
  for _, k in ipairs { "scheme", "host", "port", "path", "params", "query", "fragment" } do
    local v = reqt[k]
    -- tostring would make a name of anything: host = true looked up "true"
    -- (review44f). A port may be a number; a host is a name.
    if v ~= nil and type(v) ~= "string" and not (type(v) == "number" and k ~= "host") then
      error(("bad field '%s' to 'tls.https.request' (string expected, got %s)"):format(k, math.type(v) or type(v)), 4)
    end
    if v ~= nil then p[k] = tostring(v) end
  end
  if reqt.url == nil and p.scheme == nil then p.scheme = "https" end
  if p.scheme == nil and p.host ~= nil then p.scheme = "https" end
  if p.host == nil then return fail("no host in the request (give 'url' or 'host')") end
  p.authority = nil
  local built = url.build(p)
  -- The fields are joined into one URL that target() parses again: a query,
  -- fragment, params, path or port holding '@', '/' or '?' where it cannot
  -- would move the host (credentials, cookies and all) to a name of its
  -- author's choosing. The URL must name the host the fields named.
  local back = util.parse_url(built, url) or {}
  if back.host ~= p.host or (back.port or "") ~= (p.port or "") or back.user ~= p.user then
    return fail("the request's fields do not make one URL with host '%s': refusing '%s' "
      .. "(a field holds '@', '/', '?' or '#' where it cannot)", shown(tostring(p.host)), url_shown(built))
  end
  return built
end

local REDIRECT_CODES = { [301] = true, [302] = true, [303] = true, [307] = true, [308] = true }

-- Headers for one hop, lower-case names: LuaSocket's defaults, then the user's.
local function hop_headers(reqt, t, user_headers)
  local h = {
    ["user-agent"] = M.USERAGENT,
    ["host"] = authority(t.host, t.port),
    ["connection"] = "close, TE",
    ["te"] = "trailers",
  }
  local user, password = t.user, t.password
  if reqt.user ~= nil then user, password = reqt.user, reqt.password end
  if user and password then
    h["authorization"] = "Basic " .. mime.b64(user .. ":" .. url.unescape(password))
  end
  for k, v in pairs(user_headers) do h[string.lower(k)] = v end
  if reqt.source and not h["content-length"] and not h["transfer-encoding"] then
    h["transfer-encoding"] = "chunked"
  end
  return h
end

-- An error raised by the user's own sink (a programming mistake, raised
-- again as it is), apart from the errors of parsing the server's response.
local USER_ERROR = {}

local function user_sink(sink)
  if sink == nil then return nil end
  return function(...)
    local r = table.pack(pcall(sink, ...))
    if not r[1] then error(setmetatable({ err = r[2] }, USER_ERROR), 0) end
    return table.unpack(r, 2, r.n)
  end
end

-- rfc9112#6.3 point 4: Content-Length is 1*DIGIT (at most 15 significant
-- digits here, as a chunk size: leading zeros are no harm); rfc9110#8.6: a
-- list or repeated fields (joined with ", ") of one value may be taken as
-- that value, and rfc9110#5.6.1: empty list elements are ignored. Returns
-- the length or nil, message.
local function content_length(value)
  local n
  for item in (value .. ","):gmatch("([^,]*),") do
    item = trim_ows(item)
    if item ~= "" then
      local digits = item:match("^0*(%d+)$") or item:match("^(0)$")
      if not digits or #digits > 15 or (n and digits ~= n) then
        return nil, "tls.https: the server's response is malformed: a bad Content-Length '" .. peer_text(value) .. "'"
      end
      n = digits
    end
  end
  if not n then
    return nil, "tls.https: the server's response is malformed: a bad Content-Length '" .. peer_text(value) .. "'"
  end
  return tonumber(n)
end

-- The codings a Transfer-Encoding lists, empty list elements dropped
-- (rfc9110#5.6.1), lower-cased.
local function codings(value)
  local list = {}
  for item in (value .. ","):gmatch("([^,]*),") do
    item = trim_ows(item)
    if item ~= "" then list[#list + 1] = item:lower() end
  end
  return list
end

-- Reads the answer to a request sent on h (see hop): its status line,
-- fields and body, all with our reader (lines bounded and counted, no
-- HTTP/0.9, strict status and field lines). Errors raise through h.try.
local function response(h, reqt, method, sink, opts)
  local o = h.c
  -- A close after the status line, before the empty line ending the
  -- fields, would otherwise come out as a bare "closed".
  local function next_line()
    local line, err = o:counted_line()
    if not line and cut_short(err) then
      return nil, "tls.https: the server closed the connection before the end of the response's head "
        .. "(status line and fields)"
    end
    return line, err
  end
  local code, status, rheaders, last
  local interim = 0
  while true do
    local err
    status, err = o:counted_line()
    if not status and cut_short(err) then
      h.try(nil, "tls.https: the server's response is malformed: no status line before the connection closed")
    end
    h.try(status, err)
    code = status_code(status)
    if not code then
      -- No HTTP/0.9 (whose response is the body alone): what is not a
      -- status line is an error, not the start of a body.
      if last == 100 then
        h.try(nil, "tls.https: the server's response is malformed: no status line after 100 Continue")
      end
      h.try(nil, "tls.https: the server's response is malformed: "
        .. (last and "after a " .. last .. " response, " or "")
        .. "no status line (HTTP/1.x, a code, a reason): '" .. peer_text(status) .. "'")
    end
    rheaders = h.try(read_fields(next_line, "the server's response"))
    if code >= 200 then break end
    -- rfc9110#15.2.2: 101 answers an Upgrade, which we never send.
    if code == 101 then
      h.try(nil, "tls.https: the server switched protocols (101) though the request asked for no upgrade")
    end
    -- rfc9110#15.2: "A client MUST be able to parse one or more 1xx
    -- responses received prior to a final response, even if the client
    -- does not expect one": skipped, up to M.MAX_INTERIM of them.
    interim = interim + 1
    if interim > M.MAX_INTERIM then
      h.try(nil, string.format("tls.https: the server sent more than %d interim (1xx) responses", M.MAX_INTERIM))
    end
    last = code
  end
  local follow = reqt.redirect ~= false and REDIRECT_CODES[code] and rheaders.location
    and (method == "GET" or method == "HEAD") and not reqt.source
    and rheaders.location:gsub("%s", "") ~= ""
  if follow then
    h:close()
    return code, rheaders, status, true
  end
  -- rfc9112#6.3: the length of the body, in its order.
  local source
  if method == "HEAD" or code == 204 or code == 304 then
    source = nil -- point 1: no body
  elseif rheaders["transfer-encoding"] then
    local te = rheaders["transfer-encoding"]
    -- rfc9112#6.1: "A server or client that receives an HTTP/1.0 message
    -- containing a Transfer-Encoding header field MUST treat the message
    -- as if the framing is faulty".
    if status:sub(1, 8) == "HTTP/1.0" then
      h.try(nil, "tls.https: the server's response is malformed: Transfer-Encoding in an HTTP/1.0 response")
    end
    -- Point 3 and 4: chunked must be the final coding; it is the only one
    -- we decode, so it must also be the only one. It wins over a
    -- Content-Length (the connection is never reused).
    local list = codings(te)
    if #list ~= 1 or list[1] ~= "chunked" then
      h.try(nil, "tls.https: the server's response uses the transfer coding '" .. peer_text(te)
        .. "': tls.https decodes only 'chunked' alone")
    end
    source = chunked_source(o)
  elseif rheaders["content-length"] then
    local n = h.try(content_length(rheaders["content-length"]))
    if opts.max_body and n > opts.max_body then
      h.try(nil, string.format("tls.https: the response body is larger than max_body (%d bytes)", opts.max_body))
    end
    source = length_source(o, n)
  else
    source = close_source(o, opts.strict_close) -- point 8
  end
  if source then
    h.try(ltn12.pump.all(bounded(source, opts.max_body), sink or ltn12.sink.null(), reqt.step or ltn12.pump.step))
  end
  h:close()
  return code, rheaders, status, false
end

-- Sends one request and reads its answer. Returns code, headers, status,
-- and whether the body was left unread because the answer is a redirect
-- to follow. Errors are thrown by LuaSocket's try (caught in request);
-- any other error while the response is read closes the connection and is
-- thrown the same way, as "the server's response is malformed"; the
-- user's sink raising closes it too and raises again as it is.
local function hop(reqt, t, method, headers, create, opts)
  local h = http.open(t.host, t.port, create)
  h:sendrequestline(method, t.uri)
  h:sendheaders(headers)
  if reqt.source then h:sendbody(headers, reqt.source, reqt.step) end
  local ok, code, rheaders, status, follow = pcall(response, h, reqt, method, user_sink(reqt.sink), opts)
  if ok then return code, rheaders, status, follow end
  h:close()
  if getmetatable(code) == USER_ERROR then error(code.err, 0) end
  if type(code) ~= "string" then error(code, 0) end  -- LuaSocket's try: request returns nil, message
  -- Lua's own memory error is ours, not the server's (its text is fixed).
  if code == "not enough memory" then error(code, 0) end
  socket.try(nil, "tls.https: the server's response is malformed: " .. code)
end

local function check_request(reqt)
  for k in pairs(reqt) do
    if not REQUEST_FIELDS[k] and not CONTEXT_OPTIONS[k] then
      return fail("unknown option '%s'", tostring(k))
    end
  end
  if reqt.create ~= nil then
    return fail("option 'create' is not allowed: tls.https makes its own TLS connections")
  end
  local timeout = reqt.timeout
  if timeout == nil then
    timeout = M.TIMEOUT
  elseif timeout == false then
    timeout = -1
  elseif type(timeout) ~= "number" or timeout ~= timeout or timeout <= 0 then
    -- review32c F5: a string "5" showed as 5; 0 let every request time out
    return fail("option 'timeout' must be a number of seconds > 0 or false (got %s)",
      type(timeout) ~= "number" and type(timeout) or timeout ~= timeout and "NaN" or tostring(timeout))
  end
  local max = reqt.maxredirects
  if max == nil then
    max = M.MAXREDIRECTS
  elseif math.type(max) ~= "integer" or max < 0 then
    return fail("option 'maxredirects' must be a whole number >= 0 (got %s)",
      type(max) ~= "number" and type(max) or max ~= max and "NaN" or tostring(max))
  end
  if reqt.redirect_certificate ~= nil and type(reqt.redirect_certificate) ~= "boolean" then
    return fail("option 'redirect_certificate' must be true or false (got %s)", type(reqt.redirect_certificate))
  end
  -- A ready context is used for every hop, its client certificate with it:
  -- false would be taken and do nothing (review31b F1).
  if reqt.redirect_certificate == false and reqt.context ~= nil then
    return fail("option 'redirect_certificate = false' cannot take effect with a ready 'context', which is used "
      .. "for every hop, its client certificate included: give the certificate as options (certificate, key) "
      .. "instead of 'context', or set redirect = false")
  end
  if reqt.servername ~= nil and type(reqt.servername) ~= "string" then
    return fail("option 'servername' must be a string (got %s)", type(reqt.servername))
  end
  -- Refused here, before connecting, not by tls.wrap at the handshake
  -- (whose message would name a function the program never called).
  -- "" with verify = false: the usual words ("only verify = false skips
  -- the name check") would point at a setting already made (review46b).
  if reqt.servername == "" then
    -- (a context given with options, or a server context, is refused below
    -- with its own words)
    local ok, verifies = pcall(context_verifies, reqt.context)
    local ok_mode, mode = pcall(function() return reqt.context:mode() end)
    if (reqt.context == nil and reqt.verify == false)
      or (reqt.verify == nil and ok and verifies == false and ok_mode and mode == "client") then
      return fail("option 'servername' is empty, which is no host name: leave it out to send the URL's host "
        .. "(this request has verify = false, so no name is checked)")
    end
  end
  local name_problem = reqt.servername and server_name_problem(reqt.servername)
  if name_problem then return fail("option 'servername' %s", name_problem) end
  if reqt.strict_close ~= nil and type(reqt.strict_close) ~= "boolean" then
    return fail("option 'strict_close' must be true or false (got %s)", type(reqt.strict_close))
  end
  local max_body = reqt.max_body
  if max_body ~= nil then
    max_body = type(max_body) == "number" and math.tointeger(max_body)
    if not max_body or max_body < 1 then
      return fail("option 'max_body' must be a whole number of bytes >= 1 (got %s)", type(reqt.max_body) == "number"
        and (reqt.max_body ~= reqt.max_body and "NaN" or tostring(reqt.max_body)) or type(reqt.max_body))
    end
  end
  local deadline = reqt.deadline
  if deadline ~= nil and (type(deadline) ~= "number" or not (deadline > 0 and deadline < math.huge)) then
    return fail("option 'deadline' must be a number of seconds > 0 for the whole request (got %s)",
      type(deadline) ~= "number" and type(deadline) or deadline ~= deadline and "NaN" or tostring(deadline))
  end
  -- rfc9110#9.1: a method is a token. It goes on the request line as it is,
  -- so a CR LF in it would add headers or a whole second request.
  local m = reqt.method
  if m ~= nil and m ~= "" and (type(m) ~= "string" or not m:match("^[%w!#$%%&'*+%-.^_`|~]+$")) then
    return fail("option 'method' must be an HTTP token such as 'GET' or 'POST' (got %s)",
      type(m) == "string" and "'" .. shown(m) .. "'" or type(m))
  end
  if reqt.headers ~= nil and type(reqt.headers) ~= "table" then
    return fail("option 'headers' must be a table (got %s)", type(reqt.headers))
  end
  -- rfc9110#5.1, 5.5: a field name is a token and a value holds no CR, LF
  -- or NUL (HTAB is allowed); either would let a value from untrusted input
  -- add headers or a whole second request.
  -- Names are case-insensitive (rfc9110#5.1) and sent lower-cased: of
  -- "Authorization" and "authorization" one was dropped, which one
  -- depending on the table's order (pairs).
  local seen = {}
  for k, v in pairs(reqt.headers or {}) do
    if type(k) ~= "string" or not k:match("^[%w!#$%%&'*+%-.^_`|~]+$") then
      return fail("header name '%s' is not an HTTP token", shown(tostring(k)))
    end
    local other = seen[k:lower()]
    if other then
      local a, b = other < k and other or k, other < k and k or other
      return fail("headers '%s' and '%s' are one header (names ignore case): give it once", a, b)
    end
    seen[k:lower()] = k
    if type(v) ~= "string" and type(v) ~= "number" then
      return fail("header '%s' must be a string or number (got %s)", k, type(v))
    end
    if tostring(v):find("[\0-\8\10-\31\127]") then
      return fail("header '%s' has a control character (CR, LF, NUL, ...) in its value", k)
    end
  end
  -- strict_close: a body delimited by the close must end with close_notify unless it is false.
  return timeout, max, { max_body = max_body, deadline = deadline, strict_close = reqt.strict_close ~= false }
end

-- reqt.proxy or socket.http.PROXY (LuaSocket's default), an http:// URL
-- -> { host=, port=, user=, password=, where= }, false (none) or nil, message.
local function proxy_option(reqt)
  local p = reqt.proxy
  if p == nil then p = http.PROXY end
  if p == nil or p == false then return false end
  local what = reqt.proxy ~= nil and "option 'proxy'" or "socket.http.PROXY"
  if type(p) ~= "string" then return fail("%s must be a URL string (got %s)", what, type(p)) end
  local u = util.parse_url(p, url) or {}
  if not u.host or u.host == "" or (u.scheme and u.scheme:lower() ~= "http") then
    return fail("%s must be an http:// proxy URL such as 'http://proxy:3128' (got '%s')", what, url_shown(p))
  end
  -- LuaSocket's default proxy port
  local port = util.url_port(u.port or "3128")
  if not port then return fail("%s: bad port in '%s'", what, url_shown(p)) end
  return { host = u.host, port = port, user = u.user, password = u.password,
    where = (u.host:find(":", 1, true) and "[" .. u.host .. "]" or u.host) .. ":" .. port }
end

-- Headers a user gave for one server that must not travel to another.
local PER_SERVER = { host = true, authorization = true, cookie = true, ["proxy-authorization"] = true }

local function trequest(reqt)
  local timeout, max, opts = check_request(reqt)
  if not timeout then return nil, max end
  local clock = { timeout = timeout, seconds = opts.deadline,
    deadline = opts.deadline and socket.gettime() + opts.deadline }
  local proxy, err = proxy_option(reqt)
  if proxy == nil then return nil, err end
  -- Through a proxy, headers go inside the TLS tunnel, to the server: the
  -- proxy's credentials given as a header would reach the server, never
  -- the proxy (which takes them from its URL, on the CONNECT).
  for k in pairs(proxy and reqt.headers or {}) do
    if k:lower() == "proxy-authorization" then
      return fail("header '%s' would go to the server inside the TLS tunnel, not to the proxy: "
        .. "give the proxy's credentials in its URL (proxy = \"http://user:password@proxy:3128\")", k)
    end
  end
  local ctx
  ctx, err = make_context(reqt)
  if not ctx then return nil, err end
  -- The options again without the client certificate, for the hops after
  -- a change of host or port (the context is made then, once).
  local certless
  if reqt.context == nil and reqt.redirect_certificate ~= true then
    for k in pairs(CLIENT_CERTIFICATE) do
      if reqt[k] ~= nil then certless = {} end
    end
    for k, v in pairs(certless and reqt or {}) do
      if not CLIENT_CERTIFICATE[k] then certless[k] = v end
    end
  end
  local u
  u, err = first_url(reqt)
  if not u then return nil, err end
  local t
  t, err = target(u)
  if not t then return nil, err end
  local origin = { host = t.host, port = t.port }
  local method = reqt.method
  if method == nil or method == "" then method = "GET" end
  local user_headers = {}
  for k, v in pairs(reqt.headers or {}) do user_headers[k] = v end
  local nredirects = 0
  while true do
    -- The name checked is the URL's host (or 'servername' while at the
    -- first host), without the trailing dot DNS allows.
    local name = t.host:gsub("%.$", "")
    if reqt.servername and t.host == origin.host and t.port == origin.port then name = reqt.servername end
    -- Refused before connecting, not by tls.wrap after it (whose message
    -- names a function the program never called).
    local host_problem = server_name_problem(name)
    if host_problem then return fail("the host of '%s' %s", url_shown(t.url), host_problem) end
    if clock.deadline and socket.gettime() >= clock.deadline then return nil, late(clock, "timeout") end
    local create = creator(ctx, name, clock, proxy)
    local code, headers, status, follow = hop(reqt, t, method, hop_headers(reqt, t, user_headers), create, opts)
    if not follow then
      if nredirects > 0 then
        headers = headers or {}
        -- LuaSocket's hint that we were redirected, without the user and
        -- password a relative Location kept from the first URL: headers
        -- are what programs log.
        headers.location = headers.location or (t.url:gsub("^(%a[%w+.-]*://)[^/?#]*@", "%1"))
      end
      return 1, code, headers, status
    end
    local location = headers.location:gsub("%s", "")
    local newurl = url.absolute(t.url, location)
    local scheme = url.parse(newurl).scheme
    if scheme == nil or scheme:lower() ~= "https" then
      return fail("refusing to follow a redirect from https to %s ('%s' answered %d with location '%s')",
        scheme and scheme .. "://" or "a URL without a scheme", url_shown(t.url), code, url_shown(location))
    end
    nredirects = nredirects + 1
    if nredirects > max then
      return fail("too many redirects: more than %d (the last from '%s' to '%s')", max, url_shown(t.url),
        url_shown(newurl))
    end
    local nt
    nt, err = target(newurl)
    if not nt then return nil, err end
    if nt.host ~= t.host or nt.port ~= t.port then
      for k in pairs(user_headers) do
        if PER_SERVER[string.lower(k)] then user_headers[k] = nil end
      end
      if reqt.user ~= nil then reqt = setmetatable({ user = false }, { __index = reqt }) end
      if type(certless) == "table" then
        ctx, err = make_context(certless)
        if not ctx then return nil, err end
        certless = true -- made
      end
    end
    -- rfc9110#15.4.4: a 303 is followed by a GET (HEAD stays HEAD).
    if code == 303 and method ~= "HEAD" then method = "GET" end
    t = nt
  end
end

local protected = socket.protect(function(reqt)
  local ok, code, headers, status = trequest(reqt)
  return ok, code, headers, status
end)

--- tls.https.request(url [, body]) -> body, code, headers, status | nil, message
--- tls.https.request{ url=, sink=, ... } -> 1, code, headers, status | nil, message
function M.request(reqt, body)
  if type(reqt) == "string" then
    if body ~= nil and type(body) ~= "string" then
      error("bad argument #2 to 'tls.https.request' (string expected, got " .. type(body) .. ")", 2)
    end
    local chunks = {}
    local r = { url = reqt, sink = ltn12.sink.table(chunks) }
    if body then
      r.source = ltn12.source.string(body)
      r.headers = { ["content-length"] = #body, ["content-type"] = "application/x-www-form-urlencoded" }
      r.method = "POST"
    end
    local ok, code, headers, status = protected(r)
    if not ok then return nil, code end
    return table.concat(chunks), code, headers, status
  end
  if type(reqt) ~= "table" then
    error("bad argument #1 to 'tls.https.request' (URL or table expected, got " .. type(reqt) .. ")", 2)
  end
  local ok, code, headers, status = protected(reqt)
  if not ok then return nil, code end
  return ok, code, headers, status
end

return M
