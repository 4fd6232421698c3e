-- A server-side connection (tls.wrap over LuaSocket, timeout 30) whose
-- client never speaks: its handshake waits for ever, so calls on it wait
-- until something else ends them. Returns the connection and the client's
-- plain socket (to close at the end).
local tls = require "tls"
local E = require "spec.support.engines"
local socket = require "socket"

return function()
   local l = assert(socket.bind("127.0.0.1", 0))
   local _, port = l:getsockname()
   local client = assert(socket.connect("127.0.0.1", port))
   local s = assert(l:accept())
   l:close()
   local conn = assert(tls.wrap(s, E.server_ctx()))
   conn:settimeout(30)
   return conn, client
end
