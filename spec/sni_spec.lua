-- Several names on one server (RFC 6066 server_name): the certificate chosen
-- by the client's name and signature algorithms in both versions, the
-- servername function switching contexts, sni_strict and unrecognized_name,
-- against openssl s_client and our own client.
local tls = require "tls"
local E = require "spec.support.engines"
local proc = require "spec.support.proc"

local S = require("spec.support.certs_sni").get()

local function pairs_opts(extra)
   return E.merge({
      mode = "server", certificate = S.default.cert, key = S.default.key,
      certificates = {
         { certificate = S.a_ec.cert, key = S.a_ec.key },
         { certificate = S.a_rsa.cert, key = S.a_rsa.key },
         { certificate = S.b.cert, key = S.b.key },
         { certificate = S.wild.cert, key = S.wild.key },
      },
   }, extra)
end

-- Our client (trusting the SNI CA) and our server engine for `name`.
local function engines(name, client_opts, server_ctx)
   local o = E.merge({ ca = S.ca }, client_opts)
   if o.verify == false then o.ca = nil end
   local cctx = assert(tls.context(o))
   local c = assert(tls.engine(cctx, { servername = name }))
   local s = assert(tls.engine(server_ctx or assert(tls.context(pairs_opts()))))
   assert(c:start())
   E.pump(c, s)
   return c, s
end

local function subject(c)
   assert.is_true(c:status().handshake_done, tostring(c:error()))
   return c:info().peer_certificate.subject
end

local VERSIONS = { ["TLS 1.3"] = "TLSv1.3", ["TLS 1.2"] = "TLSv1.2" }

