-- Contexts that can never connect are refused by tls.context, naming the
-- options; the borders next to them are accepted and connect.
local tls = require "tls"
local E = require "spec.support.engines"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local EC_CERT, EC_KEY = E.CERT, E.KEY
local RSA_CERT, RSA_KEY = assert(tls.selfsigned { names = { "localhost" }, key = "rsa" })
local ED_CERT, ED_KEY = assert(tls.selfsigned { names = { "localhost" }, key = "ed25519" })

local SUITE12 = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
local SUITE13 = "TLS_AES_128_GCM_SHA256"
local RSA_KX = "TLS_RSA_WITH_AES_128_GCM_SHA256"
local HEAD = "no peer can ever connect with these options: "

local function client(o) return E.merge({ mode = "client", verify = false }, o) end
local function server(cert, key, o) return E.merge({ mode = "server", certificate = cert, key = key }, o) end
local function ec_server(o) return server(EC_CERT, EC_KEY, o) end
local function rsa_server(o) return server(RSA_CERT, RSA_KEY, o) end

describe("ctxcheck: tls.context refuses a context that can never connect", function()
   for _, case in ipairs {
      { "a client with min_version TLSv1.3 and only TLS 1.2 ciphers",
        client { min_version = "TLSv1.3", ciphers = SUITE12 },
        "TLSv1.3 is out because 'ciphers' names no TLS 1.3 suite, and TLSv1.2 because 'min_version' is TLSv1.3" },
      { "a server with min_version TLSv1.3 and only TLS 1.2 ciphers",
        ec_server { min_version = "TLSv1.3", ciphers = SUITE12 },
        "TLSv1.3 is out because 'ciphers' names no TLS 1.3 suite, and TLSv1.2 because 'min_version' is TLSv1.3" },
      { "a client with max_version TLSv1.2 and only TLS 1.3 ciphers",
        client { max_version = "TLSv1.2", ciphers = SUITE13 },
        "TLSv1.3 is out because 'max_version' is TLSv1.2, and TLSv1.2 because 'ciphers' names no TLS 1.2 suite" },
      { "a server with max_version TLSv1.2 and only TLS 1.3 ciphers",
        ec_server { max_version = "TLSv1.2", ciphers = SUITE13 },
        "TLSv1.3 is out because 'max_version' is TLSv1.2, and TLSv1.2 because 'ciphers' names no TLS 1.2 suite" },
      { "a client with min_version TLSv1.3 and only rsa_pkcs1 sigalgs",
        client { min_version = "TLSv1.3", sigalgs = "rsa_pkcs1_sha256:rsa_pkcs1_sha384" },
        "TLSv1.3 is out because 'sigalgs' names only rsa_pkcs1_* schemes, which TLS 1.3 forbids, and TLSv1.2 "
        .. "because 'min_version' is TLSv1.3" },
      { "a client with only TLS 1.3 ciphers and only rsa_pkcs1 sigalgs",
        client { ciphers = SUITE13, sigalgs = "rsa_pkcs1_sha256" },
        "TLSv1.3 is out because 'sigalgs' names only rsa_pkcs1_* schemes, which TLS 1.3 forbids, and TLSv1.2 "
        .. "because 'ciphers' names no TLS 1.2 suite" },
      { "an RSA server with min_version TLSv1.3 and only rsa_pkcs1 sigalgs",
        rsa_server { min_version = "TLSv1.3", sigalgs = "rsa_pkcs1_sha256" },
        "TLSv1.3 is out because 'sigalgs' has no TLS 1.3 scheme for the certificate's RSA key, and TLSv1.2 "
        .. "because 'min_version' is TLSv1.3" },
      { "an ECDSA server whose sigalgs its key signs with in no version",
        ec_server { sigalgs = "rsa_pkcs1_sha256:rsa_pss_rsae_sha256:ed25519" },
        "TLSv1.3 is out because 'sigalgs' has no TLS 1.3 scheme for the certificate's EC P-256 key, and TLSv1.2 "
        .. "because 'sigalgs' has no TLS 1.2 scheme for the certificate's EC P-256 key" },
      { "a P-256 server with min_version TLSv1.3 and only the P-384 scheme",
        ec_server { min_version = "TLSv1.3", sigalgs = "ecdsa_secp384r1_sha384" },
        "TLSv1.3 is out because 'sigalgs' has no TLS 1.3 scheme for the certificate's EC P-256 key, and TLSv1.2 "
        .. "because 'min_version' is TLSv1.3" },
      { "an ECDSA server with only ECDHE_RSA and RSA key transport suites",
        ec_server { ciphers = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:" .. RSA_KX },
        "TLSv1.3 is out because 'ciphers' names no TLS 1.3 suite, and TLSv1.2 because no TLS 1.2 suite in "
        .. "'ciphers' fits the certificate's EC P-256 key" },
      { "an Ed25519 server with max_version TLSv1.2",
        server(ED_CERT, ED_KEY, { max_version = "TLSv1.2" }),
        "TLSv1.3 is out because 'max_version' is TLSv1.2, and TLSv1.2 because no TLS 1.2 suite in 'ciphers' "
        .. "fits the certificate's Ed25519 key" },
      { "a TLS 1.2 server with only finite-field groups",
        ec_server { max_version = "TLSv1.2", groups = "ffdhe2048:ffdhe3072" },
        "TLSv1.3 is out because 'max_version' is TLSv1.2, and TLSv1.2 because 'groups' names no elliptic curve "
        .. "for TLS 1.2 ECDHE (ffdhe* serve TLS 1.3 only)" },
   } do
      it("refuses " .. case[1], function()
         assert.same({ nil, HEAD .. case[3] }, { tls.context(case[2]) })
      end)
   end
end)

describe("ctxcheck: the borders are accepted, and connect", function()
   local function connect(copts, sopts)
      local c = assert(tls.engine(assert(tls.context(client(copts))), { servername = "localhost" }))
      local s = assert(tls.engine(assert(tls.context(sopts))))
      return E.handshake(c, s)
   end

   it("a TLS 1.2 RSA server with only finite-field groups, with RSA key transport (no group)", function()
      local c = connect({ ciphers = RSA_KX },
         rsa_server { max_version = "TLSv1.2", groups = "ffdhe2048", ciphers = RSA_KX })
      assert.equal("TLSv1.2", c:info().version)
      assert.equal(RSA_KX, c:info().cipher)
   end)

   it("a server with only finite-field groups (TLS 1.3, with openssl s_client)", function()
      local c = certs.get()
      local srv, port = peers.luatls_server({ groups = "ffdhe2048" }, c.leaf.ecdsa_p256)
      local out = proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
         .. "-groups ffdhe2048 -ign_eof", port, c.ca), "hello luatls\n")
      assert.truthy(out:find("New, TLSv1.3", 1, true), out)
      assert.truthy(proc.wait_output(srv, "(info [^\n]*)"):find("group=ffdhe2048", 1, true))
   end)
   after_each(proc.kill_all)
end)

