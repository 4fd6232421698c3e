-- A TLS 1.3 echo server: sends every line it receives back to the client.
--   lua5.4 examples/echo_server.lua CERT KEY [HOST] [PORT] [COUNT]
-- CERT and KEY are PEM files; PORT 0 (the default) lets the system choose;
-- COUNT stops after that many connections (default: serve forever).
local here = arg[0]:match("^(.*)/examples/[^/]*$") or "."
package.path = here .. "/lua/?.lua;" .. package.path
package.cpath = here .. "/build/?.so;" .. package.cpath
local tls = require "tls"

local cert, key = arg[1], arg[2]
local host, port, count = arg[3] or "127.0.0.1", tonumber(arg[4] or 0), tonumber(arg[5])
if not (cert and key) then
   io.stderr:write("usage: echo_server.lua CERT KEY [HOST] [PORT] [COUNT]\n")
   os.exit(2)
end

local ctx = assert(tls.context { mode = "server", certificate = cert, key = key })
local server = assert(tls.listen(host, port, ctx))
local ip, actual_port = server:getsockname()
print("listening on " .. ip .. " port " .. actual_port)
io.stdout:flush()

local served = 0
while not count or served < count do
   local conn, err = server:accept()
   if not conn then
      print("accept failed: " .. err)
   else
      served = served + 1
      conn:settimeout(30)
      local ok, herr = conn:handshake()
      if not ok then
         print("handshake failed: " .. herr)
      else
         -- Echo line by line until the client goes away.
         while true do
            local line = conn:receive("*l")
            if not line then break end
            conn:send(line .. "\n")
         end
      end
      conn:close()
   end
   io.stdout:flush()
end
server:close()
