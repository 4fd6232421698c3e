-- Session 42, review42e: misuse of the event-loop surfaces.
local tls = require "tls"

-- F1: a call that waits inside a cqueues controller marks the object's
-- poll timeout with its deadline, and clears it when cqueues wakes it. A
-- coroutine that is never resumed (its controller dropped, or the
-- coroutine abandoned by the program) left that deadline behind: once it
-- had passed, conn:timeout() said 0 for ever, and an application polling
-- the connection itself (settimeout(0) and cqueues.poll) woke at once, for
-- ever: one core at 100 %.
describe("review42e F1: a call abandoned while it waits in cqueues", function()
   it("leaves no deadline behind: conn:timeout() is nil once it has passed, and a poll waits", function()
      local cqueues = require "cqueues"
      local E = require "spec.support.engines"
      local srv = assert(tls.listen("127.0.0.1", 0,
         assert(tls.context { mode = "server", certificate = E.CERT, key = E.KEY }), { timeout = 5 }))
      local _, port = srv:getsockname()
      local sconn, conn
      local cq = cqueues.new()
      cq:wrap(function()
         sconn = assert(srv:accept())
         assert(sconn:handshake())
      end)
      cq:wrap(function()
         conn = assert(tls.connect("127.0.0.1", port, assert(tls.context { ca = E.CERT }),
            { servername = "localhost", timeout = 5 }))
         conn:settimeout(0.3)
         conn:receive("*l")                      -- waits; never resumed
      end)
      local t0 = cqueues.monotime()
      while not (conn and sconn and conn:timeout()) and cqueues.monotime() - t0 < 5 do cq:step(0.05) end
      local waiting = conn:timeout()
      assert.is_true(waiting ~= nil and waiting > 0 and waiting <= 0.3)
      cq = nil                                   -- the coroutine is abandoned
      collectgarbage()
      collectgarbage()
      require("socket").sleep(0.4)               -- past its deadline
      assert.is_nil(conn:timeout())
      -- an application that polls the connection itself sleeps until data
      conn:settimeout(0)
      local cq2 = cqueues.new()
      local wakes, line = 0, nil
      cq2:wrap(function()
         local start = cqueues.monotime()
         while not line and cqueues.monotime() - start < 2 do
            cqueues.poll(conn, 1)
            wakes = wakes + 1
            line = conn:receive("*l")
         end
      end)
      cq2:wrap(function()
         cqueues.sleep(0.3)
         assert(sconn:send("x\n"))
      end)
      assert(cq2:loop(5))
      assert.equal("x", line)
      assert.is_true(wakes <= 3, wakes .. " wakes")
      conn:close()
      sconn:close()
      srv:close()
   end)

   it("on a server: an abandoned accept leaves server:timeout() nil once its deadline has passed", function()
      local cqueues = require "cqueues"
      local E = require "spec.support.engines"
      local srv = assert(tls.listen("127.0.0.1", 0,
         assert(tls.context { mode = "server", certificate = E.CERT, key = E.KEY }), { timeout = 0.3 }))
      local cq = cqueues.new()
      cq:wrap(function() srv:accept() end)      -- no client comes; never resumed
      for _ = 1, 3 do cq:step(0.01) end
      local waiting = srv:timeout()
      assert.is_true(waiting ~= nil and waiting > 0 and waiting <= 0.3)
      cq = nil
      collectgarbage()
      collectgarbage()
      require("socket").sleep(0.4)
      assert.is_nil(srv:timeout())
      srv:close()
   end)
end)

-- F2: the drop-in makes its luatls connection on first use. A call that
-- reached none (the drop-in closed before its first use, or a socket
-- tls.wrap refuses) returned nil, message, nil: LuaSocket's and LuaSec's
-- third result is the prefix given back (receive) or the index before `i`
-- (send, nothing sent), which the loops that carry it on use
-- (`partial .. more`, `i = last + 1`) and which a nil broke.
describe("review42e F2: the drop-in's partial results when no connection was made", function()
   local ssl = require "tls.luasec"
   local socket = require "socket"
   local params = { mode = "client", protocol = "any", verify = "none" }

   it("a drop-in closed before its first use gives the prefix back and says nothing was sent, as LuaSec", function()
      local listener = assert(socket.bind("127.0.0.1", 0))
      local _, port = listener:getsockname()
      local conn = assert(ssl.wrap(assert(socket.connect("127.0.0.1", port)), params))
      conn:close()
      assert.same({ nil, "closed", "" }, { conn:receive("*l") })
      assert.same({ nil, "closed", "pre" }, { conn:receive("*l", "pre") })
      assert.same({ nil, "closed", "ab" }, { conn:receive(5, "ab") })
      assert.same({ nil, "closed", 0 }, { conn:send("abc") })
      assert.same({ nil, "closed", 1 }, { conn:send("abc", 2) })
      assert.same({ nil, "closed", 2 }, { conn:send("abcdef", 3, 4) })
      assert.same({ nil, "closed", 2 }, { conn:send("abc", -1) })
      assert.same({ nil, "closed", 0 }, { conn:send("abc", -10) })
      assert.same({ nil, "closed", 1 }, { conn:send("abc", 2.7) })
      -- argument mistakes still raise, as tls.conn's send and receive raise them
      assert.has_error(function() conn:send("abc", 0 / 0) end, "bad argument #2 to 'send' (index is NaN)")
      assert.has_error(function() conn:send({}) end, "bad argument #1 to 'send' (string expected, got table)")
      assert.has_error(function() conn:receive("*l", {}) end,
         "bad argument #2 to 'receive' (string expected, got table)")
      listener:close()
   end)

   it("a socket tls.wrap refuses: its reason, with the same partial results", function()
      local listening = assert(socket.bind("127.0.0.1", 0))
      local conn = assert(ssl.wrap(listening, params))
      local why = "tls.wrap: the socket is a listening one: wrap the sockets its accept() returns"
      assert.same({ nil, why, "pre" }, { conn:receive("*l", "pre") })
      assert.same({ nil, why, 1 }, { conn:send("abc", 2) })
      conn:close()
   end)
end)

-- F3: the drop-in's info() before the handshake is done and after close
-- said a bare nil; LuaSec says nil, "closed", as the drop-in's other
-- accessors (getpeercertificate, getfinished, ...) already did.
describe("review42e F3: the drop-in's info() without a completed handshake", function()
   it("says nil, 'closed' before the handshake, after one that stopped, and after close, as LuaSec", function()
      local ssl = require "tls.luasec"
      local socket = require "socket"
      local listener = assert(socket.bind("127.0.0.1", 0))
      local _, port = listener:getsockname()
      local conn = assert(ssl.wrap(assert(socket.connect("127.0.0.1", port)),
         { mode = "client", protocol = "any", verify = "none" }))
      assert.same({ nil, "closed" }, { conn:info() })
      assert.same({ nil, "closed" }, { conn:info("cipher") })
      conn:settimeout(0.05)
      assert.same({ false, "wantread" }, { conn:dohandshake() })   -- nobody answers
      assert.same({ nil, "closed" }, { conn:info() })
      conn:close()
      assert.same({ nil, "closed" }, { conn:info() })
      listener:close()
   end)
end)
