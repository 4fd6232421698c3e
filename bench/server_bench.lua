-- Server benchmark under concurrent load: a luatls Lua server, a LuaSec Lua
-- server and nginx, each fed by the same load generator (bench/loadgen.c).
--
--   lua5.4 bench/server_bench.lua LOADGEN [--quick] [--rounds N] [--only SERVER]
--
-- (LUA_PATH/LUA_CPATH must find luatls: bench/bench.mk sets them.) Each round
-- starts all the servers at once and feeds them in turn, a batch of
-- connections each, batch after batch (so that a busy spell of the neighbours
-- falls on all of them alike; the machine is shared), and measures:
--   - handshakes: new TLS 1.3 connections (full handshakes, ECDSA P-256 leaf
--     issued by a CA, X25519, AES-128-GCM), a request, a 1 KiB reply, 64 in
--     flight: connections per CPU-second of the server;
--   - bulk: the same with a 16 MiB reply, 8 in flight: MB per CPU-second of
--     the server.
-- Servers (bench/servers/): luatls (tls.listen and the ordinary calls,
-- yielding to cqueues), luasec (LuaSec's non-blocking calls on the same
-- cqueues loop), nginx (one worker), luatls_engine (tls.engine over LuaSocket
-- on cqueues; not in --quick), luatls_notickets (only with --only).
-- The server's CPU time is its schedstat run time from /proc (utime+stime
-- where there is no schedstat; nginx: master and worker);
-- the load generator's is not counted. When taskset is there, each server is
-- pinned to CPU 1 and the load generator to CPU 0. A round's figure is its
-- total connections (or MB) over its total server CPU time; figures are
-- medians over the rounds, ratios the medians of the per-round ratios.
--
-- Output: detail lines starting with "#", then `name value` lines.

local loadgen = arg[1]
local quick, rounds, only = false, nil, nil
do
  local i = 2
  while arg[i] do
    if arg[i] == "--quick" then quick = true
    elseif arg[i] == "--rounds" then i = i + 1; rounds = tonumber(arg[i])
    elseif arg[i] == "--only" then i = i + 1; only = arg[i]
    else loadgen = nil end
    i = i + 1
  end
end
if not loadgen then
  io.stderr:write("usage: lua5.4 bench/server_bench.lua LOADGEN [--quick] [--rounds N] [--only SERVER]\n")
  os.exit(2)
end
rounds = rounds or (quick and 1 or 3)
local HS_BATCHES, HS_BATCH = quick and 4 or 5, quick and 100 or 300
local BULK_BYTES = 16 * 1024 * 1024
local BULK_BATCHES, BULK_BATCH = quick and 2 or 4, 4
local SMALL = 1024
local LUA = arg[-1] or "lua5.4"

local function die(...)
  io.stderr:write("server_bench: ", string.format(...), "\n")
  os.exit(1)
end

local function sh(cmd)
  local p = assert(io.popen(cmd, "r"))
  local out = p:read("a")
  local ok = p:close()
  return out, ok
end

local pin = sh("command -v taskset && nproc"):match("taskset.*\n(%d+)")
pin = pin and tonumber(pin) >= 2
local function pinned(cpu, cmd)
  return pin and string.format("taskset -c %d %s", cpu, cmd) or cmd
end

---------------------------------------------------------------------------
-- Certificates and a working directory
---------------------------------------------------------------------------
local dir = sh("mktemp -d"):match("%S+")
-- nginx's worker runs as another user when we are root: it reads bulk.bin.
os.execute("chmod 755 " .. dir)
local pki = { ca = dir .. "/ca.pem", leaf = dir .. "/leaf.pem", key = dir .. "/leaf.key" }
do
  local script = string.format([[
set -e
cd %s
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > ca.ext
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' > leaf.ext
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.csr -subj '/CN=bench CA' 2>/dev/null
openssl x509 -req -in ca.csr -signkey ca.key -days 30 -extfile ca.ext -out ca.pem 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj '/CN=localhost' 2>/dev/null
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile leaf.ext -out leaf.pem 2>/dev/null
head -c %d /dev/zero | tr '\0' x > bulk.bin
chmod 644 bulk.bin
]], dir, BULK_BYTES)
  if not os.execute(script) then die("making certificates failed") end
end

---------------------------------------------------------------------------
-- Servers: start(reply_bytes) -> { port=, pids={...}, request=, stop=function }
---------------------------------------------------------------------------
local function wait_for(path, pattern)
  for _ = 1, 200 do
    local f = io.open(path)
    if f then
      local s = f:read("a")
      f:close()
      local v = s:match(pattern)
      if v then return v end
    end
    os.execute("sleep 0.05")
  end
