-- Issue 12: the sans-I/O engine says what it waits for at every stage, not
-- only during the handshake. e:want() (and e:status().want) is one word, in
-- the order a driver acts on it: "output" (records to send), "data"
-- (decrypted data to read), "failed", "closed", "input" (bytes from the
-- peer). status().wants_read is true whenever more input is of use.
local tls = require "tls"
local socket = require "socket"
local E = require "spec.support.engines"

-- want() and status() agree, and wants_read is true exactly while the
-- engine would use more input.
local function want(e, word, wants_read)
   assert.equal(word, e:want())
   local st = e:status()
   assert.equal(word, st.want)
   if wants_read ~= nil then assert.equal(wants_read, st.wants_read) end
end

describe("e:want()", function()
   it("says what the engine waits for at every step of a TLS 1.3 connection", function()
      local c, s = E.engines()
      assert(c:start())
      want(c, "output", true)
      want(s, "input", true)
      assert(s:feed(c:output()))
      want(c, "input", true)
      want(s, "output", true)
      assert(c:feed(s:output()))
      want(s, "input", true)
      -- The client's Finished waits.
      assert.is_true(c:status().handshake_done)
      want(c, "output", true)
      assert(s:feed(c:output()))
      -- After the handshake the engine still wants input (it did not say so before issue 12).
      want(c, "input", true)
      assert.is_true(s:status().handshake_done)
      want(s, "output", true) -- NewSessionTickets
      assert(c:feed(s:output()))
      want(s, "input", true)
      want(c, "input", true) -- tickets are no data
      -- Data.
      assert(s:write("hello"))
      want(s, "output", true)
      assert(c:feed(s:output()))
      want(c, "data", true)
      assert.equal("hello", c:read())
      want(c, "input", true)
      -- Output comes before data: a driver sends first.
      assert(s:write("more"))
      assert(c:write("ping"))
      assert(c:feed(s:output()))
      want(c, "output", true)
      assert(s:feed(c:output()))
      want(c, "data", true)
      want(s, "data", true)
      assert.equal("more", c:read())
      assert.equal("ping", s:read())
      -- Our close_notify: the peer may still send, so we still want input.
      assert(c:close())
      want(c, "output", true)
      assert(s:feed(c:output()))
      want(c, "input", true)
      want(s, "closed", false)
      -- The peer's data before its own close_notify is read first.
      assert(s:write("bye"))
      assert(s:close())
      want(s, "output", false)
      assert(c:feed(s:output()))
      want(s, "closed", false)
      want(c, "data", false)
      assert.equal("bye", c:read())
      want(c, "closed", false)
   end)

   it("after a failure the alert waits as output, then the engine says failed", function()
      local c, s = E.engines()
      assert(c:start())
      assert(s:feed(c:output()))
      assert(c:feed(s:output()))
      -- A record the client's Finished should have been: garbage.
      local ok, err = s:feed("\22\3\3\0\5hello")
      assert.is_nil(ok)
      assert.equal("unprotected handshake record after handshake keys were in use", err)
      want(s, "output", false)
      local alert = s:output()
      assert.equal(24, #alert) -- one alert under the handshake key
      assert.equal(23, alert:byte(1))
      want(s, "failed", false)
      -- The client's Finished waits; then the alert comes: failed, with
      -- no alert of its own to send back (what waited may still go out).
      want(c, "output", true)
      local cok = c:feed(alert)
      assert.is_nil(cok)
      assert.equal("peer sent alert unexpected_message (10)", c:error())
      want(c, "output", false)
      c:output()
      want(c, "failed", false)
   end)

   it("data decrypted before a failure is still read, after the alert goes out and before 'failed'", function()
      local c, s = E.connected()
      E.pump(s, c)
      assert(s:write("good"))
      local records = s:output()
      -- A forged application data record after it: it cannot be opened.
      local forged = "\23\3\3\0\32" .. string.rep("\90", 32)
      local ok = c:feed(records .. forged)
      assert.is_nil(ok)
      assert.equal("bad_record_mac", select(2, c:error()))
      want(c, "output", false)
      assert(#c:output() > 0)
      want(c, "data", false)
      assert.equal("good", c:read())
      want(c, "failed", false)
   end)

   it("a handshake we cancelled is closed: later input is ignored", function()
      local c = E.engines()
      assert(c:start())
      c:output()
      want(c, "input", true)
      assert(c:close())
      want(c, "output", false)
      c:output()
      want(c, "closed", false)
   end)

   -- A driver that decides from want() alone, over real sockets: it sleeps
   -- on a socket only when the engine says "input".
   it("drives a client and a server over TCP sockets from want() alone", function()
      local listener = assert(socket.bind("127.0.0.1", 0))
      local _, port = listener:getsockname()
      local csock = assert(socket.connect("127.0.0.1", port))
      listener:settimeout(5)
      local ssock = assert(listener:accept())
      listener:close()
      csock:settimeout(0); ssock:settimeout(0)
      local c, s = E.engines()
      assert(c:start())
      local peers = {
         { e = c, sock = csock, got = {}, name = "client" },
         { e = s, sock = ssock, got = {}, name = "server" },
      }
      local words = { client = {}, server = {} }
      -- The application: the client says ping once connected, the server
      -- answers pong and closes, the client closes on pong.
      local function app(p)
         local st = p.e:status()
         if p.name == "client" and st.handshake_done and not p.said then
            assert(p.e:write("ping")); p.said = true
         end
         if p.name == "server" and table.concat(p.got) == "ping" and not p.said then
            assert(p.e:write("pong")); assert(p.e:close()); p.said = true
         end
         if p.name == "client" and table.concat(p.got) == "pong" and not st.closed then
            assert(p.e:close())
         end
      end
      local rounds = 0
      while true do
         local wait = {}
         local finished = 0
         for _, p in ipairs(peers) do
            app(p)
            local w = p.e:want()
            local ws = words[p.name]
            if ws[#ws] ~= w then ws[#ws + 1] = w end
            if w == "output" then
               local out = p.e:output()
               local i = 0
               while i < #out do
                  local last, err, lastsent = p.sock:send(out, i + 1)
                  i = last or lastsent
                  if not last then
                     assert.equal("timeout", err)
                     socket.select(nil, { p.sock }, 5)
                  end
               end
            elseif w == "data" then
               p.got[#p.got + 1] = p.e:read()
            elseif w == "input" then
               assert.is_true(p.e:status().wants_read)
               local data, err, partial = p.sock:receive(65536)
               local bytes = data or partial
               if #bytes > 0 then
                  local ok, ferr = p.e:feed(bytes)
                  assert(ok, ferr)
               else
                  assert.equal("timeout", err)
                  wait[#wait + 1] = p.sock
               end
            else
               assert.equal("closed", w)
               assert.is_false(p.e:status().wants_read)
               finished = finished + 1
            end
         end
         if finished == 2 then break end
         rounds = rounds + 1
         assert(rounds < 1000, "the engines did not finish")
         if #wait == 2 then
            local _, _, err = socket.select(wait, nil, 5)
            assert(err == nil, "both engines wait for input and none came")
         end
      end
      assert.equal("pong", table.concat(peers[1].got))
      assert.equal("ping", table.concat(peers[2].got))
      -- Both went through every stage (how the records fall into reads
      -- decides the order in the middle); each ends closed.
      for _, name in ipairs { "client", "server" } do
         local seen = {}
         for _, w in ipairs(words[name]) do seen[w] = true end
         assert.same({ output = true, input = true, data = true, closed = true }, seen)
         assert.equal("closed", words[name][#words[name]])
      end
      assert.equal("output", words.client[1])
      assert.equal("input", words.server[1])
      csock:close(); ssock:close()
   end)
end)
