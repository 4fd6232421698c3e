-- The Lua binding and socket layer at their edges: trace callbacks that reach
-- back into their object, LuaSocket's conventions for send/receive/getpeername,
-- and timeouts. Risky cases run in a child lua5.4 so that a crash fails one
-- test instead of the whole run.
local tls = require "tls"
local socket = require "socket"
local child = require "spec.support.luachild"

local cert, key = assert(tls.selfsigned { names = { "localhost", "127.0.0.1", "::1" } })

-- Runs a Lua chunk in a child interpreter (with `tls`, `cert`, `key` in
-- scope) and returns whether it exited cleanly, and its output.
local function run_child(body)
  return child.run(body, { cert = cert, key = key })
end

-- Pumps two engines until neither has output.
local PUMP = [[
local function pump(a, b)
  for _ = 1, 20 do
    local moved = false
    for _, pair in ipairs { { a, b }, { b, a } } do
      local out = pair[1]:output()
      if #out > 0 then moved = true; pair[2]:feed(out) end
    end
    if not moved then return end
  end
end
]]

-- A luatls server on 127.0.0.1 that runs body with `conn` after accept, in
-- a child process; returns the port and a function that waits for the child
-- and returns its output.
local function tls_server(body)
  return child.tls_server(cert, key, body)
end

local function client_ctx(opts)
  opts = opts or {}
  opts.ca = cert
  return assert(tls.context(opts))
end

describe("trace callbacks", function()
  -- A method called from inside a coroutine must not leave that coroutine's
  -- state as the one the next trace event runs on: the coroutine may be dead
  -- and collected by then.
  it("survive an engine method called from a coroutine that then dies", function()
    local ok, out = run_child(PUMP .. [[
local e
local events = 0
local cctx = assert(tls.context { ca = cert, trace = function()
  events = events + 1
  coroutine.wrap(function() e:status() end)()
  collectgarbage(); collectgarbage()
end })
local sctx = assert(tls.context { mode = "server", certificate = cert, key = key })
e = assert(tls.engine(cctx, { servername = "localhost" }))
local s = assert(tls.engine(sctx))
assert(e:start())
pump(e, s)
assert(e:status().handshake_done, e:error())
assert(events > 3)
]])
    assert.is_true(ok, out)
  end)

  it("survive a conn method called from a coroutine that then dies", function()
    local port, reap = tls_server([[conn:send("hi\n")]])
    local ok, out = run_child(([[
local conn
local cctx = assert(tls.context { ca = cert, trace = function()
  if conn then coroutine.wrap(function() conn:gettimeout() end)() end
  collectgarbage(); collectgarbage()
end })
conn = assert(tls.wrap(assert(require("socket").connect("127.0.0.1", %d)), cctx,
  { servername = "localhost", timeout = 10 }))
assert(conn:receive() == "hi")
conn:close()
]]):format(port))
    reap()
    assert.is_true(ok, out)
  end)
end)

