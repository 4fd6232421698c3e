-- Session 37: what this session's reviews of main found (/work/notes/review37*.md
-- on the machine that ran them), each fixed and tested here. The planted
-- bugs that these tests kill are in mutate/mutations_lead37.lua.
local tls = require "tls"
local certs = require "spec.support.certs"
local T = require "spec.support.tls12_peer"

-- A self-signed certificate made by `openssl req -x509` with the given
-- arguments (-newkey ..., -subj ...), as PEM text.
local function openssl_req(args)
   local proc = require "spec.support.proc"
   local dir = os.tmpname()
   os.remove(dir)
   local out, code = proc.run(string.format("mkdir -p %s && cd %s && openssl req -x509 -nodes -keyout k.pem "
      .. "-out c.pem -days 2 %s", proc.quote(dir), proc.quote(dir), args))
   local pem = code == 0 and proc.read_file(dir .. "/c.pem")
   os.execute("rm -rf " .. proc.quote(dir))
   assert(pem, out)
   return pem
end

-- review37b F1: RFC 8422 §5.3, a TLS 1.2 server's ECDSA certificate key
-- "MUST use a curve and point format supported by the client". The signature
-- verifies on any curve, so without the check a client's 'groups' decided
-- nothing about the certificate (README says it refuses such a server).
describe("lead37: a TLS 1.2 server's ECDSA key must be on a curve the client offers", function()
   local p384
   setup(function() p384 = certs.ec_selfsigned("P-384") end)
   teardown(function() p384.remove() end)

   -- The scripted server signs its ServerKeyExchange with ecdsa_secp256r1_sha256
   -- by default; a P-384 key signs with ecdsa_secp384r1_sha384 (0x0503), which
   -- TLS 1.2 takes with any curve (RFC 5246 §7.4.1.4.1).
   local function first_flight(groups)
      local I = require("tls.core")._internal
      local sign = I.sign
      I.sign = function(k, _, data) return sign(k, "ecdsa_secp384r1_sha384", data) end
      local ctx = assert(tls.context { mode = "client", ca = p384.cert, groups = groups, max_version = "TLSv1.2" })
      local c = assert(tls.engine(ctx, { servername = "localhost" }))
      assert(c:start())
      local fake = T.server {
         cert_pem = p384.cert_pem, key_pem = p384.key_pem,
         flight = function(flight)
            local ske = flight[3]
            local i = ske:find("\4\3", 4 + 1 + 2 + 1 + ske:byte(8), true)
            flight[3] = ske:sub(1, i - 1) .. "\5\3" .. ske:sub(i + 2)
            return flight
         end,
      }
      local ok, err = c:feed(fake:answer(c:output()))
      I.sign = sign
      return c, fake, ok, err
   end

   it("refused with illegal_parameter when the client's groups leave the curve out", function()
      local c, _, ok, err = first_flight("x25519:secp256r1")
      assert.is_nil(ok)
      assert.equal("server's certificate key is on curve secp384r1, which this client does not offer in its groups", err)
      local _, alert = c:error()
      assert.equal("illegal_parameter", alert)
   end)

   it("taken when the client offers that curve (only as a group, never a key share)", function()
      local c, fake, ok, err = first_flight("x25519:secp256r1:secp384r1")
      assert.is_true(ok, err)
      fake:client_flight(c:output())
      assert.truthy(c:feed(fake:finish()))
      local info = c:info()
      assert.is_true(info.handshake_done)
      assert.equal("TLSv1.2", info.version)
      assert.equal("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", info.cipher)
   end)
end)

