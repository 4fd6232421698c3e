-- TLS 1.3 server resumption (RFC 8446 §2.2, §4.2.9, §4.2.11, §4.6.1, §8):
-- NewSessionTickets, the pre_shared_key a server accepts or declines (a
-- full handshake, never an error), the binder (decrypt_error), malformed
-- offers, psk_ke; first against the scripted client of
-- spec/support/psk13.lua (binders computed on spec/support/ref13.lua), then
-- against openssl s_client, Python's ssl and gnutls-cli.
local tls = require "tls"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local P = require "spec.support.psk13"
local R = require "spec.support.ref13"
local proc = require "spec.support.proc"

local AES128, AES256, CHACHA = B.SUITE.aes128gcm, B.SUITE.aes256gcm, B.SUITE.chacha
local KEY_A = ("A"):rep(16) .. ("a"):rep(32)
local KEY_B = ("B"):rep(16) .. ("b"):rep(32)

-- A server engine (E.server_ctx options plus tls.context options in opts)
-- whose trace events are collected.
local function server(opts)
   local o, events = E.traced(E.merge({ ticket_keys = { KEY_A } }, opts))
   return E.server_engine(o), events
end

local function events_of(events, message)
   local out = {}
   for _, ev in ipairs(events) do
      if ev.message == message then out[#out + 1] = ev end
   end
   return out
end

local function decisions(events)
   local out = {}
   for _, ev in ipairs(events_of(events, "resumption")) do out[#out + 1] = ev.result .. ": " .. ev.reason end
   return out
end

-- A full handshake of the scripted client with sv; returns the tickets it
-- received, and the client.
local function full(sv, hello_opts)
   local cl = P.client()
   assert(sv:feed(cl:hello(E.merge({ server_name = "localhost" }, hello_opts))))
   local flight = cl:receive(sv:output())
   assert.is_false(flight.hrr)
   assert(sv:feed(cl:finished()))
   assert.is_true(sv:status().handshake_done)
   return cl:tickets(sv:output()), cl, flight
end

-- A ticket from a fresh server with these options (the server is returned too).
local function ticket_from(opts, hello_opts)
   local sv = server(opts)
   local tickets = full(sv, hello_opts)
   return tickets[1], sv
end

local function types_of(msgs)
   local t = {}
   for i, m in ipairs(msgs) do t[i] = m.type end
   return t
end

-- Offers psks to sv (hello options); returns the client and the flight.
local function resume(sv, hello_opts)
   local cl = P.client()
   assert(sv:feed(cl:hello(E.merge({ server_name = "localhost" }, hello_opts))))
   return cl, cl:receive(sv:output())
end

-- Engine sv refused the hello of options hello_opts with this alert and reason.
local function refused(sv, hello_opts, alert, reason)
   local cl = P.client()
   local ok, msg = sv:feed(cl:hello(E.merge({ server_name = "localhost" }, hello_opts)))
   E.assert_failed(sv, ok, msg, alert, reason)
   assert.equal(alert, E.alert_sent(B.fake_client(), sv:output()))
end

describe("TLS 1.3 server: NewSessionTicket", function()
   it("sends two tickets after the client's Finished, each with its own nonce, age_add and ticket", function()
      local sv, events = server()
      local tickets = full(sv)
      assert.equal(2, #tickets)
      assert.equal(7200, tickets[1].lifetime)
      assert.not_equal(tickets[1].nonce, tickets[2].nonce)
      assert.not_equal(tickets[1].ticket, tickets[2].ticket)
      assert.not_equal(tickets[1].psk, tickets[2].psk)
      assert.equal("", tickets[1].ext)
      local sent = events_of(events, "NewSessionTicket")
      assert.equal(2, #sent)
      assert.equal("7200 s", sent[1].lifetime)
      assert.equal("no", sent[1].early_data)
   end)

   it("sends as many tickets as 'tickets' says, with 'ticket_lifetime'", function()
      local tickets = full(server { tickets = 3, ticket_lifetime = 60 })
      assert.equal(3, #tickets)
      assert.equal(60, tickets[3].lifetime)
   end)

   it("sends none with tickets = 0", function()
      local sv, events = server { tickets = 0 }
      assert.same({}, (full(sv)))
      assert.same({}, events_of(events, "NewSessionTicket"))
   end)

   it("allows early data in its tickets (max_early_data) with early_data = true", function()
      local sv, events = server { early_data = true, max_early_data = 1000 }
      local tickets = full(sv)
      -- rfc8446#4.2.10: extension early_data (42) with a uint32 max_early_data_size
      assert.equal(B.u16(42) .. B.u16(4) .. string.pack(">I4", 1000), tickets[1].ext)
      assert.equal("allowed", events_of(events, "NewSessionTicket")[1].early_data)
   end)
end)

describe("TLS 1.3 server: resuming with a ticket", function()
   it("resumes: pre_shared_key selected, key_share, no Certificate, and new tickets after", function()
      local t, sv1 = ticket_from()
      local sv2, events = server()
      local cl, flight = resume(sv2, { psks = { t } })
      assert.equal(0, cl.selected)
      assert.truthy(flight.sh.ext[B.EXT.key_share])
      -- EncryptedExtensions and Finished: no CertificateRequest, Certificate, CertificateVerify
      assert.same({ B.HS.encrypted_extensions, B.HS.finished }, types_of(flight.msgs))
      assert(sv2:feed(cl:finished()))
      assert.is_true(sv2:status().handshake_done)
      local info = sv2:info()
      assert.is_true(info.resumed)
      assert.equal("TLS_AES_128_GCM_SHA256", info.cipher)
      assert.equal("ECDHE", info.key_exchange)
      assert.is_nil(info.signature)
      assert.same({ "resumed: ticket 0 accepted (psk_dhe_ke)" }, decisions(events))
      -- rfc8446#4.6.1: a resumed connection gets tickets of its own, which resume too
      local again = cl:tickets(sv2:output())
      assert.equal(2, #again)
      local cl3 = resume(server(), { psks = { again[2] } })
      assert.is_true(cl3.resumed)
      assert.is_false(sv1:info().resumed)
   end)

   it("asks no client certificate in a resumed handshake (verify = \"optional\")", function()
      local t = ticket_from()
      local opts = { verify = "optional", ca = E.CERT }
      local sv = server(opts)
      local cl, flight = resume(sv, { psks = { t } })
      assert.same({ B.HS.encrypted_extensions, B.HS.finished }, types_of(flight.msgs))
      assert(sv:feed(cl:finished()))
      assert.is_true(sv:info().resumed)
   end)

   it("takes the first identity it can use", function()
      local t = ticket_from()
      local junk = { ticket = ("j"):rep(80), psk = ("x"):rep(32), suite = t.suite, age_add = 0 }
      local sv, events = server()
      local cl = resume(sv, { psks = { junk, t } })
      assert.equal(1, cl.selected)
      assert.same({ "full handshake: ticket 0: not a ticket of ours (unknown or dropped key, or altered)",
                    "resumed: ticket 1 accepted (psk_dhe_ke)" }, decisions(events))
   end)

   it("resumes on another server holding the same ticket keys", function()
      local t = ticket_from { ticket_keys = { KEY_A } }
      local cl = resume(server { ticket_keys = { KEY_B, KEY_A } }, { psks = { t } })
      assert.is_true(cl.resumed)
   end)

   it("resumes after a HelloRetryRequest, with the binder over message_hash and the HelloRetryRequest", function()
      local t = ticket_from()
      local sv = server { groups = "x25519" }
      local cl = P.client()
      -- a secp256r1 share only: the server asks for x25519
      local p256 = { B.GROUP.secp256r1, "\4" .. ("\1"):rep(64) }
      local hello = { server_name = "localhost", psks = { t }, groups = { B.GROUP.secp256r1, B.GROUP.x25519 } }
      assert(sv:feed(cl:hello(E.merge({ shares = { p256 } }, hello))))
      assert.is_true(cl:receive(sv:output()).hrr)
      assert(sv:feed(cl:hello(hello)))
      local flight = cl:receive(sv:output())
      assert.is_true(cl.resumed)
      assert.same({ B.HS.encrypted_extensions, B.HS.finished }, types_of(flight.msgs))
      assert(sv:feed(cl:finished()))
      assert.is_true(sv:info().resumed)
      assert.is_true(sv:info().hello_retry)
   end)

   it("chooses a suite with the session's hash (TLS_AES_256_GCM_SHA384) over its preferred one", function()
      local t = ticket_from({}, { suites = { AES256 } })
      assert.equal("TLS_AES_256_GCM_SHA384", t.suite)
      local sv = server()
      local cl, flight = resume(sv, { psks = { t }, suites = { AES128, CHACHA, AES256 } })
      assert.is_true(cl.resumed)
      assert.equal(AES256, flight.sh.suite)
   end)

   it("resumes without signature_algorithms, which only a certificate needs (rfc8446#9.2)", function()
      local t = ticket_from()
      local cl = resume(server(), { psks = { t }, sigalgs = false })
      assert.is_true(cl.resumed)
   end)
end)

describe("TLS 1.3 server: psk_ke", function()
   it("resumes without ECDHE when psk_ke = true and the client offers psk_ke", function()
      local t = ticket_from()
      local sv, events = server { psk_ke = true }
      -- no supported_groups or key_share: allowed with psk_ke (rfc8446#9.2)
      local cl, flight = resume(sv, { psks = { t }, modes = { 0 }, groups = false, shares = false })
      assert.is_true(cl.resumed)
      assert.is_nil(flight.sh.ext[B.EXT.key_share])
      assert(sv:feed(cl:finished()))
      assert.equal("PSK", sv:info().key_exchange)
      assert.is_nil(sv:info().group)
      assert.same({ "resumed: ticket 0 accepted (psk_ke: no ECDHE)" }, decisions(events))
   end)

   it("prefers psk_ke when psk_ke = true and the client offers both (as OpenSSL's server does)", function()
      local t = ticket_from()
      local cl, flight = resume(server { psk_ke = true }, { psks = { t }, modes = { 1, 0 } })
      assert.is_true(cl.resumed)
      assert.is_nil(flight.sh.ext[B.EXT.key_share])
   end)

   it("uses psk_dhe_ke when psk_ke = false and the client offers both", function()
      local t = ticket_from()
      local cl, flight = resume(server(), { psks = { t }, modes = { 0, 1 } })
      assert.is_true(cl.resumed)
      assert.truthy(flight.sh.ext[B.EXT.key_share])
   end)

   it("does a full handshake when the client offers only psk_ke and psk_ke = false", function()
      local t = ticket_from()
      local sv, events = server()
      local cl, flight = resume(sv, { psks = { t }, modes = { 0 } })
      assert.is_nil(cl.resumed)
      assert.equal(B.HS.certificate, flight.msgs[2].type)
      assert.same({ "full handshake: ticket 0: the client offers only psk_ke, and psk_ke = false" },
         decisions(events))
   end)
end)

describe("TLS 1.3 server: tickets it declines (a full handshake)", function()
   local function declined(sv, events, hello_opts, reason)
      local cl, flight = resume(sv, hello_opts)
      assert.is_nil(cl.resumed)
      assert.is_nil(flight.sh.ext[B.EXT.pre_shared_key])
      assert.equal(B.HS.certificate, flight.msgs[2].type)
      assert(sv:feed(cl:finished()))
      assert.is_true(sv:status().handshake_done)
      assert.is_false(sv:info().resumed)
      local got = decisions(events)
      assert.equal(1, #got)
      assert.matches("^full handshake: ticket 0: " .. reason .. "$", got[1])
   end

   it("a ticket sealed under a key it no longer holds", function()
      local t = ticket_from { ticket_keys = { KEY_A } }
      local sv, events = server { ticket_keys = { KEY_B } }
      declined(sv, events, { psks = { t } }, "not a ticket of ours %(unknown or dropped key, or altered%)")
   end)

   it("an altered ticket", function()
      local t = ticket_from()
      t.ticket = t.ticket:sub(1, 40) .. string.char(t.ticket:byte(41) ~ 1) .. t.ticket:sub(42)
      local sv, events = server()
      declined(sv, events, { psks = { t } }, "not a ticket of ours %(unknown or dropped key, or altered%)")
   end)

   it("an expired ticket", function()
      local t = ticket_from { ticket_keys = { KEY_A }, ticket_lifetime = 60 }
      local events = {}
      local ctx = E.server_ctx { ticket_keys = { KEY_A }, trace = function(ev) events[#events + 1] = ev end }
      ctx:set_clock_offset(61)
      declined(assert(tls.engine(ctx)), events, { psks = { t }, }, "ticket expired %(lifetime 60 s%)")
   end)

   it("a ticket whose age the client misstates by more than the window", function()
      local t = ticket_from()
      t.age_ms = 60000
      local sv, events = server()
      declined(sv, events, { psks = { t } },
         "the client's ticket age %(60000 ms%) is not ours %(%d+ ms%) within 10 s")
   end)

   it("accepts a ticket age a few seconds off", function()
      local t = ticket_from()
      t.age_ms = 5000
      local cl = resume(server(), { psks = { t } })
      assert.is_true(cl.resumed)
   end)

   it("a ticket made for another server name", function()
      local t = ticket_from()
      local sv, events = server()
      declined(sv, events, { psks = { t }, server_name = "other.example" },
         "ticket made for server name 'localhost', not 'other.example'")
   end)

   it("a ticket whose hash no offered suite has (TLS_AES_256_GCM_SHA384, SHA-256 suites offered)", function()
      local t = ticket_from({}, { suites = { AES256 } })
      local sv, events = server()
      declined(sv, events, { psks = { t }, suites = { AES128, CHACHA } },
         "no cipher suite in common with the client has the session's hash %(SHA2%-384%)")
   end)

   it("a session without a verified client certificate when verify = \"required\"", function()
      local t = ticket_from()
      local sv, events = server { verify = "required", ca = E.CERT }
      local cl, flight = resume(sv, { psks = { t } })
      assert.is_nil(cl.resumed)
      assert.equal(13, flight.msgs[2].type) -- CertificateRequest
      assert.same({ "full handshake: ticket 0: the session has no verified client certificate, "
                    .. "and verify = \"required\"" }, decisions(events))
   end)

   it("every ticket when tickets = 0", function()
      local t = ticket_from { ticket_keys = { KEY_A } }
      local sv, events = server { ticket_keys = { KEY_A }, tickets = 0 }
      local cl = resume(sv, { psks = { t } })
      assert.is_nil(cl.resumed)
      assert.same({ "full handshake: tickets = 0: this server does not resume sessions" }, decisions(events))
   end)

   it("needs signature_algorithms for the full handshake it falls back to", function()
      local t = ticket_from { ticket_keys = { KEY_A } }
      refused(server { ticket_keys = { KEY_B } }, { psks = { t }, sigalgs = false }, "missing_extension",
         "ClientHello has no signature_algorithms")
   end)
end)

describe("TLS 1.3 server: PSK offers it refuses", function()
   it("a wrong binder is decrypt_error", function()
      local t = ticket_from()
      refused(server(), { psks = { t }, binders = function(b)
         b[1] = string.char(b[1]:byte(1) ~ 0x80) .. b[1]:sub(2)
         return b
      end }, "decrypt_error",
         "the binder of PSK identity 0 does not match: the client does not hold the ticket's key")
   end)

   it("a binder computed with another PSK is decrypt_error", function()
      local t = ticket_from()
      t.psk = ("k"):rep(32)
      refused(server(), { psks = { t } }, "decrypt_error",
         "the binder of PSK identity 0 does not match: the client does not hold the ticket's key")
   end)

   it("a binder of the wrong length is decrypt_error", function()
      local t = ticket_from()
      refused(server(), { psks = { t }, binders = function(b) return { b[1] .. "x" } end }, "decrypt_error",
         "the binder of PSK identity 0 does not match: the client does not hold the ticket's key")
   end)

   it("a wrong binder in the second ClientHello (after HelloRetryRequest) is decrypt_error", function()
      local t = ticket_from()
      local sv = server { groups = "x25519" }
      local cl = P.client()
      local hello = { server_name = "localhost", psks = { t }, groups = { B.GROUP.secp256r1, B.GROUP.x25519 } }
      assert(sv:feed(cl:hello(E.merge({ shares = { { B.GROUP.secp256r1, "\4" .. ("\1"):rep(64) } } }, hello))))
      assert.is_true(cl:receive(sv:output()).hrr)
      -- the binder the first ClientHello's transcript would give: not this one's
      -- the binder over the second hello alone, as if there had been no HelloRetryRequest
      local ok, msg = sv:feed(cl:hello(E.merge({ binders = function(_, truncated)
         return { P.binder(R.suite(t.suite), t.psk, "", truncated) }
      end }, hello)))
      E.assert_failed(sv, ok, msg, "decrypt_error",
         "the binder of PSK identity 0 does not match: the client does not hold the ticket's key")
   end)

   it("binders and identities in different numbers are illegal_parameter", function()
      local t = ticket_from()
      refused(server(), { psks = { t }, binders = function(b) return { b[1], b[1] } end }, "illegal_parameter",
         "ClientHello pre_shared_key has 1 identities and 2 binders")
   end)

   it("pre_shared_key without psk_key_exchange_modes is missing_extension", function()
      local t = ticket_from()
      refused(server(), { psks = { t }, modes = false }, "missing_extension",
         "ClientHello has pre_shared_key without psk_key_exchange_modes")
   end)

   it("pre_shared_key that is not the last extension is illegal_parameter", function()
      local t = ticket_from()
      refused(server(), { psks = { t }, after = { { B.EXT.padding, "\0\0" } } },
         "illegal_parameter", "pre_shared_key is not the last extension")
   end)

   local MALFORMED_PSK = {
      { "empty", "" },
      { "without binders", B.vec(2, B.vec(2, "id") .. "\0\0\0\0") },
      { "with an empty identity list", B.vec(2, "") .. B.vec(2, B.vec(1, ("\0"):rep(32))) },
      { "with an empty binder list", B.vec(2, B.vec(2, "id") .. "\0\0\0\0") .. B.vec(2, "") },
      { "with trailing bytes", B.vec(2, B.vec(2, "id") .. "\0\0\0\0") .. B.vec(2, B.vec(1, ("\0"):rep(32))) .. "\0" },
      { "with a list length past the end", B.vec(2, B.vec(2, "id") .. "\0\0\0\0", 1) .. B.vec(2, B.vec(1, ("\0"):rep(32))) },
   }
   for _, case in ipairs(MALFORMED_PSK) do
      it("pre_shared_key " .. case[1] .. " is decode_error", function()
         refused(server(), { psk_body = case[2] }, "decode_error", "ClientHello pre_shared_key is malformed")
      end)
   end

   it("a pre_shared_key identity of 0 bytes is decode_error", function()
      refused(server(), { psk_body = B.vec(2, B.vec(2, "") .. "\0\0\0\0") .. B.vec(2, B.vec(1, ("\0"):rep(32))) },
         "decode_error", "ClientHello pre_shared_key identity is malformed")
   end)

   it("a pre_shared_key identity without its age is decode_error", function()
      refused(server(), { psk_body = B.vec(2, B.vec(2, "id") .. "\0\0") .. B.vec(2, B.vec(1, ("\0"):rep(32))) },
         "decode_error", "ClientHello pre_shared_key identity is malformed")
   end)

   it("a pre_shared_key binder shorter than 32 bytes is decode_error", function()
      refused(server(), { psk_body = B.vec(2, B.vec(2, "id") .. "\0\0\0\0") .. B.vec(2, B.vec(1, ("\0"):rep(31))) },
         "decode_error", "ClientHello pre_shared_key binder is malformed")
   end)

   local MALFORMED_MODES = {
      { "empty", "" },
      { "with an empty list", B.vec(1, "") },
      { "with trailing bytes", B.vec(1, "\1") .. "\1" },
      { "with a list length past the end", B.vec(1, "\1", 1) },
   }
   for _, case in ipairs(MALFORMED_MODES) do
      it("psk_key_exchange_modes " .. case[1] .. " is decode_error", function()
         refused(server(), { modes_body = case[2] }, "decode_error", "ClientHello psk_key_exchange_modes is malformed")
      end)
   end
end)
