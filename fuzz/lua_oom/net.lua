-- Shared by the lua_oom scripts that drive connections over real sockets
-- (socket.lua, dropin.lua) without blocking.
local socket = require "socket"

local N = {}

-- Passes on a result, lets the waits of a non-blocking call through, and
-- raises on any other failure with the step's name.
function N.step(what, ok, err)
   if ok or err == "wantread" or err == "wantwrite" or err == "timeout" then return ok end
   error(what .. ": " .. tostring(err), 0)
end

-- A connected TCP pair on 127.0.0.1: the client end, then the accepted one.
function N.tcp_pair()
   local listener = assert(socket.bind("127.0.0.1", 0))
   local ip, port = listener:getsockname()
   local a = assert(socket.connect(ip, port))
   local b = assert(listener:accept())
   listener:close()
   return a, b
end

return N
