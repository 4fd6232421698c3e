-- Session 21, ocsp21: OCSP findings of review_next21.
--   #8 a server staples only a response about the certificate it sends, and
--      its `ocsp` function is told which one (a certificate object) and the
--      client's server name;
--   #2 a client bounds the age of a response without nextUpdate (7 days);
--   #6 (kept, documented) the response's signature is not held to security_level.
-- Responses are made by `openssl ocsp` next to spec/support/certs_ocsp.lua's,
-- in its directory (the CA, the delegated responder, the clock-shift library).
local tls = require "tls"
local proc = require "spec.support.proc"
local pki = require "spec.support.pki"
local E = require "spec.support.engines"
local peers = require "spec.support.peers"

local o = require("spec.support.certs_ocsp").get()

local VERSIONS = { "TLSv1.3", "TLSv1.2" }
after_each(proc.kill_all)
local DAY = 86400

local EXT = [[
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[ ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
]]

-- Material of our own, made once in o.dir.
local m = {}
do
   local function sh(cmd) return pki.run(o.dir, cmd) end
   proc.write_file(o.dir .. "/ext21.cnf", EXT)
   -- An RSA leaf under the same CA: a second pair for "localhost".
   pki.keygen(o.dir, "rsa21", "rsa2048")
   sh("openssl req -new -key rsa21.key -subj /CN=rsa21 -out rsa21.csr")
   sh("openssl x509 -req -in rsa21.csr -CA ca.pem -CAkey ca.key -set_serial 0x1005 -days 30"
      .. " -extfile ext21.cnf -extensions leaf -out rsa21.pem")
   -- Another CA with the test CA's very name, and its own key (trusted by no one).
   pki.keygen(o.dir, "twin21", "ec256")
   sh("openssl req -new -x509 -key twin21.key -subj '/CN=luatls OCSP test CA' -days 30 -out twin21.pem"
      .. " -config ext21.cnf -extensions ca")
   local expiry = os.date("!%y%m%d%H%M%SZ", os.time() + 30 * DAY)
   proc.write_file(o.dir .. "/index21.txt", table.concat({
      table.concat({ "V", expiry, "", "1001", "unknown", "/CN=good" }, "\t"),
      table.concat({ "V", expiry, "", "1005", "unknown", "/CN=rsa21" }, "\t"),
   }, "\n") .. "\n")
   local function respond(out, cert, issuer, signer, extra, shift)
      local env = shift and ("LUATLS_CLOCK_SHIFT=%d LD_PRELOAD=./clock_shift.so "):format(shift) or ""
      sh(("%sopenssl ocsp -index index21.txt -CA %s.pem -issuer %s.pem -cert %s.pem -rsigner %s.pem"
         .. " -rkey %s.key -noverify -respout %s.der %s"):format(env, issuer, issuer, cert, signer, signer, out,
         extra or ""))
      return proc.read_file(o.dir .. "/" .. out .. ".der")
   end
   m.rsa = { cert = o.dir .. "/rsa21.pem", key = o.dir .. "/rsa21.key" }
   m.good_rsa = respond("good_rsa21", "rsa21", "ca", "responder", "-ndays 1")
   -- good's serial and its issuer's name, but the twin's key in the CertID
   m.twin = respond("twin21", "good", "twin21", "twin21", "-ndays 1")
   -- without -ndays/-nmin: no nextUpdate
   m.nonext = respond("nonext21", "good", "ca", "responder")
   m.nonext_6d = respond("nonext6d21", "good", "ca", "responder", nil, -6 * DAY)
   m.nonext_8d = respond("nonext8d21", "good", "ca", "responder", nil, -8 * DAY)
   -- thisUpdate 8 days ago, nextUpdate in 2 days: today's rule
   m.next_8d = respond("next8d21", "good", "ca", "responder", "-ndays 10", -8 * DAY)
   -- signed with SHA-1 (the responder's key is P-256: ecdsa-with-SHA1)
   m.sha1 = respond("sha1_21", "good", "ca", "responder", "-ndays 1 -rmd sha1")
   m.sha1_text = sh("openssl ocsp -respin sha1_21.der -resp_text -noverify")
end

local function client_ctx(opts)
   return assert(tls.context(E.merge({ mode = "client", ca = o.ca }, opts)))
end

local function run(client_opts, server_opts, servername)
   local c = assert(tls.engine(client_ctx(client_opts), { servername = servername or "localhost" }))
   local s = assert(tls.engine(assert(tls.context(E.merge({ mode = "server" }, server_opts)))))
   assert(c:start())
   E.pump(c, s)
   return c, s
end

local function staple_events(events)
   local out = {}
   for _, ev in ipairs(events) do
      if ev.message == "ocsp" then out[#out + 1] = ev end
   end
   return out
end

-- A server with two pairs for localhost: ECDSA (o.good, serial 1001) first, then RSA (serial 1005).
local function two_pairs(opts)
   return E.merge({ certificate = o.good.cert, key = o.good.key,
                    certificates = { { certificate = m.rsa.cert, key = m.rsa.key } } }, opts)
end
local RSA_ONLY = "rsa_pss_rsae_sha256:rsa_pkcs1_sha256"

describe("ocsp21: a server staples only a response about the certificate it sends (review_next21 #8)", function()
   for _, v in ipairs(VERSIONS) do
      describe(v, function()
         it("tells the ocsp function the certificate chosen and the server name", function()
            local seen = {}
            local fn = function(cert, name)
               seen[#seen + 1] = { serial = cert:serial(), name = name }
               return ({ ["1001"] = o.der.good, ["1005"] = m.good_rsa })[cert:serial()]
            end
            local c = run({ ocsp = "require", max_version = v }, two_pairs { ocsp = fn })
            assert.is_true(c:status().handshake_done, tostring(c:error()))
            assert.equal("good", c:info().ocsp.status)
            c = run({ ocsp = "require", max_version = v, sigalgs = RSA_ONLY,
                      ciphers = v == "TLSv1.2" and "ECDHE-RSA-AES128-GCM-SHA256" or nil }, two_pairs { ocsp = fn })
            assert.is_true(c:status().handshake_done, tostring(c:error()))
            assert.equal("good", c:info().ocsp.status)
            assert.same({ { serial = "1001", name = "localhost" }, { serial = "1005", name = "localhost" } }, seen)
            -- no SNI (an address): the name is nil
            c = run({ ocsp = "require", max_version = v }, two_pairs { ocsp = fn }, "127.0.0.1")
            assert.is_true(c:status().handshake_done, tostring(c:error()))
            assert.equal(3, #seen)
            assert.equal("1001", seen[3].serial)
            assert.is_nil(seen[3].name)
         end)

         it("does not staple another pair's response: the client that asked goes on with 'none'", function()
            local strace, sev = E.traced(two_pairs { ocsp = function() return o.der.good end })
            local c = run({ ocsp = true, max_version = v, sigalgs = RSA_ONLY,
                            ciphers = v == "TLSv1.2" and "ECDHE-RSA-AES128-GCM-SHA256" or nil }, strace)
            assert.is_true(c:status().handshake_done, tostring(c:error()))
            assert.equal("none", c:info().ocsp.status)
            local ev = staple_events(sev)
            assert.equal(1, #ev)
            assert.equal("none: the OCSP response is not about the certificate sent (serial 1005; without its issuer, "
               .. "by serial and issuer name)", ev[1].staple)
         end)

         it("does not staple a stale response (another serial) from a file, nor from a function", function()
            for _, ocsp in ipairs { o.resp.not_good, function() return o.der.not_good end } do
               local strace, sev = E.traced { certificate = o.good.chain, key = o.good.key, ocsp = ocsp }
               local c = run({ ocsp = true, max_version = v }, strace)
               assert.is_true(c:status().handshake_done, tostring(c:error()))
               assert.equal("none", c:info().ocsp.status)
               assert.equal("none: the OCSP response is not about the certificate sent (serial 1001)",
                  staple_events(sev)[1].staple)
               -- without the issuer, the serial is compared all the same
               c = run({ ocsp = true, max_version = v }, { certificate = o.good.cert, key = o.good.key, ocsp = ocsp })
               assert.is_true(c:status().handshake_done, tostring(c:error()))
               assert.equal("none", c:info().ocsp.status)
            end
         end)

         it("checks the issuer's key when it holds the issuer, and only its name and the serial when not", function()
            -- the issuer in the chain: the twin CA's key in the CertID is not ours
            local twin = function() return m.twin end
            local strace, sev = E.traced { certificate = o.good.chain, key = o.good.key, ocsp = twin }
            local c = run({ ocsp = true, max_version = v }, strace)
            assert.is_true(c:status().handshake_done, tostring(c:error()))
            assert.equal("none", c:info().ocsp.status)
            assert.equal("none: the OCSP response is not about the certificate sent (serial 1001)",
               staple_events(sev)[1].staple)
            -- the leaf alone (the issuer in neither chain nor store): stapled, the client judges it
            strace, sev = E.traced { certificate = o.good.cert, key = o.good.key, ocsp = twin }
            c = run({ ocsp = true, max_version = v }, strace)
            assert.equal("bad", c:info().ocsp.status)
            assert.equal(#m.twin .. " bytes", staple_events(sev)[1].staple)
            -- and a genuine response is stapled either way
            for _, cert in ipairs { o.good.cert, o.good.chain } do
               c = run({ ocsp = "require", max_version = v },
                  { certificate = cert, key = o.good.key, ocsp = function() return o.der.good end })
               assert.is_true(c:status().handshake_done, tostring(c:error()))
               assert.equal("good", c:info().ocsp.status)
            end
         end)
      end)
   end
end)

describe("ocsp21: a response without nextUpdate is good for 7 days after its thisUpdate (review_next21 #2)", function()
   local function judged(der, v)
      return run({ ocsp = true, max_version = v },
         { certificate = o.good.chain, key = o.good.key, ocsp = function() return der end })
   end
   for _, v in ipairs(VERSIONS) do
      it(v .. ": accepts a fresh one and one of 6 days, with no next_update", function()
         for _, der in ipairs { m.nonext, m.nonext_6d } do
            local c = judged(der, v)
            assert.is_true(c:status().handshake_done, tostring(c:error()))
            local info = c:info().ocsp
            assert.equal("good", info.status)
            assert.is_nil(info.next_update)
         end
         assert.truthy(math.abs(judged(m.nonext_6d, v):info().ocsp.this_update - (os.time() - 6 * DAY)) < 3600)
      end)

      it(v .. ": refuses one of 8 days, with or without \"require\"", function()
         -- Stapled by openssl s_server: ours no longer staples it (review39_spec).
         local reason = "the OCSP response is too old: it has no nextUpdate and its thisUpdate is more than 7 days ago"
         for _, ocsp in ipairs { true, "require" } do
            local _, port = peers.s_server(string.format("-cert %s -key %s -%s -rev -status_file %s", o.good.cert,
               o.good.key, v == "TLSv1.3" and "tls1_3" or "tls1_2", o.dir .. "/nonext8d21.der"))
            local conn, err = tls.connect("127.0.0.1", port, { ca = o.ca, ocsp = ocsp },
               { servername = "localhost", timeout = 10 })
            assert.is_nil(conn)
            assert.equal((ocsp == "require" and "ocsp = \"require\": " or "") .. "bad OCSP response: " .. reason, err)
         end
         -- and our server, given it, staples none
         local c = judged(m.nonext_8d, v)
         assert.is_true(c:status().handshake_done, tostring(c:error()))
         assert.equal("none", c:info().ocsp.status)
      end)

      it(v .. ": keeps today's rule for a response with nextUpdate, however old its thisUpdate", function()
         local c = judged(m.next_8d, v)
         assert.is_true(c:status().handshake_done, tostring(c:error()))
         assert.equal("good", c:info().ocsp.status)
      end)
   end
end)

describe("ocsp21: the responder's signature is not held to security_level (review_next21 #6, kept)", function()
   for _, v in ipairs(VERSIONS) do
      it(v .. ": accepts a response signed with SHA-1 at security_level 2", function()
         assert.truthy(m.sha1_text:match("Signature Algorithm: ecdsa%-with%-SHA1"), m.sha1_text)
         local c = run({ ocsp = "require", max_version = v, security_level = 2 },
            { certificate = o.good.chain, key = o.good.key, ocsp = function() return m.sha1 end })
         assert.is_true(c:status().handshake_done, tostring(c:error()))
         assert.equal("good", c:info().ocsp.status)
      end)
   end
end)
