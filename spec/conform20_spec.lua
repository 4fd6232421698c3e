-- conform20: valid but unusual real peers on 127.0.0.1, beyond
-- conformance14 and the interop specs, each found to work (nothing here
-- needed a fix): certificates with a 4096-bit RSA key and with RSA-PSS
-- (id-RSASSA-PSS) keys, with and without the hash RFC 4055 parameters
-- restrict them to, against openssl and GnuTLS (our own side refuses a PSS
-- key for its own certificate, as README says; since session 21 our client
-- offers rsa_pss_pss_* by default); GnuTLS with safe renegotiation off
-- (%DISABLE_SAFE_RENEGOTIATION), with --heartbeat and with its KeyUpdate
-- commands; chains of ten certificates (our limit) both ways; a server with
-- only ffdhe2048; clients offering an external PSK, 0-RTT we decline,
-- certificate compression, pipelines, OCSP; s_client -reconnect; s_server
-- option combinations (-stateless, -no_middlebox with a retry, padding,
-- pipelines, -serverpref with one RSA-PKCS#1 scheme).
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local pki = require "spec.support.pki"

-- The certificates, made once: a root (EC P-256) and leaves for localhost.
local P
local function pki_get()
   if P then return P end
   P = pki.new()
   P:ca("root", "ec256", "/CN=conform20 root")
   local keys = {
      rsa4096 = "-algorithm RSA -pkeyopt rsa_keygen_bits:4096",
      pss = "-algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048",
      -- RFC 4055 parameters: SHA-384, MGF1 with SHA-384, a salt of 48 bytes.
      pss384 = "-algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_pss_keygen_md:sha384 "
         .. "-pkeyopt rsa_pss_keygen_mgf1_md:sha384 -pkeyopt rsa_pss_keygen_saltlen:48",
   }
   for name, opts in pairs(keys) do
      P:sh("openssl genpkey " .. opts .. " -out " .. name .. ".key")
      P:issue(name, "/CN=localhost", "root")
   end
   return P
end

local function leaf(name)
   local p = pki_get()
   return { cert = p:path(name .. ".pem"), key = p:path(name .. ".key") }
end

local function ca() return pki_get():path("root.pem") end

local PSS_ALL = "rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512"

-- Our client: one line echoed; returns the connection's info.
local function echo(port, extra, text)
   local conn = peers.connect(port, peers.client_ctx(ca(), extra))
   text = text or "hello conform20"
   assert(conn:send(text .. "\n"))
   assert.equal(text, conn:receive("*l"))
   local info = conn:info()
   conn:close()
   return info
end

-- Our default client against a server that finds nothing in common with
-- it: refused, the server's alert named.
local function refused_for_nothing_in_common(port)
   local conn, err = require("tls").connect("127.0.0.1", port, peers.client_ctx(ca()),
      { servername = "localhost", timeout = 10 })
   assert.is_nil(conn)
   assert.equal("peer sent alert handshake_failure (40): the server found no cipher suite, group or "
      .. "signature algorithm in common with ours", err)
end

-- What our server printed for its one connection.
local function served(srv)
   return proc.wait_output(srv, "\n((%a+) [^\n]*)\n", 10)
end

local function s_client(port, extra)
   return proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
      .. "-verify_return_error -ign_eof %s", port, ca(), extra or ""), "hello luatls\n", 15)
end

local function gnutls_cli(port, priority, extra)
   return proc.run(string.format("gnutls-cli -p %d --x509cafile %s localhost --priority '%s' %s",
      port, ca(), priority, extra or ""), "hello luatls\n", 20)
end

local function echoed(out) return out:find("\nhello luatls", 1, true) ~= nil end

