-- TLS 1.3 0-RTT early data (RFC 8446 §2.3, §4.2.10, §4.5, §8), both sides:
-- our client sends data with its first flight under the early traffic key;
-- our server accepts it once per ticket (the session store's delete says
-- whether the ticket was still unused), reads it until EndOfEarlyData and
-- keeps it apart from 1-RTT data; everything else declines it and skips its
-- records. Engines in one process first, then openssl s_client and
-- s_server.
local tls = require "tls"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local P = require "spec.support.psk13"
local R = require "spec.support.ref13"
local C = require "refcrypto"
local proc = require "spec.support.proc"

local KEY = ("E"):rep(16) .. ("e"):rep(24) .. "01234567"

-- A session store in a Lua table, as tls.store.memory would be; `log`
-- records the calls.
local function table_store()
   local data, log = {}, {}
   local st = {
      get = function(id) log[#log + 1] = "get"; return data[id] end,
      put = function(id, blob, ttl) log[#log + 1] = "put " .. #id .. " " .. blob .. " " .. ttl; data[id] = blob end,
      delete = function(id)
         log[#log + 1] = "delete"
         local had = data[id] ~= nil
         data[id] = nil
         return had
      end,
   }
   return st, data, log
end

local events_of = E.events_of

-- A server context: early_data on, the shared ticket key, options on top.
local function server_ctx(opts)
   local o, events = E.traced(E.merge({ early_data = true, ticket_keys = { KEY } }, opts))
   return E.server_ctx(o), events
end

local function client_ctx(opts)
   local o, events = E.traced(E.merge({ mode = "client", ca = E.CERT, early_data = true }, opts))
   return assert(tls.context(o)), events
end

-- The session of a full handshake (its tickets read), and a client
-- offering it with early data: spec/support/engines.lua.
local function first_session(cctx, sctx)
   return (E.first_session(cctx, sctx))
end
local resume = E.resume

describe("0-RTT between our client and our server", function()
   it("is accepted once per ticket: the early data arrives apart from 1-RTT data", function()
      local st, data, log = table_store()
      local sctx, sev = server_ctx { session_store = st }
      local cctx, cev = client_ctx()
      local session = first_session(cctx, sctx)
      -- Each ticket that allows 0-RTT is registered for its single use:
      -- "0rtt:" and SHA-256 of the ticket, for the ticket's lifetime.
      assert.same({ "put 37 1 7200", "put 37 1 7200" }, log)
      local c, s = resume(cctx, sctx, session, "GET /early HTTP/1.1\r\n\r\n")
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.equal("accepted", c:info().early_data)
      assert.equal("accepted", s:info().early_data)
      assert.is_true(s:info().resumed)
      local early, complete = s:read_early()
      assert.equal("GET /early HTTP/1.1\r\n\r\n", early)
      assert.is_true(complete)
      -- 1-RTT data is not early data, and the other way round.
      assert.equal("", s:read())
      assert(c:write("after the handshake"))
      E.pump(c, s, { strict = true })
      assert.equal("after the handshake", s:read())
      assert.equal("", (s:read_early()))
      -- The trace: offered, accepted, EndOfEarlyData on both sides.
      assert.equal(1, #events_of(cev, "send", "early data"))
      assert.equal("accepted", events_of(cev, "receive", "early_data")[1].result)
      assert.equal(1, #events_of(cev, "send", "EndOfEarlyData"))
      assert.equal("accepted", events_of(sev, "decide", "early_data")[1].result)
      assert.equal("23", events_of(sev, "receive", "EndOfEarlyData")[1].early_data_bytes)
      -- The ticket's entry is gone (it served its one 0-RTT); the first
      -- connection's other ticket stays and the resumed connection's own
      -- ticket (one after a resumed handshake) is registered.
      local n = 0
      for _ in pairs(data) do n = n + 1 end
      assert.equal(2, n)
   end)

   it("lets the server answer the early data before the handshake completes (0.5-RTT data)", function()
      local sctx = server_ctx { session_store = table_store() }
      local cctx = client_ctx()
      local session = first_session(cctx, sctx)
      local c = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = "GET /" }))
      local s = assert(tls.engine(sctx))
      assert(c:start())
      assert(s:feed(c:output()))
      assert.is_false(s:status().handshake_done)
      assert.same({ "GET /", false }, { s:read_early() })
      assert.is_true(s:write("200 OK, at once"))
      E.pump(s, c, { strict = true })
      assert.is_true(c:status().handshake_done)
      assert.equal("200 OK, at once", c:read())
      assert.is_true(s:status().handshake_done)
      -- Without accepted early data, a server waits for the handshake as always.
      local c2 = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = "GET /" }))
      local s2 = assert(tls.engine(sctx))
      assert(c2:start())
      assert(s2:feed(c2:output()))
      assert.equal("rejected", s2:info().early_data)
      assert.same({ nil, "handshake not complete" }, { s2:write("too soon") })
   end)

   it("refuses the replay of a ticket's 0-RTT; the handshake goes on as a 1-RTT resumption", function()
      local st = table_store()
      local sctx, sev = server_ctx { session_store = st }
      local cctx = client_ctx()
      local session = first_session(cctx, sctx)
      local c1, s1 = resume(cctx, sctx, session, "once")
      assert.equal("accepted", s1:info().early_data)
      assert.equal("once", (s1:read_early()))
      local c2, s2 = resume(cctx, sctx, session, "twice")
      assert.is_true(s2:status().handshake_done, tostring(s2:error()))
      assert.is_true(s2:info().resumed)
      assert.equal("rejected", c2:info().early_data)
      assert.equal("rejected", s2:info().early_data)
      assert.equal("", (s2:read_early()))
      local declined = events_of(sev, "decide", "early_data")
      assert.equal("declined", declined[#declined].result)
      assert.equal("replay: this ticket's 0-RTT was already used (or its store entry expired)",
         declined[#declined].reason)
      -- Not delivered: the application sends it again, as 1-RTT data.
      assert(c2:write("twice"))
      E.pump(c2, s2, { strict = true })
      assert.equal("twice", s2:read())
   end)

   -- Before session 47 such a server was made, and declined every offer
   -- while its tickets invited clients to send early data.
   it("needs a session store on a server: without one, tls.context, tls.listen and tls.wrap refuse early_data = true",
      function()
      local MSG = "option 'early_data = true' needs a 'session_store' on a server: 0-RTT data is accepted once per "
         .. "ticket, which only the store can tell (tls.store.memory() for one process, tls.store.redis{...} for "
         .. "several); without one every client's early data would be declined"
      local o = { mode = "server", certificate = E.CERT, key = E.KEY, early_data = true }
      assert.same({ nil, MSG }, { tls.context(o) })
      assert.same({ nil, MSG }, { tls.context(E.merge(o, { max_early_data = 100, ticket_keys = { KEY } })) })
      assert.same({ nil, MSG }, { tls.listen("127.0.0.1", 0, o) })
      local socket = require "socket"
      local listener = assert(socket.bind("127.0.0.1", 0))
      local _, port = listener:getsockname()
      local sock = assert(socket.connect("127.0.0.1", port))
      assert.same({ nil, MSG }, { tls.wrap(sock, o) })
      sock:close()
      listener:close()
      -- a client needs none; a server with early_data = false or left out neither
      assert(tls.context { mode = "client", early_data = true })
      assert(tls.context { mode = "server", certificate = E.CERT, key = E.KEY, early_data = false })
      assert(tls.context(E.merge(o, { session_store = tls.store.memory() })))
   end)

   it("is refused by a server whose store finds no ticket (a replay, or an expired entry), which skips the records",
      function()
      local sctx, sev = server_ctx { session_store = E.forgetful_store() }
      local cctx = client_ctx()
      local session = first_session(cctx, sctx)
      local c, s = resume(cctx, sctx, session, ("x"):rep(5000))
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.equal("rejected", c:info().early_data)
      assert.equal("replay: this ticket's 0-RTT was already used (or its store entry expired)",
         events_of(sev, "decide", "early_data")[1].reason)
      assert(c:write("1-RTT"))
      E.pump(c, s, { strict = true })
      assert.equal("1-RTT", s:read())
   end)

   it("is refused by a server with early_data off, whose ticket allowed it: records skipped, connection fine", function()
      local st = table_store()
      local sctx = server_ctx { session_store = st }
      local off, sev = server_ctx { session_store = st, early_data = false }
      local cctx = client_ctx()
      local session = first_session(cctx, sctx)
      local c, s = resume(cctx, off, session, "GET / HTTP/1.1\r\n\r\n")
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.is_true(s:info().resumed)
      assert.equal("rejected", c:info().early_data)
      assert.equal("rejected", s:info().early_data)
      assert.equal("early_data is off on this server", events_of(sev, "decide", "early_data")[1].reason)
      assert(c:write("then"))
      E.pump(c, s, { strict = true })
      assert.equal("then", s:read())
   end)

   it("ends the connection with unexpected_message when the client sends more than max_early_data", function()
      local st = table_store()
      local issuer = server_ctx { session_store = st, max_early_data = 1000 }
      local strict = server_ctx { session_store = st, max_early_data = 10 }
      local cctx = client_ctx()
      local session = first_session(cctx, issuer)
      local c = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = ("y"):rep(11) }))
      local s = assert(tls.engine(strict))
      assert(c:start())
      local ok, msg = s:feed(c:output())
      E.assert_failed(s, ok, msg, "unexpected_message", "client sent more than 10 bytes of 0-RTT data (max_early_data)")
      assert.is_nil((c:feed(s:output())))
      local _, alert, from_peer = c:error()
      assert.equal("unexpected_message", alert)
      assert.is_true(from_peer)
   end)

   it("takes exactly max_early_data bytes", function()
      local st = table_store()
      local sctx = server_ctx { session_store = st, max_early_data = 10 }
      local cctx = client_ctx()
      local session = first_session(cctx, sctx)
      local c, s = resume(cctx, sctx, session, ("z"):rep(10))
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.equal(("z"):rep(10), (s:read_early()))
   end)

   it("is declined after a HelloRetryRequest; the second ClientHello goes in the clear and resumes", function()
      local st = table_store()
      local sctx = server_ctx { session_store = st }
      local retry, sev = server_ctx { session_store = st, groups = "secp384r1" }
      local cctx, cev = client_ctx()
      local session = first_session(cctx, sctx)
      local c, s = resume(cctx, retry, session, "early")
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.is_true(s:info().hello_retry)
      assert.equal("rejected", c:info().early_data)
      assert.equal("rejected (HelloRetryRequest)", events_of(cev, "receive", "early_data")[1].result)
      assert.equal("after HelloRetryRequest", events_of(sev, "decide", "early_data")[1].reason)
      assert.equal("rejected", s:info().early_data)
      assert.equal("", (s:read_early()))
   end)

   it("is declined when the server would choose another ALPN protocol than the session's", function()
      local st = table_store()
      local sctx = server_ctx { session_store = st, alpn = { "h2", "http/1.1" } }
      local other, sev = server_ctx { session_store = st, alpn = { "http/1.1" } }
      local cctx = client_ctx { alpn = { "h2", "http/1.1" } }
      local session = first_session(cctx, sctx)
      local c, s = resume(cctx, other, session, "early")
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.equal("rejected", c:info().early_data)
      assert.equal("ALPN protocol differs from the session's", events_of(sev, "decide", "early_data")[1].reason)
   end)

   it("is not offered without early_data on the client context, nor with a session that allows none", function()
      local st = table_store()
      local sctx = server_ctx { session_store = st }
      local no_early = server_ctx { session_store = st, early_data = false }
      local cctx = client_ctx()
      local session = first_session(cctx, sctx)
      local plain = client_ctx { early_data = false }
      local e = assert(tls.engine(plain, { servername = "localhost", session = session }))
      assert.same({ nil, "the context does not allow early data (early_data = true)" }, { e:write_early("x") })
      -- the option does not fail: it goes early when it can; info() says it did not
      local c, s = resume(plain, sctx, session, "x")
      assert.is_true(s:status().handshake_done)
      assert.is_nil(c:info().early_data)
      assert.is_nil(s:info().early_data)
      local session0 = first_session(cctx, no_early)
      local e0 = assert(tls.engine(cctx, { servername = "localhost", session = session0 }))
      assert.same({ nil, "the session's server does not accept early data (its ticket allows none)" },
         { e0:write_early("x") })
   end)

   it("refuses e:write_early beyond the ticket's max_early_data, without a session, or once started", function()
      local st = table_store()
      local cctx = client_ctx()
      local session = first_session(cctx, server_ctx { session_store = st, max_early_data = 10 })
      local e = assert(tls.engine(cctx, { servername = "localhost", session = session }))
      assert.is_true(e:write_early(("a"):rep(6)))
      assert.same({ nil, "more early data than the session's ticket allows (10 bytes)" }, { e:write_early("12345") })
      assert.is_true(e:write_early("1234"))
      local fresh = assert(tls.engine(cctx, { servername = "localhost" }))
      assert.same({ nil, "early data needs a session to resume (option 'session')" }, { fresh:write_early("x") })
      assert(e:start())
      local ok, err = pcall(e.write_early, e, "x") -- a wrong-state call raises (review43g)
      assert.is_false(ok)
      assert.matches("tls.engine: write_early() after start()", err, 1, true)
      assert.same({ nil, "tls.engine: option 'early_data' needs option 'session' (0-RTT data goes only to a "
         .. "server resumed)" }, { tls.engine(cctx, { early_data = "x" }) })
   end)
end)

