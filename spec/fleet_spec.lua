-- A fleet: two server processes (spec/support/fleet_server.lua) that share
-- one ticket key file and one Redis (a real redis-server on a free port).
-- A session made on server 1 resumes on server 2 with TLS 1.3 tickets,
-- TLS 1.2 tickets and TLS 1.2 session ids, for our client and for openssl
-- s_client (-sess_out / -sess_in); a server with other keys or without the
-- store does not resume it; a rotated key file is picked up by both; a
-- Redis that is down means warnings and full handshakes, and one that
-- restarts is reconnected to.
local tls = require "tls"
local proc = require "spec.support.proc"
local redis = require "spec.support.redis"
local certs = require("spec.support.certs").get()

local tk = tls.ticketkeys

local dir, keyfile, db
-- The servers a test started (proc.kill_all would stop Redis too).
local started = {}

local function server(o)
  o = o or {}
  local args = { "cert=" .. certs.leaf.ecdsa_p256.cert, "key=" .. certs.leaf.ecdsa_p256.key,
                 "keys=" .. (o.keys or keyfile), "recheck=0" }
  if o.max_version then args[#args + 1] = "max_version=" .. o.max_version end
  if o.tickets then args[#args + 1] = "tickets=" .. o.tickets end
  if o.redis then args[#args + 1] = "redis=" .. o.redis end
  for i, a in ipairs(args) do args[i] = proc.quote(a) end
  local h = proc.spawn(string.format("%s %s spec/support/fleet_server.lua %s", proc.lua_env(), proc.lua(),
    table.concat(args, " ")), { ours = true })
  started[#started + 1] = h
  return h, tonumber(proc.wait_output(h, "ready (%d+)"))
end

-- The "conn ..." lines (and failures) a server printed.
local function conns(h)
  local t = {}
  for line in h:output():gmatch("[^\n]+") do
    if line:find("^conn ") or line:find("^failed ") then t[#t + 1] = line end
  end
  return t
end

-- Our client on port: sends a line, reads the echo (and so the tickets
-- before it); returns info().resumed, the latest session, the version.
local function visit(port, session, max_version)
  local ctx = assert(tls.context { ca = certs.ca, max_version = max_version })
  local conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", session = session,
    timeout = 10 }))
  assert(conn:send("hello fleet\n"))
  assert.are.equal("hello fleet", conn:receive("*l"))
  local info, s = conn:info(), conn:session()
  conn:close()
  return info.resumed, s, info.version
end

local function s_client(port, args, input)
  return (proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
    .. "-verify_return_error -ign_eof %s", port, proc.quote(certs.ca), args), input or "hello fleet\n"))
end

setup(function()
  dir = proc.tmpdir()
  keyfile = dir .. "/ticket.keys"
  assert(tk.rotate(keyfile))
  assert(tk.rotate(keyfile))
  db = redis.start()
end)

teardown(function()
  proc.kill_all()
  if db then db:remove() end
  os.execute("rm -rf " .. proc.quote(dir))
end)

after_each(function()
  for _, h in ipairs(started) do h:kill() end
  started = {}
end)

