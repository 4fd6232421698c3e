-- Review 45b: our server against a hostile or buggy client, TLS 1.3 and
-- TLS 1.2. Most of the server's refusals already had a spec and a planted
-- bug; these are the ones that had neither a spec nor a bug that a spec
-- kills (mutate/mutations_review45b.lua plants one for each).
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"

-- A server engine fed `bytes`: whether it took them, its alert and reason.
local function serve(bytes, opts)
   local e = E.server_engine(opts)
   local ok, why = e:feed(bytes)
   local _, alert = e:error()
   return ok, alert, why, e
end

-- A TLS 1.2 ClientHello record (ECDHE_ECDSA AES-128-GCM, x25519) whose
-- extended_master_secret extension carries `ems`.
local function ch12(ems)
   return B.client_hello_record { suites = { 0xc02b }, extensions = {
      { 10, B.vec(2, B.list16 { 0x001d, 0x0017 }) }, { 11, B.vec(1, "\0") },
      { 13, B.vec(2, B.list16 { 0x0403, 0x0804 }) }, { 23, ems } } }
end

describe("review45b: a ClientHello's extended_master_secret must be empty (RFC 7627 5.1)", function()
   local REASON = "ClientHello extended_master_secret is not empty"

   it("is decode_error with a body in a TLS 1.2 ClientHello, whatever the body", function()
      for _, body in ipairs { "\0", "\0\0", ("x"):rep(40) } do
         local ok, alert, why, e = serve(ch12(body))
         assert.is_nil(ok)
         assert.equal("decode_error", alert)
         assert.equal(REASON, why)
         assert.truthy(#e:output() > 0, "no alert was sent")
      end
   end)

   it("is decode_error with a body in a TLS 1.3 ClientHello too (the form is checked before the version)", function()
      local ok, alert, why = serve(B.client_hello_record { extra = { { 23, "\0" } } })
      assert.is_nil(ok)
      assert.equal("decode_error", alert)
      assert.equal(REASON, why)
   end)

   it("is taken empty, and then makes an extended master secret", function()
      local ok, _, why, e = serve(ch12(""))
      assert.is_true(ok, why)
      assert.is_false(e:status().failed)
      -- the ServerHello echoes the (empty) extension
      assert.equal("", B.first_server_hello(e:output()).ext[23])
   end)
end)
