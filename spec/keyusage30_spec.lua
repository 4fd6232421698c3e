-- Our own certificates' keyUsage (rfc5280#4.2.1.3): a leaf without
-- digitalSignature never signs a handshake (rfc8446#4.4.2.2, rfc5246#7.4.2
-- for ECDHE, rfc5246#7.4.8 for a client's CertificateVerify), one without
-- keyEncipherment never takes an RSA premaster (lead29_spec). A pair that
-- allows nothing we could do with it is refused by tls.context; a pair
-- that allows some handshakes serves those only, and another pair serves
-- the rest. (GnuTLS and our own client refuse a peer that breaks this.)
local tls = require "tls"
local E = require "spec.support.engines"
local certs = require "spec.support.certs"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local B = require "spec.support.tlsbytes"

local pki = require("spec.support.pki").new()
pki:ca("root", "ec256", "/CN=luatls keyusage30 root")
for _, ext in ipairs { "ku_sign", "ku_encipher" } do
   pki:key(ext, "rsa2048")
   pki:issue(ext, "/CN=" .. ext, "root", { ext = ext })
end
-- An encipher-only pair for one name only, beside a signing default.
pki:key("named_encipher", "rsa2048")
pki:issue("named_encipher", "/CN=named_encipher", "root", { ext = "ku_encipher", san = "DNS:enc.example" })
pki:key("ku_nonrep", "rsa2048")
pki:issue("ku_nonrep", "/CN=ku_nonrep", "root", { ext = "ku_nonrep" })
pki:key("ed_encipher", "ed25519")
pki:issue("ed_encipher", "/CN=ed_encipher", "root", { ext = "ku_encipher" })
pki:key("ec_encipher", "ec256")
pki:issue("ec_encipher", "/CN=ec_encipher", "root", { ext = "ku_encipher" })

local function pair(name) return { certificate = pki:path(name .. ".pem"), key = pki:path(name .. ".key") } end
local ROOT = pki:path("root.pem")
local RSA_KX = "TLS_RSA_WITH_AES_128_GCM_SHA256"
local ECDHE_RSA = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"

local function handshake(client_opts, server_opts, servername)
   local c, s = E.engines(E.merge({ ca = ROOT }, client_opts), server_opts, servername)
   assert(c:start())
   E.pump(c, s)
   return c, s
end

local function subject_of(conn)
   return conn:info().peer_certificate.subject
end

describe("a server certificate whose keyUsage lacks digitalSignature", function()
   after_each(proc.kill_all)

   it("is refused by tls.context when nothing else is enabled, saying why for each version", function()
      assert.same({ nil, "no peer can ever connect with these options: TLSv1.3 is out because the certificate's "
         .. "keyUsage lacks digitalSignature (TLS 1.3 signs the handshake), and TLSv1.2 because its "
         .. "ECDHE suites need a keyUsage with digitalSignature (name TLS_RSA_WITH_AES_128_GCM_SHA256 in 'ciphers' "
         .. "for RSA key transport)" },
         { tls.context(E.merge({ mode = "server" }, pair("ku_encipher"))) })
      -- review30b: the longest of these reasons, whole (TLS_REASON_MAX)
      assert.same({ nil, "no peer can ever connect with these options: TLSv1.3 is out because no certificate's "
         .. "keyUsage has digitalSignature (TLS 1.3 signs the handshake), and TLSv1.2 because the suites in "
         .. "'ciphers' need a certificate whose keyUsage has digitalSignature (ECDHE) or keyEncipherment (RSA key "
         .. "transport), and we have none" },
         { tls.context(E.merge({ mode = "server", ciphers = "TLS_AES_128_GCM_SHA256:" .. RSA_KX .. ":" .. ECDHE_RSA,
            certificates = { pair("ec_encipher") } }, pair("ku_nonrep"))) })
   end)

   it("serves RSA key transport only, and tells an ECDHE client why not", function()
      local opts = E.merge({ ciphers = RSA_KX .. ":" .. ECDHE_RSA }, pair("ku_encipher"))
      local c, s = handshake({ ciphers = RSA_KX }, opts)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.equal(RSA_KX, s:info().cipher)
      -- a TLS 1.3 and ECDHE client: TLS 1.3 is out, ECDHE cannot be signed
      c, s = handshake({}, opts)
      assert.is_true(s:status().failed)
      local msg, alert = s:error()
      assert.equal("handshake_failure", alert)
      assert.equal("the client offers only ECDHE suites for our certificate, whose keyUsage lacks "
         .. "digitalSignature (RFC 5246 7.4.2): it serves RSA key transport only", msg)
   end)

   -- review30b: the pair choice compares key exchanges, not suites: an RSA
   -- default is not passed over for an ECDSA pair whose ECDHE suite we list
   -- first, nor for RSA key transport a server lists before ECDHE_RSA
   it("keeps the default pair when another would give the same key exchange", function()
      local c0 = certs.get()
      local opts = E.merge({ certificates = { { certificate = c0.leaf.ecdsa_p256.cert,
         key = c0.leaf.ecdsa_p256.key } } }, pair("ku_sign"))
      local c, s = handshake({ max_version = "TLSv1.2" }, opts)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.equal("CN=ku_sign", subject_of(c))
      assert.equal(ECDHE_RSA, s:info().cipher)
   end)

   -- review30a F4: "this server requires TLS 1.2 or 1.3" before
   it("tells a TLS 1.3-only client why TLS 1.3 is out", function()
      local opts = E.merge({ ciphers = "TLS_AES_128_GCM_SHA256:" .. RSA_KX }, pair("ku_encipher"))
      local c, s = handshake({ min_version = "TLSv1.3" }, opts)
      assert.is_true(s:status().failed)
      local msg, alert = s:error()
      assert.equal("protocol_version", alert)
      assert.equal("client offers only TLS 1.3, which this server cannot do: the certificate's keyUsage lacks "
         .. "digitalSignature (TLS 1.3 signs the handshake)", msg)
      assert.equal("protocol_version", select(2, c:error()))
   end)

   it("gives way to a pair that may sign, in TLS 1.3 and for ECDHE, even as the default", function()
      -- (our suite order: ECDHE_RSA before RSA key transport)
      local opts = { ciphers = "TLS_AES_128_GCM_SHA256:" .. ECDHE_RSA .. ":" .. RSA_KX,
                     certificate = pair("ku_encipher").certificate, key = pair("ku_encipher").key,
                     certificates = { pair("ku_sign") } }
      local c, s = handshake({}, opts)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.equal("TLSv1.3", c:info().version)
      assert.equal("CN=ku_sign", subject_of(c))
      c, s = handshake({ ciphers = ECDHE_RSA, max_version = "TLSv1.2" }, opts)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.equal("CN=ku_sign", subject_of(c))
      -- review30a F1: a client offering RSA key transport too still gets
      -- ECDHE from the pair that may sign, not key transport from the default
      c, s = handshake({ ciphers = RSA_KX .. ":" .. ECDHE_RSA, max_version = "TLSv1.2" }, opts)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.equal(ECDHE_RSA, s:info().cipher)
      assert.equal("CN=ku_sign", subject_of(c))
      -- a server that ranks RSA key transport first keeps its order: the
      -- default serves it (the pair choice follows the key exchange we prefer)
      local kx_first = E.merge(opts, { ciphers = "TLS_AES_128_GCM_SHA256:" .. RSA_KX .. ":" .. ECDHE_RSA })
      c, s = handshake({ ciphers = RSA_KX .. ":" .. ECDHE_RSA, max_version = "TLSv1.2" }, kx_first)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.equal(RSA_KX, s:info().cipher)
      assert.equal("CN=ku_encipher", subject_of(c))
      -- and RSA key transport alone still goes to the default, which allows it
      c, s = handshake({ ciphers = RSA_KX, max_version = "TLSv1.2" }, opts)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.equal("CN=ku_encipher", subject_of(c))
      assert.equal(RSA_KX, s:info().cipher)
   end)

   it("is not used to sign TLS 1.3 when the client's name chose it, and the server says so", function()
      local opts = E.merge({ ciphers = "TLS_AES_128_GCM_SHA256:" .. RSA_KX .. ":" .. ECDHE_RSA,
                             certificates = { pair("named_encipher") } }, pair("ku_sign"))
      local c, s = handshake({ ca = ROOT }, opts, "enc.example")
      assert.is_true(s:status().failed)
      local msg, alert = s:error()
      assert.equal("handshake_failure", alert)
      assert.equal("our certificate for this name has a keyUsage without digitalSignature, which TLS 1.3 needs "
         .. "to sign the handshake (RFC 8446 4.4.2.2)", msg)
   end)

   -- review30b F3: the version was chosen from the whole context, then the
   -- name chose a pair that cannot sign; a client offering TLS 1.2 too with
   -- RSA key transport was refused where a servername function switching
   -- to a context holding that pair alone served it
   it("serves TLS 1.2 with RSA key transport when the client's name chose it and the client offers both", function()
      local opts = E.merge({ ciphers = "TLS_AES_128_GCM_SHA256:" .. RSA_KX .. ":" .. ECDHE_RSA,
                             certificates = { pair("named_encipher") } }, pair("ku_sign"))
      -- (our client refuses a TLS 1.2 ServerHello carrying the downgrade
      -- sentinel: there is none, for this name we do not speak TLS 1.3)
      local client = { ciphers = "TLS_AES_128_GCM_SHA256:" .. ECDHE_RSA .. ":" .. RSA_KX }
      local c, s = handshake(client, opts, "enc.example")
      assert.is_true(c:status().handshake_done, tostring(c:error()) .. " / " .. tostring(s:error()))
      assert.equal("TLSv1.2", c:info().version)
      assert.equal(RSA_KX, s:info().cipher)
      assert.equal("CN=named_encipher", subject_of(c))
      -- another name, or none: TLS 1.3 from the default, which may sign
      for _, name in ipairs { "localhost", false } do
         c, s = handshake(client, opts, name or nil)
         assert.is_true(c:status().handshake_done, tostring(c:error()))
         assert.equal("TLSv1.3", c:info().version)
         assert.equal("CN=ku_sign", subject_of(c))
      end
      -- a client whose TLS 1.2 suites the pair cannot serve is told why TLS
      -- 1.3 failed (the test above)
      c, s = handshake({ ciphers = "TLS_AES_128_GCM_SHA256:" .. ECDHE_RSA }, opts, "enc.example")
      assert.is_true(s:status().failed)
      assert.truthy(select(1, s:error()):find("keyUsage without digitalSignature, which TLS 1.3", 1, true))
   end)

   it("keeps TLS 1.3, and says why it fails, for a client that offers only TLS 1.3 for that name", function()
      -- (a TLS 1.2 suite in a TLS 1.3-only hello is no offer of TLS 1.2)
      local sv = tls.engine(tls.context(E.merge({ mode = "server",
         ciphers = "TLS_AES_128_GCM_SHA256:" .. RSA_KX .. ":" .. ECDHE_RSA,
         certificates = { pair("named_encipher") } }, pair("ku_sign"))))
      local ok, msg = sv:feed(B.client_hello_record { server_name = "enc.example", versions = { 0x0304 },
                                                      suites = { 0x1301, 0x009c }, sigalgs = { 0x0804, 0x0401 } })
      E.assert_failed(sv, ok, msg, "handshake_failure", "our certificate for this name has a keyUsage without "
         .. "digitalSignature, which TLS 1.3 needs to sign the handshake (RFC 8446 4.4.2.2)")
   end)

   it("serves openssl s_client, which checks the downgrade sentinel, TLS 1.2 for the encipher-only name", function()
      local srv, port = peers.luatls_server({ ciphers = "TLS_AES_128_GCM_SHA256:" .. ECDHE_RSA .. ":" .. RSA_KX,
         cert2 = pair("named_encipher").certificate, key2 = pair("named_encipher").key },
         { cert = pair("ku_sign").certificate, key = pair("ku_sign").key })
      local out = proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -servername enc.example "
         .. "-CAfile %s -verify_return_error -cipher AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256 "
         .. "-ciphersuites TLS_AES_128_GCM_SHA256 -sigalgs RSA+SHA256:ECDSA+SHA256 -ign_eof", port, ROOT),
         "hello luatls\n", 20)
      assert.truthy(out:find("Protocol%s*:%s*TLSv1.2") or out:find("New, TLSv1.2", 1, true), out:sub(-1500))
      assert.truthy(out:find("AES128-GCM-SHA256", 1, true), out:sub(-1500))
      assert.truthy(out:find("CN = named_encipher", 1, true), out:sub(-1500))
      assert.truthy(out:find("hello luatls", 1, true), out:sub(-1500))
      assert(srv)
   end)

   it("serves gnutls-cli (which checks keyUsage) in TLS 1.3 and TLS 1.2 from the pair that may sign", function()
      local srv, port = peers.luatls_server({ ciphers = "TLS_AES_128_GCM_SHA256:" .. ECDHE_RSA .. ":" .. RSA_KX,
         cert2 = pair("ku_sign").certificate, key2 = pair("ku_sign").key },
         { cert = pair("ku_encipher").certificate, key = pair("ku_encipher").key })
      for _, version in ipairs { "TLS1.3", "TLS1.2" } do
         -- (+RSA: it offers RSA key transport too, and still gets ECDHE)
         local out = proc.run(string.format("gnutls-cli -p %d --x509cafile %s --verify-hostname localhost "
            .. "127.0.0.1 --priority 'NORMAL:-VERS-ALL:+VERS-%s:+RSA'", port, ROOT, version), "hello luatls\n", 20)
         assert.truthy(out:find("\nhello luatls", 1, true), out:sub(-800))
         assert.truthy(out:find("CN=ku_sign", 1, true), out:sub(-800))
         assert.truthy(out:find(version == "TLS1.2" and "(ECDHE-" or "(TLS1.3", 1, true), out:sub(-800))
      end
      assert(srv)
   end)
