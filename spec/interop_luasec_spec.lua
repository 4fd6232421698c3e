-- Interoperability with LuaSec, the library our users compare us with.
-- LuaSec runs in its own process (spec/support/luasec_peer.lua).
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local c = certs.get()

-- Debian builds lua-sec for Lua 5.1 to 5.4; use the first interpreter that has it.
local function luasec_lua()
   for _, lua in ipairs { proc.lua(), "lua5.4", "lua5.3", "lua5.1" } do
      if proc.have(lua) then
         local _, code = proc.run(lua .. " -e 'require \"ssl\"'")
         if code == 0 then return lua end
      end
   end
   error("no Lua interpreter here can load LuaSec (Debian package lua-sec)")
end

describe("LuaSec interop", function()
   local lua
   setup(function() lua = luasec_lua() end)
   after_each(proc.kill_all)

   for _, kind in ipairs { "ecdsa_p256", "rsa2048", "ed25519" } do
      it("our client talks to a LuaSec server with a " .. kind .. " certificate", function()
         local srv = proc.spawn(string.format("%s spec/support/luasec_peer.lua server %s %s",
            lua, c.leaf[kind].cert, c.leaf[kind].key))
         local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
         local ctx = assert(tls.context { mode = "client", ca = c.ca })
         local conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 }))
         conn:settimeout(10)
         local info = conn:info()
         assert(conn:send("hello from luatls\n"))
         local line, err = conn:receive("*l")
         assert.equal("TLSv1.3 " .. info.cipher .. " hello from luatls", line, err)
         conn:close()
      end)
   end

   for _, v in ipairs { { "tlsv1_3", "TLSv1.3", 32 }, { "tlsv1_2", "TLSv1.2", 12 } } do
      it("our Finished values are LuaSec's getpeerfinished and getfinished (" .. v[2] .. ")", function()
         local srv = proc.spawn(string.format("%s spec/support/luasec_peer.lua server %s %s %s",
            lua, c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, v[1]))
         local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
         local ctx = assert(tls.context { mode = "client", ca = c.ca })
         local conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 }))
         conn:settimeout(10)
         assert.equal(v[2], conn:info().version)
         assert(conn:send("hi\n"))
         assert(conn:receive("*l"))
         local mine, peer = conn:finished()
         conn:close()
         local theirs, their_peer = proc.wait_output(srv, "finished (%x+) (%x+)")
         local hex = function(s) return (s:gsub(".", function(b) return ("%02x"):format(b:byte()) end)) end
         assert.equal(v[3], #mine)
         assert.equal(hex(mine), their_peer)
         assert.equal(hex(peer), theirs)
      end)
   end

   for _, kind in ipairs { "ecdsa_p256", "ecdsa_p384", "rsa2048", "ed25519" } do
      it("a LuaSec client talks to our server with a " .. kind .. " certificate", function()
         local srv, port = peers.luatls_server { cert = c.leaf[kind].cert, key = c.leaf[kind].key }
         local out, code = proc.run(string.format("%s spec/support/luasec_peer.lua client %d %s", lua, port, c.ca))
         assert.equal(0, code, out)
         local protocol, cipher = out:match("negotiated (%S+) (%S+)")
         assert.equal("TLSv1.3", protocol, out)
         assert.truthy(out:find("answer hello from luasec", 1, true), out)
         assert.truthy(srv:output():find("cipher=" .. cipher .. " ", 1, true), srv:output())
      end)
   end

   it("our connection works where LuaSec code expects dohandshake/receive/send", function()
      local srv = proc.spawn(string.format("%s spec/support/luasec_peer.lua server %s %s",
         lua, c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key))
      local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
      local socket = require "socket"
      local raw = assert(socket.connect("127.0.0.1", port))
      local ctx = assert(tls.context { mode = "client", ca = c.ca })
      local conn = assert(tls.wrap(raw, ctx, { servername = "localhost" }))
      conn:settimeout(10)
      assert.is_true(conn:dohandshake())
      assert.equal(#"wrapped\n", conn:send("wrapped\n"))
      local line = conn:receive("*l")
      assert.matches(" wrapped$", line)
      conn:close()
   end)
end)
