-- examples/luv_echo.lua: an echo server on libuv through tls.engine and
-- e:want(), run as a user would (its own process), against real clients:
-- openssl s_client processes and our own client, several at once.
local tls = require "tls"
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"

local c = certs.get()

-- Starts the example for `count` connections; returns its handle and port.
local function start(count)
  local h = proc.spawn(string.format("%s %s examples/luv_echo.lua %s %s 127.0.0.1 0 %d", proc.lua_env(), proc.lua(),
    proc.quote(c.leaf.ecdsa_p256.cert), proc.quote(c.leaf.ecdsa_p256.key), count), { ours = true, timeout = 60 })
  return h, tonumber(proc.wait_output(h, "listening on 127%.0%.0%.1 port (%d+)"))
end

after_each(proc.kill_all)

describe("luv echo example", function()
  it("echoes for three of our clients open at once and two openssl s_client processes", function()
    local h, port = start(5)
    local ctx = assert(tls.context { ca = c.ca })
    -- All three handshakes complete while the others stay open: the server
    -- interleaves them on one thread.
    local conns = {}
    for i = 1, 3 do
      conns[i] = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 }))
    end
    local blob = string.rep("0123456789abcdef", 4096)   -- 64 KiB: several records each way
    for i = 3, 1, -1 do assert(conns[i]:send("line " .. i .. "\n")) end
    assert(conns[2]:send(blob))
    for i = 1, 3 do assert.equal("line " .. i, conns[i]:receive("*l")) end
    assert.is_true(conns[2]:receive(#blob) == blob, "the 64 KiB echo differs")
    for i = 1, 3 do conns[i]:close() end

    local clients = {}
    for i = 1, 2 do
      local input = os.tmpname()
      proc.write_file(input, "s_client " .. i .. "\n")
      -- s_client (without -quiet) closes when its input ends, once the echo is in.
      clients[i] = proc.spawn(string.format("(cat %s; sleep 1) | openssl s_client -connect 127.0.0.1:%d "
        .. "-servername localhost -CAfile %s -verify_return_error -quiet -no_ign_eof", proc.quote(input), port,
        proc.quote(c.ca)), { timeout = 30 })
    end
    for i = 1, 2 do assert.truthy(proc.wait_output(clients[i], "\ns_client " .. i .. "\n")) end
    assert.is_true(h:wait(20), h:output())
    local out = h:output()
    -- One line per connection, in the order they ended: the bytes each echoed.
    local echoed = {}
    for n in out:gmatch("client %d: TLSv1%.3 TLS_AES_128_GCM_SHA256, (%d+) bytes echoed\n") do
      echoed[#echoed + 1] = tonumber(n)
    end
    table.sort(echoed)
    assert.same({ 7, 7, 11, 11, 7 + #blob }, echoed)
    assert.truthy(out:find("served 5 connections\n", 1, true), out)
    assert.falsy(out:find("failed", 1, true), out)
  end)

  it("reports a client that is not speaking TLS and serves the next one", function()
    local h, port = start(2)
    local sock = assert(require("socket").connect("127.0.0.1", port))
    sock:settimeout(10)
    assert(sock:send("GET / HTTP/1.0\r\n\r\n"))
    local alert = sock:receive(7)                      -- the engine's alert record, then the close
    sock:close()
    local conn = assert(tls.connect("127.0.0.1", port, { ca = c.ca }, { servername = "localhost", timeout = 10 }))
    assert(conn:send("still here\n"))
    assert.equal("still here", conn:receive("*l"))
    conn:close()
    assert.is_true(h:wait(20), h:output())
    local out = h:output()
    assert.equal("\21\3\3\0\2\2\10", alert)          -- a fatal unexpected_message alert, in the clear
    assert.truthy(out:find('client 1: no handshake, 0 bytes echoed; failed: the peer did not speak TLS (it sent '
      .. '"GET /..."): it looks like an HTTP request (plain HTTP sent to a TLS port)\n', 1, true), out)
    assert.truthy(out:find("client 2: TLSv1.3 TLS_AES_128_GCM_SHA256, 11 bytes echoed\n", 1, true), out)
    assert.truthy(out:find("served 2 connections\n", 1, true), out)
  end)

  it("stops reading from a client that uploads and never reads the echo, and then echoes it all (review39d F1)",
    function()
    local h, port = start(1)
    local conn = assert(tls.connect("127.0.0.1", port, { ca = c.ca }, { servername = "localhost", timeout = 10 }))
    local total = 64 * 1024 * 1024
    local blob = ("0123456789abcdef"):rep(total // 16)
    -- Not reading, the client soon cannot send: the server has stopped
    -- reading (its write queue past 1 MiB) instead of holding it all.
    conn:settimeout(3)
    local last, err, partial = conn:send(blob)
    assert.is_nil(last)
    assert.equal("timeout", err)
    assert.is_true(partial < total // 2, ("the server took %d bytes without the client reading"):format(partial))
    -- Reading, it can: everything sent comes back.
    local sent, got = partial, 0
    conn:settimeout(0.05)
    while got < total do
      if sent < total then
        local l, _, p = conn:send(blob, sent + 1)
        sent = l or p or sent
      end
      local data, rerr, part = conn:receive(1024 * 1024)
      data = data or part
      assert.is_true(rerr == nil or rerr == "timeout", rerr)
      got = got + #data
    end
    assert.equal(total, got)
    conn:close()
    assert.is_true(h:wait(20), h:output())
    assert.truthy(h:output():find("client 1: TLSv1.3 TLS_AES_128_GCM_SHA256, " .. total .. " bytes echoed\n", 1, true),
      h:output())
  end)
end)
