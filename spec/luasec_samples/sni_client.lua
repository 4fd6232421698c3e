-- LuaSec's samples/sni client: asks for a name, prints whose certificate came.
--   sni_client.lua PORT CAFILE NAME
local socket = require("socket")
local ssl    = require("ssl")

local port, cafile, name = ...
local conn = socket.tcp()
assert(conn:connect("127.0.0.1", tonumber(port)))
conn = assert(ssl.wrap(conn, { mode = "client", protocol = "any", cafile = cafile, verify = "peer",
                               options = "all" }))
conn:sni(name)
conn:settimeout(10)
local ok, err = conn:dohandshake()
if not ok then
   print("handshake failed")
else
   local cert = conn:getpeercertificate()
   for _, e in ipairs(cert:subject()) do
      if e.name == "commonName" then print("certificate CN " .. e.value) end
   end
   print("sni " .. conn:getsniname())
   print("received " .. tostring(conn:receive("*l")))
end
conn:close()
