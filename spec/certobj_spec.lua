-- Certificate objects (tls.certificate, tls.certificates, and what
-- conn:peercertificate() returns): every method against what `openssl x509`
-- prints for the same file.
local tls = require "tls"
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"
local pki_mod = require "spec.support.pki"

local c = certs.get()

local function x509(file, args)
   local out, code = proc.run("openssl x509 -in " .. proc.quote(file) .. " -noout " .. args)
   assert(code == 0, out)
   return (out:gsub("%s+$", ""))
end

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6, Jul = 7, Aug = 8, Sep = 9, Oct = 10,
                 Nov = 11, Dec = 12 }

-- "Dec  1 21:50:05 2026 GMT" -> Unix time (days from the civil date, UTC).
local function openssl_time(s)
   local mon, d, hh, mm, ss, y = s:match("^(%a+)%s+(%d+) (%d+):(%d+):(%d+) (%d+) GMT$")
   assert(mon, s)
   y, mon, d = tonumber(y), MONTHS[mon], tonumber(d)
   if mon <= 2 then y = y - 1 end
   local era = y // 400
   local yoe = y - era * 400
   local doy = (153 * (mon + (mon > 2 and -3 or 9)) + 2) // 5 + d - 1
   local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
   local days = era * 146097 + doe - 719468
   return days * 86400 + tonumber(hh) * 3600 + tonumber(mm) * 60 + tonumber(ss)
end

local function load(file)
   return assert(tls.certificate(proc.read_file(file)))
end

local FILES = {
   ecdsa_p256 = c.leaf.ecdsa_p256.cert, rsa2048 = c.leaf.rsa2048.cert, ed25519 = c.leaf.ed25519.cert,
   inter = c.chain.inter, ca = c.ca,
}

