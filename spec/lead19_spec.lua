-- Session 19's read-only review: list options with holes (a pin list whose
-- first entry is nil added no pin at all), the LuaSec drop-in's verify
-- list likewise, and tls.connect with a server context inside cqueues.
local tls = require "tls"
local certs = require "spec.support.certs"
local E = require "spec.support.engines"

-- The pin of a key that is not the server's: a pin-only client must refuse.
local WRONG_PIN = "sha256/" .. string.rep("A", 43) .. "="

describe("lead19: list options hold no holes", function()
   it("refuses a pin list whose first entry is nil (it added no pin: a pin-only client accepted any server)", function()
      local ctx, err = tls.context { verify = false, pin = { nil, WRONG_PIN } }
      assert.is_nil(ctx)
      assert.matches("option 'pin': entry 1 is nil", err, 1, true)
   end)

   it("a pin-only client with a whole pin list still refuses a server whose key is not pinned", function()
      local cctx = assert(tls.context { verify = false, pin = { WRONG_PIN } })
      local sctx = assert(tls.context { mode = "server", certificate = certs.get().leaf.ecdsa_p256.cert, key = certs.get().leaf.ecdsa_p256.key })
      local c = assert(tls.engine(cctx))
      local s = assert(tls.engine(sctx))
      assert(c:start())
      E.pump(c, s)
      assert.is_true(c:status().failed, "the client accepted a server whose key is not pinned")
   end)

   it("refuses holes and named keys in crl, certificates, alpn, ciphers", function()
      local cases = {
         { { crl = { nil, "x.pem" } }, "option 'crl': entry 1 is nil" },
         { { alpn = { nil, "h2" } }, "option 'alpn': entry 1 is nil" },
         { { alpn = { "h2", extra = "http/1.1" } }, "option 'alpn' must be a list" },
         { { ciphers = { nil, "TLS_AES_128_GCM_SHA256" } }, "option 'ciphers': entry 1 is nil" },
         { { pin = { WRONG_PIN, backup = WRONG_PIN } }, "option 'pin' must be a list" },
         { { mode = "server", certificates = { nil, { certificate = "c", key = "k" } } },
            "option 'certificates': entry 1 is nil" },
      }
      for _, case in ipairs(cases) do
         local ctx, err = tls.context(case[1])
         assert.is_nil(ctx, case[2])
         assert.matches(case[2], err, 1, true)
      end
   end)
end)

describe("lead19: the LuaSec drop-in's verify list holds no holes", function()
   local ssl = require "tls.luasec"
   it("refuses verify = { nil, \"peer\" } (it meant no verification)", function()
      local ctx, err = ssl.newcontext { mode = "client", protocol = "any", verify = { nil, "peer" } }
      assert.is_nil(ctx)
      assert.matches("verify: entry 1 is nil", err, 1, true)
   end)
   it("refuses verify = { peer = true } (named keys: no verification either)", function()
      local ctx, err = ssl.newcontext { mode = "client", protocol = "any", verify = { peer = true } }
      assert.is_nil(ctx)
      assert.matches("verify must be a list of names", err, 1, true)
   end)
   it("refuses options with a hole", function()
      local ctx, err = ssl.newcontext { mode = "client", protocol = "any", verify = "peer",
         options = { nil, "no_ticket" } }
      assert.is_nil(ctx)
      assert.matches("options: entry 1 is nil", err, 1, true)
   end)
   it("still takes a whole verify list", function()
      assert(ssl.newcontext { mode = "client", protocol = "any", verify = { "peer", "fail_if_no_peer_cert" } })
   end)
end)

