-- TLS 1.3 resumption by our client (rfc8446#2.2, #4.2.11, #4.6.1): the
-- session a NewSessionTicket gives, offered back with pre_shared_key and a
-- binder, against real servers (OpenSSL, GnuTLS, Python's ssl, LuaSec)
-- and against a scripted server whose key schedule is written from the
-- RFC (spec/support/ref13.lua), which checks our binder and ticket age
-- itself and misbehaves on request.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local H = require "spec.support.hostile_server"
local R = require "spec.support.ref13"
local C = require "refcrypto"

local c = certs.get()

local function client_ctx(extra)
   local o = { mode = "client", ca = c.ca }
   for k, v in pairs(extra or {}) do o[k] = v end
   if o.verify == false then o.ca = nil end
   return assert(tls.context(o))
end

-- Collects trace events: { "direction message", ev }.
local function recorder()
   local events = {}
   return events, function(ev) events[#events + 1] = ev end
end

-- The "decide resumption" events of a trace, as "result | reason" lines.
local function decisions(events)
   local t = {}
   for _, ev in ipairs(events) do
      if ev.direction == "decide" and ev.message == "resumption" then
         t[#t + 1] = ev.result .. (ev.reason and (" | " .. ev.reason) or "")
      end
   end
   return t
end

local function s_server(args, cert)
   cert = cert or c.leaf.ecdsa_p256
   return peers.s_server(string.format("-tls1_3 -cert %s -key %s -www %s", cert.cert, cert.key, args or ""))
end

-- One connection to s_server -www: its status page (which says "New" or
-- "Reused") read to the end, so the tickets that came first are taken.
local function www(port, ctx, opts)
   local o = { servername = "localhost", timeout = 10 }
   for k, v in pairs(opts or {}) do o[k] = v end
   local conn, err = tls.connect("127.0.0.1", port, ctx, o)
   assert(conn, "connect failed: " .. tostring(err))
   conn:settimeout(10)
   assert(conn:send("GET / HTTP/1.0\r\n\r\n"))
   local page, rerr, partial = conn:receive("*a")
   assert(page, "receive failed: " .. tostring(rerr) .. " after " .. #(partial or "") .. " bytes")
   local info, session = conn:info(), conn:session()
   conn:close()
   return info, session, page, conn
end

describe("TLS 1.3 client resumption against openssl s_server", function()
   after_each(proc.kill_all)

   it("keeps the ticket as a session and resumes it: s_server reports the session reused", function()
      local _, port = s_server()
      local ctx = client_ctx()
      local info1, session, page1 = www(port, ctx)
      assert.truthy(page1:find("New, TLSv1.3", 1, true), page1)
      assert.is_false(info1.resumed)
      assert.is_string(session)
      assert.truthy(session:find("^%-%-%-%-%-BEGIN LUATLS SESSION%-%-%-%-%-\nServer: localhost\nVersion: TLSv1.3\n"
         .. "Expires: %d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ\n"), session)

      local events, trace = recorder()
      local info2, session2, page2, conn2 = www(port, client_ctx { trace = trace }, { session = session })
      assert.truthy(page2:find("Reused, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256", 1, true), page2)
      assert.is_true(info2.resumed)
      -- The peer as it was when the session was made: its certificate, verified.
      assert.is_true(info2.peer_verified)
      assert.equal(1, info2.peer_chain_length)
      assert.equal("CN=localhost", conn2:peercertificate():subject())
      assert.same({ "offered: pre_shared_key with the session's ticket",
                    "resumed: the server accepted our session | the server's certificate was verified when "
                       .. "the session was made" }, decisions(events))
      -- No certificate in a resumed handshake.
      for _, ev in ipairs(events) do
         assert.is_false(ev.direction == "receive" and (ev.message == "Certificate"
            or ev.message == "CertificateVerify"), ev.message)
      end
      -- The resumed connection got tickets of its own: a new session.
      assert.is_string(session2)
      assert.not_equal(session, session2)
      local info3, _, page3 = www(port, ctx, { session = session2 })
      assert.is_true(info3.resumed)
      assert.truthy(page3:find("Reused, TLSv1.3", 1, true), page3)
   end)

   it("computes the binder with SHA-384 for a TLS_AES_256_GCM_SHA384 session", function()
      local _, port = s_server("-ciphersuites TLS_AES_256_GCM_SHA384")
      local ctx = client_ctx()
      local _, session = www(port, ctx)
      local info, _, page = www(port, ctx, { session = session })
      assert.is_true(info.resumed)
      assert.equal("TLS_AES_256_GCM_SHA384", info.cipher)
      assert.truthy(page:find("Reused, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384", 1, true), page)
   end)

   it("recomputes the binder over the new transcript after a HelloRetryRequest", function()
      -- Our first key share is x25519; this server wants P-384.
      local _, port = s_server("-groups P-384")
      local ctx = client_ctx()
      local info1, session = www(port, ctx)
      assert.is_true(info1.hello_retry)
      local events, trace = recorder()
      local info, _, page = www(port, client_ctx { trace = trace }, { session = session })
      assert.is_true(info.hello_retry)
      assert.is_true(info.resumed)
      assert.equal("secp384r1", info.group)
      assert.truthy(page:find("Reused, TLSv1.3", 1, true), page)
      local offers = 0
      for _, ev in ipairs(events) do
         if ev.direction == "decide" and ev.result:find("^offered") then offers = offers + 1 end
      end
      assert.equal(2, offers)
   end)

   it("resumes without (EC)DHE when psk_ke is on and the server allows it", function()
      -- OpenSSL picks psk_ke only when the client offers nothing else, so
      -- this server sees psk_dhe_ke and psk_ke and picks psk_dhe_ke; the
      -- scripted server below takes psk_ke.
      local _, port = s_server("-allow_no_dhe_kex")
      local ctx = client_ctx { psk_ke = true }
      local _, session = www(port, ctx)
      local info, _, page = www(port, ctx, { session = session })
      assert.is_true(info.resumed)
      assert.equal("x25519", info.group)
      assert.truthy(page:find("Reused, TLSv1.3", 1, true), page)
   end)

   it("offers a session only to the name it was made for: another name gets a full handshake", function()
      local _, port = s_server()
      local _, session = www(port, client_ctx())
      -- The certificate holds 127.0.0.1 too: this connection verifies,
      -- but it is to another name.
      local events, trace = recorder()
      local info, _, page = www(port, client_ctx { trace = trace }, { session = session, servername = "127.0.0.1" })
      assert.is_false(info.resumed)
      assert.truthy(page:find("New, TLSv1.3", 1, true), page)
      assert.same({ "full handshake: the session is not offered | the session was made for another server name" },
                  decisions(events))
   end)

   it("does not offer an expired session (by the client's clock), and does one about to expire", function()
      local _, port = s_server()
      local _, session = www(port, client_ctx())
      -- s_server's tickets live 7200 seconds.
      local events, trace = recorder()
      local late = client_ctx { trace = trace }
      late:set_clock_offset(7201)
      local info, _, page = www(port, late, { session = session })
      assert.is_false(info.resumed)
      assert.truthy(page:find("New, TLSv1.3", 1, true), page)
      assert.same({ "full handshake: the session is not offered | the session has expired" }, decisions(events))
      local nearly = client_ctx()
      nearly:set_clock_offset(7190)
      local info2, _, page2 = www(port, nearly, { session = session })
      assert.is_true(info2.resumed)
      assert.truthy(page2:find("Reused, TLSv1.3", 1, true), page2)
   end)

   it("does not resume, when it verifies, a session whose server was not verified", function()
      local _, port = s_server()
      local _, session = www(port, client_ctx { verify = false })
      local events, trace = recorder()
      local info = www(port, client_ctx { trace = trace }, { session = session })
      assert.is_false(info.resumed)
      assert.same({ "full handshake: the session is not offered | the server's certificate was not verified "
                    .. "when the session was made" }, decisions(events))
      -- Without verification it is resumed, and says the peer is not verified.
      local info2 = www(port, client_ctx { verify = false }, { session = session })
      assert.is_true(info2.resumed)
      assert.is_false(info2.peer_verified)
   end)

   it("does not offer a session whose suite or version the config no longer allows", function()
      local _, port = s_server()
      local _, session = www(port, client_ctx())
      local events, trace = recorder()
      local info = www(port, client_ctx { ciphers = "TLS_AES_256_GCM_SHA384", trace = trace }, { session = session })
      assert.is_false(info.resumed)
      assert.same({ "full handshake: the session is not offered | the session's cipher suite is not in this "
                    .. "config's ciphers" }, decisions(events))
      local events2, trace2 = recorder()
      local _, port12 = peers.s_server(string.format("-cert %s -key %s -www", c.leaf.ecdsa_p256.cert,
                                                     c.leaf.ecdsa_p256.key))
      local info2 = www(port12, client_ctx { max_version = "TLSv1.2", trace = trace2 }, { session = session })
      assert.equal("TLSv1.2", info2.version)
      assert.is_false(info2.resumed)
      assert.same({ "full handshake: the session is not offered | TLS 1.3 is not offered by this config "
                    .. "(versions or ciphers)" }, decisions(events2))
   end)
end)

describe("TLS 1.3 client resumption against other servers", function()
   after_each(proc.kill_all)

   it("resumes with gnutls-serv", function()
      local _, port = peers.gnutls_serv(string.format("--x509certfile %s --x509keyfile %s --echo "
         .. "--priority NORMAL:-VERS-ALL:+VERS-TLS1.3", c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key))
      local ctx = client_ctx()
      local function echo(session)
         local conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10,
                                                                   session = session }))
         conn:settimeout(10)
         assert(conn:send("resume me\n"))
         assert.equal("resume me", conn:receive("*l"))
         local info, s = conn:info(), conn:session()
         conn:close()
         return info, s
      end
      local info1, session = echo(nil)
      assert.is_false(info1.resumed)
      assert.is_string(session)
      local info2 = echo(session)
      assert.is_true(info2.resumed)
      assert.is_true(info2.peer_verified)
   end)

   it("resumes with a Python ssl server, which reports session_reused", function()
      local py = os.tmpname()
      proc.write_file(py, [[
import socket, ssl, sys
cert, key = sys.argv[1], sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_cert_chain(cert, key)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4)
print("ready", srv.getsockname()[1], flush=True)
while True:
    raw, _ = srv.accept()
    raw.settimeout(10)
    with ctx.wrap_socket(raw, server_side=True) as s:
        line = s.makefile("rb").readline().decode().rstrip("\n")
        s.sendall(("reused=%s %s\n" % (s.session_reused, line)).encode())
]])
      local srv = proc.spawn(string.format("%s %s %s %s", peers.python(), py, c.leaf.ecdsa_p256.cert,
                                           c.leaf.ecdsa_p256.key))
      local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
      os.remove(py)
      local ctx = client_ctx()
      local function ask(session)
         local conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10,
                                                                   session = session }))
         conn:settimeout(10)
         assert(conn:send("hi\n"))
         local line = conn:receive("*l")
         local info, s = conn:info(), conn:session()
         conn:close()
         return line, info, s
      end
      local line1, info1, session = ask(nil)
      assert.equal("reused=False hi", line1)
      assert.is_false(info1.resumed)
      local line2, info2 = ask(session)
      assert.equal("reused=True hi", line2)
      assert.is_true(info2.resumed)
   end)

   it("resumes with a LuaSec server", function()
      local srv = proc.spawn(string.format("%s %s spec/support/luasec_peer.lua server %s %s", proc.lua_env(),
         proc.lua(), c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key))
      local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
      local ctx = client_ctx()
      local function ask(session)
         local conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10,
                                                                   session = session }))
         conn:settimeout(10)
         assert(conn:send("from luatls\n"))
         local line = conn:receive("*l")
         local info, s = conn:info(), conn:session()
         conn:close()
         return line, info, s
      end
      local line1, info1, session = ask(nil)
      assert.truthy(line1:find("^TLSv1.3 %S+ from luatls$"), line1)
      assert.is_false(info1.resumed)
      assert.is_string(session)
      local line2, info2 = ask(session)
      assert.truthy(line2:find("^TLSv1.3 %S+ from luatls$"), line2)
      assert.is_true(info2.resumed)
   end)
end)