-- The scripted client of spec/support/psk13.lua: a full handshake with a
-- server engine on sctx, its tickets.
local function tickets_of(sctx)
   local sv = assert(tls.engine(sctx))
   local cl = P.client()
   assert(sv:feed(cl:hello { server_name = "localhost" }))
   cl:receive(sv:output())
   assert(sv:feed(cl:finished()))
   return cl:tickets(sv:output())
end

-- A scripted client's writer under client_early_traffic_secret for ticket
-- t, once its hello (offering t) is in cl.transcript. rfc8446#7.1:
-- client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic",
-- ClientHello), Early Secret = HKDF-Extract(0, PSK).
local function early_writer(cl, t)
   local suite = R.suite(t.suite)
   local early = R.hkdf_extract(suite.md, "", t.psk)
   return R.protector(suite, R.derive_secret(suite.md, early, "c e traffic", C.digest(suite.md, cl.transcript)))
end

describe("0-RTT: our server and a client offering several PSKs", function()
   it("accepts early data only when the PSK it accepted is the client's first (rfc8446#4.2.10)", function()
      local st = table_store()
      local sctx, sev = server_ctx { session_store = st }
      local tickets = tickets_of(sctx)
      local unknown = { ticket = ("?"):rep(100), psk = ("\0"):rep(32), suite = tickets[1].suite, age_add = 0 }
      local sv2 = assert(tls.engine(sctx))
      local cl2 = P.client()
      assert(sv2:feed(cl2:hello { server_name = "localhost", psks = { unknown, tickets[1] },
         extra = { { B.EXT.early_data, "" } } }))
      local flight = cl2:receive(sv2:output())
      assert.is_true(cl2.resumed)
      assert.equal(1, cl2.selected)
      assert.is_nil(B.parse_encrypted_extensions(flight.msgs[1])[B.EXT.early_data])
      assert.equal("rejected", sv2:info().early_data)
      assert.equal("the PSK accepted is not the client's first", events_of(sev, "decide", "early_data")[1].reason)
      -- The same ticket first: accepted, early_data in EncryptedExtensions.
      local sv3 = assert(tls.engine(sctx))
      local cl3 = P.client()
      assert(sv3:feed(cl3:hello { server_name = "localhost", psks = { tickets[2] },
         extra = { { B.EXT.early_data, "" } } }))
      local flight3 = cl3:receive(sv3:output())
      assert.equal("", B.parse_encrypted_extensions(flight3.msgs[1])[B.EXT.early_data])
      assert.equal("accepted", sv3:info().early_data)
   end)
end)

