-- Malformed messages: one case per malformation, each with the exact alert
-- RFC 8446 asks for. Three ways in:
--   * raw bytes over TCP to our server running in its own process
--     (spec/support/malformed_server.lua); its plaintext alert is read off
--     the wire and its handshake() error is printed by the process;
--   * a scripted client (spec/support/tlsbytes.lua) against an in-memory
--     server engine, for the cases behind encryption: it knows the keys, so
--     it can send a wrong Finished and decrypt the server's alert;
--   * crafted ServerHellos fed to our client engine in memory.
-- Every case checks that the connection ends, the peer gets the alert, and
-- the Lua caller gets nil plus a message (no crash, no raise).
local socket = require "socket"
local proc = require "spec.support.proc"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"

local A = B.ALERT

-- A fatal alert record as it must appear on the wire before keys are set.
local function alert_record(code)
   return B.record(B.CT.alert, string.char(2, code))
end

local function describe_bytes(s)
   if #s > 64 then return B.hex(s:sub(1, 64)) .. "... (" .. #s .. " bytes)" end
   return B.hex(s)
end

local server_engine, client_engine = E.server_engine, E.client_engine

-- Engine `e` failed on the last feed with `alert`, the way a Lua caller
-- sees it: nil + message from feed, the same message and the alert name
-- from e:error(), status failed and closed.
local assert_failed = E.assert_failed

