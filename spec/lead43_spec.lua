-- Session 43 (lead): a TLS 1.2 server with no suite in common names what the
-- client offers (review43b: a client offering only finite-field DHE, which
-- luatls lacks, got a bare "no TLS 1.2 cipher suite in common" and its
-- operator no hint where to look). The TLS 1.3 refusal shares the code.
local tls = require "tls"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"

local function refuse12(suites)
   local sv = E.server_engine()
   local ok, msg = sv:feed(B.client_hello_record { versions = { 0x0303 }, suites = suites, extra = { { 23, "" } } })
   return sv, ok, msg
end

describe("our TLS 1.2 server without a suite in common", function()
   it("names the DHE suites a client offers", function()
      local sv, ok, msg = refuse12 { 0x009e, 0xccaa, 0x00ff }
      E.assert_failed(sv, ok, msg, "handshake_failure", "no TLS 1.2 cipher suite in common with the client "
         .. "(it offers TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256)")
   end)

   it("gives unnamed suites in hex, three at most, leaving out GREASE, TLS 1.3 suites and signals", function()
      local sv, ok, msg = refuse12 { 0x1a1a, 0x1301, 0x0033, 0x00ff, 0x0039, 0x009f, 0x0067, 0x006b }
      E.assert_failed(sv, ok, msg, "handshake_failure", "no TLS 1.2 cipher suite in common with the client "
         .. "(it offers 0x0033, 0x0039, TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, ...)")
   end)

   it("names our own suites when 'ciphers' leaves out all the client offers", function()
      local sv = E.server_engine { ciphers = { "TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" } }
      local ok, msg = sv:feed(B.client_hello_record { versions = { 0x0303 }, suites = { 0xc02b },
                                                    extra = { { 23, "" } } })
      E.assert_failed(sv, ok, msg, "handshake_failure", "no TLS 1.2 cipher suite in common with the client "
         .. "(it offers TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)")
   end)

   it("a GREASE value with unequal bytes is a suite like any other", function()
      local sv, ok, msg = refuse12 { 0x1a2a }
      E.assert_failed(sv, ok, msg, "handshake_failure",
                      "no TLS 1.2 cipher suite in common with the client (it offers 0x1a2a)")
   end)
end)

describe("cipher names luatls knows but lacks", function()
   it("says a DHE suite in 'ciphers' is not supported rather than unknown", function()
      local ctx, err = tls.context { ciphers = { "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" } }
      assert.is_nil(ctx)
      assert.equal("ciphers: cipher suite 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256' is not supported", err)
   end)
end)
