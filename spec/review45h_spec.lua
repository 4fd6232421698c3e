-- Session 45, review45h: a client's 0-RTT data in its getstats sent count.
local tls = require "tls"
local E = require "spec.support.engines"
local tcppair = require "spec.support.tcppair"

local connected = require "spec.support.wrapped_pair"

describe("review45h: getstats counts a client's early data once the server accepted it", function()
  local KEY = ("K"):rep(16) .. ("k"):rep(24) .. "76543210"
  local cctx = assert(tls.context { mode = "client", ca = E.CERT, early_data = true })

  -- A session whose ticket allows early data, from a first connection.
  local function session_from(sctx)
    local c1, s1 = connected(cctx, sctx)
    assert.equal(3, s1:send("hi\n"))
    assert.equal("hi", c1:receive("*l")) -- the tickets come before it
    local session = assert(c1:session())
    c1:close(); s1:close()
    return session
  end

  -- The resumed pair with early_data, stepped at timeout 0; before(client)
  -- runs once, before any step.
  local function resumed(sctx, session, before)
    local a, b = tcppair()
    local client = assert(tls.wrap(a, cctx, { servername = "localhost", session = session,
      early_data = "GET /early" }))
    local server = assert(tls.wrap(b, sctx))
    client:settimeout(0); server:settimeout(0)
    if before then before(client) end
    local early, err
    for _ = 1, 200 do
      client:handshake()
      early, err = server:receive_early()
      if early or (err ~= "wantread" and err ~= "wantwrite") then break end
    end
    local cdone, sdone
    for _ = 1, 200 do
      cdone = cdone or client:handshake()
      sdone = sdone or server:handshake()
      if cdone and sdone then break end
    end
    assert(cdone and sdone, "handshake did not complete")
    client:settimeout(5); server:settimeout(5)
    return client, server, early, err
  end

  local function early_server()
    return E.server_ctx { early_data = true, ticket_keys = { KEY }, session_store = tls.store.memory() }
  end

  it("accepted early data is in the client's sent count, once", function()
    local sctx = early_server()
    local client, server, early = resumed(sctx, session_from(sctx))
    assert.equal("GET /early", early)
    assert.equal("accepted", client:info().early_data)
    local _, sent = client:getstats()
    -- before review45h: 0
    assert.equal(10, sent)
    assert.equal(10, select(2, client:getstats()))
    assert.equal(4, client:send("abc\n"))
    assert.equal("abc", server:receive("*l"))
    assert.equal(14, select(2, client:getstats()))
    -- The client sent what the server received.
    assert.equal(14, (server:getstats()))
    -- setstats after the acceptance sets the count: the early bytes are not added again.
    assert.equal(1, client:setstats(nil, 0))
    assert.equal(0, select(2, client:getstats()))
    client:close(); server:close()
    assert.equal(0, select(2, client:getstats()))
  end)

  it("a setstats before the server's answer still gets the accepted bytes added once", function()
    local sctx = early_server()
    local client, server = resumed(sctx, session_from(sctx), function(c)
      assert.equal(1, c:setstats(nil, 100))
      assert.equal(100, select(2, c:getstats()))
    end)
    assert.equal("accepted", client:info().early_data)
    assert.equal(110, select(2, client:getstats()))
    assert.equal(110, select(2, client:getstats()))
    client:close(); server:close()
  end)

  it("a setstats after the acceptance, before any getstats, is not added to", function()
    local sctx = early_server()
    local client, server = resumed(sctx, session_from(sctx))
    assert.equal("accepted", client:info().early_data)
    assert.equal(1, client:setstats(nil, 3))
    assert.equal(3, select(2, client:getstats()))
    client:close(); server:close()
  end)

  it("declined early data (the server has early_data off) is not counted: the client sends it again", function()
    local sctx = early_server()
    local session = session_from(sctx)
    local off = E.server_ctx { ticket_keys = { KEY } }
    local client, server, early, err = resumed(off, session)
    assert.is_nil(early)
    assert.equal("early data rejected", err)
    assert.equal("rejected", client:info().early_data)
    assert.equal(0, select(2, client:getstats()))
    assert.equal(10, client:send("GET /early"))
    assert.equal(10, select(2, client:getstats()))
    assert.equal("GET /early", server:receive(10))
    client:close(); server:close()
  end)

  it("early data declined by a HelloRetryRequest is not counted", function()
    local sctx = early_server()
    local session = session_from(sctx)
    local hrr = E.server_ctx { early_data = true, ticket_keys = { KEY }, session_store = tls.store.memory(),
      groups = { "secp384r1" } }
    local client, server = resumed(hrr, session)
    assert.equal("rejected", client:info().early_data)
    assert.truthy(client:info().resumed)
    assert.equal(0, select(2, client:getstats()))
    client:close(); server:close()
  end)
end)
