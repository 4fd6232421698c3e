-- One server of a fleet for spec/fleet_spec.lua, run as a separate process:
--   lua5.4 spec/support/fleet_server.lua cert=PATH key=PATH keys=KEYFILE
--          [redis=PORT] [max_version=TLSv1.2] [tickets=N] [recheck=SECONDS]
-- Ticket keys come from the shared key file (re-read when it is replaced,
-- every `recheck` seconds at most), sessions by id go to the shared Redis.
-- Prints "ready <port>", then per connection "conn resumed=... version=..."
-- (or "failed <message>"), and echoes one line. Warnings (a store that
-- fails) go to stderr.
local tls = require "tls"

io.stdout:setvbuf("line")
warn("@on")

local opt = {}
for _, a in ipairs(arg) do
   local k, v = a:match("^([%w_]+)=(.*)$")
   assert(k, "bad argument " .. a)
   opt[k] = v
end
if opt.recheck then tls.ticketkeys.recheck = tonumber(opt.recheck) end

local ctx = assert(tls.context {
   mode = "server", certificate = opt.cert, key = opt.key,
   ticket_keys = opt.keys, max_version = opt.max_version,
   tickets = opt.tickets and tonumber(opt.tickets) or nil,
   session_store = opt.redis and tls.store.redis { port = tonumber(opt.redis), prefix = "fleet:" } or nil,
})
local server = assert(tls.listen("127.0.0.1", 0, ctx))
local _, port = server:getsockname()
print("ready " .. port)

while true do
   local conn, err = server:accept()
   if conn then
      conn:settimeout(10)
      local ok, herr = conn:handshake()
      if ok then
         local i = conn:info()
         print(string.format("conn resumed=%s version=%s", tostring(i.resumed), i.version))
         local line = conn:receive("*l")
         if line then conn:send(line .. "\n") end
      else
         print("failed " .. tostring(herr))
      end
      conn:close()
   else
      print("accept failed " .. tostring(err))
   end
end
