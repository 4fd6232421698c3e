-- tls.util: small checks shared by the Lua modules (tls, tls.luasec), so
-- that one rule has one implementation.
local M = {}

-- The option names tls.context takes; tls.luasec refuses those LuaSec has no
-- parameter for, rather than ignore them.
M.context_options = {
  mode = true, certificate = true, key = true, password = true, ca = true, verify = true, verify_id = true,
  ciphers = true, groups = true, sigalgs = true, trace = true,
  record_size_limit = true, security_level = true, strict_close = true, key_update_after = true,
  min_version = true, max_version = true, require_ems = true,
  -- issue 9 (each validated in lua/tls.lua by the part that implements it)
  certificates = true, client_certificate = true, servername = true, sni_strict = true,
  alpn = true, pin = true, crl = true, crl_check_all = true, ocsp = true, keylog = true,
  -- issue 10: resumption (resumption_options in lua/tls.lua)
  tickets = true, ticket_lifetime = true, ticket_keys = true, ticket_key_lifetime = true,
  psk_ke = true, early_data = true, max_early_data = true, session_store = true,
}

-- The parameters tls.luasec's newcontext reads: LuaSec 1.2's, and luatls's
-- servername.
local LUASEC_PARAMS = {
  mode = true, protocol = true, options = true, password = true, certificate = true, key = true,
  certificates = true, cafile = true, capath = true, verify = true, verifyext = true, dane = true, depth = true,
  dhparam = true, ciphers = true, ciphersuites = true, curve = true, curveslist = true, alpn = true,
  servername = true,
}
-- Where LuaSec has a way to say what a refused tls.context option says.
local LUASEC_WAY = {
  ca = "cafile (or capath)",
  security_level = "@SECLEVEL=n in ciphers",
  min_version = "protocol, or options no_tlsv1_2 / no_tlsv1_3",
  max_version = "protocol, or options no_tlsv1_2 / no_tlsv1_3",
  groups = "curve or curveslist",
  tickets = "options no_ticket",
}

-- A tls.context option that LuaSec has no parameter for (pin, ocsp, crl,
-- security_level, min_version, ...) means luatls's meaning: ignored, as
-- LuaSec ignores names it does not know, a pin would pin nothing and
-- ocsp = "require" require nothing. So it is refused; names neither API
-- has are still ignored, as in LuaSec. Returns the message, or nil. The
-- drop-in's ssl.https asks it too, for its request tables.
function M.luasec_refusal(cfg)
  local found
  for k in pairs(cfg) do
    if M.context_options[k] and not LUASEC_PARAMS[k] and (found == nil or k < found) then found = k end
  end
  if found == nil then return nil end
  local way = LUASEC_WAY[found]
  return string.format("%s: an option of luatls's tls.context, not a LuaSec parameter; the drop-in would ignore "
    .. "it, so it is refused: %s", found, way and ("LuaSec's way is " .. way)
      or "use tls.context with tls.wrap for it, or leave it out")
end

-- LuaSocket objects under a live tls.wrap connection, and that connection
-- (keys weak: an entry goes with its socket). A second wrap of one socket
-- would write its handshake into the first one's TLS stream.
M.wrapped_sockets = setmetatable({}, { __mode = "k" })

-- The connection that still has sock's descriptor fd under TLS, or nil
-- (closed, or let go of it with setfd(-1)).
function M.wrapped_by(sock, fd)
  local prior = M.wrapped_sockets[sock]
  if prior and prior:getfd() == fd then return prior end
  return nil
end

-- A list option holds entries 1 to #list and nothing else. ipairs stops at
-- the first nil, so { nil, pin } (a pin read from an unset variable first)
-- would otherwise add no pin at all, and a pin-only client would then
-- accept any server; the drop-in's verify = { nil, "peer" } would mean no
-- verification: a hole or a named key is an error.
--
-- whole_list(list, label, kind) -> true | nil, message; label starts the
-- message ("option 'pin'", "verify"), kind names what was expected
-- ("a list", "a list of names").
function M.whole_list(list, label, kind)
  local n, count = #list, 0
  for _ in pairs(list) do count = count + 1 end
  for i = 1, n do
    if list[i] == nil then return nil, string.format("%s: entry %d is nil (a list has no holes)", label, i) end
  end
  -- review32c F3: a table of named keys alone ({ certificate =, key = }
  -- for { { certificate =, key = } }) is no empty list.
  if n == 0 and count > 0 then
    return nil, string.format("%s must be %s (it has only named keys: %s)", label, kind, M.named_keys(list))
  end
  if count ~= n then
    return nil, string.format("%s must be %s (it has holes or named keys: %d entries, %d in order)",
      label, kind, count, n)
  end
  return true
end

