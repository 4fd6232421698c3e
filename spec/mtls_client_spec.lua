-- Mutual TLS, client side (csrc/hs/tls_client_cert.c, tls13_client.c,
-- tls12_client.c): our client answers a CertificateRequest with the
-- certificate that fits the server's algorithms and CA names (or the one a
-- client_certificate function chooses, or none), in TLS 1.3 and TLS 1.2,
-- against OpenSSL, GnuTLS, Python's ssl and LuaSec; and the
-- CertificateRequest rules, checked with scripted servers.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local H = require "spec.support.hostile_server"
local R = require "spec.support.ref13"
local I = require("tls.core")._internal

local c, m = certs.get(), certs.clients()
local LEAF = c.leaf.ecdsa_p256
local VERSIONS = { { "TLSv1.3", "tls1_3" }, { "TLSv1.2", "tls1_2" } }

-- A client context holding `pairs` (certs.clients() entries: the first as
-- certificate/key, the others in `certificates`), trusting the servers' CA.
local function client_ctx(pairs, extra)
   local o = { ca = c.ca }
   if pairs[1] then o.certificate, o.key = pairs[1].cert, pairs[1].key end
   if pairs[2] then
      o.certificates = {}
      for i = 2, #pairs do o.certificates[i - 1] = { certificate = pairs[i].cert, key = pairs[i].key } end
   end
   o = E.merge(o, extra)
   if o.verify == false then o.ca = nil end -- refused: it would do nothing
   return assert(tls.context(o))
end

-- The same with a trace of the events named "send X"/"receive X" kept by name.
local function traced_ctx(pairs, extra)
   local events = {}
   local ctx = client_ctx(pairs, E.merge({ trace = function(ev)
      events[ev.direction .. " " .. ev.message] = ev
      events[#events + 1] = ev.direction .. " " .. ev.message
   end }, extra))
   return ctx, events
end

local function connect(port, ctx, version)
   local conn, err = tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 })
   assert(conn, "connect failed: " .. tostring(err))
   conn:settimeout(10)
   assert.equal(version, conn:info().version)
   return conn
end

-- s_server -www's status page: it describes the client certificate it got.
local fetch_status = peers.status_page

local function s_server(flag, args)
   return peers.s_server(string.format("-%s -www -cert %s -key %s %s", flag, LEAF.cert, LEAF.key, args))
end

local function has(text, plain) return text:find(plain, 1, true) ~= nil end

