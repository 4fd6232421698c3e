-- Session 20 security review of the C engine: what it found, one test each.
-- 1. A TLS 1.3 server opened a ticket with whatever keys the context held
--    when its connection was made: a key that automatic rotation
--    (ticket_key_lifetime) should have dropped by the time the ClientHello
--    came still opened tickets, where TLS 1.2 (open_session) rotates and
--    drops first. The keys are now brought up to date before a TLS 1.3
--    ticket is opened too (hs/tls13_psk_server.c).
local tls = require "tls"
local E = require "spec.support.engines"

describe("review20: ticket keys past their time", function()
   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(version .. ": a connection made before its ticket's key was dropped does not resume with it", function()
         local decisions = {}
         local sctx = E.server_ctx { max_version = version, ticket_key_lifetime = 100, trace = function(ev)
            if ev.message == "resumption" then decisions[#decisions + 1] = tostring(ev.reason) end
         end }
         local cctx = assert(tls.context { ca = E.CERT, max_version = version })
         local session = E.first_session(cctx, sctx)
         local first = sctx:ticketkeynames()
         assert.equal(1, #first)
         -- The server's connection is made now (keys refreshed at offset 0);
         -- its client's hello comes after 250 s, when the ticket's key has
         -- sealed for 100 s and opened for 100 s more: it is past its time.
         local c = assert(tls.engine(cctx, { servername = "localhost", session = session }))
         local s = assert(tls.engine(sctx))
         -- Both clocks move (a TLS 1.3 server checks the ticket's age
         -- against the client's).
         sctx:set_clock_offset(250)
         cctx:set_clock_offset(250)
         E.handshake(c, s)
         assert.is_false(s:info().resumed)
         assert.is_false(c:info().resumed)
         local names = sctx:ticketkeynames()
         assert.equal(1, #names)
         assert.are_not.equal(first[1], names[1])
         local last = table.concat(decisions, " | ")
         assert.truthy(last:find("not a ticket of ours", 1, true) or last:find("not sealed by any of our", 1, true),
            last)
      end)

      it(version .. ": the same connection resumes while the key still opens (the test's control)", function()
         local sctx = E.server_ctx { max_version = version, ticket_key_lifetime = 100 }
         local cctx = assert(tls.context { ca = E.CERT, max_version = version })
         local session = E.first_session(cctx, sctx)
         local c = assert(tls.engine(cctx, { servername = "localhost", session = session }))
         local s = assert(tls.engine(sctx))
         sctx:set_clock_offset(150)
         cctx:set_clock_offset(150)
         E.handshake(c, s)
         assert.is_true(s:info().resumed)
      end)
   end
end)
