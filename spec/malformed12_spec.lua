-- TLS 1.2 input that is malformed or hostile, against our server (driven by
-- the scripted client of spec/support/tls12_peer.lua) and our client
-- (answered by its scripted server): each case ends with the exact alert
-- and a reason in words; cases that are unusual but valid must succeed.
local tls = require "tls"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"
local T = require "spec.support.tls12_peer"

---------------------------------------------------------------------------
-- Our server
---------------------------------------------------------------------------
-- Our server engine after the scripted client's hello and the server's
-- first flight; opts for the scripted client, server_opts for the context.
local function server_after_hello(opts, server_opts)
   local s = E.server_engine(server_opts)
   local fake = T.client(opts)
   assert(s:feed(fake:hello()))
   fake:server_flight(s:output())
   return s, fake
end

-- ... and after the client's key exchange, CCS and Finished.
local function server_connected(opts, server_opts)
   local s, fake = server_after_hello(opts, server_opts)
   assert(s:feed(fake:key_exchange()))
   local recs = B.parse_records(s:output())
   assert.equal(B.CT.ccs, recs[1].type)
   assert(fake:open(recs[2]))
   assert.is_true(s:info().handshake_done)
   return s, fake
end

describe("our TLS 1.2 server", function()
   it("completes a handshake with the scripted client, and data flows both ways", function()
      local s, fake = server_connected()
      assert.equal("TLSv1.2", s:info().version)
      assert.is_true(s:info().extended_master_secret)
      assert(s:feed(fake:seal(B.CT.application_data, "ping")))
      assert.equal("ping", s:read())
      assert(s:write("pong"))
      assert.equal("pong", fake:open(B.parse_records(s:output())[1]))
   end)

   it("refuses a client Finished that does not match (decrypt_error)", function()
      local s, fake = server_after_hello()
      local ok, msg = s:feed(fake:key_exchange { corrupt_finished = true })
      E.assert_refused(s, ok, msg, "decrypt_error", ".*Finished.*")
   end)

   it("refuses a Finished without ChangeCipherSpec before it", function()
      local s, fake = server_after_hello()
      local ok, msg = s:feed(fake:key_exchange { skip_ccs = true })
      E.assert_failed(s, ok, msg, "unexpected_message")
   end)

   it("refuses a second ChangeCipherSpec", function()
      local s, fake = server_after_hello()
      local ok, msg = s:feed(fake:key_exchange { before_finished = B.record(B.CT.ccs, "\1") })
      E.assert_failed(s, ok, msg, "unexpected_message")
   end)

   it("refuses application data before the client's Finished", function()
      local s, fake = server_after_hello()
      local bytes = fake:key_exchange()
      -- Keep only ClientKeyExchange and CCS, then data under the new key.
      local recs = B.parse_records(bytes)
      fake.wr_seq = 0
      local ok, msg = s:feed(B.record(recs[1].type, recs[1].body) .. B.record(recs[2].type, recs[2].body)
         .. fake:seal(B.CT.application_data, "too early"))
      E.assert_refused(s, ok, msg, "unexpected_message", "application data before the handshake finished")
   end)

   it("refuses a ClientKeyExchange point of the wrong length", function()
      local s, fake = server_after_hello()
      local ok, msg = s:feed(fake:key_exchange { cke = B.vec(1, ("\1"):rep(31)) })
      assert.is_nil(ok)
      local _, alert = s:error()
      assert.truthy(alert == "illegal_parameter" or alert == "decode_error", msg)
   end)

   it("refuses a record with more than 2^14 bytes of plaintext (record_overflow)", function()
      local s, fake = server_connected()
      local ok, msg = s:feed(fake:seal(B.CT.application_data, ("x"):rep(16385)))
      E.assert_refused(s, ok, msg, "record_overflow", "record of 16385 bytes of plaintext %(at most 16384 allowed%)")
   end)

   it("takes a record of exactly 2^14 bytes", function()
      local s, fake = server_connected()
      assert(s:feed(fake:seal(B.CT.application_data, ("x"):rep(16384))))
      assert.equal(16384, #s:read())
   end)

   it("refuses a record that does not authenticate (bad_record_mac)", function()
      local s, fake = server_connected()
      local rec = fake:seal(B.CT.application_data, "hello")
      local ok, msg = s:feed(rec:sub(1, -2) .. string.char(rec:byte(-1) ~ 0x80))
      E.assert_refused(s, ok, msg, "bad_record_mac", "bad record MAC %(record could not be authenticated%)")
   end)

   it("refuses a replayed record (the sequence number is in the MAC)", function()
      local s, fake = server_connected()
      local rec = fake:seal(B.CT.application_data, "once")
      assert(s:feed(rec))
      local ok, msg = s:feed(rec)
      E.assert_failed(s, ok, msg, "bad_record_mac")
   end)

   it("refuses a record whose header names another content type than it was sealed with", function()
      local s, fake = server_connected()
      local rec = fake:seal(B.CT.application_data, "data")
      local ok, msg = s:feed(string.char(B.CT.handshake) .. rec:sub(2))
      E.assert_failed(s, ok, msg, "bad_record_mac")
   end)

   it("refuses a record whose version is not TLS 1.2's once TLS 1.2 is negotiated", function()
      local s, fake = server_connected()
      local rec = fake:seal(B.CT.application_data, "data")
      local ok, msg = s:feed(rec:sub(1, 1) .. "\3\1" .. rec:sub(4))
      E.assert_refused(s, ok, msg, "protocol_version",
         "record with version 0x0301 after TLS 1.2 was negotiated %(must be 0x0303%)")
   end)

   it("takes any 3.x record version on the ClientHello (rfc5246 E.1)", function()
      local s = E.server_engine()
      local hello = T.client():hello()
      assert(s:feed(hello:sub(1, 1) .. "\3\0" .. hello:sub(4)))
      assert.truthy(#s:output() > 0)
   end)

   it("refuses a plaintext alert after the client's ChangeCipherSpec", function()
      local s, fake = server_connected()
      local ok, msg = s:feed(B.record(B.CT.alert, "\2\40"))
      E.assert_failed(s, ok, msg, "bad_record_mac")
   end)

   it("answers a renegotiating ClientHello with a warning no_renegotiation and goes on", function()
      local s, fake = server_connected()
      local ch = B.client_hello { versions = false, shares = false, suites = { 0xc02b } }
      assert(s:feed(fake:seal(B.CT.handshake, ch)))
      local alert = assert(fake:open(B.parse_records(s:output())[1]))
      assert.equal("\1\100", alert) -- warning, no_renegotiation
      assert(s:feed(fake:seal(B.CT.application_data, "still here")))
      assert.equal("still here", s:read())
   end)

   it("refuses a HelloRequest from a client", function()
      local s, fake = server_connected()
      local ok, msg = s:feed(fake:seal(B.CT.handshake, B.handshake(T.HS.hello_request, "")))
      E.assert_failed(s, ok, msg, "unexpected_message")
   end)

   it("refuses a client without the extended master secret by default", function()
      local s = E.server_engine()
      local ok, msg = s:feed(T.client({ no_ems = true }):hello())
      E.assert_refused(s, ok, msg, "handshake_failure", ".*extended master secret.*require_ems.*")
   end)

   it("talks to a client without the extended master secret when require_ems = false", function()
      local s = server_connected({ no_ems = true }, { require_ems = false })
      assert.is_false(s:info().extended_master_secret)
   end)

   it("refuses TLS_FALLBACK_SCSV from a client that could do better (inappropriate_fallback)", function()
      local s = E.server_engine()
      local fake = T.client()
      local hello = fake:hello()
      -- the same hello with the fallback signal added to the suites
      local ch = B.client_hello { versions = false, shares = false, suites = { 0xc02b, 0x5600 },
         extensions = { { T.EXT.supported_groups, B.vec(2, B.list16 { 0x001d }) },
                        { T.EXT.extended_master_secret, "" } } }
      assert(hello)
      local ok, msg = s:feed(B.record(B.CT.handshake, ch, { version = 0x0301 }))
      E.assert_refused(s, ok, msg, "inappropriate_fallback", ".*TLS_FALLBACK_SCSV.*")
   end)

   for _, v in ipairs { { 0x0301, "TLSv1.0" }, { 0x0302, "TLSv1.1" } } do
      it("refuses a " .. v[2] .. " client (protocol_version, naming what it offered)", function()
         local s = E.server_engine()
         local ok, msg = s:feed(T.client({ legacy_version = v[1] }):hello())
         E.assert_refused(s, ok, msg, "protocol_version", "client offers at most " .. v[2] .. ".*")
      end)
   end

   it("refuses a ClientHello without the null compression method", function()
      local s = E.server_engine()
      local ok, msg = s:feed(T.client({ compression = "\1" }):hello())
      E.assert_refused(s, ok, msg, "handshake_failure", "ClientHello does not offer the null compression method")
   end)

   it("accepts unknown extensions, groups and suites in a TLS 1.2 hello", function()
      local s = server_connected { extensions = { { 0x7a7a, "grease" }, { 0xfe0d, ("e"):rep(300) } } }
      assert.equal("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", s:info().cipher)
   end)
end)

---------------------------------------------------------------------------
-- Our client
---------------------------------------------------------------------------
local function client_answered(server_opts, client_opts)
   local c = E.client_engine(client_opts)
   assert(c:start())
   local hello = c:output()
   local fake = T.server(E.merge({ cert_pem = E.CERT, key_pem = E.KEY }, server_opts))
   return c, fake, fake:answer(hello), hello
end

local function client_connected(server_opts, client_opts)
   local c, fake, flight = client_answered(server_opts, client_opts)
   assert(c:feed(flight))
   fake:client_flight(c:output())
   assert.is_true(fake.client_finished_ok)
   assert(c:feed(fake:finish()))
   assert.is_true(c:info().handshake_done)
   return c, fake
end

describe("our client against a scripted TLS 1.2 server", function()
   it("completes a handshake, and data flows both ways", function()
      local c, fake = client_connected()
      assert.equal("TLSv1.2", c:info().version)
      assert.equal("ECDHE", c:info().key_exchange)
      assert(c:feed(fake:seal(B.CT.application_data, "hello")))
      assert.equal("hello", c:read())
      assert(c:write("back"))
      assert.equal("back", fake:open(B.parse_records(c:output())[1]))
   end)

   it("refuses the downgrade sentinel when it offered TLS 1.3", function()
      local c, _, flight = client_answered { sentinel = true }
      local ok, msg = c:feed(flight)
      E.assert_refused(c, ok, msg, "illegal_parameter", "downgrade detected.*")
   end)

   it("accepts the sentinel when it offered only TLS 1.2 (RFC 8446 4.1.3 binds 1.3 clients)", function()
      client_connected({ sentinel = true }, { max_version = "TLSv1.2" })
   end)

   it("refuses a ServerKeyExchange whose signature does not verify (decrypt_error)", function()
      local c, _, flight = client_answered { bad_signature = true }
      local ok, msg = c:feed(flight)
      E.assert_failed(c, ok, msg, "decrypt_error")
   end)

   it("refuses a ServerKeyExchange for a group it did not offer", function()
      local c, _, flight = client_answered { group = 0x0019 }
      local ok, msg = c:feed(flight)
      E.assert_failed(c, ok, msg, "illegal_parameter")
   end)

   it("refuses a server Finished that does not match (decrypt_error)", function()
      local c, fake, flight = client_answered()
      assert(c:feed(flight))
      fake:client_flight(c:output())
      local ok, msg = c:feed(fake:finish { corrupt_finished = true })
      E.assert_refused(c, ok, msg, "decrypt_error", ".*Finished.*")
   end)

   it("refuses a server without the extended master secret by default", function()
      local c, _, flight = client_answered { no_ems = true }
      local ok, msg = c:feed(flight)
      E.assert_refused(c, ok, msg, "handshake_failure", ".*extended master secret.*require_ems.*")
   end)

   it("talks to a server without the extended master secret when require_ems = false", function()
      local c = client_connected({ no_ems = true }, { require_ems = false })
      assert.is_false(c:info().extended_master_secret)
   end)

   it("refuses a TLS 1.2 ServerHello that echoes its session id (a resumption it never asked for)", function()
      local c = E.client_engine()
      assert(c:start())
      local hello = c:output()
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, session_id = B.session_id_of(hello) }
      local ok, msg = c:feed(fake:answer(hello))
      E.assert_failed(c, ok, msg, "illegal_parameter")
   end)

   it("refuses an extension a TLS 1.2 ServerHello may not carry (key_share: illegal_parameter)", function()
      local c, _, flight = client_answered { extensions = { { 51, B.u16(0x001d) .. B.vec(2, ("k"):rep(32)) },
                                                               { T.EXT.extended_master_secret, "" } } }
      local ok, msg = c:feed(flight)
      E.assert_failed(c, ok, msg, "illegal_parameter")
   end)

   it("refuses an unknown extension in the ServerHello (unsupported_extension)", function()
      local c, _, flight = client_answered { extensions = { { 0x1234, "" }, { T.EXT.extended_master_secret, "" } } }
      local ok, msg = c:feed(flight)
      E.assert_failed(c, ok, msg, "unsupported_extension")
   end)

   it("refuses a renegotiation_info that is not empty", function()
      local c, _, flight = client_answered { extensions = { { T.EXT.renegotiation_info, B.vec(1, ("v"):rep(12)) },
                                                               { T.EXT.extended_master_secret, "" } } }
      local ok, msg = c:feed(flight)
      E.assert_failed(c, ok, msg, "handshake_failure")
   end)

   it("refuses ec_point_formats without the uncompressed format", function()
      local c, _, flight = client_answered { extensions = { { T.EXT.ec_point_formats, B.vec(1, "\1") },
                                                               { T.EXT.extended_master_secret, "" } } }
      local ok, msg = c:feed(flight)
      E.assert_failed(c, ok, msg, "illegal_parameter")
   end)

   it("refuses a suite it did not offer (RSA key transport, off by default)", function()
      local c, _, flight = client_answered { suite = T.SUITE.rsa_aes128 }
      local ok, msg = c:feed(flight)
      E.assert_failed(c, ok, msg, "illegal_parameter")
   end)

   for _, v in ipairs { { 0x0301, "TLSv1.0" }, { 0x0302, "TLSv1.1" } } do
      it("refuses a " .. v[2] .. " ServerHello (protocol_version)", function()
         local c, _, flight = client_answered { legacy_version = v[1] }
         local ok, msg = c:feed(flight)
         E.assert_refused(c, ok, msg, "protocol_version", "server chose " .. v[2] .. ".*")
      end)
   end

   it("refuses a server record whose version is not TLS 1.2's after its ServerHello", function()
      local c, fake = client_connected()
      local rec = fake:seal(B.CT.application_data, "data")
      local ok, msg = c:feed(rec:sub(1, 1) .. "\3\4" .. rec:sub(4))
      E.assert_refused(c, ok, msg, "protocol_version",
         "record with version 0x0304 after TLS 1.2 was negotiated %(must be 0x0303%)")
   end)

   it("answers a HelloRequest with a warning no_renegotiation and goes on", function()
      local c, fake = client_connected()
      assert(c:feed(fake:seal(B.CT.handshake, B.handshake(T.HS.hello_request, ""))))
      assert.equal("\1\100", fake:open(B.parse_records(c:output())[1]))
      assert(c:feed(fake:seal(B.CT.application_data, "still here")))
      assert.equal("still here", c:read())
   end)

   it("refuses a record with more than 2^14 bytes of plaintext (record_overflow)", function()
      local c, fake = client_connected()
      local ok, msg = c:feed(fake:seal(B.CT.application_data, ("x"):rep(16385)))
      E.assert_failed(c, ok, msg, "record_overflow")
   end)
end)
