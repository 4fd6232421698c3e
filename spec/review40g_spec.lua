-- Session 40, review40g: the message of a server none of whose several pairs
-- fits (review39h I2) blamed the keys for signatures our own 'sigalgs' leave
-- out, which those keys can make.
local tls = require "tls"
local E = require "spec.support.engines"

describe("review40g: several pairs, none fitting, when our 'sigalgs' leave out what the client accepts", function()
  local ec, eck = assert(tls.selfsigned { names = { "localhost" }, key = "ec" })
  local rsa, rsak = assert(tls.selfsigned { names = { "localhost" }, key = "rsa" })

  local function refusal(v)
    return E.refusal({ sigalgs = "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256",
      certificates = { { certificate = ec, key = eck }, { certificate = rsa, key = rsak } } },
      { verify = false, sigalgs = "rsa_pss_rsae_sha384", max_version = v })
  end

  it("TLS 1.3 says our 'sigalgs' leave out the scheme the client accepts", function()
    assert.equal("none of our 2 certificates for localhost fits this client: it accepts only the TLS 1.3 "
      .. "signatures rsa_pss_rsae_sha384 (our 'sigalgs' leave out rsa_pss_rsae_sha384), and our keys are ECDSA "
      .. "on secp256r1, RSA 2048 bits", refusal("TLSv1.3"))
  end)

  it("TLS 1.2 does not say our RSA key cannot sign rsa_pss_rsae_sha384", function()
    assert.equal("none of our 2 certificates for localhost fits this client: its TLS 1.2 suites fit only our "
      .. "keys ECDSA on secp256r1, RSA 2048 bits, which sign with none of the signatures it accepts "
      .. "(rsa_pss_rsae_sha384) that our 'sigalgs' allow (they leave out rsa_pss_rsae_sha384)", refusal("TLSv1.2"))
  end)
end)