-- review37d F1: with every descriptor taken ("too many open files"), accept
-- under cqueues returned the error at once without yielding, so the
-- README's accept loop spun at full CPU and no other coroutine ran again:
-- not the handshake timeouts, not the handlers whose closing connections
-- would have ended the shortage. Now accept pauses (yielding under
-- cqueues) and retries, for at most a second and never past its timeout.
describe("lead37: accept while the process has no descriptor free", function()
   local proc = require "spec.support.proc"
   local function child(args)
      local cmd = string.format("ulimit -n 64; %s %s spec/support/emfile_child.lua %s", proc.lua_env(), proc.lua(), args)
      local out = proc.run(cmd, nil, 30, { ours = true })
      local r = {}
      for k, v in out:gmatch("(%w+)=(%S+)") do r[k] = v end
      assert.truthy(r.held, out)
      -- the limit was reached by the child's own files
      assert.truthy(args == "cqueues-ebadf" or tonumber(r.held) > 30, out)
      return r, out
   end

   it("under cqueues, yields to the other coroutines and accepts once one of them frees a descriptor", function()
      local r, out = child("cqueues-free")
      assert.equal("true", r.conn, out)
      assert.equal("true", r.freed, out)
      assert.truthy(tonumber(r.elapsed) >= 0.29, out)
      assert.truthy(tonumber(r.beats) >= 5, out)
   end)

   it("under cqueues, when none is freed: 'too many open files' after about a second, the loop running meanwhile", function()
      local r, out = child("cqueues-none")
      assert.equal("false", r.conn, out)
      assert.truthy(out:find("err=too many open files", 1, true), out)
      assert.truthy(tonumber(r.elapsed) >= 0.9 and tonumber(r.elapsed) < 3, out)
      assert.truthy(tonumber(r.beats) >= 20, out)
      assert.truthy(tonumber(r.cpu) < 0.5, out)  -- paused, not spinning
      assert.equal("shortage", r.third, out)
   end)

   it("under cqueues, any other error comes back at once, as from the blocking accept", function()
      local r, out = child("cqueues-ebadf")
      assert.equal("false", r.conn, out)
      assert.truthy(tonumber(r.elapsed) < 0.5, out)
      assert.equal("nil", r.third, out)
      assert.falsy(out:find("err=timeout", 1, true), out)
   end)

   it("the blocking accept pauses for at most a second, never past its timeout, and not at all at timeout 0", function()
      for _, case in ipairs { { "5", 0.9, 3 }, { "0.2", 0.15, 0.9 }, { "0", 0, 0.1 } } do
         local r, out = child("blocking " .. case[1])
         assert.equal("false", r.conn, out)
         assert.truthy(out:find("err=too many open files", 1, true), out)
         local t = tonumber(r.elapsed)
         assert.truthy(t >= case[2] and t < case[3], case[1] .. ": " .. out)
         assert.equal("shortage", r.third, out)
      end
   end)
end)

