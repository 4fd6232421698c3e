-- Review of issue 10 (resumption): holes found after the merge, each with
-- the check that closes it (mutate/mutations_review10.lua plants them back).
local tls = require "tls"
local E = require "spec.support.engines"

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

-- A TLS 1.3 session of our client with our server (E.CERT, localhost).
local function session13()
   local c = E.connected()
   assert.equal("TLSv1.3", c:info().version)
   return assert(c:session())
end

describe("review10: our TLS 1.3 client and pins", function()
   local function offer(session, extra)
      local o, events = E.traced(E.merge({ mode = "client", ca = E.CERT }, extra))
      local cl = assert(tls.engine(assert(tls.context(o)), { servername = "localhost", session = session }))
      assert(cl:start())
      return decisions(events)
   end

   it("does not offer a session whose certificate holds no pinned key (as TLS 1.2 does not)", function()
      local s = session13()
      assert.same({ "full handshake: the session is not offered | the session's certificate does not hold a "
                    .. "pinned key" }, offer(s, { pin = "sha256/" .. ("A"):rep(43) .. "=" }))
      -- the right pin: offered
      local pin = "sha256/" .. assert(tls.certificate(E.CERT)):pubkey().spki_sha256
      local d = offer(s, { pin = pin })
      assert.equal(1, #d)
      assert.truthy(d[1]:find("^offered"), d[1])
   end)
end)
