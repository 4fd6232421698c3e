-- A TLS client and server wrapped over a socket pair in this process
-- (spec.support.tcppair), both handshakes stepped at timeout 0 until done,
-- then left at timeout 5. client_opts: tls.wrap's third argument for the
-- client (servername "localhost" unless given). Also returns the client's
-- and the server's LuaSocket sockets (to close TCP under TLS).
local tls = require "tls"
local tcppair = require "spec.support.tcppair"

return function(cctx, sctx, client_opts)
   local a, b = tcppair()
   local opts = { servername = "localhost" }
   for k, v in pairs(client_opts or {}) do opts[k] = v end
   local client = assert(tls.wrap(a, cctx, opts))
   local server = assert(tls.wrap(b, sctx))
   client:settimeout(0); server:settimeout(0)
   local cdone, sdone
   for _ = 1, 200 do
      if not cdone then cdone = client:handshake() end
      if not sdone then sdone = server:handshake() end
      if cdone and sdone then break end
   end
   assert(cdone and sdone, "handshake did not complete")
   client:settimeout(5); server:settimeout(5)
   return client, server, a, b
end