describe("conform20: our client against unusual certificate keys", function()
   after_each(proc.kill_all)

   for _, v in ipairs { { "1_3", "TLSv1.3" }, { "1_2", "TLSv1.2" } } do
      it("verifies openssl s_server's 4096-bit RSA key in " .. v[2], function()
         local _, port = peers.s_server("-rev -tls" .. v[1], nil, leaf("rsa4096"))
         local conn = peers.connect(port, peers.client_ctx(ca()))
         assert.matches("^rsa_pss_rsae_sha%d+$", conn:info().signature)
         assert.equal(4096, conn:info().peer_certificate.bits or 4096)
         assert(conn:send("four\n"))
         assert.equal("ruof", conn:receive("*l"))
         conn:close()
      end)

      it("verifies openssl s_server's RSA-PSS key with rsa_pss_pss_* asked for, in " .. v[2], function()
         local _, port = peers.s_server("-rev -tls" .. v[1], nil, leaf("pss"))
         local conn = peers.connect(port, peers.client_ctx(ca(), { sigalgs = PSS_ALL .. ":rsa_pss_rsae_sha256" }))
         assert.equal("rsa_pss_pss_sha256", conn:info().signature)
         assert.equal(v[2], conn:info().version)
         conn:close()
      end)

      it("verifies an RSA-PSS key restricted to SHA-384 (s_server signs with rsa_pss_pss_sha384), in " .. v[2], function()
         local _, port = peers.s_server("-rev -tls" .. v[1], nil, leaf("pss384"))
         local conn = peers.connect(port, peers.client_ctx(ca(), { sigalgs = PSS_ALL }))
         assert.equal("rsa_pss_pss_sha384", conn:info().signature)
         conn:close()
      end)
   end

   it("verifies gnutls-serv's RSA-PSS key (TLS 1.3 and 1.2)", function()
      for _, pr in ipairs { "NORMAL", "NORMAL:-VERS-TLS1.3" } do
         local _, port = peers.gnutls_serv("--echo --priority " .. pr, leaf("pss"))
         local info = echo(port, { sigalgs = PSS_ALL })
         assert.matches("^rsa_pss_pss_sha%d+$", info.signature)
         proc.kill_all()
      end
   end)

   -- Refused before session 21 (rsa_pss_pss_* only on request); now in the
   -- default list (spec/sigpss21_spec.lua has both versions and GnuTLS).
   it("accepts an RSA-PSS key server with the default sigalgs", function()
      local _, port = peers.s_server("-rev -tls1_3", nil, leaf("pss"))
      local conn = peers.connect(port, peers.client_ctx(ca()))
      assert.equal("rsa_pss_pss_sha256", conn:info().signature)
      conn:close()
   end)
end)

describe("conform20: our server with unusual certificate keys", function()
   after_each(proc.kill_all)

   for _, v in ipairs { { "1_3", "TLSv1.3" }, { "1_2", "TLSv1.2" } } do
      it("signs with a 4096-bit RSA key for openssl s_client in " .. v[2], function()
         local srv, port = peers.luatls_server({}, leaf("rsa4096"))
         local out = s_client(port, "-tls" .. v[1])
         assert.is_true(echoed(out), out)
         assert.matches("version=" .. v[2] .. " .*signature=rsa_pss_rsae_sha%d+ ", served(srv))
      end)

   end

   it("signs with a 4096-bit RSA key for gnutls-cli (TLS 1.3 and 1.2)", function()
      for _, pr in ipairs { "NORMAL", "NORMAL:-VERS-TLS1.3" } do
         local srv, port = peers.luatls_server({}, leaf("rsa4096"))
         local out = gnutls_cli(port, pr)
         assert.is_true(echoed(out), out)
         assert.matches("signature=rsa_pss_rsae_sha%d+ ", served(srv))
         proc.kill_all()
      end
   end)

   it("refuses an RSA-PSS (id-RSASSA-PSS) key for our own certificate, saying which keys work", function()
      -- README: server and client certificates hold EC, RSA or Ed25519 keys.
      local k = leaf("pss")
      local ctx, err = require("tls").context { mode = "server", certificate = k.cert, key = k.key,
                                                sigalgs = PSS_ALL }
      assert.is_nil(ctx)
      assert.matches("RSA%-PSS keys are not supported %(use EC, RSA or Ed25519%)", err)
   end)
end)

describe("conform20: GnuTLS with safe renegotiation off, and with heartbeat", function()
   after_each(proc.kill_all)
   local E = function() return leaf("rsa4096") end

   it("our client talks TLS 1.2 to gnutls-serv %DISABLE_SAFE_RENEGOTIATION (no renegotiation_info)", function()
      local _, port = peers.gnutls_serv("--echo --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2:%DISABLE_SAFE_RENEGOTIATION'", E())
      assert.equal("TLSv1.2", echo(port).version)
   end)

   it("our server talks TLS 1.2 to gnutls-cli %DISABLE_SAFE_RENEGOTIATION (no SCSV, no renegotiation_info)", function()
      local srv, port = peers.luatls_server({}, E())
      local out = gnutls_cli(port, "NORMAL:-VERS-ALL:+VERS-TLS1.2:%DISABLE_SAFE_RENEGOTIATION")
      assert.is_true(echoed(out), out)
      assert.matches("version=TLSv1.2 ", served(srv))
   end)

   for _, pr in ipairs { "NORMAL", "NORMAL:-VERS-TLS1.3" } do
      it("our client and gnutls-serv --heartbeat (" .. pr .. ")", function()
         local _, port = peers.gnutls_serv("--echo --heartbeat --priority '" .. pr .. "'", E())
         echo(port)
      end)

      it("our server and gnutls-cli --heartbeat (" .. pr .. ")", function()
         local srv, port = peers.luatls_server({}, E())
         local out = gnutls_cli(port, pr, "--heartbeat")
         assert.is_true(echoed(out), out)
         assert.matches("^info ", served(srv))
      end)
   end
end)

