-- Issue 12: connections in non-blocking mode (settimeout(0)), driven by a
-- socket.select loop as an event loop drives them. Client and server run in
-- this one Lua process, or against openssl s_server / s_client on 127.0.0.1.
-- Every call that would block must come back at once with LuaSec's word
-- ("wantread" / "wantwrite") and LuaSocket's partial result, and no byte
-- may be lost on the way.
local tls = require "tls"
local socket = require "socket"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local c = certs.get()
local LEAF = c.leaf.ecdsa_p256

local function server_ctx(extra)
   local o = { mode = "server", certificate = LEAF.cert, key = LEAF.key }
   for k, v in pairs(extra or {}) do o[k] = v end
   return assert(tls.context(o))
end

local function client_ctx(extra)
   local o = { ca = c.ca }
   for k, v in pairs(extra or {}) do o[k] = v end
   return assert(tls.context(o))
end

local function listen(extra)
   local server = assert(tls.listen("127.0.0.1", 0, server_ctx(extra)))
   server:settimeout(0)
   local _, port = server:getsockname()
   return server, port
end

-- A TCP connection made by LuaSocket, wrapped (no handshake yet), in
-- non-blocking mode.
local function wrapped_client(port, ctx)
   local tcp = assert(socket.connect("127.0.0.1", port))
   local conn = assert(tls.wrap(tcp, ctx or client_ctx(), { servername = "localhost" }))
   conn:settimeout(0)
   return conn, tcp
end

-- The connection the listening server has for us (the client's connect
-- has completed, so it is in the backlog: select says when).
local function accept(server)
   local ready, _, err = socket.select({ server }, nil, 10)
   assert(err == nil, "no client to accept: " .. tostring(err))
   assert.equal(server, ready[1])
   local conn = assert(server:accept())
   return conn
end

local WANT = { wantread = "read", wantwrite = "write" }

