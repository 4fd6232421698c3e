-- Contexts that can never connect are refused by tls.context, naming the
-- options; the borders next to them are accepted and connect. And `sigalgs`
-- of TLS 1.2-only schemes (rsa_pkcs1_*) make a TLS 1.2 client or server,
-- as a `ciphers` list of TLS 1.2 suites does (review 17).
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local E = require "spec.support.engines"
local H = require "spec.support.hostile_server"
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
      -- (ECDHE_ECDSA suites take Ed25519 keys, rfc8422#5.3: spec/ed12_spec.lua)
      { "an Ed25519 server with max_version TLSv1.2 and only ECDHE_RSA and RSA key transport suites",
        server(ED_CERT, ED_KEY, { max_version = "TLSv1.2",
                                  ciphers = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:" .. RSA_KX }),
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

   it("says the same when a context made without tls.context starts a client", function()
      local ctx = assert(require("tls.core").context(false))
      CTXM.set_verify(ctx, false)
      assert(CTXM.set_versions(ctx, "TLSv1.3", "TLSv1.3"))
      assert(CTXM.set_suites(ctx, SUITE12))
      local e = assert(tls.engine(ctx, { servername = "localhost" }))
      assert.same({ nil, HEAD .. "TLSv1.3 is out because 'ciphers' names no TLS 1.3 suite, and TLSv1.2 because "
         .. "'min_version' is TLSv1.3" }, { e:start() })
   end)
end)

describe("ctxcheck: the borders are accepted, and connect", function()
   local function connect(copts, sopts)
      local c = assert(tls.engine(assert(tls.context(client(copts))), { servername = "localhost" }))
      local s = assert(tls.engine(assert(tls.context(sopts))))
      return E.handshake(c, s)
   end

   it("a client with only rsa_pkcs1 sigalgs (TLS 1.2 with an RSA server)", function()
      local c, s = connect({ sigalgs = "rsa_pkcs1_sha256" }, rsa_server {})
      assert.equal("TLSv1.2", c:info().version)
      assert.equal("rsa_pkcs1_sha256", s:info().signature)
   end)

   it("an RSA server with only rsa_pkcs1 sigalgs (TLS 1.2 with a default client)", function()
      local c = connect({}, rsa_server { sigalgs = "rsa_pkcs1_sha384" })
      assert.equal("TLSv1.2", c:info().version)
      assert.equal("rsa_pkcs1_sha384", c:info().signature)
   end)

   it("a P-256 server with only the P-384 scheme (TLS 1.2, where ECDSA schemes fit any curve)", function()
      local c = connect({}, ec_server { sigalgs = "ecdsa_secp384r1_sha384" })
      assert.equal("TLSv1.2", c:info().version)
      assert.equal("ecdsa_secp384r1_sha384", c:info().signature)
   end)

   it("an RSA server whose sigalgs fit not its key, with RSA key transport (no signature)", function()
      local c = connect({ ciphers = RSA_KX .. ":" .. SUITE13 },
         rsa_server { sigalgs = "ecdsa_secp256r1_sha256", ciphers = RSA_KX .. ":" .. SUITE13 })
      assert.equal("TLSv1.2", c:info().version)
      assert.equal(RSA_KX, c:info().cipher)
   end)

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

describe("ctxcheck: sigalgs of rsa_pkcs1 schemes only make a TLS 1.2 side", function()
   local function server_hello(s)
      local hello = H.parse_records(s:output())[1].body
      assert.equal(2, hello:byte(1))
      return hello
   end

   it("a client with them does not offer TLS 1.3", function()
      local c = E.client_engine { sigalgs = "rsa_pkcs1_sha256" }
      assert(c:start())
      local ch = H.parse_client_hello(H.parse_records(c:output())[1].body)
      for _, v in ipairs(ch.versions or {}) do assert.are_not.equal(0x0304, v) end
      assert.is_nil(ch.ext[H.EXT.key_share])
      -- and takes a TLS 1.2 answer carrying the downgrade sentinel, as it offered only TLS 1.2
      local c2 = E.client_engine { sigalgs = "rsa_pkcs1_sha256" }
      local s2 = assert(tls.engine(assert(tls.context(rsa_server {}))))
      E.handshake(c2, s2)
      assert.equal("TLSv1.2", c2:info().version)
   end)

   it("a server with them speaks TLS 1.2 to a client offering TLS 1.2 and 1.3, without the downgrade sentinel",
      function()
      local c = E.client_engine {}
      local s = assert(tls.engine(assert(tls.context(rsa_server { sigalgs = "rsa_pkcs1_sha256" }))))
      assert(c:start())
      assert(s:feed(c:output()))
      local hello = server_hello(s)
      assert.equal("\3\3", hello:sub(5, 6))
      assert.are_not.equal("DOWNGRD\1", hello:sub(5 + 2 + 24, 5 + 2 + 31))
   end)

   it("a server with a TLS 1.3 scheme for its key still marks its random for a TLS 1.2 client", function()
      local c = E.client_engine { max_version = "TLSv1.2" }
      local s = assert(tls.engine(assert(tls.context(rsa_server { sigalgs = "rsa_pkcs1_sha256:rsa_pss_rsae_sha256" }))))
      assert(c:start())
      assert(s:feed(c:output()))
      assert.equal("DOWNGRD\1", server_hello(s):sub(5 + 2 + 24, 5 + 2 + 31))
   end)

   it("a server with them takes a TLS_FALLBACK_SCSV client at TLS 1.2, its best version", function()
      local c = E.client_engine { max_version = "TLSv1.2" }
      assert(c:start())
      local body = H.parse_records(c:output())[1].body
      local sid_len = body:byte(39)
      local at = 40 + sid_len
      local n = body:byte(at) * 256 + body:byte(at + 1)
      local inner = body:sub(5, at - 1) .. string.char((n + 2) >> 8, (n + 2) & 0xff)
         .. body:sub(at + 2, at + 1 + n) .. "\86\0" .. body:sub(at + 2 + n)
      local msg = "\1" .. string.char(0, #inner >> 8, #inner & 0xff) .. inner
      local s = assert(tls.engine(assert(tls.context(rsa_server { sigalgs = "rsa_pkcs1_sha256" }))))
      assert(s:feed(H.plain_record(22, msg)), tostring((s:error())))
      assert.is_false(s:status().failed)
      local refused = assert(tls.engine(assert(tls.context(rsa_server {}))))
      assert.is_nil(refused:feed(H.plain_record(22, msg)))
      assert.equal("inappropriate_fallback", select(2, refused:error()))
   end)
end)

describe("ctxcheck: the sigalgs fallback against openssl", function()
   local c = certs.get()
   local RSA = c.leaf.rsa2048
   after_each(proc.kill_all)

   it("our client with rsa_pkcs1 sigalgs connects to s_server -sigalgs RSA+SHA256 at TLS 1.2", function()
      local _, port = peers.s_server("-www -sigalgs RSA+SHA256:RSA-PSS+SHA256", nil, RSA)
      local conn = peers.connect(port, peers.client_ctx(c.ca, { sigalgs = "rsa_pkcs1_sha256" }))
      assert.equal("TLSv1.2", conn:info().version)
      assert.equal("rsa_pkcs1_sha256", conn:info().signature)
      assert.truthy(peers.status_page(conn):find("New, TLSv1.2", 1, true))
      conn:close()
   end)

   it("our server with rsa_pkcs1 sigalgs serves s_client -sigalgs at TLS 1.2, without the sentinel", function()
      local srv, port = peers.luatls_server({ sigalgs = "rsa_pkcs1_sha256" }, RSA)
      -- s_client can do TLS 1.3: it would refuse a random with DOWNGRD 01
      local out = proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
         .. "-verify_return_error -sigalgs RSA+SHA256:RSA-PSS+SHA256 -ign_eof", port, c.ca), "hello luatls\n")
      assert.truthy(out:find("New, TLSv1.2", 1, true), out)
      assert.truthy(out:find("\nhello luatls\n", 1, true), out)
      local info = proc.wait_output(srv, "(info [^\n]*)")
      assert.truthy(info:find("signature=rsa_pkcs1_sha256", 1, true), info)
   end)
end)
