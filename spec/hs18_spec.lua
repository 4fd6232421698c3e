-- Session 18: a connection negotiates and verifies with the settings its
-- context had when the connection was made (engine/tls_conn_int.h,
-- tls_policy). The context's setters (ctx:set_suites, set_groups,
-- set_sigalgs, set_versions, set_alpn, set_verify, ...) may run while one of
-- its connections is in the middle of a handshake: the client still checks
-- the server's choices against what its own ClientHello offered
-- (rfc8446#4.1.3, #4.1.4, #4.2.3, rfc7301#3.2, rfc5246#7.4.1.3, #7.4.3:
-- illegal_parameter), and neither side's verification is weakened.
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local E = require "spec.support.engines"
local H = require "spec.support.hostile_server"
local certs = require "spec.support.certs"

local function fails_with(s, alert, pattern) s:client_failed_with(alert, pattern) end

-- ALPN ProtocolNameList content, as ctx:set_alpn takes it.
local function alpn_wire(names)
   local out = {}
   for _, n in ipairs(names) do out[#out + 1] = string.char(#n) .. n end
   return table.concat(out)
end

describe("hs18: a client widened after its ClientHello still checks what it offered", function()
   it("refuses a suite it did not offer, though its context now lists it", function()
      local s = H.new{ client = { ciphers = "TLS_AES_128_GCM_SHA256" } }
      assert(CTXM.set_suites(s.ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"))
      s:hello{ suite = "TLS_AES_256_GCM_SHA384" }
      fails_with(s, "illegal_parameter", "cipher suite 0x1302, not offered")
   end)

   it("refuses a HelloRetryRequest for a group it did not offer, though its context now lists it", function()
      local s = H.new{ client = { groups = "x25519:secp256r1" } }
      assert(CTXM.set_groups(s.ctx, "x25519:secp256r1:secp384r1"))
      s:retry{ group = "secp384r1" }
      fails_with(s, "illegal_parameter", "HelloRetryRequest asks for group secp384r1")
   end)

   it("refuses a CertificateVerify scheme it did not offer, though its context now lists it", function()
      local s = H.new{ leaf = "rsa2048", scheme = "rsa_pss_rsae_sha256",
                       client = { sigalgs = "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha384" } }
      assert(CTXM.set_sigalgs(s.ctx, "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha256"))
      s:hello()
      s:flight()
      fails_with(s, "illegal_parameter", "signed with rsa_pss_rsae_sha256, which we did not offer")
   end)

   it("refuses an ALPN protocol it did not offer, though its context now lists it", function()
      local s = H.new{ client = { alpn = { "h2" } } }
      assert(CTXM.set_alpn(s.ctx, alpn_wire { "h2", "http/1.1" }))
      s:hello()
      s:flight{ encrypted_extensions = { extensions = { { "alpn", H.vec(2, H.vec(1, "http/1.1")) } } } }
      fails_with(s, "illegal_parameter", "server chose ALPN protocol 'http/1.1', which we did not offer")
   end)

   it("keeps verifying the server after set_verify(false)", function()
      local s = H.new{ cert = E.CERT, key = E.KEY }
      CTXM.set_verify(s.ctx, false)
      s:hello()
      s:flight()
      local st = s.engine:status()
      assert.is_true(st.failed, "the client took an untrusted certificate")
      local msg, name = s.engine:error()
      assert.are.equal("unknown_ca", name, msg)
   end)

   it("a context's later setting applies to its next connection", function()
      local cctx = assert(tls.context { ca = certs.get().ca })
      local c1 = assert(tls.engine(cctx, { servername = "localhost" }))
      assert(c1:start())
      CTXM.set_verify(cctx, false)
      local c2 = assert(tls.engine(cctx, { servername = "localhost" }))
      local s1, s2 = E.server_engine(), E.server_engine()
      E.pump(c1, s1)
      assert.is_true(c1:status().failed, "the first connection took an untrusted certificate")
      E.handshake(c2, s2)
   end)
end)

describe("hs18: a client narrowed after its ClientHello takes what it offered", function()
   local function narrowed(version, change)
      local cctx = assert(tls.context { ca = E.CERT, max_version = version, alpn = { "h2", "http/1.1" },
                                       ciphers = version == "TLSv1.2" and "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
                                                 or "TLS_AES_128_GCM_SHA256",
                                       groups = "secp256r1" })
      local c = assert(tls.engine(cctx, { servername = "localhost" }))
      local s = E.server_engine { alpn = { "h2" } }
      assert(c:start())
      local hello = c:output()
      change(cctx)
      assert(s:feed(hello))
      E.pump(c, s, { strict = true })
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.are.equal("h2", c:info().alpn)
      return c
   end

   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(version .. ": suites, groups, signature schemes and ALPN changed mid-handshake", function()
         local c = narrowed(version, function(cctx)
            assert(CTXM.set_suites(cctx, version == "TLSv1.2" and "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
                                   or "TLS_AES_256_GCM_SHA384"))
            assert(CTXM.set_groups(cctx, "x25519"))
            assert(CTXM.set_sigalgs(cctx, "ed25519"))
            assert(CTXM.set_alpn(cctx, alpn_wire { "spdy/3" }))
         end)
         assert.are.equal(version, c:info().version)
      end)
   end

   it("TLSv1.2: the ServerKeyExchange group and scheme are judged against the ClientHello", function()
      narrowed("TLSv1.2", function(cctx)
         assert(CTXM.set_groups(cctx, "x25519"))
      end)
      narrowed("TLSv1.2", function(cctx)
         assert(CTXM.set_sigalgs(cctx, "ed25519"))
      end)
   end)

end)

describe("hs18: a server keeps its policy through a handshake", function()
   -- The client sends no certificate; the server was told to require one and is switched off mid-handshake.
   for _, case in ipairs {
      { version = "TLSv1.3", alert = "certificate_required" },
      { version = "TLSv1.2", alert = "handshake_failure" },
   } do
      it(case.version .. ": still requires a client certificate after set_verify(false)", function()
         local sctx = E.server_ctx { verify = "required", ca = E.CERT, max_version = case.version }
         local cctx = assert(tls.context { ca = E.CERT })
         local c = assert(tls.engine(cctx, { servername = "localhost" }))
         local s = assert(tls.engine(sctx))
         assert(c:start())
         assert(s:feed(c:output()))
         CTXM.set_verify(sctx, false)
         E.pump(s, c)
         assert.is_true(s:status().failed, "the server took a client without a certificate")
         local msg, name = s:error()
         assert.are.equal(case.alert, name, msg)
      end)
   end

   it("a servername switch takes the chosen context's settings", function()
      local other = E.server_ctx { alpn = { "http/1.1" } }
      local sctx = E.server_ctx { alpn = { "h2" }, servername = function() return other end }
      local cctx = assert(tls.context { ca = E.CERT, alpn = { "h2", "http/1.1" } })
      local c = assert(tls.engine(cctx, { servername = "localhost" }))
      local s = assert(tls.engine(sctx))
      E.handshake(c, s)
      assert.are.equal("http/1.1", c:info().alpn)
   end)
end)

-- rfc5246#7.4.1.1: "This message will be ignored by the client if the
-- client is currently negotiating a session." Before the ServerHello a
-- client offering TLS 1.2 cannot know the server will not speak it.
describe("hs18: a HelloRequest before the ServerHello", function()
   local HELLO_REQUEST = H.handshake(H.HS.hello_request or 0, "")

   it("is ignored by a client offering TLS 1.3 and 1.2, and left out of the transcript", function()
      local s = H.new{}
      assert(s:send(HELLO_REQUEST))
      assert(s:send(HELLO_REQUEST .. HELLO_REQUEST))
      assert.is_false(s.engine:status().failed, tostring(s.engine:error()))
      s:handshake()
      assert.is_true(s.engine:status().handshake_done, tostring(s.engine:error()))
      assert.are.equal("TLSv1.3", s.engine:info().version)
   end)

   it("is ignored by a TLS 1.2 client", function()
      local c, sv = E.engines({ max_version = "TLSv1.2" }, nil)
      assert(c:start())
      assert(sv:feed(c:output()))
      assert(c:feed(H.plain_record(H.CT.handshake, HELLO_REQUEST) .. sv:output()))
      E.pump(c, sv, { strict = true })
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.are.equal("TLSv1.2", c:info().version)
   end)

   it("is refused when it is not empty", function()
      local s = H.new{}
      s:send(H.handshake(0, "x"))
      fails_with(s, "decode_error", "HelloRequest is not empty")
   end)

   it("is refused past a bound, so a flood costs the server its connection", function()
      local s = H.new{}
      s:send(HELLO_REQUEST:rep(40))
      fails_with(s, "unexpected_message", "too many HelloRequest messages")
   end)

   it("is unexpected to a client offering only TLS 1.3", function()
      local s = H.new{ client = { min_version = "TLSv1.3" } }
      s:send(HELLO_REQUEST)
      fails_with(s, "unexpected_message", "HelloRequest")
   end)

   it("is unexpected after a HelloRetryRequest (the server chose TLS 1.3)", function()
      local s = H.new{ client = { groups = "x25519:secp256r1" } }
      assert(s:retry{ group = "secp256r1" })
      s:send(HELLO_REQUEST)
      fails_with(s, "unexpected_message", "HelloRequest")
   end)
end)

-- rfc4343#3 / rfc6066#3: the server name a session was made for is a DNS
-- name, compared without regard to ASCII case.
describe("hs18: resumption under the same server name in another case", function()
   local function session_for(cctx, sctx, name)
      local c = assert(tls.engine(cctx, { servername = name }))
      local s = assert(tls.engine(sctx))
      E.handshake(c, s)
      assert(s:write("x"))
      E.pump(s, c, { strict = true })
      assert.equal("x", c:read())
      return assert(c:session())
   end

   local function resumed(cctx, sctx, name, session)
      local c = assert(tls.engine(cctx, { servername = name, session = session }))
      local s = assert(tls.engine(sctx))
      E.handshake(c, s)
      return c:info().resumed, s:info().resumed
   end

   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(version .. ": a session made for Example.COM resumes for example.com", function()
         local cctx = assert(tls.context { verify = false, max_version = version })
         local sctx = E.server_ctx()
         local session = session_for(cctx, sctx, "Example.COM")
         local cr, sr = resumed(cctx, sctx, "example.com", session)
         assert.is_true(cr)
         assert.is_true(sr)
         cr, sr = resumed(cctx, sctx, "EXAMPLE.com", session)
         assert.is_true(cr and sr)
      end)

      it(version .. ": a session made for example.com does not resume for example.co or exampld.com", function()
         local cctx = assert(tls.context { verify = false, max_version = version })
         local sctx = E.server_ctx()
         local session = session_for(cctx, sctx, "example.com")
         for _, other in ipairs { "example.co", "exampld.com", "example.com.x" } do
            local cr, sr = resumed(cctx, sctx, other, session)
            assert.is_false(cr, other)
            assert.is_false(sr, other)
         end
      end)
   end
end)

describe("hs18: a client's chain checks keep the settings it started with", function()
   it("security_level lowered mid-handshake still refuses a SHA-1 signed leaf", function()
      local pki = require("spec.support.pki").new()
      pki:ca("root", "ec256", "/CN=luatls hs18 root")
      pki:key("sha1", "ec256")
      pki:issue("sha1", "/CN=localhost", "root", { md = "sha1" })
      local cctx = assert(tls.context { ca = pki:path("root.pem") })
      local c = assert(tls.engine(cctx, { servername = "localhost" }))
      local s = E.server_engine { certificate = pki:path("sha1.pem"), key = pki:path("sha1.key") }
      assert(c:start())
      assert(s:feed(c:output()))
      CTXM.set_security_level(cctx, 0)
      E.pump(s, c)
      assert.is_true(c:status().failed, "the client took a SHA-1 signature at security level 2")
      local msg, name = c:error()
      assert.are.equal("bad_certificate", name, msg)
   end)

   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(version .. ": ocsp \"require\" turned off mid-handshake still requires a staple", function()
         local o = require("spec.support.certs_ocsp").get()
         local cctx = assert(tls.context { ca = o.ca, ocsp = "require", max_version = version })
         local c = assert(tls.engine(cctx, { servername = "localhost" }))
         local s = E.server_engine { certificate = o.good.cert, key = o.good.key }
         assert(c:start())
         local hello = c:output()
         CTXM.set_ocsp(cctx, "off")
         assert(s:feed(hello))
         E.pump(s, c)
         assert.is_true(c:status().failed, "the client took no staple")
         local msg = c:error()
         assert.matches("stapled no OCSP response", msg)
      end)
   end
end)

describe("hs18: crl_check_all turned off mid-handshake", function()
   it("still refuses a chain with a revoked intermediate", function()
      local k = require("spec.support.certs_crl").get()
      local cctx = assert(tls.context { ca = k.ca, crl = { k.crl_root, k.crl_inter_revoked }, crl_check_all = true })
      local c = assert(tls.engine(cctx, { servername = "localhost" }))
      local s = E.server_engine { certificate = k.via_revoked.cert, key = k.via_revoked.key }
      assert(c:start())
      assert(s:feed(c:output()))
      CTXM.set_crl_check_all(cctx, false)
      E.pump(s, c)
      local msg, alert = c:error()
      assert.are.equal("certificate_revoked", alert, msg)
   end)
end)