-- Runs tasks in a socket.select loop until each is done, as an event loop
-- does. A task is { conn = , step = function() -> true | nil, word }: a step
-- that stopped on "wantread"/"wantwrite" (conn:want() must agree) is called
-- again only once select says its socket is ready that way; "again" means
-- it made progress and wants another turn without waiting. Each task
-- records the words it stopped on in task.words. Returns the number of
-- select rounds.
local function drive(tasks, max_rounds)
   for _, t in ipairs(tasks) do t.words = t.words or {}; t.ready = true end
   local rounds = 0
   while true do
      local r, w = {}, {}
      local again, pending = false, false
      for _, t in ipairs(tasks) do
         if not t.done and not t.ready then
            pending = true
            table.insert(t.words[#t.words] == "wantread" and r or w, t.conn)
         elseif not t.done then
            local ok, word = t.step()
            if ok then
               t.done = true
            elseif word == "again" then
               again, pending = true, true
            else
               assert(WANT[word], (t.name or "task") .. " failed: " .. tostring(word))
               assert.equal(WANT[word], t.conn:want())
               t.words[#t.words + 1] = word
               table.insert(word == "wantread" and r or w, t.conn)
               pending = true
            end
         end
      end
      if not pending then return rounds end
      rounds = rounds + 1
      assert(rounds <= (max_rounds or 100000), "too many select rounds")
      for _, t in ipairs(tasks) do t.ready = t.done or false end
      if again then
         for _, t in ipairs(tasks) do t.ready = true end
      else
         local rr, ww, err = socket.select(r, w, 10)
         assert(err == nil, "select: nothing became ready within 10 s (" .. tostring(err) .. ")")
         for _, t in ipairs(tasks) do
            for _, conn in ipairs(t.words[#t.words] == "wantread" and rr or ww) do
               if conn == t.conn then t.ready = true end
            end
         end
      end
   end
end

-- Both handshakes, in one loop.
local function handshake_pair(client, sconn)
   local tasks = {
      { name = "client", conn = client, step = function() return client:handshake() end },
      { name = "server", conn = sconn, step = function() return sconn:handshake() end },
   }
   local rounds = drive(tasks)
   return rounds, tasks[1].words, tasks[2].words
end

local function connected_pair(extra_server, extra_client)
   local server, port = listen(extra_server)
   local client, tcp = wrapped_client(port, extra_client and client_ctx(extra_client))
   local sconn = accept(server)
   sconn:settimeout(0)
   handshake_pair(client, sconn)
   return client, sconn, server, tcp
end

-- A descriptor as socket.select sees a plain socket: no dirty().
local function bare(conn)
   return { getfd = function() return conn:getfd() end }
end

-- A send that goes on from lastsent on "wantwrite" until everything is
-- accepted.
local function sender(conn, data, stats)
   local at = 0
   return function()
      local last, err, lastsent = conn:send(data, at + 1)
      if last then at = last; return true end
      assert(WANT[err], "send failed: " .. tostring(err))
      assert(lastsent >= at and lastsent <= #data, "lastsent out of range")
      if stats and err == "wantwrite" then stats.wantwrite = (stats.wantwrite or 0) + 1 end
      at = lastsent
      return nil, err
   end
end

describe("non-blocking connections", function()
   after_each(proc.kill_all)

   it("accept with timeout 0 returns nil, 'timeout' at once; a server is never dirty", function()
      local server = listen()
      assert.is_false(server:dirty())
      assert.equal("integer", math.type(server:getfd()))
      assert(server:getfd() >= 0)
      local conn, err = server:accept()
      assert.is_nil(conn)
      assert.equal("timeout", err)
      -- socket.select takes the server (getfd, dirty) and says nothing is ready.
      local ready, _, serr = socket.select({ server }, nil, 0)
      assert.equal(0, #ready)
      assert.equal("timeout", serr)
      server:close()
   end)

   it("a handshake takes several select rounds, each stop says wantread, and the accepted connection inherits timeout 0", function()
      local server, port = listen()
      local client = wrapped_client(port)
      -- The ClientHello goes out; the answer cannot be there yet.
      local ok, err = client:handshake()
      assert.is_nil(ok)
      assert.equal("wantread", err)
      assert.equal("read", client:want())
      local sconn = accept(server)
      assert.equal(0, sconn:gettimeout())
      local rounds, cwords, swords = handshake_pair(client, sconn)
      assert(rounds >= 2, "the handshake took " .. rounds .. " select round(s)")
      assert(#swords >= 1)
      for _, w in ipairs(cwords) do assert.equal("wantread", w) end
      for _, w in ipairs(swords) do assert.equal("wantread", w) end
      assert.equal("nothing", client:want())
      assert.equal("TLSv1.3", client:info().version)
      assert.is_true(sconn:info().handshake_done)
      client:close(); sconn:close(); server:close()
   end)

   it("send lazily starts a server's handshake and says wantread; receive lazily starts a client's", function()
      local server, port = listen()
      local client = wrapped_client(port)
      local sconn = accept(server)
      -- Nothing from the client yet: the server's handshake waits for the ClientHello.
      local last, err, lastsent = sconn:send("hello\n")
      assert.is_nil(last)
      assert.equal("wantread", err)
      assert.equal(0, lastsent)
      assert.equal("read", sconn:want())
      local data, rerr, partial = client:receive("*l")
      assert.is_nil(data)
      assert.equal("wantread", rerr)
      assert.equal("", partial)
      local line
      local got = ""
      drive {
         { conn = sconn, step = sender(sconn, "hello\n") },
         { conn = client, step = function()
            local l, e, p = client:receive("*l", got)
            if l then line = l; return true end
            got = p
            return nil, e
         end },
      }
      assert.equal("hello", line)
      client:close(); sconn:close(); server:close()
   end)

   -- The bug issue 12 quotes: a select loop never got the second of two
   -- lines that came in one record, because select waited on the socket
   -- while the line sat decrypted in the engine.
   it("dirty(): a second line from the same record is delivered by a socket.select loop", function()
      local client, sconn, server = connected_pair()
      assert.is_false(client:dirty())
      -- One send, one record, both lines.
      assert.equal(10, sconn:send("first\nsec\n"))
      local lines = {}
      while #lines < 2 do
         local ready, _, err = socket.select({ client }, nil, 5)
         assert(err == nil, "select gave up waiting (" .. tostring(err) .. ") after " .. #lines .. " line(s)")
         assert.equal(client, ready[1])
         local line, rerr = client:receive("*l")
         if line then lines[#lines + 1] = line else assert.equal("wantread", rerr) end
         if #lines == 1 then
            -- The second line is in the engine, not on the socket.
            assert.is_true(client:dirty())
            local r, _, serr = socket.select({ bare(client) }, nil, 0)
            assert.equal(0, #r)
            assert.equal("timeout", serr)
         end
      end
      assert.same({ "first", "sec" }, lines)
      assert.is_false(client:dirty())
      client:close(); sconn:close(); server:close()
   end)

   it("receive('*l') returns a line cut across records as the partial result, passed back as the prefix", function()
      local client, sconn, server = connected_pair()
      local function settle()
         -- Wait until the socket has the record (select), then read it.
         local ready = socket.select({ client }, nil, 5)
         assert.equal(client, ready[1])
      end
      assert.equal(3, sconn:send("hel"))
      settle()
      local line, err, partial = client:receive("*l")
      assert.is_nil(line)
      assert.equal("wantread", err)
      assert.equal("hel", partial)
      assert.equal(6, sconn:send("lo\nwor"))
      settle()
      assert.equal("hello", client:receive("*l", partial))
      line, err, partial = client:receive("*l")
      assert.is_nil(line)
      assert.equal("wantread", err)
      assert.equal("wor", partial)
      assert.equal(3, sconn:send("ld\n"))
      settle()
      assert.equal("world", client:receive("*l", partial))
      -- A count, too: the partial bytes count towards it.
      assert.equal(4, sconn:send("abcd"))
      settle()
      local data, cerr, cpartial = client:receive(6)
      assert.is_nil(data)
      assert.equal("wantread", cerr)
      assert.equal("abcd", cpartial)
      assert.equal(2, sconn:send("ef"))
      settle()
      assert.equal("abcdef", client:receive(6, cpartial))
      client:close(); sconn:close(); server:close()
   end)

   it("a large send through a peer that reads slowly: wantwrite, lastsent, and every byte arrives in order", function()
      local client, sconn, server = connected_pair()
      -- Small socket buffers, so that the kernel cannot take it all.
      assert(client:setoption("send-buffer-size", 32768))
      assert(sconn:setoption("recv-buffer-size", 32768))
      local parts = {}
      for i = 1, 6 * 1024 do parts[i] = string.format("%06d", i) .. string.rep(string.char(65 + i % 26), 1018) end
      local data = table.concat(parts)
      assert.equal(6 * 1024 * 1024, #data)
      local stats = {}
      local send = sender(client, data, stats)
      local received, total = {}, 0
      local reads = 0
      drive {
         { conn = client, step = send },
         -- The slow reader: at most 16 KiB per call, and only once the
         -- sender has had to stop at least once.
         { conn = sconn, step = function()
            if (stats.wantwrite or 0) == 0 then return nil, "again" end
            reads = reads + 1
            local chunk, err, partial = sconn:receive(math.min(16384, #data - total))
            local got = chunk or partial
            if #got > 0 then received[#received + 1] = got; total = total + #got end
            if total == #data then return true end
            if chunk then return nil, "again" end
            return nil, err
         end },
      }
      assert(stats.wantwrite > 0, "the sender never had to stop")
      assert(reads > 1)
      assert.equal(#data, total)
      assert(table.concat(received) == data, "the bytes received differ from the bytes sent")
      local r, s = client:getstats()
      assert.equal(0, r)
      assert.equal(#data, s)
      local r2 = sconn:getstats()
      assert.equal(#data, r2)
      client:close(); sconn:close(); server:close()
   end)

   it("receive returns data that arrived while our own output waits for the socket", function()
      local client, sconn, server = connected_pair()
      assert(client:setoption("send-buffer-size", 16384))
      assert(sconn:setoption("recv-buffer-size", 16384))
      -- The server reads nothing: the client's send stops with queued output.
      local big = string.rep("x", 4 * 1024 * 1024)
      local last, err, lastsent = client:send(big)
      assert.is_nil(last)
      assert.equal("wantwrite", err)
      assert(lastsent > 0 and lastsent < #big)
      -- The kernel may still be moving bytes on: send until a call moves
      -- nothing more, so that our queued output cannot leave by itself.
      local prev = -1
      while lastsent ~= prev do
         prev = lastsent
         socket.sleep(0.05)
         last, err, lastsent = client:send(big, lastsent + 1)
         assert.is_nil(last)
         assert.equal("wantwrite", err)
      end
      assert.equal("write", client:want())
      -- The server speaks first; the client must read it without first
      -- getting its own output out (which the server is not reading).
      assert.equal(5, sconn:send("ping\n"))
      local line
      drive {
         { conn = client, step = function()
            local l, e = client:receive("*l")
            if l then line = l; return true end
            return nil, e
         end },
      }
      assert.equal("ping", line)
      client:close(); sconn:close(); server:close()
   end)

   it("keyupdate, export and receive_early on a pending handshake say wantread", function()
      local server, port = listen()
      local client = wrapped_client(port)
      local sconn = accept(server)
      -- No ClientHello yet.
      local early, eerr = sconn:receive_early()
      assert.is_nil(early)
      assert.equal("wantread", eerr)
      local ok, err = client:keyupdate()
      assert.is_nil(ok)
      assert.equal("wantread", err)
      local key, xerr = client:export("EXPORTER-test", nil, 16)
      assert.is_nil(key)
      assert.equal("wantread", xerr)
      -- The server has the ClientHello now: it answers and waits for the Finished.
      local ek, eerr2 = sconn:export("EXPORTER-test", nil, 16)
      assert.is_nil(ek)
      assert.equal("wantread", eerr2)
      local keys = {}
      drive {
         { conn = client, step = function()
            local k, e = client:export("EXPORTER-test", nil, 16)
            keys.client = k
            return k, e
         end },
         { conn = sconn, step = function()
            local k, e = sconn:export("EXPORTER-test", nil, 16)
            keys.server = k
            return k, e
         end },
      }
      assert.equal(16, #keys.client)
      assert.equal(keys.client, keys.server)
      assert.is_true(client:keyupdate(true))
      client:close(); sconn:close(); server:close()
   end)

   -- A keyupdate asked for while the socket is full: true once it is all
   -- out, or still waiting on the socket, and never anything else.
   local function keyupdate_finished(conn)
      local ok, err = conn:keyupdate()
      if ok then return true end
      assert.equal("wantwrite", err)
      assert.equal("write", conn:want())
      return false
   end

   it("a keyupdate stopped by wantwrite is finished by the next call, not sent twice, and a later one is never swallowed", function()
      local updates = 0
      -- A server whose trace counts the client's KeyUpdates.
      local srv = assert(tls.listen("127.0.0.1", 0, assert(tls.context {
         mode = "server", certificate = LEAF.cert, key = LEAF.key,
         trace = function(ev)
            if ev.direction == "receive" and ev.message == "KeyUpdate" then updates = updates + 1 end
         end })))
      srv:settimeout(0)
      local _, port = srv:getsockname()
      local client = wrapped_client(port)
      local sconn = accept(srv)
      handshake_pair(client, sconn)
      assert(client:setoption("send-buffer-size", 16384))
      assert(sconn:setoption("recv-buffer-size", 16384))
      -- Fill the path to the server, which is not reading.
      local big = string.rep("y", 4 * 1024 * 1024)
      local last, err, lastsent = client:send(big)
      assert.is_nil(last)
      assert.equal("wantwrite", err)
      local done_ku = keyupdate_finished(client)
      -- The kernel may open room between two calls (it compacts the
      -- server's receive queue when it likes, and more so under ASan), so
      -- a second call may finish the KeyUpdate or still wait: both are
      -- right, and the count below says it went out once.
      if not done_ku then done_ku = keyupdate_finished(client) end
      -- Now the server reads everything; the client finishes its keyupdate.
      local total = 0
      drive {
         { conn = client, step = function()
            if done_ku then return true end
            local k, e = client:keyupdate()
            if k then done_ku = true end
            return k, e
         end },
         { conn = sconn, step = function()
            local d, e, p = sconn:receive(lastsent - total)
            total = total + #(d or p)
            if total == lastsent then return true end
            return nil, d and "again" or e
         end },
      }
      assert.is_true(done_ku)
      assert.equal(lastsent, total)
      -- The peer has our KeyUpdate once it reads past the data: one, not two.
      assert.equal(4, client:send("end\n"))
      sconn:settimeout(10)
      assert.equal("end", sconn:receive("*l"))
      assert.equal(1, updates)
      -- A keyupdate left at "wantwrite" and then sent out by a send that
      -- went on with more data: a keyupdate asked for after that data is a
      -- new KeyUpdate, even while the data still waits for the socket.
      sconn:settimeout(0)
      local last2, err2, lastsent2 = client:send(big)
      assert.is_nil(last2)
      assert.equal("wantwrite", err2)
      keyupdate_finished(client)
      local big2 = string.rep("z", 4 * 1024 * 1024)
      local committed2 = 0
      total = 0
      local function drain(want_total)
         return function()
            if want_total and total == want_total() then return true end
            local d, e, p = sconn:receive(65536)
            total = total + #(d or p)
            if want_total and total == want_total() then return true end
            if d then return nil, "again" end
            return nil, e
         end
      end
      local client_task = { conn = client, step = function()
         local l, e, ls = client:send(big2, committed2 + 1)
         assert.is_nil(l, "all of big2 went through")
         committed2 = ls
         if ls > 0 then return true end -- the KeyUpdate went out, data follows it
         return nil, e
      end }
      local server_task = { conn = sconn }
      server_task.step = function()
         if client_task.done then return true end
         return drain()()
      end
      drive { client_task, server_task }
      assert(committed2 > 0)
      local done4 = keyupdate_finished(client)
      drive {
         { conn = client, step = function()
            if done4 then return true end
            local k, e = client:keyupdate()
            done4 = k == true
            return k, e
         end },
         { conn = sconn, step = drain(function() return lastsent2 + committed2 end) },
      }
      assert.equal(4, client:send("end\n"))
      sconn:settimeout(10)
      assert.equal("end", sconn:receive("*l"))
      assert.equal(3, updates)
      client:close(); sconn:close(); srv:close()
   end)

   it("a timeout > 0 that expires still says 'timeout'", function()
      local client, sconn, server = connected_pair()
      client:settimeout(0.05)
      local data, err, partial = client:receive("*l")
      assert.is_nil(data)
      assert.equal("timeout", err)
      assert.equal("", partial)
      assert.equal("read", client:want())
      client:close(); sconn:close(); server:close()
   end)

   it("close() with timeout 0 returns at once and the peer sees close_notify", function()
      local client, sconn, server = connected_pair()
      assert.equal(1, client:close())
      assert.equal(-1, client:getfd())
      sconn:settimeout(5)
      local data, err = sconn:receive("*l")
      assert.is_nil(data)
      assert.equal("closed", err)
      assert.is_true(sconn:info().close_notify)
      sconn:close(); server:close()
   end)

   it("getstats counts application bytes both ways; setstats sets them", function()
      local client, sconn, server = connected_pair()
      local r, s, age = client:getstats()
      assert.equal(0, r); assert.equal(0, s)
      assert(age >= 0)
      assert.equal(6, client:send("hello\n"))
      sconn:settimeout(5)
      assert.equal("hello", sconn:receive("*l"))
      r, s = sconn:getstats()
      assert.equal(6, r); assert.equal(0, s)
      r, s = client:getstats()
      assert.equal(0, r); assert.equal(6, s)
      -- A line with a '\r' takes the buffered way (a whole line without one
      -- goes straight from the engine's plaintext): both are counted.
      assert.equal(4, client:send("ab\r\n"))
      assert.equal("ab", sconn:receive("*l"))
      r = sconn:getstats()
      assert.equal(10, r)
      assert.equal(1, client:setstats(100, 200, 3600))
      r, s, age = client:getstats()
      assert.equal(100, r); assert.equal(200, s)
      assert(age >= 3600 and age < 3600 + 60)
      assert.equal(1, client:setstats(nil, 5))
      r, s = client:getstats()
      assert.equal(100, r); assert.equal(5, s)
      client:close(); sconn:close(); server:close()
   end)

   it("setoption/getoption reach the socket, and over tls.wrap the LuaSocket object", function()
      local client, sconn, server, tcp = connected_pair()
      -- Our own socket (accepted): we set TCP_NODELAY ourselves.
      assert.is_true(sconn:getoption("tcp-nodelay"))
      assert.equal(1, sconn:setoption("tcp-nodelay", false))
      assert.is_false(sconn:getoption("tcp-nodelay"))
      assert.equal(1, sconn:setoption("keepalive", true))
      assert.is_true(sconn:getoption("keepalive"))
      assert.equal(1, sconn:setoption("linger", { on = true, timeout = 3 }))
      assert.same({ on = true, timeout = 3 }, sconn:getoption("linger"))
      assert.equal(1, sconn:setoption("reuseaddr", true))
      assert.is_true(sconn:getoption("reuseaddr"))
      -- The wrapped LuaSocket object answers (its own results) and sees the change.
      assert.is_false(tcp:getoption("keepalive"))
      assert(client:setoption("keepalive", true))
      assert.is_true(tcp:getoption("keepalive"))
      assert.is_true(client:getoption("keepalive"))
      assert(client:setoption("tcp-nodelay", true))
      assert.is_true(tcp:getoption("tcp-nodelay"))
      client:close(); sconn:close(); server:close()
   end)

   it("setfd moves the connection to another descriptor; -1 detaches it", function()
      local client, sconn, server, tcp = connected_pair()
      local fd = sconn:getfd()
      sconn:setfd(-1)
      assert.equal(-1, sconn:getfd())
      local data, err = sconn:receive("*l")
      assert.is_nil(data)
      assert.equal("closed", err)
      sconn:setfd(fd)
      assert.equal(fd, sconn:getfd())
      assert.equal(3, client:send("ok\n"))
      sconn:settimeout(5)
      assert.equal("ok", sconn:receive("*l"))
      -- Over tls.wrap the LuaSocket object, which owns the descriptor, follows.
      local cfd = client:getfd()
      assert.equal(cfd, tcp:getfd())
      client:setfd(-1)
      assert.equal(-1, tcp:getfd())
      assert.equal(-1, client:getfd())
      client:setfd(cfd)
      assert.equal(cfd, tcp:getfd())
      assert.equal(4, client:send("ok2\n"))
      assert.equal("ok2", sconn:receive("*l"))
      client:close(); sconn:close(); server:close()
   end)

   -- A server's tickets, queued when the client's Finished arrives, wait
   -- in the engine when the receive that completed the handshake already
   -- has its data: they leave with the reply, in the same write. A call
   -- that must wait sends them first.
   local function lazy_handshake_and_request()
      local server, port = listen()
      local client, tcp = wrapped_client(port)
      -- Without Nagle our Finished and the request are both there when the
      -- server reads (as from a libssl client, which turns Nagle off).
      assert(tcp:setoption("tcp-nodelay", true))
      local sconn = accept(server)
      sconn:settimeout(0)
      local sent, got = false, nil
      drive({
         { name = "client", conn = client, step = function()
              local ok, err = client:handshake()
              if not ok then return nil, err end
              if not sent then sent = assert(client:send("hi\n")) end
              return true
           end },
         { name = "server", conn = sconn, step = function()
              local data, err = sconn:receive("*l")
              got = data
              return data ~= nil, err
           end },
      })
      assert.equal("hi", got)
      return client, tcp, sconn, server
   end

   it("a server's tickets wait for its reply when the receive that completed the handshake has its data", function()
      local client, tcp, sconn, server = lazy_handshake_and_request()
      -- Nothing reached the client after our Finished: the tickets are held.
      local readable = socket.select({ tcp }, nil, 0)
      assert.equal(0, #readable)
      assert.is_nil(client:session())
      assert.equal(3, sconn:send("ok\n"))
      client:settimeout(5)
      assert.equal("ok", client:receive("*l"))
      -- They came before the reply.
      assert.is_string(client:session())
      client:close(); sconn:close(); server:close()
   end)

   it("held tickets leave once a receive must wait", function()
      local client, tcp, sconn, server = lazy_handshake_and_request()
      local data, err = sconn:receive("*l")
      assert.is_nil(data)
      assert.equal("wantread", err)
      local readable = socket.select({ tcp }, nil, 10)
      assert.equal(tcp, readable[1])
      data, err = client:receive("*l")
      assert.is_nil(data)
      assert.equal("wantread", err)
      assert.is_string(client:session())
      client:close(); sconn:close(); server:close()
   end)

   it("setfd closes the descriptor it replaces when the connection owns it, never one it is given again", function()
      local client, sconn, server = connected_pair()
      local client2, sconn2, server2 = connected_pair()
      local fd, fd2 = sconn:getfd(), sconn2:getfd()
      -- The same descriptor again: nothing is closed.
      sconn:setfd(fd)
      assert.equal(3, client:send("ok\n"))
      sconn:settimeout(5)
      assert.equal("ok", sconn:receive("*l"))
      -- Detached descriptors are the caller's; the one replaced is closed
      -- (a TCP close without close_notify: its peer sees it at once).
      sconn2:setfd(-1)
      sconn:setfd(fd2)
      assert.equal(fd2, sconn:getfd())
      client:settimeout(5)
      local data, err = client:receive("*l")
      assert.is_nil(data)
      assert.equal("closed", err)
      -- fd2 goes back to the connection whose TLS it carries, still open.
      sconn:setfd(-1)
      sconn2:setfd(fd2)
      assert.equal(4, client2:send("ok2\n"))
      sconn2:settimeout(5)
      assert.equal("ok2", sconn2:receive("*l"))
      client:close(); sconn:close(); server:close()
      client2:close(); sconn2:close(); server2:close()
   end)
end)

describe("non-blocking connections against openssl", function()
   after_each(proc.kill_all)

   it("our client through openssl s_server -rev: 4 MiB of lines with wantwrite, every line comes back", function()
      local _, port = peers.s_server(string.format("-tls1_3 -cert %s -key %s -rev", LEAF.cert, LEAF.key))
      local client = wrapped_client(port)
      -- Small buffers on our side (set through the LuaSocket object): the
      -- peer answers every line, and stops reading while we do not read.
      assert(client:setoption("recv-buffer-size", 32768))
      assert(client:setoption("send-buffer-size", 32768))
      local lines = {}
      for i = 1, 4096 do lines[i] = string.format("%05d:", i) .. string.rep(string.char(97 + i % 26), 1017) end
      local data = table.concat(lines, "\n") .. "\n"
      local stats = {}
      local send = sender(client, data, stats)
      local back, partial = {}, ""
      local hs_words = {}
      drive {
         { conn = client, step = function()
            local ok, e = client:handshake()
            if not ok then hs_words[#hs_words + 1] = e end
            return ok, e
         end },
      }
      for _, w in ipairs(hs_words) do assert.equal("wantread", w) end
      -- Send everything first, reading only when the send has to stop.
      local sent_all = false
      local rounds = 0
      while #back < #lines do
         rounds = rounds + 1
         assert(rounds < 200000, "stuck")
         if not sent_all then
            local ok, e = send()
            if ok then sent_all = true end
            if e then assert.equal("wantwrite", e) end
         end
         if sent_all or (stats.wantwrite or 0) > 0 then
            local line, e, p = client:receive("*l", partial)
            if line then
               back[#back + 1] = line
               partial = ""
            else
               assert.equal("wantread", e)
               partial = p
               socket.select({ client }, (not sent_all) and { client } or nil, 10)
            end
         end
      end
      assert(stats.wantwrite > 0, "the send never had to stop")
      for i = 1, #lines do
         if back[i] ~= lines[i]:reverse() then
            error("line " .. i .. " came back as " .. tostring(back[i]):sub(1, 40))
         end
      end
      client:close()
   end)

   it("openssl s_client against our server, accepted and served in a select loop", function()
      local server, port = listen()
      local input = proc.tmpname()
      proc.write_file(input, "from s_client\n")
      local h = proc.spawn(string.format("openssl s_client -connect 127.0.0.1:%d -tls1_3 -CAfile %s "
         .. "-servername localhost -ign_eof", port, c.ca), { stdin = input })
      local conn
      local rounds = 0
      -- The server socket goes in the same select as the connection.
      local line, got = nil, ""
      local replied = false
      local words = {}
      while not replied do
         rounds = rounds + 1
         assert(rounds < 10000, "stuck")
         local r = { server }
         if conn then r[2] = conn end
         local _, _, err = socket.select(r, nil, 10)
         assert(err == nil, "select: " .. tostring(err) .. "\n" .. h:output())
         if not conn then
            local cc, aerr = server:accept()
            if cc then conn = cc else assert.equal("timeout", aerr) end
         end
         if conn and not line then
            local l, e, p = conn:receive("*l", got)
            if l then line = l else words[#words + 1] = e; got = p end
         end
         if line and not replied then
            assert.equal(9, conn:send("reply ok\n"))
            replied = true
         end
      end
      assert.equal("from s_client", line)
      for _, w in ipairs(words) do assert.equal("wantread", w) end
      conn:settimeout(5)
      conn:close()
      assert(h:wait(10), "s_client did not end")
      assert.matches("reply ok", h:output(), 1, true)
      os.remove(input)
      server:close()
   end)
end)

describe("non-blocking misuse", function()
   it("setfd with garbage raises a clear error", function()
      local client, sconn, server = connected_pair()
      assert.has_error(function() sconn:setfd("x") end,
         "bad argument #1 to 'setfd' (number expected, got string)")
      assert.has_error(function() sconn:setfd(1.5) end,
         "bad argument #1 to 'setfd' (number has no integer representation)")
      assert.has_error(function() sconn:setfd(-7) end, "bad argument #1 to 'setfd' (not a descriptor)")
      assert.has_error(function() sconn:setfd(2 ^ 40) end, "bad argument #1 to 'setfd' (not a descriptor)")
      -- A number no open descriptor has.
      assert.has_error(function() sconn:setfd(1000000) end,
         "bad argument #1 to 'setfd' (not an open descriptor)")
      -- Nothing changed.
      assert.equal(3, client:send("ok\n"))
      sconn:settimeout(5)
      assert.equal("ok", sconn:receive("*l"))
      client:close(); sconn:close(); server:close()
   end)

   it("setoption/getoption with an unknown name raise and name the known ones", function()
      local client, sconn, server = connected_pair()
      local ok, err = pcall(sconn.setoption, sconn, "tcp-turbo", true)
      assert.is_false(ok)
      assert.matches("unsupported option 'tcp%-turbo' %(known: keepalive, reuseaddr, .*tcp%-nodelay", err)
      ok, err = pcall(sconn.getoption, sconn, "nope")
      assert.is_false(ok)
      assert.matches("unsupported option 'nope'", err, 1, true)
      ok, err = pcall(sconn.setoption, sconn, "keepalive", "yes")
      assert.is_false(ok)
      assert.matches("boolean expected, got string", err, 1, true)
      -- The same over a wrapped LuaSocket object: checked before it is asked.
      ok, err = pcall(client.setoption, client, "tcp-turbo", true)
      assert.is_false(ok)
      assert.matches("unsupported option 'tcp-turbo'", err, 1, true)
      client:close(); sconn:close(); server:close()
   end)

   it("calls after close say 'closed', and a closed connection is neither dirty nor waiting", function()
      local client, sconn, server = connected_pair()
      assert.equal(6, sconn:send("later\n"))
      assert(socket.select({ client }, nil, 5)[1] == client)
      assert.equal(1, client:close())
      assert.is_false(client:dirty())
      local ok, err = client:handshake()
      assert.is_nil(ok); assert.equal("closed", err)
      local last, serr, lastsent = client:send("x")
      assert.is_nil(last); assert.equal("closed", serr); assert.equal(0, lastsent)
      local data, rerr, partial = client:receive("*l")
      assert.is_nil(data); assert.equal("closed", rerr); assert.equal("", partial)
      local k, kerr = client:keyupdate()
      assert.is_nil(k); assert.equal("closed", kerr)
      assert.equal("nothing", client:want())
      local v, oerr = client:getoption("keepalive")
      assert.is_nil(v); assert.equal("closed", oerr)
      local s, soerr = client:setoption("keepalive", true)
      assert.is_nil(s); assert.equal("closed", soerr)
      assert.equal(1, client:close())
      sconn:close(); server:close()
      assert.is_false(server:dirty())
      local a, aerr = server:accept()
      assert.is_nil(a); assert.equal("closed", aerr)
   end)
end)
