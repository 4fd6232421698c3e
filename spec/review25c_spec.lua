-- Session 25c, review25c (Lua API misuse).
--   #3 one ticket key where a list belongs was taken as a file name and
--      printed raw in the error; it is refused without showing it, and
--      ticket key file names are shown with \xNN escapes.
--   #1 a client engine fed before e:start() failed for good with the text
--      "tls_conn_start was not called" and an internal_error alert queued;
--      it now raises and leaves the engine untouched.
--   #6 e:read_early() on a client and e:start() after e:close() did
--      nothing quietly; they raise.
--   #2 the wrapped LuaSocket socket closed by a callback of the running
--      call: the handshake went on over the descriptor number, reused by
--      another socket; the call now fails and nothing reaches that socket.
--   #4 tls.wrap (and the drop-in's ssl.wrap) took a tls.conn or tls.server
--      (anything with getfd); luatls's own objects, listening sockets and
--      non-stream sockets are refused.
--   #5 a non-context where a context belongs failed inside the library
--      ("attempt to call a nil value (method 'mode')", 'raw_listen'); it is
--      now a bad argument naming the public function, and a LuaSec drop-in
--      context given to the native API says so.
--   #10 tls.selfsigned cut a name at a zero byte (a certificate for
--      "good.example" when "good.example\0.evil.example" was asked) and took
--      names no client can ask for; names follow servername's rule now.
--   #13 tls.listen{ handshake_timeout = 0 } dropped every client needing a
--      second round trip; 0 and below are refused like other bad values.
--   #15 the memory store kept a math.huge ttl for ever, and called the blob
--      argument #1.
--   #7 tls.https.request{ step = 5 } was reported as the server's malformed
--      response; a step that cannot be called raises as a bad field.
--   #9 tls.luasec.https.request{ servername = } was accepted and ignored;
--      it is refused.
--   #14 after `local e <close> = engine`, methods said "engine already
--      collected" and e:session() quietly returned nil; both now say the
--      engine was closed.
local tls = require "tls"
local tk = require "tls.ticketkeys"
local certs = require "spec.support.certs"
local E = require "spec.support.engines"
local socket = require "socket"

local c = certs.get()

