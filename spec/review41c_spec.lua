-- Review 41c: resumption across a servername switch. A ticket a server
-- issued for a name while the name had no context of its own must not let
-- the client skip a client certificate once the servername function sends
-- that name to a context with verify = "required" (the session's verdict
-- is judged under the context switched to, RFC 8446 4.6.1/4.2.11: a PSK is
-- used only where its authentication still holds). Both versions.
local tls = require "tls"
local E = require "spec.support.engines"
local certs = require "spec.support.certs"

-- A client engine on cctx for `name` (offering `session`) against a new
-- server engine on sctx, pumped to the end, the server's "t" read so that
-- a TLS 1.3 client has its tickets.
local function run(cctx, sctx, name, session)
   local c = assert(tls.engine(cctx, { servername = name, session = session }))
   local s = assert(tls.engine(sctx))
   assert(c:start())
   E.pump(c, s)
   if s:status().handshake_done then
      assert(s:write("t"))
      E.pump(s, c)
      c:read()
   end
   return c, s
end

describe("review41c: resumption and the servername switch", function()
   local m = certs.clients()
   -- One key for both contexts, as a fleet shares them: the listening
   -- context's ticket opens under the context switched to, so only the
   -- client-verification rule can refuse it.
   local keys = { tls.ticketkeys.generate() }
   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(version .. ": a ticket issued before the name mapped to a context requiring client certificates is not resumed there", function()
         local map = {}
         local strict = E.server_ctx { verify = "required", ca = m.ca, max_version = version, ticket_keys = keys }
         local listening = E.server_ctx { max_version = version, ticket_keys = keys, servername = function(n) return map[n] end }
         local anonymous = assert(tls.context { verify = false })
         local c, s = run(anonymous, listening, "s.example")
         assert.is_true(s:status().handshake_done)
         local session = assert(c:session())
         map["s.example"] = strict
         local c2, s2 = run(anonymous, listening, "s.example", session)
         assert.is_falsy(c2:info().resumed)
         assert.is_false(s2:status().handshake_done)
         assert.matches("requires one", s2:error(), 1, true)
      end)

      it(version .. ": a session made through the switched context resumes there with its verified client", function()
         local strict = E.server_ctx { verify = "required", ca = m.ca, max_version = version, ticket_keys = keys }
         local listening = E.server_ctx { max_version = version,
            servername = function(n) return n == "s.example" and strict or nil end }
         local with_cert = assert(tls.context { verify = false, certificate = m.ecdsa.cert, key = m.ecdsa.key })
         local c, s = run(with_cert, listening, "s.example")
         assert.is_true(s:info().peer_verified)
         local c2, s2 = run(with_cert, listening, "s.example", assert(c:session()))
         assert.is_true(c2:info().resumed)
         assert.is_true(s2:info().peer_verified)
         -- the same session under another name is another server: a full handshake
         local c3 = run(with_cert, listening, "other.example", c:session())
         assert.is_falsy(c3:info().resumed)
      end)
   end
end)

-- Review 41c F1: a session records which verify function judged its peer
-- (verifyid21), but the identity was read from the context when the
-- connection verified, while the function itself was copied into the
-- connection when it was made (review39). A connection made under a lax
-- function that the context then exchanged (the internal set_hook) for a
-- strict one judged its peer with the lax function and stamped the session
-- with the strict one's identity: connections made under the strict
-- function resumed that session, which it never judged (and would refuse).
describe("review41c: the verify function's identity is the one the connection took", function()
   local CTXM = require("tls.core").context_methods
   local m = certs.clients()
   local function lax() return true end
   local function strict() return false, "refused by the strict function" end

   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(version .. ": a client session judged by the function the engine was made with does not resume under the one set since", function()
         local sctx = E.server_ctx { max_version = version }
         local cctx = assert(tls.context { ca = E.CERT, verify = lax })
         local early = assert(tls.engine(cctx, { servername = "localhost" }))
         assert(CTXM.set_hook(cctx, "verify", strict))
         local s = assert(tls.engine(sctx))
         E.handshake(early, s)
         assert(s:write("t"))
         E.pump(s, early)
         assert.equal("t", early:read())
         local session = assert(early:session())
         local c = assert(tls.engine(cctx, { servername = "localhost", session = session }))
         local s2 = assert(tls.engine(sctx))
         assert(c:start())
         E.pump(c, s2)
         assert.is_falsy(c:info().resumed)
         assert.is_true(c:status().failed)
         assert.matches("refused by the strict function", (c:error()), 1, true)
      end)

      it(version .. ": a server does not resume, under the function set since, a client certificate judged by the one its connection was made with", function()
         local keys = { tls.ticketkeys.generate() }
         local sctx = E.server_ctx { max_version = version, verify = lax, ca = m.ca, ticket_keys = keys,
            session_store = version == "TLSv1.2" and tls.store.memory() or nil }
         local cctx = assert(tls.context { verify = false, certificate = m.ecdsa.cert, key = m.ecdsa.key })
         local early = assert(tls.engine(sctx))
         assert(CTXM.set_hook(sctx, "verify", strict))
         local c = assert(tls.engine(cctx, { servername = "localhost" }))
         E.handshake(c, early)
         assert(early:write("t"))
         E.pump(early, c)
         assert.equal("t", c:read())
         local c2 = assert(tls.engine(cctx, { servername = "localhost", session = assert(c:session()) }))
         local s2 = assert(tls.engine(sctx))
         assert(c2:start())
         E.pump(c2, s2)
         assert.is_falsy(s2:info().resumed)
         assert.is_true(s2:status().failed)
         assert.matches("refused by the strict function", (s2:error()), 1, true)
      end)
   end
end)
