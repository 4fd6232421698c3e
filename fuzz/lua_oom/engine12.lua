-- TLS 1.2 through tls.engine: AES-GCM and ChaCha20, a client certificate,
-- data both ways, resumption by ticket and by session id (a session store
-- in Lua), info() and the session text; close_notify both ways.
local tls = require "tls"
local P = require "fuzz.lua_oom.pair"

local store = tls.store.memory()
local server_ctx = assert(tls.context {
   mode = "server", certificate = P.CERT, key = P.KEY, max_version = "TLSv1.2",
   verify = "optional", ca = P.CLIENT_CERT, session_store = store,
})
local no_ticket_ctx = assert(tls.context {
   mode = "server", certificate = P.CERT, key = P.KEY, max_version = "TLSv1.2", session_store = store,
   tickets = 0,
})
-- AES-GCM resumed by ticket, ChaCha20 by session id through the store.
for _, case in ipairs { { "ECDHE-ECDSA-AES128-GCM-SHA256", server_ctx },
                        { "ECDHE-ECDSA-CHACHA20-POLY1305", no_ticket_ctx } } do
   local suite, sctx = case[1], case[2]
   local client_ctx = assert(tls.context {
      mode = "client", ca = P.CERT, max_version = "TLSv1.2", ciphers = suite,
      certificate = P.CLIENT_CERT, key = P.CLIENT_KEY,
   })
   local c, s = P.handshake(client_ctx, sctx)
   P.transfer(c, s, "hello", c, s)
   P.transfer(s, c, string.rep("y", 20000), c, s)
   P.check(c, s, c:info().cipher ~= nil and s:info().version == "TLSv1.2", "info")
   local session = c:session()
   P.check(c, s, session ~= nil, "session")
   P.close(c, s)
   local c2, s2 = P.handshake(client_ctx, sctx, { servername = "localhost", session = session })
   -- A session store that ran out of memory gives a full handshake (its
   -- warning says why); a ticket needs no store.
   P.check(c2, s2, c2:info().resumed or sctx == no_ticket_ctx, "resumed")
   P.transfer(c2, s2, "again", c2, s2)
   P.close(c2, s2)
end

-- Engine calls at call depths this state never reached: each method's
-- guard then needs a new CallInfo (and stack) to run its __close, which
-- tls_lua_enter makes before the engine is marked in use (a failure there
-- is a plain error, not an engine in use for ever). Which depths are new
-- otherwise depends on what ran before, and the collector frees unused
-- CallInfos, so the script makes them new on purpose.
local c, s = P.handshake(assert(tls.context {
   mode = "client", ca = P.CERT, max_version = "TLSv1.2",
}), server_ctx)
local function at_depth(n, f)
   if n == 0 then return f() end
   local r = at_depth(n - 1, f)
   return r
end
for depth = 1, 8 do
   collectgarbage()
   at_depth(100 + 10 * depth, function() return c:status() end)
   at_depth(101 + 10 * depth, function() return s:output() end)
end
P.close(c, s)