end

local function kill(pid)
  os.execute(string.format("kill %d 2>/dev/null; while kill -0 %d 2>/dev/null; do sleep 0.05; done", pid, pid))
end

-- A Lua server from bench/servers/: it prints "port N".
local started = 0
local function lua_server(script, extra)
  return function(reply)
    started = started + 1
    local out = string.format("%s/server%d.out", dir, started)
    local pid = sh(string.format("sh -c 'echo $$; exec %s >%s 2>%s.err' </dev/null & ",
                                 pinned(1, string.format("%s %s %s %s %d %s", LUA, script, pki.leaf,
                                                         pki.key, reply, extra or "")),
                                 out, out)):match("%d+")
    -- `sh -c 'echo $$; exec ...' &`: the pid printed is the one the server keeps.
    local port = wait_for(out, "port (%d+)")
    if not port then die("%s did not start: %s", script, (sh("cat " .. out .. ".err"))) end
    return { port = tonumber(port), pids = { tonumber(pid) }, request = "G",
             stop = function() kill(tonumber(pid)) end }
  end
end

local function free_port()
  local p = sh([[python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])']])
  return tonumber(p:match("%d+"))
end

local function nginx(reply)
  local port = free_port()
  local conf = assert(io.open("bench/servers/nginx.conf.in")):read("a")
  conf = conf:gsub("@(%u+)@", { DIR = dir, PORT = tostring(port), CERT = pki.leaf, KEY = pki.key,
                               BODY = string.rep("x", SMALL) })
  local f = assert(io.open(dir .. "/nginx.conf", "w"))
  f:write(conf)
  f:close()
  os.remove(dir .. "/nginx.pid")
  local master = sh(string.format("sh -c 'echo $$; exec %s </dev/null >/dev/null 2>&1' & ",
                                  pinned(1, string.format("/usr/sbin/nginx -p %s -c %s/nginx.conf -e %s/error.log",
                                                          dir, dir, dir)))):match("%d+")
  master = tonumber(master)
  if not wait_for(dir .. "/nginx.pid", "%d+") then die("nginx did not start: %s", (sh("cat " .. dir .. "/error.log"))) end
  local worker
  for _ = 1, 100 do
    worker = tonumber((sh("pgrep -P " .. master)):match("%d+"))
    if worker then break end
    os.execute("sleep 0.05")
  end
  if not worker then die("nginx has no worker") end
  return { port = port, pids = { master, worker },
           request = reply == SMALL and [[GET / HTTP/1.0\r\n\r\n]] or [[GET /bulk HTTP/1.0\r\n\r\n]],
           stop = function() kill(master) end }
end

local servers = {
  { name = "luatls", start = lua_server("bench/servers/luatls_server.lua", "2") },
  { name = "luasec", start = lua_server("bench/servers/luasec_server.lua") },
  { name = "nginx", start = nginx },
  -- Not in --quick: the same work through tls.engine over LuaSocket.
  { name = "luatls_engine", start = lua_server("bench/servers/luatls_engine_server.lua", "2"), full = true },
  -- Only with --only: the luatls server without tickets (LuaSec and nginx
  -- cannot turn off libssl's two TLS 1.3 tickets).
  { name = "luatls_notickets", start = lua_server("bench/servers/luatls_server.lua", "0"), asked = true },
}

-- One batch of connections against a running server; the load generator's
-- `key value` pairs.
local function batch(srv, h, reply, conns, inflight, warmup)
  local pids = {}
  for _, p in ipairs(h.pids) do pids[#pids + 1] = "--pid " .. p end
  local cmd = pinned(0, string.format("%s --port %d --ca %s %s --conns %d --inflight %d --reply %d --request '%s' --warmup %d",
                                      loadgen, h.port, pki.ca, table.concat(pids, " "), conns, inflight,
                                      reply, h.request, warmup))
  local out, ok = sh(cmd .. " 2>&1")
  local v = {}
  for k, x in out:gmatch("(%S+) ([%d.]+)") do v[k] = tonumber(x) end
  if not ok or not v.server_cpu_s then die("%s: load generator failed: %s", srv.name, out) end
  return v
end

-- Every server of the list started at once (each on CPU 1), then fed in
-- turn, batch after batch, so that a busy spell of the neighbours falls on
-- all of them alike. Returns, per server name, the totals.
local function measure(list, reply, batches, per_batch, inflight)
  local running, tot = {}, {}
  for _, srv in ipairs(list) do
    running[srv.name] = srv.start(reply)
    tot[srv.name] = { conns = 0, cpu = 0, mb = 0, tickets = 0, wall = 0 }
  end
  for b = 1, batches do
    for _, srv in ipairs(list) do
      local v = batch(srv, running[srv.name], reply, per_batch, inflight,
                      (b == 1 and reply == SMALL) and 64 or 0)
      local t = tot[srv.name]
      t.conns = t.conns + v.conns
      t.cpu = t.cpu + v.server_cpu_s
      t.mb = t.mb + v.MB
      t.tickets = t.tickets + v.tickets_per_conn * v.conns
      t.wall = t.wall + v.wall_s
    end
  end
  for _, srv in ipairs(list) do
    running[srv.name].stop()
    local t = tot[srv.name]
    t.per_cpu = t.conns / t.cpu
    t.mb_per_cpu = t.mb / t.cpu
    t.tickets = t.tickets / t.conns
    print(string.format("# %-16s %5d connections, reply %8d bytes: server CPU %.3f s, wall %.1f s, %.0f connections and %.0f MB per server CPU-second, %.1f tickets each",
                        srv.name, t.conns, reply, t.cpu, t.wall, t.per_cpu, t.mb_per_cpu, t.tickets))
    io.stdout:flush()
  end
  return tot
end

---------------------------------------------------------------------------
-- Statistics
---------------------------------------------------------------------------
local function median(v)
  local s = {}
  for i, x in ipairs(v) do s[i] = x end
  table.sort(s)
  local n = #s
  if n == 0 then return nil end
  return n % 2 == 1 and s[(n + 1) // 2] or (s[n // 2] + s[n // 2 + 1]) / 2, s[1], s[n]
end

---------------------------------------------------------------------------
-- Main
---------------------------------------------------------------------------
local list = {}
for _, s in ipairs(servers) do
  if only == s.name or (not only and not s.asked and not (quick and s.full)) then list[#list + 1] = s end
end
if #list == 0 then die("no server named %s", only) end
print(string.format("# server benchmark: %d round(s); per server and round %d connections (1 KiB reply, 64 in flight) and %d x 16 MiB (8 in flight), in %d batches taken in turn; servers %s",
                    rounds, HS_BATCHES * HS_BATCH, BULK_BATCHES * BULK_BATCH, HS_BATCHES,
                    pin and "on CPU 1, load generator on CPU 0" or "not pinned"))
io.stdout:flush()
local hs, bulk, tickets, ratio_sec, ratio_ngx = {}, {}, {}, {}, {}
for _, s in ipairs(list) do hs[s.name], bulk[s.name], tickets[s.name] = {}, {}, {} end
for round = 1, rounds do
  local small = measure(list, SMALL, HS_BATCHES, HS_BATCH, 64)
  local big = measure(list, BULK_BYTES, BULK_BATCHES, BULK_BATCH, 8)
  for _, s in ipairs(list) do
    table.insert(hs[s.name], small[s.name].per_cpu)
    table.insert(tickets[s.name], small[s.name].tickets)
    table.insert(bulk[s.name], big[s.name].mb_per_cpu)
  end
  if small.luatls and small.luasec then ratio_sec[round] = small.luatls.per_cpu / small.luasec.per_cpu end
  if small.luatls and small.nginx then ratio_ngx[round] = small.luatls.per_cpu / small.nginx.per_cpu end
end

for _, s in ipairs(list) do
  local m, lo, hi = median(hs[s.name])
  print(string.format("# %-16s %8.0f connections per server CPU-second (range %.0f .. %.0f), %.1f tickets each",
                      s.name, m, lo, hi, (median(tickets[s.name]))))
  m, lo, hi = median(bulk[s.name])
  print(string.format("# %-16s %8.0f MB per server CPU-second, 16 MiB replies (range %.0f .. %.0f)",
                      s.name, m, lo, hi))
end
local function line(name, v, fmt)
  local m = median(v)
  print(name .. " " .. (m and string.format(fmt or "%.3f", m) or "n/a"))
end
line("lua_server_ratio_vs_luasec", ratio_sec)
line("lua_server_ratio_vs_nginx", ratio_ngx)
for _, s in ipairs(list) do
  line("server_conns_per_cpu_s_" .. s.name, hs[s.name], "%.0f")
end
for _, s in ipairs(list) do
  line("server_bulk_MB_per_cpu_s_" .. s.name, bulk[s.name], "%.0f")
end
os.execute(string.format("rm -rf %q", dir))
