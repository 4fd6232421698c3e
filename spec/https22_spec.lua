-- tls.https's own response reader (brief https22, after review21b): strict
-- status and field lines, no HTTP/0.9, 1xx responses, the body's length
-- (rfc9112#6.3), close-delimited bodies and close_notify, max_body, the
-- request's deadline, escaped server text in messages, the CONNECT reply,
-- and the new options' checks. Each server is our own tls.listen in a
-- child process (spec/support/luachild.lua) that reads the request and
-- answers as scripted; hostile replies and unusual-but-valid ones both.
local https = require "tls.https"
local socket = require "socket"
local ltn12 = require "ltn12"
local child = require "spec.support.luachild"
local certs = require "spec.support.certs"

local c = certs.get()
local leaf = c.leaf.ecdsa_p256

-- Reads the request's header section (and says which method came), then
-- runs `answer` (Lua source with conn in scope).
local function server(answer, vars)
  return child.tls_server(leaf.cert, leaf.key, [[
local socket = require "socket"
local first = conn:receive("*l")
print("request " .. tostring(first))
repeat local l = conn:receive("*l") until l == "" or l == nil
]] .. answer, vars)
end

-- How a scripted server ends: close_notify (the default), a TCP close
-- without it (FIN: the process exits), or a reset.
local ENDS = {
  notify = "",
  fin = "os.exit(0)\n",
  rst = "conn:setoption('linger', { on = true, timeout = 0 })\nos.exit(0)\n",
}

-- request{...} to a server answering `reply` then ending as `ending` says;
-- returns what request returned (packed), the body, the server's output.
local function fetch(reply, reqt, ending)
  local port, wait = server("conn:send(REPLY)\n" .. ENDS[ending or "notify"], { REPLY = reply })
  local chunks = {}
  reqt = reqt or {}
  reqt.url = "https://localhost:" .. port .. "/"
  reqt.ca = c.ca
  reqt.timeout = reqt.timeout or 5
  reqt.sink = reqt.sink or ltn12.sink.table(chunks)
  local r = table.pack(pcall(https.request, reqt))
  local out = wait()
  assert(r[1], "tls.https.request raised: " .. tostring(r[2]) .. "\n" .. out)
  return table.pack(table.unpack(r, 2, r.n)), table.concat(chunks), out
end

local MALFORMED = "^tls%.https: the server's response is malformed: "

local function refused(reply, pattern, reqt, ending)
  local r = fetch(reply, reqt, ending)
  assert.is_nil(r[1], reply)
  assert.matches(pattern, r[2])
  return r[2]
end

local function ok(reply, reqt, ending)
  local r, body, out = fetch(reply, reqt, ending)
  assert(r[1] == 1, "refused: " .. tostring(r[2]) .. "\n" .. out)
  return r, body, out
end

describe("https22 status lines (no HTTP/0.9)", function()
  it("refuses a response without a status line instead of reading it as HTTP/0.9", function()
    refused("<html>hello</html>\r\n", MALFORMED .. "no status line")
    refused("hello", MALFORMED .. "no status line")
  end)

  it("refuses other versions, codes outside 100-599, missing spaces, control bytes", function()
    for _, line in ipairs { "HTTP/2 200 OK", "HTTP/1.2 200 OK", "HTTP/0.9 200 OK", "http/1.1 200 OK",
      "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 600 Nope", "HTTP/1.1 099 Low", "HTTP/1.1 200OK",
      "HTTP/1.1  200 OK", "HTTP/1.1 200x", "HTTP/1.1 2000", " HTTP/1.1 200 OK", "HTTP/1.1 200 O\0K", "HTTP/1.1 200 O\rK",
      "HTTP/1.1 +20 OK", "HTTP/1.1 2a0 OK" } do
      refused(line .. "\r\nContent-Length: 2\r\n\r\nok", MALFORMED .. "no status line")
    end
  end)

  it("takes a status line that ends at its code, without the second space", function()
    local r, body = ok("HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok")
    assert.equal(200, r[2])
    assert.equal("HTTP/1.1 200", r[4])
    assert.equal("ok", body)
  end)

  it("takes an empty reason phrase, obs-text in it, and a bare LF as the line end", function()
    local r, body = ok("HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nok")
    assert.equal(200, r[2])
    assert.equal("HTTP/1.1 200 ", r[4])
    assert.equal("ok", body)
    r = ok("HTTP/1.1 404 Nicht gef\195\188nden\r\nContent-Length: 0\r\n\r\n")
    assert.equal(404, r[2])
    r, body = ok("HTTP/1.1 200 OK\nContent-Length: 2\n\nok")
    assert.equal("ok", body)
  end)

  it("reads an HTTP/1.0 reply whose body ends with the close (close_notify)", function()
    local r, body = ok("HTTP/1.0 200 OK\r\nServer: old\r\n\r\nthe whole body")
    assert.equal(200, r[2])
    assert.equal("HTTP/1.0 200 OK", r[4])
    assert.equal("the whole body", body)
  end)
end)

describe("https22 field lines", function()
  it("refuses whitespace between a field name and its colon", function()
    refused("HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok", MALFORMED .. "whitespace between a field name")
    refused("HTTP/1.1 200 OK\r\nA\t: b\r\nContent-Length: 2\r\n\r\nok", MALFORMED .. "whitespace between a field name")
  end)

  it("refuses obs-fold, a line without a colon, a name that is no token", function()
    refused("HTTP/1.1 200 OK\r\nA: b\r\n c\r\nContent-Length: 2\r\n\r\nok", MALFORMED .. "a folded field line")
    refused("HTTP/1.1 200 OK\r\nA: b\r\n\tc\r\nContent-Length: 2\r\n\r\nok", MALFORMED .. "a folded field line")
    refused("HTTP/1.1 200 OK\r\nNoColon\r\nContent-Length: 2\r\n\r\nok", MALFORMED .. "a field line without a colon")
    refused("HTTP/1.1 200 OK\r\n: empty\r\nContent-Length: 2\r\n\r\nok", MALFORMED .. "a field name that is not")
    refused("HTTP/1.1 200 OK\r\nA b: c\r\nContent-Length: 2\r\n\r\nok", MALFORMED .. "a field name that is not")
    refused("HTTP/1.1 200 OK\r\nA(b): c\r\nContent-Length: 2\r\n\r\nok", MALFORMED .. "a field name that is not")
  end)

  it("refuses a CR or NUL inside a field value", function()
    refused("HTTP/1.1 200 OK\r\nA: b\rc\r\nContent-Length: 2\r\n\r\nok", MALFORMED .. "a CR or NUL")
    refused("HTTP/1.1 200 OK\r\nA: b\0c\r\nContent-Length: 2\r\n\r\nok", MALFORMED .. "a CR or NUL")
  end)

  it("trims spaces and tabs around a value, lower-cases names, joins repeated ones", function()
    local r = ok("HTTP/1.1 200 OK\r\nX-A:\t  b c \t\r\nX-Empty:\r\nSet-Thing: 1\r\nset-thing: 2\r\n"
      .. "X-Long:" .. string.rep(" ", 30000) .. "v" .. string.rep(" ", 30000) .. "\r\nContent-Length: 2\r\n\r\nok")
    assert.equal("b c", r[3]["x-a"])
    assert.equal("", r[3]["x-empty"])
    assert.equal("1, 2", r[3]["set-thing"])
    assert.equal("v", r[3]["x-long"])
    assert.equal("2", r[3]["content-length"])
  end)
end)

describe("https22 interim responses", function()
  it("skips 100, 102 and 103 Early Hints before the final response", function()
    local r, body = ok("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
      .. "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n"
      .. "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert.equal(200, r[2])
    assert.equal("ok", body)
    assert.is_nil(r[3].link)
  end)

  it("takes 10 interim responses and refuses 11", function()
    local r = ok(string.rep("HTTP/1.1 100 Continue\r\n\r\n", 10) .. "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert.equal(200, r[2])
    refused(string.rep("HTTP/1.1 199 Whatever\r\n\r\n", 11) .. "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
      "^tls%.https: the server sent more than 10 interim %(1xx%) responses$")
  end)

  it("refuses 101 Switching Protocols, which no request of ours asks for", function()
    refused("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nxx",
      "^tls%.https: the server switched protocols %(101%)")
  end)
end)

describe("https22 the length of the body (rfc9112 6.3)", function()
  it("reads no body after HEAD with a Content-Length, nor for 204 and 304", function()
    local r, body, out = ok("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", { method = "HEAD" })
    assert.matches("request HEAD / HTTP/1.1", out, 1, true)
    assert.equal("", body)
    assert.equal("5", r[3]["content-length"])
    r, body = ok("HTTP/1.1 204 No Content\r\n\r\n", nil, "fin")
    assert.equal(204, r[2])
    assert.equal("", body)
    r, body = ok("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", nil, "fin")
    assert.equal(304, r[2])
    assert.equal("", body)
  end)

  it("reads Content-Length 0, 1 byte, and 1 MiB in pieces of at most 16 KiB", function()
    local r, body = ok("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", nil, "fin")
    assert.equal("", body)
    r, body = ok("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx")
    assert.equal("x", body)
    local big = string.rep("0123456789abcdef", 65536)
    local pieces, chunks = 0, {}
    r = ok("HTTP/1.1 200 OK\r\nContent-Length: " .. #big .. "\r\n\r\n" .. big, { sink = function(chunk)
      if chunk then
        assert(#chunk <= 16384, "a piece of " .. #chunk)
        pieces = pieces + 1
        chunks[#chunks + 1] = chunk
      end
      return 1
    end })
    assert.equal(200, r[2])
    assert.is_true(table.concat(chunks) == big)
    assert.is_true(pieces >= 64)
  end)

  it("takes a Content-Length list or repeated fields of one value", function()
    local r, body = ok("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok")
    assert.equal("ok", body)
    r, body = ok("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok")
    assert.equal("ok", body)
    assert.equal("2, 2", r[3]["content-length"])
  end)

  it("refuses differing or malformed Content-Lengths", function()
    for _, cl in ipairs { "2, 3", "-1", "+2", "2a", "0x2", "1e1", " ", ",", "2 2", "1234567890123456",
      "99999999999999999999", "0001234567890123456" } do
      refused("HTTP/1.1 200 OK\r\nContent-Length: " .. cl .. "\r\n\r\nok", MALFORMED .. "a bad Content%-Length")
    end
    refused("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", MALFORMED .. "a bad Content%-Length")
  end)

  it("refuses a body shorter than its Content-Length", function()
    local r = fetch("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", nil, "fin")
    assert.is_nil(r[1])
    assert.equal("tls.https: the server closed the connection after 3 of 10 bytes of the body", r[2])
    r = fetch("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    assert.equal("tls.https: the server closed the connection after 3 of 10 bytes of the body", r[2])
  end)

  it("reads chunked (any case) with extensions and trailers; it wins over a Content-Length", function()
    local r, body = ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
      .. "3;name=value\r\nabc\r\n2 ; x=\"y\"\r\nde\r\n0\r\nTrailer-A: 1\r\nTrailer-B:\t2\r\n\r\n")
    assert.equal("abcde", body)
    r, body = ok("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: CHUNKED\r\n\r\n1\r\nx\r\n0\r\n\r\n")
    assert.equal("x", body)
  end)

  it("refuses a transfer coding other than chunked alone, naming it", function()
    for _, te in ipairs { "gzip", "gzip, chunked", "chunked, gzip", "chunked, chunked", "identity", "chunked;q=1",
      "x-\1evil" } do
      local err = refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: " .. te .. "\r\n\r\n1\r\nx\r\n0\r\n\r\n",
        "^tls%.https: the server's response uses the transfer coding '")
      assert.matches((te:gsub("%p", "%%%0"):gsub("\1", "\\x01")), err)
    end
  end)

  it("refuses a trailer that is no field line", function()
    refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nbad trailer\r\n\r\n",
      MALFORMED .. "a field line without a colon")
  end)

  it("refuses Transfer-Encoding in an HTTP/1.0 response", function()
    refused("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
      MALFORMED .. "Transfer%-Encoding in an HTTP/1%.0 response")
  end)
end)

describe("https22 bodies delimited by the close", function()
  local REPLY = "HTTP/1.1 200 OK\r\n\r\nall of it"

  it("takes the close with close_notify", function()
    local _, body = ok(REPLY)
    assert.equal("all of it", body)
  end)

  it("refuses a TCP close (FIN or reset) without close_notify unless strict_close = false", function()
    for _, ending in ipairs { "fin", "rst" } do
      refused(REPLY, "^tls%.https: the server closed the connection without close_notify before the end of a body",
        nil, ending)
      refused(REPLY, "^tls%.https: the server closed the connection without close_notify", { strict_close = true },
        ending)
      local _, body = ok(REPLY, { strict_close = false }, ending)
      assert.equal("all of it", body)
    end
  end)

  it("takes strict_close = false with a ready context", function()
    local tls = require "tls"
    local ctx = assert(tls.context { mode = "client", ca = c.ca, alpn = "http/1.1" })
    local port, wait = server("conn:send(REPLY)\n" .. ENDS.fin, { REPLY = REPLY })
    local t = {}
    local r, code = https.request { url = "https://localhost:" .. port .. "/", context = ctx, timeout = 5,
      strict_close = false, sink = ltn12.sink.table(t) }
    wait()
    assert.equal(1, r, code)
    assert.equal("all of it", table.concat(t))
  end)
end)

describe("https22 max_body", function()
  local TOO_BIG = "^tls%.https: the response body is larger than max_body %(10 bytes%)$"

  it("refuses a larger Content-Length before reading it, and larger chunked or close-delimited bodies", function()
    refused("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n01234567890", TOO_BIG, { max_body = 10 })
    refused("HTTP/1.1 200 OK\r\nContent-Length: 11000000\r\n\r\n0123", TOO_BIG, { max_body = 10 })
    refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n67890\r\n0\r\n\r\n", TOO_BIG,
      { max_body = 10 })
    refused("HTTP/1.1 200 OK\r\n\r\n01234567890", TOO_BIG, { max_body = 10 })
  end)

  it("takes a body of exactly max_body bytes, and a whole number given as a float", function()
    local _, body = ok("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", { max_body = 10 })
    assert.equal("0123456789", body)
    _, body = ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n",
      { max_body = 10.0 })
    assert.equal("0123456789", body)
    _, body = ok("HTTP/1.1 200 OK\r\n\r\n0123456789", { max_body = 10 })
    assert.equal("0123456789", body)
  end)
end)

