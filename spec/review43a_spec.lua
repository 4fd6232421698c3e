-- Session 43 review (a): what our server does with a hostile client's
-- records and messages around key changes, ChangeCipherSpec, KeyUpdate and
-- post-handshake messages (RFC 8446 4.6.3, 5, 5.1, D.4), a message of the
-- wrong type in each state (TLS 1.3 and 1.2), and accepted 0-RTT data
-- (RFC 8446 4.2.10, 4.5). The scripted clients (spec/support/tlsbytes.lua,
-- tls12_peer.lua, psk13.lua) know every key.
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"
local P = require "spec.support.tlsbytes_post"
local T = require "spec.support.tls12_peer"
local certs = require "spec.support.certs"

local m = certs.clients()

local CCS = B.record(B.CT.ccs, "\1")

local function refused(sv, ok, msg, alert, pattern)
   E.assert_failed(sv, ok, msg, alert)
   if pattern then assert.truthy(msg:match(pattern), "reason: " .. msg) end
end

describe("review43a: our TLS 1.3 server and a hostile client's records", function()
   it("refuses a change_cipher_spec under the handshake key (rfc8446#5: protected CCS)", function()
      local sv, fake = E.scripted_hello()
      local ok, msg = sv:feed(fake:seal(fake.client_hs, B.CT.ccs, "\1"))
      refused(sv, ok, msg, "unexpected_message")
   end)

   it("refuses a plaintext change_cipher_spec after the handshake", function()
      local sv = E.scripted_handshake()
      local ok, msg = sv:feed(CCS)
      refused(sv, ok, msg, "unexpected_message", "change_cipher_spec")
   end)

   it("drops a plaintext change_cipher_spec between the hellos' flight and the client's Finished", function()
      local sv, fake = E.scripted_hello()
      assert(sv:feed(CCS))
      assert(sv:feed(fake:finished(false)))
      assert.is_true(sv:status().handshake_done)
   end)

   it("refuses a change_cipher_spec before any ClientHello", function()
      local sv = E.server_engine()
      local ok, msg = sv:feed(CCS)
      refused(sv, ok, msg, "unexpected_message")
   end)

   it("refuses a ClientHello after the handshake (no renegotiation in TLS 1.3)", function()
      local sv, fake = E.scripted_handshake()
      local ok, msg = sv:feed(fake:seal(fake.client_ap, B.CT.handshake, B.client_hello()))
      refused(sv, ok, msg, "unexpected_message", "ClientHello")
   end)

   it("refuses a second Finished after the handshake", function()
      local sv, fake = E.scripted_handshake()
      local ok, msg = sv:feed(fake:seal(fake.client_ap, B.CT.handshake, fake:finished_message(false)))
      refused(sv, ok, msg, "unexpected_message", "Finished")
   end)

   it("refuses a KeyUpdate before the client's Finished", function()
      local sv, fake = E.scripted_hello()
      local ok, msg = sv:feed(fake:seal(fake.client_hs, B.CT.handshake, P.key_update_message(false)))
      refused(sv, ok, msg, "unexpected_message", "KeyUpdate")
   end)

   it("refuses a KeyUpdate in the record of the client's Finished (rfc8446#5.1 key change)", function()
      local sv, fake = E.scripted_hello()
      local fin = fake:finished_message(false)
      local ok, msg = sv:feed(fake:seal(fake.client_hs, B.CT.handshake, fin .. P.key_update_message(false)))
      refused(sv, ok, msg, "unexpected_message", "key epoch")
   end)

   it("refuses a KeyUpdate whose request_update is neither 0 nor 1 (illegal_parameter)", function()
      local sv, fake = E.scripted_handshake()
      local ok, msg = sv:feed(fake:seal(fake.client_ap, B.CT.handshake, B.handshake(P.HS.key_update, B.u8(2))))
      refused(sv, ok, msg, "illegal_parameter", "request_update 2")
   end)

   it("refuses a KeyUpdate of two bytes (decode_error)", function()
      local sv, fake = E.scripted_handshake()
      local ok, msg = sv:feed(fake:seal(fake.client_ap, B.CT.handshake, B.handshake(P.HS.key_update, "\0\0")))
      refused(sv, ok, msg, "decode_error", "KeyUpdate")
   end)

   it("answers a flood of KeyUpdate requests with one KeyUpdate, then refuses the flood", function()
      local sv, fake = E.scripted_handshake()
      local fed, ok, msg = 0, true, nil
      while ok and fed < 1000 do
         ok, msg = sv:feed(P.client_key_update(fake, true))
         fed = fed + 1
      end
      refused(sv, ok, msg, "unexpected_message", "KeyUpdate")
      assert.truthy(fed > 1 and fed < 1000, tostring(fed))
      -- One KeyUpdate in answer (the server wrote nothing else), then the alert.
      local keys = { secret = fake.server_ap }
      local got = P.read_all(fake, keys, "secret", sv:output())
      local updates = 0
      for _, r in ipairs(got) do
         if r.type == B.CT.handshake then updates = updates + 1 end
      end
      assert.equal(1, updates)
   end)

   it("refuses an EndOfEarlyData when no early data was offered", function()
      local sv, fake = E.scripted_hello()
      local ok, msg = sv:feed(fake:seal(fake.client_hs, B.CT.handshake, B.handshake(5, "")))
      refused(sv, ok, msg, "unexpected_message", "EndOfEarlyData")
   end)

   it("refuses application data under the handshake key before the client's Finished", function()
      local sv, fake = E.scripted_hello()
      local ok, msg = sv:feed(fake:seal(fake.client_hs, B.CT.application_data, "hello"))
      refused(sv, ok, msg, "unexpected_message")
   end)

   it("refuses a handshake message in the ClientHello's record after it (the key changes)", function()
      local sv = E.server_engine()
      local fake = B.fake_client()
      local hello = B.parse_records(fake:hello())[1].body
      local ok, msg = sv:feed(B.record(B.CT.handshake, hello .. B.handshake(B.HS.finished, ("\0"):rep(32)),
         { version = 0x0301 }))
      refused(sv, ok, msg, "unexpected_message", "key epoch")
   end)
end)

