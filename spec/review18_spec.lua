-- Review 18: defects a fresh security review found, each with the check that
-- now holds.
local tls = require "tls"
local socket = require "socket"
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"

local c = certs.get()
local LABEL = "EXPERIMENTAL-review18"

-- An OpenSSL config that turns the extended master secret off (RFC 7627).
local function no_ems_env()
   local conf = os.tmpname()
   proc.write_file(conf, "openssl_conf = oc\n[oc]\nssl_conf = sc\n[sc]\nsystem_default = sd\n[sd]\n"
      .. "Options = -ExtendedMasterSecret\n")
   return "OPENSSL_CONF=" .. proc.quote(conf) .. " ", conf
end

describe("review18: TLS 1.2 exporter without the extended master secret (RFC 7627 5.4)", function()
   after_each(proc.kill_all)
   local env, conf
   setup(function() env, conf = no_ems_env() end)
   teardown(function() os.remove(conf) end)

   local WANT = "no keying material to export: this TLS 1.2 connection has no extended master secret "
      .. "(RFC 7627 5.4: a peer in the middle could share it)"

   local function connect_to(port, opts)
      local sock = assert(socket.connect("127.0.0.1", port))
      return assert(tls.wrap(sock, opts, { servername = "localhost", timeout = 10 }))
   end

   it("is refused by a client with require_ems = false talking to a server without it", function()
      local port = proc.free_port("127.0.0.1")
      local h = proc.spawn(string.format("sleep 30 | %sopenssl s_server -accept 127.0.0.1:%d -tls1_2 -cert %s -key %s",
         env, port, c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key))
      proc.wait_port("127.0.0.1", port, 10, h)
      local conn = connect_to(port, { ca = c.ca, require_ems = false })
      assert.same({ nil, WANT }, { conn:export(LABEL, nil, 32) })
      assert.equal("TLSv1.2", conn:info().version)
      assert.is_false(conn:info().extended_master_secret)
      assert.same({ nil, WANT }, { conn:export(LABEL, "ctx", 32) })
      conn:close()
   end)

   it("still works in TLS 1.2 with the extended master secret, against the same server", function()
      local port = proc.free_port("127.0.0.1")
      local h = proc.spawn(string.format("sleep 30 | openssl s_server -accept 127.0.0.1:%d -tls1_2 -cert %s -key %s "
         .. "-keymatexport %s -keymatexportlen 32", port, c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, LABEL))
      proc.wait_port("127.0.0.1", port, 10, h)
      local conn = connect_to(port, { ca = c.ca, require_ems = false })
      local ours = assert(conn:export(LABEL, nil, 32))
      assert.is_true(conn:info().extended_master_secret)
      local hex = ours:gsub(".", function(b) return string.format("%02X", b:byte()) end)
      assert.equal(hex, proc.wait_output(h, "Keying material: (%x+)"))
      conn:close()
   end)
end)

---------------------------------------------------------------------------
-- record_size_limit in TLS 1.2 (RFC 8449 4): answered in the ServerHello,
-- a limit of the plaintext alone, at most 2^14; each side keeps its
-- protected records to the other's and refuses records over its own.
---------------------------------------------------------------------------
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"
local T = require "spec.support.tls12_peer"

local GCM12 = 8 + 16 -- TLS 1.2 AES-GCM: explicit nonce and tag
local AES128 = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"

-- The largest protected application_data record body in these bytes.
local function largest_protected(bytes)
   local records, rest = B.parse_records(bytes)
   assert.equal("", rest)
   local max = 0
   for _, r in ipairs(records) do
      if r.type == B.CT.application_data and #r.body > max then max = #r.body end
   end
   return max
end

local function pair12(client_opts, server_opts)
   local co, c_events = E.traced(E.merge({ max_version = "TLSv1.2", ciphers = AES128 }, client_opts))
   local so, s_events = E.traced(server_opts)
   local c, s = E.engines(co, so)
   E.handshake(c, s)
   assert.equal("TLSv1.2", c:info().version)
   return c, s, c_events, s_events
end

local function event(events, direction, message)
   for _, ev in ipairs(events) do
      if ev.direction == direction and ev.message == message then return ev end
   end
   error("no " .. direction .. " " .. message .. " event")
end