describe("conform20: a server with only a group we do not offer", function()
   after_each(proc.kill_all)

   it("our client and an openssl s_server with only ffdhe2048: refused, the server's alert named", function()
      local _, port = peers.s_server("-rev -tls1_3 -groups ffdhe2048", nil, leaf("rsa4096"))
      refused_for_nothing_in_common(port)
   end)
end)

describe("conform20: chains of ten certificates (our limit) both ways", function()
   after_each(proc.kill_all)
   local certs = require "spec.support.certs"

   it("our client verifies openssl s_server's and gnutls-serv's leaf + 9 intermediates", function()
      local p, c = certs.policy(), certs.get()
      -- s_server sends -cert's first certificate and -cert_chain: the intermediates only.
      local inters = os.tmpname()
      proc.write_file(inters, (proc.read_file(p.chain10.cert):gsub("^.-%-%-%-%-%-END CERTIFICATE%-%-%-%-%-\n", "", 1)))
      local _, port = peers.s_server("-rev -tls1_3 -cert_chain " .. inters, nil, p.chain10)
      local conn = peers.connect(port, peers.client_ctx(c.ca))
      assert.equal(10, conn:info().peer_chain_length)
      conn:close()
      os.remove(inters)
      local _, gport = peers.gnutls_serv("--echo --priority NORMAL:-VERS-TLS1.3", p.chain10)
      conn = peers.connect(gport, peers.client_ctx(c.ca))
      assert.equal("TLSv1.2", conn:info().version)
      assert.equal(10, conn:info().peer_chain_length)
      conn:close()
   end)

   it("our server sends them whole to openssl s_client and gnutls-cli", function()
      local p, c = certs.policy(), certs.get()
      local srv, port = peers.luatls_server({}, p.chain10)
      local out = proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
         .. "-verify_return_error -ign_eof -tls1_3", port, c.ca), "hello luatls\n", 15)
      assert.is_true(echoed(out), out)
      assert.truthy(out:find("Verify return code: 0 (ok)", 1, true), out)
      assert.truthy(out:find("\n 9 s:", 1, true), out)
      out = proc.run(string.format("gnutls-cli -p %d --x509cafile %s localhost", port, c.ca), "hello luatls\n", 20)
      assert.is_true(echoed(out), out)
      local _, n = srv:output():gsub("\ninfo version=", "")
      assert.equal(2, n, srv:output())
   end)
end)

