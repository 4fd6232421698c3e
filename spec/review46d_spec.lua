-- Review 46d: a conformance round against real LuaSec (Debian lua-sec 1.2,
-- OpenSSL 3), both directions, with what a careful peer does that earlier
-- rounds did not probe: each suite and group LuaSec can be told to offer,
-- ALPN with several names and none in common, SNI with and without a name,
-- client certificates required and missing, resumption against a LuaSec
-- server, 1 MiB and one-byte writes, every receive pattern across records,
-- KeyUpdate, close_notify both ways, a peer that exits without one, a peer
-- that sends at once after its handshake, and the same through the
-- drop-in (tls.luasec) as our end. LuaSec runs in its own process
-- (spec/support/luasec46d_peer.lua). LuaSec has no call that renegotiates,
-- updates keys or keeps a client session, so those are probed from our
-- side only (renegotiation: conformance14_* and conform24 with openssl).
local tls = require "tls"
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"

local c = certs.get()
local m = certs.clients()
local MiB = 1048576

local function ser(v)
   if type(v) == "table" then
      local t = {}
      for k, x in pairs(v) do t[#t + 1] = "[" .. ser(k) .. "]=" .. ser(x) end
      return "{" .. table.concat(t, ",") .. "}"
   elseif type(v) == "string" then
      return ("%q"):format(v):gsub("\n", "n")
   end
   return tostring(v)
end

-- The same bytes and summary as the peer's.
local byte_summary = require "spec.support.byte_summary"
local pattern, summary = byte_summary.pattern, byte_summary.summary

local function ones(n)
   local t = {}
   for j = 1, n do t[j] = string.char(j % 256) end
   return table.concat(t)
end

local function peer(cfg)
   return proc.spawn("lua5.4 spec/support/luasec46d_peer.lua " .. proc.quote(ser(cfg)), { timeout = 60 })
end

-- A LuaSec server; returns its handle and port.
local function luasec_server(params, steps, extra)
   local p = { mode = "server", protocol = "any", certificate = c.leaf.ecdsa_p256.cert,
               key = c.leaf.ecdsa_p256.key, verify = "none", options = "all" }
   for k, v in pairs(params or {}) do p[k] = v end
   local cfg = { params = p, steps = steps }
   for k, v in pairs(extra or {}) do cfg[k] = v end
   local h = peer(cfg)
   return h, tonumber(proc.wait_output(h, "ready (%d+)"))
end

-- A LuaSec client of our server made from `sopts`: returns our accepted
-- connection (or nil, err) and the client's handle.
local function luasec_client(sopts, params, steps, sni)
   local o = { mode = "server", certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
   for k, v in pairs(sopts or {}) do o[k] = v end
   local srv = assert(tls.listen("127.0.0.1", 0, assert(tls.context(o)), { timeout = 10 }))
   local _, port = srv:getsockname()
   local p = { mode = "client", protocol = "any", cafile = c.ca, verify = "peer", options = "all" }
   for k, v in pairs(params or {}) do p[k] = v end
   local h = peer { params = p, steps = steps, port = port, sni = sni == nil and "localhost" or sni or nil }
   local conn, err = srv:accept()
   srv:close()
   if conn then conn:settimeout(10) end
   return conn, err, h
end

local function our_client(port, opts, connopts)
   local o = { ca = c.ca }
   for k, v in pairs(opts or {}) do o[k] = v end
   local co = { servername = "localhost", timeout = 10 }
   for k, v in pairs(connopts or {}) do co[k] = v end
   if co.servername == false then co.servername = nil end
   return tls.connect("127.0.0.1", port, assert(tls.context(o)), co)
end

-- The peer's whole output once it printed "done" (or `last`).
local function finished(h, last)
   proc.wait_output(h, last or "\ndone\n", 15)
   return h:output()
end

local function has(out, text)
   assert.truthy(out:find(text, 1, true), "no '" .. text .. "' in:\n" .. out)
end

after_each(proc.kill_all)

describe("review46d: our client against a LuaSec server", function()
   for _, s in ipairs { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256" } do
      it("TLS 1.3 with the server's only suite " .. s, function()
         local h, port = luasec_server({ protocol = "tlsv1_3", ciphersuites = s }, { { "recv", "*l" }, { "send", "pong\n" } })
         local conn = assert(our_client(port))
         assert.equal(s, conn:info().cipher)
         assert(conn:send("ping\n"))
         assert.equal("pong", conn:receive("*l"))
         conn:close()
         has(finished(h), "handshake TLSv1.3 " .. s)
      end)
   end

   for _, g in ipairs { { "X25519", "x25519" }, { "P-256", "secp256r1" }, { "P-384", "secp384r1" },
                        { "P-521", "secp521r1" }, { "X448", "x448", "x25519:x448" } } do
      it("TLS 1.3 with the server's only group " .. g[1] .. (g[3] and " (offered on request)" or ""), function()
         local h, port = luasec_server({ protocol = "tlsv1_3", curveslist = g[1] }, { { "send", "hi\n" } })
         local conn = assert(our_client(port, { groups = g[3] }))
         assert.equal(g[2], conn:info().group)
         -- x25519 is our key share: any other group took a HelloRetryRequest.
         assert.equal(g[2] ~= "x25519", conn:info().hello_retry)
         assert.equal("hi", conn:receive("*l"))
         conn:close()
         has(finished(h), "handshake TLSv1.3")
      end)
   end

   it("TLS 1.3 X448 without asking for it fails at once, naming the reason", function()
      local h, port = luasec_server({ protocol = "tlsv1_3", curveslist = "X448" }, {})
      local conn, err = our_client(port)
      assert.is_nil(conn)
      assert.matches("handshake_failure", err)
      has(finished(h), "handshake-failed")
   end)

   for _, s in ipairs { { "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ecdsa_p256" },
                        { "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ecdsa_p384" },
                        { "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ed25519" },
                        { "ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "rsa2048" },
                        { "ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "rsa2048" },
                        { "ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "rsa2048" },
                        { "AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256", "rsa2048", true },
                        { "AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384", "rsa2048", true } } do
      it("TLS 1.2 " .. s[2] .. " with a " .. s[3] .. " certificate", function()
         local h, port = luasec_server({ protocol = "tlsv1_2", ciphers = s[1], certificate = c.leaf[s[3]].cert,
                                         key = c.leaf[s[3]].key }, { { "recv", "*l" }, { "send", "pong\n" } })
         local conn = assert(our_client(port, { ciphers = s[4] and s[2] or nil }))
         local info = conn:info()
         assert.same({ "TLSv1.2", s[2], s[4] and "RSA" or "ECDHE", true },
                     { info.version, info.cipher, info.key_exchange, info.extended_master_secret })
         assert(conn:send("ping\n"))
         assert.equal("pong", conn:receive("*l"))
         conn:close()
         has(finished(h), "handshake TLSv1.2 " .. s[1])
      end)
   end

   it("TLS 1.2 RSA key transport not asked for: no suite in common, said at once", function()
      local h, port = luasec_server({ protocol = "tlsv1_2", ciphers = "AES128-GCM-SHA256",
                                      certificate = c.leaf.rsa2048.cert, key = c.leaf.rsa2048.key }, {})
      local conn, err = our_client(port)
      assert.is_nil(conn)
      assert.matches("handshake_failure", err)
      has(finished(h), "handshake-failed")
   end)

   for _, p in ipairs { "tlsv1_2", "tlsv1_3" } do
      it("ALPN (" .. p .. "): the server's first name we offer; none in common gives none, and data flows", function()
         local h, port = luasec_server({ protocol = p, alpn = { "h2", "http/1.1" } }, { { "send", "a\n" } })
         local conn = assert(our_client(port, { alpn = { "spdy/3", "http/1.1", "h2" } }))
         assert.equal("h2", conn:info().alpn)
         assert.equal("a", conn:receive("*l"))
         conn:close()
         has(finished(h), "alpn=h2")
         h, port = luasec_server({ protocol = p, alpn = { "h2" } }, { { "send", "b\n" } })
         conn = assert(our_client(port, { alpn = { "http/1.1" } }))
         assert.is_nil(conn:info().alpn)
         assert.equal("b", conn:receive("*l"))
         conn:close()
         has(finished(h), "alpn=nil")
      end)
   end

   it("SNI: the servername we give; none for an IP address without one", function()
      local h, port = luasec_server({}, {})
      local conn = assert(our_client(port))
      conn:close()
      has(finished(h), "sni=localhost")
      h, port = luasec_server({}, {})
      conn = assert(our_client(port, nil, { servername = false }))
      conn:close()
      has(finished(h), "sni=nil")
   end)

   for _, v in ipairs { { "tlsv1_3", "certificate_required %(116%)" }, { "tlsv1_2", "handshake_failure %(40%)" } } do
      it("a server requiring a client certificate (" .. v[1] .. "): without one the error says so", function()
         local h, port = luasec_server({ protocol = v[1], verify = { "peer", "fail_if_no_peer_cert" }, cafile = m.ca },
                                       { { "recv", "*l" } })
         local conn, err = our_client(port)
         if conn then -- TLS 1.3: the server's alert comes after our Finished
            conn:send("x\n")
            local _
            _, err = conn:receive("*l")
            conn:close()
         end
         assert.matches(v[2] .. ": most likely because the server asked for a client certificate", err)
         has(finished(h), "handshake-failed")
      end)
   end

   it("a server requiring a client certificate: ours under another CA is refused (unknown_ca)", function()
      local h, port = luasec_server({ protocol = "tlsv1_3", verify = { "peer", "fail_if_no_peer_cert" }, cafile = m.ca },
                                    { { "recv", "*l" } })
      local conn = assert(our_client(port, { certificate = m.untrusted.cert, key = m.untrusted.key }))
      conn:send("x\n")
      local data, err = conn:receive("*l")
      conn:close()
      assert.is_nil(data)
      assert.matches("unknown_ca", err)
      has(finished(h), "handshake-failed certificate verify failed")
   end)

   for _, v in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("resumes with a LuaSec server (" .. v .. "), which keeps its session cache per context", function()
         local h, port = luasec_server({ protocol = v == "TLSv1.3" and "tlsv1_3" or "tlsv1_2" },
                                       { { "send", "s\n" }, { "recv", "*l" } }, { accepts = 2 })
         local ctx = assert(tls.context { ca = c.ca })
         local conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 }))
         assert.equal("s", conn:receive("*l"))
         local session = assert(conn:session())
         conn:send("1\n")
         conn:close()
         conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10,
                                                             session = session }))
         assert.equal("s", conn:receive("*l"))
         assert.same({ v, true }, { conn:info().version, conn:info().resumed })
         conn:send("2\n")
         conn:close()
         local out = finished(h)
         has(out, "recv 2 =1")
         has(out, "recv 2 =2")
      end)
   end

   for _, p in ipairs { "tlsv1_3", "tlsv1_2" } do
      it("1 MiB each way in one call, then the server's close_notify ends *a (" .. p .. ")", function()
         local h, port = luasec_server({ protocol = p }, { { "recv", MiB }, { "send", MiB }, { "close" } })
         local conn = assert(our_client(port))
         assert.equal(MiB, conn:send(pattern(MiB)))
         local data, err = conn:receive("*a")
         assert.is_nil(err)
         assert.equal(summary(pattern(MiB)), summary(data))
         assert.is_true(conn:info().close_notify)
         assert.is_false(conn:info().truncated)
         conn:close()
         has(finished(h), "recv 1 " .. summary(pattern(MiB)) .. " nil")
      end)

      it("3000 one-byte records each way, and every pattern across records (" .. p .. ")", function()
         local h, port = luasec_server({ protocol = p },
            { { "sends", 3000 }, { "recv", 3000 }, { "send", "line1\r\nline2\nnum12345rest" }, { "close" } })
         local conn = assert(our_client(port))
         for i = 1, 3000 do assert(conn:send(string.char(i % 256))) end
         assert.equal(summary(ones(3000)), summary((conn:receive(3000))))
         assert.equal("line1", conn:receive("*l"))
         assert.equal("line2\n", conn:receive("*L"))
         assert.equal("num", conn:receive(3))
         assert.equal("12345", conn:receive(5))
         assert.equal("rest", conn:receive("*a"))
         assert.same({ nil, "closed", "" }, { conn:receive("*l") })
         conn:close()
         has(finished(h), "recv 2 " .. summary(ones(3000)) .. " nil")
      end)
   end

   it("KeyUpdate, requested and not, between and inside writes (TLS 1.3); TLS 1.2 says it has none", function()
      local h, port = luasec_server({ protocol = "tlsv1_3" },
         { { "recv", "*l" }, { "send", "a\n" }, { "recv", "*l" }, { "send", "b\n" }, { "recv", 100000 },
           { "send", 100000 }, { "close" } })
      local conn = assert(our_client(port))
      assert.is_true(conn:keyupdate(true))
      conn:send("1\n")
      assert.equal("a", conn:receive("*l"))
      assert.is_true(conn:keyupdate(false))
      conn:send("2\n")
      assert.equal("b", conn:receive("*l"))
      local sent = {}
      for i = 1, 5 do
         assert.is_true(conn:keyupdate(i % 2 == 0))
         assert(conn:send(pattern(20000)))
         sent[i] = pattern(20000)
      end
      assert.equal(summary(pattern(100000)), summary((conn:receive(100000))))
      assert.same({ nil, "closed", "" }, { conn:receive("*a") })
      conn:close()
      local out = finished(h)
      has(out, "recv 3 =2 nil")
      has(out, "recv 5 " .. summary(table.concat(sent)) .. " nil")

      h, port = luasec_server({ protocol = "tlsv1_2" }, { { "recv", "*l" } })
      conn = assert(our_client(port))
      assert.same({ nil, "key updates exist only in TLS 1.3 (this connection is TLS 1.2)" }, { conn:keyupdate(true) })
      conn:send("x\n")
      conn:close()
      has(finished(h), "recv 1 =x nil")
   end)

   for _, p in ipairs { "tlsv1_3", "tlsv1_2" } do
      it("a server that sends at once and exits without close_notify: data, then truncated (" .. p .. ")", function()
         local h, port = luasec_server({ protocol = p }, { { "send", "hello\nworld" }, { "exit" } })
         local conn = assert(our_client(port))
         assert.equal("hello", conn:receive("*l"))
         assert.equal("world", conn:receive("*a"))
         assert.same({ true, false }, { conn:info().truncated, conn:info().close_notify })
         conn:close()
         finished(h, "exit 2")
         h, port = luasec_server({ protocol = p }, { { "send", "abc" }, { "exit" } })
         conn = assert(our_client(port, { strict_close = true }))
         assert.same({ nil, "connection truncated: the peer closed TCP without close_notify", "abc" },
                     { conn:receive(10) })
         conn:close()
      end)

      it("our shutdown('send'): the server reads to our close_notify, answers, closes (" .. p .. ")", function()
         local h, port = luasec_server({ protocol = p }, { { "recv", "*a" }, { "send", "after\n" }, { "close" } })
         local conn = assert(our_client(port))
         assert(conn:send("request"))
         assert.equal(1, conn:shutdown("send"))
         assert.equal("after\n", conn:receive("*a"))
         assert.is_true(conn:info().close_notify)
         conn:close()
         has(finished(h), "recv 1 =request nil")
      end)

      it("a server that exits while we send 1 MiB: send fails, nothing hangs (" .. p .. ")", function()
         local h, port = luasec_server({ protocol = p }, { { "recv", 10 }, { "exit" } })
         local conn = assert(our_client(port))
         local t0 = os.time()
         local n, err
         for _ = 1, 8 do
            n, err = conn:send(pattern(MiB))
            if not n then break end
         end
         assert.is_nil(n)
         assert.is_string(err)
         assert.truthy(os.time() - t0 < 9, "send took until the timeout")
         conn:close()
         finished(h, "exit 2")
      end)
   end
end)