---------------------------------------------------------------------------
-- Raw bytes over TCP to our server
---------------------------------------------------------------------------
describe("our server, sent malformed bytes over TCP,", function()
   local server, port
   local count = 0

   setup(function()
      server = proc.spawn(string.format("%s %s spec/support/malformed_server.lua",
         proc.lua_env(), proc.lua()), { ours = true, timeout = 120 })
      port = tonumber(proc.wait_output(server, "ready (%d+)", 15))
   end)

   teardown(function()
      if server then server:kill() end
   end)

   -- Sends `bytes` on a fresh connection, reads until the server closes, and
   -- returns what the server sent and the line it printed for the connection.
   -- opts.shutdown: half-close after sending (the server sees end of file).
   local function exchange(bytes, opts)
      opts = opts or {}
      count = count + 1
      local s = assert(socket.tcp())
      s:settimeout(5)
      assert(s:connect("127.0.0.1", port))
      assert(s:send(bytes))
      if opts.shutdown then s:shutdown("send") end
      local data, err, partial = s:receive("*a")
      s:close()
      assert(data or err ~= "timeout", "the server neither answered nor closed the connection")
      local line = proc.wait_output(server, "\nconn " .. count .. " ([^\n]*)", 5)
      return data or partial, line
   end

   -- The server must answer with exactly one plaintext fatal alert, and its
   -- handshake() must fail with a message.
   local function expect_alert(bytes, alert)
      local reply, line = exchange(bytes)
      local want = alert_record(A[alert])
      if reply ~= want then
         local got = B.parse_records(reply)
         local last = got[#got]
         local seen = last and last.type == B.CT.alert and B.ALERT_NAME[last.body:byte(2)]
         error(string.format("expected %s (%s), server sent %s%s\nserver said: %s", alert, B.hex(want),
            describe_bytes(reply), seen and (" = " .. seen) or "", line), 2)
      end
      assert.matches("^failed .+", line)
      assert.is_nil(line:find("failed closed", 1, true))
      assert.is_nil(line:find("failed timeout", 1, true))
      return line
   end

   it("completes no handshake but answers a well-formed ClientHello with a ServerHello", function()
      -- Sanity check of the builder: the same bytes, untampered, are accepted.
      local reply, line = exchange(B.client_hello_record {}, { shutdown = true })
      local records = B.parse_records(reply)
      assert.truthy(#records >= 2, describe_bytes(reply))
      assert.equal(B.CT.handshake, records[1].type)
      assert.equal(B.HS.server_hello, records[1].body:byte(1))
      -- rfc8446#5.1: every record but an initial ClientHello has legacy_record_version 0x0303.
      assert.equal(0x0303, records[1].version)
      -- We stopped after our hello: the server reports a plain "closed".
      assert.equal("failed closed", line)
   end)

   describe("record layer:", function()
      it("an unknown record type is unexpected_message", function()
         expect_alert(B.record(24, B.client_hello {}), "unexpected_message")
         expect_alert(B.record(255 & 0x7f, B.client_hello {}), "unexpected_message")
      end)

      it("legacy_record_version 0x0200 is protocol_version", function()
         expect_alert(B.record(B.CT.handshake, B.client_hello {}, { version = 0x0200 }), "protocol_version")
      end)

      it("legacy_record_version 0xfefd (DTLS 1.2) is protocol_version", function()
         expect_alert(B.record(B.CT.handshake, B.client_hello {}, { version = 0xfefd }), "protocol_version")
      end)

      it("an SSL 2.0 ClientHello is protocol_version", function()
         -- msg_length 0x2e, CLIENT-HELLO, version 3.1, 3 cipher specs, no
         -- session id, 16 bytes of challenge.
         local v2 = B.unhex("80 2e 01 03 01 00 09 00 00 00 10 00 00 2f 00 00 35 00 00 0a")
            .. ("\0x"):rep(8)
         expect_alert(v2, "protocol_version")
      end)

      it("a record longer than 2^14 + 256 is record_overflow", function()
         -- Only the header: the engine must judge it before the body arrives.
         expect_alert(B.unhex("16 03 03") .. B.u16(16384 + 256 + 1), "record_overflow")
      end)

      it("a plaintext record longer than 2^14 is record_overflow", function()
         expect_alert(B.unhex("16 03 03") .. B.u16(16384 + 1), "record_overflow")
      end)

      it("a record length longer than what arrives ends the connection without a fatal alert", function()
         local hello = B.client_hello {}
         local reply, line = exchange(B.record(B.CT.handshake, hello, { length = #hello + 10 }),
            { shutdown = true })
         -- Nothing to judge until the bytes arrive; end of file then closes.
         assert.equal("failed closed", line)
         for _, r in ipairs(B.parse_records(reply)) do
            assert.is_false(r.type == B.CT.alert and r.body:byte(1) == 2, "fatal alert " .. B.hex(r.body))
         end
      end)

      it("a record length shorter than its handshake message leaves a bad record behind: unexpected_message", function()
         -- The ClientHello is cut after 40 bytes of its record; the rest
         -- (starting with our zero-filled random) is read as a record header
         -- of content type 0.
         local hello = B.client_hello { random = ("\0"):rep(32) }
         expect_alert(B.record(B.CT.handshake, hello, { length = 6 }) .. hello:sub(7),
            "unexpected_message")
      end)

      it("an empty handshake record is unexpected_message", function()
         expect_alert(B.record(B.CT.handshake, ""), "unexpected_message")
      end)

      it("an alert record of one or three bytes is decode_error", function()
         expect_alert(B.record(B.CT.alert, "\2"), "decode_error")
         expect_alert(B.record(B.CT.alert, "\2\40\0"), "decode_error")
      end)

      it("application data before the handshake is unexpected_message", function()
         expect_alert(B.record(B.CT.application_data, "GET / HTTP/1.0\r\n\r\n"), "unexpected_message")
      end)

      it("a change_cipher_spec of 0x02 is unexpected_message", function()
         expect_alert(B.record(B.CT.ccs, "\2") .. B.client_hello_record {}, "unexpected_message")
      end)

      it("a change_cipher_spec of two bytes is unexpected_message", function()
         expect_alert(B.record(B.CT.ccs, "\1\1") .. B.client_hello_record {}, "unexpected_message")
      end)

      it("a change_cipher_spec before the ClientHello is unexpected_message", function()
         -- rfc8446#5: only between the first ClientHello and Finished.
         expect_alert(B.record(B.CT.ccs, "\1") .. B.client_hello_record {}, "unexpected_message")
      end)

      it("more than 32 warning alerts in a row are unexpected_message", function()
         local warning = B.record(B.CT.alert, string.char(1, A.user_canceled))
         expect_alert(warning:rep(33) .. B.client_hello_record {}, "unexpected_message")
      end)

      it("a ClientHello larger than its length fields allow is decode_error", function()
         -- The header alone: the engine refuses before buffering the body.
         -- (A ClientHello may exceed 64 KiB: rfc8446#4.1.2's vectors sum to B.MAX_CLIENT_HELLO.)
         expect_alert(B.record(B.CT.handshake, B.u8(B.HS.client_hello) .. B.u24(B.MAX_CLIENT_HELLO + 1)),
            "decode_error")
      end)

      it("another handshake message larger than 64 KiB is decode_error", function()
         expect_alert(B.record(B.CT.handshake, B.u8(B.HS.finished) .. B.u24(64 * 1024 + 1)), "decode_error")
      end)
   end)

   describe("ClientHello lengths:", function()
      local cases = {
         { "handshake length one short", { handshake = -1 } },
         { "handshake length 16 short", { handshake = -16 } },
         { "session_id length one long", { session_id = 1 } },
         { "cipher_suites length odd", { suites = 1 } },
         { "cipher_suites length past the end", { suites = 1000 } },
         { "compression_methods length past the end", { compression = 1000 } },
         { "extensions length one long", { extensions = 1 } },
         { "extensions length one short", { extensions = -1 } },
         { "extensions length past the end", { extensions = 5000 } },
         { "last extension (key_share) length one long", { key_share = 1 } },
         { "last extension (key_share) length one short", { key_share = -1 } },
         { "an extension length past the end of the block", { supported_groups = 3000 } },
         { "supported_versions list one long", { versions_list = 1 } },
         { "supported_versions list two short", { versions_list = -2 } },
         { "supported_groups list two long", { groups_list = 2 } },
         { "supported_groups list two short", { groups_list = -2 } },
         { "supported_groups list odd", { groups_list = -1 } },
         { "signature_algorithms list two long", { sigalgs_list = 2 } },
         { "signature_algorithms list two short", { sigalgs_list = -2 } },
         { "key_share client_shares one long", { shares_list = 1 } },
         { "key_share client_shares one short", { shares_list = -1 } },
         { "key_exchange length one long", { share_key = 1 } },
         { "key_exchange length one short", { share_key = -1 } },
         { "server_name list one long", { sni_list = 1 }, server_name = "localhost" },
         { "server_name list one short", { sni_list = -1 }, server_name = "localhost" },
         { "server_name host_name one long", { sni_name = 1 }, server_name = "localhost" },
      }
      for _, case in ipairs(cases) do
         it(case[1] .. " is decode_error", function()
            expect_alert(B.client_hello_record { adjust = case[2], server_name = case.server_name,
                                                 session_id = "" }, "decode_error")
         end)
      end

      it("a session_id of 33 bytes is decode_error", function()
         expect_alert(B.client_hello_record { session_id = ("s"):rep(33) }, "decode_error")
      end)

      it("an empty compression_methods is decode_error", function()
         expect_alert(B.client_hello_record { compression = "" }, "decode_error")
      end)

      it("a byte after the extensions is decode_error", function()
         local body = B.client_hello_body {} .. "\0"
         expect_alert(B.record(B.CT.handshake, B.handshake(B.HS.client_hello, body)), "decode_error")
      end)
   end)

   describe("ClientHello contents:", function()
      it("a duplicate extension is illegal_parameter", function()
         expect_alert(B.client_hello_record { extra = { { B.EXT.supported_groups, B.vec(2, B.list16 { 0x001d }) } } },
            "illegal_parameter")
      end)

      it("a duplicate unknown extension is illegal_parameter", function()
         expect_alert(B.client_hello_record { extra = { { 0xfafa, "" }, { 0xfafa, "" } } }, "illegal_parameter")
      end)

      it("offering only TLS 1.0 and 1.1 is protocol_version", function()
         expect_alert(B.client_hello_record { legacy_version = 0x0302, versions = false, shares = false,
                                              suites = { 0xc013, 0x002f } }, "protocol_version")
         expect_alert(B.client_hello_record { versions = { 0x0302, 0x0301 } }, "protocol_version")
      end)

      -- TLS 1.2 is spoken now (spec/tls12_server_spec.lua): these hellos
      -- lack extended_master_secret, or any TLS 1.2 suite.
      it("offering only TLS 1.2 without EMS or TLS 1.2 suites is handshake_failure", function()
         expect_alert(B.client_hello_record { versions = false, shares = false, suites = { 0xc02f, 0xc02b } },
            "handshake_failure")
         expect_alert(B.client_hello_record { versions = { 0x0303 } }, "handshake_failure")
      end)

      it("no cipher suite in common is handshake_failure", function()
         expect_alert(B.client_hello_record { suites = { 0xc02b, 0xc02f, 0x009c } }, "handshake_failure")
      end)

      it("a key share for a group not in supported_groups is illegal_parameter", function()
         local _, pub = B.x25519_keypair()
         expect_alert(B.client_hello_record { groups = { B.GROUP.secp256r1 }, shares = { { B.GROUP.x25519, pub } } },
            "illegal_parameter")
      end)

      it("two key shares for one group are illegal_parameter", function()
         local _, pub1 = B.x25519_keypair()
         local _, pub2 = B.x25519_keypair()
         expect_alert(B.client_hello_record { shares = { { B.GROUP.x25519, pub1 }, { B.GROUP.x25519, pub2 } } },
            "illegal_parameter")
      end)

      it("a P-256 share that is not a point on the curve is illegal_parameter", function()
         expect_alert(B.client_hello_record { groups = { B.GROUP.secp256r1 },
                                              shares = { { B.GROUP.secp256r1, B.bad_p256_point() } } },
            "illegal_parameter")
      end)

      it("a compressed P-256 share is illegal_parameter", function()
         expect_alert(B.client_hello_record { groups = { B.GROUP.secp256r1 },
                                              shares = { { B.GROUP.secp256r1, "\2" .. B.random(32) } } },
            "illegal_parameter")
      end)

      it("an x25519 share of 31 or 33 bytes is illegal_parameter", function()
         expect_alert(B.client_hello_record { shares = { { B.GROUP.x25519, B.random(31) } } }, "illegal_parameter")
         expect_alert(B.client_hello_record { shares = { { B.GROUP.x25519, B.random(33) } } }, "illegal_parameter")
      end)

      it("an all-zero x25519 share is illegal_parameter", function()
         expect_alert(B.client_hello_record { shares = { { B.GROUP.x25519, ("\0"):rep(32) } } }, "illegal_parameter")
      end)

      it("a low-order x25519 share (u = 1) is illegal_parameter", function()
         expect_alert(B.client_hello_record { shares = { { B.GROUP.x25519, "\1" .. ("\0"):rep(31) } } },
            "illegal_parameter")
      end)

      it("compression other than null is illegal_parameter", function()
         expect_alert(B.client_hello_record { compression = "\1\0" }, "illegal_parameter")
      end)

      it("a message other than ClientHello is unexpected_message", function()
         expect_alert(B.record(B.CT.handshake, B.handshake(B.HS.finished, ("\0"):rep(32))), "unexpected_message")
      end)
   end)

   it("is still serving after all of that", function()
      local reply = exchange(B.client_hello_record {}, { shutdown = true })
      assert.equal(B.HS.server_hello, B.parse_records(reply)[1].body:byte(1))
      assert.is_true(server:alive())
   end)
end)

---------------------------------------------------------------------------
-- Behind encryption: a scripted client against our server engine
---------------------------------------------------------------------------
describe("our server engine, behind encryption,", function()
   -- A server engine that has answered the scripted client's hello: the
   -- client knows every key.
   local started = E.scripted_hello

   -- After the server failed: its alert is the last record, protected under
   -- its application traffic key (it switched after its Finished).
   local function assert_server_alert(sv, fake, alert)
      assert.equal(alert, E.alert_sent(fake, sv:output(), fake.server_ap))
   end

   it("completes a handshake with the scripted client (sanity check)", function()
      local sv, fake = started()
      assert(sv:feed(fake:finished(false)))
      assert.is_true(sv:status().handshake_done)
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, "ping")))
      assert.equal("ping", sv:read())
   end)

   it("a Finished with one wrong byte is decrypt_error", function()
      local sv, fake = started()
      local ok, msg = sv:feed(fake:finished(true))
      assert_failed(sv, ok, msg, "decrypt_error")
      assert.is_false(sv:status().handshake_done)
      assert_server_alert(sv, fake, "decrypt_error")
   end)

   it("a Finished of the wrong length is decode_error", function()
      local sv, fake = started()
      local vd = fake:finished_message(false):sub(5)
      local ok, msg = sv:feed(fake:seal(fake.client_hs, B.CT.handshake, B.handshake(B.HS.finished, vd:sub(2))))
      assert_failed(sv, ok, msg, "decode_error")
      assert_server_alert(sv, fake, "decode_error")
   end)

   it("a Finished record with a flipped tag bit is bad_record_mac", function()
      local sv, fake = started()
      local record = fake:finished(false)
      record = record:sub(1, -2) .. string.char(record:byte(-1) ~ 0x80)
      local ok, msg = sv:feed(record)
      assert_failed(sv, ok, msg, "bad_record_mac")
      assert_server_alert(sv, fake, "bad_record_mac")
   end)

   it("application data before the client's Finished is unexpected_message", function()
      local sv, fake = started()
      local ok, msg = sv:feed(fake:seal(fake.client_hs, B.CT.application_data, "too early"))
      assert_failed(sv, ok, msg, "unexpected_message")
      assert.equal("", sv:read())
      assert_server_alert(sv, fake, "unexpected_message")
   end)

   it("a change_cipher_spec of 0x02 inside the handshake is unexpected_message", function()
      local sv, fake = started()
      local ok, msg = sv:feed(B.record(B.CT.ccs, "\2"))
      assert_failed(sv, ok, msg, "unexpected_message")
      assert_server_alert(sv, fake, "unexpected_message")
   end)

   it("a change_cipher_spec of two bytes inside the handshake is unexpected_message", function()
      local sv, fake = started()
      local ok, msg = sv:feed(B.record(B.CT.ccs, "\1\1"))
      assert_failed(sv, ok, msg, "unexpected_message")
      assert_server_alert(sv, fake, "unexpected_message")
   end)

   it("but one change_cipher_spec of 0x01 inside the handshake is ignored", function()
      local sv, fake = started()
      assert(sv:feed(B.record(B.CT.ccs, "\1") .. fake:finished(false)))
      assert.is_true(sv:status().handshake_done)
   end)

   it("a second ClientHello instead of Finished is unexpected_message", function()
      local sv, fake = started()
      local ok, msg = sv:feed(fake:seal(fake.client_hs, B.CT.handshake, B.client_hello {}))
      assert_failed(sv, ok, msg, "unexpected_message")
      assert_server_alert(sv, fake, "unexpected_message")
   end)

   it("a protected record of more than 2^14 + 1 bytes of plaintext is record_overflow", function()
      local sv, fake = started()
      assert(sv:feed(fake:finished(false)))
      local ok, msg = sv:feed(fake:seal(fake.client_ap, B.CT.application_data, ("x"):rep(16385)))
      assert_failed(sv, ok, msg, "record_overflow")
      assert_server_alert(sv, fake, "record_overflow")
   end)

   it("a protected record whose padding takes it past 2^14 + 1 bytes is record_overflow", function()
      -- rfc8446#5.4: the limit is on the whole TLSInnerPlaintext, padding included
      local sv, fake = started()
      assert(sv:feed(fake:finished(false)))
      local ok, msg = sv:feed(fake:seal(fake.client_ap, B.CT.application_data, ("x"):rep(16384),
         { padding = ("\0"):rep(200) }))
      assert_failed(sv, ok, msg, "record_overflow")
      assert_server_alert(sv, fake, "record_overflow")
   end)

   it("a plaintext alert from a client that has no handshake keys yet is reported as the peer's", function()
      -- An OpenSSL client that rejects our certificate sends its alert in the clear.
      local sv = started()
      local ok, msg = sv:feed(B.record(B.CT.alert, "\2\48"))
      assert.is_nil(ok)
      assert.matches("unknown_ca", msg)
      local _, alert, from_peer = sv:error()
      assert.equal("unknown_ca", alert)
      assert.is_true(from_peer)
      assert.equal("", sv:output())  -- no alert goes back for the peer's own
   end)

   -- review40d F1: rfc8446#5.4 allows empty records as cover traffic, which
   -- an idle connection may carry without end; each costs its bytes as a
   -- one-byte data record does. Until session 40 the 33rd in a row was
   -- unexpected_message.
   it("takes empty application data records without limit, in one feed or many", function()
      local sv, fake = started()
      assert(sv:feed(fake:finished(false)))
      local empties = {}
      for i = 1, 100 do empties[i] = fake:seal(fake.client_ap, B.CT.application_data, "") end
      assert(sv:feed(table.concat(empties)))
      for _ = 1, 40 do assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, ""))) end
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, "x")))
      assert.equal("x", sv:read())
   end)

   it("a data record resets the count of empty records", function()
      local sv, fake = started()
      assert(sv:feed(fake:finished(false)))
      for _ = 1, 3 do
         local batch = {}
         for i = 1, 30 do batch[i] = fake:seal(fake.client_ap, B.CT.application_data, "") end
         batch[#batch + 1] = fake:seal(fake.client_ap, B.CT.application_data, "x")
         assert(sv:feed(table.concat(batch)))
      end
      assert.equal("xxx", sv:read())
   end)

   it("32 warning alerts before the ClientHello are tolerated", function()
      local sv = server_engine()
      local warning = B.record(B.CT.alert, string.char(1, A.user_canceled))
      assert(sv:feed(warning:rep(32) .. B.client_hello_record {}))
      assert.equal(B.HS.server_hello, B.parse_records(sv:output())[1].body:byte(1))
   end)
end)

