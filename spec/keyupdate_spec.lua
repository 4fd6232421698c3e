-- Sending KeyUpdate (RFC 8446 4.6.3): on request of the application
-- (engine:keyupdate, conn:keyupdate) and by itself after `key_update_after`
-- records under one key (the AEAD limits of RFC 8446 5.5, lowered here so
-- that a test can reach them).
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local E = require "spec.support.engines"

-- A client and a server engine; each side's trace events are collected in
-- the returned lists.
local function pair(client_opts, server_opts)
  local copts, ctrace = E.traced(client_opts)
  local sopts, strace = E.traced(server_opts)
  local c, s = E.engines(copts, sopts)
  return c, s, ctrace, strace
end

-- Moves bytes both ways (every feed must succeed) until neither side has
-- anything to say; returns how many non-empty flights went each way.
local function pump(c, s)
  return E.pump(c, s, { strict = true })
end

local function connected(client_opts, server_opts)
  local c, s, ctrace, strace = pair(client_opts, server_opts)
  E.handshake(c, s)
  -- Only what happens from here on.
  for i = #ctrace, 1, -1 do ctrace[i] = nil end
  for i = #strace, 1, -1 do strace[i] = nil end
  return c, s, ctrace, strace
end

-- The events of a trace as "direction message [field]" strings, keeping
-- only KeyUpdates and key changes after the handshake.
local function key_events(trace)
  local out = {}
  for _, ev in ipairs(trace) do
    if ev.message == "KeyUpdate" then
      out[#out + 1] = ev.direction .. " KeyUpdate " .. ev.request_update
    elseif ev.direction == "key" then
      out[#out + 1] = ev.message .. ": " .. ev.secret
    end
  end
  return out
end

local function count(list, item)
  local n = 0
  for _, v in ipairs(list) do if v == item then n = n + 1 end end
  return n
end

local SENT = "send KeyUpdate update_not_requested"
local RECEIVED = "receive KeyUpdate update_not_requested"
local OUR_NEXT = "write key changed: our next application traffic secret"
local PEER_NEXT = "read key changed: peer's next application traffic secret"

describe("automatic key updates", function()
  for _, suite in ipairs { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256" } do
    it("happen every key_update_after records, both ways, and the peer reads everything (" .. suite .. ")", function()
      -- tickets = 0: the server's NewSessionTickets would count among its records
      local c, s, ctrace, strace = connected({ key_update_after = 5, ciphers = suite },
                                             { key_update_after = 5, tickets = 0 })
      assert.equal(suite, c:info().cipher)
      local got_s, got_c = {}, {}
      for i = 1, 20 do
        assert(c:write("c" .. i .. ";"))
        assert(s:write("s" .. i .. ";"))
      end
      -- One feed of twenty records and three KeyUpdates each way: the
      -- reader changes keys in the middle of its input.
      assert(s:feed(c:output()))
      assert(c:feed(s:output()))
      got_s[#got_s + 1] = s:read()
      got_c[#got_c + 1] = c:read()
      local want_s, want_c = {}, {}
      for i = 1, 20 do want_s[i] = "c" .. i .. ";"; want_c[i] = "s" .. i .. ";" end
      assert.equal(table.concat(want_s), table.concat(got_s))
      assert.equal(table.concat(want_c), table.concat(got_c))
      -- Records 1-5 under the first key, an update before records 6, 11 and 16.
      for _, trace in ipairs { ctrace, strace } do
        local ev = key_events(trace)
        assert.equal(3, count(ev, SENT))
        assert.equal(3, count(ev, OUR_NEXT))
        assert.equal(3, count(ev, RECEIVED))
        assert.equal(3, count(ev, PEER_NEXT))
        assert.equal(12, #ev)
      end
      -- No KeyUpdate answers a KeyUpdate that did not ask for one.
      assert.equal("", c:output())
      assert.equal("", s:output())
    end)
  end

  it("happen inside one large write, between its records", function()
    local c, s, ctrace = connected({ key_update_after = 2 })
    local data = ("0123456789abcdef"):rep(6250) -- 100000 bytes: 7 records
    assert(c:write(data))
    assert(s:feed(c:output()))
    local got = {}
    repeat
      local part = s:read()
      got[#got + 1] = part
    until part == ""
    assert.equal(#data, #table.concat(got))
    assert.equal(data, table.concat(got))
    -- Before records 3, 5 and 7.
    assert.same({ SENT, OUR_NEXT, SENT, OUR_NEXT, SENT, OUR_NEXT }, key_events(ctrace))
  end)

  it("do not happen below the threshold", function()
    local c, s, ctrace = connected({ key_update_after = 5 })
    for i = 1, 5 do assert(c:write("x" .. i)) end
    assert(s:feed(c:output()))
    assert.equal("x1x2x3x4x5", s:read())
    assert.same({}, key_events(ctrace))
    assert(c:write("x6"))
    assert.same({ SENT, OUR_NEXT }, key_events(ctrace))
    -- Exactly two records: the KeyUpdate (rfc8446#4.6.3: under the old key,
    -- which then stops) and x6 under the new key; no other record, not even
    -- an empty one, goes out under the old key past its limit.
    local out, records, pos = c:output(), 0, 1
    while pos <= #out do
      records = records + 1
      pos = pos + 5 + ((out:byte(pos + 3) << 8) | out:byte(pos + 4))
    end
    assert.equal(2, records)
  end)

  it("with key_update_after = 1 put a KeyUpdate between every two records", function()
    local c, s, ctrace = connected({ key_update_after = 1 })
    for i = 1, 4 do assert(c:write(tostring(i))) end
    assert(s:feed(c:output()))
    assert.equal("1234", s:read())
    assert.equal(3, count(key_events(ctrace), SENT))
  end)

  it("are not done by default within a few records", function()
    local c, s, ctrace = connected()
    for i = 1, 200 do assert(c:write("y" .. i)) end
    assert(s:feed(c:output()))
    assert.same({}, key_events(ctrace))
  end)
end)

describe("the key_update_after option", function()
  for _, bad in ipairs { 0, -1, 1.5, "5", true } do
    it("refuses " .. tostring(bad) .. " (" .. type(bad) .. ")", function()
      local ctx, err = tls.context { key_update_after = bad, verify = false }
      assert.is_nil(ctx)
      assert.equal("option 'key_update_after' must be a whole number of records >= 1 (got "
        .. (type(bad) == "string" and ("%q"):format(bad) or tostring(bad)) .. ")", err)
    end)
  end

  it("takes any whole number from 1 (larger ones than the cipher's limit are capped)", function()
    assert(tls.context { key_update_after = 1, verify = false })
    assert(tls.context { key_update_after = math.maxinteger, verify = false })
    local c, s = connected({ key_update_after = math.maxinteger }, { key_update_after = 1 << 40 })
    assert(c:write("still works"))
    assert(s:feed(c:output()))
    assert.equal("still works", s:read())
  end)
end)

describe("engine:keyupdate", function()
  -- A client reading a long download asks the server to rekey now and then
  -- and never writes: the flood cap must not cut it off, because the server
  -- writes between the requests (rfc8446#4.6.3).
  it("with request_peer, 40 times from a side that only reads, while the peer writes", function()
    local c, s = connected()
    for i = 1, 40 do
      assert.is_true(c:keyupdate(true))
      local ok, err = s:feed(c:output())
      assert(ok, "server refused KeyUpdate #" .. i .. ": " .. tostring(err))
      assert(s:write("chunk " .. i))
      assert(c:feed(s:output()))
      assert.equal("chunk " .. i, c:read())
    end
  end)

  it("without a request moves our write key and the peer's read key only", function()
    local c, s, ctrace, strace = connected()
    assert.is_true(c:keyupdate())
    assert.same({ SENT, OUR_NEXT }, key_events(ctrace))
    assert(s:feed(c:output()))
    assert.same({ RECEIVED, PEER_NEXT }, key_events(strace))
    assert.equal("", s:output(), "no answer to an update that asks for none")
    assert(c:write("after"))
    assert(s:feed(c:output()))
    assert.equal("after", s:read())
    assert(s:write("reply"))
    assert(c:feed(s:output()))
    assert.equal("reply", c:read())
  end)

  it("with request_peer makes the peer update its own key, once", function()
    local c, s, ctrace, strace = connected()
    assert.is_true(c:keyupdate(true))
    assert.same({ "send KeyUpdate update_requested", OUR_NEXT }, key_events(ctrace))
    assert(s:feed(c:output()))
    -- rfc8446#4.6.3: the answer is update_not_requested.
    assert.same({ "receive KeyUpdate update_requested", PEER_NEXT, SENT, OUR_NEXT }, key_events(strace))
    assert(c:feed(s:output()))
    assert.same({ "send KeyUpdate update_requested", OUR_NEXT, RECEIVED, PEER_NEXT }, key_events(ctrace))
    assert.equal("", c:output(), "the answer is not answered")
    assert(s:write("server data"))
    assert(c:feed(s:output()))
    assert.equal("server data", c:read())
    assert(c:write("client data"))
    assert(s:feed(c:output()))
    assert.equal("client data", s:read())
  end)

  it("from both sides at once: each answers the other's request once, and it stops", function()
    local c, s, ctrace, strace = connected()
    assert.is_true(c:keyupdate(true))
    assert.is_true(s:keyupdate(true))
    -- The client's request goes first; the server's flight holds its own
    -- request and its answer; the client's second flight its answer. Then
    -- nothing more.
    local to_s, to_c = pump(c, s)
    assert.equal(2, to_s)
    assert.equal(1, to_c)
    for _, trace in ipairs { ctrace, strace } do
      local ev = key_events(trace)
      assert.equal(1, count(ev, "send KeyUpdate update_requested"))
      assert.equal(1, count(ev, "receive KeyUpdate update_requested"))
      assert.equal(1, count(ev, SENT))
      assert.equal(1, count(ev, RECEIVED))
      assert.equal(2, count(ev, OUR_NEXT))
      assert.equal(2, count(ev, PEER_NEXT))
      assert.equal(8, #ev)
    end
    assert(c:write("ping"))
    assert(s:feed(c:output()))
    assert.equal("ping", s:read())
    assert(s:write("pong"))
    assert(c:feed(s:output()))
    assert.equal("pong", c:read())
  end)

  it("many times in a row keeps both sides in step", function()
    local c, s = connected()
    for i = 1, 10 do
      assert.is_true(c:keyupdate(i % 2 == 0))
      assert.is_true(s:keyupdate(i % 3 == 0))
    end
    pump(c, s)
    assert(c:write("a")); assert(s:write("b"))
    pump(c, s)
    assert.equal("a", s:read())
    assert.equal("b", c:read())
  end)

  it("before the handshake is refused without harm", function()
    local c, s = pair()
    local ok, err = c:keyupdate()
    assert.is_nil(ok)
    assert.equal("cannot update keys before the handshake is complete", err)
    assert(c:start())
    ok, err = c:keyupdate(true)
    assert.is_nil(ok)
    assert.equal("cannot update keys before the handshake is complete", err)
    assert.is_false(c:status().failed)
    assert.is_nil(c:error())
    -- Only the ClientHello went out, and the handshake still completes.
    local hello = c:output()
    assert.equal(22, hello:byte(1))
    assert(s:feed(hello))
    ok, err = s:keyupdate()
    assert.is_nil(ok)
    assert.equal("cannot update keys before the handshake is complete", err)
    assert(c:feed(s:output()))
    assert(s:feed(c:output()))
    assert.is_true(c:status().handshake_done)
    assert.is_true(s:status().handshake_done)
    assert.is_true(c:keyupdate())
  end)

  it("after close is refused with 'closed', and nothing is sent", function()
    local c = connected()
    c:close()
    local closing = c:output()
    local ok, err = c:keyupdate()
    assert.is_nil(ok)
    assert.equal("closed", err)
    assert.equal("", c:output())
    assert.is_false(c:status().failed)
    assert.truthy(#closing > 0)
  end)

  it("after a failure returns the failure's reason", function()
    local c, s = connected()
    assert(c:write("x"))
    local rec = c:output()
    assert.is_nil(s:feed(rec:sub(1, -2) .. string.char(rec:byte(-1) ~ 1)))
    local ok, err = s:keyupdate()
    assert.is_nil(ok)
    assert.equal((s:error()), err)
    assert.matches("bad record MAC", err)
  end)

  it("cannot be called from the engine's own trace callback", function()
    local server
    local c, s = pair(nil, { trace = function(ev)
      if ev.message == "Finished" and ev.direction == "receive" then server:keyupdate() end
    end })
    server = s
    assert(c:start())
    assert(s:feed(c:output()))
    assert(c:feed(s:output()))
    local ok, err = s:feed(c:output())
    assert.is_nil(ok)
    assert.matches("cannot be called from the engine's own callbacks", err)
  end)
end)

describe("conn:keyupdate against openssl s_server", function()
  local c = certs.get()
  after_each(proc.kill_all)

  local function connect(port, extra)
    local o = { mode = "client", ca = c.ca }
    for k, v in pairs(extra or {}) do o[k] = v end
    local conn = assert(tls.connect("127.0.0.1", port, assert(tls.context(o)),
      { servername = "localhost", timeout = 10 }))
    conn:settimeout(10)
    return conn
  end

  local function s_server_rev()
    return peers.s_server(string.format("-tls1_3 -cert %s -key %s -rev -msg",
      c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key))
  end

  it("sends KeyUpdates that openssl follows, and follows openssl's answer", function()
    local h, port = s_server_rev()
    local events = {}
    local conn = connect(port, { trace = function(ev)
      if ev.message == "KeyUpdate" then events[#events + 1] = ev.direction .. " " .. ev.request_update end
    end })
    assert.is_true(conn:keyupdate(true))
    assert(conn:send("abc\n"))
    assert.equal("cba", conn:receive("*l"))
    assert.is_true(conn:keyupdate())
    assert(conn:send("hello\n"))
    assert.equal("olleh", conn:receive("*l"))
    assert.same({ "send update_requested", "receive update_not_requested", "send update_not_requested" }, events)
    conn:close()
    -- openssl's own record of the messages (-msg): "<<<" is what it received.
    proc.wait_output(h, "(<<< TLS 1.3, Handshake %[length 0005%], KeyUpdate.-<<< TLS 1.3, Handshake %[length 0005%], KeyUpdate)", 5)
    local _, received = h:output():gsub("<<< TLS 1.3, Handshake %[length 0005%], KeyUpdate", "")
    local _, sent = h:output():gsub(">>> TLS 1.3, Handshake %[length 0005%], KeyUpdate", "")
    assert.equal(2, received, h:output())
    assert.equal(1, sent, h:output())
  end)

  it("with key_update_after = 3, openssl reads ten records across three updates", function()
    local _, port = s_server_rev()
    local sent = 0
    local conn = connect(port, { key_update_after = 3, trace = function(ev)
      if ev.message == "KeyUpdate" and ev.direction == "send" then sent = sent + 1 end
    end })
    for i = 1, 10 do
      assert(conn:send("line" .. i .. "\n"))
      assert.equal(("line" .. i):reverse(), conn:receive("*l"))
    end
    assert.equal(3, sent)
    conn:close()
  end)

  it("refuses on a closed connection", function()
    local _, port = s_server_rev()
    local conn = connect(port)
    conn:close()
    local ok, err = conn:keyupdate()
    assert.is_nil(ok)
    assert.equal("closed", err)
  end)
end)

describe("conn:keyupdate against our own server process", function()
  it("asks it to update too, and the connection goes on", function()
    local c = certs.get()
    local h, port = peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
    -- Our own server process echoes one line; the client updates before sending it.
    local conn = assert(tls.connect("127.0.0.1", port, assert(tls.context { ca = c.ca }),
      { servername = "localhost", timeout = 10 }))
    conn:settimeout(10)
    assert.is_true(conn:keyupdate(true))
    assert(conn:send("echo me\n"))
    assert.equal("echo me", conn:receive("*l"))
    conn:close()
    assert.matches("info version=TLSv1.3", h:output())
    proc.kill_all()
  end)
end)
