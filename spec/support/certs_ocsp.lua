-- OCSP stapling material for spec/ocsp_spec.lua, made fresh on first use by
-- the openssl command line tool in a temporary directory (nothing with a
-- date is committed). Responses come from `openssl ocsp -index`, which
-- answers from an `openssl ca` style index without any network.
--
--   local o = require("spec.support.certs_ocsp").get()
--   o.ca                    path of the CA (EC P-256) clients trust
--   o.good, o.revoked, o.unknown, o.other, o.must_staple
--                           -> { cert=, key=, chain= } leaves for localhost under o.ca
--                           (chain: the leaf then o.ca); o.unknown is not in the index;
--                           o.must_staple has the TLS feature status_request (RFC 7633)
--   o.resp[name]            path of a DER OCSPResponse, o.der[name] its bytes:
--     good          good's status "good", signed by a delegated responder
--                   (extendedKeyUsage OCSPSigning, issued by o.ca)
--     good_by_ca    the same, signed by o.ca itself
--     revoked       revoked's status "revoked" (keyCompromise, a day ago)
--     unknown       unknown's status "unknown"
--     must_staple   must_staple's status "good", by the delegated responder
--     expired       good's status, made two days ago with nextUpdate a day ago
--     wrong_key     good's status, signed by a self-signed "responder" no one trusts
--     unauthorized  good's status, signed by o.other (issued by o.ca, but
--                   without OCSPSigning: not a responder)
--     bad_sig       good's status with a corrupted signature (openssl ocsp -badsig)
--     not_good      other's status "good": about another certificate
--
-- "expired" needs a responder clock two days back: openssl ocsp takes only
-- positive -ndays/-nmin, so it runs with a tiny LD_PRELOAD library (built
-- here with cc) whose time() returns the time shifted by LUATLS_CLOCK_SHIFT.
local proc = require "spec.support.proc"
local pki = require "spec.support.pki"

local certs_ocsp = {}
local made

local EXT = [[
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
[ must_staple ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
tlsfeature = status_request
[ responder ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
[ ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
]]

local CLOCK_SHIFT_C = [[
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
time_t time(time_t *t)
{
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
    const char *s = getenv("LUATLS_CLOCK_SHIFT");
    time_t v = ts.tv_sec + (s ? atol(s) : 0);
    if (t)
        *t = v;
    return v;
}
]]

local function generate()
  local dir, cleanup = pki.tempdir("ocsp")
  local function sh(cmd) return pki.run(dir, cmd) end
  proc.write_file(dir .. "/ext.cnf", EXT)
  pki.keygen(dir, "ca", "ec256")
  sh("openssl req -new -x509 -key ca.key -subj '/CN=luatls OCSP test CA' -days 30 -out ca.pem"
    .. " -config ext.cnf -extensions ca")
  local function issue(name, serial, section)
    pki.keygen(dir, name, "ec256")
    sh(("openssl req -new -key %s.key -subj '/CN=%s' -config ext.cnf -out %s.csr"):format(name, name, name))
    sh(("openssl x509 -req -in %s.csr -CA ca.pem -CAkey ca.key -set_serial 0x%s -days 30"
      .. " -extfile ext.cnf -extensions %s -out %s.pem"):format(name, serial, section, name))
    sh(("cat %s.pem ca.pem > %s-chain.pem"):format(name, name))
  end
  issue("good", "1001", "leaf")
  issue("revoked", "1002", "leaf")
  issue("unknown", "1003", "leaf")
  issue("other", "1004", "leaf")
  issue("must_staple", "1005", "must_staple") -- RFC 7633: a stapled response is required
  issue("responder", "2001", "responder")
  pki.keygen(dir, "rogue", "ec256")
  sh("openssl req -new -x509 -key rogue.key -subj '/CN=rogue responder' -days 30 -out rogue.pem"
    .. " -config ext.cnf -extensions responder")

  -- The index of `openssl ca`: status, expiry, revocation[,reason], serial, file, subject.
  local expiry = os.date("!%y%m%d%H%M%SZ", os.time() + 30 * 86400)
  local revoked_at = os.date("!%y%m%d%H%M%SZ", os.time() - 86400)
  proc.write_file(dir .. "/index.txt", table.concat({
    table.concat({ "V", expiry, "", "1001", "unknown", "/CN=good" }, "\t"),
    table.concat({ "R", expiry, revoked_at .. ",keyCompromise", "1002", "unknown", "/CN=revoked" }, "\t"),
    table.concat({ "V", expiry, "", "1004", "unknown", "/CN=other" }, "\t"),
    table.concat({ "V", expiry, "", "1005", "unknown", "/CN=must_staple" }, "\t"),
    table.concat({ "V", expiry, "", "2001", "unknown", "/CN=responder" }, "\t"),
  }, "\n") .. "\n")

  proc.write_file(dir .. "/clock_shift.c", CLOCK_SHIFT_C)
  sh("cc -shared -fPIC -o clock_shift.so clock_shift.c")

  local function respond(out, cert, signer, extra, env)
    sh(("%sopenssl ocsp -index index.txt -CA ca.pem -issuer ca.pem -cert %s.pem -rsigner %s.pem"
      .. " -rkey %s.key -ndays 1 -noverify -respout %s.der %s"):format(env or "", cert, signer, signer, out, extra or ""))
  end
  respond("good", "good", "responder")
  respond("good_by_ca", "good", "ca")
  respond("revoked", "revoked", "responder")
  respond("unknown", "unknown", "responder")
  respond("expired", "good", "responder", nil, "LUATLS_CLOCK_SHIFT=-172800 LD_PRELOAD=./clock_shift.so ")
  respond("wrong_key", "good", "rogue")
  respond("unauthorized", "good", "other")
  respond("bad_sig", "good", "responder", "-badsig")
  respond("not_good", "other", "responder")
  respond("must_staple", "must_staple", "responder")

  local o = { dir = dir, _cleanup = cleanup, ca = dir .. "/ca.pem", resp = {}, der = {} }
  for _, name in ipairs { "good", "revoked", "unknown", "other", "must_staple" } do
    o[name] = { cert = dir .. "/" .. name .. ".pem", key = dir .. "/" .. name .. ".key",
                chain = dir .. "/" .. name .. "-chain.pem" }
  end
  for _, name in ipairs { "good", "good_by_ca", "revoked", "unknown", "expired", "wrong_key", "unauthorized",
                          "bad_sig", "not_good", "must_staple" } do
    o.resp[name] = dir .. "/" .. name .. ".der"
    o.der[name] = proc.read_file(o.resp[name])
  end
  return o
end

function certs_ocsp.get()
  made = made or generate()
  return made
end

return certs_ocsp