-- Each state takes only the message it waits for: a message of another
-- type with the body of the awaited one is refused, not read as that one.
describe("review43a: our server and a message of the wrong type with the right body", function()
   it("TLS 1.3: a ServerHello carrying a ClientHello body is unexpected_message", function()
      local sv = E.server_engine()
      local body = B.client_hello_body {}
      local ok, msg = sv:feed(B.record(B.CT.handshake, B.handshake(B.HS.server_hello, body), { version = 0x0301 }))
      refused(sv, ok, msg, "unexpected_message", "^expected ClientHello, got ServerHello$")
   end)

   it("TLS 1.3: a CertificateVerify carrying an empty Certificate body is unexpected_message", function()
      local sv, fake = E.scripted_hello { verify = "optional", ca = m.ca }
      local cv = B.handshake(B.HS.certificate_verify, B.vec(1, "") .. B.vec(3, ""))
      local ok, msg = sv:feed(fake:seal(fake.client_hs, B.CT.handshake, cv))
      refused(sv, ok, msg, "unexpected_message", "^expected Certificate, got CertificateVerify$")
   end)

   it("TLS 1.3: a KeyUpdate carrying the right verify_data is no Finished", function()
      local sv, fake = E.scripted_hello()
      local fin = fake:finished_message(false)
      local ok, msg = sv:feed(fake:seal(fake.client_hs, B.CT.handshake, string.char(P.HS.key_update) .. fin:sub(2)))
      refused(sv, ok, msg, "unexpected_message", "^expected Finished, got KeyUpdate$")
      assert.is_false(sv:status().handshake_done)
   end)

   it("TLS 1.2: a ClientKeyExchange carrying an empty Certificate body is unexpected_message", function()
      local sv = E.server_engine { verify = "optional", ca = m.ca }
      local fake = T.client()
      assert(sv:feed(fake:hello()))
      fake:server_flight(sv:output())
      local ok, msg = sv:feed(B.record(B.CT.handshake, B.handshake(T.HS.client_key_exchange, B.vec(3, ""))))
      refused(sv, ok, msg, "unexpected_message", "^expected Certificate, got ClientKeyExchange$")
   end)

   it("TLS 1.2: a CertificateVerify carrying the right verify_data is no Finished", function()
      local sv = E.server_engine()
      local fake = T.client()
      assert(sv:feed(fake:hello()))
      fake:server_flight(sv:output())
      -- The client's flight up to its ChangeCipherSpec, then its Finished
      -- with another type byte.
      local cke = B.handshake(T.HS.client_key_exchange, B.vec(1, fake.pub))
      fake:add(cke)
      fake:derive(assert(require("tls.core")._internal.kex_x25519(fake.priv, fake.server_point)))
      local fin = fake:finished_message(false)
      local out = B.record(B.CT.handshake, cke) .. B.record(B.CT.ccs, "\1")
         .. fake:seal(B.CT.handshake, string.char(B.HS.certificate_verify) .. fin:sub(2))
      local ok, msg = sv:feed(out)
      refused(sv, ok, msg, "unexpected_message", "^expected Finished, got CertificateVerify$")
      assert.is_false(sv:status().handshake_done)
   end)
end)