---------------------------------------------------------------------------
-- Engine pairs: after the handshake
---------------------------------------------------------------------------
describe("an engine pair after the handshake", function()
   local function connected()
      return E.handshake(client_engine(), server_engine())
   end

   it("reports bad_record_mac for a flipped tag, and the peer hears it", function()
      local cl, sv = connected()
      assert(cl:write("hello"))
      local record = cl:output()
      record = record:sub(1, -2) .. string.char(record:byte(-1) ~ 0x01)
      local ok, msg = sv:feed(record)
      assert_failed(sv, ok, msg, "bad_record_mac")
      assert.equal("", sv:read())
      local cok, cmsg = cl:feed(sv:output())
      assert.is_nil(cok)
      assert.is_string(cmsg)
      local _, name, from_peer = cl:error()
      assert.equal("bad_record_mac", name)
      assert.is_true(from_peer)
      assert.is_true(cl:status().failed)
   end)

   it("ignores records after close_notify and stays cleanly closed (rfc8446#6.1)", function()
      local cl, sv = connected()
      assert(cl:write("before"))
      local data = cl:output()
      cl:close()
      local close_notify = cl:output()
      -- The client cannot write after close_notify: stand in with a copy of
      -- its data record (which would fail authentication if processed) and
      -- an alert record.
      local late = data .. B.record(B.CT.alert, string.char(2, A.bad_record_mac))
      -- close_notify followed, in the same feed, by records; then more
      -- records and garbage in later feeds.
      assert(sv:feed(data .. close_notify .. late))
      assert(sv:feed(late))
      assert(sv:feed("\255\255\255\255\255\255 not even a record"))
      assert.equal("before", sv:read())
      local st = sv:status()
      assert.is_true(st.peer_closed)
      assert.is_false(st.failed)
      assert.is_nil(sv:error())
      assert.equal("", sv:read())
      -- The server can still say goodbye.
      sv:close()
      assert(cl:feed(sv:output()))
      assert.is_true(cl:status().peer_closed)
      assert.is_nil(cl:error())
   end)
end)

