-- tls.https.request against hostile responses (review next21b F3, F1, F2):
-- whatever the server answers, request returns nil, message (never
-- raises) and closes its connection. Each server is our own tls.listen in
-- a child process (spec/support/luachild.lua) that reads the request and
-- answers the bytes given.
local https = require "tls.https"
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

-- Descriptors open in this process.
local PID
do
  local f = assert(io.open("/proc/self/stat"))
  PID = assert(f:read("n"))
  f:close()
end
local function nfds()
  local n = 0
  local p = assert(io.popen("ls /proc/" .. PID .. "/fd"))
  for _ in p:lines() do n = n + 1 end
  p:close()
  return n
end

-- request{...} to a server answering `reply` then closing (with close_notify);
-- returns what request returned (packed), the body received, and the server's output.
local function fetch(reply, reqt)
  local port, wait = server("conn:send(REPLY)\n", { REPLY = reply })
  local chunks = {}
  reqt = reqt or {}
  reqt.url = "https://localhost:" .. port .. "/"
  reqt.ca = c.ca
  reqt.timeout = reqt.timeout or 5
  reqt.sink = reqt.sink or ltn12.sink.table(chunks)
  local before = nfds()
  local r = table.pack(pcall(https.request, reqt))
  local after = nfds()
  local out = wait()
  assert(r[1], "tls.https.request raised: " .. tostring(r[2]) .. "\n" .. out)
  assert.equal(before, after, "a descriptor left open")
  return table.pack(table.unpack(r, 2, r.n)), table.concat(chunks), out
end

local MALFORMED = "^tls%.https: the server's response is malformed: "

describe("tls.https.request with a malformed response (F3)", function()
  it("returns nil, message for a folded header line cut by the close", function()
    local r = fetch("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n")
    assert.is_nil(r[1])
    assert.matches(MALFORMED, r[2])
  end)

  it("returns nil, message for chunked with a Content-Length and a trailer", function()
    local r = fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\nX: y\r\n\r\n")
    assert.is_nil(r[1])
    assert.matches(MALFORMED, r[2])
  end)

  it("returns nil, message for a 100 Continue followed by no status line, for GET and HEAD", function()
    local reply = "HTTP/1.1 100 Continue\r\n\r\nXXXXX\r\n\r\n"
    local r = fetch(reply)
    assert.is_nil(r[1])
    assert.equal("tls.https: the server's response is malformed: no status line after 100 Continue", r[2])
    r = fetch(reply, { method = "HEAD" })
    assert.is_nil(r[1])
    assert.equal("tls.https: the server's response is malformed: no status line after 100 Continue", r[2])
  end)

  it("still raises the user's own sink error, as it is, and closes the connection", function()
    local port, wait = server("conn:send('HTTP/1.1 200 OK\\r\\nContent-Length: 3\\r\\n\\r\\nabc')\n")
    local before = nfds()
    local ok, err = pcall(https.request, { url = "https://localhost:" .. port .. "/", ca = c.ca, timeout = 5,
      sink = function(chunk) if chunk then error("my sink is broken") end return 1 end })
    local after = nfds()
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
