-- A big server certificate for the conformance specs: 700 DNS names make the
-- leaf about 36 KB of DER, so a Certificate message spans three records.
-- Issued under certs.get()'s CA, for localhost and 127.0.0.1; made once per
-- run in that CA's directory.
--
--   local big = require("spec.support.bigcert").get()   -- { cert =, key = }
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"

local bigcert = {}

-- bigcert.get(n): the same with n names (default 700); 1500 make about
-- 77 KB, a Certificate message over 64 KiB. Good for a server and a client
-- (extendedKeyUsage serverAuth and clientAuth).
function bigcert.get(n)
   n = n or 700
   local base = n == 700 and "big14" or ("big14_" .. n)
   local d = certs.get().dir
   local pair = { cert = d .. "/" .. base .. ".pem", key = d .. "/" .. base .. ".key" }
   if proc.read_file(pair.cert) ~= "" then return pair end
   local names = { "DNS:localhost", "IP:127.0.0.1" }
   for i = 1, n do names[#names + 1] = string.format("DNS:host%04d.a-rather-long-subdomain-name.example.com", i) end
   proc.write_file(d .. "/" .. base .. ".cnf", "[big]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
      .. "extendedKeyUsage=serverAuth" .. (n == 700 and "" or ",clientAuth") .. "\nsubjectAltName="
      .. table.concat(names, ",") .. "\n")
   local out, code = proc.run(string.format("cd %s && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
      .. "-out %s.key && openssl req -new -key %s.key -subj /CN=localhost -out %s.csr && openssl x509 -req "
      .. "-in %s.csr -CA ca.pem -CAkey ca.key -set_serial %d -days 2 -sha256 -extfile %s.cnf -extensions big "
      .. "-out %s.pem", proc.quote(d), base, base, base, base, 1400 + n, base, base), nil, 30)
   assert(code == 0, out)
   return pair
end

return bigcert