-- The keys of t that are not list entries, for a message: sorted, at most
-- four named.
function M.named_keys(t)
  local n, keys = #t, {}
  for k in pairs(t) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then
      keys[#keys + 1] = type(k) == "string" and k or "[" .. tostring(k) .. "]"
    end
  end
  table.sort(keys)
  if #keys > 4 then keys = { keys[1], keys[2], keys[3], keys[4], "..." } end
  return table.concat(keys, ", ")
end

-- What a table given where a non-empty list belongs holds, for a message.
function M.not_a_list(t)
  if next(t) == nil then return "an empty table" end
  return "a table with only named keys: " .. M.named_keys(t)
end

-- Certificates and keys are given as PEM text or as a file's path.
function M.is_pem(s)
  return s:find("-----BEGIN", 1, true) ~= nil
end

-- receive(pattern, prefix, max) made of non-blocking turns, for the event
-- loops (tls.loop, tls.copas). turn(pattern, prefix, max) makes one call
-- (data | nil, err, partial); wait(err) waits until the socket is ready
-- for what err asks ("wantread" or "wantwrite") and returns false when the
-- call's time is up (or false and the reason to give instead of "timeout":
-- "closed" when another coroutine closed the connection meanwhile). What
-- each turn got is kept aside and joined once at the end: handed back as
-- the next turn's prefix it was copied again every turn, quadratic in a
-- long line arriving in pieces. A count asks only for what is missing, a
-- line's max only for the room left.
local WANT = { wantread = true, wantwrite = true }
-- "*a" as the C method reads it: a '*' and an 'a', whatever follows
-- ("*all" too, as in LuaSocket)
local function is_all(pattern)
  return type(pattern) == "string" and pattern:sub(1, 2) == "*a"
end
function M.receive_turns(turn, wait, pattern, prefix, max)
  local count = tonumber(pattern)
  local all = not count and is_all(pattern)
  -- (the C method takes a number as the prefix too, as its text)
  local base = prefix ~= nil and #tostring(prefix) or 0
  local pieces, got = {}, 0
  while true do
    local first = pieces[1] == nil
    local data, err, partial = turn(count and count - got or pattern, first and prefix or nil,
      max and (first and max or max - (got - base)))
    if data ~= nil then
      if first then return data end
      pieces[#pieces + 1] = data
      return table.concat(pieces)
    end
    partial = partial or ""
    if not first or partial ~= "" then
      pieces[#pieces + 1] = partial
      got = got + #partial
    end
    -- "*a" ends at the close: what earlier turns received is the result
    -- (the last call, which got none of it, says "closed"), as one
    -- blocking call returns it (review23b B1).
    if all and err == "closed" and got > base then return table.concat(pieces) end
    if not WANT[err] then return nil, err, table.concat(pieces) end
    local ok, why = wait(err)
    if not ok then return nil, why or "timeout", table.concat(pieces) end
  end
end

-- The refusal for a LuaSocket socket whose buffer holds bytes it already
-- read (sock:dirty()): TLS reads the descriptor, so those bytes, a
-- ClientHello a STARTTLS peer sent with its command (RFC 3207 §4.2 says it
-- must wait), would be lost and the handshake would wait for them until
-- its timeout. Returns the message, or nil.
function M.read_ahead_problem(sock)
  local ok, dirty = pcall(function() return sock:dirty() end)
  if not (ok and dirty == true) then return nil end
  return "the socket holds bytes LuaSocket already read (sock:dirty() is true), which TLS would never see: "
    .. "the peer sent them before it was answered (a STARTTLS client must wait for the server's go-ahead); "
    .. "read them with sock:receive first, or close the connection"
end

-- socket.url.parse(u), but with the authority ending where RFC 3986 §3.2
-- ends it: at the first "/", "?" or "#". LuaSocket's ends it at "/" only,
-- so in "https://a.example?@b.example/" it read user "a.example?" and host
-- b.example where Python, curl and browsers read host a.example: a program
-- that checked the host with one of those and fetched with us reached
-- another server (with the user part as Basic credentials). Where the two
-- readings name different hosts (an "@" after the "?" or "#", before any
-- "/"), the URL is refused: it is an attack, or a password with an
-- unescaped "?" or "#" that either reading would get wrong. Otherwise a
-- "?" or "#" right after the authority gets the empty path's "/" before
-- it (RFC 9110 §4.2.3). A backslash in the authority (WHATWG parsers read
-- it as "/") is refused too.
-- Returns the parsed table (defaults as url.parse takes them) and the URL
-- as it was parsed (with that "/"), which is what a relative reference
-- must be resolved against (socket.url.absolute reads authorities as
-- url.parse does); or nil and a message.
function M.parse_url(u, url, defaults)
  url = url or require "socket.url"
  local head, authority, rest = u:match("^(%a[%w+.-]*://)([^/?#]*)(.*)$")
  if head then
    if authority:find("\\", 1, true) then
      return nil, "a backslash in the host part of a URL (browsers read it as '/', other parsers not): refused"
    end
    if rest ~= "" and rest:sub(1, 1) ~= "/" then
      if rest:match("^[^/]*"):find("@", 1, true) then
        return nil, "an '@' after a '?' or '#' in the host part of a URL (RFC 3986 reads the host before the "
          .. "'?' or '#', LuaSocket and LuaSec after the '@'): refused; in a password write '?' as %3F and '#' "
          .. "as %23"
      end
      u = head .. authority .. "/" .. rest
    end
  end
  return url.parse(u, defaults), u
end

-- A URL's port as a number, only when it is decimal digits (no "0x1bb",
-- "+443", "443.0" that tonumber would take), in 1..65535; else nil.
function M.url_port(text)
  if type(text) ~= "string" or not text:match("^%d+$") or #text > 5 then return nil end
  local n = tonumber(text)
  if n < 1 or n > 65535 then return nil end
  return math.tointeger(n)
end

return M
