-- Loopback benchmark between two lua5.4 processes: luatls against luatls and
-- LuaSec against LuaSec, alternated in the same run.
--
--   lua5.4 bench/lua_bench.lua [--quick] [--rounds N]
--
-- (with LUA_PATH/LUA_CPATH finding luatls: see bench/bench.mk). This process
-- is the client; for each measurement it starts a server process
-- (`lua5.4 bench/lua_bench.lua --serve ...`) that prints its port, serves,
-- and prints its CPU time when done. Both sides use ECDSA P-256 certificates
-- issued by a CA made here with the openssl command; the client verifies
-- the chain (and, for luatls, the host name: LuaSec 1.2 has no host name
-- check). Handshakes are sequential full handshakes over fresh TCP
-- connections; bulk is one connection carrying 16 KiB sends.
--
-- Output: detail lines starting with "#", then `name value` lines.

local CHUNK = 16384

local function lib(impl)
  if impl == "luatls" then return require "tls" end
  return require "ssl", require "socket"
end

local function die(...)
  io.stderr:write("lua_bench: ", string.format(...), "\n")
  os.exit(1)
end

local function check(v, err, what)
  if not v then die("%s: %s", what, tostring(err)) end
  return v
end

---------------------------------------------------------------------------
-- Contexts
---------------------------------------------------------------------------
local function server_context(impl, pki, suite)
  if impl == "luatls" then
    local tls = lib(impl)
    return check(tls.context { mode = "server", certificate = pki.leaf, key = pki.key,
                               groups = "x25519", ciphers = suite }, nil, "tls.context")
  end
  local ssl = lib(impl)
  local params = { mode = "server", protocol = "tlsv1_3", certificate = pki.leaf, key = pki.key,
                   verify = "none", options = "all", curveslist = "X25519",
                   ciphersuites = suite }
  return check(ssl.newcontext(params))
end

local function client_context(impl, pki, suite)
  if impl == "luatls" then
    local tls = lib(impl)
    return check(tls.context { mode = "client", ca = pki.ca, groups = "x25519", ciphers = suite },
                 nil, "tls.context")
  end
  local ssl = lib(impl)
  local params = { mode = "client", protocol = "tlsv1_3", cafile = pki.ca, verify = "peer",
                   options = "all", curveslist = "X25519", ciphersuites = suite }
  return check(ssl.newcontext(params))
end

---------------------------------------------------------------------------
-- Server process
---------------------------------------------------------------------------
local function listen(impl, ctx)
  if impl == "luatls" then
    local tls = lib(impl)
    local server = check(tls.listen("127.0.0.1", 0, ctx, { backlog = 64 }))
    local _, port = server:getsockname()
    return {
      port = port,
      accept = function()
        local conn = check(server:accept())
        check(conn:handshake())
        return conn
      end,
      close = function() server:close() end,
    }
  end
  local ssl, socket = lib(impl)
  local server = check(socket.bind("127.0.0.1", 0, 64))
  local _, port = server:getsockname()
  return {
    port = port,
    accept = function()
      local tcp = check(server:accept())
      tcp:setoption("tcp-nodelay", true)
      local conn = check(ssl.wrap(tcp, ctx))
      check(conn:dohandshake())
      return conn
    end,
    close = function() server:close() end,
  }
end

local function serve(impl, what, count, pki, suite)
  local ctx = server_context(impl, pki, suite ~= "default" and suite or nil)
  local server = listen(impl, ctx)
  io.stdout:write(string.format("port %d\n", server.port))
  io.stdout:flush()
  local cpu0 = os.clock()
  if what == "handshakes" then
    for _ = 1, count do
      local conn = server.accept()
      -- One byte back, so that the client's timing covers the server's
      -- whole handshake (a TLS 1.3 client finishes first).
      check(conn:send("k"))
      conn:close()
    end
  else
    local conn = server.accept()
    local got = 0
    while got < count do
      local data, err = conn:receive(CHUNK)
      if not data then die("server receive: %s", tostring(err)) end
      got = got + #data
    end
    check(conn:send("k"))
    conn:close()
  end
  io.stdout:write(string.format("cpu %.6f\n", os.clock() - cpu0))
  io.stdout:flush()
  server.close()
