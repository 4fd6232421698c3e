-- conform19: unusual but valid peers, both versions, both sides, in memory.
-- Each case is something a careful peer may send (RFC 8446, RFC 5246 and
-- their extensions allow it) and that we must take: handshake messages cut
-- into one-byte records, GREASE values everywhere (RFC 8701), the
-- compatibility change_cipher_spec in each place RFC 8446 D.4 allows,
-- legacy fields with unusual but legal values; and, next to them, the
-- coalescings RFC 8446 5.1 forbids across a key change.
local tls = require "tls"
local I = require("tls.core")._internal
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local T = require "spec.support.tls12_peer"
local H = require "spec.support.hostile_server"

-- `msg` as one record of `ctype` per byte (plaintext, record version `version`).
local function bytewise(ctype, msg, version)
   local t = {}
   for i = 1, #msg do t[i] = B.record(ctype, msg:sub(i, i), { version = version }) end
   return table.concat(t)
end

-- `msg` as one protected record per byte, each sealed by seal(byte).
local function sealed_bytewise(msg, seal)
   local t = {}
   for i = 1, #msg do t[i] = seal(msg:sub(i, i)) end
   return table.concat(t)
end

-- Feeds `bytes` to engine e one byte per feed call; every feed must succeed.
local function trickle(e, bytes)
   for i = 1, #bytes do assert(e:feed(bytes:sub(i, i))) end
end

---------------------------------------------------------------------------
-- Our TLS 1.3 server and a scripted client
---------------------------------------------------------------------------
-- The scripted client's finished handshake with server sv, after the
-- server's first flight was taken (fake:receive_flight); `deliver(bytes)`
-- feeds the client's Finished; then data both ways.
local function finish13(sv, fake, finished_bytes, deliver)
   (deliver or function(b) assert(sv:feed(b)) end)(finished_bytes or fake:finished(false))
   assert.is_true(sv:status().handshake_done, tostring(sv:error()))
   -- the server's tickets, opened to keep the read sequence in step
   for _, r in ipairs((B.parse_records(sv:output()))) do assert(fake:open(fake.server_ap, r)) end
   assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, "ping")))
   assert.equal("ping", sv:read())
   assert(sv:write("pong"))
   local ctype, content = fake:open(fake.server_ap, B.parse_records(sv:output())[1])
   assert.equal(B.CT.application_data, ctype)
   assert.equal("pong", content)
end

describe("conform19: our TLS 1.3 server and handshake messages cut into one-byte records", function()
   it("takes a ClientHello and a Finished of one byte per record, all in one feed", function()
      local sv, fake = E.server_engine(), B.fake_client()
      fake:hello()
      assert(sv:feed(bytewise(B.CT.handshake, fake.transcript, 0x0301)))
      assert(fake:receive_flight(sv:output()))
      local fin = sealed_bytewise(fake:finished_message(false), function(b)
         return fake:seal(fake.client_hs, B.CT.handshake, b)
      end)
      finish13(sv, fake, fin)
   end)

   it("takes them one byte per feed call too", function()
      local sv, fake = E.server_engine(), B.fake_client()
      fake:hello()
      trickle(sv, bytewise(B.CT.handshake, fake.transcript, 0x0301))
      assert(fake:receive_flight(sv:output()))
      local fin = sealed_bytewise(fake:finished_message(false), function(b)
         return fake:seal(fake.client_hs, B.CT.handshake, b)
      end)
      finish13(sv, fake, fin, function(bytes) trickle(sv, bytes) end)
   end)

   it("takes the client's change_cipher_spec, then its Finished of one byte per record", function()
      -- rfc8446#D.4: the client's CCS "immediately before its second flight".
      local sv, fake = E.server_engine(), B.fake_client()
      assert(sv:feed(fake:hello()))
      assert(fake:receive_flight(sv:output()))
      local fin = B.record(B.CT.ccs, "\1") .. sealed_bytewise(fake:finished_message(false), function(b)
         return fake:seal(fake.client_hs, B.CT.handshake, b)
      end)
      finish13(sv, fake, fin)
   end)
end)