describe("conform20: clients offering what we do not use, against our server", function()
   after_each(proc.kill_all)
   local early = os.tmpname()
   proc.write_file(early, "early data we reject\n")
   teardown(function() os.remove(early) end)

   -- { what, command (port, ca), what our server prints for the last connection, connections }
   local CASES = {
      { "s_client -psk (an external PSK we do not know: a full handshake)", "openssl s_client -tls1_3 -psk "
        .. "00112233445566778899aabbccddeeff", "signature=ecdsa_secp256r1_sha256 ", 1 },
      { "s_client -tls1_2 -psk (PSK suites we lack)", "openssl s_client -tls1_2 -psk 00112233445566778899aabbccddeeff",
        "version=TLSv1.2 ", 1 },
      { "s_client -max_pipelines 4 -split_send_frag 100 (TLS 1.2)", "openssl s_client -tls1_2 -max_pipelines 4 "
        .. "-split_send_frag 100", "version=TLSv1.2 ", 1 },
      { "s_client -status (OCSP asked, none sent)", "openssl s_client -tls1_3 -status", "version=TLSv1.3 ", 1 },
      -- OpenSSL 3.0's s_client reconnects before it reads a TLS 1.3 ticket (against
      -- s_server too): six handshakes, each closed at once, full ones as a rule.
      { "s_client -reconnect, TLS 1.3 (six handshakes)", "openssl s_client -tls1_3 -reconnect",
        "version=TLSv1.3 ", 6 },
      { "s_client -reconnect, TLS 1.2 (resumes five times)", "openssl s_client -tls1_2 -reconnect",
        "version=TLSv1.2 .*signature=nil ", 6 },
      { "gnutls-cli with a PSK username and key, PSK kx allowed", "gnutls-cli --pskusername alice --pskkey "
        .. "00112233445566778899aabbccddeeff --priority NORMAL:+ECDHE-PSK:+DHE-PSK:+PSK",
        "signature=ecdsa_secp256r1_sha256 ", 1 },
      -- Resumed (so 0-RTT offered and declined) unless gnutls-cli closed its first
      -- connection before our ticket came (seen once on a loaded machine).
      { "gnutls-cli --resume --earlydata (0-RTT we decline)", "gnutls-cli --resume --earlydata " .. early,
        function(out) return out:find("This is a resumed session", 1, true) and "signature=nil " or "version=TLSv1.3 " end,
        2 },
      { "gnutls-cli --compress-cert zlib --recordsize 512", "gnutls-cli --compress-cert zlib --recordsize 512",
        "version=TLSv1.3 ", 1 },
      { "gnutls-cli %LATEST_RECORD_VERSION (a ClientHello in a 0x0303 record)",
        "gnutls-cli --priority NORMAL:%LATEST_RECORD_VERSION", "version=TLSv1.3 ", 1 },
      { "gnutls-cli %SSL3_RECORD_VERSION, TLS 1.2 (a ClientHello in a 0x0300 record)",
        "gnutls-cli --priority NORMAL:-VERS-TLS1.3:%SSL3_RECORD_VERSION", "version=TLSv1.2 ", 1 },
      { "gnutls-cli offering TLS 1.2 and 1.1, %NO_TICKETS_TLS12:%NO_ETM",
        "gnutls-cli --priority NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:%NO_TICKETS_TLS12:%NO_ETM",
        "version=TLSv1.2 ", 1 },
      { "gnutls-cli --compress-cert brotli, TLS 1.2", "gnutls-cli --compress-cert brotli --priority NORMAL:-VERS-TLS1.3",
        "version=TLSv1.2 ", 1 },
   }
   for _, case in ipairs(CASES) do
      it("serves " .. case[1], function()
         local c = require("spec.support.certs").get()
         local srv, port = peers.luatls_server({}, c.leaf.ecdsa_p256)
         local cmd = case[2]:find("^openssl")
            and string.format("%s -connect 127.0.0.1:%d -CAfile %s -servername localhost -ign_eof", case[2], port, c.ca)
            or string.format("%s -p %d --x509cafile %s localhost", case[2], port, c.ca)
         local out = proc.run(cmd, "hello luatls\n", 20)
         assert.is_true(echoed(out), out:sub(-600))
         local n = 0
         local deadline = os.time() + 10
         while n < case[4] and os.time() < deadline do
            _, n = srv:output():gsub("\ninfo version=", "")
            if n < case[4] then proc.sleep(0.05) end
         end
         assert.equal(case[4], n, srv:output())
         local last = srv:output():match(".*\n(info [^\n]*)")
         assert.matches(type(case[3]) == "function" and case[3](out) or case[3], last)
      end)
   end

   it("follows gnutls-cli's KeyUpdates (^rekey1^ asks for ours, ^rekey^ does not)", function()
      local c = require("spec.support.certs").get()
      local srv, port = peers.luatls_server({}, c.leaf.ecdsa_p256)
      local out = proc.run(string.format("gnutls-cli -p %d --x509cafile %s localhost --inline-commands", port, c.ca),
         "^rekey1^\n^rekey^\nhello luatls\n", 20)
      assert.is_true(echoed(out), out:sub(-600))
      assert.is_nil(out:find("Rekey has failed", 1, true), out)
      assert.matches("version=TLSv1.3 ", served(srv))
   end)
end)

describe("conform20: servers with options in combination, against our client", function()
   after_each(proc.kill_all)

   local CASES = {
      { "-tls1_3 -max_pipelines 4 -split_send_frag 700 -max_send_frag 1400", "TLSv1.3" },
      { "-tls1_2 -max_pipelines 4 -split_send_frag 700 -max_send_frag 1400", "TLSv1.2" },
      { "-tls1_3 -no_middlebox -num_tickets 5 -record_padding 512 -groups secp384r1", "TLSv1.3", true },
      { "-tls1_3 -stateless -groups secp384r1 -no_anti_replay -no_ca_names", "TLSv1.3", true },
      { "-tls1_2 -serverpref -no_ticket -cipher ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384 "
        .. "-sigalgs RSA+SHA512", "TLSv1.2" },
   }
   for _, case in ipairs(CASES) do
      it("reads s_server " .. case[1], function()
         local _, port = peers.s_server("-rev " .. case[1], nil, leaf("rsa4096"))
         local conn = peers.connect(port, peers.client_ctx(ca()))
         local long = string.rep("0123456789", 1000)
         assert(conn:send(long .. "\n"))
         assert.equal(long:reverse(), conn:receive("*l"))
         assert.equal(case[2], conn:info().version)
         if case[3] then assert.is_true(conn:info().hello_retry) end
         conn:close()
      end)
   end

   it("answers s_client -no_middlebox with a HelloRetryRequest", function()
      local c = require("spec.support.certs").get()
      local srv, port = peers.luatls_server({ groups = "secp384r1" }, c.leaf.ecdsa_p256)
      local out = proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
         .. "-ign_eof -tls1_3 -no_middlebox", port, c.ca), "hello luatls\n", 15)
      assert.is_true(echoed(out), out:sub(-600))
      assert.matches("group=secp384r1 .*hello_retry=true", served(srv))
   end)
end)
