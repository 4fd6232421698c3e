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
local proc = require "spec.support.proc"

local KEY = ("E"):rep(16) .. ("e"):rep(32)

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

local function events_of(events, direction, message)
   local out = {}
   for _, ev in ipairs(events) do
      if ev.direction == direction and ev.message == message then out[#out + 1] = ev end
   end
   return out
end

-- A server context: early_data on, the shared ticket key, options on top.
local function server_ctx(opts)
   local o, events = E.traced(E.merge({ early_data = true, ticket_keys = { KEY } }, opts))
   return E.server_ctx(o), events
end

local function client_ctx(opts)
   local o, events = E.traced(E.merge({ mode = "client", ca = E.CERT, early_data = true }, opts))
   return assert(tls.context(o)), events
end

-- A full handshake of a client on cctx with a server on sctx: the session
-- (with its tickets read).
local function first_session(cctx, sctx)
   local c = assert(tls.engine(cctx, { servername = "localhost" }))
   local s = assert(tls.engine(sctx))
   E.handshake(c, s)
   assert(s:write("tickets first"))
   E.pump(s, c, { strict = true })
   assert.equal("tickets first", c:read())
   return assert(c:session())
end

-- A client engine offering `session` with early data `early` (nil: none)
-- to a new server engine on sctx; pumped until both are done (or failed).
local function resume(cctx, sctx, session, early)
   local c = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = early }))
   local s = assert(tls.engine(sctx))
   assert(c:start())
   E.pump(c, s)
   return c, s
end

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
      -- The ticket's entry is gone (it served its one 0-RTT); the resumed
      -- connection's own two tickets are registered.
      local n = 0
      for _ in pairs(data) do n = n + 1 end
      assert.equal(3, n)
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

   it("is refused by a server without a session store (no anti-replay), which skips the records", function()
      local sctx, sev = server_ctx()
      local cctx = client_ctx()
      local session = first_session(cctx, sctx)
      local c, s = resume(cctx, sctx, session, ("x"):rep(5000))
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.equal("rejected", c:info().early_data)
      assert.equal("no session store to check replays against", events_of(sev, "decide", "early_data")[1].reason)
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
      assert.same({}, events_of(sev, "decide", "early_data"))
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
      assert.same({ nil, "early data is given before the handshake starts" }, { e:write_early("x") })
      assert.same({ nil, "tls.engine: option 'early_data' needs option 'session' (0-RTT data goes only to a "
         .. "server resumed)" }, { tls.engine(cctx, { early_data = "x" }) })
   end)
end)

describe("0-RTT: our server and a client offering several PSKs", function()
   it("accepts early data only when the PSK it accepted is the client's first (rfc8446#4.2.10)", function()
      local st = table_store()
      local sctx, sev = server_ctx { session_store = st }
      local sv = assert(tls.engine(sctx))
      local cl = P.client()
      assert(sv:feed(cl:hello { server_name = "localhost" }))
      cl:receive(sv:output())
      assert(sv:feed(cl:finished()))
      local tickets = cl:tickets(sv:output())
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

-- Our server in a child process, serving connections one after the
-- other: it prints what receive_early gave, then echoes a 1-RTT line.
local SERVER = [[
local tls = require "tls"
io.stdout:setvbuf("line")
local cert, key, use_store = arg[1], arg[2], arg[3] == "store"
local data = {}
local st = { get = function(id) return data[id] end, put = function(id, b) data[id] = b end,
   delete = function(id) local had = data[id] ~= nil; data[id] = nil; return had end }
local ctx = assert(tls.context { mode = "server", certificate = cert, key = key, early_data = true,
   session_store = use_store and st or nil })
local server = assert(tls.listen("127.0.0.1", 0, ctx, { timeout = 20 }))
print("ready " .. select(2, server:getsockname()))
while true do
   local conn = assert(server:accept())
   conn:settimeout(10)
   local early, why = conn:receive_early()
   print(early and ("early " .. string.format("%q", early)) or ("no early data: " .. tostring(why)))
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
      assert.truthy(out2:find("echo two", 1, true), out2)
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

   it("our server without a session store refuses s_client's early data and still serves it", function()
      local h, port = our_server("none")
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
