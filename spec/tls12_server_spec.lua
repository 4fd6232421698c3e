-- Our TLS 1.2 server (issue 8): against real clients forced to TLS 1.2
-- (openssl s_client, GnuTLS, Python's ssl, curl, LuaSec), and against a raw
-- TLS 1.2 client written here for what no real client does on purpose
-- (malformed RSA premasters, no extended master secret, renegotiation).
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local pki = require "spec.support.pki"
local B = require "spec.support.tlsbytes"
local I = require("tls.core")._internal

local c = certs.get()
local ECDSA, RSA = c.leaf.ecdsa_p256, c.leaf.rsa2048

local RSA_SUITES = "TLS_RSA_WITH_AES_128_GCM_SHA256:TLS_RSA_WITH_AES_256_GCM_SHA384"

-- Our server process; extra: ciphers, groups, min_version, max_version, require_ems.
local function server(cert, extra)
   local o = { cert = cert.cert, key = cert.key }
   for k, v in pairs(extra or {}) do o[k] = v end
   return peers.luatls_server(o)
end

local function s_client(port, extra, env)
   return proc.run(string.format("%sopenssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
      .. "-verify_hostname localhost -verify_return_error -ign_eof %s", env or "", port, c.ca, extra or ""),
      "hello luatls\n")
end

-- The data went both ways: s_client sent a line, our server sent it back.
local function check_echo(out)
   assert.truthy(out:find("Verify return code: 0 (ok)", 1, true), out)
   assert.truthy(out:find("\nhello luatls\n", 1, true), out)
end

-- What our server printed for its (first) connection that failed.
local function server_failure(srv)
   return proc.wait_output(srv, "failed ([^\n]*)")
end

describe("TLS 1.2 server against openssl s_client -tls1_2", function()
   after_each(proc.kill_all)

   local SUITES = {
      { "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", ECDSA },
      { "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", ECDSA },
      { "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", ECDSA },
      { "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", RSA },
      { "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", RSA },
      { "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", RSA },
   }
   for _, s in ipairs(SUITES) do
      local iana, ossl, cert = s[1], s[2], s[3]
      it("negotiates " .. iana, function()
         local srv, port = server(cert)
         local out = s_client(port, "-tls1_2 -cipher " .. ossl)
         assert.truthy(out:find("New, TLSv1.2, Cipher is " .. ossl, 1, true), out)
         assert.truthy(out:find("Extended master secret: yes", 1, true), out)
         check_echo(out)
         local log = proc.wait_output(srv, "(info [^\n]*)")
         assert.truthy(log:find("version=TLSv1.2 cipher=" .. iana .. " ", 1, true), log)
      end)
   end

   -- rfc8422#5.1.1: the client's groups also bound the curve of an ECDSA
   -- certificate, so each group goes with a certificate the client accepts.
   for _, g in ipairs { { "x25519", "X25519", RSA }, { "secp256r1", "P-256", ECDSA },
                        { "secp384r1", "P-384", c.leaf.ecdsa_p384 } } do
      it("does ECDHE on " .. g[1], function()
         local srv, port = server(g[3])
         local out = s_client(port, "-tls1_2 -groups " .. g[2])
         check_echo(out)
         local log = proc.wait_output(srv, "(info [^\n]*)")
         assert.truthy(log:find("group=" .. g[1] .. " ", 1, true), log)
      end)
   end

   it("does not sign with a P-256 key for a client whose groups leave out P-256", function()
      local srv, port = server(ECDSA)
      local out = s_client(port, "-tls1_2 -groups X25519:P-384")
      assert.truthy(out:find("SSL alert number 40", 1, true), out)
      assert.are.equal("the client offers no TLS 1.2 cipher suite for our ECDSA certificate on secp256r1 "
         .. "(ECDHE_ECDSA suites, and secp256r1 in supported_groups)", server_failure(srv))
   end)

   for _, s in ipairs { { "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256" },
                        { "TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384" } } do
      it("does RSA key transport with " .. s[1] .. " when named in ciphers", function()
         local srv, port = server(RSA, { ciphers = RSA_SUITES })
         local out = s_client(port, "-tls1_2 -cipher " .. s[2])
         assert.truthy(out:find("New, TLSv1.2, Cipher is " .. s[2], 1, true), out)
         check_echo(out)
         local log = proc.wait_output(srv, "(info [^\n]*)")
         assert.truthy(log:find("cipher=" .. s[1] .. " ", 1, true), log)
      end)
   end

   it("chooses by our preference, the suite that fits an RSA key", function()
      -- The client offers the ECDSA suites first; they do not fit our key.
      local srv, port = server(RSA)
      local out = s_client(port, "-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384")
      check_echo(out)
      assert.truthy(out:find("Cipher is ECDHE-RSA-AES256-GCM-SHA384", 1, true), out)
      assert.truthy(proc.wait_output(srv, "(info [^\n]*)"):find("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 1, true))
   end)

   it("refuses a client offering only RSA key transport to a default server, naming the option", function()
      local srv, port = server(RSA)
      local out = s_client(port, "-tls1_2 -cipher AES128-GCM-SHA256:AES256-GCM-SHA384")
      assert.truthy(out:find("SSL alert number 40", 1, true), out)
      assert.are.equal("of the TLS 1.2 cipher suites luatls implements, the client offers only RSA key exchange "
         .. "(TLS_RSA_WITH_*), which has no forward secrecy and is off by default: name "
         .. "TLS_RSA_WITH_AES_128_GCM_SHA256 in 'ciphers' to allow it",
         server_failure(srv))
   end)

   it("names the RSA key transport suite the client offers, when it offers only TLS_RSA_WITH_AES_256_GCM_SHA384",
      function()
      local srv, port = server(RSA)
      local out = s_client(port, "-tls1_2 -cipher AES256-GCM-SHA384")
      assert.truthy(out:find("SSL alert number 40", 1, true), out)
      assert.are.equal("of the TLS 1.2 cipher suites luatls implements, the client offers only RSA key exchange "
         .. "(TLS_RSA_WITH_*), which has no forward secrecy and is off by default: name "
         .. "TLS_RSA_WITH_AES_256_GCM_SHA384 in 'ciphers' to allow it",
         server_failure(srv))
   end)

   it("does not say 'only RSA key exchange' to a client whose ECDHE suite our 'ciphers' leave out", function()
      local srv, port = server(RSA, { ciphers = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" })
      local out = s_client(port, "-tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305:AES128-GCM-SHA256")
      assert.truthy(out:find("SSL alert number 40", 1, true), out)
      assert.are.equal("the client offers none of the TLS 1.2 cipher suites this server's 'ciphers' allow: only "
         .. "RSA key exchange (TLS_RSA_WITH_*, off by default: no forward secrecy; name "
         .. "TLS_RSA_WITH_AES_128_GCM_SHA256 in 'ciphers' to allow it) and suites 'ciphers' leaves out",
         server_failure(srv))
   end)

   it("refuses a client with no suite for our key with handshake_failure", function()
      local srv, port = server(ECDSA)
      local out = s_client(port, "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256")
      assert.truthy(out:find("SSL alert number 40", 1, true), out)
      assert.are.equal("the client offers no TLS 1.2 cipher suite for our ECDSA certificate on secp256r1 "
         .. "(ECDHE_ECDSA suites, and secp256r1 in supported_groups)", server_failure(srv))
   end)

   it("answers -fallback_scsv with inappropriate_fallback", function()
      local srv, port = server(ECDSA)
      local out = s_client(port, "-tls1_2 -fallback_scsv")
      assert.truthy(out:find("SSL alert number 86", 1, true), out)
      assert.matches("^client fell back to TLSv1.2 although we both speak TLSv1.3", server_failure(srv))
   end)

   it("with max_version = TLSv1.2 negotiates 1.2 with a 1.3-capable client", function()
      local srv, port = server(ECDSA, { max_version = "TLSv1.2" })
      local out = s_client(port, "")
      assert.truthy(out:find("New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256", 1, true), out)
      check_echo(out)
      assert.truthy(proc.wait_output(srv, "(info [^\n]*)"):find("version=TLSv1.2", 1, true))
   end)

   it("with min_version = TLSv1.3 refuses a 1.2-only client with protocol_version", function()
      local srv, port = server(ECDSA, { min_version = "TLSv1.3" })
      local out = s_client(port, "-tls1_2")
      assert.truthy(out:find("SSL alert number 70", 1, true), out)
      assert.are.equal("client offers at most TLSv1.2; this server requires TLS 1.3 (min_version)",
         server_failure(srv))
   end)

   for _, v in ipairs { { "-tls1", "TLSv1.0" }, { "-tls1_1", "TLSv1.1" } } do
      it("refuses a " .. v[2] .. " client with protocol_version, naming what it offered", function()
         local srv, port = server(ECDSA)
         local out = s_client(port, v[1] .. " -cipher DEFAULT@SECLEVEL=0")
         assert.truthy(out:find("SSL alert number 70", 1, true), out)
         assert.are.equal("client offers at most " .. v[2] .. "; this server requires TLS 1.2 or 1.3",
            server_failure(srv))
      end)
   end

   describe("a client without the extended master secret", function()
      -- OpenSSL 3.0's s_client has no -no_ems; its configuration option turns EMS off.
      local conf = os.tmpname()
      proc.write_file(conf, "openssl_conf = oc\n[oc]\nssl_conf = sc\n[sc]\nsystem_default = sd\n[sd]\n"
         .. "Options = -ExtendedMasterSecret\n")
      local env = "OPENSSL_CONF=" .. proc.quote(conf) .. " "
      teardown(function() os.remove(conf) end)

      it("is refused by default, with a message naming require_ems", function()
         local srv, port = server(ECDSA)
         local out = s_client(port, "-tls1_2", env)
         assert.truthy(out:find("SSL alert number 40", 1, true), out)
         assert.are.equal("the client does not support the extended master secret (RFC 7627); set "
            .. "require_ems = false to talk to it", server_failure(srv))
      end)

      it("is accepted with require_ems = false", function()
         local _, port = server(ECDSA, { require_ems = "false" })
         local out = s_client(port, "-tls1_2", env)
         check_echo(out)
         assert.truthy(out:find("Extended master secret: no", 1, true), out)
      end)
   end)
end)

describe("TLS 1.2 server against other clients forced to TLS 1.2", function()
   after_each(proc.kill_all)

   it("talks to gnutls-cli --priority NORMAL:-VERS-TLS1.3", function()
      local srv, port = server(ECDSA)
      local out = proc.run(string.format("gnutls-cli --priority NORMAL:-VERS-TLS1.3 --x509cafile %s "
         .. "--port %d localhost", c.ca, port), "hello luatls\n")
      assert.truthy(out:find("TLS1.2", 1, true), out)
      assert.truthy(out:find("\nhello luatls", 1, true), out)
      assert.truthy(proc.wait_output(srv, "(info [^\n]*)"):find("version=TLSv1.2", 1, true))
   end)

   it("talks to Python's ssl with maximum_version = TLSv1_2", function()
      local srv, port = server(RSA)
      local script = string.format([[
import socket, ssl
ctx = ssl.create_default_context(cafile=%q)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
with socket.create_connection(("127.0.0.1", %d)) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        s.sendall(b"hello luatls\n")
        print(s.version(), s.cipher()[0], s.recv(100).decode().strip())
]], c.ca, port)
      local out = proc.run(peers.python() .. " -c " .. proc.quote(script))
      assert.truthy(out:find("TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 hello luatls", 1, true), out)
      assert.truthy(proc.wait_output(srv, "(info [^\n]*)"):find("version=TLSv1.2", 1, true))
   end)

   it("talks to curl --tls-max 1.2", function()
      local srv, port = server(ECDSA, { mode = "http" })
      local out = proc.run(string.format("curl -sS --tls-max 1.2 --cacert %s -w ' ssl_version=%%{http_version}' "
         .. "https://localhost:%d/ --resolve localhost:%d:127.0.0.1", c.ca, port, port))
      assert.truthy(out:find("hello from luatls", 1, true), out)
      assert.truthy(proc.wait_output(srv, "(info [^\n]*)"):find("version=TLSv1.2", 1, true))
   end)

   it("talks to a LuaSec client with protocol tlsv1_2", function()
      local srv, port = server(ECDSA)
      local script = string.format([[
local socket, ssl = require "socket", require "ssl"
local s = assert(socket.connect("127.0.0.1", %d))
s = assert(ssl.wrap(s, { mode = "client", protocol = "tlsv1_2", cafile = %q, verify = "peer" }))
s:sni("localhost")
assert(s:dohandshake())
assert(s:send("hello luatls\n"))
print(s:info("protocol"), (s:receive("*l")))
]], port, c.ca)
      local out = proc.run(proc.lua() .. " -e " .. proc.quote(script))
      assert.truthy(out:find("TLSv1.2\thello luatls", 1, true), out)
      assert.truthy(proc.wait_output(srv, "(info [^\n]*)"):find("version=TLSv1.2", 1, true))
   end)
end)

---------------------------------------------------------------------------
-- A raw TLS 1.2 client against our server engine
---------------------------------------------------------------------------
local EXT_EMS, EXT_RENEG = 23, 0xff01
local RSA128 = 0x009c
local RSA_KEY = proc.read_file(RSA.key)
-- A well-formed premaster encrypted to our server's key.
local function GOOD()
   local pms, enc = I.rsa_premaster_encrypt(RSA_KEY, 0x0303)
   return enc, pms
end
local ECDSA128 = 0xc02b

-- A ClientHello that offers TLS 1.2 only (no supported_versions), unless
-- opts.versions. opts: suites, random, ems (default true), version, versions,
-- groups, point_formats, compression.
local function hello12(opts)
   opts = opts or {}
   local exts = {}
   if opts.versions then exts[#exts + 1] = { 43, B.vec(1, B.list16(opts.versions)) } end
   if opts.ems ~= false then exts[#exts + 1] = { EXT_EMS, "" } end
   exts[#exts + 1] = { 10, B.vec(2, B.list16(opts.groups or { 0x001d, 0x0017 })) }
   exts[#exts + 1] = { 11, B.vec(1, opts.point_formats or "\0") }
   exts[#exts + 1] = { 13, B.vec(2, B.list16 { 0x0403, 0x0804, 0x0401 }) }
   exts[#exts + 1] = { EXT_RENEG, "\0" }
   return B.client_hello { legacy_version = opts.version or 0x0303, random = opts.random,
                           compression = opts.compression,
                           suites = opts.suites or { RSA128 }, extensions = exts }
end

local function server_engine(cert, extra, events)
   local o = { mode = "server", certificate = cert.cert, key = cert.key }
   for k, v in pairs(extra or {}) do o[k] = v end
   if events then o.trace = function(ev) events[#events + 1] = ev end end
   local e = tls.engine(assert(tls.context(o)))
   return e
end

-- The handshake messages of plaintext records, concatenated, and the records.
local function flight_messages(bytes)
   local hs = {}
   local recs = B.parse_records(bytes)
   for _, r in ipairs(recs) do
      if r.type == B.CT.handshake then hs[#hs + 1] = r.body end
   end
   return B.parse_handshakes(table.concat(hs)), recs
end

local function server_random_of(bytes)
   local msgs = flight_messages(bytes)
   assert(msgs[1] and msgs[1].type == B.HS.server_hello, "no ServerHello")
   return msgs[1].body:sub(3, 34)
end

-- Runs an RSA key transport handshake: enc(pms) gives the ciphertext for
-- the premaster the client believes in. Returns the engine, the result of
-- feeding the client's second flight, and the client's keys.
-- enc may return a second value: the premaster the client then uses.
local function rsa_handshake(enc, opts)
   opts = opts or {}
   local e = server_engine(RSA, { ciphers = "TLS_RSA_WITH_AES_128_GCM_SHA256", require_ems = opts.require_ems },
      opts.events)
   local cr = I.random(32)
   local ch = hello12 { random = cr, suites = { RSA128 }, ems = opts.ems }
   assert(e:feed(B.record(B.CT.handshake, ch, { version = 0x0301 })))
   local flight = e:output()
   local msgs = flight_messages(flight)
   local transcript = { ch }
   for _, m in ipairs(msgs) do transcript[#transcript + 1] = m.raw end
   assert.are.same({ 2, 11, 14 }, { msgs[1].type, msgs[2].type, msgs[3].type })
   local sr = msgs[1].body:sub(3, 34)
   local pms = "\3\3" .. I.random(46)
   local ct, own = enc(pms)
   pms = own or pms
   local cke = B.handshake(16, B.vec(2, ct))
   transcript[#transcript + 1] = cke
   local th = I.hash("sha256", table.concat(transcript))
   local ms = I.tls12_master_secret("sha256", pms, cr, sr, opts.ems ~= false and th or nil)
   local kb = I.tls12_key_block("sha256", 16, 4, ms, cr, sr)
   local fin = B.handshake(20, I.tls12_finished("sha256", ms, false,
      opts.bad_finished and I.hash("sha256", "another transcript") or th))
   local suite = "TLS_RSA_WITH_AES_128_GCM_SHA256"
   local ok, err = e:feed(B.record(B.CT.handshake, cke) .. B.record(B.CT.ccs, "\1")
      .. B.record(B.CT.handshake, I.tls12_seal(suite, kb.client_key, kb.client_iv, 0, B.CT.handshake, fin)))
   local seal = function(seq, ctype, data)
      return B.record(ctype, I.tls12_seal(suite, kb.client_key, kb.client_iv, seq, ctype, data))
   end
   return e, ok, err, seal
end

describe("TLS 1.2 server, raw client: RSA key transport", function()
   local dir, cleanup = pki.tempdir("tls12srv")
   local KEY = proc.read_file(RSA.key)
   local OTHER = I.genkey("rsa")
   proc.write_file(dir .. "/key.pem", KEY)
   local K = 256
   teardown(function() os.execute("rm -rf " .. proc.quote(dir)) end)

   -- Raw RSA (no padding) of a 256-byte block under our server's key.
   local function raw_encrypt(em)
      assert(#em == K and cleanup, "the directory is kept while the tests use it")
      proc.write_file(dir .. "/in.bin", em)
      os.remove(dir .. "/out.bin")
      local out, code = proc.run(("cd %s && openssl pkeyutl -encrypt -pkeyopt rsa_padding_mode:none "
         .. "-inkey key.pem -in in.bin -out out.bin"):format(proc.quote(dir)))
      assert(code == 0, out)
      return proc.read_file(dir .. "/out.bin")
   end
   local function nonzero(n) return (I.random(n):gsub("%z", "\1")) end
   local function block(msg, head) return (head or "\0\2") .. nonzero(K - 3 - #msg) .. "\0" .. msg end

   it("completes with a well-formed premaster (so the failures below are the premaster's)", function()
      local events = {}
      local e, ok, err = rsa_handshake(function(pms) return raw_encrypt(block(pms)) end, { events = events })
      assert.is_true(ok, err)
      assert.is_true(e:status().handshake_done)
      local out = e:output()
      local recs = B.parse_records(out)
      assert.are.equal(B.CT.ccs, recs[1].type)
      assert.are.equal(B.CT.handshake, recs[2].type)
      local info = e:info()
      assert.are.equal("TLSv1.2", info.version)
      assert.are.equal("TLS_RSA_WITH_AES_128_GCM_SHA256", info.cipher)
      local seen = {}
      for _, ev in ipairs(events) do seen[ev.direction .. " " .. ev.message] = true end
      for _, want in ipairs { "receive ClientHello", "send ServerHello", "send Certificate", "send ServerHelloDone",
                              "receive ClientKeyExchange", "key premaster secret", "key master secret",
                              "key key block", "receive ChangeCipherSpec", "receive Finished", "send Finished" } do
         assert.truthy(seen[want], want)
      end
   end)

   -- Every malformed premaster, and a wrong key, must end the same way.
   local CASES = {
      { "bad padding (block type 1)", function(pms) return raw_encrypt(block(pms, "\0\1")) end },
      { "bad padding (no leading zero)", function(pms) return raw_encrypt(block(pms, "\1\2")) end },
      { "no separator", function(pms) return raw_encrypt("\0\2" .. nonzero(K - 2 - 48) .. pms) end },
      { "47 bytes inside", function(pms) return raw_encrypt(block(pms:sub(1, 47))) end },
      { "49 bytes inside", function(pms) return raw_encrypt(block(pms .. "\7")) end },
      { "wrong version inside", function(pms) return raw_encrypt(block("\3\2" .. pms:sub(3))) end },
      { "garbage of the right size", function() return I.random(K) end },
      { "a ciphertext one byte short", function(pms) return raw_encrypt(block(pms)):sub(2) end },
      { "a ciphertext one byte long", function(pms) return "\0" .. raw_encrypt(block(pms)) end },
      { "an empty ciphertext", function() return "" end },
      { "encryption to another key", function()
         local _, enc = I.rsa_premaster_encrypt(OTHER, 0x0303)
         return enc
      end },
   }
   local first
   for _, case in ipairs(CASES) do
      it("ends at the client's Finished like a wrong key: " .. case[1], function()
         local e, ok = rsa_handshake(case[2])
         assert.is_nil(ok)
         local msg, alert = e:error()
         first = first or { msg, alert }
         assert.are.same(first, { msg, alert })
         assert.are.equal("bad_record_mac", alert)
         -- The records sent are the same: the first flight, then one alert.
         local recs = B.parse_records(e:output())
         assert.are.equal(1, #recs)
         assert.are.equal(B.CT.alert, recs[1].type)
         assert.are.equal("\2\20", recs[1].body)
      end)
   end

   it("checks the client's Finished: decrypt_error for a wrong verify_data", function()
      local e, ok = rsa_handshake(GOOD, { bad_finished = true })
      assert.is_nil(ok)
      local msg, alert = e:error()
      assert.are.equal("decrypt_error", alert)
      assert.are.equal("client Finished does not match: the client saw a different handshake or holds a "
         .. "different master secret", msg)
   end)
end)

describe("TLS 1.2 server, raw client: rules", function()
   it("writes DOWNGRD 01 at the end of its random when it could do TLS 1.3", function()
      local e = server_engine(ECDSA)
      assert(e:feed(B.record(B.CT.handshake, hello12 { suites = { ECDSA128 } }, { version = 0x0301 })))
      assert.are.equal("DOWNGRD\1", server_random_of(e:output()):sub(25))
   end)

   it("does not write the sentinel with max_version = TLSv1.2, even to a 1.3-capable client", function()
      for _ = 1, 4 do
         local e = server_engine(ECDSA, { max_version = "TLSv1.2" })
         assert(e:feed(B.record(B.CT.handshake, hello12 { suites = { ECDSA128, 0x1301 }, versions = { 0x0304, 0x0303 } },
            { version = 0x0301 })))
         local sr = server_random_of(e:output())
         assert.are_not.equal("DOWNGRD", sr:sub(25, 31))
      end
   end)

   for _, v in ipairs { { 0x0301, "TLSv1.0" }, { 0x0302, "TLSv1.1" }, { 0x0300, "SSLv3" } } do
      it("refuses a ClientHello of " .. v[2] .. " with protocol_version", function()
         local e = server_engine(ECDSA)
         local ok = e:feed(B.record(B.CT.handshake, hello12 { version = v[1], suites = { 0xc013, ECDSA128 } },
            { version = 0x0301 }))
         assert.is_nil(ok)
         local msg, alert = e:error()
         assert.are.equal("protocol_version", alert)
         assert.matches("^client offers at most ", msg)
         if v[1] ~= 0x0300 then
            assert.are.equal("client offers at most " .. v[2] .. "; this server requires TLS 1.2 or 1.3", msg)
         end
      end)
   end

   it("refuses a client without EMS by default and accepts it with require_ems = false", function()
      local e = server_engine(ECDSA)
      assert.is_nil(e:feed(B.record(B.CT.handshake, hello12 { ems = false, suites = { ECDSA128 } })))
      local msg, alert = e:error()
      assert.are.equal("handshake_failure", alert)
      assert.are.equal("the client does not support the extended master secret (RFC 7627); set require_ems = false "
         .. "to talk to it", msg)
   end)

   it("completes a handshake without EMS when require_ems = false", function()
      local e, ok, err = rsa_handshake(GOOD, { ems = false, require_ems = false })
      assert.is_true(ok, err)
      assert.is_true(e:status().handshake_done)
   end)

   -- The first flight's refusals: { name, hello options, alert, message }.
   for _, case in ipairs {
      { "a hello without the null compression method", { compression = "\1" }, "handshake_failure",
        "ClientHello does not offer the null compression method" },
      { "ec_point_formats without the uncompressed format", { point_formats = "\1\2" }, "illegal_parameter",
        "ClientHello ec_point_formats lacks the uncompressed format" },
      { "a client with only finite-field groups", { groups = { 0x0100, 0x0101 } }, "handshake_failure",
        "no elliptic-curve group in common with the client (TLS 1.2 uses x25519, x448, secp256r1, secp384r1, "
        .. "secp521r1)" },
   } do
      it("refuses " .. case[1], function()
         local opts = case[2]
         opts.suites = { 0xc02f, ECDSA128 }
         local e = server_engine(RSA)
         assert.is_nil(e:feed(B.record(B.CT.handshake, hello12(opts), { version = 0x0301 })))
         local msg, alert = e:error()
         assert.are.equal(case[3], alert)
         assert.are.equal(case[4], msg)
      end)
   end

   it("uses secp256r1 with a client that sent no supported_groups", function()
      local e = server_engine(RSA)
      local ch = B.client_hello { suites = { 0xc02f }, extensions = {
         { EXT_EMS, "" }, { 13, B.vec(2, B.list16 { 0x0804 }) } } }
      assert(e:feed(B.record(B.CT.handshake, ch, { version = 0x0301 })))
      local msgs = flight_messages(e:output())
      assert.are.equal(12, msgs[3].type)
      assert.are.equal("\3\0\23", msgs[3].body:sub(1, 3)) -- named_curve secp256r1
   end)

   it("refuses ECDHE to a client without signature_algorithms (SHA-1 only), and says so", function()
      local e = server_engine(RSA)
      local ch = B.client_hello { suites = { 0xc02f }, extensions = {
         { EXT_EMS, "" }, { 10, B.vec(2, B.list16 { 0x001d }) } } }
      assert.is_nil(e:feed(B.record(B.CT.handshake, ch, { version = 0x0301 })))
      local msg, alert = e:error()
      assert.are.equal("handshake_failure", alert)
      assert.are.equal("the client sent no signature_algorithms, which in TLS 1.2 means SHA-1 signatures only; "
         .. "we sign with SHA-256 or better", msg)
   end)

   it("takes a client Certificate as unexpected_message (no client certificates yet)", function()
      local e = server_engine(ECDSA)
      assert(e:feed(B.record(B.CT.handshake, hello12 { suites = { ECDSA128 } }, { version = 0x0301 })))
      e:output()
      assert.is_nil(e:feed(B.record(B.CT.handshake, B.handshake(11, B.vec(3, "")))))
      local msg, alert = e:error()
      assert.are.equal("unexpected_message", alert)
      assert.are.equal("expected ClientKeyExchange, got Certificate", msg)
   end)

   it("refuses a non-empty renegotiation_info in the first hello", function()
      local e = server_engine(ECDSA)
      local ch = B.client_hello { suites = { ECDSA128 }, extensions = {
         { EXT_EMS, "" }, { 13, B.vec(2, B.list16 { 0x0403 }) }, { EXT_RENEG, B.vec(1, ("\0"):rep(12)) } } }
      assert.is_nil(e:feed(B.record(B.CT.handshake, ch)))
      local msg, alert = e:error()
      assert.are.equal("handshake_failure", alert)
      assert.matches("renegotiation_info is not empty", msg, 1, true)
   end)

   it("answers a renegotiating ClientHello with a warning and goes on", function()
      local events = {}
      local e, ok, err, seal = rsa_handshake(GOOD, { events = events })
      assert.is_true(ok, err)
      e:output()
      assert.is_true(e:feed(seal(1, B.CT.handshake, hello12 {})))
      local recs = B.parse_records(e:output())
      assert.are.equal(1, #recs)
      assert.are.equal(B.CT.alert, recs[1].type) -- protected: 8 explicit nonce + 2 + 16 tag
      assert.are.equal(26, #recs[1].body)
      assert.is_true(e:feed(seal(2, B.CT.application_data, "still here")))
      assert.are.equal("still here", e:read())
      local refused = false
      for _, ev in ipairs(events) do
         if ev.message == "ClientHello" and tostring(ev.meaning or ""):find("no_renegotiation", 1, true) then
            refused = true
         end
      end
      assert.is_true(refused)
   end)
end)