describe("0-RTT: our server and a client whose key schedule is written from the RFC", function()
   it("reads records under client_early_traffic_secret until EndOfEarlyData, then the handshake keys", function()
      local sctx = server_ctx { session_store = table_store() }
      local t = tickets_of(sctx)[1]
      local sv = assert(tls.engine(sctx))
      local cl = P.client()
      local hello = cl:hello { server_name = "localhost", psks = { t }, extra = { { B.EXT.early_data, "" } } }
      local writer = early_writer(cl, t)
      assert(sv:feed(hello .. B.record(B.CT.ccs, "\1") .. writer:seal(B.CT.application_data, "first ")
         .. writer:seal(B.CT.application_data, "and second")))
      local flight = cl:receive(sv:output())
      assert.equal("", B.parse_encrypted_extensions(flight.msgs[1])[B.EXT.early_data])
      assert.same({ "first and second", false }, { sv:read_early() })
      -- rfc8446#4.5: EndOfEarlyData under the early key, in the transcript.
      local eoed = B.handshake(5 --[[ end_of_early_data ]], "")
      assert(sv:feed(writer:seal(B.CT.handshake, eoed)))
      assert.same({ "", true }, { sv:read_early() })
      cl.transcript = cl.transcript .. eoed
      assert(sv:feed(cl:finished()))
      assert.is_true(sv:status().handshake_done)
      assert.equal("accepted", sv:info().early_data)
   end)

   it("wants EndOfEarlyData, not Finished, after accepting early data", function()
      local sctx = server_ctx { session_store = table_store() }
      local t = tickets_of(sctx)[1]
      local sv = assert(tls.engine(sctx))
      local cl = P.client()
      local hello = cl:hello { server_name = "localhost", psks = { t }, extra = { { B.EXT.early_data, "" } } }
      local writer = early_writer(cl, t)
      assert(sv:feed(hello))
      cl:receive(sv:output())
      local fin = B.handshake(B.HS.finished, ("\0"):rep(32))
      local ok, msg = sv:feed(writer:seal(B.CT.handshake, fin))
      E.assert_failed(sv, ok, msg, "unexpected_message", "expected EndOfEarlyData, got Finished")
   end)

   -- review37c F6 (session 37): no test sent a non-empty one.
   it("refuses an EndOfEarlyData with a body (rfc8446#4.5: struct {}) with decode_error", function()
      local sctx = server_ctx { session_store = table_store() }
      local t = tickets_of(sctx)[1]
      local sv = assert(tls.engine(sctx))
      local cl = P.client()
      local hello = cl:hello { server_name = "localhost", psks = { t }, extra = { { B.EXT.early_data, "" } } }
      local writer = early_writer(cl, t)
      assert(sv:feed(hello))
      cl:receive(sv:output())
      local ok, msg = sv:feed(writer:seal(B.CT.handshake, B.handshake(5 --[[ end_of_early_data ]], "\0")))
      E.assert_failed(sv, ok, msg, "decode_error", "EndOfEarlyData is not empty")
   end)

   it("logs CLIENT_EARLY_TRAFFIC_SECRET on both sides: the secret that opens the client's early records", function()
      local lines = {}
      local sctx = server_ctx { session_store = table_store(), keylog = function(l) lines[#lines + 1] = "server " .. l end }
      local cctx = client_ctx { keylog = function(l) lines[#lines + 1] = "client " .. l end }
      local session = first_session(cctx, sctx)
      lines = {}
      local c = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = "logged" }))
      assert(c:start())
      local flight = c:output()
      local logged = {}
      for _, l in ipairs(lines) do
         local who, secret = l:match("^(%a+) CLIENT_EARLY_TRAFFIC_SECRET %x+ (%x+)$")
         if who then logged[who] = secret end
      end
      assert.is_string(logged.client)
      local records = B.parse_records(flight)
      assert.same({ B.CT.handshake, B.CT.ccs, B.CT.application_data }, { records[1].type, records[2].type, records[3].type })
      local secret = logged.client:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)
      local r = records[3]
      local ctype, content = R.protector(R.suite("TLS_AES_128_GCM_SHA256"), secret)
         :open(string.pack(">BI2I2", r.type, r.version, #r.body) .. r.body)
      assert.equal(B.CT.application_data, ctype)
      assert.equal("logged", content)
      local s = assert(tls.engine(sctx))
      assert(s:feed(flight))
      for _, l in ipairs(lines) do
         local secret = l:match("^server CLIENT_EARLY_TRAFFIC_SECRET %x+ (%x+)$")
         if secret then logged.server = secret end
      end
      assert.equal(logged.client, logged.server)
   end)
end)

-- Our server in a child process, serving connections one after the
-- other: it prints what receive_early gave, then echoes a 1-RTT line.
local SERVER = [[
local tls = require "tls"
io.stdout:setvbuf("line")
local cert, key, use_store = arg[1], arg[2], arg[3] == "store"
local data = {}
-- "store" keeps tickets; "forgetful" finds none, so every 0-RTT offer is declined as a replay
local st = { get = function(id) return data[id] end, put = function(id, b) if use_store then data[id] = b end end,
   delete = function(id) local had = data[id] ~= nil; data[id] = nil; return had end }
local ctx = assert(tls.context { mode = "server", certificate = cert, key = key, early_data = true,
   session_store = st })
local server = assert(tls.listen("127.0.0.1", 0, ctx, { timeout = 20 }))
print("ready " .. select(2, server:getsockname()))
while true do
   local conn = assert(server:accept())
   conn:settimeout(10)
   local early, why = conn:receive_early()
   print(early and ("early " .. string.format("%q", early)) or ("no early data: " .. tostring(why)))
   -- 0.5-RTT: the answer to the early data goes before the client's Finished.
   if early then assert(conn:send("early reply\n")) end
   local line, err = conn:receive("*l")
   print("line " .. tostring(line or err) .. " early_data=" .. tostring(conn:info().early_data))
   if line then conn:send("echo " .. line .. "\n") end
   conn:close()
end
]]

describe("0-RTT with openssl", function()
   after_each(proc.kill_all)
   local dir
   setup(function()
      dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p " .. proc.quote(dir)))
      proc.write_file(dir .. "/cert.pem", E.CERT)
      proc.write_file(dir .. "/key.pem", E.KEY)
      proc.write_file(dir .. "/server.lua", SERVER)
      proc.write_file(dir .. "/early.txt", "EARLY FROM S_CLIENT\n")
   end)
   teardown(function() os.execute("rm -rf " .. proc.quote(dir)) end)

   local function our_server(store)
      local h = proc.spawn(string.format("%s %s %s %s %s %s", proc.lua_env(), proc.lua(),
         proc.quote(dir .. "/server.lua"), proc.quote(dir .. "/cert.pem"), proc.quote(dir .. "/key.pem"), store),
         { ours = true })
      return h, tonumber(proc.wait_output(h, "ready (%d+)"))
   end

   local function s_client(port, args, line)
      -- -ign_eof: read the echo (our server closes after it) before quitting.
      local out = proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -tls1_3 -servername localhost "
         .. "-ign_eof %s",
         port, args), line .. "\n")
      return out
   end

   it("our server takes s_client's early data once; the replay of the same session file is refused", function()
      local h, port = our_server("store")
      local sess = dir .. "/sess1"
      local out1 = s_client(port, "-sess_out " .. proc.quote(sess), "one")
      assert.truthy(out1:find("echo one", 1, true), out1)
      proc.wait_output(h, "line one")
      local early = "-sess_in " .. proc.quote(sess) .. " -early_data " .. proc.quote(dir .. "/early.txt")
      local out2 = s_client(port, early, "two")
      assert.truthy(out2:find("Reused, TLSv1.3", 1, true), out2)
      assert.truthy(out2:find("Early data was accepted", 1, true), out2)
      assert.truthy(out2:find("early reply\necho two", 1, true), out2)
      proc.wait_output(h, "line two")
      assert.truthy(h:output():find('early "EARLY FROM S_CLIENT\\\n"\nline two early_data=accepted', 1, true),
         h:output())
      local out3 = s_client(port, early, "three")
      assert.truthy(out3:find("Reused, TLSv1.3", 1, true), out3)
      assert.truthy(out3:find("Early data was rejected", 1, true), out3)
      assert.truthy(out3:find("echo three", 1, true), out3)
      proc.wait_output(h, "line three")
      assert.truthy(h:output():find("no early data: early data rejected\nline three early_data=rejected", 1, true),
         h:output())
   end)

   -- review43b: GnuTLS's 0-RTT was only ever seen declined (conform20).
   it("our server takes gnutls-cli's early data (--resume --earlydata) and answers its 1-RTT line", function()
      local h, port = our_server("store")
      local out = proc.run(string.format("gnutls-cli -p %d --no-ca-verification --resume --earlydata %s localhost",
         port, proc.quote(dir .. "/early.txt")), "two\n")
      assert.truthy(out:find("This is a resumed session", 1, true), out)
      proc.wait_output(h, "line two")
      assert.truthy(h:output():find('early "EARLY FROM S_CLIENT\\\n"\nline two early_data=accepted', 1, true),
         h:output())
   end)

   it("our server whose store finds no ticket refuses s_client's early data and still serves it", function()
      local h, port = our_server("forgetful")
      local sess = dir .. "/sess2"
      s_client(port, "-sess_out " .. proc.quote(sess), "one")
      proc.wait_output(h, "line one")
      local out = s_client(port, "-sess_in " .. proc.quote(sess) .. " -early_data " .. proc.quote(dir .. "/early.txt"),
         "two")
      assert.truthy(out:find("Early data was rejected", 1, true), out)
      assert.truthy(out:find("echo two", 1, true), out)
      proc.wait_output(h, "line two")
      assert.truthy(h:output():find("no early data: early data rejected\nline two early_data=rejected", 1, true),
         h:output())
   end)

   it("tls.connect and tls.wrap send early data to our server over sockets; it answers before our Finished", function()
      local h, port = our_server("store")
      local ctx = client_ctx()
      local conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 }))
      assert(conn:send("one\n"))
      assert.equal("echo one", conn:receive("*l"))
      local session = assert(conn:session())
      conn:close()
      local conn2 = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10,
         session = session, early_data = "early by connect\n" }))
      assert.equal("accepted", conn2:info().early_data)
      assert.equal("early reply", conn2:receive("*l"))
      assert(conn2:send("two\n"))
      assert.equal("echo two", conn2:receive("*l"))
      local session2 = assert(conn2:session())
      conn2:close()
      local socket = require "socket"
      local sock = assert(socket.connect("127.0.0.1", port))
      local conn3 = assert(tls.wrap(sock, ctx, { servername = "localhost", timeout = 10, session = session2,
         early_data = "early by wrap\n" }))
      assert(conn3:handshake())
      assert.equal("accepted", conn3:info().early_data)
      assert.equal("early reply", conn3:receive("*l"))
      assert.has_error(function() conn3:receive_early() end, "tls: receive_early is for servers (a client sends "
         .. "early data with the 'early_data' option)")
      conn3:close()
      proc.wait_output(h, "line closed")
      local out = h:output()
      assert.truthy(out:find('early "early by connect\\\n"\nline two early_data=accepted', 1, true), out)
      assert.truthy(out:find('early "early by wrap\\\n"\nline closed early_data=accepted', 1, true), out)
   end)

   it("our client's early data reaches openssl s_server -early_data", function()
      local port = proc.free_port("127.0.0.1")
      -- s_server ends when its stdin does: keep it open.
      local h = proc.spawn(string.format("sleep 50 | openssl s_server -accept 127.0.0.1:%d -tls1_3 -cert %s -key %s "
         .. "-early_data", port, proc.quote(dir .. "/cert.pem"), proc.quote(dir .. "/key.pem")))
      proc.wait_port("127.0.0.1", port, 10, h)
      local ctx = client_ctx()
      local conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 }))
      assert(conn:send("first line\n"))
      -- s_server sends its tickets after our Finished; it never answers the line.
      conn:settimeout(0.2)
      for _ = 1, 50 do
         if conn:session() then break end
         conn:receive("*l")
      end
      local session = assert(conn:session())
      conn:close()
      local conn2 = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10,
         session = session, early_data = "EARLY FROM LUATLS\n" }))
      assert.is_true(conn2:info().resumed)
      assert.equal("accepted", conn2:info().early_data)
      assert(conn2:send("second line\n"))
      proc.wait_output(h, "second line")
      conn2:close()
      local out = h:output()
      assert.truthy(out:find("Early data received:", 1, true), out)
      assert.truthy(out:find("EARLY FROM LUATLS", 1, true), out)
   end)
