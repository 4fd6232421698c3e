-- Review 40f: refusals that no planted bug covered and no test noticed
-- when removed (mutate/mutations_review40f.lua). Each test drives the one
-- check through the engine with a scripted peer.
local tls = require "tls"
local I = require("tls.core")._internal
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local H = require "spec.support.hostile_server"
local T12 = require "spec.support.tls12_peer"

local m = certs.clients()

---------------------------------------------------------------------------
-- Our TLS 1.3 client: the CertificateRequest and EncryptedExtensions
---------------------------------------------------------------------------
local SIGALGS13 = { H.EXT.signature_algorithms, H.vec(2, H.u16(0x0403) .. H.u16(0x0804)) }

describe("review40f: our TLS 1.3 client reads the server's encrypted messages strictly", function()
   local function client()
      return H.new { client = { certificate = m.ecdsa.cert, key = m.ecdsa.key } }
   end

   -- EE (body ee_body, else empty), CertificateRequest (body cr_body, else
   -- cr_exts), Certificate, CertificateVerify, Finished.
   local function serve(s, o)
      assert(s:hello())
      local ee = s:encrypted_extensions { body = o.ee_body }
      local cr = s:certificate_request { body = o.cr_body, extensions = o.cr_exts }
      return s:send(ee, cr, s:certificate(), s:certificate_verify(), s:finished())
   end

   local function fails_with(s, alert, reason)
      local msg, name, from_peer = s.engine:error()
      assert.equal(alert, name, "error: " .. tostring(msg))
      assert.is_false(from_peer)
      assert.equal(reason, msg)
      assert.equal(alert, (s:client_alert()))
   end

   it("takes a well-formed CertificateRequest (the cases below differ from it by one thing)", function()
      local s = client()
      assert(serve(s, { cr_exts = { SIGALGS13, { 50, H.vec(2, H.u16(0x0403)) } } }))
      s:client_finished()
      assert.equal(H.HS.certificate_verify, s.client_messages[2].type)
   end)

   it("refuses an extension RFC 8446 4.2 does not allow in CertificateRequest (illegal_parameter)", function()
      local s = client()
      assert.is_nil(serve(s, { cr_exts = { SIGALGS13, { H.EXT.early_data, "" } } }))
      fails_with(s, "illegal_parameter", "CertificateRequest: early_data extension (42) is not allowed there")
   end)

   it("refuses bytes after the CertificateRequest's extensions (decode_error)", function()
      local s = client()
      assert.is_nil(serve(s, { cr_body = H.vec(1, "") .. H.vec(2, H.extensions { SIGALGS13 }) .. "\0" }))
      fails_with(s, "decode_error", "CertificateRequest is malformed")
   end)

   it("refuses bytes after the signature_algorithms list of a CertificateRequest (decode_error)", function()
      local s = client()
      assert.is_nil(serve(s, { cr_exts = { { H.EXT.signature_algorithms, H.vec(2, H.u16(0x0403)) .. "\0" } } }))
      fails_with(s, "decode_error", "CertificateRequest signature_algorithms is malformed")
   end)

   it("refuses bytes after the signature_algorithms_cert list of a CertificateRequest (decode_error)", function()
      local s = client()
      assert.is_nil(serve(s, { cr_exts = { SIGALGS13, { 50, H.vec(2, H.u16(0x0403)) .. "\0" } } }))
      fails_with(s, "decode_error", "CertificateRequest signature_algorithms_cert is malformed")
   end)

   it("refuses bytes after the EncryptedExtensions' extensions (decode_error)", function()
      local s = client()
      assert.is_nil(serve(s, { ee_body = H.vec(2, "") .. "\0", cr_exts = { SIGALGS13 } }))
      fails_with(s, "decode_error", "EncryptedExtensions is malformed")
   end)
end)

