-- Test certificates, made fresh by the openssl command line tool in a
-- temporary directory on first use (so nothing with an expiry date is
-- committed), or copied there from the set `make test-certs` made (see
-- LUATLS_TEST_CERTS below). All leaves name localhost, 127.0.0.1 and ::1 unless said.
--
--   local c = require("spec.support.certs").get()
--   c.ca                      root CA (EC P-256) that clients trust
--   c.leaf.ecdsa_p256 / ecdsa_p384 / rsa2048 / ed25519  -> { cert=, key= }
--                             (rsa2048: keyUsage digitalSignature and keyEncipherment)
--   c.chain   { cert = leaf+intermediate, leaf=, inter=, key= }  issued via an intermediate CA
--   c.expired, c.wronghost (only names wrong.example), c.untrusted (other CA) -> { cert=, key= }
--
-- Certificates for the policy tests (spec/cert_policy_spec.lua), made on
-- first use in the same directory, all issued under c.ca:
--
--   local p = require("spec.support.certs").policy()
--   p.wildcard           *.example.com          p.partial_prefix  f*.example.com
--   p.partial_suffix     *a.example.com         p.idn_partial     xn--*.example.com
--   p.inner_wildcard     a.*.example.com        p.tld_wildcard    *.com
--   p.cn_only            CN=localhost, no subjectAltName
--   p.not_yet_valid      valid from 2099 (localhost)
--   p.client_only        extendedKeyUsage clientAuth only (localhost)
--   p.certsign_only      keyUsage keyCertSign only (localhost)
--   p.keyenc_only        keyUsage keyEncipherment only (localhost)
--   p.rsa_sign_only      RSA key, keyUsage digitalSignature only (localhost)
--   p.rsa_keyenc_only    RSA key, keyUsage keyEncipherment only (localhost)
--   p.via_not_ca         leaf + an intermediate with CA:FALSE
--   p.via_no_bc          leaf + an intermediate without basicConstraints (nor keyUsage)
--   p.chain10, p.chain11 leaf + 9 or 10 intermediates: 10 or 11 certificates sent
-- each -> { cert=, key= } (cert: the leaf, then the intermediates).
--
-- Client certificates for mutual TLS, made on first use:
--
--   local m = require("spec.support.certs").clients()
--   m.ca              a CA for clients only ("luatls client CA", EC P-256): servers name it
--   m.ecdsa           EC P-256, extendedKeyUsage clientAuth, CN=luatls client, under m.ca
--   m.rsa             RSA 2048, clientAuth, CN=luatls rsa client, under m.ca
--   m.expired         clientAuth, valid in January 2020 only, under m.ca
--   m.server_only     extendedKeyUsage serverAuth only, under m.ca
--   m.untrusted       clientAuth, under the untrusted CA (c.untrusted's issuer)
--   m.main_ca         clientAuth, CN=luatls main-CA client, under c.ca (the servers' CA)
-- each -> { cert=, key= }.
--
-- Two self-signed certificates for localhost (tls.selfsigned), new at each
-- call: a client trusts the good one (s.ca is its cafile) and not the bad:
--
--   local s = require("spec.support.certs").selfsigned()
--   s.good, s.bad     { cert=, key= } as PEM text
--   s.ca              a file holding s.good.cert
--   s.bad_files       { cert=, key= }: s.bad in files (for peers.s_server)
--
-- A self-signed ECDSA certificate for localhost on one curve, new at each
-- call, made the way a user would (`openssl req -x509 -newkey ec`, two
-- days, CN and subjectAltName localhost):
--
--   local e = require("spec.support.certs").ec_selfsigned("P-521")   -- or "P-256", "P-384"
--   e.cert, e.key     files (PEM), for contexts and peers.s_server
--   e.cert_pem, e.key_pem   the same as text
--   e.remove()        deletes the files (else they go when e is collected)
local proc = require "spec.support.proc"
local pki = require "spec.support.pki"

local certs = {}
local made

-- LUATLS_TEST_CERTS names a directory where scripts/test_certs.lua keeps one
-- set of everything below (make test, test-asan, test-valgrind and mutate
-- make it first): each spec file copies it instead of running openssl some
-- ninety times, which took most of a short spec's second. The copy is
-- used only if it was made from this very file and less than 12 hours ago
-- (leaves are valid for two days); otherwise the files are made here.
local CACHE = os.getenv("LUATLS_TEST_CERTS")
local CACHE_MAX_AGE = 12 * 3600

-- True while the generators below only name files copied from the cache.
local replaying = false

local function sh(dir, cmd)
   if replaying then return "" end
   return pki.run(dir, cmd)
end

local function key(dir, name, kind)
   if not replaying then pki.keygen(dir, name, kind) end
end

local function own_source()
   local path = debug.getinfo(1, "S").source:match("^@(.+)$")
   return path and proc.read_file(path)
end

-- The stamp a cache directory must hold to be used: when it was made and
-- from which text of this file.
local function cache_usable(dir)
   local f = loadfile(dir .. "/stamp.lua", "t", {})
   local ok, stamp = pcall(f or error)
   return ok and type(stamp) == "table" and type(stamp.made) == "number"
      and os.time() - stamp.made < CACHE_MAX_AGE and stamp.source == own_source()
end

-- Fills dir from the cache; true when it holds a complete set.
local function copy_cache(dir)
   if not CACHE or CACHE == "" or not cache_usable(CACHE) then return false end
   local _, code = proc.run("cp -a " .. proc.quote(CACHE) .. "/. " .. proc.quote(dir) .. "/")
   -- A cache replaced while being copied fails its stamp check here.
   return code == 0 and cache_usable(dir)
end

-- The extension sections of a leaf for localhost and of a CA.
local LEAF_SECTION = [[
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
]]
local CA_SECTION = [[
[ ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
]]

-- RSA leaves may also encrypt: TLS 1.2 RSA key transport needs
-- keyEncipherment (rfc5246#7.4.2), ECDHE_RSA and TLS 1.3 digitalSignature.
local RSA_LEAF_SECTION = [[
[ leaf_rsa ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
]]

local LEAF_EXT = LEAF_SECTION .. RSA_LEAF_SECTION .. [[
[ wronghost ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:wrong.example
]] .. CA_SECTION

-- `openssl ca` is the only OpenSSL 3.0 tool that takes explicit validity
-- dates; it needs a small database and this configuration (followed by
-- the extension sections).
local CA_DB = [[
[ ca ]
default_ca = any
[ any ]
database = db/index.txt
new_certs_dir = db
serial = db/serial
default_md = sha256
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
]]

-- Issues name.pem for name.key, signed by issuer (a name) with extension section `ext`.
local function issue(dir, name, cn, issuer, ext)
   sh(dir, string.format("openssl req -new -key %s.key -subj '/CN=%s' -out %s.csr", name, cn, name))
   sh(dir, string.format("openssl x509 -req -in %s.csr -CA %s.pem -CAkey %s.key -set_serial 0x%s "
      .. "-days 2 -sha256 -extfile ext.cnf -extensions %s -out %s.pem",
      name, issuer, issuer, string.format("%x%06x", os.time(), math.random(0, 0xffffff)), ext, name))
end

local function pair(dir, name)
   return { cert = dir .. "/" .. name .. ".pem", key = dir .. "/" .. name .. ".key" }
end

local function generate()
   local dir, cleanup = pki.tempdir("certs")
   replaying = copy_cache(dir)
   proc.write_file(dir .. "/ext.cnf", LEAF_EXT)
   proc.write_file(dir .. "/ca.cnf", CA_DB .. LEAF_EXT)

   local function self_signed_ca(name, cn)
      key(dir, name, "ec256")
      sh(dir, string.format("openssl req -x509 -new -key %s.key -subj '/CN=%s' -days 2 -sha256 "
         .. "-config ext.cnf -extensions ca -out %s.pem", name, cn, name))
   end

   self_signed_ca("ca", "luatls test root CA")
   self_signed_ca("otherca", "luatls untrusted CA")

   local c = { dir = dir, ca = dir .. "/ca.pem", leaf = {} }
   for name, kind in pairs { ecdsa_p256 = "ec256", ecdsa_p384 = "ec384", rsa2048 = "rsa2048", ed25519 = "ed25519" } do
      key(dir, name, kind)
      issue(dir, name, "localhost", "ca", kind == "rsa2048" and "leaf_rsa" or "leaf")
      c.leaf[name] = pair(dir, name)
   end

   -- root -> intermediate -> leaf; the server sends leaf + intermediate.
   key(dir, "inter", "ec256")
   issue(dir, "inter", "luatls test intermediate CA", "ca", "ca")
   key(dir, "chainleaf", "ec256")
   issue(dir, "chainleaf", "localhost", "inter", "leaf")
   sh(dir, "cat chainleaf.pem inter.pem > chain.pem")
   c.chain = { cert = dir .. "/chain.pem", leaf = dir .. "/chainleaf.pem",
               inter = dir .. "/inter.pem", key = dir .. "/chainleaf.key" }

   key(dir, "wronghost", "ec256")
   issue(dir, "wronghost", "wrong.example", "ca", "wronghost")
   c.wronghost = pair(dir, "wronghost")

   key(dir, "untrusted", "ec256")
   issue(dir, "untrusted", "localhost", "otherca", "leaf")
   c.untrusted = pair(dir, "untrusted")

   -- Valid for January 2020 only.
   key(dir, "expired", "ec256")
   sh(dir, "mkdir -p db && : > db/index.txt && echo 1000 > db/serial")
   sh(dir, "openssl req -new -key expired.key -subj '/CN=localhost' -out expired.csr")
   sh(dir, "openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr "
      .. "-startdate 20200101000000Z -enddate 20200201000000Z -extensions leaf -notext -out expired.pem")
   c.expired = pair(dir, "expired")

   -- Removed when the Lua state closes.
   c._cleanup = cleanup
   return c
end

function certs.get()
   made = made or generate()
   return made
end

-- The extension sections of the policy certificates.
local POLICY_EXT = LEAF_SECTION .. CA_SECTION .. [[
[ rsa_sign_only ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[ rsa_keyenc_only ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[ wildcard ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:*.example.com
[ partial_prefix ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:f*.example.com
[ partial_suffix ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:*a.example.com
[ idn_partial ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:xn--*.example.com
[ inner_wildcard ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:a.*.example.com
[ tld_wildcard ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:*.com
[ cn_only ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
[ client_only ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:localhost
[ certsign_only ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyCertSign
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
[ keyenc_only ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
[ not_ca ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ no_bc ]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
]]

local policy_made

local function generate_policy()
   local c = certs.get()
   local dir = c.dir .. "/policy"
   sh(c.dir, "mkdir -p policy && cp ca.pem ca.key policy/")
   proc.write_file(dir .. "/ext.cnf", POLICY_EXT)
   proc.write_file(dir .. "/ca.cnf", CA_DB .. POLICY_EXT)
   local p = {}

   -- One key for every leaf: what is under test is the certificate.
   key(dir, "leaf", "ec256")
   local function leaf(name, cn, issuer, ext, chain)
      sh(dir, "cp leaf.key " .. name .. ".key")
      issue(dir, name, cn, issuer, ext)
      if chain then sh(dir, "cat " .. name .. ".pem " .. chain .. " > " .. name .. "-chain.pem") end
      p[name] = { cert = dir .. "/" .. name .. (chain and "-chain" or "") .. ".pem", key = dir .. "/" .. name .. ".key" }
   end

   for _, name in ipairs { "wildcard", "partial_prefix", "partial_suffix", "idn_partial", "inner_wildcard",
                           "tld_wildcard" } do
      leaf(name, "wildcard test", "ca", name)
   end
   leaf("cn_only", "localhost", "ca", "cn_only")
   leaf("client_only", "localhost", "ca", "client_only")
   leaf("certsign_only", "localhost", "ca", "certsign_only")
   leaf("keyenc_only", "localhost", "ca", "keyenc_only")
   -- RSA leaves for TLS 1.2: key transport needs keyEncipherment, ECDHE_RSA digitalSignature.
   key(dir, "rsaleaf", "rsa2048")
   for _, name in ipairs { "rsa_sign_only", "rsa_keyenc_only" } do
      sh(dir, "cp rsaleaf.key " .. name .. ".key")
      issue(dir, name, "localhost", "ca", name)
      p[name] = { cert = dir .. "/" .. name .. ".pem", key = dir .. "/" .. name .. ".key" }
   end

   -- Valid from 2099: `openssl ca` takes explicit dates.
   sh(dir, "cp leaf.key not_yet_valid.key && mkdir -p db && : > db/index.txt && echo 2000 > db/serial")
   sh(dir, "openssl req -new -key not_yet_valid.key -subj '/CN=localhost' -out not_yet_valid.csr")
   sh(dir, "openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in not_yet_valid.csr "
      .. "-startdate 20990101000000Z -enddate 20991231000000Z -extensions leaf -notext -out not_yet_valid.pem")
   p.not_yet_valid = { cert = dir .. "/not_yet_valid.pem", key = dir .. "/not_yet_valid.key" }

   -- Intermediates that may not issue certificates.
   for _, kind in ipairs { "not_ca", "no_bc" } do
      local inter = "inter_" .. kind
      key(dir, inter, "ec256")
      issue(dir, inter, "luatls " .. kind .. " intermediate", "ca", kind)
      leaf("via_" .. kind, "localhost", inter, "leaf", inter .. ".pem")
   end

   -- root -> i1 -> ... -> i10; leaves under i9 (10 certificates sent) and i10 (11).
   local issuer, sent = "ca", {}
   for i = 1, 10 do
      local name = "i" .. i
      key(dir, name, "ec256")
      issue(dir, name, "luatls chain intermediate " .. i, issuer, "ca")
      table.insert(sent, 1, name .. ".pem")
      issuer = name
      if i == 9 or i == 10 then
         leaf("chain" .. (i + 1), "localhost", name, "leaf", table.concat(sent, " "))
      end
   end
   return p
end

local CLIENT_EXT = [[
[ client ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[ server_only ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
]] .. CA_SECTION

local clients_made

local function generate_clients()
   local c = certs.get()
   local dir = c.dir .. "/clients"
   sh(c.dir, "mkdir -p clients && cp ca.pem ca.key otherca.pem otherca.key clients/")
   proc.write_file(dir .. "/ext.cnf", CLIENT_EXT)
   proc.write_file(dir .. "/ca.cnf", CA_DB .. CLIENT_EXT)
   key(dir, "clientca", "ec256")
   sh(dir, "openssl req -x509 -new -key clientca.key -subj '/CN=luatls client CA' -days 2 -sha256 "
      .. "-config ext.cnf -extensions ca -out clientca.pem")
   local m = { ca = dir .. "/clientca.pem" }
   local function client(name, kind, cn, issuer, ext)
      key(dir, name, kind)
      issue(dir, name, cn, issuer, ext)
      m[name] = pair(dir, name)
   end
   client("ecdsa", "ec256", "luatls client", "clientca", "client")
   client("rsa", "rsa2048", "luatls rsa client", "clientca", "client")
   client("server_only", "ec256", "luatls server-only client", "clientca", "server_only")
   client("untrusted", "ec256", "luatls untrusted client", "otherca", "client")
   client("main_ca", "ec256", "luatls main-CA client", "ca", "client")
   key(dir, "expired", "ec256")
   sh(dir, "mkdir -p db && : > db/index.txt && echo 3000 > db/serial")
   sh(dir, "openssl req -new -key expired.key -subj '/CN=luatls expired client' -out expired.csr")
   sh(dir, "openssl ca -batch -config ca.cnf -cert clientca.pem -keyfile clientca.key -in expired.csr "
      .. "-startdate 20200101000000Z -enddate 20200201000000Z -extensions client -notext -out expired.pem")
   m.expired = pair(dir, "expired")
   return m
end

function certs.clients()
   clients_made = clients_made or generate_clients()
   return clients_made
end

function certs.policy()
   policy_made = policy_made or generate_policy()
   return policy_made
end

function certs.selfsigned()
   local tls = require "tls"
   local dir, cleanup = pki.tempdir("selfsigned")
   local s = { good = {}, bad = {}, _cleanup = cleanup }
   s.good.cert, s.good.key = assert(tls.selfsigned { names = { "localhost" } })
   s.bad.cert, s.bad.key = assert(tls.selfsigned { names = { "localhost" } })
   s.ca = dir .. "/good.pem"
   proc.write_file(s.ca, s.good.cert)
   s.bad_files = { cert = dir .. "/bad.pem", key = dir .. "/bad.key" }
   proc.write_file(s.bad_files.cert, s.bad.cert)
   proc.write_file(s.bad_files.key, s.bad.key)
   return s
end

function certs.ec_selfsigned(curve)
   local dir, cleanup = pki.tempdir("ec_selfsigned")
   pki.run(dir, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:" .. curve .. " -nodes -keyout key.pem "
      .. "-out cert.pem -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>&1")
   local e = { cert = dir .. "/cert.pem", key = dir .. "/key.pem", _cleanup = cleanup }
   e.cert_pem, e.key_pem = proc.read_file(e.cert), proc.read_file(e.key)
   function e.remove() os.execute("rm -rf " .. proc.quote(dir)) end
   return e
end

-- Makes every certificate above afresh (whatever LUATLS_TEST_CERTS says)
-- and puts a copy in dir for later spec files, unless dir already holds a
-- usable one. Used by scripts/test_certs.lua.
function certs.write_cache(dir)
   if cache_usable(dir) then return false end
   CACHE = nil
   local c = certs.get()
   certs.policy()
   certs.clients()
   proc.write_file(c.dir .. "/stamp.lua", string.format("return { made = %d, source = %q }\n",
      os.time(), own_source()))
   -- Made aside, then renamed: a spec file copying the old one meanwhile
   -- fails the stamp check and makes its own.
   local fresh = string.format("%s.new.%d", dir, math.random(1, 1e9))
   -- The parent too: `make -j2 test` can get here before anything made build/.
   dir = dir:gsub("(.)/+$", "%1")
   local parent = dir:match("^(.*)/[^/]+$") or "."
   if parent == "" then parent = "/" end
   local out, code = proc.run(string.format("mkdir -p %s && cp -a %s %s && rm -rf %s && mv %s %s",
      proc.quote(parent), proc.quote(c.dir), proc.quote(fresh), proc.quote(dir), proc.quote(fresh),
      proc.quote(dir)))
   assert(code == 0, out)
   return true
end

-- Writes the key file `src` to `dst` as PKCS#8 encrypted with `password`.
function certs.encrypt_key(src, dst, password)
   local out, code = proc.run(string.format("openssl pkcs8 -topk8 -in %s -out %s -passout pass:%s",
      proc.quote(src), proc.quote(dst), password))
   assert(code == 0, out)
end

return certs
