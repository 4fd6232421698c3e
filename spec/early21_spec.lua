-- 0-RTT findings of the session 21 review (notes/review_next21.md 3, 4, 5, 9):
-- a failed handshake's early data never reaches the application; the
-- deferred server form (handshake, then receive_early) works; after a
-- HelloRetryRequest the server says "rejected"; declined early data is
-- skipped up to the configured max_early_data, not only 64 KiB; accepted
-- early data closed unread is traced and warned about.
local tls = require "tls"
local E = require "spec.support.engines"
local proc = require "spec.support.proc"
local child = require "spec.support.luachild"

local KEY = ("E"):rep(16) .. ("e"):rep(24) .. "01234567"

local function server_ctx(opts)
   local o, events = E.traced(E.merge({ early_data = true, ticket_keys = { KEY } }, opts))
   return E.server_ctx(o), events
end

local function client_ctx(opts)
   local o, events = E.traced(E.merge({ mode = "client", ca = E.CERT, early_data = true }, opts))
   return assert(tls.context(o)), events
end

local events_of = E.events_of

describe("early21: a failed handshake's early data", function()
   it("is not handed out by e:read_early(): nil and the failure instead", function()
      local sctx = server_ctx { session_store = E.table_store() }
      local cctx = client_ctx()
      local session = E.first_session(cctx, sctx)
      local c = assert(tls.engine(cctx, { servername = "localhost", session = session,
         early_data = "POST /transfer" }))
      local s = assert(tls.engine(sctx))
      assert(c:start())
      assert(s:feed(c:output()))
      assert.equal("accepted", s:info().early_data)
      -- A record that does not open under the early key: the handshake fails
      -- before the client's Finished (a replay would fail there too).
      local ok, msg = s:feed("\23\3\3\0\40" .. ("x"):rep(40))
      assert.is_nil(ok)
      assert.is_true(s:status().failed)
      assert.same({ nil, msg }, { s:read_early() })
      assert.same({ nil, msg }, { s:read_early() })
   end)
end)

-- Our server in a child process, in the deferred form: the handshake
-- first (the client's Finished proves the connection is no replay), then
-- the early data, kept until read.
local SERVER = [[
local tls = require "tls"
io.stdout:setvbuf("line")
local cert, key = arg[1], arg[2]
local data = {}
local st = { get = function(id) return data[id] end, put = function(id, b) data[id] = b end,
   delete = function(id) local had = data[id] ~= nil; data[id] = nil; return had end }
local ctx = assert(tls.context { mode = "server", certificate = cert, key = key, early_data = true,
   session_store = st })
local server = assert(tls.listen("127.0.0.1", 0, ctx, { timeout = 20 }))
print("ready " .. select(2, server:getsockname()))
while true do
   local conn = assert(server:accept())
   conn:settimeout(10)
   local ok, herr = conn:handshake()
   print("handshake " .. tostring(ok) .. " " .. tostring(herr))
   local early, why = conn:receive_early()
   print(early and ("early " .. string.format("%q", early)) or ("no early data: " .. tostring(why)))
   if ok then
      if early then assert(conn:send("done " .. early .. "\n")) end
      local line = conn:receive("*l")
      if line then conn:send("echo " .. line .. "\n") end
   end
   conn:close()
end
]]

describe("early21: the deferred server form over sockets", function()
   after_each(proc.kill_all)
   local dir
   setup(function()
      dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p " .. proc.quote(dir)))
      proc.write_file(dir .. "/cert.pem", E.CERT)
      proc.write_file(dir .. "/key.pem", E.KEY)
      proc.write_file(dir .. "/server.lua", SERVER)
   end)
   teardown(function() os.execute("rm -rf " .. proc.quote(dir)) end)

   local function our_server()
      local h = proc.spawn(string.format("%s %s %s %s %s", proc.lua_env(), proc.lua(),
         proc.quote(dir .. "/server.lua"), proc.quote(dir .. "/cert.pem"), proc.quote(dir .. "/key.pem")),
         { ours = true })
      return h, tonumber(proc.wait_output(h, "ready (%d+)"))
   end

   it("conn:handshake() then conn:receive_early() gives the early data; a failed one gives nil and why", function()
      local h, port = our_server()
      local ctx = client_ctx()
      local conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 }))
      assert(conn:send("one\n"))
      assert.equal("echo one", conn:receive("*l"))
      local session = assert(conn:session())
      conn:close()
      -- The early data is answered once the handshake is complete (1-RTT).
      local conn2 = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10,
         session = session, early_data = "POST /transfer" }))
      assert.equal("accepted", conn2:info().early_data)
      assert.equal("done POST /transfer", conn2:receive("*l"))
      assert(conn2:send("two\n"))
      assert.equal("echo two", conn2:receive("*l"))
      local session2 = assert(conn2:session())
      conn2:close()
      proc.wait_output(h, 'early "POST /transfer"')
      -- A first flight whose handshake then fails (as a replay's does): its
      -- accepted early data is never handed out.
      local socket = require "socket"
      local raw = assert(socket.connect("127.0.0.1", port))
      local c = assert(tls.engine(ctx, { servername = "localhost", session = session2, early_data = "POST /again" }))
      assert(c:start())
      assert(raw:send(c:output() .. "\23\3\3\0\40" .. ("x"):rep(40)))
      local why, why_early = proc.wait_output(h, "handshake nil ([^\n]*)\nno early data: ([^\n]*)\n")
      raw:close()
      local out = h:output()
      assert.truthy(why:find("bad record MAC", 1, true), out)
      assert.equal(why, why_early)
      assert.is_nil(out:find('early "POST /again"', 1, true), out)
   end)
