-- Session 44, review44f: misuse of the Lua API, and leftovers.
local tls = require "tls"
local E = require "spec.support.engines"

describe("review44f cqueues: close() while two other coroutines wait on the object", function()
  local cqueues = require "cqueues"
  local socket = require "socket"

  local silent_conn = require "spec.support.silent_conn"

  it("wakes both waiters with \"closed\" (the partial too) and the controller goes on", function()
    local conn, client = silent_conn()
    local q = cqueues.new()
    local res = {}
    q:wrap(function() res[1] = { conn:receive("*l", "pre") } end)
    q:wrap(function() res[2] = { conn:dohandshake() } end)
    q:wrap(function()
      cqueues.sleep(0.05)
      res[3] = { conn:close() }
    end)
    -- before review44f: false, "unable to update event disposition: Bad file descriptor (fd:N)"
    local ok, err = q:loop(10)
    assert(ok, err)
    assert.same({ nil, "closed", "pre" }, res[1])
    assert.same({ nil, "closed" }, res[2])
    assert.same({ 1 }, res[3])
    client:close()
  end)

  it("the same for two send()s", function()
    local conn, client = silent_conn()
    local q = cqueues.new()
    local res = {}
    for i = 1, 2 do q:wrap(function() res[i] = { conn:send("x") } end) end
    q:wrap(function()
      cqueues.sleep(0.05)
      conn:close()
    end)
    local ok, err = q:loop(10)
    assert(ok, err)
    assert.same({ nil, "closed" }, { res[1][1], res[1][2] })
    assert.same({ nil, "closed" }, { res[2][1], res[2][2] })
    client:close()
  end)

  it("and for two accept()s on a server", function()
    local server = assert(tls.listen("127.0.0.1", 0, E.server_ctx(), { timeout = 30 }))
    local q = cqueues.new()
    local res = {}
    for i = 1, 2 do q:wrap(function() res[i] = { server:accept() } end) end
    q:wrap(function()
      cqueues.sleep(0.05)
      server:close()
    end)
    local ok, err = q:loop(10)
    assert(ok, err)
    assert.same({ nil, "closed" }, res[1])
    assert.same({ nil, "closed" }, res[2])
  end)

  it("a call made after the close still says \"closed\", and one waiter alone is as before", function()
    local conn, client = silent_conn()
    local q = cqueues.new()
    local res = {}
    q:wrap(function() res[1] = { conn:receive(5) } end)
    q:wrap(function()
      cqueues.sleep(0.05)
      conn:close()
      res[2] = { conn:receive(5) }
    end)
    local ok, err = q:loop(10)
    assert(ok, err)
    assert.same({ nil, "closed", "" }, res[1])
    assert.same({ nil, "closed" }, { res[2][1], res[2][2] })
    client:close()
  end)
end)

describe("review44f receive patterns as LuaSocket reads them", function()
  local tcppair = require "spec.support.tcppair"

  -- a handshaken pair of wrapped connections: the client end, the server end
  local function pair()
    local a, b = tcppair()
    local srv = assert(tls.wrap(b, E.server_ctx()))
    local cl = assert(tls.wrap(a, assert(tls.context { mode = "client", verify = false }), { servername = "localhost" }))
    srv:settimeout(0); cl:settimeout(0)
    for _ = 1, 20 do
      cl:dohandshake(); srv:dohandshake()
      if cl:info() and cl:info().handshake_done and srv:info().handshake_done then break end
    end
    srv:settimeout(5); cl:settimeout(5)
    return cl, srv
  end

  it("refuses \"l\", \"a\", \"L\", \"line\" and \"all\" without the '*', as LuaSocket 3.0 and LuaSec do", function()
    local cl, srv = pair()
    assert(cl:send("one\ntwo\nthree\nrest"))
    for _, p in ipairs { "l", "a", "L", "line", "all", "", "x", "*x", "*" } do
      -- before review44f "l", "a", "L", "line" and "all" were read as "*l", "*a" and "*L"
      local ok, err = pcall(function() return srv:receive(p) end)
      assert.is_false(ok, p)
      assert.matches("bad argument #1 to 'receive' (invalid receive pattern)", err, 1, true)
    end
    -- LuaSocket looks at the letter after the '*' only
    assert.equal("one", srv:receive("*line"))
    assert.equal("two\n", srv:receive("*Lx"))
    assert.equal("thr", srv:receive("3"))
    assert.equal("e", srv:receive(1.5))
    cl:close()
    assert.equal("e\nrest", srv:receive("*all"))
    srv:close()
  end)

  it("under cqueues \"*all\" ends at the close with what came, as \"*a\" does", function()
    local cqueues = require "cqueues"
    local cl, srv = pair()
    local q = cqueues.new()
    local got
    q:wrap(function() got = { srv:receive("*all") } end)
    q:wrap(function()
      assert(cl:send("first "))
      cqueues.sleep(0.05)
      assert(cl:send("second"))
      cqueues.sleep(0.05) -- the close comes in a turn of its own, with nothing new
      cl:close()
    end)
    local ok, err = q:loop(10)
    assert(ok, err)
    -- before review44f: nil, "closed", "first second" (tls.loop knew only "*a" and "a")
    assert.same({ "first second" }, got)
    srv:close()
  end)
end)
