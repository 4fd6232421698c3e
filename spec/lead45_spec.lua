-- Session 45 (lead): receive's extreme counts, as README's receive row
-- says: 0 returns "" (or the prefix) at once, and a count of 2^64 or more
-- (math.huge) is a count never reached, so it reads until the peer closes
-- (LuaSocket's size_t conversion of it is undefined in C: "" on x86-64).
local tls = require "tls"
local E = require "spec.support.engines"

local wrapped_pair = require "spec.support.wrapped_pair"

local function connected()
  return wrapped_pair(assert(tls.context { mode = "client", ca = E.CERT }), E.server_ctx {})
end

describe("lead45: receive's extreme counts", function()
  it("receive(0) returns \"\" at once, or the prefix, with data waiting", function()
    local client, server = connected()
    assert.equal(6, server:send("hello\n"))
    client:settimeout(0)
    assert.equal("", client:receive(0))
    assert.equal("pre", client:receive(0, "pre"))
    client:settimeout(5)
    assert.equal("hello", client:receive("*l"))
    client:close(); server:close()
  end)

  it("receive(math.huge) reads until the peer's close, its data as the partial result", function()
    for _, n in ipairs { math.huge, 2^64, 1e300 } do
      local client, server = connected()
      assert.equal(12, server:send("hello world\n"))
      server:close()
      local data, err, partial = client:receive(n)
      assert.is_nil(data, tostring(n))
      assert.equal("closed", err)
      assert.equal("hello world\n", partial)
      client:close()
    end
  end)

  it("(neighbour) receive(2^63) is the same", function()
    local client, server = connected()
    assert.equal(3, server:send("abc"))
    server:close()
    local data, err, partial = client:receive(2^63)
    assert.is_nil(data)
    assert.equal("closed", err)
    assert.equal("abc", partial)
    client:close()
  end)
end)