describe("review18: record_size_limit in TLS 1.2 (RFC 8449)", function()
   it("our server answers the client's limit in its ServerHello and keeps its records to it", function()
      local c, s, _, s_events = pair12({ record_size_limit = 64 })
      assert.equal("16384", event(s_events, "send", "ServerHello").record_size_limit)
      assert(s:write(("s"):rep(5000)))
      local out = s:output()
      assert.equal(64 + GCM12, largest_protected(out))
      assert(c:feed(out))
      local got = {}
      repeat local chunk = c:read(); got[#got + 1] = chunk until chunk == ""
      assert.equal(("s"):rep(5000), table.concat(got))
   end)

   it("our client keeps its records to the limit in the server's ServerHello", function()
      local c, s, c_events = pair12({ record_size_limit = 2000 }, { record_size_limit = 100 })
      assert.equal("100", event(c_events, "receive", "ServerHello").record_size_limit)
      assert(c:write(("c"):rep(5000)))
      local out = c:output()
      assert.equal(100 + GCM12, largest_protected(out))
      assert(s:feed(out))
      assert.equal(("c"):rep(5000), s:read())
      assert(s:write(("s"):rep(5000)))
      assert.equal(2000 + GCM12, largest_protected(s:output()))
   end)

   it("nobody answers it unless the client sent it", function()
      local c, s, _, s_events = pair12(nil, { record_size_limit = 100 })
      assert.is_nil(event(s_events, "send", "ServerHello").record_size_limit)
      assert(c:write(("c"):rep(5000)))
      assert.equal(5000 + GCM12, largest_protected(c:output()))
      assert(s:write(("s"):rep(5000)))
      assert.equal(5000 + GCM12, largest_protected(s:output()))
   end)

   local function client_with_limit(limit, server_limit)
      local c = E.client_engine { max_version = "TLSv1.2", record_size_limit = limit }
      assert(c:start())
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, extensions = {
         { T.EXT.renegotiation_info, "\0" }, { T.EXT.ec_point_formats, B.vec(1, "\0") },
         { T.EXT.extended_master_secret, "" }, { 28, B.u16(server_limit) } } }
      assert(c:feed(fake:answer(c:output())))
      fake:client_flight(c:output())
      assert(c:feed(fake:finish()))
      assert.is_true(c:info().handshake_done)
      return c, fake
   end

   it("our client refuses a record over the limit it sent once the server answered (record_overflow)", function()
      local c, fake = client_with_limit(64, 16384)
      assert(c:feed(fake:seal(B.CT.application_data, ("x"):rep(64))))
      assert.equal(64, #c:read())
      local ok, msg = c:feed(fake:seal(B.CT.application_data, ("x"):rep(65)))
      E.assert_failed(c, ok, msg, "record_overflow", "record of 65 bytes of plaintext (at most 64 allowed)")
   end)

   it("our client refuses a record_size_limit answer it did not ask for", function()
      local c = E.client_engine { max_version = "TLSv1.2" }
      assert(c:start())
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, extensions = {
         { T.EXT.renegotiation_info, "\0" }, { T.EXT.ec_point_formats, B.vec(1, "\0") },
         { T.EXT.extended_master_secret, "" }, { 28, B.u16(100) } } }
      local ok, msg = c:feed(fake:answer(c:output()))
      E.assert_refused(c, ok, msg, "unsupported_extension", ".*record_size_limit.*")
   end)

   it("our client refuses a limit below 64 in a TLS 1.2 ServerHello (illegal_parameter)", function()
      local c = E.client_engine { max_version = "TLSv1.2", record_size_limit = 64 }
      assert(c:start())
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, extensions = {
         { T.EXT.renegotiation_info, "\0" }, { T.EXT.ec_point_formats, B.vec(1, "\0") },
         { T.EXT.extended_master_secret, "" }, { 28, B.u16(63) } } }
      local ok, msg = c:feed(fake:answer(c:output()))
      E.assert_refused(c, ok, msg, "illegal_parameter", "ServerHello record_size_limit of 63 %(at least 64 is required%)")
   end)

   it("our client takes a server's limit above 2^14 as 2^14", function()
      local c, fake = client_with_limit(100, 16385)
      assert(c:write(("c"):rep(20000)))
      local recs = B.parse_records(c:output())
      assert.equal(16384, #fake:open(recs[1]))
   end)

   it("our server refuses a record over the limit it answered (record_overflow)", function()
      local s = E.server_engine { record_size_limit = 100 }
      local fake = T.client { extensions = { { 28, B.u16(16385) } } }
      assert(s:feed(fake:hello()))
      fake:server_flight(s:output())
      assert(s:feed(fake:key_exchange()))
      assert.is_true(s:info().handshake_done)
      assert(s:feed(fake:seal(B.CT.application_data, ("x"):rep(100))))
      local ok, msg = s:feed(fake:seal(B.CT.application_data, ("x"):rep(101)))
      E.assert_failed(s, ok, msg, "record_overflow", "record of 101 bytes of plaintext (at most 100 allowed)")
   end)
end)

describe("review18: record_size_limit in TLS 1.2 with GnuTLS", function()
   after_each(proc.kill_all)
   local peers = require "spec.support.peers"

   it("gnutls-cli --recordsize=512 forced to TLS 1.2 takes our server's answer", function()
      local _, port = peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
      local line = ("0123456789"):rep(40)
      local out = proc.run(string.format("(printf '%s\\n'; sleep 1) | gnutls-cli -d 4 --x509cafile %s "
         .. "--verify-hostname localhost --sni-hostname localhost --recordsize=512 -p %d --priority %s 127.0.0.1",
         line, c.ca, port, "NORMAL:-VERS-ALL:+VERS-TLS1.2"))
      assert.truthy(out:find("- Handshake was completed", 1, true), out)
      assert.truthy(out:find("record_size_limit 16384 negotiated", 1, true), out)
      assert.truthy(out:find("\n" .. line .. "\n", 1, true), out)
   end)
end)

describe("review18: the exporter of our TLS 1.2 server without the extended master secret", function()
   local WANT = "no keying material to export: this TLS 1.2 connection has no extended master secret "
      .. "(RFC 7627 5.4: a peer in the middle could share it)"

   local function server_connected(client_opts)
      local s = E.server_engine { require_ems = false }
      local fake = T.client(client_opts)
      assert(s:feed(fake:hello()))
      fake:server_flight(s:output())
      assert(s:feed(fake:key_exchange()))
      assert.is_true(s:info().handshake_done)
      return s
   end

   it("is refused with a client that does not do it (require_ems = false)", function()
      local s = server_connected { no_ems = true }
      assert.is_false(s:info().extended_master_secret)
      assert.same({ nil, WANT }, { s:export("EXPERIMENTAL-x", nil, 32) })
   end)

   it("works with a client that does it", function()
      local s = server_connected()
      assert.equal(32, #assert(s:export("EXPERIMENTAL-x", nil, 32)))
   end)
end)
