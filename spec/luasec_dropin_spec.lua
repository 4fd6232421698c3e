-- The LuaSec drop-in (lua/tls/luasec.lua, lua/tls/luasec/https.lua):
-- programs written for LuaSec's `ssl` (our rewrites of LuaSec's samples,
-- spec/luasec_samples/) run unchanged under real LuaSec and under luatls
-- after require("tls.luasec").install(), against each other; the options
-- that would weaken a connection are refused; ssl.https and socket.http's
-- https go through luatls.
local socket = require "socket"
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"
local certs_sni = require "spec.support.certs_sni"
local ssl = require "tls.luasec"

local c = certs.get()
local LUA = proc.lua()
local RUN = "spec/support/luasec_run.lua"
local SAMPLES = "spec/luasec_samples/"

local function command(lib, sample, ...)
   local args = {}
   for i, a in ipairs { ... } do args[i] = proc.quote(a) end
   return string.format("%s %s %s %s %s %s", proc.lua_env(), LUA, RUN, lib, SAMPLES .. sample,
      table.concat(args, " "))
end

-- A sample server in the background: its handle and port.
local function serve(lib, sample, ...)
   local h = proc.spawn(command(lib, sample, ...), { ours = lib == "luatls", timeout = 40 })
   local port = tonumber(proc.wait_output(h, "listening (%d+)", 20))
   return h, port
end

-- A sample client run to its end: its output (which must end with the
-- library that served it).
local function run(lib, sample, ...)
   local out, code = proc.run(command(lib, sample, ...), nil, 40, { ours = lib == "luatls" })
   assert.equal(0, code, out)
   assert.truthy(out:find("served-by " .. lib .. "\n", 1, true), out)
   return out
end

-- The server's whole output, once it has ended by itself.
local function finish(h, lib)
   assert.is_true(h:wait(20), "server still running:\n" .. h:output())
   local out = h:output()
   assert.truthy(out:find("served-by " .. lib .. "\n", 1, true), out)
   return out
end

local function has(out, line)
   assert.truthy(out:find(line, 1, true), string.format("no %q in:\n%s", line, out))
end

local PAIRS = { { "luatls", "luatls" }, { "luasec", "luatls" }, { "luatls", "luasec" } }

