-- The TLS 1.2 closure rule (rfc5246#7.2.1): "The other party MUST respond
-- with a close_notify alert of its own and close down the connection
-- immediately, discarding any pending writes." On the peer's close_notify a
-- TLS 1.2 end (client or server) queues its own close_notify (unless it sent
-- one) and refuses later writes ("closed"); what arrived before the alert is
-- still read. TLS 1.3 keeps its half-close (rfc8446#6.1): the peer's
-- close_notify ends only the peer's direction.
local tls = require "tls"
local socket = require "socket"
local E = require "spec.support.engines"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local c = certs.get()
local LEAF = c.leaf.ecdsa_p256

-- The Alert events of a trace list in one direction, as "alert/level".
local function alerts(events, direction)
   local out = {}
   for _, ev in ipairs(E.events_of(events, direction, "Alert")) do
      out[#out + 1] = ev.alert .. (ev.level and ("/" .. ev.level) or "")
   end
   return out
end

-- A connected client and server engine pair on `version`, both traced.
local function traced_pair(version)
   local co, cev = E.traced({ max_version = version })
   local so, sev = E.traced({ max_version = version })
   local cl, sv = E.connected(co, so)
   assert.equal(version, cl:info().version)
   return cl, sv, cev, sev
end

describe("TLS 1.2 close_notify (rfc5246#7.2.1), engines", function()
   -- closer: the side that sends close_notify first; other: the one that must answer.
   for _, role in ipairs { "server", "client" } do
      it("the " .. role .. " answers the peer's close_notify, reads what came before it, refuses writes", function()
         local cl, sv, cev, sev = traced_pair("TLSv1.2")
         local answering, closer, aev = sv, cl, sev
         if role == "client" then answering, closer, aev = cl, sv, cev end
         assert(closer:write("last words"))
         assert(closer:close())
         assert(answering:feed(closer:output()))
         local st = answering:status()
         assert.is_true(st.peer_closed)
         assert.is_true(st.close_notify)
         assert.is_true(st.closed, "no close_notify of our own queued")
         assert.is_false(st.failed)
         assert.is_false(st.wants_read)
         assert.equal("output", answering:want())
         -- Received before the alert: still delivered.
         assert.equal("last words", answering:read())
         -- Writes are refused with LuaSocket's word.
         local ok, err = answering:write("too late")
         assert.is_nil(ok)
         assert.equal("closed", err)
         -- The answer is one close_notify, traced as sent.
         assert.same({ "close_notify/warning" }, alerts(aev, "send"))
         local recv = E.events_of(aev, "receive", "Alert")
         assert.equal(1, #recv)
         assert.equal("close_notify", recv[1].alert)
         assert.equal("TLS 1.2: the connection is closed both ways", recv[1].meaning)
         local answer = answering:output()
         assert.truthy(#answer > 0)
         assert.equal("closed", answering:want())
         -- The closer takes it as the peer's close_notify, with no data.
         assert(closer:feed(answer))
         assert.equal("", closer:read())
         assert.is_true(closer:status().peer_closed)
         assert.is_false(closer:status().failed)
         assert.equal("closed", closer:want())
         -- close() afterwards: no second close_notify, no error.
         assert.is_true(answering:close())
         assert.equal("", answering:output())
         assert.same({ "close_notify/warning" }, alerts(aev, "send"))
         assert.is_false(answering:status().failed)
      end)
   end

   it("no answer when our own close_notify went first (both closed at once)", function()
      local cl, sv, _, sev = traced_pair("TLSv1.2")
      assert(cl:close())
      assert(sv:close())
      local from_server = sv:output()
      assert(sv:feed(cl:output()))
      assert.equal("", sv:output())
      assert.same({ "close_notify/warning" }, alerts(sev, "send"))
      assert(cl:feed(from_server))
      assert.equal("", cl:output())
      assert.is_true(cl:status().peer_closed)
      assert.is_true(sv:status().peer_closed)
   end)

   it("a close_notify in the middle of a TLS 1.2 handshake is answered and fails it", function()
      local co, cev = E.traced({ max_version = "TLSv1.2" })
      local cl, sv = E.engines(co)
      assert(cl:start())
      assert(sv:feed(cl:output()))
      assert(cl:feed(sv:output()))
      assert.equal("TLSv1.2", cl:info().version)
      assert.truthy(#cl:output() > 0) -- the client's second flight, lost on the way
      assert(sv:close())              -- the server cancels: user_canceled, close_notify
      -- review40b I1: a handshake that can no longer finish has failed
      local WHY = "the server closed the connection (close_notify) before the handshake finished"
      local fed, why = cl:feed(sv:output())
      assert.is_nil(fed)
      assert.equal(WHY, why)
      local st = cl:status()
      assert.is_false(st.handshake_done)
      assert.is_true(st.peer_closed)
      assert.is_true(st.closed)
      assert.is_true(st.failed)
      -- answered with a close_notify, no error alert (rfc5246#7.2.1)
      assert.same({ "close_notify/warning" }, alerts(cev, "send"))
      assert.equal("output", cl:want())
      sv:feed(cl:output())
      assert.equal("failed", cl:want())
      local ok, err = cl:write("x")
      assert.is_nil(ok)
      assert.equal(WHY, err)
   end)

   it("a server answering a client that closes right after its Finished sends its own Finished first", function()
      -- The server's ChangeCipherSpec and Finished answer the client's
      -- Finished in the same feed as the close_notify: the batched Finished
      -- goes out ahead of our close_notify, as it would without batching.
      local so, sev = E.traced({ max_version = "TLSv1.2" })
      local cl, sv = E.engines({ max_version = "TLSv1.2" }, so)
      assert(cl:start())
      assert(sv:feed(cl:output()))
      assert(cl:feed(sv:output()))
      local flight = cl:output()
      assert(cl:close())
      assert(sv:feed(flight .. cl:output()))
      local out, types, i = sv:output(), {}, 1
      while i + 4 <= #out do
         types[#types + 1] = out:byte(i)
         i = i + 5 + out:byte(i + 3) * 256 + out:byte(i + 4)
      end
      -- NewSessionTicket, ChangeCipherSpec, Finished (sealed), close_notify
      assert.same({ 22, 20, 22, 21 }, types)
      assert.equal(#out + 1, i)
      local st = sv:status()
      assert.is_true(st.handshake_done)
      assert.is_true(st.peer_closed)
      assert.is_false(st.failed)
      assert.equal(1, #E.events_of(sev, "send", "Finished"))
      assert.same({ "close_notify/warning" }, alerts(sev, "send"))
   end)

   it("data after the peer's close_notify is ignored, and the answer is still sent once", function()
      local cl, sv, _, sev = traced_pair("TLSv1.2")
      assert(cl:close())
      local bytes = cl:output()
      assert(sv:feed(bytes))
      assert(sv:feed(bytes))
      assert.same({ "close_notify/warning" }, alerts(sev, "send"))
      assert.is_false(sv:status().failed)
   end)
end)

describe("TLS 1.3 close_notify stays a half-close (rfc8446#6.1), engines", function()
   it("the server goes on writing after the client's close_notify, and the client reads it", function()
      local cl, sv, _, sev = traced_pair("TLSv1.3")
      assert(cl:close())
      assert(sv:feed(cl:output()))
      local st = sv:status()
      assert.is_true(st.peer_closed)
      assert.is_false(st.closed)
      assert.same({}, alerts(sev, "send"))
      assert(sv:write("answer after close_notify"))
      assert(cl:feed(sv:output()))
      assert.equal("answer after close_notify", cl:read())
      assert(sv:close())
      assert(cl:feed(sv:output()))
      assert.is_true(cl:status().peer_closed)
      assert.same({ "close_notify/warning" }, alerts(sev, "send"))
   end)

   it("the client goes on writing after the server's close_notify", function()
      local cl, sv, cev = traced_pair("TLSv1.3")
      assert(sv:close())
      assert(cl:feed(sv:output()))
      assert.is_true(cl:status().peer_closed)
      assert.is_false(cl:status().closed)
      assert.same({}, alerts(cev, "send"))
      assert(cl:write("still talking"))
      assert(sv:feed(cl:output()))
      assert.equal("still talking", sv:read())
   end)
end)

-- A Python TLS 1.2 peer whose unwrap() sends close_notify and then waits for
-- ours (CPython calls SSL_shutdown a second time, which reads until the
-- peer's close_notify): "unwrapped" means ours arrived.
local PY = [[
import ssl, socket, sys
role, port = sys.argv[1], int(sys.argv[2])
if role == "client":
    ctx = ssl.create_default_context(cafile=sys.argv[3])
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    t = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="localhost")
    t.sendall(b"hello luatls\n")
else:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    print("ready", flush=True)
    s, _ = ls.accept()
    s.settimeout(10)
    t = ctx.wrap_socket(s, server_side=True)
    t.sendall(b"hello luatls\n")
print(t.version(), flush=True)
t.unwrap()
print("unwrapped", flush=True)
]]

local function python(args)
   local script = os.tmpname()
   proc.write_file(script, PY)
   local h = proc.spawn(string.format("%s %s %s", peers.python(), script, args), { timeout = 20 })
   return h, function() os.remove(script) end
end

local function server_ctx(events)
   return assert(tls.context { mode = "server", certificate = LEAF.cert, key = LEAF.key, max_version = "TLSv1.2",
      trace = function(ev) events[#events + 1] = ev end })
end

-- Our server's connection, accepted from a listener on a free port; start(port) starts the peer.
local function accept_one(events, start)
   local listener = assert(tls.listen("127.0.0.1", 0, server_ctx(events)))
   local _, port = listener:getsockname()
   local h, cleanup = start(port)
   listener:settimeout(10)
   local conn = assert(listener:accept())
   listener:close()
   conn:settimeout(10)
   assert(conn:handshake())
   return conn, h, cleanup
end

-- Our server, traced, accepting the Python client (PY's "client" mode).
local function accept_python_client()
   local events = {}
   local conn, h, cleanup = accept_one(events, function(port)
      return python(string.format("client %d %s", port, c.ca))
   end)
   return conn, h, cleanup, events
end

-- What our end sees once the peer's close_notify arrived after "hello luatls\n".
local function check_answered(conn, events)
   assert.equal("hello luatls", conn:receive("*l"))
   local rest, err = conn:receive("*a")
   assert.is_nil(rest)
   assert.equal("closed", err)
   local info = conn:info()
   assert.equal("TLSv1.2", info.version)
   assert.is_true(info.close_notify)
   assert.is_false(info.truncated)
   local ok, serr, last = conn:send("too late\n")
   assert.is_nil(ok)
   assert.equal("closed", serr)
   assert.equal(0, last)
   assert.same({ "close_notify/warning" }, alerts(events, "send"))
   -- close(): no second close_notify, no error.
   assert.equal(1, conn:close())
   assert.same({ "close_notify/warning" }, alerts(events, "send"))
end

describe("TLS 1.2 close_notify (rfc5246#7.2.1), real peers on loopback", function()
   after_each(proc.kill_all)

   it("our server answers openssl s_client -tls1_2's close_notify and refuses to send", function()
      local events = {}
      local input = os.tmpname()
      proc.write_file(input, "hello luatls\n")
      local conn, h = accept_one(events, function(port)
         -- At the end of its input s_client sends close_notify (no -ign_eof).
         return proc.spawn(string.format("openssl s_client -connect 127.0.0.1:%d -tls1_2 -CAfile %s "
            .. "-servername localhost", port, c.ca), { stdin = input })
      end)
      check_answered(conn, events)
      h:wait(5)
      os.remove(input)
      assert.truthy(h:output():find("TLSv1.2", 1, true), h:output())
   end)

   it("our server's close_notify reaches a Python client that closed first (unwrap waits for it)", function()
      local conn, h, cleanup, events = accept_python_client()
      check_answered(conn, events)
      assert.is_true(h:wait(10))
      cleanup()
      assert.equal("TLSv1.2\nunwrapped\n", h:output())
   end)

   it("our client answers a Python server's close_notify; the server's unwrap gets it", function()
      local port = proc.free_port()
      local h, cleanup = python(string.format("server %d %s %s", port, LEAF.cert, LEAF.key))
      proc.wait_output(h, "ready")
      local events = {}
      local ctx = peers.client_ctx(c.ca, { max_version = "TLSv1.2",
         trace = function(ev) events[#events + 1] = ev end })
      local conn = peers.connect(port, ctx)
      check_answered(conn, events)
      assert.is_true(h:wait(10))
      cleanup()
      assert.equal("ready\nTLSv1.2\nunwrapped\n", h:output())
   end)

   it("an answer still queued after receive (data and close_notify read together) leaves with send", function()
      local conn, h, cleanup, events = accept_python_client()
      -- Both records wait in the socket: one read takes them.
      proc.wait_output(h, "TLSv1.2")
      socket.sleep(0.3)
      assert.equal("hello luatls", conn:receive("*l"))
      assert.same({ "close_notify/warning" }, alerts(events, "send"))
      local ok, err = conn:send("too late\n")
      assert.is_nil(ok)
      assert.equal("closed", err)
      -- The peer has our close_notify before we close the socket.
      assert.is_true(h:wait(10))
      assert.equal("TLSv1.2\nunwrapped\n", h:output())
      cleanup()
      assert.equal(1, conn:close())
   end)

   it("in non-blocking mode, send after the peer's close_notify says closed at once", function()
      local conn, h, cleanup, events = accept_python_client()
      assert.equal("hello luatls", conn:receive("*l"))
      -- Wait for the close_notify with a blocking receive, then go non-blocking.
      local _, err = conn:receive(1)
      assert.equal("closed", err)
      conn:settimeout(0)
      for _ = 1, 3 do
         local ok, serr, last = conn:send("x")
         assert.is_nil(ok)
         assert.equal("closed", serr)
         assert.equal(0, last)
      end
      assert.same({ "close_notify/warning" }, alerts(events, "send"))
      assert.equal(1, conn:close())
      assert.is_true(h:wait(10))
      cleanup()
      assert.equal("TLSv1.2\nunwrapped\n", h:output())
   end)
end)