local function server_ctx(extra)
   local o = { mode = "server", certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
   for k, v in pairs(extra or {}) do o[k] = v end
   return assert(tls.context(o))
end

local tcppair = require "spec.support.tcppair"

describe("review25c #3: one ticket key where a list belongs", function()
   it("ctx:setticketkeys(key) is refused and the key is never shown", function()
      local ctx = server_ctx()
      for _ = 1, 20 do
         local key = tk.generate()
         local ok, err = ctx:setticketkeys(key)
         assert.is_nil(ok)
         assert.matches("got one key, not a list of keys: give { key }", err, 1, true)
         assert.is_nil(err:find(key, 1, true))
         assert.is_nil(err:find(key:sub(1, 16), 1, true))
         assert.is_nil(err:find("[%c\127-\255]"))
      end
   end)

   it("a key in hexadecimal is refused and never shown", function()
      local ctx = server_ctx()
      local hexkey = (tk.generate():gsub(".", function(ch) return string.format("%02x", ch:byte()) end))
      local ok, err = ctx:setticketkeys(hexkey)
      assert.is_nil(ok)
      assert.matches("got one key", err, 1, true)
      assert.is_nil(err:find(hexkey:sub(1, 32), 1, true))
   end)

   it("ticket_keys = key is refused and never shown", function()
      local key = tk.generate()
      local ctx, err = tls.context { mode = "server", certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key, ticket_keys = key }
      assert.is_nil(ctx)
      assert.matches("option 'ticket_keys': got one key, not a list of keys", err, 1, true)
      assert.is_nil(err:find(key, 1, true))
   end)

   it("(neighbour) { key } and a key file's name still work", function()
      local ctx = server_ctx()
      local key = tk.generate()
      assert.is_true(ctx:setticketkeys({ key }))
      assert.same({ tk.name(key) }, ctx:ticketkeynames())
      local path = os.tmpname()
      assert(tk.write(path, { key }))
      local ctx2 = server_ctx()
      assert.is_true(ctx2:setticketkeys(path))
      assert.same({ tk.name(key) }, ctx2:ticketkeynames())
      os.remove(path)
   end)

   it("a key file name with control or non-ASCII bytes is shown as \\xNN", function()
      local ctx = server_ctx()
      local name = "/nonexistent/\27[31mred\1\255.keys"
      local ok, err = ctx:setticketkeys(name)
      assert.is_nil(ok)
      assert.matches("/nonexistent/\\x1B[31mred\\x01\\xFF.keys", err, 1, true)
      assert.is_nil(err:find("[%c\127-\255]"))
      -- the C reader escapes as well
      local text, cerr = require("tls.core").ticketkeys_read(name)
      assert.is_nil(text)
      assert.matches("\\x1B[31mred\\x01\\xFF", cerr, 1, true)
      -- and the parser's messages
      local path = os.tmpname()
      local dir = path:match("^(.*)/")
      local odd = dir .. "/luatls25c\1odd.keys"
      local f = assert(io.open(odd, "w")); f:write("not a key\n"); f:close()
      os.execute("chmod 600 '" .. odd .. "'")
      local ok2, err2 = server_ctx():setticketkeys(odd)
      os.remove(odd); os.remove(path)
      assert.is_nil(ok2)
      assert.matches("luatls25c\\x01odd.keys", err2, 1, true)
      assert.is_nil(err2:find("[%c\127-\255]"))
   end)
end)

describe("review25c #1: a client engine fed before start()", function()
   for _, bytes in ipairs({ "", "\22\3\3\0\1\2" }) do
      it("raises and leaves the engine as it was (" .. #bytes .. " bytes)", function()
         local c, s = E.engines()
         local ok, err = pcall(c.feed, c, bytes)
         assert.is_false(ok)
         assert.matches("tls.engine: feed() before start() on a client engine: call e:start() first", err, 1, true)
         assert.is_nil(err:find("tls_conn_start", 1, true))
         local st = c:status()
         assert.is_false(st.failed)
         assert.is_false(st.closed)
         assert.equal("input", c:want())
         assert.equal("", c:output())
         assert.is_nil(c:error())
         -- (neighbour) the correct order still works on the same engine
         E.handshake(c, s)
      end)
   end

   it("(neighbour) a server engine is fed first", function()
      local c, s = E.engines()
      assert.is_true(s:feed(""))
      E.handshake(c, s)
   end)
end)

describe("review25c #6: engine methods in the wrong mode or state", function()
   it("e:read_early() on a client raises", function()
      local c, s = E.connected()
      local ok, err = pcall(c.read_early, c)
      assert.is_false(ok)
      assert.matches("tls.engine: read_early() is for a server engine", err, 1, true)
      -- (neighbour) on the server it answers
      local data, complete = s:read_early()
      assert.equal("", data)
      assert.is_true(complete)
   end)

   it("e:start() after e:close() raises", function()
      local c = E.engines()
      assert.is_true(c:close())
      local ok, err = pcall(c.start, c)
      assert.is_false(ok)
      assert.matches("tls.engine: start() after close()", err, 1, true)
      -- (neighbour) a fresh engine starts
      local c2, s2 = E.engines()
      assert.is_true(c2:start())
      E.pump(c2, s2)
      assert.is_true(c2:status().handshake_done)
   end)
end)

describe("review25c #2: the wrapped socket closed from a callback", function()

   -- verify(a) runs inside the client's handshake; returns the results.
   local function run(verify_action)
      local third = assert(socket.bind("127.0.0.1", 0))
      local _, tport = third:getsockname()
      local a, b = tcppair()
      local other
      local cctx = assert(tls.context { mode = "client", ca = E.CERT, verify = function(_, ok)
         if verify_action then other = verify_action(a, tport) end
         return ok
      end })
      local c = assert(tls.wrap(a, cctx, { servername = "localhost" }))
      local s = assert(tls.wrap(b, E.server_ctx()))
      c:settimeout(0); s:settimeout(0)
      local r1, e1, r2, e2
      for _ = 1, 200 do
         r1, e1 = c:handshake()
         r2, e2 = s:handshake()
         local cdone = r1 or (e1 ~= "wantread" and e1 ~= "wantwrite")
         local sdone = r2 or (e2 ~= "wantread" and e2 ~= "wantwrite")
         if cdone and sdone then break end
         socket.sleep(0.005)
      end
      local got = ""
      if other then
         local t = assert(third:accept())
         t:settimeout(0.2)
         local data, _, part = t:receive("*a")
         got = data or part or ""
         t:close(); other:close()
      end
      third:close()
      local fd = c:getfd()
      c:close(); s:close(); b:close()
      return r1, e1, got, fd
   end

   it("fails the call and writes nothing to the socket that took the number", function()
      local r1, e1, got, fd = run(function(a, tport)
         local was = a:getfd()
         a:close()
         -- open sockets until one gets the number (the lowest free one)
         local spare, other = {}, nil
         for _ = 1, 64 do
            local s = assert((socket.tcp4 or socket.tcp)())
            if s:getfd() == was then
               other = s
               break
            end
            spare[#spare + 1] = s
         end
         for _, s in ipairs(spare) do s:close() end
         assert(other, "no socket got the number")
         assert(other:connect("127.0.0.1", tport))
         return other
      end)
      assert.is_nil(r1)
      assert.matches("the wrapped socket was closed during this call", e1, 1, true)
      assert.equal(0, #got)
      assert.equal(-1, fd)
   end)

   it("fails the call when the socket was closed and the number is free", function()
      local r1, e1, _, fd = run(function(a) a:close() end)
      assert.is_nil(r1)
      assert.matches("the wrapped socket was closed during this call", e1, 1, true)
      assert.equal(-1, fd)
   end)

   it("(neighbour) a callback that leaves the socket alone completes", function()
      local r1, e1 = run(nil)
      assert.is_true(r1, e1)
   end)
end)

describe("review25c #4: tls.wrap given something that is no connected TCP socket", function()
   local cctx = assert(tls.context { mode = "client", ca = E.CERT })

   it("refuses a tls.conn", function()
      local a, b = tcppair()
      local c = assert(tls.wrap(a, cctx, { servername = "localhost" }))
      local ok, err = pcall(tls.wrap, c, cctx, { servername = "localhost" })
      assert.is_false(ok)
      assert.matches("bad argument #1 to 'wrap' (connected LuaSocket TCP socket expected, got tls.conn: TLS over "
         .. "a TLS connection is not supported", err, 1, true)
      c:close(); b:close()
   end)

   it("refuses a tls.server and leaves it listening", function()
      local srv = assert(tls.listen("127.0.0.1", 0, E.server_ctx()))
      local ok, err = pcall(tls.wrap, srv, cctx, { servername = "localhost" })
      assert.is_false(ok)
      assert.matches("got tls.server: a listening server", err, 1, true)
      assert.is_true(srv:getfd() >= 0)
      srv:close()
   end)

   it("refuses an engine and a context", function()
      local ok, err = pcall(tls.wrap, E.client_engine(), cctx)
      assert.is_false(ok)
      assert.matches("got tls.engine", err, 1, true)
      ok, err = pcall(tls.wrap, cctx, cctx)
      assert.is_false(ok)
      assert.matches("got tls.context", err, 1, true)
   end)

   it("refuses a listening LuaSocket socket and a UDP socket", function()
      local l = assert(socket.bind("127.0.0.1", 0))
      local c, err = tls.wrap(l, cctx, { servername = "localhost" })
      assert.is_nil(c)
      assert.equal("tls.wrap: the socket is a listening one: wrap the sockets its accept() returns", err)
      l:close()
      local u = assert(socket.udp())
      assert(u:setsockname("127.0.0.1", 0))
      c, err = tls.wrap(u, cctx, { servername = "localhost" })
      assert.is_nil(c)
      assert.equal("tls.wrap: the descriptor is not a TCP (stream) socket", err)
      u:close()
   end)

   it("the drop-in's ssl.wrap refuses a tls.conn and its own connection", function()
      local ssl = require "tls.luasec"
      local params = { mode = "client", protocol = "any", verify = "none" }
      local a, b = tcppair()
      local c = assert(tls.wrap(a, cctx, { servername = "localhost" }))
      local ok, err = pcall(ssl.wrap, c, params)
      assert.is_false(ok)
      assert.matches("bad argument #1 to 'wrap' (LuaSocket TCP socket expected, got tls.conn", err, 1, true)
      c:close(); b:close()
      local a2, b2 = tcppair()
      local s1 = assert(ssl.wrap(a2, params))
      ok, err = pcall(ssl.wrap, s1, params)
      assert.is_false(ok)
      assert.matches("got SSL connection: TLS over a TLS connection is not supported", err, 1, true)
      s1:close(); b2:close()
   end)

   it("(neighbour) a connected TCP socket is wrapped and handshakes", function()
      local a, b = tcppair()
      local c = assert(tls.wrap(a, cctx, { servername = "localhost" }))
      local s = assert(tls.wrap(b, E.server_ctx()))
      c:settimeout(0); s:settimeout(0)
      local r1, r2
      for _ = 1, 200 do
         r1 = r1 or c:handshake()
         r2 = r2 or s:handshake()
         if r1 and r2 then break end
         socket.sleep(0.005)
      end
      assert.is_true(r1); assert.is_true(r2)
      c:close(); s:close()
   end)
end)

describe("review25c #5: a non-context where a context belongs", function()
   local cert = assert(tls.certificate(E.CERT))
   local tcp = tcppair
   local cases = {
      { "engine", 1, function(x) return tls.engine(x) end },
      { "wrap", 2, function(x)
         local a, b = tcp()
         local ok, r1, r2 = pcall(tls.wrap, a, x)
         a:close(); b:close()
         if not ok then error(r1, 0) end
         return r1, r2
      end },
      { "listen", 3, function(x) return tls.listen("127.0.0.1", 0, x) end },
      { "connect", 3, function(x) return tls.connect("127.0.0.1", 1, x) end },
   }
   for _, case in ipairs(cases) do
      local fname, argn, call = case[1], case[2], case[3]
      it("tls." .. fname .. " names itself and the argument", function()
         for _, v in ipairs({ { cert, "tls.certificate" }, { E.client_engine(), "tls.engine" }, { 5, "number" },
            { "ctx", "string" }, { true, "boolean" } }) do
            local ok, err = pcall(call, v[1])
            assert.is_false(ok)
            assert.matches(string.format("bad argument #%d to '%s' (tls.context or table of options expected, got %s)",
               argn, fname, v[2]), err, 1, true)
         end
      end)
   end

   it("a LuaSec drop-in context given to tls.wrap / tls.engine says so", function()
      local ssl = require "tls.luasec"
      local lctx = assert(ssl.newcontext { mode = "client", protocol = "any", verify = "none" })
      local ok, err = pcall(tls.engine, lctx)
      assert.is_false(ok)
      assert.matches("bad argument #1 to 'engine' (tls.context expected, got a context of the LuaSec drop-in", err, 1,
         true)
      ok, err = pcall(cases[2][3], lctx)
      assert.is_false(ok)
      assert.matches("bad argument #2 to 'wrap' (tls.context expected, got a context of the LuaSec drop-in", err, 1,
         true)
   end)

   it("(neighbour) a context, a table of options and nil still work", function()
      assert(tls.engine(assert(tls.context { mode = "client", verify = false })))
      assert(tls.engine({ verify = false }))
      local e = tls.engine(nil, { servername = "localhost" })
      assert(e)
      local srv = assert(tls.listen("127.0.0.1", 0, E.server_ctx()))
      srv:close()
   end)
end)

describe("review25c #10: tls.selfsigned names", function()
   it("refuses a name with a zero byte instead of cutting it", function()
      local cert, err = tls.selfsigned { names = { "good.example\0.evil.example" } }
      assert.is_nil(cert)
      assert.equal("tls.selfsigned: option 'names': entry 1 ('good.example\\x00.evil.example') is not a host name or "
         .. "IP address: it contains a NUL byte (at byte 13)", err)
   end)

   it("refuses names that are no host name, shown escaped", function()
      for _, n in ipairs({ ("a"):rep(64) .. ".example", ("a."):rep(130) .. "x", "x\nCN=evil", "a b", "foo." }) do
         local cert, err = tls.selfsigned { names = { "localhost", n } }
         assert.is_nil(cert, n)
         assert.matches("tls.selfsigned: option 'names': entry 2 (", err, 1, true)
         assert.matches("is not a host name or IP address: it ", err, 1, true)
         assert.is_nil(err:find("[%c\127-\255]"))
      end
   end)

   it("(neighbour) host names, IP addresses and a wildcard are issued", function()
      local pem = assert(tls.selfsigned { names = { "localhost", "127.0.0.1", "::1", "*.example.com",
         "xn--bcher-kva.example" } })
      local cert = assert(tls.certificate(pem))
      local found = false
      local function walk(t)
         for _, v in pairs(t) do
            if v == "*.example.com" then found = true elseif type(v) == "table" then walk(v) end
         end
      end
      local ok, names = pcall(function() return cert:names() end)
      assert(ok and type(names) == "table", tostring(names))
      walk(names)
      assert.is_true(found)
   end)
end)

describe("review25c #13: handshake_timeout", function()
   it("refuses 0 and negative values", function()
      for _, v in ipairs({ 0, -1, -0.0 }) do
         local server, err = tls.listen("127.0.0.1", 0, E.server_ctx(), { handshake_timeout = v })
         assert.is_nil(server)
         assert.matches("tls.listen: option 'handshake_timeout' must be a number of seconds > 0 or false", err, 1,
            true)
      end
   end)

   it("(neighbour) a positive value and false are taken", function()
      for _, v in ipairs({ 0.5, false }) do
         local server = assert(tls.listen("127.0.0.1", 0, E.server_ctx(), { handshake_timeout = v }))
         server:close()
      end
   end)
end)

describe("review25c #15: memory store put", function()
   local store = require "tls.store"
   it("refuses an infinite ttl", function()
      local st = store.memory()
      assert.has_error(function() st.put("id", "blob", math.huge) end,
         "bad argument #3 to 'put' (ttl in seconds expected, got infinity)")
      assert.is_nil(st.get("id"))
   end)

   it("numbers the blob argument #2", function()
      local st = store.memory()
      assert.has_error(function() st.put("id", nil, 10) end,
         "bad argument #2 to 'put' (blob string expected, got nil)")
   end)

   it("(neighbour) a finite ttl is kept", function()
      local st = store.memory()
      st.put("id", "blob", 60)
      assert.equal("blob", st.get("id"))
   end)
end)

describe("review25c #7: tls.https step", function()
   local https = require "tls.https"
   it("a step that is no function raises before connecting", function()
      for _, v in ipairs({ 5, "x", {} }) do
         local ok, err = pcall(https.request, { url = "https://127.0.0.1:1/", step = v })
         assert.is_false(ok)
         assert.matches("bad field 'step' to 'tls.https.request' (function expected, got " .. type(v) .. ")", err, 1,
            true)
      end
   end)

   it("(neighbour) a function step passes the check (the request then fails to connect)", function()
      local ok, r, err = pcall(https.request, { url = "https://127.0.0.1:1/", step = require("ltn12").pump.step })
      assert.is_true(ok)
      assert.is_nil(r)
      assert.is_string(err)
      assert.is_nil(err:find("step", 1, true))
   end)
end)

describe("review25c #9: tls.luasec.https servername", function()
   local lhttps = require "tls.luasec.https"
   it("is refused, not ignored", function()
      for _, v in ipairs({ "other.example", "", "localhost" }) do
         local r, err = lhttps.request { url = "https://127.0.0.1:1/", servername = v }
         assert.is_nil(r)
         assert.equal("ssl.https: 'servername' is not used: the URL's host is the name checked (use tls.https "
            .. "for a server reached by IP address)", err)
      end
   end)

   it("(neighbour) a request without it goes on (and fails to connect here)", function()
      local r, err = lhttps.request { url = "https://127.0.0.1:1/" }
      assert.is_nil(r)
      assert.is_nil(tostring(err):find("servername", 1, true))
   end)
end)

describe("review25c #14: an engine after its <close>", function()
   it("says it was closed, for session() too", function()
      local kept
      do
         local e <close> = E.client_engine()
         kept = e
      end
      for _, m in ipairs({ "status", "session", "want" }) do
         local ok, err = pcall(kept[m], kept)
         assert.is_false(ok, m)
         assert.matches("engine closed (its <close> or __gc ran): make a new engine", err, 1, true)
      end
   end)

   it("(neighbour) a live engine's session() answers", function()
      local c = E.connected()
      assert.is_string(c:session())
   end)
end)