describe("tls.luasec: LuaSec's samples, each side under either library", function()
   after_each(proc.kill_all)

   for _, pair in ipairs(PAIRS) do
      local S, C = pair[1], pair[2]
      local title = string.format(" (%s server, %s client)", S, C)

      it("one-shot client and server" .. title, function()
         local h, port = serve(S, "server.lua", c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key)
         local out = run(C, "client.lua", port, c.ca, "localhost")
         has(out, "wrapped SSL\n")
         has(out, "handshake true\n")
         has(out, "verification\ttrue\n")
         has(out, "received oneshot test 1\n")
         local sout = finish(h, S)
         has(sout, "before handshake info: nil\n")
         has(sout, "protocol TLSv1.3 cipher TLS_")
      end)

      it("a client certificate the server requires" .. title, function()
         local h, port = serve(S, "server.lua", c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, c.ca)
         local out = run(C, "client.lua", port, c.ca, "localhost", c.leaf.rsa2048.cert, c.leaf.rsa2048.key)
         has(out, "received oneshot test 1\n")
         local sout = finish(h, S)
         has(sout, "client CN localhost\n")
         has(sout, "client verified true\n")
      end)

      it("a client certificate under another CA is refused by the server" .. title, function()
         local h, port = serve(S, "server.lua", c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, c.ca)
         run(C, "client.lua", port, c.ca, "localhost", c.untrusted.cert, c.untrusted.key)
         local sout = finish(h, S)
         has(sout, "handshake failed: ")
         assert.is_nil(sout:find("client CN", 1, true), sout)
      end)

      it("info() before and after the handshake, TLS 1.3 and TLS 1.2" .. title, function()
         for _, protocol in ipairs { "tlsv1_3", "tlsv1_2" } do
            local h, port = serve(S, "server.lua", c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key)
            local out = run(C, "info_client.lua", port, c.ca, protocol)
            has(out, "before nil\n")
            if protocol == "tlsv1_3" then
               has(out, "protocol TLSv1.3\n")
               assert.truthy(out:match("cipher TLS_[%w_]+\n"), out)
               has(out, "key any\n")
            else
               has(out, "protocol TLSv1.2\n")
               assert.truthy(out:match("cipher ECDHE%-ECDSA%-[%w%-]+\n"), out)
               has(out, "key ECDH\n")
               has(out, "authentication ECDSA\n")
            end
            assert.truthy(out:match("bits (%d+)\n") == "128" or out:match("bits (%d+)\n") == "256", out)
            has(out, "mac AEAD\n")
            has(out, "export false\n")
            has(out, "field protocol " .. (protocol == "tlsv1_3" and "TLSv1.3" or "TLSv1.2") .. "\n")
            has(out, "compression nil\n")
            has(out, "received oneshot test 1\n")
            finish(h, S)
         end
      end)

      it("a loop of connections from one context" .. title, function()
         local h, port = serve(S, "server.lua", c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, "-", "-", "5")
         local out = run(C, "loop_client.lua", port, c.ca, "5")
         has(out, "lines 5 of 5\n")
         finish(h, S)
      end)

      it("a non-blocking client waits with want() and socket.select" .. title, function()
         local h, port = serve(S, "server.lua", c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, "-", "-", "1",
            "-", "0.3")
         local out = run(C, "want_client.lua", port, c.ca)
         has(out, "handshake done\n")
         has(out, "received oneshot test 1\n")
         has(out, "waited yes wantread true\n")
         finish(h, S)
      end)

      it("a non-blocking server meets wantwrite" .. title, function()
         local bytes = 16 * 1024 * 1024
         local h, port = serve(S, "wantwrite_server.lua", c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, bytes)
         local out = run(C, "slow_client.lua", port, "1", bytes)
         has(out, "received " .. bytes .. " nil intact true\n")
         local sout = finish(h, S)
         has(sout, "sent " .. bytes .. " wantwrite yes\n")
      end)

      it("SNI: a certificate per name, strict" .. title, function()
         local s = certs_sni.get()
         local h, port = serve(S, "sni_server.lua", s.default.cert, s.default.key, "default.example",
            s.b.cert, s.b.key, "b.example", "strict", "3")
         local out = run(C, "sni_client.lua", port, s.ca, "b.example")
         has(out, "certificate CN b.example\n")
         has(out, "sni b.example\n")
         has(out, "received one line\n")
         out = run(C, "sni_client.lua", port, s.ca, "default.example")
         has(out, "certificate CN default.example\n")
         out = run(C, "sni_client.lua", port, s.ca, "other.example")
         has(out, "handshake failed\n")
         local sout = finish(h, S)
         has(sout, "client asked for b.example\n")
         has(sout, "client asked for default.example\n")
         has(sout, "handshake failed\n")
      end)

      it("ALPN: the server's first protocol the client offers, or none" .. title, function()
         local h, port = serve(S, "server.lua", c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, "-",
            "h2,http/1.1", "3")
         local out = run(C, "client.lua", port, c.ca, "localhost", "-", "-", "peer", "http/1.1,h2")
         has(out, "alpn h2\n")
         out = run(C, "client.lua", port, c.ca, "localhost", "-", "-", "peer", "http/1.1")
         has(out, "alpn http/1.1\n")
         out = run(C, "client.lua", port, c.ca, "localhost", "-", "-", "peer", "spdy/3")
         has(out, "handshake true\n")
         has(out, "alpn nil\n")
         local sout = finish(h, S)
         has(sout, "alpn h2\n")
         has(sout, "alpn http/1.1\n")
         has(sout, "alpn nil\n")
      end)

      it("verify = \"none\": the handshake goes on, getpeerverification says false" .. title, function()
         local h, port = serve(S, "server.lua", c.untrusted.cert, c.untrusted.key)
         local out = run(C, "client.lua", port, c.ca, "-", "-", "-", "none")
         has(out, "handshake true\n")
         assert.truthy(out:match("verification\tfalse\t[^\n]+\n"), out)
         has(out, "received oneshot test 1\n")
         finish(h, S)
      end)

      it("verify = \"peer\": a chain under another CA fails the handshake" .. title, function()
         local h, port = serve(S, "server.lua", c.untrusted.cert, c.untrusted.key)
         local out = run(C, "client.lua", port, c.ca, "localhost")
         assert.truthy(out:match("handshake false [^\n]+\n"), out)
         has(finish(h, S), "handshake failed: ")
      end)

      it("verify = \"peer\" without a name checks the chain only, as LuaSec" .. title, function()
         local h, port = serve(S, "server.lua", c.wronghost.cert, c.wronghost.key)
         local out = run(C, "client.lua", port, c.ca, "-")
         has(out, "handshake true\n")
         has(out, "received oneshot test 1\n")
         finish(h, S)
      end)
   end

   it("the chain and its certificates look the same through both libraries", function()
      local h, port = serve("luatls", "server.lua", c.chain.cert, c.chain.key, "-", "-", "2")
      local ours = run("luatls", "chain_client.lua", port, c.ca)
      local theirs = run("luasec", "chain_client.lua", port, c.ca)
      has(ours, "chain length 2\n")
      has(ours, "leaf subject localhost issuer ")
      has(ours, "beyond nil\n")
      has(ours, "pem -----BEGIN CERTIFICATE-----\n")
      has(ours, "reloaded same digest true\n")
      has(ours, "leaf valid now true\n")
      assert.truthy(ours:match("leaf notafter %a%a%a [ %d]%d %d%d:%d%d:%d%d %d%d%d%d GMT\n"), ours)
      has(ours, "leaf dns localhost\n")
      has(ours, "leaf key EC 256\n")
      -- Every line the same but the last, which names the library.
      assert.equal(theirs:gsub("served%-by %a+\n", ""), (ours:gsub("served%-by %a+\n", "")))
      finish(h, "luatls")
   end)

   it("checks the name given with sni(), which LuaSec does not", function()
      local h, port = serve("luatls", "server.lua", c.wronghost.cert, c.wronghost.key, "-", "-", "2")
      local ours = run("luatls", "client.lua", port, c.ca, "localhost")
      has(ours, "handshake false host name mismatch: expected localhost")
      local theirs = run("luasec", "client.lua", port, c.ca, "localhost")
      has(theirs, "handshake true\n")
      finish(h, "luatls")
   end)
end)

