-- Interoperability with OpenSSL's own TLS 1.3 (openssl s_server / s_client).
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local SUITES = { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256" }
local GROUPS = { "x25519", "secp256r1", "secp384r1" }
-- What each certificate kind must produce: our client reports the scheme
-- the server signed with; s_client prints "Peer signature type".
local KINDS = {
   ecdsa_p256 = { sig = "^ecdsa_secp256r1_sha256$", key = "P%-256", openssl = "ECDSA" },
   ecdsa_p384 = { sig = "^ecdsa_secp384r1_sha384$", key = "P%-384", openssl = "ECDSA" },
   rsa2048 = { sig = "^rsa_pss_rsae_sha%d+$", key = "RSA", openssl = "RSA%-PSS" },
   ed25519 = { sig = "^ed25519$", key = "[Ee][Dd]25519", openssl = "[Ee][Dd]25519" },
}

local c = certs.get()

local function client_ctx(extra)
   return peers.client_ctx(c.ca, extra)
end

local function s_server(args, cert, host)
   cert = cert or c.leaf.ecdsa_p256
   return peers.s_server(string.format("-tls1_3 -cert %s -key %s %s", cert.cert, cert.key, args), host)
end

local function connect(port, ctx, host, opts)
   local conn, err = tls.connect(host or "127.0.0.1", port, ctx or client_ctx(),
      opts or { servername = "localhost", timeout = 10 })
   assert(conn, "connect failed: " .. tostring(err))
   conn:settimeout(10)
   return conn
end

-- Fetches s_server -www's status page, which describes the session as the server saw it.
local fetch_status = peers.status_page

describe("our client against openssl s_server", function()
   after_each(proc.kill_all)

   for _, suite in ipairs(SUITES) do
      it("negotiates " .. suite, function()
         local _, port = s_server("-www -ciphersuites " .. suite)
         local conn = connect(port)
         local info = conn:info()
         assert.equal("TLSv1.3", info.version)
         assert.equal(suite, info.cipher)
         assert.equal("localhost", info.servername)
         local page = fetch_status(conn)
         assert.truthy(page:find("New, TLSv1.3, Cipher is " .. suite, 1, true), page)
         conn:close()
      end)
   end

   for _, group in ipairs(GROUPS) do
      it("exchanges keys on " .. group .. " without a retry", function()
         local _, port = s_server("-www -groups " .. group)
         local conn = connect(port, client_ctx { groups = group })
         local info = conn:info()
         assert.equal(group, info.group)
         assert.is_false(info.hello_retry)
         local page = fetch_status(conn)
         assert.truthy(page:find("Shared groups: " .. group, 1, true), page)
         conn:close()
      end)
   end

   it("answers a CertificateRequest with an empty Certificate when the client certificate is optional", function()
      -- -verify (lower case) asks for a client certificate without requiring one.
      local _, port = s_server("-www -verify 1")
      local events = {}
      local conn = connect(port, client_ctx { trace = function(ev)
         events[#events + 1] = ev.direction .. " " .. ev.message
      end })
      local page = fetch_status(conn)
      assert.truthy(page:find("New, TLSv1.3", 1, true), page)
      assert.truthy(page:find("no client certificate available", 1, true), page)
      local seen = table.concat(events, "\n")
      assert.truthy(seen:find("receive CertificateRequest", 1, true), seen)
      assert.truthy(seen:find("send Certificate", 1, true), seen)
      conn:close()
   end)

   it("fails clearly when the server requires a client certificate", function()
      -- -Verify (upper case) makes the certificate mandatory: s_server rejects our empty one.
      local _, port = s_server("-www -Verify 1")
      -- Our handshake ends with our Finished; the server's alert comes
      -- after it and shows on first use.
      local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 10 }))
      conn:settimeout(10)
      conn:send("GET / HTTP/1.0\r\n\r\n")
      local data, err = conn:receive("*a")
      assert.is_nil(data)
      assert.equal("peer sent alert certificate_required (116): most likely because the server asked for a client certificate, and this context has none (give it certificate and key)", err)
   end)

   it("answers a HelloRetryRequest when the server only accepts secp384r1", function()
      local _, port = s_server("-rev -groups secp384r1")
      local conn = connect(port, client_ctx { groups = "x25519:secp384r1" })
      local info = conn:info()
      assert.is_true(info.hello_retry)
      assert.equal("secp384r1", info.group)
      assert(conn:send("after retry\n"))
      assert.equal("yrter retfa", conn:receive("*l"))
      conn:close()
   end)

   it("retries from the default groups too", function()
      local _, port = s_server("-rev -groups secp384r1")
      local conn = connect(port)
      assert.is_true(conn:info().hello_retry)
      assert.equal("secp384r1", conn:info().group)
      conn:close()
   end)

   for kind, want in pairs(KINDS) do
      it("verifies a " .. kind .. " server certificate", function()
         local _, port = s_server("-rev", c.leaf[kind])
         local conn = connect(port)
         local info = conn:info()
         assert.matches(want.sig, info.signature)
         assert.is_table(info.peer_certificate)
         assert.matches(want.key, info.peer_certificate.key)
         assert.matches("localhost", info.peer_certificate.subject)
         assert(conn:send("hello " .. kind .. "\n"))
         assert.equal(("hello " .. kind):reverse(), conn:receive("*l"))
         conn:close()
      end)
   end

   it("verifies a chain through an intermediate CA", function()
      local _, port = s_server("-rev -cert_chain " .. c.chain.inter,
         { cert = c.chain.leaf, key = c.chain.key })
      local conn = connect(port)
      local info = conn:info()
      assert.equal(2, info.peer_chain_length)
      assert.matches("intermediate", info.peer_certificate.issuer)
      assert(conn:send("chain\n"))
      assert.equal("niahc", conn:receive("*l"))
      conn:close()
   end)

   it("echoes through -rev, several lines and a long one", function()
      local _, port = s_server("-rev")
      local conn = connect(port)
      for i = 1, 5 do
         assert(conn:send("line " .. i .. "\n"))
         assert.equal(("line " .. i):reverse(), conn:receive("*l"))
      end
      local long = string.rep("0123456789abcdef", 500)
      assert(conn:send(long .. "\n"))
      assert.equal(long:reverse(), conn:receive("*l"))
      conn:close()
   end)

   it("checks an IP address against the certificate when connecting to 127.0.0.1", function()
      local _, port = s_server("-rev")
      local conn = connect(port, nil, "127.0.0.1", { timeout = 10 })
      assert(conn:send("ip\n"))
      assert.equal("pi", conn:receive("*l"))
      conn:close()
   end)

   it("connects over IPv6 to ::1", function()
      local _, port = s_server("-rev", nil, "::1")
      local conn = connect(port, nil, "::1", { timeout = 10 })
      assert.equal("TLSv1.3", conn:info().version)
      assert(conn:send("six\n"))
      assert.equal("xis", conn:receive("*l"))
      conn:close()
   end)
