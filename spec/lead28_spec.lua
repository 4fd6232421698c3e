-- Session 28, lead.
--   An IPv4 address in a short, octal or hex form ("127.1", "1.2.3",
--   "010.0.0.1", "0x7f.0.0.1", "2130706433") was taken as a DNS name by the
--   name rules while the system's resolver connected to the address it
--   reads (010.0.0.1 is 8.0.0.1): a name check against a name no
--   certificate carries. Refused now wherever a client's name is given.
local tls = require "tls"
local socket = require "socket"
local tcppair = require "spec.support.tcppair"
local E = require "spec.support.engines"

local forms = {
   ["127.1"] = "127.0.0.1",
   ["1.2.3"] = "1.2.0.3",
   ["010.0.0.1"] = "8.0.0.1",
   ["0x7f.0.0.1"] = "127.0.0.1",
   ["2130706433"] = "127.0.0.1",
   ["0"] = "0.0.0.0",
}

local function problem(read_as)
   return "is an IPv4 address in a short, octal or hex form (the system reads it as " .. read_as
      .. "): write an address as four decimal numbers"
end

describe("IPv4 addresses in other forms than four decimal numbers", function()
   for form, read_as in pairs(forms) do
      it("refuses " .. form .. " as a servername (tls.engine, tls.connect, tls.selfsigned)", function()
         local c = assert(tls.context { mode = "client", verify = false })
         local e, err = tls.engine(c, { servername = form })
         assert.is_nil(e)
         assert.equal("tls.engine: option 'servername' " .. problem(read_as), err)
         local conn, cerr = tls.connect("localhost", 1, c, { servername = form })
         assert.is_nil(conn)
         assert.equal("tls.connect: option 'servername' " .. problem(read_as), cerr)
         local cert, serr = tls.selfsigned { names = { form } }
         assert.is_nil(cert)
         assert.equal("tls.selfsigned: option 'names': entry 1 ('" .. form .. "') is not a host name or IP "
            .. "address: it " .. problem(read_as), serr)
      end)
   end

   it("refuses a host in such a form, before connecting, when it is the default name", function()
      local conn, err = tls.connect("127.1", 1)
      assert.is_nil(conn)
      assert.equal("tls.connect: host (the default 'servername') " .. problem("127.0.0.1"), err)
   end)

   it("refuses it in the drop-in's sni() and servername, and in tls.https's servername", function()
      local ssl = require "tls.luasec"
      local ctx, err = ssl.newcontext { mode = "client", protocol = "any", verify = "none", servername = "127.1" }
      assert.is_nil(ctx)
      assert.matches("the host name " .. problem("127.0.0.1"):gsub("%p", "%%%0"), err)
      local sock, other = tcppair()
      local conn = assert(ssl.wrap(sock, { mode = "client", protocol = "any", verify = "none" }))
      local ok, serr = pcall(conn.sni, conn, "0x7f.0.0.1")
      assert.is_false(ok)
      assert.matches("the host name " .. problem("127.0.0.1"):gsub("%p", "%%%0"), serr)
      conn:close()
      other:close()
      local https = require "tls.https"
      local body, herr = https.request { url = "https://127.0.0.1:1/", servername = "010.0.0.1" }
      assert.is_nil(body)
      assert.matches("option 'servername' " .. problem("8.0.0.1"):gsub("%p", "%%%0"), herr)
      -- the URL's host, before connecting (a listener that is never reached)
      local listener = assert(socket.bind("127.0.0.1", 0))
      local _, port = listener:getsockname()
      body, herr = https.request("https://127.1:" .. port .. "/")
      assert.is_nil(body)
      assert.equal("tls.https: the host of 'https://127.1:" .. port .. "/' " .. problem("127.0.0.1"), herr)
      listener:settimeout(0)
      assert.is_nil(listener:accept())
      listener:close()
   end)

   for _, name in ipairs { "1.2.3.4", "::1", "1e100.net", "123.example", "a.123", "08.1", "0x", "4294967296" } do
      it("still takes " .. name .. " (an address in four decimal numbers, IPv6, or what the resolver cannot read as "
         .. "an address)", function()
         local c = assert(tls.context { mode = "client", verify = false })
         assert.truthy(tls.engine(c, { servername = name }))
         assert.truthy(tls.selfsigned { names = { name } })
      end)
   end

   it("(why) the resolver does connect such a host to the address it reads", function()
      local server = assert(socket.bind("127.0.0.1", 0))
      local _, port = server:getsockname()
      local sock = socket.tcp()
      sock:settimeout(5)
      assert(sock:connect("127.1", port))
      local peer = assert(server:accept())
      assert.equal("127.0.0.1", (peer:getpeername()))
      peer:close()
      sock:close()
      server:close()
   end)
end)

