-- What a user sees when the handshake must fail, and what the peer sees.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local socket = require "socket"

local c = certs.get()

local function client_ctx(extra)
   local o = { mode = "client", ca = c.ca }
   for k, v in pairs(extra or {}) do o[k] = v end
   if o.verify == false then o.ca = nil end -- refused: it would do nothing
   return assert(tls.context(o))
end

-- Starts s_server with `cert`, connects our client, returns (conn, err, server handle).
local function try(cert, args, ctx)
   local h, port = peers.s_server(string.format("-rev %s -cert %s -key %s", args or "-tls1_3", cert.cert, cert.key))
   local conn, err = tls.connect("127.0.0.1", port, ctx or client_ctx(), { servername = "localhost", timeout = 10 })
   return conn, err, h
end

-- The alert number s_server reports having received from us.
local function alert_seen_by(h)
   return tonumber(proc.wait_output(h, "SSL alert number (%d+)", 5))
end

-- Our ClientHello record as a TLS 1.2 client would send it: the
-- supported_versions extension removed and ECDHE-ECDSA-AES128-GCM-SHA256
-- added to the suites; every length made consistent again.
local function as_tls12_client_hello(record)
   local body = record:sub(10)
   local pos = 1 + 2 + 32
   local sid = body:sub(pos, pos + body:byte(pos))
   pos = pos + #sid
   local suites_len = string.unpack(">I2", body, pos)
   local suites = body:sub(pos + 2, pos + 1 + suites_len) .. B.u16(0xc02b)
   pos = pos + 2 + suites_len
   local compression = body:sub(pos, pos + body:byte(pos))
   pos = pos + #compression
   local ext_end = pos + 2 + string.unpack(">I2", body, pos)
   pos = pos + 2
   local exts = {}
   while pos < ext_end do
      local etype, elen = string.unpack(">I2I2", body, pos)
      if etype ~= 43 then exts[#exts + 1] = body:sub(pos, pos + 3 + elen) end
      pos = pos + 4 + elen
   end
   local hello = body:sub(1, 34) .. sid .. B.vec(2, suites) .. compression .. B.vec(2, table.concat(exts))
   return B.record(22, B.handshake(1, hello), { version = 0x0301 })
end

describe("our client refuses", function()
   after_each(proc.kill_all)

   it("a certificate for another host name", function()
      local conn, err, h = try(c.wronghost)
      assert.is_nil(conn)
      assert.equal("host name mismatch: expected localhost, certificate is for wrong.example", err)
      assert.equal(42, alert_seen_by(h)) -- bad_certificate
   end)

   it("an expired certificate", function()
      local conn, err, h = try(c.expired)
      assert.is_nil(conn)
      assert.equal("certificate has expired (notAfter 2020-02-01 00:00:00 UTC)", err)
      assert.equal(45, alert_seen_by(h)) -- certificate_expired
   end)

   it("a certificate from an unknown certificate authority", function()
      local conn, err, h = try(c.untrusted)
      assert.is_nil(conn)
      assert.equal("unknown certificate authority (issuer: CN=luatls untrusted CA)", err)
      assert.equal(48, alert_seen_by(h)) -- unknown_ca
   end)

   it("but accepts that certificate when verification is off", function()
      local conn, err = try(c.untrusted, nil, client_ctx { verify = false })
      assert(conn, err)
      assert(conn:send("unverified\n"))
      assert.equal("deifirevnu", conn:receive("*l"))
      conn:close()
   end)

   -- Our ClientHello offers TLS 1.3 only, so `s_server -tls1_2` would
   -- refuse it with its own protocol_version alert, and our client would
   -- only report the peer's alert. To see our client refuse a real TLS 1.2
   -- ServerHello, the hello reaches s_server as a TLS 1.2 client would send
   -- it: without supported_versions, with a TLS 1.2 suite added.
   it("a server that only speaks TLS 1.2, by its ServerHello", function()
      local h, port = peers.s_server(string.format("-rev -tls1_2 -cert %s -key %s",
         c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key))
      local cl = assert(tls.engine(client_ctx { min_version = "TLSv1.3" }, { servername = "localhost" }))
      assert(cl:start())
      local sock = assert(socket.connect("127.0.0.1", port))
      sock:settimeout(10)
      assert(sock:send(as_tls12_client_hello(cl:output())))
      local header = assert(sock:receive(5))
      local body = assert(sock:receive((header:byte(4) << 8) | header:byte(5)))
      assert.equal(22, header:byte(1))
      assert.equal(2, body:byte(1), "expected a ServerHello")
      assert.equal(0x0303, (body:byte(5) << 8) | body:byte(6), "legacy_version")
      local ok, msg = cl:feed(header .. body)
      assert.is_nil(ok)
      assert.equal("server chose TLSv1.2, but this client speaks only TLS 1.3 (min_version)", msg)
      local _, alert, from_peer = cl:error()
      assert.equal("protocol_version", alert)
      assert.is_false(from_peer)
      assert(sock:send(cl:output()))
      assert.equal(70, alert_seen_by(h)) -- protocol_version, from us
      sock:close()
   end)
end)

-- Two engines talking in memory: we control every byte between them.
describe("engine-level failures", function()
   local function engines()
      return E.engines({ ca = c.ca }, { certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key })
   end

   local function connected()
      return E.handshake(engines())
   end

   -- Rewrites a plaintext handshake record so that its first message keeps
   -- only `keep` bytes of body, with both length fields made consistent:
   -- a well-framed but truncated message.
   local function truncate_first_message(record, keep)
      assert.equal(22, record:byte(1), "expected a handshake record")
      local body_len = (record:byte(7) << 16) | (record:byte(8) << 8) | record:byte(9)
      assert(body_len > keep)
      local body = record:sub(10, 9 + keep)
      return string.char(22, record:byte(2), record:byte(3), (keep + 4) >> 8, (keep + 4) & 0xff,
         record:byte(6), 0, keep >> 8, keep & 0xff) .. body
   end

   it("works when nothing is tampered with", function()
      local cl, sv = connected()
      assert(cl:write("ping"))
      assert(sv:feed(cl:output()))
      assert.equal("ping", sv:read())
      assert(sv:write("pong"))
      assert(cl:feed(sv:output()))
      assert.equal("pong", cl:read())
      assert.equal("TLSv1.3", cl:info().version)
   end)

   it("reports bad_record_mac for a record with one flipped bit, to both sides", function()
      local cl, sv = connected()
      assert(cl:write("secret message"))
      local record = cl:output()
      assert.equal(23, record:byte(1)) -- application_data
      local i = #record - 3
      local tampered = record:sub(1, i - 1) .. string.char(record:byte(i) ~ 0x01) .. record:sub(i + 1)

      local ok, msg = sv:feed(tampered)
      assert.is_nil(ok)
      assert.equal("bad record MAC (record could not be authenticated)", msg)
      local emsg, alert, from_peer = sv:error()
      assert.equal(msg, emsg)
      assert.equal("bad_record_mac", alert)
      assert.is_false(from_peer)
      assert.is_true(sv:status().failed)
      assert.equal("", sv:read()) -- nothing of the forged record leaks out

      local alert_record = sv:output()
      assert.truthy(#alert_record > 0, "the server sends its alert")
      cl:feed(alert_record)
      local cmsg, calert, cfrom_peer = cl:error()
      assert.equal("peer sent alert bad_record_mac (20)", cmsg)
      assert.equal("bad_record_mac", calert)
      assert.is_true(cfrom_peer)
   end)

   it("reports decode_error for a truncated ClientHello, and the client hears it", function()
      local cl, sv = engines()
      cl:start()
      local hello = cl:output()
      local ok, msg = sv:feed(truncate_first_message(hello, 40))
      assert.is_nil(ok)
      assert.equal("ClientHello is malformed", msg)
      local _, alert, from_peer = sv:error()
      assert.equal("decode_error", alert)
      assert.is_false(from_peer)

      local out = sv:output()
      -- A plaintext fatal alert: content type 21, level 2, description 50.
      assert.equal(string.char(21), out:sub(1, 1))
      assert.equal(string.char(2, 50), out:sub(-2))
      cl:feed(out)
      local _, calert, cfrom_peer = cl:error()
      assert.equal("decode_error", calert)
      assert.is_true(cfrom_peer)
      assert.is_true(cl:status().failed)
   end)

   it("reports decode_error for a truncated ServerHello", function()
      local cl, sv = engines()
      cl:start()
      assert(sv:feed(cl:output()))
      local flight = sv:output()
      local first_len = (flight:byte(4) << 8) | flight:byte(5)
      local server_hello = flight:sub(1, 5 + first_len)
      assert.equal(2, server_hello:byte(6)) -- ServerHello
      local ok, msg = cl:feed(truncate_first_message(server_hello, 40))
      assert.is_nil(ok)
      assert.equal("ServerHello is malformed", msg)
      local _, alert, from_peer = cl:error()
      assert.equal("decode_error", alert)
      assert.is_false(from_peer)
   end)

   it("fails cleanly when the trace function raises an error", function()
      local cctx = client_ctx { trace = function(ev)
         if ev.message == "ServerHello" then error("stop here") end
      end }
      local sctx = assert(tls.context { mode = "server", certificate = c.leaf.ecdsa_p256.cert,
                                        key = c.leaf.ecdsa_p256.key })
      local cl = assert(tls.engine(cctx, { servername = "localhost" }))
      local sv = assert(tls.engine(sctx))
      cl:start()
      assert(sv:feed(cl:output()))
      local ok, msg = cl:feed(sv:output())
      assert.is_nil(ok)
      assert.matches("stop here", msg)
      assert.is_true(cl:status().failed)
   end)
end)
