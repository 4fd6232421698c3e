-- LuaSec's samples/wantwrite, turned around: a non-blocking server sends
-- more than the socket buffers hold to a client that reads late, and waits
-- for "wantwrite" with socket.select.
--   wantwrite_server.lua CERT KEY BYTES
local socket = require("socket")
local ssl    = require("ssl")

local cert, key, bytes = ...
bytes = tonumber(bytes)
local ctx = assert(ssl.newcontext { mode = "server", protocol = "any", certificate = cert, key = key,
                                    verify = "none", options = "all" })
local server = socket.tcp()
server:setoption("reuseaddr", true)
assert(server:bind("127.0.0.1", 0))
server:listen()
io.stdout:setvbuf("line")
print("listening " .. select(2, server:getsockname()))

local peer = assert(ssl.wrap(assert(server:accept()), ctx))
peer:settimeout(10)
assert(peer:dohandshake())
peer:settimeout(0)
local data = string.rep("0123456789abcdef", bytes // 16)
local i, wantwrite = 1, 0
while i <= #data do
   local last, err, partial = peer:send(data, i)
   if last then
      i = last + 1
   else
      assert(err == "wantwrite" or err == "wantread", err)
      if err == "wantwrite" then wantwrite = wantwrite + 1 end
      i = (partial or i - 1) + 1
      socket.select(err == "wantread" and { peer } or nil, err == "wantwrite" and { peer } or nil, 10)
   end
end
print("sent " .. string.format("%d", i - 1) .. " wantwrite " .. (wantwrite > 0 and "yes" or "no"))
peer:settimeout(10)
peer:close()
server:close()
