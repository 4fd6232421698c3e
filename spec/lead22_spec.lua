-- review22 F1/F3b: a peer that writes faster than we decrypt keeps the
-- socket readable. A receive must still end at its deadline (before, the
-- deadline was looked at only when recv() would block: a receive("*l")
-- with a 2 s timeout ran 16 s and held 1.5 GB, and under cqueues, where
-- each step runs at timeout 0, one such receive stopped every coroutine of
-- the loop). The streaming peer is a luatls client in another process.
local tls = require "tls"
local socket = require "socket"
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"

local c = certs.get()

local function server_ctx()
  return assert(tls.context { mode = "server", certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key })
end

local function listen()
  local server = assert(tls.listen("127.0.0.1", 0, server_ctx(), { timeout = 10 }))
  local _, port = server:getsockname()
  return server, port
end

-- A luatls client in another process sending 16 KiB records without a
-- newline, as fast as it can, until killed or `limit` bytes are sent (then
-- it closes: a receive that never ends, the defect, ends there). (openssl s_client reading
-- /dev/zero is too slow: between its writes the socket runs dry and the
-- old code's deadline check was reached too.)
local STREAMER = [[
local tls = require "tls"
local conn = assert(tls.connect("127.0.0.1", tonumber(arg[1]), tls.context { verify = false }, { timeout = 30 }))
local chunk = string.rep("A", 16384)
local left = tonumber(arg[2])
while left > 0 and conn:send(chunk) do left = left - #chunk end
conn:close()
]]
local function stream_zeros(port, limit)
  local script = proc.tmpname()
  proc.write_file(script, STREAMER)
  local h = proc.spawn(proc.lua_env() .. " " .. proc.lua() .. " " .. script .. " " .. port .. " " .. (limit or 2 ^ 31), { ours = true, timeout = 60 })
  return { kill = function() h:kill(); os.remove(script) end }
end

describe("lead22: a receive ends at its deadline while the peer keeps sending", function()
  after_each(function() proc.kill_all() end)

  for _, pattern in ipairs { "*l", "*a", 2 ^ 40 } do
    it("receive(" .. tostring(pattern) .. ") with timeout 1 returns 'timeout' within about a second", function()
      local server, port = listen()
      local peer = stream_zeros(port)
      local conn = assert(server:accept())
      server:close()
      assert(conn:handshake())
      conn:settimeout(1)
      local t0 = socket.gettime()
      local data, err, partial = conn:receive(pattern)
      local took = socket.gettime() - t0
      conn:close()
      peer:kill()
      assert.is_nil(data)
      assert.equal("timeout", err)
      assert.is_true(#partial > 0, "nothing was received: the peer did not stream")
      assert.is_true(took < 2.5, string.format("receive took %.1f s with a 1 s timeout", took))
    end)
  end

  -- Deterministic: the socket already holds far more than one read's worth
  -- when the call is made; one call at timeout 0 takes one read, where the
  -- old code read until the socket ran dry (everything queued, and for ever
  -- with a peer that keeps up).
  for _, pattern in ipairs { "*l", "*a", 2 ^ 40 } do
    it("receive(" .. tostring(pattern) .. ") at timeout 0 takes one read from a socket that holds many", function()
      local server, port = listen()
      local peer = stream_zeros(port, 64 * 1024 * 1024)
      local conn = assert(server:accept())
      server:close()
      assert(conn:handshake())
      socket.sleep(0.5)  -- the kernel's buffers fill: the streamer blocks in send
      conn:settimeout(0)
      local data, err, partial = conn:receive(pattern)
      conn:close()
      peer:kill()
      assert.is_nil(data)
      assert.is_true(err == "wantread" or err == "timeout", tostring(err))
      assert.is_true(#partial > 0, "nothing was received")
      assert.is_true(#partial <= 32 * 1024, "one call at timeout 0 took " .. #partial .. " bytes")
    end)
  end

  it("at timeout 0 a receive returns at once with what it read, the rest stays for the next call", function()
    local server, port = listen()
    local peer = stream_zeros(port)
    local conn = assert(server:accept())
    server:close()
    assert(conn:handshake())
    conn:settimeout(0)
    local total, calls = 0, 0
    local t0 = socket.gettime()
    while total < 4 * 1024 * 1024 and socket.gettime() - t0 < 20 do
      local t1 = socket.gettime()
      local data, err, partial = conn:receive("*l")
      assert.is_true(socket.gettime() - t1 < 0.5, "one receive at timeout 0 ran for more than 0.5 s")
      assert.is_nil(data)
      assert.is_true(err == "wantread" or err == "timeout", tostring(err))
      total, calls = total + #partial, calls + 1
      if #partial == 0 then socket.select({ conn }, nil, 1) end
    end
    conn:close()
    peer:kill()
    assert.is_true(total >= 4 * 1024 * 1024, "received only " .. total .. " bytes")
    assert.is_true(calls > 4, "4 MiB came in " .. calls .. " calls")
  end)

  it("under cqueues a streaming peer neither stalls the other coroutines nor outlives the timeout", function()
    local cqueues = require "cqueues"
    local server, port = listen()
    local peer = stream_zeros(port)
    local cq = cqueues.new()
    local done, maxgap, result = false, 0, nil
    cq:wrap(function()
      local conn = assert(server:accept())
      server:close()
      conn:settimeout(2)
      assert(conn:handshake())
      local t0 = cqueues.monotime()
      local data, err, partial = conn:receive("*l")
      result = { data = data, err = err, n = partial and #partial or 0, took = cqueues.monotime() - t0 }
      conn:close()
      done = true
    end)
    cq:wrap(function()
      local last = cqueues.monotime()
      while not done do
        cqueues.sleep(0.05)
        local now = cqueues.monotime()
        if now - last > maxgap then maxgap = now - last end
        last = now
      end
    end)
    assert(cq:loop(30))
    peer:kill()
    assert.is_nil(result.data)
    assert.equal("timeout", result.err)
    assert.is_true(result.n > 0, "nothing was received")
    assert.is_true(result.took < 3.5, string.format("receive took %.1f s with a 2 s timeout", result.took))
    assert.is_true(maxgap < 0.5, string.format("the other coroutine waited %.2f s", maxgap))
  end)
end)
