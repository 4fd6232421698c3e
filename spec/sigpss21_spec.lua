-- sigpss21: RSA-PSS (id-RSASSA-PSS) certificate keys by default, both
-- sides, both versions. Our client offers rsa_pss_pss_* in its default
-- signature_algorithms (OpenSSL's and GnuTLS's clients do), so a server with
-- such a certificate is accepted without a `sigalgs` option; our TLS 1.2
-- server takes such a client certificate (as TLS 1.3 does) and still holds
-- its CertificateVerify to a scheme that fits the key. Also: a TLS 1.2
-- ClientHello whose ec_point_formats lacks "uncompressed" is refused only
-- when its supported_groups names an elliptic curve (rfc8422#5.1.2).
local tls = require "tls"
local I = require("tls.core")._internal
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"
local T = require "spec.support.tls12_peer"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"

-- A root (EC P-256) and leaves for localhost (serverAuth and clientAuth).
local P
local function pki_get()
   if P then return P end
   P = require("spec.support.pki").new()
   P:ca("root", "ec256", "/CN=sigpss21 root")
   local keys = {
      pss = "-algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048",
      -- RFC 4055 parameters: SHA-384 only (MGF1 SHA-384, salt 48).
      pss384 = "-algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_pss_keygen_md:sha384 "
         .. "-pkeyopt rsa_pss_keygen_mgf1_md:sha384 -pkeyopt rsa_pss_keygen_saltlen:48",
      rsa = "-algorithm RSA -pkeyopt rsa_keygen_bits:2048",
   }
   for name, opts in pairs(keys) do
      P:sh("openssl genpkey " .. opts .. " -out " .. name .. ".key")
      -- (rsa also serves RSA key transport, which needs keyEncipherment)
      P:issue(name, "/CN=localhost", "root", name == "rsa" and { ext = "ku_both" } or nil)
   end
   return P
end
local function leaf(name)
   local p = pki_get()
   return { cert = p:path(name .. ".pem"), key = p:path(name .. ".key") }
end
local function ca() return pki_get():path("root.pem") end

-- Our default client, one line echoed; returns the connection's info.
local function echo(port, text)
   local conn = peers.connect(port, peers.client_ctx(ca()))
   text = text or "hello sigpss21"
   assert(conn:send(text .. "\n"))
   assert.equal(text, conn:receive("*l"))
   local info = conn:info()
   conn:close()
   return info
end

-- What our server process printed for its one connection (info line, and
-- the peer line with verify).
local function served(srv)
   return proc.wait_output(srv, "\n(info [^\n]*\npeer [^\n]*)\n", 10)
end

local function s_client(port, extra)
   return proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
      .. "-verify_return_error -ign_eof %s", port, ca(), extra or ""), "hello luatls\n", 15)
end

local function echoed(out) return out:find("hello luatls", 1, true) ~= nil end

