-- Conformance items of a read-only review (notes conformance_next20), each
-- with the RFC text it follows: tickets only for clients that can use them
-- (RFC 8446 §4.2.9), the ticket age gating 0-RTT only (§8.3), closure
-- alerts in TLS 1.3 whatever their level (§6), an over-long
-- NewSessionTicket lifetime, a TLS 1.2 ticket that does not open (RFC 5077
-- §3.4), unsolicited TLS 1.2 ServerHello extensions (RFC 5246 §7.4.1.4)
-- and alerts between the records of one TLS 1.2 handshake message
-- (RFC 5246 §6.2.1).
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local P = require "spec.support.psk13"
local T = require "spec.support.tls12_peer"

local KEY = ("T"):rep(16) .. ("t"):rep(24) .. "01234567"

-- A server engine with a ticket key (options on top), and its trace.
local function server(opts)
   local o, events = E.traced(E.merge({ ticket_keys = { KEY } }, opts))
   return E.server_engine(o), events
end

describe("alerts21 #1b: NewSessionTicket only to a client whose psk_key_exchange_modes can use it", function()
   it("sends none to a client without psk_key_exchange_modes (RFC 8446 §4.2.9)", function()
      local sv, events = server()
      local tickets = P.full(sv, { modes = false })
      assert.equal(0, #tickets)
      local d = E.events_of(events, "decide", "tickets")
      assert.equal(1, #d)
      assert.equal("none sent", d[1].result)
      -- the connection goes on
      assert.is_true(sv:status().handshake_done)
   end)

   it("sends none to a psk_ke-only client while psk_ke = false", function()
      local sv, events = server()
      assert.equal(0, #P.full(sv, { modes = { 0 } }))
      assert.equal("the client's psk_key_exchange_modes offer no psk_dhe_ke (psk_ke = false)",
         E.events_of(events, "decide", "tickets")[1].reason)
   end)

   it("sends them to a psk_ke-only client when psk_ke = true, and to a psk_dhe_ke client", function()
      assert.equal(2, #P.full(server { psk_ke = true }, { modes = { 0 } }))
      local sv, events = server()
      assert.equal(2, #P.full(sv, { modes = { 0, 1 } }))
      assert.equal(0, #E.events_of(events, "decide", "tickets"))
      assert.equal(2, #P.full(server(), { modes = { 7, 1 } }))
   end)

   it("our own client still gets tickets and resumes with them", function()
      local cctx = assert(tls.context { mode = "client", ca = E.CERT })
      local sctx = E.server_ctx { ticket_keys = { KEY } }
      local session = E.first_session(cctx, sctx)
      assert.is_not_nil(session)
      local _, s = E.resume(cctx, sctx, session)
      assert.is_true(s:info().resumed)
   end)
end)

describe("alerts21 #3: the ticket age gates 0-RTT only (RFC 8446 §8.3)", function()
   local function early_ctx(store, events)
      return E.server_ctx { ticket_keys = { KEY }, early_data = true, session_store = store,
                            trace = function(ev) events[#events + 1] = ev end }
   end
   -- A resumption of ticket t offering early data, on a new engine of sctx.
   local function offer(sctx, t)
      local sv = assert(tls.engine(sctx))
      local cl = P.client()
      assert(sv:feed(cl:hello { server_name = "localhost", psks = { t }, extra = { { B.EXT.early_data, "" } } }))
      local flight = cl:receive(sv:output())
      return sv, cl, flight
   end
   local function tickets(sctx)
      local sv = assert(tls.engine(sctx))
      return P.full(sv)
   end

   it("a client age too large: resumed 1-RTT, early data declined, the ticket's 0-RTT not used up", function()
      local events = {}
      local sctx = early_ctx(E.table_store(), events)
      local t = tickets(sctx)[1]
      t.age_ms = 60000
      local sv, cl, flight = offer(sctx, t)
      assert.is_true(cl.resumed)
      assert.is_nil(B.parse_encrypted_extensions(flight.msgs[1])[B.EXT.early_data])
      assert.equal("rejected", sv:info().early_data)
      local d = E.events_of(events, "decide", "early_data")
      assert.equal("the client's ticket age is not ours within the window (rfc8446#8.3)", d[#d].reason)
      assert(sv:feed(cl:finished()))
      assert.is_true(sv:status().handshake_done)
      assert.is_true(sv:info().resumed)
      -- With its true age the same ticket's 0-RTT is still there.
      t.age_ms = nil
      local sv2, _, flight2 = offer(sctx, t)
      assert.equal("", B.parse_encrypted_extensions(flight2.msgs[1])[B.EXT.early_data])
      assert.equal("accepted", sv2:info().early_data)
   end)

   it("a client age too small (our clock 61 s on): resumed, early data declined", function()
      local events = {}
      local sctx = early_ctx(E.table_store(), events)
      local t = tickets(sctx)[1]
      CTXM.set_clock_offset(sctx, 61)
      local sv, cl = offer(sctx, t)
      assert.is_true(cl.resumed)
      assert.equal("rejected", sv:info().early_data)
      local d = E.events_of(events, "decide", "early_data")
      assert.equal("the client's ticket age is not ours within the window (rfc8446#8.3)", d[#d].reason)
   end)

   it("still refuses an expired ticket, whatever age the client states", function()
      local events = {}
      local sctx = E.server_ctx { ticket_keys = { KEY }, ticket_lifetime = 60,
                                  trace = function(ev) events[#events + 1] = ev end }
      local t = tickets(sctx)[1]
      CTXM.set_clock_offset(sctx, 61)
      t.age_ms = 61000
      local sv = assert(tls.engine(sctx))
      local cl = P.client()
      assert(sv:feed(cl:hello { server_name = "localhost", psks = { t } }))
      cl:receive(sv:output())
      assert.is_nil(cl.resumed)
      local r = E.events_of(events, "decide", "resumption")
      assert.equal("ticket 0: ticket expired (lifetime 60 s)", r[#r].reason)
   end)
end)

describe("alerts21 #4: user_canceled at fatal level", function()
   it("is a closure alert in TLS 1.3 (RFC 8446 §6: the level is ignored): the close_notify after it closes", function()
      local sv, fake = E.scripted_handshake()
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.alert, "\2\90")))
      assert.is_false(sv:status().failed)
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.alert, "\2\0")))
      local st = sv:status()
      assert.is_false(st.failed)
      assert.is_true(st.peer_closed)
   end)

   it("still ends a TLS 1.2 handshake as the peer's error", function()
      local c, s = E.engines({ max_version = "TLSv1.2" })
      assert(c:start())
      assert(s:feed(c:output()))
      assert(c:feed(s:output()))
      local ok, msg = s:feed("\21\3\3\0\2\2\90")
      assert.is_nil(ok)
      assert.matches("^peer sent alert user_canceled %(90%)", msg)
   end)
end)

describe("alerts21 #7: a TLS 1.3 NewSessionTicket lifetime over 7 days", function()
   it("keeps a ticket of lifetime 1209600 for 7 days (RFC 8446 §4.6.1); the connection goes on", function()
      local opts, events = E.traced {}
      local cl, srv = E.scripted_server_handshake(opts)
      local body = string.pack(">I4I4", 1209600, 1234) .. B.vec(1, "\0") .. B.vec(2, ("t"):rep(40)) .. B.vec(2, "")
      assert(cl:feed(srv:seal(srv.server_ap, B.CT.handshake, B.handshake(4, body))))
      assert.is_string(cl:session())
      local nst = E.events_of(events, "receive", "NewSessionTicket")
      assert.equal("604800", nst[#nst].lifetime)
      assert(cl:feed(srv:seal(srv.server_ap, B.CT.application_data, "still here")))
      assert.equal("still here", cl:read())
      assert.is_false(cl:status().failed)
   end)
end)

describe("alerts21 #8: a TLS 1.2 ticket that does not open", function()
   -- The scripted TLS 1.2 client's hello with this SessionTicket body and a
   -- 32-byte session id (put in by hand: T.client sends none).
   local function hello_with(ticket)
      local fake = T.client { extensions = { { T.EXT.session_ticket, ticket } } }
      local body = B.parse_records(fake:hello())[1].body
      local ch = body:sub(1, 4 + 2 + 32) .. B.vec(1, B.random(32)) .. body:sub(4 + 2 + 32 + 2)
      ch = B.handshake(T.HS.client_hello, ch:sub(5))
      fake.transcript = { ch }
      return fake, B.record(B.CT.handshake, ch, { version = 0x0301 })
   end
   local function server12(store_log)
      local events = {}
      local st = {
         get = function() store_log[#store_log + 1] = "get" end,
         put = function() store_log[#store_log + 1] = "put" end,
         delete = function() return false end,
      }
      local ctx = E.server_ctx { ticket_keys = { KEY }, session_store = st,
                                 trace = function(ev) events[#events + 1] = ev end }
      return assert(tls.engine(ctx)), events
   end

   it("does not look the session id up (RFC 5077 §3.4 MUST NOT): a full handshake with a new ticket", function()
      local log = {}
      local sv, events = server12(log)
      local fake, rec = hello_with(("x"):rep(100))
      assert(sv:feed(rec))
      fake:server_flight(sv:output())
      assert(sv:feed(fake:key_exchange()))
      assert.is_true(sv:status().handshake_done, tostring(sv:error()))
      assert.same({}, log)
      local reasons = {}
      for _, ev in ipairs(E.events_of(events, "decide", "resumption")) do reasons[#reasons + 1] = ev.reason end
      assert.is_truthy(table.concat(reasons, "\n"):find(
         "the client presented a ticket, so its session id is not looked up (RFC 5077 3.4)", 1, true))
   end)

   it("still looks the session id up when the SessionTicket extension is empty", function()
      local log = {}
      local sv = server12(log)
      local _, rec = hello_with("")
      assert(sv:feed(rec))
      assert.same({ "get" }, log)
   end)
end)

describe("alerts21 #10: extensions in a TLS 1.2 ServerHello", function()
   local function answered(extensions)
      local c = E.client_engine()
      assert(c:start())
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, extensions = extensions }
      return c, c:feed(fake:answer(c:output()))
   end

   it("one we did not send (heartbeat) is unsupported_extension (RFC 5246 §7.4.1.4), not illegal_parameter", function()
      local c, ok, msg = answered { { 15, "\1" }, { T.EXT.extended_master_secret, "" } }
      E.assert_failed(c, ok, msg, "unsupported_extension", "ServerHello: heartbeat extension (15), which we did not ask for")
   end)

   it("one we sent but a TLS 1.2 ServerHello cannot carry (supported_groups) stays illegal_parameter", function()
      local c, ok, msg = answered { { T.EXT.supported_groups, B.vec(2, B.u16(0x001d)) },
                                    { T.EXT.extended_master_secret, "" } }
      E.assert_failed(c, ok, msg, "illegal_parameter")
   end)
end)

describe("alerts21 #6: an alert between two records of one handshake message", function()
   -- Our TLS 1.2 client and the scripted TLS 1.2 server, whose first
   -- flight is cut inside the Certificate (after the ServerHello) with
   -- `between` in the cut.
   local function cut_flight(between)
      local c = E.client_engine { max_version = "TLSv1.2" }
      assert(c:start())
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY }
      local body = ""
      for _, r in ipairs(B.parse_records(fake:answer(c:output()))) do
         assert.equal(B.CT.handshake, r.type)
         body = body .. r.body
      end
      local sh_len = 4 + string.unpack(">I3", body, 2)
      local at = sh_len + 10
      return c, fake, B.record(B.CT.handshake, body:sub(1, at)) .. between .. B.record(B.CT.handshake, body:sub(at + 1))
   end

   it("TLS 1.2: a warning there is taken and the handshake completes (RFC 5246 §6.2.1)", function()
      local c, fake, wire = cut_flight("\21\3\3\0\2\1\112")
      assert(c:feed(wire))
      fake:client_flight(c:output())
      assert(c:feed(fake:finish()))
      assert.is_true(c:status().handshake_done, tostring(c:error()))
   end)

   it("TLS 1.2: a fatal alert there is reported as the peer's", function()
      local c, _, wire = cut_flight("\21\3\3\0\2\2\40")
      local ok, msg = c:feed(wire)
      assert.is_nil(ok)
      assert.equal("peer sent alert handshake_failure (40)", msg)
      local _, name, from_peer = c:error()
      assert.equal("handshake_failure", name)
      assert.is_true(from_peer)
   end)

   it("before the version is known, and in TLS 1.3 (RFC 8446 §5.1), it is still refused: inside a ClientHello", function()
      local sv = E.server_engine()
      local rec = B.client_hello_record {}
      local body = B.parse_records(rec)[1].body
      local ok, msg = sv:feed(B.record(B.CT.handshake, body:sub(1, 20)) .. "\21\3\3\0\2\1\112"
         .. B.record(B.CT.handshake, body:sub(21)))
      E.assert_failed(sv, ok, msg, "unexpected_message", "alert record inside a fragmented handshake message")
   end)
end)

describe("alerts21 #1b against real clients (spec/support/resume13_server.lua)", function()
   local proc = require "spec.support.proc"
   local certs = require "spec.support.certs"
   after_each(proc.kill_all)

   -- Our server in its own process: the handle and the port.
   local function start()
      local c = certs.get()
      local args = { "cert=" .. c.leaf.ecdsa_p256.cert, "key=" .. c.leaf.ecdsa_p256.key, "keys=" .. B.hex(KEY) }
      for i, a in ipairs(args) do args[i] = proc.quote(a) end
      local h = proc.spawn(string.format("%s %s spec/support/resume13_server.lua %s", proc.lua_env(), proc.lua(),
         table.concat(args, " ")), { ours = true })
      return h, tonumber(proc.wait_output(h, "ready (%d+)"))
   end
   -- The tickets the server sent on its one connection (its "ticket" lines).
   local function tickets_sent(h)
      proc.wait_output(h, "info [^\n]*\n")
      local n = 0
      for _ in h:output():gmatch("ticket lifetime=") do n = n + 1 end
      return n
   end

   -- GnuTLS's %NO_TICKETS priority leaves psk_key_exchange_modes (and
   -- session_ticket) out of its ClientHello (seen on the wire with 3.7.9;
   -- --noticket does not).
   it("gnutls-cli with %NO_TICKETS (no psk_key_exchange_modes) gets none; gnutls-cli gets two", function()
      local h, port = start()
      local out = proc.run(string.format("gnutls-cli --x509cafile %s -p %d localhost --priority 'NORMAL:%%NO_TICKETS'",
         certs.get().ca, port), "hello\n")
      assert.truthy(out:find("TLS1.3", 1, true), out)
      assert.equal(0, tickets_sent(h))
      proc.kill_all()
      local h2, port2 = start()
      proc.run(string.format("gnutls-cli --x509cafile %s -p %d localhost", certs.get().ca, port2), "hello\n")
      assert.equal(2, tickets_sent(h2))
   end)

   it("openssl s_client gets two", function()
      local h, port = start()
      proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -tls1_3 -CAfile %s -servername localhost -ign_eof",
         port, certs.get().ca), "hello\n")
      assert.equal(2, tickets_sent(h))
   end)
end)
