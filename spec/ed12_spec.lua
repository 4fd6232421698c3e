-- Session 19 (ed12): Ed25519 certificates in TLS 1.2. RFC 8422 §5.3 lets
-- the ECDHE_ECDSA suites use "an ECDSA- or EdDSA-capable public key"; the
-- ServerKeyExchange is then signed with scheme ed25519 (0x0807), PureEdDSA
-- over client_random + server_random + params (§5.4), and only if the
-- client offered ed25519 in signature_algorithms. Our client refused such
-- a server, and our server and tls.context refused such a certificate with
-- max_version TLSv1.2. Peers: openssl s_server/s_client, gnutls-cli, our
-- own engines, and the scripted TLS 1.2 server of spec/support/tls12_peer.
-- mutate/mutations_ed12.lua plants the bugs these tests kill.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local pki = require "spec.support.pki"
local E = require "spec.support.engines"
local T = require "spec.support.tls12_peer"

local CERT, KEY = assert(tls.selfsigned { names = { "localhost" }, key = "ed25519" })
-- The files for the peers in other processes; the directory goes when
-- dir_gc is collected, which teardown lets happen.
local dir, dir_gc = pki.tempdir("ed12")
local CERT_FILE, KEY_FILE = dir .. "/ed.pem", dir .. "/ed.key"
proc.write_file(CERT_FILE, CERT)
proc.write_file(KEY_FILE, KEY)
teardown(function() dir_gc = nil end)

local TLS12 = { max_version = "TLSv1.2" }

