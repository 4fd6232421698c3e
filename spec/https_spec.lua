-- tls.https.request (lua/tls/https.lua): LuaSocket's http.request over
-- luatls, against Python's http.server in ssl (spec/support/https_server.py),
-- our own tls.listen (spec/support/https_luatls_server.lua) and
-- `openssl s_server -WWW`, all on 127.0.0.1.
local tls = require "tls"
local https = require "tls.https"
local ltn12 = require "ltn12"
local socket = require "socket"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local c = certs.get()
local m = certs.clients()
local leaf = c.leaf.ecdsa_p256

-- A python https_server.py (client_ca: require client certificates from it).
local function python_server(cert, key, client_ca)
  local h = proc.spawn(string.format("%s spec/support/https_server.py %s %s %s", peers.python(),
    proc.quote(cert), proc.quote(key), client_ca and proc.quote(client_ca) or ""), { timeout = 600 })
  return h, tonumber(proc.wait_output(h, "ready (%d+)"))
end

-- Our https_luatls_server.lua (alpn: the server's list, "none" for none).
local function luatls_server(cert, key, alpn, host)
  local h = proc.spawn(string.format("%s %s spec/support/https_luatls_server.lua %s %s %s %s", proc.lua_env(),
    proc.lua(), proc.quote(cert), proc.quote(key), alpn or "http/1.1", host or ""), { ours = true, timeout = 600 })
  return h, tonumber(proc.wait_output(h, "ready (%d+)"))
end

-- A generic request whose body lands in a table: body, code, headers, status | nil, err.
local function get(reqt)
  local t = {}
  reqt.sink = reqt.sink or ltn12.sink.table(t)
  local ok, code, headers, status = https.request(reqt)
  if not ok then return nil, code end
  return table.concat(t), code, headers, status
end

describe("tls.https against Python's http.server in ssl", function()
  local srv, port, base
  setup(function()
    srv, port = python_server(leaf.cert, leaf.key)
    base = "https://localhost:" .. port
  end)
  teardown(function() srv:kill() end)

  it("GET in the generic form fills the sink and returns 1, code, headers, status", function()
    local t = {}
    local ok, code, headers, status = https.request { url = base .. "/hello", sink = ltn12.sink.table(t), ca = c.ca }
    assert.equal(1, ok)
    assert.equal(200, code)
    assert.equal("HTTP/1.1 200 OK", status)
    assert.equal("python", headers["x-server"])
    assert.equal("17", headers["content-length"])
    assert.equal("hello from python", table.concat(t))
  end)

  it("GET into a file sink", function()
    local path = os.tmpname()
    local ok, code = https.request { url = base .. "/hello", sink = ltn12.sink.file(assert(io.open(path, "wb"))),
      ca = c.ca }
    assert.equal(1, ok)
    assert.equal(200, code)
    assert.equal("hello from python", proc.read_file(path))
    os.remove(path)
  end)

  it("is tls.https too", function()
    assert.equal(https, tls.https)
    assert.equal("hello from python", (get { url = base .. "/hello", ca = c.ca }))
  end)

  it("the simple form GETs and POSTs, verifying against the system store (SSL_CERT_FILE)", function()
    local script = os.tmpname()
    proc.write_file(script, ([[
local tls = require "tls"
local body, code, headers, status = tls.https.request(%q)
print("get", body, code, headers["content-type"], status)
body, code = tls.https.request(%q, "a=1&b=2")
print("post", code)
print(body)
]]):format(base .. "/hello", base .. "/echo"))
    local out = proc.run(string.format("SSL_CERT_FILE=%s %s %s %s", proc.quote(c.ca), proc.lua_env(), proc.lua(),
      proc.quote(script)), nil, nil, { ours = true })
    os.remove(script)
    assert.matches("get\thello from python\t200\ttext/plain\tHTTP/1.1 200 OK\n", out, 1, true)
    assert.matches("post\t200\nmethod=POST\npath=/echo\n", out, 1, true)
    assert.matches("header content-type=application/x-www-form-urlencoded\n", out, 1, true)
    assert.matches("header content-length=7\n", out, 1, true)
    assert.matches("body=a=1&b=2", out, 1, true)
  end)

  it("the simple form without the test CA fails verification with nil, message", function()
    local body, err = https.request(base .. "/hello")
    assert.is_nil(body)
    assert.equal("unknown certificate authority (issuer: CN=luatls test root CA)", err)
  end)

  it("POSTs a source with a content-length", function()
    local body, code = get { url = base .. "/echo", method = "POST", ca = c.ca,
      source = ltn12.source.string("x=42"), headers = { ["content-length"] = 4, ["X-Test"] = "yes" } }
    assert.equal(200, code)
    assert.matches("method=POST\n", body, 1, true)
    assert.matches("header content-length=4\n", body, 1, true)
    assert.matches("header x-test=yes\n", body, 1, true)
    assert.matches("body=x=42$", body)
  end)

  it("PUTs a source of unknown length chunked", function()
    local body, code = get { url = base .. "/echo", method = "PUT", ca = c.ca,
      source = ltn12.source.table { "one,", "two,", "three" } }
    assert.equal(200, code)
    assert.matches("method=PUT\n", body, 1, true)
    assert.matches("header transfer-encoding=chunked\n", body, 1, true)
    assert.matches("body=one,two,three$", body)
  end)

  it("sends LuaSocket's default headers, the user's over them, and never the fragment", function()
    local body = get { url = base .. "/echo?q=1#frag", ca = c.ca, headers = { ["User-Agent"] = "spec" } }
    assert.matches("path=/echo?q=1\n", body, 1, true)
    assert.matches("header user-agent=spec\n", body, 1, true)
    assert.matches("header host=localhost:" .. port .. "\n", body, 1, true)
    assert.matches("header connection=close, TE\n", body, 1, true)
  end)

  it("refuses a CR or LF in a header value or the URL, which would add headers of the input's choosing", function()
    local body, err = get { url = base .. "/echo", ca = c.ca, headers = { ["X-A"] = "a\r\nX-Injected: yes" } }
    assert.is_nil(body)
    assert.equal("tls.https: header 'X-A' has a control character (CR, LF, NUL, ...) in its value", err)
    body, err = get { url = base .. "/echo", ca = c.ca, headers = { ["X-A\r\nX-Injected"] = "yes" } }
    assert.is_nil(body)
    assert.equal("tls.https: header name 'X-A\\13\\10X-Injected' is not an HTTP token", err)
    body, err = get { url = base .. "/echo?q=1 HTTP/1.1\r\nX-Injected: yes\r\nX-Pad: z", ca = c.ca }
    assert.is_nil(body)
    assert.equal("tls.https: refusing a URL with a control character (CR, LF, NUL, ...): '" .. base
      .. "/echo?q=1 HTTP/1.1\\13\\10X-Injected: yes\\13\\10X-Pad: z'", err)
    -- A tab inside a value is allowed (rfc9110#5.5), and a number is sent as such.
    body = assert(get { url = base .. "/echo", ca = c.ca, headers = { ["X-A"] = "a\tb", ["X-N"] = 7 } })
    assert.matches("header x-a=a\tb\n", body, 1, true)
    assert.matches("header x-n=7\n", body, 1, true)
  end)

  it("HEAD returns the headers and no body", function()
    local body, code, headers = get { url = base .. "/hello", method = "HEAD", ca = c.ca }
    assert.equal(200, code)
    assert.equal("17", headers["content-length"])
    assert.equal("", body)
  end)

  it("reads a chunked response", function()
    local body, code, headers = get { url = base .. "/chunked", ca = c.ca }
    assert.equal(200, code)
    assert.equal("chunked", headers["transfer-encoding"])
    assert.equal("first,second,third", body)
  end)

  it("negotiates ALPN http/1.1", function()
    assert.equal("http/1.1", (get { url = base .. "/alpn", ca = c.ca }))
  end)

  it("follows redirects https to https on the same server, and says where it was sent", function()
    local body, code, headers = get { url = base .. "/hops/3", ca = c.ca }
    assert.equal("arrived", body)
    assert.equal(200, code)
    assert.equal(base .. "/hops/0", headers.location)
  end)

  it("says where it was sent without the URL's user and password (review39e F3)", function()
    local with_user = base:gsub("^https://", "https://alice:s3cret@")
    local body, code, headers = get { url = with_user .. "/hops/1", ca = c.ca }
    assert.equal("arrived", body)
    assert.equal(200, code)
    assert.equal(base .. "/hops/0", headers.location)
  end)

  it("follows 5 redirects and no more", function()
    assert.equal("arrived", (get { url = base .. "/hops/5", ca = c.ca }))
    local t = {}
    local ok, err = https.request { url = base .. "/hops/6", ca = c.ca, sink = ltn12.sink.table(t) }
    assert.is_nil(ok)
    assert.equal("tls.https: too many redirects: more than 5 (the last from '" .. base .. "/hops/1' to '"
      .. base .. "/hops/0')", err)
    assert.equal("", table.concat(t))
  end)

  it("maxredirects lowers the limit", function()
    local ok, err = get { url = base .. "/hops/2", ca = c.ca, maxredirects = 1 }
    assert.is_nil(ok)
    assert.matches("^tls%.https: too many redirects: more than 1 ", err)
  end)

  it("stops a redirect loop", function()
    local ok, err = get { url = base .. "/loop", ca = c.ca }
    assert.is_nil(ok)
    assert.equal("tls.https: too many redirects: more than 5 (the last from '" .. base .. "/loop' to '"
      .. base .. "/loop')", err)
  end)

  it("with redirect = false returns the redirect itself", function()
    local body, code, headers = get { url = base .. "/hops/1", ca = c.ca, redirect = false }
    assert.equal(302, code)
    assert.equal("/hops/0", headers.location)
    assert.equal("hop", body)
  end)

  it("refuses a redirect from https to http with an error, the sink untouched", function()
    local t = {}
    local to = "http://localhost:" .. port .. "/hello"
    local ok, err = https.request { url = base .. "/redirect?to=" .. to, ca = c.ca, sink = ltn12.sink.table(t) }
    assert.is_nil(ok)
    assert.equal("tls.https: refusing to follow a redirect from https to http:// ('" .. base .. "/redirect?to="
      .. to .. "' answered 302 with location '" .. to .. "')", err)
    assert.equal("", table.concat(t))
  end)

  it("keeps Authorization on the same host and drops it on another", function()
    local same = get { url = base .. "/redirect?to=/echo", ca = c.ca, headers = { authorization = "Bearer s3cret" } }
    assert.matches("header authorization=Bearer s3cret\n", same, 1, true)
    local other = get { url = base .. "/redirect?to=https://127.0.0.1:" .. port .. "/echo", ca = c.ca,
      headers = { authorization = "Bearer s3cret" } }
    assert.matches("header host=127.0.0.1:" .. port .. "\n", other, 1, true)
    assert.not_matches("authorization", other, 1, true)
  end)

  it("drops Cookie and Proxy-Authorization on a redirect to another host", function()
    local h = { Cookie = "sid=s3cret", ["Proxy-Authorization"] = "Basic cHJveHk6cHc=" }
    local same = get { url = base .. "/redirect?to=/echo", ca = c.ca, headers = h }
    assert.matches("header cookie=sid=s3cret\n", same, 1, true)
    assert.matches("header proxy-authorization=Basic cHJveHk6cHc=\n", same, 1, true)
    local other = get { url = base .. "/redirect?to=https://127.0.0.1:" .. port .. "/echo", ca = c.ca, headers = h }
    assert.matches("header host=127.0.0.1:" .. port .. "\n", other, 1, true)
    assert.not_matches("cookie", other, 1, true)
    assert.not_matches("proxy-authorization", other, 1, true)
  end)

  it("sends Basic credentials from the URL", function()
    local body = get { url = "https://alice:pw@localhost:" .. port .. "/echo", ca = c.ca }
    assert.matches("header authorization=Basic YWxpY2U6cHc=\n", body, 1, true)
  end)

  it("times out with LuaSocket's word when the server never answers the request", function()
    local ok, err = get { url = base .. "/hang", ca = c.ca, timeout = 0.5 }
    assert.is_nil(ok)
    assert.equal("timeout", err)
  end)

  it("takes a ready context", function()
    local ctx = assert(tls.context { ca = c.ca, alpn = "http/1.1" })
    assert.equal("hello from python", (get { url = base .. "/hello", context = ctx }))
  end)
end)

describe("tls.https with client certificates (Python requiring them)", function()
  local srv, port
  setup(function() srv, port = python_server(leaf.cert, leaf.key, m.ca) end)
  teardown(function() srv:kill() end)

  it("sends the certificate and key given", function()
    local body, code = get { url = "https://localhost:" .. port .. "/whoami", ca = c.ca,
      certificate = m.ecdsa.cert, key = m.ecdsa.key }
    assert.equal(200, code)
    assert.equal("luatls client", body)
  end)

  it("takes the password of an encrypted key", function()
    local kf = os.tmpname()
    local out, code = proc.run(string.format("openssl pkey -in %s -aes256 -passout pass:s3cret -out %s",
      proc.quote(m.ecdsa.key), proc.quote(kf)))
    assert.equal(0, code, out)
    local body = get { url = "https://localhost:" .. port .. "/whoami", ca = c.ca,
      certificate = m.ecdsa.cert, key = kf, password = "s3cret" }
    os.remove(kf)
    assert.equal("luatls client", body)
  end)

  -- In TLS 1.2 the refusal comes inside the handshake. (In TLS 1.3 it comes
  -- after our Finished, and may reach us as a reset of our request: "closed".)
  it("fails without one, with the server's alert in words", function()
    local ok, err = get { url = "https://localhost:" .. port .. "/whoami", ca = c.ca, max_version = "TLSv1.2" }
    assert.is_nil(ok)
    assert.equal("peer sent alert handshake_failure (40): most likely because the server asked for a client certificate, and this context has none (give it certificate and key)", err)
  end)
end)

describe("tls.https against our own tls.listen server", function()
  after_each(proc.kill_all)

  it("offers ALPN http/1.1 and SNI the URL's host, which the server records", function()
    local h, port = luatls_server(leaf.cert, leaf.key)
    local body, code = get { url = "https://localhost:" .. port .. "/x", ca = c.ca }
    assert.equal(200, code)
    assert.matches("^alpn=http/1.1\nsni=localhost\nGET /x HTTP/1.1\n", body)
    proc.wait_output(h, "served alpn=http/1.1 sni=localhost")
  end)

  it("works with a server that speaks no ALPN", function()
    local _, port = luatls_server(leaf.cert, leaf.key, "none")
    local body = get { url = "https://localhost:" .. port .. "/", ca = c.ca }
    assert.matches("^alpn=nil\n", body)
  end)

  it("reaches an IPv6 address, verified against the certificate's IP addresses", function()
    local _, port = luatls_server(leaf.cert, leaf.key, "http/1.1", "::1")
    local body, code = get { url = "https://[::1]:" .. port .. "/v6", ca = c.ca }
    assert.equal(200, code)
    assert.matches("\nsni=nil\nGET /v6 HTTP/1.1\n", body, 1, true)
    assert.matches("\nHost: [::1]:" .. port .. "\n", body, 1, true)
  end)

  it("refuses a server that chose another protocol than http/1.1 from the client's alpn", function()
    local _, port = luatls_server(leaf.cert, leaf.key, "h2")
    local ok, err = get { url = "https://localhost:" .. port .. "/", ca = c.ca, alpn = { "h2", "http/1.1" } }
    assert.is_nil(ok)
    assert.equal("the server chose ALPN protocol 'h2'; this client speaks only http/1.1", err)
  end)

  it("refuses a certificate for another host, naming both", function()
    local _, port = luatls_server(c.wronghost.cert, c.wronghost.key)
    local ok, err = get { url = "https://localhost:" .. port .. "/", ca = c.ca }
    assert.is_nil(ok)
    assert.equal("host name mismatch: expected localhost, certificate is for wrong.example", err)
  end)

  it("checks the URL's host, never the Host header", function()
    local _, port = luatls_server(c.wronghost.cert, c.wronghost.key)
    local ok, err = get { url = "https://localhost:" .. port .. "/", ca = c.ca, headers = { Host = "wrong.example" } }
    assert.is_nil(ok)
    assert.equal("host name mismatch: expected localhost, certificate is for wrong.example", err)
    local _, good = luatls_server(leaf.cert, leaf.key)
    local body = get { url = "https://localhost:" .. good .. "/", ca = c.ca, headers = { Host = "wrong.example" } }
    assert.matches("\nsni=localhost\n", body, 1, true)
    assert.matches("\nHost: wrong.example\n", body, 1, true)
  end)

  it("servername names the server to verify at an IP address", function()
    local _, port = luatls_server(c.wronghost.cert, c.wronghost.key)
    local body = get { url = "https://127.0.0.1:" .. port .. "/", ca = c.ca, servername = "wrong.example" }
    assert.matches("\nsni=wrong.example\n", body, 1, true)
    assert.matches("\nHost: 127.0.0.1:" .. port .. "\n", body, 1, true)
  end)

  it("refuses a server whose CA it does not trust", function()
    local _, port = luatls_server(c.untrusted.cert, c.untrusted.key)
    local ok, err = get { url = "https://localhost:" .. port .. "/", ca = c.ca }
    assert.is_nil(ok)
    assert.equal("unknown certificate authority (issuer: CN=luatls untrusted CA)", err)
  end)

  it("verifies by default: a self-signed server fails, and works with verify = false", function()
    local cert, key = tls.selfsigned { names = { "localhost" } }
    local cf, kf = os.tmpname(), os.tmpname()
    proc.write_file(cf, cert)
    proc.write_file(kf, key)
    local _, port = luatls_server(cf, kf)
    local ok, err = get { url = "https://localhost:" .. port .. "/" }
    assert.is_nil(ok)
    assert.equal("self-signed certificate is not trusted (subject: CN=localhost)", err)
    local body, code = get { url = "https://localhost:" .. port .. "/", verify = false }
    assert.equal(200, code)
    assert.matches("^alpn=http/1.1\n", body)
    -- and the certificate itself trusted as a custom ca (PEM text)
    assert.equal(200, select(2, get { url = "https://localhost:" .. port .. "/", ca = cert }))
    os.remove(cf)
    os.remove(kf)
  end)

  it("verifies each redirect hop against its own host", function()
    local py, pport = python_server(leaf.cert, leaf.key)
    local _, wrong = luatls_server(c.wronghost.cert, c.wronghost.key)
    local ok, err = get { url = "https://localhost:" .. pport .. "/redirect?to=https://localhost:" .. wrong .. "/",
      ca = c.ca }
    assert.is_nil(ok)
    assert.equal("host name mismatch: expected localhost, certificate is for wrong.example", err)
    local _, good = luatls_server(leaf.cert, leaf.key)
    local body, code, headers = get { url = "https://localhost:" .. pport .. "/redirect?to=https://127.0.0.1:" .. good
      .. "/there", ca = c.ca }
    assert.equal(200, code)
    assert.matches("\nsni=nil\nGET /there HTTP/1.1\n", body, 1, true)
    assert.equal("https://127.0.0.1:" .. good .. "/there", headers.location)
    py:kill()
  end)

  it("servername applies to the first host only, not to a redirect elsewhere", function()
    local py, pport = python_server(c.wronghost.cert, c.wronghost.key)
    local _, good = luatls_server(leaf.cert, leaf.key)
    local body, code = get { url = "https://127.0.0.1:" .. pport .. "/redirect?to=https://localhost:" .. good .. "/",
      ca = c.ca, servername = "wrong.example" }
    assert.equal(200, code)
    assert.matches("\nsni=localhost\n", body, 1, true)
    py:kill()
  end)
end)

describe("tls.https through an HTTP CONNECT proxy", function()
  local srv, port, proxy, pport
  local http = require "socket.http"
  setup(function()
    srv, port = python_server(leaf.cert, leaf.key)
    proxy = proc.spawn(peers.python() .. " spec/support/connect_proxy.py", { timeout = 600 })
    pport = tonumber(proc.wait_output(proxy, "ready (%d+)"))
  end)
  teardown(function()
    srv:kill()
    proxy:kill()
  end)

  it("tunnels to the server, which sees an ordinary request", function()
    local body, code = get { url = "https://localhost:" .. port .. "/echo", ca = c.ca,
      proxy = "http://127.0.0.1:" .. pport }
    assert.equal(200, code)
    assert.matches("method=GET\npath=/echo\n", body, 1, true)
    proc.wait_output(proxy, "connect localhost:" .. port .. " auth=none")
  end)

  it("gives the proxy its credentials on CONNECT only", function()
    local body = get { url = "https://localhost:" .. port .. "/echo", ca = c.ca,
      proxy = "http://bob:pw@127.0.0.1:" .. pport }
    proc.wait_output(proxy, "connect localhost:" .. port .. " auth=Basic Ym9iOnB3")
    assert.not_matches("proxy-authorization", body, 1, true)
    assert.not_matches("Ym9iOnB3", body, 1, true)
  end)

  it("honours socket.http.PROXY, as socket.http does", function()
    http.PROXY = "http://127.0.0.1:" .. pport
    local ok, body = pcall(get, { url = "https://127.0.0.1:" .. port .. "/hello", ca = c.ca })
    http.PROXY = nil
    assert(ok, body)
    assert.equal("hello from python", body)
    proc.wait_output(proxy, "connect 127.0.0.1:" .. port .. " auth=none")
  end)

  it("verifies the server at the end of the tunnel", function()
    local wrong_srv, wrong = luatls_server(c.wronghost.cert, c.wronghost.key)
    local ok, err = get { url = "https://localhost:" .. wrong .. "/", ca = c.ca, proxy = "http://127.0.0.1:" .. pport }
    wrong_srv:kill()
    assert.is_nil(ok)
    assert.equal("host name mismatch: expected localhost, certificate is for wrong.example", err)
  end)

  it("reports a proxy that refuses the tunnel", function()
    local deny = proc.spawn(peers.python() .. " spec/support/connect_proxy.py deny", { timeout = 600 })
    local dport = tonumber(proc.wait_output(deny, "ready (%d+)"))
    local ok, err = get { url = "https://localhost:" .. port .. "/", ca = c.ca, proxy = "http://127.0.0.1:" .. dport }
    deny:kill()
    assert.is_nil(ok)
    assert.equal("the proxy 127.0.0.1:" .. dport .. " refused to connect to localhost:" .. port
      .. ": HTTP/1.1 403 Forbidden", err)
  end)
end)

describe("tls.https against openssl s_server -WWW", function()
  local dir, srv, port
  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. proc.quote(dir)))
    proc.write_file(dir .. "/file.txt", "file contents\n")
    port = proc.free_port()
    srv = proc.spawn(string.format("cd %s && exec openssl s_server -accept 127.0.0.1:%d -cert %s -key %s -WWW "
      .. "-alpn http/1.1", proc.quote(dir), port, proc.quote(leaf.cert), proc.quote(leaf.key)), { timeout = 600 })
    proc.wait_port("127.0.0.1", port, 10, srv)
  end)
  teardown(function()
    srv:kill()
    os.remove(dir .. "/file.txt")
    os.remove(dir)
  end)

  it("GETs a file (an HTTP/1.0 answer read until close)", function()
    local body, code, headers, status = get { url = "https://localhost:" .. port .. "/file.txt", ca = c.ca }
    assert.equal("file contents\n", body)
    assert.equal(200, code)
    assert.equal("HTTP/1.0 200 ok", status)
    assert.equal("text/plain", headers["content-type"])
  end)

  it("is reached by a redirect from another https server", function()
    local py, pport = python_server(leaf.cert, leaf.key)
    local body, code = get { url = "https://localhost:" .. pport .. "/redirect?to=https://localhost:" .. port
      .. "/file.txt", ca = c.ca }
    assert.equal(200, code)
    assert.equal("file contents\n", body)
    py:kill()
  end)
