-- Certificates with one property a test needs (a weak key, a SHA-1
-- signature, a name only in the subject CN, control characters in names),
-- made by the openssl command line tool in a temporary directory removed when
-- the Lua state closes. Generic certificates live in spec/support/certs.lua.
--
--   local pki = require("spec.support.pki").new()
--   pki:key("leaf", "rsa768")                       -- leaf.key
--   pki:ca("root", "ec256", "/CN=test root")        -- root.key, root.pem (self-signed)
--   pki:issue("leaf", "/CN=localhost", "root", { md = "sha1", ext = "leaf" })
--   pki:path("leaf.pem")
--
-- spec/support/certs.lua makes its certificates with the same pki.tempdir,
-- pki.run and pki.keygen.
local proc = require "spec.support.proc"

local pki = {}
pki.__index = pki

-- Extension sections for `issue`; `san` is filled in per certificate.
local EXT = [[
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = ${ENV::SAN}
[ cnonly ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
[ ku_sign ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = ${ENV::SAN}
[ ku_encipher ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = ${ENV::SAN}
[ ku_both ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = ${ENV::SAN}
[ ku_nonrep ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,nonRepudiation
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = ${ENV::SAN}
[ ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
]]

local KEYGEN = {
  ec256 = "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256",
  ec384 = "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384",
  rsa768 = "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:768",
  rsa1024 = "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024",
  rsa2048 = "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048",
  ed25519 = "openssl genpkey -algorithm ED25519",
}

-- A new directory /tmp/luatls-<name>.XXXXXX, and an object that removes it
-- when collected (keep it as long as the directory: busted exits with
-- os.exit(code, true), which closes the Lua state).
function pki.tempdir(name)
  local dir = proc.run("mktemp -d /tmp/luatls-" .. name .. ".XXXXXX"):gsub("%s+$", "")
  assert(dir:match("^/tmp/luatls%-" .. name), "mktemp failed: " .. dir)
  return dir, setmetatable({}, { __gc = function() os.execute("rm -rf " .. proc.quote(dir)) end })
end

-- Runs the shell command cmd in dir; raises with its output if it fails.
function pki.run(dir, cmd)
  local out, code = proc.run("cd " .. proc.quote(dir) .. " && " .. cmd, nil, 60)
  if code ~= 0 then error("certificate generation failed: " .. cmd .. "\n" .. out, 2) end
  return out
end

-- A new key of `kind` (ec256, ec384, rsa768, rsa1024, rsa2048, ed25519) in dir/name.key.
function pki.keygen(dir, name, kind)
  pki.run(dir, assert(KEYGEN[kind], kind) .. " -out " .. name .. ".key")
end

function pki.new()
  local dir, cleanup = pki.tempdir("pki")
  proc.write_file(dir .. "/ext.cnf", EXT)
  return setmetatable({ dir = dir, serial = 0, _cleanup = cleanup }, pki)
end

function pki:sh(cmd) return pki.run(self.dir, cmd) end

function pki:path(file) return self.dir .. "/" .. file end

-- The contents of one of our files.
function pki:read(file)
  local f = assert(io.open(self:path(file), "rb"))
  local data = f:read("a")
  f:close()
  return data
end

function pki:key(name, kind) pki.keygen(self.dir, name, kind) end

-- A self-signed CA certificate name.pem for a new key of `kind`, valid
-- for `days` (default 2).
function pki:ca(name, kind, subject, days)
  self:key(name, kind)
  -- ext.cnf refers to $SAN, which must be set whenever it is read.
  self:sh(("SAN=DNS:unused openssl req -x509 -new -key %s.key -subj %s -days %d -sha256 -config ext.cnf "
    .. "-extensions ca -out %s.pem"):format(name, proc.quote(subject), days or 2, name))
end

-- name.pem for name.key, signed by issuer. opts: md ("sha256"), ext
-- ("leaf", "cnonly", "ca", or "ku_sign", "ku_encipher", "ku_both", "ku_nonrep":
-- a leaf whose keyUsage has digitalSignature, keyEncipherment, both, or
-- nonRepudiation only), san ("DNS:localhost,IP:127.0.0.1,IP:::1"),
-- utf8 (the subject is UTF-8), days (2).
function pki:issue(name, subject, issuer, opts)
  opts = opts or {}
  self.serial = self.serial + 1
  self:sh(("openssl req -new %s -key %s.key -subj %s -out %s.csr"):format(
    opts.utf8 and "-utf8" or "", name, proc.quote(subject), name))
  self:sh(("SAN=%s openssl x509 -req -in %s.csr -CA %s.pem -CAkey %s.key -set_serial %d -days %d "
    .. "-%s -extfile ext.cnf -extensions %s -out %s.pem"):format(
    proc.quote(opts.san or "DNS:localhost,IP:127.0.0.1,IP:::1"), name, issuer, issuer, self.serial, opts.days or 2,
    opts.md or "sha256", opts.ext or "leaf", name))
end

-- Concatenates certificate files into name.pem.
function pki:bundle(name, ...)
  local files = {}
  for i, f in ipairs { ... } do files[i] = f .. ".pem" end
  self:sh("cat " .. table.concat(files, " ") .. " > " .. name .. ".pem")
end

return pki
