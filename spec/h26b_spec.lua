-- Session 26, review26a #2-#5 (/work/notes/review26a.md).
--   #2 tls.selfsigned took "*." before an IP literal ("*.10.0.0.1",
--      "*.::1") and made it a DNS name no client can ask for; refused.
--   #3 the memory store refused a math.huge ttl but kept 1e300 for ever;
--      a ttl above 604800 s (RFC 8446 4.6.1) raises as infinity does.
--   #4 tls.wrap took the LuaSec drop-in's connection (TLS over TLS on one
--      descriptor, two owners); refused like a tls.conn.
--   #5 conn:setfd took a listening or non-stream descriptor (tls.wrap's
--      checks skipped); it raises now and changes nothing.
local tls = require "tls"
local certs = require "spec.support.certs"
local socket = require "socket"

local c = certs.get()

local function server_ctx()
   return assert(tls.context { mode = "server", certificate = c.leaf.ecdsa_p256.cert,
      key = c.leaf.ecdsa_p256.key })
end

local tcppair = require "spec.support.tcppair"

describe("review26a #2: tls.selfsigned with a wildcard before an IP address", function()
   for _, name in ipairs { "*.10.0.0.1", "*.::1", "*.127.0.0.1", "*.fe80::1" } do
      it("refuses " .. name, function()
         local cert, err = tls.selfsigned { names = { "localhost", name } }
         assert.is_nil(cert)
         assert.equal("tls.selfsigned: option 'names': entry 2 ('" .. name .. "') is not a host name or IP "
            .. "address: it puts a wildcard label before an IP address: a wildcard covers DNS names only "
            .. "(give the address alone)", err)
      end)
   end

   it("(neighbours) takes the addresses alone, wildcard DNS names and numeric DNS labels", function()
      for _, name in ipairs { "10.0.0.1", "::1", "*.www.example", "*.1.2.3.4.5", "*.10.0.0" } do
         local cert, err = tls.selfsigned { names = { name } }
         assert.is_string(cert, name .. ": " .. tostring(err))
      end
   end)
end)

describe("review26a #3: memory store ttl", function()
   local store = require "tls.store"

   it("refuses a huge finite ttl, which would never expire", function()
      local st = store.memory()
      assert.has_error(function() st.put("id", "blob", 1e300) end,
         "bad argument #3 to 'put' (ttl in seconds expected, at most 604800 (7 days, RFC 8446 4.6.1), got 1e+300)")
      assert.has_error(function() st.put("id", "blob", 604801) end,
         "bad argument #3 to 'put' (ttl in seconds expected, at most 604800 (7 days, RFC 8446 4.6.1), got 604801)")
      assert.is_nil(st.get("id"))
      assert.equal(0, st.count())
   end)

   it("a refused put leaves the entry already there", function()
      local st = store.memory()
      st.put("id", "old", 60)
      assert.has_error(function() st.put("id", "new", 1e300) end)
      assert.equal("old", st.get("id"))
   end)

   it("(neighbour) 604800 s is kept and expires after 7 days", function()
      local now = 1000
      local st = store.memory { clock = function() return now end }
      st.put("id", "blob", 604800)
      now = now + 604799
      assert.equal("blob", st.get("id"))
      now = now + 1
      assert.is_nil(st.get("id"))
   end)
end)

describe("review26a #4: tls.wrap given the LuaSec drop-in's connection", function()
   it("refuses it like a tls.conn and leaves it alone", function()
      local ssl = require "tls.luasec"
      local a, b = tcppair()
      local d = assert(ssl.wrap(a, { mode = "client", protocol = "any", verify = "none" }))
      local fd = d:getfd()
      local ok, err = pcall(tls.wrap, d, { mode = "client", verify = false })
      assert.is_false(ok)
      assert.matches("bad argument #1 to 'wrap' (connected LuaSocket TCP socket expected, got SSL connection: "
         .. "TLS over a TLS connection is not supported; tls.engine can run one)", err, 1, true)
      assert.equal(fd, d:getfd())
      d:close(); b:close()
   end)

   it("(neighbour) a table with another metatable name goes on to getfd", function()
      local t = setmetatable({}, { __name = "SSL:Other" })
      local ok, err = pcall(tls.wrap, t, { mode = "client", verify = false })
      assert.is_false(ok)
      assert.matches("bad argument #1 to 'wrap' (connected LuaSocket TCP socket expected)", err, 1, true)
   end)
end)

describe("review26a #5: conn:setfd with a descriptor tls.wrap refuses", function()
   local cctx = assert(tls.context { mode = "client", verify = false })

   it("over tls.wrap: a listening socket raises, nothing changes", function()
      local a, b = tcppair()
      local conn = assert(tls.wrap(a, cctx))
      local fd = conn:getfd()
      local l = assert(socket.bind("127.0.0.1", 0))
      assert.has_error(function() conn:setfd(math.tointeger(l:getfd())) end,
         "bad argument #1 to 'setfd' (the socket is a listening one: wrap the sockets its accept() returns)")
      assert.equal(fd, conn:getfd())
      assert.equal(fd, math.tointeger(a:getfd()))
      conn:close()
      -- The listener was neither taken nor closed.
      local _, port = l:getsockname()
      local x = assert(socket.connect("127.0.0.1", port))
      local y = assert(l:accept())
      x:close(); y:close(); l:close(); b:close()
   end)

   it("over tls.wrap: a UDP socket raises", function()
      local a, b = tcppair()
      local conn = assert(tls.wrap(a, cctx))
      local u = assert(socket.udp())
      assert(u:setsockname("127.0.0.1", 0))
      assert.has_error(function() conn:setfd(math.tointeger(u:getfd())) end,
         "bad argument #1 to 'setfd' (the descriptor is not a TCP (stream) socket)")
      assert.equal(math.tointeger(a:getfd()), conn:getfd())
      conn:close(); u:close(); b:close()
   end)

   it("on a connection that owns its descriptor: a listening tls.server's raises, neither is closed", function()
      local srv = assert(tls.listen("127.0.0.1", 0, server_ctx()))
      local _, port = srv:getsockname()
      local x = assert(socket.connect("127.0.0.1", port))
      local sc = assert(srv:accept())
      local fd = sc:getfd()
      assert.has_error(function() sc:setfd(srv:getfd()) end,
         "bad argument #1 to 'setfd' (the socket is a listening one: wrap the sockets its accept() returns)")
      assert.equal(fd, sc:getfd())
      -- The connection's own descriptor was not closed: the client sees no EOF.
      x:settimeout(0.1)
      local _, rerr = x:receive(1)
      assert.equal("timeout", rerr)
      sc:close(); x:close()
      -- The server still accepts.
      local x2 = assert(socket.connect("127.0.0.1", port))
      local sc2 = assert(srv:accept())
      sc2:close(); x2:close(); srv:close()
   end)

   it("(neighbour) a connected TCP socket is taken, -1 detaches", function()
      local a, b = tcppair()
      local conn = assert(tls.wrap(a, cctx))
      local a2, b2 = tcppair()
      local fd2 = math.tointeger(a2:getfd())
      conn:setfd(fd2)
      assert.equal(fd2, conn:getfd())
      conn:setfd(-1)
      assert.equal(-1, conn:getfd())
      conn:close(); a:close(); a2:close(); b:close(); b2:close()
   end)
end)
