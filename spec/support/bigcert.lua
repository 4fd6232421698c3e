-- A big server certificate for the conformance specs: 700 DNS names make the
-- leaf about 36 KB of DER, so a Certificate message spans three records.
-- Issued under certs.get()'s CA, for localhost and 127.0.0.1; made once per
-- run in that CA's directory.
--
--   local big = require("spec.support.bigcert").get()   -- { cert =, key = }
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"

local bigcert = {}

function bigcert.get()
   local d = certs.get().dir
   local pair = { cert = d .. "/big14.pem", key = d .. "/big14.key" }
   if proc.read_file(pair.cert) ~= "" then return pair end
   local names = { "DNS:localhost", "IP:127.0.0.1" }
   for i = 1, 700 do names[#names + 1] = string.format("DNS:host%04d.a-rather-long-subdomain-name.example.com", i) end
   proc.write_file(d .. "/big14.cnf", "[big]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
      .. "extendedKeyUsage=serverAuth\nsubjectAltName=" .. table.concat(names, ",") .. "\n")
   local out, code = proc.run("cd " .. proc.quote(d) .. " && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
      .. "-out big14.key && openssl req -new -key big14.key -subj /CN=localhost -out big14.csr && openssl x509 -req "
      .. "-in big14.csr -CA ca.pem -CAkey ca.key -set_serial 1414 -days 2 -sha256 -extfile big14.cnf -extensions big "
      .. "-out big14.pem", nil, 30)
   assert(code == 0, out)
   return pair
end

return bigcert
