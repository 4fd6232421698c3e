-- Security checks that no planted bug of mutate/ reached before session 20
-- (mutate/mutations_mutcov20.lua), each refused here with its exact alert
-- and reason, so that the planted bug that removes it is seen to fail.
local tls = require "tls"
local I = require("tls.core")._internal
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"
local Post = require "spec.support.tlsbytes_post"
local T = require "spec.support.tls12_peer"
local certs = require "spec.support.certs"
local proc = require "spec.support.proc"

describe("our TLS 1.2 client", function()
   -- rfc8422#5.4: explicit_prime and explicit_char2 curves are deprecated; named_curve only.
   it("refuses a ServerKeyExchange whose curve type is not named_curve, even signed", function()
      local c = E.client_engine()
      assert(c:start())
      local fake
      fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, flight = function(f)
         local params = "\1" .. B.u16(0x001d) .. B.vec(1, fake.pub)
         local sig = assert(I.sign(E.KEY, "ecdsa_secp256r1_sha256",
                                   fake.client_random .. fake.server_random .. params))
         f[3] = B.handshake(T.HS.server_key_exchange, params .. B.u16(0x0403) .. B.vec(2, sig))
         return f
      end }
      local ok, msg = c:feed(fake:answer(c:output()))
      E.assert_refused(c, ok, msg, "illegal_parameter",
                       "ServerKeyExchange uses curve type 1 %(only named curves are allowed%)")
   end)
   -- rfc5246#7.4.2: every suite we speak is authenticated by the server's certificate.
   it("refuses an empty server Certificate (decode_error)", function()
      local c = E.client_engine()
      assert(c:start())
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, flight = function(f)
         f[2] = B.handshake(T.HS.certificate, B.vec(3, ""))
         return f
      end }
      local ok, msg = c:feed(fake:answer(c:output()))
      E.assert_refused(c, ok, msg, "decode_error", "server sent no certificate")
   end)
end)

describe("our TLS 1.2 server asking for a client certificate", function()
   local m = certs.clients()
   -- Certificate, ClientKeyExchange, CertificateVerify (scheme_id put in
   -- the message, signed with ECDSA P-256 whatever it names), CCS, Finished.
   local function flight12(fake, pair, scheme_id)
      local cert = B.handshake(T.HS.certificate, B.vec(3, B.vec(3, T.der(proc.read_file(pair.cert)))))
      fake:add(cert)
      local cke = B.handshake(T.HS.client_key_exchange, B.vec(1, fake.pub))
      fake:add(cke)
      fake:derive(assert(I.kex_x25519(fake.priv, fake.server_point)))
      local sig = assert(I.sign(proc.read_file(pair.key), "ecdsa_secp256r1_sha256", table.concat(fake.transcript)))
      local cv = B.handshake(15, B.u16(scheme_id) .. B.vec(2, sig))
      fake:add(cv)
      local fin = fake:finished_message()
      fake:add(fin)
      return B.record(B.CT.handshake, cert .. cke .. cv) .. B.record(B.CT.ccs, "\1") .. fake:seal(B.CT.handshake, fin)
   end

   -- rfc5246#7.4.8 with rfc8446#4.2.3: the scheme must fit the certificate's key.
   it("refuses a CertificateVerify whose scheme does not fit the client's key (illegal_parameter)", function()
      local sv = E.server_engine { verify = "required", ca = m.ca }
      local fake = T.client()
      assert(sv:feed(fake:hello()))
      fake:server_flight(sv:output())
      local ok, msg = sv:feed(flight12(fake, m.ecdsa, 0x0804))
      E.assert_failed(sv, ok, msg, "illegal_parameter",
         "client signed its CertificateVerify with rsa_pss_rsae_sha256, which does not fit its EC certificate key")
   end)
   -- rfc5246#7.4.4 and rfc8422#5.5: we ask for rsa_sign and ecdsa_sign
   -- certificates (EdDSA too); a client's Ed448 key is none of them.
   it("refuses a client certificate of a kind it did not ask for (unsupported_certificate)", function()
      local p = require("spec.support.pki").new()
      p:ca("root", "ec256", "/CN=mutcov20 root")
      p:sh("openssl genpkey -algorithm ED448 -out ed448.key")
      p:issue("ed448", "/CN=ed448 client", "root")
      local sv = E.server_engine { verify = "required", ca = p:path("root.pem") }
      local fake = T.client()
      assert(sv:feed(fake:hello()))
      fake:server_flight(sv:output())
      local cert = B.handshake(T.HS.certificate, B.vec(3, B.vec(3, T.der(p:read("ed448.pem")))))
      local ok, msg = sv:feed(B.record(B.CT.handshake, cert))
      E.assert_failed(sv, ok, msg, "unsupported_certificate",
         "client certificate has a ED448 key, which is none of the kinds we asked for (RSA, RSA-PSS, ECDSA, Ed25519)")
   end)
end)

describe("our TLS 1.3 client offering early data", function()
   -- rfc8446#4.2.10: "the client MUST verify that the server's
   -- selected_identity is 0"; a full handshake selected none.
   it("refuses early_data in the EncryptedExtensions of a full handshake (illegal_parameter)", function()
      local cctx = assert(tls.context { mode = "client", ca = E.CERT, early_data = true })
      local session = E.first_session(cctx, E.server_ctx { early_data = true, session_store = tls.store.memory() })
      local cl = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = "GET /" }))
      assert(cl:start())
      local srv = Post.fake_server(E.CERT, E.KEY)
      local ok, msg = cl:feed(srv:answer(cl:output(), { { B.EXT.early_data, "" } }))
      E.assert_failed(cl, ok, msg, "illegal_parameter",
         "server accepted our early data without resuming with our first PSK")
   end)
