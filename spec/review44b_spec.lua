-- Review 44b: our client against a hostile server's Certificate message,
-- TLS 1.3 and TLS 1.2. Each framing check here had no planted bug before
-- (mutate/mutations_review44b.lua): bytes after the certificate list, and
-- a TLS 1.3 entry whose extension block runs past the list, must be
-- decode_error (rfc8446#4.4.2, rfc5246#7.4.2), never a chain accepted.
local H = require "spec.support.hostile_server"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"
local T = require "spec.support.tls12_peer"

-- The client's reason when the server answers ALPN with `name` (raw bytes).
local function alpn_refusal(name)
   local s = H.new{ client = { alpn = { "h2" } } }
   s:hello()
   s:flight{ encrypted_extensions = { extensions = { { "alpn", H.vec(2, H.vec(1, name)) } } } }
   local msg, alert = s.engine:error()
   assert.equal("illegal_parameter", alert)
   return msg
end

describe("review44b: our TLS 1.3 client against a malformed Certificate", function()
   it("refuses bytes after the certificate list (decode_error)", function()
      local s = H.new{}
      s:hello()
      local entry = H.vec(3, s.chain[1]) .. H.vec(2, "")
      s:flight{ certificate = { body = H.vec(1, "") .. H.vec(3, entry) .. "\0" } }
      s:client_failed_with("decode_error", "^Certificate message is malformed$")
   end)

   it("refuses an entry whose extension block runs past the list (decode_error)", function()
      local s = H.new{}
      s:hello()
      -- The certificate itself is whole; its extensions' length says 4,
      -- and the list ends after the length.
      local entry = H.vec(3, s.chain[1]) .. H.u16(4)
      s:flight{ certificate = { body = H.vec(1, "") .. H.vec(3, entry) } }
      s:client_failed_with("decode_error", "^Certificate: malformed certificate entry$")
   end)

   it("refuses a certificate with a byte after its DER (bad_certificate)", function()
      local s = H.new{}
      s:hello()
      s:flight{ certificate = { chain = { s.chain[1] .. "\0" } } }
      s:client_failed_with("bad_certificate", "^peer certificate cannot be parsed")
   end)
end)

describe("review44b: our TLS 1.2 client against a malformed Certificate", function()
   it("refuses bytes after the certificate list (decode_error)", function()
      local c = E.client_engine()
      assert(c:start())
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, flight = function(f)
         f[2] = B.handshake(T.HS.certificate, B.vec(3, B.vec(3, T.der(E.CERT))) .. "\0")
         return f
      end }
      local ok, msg = c:feed(fake:answer(c:output()))
      E.assert_refused(c, ok, msg, "decode_error", "Certificate message is malformed")
   end)
end)

-- A hostile server's bytes reach error messages and traces only through
-- tls_sanitize: what is not UTF-8 becomes one '?' per byte, so that no
-- overlong form (a disguised control character), UTF-16 surrogate or value
-- past U+10FFFF is handed on to a terminal, log or JSON encoder.
describe("review44b: peer text that is not UTF-8, in the client's reason", function()
   local function said(name)
      return alpn_refusal(name):match("^server chose ALPN protocol '(.*)', which we did not offer$")
   end

   it("keeps valid UTF-8 of two, three and four bytes", function()
      assert.equal("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", said("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"))
   end)

   it("replaces an overlong form byte by byte ('A' and LF in two bytes, '/' in three)", function()
      assert.equal("??", said("\xc1\x81"))
      assert.equal("??", said("\xc0\x8a"))
      assert.equal("???", said("\xe0\x80\xaf"))
   end)

   it("replaces a UTF-16 surrogate byte by byte", function()
      assert.equal("???", said("\xed\xa0\x80"))
   end)

   it("replaces a value past U+10FFFF byte by byte", function()
      assert.equal("????", said("\xf4\x90\x80\x80"))
   end)
end)

-- review44b F1: the list of a certificate's names in a refusal is cut to
-- fit its buffer; the cut fell inside a UTF-8 character of a hostile
-- server's subjectAltName, and e:error() ended with half of it (a lone
-- 0xC3), invalid UTF-8 that sanitising had promised never to pass on.
describe("review44b: a certificate's long UTF-8 names in the client's refusal", function()
   it("are cut before a character, never inside one", function()
      -- untagged list of 194 bytes at most (199, less the room kept for "..."
      -- since session 48): "aaa" and 95 whole e-acutes fit (193 bytes), the
      -- 194th byte is the first of the 96th
      local leaf = H.issue_leaf("r44b_utf8_san", "DNS:aaa" .. ("\195\169"):rep(120), "serverAuth")
      local s = H.new{ cert = leaf.cert, key = leaf.key }
      s:hello()
      s:flight()
      local msg, alert = s.engine:error()
      assert.equal("bad_certificate", alert)
      assert.is_not_nil(utf8.len(msg), "not UTF-8: " .. msg)
      assert.equal("host name mismatch: expected localhost, certificate is for aaa" .. ("\195\169"):rep(95) .. "...", msg)
   end)
end)

-- review44b F2: a reason longer than its 512 bytes is cut by vsnprintf,
-- which could end it inside a UTF-8 character of the peer text it quotes.
-- The longest a hostile server can make: its CA's nameConstraints refused,
-- naming that CA, the leaf's subject and names, all in UTF-8.
describe("review44b: a refusal cut at its 512 bytes", function()
   local pki_mod = require "spec.support.pki"
   local made
   local function pki()
      if made then return made end
      local p = pki_mod.new()
      local f = assert(io.open(p:path("ext.cnf"), "ab"))
      f:write("[ nc_example ]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n"
         .. "nameConstraints = critical,permitted;DNS:example.com\n")
      f:close()
      local e = ("\195\169"):rep(60)
      p:ca("root", "ec256", "/CN=review44b root")
      p:key("nc", "ec256")
      p:issue("nc", "/CN=" .. e .. "/O=" .. e, "root", { ext = "nc_example", utf8 = true })
      for i, prefix in ipairs { "x", "xx" } do
         p:key("leaf" .. i, "ec256")
         p:issue("leaf" .. i, "/CN=" .. prefix .. e .. "/O=" .. e, "nc", { utf8 = true, san = "DNS:localhost" })
         p:bundle("chain" .. i, "leaf" .. i, "nc")
      end
      made = p
      return p
   end

   it("ends before a character it would cut, whichever byte the cut falls on", function()
      local p = pki()
      for i = 1, 2 do
         local s = H.new{ cert = p:path("chain" .. i .. ".pem"), key = p:path("leaf" .. i .. ".key"),
                          client = { ca = p:path("root.pem") } }
         s:hello()
         s:flight()
         local msg, alert = s.engine:error()
         assert.equal("bad_certificate", alert)
         assert.matches("^certificate verification failed: permitted subtree violation: the name constraints of ",
                        msg)
         assert.is_true(#msg >= 510 and #msg <= 511, "not cut: " .. #msg .. " bytes")
         assert.is_not_nil(utf8.len(msg), "not UTF-8 (" .. i .. "): " .. msg)
      end
   end)
end)