end)

describe("early21: after a HelloRetryRequest", function()
   it("the server says the client's early data was rejected, with the reason in its trace", function()
      local st = E.table_store()
      local sctx = server_ctx { session_store = st }
      local retry, sev = server_ctx { session_store = st, groups = "secp384r1" }
      local cctx = client_ctx()
      local session = E.first_session(cctx, sctx)
      local c, s = E.resume(cctx, retry, session, "early")
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.is_true(s:info().hello_retry)
      assert.equal("rejected", c:info().early_data)
      assert.equal("rejected", s:info().early_data)
      local decided = events_of(sev, "decide", "early_data")
      assert.equal(1, #decided)
      assert.equal("declined", decided[1].result)
      assert.equal("after HelloRetryRequest", decided[1].reason)
      assert.equal("", (s:read_early()))
   end)

   it("a server whose client offered no early data still says nothing about it", function()
      local st = E.table_store()
      local sctx = server_ctx { session_store = st }
      local retry, sev = server_ctx { session_store = st, groups = "secp384r1" }
      local cctx = client_ctx()
      local session = E.first_session(cctx, sctx)
      local c, s = E.resume(cctx, retry, session)
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.is_true(s:info().hello_retry)
      assert.is_nil(c:info().early_data)
      assert.is_nil(s:info().early_data)
      assert.same({}, events_of(sev, "decide", "early_data"))
   end)
end)

describe("early21: declined early data beyond 64 KiB", function()
   local BIG = ("b"):rep(100 * 1024)

   it("is skipped up to the configured max_early_data: the 1-RTT resumption goes on", function()
      -- A store that finds no ticket: declined as a replay, trial-decryption skipping.
      local sctx, sev = server_ctx { session_store = E.forgetful_store(), max_early_data = 200000 }
      local cctx = client_ctx()
      local session = E.first_session(cctx, sctx)
      local c, s = E.resume(cctx, sctx, session, BIG)
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.is_true(s:info().resumed)
      assert.equal("rejected", c:info().early_data)
      assert.equal("replay: this ticket's 0-RTT was already used (or its store entry expired)", events_of(sev, "decide", "early_data")[1].reason)
      assert(c:write("1-RTT"))
      E.pump(c, s, { strict = true })
      assert.equal("1-RTT", s:read())
   end)

   it("is skipped up to the configured max_early_data after a HelloRetryRequest too", function()
      local st = E.table_store()
      local sctx = server_ctx { session_store = st, max_early_data = 200000 }
      local retry = server_ctx { session_store = st, groups = "secp384r1", max_early_data = 200000 }
      local cctx = client_ctx()
      local session = E.first_session(cctx, sctx)
      local c, s = E.resume(cctx, retry, session, BIG)
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.is_true(s:info().hello_retry)
      assert.is_true(s:info().resumed)
      assert.equal("rejected", c:info().early_data)
      assert(c:write("1-RTT"))
      E.pump(c, s, { strict = true })
      assert.equal("1-RTT", s:read())
   end)

   it("is skipped up to what the client's ticket announced, when that is more than the server's setting now", function()
      local issuer = server_ctx { session_store = E.forgetful_store(), max_early_data = 300000 }
      local lower, sev = server_ctx { session_store = E.forgetful_store(), max_early_data = 100000 }
      local cctx = client_ctx()
      local session = E.first_session(cctx, issuer)
      local c, s = E.resume(cctx, lower, session, ("y"):rep(250000))
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.is_true(s:info().resumed)
      assert.equal("rejected", c:info().early_data)
      assert.equal("declined", events_of(sev, "decide", "early_data")[1].result)
   end)

   it("is not skipped without end: past max_early_data and its record overhead, bad_record_mac", function()
      local sctx = server_ctx { session_store = E.forgetful_store(), max_early_data = 100000 }
      local cctx = client_ctx()
      local session = E.first_session(cctx, sctx)
      local c = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = "x" }))
      local s = assert(tls.engine(sctx))
      assert(c:start())
      assert(s:feed(c:output()))
      -- Records that do not open, as skipped early data would: the client's own
      -- and 6 full ones (98357 bytes with their headers) are skipped, the 7th is too many.
      local junk = "\23\3\3\64\0" .. ("j"):rep(16384)
      for _ = 1, 6 do assert(s:feed(junk)) end
      local ok, msg = s:feed(junk)
      assert.is_nil(ok)
      assert.truthy(msg:find("declined 0-RTT records were skipped; at most 101827 are", 1, true), msg)
      local _, alert = s:error()
      assert.equal("bad_record_mac", alert)
   end)
