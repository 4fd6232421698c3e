-- Our TLS 1.2 client (csrc/hs/tls12_client.c): interop with TLS 1.2-only
-- servers (OpenSSL, GnuTLS, Python's ssl, LuaSec), version negotiation, and
-- the ServerHello rules, checked with crafted bytes fed to a client engine.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"

local c = certs.get()

-- IANA name, OpenSSL name, certificate kind.
local ECDHE_SUITES = {
   { "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", "ecdsa_p256" },
   { "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", "ecdsa_p256" },
   { "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", "ecdsa_p256" },
   { "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "rsa2048" },
   { "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "rsa2048" },
   { "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", "rsa2048" },
}
local RSA_SUITES = {
   { "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256" },
   { "TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384" },
}
local GROUPS = { "x25519", "secp256r1", "secp384r1" }

local function client_ctx(extra)
   local o = { mode = "client", ca = c.ca }
   for k, v in pairs(extra or {}) do o[k] = v end
   if o.verify == false then o.ca = nil end -- refused: it would do nothing
   return assert(tls.context(o))
end

local function connect(port, ctx)
   return peers.connect(port, ctx or client_ctx())
end

local function s_server12(kind, args)
   local cert = c.leaf[kind]
   return peers.s_server(string.format("-tls1_2 -www -cert %s -key %s %s", cert.cert, cert.key, args or ""))
end

-- s_server -www's status page, which describes the session as the server saw it.
local fetch_status = peers.status_page

describe("our TLS 1.2 client against openssl s_server -tls1_2", function()
   after_each(proc.kill_all)

   for _, s in ipairs(ECDHE_SUITES) do
      it("negotiates " .. s[1] .. " with a " .. s[3] .. " certificate", function()
         local _, port = s_server12(s[3], "-cipher " .. s[2])
         local conn = connect(port)
         local info = conn:info()
         assert.equal("TLSv1.2", info.version)
         assert.equal(s[1], info.cipher)
         assert.equal("x25519", info.group)
         local page = fetch_status(conn)
         assert.truthy(page:find("New, TLSv1.2, Cipher is " .. s[2], 1, true), page)
         conn:close()
      end)
   end

   for _, group in ipairs(GROUPS) do
      for _, kind in ipairs { "ecdsa_p256", "rsa2048" } do
         it("exchanges keys on " .. group .. " with a " .. kind .. " certificate", function()
            local _, port = s_server12(kind, "-groups " .. group)
            local conn = connect(port)
            local info = conn:info()
            assert.equal("TLSv1.2", info.version)
            assert.equal(group, info.group)
            local page = fetch_status(conn)
            assert.truthy(page:find("New, TLSv1.2, Cipher is ECDHE-", 1, true), page)
            conn:close()
         end)
      end
   end

   for _, s in ipairs(RSA_SUITES) do
      it("uses RSA key transport with " .. s[1] .. " when named in ciphers", function()
         local _, port = s_server12("rsa2048", "-cipher " .. s[2])
         local events = {}
         local conn = connect(port, client_ctx { ciphers = s[1], trace = function(ev) events[#events + 1] = ev end })
         local info = conn:info()
         assert.equal("TLSv1.2", info.version)
         assert.equal(s[1], info.cipher)
         assert.is_nil(info.group)
         local page = fetch_status(conn)
         assert.truthy(page:find("New, TLSv1.2, Cipher is " .. s[2], 1, true), page)
         conn:close()
         local seen = {}
         for _, ev in ipairs(events) do seen[ev.direction .. " " .. ev.message] = ev end
         assert.is_nil(seen["receive ServerKeyExchange"])
         assert.truthy(seen["send ClientKeyExchange"].encrypted_premaster:find("^256 bytes"))
         assert.truthy(seen["key premaster secret"].from:find("encrypted with RSA", 1, true))
         assert.truthy(seen["key master secret"].from:find("^extended"))
      end)
   end

   it("traces every message and key step of an ECDHE handshake", function()
      local _, port = s_server12("ecdsa_p256")
      local events = {}
      local conn = connect(port, client_ctx { trace = function(ev) events[#events + 1] = ev.direction .. " " .. ev.message end })
      fetch_status(conn)
      conn:close()
      local got = table.concat(events, "\n")
      for _, want in ipairs { "receive ServerHello", "receive Certificate", "receive ServerKeyExchange",
                              "receive ServerHelloDone", "send ClientKeyExchange", "key premaster secret",
                              "key master secret", "key key block", "send ChangeCipherSpec", "send Finished",
                              "receive ChangeCipherSpec", "receive Finished" } do
         assert.truthy(got:find(want, 1, true), "missing " .. want .. " in\n" .. got)
      end
   end)

   it("is chosen by our default client (no version options) against a 1.2-only server", function()
      local _, port = s_server12("ecdsa_p256")
      local conn = connect(port, client_ctx())
      assert.equal("TLSv1.2", conn:info().version)
      conn:close()
   end)

   it("is refused with min_version = TLSv1.3", function()
      local h, port = s_server12("ecdsa_p256")
      local conn, err = tls.connect("127.0.0.1", port, client_ctx { min_version = "TLSv1.3" },
         { servername = "localhost", timeout = 10 })
      assert.is_nil(conn)
      -- s_server -tls1_2 refuses our TLS 1.3-only hello itself (the case of
      -- our client refusing a TLS 1.2 ServerHello is in rejections_spec).
      assert.equal("peer sent alert protocol_version (70): the server does not support TLS 1.3, the only "
         .. "version we offer (min_version or the ciphers leave out TLS 1.2; it may speak TLS 1.2)", err)
      assert.truthy(h)
   end)
end)

describe("our TLS 1.2 client against GnuTLS", function()
   after_each(proc.kill_all)

   local function gnutls_serv(priority, kind)
      local cert = c.leaf[kind or "ecdsa_p256"]
      return peers.gnutls_serv(string.format("--x509certfile %s --x509keyfile %s --echo --priority %s",
         cert.cert, cert.key, priority))
   end

   local function echo(port, ctx)
      local conn = connect(port, ctx)
      assert(conn:send("hello over tls 1.2\n"))
      local line, err = conn:receive("*l")
      assert.equal("hello over tls 1.2", line, err)
      local info = conn:info()
      conn:close()
      return info
   end

   for _, kind in ipairs { "ecdsa_p256", "rsa2048" } do
      it("echoes a line with a " .. kind .. " certificate", function()
         local _, port = gnutls_serv("NORMAL:-VERS-TLS1.3", kind)
         local info = echo(port)
         assert.equal("TLSv1.2", info.version)
         assert.truthy(info.cipher:find(kind == "rsa2048" and "^TLS_ECDHE_RSA_" or "^TLS_ECDHE_ECDSA_"), info.cipher)
      end)
   end

   it("uses RSA key transport with it when named in ciphers (a leaf that allows keyEncipherment)", function()
      local _, port = gnutls_serv("NORMAL:-VERS-TLS1.3:+RSA", "rsa2048")
      local info = echo(port, client_ctx { ciphers = "TLS_RSA_WITH_AES_128_GCM_SHA256" })
      assert.equal("TLSv1.2", info.version)
      assert.equal("TLS_RSA_WITH_AES_128_GCM_SHA256", info.cipher)
      assert.equal("RSA", info.key_exchange)
   end)

   it("refuses a server without extended master secret by default", function()
      local _, port = gnutls_serv("NORMAL:-VERS-TLS1.3:%NO_SESSION_HASH")
      local conn, err = tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 10 })
      assert.is_nil(conn)
      assert.equal("server does not support the extended master secret (RFC 7627); "
         .. "set require_ems = false to talk to it", err)
   end)

   it("talks to a server without extended master secret with require_ems = false", function()
      local _, port = gnutls_serv("NORMAL:-VERS-TLS1.3:%NO_SESSION_HASH")
      local events = {}
      local info = echo(port, client_ctx { require_ems = false, trace = function(ev) events[#events + 1] = ev end })
      assert.equal("TLSv1.2", info.version)
      for _, ev in ipairs(events) do
         if ev.message == "master secret" then
            assert.equal('PRF(premaster, "master secret", client_random + server_random)', ev.from)
         end
      end
   end)
end)

local PY_SERVER = [[
import socket, ssl, sys
cert, key = sys.argv[1], sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(cert, key)
srv = socket.create_server(("127.0.0.1", 0))
print("ready", srv.getsockname()[1], flush=True)
while True:
    raw, _ = srv.accept()
    raw.settimeout(10)
    try:
        with ctx.wrap_socket(raw, server_side=True) as s:
            line = s.makefile("rb").readline().decode().rstrip("\n")
            s.sendall(("%s %s %s\n" % (s.version(), s.cipher()[0], line)).encode())
    except Exception as e:
        print("failed", e, flush=True)
]]

describe("our TLS 1.2 client against Python's ssl (maximum_version TLSv1_2)", function()
   local server_py
   setup(function()
      server_py = os.tmpname()
      proc.write_file(server_py, PY_SERVER)
   end)
   teardown(function() os.remove(server_py) end)
   after_each(proc.kill_all)

   for _, kind in ipairs { "ecdsa_p256", "rsa2048" } do
      it("exchanges a line with a " .. kind .. " certificate", function()
         local srv = proc.spawn(string.format("%s %s %s %s", peers.python(), server_py,
            c.leaf[kind].cert, c.leaf[kind].key))
         local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
         local conn = connect(port)
         local info = conn:info()
         assert.equal("TLSv1.2", info.version)
         assert(conn:send("hello from lua\n"))
         local line, err = conn:receive("*l")
         local version, cipher, rest = (line or ""):match("^(%S+) (%S+) (.*)$")
         assert.equal("TLSv1.2", version, err)
         assert.equal("hello from lua", rest)
         assert.truthy(info.cipher:find(cipher:gsub("%-", "_"):gsub("^ECDHE_ECDSA_AES(%d+)", "ECDHE_ECDSA_WITH_AES_%1")
            :gsub("^ECDHE_RSA_AES(%d+)", "ECDHE_RSA_WITH_AES_%1"), 1, true), cipher .. " vs " .. info.cipher)
         conn:close()
      end)
   end
end)

describe("our TLS 1.2 client against LuaSec (protocol tlsv1_2)", function()
   after_each(proc.kill_all)

   local function luasec_lua()
      for _, lua in ipairs { proc.lua(), "lua5.4", "lua5.3", "lua5.1" } do
         if proc.have(lua) then
            local _, code = proc.run(lua .. " -e 'require \"ssl\"'")
            if code == 0 then return lua end
         end
      end
      error("no Lua interpreter here can load LuaSec (Debian package lua-sec)")
   end

   for _, kind in ipairs { "ecdsa_p256", "rsa2048" } do
      it("exchanges a line with a " .. kind .. " certificate", function()
         local srv = proc.spawn(string.format("%s spec/support/luasec_peer.lua server %s %s tlsv1_2",
            luasec_lua(), c.leaf[kind].cert, c.leaf[kind].key))
         local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
         local conn = connect(port)
         local info = conn:info()
         assert.equal("TLSv1.2", info.version)
         assert(conn:send("hello from luatls\n"))
         local line, err = conn:receive("*l")
         assert.truthy((line or ""):match("^TLSv1%.2 %S+ hello from luatls$"), tostring(line) .. " " .. tostring(err))
         conn:close()
      end)
   end
end)

-- A client engine that sent its ClientHello; returns it and that hello.
local function started_client(opts)
   local ctx = client_ctx(E.merge({ verify = false }, opts))
   local cl = assert(tls.engine(ctx, { servername = "localhost" }))
   assert(cl:start())
   return cl, cl:output()
end

local EMS = { 23, "", name = "extended_master_secret" }
local RENEGOTIATION_INFO = { 0xff01, "\0", name = "renegotiation_info" }
local POINT_FORMATS = { 11, "\1\0", name = "ec_point_formats" }

-- A TLS 1.2 ServerHello record: opts for B.server_hello, with the default
-- TLS 1.2 extensions (EMS, renegotiation_info) unless opts.extensions.
local function server_hello12(opts)
   local o = { session_id = "", suite = 0xc02b, version = false, share = false,
               extensions = { EMS, RENEGOTIATION_INFO } }
   for k, v in pairs(opts or {}) do o[k] = v end
   return B.record(22, B.server_hello(o))
end

describe("our TLS 1.2 client judges the ServerHello", function()
   it("accepts a plain TLS 1.2 ServerHello and waits for the Certificate", function()
      local cl = started_client()
      assert(cl:feed(server_hello12 { extensions = { EMS, RENEGOTIATION_INFO, POINT_FORMATS } }))
      assert.is_false(cl:status().failed)
      assert.equal("", cl:output())
   end)

   it("refuses the downgrade sentinel when it offered TLS 1.3", function()
      local cl = started_client()
      local ok, msg = cl:feed(server_hello12 { random = B.random(24) .. "DOWNGRD\1" })
      E.assert_refused(cl, ok, msg, "illegal_parameter",
         "downgrade detected: the server can do TLS 1%.3 but answered with TLS 1%.2 .*")
   end)

   it("refuses the TLS 1.1 downgrade sentinel too", function()
      local cl = started_client()
      local ok, msg = cl:feed(server_hello12 { random = B.random(24) .. "DOWNGRD\0" })
      E.assert_refused(cl, ok, msg, "illegal_parameter", "downgrade detected: .*")
   end)

   it("accepts the sentinel when it offered only TLS 1.2", function()
      local cl = started_client { max_version = "TLSv1.2" }
      assert(cl:feed(server_hello12 { random = B.random(24) .. "DOWNGRD\1" }))
      assert.is_false(cl:status().failed)
   end)

   it("refuses a suite it did not offer", function()
      local cl = started_client()
      local ok, msg = cl:feed(server_hello12 { suite = 0x009c }) -- TLS_RSA_WITH_AES_128_GCM_SHA256
      E.assert_refused(cl, ok, msg, "illegal_parameter",
         "server chose cipher suite TLS_RSA_WITH_AES_128_GCM_SHA256 %(0x009c%), not offered")
   end)

   it("refuses a TLS 1.3 suite in a TLS 1.2 ServerHello", function()
      local cl = started_client()
      local ok, msg = cl:feed(server_hello12 { suite = 0x1301 })
      E.assert_refused(cl, ok, msg, "illegal_parameter",
         "server chose cipher suite TLS_AES_128_GCM_SHA256 %(0x1301%), not offered")
   end)

   it("refuses a TLS 1.2 ServerHello that echoes its session id", function()
      local cl, hello = started_client()
      local ok, msg = cl:feed(server_hello12 { session_id = B.session_id_of(hello) })
      E.assert_refused(cl, ok, msg, "illegal_parameter",
         "TLS 1%.2 ServerHello echoes our session id: a resumption we never asked for")
   end)

   it("accepts a new session id from the server", function()
      local cl = started_client()
      assert(cl:feed(server_hello12 { session_id = B.random(32) }))
      assert.is_false(cl:status().failed)
   end)

   it("refuses a renegotiation_info that is not empty", function()
      local cl = started_client()
      local ok, msg = cl:feed(server_hello12 { extensions = { EMS, { 0xff01, "\12" .. ("\0"):rep(12) } } })
      E.assert_refused(cl, ok, msg, "handshake_failure",
         "server's renegotiation_info is not empty on a first handshake %(RFC 5746%)")
   end)

   it("refuses ec_point_formats without the uncompressed format", function()
      local cl = started_client()
      local ok, msg = cl:feed(server_hello12 { extensions = { EMS, RENEGOTIATION_INFO, { 11, "\1\1" } } })
      E.assert_refused(cl, ok, msg, "illegal_parameter", "server's ec_point_formats lacks the uncompressed format")
   end)

   it("refuses an extension it did not ask for", function()
      local cl = started_client()
      local ok, msg = cl:feed(server_hello12 { extensions = { EMS, RENEGOTIATION_INFO, { 16, B.vec(2, B.vec(1, "h2")) } } })
      E.assert_refused(cl, ok, msg, "unsupported_extension", ".*application_layer_protocol_negotiation.*")
   end)

   it("refuses a server without extended master secret by default", function()
      local cl = started_client()
      local ok, msg = cl:feed(server_hello12 { extensions = { RENEGOTIATION_INFO } })
      E.assert_refused(cl, ok, msg, "handshake_failure",
         "server does not support the extended master secret %(RFC 7627%); set require_ems = false to talk to it")
   end)

   it("accepts a server without extended master secret with require_ems = false", function()
      local cl = started_client { require_ems = false }
      assert(cl:feed(server_hello12 { extensions = { RENEGOTIATION_INFO } }))
      assert.is_false(cl:status().failed)
   end)

   for version, name in pairs { [0x0301] = "TLSv1.0", [0x0302] = "TLSv1.1" } do
      it("refuses a " .. name .. " ServerHello with protocol_version", function()
         local cl = started_client()
         local ok, msg = cl:feed(server_hello12 { legacy_version = version })
         E.assert_refused(cl, ok, msg, "protocol_version",
            "server chose " .. name:gsub("%.", "%%.") .. ", but this client speaks only TLS 1%.2 and 1%.3")
      end)
   end
end)

-- A scripted TLS 1.2 server in this process (ECDHE on x25519 with an ECDSA
-- P-256 certificate, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256) that computes
-- every key itself, so it can misbehave where a real server cannot.
local I = require("tls.core")._internal
local SUITE12 = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"

local function pem_to_der(pem)
   local b64 = pem:match("%-%-%-%-%-BEGIN CERTIFICATE%-%-%-%-%-(.-)%-%-%-%-%-END"):gsub("%s", "")
   local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
   local bits = b64:gsub("=", ""):gsub(".", function(ch)
      local v = alphabet:find(ch, 1, true) - 1
      local s = ""
      for i = 5, 0, -1 do s = s .. ((v >> i) & 1) end
      return s
   end)
   return (bits:gsub("%d%d%d%d%d%d%d%d", function(byte) return string.char(tonumber(byte, 2)) end)
      :sub(1, #bits // 8))
end

local function handshakes_of(records, want_type)
   local out = {}
   for _, r in ipairs(records) do
      if r.type == want_type then out[#out + 1] = r.body end
   end
   return table.concat(out)
end

-- opts: client (context options), sign (function(content) -> scheme, signature),
-- group, cert (kind), finished (function(verify_data) -> verify_data to send).
-- Returns the client engine and a table with the session's keys, after the
-- server's flight up to ServerHelloDone; s.finish() sends CCS + Finished.
local function scripted12(opts)
   opts = opts or {}
   local kind = opts.cert or "ecdsa_p256"
   local key_pem = proc.read_file(c.leaf[kind].key)
   local der = pem_to_der(proc.read_file(c.leaf[kind].cert))
   local cl, hello = started_client(opts.client)
   local cr, sr = hello:sub(12, 43), B.random(32)
   local transcript = hello:sub(6)
   local priv, pub = B.x25519_keypair()
   local params = "\3" .. B.u16(opts.group or B.GROUP.x25519) .. B.vec(1, pub)
   -- (an RSA certificate is refused before the signature matters)
   local scheme, sig = 0x0403, I.sign(key_pem, "ecdsa_secp256r1_sha256", cr .. sr .. params) or "\0"
   if opts.sign then scheme, sig = opts.sign(cr .. sr .. params, key_pem, sig) end
   local flight = B.server_hello { session_id = "", suite = 0xc02b, version = false, share = false, random = sr,
                                   extensions = { EMS, RENEGOTIATION_INFO } }
      .. B.handshake(11, B.vec(3, B.vec(3, der)))
      .. B.handshake(12, params .. B.u16(scheme) .. B.vec(2, sig))
      .. B.handshake(14, "")
   local s = { cl = cl }
   s.ok, s.msg = cl:feed(B.records(22, flight))
   if not s.ok then return cl, s end
   transcript = transcript .. flight
   local records = B.parse_records(cl:output())
   assert.equal(22, records[1].type)
   local cke = records[1].body
   assert.equal(16, cke:byte(1))
   assert.equal(20, records[2].type)
   local client_pub = cke:sub(6, 5 + cke:byte(5))
   transcript = transcript .. cke
   local pms = assert(I.kex_x25519(priv, client_pub))
   local master = assert(I.tls12_master_secret("sha256", pms, cr, sr, I.hash("sha256", transcript)))
   s.kb = assert(I.tls12_key_block("sha256", 16, 4, master, cr, sr))
   local fin = assert(I.tls12_open(SUITE12, s.kb.client_key, s.kb.client_iv, 0, 22, records[3].body))
   assert.equal(B.handshake(20, I.tls12_finished("sha256", master, false, I.hash("sha256", transcript))), fin)
   transcript = transcript .. fin
   function s.finish()
      local vd = I.tls12_finished("sha256", master, true, I.hash("sha256", transcript))
      if opts.finished then vd = opts.finished(vd) end
      return cl:feed(B.record(20, "\1")
         .. B.record(22, assert(I.tls12_seal(SUITE12, s.kb.server_key, s.kb.server_iv, 0, 22, B.handshake(20, vd)))))
   end
   return cl, s
end

describe("our TLS 1.2 client against a scripted server", function()
   it("completes the handshake and exchanges application data both ways", function()
      local cl, s = scripted12()
      assert(s.finish())
      assert.is_true(cl:status().handshake_done)
      assert.equal("TLSv1.2", cl:info().version)
      assert(cl:feed(B.record(23, assert(I.tls12_seal(SUITE12, s.kb.server_key, s.kb.server_iv, 1, 23, "ping")))))
      assert.equal("ping", cl:read())
      assert(cl:write("pong"))
      local r = B.parse_records(cl:output())
      assert.equal("pong", I.tls12_open(SUITE12, s.kb.client_key, s.kb.client_iv, 1, 23, r[1].body))
   end)

   it("refuses a server Finished that does not match (decrypt_error)", function()
      local cl, s = scripted12 { finished = function(vd) return string.char(vd:byte(1) ~ 1) .. vd:sub(2) end }
      local ok, msg = s.finish()
      E.assert_refused(cl, ok, msg, "decrypt_error",
         "server's Finished does not match the handshake %(wrong keys, or the messages were changed on the way%)")
   end)

   it("refuses a ServerKeyExchange whose signature does not verify (decrypt_error)", function()
      local cl, s = scripted12 { sign = function(_, _, sig)
         return 0x0403, sig:sub(1, -2) .. string.char(sig:byte(-1) ~ 1)
      end }
      E.assert_failed(cl, s.ok, s.msg, "decrypt_error")
   end)

   it("refuses a ServerKeyExchange signed over other randoms (decrypt_error)", function()
      local cl, s = scripted12 { sign = function(content, key)
         return 0x0403, I.sign(key, "ecdsa_secp256r1_sha256", B.random(64) .. content:sub(65))
      end }
      E.assert_failed(cl, s.ok, s.msg, "decrypt_error")
   end)

   it("refuses a ServerKeyExchange signature scheme it did not offer", function()
      local cl, s = scripted12 { client = { sigalgs = "rsa_pss_rsae_sha256:ecdsa_secp384r1_sha384" } }
      E.assert_refused(cl, s.ok, s.msg, "illegal_parameter",
         "ServerKeyExchange signed with ecdsa_secp256r1_sha256, not offered in signature_algorithms")
   end)

   it("refuses a ServerKeyExchange group it did not offer", function()
      local cl, s = scripted12 { client = { groups = "secp256r1" } }
      E.assert_refused(cl, s.ok, s.msg, "illegal_parameter", "ServerKeyExchange uses group x25519, not offered")
   end)

   it("refuses an RSA certificate for an ECDHE_ECDSA suite (unsupported_certificate)", function()
      local cl, s = scripted12 { cert = "rsa2048" }
      E.assert_refused(cl, s.ok, s.msg, "unsupported_certificate",
         "server's certificate has a RSA key, which TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 cannot use")
   end)

   it("answers a HelloRequest after the handshake with a warning no_renegotiation and goes on", function()
      local cl, s = scripted12()
      assert(s.finish())
      assert(cl:feed(B.record(22, assert(I.tls12_seal(SUITE12, s.kb.server_key, s.kb.server_iv, 1, 22,
         B.handshake(0, ""))))))
      local r = B.parse_records(cl:output())
      assert.equal(1, #r)
      assert.equal(21, r[1].type)
      assert.equal("\1\100", I.tls12_open(SUITE12, s.kb.client_key, s.kb.client_iv, 1, 21, r[1].body))
      assert(cl:feed(B.record(23, assert(I.tls12_seal(SUITE12, s.kb.server_key, s.kb.server_iv, 2, 23, "still here")))))
      assert.equal("still here", cl:read())
      assert.is_false(cl:status().failed)
   end)

   it("refuses a ChangeCipherSpec in the middle of a handshake message", function()
      local cl, s = scripted12()
      assert.truthy(s.kb)
      local ok, msg = cl:feed(B.record(22, "\20\0\0\12") .. B.record(20, "\1"))
      E.assert_refused(cl, ok, msg, "unexpected_message",
         "change_cipher_spec record inside a fragmented handshake message")
   end)

   it("refuses a Finished before the server's ChangeCipherSpec", function()
      local cl, s = scripted12()
      local ok, msg = cl:feed(B.record(22, B.handshake(20, ("\0"):rep(12))))
      E.assert_refused(cl, ok, msg, "unexpected_message", "expected ChangeCipherSpec, got Finished")
      assert.truthy(s)
   end)
end)
