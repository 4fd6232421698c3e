-- review43e: the binding's receive reads the socket straight into the
-- engine's input buffer (tls_conn_input_room / tls_conn_input_commit), not
-- into a stack buffer copied in by tls_conn_feed. The engine's bounds are
-- checked inside the connection by fuzz/input_room.c (AddressSanitizer and
-- UBSan, beside the fuzz replay programs); here every receive pattern is
-- driven with the records arriving a few bytes per read, across record
-- boundaries, with a close and an altered record midway.
local input_room = require "spec.support.input_room"
local relay = require "spec.support.relayed_pair"
local socket = require "socket"

describe("review43e: the engine's input room", function()
   it("keeps its bounds, releases an empty buffer, refuses where feed takes nothing, fails as feed", function()
      local out = input_room.run()
      assert.truthy(out:find("input_room: 0 problem(s)", 1, true), out)
      local cases = 0
      for _ in out:gmatch("53473 out") do cases = cases + 1 end
      assert.equal(5, cases, out)
      assert.truthy(out:find("altered                            failed after 3000 bytes", 1, true), out)
      -- review44a: a room taken back (by a read that frees the buffer, a
      -- failing held record, a failure outside reading) is not committed
      -- into; whole conversations, 0-RTT and KeyUpdate included, go
      -- through the room in pieces.
      for _, what in ipairs { "buffer freed", "held record failing", "key update failing" } do
         assert.truthy(out:find("stale room, " .. what .. " +checked"), out)
      end
      -- and a turn ending mid-record keeps a buffer of tls_buf's least size
      assert.truthy(out:find("idle with 3 bytes of a record +256 bytes held"), out)
      -- review44g: a commit from inside the engine's callback is refused
      assert.truthy(out:find("commit inside a callback +checked"), out)
      local conversations = 0
      for _ in out:gmatch("and 67090 bytes") do conversations = conversations + 1 end
      assert.equal(16, conversations, out)
   end)
end)

-- The relayed pair of spec/support/relayed_pair.lua, given to the server a
-- piece at a time.
local function relayed_pair(version)
   local r = relay(version)
   local server, b1 = r.server, r.b1
   r.pending = ""
   r.turn = 0
   -- Gives the server the next piece (1 to 7 bytes) of what the client sent.
   function r.step()
      r.pending = r.pending .. r.take()
      if #r.pending == 0 then return false end
      r.turn = r.turn + 1
      local k = 1 + r.turn % 7
      assert(b1:send(r.pending:sub(1, k)))
      r.pending = r.pending:sub(k + 1)
      return true
   end
   -- receive(pattern) at timeout 0, a piece at a time, the partial result
   -- passed back as the prefix each turn (as a non-blocking loop does).
   function r.receive(pattern)
      local acc = ""
      local deadline = socket.gettime() + 20
      while socket.gettime() < deadline do
         local got, err, partial = server:receive(pattern, acc)
         if got then return got end
         if err ~= "wantread" and err ~= "timeout" then return nil, err, partial end
         acc = partial
         if not r.step() then
            if r.client_closed and not r.eof then
               r.eof = true
               b1:close()
            else
               socket.sleep(0.001)
            end
         end
      end
      error("receive did not finish")
   end
   return r
end

