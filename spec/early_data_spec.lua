-- Early data we do not accept (rfc8446#4.2.10): a client that sends 0-RTT
-- records with its ClientHello gets a full handshake; our server skips the
-- records it cannot read instead of failing. The hello side sets what to
-- skip (tls_hs_server.c), the record layer skips it.
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local I = require("tls.core")._internal

local server_engine = E.server_engine

-- A protected-looking record: what 0-RTT data under a key we never had
-- looks like to us.
local function early_record(n)
   return B.record(B.CT.application_data, B.random(n))
end

describe("our server and 0-RTT data it does not accept", function()
   it("skips the records that follow a ClientHello with early_data, then finishes the handshake", function()
      local sv = server_engine()
      local fake = B.fake_client()
      local hello = fake:hello { extra = { { B.EXT.early_data, "" }, { B.EXT.psk_key_exchange_modes, "\1\1" } } }
      assert(sv:feed(hello .. early_record(100) .. early_record(16384 + 17) .. early_record(1)))
      assert(fake:receive_flight(sv:output()))
      assert.is_nil(B.parse_encrypted_extensions(fake.flight[1])[B.EXT.early_data])
      assert(sv:feed(early_record(500) .. fake:finished(false)))
      assert.is_true(sv:status().handshake_done)
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, "after 0-RTT")))
      assert.equal("after 0-RTT", sv:read())
   end)

   it("after a HelloRetryRequest, skips application_data records until the second ClientHello", function()
      local sv = server_engine { groups = "secp384r1" }
      assert(sv:feed(B.client_hello_record { groups = { B.GROUP.x25519, B.GROUP.secp384r1 },
                                             extra = { { B.EXT.early_data, "" } } }
         .. early_record(200) .. early_record(300)))
      assert.is_true(B.first_server_hello(sv:output()).hrr)
      local pub = select(3, I.kex_pair("secp384r1"))
      assert(sv:feed(B.record(B.CT.ccs, "\1") .. B.client_hello_record {
         groups = { B.GROUP.x25519, B.GROUP.secp384r1 }, shares = { { B.GROUP.secp384r1, pub } } }))
      assert.is_false(B.first_server_hello(sv:output()).hrr)
   end)

   it("skips nothing for a client that did not offer early data", function()
      local sv = server_engine()
      local fake = B.fake_client()
      local ok, msg = sv:feed(fake:hello() .. early_record(100))
      assert.is_nil(ok)
      assert.equal("bad_record_mac", select(2, sv:error()), msg)
   end)
end)
