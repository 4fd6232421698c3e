-- ECDSA on P-521: ecdsa_secp521r1_sha512 (0x0603, RFC 8446 §4.2.3) signed
-- and verified, and P-521 server keys (session 14; the conformance sweep
-- found a TLS 1.2 peer offering only ECDSA+SHA512 refused). In TLS 1.3 the
-- scheme binds the curve; in TLS 1.2 ECDSA+SHA512 fits any curve.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local E = require "spec.support.engines"
local certs = require "spec.support.certs"

local p521, CERT, KEY

local function engines(copts, sopts)
   local cctx = assert(tls.context(E.merge({ mode = "client", ca = CERT }, copts)))
   local sctx = assert(tls.context(E.merge({ mode = "server", certificate = CERT, key = KEY }, sopts)))
   return assert(tls.engine(cctx, { servername = "localhost" })), assert(tls.engine(sctx))
end

describe("ECDSA P-521", function()
   setup(function()
      p521 = certs.ec_selfsigned("P-521")
      CERT, KEY = p521.cert, p521.key
   end)
   teardown(function() p521.remove() end)
   after_each(proc.kill_all)

   it("a P-521 server key signs with ecdsa_secp521r1_sha512 in TLS 1.3", function()
      local c, s = E.handshake(engines())
      assert.equal("ecdsa_secp521r1_sha512", c:info().signature)
      assert.equal("ecdsa_secp521r1_sha512", s:info().signature)
   end)

   it("a P-521 server key signs in TLS 1.2 for a client that offers secp521r1", function()
      local c = E.handshake(engines({ max_version = "TLSv1.2", groups = "x25519:secp521r1" }))
      assert.equal("TLSv1.2", c:info().version)
      assert.equal("ecdsa_secp256r1_sha256", c:info().signature)
   end)

   it("TLS 1.3 binds the curve: a P-256 key never signs under 0x0603", function()
      local c, s = E.engines({ sigalgs = "ecdsa_secp521r1_sha512" })
      assert(c:start())
      E.pump(c, s)
      assert.is_false(s:status().handshake_done)
      assert.equal("no signature algorithm in common with the client for our certificate", (s:error()))
   end)

   it("TLS 1.2: ECDSA+SHA512 from a P-256 key, both ways", function()
      local c, s = E.connected({ max_version = "TLSv1.2", sigalgs = "ecdsa_secp521r1_sha512" })
      assert.equal("ecdsa_secp521r1_sha512", c:info().signature)
      assert.equal("ecdsa_secp521r1_sha512", s:info().signature)
   end)

   it("our client verifies openssl s_server's P-521 signature (TLS 1.3)", function()
      local _, port = peers.s_server(("-cert %s -key %s -www -tls1_3"):format(CERT, KEY))
      local ctx = assert(tls.context { mode = "client", ca = CERT })
      local conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 }))
      assert.equal("ecdsa_secp521r1_sha512", conn:info().signature)
      conn:close()
   end)

   it("openssl s_client verifies our P-521 signature, and ECDSA+SHA512 in TLS 1.2", function()
      local hi = proc.tmpname()
      proc.write_file(hi, "hi\n")
      for _, case in ipairs {
         { "-tls1_3", CERT, KEY, CERT, "Hash used: SHA512" },
         { "-tls1_2 -sigalgs ECDSA+SHA512", E.CERT, E.KEY, nil, "Hash used: SHA512" },
      } do
         local sctx = assert(tls.context { mode = "server", certificate = case[2], key = case[3] })
         local srv = assert(tls.listen("127.0.0.1", 0, sctx))
         local _, port = srv:getsockname()
         local ca = case[4] or proc.tmpname()
         if not case[4] then proc.write_file(ca, E.CERT) end
         local h = proc.spawn(("openssl s_client -connect 127.0.0.1:%d %s -CAfile %s -verify_return_error -brief")
            :format(port, case[1], proc.quote(ca)), { stdin = hi })
         local conn = assert(srv:accept())
         conn:settimeout(10)
         assert(conn:handshake())
         assert.equal("hi", conn:receive("*l"))
         conn:close()
         srv:close()
         proc.wait_output(h, "Verification: OK")
         assert.truthy(h:output():find(case[5], 1, true), h:output())
      end
   end)
end)
