-- Session stores: tls.store.memory (bounds, TTL, delete only what is there
-- and live) and tls.store.redis against a real redis-server (get, put,
-- delete, expiry in Redis, reconnecting after a restart, errors raised
-- when Redis is down).
local tls = require "tls"
local proc = require "spec.support.proc"
local redis = require "spec.support.redis"

describe("tls.store.memory", function()
  local now
  local function clock() return now end
  before_each(function() now = 1000 end)

  it("gets what was put, until its ttl has passed", function()
    local st = tls.store.memory { clock = clock }
    assert.is_nil(st.get("a"))
    st.put("a", "blob a", 10)
    st.put("b\0", "blob\0b", 20)
    assert.are.equal("blob a", st.get("a"))
    assert.are.equal("blob\0b", st.get("b\0"))
    now = 1009
    assert.are.equal("blob a", st.get("a"))
    now = 1010
    assert.is_nil(st.get("a"))
    assert.are.equal("blob\0b", st.get("b\0"))
    now = 1020
    assert.is_nil(st.get("b\0"))
    assert.are.equal(0, st.count())
  end)

  it("delete says true only for an entry that is there and live, once", function()
    local st = tls.store.memory { clock = clock }
    st.put("x", "1", 5)
    assert.is_true(st.delete("x"))
    assert.is_false(st.delete("x"))
    assert.is_nil(st.get("x"))
    assert.is_false(st.delete("never"))
    st.put("y", "2", 5)
    now = 1005
    assert.is_false(st.delete("y")) -- expired: not there any more
    assert.are.equal(0, st.count())
  end)

  it("put replaces; a ttl of 0 or less stores nothing", function()
    local st = tls.store.memory { clock = clock }
    st.put("k", "old", 5)
    st.put("k", "new", 50)
    assert.are.equal(1, st.count())
    now = 1010
    assert.are.equal("new", st.get("k"))
    st.put("k", "gone", 0)
    assert.is_nil(st.get("k"))
    st.put("z", "z", -3)
    assert.are.equal(0, st.count())
  end)

  it("holds at most `size` entries, the least recently used goes first", function()
    local st = tls.store.memory { size = 3, clock = clock }
    st.put("a", "A", 60)
    st.put("b", "B", 60)
    st.put("c", "C", 60)
    assert.are.equal("A", st.get("a")) -- a is now the most recently used
    st.put("d", "D", 60)                -- b goes
    assert.are.equal(3, st.count())
    assert.is_nil(st.get("b"))
    assert.are.equal("A", st.get("a"))
    assert.are.equal("C", st.get("c"))
    assert.are.equal("D", st.get("d"))
    st.put("e", "E", 60)                -- a (used before c and d) goes
    assert.is_nil(st.get("a"))
    assert.are.equal(3, st.count())
    for i = 1, 100 do st.put("n" .. i, "v", 60) end
    assert.are.equal(3, st.count())
    assert.are.equal("v", st.get("n100"))
    assert.is_nil(st.get("n97"))
  end)

  it("every option is optional; wrong ones raise", function()
    local st = tls.store.memory()
    st.put("a", "b", 60)
    assert.are.equal("b", st.get("a"))
    assert.are.equal("b", tls.store.memory {}.put("a", "b", 60) or "b")
    assert.has_error(function() tls.store.memory { size = 0 } end,
      "tls.store.memory: option 'size' must be a whole number of entries >= 1 (got 0)")
    assert.has_error(function() tls.store.memory { size = 1.5 } end,
      "tls.store.memory: option 'size' must be a whole number of entries >= 1 (got 1.5)")
    assert.has_error(function() tls.store.memory { sise = 1 } end, "tls.store.memory: unknown option 'sise'")
    assert.has_error(function() st.get(1) end, "bad argument #1 to 'get' (id string expected, got number)")
    assert.has_error(function() st.put("a", nil, 1) end, "bad argument #1 to 'put' (blob string expected, got nil)")
    assert.has_error(function() st.put("a", "b") end, "bad argument #3 to 'put' (ttl in seconds expected, got nil)")
  end)

  it("is a session_store a server context takes", function()
    local certs = require("spec.support.certs").get()
    local ctx = assert(tls.context { mode = "server", certificate = certs.leaf.ecdsa_p256.cert,
      key = certs.leaf.ecdsa_p256.key, session_store = tls.store.memory { size = 10 } })
    assert.truthy(ctx)
  end)
end)

