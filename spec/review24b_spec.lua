-- Session 24b, review24b's R1 and R2.
--   R1 tls.luasec: "@SECLEVEL=n" in `ciphers` was accepted and dropped, so
--      a LuaSec program asking for level 3 accepted an RSA-2048 peer. It
--      is now tls.context's security_level = n (also glued to a word, as
--      in "DEFAULT@SECLEVEL=0"); a malformed level, two different levels,
--      an unknown @command, and a level above the default on a server that
--      verifies nobody are refused.
--   R2 conn:setfd(fd) on a closed connection took the descriptor over (the
--      next close() closed it under its real owner) after making it
--      non-blocking; it now raises before touching it, and a second
--      close() does nothing.
local tls = require "tls"
local ssl = require "tls.luasec"
local socket = require "socket"
local certs = require "spec.support.certs"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local E = require "spec.support.engines"

local c = certs.get()

-- An RSA-768 leaf (under an EC root) for the levels below the default:
-- our own server refuses such a key, s_server at level 0 serves it.
local pki = require("spec.support.pki").new()
pki:ca("root", "ec256", "/CN=luatls review24b root")
pki:key("weak", "rsa768")
pki:issue("weak", "/CN=localhost", "root")

-- A drop-in client with `params` on top of a verifying client's, over TCP
-- to 127.0.0.1:port for localhost: the dohandshake results and the
-- connection (closed by the caller).
local function dropin_handshake(port, params)
   local cfg = { mode = "client", protocol = "any", verify = "peer", cafile = c.ca }
   for k, v in pairs(params) do cfg[k] = v end
   local ctx, err = ssl.newcontext(cfg)
   assert(ctx, err)
   local tcp = assert(socket.connect("127.0.0.1", port))
   local conn = assert(ssl.wrap(tcp, ctx))
   conn:sni("localhost")
   conn:settimeout(10)
   local ok, herr = conn:dohandshake()
   return ok, herr, conn
end

local TOO_WEAK_3 = "certificate key too weak: RSA 2048 bits (security level 3 needs at least 3072)"

