-- One Lua process (this one, a luatls server on cqueues) serves 1,000
-- concurrent TLS clients: a handshake, one request and one reply each, no
-- failure, memory bounded, every socket closed at the end.
--
-- The clients are one Python asyncio process (spec/support/loop_clients.lua):
-- it completes all 1,000 handshakes before it sends any request, so the
-- server holds all 1,000 connections open at once (a server that served
-- clients one at a time would wait for ever on the first request), which
-- the test checks exactly: the most connections open at once is 1000.
local tls = require "tls"
local cqueues = require "cqueues"
local proc = require "spec.support.proc"
local loop_clients = require "spec.support.loop_clients"
local certs = require "spec.support.certs"

local N = 1000

-- What the descriptors of this process point to (/proc/<our pid>/fd, read
-- by a shell whose $PPID is us).
local function my_fds()
  local fds = {}
  local p = assert(io.popen("ls -l /proc/$PPID/fd 2>/dev/null"))
  for line in p:lines() do
    local fd, target = line:match("(%d+) %-> (.*)$")
    if fd then fds[#fds + 1] = target end
  end
  p:close()
  return fds
end

local function sockets(fds)
  local n = 0
  for _, target in ipairs(fds) do
    if target:match("^socket:") then n = n + 1 end
  end
  return n
end

-- Under `make test-asan` freed memory waits in ASan's quarantine (256 MiB by
-- default) before it is reused, so RSS there says little: the bound is wider.
local ASAN = (os.getenv("LD_PRELOAD") or ""):find("asan", 1, true) ~= nil
local RSS_BOUND_KIB = ASAN and 512 * 1024 or 32 * 1024

local function rss_kib()
  return tonumber(proc.read_file("/proc/self/status"):match("VmRSS:%s*(%d+) kB"))
end

after_each(proc.kill_all)

describe("concurrency", function()
  it("one cqueues server serves 1000 TLS clients connected at once, each a handshake, a request and a reply; "
    .. "no failure, Lua memory back within 1 MiB and RSS within 32 MiB after (512 MiB under ASan), every socket closed", function()
    local c = certs.get()
    local ctx = assert(tls.context { mode = "server", certificate = c.leaf.ecdsa_p256.cert,
      key = c.leaf.ecdsa_p256.key })
    -- Warm up what is made once per process (the context's caches, cqueues),
    -- so that "after" compares like with like.
    local cq = cqueues.new()
    collectgarbage("collect")
    local lua_before, rss_before = collectgarbage("count"), rss_kib()
    local sockets_before = sockets(my_fds())

    local server = assert(tls.listen("127.0.0.1", 0, ctx, { backlog = 2048, timeout = 60 }))
    local _, port = server:getsockname()
    local open, peak, served, failures = 0, 0, 0, {}
    cq:wrap(function()
      for _ = 1, N do
        local conn, err = server:accept()
        if not conn then failures[#failures + 1] = "accept: " .. err; break end
        open = open + 1
        if open > peak then peak = open end
        cq:wrap(function()
          conn:settimeout(60)
          local line, rerr = conn:receive("*l")
          local id = line and line:match("^request (%d+)$")
          if not id then
            failures[#failures + 1] = "receive: " .. tostring(line or rerr)
          else
            local ok, serr = conn:send("reply " .. id .. "\n")
            if ok then served = served + 1 else failures[#failures + 1] = "send: " .. serr end
          end
          conn:close()
          open = open - 1
        end)
      end
      server:close()
    end)

    local clients = loop_clients.python(port, c.ca, N)
    local ok, err = cq:loop(120)
    assert(ok, err)
    assert.is_true(cq:empty(), "the server still had connections after 120 s")
    assert.is_true(clients:wait(60), "the clients did not finish:\n" .. clients:output())

    assert.same({}, failures)
    assert.equal(N, served)
    assert.equal(N, peak)
    assert.equal(0, open)
    local out = clients:output()
    assert.truthy(out:find("connected 1000 failed 0\n", 1, true), out)
    assert.truthy(out:find("replies 1000\n", 1, true), out)
    assert.truthy(out:find("done\n", 1, true), out)

    server, cq = nil, nil
    collectgarbage("collect")
    collectgarbage("collect")
    local lua_after, rss_after = collectgarbage("count"), rss_kib()
    assert.equal(sockets_before, sockets(my_fds()))
    assert.is_true(lua_after - lua_before < 1024,
      string.format("Lua memory grew by %.0f KiB", lua_after - lua_before))
    assert.is_true(rss_after - rss_before < RSS_BOUND_KIB,
      string.format("RSS grew by %d KiB", rss_after - rss_before))
  end)
end)
