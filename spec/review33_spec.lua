-- Session 33's fixes from review33a: record types with the high bit after
-- the first record, the second ClientHello's key share count.
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local G = B.GROUP

local function refused(e, ok, msg, alert, reason)
   assert.is_nil(ok)
   local _, sent = e:error()
   assert.equal(alert, sent)
   assert.truthy(tostring(msg):find(reason, 1, true), tostring(msg))
end

describe("a record type with the high bit set (review33a F1)", function()
   it("is an unknown record type once the peer has sent a record: mid-handshake", function()
      local sv, fake = E.server_engine(), B.fake_client()
      assert(sv:feed(fake:hello()))
      assert(fake:receive_flight(sv:output()))
      local ok, msg = sv:feed(B.record(0x99, "xx"))
      refused(sv, ok, msg, "unexpected_message", "unknown record type 153")
   end)

   it("is an unknown record type after the handshake, on a client too", function()
      local sv = E.scripted_handshake()
      local ok, msg = sv:feed(B.record(0x80, "xx"))
      refused(sv, ok, msg, "unexpected_message", "unknown record type 128")
      local c = E.connected({}, {})
      ok, msg = c:feed(B.record(0xff, "xx"))
      refused(c, ok, msg, "unexpected_message", "unknown record type 255")
   end)

   it("is still an SSL 2.0 hello as the peer's first bytes (protocol_version)", function()
      local sv = E.server_engine()
      local ok, msg = sv:feed("\x80\x2e\x01\x03\x01\x00\x15\x00\x00\x00\x10")
      refused(sv, ok, msg, "protocol_version", "SSL 2.0")
   end)
end)

describe("a second ClientHello after HelloRetryRequest (review33a F3)", function()
   local function hello(shares)
      return B.client_hello_record { random = ("R"):rep(32), groups = { G.x25519, G.secp256r1 }, shares = shares }
   end

   it("with two key shares is refused, and the reason counts them", function()
      local sv = E.server_engine()
      assert(sv:feed(hello {}))
      assert.is_true(B.first_server_hello(sv:output()).hrr)
      local _, x = B.x25519_keypair()
      local ok, msg = sv:feed(hello { { G.x25519, x }, { G.secp256r1, B.bad_p256_point() } })
      refused(sv, ok, msg, "illegal_parameter",
              "second ClientHello carries 2 key shares (after a HelloRetryRequest only one, for x25519)")
   end)

   it("with the one share asked for is served", function()
      local sv = E.server_engine()
      assert(sv:feed(hello {}))
      assert.is_true(B.first_server_hello(sv:output()).hrr)
      local _, x = B.x25519_keypair()
      assert(sv:feed(hello { { G.x25519, x } }))
      assert.is_false(B.first_server_hello(sv:output()).hrr or false)
   end)
end)
