-- Session 21, lead: the OCSP staple is judged against the issuer libcrypto
-- verified the server's certificate through, not against any certificate of
-- the peer's chain that bears the issuer's name (review_next21 #1).
--
-- Two trusted CAs share one name (a CA renewed with a new key, two CAs of one
-- private PKI). The server's certificate, issued by the first, is revoked; it
-- sends after it a certificate with the shared name, the second CA's key and
-- the first CA's key identifier, and staples a genuine "good" that the second
-- CA's responder signed for that serial. The CertID (name hash, key hash, serial) fits the
-- forged "issuer", so a client that took the issuer from the chain sent
-- accepted a revoked certificate even with ocsp = "require".
local tls = require "tls"
local proc = require "spec.support.proc"
local E = require "spec.support.engines"

local EXT = [[
[ ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
authorityKeyIdentifier = keyid:always
[ responder ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
authorityKeyIdentifier = keyid:always
[ forged ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = ${ENV::SKID}
]]

local pki = require("spec.support.pki").new()
local function sh(cmd) return pki:sh(cmd) end

local function make()
   proc.write_file(pki:path("l21.cnf"), EXT)
   local shared = "'/CN=luatls shared-name CA'"
   for _, ca in ipairs { "ca1", "ca2" } do
      pki:key(ca, "ec256")
      sh(("SKID=none openssl req -x509 -new -key %s.key -subj %s -days 2 -config l21.cnf -extensions ca -out %s.pem")
         :format(ca, shared, ca))
   end
   sh("cat ca1.pem ca2.pem > trust.pem")
   pki:key("leaf", "ec256")
   sh("openssl req -new -key leaf.key -subj /CN=localhost -out leaf.csr")
   sh("SKID=none openssl x509 -req -in leaf.csr -CA ca1.pem -CAkey ca1.key -set_serial 0x5151 -days 2"
      .. " -extfile l21.cnf -extensions leaf -out leaf.pem")
   -- The forged issuer: the shared name, ca2's key, ca1's key identifier.
   local skid = sh("openssl x509 -in ca1.pem -noout -ext subjectKeyIdentifier | tail -n 1"):gsub("%s", "")
   assert(skid:match("^%x%x:"), "no subject key identifier in ca1.pem: " .. skid)
   sh(("SKID=%s openssl req -x509 -new -key ca2.key -subj %s -days 2 -config l21.cnf -extensions forged"
      .. " -out forged.pem"):format(skid, shared))
   -- ca2's delegated OCSP responder.
   pki:key("resp2", "ec256")
   sh("openssl req -new -key resp2.key -subj '/CN=ca2 OCSP responder' -out resp2.csr")
   sh("SKID=none openssl x509 -req -in resp2.csr -CA ca2.pem -CAkey ca2.key -set_serial 0x7272 -days 2"
      .. " -extfile l21.cnf -extensions responder -out resp2.pem")
   -- Also a good staple from ca1 itself, to show the verified issuer works.
   local expiry = os.date("!%y%m%d%H%M%SZ", os.time() + 86400)
   proc.write_file(pki:path("good.txt"), table.concat({ "V", expiry, "", "5151", "unknown", "/CN=localhost" }, "\t")
      .. "\n")
   sh("openssl ocsp -index good.txt -CA ca2.pem -issuer ca2.pem -cert leaf.pem -rsigner resp2.pem -rkey resp2.key"
      .. " -resp_key_id -ndays 1 -noverify -respout by_ca2.der")
   sh("openssl ocsp -index good.txt -CA ca1.pem -issuer ca1.pem -cert leaf.pem -rsigner ca1.pem -rkey ca1.key"
      .. " -resp_key_id -ndays 1 -noverify -respout by_ca1.der")
   sh("cat leaf.pem forged.pem > leaf_forged.pem")
end
make()

local function pair(server_cert, staple, client_opts)
   local cctx = assert(tls.context(E.merge({ mode = "client", ca = pki:path("trust.pem"), ocsp = "require" },
                                           client_opts)))
   local sctx = assert(tls.context { mode = "server", certificate = pki:path(server_cert),
                                     key = pki:path("leaf.key"), ocsp = pki:path(staple) })
   local c = assert(tls.engine(cctx, { servername = "localhost" }))
   local s = assert(tls.engine(sctx))
   assert(c:start())
   E.pump(c, s)
   return c, s
end

describe("OCSP staple and the issuer the chain was verified through", function()
   for _, v in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("refuses a staple for the serial signed by another CA of the same name, whose key a forged "
         .. "issuer in the chain carries (" .. v .. ")", function()
         local c = pair("leaf_forged.pem", "by_ca2.der", { max_version = v })
         local msg, alert = c:error()
         assert.equal("bad_certificate_status_response", alert)
         assert.equal("ocsp = \"require\": bad OCSP response: the OCSP response is not about the server's "
            .. "certificate", msg)
         assert.is_false(c:status().handshake_done)
      end)

      it("accepts the real issuer's staple, with or without the forged certificate in the chain (" .. v .. ")",
         function()
         for _, cert in ipairs { "leaf.pem", "leaf_forged.pem" } do
            local c = pair(cert, "by_ca1.der", { max_version = v })
            assert.is_nil(c:error())
            assert.is_true(c:status().handshake_done)
            assert.equal("good", c:info().ocsp.status)
         end
      end)
   end
end)

-- tls.wrap without a name checks the peer's address; a tcp6 socket connected
-- to an IPv4 peer names it ::ffff:a.b.c.d, the certificate the 4-byte form.
describe("tls.wrap on a tcp6 socket connected to an IPv4 peer (review_next21 #7)", function()
   local socket = require "socket"
   local peers = require "spec.support.peers"
   after_each(proc.kill_all)

   local function v4only()
      if not pki.v4made then
         pki:ca("v4ca", "ec256", "/CN=luatls v4 CA")
         pki:key("v4leaf", "ec256")
         pki:issue("v4leaf", "/CN=v4 only", "v4ca", { san = "IP:127.0.0.1" })
         pki.v4made = true
      end
      return { cert = pki:path("v4leaf.pem"), key = pki:path("v4leaf.key") }
   end

   local function wrapped(port, ctx)
      local sock = assert(socket.tcp6())
      assert(sock:setoption("ipv6-v6only", false))
      sock:settimeout(10)
      assert(sock:connect("::ffff:127.0.0.1", port))
      return assert(tls.wrap(sock, ctx))
   end

   it("checks the certificate against the IPv4 address, and still refuses one it does not carry", function()
      local _, port = peers.s_server("-www", nil, v4only())
      local conn = wrapped(port, assert(tls.context { mode = "client", ca = pki:path("v4ca.pem") }))
      local ok, err = conn:handshake()
      assert.is_true(ok, err)
      conn:close()
      -- A certificate for 127.0.0.2 only: the mapped address is not a way round the check.
      pki:key("v4other", "ec256")
      pki:issue("v4other", "/CN=v4 other", "v4ca", { san = "IP:127.0.0.2" })
      _, port = peers.s_server("-www", nil, { cert = pki:path("v4other.pem"), key = pki:path("v4other.key") })
      conn = wrapped(port, assert(tls.context { mode = "client", ca = pki:path("v4ca.pem") }))
      ok, err = conn:handshake()
      assert.is_nil(ok)
      assert.matches("127%.0%.0%.1", err)
      assert.not_matches("ffff", err)
   end)
end)