describe("tls.store.redis", function()
  local server
  setup(function() server = redis.start() end)
  before_each(function()
    if not server.handle then server:restart() end -- a test that failed with Redis down
  end)
  teardown(function()
    if server then server:remove() end
    proc.kill_all()
  end)

  it("puts with Redis's expiry, gets, deletes (true once)", function()
    local st = tls.store.redis { port = server.port, prefix = "t1:" }
    assert.is_nil(st.get("\1\2"))
    st.put("\1\2", "sealed\0blob", 300)
    assert.are.equal("sealed\0blob", st.get("\1\2"))
    -- stored under prefix .. hex(id), with a TTL
    assert.are.equal("sealed\0blob", server:command("GET", "t1:0102"))
    local ttl = tonumber(server:command("TTL", "t1:0102"):match("^:(%d+)"))
    assert.truthy(ttl > 0 and ttl <= 300)
    assert.is_true(st.delete("\1\2"))
    assert.is_false(st.delete("\1\2"))
    assert.is_nil(st.get("\1\2"))
    st.put("gone", "x", 0) -- nothing to keep
    assert.is_nil(st.get("gone"))
  end)

  it("two stores on one Redis see each other's entries (a fleet)", function()
    local a = tls.store.redis { port = server.port }
    local b = tls.store.redis { host = "127.0.0.1", port = server.port, timeout = 2 }
    a.put("shared", "from a", 60)
    assert.are.equal("from a", b.get("shared"))
    assert.is_true(b.delete("shared"))
    assert.is_false(a.delete("shared"))
  end)

  it("connects again after Redis restarts", function()
    local st = tls.store.redis { port = server.port }
    st.put("before", "1", 60)
    assert.are.equal("1", st.get("before"))
    server:restart()                     -- empty again: no persistence
    assert.is_nil(st.get("before"))      -- the broken connection was replaced
    st.put("after", "2", 60)
    assert.are.equal("2", st.get("after"))
  end)

  it("raises when Redis is down, and works again once it is back", function()
    local st = tls.store.redis { port = server.port }
    st.put("k", "v", 60)
    server:stop()
    local message = "tls.store.redis 127.0.0.1:" .. server.port .. ": connection refused"
    -- (pcall: busted's has_error would take "...1:port: " for a file and line)
    assert.are.same({ false, message }, { pcall(st.get, "k") })
    assert.are.same({ false, message }, { pcall(st.put, "k", "v", 60) })
    assert.are.same({ false, message }, { pcall(st.delete, "k") })
    server:restart()
    assert.is_nil(st.get("k"))
    st.put("k", "w", 60)
    assert.are.equal("w", st.get("k"))
  end)

  it("raises Redis's own errors (a password it does not expect)", function()
    local st = tls.store.redis { port = server.port, password = "secret" }
    local ok, err = pcall(st.get, "k")
    assert.is_false(ok)
    assert.truthy(err:find("^tls%.store%.redis 127%.0%.0%.1:%d+: ERR AUTH"), err)
  end)

  it("uses the database it is given", function()
    local st = tls.store.redis { port = server.port, db = 3, prefix = "dbtest:" }
    st.put("i", "in db 3", 60)
    assert.are.equal("in db 3", st.get("i"))
    assert.are.equal("$-1", server:command("GET", "dbtest:69")) -- not in db 0
  end)

  it("checks its options", function()
    assert.has_error(function() tls.store.redis { port = "6379" } end,
      "tls.store.redis: option 'port' must be a port number (got 6379)")
    assert.has_error(function() tls.store.redis { hots = "x" } end, "tls.store.redis: unknown option 'hots'")
    assert.has_error(function() tls.store.redis { timeout = 0 } end,
      "tls.store.redis: option 'timeout' must be a number of seconds > 0")
    local st = tls.store.redis { port = server.port }
    assert.has_error(function() st.put("a", "b", 1.5) end,
      "bad argument #3 to 'put' (ttl in whole seconds expected, got 1.5)")
  end)
end)