end)

describe("early21: accepted early data closed unread", function()
   it("is a trace event when the server closes", function()
      local sctx, sev = server_ctx { session_store = E.table_store() }
      local cctx = client_ctx()
      local session = E.first_session(cctx, sctx)
      local c, s = E.resume(cctx, sctx, session, "GET /lost")
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.equal("accepted", c:info().early_data)
      assert(s:close())
      local ev = events_of(sev, "decide", "early data unread")
      assert.equal(1, #ev)
      assert.equal("9", ev[1].bytes)
      -- Said once.
      assert(s:close())
      assert.equal(1, #events_of(sev, "decide", "early data unread"))
   end)

   it("is no event when the early data was read, or none was accepted", function()
      local st = E.table_store()
      local sctx, sev = server_ctx { session_store = st }
      local cctx = client_ctx()
      local session = E.first_session(cctx, sctx)
      local _, s = E.resume(cctx, sctx, session, "GET /read")
      assert.equal("GET /read", (s:read_early()))
      assert(s:close())
      local _, s2 = E.resume(cctx, sctx, session, "GET /replayed")
      assert.equal("rejected", s2:info().early_data)
      assert(s2:close())
      assert.same({}, events_of(sev, "decide", "early data unread"))
   end)

   it("is a Lua warning at e:close()", function()
      local ok, out = child.run([[
warn("@on")
local E = require "spec.support.engines"
local data = {}
local st = { get = function(id) return data[id] end, put = function(id, b) data[id] = b end,
   delete = function(id) local had = data[id] ~= nil; data[id] = nil; return had end }
local sctx = E.server_ctx { early_data = true, session_store = st }
local cctx = assert(tls.context { ca = E.CERT, early_data = true })
local session = E.first_session(cctx, sctx)
local c, s = E.resume(cctx, sctx, session, "GET /lost")
print("early_data=" .. tostring(s:info().early_data))
s:close()
print("closed")
]])
      assert.is_true(ok, out)
      assert.truthy(out:find("early_data=accepted\n", 1, true), out)
      assert.truthy(out:find("Lua warning: tls: closed with 9 bytes of accepted 0-RTT data never read "
         .. "(e:read_early()): the client was told they were delivered", 1, true), out)
   end)
end)

describe("early21: accepted early data closed unread on a connection", function()
   it("is a trace event and a Lua warning at conn:close()", function()
      local ok, out = child.run([[
warn("@on")
local socket = require "socket"
local E = require "spec.support.engines"
local data = {}
local st = { get = function(id) return data[id] end, put = function(id, b) data[id] = b end,
   delete = function(id) local had = data[id] ~= nil; data[id] = nil; return had end }
local sctx = E.server_ctx { early_data = true, session_store = st, trace = function(ev)
   if ev.message == "early data unread" then print("trace " .. ev.direction .. " " .. ev.bytes) end
end }
local cctx = assert(tls.context { ca = E.CERT, early_data = true })
local session = E.first_session(cctx, sctx)
local listener = assert(socket.bind("127.0.0.1", 0))
local host, port = listener:getsockname()
local raw = assert(socket.connect(host, port))
local accepted = assert(listener:accept())
local conn = assert(tls.wrap(accepted, sctx))
conn:settimeout(0)
local c = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = "GET /lost" }))
assert(c:start())
assert(raw:send(c:output()))
raw:settimeout(5)
for _ = 1, 100 do
   local done, why = conn:handshake()
   if done then break end
   assert(why == "wantread" or why == "wantwrite" or why == "timeout", why)
   raw:settimeout(0.05)
   local got, _, part = raw:receive(65536)
   got = got or part
   if got and #got > 0 then assert(c:feed(got)); local o = c:output(); if #o > 0 then assert(raw:send(o)) end end
end
print("handshake " .. tostring(conn:info().early_data) .. " " .. tostring(c:info().early_data))
conn:close()
print("closed")
]])
      assert.is_true(ok, out)
      assert.truthy(out:find("handshake accepted accepted\n", 1, true), out)
      assert.truthy(out:find("trace decide 9\n", 1, true), out)
      assert.truthy(out:find("Lua warning: tls: closed with 9 bytes of accepted 0-RTT data never read "
         .. "(conn:receive_early()): the client was told they were delivered", 1, true), out)
   end)
end)
