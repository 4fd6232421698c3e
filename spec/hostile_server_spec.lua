-- Our client against a scripted, hostile TLS 1.3 server
-- (spec/support/hostile_server.lua). The server's keys, records, signatures
-- and Finished values come from spec/support/ref13.lua on raw libcrypto,
-- never from the engine, so a mistake in the client's own key schedule or
-- checks cannot cancel out the way it does in engine pairs.
--
-- First ref13 itself is checked against RFC 8448's trace, then a good
-- handshake proves the two independent implementations agree, then every
-- way the server can misbehave must draw the alert RFC 8446 names, sent by
-- our client (read back with the scripted server's own copy of the
-- client's keys) and reported by e:error().
local C = require "refcrypto"
local R = require "spec.support.ref13"
local H = require "spec.support.hostile_server"
local certs = require "spec.support.certs"
local proc = require "spec.support.proc"

local function unhex(s)
   s = s:gsub("%s+", "")
   return (s:gsub("..", function(h) return string.char(tonumber(h, 16)) end))
end

local function hex(s)
   return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local function same(expected_hex, got)
   assert.are.equal(hex(unhex(expected_hex)), got and hex(got))
end

local function fails_with(s, alert, pattern) s:client_failed_with(alert, pattern) end

-- The handshake is over on both sides, and data goes both ways.
local function talks(s)
   assert.is_true(s.engine:status().handshake_done)
   assert(s:send_app("from the scripted server"))
   assert.are.equal("from the scripted server", s.engine:read())
   assert(s.engine:write("from our client"))
   s:collect()
   assert.are.equal("from our client", s:client_data())
end

---------------------------------------------------------------------------
describe("the scripted server's own crypto (ref13 on refcrypto), against RFC 8448 section 3", function()
   -- Copied from the RFC's trace (as spec/kat_rfc8448_spec.lua), never from our output.
   local X = {
      client_private = "49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005",
      client_public = "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c",
      server_public = "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f",
      shared = "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d",
      client_hello = [[
         010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece700000613011303130201
         0000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400
         230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b00
         03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c
         00024001]],
      server_hello = [[
         020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024
         001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304]],
      th_server_hello = "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8",
      th_certificate_verify = "edb7725fa7a3473b031ec8ef65a2485493900138a2b91291407d7951a06110ed",
      th_server_finished = "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13",
      th_client_finished = "209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d",
      early = "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a",
      derived_early = "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba",
      handshake = "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac",
      master = "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919",
      client_hs = "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21",
      server_hs = "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38",
      client_ap = "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5",
      server_ap = "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643",
      exporter = "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50",
      resumption = "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c",
      ticket_psk = "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3",
      server_hs_key = "3fce516009c21727d0f2e4e86ee403bc",
      server_hs_iv = "5d313eb2671276ee13000b30",
      client_hs_key = "dbfaa693d1762c5b666af5d950258d01",
      client_hs_iv = "5bd3c71b836e0b76bb73265f",
      server_ap_key = "9f02283b6c9c07efc26bb9f2ac92e356",
      server_ap_iv = "cf782b88dd83549aadf1e984",
      client_ap_key = "17422dda596ed5d9acd890e3c63f5051",
      client_ap_iv = "5b78923dee08579033e523d9",
      server_verify_data = "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718",
      client_verify_data = "a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61",
      client_finished_record = [[
         170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1c
         aeacab6867d726c40546]],
      client_app_record = [[
         1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b
         62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4]],
      server_app_record = [[
         17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8
         fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d]],
   }
   local suite = R.suite("TLS_AES_128_GCM_SHA256")
   local function payload()
      local t = {}
      for i = 0, 0x31 do t[#t + 1] = string.char(i) end
      return table.concat(t)
   end

   it("agrees on the x25519 secret with the trace's client key", function()
      local priv, pub = C.keygen("x25519", unhex(X.client_private))
      same(X.client_public, pub)
      same(X.shared, C.derive("x25519", priv, unhex(X.server_public)))
   end)

   it("hashes ClientHello..ServerHello to the trace's transcript hash", function()
      same(X.th_server_hello, R.transcript_hash(suite, unhex(X.client_hello) .. unhex(X.server_hello)))
   end)

   it("derives every secret of the key schedule", function()
      local ks = R.key_schedule(suite)
      same(X.early, ks.early)
      same(X.derived_early, ks.derived_early)
      ks:handshake(unhex(X.shared), unhex(X.th_server_hello))
      same(X.handshake, ks.handshake_secret)
      same(X.client_hs, ks.client_hs)
      same(X.server_hs, ks.server_hs)
      ks:master(unhex(X.th_server_finished))
      same(X.master, ks.master_secret)
      same(X.client_ap, ks.client_ap)
      same(X.server_ap, ks.server_ap)
      same(X.exporter, ks.exporter)
      ks:resumption(unhex(X.th_client_finished))
      same(X.resumption, ks.resumption_secret)
      same(X.ticket_psk, R.expand_label("sha256", ks.resumption_secret, "resumption", "\0\0", 32))
   end)

   it("derives the traffic keys and IVs", function()
      for _, which in ipairs { "server_hs", "client_hs", "server_ap", "client_ap" } do
         local key, iv = R.traffic_keys(suite, unhex(X[which]))
         same(X[which .. "_key"], key)
         same(X[which .. "_iv"], iv)
      end
   end)

   it("computes both Finished values", function()
      same(X.server_verify_data, R.finished(suite, unhex(X.server_hs), unhex(X.th_certificate_verify)))
      same(X.client_verify_data, R.finished(suite, unhex(X.client_hs), unhex(X.th_server_finished)))
   end)

   it("seals and opens records byte for byte (inner type, nonce from the sequence number)", function()
      local fin = "\20\0\0\32" .. unhex(X.client_verify_data)
      same(X.client_finished_record, R.protector(suite, unhex(X.client_hs)):seal(22, fin))
      same(X.client_app_record, R.protector(suite, unhex(X.client_ap)):seal(23, payload()))
      local server = R.protector(suite, unhex(X.server_ap))
      server.seq = 1 -- the NewSessionTicket went first
      same(X.server_app_record, server:seal(23, payload()))
      local opener = R.protector(suite, unhex(X.client_hs))
      local ctype, content = opener:open(unhex(X.client_finished_record))
      assert.are.equal(22, ctype)
      assert.are.equal(hex(fin), hex(content))
      local bad = unhex(X.client_app_record)
      bad = bad:sub(1, -2) .. string.char(bad:byte(-1) ~ 1)
      assert.are.same({ nil, "authentication failed" }, { R.protector(suite, unhex(X.client_ap)):open(bad) })
   end)

   it("puts the sequence number into the nonce as RFC 8446 5.3 says", function()
      local iv = unhex("000102030405060708090a0b")
      assert.are.equal(hex(iv), hex(R.nonce(iv, 0)))
      assert.are.equal("000102030405060708090a0a", hex(R.nonce(iv, 1)))
      assert.are.equal("00010203050705030d0f0d03", hex(R.nonce(iv, 0x0102030405060708)))
   end)
end)

---------------------------------------------------------------------------
describe("our client against the scripted server, playing fair", function()
   it("completes the handshake, checks our Finished and exchanges data both ways", function()
      local s = H.new{}
      assert.is_true(s:handshake())
      assert.is_true(s.client_finished_ok)
      talks(s)
      local info = s.engine:info()
      assert.are.equal("TLS_AES_128_GCM_SHA256", info.cipher)
      assert.are.equal("x25519", info.group)
      assert.are.equal("ecdsa_secp256r1_sha256", info.signature)
      assert.is_false(info.hello_retry)
      assert.are.equal("localhost", s.ch.server_name)
   end)

   for _, name in ipairs { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256" } do
      it("works with " .. name, function()
         local s = H.new{ suite = name }
         s:handshake()
         talks(s)
         assert.are.equal(name, s.engine:info().cipher)
      end)
   end

   for _, group in ipairs { "x25519", "secp256r1", "secp384r1" } do
      it("works with a " .. group .. " key share", function()
         local s = H.new{ client = { groups = group } }
         assert.are.same({ H.GROUP[group] }, s.ch.share_order)
         s:handshake()
         talks(s)
         assert.are.equal(group, s.engine:info().group)
      end)
   end

   for _, c in ipairs {
      { "ecdsa_p384", "ecdsa_secp384r1_sha384" }, { "rsa2048", "rsa_pss_rsae_sha256" },
      { "rsa2048", "rsa_pss_rsae_sha384" }, { "rsa2048", "rsa_pss_rsae_sha512" }, { "ed25519", "ed25519" },
   } do
      it("checks a " .. c[2] .. " CertificateVerify from a " .. c[1] .. " leaf", function()
         local s = H.new{ leaf = c[1], scheme = c[2] }
         s:handshake()
         talks(s)
         assert.are.equal(c[2], s.engine:info().signature)
      end)
   end

   it("follows a chain through an intermediate CA", function()
      local c = certs.get()
      local s = H.new{ cert = c.chain.cert, key = c.chain.key }
      assert.are.equal(2, #s.chain)
      s:handshake()
      talks(s)
      assert.are.equal(2, s.engine:info().peer_chain_length)
   end)

   it("takes each message in its own record, a message across many records, and padded records", function()
      local s = H.new{}
      s:hello()
      local ee, cert = s:encrypted_extensions(), s:certificate()
      local cv, fin = s:certificate_verify(), s:finished()
      assert(s:deliver(s:record(22, ee, { padding = 3000 })))
      -- the Certificate in 100-byte fragments
      local parts = {}
      for i = 1, #cert, 100 do parts[#parts + 1] = s:record(22, cert:sub(i, i + 99)) end
      assert(s:deliver(table.concat(parts)))
      -- CertificateVerify's end in the same record as Finished's start
      assert(s:deliver(s:record(22, cv:sub(1, 20))))
      assert(s:deliver(s:record(22, cv:sub(21) .. fin:sub(1, 3)) .. s:record(22, fin:sub(4))))
      s:client_finished()
      talks(s)
   end)

   it("takes a ServerHello split across two plaintext records", function()
      local s = H.new{}
      local sh = s:server_hello()
      assert(s:deliver(H.plain_record(22, sh:sub(1, 40)) .. H.plain_record(22, sh:sub(41))))
      s:use_keys("handshake")
      s:flight()
      s:client_finished()
      talks(s)
   end)

   it("takes supported_groups in EncryptedExtensions (informational, RFC 8446 4.2.7)", function()
      local s = H.new{}
      s:handshake{ encrypted_extensions = { extensions = { { "supported_groups", H.vec(2, H.u16(0x17)) } } } }
      talks(s)
   end)

   it("answers a CertificateRequest with an empty Certificate, and its Finished covers it", function()
      local s = H.new{}
      s:hello()
      assert(s:send(s:encrypted_extensions(), s:certificate_request(), s:certificate(), s:certificate_verify(),
                    s:finished()))
      s:client_finished()
      local types = {}
      for i, m in ipairs(s.client_messages) do types[i] = m.type end
      assert.are.same({ H.HS.certificate, H.HS.finished }, types)
      assert.are.equal("\0\0\0\0", s.client_messages[1].body)
      talks(s)
   end)

   it("retries with the group a HelloRetryRequest asks for, over the rewritten transcript", function()
      local s = H.new{}
      local first = s.ch
      assert(s:retry{ group = "secp256r1" })
      assert.are.equal(2, s.client_hellos)
      assert.are.same({ H.GROUP.secp256r1 }, s.ch.share_order)
      assert.are.equal(first.random, s.ch.random)
      assert.are.equal(first.session_id, s.ch.session_id)
      s:handshake()
      talks(s)
      assert.is_true(s.engine:info().hello_retry)
      assert.are.equal("secp256r1", s.engine:info().group)
   end)

   it("echoes a cookie-only HelloRetryRequest's cookie with the same key share", function()
      local s = H.new{}
      local first = s.ch
      assert(s:retry{ cookie = "opaque state of the server" })
      assert.are.equal("opaque state of the server", s.ch.cookie)
      assert.are.equal(first.shares[H.GROUP.x25519], s.ch.shares[H.GROUP.x25519])
      s:handshake()
      talks(s)
   end)

   it("retries after a HelloRetryRequest for another suite and uses that suite", function()
      local s = H.new{}
      assert(s:retry{ group = "secp384r1", suite = "TLS_CHACHA20_POLY1305_SHA256" })
      s:handshake()
      talks(s)
      assert.are.equal("TLS_CHACHA20_POLY1305_SHA256", s.engine:info().cipher)
   end)

   it("accepts a NewSessionTicket and keeps going", function()
      local s = H.new{}
      s:handshake()
      assert(s:send(s:new_session_ticket()))
      talks(s)
   end)
end)

---------------------------------------------------------------------------
describe("our client against a hostile ServerHello", function()
   it("refuses a session id that is not the echo of ours", function()
      local s = H.new{}
      s:hello{ session_id = ("\1"):rep(32) }
      fails_with(s, "illegal_parameter", "does not echo our session id")
   end)

   it("refuses a cipher suite it did not offer", function()
      local s = H.new{ client = { ciphers = "TLS_AES_128_GCM_SHA256" } }
      s:hello{ suite = "TLS_AES_256_GCM_SHA384" }
      fails_with(s, "illegal_parameter", "cipher suite 0x1302, not offered")
   end)

   it("refuses a key share for a group other than the one it sent", function()
      local s = H.new{}
      s:hello{ group = "secp256r1" }
      fails_with(s, "illegal_parameter", "key share is for secp256r1, we sent x25519")
   end)

   it("refuses a ServerHello without key_share", function()
      local s = H.new{}
      s:hello{ omit = { key_share = true } }
      fails_with(s, "missing_extension", "no key_share")
   end)

   it("refuses a version it did not offer", function()
      local s = H.new{}
      s:hello{ version = 0x0305 }
      fails_with(s, "illegal_parameter", "0x0305, not offered")
   end)

   it("refuses a legacy_version other than 0x0303", function()
      local s = H.new{}
      s:hello{ legacy_version = 0x0304 }
      fails_with(s, "illegal_parameter")
   end)
end)

---------------------------------------------------------------------------
describe("our client against a hostile CertificateVerify", function()
   it("refuses a signature with one bit flipped", function()
      local s = H.new{}
      s:hello()
      s:flight{ certificate_verify = { corrupt = true } }
      fails_with(s, "decrypt_error", "signature in CertificateVerify does not verify")
   end)

   it("refuses a valid signature over the client's context string", function()
      local s = H.new{}
      s:hello()
      s:flight{ certificate_verify = { context_string = "TLS 1.3, client CertificateVerify" } }
      fails_with(s, "decrypt_error", "does not verify")
   end)

   it("refuses a valid signature over the transcript before the Certificate", function()
      local s = H.new{}
      s:hello()
      local ee = s:encrypted_extensions()
      local early_th = s:th()
      s:send(ee, s:certificate(), s:certificate_verify{ th = early_th }, s:finished())
      fails_with(s, "decrypt_error", "does not verify")
   end)

   it("refuses a signature from another key than the certificate's", function()
      local other = certs.get().leaf.ecdsa_p256
      local s = H.new{ cert = certs.get().chain.cert, key = certs.get().chain.key }
      s:hello()
      s:flight{ certificate_verify = { key = proc.read_file(other.key) } }
      fails_with(s, "decrypt_error", "does not verify")
   end)

   it("refuses a correct signature with a scheme it did not offer", function()
      local s = H.new{ leaf = "rsa2048", scheme = "rsa_pss_rsae_sha256",
                       client = { sigalgs = "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha384" } }
      s:hello()
      s:flight()
      fails_with(s, "illegal_parameter", "signed with rsa_pss_rsae_sha256, which we did not offer")
   end)

   it("refuses RSA PKCS#1 v1.5, which TLS 1.3 never allows in CertificateVerify", function()
      local s = H.new{ leaf = "rsa2048", scheme = "rsa_pkcs1_sha256" }
      s:hello()
      s:flight()
      fails_with(s, "illegal_parameter", "signed with rsa_pkcs1_sha256, which TLS 1.3 does not allow in CertificateVerify")
   end)

   it("refuses a scheme for another curve than the certificate's key", function()
      local s = H.new{ leaf = "ecdsa_p256", scheme = "ecdsa_secp384r1_sha384" }
      s:hello()
      s:flight()
      fails_with(s, "illegal_parameter", "ecdsa_secp384r1_sha384 in CertificateVerify does not fit")
   end)

   it("refuses an Ed25519 scheme over an EC key, and rsa_pss_pss over an rsaEncryption key", function()
      local s = H.new{ leaf = "ecdsa_p256" }
      s:hello()
      s:flight{ certificate_verify = { scheme = "ed25519", sign_as = "ecdsa_secp256r1_sha256" } }
      fails_with(s, "illegal_parameter", "ed25519 in CertificateVerify does not fit")

      s = H.new{ leaf = "rsa2048", scheme = "rsa_pss_pss_sha256",
                 client = { sigalgs = "rsa_pss_pss_sha256:rsa_pss_rsae_sha256" } }
      s:hello()
      s:flight()
      fails_with(s, "illegal_parameter", "does not fit")
   end)

   it("refuses an empty signature", function()
      local s = H.new{}
      s:hello()
      s:flight{ certificate_verify = { signature = "" } }
      fails_with(s, "decode_error", "CertificateVerify message is malformed")
   end)
end)

---------------------------------------------------------------------------
describe("our client against a hostile Finished", function()
   it("refuses a verify_data with one bit flipped", function()
      local s = H.new{}
      s:hello()
      s:flight{ finished = { corrupt = true } }
      fails_with(s, "decrypt_error", "Finished does not match")
   end)

   it("refuses the verify_data computed with the client's key instead of the server's", function()
      local s = H.new{}
      s:hello()
      local ee, cert, cv = s:encrypted_extensions(), s:certificate(), s:certificate_verify()
      local wrong = R.finished(s.suite, s.ks.client_hs, s:th())
      s:send(ee, cert, cv, s:finished{ verify_data = wrong })
      fails_with(s, "decrypt_error", "Finished does not match")
   end)

   it("refuses a Finished of the wrong length", function()
      local s = H.new{}
      s:hello()
      s:flight{ finished = { verify_data = ("\0"):rep(31) } }
      fails_with(s, "decode_error", "Finished message has the wrong length")
   end)
end)

---------------------------------------------------------------------------
describe("our client against handshake messages out of order", function()
   it("refuses a Certificate before EncryptedExtensions", function()
      local s = H.new{}
      s:hello()
      s:send(s:certificate(), s:encrypted_extensions(), s:certificate_verify(), s:finished())
      fails_with(s, "unexpected_message", "expected EncryptedExtensions, got Certificate")
   end)

   it("refuses EncryptedExtensions twice", function()
      local s = H.new{}
      s:hello()
      s:send(s:encrypted_extensions(), s:encrypted_extensions(), s:certificate())
      fails_with(s, "unexpected_message", "expected Certificate, got EncryptedExtensions")
   end)

   it("refuses a handshake without Certificate", function()
      local s = H.new{}
      s:hello()
      s:send(s:encrypted_extensions(), s:certificate_verify(), s:finished())
      fails_with(s, "unexpected_message", "expected Certificate, got CertificateVerify")
   end)

   it("refuses a Finished without CertificateVerify", function()
      local s = H.new{}
      s:hello()
      s:send(s:encrypted_extensions(), s:certificate(), s:finished())
      fails_with(s, "unexpected_message", "expected CertificateVerify, got Finished")
   end)

   it("refuses a second ServerHello under the handshake keys", function()
      local s = H.new{}
      s:hello()
      s:send(s:server_hello())
      fails_with(s, "unexpected_message", "expected EncryptedExtensions, got ServerHello")
   end)

   it("refuses a NewSessionTicket before the handshake is over", function()
      local s = H.new{}
      s:hello()
      s:send(s:encrypted_extensions(), s:certificate(), s:new_session_ticket())
      fails_with(s, "unexpected_message", "expected CertificateVerify, got NewSessionTicket")
   end)

   it("refuses a KeyUpdate before the handshake is over", function()
      local s = H.new{}
      s:hello()
      s:send(s:encrypted_extensions(), s:key_update())
      fails_with(s, "unexpected_message", "expected Certificate, got KeyUpdate")
   end)

   it("refuses application data before the server's Finished", function()
      local s = H.new{}
      s:hello()
      s:send(s:encrypted_extensions())
      s:send_app("too early")
      fails_with(s, "unexpected_message", "application data before the handshake finished")
   end)

   it("refuses a second Finished after the handshake", function()
      local s = H.new{}
      s:handshake()
      s:send(H.handshake(H.HS.finished, ("\0"):rep(32)))
      fails_with(s, "unexpected_message", "unexpected Finished message after the handshake")
   end)

   it("refuses a CertificateRequest after the handshake (post_handshake_auth never offered)", function()
      local s = H.new{}
      s:handshake()
      s:send(s:certificate_request{ context = "x", transcript = false })
      fails_with(s, "unexpected_message", "unexpected CertificateRequest message after the handshake")
   end)

   it("drops more dummy change_cipher_spec records (rfc8446#5), at most 32 in a row; refuses one after the handshake", function()
      -- review33a F2: "MUST simply drop it"; it was refused from the second on.
      local s = H.new{}
      s:hello()
      assert(s:deliver(H.plain_record(20, "\1") .. H.plain_record(20, "\1")))
      assert(s:deliver(H.plain_record(20, "\1")))
      s:flight()
      s:client_finished()
      talks(s)
      s = H.new{}
      s:hello()
      s:deliver(H.plain_record(20, "\1"):rep(32))
      fails_with(s, "unexpected_message", "more than 32 records in a row without content")
      s = H.new{}
      s:handshake()
      s:deliver(H.plain_record(20, "\1"))
      fails_with(s, "unexpected_message", "change_cipher_spec record outside the handshake")
   end)
end)

---------------------------------------------------------------------------
describe("our client against handshake data that continues after a key change in the same record", function()
   it("refuses EncryptedExtensions in the ServerHello's plaintext record", function()
      local s = H.new{}
      s:deliver(H.plain_record(22, s:server_hello() .. s:encrypted_extensions()))
      fails_with(s, "unexpected_message", "handshake data continues in the record that ended a key epoch")
   end)

   it("refuses a NewSessionTicket in the record of the server's Finished", function()
      local s = H.new{}
      s:hello()
      s:send(s:encrypted_extensions(), s:certificate(), s:certificate_verify(), s:finished(),
             s:new_session_ticket())
      fails_with(s, "unexpected_message", "handshake data continues in the record that ended a key epoch")
      assert.is_true(s.client_finished_ok)
   end)

   it("refuses a ServerHello in the record of the HelloRetryRequest (RFC 8446 5.1; review39b F1)", function()
      local s = H.new{}
      local hrr = s:hello_retry_request{ group = "secp256r1" }
      -- any handshake bytes after it: a ServerHello, or the start of one
      s:deliver(H.plain_record(22, hrr .. H.handshake(2, ("\0"):rep(40))))
      fails_with(s, "unexpected_message", "handshake data continues in the record of the HelloRetryRequest "
         .. "%(RFC 8446 5%.1: it must end its record%)$")
      s = H.new{}
      hrr = s:hello_retry_request{ group = "secp256r1" }
      s:deliver(H.plain_record(22, hrr .. "\2\0"))
      fails_with(s, "unexpected_message", "handshake data continues in the record of the HelloRetryRequest")
   end)

   it("refuses a message in the record of a KeyUpdate", function()
      local s = H.new{}
      s:handshake()
      s:send(s:key_update(), s:new_session_ticket())
      fails_with(s, "unexpected_message", "handshake data continues in the record that ended a key epoch")
   end)
end)

---------------------------------------------------------------------------
describe("our client against a hostile HelloRetryRequest", function()
   it("refuses a second HelloRetryRequest", function()
      local s = H.new{}
      assert(s:retry{ group = "secp256r1" })
      s:retry{ group = "secp384r1" }
      fails_with(s, "unexpected_message", "second HelloRetryRequest")
   end)

   it("refuses a second HelloRetryRequest as such even when it also changes the suite", function()
      local s = H.new{}
      assert(s:retry{ group = "secp256r1", suite = "TLS_AES_128_GCM_SHA256" })
      s:retry{ group = "secp384r1", suite = "TLS_AES_256_GCM_SHA384" }
      fails_with(s, "unexpected_message", "second HelloRetryRequest")
   end)

   it("refuses a HelloRetryRequest for the group it already sent a share for", function()
      local s = H.new{}
      s:retry{ group = "x25519" }
      fails_with(s, "illegal_parameter", "HelloRetryRequest asks for group x25519")
   end)

   it("refuses a HelloRetryRequest for a group it did not offer", function()
      local s = H.new{ client = { groups = "x25519:secp256r1" } }
      s:retry{ group = "secp384r1" }
      fails_with(s, "illegal_parameter", "HelloRetryRequest asks for group secp384r1")
   end)

   it("refuses a HelloRetryRequest for an unknown group", function()
      local s = H.new{}
      s:retry{ group = 0x7a7a }
      fails_with(s, "illegal_parameter", "HelloRetryRequest asks for group")
   end)

   it("refuses a HelloRetryRequest that would change nothing", function()
      local s = H.new{}
      s:retry{}
      fails_with(s, "illegal_parameter", "HelloRetryRequest asks for no change")
   end)

   it("refuses a ServerHello whose suite differs from the HelloRetryRequest's", function()
      local s = H.new{}
      assert(s:retry{ group = "secp256r1", suite = "TLS_AES_128_GCM_SHA256" })
      s:hello{ suite = "TLS_AES_256_GCM_SHA384" }
      fails_with(s, "illegal_parameter", "ServerHello changes the cipher suite chosen in HelloRetryRequest")
   end)

   it("refuses a ServerHello whose key share is not for the group the HelloRetryRequest asked", function()
      local s = H.new{}
      assert(s:retry{ group = "secp256r1" })
      s:hello{ group = "x25519" }
      fails_with(s, "illegal_parameter", "key share is for x25519, we sent secp256r1")
   end)

   it("refuses a HelloRetryRequest with a suite it did not offer", function()
      local s = H.new{ client = { ciphers = "TLS_AES_128_GCM_SHA256" } }
      s:retry{ group = "secp256r1", suite = "TLS_AES_256_GCM_SHA384" }
      fails_with(s, "illegal_parameter", "cipher suite 0x1302, not offered")
   end)

   it("refuses a HelloRetryRequest with an empty cookie", function()
      local s = H.new{}
      s:retry{ cookie = "" }
      fails_with(s, "decode_error", "HelloRetryRequest cookie is malformed")
   end)

   it("refuses a known extension that has no place in HelloRetryRequest (server_name)", function()
      local s = H.new{}
      s:retry{ group = "secp256r1", extra = { { "server_name", "" } } }
      fails_with(s, "illegal_parameter", "server_name")
   end)

   it("refuses an unknown extension it never offered in HelloRetryRequest", function()
      local s = H.new{}
      s:retry{ group = "secp256r1", extra = { { 0x7a7a, "" } } }
      fails_with(s, "unsupported_extension")
   end)
end)

---------------------------------------------------------------------------
describe("our client against hostile EncryptedExtensions", function()
   it("refuses key_share, which belongs in ServerHello", function()
      local s = H.new{}
      s:hello()
      s:flight{ encrypted_extensions = { extensions = { { "key_share", H.u16(0x1d) .. H.vec(2, ("\9"):rep(32)) } } } }
      fails_with(s, "illegal_parameter", "key_share")
   end)

   it("refuses supported_versions, which belongs in ServerHello", function()
      local s = H.new{}
      s:hello()
      s:flight{ encrypted_extensions = { extensions = { { "supported_versions", H.u16(0x0304) } } } }
      fails_with(s, "illegal_parameter", "supported_versions")
   end)

   it("refuses an unknown extension it never offered", function()
      local s = H.new{}
      s:hello()
      s:flight{ encrypted_extensions = { extensions = { { 0x7a7a, "x" } } } }
      fails_with(s, "unsupported_extension", "EncryptedExtensions")
   end)

   it("refuses ALPN, which it never offered", function()
      local s = H.new{}
      s:hello()
      s:flight{ encrypted_extensions = { extensions = { { "alpn", H.vec(2, H.vec(1, "h2")) } } } }
      fails_with(s, "unsupported_extension", "EncryptedExtensions")
   end)

   it("refuses the same extension twice", function()
      local s = H.new{}
      s:hello()
      s:flight{ encrypted_extensions = { extensions = { { "server_name", "" }, { "server_name", "" } } } }
      fails_with(s, "illegal_parameter", "duplicate server_name")
   end)
end)

---------------------------------------------------------------------------
describe("our client against a hostile Certificate", function()
   it("refuses a leaf whose extended key usage lacks serverAuth", function()
      local leaf = H.issue_leaf("clientonly", "DNS:localhost", "clientAuth")
      local s = H.new{ cert = leaf.cert, key = leaf.key }
      s:hello()
      s:flight()
      fails_with(s, "unsupported_certificate",
         "^certificate's extendedKeyUsage does not allow TLS server authentication %(it lacks serverAuth%)$")
   end)

   it("refuses a partial wildcard (f*.example.com for foo.example.com)", function()
      local leaf = H.issue_leaf("partialwild", "DNS:f*.example.com", "serverAuth")
      local s = H.new{ cert = leaf.cert, key = leaf.key, servername = "foo.example.com" }
      s:hello()
      s:flight()
      fails_with(s, "bad_certificate", "host name mismatch: expected foo%.example%.com")
   end)

   it("accepts a whole-label wildcard (*.example.com for foo.example.com)", function()
      local leaf = H.issue_leaf("wild", "DNS:*.example.com", "serverAuth")
      local s = H.new{ cert = leaf.cert, key = leaf.key, servername = "foo.example.com" }
      s:handshake()
      talks(s)
   end)

   it("refuses a wildcard one label too deep (*.example.com for a.b.example.com)", function()
      local leaf = H.issue_leaf("wild", "DNS:*.example.com", "serverAuth")
      local s = H.new{ cert = leaf.cert, key = leaf.key, servername = "a.b.example.com" }
      s:hello()
      s:flight()
      fails_with(s, "bad_certificate", "host name mismatch")
   end)

   it("refuses a chain from a CA it does not trust", function()
      local c = certs.get()
      local s = H.new{ cert = c.untrusted.cert, key = c.untrusted.key }
      s:hello()
      s:flight()
      fails_with(s, "unknown_ca", "unknown certificate authority")
   end)

   it("refuses a server Certificate with a request context", function()
      local s = H.new{}
      s:hello()
      s:flight{ certificate = { context = "ctx" } }
      fails_with(s, "illegal_parameter", "server Certificate has a request context")
   end)

   it("refuses an empty certificate list", function()
      local s = H.new{}
      s:hello()
      s:flight{ certificate = { chain = {} } }
      fails_with(s, "decode_error", "server sent no certificate")
   end)

   it("refuses a certificate that does not parse", function()
      local s = H.new{}
      s:hello()
      s:flight{ certificate = { chain = { "\48\3\2\1\0" } } }
      fails_with(s, "bad_certificate", "cannot be parsed")
   end)

   it("refuses a certificate entry extension it never asked for", function()
      local s = H.new{}
      s:hello()
      s:flight{ certificate = { entry_extensions = { { { "status_request", "\1" } } } } }
      fails_with(s, "unsupported_extension", "Certificate entry")
   end)
end)

---------------------------------------------------------------------------
describe("our client against hostile KeyUpdate messages", function()
   it("reads data under the next secret after a KeyUpdate (update_not_requested), and answers nothing", function()
      local s = H.new{}
      s:handshake()
      assert(s:send(s:key_update{ request = 0 }))
      assert.are.same({}, s:client_records())
      s:use_keys("next")
      assert(s:send_app("under the next secret"))
      assert.are.equal("under the next secret", s.engine:read())
      assert(s.engine:write("still on our first key"))
      s:collect()
      assert.are.equal("still on our first key", s:client_data())
   end)

   it("answers update_requested with its own KeyUpdate under the old key, then writes under the next", function()
      local s = H.new{}
      s:handshake()
      local old_reader = s.reader
      assert(s:send(s:key_update{ request = 1 }))
      local recs = s:client_records()
      assert.are.equal(1, #recs)
      assert.is_true(recs[1].protected)
      assert.are.equal(H.CT.handshake, recs[1].type)
      -- rfc8446#4.6.3: the answer carries update_not_requested
      assert.are.equal(hex(H.handshake(H.HS.key_update, "\0")), hex(recs[1].content))
      assert.are_not.equal(old_reader, s.reader)
      assert.are.equal(R.next_secret(s.suite, s.ks.client_ap), s.client_ap)
      assert(s.engine:write("under our next secret"))
      s:collect()
      assert.are.equal("under our next secret", s:client_data())
      s:use_keys("next")
      assert(s:send_app("under the server's next secret"))
      assert.are.equal("under the server's next secret", s.engine:read())
   end)

   it("no longer accepts the old key after a KeyUpdate", function()
      local s = H.new{}
      s:handshake()
      assert(s:send(s:key_update{ request = 0 }))
      s:send_app("still under the old key")
      fails_with(s, "bad_record_mac")
   end)

   it("refuses request_update 2", function()
      local s = H.new{}
      s:handshake()
      s:send(s:key_update{ request = 2 })
      fails_with(s, "illegal_parameter", "KeyUpdate with request_update 2")
   end)

   it("refuses a KeyUpdate of two bytes", function()
      local s = H.new{}
      s:handshake()
      s:send(s:key_update{ body = "\0\0" })
      fails_with(s, "decode_error", "KeyUpdate message is malformed")
   end)

   it("takes 32 KeyUpdates in a row, and cuts the peer off at the 33rd", function()
      local s = H.new{}
      s:handshake()
      for i = 1, 32 do
         assert(s:send(s:key_update()), "KeyUpdate " .. i)
         s:use_keys("next")
      end
      assert.is_false(s.engine:status().failed)
      s:send(s:key_update())
      fails_with(s, "unexpected_message", "KeyUpdate")
   end)

   it("does not count KeyUpdates separated by application data", function()
      local s = H.new{}
      s:handshake()
      for round = 1, 3 do
         for _ = 1, 30 do
            assert(s:send(s:key_update()))
            s:use_keys("next")
         end
         assert(s:send_app("round " .. round))
         assert.are.equal("round " .. round, s.engine:read())
      end
      assert.is_false(s.engine:status().failed)
   end)
end)

---------------------------------------------------------------------------
describe("our client against hostile NewSessionTicket messages", function()
   -- Ticket i of a run, told apart by its bytes in the session kept.
   local function nth_ticket(i) return ("ticket %04d "):format(i):rep(3) end

   -- The ticket bytes inside our client's latest session.
   local function kept_session(s)
      local text = assert(s.engine:session())
      return H.unbase64(assert(text:match("\n\n(.-)%-%-%-%-%-END")))
   end

   -- Before session 27 the 33rd ticket ended the connection (review27b):
   -- RFC 8446 4.6.1 sets no limit, so later ones are read and dropped.
   it("keeps the first 32 tickets in a row, reads and ignores the rest up to 1024, and goes on", function()
      local events = {}
      local s = H.new{ client = { trace = function(ev) events[#events + 1] = ev end } }
      s:handshake()
      for i = 1, 1024 do
         assert(s:send(s:new_session_ticket{ nonce = string.char(i % 256), ticket = nth_ticket(i) }), "ticket " .. i)
      end
      assert.is_false(s.engine:status().failed)
      local body = kept_session(s)
      assert.truthy(body:find(nth_ticket(32), 1, true), "the session kept is the 32nd ticket's")
      for _, i in ipairs({ 33, 34, 500, 1024 }) do assert.falsy(body:find(nth_ticket(i), 1, true), i) end
      local kept, ignored = 0, 0
      for _, ev in ipairs(events) do
         if ev.direction == "receive" and ev.message == "NewSessionTicket" then
            if ev.note == "ignored: more than 32 tickets without application data in between" then
               ignored = ignored + 1
            elseif ev.note == "kept as the latest session (conn:session())" then
               kept = kept + 1
            end
         end
      end
      assert.equal(32, kept)
      assert.equal(1024 - 32, ignored)
      talks(s)
   end)

   it("still refuses a malformed 40th ticket in a row (decode_error)", function()
      local s = H.new{}
      s:handshake()
      for i = 1, 39 do assert(s:send(s:new_session_ticket{ ticket = nth_ticket(i) }), "ticket " .. i) end
      s:send(s:new_session_ticket{ ticket = "" })
      fails_with(s, "decode_error", "NewSessionTicket message is malformed")
   end)

   it("still checks the extensions of an ignored ticket", function()
      local s = H.new{}
      s:handshake()
      for i = 1, 40 do assert(s:send(s:new_session_ticket{ ticket = nth_ticket(i) }), "ticket " .. i) end
      s:send(s:new_session_ticket{ extensions = { { H.EXT.early_data, H.u16(1) } } })
      fails_with(s, "decode_error", "NewSessionTicket early_data is malformed")
   end)

   it("cuts the peer off at the 1025th ticket in a row", function()
      local s = H.new{}
      s:handshake()
      for i = 1, 1024 do assert(s:send(s:new_session_ticket{ ticket = nth_ticket(i) }), "ticket " .. i) end
      assert.is_false(s.engine:status().failed)
      s:send(s:new_session_ticket())
      fails_with(s, "unexpected_message",
         "^peer sent more than 1024 NewSessionTicket messages without application data in between$")
   end)

   it("application data resets both the count of tickets kept and the cut-off", function()
      local s = H.new{}
      s:handshake()
      for round = 1, 3 do
         for i = 1, 1024 do
            assert(s:send(s:new_session_ticket{ ticket = nth_ticket(round * 10000 + i) }), "ticket " .. i)
         end
         local body = kept_session(s)
         assert.truthy(body:find(nth_ticket(round * 10000 + 32), 1, true), "round " .. round)
         assert(s:send_app("round " .. round))
         assert.are.equal("round " .. round, s.engine:read())
      end
      assert.is_false(s.engine:status().failed)
   end)

   it("does not count tickets separated by application data", function()
      local s = H.new{}
      s:handshake()
      for round = 1, 3 do
         for _ = 1, 30 do assert(s:send(s:new_session_ticket())) end
         assert(s:send_app("round " .. round))
         assert.are.equal("round " .. round, s.engine:read())
      end
      assert.is_false(s.engine:status().failed)
   end)

   it("refuses a zero-length ticket", function()
      local s = H.new{}
      s:handshake()
      s:send(s:new_session_ticket{ ticket = "" })
      fails_with(s, "decode_error", "NewSessionTicket message is malformed")
   end)

   it("refuses a truncated ticket message", function()
      local s = H.new{}
      s:handshake()
      s:send(s:new_session_ticket{ body = H.u32(7200) .. H.u32(1) .. H.vec(1, "\0") .. H.u16(10) .. "short" })
      fails_with(s, "decode_error", "NewSessionTicket message is malformed")
   end)

   it("refuses a ticket message with trailing bytes", function()
      local s = H.new{}
      s:handshake()
      local good = s:new_session_ticket()
      s:send(H.handshake(H.HS.new_session_ticket, good:sub(5) .. "\0"))
      fails_with(s, "decode_error", "NewSessionTicket message is malformed")
   end)

   it("ignores an unknown extension in a ticket (RFC 8446 4.6.1)", function()
      local s = H.new{}
      s:handshake()
      assert(s:send(s:new_session_ticket{ extensions = { { 0x7a7a, "x" } } }))
      talks(s)
   end)

   it("refuses a known extension that has no place in a ticket (key_share)", function()
      local s = H.new{}
      s:handshake()
      s:send(s:new_session_ticket{ extensions = { { "key_share", "" } } })
      fails_with(s, "illegal_parameter", "key_share")
   end)
end)

---------------------------------------------------------------------------
describe("our client against alerts and records out of place", function()
   it("reports a plaintext alert answering its ClientHello as the server's", function()
      local s = H.new{}
      s:deliver(H.plain_record(21, "\2\40"))
      local msg, alert, from_peer = s.engine:error()
      assert.are.equal("handshake_failure", alert)
      assert.is_true(from_peer)
      assert.matches("peer sent alert handshake_failure", msg)
      assert.are.equal("", s.from_client)
   end)

   it("refuses a plaintext alert once the server's handshake keys are in use", function()
      local s = H.new{}
      s:hello()
      s:deliver(H.plain_record(21, "\2\40"))
      fails_with(s, "unexpected_message", "alert")
   end)

   it("sends its own alert in the clear before it has keys, under its handshake key after", function()
      local s = H.new{}
      s:hello{ session_id = "" }
      fails_with(s, "illegal_parameter")
      assert.is_false(select(3, s:client_alert()))
      s = H.new{}
      s:hello()
      s:flight{ finished = { corrupt = true } }
      fails_with(s, "decrypt_error")
      assert.is_true(select(3, s:client_alert()))
   end)

   it("reports a protected alert under the handshake keys as the server's", function()
      local s = H.new{}
      s:hello()
      s:deliver(s:record(21, "\2\42"))
      local msg, alert, from_peer = s.engine:error()
      assert.are.equal("bad_certificate", alert)
      assert.is_true(from_peer)
      assert.matches("peer sent alert bad_certificate", msg)
   end)

   it("refuses a protected record whose inner plaintext exceeds 2^14 + 1 bytes", function()
      local s = H.new{}
      s:handshake()
      s:deliver(s:record(23, ("x"):rep(16384), { padding = 1 }))
      fails_with(s, "record_overflow")
   end)

   it("takes a full record padded to the limit", function()
      local s = H.new{}
      s:handshake()
      assert(s:deliver(s:record(23, "padded", { padding = 16384 - 6 })))
      assert.are.equal("padded", s.engine:read())
   end)

   it("refuses an empty protected handshake record", function()
      local s = H.new{}
      s:hello()
      s:deliver(s:record(22, ""))
      fails_with(s, "unexpected_message", "protected handshake record with no content")
   end)

   it("refuses an unknown inner content type", function()
      local s = H.new{}
      s:handshake()
      s:deliver(s:record(99, "what"))
      fails_with(s, "unexpected_message", "content type 99")
   end)
end)

---------------------------------------------------------------------------
describe("tls.connect against the scripted server over TCP", function()
   after_each(proc.kill_all)

   it("completes the handshake and exchanges a line both ways", function()
      local s = H.tcp{ leaf = "rsa2048", suite = "TLS_AES_256_GCM_SHA384" }
      assert.are.equal("localhost", s.ch.server_name)
      s:handshake()
      assert(s:send_app("ping over tcp\n"))
      assert.are.equal("PING OVER TCP\n", s:client_data())
      local out = s:child_output()
      assert.matches("connected TLS_AES_256_GCM_SHA384 x25519 rsa_pss_rsae_sha256\n", out, 1, true)
      assert.matches("received ping over tcp\nclosed\n", out, 1, true)
   end)

   it("fails with the words of the check and sends decrypt_error for a bad CertificateVerify", function()
      local s = H.tcp{}
      s:hello()
      s:flight{ certificate_verify = { corrupt = true } }
      local alert, level, protected = s:client_alert()
      assert.are.same({ "decrypt_error", 2, true }, { alert, level, protected })
      assert.are.equal("failed signature in CertificateVerify does not verify\n", s:child_output())
   end)
end)