describe("SNI: our client against our server", function()
   for label, version in pairs(VERSIONS) do
      it("sends the certificate for the name asked (" .. label .. ")", function()
         assert.equal("CN=a.example", subject(engines("a.example", { max_version = version })))
         assert.equal("CN=b.example", subject(engines("b.example", { max_version = version })))
         assert.equal("CN=w.example wildcard", subject(engines("x.w.example", { max_version = version })))
         assert.equal("CN=default.example", subject(engines("localhost", { max_version = version })))
      end)

      it("sends the default certificate for a name it has none for (" .. label .. ")", function()
         local c = engines("other.example", { max_version = version, verify = false })
         assert.equal("CN=default.example", subject(c))
      end)
   end

   it("sends the RSA certificate of a name to a client that verifies only RSA (TLS 1.3)", function()
      assert.equal("CN=a.example rsa", subject(engines("a.example", { sigalgs = "rsa_pss_rsae_sha256" })))
      assert.equal("CN=a.example", subject(engines("a.example", { sigalgs = "ecdsa_secp256r1_sha256" })))
   end)

   it("sends the RSA certificate of a name to a client with only ECDHE_RSA suites (TLS 1.2)", function()
      assert.equal("CN=a.example rsa", subject(engines("a.example",
         { max_version = "TLSv1.2", ciphers = "ECDHE-RSA-AES128-GCM-SHA256" })))
      assert.equal("CN=a.example", subject(engines("a.example",
         { max_version = "TLSv1.2", ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256" })))
   end)

   it("an ECDSA certificate in TLS 1.2 needs its curve in the client's groups", function()
      -- a.example's ECDSA key is on P-256; a client listing only x25519
      -- cannot verify it, so the RSA one goes.
      assert.equal("CN=a.example rsa", subject(engines("a.example", { max_version = "TLSv1.2", groups = "x25519" })))
   end)

   it("falls back from the default pair to the first the client can verify", function()
      -- No pair for the name; the default (ECDSA) does not fit an RSA-only client.
      local c = engines("other.example", { sigalgs = "rsa_pss_rsae_sha256", verify = false })
      assert.equal("CN=a.example rsa", subject(c))
   end)

   it("keeps the same choice after a HelloRetryRequest", function()
      local calls = 0
      local other = assert(tls.context(pairs_opts { groups = "secp384r1" }))
      local sctx = assert(tls.context(pairs_opts {
         groups = "secp384r1",
         servername = function() calls = calls + 1; return other end,
      }))
      local c = engines("b.example", { groups = "x25519:secp384r1" }, sctx)
      assert.equal("CN=b.example", subject(c))
      assert.is_true(c:info().hello_retry)
      assert.equal(1, calls)
   end)

   it("refuses a second ClientHello that changes the server_name (illegal_parameter)", function()
      local B = require "spec.support.tlsbytes"
      local I = require("tls.core")._internal
      local sv = assert(tls.engine(assert(tls.context(pairs_opts { groups = "secp256r1" }))))
      assert(sv:feed(B.client_hello_record { server_name = "a.example" }))
      local sh = B.first_server_hello(sv:output())
      assert.is_true(sh.hrr)
      local ok, msg = sv:feed(B.record(B.CT.handshake, B.client_hello {
         server_name = "b.example", shares = { { B.GROUP.secp256r1, select(3, I.kex_pair("secp256r1")) } } }))
      E.assert_failed(sv, ok, msg, "illegal_parameter", "second ClientHello changes the server_name")
   end)

   it("shows the decision in the trace", function()
      local events = {}
      local sctx = assert(tls.context(pairs_opts { trace = function(ev)
         if ev.direction == "decide" and ev.message == "server_name" then events[#events + 1] = ev end
      end }))
      engines("a.example", { sigalgs = "rsa_pss_rsae_sha256" }, sctx)
      assert.equal(1, #events)
      assert.equal("a.example", events[1].name)
      assert.equal("CN=a.example rsa", events[1].certificate)
      assert.equal("RSA", events[1].key)
      assert.equal("its certificate is for this name, with a key the client can verify", events[1].why)
   end)
end)

describe("SNI: sni_strict and the servername function", function()
   it("sni_strict refuses a name no certificate is for with unrecognized_name", function()
      local sctx = assert(tls.context(pairs_opts { sni_strict = true }))
      local c, s = engines("other.example", { verify = false }, sctx)
      local msg, alert, from_peer = s:error()
      assert.equal("unrecognized_name", alert)
      assert.is_false(from_peer)
      assert.equal("no certificate for the name the client asked for (other.example), and sni_strict is set", msg)
      assert.equal("peer sent alert unrecognized_name (112): the server does not serve the name we asked for "
         .. "(servername)", (c:error()))
   end)

   it("sni_strict still serves a client without SNI the default certificate", function()
      local sctx = assert(tls.context(pairs_opts { sni_strict = true }))
      -- An IP address is never sent as SNI.
      local c, s = engines("127.0.0.1", { verify = false }, sctx)
      assert.equal("CN=default.example", subject(c))
      assert.is_nil(s:info().servername)
   end)

   it("the servername function may switch to another server context", function()
      local seen = {}
      local other = assert(tls.context { mode = "server", certificate = S.b.cert, key = S.b.key,
                                         alpn = { "other/1" } })
      local sctx = assert(tls.context(pairs_opts {
         alpn = { "h2" },
         servername = function(name) seen[#seen + 1] = name; if name == "switch.example" then return other end end,
      }))
      local c = engines("switch.example", { verify = false, alpn = { "h2", "other/1" } }, sctx)
      assert.equal("CN=b.example", subject(c))
      -- The new context's ALPN list applies.
      assert.equal("other/1", c:info().alpn)
      c = engines("a.example", { alpn = { "h2", "other/1" } }, sctx)
      assert.equal("CN=a.example", subject(c))
      assert.equal("h2", c:info().alpn)
      assert.same({ "switch.example", "a.example" }, seen)
   end)

   -- review38d F3: the function got the client's spelling, so "SWITCH.Example" stayed on the listening
   -- context, which matters when the other one is the context that requires client certificates.
   for label, version in pairs(VERSIONS) do
      it("the servername function gets the name in lower case (" .. label .. ")", function()
         local seen = {}
         local other = assert(tls.context { mode = "server", certificate = S.b.cert, key = S.b.key,
                                            verify = "required", ca = S.ca })
         local sctx = assert(tls.context(pairs_opts {
            servername = function(name) seen[#seen + 1] = name; if name == "switch.example" then return other end end,
         }))
         local c, s = engines("SWITCH.Example", { verify = false, max_version = version }, sctx)
         assert.equal("client sent no certificate, and this server requires one (verify = \"required\")", (s:error()))
         assert.same({ "switch.example" }, seen)
         c, s = engines("A.Example", { max_version = version }, sctx)
         assert.equal("CN=a.example", subject(c))
         assert.equal("a.example", s:info().servername)
      end)
   end

   it("the servername function sees nil without SNI", function()
      local seen = "unset"
      local sctx = assert(tls.context(pairs_opts { servername = function(name) seen = name end }))
      local c = engines("127.0.0.1", { verify = false }, sctx)
      assert.equal("CN=default.example", subject(c))
      assert.is_nil(seen)
   end)

   it("false from the servername function is unrecognized_name", function()
      local sctx = assert(tls.context(pairs_opts { servername = function() return false end }))
      local c, s = engines("a.example", {}, sctx)
      local msg, alert = s:error()
      assert.equal("unrecognized_name", alert)
      assert.equal("the servername function refused the name a.example", msg)
      assert.matches("^peer sent alert unrecognized_name %(112%)", (c:error()))
   end)

   it("an error in the servername function fails the handshake with its message", function()
      local sctx = assert(tls.context(pairs_opts { servername = function() error("no names today", 0) end }))
      local _, s = engines("a.example", {}, sctx)
      local msg, alert = s:error()
      assert.equal("internal_error", alert)
      assert.equal("servername function: no names today", msg)
   end)

   it("returning a client context or something else fails with a clear message", function()
      local client = assert(tls.context { verify = false })
      local sctx = assert(tls.context(pairs_opts { servername = function() return client end }))
      local _, s = engines("a.example", {}, sctx)
      assert.equal("servername function: it returned a client context; it must return a server context "
         .. "(mode = \"server\")", (s:error()))
      sctx = assert(tls.context(pairs_opts { servername = function() return "b.example" end }))
      _, s = engines("a.example", {}, sctx)
      assert.equal("servername function: it must return a server context (tls.context), nil or false (got string)",
         (s:error()))
   end)

   it("refuses a servername function or sni_strict on a client context", function()
      local ctx, err = tls.context { servername = function() end }
      assert.is_nil(ctx)
      assert.matches("^option 'servername' on a context is a server's function", err)
      ctx, err = tls.context { sni_strict = true }
      assert.is_nil(ctx)
      assert.equal("option 'sni_strict' is for server contexts", err)
      ctx, err = tls.context(pairs_opts { servername = "a.example" })
      assert.is_nil(ctx)
      assert.equal("option 'servername' must be a function (got string)", err)
   end)
end)

describe("SNI: openssl s_client against our server", function()
   after_each(proc.kill_all)

   local function our_server(extra_code)
      local setup = os.tmpname()
      local o = pairs_opts()
      local list = {}
      for _, p in ipairs(o.certificates) do
         list[#list + 1] = string.format("{ certificate = %q, key = %q }", p.certificate, p.key)
      end
      proc.write_file(setup, string.format("local tls = require 'tls'\nreturn tls.context { mode = 'server', "
         .. "certificate = %q, key = %q, certificates = { %s }, %s }", o.certificate, o.key,
         table.concat(list, ", "), extra_code or ""))
      local h = proc.spawn(string.format("%s %s spec/support/sni_server.lua setup=%s", proc.lua_env(), proc.lua(),
         proc.quote(setup)), { ours = true })
      return h, tonumber(proc.wait_output(h, "ready (%d+)"))
   end

   local function s_client(port, name, extra)
      local sni = name and ("-servername " .. name .. " -verify_hostname " .. name) or "-noservername"
      return proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -CAfile %s %s -verify_return_error "
         .. "-ign_eof %s", port, S.ca, sni, extra or ""), "hello luatls\n")
   end

   local function check(out, cn)
      assert.truthy(out:find("subject=CN = " .. cn .. "\n", 1, true), out)
      assert.truthy(out:find("Verify return code: 0 (ok)", 1, true), out)
      assert.truthy(out:find("\nhello luatls\n", 1, true), out)
   end

   for label, version in pairs(VERSIONS) do
      local flag = version == "TLSv1.3" and "-tls1_3" or "-tls1_2"
      it("-servername a.example and b.example get their certificates (" .. label .. ")", function()
         local srv, port = our_server()
         check(s_client(port, "a.example", flag), "a.example")
         check(s_client(port, "b.example", flag), "b.example")
         assert.truthy(srv:output():find("info version=" .. version .. " alpn=nil servername=b.example", 1, true),
            srv:output())
      end)

      it("no SNI gets the default certificate (" .. label .. ")", function()
         local _, port = our_server()
         local out = s_client(port, nil, flag)
         assert.truthy(out:find("subject=CN = default.example\n", 1, true), out)
         assert.truthy(out:find("\nhello luatls\n", 1, true), out)
      end)

      it("sni_strict: an unknown name gets unrecognized_name (" .. label .. ")", function()
         local srv, port = our_server("sni_strict = true")
         local out = s_client(port, "unknown.example", flag)
         assert.truthy(out:find("unrecognized name", 1, true), out)
         proc.wait_output(srv, "failed no certificate for the name the client asked for %(unknown.example%)")
      end)

      it("false from the servername function: unrecognized_name (" .. label .. ")", function()
         local srv, port = our_server("servername = function(name) if name ~= 'a.example' then return false end end")
         check(s_client(port, "a.example", flag), "a.example")
         local out = s_client(port, "b.example", flag)
         assert.truthy(out:find("unrecognized name", 1, true), out)
         proc.wait_output(srv, "failed the servername function refused the name b.example")
      end)
   end

   it("-sigalgs picks the RSA or the ECDSA certificate of a.example (TLS 1.3)", function()
      local _, port = our_server()
      check(s_client(port, "a.example", "-tls1_3 -sigalgs rsa_pss_rsae_sha256"), "a.example rsa")
      check(s_client(port, "a.example", "-tls1_3 -sigalgs ecdsa_secp256r1_sha256"), "a.example")
   end)

   it("-cipher ECDHE-RSA-AES128-GCM-SHA256 gets the RSA certificate of a.example (TLS 1.2)", function()
      local _, port = our_server()
      check(s_client(port, "a.example", "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256"), "a.example rsa")
      check(s_client(port, "a.example", "-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256"), "a.example")
   end)
end)

-- rfc8446#4.2.3/#4.4.2.2: among pairs the client can verify, the server
-- prefers one whose chain is signed with schemes the client accepts in
-- certificates: signature_algorithms_cert, or signature_algorithms when
-- that is absent.
describe("SNI: the chain's signatures and signature_algorithms_cert", function()
   local pki = require "spec.support.pki"
   local p = pki.new()
   p:ca("rsaca", "rsa2048", "/CN=luatls RSA-signing CA")
   p:ca("ecca", "ec256", "/CN=luatls EC-signing CA")
   for _, name in ipairs { "viarsa", "viaec" } do
      p:key(name, "ec256")
      p:issue(name, "/CN=" .. name, name == "viarsa" and "rsaca" or "ecca")
   end
   p:bundle("cas", "rsaca", "ecca")
   local setup = os.tmpname()
   proc.write_file(setup, string.format("local tls = require 'tls'\nreturn tls.context { mode = 'server', "
      .. "certificate = %q, key = %q, certificates = { { certificate = %q, key = %q } } }",
      p:path("viarsa.pem"), p:path("viarsa.key"), p:path("viaec.pem"), p:path("viaec.key")))
   after_each(proc.kill_all)

   local function server()
      local h = proc.spawn(string.format("%s %s spec/support/sni_server.lua setup=%s", proc.lua_env(), proc.lua(),
         proc.quote(setup)), { ours = true })
      return tonumber(proc.wait_output(h, "ready (%d+)"))
   end

   local function s_client(port, extra)
      return proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
         .. "-verify_return_error -ign_eof %s", port, p:path("cas.pem"), extra), "hello luatls\n")
   end

   for label, flag in pairs { ["TLS 1.3"] = "-tls1_3", ["TLS 1.2"] = "-tls1_2" } do
      it("a client accepting only ECDSA signatures gets the EC-signed chain, not the default (" .. label .. ")",
         function()
            local port = server()
            local out = s_client(port, flag .. " -sigalgs ecdsa_secp256r1_sha256")
            assert.truthy(out:find("subject=CN = viaec\n", 1, true), out)
            assert.truthy(out:find("Verify return code: 0 (ok)", 1, true), out)
            -- with RSA PKCS#1 among its schemes, the default chain fits
            out = s_client(port, flag .. " -sigalgs ecdsa_secp256r1_sha256:rsa_pkcs1_sha256")
            assert.truthy(out:find("subject=CN = viarsa\n", 1, true), out)
         end)
   end

   it("signature_algorithms_cert takes precedence over signature_algorithms (our client sends both)", function()
      local sctx = assert(tls.context { mode = "server", certificate = p:path("viarsa.pem"),
         key = p:path("viarsa.key"), certificates = { { certificate = p:path("viaec.pem"), key = p:path("viaec.key") } } })
      -- signature_algorithms has ECDSA only; signature_algorithms_cert lists RSA PKCS#1 too.
      local cctx = assert(tls.context { ca = p:path("cas.pem"), sigalgs = "ecdsa_secp256r1_sha256" })
      local c = assert(tls.engine(cctx, { servername = "localhost" }))
      local s = assert(tls.engine(sctx))
      assert(c:start())
      E.pump(c, s)
      assert.equal("CN=viarsa", subject(c))
   end)
end)