describe("https22 the request's deadline", function()
  local DEADLINE = "^tls%.https: timeout: the request's deadline of 1 seconds passed$"

  it("ends a response that trickles within each timeout when the deadline passes", function()
    local port, wait = server([[
conn:send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
for i = 1, 60 do conn:send("x") socket.sleep(0.1) end
]])
    local t0 = socket.gettime()
    local r, err = https.request { url = "https://localhost:" .. port .. "/", ca = c.ca, timeout = 5, deadline = 1,
      sink = ltn12.sink.null() }
    local took = socket.gettime() - t0
    wait()
    assert.is_nil(r)
    assert.matches(DEADLINE, err)
    -- (without the deadline: 6 s; room for a slow sanitizer run)
    assert.is_true(took < 4, "took " .. took)
  end)

  it("bounds a slow status line too, and still works when there is time", function()
    local port, wait = server([[
socket.sleep(2)
conn:send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
]])
    local r, err = https.request { url = "https://localhost:" .. port .. "/", ca = c.ca, timeout = 5, deadline = 1 }
    wait()
    assert.is_nil(r)
    assert.matches(DEADLINE, err)
    local _, body = ok("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", { deadline = 10 })
    assert.equal("ok", body)
  end)

  it("counts every hop of a redirect, which still works", function()
    local port2, wait2 = server([[
socket.sleep(tonumber(DELAY))
conn:send("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")
]], { DELAY = "0.7" })
    local port1, wait1 = server([[
socket.sleep(tonumber(DELAY))
conn:send("HTTP/1.1 302 Found\r\nLocation: https://localhost:" .. PORT2 .. "/next\r\nContent-Length: 0\r\n\r\n")
]], { PORT2 = tostring(port2), DELAY = "0.7" })
    local r, err = https.request { url = "https://localhost:" .. port1 .. "/", ca = c.ca, timeout = 5, deadline = 1,
      sink = ltn12.sink.null() }
    wait1()
    wait2()
    assert.is_nil(r)
    assert.matches(DEADLINE, err)
    -- the same without the delays: the redirect is followed
    port2, wait2 = server([[conn:send("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")]])
    port1, wait1 = server([[
conn:send("HTTP/1.1 302 Found\r\nLocation: https://localhost:" .. PORT2 .. "/next\r\nContent-Length: 0\r\n\r\n")
]], { PORT2 = tostring(port2) })
    local t = {}
    local code, headers
    r, code, headers = https.request { url = "https://localhost:" .. port1 .. "/", ca = c.ca, timeout = 5,
      deadline = 10, sink = ltn12.sink.table(t) }
    wait1()
    local out2 = wait2()
    assert.equal(1, r, code)
    assert.equal(200, code)
    assert.equal("second", table.concat(t))
    assert.matches("request GET /next HTTP/1.1", out2, 1, true)
    assert.equal("https://localhost:" .. port2 .. "/next", headers.location) -- LuaSocket's hint: the last URL
  end)
end)

