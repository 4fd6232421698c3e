-- Certificates for several names on one server (spec/sni_spec.lua), made
-- fresh by the openssl command line tool on first use, under their own CA:
--
--   local s = require("spec.support.certs_sni").get()
--   s.ca                  the CA's certificate file (EC P-256) that clients trust
--   s.default             default.example and localhost, EC P-256
--   s.a_ec, s.a_rsa       a.example: EC P-256 and RSA 2048
--   s.b                   b.example, EC P-256
--   s.wild                *.w.example, EC P-256
-- each -> { cert=, key= } (file paths).
local pki = require "spec.support.pki"

local certs_sni = {}
local made

function certs_sni.get()
  if made then return made end
  local p = pki.new()
  p:ca("ca", "ec256", "/CN=luatls SNI test CA")
  local function leaf(name, kind, cn, san)
    p:key(name, kind)
    p:issue(name, "/CN=" .. cn, "ca", { san = san })
    return { cert = p:path(name .. ".pem"), key = p:path(name .. ".key") }
  end
  made = {
    pki = p, -- keeps the directory
    ca = p:path("ca.pem"),
    default = leaf("default", "ec256", "default.example", "DNS:default.example,DNS:localhost"),
    a_ec = leaf("a_ec", "ec256", "a.example", "DNS:a.example"),
    a_rsa = leaf("a_rsa", "rsa2048", "a.example rsa", "DNS:a.example"),
    b = leaf("b", "ec256", "b.example", "DNS:b.example"),
    wild = leaf("wild", "ec256", "w.example wildcard", "DNS:*.w.example"),
  }
  return made
end

return certs_sni
