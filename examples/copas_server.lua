-- A TLS echo server on copas (Debian's lua-copas 1.x): every client in its
-- own coroutine, one thread.
--   lua5.4 examples/copas_server.lua CERT KEY [HOST] [PORT] [COUNT]
-- tls.copas.addserver hands each handler a connection whose calls yield to
-- copas while they wait. COUNT stops it after that many connections
-- (default: serve forever).
local here = arg[0]:match("^(.*)/examples/[^/]*$") or "."
package.path = here .. "/lua/?.lua;" .. package.path .. ";/usr/share/lua/5.2/?.lua"
package.cpath = here .. "/build/?.so;" .. package.cpath
local copas = require "copas"
local tls = require "tls"

local cert, key = arg[1], arg[2]
local host, port, count = arg[3] or "127.0.0.1", tonumber(arg[4] or 0), tonumber(arg[5])
if not (cert and key) then
   io.stderr:write("usage: copas_server.lua CERT KEY [HOST] [PORT] [COUNT]\n")
   os.exit(2)
end
io.stdout:setvbuf("line")

local ctx = assert(tls.context { mode = "server", certificate = cert, key = key })
local server = assert(tls.listen(host, port, ctx))
local ip, actual_port = server:getsockname()
print("listening on " .. ip .. " port " .. actual_port)

local accepted, ended = 0, 0
tls.copas.addserver(server, function(conn)
   accepted = accepted + 1
   local id = accepted
   local ok, err = conn:handshake()
   if not ok then
      print("client " .. id .. ": handshake failed: " .. err)
   else
      local info = conn:info()
      print("client " .. id .. ": " .. info.version .. " " .. info.cipher)
      while true do                         -- echo line by line until the client goes
         local line = conn:receive("*l")
         if not line then break end
         conn:send(line .. "\n")
      end
   end
   ended = ended + 1                        -- the connection is closed on return
end)

while not count or ended < count do copas.step() end
server:close()
print("served " .. ended .. " connections")
