-- Review 17: defects found by the session 17 security and conformance
-- review, each with the check that now holds.
local H = require "spec.support.hostile_server"
local E = require "spec.support.engines"

local function u16(v) return string.char((v >> 8) & 0xff, v & 0xff) end

-- The records of bytes whose content type is ctype, concatenated.
local function records_of(bytes, ctype)
   local out = {}
   for _, r in ipairs(H.parse_records(bytes)) do
      if r.type == ctype then out[#out + 1] = r.raw end
   end
   return table.concat(out)
end

-- Moves bytes between two engines until neither has output left.
local function pump(a, b)
   for _ = 1, 20 do
      local x, y = a:output(), b:output()
      if x == "" and y == "" then return end
      if x ~= "" then b:feed(x) end
      if y ~= "" then a:feed(y) end
   end
end

describe("review17: a TLS 1.2 ServerHello after a TLS 1.3 HelloRetryRequest", function()
   -- rfc8446#4.1.4: the version of the HelloRetryRequest must be kept in
   -- the ServerHello. A HelloRetryRequest (unauthenticated, any one on the
   -- path can send it) followed by a TLS 1.2-only server's answer used to
   -- be taken as a TLS 1.2 handshake under TLS 1.3 state.
   local function retried_client()
      local c = E.client_engine{ groups = "x25519:secp256r1" }
      assert(c:start())
      local ch = H.parse_client_hello(H.parse_records(c:output())[1].body)
      local exts = H.extensions{ { H.EXT.supported_versions, u16(0x0304) }, { H.EXT.key_share, u16(23) } }
      local body = u16(0x0303) .. H.HRR_RANDOM .. string.char(#ch.session_id) .. ch.session_id
         .. u16(0x1301) .. "\0" .. u16(#exts) .. exts
      assert(c:feed(H.plain_record(22, H.handshake(H.HS.server_hello, body))))
      return c
   end

   it("is refused with illegal_parameter (a crafted ServerHello)", function()
      local c = retried_client()
      c:output()
      local exts = H.extensions{ { 0x17, "" }, { 0xff01, "\0" } }
      local body = u16(0x0303) .. string.rep("\1", 32) .. "\0" .. u16(0xc02b) .. "\0" .. u16(#exts) .. exts
      local ok, msg = c:feed(H.plain_record(22, H.handshake(H.HS.server_hello, body)))
      E.assert_failed(c, ok, msg, "illegal_parameter", "ServerHello after a TLS 1.3 HelloRetryRequest chose another version")
   end)

   it("is refused with illegal_parameter (a TLS 1.2-only server's answer to the second ClientHello)", function()
      local c = retried_client()
      local s = E.server_engine{ max_version = "TLSv1.2" }
      assert(s:feed(records_of(c:output(), 22)))
      local ok, msg = c:feed(s:output())
      E.assert_failed(c, ok, msg, "illegal_parameter", "ServerHello after a TLS 1.3 HelloRetryRequest chose another version")
      pump(c, s)
      assert.is_false(c:status().handshake_done)
      local _, alert, from_peer = s:error()
      assert.are.equal("illegal_parameter", alert)
      assert.is_true(from_peer)
   end)
end)
