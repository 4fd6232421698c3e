-- review33b U1-U7: client checks of what a server sends that no spec
-- exercised. Each malformed input is refused with the exact alert and
-- reason; where cheap, the valid neighbour is taken. Mutations:
-- mutate/mutations_client33.lua.
local tls = require "tls"
local I = require("tls.core")._internal
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local T = require "spec.support.tls12_peer"
local H = require "spec.support.hostile_server"

-- A client engine (TLS 1.3 and 1.2 offered) trusting E.CERT, started.
local function client()
   local cl = assert(tls.engine(assert(tls.context { mode = "client", ca = E.CERT }), { servername = "localhost" }))
   assert(cl:start())
   return cl
end

-- The one plaintext fatal alert in `bytes`, by name.
local function plain_alert(bytes)
   local records = B.parse_records(bytes)
   assert.equal(1, #records, "one record, the alert")
   assert.equal(B.CT.alert, records[1].type)
   assert.equal(2, #records[1].body)
   assert.equal(2, records[1].body:byte(1))
   return B.ALERT_NAME[records[1].body:byte(2)]
end

-- Our client against the scripted TLS 1.2 server with options `opts`: the
-- result of feeding it the server's first flight.
local function first_flight12(opts)
   local cl = client()
   local o = { cert_pem = E.CERT, key_pem = E.KEY }
   for k, v in pairs(opts or {}) do o[k] = v end
   local fake = T.server(o)
   local ok, err = cl:feed(fake:answer(cl:output()))
   return cl, ok, err, fake
end

-- The TLS 1.2 handshake goes through to the end.
local function completes12(opts)
   local cl, ok, err, fake = first_flight12(opts)
   assert(ok, err)
   fake:client_flight(cl:output())
   assert(cl:feed(fake:finish()))
   assert.is_true(cl:info().handshake_done)
   assert.equal("TLSv1.2", cl:info().version)
   return cl
end

-- The client refused the TLS 1.2 server's first flight with `alert` and
-- reason `reason` (exactly), and sent that alert in the clear.
local function refused12(alert, reason, opts)
   local cl, ok, err = first_flight12(opts)
   E.assert_failed(cl, ok, err, alert, reason)
   assert.equal(alert, plain_alert(cl:output()))
end

local DEFAULT12_EXTS = { { T.EXT.renegotiation_info, "\0" }, { T.EXT.ec_point_formats, B.vec(1, "\0") } }
local function exts12(...)
   local t = {}
   for _, e in ipairs(DEFAULT12_EXTS) do t[#t + 1] = e end
   for _, e in ipairs { ... } do t[#t + 1] = e end
   return t
end

describe("client33 U1: a ServerHello session id over 32 bytes", function()
   it("TLS 1.2: a 32-byte session id is taken", function()
      completes12 { session_id = ("\xAA"):rep(32) }
   end)

   for _, n in ipairs { 33, 255 } do
      it("TLS 1.2: a " .. n .. "-byte session id is decode_error", function()
         refused12("decode_error", "ServerHello is malformed", { session_id = ("\xAA"):rep(n) })
      end)

      it("TLS 1.3: a " .. n .. "-byte legacy_session_id_echo is decode_error", function()
         local s = H.new {}
         local ok = s:hello { session_id = ("\xAA"):rep(n) }
         assert.is_nil(ok)
         s:client_failed_with("decode_error", "^ServerHello is malformed$")
      end)
   end

   it("TLS 1.3: the 32-byte echo of our session id is taken", function()
      local s = H.new {}
      assert.equal(32, #s.ch.session_id)
      s:handshake()
      assert.is_true(s.engine:info().handshake_done)
      assert.is_false(s.engine:status().failed)
   end)
end)

describe("client33 U2: extended_master_secret in a TLS 1.2 ServerHello", function()
   it("empty is taken", function()
      local cl = completes12 { extensions = exts12({ T.EXT.extended_master_secret, "" }) }
      assert.is_false(cl:status().failed)
   end)

   for _, body in ipairs { "junk", "\0" } do
      it("with a " .. #body .. "-byte body is decode_error", function()
         refused12("decode_error", "ServerHello extended_master_secret is not empty",
            { extensions = exts12({ T.EXT.extended_master_secret, body }) })
      end)
   end
end)

describe("client33 U3: a TLS 1.2 ServerKeyExchange", function()
   -- The scripted server's ServerKeyExchange replaced by one with the point
   -- point(fake) and a signature made by sign(signed_bytes) (a correct one
   -- by default) over the params actually sent.
   local function with_ske(point, sign)
      local fake
      local cl = client()
      fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, flight = function(f)
         local params = "\3" .. B.u16(0x001d) .. B.vec(1, point(fake))
         local signed = fake.client_random .. fake.server_random .. params
         local sig = sign and sign(signed) or assert(I.sign(E.KEY, "ecdsa_secp256r1_sha256", signed))
         f[3] = B.handshake(T.HS.server_key_exchange, params .. B.u16(0x0403) .. B.vec(2, sig))
         return f
      end }
      local ok, err = cl:feed(fake:answer(cl:output()))
      return cl, ok, err, fake
   end

   it("rebuilt here with the server's own point is taken (sanity)", function()
      local cl, ok, err, fake = with_ske(function(f) return f.pub end)
      assert(ok, err)
      fake:client_flight(cl:output())
      assert(cl:feed(fake:finish()))
      assert.is_true(cl:info().handshake_done)
   end)

   it("with an empty ECPoint (correctly signed) is decode_error", function()
      local cl, ok, err = with_ske(function() return "" end)
      E.assert_failed(cl, ok, err, "decode_error", "ServerKeyExchange is malformed")
      assert.equal("decode_error", plain_alert(cl:output()))
   end)

   it("with an empty signature is decode_error", function()
      local cl, ok, err = with_ske(function(f) return f.pub end, function() return "" end)
      E.assert_failed(cl, ok, err, "decode_error", "ServerKeyExchange is malformed")
      assert.equal("decode_error", plain_alert(cl:output()))
   end)
end)

describe("client33 U4: a TLS 1.3 ServerHello supported_versions", function()
   it("0x0304 with a trailing byte is decode_error", function()
      local s = H.new {}
      local ok = s:hello { omit = { supported_versions = true },
         extra = { { H.EXT.supported_versions, "\3\4\0" } } }
      assert.is_nil(ok)
      s:client_failed_with("decode_error", "^ServerHello supported_versions is malformed$")
   end)

   it("of one byte is decode_error", function()
      local s = H.new {}
      assert.is_nil((s:hello { omit = { supported_versions = true }, extra = { { H.EXT.supported_versions, "\3" } } }))
      s:client_failed_with("decode_error", "^ServerHello supported_versions is malformed$")
   end)
end)

describe("client33 U5: server_name in TLS 1.3 EncryptedExtensions", function()
   it("empty is taken", function()
      local s = H.new {}
      s:handshake { encrypted_extensions = { extensions = { { H.EXT.server_name, "" } } } }
      assert.is_true(s.engine:info().handshake_done)
   end)

   for _, body in ipairs { "\0\1x", "\0" } do
      it("with a " .. #body .. "-byte body is decode_error", function()
         local s = H.new {}
         assert(s:hello())
         s:flight { encrypted_extensions = { extensions = { { H.EXT.server_name, body } } } }
         s:client_failed_with("decode_error", "^EncryptedExtensions server_name is not empty$")
      end)
   end
end)

describe("client33 U6: supported_groups in TLS 1.3 EncryptedExtensions", function()
   it("a well-formed list is taken (informational)", function()
      local s = H.new {}
      s:handshake { encrypted_extensions = { extensions = { { H.EXT.supported_groups, "\0\4\0\29\0\23" } } } }
      assert.is_true(s.engine:info().handshake_done)
   end)

   for _, case in ipairs {
      { "of odd length", "\0\3\0\29\0" },
      { "empty", "\0\0" },
      { "with a trailing byte", "\0\2\0\29\0" },
   } do
      it("a list " .. case[1] .. " is decode_error", function()
         local s = H.new {}
         assert(s:hello())
         s:flight { encrypted_extensions = { extensions = { { H.EXT.supported_groups, case[2] } } } }
         s:client_failed_with("decode_error", "^EncryptedExtensions supported_groups is malformed$")
      end)
   end
end)

describe("client33 U7: a HelloRetryRequest key_share", function()
   local function hrr(ks)
      local s = H.new { client = { groups = { "x25519", "secp256r1" } } }
      local ok, err = s:retry { extensions = { { H.EXT.supported_versions, "\3\4" }, { H.EXT.key_share, ks } } }
      return s, ok, err
   end

   it("naming secp256r1 in 2 bytes is taken: a second ClientHello with that share", function()
      local s, ok, err = hrr("\0\23")
      assert(ok, err)
      assert.is_false(s.engine:status().failed)
      assert.truthy(s.ch.shares[H.GROUP.secp256r1])
   end)

   it("with a trailing byte is decode_error", function()
      local s = hrr("\0\23\0")
      s:client_failed_with("decode_error", "^HelloRetryRequest key_share is malformed$")
   end)
end)
