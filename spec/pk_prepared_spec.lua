-- The prepared signing and verification contexts of csrc/crypto/tls_sig.c
-- (session 13): one client context meets the same server key (one parsed
-- certificate, through the certificate cache) under several schemes in
-- turn, and one server key signs under several schemes in turn. Each
-- handshake must still verify, with the scheme it negotiated: a context
-- kept for one scheme must never serve another.
local tls = require "tls"
local E = require "spec.support.engines"

local RSA_CERT, RSA_KEY = assert(tls.selfsigned { names = { "localhost" }, key = "rsa" })
local SCHEMES = { "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512",
                  "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha512" }

local function handshake(cctx, sctx)
   local c = assert(tls.engine(cctx, { servername = "localhost" }))
   local s = assert(tls.engine(sctx))
   E.handshake(c, s)
   return c, s
end

describe("prepared signature contexts", function()
   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("one client verifies one server key under each scheme in turn (" .. version .. ")", function()
         local cctx = assert(tls.context { mode = "client", ca = RSA_CERT,
                                           min_version = version, max_version = version })
         for _, scheme in ipairs(SCHEMES) do
            local sctx = assert(tls.context { mode = "server", certificate = RSA_CERT, key = RSA_KEY,
                                              sigalgs = scheme })
            local c, s = handshake(cctx, sctx)
            assert.equal(scheme, c:info().signature)
            assert.equal(scheme, s:info().signature)
         end
      end)

      it("one server key signs under each scheme in turn (" .. version .. ")", function()
         local sctx = assert(tls.context { mode = "server", certificate = RSA_CERT, key = RSA_KEY })
         for _, scheme in ipairs(SCHEMES) do
            local cctx = assert(tls.context { mode = "client", ca = RSA_CERT, sigalgs = scheme,
                                              min_version = version, max_version = version })
            local c, s = handshake(cctx, sctx)
            assert.equal(scheme, c:info().signature)
            assert.equal(scheme, s:info().signature)
         end
      end)
   end
end)