describe("review46d: a LuaSec client against our server", function()
   for _, g in ipairs { { "X25519", "x25519" }, { "P-256", "secp256r1" }, { "P-384", "secp384r1" },
                        { "P-521", "secp521r1" }, { "X448", "x448" }, { "ffdhe2048", "ffdhe2048" },
                        { "ffdhe3072", "ffdhe3072" }, { "ffdhe4096", "ffdhe4096", "x25519:ffdhe4096" } } do
      it("TLS 1.3 with the client's only group " .. g[1] .. (g[3] and " (served on request)" or ""), function()
         local conn, err, h = luasec_client({ groups = g[3] }, { protocol = "tlsv1_3", curveslist = g[1] },
                                            { { "recv", "*l" } })
         assert(conn, err)
         assert(conn:send("g\n"))
         assert.equal(g[2], conn:info().group)
         conn:close()
         has(finished(h), "recv 1 =g nil")
      end)
   end

   it("TLS 1.3 ffdhe4096 without serving it: refused, the client says so", function()
      local conn, _, h = luasec_client({}, { protocol = "tlsv1_3", curveslist = "ffdhe4096" }, {})
      local ok, err = conn:handshake()
      assert.is_nil(ok)
      assert.matches("group", err)
      has(finished(h), "handshake-failed")
   end)

   for _, s in ipairs { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256" } do
      it("TLS 1.3 with the client's only suite " .. s, function()
         local conn, err, h = luasec_client({}, { protocol = "tlsv1_3", ciphersuites = s }, { { "recv", "*l" } })
         assert(conn, err)
         assert(conn:send("s\n"))
         assert.equal(s, conn:info().cipher)
         conn:close()
         has(finished(h), "handshake TLSv1.3 " .. s)
      end)
   end

   for _, s in ipairs { { "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ecdsa_p384" },
                        { "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ed25519" },
                        { "ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "rsa2048" },
                        { "ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "rsa2048" },
                        { "AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256", "rsa2048", true },
                        { "AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384", "rsa2048", true } } do
      it("TLS 1.2 " .. s[2] .. " with our " .. s[3] .. " certificate", function()
         local conn, err, h = luasec_client(
            { certificate = c.leaf[s[3]].cert, key = c.leaf[s[3]].key,
              ciphers = s[4] and ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:" .. s[2]) or nil },
            { protocol = "tlsv1_2", ciphers = s[1] }, { { "send", "x\n" }, { "recv", "*l" } })
         assert(conn, err)
         assert.equal("x", conn:receive("*l"))
         local info = conn:info()
         assert.same({ "TLSv1.2", s[2], s[4] and "RSA" or "ECDHE", true },
                     { info.version, info.cipher, info.key_exchange, info.extended_master_secret })
         conn:send("y\n")
         conn:close()
         has(finished(h), "recv 2 =y nil")
      end)
   end

   for _, p in ipairs { "tlsv1_2", "tlsv1_3" } do
      it("ALPN (" .. p .. "): our first name the client offers; none in common is no_application_protocol", function()
         local conn, err, h = luasec_client({ alpn = { "http/1.1", "h2" } }, { protocol = p, alpn = { "h2", "http/1.1" } },
                                            { { "recv", "*l" } })
         assert(conn, err)
         assert(conn:send("a\n"))
         assert.equal("http/1.1", conn:info().alpn)
         conn:close()
         has(finished(h), "alpn=http/1.1")
         conn, err, h = luasec_client({ alpn = { "h2" } }, { protocol = p, alpn = { "http/1.1", "spdy/1" } }, {})
         assert(conn, err)
         local ok
         ok, err = conn:handshake()
         assert.is_nil(ok)
         assert.equal("no ALPN protocol in common: the client offers http/1.1, spdy/1; this server speaks h2", err)
         has(finished(h), "handshake-failed tlsv1 alert no application protocol")
      end)
   end

   it("SNI: info().servername is the client's name, nil when it sent none", function()
      local conn, err, h = luasec_client({}, {}, { { "recv", "*l" } })
      assert(conn, err)
      conn:send("1\n")
      assert.equal("localhost", conn:info().servername)
      conn:close()
      finished(h)
      conn, err, h = luasec_client({}, {}, { { "recv", "*l" } }, false)
      assert(conn, err)
      conn:send("2\n")
      assert.is_nil(conn:info().servername)
      conn:close()
      has(finished(h), "recv 1 =2 nil")
   end)

   for _, v in ipairs { { "tlsv1_3", "recv 2 nil tlsv13 alert certificate required" },
                        { "tlsv1_2", "handshake-failed sslv3 alert handshake failure" } } do
      it("verify = 'required' and a client without a certificate (" .. v[1] .. "): both sides say why", function()
         local conn, err, h = luasec_client({ verify = "required", ca = m.ca }, { protocol = v[1] },
                                            { { "send", "x\n" }, { "recv", "*l" } })
         assert(conn, err)
         assert.same({ nil, 'client sent no certificate, and this server requires one (verify = "required")' },
                     { conn:handshake() })
         conn:close()
         has(finished(h), v[2])
      end)
   end

   it("verify = 'optional': a client without a certificate goes on; one under another CA is refused", function()
      local conn, err, h = luasec_client({ verify = "optional", ca = m.ca }, {}, { { "send", "x\n" }, { "recv", "*l" } })
      assert(conn, err)
      assert.equal("x", conn:receive("*l"))
      assert.same({ 0, false }, { conn:info().peer_chain_length, conn:info().peer_verified })
      conn:send("y\n")
      conn:close()
      has(finished(h), "recv 2 =y nil")
      conn, err, h = luasec_client({ verify = "required", ca = m.ca },
                                   { certificate = m.untrusted.cert, key = m.untrusted.key },
                                   { { "send", "x\n" }, { "recv", "*l" } })
      assert(conn, err)
      local ok
      ok, err = conn:handshake()
      assert.is_nil(ok)
      assert.matches("client certificate rejected: unknown certificate authority", err, 1, true)
      conn:close()
      has(finished(h), "alert unknown ca")
   end)

   it("verify = 'required': an RSA client certificate in TLS 1.2", function()
      local conn, err, h = luasec_client({ verify = "required", ca = m.ca },
                                         { protocol = "tlsv1_2", certificate = m.rsa.cert, key = m.rsa.key },
                                         { { "send", "x\n" }, { "recv", "*l" } })
      assert(conn, err)
      assert.equal("x", conn:receive("*l"))
      assert.same({ "CN=luatls rsa client", true }, { conn:info().peer_certificate.subject, conn:info().peer_verified })
      conn:send("y\n")
      conn:close()
      has(finished(h), "recv 2 =y nil")
   end)

   for _, p in ipairs { "tlsv1_3", "tlsv1_2" } do
      it("1 MiB each way, then our close_notify ends the client's *a (" .. p .. ")", function()
         local conn, err, h = luasec_client({}, { protocol = p }, { { "send", MiB }, { "recv", MiB }, { "recv", "*a" } })
         assert(conn, err)
         assert.equal(summary(pattern(MiB)), summary((conn:receive(MiB))))
         assert.equal(MiB, conn:send(pattern(MiB)))
         assert(conn:send("tail"))
         conn:close()
         local out = finished(h)
         has(out, "recv 2 " .. summary(pattern(MiB)) .. " nil")
         has(out, "recv 3 =tail nil")
      end)

      it("3000 one-byte records each way, and every pattern across records (" .. p .. ")", function()
         local conn, err, h = luasec_client({}, { protocol = p },
            { { "sends", 3000 }, { "recv", 3000 }, { "send", "line1\r\nline2\nnum12345rest" }, { "close" } })
         assert(conn, err)
         assert.equal(summary(ones(3000)), summary((conn:receive(3000))))
         for i = 1, 3000 do assert(conn:send(string.char(i % 256))) end
         assert.equal("line1", conn:receive("*l"))
         assert.equal("line2\n", conn:receive("*L"))
         assert.equal("num", conn:receive(3))
         assert.equal("12345", conn:receive(5))
         assert.equal("rest", conn:receive("*a"))
         assert.is_true(conn:info().close_notify)
         conn:close()
         has(finished(h), "recv 2 " .. summary(ones(3000)) .. " nil")
      end)

      it("a client that sends at once and exits without close_notify: data, then truncated (" .. p .. ")", function()
         local conn, err, h = luasec_client({}, { protocol = p }, { { "send", "a\r\nb" }, { "exit" } })
         assert(conn, err)
         assert.equal("a", conn:receive("*l"))
         assert.equal("b", conn:receive("*a"))
         assert.same({ true, false }, { conn:info().truncated, conn:info().close_notify })
         conn:close()
         finished(h, "exit 2")
      end)
   end

   it("our KeyUpdates, requested and not, reach the client between records (TLS 1.3)", function()
      local conn, err, h = luasec_client({}, { protocol = "tlsv1_3" },
         { { "send", "go\n" }, { "recv", "*l" }, { "send", "b\n" }, { "recv", 60000 }, { "send", "end\n" } })
      assert(conn, err)
      assert.equal("go", conn:receive("*l"))
      assert.is_true(conn:keyupdate(true))
      conn:send("a\n")
      assert.equal("b", conn:receive("*l"))
      for i = 1, 3 do
         assert.is_true(conn:keyupdate(i == 2))
         assert(conn:send(pattern(20000)))
      end
      assert.equal("end", conn:receive("*l"))
      conn:close()
      local out = finished(h)
      has(out, "recv 2 =a nil")
      has(out, "recv 4 " .. summary(pattern(20000):rep(3)) .. " nil")
   end)
end)

describe("review46d: the drop-in (tls.luasec) as our end, against LuaSec", function()
   local ssl = require "tls.luasec"

   for _, p in ipairs { "tlsv1_3", "tlsv1_2" } do
      it("client: a certificate the server requires, ALPN, 1 MiB each way, patterns, close (" .. p .. ")", function()
         local h, port = luasec_server({ protocol = p, verify = { "peer", "fail_if_no_peer_cert" }, cafile = m.ca,
                                         alpn = { "h2", "x" } },
            { { "recv", MiB }, { "send", MiB }, { "send", "l1\nl2\n123" }, { "close" } })
         local ctx = assert(ssl.newcontext { mode = "client", protocol = p, cafile = c.ca, verify = "peer",
                                             certificate = m.ecdsa.cert, key = m.ecdsa.key, alpn = { "x", "h2" } })
         local raw = assert(require("socket").connect("127.0.0.1", port))
         local conn = assert(ssl.wrap(raw, ctx))
         conn:settimeout(10)
         conn:sni("localhost")
         assert.is_true(conn:dohandshake())
         assert.equal(p == "tlsv1_3" and "TLSv1.3" or "TLSv1.2", conn:info().protocol)
         assert.equal("h2", conn:getalpn())
         assert.equal(MiB, conn:send(pattern(MiB)))
         assert.equal(summary(pattern(MiB)), summary((conn:receive(MiB))))
         assert.equal("l1", conn:receive("*l"))
         assert.equal("l2", conn:receive())
         assert.equal("123", conn:receive("*a"))
         conn:close()
         local out = finished(h)
         has(out, "peer=luatls client")
         has(out, "recv 1 " .. summary(pattern(MiB)) .. " nil")
      end)

      it("server: requires a client certificate, SNI, 3000 one-byte records, patterns, close (" .. p .. ")", function()
         local ctx = assert(ssl.newcontext { mode = "server", protocol = p, certificate = c.leaf.ecdsa_p256.cert,
                                             key = c.leaf.ecdsa_p256.key, cafile = m.ca,
                                             verify = { "peer", "fail_if_no_peer_cert" } })
         local srv = assert(require("socket").bind("127.0.0.1", 0))
         local _, port = srv:getsockname()
         local h = peer { port = port, sni = "localhost",
                          params = { mode = "client", protocol = p, cafile = c.ca, verify = "peer",
                                     certificate = m.ecdsa.cert, key = m.ecdsa.key },
                          steps = { { "sends", 3000 }, { "send", "q\r\nr\n" }, { "recv", "*a" } } }
         srv:settimeout(10)
         local raw = assert(srv:accept())
         srv:close()
         local conn = assert(ssl.wrap(raw, ctx))
         conn:settimeout(10)
         assert.is_true(conn:dohandshake())
         assert.equal("localhost", conn:getsniname())
         assert.equal(summary(ones(3000)), summary((conn:receive(3000))))
         assert.equal("q", conn:receive("*l"))
         assert.equal("r", conn:receive("*l"))
         assert.equal("CN=luatls client", "CN=" .. conn:getpeercertificate():subject()[1].value)
         assert(conn:send("bye"))
         conn:close()
         has(finished(h), "recv 3 =bye nil")
      end)
   end
end)

describe("review46d: what a LuaSec peer can also be told", function()
   local function hex(s) return (s:gsub(".", function(b) return ("%02x"):format(b:byte()) end)) end

   for _, p in ipairs { { "tlsv1_3", "TLSv1.3" }, { "tlsv1_2", "TLSv1.2" } } do
      it("our exporter gives LuaSec's exportkeyingmaterial, no context and an empty one apart (" .. p[2] .. ")",
         function()
         local h, port = luasec_server({ protocol = p[1] },
            { { "export", "EXPERIMENTAL-a", 32 }, { "export", "EXPERIMENTAL-a", 32, "" },
              { "export", "EXPERIMENTAL-b", 48, "ctx" }, { "recv", "*l" } })
         local conn = assert(our_client(port))
         local none = assert(conn:export("EXPERIMENTAL-a", nil, 32))
         local empty = assert(conn:export("EXPERIMENTAL-a", "", 32))
         local ctx = assert(conn:export("EXPERIMENTAL-b", "ctx", 48))
         assert(conn:send("x\n"))
         conn:close()
         local out = finished(h)
         has(out, "export 1 " .. hex(none) .. " nil")
         has(out, "export 2 " .. hex(empty) .. " nil")
         has(out, "export 3 " .. hex(ctx) .. " nil")
         -- RFC 8446 §7.5 takes no context as empty; RFC 5705 does not.
         assert.equal(p[1] == "tlsv1_3", none == empty)
      end)
   end

   it("a peer without the extended master secret: refused both ways naming require_ems, taken with it false",
      function()
      local h, port = luasec_server({ protocol = "tlsv1_2", options = { "all", "no_extended_master_secret" } },
                                    { { "send", "x\n" } })
      local conn, err = our_client(port)
      assert.is_nil(conn)
      assert.equal("server does not support the extended master secret (RFC 7627); set require_ems = false to talk "
                   .. "to it", err)
      finished(h)
      h, port = luasec_server({ protocol = "tlsv1_2", options = { "all", "no_extended_master_secret" } },
                              { { "send", "x\n" } })
      conn = assert(our_client(port, { require_ems = false }))
      assert.same({ "x", false }, { conn:receive("*l"), conn:info().extended_master_secret })
      conn:close()
      finished(h)
      local _
      conn, _, h = luasec_client({}, { protocol = "tlsv1_2", options = { "all", "no_extended_master_secret" } }, {})
      assert.same({ nil, "the client does not support the extended master secret (RFC 7627); set require_ems = false "
                         .. "to talk to it" }, { conn:handshake() })
      has(finished(h), "handshake-failed")
   end)

   it("max_version = TLSv1.2 on either side against a TLS 1.3-capable LuaSec: 1.2, no downgrade alarm", function()
      local conn, err, h = luasec_client({ max_version = "TLSv1.2" }, {}, { { "send", "x\n" } })
      assert(conn, err)
      assert.equal("x", conn:receive("*l"))
      assert.equal("TLSv1.2", conn:info().version)
      conn:close()
      has(finished(h), "handshake TLSv1.2")
      local port
      h, port = luasec_server({}, { { "send", "y\n" } })
      conn = assert(our_client(port, { max_version = "TLSv1.2" }))
      assert.same({ "y", "TLSv1.2" }, { conn:receive("*l"), conn:info().version })
      conn:close()
      has(finished(h), "handshake TLSv1.2")
   end)

   it("a LuaSec client offering a TLS 1.3 suite we lack (CCM) or only TLS 1.2 to a 1.3-only server: refused, named",
      function()
      local conn, _, h = luasec_client({}, { protocol = "tlsv1_3", ciphersuites = "TLS_AES_128_CCM_SHA256" }, {})
      assert.same({ nil, "no TLS 1.3 cipher suite in common with the client (it offers TLS_AES_128_CCM_SHA256)" },
                  { conn:handshake() })
      has(finished(h), "handshake-failed sslv3 alert handshake failure")
      conn, _, h = luasec_client({ min_version = "TLSv1.3" }, { protocol = "tlsv1_2" }, {})
      assert.same({ nil, "client offers at most TLSv1.2; this server requires TLS 1.3 (min_version)" },
                  { conn:handshake() })
      has(finished(h), "handshake-failed tlsv1 alert protocol version")
   end)

   it("a LuaSec server with only suites we lack (TLS 1.3 CCM, TLS 1.2 DHE): handshake_failure at once", function()
      for _, params in ipairs { { protocol = "tlsv1_3", ciphersuites = "TLS_AES_128_CCM_SHA256" },
                                { protocol = "tlsv1_2", ciphers = "DHE-RSA-AES128-GCM-SHA256",
                                  certificate = c.leaf.rsa2048.cert, key = c.leaf.rsa2048.key } } do
         local h, port = luasec_server(params, {})
         local conn, err = our_client(port)
         assert.is_nil(conn)
         assert.matches("handshake_failure %(40%): the server found no cipher suite", err)
         has(finished(h), "handshake-failed no shared cipher")
      end
   end)

   it("a LuaSec server with no_ticket and no session cache: our session is not resumed, the full handshake works",
      function()
      -- LuaSec leaves OpenSSL's server cache off: a TLS 1.3 stateful ticket
      -- names nothing it kept, and a TLS 1.2 ServerHello has no session id.
      for _, p in ipairs { { "tlsv1_3", "TLSv1.3" }, { "tlsv1_2", "TLSv1.2" } } do
         local h, port = luasec_server({ protocol = p[1], options = { "all", "no_ticket" } },
                                       { { "send", "s\n" }, { "recv", "*l" } }, { accepts = 2 })
         local ctx = assert(tls.context { ca = c.ca })
         local conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 }))
         assert.equal("s", conn:receive("*l"))
         local session = conn:session()
         assert.equal(p[1] == "tlsv1_3", session ~= nil)
         conn:send("1\n")
         conn:close()
         conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10,
                                                             session = session }))
         assert.equal("s", conn:receive("*l"))
         assert.same({ p[2], false }, { conn:info().version, conn:info().resumed })
         conn:send("2\n")
         conn:close()
         has(finished(h), "recv 2 =2 nil")
      end
   end)

   it("the drop-in's receive after a LuaSec server exits without close_notify: an error with the data, as "
      .. "LuaSec on OpenSSL 3, and again at once (real LuaSec's second call waits)", function()
      local ssl = require "tls.luasec"
      for _, p in ipairs { "tlsv1_3", "tlsv1_2" } do
         for _, pat in ipairs { "*a", 10 } do
            local h, port = luasec_server({ protocol = p }, { { "send", "abc" }, { "exit" } })
            local ctx = assert(ssl.newcontext { mode = "client", protocol = p, cafile = c.ca, verify = "peer" })
            local conn = assert(ssl.wrap(assert(require("socket").connect("127.0.0.1", port)), ctx))
            conn:settimeout(5)
            conn:sni("localhost")
            assert.is_true(conn:dohandshake())
            finished(h, "exit 2")
            local truncated = "connection truncated: the peer closed TCP without close_notify"
            assert.same({ nil, truncated, "abc" }, { conn:receive(pat) })
            local t0 = os.time()
            assert.same({ nil, truncated, "" }, { conn:receive(pat) })
            assert.truthy(os.time() - t0 < 3)
            conn:close()
         end
      end
   end)
