-- tls.luasec.https: LuaSec's ssl.https on luatls. request(url [, body]) and
-- request{...} as LuaSocket's http.request, over TLS, with LuaSec's TLS
-- parameters in the table form (protocol, cafile, verify, certificate, ...).
--
-- One difference on purpose: LuaSec's ssl.https verifies nothing unless
-- told to (verify = "none" by default). Here the server's chain is checked
-- against the system's trusted CAs (or cafile/capath) and its name against
-- the host of the URL, unless the request says verify = "none".
local socket = require "socket"
local ltn12 = require "ltn12"
local http = require "socket.http"
local url = require "socket.url"
local ssl = require "tls.luasec"
local util = require "tls.util"

local M = {
  _VERSION = "1.2.0",
  _COPYRIGHT = ssl._COPYRIGHT,
  PORT = 443,
  TIMEOUT = 60,
}

-- What a request gets unless it says otherwise.
local DEFAULTS = {
  protocol = "any",
  options = { "all", "no_sslv2", "no_sslv3", "no_tlsv1" },
  verify = "peer",
}

-- The TLS parameters LuaSec's https takes from the request table.
local TLS_PARAMS = {
  "protocol", "options", "verify", "certificate", "key", "password", "cafile", "capath", "ciphers",
  "ciphersuites", "curve", "curveslist", "depth", "alpn", "certificates", "dhparam", "verifyext", "dane",
}

-- The URL with its port, host parsed as RFC 3986 says (tls.util.parse_url),
-- or nil and a message.
local function with_port(u)
  local p, err = util.parse_url(u, url, { port = M.PORT })
  if not p then return nil, "ssl.https: " .. err end
  return url.build(p)
end

