-- TLS 1.2 server resumption (issue 10): RFC 5077 session tickets and session
-- ids kept in a session store, against real clients forced to TLS 1.2
-- (openssl s_client -sess_out/-sess_in, gnutls-cli --resume, Python's ssl),
-- the sessions we must not resume (expired, unknown ticket key, other
-- server name, suite not offered or not enabled, no client certificate for
-- verify = "required", RFC 7627 5.3's extended master secret rules), ticket
-- renewal across a key rotation, and stores that fail.
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local I = require("tls.core")._internal
local CTXM = require("tls.core").context_methods

local c = certs.get()
local ECDSA = c.leaf.ecdsa_p256

-- A server process (spec/support/resume12_server.lua) with ECDSA unless
-- opts say otherwise; returns its handle and port.
local function server(opts)
   local o = { cert = ECDSA.cert, key = ECDSA.key }
   for k, v in pairs(opts or {}) do o[k] = v end
   local args = {}
   for k, v in pairs(o) do args[#args + 1] = proc.quote(k .. "=" .. v) end
   local h = proc.spawn(string.format("%s %s spec/support/resume12_server.lua %s", proc.lua_env(), proc.lua(),
      table.concat(args, " ")), { ours = true })
   return h, tonumber(proc.wait_output(h, "ready (%d+)"))
end

local function hex(s)
   return (s:gsub(".", function(ch) return string.format("%02x", ch:byte()) end))
end

-- A ticket key (48 random bytes) as the server script takes it.
local function ticket_key() return hex(I.random(48)) end

-- openssl s_client -tls1_2 sending a line; o: sess_out, sess_in (files),
-- servername (default localhost), args (more options), env (shell assignments).
local function s_client(port, o)
   o = o or {}
   local cmd = string.format("%sopenssl s_client -connect 127.0.0.1:%d -tls1_2 -CAfile %s -servername %s "
      .. "-verify_return_error -ign_eof %s %s %s", o.env and (o.env .. " ") or "", port, c.ca,
      o.servername or "localhost", o.sess_out and ("-sess_out " .. o.sess_out) or "",
      o.sess_in and ("-sess_in " .. o.sess_in) or "", o.args or "")
   return (proc.run(cmd, "hello luatls\n"))
end

local function reused(out) return out:find("Reused, TLSv1.2, Cipher is", 1, true) ~= nil end
local function new(out) return out:find("New, TLSv1.2, Cipher is", 1, true) ~= nil end

-- What the server printed for its connection n: the "conn" line (or the
-- failure) and the reasons of its resumption decisions.
local function connection(h, n)
   local line
   for _ = 1, 500 do
      local out = h:output()
      line = out:match("\n(conn " .. n .. " [^\n]*)") or out:match("\n(failed " .. n .. " [^\n]*)")
      if line or not h:alive() then break end
      proc.sleep(0.02)
   end
   assert(line, "no connection " .. n .. " in the server's output:\n" .. h:output())
   local status, rest = line:match("^(%a+) %d+ (.*)$")
   local info = { status = status, line = line, reasons = {}, issues = {} }
   if status == "conn" then
      for k, v in rest:gmatch("(%w+)=(%S+)") do info[k] = v end
      info.peer = rest:match("peer=(.-) verified=")
   else
      info.message = rest
   end
   for ev in h:output():gmatch("trace " .. n .. " decide resumption ([^\n]*)") do
      info.reasons[#info.reasons + 1] = ev:match("reason=([^|]*[^ |])")
      info.issues[#info.issues + 1] = ev:match("issues=([^|]*[^ |])")
      info.result = info.result or ev:match("result=([^|]*[^ |])")
   end
   info.trace = table.concat({ h:output():match("(trace " .. n .. " .-)\n[cf]%a+ " .. n .. " ") or "" })
   return info
end

-- Python's ssl client (TLS 1.2 at most) connecting to each port in turn,
-- offering the session of the connection before; prints
-- "connection <i> <version> new|reused" for each. mode "no_ticket" turns
-- tickets off (session ids).
local PY = [==[
import socket, ssl, sys
ca, mode, ports = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(ca)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
if mode == "no_ticket":
    ctx.options |= ssl.OP_NO_TICKET
session = None
for i, port in enumerate(ports):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost", session=session) as s:
            s.sendall(b"hello\n")
            s.recv(100)
            print("connection", i, s.version(), "reused" if s.session_reused else "new", flush=True)
            session = s.session
]==]

local function python_client(ports, mode)
   local script = os.tmpname()
   proc.write_file(script, PY)
   local list = {}
   for i, p in ipairs(ports) do list[i] = tostring(p) end
   local out = proc.run(string.format("%s %s %s %s %s", peers.python(), script, c.ca, mode or "ticket",
      table.concat(list, " ")))
   os.remove(script)
   return out
end

-- An OpenSSL configuration that makes its clients leave out the extended
-- master secret (OpenSSL 3.0's Options = -ExtendedMasterSecret): s_client
-- has no flag for it.
local NO_EMS_CONF = [[
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = sys
[sys]
Options = -ExtendedMasterSecret
]]

describe("TLS 1.2 server resumption with openssl s_client", function()
   local files = {}
   local function file() local f = os.tmpname(); files[#files + 1] = f; return f end
   after_each(function()
      proc.kill_all()
      for _, f in ipairs(files) do os.remove(f) end
      files = {}
   end)

   it("resumes with a session ticket: Reused, TLSv1.2", function()
      local srv, port = server()
      local sess = file()
      local first = s_client(port, { sess_out = sess })
      assert.truthy(new(first), first)
      assert.truthy(first:find("TLS session ticket lifetime hint: 7200 (seconds)", 1, true), first)
      local again = s_client(port, { sess_in = sess })
      assert.truthy(reused(again), again)
      assert.truthy(again:find("\nhello luatls\n", 1, true), again)
      local one, two = connection(srv, 1), connection(srv, 2)
      assert.equal("false", one.resumed)
      assert.same({ "a ticket (RFC 5077)" }, one.issues)
      assert.equal("true", two.resumed)
      assert.equal("resumed", two.result)
      assert.equal("true", two.ems)
      assert.equal(one.cipher, two.cipher)
      -- The exporter works on the resumed connection, with its own randoms.
      assert.matches("^%x+$", two.export)
      assert.are_not.equal(one.export, two.export)
      -- A ticket sealed under the current key is not renewed.
      assert.falsy(two.trace:find("NewSessionTicket", 1, true), two.trace)
   end)

   it("resumes by session id through the session store (-no_ticket)", function()
      local srv, port = server { store = "table" }
      local sess = file()
      local first = s_client(port, { sess_out = sess, args = "-no_ticket" })
      assert.truthy(new(first), first)
      assert.falsy(first:find("TLS session ticket:", 1, true), first)
      local id = first:match("Session%-ID: (%x+)\n")
      assert.equal(64, #id, first)
      local again = s_client(port, { sess_in = sess, args = "-no_ticket" })
      assert.truthy(reused(again), again)
      assert.equal(id, again:match("Session%-ID: (%x+)\n"))
      local one, two = connection(srv, 1), connection(srv, 2)
      assert.same({ "a session id, its session in the session store" }, one.issues)
      assert.equal("true", two.resumed)
      assert.truthy(two.trace:find("via=session id", 1, true), two.trace)
   end)

   it("sends an empty session id without a store, so a client cannot try one", function()
      local srv, port = server()
      local sess = file()
      local first = s_client(port, { sess_out = sess, args = "-no_ticket" })
      assert.truthy(first:find("Session-ID: \n", 1, true), first)
      -- nothing resumable: s_client writes no session
      assert.equal("", proc.read_file(sess))
      assert.same({ "nothing: the client takes no tickets and there is no session store" },
         connection(srv, 1).issues)
      -- nor can Python's ssl resume anything
      assert.equal("connection 0 TLSv1.2 new\nconnection 1 TLSv1.2 new\n", python_client({ port, port }, "no_ticket"))
      assert.equal("false", connection(srv, 3).resumed)
   end)

   it("with tickets = 0 sends no SessionTicket extension and no ticket", function()
      local srv, port = server { tickets = "0" }
      local sess = file()
      local first = s_client(port, { sess_out = sess })
      assert.truthy(new(first), first)
      assert.falsy(first:find("TLS session ticket", 1, true), first)
      local one = connection(srv, 1)
      assert.same({ "nothing: tickets are off (tickets = 0) and there is no session store" }, one.issues)
      assert.falsy(one.trace:find("session_ticket=", 1, true), one.trace)
      assert.equal("", proc.read_file(sess))
   end)

   it("does a full handshake, with a Lua warning, when the store's get raises", function()
      local srv, port = server { store = "raising" }
      local sess = file()
      s_client(port, { sess_out = sess, args = "-no_ticket" })
      local again = s_client(port, { sess_in = sess, args = "-no_ticket" })
      assert.truthy(new(again), again)
      local two = connection(srv, 2)
      assert.equal("false", two.resumed)
      assert.same({ "the session store does not have it" }, two.reasons)
      assert.truthy(srv:output():find("Lua warning: tls: session store get failed %(treated as a miss%): "
         .. "spec/support/resume12_server.lua:%d+: store is down"), srv:output())
      assert.truthy(srv:output():find("Lua warning: tls: session store put failed (treated as a miss)", 1, true))
   end)

   it("does not resume an expired session (clock moved past the lifetime)", function()
      local srv, port = server { clock = "0,7201" }
      local sess = file()
      s_client(port, { sess_out = sess })
      local again = s_client(port, { sess_in = sess })
      assert.truthy(new(again), again)
      local two = connection(srv, 2)
      assert.equal("false", two.resumed)
      assert.matches("^expired: made 72%d%d s ago, usable for 7200 s$", two.reasons[1])
      -- a full handshake gives a new ticket
      assert.same({ "a ticket (RFC 5077)" }, two.issues)
   end)

   it("resumes a session within its lifetime (clock moved, not past it)", function()
      local srv, port = server { clock = "0,7000" }
      local sess = file()
      s_client(port, { sess_out = sess })
      assert.truthy(reused(s_client(port, { sess_in = sess })))
      assert.equal("true", connection(srv, 2).resumed)
   end)

   it("applies a lifetime shortened since the session was made", function()
      local key = ticket_key()
      local _, port = server { keys = key }
      local sess = file()
      s_client(port, { sess_out = sess })
      local srv2, port2 = server { keys = key, ticket_lifetime = "60", clock = "120" }
      assert.truthy(new(s_client(port2, { sess_in = sess })))
      assert.matches("^expired: made 12%d s ago, usable for 60 s$", connection(srv2, 1).reasons[1])
   end)

   it("does not resume a session made for another server name", function()
      local srv, port = server()
      local sess = file()
      s_client(port, { sess_out = sess })
      -- (s_client checks the chain, not the name: the handshake itself goes on)
      local again = s_client(port, { sess_in = sess, servername = "other.example" })
      assert.truthy(new(again), again)
      local two = connection(srv, 2)
      assert.equal("false", two.resumed)
      assert.same({ 'made for server name "localhost", this ClientHello names "other.example"' }, two.reasons)
   end)

   it("does not resume when the client no longer offers the session's suite", function()
      local srv, port = server()
      local sess = file()
      s_client(port, { sess_out = sess, args = "-cipher ECDHE-ECDSA-AES128-GCM-SHA256" })
      local again = s_client(port, { sess_in = sess, args = "-cipher ECDHE-ECDSA-AES256-GCM-SHA384" })
      assert.truthy(again:find("New, TLSv1.2, Cipher is ECDHE-ECDSA-AES256-GCM-SHA384", 1, true), again)
      local two = connection(srv, 2)
      assert.equal("false", two.resumed)
      assert.same({ "the client does not offer its cipher suite TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
         two.reasons)
   end)

   it("does not resume a session whose suite is no longer enabled", function()
      local key = ticket_key()
      local _, port = server { keys = key }
      local sess = file()
      s_client(port, { sess_out = sess, args = "-cipher ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384" })
      local srv2, port2 = server { keys = key, ciphers = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" }
      local again = s_client(port2, { sess_in = sess,
                                      args = "-cipher ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384" })
      assert.truthy(new(again), again)
      assert.same({ "its cipher suite TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 is not enabled here" },
         connection(srv2, 1).reasons)
   end)

   it("keeps the client certificate of a mutual TLS session: peer and verified carry over", function()
      local m = certs.clients()
      local srv, port = server { verify = "optional", ca = m.ca }
      local sess = file()
      local auth = string.format("-cert %s -key %s", m.ecdsa.cert, m.ecdsa.key)
      s_client(port, { sess_out = sess, args = auth })
      local again = s_client(port, { sess_in = sess, args = auth })
      assert.truthy(reused(again), again)
      local one, two = connection(srv, 1), connection(srv, 2)
      assert.equal("true", two.resumed)
      assert.equal("CN=luatls client", one.peer)
      assert.equal(one.peer, two.peer)
      assert.equal("true", two.verified)
   end)

   it("does not resume a session without a client certificate where one is now required", function()
      local m = certs.clients()
      local key = ticket_key()
      local _, port = server { keys = key, verify = "optional", ca = m.ca }
      local sess = file()
      assert.truthy(new(s_client(port, { sess_out = sess })))
      local srv2, port2 = server { keys = key, verify = "required", ca = m.ca }
      s_client(port2, { sess_in = sess })
      local one = connection(srv2, 1)
      assert.equal("failed", one.status)
      assert.equal('client sent no certificate, and this server requires one (verify = "required")', one.message)
      assert.same({ "this server requires a verified client certificate, and the session has none" }, one.reasons)
   end)

   it("logs the resumed connection's master secret under its new client random", function()
      local keylog, client_log = file(), file()
      local _, port = server { keylog = keylog }
      local sess = file()
      s_client(port, { sess_out = sess })
      assert.truthy(reused(s_client(port, { sess_in = sess, args = "-keylogfile " .. client_log })))
      local ours = proc.read_file(keylog)
      local line = proc.read_file(client_log):match("(CLIENT_RANDOM %x+ %x+)")
      assert.truthy(line, proc.read_file(client_log))
      assert.truthy(ours:find(line, 1, true), ours)
   end)
end)

describe("TLS 1.2 server resumption across ticket keys (Python's ssl keeps a renewed ticket)", function()
   after_each(proc.kill_all)

   it("resumes a ticket of an older key and renews it under the current one", function()
      -- (s_client writes no -sess_out after a resumption: Python's ssl
      -- keeps the session it renews)
      local old, current = ticket_key(), ticket_key()
      local srv1, port1 = server { keys = old }
      -- rotated: the old key still opens
      local srv2, port2 = server { keys = current .. "," .. old }
      -- the old key dropped
      local srv3, port3 = server { keys = current }
      local out = python_client { port1, port2, port3 }
      assert.equal("connection 0 TLSv1.2 new\nconnection 1 TLSv1.2 reused\nconnection 2 TLSv1.2 reused\n", out)
      assert.equal("false", connection(srv1, 1).resumed)
      local two = connection(srv2, 1)
      assert.equal("true", two.resumed)
      assert.truthy(two.trace:find("ticket=renewed: it was sealed under a key that is no longer the current one",
         1, true), two.trace)
      assert.truthy(two.trace:find("send NewSessionTicket lifetime_hint=7%d+ s | ticket=the resumed session"),
         two.trace)
      local three = connection(srv3, 1)
      assert.equal("true", three.resumed)
      -- sealed under the current key: not renewed again
      assert.falsy(three.trace:find("NewSessionTicket", 1, true), three.trace)
   end)

   it("does not resume a ticket of a dropped key", function()
      local old, current = ticket_key(), ticket_key()
      local _, port1 = server { keys = old }
      local srv2, port2 = server { keys = current }
      assert.equal("connection 0 TLSv1.2 new\nconnection 1 TLSv1.2 new\n", python_client { port1, port2 })
      assert.same({ "not sealed by any of our ticket keys (an unknown or dropped key, or altered bytes)" },
         connection(srv2, 1).reasons)
   end)
end)

describe("TLS 1.2 server resumption and the extended master secret (RFC 7627 5.3)", function()
   local conf, files = nil, {}
   setup(function()
      conf = os.tmpname()
      proc.write_file(conf, NO_EMS_CONF)
   end)
   teardown(function() os.remove(conf) end)
   local function file() local f = os.tmpname(); files[#files + 1] = f; return f end
   after_each(function()
      proc.kill_all()
      for _, f in ipairs(files) do os.remove(f) end
      files = {}
   end)
   local function no_ems() return "OPENSSL_CONF=" .. proc.quote(conf) end

   it("aborts with handshake_failure a session made with EMS resumed without it", function()
      local srv, port = server { require_ems = "false" }
      local sess = file()
      local first = s_client(port, { sess_out = sess })
      assert.truthy(first:find("Extended master secret: yes", 1, true), first)
      local again = s_client(port, { sess_in = sess, env = no_ems() })
      assert.truthy(again:find("SSL alert number 40", 1, true), again)
      local two = connection(srv, 2)
      assert.equal("failed", two.status)
      assert.equal("the client resumes a session made with the extended master secret (RFC 7627) without "
         .. "offering it: someone may be replaying or splicing that session", two.message)
   end)

   it("does a full handshake for a session made without EMS when the client now offers it", function()
      local srv, port = server { require_ems = "false" }
      local sess = file()
      local first = s_client(port, { sess_out = sess, env = no_ems() })
      assert.truthy(first:find("Extended master secret: no", 1, true), first)
      local again = s_client(port, { sess_in = sess })
      assert.truthy(new(again), again)
      assert.truthy(again:find("Extended master secret: yes", 1, true), again)
      local two = connection(srv, 2)
      assert.equal("false", two.resumed)
      assert.same({ "made without the extended master secret, which the client now offers (RFC 7627 5.3)" },
         two.reasons)
   end)

   it("with require_ems = false resumes a session without EMS for a client without it", function()
      local srv, port = server { require_ems = "false" }
      local sess = file()
      s_client(port, { sess_out = sess, env = no_ems() })
      local again = s_client(port, { sess_in = sess, env = no_ems() })
      assert.truthy(reused(again), again)
      local two = connection(srv, 2)
      assert.equal("true", two.resumed)
      assert.equal("false", two.ems)
   end)
end)

describe("TLS 1.2 server resumption with other clients", function()
   after_each(proc.kill_all)

   for _, v in ipairs { { "tickets", "" , {} }, { "session ids", ":%NO_TICKETS", { store = "table" } } } do
      it("resumes gnutls-cli --resume with " .. v[1], function()
         local srv, port = server(v[3])
         local out = proc.run(string.format("gnutls-cli --resume --x509cafile %s --priority "
            .. "'NORMAL:-VERS-ALL:+VERS-TLS1.2%s' -p %d localhost", c.ca, v[2], port), "hello luatls\n")
         assert.truthy(out:find("*** This is a resumed session", 1, true), out)
         assert.equal("false", connection(srv, 1).resumed)
         assert.equal("true", connection(srv, 2).resumed)
         assert.truthy(connection(srv, 2).trace:find(v[1] == "tickets" and "via=ticket" or "via=session id", 1, true))
      end)
   end


   for _, v in ipairs { { "tickets", "ticket", {} }, { "session ids", "no_ticket", { store = "table" } } } do
      it("resumes Python's ssl (TLS 1.2 at most) with " .. v[1], function()
         local srv, port = server(v[3])
         local out = python_client({ port, port }, v[2])
         assert.equal("connection 0 TLSv1.2 new\nconnection 1 TLSv1.2 reused\n", out)
         assert.equal("true", connection(srv, 2).resumed)
         assert.truthy(connection(srv, 2).trace:find(v[2] == "ticket" and "via=ticket" or "via=session id", 1, true))
      end)
   end
end)

describe("TLS 1.2 server resumption against our own client (engines in one process)", function()
   local tls = require "tls"
   local E = require "spec.support.engines"
   local B = require "spec.support.tlsbytes"
   local SESSION_TICKET, SERVER_NAME, EMS = 35, 0, 23

   -- One handshake of a client (context cctx, offering session) with a
   -- server engine on sctx: both engines and the server's ServerHello.
   local function visit(cctx, sctx, session)
      local cl = assert(tls.engine(cctx, { servername = "localhost", session = session }))
      local sv = assert(tls.engine(sctx))
      local hello
      E.handshake(cl, sv, { tap = function(from, bytes)
         if from == sv and not hello then hello = B.first_server_hello(bytes) end
      end })
      return cl, sv, hello
   end

   local function client_ctx(extra)
      return assert(tls.context(E.merge({ mode = "client", ca = E.CERT, max_version = "TLSv1.2" }, extra)))
   end

   it("resumes with a ticket: no server_name in the resumed ServerHello, the same keys both sides", function()
      local cctx, sctx = client_ctx(), E.server_ctx { max_version = "TLSv1.2" }
      local c1, s1, hello1 = visit(cctx, sctx)
      assert.equal("", hello1.ext[SESSION_TICKET])
      assert.equal("", hello1.ext[SERVER_NAME])
      assert.equal("", hello1.session_id)
      local c2, s2, hello2 = visit(cctx, sctx, c1:session())
      assert.is_true(c2:info().resumed)
      assert.is_true(s2:info().resumed)
      -- rfc6066#3: no server_name when resuming; rfc7627: EMS again
      assert.is_nil(hello2.ext[SERVER_NAME])
      assert.equal("", hello2.ext[EMS])
      -- not renewed: the ticket is under the current key
      assert.is_nil(hello2.ext[SESSION_TICKET])
      assert.is_true(s2:info().extended_master_secret)
      assert.equal(c2:export("EXPERIMENTAL luatls", nil, 32), s2:export("EXPERIMENTAL luatls", nil, 32))
      assert.are_not.equal(s1:export("EXPERIMENTAL luatls", nil, 32), s2:export("EXPERIMENTAL luatls", nil, 32))
      assert.equal(s1:info().cipher, s2:info().cipher)
   end)

   it("renews a ticket of an older key, and our client keeps the renewed session", function()
      local old, current = I.random(48), I.random(48)
      local cctx, sctx = client_ctx(), E.server_ctx { max_version = "TLSv1.2", ticket_keys = { old } }
      local c1 = visit(cctx, sctx)
      assert(CTXM.set_ticket_keys(sctx, { current, old }))
      local c2, s2, hello2 = visit(cctx, sctx, c1:session())
      assert.is_true(s2:info().resumed)
      assert.equal("", hello2.ext[SESSION_TICKET])
      local renewed = c2:session()
      assert.are_not.equal(c1:session(), renewed)
      assert(CTXM.set_ticket_keys(sctx, { current }))
      local _, s3, hello3 = visit(cctx, sctx, renewed)
      assert.is_true(s3:info().resumed)
      assert.is_nil(hello3.ext[SESSION_TICKET])
      local _, s4 = visit(cctx, sctx, c1:session())
      assert.is_false(s4:info().resumed)
   end)

   it("resumes by session id through a Lua table store, echoing the id", function()
      local store, kept = E.table_store()
      local master
      local cctx = client_ctx { keylog = function(line) master = B.unhex(line:match("^CLIENT_RANDOM %x+ (%x+)$")) end }
      local sctx = E.server_ctx { max_version = "TLSv1.2", tickets = 0, session_store = store }
      local c1, _, hello1 = visit(cctx, sctx)
      assert.is_nil(hello1.ext[SESSION_TICKET])
      assert.equal(32, #hello1.session_id)
      -- the store holds the sealed session, never the master secret in the clear
      local blob = kept[hello1.session_id]
      assert.is_string(blob)
      assert.equal(48, #master)
      assert.falsy(blob:find(master, 1, true))
      assert.falsy(blob:find("localhost", 1, true))
      local c2, s2, hello2 = visit(cctx, sctx, c1:session())
      assert.is_true(s2:info().resumed)
      assert.is_true(c2:info().resumed)
      assert.equal(hello1.session_id, hello2.session_id)
   end)

   it("carries the client certificate over to the resumed connection", function()
      local m = certs.clients()
      local cctx = client_ctx { certificate = m.ecdsa.cert, key = m.ecdsa.key }
      local sctx = E.server_ctx { max_version = "TLSv1.2", verify = "required", ca = m.ca }
      local c1, s1 = visit(cctx, sctx)
      local _, s2 = visit(cctx, sctx, c1:session())
      assert.is_true(s2:info().resumed)
      assert.is_true(s2:info().peer_verified)
      assert.equal(s1:info().peer_certificate.subject, s2:info().peer_certificate.subject)
      assert.equal(s1:peercertificate():pem(), s2:peercertificate():pem())
   end)

   it("negotiates ALPN afresh on resumption (RFC 7301 3.1: a property of the connection)", function()
      local sctx = E.server_ctx { max_version = "TLSv1.2", alpn = { "h2", "http/1.1" } }
      local c1 = visit(client_ctx { alpn = { "http/1.1" } }, sctx)
      assert.equal("http/1.1", c1:info().alpn)
      local c2, s2 = visit(client_ctx { alpn = { "h2", "http/1.1" } }, sctx, c1:session())
      assert.is_true(s2:info().resumed)
      assert.equal("h2", s2:info().alpn)
      assert.equal("h2", c2:info().alpn)
   end)

   -- The resumption decisions a server context traced: { {result=, reason=, via=, issues=}, ... }.
   local function decisions_of(events)
      local out = {}
      for _, ev in ipairs(events) do
         if ev.message == "resumption" then out[#out + 1] = ev end
      end
      return out
   end

   it("with tickets = 0 does not open a ticket, even one of its own keys", function()
      local key = I.random(48)
      local cctx = client_ctx()
      local c1 = visit(cctx, E.server_ctx { max_version = "TLSv1.2", ticket_keys = { key } })
      local events = {}
      local off = E.server_ctx { max_version = "TLSv1.2", ticket_keys = { key }, tickets = 0,
                                 trace = function(ev) events[#events + 1] = ev end }
      local _, s2, hello2 = visit(cctx, off, c1:session())
      assert.is_false(s2:info().resumed)
      assert.is_nil(hello2.ext[SESSION_TICKET])
      local d = decisions_of(events)
      assert.equal("tickets are off (tickets = 0)", d[1].reason)
      assert.equal("nothing: tickets are off (tickets = 0) and there is no session store", d[2].issues)
   end)

   it("takes a blob from the store that is not a sealed session as a miss", function()
      local store, kept = E.table_store()
      local events = {}
      local cctx = client_ctx()
      local sctx = E.server_ctx { max_version = "TLSv1.2", tickets = 0, session_store = store,
                                  trace = function(ev) events[#events + 1] = ev end }
      local c1, _, hello1 = visit(cctx, sctx)
      kept[hello1.session_id] = ("x"):rep(200)
      local _, s2 = visit(cctx, sctx, c1:session())
      assert.is_false(s2:info().resumed)
      local d = decisions_of(events)
      assert.equal("session id not used", d[2].result)
      assert.equal("session id", d[2].via)
      assert.equal("not sealed by any of our ticket keys (an unknown or dropped key, or altered bytes)", d[2].reason)
   end)

   it("traces why a session was not resumed, and what the full handshake issues", function()
      local cctx = client_ctx()
      local sctx = E.server_ctx { max_version = "TLSv1.2" }
      local c1 = visit(cctx, sctx)
      local events = {}
      local other = E.server_ctx { max_version = "TLSv1.2", trace = function(ev) events[#events + 1] = ev end }
      local _, s2 = visit(cctx, other, c1:session())
      assert.is_false(s2:info().resumed)
      local decisions = {}
      for _, ev in ipairs(events) do
         if ev.message == "resumption" then decisions[#decisions + 1] = ev end
      end
      assert.equal(2, #decisions)
      assert.equal("decide", decisions[1].direction)
      assert.equal("ticket not used", decisions[1].result)
      assert.equal("ticket", decisions[1].via)
      assert.equal("not sealed by any of our ticket keys (an unknown or dropped key, or altered bytes)",
         decisions[1].reason)
      assert.equal("full handshake", decisions[2].result)
      assert.equal("a ticket (RFC 5077)", decisions[2].issues)
   end)
end)
