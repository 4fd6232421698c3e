-- LuaSec's samples/want: a non-blocking client that waits with
-- socket.select in the direction conn:want() names.
--   want_client.lua PORT CAFILE
local socket = require("socket")
local ssl    = require("ssl")

local port, cafile = ...
local waits, words = 0, {}

local function wait(peer, err)
   waits = waits + 1
   words[err] = true
   local w = peer:want()
   if w == "read" then
      socket.select({ peer }, nil, 10)
   elseif w == "write" then
      socket.select(nil, { peer }, 10)
   else
      error("want() says " .. tostring(w) .. " after " .. tostring(err))
   end
end

local peer = socket.tcp()
assert(peer:connect("127.0.0.1", tonumber(port)))
peer = assert(ssl.wrap(peer, { mode = "client", protocol = "any", cafile = cafile, verify = "peer",
                               options = "all" }))
peer:settimeout(0)
local ok, err = peer:dohandshake()
while not ok do
   assert(err == "wantread" or err == "wantwrite", err)
   wait(peer, err)
   ok, err = peer:dohandshake()
end
print("handshake done")
local line, rerr = peer:receive("*l")
while not line do
   assert(rerr == "wantread" or rerr == "wantwrite", rerr)
   wait(peer, rerr)
   line, rerr = peer:receive("*l")
end
print("received " .. line)
print("waited " .. (waits > 0 and "yes" or "no") .. " wantread " .. tostring(words.wantread == true))
peer:close()
