-- The Lua API of luatls (see README): contexts, the sans-I/O engine pumped in
-- memory, and connections over real sockets to a peer process on 127.0.0.1
-- (or ::1). Each socket test starts its own small server script with
-- io.popen, reads "ready <port>" from it, and reaps it at the end.
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local E = require "spec.support.engines"

local LUA = "lua5.4"

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function write_file(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

-- Pumps bytes between two engines until neither has anything to say.
local pump = E.pump

local function engine_pair(client_opts, server_opts, servername)
  local sctx = assert(tls.context(server_opts))
  local cctx = assert(tls.context(client_opts))
  local c = assert(tls.engine(cctx, { servername = servername or "localhost" }))
  local s = assert(tls.engine(sctx))
  assert(c:start())
  pump(c, s)
  return c, s
end

local certs = {}
for _, kind in ipairs { "ec", "rsa", "ed25519" } do
  local cert, key = assert(tls.selfsigned { names = { "localhost", "127.0.0.1", "::1" }, key = kind })
  certs[kind] = { cert = cert, key = key }
end

local function server_opts(kind, extra)
  local o = { mode = "server", certificate = certs[kind].cert, key = certs[kind].key }
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

local function client_opts(kind, extra)
  local o = { ca = certs[kind].cert }
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

describe("tls.selfsigned", function()
  it("makes a certificate and key for each key kind", function()
    for _, kind in ipairs { "ec", "rsa", "ed25519" } do
      assert.truthy(certs[kind].cert:find("-----BEGIN CERTIFICATE-----", 1, true))
      assert.truthy(certs[kind].key:find("PRIVATE KEY-----", 1, true))
    end
  end)

  it("rejects a bad key kind naming the option", function()
    local ok, err = tls.selfsigned { key = "dsa" }
    assert.is_nil(ok)
    assert.matches("'key'", err)
  end)
end)

describe("tls.context", function()
  it("builds client and server contexts", function()
    assert.truthy(tostring(assert(tls.context(client_opts("ec")))):match("^tls.context{client}"))
    assert.truthy(tostring(assert(tls.context(server_opts("ec")))):match("^tls.context{server}"))
  end)

  it("names an unknown option", function()
    local ok, err = tls.context { mode = "client", cipher = "x" }
    assert.is_nil(ok)
    assert.matches("unknown option 'cipher'", err)
  end)

  it("names a bad mode", function()
    local ok, err = tls.context { mode = "peer" }
    assert.is_nil(ok)
    assert.matches("'mode'", err)
  end)

  it("names a bad cipher, group or signature algorithm", function()
    for option, value in pairs { ciphers = "TLS_NO_SUCH_SUITE", groups = "ffdhe1", sigalgs = "md5_rsa" } do
      local ok, err = tls.context(client_opts("ec", { [option] = value }))
      assert.is_nil(ok)
      assert.equal(option .. ":", err:match("^%w+:"))
      assert.truthy(err:find(value, 1, true))
    end
  end)

  it("accepts lists as well as strings", function()
    assert.truthy(tls.context(client_opts("ec", { ciphers = { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384" },
      groups = { "x25519" }, sigalgs = "ecdsa_secp256r1_sha256:ed25519" })))
  end)

  it("requires a certificate and key for servers", function()
    local ok, err = tls.context { mode = "server" }
    assert.is_nil(ok)
    assert.matches("certificate", err)
    ok, err = tls.context { mode = "server", certificate = certs.ec.cert }
    assert.is_nil(ok)
    assert.matches("'key'", err)
  end)

  it("reports a missing file with the option and path", function()
    local ok, err = tls.context { ca = "/nonexistent/ca.pem" }
    assert.is_nil(ok)
    assert.matches("^ca: ", err)
    assert.matches("/nonexistent/ca.pem", err, 1, true)
  end)

  it("rejects a key that does not match the certificate", function()
    local ok, err = tls.context { mode = "server", certificate = certs.ec.cert, key = certs.rsa.key }
    assert.is_nil(ok)
    assert.matches("key", err)
  end)

  it("loads certificate, key and ca from files", function()
    local cert, key = os.tmpname(), os.tmpname()
    write_file(cert, certs.ec.cert)
    write_file(key, certs.ec.key)
    assert.truthy(tls.context { mode = "server", certificate = cert, key = key })
    assert.truthy(tls.context { ca = cert })
    os.remove(cert)
    os.remove(key)
  end)

  it("raises for a non-table argument", function()
    assert.has_error(function() tls.context("client") end)
  end)

  -- Mutual TLS options: spec/mtls_server_spec.lua.
  it("refuses verify = true on a server without 'ca'", function()
    local ok, err = tls.context(server_opts("ec", { verify = true }))
    assert.is_nil(ok)
    assert.equal("a server that verifies clients needs option 'ca' naming the client CAs", err)
    assert.truthy(tls.context(server_opts("ec", { verify = false })))
  end)

  it("takes a certificate and key in a client context (mutual TLS), but not half a pair", function()
    assert.truthy(tls.context(client_opts("ec", { certificate = certs.ec.cert, key = certs.ec.key })))
    for missing, extra in pairs { key = { certificate = certs.ec.cert }, certificate = { key = certs.ec.key } } do
      local ok, err = tls.context(client_opts("ec", extra))
      assert.is_nil(ok)
      assert.equal("options 'certificate' and 'key' go together: '" .. missing .. "' is missing", err)
    end
  end)

  -- A security option accepted but doing nothing is worse than an error.
  it("refuses ca and security_level on a server that checks no client chain", function()
    for option, value in pairs { ca = certs.ec.cert, security_level = 3 } do
      local ok, err = tls.context(server_opts("ec", { [option] = value }))
      assert.is_nil(ok)
      assert.equal("option '" .. option .. "' would do nothing on a server that does not verify clients "
        .. "(set verify = \"required\" or \"optional\", or leave '" .. option .. "' out)", err)
    end
  end)

  it("refuses to make an engine from a context with strict_close, which an engine cannot honour", function()
    local ctx = assert(tls.context(client_opts("ec", { strict_close = true })))
    local e, err = tls.engine(ctx, { servername = "localhost" })
    assert.is_nil(e)
    assert.equal("tls.engine: the context's option 'strict_close' would do nothing on an engine, which "
      .. "never sees the TCP close (when your peer closes, check e:status().close_notify)", err)
  end)

  it("refuses them in the C layer too", function()
    local core = require "tls.core"
    local server, client = assert(core.context(true)), assert(core.context(false))
    assert.is_true(CTXM.set_verify(server, true))
    assert.is_true(CTXM.set_verify(server, false))
    assert.is_true(CTXM.set_chain(client, certs.ec.cert, false))
    assert.is_true(CTXM.set_key(client, certs.ec.key, false))
  end)
end)

describe("tls.context version options", function()
  it("takes TLSv1.2 and TLSv1.3 for min_version and max_version", function()
    for _, o in ipairs { { min_version = "TLSv1.2" }, { max_version = "TLSv1.2" }, { min_version = "TLSv1.3" },
                         { min_version = "TLSv1.2", max_version = "TLSv1.3" } } do
      assert(tls.context(o))
    end
  end)

  it("refuses the old versions, saying why", function()
    for _, v in ipairs { "SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1" } do
      local ctx, err = tls.context { min_version = v }
      assert.is_nil(ctx)
      assert.equal("option 'min_version': " .. v .. " is not supported (SSL 3.0, TLS 1.0 and 1.1 are insecure "
        .. "and deprecated by RFC 8996): use \"TLSv1.2\" or \"TLSv1.3\"", err)
    end
  end)

  it("refuses unknown names, other types and an empty range", function()
    assert.same({ nil, "option 'max_version' must be \"TLSv1.2\" or \"TLSv1.3\" (got 1.3)" },
      { tls.context { max_version = 1.3 } })
    assert.same({ nil, "option 'max_version' must be \"TLSv1.2\" or \"TLSv1.3\" (got \"\")" },
      { tls.context { max_version = "" } })
    assert.same({ nil, "option 'min_version' (TLSv1.3) is above 'max_version' (TLSv1.2)" },
      { tls.context { min_version = "TLSv1.3", max_version = "TLSv1.2" } })
  end)

  it("refuses require_ems that is not a boolean, or that TLS 1.3 alone makes meaningless", function()
    assert.same({ nil, "option 'require_ems' must be true or false (got string)" },
      { tls.context { require_ems = "yes" } })
    assert.same({ nil, "option 'require_ems' is about TLS 1.2, which min_version = \"TLSv1.3\" turns off" },
      { tls.context { require_ems = false, min_version = "TLSv1.3" } })
  end)

  it("checks the range in the C layer too", function()
    local core = require "tls.core"
    local ctx = assert(core.context(false))
    assert.same({ nil, "versions: only TLSv1.2 and TLSv1.3 are supported" }, { CTXM.set_versions(ctx, "TLSv1.1", "TLSv1.3") })
    assert.same({ nil, "min_version TLSv1.3 is above max_version TLSv1.2" }, { CTXM.set_versions(ctx, "TLSv1.3", "TLSv1.2") })
  end)

  it("refuses a client whose ciphers exist in none of its versions (spec/ctxcheck_spec.lua has more)", function()
    assert.same({ nil, "no peer can ever connect with these options: TLSv1.3 is out because 'ciphers' names no "
      .. "TLS 1.3 suite, and TLSv1.2 because 'min_version' is TLSv1.3" },
      { tls.context { verify = false, ciphers = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", min_version = "TLSv1.3" } })
  end)
end)

describe("tls.engine", function()
  local suites = { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256" }
  local groups = { "x25519", "secp256r1", "secp384r1" }
  local signatures = { ec = "ecdsa_secp256r1_sha256", rsa = "rsa_pss_rsae_sha256", ed25519 = "ed25519" }

  for _, kind in ipairs { "ec", "rsa", "ed25519" } do
    for _, suite in ipairs(suites) do
      for _, group in ipairs(groups) do
        it(("exchanges data with %s, %s, %s"):format(kind, suite, group), function()
          local c, s = engine_pair(client_opts(kind, { ciphers = suite, groups = group }), server_opts(kind))
          assert.is_true(c:status().handshake_done)
          assert.is_true(s:status().handshake_done)
          local info = c:info()
          assert.equal("TLSv1.3", info.version)
          assert.equal(suite, info.cipher)
          assert.equal(group, info.group)
          assert.equal(signatures[kind], info.signature)
          assert.is_false(info.hello_retry)
          assert.equal("localhost", info.servername)
          assert.equal(1, info.peer_chain_length)
          assert.equal("table", type(info.peer_certificate))
          assert.equal(suite, s:info().cipher)

          local big = string.rep("0123456789abcdef", 5000) -- several records
          assert.is_true(c:write("hello server"))
          assert.is_true(s:write(big))
          pump(c, s)
          assert.equal("hello server", s:read())
          -- The engine holds back records while 64 KiB wait unread.
          local got = {}
          repeat
            local chunk = c:read()
            got[#got + 1] = chunk
            pump(c, s)
          until chunk == ""
          assert.equal(#big, #table.concat(got))
          assert.is_true(big == table.concat(got))
        end)
      end
    end
  end

  it("goes through a HelloRetryRequest when the server wants another group", function()
    local c, s = engine_pair(client_opts("ec", { groups = "x25519:secp256r1" }),
      server_opts("ec", { groups = "secp256r1" }))
    assert.is_true(c:status().handshake_done)
    assert.is_true(c:info().hello_retry)
    assert.is_true(s:info().hello_retry)
    assert.equal("secp256r1", c:info().group)
  end)

  it("closes with close_notify", function()
    local c, s = engine_pair(client_opts("ec"), server_opts("ec"))
    c:close()
    pump(c, s)
    assert.is_true(c:status().closed)
    assert.is_true(s:status().peer_closed)
    assert.is_false(s:status().failed)
  end)

  it("fails on a certificate from an unknown authority, and tells the server", function()
    local c, s = engine_pair(client_opts("rsa"), server_opts("ec"))
    assert.is_true(c:status().failed)
    local msg, alert, from_peer = c:error()
    assert.equal("self-signed certificate is not trusted (subject: CN=localhost)", msg)
    assert.equal("unknown_ca", alert)
    assert.is_false(from_peer)
    local smsg, salert, sfrom_peer = s:error()
    assert.equal("peer sent alert unknown_ca (48)", smsg)
    assert.equal("unknown_ca", salert)
    assert.is_true(sfrom_peer)
  end)

  it("fails on a host name mismatch", function()
    local c = engine_pair(client_opts("ec"), server_opts("ec"), "example.org")
    assert.is_true(c:status().failed)
    assert.equal("host name mismatch: expected example.org, certificate is for DNS:localhost, IP:127.0.0.1, IP:::1", (c:error()))
    assert.equal("bad_certificate", select(2, c:error()))
  end)

  it("rejects garbage with a message and an alert", function()
    local s = assert(tls.engine(assert(tls.context(server_opts("ec")))))
    local ok, err = s:feed("GET / HTTP/1.1\r\n\r\n")
    assert.is_nil(ok)
    assert.equal("string", type(err))
    assert.is_true(s:status().failed)
    assert.truthy(#s:output() > 0) -- the alert
  end)

  it("refuses application data before the handshake", function()
    local c = assert(tls.engine(assert(tls.context(client_opts("ec"))), { servername = "localhost" }))
    local ok, err = c:write("early")
    assert.is_nil(ok)
    assert.equal("string", type(err))
  end)

  it("traces every message with ordered fields", function()
    local events = {}
    local c, s = engine_pair(client_opts("ec", { trace = function(ev) events[#events + 1] = ev end }),
      server_opts("ec"))
    assert.is_true(c:status().handshake_done and s:status().handshake_done)
    local seen = {}
    for _, ev in ipairs(events) do
      assert.truthy(ev.direction == "send" or ev.direction == "receive" or ev.direction == "key")
      assert.equal("string", type(ev.message))
      for _, f in ipairs(ev.fields) do
        assert.equal(ev[f[1]], f[2])
      end
      seen[ev.direction .. " " .. ev.message] = true
    end
    assert.truthy(seen["send ClientHello"])
    assert.truthy(seen["receive ServerHello"])
    assert.truthy(seen["receive Finished"])
    assert.truthy(seen["send Finished"])
  end)

  it("calls the trace function on the coroutine that drives the engine", function()
    local threads = {}
    local co = coroutine.create(function()
      local c, s = engine_pair(client_opts("ec", {
        trace = function() threads[coroutine.running()] = true end,
      }), server_opts("ec"))
      return c:status().handshake_done and s:status().handshake_done
    end)
    local ok, done = coroutine.resume(co)
    assert.is_true(ok)
    assert.is_true(done)
    assert.is_true(threads[co])
  end)

  it("aborts the handshake cleanly when the trace function raises", function()
    local c, s = engine_pair(client_opts("ec", {
      trace = function(ev) if ev.message == "Certificate" then error("stop at the certificate", 0) end end,
    }), server_opts("ec"))
    assert.is_true(c:status().failed)
    assert.matches("stop at the certificate", (c:error()), 1, true)
    assert.is_true(s:status().failed)
    collectgarbage()
  end)
end)

-- ---------------------------------------------------------------------------
-- Sockets: a peer process per test.

local files = {}
local function cert_files(kind)
  if not files[kind] then
    local cert, key = os.tmpname(), os.tmpname()
    write_file(cert, certs[kind].cert)
    write_file(key, certs[kind].key)
    files[kind] = { cert = cert, key = key }
  end
  return files[kind]
end

local peers = {}

-- Starts a luatls server running body (Lua code with `conn` in scope, after
-- accept) and returns its port.
local function tls_peer(body, opts)
  opts = opts or {}
  local f = cert_files(opts.kind or "ec")
  local script = os.tmpname()
  write_file(script, ([[
local tls = require "tls"
io.stdout:setvbuf("line")
local ctx = assert(tls.context { mode = "server", certificate = %q, key = %q })
local server = assert(tls.listen(%q, 0, ctx, { timeout = 10 }))
local _, port = server:getsockname()
print("ready " .. port)
local conn = assert(server:accept())
conn:settimeout(10)
local function sleep(t) os.execute("sleep " .. t) end
%s
conn:close()
server:close()
]]):format(f.cert, f.key, opts.host or "127.0.0.1", body))
  local env = "LUA_PATH=" .. q(package.path) .. " LUA_CPATH=" .. q(package.cpath)
  local p = assert(io.popen(env .. " " .. LUA .. " " .. q(script) .. " 2>&1", "r"))
  local line = p:read("l")
  local port = line and tonumber(line:match("^ready (%d+)"))
  if not port then
    error("peer did not start: " .. tostring(line) .. (p:read("a") or ""))
  end
  peers[#peers + 1] = { p = p, script = script }
  return port
end

-- A plain TCP peer (LuaSocket) that accepts and then runs body with `c`.
local function tcp_peer(body)
  local script = os.tmpname()
  write_file(script, ([[
local socket = require "socket"
io.stdout:setvbuf("line")
local server = assert(socket.bind("127.0.0.1", 0))
local _, port = server:getsockname()
print("ready " .. port)
server:settimeout(10)
local c = server:accept()
%s
if c then c:close() end
]]):format(body))
  local p = assert(io.popen(LUA .. " " .. q(script) .. " 2>&1", "r"))
  local port = tonumber((p:read("l") or ""):match("^ready (%d+)"))
  assert(port, "tcp peer did not start")
  peers[#peers + 1] = { p = p, script = script }
  return port
end

-- Waits for the peers and returns their output (assertion failures there).
local function reap()
  local out = {}
  for _, peer in ipairs(peers) do
    out[#out + 1] = peer.p:read("a")
    peer.p:close()
    os.remove(peer.script)
  end
  peers = {}
  return table.concat(out)
end

local function client_ctx(kind) return assert(tls.context(client_opts(kind or "ec"))) end

describe("tls sockets", function()
  after_each(function()
    local out = reap()
    assert.equal("", out)
  end)

  it("connects, exchanges lines and reports info", function()
    local port = tls_peer [[
      local line = assert(conn:receive("*l"))
      assert(conn:send("echo: " .. line .. "\n"))
    ]]
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 5 }))
    assert.equal(12, conn:send("hello there\n"))
    assert.equal("echo: hello there", conn:receive())
    local info = conn:info()
    assert.equal("TLSv1.3", info.version)
    assert.equal("localhost", info.servername)
    assert.equal("x25519", info.group)
    assert.equal("table", type(info.peer_certificate))
    assert.truthy(conn:getfd() >= 0)
    assert.matches("^tls.conn{client, fd %d+}", tostring(conn))
    conn:close()
    assert.equal(-1, conn:getfd())
    assert.matches("closed", tostring(conn))
    local ok, err = conn:receive()
    assert.is_nil(ok)
    assert.equal("closed", err)
  end)

  it("checks the name against an IP literal when servername defaults to the host", function()
    local port = tls_peer [[ conn:handshake() ]]
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { timeout = 5 }))
    assert.equal("127.0.0.1", conn:info().servername)
    conn:close()
  end)

  it("connects over IPv6", function()
    local port = tls_peer([[ assert(conn:send("six\n")) ]], { host = "::1" })
    local conn = assert(tls.connect("::1", port, client_ctx(), { servername = "localhost", timeout = 5 }))
    assert.equal("six", conn:receive("*l"))
    conn:close()
  end)

  it("implements LuaSocket's receive patterns", function()
    local port = tls_peer [[
      assert(conn:send("one\r\ntw\ro\nthree"))
      sleep(0.1)
      assert(conn:send("12345\nrest of it"))
    ]]
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 5 }))
    assert.equal("one", conn:receive())
    assert.equal("two", conn:receive("*line"))
    assert.equal(">three12", conn:receive(8, ">"))
    assert.equal("345", conn:receive("*l"))
    assert.equal("pre:rest of it", conn:receive("*a", "pre:"))
    local data, err, partial = conn:receive("*a")
    assert.is_nil(data)
    assert.equal("closed", err)
    assert.equal("", partial)
    conn:close()
  end)

  -- Since session 38 the bytes a receive takes are not moved out of the engine's buffer one by one; they
  -- go when the next record is opened. Lines that straddle records, records arriving while half the
  -- buffer is read, and every pattern mixed must still give the stream exactly as sent.
  it("gives a long stream of lines of every length exactly, whatever the patterns mixed", function()
    local function stream()
      local parts, seed = {}, 7
      for i = 1, 6000 do
        seed = (seed * 1103515245 + 12345) % 2147483648
        local len = (seed // 65536) % (i % 50 == 0 and 5000 or 40)
        parts[#parts + 1] = string.rep(string.char(97 + i % 26), len) .. (i % 7 == 0 and "\r\n" or "\n")
      end
      return table.concat(parts)
    end
    local port = tls_peer([[
      local data = ]] .. string.format("%q", stream()) .. [[
      local pos, size = 1, 1
      while pos <= #data do
        size = size * 7 % 19997 + 1
        assert(conn:send(data:sub(pos, pos + size - 1)))
        pos = pos + size
      end
    ]])
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 5 }))
    local want, pos, turn = stream(), 1, 0
    while true do
      turn = turn + 1
      local pattern = ({ "*l", "*L", 3, 1, 2000 })[turn % 5 + 1]
      local data, err, partial = conn:receive(pattern)
      if not data then
        assert.equal("closed", err)
        assert.equal(want:sub(pos), partial)
        break
      end
      if pattern == "*l" then
        local nl = want:find("\n", pos, true)
        assert.equal(want:sub(pos, nl - 1):gsub("\r", ""), data)
        pos = nl + 1
      else
        assert.equal(want:sub(pos, pos + #data - 1), data)
        pos = pos + #data
      end
    end
    assert.is_true(turn > 500, "only " .. turn .. " receives")
    conn:close()
  end)

  it("returns partial data on timeout and on close", function()
    local port = tls_peer [[
      assert(conn:send("abc"))
      sleep(0.6)
      assert(conn:send("def"))
    ]]
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 5 }))
    conn:settimeout(0.2)
    -- "abc" alone: the call gave up before "def" came.
    local data, err, partial = conn:receive("*l")
    assert.is_nil(data)
    assert.equal("timeout", err)
    assert.equal("abc", partial)
    conn:settimeout(5)
    data, err, partial = conn:receive(10)
    assert.is_nil(data)
    assert.equal("closed", err)
    assert.equal("def", partial)
    conn:close()
  end)

  it("returns nil, 'closed' when sending to a peer that went away", function()
    local port = tls_peer [[ conn:handshake() ]]
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 5 }))
    reap() -- the peer has exited
    local chunk = string.rep("x", 65536)
    local ok, err, last
    for _ = 1, 100 do
      ok, err, last = conn:send(chunk)
      if not ok then break end
    end
    assert.is_nil(ok)
    assert.equal("closed", err)
    assert.equal("number", type(last))
    conn:close()
  end)

  it("moves a megabyte each way", function()
    local port = tls_peer [[
      local d = assert(conn:receive(1048576))
      assert(conn:send(#d .. "\n"))
      assert(conn:send(string.rep("y", 300000)))
    ]]
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 10 }))
    local data = string.rep("x", 1048576)
    assert.equal(#data, conn:send(data))
    assert.equal("1048576", conn:receive())
    local all = assert(conn:receive("*a"))
    assert.equal(300000, #all)
    conn:close()
  end)

  it("sends slices like LuaSocket", function()
    local port = tls_peer [[ assert(conn:send(assert(conn:receive(5)) .. "\n")) ]]
    local conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 5 }))
    assert.equal(7, conn:send("xxhelloxx", 3, 7))
    assert.equal("hello", conn:receive())
    conn:close()
  end)

  it("closes a to-be-closed connection", function()
    local port = tls_peer [[ conn:handshake() ]]
    local keep
    do
      local conn <close> = assert(tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 5 }))
      keep = conn
    end
    assert.equal(-1, keep:getfd())
  end)

  it("says when the connection is refused", function()
    local s = assert(require("socket").bind("127.0.0.1", 0))
    local _, port = s:getsockname()
    s:close()
    local conn, err = tls.connect("127.0.0.1", port, client_ctx(), { timeout = 5 })
    assert.is_nil(conn)
    assert.equal("connection refused (127.0.0.1:" .. port .. ")", err)
  end)

  it("times out a handshake with a silent peer", function()
    local port = tcp_peer [[ if c then c:settimeout(3); c:receive("*a") end ]]
    local conn, err = tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 0.3 })
    assert.is_nil(conn)
    assert.equal("timeout during handshake with 127.0.0.1:" .. port .. " (no answer within 0.3 seconds)", err)
  end)

  it("fails the handshake on an untrusted certificate with a reason", function()
    local port = tls_peer [[ local ok, err = conn:handshake(); assert(not ok and err) ]]
    local conn, err = tls.connect("127.0.0.1", port, client_ctx("rsa"), { servername = "localhost", timeout = 5 })
    assert.is_nil(conn)
    assert.equal("self-signed certificate is not trusted (subject: CN=localhost)", err)
  end)

  it("aborts cleanly when the trace function raises", function()
    local port = tls_peer [[ local ok, err = conn:handshake(); assert(not ok and err) ]]
    local ctx = assert(tls.context(client_opts("ec", {
      trace = function(ev) if ev.direction == "receive" and ev.message == "ServerHello" then error("no thanks", 0) end end,
    })))
    local conn, err = tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 5 })
    assert.is_nil(conn)
    assert.matches("no thanks", err, 1, true)
  end)

  it("wraps a connected LuaSocket socket", function()
    local port = tls_peer [[ assert(conn:send("wrapped\n")) ]]
    local sock = assert(require("socket").connect("127.0.0.1", port))
    local conn = assert(tls.wrap(sock, client_ctx(), { servername = "localhost" }))
    conn:settimeout(5)
    assert.is_true(conn:dohandshake())
    assert.equal("wrapped", conn:receive())
    assert.equal(sock:getfd(), conn:getfd())
    conn:close()
    assert.equal(-1, conn:getfd())
  end)
