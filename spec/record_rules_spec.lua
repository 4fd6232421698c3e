-- Record-layer rules against a hostile peer (issue 7): floods of
-- post-handshake messages, unprotected alerts once keys are in use, empty
-- protected alerts and handshake records, skipping declined 0-RTT data,
-- and record sizes (RFC 8449 record_size_limit).
--
-- The scripted client of spec/support/tlsbytes.lua plays against our server
-- engine; the scripted server of spec/support/tlsbytes_post.lua against our
-- client engine. Both know every key, so they can send anything protected
-- and read the alert they get back.
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"
local B = require "spec.support.tlsbytes"
local P = require "spec.support.tlsbytes_post"
local E = require "spec.support.engines"

local server_engine, client_engine = E.server_engine, E.client_engine

-- The engine failed on the last feed with `alert` and `reason`, and says so
-- the same way through feed and error(); it was our alert, not the peer's.
local assert_failed = E.assert_failed

-- The alert a peer sent in `bytes`: its last record, protected under
-- `secret` (opened by `opener`, which counts the records before it).
local alert_sent = E.alert_sent

-- Our server engine and the scripted client after a complete handshake;
-- our client engine and the scripted server.
local server_connected, client_connected = E.scripted_handshake, E.scripted_server_handshake

---------------------------------------------------------------------------
describe("floods of post-handshake messages", function()
   local KU_FLOOD = "peer sent more than 32 KeyUpdate messages without application data in between"
   local NST_FLOOD = "peer sent more than 1024 NewSessionTicket messages without application data in between"

   -- n tickets, each in its own record.
   local function tickets(srv, n)
      local t = {}
      for i = 1, n do t[i] = srv:seal(srv.server_ap, B.CT.handshake, P.ticket_message()) end
      return table.concat(t)
   end

   it("32 KeyUpdates in a row are taken, the 33rd is unexpected_message", function()
      local sv, fake = server_connected()
      local flood = {}
      for i = 1, 32 do flood[i] = P.client_key_update(fake, false) end
      assert(sv:feed(table.concat(flood)))
      assert.equal("", sv:output())
      local ok, msg = sv:feed(P.client_key_update(fake, false))
      assert_failed(sv, ok, msg, "unexpected_message", KU_FLOOD)
      assert.equal("unexpected_message", alert_sent(fake, sv:output(), fake.server_ap))
   end)

   -- (each got its own answer until session 32; rfc8446#4.6.3: "an
   -- implementation which receives multiple KeyUpdates while it is silent
   -- [responds] with a single update")
   it("32 KeyUpdate requests while we are silent get one answer, the 33rd is unexpected_message", function()
      local sv, fake = server_connected()
      local flood = {}
      for i = 1, 32 do flood[i] = P.client_key_update(fake, true) end
      assert(sv:feed(table.concat(flood)))
      local keys = { server_ap = fake.server_ap }
      local answers = P.read_all(fake, keys, "server_ap", sv:output())
      local requested, not_requested = P.count_key_updates(answers)
      assert.equal(0, requested)
      assert.equal(1, not_requested)
      assert.equal(1, #answers)
      local ok, msg = sv:feed(P.client_key_update(fake, true))
      assert_failed(sv, ok, msg, "unexpected_message", KU_FLOOD)
      -- No answer to the 33rd: only the alert, under the server's second key.
      local last = P.read_all(fake, keys, "server_ap", sv:output())
      assert.equal(1, #last)
      assert.equal(B.CT.alert, last[1].type)
      assert.equal("\2\10", last[1].content)
   end)

   it("33 KeyUpdates in one feed are unexpected_message too", function()
      local sv, fake = server_connected()
      local flood = {}
      for i = 1, 33 do flood[i] = P.client_key_update(fake, false) end
      local ok, msg = sv:feed(table.concat(flood))
      assert_failed(sv, ok, msg, "unexpected_message", KU_FLOOD)
   end)

   it("application data resets the count", function()
      local sv, fake = server_connected()
      for round = 1, 3 do
         local batch = {}
         for i = 1, 32 do batch[i] = P.client_key_update(fake, false) end
         batch[#batch + 1] = fake:seal(fake.client_ap, B.CT.application_data, "r" .. round)
         assert(sv:feed(table.concat(batch)))
      end
      assert.equal("r1r2r3", sv:read())
      assert.is_false(sv:status().failed)
   end)

   it("empty application data records do not reset the count", function()
      local sv, fake = server_connected()
      local batch = {}
      for i = 1, 32 do batch[i] = P.client_key_update(fake, false) end
      batch[#batch + 1] = fake:seal(fake.client_ap, B.CT.application_data, "")
      assert(sv:feed(table.concat(batch)))
      local ok, msg = sv:feed(P.client_key_update(fake, false))
      assert_failed(sv, ok, msg, "unexpected_message", KU_FLOOD)
   end)

   -- Before session 27 the 33rd ended the connection: RFC 8446 4.6.1 sets
   -- no limit, so tickets past the 32nd are read and ignored.
   it("1024 NewSessionTickets in a row are taken by a client, the 1025th is unexpected_message", function()
      local cl, srv = client_connected()
      assert(cl:feed(tickets(srv, 1024)))
      assert.equal("", cl:output())
      assert.is_false(cl:status().failed)
      local ok, msg = cl:feed(srv:seal(srv.server_ap, B.CT.handshake, P.ticket_message()))
      assert_failed(cl, ok, msg, "unexpected_message", NST_FLOOD)
      assert.equal("unexpected_message", alert_sent(srv, cl:output(), srv.client_ap))
   end)

   it("33 NewSessionTickets in a row leave the connection working", function()
      local cl, srv = client_connected()
      assert(cl:feed(tickets(srv, 33) .. srv:seal(srv.server_ap, B.CT.application_data, "after 33")))
      assert.equal("after 33", cl:read())
      assert.is_string(cl:session())
      assert.is_false(cl:status().failed)
   end)

   -- 600 tickets of 26 bytes fill most of a record.
   it("1024 NewSessionTickets in two records are taken, 1025 are unexpected_message", function()
      local cl, srv = client_connected()
      assert(cl:feed(srv:seal(srv.server_ap, B.CT.handshake, P.ticket_message(8):rep(600))
         .. srv:seal(srv.server_ap, B.CT.handshake, P.ticket_message(8):rep(424))
         .. srv:seal(srv.server_ap, B.CT.application_data, "two records")))
      assert.equal("two records", cl:read())
      cl, srv = client_connected()
      local ok, msg = cl:feed(srv:seal(srv.server_ap, B.CT.handshake, P.ticket_message(8):rep(600))
         .. srv:seal(srv.server_ap, B.CT.handshake, P.ticket_message(8):rep(425)))
      assert_failed(cl, ok, msg, "unexpected_message", NST_FLOOD)
   end)

   it("application data resets the count of tickets", function()
      local cl, srv = client_connected()
      for round = 1, 3 do
         local batch = {}
         batch[1] = tickets(srv, 1024)
         batch[2] = srv:seal(srv.server_ap, B.CT.application_data, "t" .. round)
         assert(cl:feed(table.concat(batch)))
      end
      assert.equal("t1t2t3", cl:read())
   end)

   it("KeyUpdates and tickets are counted apart, and application data resets both", function()
      local cl, srv = client_connected()
      for round = 1, 2 do
         local batch = { tickets(srv, 1024) }
         for _ = 1, 32 do batch[#batch + 1] = srv:key_update(false) end
         assert(cl:feed(table.concat(batch)))
         assert(cl:feed(srv:seal(srv.server_ap, B.CT.application_data, "fine " .. round)))
         assert.equal("fine " .. round, cl:read())
      end
   end)

   it("a client answers a server's KeyUpdate request, and follows its keys", function()
      local cl, srv = client_connected()
      assert(cl:feed(srv:key_update(true) .. srv:seal(srv.server_ap, B.CT.application_data, "after")))
      assert.equal("after", cl:read())
      local keys = { client_ap = srv.client_ap }
      local answers = P.read_all(srv, keys, "client_ap", cl:output())
      assert.same({ 0, 1 }, { P.count_key_updates(answers) })
      assert.equal(1, #answers)
      assert(cl:write("reply"))
      local data = P.read_all(srv, keys, "client_ap", cl:output())
      assert.equal("reply", data[1].content)
   end)

   it("a NewSessionTicket sent to a server is unexpected_message", function()
      local sv, fake = server_connected()
      local ok, msg = sv:feed(fake:seal(fake.client_ap, B.CT.handshake, P.ticket_message()))
      assert_failed(sv, ok, msg, "unexpected_message", "unexpected NewSessionTicket message after the handshake")
   end)
end)

---------------------------------------------------------------------------
describe("unprotected alerts once handshake keys are in use", function()
   local UNPROTECTED = "unprotected alert after handshake keys were in use"

   local function started_client()
      local cl = client_engine()
      assert(cl:start())
      local sid = B.session_id_of(cl:output())
      local _, pub = B.x25519_keypair()
      return cl, B.record(B.CT.handshake, B.server_hello { session_id = sid, share = { B.GROUP.x25519, pub } })
   end

   it("a client takes a plaintext alert before the ServerHello as the server's", function()
      local cl = started_client()
      local ok, msg = cl:feed(B.record(B.CT.alert, "\2\40"))
      assert.is_nil(ok)
      local emsg, alert, from_peer = cl:error()
      assert.equal(msg, emsg)
      assert.equal("handshake_failure", alert)
      assert.is_true(from_peer)
      assert.equal("", cl:output(), "no alert answers the peer's")
   end)

   it("a client refuses a plaintext alert after the ServerHello (same feed)", function()
      local cl, sh = started_client()
      local ok, msg = cl:feed(sh .. B.record(B.CT.alert, "\2\40"))
      assert_failed(cl, ok, msg, "unexpected_message", UNPROTECTED)
   end)

   it("a client refuses a plaintext alert after the ServerHello (later feed)", function()
      local cl, sh = started_client()
      assert(cl:feed(sh))
      local ok, msg = cl:feed(B.record(B.CT.alert, "\2\48"))
      assert_failed(cl, ok, msg, "unexpected_message", UNPROTECTED)
   end)

   it("a client refuses a plaintext close_notify after the handshake", function()
      local cl = client_connected()
      local ok, msg = cl:feed(B.record(B.CT.alert, "\1\0"))
      assert_failed(cl, ok, msg, "unexpected_message", UNPROTECTED)
      assert.is_false(cl:status().peer_closed)
   end)

   it("a server takes a plaintext alert before any protected record from the client as the client's", function()
      local sv = E.scripted_hello()
      local ok, msg = sv:feed(B.record(B.CT.ccs, "\1") .. B.record(B.CT.alert, "\2\42"))
      assert.is_nil(ok)
      local emsg, alert, from_peer = sv:error()
      assert.equal(msg, emsg)
      assert.equal("bad_certificate", alert)
      assert.is_true(from_peer)
   end)

   it("a server refuses a plaintext alert after a protected record from the client", function()
      local sv, fake = E.scripted_hello()
      -- A protected warning (user_canceled) proves the client has its keys.
      assert(sv:feed(fake:seal(fake.client_hs, B.CT.alert, "\1\90")))
      local ok, msg = sv:feed(B.record(B.CT.alert, "\2\42"))
      assert_failed(sv, ok, msg, "unexpected_message", UNPROTECTED)
      assert.equal("unexpected_message", alert_sent(fake, sv:output(), fake.server_ap))
   end)

   it("a server refuses a plaintext alert after the handshake", function()
      local sv, fake = server_connected()
      local ok, msg = sv:feed(B.record(B.CT.alert, "\2\48"))
      assert_failed(sv, ok, msg, "unexpected_message", UNPROTECTED)
      assert.equal("unexpected_message", alert_sent(fake, sv:output(), fake.server_ap))
   end)

   it("an unprotected handshake record after the ServerHello is unexpected_message", function()
      local cl, sh = started_client()
      local ok, msg = cl:feed(sh .. B.record(B.CT.handshake, B.handshake(8, B.vec(2, ""))))
      assert_failed(cl, ok, msg, "unexpected_message", "unprotected handshake record after handshake keys were in use")
   end)
end)

describe("openssl s_client rejecting our certificate", function()
   after_each(proc.kill_all)

   it("sends its alert in the clear, and our server reports it as the client's", function()
      local c = certs.get()
      local peers = require "spec.support.peers"
      local srv, port = peers.luatls_server { cert = c.untrusted.cert, key = c.untrusted.key }
      local out = proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -tls1_3 -CAfile %s "
         .. "-servername localhost -verify_return_error -msg", port, c.ca), "")
      -- s_client wrote the alert before any protected record of its own.
      assert.truthy(out:find(">>> TLS 1.3, Alert", 1, true), out)
      local line = proc.wait_output(srv, "(failed [^\n]*)", 10)
      assert.matches("unknown_ca", line)
      assert.is_nil(line:find("unexpected_message", 1, true), line)
   end)
end)

---------------------------------------------------------------------------
describe("empty content in a protected record", function()
   -- rfc8446#5.4: a zero-length alert or handshake content is unexpected_message.
   local cases = {
      { "alert", B.CT.alert, "protected alert record with no content" },
      { "handshake", B.CT.handshake, "protected handshake record with no content" },
   }
   for _, case in ipairs(cases) do
      it("an empty " .. case[1] .. " record after the handshake is unexpected_message", function()
         local sv, fake = server_connected()
         local ok, msg = sv:feed(fake:seal(fake.client_ap, case[2], ""))
         assert_failed(sv, ok, msg, "unexpected_message", case[3])
         assert.equal("unexpected_message", alert_sent(fake, sv:output(), fake.server_ap))
      end)

      it("an empty " .. case[1] .. " record with padding is unexpected_message", function()
         local sv, fake = server_connected()
         local ok, msg = sv:feed(fake:seal(fake.client_ap, case[2], "", { padding = ("\0"):rep(40) }))
         assert_failed(sv, ok, msg, "unexpected_message", case[3])
      end)

      it("an empty " .. case[1] .. " record under the handshake keys is unexpected_message", function()
         local sv, fake = E.scripted_hello()
         local ok, msg = sv:feed(fake:seal(fake.client_hs, case[2], ""))
         assert_failed(sv, ok, msg, "unexpected_message", case[3])
      end)

      it("an empty " .. case[1] .. " record sent to a client is unexpected_message", function()
         local cl, srv = client_connected()
         local ok, msg = cl:feed(srv:seal(srv.server_ap, case[2], ""))
         assert_failed(cl, ok, msg, "unexpected_message", case[3])
      end)
   end

   it("an empty application data record is still fine", function()
      local sv, fake = server_connected()
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, "", { padding = "\0\0" })))
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, "data")))
      assert.equal("data", sv:read())
   end)