describe("ed12: our TLS 1.2 client and an Ed25519 server certificate", function()
   after_each(proc.kill_all)

   it("connects to openssl s_server -tls1_2 with an ECDHE_ECDSA suite and an ed25519 signature", function()
      local _, port = peers.s_server(("-cert %s -key %s -www -tls1_2"):format(proc.quote(CERT_FILE),
         proc.quote(KEY_FILE)))
      local events = {}
      local ctx = peers.client_ctx(CERT_FILE, { trace = function(ev) events[#events + 1] = ev end })
      local conn = peers.connect(port, ctx)
      local info = conn:info()
      assert.equal("TLSv1.2", info.version)
      assert.truthy(info.cipher:find("ECDHE_ECDSA", 1, true), info.cipher)
      local ske = E.events_of(events, "receive", "ServerKeyExchange")
      assert.equal(1, #ske)
      assert.truthy(ske[1].signature:find("^ed25519"), ske[1].signature)
      assert.truthy(peers.status_page(conn):find("TLSv1.2", 1, true))
      conn:close()
   end)

   it("refuses that server when it did not offer ed25519", function()
      local _, port = peers.s_server(("-cert %s -key %s -www -tls1_2"):format(proc.quote(CERT_FILE),
         proc.quote(KEY_FILE)))
      local ctx = peers.client_ctx(CERT_FILE, { sigalgs = "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256" })
      local conn, err = tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 })
      assert.is_nil(conn)
      assert.is_string(err)
   end)

   local function scripted(server_opts, client_opts)
      local c = E.client_engine(client_opts)
      assert(c:start())
      local fake = T.server(E.merge({ cert_pem = CERT, key_pem = KEY, scheme = "ed25519" }, server_opts))
      return c, fake, fake:answer(c:output())
   end

   it("completes a handshake with the scripted TLS 1.2 server signing with ed25519", function()
      local c, fake, flight = scripted()
      assert(c:feed(flight))
      fake:client_flight(c:output())
      assert.is_true(fake.client_finished_ok)
      assert(c:feed(fake:finish()))
      assert.is_true(c:info().handshake_done)
      assert.equal("ed25519", c:info().signature)
   end)

   it("refuses an ed25519 ServerKeyExchange signature that does not verify (decrypt_error)", function()
      local c, _, flight = scripted { bad_signature = true }
      local ok, msg = c:feed(flight)
      E.assert_refused(c, ok, msg, "decrypt_error", "signature in ServerKeyExchange does not verify")
   end)

   it("refuses an ed25519 ServerKeyExchange when it did not offer ed25519 (illegal_parameter)", function()
      local c, _, flight = scripted(nil, { sigalgs = "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256" })
      local ok, msg = c:feed(flight)
      E.assert_refused(c, ok, msg, "illegal_parameter",
         "ServerKeyExchange signed with ed25519, not offered in signature_algorithms")
   end)

   it("refuses an Ed25519 certificate for an ECDHE_RSA suite (unsupported_certificate)", function()
      local c, _, flight = scripted { suite = 0xc02f }
      local ok, msg = c:feed(flight)
      E.assert_refused(c, ok, msg, "unsupported_certificate", ".*ED25519 key.*ECDHE_RSA.*")
   end)
end)

describe("ed12: our TLS 1.2 server with only an Ed25519 certificate", function()
   after_each(proc.kill_all)

   it("is a valid context with max_version TLSv1.2", function()
      assert(tls.context { mode = "server", certificate = CERT, key = KEY, max_version = "TLSv1.2" })
   end)

   it("is still refused when its 'sigalgs' has no ed25519", function()
      local ctx, err = tls.context { mode = "server", certificate = CERT, key = KEY, max_version = "TLSv1.2",
                                     sigalgs = "ecdsa_secp256r1_sha256" }
      assert.is_nil(ctx)
      assert.truthy(err:find("'sigalgs' has no TLS 1.2 scheme", 1, true), err)
   end)

   it("answers openssl s_client -tls1_2 with an ECDHE_ECDSA suite, signed with ed25519", function()
      local srv, port = peers.luatls_server { cert = CERT_FILE, key = KEY_FILE, max_version = "TLSv1.2" }
      local out = proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -tls1_2 -CAfile %s "
         .. "-servername localhost -verify_return_error -ign_eof", port, proc.quote(CERT_FILE)), "hello luatls\n")
      assert.truthy(out:find("New, TLSv1.2, Cipher is ECDHE%-ECDSA%-"), out)
      assert.truthy(out:find("Peer signature type: ed25519", 1, true), out)
      assert.truthy(out:find("Verify return code: 0 (ok)", 1, true), out)
      assert.truthy(out:find("\nhello luatls\n", 1, true), out)
      local log = srv:output()
      assert.truthy(log:find("info version=TLSv1.2 ", 1, true), log)
      assert.truthy(log:find("signature=ed25519", 1, true), log)
   end)

   it("answers gnutls-cli with TLS 1.2 and SIGN-EDDSA-ED25519", function()
      local srv, port = peers.luatls_server { cert = CERT_FILE, key = KEY_FILE, max_version = "TLSv1.2" }
      local out = proc.run(string.format("gnutls-cli -p %d --x509cafile %s localhost --priority '%s'", port,
         proc.quote(CERT_FILE), "NORMAL:-VERS-ALL:+VERS-TLS1.2:+SIGN-EDDSA-ED25519"), "hello luatls\n", 20)
      assert.truthy(out:find("(TLS1.2-X.509)-(ECDHE-X25519)-(EdDSA-Ed25519)-(AES-", 1, true), out)
      assert.truthy(out:find("The certificate is trusted", 1, true), out)
      assert.truthy(out:find("\nhello luatls", 1, true), out)
      local log = srv:output()
      assert.truthy(log:find("info version=TLSv1.2 ", 1, true), log)
      assert.truthy(log:find("ECDHE_ECDSA", 1, true), log)
      assert.truthy(log:find("signature=ed25519", 1, true), log)
   end)

   it("pairs with our client engine: TLS 1.2, ECDHE_ECDSA, ed25519, both ways", function()
      local c, s = E.connected(E.merge({ ca = CERT }, TLS12), { certificate = CERT, key = KEY })
      for _, e in ipairs { c, s } do
         local info = e:info()
         assert.equal("TLSv1.2", info.version)
         assert.truthy(info.cipher:find("ECDHE_ECDSA", 1, true), info.cipher)
         assert.equal("ed25519", info.signature)
      end
      assert(c:write("ping"))
      E.pump(c, s, { strict = true })
      assert.equal("ping", s:read())
   end)

   it("refuses a TLS 1.2 client that does not offer ed25519 (handshake_failure)", function()
      local c, s = E.pair(E.merge({ ca = CERT, sigalgs = "ecdsa_secp256r1_sha256" }, TLS12),
         { certificate = CERT, key = KEY })
      assert.is_true(s:status().failed)
      local msg, alert = s:error()
      assert.equal("handshake_failure", alert)
      assert.equal("no signature algorithm in common with the client for our certificate", msg)
      assert.is_true(c:status().failed)
   end)

   it("prefers its ECDSA certificate for a client that does not offer ed25519, Ed25519 for one that does", function()
      local ec_cert, ec_key = assert(tls.selfsigned { names = { "localhost" } })
      local function signed_with(client_sigalgs)
         local cctx = assert(tls.context(E.merge({ mode = "client", verify = false, sigalgs = client_sigalgs },
            TLS12)))
         local sctx = assert(tls.context { mode = "server", certificate = CERT, key = KEY,
            certificates = { { certificate = ec_cert, key = ec_key } } })
         local c = assert(tls.engine(cctx, { servername = "localhost" }))
         local s = assert(tls.engine(sctx))
         E.handshake(c, s)
         return c:info().signature
      end
      assert.equal("ecdsa_secp256r1_sha256", signed_with("ecdsa_secp256r1_sha256"))
      assert.equal("ed25519", signed_with("ed25519:ecdsa_secp256r1_sha256"))
   end)
end)

