-- Conformance sweep 14, our server side: what careful but unusual real
-- clients (openssl s_client, gnutls-cli, Python's ssl, curl) do on
-- 127.0.0.1, beyond the interop specs: groups in odd orders or unknown to
-- us first, one signature scheme, suites we lack listed first, no middlebox
-- compatibility, small, split and padded records, KeyUpdate and TLS 1.2
-- renegotiation from the client's console, post-handshake auth offered, a
-- close_notify sent before the answer is read.
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local bigcert = require "spec.support.bigcert"

local c = certs.get()
local E = c.leaf.ecdsa_p256
local R = c.leaf.rsa2048

local function server(cert, extra)
   return peers.luatls_server(extra or {}, cert or E)
end

-- What our server printed for the one connection: "info ..." or "failed ...".
local function served(srv)
   return proc.wait_output(srv, "\n(info [^\n]*)\n", 5)
end

local function s_client(port, extra, input)
   return proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
      .. "-verify_return_error -ign_eof %s", port, c.ca, extra or ""), input or "hello luatls\n", 15)
end

local function echoed(out, line)
   return out:find("\n" .. (line or "hello luatls") .. "\n", 1, true) ~= nil
end

describe("conformance 14: openssl s_client with unusual options against our server", function()
   after_each(proc.kill_all)

   local ECHO_CASES = {
      { "groups x448 and secp521r1 before x25519: a share on x448, taken", "-groups x448:secp521r1:x25519",
        "group=x448 .*hello_retry=false" },
      { "groups secp384r1 first: its share is taken, no retry", "-groups secp384r1:x25519:secp256r1",
        "group=secp384r1 .*hello_retry=false" },
      { "groups ffdhe8192 (not on by default) first: a retry to x25519", "-groups ffdhe8192:x25519",
        "group=x25519 .*hello_retry=true" },
      { "groups ffdhe2048 first: finite-field DHE", "-groups ffdhe2048:x25519",
        "group=ffdhe2048 .*key_exchange=DHE" },
      { "suites we lack (CCM) first: the next one", "-ciphersuites TLS_AES_128_CCM_SHA256:TLS_AES_256_GCM_SHA384",
        "cipher=TLS_AES_256_GCM_SHA384 " },
      { "one suite only, ChaCha20", "-ciphersuites TLS_CHACHA20_POLY1305_SHA256", "cipher=TLS_CHACHA20_POLY1305_SHA256 " },
      { "-no_middlebox", "-no_middlebox", "version=TLSv1.3 " },
      { "records of at most 512 bytes, split at 100", "-max_send_frag 512 -split_send_frag 100", "version=TLSv1.3 " },
      { "records padded to 16384 bytes", "-record_padding 16384", "version=TLSv1.3 " },
      { "max_fragment_length 512 asked for (we need not honour it)", "-maxfraglen 512", "version=TLSv1.3 " },
      { "TLS 1.2, ECDSA with SHA-384 from a P-256 key (the hash is free in 1.2)", "-tls1_2 -sigalgs ECDSA+SHA384",
        "signature=ecdsa_secp384r1_sha384 " },
      -- our server with the RSA certificate (the fourth field)
      { "signs with rsa_pss_rsae_sha512 for a client that allows only it", "-sigalgs rsa_pss_rsae_sha512",
        "signature=rsa_pss_rsae_sha512 ", R },
      { "signs with rsa_pss_rsae_sha384 when rsa_pss_pss_sha256 (not for an rsaEncryption key) comes first",
        "-sigalgs rsa_pss_pss_sha256:rsa_pss_rsae_sha384", "signature=rsa_pss_rsae_sha384 ", R },
   }
   for _, case in ipairs(ECHO_CASES) do
      it(case[1], function()
         local srv, port = server(case[4])
         local out = s_client(port, case[2])
         assert.is_true(echoed(out), out)
         assert.matches(case[3], served(srv))
      end)
   end

   it("a 3000-byte line in 512-byte records comes back whole", function()
      local srv, port = server()
      local long = string.rep("y", 3000)
      local out = s_client(port, "-max_send_frag 512", long .. "\n")
      assert.is_true(echoed(out, long), out:sub(-400))
      served(srv)
   end)

   it("takes a 1.3 and a 1.2 ClientHello of about 1.3 KB (60 ALPN names) in 512-byte records", function()
      local names = {}
      for i = 1, 60 do names[i] = string.format("protocol-name-%03d", i) end
      for _, v in ipairs { "1_3", "1_2" } do
         local srv, port = server()
         local out = s_client(port, "-msg -max_send_frag 512 -tls" .. v .. " -alpn " .. table.concat(names, ","))
         assert.is_true(echoed(out), out:sub(-400))
         local hello = tonumber(out:match(">>> TLS 1%.%d, Handshake %[length (%x+)%], ClientHello") or "0", 16)
         assert.truthy(hello > 1024, out:sub(1, 400))
         assert.matches("version=TLSv1%." .. v:sub(3) .. " ", served(srv))
         proc.kill_all()
      end
   end)

   it("sends a 36 KB certificate that s_client (1.3 and 1.2) and gnutls-cli verify", function()
      local big = bigcert.get()
      local srv, port = server(big)
      for _, extra in ipairs { "-tls1_3", "-tls1_2" } do
         local out = s_client(port, extra)
         assert.is_true(echoed(out), out:sub(-400))
         assert.truthy(out:find("Verify return code: 0 (ok)", 1, true), out:sub(-400))
      end
      local out = proc.run(string.format("gnutls-cli -p %d --x509cafile %s localhost", port, c.ca), "hello luatls\n", 15)
      assert.truthy(out:find("\nhello luatls", 1, true), out:sub(-400))
      local _, n = srv:output():gsub("\ninfo version=", "")
      assert.equal(3, n, srv:output())
   end)

   it("refuses a client with only suites we lack, with handshake_failure and a clear reason", function()
      local srv, port = server()
      local out = s_client(port, "-ciphersuites TLS_AES_128_CCM_SHA256")
      assert.is_false(echoed(out), out)
      assert.truthy(out:find("alert handshake failure", 1, true), out)
      assert.equal("no TLS 1.3 cipher suite in common with the client (it offers TLS_AES_128_CCM_SHA256)",
         proc.wait_output(srv, "failed ([^\n]*)"))
   end)

   -- Without -ign_eof, s_client takes "k"/"K" on stdin as KeyUpdate commands
   -- and "R" as a renegotiation request; -msg logs what goes each way.
   local function console(port, extra, script)
      return proc.run(string.format("(%s) | openssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
         .. "-msg %s", script, port, c.ca, extra), nil, 15)
   end

   it("follows the client's KeyUpdates and answers the one that asks", function()
      local srv, port = server()
      local out = console(port, "-tls1_3",
         "sleep 0.3; echo k; sleep 0.3; echo K; sleep 0.3; echo hello luatls; sleep 0.5")
      assert.is_true(echoed(out), out)
      local _, sent = out:gsub(">>> TLS 1.3, Handshake %[length 0005%], KeyUpdate", "")
      local _, got = out:gsub("<<< TLS 1.3, Handshake %[length 0005%], KeyUpdate", "")
      assert.equal(2, sent, out)
      assert.equal(1, got, out)
      served(srv)
   end)

   it("answers a TLS 1.2 renegotiation with a no_renegotiation warning and reports the client's ending", function()
      local srv, port = server()
      local out = console(port, "-tls1_2", "sleep 0.3; echo R; sleep 0.5; echo hello luatls; sleep 0.5")
      assert.truthy(out:find(">>> TLS 1.2, Handshake [length 00", 1, true), out)
      assert.truthy(out:find("<<< TLS 1.2, Alert [length 0002], warning no_renegotiation", 1, true), out)
      -- OpenSSL's client gives up on the connection (handshake_failure); ours says so.
      assert.equal("peer sent alert handshake_failure (40)", proc.wait_output(srv, "receive failed ([^\n]*)"))
   end)
end)