describe("lead19: tls.connect never plays the server", function()
   it("refuses a server context before anything is connected, as inside cqueues", function()
      local sctx = assert(tls.context { mode = "server", certificate = certs.get().leaf.ecdsa_p256.cert, key = certs.get().leaf.ecdsa_p256.key })
      -- Port 9 on loopback: the refusal must come before any connect.
      local conn, err = tls.connect("127.0.0.1", 9, sctx)
      assert.is_nil(conn)
      assert.matches("tls.connect needs a client context", err, 1, true)
   end)

   it("inside a cqueues coroutine too", function()
      local ok, cqueues = pcall(require, "cqueues")
      assert(ok, "lua-cqueues is a test dependency (scripts/deps.sh)")
      local sctx = assert(tls.context { mode = "server", certificate = certs.get().leaf.ecdsa_p256.cert, key = certs.get().leaf.ecdsa_p256.key })
      local conn, err
      local cq = cqueues.new()
      cq:wrap(function() conn, err = tls.connect("127.0.0.1", 9, sctx) end)
      assert(cq:loop())
      assert.is_nil(conn)
      assert.matches("tls.connect needs a client context", err, 1, true)
   end)
end)

describe("lead19: the LuaSec drop-in's SNI map never asks less of clients than the connection", function()
   local ssl = require "tls.luasec"
   local socket = require "socket"
   local leaf = certs.get().leaf.ecdsa_p256
   local function server_ctx(extra)
      local cfg = { mode = "server", protocol = "any", certificate = leaf.cert, key = leaf.key }
      for k, v in pairs(extra or {}) do cfg[k] = v end
      return assert(ssl.newcontext(cfg))
   end
   -- A connected socket's server end, wrapped (sni only records the map).
   local peers = {}
   local function server_conn(ctx)
      local listener = assert(socket.bind("127.0.0.1", 0))
      local ip, port = listener:getsockname()
      local client = assert(socket.connect(ip, port))
      local accepted = assert(listener:accept())
      listener:close()
      peers[#peers + 1] = client
      return assert(ssl.wrap(accepted, ctx))
   end
   after_each(function()
      for _, p in ipairs(peers) do p:close() end
      peers = {}
   end)
   local REQUIRED = { verify = { "peer", "fail_if_no_peer_cert" }, cafile = certs.get().ca }

   it("refuses a mapped context without the client certificate the connection's context requires", function()
      local conn = server_conn(server_ctx(REQUIRED))
      local ok, err = pcall(conn.sni, conn, { ["a.example"] = server_ctx() })
      assert.is_false(ok)
      assert.matches("a.example: its context verifies clients less than this connection's", err, 1, true)
      conn:close()
   end)

   it("refuses a mapped context allowing TLS 1.2 where the connection's allows only TLS 1.3", function()
      local conn = server_conn(server_ctx { protocol = "tlsv1_3" })
      local ok, err = pcall(conn.sni, conn, { ["a.example"] = server_ctx() })
      assert.is_false(ok)
      assert.matches("a.example: its context allows TLSv1.2 to TLSv1.3", err, 1, true)
      conn:close()
   end)

   it("takes mapped contexts as strict or stricter", function()
      local conn = server_conn(server_ctx())
      conn:sni({ ["a.example"] = server_ctx(REQUIRED), ["b.example"] = server_ctx { protocol = "tlsv1_3" } })
      conn:close()
      local strict = server_conn(server_ctx(REQUIRED))
      strict:sni({ ["a.example"] = server_ctx(REQUIRED) })
      strict:close()
   end)
end)

describe("lead19: the LuaSec drop-in ignores SSLKEYLOGFILE, as LuaSec does", function()
   local child = require "spec.support.luachild"
   local proc = require "spec.support.proc"
   local leaf = certs.get().leaf.ecdsa_p256
   local BODY = [[
local ssl = require "tls.luasec"
local socket = require "socket"
local sock = assert(socket.connect("127.0.0.1", port))
local conn = assert(ssl.wrap(sock, { mode = "client", protocol = "any", verify = "none" }))
assert(conn:dohandshake())
print("handshake done")
conn:close()
]]
   it("writes no key log from a drop-in client", function()
      local port, wait = child.tls_server(proc.read_file(leaf.cert), proc.read_file(leaf.key), "conn:handshake()")
      local path = os.tmpname()
      local ok, out = child.run(BODY, { port = port }, "SSLKEYLOGFILE=" .. proc.quote(path))
      wait()
      assert.is_true(ok, out)
      assert.truthy(out:find("handshake done", 1, true), out)
      assert.equal("", proc.read_file(path))
      os.remove(path)
   end)
end)

describe("lead19: tls.https's request fields never move it to another host", function()
   local https = require "tls.https"
   for _, case in ipairs {
      { query = "a=1@evil.example" },
      { fragment = "x@evil.example" },
      { params = "x@evil.example" },
      { path = "@evil.example/" },
      { port = "443@evil.example" },
   } do
      local field, value = next(case)
      it("refuses " .. field .. " = " .. value .. " before connecting", function()
         local reqt = { url = "https://127.0.0.1", user = "svc", password = "secret" }
         reqt[field] = value
         local body, err = https.request(reqt)
         assert.is_nil(body)
         assert.matches("do not make one URL with host '127.0.0.1'", err, 1, true)
      end)
   end
end)

describe("lead19: the LuaSec drop-in's cipher rules never widen the program's list", function()
   local ssl = require "tls.luasec"
   -- The TLS 1.2 suites a drop-in context ends up with, in OpenSSL's names.
   local function suites(ciphers)
      local ctx, err = ssl.newcontext { mode = "client", protocol = "tlsv1_2", verify = "none", ciphers = ciphers }
      if not ctx then return nil, err end
      return ctx.opts.ciphers
   end
   local ALL6 = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
      .. "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
   for _, case in ipairs {
      { "ECDHE-RSA-AES256-GCM-SHA384:!aNULL:!eNULL", "ECDHE-RSA-AES256-GCM-SHA384" },
      { "ECDHE-RSA-AES256-GCM-SHA384:@STRENGTH", "ECDHE-RSA-AES256-GCM-SHA384" },
      { "ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=2", "ECDHE-ECDSA-AES128-GCM-SHA256" },
      { "HIGH:!AES128:!CHACHA20", "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384" },
      { "HIGH:!ECDSA", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305" },
      { "ECDHE+AESGCM:!AES256", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256" },
      { "HIGH:!aNULL:!MD5", ALL6 },
      { "ALL:!ADH:@STRENGTH", ALL6 },
      { "AES128-GCM-SHA256:!ECDHE", "AES128-GCM-SHA256" },
   } do
      it(case[1] .. " gives " .. case[2], function()
         local got, err = suites(case[1])
         assert(got, err)
         assert.are.equal(case[2], type(got) == "table" and table.concat(got, ":") or got)
      end)
   end
   it("refuses a list whose rules leave none of ours", function()
      local got, err = suites("HIGH:!AESGCM:!CHACHA20")
      assert.is_nil(got)
      assert.matches("ciphers: none of the suites in", err, 1, true)
   end)
end)

describe("lead19: tls.https sends no proxy credentials to the server", function()
   it("refuses a Proxy-Authorization header (it went inside the tunnel, to the server)", function()
      local https = require "tls.https"
      local body, err = https.request { url = "https://127.0.0.1:9/", proxy = "http://127.0.0.1:9",
         headers = { ["Proxy-Authorization"] = "Basic c2VjcmV0" } }
      assert.is_nil(body)
      assert.matches("header 'Proxy-Authorization' would go to the server inside the TLS tunnel", err, 1, true)
   end)
end)

describe("lead19: ssl.https, a request inside another's sink", function()
   it("gives the outer request its own connection factory back for its later hops", function()
      local cqueues = require "cqueues"
      local lhttps = require "tls.luasec.https"
      local S = certs.selfsigned()
      local cq = cqueues.new()
      local function http_server(answer)
         local ctx = assert(tls.context { mode = "server", certificate = S.good.cert, key = S.good.key })
         local srv = assert(tls.listen("127.0.0.1", 0, ctx, { timeout = 5 }))
         local _, port = srv:getsockname()
         cq:wrap(function()
            local c = assert(srv:accept())
            c:settimeout(5)
            repeat local line = c:receive("*l") until not line or line == ""
            c:send(answer)
            c:close()
            srv:close()
         end)
         return port
      end
      local OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
      local outer_port, inner_port = http_server(OK), http_server(OK)
      local same_factory, inner_code
      cq:wrap(function()
         local function sink(chunk)
            if chunk and inner_code == nil then
               local _, code = lhttps.request { url = "https://localhost:" .. inner_port .. "/", cafile = S.ca }
               inner_code = code
               -- Inside a request, tcp() gives that request's factory (the same each time);
               -- outside any, a new one per call.
               same_factory = lhttps.tcp({}) == lhttps.tcp({})
            end
            return 1
         end
         assert(lhttps.request { url = "https://localhost:" .. outer_port .. "/", cafile = S.ca, sink = sink })
      end)
      assert(cq:loop(10))
      assert.are.equal(200, inner_code)
      assert.is_true(same_factory, "the outer request lost its factory when the inner one ended")
   end)
end)

describe("lead19: tls.https keeps passwords out of its messages", function()
   local https = require "tls.https"
   for _, case in ipairs {
      { { url = "http://svc:s3cret@127.0.0.1/" }, "refusing the plain http URL 'http://svc:***@127.0.0.1/'" },
      { { url = "ftp://svc:s3cret@127.0.0.1/" }, "in 'ftp://svc:***@127.0.0.1/'" },
      { { url = "https://svc:s3cret@127.0.0.1:99999/" }, "bad port '99999' in URL 'https://svc:***@127.0.0.1:99999/'" },
      { { url = "https://127.0.0.1/", proxy = "ftp://pu:s3cret@proxy:3128" }, "(got 'ftp://pu:***@proxy:3128')" },
   } do
      it("hides it in: " .. case[2], function()
         local body, err = https.request(case[1])
         assert.is_nil(body)
         assert.matches(case[2], err, 1, true)
         assert.is_nil(err:find("s3cret", 1, true), err)
      end)
   end
end)

describe("lead19: the LuaSec drop-in's certificate names keep escaped bytes apart", function()
   local ssl = require "tls.luasec"
   local proc = require "spec.support.proc"
   -- A self-signed certificate with this subject (openssl -subj syntax), as PEM text.
   local function cert_with_subject(subject)
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p " .. proc.quote(dir)))
      local ok = os.execute(string.format("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
         .. "-keyout %s/k -out %s/c -days 1 -utf8 -subj %s 2>/dev/null", dir, dir, proc.quote(subject)))
      assert(ok, "openssl req failed")
      local pem = proc.read_file(dir .. "/c")
      os.execute("rm -rf " .. proc.quote(dir))
      return assert(ssl.loadcertificate(pem))
   end
   local function cn(cert)
      for _, e in ipairs(cert:subject()) do if e.name == "commonName" then return e.value end end
   end

   it("reads a control byte escaped as \\01 as that byte, not as the text 01", function()
      assert.are.equal("admin\1", cn(cert_with_subject("/CN=admin\1")))
      assert.are.equal("admin01", cn(cert_with_subject("/CN=admin01")))
   end)
   it("still reads escaped specials and UTF-8", function()
      assert.are.equal("a,b", cn(cert_with_subject("/CN=a,b")))
      assert.are.equal("Müller", cn(cert_with_subject("/CN=Müller")))
   end)
end)

describe("lead19: a drop-in method that raises holds nothing", function()
   it("lets the connection be collected after receive({}) raised", function()
      local ssl = require "tls.luasec"
      local socket = require "socket"
      local listener = assert(socket.bind("127.0.0.1", 0))
      local ip, port = listener:getsockname()
      local client = assert(socket.connect(ip, port))
      local accepted = assert(listener:accept())
      listener:close()
      local weak = setmetatable({}, { __mode = "v" })
      do
         local conn = assert(ssl.wrap(client, { mode = "client", protocol = "any", verify = "none" }))
         weak[1] = conn
         local ok, err = pcall(conn.receive, conn, {})
         assert.is_false(ok)
         assert.matches("bad argument", tostring(err), 1, true)
         conn:close()
      end
      collectgarbage()
      collectgarbage()
      assert.is_nil(weak[1], "the drop-in kept the connection whose method raised")
      accepted:close()
   end)
end)

describe("lead19: tls.https keeps the request line whole", function()
   it("refuses a URL or path with a space before connecting", function()
      local https = require "tls.https"
      for _, reqt in ipairs {
         { url = "https://127.0.0.1/a b" },
         { url = "https://127.0.0.1/", path = "/x HTTP/1.0" },
      } do
         local body, err = https.request(reqt)
         assert.is_nil(body)
         assert.matches("refusing a URL with a space", err, 1, true)
      end
   end)
end)
