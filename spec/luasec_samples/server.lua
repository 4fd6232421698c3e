-- One-shot server (LuaSec's samples/oneshot, info, verification, alpn, chain
-- servers in one): accepts COUNT connections and answers each with a line.
--   server.lua CERT KEY [CAFILE|-] [ALPN,LIST|-] [COUNT] [PROTOCOL|-] [PAUSE]
-- With CAFILE the client must present a certificate under it; PAUSE seconds
-- pass between accept and the handshake.
local socket = require("socket")
local ssl    = require("ssl")

local cert, key, cafile, alpn, count, protocol, pause = ...
local params = {
   mode = "server",
   protocol = (protocol ~= "-" and protocol) or "any",
   key = key,
   certificate = cert,
   options = {"all", "no_sslv3"},
   ciphers = "ALL:!ADH:@STRENGTH",
}
if cafile and cafile ~= "-" then
   params.cafile = cafile
   params.verify = {"peer", "fail_if_no_peer_cert"}
else
   params.verify = "none"
end
if alpn and alpn ~= "-" then
   local list = {}
   for p in alpn:gmatch("[^,]+") do list[#list + 1] = p end
   params.alpn = list
end

local ctx = assert(ssl.newcontext(params))
local server = socket.tcp()
server:setoption("reuseaddr", true)
assert(server:bind("127.0.0.1", 0))
server:listen()
io.stdout:setvbuf("line")
print("listening " .. select(2, server:getsockname()))

for i = 1, tonumber(count) or 1 do
   local peer = assert(server:accept())
   peer = assert(ssl.wrap(peer, ctx))
   print("before handshake info: " .. tostring(peer:info()))
   peer:settimeout(10)
   if pause then socket.sleep(tonumber(pause)) end
   local ok, err = peer:dohandshake()
   if not ok then
      print("handshake failed: " .. tostring(err))
   else
      local info = peer:info()
      print("protocol " .. info.protocol .. " cipher " .. info.cipher)
      local cert = peer:getpeercertificate()
      if cert then
         for _, e in ipairs(cert:subject()) do
            if e.name == "commonName" then print("client CN " .. e.value) end
         end
         print("client verified " .. tostring((peer:getpeerverification())))
      end
      print("alpn " .. tostring(peer:getalpn()))
      peer:send("oneshot test " .. i .. "\n")
   end
   peer:close()
end
server:close()
