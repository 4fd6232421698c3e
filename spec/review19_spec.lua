-- Review of session 19 (what session 18 changed). A connection verifies
-- with the settings it took from its context when it was made (c->pol,
-- engine/tls_conn_int.h); a session it makes must record those settings,
-- and a session it is handed must be judged against them: never against
-- what the context says at that moment. Otherwise a connection made under
-- weaker settings (a lower security_level, CRLs for the leaf only) stamps
-- its session with the stricter settings set on the context while its
-- handshake ran, and a later connection under the stricter settings
-- resumes a peer they would have refused (a resumed handshake carries no
-- certificate: engine/tls_resume.c).
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local E = require "spec.support.engines"
local K = require("spec.support.certs_crl").get()

local KEY = require("tls.ticketkeys").generate() -- shared by every server context here
local SETTINGS = "the session was made under other verification settings"

-- Any string in the trace events matching `text` (plain).
local function traced(events, text)
   local function walk(t)
      for _, v in pairs(t) do
         if type(v) == "string" and v:find(text, 1, true) then return true end
         if type(v) == "table" and walk(v) then return true end
      end
   end
   for _, ev in ipairs(events) do
      if walk(ev) then return true end
   end
   return false
end

-- A context (opts on top of base) whose trace events go to the list returned.
local function ctx_traced(base, opts)
   local events = {}
   local o = E.merge(E.merge(base, opts), { trace = function(ev) events[#events + 1] = ev end })
   return assert(tls.context(o)), events
end

-- Client c and server s: handshake, then the server's text read by the
-- client (TLS 1.3: with the tickets); the client's session text.
local function session_of(c, s)
   E.handshake(c, s)
   assert(s:write("tickets first"))
   E.pump(s, c, { strict = true })
   assert.equal("tickets first", c:read())
   return assert(c:session())
end

-- Engines c (client, for localhost, offering `session` if given) and s,
-- pumped until both are done or failed.
local function run(c, s)
   assert(c:start())
   E.pump(c, s)
   return c, s
end

for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
   local function server_ctx(extra)
      return E.server_ctx(E.merge({ certificate = K.good.cert, key = K.good.key, ticket_keys = { KEY },
                                    max_version = version }, extra))
   end
   local function client_ctx(extra)
      return ctx_traced({ mode = "client", ca = K.ca, max_version = version }, extra)
   end

   describe("review19 (" .. version .. "): a client session records the settings that verified it", function()
      it("made at security_level 1 while the context went to 3: only a level-1 connection resumes it", function()
         local sctx = server_ctx()
         local cctx = client_ctx { security_level = 1 }
         local c = assert(tls.engine(cctx, { servername = "localhost" }))
         CTXM.set_security_level(cctx, 3) -- for connections made from now on
         local session = session_of(c, assert(tls.engine(sctx)))
         -- a connection at level 3 must verify the server itself
         local strict, events = client_ctx { security_level = 3 }
         local c2 = run(assert(tls.engine(strict, { servername = "localhost", session = session })),
                        assert(tls.engine(sctx)))
         assert.is_nil(c2:error())
         assert.is_false(c2:info().resumed, "a session verified at level 1 resumed at level 3")
         assert.is_true(traced(events, SETTINGS))
         -- one at level 1, as it was made, resumes it
         local c3 = run(assert(tls.engine((client_ctx { security_level = 1 }),
                                          { servername = "localhost", session = session })),
                        assert(tls.engine(sctx)))
         assert.is_true(c3:info().resumed)
      end)

      it("made with CRLs for the leaf only while the context turned on crl_check_all: not resumed past a "
         .. "revoked intermediate", function()
         local sctx = server_ctx { certificate = K.via_revoked.cert, key = K.via_revoked.key }
         local crls = { K.crl_root, K.crl_inter_revoked }
         local cctx = client_ctx { crl = crls }
         local c = assert(tls.engine(cctx, { servername = "localhost" }))
         CTXM.set_crl_check_all(cctx, true)
         local session = session_of(c, assert(tls.engine(sctx)))
         -- the context as it is now checks every certificate of the chain
         local c2 = run(assert(tls.engine(cctx, { servername = "localhost", session = session })),
                        assert(tls.engine(sctx)))
         assert.is_false(c2:info().resumed, "resumed a server whose intermediate is revoked")
         local msg, alert = c2:error()
         assert.are.equal("certificate_revoked", alert, msg)
      end)

      it("handed a session made at level 1, a level-3 connection does not offer it after the context "
         .. "went back to 1", function()
         local sctx = server_ctx()
         local loose = client_ctx { security_level = 1 }
         local session = session_of(assert(tls.engine(loose, { servername = "localhost" })),
                                    assert(tls.engine(sctx)))
         local cctx, events = client_ctx { security_level = 3 }
         local c = assert(tls.engine(cctx, { servername = "localhost", session = session }))
         CTXM.set_security_level(cctx, 1)
         run(c, assert(tls.engine(sctx)))
         assert.is_nil(c:error())
         assert.is_false(c:info().resumed, "a level-3 connection resumed a session verified at level 1")
         assert.is_true(traced(events, SETTINGS))
      end)
   end)

   describe("review19 (" .. version .. "): a server session holding a client certificate", function()
      local function mtls_server(extra)
         return ctx_traced({ mode = "server", certificate = E.CERT, key = E.KEY, ticket_keys = { KEY },
                             max_version = version, verify = "required", ca = K.ca }, extra)
      end
      local function mtls_client()
         return (client_ctx { ca = E.CERT, certificate = K.good.cert, key = K.good.key })
      end

      it("made at security_level 1 while the context went to 3: only a level-1 server resumes it", function()
         local sctx = mtls_server { security_level = 1 }
         local s = assert(tls.engine(sctx))
         CTXM.set_security_level(sctx, 3)
         local session = session_of(assert(tls.engine(mtls_client(), { servername = "localhost" })), s)
         local strict, events = mtls_server { security_level = 3 }
         local _, s2 = run(assert(tls.engine(mtls_client(), { servername = "localhost", session = session })),
                           assert(tls.engine(strict)))
         assert.is_nil(s2:error())
         assert.is_false(s2:info().resumed, "a client verified at level 1 resumed at level 3")
         assert.is_true(s2:info().peer_verified)
         assert.is_true(traced(events, SETTINGS))
         local _, s3 = run(assert(tls.engine(mtls_client(), { servername = "localhost", session = session })),
                           assert(tls.engine((mtls_server { security_level = 1 }))))
         assert.is_true(s3:info().resumed)
      end)

      it("made at level 1 is not resumed by a level-3 connection after the context went back to 1", function()
         local session = session_of(assert(tls.engine(mtls_client(), { servername = "localhost" })),
                                    assert(tls.engine((mtls_server { security_level = 1 }))))
         local sctx, events = mtls_server { security_level = 3 }
         local s = assert(tls.engine(sctx))
         CTXM.set_security_level(sctx, 1)
         run(assert(tls.engine(mtls_client(), { servername = "localhost", session = session })), s)
         assert.is_nil(s:error())
         assert.is_false(s:info().resumed, "a level-3 connection resumed a client verified at level 1")
         assert.is_true(traced(events, SETTINGS))
      end)
   end)
end

-- README (Contexts): "What is added rather than set is shared: trust
-- anchors and CRLs loaded into the context ... apply to connections
-- already made." Loading the first CRL also turns the CRL check on: a
-- connection made before it took "no CRL check" and must not ignore it.
describe("review19: a CRL loaded into a context that had none", function()
   local function pem(path)
      local f = assert(io.open(path))
      local t = f:read("a")
      f:close()
      return t
   end

   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(version .. ": applies to a client made before it: a revoked server is refused", function()
         local cctx = assert(tls.context { ca = K.ca, max_version = version })
         local c = assert(tls.engine(cctx, { servername = "localhost" }))
         assert(CTXM.load_crl(cctx, pem(K.crl_root)))
         local s = E.server_engine { certificate = K.revoked.cert, key = K.revoked.key }
         run(c, s)
         assert.is_false(c:status().handshake_done, "connected to a revoked server")
         local msg, alert = c:error()
         assert.are.equal("certificate_revoked", alert, msg)
      end)

      it(version .. ": applies to a server connection accepted before it: a revoked client is refused", function()
         local sctx = E.server_ctx { verify = "required", ca = K.ca, max_version = version }
         local s = assert(tls.engine(sctx))
         assert(CTXM.load_crl(sctx, pem(K.crl_root)))
         local cctx = assert(tls.context { ca = E.CERT, certificate = K.revoked.cert, key = K.revoked.key })
         run(assert(tls.engine(cctx, { servername = "localhost" })), s)
         assert.is_false(s:status().handshake_done, "accepted a revoked client")
         local msg, alert = s:error()
         assert.are.equal("certificate_revoked", alert, msg)
      end)
   end
end)