-- review37e F1/F4: LuaSocket's url.parse ends a URL's authority at "/"
-- only; RFC 3986 §3.2 ends it at "/", "?" or "#". In
-- "https://a?@b/" Python, curl and browsers read host a; tls.https read
-- user "a?" and host b, and sent b those "credentials". And ports went
-- through tonumber ("0x1bb", "+443", "443.0").
describe("lead37: tls.https reads a URL's host and port as RFC 3986 does", function()
   local https = require "tls.https"
   local ltn12 = require "ltn12"
   local child = require "spec.support.luachild"
   local c = certs.get()
   local leaf = c.leaf.ecdsa_p256

   local function fetch(make_url)
      local port, wait = child.tls_server(leaf.cert, leaf.key, [[
local first = conn:receive("*l")
print("request " .. tostring(first))
repeat
  local l = conn:receive("*l")
  if l and l:lower():find("^authorization:") then print("got " .. l) end
until l == "" or l == nil
conn:send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
]])
      local chunks = {}
      local r = table.pack(https.request { url = make_url(port), ca = c.ca, timeout = 5,
                                           sink = ltn12.sink.table(chunks) })
      return r, table.concat(chunks), wait()
   end

   local AMBIGUOUS = "an '@' after a '?' or '#' in the host part of a URL (RFC 3986 reads the host before the "
      .. "'?' or '#', LuaSocket and LuaSec after the '@'): refused; in a password write '?' as %3F and '#' as %23"

   it("refuses a URL whose host RFC 3986 and LuaSocket read differently ('?' or '#' before an '@')", function()
      for _, u in ipairs { "https://localhost:1?@127.0.0.2:2/x", "https://localhost:1#@127.0.0.2:2/",
                           "https://alice:s3cr?t-PASSWORD@localhost:1/" } do
         local r, err = https.request(u)
         assert.is_nil(r)
         local shown = u:gsub("^(https://[^:]*:).*@", "%1***@")  -- what may be a password is not shown
         assert.equal("tls.https: " .. AMBIGUOUS .. ": '" .. shown .. "'", err)
         assert.falsy(err:find("PASSWORD", 1, true))
      end
   end)

   it("a query or fragment right after the port is a valid URL (not a bad port), with path /", function()
      local r, _, out = fetch(function(port) return "https://localhost:" .. port .. "?q=1" end)
      assert.equal(200, r[2], tostring(r[2]) .. "\n" .. out)
      assert.truthy(out:find("request GET /?q=1 HTTP/1.1", 1, true), out)
      r, _, out = fetch(function(port) return "https://localhost:" .. port .. "#top" end)
      assert.equal(200, r[2], tostring(r[2]) .. "\n" .. out)
      assert.truthy(out:find("request GET / HTTP/1.1", 1, true), out)
      r, _, out = fetch(function(port) return "https://localhost:" .. port .. "/?mail=a@b.example" end)
      assert.equal(200, r[2], tostring(r[2]) .. "\n" .. out)
      assert.truthy(out:find("request GET /?mail=a@b.example HTTP/1.1", 1, true), out)
   end)

   it("resolves a relative redirect against a URL whose query followed the port (RFC 3986 §5.2.2)", function()
      local proc = require "spec.support.proc"
      local peers = require "spec.support.peers"
      local escape = require("socket.url").escape
      local srv = proc.spawn(string.format("%s spec/support/https_server.py %s %s", peers.python(),
         proc.quote(leaf.cert), proc.quote(leaf.key)), { timeout = 60 })
      local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
      -- /redirect names https://localhost:P?to=/hello, which names the relative /hello
      local second = "https://localhost:" .. port .. "?to=/hello"
      local chunks = {}
      local r, code, headers = https.request { url = "https://localhost:" .. port .. "/redirect?to=" .. escape(second),
                                               ca = c.ca, timeout = 10, sink = ltn12.sink.table(chunks) }
      srv:kill()
      assert.equal(1, r, tostring(code))
      assert.equal(200, code)
      assert.equal("hello from python", table.concat(chunks))
      assert.equal("https://localhost:" .. port .. "/hello", headers.location)
   end)

   it("refuses a backslash in the host part and ports that are not decimal digits", function()
      local r, err = https.request("https://localhost:1\\@127.0.0.2/")
      assert.is_nil(r)
      assert.equal("tls.https: a backslash in the host part of a URL (browsers read it as '/', other parsers not): "
         .. "refused: 'https://localhost:***@127.0.0.2/'", err)  -- what may be a password is not shown
      for _, port in ipairs { "0x1bb", "+443", "443.0", "0443000", "65536", "0" } do
         r, err = https.request("https://localhost:" .. port .. "/")
         assert.is_nil(r)
         assert.equal("tls.https: bad port '" .. port .. "' in URL 'https://localhost:" .. port .. "/'", err)
      end
      r, err = https.request { url = "https://localhost/", proxy = "http://proxy:0x50" }
      assert.is_nil(r)
      assert.truthy(err:find("bad port", 1, true), err)
   end)

   it("the drop-in's ssl.https refuses the same URLs", function()
      local sslhttps = require "tls.luasec.https"
      for _, u in ipairs { "https://localhost:1?@127.0.0.2:2/x", "https://localhost:1\\@127.0.0.2/" } do
         local r, err = sslhttps.request(u)
         assert.is_nil(r)
         assert.truthy(err:find("^ssl.https: an '@' after a '?'") or err:find("^ssl.https: a backslash in the host part"),
            err)
         r, err = sslhttps.request { url = u, sink = ltn12.sink.table({}) }
         assert.is_nil(r)
         assert.truthy(err:find("^ssl.https: "), err)
      end
   end)
end)