end)

describe("review46d: long lines, prefixes, and a client that closes right after sending", function()
   for _, p in ipairs { "tlsv1_3", "tlsv1_2" } do
      it("a 300000-byte line over many records, then prefixes, then the client's close_notify (" .. p .. ")",
         function()
         local conn, err, h = luasec_client({}, { protocol = p },
            { { "rep", "z", 300000, "\nabcdef" }, { "send", "tail" }, { "recv", "*l" }, { "close" } })
         assert(conn, err)
         local line = assert(conn:receive("*l"))
         assert.equal(("z"):rep(300000), line)
         -- LuaSocket's count includes the prefix: 3 bytes with a 3-byte prefix read nothing.
         assert.equal("PRE", conn:receive(3, "PRE"))
         assert.equal("Pab", conn:receive(3, "P"))
         assert(conn:send("ok\n"))
         assert.equal("Xcdeftail", conn:receive("*a", "X"))
         assert.is_true(conn:info().close_notify)
         assert.is_false(conn:info().truncated)
         conn:close()
         has(finished(h), "recv 3 =ok nil")
      end)
   end

   -- A TLS 1.3 client that only sends never reads the server's
   -- NewSessionTickets; LuaSec's close() then closes a socket holding unread
   -- bytes, which the system turns into a reset that drops what the client
   -- had not yet put on the wire (LuaSec's own server loses it the same
   -- way). Our server must report such an end as truncation, never as a
   -- clean one; with tickets = 0 it has nothing for the client to leave unread.
   it("a LuaSec TLS 1.3 client that uploads and closes: whole with tickets = 0; otherwise whole or truncated", function()
      local steps = { { "rep", "z", 300000, "\nabcdef" }, { "send", "tail" }, { "close" } }
      local whole = ("z"):rep(300000) .. "\nabcdeftail"
      local conn, err, h = luasec_client({ tickets = 0 }, { protocol = "tlsv1_3" }, steps)
      assert(conn, err)
      local data, rerr = conn:receive("*a")
      assert.is_nil(rerr)
      assert.equal(summary(whole), summary(data))
      assert.same({ true, false }, { conn:info().close_notify, conn:info().truncated })
      conn:close()
      has(finished(h), "closed 3")
      conn, err, h = luasec_client({}, { protocol = "tlsv1_3" }, steps)
      assert(conn, err)
      local partial
      data, rerr, partial = conn:receive("*a")
      finished(h)
      -- "*a" takes a TCP close as the end (as LuaSocket); a reset says "closed".
      local got = data or partial
      assert.is_true(data ~= nil or rerr == "closed", tostring(rerr))
      assert.truthy(#got <= #whole, "more than was sent")
      assert.equal(summary(whole:sub(1, #got)), summary(got))
      if conn:info().close_notify then
         -- a clean end only with every byte
         assert.equal(#whole, #got)
         assert.is_false(conn:info().truncated)
      else
         -- The reset may drop the close_notify alone, the data all there
         -- (session 47's CI saw it once under load: this test wrongly took
         -- whole data for a clean end), or some of the data with it.
         assert.is_true(conn:info().truncated)
      end
      conn:close()
   end)
end)
