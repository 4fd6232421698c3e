-- curl (libcurl on OpenSSL) fetching a page from our server.
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local c = certs.get()

local function curl(url, extra)
   return proc.run(string.format("curl -sS -v --max-time 15 --tlsv1.3 --cacert %s %s %s",
      c.ca, extra or "", proc.quote(url)))
end

describe("curl against our server", function()
   after_each(proc.kill_all)

   it("fetches a page by host name", function()
      local srv, port = peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key, mode = "http" }
      local out, code = curl("https://localhost:" .. port .. "/", "--resolve localhost:" .. port .. ":127.0.0.1")
      assert.equal(0, code, out)
      assert.matches("SSL connection using TLSv1.3 / TLS_", out)
      assert.truthy(out:find("hello from luatls\n", 1, true), out)
      assert.truthy(out:find("HTTP/1.1 200 OK", 1, true), out)
      assert.truthy(srv:output():find("servername=localhost", 1, true), srv:output())
   end)

   for _, suite in ipairs { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256" } do
      it("negotiates " .. suite, function()
         local _, port = peers.luatls_server { cert = c.leaf.rsa2048.cert, key = c.leaf.rsa2048.key, mode = "http" }
         local out, code = curl("https://localhost:" .. port .. "/",
            "--tls13-ciphers " .. suite .. " --resolve localhost:" .. port .. ":127.0.0.1")
         assert.equal(0, code, out)
         assert.truthy(out:find("SSL connection using TLSv1.3 / " .. suite, 1, true), out)
         assert.truthy(out:find("hello from luatls\n", 1, true), out)
      end)
   end

   it("fetches by IPv4 address (certificate IP address entry)", function()
      local _, port = peers.luatls_server { cert = c.leaf.ed25519.cert, key = c.leaf.ed25519.key, mode = "http" }
      local out, code = curl("https://127.0.0.1:" .. port .. "/")
      assert.equal(0, code, out)
      assert.truthy(out:find("hello from luatls\n", 1, true), out)
   end)

   it("fetches over IPv6 from [::1]", function()
      local _, port = peers.luatls_server { cert = c.leaf.ecdsa_p384.cert, key = c.leaf.ecdsa_p384.key,
                                            mode = "http", host = "::1" }
      local out, code = curl("https://[::1]:" .. port .. "/")
      assert.equal(0, code, out)
      assert.truthy(out:find("hello from luatls\n", 1, true), out)
   end)

   it("rejects our server when it does not trust the issuer", function()
      local _, port = peers.luatls_server { cert = c.untrusted.cert, key = c.untrusted.key, mode = "http" }
      local out, code = curl("https://127.0.0.1:" .. port .. "/")
      assert.equal(60, code, out) -- CURLE_PEER_FAILED_VERIFICATION
   end)
end)