end)

describe("tls.listen", function()
  it("picks a free port, times out accept and closes", function()
    local server = assert(tls.listen("127.0.0.1", 0, assert(tls.context(server_opts("ec")))))
    local ip, port = server:getsockname()
    assert.equal("127.0.0.1", ip)
    assert.truthy(port > 0)
    assert.truthy(server:getfd() >= 0)
    server:settimeout(0.05)
    local conn, err = server:accept()
    assert.is_nil(conn)
    assert.equal("timeout", err)
    assert.matches("^tls.server", tostring(server))
    server:close()
    assert.equal(-1, server:getfd())
  end)

  it("needs a server context", function()
    local server, err = tls.listen("127.0.0.1", 0, client_ctx())
    assert.is_nil(server)
    assert.matches("server", err)
  end)

  it("defers the handshake of accepted connections", function()
    local ctx = assert(tls.context(server_opts("ec")))
    local server = assert(tls.listen("127.0.0.1", 0, ctx, { timeout = 5 }))
    local _, port = server:getsockname()
    local env = "LUA_PATH=" .. q(package.path) .. " LUA_CPATH=" .. q(package.cpath)
    local ca = cert_files("ec").cert
    local client = ([[
      local tls = require "tls"
      local conn = assert(tls.connect("127.0.0.1", %d, assert(tls.context { ca = %q }), { servername = "localhost", timeout = 5 }))
      assert(conn:send("ping\n"))
      assert(conn:receive() == "pong")
      conn:close()
    ]]):format(port, ca)
    local p = assert(io.popen(env .. " " .. LUA .. " -e " .. q(client) .. " 2>&1", "r"))
    local conn = assert(server:accept())
    assert.is_false(conn:info().handshake_done)
    assert.equal("ping", conn:receive())
    assert.is_true(conn:info().handshake_done)
    assert.equal(5, conn:send("pong\n"))
    assert.equal("", p:read("a"))
    p:close()
    conn:close()
    server:close()
  end)
end)

teardown(function()
  for _, f in pairs(files) do
    os.remove(f.cert)
    os.remove(f.key)
  end
end)

describe("options that would do nothing on a client that does not verify", function()
   local tls = require "tls"
   for _, option in ipairs { "ca", "security_level" } do
      it("refuses '" .. option .. "' with verify = false", function()
         local opts = { verify = false }
         opts[option] = option == "ca" and "/etc/ssl/certs" or 3
         local ctx, err = tls.context(opts)
         assert.is_nil(ctx)
         assert.equal("option '" .. option .. "' would do nothing on a client with verify = false, which does "
            .. "not check the server's chain (leave '" .. option .. "' out, or verify)", err)
      end)
   end
end)
