-- LuaSec's samples/loop: many connections one after the other, each with
-- its own handshake, from one context.
--   loop_client.lua PORT CAFILE COUNT
local socket = require("socket")
local ssl    = require("ssl")

local port, cafile, count = ...
local ctx = assert(ssl.newcontext { mode = "client", protocol = "any", cafile = cafile, verify = "peer",
                                    options = "all" })
local got = 0
for i = 1, tonumber(count) do
   local peer = socket.tcp()
   assert(peer:connect("127.0.0.1", tonumber(port)))
   peer = assert(ssl.wrap(peer, ctx))
   peer:settimeout(10)
   assert(peer:dohandshake())
   local line = peer:receive("*l")
   if line == "oneshot test " .. i then got = got + 1 end
   peer:close()
end
print("lines " .. got .. " of " .. count)