---------------------------------------------------------------------------
-- Our client engine, fed crafted ServerHellos
---------------------------------------------------------------------------
describe("our client engine, sent a malformed ServerHello,", function()
   -- A started client engine and the session id it sent (to be echoed).
   local function started(opts)
      local cl = client_engine(opts)
      assert(cl:start())
      local hello = cl:output()
      return cl, B.session_id_of(hello), hello
   end

   -- Feeds `bytes` (or what make(session_id) returns) to a fresh client and
   -- checks the alert it reports and sends in the clear.
   local function expect_alert(make, alert, opts)
      local cl, sid = started(opts)
      local bytes = type(make) == "function" and make(sid) or make
      local ok, msg = cl:feed(bytes)
      assert_failed(cl, ok, msg, alert)
      local out = cl:output()
      assert.equal(B.hex(alert_record(A[alert])), B.hex(out))
      -- A second feed is refused without another alert.
      assert.is_nil((cl:feed(bytes)))
      assert.equal("", cl:output())
   end

   local function sh_record(opts)
      return B.record(B.CT.handshake, B.server_hello(opts))
   end

   it("accepts a well-formed one (sanity check)", function()
      local cl, sid = started()
      local _, pub = B.x25519_keypair()
      assert(cl:feed(sh_record { session_id = sid, share = { B.GROUP.x25519, pub } }))
      assert.is_false(cl:status().failed)
   end)

   local length_cases = {
      { "handshake length one short", { handshake = -1 } },
      { "extensions length one long", { extensions = 1 } },
      { "extensions length one short", { extensions = -1 } },
      { "supported_versions length one long", { supported_versions = 1 } },
      { "key_share length one short", { key_share = -1 } },
      { "key_exchange length one long", { share_key = 1 } },
      { "key_exchange length one short", { share_key = -1 } },
   }
   for _, case in ipairs(length_cases) do
      it(case[1] .. " is decode_error", function()
         expect_alert(function(sid) return sh_record { session_id = sid, adjust = case[2] } end, "decode_error")
      end)
   end

   it("a byte after the extensions is decode_error", function()
      expect_alert(function(sid)
         local sh = B.server_hello { session_id = sid }
         return B.record(B.CT.handshake, B.handshake(B.HS.server_hello, sh:sub(5) .. "\0"))
      end, "decode_error")
   end)

   it("a duplicate extension is illegal_parameter", function()
      expect_alert(function(sid)
         return sh_record { session_id = sid, extra = { { B.EXT.supported_versions, B.u16(0x0304) } } }
      end, "illegal_parameter")
   end)

   it("a TLS 1.2 ServerHello (no supported_versions) to a TLS 1.3-only client is protocol_version", function()
      expect_alert(function(sid)
         return sh_record { session_id = sid, version = false, share = false, suite = 0xc02f }
      end, "protocol_version", { min_version = "TLSv1.3" })
   end)

   it("supported_versions selecting TLS 1.2 is illegal_parameter (rfc8446#4.2.1)", function()
      expect_alert(function(sid) return sh_record { session_id = sid, version = 0x0303 } end, "illegal_parameter")
   end)

   it("a session id echo that differs from ours is illegal_parameter", function()
      expect_alert(function(sid)
         return sh_record { session_id = string.char(sid:byte(1) ~ 1) .. sid:sub(2) }
      end, "illegal_parameter")
   end)

   it("a compression method other than null is illegal_parameter", function()
      expect_alert(function(sid) return sh_record { session_id = sid, compression = 1 } end, "illegal_parameter")
   end)

   it("an extension we did not offer is unsupported_extension", function()
      expect_alert(function(sid)
         return sh_record { session_id = sid, extra = { { 0xfafa, "" } } }
      end, "unsupported_extension")
   end)

   it("a cipher suite we did not offer is illegal_parameter", function()
      expect_alert(function(sid) return sh_record { session_id = sid, suite = 0x1304 } end, "illegal_parameter")
   end)

   it("a key share for another group than ours is illegal_parameter", function()
      expect_alert(function(sid)
         return sh_record { session_id = sid, share = { B.GROUP.secp256r1, B.bad_p256_point() } }
      end, "illegal_parameter")
   end)

   it("an x25519 share of 31 bytes is illegal_parameter", function()
      expect_alert(function(sid) return sh_record { session_id = sid, share = { B.GROUP.x25519, B.random(31) } } end,
         "illegal_parameter")
   end)

   it("an all-zero x25519 share is illegal_parameter", function()
      expect_alert(function(sid)
         return sh_record { session_id = sid, share = { B.GROUP.x25519, ("\0"):rep(32) } }
      end, "illegal_parameter")
   end)

   it("a P-256 share that is not on the curve is illegal_parameter", function()
      expect_alert(function(sid)
         return sh_record { session_id = sid, share = { B.GROUP.secp256r1, B.bad_p256_point() } }
      end, "illegal_parameter", { groups = "secp256r1" })
   end)

   it("an unknown record type is unexpected_message", function()
      expect_alert(function(sid) return B.record(24, B.server_hello { session_id = sid }) end, "unexpected_message")
   end)

   it("legacy_record_version 0x0200 is protocol_version", function()
      expect_alert(function(sid)
         return B.record(B.CT.handshake, B.server_hello { session_id = sid }, { version = 0x0200 })
      end, "protocol_version")
   end)

   it("a record longer than 2^14 + 256 is record_overflow", function()
      expect_alert(B.unhex("16 03 03") .. B.u16(16384 + 257), "record_overflow")
   end)

   it("a handshake message larger than 64 KiB is decode_error", function()
      expect_alert(B.record(B.CT.handshake, B.u8(B.HS.server_hello) .. B.u24(64 * 1024 + 1)), "decode_error")
   end)

   it("application data before the handshake is unexpected_message", function()
      expect_alert(B.record(B.CT.application_data, ("\0"):rep(40)), "unexpected_message")
   end)

   it("a change_cipher_spec of 0x02 is unexpected_message", function()
      expect_alert(B.record(B.CT.ccs, "\2"), "unexpected_message")
   end)

   it("more than 32 warning alerts are unexpected_message", function()
      expect_alert(B.record(B.CT.alert, string.char(1, A.user_canceled)):rep(33), "unexpected_message")
   end)
end)