describe("conformance 14: gnutls-cli with unusual priorities against our server", function()
   after_each(proc.kill_all)

   local function gnutls_cli(port, priority, extra)
      return proc.run(string.format("gnutls-cli -p %d --x509cafile %s localhost --priority '%s' %s",
         port, c.ca, priority, extra or ""), "hello luatls\n", 20)
   end

   local CASES = {
      { "NORMAL:%COMPAT", nil, nil, "version=TLSv1.3 " },
      { "NORMAL:-GROUP-ALL:+GROUP-FFDHE2048", nil, nil, "group=ffdhe2048 .*key_exchange=DHE" },
      { "NORMAL:-GROUP-ALL:+GROUP-X448:+GROUP-FFDHE3072:+GROUP-SECP256R1", nil, nil, "group=secp256r1 .*hello_retry=false" },
      { "NORMAL:-CIPHER-ALL:+CHACHA20-POLY1305:+AES-256-GCM", nil, nil, "cipher=TLS_AES_256_GCM_SHA384 " },
      { "NORMAL:-SIGN-ALL:+SIGN-RSA-PSS-RSAE-SHA512", R, nil, "signature=rsa_pss_rsae_sha512 " },
      { "NORMAL:-VERS-ALL:+VERS-TLS1.2:-SIGN-ALL:+SIGN-RSA-SHA512", R, nil, "signature=rsa_pkcs1_sha512 " },
      { "NORMAL:-VERS-ALL:+VERS-TLS1.2:-SIGN-ALL:+SIGN-ECDSA-SHA384", nil, nil, "signature=ecdsa_secp384r1_sha384 " },
      { "NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_EXTENSIONS:-KX-ALL:+RSA", R,
        { require_ems = "false", ciphers = "AES128-GCM-SHA256" }, "cipher=TLS_RSA_WITH_AES_128_GCM_SHA256 .*servername=nil" },
   }
   for _, case in ipairs(CASES) do
      it("talks to " .. case[1], function()
         local srv, port = server(case[2], case[3])
         local out = gnutls_cli(port, case[1])
         assert.truthy(out:find("\nhello luatls", 1, true), out)
         assert.matches(case[4], served(srv))
      end)
   end

   it("answers each TLS 1.2 --rehandshake attempt with no_renegotiation; gnutls-cli gives up, nothing hangs", function()
      local srv, port = server()
      local out = gnutls_cli(port, "NORMAL:-VERS-ALL:+VERS-TLS1.2", "--rehandshake")
      assert.truthy(out:find("Received alert [100]: No renegotiation is allowed", 1, true), out)
      assert.truthy(out:find("ReHandshake has failed", 1, true), out)
      served(srv)
      assert.matches("receive failed peer sent alert internal_error %(80%)", proc.wait_output(srv, "(receive failed [^\n]*)"))
   end)
end)