-- review37e F2: ssl.https copied only LuaSec's TLS parameters into its
-- context, so pin, crl, ocsp = "require", security_level, min_version (and
-- LuaSec's own dane) were dropped without a word: a pin pinned nothing.
describe("lead37: the drop-in's ssl.https refuses options it would ignore", function()
   local sslhttps = require "tls.luasec.https"
   it("luatls's tls.context names as newcontext refuses them, and dane", function()
      for _, case in ipairs {
         { pin = "sha256//AAAA" }, { ocsp = "require" }, { crl = "/nonexistent" }, { security_level = 5 },
         { min_version = "TLSv1.3" },
      } do
         local name = next(case)
         case.url = "https://localhost:1/"
         local r, err = sslhttps.request(case)
         assert.is_nil(r)
         assert.truthy(err:find("^ssl.https: " .. name .. ": an option of luatls's tls.context, not a LuaSec parameter"),
            err)
      end
   end)

   it("through socket.http after install(), too", function()
      local luasec = require "tls.luasec"
      local saved = { ssl = package.loaded.ssl, https = package.loaded["ssl.https"] }
      luasec.install()
      local http = require "socket.http"
      local ok, r, err = pcall(http.request, { url = "https://localhost:1/", pin = "sha256//AAAA" })
      package.loaded.ssl, package.loaded["ssl.https"] = saved.ssl, saved.https
      assert.is_true(ok, r)
      assert.is_nil(r)
      assert.truthy(tostring(err):find("pin: an option of luatls's tls.context", 1, true), err)
   end)

   it("dane (LuaSec's, which luatls lacks) is refused, not dropped", function()
      local child = require "spec.support.luachild"
      local c = certs.get()
      local port, wait = child.tls_server(c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, [[
repeat local l = conn:receive("*l") until l == "" or l == nil
conn:send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
]])
      local r, err = sslhttps.request { url = "https://localhost:" .. port .. "/", cafile = c.ca, dane = true }
      wait()
      assert.is_nil(r)
      assert.truthy(tostring(err):find("dane is not supported by luatls", 1, true), err)
   end)
end)

-- review37e F3: LuaSec's getsignaturename gives OpenSSL's short name.
describe("lead37: the drop-in's getsignaturename gives LuaSec's names", function()
   it("for RSA PKCS#1 v1.5 and RSA-PSS signatures, as real LuaSec", function()
      local real = require "ssl.x509"
      local luasec = require "tls.luasec"
      local rsa = assert(tls.selfsigned { names = { "localhost" }, key = "rsa" })
      local pss = openssl_req("-newkey rsa-pss -subj /CN=p")
      assert.equal("RSA-SHA256", luasec.loadcertificate(rsa):getsignaturename())
      assert.equal(real.load(rsa):getsignaturename(), luasec.loadcertificate(rsa):getsignaturename())
      assert.equal("RSASSA-PSS", luasec.loadcertificate(pss):getsignaturename())
      assert.equal(real.load(pss):getsignaturename(), luasec.loadcertificate(pss):getsignaturename())
      assert.equal("sha256WithRSAEncryption", tls.certificate(rsa):signature_algorithm())
      assert.equal("rsassaPss", tls.certificate(pss):signature_algorithm())
      assert.equal("RSASSA-PSS", tls.certificate(pss):signature_algorithm("short"))
      assert.has_error(function() tls.certificate(rsa):signature_algorithm("medium") end)
   end)
end)

-- review37d F2: a STARTTLS server that read its command line with
-- LuaSocket, when the client sent its ClientHello along (RFC 3207 §4.2 says
-- it must wait), had those bytes in LuaSocket's buffer: tls.wrap reads the
-- descriptor, so the handshake waited for them until its timeout.
describe("lead37: tls.wrap and ssl.wrap of a socket holding bytes LuaSocket read ahead", function()
   local socket = require "socket"
   local E = require "spec.support.engines"
   local function pair(also)
      local l = assert(socket.bind("127.0.0.1", 0))
      local _, port = l:getsockname()
      local cli = assert(socket.connect("127.0.0.1", port))
      local srv = assert(l:accept())
      l:close()
      local e = assert(tls.engine(assert(tls.context { mode = "client", verify = false })))
      assert(e:start())
      assert(cli:send("STARTTLS\r\n" .. (also and e:output() or "")))
      srv:settimeout(3)
      assert.equal("STARTTLS", srv:receive("*l"))
      return srv, cli
   end
   local READ_AHEAD = "the socket holds bytes LuaSocket already read (sock:dirty() is true), which TLS would never "
      .. "see: the peer sent them before it was answered (a STARTTLS client must wait for the server's go-ahead); "
      .. "read them with sock:receive first, or close the connection"

   it("are refused, saying why, instead of a handshake that times out", function()
      local srv, cli = pair(true)
      assert.is_true(srv:dirty())
      local conn, err = tls.wrap(srv, E.server_ctx())
      assert.is_nil(conn)
      assert.equal("tls.wrap: " .. READ_AHEAD, err)
      local luasec = require "tls.luasec"
      local ctx = assert(luasec.newcontext { mode = "client", protocol = "any", verify = "none" })
      local s2, err2 = luasec.wrap(srv, ctx)
      assert.is_nil(s2)
      assert.equal(READ_AHEAD, err2)
      srv:close(); cli:close()
   end)

   it("while a socket whose buffer is empty is wrapped as before", function()
      local srv, cli = pair(false)
      assert.is_false(srv:dirty())
      local conn, err = tls.wrap(srv, E.server_ctx())
      assert.truthy(conn, err)
      conn:close(); cli:close()
   end)
end)

-- review37e F5: the drop-in's subject() and issuer() gave "street" (and
-- "title", "postalCode", "pseudonym", ...) as both OID and name, and "SN",
-- "GN", "UID" as names, where LuaSec gives 2.5.4.9 and streetAddress,
-- surname, givenName, userId: libcrypto's OID and long name for each.
describe("lead37: the drop-in's subject() and issuer() name attributes as LuaSec does", function()
   it("for the less common attributes too", function()
      local real = require "ssl.x509"
      local luasec = require "tls.luasec"
      local pem = openssl_req("-newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "
         .. "'/CN=x/street=1 Main St/title=Dr/SN=Smith/GN=Ann/postalCode=12345/UID=u1/pseudonym=pp/"
         .. "businessCategory=Private Organization/serialNumber=42/DC=example/emailAddress=a@example.com'")
      local ours, theirs = luasec.loadcertificate(pem), real.load(pem)
      assert.same(theirs:subject(), ours:subject())
      assert.same(theirs:issuer(), ours:issuer())
      local by_oid = {}
      for _, e in ipairs(ours:subject()) do by_oid[e.oid] = e end
      assert.same({ oid = "2.5.4.9", name = "streetAddress", value = "1 Main St" }, by_oid["2.5.4.9"])
      assert.same({ oid = "2.5.4.4", name = "surname", value = "Smith" }, by_oid["2.5.4.4"])
      assert.same({ oid = "0.9.2342.19200300.100.1.1", name = "userId", value = "u1" }, by_oid["0.9.2342.19200300.100.1.1"])
      assert.equal(12, #ours:subject())
   end)
end)
