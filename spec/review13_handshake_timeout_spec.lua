-- Review of session 13: a server's handshake_timeout must bound every call
-- that drives the handshake. receive_early drives it (up to the client's
-- EndOfEarlyData) but went around the deadline: a client that connected and
-- sent nothing (or one byte now and then) held the server's socket and memory
-- for as long as the application's own I/O timeout, or for ever without one
-- (mutate/mutations_review13.lua plants it back).
local tls = require "tls"
local socket = require "socket"

local DROPPED = "handshake not completed within 0.3 seconds: connection dropped"

describe("review13: receive_early under the server's handshake_timeout", function()
  local cert, key = assert(tls.selfsigned { names = { "localhost" } })
  local sctx = assert(tls.context { mode = "server", certificate = cert, key = key, early_data = true,
                                    session_store = tls.store.memory() })

  -- A server with a 0.3 s handshake deadline, a client that connected and
  -- sent nothing, and the server's connection to it.
  local function stalled(opts)
    local server = assert(tls.listen("127.0.0.1", 0, sctx, opts))
    local _, port = server:getsockname()
    local raw = assert(socket.connect("127.0.0.1", port))
    local conn = assert(server:accept())
    return server, raw, conn
  end

  -- The server closed its end: the client reads the end of the stream.
  local function assert_closed(raw)
    raw:settimeout(2)
    local data, rerr, partial = raw:receive("*a")
    assert.is_true(data == "" or (rerr == "closed" and partial == ""),
      "expected the end of the stream, got " .. tostring(data) .. ", " .. tostring(rerr))
  end

  it("drops a client that stalls, where the connection's own timeout (5 s) would say 'timeout'", function()
    local server, raw, conn = stalled { handshake_timeout = 0.3, timeout = 5 }
    local data, err = conn:receive_early()
    assert.is_nil(data)
    assert.equal(DROPPED, err)
    assert.equal(-1, conn:getfd())
    assert_closed(raw)
    raw:close()
    server:close()
  end)

  it("drops it in non-blocking mode too, on the first call after the deadline", function()
    local server, raw, conn = stalled { handshake_timeout = 0.3, timeout = 5 }
    conn:settimeout(0)
    assert.same({ n = 2, nil, "wantread" }, table.pack(conn:receive_early()))
    socket.sleep(0.4)
    assert.same({ n = 2, nil, DROPPED }, table.pack(conn:receive_early()))
    assert.equal(-1, conn:getfd())
    assert_closed(raw)
    raw:close()
    server:close()
  end)

  it("drops it inside cqueues, where the call has no timeout of its own", function()
    local cqueues = require "cqueues"
    local server = assert(tls.listen("127.0.0.1", 0, sctx, { handshake_timeout = 0.3, timeout = 10 }))
    local _, port = server:getsockname()
    local raw = assert(socket.connect("127.0.0.1", port))
    local cq = cqueues.new()
    local result
    cq:wrap(function()
      local conn = assert(server:accept())
      conn:settimeout(nil)      -- only the server's limit can end the wait
      result = table.pack(conn:receive_early())
    end)
    local ok, err = cq:loop(10)
    assert(ok, err)
    assert.is_true(cq:empty(), "receive_early still waits after 10 s")
    assert.same({ n = 2, nil, DROPPED }, result)
    assert_closed(raw)
    raw:close()
    server:close()
  end)
end)

-- The same in cqueues after receive_early returned: the client's 0-RTT data
-- and EndOfEarlyData have come, its Finished has not. The wrapped calls
-- stopped watching the handshake deadline once receive_early (or a 0.5-RTT
-- send) succeeded, so a receive without a timeout of its own waited for ever
-- on a client that withholds its Finished.
describe("review13: a 0-RTT client that withholds its Finished, in cqueues", function()
  it("is dropped at the server's handshake_timeout after receive_early and a 0.5-RTT send", function()
    local cqueues = require "cqueues"
    local csocket = require "cqueues.socket"
    local cert, key = assert(tls.selfsigned { names = { "localhost" } })
    local sctx = assert(tls.context { mode = "server", certificate = cert, key = key, early_data = true,
      max_early_data = 16384, session_store = tls.store.memory() })
    local cctx = assert(tls.context { ca = cert, early_data = true })
    -- A session whose ticket allows 0-RTT, from a first handshake between engines.
    local c, s = tls.engine(cctx, { servername = "localhost" }), tls.engine(sctx)
    assert(c:start())
    for _ = 1, 10 do
      local o = c:output(); if #o > 0 then s:feed(o) end
      o = s:output(); if #o > 0 then c:feed(o) end
    end
    local session = assert(c:session())
    local server = assert(tls.listen("127.0.0.1", 0, sctx, { timeout = 10, handshake_timeout = 0.5 }))
    local _, port = server:getsockname()
    local cq, result, client = cqueues.new(), {}, {}
    cq:wrap(function()
      local conn = assert(server:accept())
      conn:settimeout(nil)                   -- only the server's limit can end the waits
      result.early = table.pack(conn:receive_early())
      result.send = table.pack(conn:send("answer\n"))
      result.receive = table.pack(conn:receive("*l"))
      conn:close()
      server:close()
    end)
    cq:wrap(function()
      local e = tls.engine(cctx, { servername = "localhost", session = session, early_data = "early\n" })
      assert(e:start())
      local sock = csocket.connect { host = "127.0.0.1", port = port, mode = "bn" }
      sock:setmode("bn", "bn")
      assert(sock:connect(5))
      assert(sock:write(e:output()))
      assert(sock:flush())
      sock:settimeout(5)
      while e:want() ~= "output" do
        local d = sock:read(-65536)
        if not d then break end
        assert(e:feed(d))
      end
      client.early_data = e:info().early_data
      local out = e:output()                 -- EndOfEarlyData, then Finished: send only the first record
      assert(sock:write(out:sub(1, 5 + out:byte(4) * 256 + out:byte(5))))
      assert(sock:flush())
      client.eof = sock:read(-65536)         -- nil once the server closes (the 0.5-RTT answer is not read here)
      while client.eof do client.eof = sock:read(-65536) end
      sock:close()
    end)
    local ok, err = cq:loop(10)
    assert(ok, err)
    assert.is_true(cq:empty(), "the server still waits for the client's Finished after 10 s")
    assert.equal("accepted", client.early_data)
    assert.same({ n = 1, "early\n" }, result.early)
    assert.same({ n = 1, 7 }, result.send)
    assert.same({ n = 3, nil, DROPPED:gsub("0.3 seconds", "0.5 seconds"), "" }, result.receive)
  end)
end)
