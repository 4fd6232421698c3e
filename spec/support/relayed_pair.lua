-- A TLS client and server over two TCP pairs, the test in the middle:
--   client -> [a1 a2] -> the test -> [b1 b2] -> server
-- what the client sends reaches the server only as the test passes it on,
-- in pieces it chooses. The handshake (a version's, "TLSv1.3" or
-- "TLSv1.2") is relayed whole; both ends are left at timeout 0.
--   r.client, r.server  the wrapped connections
--   r.a2, r.b1          the test's ends
--   r.take(settle)      what the client sent that the server has not been
--                       given yet; with settle, until nothing more comes
--                       for 50 ms (loopback delivery is not immediate on a
--                       loaded machine). r.client_closed once a2 saw the close.
--   r.back()            passes all the server has sent on to the client
local tls = require "tls"
local certs = require "spec.support.certs"
local tcppair = require "spec.support.tcppair"
local socket = require "socket"

return function(version)
   local c = certs.get()
   local a1, a2 = tcppair()
   local b1, b2 = tcppair()
   a2:settimeout(0); b1:settimeout(0)
   local cctx = assert(tls.context { mode = "client", ca = c.ca, max_version = version })
   local sctx = assert(tls.context { mode = "server", certificate = c.leaf.ecdsa_p256.cert,
      key = c.leaf.ecdsa_p256.key, tickets = 0 })
   local client = assert(tls.wrap(a1, cctx, { servername = "localhost" }))
   local server = assert(tls.wrap(b2, sctx))
   client:settimeout(0); server:settimeout(0)
   local r = { client = client, server = server, a2 = a2, b1 = b1 }
   function r.take(settle)
      local parts = {}
      while true do
         local data, err, partial = a2:receive(65536)
         local got = data or partial
         if got and #got > 0 then parts[#parts + 1] = got end
         if not data then
            if err == "closed" then r.client_closed = true end
            if not settle or err == "closed" or #socket.select({ a2 }, nil, 0.05) == 0 then break end
         end
      end
      return table.concat(parts)
   end
   function r.back()
      while true do
         local data, err, partial = b1:receive(65536)
         local got = data or partial
         if got and #got > 0 then assert(a2:send(got)) end
         if not data then return err end
      end
   end
   local cdone, sdone
   for _ = 1, 400 do
      if not cdone then cdone = client:handshake() end
      local fwd = r.take()
      if #fwd > 0 then assert(b1:send(fwd)) end
      if not sdone then sdone = server:handshake() end
      r.back()
      if cdone and sdone then break end
   end
   assert(cdone and sdone, "handshake did not complete")
   return r
end