describe("review24b R1: tls.luasec takes @SECLEVEL=n in ciphers as security_level", function()
   after_each(proc.kill_all)

   it("a client at @SECLEVEL=3 refuses an RSA-2048 server; at 2 it connects", function()
      local _, port = peers.s_server("-www -tls1_3", nil, c.leaf.rsa2048)
      for _, ciphers in ipairs { "DEFAULT:@SECLEVEL=3", "DEFAULT@SECLEVEL=3", "HIGH:!aNULL:@STRENGTH:@SECLEVEL=3" } do
         local ok, err, conn = dropin_handshake(port, { ciphers = ciphers })
         conn:close()
         assert.is_falsy(ok, ciphers .. " connected to an RSA-2048 server")
         assert.matches(TOO_WEAK_3, err, 1, true)
      end
      local ok, err, conn = dropin_handshake(port, { ciphers = "DEFAULT:@SECLEVEL=2" })
      conn:close()
      assert.is_true(ok, err)
   end)

   it("a client with verify = none at @SECLEVEL=3 records the verdict at that level", function()
      local _, port = peers.s_server("-www -tls1_3", nil, c.leaf.rsa2048)
      local ok, err, conn = dropin_handshake(port, { verify = "none", ciphers = "DEFAULT:@SECLEVEL=3" })
      assert.is_true(ok, err)
      local verified, reason = conn:getpeerverification()
      conn:close()
      assert.is_false(verified)
      assert.matches(TOO_WEAK_3, reason, 1, true)
   end)

   it("a level below the default lowers it, as asked (DEFAULT@SECLEVEL=0 and :@SECLEVEL=1)", function()
      local _, port = peers.s_server(("-tls1_3 -www -cert %s -key %s -cipher DEFAULT:@SECLEVEL=0"):format(
         pki:path("weak.pem"), pki:path("weak.key")))
      local root = pki:path("root.pem")
      local ok, err, conn = dropin_handshake(port, { cafile = root, ciphers = "DEFAULT" })
      conn:close()
      assert.is_falsy(ok)
      assert.matches("certificate key too weak: RSA 768 bits (security level 2 needs at least 2048)", err, 1, true)
      ok, err, conn = dropin_handshake(port, { cafile = root, ciphers = "DEFAULT:@SECLEVEL=1" })
      conn:close()
      assert.is_falsy(ok)
      assert.matches("certificate key too weak: RSA 768 bits (security level 1 needs at least 1024)", err, 1, true)
      ok, err, conn = dropin_handshake(port, { cafile = root, ciphers = "DEFAULT@SECLEVEL=0" })
      conn:close()
      assert.is_true(ok, err)
   end)

   -- The server's context from newcontext, driven as an engine against a
   -- client presenting an RSA-2048 certificate.
   local function server_verdict(ciphers)
      local m = certs.clients()
      local sctx = assert(ssl.newcontext { mode = "server", protocol = "any", certificate = c.leaf.ecdsa_p256.cert,
         key = c.leaf.ecdsa_p256.key, verify = { "peer", "fail_if_no_peer_cert" }, cafile = m.ca, ciphers = ciphers })
      -- The options newcontext made, but for strict_close, which an engine
      -- (it sees no TCP close) refuses.
      local o = {}
      for k, v in pairs(sctx.opts) do if k ~= "strict_close" then o[k] = v end end
      local s = assert(tls.engine(assert(tls.context(o))))
      local cl = assert(tls.engine(assert(tls.context { mode = "client", ca = c.ca, certificate = m.rsa.cert,
         key = m.rsa.key }), { servername = "localhost" }))
      assert(cl:start())
      E.pump(cl, s)
      return s:status().handshake_done, s:error()
   end

   it("a server that verifies clients applies it to the client's chain", function()
      local done, err = server_verdict("DEFAULT:@SECLEVEL=3")
      assert.is_false(done)
      assert.matches("client certificate rejected: " .. TOO_WEAK_3, tostring(err), 1, true)
      done, err = server_verdict("DEFAULT:@SECLEVEL=2")
      assert.is_true(done, tostring(err))
   end)

   it("refuses an SNI map entry that checks client chains at a lower level, takes the same or higher", function()
      local m = certs.clients()
      local function server_ctx(ciphers)
         return assert(ssl.newcontext { mode = "server", protocol = "any", certificate = c.leaf.ecdsa_p256.cert,
            key = c.leaf.ecdsa_p256.key, verify = "peer", cafile = m.ca, ciphers = ciphers })
      end
      local function sni(own, entry)
         local listener = assert(socket.bind("127.0.0.1", 0))
         local ip, port = listener:getsockname()
         local client = assert(socket.connect(ip, port))
         local accepted = assert(listener:accept())
         listener:close()
         local conn = assert(ssl.wrap(accepted, own))
         local ok, err = pcall(conn.sni, conn, { ["b.example"] = entry })
         conn:close(); client:close()
         return ok, err
      end
      local ok, err = sni(server_ctx("DEFAULT:@SECLEVEL=3"), server_ctx("DEFAULT"))
      assert.is_false(ok)
      assert.matches("b.example: its context checks client certificates at security level 2, this connection's "
         .. "at 3: luatls takes the chosen context's; give it the same @SECLEVEL (or a higher one)", err, 1, true)
      -- "level 2" above is the C core's default, which the drop-in reads
      -- from it rather than repeating it.
      assert.equal(2, require("tls.core").default_security_level)
      ok, err = sni(server_ctx("DEFAULT"), server_ctx("DEFAULT:@SECLEVEL=1"))
      assert.is_false(ok)
      assert.matches("at security level 1, this connection's at 2", err, 1, true)
      assert.is_true(sni(server_ctx("DEFAULT:@SECLEVEL=3"), server_ctx("DEFAULT:@SECLEVEL=3")))
      assert.is_true(sni(server_ctx("DEFAULT:@SECLEVEL=3"), server_ctx("DEFAULT:@SECLEVEL=4")))
      assert.is_true(sni(server_ctx("DEFAULT:@SECLEVEL=1"), server_ctx("DEFAULT")))
   end)

   local function refusal(params)
      local cfg = { mode = "client", protocol = "any", verify = "none" }
      for k, v in pairs(params) do cfg[k] = v end
      local ctx, err = ssl.newcontext(cfg)
      assert.is_nil(ctx, "accepted: " .. tostring(params.ciphers))
      return err
   end

   it("refuses a malformed level with OpenSSL's syntax in the message", function()
      for _, bad in ipairs { "@SECLEVEL=", "@SECLEVEL=6", "@SECLEVEL=33", "@SECLEVEL=03", "@SECLEVEL=x", "@SECLEVEL=-1" } do
         assert.equal("ciphers: '" .. bad .. "' is not a security level (OpenSSL's syntax: "
            .. "@SECLEVEL=n with one digit n from 0 to 5)", refusal { ciphers = "DEFAULT:" .. bad })
      end
      assert.equal("ciphers: '@SECLEVEL=9' is not a security level (OpenSSL's syntax: "
         .. "@SECLEVEL=n with one digit n from 0 to 5)", refusal { ciphers = "DEFAULT@SECLEVEL=9" })
   end)

   it("refuses two different levels in one list, takes the same one twice", function()
      assert.equal("ciphers: @SECLEVEL=1 and @SECLEVEL=3 in one list: give one security level",
         refusal { ciphers = "DEFAULT:@SECLEVEL=1:@SECLEVEL=3" })
      local ctx = assert(ssl.newcontext { mode = "client", protocol = "any", ciphers = "DEFAULT:@SECLEVEL=3:@SECLEVEL=3" })
      assert.equal(3, ctx.opts.security_level)
   end)

   it("refuses an @command OpenSSL does not have (a misspelt @SECLEVEL is not dropped)", function()
      assert.equal("ciphers: unknown command '@SECLEVL=3' in 'DEFAULT:@SECLEVL=3' (OpenSSL has @STRENGTH and @SECLEVEL=n)",
         refusal { ciphers = "DEFAULT:@SECLEVL=3" })
      assert.equal("ciphers: unknown command '@strength' in 'HIGH:@strength' (OpenSSL has @STRENGTH and @SECLEVEL=n)",
         refusal { ciphers = "HIGH:@strength" })
   end)

   it("on a server that verifies nobody, refuses a level above the default and takes the others", function()
      local base = { mode = "server", protocol = "any", certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
      local function server(ciphers)
         local cfg = { ciphers = ciphers }
         for k, v in pairs(base) do cfg[k] = v end
         return ssl.newcontext(cfg)
      end
      local ctx, err = server("DEFAULT:@SECLEVEL=4")
      assert.is_nil(ctx)
      assert.equal("ciphers: @SECLEVEL=4 on a server that does not verify clients: luatls applies a security "
         .. "level only to the peer's certificate chain (not to the server's own key); add verify = \"peer\" "
         .. "or leave @SECLEVEL out", err)
      for _, ok in ipairs { "DEFAULT:@SECLEVEL=2", "DEFAULT@SECLEVEL=0", "DEFAULT:@SECLEVEL=1" } do
         ctx, err = server(ok)
         assert(ctx, err)
         assert.is_nil(ctx.opts.security_level)
      end
   end)

   -- review24d F4: OpenSSL's levels 3 to 5 allow only forward-secret suites.
   it("at @SECLEVEL=3 offers no RSA key transport, and refuses a list of nothing else", function()
      local _, port = peers.s_server("-www -tls1_2 -cipher AES128-GCM-SHA256", nil, c.leaf.rsa2048)
      local ok, err, conn = dropin_handshake(port, { verify = "none", protocol = "tlsv1_2",
         ciphers = "AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=3" })
      conn:close()
      assert.is_falsy(ok, "an RSA key transport suite was offered at level 3")
      ok, err, conn = dropin_handshake(port, { verify = "none", protocol = "tlsv1_2",
         ciphers = "AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=2" })
      assert.is_true(ok, err)
      assert.equal("AES128-GCM-SHA256", conn:info("cipher"))
      conn:close()
      local ctx
      ctx, err = ssl.newcontext { mode = "client", protocol = "tlsv1_2", verify = "none",
         ciphers = "AES128-GCM-SHA256:@SECLEVEL=3" }
      assert.is_nil(ctx)
      assert.equal("ciphers: @SECLEVEL=3 allows only forward-secret suites (as OpenSSL's levels 3 to 5), and "
         .. "'AES128-GCM-SHA256:@SECLEVEL=3' names only RSA key transport", err)
   end)
end)

describe("review24b R2: setfd on a closed connection", function()
   local CLOSED = "bad argument #1 to 'setfd' (the connection is closed)"

   -- A closed server connection that owned its descriptor, and another
   -- object's connected socket (with its peer).
   local function closed_and_other()
      local cert, key = tls.selfsigned { names = { "localhost" } }
      local server = assert(tls.listen("127.0.0.1", 0, { mode = "server", certificate = cert, key = key }))
      local _, port = server:getsockname()
      local tcp = assert(socket.connect("127.0.0.1", port))
      local conn = assert(server:accept())
      server:close()
      assert.equal(1, conn:close())
      tcp:close()
      local plain = assert(socket.bind("127.0.0.1", 0))
      local _, pport = plain:getsockname()
      local other = assert(socket.connect("127.0.0.1", pport))
      local peer = assert(plain:accept())
      plain:close()
      return conn, other, peer
   end

   it("raises, leaves the other descriptor alone, and a second close() closes nothing", function()
      local conn, other, peer = closed_and_other()
      local fd = math.tointeger(other:getfd())
      local ok, err = pcall(conn.setfd, conn, fd)
      assert.is_false(ok)
      assert.equal(CLOSED, err)
      ok, err = pcall(function() conn:setfd(fd) end)
      assert.is_false(ok)
      assert.equal(CLOSED, err)
      assert.equal(-1, conn:getfd())
      assert.equal(1, conn:close())
      assert.equal(10, other:send("still mine"))
      peer:settimeout(5)
      assert.equal("still mine", peer:receive(10))
      other:close(); peer:close()
   end)

   it("checks the state before the descriptor: a number that is not open gets the same error", function()
      local conn, other, peer = closed_and_other()
      other:close(); peer:close()
      local ok, err = pcall(conn.setfd, conn, 1000)
      assert.is_false(ok)
      assert.equal(CLOSED, err)
   end)

   it("raises over a wrapped LuaSocket socket too, which keeps its own descriptor", function()
      local listener = assert(socket.bind("127.0.0.1", 0))
      local _, port = listener:getsockname()
      local tcp = assert(socket.connect("127.0.0.1", port))
      local accepted = assert(listener:accept())
      listener:close()
      local ctx = assert(tls.context { mode = "client", verify = false })
      local conn = assert(tls.wrap(tcp, ctx, { servername = "localhost" }))
      assert.equal(1, conn:close())
      local ok, err = pcall(conn.setfd, conn, math.tointeger(accepted:getfd()))
      assert.is_false(ok)
      assert.equal(CLOSED, err)
      assert.equal(-1, conn:getfd())
      assert.equal(1, accepted:send("x"))
      accepted:close()
   end)

   it("the drop-in refuses it the same way (its own guard)", function()
      local listener = assert(socket.bind("127.0.0.1", 0))
      local _, port = listener:getsockname()
      local tcp = assert(socket.connect("127.0.0.1", port))
      local accepted = assert(listener:accept())
      listener:close()
      local conn = assert(ssl.wrap(tcp, { mode = "client", protocol = "any", verify = "none" }))
      conn:close()
      local ok, err = pcall(conn.setfd, conn, math.tointeger(accepted:getfd()))
      assert.is_false(ok)
      assert.matches("bad argument #1 to 'setfd' (invalid SSL object state)", err, 1, true)
      assert.equal(-1, conn:getfd())
      assert.equal(1, accepted:send("x"))
      accepted:close()
   end)
end)
