-- review42b: unusual but valid input, kept as regression tests after a
-- conformance round that found no defect (the list of probes is in the
-- session report). Each case here was not covered by an earlier spec.
local tls = require "tls"
local I = require("tls.core")._internal
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local T = require "spec.support.tls12_peer"

local EC_CERT, EC_KEY = assert(tls.selfsigned { names = { "localhost" }, key = "ec" })

-- A TLS 1.3 record of inner type ctype sealed by the scripted peer `f`
-- under `secret`, with legacy_record_version `version` in its header (the
-- header is the AEAD's additional data, so it must be sealed with it).
local function seal13(f, secret, ctype, content, version)
   local inner = content .. B.u8(ctype)
   local header = B.u8(B.CT.application_data) .. B.u16(version) .. B.u16(#inner + 16)
   local seq = f.seq[secret] or 0
   f.seq[secret] = seq + 1
   return header .. assert(I.seal("TLS_AES_128_GCM_SHA256", secret, seq, header, inner))
end

describe("review42b: TLS 1.3 legacy fields that must be ignored", function()
   it("a server takes a TLS 1.3 hello whose ec_point_formats lacks uncompressed (a TLS 1.2-only rule)", function()
      local sv, fake = E.server_engine(), B.fake_client()
      assert(sv:feed(fake:hello { extra = { { 11, B.vec(1, "\1") } } }))
      assert(fake:receive_flight(sv:output()))
      assert(sv:feed(fake:finished(false)))
      assert.is_true(sv:status().handshake_done)
   end)

   for _, version in ipairs { 0x0301, 0x0304, 0x0399 } do
      local name = string.format("0x%04x", version)
      it("both sides take protected records whose legacy_record_version is " .. name .. " (rfc8446#5.1)", function()
         local cl, srv = E.scripted_server_handshake()
         assert(cl:feed(seal13(srv, srv.server_ap, B.CT.application_data, "to client", version)))
         assert.equal("to client", cl:read())
         local sv, fake = E.scripted_handshake()
         assert(sv:feed(seal13(fake, fake.client_ap, B.CT.application_data, "to server", version)))
         assert.equal("to server", sv:read())
      end)
   end
end)

describe("review42b: TLS 1.2 messages across records", function()
   it("a server takes a ClientKeyExchange of one byte per record and a Finished in three protected records", function()
      local sv = E.server_engine { certificate = EC_CERT, key = EC_KEY }
      local fake = T.client()
      assert(sv:feed(fake:hello()))
      fake:server_flight(sv:output())
      local cke = B.handshake(T.HS.client_key_exchange, B.vec(1, fake.pub))
      fake:add(cke)
      fake:derive(assert(I.kex_x25519(fake.priv, fake.server_point)))
      local out = {}
      for i = 1, #cke do out[#out + 1] = B.record(B.CT.handshake, cke:sub(i, i)) end
      out[#out + 1] = B.record(B.CT.ccs, "\1")
      local fin = fake:finished_message(false)
      fake:add(fin)
      out[#out + 1] = fake:seal(B.CT.handshake, fin:sub(1, 2)) .. fake:seal(B.CT.handshake, fin:sub(3, 9))
         .. fake:seal(B.CT.handshake, fin:sub(10))
      assert(sv:feed(table.concat(out)))
      assert.is_true(sv:status().handshake_done)
      assert(sv:feed(fake:seal(B.CT.application_data, "") .. fake:seal(B.CT.application_data, "x")))
      assert.equal("x", sv:read())
   end)

   it("a client takes a NewSessionTicket in two records and a Finished in two, and keeps a ticket whose lifetime hint is 0 (rfc5077#3.3: unspecified)", function()
      local cl = E.client_engine { max_version = "TLSv1.2" }
      assert(cl:start())
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, session_ticket = true }
      assert(cl:feed(fake:answer(cl:output())))
      fake:client_flight(cl:output())
      local nst = B.handshake(T.HS.new_session_ticket, T.new_session_ticket("a ticket", 0))
      fake:add(nst)
      local fin = fake:finished_message(false)
      fake:add(fin)
      assert(cl:feed(B.record(B.CT.handshake, nst:sub(1, 5)) .. B.record(B.CT.handshake, nst:sub(6))
         .. B.record(B.CT.ccs, "\1") .. fake:seal(B.CT.handshake, fin:sub(1, 1)) .. fake:seal(B.CT.handshake, fin:sub(2))))
      assert.is_true(cl:info().handshake_done)
      assert.truthy(cl:session())
   end)
end)

describe("review42b: ClientHello lists at their largest", function()
   it("a TLS 1.3 server takes 32000 signature schemes (all duplicates) and 30000 GREASE groups before x25519", function()
      local sig, groups = {}, {}
      for i = 1, 32000 do sig[i] = 0x0403 end
      for i = 1, 30000 do groups[i] = 0x0a0a end
      groups[#groups + 1] = B.GROUP.x25519
      for _, o in ipairs { { sigalgs = sig }, { groups = groups } } do
         local sv, fake = E.server_engine(), B.fake_client()
         assert(sv:feed(fake:hello(o)))
         assert(fake:receive_flight(sv:output()))
      end
   end)

   it("a TLS 1.2 server takes 12000 unknown extensions", function()
      local ext = {}
      for i = 1, 12000 do ext[i] = { 0x1000 + i, "" } end
      local sv = E.server_engine { certificate = EC_CERT, key = EC_KEY }
      local fake = T.client { extensions = ext }
      fake:hello()
      assert(sv:feed(B.records(B.CT.handshake, fake.transcript[1], { version = 0x0301 })))
      fake:server_flight(sv:output())
      assert(sv:feed(fake:key_exchange()))
      assert.is_true(sv:status().handshake_done)
   end)
end)