for _, v in ipairs(VERSIONS) do
   local version, flag = v[1], v[2]

   describe("our " .. version .. " client with a certificate against openssl s_server", function()
      after_each(proc.kill_all)

      it("sends it when the server requires one (-Verify), and info() names it", function()
         local _, port = s_server(flag, "-Verify 1 -CAfile " .. m.ca)
         local ctx, events = traced_ctx { m.ecdsa }
         local conn = connect(port, ctx, version)
         assert.equal("CN=luatls client", conn:info().client_certificate)
         local page = fetch_status(conn)
         assert.truthy(has(page, "Subject: CN=luatls client\n"), page)
         local cr = events["receive CertificateRequest"]
         assert.equal("1", cr.ca_names)
         assert.equal("CN=luatls client CA", cr.ca_name)
         assert.truthy(has(cr.sigalgs, "ecdsa_secp256r1_sha256"), cr.sigalgs)
         assert.equal("CN=luatls client", events["send Certificate"].subject)
         assert.equal("ecdsa_secp256r1_sha256", events["send CertificateVerify"].signature)
         -- The server's own signature stays what info() reports.
         assert.equal("ecdsa_secp256r1_sha256", conn:info().signature)
         conn:close()
      end)

      it("sends it when the server asks for one without requiring it (-verify)", function()
         local _, port = s_server(flag, "-verify 1 -CAfile " .. m.ca)
         local conn = connect(port, client_ctx { m.rsa }, version)
         assert.equal("CN=luatls rsa client", conn:info().client_certificate)
         local page = fetch_status(conn)
         assert.truthy(has(page, "Subject: CN=luatls rsa client\n"), page)
         conn:close()
      end)

      it("of two, sends the one under a CA the server names", function()
         -- m.main_ca comes first but is under the servers' CA, which this server does not name.
         local _, port = s_server(flag, "-Verify 1 -CAfile " .. m.ca)
         local conn = connect(port, client_ctx { m.main_ca, m.ecdsa }, version)
         assert.equal("CN=luatls client", conn:info().client_certificate)
         assert.truthy(has(fetch_status(conn), "Subject: CN=luatls client\n"))
         conn:close()
      end)

      it("sends the RSA one to a server that only takes RSA signatures from clients", function()
         local _, port = s_server(flag, "-Verify 1 -CAfile " .. m.ca
            .. " -client_sigalgs rsa_pss_rsae_sha256:rsa_pkcs1_sha256")
         local ctx, events = traced_ctx { m.ecdsa, m.rsa }
         local conn = connect(port, ctx, version)
         assert.equal("CN=luatls rsa client", conn:info().client_certificate)
         assert.equal("rsa_pss_rsae_sha256, rsa_pkcs1_sha256", events["receive CertificateRequest"].sigalgs)
         assert.equal("rsa_pss_rsae_sha256", events["send CertificateVerify"].signature)
         assert.truthy(has(fetch_status(conn), "Subject: CN=luatls rsa client\n"))
         conn:close()
      end)

      it("sends none when none is under a CA the server names, and the server goes on without", function()
         local _, port = s_server(flag, "-verify 1 -CAfile " .. m.ca)
         local ctx, events = traced_ctx { m.untrusted, m.main_ca }
         local conn = connect(port, ctx, version)
         assert.is_nil(conn:info().client_certificate)
         assert.equal("none", events["send Certificate"].certificates)
         assert.is_nil(events["send CertificateVerify"])
         assert.truthy(has(fetch_status(conn), "no client certificate available"))
         conn:close()
      end)

      it("reports the server's refusal readably when it requires one and we have none that fits", function()
         local _, port = s_server(flag, "-Verify 1 -CAfile " .. m.ca)
         local ctx = client_ctx { m.untrusted }
         if version == "TLSv1.3" then
            -- rfc8446#4.4.2.4: certificate_required, after our Finished: seen on first use.
            local conn = connect(port, ctx, version)
            conn:send("GET / HTTP/1.0\r\n\r\n")
            local data, err = conn:receive("*a")
            assert.is_nil(data)
            assert.equal("peer sent alert certificate_required (116): most likely because the server asked for a client certificate, and we sent none (none of ours fits the signature algorithms and CA names it accepts, or client_certificate chose none)", err)
         else
            -- TLS 1.2: the alert comes before the server's Finished, inside the handshake.
            local conn, err = tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 })
            assert.is_nil(conn)
            assert.equal("peer sent alert handshake_failure (40): most likely because the server asked for a client certificate, and we sent none (none of ours fits the signature algorithms and CA names it accepts, or client_certificate chose none)", err)
         end
      end)
   end)

   describe("the client_certificate function (" .. version .. ")", function()
      after_each(proc.kill_all)

      it("is called with the CA names, algorithms and version, and its choice is sent", function()
         local _, port = s_server(flag, "-Verify 1 -CAfile " .. m.ca)
         local seen
         local conn = connect(port, client_ctx({ m.ecdsa, m.rsa }, { client_certificate = function(request)
            seen = request
            return 2
         end }), version)
         assert.same({ "CN=luatls client CA" }, seen.ca_names)
         assert.equal(version, seen.version)
         assert.equal("ecdsa_secp256r1_sha256", seen.sigalgs[1])
         assert.equal("CN=luatls rsa client", conn:info().client_certificate)
         assert.truthy(has(fetch_status(conn), "Subject: CN=luatls rsa client\n"))
         conn:close()
      end)

      it("may decline: nil sends an empty Certificate", function()
         local _, port = s_server(flag, "-verify 1 -CAfile " .. m.ca)
         local called = 0
         local conn = connect(port, client_ctx({ m.ecdsa }, { client_certificate = function()
            called = called + 1
            return nil
         end }), version)
         assert.equal(1, called)
         assert.is_nil(conn:info().client_certificate)
         assert.truthy(has(fetch_status(conn), "no client certificate available"))
         conn:close()
      end)

      it("fails the handshake with its error", function()
         local _, port = s_server(flag, "-verify 1 -CAfile " .. m.ca)
         local conn, err = tls.connect("127.0.0.1", port, client_ctx({ m.ecdsa }, { client_certificate = function()
            error("the smart card is locked", 0)
         end }), { servername = "localhost", timeout = 10 })
         assert.is_nil(conn)
         assert.equal("client_certificate: the smart card is locked", err)
      end)

      it("fails the handshake when it returns something that is not one of the context's pairs", function()
         local _, port = s_server(flag, "-verify 1 -CAfile " .. m.ca)
         for value, expected in pairs {
            [3] = "client_certificate: returned 3; expected the index of one of the context's certificates "
               .. "(1 to 2), or nil to send none",
            ["1"] = "client_certificate: returned 1; expected the index of one of the context's certificates "
               .. "(1 to 2), or nil to send none",
         } do
            local conn, err = tls.connect("127.0.0.1", port, client_ctx({ m.ecdsa, m.rsa },
               { client_certificate = function() return value end }), { servername = "localhost", timeout = 10 })
            assert.is_nil(conn)
            assert.equal(expected, err)
         end
      end)

      it("fails the handshake when its choice cannot sign with the server's algorithms", function()
         local _, port = s_server(flag, "-verify 1 -CAfile " .. m.ca .. " -client_sigalgs rsa_pss_rsae_sha256")
         local conn, err = tls.connect("127.0.0.1", port, client_ctx({ m.ecdsa, m.rsa },
            { client_certificate = function() return 1 end }), { servername = "localhost", timeout = 10 })
         assert.is_nil(conn)
         assert.equal("client_certificate chose certificate 1 (CN=luatls client), whose EC key cannot sign with "
            .. "any signature algorithm the server accepts", err)
      end)
   end)