-- In this process: two ends over loopback, driven without blocking.
local function pair(server_params, client_params, name)
   local srv = assert(socket.bind("127.0.0.1", 0))
   local _, port = srv:getsockname()
   local raw = socket.tcp()
   raw:settimeout(5)
   assert(raw:connect("127.0.0.1", port))
   local sraw = assert(srv:accept())
   srv:close()
   local cl = assert(ssl.wrap(raw, client_params))
   local sv = assert(ssl.wrap(sraw, server_params))
   if name then cl:sni(name) end
   cl:settimeout(0)
   sv:settimeout(0)
   local cok, cerr, sok, serr
   for _ = 1, 50 do
      if not cok then cok, cerr = cl:dohandshake() end
      if not sok then sok, serr = sv:dohandshake() end
      if (cok or (cerr ~= "wantread" and cerr ~= "wantwrite"))
         and (sok or (serr ~= "wantread" and serr ~= "wantwrite")) then break end
      socket.select({ cl, sv }, nil, 1)
   end
   cl:settimeout(5)
   sv:settimeout(5)
   return cl, sv, cok, cerr, sok, serr
end

local function server_params(extra)
   local p = { mode = "server", protocol = "any", certificate = c.leaf.ecdsa_p256.cert,
               key = c.leaf.ecdsa_p256.key, verify = "none", options = "all" }
   for k, v in pairs(extra or {}) do p[k] = v end
   return p
end

local function client_params(extra)
   local p = { mode = "client", protocol = "any", cafile = c.ca, verify = "peer", options = "all" }
   for k, v in pairs(extra or {}) do p[k] = v end
   return p
end