---------------------------------------------------------------------------
-- Our TLS 1.2 client: ec_point_formats in the ServerHello
---------------------------------------------------------------------------
describe("review40f: our TLS 1.2 client reads the ServerHello's ec_point_formats strictly", function()
   local EMS = { 23, "" }
   local RENEGOTIATION_INFO = { 0xff01, "\0" }

   local function started_client()
      local ctx = assert(tls.context { mode = "client", verify = false })
      local cl = assert(tls.engine(ctx, { servername = "localhost" }))
      assert(cl:start())
      cl:output()
      return cl
   end

   local function server_hello12(point_formats)
      return B.record(22, B.server_hello { session_id = "", suite = 0xc02b, version = false, share = false,
                                           extensions = { EMS, RENEGOTIATION_INFO, { 11, point_formats } } })
   end

   it("takes a list naming the uncompressed format", function()
      local cl = started_client()
      assert(cl:feed(server_hello12 "\1\0"))
      assert.is_false(cl:status().failed)
   end)

   it("refuses bytes after the list (decode_error)", function()
      local cl = started_client()
      local ok, msg = cl:feed(server_hello12 "\1\0\0")
      E.assert_refused(cl, ok, msg, "decode_error", "ServerHello ec_point_formats is malformed")
   end)

   it("refuses an empty list as malformed (decode_error), not as lacking a format", function()
      local cl = started_client()
      local ok, msg = cl:feed(server_hello12 "\0")
      E.assert_refused(cl, ok, msg, "decode_error", "ServerHello ec_point_formats is malformed")
   end)
end)

---------------------------------------------------------------------------
-- Our TLS 1.2 server: the client's CertificateVerify
---------------------------------------------------------------------------
describe("review40f: our TLS 1.2 server reads the client's CertificateVerify strictly", function()
   local function der(pair) return T12.der(proc.read_file(pair.cert)) end

   -- The client's flight: Certificate, ClientKeyExchange, CertificateVerify
   -- (its signature, then `trailer`; `empty_sig`: no signature), CCS, Finished.
   local function flight12(fake, pair, o)
      local cert = B.handshake(T12.HS.certificate, B.vec(3, B.vec(3, der(pair))))
      fake:add(cert)
      local out = B.record(B.CT.handshake, cert)
      local pms = assert(I.kex_x25519(fake.priv, fake.server_point))
      local cke = B.handshake(T12.HS.client_key_exchange, B.vec(1, fake.pub))
      fake:add(cke)
      fake:derive(pms)
      out = out .. B.record(B.CT.handshake, cke)
      local sig = o.empty_sig and ""
         or assert(I.sign(proc.read_file(pair.key), "ecdsa_secp256r1_sha256", table.concat(fake.transcript)))
      local cv = B.handshake(15, B.u16(0x0403) .. B.vec(2, sig) .. (o.trailer or ""))
      fake:add(cv)
      out = out .. B.record(B.CT.handshake, cv) .. B.record(B.CT.ccs, "\1")
      local fin = fake:finished_message()
      fake:add(fin)
      return out .. fake:seal(B.CT.handshake, fin)
   end

   local function hello12()
      local sv = E.server_engine { verify = "required", ca = m.ca }
      local fake = T12.client()
      assert(sv:feed(fake:hello()))
      fake:server_flight(sv:output())
      return sv, fake
   end

   it("takes a well-formed one", function()
      local sv, fake = hello12()
      assert(sv:feed(flight12(fake, m.ecdsa, {})))
      assert.is_true(sv:info().peer_verified)
   end)

   it("refuses bytes after the signature (decode_error)", function()
      local sv, fake = hello12()
      local ok, msg = sv:feed(flight12(fake, m.ecdsa, { trailer = "\0" }))
      E.assert_failed(sv, ok, msg, "decode_error", "CertificateVerify is malformed")
   end)

   it("refuses an empty signature as malformed (decode_error)", function()
      local sv, fake = hello12()
      local ok, msg = sv:feed(flight12(fake, m.ecdsa, { empty_sig = true }))
      E.assert_failed(sv, ok, msg, "decode_error", "CertificateVerify is malformed")
   end)
end)

