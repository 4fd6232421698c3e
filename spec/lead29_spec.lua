-- Session 29.
--   review28c I8: a client whose only TLS 1.3 suites are ones we lack
--   (TLS_AES_128_CCM_SHA256, as `openssl s_client -ciphersuites` can make)
--   but whose TLS 1.2 suites are ours was refused with "no cipher suite in
--   common with the client": true of TLS 1.3, where it is refused (answering
--   TLS 1.2 needs the downgrade sentinel, which such a client refuses), but
--   it sent the operator to the TLS 1.2 list. The reason names the client's
--   TLS 1.3 suites now.
local tls = require "tls"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"

describe("a client offering TLS 1.3 with none of our TLS 1.3 suites", function()
   local function refused(suites)
      local sv = E.server_engine()
      local ok, msg = sv:feed(B.client_hello_record { suites = suites })
      E.assert_failed(sv, ok, msg, "handshake_failure")
      return msg
   end

   it("names the TLS 1.3 suites it offers, not the TLS 1.2 ones we share", function()
      assert.equal("no TLS 1.3 cipher suite in common with the client (it offers TLS_AES_128_CCM_SHA256)",
         refused { 0x1304, 0xc02b, 0xc02f })
      assert.equal("no TLS 1.3 cipher suite in common with the client (it offers TLS_AES_128_CCM_SHA256, "
         .. "TLS_AES_128_CCM_8_SHA256, 0x13aa, ...)", refused { 0xc02b, 0x1304, 0x1305, 0x13aa, 0x1399 })
   end)

   it("says when it offers no TLS 1.3 suite at all", function()
      assert.equal("the client offers TLS 1.3 but no TLS 1.3 cipher suite", refused { 0x009c })
   end)

   it("names only what our own `ciphers` leave out when the client's suite is one we disabled", function()
      local sv = E.server_engine { ciphers = "TLS_AES_256_GCM_SHA384" }
      local ok, msg = sv:feed(B.client_hello_record { suites = { 0x1301 } })
      E.assert_failed(sv, ok, msg, "handshake_failure",
         "no TLS 1.3 cipher suite in common with the client (it offers TLS_AES_128_GCM_SHA256)")
   end)

   it("still shakes hands when one TLS 1.3 suite is shared among ones we lack", function()
      local sv = E.server_engine()
      assert(sv:feed(B.client_hello_record { suites = { 0x1304, 0x1305, 0x1303 } }))
      assert.is_false(sv:status().failed)
      assert.truthy(#sv:output() > 0)
      assert.equal("TLS_CHACHA20_POLY1305_SHA256", sv:info().cipher)
   end)
end)

-- Session 29, lead: the LuaSec drop-in's @SECLEVEL=4 and 5 applied the
-- level to the peer's chain only, while OpenSSL's (and so LuaSec's) also
-- narrow what is negotiated to 192 or 256 bits of security: no AES-128,
-- no x25519 or P-256, no SHA-256 signatures at 4; only P-521 and SHA-512
-- signatures at 5. A LuaSec program asking for level 4 got x25519 and
-- AES-128 under luatls.
describe("tls.luasec at @SECLEVEL=4 and 5", function()
   local ssl = require "tls.luasec"
   local socket = require "socket"
   local proc = require "spec.support.proc"
   local peers = require "spec.support.peers"
   local pki = require("spec.support.pki").new()
   pki:ca("root", "ec384", "/CN=luatls lead29 root")
   pki:key("leaf", "ec384")
   pki:issue("leaf", "/CN=localhost", "root", { md = "sha384" })
   local leaf = { cert = pki:path("leaf.pem"), key = pki:path("leaf.key") }

   after_each(proc.kill_all)

   local function connect(port, params)
      local cfg = { mode = "client", protocol = "any", verify = "peer", cafile = pki:path("root.pem") }
      for k, v in pairs(params) do cfg[k] = v end
      local ctx = assert(ssl.newcontext(cfg))
      local conn = assert(ssl.wrap(assert(socket.connect("127.0.0.1", port)), ctx))
      conn:sni("localhost")
      conn:settimeout(10)
      assert(conn:dohandshake())
      local info = conn:info().luatls
      conn:close()
      return info
   end

   it("negotiates 192-bit groups, ciphers and signatures at 4 (TLS 1.3 and 1.2), as OpenSSL does", function()
      for _, version in ipairs { "-tls1_3", "-tls1_2" } do
         local _, port = peers.s_server("-www " .. version, nil, leaf)
         local info = connect(port, { ciphers = "DEFAULT:@SECLEVEL=4" })
         assert.equal("secp384r1", info.group)
         assert.is_nil(info.cipher:find("128", 1, true), info.cipher)
         assert.equal("ecdsa_secp384r1_sha384", info.signature)
         -- the same server at the default level: x25519 and AES-128 first
         info = connect(port, { ciphers = "DEFAULT" })
         assert.equal("x25519", info.group)
         assert.truthy(info.cipher:find("128", 1, true), info.cipher)
         proc.kill_all()
      end
   end)

   it("narrows a server's groups too, and a client's signatures only at 5", function()
      local function opts(params)
         local base = { protocol = "any", verify = "peer", cafile = pki:path("root.pem") }
         for k, v in pairs(params) do base[k] = v end
         return assert(ssl.newcontext(base)).opts
      end
      local server = opts { mode = "server", certificate = leaf.cert, key = leaf.key, ciphers = "HIGH@SECLEVEL=4" }
      assert.same({ "secp384r1", "x448", "secp521r1" }, server.groups)
      assert.is_nil(server.sigalgs)
      local client = opts { mode = "client", ciphers = "DEFAULT:@SECLEVEL=5" }
      assert.same({ "secp521r1" }, client.groups)
      assert.same({ "ecdsa_secp521r1_sha512", "rsa_pss_rsae_sha512", "rsa_pss_pss_sha512", "rsa_pkcs1_sha512" },
         client.sigalgs)
      for _, s in ipairs(client.ciphers) do assert.is_nil(s:find("128", 1, true), s) end
   end)

   it("refuses lists that leave nothing at the level, as OpenSSL's handshake would fail", function()
      local ctx, err = ssl.newcontext { mode = "client", protocol = "any", ciphers = "DEFAULT:@SECLEVEL=4",
         curve = "prime256v1:X25519" }
      assert.is_nil(ctx)
      assert.equal("curve: @SECLEVEL=4 allows only groups of 192 bits of security or more (as OpenSSL's level 4: "
         .. "secp384r1, secp521r1, x448), and 'prime256v1:X25519' names none", err)
      ctx, err = ssl.newcontext { mode = "client", protocol = "tlsv1_2",
         ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=4" }
      assert.is_nil(ctx)
      assert.equal("ciphers: @SECLEVEL=4 allows only ciphers of 192 bits or more (as OpenSSL's level 4), "
         .. "and the suites left are all AES-128", err)
      -- at 3 nothing is narrowed but RSA key transport, as in OpenSSL
      assert.truthy(ssl.newcontext { mode = "client", protocol = "any", ciphers = "DEFAULT:@SECLEVEL=3",
         curve = "prime256v1" })
   end)
end)

-- review29a M1: a server's conn:receive_early() handed out the 0-RTT data of
-- a handshake that had failed on EOF (the client gone before its Finished:
-- a copy of a client's first flight, replayed, gets exactly that far).
describe("early data of a client that closed before its Finished", function()
   local P = require "spec.support.psk13"
   local R = require "spec.support.ref13"
   local C = require "refcrypto"
   local tcppair = require "spec.support.tcppair"

   -- A server context taking 0-RTT, and a first flight with early data
   -- and EndOfEarlyData under one of its tickets.
   local function replayable_flight(payload)
      local data = {}
      local store = {
         get = function(id) return data[id] end,
         put = function(id, blob) data[id] = blob end,
         delete = function(id) local had = data[id] ~= nil; data[id] = nil; return had end,
      }
      local sctx = E.server_ctx { early_data = true, ticket_keys = { ("K"):rep(40) .. "01234567" }, session_store = store }
      local sv = assert(tls.engine(sctx))
      local cl = P.client()
      assert(sv:feed(cl:hello { server_name = "localhost" }))
      cl:receive(sv:output())
      assert(sv:feed(cl:finished()))
      local t = cl:tickets(sv:output())[1]
      local cl2 = P.client()
      local hello = cl2:hello { server_name = "localhost", psks = { t }, extra = { { B.EXT.early_data, "" } } }
      local suite = R.suite(t.suite)
      local early = R.hkdf_extract(suite.md, "", t.psk)
      local w = R.protector(suite, R.derive_secret(suite.md, early, "c e traffic",
         C.digest(suite.md, cl2.transcript)))
      return sctx, hello .. B.record(B.CT.ccs, "\1") .. w:seal(B.CT.application_data, payload)
         .. w:seal(B.CT.handshake, B.handshake(5, ""))
   end

   it("is not handed out by receive_early after handshake() saw the close", function()
      local sctx, flight = replayable_flight("POST /transfer?amount=100")
      local a, s = tcppair()
      assert(a:send(flight))
      a:close()
      local conn = assert(tls.wrap(s, sctx, { timeout = 2 }))
      assert.same({ nil, "closed" }, { conn:handshake() })
      assert.same({ nil, "closed" }, { conn:receive_early() })
      conn:close()
   end)

   it("is handed out before the Finished while the client is still there (0.5-RTT)", function()
      local sctx, flight = replayable_flight("GET /")
      local a, s = tcppair()
      assert(a:send(flight))
      local conn = assert(tls.wrap(s, sctx, { timeout = 2 }))
      assert.equal("GET /", conn:receive_early())
      assert.equal("accepted", conn:info().early_data)
      a:close()
      assert.same({ nil, "closed" }, { conn:handshake() })
      conn:close()
   end)
end)

-- review29a L2: after a HelloRetryRequest, a second ClientHello that no
-- longer offered the suite it named was resumed with that suite anyway
-- (the PSK path took the suite as chosen); without a PSK it was refused.
describe("a second ClientHello that drops the suite the HelloRetryRequest chose", function()
   local P = require "spec.support.psk13"
   local KEY = ("A"):rep(40) .. "01234567"
   local function server() return E.server_engine { ticket_keys = { KEY }, groups = "x25519" } end
   local p256 = { B.GROUP.secp256r1, "\4" .. ("\1"):rep(64) }
   local REASON = "second ClientHello changes the cipher suites (it no longer offers TLS_AES_128_GCM_SHA256, "
      .. "which the HelloRetryRequest chose)"

   for _, resuming in ipairs { true, false } do
      it("is illegal_parameter " .. (resuming and "when it resumes" or "in a full handshake"), function()
         local t = P.full(server())[1]
         local sv, cl = server(), P.client()
         local hello = { server_name = "localhost", psks = resuming and { t } or nil,
            groups = { B.GROUP.secp256r1, B.GROUP.x25519 } }
         assert(sv:feed(cl:hello(E.merge({ shares = { p256 } }, hello))))
         local r = cl:receive(sv:output())
         assert.is_true(r.hrr)
         assert.equal(B.SUITE.aes128gcm, r.sh.suite)
         local ok, msg = sv:feed(cl:hello(E.merge({ suites = { B.SUITE.chacha } }, hello)))
         E.assert_failed(sv, ok, msg, "illegal_parameter", REASON)
      end)
   end

   it("resumes when it keeps it", function()
      local t = P.full(server())[1]
      local sv, cl = server(), P.client()
      local hello = { server_name = "localhost", psks = { t }, groups = { B.GROUP.secp256r1, B.GROUP.x25519 } }
      assert(sv:feed(cl:hello(E.merge({ shares = { p256 } }, hello))))
      assert.is_true(cl:receive(sv:output()).hrr)
      assert(sv:feed(cl:hello(hello)))
      local f = cl:receive(sv:output())
      assert.equal(B.SUITE.aes128gcm, f.sh.suite)
      assert.is_true(cl.resumed)
   end)
end)

-- review29c L1, L3: options that act in one TLS version only, on a context
-- whose lists or keys leave only the other, were accepted and did nothing
-- (refused before only for an explicit max_version/tickets = 0 case);
-- L4: the drop-in's `certificates` entries that are not pairs.
describe("options that can never take effect", function()
   local ssl = require "tls.luasec"
   local function refused(o)
      local ctx, err = tls.context(o)
      assert.is_nil(ctx)
      return err
   end
   local function server(extra) return E.merge({ mode = "server", certificate = E.CERT, key = E.KEY }, extra) end
   local TLS12_ONLY = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"

   it("refuses TLS 1.3's options when the cipher or signature lists leave only TLS 1.2", function()
      assert.equal("option 'key_update_after' can never take effect: key updates exist only in TLS 1.3, and "
         .. "TLSv1.3 is out because 'ciphers' names no TLS 1.3 suite (leave 'key_update_after' out, or allow "
         .. "TLS 1.3)", refused(server { ciphers = TLS12_ONLY, key_update_after = 1 }))
      assert.equal("option 'early_data = true' can never take effect: 0-RTT data exists only in TLS 1.3, and "
         .. "TLSv1.3 is out because 'ciphers' names no TLS 1.3 suite (leave 'early_data' out, or allow TLS 1.3)",
         refused(server { ciphers = TLS12_ONLY, early_data = true }))
      assert.equal("option 'psk_ke = true' can never take effect: psk_ke exists only in TLS 1.3, and TLSv1.3 is "
         .. "out because 'sigalgs' names only rsa_pkcs1_* schemes, which TLS 1.3 forbids (leave 'psk_ke' out, or "
         .. "allow TLS 1.3)", refused { mode = "client", sigalgs = "rsa_pkcs1_sha256", psk_ke = true })
      assert.matches("^option 'key_update_after' can never take effect: .* 'ciphers' names no TLS 1.3 suite",
         refused { mode = "client", ciphers = TLS12_ONLY, key_update_after = 5 })
      -- where TLS 1.3 stays possible they are taken
      assert.truthy(tls.context(server { ciphers = TLS12_ONLY .. ":TLS_AES_128_GCM_SHA256", key_update_after = 1,
         early_data = true, psk_ke = true, session_store = tls.store.memory() }))
   end)

   it("refuses a session_store a server can never call (no TLS 1.2, no early_data)", function()
      local store = tls.store.memory()
      local MSG = "option 'session_store' can never take effect: a server's store keeps TLS 1.2 sessions and "
         .. "0-RTT anti-replay records, and TLSv1.2 is out because %s while 'early_data' is not set (leave "
         .. "'session_store' out, or set early_data = true)"
      assert.equal(MSG:format("'min_version' is TLSv1.3"),
         refused(server { min_version = "TLSv1.3", session_store = store }))
      assert.equal(MSG:format("'ciphers' names no TLS 1.2 suite"),
         refused(server { ciphers = "TLS_AES_256_GCM_SHA384", session_store = store }))
      assert.truthy(tls.context(server { min_version = "TLSv1.3", session_store = store, early_data = true }))
      assert.truthy(tls.context(server { session_store = store }))
   end)

   it("tls.luasec refuses certificates entries that are not pairs, and holes", function()
      local leaf = E.CERT
      for _, mode in ipairs { "client", "server" } do
         local ctx, err = ssl.newcontext { mode = mode, protocol = "any", verify = "none", certificates = { leaf } }
         assert.is_nil(ctx)
         assert.equal("invalid certificates parameter (entry 1 is a string, not { certificate = ..., key = ... })",
            err)
      end
      local pair = { certificate = E.CERT, key = E.KEY }
      local ctx, err = ssl.newcontext { mode = "server", protocol = "any", certificates = { pair, nil, pair } }
      assert.is_nil(ctx)
      assert.equal("certificates: entry 2 is nil (a list has no holes)", err)
      ctx, err = ssl.newcontext { mode = "client", protocol = "any", certificates = { { certificate = E.CERT } } }
      assert.is_nil(ctx)
      assert.equal("certificates: entry 1 has no key", err)
      assert.truthy(ssl.newcontext { mode = "server", protocol = "any", certificates = { pair, pair } })
   end)
end)

-- review29c I1: keyupdate() sent a KeyUpdate at every call, so a program
-- rekeying an idle connection on a timer ended it at the 33rd with any
-- luatls peer ("more than 32 KeyUpdate messages without application data
-- in between"). A call when nothing was written under the key our last
-- KeyUpdate installed does nothing now.
describe("keyupdate() on an idle connection", function()
   local function sent_key_updates(events)
      return #E.events_of(events, "send", "KeyUpdate")
   end

   it("sends one KeyUpdate for calls with nothing written in between, and the peer stays", function()
      local copts, events = E.traced()
      local c, s = E.connected(copts)
      E.pump(c, s, { strict = true })
      local before = sent_key_updates(events)
      for _ = 1, 40 do assert.is_true(c:keyupdate(false)) end
      E.pump(c, s, { strict = true })
      assert.equal(before + 1, sent_key_updates(events))
      assert.is_false(s:status().failed)
      -- a request for the peer's update is not covered by one without
      assert.is_true(c:keyupdate(true))
      assert.is_true(c:keyupdate(true))
      assert.is_true(c:keyupdate(false))
      E.pump(c, s, { strict = true })
      assert.equal(before + 2, sent_key_updates(events))
      -- once data went under the new key, the next call updates again
      assert(c:write("x"))
      assert.is_true(c:keyupdate(false))
      E.pump(c, s, { strict = true })
      assert.equal(before + 3, sent_key_updates(events))
      assert.equal("x", s:read())
      assert(s:write("y"))
      E.pump(s, c, { strict = true })
      assert.equal("y", c:read())
   end)

   -- review29d: a reader asking a writer to rekey on a timer got one update
   -- only (nothing written by the reader, so every later call was skipped).
   it("still asks the peer each time it has written under its key since, though we wrote nothing", function()
      local copts, cev = E.traced()
      local sopts, sev = E.traced()
      local c, s = E.connected(copts, sopts)
      E.pump(c, s, { strict = true })
      local mine, theirs = #E.events_of(cev, "send", "KeyUpdate"), #E.events_of(sev, "send", "KeyUpdate")
      for round = 1, 3 do
         assert.is_true(c:keyupdate(true))
         assert.is_true(c:keyupdate(true)) -- unanswered yet: not asked twice
         E.pump(c, s, { strict = true })
         assert(s:write(("d"):rep(100)))
         E.pump(s, c, { strict = true })
         assert.equal(("d"):rep(100), c:read())
         assert.equal(mine + round, #E.events_of(cev, "send", "KeyUpdate"))
         assert.equal(theirs + round, #E.events_of(sev, "send", "KeyUpdate"))
      end
      -- once the peer answered and wrote nothing since, its key is fresh
      assert.is_true(c:keyupdate(true))
      E.pump(c, s, { strict = true })
      assert.equal(mine + 4, #E.events_of(cev, "send", "KeyUpdate"))
      assert.equal(theirs + 4, #E.events_of(sev, "send", "KeyUpdate"))
      assert.is_true(c:keyupdate(true))
      assert.is_true(c:keyupdate(false))
      E.pump(c, s, { strict = true })
      assert.equal(mine + 4, #E.events_of(cev, "send", "KeyUpdate"))
   end)
end)

-- review29c I2: timeout = false (wait for ever) was taken by tls.connect
-- but refused by tls.wrap and tls.listen.
describe("timeout = false", function()
   it("is taken by tls.wrap and tls.listen as by tls.connect", function()
      local server = assert(tls.listen("127.0.0.1", 0, E.server_ctx(), { timeout = false }))
      server:close()
      local a, b = require("spec.support.tcppair")()
      local conn = assert(tls.wrap(a, { mode = "client", verify = false }, { timeout = false,
         servername = "localhost" }))
      conn:close()
      b:close()
      a, b = require("spec.support.tcppair")()
      assert.same({ nil, "tls.wrap: option 'timeout' must be a number of seconds or false (got boolean)" },
         { tls.wrap(a, { mode = "client", verify = false }, { timeout = true }) })
      a:close()
      b:close()
   end)
end)

describe("mode = false", function()
   it("is refused, not taken as a client (review29c)", function()
      assert.same({ nil, "option 'mode' must be \"client\" or \"server\" (got false)" }, { tls.context { mode = false } })
   end)
end)

-- review29b F1: a TLS 1.2 server with RSA key transport enabled used an RSA
-- certificate whose keyUsage is digitalSignature only for it (GnuTLS and
-- our own client refuse: "Key usage violation", unsupported_certificate),
-- even when the client also offered ECDHE_RSA.
describe("our own certificate's keyUsage", function()
   local proc = require "spec.support.proc"
   local peers = require "spec.support.peers"
   local pki = require("spec.support.pki").new()
   pki:ca("root", "ec256", "/CN=luatls lead29 ku root")
   for _, ext in ipairs { "ku_sign", "ku_encipher", "ku_both" } do
      pki:key(ext, "rsa2048")
      pki:issue(ext, "/CN=localhost", "root", { ext = ext })
   end
   local function pair(name) return { certificate = pki:path(name .. ".pem"), key = pki:path(name .. ".key") } end
   local RSA_KX = "TLS_RSA_WITH_AES_128_GCM_SHA256"
   local BOTH = RSA_KX .. ":TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"

   after_each(proc.kill_all)

   local function handshake(server_opts, client_ciphers)
      local c, s = E.engines({ ca = pki:path("root.pem"), ciphers = client_ciphers, max_version = "TLSv1.2" },
         server_opts)
      assert(c:start())
      E.pump(c, s)
      return c, s
   end

   it("keeps RSA key transport away from a leaf without keyEncipherment, and says so", function()
      local sign = pair("ku_sign")
      local c, s = handshake(E.merge({ ciphers = BOTH }, sign), BOTH)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.equal("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", s:info().cipher)
      c, s = handshake(E.merge({ ciphers = BOTH }, sign), RSA_KX)
      assert.is_true(s:status().failed)
      assert.equal("the client offers only RSA key transport for our RSA certificate, whose keyUsage lacks "
         .. "keyEncipherment (RFC 5246 7.4.2): it serves ECDHE_RSA suites only", (s:error()))
      -- a second pair that allows it serves such a client
      c, s = handshake({ ciphers = BOTH, certificate = sign.certificate, key = sign.key,
         certificates = { pair("ku_both") } }, RSA_KX)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.equal(RSA_KX, s:info().cipher)
   end)

   it("refuses RSA key transport alone with certificates whose keyUsage forbids it", function()
      assert.truthy(tls.context(E.merge({ mode = "server", ciphers = RSA_KX }, pair("ku_both"))))
      assert.truthy(tls.context(E.merge({ mode = "server", ciphers = RSA_KX }, pair("ku_encipher"))))
      assert.same({ nil, "no peer can ever connect with these options: TLSv1.3 is out because 'ciphers' names no "
         .. "TLS 1.3 suite, and TLSv1.2 because the RSA key transport suites in 'ciphers' need an RSA certificate "
         .. "whose keyUsage has keyEncipherment, and we have none" },
         { tls.context(E.merge({ mode = "server", ciphers = RSA_KX }, pair("ku_sign"))) })
   end)

   it("serves gnutls-cli, which checks keyUsage, with ECDHE_RSA when RSA key transport comes first", function()
      local sign = pair("ku_sign")
      local srv, port = peers.luatls_server({ ciphers = BOTH, max_version = "TLSv1.2" },
         { cert = sign.certificate, key = sign.key })
      local out = proc.run(string.format("gnutls-cli -p %d --x509cafile %s localhost --priority "
         .. "'NORMAL:-VERS-ALL:+VERS-TLS1.2:+RSA'", port, pki:path("root.pem")), "hello luatls\n", 20)
      assert.truthy(out:find("\nhello luatls", 1, true), out:sub(-600))
      assert.matches("cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", proc.wait_output(srv, "\n(info [^\n]*)\n", 10))
   end)
end)
