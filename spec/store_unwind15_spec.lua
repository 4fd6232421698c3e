-- A session store whose lookup raises (an __index function, a proxy whose
-- backend went down) is the store's failure, as an error raised by its
-- functions is: a warning and a miss. Before session 15 the lookup ran
-- outside lua_pcall, so the error went through the engine: the engine was
-- left inside its callback for good, and the thread's kept HMAC contexts
-- in a scope nobody left (found by session 15's review).
local I = require "tls.core"._internal
local E = require "spec.support.engines"
local store = require "tls.store"

local function broken_store()
   local impl, state = store.memory(), { broken = false }
   return setmetatable({}, { __index = function(_, k)
      if state.broken then
         state.raised = (state.raised or 0) + 1
         error("store down")
      end
      return impl[k]
   end }), state
end

describe("a session store whose lookup raises", function()
   for _, version in ipairs { "TLSv1.2" } do
      it("is a miss, the handshake completes, and nothing stays kept (" .. version .. ")", function()
         local st, state = broken_store()
         -- TLS 1.2 without tickets stores by session id
         local c, s = E.engines({ max_version = version },
                                { max_version = version, session_store = st,
                                  tickets = version == "TLSv1.2" and 0 or nil })
         state.broken = true
         assert(c:start())
         E.pump(c, s, { strict = true })
         assert.is_true(c:status().handshake_done, tostring(c:error()))
         assert.is_true(s:status().handshake_done, tostring(s:error()))
         assert.is_true((state.raised or 0) > 0)
         assert.equal(0, I.hmac_kept())
         -- the engine is not left inside a callback: it still takes calls
         assert(s:write("after"))
         E.pump(s, c, { strict = true })
         assert.equal("after", c:read())
         -- an unrelated handshake on the same thread keeps nothing either
         E.connected()
         assert.equal(0, I.hmac_kept())
      end)
   end

   it("a lookup that raises at resumption is a miss: a full handshake", function()
      local tls = require "tls"
      local st, state = broken_store()
      local cctx = assert(tls.context { mode = "client", ca = E.CERT })
      local sctx = E.server_ctx { max_version = "TLSv1.2", session_store = st, tickets = 0 }
      local c = assert(tls.engine(cctx, { servername = "localhost" }))
      E.handshake(c, assert(tls.engine(sctx)))
      local session = assert(c:session())
      state.broken = true
      c = assert(tls.engine(cctx, { servername = "localhost", session = session }))
      E.handshake(c, assert(tls.engine(sctx)))
      assert.is_true(state.raised > 0)
      assert.is_false(c:info().resumed)
      assert.equal(0, I.hmac_kept())
      -- and the store, working again, stores and resumes
      state.broken = false
      c = assert(tls.engine(cctx, { servername = "localhost" }))
      E.handshake(c, assert(tls.engine(sctx)))
      local c2 = assert(tls.engine(cctx, { servername = "localhost", session = assert(c:session()) }))
      E.handshake(c2, assert(tls.engine(sctx)))
      assert.is_true(c2:info().resumed)
   end)
end)
