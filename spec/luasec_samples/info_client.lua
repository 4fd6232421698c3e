-- LuaSec's samples/info: what info() says before and after the handshake.
--   info_client.lua PORT CAFILE PROTOCOL
local socket = require("socket")
local ssl    = require("ssl")

local port, cafile, protocol = ...
local peer = socket.tcp()
assert(peer:connect("127.0.0.1", tonumber(port)))
peer = assert(ssl.wrap(peer, { mode = "client", protocol = protocol, cafile = cafile,
                               verify = "peer", options = "all" }))
print("before " .. tostring(peer:info()))
assert(peer:dohandshake())
local info = peer:info()
for _, k in ipairs { "protocol", "cipher", "bits", "algbits", "key", "authentication", "encryption",
                     "mac", "export" } do
   print(k .. " " .. tostring(math.tointeger(info[k]) or info[k]))
end
print("field protocol " .. tostring(peer:info("protocol")))
print("compression " .. tostring(peer:info("compression")))
print("received " .. tostring(peer:receive("*l")))
peer:close()