describe("tls.luasec: parameters", function()
   it("refuses TLS 1.0, TLS 1.1 and SSL 3.0 as the protocol", function()
      for p, name in pairs { tlsv1 = "TLS 1.0", tlsv1_1 = "TLS 1.1", sslv3 = "SSL 3.0" } do
         local ctx, err = ssl.newcontext(client_params { protocol = p })
         assert.is_nil(ctx)
         assert.equal(string.format("protocol '%s' (%s only) is refused: %s is insecure and deprecated by RFC "
            .. "8996; use 'tlsv1_2', 'tlsv1_3' or 'any' (TLS 1.2 and 1.3)", p, name, name), err)
      end
      assert.same({ nil, "invalid protocol (tlsv9)" }, { ssl.newcontext(client_params { protocol = "tlsv9" }) })
   end)

   it("refuses verifyext that accepts bad chains, and a depth below its own limit", function()
      for _, v in ipairs { "lsec_continue", "lsec_ignore_purpose" } do
         local ctx, err = ssl.newcontext(client_params { verifyext = v })
         assert.is_nil(ctx)
         assert.equal("verifyext '" .. v .. "' is refused: it accepts certificates that fail verification; "
            .. "use verify = \"none\" and check getpeerverification() yourself", err)
      end
      local ctx, err = ssl.newcontext(client_params { depth = 3 })
      assert.is_nil(ctx)
      assert.equal("depth 3 is refused: luatls cannot limit the chain below 9 intermediate certificates "
         .. "(its own limit); leave depth out or set it to 9 or more", err)
      assert.truthy(ssl.newcontext(client_params { depth = 9 }))
   end)

   it("refuses a cafile that does not exist, on clients and on servers", function()
      assert.same({ nil, "error loading CA locations (cafile: cannot read /nonexistent/ca.pem)" },
         { ssl.newcontext(client_params { cafile = "/nonexistent/ca.pem" }) })
      assert.same({ nil, "error loading CA locations (cafile: cannot read /nonexistent/ca.pem)" },
         { ssl.newcontext(server_params { cafile = "/nonexistent/ca.pem" }) })
      assert.same({ nil, "error loading CA locations (cafile: cannot read /nonexistent/ca.pem)" },
         { ssl.newcontext(client_params { verify = "none", cafile = "/nonexistent/ca.pem" }) })
   end)

   it("refuses a cipher list that names none of its suites, accepts rules", function()
      local ctx, err = ssl.newcontext(client_params { ciphers = "RC4-SHA:DES-CBC3-SHA" })
      assert.is_nil(ctx)
      assert.truthy(err:find("^ciphers: none of the suites in 'RC4%-SHA:DES%-CBC3%-SHA' exists in luatls"), err)
      assert.truthy(ssl.newcontext(client_params { ciphers = "HIGH:!aNULL:!MD5" }))
      assert.truthy(ssl.newcontext(client_params { ciphers = "ALL:!ADH:@STRENGTH" }))
      assert.same({ nil, "ciphersuites: unknown TLS 1.3 cipher suite 'TLS_AES_128_CCM_SHA256' (luatls has "
         .. "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256)" },
         { ssl.newcontext(client_params { ciphersuites = "TLS_AES_128_CCM_SHA256" }) })
   end)

   it("accepts and ignores what has no meaning here; refuses unknown words as LuaSec", function()
      local ctx = ssl.newcontext(server_params {
         options = { "all", "no_sslv2", "no_sslv3", "no_tlsv1", "no_tlsv1_1", "single_ecdh_use",
                     "single_dh_use", "no_compression", "cipher_server_preference" },
         dhparam = function() return nil end, curve = "prime256v1", verify = { "none" },
      })
      assert.truthy(ctx)
      assert.same({ nil, "invalid option (no_such_option)" },
         { ssl.newcontext(client_params { options = "no_such_option" }) })
      assert.same({ nil, "invalid verify option (always)" }, { ssl.newcontext(client_params { verify = "always" }) })
      assert.same({ nil, "elliptic curve 'brainpoolP256r1' not supported (curve)" },
         { ssl.newcontext(client_params { curve = "brainpoolP256r1" }) })
      assert.same({ nil, "invalid DH parameter type" }, { ssl.newcontext(server_params { dhparam = "dh.pem" }) })
      assert.has_error(function() ssl.newcontext { mode = "client" } end,
         "bad argument #1 to 'newcontext' (protocol: string expected, got nil)")
   end)

   it("no_tlsv1_3 and tlsv1_2 choose TLS 1.2; no_ticket turns tickets off", function()
      local cl, sv, cok, cerr = pair(server_params { options = { "all", "no_tlsv1_3", "no_ticket" } },
         client_params(), "localhost")
      assert.is_true(cok, cerr)
      assert.equal("TLSv1.2", cl:info("protocol"))
      assert.equal("ECDHE-ECDSA-AES128-GCM-SHA256", cl:info().cipher)
      cl:close(); sv:close()
      cl, sv, cok, cerr = pair(server_params { protocol = "tlsv1_3" }, client_params { protocol = "tlsv1_2" })
      assert.is_false(cok)
      assert.truthy(cerr:find("protocol_version", 1, true), cerr)
      cl:close(); sv:close()
   end)

   it("a servername parameter is checked like sni()", function()
      local cl, sv, cok, cerr = pair(server_params { certificate = c.wronghost.cert, key = c.wronghost.key },
         client_params { servername = "localhost" })
      assert.is_false(cok)
      assert.truthy(cerr:find("^host name mismatch: expected localhost"), cerr)
      cl:close(); sv:close()
      cl, sv, cok, cerr = pair(server_params { certificate = c.wronghost.cert, key = c.wronghost.key },
         client_params { servername = "wrong.example" })
      assert.is_true(cok, cerr)
      cl:close(); sv:close()
   end)

   it("verify = \"none\" reports on the chain only, as LuaSec, even with a name", function()
      local cl, sv, cok, cerr = pair(server_params { certificate = c.wronghost.cert, key = c.wronghost.key },
         client_params { verify = "none" }, "localhost")
      assert.is_true(cok, cerr)
      assert.same({ true }, { cl:getpeerverification() })
      cl:close(); sv:close()
      cl, sv, cok, cerr = pair(server_params { certificate = c.untrusted.cert, key = c.untrusted.key },
         client_params { verify = "none" }, "localhost")
      assert.is_true(cok, cerr)
      local ok, why = cl:getpeerverification()
      assert.is_false(ok)
      assert.truthy(why:find("^unknown certificate authority"), why)
      cl:close(); sv:close()
   end)

   it("verify = \"peer\" without a name still checks the chain: another CA fails", function()
      local cl, sv, cok, cerr = pair(server_params { certificate = c.untrusted.cert, key = c.untrusted.key },
         client_params())
      assert.is_false(cok)
      assert.truthy(cerr:find("^unknown certificate authority"), cerr)
      cl:close(); sv:close()
      cl, sv, cok, cerr = pair(server_params { certificate = c.expired.cert, key = c.expired.key }, client_params())
      assert.is_false(cok)
      assert.truthy(cerr:find("expired", 1, true), cerr)
      cl:close(); sv:close()
   end)
end)

