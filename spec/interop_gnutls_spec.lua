-- Interoperability with GnuTLS (gnutls-serv / gnutls-cli): an independent
-- TLS 1.3 implementation, so it catches what OpenSSL-only testing hides.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local c = certs.get()
local TLS13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3"
-- Our suite names and GnuTLS's cipher names for them.
local SUITES = {
   TLS_AES_128_GCM_SHA256 = "AES-128-GCM",
   TLS_AES_256_GCM_SHA384 = "AES-256-GCM",
   TLS_CHACHA20_POLY1305_SHA256 = "CHACHA20-POLY1305",
}
local SIGNATURES = {
   ecdsa_p256 = "^ecdsa_secp256r1_sha256$",
   ecdsa_p384 = "^ecdsa_secp384r1_sha384$",
   rsa2048 = "^rsa_pss_rsae_sha%d+$",
   ed25519 = "^ed25519$",
}

local function gnutls_serv(priority, cert)
   cert = cert or c.leaf.ecdsa_p256
   return peers.gnutls_serv(string.format("--x509certfile %s --x509keyfile %s --echo --priority %s",
      cert.cert, cert.key, priority or TLS13))
end

local function echo_once(port, ctx_extra, text)
   local o = { mode = "client", ca = c.ca }
   for k, v in pairs(ctx_extra or {}) do o[k] = v end
   local ctx = assert(tls.context(o))
   local conn, err = tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 })
   assert(conn, "connect failed: " .. tostring(err))
   conn:settimeout(10)
   assert(conn:send(text .. "\n"))
   local line, rerr = conn:receive("*l")
   assert.equal(text, line, rerr)
   local info = conn:info()
   conn:close()
   return info
end

describe("our client against gnutls-serv", function()
   after_each(proc.kill_all)

   for kind, sig in pairs(SIGNATURES) do
      it("verifies a " .. kind .. " certificate and echoes", function()
         local _, port = gnutls_serv(nil, c.leaf[kind])
         local info = echo_once(port, nil, "hello gnutls " .. kind)
         assert.equal("TLSv1.3", info.version)
         assert.matches(sig, info.signature)
      end)
   end

   for suite, name in pairs(SUITES) do
      it("negotiates " .. suite, function()
         local _, port = gnutls_serv(TLS13 .. ":-CIPHER-ALL:+" .. name)
         local info = echo_once(port, nil, "suite " .. suite)
         assert.equal(suite, info.cipher)
      end)
   end

   it("answers a HelloRetryRequest for secp384r1", function()
      local _, port = gnutls_serv(TLS13 .. ":-GROUP-ALL:+GROUP-SECP384R1")
      local info = echo_once(port, nil, "retry")
      assert.is_true(info.hello_retry)
      assert.equal("secp384r1", info.group)
   end)

   it("sends a long message in several records", function()
      local _, port = gnutls_serv()
      local text = string.rep("gnutls", 6000) -- 36000 bytes: three records
      local info = echo_once(port, nil, text)
      assert.equal("TLSv1.3", info.version)
   end)
end)

describe("gnutls-cli against our server", function()
   after_each(proc.kill_all)

   -- gnutls-cli stops at the end of its input, so keep stdin open for a
   -- moment: it leaves as soon as our server closes the connection.
   local function gnutls_cli(port, priority)
      return proc.run(string.format("(printf 'hello luatls\\n'; sleep 1) | gnutls-cli --x509cafile %s "
         .. "--verify-hostname localhost --sni-hostname localhost -p %d --priority %s 127.0.0.1",
         c.ca, port, priority or TLS13))
   end

   local function check(out)
      assert.truthy(out:find("- Handshake was completed", 1, true), out)
      assert.truthy(out:find("The certificate is trusted", 1, true), out)
      assert.truthy(out:find("(TLS1.3-X.509)", 1, true), out)
      assert.truthy(out:find("\nhello luatls\n", 1, true), out)
   end

   it("completes a handshake and echoes a line", function()
      local srv, port = peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
      check(gnutls_cli(port))
      assert.truthy(srv:output():find("servername=localhost", 1, true), srv:output())
   end)

   for suite, name in pairs(SUITES) do
      it("negotiates " .. suite, function()
         local srv, port = peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
         local out = gnutls_cli(port, TLS13 .. ":-CIPHER-ALL:+" .. name)
         check(out)
         assert.truthy(out:find("-(" .. name .. ")", 1, true), out)
         assert.truthy(srv:output():find("cipher=" .. suite .. " ", 1, true), srv:output())
      end)
   end

   it("accepts an x25519 key share", function()
      local srv, port = peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
      local out = gnutls_cli(port, TLS13 .. ":-GROUP-ALL:+GROUP-X25519")
      check(out)
      assert.truthy(out:find("(ECDHE-X25519)", 1, true), out)
      assert.truthy(srv:output():find("group=x25519 ", 1, true), srv:output())
   end)

   it("sends a HelloRetryRequest when only secp384r1 is acceptable", function()
      local srv, port = peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key,
                                              groups = "secp384r1" }
      local out = gnutls_cli(port)
      check(out)
      assert.truthy(out:find("(ECDHE-SECP384R1)", 1, true), out)
      assert.truthy(srv:output():find("hello_retry=true", 1, true), srv:output())
   end)

   for _, kind in ipairs { "rsa2048", "ed25519", "ecdsa_p384" } do
      it("signs with a " .. kind .. " certificate", function()
         local _, port = peers.luatls_server { cert = c.leaf[kind].cert, key = c.leaf[kind].key }
         check(gnutls_cli(port))
      end)
   end
end)
