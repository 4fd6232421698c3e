-- Limits that keep one misbehaving peer from holding a server's resources.
local tls = require "tls"
local socket = require "socket"

describe("server handshake deadline", function()
  local cert, key = assert(tls.selfsigned{ names = { "localhost" } })
  local sctx = assert(tls.context{ mode = "server", certificate = cert, key = key })

  local function listen(opts)
    local server = assert(tls.listen("127.0.0.1", 0, sctx, opts))
    local _, port = server:getsockname()
    return server, port
  end

  it("drops a client that never sends its ClientHello and frees its socket", function()
    local server, port = listen{ handshake_timeout = 0.3, timeout = 5 }
    local raw = assert(socket.connect("127.0.0.1", port))
    local conn = assert(server:accept())
    -- The connection's own I/O timeout (5 s) would say "timeout": this is
    -- the deadline's doing.
    local ok, err = conn:handshake()
    assert.is_nil(ok)
    assert.equal("handshake not completed within 0.3 seconds: connection dropped", err)
    -- The server closed its end: the client sees the connection end.
    raw:settimeout(2)
    -- (LuaSocket 3.0 reports an end of stream with nothing read as nil, "closed", "")
    local data, rerr, partial = raw:receive("*a")
    assert.is_true(data == "" or (rerr == "closed" and partial == ""),
      "expected the end of the stream, got " .. tostring(data) .. ", " .. tostring(rerr))
    -- And the connection stays failed.
    assert.is_nil(conn:send("x"))
    raw:close()
    server:close()
  end)

  it("drops a client that stalls in the middle of its ClientHello", function()
    local server, port = listen{ handshake_timeout = 0.3 }
    local raw = assert(socket.connect("127.0.0.1", port))
    raw:send("\22\3\1\0\200\1\0\0")  -- a record header and the start of a ClientHello
    local conn = assert(server:accept())
    local ok, err = conn:receive("*l")
    assert.is_nil(ok)
    assert.equal("handshake not completed within 0.3 seconds: connection dropped", err)
    raw:close()
    server:close()
  end)

  it("leaves the deadline off when asked", function()
    local server, port = listen{ handshake_timeout = false, timeout = 0.3 }
    local raw = assert(socket.connect("127.0.0.1", port))
    local conn = assert(server:accept())
    local ok, err = conn:handshake()
    assert.is_nil(ok)
    assert.equal("timeout", err)  -- the I/O timeout, the connection is still usable
    raw:close()
    conn:close()
    server:close()
  end)

  it("rejects a bad handshake_timeout", function()
    local server, err = tls.listen("127.0.0.1", 0, sctx, { handshake_timeout = "soon" })
    assert.is_nil(server)
    assert.equal("tls.listen: option 'handshake_timeout' must be a number of seconds > 0 or false (got \"soon\")", err)
  end)
end)