end

describe("the client_certificate option", function()
   it("must be a function, on a client context", function()
      assert.same({ nil, "option 'client_certificate' must be a function (got number)" },
         { tls.context { client_certificate = 1 } })
      local cert, key = tls.selfsigned { names = { "localhost" } }
      assert.same({ nil, "option 'client_certificate' is for client contexts: it chooses what a client answers "
         .. "a server's request for a certificate with" },
         { tls.context { mode = "server", certificate = cert, key = key, client_certificate = function() end } })
   end)
end)

---------------------------------------------------------------------------
-- Other peers
---------------------------------------------------------------------------
local PY_SERVER = [[
import socket, ssl, sys
cert, key, ca, version = sys.argv[1:5]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(ca)
if version == "TLSv1.2":
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
print("ready", srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
try:
    tls = ctx.wrap_socket(conn, server_side=True)
    tls.recv(100)
    subject = dict(x[0] for x in tls.getpeercert()["subject"])
    tls.sendall(("%s %s\n" % (tls.version(), subject["commonName"])).encode())
    tls.close()
except Exception as e:
    print("failed", e, flush=True)
]]

local LUASEC_SERVER = [[
local socket, ssl = require "socket", require "ssl"
io.stdout:setvbuf("line")
local ctx = assert(ssl.newcontext { mode = "server", protocol = arg[4], certificate = arg[1], key = arg[2],
   cafile = arg[3], verify = { "peer", "fail_if_no_peer_cert" }, options = "all" })
local srv = assert(socket.bind("127.0.0.1", 0))
print("ready " .. select(2, srv:getsockname()))
local raw = assert(srv:accept())
raw:settimeout(10)
local conn = assert(ssl.wrap(raw, ctx))
local ok, err = conn:dohandshake()
if not ok then print("failed " .. tostring(err)) os.exit(1) end
conn:receive("*l")
local cn
for _, e in ipairs(conn:getpeercertificate():subject()) do if e.oid == "2.5.4.3" then cn = e.value end end
conn:send(conn:info().protocol .. " " .. tostring(cn) .. "\n")
conn:close()
]]

local function luasec_lua()
   for _, lua in ipairs { proc.lua(), "lua5.4", "lua5.3", "lua5.1" } do
      if proc.have(lua) then
         local _, code = proc.run(lua .. " -e 'require \"ssl\"'")
         if code == 0 then return lua end
      end
   end
   error("no Lua interpreter here can load LuaSec (Debian package lua-sec)")
end

describe("our client with a certificate against other servers requiring one", function()
   local py, luasec
   setup(function()
      py, luasec = os.tmpname(), os.tmpname()
      proc.write_file(py, PY_SERVER)
      proc.write_file(luasec, LUASEC_SERVER)
   end)
   teardown(function()
      os.remove(py)
      os.remove(luasec)
   end)
   after_each(proc.kill_all)

   for _, v in ipairs(VERSIONS) do
      local version = v[1]
      local ctx_opts = { min_version = version, max_version = version }

      it("GnuTLS (--require-client-cert) sees it, " .. version, function()
         local _, port = peers.gnutls_serv(string.format("--require-client-cert --verify-client-cert "
            .. "--x509cafile %s --x509certfile %s --x509keyfile %s", m.ca, LEAF.cert, LEAF.key))
         local conn = connect(port, client_ctx({ m.ecdsa }, ctx_opts), version)
         local page = fetch_status(conn)
         assert.truthy(has(page, "Issuer: CN=luatls client CA\n"), page)
         assert.truthy(has(page, "Subject: CN=luatls client\n"), page)
         conn:close()
      end)

      it("Python's ssl (CERT_REQUIRED) sees it, " .. version, function()
         local srv = proc.spawn(string.format("%s %s %s %s %s %s", peers.python(), py, LEAF.cert, LEAF.key,
            m.ca, version))
         local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
         local conn = connect(port, client_ctx({ m.rsa }, ctx_opts), version)
         assert(conn:send("hello\n"))
         local line, err = conn:receive("*l")
         assert.equal(version .. " luatls rsa client", line, err)
         conn:close()
      end)

      it("LuaSec (verify peer, fail_if_no_peer_cert) sees it, " .. version, function()
         local srv = proc.spawn(string.format("%s %s %s %s %s %s", luasec_lua(), luasec, LEAF.cert, LEAF.key,
            m.ca, version == "TLSv1.3" and "tlsv1_3" or "tlsv1_2"))
         local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
         local conn = connect(port, client_ctx({ m.ecdsa }, ctx_opts), version)
         assert(conn:send("hello\n"))
         local line, err = conn:receive("*l")
         assert.equal(version .. " luatls client", line, tostring(err) .. " " .. srv:output())
         conn:close()
      end)
   end
end)

---------------------------------------------------------------------------
-- Scripted servers: what we send, and the CertificateRequest rules
---------------------------------------------------------------------------
local function der_tlv(tag, content)
   assert(#content < 128)
   return string.char(tag, #content) .. content
end

-- The DER of the Name "CN=<cn>".
local function dn(cn)
   return der_tlv(0x30, der_tlv(0x31, der_tlv(0x30, "\6\3\85\4\3" .. der_tlv(0x0c, cn))))
end

local function ca_names(...)
   local t = {}
   for i, name in ipairs { ... } do t[i] = H.vec(2, name) end
   return table.concat(t)
end

local SIGALGS13 = { H.EXT.signature_algorithms, H.vec(2, H.u16(0x0403) .. H.u16(0x0804)) }

local function pair_opts(pair)
   return { certificate = pair.cert, key = pair.key }
end

describe("our TLS 1.3 client against a scripted server asking for a certificate", function()
   -- Serves EE, CertificateRequest (with `exts`), Certificate, CertificateVerify, Finished.
   local function request(s, exts, context)
      assert(s:hello())
      local ee = s:encrypted_extensions()
      local cr = s:certificate_request { extensions = exts, context = context }
      return s:send(ee, cr, s:certificate(), s:certificate_verify(), s:finished())
   end

   local function fails_with(s, alert, reason)
      local msg, name, from_peer = s.engine:error()
      assert.equal(alert, name, "error: " .. tostring(msg))
      assert.is_false(from_peer)
      assert.equal(reason, msg)
      assert.equal(alert, (s:client_alert()))
   end

   it("sends Certificate (empty context), CertificateVerify (signed with its key) and Finished", function()
      local s = H.new { client = pair_opts(m.ecdsa) }
      assert(s:hello())
      assert(s:send(s:encrypted_extensions(), s:certificate_request { extensions = { SIGALGS13,
         { H.EXT.certificate_authorities, H.vec(2, ca_names(dn("luatls client CA"))) } } },
         s:certificate(), s:certificate_verify(), s:finished()))
      local before = s.transcript
      s:client_finished()
      local msgs = s.client_messages
      assert.same({ H.HS.certificate, H.HS.certificate_verify, H.HS.finished },
         { msgs[1].type, msgs[2].type, msgs[3].type })
      local cert = msgs[1].body
      assert.equal("\0", cert:sub(1, 1))                      -- certificate_request_context
      local leaf_len = string.unpack(">I3", cert, 5)
      local der = cert:sub(8, 7 + leaf_len)
      local T = require "spec.support.tls12_peer"
      assert.equal(T.der(proc.read_file(m.ecdsa.cert)), der)
      local scheme, sig = string.unpack(">I2s2", msgs[2].body)
      assert.equal(0x0403, scheme)
      local content = R.certificate_verify_content(false, R.transcript_hash(s.suite, before .. msgs[1].raw))
      assert.is_true(I.verify(proc.read_file(m.ecdsa.key), "ecdsa_secp256r1_sha256", content, sig))
      assert.equal("CN=luatls client", s.engine:info().client_certificate)
   end)

   it("sends an empty Certificate when its only certificate is under none of the named CAs", function()
      local s = H.new { client = pair_opts(m.ecdsa) }
      assert(request(s, { SIGALGS13, { H.EXT.certificate_authorities, H.vec(2, ca_names(dn("some other CA"))) } }))
      s:client_finished()
      assert.same({ H.HS.certificate, H.HS.finished }, { s.client_messages[1].type, s.client_messages[2].type })
      assert.equal("\0\0\0\0", s.client_messages[1].body)
      assert.is_nil(s.engine:info().client_certificate)
   end)

   it("sends an empty Certificate when its key fits none of the server's algorithms", function()
      local s = H.new { client = pair_opts(m.ecdsa) }
      assert(request(s, { { H.EXT.signature_algorithms, H.vec(2, H.u16(0x0804)) } }))
      s:client_finished()
      assert.equal("\0\0\0\0", s.client_messages[1].body)
   end)

   it("refuses a CertificateRequest without signature_algorithms (missing_extension)", function()
      local s = H.new { client = pair_opts(m.ecdsa) }
      assert.is_nil(request(s, { { H.EXT.certificate_authorities, H.vec(2, ca_names(dn("luatls client CA"))) } }))
      fails_with(s, "missing_extension", "CertificateRequest without signature_algorithms")
   end)

   it("refuses a request context during the handshake (illegal_parameter)", function()
      local s = H.new { client = pair_opts(m.ecdsa) }
      assert.is_nil(request(s, { SIGALGS13 }, "ctx"))
      fails_with(s, "illegal_parameter", "CertificateRequest during the handshake has a request context")
   end)

   it("refuses an empty signature_algorithms list (decode_error)", function()
      local s = H.new { client = pair_opts(m.ecdsa) }
      assert.is_nil(request(s, { { H.EXT.signature_algorithms, H.vec(2, "") } }))
      fails_with(s, "decode_error", "CertificateRequest signature_algorithms is malformed")
   end)

   it("refuses truncated CA names (decode_error)", function()
      local s = H.new { client = pair_opts(m.ecdsa) }
      local names = ca_names(dn("luatls client CA"))
      assert.is_nil(request(s, { SIGALGS13, { H.EXT.certificate_authorities, H.vec(2, names:sub(1, -2)) } }))
      fails_with(s, "decode_error", "CertificateRequest certificate_authorities: the list of CA names is malformed")
   end)

   it("refuses an empty CA name (decode_error)", function()
      local s = H.new { client = pair_opts(m.ecdsa) }
      assert.is_nil(request(s, { SIGALGS13, { H.EXT.certificate_authorities, H.vec(2, H.vec(2, "") .. H.vec(2, "x")) } }))
      fails_with(s, "decode_error", "CertificateRequest certificate_authorities: the list of CA names is malformed")
   end)

   it("refuses a CA name that is not a DER Name, or has bytes after it (decode_error)", function()
      for _, bad in ipairs { "not a name", dn("luatls client CA") .. "\0" } do
         local s = H.new { client = pair_opts(m.ecdsa) }
         assert.is_nil(request(s, { SIGALGS13, { H.EXT.certificate_authorities, H.vec(2, ca_names(dn("a"), bad)) } }))
         fails_with(s, "decode_error",
            "CertificateRequest certificate_authorities: CA name 2 is not a DER distinguished name")
      end
   end)

   it("refuses an empty certificate_authorities list (decode_error)", function()
      local s = H.new { client = pair_opts(m.ecdsa) }
      assert.is_nil(request(s, { SIGALGS13, { H.EXT.certificate_authorities, H.vec(2, "") } }))
      fails_with(s, "decode_error", "CertificateRequest certificate_authorities is malformed")
   end)

   it("refuses a duplicated extension (illegal_parameter)", function()
      local s = H.new { client = pair_opts(m.ecdsa) }
      assert.is_nil(request(s, { SIGALGS13, SIGALGS13 }))
      local _, name = s.engine:error()
      assert.equal("illegal_parameter", name)
   end)

   it("ignores unknown extensions and signature_algorithms_cert", function()
      local s = H.new { client = pair_opts(m.ecdsa) }
      assert(request(s, { { 0x7a7a, "whatever" }, { 50, H.vec(2, H.u16(0x0403)) }, SIGALGS13 }))
      s:client_finished()
      assert.equal(H.HS.certificate_verify, s.client_messages[2].type)
   end)

   it("judges a list longer than the 256 CA names it keeps in the server's favour", function()
      -- None of the first 256 names ours; those past them are not looked at.
      local names = {}
      for i = 1, 300 do names[i] = dn("CA " .. i) end
      local s = H.new { client = pair_opts(m.ecdsa) }
      assert(request(s, { SIGALGS13, { H.EXT.certificate_authorities, H.vec(2, ca_names(table.unpack(names))) } }))
      s:client_finished()
      assert.equal(H.HS.certificate_verify, s.client_messages[2].type)
   end)
end)

describe("our TLS 1.2 client against a scripted server asking for a certificate", function()
   local SUITE12 = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
   local T = require "spec.support.tls12_peer"
   local EMS = { 23, "", name = "extended_master_secret" }
   local RENEGOTIATION_INFO = { 0xff01, "\0", name = "renegotiation_info" }

   -- A TLS 1.2 server flight with a CertificateRequest of body `cr`; then
   -- reads the client's answer. Returns s with ok/msg (the feed), and once
   -- the client answered: messages (its handshake messages before CCS),
   -- signed (the transcript its CertificateVerify covers), finished_ok.
   local function scripted(cr, client)
      local key_pem = proc.read_file(LEAF.key)
      local ctx = client_ctx({}, E.merge({ verify = false }, client))
      local cl = assert(tls.engine(ctx, { servername = "localhost" }))
      assert(cl:start())
      local hello = cl:output()
      local crand, srand = hello:sub(12, 43), B.random(32)
      local transcript = hello:sub(6)
      local priv, pub = B.x25519_keypair()
      local params = "\3" .. B.u16(B.GROUP.x25519) .. B.vec(1, pub)
      local sig = assert(I.sign(key_pem, "ecdsa_secp256r1_sha256", crand .. srand .. params))
      local flight = B.server_hello { session_id = "", suite = 0xc02b, version = false, share = false,
                                      random = srand, extensions = { EMS, RENEGOTIATION_INFO } }
         .. B.handshake(11, B.vec(3, B.vec(3, T.der(proc.read_file(LEAF.cert)))))
         .. B.handshake(12, params .. B.u16(0x0403) .. B.vec(2, sig))
         .. B.handshake(13, cr)
         .. B.handshake(14, "")
      local s = { cl = cl }
      s.ok, s.msg = cl:feed(B.records(22, flight))
      if not s.ok then return s end
      transcript = transcript .. flight
      local records = B.parse_records(cl:output())
      local i, hs = 1, {}
      while records[i].type == 22 do
         hs[#hs + 1] = records[i].body
         i = i + 1
      end
      s.messages = B.parse_handshakes(table.concat(hs))
      local cke
      for _, msg in ipairs(s.messages) do
         if msg.type == 15 then s.signed = transcript end
         transcript = transcript .. msg.raw
         if msg.type == 16 then
            cke = msg
            s.session_hash = I.hash("sha256", transcript)
         end
      end
      assert.equal(20, records[i].type)
      local pms = assert(I.kex_x25519(priv, cke.body:sub(2, 1 + cke.body:byte(1))))
      local master = assert(I.tls12_master_secret("sha256", pms, crand, srand, s.session_hash))
      local kb = assert(I.tls12_key_block("sha256", 16, 4, master, crand, srand))
      local fin = assert(I.tls12_open(SUITE12, kb.client_key, kb.client_iv, 0, 22, records[i + 1].body))
      s.finished_ok = fin == B.handshake(20, I.tls12_finished("sha256", master, false, I.hash("sha256", transcript)))
      return s
   end

   local function request(types, sigalgs, names)
      return B.vec(1, types) .. B.vec(2, sigalgs) .. B.vec(2, names)
   end
   local ECDSA_AND_RSA = "\64\1"
   local SIGALGS = B.u16(0x0403) .. B.u16(0x0804) .. B.u16(0x0401)

   it("sends Certificate, ClientKeyExchange and CertificateVerify over every message before it", function()
      local s = scripted(request(ECDSA_AND_RSA, SIGALGS, ca_names(dn("luatls client CA"))), pair_opts(m.ecdsa))
      assert(s.ok, s.msg)
      assert.same({ 11, 16, 15 }, { s.messages[1].type, s.messages[2].type, s.messages[3].type })
      local leaf = s.messages[1].body:sub(7)
      assert.equal(T.der(proc.read_file(m.ecdsa.cert)), leaf)
      local scheme, sig = string.unpack(">I2s2", s.messages[3].body)
      assert.equal(0x0403, scheme)
      assert.is_true(I.verify(proc.read_file(m.ecdsa.key), "ecdsa_secp256r1_sha256", s.signed, sig))
      assert.is_true(s.finished_ok)
   end)

   it("signs with RSA-PSS for an RSA certificate", function()
      local s = scripted(request(ECDSA_AND_RSA, SIGALGS, ""), pair_opts(m.rsa))
      assert(s.ok, s.msg)
      local scheme, sig = string.unpack(">I2s2", s.messages[3].body)
      assert.equal(0x0804, scheme)
      assert.is_true(I.verify(proc.read_file(m.rsa.key), "rsa_pss_rsae_sha256", s.signed, sig))
      assert.is_true(s.finished_ok)
   end)

   it("sends an empty Certificate when its key is of a certificate type the server did not list", function()
      local s = scripted(request("\1", SIGALGS, ""), pair_opts(m.ecdsa))
      assert(s.ok, s.msg)
      assert.same({ 11, 16 }, { s.messages[1].type, s.messages[2].type })
      assert.equal("\0\0\0", s.messages[1].body)
      assert.is_nil(s.messages[3])
      assert.is_true(s.finished_ok)
   end)

   it("sends an empty Certificate when it is under none of the named CAs", function()
      local s = scripted(request(ECDSA_AND_RSA, SIGALGS, ca_names(dn("some other CA"))), pair_opts(m.ecdsa))
      assert(s.ok, s.msg)
      assert.equal("\0\0\0", s.messages[1].body)
      assert.is_true(s.finished_ok)
   end)

   it("refuses a CertificateRequest with empty certificate_types (decode_error)", function()
      local s = scripted(request("", SIGALGS, ""), pair_opts(m.ecdsa))
      E.assert_refused(s.cl, s.ok, s.msg, "decode_error", "CertificateRequest has no certificate_types")
   end)

   it("refuses truncated CA names (decode_error)", function()
      local names = ca_names(dn("luatls client CA"))
      local s = scripted(request(ECDSA_AND_RSA, SIGALGS, names:sub(1, -3)), pair_opts(m.ecdsa))
      E.assert_refused(s.cl, s.ok, s.msg, "decode_error",
         "CertificateRequest certificate_authorities: the list of CA names is malformed")
   end)

   it("refuses a signature algorithm list of odd length (decode_error)", function()
      local s = scripted(request(ECDSA_AND_RSA, SIGALGS .. "\4", ""), pair_opts(m.ecdsa))
      E.assert_refused(s.cl, s.ok, s.msg, "decode_error", "CertificateRequest signature_algorithms is malformed")
   end)

   it("refuses bytes after the CA names (decode_error)", function()
      local s = scripted(request(ECDSA_AND_RSA, SIGALGS, "") .. "\0", pair_opts(m.ecdsa))
      E.assert_refused(s.cl, s.ok, s.msg, "decode_error", "CertificateRequest is malformed")
   end)
end)

-- rfc8446#4.2.3, rfc5246#7.4.4: of two pairs the server can take, the client
-- sends first the one whose chain is signed with schemes it accepts.
describe("our client's choice by the signatures of its chains", function()
   local pki = require "spec.support.pki"
   local p = pki.new()
   p:ca("rsaca", "rsa2048", "/CN=luatls RSA-signing client CA")
   p:ca("ecca", "ec256", "/CN=luatls EC-signing client CA")
   for _, name in ipairs { "viarsa", "viaec" } do
      p:key(name, "ec256")
      p:issue(name, "/CN=client " .. name, name == "viarsa" and "rsaca" or "ecca")
   end
   p:bundle("cas", "rsaca", "ecca")
   after_each(proc.kill_all)

   for _, v in ipairs(VERSIONS) do
      local version, flag = v[1], v[2]
      it("sends the EC-signed chain to a server taking only ECDSA signatures, the first pair otherwise ("
         .. version .. ")", function()
         local ctx = assert(tls.context { ca = c.ca, certificates = {
            { certificate = p:path("viarsa.pem"), key = p:path("viarsa.key") },
            { certificate = p:path("viaec.pem"), key = p:path("viaec.key") } } })
         local _, port = s_server(flag, "-Verify 1 -CAfile " .. p:path("cas.pem")
            .. " -client_sigalgs ecdsa_secp256r1_sha256")
         local conn = connect(port, ctx, version)
         assert.equal("CN=client viaec", conn:info().client_certificate)
         assert.truthy(has(fetch_status(conn), "Subject: CN=client viaec\n"))
         conn:close()
         _, port = s_server(flag, "-Verify 1 -CAfile " .. p:path("cas.pem")
            .. " -client_sigalgs ecdsa_secp256r1_sha256:rsa_pkcs1_sha256")
         conn = connect(port, ctx, version)
         assert.equal("CN=client viarsa", conn:info().client_certificate)
         conn:close()
      end)
   end
end)
