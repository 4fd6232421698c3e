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

describe("review17: a TLS 1.2 ServerHello after our 0-RTT data", function()
   -- rfc8446#D.3: "A client that attempts to send 0-RTT data MUST fail a
   -- connection if it receives a ServerHello with TLS 1.2 or older." Our
   -- client used to go on with TLS 1.2, its ClientKeyExchange and alerts
   -- sealed under the 0-RTT key (a server rolled back to TLS 1.2 saw
   -- garbage and the user an unexplained unexpected_message).
   local tls = require "tls"
   local KEY = ("E"):rep(16) .. ("e"):rep(24) .. "01234567"
   local function store()
      return { get = function() end, put = function() end, delete = function() return true end }
   end

   it("fails the handshake with protocol_version, sent in the clear", function()
      local sctx = E.server_ctx { early_data = true, ticket_keys = { KEY }, session_store = store() }
      local cctx = assert(tls.context { mode = "client", ca = E.CERT, early_data = true })
      local session = E.first_session(cctx, sctx)
      local c = assert(tls.engine(cctx, { servername = "localhost", session = session }))
      assert(c:write_early("GET / early"))
      assert(c:start())
      local first = H.parse_records(c:output())
      assert.are.equal(23, first[#first].type) -- the early data went
      local s12 = E.server_engine { max_version = "TLSv1.2" }
      assert(s12:feed(first[1].raw))
      local ok, msg = c:feed(s12:output())
      E.assert_failed(c, ok, msg, "protocol_version",
         "server answered our 0-RTT data with TLS 1.2, which has no early data (RFC 8446 D.3): the data was "
         .. "not delivered; connect again without early data")
      local out = H.parse_records(c:output())
      assert.are.equal(1, #out)
      assert.are.equal(21, out[1].type)
      assert.are.equal("\2\70", out[1].body)
      assert.is_nil(s12:feed(out[1].raw))
      local _, alert, from_peer = s12:error()
      assert.are.equal("protocol_version", alert)
      assert.is_true(from_peer)
      assert.are_not.equal("accepted", c:info().early_data)
   end)

   it("still takes TLS 1.2 from a server when no early data was offered", function()
      local c = E.client_engine {}
      local s12 = E.server_engine { max_version = "TLSv1.2" }
      assert(c:start())
      pump(c, s12)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.are.equal("TLSv1.2", c:info().version)
   end)
end)

describe("review17: a server whose ciphers are all TLS 1.2 suites", function()
   -- A client offers only the versions it has suites for; the server
   -- answered every TLS 1.3-capable client (every modern one) with TLS 1.3
   -- and then "no cipher suite in common", and had it picked TLS 1.2 its
   -- random would have carried the downgrade sentinel, which such clients
   -- refuse (rfc8446#4.1.3): that server is a TLS 1.2 server.
   local SUITE12 = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"

   it("speaks TLS 1.2 to a client offering TLS 1.2 and 1.3, without the downgrade sentinel", function()
      local c = E.client_engine {}
      local s = E.server_engine { ciphers = SUITE12 }
      assert(c:start())
      assert(s:feed(c:output()))
      local hello = H.parse_records(s:output())[1].body
      assert.are.equal(2, hello:byte(1)) -- ServerHello
      assert.are_not.equal("DOWNGRD\1", hello:sub(5 + 2 + 24, 5 + 2 + 31))
      local c2 = E.client_engine {}
      local s2 = E.server_engine { ciphers = SUITE12 }
      assert(c2:start())
      pump(c2, s2)
      assert.is_true(c2:status().handshake_done, tostring(c2:error()))
      assert.is_true(s2:status().handshake_done, tostring(s2:error()))
      assert.are.equal("TLSv1.2", c2:info().version)
      assert.are.equal(SUITE12, c2:info().cipher)
   end)

   it("still marks its random when it could speak TLS 1.3 but the client offers only TLS 1.2", function()
      local c = E.client_engine { max_version = "TLSv1.2" }
      local s = E.server_engine {}
      assert(c:start())
      assert(s:feed(c:output()))
      local hello = H.parse_records(s:output())[1].body
      assert.are.equal("DOWNGRD\1", hello:sub(5 + 2 + 24, 5 + 2 + 31))
   end)

   it("takes a TLS_FALLBACK_SCSV client at TLS 1.2, its best version", function()
      -- the client's ClientHello with TLS_FALLBACK_SCSV (0x5600) added to its suites
      local c = E.client_engine { max_version = "TLSv1.2" }
      assert(c:start())
      local rec = H.parse_records(c:output())[1]
      local body = rec.body
      -- handshake header (4), version (2), random (32), session id
      local sid_len = body:byte(39)
      local at = 40 + sid_len
      local n = body:byte(at) * 256 + body:byte(at + 1)
      local suites = body:sub(at + 2, at + 1 + n) .. "\86\0"
      local rest = body:sub(at + 2 + n)
      local inner = body:sub(5, at - 1) .. u16(n + 2) .. suites .. rest
      local msg = "\1" .. string.char(0, #inner >> 8, #inner & 0xff) .. inner
      local s = E.server_engine { ciphers = SUITE12 }
      assert(s:feed(H.plain_record(22, msg)), tostring(select(1, s:error())))
      assert.is_false(s:status().failed)
      local refused = E.server_engine {}
      local ok = refused:feed(H.plain_record(22, msg))
      assert.is_nil(ok)
      local _, alert = refused:error()
      assert.are.equal("inappropriate_fallback", alert)
   end)
end)
