-- review44d: the memory a connection holds while a record is half received.
-- Since review43e the binding reads its socket straight into the engine's
-- input buffer (tls_conn_input_room), which doubled as it grew: 32 to 64 KiB
-- held between calls for a record of 16 KiB. It is now grown to a size:
-- one read when empty, one record of the largest size and one read at most
-- while a record is unfinished. Nothing in the Lua API shows the engine's
-- buffer, so fuzz/input_room.c (AddressSanitizer and UBSan, beside the fuzz
-- replay programs) looks inside the connection, in the binding's reads
-- (csrc/lua/lua_conn.c RECV_MIN and RECV_CHUNK).
local input_room = require "spec.support.input_room"

-- A record of the largest size as it arrives (5-byte header, 2^14 + 256 of
-- ciphertext), and one read of the binding (that and 1 KiB).
local RECORD = 5 + 16384 + 256
local READ = RECORD + 1024

describe("review44d: the engine's input buffer with a record half received", function()
   local out
   setup(function()
      out = input_room.run()
   end)

   it("holds at most one record of the largest size and one read, in both versions", function()
      local seen = 0
      for name, part, record, held, bound in
         out:gmatch("input_room: (tls1[23] [^\n]-)%s+(%d+) of (%d+) held in at most (%d+) bytes %(bound (%d+)%)") do
         seen = seen + 1
         part, record, held, bound = tonumber(part), tonumber(record), tonumber(held), tonumber(bound)
         assert.equal(RECORD + READ, bound, name)
         assert.is_true(part > 0 and part < record, name)
         assert.is_true(held >= part, name)
         assert.is_true(held <= bound, ("%s: %d bytes held, bound %d"):format(name, held, bound))
      end
      assert.equal(4, seen, out)
      -- Half a record in a buffer of one read: it was 32 KiB, doubled.
      assert.truthy(out:find("tls13 half a record                8192 of 16406 held in at most " .. READ .. " bytes",
         1, true), out)
      assert.truthy(out:find("input_room: 0 problem(s)", 1, true), out)
   end)
end)

-- "*a" straight from the engine's plaintext (review44d): when the data and
-- the peer's close_notify are read together, the result is made in one
-- copy, and what the buffered way did after it still happens.
-- (spec/support/relayed_pair.lua: the client's bytes reach the server only
-- as the test passes them on.)
local relayed_pair = require "spec.support.relayed_pair"
local socket = require "socket"

for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
   describe("review44d: receive('*a') with the data and the close in one read, " .. version, function()
      it("gives the data, counts it, and sends what the close left queued", function()
         local r = relayed_pair(version)
         local s = ("0123456789"):rep(500) .. "end"
         assert.equal(#s, r.client:send(s))
         r.client:close()
         -- everything the client sent, its close_notify included, in one piece
         assert(r.b1:send(r.take(true)))
         r.server:settimeout(5)
         assert.equal(s, r.server:receive("*a"))
         assert.equal(#s, (r.server:getstats()))
         if version == "TLSv1.2" then
            -- rfc5246#7.2.1: the close_notify in answer leaves with the receive, not with close().
            r.b1:settimeout(5)
            local answer = r.b1:receive(5)
            assert.is_string(answer)
            assert.equal(21, answer:byte(1)) -- an alert record
         end
         r.server:close()
      end)

      it("gives data longer than one read whole, its close in the same piece", function()
         local r = relayed_pair(version)
         local s = ("abcdefghij"):rep(4000)
         assert.equal(#s, r.client:send(s))
         r.client:close()
         assert(r.b1:send(r.take(true)))
         r.server:settimeout(5)
         assert.equal(s, r.server:receive("*a"))
         assert.equal(#s, (r.server:getstats()))
         r.server:close()
      end)

      it("keeps a prefix in front of the data", function()
         local r = relayed_pair(version)
         assert.equal(4, r.client:send("body"))
         r.client:close()
         assert(r.b1:send(r.take(true)))
         r.server:settimeout(5)
         assert.equal("pre:body", r.server:receive("*a", "pre:"))
         assert.equal(4, (r.server:getstats()))
         r.server:close()
      end)

      it("does not end before the close: the data alone is a partial result", function()
         local r = relayed_pair(version)
         assert.equal(4, r.client:send("body"))
         assert(r.b1:send(r.take(true)))
         local got, err, partial
         for _ = 1, 200 do
            got, err, partial = r.server:receive("*a")
            if got or partial ~= "" then break end
            socket.sleep(0.01)
         end
         assert.is_nil(got)
         assert.equal("wantread", err)
         assert.equal("body", partial)
         r.client:close()
         assert(r.b1:send(r.take(true)))
         r.server:settimeout(5)
         got, err, partial = r.server:receive("*a", partial)
         assert.is_nil(got)
         assert.equal("closed", err)
         assert.equal("body", partial)
         assert.equal(4, (r.server:getstats()))
         r.server:close()
      end)
   end)
end
