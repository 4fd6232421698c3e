-- luatls inside cqueues (lua/tls/loop.lua): connections and servers are
-- pollable, and the blocking-style calls yield to the controller instead of
-- blocking, honouring the connection's timeout. Servers and clients here
-- mostly run in ONE controller of this process, so a call that blocked the
-- thread would stall its peer: the test would then fail with a timeout, not
-- pass by luck.
local tls = require "tls"
local cqueues = require "cqueues"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local c = certs.get()

local function server_ctx()
  return assert(tls.context { mode = "server", certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key })
end

local function client_ctx()
  return assert(tls.context { ca = c.ca })
end

-- Runs the controller until it is empty; an error in a coroutine fails the test.
local function run(cq, limit)
  local ok, err = cq:loop(limit or 60)
  assert(ok, err)
  assert.is_true(cq:empty(), "the controller still has work after " .. (limit or 60) .. " s")
end

-- A server coroutine that accepts `n` connections and runs handler(conn)
-- for each in its own coroutine; returns the port.
local function serve(cq, n, handler, opts)
  local server = assert(tls.listen("127.0.0.1", 0, server_ctx(), opts or { timeout = 30 }))
  local _, port = server:getsockname()
  cq:wrap(function()
    for _ = 1, n do
      local conn = assert(server:accept())
      cq:wrap(function() handler(conn) end)
    end
    server:close()
  end)
  return port
end

after_each(proc.kill_all)

