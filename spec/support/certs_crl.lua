-- Certificates and CRLs for the revocation, pinning and verify-function
-- specs, made by the openssl command line tool (`openssl ca -revoke` and
-- `openssl ca -gencrl`) in a temporary directory on first use. Every leaf
-- names localhost, 127.0.0.1 and ::1.
--
--   local k = require("spec.support.certs_crl").get()
--   k.ca                  root CA (EC P-256), "luatls CRL root"
--   k.good                leaf under k.ca, not revoked          -> { cert=, key= }
--   k.revoked             leaf under k.ca, revoked by k.ca       -> { cert=, key= }
--   k.via_revoked         leaf + intermediate "luatls revoked intermediate"
--                         (revoked by k.ca; the leaf itself is not) -> { cert=, key=, leaf=, inter= }
--   k.via_good            leaf + intermediate "luatls good intermediate" (not revoked)
--                         -> { cert=, key=, leaf=, inter= }
--   k.crl_root            the root's CRL (PEM file): revokes k.revoked's leaf and the revoked intermediate
--   k.crl_root_der        the same CRL in DER
--   k.crl_inter_revoked   the revoked intermediate's CRL (revokes nothing)
--   k.crl_inter_good      the good intermediate's CRL (revokes nothing)
local proc = require "spec.support.proc"
local pki = require "spec.support.pki"

local M = {}
local made

local sh, key = pki.run, pki.keygen

local EXT = [[
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
[ delta ]
deltaCRL = critical,DER:02:01:01
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
]]

-- `openssl ca` keeps one database per issuing CA, named by $DB.
local CA_CNF = [[
[ ca ]
default_ca = any
[ any ]
database = $ENV::DB/index.txt
new_certs_dir = $ENV::DB
serial = $ENV::DB/serial
crlnumber = $ENV::DB/crlnumber
default_md = sha256
default_crl_days = 2
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
]] .. EXT

local function generate()
   local dir, cleanup = pki.tempdir("crl")
   proc.write_file(dir .. "/ext.cnf", EXT)
   proc.write_file(dir .. "/ca.cnf", CA_CNF)
   local function db(name)
      sh(dir, ("mkdir -p db_%s && : > db_%s/index.txt && echo 1000 > db_%s/serial && echo 01 > db_%s/crlnumber")
         :format(name, name, name, name))
   end
   -- name.pem for name.key, issued and recorded by issuer's database.
   local function issue(name, cn, issuer, ext)
      sh(dir, ("openssl req -new -key %s.key -subj '/CN=%s' -out %s.csr"):format(name, cn, name))
      sh(dir, ("DB=db_%s openssl ca -batch -config ca.cnf -cert %s.pem -keyfile %s.key -in %s.csr -days 2 "
         .. "-extensions %s -notext -out %s.pem"):format(issuer, issuer, issuer, name, ext, name))
   end
   local function revoke(name, issuer)
      sh(dir, ("DB=db_%s openssl ca -config ca.cnf -cert %s.pem -keyfile %s.key -revoke %s.pem")
         :format(issuer, issuer, issuer, name))
   end
   local function gencrl(issuer, out)
      sh(dir, ("DB=db_%s openssl ca -config ca.cnf -cert %s.pem -keyfile %s.key -gencrl -out %s")
         :format(issuer, issuer, issuer, out))
   end

   key(dir, "root", "ec256")
   sh(dir, "openssl req -x509 -new -key root.key -subj '/CN=luatls CRL root' -days 2 -sha256 "
      .. "-config ext.cnf -extensions v3_ca -out root.pem")
   db("root")
   for _, name in ipairs { "good", "revoked", "inter_revoked", "inter_good", "leaf_ir", "leaf_ig" } do
      key(dir, name, "ec256")
   end
   issue("good", "localhost", "root", "leaf")
   issue("revoked", "localhost", "root", "leaf")
   issue("inter_revoked", "luatls revoked intermediate", "root", "v3_ca")
   issue("inter_good", "luatls good intermediate", "root", "v3_ca")
   db("inter_revoked")
   db("inter_good")
   issue("leaf_ir", "localhost", "inter_revoked", "leaf")
   issue("leaf_ig", "localhost", "inter_good", "leaf")
   sh(dir, "cat leaf_ir.pem inter_revoked.pem > via_revoked.pem && cat leaf_ig.pem inter_good.pem > via_good.pem")
   revoke("revoked", "root")
   revoke("inter_revoked", "root")
   gencrl("root", "root.crl")
   sh(dir, "openssl crl -in root.crl -outform DER -out root.crl.der")
   gencrl("inter_revoked", "inter_revoked.crl")
   gencrl("inter_good", "inter_good.crl")
   -- A complete CRL an hour old (number 02, revoking "revoked") and the
   -- root's newer delta CRL (RFC 5280 5.2.4: number 10, base 1), which adds
   -- nothing: its database is empty. A delta is never the whole story.
   sh(dir, ("DB=db_root openssl ca -config ca.cnf -cert root.pem -keyfile root.key -gencrl "
      .. "-crl_lastupdate %s -out root_base.crl"):format(os.date("!%Y%m%d%H%M%SZ", os.time() - 3600)))
   db("root_delta")
   sh(dir, "echo 10 > db_root_delta/crlnumber && DB=db_root_delta openssl ca -config ca.cnf -cert root.pem "
      .. "-keyfile root.key -gencrl -crlexts delta -out root_delta.crl")

   local function p(name) return dir .. "/" .. name end
   return {
      dir = dir, _cleanup = cleanup,
      ca = p "root.pem",
      good = { cert = p "good.pem", key = p "good.key" },
      revoked = { cert = p "revoked.pem", key = p "revoked.key" },
      via_revoked = { cert = p "via_revoked.pem", key = p "leaf_ir.key", leaf = p "leaf_ir.pem",
                      inter = p "inter_revoked.pem" },
      via_good = { cert = p "via_good.pem", key = p "leaf_ig.key", leaf = p "leaf_ig.pem",
                   inter = p "inter_good.pem" },
      crl_root = p "root.crl", crl_root_der = p "root.crl.der",
      crl_root_base = p "root_base.crl", crl_root_delta = p "root_delta.crl",
      crl_inter_revoked = p "inter_revoked.crl", crl_inter_good = p "inter_good.crl",
   }
end

function M.get()
   made = made or generate()
   return made
end

return M
