-- Session 42 (lead): conn:receive(n) hands a count the engine already holds
-- straight from the engine's plaintext to a Lua string (one copy instead of
-- two through a luaL_Buffer). Everything around it must behave as before:
-- counts within a record, whole records, counts across records, a prefix,
-- the byte counter, and timeout 0 with nothing there.
local tls = require "tls"
local certs = require "spec.support.certs"
local wrapped_pair = require "spec.support.wrapped_pair"

local c = certs.get()

local function connected_pair(version)
   local cctx = assert(tls.context { mode = "client", ca = c.ca, max_version = version })
   local sctx = assert(tls.context { mode = "server", certificate = c.leaf.ecdsa_p256.cert,
      key = c.leaf.ecdsa_p256.key, tickets = 0 })
   return wrapped_pair(cctx, sctx)
end

for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
   describe("lead42: receive(n) straight from the engine, " .. version, function()
      it("takes whole records, counts within one, and the rest, byte for byte", function()
         local client, server = connected_pair(version)
         local a, b2 = string.rep("A", 16383) .. "a", string.rep("B", 16383) .. "b"
         assert.equal(#a, client:send(a))
         assert.equal(#b2, client:send(b2))
         assert.equal(6, client:send("xyz123"))
         assert.equal(a, server:receive(16384))
         assert.equal("BBB", server:receive(3))
         assert.equal(string.rep("B", 16380) .. "b", server:receive(16381))
         assert.equal("x", server:receive(1))
         assert.equal("yz1", server:receive("3"))
         assert.equal("23", server:receive(2))
         local received = server:getstats()
         assert.equal(16384 * 2 + 6, received)
         client:close(); server:close()
      end)

      it("a count across records and one with a prefix take the buffered way, unchanged", function()
         local client, server = connected_pair(version)
         local data = {}
         for i = 1, 40000 do data[i] = string.char(32 + i % 90) end
         data = table.concat(data)
         assert.equal(#data, client:send(data))
         assert.equal(data:sub(1, 30000), server:receive(30000))
         assert.equal("pre" .. data:sub(30001, 30007), server:receive(10, "pre"))
         assert.equal(data:sub(30008), server:receive(#data - 30007))
         assert.equal(#data, (server:getstats()))
         client:close(); server:close()
      end)

      it("at timeout 0 with nothing there: nil, wantread and an empty partial; then the data", function()
         local client, server = connected_pair(version)
         server:settimeout(0)
         local got, err, partial = server:receive(4)
         assert.is_nil(got)
         assert.equal("wantread", err)
         assert.equal("", partial)
         assert.equal(2, client:send("ab"))
         local deadline = os.time() + 5
         repeat
            got, err, partial = server:receive(4)
         until partial == "ab" or got or os.time() > deadline
         assert.is_nil(got)
         assert.equal("ab", partial)
         assert.equal(2, client:send("cd"))
         -- LuaSocket counts the prefix in the count: 4 with "ab" wants 2 more.
         repeat got, err = server:receive(4, partial) until got or os.time() > deadline
         assert.equal("abcd", got, err)
         client:close(); server:close()
      end)
   end)
end
