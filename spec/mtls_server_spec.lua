-- Mutual TLS, server side: our server asks for a client certificate
-- (verify = "optional" | "required", ca = the client CAs), checks the chain
-- (clientAuth, dates; no name) and the client's CertificateVerify, in
-- TLS 1.3 and TLS 1.2. Scripted clients (spec/support/tlsbytes.lua,
-- tls12_peer.lua) reach every check through the engine; openssl s_client,
-- Python's ssl, curl, gnutls-cli and LuaSec show that real clients get
-- through and get the alert each failure calls for.
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local I = require("tls.core")._internal
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"
local T12 = require "spec.support.tls12_peer"

local c, m = certs.get(), certs.clients()

local function server_opts(verify, extra)
   return E.merge({ verify = verify, ca = m.ca }, extra)
end

local function der(pair) return T12.der(proc.read_file(pair.cert)) end
local function key_pem(pair) return proc.read_file(pair.key) end

-- Index of trace events by "direction message" (the last one of each).
local function by_name(events)
   local t = {}
   for _, ev in ipairs(events) do t[ev.direction .. " " .. ev.message] = ev end
   return t
end

---------------------------------------------------------------------------
-- Scripted TLS 1.3 client: Certificate, CertificateVerify, Finished
---------------------------------------------------------------------------
-- The client's second flight under its handshake key. pair: the
-- certificate to send (nil: an empty Certificate). opts: sign_with (another
-- pair's key signs), scheme (name; default ecdsa_secp256r1_sha256),
-- no_cv (leave CertificateVerify out), context (certificate_request_context).
local function flight13(fake, pair, opts)
   opts = opts or {}
   local list = pair and B.vec(3, der(pair)) .. B.vec(2, "") or ""
   local cert = B.handshake(B.HS.certificate, B.vec(1, opts.context or "") .. B.vec(3, list))
   fake.transcript = fake.transcript .. cert
   local out = fake:seal(fake.client_hs, B.CT.handshake, cert)
   if pair and not opts.no_cv then
      local scheme = opts.scheme or "ecdsa_secp256r1_sha256"
      local content = (" "):rep(64) .. "TLS 1.3, client CertificateVerify\0" .. I.hash("sha256", fake.transcript)
      local sig = assert(I.sign(key_pem(opts.sign_with or pair), scheme, content))
      local ids = { ecdsa_secp256r1_sha256 = 0x0403, rsa_pss_rsae_sha256 = 0x0804, rsa_pss_rsae_sha512 = 0x0806 }
      local cv = B.handshake(B.HS.certificate_verify, B.u16(ids[scheme]) .. B.vec(2, sig))
      fake.transcript = fake.transcript .. cv
      out = out .. fake:seal(fake.client_hs, B.CT.handshake, cv)
   end
   return out .. fake:finished()
end

-- Our server engine after the scripted client's hello; the flight it answered with.
local function hello13(opts)
   local sv = E.server_engine(opts)
   local fake = B.fake_client()
   assert(sv:feed(fake:hello()))
   assert(fake:receive_flight(sv:output()))
   return sv, fake
end

local function message_types(fake)
   local t = {}
   for _, msg in ipairs(fake.flight) do t[#t + 1] = msg.type end
   return t
end

describe("our TLS 1.3 server asking for a client certificate (scripted client)", function()
   it("sends CertificateRequest after EncryptedExtensions, naming our signature schemes and client CA", function()
      local opts, events = E.traced(server_opts("required"))
      local _, fake = hello13(opts)
      assert.same({ B.HS.encrypted_extensions, 13, B.HS.certificate,
                    B.HS.certificate_verify, B.HS.finished }, message_types(fake))
      local body = fake.flight[2].body
      -- certificate_request_context: empty (rfc8446#4.3.2).
      assert.equal(0, body:byte(1))
      -- The subject of the client CA, DER, inside certificate_authorities (47).
      assert.truthy(body:find("luatls client CA", 1, true), "no CA name in CertificateRequest")
      local ev = by_name(events)["send CertificateRequest"]
      assert.equal("empty (during the handshake)", ev.context)
      assert.equal("1", ev.certificate_authorities)
      assert.equal("required", ev.client_certificate)
      assert.matches("^ecdsa_secp256r1_sha256, ", ev.signature_algorithms)
   end)

   it("sends no CertificateRequest without verify", function()
      local _, fake = hello13()
      assert.same({ B.HS.encrypted_extensions, B.HS.certificate, B.HS.certificate_verify, B.HS.finished },
         message_types(fake))
   end)

   it("accepts a verified client certificate and shows it in info()", function()
      local opts, events = E.traced(server_opts("required"))
      local sv, fake = hello13(opts)
      assert(sv:feed(flight13(fake, m.ecdsa)))
      assert.is_true(sv:status().handshake_done)
      local info = sv:info()
      assert.equal("CN=luatls client", info.peer_certificate.subject)
      assert.equal("CN=luatls client CA", info.peer_certificate.issuer)
      assert.equal(1, info.peer_chain_length)
      assert.is_true(info.peer_verified)
      -- Still the scheme our own CertificateVerify used.
      assert.equal("ecdsa_secp256r1_sha256", info.signature)
      local ev = by_name(events)
      assert.equal("CN=luatls client", ev["receive Certificate"].subject)
      assert.equal("checking the client's chain (clientAuth, no name)", ev["receive Certificate"].verification)
      assert.equal("ecdsa_secp256r1_sha256", ev["receive CertificateVerify"].signature)
   end)

   it("accepts an RSA client certificate signed with rsa_pss_rsae_sha256", function()
      local sv, fake = hello13(server_opts("optional"))
      assert(sv:feed(flight13(fake, m.rsa, { scheme = "rsa_pss_rsae_sha256" })))
      assert.equal("CN=luatls rsa client", sv:info().peer_certificate.subject)
      assert.is_true(sv:info().peer_verified)
   end)

   it("refuses an empty Certificate with certificate_required when verify = \"required\"", function()
      local opts, events = E.traced(server_opts("required"))
      local sv, fake = hello13(opts)
      local ok, msg = sv:feed(flight13(fake, nil))
      E.assert_failed(sv, ok, msg, "certificate_required",
         "client sent no certificate, and this server requires one (verify = \"required\")")
      assert.equal("none", by_name(events)["receive Certificate"].certificates)
   end)

   it("takes verify = true as \"required\"", function()
      local sv, fake = hello13(server_opts(true))
      local ok, msg = sv:feed(flight13(fake, nil))
      E.assert_failed(sv, ok, msg, "certificate_required")
   end)

   it("lets a client without a certificate in when verify = \"optional\", unauthenticated", function()
      local sv, fake = hello13(server_opts("optional"))
      assert(sv:feed(flight13(fake, nil)))
      assert.is_true(sv:status().handshake_done)
      local info = sv:info()
      assert.is_nil(info.peer_certificate)
      assert.equal(0, info.peer_chain_length)
      assert.is_false(info.peer_verified)
   end)

   it("checks the client's CertificateVerify signature (decrypt_error)", function()
      local sv, fake = hello13(server_opts("required"))
      local ok, msg = sv:feed(flight13(fake, m.ecdsa, { sign_with = m.untrusted }))
      E.assert_failed(sv, ok, msg, "decrypt_error", "signature in CertificateVerify does not verify")
   end)

   it("refuses a CertificateVerify scheme it did not offer", function()
      local sv, fake = hello13(server_opts("required",
         { sigalgs = "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256" }))
      local ok, msg = sv:feed(flight13(fake, m.rsa, { scheme = "rsa_pss_rsae_sha512" }))
      E.assert_failed(sv, ok, msg, "illegal_parameter", "peer signed with rsa_pss_rsae_sha512, which we did not offer")
   end)

   it("wants CertificateVerify after a non-empty Certificate", function()
      local sv, fake = hello13(server_opts("required"))
      local ok, msg = sv:feed(flight13(fake, m.ecdsa, { no_cv = true }))
      E.assert_failed(sv, ok, msg, "unexpected_message", "expected CertificateVerify, got Finished")
   end)

   it("wants the client's Certificate before Finished", function()
      local sv, fake = hello13(server_opts("optional"))
      local ok, msg = sv:feed(fake:finished())
      E.assert_failed(sv, ok, msg, "unexpected_message", "expected Certificate, got Finished")
   end)

   it("refuses a client Certificate with a request context we never sent", function()
      local sv, fake = hello13(server_opts("required"))
      local ok, msg = sv:feed(flight13(fake, m.ecdsa, { context = "x" }))
      E.assert_failed(sv, ok, msg, "illegal_parameter", "client Certificate has a request context we did not send")
   end)

   local rejections = {
      { "a certificate for servers only (clientAuth purpose)", m.server_only, "unsupported_certificate",
        "client certificate rejected: certificate's extendedKeyUsage does not allow TLS client "
        .. "authentication (it lacks clientAuth)" },
      { "an expired certificate", m.expired, "certificate_expired",
        "client certificate rejected: certificate has expired (notAfter 2020-02-01 00:00:00 UTC)" },
      { "a certificate from a CA it does not trust", m.untrusted, "unknown_ca",
        "client certificate rejected: unknown certificate authority (issuer: CN=luatls untrusted CA)" },
      { "a certificate from the servers' CA, not named in 'ca'", m.main_ca, "unknown_ca",
        "client certificate rejected: unknown certificate authority (issuer: CN=luatls test root CA)" },
   }
   for _, r in ipairs(rejections) do
      it("refuses " .. r[1] .. " (" .. r[3] .. ")", function()
         local sv, fake = hello13(server_opts("optional"))
         local ok, msg = sv:feed(flight13(fake, r[2]))
         E.assert_failed(sv, ok, msg, r[3], r[4])
      end)
   end
end)

---------------------------------------------------------------------------
-- Scripted TLS 1.2 client
---------------------------------------------------------------------------
-- Certificate (pair, or empty when pair is nil), ClientKeyExchange,
-- CertificateVerify (over every handshake message so far), CCS, Finished.
-- opts: sign_with, scheme_id (the id put in the message), no_cv, corrupt.
local function flight12(fake, pair, opts)
   opts = opts or {}
   local cert = B.handshake(T12.HS.certificate, B.vec(3, pair and B.vec(3, der(pair)) or ""))
   fake:add(cert)
   local out = B.record(B.CT.handshake, cert)
   local pms = assert(I.kex_x25519(fake.priv, fake.server_point))
   local cke = B.handshake(T12.HS.client_key_exchange, B.vec(1, fake.pub))
   fake:add(cke)
   fake:derive(pms)
   out = out .. B.record(B.CT.handshake, cke)
   if pair and not opts.no_cv then
      local sig = assert(I.sign(key_pem(opts.sign_with or pair), opts.scheme or "ecdsa_secp256r1_sha256",
         table.concat(fake.transcript)))
      local cv = B.handshake(15, B.u16(opts.scheme_id or 0x0403) .. B.vec(2, sig))
      fake:add(cv)
      out = out .. B.record(B.CT.handshake, cv)
   end
   out = out .. B.record(B.CT.ccs, "\1")
   local fin = fake:finished_message()
   fake:add(fin)
   return out .. fake:seal(B.CT.handshake, fin)
end

local function hello12(opts)
   local sv = E.server_engine(opts)
   local fake = T12.client()
   assert(sv:feed(fake:hello()))
   local msgs = fake:server_flight(sv:output())
   return sv, fake, msgs
end

describe("our TLS 1.2 server asking for a client certificate (scripted client)", function()
   it("sends CertificateRequest after ServerKeyExchange with types, schemes and CA names", function()
      local opts, events = E.traced(server_opts("required"))
      local _, _, msgs = hello12(opts)
      local types = {}
      for _, msg in ipairs(msgs) do types[#types + 1] = msg.type end
      assert.same({ 2, 11, 12, 13, 14 }, types)
      local body = msgs[4].body
      -- certificate_types: rsa_sign (1), ecdsa_sign (64).
      assert.equal("\2\1\64", body:sub(1, 3))
      assert.truthy(body:find("luatls client CA", 1, true), "no CA name in CertificateRequest")
      local ev = by_name(events)["send CertificateRequest"]
      assert.equal("rsa_sign, ecdsa_sign", ev.certificate_types)
      assert.equal("1", ev.certificate_authorities)
   end)

   it("accepts a verified client certificate and shows it in info()", function()
      local opts, events = E.traced(server_opts("required"))
      local sv, fake = hello12(opts)
      assert(sv:feed(flight12(fake, m.ecdsa)))
      assert.is_true(sv:status().handshake_done)
      local info = sv:info()
      assert.equal("TLSv1.2", info.version)
      assert.equal("CN=luatls client", info.peer_certificate.subject)
      assert.is_true(info.peer_verified)
      assert.equal("ecdsa_secp256r1_sha256", by_name(events)["receive CertificateVerify"].signature)
   end)

   it("verifies a CertificateVerify hashed with another hash than the suite's (SHA-384 in a SHA-256 suite)", function()
      local sv, fake = hello12(server_opts("required"))
      assert(sv:feed(flight12(fake, m.rsa, { scheme = "rsa_pss_rsae_sha512", scheme_id = 0x0806 })))
      assert.is_true(sv:info().peer_verified)
   end)

   it("refuses an empty Certificate with handshake_failure when verify = \"required\"", function()
      local sv, fake = hello12(server_opts("required"))
      local ok, msg = sv:feed(flight12(fake, nil))
      E.assert_failed(sv, ok, msg, "handshake_failure",
         "client sent no certificate, and this server requires one (verify = \"required\")")
   end)

   it("lets a client without a certificate in when verify = \"optional\"", function()
      local sv, fake = hello12(server_opts("optional"))
      assert(sv:feed(flight12(fake, nil)))
      assert.is_true(sv:status().handshake_done)
      assert.is_false(sv:info().peer_verified)
      assert.is_nil(sv:info().peer_certificate)
   end)

   it("checks the client's CertificateVerify signature (decrypt_error)", function()
      local sv, fake = hello12(server_opts("required"))
      local ok, msg = sv:feed(flight12(fake, m.ecdsa, { sign_with = m.untrusted }))
      E.assert_failed(sv, ok, msg, "decrypt_error",
         "signature in the client's CertificateVerify does not verify with its certificate's key")
   end)

   it("refuses a CertificateVerify scheme its CertificateRequest did not offer", function()
      local sv, fake = hello12(server_opts("required", { sigalgs = "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256" }))
      local ok, msg = sv:feed(flight12(fake, m.rsa, { scheme = "rsa_pss_rsae_sha512", scheme_id = 0x0806 }))
      E.assert_failed(sv, ok, msg, "illegal_parameter",
         "client signed its CertificateVerify with rsa_pss_rsae_sha512, which our CertificateRequest did not offer")
   end)

   it("wants CertificateVerify after a certificate (unexpected_message)", function()
      local sv, fake = hello12(server_opts("required"))
      local ok, msg = sv:feed(flight12(fake, m.ecdsa, { no_cv = true }))
      E.assert_failed(sv, ok, msg, "unexpected_message",
         "expected CertificateVerify, got ChangeCipherSpec: the client sent a certificate without proving it "
         .. "holds its key")
   end)

   it("wants the client's Certificate before ClientKeyExchange", function()
      local sv, fake = hello12(server_opts("optional"))
      local cke = B.handshake(T12.HS.client_key_exchange, B.vec(1, fake.pub))
      local ok, msg = sv:feed(B.record(B.CT.handshake, cke))
      E.assert_failed(sv, ok, msg, "unexpected_message", "expected Certificate, got ClientKeyExchange")
   end)

   it("refuses a certificate for servers only (clientAuth purpose)", function()
      local sv, fake = hello12(server_opts("required"))
      local ok, msg = sv:feed(flight12(fake, m.server_only))
      E.assert_failed(sv, ok, msg, "unsupported_certificate",
         "client certificate rejected: certificate's extendedKeyUsage does not allow TLS client "
         .. "authentication (it lacks clientAuth)")
   end)

   it("checks an RSA client certificate for digitalSignature even with RSA key transport", function()
      local sv = E.server_engine(server_opts("required", {
         certificate = c.leaf.rsa2048.cert, key = c.leaf.rsa2048.key,
         ciphers = "TLS_RSA_WITH_AES_128_GCM_SHA256" }))
      local fake = T12.client { suite = T12.SUITE.rsa_aes128, server_key = key_pem(c.leaf.rsa2048) }
      assert(sv:feed(fake:hello()))
      fake:server_flight(sv:output())
      local cert = B.handshake(T12.HS.certificate, B.vec(3, B.vec(3, der(m.ecdsa))))
      fake:add(cert)
      local pms, enc = assert(I.rsa_premaster_encrypt(key_pem(c.leaf.rsa2048), 0x0303))
      local cke = B.handshake(T12.HS.client_key_exchange, B.vec(2, enc))
      fake:add(cke)
      fake:derive(pms)
      local sig = assert(I.sign(key_pem(m.ecdsa), "ecdsa_secp256r1_sha256", table.concat(fake.transcript)))
      local cv = B.handshake(15, B.u16(0x0403) .. B.vec(2, sig))
      fake:add(cv)
      local fin = fake:finished_message()
      fake:add(fin)
      assert(sv:feed(B.record(B.CT.handshake, cert) .. B.record(B.CT.handshake, cke) .. B.record(B.CT.handshake, cv)
         .. B.record(B.CT.ccs, "\1") .. fake:seal(B.CT.handshake, fin)))
      assert.is_true(sv:info().peer_verified)
   end)
end)

describe("info().peer_verified on a client", function()
   it("is true when the client verified the server's chain, false with verify = false", function()
      local ca = proc.read_file(c.ca)
      local server = { certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
      local cl = E.connected({ ca = ca }, server, "localhost")
      assert.is_true(cl:info().peer_verified)
      assert.equal("CN=localhost", cl:info().peer_certificate.subject)
      cl = E.connected({ verify = false }, server, "localhost")
      assert.is_false(cl:info().peer_verified)
      assert.equal(1, cl:info().peer_chain_length)
   end)
end)

---------------------------------------------------------------------------
-- Options
---------------------------------------------------------------------------
describe("mutual TLS options on a server", function()
   local base = { mode = "server", certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
   local function ctx(extra) return tls.context(E.merge(E.merge({}, base), extra)) end

   it("takes verify = \"optional\", \"required\", true and false", function()
      for _, v in ipairs { "optional", "required", true } do assert(ctx { verify = v, ca = m.ca }) end
      assert(ctx { verify = false })
   end)

   it("refuses other verify values, naming the option", function()
      assert.same({ nil, "option 'verify' on a server must be \"optional\", \"required\", true (= \"required\") "
         .. "or false (got \"sometimes\")" }, { ctx { verify = "sometimes", ca = m.ca } })
      assert.same({ nil, "option 'verify' on a server must be \"optional\", \"required\", true (= \"required\") "
         .. "or false (got number)" }, { ctx { verify = 1, ca = m.ca } })
   end)

   it("refuses verify without 'ca' (never the system store for clients)", function()
      assert.same({ nil, "a server that verifies clients needs option 'ca' naming the client CAs" },
         { ctx { verify = "optional" } })
      assert.same({ nil, "a server that verifies clients needs option 'ca' naming the client CAs" },
         { ctx { verify = true } })
   end)

   it("refuses 'ca' and 'security_level' on a server that does not verify clients", function()
      for option, value in pairs { ca = m.ca, security_level = 3 } do
         assert.same({ nil, "option '" .. option .. "' would do nothing on a server that does not verify clients "
            .. "(set verify = \"required\" or \"optional\", or leave '" .. option .. "' out)" },
            { ctx { [option] = value } })
      end
   end)

   it("takes security_level with verify: a weak client key is refused", function()
      local sv, fake = hello13(server_opts("required", { security_level = 4 }))
      local ok, msg = sv:feed(flight13(fake, m.ecdsa))
      E.assert_failed(sv, ok, msg, "bad_certificate")
      assert.matches("^client certificate rejected: certificate key too weak: EC P%-256", msg)
   end)

   it("refuses \"optional\" and \"required\" on a client", function()
      for _, v in ipairs { "required", "optional" } do
         assert.same({ nil, "option 'verify' on a client must be true or false (got \"" .. v .. "\"): \"optional\" "
            .. "and \"required\" are for servers" }, { tls.context { verify = v } })
      end
   end)

   it("refuses a wrong mode in the C layer too", function()
      local core = require "tls.core"
      local server, client = assert(core.context(true)), assert(core.context(false))
      assert.is_true(CTXM.set_verify(server, "optional"))
      assert.is_true(CTXM.set_verify(server, true))
      assert.has_error(function() CTXM.set_verify(server, "sometimes") end)
      assert.has_error(function() CTXM.set_verify(client, "required") end)
   end)
end)

---------------------------------------------------------------------------
-- Real clients
---------------------------------------------------------------------------
local function start(verify, extra)
   return peers.luatls_server(E.merge({ cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key,
                                        verify = verify, ca = m.ca }, extra))
end

-- The server's verdict on its one connection: "peer ..." or "failed ...".
local function verdict(srv)
   return (proc.wait_output(srv, "\n(peer [^\n]*)\n"))
end

local function failure(srv)
   return (proc.wait_output(srv, "\nfailed ([^\n]*)\n"))
end

local VERSIONS = { { "TLSv1.3", "-tls1_3" }, { "TLSv1.2", "-tls1_2" } }

describe("openssl s_client with a client certificate against our server", function()
   after_each(proc.kill_all)

   local function s_client(port, flag, pair)
      return proc.run(string.format("openssl s_client -connect 127.0.0.1:%d %s -CAfile %s -servername localhost "
         .. "-verify_return_error -ign_eof %s", port, flag, c.ca,
         pair and ("-cert " .. pair.cert .. " -key " .. pair.key) or ""), "hello luatls\n")
   end

   for _, v in ipairs(VERSIONS) do
      local version, flag = v[1], v[2]
      for _, kind in ipairs { "ecdsa", "rsa" } do
         it(version .. ": sends its " .. kind .. " certificate; our server verifies it", function()
            local srv, port = start("required")
            local out = s_client(port, flag, m[kind])
            -- s_client's dump of a long session ticket may end without a newline
            assert.truthy(out:find("hello luatls\n", 1, true), out)
            assert.equal("peer subject=CN=luatls " .. (kind == "rsa" and "rsa " or "") .. "client verified=true",
               verdict(srv))
            assert.truthy(srv:output():find("info version=" .. version, 1, true), srv:output())
         end)
      end

      it(version .. ": sees our client CA among the acceptable CA names", function()
         local _, port = start("optional")
         local out = s_client(port, flag, m.ecdsa)
         assert.truthy(out:find("Acceptable client certificate CA names\nCN = luatls client CA\n", 1, true), out)
      end)

      it(version .. ": without a certificate, verify = \"optional\" lets it in unverified", function()
         local srv, port = start("optional")
         local out = s_client(port, flag, nil)
         assert.truthy(out:find("\nhello luatls\n", 1, true), out)
         assert.equal("peer subject=none verified=false", verdict(srv))
      end)

      local missing = version == "TLSv1.3" and "certificate required" or "handshake failure"
      local rejections = {
         { "no certificate", nil, missing,
           "client sent no certificate, and this server requires one (verify = \"required\")" },
         { "an expired certificate", m.expired, "certificate expired",
           "client certificate rejected: certificate has expired (notAfter 2020-02-01 00:00:00 UTC)" },
         { "a certificate from an unknown CA", m.untrusted, "unknown ca",
           "client certificate rejected: unknown certificate authority (issuer: CN=luatls untrusted CA)" },
         { "a certificate for servers only", m.server_only, "unsupported certificate",
           "client certificate rejected: certificate's extendedKeyUsage does not allow TLS client "
           .. "authentication (it lacks clientAuth)" },
      }
      for _, r in ipairs(rejections) do
         it(version .. ": " .. r[1] .. " gets alert " .. r[3], function()
            local srv, port = start("required")
            local out = s_client(port, flag, r[2])
            assert.truthy(out:find("alert " .. r[3] .. ":", 1, true), out)
            assert.is_nil(out:find("\nhello luatls\n", 1, true), out)
            assert.equal(r[4], failure(srv))
         end)
      end
   end
end)

describe("other clients with a client certificate against our server", function()
   after_each(proc.kill_all)

   local PY_CLIENT = [[
import socket, ssl, sys
port, ca, cert, key, version = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
v = ssl.TLSVersion.TLSv1_3 if version == "TLSv1.3" else ssl.TLSVersion.TLSv1_2
ctx.minimum_version = v
ctx.maximum_version = v
ctx.load_verify_locations(ca)
ctx.load_cert_chain(cert, key)
with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        s.sendall(b"hello from python\n")
        print("answer", s.makefile("rb").readline().decode().rstrip("\n"), s.version(), flush=True)
]]

   for _, v in ipairs(VERSIONS) do
      local version = v[1]
      it(version .. ": Python's ssl (load_cert_chain)", function()
         local script = os.tmpname()
         proc.write_file(script, PY_CLIENT)
         local srv, port = start("required")
         local out, code = proc.run(string.format("%s %s %d %s %s %s %s", peers.python(), script, port, c.ca,
            m.ecdsa.cert, m.ecdsa.key, version))
         os.remove(script)
         assert.equal(0, code, out)
         assert.truthy(out:find("answer hello from python " .. version, 1, true), out)
         assert.equal("peer subject=CN=luatls client verified=true", verdict(srv))
      end)

      it(version .. ": curl --cert --key fetches a page", function()
         local srv, port = start("required", { mode = "http" })
         local out, code = proc.run(string.format("curl -sS -v --max-time 15 %s --cacert %s --cert %s --key %s "
            .. "--resolve localhost:%d:127.0.0.1 https://localhost:%d/",
            version == "TLSv1.3" and "--tlsv1.3" or "--tlsv1.2 --tls-max 1.2", c.ca, m.rsa.cert, m.rsa.key, port,
            port))
         assert.equal(0, code, out)
         assert.truthy(out:find("SSL connection using " .. version, 1, true), out)
         assert.truthy(out:find("hello from luatls\n", 1, true), out)
         assert.equal("peer subject=CN=luatls rsa client verified=true", verdict(srv))
      end)

      it(version .. ": gnutls-cli --x509certfile --x509keyfile", function()
         local srv, port = start("required")
         local priority = version == "TLSv1.3" and "NORMAL:-VERS-ALL:+VERS-TLS1.3" or "NORMAL:-VERS-ALL:+VERS-TLS1.2"
         local out = proc.run(string.format("(printf 'hello luatls\\n'; sleep 1) | gnutls-cli --x509cafile %s "
            .. "--sni-hostname localhost --x509certfile %s --x509keyfile %s -p %d --priority %s 127.0.0.1",
            c.ca, m.ecdsa.cert, m.ecdsa.key, port, priority))
         assert.truthy(out:find("- Handshake was completed", 1, true), out)
         assert.truthy(out:find("\nhello luatls", 1, true), out)
         assert.equal("peer subject=CN=luatls client verified=true", verdict(srv))
      end)

      it(version .. ": LuaSec with certificate and key", function()
         local srv, port = start("required")
         local out, code = proc.run(string.format("%s spec/support/luasec_peer.lua client %d %s %s %s %s",
            proc.lua(), port, c.ca, m.rsa.cert, m.rsa.key, version == "TLSv1.3" and "tlsv1_3" or "tlsv1_2"))
         assert.equal(0, code, out)
         assert.truthy(out:find("negotiated " .. version, 1, true), out)
         assert.equal("peer subject=CN=luatls rsa client verified=true", verdict(srv))
      end)
   end

   it("gnutls-cli without a certificate gets certificate_required (TLS 1.3)", function()
      local srv, port = start("required")
      local out = proc.run(string.format("(printf 'hello luatls\\n'; sleep 1) | gnutls-cli --x509cafile %s "
         .. "--sni-hostname localhost -p %d --priority NORMAL:-VERS-ALL:+VERS-TLS1.3 127.0.0.1", c.ca, port))
      assert.truthy(out:find("Certificate is required", 1, true), out)
      assert.equal("client sent no certificate, and this server requires one (verify = \"required\")", failure(srv))
   end)
end)