describe("LuaSocket conventions", function()
  it("getpeername and getsockname also give the address family", function()
    local port, reap = tls_server([[conn:send("x")]])
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 10 }))
    local ip, p, family = conn:getpeername()
    assert.are.equal("127.0.0.1", ip)
    assert.are.equal(port, p)
    assert.are.equal("inet", family)
    assert.are.equal("inet", select(3, conn:getsockname()))
    assert.are.equal("x", conn:receive(1))
    conn:close()
    reap()
  end)

  it("getsockname of an IPv6 server gives inet6", function()
    -- The test machines have ::1: without it this must fail, not pass.
    local server = assert(tls.listen("::1", 0, { certificate = cert, key = key }))
    local ip, _, family = server:getsockname()
    assert.are.equal("::1", ip)
    assert.are.equal("inet6", family)
    server:close()
  end)

  it("send follows string.sub's index rules and reports lastsent", function()
    local port, reap = tls_server([[print("got " .. conn:receive("*a"))]])
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 10 }))
    assert.are.equal(5, conn:send("abcdef", 2, 5))   -- "bcde"
    assert.are.equal(6, conn:send("abcdef", -2))     -- "ef"
    assert.are.equal(2, conn:send("abcdef", 3, 1))   -- nothing: i - 1
    assert.are.equal(6, conn:send("abcdef", -100, 100)) -- all of it
    conn:close()
    local res, err, last = conn:send("abc", 2)
    assert.is_nil(res)
    assert.are.equal("closed", err)
    assert.are.equal(1, last)
    assert.matches("got bcdeefabcdef", reap(), 1, true)
  end)

  -- review31d F2: LuaSocket cuts a fractional index toward zero; ours raised
  it("send cuts a fractional index toward zero, as LuaSocket does", function()
    local port, reap = tls_server([[print("got " .. conn:receive("*a"))]])
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 10 }))
    assert.are.equal(4, conn:send("abcdef", 2.5, 4.9)) -- "bcd"
    assert.are.equal(6, conn:send("abcdef", -2.5))     -- "ef"
    assert.are.equal(6, conn:send("abcdef", "6"))      -- "f": a numeric string, as LuaSocket takes it
    local ok, err = pcall(conn.send, conn, "abcdef", 0 / 0)
    assert.is_false(ok)
    assert.matches("(index is NaN)", err, 1, true)
    assert.are.equal(6, conn:send("abcdef", -math.huge, math.huge))
    conn:close()
    assert.matches("got bcdeffabcdef", reap(), 1, true)
  end)

  it("receive counts the prefix, and gives '' for 0", function()
    local port, reap = tls_server([[conn:send("12345")]])
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 10 }))
    assert.are.equal("", conn:receive(0))
    assert.are.equal("1", conn:receive("1")) -- LuaSocket takes a numeric string as a count
    assert.are.equal("2", conn:receive(1.9)) -- and truncates a fraction
    assert.are.equal("ab3", conn:receive(3, "ab"))
    assert.are.equal("xyz", conn:receive(2, "xyz"))
    assert.are.equal("45", conn:receive("*a"))
    local res, err, partial = conn:receive("*a")
    assert.is_nil(res)
    assert.are.equal("closed", err)
    assert.are.equal("", partial)
    conn:close()
    reap()
  end)

  it("a huge timeout or count waits like a long one", function()
    local port, reap = tls_server([[conn:send("12345")]])
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 10 }))
    conn:settimeout(1e300)
    assert.are.equal("12", conn:receive(2))
    conn:settimeout(math.huge)
    local res, err, partial = conn:receive(1e300)
    assert.is_nil(res)
    assert.are.equal("closed", err)
    assert.are.equal("345", partial)
    conn:close()
    reap()
  end)

  it("a timeout of 0 polls once", function()
    local port, reap = tls_server([[conn:handshake(); os.execute("sleep 1")]])
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 10 }))
    conn:settimeout(0)
    -- Waiting would end in "closed", when the server exits after a second.
    local res, err = conn:receive(1)
    assert.is_nil(res)
    -- LuaSec's word for a non-blocking socket (issue 12), not "timeout".
    assert.are.equal("wantread", err)
    conn:close()
    reap()
  end)
end)

describe("tls.wrap", function()
  -- The LuaSocket object owns the descriptor. Once it is closed, its number
  -- may be reused by the next socket: the connection must not write there.
  it("stops using the descriptor once the LuaSocket socket is closed", function()
    local listener = assert(socket.bind("127.0.0.1", 0))
    listener:settimeout(5)
    local _, port = listener:getsockname()
    local sock = assert(socket.connect("127.0.0.1", port))
    local first = assert(listener:accept())
    local conn = assert(tls.wrap(sock, client_ctx(), { servername = "localhost", timeout = 1 }))
    local fd = conn:getfd()
    sock:close()
    local other = assert(socket.connect("127.0.0.1", port))
    local second = assert(listener:accept())
    if other:getfd() ~= fd then pending("descriptor number not reused") end
    assert.are.equal(-1, conn:getfd())
    local res, err = conn:send("secret")
    assert.is_nil(res)
    assert.are.equal("closed", err)
    conn:close()
    second:settimeout(0.2)
    local got, gerr, partial = second:receive("*a")
    assert.are.equal("", got or partial)
    assert.are.equal("timeout", gerr)
    assert.are.equal(1, other:send("x")) -- still open, still ours
    for _, s in ipairs { first, second, other, listener } do s:close() end
  end)
end)