for _, case in ipairs {
  { what = "TLS 1.3 tickets", version = "TLSv1.3" },
  { what = "TLS 1.2 tickets", version = "TLSv1.2", max_version = "TLSv1.2" },
  { what = "TLS 1.2 session ids in Redis", version = "TLSv1.2", max_version = "TLSv1.2", ids = true },
} do
  describe("a fleet of two servers, " .. case.what, function()
    local function fleet_server(o)
      o = o or {}
      o.max_version = case.max_version
      if case.ids then
        o.tickets = 0
        o.redis = o.redis or db.port
      end
      return server(o)
    end

    it("our client resumes on server 2 a session made on server 1", function()
      local s1, p1 = fleet_server()
      local s2, p2 = fleet_server()
      local resumed, session, version = visit(p1)
      assert.is_false(resumed)
      assert.are.equal(case.version, version)
      assert.truthy(session)
      assert.truthy(session:find("\nVersion: " .. case.version .. "\n", 1, true))
      resumed, _, version = visit(p2, session)
      assert.is_true(resumed, s2:output())
      assert.are.equal(case.version, version)
      assert.are.same({ "conn resumed=false version=" .. case.version }, conns(s1))
      assert.are.same({ "conn resumed=true version=" .. case.version }, conns(s2))
      if case.ids then
        -- the store holds the session (sealed) under its id
        local keys = db:command("KEYS", "fleet:*")
        assert.truthy(keys:match("^%*[1-9]"), keys)
      end
    end)

    it("openssl s_client: -sess_out on server 1, -sess_in on server 2 says Reused", function()
      local _, p1 = fleet_server()
      local s2, p2 = fleet_server()
      local sess = dir .. "/openssl.sess"
      local args = case.version == "TLSv1.3" and "-tls1_3" or "-tls1_2"
      if case.ids then args = args .. " -no_ticket" end
      local first = s_client(p1, args .. " -sess_out " .. proc.quote(sess))
      assert.truthy(first:find("New, " .. case.version .. ", Cipher is", 1, true), first)
      local again = s_client(p2, args .. " -sess_in " .. proc.quote(sess))
      assert.truthy(again:find("Reused, " .. case.version .. ", Cipher is", 1, true), again)
      assert.truthy(again:find("\nhello fleet\n", 1, true), again)
      assert.are.same({ "conn resumed=true version=" .. case.version }, conns(s2))
      os.remove(sess)
    end)

    it("a server with other keys (or another store) does not resume it: a full handshake", function()
      local _, p1 = fleet_server()
      local other = dir .. "/other.keys"
      assert(tk.rotate(other))
      local other_db = case.ids and redis.start() or nil
      local s3, p3 = fleet_server { keys = other, redis = other_db and other_db.port }
      local _, session = visit(p1)
      local resumed, _, version = visit(p3, session)
      assert.is_false(resumed)
      assert.are.equal(case.version, version)
      assert.are.same({ "conn resumed=false version=" .. case.version }, conns(s3))
      if other_db then other_db:remove() end
      os.remove(other)
    end)
  end)
end

describe("a fleet and its rotating key file", function()
  it("both servers pick up the rotated file: old sessions resume while their key is kept, new ones are "
    .. "sealed under the new key", function()
    local file = dir .. "/rotating.keys"
    assert(tk.rotate(file))
    local _, p1 = server { keys = file }
    local _, p2 = server { keys = file }
    local _, old = visit(p1)
    assert(tk.rotate(file))                    -- a new key in front, the old one kept
    local newest = assert(tk.read(file))[1]
    local resumed, renewed = visit(p2, old)
    assert.is_true(resumed)
    -- the tickets of that connection are sealed under the new key: a server
    -- holding only the new key resumes them, not the old session
    local only_new = dir .. "/only_new.keys"
    assert(tk.write(only_new, { newest }))
    local _, p3 = server { keys = only_new }
    assert.is_true((visit(p3, renewed)))
    assert.is_false((visit(p3, old)))
    -- once the old key is dropped from the file, its sessions need a full handshake
    assert(tk.rotate(file, 0))
    assert.is_false((visit(p1, old)))
    assert.is_false((visit(p2, old)))
    os.remove(file)
    os.remove(only_new)
  end)
end)

describe("a fleet and its Redis", function()
  it("reconnects after Redis restarts", function()
    local _, p1 = server { max_version = "TLSv1.2", tickets = 0, redis = db.port }
    local _, p2 = server { max_version = "TLSv1.2", tickets = 0, redis = db.port }
    local _, before = visit(p1)
    assert.is_true((visit(p2, before)))
    db:restart()                               -- empty: no persistence
    assert.is_false((visit(p2, before)))       -- the session is gone: a full handshake
    local _, after = visit(p1)
    assert.is_true((visit(p2, after)))
  end)

  it("with Redis down, servers warn and do full handshakes, never fail one", function()
    local dead = proc.free_port("127.0.0.1")
    local s1, p1 = server { max_version = "TLSv1.2", tickets = 0, redis = dead }
    local s2, p2 = server { max_version = "TLSv1.2", tickets = 0, redis = dead }
    local resumed, session = visit(p1)
    assert.is_false(resumed)
    assert.is_false((visit(p2, session)))
    assert.are.same({ "conn resumed=false version=TLSv1.2" }, conns(s1))
    assert.are.same({ "conn resumed=false version=TLSv1.2" }, conns(s2))
    local refused = "tls.store.redis 127.0.0.1:" .. dead .. ": connection refused"
    assert.truthy(s1:output():find("Lua warning: tls: session store put failed (treated as a miss): "
      .. refused, 1, true), s1:output())
    assert.truthy(s2:output():find("Lua warning: tls: session store get failed (treated as a miss): "
      .. refused, 1, true), s2:output())
  end)
end)
