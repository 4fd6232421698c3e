-- TLS 1.3 server resumption (RFC 8446 §2.2, §4.2.9, §4.2.11, §4.6.1, §8):
-- NewSessionTickets, the pre_shared_key a server accepts or declines (a
-- full handshake, never an error), the binder (decrypt_error), malformed
-- offers, psk_ke; first against the scripted client of
-- spec/support/psk13.lua (binders computed on spec/support/ref13.lua), then
-- against openssl s_client, Python's ssl and gnutls-cli.
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local P = require "spec.support.psk13"
local R = require "spec.support.ref13"
local proc = require "spec.support.proc"

local AES128, AES256, CHACHA = B.SUITE.aes128gcm, B.SUITE.aes256gcm, B.SUITE.chacha
local KEY_A = ("A"):rep(16) .. ("a"):rep(24) .. "01234567"
local KEY_B = ("B"):rep(16) .. ("b"):rep(24) .. "01234567"

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
-- received, the client and the server's flight (spec/support/psk13.lua).
local full = P.full

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
      local sv, events = server { early_data = true, max_early_data = 1000, session_store = tls.store.memory() }
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
      -- rfc8446#4.6.1: a resumed connection gets a ticket of its own, which resumes too;
      -- one (as libssl), not 'tickets' (2): it replaces the one just used
      local again = cl:tickets(sv2:output())
      assert.equal(1, #again)
      local cl3 = resume(server(), { psks = { again[1] } })
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

   it("tries at most 8 identities", function()
      local t = ticket_from()
      local psks = {}
      for i = 1, 8 do psks[i] = { ticket = ("j"):rep(80) .. i, psk = ("x"):rep(32), suite = t.suite, age_add = 0 } end
      psks[9] = t
      local sv, events = server()
      local cl = resume(sv, { psks = psks })
      assert.is_nil(cl.resumed)
      assert.equal(8, #decisions(events))
      table.remove(psks, 1)
      assert.is_true((resume(server(), { psks = psks })).resumed)
   end)

   it("negotiates ALPN afresh: a session made with h2 resumes with http/1.1", function()
      local function alpn(name) return { 16, B.vec(2, B.vec(1, name)) } end
      local opts = { alpn = { "h2", "http/1.1" } }
      local t = ticket_from(opts, { extra = { alpn("h2") } })
      local sv = server(opts)
      local cl = resume(sv, { psks = { t }, extra = { alpn("http/1.1") } })
      assert.is_true(cl.resumed)
      assert(sv:feed(cl:finished()))
      assert.is_true(sv:info().resumed)
      assert.equal("http/1.1", sv:info().alpn)
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
      CTXM.set_clock_offset(ctx, 61)
      declined(assert(tls.engine(ctx)), events, { psks = { t }, }, "ticket expired %(lifetime 60 s%)")
   end)

   it("not a ticket whose age the client misstates by more than the window: resumed, only 0-RTT needs the age", function()
      local t = ticket_from()
      t.age_ms = 60000
      local sv, events = server()
      local cl = resume(sv, { psks = { t } })
      assert.is_true(cl.resumed)
      local got = decisions(events)
      assert.equal(1, #got)
      assert.matches("^resumed: ticket 0 accepted %(psk_dhe_ke%); the client's ticket age %(60000 ms%) is not "
         .. "ours %(%d+ ms%) within 10 s: no 0%-RTT$", got[1])
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

---------------------------------------------------------------------------
-- Real peers, against our server in a separate process (spec/support/resume13_server.lua)
---------------------------------------------------------------------------
local certs = require "spec.support.certs"

local HEX_A = B.hex(KEY_A)
local HEX_B = B.hex(KEY_B)

-- Starts our server; opts as resume13_server.lua's arguments. Returns the
-- process handle and the port.
local function start(opts)
   local c = certs.get()
   local args = { "cert=" .. c.leaf.ecdsa_p256.cert, "key=" .. c.leaf.ecdsa_p256.key, "keys=" .. HEX_A }
   for k, v in pairs(opts or {}) do args[#args + 1] = k .. "=" .. v end
   for i, a in ipairs(args) do args[i] = proc.quote(a) end
   local h = proc.spawn(string.format("%s %s spec/support/resume13_server.lua %s", proc.lua_env(), proc.lua(),
      table.concat(args, " ")), { ours = true })
   return h, tonumber(proc.wait_output(h, "ready (%d+)"))
end

-- The server's "info" lines (one per connection), and its "decide" lines.
local function infos(h, n)
   proc.wait_output(h, ("info [^\n]*\n.-"):rep(n))
   local out = {}
   for line in h:output():gmatch("info ([^\n]*)") do out[#out + 1] = line end
   return out
end

local function decides(h)
   local out = {}
   for line in h:output():gmatch("decide ([^\n]*)") do out[#out + 1] = line end
   return out
end

describe("TLS 1.3 server resumption with openssl s_client", function()
   after_each(proc.kill_all)
   local sess

   before_each(function() sess = proc.tmpname() end)
   after_each(function() os.remove(sess) end)

   -- s_client against port; extra arguments.
   local function s_client(port, extra)
      return proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -tls1_3 -CAfile %s -ign_eof %s",
         port, certs.get().ca, extra), "hello\n")
   end
   local function out_in(port, first, second)
      local out1 = s_client(port, "-servername localhost -sess_out " .. sess .. " " .. (first or ""))
      assert.truthy(out1:find("New, TLSv1.3", 1, true), out1)
      return s_client(port, "-sess_in " .. sess .. " " .. (second or "-servername localhost"))
   end

   it("resumes: s_client reports \"Reused, TLSv1.3\" and info().resumed is true", function()
      local h, port = start()
      local out = out_in(port)
      assert.truthy(out:find("Reused, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256", 1, true), out)
      assert.truthy(out:find("\nhello\n", 1, true), out)
      local i = infos(h, 2)
      assert.matches("^resumed=false ", i[1])
      assert.matches("^resumed=true version=TLSv1.3 cipher=TLS_AES_128_GCM_SHA256 key_exchange=ECDHE group=x25519", i[2])
      assert.same({ "resumed: ticket 0 accepted (psk_dhe_ke)" }, decides(h))
   end)

   it("does not resume with tickets = 0", function()
      local h, port = start { tickets = 0 }
      local out = s_client(port, "-servername localhost -sess_out " .. sess)
      assert.truthy(out:find("New, TLSv1.3", 1, true), out)
      assert.falsy(out:find("New Session Ticket", 1, true), out)
      -- nothing to resume: s_client does not even write a session
      assert.equal("", proc.read_file(sess))
      assert.matches("^resumed=false ", infos(h, 1)[1])
      assert.falsy(h:output():find("ticket ", 1, true))
   end)

   it("resumes with psk_ke (-allow_no_dhe_kex) when psk_ke = true: no ECDHE", function()
      local h, port = start { psk_ke = "true" }
      local out = out_in(port, "-allow_no_dhe_kex", "-servername localhost -allow_no_dhe_kex")
      assert.truthy(out:find("Reused, TLSv1.3", 1, true), out)
      assert.falsy(out:find("Server Temp Key", 1, true), out)
      assert.matches("^resumed=true .* key_exchange=PSK group=nil", infos(h, 2)[2])
   end)

   it("resumes with ECDHE although s_client allows psk_ke when psk_ke = false", function()
      local h, port = start()
      local out = out_in(port, "-allow_no_dhe_kex", "-servername localhost -allow_no_dhe_kex")
      assert.truthy(out:find("Reused, TLSv1.3", 1, true), out)
      assert.truthy(out:find("Server Temp Key: X25519", 1, true), out)
      assert.matches("^resumed=true .* key_exchange=ECDHE group=x25519", infos(h, 2)[2])
   end)

   it("carries the client certificate of mutual TLS over to the resumed connection", function()
      local m = certs.clients()
      local h, port = start { verify = "optional", ca = m.ca }
      local cert = string.format("-cert %s -key %s", m.ecdsa.cert, m.ecdsa.key)
      local out = out_in(port, cert, "-servername localhost " .. cert)
      assert.truthy(out:find("Reused, TLSv1.3", 1, true), out)
      local i = infos(h, 2)
      assert.matches("^resumed=false .* peer=CN=luatls client verified=true", i[1])
      assert.matches("^resumed=true .* peer=CN=luatls client verified=true", i[2])
   end)

   it("falls back to a full handshake for a ticket under a key it no longer holds", function()
      local h1, port1 = start()
      local out1 = s_client(port1, "-servername localhost -sess_out " .. sess)
      assert.truthy(out1:find("New, TLSv1.3", 1, true), out1)
      infos(h1, 1)
      local h2, port2 = start { keys = HEX_B }
      local out = s_client(port2, "-servername localhost -sess_in " .. sess)
      assert.truthy(out:find("New, TLSv1.3", 1, true), out)
      assert.truthy(out:find("\nhello\n", 1, true), out)
      assert.matches("^resumed=false ", infos(h2, 1)[1])
      assert.same({ "full handshake: ticket 0: not a ticket of ours (unknown or dropped key, or altered)" },
         decides(h2))
   end)

   it("resumes on a second server holding the key among older ones", function()
      local _, port1 = start()
      assert.truthy(s_client(port1, "-servername localhost -sess_out " .. sess):find("New, TLSv1.3", 1, true))
      local h2, port2 = start { keys = HEX_B .. "," .. HEX_A }
      local out = s_client(port2, "-servername localhost -sess_in " .. sess)
      assert.truthy(out:find("Reused, TLSv1.3", 1, true), out)
      assert.matches("^resumed=true ", infos(h2, 1)[1])
   end)

   it("falls back to a full handshake for an expired ticket", function()
      local _, port1 = start { lifetime = 60 }
      assert.truthy(s_client(port1, "-servername localhost -sess_out " .. sess):find("New, TLSv1.3", 1, true))
      local h2, port2 = start { clock = 61 }
      local out = s_client(port2, "-servername localhost -sess_in " .. sess)
      assert.truthy(out:find("New, TLSv1.3", 1, true), out)
      assert.matches("^resumed=false ", infos(h2, 1)[1])
      assert.same({ "full handshake: ticket 0: ticket expired (lifetime 60 s)" }, decides(h2))
   end)

   it("falls back to a full handshake for another server name", function()
      local h, port = start()
      local out = out_in(port, nil, "-servername other.example")
      assert.truthy(out:find("New, TLSv1.3", 1, true), out)
      assert.matches("^resumed=false ", infos(h, 2)[2])
      assert.same({ "full handshake: ticket 0: ticket made for server name 'localhost', not 'other.example'" },
         decides(h))
   end)

   it("falls back to a full handshake when the session's suite has a hash no offered suite has", function()
      local h, port = start()
      local out = out_in(port, "-ciphersuites TLS_AES_256_GCM_SHA384",
         "-servername localhost -ciphersuites TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256")
      assert.truthy(out:find("New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256", 1, true), out)
      assert.matches("^resumed=false ", infos(h, 2)[2])
      assert.same({ "full handshake: ticket 0: no cipher suite in common with the client has the session's hash "
                    .. "(SHA2-384)" }, decides(h))
   end)
end)

describe("TLS 1.3 server resumption with other clients", function()
   after_each(proc.kill_all)

   it("Python's ssl resumes (session=, session_reused)", function()
      local h, port = start()
      local script = proc.tmpname()
      proc.write_file(script, [[
import ssl, socket, sys
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
def once(session=None):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost",
                        session=session)
    s.sendall(b"ping\n")
    data = s.recv(100)
    print("reused=%s echo=%s" % (s.session_reused, data.decode().strip()))
    sess = s.session
    s.close()
    return sess
once(once())
]])
      local out = proc.run(string.format("%s %s %d %s", require("spec.support.peers").python(), script, port,
         certs.get().ca))
      os.remove(script)
      assert.equal("reused=False echo=ping\nreused=True echo=ping\n", out)
      assert.matches("^resumed=true ", infos(h, 2)[2])
   end)

   it("gnutls-cli --resume resumes", function()
      local h, port = start()
      local out = proc.run(string.format("gnutls-cli --x509cafile %s -p %d localhost --resume",
         certs.get().ca, port), "hello\n")
      assert.truthy(out:find("*** This is a resumed session", 1, true), out)
      assert.matches("^resumed=true ", infos(h, 2)[2])
   end)
end)
