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
