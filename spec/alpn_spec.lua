-- ALPN (RFC 7301) in both versions and both directions: our server against
-- openssl s_client and curl, our client against openssl s_server, our own
-- pair, the server's list and function forms, the no-overlap alert, and
-- malformed ALPN from scripted peers with their exact alerts.
local tls = require "tls"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"
local P = require "spec.support.tlsbytes_post"
local T = require "spec.support.tls12_peer"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local ALPN = 16

-- rfc7301#3.1 ProtocolNameList as an extension body.
local function alpn_body(names)
   local parts = {}
   for i, n in ipairs(names) do parts[i] = B.vec(1, n) end
   return B.vec(2, table.concat(parts))
end

local VERSIONS = { ["TLS 1.3"] = "TLSv1.3", ["TLS 1.2"] = "TLSv1.2" }

describe("ALPN options", function()
   it("validates the client's list", function()
      local ctx, err = tls.context { alpn = {} }
      assert.is_nil(ctx)
      assert.equal("option 'alpn' is an empty list", err)
      ctx, err = tls.context { alpn = { "h2", "" } }
      assert.is_nil(ctx)
      assert.equal("option 'alpn': entry 2 must be 1 to 255 bytes long (got 0)", err)
      ctx, err = tls.context { alpn = { ("x"):rep(256) } }
      assert.is_nil(ctx)
      assert.equal("option 'alpn': entry 1 must be 1 to 255 bytes long (got 256)", err)
      ctx, err = tls.context { alpn = { "h2", 2 } }
      assert.is_nil(ctx)
      assert.equal("option 'alpn': entry 2 must be a string (got number)", err)
      ctx, err = tls.context { alpn = function() end }
      assert.is_nil(ctx)
      assert.equal("option 'alpn' must be a list of protocol names (got function)", err)
      assert.truthy(tls.context { alpn = "h2", verify = false })
      assert.truthy(tls.context { alpn = { ("x"):rep(255) }, verify = false })
   end)
end)