---------------------------------------------------------------------------
-- After the handshake: KeyUpdate and NewSessionTicket, malformed or too
-- many, and records that break the rules once keys are in use
---------------------------------------------------------------------------
describe("post-handshake messages and protected records, malformed,", function()
   local P = require "spec.support.tlsbytes_post"

   -- Our server engine and the scripted client, connected; our client
   -- engine and the scripted server.
   local server_connected, client_connected = E.scripted_handshake, E.scripted_server_handshake

   local function expect(sv, fake, bytes, alert, reason)
      local ok, msg = sv:feed(bytes)
      assert_failed(sv, ok, msg, alert, reason)
      assert.equal(alert, E.alert_sent(fake, sv:output(), fake.server_ap))
   end

   it("a KeyUpdate with request_update 2 is illegal_parameter", function()
      local sv, fake = server_connected()
      expect(sv, fake, fake:seal(fake.client_ap, B.CT.handshake, B.handshake(24, "\2")), "illegal_parameter")
   end)

   it("a KeyUpdate of two bytes is decode_error", function()
      local sv, fake = server_connected()
      expect(sv, fake, fake:seal(fake.client_ap, B.CT.handshake, B.handshake(24, "\0\0")), "decode_error")
   end)

   it("an empty KeyUpdate is decode_error", function()
      local sv, fake = server_connected()
      expect(sv, fake, fake:seal(fake.client_ap, B.CT.handshake, B.handshake(24, "")), "decode_error")
   end)

   it("a second KeyUpdate in the record of the first (a key change inside a record) is unexpected_message", function()
      local sv, fake = server_connected()
      expect(sv, fake, fake:seal(fake.client_ap, B.CT.handshake, P.key_update_message(false):rep(2)),
         "unexpected_message", "handshake data continues in the record that ended a key epoch")
   end)

   it("half a message after a KeyUpdate in its record is unexpected_message", function()
      local sv, fake = server_connected()
      expect(sv, fake, fake:seal(fake.client_ap, B.CT.handshake, P.key_update_message(false) .. "\24\0"),
         "unexpected_message", "handshake data continues in the record that ended a key epoch")
   end)

   it("33 KeyUpdates without application data in between are unexpected_message", function()
      local sv, fake = server_connected()
      local flood = {}
      for i = 1, 33 do flood[i] = P.client_key_update(fake, true) end
      local ok, msg = sv:feed(table.concat(flood))
      assert_failed(sv, ok, msg, "unexpected_message")
      assert.equal("peer sent more than 32 KeyUpdate messages without application data in between", msg)
   end)

   it("1025 NewSessionTickets without application data in between are unexpected_message", function()
      local cl, srv = client_connected()
      local flood = {}
      for i = 1, 1025 do flood[i] = srv:seal(srv.server_ap, B.CT.handshake, P.ticket_message()) end
      local ok, msg = cl:feed(table.concat(flood))
      assert_failed(cl, ok, msg, "unexpected_message")
      assert.equal("peer sent more than 1024 NewSessionTicket messages without application data in between", msg)
   end)

   it("a malformed 40th NewSessionTicket in a row (one the client would ignore) is decode_error", function()
      local cl, srv = client_connected()
      local flood = {}
      for i = 1, 39 do flood[i] = srv:seal(srv.server_ap, B.CT.handshake, P.ticket_message()) end
      local nst = B.handshake(4, ("\0"):rep(8) .. B.vec(1, "") .. B.vec(2, "t") .. B.vec(2, "") .. "\0")
      flood[40] = srv:seal(srv.server_ap, B.CT.handshake, nst)
      local ok, msg = cl:feed(table.concat(flood))
      assert_failed(cl, ok, msg, "decode_error")
      assert.equal("NewSessionTicket message is malformed", msg)
   end)

   it("a NewSessionTicket with an empty ticket is decode_error", function()
      local cl, srv = client_connected()
      local nst = B.handshake(4, ("\0"):rep(8) .. B.vec(1, "") .. B.vec(2, "") .. B.vec(2, ""))
      local ok, msg = cl:feed(srv:seal(srv.server_ap, B.CT.handshake, nst))
      assert_failed(cl, ok, msg, "decode_error")
   end)

   it("a NewSessionTicket with a byte after its extensions is decode_error", function()
      local cl, srv = client_connected()
      local nst = B.handshake(4, ("\0"):rep(8) .. B.vec(1, "") .. B.vec(2, "t") .. B.vec(2, "") .. "\0")
      local ok, msg = cl:feed(srv:seal(srv.server_ap, B.CT.handshake, nst))
      assert_failed(cl, ok, msg, "decode_error")
   end)

   it("an empty protected alert is unexpected_message (rfc8446#5.4)", function()
      local sv, fake = server_connected()
      expect(sv, fake, fake:seal(fake.client_ap, B.CT.alert, ""), "unexpected_message",
         "protected alert record with no content")
   end)

   it("a protected alert of three bytes is still decode_error", function()
      local sv, fake = server_connected()
      expect(sv, fake, fake:seal(fake.client_ap, B.CT.alert, "\2\10\0"), "decode_error")
   end)

   it("an unprotected alert once the client's records are protected is unexpected_message", function()
      local sv, fake = server_connected()
      expect(sv, fake, B.record(B.CT.alert, string.char(2, A.bad_record_mac)), "unexpected_message",
         "unprotected alert after handshake keys were in use")
   end)
end)

