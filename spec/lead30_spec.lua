-- Session 30's other fixes beside keyUsage (keyusage30_spec.lua).
local tls = require "tls"
local E = require "spec.support.engines"
local tcppair = require "spec.support.tcppair"

local LABEL = "EXPERIMENTAL-luatls"

-- A client and a server connection over a loopback pair, handshaken.
local function connected(version)
   local a, b = tcppair()
   local cl = assert(tls.wrap(a, assert(tls.context { mode = "client", ca = E.CERT, max_version = version }),
      { servername = "localhost" }))
   local sv = assert(tls.wrap(b, E.server_ctx()))
   cl:settimeout(0); sv:settimeout(0)
   local done = {}
   for _ = 1, 200 do
      for name, conn in pairs { cl = cl, sv = sv } do
         if not done[name] then
            local ok, err = conn:handshake()
            if ok then done[name] = true else assert(err == "wantread" or err == "wantwrite", err) end
         end
      end
      if done.cl and done.sv then break end
   end
   assert(done.cl and done.sv, "handshake did not finish")
   cl:settimeout(5); sv:settimeout(5)
   return cl, sv
end

-- review29c: conn:export kept answering after close(), from an exporter
-- secret kept until the connection was collected.
describe("conn:export after close()", function()
   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("says closed, while info() and the finished messages stay, " .. version, function()
         local cl, sv = connected(version)
         local before = assert(cl:export(LABEL, nil, 32))
         assert.equal(before, assert(sv:export(LABEL, nil, 32)))
         local finished = cl:finished()
         cl:close()
         assert.same({ nil, "closed" }, { cl:export(LABEL, nil, 32) })
         assert.equal(version, cl:info().version)
         assert.equal(finished, cl:finished())
         -- the peer, not yet closed, still answers
         assert.equal(before, assert(sv:export(LABEL, nil, 32)))
         sv:close()
         assert.same({ nil, "closed" }, { sv:export(LABEL, nil, 32) })
      end)
   end
end)
