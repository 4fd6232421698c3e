-- Session 38: what reviews 38a to 38f found, where no older spec had a place.
local E = require "spec.support.engines"
local tcppair = require "spec.support.tcppair"

describe("review38c F1: the drop-in's close() refused inside a callback", function()
  it("leaves the connection open and usable, and a later close() closes it", function()
    local ssl = require "tls.luasec"
    local a, b = tcppair()
    local holder, refused = {}, nil
    local c = assert(ssl.wrap(a, { mode = "client", protocol = "any", verify = "none", alpn = { "h2" } }))
    local s = assert(ssl.wrap(b, { mode = "server", protocol = "any", certificate = E.CERT, key = E.KEY,
      alpn = function()
        local ok, err = pcall(holder.s.close, holder.s)
        refused = not ok and err
        return "h2"
      end }))
    holder.s = s
    c:settimeout(0); s:settimeout(0)
    local done
    for _ = 1, 20 do
      c:dohandshake()
      done = s:dohandshake()
      if done then break end
    end
    assert.truthy(refused, "close() inside the callback was not refused")
    assert.is_true(done)
    assert.is_true(s:getfd() >= 0)
    assert.truthy(s:getpeercertificate() == nil) -- no client certificate, but not "closed"
    assert(s:send("still here\n"))
    c:settimeout(2)
    assert.equal("still here", c:receive("*l"))
    s:close()
    assert.equal(-1, s:getfd())
    local data, err = c:receive(1)
    assert.is_nil(data)
    assert.equal("closed", err)
    c:close()
  end)
end)