describe("tls.luasec: connections", function()
   it("have LuaSec's methods and words", function()
      local cl, sv, cok, cerr, sok, serr = pair(server_params(), client_params(), "localhost")
      assert.is_true(cok, cerr)
      assert.is_true(sok, serr)
      assert.truthy(tostring(cl):find("^SSL connection: "))
      assert.equal("localhost", cl:getsniname())
      assert.equal("localhost", sv:getsniname())
      assert.equal("nothing", cl:want())
      assert.is_false(cl:dirty())
      assert.equal(6, cl:send("hello\n"))
      assert.equal("hello", sv:receive("*l"))
      local received, sent = cl:getstats()
      assert.equal(0, received)
      assert.equal(6, sent)
      assert.equal(1, cl:setstats(10, 20, 0))
      assert.equal(20, select(2, cl:getstats()))
      assert.equal(32, #assert(cl:exportkeyingmaterial("EXPORTER-test", 32)))
      assert.equal(cl:exportkeyingmaterial("EXPORTER-test", 32), sv:exportkeyingmaterial("EXPORTER-test", 32))
      assert.same({ nil, "invalid certificate index" }, { cl:getpeercertificate(0) })
      assert.is_nil(sv:getpeercertificate())
      assert.is_true(cl:getpeerverification())
      assert.equal(32, #cl:getfinished())
      assert.equal(cl:getfinished(), sv:getpeerfinished())
      assert.equal(sv:getfinished(), cl:getpeerfinished())
      assert.are_not.equal(cl:getfinished(), cl:getpeerfinished())
      assert.equal("number", type(cl:getfd()))
      sv:settimeout(0)
      assert.same({ nil, "wantread", "" }, { sv:receive("*l") })
      cl:close()
      sv:close()
      assert.truthy(tostring(cl):find(" %(closed%)$"))
      assert.same({ nil, "closed" }, { cl:getfinished() })
      assert.same({ nil, "closed" }, { cl:getpeerfinished() })
      assert.equal(-1, cl:getfd())
   end)

   it("socket.select sees data the connection already holds (dirty), and a timeout says wantread", function()
      local cl, sv, cok, cerr = pair(server_params(), client_params(), "localhost")
      assert.is_true(cok, cerr)
      assert.equal(8, sv:send("one\ntwo\n"))
      assert.equal("one", cl:receive("*l"))
      -- "two" waits in the connection, not in the socket.
      assert.is_true(cl:dirty())
      local readable = socket.select({ cl }, nil, 0)
      assert.equal(cl, readable[1])
      assert.equal("two", cl:receive("*l"))
      assert.is_false(cl:dirty())
      -- LuaSec never says "timeout": the direction it waited in.
      cl:settimeout(0.05)
      assert.same({ nil, "wantread", "" }, { cl:receive("*l") })
      assert.equal("read", cl:want())
      cl:close(); sv:close()
   end)

   it("takes the socket's descriptor as LuaSec does: closing the raw socket after wrap does nothing", function()
      local srv = assert(socket.bind("127.0.0.1", 0))
      local _, port = srv:getsockname()
      local raw = assert(socket.connect("127.0.0.1", port))
      local fd = raw:getfd()
      local cl = assert(ssl.wrap(raw, client_params()))
      assert.equal(-1, raw:getfd())
      assert.equal(fd, cl:getfd())
      raw:close()
      assert.equal(fd, cl:getfd())
      cl:close()
      srv:close()
   end)

   it("a client's setalpn chooses its protocols before the handshake", function()
      local srv = assert(socket.bind("127.0.0.1", 0))
      local _, port = srv:getsockname()
      local raw = assert(socket.connect("127.0.0.1", port))
      local sraw = assert(srv:accept())
      local cl = assert(ssl.wrap(raw, client_params()))
      assert.is_true(cl:setalpn { "h2" })
      local sv = assert(ssl.wrap(sraw, server_params { alpn = { "http/1.1", "h2" } }))
      cl:settimeout(0); sv:settimeout(0)
      local cok, sok
      for _ = 1, 50 do
         cok = cok or cl:dohandshake()
         sok = sok or sv:dohandshake()
         if cok and sok then break end
         socket.select({ cl, sv }, nil, 1)
      end
      assert.equal("h2", cl:getalpn())
      assert.equal("h2", sv:getalpn())
      cl:close(); sv:close(); srv:close()
   end)
end)

describe("tls.luasec: install() and ssl.https", function()
   local saved_ssl, saved_https
   local s_server, port, www
   setup(function()
      saved_ssl, saved_https = package.loaded["ssl"], package.loaded["ssl.https"]
      www = os.tmpname()
      os.remove(www)
      assert(os.execute("mkdir -p " .. proc.quote(www)))
      proc.write_file(www .. "/hello.txt", "hello over https\n")
      port = proc.free_port("127.0.0.1")
      s_server = proc.spawn(string.format("cd %s && exec openssl s_server -accept 127.0.0.1:%d -cert %s -key %s "
         .. "-WWW -quiet", proc.quote(www), port, proc.quote(c.leaf.ecdsa_p256.cert),
         proc.quote(c.leaf.ecdsa_p256.key)), { timeout = 120 })
      proc.wait_port("127.0.0.1", port, 10, s_server)
   end)
   teardown(function()
      package.loaded["ssl"], package.loaded["ssl.https"] = saved_ssl, saved_https
      s_server:kill()
      os.execute("rm -rf " .. proc.quote(www))
   end)

   it("puts the drop-in under ssl and ssl.https", function()
      local m = ssl.install()
      assert.equal(ssl, m)
      assert.equal(ssl, require "ssl")
      assert.equal(require "tls.luasec.https", require "ssl.https")
      assert.equal(require "tls.luasec.https", ssl.https)
      assert.is_nil(package.loaded["ssl.core"])
   end)

   it("ssl.https.request fetches from openssl s_server, verifying chain and name", function()
      local https = require "tls.luasec.https"
      local ltn12 = require "ltn12"
      local t = {}
      local one, code = https.request { url = "https://localhost:" .. port .. "/hello.txt",
                                        sink = ltn12.sink.table(t), cafile = c.ca }
      assert.equal(1, one, code)
      assert.equal(200, code)
      assert.equal("hello over https\n", table.concat(t))
      -- Verification is on by default: the system's CAs do not know ours.
      local body, err = https.request("https://localhost:" .. port .. "/hello.txt")
      assert.is_nil(body)
      assert.equal("unknown certificate authority (issuer: CN=luatls test root CA)", err)
      -- The name in the URL is checked (a certificate for localhost, 127.0.0.1, ::1).
      t = {}
      one, code = https.request { url = "https://127.0.0.1:" .. port .. "/hello.txt",
                                  sink = ltn12.sink.table(t), cafile = c.ca }
      assert.equal(1, one, code)
      -- verify = "none" as LuaSec's default, when asked for.
      body, code = https.request { url = "https://localhost:" .. port .. "/hello.txt", verify = "none",
                                   sink = ltn12.sink.table({}) }
      assert.equal(1, body, code)
   end)

   it("socket.http's https goes through the drop-in once installed", function()
      ssl.install()
      local http = require "socket.http"
      local ltn12 = require "ltn12"
      local t = {}
      local one, code = http.request { url = "https://localhost:" .. port .. "/hello.txt",
                                       sink = ltn12.sink.table(t), cafile = c.ca }
      assert.equal(1, one, code)
      assert.equal(200, code)
      assert.equal("hello over https\n", table.concat(t))
      assert.is_nil(package.loaded["ssl.core"])
   end)
end)

describe("tls.luasec.https redirects", function()
   local peers = require "spec.support.peers"
   local https = require "tls.luasec.https"
   local ltn12 = require "ltn12"
   local srv, port
   setup(function()
      srv = proc.spawn(string.format("%s spec/support/https_server.py %s %s", peers.python(),
         proc.quote(c.leaf.ecdsa_p256.cert), proc.quote(c.leaf.ecdsa_p256.key)), { timeout = 120 })
      port = tonumber(proc.wait_output(srv, "ready (%d+)"))
   end)
   teardown(function() srv:kill() end)

   local function get(u, headers)
      local t = {}
      local one, code = https.request { url = u, sink = ltn12.sink.table(t), cafile = c.ca, headers = headers }
      if not one then return nil, code end
      return table.concat(t), code
   end

   it("never hands Authorization or Cookie to another host a redirect names", function()
      local base = "https://localhost:" .. port
      -- The same host keeps them.
      local body = assert(get(base .. "/redirect?to=" .. base .. "/echo", { Authorization = "Bearer s3cret" }))
      assert.matches("header authorization=Bearer s3cret\n", body, 1, true)
      -- Another host (and port) is refused instead of given them.
      local other = "https://127.0.0.1:" .. port .. "/echo"
      local ok, err = get(base .. "/redirect?to=" .. other, { Authorization = "Bearer s3cret" })
      assert.is_nil(ok)
      assert.equal("refusing to follow a redirect to 127.0.0.1:" .. port .. " with the Authorization header "
         .. "meant for localhost:" .. port, err)
      ok, err = get(base .. "/redirect?to=" .. other, { cookie = "sid=1" })
      assert.is_nil(ok)
      assert.equal("refusing to follow a redirect to 127.0.0.1:" .. port .. " with the cookie header "
         .. "meant for localhost:" .. port, err)
      -- Without them, the redirect elsewhere is followed.
      body = assert(get(base .. "/redirect?to=" .. other, { ["X-Plain"] = "1" }))
      assert.matches("header host=127.0.0.1:" .. port .. "\n", body, 1, true)
   end)

   it("verifies every hop of a redirect with the request's own parameters", function()
      local saved = package.loaded["ssl.https"]
      package.loaded["ssl.https"] = nil  -- a program that did not install() the drop-in
      local bad = proc.spawn(string.format("%s spec/support/https_server.py %s %s", peers.python(),
         proc.quote(c.untrusted.cert), proc.quote(c.untrusted.key)), { timeout = 120 })
      finally(function() bad:kill() end)
      local bad_port = tonumber(proc.wait_output(bad, "ready (%d+)"))
      local base = "https://localhost:" .. port
      -- Two hops, the second elsewhere: checked against the request's cafile.
      local hop2 = base .. "/redirect?to=https://127.0.0.1:" .. port .. "/hello"
      local body = assert(get(base .. "/redirect?to=" .. hop2))
      assert.equal("hello from python", body)
      -- A hop to a server under a CA the request does not trust fails,
      -- first or second.
      local untrusted = "https://localhost:" .. bad_port .. "/hello"
      local ok, err = get(base .. "/redirect?to=" .. untrusted)
      assert.is_nil(ok)
      assert.equal("unknown certificate authority (issuer: CN=luatls untrusted CA)", err)
      ok, err = get(base .. "/redirect?to=" .. base .. "/redirect?to=" .. untrusted)
      assert.is_nil(ok)
      assert.equal("unknown certificate authority (issuer: CN=luatls untrusted CA)", err)
      assert.is_nil(package.loaded["ssl.https"])
      package.loaded["ssl.https"] = saved
   end)
end)
