-- Session 20 (dropin20): the LuaSec drop-in's and tls.copas's known gaps
-- (review_next items 14 and 19). certificates given with certificate/key,
-- sni(map, true) and clients without SNI, the ALPN variant key, one
-- whole_list for tls and tls.luasec, and tls.copas.addserver closing the
-- connection of a handler that raised. mutate/mutations_dropin20.lua plants
-- each back.
local socket = require "socket"
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"
local certs_sni = require "spec.support.certs_sni"
local E = require "spec.support.engines"
local ssl = require "tls.luasec"
local tls = require "tls"

local c = certs.get()

describe("dropin20: one whole_list for tls and tls.luasec", function()
   it("is tls.util's, and each caller keeps its words", function()
      local util = require "tls.util"
      assert.is_true(util.whole_list({ "a", "b" }, "x", "a list"))
      assert.same({ nil, "x: entry 1 is nil (a list has no holes)" }, { util.whole_list({ nil, "b" }, "x", "a list") })
      local ctx, err = tls.context { mode = "client", ca = c.ca, pin = { nil, "sha256/" .. string.rep("A", 43) .. "=" } }
      assert.is_nil(ctx)
      assert.equal("option 'pin': entry 1 is nil (a list has no holes)", err)
      ctx, err = tls.context { mode = "client", ca = c.ca, alpn = { "h2", x = "y" } }
      assert.is_nil(ctx)
      assert.equal("option 'alpn' must be a list (it has holes or named keys: 2 entries, 1 in order)", err)
      ctx, err = ssl.newcontext { mode = "client", protocol = "any", verify = { nil, "peer" } }
      assert.is_nil(ctx)
      assert.equal("verify: entry 1 is nil (a list has no holes)", err)
      ctx, err = ssl.newcontext { mode = "client", protocol = "any", verify = { peer = true } }
      assert.is_nil(ctx)
      assert.equal("verify must be a list of names (it has holes or named keys: 1 entries, 0 in order)", err)
   end)
end)

describe("dropin20: the drop-in's certificates with certificate/key", function()
   local a, b = c.leaf.ecdsa_p256, c.leaf.rsa2048
   it("refuses certificates together with certificate or key (LuaSec ignores the pair then)", function()
      local ctx, err = ssl.newcontext { mode = "server", protocol = "any", certificate = a.cert, key = a.key,
         certificates = { { certificate = b.cert, key = b.key } } }
      assert.is_nil(ctx)
      assert.matches("'certificates' together with 'certificate': LuaSec loads only the 'certificates' list", err,
         1, true)
      ctx, err = ssl.newcontext { mode = "server", protocol = "any", key = a.key,
         certificates = { { certificate = b.cert, key = b.key } } }
      assert.is_nil(ctx)
      assert.matches("'certificates' together with 'key'", err, 1, true)
   end)

   it("still takes either alone", function()
      assert(ssl.newcontext { mode = "server", protocol = "any", certificate = a.cert, key = a.key })
      assert(ssl.newcontext { mode = "server", protocol = "any",
         certificates = { { certificate = a.cert, key = a.key }, { certificate = b.cert, key = b.key } } })
   end)
end)
