-- review44d: the memory a connection holds while a record is half received.
-- Since review43e the binding reads its socket straight into the engine's
-- input buffer (tls_conn_input_room), which doubled as it grew: 32 to 64 KiB
-- held between calls for a record of 16 KiB. It is now grown to a size:
-- one read when empty, one record of the largest size and one read at most
-- while a record is unfinished. Nothing in the Lua API shows the engine's
-- buffer, so fuzz/input_room.c (AddressSanitizer and UBSan, beside the fuzz
-- replay programs) looks inside the connection, in the binding's reads
-- (csrc/lua/lua_conn.c RECV_MIN and RECV_CHUNK).
local proc = require "spec.support.proc"

local HARNESS = "build-fuzz/replay/input_room"
local CLEAN_ENV = "env -u LD_PRELOAD ASAN_OPTIONS=detect_leaks=1 "
   .. "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "
-- A record of the largest size as it arrives (5-byte header, 2^14 + 256 of
-- ciphertext), and one read of the binding (that and 1 KiB).
local RECORD = 5 + 16384 + 256
local READ = RECORD + 1024

describe("review44d: the engine's input buffer with a record half received", function()
   local out
   setup(function()
      local code, built = proc.capture(CLEAN_ENV .. "make -s " .. HARNESS)
      assert(code == 0, "building the harness failed:\n" .. built)
      code, out = proc.capture(CLEAN_ENV .. HARNESS)
      assert(code == 0, out)
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
local tls = require "tls"
local certs = require "spec.support.certs"
local tcppair = require "spec.support.tcppair"
local socket = require "socket"

local c = certs.get()

-- client -> [a1 a2] -> the test -> [b1 b2] -> server: the client's bytes
-- reach the server only as the test passes them on.
local function relayed_pair(version)
   local a1, a2 = tcppair()
   local b1, b2 = tcppair()
   a2:settimeout(0); b1:settimeout(0)
   local cctx = assert(tls.context { mode = "client", ca = c.ca, max_version = version })
   local sctx = assert(tls.context { mode = "server", certificate = c.leaf.ecdsa_p256.cert,
      key = c.leaf.ecdsa_p256.key, tickets = 0 })
   local client = assert(tls.wrap(a1, cctx, { servername = "localhost" }))
   local server = assert(tls.wrap(b2, sctx))
   client:settimeout(0); server:settimeout(0)
   -- What is waiting on s, until nothing more comes for 50 ms when settle
   -- is set (loopback delivery is not immediate on a loaded machine).
   local function drain(s, settle)
      local parts = {}
      while true do
         local data, err, partial = s:receive(65536)
         local got = data or partial
         if got and #got > 0 then parts[#parts + 1] = got end
         if not data then
            if not settle or err == "closed" or #socket.select({ s }, nil, 0.05) == 0 then break end
         end
      end
      return table.concat(parts)
   end
   local cdone, sdone
   for _ = 1, 400 do
      if not cdone then cdone = client:handshake() end
      local fwd = drain(a2)
      if #fwd > 0 then assert(b1:send(fwd)) end
      if not sdone then sdone = server:handshake() end
      local back = drain(b1)
      if #back > 0 then assert(a2:send(back)) end
      if cdone and sdone then break end
   end
   assert(cdone and sdone, "handshake did not complete")
   return { client = client, server = server, a2 = a2, b1 = b1, drain = drain }
end

for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
   describe("review44d: receive('*a') with the data and the close in one read, " .. version, function()
      it("gives the data, counts it, and sends what the close left queued", function()
         local r = relayed_pair(version)
         local s = ("0123456789"):rep(500) .. "end"
         assert.equal(#s, r.client:send(s))
         r.client:close()
         -- everything the client sent, its close_notify included, in one piece
         assert(r.b1:send(r.drain(r.a2, true)))
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
         assert(r.b1:send(r.drain(r.a2, true)))
         r.server:settimeout(5)
         assert.equal(s, r.server:receive("*a"))
         assert.equal(#s, (r.server:getstats()))
         r.server:close()
      end)

      it("keeps a prefix in front of the data", function()
         local r = relayed_pair(version)
         assert.equal(4, r.client:send("body"))
         r.client:close()
         assert(r.b1:send(r.drain(r.a2, true)))
         r.server:settimeout(5)
         assert.equal("pre:body", r.server:receive("*a", "pre:"))
         assert.equal(4, (r.server:getstats()))
         r.server:close()
      end)

      it("does not end before the close: the data alone is a partial result", function()
         local r = relayed_pair(version)
         assert.equal(4, r.client:send("body"))
         assert(r.b1:send(r.drain(r.a2, true)))
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
         assert(r.b1:send(r.drain(r.a2, true)))
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
