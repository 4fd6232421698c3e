-- "Client errors a person can act on" (issue 7): what a client says against
-- a peer that is not TLS, a server that refuses our ClientHello, a server
-- that never answers; and the small mismatches between README and reality.
local tls = require "tls"
local core = require "tls.core"
local socket = require "socket"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local child = require "spec.support.luachild"

local c = certs.get()

local function client_ctx(extra)
  local o = { ca = c.ca }
  for k, v in pairs(extra or {}) do o[k] = v end
  return assert(tls.context(o))
end

describe("a client against a peer that does not speak TLS", function()
  it("says so, and that it looks like HTTP when it answers HTTP/", function()
    local port, reap = child.tcp_server [[
      c:receive(5)
      c:send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    ]]
    local conn, err = tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 10 })
    assert.is_nil(conn)
    assert.equal('the peer did not answer with TLS (it sent "HTTP/..."): it looks like an HTTP server '
      .. "(plain HTTP on this port, not HTTPS)", err)
    assert.equal("", reap())
  end)

  it("shows other printable first bytes, and the record type of binary ones", function()
    for bytes, msg in pairs {
      ["SSH-2.0-OpenSSH_9.2\r\n"] = 'the peer did not answer with TLS (it sent "SSH-2...")',
      ["\1\2\3\4\5\6"] = "the peer did not answer with TLS (unknown record type 1)",
    } do
      local e = assert(tls.engine(client_ctx(), { servername = "localhost" }))
      assert(e:start())
      local ok, err = e:feed(bytes)
      assert.is_nil(ok)
      assert.equal(msg, err)
      assert.equal("unexpected_message", select(2, e:error()))
    end
  end)

  it("a server says when a client sends plain HTTP", function()
    local cert, key = assert(tls.selfsigned { names = { "localhost" } })
    local s = assert(tls.engine(assert(tls.context { mode = "server", certificate = cert, key = key })))
    local ok, err = s:feed("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert.is_nil(ok)
    assert.equal('the peer did not speak TLS (it sent "GET /..."): it looks like an HTTP request '
      .. "(plain HTTP sent to a TLS port)", err)
  end)
end)

describe("a client refused by the server", function()
  after_each(proc.kill_all)

  it("explains protocol_version from a TLS 1.2-only server to a TLS 1.3-only client", function()
    local h, port = peers.s_server(("-tls1_2 -rev -cert %s -key %s"):format(
      c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key))
    local conn, err = tls.connect("127.0.0.1", port, client_ctx { min_version = "TLSv1.3" },
      { servername = "localhost", timeout = 10 })
    assert.is_nil(conn)
    assert.equal("peer sent alert protocol_version (70): the server does not support TLS 1.3, "
      .. "the only version we offer (min_version or the ciphers leave out TLS 1.2; it may speak TLS 1.2)", err)
    assert.truthy(proc.wait_output(h, "unsupported protocol", 5))
  end)

  it("explains handshake_failure when nothing is in common", function()
    local _, port = peers.s_server(("-tls1_3 -rev -ciphersuites TLS_AES_256_GCM_SHA384 -cert %s -key %s"):format(
      c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key))
    local conn, err = tls.connect("127.0.0.1", port, client_ctx { ciphers = "TLS_AES_128_GCM_SHA256" },
      { servername = "localhost", timeout = 10 })
    assert.is_nil(conn)
    assert.equal("peer sent alert handshake_failure (40): the server found no cipher suite, group or "
      .. "signature algorithm in common with ours", err)
  end)
end)

describe("tls.connect's timeout", function()
  -- What tls.connect hands to the C layer: (.., handshake timeout, timeout).
  local function timeouts(opts)
    local seen
    local connect = core.connect
    core.connect = function(_, _, _, _, hs, io) seen = { hs, io }; return nil, "stop" end
    local ok, a, b = pcall(tls.connect, "127.0.0.1", 1, client_ctx(), opts)
    core.connect = connect
    assert(ok, a)
    return seen, a, b
  end

  it("is 60 seconds for the connect and the handshake by default, and none afterwards", function()
    assert.same({ 60, -1 }, timeouts(nil))
    assert.same({ 60, -1 }, timeouts { servername = "localhost" })
  end)

  it("can be turned off with false, or set for everything", function()
    assert.same({ -1, -1 }, timeouts { timeout = false })
    assert.same({ 2.5, 2.5 }, timeouts { timeout = 2.5 })
  end)

  it("must be a number or false", function()
    local seen, conn, err = timeouts { timeout = "soon" }
    assert.is_nil(seen)
    assert.is_nil(conn)
    assert.equal("tls.connect: option 'timeout' must be a number of seconds or false (got string)", err)
  end)
end)

describe("small mismatches", function()
  it("README's example error is the real one", function()
    local readme = proc.read_file("README.md")
    local example = readme:match('Errors are returned as `nil, message`.-%(`"([^"]+)"`%)')
    assert.truthy(example, "README example not found")
    local cert, key = assert(tls.selfsigned { names = { "a.example" } })
    local s = assert(tls.engine(assert(tls.context { mode = "server", certificate = cert, key = key })))
    local e = assert(tls.engine(assert(tls.context { ca = cert }), { servername = "example.org" }))
    assert(e:start())
    assert(s:feed(e:output()))
    e:feed(s:output())
    assert.equal(example, (e:error()))
  end)

  it("a dropped handshake says 1 second, not 1 seconds", function()
    local cert, key = assert(tls.selfsigned { names = { "localhost" } })
    local server = assert(tls.listen("127.0.0.1", 0, { mode = "server", certificate = cert, key = key },
      { timeout = 5, handshake_timeout = 1 }))
    local _, port = server:getsockname()
    local silent = assert(socket.connect("127.0.0.1", port))
    local conn = assert(server:accept())
    local ok, err = conn:handshake()
    assert.is_nil(ok)
    assert.equal("handshake not completed within 1 second: connection dropped", err)
    silent:close()
    server:close()
  end)
end)
