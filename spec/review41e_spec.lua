-- Review 41e: checks of the Lua binding and of lua/tls*.lua that no planted
-- bug touched before (mutate/mutations_review41e.lua plants them): the
-- timeouts tls.listen, tls.wrap and tls.https take or imply, a timeout of
-- 0, a negative receive count, the drop-in's ssl.https and plain URLs.
local tls = require "tls"
local core = require "tls.core"
local socket = require "socket"
local child = require "spec.support.luachild"
local certs = require("spec.support.certs").get()

local leaf = certs.leaf.ecdsa_p256

local function client_ctx() return assert(tls.context { ca = certs.ca }) end

-- What tls.lua hands to core[name], without doing it.
local function args_of(name, call)
  local seen
  local real = core[name]
  core[name] = function(...) seen = table.pack(...); return nil, "stop" end
  local ok, err = pcall(call)
  core[name] = real
  assert(ok, err)
  assert(seen, "core." .. name .. " was not called")
  return seen
end

describe("review41e: timeouts", function()
  -- 0 was taken, and every connect ended before its handshake ("timeout
  -- connecting to ...", the server up).
  it("tls.connect refuses a timeout of 0, which no handshake could meet", function()
    local cert, key = assert(tls.selfsigned { names = { "localhost" } })
    local server = assert(tls.listen("127.0.0.1", 0, { mode = "server", certificate = cert, key = key }))
    local _, port = server:getsockname()
    for _, t in ipairs { 0, 0.0, -0.0 } do
      local conn, err = tls.connect("127.0.0.1", port, { ca = cert }, { servername = "localhost", timeout = t })
      assert.is_nil(conn)
      assert.equal("tls.connect: option 'timeout' = 0 would end every connect before its handshake (tls.connect "
        .. "returns once the handshake is done): give seconds, or, for a connection that never blocks, connect "
        .. "with LuaSocket, tls.wrap the socket and call settimeout(0)", err)
    end
    server:close()
  end)

  it("tls.listen bounds a client's handshake by default (30 s), and accept only when told", function()
    local sctx = assert(tls.context { mode = "server", certificate = leaf.cert, key = leaf.key })
    local a = args_of("listen", function() tls.listen("127.0.0.1", 0, sctx) end)
    assert.equal(-1, a[5])
    assert.equal(30, a[6])
    a = args_of("listen", function() tls.listen("127.0.0.1", 0, sctx, { handshake_timeout = false }) end)
    assert.equal(-1, a[6])
  end)

  it("tls.listen's timeout bounds accept", function()
    local sctx = assert(tls.context { mode = "server", certificate = leaf.cert, key = leaf.key })
    local a = args_of("listen", function() tls.listen("127.0.0.1", 0, sctx, { timeout = 0.2 }) end)
    assert.equal(0.2, a[5])
    local server = assert(tls.listen("127.0.0.1", 0, sctx, { timeout = 0.2 }))
    local t0 = socket.gettime()
    local conn, err = server:accept()
    assert.is_nil(conn)
    assert.equal("timeout", err)
    assert.truthy(socket.gettime() - t0 < 2)
    server:close()
  end)

  it("tls.wrap's timeout is the connection's", function()
    local port, wait = child.tcp_server [[ c:settimeout(3); c:receive("*a") ]]
    local sock = assert(socket.connect("127.0.0.1", port))
    local conn = assert(tls.wrap(sock, client_ctx(), { servername = "localhost", timeout = 0.25 }))
    assert.equal(0.25, conn:gettimeout())
    local t0 = socket.gettime()
    local ok, err = conn:handshake()
    assert.is_nil(ok)
    assert.equal("timeout", err)
    assert.truthy(socket.gettime() - t0 < 2)
    conn:close()
    wait()
  end)

  it("a timeout of 0 never waits: receive says so at once", function()
    local port, wait = child.tls_server(leaf.cert, leaf.key, [[
      assert(conn:handshake())
      require("socket").sleep(2)
    ]])
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 5 }))
    conn:settimeout(0)
    local t0 = socket.gettime()
    local data, err = conn:receive()
    assert.is_nil(data)
    assert.truthy(err == "wantread" or err == "timeout", err)
    assert.truthy(socket.gettime() - t0 < 1, "receive waited with a timeout of 0")
    conn:close()
    wait()
  end)

  it("tls.https bounds each wait by default (https.TIMEOUT)", function()
    local https = require "tls.https"
    local port, wait = child.tcp_server [[ c:settimeout(3); c:receive("*a") ]]
    local saved = https.TIMEOUT
    https.TIMEOUT = 0.3
    local t0 = socket.gettime()
    local ok, body, code = pcall(https.request, { url = "https://localhost:" .. port .. "/", ca = certs.ca })
    https.TIMEOUT = saved
    assert(ok, body)
    assert.is_nil(body)
    assert.matches("timeout", tostring(code))
    assert.truthy(socket.gettime() - t0 < 2.5)
    wait()
  end)
end)

describe("review41e: receive", function()
  it("refuses a negative receive count", function()
    local port, wait = child.tls_server(leaf.cert, leaf.key, [[
      assert(conn:handshake())
      assert(conn:send("abc"))
      require("socket").sleep(1)
    ]])
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 5 }))
    local ok, err = pcall(conn.receive, conn, -1)
    assert.is_false(ok)
    assert.matches("invalid receive pattern", err)
    assert.equal("abc", conn:receive(3))
    conn:close()
    wait()
  end)
end)

describe("review41e: the drop-in's ssl.https", function()
  it("tls.luasec.https refuses a URL that is not https, as LuaSec's does", function()
    local lhttps = require "tls.luasec.https"
    for _, u in ipairs { "http://127.0.0.1:1/", "ftp://127.0.0.1:1/" } do
      local r, err = lhttps.request(u)
      assert.is_nil(r)
      assert.equal("not an https URL: " .. u, err)
      r, err = lhttps.request { url = u }
      assert.is_nil(r)
      assert.equal("not an https URL: " .. u, err)
    end
  end)
end)
