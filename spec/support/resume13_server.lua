-- A luatls server for the TLS 1.3 resumption specs (spec/resume13_server_spec.lua),
-- run as a separate process so that openssl, gnutls-cli and python can talk to it.
--   lua5.4 spec/support/resume13_server.lua cert=PATH key=PATH [tickets=N] [psk_ke=true]
--          [keys=HEX,HEX] [clock=SECONDS] [ciphers=...] [alpn=a,b] [verify=optional ca=PATH]
--          [lifetime=SECONDS] [early_data=true]
-- Prints "ready <port>", then per connection "info resumed=... version=... cipher=...
-- key_exchange=... group=... alpn=... peer=... verified=..." (or "failed <message>"),
-- and before it the trace events of resumption: "decide <result>: <reason>" and
-- "ticket lifetime=... early_data=...". Echoes one line per connection.
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"

io.stdout:setvbuf("line")

local opt = { host = "127.0.0.1", port = "0" }
for _, a in ipairs(arg) do
   local k, v = a:match("^([%w_]+)=(.*)$")
   assert(k, "bad argument " .. a)
   opt[k] = v
end

local function unhex(h) return (h:gsub("..", function(x) return string.char(tonumber(x, 16)) end)) end
local function list(s) local t = {}; for x in s:gmatch("[^,]+") do t[#t + 1] = x end; return t end

local keys
if opt.keys then
   keys = {}
   for _, h in ipairs(list(opt.keys)) do keys[#keys + 1] = unhex(h) end
end

local ctx = assert(tls.context {
   mode = "server", certificate = opt.cert, key = opt.key, ciphers = opt.ciphers,
   tickets = opt.tickets and tonumber(opt.tickets) or nil,
   ticket_lifetime = opt.lifetime and tonumber(opt.lifetime) or nil,
   psk_ke = opt.psk_ke == "true" or nil, ticket_keys = keys,
   early_data = opt.early_data == "true" or nil,
   -- (a server needs a store for 0-RTT's anti-replay)
   session_store = opt.early_data == "true" and tls.store.memory() or nil,
   alpn = opt.alpn and list(opt.alpn) or nil, verify = opt.verify, ca = opt.ca,
   min_version = "TLSv1.3",
   trace = function(ev)
      if ev.message == "resumption" then
         print(string.format("decide %s: %s", ev.result, ev.reason))
      elseif ev.message == "NewSessionTicket" and ev.direction == "send" then
         print(string.format("ticket lifetime=%s early_data=%s", ev.lifetime, ev.early_data))
      end
   end,
})
if opt.clock then CTXM.set_clock_offset(ctx, tonumber(opt.clock)) end
local server = assert(tls.listen(opt.host, tonumber(opt.port), ctx))
local _, port = server:getsockname()
print("ready " .. port)

local function serve(conn)
   conn:settimeout(10)
   local ok, err = conn:handshake()
   if not ok then
      print("failed " .. tostring(err))
      return
   end
   local i = conn:info()
   print(string.format("info resumed=%s version=%s cipher=%s key_exchange=%s group=%s alpn=%s peer=%s verified=%s",
      tostring(i.resumed), i.version, i.cipher, tostring(i.key_exchange), tostring(i.group), tostring(i.alpn),
      i.peer_certificate and i.peer_certificate.subject or "none", tostring(i.peer_verified)))
   local line = conn:receive("*l")
   if line then conn:send(line .. "\n") end
end

while true do
   local conn, err = server:accept()
   if conn then
      serve(conn)
      conn:close()
   else
      print("accept failed " .. tostring(err))
   end
end