end

---------------------------------------------------------------------------
-- Client side
---------------------------------------------------------------------------
local function connect(impl, ctx, port)
  if impl == "luatls" then
    local tls = lib(impl)
    return check(tls.connect("127.0.0.1", port, ctx, { servername = "localhost" }))
  end
  local ssl, socket = lib(impl)
  local tcp = check(socket.tcp())
  tcp:setoption("tcp-nodelay", true)
  check(tcp:connect("127.0.0.1", port))
  local conn = check(ssl.wrap(tcp, ctx))
  conn:sni("localhost")
  check(conn:dohandshake())
  return conn
end

local function now()
  -- Wall time for rates; socket.gettime is there for both stacks.
  return require("socket").gettime()
end

local function start_server(impl, what, count, pki, suite)
  local cmd = string.format("%s %s --serve %s %s %d %q %q %q %s",
                            arg[-1] or "lua5.4", arg[0], impl, what, count, pki.ca, pki.leaf,
                            pki.key, suite or "default")
  local p = check(io.popen(cmd, "r"))
  local line = p:read("l")
  local port = line and tonumber(line:match("^port (%d+)"))
  if not port then die("server did not start (%s)", tostring(line)) end
  return p, port
end

local function finish_server(p)
  local line = p:read("l")
  p:close()
  local cpu = line and tonumber(line:match("^cpu ([%d.]+)"))
  if not cpu then die("server did not report its CPU time (%s)", tostring(line)) end
  return cpu
end

local function handshakes(impl, pki, count)
  local ctx = client_context(impl, pki)
  local p, port = start_server(impl, "handshakes", count, pki)
  local t0, cpu0 = now(), os.clock()
  for _ = 1, count do
    local conn = connect(impl, ctx, port)
    local ack, err = conn:receive(1)
    if ack ~= "k" then die("handshake ack: %s", tostring(err)) end
    conn:close()
  end
  local wall, cpu = now() - t0, os.clock() - cpu0
  local server_cpu = finish_server(p)
  return count / wall, count / (cpu + server_cpu)
end

local function bulk(impl, pki, bytes, suite)
  local ctx = client_context(impl, pki, suite)
  local p, port = start_server(impl, "bulk", bytes, pki, suite)
  local conn = connect(impl, ctx, port)
  local chunk = string.rep("x", CHUNK)
  local t0, cpu0 = now(), os.clock()
  for _ = 1, bytes // CHUNK do
    local i, err = conn:send(chunk)
    if i ~= CHUNK then die("send: %s", tostring(err)) end
  end
  local ack, err = conn:receive(1)
  if ack ~= "k" then die("bulk ack: %s", tostring(err)) end
  local wall, cpu = now() - t0, os.clock() - cpu0
  conn:close()
  local server_cpu = finish_server(p)
  local mb = bytes / 1e6
  return mb / wall, mb / (cpu + server_cpu)
end

-- TLS 1.3 NewSessionTickets one handshake of a server gets, as `openssl
-- s_client -msg` sees them: the handshake loop below uses each stack's
-- server as it comes (ours: `tickets` defaults to 2; LuaSec: libssl's
-- default of 2, which LuaSec has no option to turn off), so both clients
-- take in and process that many tickets per handshake.
local function tickets_sent(impl, pki)
  local p, port = start_server(impl, "handshakes", 1, pki)
  local cmd = string.format("openssl s_client -connect 127.0.0.1:%d -servername localhost -CAfile %q "
                              .. "-tls1_3 -msg -ign_eof </dev/null 2>&1", port, pki.ca)
  local s = check(io.popen(cmd, "r"))
  local n = 0
  for line in s:lines() do
    if line:match("^<<< .*NewSessionTicket") then n = n + 1 end
  end
  s:close()
  finish_server(p)
  return n
