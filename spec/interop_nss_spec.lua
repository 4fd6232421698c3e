-- Our client and server against NSS, the TLS stack of Firefox (Debian's
-- libnss3-tools: selfserv and tstclnt, NSS 3.87), written apart from
-- OpenSSL and the others. Besides handshakes and data, both sides print the
-- exporter values (RFC 5705, RFC 8446 7.5) of each connection, which must be
-- ours byte for byte: a check of our key schedule against an independent one
-- on every connection, TLS 1.3 and 1.2, resumed or not.
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local nss = require "spec.support.nss"
local tls = require "tls"
local socket = require "socket"

local c = certs.get()

local EXPORTERS = "-x EXPORTER-luatls:32,EXPORTER-ctx:20:abc"

-- Our exporter values for conn, as NSS prints them.
local function ours(conn)
   return {
      { label = "EXPORTER-luatls", hex = nss.hex(assert(conn:export("EXPORTER-luatls", nil, 32))) },
      { label = "EXPORTER-ctx", hex = nss.hex(assert(conn:export("EXPORTER-ctx", "abc", 20))) },
   }
end

-- selfserv's HTTP-like answer to a request: it sends the request back
-- between headers and "EOF", then closes.
local function request(port, ctx, opts)
   local conn = peers.connect(port, ctx, opts)
   assert(conn:send("GET /luatls HTTP/1.0\r\n\r\n"))
   -- Before the end: a TLS 1.2 connection answers the peer's close_notify at
   -- once (RFC 5246 7.2.1), and once both have passed its secrets are wiped.
   local exported = ours(conn)
   local page, err, partial = conn:receive("*a")
   assert(page, tostring(err) .. " after " .. #(partial or ""))
   assert.truthy(page:find("GET /luatls HTTP/1.0", 1, true), page)
   local info, session = conn:info(), conn:session()
   if info.version == "TLSv1.2" then
      assert.same({ nil, "closed" }, { conn:export("EXPORTER-luatls", nil, 32) })
   end
   conn:close()
   return info, exported, session
end

-- Waits until selfserv's output holds n exporter blocks per connection.
local function selfserv_exported(h, n)
   local deadline = socket.gettime() + 10
   local list
   repeat
      list = nss.exported(h:output())
      if #list >= n then break end
      socket.sleep(0.05)
   until socket.gettime() > deadline
   return list
end

describe("our client against NSS's selfserv", function()
   after_each(proc.kill_all)

   for _, v in ipairs { { "tls1.3", "TLSv1.3" }, { "tls1.2", "TLSv1.2" } } do
      it("completes " .. v[2] .. ", and both ends export the same keying material", function()
         local h, port = nss.selfserv("-V " .. v[1] .. ":" .. v[1] .. " " .. EXPORTERS)
         local info, exported = request(port, peers.client_ctx(c.ca))
         assert.equal(v[2], info.version)
         assert.is_true(info.peer_verified)
         assert.same(exported, selfserv_exported(h, 2))
      end)
   end

   it("resumes with NSS's tickets, TLS 1.3 and TLS 1.2, the exporters agreeing on the resumed connections", function()
      for _, v in ipairs { { "tls1.3", "TLSv1.3" }, { "tls1.2", "TLSv1.2" } } do
         local h, port = nss.selfserv("-u -V " .. v[1] .. ":" .. v[1] .. " " .. EXPORTERS)
         local ctx = peers.client_ctx(c.ca)
         local info1, ex1, session = request(port, ctx)
         assert.is_false(info1.resumed)
         assert.is_string(session)
         local info2, ex2 = request(port, ctx, { session = session })
         assert.is_true(info2.resumed, v[2])
         local theirs = selfserv_exported(h, 4)
         assert.same(ex1, { theirs[1], theirs[2] })
         assert.same(ex2, { theirs[3], theirs[4] })
         assert.are_not.same(ex1, ex2)
         proc.kill_all()
      end
   end)

   for _, s in ipairs {
      { ":1301", "TLS_AES_128_GCM_SHA256", "tls1.3" },
      { ":1302", "TLS_AES_256_GCM_SHA384", "tls1.3" },
      { ":1303", "TLS_CHACHA20_POLY1305_SHA256", "tls1.3" },
      { ":C02B", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "tls1.2" },
      { ":C02C", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "tls1.2", nss_exports = false },
      { ":CCA9", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "tls1.2" },
   } do
      it("negotiates " .. s[2] .. " when NSS allows only it", function()
         local h, port = nss.selfserv(string.format("-c %s -V %s:%s %s", s[1], s[3], s[3], EXPORTERS))
         local info, exported = request(port, peers.client_ctx(c.ca))
         assert.equal(s[2], info.cipher)
         -- NSS 3.87's tools print no exporter values for TLS 1.2 suites with
         -- SHA-384 (against openssl s_server neither); exporter_spec checks
         -- ours there against openssl.
         if s.nss_exports ~= false then assert.same(exported, selfserv_exported(h, 2)) end
      end)
   end

   it("sends 0-RTT data that NSS accepts and answers", function()
      local h, port = nss.selfserv("-Z -u -V tls1.3:tls1.3")
      local started = socket.gettime()
      local ctx = peers.client_ctx(c.ca, { early_data = true })
      local _, _, session = request(port, ctx)
      -- NSS's anti-replay refuses all 0-RTT for one window (selfserv: 10 s)
      -- after it starts, so that a restarted server takes no replay.
      proc.sleep(math.max(0, 10.5 - (socket.gettime() - started)))
      local conn = peers.connect(port, ctx, { session = session, early_data = "GET /early HTTP/1.0\r\n\r\n" })
      assert.equal("accepted", conn:info().early_data)
      assert.is_true(conn:info().resumed)
      local page = assert(conn:receive("*a"))
      assert.truthy(page:find("GET /early HTTP/1.0", 1, true), page)
      conn:close()
      h:kill()
   end)

   for _, kind in ipairs { "ecdsa_p384", "rsa2048", "chain" } do
      it("verifies a " .. kind .. " identity in TLS 1.3 and TLS 1.2", function()
         for _, v in ipairs { "tls1.3", "tls1.2" } do
            local _, port = nss.selfserv(string.format("-V %s:%s", v, v), kind)
            assert.is_true(request(port, peers.client_ctx(c.ca)).peer_verified)
            proc.kill_all()
         end
      end)
   end

   it("answers NSS's HelloRetryRequest for P-384", function()
      local h, port = nss.selfserv("-I P384 -V tls1.3:tls1.3 " .. EXPORTERS)
      local info, exported = request(port, peers.client_ctx(c.ca))
      assert.is_true(info.hello_retry)
      assert.equal("secp384r1", info.group)
      assert.same(exported, selfserv_exported(h, 2))
   end)

   it("agrees on ALPN http/1.1", function()
      local _, port = nss.selfserv("-Q -V tls1.3:tls1.3")
      assert.equal("http/1.1", request(port, peers.client_ctx(c.ca, { alpn = { "h2", "http/1.1" } })).alpn)
   end)

   for _, v in ipairs { "tls1.3", "tls1.2" } do
      it("sends the client certificate NSS requires (" .. v .. ")", function()
         local cl = certs.clients()
         local h, port = nss.selfserv(string.format("-r -r -V %s:%s %s", v, v, EXPORTERS))
         local _, exported = request(port, peers.client_ctx(c.ca,
            { certificate = cl.ecdsa.cert, key = cl.ecdsa.key }))
         assert.same(exported, selfserv_exported(h, 2))
      end)
   end
end)

describe("NSS's tstclnt against our server", function()
   after_each(proc.kill_all)

   -- Our server in this process, one connection: tstclnt sends a line, we
   -- echo it and close. Returns tstclnt's output and exit status, our info
   -- and exporter values.
   local function serve(args, ctx_opts, request_text)
      local o = { mode = "server", certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
      for k, v in pairs(ctx_opts or {}) do o[k] = v end
      local server = assert(tls.listen("127.0.0.1", 0, assert(tls.context(o))))
      local _, port = server:getsockname()
      local h = nss.tstclnt_spawn(port, args .. " " .. EXPORTERS, request_text)
      server:settimeout(10)
      local conn = assert(server:accept())
      conn:settimeout(10)
      local line, err = conn:receive("*l")
      local info, exported
      if line then
         assert(conn:send(line .. "\n"))
         info, exported = conn:info(), ours(conn)
      end
      conn:close()
      server:close()
      assert.is_true(h:wait(10), h:output())
      return h:output(), line, err, info, exported
   end

   for _, v in ipairs { { "tls1.3", "TLSv1.3" }, { "tls1.2", "TLSv1.2" } } do
      it("completes " .. v[2] .. " with it, and both ends export the same keying material", function()
         local out, line, err, info, exported = serve("-V " .. v[1] .. ":" .. v[1])
         assert(line, err)
         assert.equal(v[2], info.version)
         assert.truthy(out:find("hello NSS", 1, true), out)
         assert.same(exported, nss.exported(out))
      end)
   end

   for _, s in ipairs {
      { ":1302", "TLS_AES_256_GCM_SHA384", "tls1.3" },
      { ":1303", "TLS_CHACHA20_POLY1305_SHA256", "tls1.3" },
      { ":C02C", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "tls1.2", nss_exports = false },
      { ":CCA9", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "tls1.2" },
   } do
      it("serves a client offering only " .. s[2], function()
         local out, line, err, info, exported = serve(string.format("-c %s -V %s:%s", s[1], s[3], s[3]))
         assert(line, err)
         assert.equal(s[2], info.cipher)
         if s.nss_exports ~= false then assert.same(exported, nss.exported(out)) end
      end)
   end

   for _, g in ipairs { { "P384", "secp384r1" }, { "P521", "secp521r1" }, { "FF2048", "ffdhe2048" } } do
      it("takes a TLS 1.3 hello whose only group is " .. g[1], function()
         local out, line, err, info, exported = serve("-V tls1.3:tls1.3 -I " .. g[1])
         assert(line, err)
         assert.equal(g[2], info.group)
         assert.same(exported, nss.exported(out))
      end)
   end

   it("refuses a TLS 1.2 client offering only finite-field DHE and RSA key transport, naming the option, "
      .. "and serves it with RSA key transport once allowed", function()
      local rsa = { certificate = c.leaf.rsa2048.cert, key = c.leaf.rsa2048.key }
      local _, line, err = serve("-V tls1.2:tls1.2 -H -I FF2048", rsa)
      assert.is_nil(line)
      assert.equal("of the TLS 1.2 cipher suites luatls implements, the client offers only RSA key exchange "
         .. "(TLS_RSA_WITH_*), which has no forward secrecy and is off by default: name "
         .. "TLS_RSA_WITH_AES_128_GCM_SHA256 in 'ciphers' to allow it", err)
      rsa.ciphers = "TLS_RSA_WITH_AES_128_GCM_SHA256"
      local out, line2, err2, info, exported = serve("-V tls1.2:tls1.2 -H -I FF2048", rsa)
      assert(line2, err2)
      assert.equal("TLS_RSA_WITH_AES_128_GCM_SHA256", info.cipher)
      assert.same(exported, nss.exported(out))
   end)

   it("signs with the one scheme a client lists, and says so when none fits", function()
      local rsa = { certificate = c.leaf.rsa2048.cert, key = c.leaf.rsa2048.key }
      for _, case in ipairs { { "tls1.3", "rsa_pss_rsae_sha384" }, { "tls1.2", "rsa_pkcs1_sha384" } } do
         local _, line, err, info = serve(string.format("-V %s:%s -J %s", case[1], case[1], case[2]), rsa)
         assert(line, err)
         assert.equal(case[2], info.signature)
      end
      -- rsa_pss_pss_* needs an RSA-PSS key; ours is an rsaEncryption key.
      local _, line, err = serve("-V tls1.3:tls1.3 -J rsa_pss_pss_sha256", rsa)
      assert.is_nil(line)
      assert.equal("no signature algorithm in common with the client for our certificate", err)
   end)

   it("ignores a GREASE encrypted_client_hello extension and serves the outer hello", function()
      local out, line, err, info, exported = serve("-V tls1.3:tls1.3 -i 64")
      assert(line, err)
      assert.equal("TLSv1.3", info.version)
      assert.same(exported, nss.exported(out))
   end)

   it("takes a hello with middlebox compatibility, the status_request, SCT and delegated_credentials extensions", function()
      local out, line, err, info, exported = serve("-V tls1.3:tls1.3 -e -T -U -B")
      assert(line, err)
      assert.equal("TLSv1.3", info.version)
      assert.same(exported, nss.exported(out))
   end)

   for _, v in ipairs { { "tls1.3", "TLSv1.3" }, { "tls1.2", "TLSv1.2" } } do
      it("verifies NSS's client certificate (" .. v[2] .. ")", function()
         local cl = certs.clients()
         local out, line, err, info, exported = serve("-n client_ecdsa -V " .. v[1] .. ":" .. v[1],
            { verify = "required", ca = cl.ca })
         assert(line, err)
         assert.is_true(info.peer_verified)
         assert.equal("CN=luatls client", info.peer_certificate.subject)
         assert.same(exported, nss.exported(out))
      end)
   end

   it("refuses a TLS 1.2 hello carrying TLS_FALLBACK_SCSV with inappropriate_fallback (RFC 7507)", function()
      local out, line, err = serve("-V tls1.2:tls1.2 -K")
      assert.is_nil(line)
      assert.matches("TLS_FALLBACK_SCSV", err)
      assert.truthy(out:find("SSL_ERROR_INAPPROPRIATE_FALLBACK_ALERT", 1, true), out)
   end)

   it("accepts NSS's 0-RTT offer when it has a session store, and takes what comes in early and after", function()
      local server = assert(tls.listen("127.0.0.1", 0, assert(tls.context {
         mode = "server", certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key,
         early_data = true, session_store = tls.store.memory() })))
      local _, port = server:getsockname()
      local h = nss.tstclnt_spawn(port, "-Z -u -L 2 -V tls1.3:tls1.3", "hello early\n")
      server:settimeout(10)
      local status = {}
      for i = 1, 2 do
         local conn = assert(server:accept())
         conn:settimeout(10)
         assert(conn:handshake())
         local early = conn:receive_early() or ""
         -- NSS 3.87's tstclnt offers 0-RTT but sends its request after the
         -- handshake: an empty early data stream, then 1-RTT data.
         local got = early:find("\n") and early or early .. assert(conn:receive("*l")) .. "\n"
         assert.equal("hello early\n", got)
         assert(conn:send(got))
         status[i] = tostring(conn:info().early_data)
         conn:close()
      end
      server:close()
      assert.is_true(h:wait(10), h:output())
      assert.same({ "nil", "accepted" }, status)
   end)

   it("resumes NSS's sessions across reconnections (TLS 1.3 and TLS 1.2 tickets)", function()
      for _, v in ipairs { "tls1.3", "tls1.2" } do
         local server = assert(tls.listen("127.0.0.1", 0, assert(tls.context {
            mode = "server", certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key })))
         local _, port = server:getsockname()
         local h = nss.tstclnt_spawn(port, string.format("-u -L 2 -V %s:%s", v, v))
         server:settimeout(10)
         local resumed = {}
         for i = 1, 2 do
            local conn = assert(server:accept())
            conn:settimeout(10)
            local line = assert(conn:receive("*l"))
            assert(conn:send(line .. "\n"))
            resumed[i] = conn:info().resumed
            conn:close()
         end
         server:close()
         assert.is_true(h:wait(10), h:output())
         assert.same({ false, true }, resumed, v)
      end
   end)
end)
