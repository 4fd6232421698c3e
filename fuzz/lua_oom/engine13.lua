-- TLS 1.3 through tls.engine with every hook of the binding called: mutual
-- TLS, ALPN, a servername and an ocsp function, verify, keylog and trace
-- functions; data both ways, a KeyUpdate, the exporter, peer certificates,
-- info(), the session; then resumption with 0-RTT; close_notify both ways.
local tls = require "tls"
local P = require "fuzz.lua_oom.pair"

local lines, events, early_verdict = {}, {}, nil
local server_ctx = assert(tls.context {
   mode = "server", certificate = P.CERT, key = P.KEY, alpn = { "h2", "http/1.1" },
   verify = "required", ca = P.CLIENT_CERT, early_data = true, ticket_keys = { tls.ticketkeys.generate() },
   session_store = tls.store.memory(),
   keylog = function(line) lines[#lines + 1] = line end,
   ocsp = function(cert, name) return nil end,
   servername = function(name) return nil end,
   trace = function(ev)
      events[#events + 1] = ev.direction .. " " .. ev.message
      if ev.message == "early_data" then early_verdict = tostring(ev.result) .. ": " .. tostring(ev.reason) end
   end,
})
local client_ctx = assert(tls.context {
   mode = "client", ca = P.CERT, alpn = { "http/1.1" }, certificate = P.CLIENT_CERT, key = P.CLIENT_KEY,
   early_data = true, verify = function(conn, ok, chain) return ok end,
   trace = function(ev) events[#events + 1] = ev.message end,
})

local c, s = P.handshake(client_ctx, server_ctx)
P.transfer(c, s, "hello", c, s)
P.transfer(s, c, string.rep("x", 40000), c, s)
local info = c:info()
P.check(c, s, info.alpn == "http/1.1" and s:info().alpn == "http/1.1", "ALPN")
P.check(c, s, s:peercertificate():subject() ~= nil and #c:peerchain() == 1, "peer certificates")
P.check(c, s, c:keyupdate(), "keyupdate")
P.transfer(c, s, "after the update", c, s)
P.check(c, s, c:export("EXPORTER-lua-oom", nil, 32) == s:export("EXPORTER-lua-oom", nil, 32), "export")
P.check(c, s, c:finished() ~= nil and s:want() ~= nil, "finished")
local session = c:session()
P.check(c, s, session ~= nil, "session")
P.close(c, s)

local c2 = assert(tls.engine(client_ctx, { servername = "localhost", session = session, early_data = "early" }))
local s2 = assert(tls.engine(server_ctx))
c2:start()
P.pump(c2, s2)
P.check(c2, s2, c2:status().handshake_done and s2:status().handshake_done, "resumption")
-- A session store that runs out of memory declines 0-RTT (always allowed).
P.check(c2, s2, s2:read_early() == "early", "0-RTT (" .. tostring(early_verdict) .. ")")
P.check(c2, s2, c2:info().resumed and s2:info().resumed, "resumed")
P.close(c2, s2)
P.check(c2, s2, #lines > 0 and #events > 0, "hooks called")
