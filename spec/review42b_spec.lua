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

---------------------------------------------------------------------------
-- A CertificateRequest as large as its length fields allow (review42b F1):
-- a server that trusts many CAs names them all (OpenSSL's client takes 100
-- KiB of it); our client refused any over 64 KiB with decode_error.
---------------------------------------------------------------------------
local H = require "spec.support.hostile_server"

local function der(tag, body)
   local n = #body
   if n < 128 then return string.char(tag, n) .. body end
   if n < 256 then return string.char(tag, 0x81, n) .. body end
   return string.char(tag, 0x82, n >> 8, n & 0xff) .. body
end

-- DistinguishedName entries (each with its 2-byte length) filling exactly
-- `total` bytes: CN=CA nnnnnn xxx..., the last one cut to fit.
local function ca_names(total)
   local function entry(cn) return B.vec(2, der(0x30, der(0x31, der(0x30, der(0x06, "\85\4\3") .. der(0x0c, cn))))) end
   local list, size, i = {}, 0, 0
   while total - size > 200 do
      i = i + 1
      local e = entry(("CA %06d "):format(i) .. ("x"):rep(60))
      list[#list + 1] = e
      size = size + #e
   end
   for len = 1, 300 do
      local e = entry(("y"):rep(len))
      if size + #e == total then
         list[#list + 1] = e
         return table.concat(list)
      end
   end
   error("no name fits")
end

describe("review42b: a CertificateRequest larger than 64 KiB", function()
   it("TLS 1.2: 65535 bytes of CA names and 20 schemes (65582 bytes): the client answers and finishes", function()
      local cas = ca_names(65535)
      local schemes = {}
      for i = 1, 20 do schemes[i] = 0x0403 end
      local cr = B.handshake(T.HS.certificate_request, B.vec(1, "\64\1") .. B.vec(2, B.list16(schemes)) .. B.vec(2, cas))
      assert.equal(4 + 65582, #cr)
      local cl = E.client_engine { max_version = "TLSv1.2" }
      assert(cl:start())
      local msgs
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, flight = function(f)
         table.insert(f, 4, cr)
         msgs = f
         return f
      end }
      fake:answer(cl:output())
      assert(cl:feed(B.records(B.CT.handshake, table.concat(msgs))))
      fake:client_flight(cl:output())
      assert.is_true(fake.client_finished_ok)
      assert(cl:feed(fake:finish()))
      assert.is_true(cl:info().handshake_done)
   end)

   for _, ocsp in ipairs { false, true } do
      it("TLS 1.2 with RSA key transport" .. (ocsp and ", status_request and no CertificateStatus" or "")
         .. ": a CertificateRequest right after the Certificate", function()
         local rsa_cert = (assert(tls.selfsigned { names = { "localhost" }, key = "rsa" }))
         local opts = { max_version = "TLSv1.2", ciphers = "TLS_RSA_WITH_AES_128_GCM_SHA256" }
         if ocsp then opts.ocsp, opts.verify, opts.ca = true, true, rsa_cert end
         local cl = E.client_engine(opts)
         assert(cl:start())
         local exts = { { T.EXT.renegotiation_info, "\0" }, { T.EXT.extended_master_secret, "" } }
         if ocsp then exts[#exts + 1] = { 5, "" } end
         local cr = B.handshake(T.HS.certificate_request,
            B.vec(1, "\1\64") .. B.vec(2, B.list16 { 0x0804, 0x0403 }) .. B.vec(2, ca_names(65535)))
         local msgs
         local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, suite = T.SUITE.rsa_aes128, extensions = exts,
            flight = function(f)
               msgs = { f[1], B.handshake(T.HS.certificate, B.vec(3, B.vec(3, T.der(rsa_cert)))), cr, f[4] }
               return msgs
            end }
         fake:answer(cl:output())
         assert(cl:feed(B.records(B.CT.handshake, table.concat(msgs))))
         -- its flight: an empty Certificate, the ClientKeyExchange, CCS, Finished
         local hs = B.parse_handshakes(B.parse_records(cl:output())[1].body)
         assert.equal(T.HS.certificate, hs[1].type)
         assert.equal(T.HS.client_key_exchange, hs[2].type)
      end)
   end

   it("TLS 1.3: certificate_authorities filling the extensions block (65538 bytes): the client finishes", function()
      local s = H.new {}
      assert(s:hello {})
      local ee = s:encrypted_extensions() -- the transcript takes messages as they are made
      local cr = s:certificate_request { extensions = {
         { 13, B.vec(2, B.list16 { 0x0403 }) }, { 47, B.vec(2, ca_names(65535 - 4 - 2 - 8)) } } }
      assert.equal(4 + 65538, #cr)
      local wire, t = ee .. cr .. s:certificate() .. s:certificate_verify() .. s:finished(), {}
      for i = 1, #wire, 16000 do t[#t + 1] = s:record(H.CT.handshake, wire:sub(i, i + 15999)) end
      assert(s:deliver(table.concat(t)))
      s:client_finished()
      assert.is_true(s.engine:status().handshake_done)
   end)
end)

describe("review42b: the CertificateRequest limit", function()
   -- Our client's input: the scripted server's first flight, changed by edit(messages).
   local function first_flight12(edit)
      local cl = E.client_engine { max_version = "TLSv1.2" }
      assert(cl:start())
      local msgs
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, flight = function(f)
         edit(f)
         msgs = f
         return f
      end }
      fake:answer(cl:output())
      return cl, B.records(B.CT.handshake, table.concat(msgs))
   end

   it("out of place keeps the 64 KiB limit (TLS 1.2: before the ServerKeyExchange)", function()
      local cr = B.handshake(T.HS.certificate_request, B.vec(1, "\64") .. B.vec(2, B.list16 { 0x0403 })
         .. B.vec(2, ca_names(65535)))
      local cl, bytes = first_flight12(function(f) table.insert(f, 3, cr) end)
      local ok, err = cl:feed(bytes)
      E.assert_failed(cl, ok, err, "decode_error",
         "CertificateRequest message of 65543 bytes is larger than the 65536 we accept")
   end)

   it("out of place keeps the 64 KiB limit (TLS 1.3: after the handshake, where we never asked for one)", function()
      local s = H.new {}
      assert(s:handshake {})
      local cr = H.handshake(13, B.vec(1, "ctx") .. B.vec(2, B.u16(47) .. B.vec(2, B.vec(2, ca_names(65530)))))
      local wire, t = cr, {}
      for i = 1, #wire, 16000 do t[#t + 1] = s:record(H.CT.handshake, wire:sub(i, i + 15999)) end
      local ok, err = s.engine:feed(table.concat(t))
      E.assert_failed(s.engine, ok, err, "decode_error", "CertificateRequest message of 65542 bytes is larger than the 65536 we accept")
   end)

   it("is refused past what its length fields allow (131329 bytes)", function()
      -- the flight up to the ServerKeyExchange: the client waits for ServerHelloDone
      local cl, bytes = first_flight12(function(f) f[4] = nil end)
      local ok, err = cl:feed(bytes .. B.record(B.CT.handshake, B.u8(T.HS.certificate_request) .. B.u24(131330)))
      E.assert_failed(cl, ok, err, "decode_error",
         "CertificateRequest message of 131330 bytes is larger than the 131329 we accept")
   end)
end)
