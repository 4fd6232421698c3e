-- lead41: a Certificate message over 64 KiB. Real chains pass it (a leaf
-- naming 1500 hosts is 77 KB; OpenSSL accepts 100 KiB), and our own server
-- sent such a chain that our client refused ("Certificate message of 76968
-- bytes is larger than the 65536 we accept", review41d). A Certificate where
-- one is expected may now be 128 KiB, on both sides and both versions;
-- other messages, and a Certificate out of place, keep the 64 KiB limit.
local tls = require "tls"
local certs = require "spec.support.certs"
local bigcert = require "spec.support.bigcert"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"

local function pem(path) return proc.read_file(path) end

describe("lead41: a Certificate message over 64 KiB", function()
   after_each(proc.kill_all)
   local ca, big
   setup(function()
      ca = pem(certs.get().ca)
      big = bigcert.get(1500)
      local der_len = #assert(tls.certificate(pem(big.cert))):der()
      assert.is_true(der_len > 65536, "the big certificate is only " .. der_len .. " bytes")
   end)

   for _, version in ipairs { "1.3", "1.2" } do
      it("from a server is taken by our client, TLS " .. version, function()
         local cctx = assert(tls.context { mode = "client", ca = ca, min_version = "TLSv" .. version, max_version = "TLSv" .. version })
         local c = assert(tls.engine(cctx, { servername = "localhost" }))
         local s = E.server_engine { certificate = pem(big.cert), key = pem(big.key), min_version = "TLSv" .. version, max_version = "TLSv" .. version }
         E.handshake(c, s)
         assert.equal(version == "1.3" and "TLSv1.3" or "TLSv1.2", c:info().version)
         local chain = assert(c:verifiedchain())
         assert.equal(2, #chain)
      end)

      it("from a client is taken by our server, TLS " .. version, function()
         local cctx = assert(tls.context { mode = "client", ca = E.CERT, min_version = "TLSv" .. version, max_version = "TLSv" .. version,
            certificate = pem(big.cert), key = pem(big.key) })
         local c = assert(tls.engine(cctx, { servername = "localhost" }))
         local s = E.server_engine { ca = ca, verify = "required", min_version = "TLSv" .. version, max_version = "TLSv" .. version }
         E.handshake(c, s)
         assert.truthy(s:peercertificate())
      end)
   end

   it("from openssl s_server is taken by our client", function()
      local _, port = peers.s_server("-tls1_3 -www", nil, big)
      local conn = peers.connect(port, peers.client_ctx(ca))
      assert.equal(2, #assert(conn:verifiedchain()))
      conn:close()
   end)

   it("is refused past 128 KiB, before it has all arrived", function()
      -- A TLS 1.2 client waiting for the server's Certificate, which comes
      -- in plaintext records: the ServerHello, then a header naming 2^17 + 1.
      local cctx = assert(tls.context { mode = "client", ca = E.CERT, max_version = "TLSv1.2" })
      local c = assert(tls.engine(cctx, { servername = "localhost" }))
      local s = E.server_engine { max_version = "TLSv1.2" }
      assert(c:start())
      assert(s:feed(c:output()))
      local flight = s:output()
      local sh_len = flight:byte(7) * 65536 + flight:byte(8) * 256 + flight:byte(9)
      local server_hello = flight:sub(6, 9 + sh_len)
      local body = 128 * 1024 + 1
      local header = string.char(11, body >> 16 & 255, body >> 8 & 255, body & 255)
      local ok, msg = c:feed(B.record(22, server_hello .. header))
      assert.falsy(ok)
      assert.matches("Certificate message of 131073 bytes is larger than the 131072 we accept", msg, 1, true)
   end)

   it("out of place keeps the 64 KiB limit: a server waiting for a ClientHello", function()
      local s = E.server_engine {}
      local body = 65536 + 1
      local header = string.char(11, body >> 16 & 255, body >> 8 & 255, body & 255)
      local ok, msg = s:feed(B.record(22, header))
      assert.falsy(ok)
      assert.matches("Certificate message of 65537 bytes is larger than the 65536 we accept", msg, 1, true)
   end)
end)
