-- lead25: a TLS 1.3 server that fails after writing its ServerHello but
-- before its handshake write key exists (key derivation, a trace function
-- that raises, memory) takes the ServerHello back and answers the
-- ClientHello with a plaintext alert alone. After a ServerHello the client
-- believes no plaintext alert (RFC 8446 5: the server's records are
-- protected from then on), so the ServerHello followed by a plaintext alert
-- used to read as "unprotected alert after handshake keys were in use",
-- hiding the server's reason.
local tls = require "tls"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"

-- A server whose trace function raises at the event named.
local function failing_server(at)
   return E.server_engine { trace = function(ev)
      if ev.message == at then error("trace stops at " .. at, 0) end
   end }
end

describe("lead25: a TLS 1.3 server failing between its ServerHello and its write key", function()
   for _, at in ipairs { "ServerHello", "ChangeCipherSpec", "handshake secret" } do
      it("answers our client with a plaintext internal_error alone (trace raising at '" .. at .. "')", function()
         local c = E.client_engine()
         local s = failing_server(at)
         assert(c:start())
         assert.is_nil(s:feed(c:output()))
         local out = s:output()
         local records = B.parse_records(out)
         assert.equal(1, #records, "only the alert goes out")
         assert.equal(21, records[1].type)
         assert.equal("\2\80", records[1].body)
         assert.matches("trace stops at " .. at, (s:error()), 1, true)
         c:feed(out)
         assert.equal("peer sent alert internal_error (80)", (c:error()))
      end)
   end

   it("takes back the compatibility ChangeCipherSpec with it (a client that sent a session id)", function()
      local s = failing_server("handshake secret")
      local pub = B.x25519_keypair()
      assert.is_nil(s:feed(B.client_hello_record { session_id = string.rep("\7", 32),
         shares = { { 0x001d, pub } } }))
      local records = B.parse_records(s:output())
      assert.equal(1, #records)
      assert.equal(21, records[1].type)
      assert.equal("\2\80", records[1].body)
   end)

   for _, at in ipairs { "write key changed", "EncryptedExtensions" } do
      it("keeps its ServerHello once its write key exists, and protects the alert ('" .. at .. "')", function()
         local c = E.client_engine()
         local s = failing_server(at)
         assert(c:start())
         s:feed(c:output())
         local out = s:output()
         local records = B.parse_records(out)
         assert.equal(22, records[1].type, "the ServerHello")
         assert.equal(20, records[2].type, "the compatibility ChangeCipherSpec")
         assert.equal(23, records[#records].type, "the alert, protected")
         c:feed(out)
         assert.equal("peer sent alert internal_error (80)", (c:error()))
      end)
   end

   it("a handshake without failure is unchanged", function()
      local c, s = E.engines()
      assert(c:start())
      E.pump(c, s)
      assert.is_true(c:status().handshake_done and s:status().handshake_done)
   end)
end)

local T = require "spec.support.tls12_peer"

describe("lead25: conformance (review25a)", function()
   -- A hello's key_share for group g (a few bytes: the server never reads it).
   local function hello(groups, shares)
      return B.client_hello_record { groups = groups, shares = shares }
   end

   local function refused(bytes)
      local s = E.server_engine()
      local ok, msg = s:feed(bytes)
      assert.is_nil(ok)
      local _, alert = s:error()
      return msg, alert
   end

   it("refuses a TLS 1.3 hello offering only obsolete groups with illegal_parameter (RFC 8446 4.2.7)", function()
      for _, g in ipairs { 0x0001, 0x0015, 0x0016, 0x001a, 0x001c, 0xff01, 0xff02 } do
         local why = string.format("the client offers only obsolete groups (0x%04x...), which RFC 8446 4.2.7 "
            .. "says TLS 1.3 must not offer", g)
         local msg, alert = refused(hello({ g }, { { g, "\4" .. string.rep("\1", 56) } }))
         assert.equal("illegal_parameter", alert)
         assert.equal(why, msg)
         msg, alert = refused(hello({ g, 0x0013 }, {}))
         assert.equal("illegal_parameter", alert, string.format("0x%04x, empty key_share", g))
      end
   end)

   it("takes obsolete groups listed beside one it shares (clients that may fall back to TLS 1.2)", function()
      local pub = B.x25519_keypair()
      local s = E.server_engine()
      assert(s:feed(hello({ 0x0015, B.GROUP.x25519 }, { { B.GROUP.x25519, pub } })))
      local msgs = B.parse_handshakes(B.parse_records(s:output())[1].body)
      assert.equal(2, msgs[1].type, "a ServerHello")
   end)

   it("keeps handshake_failure for unknown groups, or obsolete ones beside an unknown one", function()
      for _, groups in ipairs { { 0x7a7a }, { 0x0015, 0x7a7a }, { 0x0a0a, 0x0016 } } do
         local msg, alert = refused(hello(groups, {}))
         assert.equal("handshake_failure", alert)
         assert.equal("no key exchange group in common with the client", msg)
      end
   end)

   it("names an unknown group by its number", function()
      local msg = refused(B.client_hello_record { groups = { B.GROUP.x25519 }, shares = { { 0x7a7a, "\1" } } })
      assert.equal("key share for group 0x7a7a, which the client did not list in supported_groups", msg)
   end)

   it("says a TLS 1.2 Finished without ChangeCipherSpec is a handshake record read as plaintext", function()
      local s = E.server_engine()
      local k = T.client()
      assert(s:feed(k:hello()))
      k:server_flight(s:output())
      local ok, msg = s:feed(k:key_exchange { skip_ccs = true })
      assert.is_nil(ok)
      local _, alert = s:error()
      assert.equal("unexpected_message", alert)
      assert.matches("^expected ChangeCipherSpec, got a handshake record %(read as plaintext, ", msg)
   end)
end)
