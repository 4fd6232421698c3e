-- Session 32's fixes: what a closed engine keeps (review32b).
local E = require "spec.support.engines"

local LABEL = "EXPERIMENTAL-lead32"

local function export_ok(e)
   local v, msg = e:export(LABEL, nil, 16)
   assert.equal(16, v and #v, tostring(msg))
   return v
end

describe("an engine whose connection both sides have closed (review32b)", function()
   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("forgets its secrets: export is refused, " .. version, function()
         local c, s = E.connected({ max_version = version }, {})
         assert.equal(export_ok(c), export_ok(s))
         -- the client closes first: the server still reads after it
         assert(c:close())
         assert(s:feed(c:output()))
         if version == "TLSv1.3" then
            -- TLS 1.3 closes one direction: the server may still write
            export_ok(c)
            assert(s:write("after your close_notify"))
            assert(c:feed(s:output()))
            assert.equal("after your close_notify", c:read())
            export_ok(s)
            assert(s:close())
         end
         -- (TLS 1.2: the server answered with its own close_notify)
         assert(c:feed(s:output()))
         assert.equal("closed", c:want())
         for _, e in ipairs { c, s } do
            assert.same({ nil, "closed" }, { e:export(LABEL, nil, 16) })
            -- what was learnt stays readable
            assert.equal(version, e:info().version)
            assert.is_string(e:finished())
         end
         assert.is_nil(c:write("more"))
      end)
   end

   -- review32d F2: a close_notify held back behind more unread data than
   -- the engine takes in at once was handled by the read that made room
   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("forgets them when the peer's close_notify was held back behind unread data, " .. version, function()
         local c, s = E.connected({ max_version = version }, {})
         if version == "TLSv1.3" then
            assert(c:close())
            assert(s:feed(c:output()))
         end
         for _ = 1, 10 do assert(s:write(string.rep("x", 16000))) end
         assert(s:close())
         assert(c:feed(s:output()))
         assert.is_false(c:status().peer_closed)
         local got = 0
         repeat local d = c:read(); got = got + #d until #d == 0
         assert.equal(160000, got)
         assert.is_true(c:status().peer_closed)
         if version == "TLSv1.2" then s:feed(c:output()) end
         assert.same({ nil, "closed" }, { c:export(LABEL, nil, 16) })
      end)
   end

   it("keeps them while the peer may still send after our close_notify", function()
      local c, s = E.connected({}, {})
      assert(c:close())
      assert(s:feed(c:output()))
      export_ok(c)
      -- and the server, which read the close_notify but did not close, too
      export_ok(s)
   end)
end)

local B = require "spec.support.tlsbytes"
local T = require "spec.support.tls12_peer"
local P = require "spec.support.tlsbytes_post"
local tls = require "tls"

-- Our TLS 1.2 client after a handshake with the scripted TLS 1.2 server.
local function client12(server_opts)
   local c = E.client_engine()
   assert(c:start())
   local fake = T.server(E.merge({ cert_pem = E.CERT, key_pem = E.KEY }, server_opts))
   local ok, msg = c:feed(fake:answer(c:output()))
   if not ok then return c, fake, ok, msg end
   fake:client_flight(c:output())
   ok, msg = c:feed(fake:finish())
   return c, fake, ok, msg
end

describe("a TLS 1.2 peer's alert levels (review32a F2)", function()
   it("a close_notify at warning level is an orderly close", function()
      local c, fake = client12()
      assert(c:feed(fake:seal(B.CT.application_data, "data") .. fake:seal(B.CT.alert, "\1\0")))
      assert.equal("data", c:read())
      assert.is_true(c:status().peer_closed)
      assert.is_false(c:status().failed)
   end)

   it("a fatal close_notify is a failure, not an orderly close", function()
      local c, fake = client12()
      local ok, msg = c:feed(fake:seal(B.CT.application_data, "data") .. fake:seal(B.CT.alert, "\2\0"))
      assert.is_nil(ok)
      assert.equal("peer sent close_notify as a fatal alert: the connection failed (this is not an orderly "
         .. "close)", msg)
      assert.is_true(c:status().failed)
      assert.is_false(c:status().peer_closed)
   end)

   for _, level in ipairs { 0, 3, 255 } do
      it("an alert of level " .. level .. " is refused with illegal_parameter", function()
         for _, desc in ipairs { 0, 40 } do
            local c, fake = client12()
            local ok, msg = c:feed(fake:seal(B.CT.alert, string.char(level, desc)))
            E.assert_failed(c, ok, msg, "illegal_parameter")
            assert.truthy(msg:find("with level " .. level .. " (TLS 1.2 alerts are warning (1) or fatal (2))",
               1, true), msg)
         end
      end)
   end

   it("a warning other than close_notify still lets the connection go on", function()
      local c, fake = client12()
      assert(c:feed(fake:seal(B.CT.alert, "\1\100") .. fake:seal(B.CT.application_data, "on")))
      assert.equal("on", c:read())
   end)
end)

describe("a TLS 1.2 ServerHello's server_name (review32a F1)", function()
   it("is taken empty", function()
      local c, _, ok, msg = client12 { extensions = { { 0xff01, "\0" }, { 11, "\1\0" }, { 23, "" }, { 0, "" } } }
      assert(ok, msg)
      assert.is_true(c:status().handshake_done)
   end)

   it("is refused with a body (RFC 6066 3: SHALL be empty)", function()
      local c, _, ok, msg = client12 { extensions = { { 0xff01, "\0" }, { 11, "\1\0" }, { 23, "" },
                                                      { 0, "\0\0" } } }
      E.assert_failed(c, ok, msg, "decode_error", "ServerHello server_name is not empty")
   end)
end)

describe("a HelloRequest after the TLS 1.2 handshake (review32a F3)", function()
   it("empty, gets no_renegotiation and the connection goes on", function()
      local c, fake = client12()
      assert(c:feed(fake:seal(B.CT.handshake, "\0\0\0\0") .. fake:seal(B.CT.application_data, "still here")))
      assert.equal("still here", c:read())
   end)

   it("with a body, is refused as during the handshake", function()
      local c, fake = client12()
      local ok, msg = c:feed(fake:seal(B.CT.handshake, "\0\0\0\3abc"))
      E.assert_failed(c, ok, msg, "decode_error", "HelloRequest is not empty")
   end)
end)

describe("KeyUpdates asking for an update while we are silent (review32b)", function()
   local function records(sv)
      return #(B.parse_records(sv:output()))
   end

   it("get a single update in answer, and another once we have written", function()
      local sv, fake = E.scripted_handshake()
      sv:output()
      assert(sv:feed(P.client_key_update(fake, true)))
      assert.equal(1, records(sv))
      assert(sv:feed(P.client_key_update(fake, true) .. P.client_key_update(fake, true)))
      assert.equal(0, records(sv))
      assert(sv:write("x"))
      assert.equal(1, records(sv))
      assert(sv:feed(P.client_key_update(fake, true)))
      assert.equal(1, records(sv))
      -- one that asks for nothing gets nothing
      assert(sv:write("y"))
      sv:output()
      assert(sv:feed(P.client_key_update(fake, false)))
      assert.equal(0, records(sv))
   end)
end)

describe("tls.engine misuse (review32c)", function()
   it("a verifying client engine without servername is refused when made", function()
      local e, msg = tls.engine(assert(tls.context { mode = "client", ca = E.CERT }))
      assert.is_nil(e)
      assert.equal("tls.engine: a client whose context verifies the server's certificate needs option "
         .. "'servername', the name to check it against (or verify = false in the context)", msg)
      -- with verify off, or a name, it is made
      assert(tls.engine(assert(tls.context { mode = "client", verify = false })))
      assert(tls.engine(assert(tls.context { mode = "client", ca = E.CERT }), { servername = "localhost" }))
   end)

   it("close() on a client engine never started sends nothing", function()
      local e = E.client_engine()
      e:close()
      assert.equal("", e:output())
      assert.is_true(e:status().closed)
      assert.has_error(function() e:start() end)
      assert.has_error(function() e:feed("x") end, "tls.engine: feed() after close(): this client engine was "
         .. "closed before it started (make a new engine)")
   end)
end)

describe("options a new user gets slightly wrong (review32c)", function()
   it("a list given only named keys is called that, not empty", function()
      local cases = {
         { { alpn = { proto = "h2" } }, "option 'alpn' must be a list (it has only named keys: proto)" },
         { { ciphers = { x = "TLS_AES_128_GCM_SHA256" } }, "option 'ciphers' must be a list (it has only named keys: x)" },
         { { groups = { "x25519", y = 1 } }, "option 'groups' must be a list (it has holes or named keys: 2 entries, 1 in order)" },
         { { pin = { primary = "sha256/x" } }, "option 'pin' must be a pin \"sha256/<base64>\" or a non-empty list of "
            .. "them (got a table with only named keys: primary)" },
         { { mode = "server", certificate = E.CERT, key = E.KEY, certificates = { certificate = E.CERT, key = E.KEY } },
           "option 'certificates' must be a non-empty list of { certificate =, key =, password = } tables (got a "
            .. "table with only named keys: certificate, key)" },
         { { alpn = {} }, "option 'alpn' is an empty list" },
         { { ciphers = {} }, "option 'ciphers' is empty" },
      }
      for _, case in ipairs(cases) do
         assert.same({ nil, case[2] }, { tls.context(case[1]) })
      end
   end)

   it("tls.wrap of a LuaSocket socket never connected says so", function()
      local socket = require "socket"
      local s = socket.tcp()
      local ok, msg = tls.wrap(s, assert(tls.context { verify = false }))
      assert.is_nil(ok)
      assert.equal("tls.wrap: the socket is closed or was never connected (call sock:connect first)", msg)
      s:close()
   end)

   it("tls.https shows what a wrong timeout or maxredirects was, and refuses a timeout of 0", function()
      local https = require "tls.https"
      local url = "https://127.0.0.1:1/"
      assert.same({ nil, "tls.https: option 'timeout' must be a number of seconds > 0 or false (got string)" },
         { https.request { url = url, timeout = "5" } })
      assert.same({ nil, "tls.https: option 'timeout' must be a number of seconds > 0 or false (got 0)" },
         { https.request { url = url, timeout = 0 } })
      assert.same({ nil, "tls.https: option 'maxredirects' must be a whole number >= 0 (got string)" },
         { https.request { url = url, maxredirects = "5" } })
   end)

   it("a server whose verify is a function requires a certificate, and says the function needs one", function()
      local called = false
      local c, s = E.pair({}, { ca = E.CERT, verify = function() called = true return true end })
      assert.is_true(s:status().failed)
      local msg, alert = s:error()
      assert.equal("certificate_required", alert)
      assert.equal("client sent no certificate, and this server requires one (its verify function needs a "
         .. "chain to judge)", msg)
      assert.is_false(called)
      -- verify = "required" keeps its words
      c, s = E.pair({}, { ca = E.CERT, verify = "required" })
      assert.equal("client sent no certificate, and this server requires one (verify = \"required\")", s:error())
      assert(c)
   end)
end)

describe("a server refusing the empty Certificate we answered its request with (review32a I5)", function()
   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("is explained, " .. version, function()
         local c = E.pair({ max_version = version }, { ca = E.CERT, verify = "required" })
         assert.is_true(c:status().failed)
         local msg, alert, from_peer = c:error()
         assert.equal(version == "TLSv1.3" and "certificate_required" or "handshake_failure", alert)
         assert.is_true(from_peer)
         assert.truthy(msg:find(": most likely because the server asked for a client certificate, and this context has none (give "
            .. "it certificate and key)", 1, true), msg)
      end)
   end

   it("is not blamed on a certificate when the server asked for none", function()
      local c = E.pair({ ciphers = "TLS_AES_128_GCM_SHA256" }, { ciphers = "TLS_AES_256_GCM_SHA384" })
      local msg, alert = c:error()
      assert.equal("handshake_failure", alert)
      assert.is_nil(msg:find("client certificate", 1, true), msg)
   end)
end)