describe("sigpss21: our default client against an RSA-PSS certificate", function()
   after_each(proc.kill_all)

   it("offers rsa_pss_pss_* by default, after rsa_pss_rsae_*", function()
      local events = {}
      local cl = assert(tls.engine(assert(tls.context { mode = "client", verify = false,
         trace = function(ev) events[#events + 1] = ev end }), { servername = "localhost" }))
      assert(cl:start())
      local hello = E.events_of(events, "send", "ClientHello")[1]
      assert.is_truthy(hello, "no ClientHello traced")
      assert.matches("rsa_pss_rsae_sha512,? ?rsa_pss_pss_sha256,? ?rsa_pss_pss_sha384,? ?rsa_pss_pss_sha512",
         tostring(hello.signature_algorithms))
   end)

   for _, v in ipairs { { "1_3", "TLSv1.3" }, { "1_2", "TLSv1.2" } } do
      it("verifies openssl s_server's RSA-PSS key with the default context in " .. v[2], function()
         local _, port = peers.s_server("-rev -tls" .. v[1], nil, leaf("pss"))
         local conn = peers.connect(port, peers.client_ctx(ca()))
         assert.equal(v[2], conn:info().version)
         assert.equal("rsa_pss_pss_sha256", conn:info().signature)
         assert(conn:send("four\n"))
         assert.equal("ruof", conn:receive("*l"))
         conn:close()
      end)

      it("verifies a SHA-384-restricted RSA-PSS key (rsa_pss_pss_sha384) by default in " .. v[2], function()
         local _, port = peers.s_server("-rev -tls" .. v[1], nil, leaf("pss384"))
         local conn = peers.connect(port, peers.client_ctx(ca()))
         assert.equal("rsa_pss_pss_sha384", conn:info().signature)
         conn:close()
      end)
   end

   it("verifies gnutls-serv's RSA-PSS key with the default context (TLS 1.3 and 1.2)", function()
      for _, case in ipairs { { "NORMAL", "TLSv1.3" }, { "NORMAL:-VERS-TLS1.3", "TLSv1.2" } } do
         local _, port = peers.gnutls_serv("--echo --priority " .. case[1], leaf("pss"))
         local info = echo(port)
         assert.equal(case[2], info.version)
         assert.matches("^rsa_pss_pss_sha%d+$", info.signature)
         proc.kill_all()
      end
   end)
end)

describe("sigpss21: our server with the new default list", function()
   after_each(proc.kill_all)

   -- The server's own scheme: its RSA key fits rsa_pss_rsae_* only, even
   -- when the client prefers rsa_pss_pss_*.
   for _, v in ipairs { { "1_3", "TLSv1.3" }, { "1_2", "TLSv1.2" } } do
      it("signs with rsa_pss_rsae_* for a client preferring rsa_pss_pss_* in " .. v[2], function()
         local srv, port = peers.luatls_server({}, leaf("rsa"))
         local out = s_client(port, "-tls" .. v[1] .. " -sigalgs rsa_pss_pss_sha256:rsa_pss_rsae_sha384")
         assert.is_true(echoed(out), out)
         local line = proc.wait_output(srv, "\n(info [^\n]*)\n", 10)
         assert.matches("signature=rsa_pss_rsae_sha384 ", line)
      end)
   end

   it("finds nothing in common with a client that offers only rsa_pss_pss_* for its RSA key", function()
      local e = E.server_engine { certificate = leaf("rsa").cert, key = leaf("rsa").key }
      local fake = T.client { suite = 0xc02f }
      local hello = fake:hello()
      -- Swap our scripted client's signature_algorithms for rsa_pss_pss_sha256 alone.
      local msgs = B.parse_records(hello)
      local old = B.vec(2, B.list16 { 0x0403, 0x0804, 0x0401 })
      local ch = msgs[1].body
      local at = ch:find(old, 1, true)
      ch = ch:sub(1, at - 1) .. B.vec(2, B.list16 { 0x0809, 0x080a, 0x080b }) .. ch:sub(at + #old)
      local ok, msg = e:feed(B.record(B.CT.handshake, ch, { version = 0x0301 }))
      E.assert_failed(e, ok, msg, "handshake_failure",
         "no signature algorithm in common with the client for our certificate")
   end)

   it("lists rsa_pss_pss_* in its CertificateRequest (TLS 1.3 and 1.2)", function()
      for _, v in ipairs { { "1_3" }, { "1_2" } } do
         local srv, port = peers.luatls_server({ verify = "optional", ca = ca() }, leaf("rsa"))
         local out = s_client(port, "-tls" .. v[1])
         assert.is_true(echoed(out), out)
         -- openssl names rsa_pss_rsae_* "RSA-PSS+SHA256" and the like.
         assert.matches("\nRequested Signature Algorithms: [^\n]*RSA%-PSS%+SHA512:rsa_pss_pss_sha256:"
            .. "rsa_pss_pss_sha384:rsa_pss_pss_sha512:ed25519:", out)
         served(srv)
         proc.kill_all()
      end
   end)
end)

describe("sigpss21: our TLS 1.2 server and an RSA-PSS client certificate", function()
   after_each(proc.kill_all)

   for _, v in ipairs { { "1_2", "TLSv1.2" }, { "1_3", "TLSv1.3" } } do
      it("accepts openssl s_client's RSA-PSS client certificate in " .. v[2], function()
         local srv, port = peers.luatls_server({ verify = "required", ca = ca() }, leaf("rsa"))
         local k = leaf("pss")
         local out = s_client(port, string.format("-tls%s -cert %s -key %s", v[1], k.cert, k.key))
         assert.is_true(echoed(out), out)
         local lines = served(srv)
         assert.matches("version=" .. v[2], lines)
         assert.matches("peer subject=CN=localhost verified=true", lines)
      end)
   end

   it("accepts gnutls-cli's RSA-PSS client certificate in TLS 1.2", function()
      local srv, port = peers.luatls_server({ verify = "required", ca = ca() }, leaf("rsa"))
      local k = leaf("pss")
      local out = proc.run(string.format("gnutls-cli -p %d --x509cafile %s localhost --priority "
         .. "'NORMAL:-VERS-TLS1.3' --x509certfile %s --x509keyfile %s", port, ca(), k.cert, k.key),
         "hello luatls\n", 20)
      assert.is_true(echoed(out), out)
      local lines = served(srv)
      assert.matches("version=TLSv1.2", lines)
      assert.matches("peer subject=CN=localhost verified=true", lines)
   end)

   -- Scripted: Certificate (pair), ClientKeyExchange, CertificateVerify
   -- whose scheme field is scheme_id and whose signature is made with
   -- sign_as (a scheme name, over the transcript), CCS, Finished.
   local function flight12(fake, pair, scheme_id, sign_as)
      local cert = B.handshake(T.HS.certificate, B.vec(3, B.vec(3, T.der(proc.read_file(pair.cert)))))
      fake:add(cert)
      local cke = B.handshake(T.HS.client_key_exchange, B.vec(1, fake.pub))
      fake:add(cke)
      fake:derive(assert(I.kex_x25519(fake.priv, fake.server_point)))
      local sig = assert(I.sign(proc.read_file(pair.key), sign_as, table.concat(fake.transcript)))
      local cv = B.handshake(15, B.u16(scheme_id) .. B.vec(2, sig))
      fake:add(cv)
      local fin = fake:finished_message()
      fake:add(fin)
      return B.record(B.CT.handshake, cert .. cke .. cv) .. B.record(B.CT.ccs, "\1") .. fake:seal(B.CT.handshake, fin)
   end
   local function server_waiting()
      local sv = E.server_engine { verify = "required", ca = ca() }
      local fake = T.client()
      assert(sv:feed(fake:hello()))
      fake:server_flight(sv:output())
      return sv, fake
   end

   it("verifies a CertificateVerify signed rsa_pss_pss_sha256 with the client's RSA-PSS key", function()
      local sv, fake = server_waiting()
      assert(sv:feed(flight12(fake, leaf("pss"), 0x0809, "rsa_pss_pss_sha256")))
      assert.is_true(sv:status().handshake_done)
      assert.is_true(sv:info().peer_verified)
      assert.equal("localhost", sv:info().peer_certificate.subject:match("CN=([^,]+)"))
   end)

   -- rfc8446#4.2.3 (which applies to TLS 1.2): rsa_pss_rsae_* for
   -- rsaEncryption keys, rsa_pss_pss_* for RSASSA-PSS keys; rsa_pkcs1_*
   -- for rsaEncryption keys. A PSS signature under an rsae label would
   -- verify in libcrypto: only the scheme-versus-key check refuses it.
   for _, case in ipairs {
      { "rsa_pss_rsae_sha256 with an RSA-PSS key", "pss", 0x0804, "rsa_pss_pss_sha256",
        "client signed its CertificateVerify with rsa_pss_rsae_sha256, which does not fit its RSA-PSS certificate key" },
      { "rsa_pkcs1_sha256 with an RSA-PSS key", "pss", 0x0401, "rsa_pss_pss_sha256",
        "client signed its CertificateVerify with rsa_pkcs1_sha256, which does not fit its RSA-PSS certificate key" },
      { "rsa_pss_pss_sha256 with an RSA (rsaEncryption) key", "rsa", 0x0809, "rsa_pss_rsae_sha256",
        "client signed its CertificateVerify with rsa_pss_pss_sha256, which does not fit its RSA certificate key" },
   } do
      it("refuses a CertificateVerify labelled " .. case[1] .. " (illegal_parameter)", function()
         local sv, fake = server_waiting()
         local ok, msg = sv:feed(flight12(fake, leaf(case[2]), case[3], case[4]))
         E.assert_failed(sv, ok, msg, "illegal_parameter", case[5])
      end)
   end

   -- A key of RFC 4055 parameters (SHA-384 only) with a scheme of another
   -- hash: libcrypto refuses to verify such a signature at all, so the
   -- scheme does not fit the key (illegal_parameter, as for any scheme
   -- that does not fit; before, libcrypto's refusal gave internal_error).
   it("refuses rsa_pss_pss_sha256 from a SHA-384-restricted RSA-PSS key (illegal_parameter), takes sha384", function()
      local sv, fake = server_waiting()
      local ok, msg = sv:feed(flight12(fake, leaf("pss384"), 0x0809, "rsa_pss_pss_sha384"))
      E.assert_failed(sv, ok, msg, "illegal_parameter",
         "client signed its CertificateVerify with rsa_pss_pss_sha256, which does not fit its RSA-PSS certificate key")
      sv, fake = server_waiting()
      assert(sv:feed(flight12(fake, leaf("pss384"), 0x080a, "rsa_pss_pss_sha384")))
      assert.is_true(sv:status().handshake_done)
      assert.is_true(sv:info().peer_verified)
   end)

   it("refuses a CertificateVerify whose RSA-PSS signature does not verify (decrypt_error)", function()
      local sv, fake = server_waiting()
      -- Signed with another RSA-PSS key than the certificate's.
      local other = { cert = leaf("pss").cert, key = leaf("pss384").key }
      local ok, msg = sv:feed(flight12(fake, other, 0x0809, "rsa_pss_pss_sha384"))
      E.assert_failed(sv, ok, msg, "decrypt_error",
         "signature in the client's CertificateVerify does not verify with its certificate's key")
   end)
end)

describe("sigpss21: TLS 1.2 ec_point_formats without uncompressed (rfc8422#5.1.2)", function()
   local RSA_KX = 0x009c
   local ECDHE_RSA = 0xc02f
   -- A scripted TLS 1.2 client's hello with our own extensions: groups
   -- (nil: no supported_groups), point formats (bytes), one suite.
   local function hello(fake, groups, formats, suite)
      fake.client_random = I.random(32)
      local exts = {}
      if groups then exts[#exts + 1] = { 10, B.vec(2, B.list16(groups)) } end
      exts[#exts + 1] = { 11, B.vec(1, formats) }
      exts[#exts + 1] = { 13, B.vec(2, B.list16 { 0x0403, 0x0804, 0x0401 }) }
      exts[#exts + 1] = { 0xff01, "\0" }
      exts[#exts + 1] = { 23, "" }
      local ch = B.client_hello { legacy_version = 0x0303, random = fake.client_random,
                                  suites = { suite }, extensions = exts }
      fake:add(ch)
      return B.record(B.CT.handshake, ch, { version = 0x0301 })
   end
   local function rsa_server(ciphers)
      local r = leaf("rsa")
      return E.server_engine { certificate = r.cert, key = r.key, ciphers = ciphers }
   end

   for _, case in ipairs { { "x25519", { 0x001d } }, { "secp256r1 before ffdhe2048", { 0x0017, 0x0100 } },
                           { "x448", { 0x001e } }, { "secp521r1 after ffdhe2048", { 0x0100, 0x0019 } } } do
      local groups = case[2]
      it("still refuses it when supported_groups names an elliptic curve (" .. case[1] .. ")", function()
         local e = rsa_server("TLS_RSA_WITH_AES_128_GCM_SHA256:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
         local ok, msg = e:feed(hello(T.client(), groups, "\1", ECDHE_RSA))
         E.assert_failed(e, ok, msg, "illegal_parameter", "ClientHello ec_point_formats lacks the uncompressed format")
      end)
   end

   it("goes on with RSA key transport when supported_groups names only finite-field groups", function()
      local e = rsa_server("TLS_RSA_WITH_AES_128_GCM_SHA256")
      local fake = T.client { suite = RSA_KX, server_key = proc.read_file(leaf("rsa").key) }
      assert(e:feed(hello(fake, { 0x0100, 0x0101 }, "\1\2", RSA_KX)))
      fake:server_flight(e:output())
      assert(e:feed(fake:key_exchange()))
      assert.is_true(e:status().handshake_done)
      assert.equal("TLS_RSA_WITH_AES_128_GCM_SHA256", e:info().cipher)
   end)

   it("goes on with RSA key transport when the client names no group at all", function()
      local e = rsa_server("TLS_RSA_WITH_AES_128_GCM_SHA256")
      local fake = T.client { suite = RSA_KX, server_key = proc.read_file(leaf("rsa").key) }
      assert(e:feed(hello(fake, nil, "\1", RSA_KX)))
      fake:server_flight(e:output())
      assert(e:feed(fake:key_exchange()))
      assert.is_true(e:status().handshake_done)
   end)

   it("does not assume secp256r1 for ECDHE when the client names no group and lacks uncompressed", function()
      local e = rsa_server("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
      local ok, msg = e:feed(hello(T.client(), nil, "\1", ECDHE_RSA))
      E.assert_failed(e, ok, msg, "handshake_failure",
         "the client names no group and its ec_point_formats lacks the uncompressed format, the only one we "
         .. "send: no ECDHE with it (RFC 8422 5.1.2)")
   end)

   it("still assumes secp256r1 for a client that names no group and takes uncompressed", function()
      local e = rsa_server("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
      assert(e:feed(hello(T.client(), nil, "\0\1", ECDHE_RSA)))
      local msgs = T.client():plain_messages(e:output())
      local ske
      for _, m in ipairs(msgs) do if m.type == T.HS.server_key_exchange then ske = m.body end end
      assert.is_truthy(ske, "no ServerKeyExchange")
      assert.equal("\3\0\23", ske:sub(1, 3))
   end)

   it("refuses an empty ec_point_formats list whatever the groups (decode_error)", function()
      local e = rsa_server("TLS_RSA_WITH_AES_128_GCM_SHA256")
      local ok, msg = e:feed(hello(T.client(), { 0x0100 }, "", RSA_KX))
      E.assert_failed(e, ok, msg, "decode_error", "ClientHello ec_point_formats is malformed")
   end)
end)