-- review28b F1: a connection or engine kept its context and trace function
-- through registry references until its finalizer ran, so a callback that
-- mentioned the object (a verify function using conn) made it reachable
-- from the registry for ever: never collected, traffic keys never wiped.
describe("a callback that refers to its own connection or engine", function()
   local cert, key = tls.selfsigned { names = { "localhost" } }

   local function count_alive(weak)
      collectgarbage()
      collectgarbage()
      local n = 0
      for _ in pairs(weak) do n = n + 1 end
      return n
   end

   it("does not keep engines alive (an alpn function and a trace function mentioning them)", function()
      local weak = setmetatable({}, { __mode = "k" })
      for _ = 1, 20 do
         local holder = {}
         local sctx = assert(tls.context { mode = "server", certificate = cert, key = key,
            alpn = function() return holder.s and "h2" end })
         local cctx = assert(tls.context { mode = "client", ca = cert, alpn = { "h2" },
            trace = function() return holder.c end })
         local c = assert(tls.engine(cctx, { servername = "localhost" }))
         local s = assert(tls.engine(sctx))
         holder.c, holder.s = c, s
         E.handshake(c, s)
         assert.equal("h2", c:info().alpn)
         c:close()
         s:close()
         weak[c], weak[s] = true, true
      end
      assert.equal(0, count_alive(weak))
   end)

   it("does not keep a wrapped connection alive (a verify function mentioning it)", function()
      local weak = setmetatable({}, { __mode = "k" })
      local sctx = assert(tls.context { mode = "server", certificate = cert, key = key })
      for _ = 1, 10 do
         local a, b = tcppair()
         local conn
         local cctx = assert(tls.context { mode = "client", ca = cert,
            verify = function(chain, ok) return ok and conn ~= nil and #chain > 0 end })
         conn = assert(tls.wrap(a, cctx, { servername = "localhost" }))
         local s = assert(tls.wrap(b, sctx))
         conn:settimeout(0)
         s:settimeout(0)
         for _ = 1, 50 do
            local x, y = conn:handshake(), s:handshake()
            if x and y then break end
         end
         assert.is_true(conn:info().handshake_done)
         conn:close()
         s:close()
         weak[conn] = true
      end
      assert.equal(0, count_alive(weak))
   end)

   it("still finds the context a servername function switched to after a full collection", function()
      local called = {}
      local sctx = assert(tls.context { mode = "server", certificate = cert, key = key,
         servername = function()
            -- referred to by nothing but the engine once returned
            return assert(tls.context { mode = "server", certificate = cert, key = key,
               alpn = function(list) called[#called + 1] = list[1]; return list[1] end })
         end,
         trace = function() collectgarbage() end })
      local cctx = assert(tls.context { mode = "client", ca = cert, alpn = { "h2" } })
      local c = assert(tls.engine(cctx, { servername = "localhost" }))
      local s = assert(tls.engine(sctx))
      E.handshake(c, s)
      assert.is_true(c:status().handshake_done)
      assert.same({ "h2" }, called)
      assert.equal("h2", c:info().alpn)
   end)
end)

-- review28a: two things said wrongly about TLS 1.2.
describe("TLS 1.2", function()
   local cert, key = tls.selfsigned { names = { "localhost" } }

   it("says key_exchange = \"PSK\" and no group on an abbreviated (resumed) handshake, not \"ECDHE\"", function()
      local sctx = assert(tls.context { mode = "server", certificate = cert, key = key, max_version = "TLSv1.2" })
      local cctx = assert(tls.context { mode = "client", ca = cert })
      local c1, s1 = assert(tls.engine(cctx, { servername = "localhost" })), assert(tls.engine(sctx))
      E.handshake(c1, s1)
      assert.equal("ECDHE", c1:info().key_exchange)
      assert.equal("x25519", c1:info().group)
      local session = assert(c1:session())
      local c2 = assert(tls.engine(cctx, { servername = "localhost", session = session }))
      local s2 = assert(tls.engine(sctx))
      E.handshake(c2, s2)
      for _, e in ipairs { c2, s2 } do
         local info = e:info()
         assert.equal("TLSv1.2", info.version)
         assert.is_true(info.resumed)
         assert.equal("PSK", info.key_exchange)
         assert.is_nil(info.group)
      end
   end)

   it("refuses key_update_after with max_version = \"TLSv1.2\" (no KeyUpdate in TLS 1.2), in both modes", function()
      for _, mode in ipairs { "client", "server" } do
         local ctx, err = tls.context { mode = mode, certificate = cert, key = key, max_version = "TLSv1.2",
            key_update_after = 100 }
         assert.is_nil(ctx)
         assert.equal("option 'key_update_after' can never take effect with 'max_version = \"TLSv1.2\"': key "
            .. "updates exist only in TLS 1.3 (leave 'key_update_after' out, or allow TLS 1.3)", err)
         assert.truthy(tls.context { mode = mode, certificate = cert, key = key, key_update_after = 100 })
      end
   end)
end)

-- review28b F2: a password given with a key that is not encrypted was taken
-- and never used (a program believing its key kept encrypted was not told).
describe("a password and the key it opens", function()
   local certs = require "spec.support.certs"
   local proc = require "spec.support.proc"
   local leaf = certs.get().leaf.ecdsa_p256
   local enc = proc.tmpname()

   setup(function()
      certs.encrypt_key(leaf.key, enc, "s3cret")
   end)
   teardown(function() os.remove(enc) end)

   it("is refused with a plain key, as a file and as PEM text, in 'key' and in 'certificates'", function()
      local pem = assert(io.open(leaf.key)):read("a")
      local ctx, err = tls.context { mode = "server", certificate = leaf.cert, key = leaf.key, password = "s3cret" }
      assert.is_nil(ctx)
      assert.equal("key: " .. leaf.key .. " is not encrypted, but a password was given (leave "
         .. "'password' out, or encrypt the key)", err)
      ctx, err = tls.context { mode = "server", certificate = leaf.cert, key = pem, password = "" }
      assert.is_nil(ctx)
      assert.matches("is not encrypted, but a password was given", err, 1, true)
      ctx, err = tls.context { mode = "server",
         certificates = { { certificate = leaf.cert, key = leaf.key, password = "s3cret" } } }
      assert.is_nil(ctx)
      assert.matches("^option 'certificates%[1%]%.key': key: .* is not encrypted", err)
   end)

   it("still opens an encrypted key; one with a zero byte is refused, not cut short", function()
      assert.truthy(tls.context { mode = "server", certificate = leaf.cert, key = enc, password = "s3cret" })
      local ctx, err = tls.context { mode = "server", certificate = leaf.cert, key = enc, password = "s3cret\0x" }
      assert.is_nil(ctx)
      assert.equal("key: the password contains a zero byte, which would cut it short", err)
   end)

   it("the LuaSec drop-in keeps LuaSec's way: a password with a plain key is not used", function()
      local ssl = require "tls.luasec"
      for _, key in ipairs { leaf.key, enc } do
         assert.truthy(ssl.newcontext { mode = "server", protocol = "any", certificate = leaf.cert, key = key,
            password = "s3cret" })
         assert.truthy(ssl.newcontext { mode = "server", protocol = "any", certificate = leaf.cert, key = key,
            password = function() return "s3cret" end })
      end
      local ctx, err = ssl.newcontext { mode = "server", protocol = "any", certificate = leaf.cert, key = enc,
         password = "wrong" }
      assert.is_nil(ctx)
      assert.truthy(err)
   end)
end)

-- review28c #1: a server_name with a trailing dot ("alt.example.", which
-- openssl s_client sends as given) was taken but never matched: the client
-- got the default certificate, or unrecognized_name with sni_strict.
describe("a server_name with a trailing dot", function()
   local B = require "spec.support.tlsbytes"
   local alt_cert, alt_key = tls.selfsigned { names = { "alt.example" } }

   local function sni(name)
      return { { 0, B.vec(2, B.u8(0) .. B.vec(2, name)) } }
   end
   local function ch12(name)
      return B.client_hello_record { suites = { 0xc02b }, extensions = {
         { 10, B.vec(2, B.list16 { 0x001d, 0x0017 }) }, { 11, B.vec(1, "\0") },
         { 13, B.vec(2, B.list16 { 0x0403, 0x0804 }) }, { 23, "" }, sni(name)[1] } }
   end

   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("is the same name without it, for the servername function and the certificate chosen (" .. version .. ")",
         function()
         local seen = {}
         local hello = version == "TLSv1.3" and B.client_hello_record { extra = sni("alt.example.") }
            or ch12("alt.example.")
         local events = {}
         local s = E.server_engine { sni_strict = true, servername = function(name) seen[#seen + 1] = name end,
            certificates = { { certificate = alt_cert, key = alt_key } },
            trace = function(ev) events[#events + 1] = ev end }
         local ok, why = s:feed(hello)
         assert.is_true(ok, why)
         assert.same({ "alt.example" }, seen)
         local chosen
         for _, ev in ipairs(events) do
            if ev.message == "server_name" then chosen = ev end
         end
         assert.truthy(chosen, "no server_name decision traced")
         assert.equal("alt.example", chosen.name)
         assert.equal("2 of 2", chosen.pair)
         assert.equal("its certificate is for this name, with a key the client can verify", chosen.why)
      end)
   end

   it("leaves a lone '.' as it is (not a host name, matched to nothing)", function()
      local s = E.server_engine { sni_strict = true }
      local ok = s:feed(B.client_hello_record { extra = sni(".") })
      assert.is_nil(ok)
      local _, alert = s:error()
      assert.equal("unrecognized_name", alert)
   end)
end)

-- review28c #2: an alpn list too long for the ClientHello failed every
-- handshake with "out of memory building a handshake message". Since
-- review41b a list no ClientHello can carry is refused by tls.context; one
-- that fits only without the server name still fails at the start.
describe("a ClientHello too long for its length fields", function()
   it("fails with a message that says so, naming the alpn list", function()
      local names = {}
      -- 255 names of 255 bytes and one of 200: 65481 bytes with their length bytes
      for i = 1, 255 do names[i] = string.format("%03d", i) .. ("p"):rep(252) end
      names[256] = ("q"):rep(200)
      local c, cerr = tls.context { mode = "client", verify = false, alpn = names }
      assert.is_nil(c)
      assert.equal("option 'alpn': no ClientHello can carry this list: the ClientHello would be too long: its "
         .. "extensions exceed 65535 bytes (the alpn list alone is 65481 bytes; a kept session's ticket counts too)", cerr)
      -- 65300 bytes: a hello of this context carries them with no server name (up to
      -- 65374 with today's defaults), but not with a long one
      names[256] = ("q"):rep(19)
      c = assert(tls.context { mode = "client", verify = false, alpn = names })
      local e = assert(tls.engine(c, { servername = ("a"):rep(63) .. "." .. ("b"):rep(63) .. ".example" }))
      local ok, err = e:start()
      assert.is_nil(ok)
      assert.equal("the ClientHello would be too long: its extensions exceed 65535 bytes (the alpn list alone is "
         .. "65300 bytes; a kept session's ticket counts too)", err)
   end)
end)

-- review28d: the anchors of a connection used from another object's
-- finalizer (the collector clears weak values reachable only from objects
-- about to be finalized, before any finalizer runs); long zero-padded IPv4
-- forms; a key from a named pipe read twice by the drop-in; a ClientHello
-- made too long by a session's ticket.
describe("review28d", function()
   it("a connection used from another object's __gc still calls its context's functions", function()
      local traced, verify_calls = 0, 0
      local cctx = assert(tls.context { mode = "client", ca = E.CERT,
         verify = function(_, ok) verify_calls = verify_calls + 1; return ok end,
         trace = function() traced = traced + 1 end })
      local sctx = E.server_ctx()
      local result = {}
      do
         local c = assert(tls.engine(cctx, { servername = "localhost" }))
         local s = assert(tls.engine(sctx))
         -- made after c, so its finalizer runs before c's
         setmetatable({}, { __gc = function()
            c:start()
            pcall(E.pump, c, s)
            result.done, result.err = c:status().handshake_done, c:error()
         end })
      end
      collectgarbage()
      collectgarbage()
      assert.is_true(result.done, tostring(result.err))
      assert.equal(1, verify_calls)
      assert.is_true(traced > 0)
   end)

   it("refuses a zero-padded IPv4 form longer than 64 bytes", function()
      local name = "127.0.0." .. ("0"):rep(62) .. "1"
      local c = assert(tls.context { mode = "client", verify = false })
      local e, err = tls.engine(c, { servername = name })
      assert.is_nil(e)
      assert.matches("the system reads it as 127.0.0.1", err, 1, true)
   end)

   it("the drop-in reads a key from a named pipe once (it waited for ever on a second reader)", function()
      local proc = require "spec.support.proc"
      local certs = require "spec.support.certs"
      local leaf = certs.get().leaf.ecdsa_p256
      local dir = proc.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir " .. dir))
      local enc = dir .. "/k_enc.pem"
      certs.encrypt_key(leaf.key, enc, "s3cret")
      assert(os.execute("mkfifo " .. dir .. "/fifo"))
      -- one writer, once (given up after 5 s if nothing reads); then, so that a
      -- second read fails instead of waiting for ever, an empty write (given up
      -- after 8 s when nothing opens the pipe again, as it should be)
      assert(os.execute(string.format("((timeout 5 sh -c 'cat %s > %s/fifo'; sleep 2; "
         .. "timeout 8 sh -c ': > %s/fifo') >/dev/null 2>&1 &)", enc, dir, dir)))
      local ssl = require "tls.luasec"
      local ctx, err = ssl.newcontext { mode = "server", protocol = "any", certificate = leaf.cert,
         key = dir .. "/fifo", password = "s3cret" }
      os.execute("rm -rf " .. dir)
      assert.truthy(ctx, err)
   end)

   it("a ClientHello made too long by a TLS 1.3 session's ticket says so, not 'out of memory'", function()
      local sctx = E.server_ctx()
      local names = {}
      for i = 1, 255 do names[i] = string.format("%05d", i) .. ("p"):rep(250) end
      names[256] = ("q"):rep(69) -- 65350 bytes: the hello fits alone, not with a ticket
      local cctx = assert(tls.context { mode = "client", ca = E.CERT, alpn = names })
      local c, s = assert(tls.engine(cctx, { servername = "localhost" })), assert(tls.engine(sctx))
      E.handshake(c, s)
      assert(s:write("x"))
      E.pump(s, c)
      c:read()
      local c2 = assert(tls.engine(cctx, { servername = "localhost", session = assert(c:session()) }))
      local ok, err = c2:start()
      assert.is_nil(ok)
      assert.equal("the ClientHello would be too long: its extensions exceed 65535 bytes (the alpn list alone is "
         .. "65350 bytes; a kept session's ticket counts too)", err)
   end)
end)
