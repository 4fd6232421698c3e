-- A luatls server for the TLS 1.2 resumption specs, run as a separate process.
--   lua5.4 spec/support/resume12_server.lua cert=PATH key=PATH [tickets=N]
--          [store=table|raising] [keys=HEX,HEX...] [clock=S1,S2,...]
--          [ticket_lifetime=S] [require_ems=false] [max_version=...] [ciphers=...]
--          [verify=optional|required ca=PATH] [keylog=PATH]
-- store=table keeps sessions in a plain Lua table {get=, put=, delete=};
-- store=raising is a store whose get and put raise. keys are ticket keys
-- (48 bytes each, in hex); clock gives the clock offset in seconds for
-- each connection in turn (the last one stays).
-- Prints "ready <port>", then for connection n:
--   "trace n <message> k=v k=v" for each resumption decision and ticket,
--   "conn n resumed=... version=... cipher=... ems=... peer=... verified=... export=HEX"
--   or "failed n <message>";
-- and echoes the first line received. Lua warnings go to stderr.
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"

io.stdout:setvbuf("line")
warn("@on")

local opt = { }
for _, a in ipairs(arg) do
   local k, v = a:match("^([%w_]+)=(.*)$")
   assert(k, "bad argument " .. a)
   opt[k] = v
end

local function unhex(h)
   return (h:gsub("..", function(x) return string.char(tonumber(x, 16)) end))
end

local store
if opt.store == "table" then
   local t = {}
   store = {
      get = function(id) return t[id] end,
      put = function(id, blob, ttl) assert(math.type(ttl) == "integer"); t[id] = blob end,
      delete = function(id) local had = t[id] ~= nil; t[id] = nil; return had end,
   }
elseif opt.store == "raising" then
   store = {
      get = function() error("store is down") end,
      put = function() error("store is down") end,
      delete = function() error("store is down") end,
   }
end

local keys
if opt.keys then
   keys = {}
   for h in opt.keys:gmatch("[^,]+") do keys[#keys + 1] = unhex(h) end
end

local clock = {}
for s in (opt.clock or ""):gmatch("[^,]+") do clock[#clock + 1] = tonumber(s) end

local n = 0
local function trace(ev)
   if ev.message == "resumption" or ev.message == "NewSessionTicket" or ev.message == "session store"
      or (ev.message == "ServerHello" and ev.direction == "send") then
      local parts = {}
      for k, v in pairs(ev) do
         if k ~= "message" and k ~= "direction" and type(v) == "string" then
            parts[#parts + 1] = k .. "=" .. v
         end
      end
      table.sort(parts)
      print(string.format("trace %d %s %s %s", n, ev.direction, ev.message, table.concat(parts, " | ")))
   end
end

local require_ems
if opt.require_ems then require_ems = opt.require_ems == "true" end
local ctx = assert(tls.context {
   mode = "server", certificate = opt.cert, key = opt.key,
   ciphers = opt.ciphers, max_version = opt.max_version, require_ems = require_ems,
   verify = opt.verify, ca = opt.ca,
   tickets = opt.tickets and tonumber(opt.tickets) or nil,
   ticket_lifetime = opt.ticket_lifetime and tonumber(opt.ticket_lifetime) or nil,
   ticket_keys = keys, session_store = store, trace = trace, keylog = opt.keylog,
})
local server = assert(tls.listen("127.0.0.1", 0, ctx))
local _, port = server:getsockname()
print("ready " .. port)

local function serve(conn)
   conn:settimeout(10)
   local ok, err = conn:handshake()
   if not ok then
      print(string.format("failed %d %s", n, tostring(err)))
      return
   end
   local i = conn:info()
   local export = conn:export("EXPERIMENTAL luatls", nil, 16)
   print(string.format("conn %d resumed=%s version=%s cipher=%s ems=%s peer=%s verified=%s export=%s", n,
      tostring(i.resumed), i.version, i.cipher, tostring(i.extended_master_secret),
      i.peer_certificate and i.peer_certificate.subject or "none", tostring(i.peer_verified),
      export and (export:gsub(".", function(c) return string.format("%02x", c:byte()) end)) or "none"))
   local line = conn:receive("*l")
   if line then conn:send(line .. "\n") end
end

while true do
   local conn, err = server:accept()
   n = n + 1
   local offset = clock[n] or clock[#clock]
   if offset then CTXM.set_clock_offset(ctx, offset) end
   if conn then
      serve(conn)
      conn:close()
   else
      print(string.format("accept failed %d %s", n, tostring(err)))
   end
end