end)

---------------------------------------------------------------------------
-- Skipping 0-RTT data a server declined (rfc8446#4.2.10). The ClientHello
-- side (noticing early_data and choosing the mode) belongs to the hello
-- code; these cases need both parts.
describe("0-RTT data our server declines", function()
   local EARLY_DATA = { P.EXT.early_data, "" }

   -- Records that look like 0-RTT data: application_data records that no
   -- key of ours opens.
   local function early_records(sizes)
      local out = {}
      for i, n in ipairs(sizes) do out[i] = B.record(B.CT.application_data, B.random(n)) end
      return table.concat(out)
   end

   local function hello_with_early_data()
      local sv = server_engine()
      local fake = B.fake_client()
      assert(sv:feed(fake:hello { extra = { EARLY_DATA } }))
      assert(fake:receive_flight(sv:output()))
      return sv, fake
   end

   it("after a ServerHello: records that do not open under the handshake key are skipped", function()
      local sv, fake = hello_with_early_data()
      assert(sv:feed(early_records { 100, 17, 16384 + 17, 1 }))
      assert(sv:feed(early_records { 300 } .. B.record(B.CT.ccs, "\1") .. fake:finished(false)))
      assert.is_true(sv:status().handshake_done)
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, "1-RTT data")))
      assert.equal("1-RTT data", sv:read())
   end)

   it("after a ServerHello: up to 64 KiB are skipped, then bad_record_mac", function()
      local sv = hello_with_early_data()
      assert(sv:feed(early_records { 16000, 16000, 16000, 16000 }))
      local ok, msg = sv:feed(early_records { 16000 })
      assert_failed(sv, ok, msg, "bad_record_mac")
      assert.matches("0%-RTT", msg)
   end)

   it("after a ServerHello: once the client's Finished opened, a bad record is bad_record_mac", function()
      local sv, fake = hello_with_early_data()
      assert(sv:feed(early_records { 100 } .. fake:finished(false)))
      local ok, msg = sv:feed(early_records { 100 })
      assert_failed(sv, ok, msg, "bad_record_mac", "bad record MAC (record could not be authenticated)")
   end)

   it("after a ServerHello: a record that opens but is wrong is not skipped", function()
      local sv, fake = hello_with_early_data()
      assert(sv:feed(early_records { 100 }))
      local ok, msg = sv:feed(fake:finished(true))
      assert_failed(sv, ok, msg, "decrypt_error")
   end)

   -- ClientHello1 without a usable key share, so that the server asks again.
   local function hello_retry(extra)
      local sv = server_engine()
      local random = B.random(32)
      local ch1 = B.client_hello { random = random, suites = { B.SUITE.aes128gcm }, groups = { B.GROUP.x25519 },
                                   shares = {}, extra = extra }
      assert(sv:feed(B.record(B.CT.handshake, ch1, { version = 0x0301 })))
      local records = B.parse_records(sv:output())
      local hrr = B.parse_handshakes(records[1].body)[1]
      assert.equal(B.HS.server_hello, hrr.type)
      return sv, random, ch1, hrr.raw
   end

   -- The scripted client's second ClientHello, with its transcript starting
   -- from the message_hash of the first (rfc8446#4.4.1).
   local function second_hello(fake, random, ch1, hrr)
      local record = fake:hello { random = random }
      fake.transcript = B.handshake(P.HS.message_hash, require("tls.core")._internal.hash("sha256", ch1))
         .. hrr .. fake.transcript
      return record
   end

   it("after a HelloRetryRequest: application_data records before the second ClientHello are skipped", function()
      local sv, random, ch1, hrr = hello_retry { EARLY_DATA }
      assert(sv:feed(early_records { 50, 16384 + 17 }))
      assert(sv:feed(B.record(B.CT.ccs, "\1") .. early_records { 1000 }))
      local fake = B.fake_client()
      assert(sv:feed(second_hello(fake, random, ch1, hrr)))
      assert(fake:receive_flight(sv:output()))
      assert(sv:feed(fake:finished(false)))
      assert.is_true(sv:status().handshake_done)
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, "2-RTT data")))
      assert.equal("2-RTT data", sv:read())
   end)

   it("after a HelloRetryRequest: more than 64 KiB of them are unexpected_message", function()
      local sv = hello_retry { EARLY_DATA }
      assert(sv:feed(early_records { 16000, 16000, 16000, 16000 }))
      local ok, msg = sv:feed(early_records { 16000 })
      assert_failed(sv, ok, msg, "unexpected_message")
      assert.matches("0%-RTT", msg)
   end)

   -- These hold with or without the ClientHello side: nothing is skipped
   -- unless the client offered early data.
   it("without early_data in the ClientHello, a record that does not open is bad_record_mac", function()
      local sv = E.scripted_hello()
      local ok, msg = sv:feed(early_records { 100 })
      assert_failed(sv, ok, msg, "bad_record_mac", "bad record MAC (record could not be authenticated)")
   end)

   it("without early_data in the first ClientHello, application_data after a HelloRetryRequest is unexpected_message", function()
      local sv = hello_retry()
      local ok, msg = sv:feed(early_records { 100 })
      assert_failed(sv, ok, msg, "unexpected_message", "encrypted record before keys were agreed")
   end)

   it("after the second ClientHello, a record that does not open is bad_record_mac", function()
      local sv, random, ch1, hrr = hello_retry { EARLY_DATA }
      local fake = B.fake_client()
      assert(sv:feed(second_hello(fake, random, ch1, hrr)))
      assert(fake:receive_flight(sv:output()))
      local ok, msg = sv:feed(early_records { 100 })
      assert_failed(sv, ok, msg, "bad_record_mac", "bad record MAC (record could not be authenticated)")
   end)
