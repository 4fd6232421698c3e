-- 0-RTT findings of the session 21 review (notes/review_next21.md 3, 4, 5, 9):
-- a failed handshake's early data never reaches the application; the
-- deferred server form (handshake, then receive_early) works; after a
-- HelloRetryRequest the server says "rejected"; declined early data is
-- skipped up to the configured max_early_data, not only 64 KiB; accepted
-- early data closed unread is traced and warned about.
local tls = require "tls"
local E = require "spec.support.engines"
local proc = require "spec.support.proc"
local child = require "spec.support.luachild"

local KEY = ("E"):rep(16) .. ("e"):rep(32)

local function table_store()
   local data = {}
   return {
      get = function(id) return data[id] end,
      put = function(id, blob) data[id] = blob end,
      delete = function(id)
         local had = data[id] ~= nil
         data[id] = nil
         return had
      end,
   }
end

local function server_ctx(opts)
   local o, events = E.traced(E.merge({ early_data = true, ticket_keys = { KEY } }, opts))
   return E.server_ctx(o), events
end

local function client_ctx(opts)
   local o, events = E.traced(E.merge({ mode = "client", ca = E.CERT, early_data = true }, opts))
   return assert(tls.context(o)), events
end

local events_of = E.events_of

describe("early21: after a HelloRetryRequest", function()
   it("the server says the client's early data was rejected, with the reason in its trace", function()
      local st = table_store()
      local sctx = server_ctx { session_store = st }
      local retry, sev = server_ctx { session_store = st, groups = "secp384r1" }
      local cctx = client_ctx()
      local session = E.first_session(cctx, sctx)
      local c, s = E.resume(cctx, retry, session, "early")
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.is_true(s:info().hello_retry)
      assert.equal("rejected", c:info().early_data)
      assert.equal("rejected", s:info().early_data)
      local decided = events_of(sev, "decide", "early_data")
      assert.equal(1, #decided)
      assert.equal("declined", decided[1].result)
      assert.equal("after HelloRetryRequest", decided[1].reason)
      assert.equal("", (s:read_early()))
   end)

   it("a server whose client offered no early data still says nothing about it", function()
      local st = table_store()
      local sctx = server_ctx { session_store = st }
      local retry, sev = server_ctx { session_store = st, groups = "secp384r1" }
      local cctx = client_ctx()
      local session = E.first_session(cctx, sctx)
      local c, s = E.resume(cctx, retry, session)
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.is_true(s:info().hello_retry)
      assert.is_nil(c:info().early_data)
      assert.is_nil(s:info().early_data)
      assert.same({}, events_of(sev, "decide", "early_data"))
   end)
end)

describe("early21: declined early data beyond 64 KiB", function()
   local BIG = ("b"):rep(100 * 1024)

   it("is skipped up to the configured max_early_data: the 1-RTT resumption goes on", function()
      -- No session store: declined ("no session store"), trial-decryption skipping.
      local sctx, sev = server_ctx { max_early_data = 200000 }
      local cctx = client_ctx()
      local session = E.first_session(cctx, sctx)
      local c, s = E.resume(cctx, sctx, session, BIG)
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.is_true(s:info().resumed)
      assert.equal("rejected", c:info().early_data)
      assert.equal("no session store to check replays against", events_of(sev, "decide", "early_data")[1].reason)
      assert(c:write("1-RTT"))
      E.pump(c, s, { strict = true })
      assert.equal("1-RTT", s:read())
   end)

   it("is skipped up to the configured max_early_data after a HelloRetryRequest too", function()
      local st = table_store()
      local sctx = server_ctx { session_store = st, max_early_data = 200000 }
      local retry = server_ctx { session_store = st, groups = "secp384r1", max_early_data = 200000 }
      local cctx = client_ctx()
      local session = E.first_session(cctx, sctx)
      local c, s = E.resume(cctx, retry, session, BIG)
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.is_true(s:info().hello_retry)
      assert.is_true(s:info().resumed)
      assert.equal("rejected", c:info().early_data)
      assert(c:write("1-RTT"))
      E.pump(c, s, { strict = true })
      assert.equal("1-RTT", s:read())
   end)

   it("is skipped up to what the client's ticket announced, when that is more than the server's setting now", function()
      local issuer = server_ctx { max_early_data = 300000 }
      local lower, sev = server_ctx { max_early_data = 100000 }
      local cctx = client_ctx()
      local session = E.first_session(cctx, issuer)
      local c, s = E.resume(cctx, lower, session, ("y"):rep(250000))
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.is_true(s:info().resumed)
      assert.equal("rejected", c:info().early_data)
      assert.equal("declined", events_of(sev, "decide", "early_data")[1].result)
   end)

   it("is not skipped without end: past max_early_data and its record overhead, bad_record_mac", function()
      local sctx = server_ctx { max_early_data = 100000 }
      local cctx = client_ctx()
      local session = E.first_session(cctx, sctx)
      local c = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = "x" }))
      local s = assert(tls.engine(sctx))
      assert(c:start())
      assert(s:feed(c:output()))
      -- Records that do not open, as skipped early data would: the client's own
      -- and 6 full ones (98357 bytes with their headers) are skipped, the 7th is too many.
      local junk = "\23\3\3\64\0" .. ("j"):rep(16384)
      for _ = 1, 6 do assert(s:feed(junk)) end
      local ok, msg = s:feed(junk)
      assert.is_nil(ok)
      assert.truthy(msg:find("declined 0-RTT records were skipped; at most 101827 are", 1, true), msg)
      local _, alert = s:error()
      assert.equal("bad_record_mac", alert)
   end)
end)

