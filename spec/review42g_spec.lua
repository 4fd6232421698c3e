-- Review 42g: leftovers of today's review. A response cut short by the
-- server closing says so in words (as a short Content-Length body always
-- did), in its head, a chunked body's data, size lines and trailers; and
-- tls.engine's wrong-mode 0-RTT calls raise alike.
local https = require "tls.https"
local ltn12 = require "ltn12"
local child = require "spec.support.luachild"
local certs = require "spec.support.certs"

local c = certs.get()
local leaf = c.leaf.ecdsa_p256

-- A child server (as in https22_spec) that reads the request, sends
-- REPLY, then ends with close_notify ("notify") or a bare TCP close ("fin").
local function fetch(reply, ending)
  local port, wait = child.tls_server(leaf.cert, leaf.key, [[
local first = conn:receive("*l")
repeat local l = conn:receive("*l") until l == "" or l == nil
conn:send(REPLY)
]] .. (ending == "fin" and "os.exit(0)\n" or ""), { REPLY = reply })
  local chunks = {}
  local r = table.pack(pcall(https.request, { url = "https://localhost:" .. port .. "/", ca = c.ca, timeout = 5,
    sink = ltn12.sink.table(chunks) }))
  local out = wait()
  assert(r[1], "tls.https.request raised: " .. tostring(r[2]) .. "\n" .. out)
  return table.pack(table.unpack(r, 2, r.n)), table.concat(chunks)
end

describe("review42g a response cut short by the server's close", function()
  local HEAD = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
  local cases = {
    { "in the head, after the status line", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n",
      "tls.https: the server closed the connection before the end of the response's head (status line and fields)" },
    { "in the head, mid-field", "HTTP/1.1 200 OK\r\nContent-Len",
      "tls.https: the server closed the connection before the end of the response's head (status line and fields)" },
    { "in a chunk's data", HEAD .. "3\r\nabc\r\na\r\nde",
      "tls.https: the server closed the connection in the middle of the chunked body (after 5 bytes of data)" },
    { "before a chunk size", HEAD .. "3\r\nabc\r\n",
      "tls.https: the server closed the connection in the middle of the chunked body (after 3 bytes of data)" },
    { "before the CRLF after a chunk", HEAD .. "3\r\nabc",
      "tls.https: the server closed the connection in the middle of the chunked body (after 3 bytes of data)" },
    { "in the trailers", HEAD .. "3\r\nabc\r\n0\r\nTrailer: 1\r\n",
      "tls.https: the server closed the connection in the middle of the chunked body (after 3 bytes of data)" },
  }
  for _, case in ipairs(cases) do
    it("says so " .. case[1] .. " (close_notify or a bare TCP close)", function()
      for _, ending in ipairs { "notify", "fin" } do
        local r = fetch(case[2], ending)
        assert.is_nil(r[1], ending)
        assert.equal(case[3], r[2], ending)
      end
    end)
  end

  it("still reads a complete chunked body", function()
    local r, body = fetch(HEAD .. "3\r\nabc\r\n0\r\n\r\n", "notify")
    assert.equal(1, r[1])
    assert.equal("abc", body)
  end)
end)

describe("review42g tls.engine 0-RTT calls in the wrong mode", function()
  local E = require "spec.support.engines"

  it("e:write_early() on a server raises, as e:read_early() on a client does", function()
    local c, s = E.engines()
    local ok, err = pcall(s.write_early, s, "GET /")
    assert.is_false(ok)
    assert.matches("tls.engine: write_early() is for a client engine", err, 1, true)
    ok, err = pcall(c.read_early, c)
    assert.is_false(ok)
    assert.matches("tls.engine: read_early() is for a server engine", err, 1, true)
    -- (neighbour) the server still handshakes; a client's write_early after start() raises too (review43g)
    E.handshake(c, s)
    ok, err = pcall(c.write_early, c, "x")
    assert.is_false(ok)
    assert.matches("tls.engine: write_early() after start()", err, 1, true)
  end)
end)

describe("review42g a non-blocking count with the partial result as its prefix", function()
  local tls = require "tls"
  local socket = require "socket"

  it("takes the same n each turn (the count includes the prefix, as LuaSocket 3's)", function()
    -- 4 bytes, a pause, 6 more: the first turn ends with a partial count
    local port, wait = child.tls_server(leaf.cert, leaf.key, [[
local socket = require "socket"
conn:send("0123"); socket.sleep(0.3); conn:send("456789tail")
socket.sleep(0.3)
]])
    local conn = assert(tls.connect("127.0.0.1", port, assert(tls.context { ca = c.ca }),
      { servername = "localhost", timeout = 5 }))
    conn:settimeout(0)
    local data, err, partial = conn:receive(10)
    local turns, stop = 0, socket.gettime() + 5
    while not data and (err == "wantread" or err == "wantwrite") and socket.gettime() < stop do
      turns = turns + 1
      socket.select(err == "wantread" and { conn } or nil, err == "wantwrite" and { conn } or nil, 0.5)
      data, err, partial = conn:receive(10, partial) -- the same n
    end
    assert.equal("0123456789", data, tostring(err))
    assert.is_true(turns > 0)
    conn:settimeout(5)
    assert.equal("tail", conn:receive("*a"))
    conn:close()
    wait()
  end)
end)
