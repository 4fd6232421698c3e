-- cqueues: close() made outside any controller while two or more coroutines
-- wait on the connection or server. Before session 48 their controller
-- stopped with "unable to update event disposition: Bad file descriptor":
-- the first waiter to leave made cqueues update the others' events on the
-- closed descriptor. Now the object is closed at once but its descriptor
-- stays open until the last waiter has left (or the object is collected).
local tls = require "tls"
local E = require "spec.support.engines"

describe("cqueues: close() outside any controller with two or more waiters", function()
  local cqueues = require "cqueues"
  local socket = require "socket"

  local silent_conn = require "spec.support.silent_conn"

  -- Whether descriptor number fd is closed: /proc opens no socket (ENXIO),
  -- and a closed number is not there at all (ENOENT).
  local function is_free(fd)
    local f, err, code = io.open("/proc/self/fd/" .. fd)
    if f then f:close() end
    assert(f or code == 2 or code == 6, err)
    return code == 2
  end

  -- Runs the controllers to the end; the waiters' timeouts are 30 s, so
  -- they must leave at once.
  local function run(...)
    local t0 = cqueues.monotime()
    for _, q in ipairs { ... } do
      local ok, err = q:loop(10)
      assert(ok, err)
    end
    assert.is_true(cqueues.monotime() - t0 < 5)
  end

  local function started(q)
    for _ = 1, 3 do assert(q:step(0.01)) end
  end

  it("wakes three waiters with \"closed\", the controller goes on, the descriptor goes after them", function()
    local conn, client = silent_conn()
    local q = cqueues.new()
    local res = {}
    q:wrap(function() res[1] = { conn:receive("*l", "pre") } end)
    q:wrap(function() res[2] = { conn:dohandshake() } end)
    q:wrap(function() res[3] = { conn:receive(5) } end)
    started(q)
    assert.is_nil(next(res))
    local fd = conn:getfd()
    assert.same({ 1 }, { conn:close() })
    -- closed for the program at once; the number still held for the waiters
    assert.equal(-1, conn:getfd())
    assert.equal("tls.conn{server, closed}", tostring(conn):match("^[^:]*"))
    assert.same({ nil, "closed", "" }, { conn:receive(1) })
    assert.is_false(is_free(fd))
    run(q)
    assert.same({ nil, "closed", "pre" }, res[1])
    assert.same({ nil, "closed" }, res[2])
    assert.same({ nil, "closed", "" }, res[3])
    assert.is_true(is_free(fd))
    assert.same({ 1 }, { conn:close() })
    client:close()
  end)

  it("the same with the waiters in two controllers, and a close by a <close> variable", function()
    local conn, client = silent_conn()
    local q1, q2 = cqueues.new(), cqueues.new()
    local res = {}
    q1:wrap(function() res[1] = { conn:receive(5) } end)
    q2:wrap(function() res[2] = { conn:receive("*l") } end)
    started(q1); started(q2)
    local fd = conn:getfd()
    do local _ <close> = conn end
    assert.is_false(is_free(fd))
    run(q1)
    -- the second waiter has not left yet
    assert.is_false(is_free(fd))
    run(q2)
    assert.same({ nil, "closed", "" }, res[1])
    assert.same({ nil, "closed", "" }, res[2])
    assert.is_true(is_free(fd))
    client:close()
  end)

  it("sends close_notify at once to a peer whose handshake is done", function()
    local cctx = assert(tls.context { mode = "client", ca = E.CERT })
    local client, server = require("spec.support.wrapped_pair")(cctx, E.server_ctx())
    server:settimeout(30)
    local q = cqueues.new()
    local res = {}
    for i = 1, 2 do q:wrap(function() res[i] = { server:receive("*l") } end) end
    started(q)
    assert.equal(1, server:close())
    client:settimeout(5)
    -- before any waiter ran again
    assert.same({ nil, "closed", "" }, { client:receive("*l") })
    assert.is_false(client:info().truncated)
    run(q)
    assert.same({ nil, "closed", "" }, res[1])
    assert.same({ nil, "closed", "" }, res[2])
    client:close()
  end)

  it("for two accept()s on a server: both \"closed\", the listening descriptor goes after them", function()
    local server = assert(tls.listen("127.0.0.1", 0, E.server_ctx(), { timeout = 30 }))
    local q = cqueues.new()
    local res = {}
    for i = 1, 2 do q:wrap(function() res[i] = { server:accept() } end) end
    started(q)
    local fd = server:getfd()
    assert.equal(1, server:close())
    assert.same({ nil, "closed" }, { server:accept() })
    assert.is_false(is_free(fd))
    run(q)
    assert.same({ nil, "closed" }, res[1])
    assert.same({ nil, "closed" }, res[2])
    assert.is_true(is_free(fd))
  end)

  it("a waiter whose controller was dropped holds the descriptor until the connection is collected", function()
    -- accepted by tls.listen: the connection owns its descriptor (a wrapped
    -- LuaSocket socket would be closed by its own collection)
    local server = assert(tls.listen("127.0.0.1", 0, E.server_ctx(), { timeout = 5 }))
    local _, port = server:getsockname()
    local client = assert(socket.connect("127.0.0.1", port))
    local conn = assert(server:accept())
    server:close()
    conn:settimeout(30)
    local gone = cqueues.new()
    gone:wrap(function() conn:receive(5) end)
    started(gone)
    gone = nil
    local q = cqueues.new()
    local res
    q:wrap(function() res = { conn:receive("*l") } end)
    started(q)
    local fd = conn:getfd()
    assert.equal(1, conn:close())
    run(q)
    assert.same({ nil, "closed", "" }, res)
    -- the dropped waiter was counted: the number is still held
    assert.is_false(is_free(fd))
    conn = nil
    collectgarbage(); collectgarbage()
    assert.is_true(is_free(fd))
    client:close()
  end)

  it("a server closed twice keeps the descriptor only until the waiters have left", function()
    local server = assert(tls.listen("127.0.0.1", 0, E.server_ctx(), { timeout = 30 }))
    local q = cqueues.new()
    local res = {}
    for i = 1, 2 do q:wrap(function() res[i] = { server:accept() } end) end
    started(q)
    local fd = server:getfd()
    assert.equal(1, server:close())
    assert.equal(1, server:close())
    run(q)
    assert.same({ nil, "closed" }, res[1])
    assert.same({ nil, "closed" }, res[2])
    -- before: the second close forgot the held descriptor until collection
    assert.is_true(is_free(fd))
  end)

  it("leaves alone a number the wrapped socket's owner closed and another socket got meanwhile", function()
    local l = assert(socket.bind("127.0.0.1", 0))
    local _, port = l:getsockname()
    local client = assert(socket.connect("127.0.0.1", port))
    local sock = assert(l:accept())
    local conn = assert(tls.wrap(sock, E.server_ctx()))
    conn:settimeout(30)
    local q = cqueues.new()
    local res = {}
    for i = 1, 2 do q:wrap(function() res[i] = { conn:receive(5) } end) end
    started(q)
    local fd = conn:getfd()
    assert.equal(1, conn:close())
    sock:close() -- the owner closes it under the hold
    local other = assert(socket.connect("127.0.0.1", port)) -- the lowest free number
    local reused = other:getfd() == fd
    -- a coroutine of another controller waits to read the other socket
    local watcher, woke = cqueues.new(), false
    watcher:wrap(function()
      cqueues.poll({ pollfd = fd, events = "r" }, 2)
      woke = true
    end)
    assert(watcher:step(0.01))
    q:loop(5)
    assert.is_true(reused)
    -- the release did not cancel the other socket's number (which wakes its poller)
    assert(watcher:step(0.05))
    assert.is_false(woke)
    -- the held number was not closed again: it is the other socket's now
    assert.is_false(is_free(fd))
    assert.equal(fd, other:getfd())
    assert.truthy(other:send("x"))
    other:close(); client:close(); l:close()
  end)

  it("inside a controller, a close() with two waiters returns once they have left, the descriptor closed", function()
    local conn, client = silent_conn()
    local q = cqueues.new()
    local res = {}
    local fd = conn:getfd()
    q:wrap(function() res[1] = { conn:receive(5) } end)
    q:wrap(function() res[2] = { conn:dohandshake() } end)
    q:wrap(function()
      cqueues.sleep(0.05)
      local t0 = cqueues.monotime()
      res[3] = { conn:close() }
      res.took = cqueues.monotime() - t0
      res.free = is_free(fd)
    end)
    run(q)
    assert.same({ nil, "closed", "" }, res[1])
    assert.same({ nil, "closed" }, res[2])
    assert.same({ 1 }, res[3])
    assert.is_true(res.free)
    -- woken at once, not found gone at the one-second bound
    assert.is_true(res.took < 0.5, tostring(res.took))
    client:close()
    -- and a server's, with two accept()s
    local server = assert(tls.listen("127.0.0.1", 0, E.server_ctx(), { timeout = 30 }))
    local sfd = server:getfd()
    local sres = {}
    q = cqueues.new()
    for i = 1, 2 do q:wrap(function() sres[i] = { server:accept() } end) end
    q:wrap(function()
      cqueues.sleep(0.05)
      local t0 = cqueues.monotime()
      sres[3] = { server:close() }
      sres.took = cqueues.monotime() - t0
      sres.free = is_free(sfd)
    end)
    run(q)
    assert.same({ nil, "closed" }, sres[1])
    assert.same({ nil, "closed" }, sres[2])
    assert.same({ 1 }, sres[3])
    assert.is_true(sres.free)
    assert.is_true(sres.took < 0.5, tostring(sres.took))
  end)

  it("inside a controller, waiters in another that does not run within a second hold the descriptor", function()
    local conn, client = silent_conn()
    local q1, q2 = cqueues.new(), cqueues.new()
    local res = {}
    for i = 1, 2 do q2:wrap(function() res[i] = { conn:receive(5) } end) end
    started(q2)
    local fd = conn:getfd()
    q1:wrap(function() res[3] = { conn:close() } end)
    local t0 = cqueues.monotime()
    assert(q1:loop(5))
    assert.same({ 1 }, res[3])
    assert.is_true(cqueues.monotime() - t0 < 3)
    assert.is_false(is_free(fd))
    -- before: "unable to update event disposition: Bad file descriptor"
    run(q2)
    assert.same({ nil, "closed", "" }, res[1])
    assert.same({ nil, "closed", "" }, res[2])
    assert.is_true(is_free(fd))
    client:close()
  end)
end)