end)

---------------------------------------------------------------------------
describe("record sizes", function()
   -- Protected records in `bytes`: the length of each one's inner plaintext.
   local function inner_lengths(bytes)
      local out = {}
      for _, r in ipairs(B.parse_records(bytes)) do
         if r.type == B.CT.application_data then out[#out + 1] = #r.body - 16 end
      end
      return out
   end

   it("without a limit, data is split at 2^14 bytes of content per record", function()
      local sv, fake = server_connected()
      assert(sv:write(("z"):rep(40000)))
      assert.same({ 16385, 16385, 7233 }, inner_lengths(sv:output()))
      assert(fake)
   end)

   it("a protected record of exactly 2^14 + 1 bytes of inner plaintext is taken", function()
      local sv, fake = server_connected()
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, ("x"):rep(16384))))
      assert.equal(16384, #sv:read())
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, ("x"):rep(16000),
         { padding = ("\0"):rep(384) })))
      assert.equal(16000, #sv:read())
   end)

   it("one byte more is record_overflow", function()
      local sv, fake = server_connected()
      local ok, msg = sv:feed(fake:seal(fake.client_ap, B.CT.application_data, ("x"):rep(16000),
         { padding = ("\0"):rep(385) }))
      assert_failed(sv, ok, msg, "record_overflow", "record of 16386 bytes of padded plaintext (at most 16385 allowed)")
   end)

   -- With the ClientHello side's record_size_limit negotiation (rfc8449).
   local function limit_ext(n) return { P.EXT.record_size_limit, B.u16(n) } end

   it("with the client's record_size_limit of 1000, our server sends at most 999 bytes of content per record", function()
      local sv, fake = E.scripted_handshake({ record_size_limit = 2000 }, { extra = { limit_ext(1000) } })
      assert(sv:write(("w"):rep(2500)))
      assert.same({ 1000, 1000, 503 }, inner_lengths(sv:output()))
   end)

   it("with our server's record_size_limit of 2000, a record of 2001 bytes of inner plaintext is record_overflow", function()
      local sv, fake = E.scripted_handshake({ record_size_limit = 2000 }, { extra = { limit_ext(1000) } })
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, ("x"):rep(1999))))
      assert.equal(1999, #sv:read())
      local ok, msg = sv:feed(fake:seal(fake.client_ap, B.CT.application_data, ("x"):rep(2000)))
      assert_failed(sv, ok, msg, "record_overflow", "record of 2001 bytes of padded plaintext (at most 2000 allowed)")
   end)

   it("an engine pair honours each side's record_size_limit", function()
      local cl = client_engine { record_size_limit = 1000 }
      local sv = server_engine { record_size_limit = 3000 }
      assert(cl:start())
      for _ = 1, 5 do
         local a = cl:output(); if #a > 0 then assert(sv:feed(a)) end
         local b = sv:output(); if #b > 0 then assert(cl:feed(b)) end
      end
      assert.is_true(cl:status().handshake_done)
      assert(cl:write(("c"):rep(7000)))
      local to_server = cl:output()
      assert.same({ 3000, 3000, 1003 }, inner_lengths(to_server))
      assert(sv:write(("s"):rep(2000)))
      local to_client = sv:output()
      assert.same({ 1000, 1000, 3 }, inner_lengths(to_client))
      assert(sv:feed(to_server))
      assert(cl:feed(to_client))
      assert.equal(7000, #sv:read())
      assert.equal(2000, #cl:read())
   end)
end)

describe("framing before keys", function()
   it("an application_data record inside a fragmented ClientHello is named as such", function()
      local sv = server_engine()
      local hello = B.client_hello {}
      local ok, msg = sv:feed(B.record(B.CT.handshake, hello:sub(1, 20), { version = 0x0301 })
         .. B.record(B.CT.application_data, ("\0"):rep(40)))
      assert_failed(sv, ok, msg, "unexpected_message", "application_data record inside a fragmented handshake message")
   end)
end)
