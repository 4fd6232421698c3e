-- A peer that refuses us after our handshake is over on our side (a TLS 1.3
-- server rejecting our client certificate) sends its alert and resets the
-- connection. The reset makes our next send fail; the caller must still be
-- told the peer's reason, not a bare "closed".
local tls = require "tls"
local socket = require "socket"
local certs = require "spec.support.certs"
local peers = require "spec.support.peers"
local proc = require "spec.support.proc"

describe("a peer's parting alert", function()
   local c, cl, server, port
   setup(function()
      c, cl = certs.get(), certs.clients()
      server = proc.spawn(string.format("%s spec/support/rejecting_server.py %s %s %s 3", peers.python(),
         c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, cl.ca))
      port = proc.wait_output(server, "^(%d+)\n")
   end)
   teardown(function()
      if server then server:kill() end
   end)

   it("is reported by the send that fails on the reset, and by receive after it", function()
      local ctx = assert(tls.context { ca = c.ca, certificate = cl.untrusted.cert, key = cl.untrusted.key })
      for _ = 1, 3 do
         local conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost" }))
         conn:settimeout(5) -- a planted bug must fail the test, not hang it
         -- sends succeed until the server's refusal and reset arrive
         local ok, err
         for _ = 1, 200 do
            ok, err = conn:send("hello\n")
            if not ok then break end
            socket.sleep(0.05)
         end
         assert.is_nil(ok)
         assert.are.equal("peer sent alert unknown_ca (48)", err)
         local data, rerr = conn:receive()
         assert.is_nil(data)
         assert.are.equal("peer sent alert unknown_ca (48)", rerr)
         conn:close()
      end
   end)
end)