for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
   describe("review43e: receive with records arriving a few bytes per read, " .. version, function()
      it("gives every pattern the same bytes: lines, raw lines, counts, prefixes and '*a', across records", function()
         local r = relayed_pair(version)
         local big = {}
         for i = 1, 20000 do big[i] = string.char(97 + i % 26) end
         big = table.concat(big)
         for _, s in ipairs { "abc\r\ndef", "ghi\nj", big .. "\n", "0123456789", "tail-a", "tail-b" } do
            assert.equal(#s, r.client:send(s))
         end
         r.client:close()
         assert.equal("abc", r.receive("*l"))
         assert.equal("defghi\n", r.receive("*L"))
         assert.equal("j" .. big, r.receive("*l"))
         assert.equal("01234", r.receive(5))
         assert.equal("567", r.receive(3))
         -- "*a" ends at the close; as LuaSocket's, a call that read nothing
         -- itself says "closed", the data in its partial (the prefix).
         local got, err, partial = r.receive("*a")
         if got == nil and err == "closed" then got = partial end
         assert.equal("89tail-atail-b", got)
         assert.equal(#big + 36, (r.server:getstats()))
         r.server:close()
      end)

      it("reports a TCP close in the middle of a record as the peer's close, with what came before", function()
         local r = relayed_pair(version)
         assert.equal(5, r.client:send("first"))
         assert.equal(3000, r.client:send(("x"):rep(3000)))
         local wire = r.take(true)
         -- all of the first record, half of the second, then the close
         local cut = #wire - 1500
         for i = 1, cut, 3 do assert(r.b1:send(wire:sub(i, math.min(i + 2, cut)))) end
         r.b1:close()
         r.server:settimeout(5)
         local got, err, partial = r.server:receive(10)
         assert.is_nil(got)
         assert.equal("closed", err)
         assert.equal("first", partial)
         r.client:close(); r.server:close()
      end)

      it("fails on a record altered midway, after the record before it, with the reason", function()
         local r = relayed_pair(version)
         assert.equal(2000, r.client:send(("a"):rep(2000)))
         assert.equal(2000, r.client:send(("b"):rep(2000)))
         local wire = r.take(true)
         local first = 5 + (wire:byte(4) << 8 | wire:byte(5))
         assert(r.b1:send(wire:sub(1, first)))
         r.server:settimeout(5)
         assert.equal(("a"):rep(2000), r.server:receive(2000))
         r.server:settimeout(0)
         local at = #wire - 700
         wire = wire:sub(first + 1, at - 1) .. string.char(wire:byte(at) ~ 1) .. wire:sub(at + 1)
         local got, err, partial
         local acc = ""
         for i = 1, #wire, 5 do
            assert(r.b1:send(wire:sub(i, i + 4)))
            got, err, partial = r.server:receive(2000, acc)
            if err ~= "wantread" and err ~= "timeout" then break end
            acc = partial
         end
         r.server:settimeout(5)
         if err == "wantread" or err == "timeout" then got, err, partial = r.server:receive(2000, acc) end
         assert.is_nil(got)
         assert.matches("bad record MAC", err, 1, true)
         assert.equal("", partial)
         r.client:close(); r.server:close()
      end)
   end)
end

for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
   describe("review43e: a whole line the engine holds, straight from its plaintext, " .. version, function()
      it("gives the same lines: with and without '\\r', at max exactly and past it, raw, empty", function()
         local r = relayed_pair(version)
         local s = "one\ntwo\r\nthree\n\n" .. ("x"):rep(10) .. "\nL1\nraw\r\ntoolong1234\nend\n"
         assert.equal(#s, r.client:send(s))
         assert(r.b1:send(r.take(true)))
         r.server:settimeout(5)
         assert.equal("one", r.server:receive("*l"))
         assert.equal("two", r.server:receive("*l"))
         assert.equal("three", r.server:receive())
         assert.equal("", r.server:receive("*l"))
         assert.equal(("x"):rep(10), r.server:receive("*l", nil, 10))
         assert.equal("L1\n", r.server:receive("*L", nil, 3))
         assert.equal("raw\r\n", r.server:receive("*L"))
         local got, err, partial = r.server:receive("*l", nil, 10)
         assert.is_nil(got)
         assert.is_string(err)
         assert.equal("toolong123", partial)
         assert.equal("4", r.server:receive("*l"))
         assert.equal("end\n", r.server:receive("*L", nil, 4))
         assert.equal(#s, (r.server:getstats()))
         r.client:close(); r.server:close()
      end)
   end)
end
