-- TLS 1.2 resumption on our client (csrc/hs/tls12_resume_client.c):
-- against real TLS 1.2 servers (OpenSSL with tickets and with session ids,
-- GnuTLS, Python's ssl), the rules of when a session is offered, and a
-- scripted server (spec/support/tls12_peer.lua) that resumes, or breaks
-- the rules of RFC 5077, RFC 5246 7.3 and RFC 7627 5.3 on purpose.
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local I = require("tls.core")._internal
local socket = require "socket"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local T = require "spec.support.tls12_peer"

local c = certs.get()

local function client_ctx(extra)
   return assert(tls.context(E.merge({ mode = "client", ca = c.ca }, extra)))
end

-- ctx options plus a trace collecting the "resumption" decisions.
local function traced_ctx(extra)
   local decisions = {}
   local ctx = client_ctx(E.merge({ trace = function(ev)
      if ev.message == "resumption" then decisions[#decisions + 1] = ev end
   end }, extra))
   return ctx, decisions
end

local function connect(port, ctx, session, servername)
   return peers.connect(port, ctx or client_ctx(), { servername = servername or "localhost", session = session })
end

local function hex(s)
   return (s:gsub(".", function(ch) return string.format("%02X", ch:byte()) end))
end

-- s_server -www's status page: "New, ..." or "Reused, ..." for the session.
local www = peers.status_page

-- One connection to an s_server -www: its info, the session it leaves and the status page.
local function visit(port, ctx, session, servername)
   local conn = connect(port, ctx, session, servername)
   local info = conn:info()
   local cert = conn:peercertificate()
   local page = www(conn)
   local s = conn:session()
   conn:close()
   return info, s, page, cert
end

local function s_server12(args, kind)
   local cert = c.leaf[kind or "ecdsa_p256"]
   return peers.s_server(string.format("-tls1_2 -www -cert %s -key %s %s", cert.cert, cert.key, args or ""))
end

local function last(list, field, value)
   for i = #list, 1, -1 do
      if list[i][field] == value then return list[i] end
   end
end

describe("our TLS 1.2 client resumes against openssl s_server -tls1_2", function()
   after_each(proc.kill_all)

   for _, mode in ipairs { { "a ticket (RFC 5077)", "", "a ticket of %d+ bytes" },
                           { "a session id (-no_ticket)", "-no_ticket", "the server's session id %(32 bytes%)" } } do
      for _, versions in ipairs { { "offering TLS 1.3 too", {} }, { "offering TLS 1.2 only", { max_version = "TLSv1.2" } } } do
         it("with " .. mode[1] .. ", " .. versions[1], function()
            local _, port = s_server12(mode[2])
            local ctx, decisions = traced_ctx(versions[2])
            local info, s, page = visit(port, ctx)
            assert.is_false(info.resumed)
            assert.truthy(page:find("New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256", 1, true), page)
            assert.is_string(s)
            assert.truthy(last(decisions, "result", "session kept (conn:session())").present
               :match("^" .. mode[3]:gsub(" %(RFC 5077%)", "") .. " next time$"))

            local info2, s2, page2, cert2 = visit(port, ctx, s)
            assert.truthy(page2:find("Reused, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256", 1, true), page2)
            assert.is_true(info2.resumed)
            assert.equal("TLSv1.2", info2.version)
            assert.equal("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", info2.cipher)
            assert.is_true(info2.extended_master_secret)
            -- the peer is still visible, and still verified, without a Certificate message
            assert.is_true(info2.peer_verified)
            assert.equal(info.peer_certificate.subject, info2.peer_certificate.subject)
            assert.equal(info.peer_certificate.sha256, info2.peer_certificate.sha256)
            assert.truthy(cert2)
            assert.equal("resumed", last(decisions, "result", "resumed").result)
            local offered = last(decisions, "result", "offered")
            assert.truthy(offered.present:match("^" .. mode[3]), offered.present)
            -- the session of a resumed connection resumes again
            assert.is_string(s2)
            local info3, _, page3 = visit(port, ctx, s2)
            assert.is_true(info3.resumed)
            assert.truthy(page3:find("Reused, TLSv1.2", 1, true), page3)
         end)
      end
   end

   it("says what a session is in its text, which round-trips", function()
      local _, port = s_server12()
      local _, s = visit(port, client_ctx())
      assert.truthy(s:match("^%-%-%-%-%-BEGIN LUATLS SESSION%-%-%-%-%-\nServer: localhost\nVersion: TLSv1%.2\n"
         .. "Expires: %d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ\n\n"), s)
      -- an engine takes it back as it is; a damaged one is refused with a reason
      assert(tls.engine(client_ctx(), { servername = "localhost", session = s }))
      local e, err = tls.engine(client_ctx(), { servername = "localhost", session = s:gsub("\n\n(....)", "\n\nAAAA", 1) })
      assert.is_nil(e)
      assert.equal("option 'session': session: not a luatls session (or from another version of it)", err)
      local info = visit(port, client_ctx(), s)
      assert.is_true(info.resumed)
   end)

   it("exports the keying material OpenSSL computes, on the resumed connection too", function()
      -- s_server's default mode prints the keying material; it gets a stdin that lasts.
      local port = proc.free_port("127.0.0.1")
      local h = proc.spawn(string.format("sleep 30 | openssl s_server -accept 127.0.0.1:%d -tls1_2 -cert %s -key %s "
         .. "-keymatexport EXPERIMENTER -keymatexportlen 20", port, c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key))
      proc.wait_port("127.0.0.1", port, 10, h)
      local session
      for round = 1, 2 do
         local conn = connect(port, client_ctx(), session)
         assert.equal(round == 2, conn:info().resumed)
         local ours = hex(assert(conn:export("EXPERIMENTER", nil, 20)))
         assert(conn:send("x\n"))
         local deadline = socket.gettime() + 10
         local seen
         repeat
            seen = {}
            for m in h:output():gmatch("Keying material: (%x+)") do seen[#seen + 1] = m end
            if #seen < round then socket.sleep(0.02) end
         until #seen >= round or socket.gettime() > deadline
         assert.equal(ours, seen[round], h:output())
         session = conn:session()
         conn:close()
      end
      assert.truthy(h:output():find("Reused session-id", 1, true), h:output())
   end)

   it("does a full handshake when the session was made for another name", function()
      local _, port = s_server12()
      local ctx, decisions = traced_ctx()
      local _, s = visit(port, ctx)
      -- the leaf also names 127.0.0.1, so this connection verifies
      local info, _, page = visit(port, ctx, s, "127.0.0.1")
      assert.is_false(info.resumed)
      assert.truthy(page:find("New, TLSv1.2", 1, true), page)
      local d = last(decisions, "result", "not offered: full handshake")
      assert.equal("the session was made for another server name", d.reason)
   end)

   it("does a full handshake when the session has expired (the context's clock moved on)", function()
      local _, port = s_server12()
      local ctx, decisions = traced_ctx()
      local _, s = visit(port, ctx)
      -- OpenSSL hints 7200 s
      CTXM.set_clock_offset(ctx, 7200 + 60)
      local info, _, page = visit(port, ctx, s)
      assert.is_false(info.resumed)
      assert.truthy(page:find("New, TLSv1.2", 1, true), page)
      assert.equal("the session has expired", last(decisions, "result", "not offered: full handshake").reason)
      CTXM.set_clock_offset(ctx, 0)
      assert.is_true((visit(port, ctx, s)).resumed)
   end)

   it("does a full handshake when the server forgot the session, and keeps the new one", function()
      local h, port = s_server12("-no_ticket")
      local ctx, decisions = traced_ctx()
      local _, s = visit(port, ctx)
      h:kill()
      proc.kill_all()
      local _, port2 = s_server12("-no_ticket")
      local info, s2, page = visit(port2, ctx, s)
      assert.is_false(info.resumed)
      assert.truthy(page:find("New, TLSv1.2", 1, true), page)
      assert.equal("the server did not resume the session we offered (no echo of our session id)",
         last(decisions, "result", "full handshake").reason)
      assert.is_true((visit(port2, ctx, s2)).resumed)
   end)
end)

describe("our TLS 1.2 client resumes against GnuTLS (gnutls-serv, TLS 1.2 priority)", function()
   after_each(proc.kill_all)

   local function echo(port, ctx, session)
      local conn = connect(port, ctx, session)
      assert(conn:send("hello again\n"))
      local line, err = conn:receive("*l")
      assert.equal("hello again", line, err)
      local info, s = conn:info(), conn:session()
      conn:close()
      return info, s
   end

   for _, mode in ipairs { { "a ticket", "" }, { "a session id (--noticket)", "--noticket" } } do
      it("with " .. mode[1], function()
         local cert = c.leaf.ecdsa_p256
         local _, port = peers.gnutls_serv(string.format("--x509certfile %s --x509keyfile %s --echo "
            .. "--priority NORMAL:-VERS-TLS1.3 %s", cert.cert, cert.key, mode[2]))
         local info, s = echo(port)
         assert.equal("TLSv1.2", info.version)
         assert.is_false(info.resumed)
         local info2 = echo(port, nil, s)
         assert.is_true(info2.resumed)
         assert.equal(info.cipher, info2.cipher)
         assert.is_true(info2.peer_verified)
         assert.equal(info.peer_certificate.sha256, info2.peer_certificate.sha256)
      end)
   end
end)

local PY_SERVER = [[
import socket, ssl, sys
cert, key = sys.argv[1], sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(cert, key)
srv = socket.create_server(("127.0.0.1", 0))
print("ready", srv.getsockname()[1], flush=True)
while True:
    raw, _ = srv.accept()
    raw.settimeout(10)
    try:
        with ctx.wrap_socket(raw, server_side=True) as s:
            line = s.makefile("rb").readline().decode().rstrip("\n")
            s.sendall(("%s reused=%s %s\n" % (s.version(), s.session_reused, line)).encode())
    except Exception as e:
        print("failed", e, flush=True)
]]

describe("our TLS 1.2 client resumes against Python's ssl (maximum_version TLSv1_2)", function()
   local server_py
   setup(function()
      server_py = os.tmpname()
      proc.write_file(server_py, PY_SERVER)
   end)
   teardown(function() os.remove(server_py) end)
   after_each(proc.kill_all)

   it("and the server says so too", function()
      local srv = proc.spawn(string.format("%s %s %s %s", peers.python(), server_py,
         c.leaf.rsa2048.cert, c.leaf.rsa2048.key))
      local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
      local session
      for round = 1, 2 do
         local conn = connect(port, nil, session)
         assert(conn:send("round " .. round .. "\n"))
         local line, err = conn:receive("*l")
         assert.equal(string.format("TLSv1.2 reused=%s round %d", round == 2 and "True" or "False", round), line, err)
         assert.equal(round == 2, conn:info().resumed)
         session = conn:session()
         conn:close()
      end
   end)
end)

---------------------------------------------------------------------------
-- A scripted TLS 1.2 server, in memory
---------------------------------------------------------------------------
-- A client engine that verifies E.CERT for localhost (unless opts say otherwise).
local function engine(opts, session, servername)
   local ctx = opts and opts.ctx or assert(tls.context(E.merge({ mode = "client", ca = E.CERT }, opts)))
   return assert(tls.engine(ctx, { servername = servername or "localhost", session = session }))
end

-- The extensions of a ClientHello record: { [type] = body }, and its session id.
local function hello_fields(record)
   local msg = B.parse_handshakes(B.parse_records(record)[1].body)[1]
   local body = msg.body
   local pos = 1 + 2 + 32
   local sid_len = body:byte(pos)
   local sid = body:sub(pos + 1, pos + sid_len)
   pos = pos + 1 + sid_len
   pos = pos + 2 + string.unpack(">I2", body, pos)     -- cipher suites
   pos = pos + 1 + body:byte(pos)                       -- compression methods
   local exts, stop = {}, pos + 2 + string.unpack(">I2", body, pos)
   pos = pos + 2
   while pos < stop do
      local t, len = string.unpack(">I2I2", body, pos)
      exts[t] = body:sub(pos + 4, pos + 3 + len)
      pos = pos + 4 + len
   end
   return exts, sid
end

local TICKET = "ticket: opaque to the client " .. ("t"):rep(40)

-- A full handshake with the scripted server; server_opts and finish_opts
-- go to T.server and fake:finish. Returns the engine and the server.
local function full(client_opts, server_opts, finish_opts, session)
   local cl = engine(client_opts, session)
   assert(cl:start())
   local fake = T.server(E.merge({ cert_pem = E.CERT, key_pem = E.KEY }, server_opts))
   assert(cl:feed(fake:answer(cl:output())))
   fake:client_flight(cl:output())
   assert.is_true(fake.client_finished_ok)
   local ok, err = cl:feed(fake:finish(finish_opts))
   return cl, fake, ok, err
end

-- A session with a ticket from a full handshake; the engine and server too.
local function ticket_session(client_opts, server_opts)
   local cl, fake, ok, err = full(client_opts, E.merge({ session_ticket = true }, server_opts),
      { new_session_ticket = T.new_session_ticket(TICKET, 3600) })
   assert(ok, err)
   assert.is_true(cl:info().handshake_done)
   return assert(cl:session()), fake, cl
end

-- Our client offering `session`, and a scripted server answering its
-- hello as resuming `master`: the engine, the server, the hello.
local function resuming(session, master, client_opts, server_opts)
   local cl = engine(client_opts, session)
   assert(cl:start())
   local hello = cl:output()
   local fake = T.server(E.merge({ cert_pem = E.CERT, key_pem = E.KEY, resume = master,
                                   session_id = B.session_id_of(hello) }, server_opts))
   return cl, fake, fake:answer(hello), hello
end

describe("our TLS 1.2 client and a scripted server: the abbreviated handshake", function()
   it("resumes a ticket: its keys, its Finished, the peer from the session, the exporter", function()
      local s, first = ticket_session()
      local cl, fake, sh, hello = resuming(s, first.master)
      local exts, sid = hello_fields(hello)
      assert.equal(TICKET, exts[T.EXT.session_ticket])
      assert.equal(32, #sid)
      assert.truthy(exts[T.EXT.extended_master_secret])
      assert(cl:feed(sh))
      assert.equal("", cl:output())
      assert(cl:feed(fake:finish()))
      fake:client_flight(cl:output())
      assert.is_true(fake.client_finished_ok)
      local info = cl:info()
      assert.is_true(info.handshake_done)
      assert.is_true(info.resumed)
      assert.is_true(info.peer_verified)
      assert.equal("localhost", info.peer_certificate.subject:match("CN=([%w.]+)"))
      assert.truthy(cl:peercertificate())
      -- rfc5705 without a context: PRF(master, label, client_random + server_random)
      assert.equal(I.tls12_prf("sha256", first.master, "EXPERIMENTER", fake.client_random, fake.server_random, 20),
         cl:export("EXPERIMENTER", nil, 20))
      assert(cl:feed(fake:seal(B.CT.application_data, "resumed")))
      assert.equal("resumed", cl:read())
      -- no new ticket: the session kept is the one resumed, ticket and all
      local again = engine(nil, assert(cl:session()))
      assert(again:start())
      assert.equal(TICKET, hello_fields(again:output())[T.EXT.session_ticket])
   end)

   it("takes a new ticket in the abbreviated handshake, and keeps it", function()
      local s, first = ticket_session()
      local cl, fake, sh = resuming(s, first.master, nil, { session_ticket = true })
      assert(cl:feed(sh))
      assert(cl:feed(fake:finish { new_session_ticket = T.new_session_ticket("renewed ticket", 60) }))
      fake:client_flight(cl:output())
      assert.is_true(fake.client_finished_ok)
      assert.is_true(cl:info().resumed)
      local cl2 = engine(nil, assert(cl:session()))
      assert(cl2:start())
      assert.equal("renewed ticket", hello_fields(cl2:output())[T.EXT.session_ticket])
   end)

   it("resumes a session id: offers it as the session id, with an empty SessionTicket extension", function()
      local sid = ("i"):rep(32)
      local cl0, first, ok, err = full(nil, { session_id = sid })
      assert(ok, err)
      local s = assert(cl0:session())
      local cl, fake, sh, hello = resuming(s, first.master)
      local exts, offered = hello_fields(hello)
      assert.equal(sid, offered)
      assert.equal("", exts[T.EXT.session_ticket])
      assert(cl:feed(sh))
      assert(cl:feed(fake:finish()))
      fake:client_flight(cl:output())
      assert.is_true(fake.client_finished_ok)
      assert.is_true(cl:info().resumed)
   end)

   it("asks for a ticket with an empty SessionTicket extension when it has no session", function()
      local cl = engine()
      assert(cl:start())
      local exts, sid = hello_fields(cl:output())
      assert.equal("", exts[T.EXT.session_ticket])
      assert.equal(32, #sid) -- TLS 1.3's compatibility id
      local cl12 = engine { max_version = "TLSv1.2" }
      assert(cl12:start())
      local exts12, sid12 = hello_fields(cl12:output())
      assert.equal("", exts12[T.EXT.session_ticket])
      assert.equal("", sid12)
   end)

   it("does a full handshake when the server does not echo the session id, and keeps the new session", function()
      local s, first = ticket_session()
      local cl = engine(nil, s)
      assert(cl:start())
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, session_id = ("n"):rep(32) }
      assert(cl:feed(fake:answer(cl:output())))
      fake:client_flight(cl:output())
      assert(cl:feed(fake:finish()))
      assert.is_true(cl:info().handshake_done)
      assert.is_false(cl:info().resumed)
      assert.is_not.equal(first.master, fake.master)
      local cl2 = engine(nil, assert(cl:session()))
      assert(cl2:start())
      local exts, sid = hello_fields(cl2:output())
      assert.equal(("n"):rep(32), sid)
      assert.equal("", exts[T.EXT.session_ticket])
   end)

   it("keeps no session when the server gives neither a ticket nor a session id", function()
      local cl, _, ok, err = full()
      assert(ok, err)
      assert.is_nil(cl:session())
      -- an empty ticket (rfc5077#3.3: the server changed its mind) is no ticket
      local cl2, _, ok2, err2 = full(nil, { session_ticket = true }, { new_session_ticket = T.new_session_ticket("", 100) })
      assert(ok2, err2)
      assert.is_nil(cl2:session())
   end)

   it("keeps a session for the lifetime hint, 7200 s when there is none, at most 7 days", function()
      for _, case in ipairs { { 0, "7200 seconds" }, { 300, "300 seconds" }, { 0xffffffff, "604800 seconds" } } do
         local ctx, decisions = traced_ctx { ca = E.CERT }
         local _, _, ok, err = full({ ctx = ctx }, { session_ticket = true },
            { new_session_ticket = T.new_session_ticket("t", case[1]) })
         assert(ok, err)
         assert.equal(case[2], last(decisions, "result", "session kept (conn:session())").lifetime)
      end
   end)
end)

describe("our TLS 1.2 client offers a session only when it fits", function()
   -- The hello of a client given `session`: its SessionTicket extension and
   -- the reason it did not offer it (nil when it did).
   local function offer(session, opts, servername)
      local ctx, decisions = traced_ctx(E.merge({ ca = E.CERT }, opts))
      local cl = engine({ ctx = ctx }, session, servername)
      assert(cl:start())
      local d = last(decisions, "result", "not offered: full handshake")
      return hello_fields(cl:output())[T.EXT.session_ticket], d and d.reason
   end

   it("offers it as made", function()
      assert.equal(TICKET, (offer((ticket_session()))))
   end)

   it("not to another name", function()
      local t, why = offer(ticket_session(), nil, "other.example")
      assert.equal("", t)
      assert.equal("the session was made for another server name", why)
   end)

   it("not once expired, by the context's clock", function()
      local s = ticket_session()
      local ctx, decisions = traced_ctx { ca = E.CERT }
      CTXM.set_clock_offset(ctx, 3600 + 1)
      local cl = engine({ ctx = ctx }, s)
      assert(cl:start())
      assert.equal("", hello_fields(cl:output())[T.EXT.session_ticket])
      assert.equal("the session has expired", last(decisions, "result", "not offered: full handshake").reason)
      CTXM.set_clock_offset(ctx, 3600 - 60)
      local cl2 = engine({ ctx = ctx }, s)
      assert(cl2:start())
      assert.equal(TICKET, hello_fields(cl2:output())[T.EXT.session_ticket])
   end)

   it("not when TLS 1.2 is not allowed", function()
      local t, why = offer(ticket_session(), { min_version = "TLSv1.3" })
      assert.is_nil(t)
      assert.equal("TLS 1.2 is not offered (min_version, or only TLS 1.3 ciphers)", why)
   end)

   it("not when its suite is not in our list", function()
      local t, why = offer(ticket_session(), { ciphers = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" })
      assert.equal("", t)
      assert.equal("the session's cipher suite is not in our list", why)
   end)

   it("not to a verifying client when the session's server was not verified", function()
      local s = ticket_session { ctx = assert(tls.context { mode = "client", verify = false }) }
      local t, why = offer(s)
      assert.equal("", t)
      assert.equal("the server's certificate was not verified in the session, and we verify", why)
      -- a client that does not verify takes it
      local ctx = assert(tls.context { mode = "client", verify = false })
      local cl = engine({ ctx = ctx }, s)
      assert(cl:start())
      assert.equal(TICKET, hello_fields(cl:output())[T.EXT.session_ticket])
   end)

   it("not when made without the extended master secret while we require it", function()
      local s = ticket_session({ require_ems = false }, { no_ems = true })
      local t, why = offer(s)
      assert.equal("", t)
      assert.equal("the session was made without the extended master secret (RFC 7627), which we require", why)
      assert.equal(TICKET, (offer(s, { require_ems = false })))
   end)

   it("not when a pin does not match its certificate", function()
      local s = ticket_session()
      local t, why = offer(s, { pin = "sha256/" .. ("A"):rep(43) .. "=" })
      assert.equal("", t)
      assert.equal("the session's certificate does not hold a pinned key", why)
   end)
end)

describe("our TLS 1.2 client refuses a server that breaks the resumption rules", function()
   it("a NewSessionTicket without the SessionTicket extension in the ServerHello (unexpected_message)", function()
      local cl, _, ok, err = full(nil, nil, { new_session_ticket = T.new_session_ticket(TICKET, 100) })
      E.assert_refused(cl, ok, err, "unexpected_message",
         "NewSessionTicket from a server whose ServerHello did not announce one %(RFC 5077%)")
      assert.is_nil(cl:session())
   end)

   it("no NewSessionTicket after announcing one (unexpected_message)", function()
      local cl, _, ok, err = full(nil, { session_ticket = true })
      E.assert_refused(cl, ok, err, "unexpected_message", "expected NewSessionTicket, got ChangeCipherSpec")
   end)

   for _, bad in ipairs { { "truncated", "\0\0\0\100\0\20short" }, { "with trailing bytes", T.new_session_ticket("t", 1) .. "x" },
                          { "without its ticket", "\0\0\0\100" } } do
      it("a malformed NewSessionTicket, " .. bad[1] .. " (decode_error)", function()
         local cl, _, ok, err = full(nil, { session_ticket = true }, { new_session_ticket = bad[2] })
         E.assert_refused(cl, ok, err, "decode_error", "NewSessionTicket is malformed")
      end)
   end

   it("a SessionTicket extension in the ServerHello that is not empty (decode_error)", function()
      local cl = engine()
      assert(cl:start())
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, extensions = {
         { T.EXT.renegotiation_info, "\0" }, { T.EXT.extended_master_secret, "" }, { T.EXT.session_ticket, "x" } } }
      local ok, err = cl:feed(fake:answer(cl:output()))
      E.assert_refused(cl, ok, err, "decode_error", "ServerHello SessionTicket extension is not empty")
   end)

   it("resuming with another cipher suite (illegal_parameter)", function()
      local s, first = ticket_session()
      local cl, _, sh = resuming(s, first.master, nil, { suite = 0xc02c })
      local ok, err = cl:feed(sh)
      E.assert_refused(cl, ok, err, "illegal_parameter",
         "server resumes our session with cipher suite TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, but the "
         .. "session's is TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
   end)

   for _, opts in ipairs { { "by default", {} }, { "even with require_ems = false", { require_ems = false } } } do
      it("resuming a session made with the extended master secret without it, " .. opts[1] .. " (handshake_failure)", function()
         local s, first = ticket_session()
         local cl, _, sh = resuming(s, first.master, opts[2], { no_ems = true })
         local ok, err = cl:feed(sh)
         E.assert_refused(cl, ok, err, "handshake_failure",
            "server resumes a session made with the extended master secret without it %(RFC 7627%)")
      end)
   end

   it("resuming a session made without the extended master secret with it (handshake_failure)", function()
      local s, first = ticket_session({ require_ems = false }, { no_ems = true })
      local cl, _, sh = resuming(s, first.master, { require_ems = false })
      local ok, err = cl:feed(sh)
      E.assert_refused(cl, ok, err, "handshake_failure",
         "server resumes a session made without the extended master secret with it %(RFC 7627%)")
   end)

   it("a Certificate in the abbreviated handshake (unexpected_message)", function()
      local s, first = ticket_session()
      local cl, _, sh = resuming(s, first.master)
      assert(cl:feed(sh))
      local ok, err = cl:feed(B.record(B.CT.handshake, B.handshake(T.HS.certificate, B.vec(3, B.vec(3, T.der(E.CERT))))))
      E.assert_refused(cl, ok, err, "unexpected_message", "expected ChangeCipherSpec, got Certificate")
   end)

   it("a server Finished that does not match the resumed session (decrypt_error)", function()
      local s, first = ticket_session()
      local cl, fake, sh = resuming(s, first.master)
      assert(cl:feed(sh))
      local ok, err = cl:feed(fake:finish { corrupt_finished = true })
      E.assert_refused(cl, ok, err, "decrypt_error", "server's Finished does not match.*")
   end)

   it("an echo of our session id when we offered no session (illegal_parameter)", function()
      local cl = engine()
      assert(cl:start())
      local hello = cl:output()
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, session_id = B.session_id_of(hello) }
      local ok, err = cl:feed(fake:answer(hello))
      E.assert_refused(cl, ok, err, "illegal_parameter",
         "TLS 1.2 ServerHello echoes our session id: a resumption we never asked for")
   end)
end)

describe("our TLS 1.2 client against our own server (engines)", function()
   -- Rounds of connections from one client context to one server context,
   -- each offering the session the one before left; their infos.
   local function rounds(n, client_opts, server_opts)
      local cctx = client_ctx(E.merge({ ca = E.CERT }, client_opts))
      local sctx = E.server_ctx(server_opts)
      local session, out = nil, {}
      for i = 1, n do
         local cl = assert(tls.engine(cctx, { servername = "localhost", session = session }))
         local sv = assert(tls.engine(sctx))
         E.handshake(cl, sv)
         local ci, si = cl:info(), sv:info()
         assert.equal(ci.resumed, si.resumed)
         assert.equal(sv:export("EXPERIMENTER", "ctx", 32), cl:export("EXPERIMENTER", "ctx", 32))
         out[i] = ci
         session = cl:session()
      end
      return out
   end

   for _, case in ipairs {
      { "tickets, offering TLS 1.3 too", {}, { max_version = "TLSv1.2" } },
      { "tickets, TLS 1.2 only", { max_version = "TLSv1.2" }, {} },
      { "session ids through the server's store", {}, { max_version = "TLSv1.2", tickets = 0, session_store = E.table_store() } },
   } do
      it("resumes with " .. case[1], function()
         local infos = rounds(3, case[2], case[3])
         assert.is_false(infos[1].resumed)
         assert.is_true(infos[2].resumed)
         assert.is_true(infos[3].resumed)
         for _, info in ipairs(infos) do
            assert.equal("TLSv1.2", info.version)
            assert.is_true(info.peer_verified)
            assert.equal(infos[1].peer_certificate.sha256, info.peer_certificate.sha256)
         end
      end)
   end

   it("does a full handshake when the server's ticket key changed, and keeps the new session", function()
      local cctx = client_ctx { ca = E.CERT }
      local function connect_to(sctx, session)
         local cl = assert(tls.engine(cctx, { servername = "localhost", session = session }))
         E.handshake(cl, assert(tls.engine(sctx)))
         return cl:info().resumed, cl:session()
      end
      local _, s = connect_to(E.server_ctx { max_version = "TLSv1.2" })
      local other = E.server_ctx { max_version = "TLSv1.2" }
      local resumed, s2 = connect_to(other, s)
      assert.is_false(resumed)
      assert.is_true((connect_to(other, s2)))
   end)

   it("offers a TLS 1.2 session id as TLS 1.3's legacy_session_id; a TLS 1.3 server answers with a full handshake", function()
      local cctx = client_ctx { ca = E.CERT }
      local store, stored = E.table_store()
      local sid_server = E.server_ctx { max_version = "TLSv1.2", tickets = 0, session_store = store }
      local cl = assert(tls.engine(cctx, { servername = "localhost" }))
      E.handshake(cl, assert(tls.engine(sid_server)))
      local s = assert(cl:session())
      local cl2 = assert(tls.engine(cctx, { servername = "localhost", session = s }))
      local sv2 = assert(tls.engine(E.server_ctx()))
      local hello
      assert(cl2:start())
      E.pump(cl2, sv2, { strict = true, tap = function(from, bytes) if from == cl2 then hello = hello or bytes end end })
      assert.is_true(cl2:info().handshake_done)
      assert.equal("TLSv1.3", cl2:info().version)
      assert.is_false(cl2:info().resumed)
      local exts, sid = hello_fields(hello)
      assert.equal("", exts[T.EXT.session_ticket])
      -- the id the first server gave (the key of its store)
      assert.equal(32, #sid)
      assert.is_string(stored[sid])
   end)
end)
