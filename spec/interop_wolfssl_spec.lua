-- Our client and server against wolfSSL (Debian's libwolfssl-dev, 5.5): a
-- TLS stack written apart from OpenSSL, GnuTLS and Go, with its own ideas of
-- what a ClientHello holds (its own extension order, an empty key_share on
-- request, its own ticket format). spec/support/wolfssl_peer.c is its client
-- and server, built once per run.
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local c = certs.get()

-- wolfSSL's names of the TLS 1.3 suites, and ours.
local TLS13_SUITES = {
   { "TLS13-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256" },
   { "TLS13-AES256-GCM-SHA384", "TLS_AES_256_GCM_SHA384" },
   { "TLS13-CHACHA20-POLY1305-SHA256", "TLS_CHACHA20_POLY1305_SHA256" },
}

local wolf = require("spec.support.cpeer").new("spec/support/wolfssl_peer.c", "-lwolfssl", "libwolfssl-dev",
   { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key })
local wolf_server, wolf_client = wolf.server, wolf.client

local function echo(port, ctx, opts, line)
   return peers.echo(port, ctx, opts, line and { line })
end

-- Waits for the wolfSSL server to end; its output, showing `count` connections.
local function served(h, count)
   return wolf.served(h, count)
end

teardown(wolf.remove)

describe("our client against wolfSSL's server", function()
   after_each(proc.kill_all)

   it("verifies its chain and name and echoes over TLS 1.3", function()
      local h, port = wolf_server()
      local info = echo(port, peers.client_ctx(c.ca))
      assert.equal("TLSv1.3", info.version)
      assert.is_true(info.peer_verified)
      assert.truthy(served(h, 1):find("conn 1 version=TLSv1.3 ", 1, true))
   end)

   for _, s in ipairs(TLS13_SUITES) do
      it("negotiates " .. s[2] .. " when wolfSSL allows only it", function()
         local h, port = wolf_server { ciphers = s[1], version = "1.3" }
         assert.equal(s[2], echo(port, peers.client_ctx(c.ca)).cipher)
         served(h, 1)
      end)
   end

   for _, s in ipairs {
      { "ECDHE-ECDSA-AES128-GCM-SHA256", "ecdsa_p256" },
      { "ECDHE-ECDSA-AES256-GCM-SHA384", "ecdsa_p384" },
      { "ECDHE-ECDSA-CHACHA20-POLY1305", "ecdsa_p256" },
      { "ECDHE-RSA-AES128-GCM-SHA256", "rsa2048" },
      { "ECDHE-RSA-CHACHA20-POLY1305", "rsa2048" },
   } do
      it("negotiates TLS 1.2 " .. s[1] .. " with a " .. s[2] .. " certificate", function()
         local pair = c.leaf[s[2]]
         local h, port = wolf_server { version = "1.2", ciphers = s[1], cert = pair.cert, key = pair.key }
         local info = echo(port, peers.client_ctx(c.ca))
         assert.equal("TLSv1.2", info.version)
         assert.truthy(served(h, 1):find("conn 1 version=TLSv1.2 cipher=" .. s[1], 1, true))
      end)
   end

   for _, kind in ipairs { "ecdsa_p384", "rsa2048", "ed25519" } do
      it("verifies the TLS 1.3 signature of a " .. kind .. " certificate", function()
         local pair = c.leaf[kind]
         local h, port = wolf_server { cert = pair.cert, key = pair.key, version = "1.3" }
         local info = echo(port, peers.client_ctx(c.ca))
         assert.is_true(info.peer_verified)
         assert.equal(({ ecdsa_p384 = "ecdsa_secp384r1_sha384", rsa2048 = "rsa_pss_rsae_sha256",
                         ed25519 = "ed25519" })[kind], info.signature)
         served(h, 1)
      end)
   end

   it("verifies a chain with an intermediate it sends", function()
      local h, port = wolf_server { cert = c.chain.cert, key = c.chain.key }
      assert.is_true(echo(port, peers.client_ctx(c.ca)).peer_verified)
      served(h, 1)
   end)

   it("answers its HelloRetryRequest for secp384r1", function()
      local h, port = wolf_server { groups = "secp384r1", version = "1.3" }
      local info = echo(port, peers.client_ctx(c.ca))
      assert.equal("secp384r1", info.group)
      assert.is_true(info.hello_retry)
      served(h, 1)
   end)

   it("echoes the cookie of its HelloRetryRequest", function()
      local h, port = wolf_server { groups = "secp384r1", version = "1.3", cookie = 1 }
      local info = echo(port, peers.client_ctx(c.ca))
      assert.is_true(info.hello_retry)
      served(h, 1)
   end)

   it("completes a handshake without a certificate when wolfSSL asks for one but does not require it", function()
      local cl = certs.clients()
      for _, version in ipairs { "1.3", "1.2" } do
         local h, port = wolf_server { ca = cl.ca, optional = 1, version = version }
         assert.equal("TLSv" .. version, echo(port, peers.client_ctx(c.ca)).version)
         assert.truthy(served(h, 1):find("conn 1 version=TLSv" .. version .. " [^\n]* peercert=0"), h:output())
      end
   end)

   for _, kind in ipairs { "ecdsa", "rsa" } do
      it("sends a TLS 1.2 " .. kind .. " client certificate", function()
         local cl = certs.clients()
         -- wolfSSL's TLS 1.2 CertificateRequest asks for the kind of its own key.
         local pair = kind == "rsa" and c.leaf.rsa2048 or c.leaf.ecdsa_p256
         local h, port = wolf_server { ca = cl.ca, version = "1.2", cert = pair.cert, key = pair.key }
         echo(port, peers.client_ctx(c.ca, { certificate = cl[kind].cert, key = cl[kind].key }))
         assert.truthy(served(h, 1):find("conn 1 version=TLSv1.2 [^\n]* peercert=1"), h:output())
      end)
   end

   it("sends no RSA certificate to a TLS 1.2 CertificateRequest for ecdsa_sign only", function()
      -- RFC 5246 7.4.4: certificate_types lists what the client may offer;
      -- wolfSSL with an ECDSA key asks for ecdsa_sign alone, and requires one.
      local cl = certs.clients()
      local h, port = wolf_server { ca = cl.ca, version = "1.2" }
      local events = {}
      local ctx = peers.client_ctx(c.ca, { certificate = cl.rsa.cert, key = cl.rsa.key,
         trace = function(e) events[#events + 1] = e end })
      local conn = require("tls").connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 })
      assert.is_nil(conn)
      local sent
      for _, e in ipairs(events) do
         if e.message == "CertificateRequest" then assert.equal("ecdsa_sign", e.certificate_types) end
         if e.message == "Certificate" and e.direction == "send" then sent = e.certificates end
      end
      assert.equal("none", sent)
      assert.is_true(h:wait(10))
      assert.truthy(h:output():find("conn 1 failed handshake: peer did not return a certificate", 1, true),
         h:output())
   end)

   it("negotiates TLS 1.2 with a server that could do 1.3 when ours stops at 1.2", function()
      local h, port = wolf_server { version = "any" }
      assert.equal("TLSv1.2", echo(port, peers.client_ctx(c.ca, { max_version = "TLSv1.2" })).version)
      served(h, 1)
   end)

   it("sends and receives a line of 40000 bytes in several records", function()
      local h, port = wolf_server()
      echo(port, peers.client_ctx(c.ca), nil, string.rep("0123456789", 4000))
      served(h, 1)
   end)

   it("agrees on ALPN", function()
      local h, port = wolf_server { alpn = "h2" }
      assert.equal("h2", echo(port, peers.client_ctx(c.ca, { alpn = { "http/1.1", "h2" } })).alpn)
      assert.truthy(served(h, 1):find("alpn=h2 ", 1, true))
   end)

   it("sends a client certificate wolfSSL requires and verifies", function()
      local cl = certs.clients()
      local h, port = wolf_server { ca = cl.ca }
      echo(port, peers.client_ctx(c.ca, { certificate = cl.ecdsa.cert, key = cl.ecdsa.key }))
      assert.truthy(served(h, 1):find("conn 1 version=TLSv1.3 .* peercert=1"), h:output())
   end)

   for _, version in ipairs { "1.3", "1.2" } do
      it("resumes a TLS " .. version .. " session wolfSSL issued", function()
         local h, port = wolf_server { conns = 2, version = version }
         local ctx = peers.client_ctx(c.ca)
         local info1, session = echo(port, ctx)
         assert.is_false(info1.resumed)
         assert.is_string(session, "wolfSSL issued no session our client kept")
         local info2 = echo(port, ctx, { session = session })
         assert.is_true(info2.resumed)
         local out = served(h, 2)
         assert.truthy(out:find("conn 1 version=TLSv" .. version .. " [^\n]* resumed=0"), out)
         assert.truthy(out:find("conn 2 version=TLSv" .. version .. " [^\n]* resumed=1"), out)
      end)
   end

   it("is refused, with a reason, by a wolfSSL server whose certificate names another host", function()
      local h, port = wolf_server { cert = c.wronghost.cert, key = c.wronghost.key }
      peers.refuses_wrong_host(port, peers.client_ctx(c.ca))
      h:wait(10)
   end)
end)

describe("wolfSSL's client against our server", function()
   after_each(proc.kill_all)

   local server = peers.lines_server

   it("completes TLS 1.3, verifies our chain and name, and echoes", function()
      local h, port = server()
      local out, code = wolf_client(port, { ca = c.ca })
      assert.equal(0, code, out)
      assert.truthy(out:find("conn 1 version=TLSv1.3 ", 1, true), out)
      proc.wait_output(h, "info version=TLSv1.3 ")
   end)

   for _, s in ipairs(TLS13_SUITES) do
      it("negotiates " .. s[2] .. " when wolfSSL offers only it", function()
         local h, port = server()
         local out, code = wolf_client(port, { ca = c.ca, ciphers = s[1], version = "1.3" })
         assert.equal(0, code, out)
         proc.wait_output(h, "info version=TLSv1.3 cipher=" .. s[2] .. " ")
      end)
   end

   for _, s in ipairs {
      { "ECDHE-ECDSA-AES128-GCM-SHA256", "ecdsa_p256" },
      { "ECDHE-ECDSA-CHACHA20-POLY1305", "ecdsa_p256" },
      { "ECDHE-RSA-AES256-GCM-SHA384", "rsa2048" },
   } do
      it("serves a TLS 1.2 client offering only " .. s[1] .. " with a " .. s[2] .. " certificate", function()
         local _, port = server({}, c.leaf[s[2]])
         local out, code = wolf_client(port, { ca = c.ca, ciphers = s[1], version = "1.2" })
         assert.equal(0, code, out)
         assert.truthy(out:find("conn 1 version=TLSv1.2 cipher=" .. s[1] .. " ", 1, true), out)
      end)
   end

   for _, kind in ipairs { "ecdsa_p384", "rsa2048", "ed25519" } do
      it("signs TLS 1.3 with a " .. kind .. " certificate wolfSSL verifies", function()
         local _, port = server({}, c.leaf[kind])
         local out, code = wolf_client(port, { ca = c.ca, version = "1.3" })
         assert.equal(0, code, out)
         assert.truthy(out:find("conn 1 version=TLSv1.3 ", 1, true), out)
      end)
   end

   -- Hellos wolfSSL can make unusual, each with what our server's log must show.
   for _, case in ipairs {
      { "a secp521r1-only hello", { groups = "secp521r1" }, "group=secp521r1 " },
      { "a secp384r1-only hello", { groups = "secp384r1" }, "group=secp384r1 " },
      { "a hello whose key_share is empty, with a HelloRetryRequest", { keyshare = "none", version = "1.3" },
        "hello_retry=true " },
      { "a hello with two key shares, by our preference and with no HelloRetryRequest",
        { version = "1.3", groups = "secp384r1,x25519", keyshare = "secp384r1,x25519" },
        "group=x25519 [^\n]* hello_retry=false " },
      { "a hello without server_name", { sni = "-" }, "servername=nil " },
   } do
      it("takes " .. case[1], function()
         local h, port = server()
         local o = { ca = c.ca }
         for k, v in pairs(case[2]) do o[k] = v end
         local out, code = wolf_client(port, o)
         assert.equal(0, code, out)
         proc.wait_output(h, "info version=TLSv1.3 [^\n]* " .. case[3])
      end)
   end

   it("serves TLS 1.2 to a client that could do 1.3 when ours stops at 1.2", function()
      local h, port = server { max_version = "TLSv1.2" }
      local out, code = wolf_client(port, { ca = c.ca, version = "any" })
      assert.equal(0, code, out)
      assert.truthy(out:find("conn 1 version=TLSv1.2 ", 1, true), out)
      proc.wait_output(h, "info version=TLSv1.2 ")
   end)

   it("refuses a TLS 1.2-only client when ours requires TLS 1.3, and says why", function()
      local h, port = server { min_version = "TLSv1.3" }
      local out, code = wolf_client(port, { ca = c.ca, version = "1.2" })
      assert.is_not.equal(0, code, out)
      assert.truthy(out:find("conn 1 failed handshake: received alert fatal error", 1, true), out)
      proc.wait_output(h, "failed client offers at most TLSv1.2; this server requires TLS 1.3")
   end)

   it("answers its KeyUpdate and reads on under the new keys", function()
      local _, port = server()
      local out, code = wolf_client(port, { ca = c.ca, keyupdate = 1, version = "1.3" })
      assert.equal(0, code, out)
      assert.truthy(out:find("conn 1 version=TLSv1.3 [^\n]* keyupdate=ok echo=ok"), out)
   end)

   it("echoes lines of 60000 bytes", function()
      local _, port = server()
      local out, code = wolf_client(port, { ca = c.ca, size = 60000 })
      assert.equal(0, code, out)
   end)

   it("agrees on ALPN", function()
      local h, port = server { alpn = "h2,http/1.1" }
      local out, code = wolf_client(port, { ca = c.ca, alpn = "http/1.1" })
      assert.equal(0, code, out)
      assert.truthy(out:find("alpn=http/1.1 ", 1, true), out)
      proc.wait_output(h, "alpn=http/1.1")
   end)

   for _, r in ipairs {
      { "1.3", "a ticket", {}, {} },
      { "1.2", "a ticket", {}, {} },
      { "1.2", "its session id", { store = "memory" }, { tickets = 0 } },
   } do
      it("resumes wolfSSL's TLS " .. r[1] .. " session by " .. r[2], function()
         local h, port = server(r[3])
         local o = { ca = c.ca, conns = 2, version = r[1] }
         for k, v in pairs(r[4]) do o[k] = v end
         local out, code = wolf_client(port, o)
         assert.equal(0, code, out)
         assert.truthy(out:find("conn 1 version=TLSv" .. r[1] .. " [^\n]* resumed=0"), out)
         assert.truthy(out:find("conn 2 version=TLSv" .. r[1] .. " [^\n]* resumed=1"), out)
         proc.wait_output(h, "info version=TLSv" .. r[1] .. " [^\n]* resumed=true ")
      end)
   end

   for _, kind in ipairs { "ecdsa", "rsa" } do
      it("verifies wolfSSL's " .. kind .. " client certificate", function()
         local cl = certs.clients()
         local h, port = server { verify = "required", ca = cl.ca }
         local out, code = wolf_client(port, { ca = c.ca, cert = cl[kind].cert, key = cl[kind].key })
         assert.equal(0, code, out)
         proc.wait_output(h, "peer subject=[^\n]*verified=true")
      end)
   end

   it("refuses a wolfSSL client without a certificate when one is required", function()
      local cl = certs.clients()
      local h, port = server { verify = "required", ca = cl.ca }
      local out, code = wolf_client(port, { ca = c.ca })
      assert.is_not.equal(0, code, out)
      proc.wait_output(h, "failed [^\n]*certificate")
   end)
end)
