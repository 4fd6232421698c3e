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
    assert.has_error(function() st.put("a", nil, 1) end, "bad argument #2 to 'put' (blob string expected, got nil)")
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
    -- Above RFC 8446's 7 days, as the memory store: refused before Redis
    -- is asked, and what was stored under the id stays.
    st.put("keep", "blob", 604800)
    assert.has_error(function() st.put("keep", "other", 604801) end,
      "bad argument #3 to 'put' (ttl in seconds expected, at most 604800 (7 days, RFC 8446 4.6.1), got 604801)")
    assert.has_error(function() st.put("keep", "other", math.maxinteger) end,
      "bad argument #3 to 'put' (ttl in seconds expected, at most 604800 (7 days, RFC 8446 4.6.1), got "
        .. "9.2233720368548e+18)")
    assert.equal("blob", st.get("keep"))
    st.delete("keep")
  end)
end)

describe("session stores in TLS 1.2 handshakes (session ids)", function()
  local E = require "spec.support.engines"
  local child = require "spec.support.luachild"

  local function unhex(h) return (h:gsub("%x%x", function(x) return string.char(tonumber(x, 16)) end)) end

  it("a session resumes through tls.store.memory; the store holds it sealed, never the master secret", function()
    local key = tls.ticketkeys.generate()
    local mem, puts, secrets = tls.store.memory(), {}, {}
    local store = {
      get = mem.get, delete = mem.delete,
      put = function(id, blob, ttl) puts[#puts + 1] = { id = id, blob = blob, ttl = ttl }; mem.put(id, blob, ttl) end,
    }
    local sctx = E.server_ctx { max_version = "TLSv1.2", tickets = 0, session_store = store, ticket_keys = { key },
      ticket_lifetime = 600,
      keylog = function(line) secrets[#secrets + 1] = unhex(line:match("^CLIENT_RANDOM %x+ (%x+)$")) end }
    local cctx = assert(tls.context { ca = E.CERT })
    local c = assert(tls.engine(cctx, { servername = "localhost" }))
    E.handshake(c, assert(tls.engine(sctx)))
    assert.are.equal(1, #puts)
    assert.are.equal(32, #puts[1].id)
    assert.are.equal(600, puts[1].ttl)
    assert.are.equal(key:sub(1, 16), puts[1].blob:sub(1, 16)) -- sealed under the current key
    assert.are.equal(48, #secrets[1])
    assert.is_nil(puts[1].blob:find(secrets[1], 1, true))
    local c2 = assert(tls.engine(cctx, { servername = "localhost", session = c:session() }))
    local s2 = assert(tls.engine(sctx))
    E.handshake(c2, s2)
    assert.is_true(c2:info().resumed)
    assert.is_true(s2:info().resumed)
  end)

  -- Runs two handshakes (the second offering the first's session) in a
  -- child with warnings on, the server's session_store made by store_src
  -- (Lua source); returns the child's output.
  local function two_handshakes(store_src, vars)
    local ok, out = child.run([[
warn("@on")
local E = require "spec.support.engines"
local store = ]] .. store_src .. [[

local sctx = E.server_ctx { max_version = "TLSv1.2", tickets = 0, session_store = store }
local cctx = assert(tls.context { ca = E.CERT })
local session
for i = 1, 2 do
  local c = assert(tls.engine(cctx, { servername = "localhost", session = session }))
  E.handshake(c, assert(tls.engine(sctx)))
  print("handshake " .. i .. " resumed=" .. tostring(c:info().resumed))
  session = c:session()
end
]], vars)
    assert.is_true(ok, out)
    return out
  end

  it("a store that raises is a warning and a full handshake, never an error", function()
    local out = two_handshakes([[{ get = function() error("get broke", 0) end,
      put = function() error("put broke", 0) end, delete = function() return false end }]])
    assert.truthy(out:find("handshake 1 resumed=false\n", 1, true), out)
    assert.truthy(out:find("handshake 2 resumed=false\n", 1, true), out)
    assert.truthy(out:find("Lua warning: tls: session store put failed (treated as a miss): put broke",
      1, true), out)
    assert.truthy(out:find("Lua warning: tls: session store get failed (treated as a miss): get broke", 1, true), out)
  end)

  it("a store that answers with the wrong type is a warning and a miss", function()
    local out = two_handshakes([[{ get = function() return { "not", "a", "string" } end,
      put = function() end, delete = function() return false end }]])
    assert.truthy(out:find("handshake 2 resumed=false\n", 1, true), out)
    assert.truthy(out:find("Lua warning: tls: session store get failed (treated as a miss): get returned a table, "
      .. "not the stored string or nil", 1, true), out)
    out = two_handshakes([[{ get = function() return 42 end, put = function() end, delete = function() end }]])
    assert.truthy(out:find("get returned a number, not the stored string or nil", 1, true), out)
  end)

  it("a store that answers with more than a sealed session can be is a warning and a miss", function()
    local out = two_handshakes([[{ get = function() return ("x"):rep(200000) end, put = function() end,
      delete = function() return false end }]])
    assert.truthy(out:find("handshake 2 resumed=false\n", 1, true), out)
    assert.truthy(out:find("Lua warning: tls: session store get failed (treated as a miss): get returned 200000 "
      .. "bytes, more than a sealed session can be", 1, true), out)
  end)

  it("a dead Redis is a warning and a full handshake, never an error", function()
    local port = proc.free_port("127.0.0.1")
    local out = two_handshakes("tls.store.redis { port = " .. port .. " }")
    assert.truthy(out:find("handshake 1 resumed=false\n", 1, true), out)
    assert.truthy(out:find("handshake 2 resumed=false\n", 1, true), out)
    local refused = "tls.store.redis 127.0.0.1:" .. port .. ": connection refused"
    assert.truthy(out:find("Lua warning: tls: session store put failed (treated as a miss): " .. refused,
      1, true), out)
    assert.truthy(out:find("Lua warning: tls: session store get failed (treated as a miss): " .. refused, 1, true),
      out)
  end)

  it("a live Redis store resumes the session", function()
    local db = redis.start()
    local out = two_handshakes("tls.store.redis { port = " .. db.port .. " }")
    db:remove()
    assert.truthy(out:find("handshake 1 resumed=false\nhandshake 2 resumed=true\n", 1, true), out)
    assert.is_nil(out:find("warning", 1, true), out)
  end)
end)

describe("session stores and 0-RTT anti-replay (delete says true once per ticket)", function()
  local E = require "spec.support.engines"

  local function contexts(store)
    local sctx = E.server_ctx { early_data = true, ticket_keys = { tls.ticketkeys.generate() },
      session_store = store }
    return sctx, assert(tls.context { ca = E.CERT, early_data = true })
  end

  local function first_session(cctx, sctx)
    local c = assert(tls.engine(cctx, { servername = "localhost" }))
    local s = assert(tls.engine(sctx))
    E.handshake(c, s)
    assert(s:write("tickets first"))
    E.pump(s, c, { strict = true })
    assert.are.equal("tickets first", c:read())
    return assert(c:session())
  end

  -- Offers the session with early data; returns what the server says of it.
  local function zero_rtt(cctx, sctx, session)
    local c = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = "early bytes" }))
    local s = assert(tls.engine(sctx))
    assert(c:start())
    E.pump(c, s)
    assert.is_true(s:status().handshake_done, tostring(s:error()))
    assert.is_true(s:info().resumed)
    return s:info().early_data
  end

  local function once_then_refused(store)
    local sctx, cctx = contexts(store)
    local session = first_session(cctx, sctx)
    assert.are.equal("accepted", zero_rtt(cctx, sctx, session))
    assert.are.equal("rejected", zero_rtt(cctx, sctx, session)) -- the replay
  end

  it("tls.store.memory: accepted once, the replay refused", function()
    once_then_refused(tls.store.memory())
  end)

  it("tls.store.redis: accepted once, the replay refused", function()
    local db = redis.start()
    local ok, err = pcall(once_then_refused, tls.store.redis { port = db.port })
    db:remove()
    assert(ok, err)
  end)

  it("a delete that answers Redis's DEL count (1, then 0) is understood: the replay refused", function()
    local mem = tls.store.memory()
    once_then_refused { get = mem.get, put = mem.put, delete = function(id) return mem.delete(id) and 1 or 0 end }
  end)

  it("a delete that answers anything else (\"OK\") counts as not deleted: 0-RTT refused", function()
    local mem = tls.store.memory()
    local sctx, cctx = contexts { get = mem.get, put = mem.put, delete = function(id) mem.delete(id); return "OK" end }
    local session = first_session(cctx, sctx)
    assert.are.equal("rejected", zero_rtt(cctx, sctx, session))
  end)
end)
