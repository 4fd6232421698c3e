-- Review 45g: a misuse round of our own Lua API (engine and connection
-- methods with wrong arguments, after close() and after __gc, from inside
-- every callback, on the same and on another object; context options at
-- their edges). What held is in the session report; these are the cases no
-- spec covered.
local tls = require "tls"
local E = require "spec.support.engines"
local pair = require "spec.support.wrapped_pair"

-- A connection pair after a TLS 1.3 handshake, the client holding a
-- session (it read the server's tickets with its first byte of data).
local function connected_pair()
   local cctx = assert(tls.context { ca = E.CERT })
   local client, server = pair(cctx, E.server_ctx())
   assert(server:send("x"))
   assert.equal("x", client:receive(1))
   return client, server
end

describe("review45g: a connection used by a finalizer that runs after its own __gc", function()
   -- Lua runs finalizers in the reverse order objects were marked for
   -- them: a holder given its __gc before the connection is made is
   -- finalized after the connection, and then finds it collected (a pool
   -- that saves sessions when it is dropped, say). info() and the peer's
   -- certificates raised then; session() gave a quiet nil, read as "no
   -- session to resume", and finished() nil, nil, read as "no Finished yet".
   local function after_gc(method, ...)
      local args = table.pack(...)
      local before, after
      do
         local holder = {}
         setmetatable(holder, { __gc = function()
            after = table.pack(pcall(holder.conn[method], holder.conn, table.unpack(args, 1, args.n)))
         end })
         local client, server = connected_pair()
         holder.conn = client
         before = table.pack(pcall(client[method], client, table.unpack(args, 1, args.n)))
         server:close()
      end
      collectgarbage()
      collectgarbage()
      assert.is_table(after, "the holder's finalizer did not run")
      return before, after
   end

   for _, method in ipairs { "session", "finished", "info", "peercertificate", "peerchain", "verifiedchain" } do
      it(method .. "() raises, where it answered before the connection was collected", function()
         local before, after = after_gc(method)
         assert.is_true(before[1])
         assert.is_not_nil(before[2], "no value before collection: the check below would prove nothing")
         assert.is_false(after[1])
         assert.matches("tls: connection already collected (its __gc ran; a finalizer that still uses it must "
            .. "run first or keep what it needs)", after[2], 1, true)
      end)
   end

   it("the methods that report a closed connection say so, as after close()", function()
      for _, case in ipairs { { "send", "x" }, { "receive", 1 }, { "handshake" }, { "keyupdate" },
                              { "export", "EXPORTER-x", "", 32 } } do
         local _, after = after_gc(table.unpack(case))
         assert.is_true(after[1], case[1])
         assert.is_nil(after[2], case[1])
         assert.equal("closed", after[3], case[1])
      end
   end)
end)