describe("conformance 14: Python's ssl and curl with unusual settings against our server", function()
   after_each(proc.kill_all)

   local PY = [[
import ssl, socket, sys
port, ca, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
if mode.endswith("1.2"): ctx.maximum_version = ssl.TLSVersion.TLSv1_2
if mode.startswith("pha"): ctx.post_handshake_auth = True
t = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="localhost")
t.sendall(b"hello luatls\n")
if mode.startswith("halfclose"):
    t.setblocking(False)
    try:
        t.unwrap()
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
        pass
    t.setblocking(True)
    t.settimeout(10)
data = b""
try:
    while not data.endswith(b"\n"):
        d = t.recv(100)
        if not d: break
        data += d
except ssl.SSLZeroReturnError:
    pass
print(t.version(), repr(data))
]]

   local function python(port, mode)
      local script = os.tmpname()
      proc.write_file(script, PY)
      local out = proc.run(string.format("%s %s %d %s %s", peers.python(), script, port, c.ca, mode), nil, 15)
      os.remove(script)
      return out
   end

   it("ignores post_handshake_auth offered by a client it does not ask to authenticate", function()
      local srv, port = server()
      local out = python(port, "pha")
      assert.equal("TLSv1.3 b'hello luatls\\n'\n", out)
      served(srv)
   end)

   -- TLS 1.3 lets each side close its writing half alone (rfc8446#6.1). Our
   -- server here reads the request, then the client's close_notify, and only
   -- then answers. (RFC 5246 #7.2.1 has a TLS 1.2 side answer close_notify at
   -- once, so TLS 1.2 is left out.)
   do
      local v = "1.3"
      it("answers a TLS " .. v .. " client after its close_notify", function()
         local tls = require "tls"
         local ctx = assert(tls.context { mode = "server", certificate = E.cert, key = E.key })
         local listener = assert(tls.listen("127.0.0.1", 0, ctx))
         local _, port = listener:getsockname()
         local script = os.tmpname()
         proc.write_file(script, PY)
         local py = proc.spawn(string.format("%s %s %d %s %s", peers.python(), script, port, c.ca,
            v == "1.2" and "halfclose1.2" or "halfclose"), { timeout = 20 })
         listener:settimeout(10)
         local conn = assert(listener:accept())
         conn:settimeout(10)
         assert(conn:handshake())
         assert.equal("hello luatls", conn:receive("*l"))
         local rest, err = conn:receive("*a")
         assert.is_nil(rest)
         assert.equal("closed", err)
         assert.is_true(conn:info().close_notify)
         assert(conn:send("answer after close_notify\n"))
         conn:close()
         listener:close()
         assert.is_true(py:wait(10))
         os.remove(script)
         assert.equal("TLSv" .. v .. " b'answer after close_notify\\n'\n", py:output())
      end)
   end

   local CURL = {
      { "--curves X448:P-521", "group=x448 .*hello_retry=false" },
      { "--curves ffdhe2048", "group=ffdhe2048 .*key_exchange=DHE" },
      { "--tls-max 1.2 --ciphers ECDHE-ECDSA-CHACHA20-POLY1305", "cipher=TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 " },
      { "--tls-max 1.2 --curves secp384r1:prime256v1", "version=TLSv1.2 .*group=secp256r1" },
      { "--tlsv1.3 --tls13-ciphers TLS_AES_256_GCM_SHA384", "cipher=TLS_AES_256_GCM_SHA384 " },
   }
   for _, case in ipairs(CURL) do
      it("serves curl " .. case[1], function()
         local srv, port = server(nil, { mode = "http" })
         local out, code = proc.run(string.format("curl -sS --cacert %s https://localhost:%d/ %s", c.ca, port, case[1]),
            nil, 15)
         assert.equal(0, code, out)
         assert.equal("hello from luatls\n", out)
         assert.matches(case[2], served(srv))
      end)
   end
end)
