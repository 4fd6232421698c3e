-- A connected pair of LuaSocket TCP sockets on 127.0.0.1: the client end
-- first, then the end the listener accepted. The listener is closed before
-- returning, so nothing else can connect to the pair's port.
local socket = require "socket"

return function()
   local listener = assert(socket.bind("127.0.0.1", 0))
   local _, port = listener:getsockname()
   local client = assert(socket.connect("127.0.0.1", port))
   local server = assert(listener:accept())
   listener:close()
   return client, server
end