end)

describe("a certificate whose keyUsage allows nothing we do with it", function()
   -- (alone, such a pair makes tls.context say why neither version can
   -- work, as above; beside a pair that works, it is named)
   it("is refused for a server when it allows neither signing nor key transport", function()
      local ALL = "TLS_AES_128_GCM_SHA256:" .. RSA_KX .. ":" .. ECDHE_RSA
      assert.same({ nil, "certificate 2 (CN=ku_nonrep): its keyUsage has neither digitalSignature nor "
         .. "keyEncipherment, so no handshake can use it" },
         { tls.context(E.merge({ mode = "server", ciphers = ALL, certificates = { pair("ku_nonrep") } },
            pair("ku_sign"))) })
      local p = certs.policy()
      assert.same({ nil, "certificate 2 (CN=localhost): its keyUsage lacks digitalSignature, and signing is all an "
         .. "EC key can do in a handshake" },
         { tls.context(E.merge({ mode = "server", certificates = { { certificate = p.certsign_only.cert,
            key = p.certsign_only.key } } }, pair("ku_sign"))) })
      assert.same({ nil, "certificate 2 (CN=ed_encipher): its keyUsage lacks digitalSignature, and signing is "
         .. "all an Ed25519 key can do in a handshake" },
         { tls.context(E.merge({ mode = "server", certificates = { pair("ed_encipher") } }, pair("ku_sign"))) })
      -- keyEncipherment means nothing to an EC key, even with RSA key transport on
      assert.same({ nil, "certificate 2 (CN=ec_encipher): its keyUsage lacks digitalSignature, and signing is "
         .. "all an EC key can do in a handshake" },
         { tls.context(E.merge({ mode = "server", ciphers = ALL, certificates = { pair("ec_encipher") } },
            pair("ku_sign"))) })
   end)

   -- review30a F5: an encipher-only RSA pair beside one that signs, with
   -- no RSA key transport suite to use it for
   it("is refused for a server when it may only encipher and RSA key transport is off", function()
      assert.same({ nil, "certificate 2 (CN=ku_encipher): its keyUsage lacks digitalSignature, so it serves RSA "
         .. "key transport only, and 'ciphers' enables no TLS_RSA_WITH_* suite" },
         { tls.context(E.merge({ mode = "server", certificates = { pair("ku_encipher") } }, pair("ku_sign"))) })
      assert.same({ nil, "certificate 2 (CN=ku_encipher): its keyUsage lacks digitalSignature, so it serves RSA "
         .. "key transport only, and 'ciphers' enables no TLS_RSA_WITH_* suite" },
         { tls.context(E.merge({ mode = "server", ciphers = "TLS_AES_128_GCM_SHA256:" .. RSA_KX,
            min_version = "TLSv1.3", certificates = { pair("ku_encipher") } }, pair("ku_sign"))) })
      assert.truthy(tls.context(E.merge({ mode = "server", ciphers = "TLS_AES_128_GCM_SHA256:" .. RSA_KX,
         certificates = { pair("ku_encipher") } }, pair("ku_sign"))))
   end)

   it("is refused for a client when it lacks digitalSignature, even beside one that has it", function()
      local why = "certificate 1 (CN=ku_encipher): its keyUsage lacks digitalSignature, which a client certificate "
         .. "needs (the client signs to prove it holds the key)"
      assert.same({ nil, why }, { tls.context(E.merge({ mode = "client", ca = ROOT }, pair("ku_encipher"))) })
      -- (RSA key transport on: a client still signs for its certificate)
      assert.same({ nil, why }, { tls.context(E.merge({ mode = "client", ca = ROOT,
         ciphers = RSA_KX .. ":" .. ECDHE_RSA }, pair("ku_encipher"))) })
      assert.same({ nil, why }, { tls.context(E.merge({ mode = "client", ca = ROOT,
         certificates = { pair("ku_sign") } }, pair("ku_encipher"))) })
      assert.truthy(tls.context(E.merge({ mode = "client", ca = ROOT }, pair("ku_sign"))))
   end)
end)

-- review30a F3: our server blamed a client certificate's extendedKeyUsage
-- when its keyUsage was what libcrypto's client purpose refused. Our own
-- client refuses to hold such a certificate: openssl s_client sends it.
describe("a client certificate whose keyUsage lacks digitalSignature, from openssl s_client", function()
   after_each(proc.kill_all)

   for _, v in ipairs { { "TLSv1.3", "-tls1_3" }, { "TLSv1.2", "-tls1_2" } } do
      it("is refused by our server, which names the keyUsage, " .. v[1], function()
         local srv, port = peers.luatls_server({ verify = "required", ca = ROOT },
            { cert = pair("ku_sign").certificate, key = pair("ku_sign").key })
         proc.run(string.format("openssl s_client -connect 127.0.0.1:%d %s -CAfile %s -servername localhost "
            .. "-ign_eof -cert %s -key %s", port, v[2], ROOT, pair("ku_encipher").certificate,
            pair("ku_encipher").key), "hello luatls\n", 20)
         assert.equal("client certificate rejected: certificate is not allowed for client authentication (its "
            .. "keyUsage lacks digitalSignature, which signing the handshake needs)",
            proc.wait_output(srv, "\nfailed ([^\n]*)\n", 10))
      end)
   end
end)