end)

---------------------------------------------------------------------------
-- Our client against the scripted server of spec/support/hostile_server.lua,
-- whose key schedule is written from the RFC: what it does when a server
-- answers its early data wrongly.
---------------------------------------------------------------------------
describe("0-RTT: our client and a scripted server", function()
   local H = require "spec.support.hostile_server"
   local certs = require "spec.support.certs"

   -- A full handshake, then one NewSessionTicket allowing 1000 bytes of
   -- early data (allow = false: none): the session text and its PSK.
   local function make_session(allow, alpn)
      local s = H.new { client = { early_data = true, alpn = alpn and { "h2", "http/1.1" } } }
      local ee = alpn and { extensions = { { H.EXT.alpn, H.u16(#alpn + 1) .. string.char(#alpn) .. alpn } } }
      assert(s:handshake { encrypted_extensions = ee })
      s.ks:resumption(s:th())
      local exts = allow == false and {} or { { H.EXT.early_data, string.pack(">I4", 1000) } }
      assert(s:send(s:new_session_ticket { nonce = "\0\1", ticket = "ticket " .. C.random(8), extensions = exts }))
      assert.is_false(s.engine:status().failed, tostring(s.engine:error()))
      return s.engine:session(), R.expand_label(s.suite.md, s.ks.resumption_secret, "resumption", "\0\1",
         s.suite.hash_len), s.suite
   end

   -- The scripted server again, its client an engine offering the session
   -- (and early data when given), its ClientHello read, and its early
   -- records opened with the early key of RFC 8446 §7.1.
   local function resume_with(text, psk, suite, early, client)
      local s = H.new {}
      s.ctx = assert(tls.context(E.merge({ ca = certs.get().ca, verify = true, early_data = true }, client)))
      s.engine = assert(tls.engine(s.ctx, { servername = s.servername, session = text, early_data = early }))
      s.transcript, s.from_client, s.client_messages, s.seen_records, s.client_hellos = "", "", {}, {}, 0
      assert(s.engine:start())
      local out = s.engine:output()
      local ch = H.parse_handshakes(H.parse_records(out)[1].body)[1].raw
      local es = R.hkdf_extract(suite.md, "", psk)
      s.reader = R.protector(suite, R.derive_secret(suite.md, es, "c e traffic", C.digest(suite.md, ch)))
      s.from_client = out
      s:read_client_hello()
      s.suite = suite
      return s
   end

   -- ServerHello resuming with the PSK (o.suite: another one), our handshake keys.
   local function resumed_hello(s, psk, o)
      o = o or {}
      local sh = s:server_hello { extra = { { H.EXT.pre_shared_key, H.u16(0) } }, suite = o.suite }
      if o.suite then s.suite = R.suite(o.suite) end
      local ks = R.key_schedule(s.suite)
      ks.early = R.hkdf_extract(s.suite.md, "", psk)
      ks.derived_early = R.derive_secret(s.suite.md, ks.early, "derived", ks.empty_hash)
      s.ks = ks:handshake(s.shared, s:th())
      assert(s:deliver(s:record(H.CT.handshake, sh) .. H.plain_record(H.CT.ccs, "\1")))
      s:use_keys("handshake")
   end

   local function failed_with(s, alert, reason)
      assert.is_true(s.engine:status().failed, "the client did not fail")
      local msg, name, from_peer = s.engine:error()
      assert.equal(alert, name, "error: " .. tostring(msg))
      assert.equal(reason, msg)
      assert.is_false(from_peer)
   end

   it("sends its early data under client_early_traffic_secret right after the ClientHello", function()
      local text, psk, suite = make_session()
      local s = resume_with(text, psk, suite, "early bytes")
      assert.equal("", s.ch.ext[H.EXT.early_data])
      local kinds = {}
      for _, r in ipairs(s.seen_records) do kinds[#kinds + 1] = r.type .. ":" .. r.content end
      assert.same({ H.CT.ccs .. ":\1", H.CT.application_data .. ":early bytes" }, { kinds[2], kinds[3] })
   end)

   it("refuses early_data accepted with another cipher suite than the session's (illegal_parameter)", function()
      local text, psk, suite = make_session()
      assert.equal("TLS_AES_128_GCM_SHA256", suite.name)
      local s = resume_with(text, psk, suite, "early")
      resumed_hello(s, psk, { suite = "TLS_CHACHA20_POLY1305_SHA256" })
      s:send(s:encrypted_extensions { extensions = { { H.EXT.early_data, "" } } })
      failed_with(s, "illegal_parameter", "server accepted our early data with another cipher suite than the session's")
   end)

   it("refuses early_data accepted with another ALPN protocol than the session's (illegal_parameter)", function()
      local text, psk, suite = make_session(true, "h2")
      local s = resume_with(text, psk, suite, "early", { alpn = { "h2", "http/1.1" } })
      resumed_hello(s, psk)
      local alpn = "http/1.1"
      s:send(s:encrypted_extensions { extensions = { { H.EXT.alpn, H.u16(#alpn + 1) .. string.char(#alpn) .. alpn },
                                                     { H.EXT.early_data, "" } } })
      failed_with(s, "illegal_parameter", "server accepted our early data with another ALPN protocol than the session's")
   end)

   it("refuses an early_data answer that is not empty (decode_error)", function()
      local text, psk, suite = make_session()
      local s = resume_with(text, psk, suite, "early")
      resumed_hello(s, psk)
      s:send(s:encrypted_extensions { extensions = { { H.EXT.early_data, "\0\0\0\1" } } })
      failed_with(s, "decode_error", "EncryptedExtensions early_data is not empty")
   end)

   it("refuses early_data in EncryptedExtensions when it sent none (unsupported_extension)", function()
      local text, psk, suite = make_session(false)
      local s = resume_with(text, psk, suite, "not allowed by the ticket")
      assert.is_nil(s.ch.ext[H.EXT.early_data])
      resumed_hello(s, psk)
      s:send(s:encrypted_extensions { extensions = { { H.EXT.early_data, "" } } })
      assert.is_true(s.engine:status().failed)
      assert.equal("unsupported_extension", select(2, s.engine:error()))
   end)

   it("moves to the handshake key when the server declines, and its Finished follows", function()
      local text, psk, suite = make_session()
      local s = resume_with(text, psk, suite, "declined")
      resumed_hello(s, psk)
      s.reader = R.protector(s.suite, s.ks.client_hs)
      assert(s:send(s:encrypted_extensions(), s:finished()))
      assert(s:client_finished())
      assert.equal("rejected", s.engine:info().early_data)
   end)
end)
