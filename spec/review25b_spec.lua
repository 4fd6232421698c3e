-- review25b: the authentication a session carries across connections.
-- F4: TLS 1.3 tickets issued on resumed connections inherit the time of the
-- full handshake's certificate check; the server bounds it by
-- ticket_lifetime, the client by 7 days and the kept leaf's notAfter.
-- F1: ocsp = false sessions are not offered under ocsp = true. F3: no TLS
-- 1.3 session without the server's leaf. F2: a session that authenticated
-- us with a client certificate is offered only from a context holding it,
-- and info().client_certificate names it on resumption. F5: a client does
-- not offer a session whose server signed with a scheme outside sigalgs.
-- Engine pairs in one process, the clock moved with the test hook.
local CTXM = require("tls.core").context_methods
local tls = require "tls"
local E = require "spec.support.engines"
local certs = require "spec.support.certs"

local DAY = 86400

-- The "resumption" decisions of a context's trace, appended to a list.
local function tracing(opts)
   local decisions = {}
   opts.trace = function(ev)
      if ev.message == "resumption" or ev.message == "tickets" then decisions[#decisions + 1] = ev end
   end
   return opts, decisions
end

local function traced(decisions, text)
   for _, d in ipairs(decisions) do
      for _, v in pairs(d) do
         if type(v) == "string" and v:find(text, 1, true) then return true end
      end
   end
   return false
end

local function clock(off, ...)
   for _, ctx in ipairs { ... } do CTXM.set_clock_offset(ctx, off) end
end

-- Resumes with `sess` at clock offset `off` (both contexts; the client's
-- only when client_only): the engines and the session the client keeps
-- (nil when it kept none).
local function at(off, cctx, sctx, sess, client_only)
   if client_only then clock(off, cctx) else clock(off, cctx, sctx) end
   local c, s = E.resume(cctx, sctx, sess)
   assert.is_true(c:status().handshake_done, tostring(c:error()))
   assert(s:write("x"))
   E.pump(s, c)
   assert.equal("x", c:read())
   return c, s, c:session()
end

describe("review25b F4: TLS 1.3 ticket chains are bounded by the certificate check they rest on", function()
   local m = certs.clients()

   -- The Expires header of a session text, in seconds (UTC).
   local function expires(text)
      local y, mo, d, h, mi, sec = text:match("Expires: (%d+)%-(%d+)%-(%d+)T(%d+):(%d+):(%d+)Z")
      return os.time { year = tonumber(y), month = tonumber(mo), day = tonumber(d), hour = tonumber(h),
                       min = tonumber(mi), sec = tonumber(sec) }
   end

   it("server: tickets of resumed connections live what is left of ticket_lifetime; inside it they resume",
      function()
      local lifetimes = {}
      local sctx = assert(tls.context { mode = "server", certificate = E.CERT, key = E.KEY, verify = "required",
                                        ca = m.ca, ticket_lifetime = 7200, trace = function(ev)
         if ev.direction == "send" and ev.message == "NewSessionTicket" then lifetimes[#lifetimes + 1] = ev.lifetime end
      end })
      local cctx = assert(tls.context { ca = E.CERT, certificate = m.ecdsa.cert, key = m.ecdsa.key })
      local sess = E.first_session(cctx, sctx)
      -- a full handshake (its client certificate checked just before) issues the whole lifetime
      assert.same({ "7200 s", "7200 s" }, lifetimes)
      -- 1 h: resumed; the ticket it issues lives the hour left, not 2 h
      local c, s, s2 = at(3600, cctx, sctx, sess)
      assert.is_true(c:info().resumed)
      assert.is_true(s:info().peer_verified)
      assert.is_true(expires(s2) <= expires(sess))
      assert.is_true(expires(s2) >= expires(sess) - 2)
      -- 1.5 h: the chained ticket still resumes (inside the bound)
      local c2, _, s3 = at(5400, cctx, sctx, s2)
      assert.is_true(c2:info().resumed)
      assert.is_true(expires(s3) <= expires(sess))
   end)

   it("server: no ticket on a resumed connection when nothing is left of the check", function()
      local sopts, sdec = tracing { mode = "server", certificate = E.CERT, key = E.KEY, ticket_lifetime = 7200 }
      local sctx = assert(tls.context(sopts))
      local cctx = assert(tls.context { ca = E.CERT })
      local sess = E.first_session(cctx, sctx)
      local c, _, kept = at(7199.5, cctx, sctx, sess)
      assert.is_true(c:info().resumed)
      assert.is_nil(kept)
      assert.is_true(traced(sdec, "nothing is left of it for a new ticket"))
   end)

   it("server: a ticket is refused past the bound even when its own lifetime is not (another context's ticket)",
      function()
      -- Two server contexts share ticket keys: A issues week-long tickets,
      -- B (ticket_lifetime 2 h) must not take one whose check is 5 days old.
      local key = require("tls.ticketkeys").generate()
      local a = assert(tls.context { mode = "server", certificate = E.CERT, key = E.KEY, ticket_keys = { key },
                                     ticket_lifetime = 604800 })
      local bopts, bdec = tracing { mode = "server", certificate = E.CERT, key = E.KEY, ticket_keys = { key },
                                    ticket_lifetime = 7200 }
      local b = assert(tls.context(bopts))
      local cctx = assert(tls.context { ca = E.CERT })
      local sess = E.first_session(cctx, a)
      local c, _, s2 = at(5 * DAY, cctx, a, sess)
      assert.is_true(c:info().resumed)
      -- the ticket of day 5 is an hour old: inside B's lifetime, its check is not
      clock(5 * DAY + 3600, cctx, b)
      local c2 = E.resume(cctx, b, s2)
      assert.is_true(c2:status().handshake_done)
      assert.is_false(c2:info().resumed)
      assert.is_true(traced(bdec, "the session's certificate check is older than ticket_lifetime (7200 s)"))
      -- neighbour: B takes a ticket whose check is an hour old
      local fresh = E.first_session(cctx, a)
      local c3 = E.resume(cctx, b, fresh)
      assert.is_true(c3:info().resumed)
   end)

   it("client: a session whose certificate check is older than 7 days is not offered; a younger one is", function()
      -- A server whose clock stands still issues full-length tickets (as
      -- one that does not bound chains would): the client's own bound holds.
      local sctx = assert(tls.context { mode = "server", certificate = E.CERT, key = E.KEY,
                                        ticket_lifetime = 604800 })
      local copts, cdec = tracing { ca = E.CERT }
      local cctx = assert(tls.context(copts))
      local sess = E.first_session(cctx, sctx)
      local c, _, s2 = at(5 * DAY, cctx, sctx, sess, true)
      assert.is_true(c:info().resumed)
      local c1 = at(6 * DAY, cctx, sctx, s2, true)
      assert.is_true(c1:info().resumed)
      clock(7 * DAY + 1, cctx)
      local c2 = E.resume(cctx, sctx, s2)
      assert.is_true(c2:status().handshake_done)
      assert.is_false(c2:info().resumed)
      assert.is_true(traced(cdec, "the session's certificate check is older than 7 days"))
   end)

   it("client: a session whose server certificate has expired is not offered; before notAfter it is", function()
      local scert, skey = tls.selfsigned { names = { "localhost" }, days = 3 }
      local sctx = assert(tls.context { mode = "server", certificate = scert, key = skey,
                                        ticket_lifetime = 604800 })
      local copts, cdec = tracing { ca = scert }
      local cctx = assert(tls.context(copts))
      local sess = E.first_session(cctx, sctx)
      local c = at(2 * DAY, cctx, sctx, sess)
      assert.is_true(c:info().resumed)
      clock(4 * DAY, cctx, sctx)
      local c2 = E.resume(cctx, sctx, sess)
      assert.is_false(c2:info() ~= nil and c2:info().resumed)
      assert.is_true(traced(cdec, "the server's certificate kept in the session, or a certificate of its verified chain, has "
         .. "expired"))
      -- a client that does not verify does not look at the dates
      local nctx = assert(tls.context { verify = false })
      local nsess = E.first_session(nctx, sctx)
      clock(4 * DAY, nctx, sctx)
      local c3 = E.resume(nctx, sctx, nsess)
      assert.is_true(c3:info().resumed)
   end)

   it("TLS 1.2 keeps its bound (the first issue time) and a fresh session still resumes", function()
      local sctx = assert(tls.context { mode = "server", certificate = E.CERT, key = E.KEY, max_version = "TLSv1.2",
                                        ticket_lifetime = 7200 })
      local cctx = assert(tls.context { ca = E.CERT, max_version = "TLSv1.2" })
      local sess = E.first_session(cctx, sctx)
      local c, _, s2 = at(3600, cctx, sctx, sess)
      assert.is_true(c:info().resumed)
      local c2 = at(7300, cctx, sctx, s2)
      assert.is_false(c2:info().resumed)
   end)

   it("a session text of the older format is not resumed (a full handshake), not refused", function()
      local sctx = E.server_ctx()
      local cctx = assert(tls.context { ca = E.CERT })
      local sess = E.first_session(cctx, sctx)
      -- Format 1: the magic's fourth byte ("LTS\1", base64 "TFRTAQ")
      local body = sess:match("\n\n(.-)\n%-%-%-%-%-END")
      assert.equal("TFRTAg", body:sub(1, 6))
      local old = sess:gsub("\n\nTFRTAg", "\n\nTFRTAQ", 1)
      local c = E.resume(cctx, sctx, old)
      assert.is_true(c:status().handshake_done)
      assert.is_false(c:info().resumed)
   end)
end)

describe("review25b F1: ocsp = false sessions are not offered under ocsp = true", function()
   local o = require("spec.support.certs_ocsp").get()
   for _, v in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(v .. ": must-staple server, no staple: a full handshake fails as it would without the session", function()
         local sctx = assert(tls.context { mode = "server", certificate = o.must_staple.cert, key = o.must_staple.key })
         local off = assert(tls.context { ca = o.ca, max_version = v })
         local copts, cdec = tracing { ca = o.ca, max_version = v, ocsp = true }
         local on = assert(tls.context(copts))
         local sess = E.first_session(off, sctx)
         local c = E.resume(on, sctx, sess)
         assert.is_false(c:status().handshake_done)
         assert.matches("must%-staple", tostring(c:error()))
         assert.is_true(traced(cdec, "the session was made under other verification settings"))
         -- neighbour: the same settings resume
         local c2 = E.resume(off, sctx, sess)
         assert.is_true(c2:info().resumed)
      end)
   end
end)

describe("review25b F3: TLS 1.3 keeps no session without the server's leaf", function()
   it("a leaf over 16 KiB: no session, as in TLS 1.2; a normal leaf keeps one", function()
      local big = require("spec.support.bigcert").get()
      local sctx = assert(tls.context { mode = "server", certificate = big.cert, key = big.key })
      local copts, cdec = tracing { ca = certs.get().dir .. "/ca.pem" }
      local cctx = assert(tls.context(copts))
      local c = assert(tls.engine(cctx, { servername = "localhost" }))
      local s = assert(tls.engine(sctx))
      E.handshake(c, s)
      assert(s:write("x"))
      E.pump(s, c)
      assert.equal("x", c:read())
      assert.is_nil(c:session())
      assert.is_true(traced(cdec, "the server's certificate could not be kept in it"))
      assert.is_string((E.first_session(assert(tls.context { ca = E.CERT }), E.server_ctx())))
   end)
end)

describe("review25b F2: a session's client identity stays with the certificate", function()
   local m = certs.clients()
   for _, v in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(v .. ": offered only from a context holding the certificate, which info() then names", function()
         local sctx = E.server_ctx { verify = "required", ca = m.ca, max_version = v }
         local a = assert(tls.context { ca = E.CERT, certificate = m.ecdsa.cert, key = m.ecdsa.key })
         local a2 = assert(tls.context { ca = E.CERT, certificate = m.rsa.cert, key = m.rsa.key,
                                         certificates = { { certificate = m.ecdsa.cert, key = m.ecdsa.key } } })
         local nopts, ndec = tracing { ca = E.CERT }
         local none = assert(tls.context(nopts))
         local ropts, rdec = tracing { ca = E.CERT, certificate = m.rsa.cert, key = m.rsa.key }
         local rsa = assert(tls.context(ropts))
         local sess = E.first_session(a, sctx)
         local c, s = E.resume(a, sctx, sess)
         assert.is_true(c:info().resumed)
         assert.equal("CN=luatls client", c:info().client_certificate)
         assert.equal("CN=luatls client", s:info().peer_certificate.subject)
         -- a context holding the same pair (not first) resumes too
         local c2 = E.resume(a2, sctx, sess)
         assert.is_true(c2:info().resumed)
         assert.equal("CN=luatls client", c2:info().client_certificate)
         local c3, s3 = E.resume(none, sctx, sess)
         assert.is_false(c3:info() ~= nil and c3:info().resumed)
         assert.is_nil(s3:info() and s3:info().peer_certificate)
         assert.is_true(traced(ndec, "the session authenticated us with a client certificate this config does not hold"))
         local c4, s4 = E.resume(rsa, sctx, sess)
         assert.is_false(c4:info().resumed)
         assert.equal("CN=luatls rsa client", s4:info().peer_certificate.subject)
         assert.is_true(traced(rdec, "this config does not hold"))
         -- a session made without a certificate goes anywhere
         local plain = E.first_session(none, E.server_ctx { max_version = v })
         local c5 = E.resume(rsa, E.server_ctx { max_version = v }, plain)
         assert.is_true(c5:status().handshake_done)
      end)
   end
end)

describe("review25b F5: a client does not offer a session signed with a scheme outside its sigalgs", function()
   for _, v in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(v .. ": sigalgs = ed25519 does not resume an ECDSA session; the default does", function()
         local sctx = E.server_ctx { max_version = v }
         local cctx = assert(tls.context { ca = E.CERT, max_version = v })
         local eopts, edec = tracing { ca = E.CERT, max_version = v, sigalgs = "ed25519" }
         local ed = assert(tls.context(eopts))
         local sess = E.first_session(cctx, sctx)
         local c = E.resume(ed, sctx, sess)
         assert.is_false(c:info() ~= nil and c:info().resumed)
         assert.is_true(traced(edec, "signature scheme not in this config's sigalgs"))
         local c2 = E.resume(cctx, sctx, sess)
         assert.is_true(c2:info().resumed)
      end)
   end

   for _, v in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(v .. ": a server whose sigalgs refuse the client's scheme does not resume its session; one that allows it does",
         function()
         local m = certs.clients()
         local keys = { require("tls.ticketkeys").generate() }
         local a = E.server_ctx { verify = "required", ca = m.ca, ticket_keys = keys }
         local bopts, bdec = tracing { mode = "server", certificate = E.CERT, key = E.KEY, verify = "required",
                                       ca = m.ca, ticket_keys = keys, sigalgs = "ecdsa_secp256r1_sha256" }
         local b = assert(tls.context(bopts))
         local cctx = assert(tls.context { ca = E.CERT, certificate = m.rsa.cert, key = m.rsa.key, max_version = v })
         local sess = E.first_session(cctx, a)
         local _, s = E.resume(cctx, b, sess)
         assert.is_false(s:info() ~= nil and s:info().resumed)
         assert.is_true(traced(bdec, "the session's client signed with a scheme not in this config's sigalgs"))
         local _, s2 = E.resume(cctx, a, sess)
         assert.is_true(s2:info().resumed)
         assert.equal("CN=luatls rsa client", s2:info().peer_certificate.subject)
      end)
   end
end)