---------------------------------------------------------------------------
-- Extensions in the wrong place, and ClientHellos refused for what they
-- say rather than for their size
---------------------------------------------------------------------------
describe("extensions in the wrong place (rfc8446#4.2)", function()
   local HRR_RANDOM = B.unhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")

   -- Feeds our started client a ServerHello (or HelloRetryRequest) built by
   -- make(session_id) and checks the alert, its message, and the plaintext
   -- alert record it sends.
   local function client_refuses(make, alert, message)
      local cl = client_engine()
      assert(cl:start())
      local sid = B.session_id_of(cl:output())
      local ok, msg = cl:feed(B.record(B.CT.handshake, make(sid)))
      assert_failed(cl, ok, msg, alert)
      assert.equal(message, msg)
      assert.equal(B.hex(alert_record(A[alert])), B.hex(cl:output()))
   end

   -- A server engine fed `bytes`: checks the alert and message.
   local function server_refuses(bytes, alert, message)
      local sv = server_engine()
      local ok, msg = sv:feed(bytes)
      assert_failed(sv, ok, msg, alert)
      assert.equal(message, msg)
      assert.equal(B.hex(alert_record(A[alert])), B.hex(sv:output()))
   end

   describe("in a ServerHello our client receives,", function()
      local cases = {
         { "early_data", { B.EXT.early_data, "" }, "illegal_parameter", 42 },
         { "cookie", { B.EXT.cookie, B.vec(2, "c") }, "illegal_parameter", 44 },
         { "server_name", { B.EXT.server_name, "" }, "illegal_parameter", 0 },
         { "record_size_limit", { B.EXT.record_size_limit, B.u16(1000) }, "illegal_parameter", 28 },
         { "status_request", { B.EXT.status_request, "" }, "illegal_parameter", 5 },
         { "supported_groups", { B.EXT.supported_groups, B.vec(2, B.list16 { B.GROUP.x25519 }) },
           "illegal_parameter", 10 },
         { "extended_master_secret (TLS 1.2 only)", { 23, "" }, "illegal_parameter", 23 },
      }
      for _, case in ipairs(cases) do
         it(case[1] .. " is " .. case[3], function()
            local name = case[1]:match("^%S+")
            client_refuses(function(sid) return B.server_hello { session_id = sid, extra = { case[2] } } end,
               case[3], string.format("ServerHello: %s extension (%d) is not allowed there", name, case[4]))
         end)
      end

      it("pre_shared_key, allowed there but never offered, is unsupported_extension", function()
         client_refuses(function(sid)
            return B.server_hello { session_id = sid, extra = { { B.EXT.pre_shared_key, B.u16(0) } } }
         end, "unsupported_extension", "ServerHello: pre_shared_key extension (41), which we did not ask for")
      end)

      it("an unknown (GREASE) type is unsupported_extension", function()
         client_refuses(function(sid) return B.server_hello { session_id = sid, extra = { { 0x0a0a, "" } } } end,
            "unsupported_extension", "ServerHello: unknown extension 2570")
      end)

      it("a misplaced known extension weighs more than an unknown one", function()
         client_refuses(function(sid)
            return B.server_hello { session_id = sid, extra = { { 0x0a0a, "" }, { B.EXT.early_data, "" } } }
         end, "illegal_parameter", "ServerHello: early_data extension (42) is not allowed there")
      end)
   end)

   describe("in a HelloRetryRequest our client receives,", function()
      -- A HelloRetryRequest our default client would follow (it sent an
      -- x25519 share and lists secp256r1), plus `extra`.
      local function hrr(sid, extra)
         local exts = { { B.EXT.supported_versions, B.u16(0x0304) },
                        { B.EXT.key_share, B.u16(B.GROUP.secp256r1) } }
         for _, e in ipairs(extra) do exts[#exts + 1] = e end
         return B.server_hello { random = HRR_RANDOM, session_id = sid, extensions = exts }
      end

      it("is followed when it carries nothing else (sanity check)", function()
         local cl = client_engine()
         assert(cl:start())
         assert(cl:feed(B.record(B.CT.handshake, hrr(B.session_id_of(cl:output()), {}))))
         assert.is_false(cl:status().failed)
      end)

      local cases = {
         { "pre_shared_key", { B.EXT.pre_shared_key, B.u16(0) }, 41 },
         { "early_data", { B.EXT.early_data, "" }, 42 },
         { "signature_algorithms", { B.EXT.signature_algorithms, B.vec(2, B.list16 { 0x0403 }) }, 13 },
         { "record_size_limit", { B.EXT.record_size_limit, B.u16(1000) }, 28 },
         { "server_name", { B.EXT.server_name, "" }, 0 },
      }
      for _, case in ipairs(cases) do
         it(case[1] .. " is illegal_parameter", function()
            client_refuses(function(sid) return hrr(sid, { case[2] }) end, "illegal_parameter",
               string.format("HelloRetryRequest: %s extension (%d) is not allowed there", case[1], case[3]))
         end)
      end

      it("an unknown type is unsupported_extension", function()
         client_refuses(function(sid) return hrr(sid, { { 0x7777, "x" } }) end, "unsupported_extension",
            "HelloRetryRequest: unknown extension 30583")
      end)
   end)

   describe("in a ClientHello our server receives,", function()
      it("oid_filters (CertificateRequest only) is illegal_parameter", function()
         server_refuses(B.client_hello_record { extra = { { B.EXT.oid_filters, B.vec(2, "") } } },
            "illegal_parameter", "ClientHello: oid_filters extension (48) is not allowed there")
      end)

      it("pre_shared_key that is not the last extension is illegal_parameter", function()
         local psk = B.vec(2, B.vec(2, "ticket") .. "\0\0\0\0") .. B.vec(2, B.vec(1, ("\0"):rep(32)))
         server_refuses(B.client_hello_record { extra = { { B.EXT.pre_shared_key, psk }, { 0x1234, "" } } },
            "illegal_parameter", "pre_shared_key is not the last extension")
      end)

      it("a duplicate known extension among thousands of unknown ones is illegal_parameter", function()
         local extra = {}
         for i = 1, 3000 do extra[i] = { 0x1000 + i, "" } end
         extra[#extra + 1] = { B.EXT.supported_versions, B.vec(1, B.list16 { 0x0304 }) }
         server_refuses(B.client_hello_records { extra = extra }, "illegal_parameter",
            "ClientHello: duplicate supported_versions extension (43)")
      end)
   end)
end)

describe("ClientHello contents our server refuses (liberal rules, strict limits)", function()
   local function server_refuses(bytes, alert, message, sv)
      sv = sv or server_engine()
      local ok, msg = sv:feed(bytes)
      assert_failed(sv, ok, msg, alert)
      assert.equal(message, msg)
      assert.equal(B.hex(alert_record(A[alert])), B.hex(sv:output()))
   end

   it("a key share for an unknown group missing from supported_groups is illegal_parameter", function()
      server_refuses(B.client_hello_record { groups = { B.GROUP.x25519 }, shares = { { 0x7a7a, "\1" } } },
         "illegal_parameter", "key share for group 0x7a7a, which the client did not list in supported_groups")
   end)

   it("two key shares for one unknown group are illegal_parameter", function()
      server_refuses(B.client_hello_record { groups = { 0x7a7a, B.GROUP.x25519 },
                                             shares = { { 0x7a7a, "\1" }, { 0x7a7a, "\2" } } },
         "illegal_parameter", "two key shares for group 0x7a7a")
   end)

   it("only groups we do not know is handshake_failure", function()
      server_refuses(B.client_hello_record { groups = { 0x7a7a, 0x6a6a }, shares = { { 0x7a7a, "\1" } } },
         "handshake_failure", "no key exchange group in common with the client")
   end)

   it("only signature schemes we do not know is handshake_failure", function()
      server_refuses(B.client_hello_record { sigalgs = { 0x0201, 0x0808, 0xfefe } }, "handshake_failure",
         "no signature algorithm in common with the client for our certificate")
   end)

   it("early_data with content is decode_error", function()
      server_refuses(B.client_hello_record { extra = { { B.EXT.early_data, "\0" } } }, "decode_error",
         "ClientHello early_data is not empty")
   end)

   it("a second ClientHello with early_data is illegal_parameter (rfc8446#4.1.2)", function()
      local sv = server_engine { groups = "secp384r1" }
      local early = { { B.EXT.early_data, "" } }
      assert(sv:feed(B.client_hello_record { groups = { B.GROUP.x25519, B.GROUP.secp384r1 }, extra = early }))
      assert.is_true(B.first_server_hello(sv:output()).hrr)
      server_refuses(B.client_hello_record { groups = { B.GROUP.secp384r1 },
                                             shares = { { B.GROUP.secp384r1, ("\4"):rep(97) } }, extra = early },
         "illegal_parameter", "second ClientHello offers early data again", sv)
   end)

   it("a record_size_limit below 64 is illegal_parameter (rfc8449#4)", function()
      server_refuses(B.client_hello_record { extra = { { B.EXT.record_size_limit, B.u16(63) } } },
         "illegal_parameter", "ClientHello record_size_limit of 63 (at least 64 is required)")
   end)

   it("a record_size_limit of three bytes is decode_error", function()
      server_refuses(B.client_hello_record { extra = { { B.EXT.record_size_limit, "\1\0\0" } } },
         "decode_error", "ClientHello record_size_limit is malformed")
   end)
end)