describe("https22 the server's bytes in messages", function()
  it("are escaped (control and non-ASCII bytes as \\xNN) and cut to 80 bytes", function()
    local err = refused("\27[31mHTTP/1.1 200 OK\r\n\r\n", MALFORMED .. "no status line")
    assert.is_nil(err:find("\27", 1, true))
    assert.matches("'\\x1B[31mHTTP/1.1 200 OK'", err, 1, true)
    err = refused("HTTP/1.1 200 OK\r\nA\255: b\r\n\r\n", MALFORMED)
    assert.matches("'A\\xFF: b'", err, 1, true)
    err = refused(string.rep("y", 1000) .. "\r\n", MALFORMED)
    assert.matches("'" .. string.rep("y", 80) .. "...'", err, 1, true)
    assert.is_nil(err:find(string.rep("y", 81), 1, true))
    err = refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" .. string.rep("z", 200) .. "\r\n", MALFORMED)
    assert.is_true(#err < 200, err)
  end)
end)

describe("https22 the CONNECT proxy's reply", function()
  -- A plain TCP "proxy" that reads the CONNECT and answers `reply`.
  local function through(reply)
    local port, wait = child.tcp_server(([[
repeat local l = c:receive("*l") until l == "" or l == nil
c:send(%q)
c:receive("*a")
]]):format(reply))
    local t0 = socket.gettime()
    -- "Quickly": without waiting for the timeout (30 s), with room for a slow sanitizer run.
    local r, err = https.request { url = "https://localhost:1/", ca = c.ca, timeout = 30,
      proxy = "http://127.0.0.1:" .. port }
    local took = socket.gettime() - t0
    wait()
    assert.is_nil(r)
    assert.is_true(took < 10, "took " .. took)
    return err, port
  end

  it("refuses what is not a 2xx, or not a status line, escaped", function()
    for _, status in ipairs { "HTTP/1.1 407 Proxy Authentication Required", "HTTP/1.1 100 Continue",
      "HTTP/1.1 300 Choices", "HTTP/2 200 OK", "HTTP/1.1 200OK", "200 OK", "HTTP/1.1 600 Big" } do
      local err, port = through(status .. "\r\n\r\n")
      assert.equal("the proxy 127.0.0.1:" .. port .. " refused to connect to localhost:1: " .. status, err)
    end
    local err = through("HTTP/1.1 403 \27]0;pwned\7\r\n\r\n")
    assert.matches("refused to connect to localhost:1: HTTP/1.1 403 \\x1B]0;pwned\\x07$", err)
  end)

  it("bounds its lines and their number, and checks its fields", function()
    local err = through("HTTP/1.1 200 OK\r\n" .. string.rep("a: b\r\n", 1200) .. "\r\n")
    assert.equal("tls.https: the proxy's reply has more than 1000 lines of status and fields", err)
    err = through("HTTP/1.1 200 OK\r\nA: " .. string.rep("x", 70000) .. "\r\n\r\n")
    assert.equal("tls.https: a line of the proxy's reply is longer than 65536 bytes", err)
    err = through("HTTP/1.1 200 OK\r\nA : b\r\n\r\n")
    assert.matches("^tls%.https: the proxy's reply is malformed: whitespace between a field name", err)
  end)
end)

describe("https22 option checks", function()
  it("refuses bad max_body, deadline and strict_close values", function()
    local cases = {
      { { max_body = "10" }, "option 'max_body' must be a whole number of bytes >= 1 (got string)" },
      { { max_body = 0 }, "option 'max_body' must be a whole number of bytes >= 1 (got 0)" },
      { { max_body = -5 }, "option 'max_body' must be a whole number of bytes >= 1 (got -5)" },
      { { max_body = 1.5 }, "option 'max_body' must be a whole number of bytes >= 1 (got 1.5)" },
      { { max_body = 0 / 0 }, "option 'max_body' must be a whole number of bytes >= 1 (got NaN)" },
      { { max_body = math.huge }, "option 'max_body' must be a whole number of bytes >= 1 (got inf)" },
      { { max_body = true }, "option 'max_body' must be a whole number of bytes >= 1 (got boolean)" },
      { { deadline = "1" }, "option 'deadline' must be a number of seconds > 0 for the whole request (got string)" },
      { { deadline = 0 }, "option 'deadline' must be a number of seconds > 0 for the whole request (got 0)" },
      { { deadline = -1 }, "option 'deadline' must be a number of seconds > 0 for the whole request (got -1)" },
      { { deadline = 0 / 0 }, "option 'deadline' must be a number of seconds > 0 for the whole request (got NaN)" },
      { { deadline = math.huge },
        "option 'deadline' must be a number of seconds > 0 for the whole request (got inf)" },
      { { deadline = false },
        "option 'deadline' must be a number of seconds > 0 for the whole request (got boolean)" },
      { { strict_close = "no" }, "option 'strict_close' must be true or false (got string)" },
      { { strict_close = 0 }, "option 'strict_close' must be true or false (got number)" },
      { { max_bodyy = 1 }, "unknown option 'max_bodyy'" },
    }
    for _, case in ipairs(cases) do
      local reqt = case[1]
      reqt.url = "https://localhost:1/"
      local r, err = https.request(reqt)
      assert.is_nil(r)
      assert.equal("tls.https: " .. case[2], err)
    end
    -- with a ready context strict_close is the request's alone: checked here, not by tls.context
    local tls = require "tls"
    local ctx = assert(tls.context { mode = "client" })
    local r, err = https.request { url = "https://localhost:1/", context = ctx, strict_close = "no" }
    assert.is_nil(r)
    assert.equal("tls.https: option 'strict_close' must be true or false (got string)", err)
  end)
end)

-- review22b (after the merge): what a valid server may send that the first
-- version refused, and what a hostile one could make cost.
describe("https22 review22b", function()
  it("takes empty list elements (rfc9110 5.6.1) and leading zeros in Content-Length", function()
    for _, cl in ipairs { "2,", ",2", " , 2 ,", "0002", "00000000000000000002", "2, 002" } do
      local r, body = ok("HTTP/1.1 200 OK\r\nContent-Length: " .. cl .. "\r\n\r\nok")
      assert.equal(200, r[2])
      assert.equal("ok", body)
    end
    local _, body = ok("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert.equal("", body)
  end)

  it("takes empty list elements in Transfer-Encoding, and leading zeros in a chunk size", function()
    for _, te in ipairs { ",chunked", "chunked,", " , Chunked , " } do
      local _, body = ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: " .. te .. "\r\n\r\n2\r\nok\r\n0\r\n\r\n")
      assert.equal("ok", body)
    end
    local _, body = ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000000002\r\nok\r\n"
      .. "00000000000000000000\r\n\r\n")
    assert.equal("ok", body)
    refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\nok\r\n0\r\n\r\n",
      MALFORMED .. "bad chunk size")
    refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: , \r\n\r\nok", "^tls%.https: the server's response uses the transfer coding")
    refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
      "^tls%.https: the server's response uses the transfer coding")
  end)

  it("bounds a chunk-size line at 4 KiB and the framing of a chunked body", function()
    local r = fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" .. string.rep("e", 4100)
      .. "\r\nx\r\n0\r\n\r\n")
    assert.is_nil(r[1])
    assert.equal("tls.https: a line of the server's response is longer than 4096 bytes", r[2])
    -- 1-byte chunks each padded with a 4000-byte extension: 16 * 1 + 64 KiB is soon spent
    local pad = "1;" .. string.rep("e", 4000) .. "\r\nZ\r\n"
    r = fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" .. pad:rep(40) .. "0\r\n\r\n",
      { max_body = 1000 })
    assert.is_nil(r[1])
    assert.equal("tls.https: the server's chunked body has far more framing (chunk sizes, extensions) than data", r[2])
    -- 1-byte chunks without padding (5 bytes of framing each) and a short extension are fine
    local _, body = ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      .. ("1;name=value\r\nZ\r\n"):rep(20000) .. "0\r\n\r\n")
    assert.equal(string.rep("Z", 20000), body)
  end)

  it("bounds the whole head at 512 KiB", function()
    local line = "X-Pad: " .. string.rep("p", 60000) .. "\r\n"
    local r = fetch("HTTP/1.1 200 OK\r\n" .. line:rep(9) .. "Content-Length: 0\r\n\r\n")
    assert.is_nil(r[1])
    assert.equal("tls.https: the head of the server's response (status, fields, interim responses, trailers) "
      .. "is longer than 524288 bytes", r[2])
    -- 8 such lines (480 KB) are taken
    local r2 = ok("HTTP/1.1 200 OK\r\n" .. line:rep(8) .. "Content-Length: 0\r\n\r\n")
    assert.equal(200, r2[2])
  end)
end)