describe("conform19: our TLS 1.3 server and unusual ClientHellos", function()
   it("takes GREASE (RFC 8701) in suites, versions, groups, key shares, schemes, PSK modes, ALPN and extensions", function()
      local sv, fake = E.server_engine { alpn = { "h2" } }, B.fake_client()
      local hello = fake:hello {
         suites = { 0x0a0a, B.SUITE.aes128gcm, 0xfafa },
         versions = { 0x3a3a, 0x0304, 0x0303 },
         groups = { 0x4a4a, B.GROUP.x25519 },
         shares_before = { { 0x4a4a, "\0" } },
         sigalgs = { 0x5a5a, 0x0403, 0x0804 },
         extra = {
            { 0x6a6a, "" },
            { B.EXT.psk_key_exchange_modes, B.vec(1, "\x0b\1") },
            { B.EXT.alpn, B.vec(2, B.vec(1, "\x7a\x7a") .. B.vec(1, "h2")) },
            { 0x8a8a, "\0" },
            { B.EXT.padding, ("\0"):rep(200) },
         },
      }
      assert(sv:feed(hello))
      assert(fake:receive_flight(sv:output()))
      finish13(sv, fake)
      assert.equal("h2", sv:info().alpn)
   end)

   it("takes a browser-shaped hello: GREASE share, an X25519MLKEM768 share we lack, then x25519", function()
      local sv, fake = E.server_engine(), B.fake_client()
      assert(sv:feed(fake:hello {
         suites = { 0x2a2a, B.SUITE.aes128gcm, 0xc02b, 0xc02f, 0xcca9 },
         versions = { 0x2a2a, 0x0304, 0x0303 },
         groups = { 0x2a2a, 0x11ec, B.GROUP.x25519, B.GROUP.secp256r1, B.GROUP.secp384r1 },
         shares_before = { { 0x2a2a, "\0" }, { 0x11ec, B.random(1216) } },
         extra = { { 0x0a0a, "" }, { 0xfe0d, B.random(250) }, { 0x4469, B.vec(2, B.vec(1, "h2")) },
                   { 27, "\2\0\2" }, { 0x1a1a, "\0" } },
      }))
      local flight = sv:output()
      assert.equal(B.SUITE.aes128gcm, B.first_server_hello(flight).suite)
      assert(fake:receive_flight(flight))
      finish13(sv, fake)
   end)

   for _, n in ipairs { 1, 17, 32 } do
      it("echoes a legacy_session_id of " .. n .. " bytes", function()
         local sv, fake = E.server_engine(), B.fake_client()
         local sid = B.random(n)
         assert(sv:feed(fake:hello { session_id = sid }))
         local flight = sv:output()
         assert.equal(B.hex(sid), B.hex(B.first_server_hello(flight).session_id))
         assert(fake:receive_flight(flight))
         finish13(sv, fake)
      end)
   end

   for _, v in ipairs { 0x0300, 0x0302, 0x0303 } do
      it(string.format("takes a ClientHello in records of version 0x%04x (rfc5246#E.1: any {03,XX})", v), function()
         local sv, fake = E.server_engine(), B.fake_client()
         fake:hello()
         assert(sv:feed(B.record(B.CT.handshake, fake.transcript, { version = v })))
         assert(fake:receive_flight(sv:output()))
         finish13(sv, fake)
      end)
   end

   for _, v in ipairs { 0x0301, 0x0304 } do
      it(string.format("ignores a legacy_version of 0x%04x next to supported_versions (rfc8446#4.2.1)", v), function()
         local sv, fake = E.server_engine(), B.fake_client()
         assert(sv:feed(fake:hello { legacy_version = v }))
         assert(fake:receive_flight(sv:output()))
         finish13(sv, fake)
         assert.equal("TLSv1.3", sv:info().version)
      end)
   end

   it("takes the client's change_cipher_spec before its second ClientHello (rfc8446#D.4)", function()
      local sv = E.server_engine()
      -- the first ClientHello lists x25519 but sends no share for it
      local ch1 = B.client_hello { suites = { B.SUITE.aes128gcm }, groups = { B.GROUP.x25519 }, shares = {} }
      assert(sv:feed(B.record(B.CT.handshake, ch1, { version = 0x0301 })))
      local records = B.parse_records(sv:output())
      local hrr = B.parse_handshakes(records[1].body)[1]
      local parsed = B.parse_server_hello(hrr)
      assert.is_true(parsed.hrr)
      local extra = {}
      if parsed.ext[B.EXT.cookie] then extra[1] = { B.EXT.cookie, parsed.ext[B.EXT.cookie] } end
      local fake = B.fake_client()
      local ch2 = fake:hello { extra = extra, random = ch1:sub(7, 38) }
      -- rfc8446#4.4.1: ClientHello1 becomes a message_hash message
      fake.transcript = B.handshake(254, I.hash("sha256", ch1)) .. hrr.raw .. fake.transcript
      assert(sv:feed(B.record(B.CT.ccs, "\1") .. ch2))
      assert(fake:receive_flight(sv:output()))
      finish13(sv, fake)
   end)
end)

