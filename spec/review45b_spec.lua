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

-- rfc8446#4.2.11: "the server MUST ensure that it selects a compatible PSK
-- (if any) and cipher suite". After a HelloRetryRequest the suite is fixed
-- (rfc8446#4.1.4); a PSK offered in the second ClientHello whose hash is
-- not that suite's is declined, never resumed under the suite.
describe("review45b: a second ClientHello offering a PSK of another hash than the HelloRetryRequest's suite", function()
   local P = require "spec.support.psk13"
   local tls = require "tls"
   local KEY = tls.ticketkeys.generate()
   local AES128, AES256 = B.SUITE.aes128gcm, B.SUITE.aes256gcm

   it("is declined: a full handshake under the suite the HelloRetryRequest chose", function()
      local tickets = P.full(E.server_engine { ticket_keys = { KEY } }, { suites = { AES256 } })
      local t = tickets[1]
      assert.equal("TLS_AES_256_GCM_SHA384", t.suite)
      local o, events = E.traced { ticket_keys = { KEY }, groups = "x25519" }
      local sv = E.server_engine(o)
      local cl = P.client()
      local hello = { server_name = "localhost", suites = { AES128, AES256 },
                      groups = { B.GROUP.secp256r1, B.GROUP.x25519 } }
      -- the first ClientHello offers no PSK and a secp256r1 share only
      assert(sv:feed(cl:hello(E.merge({ shares = { { B.GROUP.secp256r1, "\4" .. ("\1"):rep(64) } } }, hello))))
      local hrr = cl:receive(sv:output())
      assert.is_true(hrr.hrr)
      assert.equal(AES128, hrr.sh.suite)
      local ok, msg = sv:feed(cl:hello(E.merge({ psks = { t } }, hello)))
      assert.is_true(ok, msg)
      assert.is_false(sv:status().failed)
      local sh = B.first_server_hello(sv:output())
      assert.equal(AES128, sh.suite)
      assert.is_nil(sh.ext[41], "the ServerHello selects the PSK")
      local decided = {}
      for _, ev in ipairs(events) do
         if ev.message == "resumption" then decided[#decided + 1] = ev.result .. ": " .. ev.reason end
      end
      assert.same({ "full handshake: ticket 0: no cipher suite in common with the client has the session's hash "
                    .. "(SHA2-384)" }, decided)
   end)
end)
