-- Session 36's fixes: sessions of connections that failed (review36a F1),
-- luatls's own options given to the LuaSec drop-in (review36b F1), one
-- socket wrapped twice (review36b F2), settimeout's mode (review36b I1),
-- "TRUSTED CERTIFICATE" blocks in `ca` given as text (review36d F1), the
-- IP address mismatch message (review36d F2).
local tls = require "tls"
local ssl = require "tls.luasec"
local E = require "spec.support.engines"
local tcppair = require "spec.support.tcppair"

-- The record `bytes` with one bit of its last byte (the AEAD tag) flipped.
local function altered(bytes)
   return bytes:sub(1, -2) .. string.char(bytes:byte(-1) ~ 1)
end

-- A memory store that also counts what the server asks of it.
local function counting_store()
   local inner = tls.store.memory()
   local st = { puts = {}, deletes = {} }
   st.store = {
      get = function(id) return inner.get(id) end,
      put = function(id, blob, ttl) st.puts[#st.puts + 1] = id; return inner.put(id, blob, ttl) end,
      delete = function(id) st.deletes[#st.deletes + 1] = id; return inner.delete(id) end,
   }
   return st
end

describe("a connection that ended with a fatal alert leaves no session (RFC 5246 7.2.2, RFC 8446 6)", function()
   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("on a client, " .. version .. ": session() is nil after bad_record_mac, and was there before it",
         function()
         local cctx = assert(tls.context { ca = E.CERT })
         local sctx = E.server_ctx { max_version = version }
         local _, c, s = E.first_session(cctx, sctx)
         local before = c:session()
         assert.is_string(before)
         assert(s:write("altered"))
         local ok, err = c:feed(altered(s:output()))
         assert.is_nil(ok)
         assert.truthy(tostring(err):find("bad record MAC", 1, true), err)
         assert.is_true(c:status().failed)
         assert.is_nil(c:session())
         -- a connection closed in order keeps its session
         local _, c2, s2 = E.first_session(cctx, sctx)
         assert(c2:close())
         E.pump(c2, s2)
         assert.is_string(c2:session())
      end)
   end

   it("on a client, after the fatal alert the peer sent", function()
      local cctx = assert(tls.context { ca = E.CERT })
      local sctx = E.server_ctx {}
      local _, c, s = E.first_session(cctx, sctx)
      -- the server refuses an altered record; its alert reaches the client
      assert(c:write("x"))
      assert.is_nil(s:feed(altered(c:output())))
      assert.is_nil(c:feed(s:output()))
      local _, alert, from_peer = c:error()
      assert.equal("bad_record_mac", alert)
      assert.is_true(from_peer)
      assert.is_nil(c:session())
   end)

   it("a TLS 1.2 server deletes the session of a connection that failed from its store; one closed in order "
      .. "stays and resumes", function()
      local st = counting_store()
      local sctx = E.server_ctx { max_version = "TLSv1.2", tickets = 0, session_store = st.store }
      local cctx = assert(tls.context { ca = E.CERT })
      -- closed in order: stored, never deleted, resumed by id
      local kept, c1, s1 = E.first_session(cctx, sctx)
      assert(c1:close())
      E.pump(c1, s1)
      assert.equal(1, #st.puts)
      assert.equal(0, #st.deletes)
      local c2, s2 = E.resume(cctx, sctx, kept)
      assert.is_true(s2:info().resumed)
      assert.is_true(c2:info().resumed)
      -- that resumed connection fails: the entry it was resumed from goes
      assert(c2:write("x"))
      assert.is_nil(s2:feed(altered(c2:output())))
      assert.same({ st.puts[1] }, st.deletes)
      local c3, s3 = E.resume(cctx, sctx, kept)
      assert.is_false(s3:info().resumed)
      assert.is_false(c3:info().resumed)
      -- a full handshake's session, stored, then the connection fails
      local lost, c4, s4 = E.first_session(cctx, sctx)
      assert.equal(3, #st.puts)
      assert(c4:write("x"))
      assert.is_nil(s4:feed(altered(c4:output())))
      assert.equal(st.puts[3], st.deletes[2])
      local c5, s5 = E.resume(cctx, sctx, lost)
      assert.is_true(c5:status().handshake_done)
      assert.is_false(s5:info().resumed)
   end)

   it("a TLS 1.2 server whose handshake fails before it stored anything asks the store nothing", function()
      local st = counting_store()
      local sctx = E.server_ctx { max_version = "TLSv1.2", tickets = 0, session_store = st.store }
      local c2 = assert(tls.engine(assert(tls.context { ca = E.CERT, max_version = "TLSv1.2" }),
         { servername = "elsewhere" }))
      local s2 = assert(tls.engine(sctx))
      assert(c2:start())
      E.pump(c2, s2)
      assert.is_true(c2:status().failed)
      assert.is_true(s2:status().failed)
      assert.equal(0, #st.puts)
      assert.equal(0, #st.deletes)
   end)
end)

describe("the LuaSec drop-in refuses luatls's own tls.context options (review36b F1)", function()
   local luasec_params = {
      mode = true, protocol = true, options = true, password = true, certificate = true, key = true,
      certificates = true, cafile = true, capath = true, verify = true, verifyext = true, dane = true,
      depth = true, dhparam = true, ciphers = true, ciphersuites = true, curve = true, curveslist = true,
      alpn = true, servername = true,
   }
   it("refuses every tls.context option LuaSec has no parameter for, naming it", function()
      local n = 0
      for name in pairs(require("tls.util").context_options) do
         if not luasec_params[name] then
            n = n + 1
            local ctx, err = ssl.newcontext { mode = "client", protocol = "any", [name] = "x" }
            assert.is_nil(ctx, name)
            local prefix = name .. ": an option of luatls's tls.context, not a LuaSec parameter; the drop-in "
               .. "would ignore it, so it is refused: "
            assert.equal(1, err:find(prefix, 1, true), err)
         end
      end
      assert.is_true(n >= 25, n)
   end)

   it("points to LuaSec's own way where there is one", function()
      local function refusal(params)
         params.mode, params.protocol = "client", "any"
         return select(2, ssl.newcontext(params))
      end
      assert.equal("security_level: an option of luatls's tls.context, not a LuaSec parameter; the drop-in would "
         .. "ignore it, so it is refused: LuaSec's way is @SECLEVEL=n in ciphers", refusal { security_level = 3 })
      assert.equal("pin: an option of luatls's tls.context, not a LuaSec parameter; the drop-in would ignore it, "
         .. "so it is refused: use tls.context with tls.wrap for it, or leave it out",
         refusal { pin = string.rep("A", 43) .. "=" })
      assert.truthy(refusal { ca = "x" }:find("LuaSec's way is cafile (or capath)", 1, true))
      assert.truthy(refusal { max_version = "TLSv1.2" }:find("LuaSec's way is protocol, or options no_tlsv1_2 / "
         .. "no_tlsv1_3", 1, true))
      -- false is refused too: the name alone says the program meant luatls
      assert.truthy(refusal { ocsp = false }:find("^ocsp: "))
   end)

   it("refuses them in wrap's parameter table, before the socket is taken", function()
      local a, b = tcppair()
      local conn, err = ssl.wrap(a, { mode = "client", protocol = "any", verify = "peer", ocsp = "require" })
      assert.is_nil(conn)
      assert.truthy(err:find("^ocsp: an option of luatls's tls.context"), err)
      assert.is_true(a:getfd() >= 0)
      a:close(); b:close()
   end)

   it("still ignores names neither API has, as LuaSec does", function()
      assert.truthy(ssl.newcontext { mode = "client", protocol = "any", verify = "none", colour = "blue" })
   end)
end)

describe("one socket, one TLS connection (review36b F2)", function()
   it("tls.wrap refuses a socket a live connection wraps; the drop-in's wrap too", function()
      local a, b = tcppair()
      local cctx = assert(tls.context { ca = E.CERT })
      local c1 = assert(tls.wrap(a, cctx, { servername = "localhost" }))
      local c2, err = tls.wrap(a, cctx, { servername = "localhost" })
      assert.is_nil(c2)
      assert.equal("tls.wrap: the socket is already under TLS (" .. tostring(c1) .. "): a socket carries one TLS "
         .. "connection; use that one", err)
      local d, derr = ssl.wrap(a, { mode = "client", protocol = "any", verify = "none" })
      assert.is_nil(d)
      assert.equal("the socket is already under TLS (" .. tostring(c1) .. "): a socket carries one TLS connection; "
         .. "use that one", derr)
      -- the first connection is untouched: it completes its handshake and talks
      local s = assert(tls.wrap(b, E.server_ctx {}))
      c1:settimeout(0); s:settimeout(0)
      for _ = 1, 100 do
         local ok = c1:handshake()
         local sok = s:handshake()
         if ok and sok then break end
      end
      c1:settimeout(5); s:settimeout(5)
      assert(c1:send("one socket\n"))
      assert.equal("one socket", s:receive("*l"))
      c1:close(); s:close()
      -- closed with its connection: wrapping it again says so
      local c3, cerr = tls.wrap(a, cctx, { servername = "localhost" })
      assert.is_nil(c3)
      assert.truthy(cerr:find("the socket is closed", 1, true), cerr)
   end)

   it("a LuaSocket object moved to another descriptor (its setfd) can be wrapped again", function()
      local a, b = tcppair()
      local x, y = tcppair()
      local cctx = assert(tls.context { ca = E.CERT })
      local c1 = assert(tls.wrap(a, cctx, { servername = "localhost" }))
      local old = a:getfd()
      a:setfd(x:getfd())
      x:setfd(-1)
      local c2 = assert(tls.wrap(a, cctx, { servername = "localhost" }))
      assert.are_not.equal(old, c2:getfd())
      c2:close(); y:close()
      c1:close(); b:close()
   end)

   it("a socket whose first wrap was refused (no connection made) can be wrapped", function()
      local a, b = tcppair()
      local cctx = assert(tls.context { ca = E.CERT })
      assert.is_nil(tls.wrap(a, cctx, { servername = "" }))
      local c = assert(tls.wrap(a, cctx, { servername = "localhost" }))
      c:close(); b:close()
   end)
end)

describe("settimeout's LuaSocket mode (review36b I1)", function()
   it("takes 'b', 't' and 'r' and raises on another, on connections, servers and the drop-in", function()
      local a, b = tcppair()
      local conn = assert(tls.wrap(a, assert(tls.context { verify = false })))
      for _, mode in ipairs { "b", "t", "r", "block", "total" } do
         assert.equal(1, conn:settimeout(1, mode))
      end
      assert.equal(1, conn:settimeout(1))
      local ok, err = pcall(function() return conn:settimeout(1, "x") end)
      assert.is_false(ok)
      assert.truthy(err:find("bad argument #2 to 'settimeout' (invalid timeout mode 'x' (LuaSocket's are 'b' and "
         .. "'t'))", 1, true), err)
      assert.is_false(pcall(function() return conn:settimeout(1, "") end))
      assert.is_false(pcall(function() return conn:settimeout(1, {}) end))
      conn:close()
      local server = assert(tls.listen("127.0.0.1", 0, { mode = "server", certificate = E.CERT, key = E.KEY }))
      assert.equal(1, server:settimeout(0, "t"))
      ok, err = pcall(function() return server:settimeout(0, "q") end)
      assert.is_false(ok)
      assert.truthy(err:find("invalid timeout mode 'q'", 1, true), err)
      server:close()
      local d = assert(ssl.wrap(b, { mode = "client", protocol = "any", verify = "none" }))
      assert.equal(1, d:settimeout(1, "t"))
      ok, err = pcall(function() return d:settimeout(1, "x") end)
      assert.is_false(ok)
      assert.truthy(err:find("bad argument #2 to 'settimeout' (invalid timeout mode 'x'", 1, true), err)
      d:close()
   end)
end)

describe("'ca' as PEM text takes a bundle as a file does (review36d F1)", function()
   local proc = require "spec.support.proc"
   local c = require("spec.support.certs").get()
   local read = proc.read_file
   -- c.ca in OpenSSL's trusted form, with a trust setting (openssl x509 -addreject / -addtrust)
   local function trusted(flag)
      local out, code = proc.run("openssl x509 -in " .. proc.quote(c.ca) .. " " .. flag)
      assert.equal(0, code, out)
      assert.truthy(out:find("-----BEGIN TRUSTED CERTIFICATE-----", 1, true), out)
      return out
   end
   -- Our client with `ca` = text, against our server with a leaf under c.ca.
   local function handshake(ca_text)
      local cctx = assert(tls.context { ca = ca_text })
      local cl = assert(tls.engine(cctx, { servername = "localhost" }))
      local sv = assert(tls.engine(assert(tls.context { mode = "server", certificate = c.leaf.ecdsa_p256.cert,
         key = c.leaf.ecdsa_p256.key })))
      assert(cl:start())
      E.pump(cl, sv)
      return cl:status().handshake_done, cl:error()
   end

   for _, form in ipairs { "file", "text" } do
      it("a root distrusted for serverAuth before the plain root refuses the server, " .. form, function()
         local bundle = trusted("-addreject serverAuth") .. read(c.ca)
         local ca = bundle
         if form == "file" then
            ca = os.tmpname()
            proc.write_file(ca, bundle)
         end
         local done, err = handshake(ca)
         if form == "file" then os.remove(ca) end
         assert.is_false(done)
         assert.truthy(tostring(err):find("certificate rejected", 1, true), err)
      end)
   end

   it("a trusted-form root alone is a trust anchor, and the plain root still works", function()
      assert.is_true((handshake(trusted("-addtrust serverAuth"))))
      assert.is_true((handshake(read(c.ca))))
   end)

   it("bad PEM and text without a certificate are still refused", function()
      assert.equal("ca: no certificate found in the PEM text",
         select(2, tls.context { ca = "-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n" }))
      local _, err = tls.context { ca = "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n" }
      assert.truthy(err:find("^ca: bad PEM in the PEM text: "), err)
   end)
end)

describe("an IP address mismatch says which names are DNS names (review36d F2)", function()
   it("a DNS name reading 127.0.0.1 does not match the address 127.0.0.1, and the message shows why", function()
      local proc = require "spec.support.proc"
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p " .. proc.quote(dir)))
      local cert, key = dir .. "/c.pem", dir .. "/k.pem"
      local out, code = proc.run(string.format("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
         .. "-nodes -subj /CN=dns-ip -addext subjectAltName=DNS:127.0.0.1 -days 2 -keyout %s -out %s 2>&1",
         proc.quote(key), proc.quote(cert)))
      assert.equal(0, code, out)
      local cl = assert(tls.engine(assert(tls.context { ca = cert }), { servername = "127.0.0.1" }))
      local sv = assert(tls.engine(assert(tls.context { mode = "server", certificate = cert, key = key })))
      assert(cl:start())
      E.pump(cl, sv)
      os.execute("rm -rf " .. proc.quote(dir))
      assert.is_false(cl:status().handshake_done)
      assert.equal("IP address mismatch: expected 127.0.0.1, certificate is for DNS:127.0.0.1", (cl:error()))
   end)
end)
