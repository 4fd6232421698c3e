-- The LuaSec side of spec/interop_luasec_spec.lua, run in its own process
-- (LuaSec blocks, and keeping the two libraries apart keeps the test honest).
--   luasec_peer.lua server CERT KEY      prints "ready <port>", then for each
--       connection reads a line and answers "<protocol> <cipher> <line>", then
--       prints "finished <hex> <hex>" (its getfinished, getpeerfinished)
--   luasec_peer.lua client PORT CAFILE [CERT KEY [PROTOCOL]]
--       sends a line (with a client certificate when given), prints the answer
local socket = require "socket"
local ssl = require "ssl"

io.stdout:setvbuf("line")
local role = arg[1]

if role == "server" then
   local ctx = assert(ssl.newcontext {
      mode = "server", protocol = arg[4] or "tlsv1_3", certificate = arg[2], key = arg[3],
      verify = "none", options = "all",
   })
   local srv = assert(socket.bind("127.0.0.1", 0))
   local _, port = srv:getsockname()
   print("ready " .. port)
   while true do
      local raw = assert(srv:accept())
      raw:settimeout(10)
      local conn = assert(ssl.wrap(raw, ctx))
      local ok, err = conn:dohandshake()
      if ok then
         local line = conn:receive("*l")
         local info = conn:info()
         conn:send(string.format("%s %s %s\n", info.protocol, info.cipher, tostring(line)))
         print("served " .. info.protocol .. " " .. info.cipher)
         local hex = function(s) return (tostring(s):gsub(".", function(b) return ("%02x"):format(b:byte()) end)) end
         print("finished " .. hex(conn:getfinished()) .. " " .. hex(conn:getpeerfinished()))
      else
         print("failed " .. tostring(err))
      end
      conn:close()
   end
elseif role == "client" then
   local ctx = assert(ssl.newcontext {
      mode = "client", protocol = arg[6] or "tlsv1_3", cafile = arg[3], verify = "peer", options = "all",
      certificate = arg[4], key = arg[5],
   })
   local raw = assert(socket.connect("127.0.0.1", tonumber(arg[2])))
   raw:settimeout(10)
   local conn = assert(ssl.wrap(raw, ctx))
   conn:sni("localhost")
   assert(conn:dohandshake())
   local info = conn:info()
   print("negotiated " .. info.protocol .. " " .. info.cipher)
   assert(conn:send("hello from luasec\n"))
   print("answer " .. tostring(conn:receive("*l")))
   conn:close()
else
   error("usage: luasec_peer.lua server CERT KEY | client PORT CAFILE")
end