describe("conform19: our TLS 1.3 server resuming, one byte at a time", function()
   it("resumes a ClientHello with GREASE PSK modes and extensions, and a Finished fed one byte per call", function()
      local P13 = require "spec.support.psk13"
      local sctx = E.server_ctx()
      local tickets = P13.full(assert(tls.engine(sctx)))
      local sv, cl = assert(tls.engine(sctx)), P13.client()
      trickle(sv, cl:hello { server_name = "localhost", psks = { tickets[1] }, modes = { 0x2a, 1 },
                             extra = { { 0x3a3a, "" }, { B.EXT.padding, ("\0"):rep(100) } } })
      local flight = cl:receive(sv:output())
      assert.is_false(flight.hrr)
      assert.is_true(cl.resumed)
      trickle(sv, cl:finished())
      assert.is_true(sv:status().handshake_done)
      assert.is_true(sv:info().resumed)
   end)
end)

---------------------------------------------------------------------------
-- Our TLS 1.3 client and the hostile (here: merely unusual) server
---------------------------------------------------------------------------
local function talks(s)
   assert(s:send_app("hello"))
   assert.equal("hello", s.engine:read())
   assert(s.engine:write("back"))
   s:collect()
   assert.equal("back", s:client_data())
end

describe("conform19: our TLS 1.3 client and handshake messages cut into one-byte records", function()
   it("takes a ServerHello, its encrypted flight and a ticket of one byte per record", function()
      local s = H.new {}
      local sh = s:server_hello()
      local bytes = {}
      for i = 1, #sh do bytes[i] = H.plain_record(H.CT.handshake, sh:sub(i, i)) end
      bytes[#bytes + 1] = H.plain_record(H.CT.ccs, "\1")
      assert(s:deliver(table.concat(bytes)))
      s:use_keys("handshake")
      local flight = s:encrypted_extensions() .. s:certificate() .. s:certificate_verify() .. s:finished()
      assert(s:deliver(sealed_bytewise(flight, function(b) return s:record(H.CT.handshake, b) end)))
      s:client_finished()
      assert.is_true(s.engine:status().handshake_done)
      local nst = s:new_session_ticket {}
      assert(s:deliver(sealed_bytewise(nst, function(b) return s:record(H.CT.handshake, b) end)))
      talks(s)
      assert.truthy(s.engine:session())
   end)

   it("takes the same flight one byte per feed call", function()
      local s = H.new {}
      local wire = H.plain_record(H.CT.handshake, s:server_hello()) .. H.plain_record(H.CT.ccs, "\1")
      for i = 1, #wire do assert(s:deliver(wire:sub(i, i))) end
      s:use_keys("handshake")
      wire = s:record(H.CT.handshake,
         s:encrypted_extensions() .. s:certificate() .. s:certificate_verify() .. s:finished())
      for i = 1, #wire do assert(s:deliver(wire:sub(i, i))) end
      s:client_finished()
      talks(s)
   end)
end)

describe("conform19: our TLS 1.3 client and the compatibility change_cipher_spec", function()
   it("takes it right after a HelloRetryRequest, then a ServerHello without one (rfc8446#D.4)", function()
      local s = H.new {}
      assert(s:deliver(s:record(H.CT.handshake, s:hello_retry_request { group = "secp256r1" })
         .. H.plain_record(H.CT.ccs, "\1")))
      assert.is_false(s.engine:status().failed, tostring(s.engine:error()))
      s:read_client_hello()
      assert(s:hello { ccs = false })
      assert(s:flight())
      s:client_finished()
      talks(s)
   end)

   it("takes it between the ServerHello and the encrypted flight, in the same feed", function()
      local s = H.new {}
      local wire = s:record(H.CT.handshake, s:server_hello()) .. H.plain_record(H.CT.ccs, "\1")
      s:use_keys("handshake")
      wire = wire .. s:record(H.CT.handshake,
         s:encrypted_extensions() .. s:certificate() .. s:certificate_verify() .. s:finished())
      assert(s:deliver(wire))
      s:client_finished()
      talks(s)
   end)
end)

describe("conform19: our TLS 1.3 client and unusual encrypted extensions and requests", function()
   it("takes an empty server_name in EncryptedExtensions (rfc6066#3: the name was used)", function()
      local s = H.new {}
      s:handshake { encrypted_extensions = { extensions = { { "server_name", "" } } } }
      talks(s)
   end)

   it("takes a CertificateRequest with GREASE schemes, unknown extensions and signature_algorithms_cert", function()
      local s = H.new {}
      assert(s:hello())
      local ee = s:encrypted_extensions()
      local cr = s:certificate_request { extensions = {
         { 0x0a0a, "" },
         { "signature_algorithms", H.vec(2, H.u16(0x1a1a) .. H.u16(0x0403) .. H.u16(0x0804) .. H.u16(0xfefe)) },
         { 0xff77, "opaque" },
         { 50, H.vec(2, H.u16(0x0403) .. H.u16(0x2a2a)) }, -- signature_algorithms_cert
         { 27, "\2\0\2" },                                  -- compress_certificate (RFC 8879), unknown to us
      } }
      assert(s:send(ee, cr, s:certificate(), s:certificate_verify(), s:finished()))
      s:client_finished()
      assert.equal(H.HS.certificate, s.client_messages[1].type)
      talks(s)
   end)
end)

describe("conform19: our TLS 1.3 client and a server that does not wait for its Finished", function()
   it("takes a ticket and 0.5-RTT data right behind the server's Finished, in the same feed (rfc8446#4.6.1)", function()
      local s = H.new {}
      assert(s:hello())
      local wire = s:record(H.CT.handshake,
         s:encrypted_extensions() .. s:certificate() .. s:certificate_verify() .. s:finished())
      s:use_keys("application")
      wire = wire .. s:record(H.CT.handshake, s:new_session_ticket {})
         .. s:record(H.CT.application_data, "half a round trip early")
      assert(s:deliver(wire))
      s:client_records()
      assert.is_true(s.client_finished_ok)
      assert.is_true(s.engine:status().handshake_done)
      assert.equal("half a round trip early", s.engine:read())
      assert.truthy(s.engine:session())
      assert(s.engine:write("back"))
      s:collect()
      assert.equal("back", s:client_data())
   end)
end)

describe("conform19: our TLS 1.3 client and post-handshake messages", function()
   local function connected()
      local s = H.new {}
      s:handshake()
      return s
   end

   it("takes a NewSessionTicket with unknown and GREASE extensions and an empty nonce", function()
      local s = connected()
      assert(s:send(s:new_session_ticket { nonce = "", extensions = { { 0x1a1a, "" }, { 0xff00, "x" } } }))
      talks(s)
      assert.truthy(s.engine:session())
   end)

   it("takes a NewSessionTicket and a KeyUpdate in one record (the KeyUpdate last)", function()
      local s = connected()
      assert(s:send(s:new_session_ticket {}, s:key_update { request = 1 }))
      s:use_keys("next")
      assert.is_false(s.engine:status().failed, tostring(s.engine:error()))
      talks(s)
   end)

   it("refuses a KeyUpdate followed by more handshake data in its record (rfc8446#5.1)", function()
      local s = connected()
      local ok, msg = s:send(s:key_update {}, s:new_session_ticket {})
      assert.is_nil(ok)
      assert.truthy(msg:find("key epoch", 1, true), msg)
      local _, name = s.engine:error()
      assert.equal("unexpected_message", name)
   end)

   it("takes a KeyUpdate of one byte per record, then data under the next key", function()
      local s = connected()
      assert(s:deliver(sealed_bytewise(s:key_update { request = 1 }, function(b)
         return s:record(H.CT.handshake, b)
      end)))
      s:use_keys("next")
      talks(s)
   end)

   it("takes three KeyUpdates in a row, each in its own record, then data", function()
      local s = connected()
      for _ = 1, 3 do
         assert(s:send(s:key_update {}))
         s:use_keys("next")
      end
      talks(s)
   end)
end)

describe("conform19: our TLS 1.3 client and a ServerHello coalesced with what follows", function()
   it("refuses encrypted-flight bytes in the ServerHello's record (a key change, rfc8446#5.1)", function()
      local s = H.new {}
      local sh = s:server_hello()
      local ok, msg = s:deliver(H.plain_record(H.CT.handshake, sh .. s:encrypted_extensions()))
      assert.is_nil(ok)
      local _, name = s.engine:error()
      assert.equal("unexpected_message", name, msg)
   end)
end)

---------------------------------------------------------------------------
-- Our TLS 1.2 client and the scripted TLS 1.2 server
---------------------------------------------------------------------------
local function client12(server_opts, client_opts)
   local c = E.client_engine(client_opts)
   assert(c:start())
   local fake = T.server(E.merge({ cert_pem = E.CERT, key_pem = E.KEY }, server_opts))
   return c, fake, fake:answer(c:output())
end

-- After the server's first flight: the client's answer, then ours (fed
-- through deliver, default one feed), then data both ways.
local function finish12(c, fake, finish_bytes, deliver)
   fake:client_flight(c:output())
   assert.is_true(fake.client_finished_ok)
   ;(deliver or function(b) assert(c:feed(b)) end)(finish_bytes or fake:finish())
   assert.is_true(c:status().handshake_done, tostring(c:error()))
   assert(c:feed(fake:seal(B.CT.application_data, "hello")))
   assert.equal("hello", c:read())
   assert(c:write("back"))
   assert.equal("back", fake:open(B.parse_records(c:output())[1]))
end

describe("conform19: our TLS 1.2 client and unusual but valid servers", function()
   it("takes a ServerHello with its extensions in reverse order, a 32-byte session id, three point formats", function()
      local c, fake, flight = client12 {
         session_id = B.random(32),
         extensions = { { T.EXT.extended_master_secret, "" }, { T.EXT.ec_point_formats, B.vec(1, "\0\1\2") },
                        { T.EXT.renegotiation_info, "\0" } },
      }
      assert(c:feed(flight))
      finish12(c, fake)
   end)

   it("takes an empty server_name in the ServerHello (rfc6066#3: the name was used)", function()
      local c, fake, flight = client12 {
         extensions = { { 0, "" }, { T.EXT.renegotiation_info, "\0" }, { T.EXT.extended_master_secret, "" },
                        { T.EXT.ec_point_formats, B.vec(1, "\0") } },
      }
      assert(c:feed(flight))
      finish12(c, fake)
   end)

   it("takes a ServerHello without ec_point_formats (rfc8422#5.2 lets a server omit it)", function()
      local c, fake, flight = client12 {
         extensions = { { T.EXT.renegotiation_info, "\0" }, { T.EXT.extended_master_secret, "" } },
      }
      assert(c:feed(flight))
      finish12(c, fake)
   end)

   it("takes the first flight, and the Finished after the ChangeCipherSpec, one byte per record", function()
      local c, fake, flight = client12()
      local msgs = B.parse_handshakes(B.parse_records(flight)[1].body)
      local hs = {}
      for i, m in ipairs(msgs) do hs[i] = m.raw end
      assert(c:feed(bytewise(B.CT.handshake, table.concat(hs))))
      fake:client_flight(c:output())
      assert.is_true(fake.client_finished_ok)
      local fin = fake:finished_message()
      fake:add(fin)
      local wire = B.record(B.CT.ccs, "\1") .. sealed_bytewise(fin, function(b)
         return fake:seal(B.CT.handshake, b)
      end)
      assert(c:feed(wire))
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert(c:feed(fake:seal(B.CT.application_data, "hello")))
      assert.equal("hello", c:read())
   end)

   it("takes the whole server side one byte per feed call", function()
      local c, fake, flight = client12()
      trickle(c, flight)
      finish12(c, fake, nil, function(bytes) trickle(c, bytes) end)
   end)

   it("takes empty application_data records (legal with an AEAD) between data records", function()
      local c, fake, flight = client12()
      assert(c:feed(flight))
      finish12(c, fake)
      local wire = fake:seal(B.CT.application_data, "") .. fake:seal(B.CT.application_data, "")
         .. fake:seal(B.CT.application_data, "after") .. fake:seal(B.CT.application_data, "")
      assert(c:feed(wire))
      assert.equal("after", c:read())
      assert.is_false(c:status().failed)
   end)

   it("takes a CertificateRequest with unusual types, GREASE and unknown schemes and no CA names", function()
      local c, fake, flight = client12 { flight = function(f)
         -- certificate_types: rsa_sign, dss_sign, rsa_fixed_dh, ecdsa_sign, an unknown one
         local cr = B.handshake(T.HS.certificate_request, B.vec(1, "\1\2\3\64\200")
            .. B.vec(2, B.list16 { 0x0a0a, 0x0201, 0x0403, 0x0804, 0x0809, 0x0807, 0xfefe, 0x0601 })
            .. B.vec(2, ""))
         return { f[1], f[2], f[3], cr, f[4] }
      end }
      assert(c:feed(flight))
      finish12(c, fake)
   end)
end)

describe("conform19: our TLS 1.2 client resuming, one byte at a time", function()
   it("takes ServerHello, NewSessionTicket, ChangeCipherSpec and Finished fed one byte per call", function()
      -- a full handshake that leaves a ticket
      local c0, first, first_flight = client12 { session_ticket = true }
      assert(c0:feed(first_flight))
      first:client_flight(c0:output())
      assert(c0:feed(first:finish { new_session_ticket = T.new_session_ticket("a ticket", 600) }))
      local session = assert(c0:session())
      -- the abbreviated handshake, every byte its own feed
      -- (a context like the first one's: a session is only offered under the trust it was made with)
      local cl = assert(tls.engine(assert(tls.context { mode = "client", verify = false }),
         { servername = "localhost", session = session }))
      assert(cl:start())
      local hello = cl:output()
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, resume = first.master,
                              session_id = B.session_id_of(hello), session_ticket = true }
      trickle(cl, fake:answer(hello))
      trickle(cl, fake:finish { new_session_ticket = T.new_session_ticket("renewed", 600) })
      fake:client_flight(cl:output())
      assert.is_true(fake.client_finished_ok)
      assert.is_true(cl:info().resumed)
      trickle(cl, fake:seal(B.CT.application_data, "resumed"))
      assert.equal("resumed", cl:read())
   end)
end)

---------------------------------------------------------------------------
-- Our TLS 1.2 server and the scripted TLS 1.2 client
---------------------------------------------------------------------------
local function server12(client_opts)
   local s = E.server_engine()
   local fake = T.client(client_opts)
   return s, fake
end

-- The client's key exchange, CCS and Finished fed through deliver, then the
-- server's answer checked, then data both ways.
local function finish_server12(s, fake, kx_bytes, deliver)
   ;(deliver or function(b) assert(s:feed(b)) end)(kx_bytes or fake:key_exchange())
   assert.is_true(s:status().handshake_done, tostring(s:error()))
   local recs = B.parse_records(s:output())
   -- (a NewSessionTicket may come first)
   local fin
   for i, r in ipairs(recs) do
      if r.type == B.CT.ccs then fin = assert(fake:open(recs[i + 1])) end
   end
   assert.equal(T.HS.finished, fin:byte(1))
   assert(s:feed(fake:seal(B.CT.application_data, "ping")))
   assert.equal("ping", s:read())
end

describe("conform19: our TLS 1.2 server and unusual but valid clients", function()
   it("takes a ClientHello, ClientKeyExchange and Finished of one byte per record", function()
      local s, fake = server12()
      local hello = B.parse_records(fake:hello())[1].body
      assert(s:feed(bytewise(B.CT.handshake, hello, 0x0301)))
      fake:server_flight(s:output())
      -- the same messages key_exchange() would send, cut up
      local cke = B.handshake(T.HS.client_key_exchange, B.vec(1, fake.pub))
      fake:add(cke)
      fake:derive(assert(I.kex_x25519(fake.priv, fake.server_point)))
      local fin = fake:finished_message()
      fake:add(fin)
      local wire = bytewise(B.CT.handshake, cke) .. B.record(B.CT.ccs, "\1")
         .. sealed_bytewise(fin, function(b) return fake:seal(B.CT.handshake, b) end)
      finish_server12(s, fake, wire)
   end)

   it("takes the whole client side one byte per feed call", function()
      local s, fake = server12()
      trickle(s, fake:hello())
      fake:server_flight(s:output())
      finish_server12(s, fake, nil, function(bytes) trickle(s, bytes) end)
   end)

   it("takes GREASE, padding, a 32-byte unknown session id and deflate listed before null", function()
      local s, fake = server12 { compression = "\1\0", extensions = {
         { 0x2a2a, "" }, { B.EXT.padding, ("\0"):rep(300) }, { 0x3a3a, "\0" } } }
      -- the session id: T.client sends none; put one in by hand
      local rec = fake:hello()
      local body = B.parse_records(rec)[1].body
      local sid = B.random(32)
      local ch = body:sub(1, 4 + 2 + 32) .. B.vec(1, sid) .. body:sub(4 + 2 + 32 + 2)
      ch = B.handshake(T.HS.client_hello, ch:sub(5))
      fake.transcript = { ch }
      assert(s:feed(B.record(B.CT.handshake, ch, { version = 0x0301 })))
      fake:server_flight(s:output())
      finish_server12(s, fake)
   end)

   it("takes a ClientHello of legacy_version 0x0304 without supported_versions as TLS 1.2, with the sentinel", function()
      -- rfc8446#4.2.1: without the extension, TLS 1.2 "even if
      -- ClientHello.legacy_version is 0x0304 or later"
      local s, fake = server12 { legacy_version = 0x0304 }
      assert(s:feed(fake:hello()))
      local msgs = fake:server_flight(s:output())
      assert.equal(T.HS.server_hello, msgs[1].type)
      assert.equal("\3\3", msgs[1].body:sub(1, 2))
      assert.equal(T.DOWNGRD12, fake.server_random:sub(25))
      finish_server12(s, fake)
   end)

   it("takes data right behind the client's Finished, in the same feed (False Start, RFC 7918)", function()
      local s, fake = server12()
      assert(s:feed(fake:hello()))
      fake:server_flight(s:output())
      assert(s:feed(fake:key_exchange() .. fake:seal(B.CT.application_data, "false start")))
      assert.is_true(s:status().handshake_done)
      assert.equal("false start", s:read())
   end)

   it("takes empty application_data records from the client", function()
      local s, fake = server12()
      assert(s:feed(fake:hello()))
      fake:server_flight(s:output())
      finish_server12(s, fake)
      assert(s:feed(fake:seal(B.CT.application_data, "") .. fake:seal(B.CT.application_data, "x")))
      assert.equal("x", s:read())
   end)
end)
