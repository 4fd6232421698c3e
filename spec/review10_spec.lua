-- Review of issue 10 (resumption): holes found after the merge, each with
-- the check that closes it (mutate/mutations_review10.lua plants them back).
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local E = require "spec.support.engines"

-- The "decide resumption" events of a trace, as "result | reason" lines.
local function decisions(events)
   local t = {}
   for _, ev in ipairs(events) do
      if ev.direction == "decide" and ev.message == "resumption" then
         t[#t + 1] = ev.result .. (ev.reason and (" | " .. ev.reason) or "")
      end
   end
   return t
end

-- A TLS 1.3 session of our client with our server (E.CERT, localhost).
local function session13()
   local c = E.connected()
   assert.equal("TLSv1.3", c:info().version)
   return assert(c:session())
end

describe("review10: our TLS 1.3 client and pins", function()
   local function offer(session, extra)
      local o, events = E.traced(E.merge({ mode = "client", ca = E.CERT }, extra))
      local cl = assert(tls.engine(assert(tls.context(o)), { servername = "localhost", session = session }))
      assert(cl:start())
      return decisions(events)
   end

   it("does not offer a session whose certificate holds no pinned key (as TLS 1.2 does not)", function()
      local s = session13()
      assert.same({ "full handshake: the session is not offered | the session's certificate does not hold a "
                    .. "pinned key" }, offer(s, { pin = "sha256/" .. ("A"):rep(43) .. "=" }))
      -- the right pin: offered
      local pin = "sha256/" .. assert(tls.certificate(E.CERT)):pubkey().spki_sha256
      local d = offer(s, { pin = pin })
      assert.equal(1, #d)
      assert.truthy(d[1]:find("^offered"), d[1])
   end)
end)

describe("review10: our TLS 1.3 server and a shortened ticket_lifetime", function()
   it("no longer resumes a ticket older than the lifetime now set (as TLS 1.2 does not)", function()
      local key = tls.ticketkeys.generate()
      local sctx = E.server_ctx { ticket_keys = { key } }
      local c = E.handshake(E.engines(), assert(tls.engine(sctx)))
      local session = assert(c:session())
      -- both clocks two minutes on: the client's age of the ticket is right
      local function again(lifetime)
         local o, events = E.traced { ticket_keys = { key }, ticket_lifetime = lifetime }
         local ctx = E.server_ctx(o)
         CTXM.set_clock_offset(ctx, 120)
         local cctx = assert(tls.context { mode = "client", ca = E.CERT })
         CTXM.set_clock_offset(cctx, 120)
         local cl = assert(tls.engine(cctx, { servername = "localhost", session = session }))
         local sv = assert(tls.engine(ctx))
         E.handshake(cl, sv)
         return cl:info().resumed, decisions(events)
      end
      local resumed, d = again(60)
      assert.is_false(resumed)
      assert.same({ "full handshake | ticket 0: ticket expired (lifetime 60 s)" }, d)
      -- a lifetime still longer than its age: resumed
      resumed, d = again(600)
      assert.is_true(resumed)
      assert.same({ "resumed | ticket 0 accepted (psk_dhe_ke)" }, d)
   end)
end)

describe("review10: our server and pins on a resumed client certificate", function()
   local PIN = "sha256/" .. assert(tls.certificate(E.CERT)):pubkey().spki_sha256
   local WRONG = "sha256/" .. ("A"):rep(43) .. "="

   -- A session of a client holding E.CERT with a server that requires a
   -- client certificate, then the client back on a server with the same
   -- ticket keys and `pin`: its "decide resumption" lines and whether it
   -- resumed.
   local function back_with_pin(version, pin)
      local key = tls.ticketkeys.generate()
      local copts = { certificate = E.CERT, key = E.KEY, max_version = version }
      local sopts = { ticket_keys = { key }, verify = "required", ca = E.CERT }
      local c = E.connected(copts, sopts)
      assert.equal(version, c:info().version)
      local session = assert(c:session())
      local o, events = E.traced(E.merge(E.merge({}, sopts), { pin = pin }))
      local cl = assert(tls.engine(assert(tls.context(E.merge({ mode = "client", ca = E.CERT }, copts))),
         { servername = "localhost", session = session }))
      local sv = assert(tls.engine(E.server_ctx(o)))
      assert(cl:start())
      E.pump(cl, sv)
      return decisions(events), sv:status().handshake_done and sv:info().resumed
   end

   it("TLS 1.3: not resumed when the session's client certificate holds no pinned key", function()
      local d, resumed = back_with_pin("TLSv1.3", WRONG)
      assert.same({ "full handshake | ticket 0: the session's client certificate does not hold a pinned key" }, d)
      assert.is_falsy(resumed)
      d, resumed = back_with_pin("TLSv1.3", PIN)
      assert.same({ "resumed | ticket 0 accepted (psk_dhe_ke)" }, d)
      assert.is_true(resumed)
   end)

   it("TLS 1.2: not resumed when the session's client certificate holds no pinned key", function()
      local d, resumed = back_with_pin("TLSv1.2", WRONG)
      assert.same({ "ticket not used | the session's client certificate does not hold a pinned key",
                    "full handshake" }, d)
      assert.is_falsy(resumed)
      d, resumed = back_with_pin("TLSv1.2", PIN)
      assert.same({ "resumed" }, d)
      assert.is_true(resumed)
   end)
end)
