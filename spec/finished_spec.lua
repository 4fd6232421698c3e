-- conn:finished() / e:finished(): the verify_data of the last Finished each
-- side sent and verified (rfc8446#4.4.4, rfc5246#7.4.9), what LuaSec's
-- getfinished/getpeerfinished give (tls-unique, rfc5929). Against libssl
-- through LuaSec: spec/interop_luasec_spec.lua.
local tls = require "tls"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"

-- A full handshake on fresh engines, then (tickets read) a resumed one.
local function full_then_resumed(copts, sopts)
   local cctx = assert(tls.context(E.merge({ mode = "client", ca = E.CERT }, copts)))
   local sctx = E.server_ctx(sopts)
   local session, c, s = E.first_session(cctx, sctx, "x")
   local c2 = assert(tls.engine(cctx, { servername = "localhost", session = session }))
   local s2 = assert(tls.engine(sctx))
   E.handshake(c2, s2)
   assert.is_true(c2:info().resumed)
   return c, s, c2, s2
end

local function crossed(c, s, len)
   local cm, cp = c:finished()
   local sm, sp = s:finished()
   assert.equal(len, #cm)
   assert.equal(len, #cp)
   assert.equal(cm, sp)
   assert.equal(sm, cp)
   assert.are_not.equal(cm, cp)
   return cm, cp
end

describe("Finished verify_data", function()
   it("is nil on both sides before the handshake", function()
      local c, s = E.engines()
      assert.same({}, { c:finished() }, 2)
      assert.is_nil((s:finished()))
      assert(c:start())
      E.pump(c, s, { strict = true })
      assert.is_not_nil((c:finished()))
   end)

   for _, case in ipairs {
      { "TLS 1.3, SHA-256", {}, 32 },
      { "TLS 1.3, SHA-384", { ciphers = "TLS_AES_256_GCM_SHA384" }, 48 },
      { "TLS 1.2", { max_version = "TLSv1.2" }, 12 },
   } do
      it("is what the peer verified, full and resumed (" .. case[1] .. ")", function()
         local c, s, c2, s2 = full_then_resumed(case[2], {})
         local first = crossed(c, s, case[3])
         local second = crossed(c2, s2, case[3])
         assert.are_not.equal(first, second)
      end)
   end

   it("stays after close_notify, so that it can be read at the end", function()
      local c, s = E.connected()
      local mine = c:finished()
      c:close()
      E.pump(c, s)
      assert.equal(mine, (c:finished()))
      assert.equal(mine, select(2, s:finished()))
   end)

   it("is not recorded for a peer Finished that fails to verify", function()
      local sv, fake = E.scripted_hello()
      local vd = fake:finished_message(false):sub(5)
      local bad = string.char(vd:byte(1) ~ 1) .. vd:sub(2)
      local ok, msg = sv:feed(fake:seal(fake.client_hs, B.CT.handshake, B.handshake(B.HS.finished, bad)))
      E.assert_refused(sv, ok, msg, "decrypt_error", "peer.s Finished does not match the handshake we saw")
      -- nor ours: a failed connection gives none (spec/misc19_spec.lua)
      assert.same({ nil, nil, "no Finished values: the connection failed" }, { sv:finished() })
   end)
end)
