-- Session 45, review45d: leftovers of the Lua API (the LuaSec drop-in's
-- numeric parameters, receive_early in getstats, receive's counts), and a
-- round of API misuse.
local tls = require "tls"
local E = require "spec.support.engines"
local tcppair = require "spec.support.tcppair"

local connected = require "spec.support.wrapped_pair"

describe("review45d: getstats counts the early data receive_early returns", function()
  local KEY = ("K"):rep(16) .. ("k"):rep(24) .. "76543210"

  it("a 0-RTT request read with receive_early is in the server's received count", function()
    local sctx = E.server_ctx { early_data = true, ticket_keys = { KEY }, session_store = tls.store.memory() }
    local cctx = assert(tls.context { mode = "client", ca = E.CERT, early_data = true })
    local c1, s1 = connected(cctx, sctx)
    assert.equal(3, s1:send("hi\n"))
    assert.equal("hi", c1:receive("*l")) -- the tickets come before it
    local session = assert(c1:session())
    c1:close(); s1:close()

    local a, b = tcppair()
    local client = assert(tls.wrap(a, cctx, { servername = "localhost", session = session,
      early_data = "GET /early" }))
    local server = assert(tls.wrap(b, sctx))
    client:settimeout(0); server:settimeout(0)
    local early, err
    for _ = 1, 200 do
      client:handshake()
      early, err = server:receive_early()
      if early or (err ~= "wantread" and err ~= "wantwrite") then break end
    end
    assert.equal("GET /early", early, err)
    local received = server:getstats()
    -- before review45d: 0
    assert.equal(10, received)
    for _ = 1, 200 do
      if client:handshake() and server:handshake() then break end
    end
    assert.equal("accepted", client:info().early_data)
    client:settimeout(5); server:settimeout(5)
    assert.equal(4, client:send("abc\n"))
    assert.equal("abc", server:receive("*l"))
    assert.equal(14, (server:getstats()))
    client:close(); server:close()
  end)
end)

describe("review45d: the LuaSec drop-in takes numbers as LuaSec's C functions do", function()
  local ssl = require "tls.luasec"

  local function params(depth)
    return { mode = "client", protocol = "any", verify = "none", depth = depth }
  end

  local function raises(pattern, f, ...)
    local ok, err = pcall(f, ...)
    assert.is_false(ok)
    assert.truthy(tostring(err):find(pattern, 1, true), tostring(err))
  end

  -- a drop-in client and a luatls server, handshake done
  local function dropin_pair()
    local a, b = tcppair()
    local cl = assert(ssl.wrap(a, params()))
    local sv = assert(tls.wrap(b, E.server_ctx()))
    cl:settimeout(0); sv:settimeout(0)
    local cdone, sdone
    for _ = 1, 200 do
      if not cdone then cdone = cl:dohandshake() end
      if not sdone then sdone = sv:handshake() end
      if cdone and sdone then break end
    end
    assert(cdone and sdone, "handshake did not complete")
    return cl, sv
  end

  it("depth: a numeric string or an integral float (luaL_checkinteger); the rest raises as LuaSec", function()
    -- before review45d: "10" raised "depth: number expected, got string"
    for _, d in ipairs { "10", " 10 ", "0xa", "1e1", "10.0", 10.0, 9 } do
      assert.equal("table", type(ssl.newcontext(params(d))), tostring(d))
    end
    local ctx, err = ssl.newcontext(params("3"))
    assert.is_nil(ctx)
    assert.equal("depth 3 is refused: luatls cannot limit the chain below 9 intermediate certificates "
      .. "(its own limit); leave depth out or set it to 9 or more", err)
    for _, d in ipairs { "9.5", 9.5, 0 / 0, math.huge } do
      raises("bad argument #1 to 'newcontext' (depth: number has no integer representation)", ssl.newcontext, params(d))
    end
    for _, d in ipairs { "abc", "", true, {} } do
      raises("bad argument #1 to 'newcontext' (depth: number expected, got " .. type(d) .. ")",
        ssl.newcontext, params(d))
    end
  end)

  it("settimeout and setstats take numeric strings, and raise on what is no number", function()
    local a, b = tcppair()
    local conn = assert(ssl.wrap(a, params()))
    -- before review45d: settimeout("5") raised, setstats("x") and setstats({}) kept the value and returned 1
    assert.equal(1, conn:settimeout("5"))
    raises("bad argument #1 to 'settimeout' (number expected, got string)", conn.settimeout, conn, "x")
    assert.equal(1, conn:setstats("10", "20"))
    raises("bad argument #1 to 'setstats' (number expected, got string)", conn.setstats, conn, "x")
    raises("bad argument #2 to 'setstats' (number expected, got table)", conn.setstats, conn, nil, {})
    raises("bad argument #3 to 'setstats' (number expected, got boolean)", conn.setstats, conn, nil, nil, true)
    local r, s = conn:getstats()
    assert.same({ 10, 20 }, { r, s })
    conn:close(); b:close()
  end)

  it("getpeercertificate(n) and exportkeyingmaterial(label, n) take \"1\" and 1.0, and say LuaSec's words", function()
    local cl, sv = dropin_pair()
    -- before review45d: "1" and 1.0 raised "bad argument #2 ... (number has no integer representation)"
    assert.truthy(cl:getpeercertificate("1"))
    assert.truthy(cl:getpeercertificate(1.0))
    assert.same({ nil, "invalid certificate index" }, { cl:getpeercertificate("0") })
    raises("bad argument #1 to 'getpeercertificate' (number has no integer representation)",
      cl.getpeercertificate, cl, 1.5)
    raises("bad argument #1 to 'getpeercertificate' (number expected, got boolean)", cl.getpeercertificate, cl, true)
    local k = assert(cl:exportkeyingmaterial("EXPORTER-x", "16"))
    assert.equal(16, #k)
    assert.equal(k, cl:exportkeyingmaterial("EXPORTER-x", 16.0))
    -- before review45d: "luasec.lua:N: bad argument #3 to 'export' (...)"
    local ok, err = pcall(function() local k2 = cl:exportkeyingmaterial("EXPORTER-x", 16.5); return k2 end)
    assert.is_false(ok)
    assert.matches("^[^:]*review45d_spec%.lua:%d+: bad argument #2 to 'exportkeyingmaterial' %(number has no "
      .. "integer representation%)$", err)
    raises("bad argument #1 to 'exportkeyingmaterial' (string expected, got nil)", cl.exportkeyingmaterial, cl, nil, 16)
    raises("bad argument #3 to 'exportkeyingmaterial' (string expected, got table)",
      cl.exportkeyingmaterial, cl, "EXPORTER-x", 16, {})
    cl:close(); sv:close()
  end)
end)
