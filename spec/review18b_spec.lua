-- Review 18b: misuse of luatls's own Lua API, and what a fresh review found
-- there, each with the check that now holds.
local tls = require "tls"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"
local T = require "spec.support.tls12_peer"

---------------------------------------------------------------------------
-- tls-unique (RFC 5929) over a TLS 1.2 connection without the extended
-- master secret: rfc7627#5.4 "MUST NOT use the current handshake's
-- verify_data for application-level authentication ... MUST disable ...
-- any use of the tls-unique channel binding" (resumed), and a full
-- handshake's master secret must not serve application-level
-- authentication either (#5.2, #5.4). So conn:finished() gives no values
-- there, and says why in a third.
---------------------------------------------------------------------------
local WANT = "no Finished values for channel binding: this TLS 1.2 connection has no extended master secret "
   .. "(RFC 7627 5.4: a peer in the middle could share them)"

-- Our server engine after a full TLS 1.2 handshake with the scripted client.
local function server12(fake_opts, server_opts)
   local s = E.server_engine(server_opts)
   local fake = T.client(fake_opts)
   assert(s:feed(fake:hello()))
   fake:server_flight(s:output())
   assert(s:feed(fake:key_exchange()))
   local recs = B.parse_records(s:output())
   assert(fake:open(recs[2]))
   assert.is_true(s:status().handshake_done)
   assert.equal("TLSv1.2", s:info().version)
   return s, fake
end

describe("review18b: tls-unique without the extended master secret (RFC 7627 5.4)", function()
   it("our server gives no Finished values to a client without it", function()
      local s = server12({ no_ems = true }, { require_ems = false })
      assert.is_false(s:info().extended_master_secret)
      assert.same({ nil, nil, WANT }, { s:finished() })
   end)

   it("our client gives no Finished values with a server without it", function()
      local c = E.client12({ no_ems = true }, { require_ems = false })
      assert.is_false(c:info().extended_master_secret)
      assert.same({ nil, nil, WANT }, { c:finished() })
   end)

   it("both still give them in TLS 1.2 with it", function()
      local s = server12({}, {})
      local mine, peer = s:finished()
      assert.equal(12, #mine)
      assert.equal(12, #peer)
      local c = E.client12({}, {})
      mine, peer = c:finished()
      assert.equal(12, #mine)
      assert.equal(12, #peer)
   end)

   it("our engines give them to each other with it, full and in TLS 1.3", function()
      for _, v in ipairs { "TLSv1.2", "TLSv1.3" } do
         local c, s = E.connected({ max_version = v })
         local cm, cp = c:finished()
         local sm, sp = s:finished()
         assert.equal(cm, sp)
         assert.equal(sm, cp)
      end
   end)
end)

---------------------------------------------------------------------------
-- settimeout(NaN): no deadline can be computed from it, and it used to
-- block for ever (every comparison with NaN is false), where tls.connect's
-- and tls.listen's 'timeout' options refuse it. Now a clear error, and the
-- timeout in force stays.
---------------------------------------------------------------------------
describe("review18b: settimeout with NaN", function()
   local socket = require "socket"

   it("is refused on a connection, which keeps its timeout", function()
      local srv = assert(socket.bind("127.0.0.1", 0))
      local _, port = srv:getsockname()
      local raw = socket.tcp()
      raw:settimeout(5)
      assert(raw:connect("127.0.0.1", port))
      local peer = assert(srv:accept())
      local conn = assert(tls.wrap(raw, assert(tls.context { verify = false }), { servername = "localhost" }))
      assert.equal(1, conn:settimeout(0.05))
      local ok, err = pcall(conn.settimeout, conn, 0 / 0)
      assert.is_false(ok)
      assert.truthy(err:find("(timeout is NaN: give seconds, or nil or a negative number to block)", 1, true), err)
      assert.equal(0.05, conn:gettimeout())
      -- the silent peer never answers: the handshake times out, and does not block
      assert.same({ nil, "timeout" }, { conn:handshake() })
      conn:close()
      peer:close()
      srv:close()
   end)

   it("is refused on a server", function()
      local server = assert(tls.listen("127.0.0.1", 0, E.server_ctx()))
      local ok, err = pcall(server.settimeout, server, 0 / 0)
      assert.is_false(ok)
      assert.truthy(err:find("(timeout is NaN: give seconds, or nil or a negative number to block)", 1, true), err)
      assert.equal(1, server:settimeout(0.01))
      server:close()
   end)
end)

---------------------------------------------------------------------------
-- tls.https: the request method goes on the request line as it is
-- (LuaSocket's sendrequestline formats "%s %s HTTP/1.1\r\n"), so a CR LF in
-- it ended the line early and let the rest add headers or a whole second
-- request, where header values and the URL are already refused for that.
-- rfc9110#9.1: method = token.
---------------------------------------------------------------------------
describe("review18b: tls.https request method", function()
   local https = require "tls.https"
   local socket = require "socket"

   -- a port nobody listens on: any request that got past the checks fails to connect
   local function closed_port()
      local s = assert(socket.bind("127.0.0.1", 0))
      local _, port = s:getsockname()
      s:close()
      return port
   end

   it("is refused when it is not an HTTP token, before anything is sent", function()
      local url = "https://127.0.0.1:" .. closed_port() .. "/"
      for _, m in ipairs { "GET / HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET", "GET\n", "G T", "GET\0" } do
         local shown = m:gsub("%c", function(ch) return "\\" .. ch:byte() end)
         assert.same({ nil, "tls.https: option 'method' must be an HTTP token such as 'GET' or 'POST' (got '"
            .. shown .. "')" }, { https.request { url = url, method = m } })
      end
      assert.same({ nil, "tls.https: option 'method' must be an HTTP token such as 'GET' or 'POST' (got table)" },
         { https.request { url = url, method = {} } })
   end)

   it("is still taken when it is a token (the request then goes on, here to a closed port)", function()
      local url = "https://127.0.0.1:" .. closed_port() .. "/"
      for _, m in ipairs { "GET", "PROPFIND", "M-SEARCH", "" } do
         local ok, err = https.request { url = url, method = m, timeout = 5 }
         assert.is_nil(ok)
         assert.is_nil(err:find("option 'method'", 1, true), err)
      end
   end)
end)

---------------------------------------------------------------------------
-- tls.listen's handshake_timeout = NaN: NaN < 0 is false, so it passed the
-- check, and NaN >= 0 is false too, so the server then gave no handshake a
-- limit at all: the default 30 seconds against clients that connect and
-- say nothing was silently gone. Now refused as the 'timeout' options are.
---------------------------------------------------------------------------
describe("review18b: tls.listen handshake_timeout", function()
   it("refuses NaN, as tls.connect's and tls.listen's 'timeout' do", function()
      for _, v in ipairs { 0 / 0, -(0 / 0) } do
         local server, err = tls.listen("127.0.0.1", 0, E.server_ctx(), { handshake_timeout = v })
         assert.is_nil(server)
         assert.equal("tls.listen: option 'handshake_timeout' must be a number of seconds > 0 or false (got "
            .. "NaN)", err)
      end
   end)

   -- (0 was taken until review25c #13: it dropped every client that needs
   -- a second round trip, so it is refused now: spec/review25c_spec.lua)
   it("still takes a number of seconds and false", function()
      for _, v in ipairs { 0.5, 30, false } do
         local server = assert(tls.listen("127.0.0.1", 0, E.server_ctx(), { handshake_timeout = v }))
         server:close()
      end
   end)
end)

---------------------------------------------------------------------------
-- tls.store: a NaN ttl made a memory entry that never expires
-- (clock() >= NaN never holds), and a NaN redis timeout passed "<= 0".
---------------------------------------------------------------------------
describe("review18b: tls.store with NaN", function()
   it("memory put refuses a NaN ttl and stores nothing", function()
      local st = tls.store.memory()
      assert.has_error(function() st.put("id", "blob", 0 / 0) end,
         "bad argument #3 to 'put' (ttl in seconds expected, got NaN)")
      assert.is_nil(st.get("id"))
      st.put("id", "blob", 60)
      assert.equal("blob", st.get("id"))
   end)

   it("redis refuses a NaN timeout", function()
      assert.has_error(function() tls.store.redis { timeout = 0 / 0 } end,
         "tls.store.redis: option 'timeout' must be a number of seconds > 0")
   end)
end)

describe("review18b: a refused server:settimeout(NaN) inside cqueues", function()
   it("leaves the server's timeout as it was for the next accept", function()
      local cqueues = require "cqueues"
      local cq = cqueues.new()
      local result
      cq:wrap(function()
         local srv = assert(tls.listen("127.0.0.1", 0, E.server_ctx()))
         srv:settimeout(0.05)
         assert.is_false((pcall(srv.settimeout, srv, 0 / 0)))
         local t0 = cqueues.monotime()
         local ok, conn, err = pcall(srv.accept, srv)
         result = { ok, conn, err, cqueues.monotime() - t0 }
         srv:close()
      end)
      assert(cq:loop(5))
      assert.same({ true, nil, "timeout" }, { result[1], result[2], result[3] })
      assert.truthy(result[4] < 2)
   end)
end)
