-- review46a: cqueues, a connection's close() made outside any controller
-- while a coroutine of one waits on it; and two liveness properties a
-- "one poller per object" design (review45h's attempt) broke.
local tls = require "tls"
local E = require "spec.support.engines"

describe("review46a cqueues: close() outside any controller while a coroutine waits on the connection", function()
  local cqueues = require "cqueues"
  local socket = require "socket"

  local silent_conn = require "spec.support.silent_conn"

  -- call() run in a coroutine until it waits, then the connection closed
  -- here, outside the controller, and `after(fd)` given the number it had;
  -- the waiter must leave at once (its timeout is 30 s) and the loop go on.
  local function close_outside(conn, call, after)
    local q = cqueues.new()
    local res
    q:wrap(function() res = { call() } end)
    for _ = 1, 3 do assert(q:step(0.01)) end
    assert.is_nil(res)
    local fd = conn:getfd()
    assert.equal(1, conn:close())
    local extra = after and after(fd)
    local t0 = cqueues.monotime()
    -- before review46a: the waiter slept its 30 s, then
    -- false, "unable to update event disposition: Bad file descriptor (fd:N)"
    local ok, err = q:loop(10)
    assert(ok, err)
    assert.is_true(cqueues.monotime() - t0 < 5)
    return res, extra
  end

  it("wakes a receive() with \"closed\" and the controller goes on", function()
    local conn, client = silent_conn()
    local res = close_outside(conn, function() return conn:receive("*l", "pre") end)
    assert.same({ nil, "closed", "pre" }, res)
    client:close()
  end)

  it("wakes a handshake() too, and a close() by a <close> variable does the same", function()
    local conn, client = silent_conn()
    local res = close_outside(conn, function() return conn:dohandshake() end)
    assert.same({ nil, "closed" }, res)
    client:close()
    local conn2, client2 = silent_conn()
    local q = cqueues.new()
    local res2
    q:wrap(function() res2 = { conn2:receive(5) } end)
    assert(q:step(0.01))
    do local _ <close> = conn2 end
    local t0 = cqueues.monotime()
    assert(q:loop(10))
    assert.is_true(cqueues.monotime() - t0 < 5)
    assert.same({ nil, "closed", "" }, res2)
    client2:close()
  end)

  it("does not leave the controller watching a socket given the same number", function()
    local conn, client = silent_conn()
    -- before review46a the waiter's event stayed on the number, now the
    -- new socket's (its wake at the deadline stopped the loop, or updated
    -- the new socket's registration)
    local reuse
    local res, fresh = close_outside(conn, function() return conn:receive(5) end, function(fd)
      -- the lowest free number: the one the close just freed
      local a = assert(socket.bind("127.0.0.1", 0))
      reuse = a:getfd() == fd
      return a
    end)
    assert.is_true(reuse)
    assert.same({ nil, "closed", "" }, res)
    fresh:close()
    client:close()
  end)
end)

-- Two properties a design where only the first waiter polls the descriptor
-- (the others waiting on a condition) breaks, though every earlier spec
-- passes: each waiter must poll the descriptor itself.
describe("review46a cqueues: every call waiting on a connection polls its descriptor", function()
  local cqueues = require "cqueues"
  local socket = require "socket"

  it("a call abandoned while it waited (its controller dropped) does not hold up a later one", function()
    local connected_ = require "spec.support.wrapped_pair"
    local cctx = assert(tls.context { mode = "client", ca = E.CERT })
    local client, server = connected_(cctx, E.server_ctx())
    client:settimeout(30)
    local q1 = cqueues.new()
    q1:wrap(function() client:receive("*l") end)
    assert(q1:step(0.01))
    q1 = nil
    collectgarbage()
    local q = cqueues.new()
    local got
    q:wrap(function() got = { client:receive("*l") } end)
    q:wrap(function()
      cqueues.sleep(0.05)
      assert(server:send("one\n"))
    end)
    local t0 = cqueues.monotime()
    assert(q:loop(10))
    assert.same({ "one" }, got)
    assert.is_true(cqueues.monotime() - t0 < 5)
    client:close(); server:close()
  end)

  it("a send() and a receive() waiting on a server in its handshake both end as soon as they can", function()
    local l = assert(socket.bind("127.0.0.1", 0))
    local _, port = l:getsockname()
    local raw = assert(socket.connect("127.0.0.1", port))
    local s = assert(l:accept())
    l:close()
    local conn = assert(tls.wrap(s, E.server_ctx()))
    conn:settimeout(30)
    local cctx = assert(tls.context { mode = "client", verify = false })
    local q = cqueues.new()
    local res = {}
    q:wrap(function() res.line = { conn:receive("*l") } end)
    q:wrap(function() res.sent = { conn:send("hello\n") } end)
    q:wrap(function()
      cqueues.sleep(0.05)
      local cl = assert(tls.wrap(raw, cctx, { servername = "localhost" }))
      cl:settimeout(30)
      assert(cl:handshake())
      assert(cl:send("line\n"))
      res.answer = { cl:receive("*l") }
      cl:close()
    end)
    local t0 = cqueues.monotime()
    local ok, err = q:loop(10)
    assert(ok, err)
    assert.is_true(cqueues.monotime() - t0 < 5)
    assert.same({ "line" }, res.line)
    assert.same({ 6 }, res.sent)
    assert.same({ "hello" }, res.answer)
    conn:close()
  end)
end)