-- 0-RTT accepted: the scripted client of spec/support/psk13.lua offers a
-- ticket of sctx with early_data and writes under its early key.
describe("review43a: our server with 0-RTT accepted", function()
   local tls = require "tls"
   local PSK = require "spec.support.psk13"
   local R = require "spec.support.ref13"
   local C = require "refcrypto"
   local KEY = ("R"):rep(16) .. ("r"):rep(24) .. "01234567"

   local function accepted()
      local sctx = E.server_ctx { early_data = true, ticket_keys = { KEY }, session_store = (E.table_store()) }
      local sv0 = assert(tls.engine(sctx))
      local cl0 = PSK.client()
      assert(sv0:feed(cl0:hello { server_name = "localhost" }))
      cl0:receive(sv0:output())
      assert(sv0:feed(cl0:finished()))
      local t = cl0:tickets(sv0:output())[1]
      local sv = assert(tls.engine(sctx))
      local cl = PSK.client()
      local hello = cl:hello { server_name = "localhost", psks = { t }, extra = { { B.EXT.early_data, "" } } }
      local suite = R.suite(t.suite)
      local early = R.hkdf_extract(suite.md, "", t.psk)
      local writer = R.protector(suite, R.derive_secret(suite.md, early, "c e traffic", C.digest(suite.md, cl.transcript)))
      assert(sv:feed(hello))
      cl:receive(sv:output())
      assert.equal("accepted", sv:info().early_data)
      return sv, cl, writer
   end

   it("refuses a Finished in the record of EndOfEarlyData (rfc8446#5.1)", function()
      local sv, _, writer = accepted()
      local eoed = B.handshake(5, "")
      local ok, msg = sv:feed(writer:seal(B.CT.handshake, eoed .. B.handshake(B.HS.finished, ("\0"):rep(32))))
      refused(sv, ok, msg, "unexpected_message", "key epoch")
   end)

   it("does not skip early data sent after EndOfEarlyData: bad_record_mac", function()
      local sv, _, writer = accepted()
      assert(sv:feed(writer:seal(B.CT.handshake, B.handshake(5, ""))))
      local ok, msg = sv:feed(writer:seal(B.CT.application_data, "late"))
      refused(sv, ok, msg, "bad_record_mac")
   end)

   it("does not skip a 0-RTT record that fails to open once early data is accepted: bad_record_mac", function()
      local sv, _, writer = accepted()
      local rec = writer:seal(B.CT.application_data, "altered")
      rec = rec:sub(1, -2) .. string.char(rec:byte(-1) ~ 1)
      local ok, msg = sv:feed(rec)
      refused(sv, ok, msg, "bad_record_mac")
   end)
end)
