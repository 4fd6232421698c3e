-- tls.https.request against hostile responses (review next21b F3, F1, F2):
-- whatever the server answers, request returns nil, message (never
-- raises) and closes its connection. Each server is our own tls.listen in
-- a child process (spec/support/luachild.lua) that reads the request and
-- answers the bytes given.
local https = require "tls.https"
local socket = require "socket"
local ltn12 = require "ltn12"
local child = require "spec.support.luachild"
local certs = require "spec.support.certs"

local c = certs.get()
local leaf = c.leaf.ecdsa_p256

-- Reads the request's header section, then runs `answer` (Lua source with conn in scope).
local function server(answer, vars)
  return child.tls_server(leaf.cert, leaf.key, [[
repeat local l = conn:receive("*l") until l == "" or l == nil
]] .. answer, vars)
end

-- Sockets open in this process (a connection left open is one). Only
-- sockets: the pipe io.popen makes for `ls` shows up twice while the parent
-- has not yet closed the child's end, so counting every descriptor races.
local PID
do
  local f = assert(io.open("/proc/self/stat"))
  PID = assert(f:read("n"))
  f:close()
end
local function nfds()
  local n = 0
  local p = assert(io.popen("ls -l /proc/" .. PID .. "/fd"))
  for l in p:lines() do
    if l:find("socket:", 1, true) then n = n + 1 end
  end
  p:close()
  return n
end

-- request{...} to a server answering `reply` then closing (with close_notify);
-- returns what request returned (packed), the body received, the server's
-- output, and the seconds the request took (the child's start and the
-- collector's passes not counted: under a loaded sanitizer run they took
-- seconds).
local function fetch(reply, reqt)
  local port, wait = server("conn:send(REPLY)\n", { REPLY = reply })
  local chunks = {}
  reqt = reqt or {}
  reqt.url = "https://localhost:" .. port .. "/"
  reqt.ca = c.ca
  reqt.timeout = reqt.timeout or 5
  reqt.sink = reqt.sink or ltn12.sink.table(chunks)
  collectgarbage()
  collectgarbage("stop") -- a connection left open must not be closed by the collector meanwhile
  local before = nfds()
  local t0 = socket.gettime()
  local r = table.pack(pcall(https.request, reqt))
  local took = socket.gettime() - t0
  local after = nfds()
  collectgarbage("restart")
  local out = wait()
  assert(r[1], "tls.https.request raised: " .. tostring(r[2]) .. "\n" .. out)
  assert.equal(before, after, "a descriptor left open")
  return table.pack(table.unpack(r, 2, r.n)), table.concat(chunks), out, took
end

local MALFORMED = "^tls%.https: the server's response is malformed: "

describe("tls.https.request with a malformed response (F3)", function()
  it("returns nil and a message for a folded header line cut by the close", function()
    local r = fetch("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n")
    assert.is_nil(r[1])
    assert.matches(MALFORMED, r[2])
  end)

  it("reads chunked with a Content-Length and a trailer (LuaSocket's chunked source raised)", function()
    local r, body = fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
      .. "3\r\nabc\r\n0\r\nX: y\r\n\r\n")
    assert.equal(1, r[1])
    assert.equal(200, r[2])
    assert.equal("abc", body)
  end)

  it("returns nil and a message for a 100 Continue followed by no status line (GET and HEAD)", function()
    local reply = "HTTP/1.1 100 Continue\r\n\r\nXXXXX\r\n\r\n"
    local r = fetch(reply)
    assert.is_nil(r[1])
    assert.equal("tls.https: the server's response is malformed: no status line after 100 Continue", r[2])
    r = fetch(reply, { method = "HEAD" })
    assert.is_nil(r[1])
    assert.equal("tls.https: the server's response is malformed: no status line after 100 Continue", r[2])
  end)

  it("still raises the user's own sink error as it is and closes the connection", function()
    local port, wait = server("conn:send('HTTP/1.1 200 OK\\r\\nContent-Length: 3\\r\\n\\r\\nabc')\n")
    collectgarbage()
    collectgarbage("stop")
    local before = nfds()
    local ok, err = pcall(https.request, { url = "https://localhost:" .. port .. "/", ca = c.ca, timeout = 5,
      sink = function(chunk) if chunk then error("my sink is broken") end return 1 end })
    local after = nfds()
    collectgarbage("restart")
    wait()
    assert.is_false(ok)
    assert.matches("my sink is broken$", err)
    assert.equal(before, after, "a descriptor left open")
  end)

  it("still reads an honest response", function()
    local r, body = fetch("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    assert.equal(1, r[1])
    assert.equal(200, r[2])
    assert.equal("hello", body)
  end)
end)

