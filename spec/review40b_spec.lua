-- Session 40, review40b: a close_notify before the handshake finished (I1),
-- and TLS 1.3 sessions resumed under another cipher suite of the same hash (I2).
local tls = require "tls"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"
local H = require "spec.support.hostile_server"
local proc = require "spec.support.proc"

local CLOSE_NOTIFY = "\1\0" -- warning close_notify

-- The engine failed because the peer closed: nil, message from the feed,
-- the message naming the side that closed, the alert close_notify from the
-- peer, want() "failed" once the output is taken.
local function assert_peer_closed_failure(e, ok, err, who)
   local msg = who .. " closed the connection (close_notify) before the handshake finished"
   assert.is_nil(ok)
   assert.matches(msg, err, 1, true)
   local st = e:status()
   assert.is_true(st.failed)
   assert.is_false(st.handshake_done)
   assert.is_true(st.peer_closed)
   local m, alert, from_peer = e:error()
   assert.matches(msg, m, 1, true)
   assert.equal("close_notify", alert)
   assert.is_true(from_peer)
   e:output()
   assert.equal("failed", e:want())
end

-- The alerts (level/description) in the plaintext records of bytes.
local function plain_alerts(bytes)
   local out = {}
   for _, r in ipairs((B.parse_records(bytes))) do
      if r.type == 21 then out[#out + 1] = r.body:byte(1) .. "/" .. r.body:byte(2) end
   end
   return out
end

describe("review40b I1: a close_notify before the handshake finished fails the handshake", function()
   after_each(proc.kill_all)

   it("TLS 1.3 client: the server's close_notify in the clear, before its ServerHello", function()
      local s = H.new{}
      local ok, err = s:deliver(H.plain_record(H.CT.alert, CLOSE_NOTIFY))
      assert_peer_closed_failure(s.engine, ok, err, "the server")
      -- rfc8446#6.1: our write side closes with a close_notify; no error alert
      local alert, level = s:client_alert()
      assert.same({ "close_notify", 1 }, { alert, level })
   end)

   it("TLS 1.3 client: the server's close_notify under handshake keys, after its ServerHello", function()
      local s = H.new{}
      assert(s:hello())
      local ok, err = s:deliver(s:record(H.CT.alert, CLOSE_NOTIFY))
      assert_peer_closed_failure(s.engine, ok, err, "the server")
      local alert, level, protected = s:client_alert()
      assert.same({ "close_notify", 1, true }, { alert, level, protected })
   end)

   it("tls.connect reports nil and the reason", function()
      local s = H.tcp{}
      assert(s:hello())
      assert(s:deliver(s:record(H.CT.alert, CLOSE_NOTIFY)))
      assert.equal("close_notify", (s:client_alert()))
      assert.equal("failed the server closed the connection (close_notify) before the handshake finished\n",
         s:child_output())
   end)

   it("TLS 1.3 server: the client's close_notify before its Finished", function()
      local so, events = E.traced {}
      local c, s = E.engines(nil, so)
      assert(c:start())
      assert(s:feed(c:output()))
      local flight = s:output()
      -- Only the ServerHello: the client then holds handshake keys and
      -- cancels under them (user_canceled, close_notify).
      local sh = B.parse_records(flight)[1]
      assert(c:feed(B.record(sh.type, sh.body)))
      assert(c:close())
      local ok, err = s:feed(c:output())
      assert_peer_closed_failure(s, ok, err, "the client")
      local got = E.events_of(events, "receive", "Alert")
      assert.equal("close_notify", got[#got].alert)
      assert.equal("the handshake cannot finish: it failed", got[#got].meaning)
   end)

   for _, side in ipairs { "client", "server" } do
      it("TLS 1.2 " .. side .. ": answers the peer's close_notify with its own and fails", function()
         local c, s = E.engines({ max_version = "TLSv1.2" }, { max_version = "TLSv1.2" })
         assert(c:start())
         assert(s:feed(c:output()))
         local flight = s:output()
         local e, ok, err, answer, who
         if side == "client" then
            -- The server's first flight, then it cancels (in the clear).
            assert(s:close())
            ok, err = c:feed(flight .. s:output())
            e, who = c, "the server"
         else
            -- The client cancels before its ClientKeyExchange.
            assert(c:close())
            ok, err = s:feed(c:output())
            e, who = s, "the client"
         end
         answer = e:output()
         assert_peer_closed_failure(e, ok, err, who)
         -- rfc5246#7.2.1: a close_notify of our own answers: the server's
         -- in the clear (no ChangeCipherSpec of its own yet), the client's
         -- sealed, the last record after its ChangeCipherSpec and Finished.
         if side == "server" then
            assert.same({ "1/0" }, plain_alerts(answer))
         else
            local recs = B.parse_records(answer)
            assert.equal(21, recs[#recs].type, "the last record is an alert")
         end
      end)
   end

   it("a handshake we cancelled ourselves stays a cancel, whatever the peer answers", function()
      local c, s = E.engines()
      assert(c:start())
      assert(s:feed(c:output()))
      s:output()
      assert(c:close())
      s:feed(c:output())
      assert(c:feed("\21\3\3\0\2\1\0"))
      assert.is_false(c:status().failed)
      assert.equal("closed", c:want())
   end)
end)

describe("review40b I2: a TLS 1.3 session resumes under any enabled suite of its hash", function()
   after_each(proc.kill_all)

   local KEY = ("K"):rep(16) .. ("k"):rep(24) .. "01234567"

   local function client_ctx(opts)
      local o, events = E.traced(E.merge({ mode = "client", ca = E.CERT }, opts))
      return assert(tls.context(o)), events
   end

   local function server_ctx(opts)
      return E.server_ctx(E.merge({ ticket_keys = { KEY } }, opts))
   end

   -- The "decide resumption" events, as "result | reason".
   local function decisions(events)
      local t = {}
      for _, ev in ipairs(events) do
         if ev.direction == "decide" and ev.message == "resumption" then
            t[#t + 1] = ev.result .. (ev.reason and (" | " .. ev.reason) or "")
         end
      end
      return t
   end

   -- A session made with TLS_AES_128_GCM_SHA256 with our server.
   local function sha256_session(sctx)
      local session, c = E.first_session(client_ctx { ciphers = "TLS_AES_128_GCM_SHA256" }, sctx)
      assert.equal("TLS_AES_128_GCM_SHA256", c:info().cipher)
      return session
   end

   it("is offered and resumed by a client that has only TLS_CHACHA20_POLY1305_SHA256", function()
      local sctx = server_ctx()
      local session = sha256_session(sctx)
      local cctx, events = client_ctx { ciphers = "TLS_CHACHA20_POLY1305_SHA256" }
      local c, s = E.resume(cctx, sctx, session)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.equal("offered: pre_shared_key with the session's ticket", decisions(events)[1])
      assert.is_true(c:info().resumed)
      assert.is_true(s:info().resumed)
      assert.equal("TLS_CHACHA20_POLY1305_SHA256", c:info().cipher)
      assert.equal("TLS_CHACHA20_POLY1305_SHA256", s:info().cipher)
   end)

   it("is not offered by a client whose suites all have another hash", function()
      local sctx = server_ctx()
      local session = sha256_session(sctx)
      local cctx, events = client_ctx { ciphers = "TLS_AES_256_GCM_SHA384" }
      local c = E.resume(cctx, sctx, session)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.is_false(c:info().resumed)
      assert.equal("full handshake: the session is not offered | no cipher suite in this config's ciphers has "
                   .. "the hash of the session's", decisions(events)[1])
   end)

   it("our server resumes it only under a suite of its hash", function()
      -- The client offers the SHA-256 session with SHA-384 and SHA-256
      -- suites: a server with only SHA-384 cannot use the PSK (full
      -- handshake), one with only ChaCha20 (SHA-256) resumes.
      local sctx = server_ctx()
      local session = sha256_session(sctx)
      local cctx = client_ctx { ciphers = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256" }
      local c, s = E.resume(cctx, server_ctx { ciphers = "TLS_AES_256_GCM_SHA384" }, session)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.is_false(s:info().resumed)
      assert.is_false(c:info().resumed)
      assert.equal("TLS_AES_256_GCM_SHA384", c:info().cipher)
      c, s = E.resume(cctx, server_ctx { ciphers = "TLS_CHACHA20_POLY1305_SHA256" }, session)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.is_true(s:info().resumed)
      assert.is_true(c:info().resumed)
      assert.equal("TLS_CHACHA20_POLY1305_SHA256", c:info().cipher)
   end)

   it("sends no early data when the session's own suite is off (rfc8446#4.2.10)", function()
      local store = {}
      local sctx = server_ctx { early_data = true, session_store = {
         get = function(id) return store[id] end,
         put = function(id, blob) store[id] = blob end,
         delete = function(id) local had = store[id] ~= nil; store[id] = nil; return had end } }
      local session = sha256_session(sctx)
      local cctx = client_ctx { ciphers = "TLS_CHACHA20_POLY1305_SHA256", early_data = true }
      local c, s = E.resume(cctx, sctx, session, "GET / early")
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert.is_true(c:info().resumed)
      -- not offered (nil), rather than sent under a suite we turned off and rejected
      assert.is_nil(c:info().early_data)
      assert.is_nil(s:info().early_data)
      assert.equal("TLS_CHACHA20_POLY1305_SHA256", c:info().cipher)
   end)

   it("e:write_early refuses early data the session's own suite, turned off, would carry", function()
      local sctx = server_ctx { early_data = true, session_store = tls.store.memory() }
      local session = sha256_session(sctx)
      local cctx = client_ctx { ciphers = "TLS_CHACHA20_POLY1305_SHA256", early_data = true }
      local e = assert(tls.engine(cctx, { servername = "localhost", session = session }))
      assert.same({ nil, "the session's cipher suite, which its early data would use, is not in this context's "
                         .. "ciphers" }, { e:write_early("x") })
      -- with the suite on, it is taken
      local e2 = assert(tls.engine(client_ctx { early_data = true }, { servername = "localhost", session = session }))
      assert.is_true(e2:write_early("x"))
   end)

   it("openssl s_server resumes our SHA-256 session under another suite of that hash", function()
      local peers = require "spec.support.peers"
      local certs = require "spec.support.certs"
      local cc = certs.get()
      local _, port = peers.s_server(string.format("-tls1_3 -cert %s -key %s -www -ciphersuites "
         .. "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384",
         cc.leaf.ecdsa_p256.cert, cc.leaf.ecdsa_p256.key))
      local function www(ciphers, session)
         local ctx = assert(tls.context { ca = cc.ca, ciphers = ciphers })
         local conn = assert(tls.connect("127.0.0.1", port, ctx,
            { servername = "localhost", timeout = 10, session = session }))
         conn:settimeout(10)
         assert(conn:send("GET / HTTP/1.0\r\n\r\n"))
         local page = assert(conn:receive("*a"))
         local info, s = conn:info(), conn:session()
         conn:close()
         return info, s, page
      end
      local info1, session = www("TLS_AES_128_GCM_SHA256")
      assert.is_false(info1.resumed)
      local info2, _, page2 = www("TLS_CHACHA20_POLY1305_SHA256", session)
      assert.truthy(page2:find("Reused, TLSv1.3, Cipher is TLS_CHACHA20_POLY1305_SHA256", 1, true), page2)
      assert.is_true(info2.resumed)
      -- SHA-384 only: not offered, a full handshake
      local info3, _, page3 = www("TLS_AES_256_GCM_SHA384", session)
      assert.truthy(page3:find("New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384", 1, true), page3)
      assert.is_false(info3.resumed)
   end)
end)

-- review40g N1: LuaSec programs test dohandshake's error for "closed" (what
-- LuaSec says when OpenSSL sees the peer's close_notify there).
describe("review40g N1: the drop-in's dohandshake after the server's close_notify", function()
   it("says \"closed\", as LuaSec", function()
      local socket = require "socket"
      local ssl = require "tls.luasec"
      local srv = assert(socket.bind("127.0.0.1", 0))
      local _, port = srv:getsockname()
      local cli = assert(socket.tcp())
      assert(cli:connect("127.0.0.1", port))
      local peer = assert(srv:accept())
      srv:close()
      local s = assert(ssl.wrap(cli, { mode = "client", protocol = "any", verify = "none" }))
      s:settimeout(0)
      assert.same({ false, "wantread" }, { s:dohandshake() })
      peer:settimeout(5)
      assert(peer:receive(5)) -- the ClientHello's record header
      assert(peer:send(H.plain_record(H.CT.alert, CLOSE_NOTIFY)))
      s:settimeout(5)
      assert.same({ false, "closed" }, { s:dohandshake() })
      s:close()
      peer:close()
   end)
end)