describe("certificate objects", function()
   for name, file in pairs(FILES) do
      describe(name, function()
         local cert = load(file)

         it("subject() and issuer() as openssl -nameopt RFC2253", function()
            assert.equal(x509(file, "-subject -nameopt RFC2253"), "subject=" .. cert:subject())
            assert.equal(x509(file, "-issuer -nameopt RFC2253"), "issuer=" .. cert:issuer())
         end)

         it("serial() as openssl -serial", function()
            assert.equal(x509(file, "-serial"), "serial=" .. cert:serial())
         end)

         it("notbefore() and notafter() as openssl -dates, in Unix time", function()
            local dates = x509(file, "-dates")
            assert.equal(openssl_time(dates:match("notBefore=([^\n]+)")), cert:notbefore())
            assert.equal(openssl_time(dates:match("notAfter=([^\n]+)")), cert:notafter())
            assert.equal("integer", math.type(cert:notafter()))
         end)

         it("digest() as openssl -fingerprint (sha256 by default, sha1, sha512)", function()
            for _, alg in ipairs { "sha256", "sha1", "sha512" } do
               local fp = x509(file, "-fingerprint -" .. alg):match("Fingerprint=(%S+)")
               assert.equal(fp:gsub(":", ""):lower(), cert:digest(alg))
            end
            assert.equal(cert:digest("sha256"), cert:digest())
         end)

         it("pem() and der() as the file and openssl -outform DER", function()
            assert.equal(proc.read_file(file), cert:pem())
            local der, code = proc.run("openssl x509 -in " .. proc.quote(file) .. " -outform DER")
            assert.equal(0, code)
            assert.equal(der, cert:der())
         end)

         it("pubkey() as openssl -pubkey and -text", function()
            local pk = cert:pubkey()
            assert.equal(x509(file, "-pubkey") .. "\n", pk.pem)
            local text = x509(file, "-text")
            if name == "rsa2048" then
               assert.equal("RSA", pk.kind)
               assert.equal(2048, pk.bits)
               assert.matches("Public%-Key: %(2048 bit%)", text)
               assert.is_nil(pk.curve)
            elseif name == "ed25519" then
               assert.equal("Ed25519", pk.kind)
               assert.matches("ED25519 Public%-Key", text)
            else
               assert.equal("EC", pk.kind)
               assert.equal(256, pk.bits)
               assert.equal("P-256", pk.curve)
               assert.matches("NIST CURVE: P%-256", text)
            end
            local out = proc.run("openssl x509 -in " .. proc.quote(file) .. " -pubkey -noout | "
               .. "openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64")
            assert.equal(out:gsub("%s+$", ""), pk.spki_sha256)
         end)

         it("extensions() as openssl -text", function()
            local text = x509(file, "-text")
            local exts = cert:extensions()
            assert.is_true(#exts >= 2)
            for _, e in ipairs(exts) do
               assert.equal("string", type(e.oid))
               assert.matches("^%d+%.%d+", e.oid)
               assert.equal("boolean", type(e.critical))
               if e.name == "basicConstraints" then
                  assert.is_true(e.critical)
                  assert.truthy(text:find("X509v3 Basic Constraints: critical", 1, true))
                  assert.equal((name == "inter" or name == "ca") and "CA:TRUE" or "CA:FALSE", e.value)
               elseif e.name == "subjectAltName" then
                  assert.equal("2.5.29.17", e.oid)
                  assert.equal(x509(file, "-ext subjectAltName"):match("\n%s*(.-)$"), e.value)
               elseif e.name == "keyUsage" then
                  assert.equal(x509(file, "-ext keyUsage"):match("\n%s*(.-)$"), e.value)
               end
            end
         end)

         it("__eq, __tostring", function()
            assert.equal(load(file), cert)
            assert.is_true(load(file) == cert)
            assert.is_false(cert == load(name == "ca" and c.chain.inter or c.ca))
            assert.equal("tls.certificate: " .. cert:subject(), tostring(cert))
         end)
      end)
   end

   it("names() lists DNS, IP, email and URI subjectAltNames in order", function()
      local p = pki_mod.new()
      p:ca("root", "ec256", "/CN=names root")
      p:key("leaf", "ec256")
      p:issue("leaf", "/CN=names", "root",
         { san = "DNS:a.example,IP:192.0.2.1,email:x@a.example,URI:https://a.example/,IP:2001:db8::1,DNS:b.example" })
      local cert = load(p:path("leaf.pem"))
      assert.same({
         { type = "DNS", value = "a.example" }, { type = "IP", value = "192.0.2.1" },
         { type = "email", value = "x@a.example" }, { type = "URI", value = "https://a.example/" },
         { type = "IP", value = "2001:db8::1" }, { type = "DNS", value = "b.example" },
      }, cert:names())
      assert.same({}, load(c.ca):names())
   end)

   it("digest() of an unknown algorithm is nil, message", function()
      assert.same({ nil, "digest: unknown digest algorithm 'nope'" }, { load(c.ca):digest("nope") })
   end)

   describe("tls.certificate", function()
      it("loads PEM and DER", function()
         local pem = proc.read_file(c.ca)
         local a = assert(tls.certificate(pem))
         local b = assert(tls.certificate(a:der()))
         assert.equal(a, b)
         assert.equal(pem, b:pem())
      end)

      it("takes the first certificate of PEM with several; tls.certificates takes all", function()
         local chain = proc.read_file(c.chain.cert)
         assert.equal(load(c.chain.leaf), tls.certificate(chain))
         local list = assert(tls.certificates(chain))
         assert.equal(2, #list)
         assert.equal(load(c.chain.leaf), list[1])
         assert.equal(load(c.chain.inter), list[2])
      end)

      it("refuses empty input, garbage, DER with extra bytes and bad PEM", function()
         assert.same({ nil, "tls.certificate: empty input (give PEM text or DER bytes)" }, { tls.certificate("") })
         local cert, err = tls.certificate("garbage")
         assert.is_nil(cert)
         assert.matches("^tls%.certificate: not a certificate %(neither PEM text nor DER%)", err)
         cert, err = tls.certificate(load(c.ca):der() .. "x")
         assert.is_nil(cert)
         assert.matches("^tls%.certificate: DER certificate followed by extra bytes", err)
         cert, err = tls.certificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
         assert.is_nil(cert)
         assert.matches("^tls%.certificate: bad PEM: no certificate could be read", err)
         assert.same({ nil, "tls.certificates: no PEM certificate in the text" }, { tls.certificates("x") })
         assert.has_error(function() tls.certificate(5) end,
            "bad argument #1 to 'certificate' (PEM or DER string expected, got number)")
      end)

      it("keeps its certificate alive on its own", function()
         local cert = tls.certificate(proc.read_file(c.ca))
         collectgarbage()
         collectgarbage()
         assert.equal("CN=luatls test root CA", cert:subject())
      end)
   end)
end)

describe("signature_algorithms_cert", function()
   local core = require "tls.core"
   local peers = require "spec.support.peers"
   local fits = core._internal.chain_fits_sigalgs_cert
   local ECDSA_P256, ECDSA_P384, PKCS1_SHA256, PKCS1_SHA384, PSS_RSAE_SHA256 = 0x0403, 0x0503, 0x0401, 0x0501, 0x0804

   after_each(proc.kill_all)

   it("tls_chain_fits_sigalgs_cert: ECDSA chains by digest", function()
      local chain = proc.read_file(c.chain.cert)
      assert.is_true(fits(chain, { ECDSA_P256 }))
      assert.is_true(fits(chain, { PKCS1_SHA256, ECDSA_P256 }))
      assert.is_false(fits(chain, { ECDSA_P384 }))
      assert.is_false(fits(chain, { PKCS1_SHA256, PSS_RSAE_SHA256 }))
      assert.is_false(fits(chain, {}))
   end)

   it("tls_chain_fits_sigalgs_cert: RSA PKCS#1 signatures, and a self-signed root is not judged", function()
      local p = pki_mod.new()
      p:ca("rsaroot", "rsa2048", "/CN=rsa root")          -- self-signed with sha256
      p:key("leaf", "ec256")
      p:issue("leaf", "/CN=localhost", "rsaroot", { md = "sha384" })
      local leaf = p:read("leaf.pem")
      assert.is_true(fits(leaf, { PKCS1_SHA384 }))
      assert.is_false(fits(leaf, { PKCS1_SHA256, PSS_RSAE_SHA256, ECDSA_P384 }))
      -- leaf + root: the root's own sha256 signature does not count
      assert.is_true(fits(leaf .. p:read("rsaroot.pem"), { PKCS1_SHA384 }))
      -- but a leaf's signature does, even when self-signed
      assert.is_false(fits(p:read("rsaroot.pem"), { PKCS1_SHA384 }))
   end)

   it("our ClientHello carries it, with the rsa_pkcs1 schemes (SHA-1 last), in TLS 1.3 and TLS 1.2", function()
      for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
         local h, port = peers.s_server(string.format("-www -trace -cert %s -key %s", c.leaf.ecdsa_p256.cert,
            c.leaf.ecdsa_p256.key))
         local events = {}
         local conn = assert(tls.connect("127.0.0.1", port, { ca = c.ca, max_version = version,
            trace = function(ev) events[#events + 1] = ev end }, { servername = "localhost", timeout = 10 }))
         assert.equal(version, conn:info().version)
         conn:close()
         proc.sleep(0.2)
         local out = h:output()
         local ext = out:match("extension_type=signature_algorithms_cert%(50%).-\n(.-)extension_type")
         assert.truthy(ext, out)
         -- s_server dumps this extension in hex: the list, strongest first.
         local hex = {}
         for line in ext:gmatch("[^\n]+") do
            local bytes = line:match("%x%x%x%x %- (.-)%s%s%s")
            if bytes then for b in bytes:gmatch("%x%x") do hex[#hex + 1] = b end end
         end
         assert.equal("0020 0403 0503 0603 0807 0808 0804 0805 0806 0809 080a 080b 0401 0501 0601 0203 0201",
            table.concat(hex):gsub("(%x%x%x%x)", "%1 "):gsub(" $", ""))
         assert.matches("rsa_pkcs1_sha256", events[1].signature_algorithms_cert)
         h:kill()
      end
   end)
end)
