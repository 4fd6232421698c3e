-- One-shot client (LuaSec's samples/oneshot and verification clients):
--   client.lua PORT CAFILE|- [NAME|-] [CERT KEY|- -] [VERIFY] [ALPN,LIST|-]
-- VERIFY is "peer" (default) or "none". NAME is given to conn:sni().
local socket = require("socket")
local ssl    = require("ssl")

local port, cafile, name, cert, key, verify, alpn = ...
local params = {
   mode = "client",
   protocol = "any",
   verify = verify or "peer",
   options = "all",
}
if cafile ~= "-" then params.cafile = cafile end
if cert and cert ~= "-" then params.certificate, params.key = cert, key end
if alpn and alpn ~= "-" then
   local list = {}
   for p in alpn:gmatch("[^,]+") do list[#list + 1] = p end
   params.alpn = list
end

local peer = socket.tcp()
assert(peer:connect("127.0.0.1", tonumber(port)))
peer = assert(ssl.wrap(peer, params))
print("wrapped " .. tostring(peer):match("^%S+"))
if name and name ~= "-" then peer:sni(name) end
peer:settimeout(10)
local ok, err = peer:dohandshake()
print("handshake " .. tostring(ok) .. (ok and "" or (" " .. tostring(err))))
if ok then
   print("verification", peer:getpeerverification())
   print("alpn " .. tostring(peer:getalpn()))
   print("received " .. tostring(peer:receive("*l")))
end
peer:close()