end)

describe("tls.https refusals", function()
  it("refuses http:// URLs", function()
    local ok, err = https.request("http://localhost:1/")
    assert.is_nil(ok)
    assert.equal("tls.https: refusing the plain http URL 'http://localhost:1/': tls.https speaks only https "
      .. "(use socket.http for http)", err)
    ok, err = https.request { url = "ftp://localhost/x" }
    assert.equal("tls.https: unsupported scheme 'ftp' in 'ftp://localhost/x' (only https)", err)
  end)

  it("refuses create, unknown options, a context with context options, a proxy not http://", function()
    local _, err = https.request { url = "https://localhost/", proxy = "https://proxy:3128" }
    assert.equal("tls.https: option 'proxy' must be an http:// proxy URL such as 'http://proxy:3128' "
      .. "(got 'https://proxy:3128')", err)
    _, err = https.request { url = "https://localhost/", create = socket.tcp }
    assert.equal("tls.https: option 'create' is not allowed: tls.https makes its own TLS connections", err)
    _, err = https.request { url = "https://localhost/", verfy = false }
    assert.equal("tls.https: unknown option 'verfy'", err)
    _, err = https.request { url = "https://localhost/", context = assert(tls.context {}), ca = c.ca }
    assert.equal("tls.https: give either option 'context' or context options such as 'ca', not both", err)
    _, err = https.request { url = "https://localhost/", timeout = "soon" }
    assert.equal("tls.https: option 'timeout' must be a number of seconds > 0 or false (got string)", err)
    _, err = https.request { url = "https://localhost/", ca = "/nonexistent/ca.pem" }
    assert.matches("^tls%.https: ca: ", err)
  end)

  it("times out with LuaSocket's word when the server never answers the handshake", function()
    local listener = assert(socket.bind("127.0.0.1", 0))  -- never accepts: the kernel completes TCP
    local _, port = listener:getsockname()
    local ok, err = get { url = "https://localhost:" .. port .. "/", ca = c.ca, timeout = 0.5 }
    listener:close()
    assert.is_nil(ok)
    assert.equal("timeout", err)
  end)

  it("reports a refused connection", function()
    local port = proc.free_port()
    local ok, err = get { url = "https://localhost:" .. port .. "/", ca = c.ca, timeout = 5 }
    assert.is_nil(ok)
    assert.equal("connection refused", err)
  end)

  it("raises on programming mistakes", function()
    assert.has_error(function() https.request(42) end,
      "bad argument #1 to 'tls.https.request' (URL or table expected, got number)")
  end)
end)