describe("cqueues", function()
  it("serves and connects in one controller: 20 clients interleaved, each a handshake, a line and a reply", function()
    local cq = cqueues.new()
    local order = {}
    local port = serve(cq, 20, function(conn)
      conn:settimeout(10)
      local line, err = conn:receive("*l")
      assert(line, err)
      order[#order + 1] = "request " .. line
      assert(conn:send("reply to " .. line .. "\n"))
      conn:close()
    end)
    local replies = {}
    for i = 1, 20 do
      cq:wrap(function()
        local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 10 }))
        assert(conn:send("client " .. i .. "\n"))
        replies[i] = assert(conn:receive("*l"))
        conn:close()
      end)
    end
    run(cq)
    for i = 1, 20 do assert.equal("reply to client " .. i, replies[i]) end
    assert.equal(20, #order)
  end)

  it("ten connections are open on the server at once before any handshake completes", function()
    -- Each server handler waits (on a condition) until all 10 clients are
    -- accepted; an accept or a connect that blocked the thread would hold
    -- it before the others could start.
    local condition = require "cqueues.condition"
    local cq = cqueues.new()
    local started, cond = 0, condition.new()
    local results = {}
    local port = serve(cq, 10, function(conn)
      started = started + 1
      if started == 10 then cond:signal() end
      while started < 10 do cond:wait(10) end
      conn:settimeout(10)
      local line = assert(conn:receive("*l"))
      assert(conn:send(line .. " after " .. started .. "\n"))
      conn:close()
    end)
    for i = 1, 10 do
      cq:wrap(function()
        local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { timeout = 10 }))
        assert(conn:send("n" .. i .. "\n"))
        results[i] = conn:receive("*l")
        conn:close()
      end)
    end
    run(cq)
    for i = 1, 10 do assert.equal("n" .. i .. " after 10", results[i]) end
  end)

  it("a megabyte each way goes through the partial sends and receives", function()
    local cq = cqueues.new()
    local blob = {}
    for i = 1, 65536 do blob[i] = string.char(i % 251, (i * 7) % 256, 10, 65 + i % 26) end
    blob = table.concat(blob):rep(4)
    local got_server
    local port = serve(cq, 1, function(conn)
      conn:settimeout(20)
      got_server = assert(conn:receive(#blob))
      assert.equal(#blob, conn:send(blob))
      conn:close()
    end)
    local got_client
    cq:wrap(function()
      local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { timeout = 20 }))
      -- Sent while the server also sends: neither side may wait for the other.
      assert.equal(#blob, conn:send(blob))
      got_client = assert(conn:receive(#blob))
      conn:close()
    end)
    run(cq)
    assert.equal(#blob, #got_server)
    assert.is_true(got_server == blob, "the server received other bytes")
    assert.is_true(got_client == blob, "the client received other bytes")
  end)

  it("receive honours the connection's timeout and returns nil, 'timeout', partial while the loop goes on", function()
    local cq = cqueues.new()
    local release = require("cqueues.condition").new()
    local result, ticks = nil, 0
    local port = serve(cq, 1, function(conn)
      conn:settimeout(10)
      assert(conn:handshake())
      assert(conn:send("partial"))        -- no newline: the client's line never ends
      while not result do release:wait(10) end
      conn:close()
    end)
    cq:wrap(function()
      local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { timeout = 10 }))
      conn:settimeout(0.3)
      result = table.pack(conn:receive("*l"))
      assert.equal(0.3, conn:gettimeout())  -- the application's timeout is back
      release:signal()
      conn:close()
    end)
    cq:wrap(function()
      while not result do ticks = ticks + 1; cqueues.sleep(0.02) end
    end)
    run(cq)
    assert.same({ n = 3, nil, "timeout", "partial" }, result)
    assert.is_true(ticks > 0, "no other coroutine ran while receive waited")
  end)

  it("settimeout(0) inside cqueues gives wantread as it is", function()
    local cq = cqueues.new()
    local release = require("cqueues.condition").new()
    local result, want
    local port = serve(cq, 1, function(conn)
      conn:settimeout(10)
      assert(conn:handshake())
      while not result do release:wait(10) end
      conn:close()
    end)
    cq:wrap(function()
      local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { timeout = 10 }))
      conn:settimeout(0)
      result = table.pack(conn:receive(5))
      want = conn:want()
      release:signal()
      conn:close()
    end)
    run(cq)
    assert.same({ n = 3, nil, "wantread", "" }, result)
    assert.equal("read", want)
  end)

  it("accept with the server's timeout 0 answers nil, 'timeout' at once; with a timeout it waits that long", function()
    local cq = cqueues.new()
    local server = assert(tls.listen("127.0.0.1", 0, server_ctx(), { timeout = 0 }))
    local r0, r1
    cq:wrap(function()
      r0 = table.pack(server:accept())
      server:settimeout(0.2)
      r1 = table.pack(server:accept())
      server:close()
    end)
    run(cq)
    assert.same({ n = 2, nil, "timeout" }, r0)
    assert.same({ n = 2, nil, "timeout" }, r1)
  end)

  it("a client that stalls its handshake is dropped after the server's handshake_timeout", function()
    local cq = cqueues.new()
    local server = assert(tls.listen("127.0.0.1", 0, server_ctx(), { timeout = 10, handshake_timeout = 0.3 }))
    local _, port = server:getsockname()
    local result
    cq:wrap(function()
      local conn = assert(server:accept())
      result = table.pack(conn:handshake())    -- no timeout of its own: only the server's limit ends it
      conn:close()
      server:close()
    end)
    local eof
    cq:wrap(function()
      local sock = assert(require("cqueues.socket").connect("127.0.0.1", port))
      assert(sock:connect(5))
      sock:settimeout(5)
      eof = table.pack(sock:read(1))           -- sends nothing; the server's close ends this
      sock:close()
    end)
    run(cq)
    assert.same({ n = 2, nil, "handshake not completed within 0.3 seconds: connection dropped" }, result)
    assert.is_nil(eof[1])
  end)

  it("tls.connect inside cqueues reports a refused connection with the address, as outside", function()
    local port = proc.free_port()
    local outside = table.pack(tls.connect("127.0.0.1", port, client_ctx(), { timeout = 5 }))
    local cq = cqueues.new()
    local inside
    cq:wrap(function()
      inside = table.pack(tls.connect("127.0.0.1", port, client_ctx(), { timeout = 5 }))
    end)
    run(cq)
    assert.same({ n = 2, nil, "connection refused (127.0.0.1:" .. port .. ")" }, outside)
    assert.same(outside, inside)
  end)

  it("tls.connect inside cqueues times out a server that never answers with tls.connect's message", function()
    local cq = cqueues.new()
    local listener = assert(require("socket").bind("127.0.0.1", 0))  -- accepts TCP (backlog), never TLS
    local _, port = listener:getsockname()
    local result
    cq:wrap(function()
      result = table.pack(tls.connect("127.0.0.1", port, client_ctx(), { timeout = 0.3 }))
    end)
    run(cq)
    listener:close()
    assert.same({ n = 2, nil, "timeout during handshake with 127.0.0.1:" .. port .. " (no answer within 0.3 seconds)" },
      result)
  end)

  it("connections and servers are pollable objects", function()
    local cq = cqueues.new()
    local seen = {}
    local server = assert(tls.listen("127.0.0.1", 0, server_ctx(), { timeout = 10 }))
    local _, port = server:getsockname()
    seen.server = { server:pollfd(), server:events(), server:timeout() }
    assert.equal(server:getfd(), seen.server[1])
    cq:wrap(function()
      local conn = assert(server:accept())
      conn:settimeout(10)
      -- cqueues.poll on a connection itself: woken when its socket is readable.
      conn:settimeout(0)
      local r, err = conn:handshake()
      seen.hs0 = { r, err, conn:events(), conn:pollfd() == conn:getfd() }
      assert.equal(conn, cqueues.poll(conn, 10))
      conn:settimeout(10)
      assert(conn:handshake())
      assert(conn:send("x\n"))
      conn:close()
      server:close()
    end)
    cq:wrap(function()
      local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { timeout = 10 }))
      seen.line = conn:receive("*l")
      conn:close()
    end)
    run(cq)
    assert.same({ seen.server[1], "r" }, seen.server)
    assert.same({ nil, "wantread", "r", true }, seen.hs0)
    assert.equal("x", seen.line)
  end)

  it("serves openssl s_client and python clients in other processes at the same time", function()
    local cq = cqueues.new()
    local handled = {}
    local port = serve(cq, 4, function(conn)
      conn:settimeout(20)
      local line = assert(conn:receive("*l"))
      handled[#handled + 1] = line
      assert(conn:send("echo " .. line .. "\n"))
      conn:close()
    end)
    local clients = {}
    for i = 1, 2 do
      local input = os.tmpname()
      proc.write_file(input, "s_client " .. i .. "\n")
      -- -quiet implies -ign_eof: s_client stays until the server closes.
      clients[#clients + 1] = proc.spawn(string.format(
        "openssl s_client -connect 127.0.0.1:%d -servername localhost -CAfile %s -verify_return_error -quiet",
        port, proc.quote(c.ca)), { timeout = 30, stdin = input })
    end
    for i = 1, 2 do
      clients[#clients + 1] = proc.spawn(string.format("%s -c %s %d %s %d", peers.python(), proc.quote([[
import socket, ssl, sys
port, ca, i = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        s.sendall(b"python %s\n" % i.encode())
        print(s.makefile("rb").readline().decode().strip(), s.version(), flush=True)
]]), port, proc.quote(c.ca), i), { timeout = 30 })
    end
    run(cq)
    table.sort(handled)
    assert.same({ "python 1", "python 2", "s_client 1", "s_client 2" }, handled)
    for i = 1, 2 do
      local out = proc.wait_output(clients[i], "echo s_client %d")
      assert.truthy(out)
      assert.equal("echo python " .. i .. " TLSv1.3", proc.wait_output(clients[2 + i], "(echo python %d+ TLSv1%.3)"))
    end
  end)

  it("a program that never loads cqueues keeps the C methods; one that does gets them wrapped at its first listen", function()
    local child = require "spec.support.luachild"
    local ok, out = child.run([[
local reg = debug.getregistry()
-- (wrapped: a C closure of core.loop_method, so that argument errors read as without cqueues)
local raw = reg["tls.conn"].__index.receive
local function kind() local f = reg["tls.conn"].__index.receive; return f == raw and debug.getinfo(f, "S").what or "wrapped" end
local ctx = assert(tls.context { mode = "server", certificate = cert, key = key })
local server = assert(tls.listen("127.0.0.1", 0, ctx))
print("without cqueues: " .. kind() .. " " .. tostring(reg["tls.server"].__index.pollfd))
server:close()
require "cqueues"
server = assert(tls.listen("127.0.0.1", 0, ctx))
print("with cqueues: " .. kind() .. " " .. type(reg["tls.server"].__index.pollfd))
server:close()
]], { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key })
    assert.is_true(ok, out)
    assert.equal("without cqueues: C nil\nwith cqueues: wrapped function\nexit=0\n", out)
  end)

  it("outside a controller nothing changes, with cqueues loaded", function()
    local h, port = peers.s_server("-cert " .. proc.quote(c.leaf.ecdsa_p256.cert) .. " -key "
      .. proc.quote(c.leaf.ecdsa_p256.key) .. " -www")
    assert.is_nil(cqueues.running())
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { timeout = 10 }))
    assert(conn:send("GET / HTTP/1.0\r\n\r\n"))
    assert.equal("HTTP/1.0 200 ok", conn:receive("*l"))
    conn:close()
    h:kill()
  end)
end)
