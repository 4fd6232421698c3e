-- Session 23: receive("*L") and a line's max (a bounded line read, which
-- tls.https's response reader uses instead of reading a byte at a time),
-- their handling across the turns of an event loop (tls.util.receive_turns,
-- shared by tls.loop and tls.copas), and conn:shutdown("send") (an upload
-- that must arrive whole while the peer still sends).
local tls = require "tls"
local socket = require "socket"
local util = require "tls.util"
local child = require "spec.support.luachild"
local certs = require "spec.support.certs"

local c = certs.get()
local leaf = c.leaf.ecdsa_p256

-- A client connected to a child server that runs body (Lua source with
-- conn in scope; REPLY holds `reply`); returns the connection and the
-- function that waits for the child's output.
local function client_of(body, reply)
  local port, wait = child.tls_server(leaf.cert, leaf.key, body, { REPLY = reply or "" })
  local conn = assert(tls.connect("127.0.0.1", port, tls.context { verify = false }, { timeout = 10 }))
  return conn, wait
end

local function replying(reply)
  return client_of("conn:send(REPLY)\n", reply)
end

local function pack(...) return table.pack(...) end

describe("lead23: receive('*L') and a line's max", function()
  it("'*L' returns each line as sent, its LF and every CR kept", function()
    local conn, wait = replying("a\r\nb\rc\n\nlast")
    assert.equal("a\r\n", conn:receive("*L"))
    assert.equal("b\rc\n", conn:receive("*L"))
    assert.equal("\n", conn:receive("*L"))
    assert.same({ nil, "closed", "last", n = 3 }, pack(conn:receive("*L")))
    conn:close()
    wait()
  end)

  it("a line longer than max: nil, 'line too long' and the max bytes; the rest stays for the next call", function()
    local conn, wait = replying("12345\r\n123456\nabc\nabc\n\nx\nab\r\r\r\n1\r2345\nPREFIX")
    -- "*l": the CRs dropped are not counted
    assert.equal("12345", conn:receive("*l", nil, 5))
    assert.same({ nil, "line too long", "12345", n = 3 }, pack(conn:receive("*l", nil, 5)))
    assert.equal("6", conn:receive("*l"))
    -- "*L": the LF is counted; a line of exactly max is taken
    assert.equal("abc\n", conn:receive("*L", nil, 4))
    assert.same({ nil, "line too long", "abc", n = 3 }, pack(conn:receive("*L", nil, 3)))
    assert.equal("\n", conn:receive("*L", nil, 1))
    -- max 0: only an empty line
    assert.equal("", conn:receive("*l", nil, 0))
    assert.same({ nil, "line too long", "", n = 3 }, pack(conn:receive("*l", nil, 0)))
    assert.equal("x", conn:receive("*l", nil, 1))
    -- CRs after the room is used up, then the LF: the line fits
    assert.equal("ab", conn:receive("*l", nil, 2))
    -- a CR inside the part kept
    assert.same({ nil, "line too long", "123", n = 3 }, pack(conn:receive("*l", nil, 3)))
    assert.equal("45", conn:receive("*l"))
    -- the prefix is not counted; what was received is
    assert.same({ nil, "closed", "pre:PREFIX", n = 3 }, pack(conn:receive("*l", "pre:", 6)))
    conn:close()
    wait()
  end)

  it("holds at most max bytes of a line that never ends", function()
    local conn, wait = client_of([[
local chunk = string.rep("A", 16384)
for _ = 1, 64 do conn:send(chunk) end
conn:settimeout(5)
conn:receive("*a")
]])
    local data, err, partial = conn:receive("*L", nil, 100000)
    assert.is_nil(data)
    assert.equal("line too long", err)
    assert.equal(100000, #partial)
    -- the rest is still there, in order
    data = conn:receive(16384)
    assert.equal(string.rep("A", 16384), data)
    conn:close()
    wait()
  end)

  it("refuses a max with a count or '*a', a negative max and a fraction", function()
    local conn, wait = replying("x\n")
    -- (the argument's number depends on whether tls.loop wrapped the method)
    local function raises(text, ...)
      local ok, err = pcall(conn.receive, conn, ...)
      assert.is_false(ok)
      assert.truthy(err:find("bad argument #%d to '[^']+' %(" .. text:gsub("%p", "%%%0") .. "%)$"), err)
    end
    raises("a line's max goes with \"*l\" or \"*L\" only", 10, nil, 5)
    raises("a line's max goes with \"*l\" or \"*L\" only", "*a", nil, 5)
    raises("a line's max must not be negative", "*l", nil, -1)
    raises("number has no integer representation", "*l", nil, 1.5)
    raises("invalid receive pattern", "*x")
    assert.equal("x", conn:receive("*l", nil, 2 ^ 53))
    conn:close()
    wait()
  end)
end)

-- receive_turns against scripted turns: each turn gives what the next
-- piece holds, as a non-blocking C call would.
describe("lead23: tls.util.receive_turns across turns", function()
  -- A fake non-blocking receive over `stream` delivered `sizes` bytes at a
  -- time; records the arguments of each turn.
  local function fake(stream, sizes)
    local pos, avail, calls = 1, 0, {}
    local turn_no = 0
    local function turn(pattern, prefix, max)
      turn_no = turn_no + 1
      calls[#calls + 1] = { pattern, prefix, max }
      avail = math.min(#stream, avail + (sizes[turn_no] or 0))
      local out = prefix or ""
      if type(pattern) == "number" then
        local n = math.min(pattern - #out, avail - pos + 1)
        out = out .. stream:sub(pos, pos + n - 1)
        pos = pos + n
        if #out >= pattern then return out end
        return nil, "wantread", out
      end
      local raw = pattern == "*L"
      local kept = 0
      while pos <= avail do
        local ch = stream:sub(pos, pos)
        if ch == "\n" then
          if raw and max and kept >= max then return nil, "line too long", out end
          pos = pos + 1
          return out .. (raw and "\n" or "")
        end
        if raw or ch ~= "\r" then
          if max and kept >= max then return nil, "line too long", out end
          out, kept = out .. ch, kept + 1
        end
        pos = pos + 1
      end
      if pos > #stream then return nil, "closed", out end
      return nil, "wantread", out
    end
    return turn, calls
  end
  local function go() return true end

  it("gives each turn the room left of a line's max, the prefix not counted", function()
    local turn, calls = fake("abcdefgh\n", { 3, 3, 3 })
    assert.same({ "PREabcdefgh\n", n = 1 }, pack(util.receive_turns(turn, go, "*L", "PRE", 9)))
    assert.same({ { "*L", "PRE", 9 }, { "*L", nil, 6 }, { "*L", nil, 3 } }, calls)
    turn, calls = fake("abcdefgh\n", { 3, 3, 3 })
    assert.same({ nil, "line too long", "PREabcdefgh", n = 3 }, pack(util.receive_turns(turn, go, "*L", "PRE", 8)))
    assert.same({ "*L", nil, 2 }, calls[3])
  end)

  it("counts what was received, a count asking only for what is missing", function()
    local turn, calls = fake("0123456789", { 4, 4, 4 })
    assert.same({ "0123456789", n = 1 }, pack(util.receive_turns(turn, go, 10)))
    assert.same({ { 10 }, { 6 }, { 2 } }, calls)
  end)

  it("stops with 'timeout' and what came when the wait says the time is up", function()
    local turn = fake("abcdef", { 2 })
    assert.same({ nil, "timeout", "ab", n = 3 },
      pack(util.receive_turns(turn, function() return false end, "*l")))
  end)
end)

describe("lead23: a line's max inside cqueues", function()
  it("is kept across the turns of a line arriving in pieces", function()
    local cqueues = require "cqueues"
    require "tls.loop"
    local conn, wait = client_of([[
local socket = require "socket"
for _, piece in ipairs { "abc", "def", "gh\n", "abc", "def", "ghi\n" } do conn:send(piece) socket.sleep(0.05) end
]])
    local cq = cqueues.new()
    local results = {}
    cq:wrap(function()
      results[1] = pack(conn:receive("*L", "PRE", 9))
      results[2] = pack(conn:receive("*L", nil, 8))
      results[3] = pack(conn:receive("*l"))
    end)
    assert(cq:loop(10))
    conn:close()
    wait()
    assert.same({ "PREabcdefgh\n", n = 1 }, results[1])
    assert.same({ nil, "line too long", "abcdefgh", n = 3 }, results[2])
    assert.same({ "i", n = 1 }, results[3])
  end)

  it("'*a' returns what came in earlier turns when the last one finds the close (review23b B1)", function()
    local cqueues = require "cqueues"
    require "tls.loop"
    local conn, wait = client_of([[
local socket = require "socket"
for _, piece in ipairs { "abc", "def" } do conn:send(piece) socket.sleep(0.05) end
]])
    local cq = cqueues.new()
    local result
    cq:wrap(function() result = pack(conn:receive("*a")) end)
    assert(cq:loop(10))
    conn:close()
    wait()
    assert.same({ "abcdef", n = 1 }, result)
  end)
end)

describe("lead23: tls.https reads a line with one bounded receive", function()
  it("refuses a field line over 64 KiB as soon as 64 KiB came, without waiting for its end", function()
    local https = require "tls.https"
    local port, wait = child.tls_server(leaf.cert, leaf.key, [[
repeat local l = conn:receive("*l") until l == "" or l == nil
conn:send("HTTP/1.1 200 OK\r\nA: " .. string.rep("x", 200 * 1024))
conn:settimeout(5)
conn:receive("*a")
]])
    local t0 = socket.gettime()
    local r, err = https.request { url = "https://localhost:" .. port .. "/", ca = c.ca, timeout = 30 }
    local took = socket.gettime() - t0
    wait()
    assert.is_nil(r)
    assert.equal("tls.https: a line of the server's response is longer than 65536 bytes", err)
    -- (a read that held the whole line waited for its end: the server's 5 s, then its close)
    assert.is_true(took < 4, "took " .. took)
  end)

  -- (review23b B2, B3) with MAX_LINE 100: a line one byte over is refused at
  -- once, one of 100 bytes and its CRLF taken, a CR not followed by LF
  -- refused; and a MAX_LINE that is not a whole number bounds nothing
  it("takes a line of exactly MAX_LINE and its CRLF, refuses one byte more at once", function()
    local https = require "tls.https"
    local function request(head)
      local port, wait = child.tls_server(leaf.cert, leaf.key, [[
repeat local l = conn:receive("*l") until l == "" or l == nil
conn:send(REPLY)
conn:settimeout(5)
conn:receive("*a")
]], { REPLY = head })
      local t0 = socket.gettime()
      local r, code = https.request { url = "https://localhost:" .. port .. "/", ca = c.ca, timeout = 30 }
      local took = socket.gettime() - t0
      wait()
      assert.is_true(took < 4, "took " .. took .. " for " .. head:sub(-30):gsub("[\r\n]", "|"))
      return r, code
    end
    local saved = https.MAX_LINE
    https.MAX_LINE = 100
    local ok, err = pcall(function()
      local field = "A: " .. string.rep("x", 97) -- 100 bytes
      assert.same({ nil, "tls.https: a line of the server's response is longer than 100 bytes" },
        { request("HTTP/1.1 200 OK\r\n" .. field .. "y") })
      assert.same({ nil, "tls.https: a line of the server's response is longer than 100 bytes" },
        { request("HTTP/1.1 200 OK\r\n" .. field .. "\rX") })
      assert.same({ 1, 200 }, { request("HTTP/1.1 200 OK\r\n" .. field .. "\r\nContent-Length: 0\r\n\r\n") })
      assert.same({ 1, 200 }, { request("HTTP/1.1 200 OK\r\n" .. field .. "\nContent-Length: 0\r\n\r\n") })
      https.MAX_LINE = math.huge
      assert.same({ 1, 200 }, { request("HTTP/1.1 200 OK\r\n" .. field .. "\r\nContent-Length: 0\r\n\r\n") })
    end)
    https.MAX_LINE = saved
    assert(ok, err)
  end)
end)

describe("lead23: conn:shutdown('send')", function()
  for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
    it(version .. ": an upload ends with close_notify and arrives whole, while the server still sends", function()
      -- The server answers only after the whole upload was sent: a client
      -- that closed its socket then would have it reset under the answer,
      -- and the server's kernel would drop what it had not yet read.
      local port, wait = child.tls_server(leaf.cert, leaf.key, [[
local socket = require "socket"
assert(conn:handshake())
socket.sleep(0.5)
conn:send("the answer")
local got = 0
while true do
  local data, err, partial = conn:receive(65536)
  if not data then
    got = got + #partial
    print("end " .. err .. " close_notify=" .. tostring(conn:info().close_notify))
    break
  end
  got = got + #data
end
print("got " .. got)
]])
      local conn = assert(tls.connect("127.0.0.1", port, tls.context { verify = false, max_version = version },
        { timeout = 10 }))
      local chunk = string.rep("U", 16384)
      for _ = 1, 40 do assert(conn:send(chunk)) end
      assert.equal(1, conn:shutdown("send"))
      assert.equal(1, conn:shutdown("send")) -- again: nothing more to do
      assert.same({ nil, "closed", 0, n = 3 }, pack(conn:send("more")))
      local answer, err = conn:receive("*a")
      assert.equal("the answer", answer, tostring(err))
      assert.is_true(conn:info().close_notify)
      conn:close()
      local out = wait()
      assert.truthy(out:find("got " .. 40 * 16384, 1, true), out)
      assert.truthy(out:find("end closed close_notify=true", 1, true), out)
    end)
  end

  it("refuses any direction but 'send', and says 'closed' after close()", function()
    local conn, wait = replying("")
    -- (the argument's number depends on whether tls.loop wrapped the method)
    local ok, err = pcall(conn.shutdown, conn, "both")
    assert.is_false(ok)
    assert.truthy(err:find("(only \"send\" is supported (close() ends both directions))", 1, true), err)
    assert.has_error(function() conn:shutdown() end)
    conn:close()
    assert.same({ nil, "closed", n = 2 }, pack(conn:shutdown("send")))
    wait()
  end)

  for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
    it(version .. ": says 'closed' once the peer has closed (review23b B4: it gave errno's text)", function()
      local port, wait = child.tls_server(leaf.cert, leaf.key, "assert(conn:handshake())\n")
      local conn = assert(tls.connect("127.0.0.1", port, tls.context { verify = false, max_version = version },
        { timeout = 10 }))
      assert.same({ nil, "closed", "", n = 3 }, pack(conn:receive("*l")))
      wait()
      socket.sleep(0.1)
      -- (or 1: in TLS 1.2 the close_notify answering the peer's went already, and the socket took the end)
      local r = pack(conn:shutdown("send"))
      assert.is_true(r[1] == 1 or (r[1] == nil and r[2] == "closed"), tostring(r[2]))
      conn:close()
    end)
  end
end)
