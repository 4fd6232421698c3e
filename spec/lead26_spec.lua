-- lead26: a server does not resume a session whose client certificate has
-- expired since (review25b's open point): resuming skips the Certificate,
-- so a session would otherwise vouch for a client certificate past its
-- notAfter, which a full handshake refuses. TLS 1.3 tickets and TLS 1.2
-- tickets and session ids; the clock is moved with the test hook.
local CTXM = require("tls.core").context_methods
local tls = require "tls"
local E = require "spec.support.engines"

local DAY = 86400

local function clock(off, ...)
   for _, ctx in ipairs { ... } do CTXM.set_clock_offset(ctx, off) end
end

local function reasons(opts)
   local seen = {}
   opts.trace = function(ev)
      if ev.message == "resumption" and ev.reason then seen[#seen + 1] = ev.reason end
   end
   return opts, seen
end

local function has(list, text)
   for _, v in ipairs(list) do
      if v:find(text, 1, true) then return true end
   end
   return false
end

local EXPIRED = "the client certificate kept in the session has expired (notAfter passed)"

local function check(version, session_ids)
   -- a client certificate valid for 3 days, trusted by the server as itself
   local ccert, ckey = tls.selfsigned { names = { "client.example" }, days = 3 }
   local sopts, seen = reasons { mode = "server", certificate = E.CERT, key = E.KEY, verify = "required",
                                 ca = ccert, ticket_lifetime = 604800, max_version = version,
                                 tickets = session_ids and 0 or nil,
                                 session_store = session_ids and tls.store.memory() or nil }
   local sctx = assert(tls.context(sopts))
   local cctx = assert(tls.context { ca = E.CERT, certificate = ccert, key = ckey, max_version = version })
   local sess = E.first_session(cctx, sctx)
   -- (only the server's clock moves: the client would stop offering a
   -- session id's session after 2 h, and the client's own checks are
   -- review25b_spec's)
   -- two days later the certificate is still valid: resumed, without a Certificate
   clock(2 * DAY, sctx)
   local c, s = E.resume(cctx, sctx, sess)
   assert.is_true(c:info().resumed, tostring(c:error()))
   assert.is_true(s:info().peer_verified)
   assert.is_false(has(seen, EXPIRED))
   -- four days later (by the clock that judges sessions) it has expired:
   -- the server declines the session and asks for a certificate again
   clock(4 * DAY, sctx)
   local c2, s2 = E.resume(cctx, sctx, sess)
   assert.is_true(has(seen, EXPIRED), table.concat(seen, " | "))
   assert.is_true(s2:status().handshake_done, tostring(s2:error()))
   assert.is_false(s2:info().resumed)
   assert.is_false(c2:info().resumed)
end

describe("lead26: the server checks the notAfter of the client certificate a session keeps", function()
   it("TLS 1.3 tickets", function() check("TLSv1.3") end)
   it("TLS 1.2 tickets", function() check("TLSv1.2") end)
   it("TLS 1.2 session ids", function() check("TLSv1.2", true) end)

   it("a server that does not verify clients does not look at the dates", function()
      local ccert, ckey = tls.selfsigned { names = { "client.example" }, days = 3 }
      local sopts, seen = reasons { mode = "server", certificate = E.CERT, key = E.KEY,
                                    ticket_lifetime = 604800 }
      local sctx = assert(tls.context(sopts))
      local cctx = assert(tls.context { ca = E.CERT, certificate = ccert, key = ckey })
      local sess = E.first_session(cctx, sctx)
      clock(4 * DAY, cctx, sctx)
      local c = E.resume(cctx, sctx, sess)
      assert.is_true(c:info().resumed, tostring(c:error()))
      assert.is_false(has(seen, EXPIRED))
   end)
end)