end

---------------------------------------------------------------------------
-- Certificates (ECDSA P-256 leaf for "localhost", issued by a CA)
---------------------------------------------------------------------------
local function make_pki()
  local dir = os.tmpname()
  os.remove(dir)
  local sh = string.format([[
set -e
mkdir -p %s && cd %s
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > ca.ext
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' > leaf.ext
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.csr -subj '/CN=bench CA' 2>/dev/null
openssl x509 -req -in ca.csr -signkey ca.key -days 30 -extfile ca.ext -out ca.pem 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj '/CN=localhost' 2>/dev/null
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile leaf.ext -out leaf.pem 2>/dev/null
]], dir, dir)
  if not os.execute(sh) then die("making certificates failed") end
  return { dir = dir, ca = dir .. "/ca.pem", leaf = dir .. "/leaf.pem", key = dir .. "/leaf.key" }
end

---------------------------------------------------------------------------
-- Statistics
---------------------------------------------------------------------------
local function stats(v)
  local s = {}
  for i, x in ipairs(v) do s[i] = x end
  table.sort(s)
  local n = #s
  local median = n % 2 == 1 and s[(n + 1) // 2] or (s[n // 2] + s[n // 2 + 1]) / 2
  return median, s[1], s[n]
end

local function report(what, unit, v)
  local median, lo, hi = stats(v)
  print(string.format("# %-44s %10.2f %-9s (range %.2f .. %.2f, %d rounds)", what, median, unit,
                      lo, hi, #v))
  return median
end

---------------------------------------------------------------------------
-- Main
---------------------------------------------------------------------------
if arg[1] == "--serve" then
  local impl, what, count = arg[2], arg[3], tonumber(arg[4])
  serve(impl, what, count, { ca = arg[5], leaf = arg[6], key = arg[7] }, arg[8])
  os.exit(0)
end

local quick, rounds, only = false, nil, nil
do
  local i = 1
  while arg[i] do
    if arg[i] == "--quick" then quick = true
    elseif arg[i] == "--rounds" then i = i + 1; rounds = tonumber(arg[i])
    elseif arg[i] == "--only" then i = i + 1; only = arg[i] -- luatls or luasec (for profiling)
    else die("usage: lua5.4 bench/lua_bench.lua [--quick] [--rounds N] [--only luatls|luasec]") end
    i = i + 1
  end
end
rounds = rounds or (quick and 5 or 9)
local hs_count = quick and 100 or 500
local bulk_bytes = (quick and 32 or 256) * 1024 * 1024
local suite = "TLS_AES_128_GCM_SHA256"

local has_luasec = only ~= "luatls" and pcall(require, "ssl")
local pki = make_pki()
print(string.format("# Lua loopback: %d rounds, %d handshakes and %d MiB per round and stack%s",
                    rounds, hs_count, bulk_bytes >> 20, has_luasec and "" or " (LuaSec missing)"))

-- What each server sends after a handshake, next to the figures.
local tickets = {}
for _, impl in ipairs { "luatls", "luasec" } do
  if (impl == "luatls" and only ~= "luasec") or (impl == "luasec" and has_luasec) then
    tickets[impl] = tickets_sent(impl, pki)
  end
end
print(string.format("# session tickets per handshake (TLS 1.3 NewSessionTicket, counted with openssl "
                      .. "s_client): luatls server %s, LuaSec server %s; both clients take them in",
                    tostring(tickets.luatls or "n/a"), tostring(tickets.luasec or "n/a")))

local r = { hs = {}, hs_cpu = {}, bulk = {}, bulk_cpu = {} }
for _, impl in ipairs { "luatls", "luasec" } do
  for k in pairs(r) do r[k][impl] = {} end
end
local hs_ratio, hs_cpu_ratio, bulk_cpu_ratio, bulk_ratio = {}, {}, {}, {}
for round = 1, rounds do
  for _, impl in ipairs { "luatls", "luasec" } do
    if (impl == "luatls" and only ~= "luasec") or (impl == "luasec" and has_luasec) then
      local rate, per_cpu = handshakes(impl, pki, hs_count)
      table.insert(r.hs[impl], rate)
      table.insert(r.hs_cpu[impl], per_cpu)
      local mbps, mb_per_cpu = bulk(impl, pki, bulk_bytes, suite)
      table.insert(r.bulk[impl], mbps)
      table.insert(r.bulk_cpu[impl], mb_per_cpu)
    end
  end
  if has_luasec and only == nil then
    hs_ratio[round] = r.hs.luatls[round] / r.hs.luasec[round]
    hs_cpu_ratio[round] = r.hs_cpu.luatls[round] / r.hs_cpu.luasec[round]
    bulk_cpu_ratio[round] = r.bulk_cpu.luatls[round] / r.bulk_cpu.luasec[round]
    bulk_ratio[round] = r.bulk.luatls[round] / r.bulk.luasec[round]
  end
end

local m = {}
for _, impl in ipairs { "luatls", "luasec" } do
  if #r.hs[impl] > 0 then
    m["hs_" .. impl] = report(impl .. " handshakes/s (wall)", "hs/s", r.hs[impl])
    m["hscpu_" .. impl] = report(impl .. " handshakes per CPU-second (both)", "hs/cpu-s", r.hs_cpu[impl])
    m["bulk_" .. impl] = report(impl .. " bulk " .. suite .. " (wall)", "MB/s", r.bulk[impl])
    m["bulkcpu_" .. impl] = report(impl .. " bulk MB per CPU-second (both)", "MB/cpu-s", r.bulk_cpu[impl])
  end
end
local function ratio_line(name, v)
  if #v == 0 then
    print(name .. " n/a")
  else
    print(string.format("%s %.3f", name, (stats(v))))
  end
end
if has_luasec and only == nil then
  report("handshake ratio luatls/LuaSec", "x", hs_ratio)
  print(string.format("#   (session tickets per handshake: luatls server %s, LuaSec server %s)",
                      tostring(tickets.luatls), tostring(tickets.luasec)))
  report("handshakes per CPU-s ratio luatls/LuaSec", "x", hs_cpu_ratio)
  report("bulk MB/s ratio luatls/LuaSec", "x", bulk_ratio)
  report("bulk MB per CPU-s ratio luatls/LuaSec", "x", bulk_cpu_ratio)
end
ratio_line("lua_handshake_ratio_vs_luasec", hs_ratio)
ratio_line("lua_bulk_cpu_ratio_vs_luasec", bulk_cpu_ratio)
ratio_line("lua_bulk_ratio_vs_luasec", bulk_ratio)
ratio_line("lua_handshake_cpu_ratio_vs_luasec", hs_cpu_ratio)
if tickets.luatls then print(string.format("lua_tickets_per_handshake_luatls %d", tickets.luatls)) end
if tickets.luasec then print(string.format("lua_tickets_per_handshake_luasec %d", tickets.luasec)) end
if m.hs_luatls then print(string.format("lua_handshakes_per_s_luatls %.0f", m.hs_luatls)) end
if m.hs_luasec then print(string.format("lua_handshakes_per_s_luasec %.0f", m.hs_luasec)) end
if m.bulkcpu_luatls then print(string.format("lua_bulk_MB_per_cpu_s_luatls %.0f", m.bulkcpu_luatls)) end
if m.bulkcpu_luasec then print(string.format("lua_bulk_MB_per_cpu_s_luasec %.0f", m.bulkcpu_luasec)) end

os.execute(string.format("rm -rf %q", pki.dir))
