-- The HMAC contexts the key schedule re-keys within one call into the
-- engine (csrc/crypto/tls_keysched.c, tls_hmac_take/give, session 14): a
-- kept context holds the key of its last use, so none may outlive the
-- call. Handshakes of every shape must still agree on every secret (a
-- context re-keyed wrongly fails the Finished), and nothing stays kept
-- after them. spec/kat_rfc8448_spec.lua checks the re-keyed path against
-- the RFC's secrets (its keyschedule hook runs inside a scope).
local I = require "tls.core"._internal
local E = require "spec.support.engines"

describe("kept HMAC contexts", function()
   it("none is kept after a TLS 1.3 handshake, and both sides agree", function()
      local c, s = E.connected()
      assert.equal(0, I.hmac_kept())
      assert.equal("TLSv1.3", c:info().version)
      assert.equal(c:export("EXPERIMENTAL-x", "ctx", 32), s:export("EXPERIMENTAL-x", "ctx", 32))
   end)

   it("none is kept after a SHA-384 suite, TLS 1.2, or a key schedule hook", function()
      local c = E.connected { ciphers = "TLS_AES_256_GCM_SHA384" }
      assert.equal("TLS_AES_256_GCM_SHA384", c:info().cipher)
      assert.equal(0, I.hmac_kept())
      local _, s = E.connected { max_version = "TLSv1.2" }
      assert.equal("TLSv1.2", s:info().version)
      assert.equal(0, I.hmac_kept())
      local z = string.rep("\0", 32)
      assert(I.keyschedule("TLS_AES_128_GCM_SHA256", z, z, z, z))
      assert.equal(0, I.hmac_kept())
   end)

   it("none is kept by a derivation outside any call into the engine", function()
      assert.equal(32, #I.expand_label("sha256", string.rep("\1", 32), "finished", "", 32))
      assert.equal(48, #I.expand_label("sha384", string.rep("\1", 48), "finished", "", 48))
      assert.equal(0, I.hmac_kept())
   end)
end)
