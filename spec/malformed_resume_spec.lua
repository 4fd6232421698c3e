-- Hostile resumption input, one case per malformation, each with the exact
-- alert the RFCs ask for (RFC 8446 §4.2.9, §4.2.10, §4.2.11, §4.6.1; RFC
-- 5077 §3; RFC 8446 §4.2's decode rules), and the inputs that must NOT fail:
-- a ticket or session a server cannot use means a full handshake, never an
-- error. In memory, with scripted peers:
--   * our TLS 1.3 server against spec/support/psk13.lua's resuming client
--     (binders computed on spec/support/ref13.lua's key schedule);
--   * our TLS 1.3 client against crafted ServerHellos, and after a
--     handshake with spec/support/tlsbytes_post.lua's scripted server, fed
--     NewSessionTickets;
--   * our TLS 1.2 server and client against spec/support/tls12_peer.lua.
-- Every refusal is checked as a Lua caller sees it (nil and a message,
-- e:error() with the alert name) and on the wire (the alert sent).
local tls = require "tls"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local P = require "spec.support.psk13"
local R = require "spec.support.ref13"
local Post = require "spec.support.tlsbytes_post"
local T = require "spec.support.tls12_peer"
local I = require("tls.core")._internal

local KEY = ("K"):rep(16) .. ("k"):rep(24) .. "01234567"
local NST = 4

-- Our server with a fixed ticket key (E.server_ctx options plus opts), and
-- the trace events it emits.
local function server(opts)
   local o, events = E.traced(E.merge({ ticket_keys = { KEY } }, opts))
   return E.server_engine(o), events
end

-- The "resumption" decisions among the events, as "result: reason".
local function decisions(events)
   local out = {}
   for _, ev in ipairs(events) do
      -- TLS 1.2's final decision names what it issues instead of a reason.
      if ev.message == "resumption" then out[#out + 1] = ev.result .. ": " .. (ev.reason or ev.issues) end
   end
   return out
end

-- A full handshake of the scripted client with sv: sv is connected, and
-- the tickets it sent are returned (spec/support/psk13.lua).
local full = P.full

local function a_ticket(opts)
   return full(server(opts))[1]
end

-- The hello of these options to a fresh server must be refused with
-- exactly this alert and reason, the alert sent in the clear.
local function refused(hello_opts, alert, reason, server_opts)
   local sv = server(server_opts)
   local cl = P.client()
   local ok, msg = sv:feed(cl:hello(E.merge({ server_name = "localhost" }, hello_opts)))
   E.assert_failed(sv, ok, msg, alert, reason)
   assert.equal(alert, E.alert_sent(B.fake_client(), sv:output()))
end

-- The hello of these options gets a complete full handshake (not resumed)
-- from a fresh server; returns the server's decisions.
local function full_handshake(hello_opts, server_opts)
   local sv, events = server(server_opts)
   local cl = P.client()
   assert(sv:feed(cl:hello(E.merge({ server_name = "localhost" }, hello_opts))))
   local flight = cl:receive(sv:output())
   assert.is_nil(flight.sh.ext[B.EXT.pre_shared_key], "the server selected a PSK")
   assert.is_nil(cl.resumed)
   assert(sv:feed(cl:finished()))
   assert.is_true(sv:status().handshake_done)
   assert.is_false(sv:info().resumed)
   return decisions(events), sv
end

-- The extensions of a ClientHello message body, in order: { {type, data}, ... }.
local function hello_extensions(body)
   local pos = 2 + 32 + 1
   pos = pos + body:byte(pos) + 1                          -- legacy_session_id
   pos = pos + 2 + string.unpack(">I2", body, pos)         -- cipher_suites
   pos = pos + 1 + body:byte(pos)                          -- legacy_compression_methods
   local stop = pos + 2 + string.unpack(">I2", body, pos)
   pos = pos + 2
   local out = {}
   while pos < stop do
      local t, l = string.unpack(">I2I2", body, pos)
      out[#out + 1] = { t, body:sub(pos + 4, pos + 3 + l) }
      pos = pos + 4 + l
   end
   return out
end

-- The ClientHello message in a record.
local function hello_message(record)
   return B.parse_handshakes(B.parse_records(record)[1].body)[1]
end

-- A valid pre_shared_key extension body for ticket t, as P.client sends it.
local function psk_body_of(t)
   local exts = hello_extensions(hello_message(P.client():hello { server_name = "localhost", psks = { t } }).body)
   assert.equal(B.EXT.pre_shared_key, exts[#exts][1])
   return exts[#exts][2]
end

---------------------------------------------------------------------------
-- TLS 1.3 server: pre_shared_key, psk_key_exchange_modes, early_data
---------------------------------------------------------------------------
describe("our TLS 1.3 server, given a hostile pre_shared_key", function()
   it("(sanity) resumes the scripted client's well-formed offer", function()
      local t = a_ticket()
      local sv = server()
      local cl = P.client()
      assert(sv:feed(cl:hello { server_name = "localhost", psks = { t } }))
      cl:receive(sv:output())
      assert.is_true(cl.resumed)
      assert(sv:feed(cl:finished()))
      assert.is_true(sv:info().resumed)
   end)

   it("one identity and two binders is illegal_parameter", function()
      local t = a_ticket()
      refused({ psks = { t }, binders = function(b) return { b[1], b[1] } end }, "illegal_parameter",
         "ClientHello pre_shared_key has 1 identities and 2 binders")
   end)

   it("two identities and one binder is illegal_parameter", function()
      local t = a_ticket()
      refused({ psks = { t, t }, binders = function(b) return { b[1] } end }, "illegal_parameter",
         "ClientHello pre_shared_key has 2 identities and 1 binders")
   end)

   it("a pre_shared_key cut short at every length is decode_error", function()
      local body = psk_body_of(a_ticket())
      for n = 0, #body - 1 do
         local sv = server()
         local ok, msg = sv:feed(P.client():hello { server_name = "localhost", psk_body = body:sub(1, n) })
         E.assert_failed(sv, ok, msg, "decode_error", "ClientHello pre_shared_key is malformed")
      end
   end)

   it("a pre_shared_key whose extension length runs past the extensions block is decode_error", function()
      local t = a_ticket()
      -- The last extension claims one byte more than the hello holds: the
      -- extensions block no longer parses.
      local msg = hello_message(P.client():hello { server_name = "localhost", psks = { t } })
      local exts = hello_extensions(msg.body)
      local body = exts[#exts][2]
      local at = msg.raw:find(B.u16(B.EXT.pre_shared_key) .. B.u16(#body), 1, true)
      local bad = msg.raw:sub(1, at + 1) .. B.u16(#body + 1) .. msg.raw:sub(at + 4)
      local sv = server()
      local ok, err = sv:feed(B.record(B.CT.handshake, bad, { version = 0x0301 }))
      E.assert_failed(sv, ok, err, "decode_error", "ClientHello: malformed extension block")
      assert.equal("decode_error", E.alert_sent(B.fake_client(), sv:output()))
   end)

   for _, after in ipairs {
      { "padding", { B.EXT.padding, "\0\0" } },
      { "early_data", { B.EXT.early_data, "" } },
      { "an unknown extension", { 0xfafa, "x" } },
   } do
      it("pre_shared_key followed by " .. after[1] .. " is illegal_parameter", function()
         local t = a_ticket()
         refused({ psks = { t }, after = { after[2] } }, "illegal_parameter", "pre_shared_key is not the last extension")
      end)
   end

   it("an empty identities list is decode_error", function()
      refused({ psk_body = B.vec(2, "") .. B.vec(2, B.vec(1, ("\0"):rep(32))) }, "decode_error",
         "ClientHello pre_shared_key is malformed")
   end)

   it("an empty binders list is decode_error", function()
      refused({ psk_body = B.vec(2, B.vec(2, "id") .. "\0\0\0\0") .. B.vec(2, "") }, "decode_error",
         "ClientHello pre_shared_key is malformed")
   end)

   it("a binder shorter than 32 bytes is decode_error (rfc8446#4.2.11: PskBinderEntry<32..255>)", function()
      local t = a_ticket()
      refused({ psks = { t }, binders = function(b) return { b[1]:sub(1, 31) } end }, "decode_error",
         "ClientHello pre_shared_key binder is malformed")
   end)

   for _, len in ipairs { 33, 48, 255 } do
      it("a binder of " .. len .. " bytes for a SHA-256 ticket is decrypt_error", function()
         local t = a_ticket()
         refused({ psks = { t }, binders = function(b) return { (b[1] .. ("\0"):rep(len)):sub(1, len) } end },
            "decrypt_error", "the binder of PSK identity 0 does not match: the client does not hold the ticket's key")
      end)
   end

   it("an identity of 0 bytes is decode_error (PskIdentity.identity<1..2^16-1>)", function()
      refused({ psk_body = B.vec(2, B.vec(2, "") .. "\0\0\0\0") .. B.vec(2, B.vec(1, ("\0"):rep(32))) },
         "decode_error", "ClientHello pre_shared_key identity is malformed")
   end)

   -- A bogus identity costs the server an AEAD open: it looks at the first
   -- TLS13_PSK_MAX_TRIED (8) only, and the rest of the list is just parsed.
   local function unknown_identities(n)
      local psks = {}
      for i = 1, n do
         psks[i] = { ticket = string.format("%04d", i) .. ("u"):rep(96), psk = ("p"):rep(32),
                     suite = "TLS_AES_128_GCM_SHA256", age_add = i }
      end
      return psks
   end

   it("a huge list of unknown identities is not an error: a full handshake", function()
      -- 400 identities of 100 bytes and their binders: about 55 KB of
      -- pre_shared_key, a ClientHello over four records; all legal.
      local decided = full_handshake { psks = unknown_identities(400) }
      assert.equal(8, #decided)
      for i, d in ipairs(decided) do
         assert.equal(string.format("full handshake: ticket %d: not a ticket of ours (unknown or dropped key, "
            .. "or altered)", i - 1), d)
      end
   end)

   it("takes a good ticket after 7 unknown identities (selected_identity 7)", function()
      local t = a_ticket()
      local psks = unknown_identities(7)
      psks[8] = t
      local sv = server()
      local cl = P.client()
      assert(sv:feed(cl:hello { server_name = "localhost", psks = psks }))
      cl:receive(sv:output())
      assert.equal(7, cl.selected)
      assert(sv:feed(cl:finished()))
      assert.is_true(sv:info().resumed)
   end)

   it("a good ticket after 399 unknown identities is past the ones it tries: a full handshake", function()
      local psks = unknown_identities(399)
      psks[400] = a_ticket()
      local decided = full_handshake { psks = psks }
      assert.equal(8, #decided)
   end)

   it("identities that are random bytes are not an error: a full handshake", function()
      local psks = {}
      for i = 1, 8 do
         psks[i] = { ticket = I.random(i * 17), psk = ("p"):rep(32),
                     suite = "TLS_AES_128_GCM_SHA256", age_add = i * 7919 }
      end
      full_handshake { psks = psks }
   end)
end)

describe("our TLS 1.3 server, given a hostile psk_key_exchange_modes", function()
   local MALFORMED = {
      { "empty", "" },
      { "with an empty list (ke_modes<1..255>)", B.vec(1, "") },
      { "with trailing bytes", B.vec(1, "\1") .. "\1" },
      { "with a list length past the end", B.vec(1, "\1", 1) },
      { "with a list length short of the end", B.vec(1, "\1\0", -1) },
   }
   for _, case in ipairs(MALFORMED) do
      it(case[1] .. " is decode_error", function()
         local t = a_ticket()
         refused({ psks = { t }, modes_body = case[2] }, "decode_error",
            "ClientHello psk_key_exchange_modes is malformed")
      end)
   end

   it("malformed even without pre_shared_key is decode_error", function()
      refused({ modes_body = B.vec(1, "") }, "decode_error", "ClientHello psk_key_exchange_modes is malformed")
   end)

   it("only unknown modes is not an error: a full handshake", function()
      local t = a_ticket()
      local decided = full_handshake { psks = { t }, modes = { 7, 255 } }
      assert.equal(1, #decided)
      assert.truthy(decided[1]:match("^full handshake: "), decided[1])
   end)

   it("a mode listed twice still resumes", function()
      local t = a_ticket()
      local sv = server()
      local cl = P.client()
      assert(sv:feed(cl:hello { server_name = "localhost", psks = { t }, modes = { 1, 1 } }))
      cl:receive(sv:output())
      assert.is_true(cl.resumed)
   end)
end)

describe("our TLS 1.3 server, given a hostile early_data extension", function()
   it("an early_data extension that is not empty is decode_error (rfc8446#4.2.10: empty in a ClientHello)",
      function()
         local t = a_ticket { early_data = true, session_store = tls.store.memory() }
         refused({ psks = { t }, extra = { { B.EXT.early_data, "\0\0\0\1" } } }, "decode_error",
            "ClientHello early_data is not empty", { early_data = true, session_store = tls.store.memory() })
      end)

   it("early_data without pre_shared_key is not an error: a full handshake, the early data skipped", function()
      local decided = full_handshake({ extra = { { B.EXT.early_data, "" } } }, { early_data = true, session_store = tls.store.memory() })
      assert.same({}, decided)
   end)
end)

---------------------------------------------------------------------------
-- TLS 1.3 client: ServerHello's pre_shared_key, EncryptedExtensions'
-- early_data, NewSessionTicket
---------------------------------------------------------------------------
-- A session text from a full handshake of our client with our server.
local function session13(server_opts)
   local c, s = E.engines(nil, E.merge({ ticket_keys = { KEY } }, server_opts))
   E.handshake(c, s)
   return assert(c:session(), "our client got no session")
end

-- Our client offering session, started: the engine and its ClientHello record.
local function offering(session)
   local cl = assert(tls.engine(assert(tls.context { mode = "client", ca = E.CERT }),
      { servername = "localhost", session = session }))
   assert(cl:start())
   return cl, cl:output()
end

-- A ServerHello answering hello with extra extensions after key_share.
local function server_hello(hello, extra)
   return B.record(B.CT.handshake, B.server_hello { session_id = B.session_id_of(hello), extra = extra })
end

describe("our TLS 1.3 client, given a hostile pre_shared_key in the ServerHello", function()
   it("(sanity) offers the session: pre_shared_key last in its hello", function()
      local _, hello = offering(session13())
      local exts = hello_extensions(hello_message(hello).body)
      assert.equal(B.EXT.pre_shared_key, exts[#exts][1])
   end)

   for _, case in ipairs {
      { "empty", "" },
      { "of one byte", "\0" },
      { "with trailing bytes", "\0\0\0" },
   } do
      it("a selected_identity " .. case[1] .. " is decode_error", function()
         local cl, hello = offering(session13())
         local ok, err = cl:feed(server_hello(hello, { { B.EXT.pre_shared_key, case[2] } }))
         E.assert_failed(cl, ok, err, "decode_error", "ServerHello pre_shared_key is malformed")
         assert.equal("decode_error", E.alert_sent(B.fake_client(), cl:output()))
      end)
   end

   it("a selected_identity past the identities offered is illegal_parameter (rfc8446#4.2.11)", function()
      local cl, hello = offering(session13())
      local ok, err = cl:feed(server_hello(hello, { { B.EXT.pre_shared_key, B.u16(1) } }))
      E.assert_failed(cl, ok, err, "illegal_parameter", "ServerHello selects PSK identity 1, we offered only one")
      assert.equal("illegal_parameter", E.alert_sent(B.fake_client(), cl:output()))
   end)

   it("a selected_identity of 65535 is illegal_parameter", function()
      local cl, hello = offering(session13())
      local ok, err = cl:feed(server_hello(hello, { { B.EXT.pre_shared_key, B.u16(0xffff) } }))
      E.assert_failed(cl, ok, err, "illegal_parameter", "ServerHello selects PSK identity 65535, we offered only one")
   end)

   it("pre_shared_key from a server the client offered none is unsupported_extension (rfc8446#4.2)", function()
      local cl = E.client_engine()
      assert(cl:start())
      local hello = cl:output()
      local ok, err = cl:feed(server_hello(hello, { { B.EXT.pre_shared_key, B.u16(0) } }))
      E.assert_failed(cl, ok, err, "unsupported_extension",
         "ServerHello: pre_shared_key extension (41), which we did not ask for")
      assert.equal("unsupported_extension", E.alert_sent(B.fake_client(), cl:output()))
   end)
end)

describe("our TLS 1.3 client, given early_data it did not ask for", function()
   it("in EncryptedExtensions of a full handshake is unsupported_extension (rfc8446#4.2)", function()
      local cl = E.client_engine()
      assert(cl:start())
      local srv = Post.fake_server(E.CERT, E.KEY)
      local ok, err = cl:feed(srv:answer(cl:output(), { { B.EXT.early_data, "" } }))
      E.assert_failed(cl, ok, err, "unsupported_extension",
         "EncryptedExtensions: early_data extension (42), which we did not ask for")
      assert.equal("unsupported_extension", E.alert_sent(srv, cl:output(), srv.client_hs))
   end)
end)

-- Our client after a full handshake with the scripted server, then fed a
-- NewSessionTicket with this body (sealed under the server's key).
local function fed_ticket(body)
   local cl, srv = E.scripted_server_handshake()
   local ok, err = cl:feed(srv:seal(srv.server_ap, B.CT.handshake, B.handshake(NST, body)))
   return cl, ok, err, srv
end

-- fed_ticket refused the ticket with alert and reason, sent (protected)
-- to the server, and left no session.
local function ticket_refused(body, alert, reason)
   local cl, ok, err, srv = fed_ticket(body)
   E.assert_failed(cl, ok, err, alert, reason)
   assert.equal(alert, E.alert_sent(srv, cl:output(), srv.client_ap))
   assert.is_nil(cl:session())
end

-- rfc8446#4.6.1: ticket_lifetime, ticket_age_add, ticket_nonce<0..255>,
-- ticket<1..2^16-1>, extensions<0..2^16-2>.
local function ticket_body(o)
   o = o or {}
   return string.pack(">I4I4", o.lifetime or 7200, o.age_add or 1234) .. B.vec(1, o.nonce or "\0")
      .. B.vec(2, o.ticket or ("t"):rep(40)) .. B.vec(2, o.extensions or "")
end

describe("our TLS 1.3 client, given a hostile NewSessionTicket", function()
   it("(sanity) takes a well-formed one as its session", function()
      local cl, ok, err = fed_ticket(ticket_body())
      assert(ok, err)
      assert.is_string(cl:session())
   end)

   -- rfc8446#4.6.1: kept for 7 days at most (alerts21: no longer illegal_parameter).
   for _, lifetime in ipairs { 604801, 0x80000000, 0xffffffff } do
      it("ticket_lifetime " .. lifetime .. " (over 7 days) is kept for 7 days, the connection goes on", function()
         local cl, ok, err = fed_ticket(ticket_body { lifetime = lifetime })
         assert(ok, err)
         assert.is_string(cl:session())
         assert.is_false(cl:status().failed)
      end)
   end

   it("ticket_lifetime of exactly 7 days is accepted", function()
      local cl, ok, err = fed_ticket(ticket_body { lifetime = 604800 })
      assert(ok, err)
      assert.is_string(cl:session())
   end)

   it("an empty ticket is decode_error (ticket<1..2^16-1>)", function()
      ticket_refused(ticket_body { ticket = "" }, "decode_error", "NewSessionTicket message is malformed")
   end)

   it("cut short at every length is decode_error", function()
      local body = ticket_body { nonce = "\1\2", extensions = B.u16(B.EXT.early_data) .. B.vec(2, "\0\0\64\0") }
      for n = 0, #body - 1 do
         ticket_refused(body:sub(1, n), "decode_error", "NewSessionTicket message is malformed")
      end
   end)

   it("with trailing bytes is decode_error", function()
      ticket_refused(ticket_body() .. "\0", "decode_error", "NewSessionTicket message is malformed")
   end)

   for _, case in ipairs {
      { "an extension cut short", B.u16(B.EXT.early_data) .. B.u16(4) .. "\0\0", "NewSessionTicket: malformed extension block" },
      { "an extension header cut short", B.u16(B.EXT.early_data) .. "\0", "NewSessionTicket: malformed extension block" },
      { "early_data of 2 bytes (max_early_data_size is a uint32)", B.u16(B.EXT.early_data) .. B.vec(2, "\0\1"),
        "NewSessionTicket early_data is malformed" },
      { "early_data of 5 bytes", B.u16(B.EXT.early_data) .. B.vec(2, "\0\0\0\1\0"),
        "NewSessionTicket early_data is malformed" },
      { "early_data empty", B.u16(B.EXT.early_data) .. B.vec(2, ""), "NewSessionTicket early_data is malformed" },
   } do
      it("with " .. case[1] .. " is decode_error", function()
         ticket_refused(ticket_body { extensions = case[2] }, "decode_error", case[3])
      end)
   end

   it("an unknown extension is ignored (rfc8446#4.6.1): the ticket is taken", function()
      local cl, ok, err = fed_ticket(ticket_body { extensions = B.u16(0xfafa) .. B.vec(2, "whatever") })
      assert(ok, err)
      assert.is_string(cl:session())
   end)

   it("a nonce of 255 bytes and a ticket of 16000 bytes are legal", function()
      local cl, ok, err = fed_ticket(ticket_body { nonce = ("n"):rep(255), ticket = ("t"):rep(16000) })
      assert(ok, err)
      assert.is_string(cl:session())
   end)
end)

---------------------------------------------------------------------------
-- TLS 1.2 server: the SessionTicket extension and session ids
---------------------------------------------------------------------------
-- A full TLS 1.2 handshake of the scripted client (hello extensions extra)
-- with sv: sv must complete it, not resumed. Returns the server's flight
-- after the client's Finished (NewSessionTicket?, CCS, Finished).
local function full12(sv, extra, session_id)
   local fake = T.client { extensions = extra }
   local hello = fake:hello()
   if session_id then
      -- the legacy session id: after the record (5) and handshake (4)
      -- headers, version (2) and random (32), an empty vector to replace.
      local at = 5 + 4 + 2 + 32 + 1
      local msg = hello:sub(6)
      msg = msg:sub(1, at - 5 - 1) .. B.vec(1, session_id) .. msg:sub(at - 5 + 1)
      msg = msg:sub(1, 1) .. B.u24(#msg - 4) .. msg:sub(5)
      fake.transcript = { msg }
      hello = B.record(B.CT.handshake, msg, { version = 0x0301 })
   end
   assert(sv:feed(hello))
   local msgs = fake:server_flight(sv:output())
   assert.equal(T.HS.certificate, msgs[2].type, "not a full handshake")
   assert(sv:feed(fake:key_exchange()))
   assert.is_true(sv:status().handshake_done, tostring(sv:error()))
   assert.is_false(sv:info().resumed)
   return sv:output()
end

local function server12(opts)
   return server(E.merge({ max_version = "TLSv1.2" }, opts))
end

-- The NewSessionTicket among a TLS 1.2 server's records, or nil.
local function ticket12_in(bytes)
   for _, r in ipairs((B.parse_records(bytes))) do
      if r.type == B.CT.handshake then
         for _, m in ipairs(B.parse_handshakes(r.body)) do
            if m.type == NST then return m.body end
         end
      end
   end
end

describe("our TLS 1.2 server, given a SessionTicket extension it cannot use", function()
   for _, case in ipairs {
      { "one byte of garbage", "\1" },
      { "200 bytes of garbage", ("\xa5"):rep(200) },
      { "garbage as long as a sealed ticket", ("g"):rep(16 + 12 + 100 + 16) },
      { "16000 bytes of garbage", ("z"):rep(16000) },
   } do
      it("holding " .. case[1] .. ": a full handshake and a new ticket, never an error", function()
         local sv, events = server12()
         local flight = full12(sv, { { T.EXT.session_ticket, case[2] } })
         local nst = ticket12_in(flight)
         assert.truthy(nst, "no NewSessionTicket")
         assert.truthy(#nst > 6)
         local d = decisions(events)
         assert.truthy(#d >= 1)
         assert.truthy(d[#d]:match("^full handshake"), d[#d])
      end)
   end

   it("holding a real ticket with one bit flipped: a full handshake", function()
      local sv1 = server12()
      local nst = assert(ticket12_in(full12(sv1, { { T.EXT.session_ticket, "" } })))
      local ticket = nst:sub(7)
      local flipped = ticket:sub(1, 20) .. string.char(ticket:byte(21) ~ 1) .. ticket:sub(22)
      full12(server12(), { { T.EXT.session_ticket, flipped } })
   end)

   it("holding a real ticket cut short by one byte: a full handshake", function()
      local nst = assert(ticket12_in(full12(server12(), { { T.EXT.session_ticket, "" } })))
      full12(server12(), { { T.EXT.session_ticket, nst:sub(7, -2) } })
   end)

   it("holding a real ticket sealed under another key: a full handshake", function()
      local nst = assert(ticket12_in(full12(server12 { ticket_keys = { ("O"):rep(40) .. "01234567" } },
         { { T.EXT.session_ticket, "" } })))
      full12(server12(), { { T.EXT.session_ticket, nst:sub(7) } })
   end)

   it("a session id the store does not hold: a full handshake", function()
      local store = { get = function() return nil end, put = function() end, delete = function() return false end }
      full12(server12 { session_store = store }, nil, ("s"):rep(32))
   end)

   it("a session id whose stored blob is garbage: a full handshake", function()
      local store = { get = function() return ("junk"):rep(30) end, put = function() end,
                      delete = function() return false end }
      full12(server12 { session_store = store }, nil, ("s"):rep(32))
   end)

   it("a session id with a store that raises: a full handshake", function()
      local store = { get = function() error("store down") end, put = function() error("store down") end,
                      delete = function() error("store down") end }
      full12(server12 { session_store = store }, nil, ("s"):rep(32))
   end)
end)

---------------------------------------------------------------------------
-- TLS 1.2 client: NewSessionTicket
---------------------------------------------------------------------------
-- Our TLS 1.2 client's full handshake with the scripted server, which
-- announces a ticket and sends a NewSessionTicket of this body.
local function client12_ticket(body)
   local cl = assert(tls.engine(assert(tls.context { mode = "client", ca = E.CERT, max_version = "TLSv1.2" }),
      { servername = "localhost" }))
   assert(cl:start())
   local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, session_ticket = true }
   assert(cl:feed(fake:answer(cl:output())))
   fake:client_flight(cl:output())
   local ok, err = cl:feed(fake:finish { new_session_ticket = body })
   return cl, ok, err, fake
end

-- The alert our TLS 1.2 client sent after its Finished (protected): its name.
local function alert12(cl, fake)
   local records = B.parse_records(cl:output())
   assert.equal(1, #records, "one record, the alert")
   local content = assert(fake:open(records[1]))
   assert.equal(2, #content)
   assert.equal(2, content:byte(1))
   return B.ALERT_NAME[content:byte(2)]
end

describe("our TLS 1.2 client, given a hostile NewSessionTicket", function()
   it("(sanity) takes a well-formed one as its session", function()
      local cl, ok, err = client12_ticket(T.new_session_ticket(("t"):rep(100), 3600))
      assert(ok, err)
      assert.is_true(cl:status().handshake_done)
      assert.is_string(cl:session())
   end)

   it("cut short at every length is decode_error", function()
      local body = T.new_session_ticket(("t"):rep(20), 3600)
      for n = 0, #body - 1 do
         local cl, ok, err, fake = client12_ticket(body:sub(1, n))
         E.assert_failed(cl, ok, err, "decode_error", "NewSessionTicket is malformed")
         assert.equal("decode_error", alert12(cl, fake))
      end
   end)

   it("with a ticket length past the end is decode_error", function()
      local cl, ok, err = client12_ticket(string.pack(">I4", 60) .. B.vec(2, "ticket", 1))
      E.assert_failed(cl, ok, err, "decode_error", "NewSessionTicket is malformed")
   end)

   it("with trailing bytes is decode_error", function()
      local cl, ok, err = client12_ticket(T.new_session_ticket("ticket", 60) .. "\0")
      E.assert_failed(cl, ok, err, "decode_error", "NewSessionTicket is malformed")
   end)

   it("an empty ticket is legal (rfc5077#3.3: the server gives none): the handshake completes", function()
      local cl, ok, err = client12_ticket(T.new_session_ticket("", 0))
      assert(ok, err)
      assert.is_true(cl:status().handshake_done)
   end)

   it("a ticket of 16000 bytes is legal", function()
      local cl, ok, err = client12_ticket(T.new_session_ticket(("t"):rep(16000), 60))
      assert(ok, err)
      assert.is_true(cl:status().handshake_done)
   end)
end)
