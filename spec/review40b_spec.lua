-- Session 40, review40b: a close_notify before the handshake finished (I1),
-- and TLS 1.3 sessions resumed under another cipher suite of the same hash (I2).
local tls = require "tls"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"
local H = require "spec.support.hostile_server"
local proc = require "spec.support.proc"

local CLOSE_NOTIFY = "\1\0" -- warning close_notify

-- The engine failed because the peer closed: nil, message from the feed,
-- the message naming the side that closed, the alert close_notify from the
-- peer, want() "failed" once the output is taken.
local function assert_peer_closed_failure(e, ok, err, who)
   local msg = who .. " closed the connection (close_notify) before the handshake finished"
   assert.is_nil(ok)
   assert.matches(msg, err, 1, true)
   local st = e:status()
   assert.is_true(st.failed)
   assert.is_false(st.handshake_done)
   assert.is_true(st.peer_closed)
   local m, alert, from_peer = e:error()
   assert.matches(msg, m, 1, true)
   assert.equal("close_notify", alert)
   assert.is_true(from_peer)
   e:output()
   assert.equal("failed", e:want())
end

-- The alerts (level/description) in the plaintext records of bytes.
local function plain_alerts(bytes)
   local out = {}
   for _, r in ipairs((B.parse_records(bytes))) do
      if r.type == 21 then out[#out + 1] = r.body:byte(1) .. "/" .. r.body:byte(2) end
   end
   return out
end

describe("review40b I1: a close_notify before the handshake finished fails the handshake", function()
   after_each(proc.kill_all)

   it("TLS 1.3 client: the server's close_notify in the clear, before its ServerHello", function()
      local s = H.new{}
      local ok, err = s:deliver(H.plain_record(H.CT.alert, CLOSE_NOTIFY))
      assert_peer_closed_failure(s.engine, ok, err, "the server")
      -- rfc8446#6.1: our write side closes with a close_notify; no error alert
      local alert, level = s:client_alert()
      assert.same({ "close_notify", 1 }, { alert, level })
   end)

   it("TLS 1.3 client: the server's close_notify under handshake keys, after its ServerHello", function()
      local s = H.new{}
      assert(s:hello())
      local ok, err = s:deliver(s:record(H.CT.alert, CLOSE_NOTIFY))
      assert_peer_closed_failure(s.engine, ok, err, "the server")
      local alert, level, protected = s:client_alert()
      assert.same({ "close_notify", 1, true }, { alert, level, protected })
   end)

   it("tls.connect reports nil and the reason", function()
      local s = H.tcp{}
      assert(s:hello())
      assert(s:deliver(s:record(H.CT.alert, CLOSE_NOTIFY)))
      assert.equal("close_notify", (s:client_alert()))
      assert.equal("failed the server closed the connection (close_notify) before the handshake finished\n",
         s:child_output())
   end)

   it("TLS 1.3 server: the client's close_notify before its Finished", function()
      local so, events = E.traced {}
      local c, s = E.engines(nil, so)
      assert(c:start())
      assert(s:feed(c:output()))
      local flight = s:output()
      -- Only the ServerHello: the client then holds handshake keys and
      -- cancels under them (user_canceled, close_notify).
      local sh = B.parse_records(flight)[1]
      assert(c:feed(B.record(sh.type, sh.body)))
      assert(c:close())
      local ok, err = s:feed(c:output())
      assert_peer_closed_failure(s, ok, err, "the client")
      local got = E.events_of(events, "receive", "Alert")
      assert.equal("close_notify", got[#got].alert)
      assert.equal("the handshake cannot finish: it failed", got[#got].meaning)
   end)

   for _, side in ipairs { "client", "server" } do
      it("TLS 1.2 " .. side .. ": answers the peer's close_notify with its own and fails", function()
         local c, s = E.engines({ max_version = "TLSv1.2" }, { max_version = "TLSv1.2" })
         assert(c:start())
         assert(s:feed(c:output()))
         local flight = s:output()
         local e, ok, err, answer, who
         if side == "client" then
            -- The server's first flight, then it cancels (in the clear).
            assert(s:close())
            ok, err = c:feed(flight .. s:output())
            e, who = c, "the server"
         else
            -- The client cancels before its ClientKeyExchange.
            assert(c:close())
            ok, err = s:feed(c:output())
            e, who = s, "the client"
         end
         answer = e:output()
         assert_peer_closed_failure(e, ok, err, who)
         -- rfc5246#7.2.1: a close_notify of our own answers: the server's
         -- in the clear (no ChangeCipherSpec of its own yet), the client's
         -- sealed, the last record after its ChangeCipherSpec and Finished.
         if side == "server" then
            assert.same({ "1/0" }, plain_alerts(answer))
         else
            local recs = B.parse_records(answer)
            assert.equal(21, recs[#recs].type, "the last record is an alert")
         end
      end)
   end

   it("a handshake we cancelled ourselves stays a cancel, whatever the peer answers", function()
      local c, s = E.engines()
      assert(c:start())
      assert(s:feed(c:output()))
      s:output()
      assert(c:close())
      s:feed(c:output())
      assert(c:feed("\21\3\3\0\2\1\0"))
      assert.is_false(c:status().failed)
      assert.equal("closed", c:want())
   end)
end)
