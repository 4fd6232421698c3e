-- Review of session 13: a server's handshake_timeout inside cqueues, for a
-- connection the application made non-blocking itself and polls with
-- cqueues.poll (as README allows). The C call that drops a stalled client
-- closed its descriptor while cqueues still watched it: the controller's
-- next update of its poll set failed ("unable to update event disposition:
-- Bad file descriptor") and cq:loop() stopped, the whole server with it,
-- for one client that connected and sent nothing. And conn:timeout() (what
-- cqueues.poll(conn) sleeps by) ignored the deadline, so a poll without a
-- timeout of its own never woke to drop the client
-- (mutate/mutations_review13.lua plants both back).
local tls = require "tls"
local cqueues = require "cqueues"
local csocket = require "cqueues.socket"

local DROPPED = "handshake not completed within 0.3 seconds: connection dropped"

describe("review13: handshake_timeout for connections polled by the application in cqueues", function()
  local cert, key = assert(tls.selfsigned { names = { "localhost" } })
  local sctx = assert(tls.context { mode = "server", certificate = cert, key = key })

  -- A client that connects and sends nothing; eof[1] is what its read got
  -- (nil: the server closed).
  local function stalled_client(cq, port, eof)
    cq:wrap(function()
      local sock = assert(csocket.connect("127.0.0.1", port))
      assert(sock:connect(5))
      sock:settimeout(5)
      eof[1] = sock:read(1)
      eof.done = true
      sock:close()
    end)
  end

  -- The application's own loop: handshake at timeout 0, poll, again.
  local function handshake_polled(conn, poll_timeout)
    conn:settimeout(0)
    while true do
      local ok, err = conn:handshake()
      if ok or (err ~= "wantread" and err ~= "wantwrite") then return ok, err end
      cqueues.poll(conn, poll_timeout)
    end
  end

  -- After the drop the same coroutine polls other things, as a server does.
  local function poll_more()
    cqueues.sleep(0.05)
    local other = csocket.listen("127.0.0.1", 0)
    cqueues.poll(other, 0.05)
    other:close()
    return "polled on"
  end

  local function run(cq)
    local ok, err = cq:loop(5)
    assert(ok, err)
    assert.is_true(cq:empty(), "the controller still has work after 5 s")
  end

  it("drops the client and the controller runs on (the application polls with a timeout)", function()
    local server = assert(tls.listen("127.0.0.1", 0, sctx, { timeout = 5, handshake_timeout = 0.3 }))
    local _, port = server:getsockname()
    local cq, result, eof = cqueues.new(), nil, {}
    cq:wrap(function()
      local conn = assert(server:accept())
      result = table.pack(handshake_polled(conn, 0.1))
      result.after = poll_more()
      server:close()
    end)
    stalled_client(cq, port, eof)
    run(cq)
    assert.same({ n = 2, nil, DROPPED, after = "polled on" }, result)
    assert.is_true(eof.done)
    assert.is_nil(eof[1])
  end)

  it("wakes a poll without a timeout of its own at the deadline (conn:timeout())", function()
    local server = assert(tls.listen("127.0.0.1", 0, sctx, { timeout = 5, handshake_timeout = 0.3 }))
    local _, port = server:getsockname()
    local cq, result, eof = cqueues.new(), nil, {}
    cq:wrap(function()
      local conn = assert(server:accept())
      result = table.pack(handshake_polled(conn, nil))
      result.after = poll_more()
      server:close()
    end)
    stalled_client(cq, port, eof)
    run(cq)
    assert.same({ n = 2, nil, DROPPED, after = "polled on" }, result)
    assert.is_nil(eof[1])
  end)

  it("holds for a server at timeout 0, whose connections start non-blocking", function()
    local server = assert(tls.listen("127.0.0.1", 0, sctx, { timeout = 0, handshake_timeout = 0.3 }))
    local _, port = server:getsockname()
    local cq, result, eof = cqueues.new(), nil, {}
    cq:wrap(function()
      local conn
      repeat
        conn = server:accept()
        if not conn then cqueues.poll(server, 1) end
      until conn
      assert.equal(0, conn:gettimeout())
      result = table.pack(handshake_polled(conn, 0.1))
      result.after = poll_more()
      server:close()
    end)
    stalled_client(cq, port, eof)
    run(cq)
    assert.same({ n = 2, nil, DROPPED, after = "polled on" }, result)
    assert.is_nil(eof[1])
  end)

  it("a client that completes its handshake in time is not disturbed after the deadline", function()
    local server = assert(tls.listen("127.0.0.1", 0, sctx, { timeout = 0, handshake_timeout = 0.3 }))
    local _, port = server:getsockname()
    local cq, line = cqueues.new(), nil
    cq:wrap(function()
      local conn
      repeat
        conn = server:accept()
        if not conn then cqueues.poll(server, 1) end
      until conn
      assert(handshake_polled(conn, 0.1))
      cqueues.sleep(0.4)                 -- past the deadline, the connection stays
      local part = ""
      while true do
        local l, err, p = conn:receive("*l", part)
        if l then line = l break end
        assert.equal("wantread", err)
        part = p
        cqueues.poll(conn, 1)
      end
      conn:close()
      server:close()
    end)
    cq:wrap(function()
      local c = assert(tls.connect("127.0.0.1", port, tls.context { verify = false }, { timeout = 5 }))
      cqueues.sleep(0.6)
      assert(c:send("still here\n"))
      c:close()
    end)
    run(cq)
    assert.equal("still here", line)
  end)

  it("wakes an application that only polls once at the deadline, not in a busy loop", function()
    local server = assert(tls.listen("127.0.0.1", 0, sctx, { timeout = 0, handshake_timeout = 1 }))
    local _, port = server:getsockname()
    local cq, timeouts = cqueues.new(), {}
    cq:wrap(function()
      local conn
      repeat
        conn = server:accept()
        if not conn then cqueues.poll(server, 1) end
      until conn
      assert(handshake_polled(conn, 0.1))
      timeouts[1] = conn:timeout() > 0          -- the deadline is ahead
      cqueues.sleep(1.1)
      timeouts[2] = conn:timeout()              -- past it: wake now, once
      timeouts[3] = conn:timeout() or "none"    -- then only what the application asks
      conn:close()
      server:close()
    end)
    cq:wrap(function()
      local c = assert(tls.connect("127.0.0.1", port, tls.context { verify = false }, { timeout = 5 }))
      cqueues.sleep(1.2)
      c:close()
    end)
    run(cq)
    assert.same({ true, 0, "none" }, timeouts)
  end)
end)

-- The same stop, from Lua 5.4's to-be-closed variables: `<close>` called
-- the C close, which closed a descriptor cqueues still watched (the last
-- poll of it had ended by its timeout).
describe("review13: <close> inside cqueues", function()
  local cert, key = assert(tls.selfsigned { names = { "localhost" } })
  local sctx = assert(tls.context { mode = "server", certificate = cert, key = key })

  local function run(cq)
    local ok, err = cq:loop(5)
    assert(ok, err)
    assert.is_true(cq:empty(), "the controller still has work after 5 s")
  end

  local function poll_more()
    local other = csocket.listen("127.0.0.1", 0)
    cqueues.poll(other, 0.05)
    other:close()
    return "polled on"
  end

  it("a connection in a <close> variable: the controller runs on", function()
    local server = assert(tls.listen("127.0.0.1", 0, sctx, { timeout = 5 }))
    local _, port = server:getsockname()
    local cq, result = cqueues.new(), {}
    cq:wrap(function()
      local c = assert(tls.connect("127.0.0.1", port, tls.context { verify = false }, { timeout = 5 }))
      cqueues.sleep(0.5)
      c:close()
    end)
    cq:wrap(function()
      do
        local conn <close> = assert(server:accept())
        conn:settimeout(0.1)
        result.receive = table.pack(conn:receive("*l"))   -- the client says nothing
      end
      result.after = poll_more()
      server:close()
    end)
    run(cq)
    assert.same({ receive = { n = 3, nil, "timeout", "" }, after = "polled on" }, result)
  end)

  it("a server in a <close> variable: the controller runs on", function()
    local cq, result = cqueues.new(), {}
    cq:wrap(function()
      do
        local server <close> = assert(tls.listen("127.0.0.1", 0, sctx, { timeout = 0.1 }))
        result.accept = table.pack(server:accept())     -- nobody comes
      end
      result.after = poll_more()
    end)
    run(cq)
    assert.same({ accept = { n = 2, nil, "timeout" }, after = "polled on" }, result)
  end)
end)