describe("ed12: Ed25519 client certificates in TLS 1.2", function()
   after_each(proc.kill_all)

   it("our client's ed25519 CertificateVerify is accepted by openssl s_server -tls1_2 -Verify", function()
      local _, port = peers.s_server(("-cert %s -key %s -www -tls1_2 -Verify 1 -verify_return_error -CAfile %s")
         :format(proc.quote(CERT_FILE), proc.quote(KEY_FILE), proc.quote(CERT_FILE)))
      local ctx = peers.client_ctx(CERT_FILE, E.merge({ certificate = CERT, key = KEY }, TLS12))
      local conn = peers.connect(port, ctx)
      assert.equal("TLSv1.2", conn:info().version)
      -- -Verify 1 -verify_return_error: no handshake without a client certificate that verifies
      local page = peers.status_page(conn)
      assert.truthy(page:find("TLSv1.2", 1, true), page)
      conn:close()
   end)

   it("our server verifies openssl s_client -tls1_2's ed25519 CertificateVerify", function()
      local srv, port = peers.luatls_server { cert = CERT_FILE, key = KEY_FILE, max_version = "TLSv1.2",
                                              verify = "required", ca = CERT_FILE }
      local out = proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -tls1_2 -CAfile %s -cert %s "
         .. "-key %s -servername localhost -verify_return_error -ign_eof", port, proc.quote(CERT_FILE),
         proc.quote(CERT_FILE), proc.quote(KEY_FILE)), "hello luatls\n")
      assert.truthy(out:find("New, TLSv1.2, Cipher is ECDHE%-ECDSA%-"), out)
      assert.truthy(out:find("\nhello luatls\n", 1, true), out)
      local log = srv:output()
      assert.truthy(log:find("info version=TLSv1.2 ", 1, true), log)
      assert.truthy(log:find("peer subject=CN=localhost verified=true", 1, true), log)
   end)

   it("our client signs CertificateVerify with ed25519 over the whole transcript, our server verifies it", function()
      local ccert, ckey = assert(tls.selfsigned { names = { "client" }, key = "ed25519" })
      local c, s = E.connected(E.merge({ ca = E.CERT, certificate = ccert, key = ckey }, TLS12),
         { verify = "required", ca = ccert })
      assert.equal("TLSv1.2", s:info().version)
      assert.truthy(s:info().peer_certificate, "the server saw no client certificate")
      assert.is_true(s:info().peer_verified)
      assert.is_true(c:status().handshake_done)
   end)
end)
