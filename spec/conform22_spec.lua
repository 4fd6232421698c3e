-- conform22: unusual but valid peers, both versions, both sides, in memory.
-- First what we mishandled: a NewSessionTicket as large as RFC 8446 4.6.1
-- and RFC 5077 3.3 allow (a ticket of 2^16-1 bytes) ended the connection
-- with decode_error, and a TLS 1.3 ticket too large to be offered again
-- made the next ClientHello fail ("out of memory building the
-- ClientHello"). Then, so that they stay so, unusual hellos and messages
-- each side already took (spec/conform19_spec.lua has the others): the
-- renegotiation SCSV alone, encrypt_then_mac and compress_certificate
-- offered, record_size_limit 64, extensions in odd orders, a cookie-only
-- HelloRetryRequest, supported_groups in EncryptedExtensions, KeyUpdates
-- right behind a Finished, a HelloRequest during a TLS 1.2 handshake.
local tls = require "tls"
local I = require("tls.core")._internal
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local T = require "spec.support.tls12_peer"
local H = require "spec.support.hostile_server"
local P = require "spec.support.tlsbytes_post"

-- Our TLS 1.3 client after a handshake with the scripted server, data both ways.
local function talks(s)
   assert(s:send_app("hello"))
   assert.equal("hello", s.engine:read())
   assert(s.engine:write("back"))
   s:collect()
   assert.equal("back", s:client_data())
end

-- `msg` cut into protected records of at most 16000 bytes by server s.
local function in_records(s, msg)
   local t = {}
   for i = 1, #msg, 16000 do t[#t + 1] = s:record(H.CT.handshake, msg:sub(i, i + 15999)) end
   return table.concat(t)
end

-- The ClientHello a new client engine on ctx sends with `session`, parsed;
-- and the trace events of that engine.
local function hello_with(ctx_opts, session)
   local opts, events = E.traced(ctx_opts)
   local ctx = assert(tls.context(opts))
   local e = assert(tls.engine(ctx, { servername = "localhost", session = session }))
   assert(e:start())
   local body = {}
   for _, r in ipairs((B.parse_records(e:output()))) do body[#body + 1] = r.body end
   return H.parse_client_hello(B.parse_handshakes(table.concat(body))[1].raw), events
end

describe("conform22: our TLS 1.3 client and NewSessionTickets as large as RFC 8446 allows", function()
   it("takes a ticket of 2^16-1 bytes with a 255-byte nonce and extensions, in five records, and goes on", function()
      local s = H.new {}
      assert(s:handshake())
      local nst = s:new_session_ticket { ticket = ("t"):rep(65535), nonce = ("n"):rep(255),
         extensions = { { 0x5a5a, ("e"):rep(1000) }, { 42, H.u32(0) } } }
      assert(s:deliver(in_records(s, nst)))
      assert.is_false(s.engine:status().failed, tostring(s.engine:error()))
      talks(s)
      -- kept, but not offered: its pre_shared_key would not fit a ClientHello
      local session = assert(s.engine:session())
      local ch = hello_with({ mode = "client", ca = require("spec.support.certs").get().ca }, session)
      assert.is_nil(ch.ext[H.EXT.pre_shared_key])
   end)

   it("starts a full handshake with a session whose ticket is too large to offer (65400 bytes)", function()
      local s = H.new {}
      assert(s:handshake())
      assert(s:deliver(in_records(s, s:new_session_ticket { ticket = ("t"):rep(65400) })))
      talks(s)
      local ch, events = hello_with({ mode = "client", ca = require("spec.support.certs").get().ca },
         assert(s.engine:session()))
      assert.is_nil(ch.ext[H.EXT.pre_shared_key])
      assert.is_nil(ch.ext[H.EXT.early_data])
      local found
      for _, ev in ipairs(events) do
         if ev.message == "resumption" then
            for _, v in pairs(ev) do
               if type(v) == "string" and v:find("too large for a ClientHello", 1, true) then found = true end
            end
         end
      end
      assert.is_true(found, "no trace of why the session was not offered")
   end)

   it("still offers a ticket of 49152 bytes, the largest it offers", function()
      local s = H.new {}
      assert(s:handshake())
      assert(s:deliver(in_records(s, s:new_session_ticket { ticket = ("t"):rep(49152) })))
      talks(s)
      local ch = hello_with({ mode = "client", ca = require("spec.support.certs").get().ca },
         assert(s.engine:session()))
      assert.truthy(ch.ext[H.EXT.pre_shared_key])
      assert.truthy(#ch.ext[H.EXT.pre_shared_key] > 49152)
   end)

   it("refuses a NewSessionTicket one byte longer than its fields allow, before reading it all", function()
      local s = H.new {}
      assert(s:handshake())
      local body_len = 4 + 4 + 256 + 2 + 65535 + 2 + 65534 + 1
      s:deliver(s:record(H.CT.handshake, H.u8(H.HS.new_session_ticket) .. H.u24(body_len) .. "x"))
      assert.is_true(s.engine:status().failed)
      assert.matches("NewSessionTicket message of %d+ bytes is larger than the %d+ we accept", (s.engine:error()))
   end)
end)

---------------------------------------------------------------------------
-- Our TLS 1.2 client and the scripted TLS 1.2 server
---------------------------------------------------------------------------
local function client12(server_opts, client_opts)
   local c = E.client_engine(client_opts)
   assert(c:start())
   local fake = T.server(E.merge({ cert_pem = E.CERT, key_pem = E.KEY }, server_opts))
   return c, fake, fake:answer(c:output())
end

describe("conform22: our TLS 1.2 client and NewSessionTickets", function()
   it("takes a ticket of 2^16-1 bytes (rfc5077#3.3) in five records, keeps it and does not offer it", function()
      local c, fake, flight = client12 { session_ticket = true }
      assert(c:feed(flight))
      fake:client_flight(c:output())
      -- fake:finish with the NewSessionTicket (65545 bytes) cut into records
      local nst = B.handshake(T.HS.new_session_ticket, T.new_session_ticket(("t"):rep(65535), 600))
      fake:add(nst)
      local fin = fake:finished_message()
      fake:add(fin)
      local wire = B.records(B.CT.handshake, nst) .. B.record(B.CT.ccs, "\1") .. fake:seal(B.CT.handshake, fin)
      assert(c:feed(wire))
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert(c:feed(fake:seal(B.CT.application_data, "hello")))
      assert.equal("hello", c:read())
      local session = assert(c:session())
      local ch = hello_with({ mode = "client", verify = false }, session)
      assert.equal("", ch.ext[T.EXT.session_ticket])
   end)

   it("takes a zero-length ticket (rfc5077#3.3: the server changed its mind) and keeps the session id", function()
      local sid = B.random(32)
      local c, fake, flight = client12 { session_ticket = true, session_id = sid }
      assert(c:feed(flight))
      fake:client_flight(c:output())
      assert(c:feed(fake:finish { new_session_ticket = T.new_session_ticket("", 0) }))
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      local ch = hello_with({ mode = "client", verify = false }, assert(c:session()))
      assert.equal(sid, ch.session_id)
      assert.equal("", ch.ext[T.EXT.session_ticket])
   end)
end)

---------------------------------------------------------------------------
-- What already worked, kept so
---------------------------------------------------------------------------
describe("conform22: our TLS 1.2 client and unusual but valid servers", function()
   it("ignores a HelloRequest before the ServerHello (rfc5246#7.4.1.1: during a handshake)", function()
      local c, fake, flight = client12()
      assert(c:feed(B.record(B.CT.handshake, B.handshake(T.HS.hello_request, "")) .. flight))
      fake:client_flight(c:output())
      assert.is_true(fake.client_finished_ok)
      assert(c:feed(fake:finish()))
      assert.is_true(c:status().handshake_done, tostring(c:error()))
   end)

   it("goes on after warning alerts it does not know, and user_canceled, after the handshake", function()
      local c, fake, flight = client12()
      assert(c:feed(flight))
      fake:client_flight(c:output())
      assert(c:feed(fake:finish()))
      assert(c:feed(fake:seal(B.CT.alert, "\1\200") .. fake:seal(B.CT.alert, "\1\90")
         .. fake:seal(B.CT.application_data, "still here")))
      assert.equal("still here", c:read())
      assert.is_false(c:status().failed)
   end)
end)

local function hello12(fake, exts, suites)
   fake.client_random = I.random(32)
   local ch = B.client_hello { legacy_version = 0x0303, random = fake.client_random,
      suites = suites or { T.SUITE.ecdhe_ecdsa_aes128 }, extensions = exts }
   fake:add(ch)
   return B.record(B.CT.handshake, ch, { version = 0x0301 })
end
local GROUPS = { T.EXT.supported_groups, B.vec(2, B.list16 { 0x001d, 0x0017 }) }
local PF = { T.EXT.ec_point_formats, B.vec(1, "\0") }
local SIGS = { T.EXT.signature_algorithms, B.vec(2, B.list16 { 0x0403, 0x0804, 0x0401 }) }
local RI = { T.EXT.renegotiation_info, "\0" }
local EMS = { T.EXT.extended_master_secret, "" }

-- Our TLS 1.2 server through a handshake with the scripted client's hello
-- of these extensions and suites; returns the server engine and its first
-- flight's messages.
local function serve12(exts, suites, server_opts)
   local s = E.server_engine(server_opts)
   local fake = T.client()
   assert(s:feed(hello12(fake, exts, suites)))
   local msgs = fake:server_flight(s:output())
   assert(s:feed(fake:key_exchange()))
   assert.is_true(s:status().handshake_done, tostring(s:error()))
   local recs = B.parse_records(s:output())
   for i, r in ipairs(recs) do
      if r.type == B.CT.ccs then assert(fake:open(recs[i + 1])) end
   end
   assert(s:feed(fake:seal(B.CT.application_data, "ping")))
   assert.equal("ping", s:read())
   return s, msgs, fake
end

describe("conform22: our TLS 1.2 server and unusual but valid clients", function()
   it("takes the renegotiation SCSV alone (rfc5746#3.4), first in the list, and answers renegotiation_info", function()
      local _, msgs = serve12({ GROUPS, PF, SIGS, EMS }, { 0x00ff, T.SUITE.ecdhe_ecdsa_aes128 })
      assert.equal("\0", B.parse_server_hello(msgs[1]).ext[T.EXT.renegotiation_info])
   end)

   it("ignores encrypt_then_mac (for CBC, RFC 7366) and compress_certificate; echoes an empty session_ticket", function()
      local _, msgs = serve12 { { 22, "" }, { 35, "" }, { 27, "\2\0\2" }, { 49, "" }, { 1, "\2" },
         { 5, "\1\0\0\0\0" }, { 18, "" }, { 16, B.vec(2, B.vec(1, "h2") .. B.vec(1, "http/1.1")) },
         { 0x8a8a, "" }, GROUPS, PF, SIGS, RI, EMS }
      local sh = B.parse_server_hello(msgs[1])
      assert.is_nil(sh.ext[22])
      assert.is_nil(sh.ext[27])
      assert.equal("", sh.ext[35])
   end)

   it("takes supported_versions with GREASE and only TLS 1.2, psk_key_exchange_modes and an empty key_share", function()
      serve12 { { 43, B.vec(1, B.list16 { 0x7a7a, 0x0303, 0x0302 }) }, { 45, "\1\1" }, { 51, B.vec(2, "") },
         GROUPS, PF, SIGS, RI, EMS }
   end)

   it("keeps to a client's record_size_limit of 64, the smallest (rfc8449#4), for protected records", function()
      local s = serve12 { { 28, B.u16(64) }, GROUPS, PF, SIGS, RI, EMS }
      assert(s:write(("a"):rep(1000)))
      for _, r in ipairs((B.parse_records(s:output()))) do
         assert.truthy(#r.body <= 8 + 64 + 16, #r.body)
      end
   end)
end)

describe("conform22: our TLS 1.3 server and unusual but valid clients", function()
   local function serve13(hopts, sopts)
      local sv, fake = E.scripted_handshake(sopts, hopts)
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, "ping")))
      assert.equal("ping", sv:read())
      return sv, fake
   end

   it("ignores compress_certificate, post_handshake_auth, large padding and TLS 1.2's extensions", function()
      serve13 { extra = { { 27, "\6\0\1\0\2\0\3" }, { 49, "" }, { 28, "\64\1" }, { 21, ("\0"):rep(5000) },
         { 22, "" }, { 35, "" }, { 23, "" }, { 0xff01, "\0" }, { 5, "\1\0\0\0\0" }, { 18, "" } } }
   end)

   it("takes key_share first, a GREASE share and a 1216-byte share of a group it lacks, supported_versions last", function()
      local fake = B.fake_client()
      local sv = E.server_engine()
      local exts = {
         { B.EXT.key_share, B.vec(2, B.u16(0x1a1a) .. B.vec(2, "\0") .. B.u16(0x11ec) .. B.vec(2, ("\1"):rep(1216))
            .. B.u16(0x001d) .. B.vec(2, fake.pub)) },
         { B.EXT.signature_algorithms, B.vec(2, B.list16 { 0x0403, 0x0804 }) },
         { B.EXT.supported_groups, B.vec(2, B.list16 { 0x1a1a, 0x11ec, 0x001d }) },
         { 45, B.vec(1, "\1\0") },
         { B.EXT.supported_versions, B.vec(1, B.list16 { 0x0a0a, 0x0303, 0x0304 }) },
      }
      local msg = B.client_hello { suites = { 0x0a0a, 0x1301 }, extensions = exts }
      fake.transcript = msg
      assert(sv:feed(B.records(B.CT.handshake, msg, { version = 0x0301 })))
      assert(fake:receive_flight(sv:output()))
      assert(sv:feed(fake:finished(false)))
      assert.is_true(sv:status().handshake_done)
   end)

   it("keeps to a client's record_size_limit of 64 for its encrypted flight and data", function()
      local sv = E.server_engine()
      local fake = B.fake_client()
      assert(sv:feed(fake:hello { extra = { { 28, B.u16(64) } } }))
      local out = sv:output()
      for _, r in ipairs((B.parse_records(out))) do
         if r.type == B.CT.application_data then assert.truthy(#r.body <= 64 + 16, #r.body) end
      end
      assert(fake:receive_flight(out))
      assert(sv:feed(fake:finished(false)))
      sv:output()
      assert(sv:write(("a"):rep(1000)))
      for _, r in ipairs((B.parse_records(sv:output()))) do assert.truthy(#r.body <= 64 + 16, #r.body) end
   end)

   for _, req in ipairs { false, true } do
      it("takes a KeyUpdate (update_requested " .. tostring(req) .. ") right behind the client's Finished", function()
         local sv, fake = E.scripted_hello()
         local wire = fake:finished(false) .. fake:seal(fake.client_ap, B.CT.handshake, P.key_update_message(req))
            .. fake:seal(P.next_secret(fake.client_ap), B.CT.application_data, "after")
         assert(sv:feed(wire))
         assert.equal("after", sv:read())
      end)
   end

   it("takes a second ClientHello whose padding changed (rfc8446#4.1.2 allows it)", function()
      local sv = E.server_engine()
      local ch1 = B.client_hello { suites = { 0x1301 }, groups = { 0x001d }, shares = {}, extra = { { 21, ("\0"):rep(100) } } }
      assert(sv:feed(B.record(B.CT.handshake, ch1, { version = 0x0301 })))
      assert.is_true(B.first_server_hello(sv:output()).hrr)
      assert(sv:feed(B.record(B.CT.handshake, B.client_hello { suites = { 0x1301 }, groups = { 0x001d },
         extra = { { 21, ("\0"):rep(300) } } })))
      assert.is_false(sv:status().failed, tostring(sv:error()))
   end)
end)

describe("conform22: our TLS 1.3 client and unusual but valid servers", function()
   it("takes a ServerHello with key_share before supported_versions", function()
      local s = H.new {}
      local group = s.ch.share_order[1]
      local pub, shared = s:key_share_for(group)
      s.key_share_for = function() return pub, shared end
      assert(s:hello { extensions = { { H.EXT.key_share, H.u16(group) .. H.vec(2, pub) },
                                      { H.EXT.supported_versions, H.u16(0x0304) } } })
      assert(s:flight())
      s:client_finished()
      talks(s)
   end)

   it("echoes the cookie of a HelloRetryRequest that asks for nothing else (rfc8446#4.2.2)", function()
      local s = H.new {}
      local cookie = ("C"):rep(300)
      assert(s:retry { cookie = cookie })
      assert.equal(cookie, s.ch.cookie)
      assert(s:handshake())
      talks(s)
   end)

   it("takes the server's supported_groups in EncryptedExtensions (rfc8446#4.2.7)", function()
      local s = H.new {}
      s:handshake { encrypted_extensions = { extensions = {
         { H.EXT.supported_groups, H.vec(2, H.u16(0x0017) .. H.u16(0x001d) .. H.u16(0x2a2a)) } } } }
      talks(s)
   end)

   it("takes three tickets in one record: lifetime 0, early_data and GREASE extensions, a 255-byte nonce", function()
      local s = H.new {}
      assert(s:handshake())
      assert(s:send(s:new_session_ticket { lifetime = 0 },
         s:new_session_ticket { extensions = { { 42, H.u32(16384) }, { 0x5a5a, "" } } },
         s:new_session_ticket { ticket = ("x"):rep(10000), nonce = ("n"):rep(255) }))
      talks(s)
   end)

   for _, req in ipairs { 0, 1 } do
      it("takes a KeyUpdate (request " .. req .. ") and data right behind the server's Finished, same feed", function()
         local s = H.new {}
         assert(s:hello())
         local flight = s:record(H.CT.handshake, table.concat { s:encrypted_extensions(), s:certificate(),
            s:certificate_verify(), s:finished() })
         s:use_keys("application")
         local ku = s:record(H.CT.handshake, s:key_update { request = req })
         s:use_keys("next")
         assert(s:deliver(flight .. ku .. s:record(H.CT.application_data, "after")))
         assert.equal("after", s.engine:read())
         s:client_finished()
         s:client_records()
         local n = 0
         for _, m in ipairs(s.client_messages) do if m.type == H.HS.key_update then n = n + 1 end end
         assert.equal(req, n)
         assert(s.engine:write("back"))
         s:collect()
         assert.equal("back", s:client_data())
      end)
   end
end)
