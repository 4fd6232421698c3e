-- A luatls server for spec/malformed_spec.lua, run as its own process:
--   lua5.4 spec/support/malformed_server.lua
-- Makes a self-signed certificate, listens on 127.0.0.1 (port picked by the
-- kernel), prints "ready <port>", then serves connections one at a time and
-- prints for the n-th one either "conn <n> failed <message>" or
-- "conn <n> ok", then closes it.
local tls = require "tls"

io.stdout:setvbuf("line")

local cert, key = assert(tls.selfsigned { names = { "localhost", "127.0.0.1" } })
local ctx = assert(tls.context { mode = "server", certificate = cert, key = key })
local server = assert(tls.listen("127.0.0.1", 0, ctx))
local _, port = server:getsockname()
print("ready " .. port)

local n = 0
while true do
   local conn, err = server:accept()
   if conn then
      n = n + 1
      conn:settimeout(5)
      local ok, herr = conn:handshake()
      if ok then
         print(string.format("conn %d ok", n))
      else
         print(string.format("conn %d failed %s", n, tostring(herr)))
      end
      conn:close()
   elseif err ~= "timeout" then
      print("accept failed " .. tostring(err))
   end
end
