-- TLS 1.3 resumption by our client (rfc8446#2.2, #4.2.11, #4.6.1): the
-- session a NewSessionTicket gives, offered back with pre_shared_key and a
-- binder, against real servers (OpenSSL, GnuTLS, Python's ssl, LuaSec)
-- and against a scripted server whose key schedule is written from the
-- RFC (spec/support/ref13.lua), which checks our binder and ticket age
-- itself and misbehaves on request.
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
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

   it("resumes through tls.wrap on a LuaSocket connection", function()
      local socket = require "socket"
      local _, port = s_server()
      local ctx = client_ctx()
      local _, session = www(port, ctx)
      local sock = assert(socket.connect("127.0.0.1", port))
      local conn = assert(tls.wrap(sock, ctx, { servername = "localhost", timeout = 10, session = session }))
      assert(conn:send("GET / HTTP/1.0\r\n\r\n"))
      local page = assert(conn:receive("*a"))
      assert.truthy(page:find("Reused, TLSv1.3", 1, true), page)
      assert.is_true(conn:info().resumed)
      assert.is_string(conn:session())
      conn:close()
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
      CTXM.set_clock_offset(late, 7201)
      local info, _, page = www(port, late, { session = session })
      assert.is_false(info.resumed)
      assert.truthy(page:find("New, TLSv1.3", 1, true), page)
      assert.same({ "full handshake: the session is not offered | the session has expired" }, decisions(events))
      local nearly = client_ctx()
      CTXM.set_clock_offset(nearly, 7190)
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
      assert.same({ "full handshake: the session is not offered | no cipher suite in this config's ciphers has "
                    .. "the hash of the session's" }, decisions(events))
      local events2, trace2 = recorder()
      local _, port12 = peers.s_server(string.format("-cert %s -key %s -www", c.leaf.ecdsa_p256.cert,
                                                     c.leaf.ecdsa_p256.key))
      local info2 = www(port12, client_ctx { max_version = "TLSv1.2", trace = trace2 }, { session = session })
      assert.equal("TLSv1.2", info2.version)
      assert.is_false(info2.resumed)
      -- The TLS 1.3 session is not offered; the TLS 1.2 handshake then keeps a session of its own.
      local d = decisions(events2)
      assert.equal("full handshake: the session is not offered | TLS 1.3 is not offered by this config "
                   .. "(versions or ciphers)", d[1])
      assert.equal(2, #d)
      assert.matches("^session kept %(conn:session%(%)%)", d[2])
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

---------------------------------------------------------------------------
-- Against the scripted server: every byte of the resumption checked
---------------------------------------------------------------------------

local function fails_with(s, alert, pattern) s:client_failed_with(alert, pattern) end

local function talks(s)
   assert.is_true(s.engine:status().handshake_done)
   assert(s:send_app("from the scripted server"))
   assert.equal("from the scripted server", s.engine:read())
end

local function client_opts(extra)
   local o = { ca = c.ca, verify = true }
   for k, v in pairs(extra or {}) do o[k] = v end
   return o
end

-- A full handshake with the scripted server, then NewSessionTickets
-- (o.tickets: the options of each, default one): the client's session,
-- with what the server knows of it (the PSK of the last ticket, by
-- rfc8446#4.6.1, computed here).
local function make_session(o)
   o = o or {}
   local s = H.new { client = o.client, suite = o.suite }
   assert(s:handshake())
   s.ks:resumption(s:th())
   local last
   for _, t in ipairs(o.tickets or { {} }) do
      t.nonce = t.nonce or "\0\1"
      t.ticket = t.ticket or ("ticket " .. C.random(8))
      t.age_add = t.age_add or 0x89abcdef
      assert(s:send(s:new_session_ticket(t)))
      last = t
   end
   assert.is_false(s.engine:status().failed, tostring(s.engine:error()))
   local md, hl = s.suite.md, s.suite.hash_len
   return { text = s.engine:session(), suite = s.suite, ticket = last.ticket, age_add = last.age_add,
            psk = R.expand_label(md, s.ks.resumption_secret, "resumption", last.nonce, hl), server = s }
end

-- The scripted server again, its client an engine offering `text`.
-- clock_offset: seconds added to the client's clock (ctx:set_clock_offset).
local function resume_with(text, client, clock_offset)
   local s = H.new { client = client }
   -- H.new's engine offers nothing: start over with one that offers the session.
   s.ctx = assert(tls.context(client_opts(client)))
   if clock_offset then CTXM.set_clock_offset(s.ctx, clock_offset) end
   s.engine = assert(tls.engine(s.ctx, { servername = s.servername, session = text }))
   s.transcript, s.from_client, s.client_messages, s.seen_records, s.client_hellos = "", "", {}, {}, 0
   assert(s.engine:start())
   s:collect()
   s:read_client_hello()
   s.suite = R.suite(s.ch.suites[1])
   return s
end

-- The ClientHello's pre_shared_key: one identity and one binder, or fails.
local function offered_psk(ch)
   local data = assert(ch.ext[H.EXT.pre_shared_key], "no pre_shared_key in the ClientHello")
   assert.equal(H.EXT.pre_shared_key, ch.ext_order[#ch.ext_order], "pre_shared_key is not the last extension")
   local ids_len, pos = string.unpack(">I2", data)
   local id, age
   id, pos = string.unpack(">s2", data, pos)
   age, pos = string.unpack(">I4", data, pos)
   assert.equal(2 + ids_len, pos - 1, "more than one identity")
   local binders_len, bpos = string.unpack(">I2", data, pos)
   local binder, epos = string.unpack(">s1", data, bpos)
   assert.equal(#data + 1, epos, "more than one binder")
   return { identity = id, obfuscated_age = age, binder = binder, binders_bytes = 2 + binders_len }
end

-- rfc8446#4.2.11.2, from the RFC: HMAC over Transcript-Hash(what came
-- before, ClientHello up to the binders) with the PSK's binder key.
local function expected_binder(s, psk, offer)
   local suite = s.suite
   local early = R.hkdf_extract(suite.md, "", psk)
   local binder_key = R.derive_secret(suite.md, early, "res binder", C.digest(suite.md, ""))
   local before = s.transcript:sub(1, #s.transcript - #s.ch.raw)
   local truncated = s.ch.raw:sub(1, #s.ch.raw - offer.binders_bytes)
   return R.finished(suite, binder_key, C.digest(suite.md, before .. truncated))
end

-- The server's side of a resumed handshake: ServerHello with
-- pre_shared_key (o.selected, default 0; o.omit as for server_hello), the
-- key schedule from the PSK (rfc8446#7.1), our handshake keys.
local function resumed_hello(s, psk, o)
   o = o or {}
   local sh = s:server_hello { extra = { { H.EXT.pre_shared_key, H.u16(o.selected or 0) } }, omit = o.omit,
                               suite = o.suite }
   local ks = R.key_schedule(s.suite)
   ks.early = R.hkdf_extract(s.suite.md, "", psk)
   ks.derived_early = R.derive_secret(s.suite.md, ks.early, "derived", ks.empty_hash)
   local psk_ke = o.omit and o.omit.key_share
   s.ks = ks:handshake(psk_ke and ("\0"):rep(s.suite.hash_len) or s.shared, s:th())
   s.reader = R.protector(s.suite, s.ks.client_hs)
   local ok, err = s:deliver(s:record(H.CT.handshake, sh) .. H.plain_record(H.CT.ccs, "\1"))
   s:use_keys("handshake")
   return ok, err
end

describe("TLS 1.3 client resumption against a scripted server", function()
   it("sends the binder and ticket age of RFC 8446, and completes a resumed handshake without certificate", function()
      local sess = make_session()
      assert.is_string(sess.text)
      local events, trace = recorder()
      local s = resume_with(sess.text, { trace = trace })
      local offer = offered_psk(s.ch)
      assert.equal(sess.ticket, offer.identity)
      assert.equal(expected_binder(s, sess.psk, offer), offer.binder)
      local age = (offer.obfuscated_age - sess.age_add) & 0xffffffff
      assert.is_true(age < 60000, "ticket age " .. age .. " ms")
      assert.equal("\1\1", s.ch.ext[H.EXT.psk_key_exchange_modes]) -- psk_dhe_ke only
      assert(resumed_hello(s, sess.psk))
      assert(s:send(s:encrypted_extensions(), s:finished()))
      assert(s:client_finished())
      talks(s)
      local info = s.engine:info()
      assert.is_true(info.resumed)
      assert.is_true(info.peer_verified)
      assert.equal("CN=localhost", s.engine:peercertificate():subject())
      assert.same({ "offered: pre_shared_key with the session's ticket",
                    "resumed: the server accepted our session | the server's certificate was verified when "
                       .. "the session was made" }, decisions(events))
   end)

   it("reports the age of the ticket by its own clock", function()
      local sess = make_session()
      local s = resume_with(sess.text, {}, 3600)
      local offer = offered_psk(s.ch)
      local age = (offer.obfuscated_age - sess.age_add) & 0xffffffff
      assert.is_true(age >= 3600000 and age < 3660000, "ticket age " .. age .. " ms")
      assert.equal(expected_binder(s, sess.psk, offer), offer.binder)
   end)

   it("treats a CertificateRequest in a resumed handshake as unexpected_message", function()
      local sess = make_session()
      local s = resume_with(sess.text, {})
      assert(resumed_hello(s, sess.psk))
      s:send(s:encrypted_extensions(), s:certificate_request())
      fails_with(s, "unexpected_message", "^expected Finished, got CertificateRequest$")
   end)

   it("treats a Certificate in a resumed handshake as unexpected_message", function()
      local sess = make_session()
      local s = resume_with(sess.text, {})
      assert(resumed_hello(s, sess.psk))
      s:send(s:encrypted_extensions(), s:certificate())
      fails_with(s, "unexpected_message", "^expected Finished, got Certificate$")
   end)

   it("refuses a selected_identity past the one identity offered (illegal_parameter)", function()
      local sess = make_session()
      local s = resume_with(sess.text, {})
      resumed_hello(s, sess.psk, { selected = 1 })
      fails_with(s, "illegal_parameter", "^ServerHello selects PSK identity 1, we offered only one$")
   end)

   it("refuses a suite whose hash is not the session's (illegal_parameter)", function()
      local sess = make_session()
      assert.equal("TLS_AES_128_GCM_SHA256", sess.suite.name)
      local s = resume_with(sess.text, {})
      resumed_hello(s, sess.psk, { suite = "TLS_AES_256_GCM_SHA384" })
      fails_with(s, "illegal_parameter", "^ServerHello accepts our session with TLS_AES_256_GCM_SHA384, whose hash "
                 .. "is not the session's$")
   end)

   it("accepts a suite with the session's hash (TLS_CHACHA20_POLY1305_SHA256 for a SHA-256 session)", function()
      local sess = make_session()
      local s = resume_with(sess.text, {})
      assert(resumed_hello(s, sess.psk, { suite = "TLS_CHACHA20_POLY1305_SHA256" }))
      assert(s:send(s:encrypted_extensions(), s:finished()))
      assert(s:client_finished())
      talks(s)
      assert.is_true(s.engine:info().resumed)
   end)

   it("refuses a pre_shared_key in a ServerHello when it offered none (unsupported_extension)", function()
      local s = H.new {}
      s:hello { extra = { { H.EXT.pre_shared_key, H.u16(0) } } }
      fails_with(s, "unsupported_extension", "pre_shared_key")
   end)

   it("takes psk_ke (no key_share) when it offered it", function()
      local sess = make_session()
      local s = resume_with(sess.text, { psk_ke = true })
      assert.equal("\2\1\0", s.ch.ext[H.EXT.psk_key_exchange_modes]) -- psk_dhe_ke, psk_ke
      assert.is_truthy(s.ch.ext[H.EXT.key_share])
      assert(resumed_hello(s, sess.psk, { omit = { key_share = true } }))
      assert(s:send(s:encrypted_extensions(), s:finished()))
      assert(s:client_finished())
      talks(s)
      local info = s.engine:info()
      assert.is_true(info.resumed)
      assert.equal("PSK", info.key_exchange)
      assert.is_nil(info.group)
   end)

   it("refuses psk_ke when it did not offer it (missing_extension)", function()
      local sess = make_session()
      local s = resume_with(sess.text, {})
      resumed_hello(s, sess.psk, { omit = { key_share = true } })
      fails_with(s, "missing_extension", "^ServerHello has no key_share$")
   end)

   -- hs18: the connection keeps what it offered; the context may change under it
   it("refuses psk_ke it did not offer, though its context allows it since", function()
      local sess = make_session()
      local s = resume_with(sess.text, {})
      assert(CTXM.set_psk_ke(s.ctx, true))
      resumed_hello(s, sess.psk, { omit = { key_share = true } })
      fails_with(s, "missing_extension", "^ServerHello has no key_share$")
   end)

   it("offers the PSK again after a HelloRetryRequest, its binder over message_hash, HelloRetryRequest and the new hello", function()
      local sess = make_session()
      local s = resume_with(sess.text, {})
      local first = offered_psk(s.ch)
      assert(s:retry { group = "secp256r1" })
      local offer = offered_psk(s.ch)
      assert.equal(sess.ticket, offer.identity)
      assert.not_equal(first.binder, offer.binder)
      assert.equal(expected_binder(s, sess.psk, offer), offer.binder)
      assert(resumed_hello(s, sess.psk))
      assert(s:send(s:encrypted_extensions(), s:finished()))
      assert(s:client_finished())
      talks(s)
      local info = s.engine:info()
      assert.is_true(info.resumed)
      assert.is_true(info.hello_retry)
   end)

   it("drops the PSK after a HelloRetryRequest that chooses a suite of another hash", function()
      local sess = make_session()
      local events, trace = recorder()
      local s = resume_with(sess.text, { trace = trace })
      assert(s:retry { group = "secp256r1", suite = "TLS_AES_256_GCM_SHA384" })
      assert.is_nil(s.ch.ext[H.EXT.pre_shared_key])
      -- The modes stay: they also say which tickets the full handshake may
      -- bring (RFC 8446 4.2.9), so the connection can leave a new session.
      assert.equal("\1\1", s.ch.ext[H.EXT.psk_key_exchange_modes])
      s:handshake()
      talks(s)
      assert.is_false(s.engine:info().resumed)
      assert.same({ "offered: pre_shared_key with the session's ticket",
                    "full handshake: the session is not offered again | the HelloRetryRequest chose a cipher "
                       .. "suite with another hash" }, decisions(events))
   end)

   it("does a full handshake when the server declines the session", function()
      local sess = make_session()
      local events, trace = recorder()
      local s = resume_with(sess.text, { trace = trace })
      s:handshake()
      talks(s)
      assert.is_false(s.engine:info().resumed)
      assert.same({ "offered: pre_shared_key with the session's ticket",
                    "full handshake | the server declined the session" }, decisions(events))
   end)

   it("keeps the latest ticket", function()
      local sess = make_session { tickets = { { ticket = "first ticket", nonce = "\1" },
                                              { ticket = "second ticket", nonce = "\2" } } }
      local s = resume_with(sess.text, {})
      assert.equal("second ticket", offered_psk(s.ch).identity)
      assert.equal(expected_binder(s, sess.psk, offered_psk(s.ch)), offered_psk(s.ch).binder)
   end)
end)

describe("our client's NewSessionTicket checks", function()
   local function after_handshake(client)
      local s = H.new { client = client }
      assert(s:handshake())
      return s
   end

   it("takes exactly seven days, and keeps a ticket of a longer lifetime for seven days (alerts21)", function()
      local s = after_handshake()
      assert(s:send(s:new_session_ticket { lifetime = 604800 }))
      assert.is_string(s.engine:session())
      assert(s:send(s:new_session_ticket { lifetime = 604801 }))
      talks(s)
      assert.is_string(s.engine:session())
   end)

   it("discards a ticket with a lifetime of 0", function()
      local s = after_handshake()
      assert(s:send(s:new_session_ticket { lifetime = 0 }))
      talks(s)
      assert.is_nil(s.engine:session())
   end)

   it("refuses an empty ticket (decode_error)", function()
      local s = after_handshake()
      s:send(s:new_session_ticket { ticket = "" })
      fails_with(s, "decode_error", "^NewSessionTicket message is malformed$")
   end)

   it("reads early_data's max_early_data_size, and refuses a malformed one (decode_error)", function()
      local events, trace = recorder()
      local s = after_handshake { trace = trace }
      assert(s:send(s:new_session_ticket { extensions = { { H.EXT.early_data, H.u32(1234) } } }))
      local seen
      for _, ev in ipairs(events) do
         if ev.direction == "receive" and ev.message == "NewSessionTicket" then seen = ev end
      end
      assert.equal("1234", seen.max_early_data)
      assert.equal("allowed", seen.early_data)
      assert.equal("7200", seen.lifetime)
      s:send(s:new_session_ticket { extensions = { { H.EXT.early_data, H.u16(1234) } } })
      fails_with(s, "decode_error", "^NewSessionTicket early_data is malformed$")
   end)

   it("has no session before a ticket comes", function()
      local s = after_handshake()
      talks(s)
      assert.is_nil(s.engine:session())
   end)
end)

describe("sessions as text", function()
   it("round-trips: the text of a session offers the same ticket, and garbage is refused", function()
      local sess = make_session { tickets = { { ticket = "round trip" } } }
      local s = resume_with(sess.text, {})
      assert.equal("round trip", offered_psk(s.ch).identity)
      local ctx = assert(tls.context(client_opts()))
      local e, err = tls.engine(ctx, { servername = "localhost", session = "not a session" })
      assert.is_nil(e)
      assert.equal("option 'session': session: not a luatls session (no \"BEGIN LUATLS SESSION\" line)", err)
      local broken = sess.text:gsub("\n([A-Za-z0-9+/]+)\n", function(line) return "\n" .. line:reverse() .. "\n" end, 1)
      local e2, err2 = tls.engine(ctx, { servername = "localhost", session = broken })
      assert.is_nil(e2)
      assert.equal("option 'session': session: not a luatls session (or from another version of it)", err2)
      -- Whole base64 lines short: the encoding ends early.
      local short = sess.text:gsub("\n[A-Za-z0-9+/]+\n([A-Za-z0-9+/=]+\n%-%-%-%-%-END)", "\n%1")
      assert.not_equal(sess.text, short)
      local e3, err3 = tls.engine(ctx, { servername = "localhost", session = short })
      assert.is_nil(e3)
      assert.equal("option 'session': session: malformed", err3)
   end)
end)

describe("TLS 1.3 client resumption against our own server (engines in one process)", function()
   local E = require "spec.support.engines"

   -- One handshake between a client engine offering `session` and an
   -- engine of server context `sctx`, with data both ways so the
   -- tickets arrive; returns both engines.
   local function connect(cctx, sctx, session)
      local cl = assert(tls.engine(cctx, { servername = "localhost", session = session }))
      local sv = assert(tls.engine(sctx))
      assert(cl:start())
      E.pump(cl, sv, { strict = true })
      assert.is_true(cl:status().handshake_done, tostring(cl:error()))
      assert(sv:write("ping"))
      E.pump(sv, cl, { strict = true })
      assert.equal("ping", cl:read())
      return cl, sv
   end

   it("resumes, and resumes again with the session the resumed connection got", function()
      local sctx = E.server_ctx()
      local cctx = assert(tls.context { mode = "client", ca = E.CERT })
      local cl1 = connect(cctx, sctx)
      assert.is_false(cl1:info().resumed)
      local cl2, sv2 = connect(cctx, sctx, cl1:session())
      assert.is_true(cl2:info().resumed)
      assert.is_true(sv2:info().resumed)
      assert.is_true(cl2:info().peer_verified)
      assert.equal("CN=localhost", cl2:peercertificate():subject())
      local cl3 = connect(cctx, sctx, cl2:session())
      assert.is_true(cl3:info().resumed)
   end)

   it("resumes with psk_ke when both sides allow it", function()
      local sctx = E.server_ctx { psk_ke = true }
      local cctx = assert(tls.context { mode = "client", ca = E.CERT, psk_ke = true })
      local cl1 = connect(cctx, sctx)
      local cl2, sv2 = connect(cctx, sctx, cl1:session())
      assert.is_true(cl2:info().resumed)
      assert.is_true(sv2:info().resumed)
      assert.equal("PSK", cl2:info().key_exchange)
      assert.equal("PSK", sv2:info().key_exchange)
   end)

   it("resumes after a HelloRetryRequest", function()
      local sctx = E.server_ctx { groups = "secp256r1" }
      local cctx = assert(tls.context { mode = "client", ca = E.CERT })
      local cl1 = connect(cctx, sctx)
      local cl2 = connect(cctx, sctx, cl1:session())
      assert.is_true(cl2:info().hello_retry)
      assert.is_true(cl2:info().resumed)
   end)

   it("offers a session only when its certificate holds a pinned key", function()
      local sctx = E.server_ctx()
      local cl1 = connect(assert(tls.context { mode = "client", ca = E.CERT }), sctx)
      local good = "sha256/" .. tls.certificate(E.CERT):pubkey().spki_sha256
      local events = {}
      local function trace(ev) events[#events + 1] = ev end
      local cl2 = connect(assert(tls.context { mode = "client", ca = E.CERT, pin = good }), sctx, cl1:session())
      assert.is_true(cl2:info().resumed)
      -- A pin the server's key does not match: the session made without
      -- a pin is not offered, and the full handshake then fails on the pin.
      local bad = assert(tls.context { mode = "client", ca = E.CERT, trace = trace,
                                       pin = "sha256/" .. ("A"):rep(43) .. "=" })
      local cl = assert(tls.engine(bad, { servername = "localhost", session = cl1:session() }))
      local sv = assert(tls.engine(sctx))
      assert(cl:start())
      E.pump(cl, sv)
      assert.is_false(cl:status().handshake_done)
      assert.matches("pin", tostring(cl:error()))
      local reasons = {}
      for _, ev in ipairs(events) do
         if ev.direction == "decide" and ev.message == "resumption" then reasons[#reasons + 1] = ev.reason end
      end
      assert.same({ "the session's certificate does not hold a pinned key" }, reasons)
   end)

   it("gets a full handshake from a server that cannot open the ticket", function()
      local cctx = assert(tls.context { mode = "client", ca = E.CERT })
      local cl1 = connect(cctx, E.server_ctx())
      local cl2, sv2 = connect(cctx, E.server_ctx(), cl1:session())
      assert.is_false(cl2:info().resumed)
      assert.is_false(sv2:info().resumed)
   end)
end)