describe("ALPN between our client and our server", function()
   for label, version in pairs(VERSIONS) do
      it("agrees on the server's first preference the client offers (" .. label .. ")", function()
         local c, s = E.connected({ alpn = { "http/1.1", "h2" }, max_version = version },
                                  { alpn = { "h2", "http/1.1" } })
         assert.equal("h2", c:info().alpn)
         assert.equal("h2", s:info().alpn)
         assert.equal(version, c:info().version)
      end)

      it("refuses a client without a protocol in common: no_application_protocol (" .. label .. ")", function()
         local c, s = E.pair({ alpn = { "spdy/3" }, max_version = version }, { alpn = { "h2", "http/1.1" } })
         local msg, alert, from_peer = s:error()
         assert.equal("no_application_protocol", alert)
         assert.is_false(from_peer)
         assert.equal("no ALPN protocol in common: the client offers spdy/3; this server speaks h2, http/1.1", msg)
         msg, alert, from_peer = c:error()
         assert.equal("no_application_protocol", alert)
         assert.is_true(from_peer)
         assert.equal("peer sent alert no_application_protocol (120)", msg)
      end)

      it("marks a cut list of the client's protocols with \"...\" (" .. label .. ")", function()
         local many = {}
         for i = 1, 40 do many[i] = string.format("protocol-%02d-of-forty", i) end
         local _, s = E.pair({ alpn = many, max_version = version }, { alpn = { "h2", "http/1.1" } })
         local msg, alert = s:error()
         assert.equal("no_application_protocol", alert)
         -- before session 48 the list stopped after its 13th name, read as whole
         local shown = msg:match("^no ALPN protocol in common: the client offers (.-), %.%.%.; this server speaks h2, "
            .. "http/1%.1$")
         assert.truthy(shown, msg)
         local names = {}
         for name in shown:gmatch("[^, ]+") do names[#names + 1] = name end
         assert.is_true(#names >= 10 and #names < 40, msg)
         for i, name in ipairs(names) do assert.equal(many[i], name) end
      end)

      it("shows a client's list that fits whole, to its last byte (" .. label .. ")", function()
         -- 250 + ", " + 47 = 299 bytes: the list's whole room, no mark needed
         local names = { ("x"):rep(250), ("y"):rep(47) }
         local _, s = E.pair({ alpn = names, max_version = version }, { alpn = { "h2" } })
         assert.equal("no ALPN protocol in common: the client offers " .. names[1] .. ", " .. names[2]
            .. "; this server speaks h2", (s:error()))
      end)

      it("goes on without ALPN when the client offers none (" .. label .. ")", function()
         local c, s = E.connected({ max_version = version }, { alpn = { "h2" } })
         assert.is_nil(c:info().alpn)
         assert.is_nil(s:info().alpn)
      end)

      it("goes on without ALPN when the server has none (" .. label .. ")", function()
         local c, s = E.connected({ max_version = version, alpn = { "h2" } })
         assert.is_nil(c:info().alpn)
         assert.is_nil(s:info().alpn)
      end)

      it("lets a function choose from the client's list (" .. label .. ")", function()
         local seen
         local c, s = E.connected({ alpn = { "a", "b", "c" }, max_version = version },
            { alpn = function(list) seen = list; return list[2] end })
         assert.same({ "a", "b", "c" }, seen)
         assert.equal("b", c:info().alpn)
         assert.equal("b", s:info().alpn)
      end)
   end

   it("a function returning nil answers without ALPN", function()
      local c, s = E.connected({ alpn = { "h2" } }, { alpn = function() return nil end })
      assert.is_nil(c:info().alpn)
      assert.is_nil(s:info().alpn)
   end)

   it("a function returning false sends no_application_protocol", function()
      local c, s = E.pair({ alpn = { "h2" } }, { alpn = function() return false end })
      local msg, alert = s:error()
      assert.equal("no_application_protocol", alert)
      assert.equal("the alpn function refused every protocol the client offers", msg)
      assert.equal("peer sent alert no_application_protocol (120)", (c:error()))
   end)

   it("a function returning a protocol the client did not offer fails the handshake", function()
      local _, s = E.pair({ alpn = { "h2" } }, { alpn = function() return "h3" end })
      local msg, alert = s:error()
      assert.equal("internal_error", alert)
      assert.equal("alpn function: it returned 'h3', which the client did not offer", msg)
   end)

   it("an error in the function fails the handshake with its message", function()
      local _, s = E.pair({ alpn = { "h2" } }, { alpn = function() error("no protocols today", 0) end })
      local msg, alert = s:error()
      assert.equal("internal_error", alert)
      assert.equal("alpn function: no protocols today", msg)
   end)

   it("shows the decision in the trace on both sides", function()
      local copts, cev = E.traced { alpn = { "http/1.1", "h2" } }
      local sopts, sev = E.traced { alpn = { "h2", "http/1.1" } }
      E.connected(copts, sopts)
      local function decision(events)
         for _, ev in ipairs(events) do
            if ev.direction == "decide" and ev.message == "ALPN" then return ev end
         end
      end
      local sd, cd = decision(sev), decision(cev)
      assert.equal("http/1.1, h2", sd.offered)
      assert.equal("h2", sd.chosen)
      assert.equal("our first preference the client offers", sd.how)
      assert.equal("h2", cd.chosen)
      assert.equal("http/1.1, h2", cd.offered)
   end)
end)

describe("malformed ALPN", function()
   -- Our server, a scripted TLS 1.3 ClientHello with this ALPN body.
   local function server_refuses(body, alert, reason)
      local sv = E.server_engine { alpn = { "h2" } }
      local fake = B.fake_client()
      local ok, msg = sv:feed(fake:hello { extra = { { ALPN, body } } })
      E.assert_failed(sv, ok, msg, alert, reason)
   end

   it("server: an empty protocol list is decode_error", function()
      server_refuses(B.vec(2, ""), "decode_error", "ClientHello ALPN protocol list is malformed or empty")
   end)

   it("server: an empty protocol name is decode_error", function()
      server_refuses(alpn_body { "h2", "" }, "decode_error", "ClientHello ALPN protocol list has an empty name")
   end)

   it("server: a name running past the list is decode_error", function()
      server_refuses(B.vec(2, "\5h2"), "decode_error", "ClientHello ALPN protocol list is malformed")
   end)

   -- Our client (alpn h2, http/1.1) against the scripted TLS 1.3 server
   -- answering with these EncryptedExtensions.
   local function client13(ee, client_opts)
      local cl = E.client_engine(client_opts or { alpn = { "h2", "http/1.1" } })
      assert(cl:start())
      local srv = P.fake_server(E.CERT, E.KEY)
      return cl, cl:feed(srv:answer(cl:output(), ee))
   end

   it("client: takes a protocol it offered (TLS 1.3)", function()
      local cl, ok = client13 { { ALPN, alpn_body { "http/1.1" } } }
      assert.truthy(ok)
      assert.equal("http/1.1", cl:info().alpn)
   end)

   it("client: a protocol it did not offer is illegal_parameter (TLS 1.3)", function()
      local cl, ok, msg = client13 { { ALPN, alpn_body { "h3" } } }
      E.assert_failed(cl, ok, msg, "illegal_parameter", "server chose ALPN protocol 'h3', which we did not offer")
   end)

   it("client: two protocols in the answer are illegal_parameter (TLS 1.3)", function()
      local cl, ok, msg = client13 { { ALPN, alpn_body { "h2", "http/1.1" } } }
      E.assert_failed(cl, ok, msg, "illegal_parameter",
         "EncryptedExtensions ALPN answer names 2 protocols; exactly one is allowed")
   end)

   it("client: an empty answer is decode_error (TLS 1.3)", function()
      local cl, ok, msg = client13 { { ALPN, B.vec(2, "") } }
      E.assert_failed(cl, ok, msg, "decode_error", "EncryptedExtensions ALPN protocol list is malformed or empty")
   end)

   it("client: an empty name is decode_error (TLS 1.3)", function()
      local cl, ok, msg = client13 { { ALPN, alpn_body { "" } } }
      E.assert_failed(cl, ok, msg, "decode_error", "EncryptedExtensions ALPN protocol list has an empty name")
   end)

   it("client: an ALPN answer when it offered none is unsupported_extension (TLS 1.3)", function()
      local cl, ok, msg = client13({ { ALPN, alpn_body { "h2" } } }, {})
      E.assert_failed(cl, ok, msg, "unsupported_extension",
         "EncryptedExtensions: application_layer_protocol_negotiation extension (16), which we did not ask for")
   end)

   -- The same against the scripted TLS 1.2 server, the answer in its ServerHello.
   local function client12(alpn_answer, client_opts)
      local c = E.client_engine(client_opts or { alpn = { "h2", "http/1.1" } })
      assert(c:start())
      local exts = { { T.EXT.renegotiation_info, "\0" }, { T.EXT.ec_point_formats, B.vec(1, "\0") },
                     { T.EXT.extended_master_secret, "" }, { ALPN, alpn_answer } }
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, extensions = exts }
      return c, c:feed(fake:answer(c:output()))
   end

   it("client: takes a protocol it offered (TLS 1.2)", function()
      local c, ok = client12(alpn_body { "h2" })
      assert.truthy(ok)
      assert.equal("h2", c:info().alpn)
   end)

   it("client: a protocol it did not offer is illegal_parameter (TLS 1.2)", function()
      local c, ok, msg = client12(alpn_body { "spdy/1" })
      E.assert_failed(c, ok, msg, "illegal_parameter", "server chose ALPN protocol 'spdy/1', which we did not offer")
   end)

   it("client: two protocols in the answer are illegal_parameter (TLS 1.2)", function()
      local c, ok, msg = client12(alpn_body { "h2", "h2" })
      E.assert_failed(c, ok, msg, "illegal_parameter", "ServerHello ALPN answer names 2 protocols; exactly one is allowed")
   end)

   it("client: an ALPN answer when it offered none is unsupported_extension (TLS 1.2)", function()
      local c, ok, msg = client12(alpn_body { "h2" }, {})
      E.assert_failed(c, ok, msg, "unsupported_extension",
         "ServerHello: application_layer_protocol_negotiation extension (16), which we did not ask for")
   end)
end)

describe("ALPN with real peers", function()
   after_each(proc.kill_all)
   local c = certs.get()

   -- Our server (spec/support/sni_server.lua) with this context code.
   local function our_server(alpn_code, mode)
      local setup = os.tmpname()
      proc.write_file(setup, string.format("local tls = require 'tls'\nreturn tls.context { mode = 'server', "
         .. "certificate = %q, key = %q, alpn = %s }", c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, alpn_code))
      local h = proc.spawn(string.format("%s %s spec/support/sni_server.lua setup=%s mode=%s", proc.lua_env(),
         proc.lua(), proc.quote(setup), mode or "echo"), { ours = true })
      return h, tonumber(proc.wait_output(h, "ready (%d+)"))
   end

   local function s_client(port, flag, alpn)
      return proc.run(string.format("openssl s_client -connect 127.0.0.1:%d %s -CAfile %s -servername localhost "
         .. "-verify_hostname localhost -verify_return_error -ign_eof -alpn %s", port, flag, c.ca, alpn),
         "hello luatls\n")
   end

   for label, version in pairs(VERSIONS) do
      local flag = version == "TLSv1.3" and "-tls1_3" or "-tls1_2"

      it("openssl s_client -alpn h2,http/1.1 gets h2 from our server (" .. label .. ")", function()
         local srv, port = our_server('{ "h2", "http/1.1" }')
         local out = s_client(port, flag, "h2,http/1.1")
         assert.truthy(out:find("ALPN protocol: h2\n", 1, true), out)
         assert.truthy(out:find("\nhello luatls\n", 1, true), out)
         assert.truthy(srv:output():find("info version=" .. version .. " alpn=h2 ", 1, true), srv:output())
      end)

      it("our server's preference wins over s_client's order (" .. label .. ")", function()
         local srv, port = our_server('{ "http/1.1", "h2" }')
         local out = s_client(port, flag, "h2,http/1.1")
         assert.truthy(out:find("ALPN protocol: http/1.1\n", 1, true), out)
         assert.truthy(srv:output():find("alpn=http/1.1 ", 1, true), srv:output())
      end)

      it("openssl s_client without a protocol in common gets no_application_protocol (" .. label .. ")", function()
         local srv, port = our_server('{ "h2" }')
         local out = s_client(port, flag, "spdy/3")
         assert.truthy(out:find("no application protocol", 1, true), out)
         proc.wait_output(srv, "failed no ALPN protocol in common: the client offers spdy/3; this server speaks h2")
      end)

      it("the function form chooses for openssl s_client (" .. label .. ")", function()
         local srv, port = our_server('function(list) return list[#list] end')
         local out = s_client(port, flag, "h2,http/1.1")
         assert.truthy(out:find("ALPN protocol: http/1.1\n", 1, true), out)
         assert.truthy(srv:output():find("alpn=http/1.1 ", 1, true), srv:output())
      end)

      it("our client gets the protocol openssl s_server -alpn chose (" .. label .. ")", function()
         local _, port = peers.s_server(string.format("-www -cert %s -key %s %s -alpn h2,http/1.1",
            c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, flag))
         local conn = assert(tls.connect("127.0.0.1", port,
            { ca = c.ca, alpn = { "http/1.1", "h2" }, max_version = version }, { servername = "localhost" }))
         local info = conn:info()
         assert.equal(version, info.version)
         -- s_server takes its own first preference the client offers.
         assert.equal("h2", info.alpn)
         conn:close()
      end)

      it("our client reports s_server's no_application_protocol when nothing is in common (" .. label .. ")", function()
         local _, port = peers.s_server(string.format("-www -cert %s -key %s %s -alpn h2",
            c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, flag))
         local conn, err = tls.connect("127.0.0.1", port,
            { ca = c.ca, alpn = { "spdy/3" }, max_version = version }, { servername = "localhost" })
         assert.is_nil(conn)
         assert.equal("peer sent alert no_application_protocol (120)", err)
      end)

      it("curl --http1.1 reports the protocol our server accepted (" .. label .. ")", function()
         local srv, port = our_server('{ "h2", "http/1.1" }', "http")
         local tlsflag = version == "TLSv1.3" and "--tlsv1.3" or "--tlsv1.2 --tls-max 1.2"
         local out = proc.run(string.format("curl -sS -v --http1.1 %s --cacert %s --resolve localhost:%d:127.0.0.1 "
            .. "https://localhost:%d/", tlsflag, c.ca, port, port))
         assert.truthy(out:find("ALPN: server accepted http/1.1", 1, true)
            or out:find("ALPN, server accepted to use http/1.1", 1, true), out)
         assert.truthy(out:find("hello from luatls", 1, true), out)
         assert.truthy(srv:output():find("info version=" .. version .. " alpn=http/1.1 ", 1, true), srv:output())
      end)
   end
end)
