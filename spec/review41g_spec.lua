-- Review 41g: the reason a TLS 1.2 server gives when none of its pairs fits
-- names the client's groups since review41a, at the end of a sentence that
-- already lists its keys and signatures. A client offering four signature
-- schemes made it longer than the 319 bytes an error held (TLS_REASON_MAX
-- was 320): the sentence ended in the middle of a group's name ("(its
-- groups are x2551"), the very part review41a added.
local E = require "spec.support.engines"

describe("review41g: a server none of whose pairs fits", function()
  local c = require("spec.support.certs").get()
  local function pair(leaf) return { certificate = leaf.cert, key = leaf.key } end

  it("says the whole sentence when the client offers four signature schemes and two groups", function()
    local msg = E.refusal({ certificates = { pair(c.leaf.ecdsa_p256), pair(c.leaf.ed25519) } },
      { ca = c.ca, max_version = "TLSv1.2", groups = "x25519:x448",
        sigalgs = "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:rsa_pss_rsae_sha256:rsa_pss_rsae_sha384" })
    assert.equal("none of our 2 certificates for localhost fits this client: its TLS 1.2 suites fit only our "
      .. "Ed25519 key, which signs with none of the signatures it accepts (ecdsa_secp256r1_sha256, "
      .. "ecdsa_secp384r1_sha384, rsa_pss_rsae_sha256, rsa_pss_rsae_sha384); it names the curve of none of our "
      .. "other ECDSA keys (its groups are x25519, x448)", msg)
  end)
end)
