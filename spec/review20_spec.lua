-- Session 20 security review of the C engine: what it found, one test each.
-- 1. A TLS 1.3 server opened a ticket with whatever keys the context held
--    when its connection was made: a key that automatic rotation
--    (ticket_key_lifetime) should have dropped by the time the ClientHello
--    came still opened tickets, where TLS 1.2 (open_session) rotates and
--    drops first. The keys are now brought up to date before a TLS 1.3
--    ticket is opened too (hs/tls13_psk_server.c).
-- The setters are internal (not methods of a context): tls.core's table.
local CTXM = require("tls.core").context_methods
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
         CTXM.set_clock_offset(sctx, 250)
         CTXM.set_clock_offset(cctx, 250)
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
         CTXM.set_clock_offset(sctx, 150)
         CTXM.set_clock_offset(cctx, 150)
         E.handshake(c, s)
         assert.is_true(s:info().resumed)
      end)
   end
end)

-- 2. A TLS 1.3 client stamped the session of a NewSessionTicket with the
--    trust settings of the moment the ticket came (trust anchors and CRLs
--    are shared with the context and may grow), not those its server's
--    certificate was verified under: a CRL loaded after the handshake,
--    revoking that certificate, then stood in the stamp as if it had been
--    checked, and the session resumed on connections that check it.
describe("review20: a session's stamp is of the settings its peer was verified under", function()
   local K = require("spec.support.certs_crl").get()
   local proc = require "spec.support.proc"
   local E = require "spec.support.engines"

   local function pem(path)
      local f = assert(io.open(path))
      local t = f:read("a")
      f:close()
      return t
   end

   -- Two CRLs of the root: one revoking nothing, then (a second later, so
   -- that it is the newer) the root's own, revoking K.revoked.
   local empty_crl, revoking_crl
   local function crls()
      if empty_crl then return empty_crl, revoking_crl end
      local sh = function(cmd)
         local code, out = proc.capture("cd " .. proc.quote(K.dir) .. " && " .. cmd)
         assert(code == 0, cmd .. ": " .. tostring(out))
      end
      sh("mkdir -p db_r20 && : > db_r20/index.txt && echo 1000 > db_r20/serial && echo 01 > db_r20/crlnumber")
      sh("DB=db_r20 openssl ca -config ca.cnf -cert root.pem -keyfile root.key -gencrl -out r20_empty.crl")
      sh("sleep 1.1")
      sh("DB=db_root openssl ca -config ca.cnf -cert root.pem -keyfile root.key -gencrl -out r20_revoking.crl")
      empty_crl, revoking_crl = pem(K.dir .. "/r20_empty.crl"), pem(K.dir .. "/r20_revoking.crl")
      return empty_crl, revoking_crl
   end

   it("TLSv1.3: a CRL loaded between the handshake and the ticket does not count as checked", function()
      local empty, revoking = crls()
      local cctx = assert(tls.context { ca = K.ca, max_version = "TLSv1.3" })
      assert(CTXM.load_crl(cctx, empty))
      local sctx = E.server_ctx { certificate = K.revoked.cert, key = K.revoked.key, max_version = "TLSv1.3" }
      local c, s = assert(tls.engine(cctx, { servername = "localhost" })), assert(tls.engine(sctx))
      -- By hand, so that the server's tickets wait: ClientHello, the
      -- server's flight, the client's Finished (the client is done).
      assert(c:start())
      assert(s:feed(c:output()))
      assert(c:feed(s:output()))
      assert(s:feed(c:output()))
      assert.is_true(c:status().handshake_done)
      assert.is_true(c:info().peer_verified)
      assert.is_nil(c:session())
      -- The server's certificate is revoked now; its tickets come after.
      assert(CTXM.load_crl(cctx, revoking))
      assert(s:write("tickets first"))
      E.pump(s, c, { strict = true })
      assert.equal("tickets first", c:read())
      local session = assert(c:session())
      local c2 = assert(tls.engine(cctx, { servername = "localhost", session = session }))
      local s2 = assert(tls.engine(sctx))
      assert(c2:start())
      E.pump(c2, s2)
      assert.is_false(c2:info() ~= nil and c2:info().resumed == true, "resumed with a revoked certificate")
      assert.is_false(c2:status().handshake_done, "connected to a revoked server")
      local msg, alert = c2:error()
      assert.are.equal("certificate_revoked", alert, msg)
   end)

   it("TLSv1.3: a resumed connection's tickets keep its session's settings, not those of when they come",
      function()
      local empty, revoking = crls()
      local cctx = assert(tls.context { ca = K.ca, max_version = "TLSv1.3" })
      assert(CTXM.load_crl(cctx, empty))
      local sctx = E.server_ctx { certificate = K.revoked.cert, key = K.revoked.key, max_version = "TLSv1.3" }
      local first = E.first_session(cctx, sctx)
      -- Resumed by hand, its new tickets held back while the CRL comes.
      local c = assert(tls.engine(cctx, { servername = "localhost", session = first }))
      local s = assert(tls.engine(sctx))
      assert(c:start())
      assert(s:feed(c:output()))
      assert(c:feed(s:output()))
      assert(s:feed(c:output()))
      assert.is_true(c:info().resumed)
      assert(CTXM.load_crl(cctx, revoking))
      assert(s:write("tickets first"))
      E.pump(s, c, { strict = true })
      assert.equal("tickets first", c:read())
      local session = assert(c:session())
      assert.are_not.equal(first, session)
      local c2 = assert(tls.engine(cctx, { servername = "localhost", session = session }))
      assert(c2:start())
      E.pump(c2, assert(tls.engine(sctx)))
      assert.is_false(c2:info() ~= nil and c2:info().resumed == true, "resumed with a revoked certificate")
      local msg, alert = c2:error()
      assert.are.equal("certificate_revoked", alert, msg)
   end)

   it("TLSv1.3: the same session resumes when nothing changed in between (the test's control)", function()
      local empty = crls()
      local cctx = assert(tls.context { ca = K.ca, max_version = "TLSv1.3" })
      assert(CTXM.load_crl(cctx, empty))
      local sctx = E.server_ctx { certificate = K.revoked.cert, key = K.revoked.key, max_version = "TLSv1.3" }
      local session = E.first_session(cctx, sctx)
      local c2 = assert(tls.engine(cctx, { servername = "localhost", session = session }))
      E.handshake(c2, assert(tls.engine(sctx)))
      assert.is_true(c2:info().resumed)
   end)
end)