end)

describe("openssl s_client against our server", function()
   after_each(proc.kill_all)

   local function s_client(port, extra, host)
      local target = host and ("[" .. host .. "]:" .. port) or ("127.0.0.1:" .. port)
      return proc.run(string.format("openssl s_client -connect %s -tls1_3 -CAfile %s -servername localhost "
         .. "-verify_hostname localhost -verify_return_error -ign_eof %s", target, c.ca, extra or ""),
         "hello luatls\n")
   end

   local function check_echo(out)
      assert.truthy(out:find("Verify return code: 0 (ok)", 1, true), out)
      assert.truthy(out:find("\nhello luatls\n", 1, true), out)
   end

   it("completes a handshake and echoes a line", function()
      local srv, port = peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
      local out = s_client(port)
      assert.truthy(out:find("New, TLSv1.3, Cipher is TLS_", 1, true), out)
      check_echo(out)
      assert.matches("info version=TLSv1.3 ", srv:output())
      assert.matches("servername=localhost", srv:output())
   end)

   for _, suite in ipairs(SUITES) do
      it("negotiates " .. suite, function()
         local srv, port = peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
         local out = s_client(port, "-ciphersuites " .. suite)
         assert.truthy(out:find("New, TLSv1.3, Cipher is " .. suite, 1, true), out)
         check_echo(out)
         assert.truthy(srv:output():find("cipher=" .. suite .. " ", 1, true), srv:output())
      end)
   end

   for _, group in ipairs(GROUPS) do
      it("accepts a key share on " .. group, function()
         local srv, port = peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
         local out = s_client(port, "-groups " .. group)
         check_echo(out)
         local log = srv:output()
         assert.truthy(log:find("group=" .. group .. " ", 1, true), log)
         assert.truthy(log:find("hello_retry=false", 1, true), log)
      end)
   end

   it("sends a HelloRetryRequest when the client's key share is not acceptable", function()
      local srv, port = peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key,
                                              groups = "secp384r1" }
      local out = s_client(port)
      check_echo(out)
      assert.truthy(out:find("Server Temp Key: ECDH, secp384r1", 1, true), out)
      local log = srv:output()
      assert.truthy(log:find("group=secp384r1 ", 1, true), log)
      assert.truthy(log:find("hello_retry=true", 1, true), log)
   end)

   for kind, want in pairs(KINDS) do
      it("signs with a " .. kind .. " certificate", function()
         local srv, port = peers.luatls_server { cert = c.leaf[kind].cert, key = c.leaf[kind].key }
         local out = s_client(port)
         check_echo(out)
         assert.matches("Peer signature type: " .. want.openssl, out)
         local sig = srv:output():match("signature=(%S+)")
         assert.matches(want.sig, sig)
      end)
   end

   it("sends the intermediate CA certificate", function()
      local _, port = peers.luatls_server { cert = c.chain.cert, key = c.chain.key }
      local out = s_client(port)
      check_echo(out)
      assert.truthy(out:find("1 s:CN = luatls test intermediate CA", 1, true), out)
   end)

   it("listens on ::1", function()
      local _, port = peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key, host = "::1" }
      local out = s_client(port, nil, "::1")
      check_echo(out)
   end)
end)