end)

describe("our TLS 1.3 server, given a ClientHello server_name", function()
   -- rfc6066#3: a HostName holds no NUL and is at most 255 bytes (DNS).
   for _, case in ipairs {
      { "with a NUL byte", "bad\0.example.com", "server_name is not a host name (byte 0x00 at 3)" },
      { "of 256 bytes", ("a"):rep(63) .. "." .. ("b"):rep(63) .. "." .. ("c"):rep(63) .. "." .. ("d"):rep(64),
        "server_name is not a host name" },
   } do
      it("refuses one " .. case[1] .. " (illegal_parameter)", function()
         local sv = E.server_engine()
         local ok, msg = sv:feed(B.client_hello_record { server_name = case[2] })
         E.assert_failed(sv, ok, msg, "illegal_parameter", case[3])
      end)
   end

   it("(sanity) takes one of 255 bytes to the handshake", function()
      local sv = E.server_engine()
      local name = ("a"):rep(63) .. "." .. ("b"):rep(63) .. "." .. ("c"):rep(63) .. "." .. ("d"):rep(63)
      assert(sv:feed(B.client_hello_record { server_name = name }))
      assert.is_false(sv:status().failed)
   end)
end)

describe("the record layer", function()
   -- rfc8446#5.1: "Implementations MUST NOT send zero-length fragments of
   -- Handshake types"; rfc8446#6: an alert is two bytes.
   it("refuses an empty alert record by name (unexpected_message)", function()
      local sv = E.server_engine()
      local ok, msg = sv:feed(B.record(B.CT.alert, ""))
      E.assert_failed(sv, ok, msg, "unexpected_message", "empty alert record")
   end)
end)

describe("our TLS 1.3 server after the handshake, given a fragmented handshake message", function()
   -- rfc8446#5.1: "Handshake messages MUST NOT be interleaved with other
   -- record types": the outer type of a protected record is always
   -- application_data, so this is seen only once it is opened.
   for _, case in ipairs {
      { "a protected alert", B.CT.alert, "\1\0", "alert record inside a fragmented handshake message" },
      { "protected application data", B.CT.application_data, "data",
        "application data inside a fragmented handshake message" },
   } do
      it("refuses " .. case[1] .. " between its fragments (unexpected_message)", function()
         local sv, fake = E.scripted_handshake()
         local ku = Post.key_update_message(false)
         local ok, msg = sv:feed(fake:seal(fake.client_ap, B.CT.handshake, ku:sub(1, 2))
            .. fake:seal(fake.client_ap, case[2], case[3]))
         E.assert_failed(sv, ok, msg, "unexpected_message", case[4])
      end)
   end
end)

describe("our TLS 1.3 server, given a ClientHello without supported_groups", function()
   -- rfc8446#9.2: a TLS 1.3 ClientHello "MUST" carry supported_groups
   -- (and key_share) when it asks for (EC)DHE: missing_extension.
   it("and without key_share refuses it with missing_extension", function()
      local sv = E.server_engine()
      local ok, msg = sv:feed(B.client_hello_record { groups = false, shares = false })
      E.assert_failed(sv, ok, msg, "missing_extension", "ClientHello lacks supported_groups or key_share")
   end)
end)

describe("our TLS 1.2 client, after a ServerHello that announced a ticket", function()
   -- rfc5077#3.3: one NewSessionTicket, then the ChangeCipherSpec.
   it("refuses a second NewSessionTicket (unexpected_message)", function()
      local cl = assert(tls.engine(assert(tls.context { mode = "client", ca = E.CERT, max_version = "TLSv1.2" }),
         { servername = "localhost" }))
      assert(cl:start())
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, session_ticket = true }
      assert(cl:feed(fake:answer(cl:output())))
      fake:client_flight(cl:output())
      local nst = B.handshake(T.HS.new_session_ticket, T.new_session_ticket(("t"):rep(100), 3600))
      local ok, msg = cl:feed(B.record(B.CT.handshake, nst .. nst))
      E.assert_failed(cl, ok, msg, "unexpected_message", "expected ChangeCipherSpec, got a second NewSessionTicket")
   end)
end)

describe("our TLS 1.2 server", function()
   -- rfc5246#7.4.1.3: no suite in common is handshake_failure.
   it("refuses a TLS 1.2 ClientHello without a TLS 1.2 suite it speaks (handshake_failure)", function()
      local sv = E.server_engine()
      local ok, msg = sv:feed(B.client_hello_record { versions = { 0x0303 }, suites = { 0x1301, 0x0a0a },
                                                    extra = { { 23, "" } } })
      E.assert_failed(sv, ok, msg, "handshake_failure",
                      "no TLS 1.2 cipher suite in common with the client (it offers none)")
   end)
end)

describe("our TLS 1.3 server after a HelloRetryRequest", function()
   -- rfc8446#4.1.2: the second ClientHello repeats the first but for
   -- key_share, cookie and early_data: it cannot fall back to TLS 1.2.
   it("refuses a second ClientHello that offers only TLS 1.2 (illegal_parameter)", function()
      local sv = E.server_engine()
      assert(sv:feed(B.client_hello_record { shares = {} }))
      local hrr = B.parse_handshakes(B.parse_records(sv:output())[1].body)[1]
      assert.equal(B.HS.server_hello, hrr.type)
      local ok, msg = sv:feed(B.client_hello_record { versions = { 0x0303 }, suites = { 0xc02b },
                                                      extra = { { 23, "" } } })
      E.assert_failed(sv, ok, msg, "illegal_parameter", "second ClientHello no longer offers TLS 1.3")
   end)
end)
