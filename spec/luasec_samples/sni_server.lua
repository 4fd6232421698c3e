-- LuaSec's samples/sni server: one certificate per name, chosen from the
-- client's SNI through conn:sni(map, strict).
--   sni_server.lua CERT1 KEY1 NAME1 CERT2 KEY2 NAME2 STRICT COUNT
local socket = require("socket")
local ssl    = require("ssl")

local cert1, key1, name1, cert2, key2, name2, strict, count = ...
local function context(cert, key)
   return assert(ssl.newcontext { mode = "server", protocol = "any", certificate = cert, key = key,
                                  verify = "none", options = "all", ciphers = "ALL:!ADH:@STRENGTH" })
end
local ctx1, ctx2 = context(cert1, key1), context(cert2, key2)
local server = socket.tcp()
server:setoption("reuseaddr", true)
assert(server:bind("127.0.0.1", 0))
server:listen()
io.stdout:setvbuf("line")
print("listening " .. select(2, server:getsockname()))
for _ = 1, tonumber(count) do
   local conn = assert(ssl.wrap(assert(server:accept()), ctx1))
   conn:sni({ [name1] = ctx1, [name2] = ctx2 }, strict == "strict")
   conn:settimeout(10)
   local ok, err = conn:dohandshake()
   if ok then
      print("client asked for " .. tostring(conn:getsniname()))
      conn:send("one line\n")
   else
      print("handshake failed")
   end
   conn:close()
end
