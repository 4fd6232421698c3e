-- A server that verifies clients, a client certificate that expires (or
-- whose chain does) between day 2 and day 4 by the server's clock: the
-- session resumes at day 2 and not at day 4, with `expired` among the
-- server's resumption reasons. TLS 1.3 tickets, TLS 1.2 tickets or
-- session ids. The clock is moved with the test hook; only the server's
-- moves (a client would stop offering a session id's session after 2 h).
local assert = require "luassert"
local tls = require "tls"
local E = require "spec.support.engines"
local CTXM = require("tls.core").context_methods

local DAY = 86400

local M = {}

-- Whether one of the texts in list contains text.
function M.has(list, text)
   for _, v in ipairs(list) do
      if v:find(text, 1, true) then return true end
   end
   return false
end

-- opts with a trace function that collects every event's reason, and the
-- list it fills.
function M.reasons(opts)
   local seen = {}
   opts.trace = function(ev)
      if ev.reason then seen[#seen + 1] = ev.reason end
   end
   return opts, seen
end

local has = M.has

-- opts: certificate, key (the client's), ca (the server's), version,
-- session_ids, expired (the reason text).
function M.server_check(opts)
   local sopts, seen = M.reasons {
      mode = "server", certificate = E.CERT, key = E.KEY, verify = "required", ca = opts.ca,
      ticket_lifetime = 604800, max_version = opts.version,
      tickets = opts.session_ids and 0 or nil,
      session_store = opts.session_ids and tls.store.memory() or nil }
   local sctx = assert(tls.context(sopts))
   local cctx = assert(tls.context { ca = E.CERT, certificate = opts.certificate, key = opts.key,
                                     max_version = opts.version })
   local sess = E.first_session(cctx, sctx)
   CTXM.set_clock_offset(sctx, 2 * DAY)
   local c, s = E.resume(cctx, sctx, sess)
   assert.is_true(c:info().resumed, tostring(c:error()))
   assert.is_true(s:info().peer_verified)
   assert.is_false(has(seen, opts.expired))
   CTXM.set_clock_offset(sctx, 4 * DAY)
   local c2, s2 = E.resume(cctx, sctx, sess)
   assert.is_true(has(seen, opts.expired), table.concat(seen, " | "))
   assert.is_true(s2:status().handshake_done, tostring(s2:error()))
   assert.is_false(s2:info().resumed)
   assert.is_false(c2:info().resumed)
end

return M
