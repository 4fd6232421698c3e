-- Review 46c: a fresh-eyes review of session 45's changes (beea272..34b3918).
-- What held is in the session report; these are the cases it found open.
local tls = require "tls"
local E = require "spec.support.engines"
local tcppair = require "spec.support.tcppair"
local pair = require "spec.support.wrapped_pair"

-- review46c F1: session 45 made the LuaSec drop-in check
-- exportkeyingmaterial's arguments as luaL_checklstring and
-- luaL_checkinteger do, but before its "closed" answer, where LuaSec reads
-- them only on a connected connection (its state test comes first): a
-- LuaSec program that calls it before the handshake, or after close(),
-- without a length got nil, "closed" there and from this module before
-- session 45, and an error since. getpeercertificate's index had the same
-- order (refused before the state test since its integer check came).
describe("review46c: the LuaSec drop-in answers \"closed\" before it reads the arguments, as LuaSec", function()
  local ssl = require "tls.luasec"

  local function dropin()
    local a, b = tcppair()
    local cl = assert(ssl.wrap(a, { mode = "client", protocol = "any", verify = "none" }))
    return cl, b
  end

  it("exportkeyingmaterial before the handshake and after close()", function()
    local cl, b = dropin()
    for _, args in ipairs { { nil, nil }, { "EXPORTER-x", "x" }, { {}, 16 }, { "EXPORTER-x", 16, {} } } do
      assert.same({ nil, "closed" }, { cl:exportkeyingmaterial(args[1], args[2], args[3]) })
    end
    cl:close()
    assert.same({ nil, "closed" }, { cl:exportkeyingmaterial(nil, 1.5) })
    b:close()
  end)

  it("getpeercertificate before the handshake and after close()", function()
    local cl, b = dropin()
    for _, n in ipairs { "x", 1.5, true } do
      assert.same({ nil, "closed" }, { cl:getpeercertificate(n) })
    end
    cl:close()
    assert.same({ nil, "closed" }, { cl:getpeercertificate({}) })
    b:close()
  end)

  it("and still raises LuaSec's words on a connected connection", function()
    local a, b = tcppair()
    local cl = assert(ssl.wrap(a, { mode = "client", protocol = "any", verify = "none" }))
    local sv = assert(tls.wrap(b, E.server_ctx()))
    cl:settimeout(0); sv:settimeout(0)
    local cdone, sdone
    for _ = 1, 200 do
      if not cdone then cdone = cl:dohandshake() end
      if not sdone then sdone = sv:handshake() end
      if cdone and sdone then break end
    end
    assert(cdone and sdone, "handshake did not complete")
    local ok, err = pcall(cl.exportkeyingmaterial, cl, "EXPORTER-x", "x")
    assert.is_false(ok)
    assert.truthy(err:find("bad argument #2 to 'exportkeyingmaterial' (number expected, got string)", 1, true), err)
    ok, err = pcall(cl.getpeercertificate, cl, 1.5)
    assert.is_false(ok)
    assert.truthy(err:find("bad argument #1 to 'getpeercertificate' (number has no integer representation)", 1, true),
      err)
    cl:close(); sv:close()
  end)
end)

-- review46c: the methods session 45 gave check_not_collected raise once
-- the connection's __gc ran; review45g planted bugs for session() and
-- finished() only. info() without it read the freed engine (NULL), and
-- peercertificate() answered with another message than the others.
describe("review46c: info() and peercertificate() after the connection's own __gc", function()
  local function after_gc(method)
    local after
    do
      local holder = {}
      setmetatable(holder, { __gc = function()
        after = table.pack(pcall(holder.conn[method], holder.conn))
      end })
      local cctx = assert(tls.context { ca = E.CERT })
      local client, server = pair(cctx, E.server_ctx())
      holder.conn = client
      assert(client[method](client), "no value before collection")
      server:close()
    end
    collectgarbage()
    collectgarbage()
    assert.is_table(after, "the holder's finalizer did not run")
    return after
  end

  for _, method in ipairs { "info", "peercertificate", "peerchain", "verifiedchain" } do
    it(method .. "() raises the collected connection's message", function()
      local after = after_gc(method)
      assert.is_false(after[1])
      assert.truthy(tostring(after[2]):find("tls: connection already collected (its __gc ran", 1, true),
        tostring(after[2]))
    end)
  end
end)
