-- Reads BYTES after a pause (the peer of wantwrite_server.lua).
--   slow_client.lua PORT PAUSE BYTES
local socket = require("socket")
local ssl    = require("ssl")

local port, pause, bytes = ...
local peer = socket.tcp()
assert(peer:connect("127.0.0.1", tonumber(port)))
peer = assert(ssl.wrap(peer, { mode = "client", protocol = "any", verify = "none", options = "all" }))
peer:settimeout(10)
assert(peer:dohandshake())
socket.sleep(tonumber(pause))
local data, err = peer:receive(tonumber(bytes))
print("received " .. (data and #data or 0) .. " " .. tostring(err)
      .. " intact " .. tostring(data == string.rep("0123456789abcdef", tonumber(bytes) // 16)))
peer:close()