-- The TLS socket socket.http talks through: a TCP socket that becomes a
-- wrapped connection on connect, with the URL's host as the name to check.
--
-- guard (request's own use): { host=, port=, header= } when the request
-- carries credentials or cookies for its first host. LuaSocket's redirect
-- hands the same headers to every hop, so a hop elsewhere is refused
-- rather than given them (LuaSec sends them).
local function tcp(params, guard)
  params = params or {}
  -- A luatls option (pin, crl, ocsp, security_level, ...) LuaSec's https
  -- does not take would be ignored: refused as newcontext refuses it, when
  -- socket.http asks for the socket (before any connection), for our
  -- request() and for socket.http's after install() alike.
  local refused = util.luasec_refusal(params)
  local cfg = {}
  for _, k in ipairs(TLS_PARAMS) do cfg[k] = params[k] end
  for k, v in pairs(DEFAULTS) do
    if cfg[k] == nil then cfg[k] = v end
  end
  cfg.mode = "client"
  local ctx, cerr
  return function()
    if refused then return nil, "ssl.https: " .. refused end
    local raw, err = socket.tcp()
    if not raw then return nil, err end
    local conn = { sock = raw }
    -- socket.http sets its own timeout; the module's TIMEOUT rules, as in LuaSec.
    function conn:settimeout()
      return self.sock:settimeout(M.TIMEOUT)
    end
    function conn:connect(host, port)
      if guard and (tostring(host):lower() ~= guard.host or tostring(port) ~= guard.port) then
        return nil, string.format("refusing to follow a redirect to %s:%s with the %s header meant for %s:%s",
          tostring(host), tostring(port), guard.header, guard.host, guard.port)
      end
      local ok, cerr2 = self.sock:connect(host, port)
      if not ok then return nil, cerr2 end
      if not ctx then
        ctx, cerr = ssl.newcontext(cfg)
        if not ctx then return nil, cerr end
      end
      local s, werr = ssl.wrap(self.sock, ctx)
      if not s then return nil, werr end
      -- The name without the trailing dot DNS allows (as tls.https); one
      -- sni() refuses (127.1, a bad label) comes from a URL or a server's
      -- Location, so it is an answer, nil and a message, never a raise.
      local ok, nerr = pcall(s.sni, s, (tostring(host):gsub("%.$", "")))
      if not ok then
        s:close()
        local why = tostring(nerr):match("bad argument #2 to 'sni' %((.*)%)$") or tostring(nerr)
        return nil, string.format("ssl.https: cannot connect to '%s': %s", tostring(host), why)
      end
      s:settimeout(M.TIMEOUT)
      local hok, herr = s:dohandshake()
      if not hok then
        s:close()
        return nil, herr
      end
      self.sock = s
      return 1
    end
    -- Everything else goes to the connection (send, receive, close, ...).
    return setmetatable(conn, { __index = function(t, name)
      local sock = rawget(t, "sock")
      local method = sock[name]
      if type(method) ~= "function" then return nil end
      return function(_, ...) return method(sock, ...) end
    end })
  end
end

-- The create function of the request running in each coroutine.
local active = setmetatable({}, { __mode = "k" })
-- Requests under way (in several coroutines: cqueues, copas), and what
-- package.loaded["ssl.https"] held before the first of them. The first to
-- start saves it and the last to end puts it back: each request saving and
-- restoring its own left the first one to end restoring it under the
-- others, whose redirects then went through real LuaSec's tcp, verifying
-- nothing.
local running, saved = 0, nil

local function string_request(u, body, result)
  local full, err = with_port(u)
  if not full then return nil, err end
  local req = { url = full, method = body and "POST" or "GET", sink = ltn12.sink.table(result) }
  if body then
    req.source = ltn12.source.string(body)
    req.headers = { ["content-length"] = #body, ["content-type"] = "application/x-www-form-urlencoded" }
  end
  return req
end

--- request(url [, body]) -> body, code, headers, status | nil, message
--- request{ url=, sink=, method=, headers=, source=, <TLS parameters> } -> 1, code, headers, status
function M.request(u, body)
  local result = {}
  local simple = type(u) == "string"
  local req
  if simple then
    local err
    req, err = string_request(u, body, result)
    if not req then return nil, err end
  else
    if type(u) ~= "table" or type(u.url) ~= "string" then
      error("bad argument #1 to 'request' (url string or request table expected)", 2)
    end
    -- LuaSec's https has no 'servername' (the URL's host is the name
    -- sent and checked); one accepted and not used would be a security
    -- option that does nothing.
    if u.servername ~= nil then
      return nil, "ssl.https: 'servername' is not used: the URL's host is the name checked (use tls.https for "
        .. "a server reached by IP address)"
    end
    req = {}
    for k, v in pairs(u) do req[k] = v end
    local err
    req.url, err = with_port(u.url)
    if not req.url then return nil, err end
  end
  if url.parse(req.url).scheme ~= "https" then
    return nil, "not an https URL: " .. tostring(req.url)
  end
  if http.PROXY or req.proxy then return nil, "proxy not supported" end
  if req.redirect then return nil, "redirect not supported" end
  if req.create then return nil, "create function not permitted" end
  -- socket.http follows redirects itself, with this create function (so
  -- to https URLs only: it never downgrades to http), as under LuaSec.
  local guard
  for k in pairs(req.headers or {}) do
    local name = type(k) == "string" and k:lower()
    if name == "authorization" or name == "cookie" or name == "proxy-authorization" then
      local p = url.parse(req.url)
      guard = { host = tostring(p.host):lower(), port = tostring(p.port), header = k }
      break
    end
  end
  local create = tcp(simple and {} or u, guard)
  req.create = create
  -- No hop of a redirect gets this create function from LuaSocket: it
  -- drops it when the hop's scheme differs from reqt.scheme, a field our
  -- table and its own hop tables lack, and asks require("ssl.https").tcp
  -- for one, with none of the request's TLS parameters: real LuaSec's,
  -- verifying nothing, when the program did not install() us. For the
  -- length of the request ssl.https is this module, and its tcp gives the
  -- hops of this coroutine's request this request's factory: its cafile,
  -- its verification, its guard.
  local co = coroutine.running()
  if running == 0 then saved = package.loaded["ssl.https"] end
  running = running + 1
  package.loaded["ssl.https"] = M
  -- A request made inside another's sink or source, in the same coroutine:
  -- the outer one's factory (and guard) comes back when this one ends.
  local outer = active[co]
  active[co] = create
  local r = table.pack(pcall(http.request, req))
  active[co] = outer
  running = running - 1
  if running == 0 and saved ~= M and package.loaded["ssl.https"] == M then package.loaded["ssl.https"] = saved end
  if not r[1] then error(r[2], 0) end
  local res, code, headers, status = r[2], r[3], r[4], r[5]
  if res and simple then return table.concat(result), code, headers, status end
  return res, code, headers, status
end

--- tcp(params): LuaSec's connection factory for socket.http; inside one of
--- our requests (a redirect's hop), that request's own.
function M.tcp(params)
  local create = active[coroutine.running()]
  if create then return create end
  return tcp(params)
end

return M