describe("tls.https.request chunked bodies (F1)", function()
  local HEAD = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

  it("refuses a chunk size with a sign or spaces or more than 15 digits", function()
    for _, size in ipairs { "-5", "10000000000000000", "FFFFFFFFFFFFFFFF", " 1", "1 ", "+1", "0x1", "" } do
      local r = fetch(HEAD .. size .. "\r\nx\r\n0\r\n\r\n")
      assert.is_nil(r[1], size)
      assert.matches(MALFORMED .. "bad chunk size", r[2])
    end
  end)

  it("reads chunk extensions and many chunks and a trailer", function()
    local body = {}
    for i = 1, 3000 do body[i] = "1;n=" .. i .. "\r\n" .. string.char(97 + i % 26) .. "\r\n" end
    local r, got = fetch(HEAD .. "A ; ext=1\r\n0123456789\r\n" .. table.concat(body) .. "0\r\nX: y\r\n\r\n")
    assert.equal(200, r[2])
    assert.equal(10 + 3000, #got)
  end)

  it("refuses chunk data not followed by CRLF", function()
    local r = fetch(HEAD .. "3\r\nabcX\r\n0\r\n\r\n")
    assert.is_nil(r[1])
    assert.equal("tls.https: the server's response is malformed: no CRLF after a chunk", r[2])
  end)

  it("hands a huge chunk to the sink in pieces: a sink that stops bounds the memory", function()
    local port, wait = server([[
conn:send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFF\r\n")
conn:send(string.rep("x", 2 * 1024 * 1024))
conn:settimeout(10)
conn:receive("*a")
]])
    local got = 0
    local t0 = socket.gettime()
    -- "Quickly": without waiting for the timeout (30 s), with room for a slow sanitizer run.
    local ok, err = https.request { url = "https://localhost:" .. port .. "/", ca = c.ca, timeout = 30,
      sink = function(chunk)
        if chunk then
          assert(#chunk <= 16 * 1024, "a piece of " .. #chunk .. " bytes")
          got = got + #chunk
          if got > 1024 * 1024 then return nil, "the sink has had enough" end
        end
        return 1
      end }
    wait()
    assert.is_nil(ok)
    assert.equal("the sink has had enough", err)
    assert.is_true(socket.gettime() - t0 < 10)
  end)
end)

describe("tls.https.request header limits (F2)", function()
  it("refuses more than 1000 lines of fields quickly", function()
    -- "Quickly": without waiting for the timeout (30 s), with room for a slow sanitizer run.
    local r, _, _, took = fetch("HTTP/1.1 200 OK\r\n" .. string.rep("a: b\r\n", 10000) .. "\r\n", { timeout = 30 })
    assert.is_nil(r[1])
    assert.equal("tls.https: the server's response has more than 1000 lines of status and fields", r[2])
    assert.is_true(took < 10, took)
  end)

  it("counts 1xx responses and trailers in the limit", function()
    -- (at most 10 interim responses since https22: 4 of 252 lines each)
    local r = fetch(string.rep("HTTP/1.1 100 Continue\r\n" .. string.rep("a: b\r\n", 250) .. "\r\n", 4)
      .. "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert.is_nil(r[1])
    assert.matches("more than 1000 lines", r[2])
    r = fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" .. string.rep("t: v\r\n", 1000) .. "\r\n")
    assert.is_nil(r[1])
    assert.matches("more than 1000 lines", r[2])
  end)

  it("takes 990 fields", function()
    local r = fetch("HTTP/1.1 200 OK\r\n" .. string.rep("a: b\r\n", 989) .. "Content-Length: 2\r\n\r\nok")
    assert.equal(200, r[2])
    assert.equal(989, select(2, r[3].a:gsub("b", "")))
  end)

  it("refuses a line longer than 64 KiB without holding it", function()
    local r = fetch("HTTP/1.1 200 OK\r\nA: " .. string.rep("x", 64 * 1024) .. "\r\n\r\n")
    assert.is_nil(r[1])
    assert.equal("tls.https: a line of the server's response is longer than 65536 bytes", r[2])
    -- (a chunk-size line has its own bound since session 22: 4 KiB)
    r = fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" .. string.rep("e", 70000) .. "\r\nx\r\n0\r\n\r\n")
    assert.is_nil(r[1])
    assert.equal("tls.https: a line of the server's response is longer than 4096 bytes", r[2])
    r = fetch("HTTP/1.1 200 OK\r\nA: " .. string.rep("x", 64 * 1024 - 3) .. "\r\nContent-Length: 0\r\n\r\n")
    assert.equal(200, r[2])
  end)
end)
