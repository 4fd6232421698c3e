-- Session 29.
--   review28c I8: a client whose only TLS 1.3 suites are ones we lack
--   (TLS_AES_128_CCM_SHA256, as `openssl s_client -ciphersuites` can make)
--   but whose TLS 1.2 suites are ours was refused with "no cipher suite in
--   common with the client": true of TLS 1.3, where it is refused (answering
--   TLS 1.2 needs the downgrade sentinel, which such a client refuses), but
--   it sent the operator to the TLS 1.2 list. The reason names the client's
--   TLS 1.3 suites now.
local tls = require "tls"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"

describe("a client offering TLS 1.3 with none of our TLS 1.3 suites", function()
   local function refused(suites)
      local sv = E.server_engine()
      local ok, msg = sv:feed(B.client_hello_record { suites = suites })
      E.assert_failed(sv, ok, msg, "handshake_failure")
      return msg
   end

   it("names the TLS 1.3 suites it offers, not the TLS 1.2 ones we share", function()
      assert.equal("no TLS 1.3 cipher suite in common with the client (it offers TLS_AES_128_CCM_SHA256)",
         refused { 0x1304, 0xc02b, 0xc02f })
      assert.equal("no TLS 1.3 cipher suite in common with the client (it offers TLS_AES_128_CCM_SHA256, "
         .. "TLS_AES_128_CCM_8_SHA256, 0x13aa, ...)", refused { 0xc02b, 0x1304, 0x1305, 0x13aa, 0x1399 })
   end)

   it("says when it offers no TLS 1.3 suite at all", function()
      assert.equal("the client offers TLS 1.3 but no TLS 1.3 cipher suite", refused { 0x009c })
   end)

   it("names only what our own `ciphers` leave out when the client's suite is one we disabled", function()
      local sv = E.server_engine { ciphers = "TLS_AES_256_GCM_SHA384" }
      local ok, msg = sv:feed(B.client_hello_record { suites = { 0x1301 } })
      E.assert_failed(sv, ok, msg, "handshake_failure",
         "no TLS 1.3 cipher suite in common with the client (it offers TLS_AES_128_GCM_SHA256)")
   end)

   it("still shakes hands when one TLS 1.3 suite is shared among ones we lack", function()
      local sv = E.server_engine()
      assert(sv:feed(B.client_hello_record { suites = { 0x1304, 0x1305, 0x1303 } }))
      assert.is_false(sv:status().failed)
      assert.truthy(#sv:output() > 0)
      assert.equal("TLS_CHACHA20_POLY1305_SHA256", sv:info().cipher)
   end)
end)
