-- Session 43, review43c: misuse of the Lua API (options that did nothing,
-- arguments read as something else).
local tls = require "tls"
local E = require "spec.support.engines"

-- F1: 'require_ems' acts only in TLS 1.2. min_version = "TLSv1.3" was
-- refused with it, but a 'ciphers' list naming TLS 1.3 suites only (which
-- leaves no TLS 1.2 just the same) took either value and did nothing.
describe("review43c F1: require_ems where 'ciphers' leaves no TLS 1.2", function()
   local TLS13_ONLY = "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"

   it("is refused on a client, true or false, naming the reason", function()
      for _, v in ipairs { true, false } do
         local ctx, err = tls.context { ca = E.CERT, ciphers = TLS13_ONLY, require_ems = v }
         assert.is_nil(ctx)
         assert.equal("option 'require_ems' can never take effect: it is about TLS 1.2, and TLSv1.2 is out because "
            .. "'ciphers' names no TLS 1.2 suite (leave 'require_ems' out, or allow TLS 1.2)", err)
      end
   end)

   it("is refused on a server too", function()
      local ctx, err = tls.context { mode = "server", certificate = E.CERT, key = E.KEY, ciphers = TLS13_ONLY,
         require_ems = true }
      assert.is_nil(ctx)
      assert.matches("option 'require_ems' can never take effect", err, 1, true)
   end)

   it("(neighbour) is taken while TLS 1.2 can be spoken, and the list alone is taken", function()
      assert.truthy(tls.context { ca = E.CERT, require_ems = false,
         ciphers = TLS13_ONLY .. ":ECDHE-ECDSA-AES128-GCM-SHA256" })
      assert.truthy(tls.context { ca = E.CERT, require_ems = true, max_version = "TLSv1.2" })
      assert.truthy(tls.context { ca = E.CERT, ciphers = TLS13_ONLY })
   end)
end)

-- F2: keyupdate(request_peer) read its argument with lua_toboolean, so
-- keyupdate("false"), keyupdate(0) or keyupdate("update_not_requested")
-- asked the peer to update its keys, the opposite of what they say.
describe("review43c F2: keyupdate's request_peer", function()
   it("on an engine, refuses what is not a boolean, and sends nothing for it", function()
      local c, s = E.connected()
      for _, v in ipairs { "false", 0, "update_not_requested", {} } do
         local ok, err = pcall(c.keyupdate, c, v)
         assert.is_false(ok)
         assert.matches("boolean expected, got " .. type(v), err, 1, true)
      end
      assert.equal("", c:output())
      assert.equal("", s:output())
   end)

   it("on a connection, refuses what is not a boolean", function()
      local pair = require "spec.support.tcppair"
      local a, b = pair()
      -- (before the handshake, which old code started and waited for)
      local conn = assert(tls.wrap(a, { verify = false }, { servername = "localhost", timeout = 0.2 }))
      for _, v in ipairs { "false", 0 } do
         local ok, err = pcall(conn.keyupdate, conn, v)
         assert.is_false(ok, "not refused")
         assert.matches("boolean expected, got " .. type(v), err, 1, true)
      end
      conn:close()
      b:close()
   end)

   it("(neighbour) true, false and none still work, and only true asks the peer", function()
      local c, s = E.connected()
      for _, case in ipairs { { {}, 0 }, { { false }, 0 }, { { nil }, 0 }, { { true }, 1 } } do
         assert(c:write("x"))
         E.pump(c, s, { strict = true })
         assert.equal("x", s:read())
         assert.is_true(c:keyupdate(table.unpack(case[1], 1, 1)))
         local to_s, to_c = E.pump(c, s, { strict = true })
         assert.equal(1, to_s)
         assert.equal(case[2], to_c)  -- the server's own KeyUpdate, only when asked
      end
   end)
end)

-- F3: tls.https lower-cases header names (as LuaSocket does): of two names
-- that differ in case only ("Authorization" and "authorization", a table
-- of defaults merged with the caller's) one was sent and the other dropped
-- without a word, which one depending on the table's order.
describe("review43c F3: tls.https headers given twice in different case", function()
   it("are refused before anything is sent", function()
      local https = require "tls.https"
      local body, err = https.request { url = "https://localhost:1/", timeout = 1,
         headers = { Authorization = "Bearer a", authorization = "Bearer b" } }
      assert.is_nil(body)
      assert.equal("tls.https: headers 'Authorization' and 'authorization' are one header (names ignore case): "
         .. "give it once", err)
   end)

   it("(neighbour) different names pass the check (the request then fails on the closed port)", function()
      local https = require "tls.https"
      local body, err = https.request { url = "https://127.0.0.1:1/", timeout = 1, verify = false,
         headers = { Authorization = "Bearer a", ["X-A"] = "b" } }
      assert.is_nil(body)
      assert.is_nil(err:find("one header", 1, true))
   end)
end)

-- F4: e:read(n) and e:output(n) took everything waiting and ignored the
-- count: a caller framing messages with e:read(5) (as conn:receive(5))
-- got the rest of the stream with its header.
describe("review43c F4: a count given to e:read or e:output", function()
   it("is refused, and the bytes stay for the next call", function()
      local c, s = E.connected()
      assert(c:write("hello world"))
      local ok, err = pcall(c.output, c, 5)
      assert.is_false(ok)
      assert.matches("e:output() takes no argument: it returns all the bytes waiting (got number)", err, 1, true)
      assert(s:feed(c:output()))
      ok, err = pcall(s.read, s, 5)
      assert.is_false(ok)
      assert.matches("e:read() takes no argument: it returns all the bytes waiting (got number)", err, 1, true)
      assert.equal("hello world", s:read())
   end)
end)
