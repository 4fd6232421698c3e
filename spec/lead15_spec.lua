-- Session 15's handshake shortcuts keep their answers: a server with one
-- certificate takes it without matching the name unless sni_strict or a
-- trace needs the match (csrc/hs/tls_sni.c); what a kept private key is
-- (its kind and curve) is noted once per key and never taken for another's
-- (csrc/crypto/tls_sig.c, tls_key_kind_of); the client's random and session
-- id come from one call to the generator (csrc/hs/tls_hello_client.c).
local tls = require "tls"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"

local function handshake(cctx, sctx, servername)
   local c = assert(tls.engine(cctx, { servername = servername }))
   local s = assert(tls.engine(sctx))
   assert(c:start())
   E.pump(c, s)
   return c, s
end

local function client(opts)
   return assert(tls.context(E.merge({ mode = "client", verify = false }, opts)))
end

describe("one server certificate", function()
   it("serves a name it is not for, and a client without SNI, without sni_strict", function()
      local sctx = E.server_ctx { tickets = 0 }
      for _, name in ipairs { "localhost", "other.example" } do
         local c, s = handshake(client(), sctx, name)
         assert.is_true(c:status().handshake_done, tostring(c:error()))
         assert.is_true(s:status().handshake_done)
      end
      local c = assert(tls.engine(client()))
      local s = assert(tls.engine(sctx))
      assert(c:start())
      E.pump(c, s)
      assert.is_true(s:status().handshake_done, tostring(s:error()))
   end)

   it("with sni_strict refuses a name it is not for (unrecognized_name), serves its own", function()
      local sctx = E.server_ctx { tickets = 0, sni_strict = true }
      local c, s = handshake(client(), sctx, "other.example")
      local msg, alert = s:error()
      assert.equal("unrecognized_name", alert)
      assert.equal("no certificate for the name the client asked for (other.example), and sni_strict is set", msg)
      assert.is_false(c:status().handshake_done)
      c, s = handshake(client(), sctx, "localhost")
      assert.is_true(c:status().handshake_done and s:status().handshake_done)
   end)

   it("still says in the trace whether the name matched", function()
      local sopts, events = E.traced { tickets = 0 }
      local sctx = E.server_ctx(sopts)
      handshake(client(), sctx, "other.example")
      handshake(client(), sctx, "localhost")
      local whys = {}
      for _, ev in ipairs(events) do
         if ev.direction == "decide" and ev.message == "server_name" then whys[#whys + 1] = ev.why end
      end
      assert.same({ "no certificate for this name: the default one",
                    "its certificate is for this name, with a key the client can verify" }, whys)
   end)
end)

describe("what a kept key is", function()
   it("is never taken for another kept key's: EC, RSA and Ed25519 servers in one process", function()
      local servers = {}
      for _, kind in ipairs { "ec", "rsa", "ed25519" } do
         local cert, key = assert(tls.selfsigned { names = { "localhost" }, key = kind })
         servers[kind] = assert(tls.context { mode = "server", certificate = cert, key = key, tickets = 0 })
      end
      local want = { ec = "ecdsa_secp256r1_sha256", rsa = "rsa_pss_rsae_sha256", ed25519 = "ed25519" }
      for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
         for _, kind in ipairs { "rsa", "ed25519", "ec", "rsa" } do
            local c, s = handshake(client { max_version = version }, servers[kind], "localhost")
            assert.is_true(c:status().handshake_done, kind .. " " .. version .. ": " .. tostring(c:error()))
            assert.equal(want[kind], c:info().signature, kind .. " " .. version)
            assert.is_true(s:status().handshake_done)
         end
      end
   end)

   it("an ECDSA key on P-384 signs only with ecdsa_secp384r1_sha384 in TLS 1.3", function()
      local p384 = require("spec.support.certs").ec_selfsigned("P-384")
      local sctx = assert(tls.context { mode = "server", certificate = p384.cert_pem, key = p384.key_pem,
                                        tickets = 0 })
      p384.remove()
      local c = handshake(client(), sctx, "localhost")
      assert.equal("ecdsa_secp384r1_sha384", c:info().signature)
      -- a client that offers only the P-256 scheme gets no signature it can use
      local c2, s2 = handshake(client { sigalgs = "ecdsa_secp256r1_sha256" }, sctx, "localhost")
      assert.is_false(c2:status().handshake_done)
      assert.is_false(s2:status().handshake_done)
   end)
end)

describe("the client's random and legacy_session_id", function()
   it("are 32 fresh bytes each, different from each other and between hellos", function()
      local seen = {}
      for _ = 1, 4 do
         local c = E.client_engine()
         assert(c:start())
         local recs = B.parse_records(c:output())
         local hello = B.parse_handshakes(recs[1].body)[1].body
         local random = hello:sub(3, 34)
         assert.equal(32, hello:byte(35))
         local sid = hello:sub(36, 67)
         assert.are_not.equal(random, sid)
         assert.is_nil(seen[random])
         assert.is_nil(seen[sid])
         seen[random], seen[sid] = true, true
      end
      -- a TLS 1.2-only hello has an empty session id (no session to resume)
      local c = E.client_engine { max_version = "TLSv1.2" }
      assert(c:start())
      local hello = B.parse_handshakes(B.parse_records(c:output())[1].body)[1].body
      assert.equal(0, hello:byte(35))
   end)
end)
